//! The SQLite file behind the server (the default [`ServerStore`]): documents (as chunks),
//! the server's settings (`meta`) and the evidence blobs (`blobs`). One file, WAL,
//! `synchronous=FULL`, so a write is on disk when its commit returns.
//!
//! Documents implement [`DocStore`] for the sync engine ([`crate::sync`]). A document's
//! chunks live under keys `<document id>/snapshot/<name>` (a whole document) and
//! `<document id>/incremental/<name>` (changes since): the layout samod 0.16 wrote, so a
//! database from before our own engine loads unchanged. A compaction writes the snapshot
//! and deletes every other chunk of that document in the same transaction.
//!
//! Writes of documents come from one writer thread (group commit, [`crate::sync::writer`])
//! on a connection of their own, so reading a document or a blob never waits behind an
//! fsync; SQLite work never runs on the async workers.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, params};
use shared::DocumentId;
use shared::engine::{Stored, Write};
use shared::official::issue::Shown;

use super::{ServerStore, StoredBlob, chunk_name};
use crate::error::ServerError;
use crate::sync::store::{DocStore, StoreError};

/// The SQLite database behind the server.
#[derive(Clone)]
pub struct SqliteStorage {
    /// Reads, blobs and settings.
    conn: Arc<Mutex<Connection>>,
    /// Document writes (the writer thread only).
    writes: Arc<Mutex<Connection>>,
}

fn connect(path: &Path) -> Result<Connection, rusqlite::Error> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

/// The range of keys holding one document's chunks: "<id>/..." sorts between "<id>/" and
/// "<id>0" ('0' follows '/').
fn doc_range(doc: &DocumentId) -> (String, String) {
    (format!("{doc}/"), format!("{doc}0"))
}

impl SqliteStorage {
    /// Open (or create) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, ServerError> {
        crate::private_file(path)?;
        let conn = connect(path)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS chunks (key TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
             CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
             -- Blobs are large: a rowid table keeps them out of the primary key's b-tree pages.
             CREATE TABLE IF NOT EXISTS blobs (sha TEXT PRIMARY KEY, mime TEXT NOT NULL, data BLOB NOT NULL);
             -- What /verify shows of each issued version, by check code: derived from the
             -- documents (crate::sync::issued), rebuilt from them.
             CREATE TABLE IF NOT EXISTS issued (code TEXT PRIMARY KEY, doc TEXT NOT NULL, shown TEXT NOT NULL) WITHOUT ROWID;
             CREATE INDEX IF NOT EXISTS issued_by_doc ON issued (doc);",
        )?;
        let writes = connect(path)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            writes: Arc::new(Mutex::new(writes)),
        })
    }

    /// The reads' connection. A poisoned lock means a panic mid-statement; SQLite rolled the
    /// statement back, so the connection itself is still sound.
    fn reads(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl ServerStore for SqliteStorage {
    fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .reads()
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.reads().execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
            params![key, value],
        )?;
        Ok(())
    }

    fn put_blob(&self, sha: &str, mime: &str, data: &[u8]) -> Result<bool, StoreError> {
        let inserted = self.reads().execute(
            "INSERT OR IGNORE INTO blobs (sha, mime, data) VALUES (?1, ?2, ?3)",
            params![sha, mime, data],
        )?;
        Ok(inserted == 1)
    }

    fn get_blob(&self, sha: &str) -> Result<Option<StoredBlob>, StoreError> {
        Ok(self
            .reads()
            .query_row("SELECT mime, data FROM blobs WHERE sha = ?1", [sha], |r| {
                Ok(StoredBlob {
                    mime: r.get(0)?,
                    data: r.get(1)?,
                })
            })
            .optional()?)
    }

    fn chunk_count(&self) -> Result<u64, StoreError> {
        Ok(self.reads().query_row(
            "SELECT COUNT(*) FROM chunks WHERE instr(key, '/') > 0",
            [],
            |r| r.get(0),
        )?)
    }

    /// Kept under the key samod used, so it survives the change of engine.
    fn storage_id(&self) -> Result<String, StoreError> {
        let fresh = format!("giamsat-{}", crate::random_hex(16));
        let c = self.reads();
        c.execute(
            "INSERT OR IGNORE INTO chunks (key, data) VALUES ('storage-adapter-id', ?1)",
            [fresh.as_bytes()],
        )?;
        let bytes: Vec<u8> = c.query_row(
            "SELECT data FROM chunks WHERE key = 'storage-adapter-id'",
            [],
            |r| r.get(0),
        )?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

impl DocStore for SqliteStorage {
    fn load(&self, doc: &DocumentId) -> Result<Stored, StoreError> {
        let (from, to) = doc_range(doc);
        let conn = self.reads();
        let mut stmt =
            conn.prepare_cached("SELECT data FROM chunks WHERE key >= ?1 AND key < ?2")?;
        let chunks = stmt
            .query_map([from, to], |r| r.get::<_, Vec<u8>>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Stored { chunks })
    }

    fn commit(
        &self,
        writes: &[(DocumentId, Write)],
        filed: &[(DocumentId, Vec<Shown>)],
    ) -> Result<(), StoreError> {
        let mut conn = self.writes.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut put =
                tx.prepare_cached("INSERT OR REPLACE INTO chunks (key, data) VALUES (?1, ?2)")?;
            let mut clear = tx.prepare_cached("DELETE FROM chunks WHERE key >= ?1 AND key < ?2")?;
            for (doc, w) in writes {
                if let Some(snapshot) = &w.snapshot {
                    let (from, to) = doc_range(doc);
                    clear.execute([from, to])?;
                    put.execute(params![
                        format!("{doc}/snapshot/{}", chunk_name(snapshot)),
                        snapshot
                    ])?;
                }
                if !w.changes.is_empty() {
                    put.execute(params![
                        format!("{doc}/incremental/{}", chunk_name(&w.changes)),
                        w.changes
                    ])?;
                }
            }
        }
        for (doc, shown) in filed {
            file_issued(&tx, doc, shown)?;
        }
        tx.commit()?;
        Ok(())
    }

    fn document_ids(&self) -> Result<Vec<DocumentId>, StoreError> {
        let conn = self.reads();
        let mut stmt = conn.prepare(
            "SELECT DISTINCT substr(key, 1, instr(key, '/') - 1) FROM chunks WHERE instr(key, '/') > 0",
        )?;
        let ids = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .filter_map(|id| id.ok()?.parse().ok())
            .collect();
        Ok(ids)
    }

    fn index_issued(&self, doc: &DocumentId, shown: &[Shown]) -> Result<(), StoreError> {
        // On the writer's connection: SQLite lets one connection write at a time, and this
        // one already waits its turn there.
        let mut conn = self.writes.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        file_issued(&tx, doc, shown)?;
        tx.commit()?;
        Ok(())
    }

    fn find_issued(&self, code: &str) -> Result<Option<Shown>, StoreError> {
        let conn = self.reads();
        let json: Option<String> = conn
            .query_row("SELECT shown FROM issued WHERE code = ?1", [code], |r| {
                r.get(0)
            })
            .optional()?;
        json.map(|j| serde_json::from_str(&j).map_err(|e| StoreError(e.to_string())))
            .transpose()
    }
}

/// Replace the check codes filed for `doc` by `shown` (a code filed for another document
/// keeps it: first filed wins).
fn file_issued(
    tx: &rusqlite::Transaction<'_>,
    doc: &DocumentId,
    shown: &[Shown],
) -> Result<(), StoreError> {
    tx.execute("DELETE FROM issued WHERE doc = ?1", [doc.to_string()])?;
    let mut put =
        tx.prepare_cached("INSERT OR IGNORE INTO issued (code, doc, shown) VALUES (?1, ?2, ?3)")?;
    for s in shown {
        let json = serde_json::to_string(s).map_err(|e| StoreError(e.to_string()))?;
        put.execute(params![s.code, doc.to_string(), json])?;
    }
    Ok(())
}
