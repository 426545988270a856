//! The connection as the workspace sees it: the socket opened (introduce ourselves),
//! closed, or brought a frame (merge, keep the caret, store, show); and the count of local
//! changes the server has not confirmed, behind the sync badge.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::DocumentId;
use shared::sync::{Event, Link, Output};

use super::timing::{frames_timed, mark, measure};
use super::{FrameSender, LinkState, Workspace};

impl Workspace {
    /// The socket opened: introduce ourselves.
    pub fn connected(&self, sender: FrameSender) {
        *self.outbound.borrow_mut() = Some(sender);
        self.signals.link.set(LinkState::Connecting);
        let out = self.client.borrow_mut().handle(Event::Connected);
        if let Ok(out) = out {
            self.send(out);
        }
    }

    /// Whether the socket is open and joined.
    pub fn is_ready(&self) -> bool {
        matches!(self.client.borrow().link(), Link::Ready { .. })
    }

    /// The socket closed.
    pub fn disconnected(&self) {
        *self.outbound.borrow_mut() = None;
        let _ = self.client.borrow_mut().handle(Event::Disconnected);
        self.signals.link.set(LinkState::Offline);
    }

    /// One frame from the server. Returns an error message if the connection must close.
    pub fn receive(&self, bytes: &[u8]) -> Option<String> {
        let timed = frames_timed();
        if timed {
            mark("giamsat:frame");
        }
        // Anchor the caret of the field being typed in before the merge moves text around.
        let anchored = self.anchor_active();
        let result = self.client.borrow_mut().handle(Event::Frame(bytes));
        let mut out = match result {
            Ok(out) => out,
            Err(e) => return Some(e.to_string()),
        };
        if let Some((doc, field, element, start, end)) = anchored
            && out.changed.contains(&doc)
        {
            self.restore_active(doc, &field, &element, &start, &end);
        }
        for merged in std::mem::take(&mut out.merged) {
            self.follow(&merged);
        }
        if timed {
            measure("giamsat:merge", "giamsat:frame");
        }
        let ephemeral = out.ephemeral.clone();
        self.observe_presence(ephemeral);
        let server_error = out.server_error.clone();
        let changed = out.changed.clone();
        let moved: Vec<DocumentId> = changed.iter().chain(&out.confirmed).copied().collect();
        let ready = matches!(self.client.borrow().link(), Link::Ready { .. });
        self.send(out);
        if ready && self.signals.link.get_untracked() == LinkState::Connecting {
            self.signals.link.set(LinkState::Syncing);
            // Just joined: say who we are, and upload evidence taken offline.
            self.announce_presence(None);
            spawn_local(super::outbox::upload_pending());
        }
        for id in &changed {
            self.persist_soon(*id);
        }
        if !changed.is_empty() {
            self.signals.revision.update(|r| *r += 1);
        }
        self.refresh_pending_of(moved);
        if timed {
            measure("giamsat:receive", "giamsat:frame");
        }
        server_error
    }

    pub(super) fn send(&self, out: Output) {
        if let Some(sender) = self.outbound.borrow().as_ref() {
            for frame in &out.frames {
                sender(frame);
            }
        }
    }

    /// Count again, for every document, the local changes the server has not confirmed.
    pub(super) fn refresh_pending(&self) {
        let ids: Vec<DocumentId> = self.client.borrow().ids().copied().collect();
        self.refresh_pending_of(ids);
    }

    /// Count again those of `ids` only (the documents a frame or an edit touched): a leader's
    /// tablet holds a thousand supervisions, and counting them all on every frame would cost
    /// more than the frame.
    pub(super) fn refresh_pending_of(&self, ids: impl IntoIterator<Item = DocumentId>) {
        let client = self.client.borrow();
        let mut counts = self.pending_by_doc.borrow_mut();
        for id in ids {
            counts.insert(id, client.pending(&id));
        }
        let pending: usize = counts.values().sum();
        let ready = matches!(client.link(), Link::Ready { .. });
        drop(counts);
        drop(client);
        // Set only what moved: a set wakes every reader even when the value is the same.
        if self.signals.pending.get_untracked() != pending {
            self.signals.pending.set(pending);
        }
        let link = if pending == 0 {
            LinkState::Synced
        } else {
            LinkState::Syncing
        };
        if ready && self.signals.link.get_untracked() != link {
            self.signals.link.set(link);
        }
    }
}
