//! The credential types: the `CommunicationTokenCredential` trait and
//! `AzureCommunicationTokenCredential`.

use super::{
    clock::{SystemClock, TokenClock},
    options::{CommunicationGetTokenOptions, CommunicationTokenRefreshOptions, ErasedRefresher},
    refresh::{
        RefreshLimiter, RefreshSettings, TokenCache, TokenSource, ON_DEMAND_REFRESH_WINDOW,
        TOKEN_CREDENTIAL_REFRESH_WINDOW,
    },
    token::{parse_token_at, DEFAULT_UNDECODABLE_TOKEN_LIFETIME},
};
use azure_core::{
    credentials::{AccessToken, TokenCredential, TokenRequestOptions},
    time::Duration,
};
use futures::future::BoxFuture;
use std::{fmt, sync::Arc};

/// A credential that provides Azure Communication Services user access tokens.
///
/// Implemented by [`AzureCommunicationTokenCredential`]; ACS clients take an
/// `Arc<dyn CommunicationTokenCredential>` (or, through azure_core's bearer
/// token policy, an `Arc<dyn TokenCredential>`).
#[async_trait::async_trait]
pub trait CommunicationTokenCredential: Send + Sync + fmt::Debug {
    /// Gets a valid user access token (see
    /// [`AzureCommunicationTokenCredential::get_token`]).
    async fn get_token(
        &self,
        options: Option<CommunicationGetTokenOptions>,
    ) -> azure_core::Result<AccessToken>;

    /// Stops all background work; later `get_token` calls fail with
    /// `User credential is disposed`.
    fn dispose(&self);

    /// Drops the cached token if it is still `token`, one the service
    /// rejected (HTTP 401), so that the next `get_token` gets a new one;
    /// `true` if it did (see [`AzureCommunicationTokenCredential::invalidate`]).
    ///
    /// The default does nothing and returns `false` (a credential without a
    /// cache, or one that cannot get another token).
    fn invalidate(&self, token: &str) -> bool {
        let _ = token;
        false
    }
}

/// The ACS user credential: a static token, or a token refreshed through a
/// callback (on demand, or proactively in the background).
///
/// Cloning is cheap and clones share one state (one token cache, one refresh
/// at a time, one background timer); [`dispose`](Self::dispose) on any clone
/// disposes them all, and dropping the last clone cancels every background
/// refresh. `Debug` shows the kind of credential and the token's expiry,
/// never the token.
///
/// It implements [`CommunicationTokenCredential`] and azure_core's
/// [`TokenCredential`] (scopes are ignored), so it plugs into azure_core's
/// `BearerTokenAuthorizationPolicy` like any other credential.
///
/// # Create a credential with a static token
///
/// For a short-lived client (say, one chat session), a token string is
/// enough. `get_token` returns it as is, even after it has expired (the
/// service then rejects it); nothing runs in the background.
///
/// ```
/// use azure_communication_common::AzureCommunicationTokenCredential;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> azure_core::Result<()> {
/// # let user_access_token = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjMyNTAzNjgwMDAwfQ.c2ln";
/// let credential = AzureCommunicationTokenCredential::from_token(user_access_token)?;
/// let token = credential.get_token().await?;
/// assert_eq!(token.expires_on.year(), 3000);
/// # Ok(()) }
/// ```
///
/// # Create a credential with a callback
///
/// The *token refresher* fetches a fresh token, typically from your own
/// server, which issues it with the ACS Identity service. It is called on the
/// first `get_token` and whenever the cached token is within two minutes of
/// expiry; it may return a token `String` or an [`AccessToken`].
///
/// ```
/// use azure_communication_common::{AzureCommunicationTokenCredential, CommunicationTokenRefreshOptions};
///
/// async fn fetch_token_from_my_server_for_user(user: &str) -> azure_core::Result<String> {
///     // e.g. an HTTP call to your own service
/// #   let _ = user;
/// #   Ok("eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjMyNTAzNjgwMDAwfQ.c2ln".to_owned())
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> azure_core::Result<()> {
/// let credential = AzureCommunicationTokenCredential::with_refresher(
///     CommunicationTokenRefreshOptions::new(|| fetch_token_from_my_server_for_user("bob@contoso.com")),
/// )?;
/// let token = credential.get_token().await?;
/// # assert_eq!(token.expires_on.year(), 3000);
/// # Ok(()) }
/// ```
///
/// # Create a credential with proactive token refreshing
///
/// With `refresh_proactively(true)` the token is refreshed in the background
/// ten minutes before it expires (or after half its lifetime when it lives
/// less than that), so callers rarely wait. A failed background refresh is
/// retried with backoff. The background timer starts on the first
/// `get_token` and ends with [`dispose`](Self::dispose) or the last handle.
///
/// ```
/// use azure_communication_common::{AzureCommunicationTokenCredential, CommunicationTokenRefreshOptions};
/// # async fn fetch_token_from_my_server_for_user(_: &str) -> azure_core::Result<String> {
/// #   Ok("eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjMyNTAzNjgwMDAwfQ.c2ln".to_owned())
/// # }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> azure_core::Result<()> {
/// let credential = AzureCommunicationTokenCredential::with_refresher(
///     CommunicationTokenRefreshOptions::new(|| fetch_token_from_my_server_for_user("bob@contoso.com"))
///         .refresh_proactively(true),
/// )?;
/// let token = credential.get_token().await?;
/// // ... use the credential; when done:
/// credential.dispose();
/// # Ok(()) }
/// ```
///
/// # Create a credential with proactive token refreshing and an initial token
///
/// If you already have a token (for example one your page was rendered
/// with), pass it as the initial token: the first `get_token` returns it
/// without calling the refresher.
///
/// ```
/// use azure_communication_common::{AzureCommunicationTokenCredential, CommunicationTokenRefreshOptions};
/// # async fn fetch_token_from_my_server_for_user(_: &str) -> azure_core::Result<String> {
/// #   Ok("eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjMyNTAzNjgwMDAwfQ.c2ln".to_owned())
/// # }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> azure_core::Result<()> {
/// # let initial_token = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjMyNTAzNjgwMDAwfQ.aW5pdGlhbA";
/// let credential = AzureCommunicationTokenCredential::with_refresher(
///     CommunicationTokenRefreshOptions::new(|| fetch_token_from_my_server_for_user("bob@contoso.com"))
///         .refresh_proactively(true)
///         .with_initial_token(initial_token.to_owned()),
/// )?;
/// assert_eq!(credential.get_token().await?.token.secret(), initial_token);
/// # Ok(()) }
/// ```
///
/// # An opaque token with a known expiry
///
/// Some tokens are not JWTs (enterprise Entra users get encrypted tokens),
/// so their expiry cannot be read; as a string they would be assumed to live
/// [`undecodable_token_lifetime`](CommunicationTokenRefreshOptions::undecodable_token_lifetime)
/// (600 s by default). When you know the expiry, pass an [`AccessToken`],
/// statically or from the refresher:
///
/// ```
/// use azure_communication_common::{AzureCommunicationTokenCredential, CommunicationTokenRefreshOptions};
/// use azure_core::{credentials::AccessToken, time::{Duration, OffsetDateTime}};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> azure_core::Result<()> {
/// let expires_on = OffsetDateTime::now_utc() + Duration::hours(24);
/// let credential =
///     AzureCommunicationTokenCredential::from_access_token(AccessToken::new("opaque-token", expires_on));
/// assert_eq!(credential.get_token().await?.expires_on, expires_on);
///
/// let refreshing = AzureCommunicationTokenCredential::with_refresher(CommunicationTokenRefreshOptions::new(
///     || async {
///         // e.g. the identity response's `token` and `expiresOn`
///         Ok(AccessToken::new("opaque-token", OffsetDateTime::now_utc() + Duration::hours(24)))
///     },
/// ))?;
/// assert_eq!(refreshing.get_token().await?.token.secret(), "opaque-token");
/// # Ok(()) }
/// ```
///
/// # Troubleshooting invalid tokens
///
/// Token strings are checked when they are read (by [`from_token`](Self::from_token),
/// an initial token, a refresher result, or [`parse_token`](crate::parse_token)).
/// The error says what was wrong and never contains the token:
///
/// | message starts with / mentions | cause | fix |
/// |---|---|---|
/// | `Invalid token: token must not be empty.` | an empty or blank string (an unset variable?) | pass the token |
/// | ``it starts with `Bearer ` `` | a whole `Authorization` header value | pass only the text after `Bearer ` |
/// | `it looks like a JSON response` | the identity response object, serialized | pass its `token` field |
/// | `it is wrapped in quotes` | a JSON string literal | remove the quotes |
/// | `leading or trailing whitespace` | a newline read from a file or environment variable | trim it |
/// | `contains ... at character N` | a character a bearer token cannot hold (`%`, `,`, a space...) | pass the token unchanged (not URL-encoded, not a list) |
/// | `'=' at character N is not base64 padding` | a truncated or joined token | copy the whole token |
///
/// A token that is well-formed but not a JWT with a numeric `exp` is not an
/// error: it is accepted as opaque with an assumed lifetime, and a warning is
/// logged once (through `tracing`). If that warning surprises you, check that
/// you pass the ACS token and not some other token.
///
/// # Behaviour details
///
/// Choices this crate makes where the reference libraries are silent:
///
/// * A token that expires exactly now counts as expired (a refresher result
///   like that is an error).
/// * Inside the two-minute on-demand window, a still-valid token that was
///   fetched less than a second ago is served without refreshing again, so a
///   refresher that hands out very short-lived tokens causes at most one
///   refresh a second. An expired token is always refreshed, but a refresh
///   never starts less than a second after the last successful one: it
///   waits for the rest of that second (and so do its callers).
/// * Likewise, after a failed refresh a still-valid cached token is served
///   for a second without asking the refresher again, so a token service
///   that is down is asked at most once a second, not at every call.
/// * A failed proactive refresh is retried after 1–2 s, 2–4 s, 4–8 s, ... (at
///   most 60 s), never later than 100 ms before the token expires; when less
///   than a second is left it gives up (logged) and the next `get_token`
///   refreshes on demand. A token obtained on demand meanwhile resets the
///   schedule.
/// * Proactive refreshes wait for a slot of a [`RefreshLimiter`](crate::RefreshLimiter)
///   (by default one per process, 64 slots, each held at most 2 s, earliest
///   expiry first; see
///   [`proactive_refresh_limiter`](CommunicationTokenRefreshOptions::proactive_refresh_limiter));
///   on-demand refreshes are not limited.
/// * Through azure_core's `TokenCredential` trait (and so behind
///   `BearerTokenAuthorizationPolicy`) the on-demand window is 5 minutes, the
///   policy's own, instead of 2.
/// * A refresh runs as its own task on azure_core's async runtime; a
///   refresher that panics gives every waiting caller an error (`The token
///   refresh panicked...`) and the next call refreshes anew.
/// * The proactive timer wakes at least once a day to re-read the wall clock.
/// * The proactive timer and the refresh timeout run on azure_core's async
///   runtime (tokio by default), so a refreshing credential's `get_token` is
///   called from within that runtime (a static credential works anywhere).
///   If the runtime shuts down, the next `get_token` (on a new runtime)
///   starts a new timer, and a refresh that was left pending on the old
///   runtime is replaced by a new one (the refresher is called again).
/// * A refresh keeps running when the `get_token` future that started it is
///   dropped; the next caller picks it up. If it then fails, that caller
///   starts a new refresh rather than returning the stale failure.
/// * `exp` is read to the nanosecond (digits beyond are truncated).
/// * **Clock skew.** A fresh token's `iat` (when the issuer says it issued
///   it) is compared with the local clock as the token arrives. When they
///   differ by more than [`CLOCK_SKEW_TOLERANCE`](crate::CLOCK_SKEW_TOLERANCE)
///   (1 minute), the difference (issuer clock − local clock) is learned and
///   every expiry decision is made in the issuer's time: the on-demand
///   windows, the proactive schedule, the "still valid" fallback and the
///   expired-token check of a refresher result. So with a clock 5 minutes
///   behind, a token expiring at 12:00:00 (issuer time) is still refreshed
///   at 11:58:00 issuer time, not 5 minutes late, and with a clock 5 minutes
///   ahead it is not refreshed 5 minutes early. One `tracing` warning gives
///   the measured skew in seconds (never the token) when a skew is learned
///   or changes by more than a minute; every later fresh token is measured
///   again (a corrected clock goes back to zero skew). The initial token and
///   static tokens are not measured (they may be old), nor opaque tokens
///   (no `iat`), nor a token issued no later than the last one measured
///   (the same token handed back again). A refresher should return freshly
///   issued tokens: a different one it had
///   cached for more than a minute reads as a local clock running ahead by
///   its age, and may then be served that much past its expiry (the service
///   answers 401, and [`CommunicationTokenCredentialPolicy`](crate::CommunicationTokenCredentialPolicy)
///   recovers with one refresh). See [`clock_skew`](Self::clock_skew).
/// * **Revoked tokens.** The service may reject a token before it expires
///   (after `revoke_tokens`, or when the user was deleted): it answers
///   401. [`invalidate`](Self::invalidate) drops that token from the cache,
///   only if it is still the cached one, so a burst of 401s for one token
///   causes one refresh; [`CommunicationTokenCredentialPolicy`](crate::CommunicationTokenCredentialPolicy)
///   does it for you and retries the request once.
///
/// Errors from `get_token`: `User credential is disposed` (the credential, or
/// a clone of it, was disposed); `The token returned from the tokenRefresher is
/// expired.` (the refresher returned a token that is already expired — check
/// the server's clock and what it returns); `The token refresh did not complete
/// within ...` (the refresher hung for longer than `refresh_timeout`); or the
/// refresher's own error.
#[derive(Clone)]
pub struct AzureCommunicationTokenCredential {
    state: Arc<TokenCache>,
}

/// The user callback as a [`TokenSource`].
struct RefresherSource {
    refresher: ErasedRefresher,
    undecodable_token_lifetime: Duration,
    clock: Arc<dyn TokenClock>,
}

impl TokenSource for RefresherSource {
    fn fetch(&self) -> BoxFuture<'static, azure_core::Result<AccessToken>> {
        (self.refresher)(self.undecodable_token_lifetime, self.clock.clone())
    }
}

impl AzureCommunicationTokenCredential {
    /// A static credential from a token string; its expiry is read as
    /// [`parse_token`](crate::parse_token) does.
    ///
    /// `get_token` always returns this token, even once it has expired (the
    /// service then says so); no background work is ever started.
    ///
    /// # Errors
    ///
    /// The token is empty or not a bearer token (see [`parse_token`](crate::parse_token)).
    pub fn from_token(token: &str) -> azure_core::Result<Self> {
        let clock: Arc<dyn TokenClock> = Arc::new(SystemClock);
        let token = parse_token_at(token, DEFAULT_UNDECODABLE_TOKEN_LIFETIME, clock.now_utc())?;
        Ok(Self::from_access_token(token))
    }

    /// A static credential from a token with a known expiry (taken as is; use
    /// this for opaque tokens whose expiry you know).
    pub fn from_access_token(token: AccessToken) -> Self {
        let settings = RefreshSettings {
            proactive: false,
            timeout: Duration::ZERO,
            limiter: RefreshLimiter::process_default(),
            clock: Arc::new(SystemClock),
        };
        Self {
            state: Arc::new(TokenCache::new_static(token, settings)),
        }
    }

    /// A credential that gets its tokens from a token refresher.
    ///
    /// # Errors
    ///
    /// The initial token is invalid, or `undecodable_token_lifetime` or
    /// `refresh_timeout` is zero or negative.
    pub fn with_refresher(options: CommunicationTokenRefreshOptions) -> azure_core::Result<Self> {
        options.validate()?;
        let initial = options.initial_access_token()?;
        let settings = options.settings();
        let source = RefresherSource {
            refresher: options.refresher,
            undecodable_token_lifetime: options.undecodable_token_lifetime,
            clock: options.clock.clone(),
        };
        Ok(Self::from_source(Arc::new(source), initial, settings))
    }

    /// A credential that exchanges the Entra ID token of a user for ACS user
    /// access tokens (SPEC 2.4), and caches and refreshes them like
    /// [`with_refresher`](Self::with_refresher) does.
    ///
    /// The scopes select the exchange endpoint:
    ///
    /// | every scope starts with | request (`POST`) |
    /// |---|---|
    /// | `https://communication.azure.com/clients/` (the default, `.../clients/.default`) | `{endpoint}/access/entra/:exchangeAccessToken?api-version=2025-03-02-preview` |
    /// | `https://auth.msft.communication.azure.com/` or `https://auth.msft.communication.azure.us/` | `{endpoint}/access/teamsExtension/:exchangeAccessToken?api-version=2025-06-30` |
    ///
    /// Each exchange asks the Entra ID credential for a token for the scopes
    /// and posts `{}` with `Authorization: Bearer <Entra token>` through an
    /// azure_core pipeline built from the options' `ClientOptions` (its retry
    /// policy retries 408, 429, 500, 502, 503 and 504, waiting at least
    /// `Retry-After` on 429 and 503). The ACS token is cached; the exchange is
    /// repeated only when the cached token is within two minutes of expiry
    /// (or ten minutes ahead in the background with
    /// [`refresh_proactively`](crate::EntraCommunicationTokenCredentialOptions::refresh_proactively)),
    /// once however many callers wait.
    ///
    /// ```no_run
    /// use azure_communication_common::{
    ///     AzureCommunicationTokenCredential, EntraCommunicationTokenCredentialOptions,
    /// };
    /// use azure_core::credentials::TokenCredential;
    /// use std::sync::Arc;
    ///
    /// # async fn example(entra_credential: Arc<dyn TokenCredential>) -> azure_core::Result<()> {
    /// // `entra_credential`: the signed-in Entra ID user, e.g. from azure_identity.
    /// let credential = AzureCommunicationTokenCredential::with_entra(
    ///     EntraCommunicationTokenCredentialOptions::new(
    ///         "https://contoso.communication.azure.com/",
    ///         entra_credential,
    ///     )
    ///     .with_scopes(["https://communication.azure.com/clients/VoIP"]),
    /// )?;
    /// let acs_token = credential.get_token().await?;
    /// # let _ = acs_token;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// At construction: `Scopes validation failed. Ensure all scopes start
    /// with one of https://auth.msft.communication.azure.com/,
    /// https://auth.msft.communication.azure.us/,
    /// https://communication.azure.com/clients/.` (no scopes, a scope of
    /// neither family, or both families mixed); `Invalid resource endpoint
    /// ...` (not an absolute `http`/`https` URL with a host, or with user
    /// info, a query or a fragment); a non-positive `refresh_timeout`.
    ///
    /// From `get_token`: the Entra ID credential's error (kind `Credential`,
    /// wrapping it); a non-200 answer as kind
    /// [`HttpResponse`](azure_core::error::ErrorKind::HttpResponse) with the
    /// status and the service's error code, the message reading `Failed to
    /// exchange the Entra ID token for an ACS token: HTTP 401
    /// InvalidAccessToken: <service message>`; an unreadable 200 answer
    /// (kind `DataConversion`); transport errors; the refresh timeout.
    /// Messages never contain a token.
    pub fn with_entra(
        options: super::entra::EntraCommunicationTokenCredentialOptions,
    ) -> azure_core::Result<Self> {
        let source = super::entra::entra_source(&options)?;
        let settings = RefreshSettings {
            proactive: options.refresh_proactively,
            timeout: options.refresh_timeout,
            limiter: RefreshLimiter::process_default(),
            clock: options.clock,
        };
        Ok(Self::from_source(Arc::new(source), None, settings))
    }

    /// A refreshing credential over any token source (the refresher callback
    /// today; the Entra token exchange plugs in here).
    pub(crate) fn from_source(
        source: Arc<dyn TokenSource>,
        initial: Option<AccessToken>,
        settings: RefreshSettings,
    ) -> Self {
        Self {
            state: Arc::new(TokenCache::new_refreshing(source, initial, settings)),
        }
    }

    /// Gets a valid token.
    ///
    /// * Static credential: the token, always.
    /// * Refreshing credential: the cached token while it is more than two
    ///   minutes from expiry (no lock, no waiting — even while a proactive
    ///   refresh runs); otherwise a refresh (one at a time, shared by every
    ///   caller) and its result. If that refresh fails while the cached token
    ///   is still valid, the cached token is returned and the error logged.
    ///   The first call starts the proactive timer, if enabled.
    ///
    /// Dropping the returned future never cancels a refresh other callers
    /// wait for.
    ///
    /// # Errors
    ///
    /// `User credential is disposed` after [`dispose`](Self::dispose); the
    /// refresher's error; `The token returned from the tokenRefresher is
    /// expired.`; or a timeout error after `refresh_timeout`.
    pub async fn get_token(&self) -> azure_core::Result<AccessToken> {
        self.state.get_token(ON_DEMAND_REFRESH_WINDOW).await
    }

    /// Drops the cached token if it is still `token`, a token the service
    /// rejected (HTTP 401: revoked, or its user deleted), so that the next
    /// [`get_token`](Self::get_token) refreshes instead of serving it again.
    /// Returns `true` if it dropped it.
    ///
    /// It only acts while `token` is the cached token: once one caller has
    /// invalidated it (or a refresh has replaced it), further calls with the
    /// same token return `false` and change nothing, so a burst of 401s for
    /// one token causes exactly one refresh, which every caller then shares.
    /// Tokens are compared in constant time; nothing is logged but the fact.
    ///
    /// * A refreshing credential: the next `get_token` calls the refresher
    ///   (at most once a second, as always). The invalidated token is never
    ///   served again, not even as the fallback when that refresh fails; the
    ///   refresher must return a new token, not one it cached.
    /// * A static credential ([`from_token`](Self::from_token),
    ///   [`from_access_token`](Self::from_access_token)) has nothing to
    ///   refresh with: `false`, and `get_token` keeps returning its token.
    /// * A disposed credential: `false`.
    ///
    /// ```
    /// use azure_communication_common::{AzureCommunicationTokenCredential, CommunicationTokenRefreshOptions};
    /// use std::sync::{Arc, atomic::{AtomicUsize, Ordering}};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> azure_core::Result<()> {
    /// let issued = Arc::new(AtomicUsize::new(0));
    /// let counter = issued.clone();
    /// let credential = AzureCommunicationTokenCredential::with_refresher(
    ///     CommunicationTokenRefreshOptions::new(move || {
    ///         // a new token each time (the payload is {"exp":32503680000}, year 3000)
    ///         let n = counter.fetch_add(1, Ordering::SeqCst);
    ///         async move { Ok(format!("eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjMyNTAzNjgwMDAwfQ.c2ln{n}")) }
    ///     }),
    /// )?;
    /// let rejected = credential.get_token().await?;
    /// // ... the service answered 401 to a request with `rejected` ...
    /// assert!(credential.invalidate(rejected.token.secret()));
    /// assert!(!credential.invalidate(rejected.token.secret()), "already dropped");
    /// let fresh = credential.get_token().await?; // (at most one refresh a second: it may wait)
    /// assert_ne!(fresh.token.secret(), rejected.token.secret());
    /// assert_eq!(issued.load(Ordering::SeqCst), 2);
    /// # Ok(()) }
    /// ```
    pub fn invalidate(&self, token: &str) -> bool {
        self.state.invalidate(token)
    }

    /// The learned skew of the token issuer's clock: issuer clock − local
    /// clock, zero while they agree within
    /// [`CLOCK_SKEW_TOLERANCE`](crate::CLOCK_SKEW_TOLERANCE) or before any
    /// fresh token has been measured (see "Clock skew" under
    /// [Behaviour details](Self#behaviour-details)). Positive: the local clock
    /// is behind.
    pub fn clock_skew(&self) -> Duration {
        self.state.clock_skew()
    }

    /// Cancels every scheduled or running refresh (waiting callers get
    /// `User credential is disposed`), stops the background timer and forgets
    /// the token. Later `get_token` calls fail with `User credential is
    /// disposed`. Affects every clone.
    pub fn dispose(&self) {
        self.state.dispose();
    }
}

impl fmt::Debug for AzureCommunicationTokenCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.state.is_static() {
            "static"
        } else if self.state.is_proactive() {
            "proactive refresh"
        } else {
            "on-demand refresh"
        };
        f.debug_struct("AzureCommunicationTokenCredential")
            .field("kind", &kind)
            .field("expires_on", &self.state.expires_on())
            .field("disposed", &self.state.is_disposed())
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl CommunicationTokenCredential for AzureCommunicationTokenCredential {
    async fn get_token(
        &self,
        _options: Option<CommunicationGetTokenOptions>,
    ) -> azure_core::Result<AccessToken> {
        self.state.get_token(ON_DEMAND_REFRESH_WINDOW).await
    }

    fn dispose(&self) {
        self.state.dispose();
    }

    fn invalidate(&self, token: &str) -> bool {
        self.state.invalidate(token)
    }
}

/// Scopes are ignored: an ACS user token is for ACS only.
///
/// Through this trait the credential refreshes on demand once the token is
/// within [`TOKEN_CREDENTIAL_REFRESH_WINDOW`] (5 minutes) of expiry instead
/// of 2: azure_core's `BearerTokenAuthorizationPolicy` asks its credential
/// for a new token from 5 minutes before expiry on, at every request, under
/// its write lock, and a credential that kept handing back the same token
/// for those 3 minutes would serialize every request of the client on that
/// lock. The refresh rules are otherwise the same (one refresh however many
/// callers; a still-valid token is served if the refresh fails; at most one
/// refresh a second).
#[async_trait::async_trait]
impl TokenCredential for AzureCommunicationTokenCredential {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        self.state.get_token(TOKEN_CREDENTIAL_REFRESH_WINDOW).await
    }
}
