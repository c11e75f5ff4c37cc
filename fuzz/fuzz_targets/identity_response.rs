//! Fuzz target `identity_response`: what it checks is in `fuzz/invariants/identity_response.rs`
//! (shared with the test suite's property run; see `fuzz/README.md`).
#![no_main]

#[path = "../invariants/identity_response.rs"]
mod invariant;

libfuzzer_sys::fuzz_target!(|data: &[u8]| invariant::check(data));
