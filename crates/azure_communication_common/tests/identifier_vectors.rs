//! Every case of `tests/data/raw_ids.json` and `tests/data/serializer.json`,
//! loaded at test time.

use azure_communication_common::{
    CommunicationCloudEnvironment, CommunicationIdentifier, CommunicationIdentifierModel,
    CommunicationUserIdentifier, MicrosoftTeamsAppIdentifier, MicrosoftTeamsUserIdentifier,
    PhoneNumberIdentifier, TeamsExtensionUserIdentifier, UnknownIdentifier,
};
use serde_json::Value;
use std::collections::HashSet;

fn vectors(name: &str) -> Value {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read vector file {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
}

fn cases<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    let cases = v[key]
        .as_array()
        .unwrap_or_else(|| panic!("vector section {key} missing"));
    assert!(!cases.is_empty(), "vector section {key} is empty");
    cases
}

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn cloud(v: &Value) -> CommunicationCloudEnvironment {
    match s(v, "cloud") {
        None | Some("public") => CommunicationCloudEnvironment::Public,
        Some("dod") => CommunicationCloudEnvironment::Dod,
        Some("gcch") => CommunicationCloudEnvironment::Gcch,
        Some(other) => panic!("unexpected cloud {other} in vectors"),
    }
}

/// Builds an identifier from a vector's field description, either the
/// `kind`-tagged form of raw_ids.json or the JS shapes of serializer.json.
fn build(v: &Value) -> CommunicationIdentifier {
    let anon = v
        .get("isAnonymous")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let id: CommunicationIdentifier = match s(v, "kind") {
        Some("communicationUser") => CommunicationUserIdentifier::new(s(v, "id").unwrap()).into(),
        Some("microsoftTeamsUser") => {
            MicrosoftTeamsUserIdentifier::new(s(v, "userId").unwrap(), cloud(v), anon).into()
        }
        Some("phoneNumber") => PhoneNumberIdentifier::new(s(v, "phoneNumber").unwrap()).into(),
        Some("microsoftTeamsApp") => {
            MicrosoftTeamsAppIdentifier::new(s(v, "appId").unwrap(), cloud(v)).into()
        }
        Some("teamsExtensionUser") => TeamsExtensionUserIdentifier::new(
            s(v, "userId").unwrap(),
            s(v, "tenantId").unwrap(),
            s(v, "resourceId").unwrap(),
            cloud(v),
        )
        .into(),
        Some("unknown") => UnknownIdentifier::new(s(v, "id").unwrap()).into(),
        _ if s(v, "communicationUserId").is_some() => {
            CommunicationUserIdentifier::new(s(v, "communicationUserId").unwrap()).into()
        }
        _ if s(v, "microsoftTeamsUserId").is_some() => {
            MicrosoftTeamsUserIdentifier::new(s(v, "microsoftTeamsUserId").unwrap(), cloud(v), anon)
                .into()
        }
        _ if s(v, "teamsAppId").is_some() => {
            MicrosoftTeamsAppIdentifier::new(s(v, "teamsAppId").unwrap(), cloud(v)).into()
        }
        _ if s(v, "phoneNumber").is_some() => {
            PhoneNumberIdentifier::new(s(v, "phoneNumber").unwrap()).into()
        }
        _ if s(v, "tenantId").is_some() => TeamsExtensionUserIdentifier::new(
            s(v, "userId").unwrap(),
            s(v, "tenantId").unwrap(),
            s(v, "resourceId").unwrap(),
            cloud(v),
        )
        .into(),
        _ if s(v, "id").is_some() => UnknownIdentifier::new(s(v, "id").unwrap()).into(),
        _ => panic!("cannot build an identifier from {v}"),
    };
    match (s(v, "rawId"), id) {
        (None, id) => id,
        (Some(raw), CommunicationIdentifier::PhoneNumber(i)) => i.with_raw_id(raw).into(),
        (Some(raw), CommunicationIdentifier::MicrosoftTeamsUser(i)) => i.with_raw_id(raw).into(),
        (Some(raw), CommunicationIdentifier::MicrosoftTeamsApp(i)) => i.with_raw_id(raw).into(),
        (Some(raw), CommunicationIdentifier::TeamsExtensionUser(i)) => i.with_raw_id(raw).into(),
        (Some(raw), id) => {
            panic!("vector gives rawId {raw} to {id:?}, which has no explicit raw id")
        }
    }
}

/// Asserts that `id` has exactly the kind and fields `expected` describes.
/// Field names: the kind-tagged form (`id`, `userId`, `phoneNumber`, ...) or
/// the JS shapes (`communicationUserId`, `microsoftTeamsUserId`, `teamsAppId`).
fn assert_fields(id: &CommunicationIdentifier, expected: &Value, context: &str) {
    let kind = s(expected, "kind").unwrap();
    assert_eq!(id.kind().as_str(), kind, "{context}: kind");
    let field = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| s(expected, n))
            .unwrap_or_else(|| panic!("{context}: vector lacks {names:?}"))
    };
    let anon = expected.get("isAnonymous").and_then(Value::as_bool);
    match id {
        CommunicationIdentifier::CommunicationUser(i) => {
            assert_eq!(i.id(), field(&["id", "communicationUserId"]), "{context}")
        }
        CommunicationIdentifier::Unknown(i) => assert_eq!(i.id(), field(&["id"]), "{context}"),
        CommunicationIdentifier::PhoneNumber(i) => {
            assert_eq!(i.phone_number(), field(&["phoneNumber"]), "{context}");
            assert_eq!(
                i.is_anonymous(),
                anon.unwrap_or(false),
                "{context}: isAnonymous"
            );
            assert_eq!(
                i.asserted_id(),
                s(expected, "assertedId"),
                "{context}: assertedId"
            );
        }
        CommunicationIdentifier::MicrosoftTeamsUser(i) => {
            assert_eq!(
                i.user_id(),
                field(&["userId", "microsoftTeamsUserId"]),
                "{context}"
            );
            assert_eq!(i.is_anonymous(), anon.unwrap(), "{context}: isAnonymous");
            assert_eq!(i.cloud(), cloud(expected), "{context}: cloud");
        }
        CommunicationIdentifier::MicrosoftTeamsApp(i) => {
            assert_eq!(i.app_id(), field(&["appId", "teamsAppId"]), "{context}");
            assert_eq!(i.cloud(), cloud(expected), "{context}: cloud");
        }
        CommunicationIdentifier::TeamsExtensionUser(i) => {
            assert_eq!(i.user_id(), field(&["userId"]), "{context}");
            assert_eq!(i.tenant_id(), field(&["tenantId"]), "{context}");
            assert_eq!(i.resource_id(), field(&["resourceId"]), "{context}");
            assert_eq!(i.cloud(), cloud(expected), "{context}: cloud");
        }
        other => panic!("{context}: a kind this test does not know: {other:?}"),
    }
    if let Some(raw) = s(expected, "rawId") {
        assert_eq!(id.raw_id(), raw, "{context}: rawId");
    }
}

#[test]
fn raw_id_parse_cases() {
    let v = vectors("raw_ids.json");
    let cases = cases(&v, "cases");
    let mut ran = 0;
    for case in cases {
        let raw = s(case, "rawId").expect("case without rawId");
        let id = CommunicationIdentifier::from_raw_id(raw);
        assert_fields(&id, &case["expected"], &format!("from_raw_id({raw:?})"));
        assert_eq!(id.raw_id(), raw, "round trip of {raw:?}");
        assert_eq!(id.to_string(), raw);
        assert_eq!(raw.parse::<CommunicationIdentifier>().unwrap(), id);
        ran += 1;
    }
    assert_eq!(ran, cases.len());
    println!("raw_ids.json: {ran} parse cases ran");
}

#[test]
fn raw_id_format_cases() {
    let v = vectors("raw_ids.json");
    let cases = cases(&v, "format_cases");
    let mut ran = 0;
    for case in cases {
        let id = build(&case["identifier"]);
        let expected = s(case, "expectedRawId").unwrap();
        assert_eq!(id.raw_id(), expected, "format of {}", case["identifier"]);
        // A formatted identifier parses back to an equal one.
        assert_eq!(CommunicationIdentifier::from_raw_id(expected), id);
        ran += 1;
    }
    assert_eq!(ran, cases.len());
    println!("raw_ids.json: {ran} format cases ran");
}

#[test]
fn equality_cases() {
    let v = vectors("raw_ids.json");
    let cases = cases(&v, "equality_cases");
    let mut ran = 0;
    for case in cases {
        let a = build(&case["a"]);
        let b = build(&case["b"]);
        let same_raw = a.raw_id() == b.raw_id();
        // `equal` is a bool, or a note where SDKs disagree; this crate
        // compares by raw id (SPEC 1.4) either way.
        if let Value::Bool(equal) = &case["equal"] {
            assert_eq!(a == b, *equal, "{} vs {}", case["a"], case["b"]);
        }
        assert_eq!(a == b, same_raw, "equality is raw-id equality");
        let set: HashSet<_> = [a, b].into_iter().collect();
        assert_eq!(set.len(), if same_raw { 1 } else { 2 });
        ran += 1;
    }
    assert_eq!(ran, cases.len());
    println!("raw_ids.json: {ran} equality cases ran");
}

#[test]
fn serialize_cases() {
    let v = vectors("serializer.json");
    let cases = cases(&v, "serialize");
    let mut ran = 0;
    for case in cases {
        let id = build(&case["identifier"]);
        let expected = &case["expected"]["ok"];
        assert!(expected.is_object(), "serialize case without ok: {case}");
        let model = CommunicationIdentifierModel::from(&id);
        assert_eq!(
            &serde_json::to_value(&model).unwrap(),
            expected,
            "{}",
            case["identifier"]
        );
        assert_eq!(&serde_json::to_value(&id).unwrap(), expected);
        // And back.
        let back = CommunicationIdentifier::try_from(model).unwrap();
        assert_eq!(back, id);
        assert_eq!(back.kind(), id.kind());
        ran += 1;
    }
    assert_eq!(ran, cases.len());
    println!("serializer.json: {ran} serialize cases ran");
}

#[test]
fn deserialize_cases() {
    let v = vectors("serializer.json");
    let cases = cases(&v, "deserialize");
    let mut ran = 0;
    for case in cases {
        let wire = &case["wire"];
        let expected = &case["expected"]["ok"];
        let id: CommunicationIdentifier = serde_json::from_value(wire.clone())
            .unwrap_or_else(|e| panic!("deserialize {wire}: {e}"));
        assert_fields(&id, expected, &format!("deserialize {wire}"));
        let model: CommunicationIdentifierModel = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(CommunicationIdentifier::try_from(&model).unwrap(), id);
        ran += 1;
    }
    assert_eq!(ran, cases.len());
    println!("serializer.json: {ran} deserialize cases ran");
}

#[test]
fn deserialize_error_cases() {
    let v = vectors("serializer.json");
    let cases = cases(&v, "deserialize_errors");
    let mut ran = 0;
    for case in cases {
        let wire = &case["wire"];
        let expected = s(&case["expected"], "error").unwrap();
        let err = serde_json::from_value::<CommunicationIdentifier>(wire.clone())
            .expect_err(&format!("{wire} must not deserialize"));
        assert!(
            err.to_string().contains(expected),
            "{wire}: error {err} does not contain {expected}"
        );
        let model: CommunicationIdentifierModel = serde_json::from_value(wire.clone()).unwrap();
        let err = CommunicationIdentifier::try_from(model).unwrap_err();
        assert_eq!(err.to_string(), expected);
        ran += 1;
    }
    assert_eq!(ran, cases.len());
    println!("serializer.json: {ran} deserialize error cases ran");
}
