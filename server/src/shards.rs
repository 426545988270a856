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

use samod::{AcceptorHandle, DocumentId, PeerId, Repo};
use shared::wire::{PeerMetadata, WireMessage};

use crate::error::ServerError;
use crate::storage::SqliteStorage;

/// The repos, their acceptors, and what the server tells a tablet about itself.
pub struct Shards {
    repos: Vec<Repo>,
    acceptors: Vec<AcceptorHandle>,
    peer_id: PeerId,
    storage_id: Option<String>,
}

impl Shards {
    /// Load `count` repos (at least one) over one storage and one share policy.
    pub async fn load<P>(
        count: usize,
        storage: SqliteStorage,
        policy: P,
    ) -> Result<Self, ServerError>
    where
        P: samod::SharePolicy,
    {
        let peer_id = PeerId::from(format!("giamsat-server-{}", uuid_like()));
        let mut repos = Vec::with_capacity(count.max(1));
        // One after the other: the first one writes the storage id the others then read.
        for _ in 0..count.max(1) {
            let repo = Repo::build_tokio()
                .with_storage(storage.clone())
                .with_peer_id(peer_id.clone())
                .with_share_policy(policy.clone())
                .load()
                .await;
            repos.push(repo);
        }
        let url: samod::Url = "ws://giamsat/sync"
            .parse()
            .map_err(|e| ServerError::Startup(format!("{e}")))?;
        let mut acceptors = Vec::with_capacity(repos.len());
        for repo in &repos {
            acceptors.push(
                repo.make_acceptor(url.clone())
                    .map_err(|_| ServerError::Startup("the repo stopped while starting".into()))?,
            );
        }
        let storage_id = storage.storage_id().await?;
        Ok(Self {
            repos,
            acceptors,
            peer_id,
            storage_id,
        })
    }

    /// The server's peer id (the same for every shard).
    pub fn peer_id(&self) -> String {
        self.peer_id.to_string()
    }

    /// How many repos there are.
    pub fn len(&self) -> usize {
        self.repos.len()
    }

    /// Always false: there is at least one repo.
    pub fn is_empty(&self) -> bool {
        self.repos.is_empty()
    }

    /// Which shard holds the document with this id (its text form, as on the wire).
    pub fn index(&self, document_id: &str) -> usize {
        // FNV-1a: stable across runs and builds, unlike the std hasher.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in document_id.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        (h % self.repos.len() as u64) as usize
    }

    /// The repo that holds this document.
    pub fn repo_for(&self, id: &DocumentId) -> &Repo {
        &self.repos[self.index(&id.to_string())]
    }

    /// The repo where new documents made by the server itself (the demo) are created; the
    /// shard they hash to loads them from storage when asked.
    pub fn first(&self) -> &Repo {
        &self.repos[0]
    }

    /// Hand one connection of a tablet to shard `index`; false if that repo is stopping
    /// (or there is no such shard).
    pub fn accept(&self, index: usize, transport: samod::Transport) -> bool {
        self.acceptors
            .get(index)
            .is_some_and(|a| a.accept(transport).is_ok())
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
        for repo in &self.repos {
            repo.stop().await;
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
