//! Options of the client and of each operation.

use azure_core::fmt::SafeDebug;
use azure_core::http::{ClientMethodOptions, ClientOptions};

/// The Identity REST API version the client speaks unless told otherwise:
/// `2025-06-30`, the newest stable version of the specification
/// (`specification/communication/data-plane/Identity/stable/`) that the
/// local emulator also serves. It covers every operation of this client
/// with the same request and response shapes as `2023-10-01`.
pub const DEFAULT_API_VERSION: &str = "2025-06-30";

/// Options for [`CommunicationIdentityClient`](crate::CommunicationIdentityClient).
///
/// `client_options` are azure_core's: retries (exponential by default,
/// honouring `Retry-After` on 429 and 503), the HTTP transport, extra
/// pipeline policies, logging.
#[derive(Clone, SafeDebug)]
pub struct CommunicationIdentityClientOptions {
    /// The `api-version` sent with every request; default [`DEFAULT_API_VERSION`].
    pub api_version: String,
    /// azure_core's client options.
    pub client_options: ClientOptions,
}

impl Default for CommunicationIdentityClientOptions {
    fn default() -> Self {
        Self {
            api_version: DEFAULT_API_VERSION.to_owned(),
            client_options: ClientOptions::default(),
        }
    }
}

macro_rules! method_options {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Clone, Default, SafeDebug)]
        pub struct $name<'a> {
            /// azure_core's per-call options (the call's [`Context`](azure_core::http::Context)).
            pub method_options: ClientMethodOptions<'a>,
        }
    )*};
}

method_options! {
    /// Options for [`create_user`](crate::CommunicationIdentityClient::create_user).
    CommunicationIdentityClientCreateUserOptions,
    /// Options for [`create_user_and_token`](crate::CommunicationIdentityClient::create_user_and_token).
    CommunicationIdentityClientCreateUserAndTokenOptions,
    /// Options for [`get_token`](crate::CommunicationIdentityClient::get_token).
    CommunicationIdentityClientGetTokenOptions,
    /// Options for [`revoke_tokens`](crate::CommunicationIdentityClient::revoke_tokens).
    CommunicationIdentityClientRevokeTokensOptions,
    /// Options for [`delete_user`](crate::CommunicationIdentityClient::delete_user).
    CommunicationIdentityClientDeleteUserOptions,
    /// Options for [`get_token_for_teams_user`](crate::CommunicationIdentityClient::get_token_for_teams_user).
    CommunicationIdentityClientGetTokenForTeamsUserOptions,
}
