//! Microsoft Teams users.

use super::raw_id::{teams_user_prefix, TEAMS_VISITOR_PREFIX};
use super::text::{layout, IdText, Span};
use super::CommunicationCloudEnvironment;

/// A Microsoft Teams user, e.g. `8:orgid:<user id>`; an anonymous one
/// (a Teams visitor) is `8:teamsvisitor:<user id>` whatever its cloud.
///
/// ```
/// use azure_communication_common::{CommunicationCloudEnvironment, MicrosoftTeamsUserIdentifier};
///
/// let user = MicrosoftTeamsUserIdentifier::new("4fa1", CommunicationCloudEnvironment::Gcch, false);
/// assert_eq!(user.raw_id(), "8:gcch:4fa1");
/// let visitor = MicrosoftTeamsUserIdentifier::new("4fa1", CommunicationCloudEnvironment::Public, true);
/// assert_eq!(visitor.raw_id(), "8:teamsvisitor:4fa1");
/// ```
#[derive(Clone)]
pub struct MicrosoftTeamsUserIdentifier {
    text: IdText,
    user_id: Span,
    cloud: CommunicationCloudEnvironment,
    is_anonymous: bool,
}

impl MicrosoftTeamsUserIdentifier {
    /// A Teams user with its Entra object id (or visitor id when anonymous).
    pub fn new(
        user_id: impl AsRef<str>,
        cloud: CommunicationCloudEnvironment,
        is_anonymous: bool,
    ) -> Self {
        Self::build(user_id.as_ref(), cloud, is_anonymous, None)
    }

    pub(crate) fn build(
        user_id: &str,
        cloud: CommunicationCloudEnvironment,
        is_anonymous: bool,
        raw_id: Option<&str>,
    ) -> Self {
        let (text, [user_id]) = layout(raw_id, [user_id], |b, [user_id]| {
            let prefix = if is_anonymous {
                TEAMS_VISITOR_PREFIX.into()
            } else {
                teams_user_prefix(&cloud)
            };
            b.push(&prefix);
            [b.push(user_id)]
        });
        MicrosoftTeamsUserIdentifier {
            text,
            user_id,
            cloud,
            is_anonymous,
        }
    }

    /// Parsed from a raw id whose user id starts at byte `user_start`.
    pub(crate) fn parsed(
        raw_id: &str,
        user_start: usize,
        is_anonymous: bool,
        cloud: CommunicationCloudEnvironment,
    ) -> Self {
        MicrosoftTeamsUserIdentifier {
            text: IdText::from_raw(raw_id),
            user_id: Span::at(user_start, raw_id.len() - user_start),
            cloud,
            is_anonymous,
        }
    }

    /// Carries the raw id the service gave this identifier; it is then the
    /// identifier's raw id even if it disagrees with the fields.
    pub fn with_raw_id(self, raw_id: impl AsRef<str>) -> Self {
        Self::build(
            self.user_id(),
            self.cloud.clone(),
            self.is_anonymous,
            Some(raw_id.as_ref()),
        )
    }

    /// The user's id.
    pub fn user_id(&self) -> &str {
        self.text.get(self.user_id)
    }

    /// The user's cloud.
    pub fn cloud(&self) -> CommunicationCloudEnvironment {
        self.cloud.clone()
    }

    /// Whether this is an anonymous Teams user (a visitor).
    pub fn is_anonymous(&self) -> bool {
        self.is_anonymous
    }

    /// The raw id.
    pub fn raw_id(&self) -> &str {
        self.text.raw()
    }
}

impl std::fmt::Debug for MicrosoftTeamsUserIdentifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MicrosoftTeamsUserIdentifier")
            .field("user_id", &self.user_id())
            .field("is_anonymous", &self.is_anonymous)
            .field("cloud", &self.cloud)
            .field("raw_id", &self.raw_id())
            .finish()
    }
}

super::by_raw_id!(MicrosoftTeamsUserIdentifier, MicrosoftTeamsUser);
