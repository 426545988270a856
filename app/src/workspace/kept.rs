//! The reading of each opened supervision kept in IndexedDB (`meta` keys `reading:<id>/…`,
//! `shared::kept`), so the supervision opens to be read before the engine has loaded its
//! document: the 500-finding one is on screen in the time an empty one takes, and its
//! controls wait (disabled, `aria-busy`) until the document is there to edit.
//!
//! A reading is kept once its document has been quiet for [`QUIET_MS`] (no change written),
//! and when the page is hidden; every write of the document deletes it in the same
//! transaction (`Store::append_chunk`, `Store::write_snapshot`), so a kept reading is never
//! behind what this page stored. Two tabs on one tablet can leave it behind (one keeps what
//! it has read after the other wrote more): the page drawn from it then reads the document
//! again once it is loaded, since the heads differ (`Workspace::mirror`). Only supervisions
//! opened on this page are kept: their reading is already in memory.

use std::cell::RefCell;

use futures::channel::oneshot;
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::DocumentId;

use crate::store::Store;

use super::{Workspace, ws};

/// How long a supervision goes without a change written before its reading is kept: the
/// 500-finding one's is ~0.5 MB, written once per pause, not once per keystroke.
pub const QUIET_MS: u32 = 3_000;

thread_local! {
    /// The kept reading of the supervision the page was opened on, asked for as the page
    /// starts ([`fetch_early`]).
    static EARLY: RefCell<Option<(DocumentId, oneshot::Receiver<Option<String>>)>> =
        const { RefCell::new(None) };
}

/// Begin reading supervision `id`'s kept reading from IndexedDB as the page starts (the
/// page was opened on it), so it is there by the time its screen's module is.
pub(super) fn fetch_early(store: &Store, id: DocumentId) {
    let (tx, rx) = oneshot::channel();
    EARLY.with(|e| *e.borrow_mut() = Some((id, rx)));
    let store = store.clone();
    spawn_local(async move {
        let _taken = tx.send(read_kept(&store, &id).await);
    });
}

/// The kept reading of `id`, if there is one (a failure to read it is as good as none).
async fn read_kept(store: &Store, id: &DocumentId) -> Option<String> {
    super::mark("giamsat:kept-get");
    let kept = store.kept_reading(&id.to_string()).await.ok().flatten();
    super::measure("giamsat:kept-get", "giamsat:kept-get");
    kept
}

impl Workspace {
    /// The reading IndexedDB kept of supervision `id`, JSON, if any; only asked before the
    /// documents are loaded.
    pub async fn kept_reading(&self, id: &DocumentId) -> Option<String> {
        if self.signals.loaded.get_untracked() {
            return None;
        }
        let early = EARLY.with(|e| e.borrow_mut().take());
        match early {
            Some((early, rx)) if early == *id => rx.await.ok().flatten(),
            _ => read_kept(&self.store, id).await,
        }
    }

    /// Show supervision `id` from its kept reading until its document is loaded. False if
    /// the reading is not this build's, or the documents are loaded already.
    pub fn adopt_kept(&self, id: &DocumentId, kept: &str) -> bool {
        if self.signals.loaded.get_untracked() {
            return false;
        }
        super::mark("giamsat:kept-decode");
        let decoded = shared::kept::decode(kept);
        super::measure("giamsat:kept-decode", "giamsat:kept-decode");
        match decoded {
            Ok(reading) => {
                self.kept_at
                    .borrow_mut()
                    .insert(*id, reading.heads().to_vec());
                self.readings.borrow_mut().entry(*id).or_insert(reading);
                true
            }
            Err(e) => {
                web_sys::console::warn_1(&format!("supervision {id}: {e}").into());
                false
            }
        }
    }

    /// Keep the reading of `id` once it has gone [`QUIET_MS`] without a change written.
    pub(super) fn keep_soon(&self, id: DocumentId) {
        if !self.readings.borrow().contains_key(&id) {
            return;
        }
        let round = {
            let mut rounds = self.keep_rounds.borrow_mut();
            let round = rounds.entry(id).or_default();
            *round += 1;
            *round
        };
        let w = ws();
        spawn_local(async move {
            TimeoutFuture::new(QUIET_MS).await;
            if w.keep_rounds.borrow().get(&id) == Some(&round) {
                w.keep_now(id);
            }
        });
    }

    /// Keep now every reading waiting to be kept (the page is being hidden).
    pub fn keep_waiting(&self) {
        let waiting: Vec<DocumentId> = self.keep_rounds.borrow().keys().copied().collect();
        for id in waiting {
            self.keep_now(id);
        }
    }

    /// Keep the reading of `id` if it is what IndexedDB holds of the document: nothing being
    /// written or waiting to be (the reading is brought to the document's heads).
    fn keep_now(&self, id: DocumentId) {
        let w = ws();
        spawn_local(async move {
            // Checked and written in one turn: a write begun after this one deletes it.
            let Some((kept, heads)) = w.reading_to_keep(&id) else {
                return;
            };
            w.keep_rounds.borrow_mut().remove(&id);
            match w.store.keep_reading(&id.to_string(), &kept).await {
                // Unless a write deleted it meanwhile (its transaction came after this one).
                Ok(())
                    if w.journals.borrow().get(&id).map(|j| j.journal.written())
                        == Some(heads.as_slice()) =>
                {
                    w.kept_at.borrow_mut().insert(id, heads);
                }
                Ok(()) => {}
                // A hint for the next open only: the document itself is stored.
                Err(e) => {
                    web_sys::console::warn_1(&format!("could not keep a reading: {e}").into())
                }
            }
        });
    }

    fn reading_to_keep(&self, id: &DocumentId) -> Option<(String, Vec<automerge::ChangeHash>)> {
        if self.saving.borrow().contains(id)
            || self.dirty.borrow().contains(id)
            || self.write_queued.borrow().contains(id)
        {
            return None;
        }
        let client = self.client.borrow();
        let doc = client.doc(id)?;
        let heads = doc.get_heads();
        let journals = self.journals.borrow();
        if journals.get(id)?.journal.written() != heads.as_slice()
            || self.kept_at.borrow().get(id) == Some(&heads)
        {
            // Not all stored yet, or kept already.
            return None;
        }
        let mut readings = self.readings.borrow_mut();
        let reading = readings.get_mut(id)?;
        if reading.heads() != heads.as_slice() {
            // Changes no view has asked to see yet.
            reading.refresh(doc).ok()?;
        }
        Some((shared::kept::encode(reading), heads))
    }
}

/// Keep the waiting readings when the page is hidden (the member switches apps, locks the
/// tablet, closes the tab): the next open is then drawn from them.
pub fn keep_when_hidden() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let hidden = document.clone();
    let listener = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
        if hidden.hidden() {
            ws().keep_waiting();
        }
    });
    use wasm_bindgen::JsCast;
    let _listening = document
        .add_event_listener_with_callback("visibilitychange", listener.as_ref().unchecked_ref());
    // The listener lives as long as the page.
    listener.forget();
}
