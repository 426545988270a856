//! Fuzz target `engine_input`: see `shared_fuzz::checks::engine_input` for the property checked.
//!
//! `cargo fuzz run --sanitizer none engine_input` from `shared/fuzz/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    shared_fuzz::checks::engine_input(data);
});
