//! # shared: what the tablet and the server must agree on
//!
//! Everything here is pure: no IO, no clock, no randomness (time and random bytes are passed
//! in), and it compiles for native and for wasm32. Most of giamsat's logic lives and is tested
//! here.
//!
//! - [`ids`]: document ids (automerge-repo's bs58check form) and record ids.
//! - [`schema`]: how a supervision and the catalogue sit in an Automerge document, the schema
//!   version every document carries, and the migrations.
//! - [`supervision`]: the supervision record and its set-up (basis, period, kind).
//! - [`unit`], [`finding`]: the units supervised and the findings written about them.
//! - [`catalogue`]: the deployment's list of supervisions, itself a synced document.
//! - [`text`]: turning an edit of a text field into an Automerge splice, and caret positions.
//! - [`wire`]: automerge-repo's CBOR messages, encoded and decoded.
//! - [`sync`]: the client side of sync as a state machine (frames in, frames out).
//! - [`search`]: accent-insensitive matching for Vietnamese ("giam sat" finds "giám sát").

pub mod catalogue;
pub mod error;
pub mod finding;
pub mod ids;
pub mod schema;
pub mod search;
pub mod supervision;
pub mod sync;
pub mod text;
pub mod unit;
pub mod wire;

pub use error::ModelError;
pub use ids::{DocumentId, RecordId};
