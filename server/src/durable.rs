//! Which changes are on disk, so the server never advertises heads before they are durable
//! (DESIGN.md decision 10: a tablet counts a change as confirmed once the server's heads
//! cover it, so those heads must already survive a crash).
//!
//! The storage records every chunk it has written or read back: an incremental chunk is one
//! change (its hash and dependencies are read from the bytes), a snapshot holds every change
//! up to its heads. Before a sync message leaves for a peer, [`Durable::wait_for`] holds it
//! until every head it advertises — and every ancestor of those heads — is recorded.
//! samod writes and sends in the same step but on different tasks; this is what orders them.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use automerge::ChangeHash;
use tokio::sync::watch;

/// Per document: the changes on disk whose ancestry is not yet known to be, with their
/// dependencies, and those whose whole ancestry is on disk (hashes only). It grows with the
/// changes stored (32 bytes each), never with what a peer merely sends: only the storage
/// writes to it, and how fast one account can add changes is bounded
/// ([`crate::change_quota`]). The server's own sync engine (the next issue) replaces it.
#[derive(Default)]
struct DocState {
    deps: HashMap<ChangeHash, Vec<ChangeHash>>,
    closed: HashSet<ChangeHash>,
}

/// The durability ledger, shared by the storage (writer) and the sync sockets (readers).
pub struct Durable {
    docs: Mutex<HashMap<String, DocState>>,
    written: watch::Sender<u64>,
}

impl Default for Durable {
    fn default() -> Self {
        Self {
            docs: Mutex::new(HashMap::new()),
            written: watch::channel(0).0,
        }
    }
}

impl Durable {
    /// A snapshot samod just wrote is on disk: its heads, and so their whole ancestry, are
    /// durable. Falls back to [`Durable::record`] if the header cannot be read.
    pub fn record_written(&self, key: &str, data: &[u8]) {
        let mut parts = key.split('/');
        let (Some(doc), Some("snapshot")) = (parts.next(), parts.next()) else {
            return self.record(key, data);
        };
        let Ok(heads) = shared::authors::document_heads(data) else {
            return self.record(key, data);
        };
        let mut docs = self.docs.lock().unwrap_or_else(|p| p.into_inner());
        docs.entry(doc.to_owned()).or_default().closed.extend(heads);
        drop(docs);
        self.written.send_modify(|n| *n += 1);
    }

    /// A chunk under `key` (samod's `<doc>/incremental/<hash>` or `<doc>/snapshot/<id>`) is
    /// on disk with these bytes.
    pub fn record(&self, key: &str, data: &[u8]) {
        let mut parts = key.split('/');
        let (Some(doc), Some(kind)) = (parts.next(), parts.next()) else {
            return;
        };
        let changes: Vec<(ChangeHash, Vec<ChangeHash>)> = match kind {
            "incremental" => match automerge::Change::try_from(data) {
                Ok(c) => vec![(c.hash(), c.deps().to_vec())],
                // An incremental chunk can hold several changes; read it as a document.
                Err(_) => changes_of(data),
            },
            "snapshot" => changes_of(data),
            _ => return,
        };
        if changes.is_empty() {
            return;
        }
        let mut docs = self.docs.lock().unwrap_or_else(|p| p.into_inner());
        let state = docs.entry(doc.to_owned()).or_default();
        for (hash, deps) in changes {
            state.deps.insert(hash, deps);
        }
        drop(docs);
        self.written.send_modify(|n| *n += 1);
    }

    /// Whether every one of `heads`, with its whole ancestry, is on disk for `doc`.
    pub fn covers(&self, doc: &str, heads: &[ChangeHash]) -> bool {
        let mut docs = self.docs.lock().unwrap_or_else(|p| p.into_inner());
        let Some(state) = docs.get_mut(doc) else {
            return heads.is_empty();
        };
        let mut stack: Vec<ChangeHash> = heads.to_vec();
        // A set: a long unclosed history is walked once, not once per change.
        let mut seen: HashSet<ChangeHash> = HashSet::new();
        while let Some(h) = stack.pop() {
            if state.closed.contains(&h) || seen.contains(&h) {
                continue;
            }
            let Some(deps) = state.deps.get(&h) else {
                return false;
            };
            stack.extend(deps.iter().copied());
            seen.insert(h);
        }
        // A closed change's dependencies are never looked at again: only the hash is kept.
        for h in &seen {
            state.deps.remove(h);
        }
        state.closed.extend(seen);
        true
    }

    /// Wait (at most `bound`) until `heads` are durable for `doc`. Returns whether they are.
    pub async fn wait_for(&self, doc: &str, heads: &[ChangeHash], bound: Duration) -> bool {
        let mut rx = self.written.subscribe();
        let deadline = tokio::time::Instant::now() + bound;
        loop {
            if self.covers(doc, heads) {
                return true;
            }
            if tokio::time::timeout_at(deadline, rx.changed())
                .await
                .is_err()
            {
                return false;
            }
        }
    }
}

fn changes_of(data: &[u8]) -> Vec<(ChangeHash, Vec<ChangeHash>)> {
    match automerge::Automerge::load(data) {
        Ok(doc) => doc
            .get_changes(&[])
            .iter()
            .map(|c| (c.hash(), c.deps().to_vec()))
            .collect(),
        Err(e) => {
            tracing::error!("a stored chunk does not load: {e}");
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;

    #[test]
    fn heads_are_covered_only_once_every_ancestor_is_on_disk() {
        let mut doc = automerge::Automerge::new();
        for i in 0..3 {
            let mut tx = doc.transaction();
            tx.put(automerge::ROOT, "n", i as i64).unwrap();
            tx.commit();
        }
        let changes = doc.get_changes(&[]);
        let d = Durable::default();
        // The newest change lands first (writes complete out of order).
        d.record(
            &format!("doc/incremental/{}", changes[2].hash()),
            changes[2].raw_bytes(),
        );
        assert!(!d.covers("doc", &doc.get_heads()));
        d.record(
            &format!("doc/incremental/{}", changes[0].hash()),
            changes[0].raw_bytes(),
        );
        assert!(!d.covers("doc", &doc.get_heads()));
        d.record(
            &format!("doc/incremental/{}", changes[1].hash()),
            changes[1].raw_bytes(),
        );
        assert!(d.covers("doc", &doc.get_heads()));
        assert!(!d.covers("other", &doc.get_heads()));
    }

    #[test]
    fn a_written_snapshot_closes_its_heads() {
        let mut doc = automerge::Automerge::new();
        for i in 0..3 {
            let mut tx = doc.transaction();
            tx.put(automerge::ROOT, "n", i as i64).unwrap();
            tx.commit();
        }
        let d = Durable::default();
        assert!(!d.covers("doc", &doc.get_heads()));
        d.record_written("doc/snapshot/abc", &doc.save());
        assert!(d.covers("doc", &doc.get_heads()));
        let mut tx = doc.transaction();
        tx.put(automerge::ROOT, "n", 9).unwrap();
        tx.commit();
        assert!(!d.covers("doc", &doc.get_heads()));
        let last = doc.get_last_local_change().unwrap().clone();
        d.record_written(
            &format!("doc/incremental/{}", last.hash()),
            last.raw_bytes(),
        );
        assert!(d.covers("doc", &doc.get_heads()));
    }

    #[test]
    fn a_snapshot_covers_its_whole_history() {
        let mut doc = automerge::Automerge::new();
        let mut tx = doc.transaction();
        tx.put(automerge::ROOT, "k", "v").unwrap();
        tx.commit();
        let d = Durable::default();
        d.record("doc/snapshot/abc", &doc.save());
        assert!(d.covers("doc", &doc.get_heads()));
    }
}
