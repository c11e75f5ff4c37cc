//! The request and response bodies of the Identity REST API, and the result
//! of creating a user with a token.

use azure_communication_common::CommunicationUserIdentifier;
use azure_core::credentials::AccessToken;
use azure_core::error::{Error, ErrorKind};
use azure_core::time::parse_rfc3339;
use serde::{Deserialize, Serialize};

use crate::CommunicationTokenScope;

/// A new user and its first access token, from
/// [`create_user_and_token`](crate::CommunicationIdentityClient::create_user_and_token).
/// `Debug` does not show the token.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CommunicationUserIdentifierAndToken {
    /// The new user.
    pub user: CommunicationUserIdentifier,
    /// Its access token.
    pub access_token: AccessToken,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateRequest<'a> {
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub create_token_with_scopes: &'a [CommunicationTokenScope],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in_minutes: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IssueRequest<'a> {
    pub scopes: &'a [CommunicationTokenScope],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in_minutes: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TeamsUserExchangeRequest<'a> {
    pub token: &'a str,
    pub app_id: &'a str,
    pub user_id: &'a str,
}

#[derive(Deserialize)]
pub(crate) struct Identity {
    pub id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateResponse {
    pub identity: Identity,
    pub access_token: Option<WireAccessToken>,
}

/// The longest `expiresOn` an error quotes.
const MAX_QUOTED_DATE_CHARS: usize = 40;

/// `{"token","expiresOn"}`. Not `Debug`: it holds the token.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireAccessToken {
    token: String,
    expires_on: String,
}

impl WireAccessToken {
    pub fn into_access_token(self) -> azure_core::Result<AccessToken> {
        let expires_on = parse_rfc3339(&self.expires_on).map_err(|_| {
            // Quoted only when short enough to be a date (33 characters with
            // seven fractional digits): a longer value may be an echoed
            // secret, e.g. the Teams user's Entra token (found by the
            // identity_response fuzz target). The parser's own error is not
            // kept: it quotes the whole value.
            let shown = if self.expires_on.chars().count() <= MAX_QUOTED_DATE_CHARS {
                format!(": {:?}", self.expires_on)
            } else {
                format!(
                    " ({} characters, not shown)",
                    self.expires_on.chars().count()
                )
            };
            Error::with_message(
                ErrorKind::DataConversion,
                format!(
                    "the service answered with an expiresOn that is not an RFC 3339 date{shown}"
                ),
            )
        })?;
        Ok(AccessToken::new(self.token, expires_on))
    }
}

/// Reads a success body, with an error that names the operation and never
/// quotes the body (it may hold a token).
pub(crate) fn read_body<T: serde::de::DeserializeOwned>(
    body: &[u8],
    operation: &str,
) -> azure_core::Result<T> {
    serde_json::from_slice(body).map_err(|e| {
        Error::with_message(
            ErrorKind::DataConversion,
            format!(
                "the service's answer to {operation} is not the expected JSON (line {}, \
                 column {}: {:?}); is the endpoint an Azure Communication Services resource?",
                e.line(),
                e.column(),
                e.classify()
            ),
        )
    })
}
