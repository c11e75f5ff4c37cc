//! The two ways to authenticate to Azure Communication Services, and the
//! pipeline policy for each.

use std::sync::Arc;

use azure_core::credentials::{Secret, TokenCredential};
use azure_core::http::policies::{auth::BearerTokenAuthorizationPolicy, Policy};

use super::access_key_credential::AccessKeyCredential;
use super::policy::CommunicationAccessKeyCredentialPolicy;
use super::signer::AccessKeySigner;

/// The scope for Microsoft Entra ID tokens accepted by Azure Communication
/// Services. The double slash is intended (it is the resource
/// `https://communication.azure.com/` followed by `/.default`).
pub const COMMUNICATION_TOKEN_SCOPE: &str = "https://communication.azure.com//.default";

/// How a client authenticates to an Azure Communication Services resource.
///
/// * [`AccessKey`](Self::AccessKey): HMAC-SHA256 signing with the resource's
///   access key (from the portal or a connection string).
/// * [`Token`](Self::Token): a Microsoft Entra ID [`TokenCredential`] (for
///   example from `azure_identity`), sent as a bearer token for
///   [`COMMUNICATION_TOKEN_SCOPE`].
///
/// Turn it into a pipeline policy with [`communication_auth_policy`].
/// `Debug` never shows the key.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum CommunicationCredential {
    /// Sign requests with an access key, read per request (so it can be
    /// rotated with [`AccessKeyCredential::update`]).
    AccessKey(AccessKeyCredential),
    /// Send a Microsoft Entra ID bearer token.
    Token(Arc<dyn TokenCredential>),
}

impl CommunicationCredential {
    /// An access-key credential from a base64 key.
    ///
    /// # Errors
    ///
    /// The key is not valid standard base64 (see [`AccessKeySigner::new`]);
    /// the message never contains the key.
    pub fn from_access_key(access_key: impl Into<Secret>) -> azure_core::Result<Self> {
        Ok(Self::AccessKey(AccessKeyCredential::new(access_key)?))
    }
}

impl From<AccessKeySigner> for CommunicationCredential {
    fn from(signer: AccessKeySigner) -> Self {
        Self::AccessKey(signer.into())
    }
}

impl From<AccessKeyCredential> for CommunicationCredential {
    fn from(key: AccessKeyCredential) -> Self {
        Self::AccessKey(key)
    }
}

impl From<Arc<dyn TokenCredential>> for CommunicationCredential {
    fn from(credential: Arc<dyn TokenCredential>) -> Self {
        Self::Token(credential)
    }
}

/// The authentication policy for `credential`, to be placed per try in an
/// azure_core pipeline:
///
/// * an access key gives a [`CommunicationAccessKeyCredentialPolicy`]
///   (HMAC-SHA256, works over `http://` and `https://`);
/// * a token credential gives azure_core's [`BearerTokenAuthorizationPolicy`]
///   with the scope [`COMMUNICATION_TOKEN_SCOPE`] (it refuses `http://` URLs).
///
/// # Example
///
/// ```
/// use azure_communication_common::{communication_auth_policy, CommunicationCredential};
///
/// let policy = communication_auth_policy(CommunicationCredential::from_access_key("pw==")?);
/// assert!(format!("{policy:?}").starts_with("CommunicationAccessKeyCredentialPolicy"));
/// # Ok::<(), azure_core::Error>(())
/// ```
pub fn communication_auth_policy(credential: CommunicationCredential) -> Arc<dyn Policy> {
    match credential {
        CommunicationCredential::AccessKey(key) => {
            Arc::new(CommunicationAccessKeyCredentialPolicy::new(key))
        }
        CommunicationCredential::Token(credential) => Arc::new(
            BearerTokenAuthorizationPolicy::new(credential, [COMMUNICATION_TOKEN_SCOPE]),
        ),
    }
}
