//! Fuzz target `sync_message`: see `shared_fuzz::checks::sync_message` for the property checked.
//!
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run sync_message --sanitizer none` from `shared/fuzz/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    shared_fuzz::checks::sync_message(data);
});
