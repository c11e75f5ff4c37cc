//! The credential types: the `CommunicationTokenCredential` trait and
//! `AzureCommunicationTokenCredential`.

use super::{
    clock::{Clock, SystemClock},
    options::{CommunicationGetTokenOptions, CommunicationTokenRefreshOptions, ErasedRefresher},
    refresh::{TokenCache, TokenSource},
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
/// See the [module documentation](crate#user-access-tokens) for the scenarios.
#[derive(Clone)]
pub struct AzureCommunicationTokenCredential {
    state: Arc<TokenCache>,
}

/// The user callback as a [`TokenSource`].
struct RefresherSource {
    refresher: ErasedRefresher,
    undecodable_token_lifetime: Duration,
    clock: Arc<dyn Clock>,
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
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let token = parse_token_at(token, DEFAULT_UNDECODABLE_TOKEN_LIFETIME, clock.now_utc())?;
        Ok(Self::from_access_token(token))
    }

    /// A static credential from a token with a known expiry (taken as is; use
    /// this for opaque tokens whose expiry you know).
    pub fn from_access_token(token: AccessToken) -> Self {
        Self {
            state: Arc::new(TokenCache::new_static(token, Arc::new(SystemClock))),
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
        let source = RefresherSource {
            refresher: options.refresher,
            undecodable_token_lifetime: options.undecodable_token_lifetime,
            clock: options.clock.clone(),
        };
        Ok(Self {
            state: Arc::new(TokenCache::new_refreshing(
                Arc::new(source),
                initial,
                options.refresh_proactively,
                options.refresh_timeout,
                options.clock,
            )),
        })
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
        self.state.get_token().await
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
        self.state.get_token().await
    }

    fn dispose(&self) {
        self.state.dispose();
    }
}

/// Scopes are ignored: an ACS user token is for ACS only.
#[async_trait::async_trait]
impl TokenCredential for AzureCommunicationTokenCredential {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        self.state.get_token().await
    }
}
