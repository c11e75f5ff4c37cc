//! Teams Phone extension users.

use super::raw_id::acs_user_prefix;
use super::text::{layout, IdText, Span};
use super::CommunicationCloudEnvironment;

/// A Teams Phone extension user: a user of a Teams tenant acting through an
/// ACS resource. Raw id `8:acs:{resource_id}_{tenant_id}_{user_id}`
/// (`8:dod-acs:` / `8:gcch-acs:` in the other clouds).
///
/// ```
/// use azure_communication_common::{CommunicationCloudEnvironment, TeamsExtensionUserIdentifier};
///
/// let user = TeamsExtensionUserIdentifier::new("u", "t", "r", CommunicationCloudEnvironment::Public);
/// assert_eq!(user.raw_id(), "8:acs:r_t_u");
/// ```
#[derive(Clone)]
pub struct TeamsExtensionUserIdentifier {
    text: IdText,
    user_id: Span,
    tenant_id: Span,
    resource_id: Span,
    cloud: CommunicationCloudEnvironment,
}

impl TeamsExtensionUserIdentifier {
    /// A Teams extension user from its Entra user id, tenant id and ACS resource id.
    pub fn new(
        user_id: impl AsRef<str>,
        tenant_id: impl AsRef<str>,
        resource_id: impl AsRef<str>,
        cloud: CommunicationCloudEnvironment,
    ) -> Self {
        Self::build(
            user_id.as_ref(),
            tenant_id.as_ref(),
            resource_id.as_ref(),
            cloud,
            None,
        )
    }

    pub(crate) fn build(
        user_id: &str,
        tenant_id: &str,
        resource_id: &str,
        cloud: CommunicationCloudEnvironment,
        raw_id: Option<&str>,
    ) -> Self {
        let (text, [resource_id, tenant_id, user_id]) = layout(
            raw_id,
            [resource_id, tenant_id, user_id],
            |b, [resource, tenant, user]| {
                b.push(&acs_user_prefix(&cloud));
                let resource = b.push(resource);
                b.push("_");
                let tenant = b.push(tenant);
                b.push("_");
                [resource, tenant, b.push(user)]
            },
        );
        TeamsExtensionUserIdentifier {
            text,
            user_id,
            tenant_id,
            resource_id,
            cloud,
        }
    }

    /// Parsed from a raw id whose suffix starts at `suffix_start` and has its
    /// two `_` at `first` and `second` (relative to the suffix).
    pub(crate) fn parsed(
        raw_id: &str,
        suffix_start: usize,
        first: usize,
        second: usize,
        cloud: CommunicationCloudEnvironment,
    ) -> Self {
        let first = suffix_start + first;
        let second = suffix_start + second;
        TeamsExtensionUserIdentifier {
            text: IdText::from_raw(raw_id),
            resource_id: Span::at(suffix_start, first - suffix_start),
            tenant_id: Span::at(first + 1, second - first - 1),
            user_id: Span::at(second + 1, raw_id.len() - second - 1),
            cloud,
        }
    }

    /// Carries the raw id the service gave this identifier; it is then the
    /// identifier's raw id even if it disagrees with the fields.
    pub fn with_raw_id(self, raw_id: impl AsRef<str>) -> Self {
        Self::build(
            self.user_id(),
            self.tenant_id(),
            self.resource_id(),
            self.cloud.clone(),
            Some(raw_id.as_ref()),
        )
    }

    /// The user's Entra object id.
    pub fn user_id(&self) -> &str {
        self.text.get(self.user_id)
    }

    /// The user's Entra tenant id.
    pub fn tenant_id(&self) -> &str {
        self.text.get(self.tenant_id)
    }

    /// The ACS resource id.
    pub fn resource_id(&self) -> &str {
        self.text.get(self.resource_id)
    }

    /// The cloud.
    pub fn cloud(&self) -> CommunicationCloudEnvironment {
        self.cloud.clone()
    }

    /// The raw id.
    pub fn raw_id(&self) -> &str {
        self.text.raw()
    }
}

impl std::fmt::Debug for TeamsExtensionUserIdentifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TeamsExtensionUserIdentifier")
            .field("user_id", &self.user_id())
            .field("tenant_id", &self.tenant_id())
            .field("resource_id", &self.resource_id())
            .field("cloud", &self.cloud)
            .field("raw_id", &self.raw_id())
            .finish()
    }
}

super::by_raw_id!(TeamsExtensionUserIdentifier, TeamsExtensionUser);
