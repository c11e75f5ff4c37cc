//! Every timing default of the refresh state machine, and the one settings
//! struct a credential's refresh state is built with.

use super::limiter::RefreshLimiter;
use crate::credential::clock::TokenClock;
use azure_core::time::Duration;
use std::sync::Arc;

/// `get_token` refreshes (and waits) once the cached token is this close to
/// expiry: 2 minutes, as in the .NET, Python, iOS and Android libraries.
/// A token expiring at 12:00:00 is served from the cache until 11:58:00.
pub const ON_DEMAND_REFRESH_WINDOW: Duration = Duration::minutes(2);

/// Through azure_core's `TokenCredential` trait the on-demand window is
/// 5 minutes instead of [`ON_DEMAND_REFRESH_WINDOW`]: azure_core's
/// `BearerTokenAuthorizationPolicy` asks its credential for a new token once
/// its cached one is within 5 minutes of expiry, and would otherwise get the
/// same token back at every request of those minutes (each taking the
/// policy's write lock). azure_identity's credentials refresh at 5 minutes
/// too. A token expiring at 12:00:00 is served to the policy until 11:55:00.
pub const TOKEN_CREDENTIAL_REFRESH_WINDOW: Duration = Duration::minutes(5);

/// Proactive refresh happens this long before expiry: 10 minutes. A token
/// that arrives with less than this left is refreshed after half of its
/// remaining lifetime instead.
pub const PROACTIVE_REFRESH_WINDOW: Duration = Duration::minutes(10);

/// When a fresh token's `iat` is more than this away from the local clock,
/// the credential learns the difference as the token issuer's clock skew and
/// makes its expiry decisions in the issuer's time: 1 minute.
pub const CLOCK_SKEW_TOLERANCE: Duration = Duration::minutes(1);

/// Refreshes of a credential never start more often than this: 1 second.
pub(crate) const MIN_REFRESH_INTERVAL: Duration = Duration::seconds(1);

/// First retry of a failed proactive refresh: after 1 s plus up to 1 s of jitter.
pub(crate) const FIRST_RETRY_DELAY: Duration = Duration::seconds(1);

/// Retries of a failed proactive refresh are never further apart than 60 s.
pub(crate) const MAX_RETRY_DELAY: Duration = Duration::seconds(60);

/// A proactive retry is scheduled at least this long before the token
/// expires, so that it runs while the token is still valid: 100 ms.
pub(crate) const RETRY_EXPIRY_MARGIN: Duration = Duration::milliseconds(100);

/// The proactive timer wakes at least this often to re-read the wall clock
/// (so a clock step or a machine sleep is noticed, and no sleep is long
/// enough to overflow any timer): 1 day.
pub(crate) const MAX_TIMER_SLEEP: Duration = Duration::days(1);

/// How many proactive refreshes the process-wide default
/// [`RefreshLimiter`] lets run at once: 64.
pub const DEFAULT_MAX_CONCURRENT_PROACTIVE_REFRESHES: usize = 64;

/// How long a proactive refresh may hold its [`RefreshLimiter`] slot: 2 s.
/// A refresh still running then gives the slot to the next one and goes on
/// outside the limit, so a hung token service cannot hold every slot for a
/// whole `refresh_timeout`.
pub const DEFAULT_PROACTIVE_SLOT_HOLD: Duration = Duration::seconds(2);

/// Error message after `dispose` (exact text of the reference).
pub(crate) const DISPOSED_MESSAGE: &str = "User credential is disposed";

/// Error message for an already-expired refresher result (exact text of the reference).
pub(crate) const EXPIRED_FROM_REFRESHER_MESSAGE: &str =
    "The token returned from the tokenRefresher is expired.";

/// How a refreshing credential refreshes: everything but the token source
/// and the initial token, as one value from the options to the state.
#[derive(Clone)]
pub(crate) struct RefreshSettings {
    /// Refresh in the background before expiry.
    pub proactive: bool,
    /// A refresh is abandoned with an error after this long.
    pub timeout: Duration,
    /// Bounds concurrent proactive refreshes (shared across credentials).
    pub limiter: RefreshLimiter,
    pub clock: Arc<dyn TokenClock>,
}

/// A duration as whole nanoseconds (saturating; negative durations stay negative).
pub(crate) fn nanos(d: Duration) -> i128 {
    d.whole_nanoseconds()
}

/// Nanoseconds as a duration (saturating at the ends of its range).
pub(crate) fn from_nanos(n: i128) -> Duration {
    let n = n.clamp(i128::from(i64::MIN), i128::from(i64::MAX));
    Duration::nanoseconds(n as i64)
}
