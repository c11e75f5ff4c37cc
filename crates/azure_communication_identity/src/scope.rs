//! The scopes an ACS user access token can carry.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

/// What an ACS user access token allows its holder to do.
///
/// The service may add scopes: a value this crate does not know is carried
/// as [`UnknownValue`](Self::UnknownValue) and sent as is, so a newer scope
/// can be used before this crate names it. Parsing never fails
/// (`"chat".parse()` gives [`Chat`](Self::Chat), `"future"` gives
/// `UnknownValue("future")`); matching is exact and case-sensitive, as the
/// service's.
///
/// ```
/// use azure_communication_identity::CommunicationTokenScope;
///
/// let scope: CommunicationTokenScope = "chat.join".parse().unwrap();
/// assert_eq!(scope, CommunicationTokenScope::ChatJoin);
/// assert_eq!(CommunicationTokenScope::from("newScope").as_str(), "newScope");
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CommunicationTokenScope {
    /// `chat`: full access to the Chat APIs.
    Chat,
    /// `voip`: full access to the Calling APIs.
    VoIP,
    /// `chat.join`: the Chat APIs without creating, deleting or updating
    /// chat threads.
    ChatJoin,
    /// `chat.join.limited`: like `chat.join`, and also without adding or
    /// removing participants (for holders that are not fully trusted).
    ChatJoinLimited,
    /// `voip.join`: the Calling APIs without starting new calls.
    VoIPJoin,
    /// A scope this version of the crate does not know, sent as written.
    UnknownValue(String),
}

impl CommunicationTokenScope {
    /// The scope's name on the wire, e.g. `chat.join`.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Chat => "chat",
            Self::VoIP => "voip",
            Self::ChatJoin => "chat.join",
            Self::ChatJoinLimited => "chat.join.limited",
            Self::VoIPJoin => "voip.join",
            Self::UnknownValue(value) => value,
        }
    }
}

impl From<&str> for CommunicationTokenScope {
    fn from(value: &str) -> Self {
        match value {
            "chat" => Self::Chat,
            "voip" => Self::VoIP,
            "chat.join" => Self::ChatJoin,
            "chat.join.limited" => Self::ChatJoinLimited,
            "voip.join" => Self::VoIPJoin,
            other => Self::UnknownValue(other.to_owned()),
        }
    }
}

impl From<String> for CommunicationTokenScope {
    fn from(value: String) -> Self {
        match Self::from(value.as_str()) {
            Self::UnknownValue(_) => Self::UnknownValue(value),
            known => known,
        }
    }
}

impl FromStr for CommunicationTokenScope {
    type Err = Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::from(s))
    }
}

impl AsRef<str> for CommunicationTokenScope {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for CommunicationTokenScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CommunicationTokenScope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CommunicationTokenScope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: [(&str, CommunicationTokenScope); 5] = [
        ("chat", CommunicationTokenScope::Chat),
        ("voip", CommunicationTokenScope::VoIP),
        ("chat.join", CommunicationTokenScope::ChatJoin),
        (
            "chat.join.limited",
            CommunicationTokenScope::ChatJoinLimited,
        ),
        ("voip.join", CommunicationTokenScope::VoIPJoin),
    ];

    #[test]
    fn known_names_round_trip() {
        for (name, scope) in KNOWN {
            assert_eq!(CommunicationTokenScope::from(name), scope);
            assert_eq!(scope.as_str(), name);
            assert_eq!(
                serde_json::to_string(&scope).unwrap(),
                format!("\"{name}\"")
            );
            let back: CommunicationTokenScope =
                serde_json::from_str(&format!("\"{name}\"")).unwrap();
            assert_eq!(back, scope);
        }
    }

    #[test]
    fn unknown_names_are_carried_exactly() {
        for name in [
            "Chat",
            "chat ",
            "",
            "voip.join.limited",
            "chat.join.limited.x",
        ] {
            let scope = CommunicationTokenScope::from(name.to_owned());
            assert_eq!(
                scope,
                CommunicationTokenScope::UnknownValue(name.to_owned())
            );
            assert_eq!(scope.to_string(), name);
        }
    }
}
