//! Property tests for raw-id parsing, formatting, equality and the wire model.

use azure_communication_common::{
    CommunicationCloudEnvironment, CommunicationIdentifier, CommunicationIdentifierModel,
    CommunicationUserIdentifier, MicrosoftTeamsAppIdentifier, MicrosoftTeamsUserIdentifier,
    PhoneNumberIdentifier, TeamsExtensionUserIdentifier, UnknownIdentifier,
};
use proptest::prelude::*;
use std::collections::HashSet;

/// Strings that look like raw ids: known and near-miss prefixes, then text
/// heavy in `:` and `_`.
fn raw_id_like() -> impl Strategy<Value = String> {
    let prefix = prop::sample::select(vec![
        "",
        "4:",
        "8:",
        "28:",
        "8:acs:",
        "8:dod-acs:",
        "8:gcch-acs:",
        "8:spool:",
        "8:orgid:",
        "8:dod:",
        "8:gcch:",
        "8:teamsvisitor:",
        "28:orgid:",
        "28:dod:",
        "28:gcch:",
        "8:ACS:",
        "4:anonymous",
        "48:",
    ]);
    (prefix, "[a-c0-9:_+. é-]{0,16}").prop_map(|(p, rest)| format!("{p}{rest}"))
}

fn any_raw_id() -> impl Strategy<Value = String> {
    prop_oneof![raw_id_like(), any::<String>(), "[:_]{0,8}", "\\PC{0,24}",]
}

fn cloud() -> impl Strategy<Value = CommunicationCloudEnvironment> {
    prop::sample::select(vec![
        CommunicationCloudEnvironment::Public,
        CommunicationCloudEnvironment::Dod,
        CommunicationCloudEnvironment::Gcch,
    ])
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z0-9_:-]{0,12}", "\\PC{0,8}"]
}

/// Identifiers of every kind, built from fields, some with explicit raw ids,
/// and some parsed from raw ids.
fn identifier() -> impl Strategy<Value = CommunicationIdentifier> {
    let explicit = || prop::option::of(any_raw_id());
    prop_oneof![
        text().prop_map(|id| CommunicationUserIdentifier::new(id).into()),
        (text(), explicit()).prop_map(|(n, raw)| {
            let p = PhoneNumberIdentifier::new(n);
            match raw {
                Some(raw) => p.with_raw_id(raw).into(),
                None => p.into(),
            }
        }),
        (text(), cloud(), any::<bool>(), explicit()).prop_map(|(u, c, a, raw)| {
            let t = MicrosoftTeamsUserIdentifier::new(u, c, a);
            match raw {
                Some(raw) => t.with_raw_id(raw).into(),
                None => t.into(),
            }
        }),
        (text(), cloud(), explicit()).prop_map(|(app, c, raw)| {
            let t = MicrosoftTeamsAppIdentifier::new(app, c);
            match raw {
                Some(raw) => t.with_raw_id(raw).into(),
                None => t.into(),
            }
        }),
        (text(), text(), text(), cloud(), explicit()).prop_map(|(u, t, r, c, raw)| {
            let x = TeamsExtensionUserIdentifier::new(u, t, r, c);
            match raw {
                Some(raw) => x.with_raw_id(raw).into(),
                None => x.into(),
            }
        }),
        any_raw_id().prop_map(|id| UnknownIdentifier::new(id).into()),
        any_raw_id().prop_map(|raw| CommunicationIdentifier::from_raw_id(&raw)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// Parsing is total and the raw id round-trips exactly.
    #[test]
    fn parse_round_trips(raw in any_raw_id()) {
        let id = CommunicationIdentifier::from_raw_id(&raw);
        prop_assert_eq!(id.raw_id(), raw.as_str());
        prop_assert_eq!(id.to_string(), raw.clone());
        // Parsing the raw id again gives the same kind and fields.
        let again = CommunicationIdentifier::from_raw_id(id.raw_id());
        prop_assert_eq!(format!("{again:?}"), format!("{id:?}"));
    }

    /// A field-built identifier without an explicit raw id parses back from its raw id
    /// to an identifier with the same raw id.
    #[test]
    fn format_then_parse(id in identifier()) {
        let parsed = CommunicationIdentifier::from_raw_id(id.raw_id());
        prop_assert_eq!(parsed.raw_id(), id.raw_id());
        prop_assert_eq!(&parsed, &id);
    }

    /// Serialize then deserialize gives an identifier with the same kind, fields and raw id.
    #[test]
    fn serde_round_trip(id in identifier()) {
        let json = serde_json::to_string(&id).unwrap();
        let back: CommunicationIdentifier = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &id);
        prop_assert_eq!(back.kind(), id.kind());
        prop_assert_eq!(format!("{back:?}"), format!("{id:?}"));
        // The model type round-trips too.
        let model = CommunicationIdentifierModel::from(&id);
        let model_back: CommunicationIdentifierModel =
            serde_json::from_str(&serde_json::to_string(&model).unwrap()).unwrap();
        prop_assert_eq!(&model_back, &model);
    }

    /// Deserializing arbitrary JSON never panics.
    #[test]
    fn deserialize_never_panics(json in "\\{(\"(kind|rawId|communicationUser|phoneNumber|microsoftTeamsUser|cloud|value|id|userId|isAnonymous)\":(null|true|1|\"[a-z:]{0,4}\"|\\{\\}|\\[\\]),?){0,5}\\}") {
        let _ = serde_json::from_str::<CommunicationIdentifier>(&json);
        let _ = serde_json::from_str::<CommunicationIdentifierModel>(&json);
    }

    /// Equality, hashing and ordering agree with raw-id equality.
    #[test]
    fn equality_is_raw_id_equality(a in identifier(), b in identifier()) {
        prop_assert_eq!(a == b, a.raw_id() == b.raw_id());
        prop_assert_eq!(a.cmp(&b), a.raw_id().cmp(b.raw_id()));
        let set: HashSet<_> = [a.clone(), b.clone()].into_iter().collect();
        prop_assert_eq!(set.len(), if a.raw_id() == b.raw_id() { 1 } else { 2 });
    }

    /// A HashSet of identifiers dedups exactly like the set of their raw ids.
    #[test]
    fn hash_set_dedups_like_raw_ids(raws in prop::collection::vec(prop::sample::select(vec![
        "8:acs:r_u", "8:acs:r_t_u", "4:+1", "4:+1_2", "8:orgid:x", "8:teamsvisitor:x", "28:dod:x", "", "x",
    ]), 0..24), ids in prop::collection::vec(identifier(), 0..8)) {
        let all: Vec<CommunicationIdentifier> = raws
            .iter()
            .map(|r| CommunicationIdentifier::from_raw_id(r))
            .chain(ids)
            .collect();
        let by_id: HashSet<&CommunicationIdentifier> = all.iter().collect();
        let by_raw: HashSet<&str> = all.iter().map(|i| i.raw_id()).collect();
        prop_assert_eq!(by_id.len(), by_raw.len());
        for raw in by_raw {
            prop_assert!(by_id.iter().any(|i| i.raw_id() == raw));
        }
    }
}

#[test]
fn identifiers_are_map_keys_looked_up_by_raw_id() {
    let mut map = std::collections::HashMap::new();
    map.insert(
        CommunicationIdentifier::from(MicrosoftTeamsUserIdentifier::new(
            "abc",
            CommunicationCloudEnvironment::Dod,
            false,
        )),
        1,
    );
    assert_eq!(map.get("8:dod:abc"), Some(&1));
    assert_eq!(
        map.get(&CommunicationIdentifier::from_raw_id("8:dod:abc")),
        Some(&1)
    );
    assert_eq!(map.get("8:orgid:abc"), None);
}

/// An unknown cloud is kept as given (issue 9 supersedes SPEC 1.5's "an
/// error naming the value": a newer service's cloud must not break readers).
#[test]
fn unknown_cloud_is_kept_as_given() {
    let json = r#"{"rawId":"8:x:y","microsoftTeamsUser":{"userId":"y","isAnonymous":false,"cloud":"mars"}}"#;
    let id = serde_json::from_str::<CommunicationIdentifier>(json).unwrap();
    let CommunicationIdentifier::MicrosoftTeamsUser(user) = &id else {
        panic!("{id:?}");
    };
    assert_eq!(user.cloud().as_str(), "mars");
    assert_eq!(id.raw_id(), "8:x:y");
    assert_eq!(serde_json::to_string(&id).unwrap(), json);
}

#[test]
fn wrong_json_types_are_errors_not_panics() {
    for json in [
        r#"{"rawId": 5}"#,
        r#"{"communicationUser": "x"}"#,
        r#"{"phoneNumber": {"value": 1}}"#,
        r#"{"microsoftTeamsUser": {"userId": "u", "isAnonymous": "no", "cloud": "public"}, "rawId": "r"}"#,
        r#"[]"#,
        r#"null"#,
        r#""8:acs:x""#,
    ] {
        assert!(
            serde_json::from_str::<CommunicationIdentifier>(json).is_err(),
            "{json}"
        );
    }
    // Nulls are absent properties.
    let id: CommunicationIdentifier =
        serde_json::from_str(r#"{"rawId":"48:x","communicationUser":null,"kind":null}"#).unwrap();
    assert_eq!(id.kind().as_str(), "unknown");
}
