//! Durations on the command line: a whole number and a unit (`90s`, `60m`).

use std::time::Duration;

/// Parses a positive duration: a whole number followed by `s`, `m`, `h` or
/// `d` (`90s`, `60m`, `1h`, `1d`). Used as a clap value parser, so a bad
/// value is a usage error that names the argument.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let error = || {
        format!(
            "'{text}' is not a duration: use a positive whole number and a unit, e.g. 90s, 60m, 1h, 1d"
        )
    };
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    let number: u64 = number.parse().map_err(|_| error())?;
    let seconds_per_unit: u64 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 60 * 60,
        "d" => 24 * 60 * 60,
        _ => return Err(error()),
    };
    number
        .checked_mul(seconds_per_unit)
        .filter(|seconds| *seconds > 0)
        .map(Duration::from_secs)
        .ok_or_else(error)
}

/// `1d 2h 3m 4s`, leaving out leading zero units; `0s` for zero.
pub fn human(seconds: u64) -> String {
    let units = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")];
    let mut rest = seconds;
    let mut parts = Vec::new();
    for (size, name) in units {
        let count = rest / size;
        rest %= size;
        if count > 0 || !parts.is_empty() {
            parts.push(format!("{count}{name}"));
        }
    }
    if parts.is_empty() {
        "0s".to_owned()
    } else {
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("60m"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("1d"), Ok(Duration::from_secs(86400)));
        for bad in [
            "",
            "m",
            "60",
            "0m",
            "-5m",
            "1.5h",
            "1h30m",
            "5 m",
            "5M",
            "99999999999999999999d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should not parse");
        }
        assert!(parse_duration(&format!("{}d", u64::MAX)).is_err());
    }

    #[test]
    fn human_durations() {
        assert_eq!(human(0), "0s");
        assert_eq!(human(59), "59s");
        assert_eq!(human(3600), "1h 0m 0s");
        assert_eq!(human(90_061), "1d 1h 1m 1s");
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn whole_numbers_with_a_unit_parse_to_their_seconds(
                n in 1u64..=1_000_000,
                (unit, size) in prop_oneof![Just(("s", 1u64)), Just(("m", 60)), Just(("h", 3_600)), Just(("d", 86_400))],
            ) {
                prop_assert_eq!(parse_duration(&format!("{n}{unit}")), Ok(Duration::from_secs(n * size)));
            }

            #[test]
            fn any_text_parses_or_errs_without_panicking(text in ".{0,24}") {
                if let Ok(d) = parse_duration(&text) {
                    prop_assert!(d.as_secs() > 0);
                    prop_assert!(text.ends_with(['s', 'm', 'h', 'd']));
                }
            }

            #[test]
            fn human_reads_back_to_the_same_seconds(seconds in 0u64..10_000_000) {
                let total: u64 = human(seconds)
                    .split(' ')
                    .map(|part| {
                        let (n, unit) = part.split_at(part.len() - 1);
                        let n: u64 = n.parse().unwrap();
                        n * match unit { "d" => 86_400, "h" => 3_600, "m" => 60, _ => 1 }
                    })
                    .sum();
                prop_assert_eq!(total, seconds);
            }
        }
    }
}
