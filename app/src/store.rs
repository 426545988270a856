//! The IndexedDB adapter: where every document lives on the tablet.
//!
//! Database `giamsat`, version 1:
//! - `docs`: document id → the document saved whole (Automerge's compressed format), written
//!   in one transaction after every change, so a closed tab or a crash loses nothing that
//!   was on screen before the write completed.
//! - `meta`: small strings — `me` (the `GET /api/me` body, JSON), `actors` (this device's
//!   actor ids) and `actors-registered` (those the server has taken), `pending-supervisions`
//!   (created here, not yet registered with their delegation; JSON), `confirmed:<doc id>`
//!   (the server heads last known to cover that document), and for evidence `mime:<sha256>`,
//!   `blob-docs:<sha256>` (the supervisions it was attached in) and
//!   `uploaded:<doc id>:<sha256>`.
//! - `blobs` (version 2): sha256 → the bytes of a photo or document attached as evidence.
//!
//! Nothing here knows what a finding is; it stores bytes and strings.

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};

const DB_NAME: &str = "giamsat";
const DOCS: &str = "docs";
const META: &str = "meta";
const BLOBS: &str = "blobs";

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

/// The open database.
pub struct Store {
    db: Database,
}

impl Store {
    /// Open (creating or upgrading) the database.
    pub async fn open() -> Result<Store, StoreError> {
        let db = Database::open(DB_NAME)
            .with_version(2u8)
            .with_on_upgrade_needed(|event, db| {
                if event.old_version() < 1.0 {
                    db.create_object_store(DOCS).build()?;
                    db.create_object_store(META).build()?;
                }
                if event.old_version() < 2.0 {
                    db.create_object_store(BLOBS).build()?;
                }
                Ok(())
            })
            .await
            .map_err(|e| StoreError(e.to_string()))?;
        Ok(Store { db })
    }

    /// Every stored document: (id, saved bytes).
    pub async fn load_docs(&self) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let tx = self.db.transaction(DOCS).build()?;
        let store = tx.object_store(DOCS)?;
        let keys: Vec<JsValue> = store
            .get_all_keys::<JsValue>()
            .primitive()?
            .await?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let Some(id) = key.as_string() else { continue };
            let value: Option<JsValue> = store.get(id.clone()).primitive()?.await?;
            if let Some(bytes) = value.and_then(|v| v.dyn_into::<Uint8Array>().ok()) {
                out.push((id, bytes.to_vec()));
            }
        }
        Ok(out)
    }

    /// Write one document whole, and its confirmed heads, in one transaction.
    pub async fn save_doc(
        &self,
        id: &str,
        bytes: &[u8],
        confirmed: &str,
    ) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction([DOCS, META])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let docs = tx.object_store(DOCS)?;
        let meta = tx.object_store(META)?;
        let value: JsValue = Uint8Array::from(bytes).into();
        docs.put(value).with_key(id.to_owned()).primitive()?;
        meta.put(JsValue::from_str(confirmed))
            .with_key(format!("confirmed:{id}"))
            .primitive()?;
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

    /// Empty every store: documents, settings and evidence (signing out).
    pub async fn clear_all(&self) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction([DOCS, META, BLOBS])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        for name in [DOCS, META, BLOBS] {
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
            .with_key(format!("mime:{sha}"))
            .primitive()?;
        let docs_key = format!("blob-docs:{sha}");
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
        let mime: Option<JsValue> = meta.get(format!("mime:{sha}")).primitive()?.await?;
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
