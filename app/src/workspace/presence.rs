//! Presence: who else is in a supervision and which field each is editing, carried by
//! automerge-repo's ephemeral messages and never stored. The name shown is the member's
//! display name from their account.

use shared::DocumentId;
use shared::field::{RecordKind, TextField};
use shared::presence::{Board, Presence};

use super::{ActiveField, Workspace, now_ms};
use leptos::prelude::*;

/// What presence calls a text field: "finding:<id>:text", "paragraph:<id>:text", …
pub fn presence_target(field: &TextField) -> String {
    let kind = match field.record {
        RecordKind::Finding => "finding",
        RecordKind::Remark => "remark",
        RecordKind::Session => "session",
        RecordKind::Recommendation => "recommendation",
        RecordKind::Paragraph => "paragraph",
    };
    format!("{kind}:{}:{}", field.id, field.field)
}

impl Workspace {
    // ----- the field being typed in ----------------------------------------------------

    pub fn set_active(&self, field: Option<ActiveField>) {
        let target = field.as_ref().map(|f| presence_target(&f.field));
        *self.active.borrow_mut() = field;
        self.announce_presence(target);
    }

    // ----- presence --------------------------------------------------------------------

    /// The supervision on screen changed: say goodbye to the old one, hello to the new one.
    pub fn set_viewing(&self, doc: Option<DocumentId>) {
        let old = self.viewing.replace(doc);
        if old == doc {
            return;
        }
        if let Some(old) = old {
            let bye = Presence {
                member: self.member(),
                editing: None,
                left: true,
            };
            let out = self.client.borrow_mut().broadcast(old, bye.encode());
            self.send(out);
        }
        self.announce_presence(None);
    }

    /// Tell the others in the supervision on screen who we are and what we edit.
    pub fn announce_presence(&self, editing: Option<String>) {
        let Some(doc) = self.viewing.get() else {
            return;
        };
        let editing = editing.or_else(|| {
            self.active
                .borrow()
                .as_ref()
                .map(|f| presence_target(&f.field))
        });
        let me = Presence {
            member: self.member(),
            editing,
            left: false,
        };
        let out = self.client.borrow_mut().broadcast(doc, me.encode());
        self.send(out);
    }

    /// Heartbeat: announce again, and forget whoever went quiet.
    pub fn presence_tick(&self) {
        self.announce_presence(None);
        let now = now_ms();
        // Every board expires its quiet members (no short-circuit).
        let mut changed = false;
        for board in self.boards.borrow_mut().values_mut() {
            changed |= board.expire(now);
        }
        if changed {
            self.signals.presence.update(|v| *v += 1);
            self.refresh_editors();
        }
    }

    /// Who else is editing `target` in `doc`, as a signal of its own: a presence message
    /// wakes only the fields whose editors changed, not every text area on the page.
    pub fn editors(&self, doc: DocumentId, target: String) -> Signal<Vec<String>> {
        let key = (doc, target);
        if let Some(sig) = self.editors.borrow().get(&key) {
            return (*sig).into();
        }
        let now = self.editing(&key.0, &key.1);
        // Owned by the workspace, not by the field that asked first: a field mounted again
        // finds its signal alive.
        let sig = self.owner.with(|| RwSignal::new(now));
        self.editors.borrow_mut().insert(key, sig);
        sig.into()
    }

    /// Set the editors' signals whose editors changed. Only the fields someone edits, edited
    /// before or edits now, are looked at: a supervision's page has a field signal for every
    /// text of its 500 findings, and presence comes from every member at every heartbeat.
    fn refresh_editors(&self) {
        let mut now: std::collections::HashMap<super::FieldKey, Vec<String>> = Default::default();
        for (doc, board) in self.boards.borrow().iter() {
            for p in board.present() {
                if let Some(target) = p.editing {
                    now.entry((*doc, target)).or_default().push(p.member);
                }
            }
        }
        let mut shown = self.editing_shown.borrow_mut();
        let moved: Vec<(RwSignal<Vec<String>>, Vec<String>)> = {
            let editors = self.editors.borrow();
            let keys: std::collections::HashSet<&super::FieldKey> =
                now.keys().chain(shown.keys()).collect();
            keys.into_iter()
                .filter(|key| now.get(*key) != shown.get(*key))
                .filter_map(|key| {
                    let sig = editors.get(key)?;
                    Some((*sig, now.get(key).cloned().unwrap_or_default()))
                })
                .collect()
        };
        *shown = now;
        drop(shown);
        for (sig, members) in moved {
            sig.set(members);
        }
    }

    /// Who else is in `doc` now.
    pub fn present(&self, doc: &DocumentId) -> Vec<Presence> {
        self.boards
            .borrow()
            .get(doc)
            .map(Board::present)
            .unwrap_or_default()
    }

    /// Who else is editing `target` in `doc`.
    pub fn editing(&self, doc: &DocumentId, target: &str) -> Vec<String> {
        self.boards
            .borrow()
            .get(doc)
            .map(|b| b.editing(target))
            .unwrap_or_default()
    }

    pub(super) fn observe_presence(&self, ephemeral: Vec<(DocumentId, String, Vec<u8>)>) {
        if ephemeral.is_empty() {
            return;
        }
        let now = now_ms();
        let mut boards = self.boards.borrow_mut();
        for (doc, sender, data) in ephemeral {
            if let Some(p) = Presence::decode(&data) {
                boards.entry(doc).or_default().observe(&sender, p, now);
            }
        }
        drop(boards);
        self.signals.presence.update(|v| *v += 1);
        self.refresh_editors();
    }
}
