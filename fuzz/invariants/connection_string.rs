//! Connection-string parsing (SPEC 4).
//!
//! Invariants, for any string:
//! * never panics;
//! * the access key never shows, nor does any segment that is not an
//!   `endpoint` (SPEC 4: segments are named by position, never by content):
//!   changing every base64 character of every `accesskey` value into another
//!   one with the same low four bits (which keeps its length and its validity
//!   as base64), and every letter and digit of every other segment that is
//!   not an `endpoint`, changes neither `Debug` of the parsed value nor an
//!   error's kind and message (other than an `Invalid endpoint url ...`
//!   message, which shows the endpoint with the key masked, and must never
//!   contain a key of 8 characters or more). An error's `Debug` is its kind, its message and a
//!   backtrace, so it is covered too;
//! * an accepted string has exactly one `accesskey`, returned verbatim
//!   (trimmed), and an endpoint that obeys SPEC 4 (http/https, a host, an
//!   empty path, no query, fragment or user info);
//! * `endpoint={endpoint};accesskey={key}` built from the parsed value parses
//!   to an equal value (when the endpoint's text has no `;`, which an IDNA
//!   host can map to), and its signer signs like `AccessKeySigner::new(key)`.
//!
//! Shared by `fuzz/fuzz_targets/connection_string.rs` and the property run in
//! `crates/azure_communication_common/tests/fuzz_invariants.rs`.

use azure_communication_common::{AccessKeySigner, ConnectionString};
use azure_core::http::Url;

const ENDPOINT_ERROR: &str = "Invalid endpoint url ";
/// The shortest key the endpoint error is checked not to show: shorter
/// values are found in any text by chance (regression
/// `fuzz/regressions/connection_string/one-char-key`).
const MEANINGFUL_KEY_LEN: usize = 8;

/// The `accesskey` values as the parser sees them: `;`-separated segments,
/// split at the first `=`, key trimmed and ASCII case-insensitive, value
/// trimmed.
fn access_keys(s: &str) -> Vec<&str> {
    s.split(';')
        .filter_map(|segment| segment.split_once('='))
        .filter(|(key, _)| key.trim().eq_ignore_ascii_case("accesskey"))
        .map(|(_, value)| value.trim())
        .collect()
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Moves a base64 character 16 places along the alphabet: a different
/// character whose low four bits are the same, so a key stays valid (or
/// invalid) for the same reason, non-zero trailing bits included.
fn rotate(c: char) -> char {
    match BASE64.iter().position(|&b| char::from(b) == c) {
        Some(i) => char::from(BASE64[(i + 16) % 64]),
        None => c,
    }
}

/// Moves a letter or digit one place within its class.
fn next_alphanumeric(c: char) -> char {
    match c {
        'a'..='y' | 'A'..='Y' | '0'..='8' => char::from(c as u8 + 1),
        'z' => 'a',
        'Z' => 'A',
        '9' => '0',
        _ => c,
    }
}

fn is_known(key: &str) -> bool {
    let key = key.trim();
    key.eq_ignore_ascii_case("endpoint") || key.eq_ignore_ascii_case("accesskey")
}

/// `s` with the secrets changed: every base64 character of every `accesskey`
/// value ([`rotate`]), and every letter and digit of every segment that is
/// neither an `endpoint` nor an `accesskey` (an unknown key, or a segment
/// without `=`, may be a pasted secret too). Nothing else moves.
fn with_other_secrets(s: &str) -> String {
    s.split(';')
        .map(|segment| match segment.split_once('=') {
            Some((key, value)) if key.trim().eq_ignore_ascii_case("accesskey") => {
                format!("{key}={}", value.chars().map(rotate).collect::<String>())
            }
            Some((key, _)) if is_known(key) => segment.to_owned(),
            _ => {
                let other: String = segment.chars().map(next_alphanumeric).collect();
                match other.split_once('=') {
                    Some((key, _)) if is_known(key) => segment.to_owned(),
                    _ => other,
                }
            }
        })
        .collect::<Vec<_>>()
        .join(";")
}

fn check_endpoint(url: &Url) {
    assert!(matches!(url.scheme(), "http" | "https"), "{url}");
    assert!(url.host_str().is_some_and(|h| !h.is_empty()), "{url}");
    assert!(matches!(url.path(), "" | "/"), "{url}");
    assert!(url.query().is_none() && url.fragment().is_none(), "{url}");
    assert!(
        url.username().is_empty() && url.password().is_none(),
        "{url}"
    );
}

/// Checks one input; panics when an invariant does not hold.
pub fn check(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let keys = access_keys(s);
    let other = with_other_secrets(s);
    let parsed = s.parse::<ConnectionString>();
    let parsed_other = other.parse::<ConnectionString>();

    match parsed {
        Ok(cs) => {
            let cs_other = parsed_other.expect("another key of the same shape is accepted too");
            assert_eq!(keys.len(), 1, "accepted with keys {keys:?}");
            let key = keys[0];
            assert_eq!(cs.access_key().secret(), key);
            check_endpoint(cs.endpoint());
            assert_eq!(
                format!("{cs:?}"),
                format!("{cs_other:?}"),
                "Debug depends on a secret"
            );
            assert_eq!(
                format!("{:?}", cs.signer()),
                format!("{:?}", cs_other.signer())
            );

            // An endpoint whose host maps to a `;` under IDNA (U+037E GREEK
            // QUESTION MARK becomes `;`) is accepted, but its URL text
            // cannot be a connection-string value (regression
            // `fuzz/regressions/connection_string/idna-semicolon`).
            if !cs.endpoint().as_str().contains(';') {
                let canonical = format!("endpoint={};accesskey={key}", cs.endpoint());
                let again: ConnectionString = canonical
                    .parse()
                    .unwrap_or_else(|e| panic!("{canonical:?} does not parse: {e}"));
                assert_eq!(again, cs);
            }

            let signer = AccessKeySigner::new(key.to_owned()).expect("the key was validated");
            let date = time::macros::datetime!(2022-04-13 18:09:12 UTC);
            assert_eq!(
                cs.signer().sign("GET", cs.endpoint(), b"x", date).unwrap(),
                signer.sign("GET", cs.endpoint(), b"x", date).unwrap()
            );
        }
        Err(err) => {
            let err_other = parsed_other.expect_err("another key of the same shape fails too");
            let message = err.to_string();
            if let Some(shown) = message.strip_prefix(ENDPOINT_ERROR) {
                assert!(err_other.to_string().starts_with(ENDPOINT_ERROR));
                for key in &keys {
                    // The mask itself is `***`. A key shorter than
                    // MEANINGFUL_KEY_LEN (`c`) may occur in the message's
                    // own prose or in the endpoint by chance; real keys are
                    // 44 characters.
                    if key.len() >= MEANINGFUL_KEY_LEN && !key.contains('*') {
                        assert!(!shown.contains(key), "{message:?} shows the key {key:?}");
                    }
                }
            } else {
                assert_eq!(
                    message,
                    err_other.to_string(),
                    "the error message depends on a secret"
                );
                assert_eq!(err.kind(), err_other.kind());
            }
        }
    }
}
