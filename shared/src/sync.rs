//! The client side of sync, as a state machine: events in (connected, a frame, disconnected,
//! a local change), frames out. No IO, no clock, no randomness: the browser app and the
//! native test members drive the very same code over their own sockets.
//!
//! It speaks automerge-repo v1 (see [`crate::wire`]) to one server: `join`, wait for `peer`,
//! then one automerge sync conversation per document. A document we hold is announced with
//! `sync`; one we only want (another member's supervision) is asked for with `request`, and
//! the server may answer `doc-unavailable` (not there yet); [`SyncClient::retry`] asks again.
//!
//! "Confirmed" follows DESIGN.md decision 10: a change is confirmed when the heads the server
//! reported in its sync messages cover it. Until then [`SyncClient::pending`] counts it.

use std::collections::BTreeMap;

use automerge::sync::{self, SyncDoc};
use automerge::{Automerge, ChangeHash, ReadDoc};
use thiserror::Error;

use crate::ids::DocumentId;
use crate::wire::{DocMessage, PeerMetadata, WireError, WireMessage};

/// What goes wrong on the wire, from the client's side. The connection should be closed.
#[derive(Debug, Error)]
pub enum SyncError {
    #[error(transparent)]
    Wire(#[from] WireError),
    #[error("the server sent a sync message that does not decode: {0}")]
    BadSyncMessage(String),
    #[error("the server's changes could not be applied: {0}")]
    Apply(String),
}

/// What happened on the connection.
#[derive(Debug)]
pub enum Event<'a> {
    /// The socket opened.
    Connected,
    /// One binary frame arrived.
    Frame(&'a [u8]),
    /// The socket closed or failed.
    Disconnected,
}

/// What the caller must do after an event.
#[derive(Debug, Default, PartialEq)]
pub struct Output {
    /// Frames to send, in order.
    pub frames: Vec<Vec<u8>>,
    /// Documents whose content changed by changes from the server.
    pub changed: Vec<DocumentId>,
    /// Documents whose confirmed heads moved (the pending count may have dropped).
    pub confirmed: Vec<DocumentId>,
    /// Documents the server does not have (yet).
    pub unavailable: Vec<DocumentId>,
    /// The server sent an error: close the connection; this is its message.
    pub server_error: Option<String>,
    /// Ephemeral messages (presence) from other peers: (document, sender, payload).
    pub ephemeral: Vec<(DocumentId, String, Vec<u8>)>,
    /// What each merge wrote, when the client notes it ([`SyncClient::with_touched`]): feed
    /// it to `crate::reading::Reading::follow`.
    pub merged: Vec<Merged>,
}

/// One document moved from `before` to its current heads; `touched` says what the merge
/// wrote (`None`: not known, read it all).
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    pub doc: DocumentId,
    pub before: Vec<ChangeHash>,
    pub touched: Option<Vec<crate::touched::Touched>>,
}

impl Output {
    fn merge(&mut self, other: Output) {
        self.frames.extend(other.frames);
        self.changed.extend(other.changed);
        self.confirmed.extend(other.confirmed);
        self.unavailable.extend(other.unavailable);
        self.ephemeral.extend(other.ephemeral);
        self.merged.extend(other.merged);
        if other.server_error.is_some() {
            self.server_error = other.server_error;
        }
    }
}

/// Where the link to the server stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    Offline,
    /// `join` sent, waiting for `peer`.
    Joining,
    /// Handshake done; documents sync.
    Ready {
        server_id: String,
    },
}

/// Whether we hold a document, or are waiting for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplicaStatus {
    /// We hold content (created here, loaded, or received).
    Held,
    /// We asked the server for it and wait.
    Wanted,
    /// The server said it does not have it; ask again with [`SyncClient::retry`].
    Unavailable,
}

/// One document as this client holds it, with its sync conversation.
#[derive(Debug)]
struct Replica {
    doc: Automerge,
    sync: sync::State,
    status: ReplicaStatus,
    /// The server's heads as last reported: everything they cover is confirmed.
    confirmed: Vec<ChangeHash>,
}

/// The sans-IO sync client: one per device, talking to one server.
#[derive(Debug)]
pub struct SyncClient {
    peer_id: String,
    link: Link,
    replicas: BTreeMap<DocumentId, Replica>,
    /// The actors whose changes count as this device's own (for [`SyncClient::pending`]).
    own_actors: Vec<automerge::ActorId>,
    /// Ephemeral session id and message counter (automerge-repo dedupes on the pair).
    session_id: String,
    ephemeral_count: u64,
    /// Note what each merge wrote (the app keeps its reading up to date with it).
    note_touched: bool,
}

impl SyncClient {
    /// A client that will introduce itself as `peer_id`.
    pub fn new(peer_id: impl Into<String>) -> Self {
        let peer_id = peer_id.into();
        Self {
            session_id: peer_id.clone(),
            peer_id,
            link: Link::Offline,
            replicas: BTreeMap::new(),
            own_actors: Vec::new(),
            ephemeral_count: 0,
            note_touched: false,
        }
    }

    /// Report what every merge wrote ([`Output::merged`], [`crate::touched`]). Off by
    /// default: it costs, and only a screen showing the document needs it.
    pub fn with_touched(mut self) -> Self {
        self.note_touched = true;
        self
    }

    /// Count changes by these actors as this device's own, besides each document's current
    /// actor (a device that used other actors before a reload still sees those pending).
    pub fn set_own_actors(&mut self, actors: Vec<automerge::ActorId>) {
        self.own_actors = actors;
    }

    /// Send an ephemeral message (presence) about `id` to everyone syncing it.
    pub fn broadcast(&mut self, id: DocumentId, data: Vec<u8>) -> Output {
        let Link::Ready { server_id } = &self.link else {
            return Output::default();
        };
        self.ephemeral_count += 1;
        let msg = WireMessage::Ephemeral {
            sender_id: self.peer_id.clone(),
            target_id: server_id.clone(),
            document_id: id,
            count: self.ephemeral_count,
            session_id: self.session_id.clone(),
            data,
        };
        Output {
            frames: vec![msg.encode()],
            ..Output::default()
        }
    }

    pub fn peer_id(&self) -> &str {
        &self.peer_id
    }

    pub fn link(&self) -> &Link {
        &self.link
    }

    /// Hold `doc` under `id` (created here or loaded from storage). `confirmed` are the server
    /// heads last known to cover it (stored with the document), empty if never confirmed.
    pub fn insert(&mut self, id: DocumentId, doc: Automerge, confirmed: Vec<ChangeHash>) -> Output {
        self.replicas.insert(
            id,
            Replica {
                doc,
                sync: sync::State::new(),
                status: ReplicaStatus::Held,
                confirmed,
            },
        );
        self.generate(id)
    }

    /// Ask the server for a document we do not hold (no-op if we hold it).
    pub fn want(&mut self, id: DocumentId) -> Output {
        if self.replicas.contains_key(&id) {
            return Output::default();
        }
        self.replicas.insert(
            id,
            Replica {
                doc: Automerge::new(),
                sync: sync::State::new(),
                status: ReplicaStatus::Wanted,
                confirmed: Vec::new(),
            },
        );
        self.generate(id)
    }

    /// Ask again for a document the server said it did not have.
    pub fn retry(&mut self, id: DocumentId) -> Output {
        match self.replicas.get_mut(&id) {
            Some(r) if r.status == ReplicaStatus::Unavailable => {
                r.status = ReplicaStatus::Wanted;
                r.sync = sync::State::new();
                self.generate(id)
            }
            _ => Output::default(),
        }
    }

    pub fn status(&self, id: &DocumentId) -> Option<ReplicaStatus> {
        self.replicas.get(id).map(|r| r.status)
    }

    /// The document, if we hold it.
    pub fn doc(&self, id: &DocumentId) -> Option<&Automerge> {
        self.replicas
            .get(id)
            .filter(|r| r.status == ReplicaStatus::Held)
            .map(|r| &r.doc)
    }

    /// Change a held document without sending anything yet: the caller first makes the change
    /// durable on the device, then calls [`SyncClient::announce`]. Returns `edit`'s result.
    pub fn edit<T>(
        &mut self,
        id: &DocumentId,
        edit: impl FnOnce(&mut Automerge) -> T,
    ) -> Option<T> {
        let r = self
            .replicas
            .get_mut(id)
            .filter(|r| r.status == ReplicaStatus::Held)?;
        Some(edit(&mut r.doc))
    }

    /// Send whatever the server has not seen of `id` yet (after [`SyncClient::edit`]).
    pub fn announce(&mut self, id: &DocumentId) -> Output {
        self.generate(*id)
    }

    /// The ids of every document this client holds or wants.
    pub fn ids(&self) -> impl Iterator<Item = &DocumentId> {
        self.replicas.keys()
    }

    /// The server heads last known to cover this document (store them with it).
    pub fn confirmed_heads(&self, id: &DocumentId) -> &[ChangeHash] {
        self.replicas
            .get(id)
            .map(|r| r.confirmed.as_slice())
            .unwrap_or(&[])
    }

    /// How many of this device's changes to `id` the server has not confirmed yet.
    pub fn pending(&self, id: &DocumentId) -> usize {
        let Some(r) = self.replicas.get(id) else {
            return 0;
        };
        // The usual case after a frame, answered without building any change: every head is
        // one the server holds, so nothing here is unconfirmed.
        if r.doc.get_heads().iter().all(|h| r.confirmed.contains(h)) {
            return 0;
        }
        let known: Vec<ChangeHash> = r
            .confirmed
            .iter()
            .copied()
            .filter(|h| r.doc.get_change_by_hash(h).is_some())
            .collect();
        let me = r.doc.get_actor();
        r.doc
            .get_changes(&known)
            .iter()
            .filter(|c| c.actor_id() == me || self.own_actors.contains(c.actor_id()))
            .count()
    }

    /// Feed one event; returns the frames to send and what changed.
    pub fn handle(&mut self, event: Event<'_>) -> Result<Output, SyncError> {
        match event {
            Event::Connected => {
                self.link = Link::Joining;
                for r in self.replicas.values_mut() {
                    r.sync = sync::State::new();
                    // A new connection is a new chance: ask again for what was missing.
                    if r.status == ReplicaStatus::Unavailable {
                        r.status = ReplicaStatus::Wanted;
                    }
                }
                let join = WireMessage::Join {
                    sender_id: self.peer_id.clone(),
                    peer_metadata: PeerMetadata {
                        storage_id: None,
                        is_ephemeral: false,
                    },
                    supported_protocol_versions: vec!["1".into()],
                };
                Ok(Output {
                    frames: vec![join.encode()],
                    ..Output::default()
                })
            }
            Event::Disconnected => {
                self.link = Link::Offline;
                Ok(Output::default())
            }
            Event::Frame(bytes) => self.receive(WireMessage::decode(bytes)?),
        }
    }

    fn receive(&mut self, msg: WireMessage) -> Result<Output, SyncError> {
        match msg {
            WireMessage::Peer { sender_id, .. } => {
                self.link = Link::Ready {
                    server_id: sender_id,
                };
                let mut out = Output::default();
                let ids: Vec<DocumentId> = self.replicas.keys().copied().collect();
                for id in ids {
                    out.merge(self.generate(id));
                }
                Ok(out)
            }
            WireMessage::Sync(m) | WireMessage::Request(m) => self.receive_sync(m),
            WireMessage::DocUnavailable { document_id, .. } => {
                let mut out = Output::default();
                if let Some(r) = self.replicas.get_mut(&document_id)
                    && r.doc.get_heads().is_empty()
                {
                    r.status = ReplicaStatus::Unavailable;
                    r.sync = sync::State::new();
                    out.unavailable.push(document_id);
                }
                Ok(out)
            }
            WireMessage::Error { message } => {
                self.link = Link::Offline;
                Ok(Output {
                    server_error: Some(message),
                    ..Output::default()
                })
            }
            WireMessage::Ephemeral {
                document_id,
                sender_id,
                data,
                ..
            } => Ok(Output {
                ephemeral: vec![(document_id, sender_id, data)],
                ..Output::default()
            }),
            WireMessage::Join { .. }
            | WireMessage::Leave { .. }
            | WireMessage::RemoteSubscriptionChange { .. }
            | WireMessage::RemoteHeadsChanged { .. }
            | WireMessage::Unknown { .. } => Ok(Output::default()),
        }
    }

    fn receive_sync(&mut self, m: DocMessage) -> Result<Output, SyncError> {
        let message = crate::sync_guard::decode(&m.data).map_err(SyncError::BadSyncMessage)?;
        let id = m.document_id;
        let r = self.replicas.entry(id).or_insert_with(|| Replica {
            doc: Automerge::new(),
            sync: sync::State::new(),
            status: ReplicaStatus::Wanted,
            confirmed: Vec::new(),
        });
        let before = r.doc.get_heads();
        let incoming = if self.note_touched {
            crate::touched::expect(&r.doc, message.changes.iter())
        } else {
            None
        };
        r.doc
            .receive_sync_message(&mut r.sync, message)
            .map_err(|e| SyncError::Apply(e.to_string()))?;
        let mut out = Output::default();
        if r.doc.get_heads() != before {
            out.changed.push(id);
            if self.note_touched {
                out.merged.push(Merged {
                    doc: id,
                    touched: incoming.and_then(|i| crate::touched::touched(&r.doc, &i)),
                    before,
                });
            }
        }
        if !r.doc.get_heads().is_empty() {
            r.status = ReplicaStatus::Held;
        }
        if let Some(theirs) = &r.sync.their_heads
            && *theirs != r.confirmed
        {
            r.confirmed = theirs.clone();
            out.confirmed.push(id);
        }
        out.merge(self.generate(id));
        Ok(out)
    }

    /// The next sync message for one document, if the link is up and there is something to say.
    fn generate(&mut self, id: DocumentId) -> Output {
        let Link::Ready { server_id } = &self.link else {
            return Output::default();
        };
        let Some(r) = self.replicas.get_mut(&id) else {
            return Output::default();
        };
        if r.status == ReplicaStatus::Unavailable {
            return Output::default();
        }
        let Some(message) = r.doc.generate_sync_message(&mut r.sync) else {
            return Output::default();
        };
        let m = DocMessage {
            sender_id: self.peer_id.clone(),
            target_id: server_id.clone(),
            document_id: id,
            data: message.encode(),
        };
        let wire = if r.doc.get_heads().is_empty() {
            WireMessage::Request(m)
        } else {
            WireMessage::Sync(m)
        };
        Output {
            frames: vec![wire.encode()],
            ..Output::default()
        }
    }
}
