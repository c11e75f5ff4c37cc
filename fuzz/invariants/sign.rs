//! The HMAC-SHA256 access-key signer (SPEC 3).
//!
//! Input: a key (either arbitrary text or base64 of arbitrary bytes), a
//! method, a URL, a body and a date, all fuzzer-chosen.
//!
//! Invariants:
//! * nothing panics;
//! * `AccessKeySigner::new` accepts exactly the non-empty standard-base64
//!   keys, unpadded or padded to a multiple of four, that decode to at least
//!   one byte, and neither its errors nor `Debug`
//!   show the key (no run of 16 letters and digits from it appears);
//! * `sign` fails exactly when the method is not an HTTP token or the URL has
//!   no host; otherwise `verify` accepts what it signed (with the method in
//!   any ASCII case) and rejects it for any other path, host, date, body hash
//!   or key;
//! * the `Authorization` header is the prefix plus base64 HMAC-SHA256 of the
//!   SPEC 3 string to sign, computed independently here with the `hmac` crate
//!   over the base64-decoded key; `x-ms-content-sha256` is base64 SHA-256 of
//!   the body; `sign_with_content_hash` agrees with `sign`;
//! * `x-ms-date` is the date in UTC, to the second, as an IMF-fixdate that
//!   azure_core's RFC 7231 parser reads back (for years 1 to 9999).
//!
//! Shared by `fuzz/fuzz_targets/sign.rs` and the property run in
//! `crates/azure_communication_common/tests/fuzz_invariants.rs`.

use arbitrary::{Arbitrary, Unstructured};
use azure_communication_common::AccessKeySigner;
use azure_core::{http::Url, time::OffsetDateTime};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

#[derive(Debug, Arbitrary)]
enum Key {
    Text(String),
    Bytes { bytes: Vec<u8>, padded: bool },
}

#[derive(Debug, Arbitrary)]
struct Input {
    key: Key,
    method: String,
    url: String,
    body: Vec<u8>,
    /// Seconds and nanoseconds since the epoch, and an offset in seconds.
    date: (i64, u32, i32),
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The standard base64 alphabet, padded or not, decoding to at least one byte
/// with no stray bits: SPEC 3's rule for keys, checked with azure_core's
/// decoder after the alphabet check. Padded means one or two `=` that make
/// the length a multiple of four: a half-padded `fg=` is neither padded nor
/// unpadded (azure_core's decoder alone takes it; regression
/// `fuzz/regressions/sign/short-padded-key`).
fn valid_key(key: &str) -> bool {
    let body = key.trim_end_matches('=');
    let padding = key.len() - body.len();
    !body.is_empty()
        && (padding == 0 || (padding <= 2 && key.len().is_multiple_of(4)))
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
        && azure_core::base64::decode(key).is_ok_and(|d| !d.is_empty())
}

fn date_of((secs, nanos, offset): (i64, u32, i32)) -> Option<OffsetDateTime> {
    let utc = OffsetDateTime::from_unix_timestamp(secs).ok()?;
    let utc = utc.replace_nanosecond(nanos % 1_000_000_000).ok()?;
    let offset = time::UtcOffset::from_whole_seconds(offset % 86_400).ok()?;
    utc.checked_to_offset(offset)
}

/// Checks one input; panics when an invariant does not hold.
pub fn check(data: &[u8]) {
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let key = match &input.key {
        Key::Text(text) => text.clone(),
        Key::Bytes { bytes, padded } => {
            let encoded = azure_core::base64::encode(bytes);
            if *padded {
                encoded
            } else {
                encoded.trim_end_matches('=').to_owned()
            }
        }
    };

    let signer = match AccessKeySigner::new(key.clone()) {
        Ok(signer) => {
            assert!(valid_key(&key), "accepted the key {key:?}");
            assert_eq!(format!("{signer:?}"), "AccessKeySigner { .. }");
            signer
        }
        Err(e) => {
            assert!(!valid_key(&key), "rejected the key {key:?}: {e}");
            let message = e.to_string();
            assert!(message.contains("invalid access key"), "{message}");
            // A real key is one long run of base64; the messages are prose.
            for run in key.split(|c: char| !c.is_ascii_alphanumeric()) {
                if run.len() >= 16 {
                    assert!(!message.contains(run), "{message} shows {run:?} of the key");
                }
            }
            return;
        }
    };
    let decoded_key = azure_core::base64::decode(&key).unwrap();

    let Ok(url) = Url::parse(&input.url) else {
        return;
    };
    let Some(date) = date_of(input.date) else {
        return;
    };
    let method = input.method.as_str();
    let body = input.body.as_slice();

    let method_ok = !method.is_empty() && method.bytes().all(is_tchar);
    let host_ok = url.host_str().is_some_and(|h| !h.is_empty());
    let headers = match signer.sign(method, &url, body, date) {
        Ok(headers) => {
            assert!(method_ok && host_ok, "signed {method:?} {url}");
            headers
        }
        Err(e) => {
            assert!(!(method_ok && host_ok), "refused {method:?} {url}: {e}");
            return;
        }
    };

    // x-ms-content-sha256
    let hash = azure_core::base64::encode(Sha256::digest(body));
    assert_eq!(headers.x_ms_content_sha256, hash);
    assert_eq!(AccessKeySigner::content_hash(body), hash);

    // x-ms-date
    let utc = date.to_offset(time::UtcOffset::UTC);
    assert_eq!(headers.x_ms_date, AccessKeySigner::format_date(date));
    if (1..=9999).contains(&utc.year()) {
        let read = azure_core::time::parse_rfc7231(&headers.x_ms_date)
            .unwrap_or_else(|e| panic!("{:?}: {e}", headers.x_ms_date));
        assert_eq!(read, utc.replace_nanosecond(0).unwrap());
    }

    // host and path
    let host = AccessKeySigner::signed_host(&url).unwrap();
    assert_eq!(headers.host, host);
    let path = AccessKeySigner::signed_path_and_query(&url);
    assert!(path.starts_with('/'));
    assert!(!path.contains('#'));

    // The signature, independently.
    let string_to_sign = format!(
        "{}\n{path}\n{};{host};{hash}",
        method.to_ascii_uppercase(),
        headers.x_ms_date
    );
    assert_eq!(
        AccessKeySigner::string_to_sign(method, &path, &host, &headers.x_ms_date, &hash).unwrap(),
        string_to_sign
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(&decoded_key).unwrap();
    mac.update(string_to_sign.as_bytes());
    let signature = azure_core::base64::encode(mac.finalize().into_bytes());
    assert_eq!(
        headers.authorization,
        format!("{}{signature}", AccessKeySigner::AUTHORIZATION_PREFIX)
    );
    assert_eq!(signer.signature(string_to_sign.as_bytes()), signature);
    assert_eq!(
        signer
            .sign_with_content_hash(method, &url, &hash, date)
            .unwrap(),
        headers
    );

    // verify(sign(x)) holds, in any method case; any change breaks it.
    let verify = |m: &str, p: &str, h: &str, d: &str, c: &str| {
        signer.verify(m, p, h, d, c, &headers.authorization)
    };
    let (d, c) = (headers.x_ms_date.as_str(), hash.as_str());
    verify(method, &path, &host, d, c).expect("verify(sign(x))");
    verify(&method.to_ascii_lowercase(), &path, &host, d, c).expect("method case");
    verify(&method.to_ascii_uppercase(), &path, &host, d, c).expect("method case");
    assert!(verify(method, &format!("{path}x"), &host, d, c).is_err());
    assert!(verify(method, &path, &format!("{host}x"), d, c).is_err());
    assert!(verify(method, &path, &host, &format!("{d}x"), c).is_err());
    let other_hash = AccessKeySigner::content_hash(&[body, b"x"].concat());
    assert!(verify(method, &path, &host, d, &other_hash).is_err());
    let mut other_key = decoded_key.clone();
    other_key[0] ^= 1;
    let other = AccessKeySigner::new(azure_core::base64::encode(&other_key)).unwrap();
    assert!(other
        .verify(method, &path, &host, d, c, &headers.authorization)
        .is_err());
}
