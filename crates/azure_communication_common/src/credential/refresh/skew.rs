//! The token issuer's clock skew: learned from the `iat` of fresh tokens and
//! added to every wall-clock reading the refresh decisions make.
//!
//! A fresh token's `iat` is the issuer's "now" when it issued the token. If
//! it is more than [`CLOCK_SKEW_TOLERANCE`] away from the local clock when
//! the token arrives, the difference (issuer clock − local clock) is the
//! offset; within the tolerance the offset is zero. Every fresh token is
//! measured again, so the offset follows a clock that is corrected or drifts.
//! A token issued no later than the last one measured teaches nothing: it is
//! the same token handed back again (a refresher that caches), or an older
//! one, whose age would read as a local clock running ahead.

use super::settings::{nanos, CLOCK_SKEW_TOLERANCE};
use std::sync::atomic::{AtomicI64, Ordering};

/// The learned offset of the issuer's clock from the local one.
#[derive(Debug)]
pub(crate) struct ClockSkew {
    /// Issuer clock − local clock, nanoseconds (±292 years fit).
    offset: AtomicI64,
    /// `iat` of the last token measured, nanoseconds (`i64::MIN`: none yet).
    last_issued_at: AtomicI64,
}

impl Default for ClockSkew {
    fn default() -> Self {
        Self {
            offset: AtomicI64::new(0),
            last_issued_at: AtomicI64::new(i64::MIN),
        }
    }
}

/// What one measurement changed, for the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Learned {
    /// The offset stays within a minute of what it was.
    Unchanged,
    /// A new offset (more than a minute from the previous one).
    Skewed,
    /// Back within the tolerance: the offset is zero again.
    InStep,
}

impl ClockSkew {
    /// Issuer clock − local clock, in nanoseconds (0 until learned).
    #[inline]
    pub(crate) fn offset(&self) -> i128 {
        i128::from(self.offset.load(Ordering::Relaxed))
    }

    /// `local` (Unix nanoseconds by the local clock) in the issuer's time.
    #[inline]
    pub(crate) fn issuer_time(&self, local: i128) -> i128 {
        local.saturating_add(self.offset())
    }

    /// Measures a fresh token issued at `issued_at` (issuer's Unix
    /// nanoseconds) and received at local wall time `local`, updates the
    /// offset and logs what changed: one warning with the measured skew
    /// when an offset is learned or moves by more than the tolerance.
    pub(crate) fn learn(&self, issued_at: i128, local: i128) -> Learned {
        let issued = clamp(issued_at);
        if self.last_issued_at.fetch_max(issued, Ordering::Relaxed) >= issued {
            tracing::trace!("token issued no later than the last one measured: skew not measured");
            return Learned::Unchanged;
        }
        let measured = issued_at - local;
        let tolerance = nanos(CLOCK_SKEW_TOLERANCE);
        let new = if measured.abs() > tolerance {
            clamp(measured)
        } else {
            0
        };
        let old = self.offset.swap(new, Ordering::Relaxed);
        let learned = if new == 0 && old != 0 {
            Learned::InStep
        } else if (i128::from(new) - i128::from(old)).abs() > tolerance {
            Learned::Skewed
        } else {
            Learned::Unchanged
        };
        let skew_secs = (measured / 1_000_000) as f64 / 1000.0;
        match learned {
            Learned::Skewed => tracing::warn!(
                skew_secs,
                "the token issuer's clock differs from this machine's by more than a minute \
                 (positive: this machine's clock is behind); token expiry decisions now use \
                 the issuer's time. Synchronize this machine's clock (NTP) to remove the skew."
            ),
            Learned::InStep => tracing::info!(
                skew_secs,
                "the token issuer's clock agrees with this machine's again (within a minute)"
            ),
            Learned::Unchanged => {
                tracing::trace!(skew_secs, "token issuer clock skew measured")
            }
        }
        learned
    }
}

/// `value` saturated to `i64`.
fn clamp(value: i128) -> i64 {
    value.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: i128 = 1_000_000_000;
    const MINUTE: i128 = 60 * SECOND;
    const T: i128 = 1_767_225_600 * SECOND;

    #[test]
    fn within_a_minute_is_no_skew() {
        let skew = ClockSkew::default();
        assert_eq!(skew.learn(T - MINUTE, T), Learned::Unchanged);
        assert_eq!(skew.offset(), 0);
        assert_eq!(skew.learn(T + MINUTE, T), Learned::Unchanged);
        assert_eq!(skew.offset(), 0);
    }

    #[test]
    fn learns_either_way_and_keeps_learning() {
        let skew = ClockSkew::default();
        // local clock 5 minutes behind the issuer
        assert_eq!(skew.learn(T + 5 * MINUTE, T), Learned::Skewed);
        assert_eq!(skew.offset(), 5 * MINUTE);
        // the same skew again (a second later, with latency): no new warning
        assert_eq!(
            skew.learn(T + SECOND + 5 * MINUTE - SECOND / 2, T + SECOND),
            Learned::Unchanged
        );
        assert_eq!(skew.offset(), 5 * MINUTE - SECOND / 2);
        // now 5 minutes ahead of the issuer
        let t = T + 10 * MINUTE;
        assert_eq!(skew.learn(t, t + 5 * MINUTE), Learned::Skewed);
        assert_eq!(skew.offset(), -5 * MINUTE);
        // the clock was fixed
        let t = t + MINUTE;
        assert_eq!(skew.learn(t, t), Learned::InStep);
        assert_eq!(skew.offset(), 0);
        assert_eq!(skew.learn(t + SECOND, t + SECOND), Learned::Unchanged);
    }

    #[test]
    fn a_token_no_newer_than_the_last_teaches_nothing() {
        let skew = ClockSkew::default();
        assert_eq!(skew.learn(T, T), Learned::Unchanged);
        // the same token handed back half an hour later: its age is not a skew
        assert_eq!(skew.learn(T, T + 30 * MINUTE), Learned::Unchanged);
        assert_eq!(skew.offset(), 0);
        // nor is an older one's
        assert_eq!(skew.learn(T - MINUTE, T + 30 * MINUTE), Learned::Unchanged);
        assert_eq!(skew.offset(), 0);
        // a newer one is measured
        assert_eq!(
            skew.learn(T + SECOND, T + SECOND + 5 * MINUTE),
            Learned::Skewed
        );
    }

    #[test]
    fn absurd_skews_saturate() {
        let skew = ClockSkew::default();
        skew.learn(i128::MAX / 2, 0);
        assert_eq!(skew.offset(), i128::from(i64::MAX));
    }
}
