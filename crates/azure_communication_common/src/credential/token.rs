//! Reading a user access token's expiry (SPEC 2.1).
//!
//! Everything here is pure: the current time and the assumed lifetime of an
//! opaque token are parameters, so the rules can be tested to the nanosecond.

use azure_core::{
    credentials::{AccessToken, Secret},
    error::ErrorKind,
    time::{Duration, OffsetDateTime},
};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::sync::atomic::{AtomicBool, Ordering};

/// How long an opaque (undecodable) token is assumed to live when no other
/// lifetime is configured: 600 seconds, as in the reference library.
pub const DEFAULT_UNDECODABLE_TOKEN_LIFETIME: Duration = Duration::seconds(600);

/// Message for an empty or whitespace-only token (exact text of the reference).
pub(crate) const EMPTY_TOKEN_MESSAGE: &str = "Invalid token: token must not be empty.";

/// Allowed characters, for error messages.
const TOKEN68_HINT: &str = "a bearer token may only contain A-Z, a-z, 0-9, '-', '.', '_', '~', '+', '/' and '=' as padding at the end of a '.'-separated part";

/// Set once the opaque-token warning has been logged (once per process).
static OPAQUE_WARNING_LOGGED: AtomicBool = AtomicBool::new(false);

/// Reads the expiry of a user access token.
///
/// * A JWT (two or more `.`-separated parts whose second part is base64url or
///   standard base64, padded or not, of a JSON object with a numeric `exp`)
///   expires at `exp` seconds after the Unix epoch. Fractions are kept (to the
///   nanosecond), negative values are simply in the past, and values beyond
///   what a date can hold saturate to the latest (earliest) representable
///   instant with a warning.
/// * Any other well-formed token is *opaque* (for example the encrypted tokens
///   issued to enterprise Entra users): it is accepted and assumed to live
///   600 seconds from now ([`DEFAULT_UNDECODABLE_TOKEN_LIFETIME`]); a warning is
///   logged once per process. Use
///   [`AzureCommunicationTokenCredential::from_access_token`](crate::AzureCommunicationTokenCredential::from_access_token)
///   to give an opaque token its real expiry.
///
/// The signature is never verified: the expiry is only used to decide when to
/// refresh; the service is the authority on whether a token is valid.
///
/// # Errors
///
/// An empty or whitespace-only token fails with
/// `Invalid token: token must not be empty.`; a string that is not an RFC 6750
/// `token68` value (whitespace, quotes, a `Bearer ` prefix, a pasted JSON
/// response, ...) fails with a message that says what was found and how to
/// fix it. Messages never contain the token.
///
/// # Examples
///
/// ```
/// use azure_communication_common::parse_token;
///
/// // header.payload.signature, payload = {"exp":1700000000}
/// let token = parse_token("eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3MDAwMDAwMDB9.c2ln")?;
/// assert_eq!(token.expires_on.unix_timestamp(), 1_700_000_000);
///
/// let err = parse_token("Bearer eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3MDAwMDAwMDB9.c2ln").unwrap_err();
/// assert!(err.to_string().contains("Bearer"));
/// assert!(!err.to_string().contains("eyJ"));
/// # Ok::<(), azure_core::Error>(())
/// ```
pub fn parse_token(token: &str) -> azure_core::Result<AccessToken> {
    parse_token_with(
        token,
        DEFAULT_UNDECODABLE_TOKEN_LIFETIME,
        OffsetDateTime::now_utc,
    )
}

/// [`parse_token`] with an explicit assumed lifetime for opaque tokens and an
/// explicit "now" (used by the credential with its injected clock).
pub(crate) fn parse_token_at(
    token: &str,
    undecodable_token_lifetime: Duration,
    now: OffsetDateTime,
) -> azure_core::Result<AccessToken> {
    parse_token_with(token, undecodable_token_lifetime, || now)
}

/// The clock is only read for an opaque token.
fn parse_token_with(
    token: &str,
    undecodable_token_lifetime: Duration,
    now: impl FnOnce() -> OffsetDateTime,
) -> azure_core::Result<AccessToken> {
    validate_token68(token)?;
    let expires_on = match jwt_expiry(token) {
        Some(expires_on) => expires_on,
        None => {
            if !OPAQUE_WARNING_LOGGED.swap(true, Ordering::Relaxed) {
                tracing::warn!(
                    assumed_lifetime_secs = undecodable_token_lifetime.whole_seconds(),
                    "the user access token is not a JWT with a numeric `exp` claim; it is accepted as an opaque token \
                     that is assumed to expire after the configured undecodable token lifetime \
                     (pass an AccessToken with its real expiry to avoid this guess). This warning is logged once per process."
                );
            }
            saturating_add(now(), undecodable_token_lifetime)
        }
    };
    Ok(AccessToken::new(Secret::new(token.to_owned()), expires_on))
}

/// `now + d`, saturating at the representable range instead of panicking.
pub(crate) fn saturating_add(now: OffsetDateTime, d: Duration) -> OffsetDateTime {
    now.checked_add(d).unwrap_or(if d.is_negative() {
        min_instant()
    } else {
        max_instant()
    })
}

fn max_instant() -> OffsetDateTime {
    time::PrimitiveDateTime::MAX.assume_utc()
}

fn min_instant() -> OffsetDateTime {
    time::PrimitiveDateTime::MIN.assume_utc()
}

fn invalid(message: impl Into<std::borrow::Cow<'static, str>>) -> azure_core::Error {
    azure_core::Error::with_message(ErrorKind::Credential, message)
}

/// Whether `b` is a token68 character or `=` (branch-free, so the check of a
/// whole token vectorizes).
#[inline(always)]
fn token68_or_padding(b: u8) -> bool {
    (b.wrapping_sub(b'a') < 26)
        | (b.wrapping_sub(b'A') < 26)
        | (b.wrapping_sub(b'0') < 10)
        | (b == b'-')
        | (b == b'.')
        | (b == b'_')
        | (b == b'~')
        | (b == b'+')
        | (b == b'/')
        | (b == b'=')
}

/// SPEC 2.1 steps 1 and 2: not empty, and RFC 6750 `token68` characters only,
/// with `=` only as padding at the end of a `.`-separated part.
fn validate_token68(token: &str) -> azure_core::Result<()> {
    let bytes = token.as_bytes();
    if token.trim().is_empty() {
        return Err(invalid(EMPTY_TOKEN_MESSAGE));
    }
    // Fast path: every byte allowed (in 64-byte blocks, branch-free inside).
    let all_allowed = bytes.chunks(64).all(|block| {
        block
            .iter()
            .fold(0u8, |bad, &b| bad | u8::from(!token68_or_padding(b)))
            == 0
    });
    if all_allowed && !bytes.contains(&b'=') {
        return Ok(());
    }
    // Slow path: find the first offence, checking where each '=' sits.
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'=' {
            // padding: a run of '=' that ends a non-empty segment (end of token or '.')
            let mut j = i;
            while j < bytes.len() && bytes[j] == b'=' {
                j += 1;
            }
            let at_segment_start = i == 0 || bytes[i - 1] == b'.';
            if (j == bytes.len() || bytes[j] == b'.') && !at_segment_start {
                i = j;
                continue;
            }
            break;
        }
        if !token68_or_padding(b) {
            break;
        }
        i += 1;
    }
    if i >= bytes.len() {
        return Ok(());
    }
    Err(invalid(describe_invalid(token, i)))
}

/// Builds the message for a token that failed the token68 check at byte `at`.
/// Says what was found and how to fix it; never includes the token.
fn describe_invalid(token: &str, at: usize) -> String {
    let trimmed = token.trim_start();
    let lower_prefix: String = trimmed
        .chars()
        .take(7)
        .collect::<String>()
        .to_ascii_lowercase();
    if lower_prefix.starts_with("bearer ") || lower_prefix.starts_with("bearer\t") {
        return "Invalid token: it starts with `Bearer `, which is the HTTP authorization scheme, not part of the token. \
                Pass only the token itself (the text after `Bearer `)."
            .to_owned();
    }
    if trimmed.starts_with('{') {
        return "Invalid token: it looks like a JSON response (it starts with `{`). \
                Pass just the `token` field of the identity response (for example `response.token`), not the whole response."
            .to_owned();
    }
    if trimmed.starts_with('"') || trimmed.starts_with('\'') {
        return "Invalid token: it is wrapped in quotes (it looks like a JSON string literal). \
                Remove the quotes and pass just the token text (for example the `token` field of the identity response)."
            .to_owned();
    }
    if token.len() != token.trim().len() {
        return format!(
            "Invalid token: it has leading or trailing whitespace (for example a newline read from a file or an environment variable). \
             Trim it before passing it; {TOKEN68_HINT}."
        );
    }
    let position = token[..at].chars().count();
    let ch = token[at..].chars().next().unwrap_or('\u{fffd}');
    if ch == '=' {
        return format!(
            "Invalid token: '=' at character {position} is not base64 padding at the end of a '.'-separated part; \
             check that the token was copied whole; {TOKEN68_HINT}."
        );
    }
    let what = if ch.is_whitespace() {
        format!("whitespace (U+{:04X})", ch as u32)
    } else if ch.is_ascii_graphic() {
        format!("the character '{ch}' (U+{:04X})", ch as u32)
    } else {
        format!("the character U+{:04X}", ch as u32)
    };
    format!(
        "Invalid token: it contains {what} at character {position}; {TOKEN68_HINT}. \
         Pass just the token text (for example the `token` field of the identity response), not a header, a URL-encoded or a quoted value."
    )
}

/// The `exp` of a JWT payload, if the token is a JWT with a numeric `exp`.
fn jwt_expiry(token: &str) -> Option<OffsetDateTime> {
    let mut parts = token.split('.');
    let _header = parts.next()?;
    let payload = parts.next()?;
    let json = decode_base64_lenient(payload.as_bytes())?;
    let exp = claims_exp(&json)?;
    // A JSON number too large for i128 nanoseconds, or beyond year 9999:
    // saturate by sign.
    let Some(nanos) = decimal_to_unix_nanos(exp) else {
        return Some(saturated(exp.starts_with('-')));
    };
    Some(OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or_else(|_| saturated(nanos < 0)))
}

/// The earliest (`negative`) or latest representable instant, for an `exp`
/// claim beyond what a date can hold; logs a warning.
fn saturated(negative: bool) -> OffsetDateTime {
    tracing::warn!(
        "the token's `exp` claim is beyond what a date can hold; its expiry is taken as the {} representable instant",
        if negative { "earliest" } else { "latest" }
    );
    if negative {
        min_instant()
    } else {
        max_instant()
    }
}

#[derive(Deserialize)]
struct Claims<'a> {
    #[serde(borrow, default)]
    exp: Option<&'a RawValue>,
}

/// Read apart from [`Claims`], so that an odd `iat` (say, given twice) never
/// changes how `exp` is read.
#[derive(Deserialize)]
struct IssuedAt<'a> {
    #[serde(borrow, default)]
    iat: Option<&'a RawValue>,
}

/// The raw JSON text of a top-level numeric `exp` claim, if the payload is
/// a JSON object (UTF-8) that has one.
fn claims_exp(json: &[u8]) -> Option<&str> {
    numeric(claims::<Claims<'_>>(json)?.exp?)
}

/// The payload's claims, if it is a JSON object (UTF-8).
fn claims<'a, T: Deserialize<'a>>(json: &'a [u8]) -> Option<T> {
    // serde would also read a struct from a JSON array; only an object has claims
    if json.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return None;
    }
    serde_json::from_slice(json).ok()
}

/// The text of a claim's value if it is a JSON number.
fn numeric(value: &RawValue) -> Option<&str> {
    let text = value.get();
    let first = *text.as_bytes().first()?;
    (first == b'-' || first.is_ascii_digit()).then_some(text)
}

/// When a JWT says it was issued: its numeric `iat` claim as Unix
/// nanoseconds (fractions kept, as for `exp`). `None` for an opaque token,
/// a payload without a numeric `iat`, or one beyond what a date can hold.
/// The credential compares it with its clock to learn the issuer's clock
/// skew.
pub(crate) fn jwt_issued_at(token: &str) -> Option<i128> {
    let mut parts = token.split('.');
    let _header = parts.next()?;
    let payload = parts.next()?;
    let json = decode_base64_lenient(payload.as_bytes())?;
    let iat = numeric(claims::<IssuedAt<'_>>(&json)?.iat?)?;
    let nanos = decimal_to_unix_nanos(iat)?;
    OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .map(|_| nanos)
}

/// Decodes base64url, or standard base64 (SPEC 2.1), padding optional and
/// trailing bits not checked (JWT libraries differ on both; a token is only
/// read here, never verified).
fn decode_base64_lenient(input: &[u8]) -> Option<Vec<u8>> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    use base64::Engine;

    const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);
    const STANDARD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
    URL_SAFE
        .decode(input)
        .or_else(|_| STANDARD.decode(input))
        .ok()
}

/// Converts a JSON number's text (seconds) to Unix nanoseconds, exactly
/// (digits beyond the nanosecond are truncated toward zero). `None` when the
/// value does not fit in an `i128` number of nanoseconds (far beyond any
/// representable date); the caller saturates.
///
/// Why not `serde_json`'s `f64`: near year 9999 (2.5e11 s) an `f64` is only
/// good to about 30 µs, and SPEC 2.1 keeps fractions; this reads the decimal
/// text digit by digit, so every millisecond (and nanosecond) given is kept.
/// `time` has no decimal-seconds parser.
fn decimal_to_unix_nanos(text: &str) -> Option<i128> {
    let bytes = text.as_bytes();
    let (negative, rest) = match bytes.first() {
        Some(b'-') => (true, &bytes[1..]),
        _ => (false, bytes),
    };
    // split mantissa / exponent
    let (mantissa, exponent) = match rest.iter().position(|&b| b == b'e' || b == b'E') {
        Some(p) => (&rest[..p], &rest[p + 1..]),
        None => (rest, &b""[..]),
    };
    let (int_part, frac_part) = match mantissa.iter().position(|&b| b == b'.') {
        Some(p) => (&mantissa[..p], &mantissa[p + 1..]),
        None => (mantissa, &b""[..]),
    };
    // exponent, saturating (a huge exponent is handled by the length check below)
    let mut exp10: i64 = 0;
    let (exp_negative, exp_digits) = match exponent.first() {
        Some(b'-') => (true, &exponent[1..]),
        Some(b'+') => (false, &exponent[1..]),
        _ => (false, exponent),
    };
    for &d in exp_digits {
        if !d.is_ascii_digit() {
            return None; // unreachable: serde_json validated the number
        }
        exp10 = exp10.saturating_mul(10).saturating_add(i64::from(d - b'0'));
    }
    if exp_negative {
        exp10 = -exp10;
    }
    // significant digits: int_part followed by frac_part; value = digits * 10^(shift) ns
    let shift = exp10
        .saturating_sub(frac_part.len() as i64)
        .saturating_add(9);
    let digits = int_part.iter().chain(frac_part.iter());
    let total = int_part.len() + frac_part.len();
    // leading zeros do not count toward magnitude
    let leading_zeros = int_part
        .iter()
        .chain(frac_part.iter())
        .take_while(|&&d| d == b'0')
        .count();
    let significant = (total - leading_zeros) as i64;
    if significant == 0 {
        return Some(0);
    }
    // magnitude ~ 10^(significant + shift); i128 holds up to ~1.7e38
    if significant.saturating_add(shift) > 37 {
        return None;
    }
    let keep = (total as i64).saturating_add(shift.min(0)); // digits kept before truncation
    if keep <= 0 {
        return Some(0);
    }
    let mut value: i128 = 0;
    for &d in digits.take(keep as usize) {
        if !d.is_ascii_digit() {
            return None;
        }
        value = value * 10 + i128::from(d - b'0');
    }
    if shift > 0 {
        value *= 10i128.pow(shift as u32);
    }
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_conversion() {
        assert_eq!(decimal_to_unix_nanos("0"), Some(0));
        assert_eq!(decimal_to_unix_nanos("1"), Some(1_000_000_000));
        assert_eq!(
            decimal_to_unix_nanos("1700000000.5"),
            Some(1_700_000_000_500_000_000)
        );
        assert_eq!(
            decimal_to_unix_nanos("1.7e9"),
            Some(1_700_000_000_000_000_000)
        );
        assert_eq!(decimal_to_unix_nanos("-1.5"), Some(-1_500_000_000));
        assert_eq!(decimal_to_unix_nanos("1e-10"), Some(0));
        assert_eq!(decimal_to_unix_nanos("1.2345678919"), Some(1_234_567_891));
        assert_eq!(decimal_to_unix_nanos("1e400"), None);
        assert_eq!(decimal_to_unix_nanos("0e400"), Some(0));
        assert_eq!(
            decimal_to_unix_nanos("0.000e-99999999999999999999"),
            Some(0)
        );
        assert_eq!(decimal_to_unix_nanos("1E+2"), Some(100_000_000_000));
    }

    #[test]
    fn base64_both_alphabets() {
        assert_eq!(decode_base64_lenient(b"Pz4-").unwrap(), b"?>>");
        assert_eq!(decode_base64_lenient(b"Pz4+").unwrap(), b"?>>");
        assert_eq!(decode_base64_lenient(b"YQ").unwrap(), b"a");
        assert_eq!(decode_base64_lenient(b"YQ==").unwrap(), b"a");
        assert_eq!(decode_base64_lenient(b"YWI").unwrap(), b"ab");
        assert!(decode_base64_lenient(b"Y").is_none());
        assert!(decode_base64_lenient(b"Y~==").is_none());
    }

    fn jwt(payload: &str) -> String {
        format!(
            "eyJhbGciOiJIUzI1NiJ9.{}.c2ln",
            azure_core::base64::encode_url_safe(payload)
        )
    }

    #[test]
    fn issued_at_is_read_like_exp() {
        const SECOND: i128 = 1_000_000_000;
        assert_eq!(
            jwt_issued_at(&jwt(r#"{"iat":1700000000,"exp":1700003600}"#)),
            Some(1_700_000_000 * SECOND)
        );
        assert_eq!(
            jwt_issued_at(&jwt(r#"{"iat":1700000000.25}"#)),
            Some(1_700_000_000 * SECOND + SECOND / 4)
        );
        // absent, not a number, not a JWT, beyond a date: unknown
        assert_eq!(jwt_issued_at(&jwt(r#"{"exp":1700003600}"#)), None);
        assert_eq!(jwt_issued_at(&jwt(r#"{"iat":"1700000000"}"#)), None);
        assert_eq!(jwt_issued_at(&jwt(r#"[1700000000]"#)), None);
        assert_eq!(jwt_issued_at("opaque-token"), None);
        assert_eq!(jwt_issued_at(&jwt(r#"{"iat":1e30}"#)), None);
        // the expiry is unaffected by iat
        let token = parse_token(&jwt(r#"{"iat":"x","exp":1700003600}"#)).unwrap();
        assert_eq!(token.expires_on.unix_timestamp(), 1_700_003_600);
    }

    #[test]
    fn padding_rules() {
        assert!(validate_token68("h.p==.s").is_ok());
        assert!(validate_token68("h.p.s=").is_ok());
        assert!(validate_token68("h.p.").is_ok());
        assert!(validate_token68("h.=p.s").is_err());
        assert!(validate_token68("h.==.s").is_err());
        assert!(validate_token68("=").is_err());
        assert!(validate_token68("a=b").is_err());
    }
}
