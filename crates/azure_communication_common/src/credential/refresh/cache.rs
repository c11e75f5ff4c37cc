//! The cached token and the "can this token be served, or must the caller
//! refresh" decision.
//!
//! Time inside the state machine is one representation: nanoseconds as
//! `i128`, wall-clock time since the Unix epoch (compared with expiries) and
//! monotonic time since the clock's origin (for "how long since the last
//! refresh"), read together as a [`Now`].

use super::settings::{nanos, MIN_REFRESH_INTERVAL, PROACTIVE_REFRESH_WINDOW};
use crate::credential::clock::TokenClock;
use azure_core::credentials::AccessToken;
use std::sync::atomic::{AtomicU64, Ordering};

/// One reading of the clock, in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Now {
    /// Wall-clock time since the Unix epoch.
    pub wall: i128,
    /// Monotonic time since the clock's origin.
    pub mono: i128,
}

impl Now {
    pub(crate) fn read(clock: &dyn TokenClock) -> Self {
        Self {
            wall: clock.now_utc().unix_timestamp_nanos(),
            mono: clock.monotonic().as_nanos().try_into().unwrap_or(i128::MAX),
        }
    }
}

/// A cached token with its expiry and proactive lead in nanoseconds.
pub(crate) struct Cached {
    pub token: AccessToken,
    /// `token.expires_on` as Unix nanoseconds.
    pub expires: i128,
    /// Refresh proactively once the remaining lifetime is at most this.
    pub refresh_lead: i128,
}

impl Cached {
    /// The entry for `token`, received at wall time `received`.
    pub(crate) fn new(token: AccessToken, received: i128) -> Self {
        let expires = token.expires_on.unix_timestamp_nanos();
        Self {
            token,
            expires,
            refresh_lead: refresh_lead(expires - received),
        }
    }

    /// Whether the token is more than `window` nanoseconds from expiry at
    /// wall time `now` (the cached path: one addition and one comparison).
    #[inline]
    pub(crate) fn outside_window(&self, now: i128, window: i128) -> bool {
        now.saturating_add(window) < self.expires
    }

    /// Whether the token has not expired at wall time `now` (a token that
    /// expires exactly now counts as expired).
    pub(crate) fn valid_at(&self, now: i128) -> bool {
        now < self.expires
    }
}

/// How long before expiry a token that has `remaining` nanoseconds left is
/// refreshed proactively: [`PROACTIVE_REFRESH_WINDOW`], or half of what is
/// left when that is less.
pub(crate) fn refresh_lead(remaining: i128) -> i128 {
    let window = nanos(PROACTIVE_REFRESH_WINDOW);
    if remaining > window {
        window
    } else {
        remaining.max(0) / 2
    }
}

/// When the last successful and the last failed refresh ended (monotonic
/// nanoseconds), for the once-a-second rules.
#[derive(Default)]
pub(crate) struct Stamps {
    /// Monotonic nanoseconds + 1 of the last successful refresh; 0 = never.
    succeeded: AtomicU64,
    /// Monotonic nanoseconds + 1 of the last failed refresh; 0 = never.
    failed: AtomicU64,
}

/// What [`Stamps`] held at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct LastRefresh {
    pub succeeded: Option<i128>,
    pub failed: Option<i128>,
}

impl Stamps {
    pub(crate) fn record(&self, succeeded: bool, mono: i128) {
        let stamp = u64::try_from(mono)
            .unwrap_or(u64::MAX - 1)
            .saturating_add(1);
        let slot = if succeeded {
            &self.succeeded
        } else {
            &self.failed
        };
        slot.store(stamp, Ordering::Release);
    }

    pub(crate) fn read(&self) -> LastRefresh {
        let read = |slot: &AtomicU64| slot.load(Ordering::Acquire).checked_sub(1).map(i128::from);
        LastRefresh {
            succeeded: read(&self.succeeded),
            failed: read(&self.failed),
        }
    }
}

/// How long from monotonic time `now` until [`MIN_REFRESH_INTERVAL`] has
/// passed since `since` (zero if it has, or if `since` is `None`).
pub(crate) fn interval_left(since: Option<i128>, now: i128) -> i128 {
    since.map_or(0, |since| {
        (since + nanos(MIN_REFRESH_INTERVAL) - now).max(0)
    })
}

/// Whether `cached` may be served without refreshing, for a caller whose
/// on-demand window is `window` nanoseconds: it is outside that window, or
/// (no refresh storm) it has not expired and a refresh ended less than
/// [`MIN_REFRESH_INTERVAL`] ago, one that fetched it or one that failed (a
/// failing token service is then asked at most once a second while the
/// cached token is still good).
pub(crate) fn servable(cached: &Cached, now: Now, window: i128, last: LastRefresh) -> bool {
    cached.outside_window(now.wall, window)
        || (cached.valid_at(now.wall)
            && (interval_left(last.succeeded, now.mono) > 0
                || interval_left(last.failed, now.mono) > 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::refresh::settings::ON_DEMAND_REFRESH_WINDOW;
    use azure_core::time::OffsetDateTime;

    const SECOND: i128 = 1_000_000_000;
    const MINUTE: i128 = 60 * SECOND;

    /// A manual clock: wall time starts at 2026-01-01T00:00:00Z, monotonic at 0.
    #[derive(Clone, Copy)]
    struct ManualClock(Now);

    impl ManualClock {
        fn new() -> Self {
            Self(Now {
                wall: 1_767_225_600 * SECOND,
                mono: 0,
            })
        }
        fn advance(&mut self, nanos: i128) -> Now {
            self.0.wall += nanos;
            self.0.mono += nanos;
            self.0
        }
        fn token(&self, lifetime: i128) -> Cached {
            let expires =
                OffsetDateTime::from_unix_timestamp_nanos(self.0.wall + lifetime).unwrap();
            Cached::new(AccessToken::new("t", expires), self.0.wall)
        }
    }

    const WINDOW: i128 = 2 * MINUTE;

    #[test]
    fn lead_is_ten_minutes_or_half_of_what_is_left() {
        assert_eq!(refresh_lead(60 * MINUTE), 10 * MINUTE);
        assert_eq!(refresh_lead(10 * MINUTE), 5 * MINUTE);
        assert_eq!(refresh_lead(5 * MINUTE), 150 * SECOND);
        assert_eq!(refresh_lead(-5 * MINUTE), 0);
    }

    #[test]
    fn served_until_the_window_then_refreshed() {
        assert_eq!(nanos(ON_DEMAND_REFRESH_WINDOW), WINDOW);
        let mut clock = ManualClock::new();
        let cached = clock.token(60 * MINUTE);
        let never = LastRefresh::default();
        assert!(servable(&cached, clock.0, WINDOW, never));
        let now = clock.advance(58 * MINUTE - 1);
        assert!(servable(&cached, now, WINDOW, never));
        let now = clock.advance(1);
        assert!(
            !servable(&cached, now, WINDOW, never),
            "exactly 2 minutes left"
        );
        // the 5-minute window of the TokenCredential path
        let mut clock = ManualClock::new();
        let cached = clock.token(60 * MINUTE);
        let now = clock.advance(55 * MINUTE);
        assert!(!servable(&cached, now, 5 * MINUTE, never));
        assert!(servable(&cached, now, WINDOW, never));
    }

    #[test]
    fn a_refresh_less_than_a_second_ago_keeps_a_valid_token_served() {
        let mut clock = ManualClock::new();
        let cached = clock.token(30 * SECOND);
        let now = clock.advance(10 * SECOND);
        let just_refreshed = LastRefresh {
            succeeded: Some(now.mono),
            failed: None,
        };
        let just_failed = LastRefresh {
            succeeded: None,
            failed: Some(now.mono),
        };
        assert!(servable(&cached, now, WINDOW, just_refreshed));
        assert!(servable(&cached, now, WINDOW, just_failed));
        assert!(!servable(&cached, now, WINDOW, LastRefresh::default()));
        let later = clock.advance(SECOND);
        assert!(!servable(&cached, later, WINDOW, just_refreshed));
        assert!(!servable(&cached, later, WINDOW, just_failed));
        // an expired token is never served, however recent the refresh
        let mut clock = ManualClock::new();
        let cached = clock.token(SECOND / 2);
        let now = clock.advance(SECOND / 2);
        let recent = LastRefresh {
            succeeded: Some(now.mono - 1),
            failed: None,
        };
        assert!(!servable(&cached, now, WINDOW, recent));
    }

    #[test]
    fn interval_left_counts_down_one_second() {
        assert_eq!(interval_left(None, 5 * SECOND), 0);
        assert_eq!(interval_left(Some(5 * SECOND), 5 * SECOND), SECOND);
        assert_eq!(
            interval_left(Some(5 * SECOND), 5 * SECOND + SECOND / 4),
            3 * SECOND / 4
        );
        assert_eq!(interval_left(Some(5 * SECOND), 7 * SECOND), 0);
    }

    #[test]
    fn stamps_round_trip() {
        let stamps = Stamps::default();
        assert_eq!(stamps.read(), LastRefresh::default());
        stamps.record(true, 0);
        stamps.record(false, 42);
        assert_eq!(
            stamps.read(),
            LastRefresh {
                succeeded: Some(0),
                failed: Some(42)
            }
        );
    }
}
