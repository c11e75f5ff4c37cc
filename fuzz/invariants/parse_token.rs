//! `parse_token` (SPEC 2.1).
//!
//! The input is either an arbitrary string or a JWT built from
//! fuzzer-chosen parts (header, an `exp` claim of several shapes, other
//! claims, alphabet and padding, signature).
//!
//! Invariants:
//! * never panics;
//! * an error is exactly the token68 rules' verdict (SPEC 2.1 steps 1-2,
//!   re-implemented here), and a token that passes them always parses;
//! * errors do not echo the token: changing the token's letters and digits
//!   (past the first seven characters, which are only inspected for a
//!   `Bearer ` prefix) does not change the message, and no run of 16 or more
//!   letters and digits from the token appears in it;
//! * an accepted token's `Debug` does not show it;
//! * a JWT whose payload is `{"exp": N}` expires at N seconds after the epoch
//!   (to the nanosecond for decimal text, within f64 precision for floats),
//!   saturating at the representable range; a JWT without a numeric `exp`
//!   is opaque and expires 600 s from now.
//!
//! Shared by `fuzz/fuzz_targets/parse_token.rs` and the property run in
//! `crates/azure_communication_common/tests/fuzz_invariants.rs`.

use arbitrary::{Arbitrary, Unstructured};
use azure_communication_common::{parse_token, DEFAULT_UNDECODABLE_TOKEN_LIFETIME};
use azure_core::time::OffsetDateTime;

#[derive(Debug, Arbitrary)]
enum Input {
    Raw(String),
    Jwt(Jwt),
}

#[derive(Debug, Arbitrary)]
struct Jwt {
    header: String,
    exp: Exp,
    /// Other claims, written before (`true`) or after `exp`.
    claims: Vec<(String, String, bool)>,
    url_safe: bool,
    padded: bool,
    signature: Option<String>,
}

#[derive(Debug, Arbitrary)]
enum Exp {
    Int(i64),
    Float(f64),
    /// `{sign}{int}.{frac:09}` or the same value as `{int}{frac:09}e-9`.
    Decimal {
        negative: bool,
        int: u64,
        frac: u32,
        scientific: bool,
    },
    /// `{int}e{exponent}`.
    Power {
        int: u32,
        exponent: i8,
    },
    /// Not a number: `"text"`, `true`, `null`, `[..]`, `{..}`.
    NotANumber(String),
    Missing,
}

/// What the expiry must be.
enum Expect {
    Exact(i128),
    /// Within `tolerance` nanoseconds of a float's value.
    Near(f64, f64),
    Opaque,
}

fn b64(bytes: &[u8], url_safe: bool, padded: bool) -> String {
    const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let table = if url_safe { URL } else { STD };
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(table[(n >> (18 - 6 * i)) as usize & 63]));
        }
        if padded {
            for _ in chunk.len()..3 {
                out.push('=');
            }
        }
    }
    out
}

/// SPEC 2.1 steps 1 and 2, literally: not blank; token68 characters; `=` only
/// in a run that ends a non-empty `.`-separated part.
fn token68_ok(s: &str) -> bool {
    if s.trim().is_empty() {
        return false;
    }
    s.split('.').all(|part| {
        let body = part.trim_end_matches('=');
        (body.len() == part.len() || !body.is_empty())
            && body
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
    })
}

/// Changes every ASCII letter and digit after the first seven characters
/// (not counting leading whitespace) into a different one of the same class;
/// nothing else moves.
fn scramble(s: &str) -> String {
    let kept = s.chars().count() - s.trim_start().chars().count() + 7;
    s.chars()
        .enumerate()
        .map(|(i, c)| match c {
            _ if i < kept => c,
            'a'..='y' | 'A'..='Y' | '0'..='8' => char::from(c as u8 + 1),
            'z' => 'a',
            'Z' => 'A',
            '9' => '0',
            _ => c,
        })
        .collect()
}

/// Runs of at least 16 ASCII letters and digits (the shape of any real
/// token's parts; the longest word in the messages, `authorization`, has 13).
fn long_runs(s: &str) -> Vec<&str> {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|run| run.len() >= 16)
        .collect()
}

fn assert_not_echoed(token: &str, text: &str) {
    for run in long_runs(token) {
        assert!(!text.contains(run), "{text:?} echoes {run:?} of the token");
    }
}

fn check_any(token: &str) {
    match parse_token(token) {
        Ok(access) => {
            assert!(token68_ok(token), "{token:?} was accepted");
            assert_eq!(access.token.secret(), token);
            assert_not_echoed(token, &format!("{access:?}"));
        }
        Err(err) => {
            assert!(!token68_ok(token), "{token:?} was rejected: {err}");
            let message = err.to_string();
            // (`Debug` is the kind, this message and a backtrace.)
            assert_not_echoed(token, &message);
            let scrambled = scramble(token);
            let other = parse_token(&scrambled).expect_err("the same characters fail the same way");
            assert_eq!(
                other.to_string(),
                message,
                "the message depends on the token's letters and digits"
            );
        }
    }
}

fn check_jwt(jwt: Jwt) {
    let (exp_text, expect) = match jwt.exp {
        Exp::Int(n) => (n.to_string(), Expect::Exact(i128::from(n) * 1_000_000_000)),
        Exp::Float(f) => {
            if !f.is_finite() {
                return;
            }
            let text = serde_json::to_string(&f).unwrap();
            (text, Expect::Near(f * 1e9, (f * 1e9).abs() * 1e-15 + 2.0))
        }
        Exp::Decimal {
            negative,
            int,
            frac,
            scientific,
        } => {
            let frac = frac % 1_000_000_000;
            let sign = if negative { "-" } else { "" };
            let nanos = i128::from(int) * 1_000_000_000 + i128::from(frac);
            let text = if scientific {
                format!("{sign}{nanos}e-9")
            } else {
                format!("{sign}{int}.{frac:09}")
            };
            (text, Expect::Exact(if negative { -nanos } else { nanos }))
        }
        Exp::Power { int, exponent } => {
            let text = format!("{int}e{exponent}");
            let shift = i32::from(exponent) + 9;
            let nanos = if shift >= 0 {
                // exact while it fits; anything bigger saturates
                10i128
                    .checked_pow(shift as u32)
                    .map_or(Some(i128::MAX), |p| i128::from(int).checked_mul(p))
                    .map(|n| if int == 0 { 0 } else { n })
            } else {
                // truncated toward zero
                Some(
                    10i128
                        .checked_pow(-shift as u32)
                        .map_or(0, |p| i128::from(int) / p),
                )
            };
            (text, Expect::Exact(nanos.unwrap_or(i128::MAX)))
        }
        Exp::NotANumber(s) => {
            let text = match s.len() % 5 {
                0 => serde_json::to_string(&s).unwrap(),
                1 => "true".to_owned(),
                2 => "null".to_owned(),
                3 => format!("[{}]", serde_json::to_string(&s).unwrap()),
                _ => format!("{{\"exp\":{}}}", serde_json::to_string(&s).unwrap()),
            };
            (text, Expect::Opaque)
        }
        Exp::Missing => (String::new(), Expect::Opaque),
    };
    let mut members: Vec<String> = Vec::new();
    for (name, value, before) in &jwt.claims {
        if name == "exp" {
            continue; // duplicate `exp` keys are not pinned by SPEC 2.1
        }
        let member = format!(
            "{}:{}",
            serde_json::to_string(name).unwrap(),
            serde_json::to_string(value).unwrap()
        );
        if *before {
            members.insert(0, member);
        } else {
            members.push(member);
        }
    }
    if !exp_text.is_empty() {
        let at = jwt.claims.iter().filter(|c| c.2).count().min(members.len());
        members.insert(at, format!("\"exp\":{exp_text}"));
    }
    let payload = format!("{{{}}}", members.join(","));
    let mut token = format!(
        "{}.{}",
        b64(jwt.header.as_bytes(), jwt.url_safe, jwt.padded),
        b64(payload.as_bytes(), jwt.url_safe, jwt.padded)
    );
    if let Some(signature) = &jwt.signature {
        token.push('.');
        token.push_str(&b64(signature.as_bytes(), true, false));
    }
    if !token68_ok(&token) {
        // an empty header with padding; the raw-string path covers these
        return check_any(&token);
    }

    let before = OffsetDateTime::now_utc();
    let access = parse_token(&token).unwrap_or_else(|e| panic!("{token:?}: {e}"));
    let after = OffsetDateTime::now_utc();
    let got = access.expires_on.unix_timestamp_nanos();
    let max = time::PrimitiveDateTime::MAX
        .assume_utc()
        .unix_timestamp_nanos();
    let min = time::PrimitiveDateTime::MIN
        .assume_utc()
        .unix_timestamp_nanos();
    match expect {
        Expect::Exact(nanos) => {
            assert_eq!(got, nanos.clamp(min, max), "{payload}");
        }
        Expect::Near(nanos, tolerance) => {
            let want = nanos.clamp(min as f64, max as f64);
            assert!(
                (got as f64 - want).abs() <= tolerance,
                "{payload}: got {got}, want {want}"
            );
        }
        Expect::Opaque => {
            let lifetime = DEFAULT_UNDECODABLE_TOKEN_LIFETIME;
            assert!(
                before + lifetime <= access.expires_on && access.expires_on <= after + lifetime,
                "{payload}: opaque token expires at {}",
                access.expires_on
            );
        }
    }
    check_any(&token);
}

/// Checks one input; panics when an invariant does not hold.
pub fn check(data: &[u8]) {
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    match input {
        Input::Raw(token) => check_any(&token),
        Input::Jwt(jwt) => check_jwt(jwt),
    }
}
