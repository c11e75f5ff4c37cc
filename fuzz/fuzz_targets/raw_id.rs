//! Fuzz target `raw_id`: what it checks is in `fuzz/invariants/raw_id.rs`
//! (shared with the test suite's property run; see `fuzz/README.md`).
#![no_main]

#[path = "../invariants/raw_id.rs"]
mod invariant;

libfuzzer_sys::fuzz_target!(|data: &[u8]| invariant::check(data));
