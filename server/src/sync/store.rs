//! Where the sync engine keeps documents: one trait, so SQLite today and PostgreSQL later are
//! each one implementation ([`crate::storage::SqliteStorage`] is the first).
//!
//! Both calls block (the shell runs them on the writer thread or the blocking pool). A
//! `commit` is all or nothing: when it returns `Ok`, every write in it survives a crash;
//! when it returns `Err`, none of them counts, and the engine writes again later.

use shared::DocumentId;
use shared::engine::{Stored, Write};

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
    /// deletes every other chunk of its document in the same transaction.
    fn commit(&self, writes: &[(DocumentId, Write)]) -> Result<(), StoreError>;
}
