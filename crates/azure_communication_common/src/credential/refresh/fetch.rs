//! One refresh, as the flight runs it: wait out the minimum interval, fetch
//! within the timeout, learn the issuer's clock skew, check the expiry.

use super::cache::{interval_left, Cached, Now};
use super::errors::timeout_error;
use super::settings::from_nanos;
use super::{TokenCache, TokenSource};
use crate::credential::token::jwt_issued_at;
use azure_core::error::ErrorKind;
use futures::future::Either;
use std::sync::Arc;
use tracing::Instrument;

impl TokenCache {
    /// One refresh: waits out the rest of [`super::settings::MIN_REFRESH_INTERVAL`]
    /// since the last success (no refresh storm), then fetches within the
    /// timeout and checks the token's expiry.
    pub(super) fn refresh_work(
        &self,
        source: Arc<dyn TokenSource>,
        trigger: &'static str,
    ) -> impl std::future::Future<Output = azure_core::Result<Arc<Cached>>> + Send + 'static {
        let now = Now::read(self.settings.clock.as_ref());
        let hold = from_nanos(interval_left(self.stamps.read().succeeded, now.mono));
        let timeout = self.settings.timeout;
        let clock = self.settings.clock.clone();
        let skew = self.skew.clone();
        let span = tracing::debug_span!("communication_token_refresh", trigger);
        async move {
            if hold.is_positive() {
                azure_core::sleep(hold).await;
            }
            let fetch = source.fetch();
            let sleep = Box::pin(azure_core::sleep(timeout));
            let result = match futures::future::select(fetch, sleep).await {
                Either::Left((result, _)) => result,
                Either::Right(_) => Err(timeout_error(timeout)),
            };
            let local = Now::read(clock.as_ref()).wall;
            let result = result.and_then(|token| {
                // learn the issuer's clock first: with a clock ahead of the
                // issuer, a fresh token could otherwise look expired
                if let Some(issued_at) = jwt_issued_at(token.token.secret()) {
                    skew.learn(issued_at, local);
                }
                let now = skew.issuer_time(local);
                let cached = Cached::new(token, now);
                if cached.valid_at(now) {
                    Ok(Arc::new(cached))
                } else {
                    Err(azure_core::Error::with_message(
                        ErrorKind::Credential,
                        source.expired_message(),
                    ))
                }
            });
            match &result {
                Ok(_) => tracing::debug!("token refreshed"),
                Err(error) => tracing::debug!(error = %error, "token refresh failed"),
            }
            result
        }
        .instrument(span)
    }
}
