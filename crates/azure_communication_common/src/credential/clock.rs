//! The clock the credential reads: wall-clock time for expiry comparisons and
//! a monotonic reading for scheduling. Injected so that tests drive time.

use azure_core::time::OffsetDateTime;
use std::{
    fmt,
    sync::OnceLock,
    time::{Instant, SystemTime, UNIX_EPOCH},
};

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
    /// cached `get_token` path compares this; the system clock reads it
    /// without building a date).
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
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(since) => since.as_nanos() as i128,
            Err(before) => -(before.duration().as_nanos() as i128),
        }
    }

    fn monotonic(&self) -> std::time::Duration {
        static ORIGIN: OnceLock<Instant> = OnceLock::new();
        ORIGIN.get_or_init(Instant::now).elapsed()
    }
}
