//! The app's state on this device: the sync client holding every document, the IndexedDB
//! store, who the member is, and the signals the views read. One per page, reached with
//! [`ws`].
//!
//! Every user operation goes through here: it edits the document through `shared`, writes it
//! to IndexedDB, and only then lets the sync client send it — so a change leaves the tablet
//! only once it is durable on the tablet. Incoming changes are merged, written to IndexedDB,
//! and the field being typed in keeps its caret (see [`Workspace::receive`]).
//!
//! - [`member`]: who is signed in, their roles (read-only for observers), the sync peer id,
//!   and the supervisions created here that their delegation has not registered yet (never
//!   announced to the server before it has).
//! - [`presence`]: who else is in a supervision and what they edit.
//! - [`caret`]: keeping the caret of the field being typed in across a merge.

mod caret;
mod member;
mod presence;

pub use member::PendingSupervision;
pub use presence::presence_target;

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::rc::Rc;

use automerge::{ActorId, Automerge, ChangeHash};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::field::{self as text_field, TextField};
use shared::finding::{self, FindingKind};
use shared::presence::Board;
use shared::supervision::{self, Setup, Stamp, Supervision};
use shared::sync::{Event, Link, Output, ReplicaStatus, SyncClient};
use shared::{DocumentId, ModelError, RecordId, unit};
use web_sys::HtmlTextAreaElement;

use crate::account::{Me, SessionState};
use crate::store::Store;

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
    /// Bumped whenever who is present (or what they edit) changes.
    pub presence: RwSignal<u64>,
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
    /// Documents being written to IndexedDB, and those changed again meanwhile.
    saving: RefCell<BTreeSet<DocumentId>>,
    dirty: RefCell<BTreeSet<DocumentId>>,
    /// Who is present in each supervision, from ephemeral messages.
    boards: RefCell<std::collections::BTreeMap<DocumentId, Board>>,
    /// The supervision on screen, which presence is announced for.
    viewing: Cell<Option<DocumentId>>,
    /// A deferred re-read is pending (see [`Workspace::set_text`]).
    refresh_scheduled: Cell<bool>,
    pub signals: Signals,
}

/// How long typing must pause before the rest of the screen re-reads the document.
const TYPING_PAUSE_MS: u32 = 250;

thread_local! {
    static WORKSPACE: RefCell<Option<Rc<Workspace>>> = const { RefCell::new(None) };
}

/// The page's workspace.
///
/// # Panics
/// Before [`Workspace::load`] has installed it; `start` mounts the views only after.
pub fn ws() -> Rc<Workspace> {
    WORKSPACE
        .with(|w| w.borrow().clone())
        .expect("the workspace is loaded before any view mounts")
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
    /// Open IndexedDB, load every document and install the workspace.
    pub async fn load() -> Result<Rc<Workspace>, String> {
        let store = Store::open().await.map_err(|e| e.0)?;
        // A new actor for every page load: two tabs on one tablet must never write with the
        // same actor (their sequence numbers would collide). The device remembers all of
        // its actors, so changes made before a reload still count as its own until confirmed,
        // and registers each with the server before syncing (see `crate::registry`).
        let actor = ActorId::from(random::<16>());
        let mut actors = split_list(store.meta("actors").await.map_err(|e| e.0)?);
        actors.push(actor.to_hex_string());
        store
            .set_meta("actors", &actors.join(","))
            .await
            .map_err(|e| e.0)?;
        let actors: Vec<ActorId> = actors
            .iter()
            .filter_map(|a| ActorId::try_from(a.as_str()).ok())
            .collect();
        let me: Option<Me> = store.meta_json("me").await.map_err(|e| e.0)?;
        let unregistered: Vec<PendingSupervision> = store
            .meta_json("pending-supervisions")
            .await
            .map_err(|e| e.0)?
            .unwrap_or_default();
        let mut client = SyncClient::new(member::peer_id(me.as_ref()));
        client.set_own_actors(actors.clone());
        for (id, bytes) in store.load_docs().await.map_err(|e| e.0)? {
            let Ok(doc_id) = id.parse::<DocumentId>() else {
                continue;
            };
            let mut doc = match Automerge::load(&bytes) {
                Ok(d) => d,
                Err(e) => {
                    web_sys::console::error_1(
                        &format!("document {id} could not be read: {e}").into(),
                    );
                    continue;
                }
            };
            doc.set_actor(actor.clone());
            let confirmed = store
                .meta(&format!("confirmed:{id}"))
                .await
                .ok()
                .flatten()
                .map(|s| parse_heads(&s))
                .unwrap_or_default();
            let _ = client.insert(doc_id, doc, confirmed);
        }
        let signals = Signals {
            revision: RwSignal::new(0),
            link: RwSignal::new(LinkState::Offline),
            pending: RwSignal::new(0),
            me: RwSignal::new(None),
            session: RwSignal::new(SessionState::Active),
            storage_error: RwSignal::new(None),
            presence: RwSignal::new(0),
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
            dirty: RefCell::new(BTreeSet::new()),
            boards: RefCell::new(Default::default()),
            viewing: Cell::new(None),
            refresh_scheduled: Cell::new(false),
            signals,
        });
        WORKSPACE.with(|slot| *slot.borrow_mut() = Some(w.clone()));
        if let Some(me) = me {
            w.adopt_me(me);
        }
        w.refresh_pending();
        Ok(w)
    }

    /// The IndexedDB store (for evidence files).
    pub fn store(&self) -> &Store {
        &self.store
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
        let sha = crate::blobs::sha256_hex(&bytes);
        self.store
            .put_blob(&sha, &mime, &bytes, &doc.to_string())
            .await
            .map_err(|e| {
                self.signals.storage_error.set(Some(e.0.clone()));
                AttachError::Storage(e.0)
            })?;
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
            spawn_local(crate::blobs::upload_pending());
        }
        Ok(())
    }

    // ----- reading ---------------------------------------------------------------------

    /// A supervision's title, if this device holds it (cheap: reads the set-up only).
    pub fn title(&self, id: &DocumentId) -> Option<String> {
        self.client
            .borrow()
            .doc(id)
            .and_then(|d| supervision::read_setup(d).ok())
            .map(|s| s.title)
    }

    /// Every supervision this device holds or waits for.
    pub fn local_ids(&self) -> Vec<DocumentId> {
        self.client.borrow().ids().copied().collect()
    }

    /// One supervision, if held.
    pub fn supervision(&self, id: &DocumentId) -> Option<Supervision> {
        self.client
            .borrow()
            .doc(id)
            .and_then(|d| supervision::read(d).ok())
    }

    pub fn is_wanted(&self, id: &DocumentId) -> bool {
        matches!(
            self.client.borrow().status(id),
            Some(ReplicaStatus::Wanted | ReplicaStatus::Unavailable)
        )
    }

    // ----- user operations -------------------------------------------------------------

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
        crate::registry::register_soon(id, delegation);
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
        let result = self.client.borrow_mut().edit(&doc, |d| {
            self.write_as_this_page(d);
            text_field::set(
                d,
                field,
                value,
                Stamp {
                    member: &member,
                    now_ms: now_ms(),
                },
            )
        });
        match result {
            None => Err("not on this device".into()),
            Some(Err(e)) => Err(e.to_string()),
            Some(Ok(false)) => Ok(()),
            Some(Ok(true)) => {
                self.refresh_pending();
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

    pub fn add_finding(
        &self,
        doc: DocumentId,
        unit_id: &RecordId,
        kind: FindingKind,
        content: &str,
    ) -> Result<(), String> {
        let member = self.member();
        let id = RecordId::from_bytes(random());
        self.edit(doc, |d| {
            finding::add(
                d,
                &id,
                unit_id,
                kind,
                content,
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
        self.refresh_pending();
        self.persist(doc);
    }

    // ----- durability ------------------------------------------------------------------

    /// Write `doc` to IndexedDB, then announce it to the server. Writes to one document never
    /// overlap: a change made during a write is written right after it.
    fn persist(&self, doc: DocumentId) {
        if self.closing.get() {
            return;
        }
        if !self.saving.borrow_mut().insert(doc) {
            self.dirty.borrow_mut().insert(doc);
            return;
        }
        let w = ws();
        spawn_local(async move {
            loop {
                w.dirty.borrow_mut().remove(&doc);
                let snapshot = {
                    let client = w.client.borrow();
                    client
                        .doc(&doc)
                        .map(|d| (d.save(), format_heads(client.confirmed_heads(&doc))))
                };
                let Some((bytes, confirmed)) = snapshot else {
                    break;
                };
                match w.store.save_doc(&doc.to_string(), &bytes, &confirmed).await {
                    Ok(()) => w.signals.storage_error.set(None),
                    Err(e) => {
                        // Keep it in memory; it is retried on the next change.
                        web_sys::console::error_1(&format!("IndexedDB write failed: {e}").into());
                        w.signals.storage_error.set(Some(e.0));
                        break;
                    }
                }
                if !w.is_unregistered(&doc) {
                    let out = w.client.borrow_mut().announce(&doc);
                    w.send(out);
                }
                if !w.dirty.borrow().contains(&doc) {
                    break;
                }
            }
            w.saving.borrow_mut().remove(&doc);
        });
    }

    // ----- the connection --------------------------------------------------------------

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
        // Anchor the caret of the field being typed in before the merge moves text around.
        let anchored = self.anchor_active();
        let result = self.client.borrow_mut().handle(Event::Frame(bytes));
        let out = match result {
            Ok(out) => out,
            Err(e) => return Some(e.to_string()),
        };
        if let Some((doc, field, element, start, end)) = anchored
            && out.changed.contains(&doc)
        {
            self.restore_active(doc, &field, &element, &start, &end);
        }
        let ephemeral = out.ephemeral.clone();
        self.observe_presence(ephemeral);
        let server_error = out.server_error.clone();
        let changed = out.changed.clone();
        let ready = matches!(self.client.borrow().link(), Link::Ready { .. });
        self.send(out);
        if ready && self.signals.link.get_untracked() == LinkState::Connecting {
            self.signals.link.set(LinkState::Syncing);
            // Just joined: say who we are, and upload evidence taken offline.
            self.announce_presence(None);
            spawn_local(crate::blobs::upload_pending());
        }
        for id in &changed {
            self.persist(*id);
        }
        if !changed.is_empty() {
            self.signals.revision.update(|r| *r += 1);
        }
        self.refresh_pending();
        server_error
    }

    fn send(&self, out: Output) {
        if let Some(sender) = self.outbound.borrow().as_ref() {
            for frame in &out.frames {
                sender(frame);
            }
        }
    }

    fn refresh_pending(&self) {
        let client = self.client.borrow();
        let pending: usize = client.ids().map(|id| client.pending(id)).sum();
        let ready = matches!(client.link(), Link::Ready { .. });
        drop(client);
        self.signals.pending.set(pending);
        if ready {
            self.signals.link.set(if pending == 0 {
                LinkState::Synced
            } else {
                LinkState::Syncing
            });
        }
    }
}

fn format_heads(heads: &[ChangeHash]) -> String {
    heads
        .iter()
        .map(|h| h.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn parse_heads(s: &str) -> Vec<ChangeHash> {
    s.split(',').filter_map(|h| h.parse().ok()).collect()
}

/// A comma-separated list as stored in IndexedDB meta.
pub(crate) fn split_list(s: Option<String>) -> Vec<String> {
    s.map(|s| {
        s.split(',')
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
}
