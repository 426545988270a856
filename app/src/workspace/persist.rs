//! Durability: after every change, what changed of a document is appended to IndexedDB (or,
//! once the appended chunks outweigh it, the document is written whole in their place; see
//! `shared::journal`), and only then announced to the server — so a change leaves the tablet
//! only once it is safe on it. A supervision not yet registered with its delegation is written
//! but never announced.

use automerge::ChangeHash;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::DocumentId;
use shared::journal::{Journal, Write};

use crate::store::{ChunkKey, StoreError};

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
            let mut wrote = false;
            loop {
                w.dirty.borrow_mut().remove(&doc);
                let next = {
                    let client = w.client.borrow();
                    let journals = w.journals.borrow();
                    client.doc(&doc).map(|d| {
                        let (write, heads) = journals
                            .get(&doc)
                            .map(|j| j.journal.next(d))
                            .unwrap_or_else(|| Journal::default().next(d));
                        (write, heads, format_heads(client.confirmed_heads(&doc)))
                    })
                };
                let Some((write, heads, confirmed)) = next else {
                    break;
                };
                match w.write(doc, &write, &confirmed).await {
                    Ok(()) => {
                        if write != Write::Nothing {
                            // The same transaction deleted the kept reading.
                            w.kept_at.borrow_mut().remove(&doc);
                            wrote = true;
                        }
                        w.journals
                            .borrow_mut()
                            .entry(doc)
                            .or_default()
                            .journal
                            .wrote(&write, heads);
                        w.signals.storage_error.set(None);
                        // The list's title follows what is stored.
                        w.refresh_titles(&[doc]);
                    }
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
            if wrote {
                // What is stored changed (and its kept reading was dropped): keep it again
                // once the document is quiet.
                w.keep_soon(doc);
            }
        });
    }
}

/// How long changes from the server wait before they are written: they are durable on the
/// server already, so another member's typing costs one write per this many milliseconds,
/// not one per keystroke (the member's own changes are written at once, before sending).
pub(super) const REMOTE_WRITE_MS: u32 = 200;

impl Workspace {
    /// Write `doc` to IndexedDB within [`REMOTE_WRITE_MS`] (changes that came from the server).
    pub(super) fn persist_soon(&self, doc: DocumentId) {
        if !self.write_queued.borrow_mut().insert(doc) {
            return;
        }
        let w = ws();
        spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(REMOTE_WRITE_MS).await;
            w.write_queued.borrow_mut().remove(&doc);
            w.persist(doc);
        });
    }

    /// Do one write of document `doc` (nothing, a chunk, or a snapshot), with its confirmed
    /// heads. A snapshot also drops the chunks read at start, which it covers.
    async fn write(
        &self,
        doc: DocumentId,
        write: &Write,
        confirmed: &str,
    ) -> Result<(), StoreError> {
        let id = doc.to_string();
        let page_actor = self.actor.to_hex_string();
        match write {
            Write::Nothing => Ok(()),
            Write::Chunk(bytes) => {
                let seq = self
                    .journals
                    .borrow_mut()
                    .entry(doc)
                    .or_default()
                    .take_seq();
                let key = ChunkKey {
                    doc: id,
                    page_actor,
                    seq,
                };
                self.store.append_chunk(&key, bytes, confirmed).await
            }
            Write::Snapshot(bytes) => {
                let loaded = self
                    .journals
                    .borrow()
                    .get(&doc)
                    .map(|j| j.loaded_keys.clone())
                    .unwrap_or_default();
                self.store
                    .write_snapshot(&id, &page_actor, &loaded, bytes, confirmed)
                    .await?;
                if let Some(j) = self.journals.borrow_mut().get_mut(&doc) {
                    j.loaded_keys.clear();
                }
                Ok(())
            }
        }
    }
}

/// What IndexedDB holds of one document: the journal, the keys of the chunks read at start
/// (a snapshot written by this page covers them), and this page's next chunk number.
#[derive(Default)]
pub(super) struct Written {
    pub journal: Journal,
    pub loaded_keys: Vec<String>,
    next_seq: u64,
}

impl Written {
    pub fn loaded(journal: Journal, loaded_keys: Vec<String>) -> Self {
        Self {
            journal,
            loaded_keys,
            next_seq: 0,
        }
    }

    fn take_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
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
