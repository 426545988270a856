//! A PostgreSQL database behind the server ([`ServerStore`], issue 16): documents as chunks,
//! settings, evidence blobs and the `/verify` index, in tables of their own. A write is
//! confirmed once PostgreSQL has committed it (`synchronous_commit` as the operator set it;
//! on by default: on disk).
//!
//! The schema is made by numbered migrations at start, in one transaction under an advisory
//! lock, so replicas starting together apply each one once. A document's chunks are rows
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

use postgres::{Client, NoTls};
use shared::DocumentId;
use shared::engine::{Stored, Write};
use shared::official::issue::Shown;

use super::{ServerStore, StoredBlob, chunk_name};
use crate::sync::store::{DocStore, StoreError};

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        StoreError(e.to_string())
    }
}

/// The migrations, in order; each runs once per database.
const MIGRATIONS: &[&str] = &[
    // 1: documents, settings, blobs, the /verify index.
    "CREATE TABLE chunks (
         doc TEXT NOT NULL,
         kind TEXT NOT NULL CHECK (kind IN ('snapshot', 'incremental')),
         name TEXT NOT NULL,
         data BYTEA NOT NULL,
         PRIMARY KEY (doc, kind, name)
     );
     CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE blobs (sha TEXT PRIMARY KEY, mime TEXT NOT NULL, data BYTEA NOT NULL);
     CREATE TABLE issued (code TEXT PRIMARY KEY, doc TEXT NOT NULL, shown TEXT NOT NULL);
     CREATE INDEX issued_by_doc ON issued (doc);",
];

/// Any number the other users of the database do not take for their own advisory locks.
const MIGRATION_LOCK: i64 = 0x6769_616d_7361_74;

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
        let mut reads = Client::connect(url, NoTls)?;
        migrate(&mut reads)?;
        let writes = Client::connect(url, NoTls)?;
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

/// Apply the migrations this database has not had, once, whoever else starts now.
fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS giamsat_migrations (
             version INTEGER PRIMARY KEY,
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         )",
    )?;
    let done: i32 = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM giamsat_migrations",
            &[],
        )?
        .get(0);
    for (i, sql) in MIGRATIONS.iter().enumerate() {
        let version = i as i32 + 1;
        if version > done {
            tx.batch_execute(sql)?;
            tx.execute(
                "INSERT INTO giamsat_migrations (version) VALUES ($1)",
                &[&version],
            )?;
        }
    }
    tx.commit()?;
    Ok(())
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
