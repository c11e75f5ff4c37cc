//! Communication identifiers: the participants of chats, calls and SMS.
//!
//! - [`CommunicationIdentifier`] is any identifier; each kind has its own
//!   struct ([`CommunicationUserIdentifier`], [`PhoneNumberIdentifier`],
//!   [`MicrosoftTeamsUserIdentifier`], [`MicrosoftTeamsAppIdentifier`],
//!   [`TeamsExtensionUserIdentifier`], [`UnknownIdentifier`]).
//! - The raw-id rules (formatting and parsing) live in `raw_id.rs`.
//! - The REST wire model and serde live in `model.rs`.

/// Equality, hashing, ordering and `Display` by raw id, `Borrow<str>`, and
/// the conversion into [`CommunicationIdentifier`], for a kind struct.
macro_rules! by_raw_id {
    ($kind:ident, $variant:ident) => {
        impl PartialEq for $kind {
            fn eq(&self, other: &Self) -> bool {
                self.raw_id() == other.raw_id()
            }
        }
        impl Eq for $kind {}
        impl std::hash::Hash for $kind {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.raw_id().hash(state)
            }
        }
        impl PartialOrd for $kind {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }
        impl Ord for $kind {
            fn cmp(&self, other: &Self) -> std::cmp::Ordering {
                self.raw_id().cmp(other.raw_id())
            }
        }
        impl std::borrow::Borrow<str> for $kind {
            fn borrow(&self) -> &str {
                self.raw_id()
            }
        }
        impl std::fmt::Display for $kind {
            /// Prints the raw id.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.raw_id())
            }
        }
        impl From<$kind> for super::CommunicationIdentifier {
            fn from(identifier: $kind) -> Self {
                super::CommunicationIdentifier::$variant(identifier)
            }
        }
    };
}
use by_raw_id;

mod cloud;
mod communication_identifier;
mod communication_user;
mod model;
mod phone_number;
mod raw_id;
mod teams_app;
mod teams_extension_user;
mod teams_user;
mod text;
mod unknown;

pub use cloud::CommunicationCloudEnvironment;
pub use communication_identifier::{CommunicationIdentifier, CommunicationIdentifierKind};
pub use communication_user::CommunicationUserIdentifier;
pub use model::{
    CommunicationIdentifierModel, CommunicationUserIdentifierModel,
    MicrosoftTeamsAppIdentifierModel, MicrosoftTeamsUserIdentifierModel,
    PhoneNumberIdentifierModel, TeamsExtensionUserIdentifierModel,
};
pub use phone_number::PhoneNumberIdentifier;
pub use teams_app::MicrosoftTeamsAppIdentifier;
pub use teams_extension_user::TeamsExtensionUserIdentifier;
pub use teams_user::MicrosoftTeamsUserIdentifier;
pub use unknown::UnknownIdentifier;
