//! A PostgreSQL database behind the server ([`ServerStore`], issue 16): documents as chunks,
//! settings, evidence blobs and the `/verify` index, in tables of their own. A write is
//! confirmed once PostgreSQL has committed it (`synchronous_commit` as the operator set it;
//! on by default: on disk).
//!
//! The schema is `crate::db::schema_postgres` (made at start). A document's chunks are rows
//! keyed by (document, kind, name), the name being the chunk's content hash: storing the
//! same chunk twice is one row.
//!
//! The client blocks (the `postgres` crate runs its own small runtime): call it from the
//! sync engine's writer thread or the blocking pool, never from an async task.
//!
//! Still to come with several replicas: a snapshot deletes every other chunk of its
//! document, which is only right while one process writes that document. Two replicas
//! writing one document need either one owner per document or a compaction that deletes
//! only the chunks its snapshot holds; issue 16's note says which was chosen.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::db::postgres::Client;
use shared::DocumentId;
use shared::engine::{Stored, Write};
use shared::official::issue::Shown;

use super::{ServerStore, StoredBlob, chunk_name};
use crate::sync::store::{DocStore, StoreError};

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        StoreError(crate::db::DbError::from(e).to_string())
    }
}

/// A PostgreSQL database behind the server.
#[derive(Clone)]
pub struct PostgresStorage {
    /// Reads, blobs and settings.
    reads: Arc<Mutex<Client>>,
    /// Document writes (the writer thread only), so reads never wait behind a commit.
    writes: Arc<Mutex<Client>>,
}

impl PostgresStorage {
    /// Connect to `url` (`postgres://user@host:port/database`) and bring the schema up to
    /// date.
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        let mut reads = Client::connect(url).map_err(|e| StoreError(e.to_string()))?;
        crate::db::schema_postgres::migrate(&mut reads).map_err(|e| StoreError(e.to_string()))?;
        let writes = Client::connect(url).map_err(|e| StoreError(e.to_string()))?;
        Ok(Self {
            reads: Arc::new(Mutex::new(reads)),
            writes: Arc::new(Mutex::new(writes)),
        })
    }

    /// The reads' client. A poisoned lock means a panic mid-call; PostgreSQL rolled back
    /// whatever transaction was open when the connection's next statement came.
    fn reads(&self) -> MutexGuard<'_, Client> {
        self.reads.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn writes(&self) -> MutexGuard<'_, Client> {
        self.writes.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl DocStore for PostgresStorage {
    fn load(&self, doc: &DocumentId) -> Result<Stored, StoreError> {
        let rows = self
            .reads()
            .query("SELECT data FROM chunks WHERE doc = $1", &[&doc.to_string()])?;
        Ok(Stored {
            chunks: rows.iter().map(|r| r.get(0)).collect(),
        })
    }

    fn commit(
        &self,
        writes: &[(DocumentId, Write)],
        filed: &[(DocumentId, Vec<Shown>)],
    ) -> Result<(), StoreError> {
        let mut client = self.writes();
        let mut tx = client.transaction()?;
        let put = tx.prepare(
            "INSERT INTO chunks (doc, kind, name, data) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
        )?;
        let clear = tx.prepare("DELETE FROM chunks WHERE doc = $1")?;
        for (doc, w) in writes {
            let doc = doc.to_string();
            if let Some(snapshot) = &w.snapshot {
                tx.execute(&clear, &[&doc])?;
                tx.execute(
                    &put,
                    &[&doc, &"snapshot", &chunk_name(snapshot), snapshot],
                )?;
            }
            if !w.changes.is_empty() {
                tx.execute(
                    &put,
                    &[&doc, &"incremental", &chunk_name(&w.changes), &w.changes],
                )?;
            }
        }
        for (doc, shown) in filed {
            file_issued(&mut tx, doc, shown)?;
        }
        tx.commit()?;
        Ok(())
    }

    fn document_ids(&self) -> Result<Vec<DocumentId>, StoreError> {
        let rows = self.reads().query("SELECT DISTINCT doc FROM chunks", &[])?;
        Ok(rows
            .iter()
            .filter_map(|r| r.get::<_, String>(0).parse().ok())
            .collect())
    }

    fn index_issued(&self, doc: &DocumentId, shown: &[Shown]) -> Result<(), StoreError> {
        let mut client = self.writes();
        let mut tx = client.transaction()?;
        file_issued(&mut tx, doc, shown)?;
        tx.commit()?;
        Ok(())
    }

    fn find_issued(&self, code: &str) -> Result<Option<Shown>, StoreError> {
        let row = self
            .reads()
            .query_opt("SELECT shown FROM issued WHERE code = $1", &[&code])?;
        row.map(|r| {
            serde_json::from_str(r.get::<_, &str>(0)).map_err(|e| StoreError(e.to_string()))
        })
        .transpose()
    }
}

/// Replace the check codes filed for `doc` by `shown` (a code filed for another document
/// keeps it: first filed wins).
fn file_issued(
    tx: &mut postgres::Transaction<'_>,
    doc: &DocumentId,
    shown: &[Shown],
) -> Result<(), StoreError> {
    let doc = doc.to_string();
    tx.execute("DELETE FROM issued WHERE doc = $1", &[&doc])?;
    let put = tx.prepare(
        "INSERT INTO issued (code, doc, shown) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )?;
    for s in shown {
        let json = serde_json::to_string(s).map_err(|e| StoreError(e.to_string()))?;
        tx.execute(&put, &[&s.code, &doc, &json])?;
    }
    Ok(())
}

impl ServerStore for PostgresStorage {
    fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let row = self
            .reads()
            .query_opt("SELECT value FROM meta WHERE key = $1", &[&key])?;
        Ok(row.map(|r| r.get(0)))
    }

    fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.reads().execute(
            "INSERT INTO meta (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&key, &value],
        )?;
        Ok(())
    }

    fn put_blob(&self, sha: &str, mime: &str, data: &[u8]) -> Result<bool, StoreError> {
        let inserted = self.reads().execute(
            "INSERT INTO blobs (sha, mime, data) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&sha, &mime, &data],
        )?;
        Ok(inserted == 1)
    }

    fn get_blob(&self, sha: &str) -> Result<Option<StoredBlob>, StoreError> {
        let row = self
            .reads()
            .query_opt("SELECT mime, data FROM blobs WHERE sha = $1", &[&sha])?;
        Ok(row.map(|r| StoredBlob {
            mime: r.get(0),
            data: r.get(1),
        }))
    }

    fn chunk_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .reads()
            .query_one("SELECT COUNT(*) FROM chunks", &[])?
            .get(0);
        Ok(n as u64)
    }

    fn storage_id(&self) -> Result<String, StoreError> {
        let fresh = format!("giamsat-{}", crate::random_hex(16));
        let mut client = self.reads();
        client.execute(
            "INSERT INTO meta (key, value) VALUES ('storage-adapter-id', $1)
             ON CONFLICT DO NOTHING",
            &[&fresh],
        )?;
        let row = client.query_one(
            "SELECT value FROM meta WHERE key = 'storage-adapter-id'",
            &[],
        )?;
        Ok(row.get(0))
    }
}
