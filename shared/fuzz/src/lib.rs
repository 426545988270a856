//! # shared-fuzz: coverage-guided fuzzing of what giamsat reads off the network
//!
//! A cargo-fuzz (libFuzzer) project kept out of the main workspace (its own `[workspace]`
//! table), so `cargo test` of the workspace never builds it. Three targets, each a thin
//! wrapper over one function of [`checks`]:
//!
//! - `wire_decode`: `shared::wire::WireMessage::decode` never panics and round-trips.
//! - `sync_client`: `shared::sync::SyncClient` fed `Connected` then arbitrary frames.
//! - `sync_message`: arbitrary automerge sync payloads inside well-formed `sync` messages.
//!
//! [`seeds`] writes the seed corpus (`cargo run --example seed`). The checked-in corpus in
//! `corpus/<target>/` is replayed by `tests/tests/fuzz_corpus_replay.rs` in the normal test
//! suite. How to run: `README.md` beside this crate.

pub mod checks;
pub mod seeds;
