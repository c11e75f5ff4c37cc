//! The Entra ID token exchange (SPEC 2.4): an Entra ID user's token is
//! exchanged for an ACS user access token, which the refresh state machine
//! caches and refreshes like any other.
//!
//! # Which endpoint the scopes select
//!
//! | every scope starts with | request | api-version |
//! |---|---|---|
//! | `https://communication.azure.com/clients/` | `POST {endpoint}/access/entra/:exchangeAccessToken` | `2025-03-02-preview` |
//! | `https://auth.msft.communication.azure.com/` or `https://auth.msft.communication.azure.us/` | `POST {endpoint}/access/teamsExtension/:exchangeAccessToken` | `2025-06-30` |
//!
//! Any other mix, or no scopes at all, is rejected when the credential is
//! built.

use super::clock::{SystemClock, TokenClock};
use super::options::{check_refresh_timeout, DEFAULT_REFRESH_TIMEOUT};
use super::refresh::TokenSource;
use crate::secret_text::shown_endpoint;
use azure_core::{
    credentials::{AccessToken, TokenCredential},
    error::ErrorKind,
    http::{
        headers::{HeaderName, ACCEPT, AUTHORIZATION, CONTENT_TYPE},
        ClientOptions, Context, Method, Pipeline, PipelineSendOptions, RawResponse, Request,
        StatusCode, Url,
    },
    time::{Duration, OffsetDateTime},
    Bytes,
};
use futures::future::BoxFuture;
use serde::Deserialize;
use std::{fmt, sync::Arc};

/// The default scope: `https://communication.azure.com/clients/.default`.
pub const DEFAULT_ENTRA_SCOPE: &str = "https://communication.azure.com/clients/.default";

/// Scope prefix of the Entra exchange endpoint.
const ENTRA_SCOPE_PREFIX: &str = "https://communication.azure.com/clients/";
/// Scope prefixes of the Teams extension exchange endpoint.
const TEAMS_EXTENSION_SCOPE_PREFIXES: [&str; 2] = [
    "https://auth.msft.communication.azure.com/",
    "https://auth.msft.communication.azure.us/",
];

/// api-version of `/access/entra/:exchangeAccessToken`.
const ENTRA_API_VERSION: &str = "2025-03-02-preview";
/// api-version of `/access/teamsExtension/:exchangeAccessToken`.
const TEAMS_EXTENSION_API_VERSION: &str = "2025-06-30";

/// Exact text of the reference libraries.
pub(crate) const SCOPES_VALIDATION_MESSAGE: &str = "Scopes validation failed. Ensure all scopes start with one of https://auth.msft.communication.azure.com/, https://auth.msft.communication.azure.us/, https://communication.azure.com/clients/.";

const EXCHANGE_FAILED: &str = "Failed to exchange the Entra ID token for an ACS token";

const EXPIRED_FROM_EXCHANGE_MESSAGE: &str =
    "The ACS token returned by the Entra ID token exchange is already expired.";

const ERROR_CODE_HEADER: HeaderName = HeaderName::from_static("x-ms-error-code");

/// Options of [`AzureCommunicationTokenCredential::with_entra`](crate::AzureCommunicationTokenCredential::with_entra):
/// the ACS resource, the Entra ID credential of the user, the scopes to ask
/// it for, and how to reach the service.
///
/// The scopes select the exchange endpoint (see the table in
/// [`with_entra`](crate::AzureCommunicationTokenCredential::with_entra));
/// they and the endpoint are checked when the credential is built.
///
/// `Debug` shows the endpoint and scopes, never a token; `Clone` shares the
/// Entra credential.
///
/// ```
/// use azure_communication_common::{
///     AzureCommunicationTokenCredential, EntraCommunicationTokenCredentialOptions,
/// };
/// use azure_core::credentials::TokenCredential;
/// use std::sync::Arc;
/// # use azure_core::credentials::{AccessToken, TokenRequestOptions};
/// # #[derive(Debug)]
/// # struct SignedInUser;
/// # #[async_trait::async_trait]
/// # impl TokenCredential for SignedInUser {
/// #     async fn get_token(&self, _: &[&str], _: Option<TokenRequestOptions<'_>>) -> azure_core::Result<AccessToken> {
/// #         Err(azure_core::Error::with_message(azure_core::error::ErrorKind::Credential, "not in this example"))
/// #     }
/// # }
///
/// # fn main() -> azure_core::Result<()> {
/// // The Entra ID user, e.g. a credential from azure_identity.
/// let entra_user: Arc<dyn TokenCredential> = Arc::new(SignedInUser);
/// let endpoint = "https://contoso.communication.azure.com/";
///
/// // A Teams Phone extension user: the teamsExtension exchange endpoint.
/// let options = EntraCommunicationTokenCredentialOptions::new(endpoint, entra_user.clone())
///     .with_scopes(["https://auth.msft.communication.azure.com/Teams.ManageCalls"]);
/// let credential = AzureCommunicationTokenCredential::with_entra(options)?;
/// # let _ = credential;
///
/// // Scopes of both endpoint families are refused when the credential is built.
/// let mixed = EntraCommunicationTokenCredentialOptions::new(endpoint, entra_user).with_scopes([
///     "https://communication.azure.com/clients/VoIP",
///     "https://auth.msft.communication.azure.com/Teams.ManageCalls",
/// ]);
/// let error = AzureCommunicationTokenCredential::with_entra(mixed).unwrap_err();
/// assert!(error.to_string().starts_with("Scopes validation failed."));
/// # Ok(()) }
/// ```
#[derive(Clone)]
#[must_use = "options do nothing until passed to AzureCommunicationTokenCredential::with_entra"]
pub struct EntraCommunicationTokenCredentialOptions {
    pub(crate) resource_endpoint: String,
    pub(crate) credential: Arc<dyn TokenCredential>,
    pub(crate) scopes: Vec<String>,
    pub(crate) client_options: ClientOptions,
    pub(crate) refresh_proactively: bool,
    pub(crate) refresh_timeout: Duration,
    pub(crate) clock: Arc<dyn TokenClock>,
}

impl EntraCommunicationTokenCredentialOptions {
    /// Options for the ACS resource at `resource_endpoint` (e.g.
    /// `https://contoso.communication.azure.com/`, a `&str`, `String` or
    /// [`Url`]) and the Entra ID `credential` of the user (any azure_core
    /// [`TokenCredential`], e.g. one from `azure_identity`).
    ///
    /// Scopes default to [`DEFAULT_ENTRA_SCOPE`]; client options to
    /// azure_core's defaults (default HTTP client, exponential retry that
    /// honours `Retry-After`).
    pub fn new(resource_endpoint: impl AsRef<str>, credential: Arc<dyn TokenCredential>) -> Self {
        Self {
            resource_endpoint: resource_endpoint.as_ref().to_owned(),
            credential,
            scopes: vec![DEFAULT_ENTRA_SCOPE.to_owned()],
            client_options: ClientOptions::default(),
            refresh_proactively: false,
            refresh_timeout: DEFAULT_REFRESH_TIMEOUT,
            clock: Arc::new(SystemClock),
        }
    }

    /// The scopes the Entra ID token is requested for. All must belong to
    /// one endpoint family: `https://communication.azure.com/clients/...`
    /// (the Entra exchange), or `https://auth.msft.communication.azure.com/...`
    /// and `https://auth.msft.communication.azure.us/...` (the Teams
    /// extension exchange).
    pub fn with_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// azure_core client options for the exchange requests: `transport`,
    /// `retry` (429 and 503 answers are retried after their `Retry-After`),
    /// extra policies, user agent, logging.
    pub fn with_client_options(mut self, client_options: ClientOptions) -> Self {
        self.client_options = client_options;
        self
    }

    /// Exchange a fresh token in the background before the cached one
    /// expires (as [`CommunicationTokenRefreshOptions::refresh_proactively`](crate::CommunicationTokenRefreshOptions::refresh_proactively)).
    /// Default: `false` (exchange on demand, when the cached token is within
    /// two minutes of expiry).
    pub fn refresh_proactively(mut self, refresh_proactively: bool) -> Self {
        self.refresh_proactively = refresh_proactively;
        self
    }

    /// How long one exchange (the Entra token, the request and its retries)
    /// may take before it is abandoned with an error. Default: 30 seconds.
    /// Zero or negative makes `with_entra` fail.
    pub fn refresh_timeout(mut self, timeout: Duration) -> Self {
        self.refresh_timeout = timeout;
        self
    }

    /// Replaces the clock. A test seam (feature `test-util`), not stable API.
    #[cfg(feature = "test-util")]
    pub fn with_clock(mut self, clock: Arc<dyn TokenClock>) -> Self {
        self.clock = clock;
        self
    }

    /// The resource endpoint as given.
    pub fn resource_endpoint(&self) -> &str {
        &self.resource_endpoint
    }

    /// The scopes the Entra ID token is requested for.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }
}

impl fmt::Debug for EntraCommunicationTokenCredentialOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EntraCommunicationTokenCredentialOptions")
            .field(
                "resource_endpoint",
                &shown_endpoint(&self.resource_endpoint, None),
            )
            .field("scopes", &self.scopes)
            .field("refresh_proactively", &self.refresh_proactively)
            .field("refresh_timeout", &self.refresh_timeout)
            .finish_non_exhaustive()
    }
}

/// The two exchange endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Entra,
    TeamsExtension,
}

impl Family {
    fn path(self) -> &'static str {
        match self {
            Family::Entra => "access/entra/:exchangeAccessToken",
            Family::TeamsExtension => "access/teamsExtension/:exchangeAccessToken",
        }
    }

    fn api_version(self) -> &'static str {
        match self {
            Family::Entra => ENTRA_API_VERSION,
            Family::TeamsExtension => TEAMS_EXTENSION_API_VERSION,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Family::Entra => "entra",
            Family::TeamsExtension => "teamsExtension",
        }
    }
}

fn scope_family(scope: &str) -> Option<Family> {
    if scope.starts_with(ENTRA_SCOPE_PREFIX) {
        Some(Family::Entra)
    } else if TEAMS_EXTENSION_SCOPE_PREFIXES
        .iter()
        .any(|prefix| scope.starts_with(prefix))
    {
        Some(Family::TeamsExtension)
    } else {
        None
    }
}

/// The endpoint family all `scopes` belong to.
fn family_of(scopes: &[String]) -> azure_core::Result<Family> {
    let invalid =
        || azure_core::Error::with_message(ErrorKind::Credential, SCOPES_VALIDATION_MESSAGE);
    let mut family = None;
    for scope in scopes {
        let this = scope_family(scope).ok_or_else(invalid)?;
        match family {
            None => family = Some(this),
            Some(f) if f == this => {}
            Some(_) => return Err(invalid()),
        }
    }
    family.ok_or_else(invalid)
}

/// `{endpoint}/{family path}?api-version=..` from an absolute http(s) endpoint.
fn exchange_url(endpoint: &str, family: Family) -> azure_core::Result<Url> {
    let invalid = |why: &str| {
        azure_core::Error::with_message(
            ErrorKind::Credential,
            format!(
                "Invalid resource endpoint {:?}: {why}. Pass the ACS resource URL, e.g. https://contoso.communication.azure.com/.",
                shown_endpoint(endpoint, None)
            ),
        )
    };
    let trimmed = endpoint.trim();
    if trimmed.is_empty() {
        return Err(invalid("it is empty"));
    }
    // Checked on the text: a password holding '/' (as most access keys do)
    // ends the parsed authority early and turns the rest into a "path".
    if trimmed.contains('@') {
        return Err(invalid("it must not contain user info"));
    }
    let mut url = Url::parse(trimmed).map_err(|_| invalid("it is not an absolute URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be https (or http)"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("it must not contain user info"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not have a query or fragment"));
    }
    let mut path = url.path().trim_end_matches('/').to_owned();
    path.push('/');
    path.push_str(family.path());
    url.set_path(&path);
    url.set_query(Some(&format!("api-version={}", family.api_version())));
    Ok(url)
}

/// Validates `options` and makes the exchange token source.
pub(crate) fn entra_source(
    options: &EntraCommunicationTokenCredentialOptions,
) -> azure_core::Result<EntraTokenSource> {
    let family = family_of(&options.scopes)?;
    let url = exchange_url(&options.resource_endpoint, family)?;
    check_refresh_timeout(options.refresh_timeout)?;
    if options.client_options.transport.is_none() && !cfg!(feature = "default") {
        // azure_core would panic building a pipeline without its HTTP client.
        return Err(azure_core::Error::with_message(
            ErrorKind::Other,
            "No HTTP transport: enable this crate's `default` feature (azure_core's HTTP client) \
             or set ClientOptions::transport in with_client_options.",
        ));
    }
    let pipeline = Pipeline::new(
        Some(env!("CARGO_PKG_NAME")),
        Some(env!("CARGO_PKG_VERSION")),
        options.client_options.clone(),
        Vec::new(),
        Vec::new(),
        None,
    );
    Ok(EntraTokenSource {
        exchange: Arc::new(Exchange {
            pipeline,
            credential: options.credential.clone(),
            scopes: options.scopes.clone(),
            url,
            family,
        }),
    })
}

/// The exchange as a [`TokenSource`] for the refresh state machine.
pub(crate) struct EntraTokenSource {
    exchange: Arc<Exchange>,
}

impl TokenSource for EntraTokenSource {
    fn fetch(&self) -> BoxFuture<'static, azure_core::Result<AccessToken>> {
        let exchange = self.exchange.clone();
        Box::pin(async move { exchange.run().await })
    }

    fn expired_message(&self) -> &'static str {
        EXPIRED_FROM_EXCHANGE_MESSAGE
    }
}

struct Exchange {
    pipeline: Pipeline,
    credential: Arc<dyn TokenCredential>,
    scopes: Vec<String>,
    url: Url,
    family: Family,
}

/// `{"identity": {"id": ..} | "..", "accessToken": {"token", "expiresOn"}}`.
#[derive(Deserialize)]
struct ExchangeResponse {
    identity: Option<serde_json::Value>,
    #[serde(rename = "accessToken")]
    access_token: Option<AccessTokenModel>,
}

#[derive(Deserialize)]
struct AccessTokenModel {
    token: Option<String>,
    #[serde(rename = "expiresOn")]
    expires_on: Option<String>,
}

/// `{"error": {"code", "message"}}`.
#[derive(Deserialize)]
struct ErrorBody {
    error: Option<ErrorDetail>,
}

#[derive(Deserialize)]
struct ErrorDetail {
    code: Option<String>,
    message: Option<String>,
}

impl Exchange {
    async fn run(&self) -> azure_core::Result<AccessToken> {
        let scopes: Vec<&str> = self.scopes.iter().map(String::as_str).collect();
        let entra = self.credential.get_token(&scopes, None).await.map_err(|e| {
            azure_core::Error::with_error(
                ErrorKind::Credential,
                e,
                format!(
                    "{EXCHANGE_FAILED}: the Entra ID credential failed to get a token for scopes {:?}",
                    self.scopes
                ),
            )
        })?;
        let entra_secret = entra.token.secret();

        let mut request = Request::new(self.url.clone(), Method::Post);
        // Set on the request itself (not by a bearer policy, which refuses
        // http:// endpoints): every retry of this request carries it.
        request.insert_header(AUTHORIZATION, format!("Bearer {entra_secret}"));
        request.insert_header(CONTENT_TYPE, "application/json");
        request.insert_header(ACCEPT, "application/json");
        request.set_body(Bytes::from_static(b"{}"));

        tracing::debug!(
            family = self.family.name(),
            "exchanging an Entra ID token for an ACS token"
        );
        let response = self
            .pipeline
            .send(
                &Context::new(),
                &mut request,
                Some(PipelineSendOptions {
                    skip_checks: true,
                    ..Default::default()
                }),
            )
            .await
            .map_err(|e| {
                let kind = e.kind().clone();
                azure_core::Error::with_error(
                    kind,
                    e,
                    format!(
                        "{EXCHANGE_FAILED}: the request to the {} exchange endpoint failed",
                        self.family.name()
                    ),
                )
            })?;
        let status = response.status();
        if status != StatusCode::Ok {
            let error = service_error(response, entra_secret);
            tracing::debug!(status = u16::from(status), error = %error, "Entra ID token exchange failed");
            return Err(error);
        }
        let token = parse_exchange_response(&response.into_body())?;
        tracing::debug!(
            family = self.family.name(),
            expires_on = %token.expires_on,
            "exchanged an Entra ID token for an ACS token"
        );
        Ok(token)
    }
}

/// The error for a non-200 answer: kind `HttpResponse { status, error_code,
/// raw_response }` (as azure_core's own service errors are, so headers such
/// as a request id can be read from it) and a message with the status and
/// the service's code and message.
fn service_error(response: RawResponse, entra_secret: &str) -> azure_core::Error {
    let (status, headers, body) = response.deconstruct();
    let body: Bytes = body.into();
    let error_code_header = headers
        .get_optional_str(&ERROR_CODE_HEADER)
        .map(str::to_owned);
    let detail = serde_json::from_slice::<ErrorBody>(&body)
        .ok()
        .and_then(|b| b.error);
    let (code, message) = match detail {
        Some(d) => (d.code, d.message),
        None => (None, None),
    };
    let code = code.filter(|c| !c.is_empty()).or(error_code_header);
    let status_number = u16::from(status);
    let mut text = format!("{EXCHANGE_FAILED}: HTTP {status_number}");
    match (&code, &message) {
        (Some(code), Some(message)) => text.push_str(&format!(" {code}: {message}")),
        (Some(code), None) => text.push_str(&format!(" {code}")),
        (None, Some(message)) => text.push_str(&format!(": {message}")),
        (None, None) if body.is_empty() => text.push_str(" (empty response body)"),
        (None, None) => text.push_str(" (the response body is not an ACS error)"),
    }
    // Defensive: never echo the Entra token, should the service quote it.
    let redacted = |text: &str| {
        (!entra_secret.is_empty() && text.contains(entra_secret))
            .then(|| text.replace(entra_secret, "<redacted>"))
    };
    let body = match std::str::from_utf8(&body).ok().and_then(redacted) {
        Some(shown) => Bytes::from(shown),
        None => body,
    };
    let text = redacted(&text).unwrap_or(text);
    azure_core::Error::with_message(
        ErrorKind::HttpResponse {
            status,
            error_code: code,
            raw_response: Some(Box::new(RawResponse::from_bytes(status, headers, body))),
        },
        text,
    )
}

/// The longest unparsable `expiresOn` an error quotes: a date with seven
/// fractional digits and an offset is 33 characters; a longer value may be an
/// echoed secret.
const MAX_QUOTED_DATE_CHARS: usize = 40;

/// The ACS token of a 200 answer. Errors never contain the body (it holds
/// the token).
pub(crate) fn parse_exchange_response(body: &[u8]) -> azure_core::Result<AccessToken> {
    let invalid = |why: String| {
        azure_core::Error::with_message(
            ErrorKind::DataConversion,
            format!("{EXCHANGE_FAILED}: could not read the response: {why}."),
        )
    };
    let response: ExchangeResponse = serde_json::from_slice(body).map_err(|e| {
        // serde's message may quote the body: report only where it failed.
        invalid(format!(
            "the body is not the expected JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    let Some(access_token) = response.access_token else {
        return Err(invalid("it has no accessToken".to_owned()));
    };
    let token = access_token
        .token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| invalid("it has no accessToken.token".to_owned()))?;
    let expires_on = access_token
        .expires_on
        .ok_or_else(|| invalid("it has no accessToken.expiresOn".to_owned()))?;
    let expires_on = parse_expires_on(&expires_on).ok_or_else(|| {
        let length = expires_on.chars().count();
        let shown = if length <= MAX_QUOTED_DATE_CHARS {
            format!("{expires_on:?}")
        } else {
            format!("({length} characters, not shown)")
        };
        invalid(format!(
            "accessToken.expiresOn {shown} is not an RFC 3339 date-time"
        ))
    })?;
    if let Some(id) = response.identity.as_ref().and_then(identity_id) {
        tracing::debug!(identity = id, "Entra ID token exchanged for user");
    }
    Ok(AccessToken::new(token, expires_on))
}

/// RFC 3339, any number of fractional digits (the service sends 7).
fn parse_expires_on(text: &str) -> Option<OffsetDateTime> {
    azure_core::time::parse_rfc3339(text.trim()).ok()
}

/// `identity` as the service sends it (`{"id": ..}`), or a plain string.
fn identity_id(identity: &serde_json::Value) -> Option<&str> {
    match identity {
        serde_json::Value::String(id) => Some(id),
        serde_json::Value::Object(map) => map.get("id").and_then(serde_json::Value::as_str),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families() {
        let s = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            family_of(&s(&[DEFAULT_ENTRA_SCOPE])).unwrap(),
            Family::Entra
        );
        assert_eq!(
            family_of(&s(&[
                "https://auth.msft.communication.azure.com/Teams.ManageCalls",
                "https://auth.msft.communication.azure.us/Teams.ManageChats"
            ]))
            .unwrap(),
            Family::TeamsExtension
        );
        assert!(family_of(&[]).is_err());
        assert!(family_of(&s(&["https://communication.azure.com/.default"])).is_err());
    }

    #[test]
    fn urls() {
        let url = exchange_url("https://contoso.communication.azure.com", Family::Entra).unwrap();
        assert_eq!(
            url.as_str(),
            "https://contoso.communication.azure.com/access/entra/:exchangeAccessToken?api-version=2025-03-02-preview"
        );
        let url = exchange_url("http://127.0.0.1:8080/base/", Family::TeamsExtension).unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:8080/base/access/teamsExtension/:exchangeAccessToken?api-version=2025-06-30"
        );
        for bad in [
            "",
            "contoso",
            "ftp://x/",
            "https://u:p@x/",
            "https://x/?a=b",
            "/relative",
        ] {
            let err = exchange_url(bad, Family::Entra).unwrap_err().to_string();
            assert!(err.starts_with("Invalid resource endpoint"), "{bad}: {err}");
            assert!(!err.contains(":p@"), "{err}");
        }
    }

    #[test]
    fn a_long_expires_on_is_not_quoted() {
        let body = |expires_on: &str| {
            serde_json::json!({
                "identity": {"id": "8:acs:r_u"},
                "accessToken": {"token": "t", "expiresOn": expires_on}
            })
            .to_string()
        };
        let short = parse_exchange_response(body("tomorrow").as_bytes()).unwrap_err();
        assert!(short.to_string().contains("\"tomorrow\""), "{short}");
        let echoed = "eyJ0eXAiOiJKV1QifQ.eyJvaWQiOiJzZWNyZXQifQ.c2lnbmF0dXJlLXNlY3JldA";
        let long = parse_exchange_response(body(echoed).as_bytes()).unwrap_err();
        let message = format!("{long} {long:?}");
        assert!(!message.contains("eyJ0eXAi"), "{message}");
        assert!(message.contains("(64 characters, not shown)"), "{message}");
    }

    #[test]
    fn seven_fraction_digits() {
        let t = parse_expires_on("2034-10-04T10:21:29.4729393+00:00").unwrap();
        assert_eq!(t.nanosecond(), 472_939_300);
        assert_eq!(t.unix_timestamp(), 2_043_570_089);
    }
}
