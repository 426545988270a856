//! # shared: what the tablet and the server must agree on
//!
//! Everything here is pure: no IO, no clock, no randomness (time and random bytes are passed
//! in), and it compiles for native and for wasm32. Most of giamsat's logic lives and is tested
//! here.
//!
//! - [`ids`]: document ids (automerge-repo's bs58check form) and record ids.
//! - [`schema`]: how a supervision sits in an Automerge document, the schema
//!   version every document carries, and the migrations.
//! - [`supervision`]: the supervision record and its set-up (basis, period, kind).
//! - [`member`]: the delegation's members with roles and titles.
//! - [`unit`], [`session`]: the units supervised, the working sessions with them, remarks
//!   and the unit's explanations.
//! - [`finding`]: strengths, shortcomings and causes, with figures, status and evidence.
//! - [`recommendation`]: recommendations with addressee, due date and follow-up.
//! - [`conclusion`]: the conclusion draft, generated from agreed findings, co-edited.
//! - [`official`]: official documents as the layout rules print them (rules as data), and
//!   their DOCX.
//! - [`field`]: every text field addressed one way, for splices and carets.
//! - [`media`]: which evidence types are shown as themselves and which only downloaded.
//! - [`presence`]: who is here and what each is editing (ephemeral, never stored).
//! - [`authorship`]: the author shown for a record: the account behind its creating actor.
//! - [`authors`]: the actor of every change in a sync message (the server checks them).
//! - [`text`]: turning an edit of a text field into an Automerge splice, and caret positions.
//! - [`wire`]: automerge-repo's CBOR messages, encoded and decoded.
//! - [`wire_form`]: the one CBOR form a frame may take (no repeated keys, no
//!   indefinite lengths), so every decoder reads it the same way.
//! - [`engine`]: the server side of sync, one state machine per document (messages and
//!   storage results in, messages and writes out).
//! - [`sync`]: the client side of sync as a state machine (frames in, frames out).
//! - [`touched`]: what a merge wrote, object by object, for a reading to read again.
//! - [`sync_guard`]: refuses sync messages that would crash automerge (found by fuzzing).
//! - [`dates`]: dd/mm/yyyy as members write dates, ISO as documents keep them.
//! - [`search`]: accent-insensitive matching for Vietnamese ("giam sat" finds "giám sát").

pub mod authors;
pub mod authorship;
pub mod change;
pub mod conclusion;
pub mod dates;
pub mod engine;
pub mod error;
pub mod field;
pub mod finding;
pub mod fixtures;
pub mod followup;
pub mod followup_sample;
pub mod history;
pub mod ids;
pub mod journal;
pub mod kept;
pub mod media;
pub mod member;
pub mod official;
pub mod presence;
pub mod reading;
pub mod recommendation;
pub mod review;
pub mod schema;
pub mod search;
pub mod session;
pub mod supervision;
pub mod sync;
pub mod sync_guard;
pub mod text;
pub mod touched;
pub mod unit;
pub mod wire;
pub mod wire_form;

pub use error::ModelError;
pub use ids::{DocumentId, RecordId};
