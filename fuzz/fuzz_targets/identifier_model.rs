//! Fuzz target `identifier_model`: what it checks is in `fuzz/invariants/identifier_model.rs`
//! (shared with the test suite's property run; see `fuzz/README.md`).
#![no_main]

#[path = "../invariants/identifier_model.rs"]
mod invariant;

libfuzzer_sys::fuzz_target!(|data: &[u8]| invariant::check(data));
