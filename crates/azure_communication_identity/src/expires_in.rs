//! The custom lifetime of an issued token, checked before any request.

use azure_core::error::{Error, ErrorKind};
use std::time::Duration;

/// The shortest lifetime the service issues a token for: 60 minutes.
pub const MIN_TOKEN_EXPIRES_IN: Duration = Duration::from_secs(60 * 60);

/// The longest lifetime the service issues a token for: 1,440 minutes (24 hours).
pub const MAX_TOKEN_EXPIRES_IN: Duration = Duration::from_secs(1440 * 60);

/// `expires_in` as the request's `expiresInMinutes`, or an error that names
/// the limits. The service counts whole minutes, so a lifetime that is not
/// one is refused rather than silently rounded.
pub(crate) fn expires_in_minutes(expires_in: Option<Duration>) -> azure_core::Result<Option<u32>> {
    let Some(expires_in) = expires_in else {
        return Ok(None);
    };
    let limits = format!(
        "from {} to {} minutes (1 to 24 hours)",
        MIN_TOKEN_EXPIRES_IN.as_secs() / 60,
        MAX_TOKEN_EXPIRES_IN.as_secs() / 60
    );
    if !(MIN_TOKEN_EXPIRES_IN..=MAX_TOKEN_EXPIRES_IN).contains(&expires_in) {
        return Err(Error::with_message(
            ErrorKind::DataConversion,
            format!(
                "expires_in must be {limits}; got {}. Pass None for the service's default \
                 of 24 hours.",
                describe(expires_in)
            ),
        ));
    }
    if expires_in.subsec_nanos() != 0 || !expires_in.as_secs().is_multiple_of(60) {
        return Err(Error::with_message(
            ErrorKind::DataConversion,
            format!(
                "expires_in must be a whole number of minutes {limits}; got {}. \
                 Use Duration::from_secs(minutes * 60).",
                describe(expires_in)
            ),
        ));
    }
    // At most 1440, so the cast cannot truncate.
    Ok(Some((expires_in.as_secs() / 60) as u32))
}

/// A lifetime in the unit a reader expects.
fn describe(duration: Duration) -> String {
    if duration.subsec_nanos() == 0 && duration.as_secs().is_multiple_of(60) {
        format!("{} minutes", duration.as_secs() / 60)
    } else {
        format!("{duration:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minutes(n: u64) -> Option<Duration> {
        Some(Duration::from_secs(n * 60))
    }

    #[test]
    fn the_limits_are_inclusive() {
        assert_eq!(expires_in_minutes(None).unwrap(), None);
        assert_eq!(expires_in_minutes(minutes(60)).unwrap(), Some(60));
        assert_eq!(expires_in_minutes(minutes(61)).unwrap(), Some(61));
        assert_eq!(expires_in_minutes(minutes(1440)).unwrap(), Some(1440));
    }

    #[test]
    fn out_of_range_names_the_limits_and_the_value() {
        for (value, shown) in [
            (minutes(59), "59 minutes"),
            (minutes(1441), "1441 minutes"),
            (Some(Duration::ZERO), "0 minutes"),
            (Some(Duration::from_secs(8)), "8s"),
            (Some(Duration::MAX), "18446744073709551615.999999999s"),
        ] {
            let message = expires_in_minutes(value).unwrap_err().to_string();
            assert!(message.contains("from 60 to 1440 minutes"), "{message}");
            assert!(message.contains(shown), "{message}");
        }
    }

    #[test]
    fn partial_minutes_are_refused() {
        for value in [
            Duration::from_secs(90 * 60 + 30),
            Duration::from_secs(3600) + Duration::from_nanos(1),
        ] {
            let message = expires_in_minutes(Some(value)).unwrap_err().to_string();
            assert!(message.contains("whole number of minutes"), "{message}");
        }
    }
}
