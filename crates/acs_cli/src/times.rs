//! Showing instants in UTC and in the user's time zone.

use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// The user's time zone, read once at start-up (before any thread exists,
/// which is when the `time` crate can read it safely on Unix).
#[derive(Debug, Clone, Copy)]
pub struct LocalZone(Option<UtcOffset>);

impl LocalZone {
    /// Reads the local offset now; `None` when it cannot be known.
    pub fn detect() -> Self {
        Self(UtcOffset::current_local_offset().ok())
    }

    /// The instant in the local zone, if the zone is known and the instant
    /// fits in it.
    fn local(&self, instant: OffsetDateTime) -> Option<OffsetDateTime> {
        self.0.and_then(|offset| instant.checked_to_offset(offset))
    }

    /// `2026-12-03 21:00:00 UTC (2026-12-03 22:00:00 +01:00 local)`.
    pub fn text(&self, instant: OffsetDateTime) -> String {
        let utc = instant.checked_to_offset(UtcOffset::UTC).unwrap_or(instant);
        let plain = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
        let zoned = format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second] [offset_hour sign:mandatory]:[offset_minute]"
        );
        let utc_text = utc
            .format(&plain)
            .map(|t| format!("{t} UTC"))
            .unwrap_or_else(|_| format!("{utc}"));
        match self.local(instant).and_then(|l| l.format(&zoned).ok()) {
            Some(local) => format!("{utc_text} ({local} local)"),
            None => format!("{utc_text} (local time zone unknown)"),
        }
    }

    /// `{"unix": 1700000000, "utc": "2023-11-14T22:13:20Z", "local": "…+01:00" | null}`.
    pub fn json(&self, instant: OffsetDateTime) -> Value {
        let utc = instant.checked_to_offset(UtcOffset::UTC).unwrap_or(instant);
        json!({
            "unix": instant.unix_timestamp(),
            "utc": utc.format(&Rfc3339).ok(),
            "local": self.local(instant).and_then(|l| l.format(&Rfc3339).ok()),
        })
    }
}

/// Parses `--at` / `--date` values: RFC 3339 (`2026-12-03T21:00:00Z`) or an
/// HTTP date (`Thu, 03 Dec 2026 21:00:00 GMT`). A clap value parser.
pub fn parse_instant(text: &str) -> Result<OffsetDateTime, String> {
    if let Ok(instant) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(instant);
    }
    let http = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(text, &http)
        .map(|t| t.assume_utc())
        .map_err(|_| {
            format!(
                "'{text}' is not a date: use RFC 3339 (2026-12-03T21:00:00Z) or an HTTP date (Thu, 03 Dec 2026 21:00:00 GMT)"
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{datetime, offset};

    #[test]
    fn text_and_json_in_both_zones() {
        let zone = LocalZone(Some(offset!(+5:30)));
        let t = datetime!(2023-11-14 22:13:20 UTC);
        assert_eq!(
            zone.text(t),
            "2023-11-14 22:13:20 UTC (2023-11-15 03:43:20 +05:30 local)"
        );
        assert_eq!(
            zone.json(t),
            json!({"unix": 1_700_000_000, "utc": "2023-11-14T22:13:20Z", "local": "2023-11-15T03:43:20+05:30"})
        );
        let unknown = LocalZone(None);
        assert!(unknown.text(t).ends_with("(local time zone unknown)"));
        assert_eq!(unknown.json(t)["local"], Value::Null);
    }

    #[test]
    fn instants() {
        let t = datetime!(2022-04-13 18:09:12 UTC);
        assert_eq!(parse_instant("2022-04-13T18:09:12Z"), Ok(t));
        assert_eq!(parse_instant("Wed, 13 Apr 2022 18:09:12 GMT"), Ok(t));
        for bad in [
            "",
            "yesterday",
            "2022-04-13",
            "Wed, 13 Apr 2022 18:09:12 PST",
        ] {
            assert!(parse_instant(bad).is_err(), "{bad:?}");
        }
    }

    mod props {
        use super::super::*;
        use azure_communication_common::AccessKeySigner;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn rfc3339_and_http_dates_read_back(seconds in -62_135_596_800i64..253_402_300_799) {
                let instant = OffsetDateTime::from_unix_timestamp(seconds).unwrap();
                let rfc3339 = instant.format(&Rfc3339).unwrap();
                prop_assert_eq!(parse_instant(&rfc3339), Ok(instant));
                // The HTTP date exactly as the library writes x-ms-date.
                if instant.year() >= 1000 {
                    prop_assert_eq!(parse_instant(&AccessKeySigner::format_date(instant)), Ok(instant));
                }
            }

            #[test]
            fn any_text_parses_or_errs_without_panicking(text in ".{0,40}") {
                let _ = parse_instant(&text);
            }
        }
    }
}
