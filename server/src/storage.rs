//! samod's key/value storage on SQLite: one file, WAL, `synchronous=FULL`, so a change is on
//! disk when `put` returns. Writes go through one writer thread that commits whatever has
//! queued up in one transaction (group commit): one fsync (~1 ms here) for many changes, where
//! one transaction per change capped the whole server at about a thousand changes a second
//! and left hundreds of blocking threads waiting on the connection. The same file keeps the
//! server's settings (`meta`) and the evidence blobs (`blobs`: photos and scans by SHA-256,
//! see [`crate::blobs`]).
//!
//! Keys are samod's path-like [`StorageKey`]s joined with `/` (samod guarantees no component
//! contains one). SQLite work runs on the writer thread or the blocking pool, never on the
//! async workers.
//!
//! samod's `Storage` trait cannot report errors, so a failed write is logged loudly; the data
//! stays in samod's memory and is written again on its next save.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, params};
use samod::storage::{Storage, StorageKey};

use crate::error::ServerError;

/// The SQLite database behind the repo, plus a small table of server settings.
#[derive(Clone)]
pub struct SqliteStorage {
    conn: Arc<Mutex<Connection>>,
    /// To the writer thread (see [`writer`]).
    writes: std::sync::mpsc::Sender<Pending>,
    /// What is on disk, for the sync sockets' durability barrier.
    pub durable: Arc<crate::durable::Durable>,
}

/// One write samod asked for.
enum Op {
    Put(String, Vec<u8>),
    Delete(String),
}

/// A write waiting for its transaction, and who to tell once it is on disk.
struct Pending {
    op: Op,
    done: tokio::sync::oneshot::Sender<Result<(), String>>,
}

/// At most this many writes in one transaction.
const BATCH: usize = 1024;

/// The writer thread: takes every write queued so far, commits them in one transaction, then
/// records the chunks as durable and answers each waiter. Ends when the storage is dropped.
fn writer(
    conn: Arc<Mutex<Connection>>,
    durable: Arc<crate::durable::Durable>,
) -> std::io::Result<std::sync::mpsc::Sender<Pending>> {
    let (tx, rx) = std::sync::mpsc::channel::<Pending>();
    std::thread::Builder::new()
        .name("sqlite-writer".into())
        .spawn(move || {
            while let Ok(first) = rx.recv() {
                let mut batch = vec![first];
                while batch.len() < BATCH {
                    match rx.try_recv() {
                        Ok(more) => batch.push(more),
                        Err(_) => break,
                    }
                }
                let result = commit(&conn, &batch).map_err(|e| e.to_string());
                if result.is_ok() {
                    // Committed with synchronous=FULL: from here on they survive a crash.
                    for p in &batch {
                        if let Op::Put(k, data) = &p.op {
                            durable.record_written(k, data);
                        }
                    }
                }
                for p in batch {
                    let _ = p.done.send(result.clone());
                }
            }
        })?;
    Ok(tx)
}

/// Apply a batch of writes in one transaction.
fn commit(conn: &Mutex<Connection>, batch: &[Pending]) -> Result<(), rusqlite::Error> {
    let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
    let tx = guard.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    {
        let mut put =
            tx.prepare_cached("INSERT OR REPLACE INTO chunks (key, data) VALUES (?1, ?2)")?;
        let mut delete = tx.prepare_cached("DELETE FROM chunks WHERE key = ?1")?;
        for p in batch {
            match &p.op {
                Op::Put(k, data) => put.execute(params![k, data])?,
                Op::Delete(k) => delete.execute([k])?,
            };
        }
    }
    tx.commit()
}

impl SqliteStorage {
    /// Open (or create) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, ServerError> {
        crate::private_file(path)?;
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS chunks (key TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
             CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
             -- Blobs are large: a rowid table keeps them out of the primary key's b-tree pages.
             CREATE TABLE IF NOT EXISTS blobs (sha TEXT PRIMARY KEY, mime TEXT NOT NULL, data BLOB NOT NULL);",
        )?;
        let conn = Arc::new(Mutex::new(conn));
        let durable: Arc<crate::durable::Durable> = Arc::default();
        let writes = writer(conn.clone(), durable.clone())
            .map_err(|e| ServerError::Startup(format!("cannot start the storage writer: {e}")))?;
        Ok(Self {
            conn,
            writes,
            durable,
        })
    }

    /// Queue one write and wait until its transaction is committed.
    async fn write(&self, op: Op) -> Result<(), String> {
        let (done, committed) = tokio::sync::oneshot::channel();
        self.writes
            .send(Pending { op, done })
            .map_err(|_| "the storage writer has stopped".to_owned())?;
        committed
            .await
            .map_err(|_| "the storage writer has stopped".to_owned())?
    }

    /// Run `f` on the connection on the blocking pool.
    async fn with_conn<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, rusqlite::Error> + Send + 'static,
    ) -> Result<T, ServerError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            // A poisoned lock means a panic mid-statement; SQLite rolled the statement back,
            // so the connection itself is still sound.
            let guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&guard).map_err(ServerError::from)
        })
        .await
        .map_err(|e| ServerError::Internal(format!("storage task failed: {e}")))?
    }

    /// A server setting.
    pub async fn meta(&self, key: &'static str) -> Result<Option<String>, ServerError> {
        self.with_conn(move |c| {
            c.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()
        })
        .await
    }

    /// The storage id samod wrote when it first loaded (None before that).
    pub async fn storage_id(&self) -> Result<Option<String>, ServerError> {
        let key = parse_key("storage-adapter-id")
            .ok_or_else(|| ServerError::Internal("bad storage id key".into()))?;
        Ok(self
            .load(key)
            .await
            .and_then(|bytes| String::from_utf8(bytes).ok()))
    }

    /// Record a server setting.
    pub async fn set_meta(&self, key: &'static str, value: String) -> Result<(), ServerError> {
        self.with_conn(move |c| {
            c.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                params![key, value],
            )
            .map(|_| ())
        })
        .await
    }

    /// Store a blob under its SHA-256 (lowercase hex, checked by the caller). Returns `true`
    /// when it is new, `false` when that hash was already stored: the bytes are the same by
    /// construction, and the first upload's mime type is kept.
    pub async fn put_blob(
        &self,
        sha: String,
        mime: String,
        data: impl AsRef<[u8]> + Send + 'static,
    ) -> Result<bool, ServerError> {
        self.with_conn(move |c| {
            c.execute(
                "INSERT OR IGNORE INTO blobs (sha, mime, data) VALUES (?1, ?2, ?3)",
                params![sha, mime, data.as_ref()],
            )
            .map(|inserted| inserted == 1)
        })
        .await
    }

    /// The blob stored under `sha`, if any.
    pub async fn get_blob(&self, sha: String) -> Result<Option<StoredBlob>, ServerError> {
        self.with_conn(move |c| {
            c.query_row("SELECT mime, data FROM blobs WHERE sha = ?1", [sha], |r| {
                Ok(StoredBlob {
                    mime: r.get(0)?,
                    data: r.get(1)?,
                })
            })
            .optional()
        })
        .await
    }

    /// How many chunks are stored (for `/health`).
    pub async fn chunk_count(&self) -> Result<u64, ServerError> {
        self.with_conn(|c| c.query_row("SELECT COUNT(*) FROM chunks", [], |r| r.get(0)))
            .await
    }
}

/// A blob as stored: its mime type and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    pub mime: String,
    pub data: Vec<u8>,
}

fn key_string(key: &StorageKey) -> String {
    key.to_string()
}

fn parse_key(s: &str) -> Option<StorageKey> {
    StorageKey::from_parts(s.split('/')).ok()
}

impl Storage for SqliteStorage {
    async fn load(&self, key: StorageKey) -> Option<Vec<u8>> {
        let k = key_string(&key);
        match self
            .with_conn(move |c| {
                c.query_row("SELECT data FROM chunks WHERE key = ?1", [k], |r| r.get(0))
                    .optional()
            })
            .await
        {
            Ok(v) => v,
            Err(e) => {
                tracing::error!("storage load {key} failed: {e}");
                None
            }
        }
    }

    async fn load_range(&self, prefix: StorageKey) -> HashMap<StorageKey, Vec<u8>> {
        let p = key_string(&prefix);
        let durable = self.durable.clone();
        let result = self
            .with_conn(move |c| {
                // Every key equal to the prefix or below it: "p/..." sorts between "p/" and
                // "p0" ('0' follows '/').
                let mut stmt = c.prepare(
                    "SELECT key, data FROM chunks WHERE key = ?1 OR (key >= ?1 || '/' AND key < ?1 || '0')",
                )?;
                let rows = stmt.query_map([p], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
                let rows = rows.collect::<Result<Vec<_>, _>>()?;
                // What was read back is on disk.
                for (k, v) in &rows {
                    durable.record(k, v);
                }
                Ok(rows)
            })
            .await;
        match result {
            Ok(rows) => rows
                .into_iter()
                .filter_map(|(k, v)| parse_key(&k).map(|k| (k, v)))
                .filter(|(k, _)| prefix.is_prefix_of(k))
                .collect(),
            Err(e) => {
                tracing::error!("storage load_range {prefix} failed: {e}");
                HashMap::new()
            }
        }
    }

    async fn put(&self, key: StorageKey, data: Vec<u8>) {
        if let Err(e) = self.write(Op::Put(key_string(&key), data)).await {
            tracing::error!("storage put {key} failed: {e}");
        }
    }

    async fn delete(&self, key: StorageKey) {
        if let Err(e) = self.write(Op::Delete(key_string(&key))).await {
            tracing::error!("storage delete {key} failed: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(parts: &[&str]) -> StorageKey {
        StorageKey::from_parts(parts).unwrap()
    }

    #[tokio::test]
    async fn range_loads_only_keys_below_the_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStorage::open(&dir.path().join("t.sqlite3")).unwrap();
        s.put(key(&["doc", "incremental", "a"]), vec![1]).await;
        s.put(key(&["doc", "snapshot", "b"]), vec![2]).await;
        s.put(key(&["docx", "incremental", "c"]), vec![3]).await;
        let got = s.load_range(key(&["doc"])).await;
        assert_eq!(got.len(), 2);
        assert_eq!(got[&key(&["doc", "snapshot", "b"])], vec![2]);
        s.delete(key(&["doc", "snapshot", "b"])).await;
        assert_eq!(s.load(key(&["doc", "snapshot", "b"])).await, None);
        assert_eq!(
            s.load(key(&["doc", "incremental", "a"])).await,
            Some(vec![1])
        );
    }

    #[tokio::test]
    async fn data_survives_reopening_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.sqlite3");
        {
            let s = SqliteStorage::open(&path).unwrap();
            s.put(key(&["x"]), b"giam sat".to_vec()).await;
            s.set_meta("catalogue_id", "abc".into()).await.unwrap();
        }
        let s = SqliteStorage::open(&path).unwrap();
        assert_eq!(s.load(key(&["x"])).await, Some(b"giam sat".to_vec()));
        assert_eq!(
            s.meta("catalogue_id").await.unwrap().as_deref(),
            Some("abc")
        );
    }

    #[tokio::test]
    async fn a_blob_is_stored_once_and_keeps_its_first_mime_type() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStorage::open(&dir.path().join("t.sqlite3")).unwrap();
        let sha = "a".repeat(64);
        assert_eq!(s.get_blob(sha.clone()).await.unwrap(), None);
        assert!(
            s.put_blob(sha.clone(), "image/jpeg".into(), vec![1, 2, 3])
                .await
                .unwrap()
        );
        assert!(
            !s.put_blob(sha.clone(), "image/png".into(), vec![1, 2, 3])
                .await
                .unwrap()
        );
        let got = s.get_blob(sha).await.unwrap().unwrap();
        assert_eq!(
            got,
            StoredBlob {
                mime: "image/jpeg".into(),
                data: vec![1, 2, 3]
            }
        );
    }
}
