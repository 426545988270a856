//! Who writes on this tablet, and what the server must know before it syncs.
//!
//! - The member is the signed-in account (`GET /api/me`, cached in IndexedDB): their display
//!   name stamps every change and shows in presence; their role in a supervision's
//!   delegation decides whether they may write it (observers read only).
//! - The sync peer id starts with the account's `peerPrefix` (the server checks it).
//! - A supervision created here is queued (IndexedDB meta `pending-supervisions`) until its
//!   delegation has registered it (`crate::registry`); until then it is never announced to
//!   the server, which would answer doc-unavailable for it anyway.

use automerge::ActorId;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use shared::DocumentId;
use shared::sync::{Output, SyncClient};

use super::{Workspace, random, ws};
use crate::account::{Me, SessionState};

/// A supervision created on this tablet that its delegation has not registered yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingSupervision {
    pub document_id: String,
    pub delegation: i64,
}

impl PendingSupervision {
    pub fn id(&self) -> Option<DocumentId> {
        self.document_id.parse().ok()
    }
}

/// A fresh peer id for this page: the account's prefix and random hex, or a local one
/// (never sent) before anyone has signed in.
pub(super) fn peer_id(me: Option<&Me>) -> String {
    let prefix = me.map_or("local-", |m| m.peer_prefix.as_str());
    let suffix: String = random::<8>().iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}{suffix}")
}

/// Whether `me` is only an observer of `delegation`.
fn observes(me: Option<&Me>, delegation: Option<i64>) -> bool {
    me.zip(delegation)
        .and_then(|(m, d)| m.delegation(d))
        .is_some_and(|d| !d.can_write())
}

impl Workspace {
    /// The name stamped on changes: the account's display name.
    pub(super) fn member(&self) -> String {
        self.signals
            .me
            .with_untracked(|m| m.as_ref().map(|m| m.user.display_name.clone()))
            .unwrap_or_default()
    }

    /// The server answered 401: the session expired or was revoked. The notice with the
    /// sign-in form appears, and the connection (which watches this signal, `crate::net`)
    /// closes; every local change waits in IndexedDB until the member signs in again.
    pub fn session_lost(&self) {
        self.signals.session.set(SessionState::Expired);
    }

    /// Every actor this device has written with.
    pub fn actors(&self) -> &[ActorId] {
        &self.actors
    }

    /// Take a fresh `GET /api/me` answer: keep it on the tablet and ask for every supervision
    /// of every delegation, so the tablet holds them all offline.
    pub async fn set_me(&self, me: Me) {
        if let Err(e) = self.store.set_meta_json(crate::store::keys::ME, &me).await {
            self.signals.storage_error.set(Some(e.0));
        }
        self.adopt_me(me);
    }

    /// Use `me` in memory (from the cache or the server); the engine then asks for every
    /// supervision of every delegation ([`Workspace::want_all`]).
    pub(super) fn adopt_me(&self, me: Me) {
        if self.signals.me.with_untracked(|m| m.as_ref() != Some(&me)) {
            self.signals.me.set(Some(me));
        }
        self.asked.notify();
        self.signals.revision.update(|r| *r += 1);
    }

    /// Ask the server for every supervision of the member's delegations (again, for those it
    /// could not give before). The engine runs this whenever `me` is taken ([`crate::engine`]).
    pub fn want_all(&self) {
        self.asked.track();
        let wanted = self
            .signals
            .me
            .with_untracked(|m| m.as_ref().map(Me::all_supervisions))
            .unwrap_or_default();
        for id in wanted {
            let out = {
                let mut client = self.client.borrow_mut();
                let mut out = client.want(id);
                out.frames.extend(client.retry(id).frames);
                out
            };
            self.send(out);
        }
    }

    /// The sync peer id to connect with, starting with `prefix`. Call while disconnected: the
    /// sync client takes its id at creation, so a new prefix (the first sign-in) means a new
    /// client holding the same documents.
    pub fn ensure_peer(&self, prefix: &str) -> String {
        let mut client = self.client.borrow_mut();
        if client.peer_id().starts_with(prefix) {
            return client.peer_id().to_owned();
        }
        let suffix: String = random::<8>().iter().map(|b| format!("{b:02x}")).collect();
        let mut fresh = SyncClient::new(format!("{prefix}{suffix}"));
        fresh.set_own_actors(self.actors.clone());
        let ids: Vec<DocumentId> = client.ids().copied().collect();
        for id in ids {
            match client.doc(&id) {
                Some(doc) => {
                    let _ = fresh.insert(id, doc.clone(), client.confirmed_heads(&id).to_vec());
                }
                None => {
                    let _ = fresh.want(id);
                }
            }
        }
        *client = fresh;
        client.peer_id().to_owned()
    }

    /// The delegation a supervision belongs to: as the server says, or as queued here.
    pub fn delegation_of(&self, doc: &DocumentId) -> Option<i64> {
        let listed = self
            .signals
            .me
            .with_untracked(|m| m.as_ref().and_then(|m| m.delegation_of(doc)).map(|d| d.id));
        listed.or_else(|| {
            self.unregistered
                .borrow()
                .iter()
                .find(|p| p.id().as_ref() == Some(doc))
                .map(|p| p.delegation)
        })
    }

    /// Whether the member may issue `doc`'s conclusion: its delegation's head or deputy.
    /// Reactive.
    pub fn may_issue(&self, doc: &DocumentId) -> bool {
        let delegation = self.delegation_of(doc);
        self.signals.me.with(|m| {
            m.as_ref()
                .zip(delegation)
                .and_then(|(m, d)| m.delegation(d))
                .is_some_and(|d| d.can_manage())
        })
    }

    /// Whether the member only reads `doc` (an observer of its delegation). Reactive.
    pub fn read_only(&self, doc: &DocumentId) -> bool {
        let delegation = self.delegation_of(doc);
        self.signals.me.with(|m| observes(m.as_ref(), delegation))
    }

    pub(super) fn check_writable(&self, doc: &DocumentId) -> Result<(), String> {
        let delegation = self.delegation_of(doc);
        if self
            .signals
            .me
            .with_untracked(|m| observes(m.as_ref(), delegation))
        {
            Err("observers read only".into())
        } else {
            Ok(())
        }
    }

    /// Supervisions created here, not yet registered with their delegation.
    pub fn pending_registrations(&self) -> Vec<PendingSupervision> {
        self.unregistered.borrow().clone()
    }

    pub fn is_unregistered(&self, doc: &DocumentId) -> bool {
        self.unregistered
            .borrow()
            .iter()
            .any(|p| p.id().as_ref() == Some(doc))
    }

    /// Queue `doc` for registration with `delegation` (kept in IndexedDB).
    pub(super) fn queue_registration(&self, doc: DocumentId, delegation: i64) {
        self.unregistered.borrow_mut().push(PendingSupervision {
            document_id: doc.to_string(),
            delegation,
        });
        self.save_registrations();
    }

    /// The delegation registered `doc`: the server may see it now. Its sync conversation
    /// starts afresh (holding it again does that): whatever the client generated for it
    /// while it was unregistered was never sent, yet counts as sent in the old one.
    pub fn registered(&self, doc: &DocumentId, delegation: i64) {
        self.forget_registration(doc);
        // The server lists it among the delegation's now: say so at once, so what depends
        // on the delegation (who may issue its conclusion) holds before `/api/me` is asked
        // again (perhaps only after a stretch offline).
        self.signals.me.update(|me| {
            let listed = me
                .as_mut()
                .and_then(|m| m.delegations.iter_mut().find(|d| d.id == delegation));
            if let Some(d) = listed
                && !d.holds(doc)
            {
                d.supervisions.push(doc.to_string());
            }
        });
        let out = {
            let mut client = self.client.borrow_mut();
            match client.doc(doc).cloned() {
                Some(held) => {
                    let confirmed = client.confirmed_heads(doc).to_vec();
                    client.insert(*doc, held, confirmed)
                }
                None => Output::default(),
            }
        };
        self.send(out);
    }

    /// The server will never register `doc` (the member lost the right, or it is another
    /// delegation's): stop asking. It stays on this tablet.
    pub fn registration_refused(&self, doc: &DocumentId, why: &str) {
        web_sys::console::warn_1(&format!("supervision {doc} was not registered: {why}").into());
        self.forget_registration(doc);
    }

    fn forget_registration(&self, doc: &DocumentId) {
        self.unregistered
            .borrow_mut()
            .retain(|p| p.id().as_ref() != Some(doc));
        self.save_registrations();
        self.signals.revision.update(|r| *r += 1);
    }

    fn save_registrations(&self) {
        let list = self.unregistered.borrow().clone();
        let w = ws();
        spawn_local(async move {
            if let Err(e) = w
                .store
                .set_meta_json(crate::store::keys::PENDING_SUPERVISIONS, &list)
                .await
            {
                w.signals.storage_error.set(Some(e.0));
            }
        });
    }

    /// Signing out: stop writing, and empty every IndexedDB store of the app.
    pub async fn forget_everything(&self) -> Result<(), String> {
        self.closing.set(true);
        self.store.clear_all().await.map_err(|e| e.0)
    }
}
