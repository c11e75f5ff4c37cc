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
/// # Example
///
/// ```
/// use std::sync::Arc;
/// use azure_communication_common::CommunicationAccessKeyCredentialPolicy;
/// use azure_core::http::{policies::Policy, ClientOptions, Pipeline};
///
/// let policy: Arc<dyn Policy> = Arc::new(CommunicationAccessKeyCredentialPolicy::from_access_key("pw==")?);
/// let pipeline = Pipeline::new(
///     Some("my_crate"),
///     Some("1.0.0"),
///     ClientOptions::default(),
///     Vec::new(),
///     vec![policy], // per try: every retry is re-signed
///     None,
/// );
/// # let _ = pipeline;
/// # Ok::<(), azure_core::Error>(())
/// ```
#[derive(Clone)]
pub struct CommunicationAccessKeyCredentialPolicy {
    signer: AccessKeySigner,
    clock: Clock,
}

impl fmt::Debug for CommunicationAccessKeyCredentialPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommunicationAccessKeyCredentialPolicy")
            .field("signer", &self.signer)
            .finish_non_exhaustive()
    }
}

impl From<AccessKeySigner> for CommunicationAccessKeyCredentialPolicy {
    fn from(signer: AccessKeySigner) -> Self {
        Self::new(signer)
    }
}

impl CommunicationAccessKeyCredentialPolicy {
    /// Creates the policy from a signer. The clock is
    /// [`OffsetDateTime::now_utc`].
    pub fn new(signer: AccessKeySigner) -> Self {
        Self {
            signer,
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
    pub fn with_clock(
        mut self,
        clock: impl Fn() -> OffsetDateTime + Send + Sync + 'static,
    ) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The signer this policy uses.
    pub fn signer(&self) -> &AccessKeySigner {
        &self.signer
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
                    e.with_context("failed to rewind the request body stream before hashing it")
                })?;
                let mut hasher = Sha256::new();
                let mut buf = vec![0u8; STREAM_CHUNK];
                loop {
                    let n = stream.read(&mut buf).await.map_err(|e| {
                        Error::with_error(
                            ErrorKind::Io,
                            e,
                            "failed to read the request body stream to compute x-ms-content-sha256",
                        )
                    })?;
                    if n == 0 {
                        break;
                    }
                    hasher.update(&buf[..n]);
                }
                stream.reset().await.map_err(|e| {
                    e.with_context("failed to rewind the request body stream after hashing it")
                })?;
                azure_core::base64::encode(hasher.finalize())
            }
        };

        let host = match request.headers().get_optional_str(&HOST) {
            Some(host) => host.to_owned(),
            None => AccessKeySigner::signed_host(request.url())?,
        };
        let method = request.method();
        let x_ms_date = AccessKeySigner::format_date((self.clock)());
        let authorization = self.signer.sign_parts(
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

#[async_trait]
impl Policy for CommunicationAccessKeyCredentialPolicy {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        let Some((first, rest)) = next.split_first() else {
            return Err(Error::with_message(
                ErrorKind::Other,
                "CommunicationAccessKeyCredentialPolicy must be followed by a transport policy \
                 in the pipeline; add it to a Pipeline instead of calling send directly",
            ));
        };
        self.sign_request(request).await?;
        first.send(ctx, request, rest).await
    }
}
