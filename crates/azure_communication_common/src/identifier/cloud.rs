//! The cloud an identifier belongs to.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The Microsoft cloud a Teams identifier belongs to.
///
/// Serialized as `public`, `dod` or `gcch`, as on the wire.
///
/// ```
/// use azure_communication_common::CommunicationCloudEnvironment;
///
/// assert_eq!(CommunicationCloudEnvironment::default(), CommunicationCloudEnvironment::Public);
/// assert_eq!(CommunicationCloudEnvironment::Gcch.as_str(), "gcch");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CommunicationCloudEnvironment {
    /// The public (commercial) cloud. The default.
    #[default]
    Public,
    /// The US Department of Defense cloud.
    Dod,
    /// The US Government Community Cloud High.
    Gcch,
}

impl CommunicationCloudEnvironment {
    /// The wire name: `public`, `dod` or `gcch`.
    pub const fn as_str(self) -> &'static str {
        match self {
            CommunicationCloudEnvironment::Public => "public",
            CommunicationCloudEnvironment::Dod => "dod",
            CommunicationCloudEnvironment::Gcch => "gcch",
        }
    }
}

impl fmt::Display for CommunicationCloudEnvironment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
