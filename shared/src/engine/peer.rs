//! One peer of one document, as the server's engine keeps it: the automerge sync state, how
//! the peer may use the document, and what it is owed.
//!
//! The point of this file is [`Peer::may_have_something`]: automerge 0.12's
//! `generate_sync_message` builds a Bloom filter and walks the change graph before it finds
//! there is nothing to send, so the engine asks it only for peers whose state says there
//! could be something. Never any IO here.

use automerge::sync::{self, SyncDoc};
use automerge::{Automerge, ChangeHash};

use super::{Access, ConnId};

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
    pub fn generate(&mut self, doc: &Automerge, heads: &[ChangeHash]) -> Option<Vec<u8>> {
        self.dirty = false;
        self.owed = false;
        if self.told != heads {
            self.sync.last_sent_heads.clone_from(&self.told);
        }
        if !self.may_have_something(heads) {
            return None;
        }
        let message = doc.generate_sync_message(&mut self.sync)?;
        self.told.clone_from(&message.heads);
        Some(message.encode())
    }
}

fn state_for(access: Access) -> sync::State {
    match access {
        Access::Write => sync::State::new(),
        Access::Read => sync::State::new_read_only(),
    }
}
