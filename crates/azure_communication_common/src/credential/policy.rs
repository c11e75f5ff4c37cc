//! The azure_core pipeline policy that authorizes requests with an ACS user
//! access token, and on a 401 invalidates that token and retries once.

use super::token_credential::{AzureCommunicationTokenCredential, CommunicationTokenCredential};
use crate::auth::policy::split_next;
use async_trait::async_trait;
use azure_core::error::{Error, ErrorKind};
use azure_core::http::headers::AUTHORIZATION;
use azure_core::http::policies::{Policy, PolicyResult};
use azure_core::http::{Context, Request, StatusCode};
use std::fmt;
use std::sync::Arc;
use url::{Host, Url};

/// An azure_core [`Policy`] that sets `Authorization: Bearer <token>` from an
/// ACS user credential ([`CommunicationTokenCredential`], e.g.
/// [`AzureCommunicationTokenCredential`]), the way ACS chat and calling
/// clients authenticate.
///
/// It asks the credential for a token at every request (the cached token is
/// a lock-free read; the credential refreshes it within two minutes of
/// expiry, once however many requests wait).
///
/// **Revoked tokens.** With [`retry_on_unauthorized`](Self::retry_on_unauthorized)
/// (on by default), when the service answers 401 to a request this policy
/// authorized, it calls [`invalidate`](CommunicationTokenCredential::invalidate)
/// with the token it sent, gets a token again and, if that is a different
/// token, sends the request once more with it (its body rewound: a
/// [`Body::Bytes`](azure_core::http::Body::Bytes) body is sent again as is, a
/// seekable stream is reset). The answer to that second try is returned
/// whatever it is. If the token did not change (a static credential, or a
/// refresher that returned the same token) the 401 is returned at once.
/// Because `invalidate` only acts while the rejected token is still cached,
/// any number of requests rejected together cause one refresh.
///
/// Place it **per try** (after the retry policy), like the access-key
/// policy; it sends the next policies itself for the second try.
///
/// Tokens go over `https://` only; plain `http://` is accepted for loopback
/// hosts (`localhost`, `127.0.0.0/8`, `::1`) so that a local emulator works.
/// `Debug` never shows a token.
///
/// # Errors
///
/// The credential's error (for example the refresher's); a 401 followed by a
/// failed refresh is that refresh's error, saying the service had rejected
/// the token. A non-loopback `http://` URL is refused before anything is sent.
///
/// # Example
///
/// ```no_run
/// use azure_communication_common::{
///     AzureCommunicationTokenCredential, CommunicationTokenCredentialPolicy,
///     CommunicationTokenRefreshOptions,
/// };
/// use azure_core::http::{ClientOptions, Context, Method, Pipeline, Request};
/// use std::sync::Arc;
///
/// # async fn fetch_token_from_my_server() -> azure_core::Result<String> { unimplemented!() }
/// # async fn example() -> azure_core::Result<()> {
/// let credential = AzureCommunicationTokenCredential::with_refresher(
///     CommunicationTokenRefreshOptions::new(fetch_token_from_my_server),
/// )?;
/// let pipeline = Pipeline::new(
///     Some("my_chat_client"),
///     Some("1.0.0"),
///     ClientOptions::default(),
///     Vec::new(),
///     vec![Arc::new(CommunicationTokenCredentialPolicy::new(credential))],
///     None,
/// );
/// let mut request = Request::new(
///     "https://contoso.communication.azure.com/chat/threads?api-version=2024-03-07".parse()?,
///     Method::Get,
/// );
/// let response = pipeline.send(&Context::new(), &mut request, None).await?;
/// # let _ = response;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct CommunicationTokenCredentialPolicy {
    credential: Arc<dyn CommunicationTokenCredential>,
    retry_on_unauthorized: bool,
}

impl fmt::Debug for CommunicationTokenCredentialPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommunicationTokenCredentialPolicy")
            .field("credential", &self.credential)
            .field("retry_on_unauthorized", &self.retry_on_unauthorized)
            .finish()
    }
}

impl From<AzureCommunicationTokenCredential> for CommunicationTokenCredentialPolicy {
    fn from(credential: AzureCommunicationTokenCredential) -> Self {
        Self::new(credential)
    }
}

impl CommunicationTokenCredentialPolicy {
    /// The policy for `credential`, retrying once on 401 (see
    /// [`retry_on_unauthorized`](Self::retry_on_unauthorized)).
    pub fn new(credential: impl CommunicationTokenCredential + 'static) -> Self {
        Self::from_arc(Arc::new(credential))
    }

    /// The policy for a shared credential.
    pub fn from_arc(credential: Arc<dyn CommunicationTokenCredential>) -> Self {
        Self {
            credential,
            retry_on_unauthorized: true,
        }
    }

    /// Whether a 401 to a request this policy authorized invalidates the
    /// token it sent and retries the request once with a new one (default
    /// `true`). With `false` the 401 is returned as is and the credential
    /// keeps its token.
    pub fn retry_on_unauthorized(mut self, retry: bool) -> Self {
        self.retry_on_unauthorized = retry;
        self
    }
}

/// `https`, or `http` to a loopback host.
fn check_scheme(url: &Url) -> azure_core::Result<()> {
    let loopback = match url.host() {
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if url.scheme() == "https" || (url.scheme() == "http" && loopback) {
        return Ok(());
    }
    Err(Error::with_message(
        ErrorKind::Other,
        format!(
            "CommunicationTokenCredentialPolicy sends user access tokens only over https \
             (plain http only to a loopback host such as a local emulator); the request goes \
             to {}://{}. Use the resource's https endpoint.",
            url.scheme(),
            url.host_str().unwrap_or("")
        ),
    ))
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[async_trait]
impl Policy for CommunicationTokenCredentialPolicy {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        let (first, rest) = split_next(next, "CommunicationTokenCredentialPolicy")?;
        check_scheme(request.url())?;
        let token = self.credential.get_token(None).await?;
        request.insert_header(AUTHORIZATION, bearer(token.token.secret()));
        let response = first.send(ctx, request, rest).await?;
        if !self.retry_on_unauthorized || response.status() != StatusCode::Unauthorized {
            return Ok(response);
        }
        let dropped = self.credential.invalidate(token.token.secret());
        let fresh = self.credential.get_token(None).await.map_err(|error| {
            let message = format!(
                "The service rejected the user access token (HTTP 401) and a new one could not \
                 be had: {error}"
            );
            Error::with_error(ErrorKind::Credential, error, message)
        })?;
        if fresh.token == token.token {
            if dropped {
                tracing::warn!(
                    "the service rejected the user access token (HTTP 401) and the token \
                     refresher returned the same token again; it must return a newly issued token"
                );
            }
            return Ok(response);
        }
        drop(response);
        tracing::debug!(
            invalidated = dropped,
            "HTTP 401 with a user access token; retrying once with a new token"
        );
        request.body_mut().reset().await?;
        request.insert_header(AUTHORIZATION, bearer(fresh.token.secret()));
        first.send(ctx, request, rest).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_go_over_https_or_to_loopback() {
        let ok = |url: &str| check_scheme(&url.parse().unwrap()).is_ok();
        assert!(ok("https://contoso.communication.azure.com/chat/threads"));
        assert!(ok("http://127.0.0.1:8080/chat/threads"));
        assert!(ok("http://127.1.2.3/"));
        assert!(ok("http://localhost:1/"));
        assert!(ok("http://[::1]:1/"));
        assert!(!ok("http://contoso.communication.azure.com/"));
        assert!(!ok("http://10.0.0.1/"));
        assert!(!ok("ftp://localhost/"));
        let error = check_scheme(&"http://example.com/x?secret".parse().unwrap()).unwrap_err();
        assert!(error.to_string().contains("http://example.com."), "{error}");
    }
}
