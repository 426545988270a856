//! The tokio shell around `shared::engine`: one task per loaded document, a registry to find
//! it, the group-commit writer, and the storage behind one trait.
//!
//! - [`store`]: the [`store::DocStore`] trait (SQLite in [`crate::storage`]).
//! - [`writer`]: one thread commits every queued write in one transaction.
//! - [`document_task`]: runs one `DocumentEngine`, carries out its actions.
//! - [`issued`]: the check codes of issued versions, filed from the documents.
//!
//! A connection ([`crate::sync_socket`]) hands each admitted message to the task of its
//! document through [`Documents::send`], which starts the task (and with it the load) on a
//! writer's or reader's first message, and only then: presence, access changes and
//! goodbyes never load anything. Each task owns its document alone, so documents run in
//! parallel with no lock between them; the registry is split in [`REGISTRY_SLOTS`] locks
//! held only to find or add a task.
//!
//! Sync never starves HTTP: document tasks run on a runtime of their own whose threads the
//! kernel schedules after everyone else's ([`SYNC_NICENESS`]), so sign-in, `/health` and the
//! app's files answer while sync is saturated. And sync never queues without end: a
//! document's queue holds [`DOC_QUEUE`] messages, and a message that finds it full closes
//! its connection with "busy, retry" (the tablet reconnects and sends again; nothing it sent
//! was confirmed). Presence never fills more than half of it ([`PRESENCE_ROOM`]): past that
//! it is dropped, as a lost heartbeat is, and changes keep their room.
//!
//! With several replicas on one PostgreSQL database, each replica knows only its own peers
//! and its own unsaved changes (never confirmed, so never owed to anyone); what another
//! replica stores reaches the loaded documents here as [`ToDoc::Stored`] (`crate::replicas`).

pub mod document_task;
pub mod issued;
pub mod share;
pub mod store;
pub mod writer;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use automerge::{Automerge, ChangeHash};
use shared::DocumentId;
use shared::engine::{Access, ConnId, Millis};
use shared::wire::{PeerMetadata, WireMessage};
use tokio::sync::{Notify, mpsc};

use crate::accounts::Accounts;
use crate::change_quota::ChangeQuota;
use crate::error::ServerError;
use share::Shares;
use store::DocStore;

/// Messages one document's task may have waiting; past it, the sender hears "busy".
pub const DOC_QUEUE: usize = 1024;

/// Presence is taken only while this much of a document's queue is free: past it, presence
/// is dropped, not refused, so one member's flood of it never makes another member's
/// change "busy".
pub const PRESENCE_ROOM: usize = DOC_QUEUE / 2;

/// The niceness of the sync runtime's threads (0 is the default; 19 the lowest priority):
/// under full load the kernel runs HTTP first and gives sync what is left.
pub const SYNC_NICENESS: i32 = 10;

/// How many locks the registry of loaded documents is split over.
const REGISTRY_SLOTS: usize = 16;

/// What leaves for one connection: a frame, or the end with a reason.
#[derive(Debug)]
pub enum Outgoing {
    Frame(Vec<u8>),
    /// Send an `error` message with this text, then close.
    Close(String),
}

/// One connection, as the document tasks it talks to know it.
#[derive(Debug)]
pub struct Conn {
    pub id: ConnId,
    /// The peer id its messages are sent as.
    pub peer_id: String,
    pub user: i64,
    pub username: String,
    /// Its outbound queue (bounded: a task that finds it full skips this peer for now).
    pub out: mpsc::Sender<Outgoing>,
}

/// One change in a sync message, as the connection's checks saw it.
#[derive(Debug, Clone)]
pub struct ChangeAuthor {
    pub actor: String,
    pub hash: ChangeHash,
    /// By an actor registered to the connection's account.
    pub own: bool,
}

/// What a connection tells a document's task.
pub enum ToDoc {
    /// A `request` or `sync`, checked by the connection.
    Sync {
        conn: Arc<Conn>,
        access: Access,
        request: bool,
        message: automerge::sync::Message,
        changes: Vec<ChangeAuthor>,
    },
    /// Presence, to relay.
    Ephemeral {
        conn: Arc<Conn>,
        message: WireMessage,
    },
    /// The account's access changed (`None`: it may no longer open the document).
    Access {
        conn: ConnId,
        access: Option<Access>,
    },
    /// The connection closed (`user`: its account).
    Gone { conn: ConnId, user: i64 },
    /// Chunks another replica stored ([`crate::replicas`]).
    Stored(Vec<Vec<u8>>),
    /// The server is stopping: finish the write in flight and end.
    Stop,
}

/// A document's queue was full: the connection closes with "busy, retry".
#[derive(Debug)]
pub struct Busy;

impl ToDoc {
    /// The account a message comes from, for its share of the queue ([`share`]); `None`
    /// for what the server itself sends.
    fn account(&self) -> Option<i64> {
        match self {
            ToDoc::Sync { conn, .. } | ToDoc::Ephemeral { conn, .. } => Some(conn.user),
            ToDoc::Gone { user, .. } => Some(*user),
            ToDoc::Access { .. } | ToDoc::Stored(_) | ToDoc::Stop => None,
        }
    }
}

/// A loaded document's queue, and what each account holds of it.
struct Queue {
    tx: mpsc::Sender<ToDoc>,
    shares: Arc<Shares>,
}

type Slot = Mutex<HashMap<DocumentId, Queue>>;

/// Every loaded document, and what their tasks share.
pub struct Documents {
    /// The runtime every document task runs on (see [`SYNC_NICENESS`]).
    runtime: Option<tokio::runtime::Runtime>,
    slots: Vec<Slot>,
    store: Arc<dyn DocStore>,
    writer: writer::Writer,
    accounts: Accounts,
    quota: Arc<ChangeQuota>,
    peer_id: String,
    storage_id: String,
    epoch: Instant,
    stopping: AtomicBool,
    /// Document tasks running, and a wake-up when one ends (for [`Documents::stop`]).
    running: AtomicUsize,
    ended: Notify,
    next_conn: AtomicUsize,
}

impl Documents {
    /// Start the writer over `store`.
    pub fn start(
        store: Arc<dyn DocStore>,
        storage_id: String,
        accounts: Accounts,
        quota: Arc<ChangeQuota>,
    ) -> Result<Arc<Self>, ServerError> {
        let writer = writer::Writer::start(store.clone())
            .map_err(|e| ServerError::Startup(format!("cannot start the document writer: {e}")))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .thread_name("sync")
            .enable_all()
            .on_thread_start(lower_priority)
            .build()
            .map_err(|e| ServerError::Startup(format!("cannot start the sync runtime: {e}")))?;
        Ok(Arc::new(Self {
            runtime: Some(runtime),
            slots: (0..REGISTRY_SLOTS).map(|_| Slot::default()).collect(),
            store,
            writer,
            accounts,
            quota,
            peer_id: format!("giamsat-server-{}", crate::random_hex(8)),
            storage_id,
            epoch: Instant::now(),
            stopping: AtomicBool::new(false),
            running: AtomicUsize::new(0),
            ended: Notify::new(),
            next_conn: AtomicUsize::new(1),
        }))
    }

    /// A number for a new connection.
    pub fn conn_id(&self) -> ConnId {
        self.next_conn.fetch_add(1, Ordering::Relaxed) as ConnId
    }

    /// Milliseconds since the server started (the engines' clock).
    pub fn now(&self) -> Millis {
        self.epoch.elapsed().as_millis() as Millis
    }

    /// The server's peer id.
    pub fn peer_id(&self) -> &str {
        &self.peer_id
    }

    /// The `peer` answer to a tablet's `join`.
    pub fn peer_answer(&self, target: &str) -> Vec<u8> {
        WireMessage::Peer {
            sender_id: self.peer_id.clone(),
            target_id: target.to_owned(),
            peer_metadata: PeerMetadata {
                storage_id: Some(self.storage_id.clone()),
                is_ephemeral: false,
            },
            selected_protocol_version: "1".into(),
        }
        .encode()
    }

    fn slot(&self, doc: &DocumentId) -> &Slot {
        let b = doc.as_bytes();
        &self.slots[usize::from(b[0] ^ b[15]) % REGISTRY_SLOTS]
    }

    /// Hand a message to the document's task, starting it (which loads the document) if
    /// the message is a `request` or `sync`; anything else for a document not loaded is
    /// dropped (nobody there to relay to or to forget).
    pub fn send(self: &Arc<Self>, doc: DocumentId, msg: ToDoc) -> Result<(), Busy> {
        if self.stopping.load(Ordering::Relaxed) {
            return Err(Busy);
        }
        let starts = matches!(msg, ToDoc::Sync { .. });
        // Presence and goodbyes are dropped, not refused: a lost heartbeat is said again,
        // and a lost goodbye is found by the task's sweep.
        let refusal = if starts { Err(Busy) } else { Ok(()) };
        let account = msg.account();
        let mut slot = self.slot(&doc).lock().unwrap_or_else(|p| p.into_inner());
        // Sent under the lock: a task that unloads takes the same lock and checks its queue
        // is empty, so no message lands in a queue nobody reads.
        if let Some(q) = slot.get(&doc) {
            if matches!(msg, ToDoc::Ephemeral { .. }) && q.tx.capacity() < PRESENCE_ROOM {
                // Presence is lossy (the next heartbeat says it again): dropped here, so a
                // flood of it leaves the queue's other half to the members' changes.
                return Ok(());
            }
            if let Some(user) = account
                && !q.shares.take(user)
            {
                return refusal;
            }
            return match q.tx.try_send(msg) {
                Ok(()) => Ok(()),
                Err(mpsc::error::TrySendError::Full(_)) => {
                    if let Some(user) = account {
                        q.shares.release(user);
                    }
                    Err(Busy)
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {
                    slot.remove(&doc);
                    Err(Busy)
                }
            };
        }
        if !starts {
            return Ok(());
        }
        let (tx, rx) = mpsc::channel(DOC_QUEUE);
        let shares = Arc::new(Shares::default());
        if let Some(user) = account {
            shares.take(user);
        }
        let _ = tx.try_send(msg);
        slot.insert(
            doc,
            Queue {
                tx,
                shares: shares.clone(),
            },
        );
        drop(slot);
        self.running.fetch_add(1, Ordering::SeqCst);
        let docs = self.clone();
        let spawn = |f| match &self.runtime {
            Some(rt) => rt.spawn(f),
            None => tokio::spawn(f),
        };
        spawn(async move {
            document_task::run(docs.clone(), doc, rx, shares).await;
            docs.running.fetch_sub(1, Ordering::SeqCst);
            docs.ended.notify_waiters();
        });
        Ok(())
    }

    /// Whether `doc` is loaded here (its task runs).
    pub fn is_loaded(&self, doc: &DocumentId) -> bool {
        self.slot(doc)
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(doc)
    }

    /// Hand chunks another replica stored to `doc`'s task, if it is loaded, waiting for
    /// room in its queue (never dropped: it would miss those changes until it reloads).
    /// Blocks: for the replication thread, not an async task.
    pub fn deliver_stored(&self, doc: DocumentId, chunks: Vec<Vec<u8>>) {
        let tx = self
            .slot(&doc)
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&doc)
            .map(|q| q.tx.clone());
        if let Some(tx) = tx {
            // A task that ended meanwhile reads everything again when it next loads.
            let _ = tx.blocking_send(ToDoc::Stored(chunks));
        }
    }

    /// Every document loaded here.
    pub fn loaded(&self) -> Vec<DocumentId> {
        self.slots
            .iter()
            .flat_map(|s| {
                s.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .keys()
                    .copied()
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Called by a task that may unload: removes it from the registry if no message is
    /// waiting for it. True if it must end.
    fn unload(&self, doc: &DocumentId, rx: &mpsc::Receiver<ToDoc>) -> bool {
        let mut slot = self.slot(doc).lock().unwrap_or_else(|p| p.into_inner());
        if !rx.is_empty() {
            return false;
        }
        slot.remove(doc);
        true
    }

    /// The storage behind the documents.
    pub fn store(&self) -> Arc<dyn DocStore> {
        self.store.clone()
    }

    /// The document as stored (everything any tablet was told is confirmed), if it exists.
    pub async fn read_stored(&self, doc: DocumentId) -> Result<Option<Automerge>, ServerError> {
        let store = self.store.clone();
        let stored = tokio::task::spawn_blocking(move || store.load(&doc))
            .await
            .map_err(|e| ServerError::Internal(format!("storage task failed: {e}")))?
            .map_err(|e| ServerError::Internal(e.to_string()))?;
        if stored.chunks.is_empty() {
            return Ok(None);
        }
        let mut am = Automerge::new();
        for chunk in &stored.chunks {
            am.load_incremental(chunk)
                .map_err(|e| ServerError::Internal(format!("a stored chunk of {doc}: {e}")))?;
        }
        Ok(Some(am))
    }

    /// Store a document made by the server itself (the demo) under a new id.
    pub async fn create(&self, doc: Automerge) -> Result<DocumentId, ServerError> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes)
            .map_err(|e| ServerError::Internal(format!("no randomness for a document id: {e}")))?;
        let id = DocumentId::from_bytes(bytes);
        let write = shared::engine::Write {
            heads: doc.get_heads(),
            changes: Vec::new(),
            snapshot: Some(doc.save()),
        };
        // A new document has issued nothing worth filing yet (the demo issues nothing).
        let done = self.writer.submit(id, write, None);
        done.await
            .map_err(|_| ServerError::Internal("the document writer stopped".into()))?
            .map_err(ServerError::Internal)?;
        Ok(id)
    }

    /// Stop every document: each finishes the write in flight, then ends (within `bound`).
    pub async fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        for slot in &self.slots {
            let senders: Vec<_> = slot
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .values()
                .map(|q| q.tx.clone())
                .collect();
            for tx in senders {
                let _ = tx.send(ToDoc::Stop).await;
            }
        }
        loop {
            let ended = self.ended.notified();
            tokio::pin!(ended);
            // Registered before the count is read, so an end between the two is not missed.
            ended.as_mut().enable();
            if self.running.load(Ordering::SeqCst) == 0 {
                return;
            }
            ended.await;
        }
    }
}

impl Drop for Documents {
    fn drop(&mut self) {
        // Dropped from inside the server's runtime: a runtime may not block there.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// Run this thread after every other (see [`SYNC_NICENESS`]).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority on the calling thread (who = 0) only reads its arguments.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, SYNC_NICENESS);
    }
}
