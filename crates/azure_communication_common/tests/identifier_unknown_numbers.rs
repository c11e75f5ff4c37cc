//! Numbers in properties this version does not know round-trip exactly: the
//! models keep unknown properties so that they write back what they read,
//! and serde_json's `float_roundtrip` feature makes a float parsed from the
//! model's own output the same float (without it, a long decimal can come
//! back one ulp off). Found by the `identifier_model` fuzz target
//! (`fuzz/regressions/identifier_model/float-roundtrip`).

use azure_communication_common::{CommunicationIdentifier, CommunicationIdentifierModel};
use serde_json::Value;

/// The fuzzer's input: an unknown kind whose unknown property holds a float
/// written with 129 digits.
const FUZZ_INPUT: &str = concat!(
    r#"{"kind": "someFutureKind", "rawId": "99:abc", "someFutureKind": {"x": "#,
    "166666666666666666666666666666666066666666666666666666666666666666",
    "666666666666666666666666666666666666666666666666666666666666666",
    "}}"
);

fn x_of(model: &CommunicationIdentifierModel) -> f64 {
    model.additional_properties["someFutureKind"]["x"]
        .as_f64()
        .expect("x is a number")
}

#[test]
fn an_unknown_property_float_round_trips_through_the_model() {
    let model: CommunicationIdentifierModel = serde_json::from_str(FUZZ_INPUT).unwrap();
    let x = x_of(&model);
    assert_eq!(x, 1.6666666666666666e128);

    let written = serde_json::to_string(&model).unwrap();
    let again: CommunicationIdentifierModel = serde_json::from_str(&written).unwrap();
    assert_eq!(x_of(&again).to_bits(), x.to_bits(), "{written}");
    assert_eq!(again, model);
}

#[test]
fn an_unknown_identifier_writes_back_the_same_number() {
    let id: CommunicationIdentifier = serde_json::from_str(FUZZ_INPUT).unwrap();
    assert_eq!(id.raw_id(), "99:abc");
    let written = serde_json::to_value(&id).unwrap();
    let again: CommunicationIdentifier = serde_json::from_value(written.clone()).unwrap();
    assert_eq!(again, id);
    assert_eq!(serde_json::to_value(&again).unwrap(), written);
}

#[test]
fn floats_near_the_ulp_boundary_round_trip() {
    // Values whose shortest representation parses back exactly only with a
    // correctly rounded parser.
    for x in [
        1.6666666666666666e128_f64,
        1.6666666666666664e128,
        2.2250738585072014e-308,
        9007199254740993.0,
        0.1 + 0.2,
        1.7976931348623157e308,
        5e-324,
    ] {
        let text = format!(r#"{{"rawId": "99:abc", "x": {}}}"#, Value::from(x));
        let model: CommunicationIdentifierModel = serde_json::from_str(&text).unwrap();
        let written = serde_json::to_string(&model).unwrap();
        let again: CommunicationIdentifierModel = serde_json::from_str(&written).unwrap();
        assert_eq!(
            again.additional_properties["x"].as_f64().unwrap().to_bits(),
            x.to_bits(),
            "{text} -> {written}"
        );
    }
}
