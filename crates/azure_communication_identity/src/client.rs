//! The client: one method per operation of the Identity REST API.

use azure_communication_common::{
    communication_auth_policy, parse_client_arguments, CommunicationCredential,
    CommunicationUserIdentifier,
};
use azure_core::credentials::{AccessToken, Secret};
use azure_core::error::{Error, ErrorKind};
use azure_core::http::{
    Context, Method, Pipeline, PipelineSendOptions, RawResponse, Request, StatusCode, Url,
};
use std::fmt;
use std::time::Duration;

use crate::error::service_error;
use crate::expires_in::expires_in_minutes;
use crate::models::{
    read_body, CreateRequest, CreateResponse, IssueRequest, TeamsUserExchangeRequest,
    WireAccessToken,
};
use crate::options::*;
use crate::{CommunicationTokenScope, CommunicationUserIdentifierAndToken};

/// A client of an Azure Communication Services resource's identities:
/// creates users, issues and revokes their access tokens, deletes them, and
/// exchanges a Teams user's Entra ID token for an ACS token.
///
/// It is cheap to clone (clones share one pipeline), so a token refresher can
/// own a clone. Every operation runs in a `tracing` span named after it; no
/// token or key is ever logged.
///
/// Authenticate with the resource's access key (a connection string, or
/// [`CommunicationCredential::AccessKey`]) or with any Microsoft Entra ID
/// [`TokenCredential`](azure_core::credentials::TokenCredential) through
/// [`CommunicationCredential::Token`]; an `Arc` of a concrete credential such
/// as azure_identity's `DeveloperToolsCredential` or
/// `ManagedIdentityCredential` goes straight in, no cast needed. (The
/// bearer-token path needs an `https://` endpoint, as azure_core requires;
/// [`new`](Self::new) refuses an `http://` one.)
#[derive(Clone)]
pub struct CommunicationIdentityClient {
    endpoint: Url,
    api_version: String,
    pipeline: Pipeline,
}

impl fmt::Debug for CommunicationIdentityClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommunicationIdentityClient")
            .field("endpoint", &self.endpoint.as_str())
            .field("api_version", &self.api_version)
            .finish_non_exhaustive()
    }
}

impl CommunicationIdentityClient {
    /// A client for the resource at `endpoint`
    /// (`https://<resource>.communication.azure.com/`).
    ///
    /// # Errors
    ///
    /// `endpoint` is not an absolute `http`/`https` URL with a host and an
    /// empty path (or it is a connection string: use
    /// [`from_connection_string`](Self::from_connection_string)); a token
    /// credential with an `http://` endpoint (bearer tokens go over TLS only).
    ///
    /// # Example
    ///
    /// ```
    /// use azure_communication_common::CommunicationCredential;
    /// use azure_communication_identity::CommunicationIdentityClient;
    /// use azure_core::credentials::TokenCredential;
    /// use std::sync::Arc;
    ///
    /// # fn example(entra: Arc<impl TokenCredential + 'static>) -> azure_core::Result<()> {
    /// // `entra`: e.g. azure_identity::ManagedIdentityCredential::new(None)?
    /// let client = CommunicationIdentityClient::new(
    ///     "https://contoso.communication.azure.com/",
    ///     CommunicationCredential::Token(entra),
    ///     None,
    /// )?;
    /// # let _ = client; Ok(())
    /// # }
    /// ```
    pub fn new(
        endpoint: &str,
        credential: impl Into<CommunicationCredential>,
        options: Option<CommunicationIdentityClientOptions>,
    ) -> azure_core::Result<Self> {
        let (endpoint, credential) = parse_client_arguments(endpoint, Some(credential.into()))?;
        if matches!(credential, CommunicationCredential::Token(_)) && endpoint.scheme() != "https" {
            // azure_core's bearer policy would refuse every request; say so now.
            return Err(Error::with_message(
                ErrorKind::Credential,
                format!(
                    "a token credential needs an https:// endpoint, got {endpoint}: bearer \
                     tokens are never sent over plain HTTP (azure_core refuses to); use the \
                     resource's https:// endpoint, or its access key for a local http:// emulator"
                ),
            ));
        }
        Ok(Self::build(
            endpoint,
            credential,
            options.unwrap_or_default(),
        ))
    }

    /// A client for the resource and access key a connection string names
    /// (`endpoint=https://<resource>.communication.azure.com/;accesskey=<key>`).
    ///
    /// # Errors
    ///
    /// The connection string is invalid; the message says why and never
    /// contains the key.
    pub fn from_connection_string(
        connection_string: &str,
        options: Option<CommunicationIdentityClientOptions>,
    ) -> azure_core::Result<Self> {
        let (endpoint, credential) = parse_client_arguments(connection_string, None)?;
        Ok(Self::build(
            endpoint,
            credential,
            options.unwrap_or_default(),
        ))
    }

    fn build(
        endpoint: Url,
        credential: CommunicationCredential,
        options: CommunicationIdentityClientOptions,
    ) -> Self {
        let pipeline = Pipeline::new(
            option_env!("CARGO_PKG_NAME"),
            option_env!("CARGO_PKG_VERSION"),
            options.client_options,
            Vec::new(),
            vec![communication_auth_policy(credential)],
            None,
        );
        Self {
            endpoint,
            api_version: options.api_version,
            pipeline,
        }
    }

    /// The resource's endpoint.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// The `api-version` this client sends.
    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    /// Creates a user (`POST /identities`).
    #[tracing::instrument(name = "CommunicationIdentityClient::create_user", skip_all)]
    pub async fn create_user(
        &self,
        options: Option<CommunicationIdentityClientCreateUserOptions<'_>>,
    ) -> azure_core::Result<CommunicationUserIdentifier> {
        let options = options.unwrap_or_default();
        let body = serde_json::to_vec(&CreateRequest {
            create_token_with_scopes: &[],
            expires_in_minutes: None,
        })?;
        let response = self
            .send(
                &options.method_options.context,
                Method::Post,
                &["identities"],
                Some(body),
                StatusCode::Created,
                &[],
            )
            .await?;
        let created: CreateResponse = read_body(response.body(), "create_user")?;
        let user = CommunicationUserIdentifier::new(created.identity.id);
        tracing::debug!(user = user.id(), "created a user");
        Ok(user)
    }

    /// Creates a user and issues it an access token with `scopes`, in one
    /// request (`POST /identities` with `createTokenWithScopes`).
    ///
    /// `expires_in`: the token's lifetime, 60 to 1,440 whole minutes
    /// (`None`: the service's default, 24 hours).
    ///
    /// # Errors
    ///
    /// `expires_in` out of range or not whole minutes (checked before any
    /// request, the message names the limits); otherwise what the service
    /// answered (see [`CommunicationServiceError`](crate::CommunicationServiceError)).
    #[tracing::instrument(
        name = "CommunicationIdentityClient::create_user_and_token",
        skip_all,
        fields(scopes = %ScopeList(scopes))
    )]
    pub async fn create_user_and_token(
        &self,
        scopes: &[CommunicationTokenScope],
        expires_in: Option<Duration>,
        options: Option<CommunicationIdentityClientCreateUserAndTokenOptions<'_>>,
    ) -> azure_core::Result<CommunicationUserIdentifierAndToken> {
        let options = options.unwrap_or_default();
        let expires_in_minutes = expires_in_minutes(expires_in)?;
        if scopes.is_empty() {
            return Err(Error::with_message(
                ErrorKind::DataConversion,
                "create_user_and_token needs at least one scope for the token (for example \
                 CommunicationTokenScope::Chat); to create a user without a token, call \
                 create_user",
            ));
        }
        let body = serde_json::to_vec(&CreateRequest {
            create_token_with_scopes: scopes,
            expires_in_minutes,
        })?;
        let response = self
            .send(
                &options.method_options.context,
                Method::Post,
                &["identities"],
                Some(body),
                StatusCode::Created,
                &[],
            )
            .await?;
        let created: CreateResponse = read_body(response.body(), "create_user_and_token")?;
        let access_token = created
            .access_token
            .ok_or_else(|| {
                Error::with_message(
                    ErrorKind::DataConversion,
                    "the service created the user but answered without an access token",
                )
            })?
            .into_access_token()?;
        let user = CommunicationUserIdentifier::new(created.identity.id);
        tracing::debug!(user = user.id(), expires_on = %access_token.expires_on, "created a user with a token");
        Ok(CommunicationUserIdentifierAndToken { user, access_token })
    }

    /// Issues `user` an access token with `scopes`
    /// (`POST /identities/{id}/:issueAccessToken`).
    ///
    /// This is the whole of a backend's token refresher for
    /// `AzureCommunicationTokenCredential`:
    ///
    /// ```no_run
    /// use azure_communication_common::{
    ///     AzureCommunicationTokenCredential, CommunicationTokenRefreshOptions,
    ///     CommunicationUserIdentifier,
    /// };
    /// use azure_communication_identity::{CommunicationIdentityClient, CommunicationTokenScope};
    ///
    /// # fn example(client: CommunicationIdentityClient, user: CommunicationUserIdentifier) -> azure_core::Result<()> {
    /// let credential = AzureCommunicationTokenCredential::with_refresher(
    ///     CommunicationTokenRefreshOptions::new(move || {
    ///         let (client, user) = (client.clone(), user.clone());
    ///         async move { client.get_token(&user, &[CommunicationTokenScope::Chat], None, None).await }
    ///     })
    ///     .refresh_proactively(true),
    /// )?;
    /// # let _ = credential; Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`create_user_and_token`](Self::create_user_and_token); a user
    /// that does not exist is `404 IdentityNotFound`.
    #[tracing::instrument(
        name = "CommunicationIdentityClient::get_token",
        skip_all,
        fields(user = user.id(), scopes = %ScopeList(scopes))
    )]
    pub async fn get_token(
        &self,
        user: &CommunicationUserIdentifier,
        scopes: &[CommunicationTokenScope],
        expires_in: Option<Duration>,
        options: Option<CommunicationIdentityClientGetTokenOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let options = options.unwrap_or_default();
        let expires_in_minutes = expires_in_minutes(expires_in)?;
        let body = serde_json::to_vec(&IssueRequest {
            scopes,
            expires_in_minutes,
        })?;
        let response = self
            .send(
                &options.method_options.context,
                Method::Post,
                &["identities", user.id(), ":issueAccessToken"],
                Some(body),
                StatusCode::Ok,
                &[],
            )
            .await?;
        let token: WireAccessToken = read_body(response.body(), "get_token")?;
        let token = token.into_access_token()?;
        tracing::debug!(expires_on = %token.expires_on, "issued a token");
        Ok(token)
    }

    /// Revokes every access token issued to `user` so far
    /// (`POST /identities/{id}/:revokeAccessTokens`).
    #[tracing::instrument(
        name = "CommunicationIdentityClient::revoke_tokens",
        skip_all,
        fields(user = user.id())
    )]
    pub async fn revoke_tokens(
        &self,
        user: &CommunicationUserIdentifier,
        options: Option<CommunicationIdentityClientRevokeTokensOptions<'_>>,
    ) -> azure_core::Result<()> {
        let options = options.unwrap_or_default();
        self.send(
            &options.method_options.context,
            Method::Post,
            &["identities", user.id(), ":revokeAccessTokens"],
            None,
            StatusCode::NoContent,
            &[],
        )
        .await?;
        Ok(())
    }

    /// Deletes `user`, revoking its tokens and deleting its data
    /// (`DELETE /identities/{id}`).
    #[tracing::instrument(
        name = "CommunicationIdentityClient::delete_user",
        skip_all,
        fields(user = user.id())
    )]
    pub async fn delete_user(
        &self,
        user: &CommunicationUserIdentifier,
        options: Option<CommunicationIdentityClientDeleteUserOptions<'_>>,
    ) -> azure_core::Result<()> {
        let options = options.unwrap_or_default();
        self.send(
            &options.method_options.context,
            Method::Delete,
            &["identities", user.id()],
            None,
            StatusCode::NoContent,
            &[],
        )
        .await?;
        Ok(())
    }

    /// Exchanges a Teams user's Microsoft Entra ID access token for an ACS
    /// access token with a matching expiry
    /// (`POST /teamsUser/:exchangeAccessToken`).
    ///
    /// * `teams_entra_token`: the Teams user's Entra ID token (audience
    ///   `https://auth.msft.communication.azure.com`, scope
    ///   `Teams.ManageCalls`/`Teams.ManageChats`);
    /// * `client_id`: the Entra application's client id, checked against the
    ///   token's `appid` claim;
    /// * `user_object_id`: the user's object id, checked against its `oid`.
    ///
    /// The Entra token is never logged, and is redacted from an error should
    /// the service echo it.
    #[tracing::instrument(
        name = "CommunicationIdentityClient::get_token_for_teams_user",
        skip_all
    )]
    pub async fn get_token_for_teams_user(
        &self,
        teams_entra_token: &Secret,
        client_id: &str,
        user_object_id: &str,
        options: Option<CommunicationIdentityClientGetTokenForTeamsUserOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let options = options.unwrap_or_default();
        let token = teams_entra_token.secret();
        let body = serde_json::to_vec(&TeamsUserExchangeRequest {
            token,
            app_id: client_id,
            user_id: user_object_id,
        })?;
        let response = self
            .send(
                &options.method_options.context,
                Method::Post,
                &["teamsUser", ":exchangeAccessToken"],
                Some(body),
                StatusCode::Ok,
                &[token],
            )
            .await?;
        let exchanged: WireAccessToken = read_body(response.body(), "get_token_for_teams_user")?;
        let exchanged = exchanged.into_access_token()?;
        tracing::debug!(expires_on = %exchanged.expires_on, "exchanged a Teams user's token");
        Ok(exchanged)
    }

    /// `{endpoint}/{segments...}?api-version=...`; each segment is
    /// percent-encoded as a path segment (a raw id's `:` stays as is).
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.endpoint.clone();
        // An endpoint is always an http(s) URL (checked at construction), so
        // it has path segments.
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url.query_pairs_mut()
            .append_pair("api-version", &self.api_version);
        url
    }

    /// Sends one request; any status but `success` becomes a service error
    /// (with `secrets` redacted from it).
    async fn send(
        &self,
        ctx: &Context<'_>,
        method: Method,
        segments: &[&str],
        body: Option<Vec<u8>>,
        success: StatusCode,
        secrets: &[&str],
    ) -> azure_core::Result<RawResponse> {
        let mut request = Request::new(self.url(segments), method);
        request.insert_header("accept", "application/json");
        if let Some(body) = body {
            request.insert_header("content-type", "application/json");
            request.set_body(body);
        }
        let response = self
            .pipeline
            .send(
                ctx,
                &mut request,
                Some(PipelineSendOptions {
                    skip_checks: true,
                    ..Default::default()
                }),
            )
            .await?;
        if response.status() == success {
            return Ok(response);
        }
        let error = service_error(response, secrets);
        tracing::debug!(%error, "the service refused the request");
        Err(error)
    }
}

/// Scopes as `chat,voip` in a span field.
struct ScopeList<'a>(&'a [CommunicationTokenScope]);

impl fmt::Display for ScopeList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, scope) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(scope.as_str())?;
        }
        Ok(())
    }
}
