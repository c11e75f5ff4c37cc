//! A minimal client for the ACS identity REST API (api-version 2023-10-01),
//! authenticated with the crate's access-key (HMAC) policy.
//!
//! Just enough for the quickstart and the end-to-end tests: create a user,
//! issue a token for it, delete it. It talks to the real service or to the
//! local emulator alike.
#![allow(dead_code)] // each example or test uses a part of it

use azure_communication_common::{
    CommunicationAccessKeyCredentialPolicy, CommunicationUserIdentifier, ConnectionString,
};
use azure_core::{
    credentials::AccessToken,
    http::{ClientOptions, Context, Method, Pipeline, Request, Url},
    time::parse_rfc3339,
};
use serde::Deserialize;
use std::sync::Arc;

const API_VERSION: &str = "2023-10-01";

/// Emulator-only request header: the lifetime of the token to issue, in
/// seconds (the service's own minimum is 60 minutes). The real service
/// ignores it.
pub const EMULATOR_TOKEN_LIFETIME_HEADER: &str = "x-emulator-token-lifetime-seconds";

/// A client of the identity endpoints of one ACS resource.
#[derive(Clone, Debug)]
pub struct IdentityClient {
    endpoint: Url,
    pipeline: Pipeline,
    /// Emulator only: ask for tokens living this many seconds.
    token_lifetime_seconds: Option<u64>,
}

#[derive(Deserialize)]
struct Identity {
    id: String,
}

#[derive(Deserialize)]
struct CreatedIdentity {
    identity: Identity,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IssuedToken {
    token: String,
    expires_on: String,
}

impl IdentityClient {
    /// A client for the resource a connection string names, with default
    /// client options (azure_core's retry policy and HTTP transport).
    pub fn new(connection_string: &str) -> azure_core::Result<Self> {
        Self::with_options(connection_string, ClientOptions::default())
    }

    /// A client with explicit client options (retry, transport).
    pub fn with_options(
        connection_string: &str,
        options: ClientOptions,
    ) -> azure_core::Result<Self> {
        let (endpoint, signer) = connection_string.parse::<ConnectionString>()?.into_parts();
        let policy = Arc::new(CommunicationAccessKeyCredentialPolicy::new(signer));
        let pipeline = Pipeline::new(
            Some("azure_communication_common"),
            Some(env!("CARGO_PKG_VERSION")),
            options,
            Vec::new(),
            vec![policy],
            None,
        );
        Ok(Self {
            endpoint,
            pipeline,
            token_lifetime_seconds: None,
        })
    }

    /// Emulator only: issue tokens that live `seconds`.
    pub fn emulator_token_lifetime(mut self, seconds: u64) -> Self {
        self.token_lifetime_seconds = Some(seconds);
        self
    }

    /// The resource's endpoint.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// `{endpoint}/identities[/{id}[/{action}]]?api-version=...`
    fn url(&self, segments: &[&str]) -> azure_core::Result<Url> {
        let mut url = self.endpoint.clone();
        url.path_segments_mut()
            .map_err(|()| {
                azure_core::Error::with_message(
                    azure_core::error::ErrorKind::DataConversion,
                    format!("endpoint {} cannot have a path", self.endpoint),
                )
            })?
            .pop_if_empty()
            .push("identities")
            .extend(segments);
        url.query_pairs_mut()
            .append_pair("api-version", API_VERSION);
        Ok(url)
    }

    async fn send(&self, method: Method, url: Url, body: &str) -> azure_core::Result<Vec<u8>> {
        let mut request = Request::new(url, method);
        request.insert_header("content-type", "application/json");
        request.insert_header("accept", "application/json");
        if let Some(seconds) = self.token_lifetime_seconds {
            request.insert_header(EMULATOR_TOKEN_LIFETIME_HEADER, seconds.to_string());
        }
        request.set_body(body.to_owned());
        let response = self
            .pipeline
            .send(&Context::new(), &mut request, None)
            .await?;
        Ok(response.into_body().to_vec())
    }

    /// `POST /identities`: a new user.
    pub async fn create_user(&self) -> azure_core::Result<CommunicationUserIdentifier> {
        let body = self.send(Method::Post, self.url(&[])?, "{}").await?;
        let created: CreatedIdentity = serde_json::from_slice(&body)?;
        Ok(CommunicationUserIdentifier::new(created.identity.id))
    }

    /// `POST /identities/{id}/:issueAccessToken` with the given scopes.
    pub async fn issue_token(
        &self,
        user: &CommunicationUserIdentifier,
        scopes: &[&str],
    ) -> azure_core::Result<AccessToken> {
        let url = self.url(&[user.id(), ":issueAccessToken"])?;
        let body = serde_json::json!({ "scopes": scopes }).to_string();
        let body = self.send(Method::Post, url, &body).await?;
        let issued: IssuedToken = serde_json::from_slice(&body)?;
        Ok(AccessToken::new(
            issued.token,
            parse_rfc3339(&issued.expires_on)?,
        ))
    }

    /// `DELETE /identities/{id}`.
    pub async fn delete_user(&self, user: &CommunicationUserIdentifier) -> azure_core::Result<()> {
        self.send(Method::Delete, self.url(&[user.id()])?, "")
            .await?;
        Ok(())
    }
}
