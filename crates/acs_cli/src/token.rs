//! `acs token inspect`: what the library makes of a user access token.

use crate::duration::human;
use crate::error::{CliError, CliResult};
use crate::input::{arg_or_stdin, strip_line_ending};
use crate::jwt;
use crate::output::print_json;
use crate::times::LocalZone;
use azure_communication_common::{parse_token, DEFAULT_UNDECODABLE_TOKEN_LIFETIME};
use serde_json::{json, Map, Value};
use time::OffsetDateTime;

/// The claims ACS puts in its tokens, shown by name.
const ACS_CLAIMS: [&str; 4] = ["skypeid", "scp", "acsScope", "resourceId"];

/// What `acs token inspect` was asked.
pub struct Inspect<'a> {
    /// The token argument (`None` or `-`: standard input).
    pub token: Option<&'a str>,
    /// Print the token itself too.
    pub show_token: bool,
    /// Judge expiry at this instant instead of now.
    pub at: Option<OffsetDateTime>,
    /// Machine output.
    pub json: bool,
}

/// Runs `acs token inspect`. Exit code 1 when the library rejects the token
/// or the token has expired (the report is still printed).
pub fn inspect(args: Inspect<'_>, zone: LocalZone) -> CliResult {
    let from_stdin = matches!(args.token, None | Some("-"));
    let input = arg_or_stdin(args.token, "the token")?;
    // A pipe delivers one line: its line ending is not part of the token.
    let token = if from_stdin {
        strip_line_ending(&input)
    } else {
        &input
    };
    let now = args.at.unwrap_or_else(OffsetDateTime::now_utc);

    let parsed = match parse_token(token) {
        Ok(parsed) => parsed,
        Err(error) => {
            let diagnosis = error.to_string();
            if args.json {
                let mut report = json!({"kind": "invalid", "diagnosis": diagnosis});
                if args.show_token {
                    report["token"] = json!(token);
                }
                print_json(&report);
            } else if args.show_token {
                println!("token:       {token}");
            }
            return Err(CliError::operation(diagnosis));
        }
    };

    let decoded = jwt::decode(token);
    let is_jwt = decoded.seconds("exp").is_some();
    let expires_on = if is_jwt {
        parsed.expires_on
    } else {
        now.checked_add(DEFAULT_UNDECODABLE_TOKEN_LIFETIME)
            .unwrap_or(parsed.expires_on)
    };
    let issued_at = decoded.seconds("iat").and_then(instant_from_seconds);
    let seconds_left = (expires_on - now).whole_seconds();
    let expired = expires_on <= now;
    let claims = decoded.claims.as_ref();
    let acs: Map<String, Value> = ACS_CLAIMS
        .iter()
        .map(|name| {
            let value = claims.and_then(|c| c.get(*name)).cloned();
            ((*name).to_owned(), value.unwrap_or(Value::Null))
        })
        .collect();
    let note = (!is_jwt && decoded.claims.is_some())
        .then_some("the claims have no numeric `exp`, so the library treats this token as opaque");

    if args.json {
        let mut report = json!({
            "kind": if is_jwt { "jwt" } else { "opaque" },
            "diagnosis": null,
            "note": note,
            "header": decoded.header,
            "claims": decoded.claims,
            "acs": acs,
            "at": zone.json(now),
            "issuedAt": issued_at.map(|t| zone.json(t)),
            "expiresOn": zone.json(expires_on),
            "expiryAssumed": !is_jwt,
            "expired": expired,
            "secondsLeft": seconds_left,
        });
        if args.show_token {
            report["token"] = json!(token);
        }
        print_json(&report);
    } else {
        if is_jwt {
            println!("kind:        JWT");
        } else {
            println!("kind:        opaque (not a JWT with a numeric `exp` claim; the encrypted tokens of Entra users look like this)");
        }
        if let Some(note) = note {
            println!("note:        {note}");
        }
        if let Some(header) = &decoded.header {
            println!("header:      {}", Value::Object(header.clone()));
        }
        if let Some(claims) = &decoded.claims {
            println!("claims:      {}", Value::Object(claims.clone()));
            for name in ACS_CLAIMS {
                let shown = match &acs[name] {
                    Value::Null => "(absent)".to_owned(),
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                println!("{:<13}{shown}", format!("{name}:"));
            }
        }
        if let Some(issued_at) = issued_at {
            println!("issued at:   {}", zone.text(issued_at));
        }
        if is_jwt {
            println!("expires at:  {}", zone.text(expires_on));
        } else {
            println!(
                "expires at:  unknown; the library assumes {} s from now: {}",
                DEFAULT_UNDECODABLE_TOKEN_LIFETIME.whole_seconds(),
                zone.text(expires_on)
            );
        }
        let left = human(seconds_left.unsigned_abs());
        if expired {
            println!("status:      expired {left} ago");
        } else {
            println!("status:      valid for {left} more");
        }
        if args.show_token {
            println!("token:       {token}");
        }
    }
    if expired {
        return Err(CliError::operation(format!(
            "the token expired {} ago, at {}; ask the identity service for a new one",
            human(seconds_left.unsigned_abs()),
            zone.text(expires_on)
        )));
    }
    Ok(())
}

/// Seconds since the epoch (fractions kept) as an instant, if representable.
fn instant_from_seconds(seconds: f64) -> Option<OffsetDateTime> {
    let nanos = seconds * 1e9;
    if !nanos.is_finite() || nanos.abs() >= i128::MAX as f64 {
        return None;
    }
    OffsetDateTime::from_unix_timestamp_nanos(nanos as i128).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_to_instants() {
        assert_eq!(
            instant_from_seconds(1_700_000_000.5).map(|t| t.unix_timestamp_nanos()),
            Some(1_700_000_000_500_000_000)
        );
        assert_eq!(instant_from_seconds(1e300), None);
        assert_eq!(instant_from_seconds(f64::NAN), None);
    }
}
