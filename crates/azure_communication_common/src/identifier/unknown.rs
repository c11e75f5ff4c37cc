//! Identifiers of kinds this crate does not know.

use super::text::IdText;

/// An identifier of a kind this crate does not know (for example one the
/// service added after this crate was published). It keeps its raw id, so it
/// can be sent back to the service unchanged.
///
/// ```
/// use azure_communication_common::{CommunicationIdentifier, UnknownIdentifier};
///
/// let id = CommunicationIdentifier::from_raw_id("48:future-kind");
/// assert_eq!(id, CommunicationIdentifier::from(UnknownIdentifier::new("48:future-kind")));
/// ```
#[derive(Clone)]
pub struct UnknownIdentifier {
    text: IdText,
}

impl UnknownIdentifier {
    /// An identifier known only by its raw id.
    pub fn new(id: impl AsRef<str>) -> Self {
        UnknownIdentifier {
            text: IdText::from_raw(id.as_ref()),
        }
    }

    /// The id (also its raw id).
    pub fn id(&self) -> &str {
        self.text.raw()
    }

    /// The raw id: the same as [`id`](Self::id).
    pub fn raw_id(&self) -> &str {
        self.text.raw()
    }
}

impl std::fmt::Debug for UnknownIdentifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnknownIdentifier")
            .field("id", &self.id())
            .finish()
    }
}

super::by_raw_id!(UnknownIdentifier, Unknown);
