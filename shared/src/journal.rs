//! How a document is kept on a tablet: a snapshot plus the changes made since, appended one
//! chunk per write, so a keystroke writes bytes in proportion to the keystroke, not to the
//! document (DESIGN.md, decision 5). When the chunks add up to more than the snapshot, the
//! next write is a new snapshot that replaces them all, so loading stays one snapshot and a
//! bounded tail of chunks.
//!
//! This is the decision only; the app's IndexedDB adapter does the writing (`app::store`).
//! Loading is [`Journal::load`]: the snapshot, then every chunk, in any order (Automerge
//! queues a change until what it depends on has arrived).

use automerge::{Automerge, AutomergeError, ChangeHash};

/// Chunks never trigger a snapshot before they add up to this many bytes, so a small
/// document is not rewritten on every keystroke.
pub const MIN_TAIL_BYTES: usize = 64 * 1024;

/// A tail longer than this many chunks is folded into a snapshot whatever its size, so a
/// load never replays an unbounded number of chunks.
pub const MAX_CHUNKS: usize = 500;

/// What to write for one document now.
#[derive(Debug, PartialEq, Eq)]
pub enum Write {
    /// Nothing changed since the last write.
    Nothing,
    /// Append these bytes (the changes since the last write) as one more chunk.
    Chunk(Vec<u8>),
    /// Replace the snapshot with these bytes and drop every chunk, in one transaction.
    Snapshot(Vec<u8>),
}

/// What this tablet has written of one document so far.
#[derive(Debug, Clone, Default)]
pub struct Journal {
    /// The heads the stored snapshot and chunks cover together.
    written: Vec<ChangeHash>,
    snapshot_bytes: usize,
    tail_bytes: usize,
    chunks: usize,
}

impl Journal {
    /// Read a stored snapshot (possibly absent) and its chunks into a document, and the
    /// journal that goes on from there. A chunk that cannot be read is skipped, not fatal:
    /// the rest of the document is still the member's work.
    pub fn load(
        snapshot: Option<&[u8]>,
        chunks: &[Vec<u8>],
    ) -> Result<(Automerge, Journal, usize), AutomergeError> {
        let mut doc = match snapshot {
            Some(bytes) => Automerge::load(bytes)?,
            None => Automerge::new(),
        };
        let mut unreadable = 0;
        for chunk in chunks {
            if doc.load_incremental(chunk).is_err() {
                unreadable += 1;
            }
        }
        let journal = Journal {
            written: doc.get_heads(),
            snapshot_bytes: snapshot.map_or(0, <[u8]>::len),
            tail_bytes: chunks.iter().map(Vec::len).sum(),
            chunks: chunks.len(),
        };
        Ok((doc, journal, unreadable))
    }

    /// What to write so the store holds `doc` as it is now, and the heads it covers. Call
    /// [`Journal::wrote`] with both once the write is durable; until then the same changes
    /// are offered again.
    pub fn next(&self, doc: &Automerge) -> (Write, Vec<ChangeHash>) {
        let heads = doc.get_heads();
        if heads == self.written {
            return (Write::Nothing, heads);
        }
        let chunk = doc.save_after(&self.written);
        let tail = self.tail_bytes + chunk.len();
        if self.snapshot_bytes == 0
            || tail > self.snapshot_bytes.max(MIN_TAIL_BYTES)
            || self.chunks + 1 > MAX_CHUNKS
        {
            (Write::Snapshot(doc.save()), heads)
        } else {
            (Write::Chunk(chunk), heads)
        }
    }

    /// The heads what is stored covers.
    pub fn written(&self) -> &[ChangeHash] {
        &self.written
    }

    /// `write`, taken from [`Journal::next`] for a document whose heads were `heads`, is
    /// now durable.
    pub fn wrote(&mut self, write: &Write, heads: Vec<ChangeHash>) {
        match write {
            Write::Nothing => {}
            Write::Chunk(bytes) => {
                self.tail_bytes += bytes.len();
                self.chunks += 1;
            }
            Write::Snapshot(bytes) => {
                self.snapshot_bytes = bytes.len();
                self.tail_bytes = 0;
                self.chunks = 0;
            }
        }
        self.written = heads;
    }

    /// How many chunks follow the snapshot in the store.
    pub fn chunks(&self) -> usize {
        self.chunks
    }
}

#[cfg(test)]
#[path = "journal_tests.rs"]
mod tests;
