//! Raw-id parsing (SPEC 1.3) against a plain reference implementation.
//!
//! For any string `s`:
//! * `from_raw_id(s).raw_id() == s`, and `Display`, `FromStr`, `Borrow<str>`,
//!   `Hash` and `Ord` all agree with the raw id;
//! * re-parsing the raw id gives an equal identifier of the same kind and the
//!   same fields (formatting then re-parsing is stable);
//! * the kind and every field match a naive `split(':')` reading of SPEC 1.3;
//! * rebuilding the identifier from its fields with the public constructors
//!   formats the same raw id (SPEC 1.2), except where SPEC 1.3 keeps a raw id
//!   that 1.2 cannot produce (anonymous Teams users outside the public cloud
//!   do not exist in 1.3, so none are checked);
//! * the wire model round-trips the identifier with every field intact.
//!
//! Shared by `fuzz/fuzz_targets/raw_id.rs` and the property run in
//! `crates/azure_communication_common/tests/fuzz_invariants.rs`.

use azure_communication_common::{
    CommunicationCloudEnvironment as Cloud, CommunicationIdentifier as Id,
    CommunicationIdentifierKind as Kind, CommunicationIdentifierModel, MicrosoftTeamsAppIdentifier,
    MicrosoftTeamsUserIdentifier, PhoneNumberIdentifier, TeamsExtensionUserIdentifier,
};
use std::hash::{BuildHasher, RandomState};

/// What SPEC 1.3 says `s` parses to, written as literally as possible.
#[derive(Debug, PartialEq)]
enum Expected {
    CommunicationUser,
    Phone {
        number: String,
        anonymous: bool,
        asserted: Option<String>,
    },
    TeamsUser {
        user_id: String,
        anonymous: bool,
        cloud: Cloud,
    },
    TeamsApp {
        app_id: String,
        cloud: Cloud,
    },
    Extension {
        resource_id: String,
        tenant_id: String,
        user_id: String,
        cloud: Cloud,
    },
    Unknown,
}

fn reference(s: &str) -> Expected {
    if let Some(rest) = s.strip_prefix("4:") {
        let anonymous = rest == "anonymous";
        let asserted = if anonymous {
            None
        } else {
            match rest.rfind('_') {
                Some(i) if i + 1 < rest.len() => Some(rest[i + 1..].to_owned()),
                _ => None,
            }
        };
        return Expected::Phone {
            number: rest.to_owned(),
            anonymous,
            asserted,
        };
    }
    let segments: Vec<&str> = s.split(':').collect();
    if segments.len() != 3 {
        return Expected::Unknown;
    }
    let prefix = format!("{}:{}:", segments[0], segments[1]);
    let suffix = segments[2].to_owned();
    let acs = |cloud| {
        let parts: Vec<&str> = suffix.split('_').collect();
        if parts.len() == 3 {
            Expected::Extension {
                resource_id: parts[0].to_owned(),
                tenant_id: parts[1].to_owned(),
                user_id: parts[2].to_owned(),
                cloud,
            }
        } else {
            Expected::CommunicationUser
        }
    };
    match prefix.as_str() {
        "8:teamsvisitor:" => Expected::TeamsUser {
            user_id: suffix,
            anonymous: true,
            cloud: Cloud::Public,
        },
        "8:orgid:" => Expected::TeamsUser {
            user_id: suffix,
            anonymous: false,
            cloud: Cloud::Public,
        },
        "8:dod:" => Expected::TeamsUser {
            user_id: suffix,
            anonymous: false,
            cloud: Cloud::Dod,
        },
        "8:gcch:" => Expected::TeamsUser {
            user_id: suffix,
            anonymous: false,
            cloud: Cloud::Gcch,
        },
        "8:acs:" => acs(Cloud::Public),
        "8:dod-acs:" => acs(Cloud::Dod),
        "8:gcch-acs:" => acs(Cloud::Gcch),
        "8:spool:" => Expected::CommunicationUser,
        "28:orgid:" => Expected::TeamsApp {
            app_id: suffix,
            cloud: Cloud::Public,
        },
        "28:dod:" => Expected::TeamsApp {
            app_id: suffix,
            cloud: Cloud::Dod,
        },
        "28:gcch:" => Expected::TeamsApp {
            app_id: suffix,
            cloud: Cloud::Gcch,
        },
        _ => Expected::Unknown,
    }
}

/// The identifier's kind and fields, in the reference's terms.
fn observed(id: &Id) -> Expected {
    match id {
        Id::CommunicationUser(u) => {
            assert_eq!(u.id(), u.raw_id());
            Expected::CommunicationUser
        }
        Id::PhoneNumber(p) => Expected::Phone {
            number: p.phone_number().to_owned(),
            anonymous: p.is_anonymous(),
            asserted: p.asserted_id().map(str::to_owned),
        },
        Id::MicrosoftTeamsUser(u) => Expected::TeamsUser {
            user_id: u.user_id().to_owned(),
            anonymous: u.is_anonymous(),
            cloud: u.cloud(),
        },
        Id::MicrosoftTeamsApp(a) => Expected::TeamsApp {
            app_id: a.app_id().to_owned(),
            cloud: a.cloud(),
        },
        Id::TeamsExtensionUser(e) => Expected::Extension {
            resource_id: e.resource_id().to_owned(),
            tenant_id: e.tenant_id().to_owned(),
            user_id: e.user_id().to_owned(),
            cloud: e.cloud(),
        },
        Id::Unknown(u) => {
            assert_eq!(u.id(), u.raw_id());
            Expected::Unknown
        }
        // `CommunicationIdentifier` is non-exhaustive: a kind added to the
        // library must be added to the reference reading above too.
        other => panic!("a kind this target does not know: {other:?}"),
    }
}

/// The identifier rebuilt from its fields with the public constructors
/// (SPEC 1.2 formatting), for the kinds whose raw id is computed.
fn rebuilt(id: &Id) -> Option<Id> {
    Some(match id {
        Id::PhoneNumber(p) => PhoneNumberIdentifier::new(p.phone_number()).into(),
        Id::MicrosoftTeamsUser(u) => {
            MicrosoftTeamsUserIdentifier::new(u.user_id(), u.cloud(), u.is_anonymous()).into()
        }
        Id::MicrosoftTeamsApp(a) => MicrosoftTeamsAppIdentifier::new(a.app_id(), a.cloud()).into(),
        Id::TeamsExtensionUser(e) => TeamsExtensionUserIdentifier::new(
            e.user_id(),
            e.tenant_id(),
            e.resource_id(),
            e.cloud(),
        )
        .into(),
        // no computed raw id (and kinds this target does not know)
        _ => return None,
    })
}

fn kind_of(expected: &Expected) -> Kind {
    match expected {
        Expected::CommunicationUser => Kind::CommunicationUser,
        Expected::Phone { .. } => Kind::PhoneNumber,
        Expected::TeamsUser { .. } => Kind::MicrosoftTeamsUser,
        Expected::TeamsApp { .. } => Kind::MicrosoftTeamsApp,
        Expected::Extension { .. } => Kind::TeamsExtensionUser,
        Expected::Unknown => Kind::Unknown,
    }
}

/// Checks one input; panics when an invariant does not hold.
pub fn check(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    let s: &str = &s;

    let id = Id::from_raw_id(s);
    assert_eq!(id.raw_id(), s, "raw id must round-trip");
    assert_eq!(id.to_string(), s, "Display prints the raw id");
    let from_str: Id = s.parse().unwrap();
    assert_eq!(
        format!("{from_str:?}"),
        format!("{id:?}"),
        "FromStr = from_raw_id"
    );

    // Kind and fields as SPEC 1.3 reads them.
    let expected = reference(s);
    assert_eq!(observed(&id), expected, "fields of {s:?}");
    assert_eq!(id.kind(), kind_of(&expected));

    // Formatting then re-parsing is stable.
    let printed = format!("{id}");
    let again = Id::from_raw_id(&printed);
    assert_eq!(again, id);
    assert_eq!(again.kind(), id.kind());
    assert_eq!(format!("{again:?}"), format!("{id:?}"));

    // Equality, hashing and ordering are the raw id's (Borrow<str> contract).
    let hasher = RandomState::new();
    assert_eq!(hasher.hash_one(&id), hasher.hash_one(s));
    let other = Id::from_raw_id(&format!("{s}x"));
    assert_eq!(id.cmp(&other), s.cmp(&format!("{s}x")[..]));
    assert_ne!(id, other);

    // Rebuilding from the fields formats the same raw id (SPEC 1.2).
    if let Some(rebuilt) = rebuilt(&id) {
        assert_eq!(rebuilt.raw_id(), s, "formatting the fields of {id:?}");
        assert_eq!(format!("{rebuilt:?}"), format!("{id:?}"));
    }

    // The wire model carries every field.
    let model = CommunicationIdentifierModel::from(&id);
    let back = Id::try_from(&model).expect("a model made from an identifier converts back");
    assert_eq!(
        format!("{back:?}"),
        format!("{id:?}"),
        "wire model of {s:?}"
    );
    let json = serde_json::to_string(&id).unwrap();
    let back: Id = serde_json::from_str(&json).expect("serialized identifier deserializes");
    assert_eq!(back, id);
    assert_eq!(back.kind(), id.kind());
    assert_eq!(
        format!("{back:?}"),
        format!("{id:?}"),
        "JSON of {s:?}: {json}"
    );
}
