//! Fuzz target `emulator_request`: what it checks is in `fuzz/invariants/emulator_request.rs`
//! (shared with the test suite's property run; see `fuzz/README.md`).
#![no_main]

#[path = "../invariants/emulator_request.rs"]
mod invariant;

libfuzzer_sys::fuzz_target!(|data: &[u8]| invariant::check(data));
