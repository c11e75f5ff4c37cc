//! Azure Communication Services users.

use super::text::IdText;

/// An Azure Communication Services user, e.g. `8:acs:<resource>_<user>`.
///
/// Its raw id is its id.
///
/// ```
/// use azure_communication_common::{CommunicationIdentifier, CommunicationUserIdentifier};
///
/// let user = CommunicationUserIdentifier::new("8:acs:resource_user");
/// assert_eq!(user.id(), "8:acs:resource_user");
/// assert_eq!(CommunicationIdentifier::from(user).raw_id(), "8:acs:resource_user");
/// ```
#[derive(Clone)]
pub struct CommunicationUserIdentifier {
    text: IdText,
}

impl CommunicationUserIdentifier {
    /// A user with the id the identity service gave it.
    pub fn new(id: impl AsRef<str>) -> Self {
        CommunicationUserIdentifier {
            text: IdText::from_raw(id.as_ref()),
        }
    }

    /// The user's id (also its raw id).
    pub fn id(&self) -> &str {
        self.text.raw()
    }

    /// The raw id: the same as [`id`](Self::id).
    pub fn raw_id(&self) -> &str {
        self.text.raw()
    }
}

impl std::fmt::Debug for CommunicationUserIdentifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommunicationUserIdentifier")
            .field("id", &self.id())
            .finish()
    }
}

super::by_raw_id!(CommunicationUserIdentifier, CommunicationUser);
