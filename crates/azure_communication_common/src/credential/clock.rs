//! The clock the credential reads: wall-clock time for expiry comparisons and
//! a monotonic reading for scheduling. Injected so that tests drive time.

use azure_core::time::OffsetDateTime;
use std::{fmt, sync::OnceLock, time::Instant};

/// Test seam, not stable API (exported only with the `test-util` feature).
///
/// A source of time for [`AzureCommunicationTokenCredential`](crate::AzureCommunicationTokenCredential).
///
/// Not needed in normal use (the system clock is the default). Tests inject
/// one whose readings follow the async runtime's (paused) clock, so that
/// refresh schedules are checked to the millisecond without sleeping.
/// Sleeping itself always goes through azure_core's async runtime.
#[doc(hidden)]
pub trait TokenClock: Send + Sync + fmt::Debug + 'static {
    /// Wall-clock time, used to compare against token expiries.
    fn now_utc(&self) -> OffsetDateTime;
    /// Monotonic time since an arbitrary fixed origin, used for scheduling.
    fn monotonic(&self) -> std::time::Duration;

    /// [`now_utc`](Self::now_utc) as nanoseconds since the Unix epoch (the
    /// cached `get_token` path compares this against "two minutes before
    /// expiry"). It may be coarse: the system clock reads the kernel's coarse
    /// wall clock here (a few milliseconds behind at most), which is plenty
    /// for a two-minute window and several times cheaper than a precise read.
    fn now_unix_nanos(&self) -> i128 {
        self.now_utc().unix_timestamp_nanos()
    }
}

/// The system clock: `OffsetDateTime::now_utc()` and `std::time::Instant`.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct SystemClock;

impl TokenClock for SystemClock {
    fn now_utc(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    fn now_unix_nanos(&self) -> i128 {
        coarse_unix_nanos()
    }

    fn monotonic(&self) -> std::time::Duration {
        static ORIGIN: OnceLock<Instant> = OnceLock::new();
        ORIGIN.get_or_init(Instant::now).elapsed()
    }
}

/// Wall-clock time as Unix nanoseconds, at the kernel's tick resolution:
/// `CLOCK_REALTIME_COARSE`, read from the vDSO without a timestamp-counter
/// read (about 3 ns instead of about 25 ns for `SystemTime::now()` here).
#[cfg(any(target_os = "linux", target_os = "android"))]
fn coarse_unix_nanos() -> i128 {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::RealtimeCoarse);
    i128::from(now.tv_sec) * 1_000_000_000 + i128::from(now.tv_nsec)
}

/// Wall-clock time as Unix nanoseconds (no coarse clock on this platform).
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn coarse_unix_nanos() -> i128 {
    use std::time::{SystemTime, UNIX_EPOCH};
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(since) => since.as_nanos() as i128,
        Err(before) => -(before.duration().as_nanos() as i128),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coarse_wall_clock_agrees_with_the_precise_one() {
        // the coarse clock lags by at most one kernel tick (<= 10 ms at HZ=100)
        for _ in 0..100 {
            let before = OffsetDateTime::now_utc().unix_timestamp_nanos();
            let coarse = SystemClock.now_unix_nanos();
            let after = OffsetDateTime::now_utc().unix_timestamp_nanos();
            // (allow a little slack either way, so a busy machine never fails this)
            assert!(
                coarse - after < 1_000_000,
                "coarse clock ahead by {} ns",
                coarse - after
            );
            assert!(
                before - coarse < 50_000_000,
                "coarse clock lags by {} ns",
                before - coarse
            );
        }
    }
}
