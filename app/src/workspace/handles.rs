//! What a view may use of the workspace: small `Copy` handles that the app's shell provides
//! through Leptos context ([`provide`], called by `components::app`). A view asks for the ones
//! it needs (`expect_context::<Docs>()`) and reaches nothing else: not the sync client, not
//! IndexedDB, not the socket. `xtask/tests/module_layers.rs` fails if a view calls `ws()`.
//!
//! - [`Signals`](super::Signals): what views read and watch (the member, the sync state, errors…).
//! - [`Docs`]: read and edit documents.
//! - [`Here`]: presence — who else is in a supervision, who edits a field, the field typed in.
//! - [`Device`]: the tablet — evidence files kept on it, whether it is connected, signing out.
//!
//! Each handle holds the page's workspace in Leptos' arena (local to the browser's one
//! thread), so it is `Copy` for closures and `Send + Sync` as context requires.

use std::rc::Rc;

use automerge::Automerge;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::field::TextField;
use shared::presence::Presence;
use shared::reading::{Delta, Supervision};
use shared::supervision::{Setup, Stamp};
use shared::{DocumentId, ModelError, RecordId};

use super::{ActiveField, AttachError, PendingSupervision, Workspace, ws};

/// Provide the four handles (and the workspace's signals) to every view below.
pub fn provide() {
    let held = Held(StoredValue::new_local(ws()));
    provide_context(ws().signals);
    provide_context(Docs(held));
    provide_context(Here(held));
    provide_context(Device(held));
}

#[derive(Clone, Copy)]
struct Held(StoredValue<Rc<Workspace>, LocalStorage>);

impl Held {
    fn get(&self) -> Rc<Workspace> {
        self.0.get_value()
    }
}

/// Read and edit documents.
#[derive(Clone, Copy)]
pub struct Docs(Held);

impl Docs {
    /// Apply one of shared's operations; a refusal is shown in the one place the app shows
    /// edit errors (see [`Workspace::change`]).
    pub fn change(
        &self,
        doc: DocumentId,
        op: impl FnOnce(&mut Automerge, Stamp<'_>) -> Result<(), ModelError>,
    ) {
        self.0.get().change(doc, op)
    }

    /// Apply one of shared's operations; the caller shows a refusal where it happened.
    pub fn apply(
        &self,
        doc: DocumentId,
        op: impl FnOnce(&mut Automerge, Stamp<'_>) -> Result<(), ModelError>,
    ) -> Result<(), String> {
        self.0.get().apply(doc, op)
    }

    /// Read document `id`, if this device holds it.
    pub fn with_doc<T>(&self, id: &DocumentId, read: impl FnOnce(&Automerge) -> T) -> Option<T> {
        self.0.get().with_doc(id, read)
    }

    /// A text field now holds `value` (one keystroke, most often).
    pub fn set_text(&self, doc: DocumentId, field: &TextField, value: &str) -> Result<(), String> {
        self.0.get().set_text(doc, field, value)
    }

    pub fn update_setup(&self, doc: DocumentId, setup: &Setup) -> Result<(), String> {
        self.0.get().update_setup(doc, setup)
    }

    pub fn add_unit(&self, doc: DocumentId, name: &str) -> Result<(), String> {
        self.0.get().add_unit(doc, name)
    }

    /// A view's copy of supervision `id`, brought up to date (see [`Workspace::mirror`]).
    pub fn mirror(
        &self,
        id: &DocumentId,
        copy: &mut Option<Supervision>,
        seen: &mut u64,
    ) -> Option<Delta> {
        self.0.get().mirror(id, copy, seen)
    }

    /// The reading IndexedDB kept of supervision `id` (JSON), if the documents are not
    /// loaded yet (see `workspace::kept`).
    pub async fn kept_reading(&self, id: DocumentId) -> Option<String> {
        let w = self.0.get();
        w.kept_reading(&id).await
    }

    /// Show supervision `id` from `kept` until its document is loaded; false if it cannot be.
    pub fn adopt_kept(&self, id: &DocumentId, kept: &str) -> bool {
        self.0.get().adopt_kept(id, kept)
    }

    /// Supervisions created here that their delegation has not registered yet.
    pub fn pending_registrations(&self) -> Vec<PendingSupervision> {
        self.0.get().pending_registrations()
    }

    /// The documents this device holds.
    pub fn local_ids(&self) -> Vec<DocumentId> {
        self.0.get().local_ids()
    }

    /// Supervision `id`'s title, if this device holds it.
    pub fn title(&self, id: &DocumentId) -> Option<String> {
        self.0.get().title(id)
    }

    /// The member only reads this supervision (an observer of its delegation).
    pub fn read_only(&self, id: &DocumentId) -> bool {
        self.0.get().read_only(id)
    }

    /// The device is waiting for this supervision from the server.
    pub fn is_wanted(&self, id: &DocumentId) -> bool {
        self.0.get().is_wanted(id)
    }

    /// The member may issue this supervision's conclusion.
    pub fn may_issue(&self, id: &DocumentId) -> bool {
        self.0.get().may_issue(id)
    }

    /// The server holds issued version `version` of supervision `id`.
    pub fn issued_on_server(&self, id: &DocumentId, version: &RecordId) -> bool {
        self.0.get().issued_on_server(id, version)
    }
}

/// Presence: who else is in a supervision and what they edit.
#[derive(Clone, Copy)]
pub struct Here(Held);

impl Here {
    /// The supervision on screen (announced to the others), `None` when it is left.
    pub fn set_viewing(&self, doc: Option<DocumentId>) {
        self.0.get().set_viewing(doc)
    }

    /// Who else is in supervision `doc`.
    pub fn present(&self, doc: &DocumentId) -> Vec<Presence> {
        self.0.get().present(doc)
    }

    /// Who else edits field `target` of `doc`.
    pub fn editors(&self, doc: DocumentId, target: String) -> Signal<Vec<String>> {
        self.0.get().editors(doc, target)
    }

    /// The text field being typed in (its caret is kept across merges), or none.
    pub fn set_active(&self, field: Option<ActiveField>) {
        self.0.get().set_active(field)
    }
}

/// The tablet: evidence files kept on it, the connection, the session.
#[derive(Clone, Copy)]
pub struct Device(Held);

impl Device {
    /// Connected and registered with the server.
    pub fn is_ready(&self) -> bool {
        self.0.get().is_ready()
    }

    /// Upload the evidence files the server does not have yet, if connected.
    pub fn upload_now(&self) {
        if self.is_ready() {
            spawn_local(super::outbox::upload_pending());
        }
    }

    /// The server no longer takes this tablet's session.
    pub fn session_lost(&self) {
        self.0.get().session_lost()
    }

    /// Sign out on this tablet: every document and setting is removed from it.
    pub async fn forget_everything(&self) -> Result<(), String> {
        self.0.get().forget_everything().await
    }

    /// Keep an evidence file on the tablet, attach it to finding `finding_id` (see
    /// [`Workspace::attach_evidence`]).
    pub async fn attach_evidence(
        &self,
        doc: DocumentId,
        finding_id: RecordId,
        name: String,
        bytes: Vec<u8>,
        mime: String,
    ) -> Result<(), AttachError> {
        self.0
            .get()
            .attach_evidence(doc, finding_id, name, bytes, mime)
            .await
    }

    /// Keep a file on the tablet for supervision `doc`; its SHA-256. A storage failure is also
    /// shown where the app shows them.
    pub async fn keep_file(
        &self,
        doc: &DocumentId,
        bytes: &[u8],
        mime: &str,
    ) -> Result<String, String> {
        self.0.get().keep_file(doc, bytes, mime).await
    }

    /// An object URL for a file kept for supervision `doc` (fetched from the server if the
    /// tablet does not have it yet); `None` when it is nowhere to be had now.
    pub async fn file_url(&self, sha: &str, doc: &str) -> Option<String> {
        let w = self.0.get();
        crate::blobs::object_url(w.store(), sha, doc).await
    }
}
