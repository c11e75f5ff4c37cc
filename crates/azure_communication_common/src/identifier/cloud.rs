//! The cloud an identifier belongs to.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

/// The Microsoft cloud a Teams identifier belongs to.
///
/// Serialized as `public`, `dod` or `gcch`, as on the wire. A cloud this
/// version does not know (the service may add one) is kept as
/// [`UnknownValue`](Self::UnknownValue) with the text as given, and written
/// back unchanged, so an identifier from a newer service round-trips.
///
/// ```
/// use azure_communication_common::CommunicationCloudEnvironment;
///
/// assert_eq!(CommunicationCloudEnvironment::default(), CommunicationCloudEnvironment::Public);
/// assert_eq!(CommunicationCloudEnvironment::Gcch.as_str(), "gcch");
/// let newer: CommunicationCloudEnvironment = "newcloud".parse().unwrap();
/// assert_eq!(newer.as_str(), "newcloud");
/// assert_eq!(serde_json::to_string(&newer).unwrap(), r#""newcloud""#);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum CommunicationCloudEnvironment {
    /// The public (commercial) cloud. The default.
    #[default]
    Public,
    /// The US Department of Defense cloud.
    Dod,
    /// The US Government Community Cloud High.
    Gcch,
    /// A cloud this version of the crate does not know, as the service named
    /// it. Never `public`, `dod` or `gcch` when made by parsing.
    UnknownValue(String),
}

impl CommunicationCloudEnvironment {
    /// The wire name: `public`, `dod`, `gcch`, or an unknown cloud's name.
    pub fn as_str(&self) -> &str {
        match self {
            CommunicationCloudEnvironment::Public => "public",
            CommunicationCloudEnvironment::Dod => "dod",
            CommunicationCloudEnvironment::Gcch => "gcch",
            CommunicationCloudEnvironment::UnknownValue(name) => name,
        }
    }
}

impl FromStr for CommunicationCloudEnvironment {
    type Err = Infallible;

    /// Exact, case-sensitive wire names; anything else is an unknown cloud.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "public" => CommunicationCloudEnvironment::Public,
            "dod" => CommunicationCloudEnvironment::Dod,
            "gcch" => CommunicationCloudEnvironment::Gcch,
            other => CommunicationCloudEnvironment::UnknownValue(other.to_owned()),
        })
    }
}

impl fmt::Display for CommunicationCloudEnvironment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CommunicationCloudEnvironment {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CommunicationCloudEnvironment {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        let Ok(cloud) = name.parse();
        Ok(cloud)
    }
}
