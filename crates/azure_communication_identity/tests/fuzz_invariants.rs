//! The `identity_response` fuzz target's invariant in the suite: its check
//! (`fuzz/invariants/identity_response.rs`, the code the fuzz target runs:
//! every operation against any status, headers and body; a valid result or a
//! clear error, never a panic, the Teams user's token never shown) on every
//! committed seed and regression input, then as a property run of a second
//! or two.

#[path = "../../../fuzz/invariants/identity_response.rs"]
mod identity_response;
#[path = "../../../fuzz/invariants/property_run.rs"]
mod property_run;

use property_run::{config, inputs, replay};
use proptest::prelude::*;

#[test]
fn saved_inputs_hold() {
    assert!(replay("identity_response", identity_response::check) > 0);
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn identity_response_holds(data in inputs("identity_response")) {
        identity_response::check(&data);
    }
}
