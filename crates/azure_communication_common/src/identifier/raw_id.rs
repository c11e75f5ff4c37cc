//! The raw-id rules (SPEC 1.2 and 1.3), all in one place.
//!
//! A raw id is the service's single-string form of an identifier, e.g.
//! `8:acs:<resource>_<user>` for a communication user or `4:+14255550123`
//! for a phone number. Formatting an identifier from its fields and parsing a
//! raw id back both use the prefixes below.

use std::borrow::Cow;

use super::{
    CommunicationCloudEnvironment, CommunicationIdentifier, CommunicationUserIdentifier,
    MicrosoftTeamsAppIdentifier, MicrosoftTeamsUserIdentifier, PhoneNumberIdentifier,
    TeamsExtensionUserIdentifier, UnknownIdentifier,
};

/// Phone numbers: `4:` + number.
pub(crate) const PHONE_NUMBER_PREFIX: &str = "4:";
/// The rest of a phone number's raw id that marks an anonymous caller.
pub(crate) const ANONYMOUS_PHONE_NUMBER: &str = "anonymous";
/// Anonymous Teams users (visitors), whatever their cloud.
pub(crate) const TEAMS_VISITOR_PREFIX: &str = "8:teamsvisitor:";
const TEAMS_USER_PUBLIC_PREFIX: &str = "8:orgid:";
const TEAMS_USER_DOD_PREFIX: &str = "8:dod:";
const TEAMS_USER_GCCH_PREFIX: &str = "8:gcch:";
const TEAMS_APP_PUBLIC_PREFIX: &str = "28:orgid:";
const TEAMS_APP_DOD_PREFIX: &str = "28:dod:";
const TEAMS_APP_GCCH_PREFIX: &str = "28:gcch:";
const ACS_USER_PUBLIC_PREFIX: &str = "8:acs:";
const ACS_USER_DOD_PREFIX: &str = "8:dod-acs:";
const ACS_USER_GCCH_PREFIX: &str = "8:gcch-acs:";
const SPOOL_USER_PREFIX: &str = "8:spool:";

/// The prefix of a (non-anonymous) Teams user's raw id in `cloud`; for a
/// cloud this crate does not know, `8:{cloud}:` (which parses back as an
/// unknown identifier).
pub(crate) fn teams_user_prefix(cloud: &CommunicationCloudEnvironment) -> Cow<'static, str> {
    match cloud {
        CommunicationCloudEnvironment::Public => TEAMS_USER_PUBLIC_PREFIX.into(),
        CommunicationCloudEnvironment::Dod => TEAMS_USER_DOD_PREFIX.into(),
        CommunicationCloudEnvironment::Gcch => TEAMS_USER_GCCH_PREFIX.into(),
        CommunicationCloudEnvironment::UnknownValue(name) => format!("8:{name}:").into(),
    }
}

/// The prefix of a Teams app's raw id in `cloud` (`28:{cloud}:` for an
/// unknown cloud).
pub(crate) fn teams_app_prefix(cloud: &CommunicationCloudEnvironment) -> Cow<'static, str> {
    match cloud {
        CommunicationCloudEnvironment::Public => TEAMS_APP_PUBLIC_PREFIX.into(),
        CommunicationCloudEnvironment::Dod => TEAMS_APP_DOD_PREFIX.into(),
        CommunicationCloudEnvironment::Gcch => TEAMS_APP_GCCH_PREFIX.into(),
        CommunicationCloudEnvironment::UnknownValue(name) => format!("28:{name}:").into(),
    }
}

/// The prefix of an ACS user's (and a Teams extension user's) raw id in
/// `cloud` (`8:{cloud}-acs:` for an unknown cloud).
pub(crate) fn acs_user_prefix(cloud: &CommunicationCloudEnvironment) -> Cow<'static, str> {
    match cloud {
        CommunicationCloudEnvironment::Public => ACS_USER_PUBLIC_PREFIX.into(),
        CommunicationCloudEnvironment::Dod => ACS_USER_DOD_PREFIX.into(),
        CommunicationCloudEnvironment::Gcch => ACS_USER_GCCH_PREFIX.into(),
        CommunicationCloudEnvironment::UnknownValue(name) => format!("8:{name}-acs:").into(),
    }
}

/// Where a phone number's asserted id starts, if it has one: after the last
/// `_`, when that `_` is not the number's last character and the number is
/// not `anonymous`.
pub(crate) fn asserted_id_start(number: &str) -> Option<usize> {
    if number == ANONYMOUS_PHONE_NUMBER {
        return None;
    }
    let underscore = number.rfind('_')?;
    (underscore + 1 < number.len()).then_some(underscore + 1)
}

/// Scans the suffix of an `8:acs:`-family raw id in one pass: `None` if it
/// holds a `:` (then the raw id does not have exactly three segments);
/// otherwise the positions of its two `_` when it has exactly two (a Teams
/// extension user's `{resource}_{tenant}_{user}`), or `Some(None)`.
fn scan_acs_suffix(suffix: &[u8]) -> Option<Option<(usize, usize)>> {
    let mut underscores = [0usize; 2];
    let mut count = 0usize;
    for at in memchr::memchr2_iter(b':', b'_', suffix) {
        if suffix[at] == b':' {
            return None;
        }
        if count < 2 {
            underscores[count] = at;
        }
        count += 1;
    }
    Some((count == 2).then_some((underscores[0], underscores[1])))
}

/// What a three-segment raw id's prefix (`seg0:seg1:`) means.
enum Prefix {
    TeamsVisitor,
    TeamsUser(CommunicationCloudEnvironment),
    TeamsApp(CommunicationCloudEnvironment),
    AcsUser(CommunicationCloudEnvironment),
    Spool,
}

fn classify(prefix: &str) -> Option<Prefix> {
    use CommunicationCloudEnvironment::{Dod, Gcch, Public};
    Some(match prefix {
        TEAMS_VISITOR_PREFIX => Prefix::TeamsVisitor,
        TEAMS_USER_PUBLIC_PREFIX => Prefix::TeamsUser(Public),
        TEAMS_USER_DOD_PREFIX => Prefix::TeamsUser(Dod),
        TEAMS_USER_GCCH_PREFIX => Prefix::TeamsUser(Gcch),
        ACS_USER_PUBLIC_PREFIX => Prefix::AcsUser(Public),
        ACS_USER_DOD_PREFIX => Prefix::AcsUser(Dod),
        ACS_USER_GCCH_PREFIX => Prefix::AcsUser(Gcch),
        SPOOL_USER_PREFIX => Prefix::Spool,
        TEAMS_APP_PUBLIC_PREFIX => Prefix::TeamsApp(Public),
        TEAMS_APP_DOD_PREFIX => Prefix::TeamsApp(Dod),
        TEAMS_APP_GCCH_PREFIX => Prefix::TeamsApp(Gcch),
        _ => return None,
    })
}

/// Parses a raw id (SPEC 1.3). Total: every string gives an identifier whose
/// raw id is that string.
pub(crate) fn parse(raw_id: &str) -> CommunicationIdentifier {
    if let Some(number) = raw_id.strip_prefix(PHONE_NUMBER_PREFIX) {
        return PhoneNumberIdentifier::parsed(raw_id, number).into();
    }
    // Exactly three `:`-separated segments, or it is unknown.
    let bytes = raw_id.as_bytes();
    // The first two segments are short in every known form: a plain loop
    // beats a vectorised search's set-up here.
    let colon = |from: usize| {
        bytes[from..]
            .iter()
            .position(|&b| b == b':')
            .map(|i| from + i)
    };
    let Some(first) = colon(0) else {
        return UnknownIdentifier::new(raw_id).into();
    };
    let Some(second) = colon(first + 1) else {
        return UnknownIdentifier::new(raw_id).into();
    };
    let suffix_start = second + 1;
    let suffix = &bytes[suffix_start..];
    let prefix = classify(&raw_id[..suffix_start]);
    if let Some(Prefix::AcsUser(cloud)) = prefix {
        return match scan_acs_suffix(suffix) {
            None => UnknownIdentifier::new(raw_id).into(),
            Some(Some((first, second))) => {
                TeamsExtensionUserIdentifier::parsed(raw_id, suffix_start, first, second, cloud)
                    .into()
            }
            Some(None) => CommunicationUserIdentifier::new(raw_id).into(),
        };
    }
    if memchr::memchr(b':', suffix).is_some() {
        return UnknownIdentifier::new(raw_id).into();
    }
    match prefix {
        Some(Prefix::TeamsVisitor) => MicrosoftTeamsUserIdentifier::parsed(
            raw_id,
            suffix_start,
            true,
            CommunicationCloudEnvironment::Public,
        )
        .into(),
        Some(Prefix::TeamsUser(cloud)) => {
            MicrosoftTeamsUserIdentifier::parsed(raw_id, suffix_start, false, cloud).into()
        }
        Some(Prefix::TeamsApp(cloud)) => {
            MicrosoftTeamsAppIdentifier::parsed(raw_id, suffix_start, cloud).into()
        }
        Some(Prefix::Spool) => CommunicationUserIdentifier::new(raw_id).into(),
        Some(Prefix::AcsUser(_)) | None => UnknownIdentifier::new(raw_id).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asserted_id_rules() {
        assert_eq!(asserted_id_start("+1_2"), Some(3));
        assert_eq!(asserted_id_start("+1_2_3"), Some(5));
        assert_eq!(asserted_id_start("+1_"), None);
        assert_eq!(asserted_id_start("+12"), None);
        assert_eq!(asserted_id_start("anonymous"), None);
        assert_eq!(asserted_id_start("_"), None);
        assert_eq!(asserted_id_start("_x"), Some(1));
    }

    #[test]
    fn acs_suffix_scan() {
        assert_eq!(scan_acs_suffix(b"a_b_c"), Some(Some((1, 3))));
        assert_eq!(scan_acs_suffix(b"__"), Some(Some((0, 1))));
        assert_eq!(scan_acs_suffix(b"a_b"), Some(None));
        assert_eq!(scan_acs_suffix(b"a_b_c_d"), Some(None));
        assert_eq!(scan_acs_suffix(b""), Some(None));
        assert_eq!(scan_acs_suffix(b"a_b_c:"), None);
        assert_eq!(scan_acs_suffix(b":"), None);
    }
}
