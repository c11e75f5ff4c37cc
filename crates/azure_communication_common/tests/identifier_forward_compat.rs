//! The wire model reads what a newer service may send — a cloud this
//! version does not know, properties it does not know — and writes it back
//! unchanged.

use azure_communication_common::{
    CommunicationCloudEnvironment, CommunicationIdentifier, CommunicationIdentifierModel,
    MicrosoftTeamsUserIdentifier,
};
use proptest::prelude::*;
use serde_json::{json, Value};

#[test]
fn an_unknown_cloud_deserializes_and_round_trips() {
    for wire in [
        json!({"rawId": "8:newcloud:abc",
               "microsoftTeamsUser": {"userId": "abc", "isAnonymous": false, "cloud": "newcloud"}}),
        json!({"rawId": "28:newcloud:app",
               "microsoftTeamsApp": {"appId": "app", "cloud": "newcloud"}}),
        json!({"rawId": "8:newcloud-acs:r_t_u",
               "teamsExtensionUser": {"userId": "u", "tenantId": "t", "resourceId": "r", "cloud": "newcloud"}}),
    ] {
        let id: CommunicationIdentifier = serde_json::from_value(wire.clone()).unwrap();
        let cloud = match &id {
            CommunicationIdentifier::MicrosoftTeamsUser(i) => i.cloud(),
            CommunicationIdentifier::MicrosoftTeamsApp(i) => i.cloud(),
            CommunicationIdentifier::TeamsExtensionUser(i) => i.cloud(),
            other => panic!("wrong kind: {other:?}"),
        };
        assert_eq!(
            cloud,
            CommunicationCloudEnvironment::UnknownValue("newcloud".into())
        );
        assert_eq!(cloud.as_str(), "newcloud");
        // The service's raw id is kept, and the identifier writes back what it read.
        assert_eq!(id.raw_id(), wire["rawId"].as_str().unwrap());
        assert_eq!(serde_json::to_value(&id).unwrap(), wire);
    }
}

#[test]
fn a_known_kind_with_an_unknown_cloud_formats_a_raw_id_from_the_cloud_name() {
    let user = MicrosoftTeamsUserIdentifier::new(
        "abc",
        CommunicationCloudEnvironment::UnknownValue("sovereign".into()),
        false,
    );
    assert_eq!(user.raw_id(), "8:sovereign:abc");
    // Not a form this version parses: it stays an unknown identifier, raw id intact.
    let parsed = CommunicationIdentifier::from_raw_id(user.raw_id());
    assert_eq!(parsed.kind().as_str(), "unknown");
    assert_eq!(parsed, CommunicationIdentifier::from(user));
}

#[test]
fn unknown_properties_round_trip_through_the_model() {
    let wire = json!({
        "kind": "phoneNumber",
        "rawId": "4:+14255550123",
        "phoneNumber": {"value": "+14255550123", "isAnonymous": false, "region": "us"},
        "displayHint": {"label": "Office"},
    });
    let model: CommunicationIdentifierModel = serde_json::from_value(wire.clone()).unwrap();
    assert_eq!(
        model.additional_properties["displayHint"],
        json!({"label": "Office"})
    );
    let phone = model.phone_number.as_ref().unwrap();
    assert_eq!(phone.additional_properties["region"], json!("us"));
    assert_eq!(serde_json::to_value(&model).unwrap(), wire);
    // The typed identifier ignores them, as the service's own models do.
    let id = CommunicationIdentifier::try_from(model).unwrap();
    assert_eq!(id.raw_id(), "4:+14255550123");
}

#[test]
fn a_cloud_that_is_not_a_string_is_an_error_not_a_panic() {
    let err = serde_json::from_value::<CommunicationIdentifier>(json!({
        "rawId": "8:orgid:x",
        "microsoftTeamsUser": {"userId": "x", "isAnonymous": false, "cloud": 7}
    }))
    .unwrap_err();
    assert!(err.to_string().contains("invalid type"), "{err}");
}

proptest! {
    /// Every string parses as a cloud and writes back as itself; the three
    /// known names, and only they, give known clouds.
    #[test]
    fn cloud_names_round_trip(name in "\\PC{0,24}") {
        let Ok(cloud) = name.parse::<CommunicationCloudEnvironment>();
        prop_assert_eq!(cloud.as_str(), name.as_str());
        let known = matches!(name.as_str(), "public" | "dod" | "gcch");
        prop_assert_eq!(known, !matches!(cloud, CommunicationCloudEnvironment::UnknownValue(_)));
        let json = serde_json::to_value(&cloud).unwrap();
        prop_assert_eq!(&json, &Value::String(name.clone()));
        let back: CommunicationCloudEnvironment = serde_json::from_value(json).unwrap();
        prop_assert_eq!(back, cloud);
    }
}
