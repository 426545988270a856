//! The sync engine split over several samod repos ("shards"), each document living in the one
//! its id hashes to.
//!
//! Why: samod 0.16 drives all of a repo's connections from one task, and on every event its
//! hub walks every connection against every loaded document. One repo therefore saturates one
//! core and slows with (connections × documents): with 1,000 members in 20 delegations it
//! delivered 2 % of edits (BENCHMARKS.md, "Sync load"). With the documents spread over
//! several repos, and a tablet's socket joined only to the repos of the documents it asks
//! about ([`crate::sync_socket`] routes each frame by its document id), each hub walks a
//! small part and the hubs run in parallel.
//!
//! To a tablet the shards are one server: they share one peer id, one storage (the SQLite
//! file; each document's keys are written only by its own shard) and one share policy, so
//! the storage id in the `peer` answer is the same whichever shard answers.
//!
//! A failure inside one shard stays inside it: samod's tasks run under `catch_unwind`
//! ([`Watched`]), and a shard whose task panicked is rebuilt from storage and its connections
//! closed ([`Shards::rebuild`]); the other shards, and the documents they hold, carry on.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use futures::FutureExt;
use samod::{AcceptorHandle, DocumentId, PeerId, Repo};
use shared::wire::{PeerMetadata, WireMessage};
use tokio::sync::{mpsc, watch};

use crate::error::ServerError;
use crate::storage::SqliteStorage;

/// One shard: its repo, where its connections are accepted, and a counter bumped each time
/// it is rebuilt (its connections watch it and close, so their tablets reconnect).
struct Slot {
    repo: Repo,
    acceptor: AcceptorHandle,
    restarts: watch::Sender<u64>,
}

/// Builds one shard's repo, on a runtime that reports a panic in any task samod spawns.
type Build = Arc<dyn Fn(Watched) -> Pin<Box<dyn Future<Output = Repo> + Send>> + Send + Sync>;

/// The repos, their acceptors, and what the server tells a tablet about itself.
pub struct Shards {
    slots: Vec<RwLock<Slot>>,
    build: Build,
    panics: mpsc::UnboundedSender<usize>,
    peer_id: PeerId,
    storage_id: Option<String>,
}

/// samod's tasks for one shard run on the server's tokio runtime, each inside
/// `catch_unwind`: a panic (automerge choking on a message our checks let through) ends that
/// task and is reported with the shard's index, instead of leaving a document that answers
/// nobody and a stop that never completes.
#[derive(Clone)]
pub struct Watched {
    handle: tokio::runtime::Handle,
    shard: usize,
    panics: mpsc::UnboundedSender<usize>,
}

impl samod::runtime::RuntimeHandle for Watched {
    fn spawn(&self, f: Pin<Box<dyn Future<Output = ()> + Send + 'static>>) {
        let (panics, shard) = (self.panics.clone(), self.shard);
        self.handle.spawn(async move {
            if AssertUnwindSafe(f).catch_unwind().await.is_err() {
                let _ = panics.send(shard);
            }
        });
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        Box::pin(tokio::time::sleep(duration))
    }
}

impl Shards {
    /// Load `count` repos (at least one) over one storage and one share policy, and watch
    /// them: a shard in which a task panicked is rebuilt from storage (see [`Shards::rebuild`]).
    pub async fn load<P>(
        count: usize,
        storage: SqliteStorage,
        policy: P,
    ) -> Result<Arc<Self>, ServerError>
    where
        P: samod::SharePolicy + Sync,
    {
        let peer_id = PeerId::from(format!("giamsat-server-{}", uuid_like()));
        let build: Build = {
            let (storage, peer_id) = (storage.clone(), peer_id.clone());
            Arc::new(move |runtime: Watched| {
                let (storage, peer_id, policy) = (storage.clone(), peer_id.clone(), policy.clone());
                Box::pin(async move {
                    Repo::builder(runtime)
                        .with_storage(storage)
                        .with_peer_id(peer_id)
                        .with_share_policy(policy)
                        .load()
                        .await
                })
            })
        };
        let (panics, mut panicked) = mpsc::unbounded_channel();
        let mut slots = Vec::with_capacity(count.max(1));
        // One after the other: the first one writes the storage id the others then read.
        for shard in 0..count.max(1) {
            slots.push(RwLock::new(Self::open(&build, &panics, shard).await?));
        }
        let storage_id = storage.storage_id().await?;
        let shards = Arc::new(Self {
            slots,
            build,
            panics,
            peer_id,
            storage_id,
        });
        let weak = Arc::downgrade(&shards);
        tokio::spawn(async move {
            while let Some(shard) = panicked.recv().await {
                let Some(shards) = weak.upgrade() else { return };
                tracing::error!(
                    "a task of sync shard {shard} panicked; rebuilding the shard from storage and closing its connections"
                );
                if let Err(e) = shards.rebuild(shard).await {
                    tracing::error!("could not rebuild sync shard {shard}: {e}");
                }
            }
        });
        Ok(shards)
    }

    async fn open(
        build: &Build,
        panics: &mpsc::UnboundedSender<usize>,
        shard: usize,
    ) -> Result<Slot, ServerError> {
        let runtime = Watched {
            handle: tokio::runtime::Handle::current(),
            shard,
            panics: panics.clone(),
        };
        let repo = build(runtime).await;
        let url: samod::Url = "ws://giamsat/sync"
            .parse()
            .map_err(|e| ServerError::Startup(format!("{e}")))?;
        let acceptor = repo
            .make_acceptor(url)
            .map_err(|_| ServerError::Startup("the repo stopped while starting".into()))?;
        Ok(Slot {
            repo,
            acceptor,
            restarts: watch::channel(0).0,
        })
    }

    /// Replace shard `k` by a repo loaded afresh from storage (everything confirmed to a
    /// tablet is on disk), and close the connections joined to the old one: their tablets
    /// reconnect and sync with the new one. The old repo is dropped without a stop (a task of
    /// it is dead, so a stop would never complete); the other shards are not touched.
    pub async fn rebuild(&self, k: usize) -> Result<(), ServerError> {
        let Some(slot) = self.slots.get(k) else {
            return Ok(());
        };
        let fresh = Self::open(&self.build, &self.panics, k).await?;
        let mut slot = slot.write().unwrap_or_else(|p| p.into_inner());
        let restarts = slot.restarts.clone();
        *slot = Slot { restarts, ..fresh };
        slot.restarts.send_modify(|n| *n += 1);
        Ok(())
    }

    /// Bumped each time shard `k` is rebuilt: a connection joined to it closes then.
    pub fn restarts(&self, k: usize) -> Option<watch::Receiver<u64>> {
        self.slots.get(k).map(|s| {
            s.read()
                .unwrap_or_else(|p| p.into_inner())
                .restarts
                .subscribe()
        })
    }

    fn slot<T>(&self, k: usize, f: impl FnOnce(&Slot) -> T) -> Option<T> {
        self.slots
            .get(k)
            .map(|s| f(&s.read().unwrap_or_else(|p| p.into_inner())))
    }

    /// The server's peer id (the same for every shard).
    pub fn peer_id(&self) -> String {
        self.peer_id.to_string()
    }

    /// How many repos there are.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Always false: there is at least one repo.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Which shard holds the document with this id (its text form, as on the wire).
    pub fn index(&self, document_id: &str) -> usize {
        // FNV-1a: stable across runs and builds, unlike the std hasher.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in document_id.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        (h % self.slots.len() as u64) as usize
    }

    /// The repo that holds this document.
    pub fn repo_for(&self, id: &DocumentId) -> Repo {
        let k = self.index(&id.to_string());
        self.slot(k, |s| s.repo.clone())
            .unwrap_or_else(|| self.first())
    }

    /// The repo where new documents made by the server itself (the demo) are created; the
    /// shard they hash to loads them from storage when asked.
    pub fn first(&self) -> Repo {
        self.slots[0]
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .repo
            .clone()
    }

    /// Hand one connection of a tablet to shard `index`; false if that repo is stopping
    /// (or there is no such shard).
    pub fn accept(&self, index: usize, transport: samod::Transport) -> bool {
        self.slot(index, |s| s.acceptor.accept(transport).is_ok())
            .unwrap_or(false)
    }

    /// The `peer` answer to a tablet's `join`, as every shard would give it.
    pub fn peer_answer(&self, target: &str) -> Vec<u8> {
        WireMessage::Peer {
            sender_id: self.peer_id.to_string(),
            target_id: target.to_owned(),
            peer_metadata: PeerMetadata {
                storage_id: self.storage_id.clone(),
                is_ephemeral: false,
            },
            selected_protocol_version: "1".into(),
        }
        .encode()
    }

    /// Stop every repo, flushing its documents to storage.
    pub async fn stop(&self) {
        for k in 0..self.slots.len() {
            if let Some(repo) = self.slot(k, |s| s.repo.clone()) {
                repo.stop().await;
            }
        }
    }
}

/// 16 random hex digits (the peer id only has to differ between server runs).
fn uuid_like() -> String {
    let mut bytes = [0u8; 8];
    // Without randomness the time will do: it too differs between runs.
    if getrandom::fill(&mut bytes).is_err() {
        bytes = (crate::now_ms() as u64).to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{Automerge, ROOT, ReadDoc};

    use super::*;
    use crate::accounts::Accounts;

    const BOUND: Duration = Duration::from_secs(10);

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panic_in_one_shard_rebuilds_it_from_storage_and_leaves_the_others_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("giamsat.sqlite3");
        let storage = SqliteStorage::open(&path).unwrap();
        let accounts = Accounts::open(&path).unwrap();
        let shards = Shards::load(2, storage, crate::share::policy(accounts))
            .await
            .unwrap();

        // Step 1: a document in each shard, stored.
        let mut ids = Vec::new();
        for k in 0..2 {
            let mut doc = Automerge::new();
            let mut tx = doc.transaction();
            tx.put(ROOT, "shard", k as i64).unwrap();
            tx.commit();
            let repo = shards.slot(k, |s| s.repo.clone()).unwrap();
            let handle = repo.create(doc).await.unwrap();
            ids.push((k, handle.document_id().clone()));
        }

        // Step 2: a task of shard 0 panics (as automerge would on a message it chokes on).
        let mut restarts0 = shards.restarts(0).unwrap();
        let restarts1 = shards.restarts(1).unwrap();
        let runtime = Watched {
            handle: tokio::runtime::Handle::current(),
            shard: 0,
            panics: shards.panics.clone(),
        };
        samod::runtime::RuntimeHandle::spawn(
            &runtime,
            Box::pin(async { panic!("a document task choked") }),
        );

        // Step 3: shard 0 is rebuilt (its connections are told), shard 1 is untouched.
        tokio::time::timeout(BOUND, restarts0.changed())
            .await
            .expect("shard 0 rebuilt within the bound")
            .unwrap();
        assert!(!restarts1.has_changed().unwrap(), "shard 1 was not rebuilt");

        // Step 4: both documents are still there, read back through their shards.
        for (k, id) in ids {
            let repo = shards.slot(k, |s| s.repo.clone()).unwrap();
            let found = tokio::time::timeout(BOUND, repo.find(id))
                .await
                .expect("found within the bound")
                .unwrap()
                .expect("the document is in storage");
            let value =
                found.with_document(|d| d.get(ROOT, "shard").unwrap().map(|(v, _)| v.as_i64()));
            assert_eq!(value, Some(Some(k as i64)));
        }

        // Step 5: the server still stops.
        tokio::time::timeout(BOUND, shards.stop())
            .await
            .expect("stopped within the bound");
    }
}
