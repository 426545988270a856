//! The app's state on this device: the sync client holding every document, the IndexedDB
//! store, who the member is, and the signals the views read. One per page, reached with
//! [`ws`].
//!
//! Every user operation goes through here: it edits the document through `shared`, writes it
//! to IndexedDB, and only then lets the sync client send it — so a change leaves the tablet
//! only once it is durable on the tablet. Incoming changes are merged, written to IndexedDB,
//! and the field being typed in keeps its caret (see [`Workspace::receive`]).

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::rc::Rc;

use automerge::{ActorId, Automerge, ChangeHash};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::field::{self as text_field, RecordKind, TextField};
use shared::finding::{self, FindingKind};
use shared::presence::{Board, Presence};
use shared::supervision::{self, Setup, Stamp, Supervision};
use shared::sync::{Event, Link, Output, ReplicaStatus, SyncClient};
use shared::text::{self, Caret};
use shared::{DocumentId, ModelError, RecordId, catalogue, schema, unit};
use web_sys::HtmlTextAreaElement;

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
    /// The member's name, once given.
    pub member: RwSignal<Option<String>>,
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

pub struct Workspace {
    client: RefCell<SyncClient>,
    store: Store,
    actor: ActorId,
    catalogue: Cell<Option<DocumentId>>,
    /// The open socket's sender, while connected.
    outbound: RefCell<Option<Box<dyn Fn(&[u8])>>>,
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
        // its actors, so changes made before a reload still count as its own until confirmed.
        let actor = ActorId::from(random::<16>());
        let mut actors: Vec<String> = store
            .meta("actors")
            .await
            .map_err(|e| e.0)?
            .map(|s| {
                s.split(',')
                    .filter(|a| !a.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        actors.push(actor.to_hex_string());
        store
            .set_meta("actors", &actors.join(","))
            .await
            .map_err(|e| e.0)?;
        let own_actors: Vec<ActorId> = actors
            .iter()
            .filter_map(|a| ActorId::try_from(a.as_str()).ok())
            .collect();
        let member = store.meta("member").await.map_err(|e| e.0)?;
        let catalogue = store
            .meta("catalogue")
            .await
            .map_err(|e| e.0)?
            .and_then(|s| s.parse().ok());
        let mut client = SyncClient::new(format!("giamsat-{}", actor.to_hex_string()));
        client.set_own_actors(own_actors);
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
            member: RwSignal::new(member),
            storage_error: RwSignal::new(None),
            presence: RwSignal::new(0),
        };
        let w = Rc::new(Workspace {
            client: RefCell::new(client),
            store,
            actor,
            catalogue: Cell::new(catalogue),
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
            .put_blob(&sha, &mime, &bytes)
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
        if matches!(self.client.borrow().link(), Link::Ready { .. }) {
            spawn_local(crate::blobs::upload_pending());
        }
        Ok(())
    }

    // ----- who is writing -------------------------------------------------------------

    /// Remember the member's name on this device.
    pub fn set_member(&self, name: &str) {
        let name = name.trim().to_owned();
        self.signals.member.set(Some(name.clone()));
        let w = ws();
        spawn_local(async move {
            if let Err(e) = w.store.set_meta("member", &name).await {
                w.signals.storage_error.set(Some(e.0));
            }
        });
    }

    fn member(&self) -> String {
        self.signals.member.get_untracked().unwrap_or_default()
    }

    // ----- reading ---------------------------------------------------------------------

    /// Every supervision this device knows of: held here, or listed in the catalogue.
    /// (id, title, whether it is on this device), newest first.
    pub fn supervisions(&self) -> Vec<(DocumentId, String, bool)> {
        let client = self.client.borrow();
        let mut out: Vec<(DocumentId, String, bool, i64)> = Vec::new();
        let cat = self.catalogue.get();
        for id in client.ids() {
            if Some(*id) == cat {
                continue;
            }
            if let Some(doc) = client.doc(id) {
                if let Ok(s) = supervision::read(doc) {
                    out.push((*id, s.setup.title, true, s.created_at));
                }
            }
        }
        if let Some(doc) = cat.and_then(|c| client.doc(&c)) {
            for e in catalogue::entries(doc).unwrap_or_default() {
                if !out.iter().any(|(id, ..)| *id == e.id) {
                    out.push((e.id, e.title, false, e.created_at));
                }
            }
        }
        out.sort_by(|a, b| b.3.cmp(&a.3));
        out.into_iter()
            .map(|(id, t, held, _)| (id, t, held))
            .collect()
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

    /// Create a supervision; returns its id.
    pub fn create_supervision(&self, setup: &Setup) -> Result<DocumentId, String> {
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
        let _ = self.client.borrow_mut().insert(id, doc, Vec::new());
        self.after_local_change(id);
        self.list_in_catalogue();
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
        let member = self.member();
        let result = self.client.borrow_mut().edit(&doc, |d| {
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

    /// Change the set-up and refresh the catalogue's title.
    pub fn update_setup(&self, doc: DocumentId, setup: &Setup) -> Result<(), String> {
        self.apply(doc, |d, s| supervision::update_setup(d, setup, s))?;
        self.list_in_catalogue();
        Ok(())
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
        let result = self.client.borrow_mut().edit(&doc, f);
        match result {
            None => Err("not on this device".into()),
            Some(Err(e)) => Err(e.to_string()),
            Some(Ok(())) => {
                self.after_local_change(doc);
                Ok(())
            }
        }
    }

    /// Show the change, write it to IndexedDB, and then send it.
    fn after_local_change(&self, doc: DocumentId) {
        self.signals.revision.update(|r| *r += 1);
        self.refresh_pending();
        self.persist(doc);
    }

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
        let changed = self
            .boards
            .borrow_mut()
            .values_mut()
            .fold(false, |acc, b| b.expire(now) || acc);
        if changed {
            self.signals.presence.update(|v| *v += 1);
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

    fn observe_presence(&self, ephemeral: Vec<(DocumentId, String, Vec<u8>)>) {
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
    }

    // ----- durability ------------------------------------------------------------------

    /// Write `doc` to IndexedDB, then announce it to the server. Writes to one document never
    /// overlap: a change made during a write is written right after it.
    fn persist(&self, doc: DocumentId) {
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
                let out = w.client.borrow_mut().announce(&doc);
                w.send(out);
                if !w.dirty.borrow().contains(&doc) {
                    break;
                }
            }
            w.saving.borrow_mut().remove(&doc);
        });
    }

    // ----- the connection --------------------------------------------------------------

    /// The socket opened: introduce ourselves.
    pub fn connected(&self, sender: Box<dyn Fn(&[u8])>) {
        *self.outbound.borrow_mut() = Some(sender);
        self.signals.link.set(LinkState::Connecting);
        let out = self.client.borrow_mut().handle(Event::Connected);
        if let Ok(out) = out {
            self.send(out);
        }
    }

    /// The socket closed.
    pub fn disconnected(&self) {
        *self.outbound.borrow_mut() = None;
        let _ = self.client.borrow_mut().handle(Event::Disconnected);
        self.signals.link.set(LinkState::Offline);
    }

    /// Learned the catalogue's id from the server.
    pub fn catalogue_known(&self, id: DocumentId) {
        if self.catalogue.get() != Some(id) {
            self.catalogue.set(Some(id));
            let w = ws();
            spawn_local(async move {
                let _ = w.store.set_meta("catalogue", &id.to_string()).await;
            });
        }
        let out = self.client.borrow_mut().want(id);
        self.send(out);
        self.list_in_catalogue();
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
        if let Some((doc, field, element, start, end)) = anchored {
            if out.changed.contains(&doc) {
                self.restore_active(doc, &field, &element, &start, &end);
            }
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
        let cat = self.catalogue.get();
        for id in &changed {
            self.persist(*id);
        }
        if cat.is_some_and(|c| changed.contains(&c)) {
            self.want_catalogued();
            self.list_in_catalogue();
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

    fn anchor_active(&self) -> Option<(DocumentId, TextField, HtmlTextAreaElement, Caret, Caret)> {
        let active = self.active.borrow();
        let field = active.as_ref()?;
        let client = self.client.borrow();
        let doc = client.doc(&field.doc)?;
        let obj = field.field.object(doc).ok()?;
        let value = field.element.value();
        let start = text::utf16_to_chars(
            &value,
            field.element.selection_start().ok()??.try_into().ok()?,
        );
        let end = text::utf16_to_chars(
            &value,
            field.element.selection_end().ok()??.try_into().ok()?,
        );
        Some((
            field.doc,
            field.field.clone(),
            field.element.clone(),
            Caret::anchor(doc, &obj, start)?,
            Caret::anchor(doc, &obj, end)?,
        ))
    }

    fn restore_active(
        &self,
        doc: DocumentId,
        field: &TextField,
        el: &HtmlTextAreaElement,
        start: &Caret,
        end: &Caret,
    ) {
        let client = self.client.borrow();
        let Some(d) = client.doc(&doc) else { return };
        let Ok(obj) = field.object(d) else { return };
        let Ok(value) = automerge::ReadDoc::text(d, &obj) else {
            return;
        };
        if el.value() == value {
            return;
        }
        let s = text::chars_to_utf16(&value, start.resolve(d, &obj)) as u32;
        let e = text::chars_to_utf16(&value, end.resolve(d, &obj)) as u32;
        el.set_value(&value);
        let _ = el.set_selection_range(s, e.max(s));
    }

    /// Ask for every supervision the catalogue lists, so this tablet holds them all offline.
    fn want_catalogued(&self) {
        let Some(cat) = self.catalogue.get() else {
            return;
        };
        let ids: Vec<DocumentId> = {
            let client = self.client.borrow();
            let Some(doc) = client.doc(&cat) else { return };
            catalogue::entries(doc)
                .unwrap_or_default()
                .into_iter()
                .map(|e| e.id)
                .collect()
        };
        for id in ids {
            let out = {
                let mut client = self.client.borrow_mut();
                let mut out = client.want(id);
                let retry = client.retry(id);
                out.frames.extend(retry.frames);
                out
            };
            self.send(out);
        }
    }

    /// Make sure every supervision held here is listed in the catalogue with its title.
    fn list_in_catalogue(&self) {
        let Some(cat) = self.catalogue.get() else {
            return;
        };
        let held: Vec<(DocumentId, String)> = {
            let client = self.client.borrow();
            if client.doc(&cat).is_none() {
                return;
            }
            client
                .ids()
                .filter(|id| **id != cat)
                .filter_map(|id| {
                    let d = client.doc(id)?;
                    (schema::doc_kind(d).ok()? == schema::DocKind::Supervision)
                        .then(|| supervision::read_setup(d).ok().map(|s| (*id, s.title)))
                        .flatten()
                })
                .collect()
        };
        let now = now_ms();
        let changed = self
            .client
            .borrow_mut()
            .edit(&cat, |d| {
                let before = d.get_heads();
                for (id, title) in &held {
                    let _ = catalogue::list(d, *id, title, now);
                }
                d.get_heads() != before
            })
            .unwrap_or(false);
        if changed {
            self.persist(cat);
            self.signals.revision.update(|r| *r += 1);
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
