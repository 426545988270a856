//! A deterministic world for the engine's tests: one [`DocumentEngine`], a storage kept in
//! memory that can be told to fail or to hold a write, tablets running the real
//! [`SyncClient`], per-tablet outbound queues with a capacity (a slow tablet stops reading),
//! and a fake clock. [`Network::run_until_quiet`] plays the server's shell: it answers
//! `join`, hands `request`/`sync`/`ephemeral` to the engine, carries out its actions, and
//! advances the clock to the engine's next short wake-up until nothing moves.

use std::collections::{BTreeMap, VecDeque};

use automerge::{ChangeHash, ReadDoc};

use super::{Access, Action, ConnId, DocumentEngine, Inbound, Input, Millis, Stored, Write};
use crate::ids::DocumentId;
use crate::sync::{Event, SyncClient};
use crate::wire::{PeerMetadata, WireMessage};

pub const SERVER: &str = "server";

/// The storage: every committed write, and switches to make the next ones fail or wait.
#[derive(Default)]
pub struct Store {
    pub chunks: Vec<Vec<u8>>,
    pub fail: bool,
    pub hold: bool,
    /// Writes committed, and writes refused.
    pub committed: usize,
    pub refused: usize,
    /// Heads of every committed write, in order.
    pub durable: Vec<Vec<ChangeHash>>,
}

impl Store {
    fn commit(&mut self, w: &Write) {
        if let Some(snapshot) = &w.snapshot {
            self.chunks = vec![snapshot.clone()];
        } else if !w.changes.is_empty() {
            self.chunks.push(w.changes.clone());
        }
        self.committed += 1;
        self.durable.push(w.heads.clone());
    }

    /// Whether every change behind `heads` is in a committed chunk.
    pub fn covers(&self, heads: &[ChangeHash]) -> bool {
        let mut doc = automerge::Automerge::new();
        for c in &self.chunks {
            doc.load_incremental(c).expect("stored chunks load");
        }
        heads.iter().all(|h| doc.get_change_by_hash(h).is_some())
    }
}

/// One tablet: the real sync client and the queue of frames the server sent it.
pub struct Tablet {
    pub client: SyncClient,
    pub access: Access,
    /// Frames from the server not yet read.
    pub inbox: VecDeque<Vec<u8>>,
    /// Frames to the server not yet delivered.
    pub outbox: VecDeque<Vec<u8>>,
    /// How many frames the server may queue for it.
    pub capacity: usize,
    /// A slow tablet does not read its inbox.
    pub reading: bool,
    /// Sync messages received, and the deepest its inbox ever was.
    pub syncs_received: usize,
    pub deepest: usize,
    pub unavailable: usize,
    /// Messages the engine produced that its queue could not take.
    pub overflows: usize,
    /// What its client reported each merge wrote (a client made `with_touched`), not yet
    /// taken.
    pub merged: Vec<crate::sync::Merged>,
}

pub struct Network {
    pub now: Millis,
    pub id: DocumentId,
    pub engine: DocumentEngine,
    pub store: Store,
    pub tablets: BTreeMap<ConnId, Tablet>,
    /// A write the storage is holding (when `store.hold` is on).
    pub held_write: Option<(u64, Write)>,
    /// Every message the engine sent, with the heads it advertised (sync messages only).
    pub advertised: Vec<(ConnId, Vec<ChangeHash>)>,
    pub refused: Vec<(ConnId, String)>,
    /// What the engine asked to be logged.
    pub reports: Vec<String>,
    next_conn: ConnId,
}

impl Network {
    /// A world with one document whose storage holds `chunks` (none: a new document).
    pub fn new(chunks: Vec<Vec<u8>>) -> Self {
        let id = DocumentId::from_bytes([7; 16]);
        let (engine, actions) = DocumentEngine::new(id, SERVER, 0);
        let mut net = Self {
            now: 0,
            id,
            engine,
            store: Store {
                chunks,
                ..Store::default()
            },
            tablets: BTreeMap::new(),
            held_write: None,
            advertised: Vec::new(),
            refused: Vec::new(),
            reports: Vec::new(),
            next_conn: 1,
        };
        net.perform(actions);
        net
    }

    /// Load the engine again from what the storage holds (the shell dropped it).
    pub fn reload(&mut self) {
        let (engine, actions) = DocumentEngine::new(self.id, SERVER, self.now);
        self.engine = engine;
        self.perform(actions);
    }

    /// A tablet connects (it sends `join` at once).
    pub fn connect(&mut self, name: &str, access: Access) -> ConnId {
        self.come_back(SyncClient::new(name), access)
    }

    pub fn tablet(&mut self, conn: ConnId) -> &mut Tablet {
        self.tablets.get_mut(&conn).expect("a connected tablet")
    }

    /// Run a client-side operation and queue the frames it produced.
    pub fn on_tablet(
        &mut self,
        conn: ConnId,
        f: impl FnOnce(&mut SyncClient) -> crate::sync::Output,
    ) {
        let t = self.tablet(conn);
        let out = f(&mut t.client);
        t.outbox.extend(out.frames);
    }

    /// The tablet's connection drops; its client (with its documents) is kept to come back.
    pub fn go_offline(&mut self, conn: ConnId) -> Option<SyncClient> {
        let mut t = self.tablets.remove(&conn)?;
        let _ = t.client.handle(Event::Disconnected);
        self.input(Input::Gone(conn));
        Some(t.client)
    }

    /// A tablet that was offline connects again with what it holds (it sends `join`).
    pub fn come_back(&mut self, mut client: SyncClient, access: Access) -> ConnId {
        let conn = self.next_conn;
        self.next_conn += 1;
        let out = client.handle(Event::Connected).expect("connects");
        self.tablets.insert(
            conn,
            Tablet {
                client,
                access,
                inbox: VecDeque::new(),
                outbox: out.frames.into(),
                capacity: 64,
                reading: true,
                syncs_received: 0,
                deepest: 0,
                unavailable: 0,
                overflows: 0,
                merged: Vec::new(),
            },
        );
        conn
    }

    /// The tablet's connection drops.
    pub fn disconnect(&mut self, conn: ConnId) {
        if let Some(mut t) = self.tablets.remove(&conn) {
            let _ = t.client.handle(Event::Disconnected);
        }
        self.input(Input::Gone(conn));
    }

    /// Hand one input to the engine and carry out what it asks.
    pub fn input(&mut self, input: Input) {
        let tablets = &self.tablets;
        let room = |c: ConnId| tablets.get(&c).is_some_and(|t| t.inbox.len() < t.capacity);
        let actions = self.engine.handle(self.now, input, &room);
        self.perform(actions);
    }

    fn perform(&mut self, actions: Vec<Action>) {
        for action in actions {
            match action {
                Action::Load => {
                    let stored = Stored {
                        chunks: self.store.chunks.clone(),
                    };
                    self.input(Input::Loaded(stored));
                }
                Action::Send { conn, message } => {
                    if let WireMessage::Sync(m) = &message {
                        let msg = automerge::sync::Message::decode(&m.data).expect("decodes");
                        self.advertised.push((conn, msg.heads));
                    }
                    let Some(t) = self.tablets.get_mut(&conn) else {
                        // Gone before the message left: the shell tells the engine.
                        self.input(Input::Gone(conn));
                        continue;
                    };
                    if t.inbox.len() >= t.capacity {
                        // As the shell does: the queue refused it, the conversation restarts.
                        t.overflows += 1;
                        self.input(Input::Undelivered(conn));
                        continue;
                    }
                    t.inbox.push_back(message.encode());
                    t.deepest = t.deepest.max(t.inbox.len());
                }
                Action::Write { ticket, write } => {
                    if self.store.hold {
                        self.held_write = Some((ticket, write));
                    } else {
                        self.finish_write(ticket, write);
                    }
                }
                Action::Refuse { conn, reason } => {
                    self.refused.push((conn, reason));
                    self.tablets.remove(&conn);
                }
                Action::Report(problem) => self.reports.push(problem),
            }
        }
    }

    fn finish_write(&mut self, ticket: u64, write: Write) {
        let result = if self.store.fail {
            self.store.refused += 1;
            Err("disk full".to_owned())
        } else {
            self.store.commit(&write);
            Ok(())
        };
        self.input(Input::Written { ticket, result });
    }

    /// The storage lets the write it held through.
    pub fn release_write(&mut self) {
        if let Some((ticket, write)) = self.held_write.take() {
            self.finish_write(ticket, write);
        }
    }

    /// Deliver every frame in both directions, and follow the engine's wake-ups (fan-out,
    /// a stalled peer, a write retry) up to `horizon` ms from now, until nothing moves.
    /// Returns how far the clock went.
    pub fn run_until_quiet_within(&mut self, horizon: Millis) -> Millis {
        let start = self.now;
        for _ in 0..100_000 {
            if self.deliver_one() {
                continue;
            }
            match self.engine.next_wake() {
                Some(t) if t <= start + horizon => {
                    self.now = self.now.max(t);
                    self.input(Input::Tick);
                    if self.engine.next_wake() == Some(t) {
                        return self.now - start;
                    }
                }
                _ => return self.now - start,
            }
        }
        panic!("the network never went quiet");
    }

    pub fn run_until_quiet(&mut self) -> Millis {
        self.run_until_quiet_within(1_000)
    }

    /// The next frame from tablet `conn` reaches the server. False if it had none.
    pub fn deliver_from(&mut self, conn: ConnId) -> bool {
        let Some(t) = self.tablets.get_mut(&conn) else {
            return false;
        };
        let access = t.access;
        let Some(frame) = t.outbox.pop_front() else {
            return false;
        };
        self.hand_to_server(conn, access, &frame);
        true
    }

    /// Tablet `conn` reads the next frame the server sent it. False if it had none.
    pub fn deliver_to(&mut self, conn: ConnId) -> bool {
        let Some(frame) = self
            .tablets
            .get_mut(&conn)
            .and_then(|t| t.inbox.pop_front())
        else {
            return false;
        };
        self.tablet_reads(conn, &frame);
        true
    }

    /// One frame, tablet to server first, then server to tablet. False if none moved.
    fn deliver_one(&mut self) -> bool {
        let to_server = self
            .tablets
            .iter_mut()
            .find_map(|(c, t)| t.outbox.pop_front().map(|f| (*c, t.access, f)));
        if let Some((conn, access, frame)) = to_server {
            self.hand_to_server(conn, access, &frame);
            return true;
        }
        let to_tablet = self.tablets.iter_mut().find_map(|(c, t)| {
            if t.reading {
                t.inbox.pop_front().map(|f| (*c, f))
            } else {
                None
            }
        });
        let Some((conn, frame)) = to_tablet else {
            return false;
        };
        self.tablet_reads(conn, &frame);
        true
    }

    fn tablet_reads(&mut self, conn: ConnId, frame: &[u8]) {
        let t = self.tablet(conn);
        let out = t
            .client
            .handle(Event::Frame(frame))
            .expect("the tablet reads it");
        match WireMessage::decode(frame) {
            Ok(WireMessage::Sync(_)) => t.syncs_received += 1,
            Ok(WireMessage::DocUnavailable { .. }) => t.unavailable += 1,
            _ => {}
        }
        t.merged.extend(out.merged);
        t.outbox.extend(out.frames);
    }

    /// The shell's part: answer `join`, hand the rest to the engine.
    fn hand_to_server(&mut self, conn: ConnId, access: Access, frame: &[u8]) {
        match WireMessage::decode(frame).expect("a tablet's frame decodes") {
            WireMessage::Join { sender_id, .. } => {
                let answer = WireMessage::Peer {
                    sender_id: SERVER.into(),
                    target_id: sender_id,
                    peer_metadata: PeerMetadata::default(),
                    selected_protocol_version: "1".into(),
                };
                self.tablet(conn).inbox.push_back(answer.encode());
            }
            WireMessage::Request(m) => self.sync_from(conn, access, true, m),
            WireMessage::Sync(m) => self.sync_from(conn, access, false, m),
            e @ WireMessage::Ephemeral { .. } => self.input(Input::Ephemeral { conn, message: e }),
            other => panic!("unexpected frame from a tablet: {other:?}"),
        }
    }

    fn sync_from(
        &mut self,
        conn: ConnId,
        access: Access,
        request: bool,
        m: crate::wire::DocMessage,
    ) {
        let message = crate::sync_guard::decode(&m.data).expect("checked");
        // As the server's shell does: the hashes its checks read.
        let change_hashes = message
            .changes
            .iter()
            .map(|c| crate::authors::changes_in(c).expect("checked"))
            .flat_map(|c| c.into_iter().map(|(_, hash)| hash))
            .collect();
        self.input(Input::Message(Inbound {
            conn,
            peer_id: m.sender_id,
            access,
            request,
            message,
            change_hashes: Some(change_hashes),
        }));
    }

    /// The document as tablet `conn` holds it.
    pub fn heads_of(&self, conn: ConnId) -> Vec<ChangeHash> {
        self.tablets[&conn]
            .client
            .doc(&self.id)
            .map(|d| d.get_heads())
            .unwrap_or_default()
    }
}
