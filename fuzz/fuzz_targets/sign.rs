//! Fuzz target `sign`: what it checks is in `fuzz/invariants/sign.rs`
//! (shared with the test suite's property run; see `fuzz/README.md`).
#![no_main]

#[path = "../invariants/sign.rs"]
mod invariant;

libfuzzer_sys::fuzz_target!(|data: &[u8]| invariant::check(data));
