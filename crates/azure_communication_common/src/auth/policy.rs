//! The azure_core pipeline policy that signs every try with an access key.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use azure_core::credentials::Secret;
use azure_core::error::{Error, ErrorKind};
use azure_core::http::headers::{HeaderName, AUTHORIZATION};
use azure_core::http::policies::{Policy, PolicyResult};
use azure_core::http::{Body, Context, Request};
use azure_core::time::OffsetDateTime;
use futures::AsyncReadExt;
use sha2::{Digest, Sha256};

use super::access_key_credential::AccessKeyCredential;
use super::signer::AccessKeySigner;

/// `x-ms-date`: when the request was signed.
const X_MS_DATE: HeaderName = HeaderName::from_static("x-ms-date");
/// `x-ms-content-sha256`: base64 SHA-256 of the body.
const X_MS_CONTENT_SHA256: HeaderName = HeaderName::from_static("x-ms-content-sha256");
/// `host`: only read (a caller-set value is signed instead of the URL's).
const HOST: HeaderName = HeaderName::from_static("host");

/// Buffer used to hash a streaming body.
const STREAM_CHUNK: usize = 64 * 1024;

type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// An azure_core [`Policy`] that authenticates each request with an Azure
/// Communication Services access key (HMAC-SHA256, SPEC 3).
///
/// For every request it hashes the exact body bytes (a
/// [`Body::SeekableStream`] is read to the end, hashed and reset, never
/// buffered whole), then sets `x-ms-date` (from its clock, by default
/// [`OffsetDateTime::now_utc`]), `x-ms-content-sha256` and `authorization`,
/// and passes the request on.
///
/// Place it **per try** (after the retry policy, e.g. in
/// `Pipeline::new`'s `per_try_policies` or [`ClientOptions::per_try_policies`](azure_core::http::ClientOptions::per_try_policies)):
/// each retry is then signed again with a fresh date, so a retry after a long
/// back-off is not rejected as stale.
///
/// What is signed is what is sent: the method, the URL's path and query as
/// they appear in the request line, and the `Host` header — the URL's host
/// (with a non-default port), or the request's own `host` header if the
/// caller set one. Plain `http://` URLs are signed too (the key itself never
/// leaves the process), which lets local emulators work; use `https://` for
/// real services.
///
/// `Debug` never shows the key.
///
/// # Example: in an azure_core pipeline
///
/// The pipeline below uses a mock transport (so the example runs offline)
/// that checks the signature with [`AccessKeySigner::verify`]; a real client
/// leaves `transport` unset to use azure_core's default HTTP client.
///
/// ```
/// use std::sync::Arc;
/// use azure_communication_common::{
///     communication_auth_policy, AccessKeySigner, CommunicationCredential, ConnectionString,
/// };
/// use azure_core::http::{
///     headers::{HeaderName, Headers}, AsyncRawResponse, ClientOptions, Context, HttpClient,
///     Method, Pipeline, Request, RetryOptions, StatusCode, Transport,
/// };
///
/// /// Stands in for the service: verifies the request as received.
/// #[derive(Debug)]
/// struct Service(AccessKeySigner);
///
/// #[async_trait::async_trait]
/// impl HttpClient for Service {
///     async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
///         let header = |name| request.headers().get_str(&HeaderName::from_static(name));
///         let body: &[u8] = match request.body() {
///             azure_core::http::Body::Bytes(bytes) => bytes,
///             _ => unreachable!("this example sends a bytes body"),
///         };
///         let url = request.url();
///         self.0.verify(
///             &request.method().to_string(),
///             &AccessKeySigner::signed_path_and_query(url),
///             &AccessKeySigner::signed_host(url)?,
///             header("x-ms-date")?,
///             &AccessKeySigner::content_hash(body),
///             header("authorization")?,
///         )?;
///         assert_eq!(header("x-ms-content-sha256")?, AccessKeySigner::content_hash(body));
///         Ok(AsyncRawResponse::from_bytes(StatusCode::Ok, Headers::new(), Vec::<u8>::new()))
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> azure_core::Result<()> {
/// let connection_string: ConnectionString =
///     "endpoint=https://contoso.communication.azure.com/;accesskey=pw==".parse()?;
/// let service = Service(connection_string.signer().clone());
/// let (endpoint, signer) = connection_string.into_parts();
///
/// let options = ClientOptions {
///     transport: Some(Transport::new(Arc::new(service))),
///     retry: RetryOptions::none(),
///     ..Default::default()
/// };
/// let pipeline = Pipeline::new(
///     Some("my_crate"),
///     Some("1.0.0"),
///     options,
///     Vec::new(),
///     // Per try: every retry is signed again with a fresh date.
///     vec![communication_auth_policy(CommunicationCredential::from(signer))],
///     None,
/// );
///
/// let mut request = Request::new(
///     endpoint.join("identities?api-version=2023-10-01")?,
///     Method::Post,
/// );
/// request.set_body(br#"{"createTokenWithScopes":["chat"]}"#.to_vec());
/// let response = pipeline.send(&Context::new(), &mut request, None).await?;
/// assert_eq!(response.status(), StatusCode::Ok);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct CommunicationAccessKeyCredentialPolicy {
    key: AccessKeyCredential,
    clock: Clock,
}

impl fmt::Debug for CommunicationAccessKeyCredentialPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommunicationAccessKeyCredentialPolicy")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl From<AccessKeySigner> for CommunicationAccessKeyCredentialPolicy {
    fn from(signer: AccessKeySigner) -> Self {
        Self::new(signer)
    }
}

impl From<AccessKeyCredential> for CommunicationAccessKeyCredentialPolicy {
    fn from(key: AccessKeyCredential) -> Self {
        Self::new(key)
    }
}

impl CommunicationAccessKeyCredentialPolicy {
    /// Creates the policy from a signer, or from an [`AccessKeyCredential`]
    /// whose key can be rotated while the policy is in use (it is read once
    /// per request). The clock is [`OffsetDateTime::now_utc`].
    pub fn new(key: impl Into<AccessKeyCredential>) -> Self {
        Self {
            key: key.into(),
            clock: Arc::new(OffsetDateTime::now_utc),
        }
    }

    /// Creates the policy from a base64 access key.
    ///
    /// # Errors
    ///
    /// The key is not valid standard base64 (see [`AccessKeySigner::new`]);
    /// the message never contains the key.
    pub fn from_access_key(access_key: impl Into<Secret>) -> azure_core::Result<Self> {
        Ok(Self::new(AccessKeySigner::new(access_key)?))
    }

    /// Replaces the clock that dates each request (default:
    /// [`OffsetDateTime::now_utc`]). Tests use it to pin or advance time.
    ///
    /// A test seam (feature `test-util`), not stable API.
    #[cfg(feature = "test-util")]
    pub fn with_clock(
        mut self,
        clock: impl Fn() -> OffsetDateTime + Send + Sync + 'static,
    ) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The key this policy signs with (rotate it with
    /// [`AccessKeyCredential::update`]).
    pub fn credential(&self) -> &AccessKeyCredential {
        &self.key
    }

    /// Signs `request` in place: sets `x-ms-date`, `x-ms-content-sha256` and
    /// `authorization`. A streaming body is read, hashed and reset.
    ///
    /// [`Policy::send`] calls this and then forwards the request; it is public
    /// for callers that build an azure_core [`Request`] but send it some
    /// other way.
    ///
    /// # Errors
    ///
    /// The URL has no host, or a streaming body cannot be read or reset.
    pub async fn sign_request(&self, request: &mut Request) -> azure_core::Result<()> {
        let content_hash = match request.body_mut() {
            Body::Bytes(bytes) => AccessKeySigner::content_hash(bytes),
            Body::SeekableStream(stream) => {
                stream.reset().await.map_err(|e| {
                    let message =
                        format!("failed to rewind the request body stream before hashing it: {e}");
                    e.with_context(message)
                })?;
                let mut hasher = Sha256::new();
                let mut buf = vec![0u8; STREAM_CHUNK];
                loop {
                    let n = stream.read(&mut buf).await.map_err(|e| {
                        let message = format!(
                            "failed to read the request body stream to compute \
                             x-ms-content-sha256: {e}"
                        );
                        Error::with_error(ErrorKind::Io, e, message)
                    })?;
                    if n == 0 {
                        break;
                    }
                    hasher.update(&buf[..n]);
                }
                stream.reset().await.map_err(|e| {
                    let message =
                        format!("failed to rewind the request body stream after hashing it: {e}");
                    e.with_context(message)
                })?;
                azure_core::base64::encode(hasher.finalize())
            }
        };

        // Not `Headers::get_optional_str`: it builds (and drops) an error,
        // with a backtrace when enabled, whenever the header is absent.
        let caller_host = request
            .headers()
            .iter()
            .find(|(name, _)| **name == HOST)
            .map(|(_, value)| value.as_str().to_owned());
        let host = match caller_host {
            Some(host) => host,
            None => AccessKeySigner::signed_host(request.url())?,
        };
        let method = request.method();
        let x_ms_date = AccessKeySigner::format_date((self.clock)());
        // One read of the key per request: a concurrent update is seen
        // whole, from the next request on.
        let authorization = self.key.signer().sign_parts(
            method.as_ref(),
            &AccessKeySigner::signed_path_and_query(request.url()),
            &host,
            &x_ms_date,
            &content_hash,
        )?;
        tracing::trace!(
            method = %method,
            host = %host,
            x_ms_date = %x_ms_date,
            "signed request with access key"
        );
        request.insert_header(X_MS_DATE, x_ms_date);
        request.insert_header(X_MS_CONTENT_SHA256, content_hash);
        request.insert_header(AUTHORIZATION, authorization);
        Ok(())
    }
}

/// The next policy in a pipeline and the ones after it.
type Chain<'a> = (&'a Arc<dyn Policy>, &'a [Arc<dyn Policy>]);

/// The policy after `policy` and the rest of the chain; an error naming
/// `policy` if it was called outside a pipeline (nothing after it).
pub(crate) fn split_next<'a>(
    next: &'a [Arc<dyn Policy>],
    policy: &str,
) -> azure_core::Result<Chain<'a>> {
    next.split_first().ok_or_else(|| {
        Error::with_message(
            ErrorKind::Other,
            format!(
                "{policy} must be followed by a transport policy in the pipeline; \
                 add it to a Pipeline instead of calling send directly"
            ),
        )
    })
}

#[async_trait]
impl Policy for CommunicationAccessKeyCredentialPolicy {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        let (first, rest) = split_next(next, "CommunicationAccessKeyCredentialPolicy")?;
        self.sign_request(request).await?;
        first.send(ctx, request, rest).await
    }
}
