//! Durability: a document is written whole to IndexedDB after every change, and only then
//! announced to the server — so a change leaves the tablet only once it is safe on it. A
//! supervision not yet registered with its delegation is written but never announced.

use automerge::ChangeHash;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::DocumentId;

use super::{Workspace, ws};

impl Workspace {
    /// Write `doc` to IndexedDB, then announce it to the server. Writes to one document never
    /// overlap: a change made during a write is written right after it.
    pub(super) fn persist(&self, doc: DocumentId) {
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
}

pub(super) fn format_heads(heads: &[ChangeHash]) -> String {
    heads
        .iter()
        .map(|h| h.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

pub(super) fn parse_heads(s: &str) -> Vec<ChangeHash> {
    s.split(',').filter_map(|h| h.parse().ok()).collect()
}
