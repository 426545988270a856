//! Fuzz target `wire_differential`: see `shared_fuzz::checks::wire_differential` for the
//! property checked.
//!
//! `cargo fuzz run --sanitizer none wire_differential` from `shared/fuzz/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    shared_fuzz::checks::wire_differential(data);
});
