//! The app's state on this device: the sync client holding every document, the IndexedDB
//! store, who the member is, and the signals the views read. One per page, reached with
//! [`ws`].
//!
//! Every user operation goes through here: it edits the document through `shared`, writes it
//! to IndexedDB, and only then lets the sync client send it — so a change leaves the tablet
//! only once it is durable on the tablet. Incoming changes are merged, written to IndexedDB,
//! and the field being typed in keeps its caret (see [`Workspace::receive`]).
//!
//! - [`edits`]: every user operation on a supervision.
//! - [`persist`]: writing a document to IndexedDB, then announcing it.
//! - [`connection`]: the socket opened, closed, or brought a frame; the pending count.
//! - [`member`]: who is signed in, their roles (read-only for observers), the sync peer id,
//!   and the supervisions created here that their delegation has not registered yet (never
//!   announced to the server before it has).
//! - [`presence`]: who else is in a supervision and what they edit.
//! - [`timing`]: User Timing marks and measures (DevTools, the data-path bench).
//! - [`caret`]: keeping the caret of the field being typed in across a merge.
//! - [`handles`]: what the views get of it, through context: small `Copy` handles.
//! - [`kept`]: each opened supervision's reading kept in IndexedDB, so it opens to be read
//!   before its document is loaded.
//! - [`outbox`]: registrations and evidence uploads the server is owed, and their answers.

mod caret;
mod connection;
mod edits;
pub mod handles;
mod kept;
mod member;
pub mod outbox;
mod persist;
mod presence;
mod timing;

pub use kept::keep_when_hidden;
pub use member::PendingSupervision;
pub use presence::presence_target;
pub use timing::{mark, measure};

use std::cell::{Cell, RefCell};
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use automerge::{ActorId, Automerge};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::field::TextField;
use shared::finding;
use shared::journal::Journal;
use shared::presence::Board;
use shared::reading::{Delta, Reading, Supervision};
use shared::supervision;
use shared::sync::{ReplicaStatus, SyncClient};
use shared::{DocumentId, RecordId};
use web_sys::HtmlTextAreaElement;

use crate::account::{Me, SessionState};
use crate::store::{Store, keys, split_list};

/// What the status badge shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    Offline,
    Connecting,
    /// Connected; some local changes are not confirmed yet.
    Syncing,
    /// Connected; the server has everything.
    Synced,
}

/// The reactive handles views read. All `Copy`.
#[derive(Clone, Copy)]
pub struct Signals {
    /// Bumped whenever any document changes (locally or from the server).
    pub revision: RwSignal<u64>,
    pub link: RwSignal<LinkState>,
    /// Local changes the server has not confirmed yet, over all documents.
    pub pending: RwSignal<usize>,
    /// Who is signed in on this tablet (the cached `GET /api/me`), `None` before sign-in.
    pub me: RwSignal<Option<Me>>,
    /// Whether the server still takes this tablet's session.
    pub session: RwSignal<SessionState>,
    /// The last storage failure, shown until the next successful write.
    pub storage_error: RwSignal<Option<String>>,
    /// The last edit the document refused (see [`Workspace::change`]), shown until the next
    /// edit succeeds or the member dismisses it.
    pub edit_error: RwSignal<Option<String>>,
    /// Bumped whenever who is present (or what they edit) changes.
    pub presence: RwSignal<u64>,
    /// The documents are loaded (the engine has run): until then a supervision is shown from
    /// its kept reading, if any, and cannot be edited.
    pub loaded: RwSignal<bool>,
}

/// The text field being typed in, so a merge can keep its caret.
pub struct ActiveField {
    pub doc: DocumentId,
    pub field: TextField,
    pub element: HtmlTextAreaElement,
}

/// Why evidence could not be attached.
#[derive(Debug, Clone)]
pub enum AttachError {
    /// The tablet's storage refused the file (full, most often).
    Storage(String),
    /// The document refused the edit.
    Edit(String),
}

/// Sends one binary frame on the open socket.
pub type FrameSender = Box<dyn Fn(&[u8])>;

/// A text field as presence names it: its supervision and its target
/// ("finding:<id>:text", see `presence::presence_target`).
type FieldKey = (DocumentId, String);

pub struct Workspace {
    client: RefCell<SyncClient>,
    store: Store,
    actor: ActorId,
    /// Every actor this device has written with (this page load's included).
    actors: Vec<ActorId>,
    /// Supervisions created here and not yet registered with their delegation, oldest first.
    /// Until registered they are never announced to the server.
    unregistered: RefCell<Vec<PendingSupervision>>,
    /// Signing out: nothing more is written to IndexedDB.
    closing: Cell<bool>,
    /// The open socket's sender, while connected.
    outbound: RefCell<Option<FrameSender>>,
    active: RefCell<Option<ActiveField>>,
    /// Notified whenever `me` is taken, so the engine asks for its supervisions.
    asked: Trigger,
    /// Each held supervision's title, for the list (see [`Workspace::title`]).
    titles: RefCell<BTreeMap<DocumentId, String>>,
    /// Documents being written to IndexedDB, and those changed again meanwhile.
    saving: RefCell<BTreeSet<DocumentId>>,
    /// Documents changed from the server, to be written once [`persist::REMOTE_WRITE_MS`] pass.
    write_queued: RefCell<BTreeSet<DocumentId>>,
    dirty: RefCell<BTreeSet<DocumentId>>,
    /// Who is present in each supervision, from ephemeral messages.
    boards: RefCell<std::collections::BTreeMap<DocumentId, Board>>,
    /// The supervision on screen, which presence is announced for.
    viewing: Cell<Option<DocumentId>>,
    /// A deferred re-read is pending (see [`Workspace::set_text`]).
    refresh_scheduled: Cell<bool>,
    /// The text field last typed in, its Text object already found (see `shared::field::Focus`).
    focus: RefCell<Option<(DocumentId, shared::field::Focus)>>,
    /// What IndexedDB holds of each document (see [`persist`]).
    journals: RefCell<BTreeMap<DocumentId, persist::Written>>,
    /// Local changes the server has not confirmed, per document (see `refresh_pending_of`).
    pending_by_doc: RefCell<BTreeMap<DocumentId, usize>>,
    /// Who edits each text field shown (see `presence::editors`).
    editors: RefCell<std::collections::HashMap<FieldKey, RwSignal<Vec<String>>>>,
    /// Who was editing what at the last presence message, by (document, field): a presence
    /// message then sets only the fields whose editors moved.
    editing_shown: RefCell<std::collections::HashMap<FieldKey, Vec<String>>>,
    /// Owns the signals the workspace hands out, for as long as the page lives.
    owner: Owner,
    /// Each supervision as last read, kept up to date with what each merge wrote (see
    /// [`Workspace::mirror`]).
    readings: RefCell<BTreeMap<DocumentId, Reading>>,
    /// Readings waiting to be kept in IndexedDB, each with the number of its latest wait
    /// (see [`kept`]).
    keep_rounds: RefCell<BTreeMap<DocumentId, u64>>,
    /// The heads of the reading IndexedDB keeps of each supervision, as far as this page
    /// knows (one it adopted or kept, not deleted since by a write).
    kept_at: RefCell<BTreeMap<DocumentId, Vec<automerge::ChangeHash>>>,
    pub signals: Signals,
}

thread_local! {
    static WORKSPACE: RefCell<Option<Rc<Workspace>>> = const { RefCell::new(None) };
}

/// The page's workspace.
///
/// # Panics
/// Before [`Workspace::open`] has installed it; `start` mounts the views only after.
pub fn ws() -> Rc<Workspace> {
    WORKSPACE
        .with(|w| w.borrow().clone())
        .expect("the workspace is loaded before any view mounts")
}

/// The server answered 401 to a request of some screen: see [`Workspace::session_lost`].
pub fn session_lost() {
    ws().session_lost();
}

/// Random bytes from the browser's crypto source.
pub fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // The browser's crypto.getRandomValues does not fail for small buffers.
    let _ = getrandom::fill(&mut b);
    b
}

pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

impl Workspace {
    /// Open IndexedDB, read the member and the settings, and install the workspace, holding
    /// no document yet: the first screen needs none, and Automerge is not in the first
    /// load. [`Workspace::load_documents`] (run by [`crate::engine`]) brings them in.
    ///
    /// `opened_on`: the supervision the page was opened on, whose kept reading (see
    /// [`kept`]) is then read while the views mount.
    pub async fn open(opened_on: Option<DocumentId>) -> Result<Rc<Workspace>, String> {
        let store = Store::open().await.map_err(|e| e.0)?;
        // A new actor for every page load: two tabs on one tablet must never write with the
        // same actor (their sequence numbers would collide). The device remembers all of
        // its actors, so changes made before a reload still count as its own until confirmed,
        // and registers each with the server before syncing (see `crate::registry`).
        let actor = ActorId::from(random::<16>());
        let mut actors = split_list(store.meta(keys::ACTORS).await.map_err(|e| e.0)?);
        actors.push(actor.to_hex_string());
        store
            .set_meta(keys::ACTORS, &actors.join(","))
            .await
            .map_err(|e| e.0)?;
        let actors: Vec<ActorId> = actors
            .iter()
            .filter_map(|a| ActorId::try_from(a.as_str()).ok())
            .collect();
        let me: Option<Me> = store.meta_json(keys::ME).await.map_err(|e| e.0)?;
        let unregistered: Vec<PendingSupervision> = store
            .meta_json(keys::PENDING_SUPERVISIONS)
            .await
            .map_err(|e| e.0)?
            .unwrap_or_default();
        let titles: BTreeMap<DocumentId, String> = store
            .meta_json::<BTreeMap<String, String>>(keys::TITLES)
            .await
            .ok()
            .flatten()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(id, title)| Some((id.parse().ok()?, title)))
            .collect();
        let mut client = SyncClient::new(member::peer_id(me.as_ref())).with_touched();
        client.set_own_actors(actors.clone());
        let signals = Signals {
            revision: RwSignal::new(0),
            link: RwSignal::new(LinkState::Offline),
            pending: RwSignal::new(0),
            me: RwSignal::new(None),
            session: RwSignal::new(SessionState::Active),
            storage_error: RwSignal::new(None),
            edit_error: RwSignal::new(None),
            presence: RwSignal::new(0),
            loaded: RwSignal::new(false),
        };
        let w = Rc::new(Workspace {
            client: RefCell::new(client),
            store,
            actor,
            actors,
            unregistered: RefCell::new(unregistered),
            closing: Cell::new(false),
            outbound: RefCell::new(None),
            active: RefCell::new(None),
            saving: RefCell::new(BTreeSet::new()),
            write_queued: RefCell::new(BTreeSet::new()),
            dirty: RefCell::new(BTreeSet::new()),
            boards: RefCell::new(Default::default()),
            viewing: Cell::new(None),
            refresh_scheduled: Cell::new(false),
            focus: RefCell::new(None),
            journals: RefCell::new(BTreeMap::new()),
            titles: RefCell::new(titles),
            asked: Trigger::new(),
            readings: RefCell::new(BTreeMap::new()),
            keep_rounds: RefCell::new(BTreeMap::new()),
            kept_at: RefCell::new(BTreeMap::new()),
            editors: RefCell::new(Default::default()),
            editing_shown: RefCell::new(Default::default()),
            pending_by_doc: RefCell::new(BTreeMap::new()),
            owner: Owner::new(),
            signals,
        });
        WORKSPACE.with(|slot| *slot.borrow_mut() = Some(w.clone()));
        if let Some(me) = me {
            w.adopt_me(me);
        }
        // After the reads above, not beside them: a large value read beside them slows them
        // all, and the first screen waits for them.
        if let Some(id) = opened_on {
            kept::fetch_early(&w.store, id);
        }
        Ok(w)
    }

    /// Load every document IndexedDB holds into the sync client (the engine's first step,
    /// see [`crate::engine`]); the views showing them are told through `revision`.
    pub async fn load_documents(&self) -> Result<(), String> {
        mark("giamsat:load");
        let mut loaded = Vec::new();
        let mut journals = BTreeMap::new();
        for stored in self.store.load_docs().await.map_err(|e| e.0)? {
            let Ok(doc_id) = stored.id.parse::<DocumentId>() else {
                continue;
            };
            let (mut doc, journal, unreadable) =
                match Journal::load(stored.snapshot.as_deref(), &stored.chunks) {
                    Ok(loaded) => loaded,
                    Err(e) => {
                        web_sys::console::error_1(
                            &format!("document {} could not be read: {e}", stored.id).into(),
                        );
                        continue;
                    }
                };
            if unreadable > 0 {
                web_sys::console::error_1(
                    &format!(
                        "document {}: {unreadable} stored chunks unreadable",
                        stored.id
                    )
                    .into(),
                );
            }
            doc.set_actor(self.actor.clone());
            let confirmed = stored
                .confirmed
                .as_deref()
                .map(persist::parse_heads)
                .unwrap_or_default();
            journals.insert(doc_id, persist::Written::loaded(journal, stored.chunk_keys));
            loaded.push((doc_id, doc, confirmed));
        }
        {
            let mut client = self.client.borrow_mut();
            for (id, doc, confirmed) in loaded {
                let _ = client.insert(id, doc, confirmed);
            }
        }
        self.journals.borrow_mut().extend(journals);
        let ids: Vec<DocumentId> = self.client.borrow().ids().copied().collect();
        self.refresh_titles(&ids);
        self.refresh_pending();
        self.signals.loaded.set(true);
        self.signals.revision.update(|r| *r += 1);
        measure("giamsat:load-documents", "giamsat:load");
        Ok(())
    }

    /// The IndexedDB store (for evidence files).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Keep a file on the device for supervision `doc`; its SHA-256. A storage failure is
    /// also shown where the app shows them.
    pub async fn keep_file(
        &self,
        doc: &DocumentId,
        bytes: &[u8],
        mime: &str,
    ) -> Result<String, String> {
        let sha = crate::blobs::sha256_hex(bytes);
        self.store
            .put_blob(&sha, mime, bytes, &doc.to_string())
            .await
            .map_err(|e| {
                self.signals.storage_error.set(Some(e.0.clone()));
                e.0
            })?;
        Ok(sha)
    }

    /// Keep an evidence file on the device, attach it to a finding, and upload it if online.
    /// Nothing is attached unless the file is safely on the device first.
    pub async fn attach_evidence(
        &self,
        doc: DocumentId,
        finding_id: RecordId,
        name: String,
        bytes: Vec<u8>,
        mime: String,
    ) -> Result<(), AttachError> {
        let sha = self
            .keep_file(&doc, &bytes, &mime)
            .await
            .map_err(AttachError::Storage)?;
        let evidence = finding::Evidence {
            sha256: sha,
            name,
            mime,
            size: bytes.len() as u64,
            added_by: String::new(),
        };
        self.apply(doc, |d, s| finding::attach(d, &finding_id, &evidence, s))
            .map_err(AttachError::Edit)?;
        if self.is_ready() {
            spawn_local(outbox::upload_pending());
        }
        Ok(())
    }

    // ----- reading ---------------------------------------------------------------------

    /// A supervision's title, if this device holds it: as last read from its document, kept
    /// in IndexedDB so the list shows it before the documents are loaded.
    pub fn title(&self, id: &DocumentId) -> Option<String> {
        self.titles.borrow().get(id).cloned()
    }

    /// Read the titles of `ids` again from their documents (after they are loaded, after each
    /// write); keep them in IndexedDB if any changed.
    fn refresh_titles(&self, ids: &[DocumentId]) {
        let client = self.client.borrow();
        let mut titles = self.titles.borrow_mut();
        let mut moved = false;
        for id in ids {
            let title = client
                .doc(id)
                .and_then(|d| supervision::read_setup(d).ok())
                .map(|s| s.title);
            if let Some(title) = title
                && titles.get(id) != Some(&title)
            {
                titles.insert(*id, title);
                moved = true;
            }
        }
        if !moved || self.closing.get() {
            return;
        }
        self.signals.revision.update(|r| *r += 1);
        let titles: BTreeMap<String, String> = titles
            .iter()
            .map(|(id, title)| (id.to_string(), title.clone()))
            .collect();
        let w = ws();
        spawn_local(async move {
            // Only a hint for the list before the documents load: a failure costs nothing.
            let _kept = w.store.set_meta_json(keys::TITLES, &titles).await;
        });
    }

    /// Every supervision this device holds or waits for.
    pub fn local_ids(&self) -> Vec<DocumentId> {
        self.client.borrow().ids().copied().collect()
    }

    /// Bring a view's copy of supervision `id` (`None` before the first), which mirrors its
    /// reading at version `*seen`, up to date: only the records that changed are cloned into
    /// it (see `shared::reading::Reading::update_copy`). Returns what changed, `None` if
    /// nothing did. The reading itself follows every change as it arrives.
    pub fn mirror(
        &self,
        id: &DocumentId,
        copy: &mut Option<Supervision>,
        seen: &mut u64,
    ) -> Option<Delta> {
        let client = self.client.borrow();
        let mut readings = self.readings.borrow_mut();
        let mut made = false;
        // Readings are never dropped, so a view's `seen` always refers to this one.
        let reading = match (client.doc(id), readings.entry(*id)) {
            (Some(doc), Entry::Occupied(e)) => {
                let reading = e.into_mut();
                // A kept reading is checked here, once its document is loaded.
                if reading.heads() != doc.get_heads().as_slice() {
                    reading.refresh(doc).ok()?;
                }
                reading
            }
            (Some(doc), Entry::Vacant(v)) => {
                made = true;
                v.insert(Reading::new(doc).ok()?)
            }
            // Drawn from its kept reading until the document is loaded.
            (None, Entry::Occupied(e)) if !self.signals.loaded.get_untracked() => e.into_mut(),
            (None, _) => return copy.take().map(|_| Delta::everything()),
        };
        let applied = match copy {
            Some(_) if reading.version() == *seen => None,
            Some(c) => {
                let applied = reading.update_copy(c, *seen);
                *seen = reading.version();
                Some(applied)
            }
            None => {
                *copy = Some(reading.supervision.clone());
                *seen = reading.version();
                Some(Delta::everything())
            }
        };
        drop((readings, client));
        if made {
            // First opened on this page: keep its reading for the next open.
            self.keep_soon(*id);
        }
        applied
    }

    /// The member typed in `field` of `id`, which stood at `before`: read that record again.
    fn typed(&self, id: DocumentId, before: &[automerge::ChangeHash], field: &TextField) {
        let client = self.client.borrow();
        let mut readings = self.readings.borrow_mut();
        let (Some(doc), Some(reading)) = (client.doc(&id), readings.get_mut(&id)) else {
            return;
        };
        if reading.typed(doc, before, field).is_err() {
            // Read whole next time a view asks (the reading is kept: views count on it).
            let _unreadable = reading.refresh(doc);
        }
    }

    /// Bring the reading of `merged.doc`, if there is one, up to date with what the merge wrote.
    fn follow(&self, merged: &shared::sync::Merged) {
        let client = self.client.borrow();
        let mut readings = self.readings.borrow_mut();
        let (Some(doc), Some(reading)) = (client.doc(&merged.doc), readings.get_mut(&merged.doc))
        else {
            return;
        };
        if reading
            .follow(doc, &merged.before, merged.touched.as_deref())
            .is_err()
        {
            let _unreadable = reading.refresh(doc);
        }
    }

    /// Read something from a held supervision's document (an issued version, an export).
    pub fn with_doc<T>(&self, id: &DocumentId, read: impl FnOnce(&Automerge) -> T) -> Option<T> {
        self.client.borrow().doc(id).map(read)
    }

    /// Whether the server holds issued version `version` of `id` (see
    /// `shared::official::issue::on_server`); a version issued offline is not, until it syncs.
    pub fn issued_on_server(&self, id: &DocumentId, version: &shared::RecordId) -> bool {
        let client = self.client.borrow();
        let server = client.confirmed_heads(id);
        client
            .doc(id)
            .is_some_and(|d| shared::official::issue::on_server(d, version, server))
    }

    pub fn is_wanted(&self, id: &DocumentId) -> bool {
        matches!(
            self.client.borrow().status(id),
            Some(ReplicaStatus::Wanted | ReplicaStatus::Unavailable)
        )
    }
}
