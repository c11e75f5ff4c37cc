//! The fuzz targets' invariants in the suite: each target's check
//! (`fuzz/invariants/<target>.rs`, the same code the fuzz target runs) on
//! every committed seed and regression input, then as a property run of a
//! second or two over fuzzer-like inputs (see `fuzz/README.md`).

#[path = "../../../fuzz/invariants/connection_string.rs"]
mod connection_string;
#[path = "../../../fuzz/invariants/identifier_model.rs"]
mod identifier_model;
#[path = "../../../fuzz/invariants/parse_token.rs"]
mod parse_token;
#[path = "../../../fuzz/invariants/property_run.rs"]
mod property_run;
#[path = "../../../fuzz/invariants/raw_id.rs"]
mod raw_id;
#[path = "../../../fuzz/invariants/sign.rs"]
mod sign;

use property_run::{config, inputs, replay};
use proptest::prelude::*;

#[test]
fn saved_inputs_hold() {
    assert!(replay("raw_id", raw_id::check) > 0, "raw_id has seeds");
    assert!(replay("parse_token", parse_token::check) > 0);
    assert!(replay("connection_string", connection_string::check) > 0);
    assert!(replay("identifier_model", identifier_model::check) > 0);
    assert!(replay("sign", sign::check) > 0);
}

proptest! {
    #![proptest_config(config(3000))]

    #[test]
    fn raw_id_holds(data in inputs("raw_id")) {
        raw_id::check(&data);
    }

    #[test]
    fn identifier_model_holds(data in inputs("identifier_model")) {
        identifier_model::check(&data);
    }

    #[test]
    fn parse_token_holds(data in inputs("parse_token")) {
        parse_token::check(&data);
    }
}

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn connection_string_holds(data in inputs("connection_string")) {
        connection_string::check(&data);
    }

    #[test]
    fn sign_holds(data in inputs("sign")) {
        sign::check(&data);
    }
}
