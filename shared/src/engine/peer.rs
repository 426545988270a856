//! One peer of one document, as the server's engine keeps it: the automerge sync state, how
//! the peer may use the document, and what it is owed.
//!
//! Two savings over asking automerge 0.12's `generate_sync_message` for every peer:
//! [`Peer::may_have_something`] skips peers whose state says there is nothing to send (it
//! would build a Bloom filter and walk the change graph to find that out), and
//! [`Peer::generate`] builds the common fan-out message itself from the change bytes the
//! server received ([`super::recent`]) instead of automerge rebuilding each change from its
//! op set once per peer. Never any IO here.

use std::collections::{HashMap, HashSet};

use automerge::ReadDoc;
use automerge::sync::{self, BloomFilter, Capability, Have, MessageFlags, MessageVersion, SyncDoc};
use automerge::{Automerge, ChangeHash};

use super::recent::Recent;
use super::{Access, ConnId, Millis};

/// One peer of a document.
#[derive(Debug)]
pub struct Peer {
    pub conn: ConnId,
    pub peer_id: String,
    pub access: Access,
    /// The automerge conversation with this peer (read-only for observers: automerge then
    /// never applies their changes).
    pub sync: sync::State,
    /// It sent a message we have not answered yet.
    pub owed: bool,
    /// The document changed since we last generated a message for it.
    pub dirty: bool,
    /// When we last sent it news (a message generated while it was dirty) that it has not
    /// answered yet: a peer applying new changes always answers with its new heads, so
    /// this is cleared by its next message. Fan-out waits for that answer (up to the
    /// document's interval), so a peer gets news as fast as it takes them in, and a slow
    /// one is not buried.
    pub unanswered: Option<Millis>,
    /// The heads carried by the last sync message we sent it: what it knows is on disk.
    told: Vec<ChangeHash>,
}

impl Peer {
    pub fn new(conn: ConnId, peer_id: String, access: Access) -> Self {
        Self {
            conn,
            peer_id,
            access,
            sync: state_for(access),
            owed: false,
            dirty: true,
            unanswered: None,
            told: Vec::new(),
        }
    }

    /// Change how the peer may use the document (a membership change).
    pub fn set_access(&mut self, access: Access) {
        if self.access != access {
            self.access = access;
            self.sync.set_read_only(access == Access::Read);
            self.dirty = true;
        }
    }

    /// Start the conversation over (a message to it was lost).
    pub fn reset(&mut self) {
        self.sync = state_for(self.access);
        self.told.clear();
        self.unanswered = None;
        self.dirty = true;
    }

    /// Whether `generate_sync_message` could return a message for this peer with the
    /// document at `heads`. False only when automerge itself would return `None`: we have
    /// answered before, our heads have not moved since, and either a message is still in
    /// flight or the peer is known to hold exactly our heads and needs nothing.
    pub fn may_have_something(&self, heads: &[ChangeHash]) -> bool {
        let s = &self.sync;
        if !s.have_responded || s.last_sent_heads != heads || s.needs_reset {
            return true;
        }
        if s.in_flight {
            return false;
        }
        let same = s.their_heads.as_deref() == Some(heads);
        let needs_nothing = s.their_need.as_ref().is_none_or(|n| n.is_empty());
        !(same && needs_nothing)
    }

    /// The next automerge sync message for this peer, if there is one.
    ///
    /// A peer that has not been sent our `heads` always gets a message. Automerge counts a
    /// peer that *says* it holds our heads as told (it sets `last_sent_heads` on receiving
    /// it); but here a tablet learns its changes are on the server only from a message that
    /// carries the server's heads, sent once they are on disk. When its empty "I hold X"
    /// arrives in the same batch as the changes making X, it would otherwise never hear it.
    pub fn generate(
        &mut self,
        doc: &Automerge,
        heads: &[ChangeHash],
        recent: &Recent,
        since: &mut Since,
    ) -> Option<Vec<u8>> {
        self.dirty = false;
        self.owed = false;
        if self.told != heads {
            self.sync.last_sent_heads.clone_from(&self.told);
        }
        if !self.may_have_something(heads) {
            return None;
        }
        #[cfg(test)]
        let before = self.sync.clone();
        let message = match self.build(doc, heads, recent, since) {
            Built::Message(message) => {
                #[cfg(test)]
                same_as_automerge(doc, before, &self.sync, Some(&message));
                message
            }
            Built::Nothing => {
                #[cfg(test)]
                same_as_automerge(doc, before, &self.sync, None);
                return None;
            }
            Built::AskAutomerge => doc.generate_sync_message(&mut self.sync)?,
        };
        self.told.clone_from(&message.heads);
        Some(message.encode())
    }

    /// The message `generate_sync_message` would build, built the same way, step for step,
    /// except that the changes come from the bytes their authors sent (`recent`) instead of
    /// being rebuilt from the op set. Only for the states the server meets all the time (a
    /// writer peer, nothing asked for by hash, nothing to reset); any other, or a change not
    /// in `recent`, is left to automerge.
    ///
    /// One difference, on purpose: automerge sends the whole document instead when the
    /// changes are over a third of it; this sends the changes, which the peer applies the
    /// same.
    fn build(
        &mut self,
        doc: &Automerge,
        heads: &[ChangeHash],
        recent: &Recent,
        since: &mut Since,
    ) -> Built {
        let s = &self.sync;
        let v2 = s
            .their_capabilities
            .as_ref()
            .is_some_and(|c| c.contains(&Capability::MessageV2));
        let theirs = s.their_heads.as_deref().unwrap_or_default();
        let whole_document = v2 && s.their_heads.as_ref().is_some_and(Vec::is_empty);
        let asked_by_hash = s.their_need.as_ref().is_some_and(|n| !n.is_empty());
        if s.read_only || s.needs_reset || whole_document || asked_by_hash {
            return Built::AskAutomerge;
        }
        // What we would ask for: nothing, if we hold all of their heads.
        if !doc.get_missing_deps(theirs).is_empty() {
            return Built::AskAutomerge;
        }
        // A Bloom filter of what we have since the heads we share.
        let our_have = Have {
            last_sync: s.shared_heads.clone(),
            bloom: BloomFilter::from_hashes(since.get(doc, &s.shared_heads).iter().map(|c| &c.0)),
        };
        // What they lack: since the heads of their filters, what no filter holds, and
        // everything depending on it.
        let mut send: Vec<ChangeHash> = Vec::new();
        if let (Some(have), false) = (s.their_have.as_deref(), s.peer_read_only) {
            if let Some(first) = have.first()
                && !doc.get_missing_deps(&first.last_sync).is_empty()
            {
                // They speak of changes we do not hold: automerge answers with a reset.
                return Built::AskAutomerge;
            }
            if !have.is_empty() {
                let mut base: Vec<ChangeHash> =
                    have.iter().flat_map(|h| h.last_sync.clone()).collect();
                base.sort();
                base.dedup();
                let since = since.get(doc, &base);
                let mut picked: HashSet<ChangeHash> = since
                    .iter()
                    .filter(|(h, _)| have.iter().all(|f| !f.bloom.contains_hash(h)))
                    .map(|(h, _)| *h)
                    .collect();
                // Dependents of a picked change are picked too (to a fixed point; in causal
                // order, which is automerge's, one pass does it).
                let mut grew = true;
                while grew {
                    grew = false;
                    for (h, deps) in since {
                        if !picked.contains(h) && deps.iter().any(|d| picked.contains(d)) {
                            picked.insert(*h);
                            grew = true;
                        }
                    }
                }
                send = since
                    .iter()
                    .map(|(h, _)| *h)
                    .filter(|h| picked.contains(h) && !s.sent_hashes.contains(h))
                    .collect();
            }
        }
        let heads_unchanged = s.last_sent_heads == heads;
        let heads_equal = s.their_heads.as_deref() == Some(heads);
        if heads_unchanged && s.have_responded && ((heads_equal && send.is_empty()) || s.in_flight)
        {
            return Built::Nothing;
        }
        let mut pieces = Vec::with_capacity(send.len());
        for h in &send {
            let Some(bytes) = recent.get(h) else {
                return Built::AskAutomerge;
            };
            pieces.push(bytes);
        }
        let (changes, version) = match (v2, pieces.is_empty()) {
            (true, true) => (Vec::new(), MessageVersion::V2),
            (true, false) => (vec![pieces.concat()], MessageVersion::V2),
            (false, _) => (
                pieces.iter().map(|p| p.to_vec()).collect(),
                MessageVersion::V1,
            ),
        };
        let mut flags = MessageFlags::new();
        flags.set(MessageFlags::SUPPORTS_SYNC_RESET);
        let message = sync::Message {
            heads: heads.to_vec(),
            need: Vec::new(),
            have: vec![our_have],
            changes: changes.into(),
            flags: Some(flags),
            version,
        };
        let s = &mut self.sync;
        s.have_responded = true;
        s.last_sent_heads = heads.to_vec();
        s.sent_hashes.extend(send);
        s.in_flight = true;
        Built::Message(message)
    }
}

/// The changes since given heads (hash and dependencies, in causal order), asked of
/// automerge once per heads for one flush: the peers of a busy document mostly share the
/// same heads, and the walk is most of the cost of a message ([`Peer::build`]). Valid only
/// while the document does not change.
#[derive(Default)]
pub struct Since {
    known: HashMap<Vec<ChangeHash>, Vec<(ChangeHash, Vec<ChangeHash>)>>,
}

impl Since {
    fn get(&mut self, doc: &Automerge, base: &[ChangeHash]) -> &[(ChangeHash, Vec<ChangeHash>)] {
        self.known.entry(base.to_vec()).or_insert_with(|| {
            doc.get_changes_meta(base)
                .into_iter()
                .map(|m| (m.hash, m.deps))
                .collect()
        })
    }
}

/// What [`Peer::build`] made of a peer's state.
enum Built {
    Message(sync::Message),
    /// automerge would send nothing either.
    Nothing,
    AskAutomerge,
}

/// In tests, every answer of [`Peer::build`] is checked against automerge's from the same
/// state: the same heads, need, Bloom filter and changes (or nothing), and the same state
/// after (unless automerge chose to send the whole document).
#[cfg(test)]
fn same_as_automerge(
    doc: &Automerge,
    mut before: sync::State,
    after: &sync::State,
    ours: Option<&sync::Message>,
) {
    let theirs = doc.generate_sync_message(&mut before);
    let (Some(ours), Some(theirs)) = (ours, theirs.as_ref()) else {
        assert_eq!(ours.is_some(), theirs.is_some(), "both send, or neither");
        assert_eq!(after, &before, "the same sync state after");
        return;
    };
    assert_eq!(ours.heads, theirs.heads);
    assert_eq!(ours.need, theirs.need);
    assert_eq!(ours.have, theirs.have);
    assert_eq!(ours.flags, theirs.flags);
    let hashes = |m: &sync::Message| {
        let mut all: Vec<ChangeHash> = m
            .changes
            .iter()
            .flat_map(|c| crate::authors::changes_in(c).expect("chunks parse"))
            .map(|(_, h)| h)
            .collect();
        all.sort();
        all
    };
    let whole_document = theirs.changes.iter().any(|c| c.get(8) == Some(&0));
    if whole_document {
        let all = hashes(theirs);
        assert!(hashes(ours).iter().all(|h| all.contains(h)));
    } else {
        assert_eq!(ours.version, theirs.version);
        assert_eq!(hashes(ours), hashes(theirs));
        assert_eq!(after, &before, "the same sync state after");
    }
}

fn state_for(access: Access) -> sync::State {
    match access {
        Access::Write => sync::State::new(),
        Access::Read => sync::State::new_read_only(),
    }
}
