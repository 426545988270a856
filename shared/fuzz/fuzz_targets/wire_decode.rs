//! Fuzz target `wire_decode`: see `shared_fuzz::checks::wire_decode` for the property checked.
//!
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run wire_decode --sanitizer none` from `shared/fuzz/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    shared_fuzz::checks::wire_decode(data);
});
