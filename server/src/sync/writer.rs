//! Group commit: one thread takes every document write queued so far and commits them in
//! one transaction, then answers each. One fsync (about a millisecond here) for many
//! documents' changes, where one transaction per change capped the server at about a
//! thousand changes a second (BENCHMARKS.md, "Sync load", third session).
//!
//! If a group fails, each write in it is tried alone, so one document whose write cannot
//! be stored (a fault of its own) does not hold back the others; on a full disk they all
//! fail, and each document's engine retries.

use std::sync::Arc;
use std::sync::mpsc;

use shared::DocumentId;
use shared::engine::Write;
use shared::official::issue::Shown;
use tokio::sync::oneshot;

use super::store::DocStore;

/// At most this many writes in one transaction.
const GROUP: usize = 512;

struct Pending {
    doc: DocumentId,
    write: Write,
    /// What `/verify` shows of the document's issued versions, when they changed with this
    /// write: filed in the same transaction.
    filed: Option<Vec<Shown>>,
    done: oneshot::Sender<Result<(), String>>,
}

/// The queue to the writer thread.
#[derive(Clone)]
pub struct Writer {
    queue: mpsc::Sender<Pending>,
}

impl Writer {
    /// Start the thread; it ends when every `Writer` is dropped.
    pub fn start(store: Arc<dyn DocStore>) -> std::io::Result<Self> {
        let (queue, rx) = mpsc::channel::<Pending>();
        std::thread::Builder::new()
            .name("document-writer".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut group = vec![first];
                    while group.len() < GROUP {
                        match rx.try_recv() {
                            Ok(more) => group.push(more),
                            Err(_) => break,
                        }
                    }
                    commit(store.as_ref(), group);
                }
            })?;
        Ok(Self { queue })
    }

    /// Queue a write; the answer comes once it is committed (or has failed).
    pub fn submit(
        &self,
        doc: DocumentId,
        write: Write,
        filed: Option<Vec<Shown>>,
    ) -> oneshot::Receiver<Result<(), String>> {
        let (done, answer) = oneshot::channel();
        if let Err(mpsc::SendError(p)) = self.queue.send(Pending {
            doc,
            write,
            filed,
            done,
        }) {
            let _ = p.done.send(Err("the document writer has stopped".into()));
        }
        answer
    }
}

fn commit(store: &dyn DocStore, group: Vec<Pending>) {
    let mut writes = Vec::with_capacity(group.len());
    let mut filed = Vec::new();
    let mut dones = Vec::with_capacity(group.len());
    for p in group {
        if let Some(shown) = p.filed {
            filed.push((p.doc, shown));
        }
        writes.push((p.doc, p.write));
        dones.push(p.done);
    }
    let results: Vec<Result<(), String>> = match store.commit(&writes, &filed) {
        Ok(()) => vec![Ok(()); writes.len()],
        Err(e) if writes.len() == 1 => {
            tracing::error!("could not store changes of {}: {e}", writes[0].0);
            vec![Err(e.to_string())]
        }
        Err(_) => writes
            .iter()
            .map(|w| {
                let own: Vec<_> = filed.iter().filter(|f| f.0 == w.0).cloned().collect();
                store.commit(std::slice::from_ref(w), &own).map_err(|e| {
                    tracing::error!("could not store changes of {}: {e}", w.0);
                    e.to_string()
                })
            })
            .collect(),
    };
    for (done, result) in dones.into_iter().zip(results) {
        let _ = done.send(result);
    }
}
