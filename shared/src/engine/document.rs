//! [`DocumentEngine`]: one loaded document on the server, its peers, and the order in which
//! things happen to it (see the module map in [`super`]).
//!
//! The order, each time an input arrives ([`DocumentEngine::handle`] → `step`):
//!
//! 1. While the document loads, or a write is in flight, inbound messages are held.
//! 2. If changes are not yet on disk, they go out as one [`Write`] (or wait for a retry).
//! 3. Everything is on disk: peers owed an answer get it now, dirty peers as soon as they
//!    have answered the last news they were sent (or after
//!    [`DocumentEngine::fanout_interval`] without an answer), each only if its outbound
//!    queue has room.
//! 4. Held messages are applied, all of them, then back to 2.
//!
//! So a batch of messages that arrived together costs one write and one message per peer,
//! and no head is ever advertised before the write holding it is confirmed. Never any IO.

use std::collections::{BTreeMap, VecDeque};

use automerge::sync::SyncDoc;
use automerge::{Automerge, ChangeHash, ReadDoc};

use super::peer::{Peer, Since};
use super::recent::Recent;
use super::{
    Access, Action, COMPACT_AFTER_CHUNKS, COMPACT_MIN_BYTES, COMPACT_WHEN_QUIET_MS, ConnId,
    FANOUT_INTERVAL_MAX_MS, FANOUT_INTERVAL_MIN_MS, FANOUT_PEERS_SQUARED_PER_MS, Inbound, Input,
    MAX_HELD, MAX_PEERS, Millis, STALLED_RECHECK_MS, Stored, UNLOAD_AFTER_MS, WRITE_RETRY_MAX_MS,
    WRITE_RETRY_MS, Write,
};
use crate::ids::DocumentId;
use crate::wire::{DocMessage, WireMessage};

/// Where the document stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Asked the storage for it.
    Loading,
    /// Loaded. Empty when the storage had nothing: a writer's `sync` then brings it
    /// (a new supervision); a `request` or an observer is told `doc-unavailable` and waits.
    Ready,
    /// The storage could not be read: nothing is created or compacted over what it may
    /// hold; every message is answered `doc-unavailable` until the shell drops the engine.
    Failed,
}

/// A write the storage has not confirmed yet.
#[derive(Debug)]
struct InFlight {
    ticket: u64,
    write: Write,
}

/// What is stored of the document, for deciding when to compact.
#[derive(Debug, Default)]
struct OnDisk {
    /// The heads of everything confirmed written (what peers may be told).
    heads: Vec<ChangeHash>,
    /// Chunks written since the last snapshot, and their bytes.
    chunks: usize,
    chunk_bytes: usize,
    /// The size of the last snapshot.
    snapshot_bytes: usize,
}

/// The bytes of the changes applied since the last write began, exactly as their authors
/// sent them: the next write stores these instead of asking automerge to rebuild them from
/// the op set (`save_after`, a walk of the change graph and a re-encoding of every change).
/// When something was applied that is not here (a message that failed half-way, changes
/// waiting for a dependency), `exact` is false and the next write asks automerge.
#[derive(Debug)]
struct Unsaved {
    bytes: Vec<u8>,
    exact: bool,
}

/// One document on the server: the automerge document, each peer's conversation, and what
/// is on disk.
#[derive(Debug)]
pub struct DocumentEngine {
    id: DocumentId,
    /// Our peer id, as the sender of every message we write.
    server_peer: String,
    phase: Phase,
    doc: Automerge,
    peers: BTreeMap<ConnId, Peer>,
    /// Messages waiting for the load or for the write in flight (at most [`MAX_HELD`]).
    held: VecDeque<Inbound>,
    /// The bytes of the changes received lately, for fan-outs.
    recent: Recent,
    on_disk: OnDisk,
    unsaved: Unsaved,
    in_flight: Option<InFlight>,
    next_ticket: u64,
    /// Consecutive failed writes, and when to try again.
    failures: u32,
    retry_at: Option<Millis>,
    /// When the last fan-out to dirty peers happened, and when the next one is due.
    last_fanout: Option<Millis>,
    fanout_at: Option<Millis>,
    /// The last time anything happened to the document.
    last_input: Millis,
    /// When a peer skipped for a full queue should be looked at again.
    recheck_at: Option<Millis>,
    /// Chunks another replica stored, waiting for everything in memory to be on disk.
    stored_elsewhere: Vec<Vec<u8>>,
}

impl DocumentEngine {
    /// A document about to be loaded: the first action is [`Action::Load`].
    pub fn new(id: DocumentId, server_peer: impl Into<String>, now: Millis) -> (Self, Vec<Action>) {
        let engine = Self {
            id,
            server_peer: server_peer.into(),
            phase: Phase::Loading,
            doc: Automerge::new(),
            peers: BTreeMap::new(),
            held: VecDeque::new(),
            recent: Recent::default(),
            on_disk: OnDisk::default(),
            unsaved: Unsaved {
                bytes: Vec::new(),
                exact: true,
            },
            in_flight: None,
            next_ticket: 0,
            failures: 0,
            retry_at: None,
            last_fanout: None,
            fanout_at: None,
            last_input: now,
            recheck_at: None,
            stored_elsewhere: Vec::new(),
        };
        (engine, vec![Action::Load])
    }

    pub fn id(&self) -> DocumentId {
        self.id
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The document as it stands in memory (including changes not yet on disk).
    pub fn doc(&self) -> &Automerge {
        &self.doc
    }

    /// How many peers have the document open.
    pub fn peer_count(&self) -> usize {
        self.peers.len()
    }

    /// Whether the shell may hand over another inbound message now (otherwise it leaves
    /// them in its own bounded queue).
    pub fn accepts(&self) -> bool {
        self.held.len() < MAX_HELD
    }

    /// When the shell should send [`Input::Tick`] next, if ever.
    pub fn next_wake(&self) -> Option<Millis> {
        let quiet = (self.phase == Phase::Ready && self.compaction_due())
            .then_some(self.last_input + COMPACT_WHEN_QUIET_MS);
        let unload = self
            .peers
            .is_empty()
            .then_some(self.last_input + UNLOAD_AFTER_MS);
        [
            self.retry_at,
            self.fanout_at,
            self.recheck_at,
            quiet,
            unload,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Nobody has the document open, nothing waits, and it has been so for a while: the
    /// shell may drop it (everything it holds is on disk).
    pub fn may_unload(&self, now: Millis) -> bool {
        if self.phase == Phase::Failed {
            return self.held.is_empty();
        }
        self.peers.is_empty()
            && self.held.is_empty()
            && self.in_flight.is_none()
            && self.unsaved_heads().is_none()
            && now >= self.last_input + UNLOAD_AFTER_MS
            && !(self.phase == Phase::Ready && self.compaction_due())
    }

    /// One input; `room` says whether a connection's outbound queue can take a message now.
    pub fn handle(
        &mut self,
        now: Millis,
        input: Input,
        room: &dyn Fn(ConnId) -> bool,
    ) -> Vec<Action> {
        let mut out = Vec::new();
        if !matches!(input, Input::Tick) {
            self.last_input = now;
        }
        match input {
            Input::Loaded(stored) => self.loaded(stored, &mut out),
            Input::LoadFailed(reason) => {
                self.phase = Phase::Failed;
                out.push(Action::Report(format!(
                    "could not load {}: {reason}; its peers are told it is unavailable",
                    self.id
                )));
            }
            Input::Message(m) => self.held.push_back(m),
            Input::Stored(chunks) => self.stored_elsewhere.extend(chunks),
            Input::Ephemeral { conn, message } => self.relay(conn, message, room, &mut out),
            Input::Access { conn, access } => match access {
                Some(access) => {
                    if let Some(p) = self.peers.get_mut(&conn) {
                        p.set_access(access);
                    }
                }
                None => {
                    if let Some(p) = self.peers.remove(&conn) {
                        out.extend(self.unavailable(conn, &p.peer_id, room));
                    }
                    self.held.retain(|m| m.conn != conn);
                }
            },
            Input::Gone(conn) => {
                self.peers.remove(&conn);
                self.held.retain(|m| m.conn != conn);
            }
            Input::Undelivered(conn) => {
                if let Some(p) = self.peers.get_mut(&conn) {
                    p.reset();
                }
            }
            Input::Written { ticket, result } => self.written(now, ticket, result),
            Input::Tick => {}
        }
        self.step(now, room, &mut out);
        out
    }

    fn loaded(&mut self, stored: Stored, out: &mut Vec<Action>) {
        let mut doc = Automerge::new();
        let mut bytes = 0;
        for chunk in &stored.chunks {
            bytes += chunk.len();
            // A chunk that does not load is reported and skipped: the others still hold
            // their changes (a snapshot and later chunks overlap, so little is lost).
            if let Err(e) = doc.load_incremental(chunk) {
                out.push(Action::Report(format!(
                    "a stored chunk of {} does not load: {e}",
                    self.id
                )));
            }
        }
        self.on_disk = OnDisk {
            heads: doc.get_heads(),
            chunks: stored.chunks.len(),
            chunk_bytes: bytes,
            snapshot_bytes: 0,
        };
        self.phase = Phase::Ready;
        self.doc = doc;
        self.unsaved.exact = !waiting_for_dependencies(&self.doc);
    }

    fn written(&mut self, now: Millis, ticket: u64, result: Result<(), String>) {
        let Some(flight) = self.in_flight.take_if(|f| f.ticket == ticket) else {
            return;
        };
        match result {
            Ok(()) => {
                self.failures = 0;
                self.retry_at = None;
                let w = flight.write;
                if let Some(snapshot) = &w.snapshot {
                    self.on_disk.snapshot_bytes = snapshot.len();
                    self.on_disk.chunks = 0;
                    self.on_disk.chunk_bytes = 0;
                } else {
                    self.on_disk.chunks += 1;
                    self.on_disk.chunk_bytes += w.changes.len();
                }
                self.on_disk.heads = w.heads;
            }
            Err(_) => {
                // Never confirmed: the changes stay in memory, no peer hears of them, and the
                // write is tried again (rebuilt then, so it holds whatever came since).
                let mut again = flight.write.changes;
                again.append(&mut self.unsaved.bytes);
                self.unsaved.bytes = again;
                self.failures = self.failures.saturating_add(1);
                let pause = WRITE_RETRY_MS
                    .saturating_mul(1 << self.failures.min(16).saturating_sub(1))
                    .min(WRITE_RETRY_MAX_MS);
                self.retry_at = Some(now + pause);
            }
        }
    }

    /// The heads in memory, if they are not all on disk.
    fn unsaved_heads(&self) -> Option<Vec<ChangeHash>> {
        let heads = self.doc.get_heads();
        (heads != self.on_disk.heads).then_some(heads)
    }

    fn compaction_due(&self) -> bool {
        let d = &self.on_disk;
        d.chunks > COMPACT_AFTER_CHUNKS
            || (d.chunks > 1 && d.chunk_bytes >= d.snapshot_bytes.max(COMPACT_MIN_BYTES))
    }

    fn step(&mut self, now: Millis, room: &dyn Fn(ConnId) -> bool, out: &mut Vec<Action>) {
        loop {
            if self.phase == Phase::Loading || self.in_flight.is_some() {
                return;
            }
            if self.unsaved_heads().is_none() && !self.stored_elsewhere.is_empty() {
                self.merge_stored_elsewhere(out);
            }
            if let Some(heads) = self.unsaved_heads() {
                if self.retry_at.is_some_and(|t| now < t) {
                    return;
                }
                self.retry_at = None;
                let changes = if self.unsaved.exact {
                    std::mem::take(&mut self.unsaved.bytes)
                } else {
                    self.unsaved.bytes.clear();
                    // Exact again from here, unless changes still wait for a dependency.
                    self.unsaved.exact = !waiting_for_dependencies(&self.doc);
                    self.doc.save_after(&self.on_disk.heads)
                };
                self.start_write(
                    Write {
                        heads,
                        changes,
                        snapshot: None,
                    },
                    out,
                );
                return;
            }
            self.flush(now, room, out);
            if self.held.is_empty() {
                break;
            }
            let batch: Vec<Inbound> = self.held.drain(..).collect();
            for m in batch {
                self.apply(m, room, out);
            }
        }
        if self.peers.is_empty() || now >= self.last_input + COMPACT_WHEN_QUIET_MS {
            self.compact(out);
        }
    }

    /// Merge what other replicas stored. Everything in memory is on disk and so are these
    /// chunks: the heads after them are on disk too. The peers are told at the next fan-out.
    fn merge_stored_elsewhere(&mut self, out: &mut Vec<Action>) {
        if self.phase != Phase::Ready {
            self.stored_elsewhere.clear();
            return;
        }
        let before = self.doc.get_heads();
        for chunk in std::mem::take(&mut self.stored_elsewhere) {
            if let Err(e) = self.doc.load_incremental(&chunk) {
                out.push(Action::Report(format!(
                    "a chunk another replica stored for {} does not load: {e}",
                    self.id
                )));
                continue;
            }
            self.on_disk.chunks += 1;
            self.on_disk.chunk_bytes += chunk.len();
        }
        let heads = self.doc.get_heads();
        self.on_disk.heads = heads.clone();
        if heads != before {
            for p in self.peers.values_mut() {
                p.dirty = true;
            }
        }
    }

    fn start_write(&mut self, write: Write, out: &mut Vec<Action>) {
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        out.push(Action::Write {
            ticket,
            write: write.clone(),
        });
        self.in_flight = Some(InFlight { ticket, write });
    }

    /// A snapshot replacing every stored chunk, when the document is quiet and its chunks
    /// have grown past the thresholds.
    fn compact(&mut self, out: &mut Vec<Action>) {
        if self.phase != Phase::Ready || self.in_flight.is_some() || !self.compaction_due() {
            return;
        }
        let heads = self.doc.get_heads();
        let snapshot = self.doc.save();
        self.start_write(
            Write {
                heads,
                changes: Vec::new(),
                snapshot: Some(snapshot),
            },
            out,
        );
    }

    /// Apply one held message: a new peer is registered, its changes merged (nothing is
    /// sent yet), the sender is owed an answer, and everyone else is dirty if the document
    /// moved.
    fn apply(&mut self, m: Inbound, room: &dyn Fn(ConnId) -> bool, out: &mut Vec<Action>) {
        if self.phase == Phase::Failed {
            out.extend(self.unavailable(m.conn, &m.peer_id, room));
            return;
        }
        if !self.peers.contains_key(&m.conn) {
            if self.peers.len() >= MAX_PEERS {
                out.push(Action::Refuse {
                    conn: m.conn,
                    reason: format!(
                        "cuộc giám sát này đã có {MAX_PEERS} kết nối / this supervision already has {MAX_PEERS} connections"
                    ),
                });
                return;
            }
            self.peers
                .insert(m.conn, Peer::new(m.conn, m.peer_id.clone(), m.access));
        }
        let before = self.doc.get_heads();
        let Some(peer) = self.peers.get_mut(&m.conn) else {
            return;
        };
        peer.unanswered = None;
        let applies = !peer.sync.read_only && !m.message.changes.is_empty();
        let bytes: Vec<u8> = if applies {
            m.message.changes.iter().flatten().copied().collect()
        } else {
            Vec::new()
        };
        if applies && m.access == Access::Write {
            self.recent
                .remember(m.message.changes.iter(), m.change_hashes.as_deref());
        }
        if let Err(e) = self.doc.receive_sync_message(&mut peer.sync, m.message) {
            // Some of its changes may be in the document now: the next write asks
            // automerge for everything since what is on disk.
            self.unsaved.exact = false;
            self.peers.remove(&m.conn);
            out.push(Action::Refuse {
                conn: m.conn,
                reason: format!(
                    "không áp dụng được thay đổi / the changes could not be applied: {e}"
                ),
            });
            return;
        }
        let heads = self.doc.get_heads();
        if heads != before {
            self.unsaved.bytes.extend_from_slice(&bytes);
        }
        if applies && waiting_for_dependencies(&self.doc) {
            // automerge keeps changes whose dependencies it lacks aside, and applies them
            // when these arrive, in another message whose bytes are not theirs.
            self.unsaved.exact = false;
        }
        if heads.is_empty() && (m.request || m.access == Access::Read) {
            // Nobody has brought the document yet: only a writer's `sync` does (a new
            // supervision). The peer is told so and gets it as soon as it exists (it stays
            // a peer, dirty, and the first change marks it so again).
            peer.owed = false;
            out.extend(self.unavailable(m.conn, &m.peer_id, room));
            return;
        }
        peer.owed = true;
        if heads != before {
            for (conn, p) in self.peers.iter_mut() {
                if *conn != m.conn {
                    p.dirty = true;
                }
            }
        }
    }

    /// Everything in memory is on disk: answer the peers owed an answer, and send news to
    /// the dirty ones that are ready for it.
    ///
    /// A dirty peer is ready when it has answered the last news we sent it, or when the
    /// document's interval ([`Self::fanout_interval`]) has passed since (it may not answer
    /// at all); and never sooner than [`FANOUT_INTERVAL_MIN_MS`] after the document's last
    /// fan-out, so changes arriving together go out together. A peer that takes news in
    /// quickly hears of an edit within a round trip; one that is slow, or drowning, gets
    /// the edits of its round trip in one message.
    fn flush(&mut self, now: Millis, room: &dyn Fn(ConnId) -> bool, out: &mut Vec<Action>) {
        if self.phase != Phase::Ready {
            return;
        }
        let heads = self.doc.get_heads();
        let interval = self.fanout_interval();
        let earliest = self.last_fanout.map_or(now, |t| t + FANOUT_INTERVAL_MIN_MS);
        let mut next_ready: Option<Millis> = None;
        let mut stalled = false;
        let mut fanned = false;
        let mut since = Since::default();
        for (conn, peer) in self.peers.iter_mut() {
            let ready_at = peer
                .unanswered
                .map_or(earliest, |t| (t + interval).max(earliest));
            // An empty document is only answered to the writer bringing it.
            let news = peer.dirty && !heads.is_empty();
            let due = peer.owed || (news && now >= ready_at);
            if !due {
                if peer.dirty {
                    next_ready = Some(next_ready.map_or(ready_at, |t| t.min(ready_at)));
                }
                continue;
            }
            if !room(*conn) {
                stalled = true;
                continue;
            }
            fanned |= news && !peer.owed;
            if let Some(data) = peer.generate(&self.doc, &heads, &self.recent, &mut since) {
                if news {
                    peer.unanswered = Some(now);
                }
                out.push(Action::Send {
                    conn: *conn,
                    message: WireMessage::Sync(DocMessage {
                        sender_id: self.server_peer.clone(),
                        target_id: peer.peer_id.clone(),
                        document_id: self.id,
                        data,
                    }),
                });
            }
        }
        if fanned {
            self.last_fanout = Some(now);
        }
        self.fanout_at = next_ready.map(|t| t.max(now));
        self.recheck_at = stalled.then_some(now + STALLED_RECHECK_MS);
    }

    /// How long a busy document waits at most for a peer to answer its last news before
    /// sending the next: longer with more peers (see [`super::FANOUT_INTERVAL_MIN_MS`]).
    pub fn fanout_interval(&self) -> Millis {
        (self.peers.len() as Millis)
            .pow(2)
            .div_euclid(FANOUT_PEERS_SQUARED_PER_MS)
            .clamp(FANOUT_INTERVAL_MIN_MS, FANOUT_INTERVAL_MAX_MS)
    }

    /// Presence from one peer, to every other peer of the document that has room (presence
    /// is lossy by nature: a skipped one is replaced by the next in two seconds).
    fn relay(
        &mut self,
        from: ConnId,
        message: WireMessage,
        room: &dyn Fn(ConnId) -> bool,
        out: &mut Vec<Action>,
    ) {
        let WireMessage::Ephemeral {
            sender_id,
            document_id,
            count,
            session_id,
            data,
            ..
        } = message
        else {
            return;
        };
        if !self.peers.contains_key(&from) {
            return;
        }
        for (conn, peer) in &self.peers {
            if *conn == from || !room(*conn) {
                continue;
            }
            out.push(Action::Send {
                conn: *conn,
                message: WireMessage::Ephemeral {
                    sender_id: sender_id.clone(),
                    target_id: peer.peer_id.clone(),
                    document_id,
                    count,
                    session_id: session_id.clone(),
                    data: data.clone(),
                },
            });
        }
    }

    /// "Not here" for one peer, if its outbound queue has room (like every message of the
    /// engine; the peer asks again when it reconnects, and a peer that stays gets the
    /// document when it exists).
    fn unavailable(
        &self,
        conn: ConnId,
        peer_id: &str,
        room: &dyn Fn(ConnId) -> bool,
    ) -> Option<Action> {
        room(conn).then(|| Action::Send {
            conn,
            message: WireMessage::DocUnavailable {
                sender_id: self.server_peer.clone(),
                target_id: peer_id.to_owned(),
                document_id: self.id,
            },
        })
    }
}

/// Whether automerge holds changes aside until their dependencies arrive (its queue: the
/// missing dependencies of no heads at all are those of the queued changes).
fn waiting_for_dependencies(doc: &Automerge) -> bool {
    !doc.get_missing_deps(&[]).is_empty()
}
