//! The IndexedDB adapter: where every document lives on the tablet.
//!
//! Database `giamsat`, version 3:
//! - `docs`: document id → the document's last snapshot (Automerge's compressed format).
//! - `chunks` (version 3): `<doc id>/<page actor>/<sequence>` → the changes made since the
//!   snapshot, one chunk per write, appended in one transaction with the confirmed heads, so a
//!   closed tab or a crash loses nothing that was on screen before the write completed, and a
//!   keystroke writes bytes in proportion to the keystroke. When the chunks outweigh the
//!   snapshot, a new snapshot replaces them in one transaction (`shared::journal` decides).
//!   The page's actor in the key keeps two tabs from writing over each other's chunks.
//! - `meta`: small strings — `me` (the `GET /api/me` body, JSON), `actors` (this device's
//!   actor ids) and `actors-registered` (those the server has taken), `pending-supervisions`
//!   (created here, not yet registered with their delegation; JSON), `titles` (each held
//!   supervision's title, JSON, so the list shows them before the documents are loaded),
//!   `confirmed:<doc id>`
//!   (the server heads last known to cover that document), `reading:<doc id>/<nnnn>` (the
//!   supervision as read from what is stored, UTF-8 JSON in pieces of at most
//!   [`READING_PIECE`] bytes, so it opens to be read before its document is loaded:
//!   `shared::kept`; every write of the document deletes it in the same transaction, so one
//!   that is there is never behind what this tab stored), and for evidence `mime:<sha256>`,
//!   `blob-docs:<sha256>` (the supervisions it was attached in) and
//!   `uploaded:<doc id>:<sha256>`.
//! - `blobs` (version 2): sha256 → the bytes of a photo or document attached as evidence.
//!
//! Nothing here knows what a finding is; it stores bytes and strings.

use indexed_db_futures::KeyRange;
use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};

const DB_NAME: &str = "giamsat";
const DOCS: &str = "docs";
const META: &str = "meta";
const BLOBS: &str = "blobs";
const CHUNKS: &str = "chunks";

/// The keys of the `meta` store, named once (the list above says what each holds).
pub mod keys {
    pub const ME: &str = "me";
    pub const ACTORS: &str = "actors";
    pub const ACTORS_REGISTERED: &str = "actors-registered";
    pub const PENDING_SUPERVISIONS: &str = "pending-supervisions";
    pub const TITLES: &str = "titles";

    /// The server heads known to cover document `doc`.
    pub fn confirmed(doc: &str) -> String {
        format!("confirmed:{doc}")
    }

    /// Piece `n` of supervision `doc` as read from what is stored (`shared::kept`).
    pub fn reading(doc: &str, n: usize) -> String {
        format!("reading:{doc}/{n:04}")
    }

    /// The mime type of the blob `sha`.
    pub fn mime(sha: &str) -> String {
        format!("mime:{sha}")
    }

    /// The supervisions blob `sha` was attached in.
    pub fn blob_docs(sha: &str) -> String {
        format!("blob-docs:{sha}")
    }

    /// Blob `sha` is uploaded for supervision `doc` (or refused).
    pub fn uploaded(doc: &str, sha: &str) -> String {
        format!("uploaded:{doc}:{sha}")
    }
}

/// A storage failure, with the browser's own words (quota exceeded, blocked, …).
#[derive(Debug, Clone)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<indexed_db_futures::error::Error> for StoreError {
    fn from(e: indexed_db_futures::error::Error) -> Self {
        StoreError(e.to_string())
    }
}

/// The open database (a handle: clones share it).
#[derive(Clone)]
pub struct Store {
    db: Database,
}

impl Store {
    /// Open (creating or upgrading) the database.
    pub async fn open() -> Result<Store, StoreError> {
        let db = Database::open(DB_NAME)
            .with_version(3u8)
            .with_on_upgrade_needed(|event, db| {
                if event.old_version() < 1.0 {
                    db.create_object_store(DOCS).build()?;
                    db.create_object_store(META).build()?;
                }
                if event.old_version() < 2.0 {
                    db.create_object_store(BLOBS).build()?;
                }
                if event.old_version() < 3.0 {
                    db.create_object_store(CHUNKS).build()?;
                }
                Ok(())
            })
            .await
            .map_err(|e| StoreError(e.to_string()))?;
        Ok(Store { db })
    }

    /// Every stored document: its snapshot, if any, the chunks written after it, and the
    /// server heads known to cover it; one transaction, a request per store, however many
    /// documents the tablet holds.
    pub async fn load_docs(&self) -> Result<Vec<StoredDoc>, StoreError> {
        let tx = self.db.transaction([DOCS, CHUNKS, META]).build()?;
        let docs = tx.object_store(DOCS)?;
        let chunks = tx.object_store(CHUNKS)?;
        let meta = tx.object_store(META)?;
        let mut out: std::collections::BTreeMap<String, StoredDoc> = Default::default();
        for (key, bytes) in all_entries(&docs).await? {
            out.entry(key.clone())
                .or_insert_with(|| StoredDoc::new(key))
                .snapshot = Some(bytes);
        }
        for (key, bytes) in all_entries(&chunks).await? {
            let Some((id, _)) = key.split_once('/') else {
                continue;
            };
            let doc = out
                .entry(id.to_owned())
                .or_insert_with(|| StoredDoc::new(id.to_owned()));
            doc.chunks.push(bytes);
            doc.chunk_keys.push(key);
        }
        let prefix = keys::confirmed("");
        let range = || KeyRange::Bound(prefix.clone(), false, format!("{prefix}\u{ffff}"), false);
        let names: Vec<JsValue> = meta
            .get_all_keys::<JsValue>()
            .with_query::<String, _>(range())
            .primitive()?
            .await?
            .collect::<Result<_, _>>()?;
        let heads: Vec<JsValue> = meta
            .get_all::<JsValue>()
            .with_query::<String, _>(range())
            .primitive()?
            .await?
            .collect::<Result<_, _>>()?;
        for (name, value) in names.into_iter().zip(heads) {
            let (Some(name), Some(value)) = (name.as_string(), value.as_string()) else {
                continue;
            };
            if let Some(doc) = name.strip_prefix(&prefix).and_then(|id| out.get_mut(id)) {
                doc.confirmed = Some(value);
            }
        }
        Ok(out.into_values().collect())
    }

    /// Append one chunk of changes to document `id`, and its confirmed heads, in one
    /// transaction that also drops the reading kept of it.
    pub async fn append_chunk(
        &self,
        key: &ChunkKey,
        bytes: &[u8],
        confirmed: &str,
    ) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction([CHUNKS, META])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let value: JsValue = Uint8Array::from(bytes).into();
        tx.object_store(CHUNKS)?
            .put(value)
            .with_key(key.to_string())
            .primitive()?;
        let meta = tx.object_store(META)?;
        put_confirmed(&meta, &key.doc, confirmed)?;
        delete_reading(&meta, &key.doc)?;
        tx.commit().await?;
        Ok(())
    }

    /// Replace document `id`'s snapshot with `bytes` and drop the chunks it covers (this
    /// page's, and `loaded`, those read at start), with the confirmed heads, in one
    /// transaction that also drops the reading kept of it.
    pub async fn write_snapshot(
        &self,
        id: &str,
        page_actor: &str,
        loaded: &[String],
        bytes: &[u8],
        confirmed: &str,
    ) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction([DOCS, CHUNKS, META])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let value: JsValue = Uint8Array::from(bytes).into();
        tx.object_store(DOCS)?
            .put(value)
            .with_key(id.to_owned())
            .primitive()?;
        let chunks = tx.object_store(CHUNKS)?;
        // Keys of this page's chunks run from "<id>/<actor>/" to "<id>/<actor>0" ('0' sorts
        // right after '/').
        chunks
            .delete::<String, KeyRange<String>>(KeyRange::Bound(
                format!("{id}/{page_actor}/"),
                false,
                format!("{id}/{page_actor}0"),
                true,
            ))
            .primitive()?;
        for key in loaded {
            chunks.delete(key.clone()).primitive()?;
        }
        let meta = tx.object_store(META)?;
        put_confirmed(&meta, id, confirmed)?;
        delete_reading(&meta, id)?;
        tx.commit().await?;
        Ok(())
    }

    /// A small stored string.
    pub async fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let tx = self.db.transaction(META).build()?;
        let store = tx.object_store(META)?;
        let value: Option<JsValue> = store.get(key.to_owned()).primitive()?.await?;
        Ok(value.and_then(|v| v.as_string()))
    }

    /// Store a small string.
    pub async fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction(META)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let store = tx.object_store(META)?;
        store
            .put(JsValue::from_str(value))
            .with_key(key.to_owned())
            .primitive()?;
        tx.commit().await?;
        Ok(())
    }

    /// Keep `json`, supervision `doc`'s reading, in place of the one kept before.
    pub async fn keep_reading(&self, doc: &str, json: &str) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction(META)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let meta = tx.object_store(META)?;
        delete_reading(&meta, doc)?;
        for (n, piece) in json.as_bytes().chunks(READING_PIECE).enumerate() {
            let value: JsValue = Uint8Array::from(piece).into();
            meta.put(value)
                .with_key(keys::reading(doc, n))
                .primitive()?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Supervision `doc`'s kept reading, if there is one (one request for all its pieces).
    pub async fn kept_reading(&self, doc: &str) -> Result<Option<String>, StoreError> {
        let tx = self.db.transaction(META).build()?;
        let meta = tx.object_store(META)?;
        let pieces: Vec<JsValue> = meta
            .get_all::<JsValue>()
            .with_query::<String, _>(reading_pieces(doc))
            .primitive()?
            .await?
            .collect::<Result<_, _>>()?;
        if pieces.is_empty() {
            return Ok(None);
        }
        let mut bytes = Vec::new();
        for piece in pieces {
            let piece = piece
                .dyn_into::<Uint8Array>()
                .map_err(|_| StoreError("a kept reading's piece is not bytes".into()))?;
            let at = bytes.len();
            bytes.resize(at + piece.length() as usize, 0);
            piece.copy_to(&mut bytes[at..]);
        }
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| StoreError("a kept reading is not UTF-8".into()))
    }

    /// Forget a small stored string.
    pub async fn delete_meta(&self, key: &str) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction(META)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        tx.object_store(META)?.delete(key.to_owned()).primitive()?;
        tx.commit().await?;
        Ok(())
    }

    /// A stored JSON value; `None` if absent or unreadable.
    pub async fn meta_json<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<T>, StoreError> {
        Ok(self
            .meta(key)
            .await?
            .and_then(|s| serde_json::from_str(&s).ok()))
    }

    /// Store a value as JSON.
    pub async fn set_meta_json<T: serde::Serialize>(
        &self,
        key: &str,
        value: &T,
    ) -> Result<(), StoreError> {
        let text = serde_json::to_string(value).map_err(|e| StoreError(e.to_string()))?;
        self.set_meta(key, &text).await
    }

    /// Empty every store: documents, their chunks, settings and evidence (signing out).
    pub async fn clear_all(&self) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction([DOCS, CHUNKS, META, BLOBS])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        for name in [DOCS, CHUNKS, META, BLOBS] {
            tx.object_store(name)?.clear()?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Keep a blob (and its mime type) under its hash, noting the supervision `doc` it belongs
    /// to (the server files blobs per supervision), in one transaction.
    pub async fn put_blob(
        &self,
        sha: &str,
        mime: &str,
        bytes: &[u8],
        doc: &str,
    ) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction([BLOBS, META])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let blobs = tx.object_store(BLOBS)?;
        let meta = tx.object_store(META)?;
        let value: JsValue = Uint8Array::from(bytes).into();
        blobs.put(value).with_key(sha.to_owned()).primitive()?;
        meta.put(JsValue::from_str(mime))
            .with_key(keys::mime(sha))
            .primitive()?;
        let docs_key = keys::blob_docs(sha);
        let docs: Option<JsValue> = meta.get(docs_key.clone()).primitive()?.await?;
        let mut docs: Vec<String> = docs
            .and_then(|v| v.as_string())
            .map(|s| s.split(',').map(str::to_owned).collect())
            .unwrap_or_default();
        if !docs.iter().any(|d| d == doc) {
            docs.push(doc.to_owned());
            meta.put(JsValue::from_str(&docs.join(",")))
                .with_key(docs_key)
                .primitive()?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A blob's bytes and mime type, if this device has it.
    pub async fn blob(&self, sha: &str) -> Result<Option<(Vec<u8>, String)>, StoreError> {
        let tx = self.db.transaction([BLOBS, META]).build()?;
        let blobs = tx.object_store(BLOBS)?;
        let meta = tx.object_store(META)?;
        let value: Option<JsValue> = blobs.get(sha.to_owned()).primitive()?.await?;
        let Some(bytes) = value.and_then(|v| v.dyn_into::<Uint8Array>().ok()) else {
            return Ok(None);
        };
        let mime: Option<JsValue> = meta.get(keys::mime(sha)).primitive()?.await?;
        Ok(Some((
            bytes.to_vec(),
            mime.and_then(|m| m.as_string())
                .unwrap_or_else(|| "application/octet-stream".into()),
        )))
    }

    /// The hashes of every blob on this device.
    pub async fn blob_keys(&self) -> Result<Vec<String>, StoreError> {
        let tx = self.db.transaction(BLOBS).build()?;
        let store = tx.object_store(BLOBS)?;
        let keys: Vec<JsValue> = store
            .get_all_keys::<JsValue>()
            .primitive()?
            .await?
            .collect::<Result<_, _>>()?;
        Ok(keys.into_iter().filter_map(|k| k.as_string()).collect())
    }
}

/// One document as stored: its snapshot and the chunks after it, with their keys.
pub struct StoredDoc {
    pub id: String,
    pub snapshot: Option<Vec<u8>>,
    pub chunks: Vec<Vec<u8>>,
    pub chunk_keys: Vec<String>,
    /// The server heads last known to cover it (`meta` `confirmed:<id>`), as written.
    pub confirmed: Option<String>,
}

impl StoredDoc {
    fn new(id: String) -> Self {
        Self {
            id,
            snapshot: None,
            chunks: Vec::new(),
            chunk_keys: Vec::new(),
            confirmed: None,
        }
    }
}

/// Where one chunk goes: `<doc id>/<page actor>/<sequence>`, the sequence zero-padded so keys
/// sort in the order they were written.
pub struct ChunkKey {
    pub doc: String,
    pub page_actor: String,
    pub seq: u64,
}

impl std::fmt::Display for ChunkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{:012}", self.doc, self.page_actor, self.seq)
    }
}

/// Every (string key, bytes) entry of an object store, in key order: two requests (all keys,
/// all values, both in key order), not one per entry — a start-up reads hundreds of chunks.
async fn all_entries(
    store: &indexed_db_futures::object_store::ObjectStore<'_>,
) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
    let keys: Vec<JsValue> = store
        .get_all_keys::<JsValue>()
        .primitive()?
        .await?
        .collect::<Result<_, _>>()?;
    let values: Vec<JsValue> = store
        .get_all::<JsValue>()
        .primitive()?
        .await?
        .collect::<Result<_, _>>()?;
    Ok(keys
        .into_iter()
        .zip(values)
        .filter_map(|(key, value)| {
            let bytes = value.dyn_into::<Uint8Array>().ok()?;
            Some((key.as_string()?, bytes.to_vec()))
        })
        .collect())
}

/// The largest piece a kept reading is stored in: Chromium keeps a value over 64 KiB out of
/// its database, in a file of its own, and reading one back took ~30–80 ms more for the
/// 500-finding supervision's ~0.5 MB than reading it in pieces.
pub const READING_PIECE: usize = 60_000;

/// Drop supervision `id`'s kept reading (with every write of the document).
fn delete_reading(
    meta: &indexed_db_futures::object_store::ObjectStore<'_>,
    id: &str,
) -> Result<(), StoreError> {
    meta.delete::<String, KeyRange<String>>(reading_pieces(id))
        .primitive()?;
    Ok(())
}

/// Every piece of supervision `doc`'s kept reading: the keys from `reading:<doc>/` to
/// `reading:<doc>0`, excluded ('0' sorts right after '/').
fn reading_pieces(doc: &str) -> KeyRange<String> {
    KeyRange::Bound(
        format!("reading:{doc}/"),
        false,
        format!("reading:{doc}0"),
        true,
    )
}

/// The server heads known to cover document `id` (written with every write of it).
fn put_confirmed(
    meta: &indexed_db_futures::object_store::ObjectStore<'_>,
    id: &str,
    confirmed: &str,
) -> Result<(), StoreError> {
    meta.put(JsValue::from_str(confirmed))
        .with_key(keys::confirmed(id))
        .primitive()?;
    Ok(())
}

/// A comma-separated meta value as its items (none for a missing value).
pub fn split_list(s: Option<String>) -> Vec<String> {
    s.map(|s| {
        s.split(',')
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
}
