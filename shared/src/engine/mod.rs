//! The server's side of sync, as a state machine per document: inputs in (a peer's sync
//! message, a storage result, the time), actions out (messages to send, a write, a load). No
//! IO, no clock, no randomness: the server's tokio shell (`server::sync`) and the
//! deterministic harness in this module's tests drive the very same code.
//!
//! It speaks automerge-repo v1 like [`crate::sync`] does on the tablet, and holds what the
//! measurements of samod 0.16 asked for (RECIPES.md, "What a sync server costs"):
//!
//! - **One [`DocumentEngine`] per loaded document**, owning the document and each peer's
//!   `automerge::sync::State`. Nothing is shared between documents, so the shell runs them on
//!   as many cores as it has, with no hub and no scan over other documents.
//! - **Answer the sender, coalesce the rest.** A message is applied and only its sender is
//!   answered; the other peers are marked dirty and get one message per fan-out, at most
//!   every fan-out interval (10 ms to 100 ms, growing with the peers) while the document is busy (at once after a quiet spell).
//!   A peer whose outbound queue is full is skipped and caught up in one message later, so
//!   what waits for a slow peer is bounded by its queue. A peer whose state shows nothing to
//!   send is not asked to generate at all ([`peer::Peer::may_have_something`]).
//! - **Change bytes are sent as received.** The usual message is built the way automerge
//!   builds it, but from the bytes the author's tablet sent ([`recent`]), not rebuilt from
//!   the op set once per peer; and every message carries heads the peer has not been sent
//!   yet whenever ours moved, even if it said it holds them (it learns its changes are on
//!   disk only from our heads).
//! - **Nothing is advertised before it is on disk.** Changes applied from a batch of
//!   messages go out in one [`Write`]; while it is in flight, inbound messages wait, and no
//!   message is generated for anyone until it is confirmed: every head a peer hears of is
//!   durable (DESIGN.md decision 10). A failed write is retried with a growing pause and
//!   never confirmed.
//! - **Compaction** (a snapshot replacing every chunk stored before it, in one write) runs
//!   only when the document is quiet.
//! - **Bounded tables.** A document has at most [`MAX_PEERS`] peers; the engine keeps no
//!   ephemeral session ids (presence is relayed, never stored); a document with no peer and
//!   nothing pending says it may be unloaded ([`DocumentEngine::may_unload`]).
//!
//! Who may open what is decided before a message gets here (the membership database, in
//! the server): the engine is told each peer's [`Access`] and never sees a peer that has
//! none, so a request for a document the peer may not open never loads anything.

pub mod document;
pub mod peer;
pub mod recent;

#[cfg(test)]
mod data_path_tests;
#[cfg(test)]
mod harness;
#[cfg(test)]
mod schedules;
#[cfg(test)]
mod tests;

pub use document::DocumentEngine;

use automerge::ChangeHash;

use crate::wire::WireMessage;

/// One connection (one tablet's socket), numbered by the shell.
pub type ConnId = u64;

/// The time in milliseconds, from any fixed origin the shell chooses (monotonic).
pub type Millis = u64;

/// How a peer may use a document (from the membership database).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Head, deputy, member, secretary: their changes are applied.
    Write,
    /// Observer: receives everything, its changes are never applied.
    Read,
}

/// Fan-out to the peers that did not send the latest changes is clocked by their answers:
/// a peer that answered the last news we sent it gets the next at once (so a member hears a
/// keystroke within a round trip), one that has not answered gets nothing more until it
/// does or until the document's interval has passed. The interval grows with the square of
/// the peers, between these bounds: when everyone types, a document's changes grow with its
/// members and each goes to every member, so its messages grow with the square. Seven
/// members wait 10 ms at most, twenty 80 ms, fifty 500 ms. Fan-outs are also never closer
/// than the minimum, so changes arriving together go out together. Measured (BENCHMARKS.md,
/// ninth session): an interval of 80 ms for twenty members made the 100-member p99 81 ms;
/// clocked by answers (and with TCP_NODELAY, see `server::start`) it is 12 ms.
pub const FANOUT_INTERVAL_MIN_MS: Millis = 10;
pub const FANOUT_INTERVAL_MAX_MS: Millis = 500;
/// The interval is the peers squared divided by this, in ms.
pub const FANOUT_PEERS_SQUARED_PER_MS: Millis = 5;

/// How long a peer skipped for a full queue waits before its queue is looked at again.
pub const STALLED_RECHECK_MS: Millis = 50;

/// A failed write is tried again after this pause, doubled each time up to
/// [`WRITE_RETRY_MAX_MS`].
pub const WRITE_RETRY_MS: Millis = 100;
pub const WRITE_RETRY_MAX_MS: Millis = 5_000;

/// A document with no peer stays loaded this long (a tablet that reconnects finds it warm).
pub const UNLOAD_AFTER_MS: Millis = 30_000;

/// A quiet document is compacted once this long has passed since its last input.
pub const COMPACT_WHEN_QUIET_MS: Millis = 2_000;

/// Compact once the chunks written since the last snapshot are this many...
pub const COMPACT_AFTER_CHUNKS: usize = 64;
/// ...or weigh as much as the snapshot itself (and at least this much).
pub const COMPACT_MIN_BYTES: usize = 64 * 1024;

/// At most this many peers have one document open (a delegation is five to fifty members;
/// an organisation's leaders and the JS client's test peers fit easily).
pub const MAX_PEERS: usize = 512;

/// Inbound messages held while a write is in flight or the document loads. The shell stops
/// handing messages over at this many; its own bounded queue then tells the sender "busy".
pub const MAX_HELD: usize = 256;

/// What the storage holds of one document, as the engine loads it.
#[derive(Debug, Default, Clone)]
pub struct Stored {
    /// Chunks in any order: snapshots (whole documents) and incremental chunks (changes).
    pub chunks: Vec<Vec<u8>>,
}

/// One write of a document: the new changes since the last write, and optionally a snapshot
/// that replaces everything stored before it. The storage commits it whole or not at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    /// The document's heads once this write is on disk.
    pub heads: Vec<ChangeHash>,
    /// The changes since the last confirmed write, as one incremental chunk (empty when
    /// there are none).
    pub changes: Vec<u8>,
    /// A compacted snapshot of the whole document at `heads`: the storage deletes every
    /// other chunk of this document in the same transaction.
    pub snapshot: Option<Vec<u8>>,
}

/// What the engine asks the shell to do.
#[derive(Debug, PartialEq)]
pub enum Action {
    /// Read the document's chunks and answer with [`Input::Loaded`] (or
    /// [`Input::LoadFailed`]).
    Load,
    /// Send this message on connection `conn`.
    Send { conn: ConnId, message: WireMessage },
    /// Commit this write, then answer [`Input::Written`] with the same ticket.
    Write { ticket: u64, write: Write },
    /// Close connection `conn` after telling it why (its message could not be applied).
    Refuse { conn: ConnId, reason: String },
    /// Something the operator should read in the log (a stored chunk that does not load).
    Report(String),
}

/// What happened, as the shell tells the engine.
#[derive(Debug)]
pub enum Input {
    /// The chunks the storage holds (none: the document does not exist yet).
    Loaded(Stored),
    /// The storage could not be read: every waiting peer is told the document is unavailable.
    LoadFailed(String),
    /// Chunks another replica of the server stored (several replicas on one database): they
    /// are durable already, so they are merged without being written again, and the peers
    /// hear of them at the next fan-out. Merged once everything in memory is on disk, so
    /// what is on disk stays exactly the document's heads.
    Stored(Vec<Vec<u8>>),
    /// A `request` or `sync` from a peer, checked and decoded by the shell.
    Message(Inbound),
    /// Presence from a peer: relayed to the document's other peers, never stored.
    Ephemeral { conn: ConnId, message: WireMessage },
    /// The peer's access changed (a membership change); `None` closes the document to it.
    Access {
        conn: ConnId,
        access: Option<Access>,
    },
    /// The connection closed.
    Gone(ConnId),
    /// A message for `conn` could not be queued after all: its sync state starts over.
    Undelivered(ConnId),
    /// A write finished.
    Written {
        ticket: u64,
        result: Result<(), String>,
    },
    /// Time passed (the shell calls at [`DocumentEngine::next_wake`]).
    Tick,
}

/// A sync message from one peer, as the shell admitted it.
#[derive(Debug)]
pub struct Inbound {
    pub conn: ConnId,
    /// The peer id its messages are sent as (and ours are addressed to).
    pub peer_id: String,
    pub access: Access,
    /// Sent as `request` (the peer does not have the document) rather than `sync`.
    pub request: bool,
    pub message: automerge::sync::Message,
    /// The hash of each change in `message.changes`, in order, as the shell's checks read
    /// them (`shared::authors::changes_in`, chunk after chunk), so the engine does not parse
    /// every change a second time to keep its bytes (see [`recent`]). `None`: the engine
    /// reads them itself.
    pub change_hashes: Option<Vec<automerge::ChangeHash>>,
}
