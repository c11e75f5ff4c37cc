//! The `emulator_request` fuzz target's invariant in the suite: its check
//! (`fuzz/invariants/emulator_request.rs`, the code the fuzz target runs:
//! any request, half of them signed, through authentication and routing;
//! never a panic or a 5xx, 2xx only when authentic) on every committed seed
//! and regression input, then as a property run of a second or two.

#[path = "../../../fuzz/invariants/emulator_request.rs"]
mod emulator_request;
#[path = "../../../fuzz/invariants/property_run.rs"]
mod property_run;

use property_run::{config, inputs, replay};
use proptest::prelude::*;

#[test]
fn saved_inputs_hold() {
    assert!(replay("emulator_request", emulator_request::check) > 0);
    // the Chat route's success path is among them (seed-chat-accepted)
    assert!(
        property_run::saved_inputs("emulator_request")
            .iter()
            .any(|(_, bytes)| emulator_request::accepted_by_chat(bytes)),
        "no committed input reaches the Chat route with a good user token"
    );
}

proptest! {
    #![proptest_config(config(1500))]

    #[test]
    fn emulator_request_holds(data in inputs("emulator_request")) {
        emulator_request::check(&data);
    }
}
