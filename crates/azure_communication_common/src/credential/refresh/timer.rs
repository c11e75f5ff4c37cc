//! The proactive timer: one task per credential (spawned through azure_core's
//! async runtime on the first `get_token`) that sleeps until the token's
//! refresh point, refreshes through the [`RefreshLimiter`](super::RefreshLimiter),
//! and on failure retries with capped exponential backoff and jitter. It
//! holds only a [`Weak`] reference: dropping the last credential handle ends it.
//!
//! The decisions ([`next_action`], [`retry_delay`], [`backoff_delay`]) are
//! plain functions of (token, now, last refresh), tested below with a manual clock.

use super::{
    cache::{interval_left, Cached, LastRefresh, Now},
    flight::Outcome,
    settings::{
        from_nanos, nanos, FIRST_RETRY_DELAY, MAX_RETRY_DELAY, MAX_TIMER_SLEEP,
        MIN_REFRESH_INTERVAL, RETRY_EXPIRY_MARGIN,
    },
    TokenCache,
};
use azure_core::time::Duration;
use futures::future::{select, Either};
use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc, Weak,
};

/// What the timer does next for the cached token.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// Sleep this many nanoseconds, then look again.
    Sleep(i128),
    Refresh,
}

/// When to refresh `cached` proactively: at its refresh lead before expiry,
/// but not within [`MIN_REFRESH_INTERVAL`] of the last successful refresh;
/// at `retry_at` (monotonic) instead while retrying a failure. A sleep is
/// never longer than [`MAX_TIMER_SLEEP`].
pub(crate) fn next_action(
    cached: &Cached,
    now: Now,
    last: LastRefresh,
    retry_at: Option<i128>,
) -> Action {
    let wait = match retry_at {
        Some(at) => at - now.mono,
        None => (cached.expires - now.wall - cached.refresh_lead)
            .max(interval_left(last.succeeded, now.mono)),
    };
    if wait > 0 {
        Action::Sleep(wait.min(nanos(MAX_TIMER_SLEEP)))
    } else {
        Action::Refresh
    }
}

/// Delay before retry number `failures` (1-based) of a failed proactive
/// refresh: `FIRST_RETRY_DELAY * 2^(failures-1)` plus up to as much again of
/// jitter (`jitter` in `[0, 1)`), at most [`MAX_RETRY_DELAY`].
pub(crate) fn backoff_delay(failures: u32, jitter: f64) -> Duration {
    let exponent = failures.saturating_sub(1).min(16);
    let base = (FIRST_RETRY_DELAY * (1i32 << exponent)).min(MAX_RETRY_DELAY);
    let jitter = jitter.clamp(0.0, 1.0);
    (base + base * jitter).min(MAX_RETRY_DELAY)
}

/// When to retry (nanoseconds from now) after failure number `failures`,
/// with `remaining` nanoseconds of token life left: the backoff, but never
/// later than [`RETRY_EXPIRY_MARGIN`] before expiry; `None` (give up until a
/// new token arrives) when that leaves less than [`MIN_REFRESH_INTERVAL`].
pub(crate) fn retry_delay(failures: u32, jitter: f64, remaining: i128) -> Option<i128> {
    let latest = remaining - nanos(RETRY_EXPIRY_MARGIN);
    (latest >= nanos(MIN_REFRESH_INTERVAL))
        .then(|| nanos(backoff_delay(failures, jitter)).min(latest))
}

/// A number in `[0, 1)`, different on every call (not cryptographic).
fn jitter_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Failures of the current entry's proactive refresh.
#[derive(Default)]
struct Retry {
    failures: u32,
    /// The entry that failed to refresh, and the monotonic time of the retry.
    pending: Option<(Weak<Cached>, i128)>,
}

/// What one look at the state decided.
enum Step {
    Exit,
    /// Nothing to do until a new token arrives (the current entry).
    Idle(Option<Weak<Cached>>),
    Sleep(Duration),
    /// Refresh this entry; its token expires at `expires`.
    Refresh(Weak<Cached>, i128),
}

impl TokenCache {
    fn timer_step(&self, retry: &mut Retry) -> Step {
        if self.is_disposed() {
            return Step::Exit;
        }
        let guard = self.cached.load();
        let Some(cached) = guard.as_ref() else {
            return Step::Idle(None);
        };
        let retry_at = match &retry.pending {
            Some((entry, at)) if std::ptr::eq(entry.as_ptr(), Arc::as_ptr(cached)) => Some(*at),
            Some(_) => {
                // a new token arrived meanwhile (on demand): back to the normal schedule
                *retry = Retry::default();
                None
            }
            None => None,
        };
        let now = self.now();
        match next_action(cached, now, self.stamps.read(), retry_at) {
            Action::Sleep(nanos) => Step::Sleep(from_nanos(nanos)),
            Action::Refresh => Step::Refresh(Arc::downgrade(cached), cached.expires),
        }
    }

    /// Records a failed proactive refresh; `false` when it gives up.
    fn schedule_retry(&self, retry: &mut Retry, error: &azure_core::Error) -> bool {
        let guard = self.cached.load();
        let Some(cached) = guard.as_ref() else {
            return false;
        };
        retry.failures = retry.failures.saturating_add(1);
        let now = self.now();
        let Some(delay) = retry_delay(retry.failures, jitter_unit(), cached.expires - now.wall)
        else {
            tracing::warn!(
                error = %error,
                attempt = retry.failures,
                "proactive token refresh failed and the token expires before another attempt could run; \
                 the next get_token call refreshes on demand"
            );
            retry.pending = None;
            return false;
        };
        tracing::warn!(
            error = %error,
            attempt = retry.failures,
            retry_in_ms = (delay / 1_000_000) as u64,
            "proactive token refresh failed; retrying"
        );
        retry.pending = Some((Arc::downgrade(cached), now.mono + delay));
        true
    }

    /// The timer stops (clears `timer_running`) with nothing to do for cache
    /// entry `since`. Returns `true` when it must go on instead: a new token
    /// arrived meanwhile and no other timer has been started for it.
    fn stop_timer_unless_changed(&self, since: &Option<Weak<Cached>>) -> bool {
        self.timer_running.store(false, Ordering::Release);
        !self.is_disposed()
            && self.entry_changed(since)
            && !self.timer_running.swap(true, Ordering::AcqRel)
    }

    fn current_entry(&self) -> Option<Weak<Cached>> {
        self.cached.load().as_ref().map(Arc::downgrade)
    }
}

/// Clears `timer_running` if the timer task is dropped before it finishes
/// (aborted, or its runtime shut down), so that a later `get_token` (perhaps
/// on another runtime) starts a new timer.
struct TimerGuard {
    weak: Weak<TokenCache>,
    armed: bool,
}

impl Drop for TimerGuard {
    fn drop(&mut self) {
        if self.armed {
            if let Some(state) = self.weak.upgrade() {
                state.timer_running.store(false, Ordering::Release);
            }
        }
    }
}

/// The proactive timer task. Holds only a `Weak`; each step upgrades it
/// briefly, so dropping the last credential handle ends the task (and the
/// state's `Drop` aborts it right away).
pub(crate) async fn run(weak: Weak<TokenCache>) {
    let mut guard = TimerGuard {
        weak: weak.clone(),
        armed: true,
    };
    steps(weak).await;
    // a normal end has already cleared (or handed over) `timer_running`
    guard.armed = false;
}

async fn steps(weak: Weak<TokenCache>) {
    let mut retry = Retry::default();
    loop {
        let Some(state) = weak.upgrade() else { return };
        let step = state.timer_step(&mut retry);
        let limiter = state.settings.limiter.clone();
        drop(state);
        let (due, expires) = match step {
            Step::Exit => return,
            Step::Sleep(d) => {
                azure_core::sleep(d).await;
                continue;
            }
            Step::Idle(entry) => {
                let Some(state) = weak.upgrade() else { return };
                if !state.stop_timer_unless_changed(&entry) {
                    return;
                }
                retry = Retry::default();
                continue;
            }
            Step::Refresh(due, expires) => (due, expires),
        };
        let slot = limiter.acquire(expires).await;
        let flight = match weak.upgrade() {
            Some(state) => match state.proactive_flight(&due) {
                Ok(Some(flight)) => flight,
                // a new token arrived while we waited for a slot
                Ok(None) => continue,
                Err(_) => return,
            },
            None => return,
        };
        // no strong reference to the state is held while the refresh runs;
        // the slot is given up after the limiter's longest hold
        let outcome = {
            let wait = flight.wait();
            futures::pin_mut!(wait);
            let hold = limiter.max_slot_hold();
            let held = azure_core::sleep(hold.max(Duration::ZERO));
            futures::pin_mut!(held);
            match select(wait, held).await {
                Either::Left((outcome, _)) => outcome,
                Either::Right((_, wait)) => {
                    drop(slot);
                    tracing::debug!(
                        "proactive token refresh still running; its limiter slot goes to the next"
                    );
                    wait.await
                }
            }
        };
        match outcome {
            Outcome::Fresh(_) => retry = Retry::default(),
            // its runtime shut down (this task runs on it, so this is rare): look again
            Outcome::Dropped => {}
            Outcome::Failed(error) => {
                let Some(state) = weak.upgrade() else { return };
                if state.is_disposed() {
                    return;
                }
                if !state.schedule_retry(&mut retry, error) {
                    // give up until a new token arrives
                    if !state.stop_timer_unless_changed(&state.current_entry()) {
                        return;
                    }
                    retry = Retry::default();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use azure_core::{credentials::AccessToken, time::OffsetDateTime};

    const SECOND: i128 = 1_000_000_000;
    const MINUTE: i128 = 60 * SECOND;

    /// A manual clock: wall time starts at 2026-01-01T00:00:00Z, monotonic at 0.
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

    #[test]
    fn an_hour_token_is_refreshed_ten_minutes_before_expiry() {
        let mut clock = ManualClock::new();
        let cached = clock.token(60 * MINUTE);
        let never = LastRefresh::default();
        assert_eq!(
            next_action(&cached, clock.0, never, None),
            Action::Sleep(50 * MINUTE)
        );
        let now = clock.advance(50 * MINUTE - 1);
        assert_eq!(next_action(&cached, now, never, None), Action::Sleep(1));
        let now = clock.advance(1);
        assert_eq!(next_action(&cached, now, never, None), Action::Refresh);
    }

    #[test]
    fn a_short_token_is_refreshed_at_half_life_but_not_twice_a_second() {
        let clock = ManualClock::new();
        let cached = clock.token(5 * MINUTE);
        let never = LastRefresh::default();
        assert_eq!(
            next_action(&cached, clock.0, never, None),
            Action::Sleep(150 * SECOND)
        );
        // a one-second token just fetched: half-life is 0.5 s, the interval 1 s
        let cached = clock.token(SECOND);
        let just = LastRefresh {
            succeeded: Some(clock.0.mono),
            failed: None,
        };
        assert_eq!(
            next_action(&cached, clock.0, just, None),
            Action::Sleep(SECOND)
        );
    }

    #[test]
    fn long_tokens_sleep_at_most_a_day() {
        let clock = ManualClock::new();
        let cached = clock.token(3650 * 24 * 60 * MINUTE);
        assert_eq!(
            next_action(&cached, clock.0, LastRefresh::default(), None),
            Action::Sleep(nanos(MAX_TIMER_SLEEP))
        );
    }

    #[test]
    fn a_pending_retry_overrides_the_schedule() {
        let mut clock = ManualClock::new();
        let cached = clock.token(60 * MINUTE);
        let now = clock.advance(50 * MINUTE);
        let at = now.mono + 3 * SECOND;
        let never = LastRefresh::default();
        assert_eq!(
            next_action(&cached, now, never, Some(at)),
            Action::Sleep(3 * SECOND)
        );
        let now = clock.advance(3 * SECOND);
        assert_eq!(next_action(&cached, now, never, Some(at)), Action::Refresh);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        assert_eq!(backoff_delay(1, 0.0), Duration::seconds(1));
        assert_eq!(backoff_delay(1, 0.999), Duration::seconds_f64(1.999));
        assert_eq!(backoff_delay(2, 0.0), Duration::seconds(2));
        assert_eq!(backoff_delay(3, 0.5), Duration::seconds(6));
        assert_eq!(backoff_delay(6, 0.0), Duration::seconds(32));
        assert_eq!(backoff_delay(6, 0.9), Duration::seconds(60));
        assert_eq!(backoff_delay(100, 0.3), Duration::seconds(60));
        assert_eq!(backoff_delay(u32::MAX, 0.3), Duration::seconds(60));
    }

    #[test]
    fn retries_stop_short_of_expiry() {
        assert_eq!(retry_delay(1, 0.0, 10 * MINUTE), Some(SECOND));
        assert_eq!(retry_delay(7, 0.0, 10 * MINUTE), Some(60 * SECOND));
        // capped 100 ms before expiry
        assert_eq!(
            retry_delay(3, 0.0, 2 * SECOND),
            Some(2 * SECOND - SECOND / 10)
        );
        // less than a second would be left: give up
        assert_eq!(retry_delay(1, 0.0, SECOND), None);
        assert_eq!(retry_delay(1, 0.0, -SECOND), None);
    }

    #[test]
    fn jitter_in_range() {
        for _ in 0..1000 {
            assert!((0.0..1.0).contains(&jitter_unit()));
        }
    }
}
