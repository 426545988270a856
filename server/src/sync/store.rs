//! Where the sync engine keeps documents: one trait, with an implementation over SQLite
//! ([`crate::storage::SqliteStorage`]) and one over PostgreSQL
//! ([`crate::storage::PostgresStorage`]); `crate::storage`'s tests run over both.
//!
//! Both calls block (the shell runs them on the writer thread or the blocking pool). A
//! `commit` is all or nothing: when it returns `Ok`, every write in it survives a crash;
//! when it returns `Err`, none of them counts, and the engine writes again later.

use shared::DocumentId;
use shared::engine::{Stored, Write};
use shared::official::issue::Shown;

/// A storage failure, as text for the log (the engine only needs to know it failed).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StoreError(pub String);

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError(e.to_string())
    }
}

/// Documents as chunks, committed in groups.
pub trait DocStore: Send + Sync + 'static {
    /// Every chunk stored for `doc` (none: it does not exist).
    fn load(&self, doc: &DocumentId) -> Result<Stored, StoreError>;

    /// Commit these writes, of any documents, in one transaction. A write with a snapshot
    /// deletes every other chunk of its document in the same transaction. `filed`: the
    /// documents whose issued versions changed with these writes, and what `/verify` shows
    /// of them now (as [`DocStore::index_issued`], in the same transaction: a member is told
    /// a version is stored only once its code answers).
    fn commit(
        &self,
        writes: &[(DocumentId, Write)],
        filed: &[(DocumentId, Vec<Shown>)],
    ) -> Result<(), StoreError>;

    /// Every document stored (to rebuild what is derived from them).
    fn document_ids(&self) -> Result<Vec<DocumentId>, StoreError>;

    /// Replace what `/verify` knows of `doc`'s issued versions by `shown`. Derived from the
    /// document and rebuilt from it whenever it loads or changes: never a second source of
    /// truth. A code already filed for another document keeps that document (first filed
    /// wins; codes are derived, so two documents meet on one only by a 50-bit accident).
    fn index_issued(&self, doc: &DocumentId, shown: &[Shown]) -> Result<(), StoreError>;

    /// The issued version filed under `code`, as `/verify` shows it.
    fn find_issued(&self, code: &str) -> Result<Option<Shown>, StoreError>;
}
