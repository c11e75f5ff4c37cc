//! Quickstart (identifiers only until the emulator lands).
use azure_communication_common::CommunicationIdentifier;

fn main() {
    for raw in [
        "8:acs:resource_user",
        "4:+14255550123",
        "8:orgid:45ab2481",
        "28:gcch:bot",
        "99:future",
    ] {
        let id = CommunicationIdentifier::from_raw_id(raw);
        println!(
            "{raw:<24} -> {:<18} {}",
            id.kind().as_str(),
            serde_json::to_string(&id).unwrap()
        );
    }
}
