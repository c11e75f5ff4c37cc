//! Options for the refreshing credential and for `get_token`.

use super::{
    clock::{SystemClock, TokenClock},
    refresh::{RefreshLimiter, RefreshSettings},
    token::{parse_token_at, DEFAULT_UNDECODABLE_TOKEN_LIFETIME},
};
use azure_core::{
    credentials::{AccessToken, Secret},
    error::ErrorKind,
    time::{Duration, OffsetDateTime},
};
use futures::future::BoxFuture;
use std::{fmt, future::Future, sync::Arc};

/// How long a single refresh may take before it is abandoned: 30 seconds.
pub const DEFAULT_REFRESH_TIMEOUT: Duration = Duration::seconds(30);

/// A refresh timeout must be positive; every credential kind checks it when built.
pub(crate) fn check_refresh_timeout(timeout: Duration) -> azure_core::Result<()> {
    if timeout.is_positive() {
        Ok(())
    } else {
        Err(azure_core::Error::with_message(
            ErrorKind::Credential,
            "refresh_timeout must be greater than zero.",
        ))
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A token as a token refresher or an initial token may provide it: a token
/// string (`String` or `&'static str`), whose expiry is read with
/// [`parse_token`](crate::parse_token)'s rules, or an [`AccessToken`] whose
/// expiry is taken as is.
///
/// This trait is sealed: it is implemented for `String`, `&'static str` and
/// `AccessToken` only.
pub trait IntoAccessToken: sealed::Sealed + Send + 'static {
    /// The token and, when known, its expiry.
    #[doc(hidden)]
    fn into_token_parts(self) -> (Secret, Option<OffsetDateTime>);
}

impl sealed::Sealed for String {}
impl IntoAccessToken for String {
    fn into_token_parts(self) -> (Secret, Option<OffsetDateTime>) {
        (Secret::new(self), None)
    }
}

impl sealed::Sealed for &'static str {}
impl IntoAccessToken for &'static str {
    fn into_token_parts(self) -> (Secret, Option<OffsetDateTime>) {
        (Secret::new(self), None)
    }
}

impl sealed::Sealed for AccessToken {}
impl IntoAccessToken for AccessToken {
    fn into_token_parts(self) -> (Secret, Option<OffsetDateTime>) {
        (self.token, Some(self.expires_on))
    }
}

/// Reads a token given as parts: an explicit expiry is taken as is, a string
/// is parsed (SPEC 2.1) with the given opaque lifetime and "now".
pub(crate) fn resolve_token(
    (token, expires_on): (Secret, Option<OffsetDateTime>),
    undecodable_token_lifetime: Duration,
    now: OffsetDateTime,
) -> azure_core::Result<AccessToken> {
    match expires_on {
        Some(expires_on) => Ok(AccessToken::new(token, expires_on)),
        None => parse_token_at(token.secret(), undecodable_token_lifetime, now),
    }
}

/// The type-erased refresher: called with the opaque-token lifetime and the
/// clock, it fetches a token and reads its expiry.
pub(crate) type ErasedRefresher = Arc<
    dyn Fn(Duration, Arc<dyn TokenClock>) -> BoxFuture<'static, azure_core::Result<AccessToken>>
        + Send
        + Sync,
>;

/// Options for an [`AzureCommunicationTokenCredential`](crate::AzureCommunicationTokenCredential)
/// that fetches new tokens with a callback (the *token refresher*).
///
/// | setting | default | meaning |
/// |---|---|---|
/// | `token_refresher` (required, [`new`](Self::new)) | — | async callback that returns a fresh token (`String` or `AccessToken`) |
/// | [`with_initial_token`](Self::with_initial_token) | none | a token to use until it is about to expire, so the first `get_token` does not call the refresher |
/// | [`refresh_proactively`](Self::refresh_proactively) | `false` | refresh in the background before the token expires |
/// | [`undecodable_token_lifetime`](Self::undecodable_token_lifetime) | 600 s | assumed lifetime of an opaque (non-JWT) token string |
/// | [`refresh_timeout`](Self::refresh_timeout) | 30 s | a refresh that takes longer is abandoned with an error |
/// | [`proactive_refresh_limiter`](Self::proactive_refresh_limiter) | [`RefreshLimiter::process_default`] (64 at once) | bounds concurrent proactive refreshes across the credentials sharing it |
///
/// `Debug` never shows a token.
///
/// # Examples
///
/// ```
/// use azure_communication_common::{AzureCommunicationTokenCredential, CommunicationTokenRefreshOptions};
/// use azure_core::time::Duration;
///
/// # async fn fetch_token_from_my_server() -> azure_core::Result<String> {
/// #     Ok("eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjMyNTAzNjgwMDAwfQ.c2ln".to_owned())
/// # }
/// let options = CommunicationTokenRefreshOptions::new(|| fetch_token_from_my_server())
///     .refresh_proactively(true)
///     .refresh_timeout(Duration::seconds(10));
/// let credential = AzureCommunicationTokenCredential::with_refresher(options)?;
/// # Ok::<(), azure_core::Error>(())
/// ```
#[derive(Clone)]
pub struct CommunicationTokenRefreshOptions {
    pub(crate) refresher: ErasedRefresher,
    pub(crate) initial_token: Option<(Secret, Option<OffsetDateTime>)>,
    pub(crate) refresh_proactively: bool,
    pub(crate) undecodable_token_lifetime: Duration,
    pub(crate) refresh_timeout: Duration,
    pub(crate) limiter: Option<RefreshLimiter>,
    pub(crate) clock: Arc<dyn TokenClock>,
}

impl CommunicationTokenRefreshOptions {
    /// Options with the given token refresher and every other setting at its
    /// default.
    ///
    /// The refresher is any `Fn() -> impl Future<Output = azure_core::Result<T>>`
    /// where `T` is a token `String` (its expiry is read as
    /// [`parse_token`](crate::parse_token) does) or an [`AccessToken`]
    /// (expiry taken as is). It is called at most once at a time per
    /// credential, however many callers wait for a token; every waiter gets
    /// its result. A token it returns that is already expired is an error
    /// (`The token returned from the tokenRefresher is expired.`).
    pub fn new<F, Fut, T>(token_refresher: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = azure_core::Result<T>> + Send + 'static,
        T: IntoAccessToken,
    {
        let refresher: ErasedRefresher = Arc::new(move |lifetime, clock: Arc<dyn TokenClock>| {
            let fut = token_refresher();
            Box::pin(async move {
                let token = fut.await?;
                resolve_token(token.into_token_parts(), lifetime, clock.now_utc())
            })
        });
        Self {
            refresher,
            initial_token: None,
            refresh_proactively: false,
            undecodable_token_lifetime: DEFAULT_UNDECODABLE_TOKEN_LIFETIME,
            refresh_timeout: DEFAULT_REFRESH_TIMEOUT,
            limiter: None,
            clock: Arc::new(SystemClock),
        }
    }

    /// A token to start with (a `String`/`&'static str`, read as
    /// [`parse_token`](crate::parse_token) does, or an [`AccessToken`]).
    ///
    /// It is served until it is within two minutes of its expiry (or, with
    /// proactive refresh, refreshed in the background before that), so the
    /// first `get_token` need not wait for the refresher. Default: none; the
    /// first `get_token` calls the refresher. An invalid token string makes
    /// [`AzureCommunicationTokenCredential::with_refresher`](crate::AzureCommunicationTokenCredential::with_refresher) fail.
    pub fn with_initial_token<T: IntoAccessToken>(mut self, token: T) -> Self {
        self.initial_token = Some(token.into_token_parts());
        self
    }

    /// Whether to refresh the token in the background before it expires.
    ///
    /// When `true`, a refresh is scheduled ten minutes before the token's
    /// expiry (a token that lives an hour is refreshed after 50 minutes); a
    /// token that arrives with less than ten minutes left is refreshed after
    /// half of its remaining lifetime (a 5-minute token after 2.5 minutes),
    /// and never more often than once a second. A failed background refresh
    /// is retried with exponential backoff and jitter (1–2 s, then doubling,
    /// at most 60 s apart) until it succeeds or the token expires. The timer
    /// starts on the first `get_token` and stops on `dispose` or when the last
    /// handle to the credential is dropped. Default: `false` (refresh on
    /// demand, when the token is within two minutes of expiry).
    pub fn refresh_proactively(mut self, refresh_proactively: bool) -> Self {
        self.refresh_proactively = refresh_proactively;
        self
    }

    /// How long an opaque token string (one that is not a JWT with a numeric
    /// `exp`) is assumed to live from when it is received.
    ///
    /// Example: with `Duration::minutes(5)`, an opaque token received at
    /// 12:00:00 is treated as expiring at 12:05:00 and refreshed on demand
    /// from 12:03:00. Default: 600 seconds. Zero or negative makes
    /// [`AzureCommunicationTokenCredential::with_refresher`](crate::AzureCommunicationTokenCredential::with_refresher) fail.
    pub fn undecodable_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.undecodable_token_lifetime = lifetime;
        self
    }

    /// How long one refresh may take. A refresher that has not answered after
    /// this long is abandoned: every caller waiting for it gets an error that
    /// says so, and the next `get_token` starts a new refresh.
    ///
    /// Default: 30 seconds. Zero or negative makes
    /// [`AzureCommunicationTokenCredential::with_refresher`](crate::AzureCommunicationTokenCredential::with_refresher) fail.
    pub fn refresh_timeout(mut self, timeout: Duration) -> Self {
        self.refresh_timeout = timeout;
        self
    }

    /// The [`RefreshLimiter`] this credential's proactive refreshes wait
    /// for: credentials given clones of one limiter share its slots.
    ///
    /// Default: [`RefreshLimiter::process_default`], 64 proactive refreshes
    /// at once across the process, each holding its slot at most 2 s,
    /// earliest expiry first. A backend holding many credentials sets its
    /// own to choose how hard it hits its token service. Has no effect
    /// without [`refresh_proactively`](Self::refresh_proactively); on-demand
    /// refreshes are never limited.
    pub fn proactive_refresh_limiter(mut self, limiter: RefreshLimiter) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// Replaces the clock the credential reads.
    ///
    /// Test seam, not stable API: only with the `test-util` feature, and it
    /// may change in any release.
    #[cfg(feature = "test-util")]
    pub fn with_clock(mut self, clock: Arc<dyn TokenClock>) -> Self {
        self.clock = clock;
        self
    }

    /// The refresh settings these options describe.
    pub(crate) fn settings(&self) -> RefreshSettings {
        RefreshSettings {
            proactive: self.refresh_proactively,
            timeout: self.refresh_timeout,
            limiter: self
                .limiter
                .clone()
                .unwrap_or_else(RefreshLimiter::process_default),
            clock: self.clock.clone(),
        }
    }

    pub(crate) fn validate(&self) -> azure_core::Result<()> {
        if !self.undecodable_token_lifetime.is_positive() {
            return Err(azure_core::Error::with_message(
                ErrorKind::Credential,
                "undecodable_token_lifetime must be greater than zero.",
            ));
        }
        check_refresh_timeout(self.refresh_timeout)
    }

    /// Reads the initial token, if any.
    pub(crate) fn initial_access_token(&self) -> azure_core::Result<Option<AccessToken>> {
        self.initial_token
            .clone()
            .map(|parts| {
                resolve_token(parts, self.undecodable_token_lifetime, self.clock.now_utc())
            })
            .transpose()
    }
}

impl fmt::Debug for CommunicationTokenRefreshOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommunicationTokenRefreshOptions")
            .field("token_refresher", &"<callback>")
            .field(
                "initial_token",
                &self.initial_token.as_ref().map(|_| "<redacted>"),
            )
            .field("refresh_proactively", &self.refresh_proactively)
            .field(
                "undecodable_token_lifetime",
                &self.undecodable_token_lifetime,
            )
            .field("refresh_timeout", &self.refresh_timeout)
            .field("proactive_refresh_limiter", &self.limiter)
            .finish()
    }
}

/// Per-call options for [`CommunicationTokenCredential::get_token`](crate::CommunicationTokenCredential::get_token).
///
/// There are no settings yet; the type is a slot for per-call settings (for
/// example an azure_core `Context`) that can be added without breaking
/// callers. To cancel a `get_token` call, drop its future: that never cancels
/// a refresh other callers are waiting for.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct CommunicationGetTokenOptions {}

impl CommunicationGetTokenOptions {
    /// Default options.
    pub fn new() -> Self {
        Self::default()
    }
}
