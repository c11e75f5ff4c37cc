//! The identifier enum and its kinds.

use super::{
    raw_id, CommunicationUserIdentifier, MicrosoftTeamsAppIdentifier, MicrosoftTeamsUserIdentifier,
    PhoneNumberIdentifier, TeamsExtensionUserIdentifier, UnknownIdentifier,
};
use std::{convert::Infallible, fmt, hash::Hash, str::FromStr};

/// Any participant of Azure Communication Services: an ACS user, a phone
/// number, a Teams user, a Teams app, a Teams extension user, or an
/// identifier of a kind this crate does not know.
///
/// Identifiers compare, hash, order and print by their raw id (the service's
/// single-string form), which is computed once when the identifier is built:
/// comparing, hashing and printing never allocate. So two identifiers are
/// equal exactly when their raw ids are equal, whatever their kinds or fields
/// (an identifier carrying a service-provided raw id equals one parsed from
/// that raw id), and a map keyed by identifiers can be looked up by raw id
/// (`CommunicationIdentifier: Borrow<str>`).
///
/// ```
/// use azure_communication_common::{CommunicationIdentifier, CommunicationIdentifierKind};
/// use std::collections::HashMap;
///
/// let id = CommunicationIdentifier::from_raw_id("8:orgid:45ab2481");
/// assert_eq!(id.kind(), CommunicationIdentifierKind::MicrosoftTeamsUser);
/// assert_eq!(id.to_string(), "8:orgid:45ab2481");
///
/// let mut names = HashMap::new();
/// names.insert(id, "Alice");
/// assert_eq!(names.get("8:orgid:45ab2481"), Some(&"Alice"));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum CommunicationIdentifier {
    /// An Azure Communication Services user.
    CommunicationUser(CommunicationUserIdentifier),
    /// A phone number.
    PhoneNumber(PhoneNumberIdentifier),
    /// A Microsoft Teams user.
    MicrosoftTeamsUser(MicrosoftTeamsUserIdentifier),
    /// A Microsoft Teams application.
    MicrosoftTeamsApp(MicrosoftTeamsAppIdentifier),
    /// A Teams Phone extension user.
    TeamsExtensionUser(TeamsExtensionUserIdentifier),
    /// An identifier of a kind this crate does not know.
    Unknown(UnknownIdentifier),
}

/// The kind of a [`CommunicationIdentifier`]; [`as_str`](Self::as_str) gives
/// the wire name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum CommunicationIdentifierKind {
    /// `communicationUser`
    CommunicationUser,
    /// `phoneNumber`
    PhoneNumber,
    /// `microsoftTeamsUser`
    MicrosoftTeamsUser,
    /// `microsoftTeamsApp`
    MicrosoftTeamsApp,
    /// `teamsExtensionUser`
    TeamsExtensionUser,
    /// `unknown`
    Unknown,
}

impl CommunicationIdentifierKind {
    /// The wire name of the kind, e.g. `microsoftTeamsUser`.
    pub const fn as_str(self) -> &'static str {
        match self {
            CommunicationIdentifierKind::CommunicationUser => "communicationUser",
            CommunicationIdentifierKind::PhoneNumber => "phoneNumber",
            CommunicationIdentifierKind::MicrosoftTeamsUser => "microsoftTeamsUser",
            CommunicationIdentifierKind::MicrosoftTeamsApp => "microsoftTeamsApp",
            CommunicationIdentifierKind::TeamsExtensionUser => "teamsExtensionUser",
            CommunicationIdentifierKind::Unknown => "unknown",
        }
    }
}

impl fmt::Display for CommunicationIdentifierKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl CommunicationIdentifier {
    /// Parses a raw id. Never fails: a string of no known form gives an
    /// [`Unknown`](Self::Unknown) identifier, and for every string `s`,
    /// `from_raw_id(s).raw_id() == s`.
    ///
    /// ```
    /// use azure_communication_common::CommunicationIdentifier;
    ///
    /// match CommunicationIdentifier::from_raw_id("4:+14255550123") {
    ///     CommunicationIdentifier::PhoneNumber(phone) => assert_eq!(phone.phone_number(), "+14255550123"),
    ///     other => panic!("unexpected {other:?}"),
    /// }
    /// ```
    pub fn from_raw_id(raw_id: &str) -> Self {
        raw_id::parse(raw_id)
    }

    /// The raw id.
    pub fn raw_id(&self) -> &str {
        match self {
            CommunicationIdentifier::CommunicationUser(i) => i.raw_id(),
            CommunicationIdentifier::PhoneNumber(i) => i.raw_id(),
            CommunicationIdentifier::MicrosoftTeamsUser(i) => i.raw_id(),
            CommunicationIdentifier::MicrosoftTeamsApp(i) => i.raw_id(),
            CommunicationIdentifier::TeamsExtensionUser(i) => i.raw_id(),
            CommunicationIdentifier::Unknown(i) => i.raw_id(),
        }
    }

    /// The kind of identifier.
    pub fn kind(&self) -> CommunicationIdentifierKind {
        match self {
            CommunicationIdentifier::CommunicationUser(_) => {
                CommunicationIdentifierKind::CommunicationUser
            }
            CommunicationIdentifier::PhoneNumber(_) => CommunicationIdentifierKind::PhoneNumber,
            CommunicationIdentifier::MicrosoftTeamsUser(_) => {
                CommunicationIdentifierKind::MicrosoftTeamsUser
            }
            CommunicationIdentifier::MicrosoftTeamsApp(_) => {
                CommunicationIdentifierKind::MicrosoftTeamsApp
            }
            CommunicationIdentifier::TeamsExtensionUser(_) => {
                CommunicationIdentifierKind::TeamsExtensionUser
            }
            CommunicationIdentifier::Unknown(_) => CommunicationIdentifierKind::Unknown,
        }
    }
}

impl FromStr for CommunicationIdentifier {
    type Err = Infallible;

    /// Parses a raw id; the same as [`CommunicationIdentifier::from_raw_id`].
    fn from_str(raw_id: &str) -> Result<Self, Infallible> {
        Ok(raw_id::parse(raw_id))
    }
}

impl PartialEq for CommunicationIdentifier {
    fn eq(&self, other: &Self) -> bool {
        self.raw_id() == other.raw_id()
    }
}

impl Eq for CommunicationIdentifier {}

impl Hash for CommunicationIdentifier {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.raw_id().hash(state)
    }
}

impl PartialOrd for CommunicationIdentifier {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for CommunicationIdentifier {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.raw_id().cmp(other.raw_id())
    }
}

impl std::borrow::Borrow<str> for CommunicationIdentifier {
    fn borrow(&self) -> &str {
        self.raw_id()
    }
}

impl AsRef<str> for CommunicationIdentifier {
    fn as_ref(&self) -> &str {
        self.raw_id()
    }
}

impl fmt::Display for CommunicationIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.raw_id())
    }
}
