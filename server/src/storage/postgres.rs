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
//! Several replicas may write one document. Each commit announces its new chunks on
//! [`CHUNKS_CHANNEL`] (`crate::replicas` listens), and a compaction deletes only the chunks
//! whose every change its snapshot holds: a chunk another replica stored meanwhile stays.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::db::postgres::Client;
use shared::DocumentId;
use shared::engine::{Stored, Write};
use shared::official::issue::Shown;

use super::{ServerStore, StoredBlob, chunk_name};
use crate::db::schema_postgres::CHUNKS_CHANNEL;
use crate::sync::store::{DocStore, StoreError};

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        StoreError(crate::db::DbError::from(e).to_string())
    }
}

/// A PostgreSQL database behind the server.
#[derive(Clone)]
pub struct PostgresStorage {
    /// This replica's name in the notifications it sends (made at start).
    replica: String,
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
            replica: format!("r{}", crate::random_hex(6)),
            reads: Arc::new(Mutex::new(reads)),
            writes: Arc::new(Mutex::new(writes)),
        })
    }

    /// The reads' client. A poisoned lock means a panic mid-call; PostgreSQL rolled back
    /// whatever transaction was open when the connection's next statement came.
    fn reads(&self) -> Result<MutexGuard<'_, Client>, StoreError> {
        ready(self.reads.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn writes(&self) -> Result<MutexGuard<'_, Client>, StoreError> {
        ready(self.writes.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Run one statement (or a few that may run twice) on the reads' client, once more on
    /// a new connection if the database had closed the old one (`Client::retrying`).
    fn read<T>(
        &self,
        mut f: impl FnMut(&mut postgres::Client) -> Result<T, postgres::Error>,
    ) -> Result<T, StoreError> {
        self.reads()?
            .retrying(|c| f(c))
            .map_err(|e| StoreError(e.to_string()))
    }

    /// This replica's name in its notifications.
    pub fn replica(&self) -> &str {
        &self.replica
    }
}

/// The client, connected again if the database closed the connection (after a restart).
fn ready(mut client: MutexGuard<'_, Client>) -> Result<MutexGuard<'_, Client>, StoreError> {
    client.ready().map_err(|e| StoreError(e.to_string()))?;
    Ok(client)
}

/// The chunks of `doc` numbered `seqs` (all of its chunks if `seqs` is empty), for another
/// replica's notification, on the listener's own connection.
pub fn chunks_numbered(
    client: &mut postgres::Client,
    doc: &DocumentId,
    seqs: &[i64],
) -> Result<Vec<Vec<u8>>, StoreError> {
    let doc = doc.to_string();
    let rows = if seqs.is_empty() {
        client.query(
            "SELECT data FROM chunks WHERE doc = $1 ORDER BY seq",
            &[&doc],
        )?
    } else {
        client.query(
            "SELECT data FROM chunks WHERE doc = $1 AND seq = ANY($2) ORDER BY seq",
            &[&doc, &seqs],
        )?
    };
    Ok(rows
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?)
}

/// Delete the chunks of `doc` whose every change `snapshot` holds (in `tx`, rows locked):
/// the ones another replica stored after this one read the document stay.
fn clear_covered(
    tx: &mut postgres::Transaction<'_>,
    doc: &str,
    snapshot: &[u8],
) -> Result<(), StoreError> {
    use automerge::ReadDoc;
    let Ok(snap) = automerge::Automerge::load(snapshot) else {
        return Err(StoreError(
            "a snapshot that does not load is not stored".into(),
        ));
    };
    let rows = tx.query(
        "SELECT seq, data FROM chunks WHERE doc = $1 FOR UPDATE",
        &[&doc],
    )?;
    let mut covered: Vec<i64> = Vec::new();
    for r in &rows {
        let data: &[u8] = r.try_get(1)?;
        // Each change of the chunk read on its own (no dependency needed); a chunk that does
        // not read is kept: the snapshot cannot be shown to hold it.
        if shared::authors::changes_in(data).is_ok_and(|changes| {
            changes
                .iter()
                .all(|(_, hash)| snap.get_change_by_hash(hash).is_some())
        }) {
            covered.push(r.try_get(0)?);
        }
    }
    tx.execute(
        "DELETE FROM chunks WHERE doc = $1 AND seq = ANY($2)",
        &[&doc, &covered],
    )?;
    Ok(())
}

impl DocStore for PostgresStorage {
    fn load(&self, doc: &DocumentId) -> Result<Stored, StoreError> {
        let doc = doc.to_string();
        let rows = self.read(|c| c.query("SELECT data FROM chunks WHERE doc = $1", &[&doc]))?;
        Ok(Stored {
            chunks: rows
                .iter()
                .map(|r| r.try_get(0))
                .collect::<Result<_, _>>()?,
        })
    }

    fn commit(
        &self,
        writes: &[(DocumentId, Write)],
        filed: &[(DocumentId, Vec<Shown>)],
    ) -> Result<(), StoreError> {
        let mut client = self.writes()?;
        let mut tx = client.transaction()?;
        let put = tx.prepare(
            "INSERT INTO chunks (doc, kind, name, data) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING RETURNING seq",
        )?;
        for (doc, w) in writes {
            let doc = doc.to_string();
            let mut stored: Vec<i64> = Vec::new();
            if let Some(snapshot) = &w.snapshot {
                clear_covered(&mut tx, &doc, snapshot)?;
                tx.execute(&put, &[&doc, &"snapshot", &chunk_name(snapshot), snapshot])?;
            }
            if !w.changes.is_empty() {
                let name = chunk_name(&w.changes);
                for r in tx.query(&put, &[&doc, &"incremental", &name, &w.changes])? {
                    stored.push(r.try_get(0)?);
                }
            }
            // Delivered at commit: the other replicas fetch these chunks by number. (A
            // snapshot holds nothing they have not been told of.)
            if !stored.is_empty() {
                let seqs: Vec<String> = stored.iter().map(i64::to_string).collect();
                let payload = format!("{}:{doc}:{}", self.replica, seqs.join(","));
                tx.execute("SELECT pg_notify($1, $2)", &[&CHUNKS_CHANNEL, &payload])?;
            }
        }
        for (doc, shown) in filed {
            file_issued(&mut tx, doc, shown)?;
        }
        tx.commit()?;
        Ok(())
    }

    fn document_ids(&self) -> Result<Vec<DocumentId>, StoreError> {
        let rows = self.read(|c| c.query("SELECT DISTINCT doc FROM chunks", &[]))?;
        Ok(rows
            .iter()
            .filter_map(|r| r.try_get::<_, String>(0).ok()?.parse().ok())
            .collect())
    }

    fn index_issued(&self, doc: &DocumentId, shown: &[Shown]) -> Result<(), StoreError> {
        let mut client = self.writes()?;
        let mut tx = client.transaction()?;
        file_issued(&mut tx, doc, shown)?;
        tx.commit()?;
        Ok(())
    }

    fn find_issued(&self, code: &str) -> Result<Option<Shown>, StoreError> {
        let row =
            self.read(|c| c.query_opt("SELECT shown FROM issued WHERE code = $1", &[&code]))?;
        row.map(|r| {
            let json: &str = r.try_get(0)?;
            serde_json::from_str(json).map_err(|e| StoreError(e.to_string()))
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
    fn replica(&self) -> Option<&str> {
        Some(&self.replica)
    }

    fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let row = self.read(|c| c.query_opt("SELECT value FROM meta WHERE key = $1", &[&key]))?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.read(|c| {
            c.execute(
                "INSERT INTO meta (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&key, &value],
            )
        })?;
        Ok(())
    }

    fn put_blob(&self, sha: &str, mime: &str, data: &[u8]) -> Result<bool, StoreError> {
        let inserted = self.read(|c| {
            c.execute(
                "INSERT INTO blobs (sha, mime, data) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                &[&sha, &mime, &data],
            )
        })?;
        Ok(inserted == 1)
    }

    fn get_blob(&self, sha: &str) -> Result<Option<StoredBlob>, StoreError> {
        let row =
            self.read(|c| c.query_opt("SELECT mime, data FROM blobs WHERE sha = $1", &[&sha]))?;
        row.map(|r| {
            Ok(StoredBlob {
                mime: r.try_get(0)?,
                data: r.try_get(1)?,
            })
        })
        .transpose()
    }

    fn chunk_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .read(|c| c.query_one("SELECT COUNT(*) FROM chunks", &[]))?
            .try_get(0)?;
        Ok(n as u64)
    }

    fn storage_id(&self) -> Result<String, StoreError> {
        let fresh = format!("giamsat-{}", crate::random_hex(16));
        let mut client = self.reads()?;
        client.execute(
            "INSERT INTO meta (key, value) VALUES ('storage-adapter-id', $1)
             ON CONFLICT DO NOTHING",
            &[&fresh],
        )?;
        let row = client.query_one(
            "SELECT value FROM meta WHERE key = 'storage-adapter-id'",
            &[],
        )?;
        Ok(row.try_get(0)?)
    }
}

#[cfg(test)]
mod tests {
    //! Two replicas on one database (PostgreSQL only; skipped with a message where it is
    //! not installed, a failure on CI).

    use automerge::transaction::Transactable;
    use automerge::{Automerge, ROOT, ReadDoc};
    use giamsat_tests::postgres::Postgres;
    use postgres::fallible_iterator::FallibleIterator;

    use super::*;

    fn change(doc: &mut Automerge, key: &str) -> Vec<u8> {
        let before = doc.get_heads();
        let mut tx = doc.transaction();
        tx.put(ROOT, key, 1).unwrap();
        tx.commit();
        doc.save_after(&before)
    }

    fn write(changes: Vec<u8>, snapshot: Option<Vec<u8>>, doc: &Automerge) -> Write {
        Write {
            heads: doc.get_heads(),
            changes,
            snapshot,
        }
    }

    #[test]
    fn a_snapshot_keeps_the_chunks_another_replica_stored_meanwhile() {
        let Some(pg) = Postgres::start_or_skip("postgres: compaction beside another replica")
        else {
            return;
        };
        let a = PostgresStorage::connect(&pg.url()).unwrap();
        let b = PostgresStorage::connect(&pg.url()).unwrap();
        let id = DocumentId::from_bytes([4; 16]);
        let mut on_a = Automerge::new();
        let first = change(&mut on_a, "first");
        a.commit(&[(id, write(first, None, &on_a))], &[]).unwrap();
        // Replica B loads the document and stores a change A has not seen.
        let mut on_b = Automerge::new();
        for c in b.load(&id).unwrap().chunks {
            on_b.load_incremental(&c).unwrap();
        }
        let second = change(&mut on_b, "second");
        b.commit(&[(id, write(second, None, &on_b))], &[]).unwrap();
        // A compacts what it knows.
        a.commit(&[(id, write(Vec::new(), Some(on_a.save()), &on_a))], &[])
            .unwrap();
        let mut reloaded = Automerge::new();
        let chunks = a.load(&id).unwrap().chunks;
        assert_eq!(chunks.len(), 2, "A's snapshot and B's chunk");
        for c in chunks {
            reloaded.load_incremental(&c).unwrap();
        }
        assert!(reloaded.get(ROOT, "first").unwrap().is_some());
        assert!(
            reloaded.get(ROOT, "second").unwrap().is_some(),
            "B's confirmed change survives A's compaction"
        );
    }

    #[test]
    fn a_commit_is_announced_with_its_chunks_once_committed() {
        let Some(pg) = Postgres::start_or_skip("postgres: notifications") else {
            return;
        };
        let a = PostgresStorage::connect(&pg.url()).unwrap();
        let mut listener = postgres::Client::connect(&pg.url(), postgres::NoTls).unwrap();
        listener
            .batch_execute(&format!("LISTEN {CHUNKS_CHANNEL}"))
            .unwrap();
        let id = DocumentId::from_bytes([5; 16]);
        let mut doc = Automerge::new();
        let bytes = change(&mut doc, "k");
        a.commit(&[(id, write(bytes.clone(), None, &doc))], &[])
            .unwrap();
        let note = listener
            .notifications()
            .timeout_iter(std::time::Duration::from_secs(10))
            .next()
            .unwrap()
            .expect("a notification within 10 s");
        // (`next` is the fallible iterator's: an error, or nothing within the bound.)
        let mut parts = note.payload().split(':');
        assert_eq!(parts.next(), Some(a.replica()));
        assert_eq!(parts.next(), Some(id.to_string().as_str()));
        let seqs: Vec<i64> = parts
            .next()
            .unwrap()
            .split(',')
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(
            chunks_numbered(&mut listener, &id, &seqs).unwrap(),
            vec![bytes]
        );
    }
}
