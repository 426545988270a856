//! Fuzz target `server_frame`: see `shared_fuzz::checks::server_frame` for the property checked.
//!
//! `cargo fuzz run --sanitizer none server_frame` from `shared/fuzz/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    shared_fuzz::checks::server_frame(data);
});
