//! Where the server keeps what is not an account: documents (as chunks, for the sync engine:
//! [`DocStore`]), the server's settings (`meta`), and the evidence blobs (photos and scans by
//! SHA-256, see [`crate::blobs`]). One trait, [`ServerStore`], two implementations:
//!
//! - [`sqlite`]: one file beside the server, the default, enough for a province;
//! - [`postgres`]: a PostgreSQL database, for several replicas of the server (issue 16).
//!
//! Every method blocks: the sync engine's writer thread calls them directly, the async
//! handlers through [`Storage`], the handle the server keeps, on the blocking pool. The
//! tests at the end of this file run over both implementations.

pub mod postgres;
pub mod sqlite;

use std::sync::Arc;

use sha2::Digest;

pub use self::postgres::PostgresStorage;
pub use self::sqlite::SqliteStorage;
use crate::config::Config;
use crate::error::ServerError;
use crate::sync::store::{DocStore, StoreError};

/// A blob as stored: its mime type and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    pub mime: String,
    pub data: Vec<u8>,
}

/// Documents, settings and blobs.
pub trait ServerStore: DocStore {
    /// A server setting.
    fn meta(&self, key: &str) -> Result<Option<String>, StoreError>;

    /// Record a server setting.
    fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError>;

    /// Store a blob under its SHA-256 (lowercase hex, checked by the caller). Returns `true`
    /// when it is new, `false` when that hash was already stored: the bytes are the same by
    /// construction, and the first upload's mime type is kept.
    fn put_blob(&self, sha: &str, mime: &str, data: &[u8]) -> Result<bool, StoreError>;

    /// The blob stored under `sha`, if any.
    fn get_blob(&self, sha: &str) -> Result<Option<StoredBlob>, StoreError>;

    /// How many document chunks are stored (for `/health`).
    fn chunk_count(&self) -> Result<u64, StoreError>;

    /// The id this storage gives itself in the `peer` answer (`storageId`), made on first
    /// use and kept.
    fn storage_id(&self) -> Result<String, StoreError>;

    /// The name this replica's announcements carry, where replicas announce their writes.
    fn replica(&self) -> Option<&str> {
        None
    }
}

/// The server's storage, whichever database it is on, with async helpers that run each call
/// on the blocking pool (neither database client may block an async worker).
#[derive(Clone)]
pub struct Storage(Arc<dyn ServerStore>);

impl Storage {
    /// The database `config` names: PostgreSQL with `--database-url`, else the SQLite file
    /// in the data directory. Blocks (connecting, migrating).
    pub fn open(config: &Config) -> Result<Storage, ServerError> {
        Ok(match &config.database_url {
            Some(url) => Storage(Arc::new(
                PostgresStorage::connect(url.as_str())
                    .map_err(|e| ServerError::Startup(format!("PostgreSQL at {url:?}: {e}")))?,
            )),
            None => Storage(Arc::new(SqliteStorage::open(&crate::database_path(
                config,
            ))?)),
        })
    }

    /// On PostgreSQL, this replica's name in its announcements of stored chunks.
    pub fn replica(&self) -> Option<String> {
        self.0.replica().map(str::to_owned)
    }

    /// The same storage, as the sync engine's document store.
    pub fn documents(&self) -> Arc<dyn DocStore> {
        self.0.clone()
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn ServerStore) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, ServerError> {
        let store = self.0.clone();
        tokio::task::spawn_blocking(move || f(store.as_ref()))
            .await
            .map_err(|e| ServerError::Internal(format!("storage task failed: {e}")))?
            .map_err(ServerError::from)
    }

    /// [`ServerStore::storage_id`].
    pub async fn storage_id(&self) -> Result<String, ServerError> {
        self.blocking(|s| s.storage_id()).await
    }

    /// [`ServerStore::meta`].
    pub async fn meta(&self, key: &'static str) -> Result<Option<String>, ServerError> {
        self.blocking(move |s| s.meta(key)).await
    }

    /// [`ServerStore::set_meta`].
    pub async fn set_meta(&self, key: &'static str, value: String) -> Result<(), ServerError> {
        self.blocking(move |s| s.set_meta(key, &value)).await
    }

    /// [`ServerStore::put_blob`].
    pub async fn put_blob(
        &self,
        sha: String,
        mime: String,
        data: impl AsRef<[u8]> + Send + 'static,
    ) -> Result<bool, ServerError> {
        self.blocking(move |s| s.put_blob(&sha, &mime, data.as_ref()))
            .await
    }

    /// [`ServerStore::get_blob`].
    pub async fn get_blob(&self, sha: String) -> Result<Option<StoredBlob>, ServerError> {
        self.blocking(move |s| s.get_blob(&sha)).await
    }
}

/// A chunk's name: the first 16 bytes of its SHA-256, in hex (unique per content).
pub(crate) fn chunk_name(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    //! The same tests over SQLite and PostgreSQL (a throwaway cluster; skipped with a message
    //! where PostgreSQL is not installed, a failure on CI).

    use giamsat_tests::postgres::Postgres;
    use shared::DocumentId;
    use shared::engine::Write;
    use shared::official::issue::Shown;

    use super::*;

    fn id(n: u8) -> DocumentId {
        DocumentId::from_bytes([n; 16])
    }

    fn write(changes: &[u8], snapshot: Option<&[u8]>) -> Write {
        Write {
            heads: Vec::new(),
            changes: changes.to_vec(),
            snapshot: snapshot.map(<[u8]>::to_vec),
        }
    }

    /// Run `check` on a fresh SQLite store, then on a fresh PostgreSQL one; `reopen` gives a
    /// second handle on the same data (a restart).
    fn over_both(name: &str, check: impl Fn(&dyn Fn() -> Box<dyn ServerStore>)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.sqlite3");
        check(&|| Box::new(SqliteStorage::open(&path).unwrap()));
        if let Some(pg) = Postgres::start_or_skip(name) {
            let url = pg.url();
            check(&|| Box::new(PostgresStorage::connect(&url).unwrap()));
        }
    }

    /// A change to `doc` (one key set), as the chunk a write would hold.
    fn change(doc: &mut automerge::Automerge, key: &str) -> Vec<u8> {
        use automerge::transaction::Transactable;
        let before = doc.get_heads();
        let mut tx = doc.transaction();
        tx.put(automerge::ROOT, key, 1).unwrap();
        tx.commit();
        doc.save_after(&before)
    }

    #[test]
    fn a_document_loads_only_its_own_chunks_and_a_snapshot_replaces_them_all() {
        over_both("storage: chunks and snapshots", |open| {
            let s = open();
            let (mut one, mut two) = (automerge::Automerge::new(), automerge::Automerge::new());
            let (a, b, c) = (
                change(&mut one, "a"),
                change(&mut one, "b"),
                change(&mut two, "c"),
            );
            // Step 1: two chunks of one document, one of another, in one commit.
            s.commit(
                &[
                    (id(1), write(&a, None)),
                    (id(1), write(&b, None)),
                    (id(2), write(&c, None)),
                ],
                &[],
            )
            .unwrap();
            let mut got = s.load(&id(1)).unwrap().chunks;
            got.sort();
            let mut want = vec![a, b];
            want.sort();
            assert_eq!(got, want);
            // Step 2: a snapshot of document 1 replaces both its chunks, not document 2's.
            let snapshot = one.save();
            s.commit(&[(id(1), write(b"", Some(&snapshot)))], &[])
                .unwrap();
            assert_eq!(s.load(&id(1)).unwrap().chunks, vec![snapshot]);
            assert_eq!(s.load(&id(2)).unwrap().chunks, vec![c]);
            assert!(s.load(&id(3)).unwrap().chunks.is_empty());
            let mut ids = s.document_ids().unwrap();
            ids.sort();
            assert_eq!(ids, vec![id(1), id(2)]);
            assert_eq!(s.chunk_count().unwrap(), 2);
        });
    }

    #[test]
    fn data_settings_and_the_storage_id_survive_a_restart() {
        over_both("storage: a restart", |open| {
            let first = {
                let s = open();
                s.commit(&[(id(1), write(b"giam sat", None))], &[]).unwrap();
                // (Chunks are stored as given; only a snapshot is read, to compact.)
                s.set_meta("catalogue_id", "abc").unwrap();
                s.set_meta("catalogue_id", "abd").unwrap();
                s.storage_id().unwrap()
            };
            let s = open();
            assert_eq!(s.load(&id(1)).unwrap().chunks, vec![b"giam sat".to_vec()]);
            assert_eq!(s.meta("catalogue_id").unwrap().as_deref(), Some("abd"));
            assert_eq!(s.meta("missing").unwrap(), None);
            assert_eq!(s.storage_id().unwrap(), first);
            assert!(first.starts_with("giamsat-"));
        });
    }

    #[test]
    fn a_blob_is_stored_once_and_keeps_its_first_mime_type() {
        over_both("storage: blobs", |open| {
            let s = open();
            let sha = "a".repeat(64);
            assert_eq!(s.get_blob(&sha).unwrap(), None);
            assert!(s.put_blob(&sha, "image/jpeg", &[1, 2, 3]).unwrap());
            assert!(!s.put_blob(&sha, "image/png", &[1, 2, 3]).unwrap());
            let got = s.get_blob(&sha).unwrap().unwrap();
            assert_eq!(
                got,
                StoredBlob {
                    mime: "image/jpeg".into(),
                    data: vec![1, 2, 3]
                }
            );
        });
    }

    #[test]
    fn issued_codes_are_filed_with_their_document_and_the_first_filed_wins() {
        over_both("storage: issued codes", |open| {
            let s = open();
            let shown = |code: &str, summary: &str| Shown {
                code: code.into(),
                number: 1,
                superior: String::new(),
                issuer: "Ban Thường trực".into(),
                number_line: "Số: 01/KL-MTTQ".into(),
                place_date_line: String::new(),
                doc_type: "KẾT LUẬN".into(),
                summary: summary.into(),
                signer: vec!["Nguyễn Văn Hùng".into()],
                fingerprint: "f".repeat(64),
                superseded: false,
            };
            let a = shown("AAAAA-BBBBB", "a");
            s.commit(&[(id(1), write(b"x", None))], &[(id(1), vec![a.clone()])])
                .unwrap();
            assert_eq!(s.find_issued("AAAAA-BBBBB").unwrap(), Some(a.clone()));
            // Another document meeting the same code does not take it.
            s.index_issued(&id(2), &[shown("AAAAA-BBBBB", "b")])
                .unwrap();
            assert_eq!(s.find_issued("AAAAA-BBBBB").unwrap(), Some(a));
            // Re-filing document 1 without it removes it.
            s.index_issued(&id(1), &[]).unwrap();
            assert_eq!(s.find_issued("AAAAA-BBBBB").unwrap(), None);
        });
    }
}
