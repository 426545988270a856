//! Every user operation on a supervision: each edits the document through `shared`,
//! stamped with the member and the time, by this page's registered actor; the change is
//! shown, written to IndexedDB, and only then sent (see [`super::persist`]).

use automerge::Automerge;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::field::{self as text_field, TextField};
use shared::supervision::{self, Setup, Stamp};
use shared::{DocumentId, ModelError, RecordId, unit};

use super::{Workspace, now_ms, random, ws};

/// How long typing must pause before the rest of the screen re-reads the document.
const TYPING_PAUSE_MS: u32 = 250;

impl Workspace {
    /// Create a supervision in delegation `delegation`; returns its id. It is registered
    /// with the delegation (now, or before the next connection) before the server sees it.
    pub fn create_supervision(&self, setup: &Setup, delegation: i64) -> Result<DocumentId, String> {
        let id = DocumentId::from_bytes(random());
        let member = self.member();
        let mut doc = Automerge::new();
        doc.set_actor(self.actor.clone());
        let doc = supervision::create_as(
            doc,
            setup,
            Stamp {
                member: &member,
                now_ms: now_ms(),
            },
        )
        .map_err(|e| e.to_string())?;
        // Queued before anything is written, so no write can announce it unregistered.
        self.queue_registration(id, delegation);
        let _ = self.client.borrow_mut().insert(id, doc, Vec::new());
        self.after_local_change(id);
        super::outbox::register_soon(id, delegation);
        Ok(id)
    }

    /// Apply one of shared's operations to a supervision, stamped with the member and time.
    pub fn apply(
        &self,
        doc: DocumentId,
        op: impl FnOnce(&mut Automerge, Stamp<'_>) -> Result<(), ModelError>,
    ) -> Result<(), String> {
        let member = self.member();
        self.edit(doc, |d| {
            op(
                d,
                Stamp {
                    member: &member,
                    now_ms: now_ms(),
                },
            )
        })
    }

    /// Apply one of shared's operations from a control that has no place of its own to say
    /// it failed (a select, a checkbox, a delete button): a refusal is shown to the member in
    /// the one place the app shows edit errors (`components::app`), never dropped.
    pub fn change(
        &self,
        doc: DocumentId,
        op: impl FnOnce(&mut Automerge, Stamp<'_>) -> Result<(), ModelError>,
    ) {
        match self.apply(doc, op) {
            Ok(()) => self.signals.edit_error.set(None),
            Err(e) => {
                web_sys::console::error_1(&format!("edit refused: {e}").into());
                self.signals.edit_error.set(Some(e));
            }
        }
    }

    /// A fresh record id.
    pub fn new_id() -> RecordId {
        RecordId::from_bytes(random())
    }

    /// The member typed in a text field: apply the difference as a splice.
    ///
    /// A keystroke does not re-read the whole supervision at once (on a 500-finding document
    /// a full read costs ~100 ms natively, see BENCHMARKS.md): the field already shows what
    /// was typed, so the rest of the screen catches up once typing pauses.
    pub fn set_text(&self, doc: DocumentId, field: &TextField, value: &str) -> Result<(), String> {
        self.check_writable(&doc)?;
        let member = self.member();
        // Keystrokes in one field find its Text object once (shared::field::Focus).
        let mut focus = self.focus.borrow_mut();
        let mut before = Vec::new();
        let result = self.client.borrow_mut().edit(&doc, |d| {
            self.write_as_this_page(d);
            before = d.get_heads();
            let mut current = match focus.take() {
                Some((id, f)) if id == doc && f.field == *field => f,
                _ => text_field::Focus::new(d, field)?,
            };
            let stamp = Stamp {
                member: &member,
                now_ms: now_ms(),
            };
            let changed = current.set(d, value, stamp);
            *focus = Some((doc, current));
            changed
        });
        drop(focus);
        match result {
            None => Err("not on this device".into()),
            Some(Err(e)) => Err(e.to_string()),
            Some(Ok(false)) => Ok(()),
            Some(Ok(true)) => {
                self.typed(doc, &before, field);
                self.refresh_pending_of([doc]);
                self.persist(doc);
                self.schedule_refresh();
                Ok(())
            }
        }
    }

    /// Bump the revision once typing pauses (coalesced: one bump per pause).
    fn schedule_refresh(&self) {
        if self.refresh_scheduled.replace(true) {
            return;
        }
        let w = ws();
        spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(TYPING_PAUSE_MS).await;
            w.refresh_scheduled.set(false);
            w.signals.revision.update(|r| *r += 1);
        });
    }

    /// Change the set-up.
    pub fn update_setup(&self, doc: DocumentId, setup: &Setup) -> Result<(), String> {
        self.apply(doc, |d, s| supervision::update_setup(d, setup, s))
    }

    pub fn add_unit(&self, doc: DocumentId, name: &str) -> Result<(), String> {
        let member = self.member();
        let id = RecordId::from_bytes(random());
        self.edit(doc, |d| {
            unit::add(
                d,
                &id,
                name,
                Stamp {
                    member: &member,
                    now_ms: now_ms(),
                },
            )
        })
    }

    fn edit(
        &self,
        doc: DocumentId,
        f: impl FnOnce(&mut Automerge) -> Result<(), shared::ModelError>,
    ) -> Result<(), String> {
        self.check_writable(&doc)?;
        let result = self.client.borrow_mut().edit(&doc, |d| {
            self.write_as_this_page(d);
            f(d)
        });
        match result {
            None => Err("not on this device".into()),
            Some(Err(e)) => Err(e.to_string()),
            Some(Ok(())) => {
                self.after_local_change(doc);
                Ok(())
            }
        }
    }

    /// Make the next change to `d` by this page's actor — registered with the server under
    /// this member — and not by whatever actor `d` came with (a document received from the
    /// server starts with a random one).
    fn write_as_this_page(&self, d: &mut Automerge) {
        if d.get_actor() != &self.actor {
            d.set_actor(self.actor.clone());
        }
    }

    /// Show the change, write it to IndexedDB, and then send it.
    fn after_local_change(&self, doc: DocumentId) {
        self.signals.revision.update(|r| *r += 1);
        self.refresh_pending_of([doc]);
        self.persist(doc);
    }
}
