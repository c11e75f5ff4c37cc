//! Fuzz target `parse_token`: what it checks is in `fuzz/invariants/parse_token.rs`
//! (shared with the test suite's property run; see `fuzz/README.md`).
#![no_main]

#[path = "../invariants/parse_token.rs"]
mod invariant;

libfuzzer_sys::fuzz_target!(|data: &[u8]| invariant::check(data));
