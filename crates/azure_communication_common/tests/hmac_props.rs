//! Property tests for the signer: it never panics on arbitrary input, what it
//! signs matches an independent computation, and keys never leak.

use azure_communication_common::AccessKeySigner;
use azure_core::http::Url;
use hmac::{Hmac, Mac};
use proptest::prelude::*;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

fn any_date() -> impl Strategy<Value = OffsetDateTime> {
    // The whole range `time` supports by default, with any UTC offset.
    (
        -377_705_116_800i64..=253_402_300_799i64,
        -86_399i32..=86_399i32,
    )
        .prop_map(|(ts, off)| {
            let utc = OffsetDateTime::from_unix_timestamp(ts).unwrap();
            let offset = time::UtcOffset::from_whole_seconds(off).unwrap();
            utc.checked_to_offset(offset).unwrap_or(utc)
        })
}

fn any_url() -> impl Strategy<Value = Url> {
    prop_oneof![
        // Arbitrary text that happens to parse.
        "[a-z]{1,6}:\\PC{0,60}".prop_filter_map("parses", |s| Url::parse(&s).ok()),
        // URL-shaped text with arbitrary path and query characters.
        (
            prop::sample::select(vec!["http", "https", "foo", "mailto", "file", "data"]),
            prop::sample::select(vec!["://", ":", ":///"]),
            "[a-zA-Z0-9.-]{0,20}",
            prop::option::of(any::<u16>()),
            "\\PC{0,40}",
        )
            .prop_filter_map("parses", |(scheme, sep, host, port, rest)| {
                let port = port.map(|p| format!(":{p}")).unwrap_or_default();
                Url::parse(&format!("{scheme}{sep}{host}{port}/{rest}")).ok()
            }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn signer_never_panics(
        method in "\\PC{0,12}",
        url in any_url(),
        body in prop::collection::vec(any::<u8>(), 0..512),
        date in any_date(),
    ) {
        let signer = AccessKeySigner::new("pw==").unwrap();
        if let Ok(h) = signer.sign(&method, &url, &body, date) {
            prop_assert!(h.authorization.starts_with(AccessKeySigner::AUTHORIZATION_PREFIX));
            prop_assert_eq!(h.x_ms_content_sha256, AccessKeySigner::content_hash(&body));
        }
        let _ = AccessKeySigner::signed_path_and_query(&url);
        let _ = AccessKeySigner::signed_host(&url);
        let _ = AccessKeySigner::format_date(date);
        let _ = signer.sign_parts(&method, url.as_str(), &method, &method, &method);
        let _ = signer.verify(&method, url.as_str(), &method, &method, &method, &method);
    }

    /// For http(s) URLs and token methods, `sign` equals an independent
    /// implementation of SPEC 3 (and `verify` accepts it).
    #[test]
    fn sign_matches_independent_computation(
        key in prop::collection::vec(any::<u8>(), 1..100),
        method in "[A-Za-z]{1,8}",
        host in "[a-z][a-z0-9]{0,10}(\\.[a-z][a-z0-9]{0,6}){0,2}",
        port in prop::option::of(1u16..),
        path in "(/[a-zA-Z0-9%:@!$&'()*+,;=._~-]{0,10}){0,4}",
        query in prop::option::of("[a-zA-Z0-9%:@!$&'()*+,;=._~/?-]{0,20}"),
        body in prop::collection::vec(any::<u8>(), 0..2048),
        date in any_date(),
        https in any::<bool>(),
    ) {
        let scheme = if https { "https" } else { "http" };
        let port_text = port.map(|p| format!(":{p}")).unwrap_or_default();
        let query_text = query.as_ref().map(|q| format!("?{q}")).unwrap_or_default();
        let url = Url::parse(&format!("{scheme}://{host}{port_text}{path}{query_text}")).unwrap();

        let signer = AccessKeySigner::new(azure_core::base64::encode(&key)).unwrap();
        let h = signer.sign(&method, &url, &body, date).unwrap();

        // Independent: from the serialized URL text.
        let serialized = url.as_str();
        let after_scheme = &serialized[serialized.find("://").unwrap() + 3..];
        let slash = after_scheme.find(['/', '?']).unwrap_or(after_scheme.len());
        let (authority, mut pq) = (after_scheme[..slash].to_owned(), after_scheme[slash..].to_owned());
        if !pq.starts_with('/') { pq.insert(0, '/'); }
        let default_port = if https { ":443" } else { ":80" };
        let authority = authority.strip_suffix(default_port).unwrap_or(&authority).to_owned();
        let date_text = {
            let utc = date.to_offset(time::UtcOffset::UTC);
            utc.format(time::macros::format_description!(
                "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
            )).unwrap()
        };
        let hash = azure_core::base64::encode(Sha256::digest(&body));
        let sts = format!("{}\n{pq}\n{date_text};{authority};{hash}", method.to_uppercase());
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(sts.as_bytes());
        let expected = format!(
            "{}{}",
            "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=",
            azure_core::base64::encode(mac.finalize().into_bytes())
        );
        prop_assert_eq!(&h.x_ms_date, &date_text);
        prop_assert_eq!(&h.host, &authority);
        prop_assert_eq!(&h.x_ms_content_sha256, &hash);
        prop_assert_eq!(&h.authorization, &expected);
        prop_assert!(signer.verify(&method, &pq, &authority, &date_text, &hash, &h.authorization).is_ok());
        let tampered_body_hash = AccessKeySigner::content_hash(b"tampered");
        let rejected = signer.verify(&method, &pq, &authority, &date_text, &tampered_body_hash, &h.authorization);
        prop_assert!(rejected.is_err() || tampered_body_hash == hash);
    }

    /// Neither `Debug` of the signer nor any signing error contains the key.
    #[test]
    fn secrets_never_in_debug_or_errors(key in prop::collection::vec(any::<u8>(), 6..64), method in "\\PC{0,8}") {
        let text = azure_core::base64::encode(&key);
        let signer = AccessKeySigner::new(text.clone()).unwrap();
        let debug = format!("{signer:?}");
        prop_assert!(!debug.contains(&text));
        let url = Url::parse("mailto:someone@example.com").unwrap();
        if let Err(e) = signer.sign(&method, &url, b"", OffsetDateTime::UNIX_EPOCH) {
            let m = format!("{e} {e:?}");
            prop_assert!(!m.contains(&text));
        }
        // URL-safe variant of a valid key: rejected, not echoed.
        let url_safe = text.replace('+', "-").replace('/', "_");
        if url_safe != text {
            let e = AccessKeySigner::new(url_safe.clone()).unwrap_err();
            let m = format!("{e} {e:?}");
            prop_assert!(!m.contains(&url_safe));
            prop_assert!(m.contains("URL-safe"));
        }
    }
}

#[test]
fn url_with_userinfo_and_fragment_is_not_signed_with_them() {
    let signer = AccessKeySigner::new("pw==").unwrap();
    let url = Url::parse("https://user:pass@example.com/testPath?testQuery=test#frag").unwrap();
    let h = signer
        .sign(
            "GET",
            &url,
            b"",
            time::macros::datetime!(2022-04-13 18:09:12 UTC),
        )
        .unwrap();
    assert_eq!(h.host, "example.com");
    assert_eq!(
        h.authorization,
        "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=DGdgwggJWnQyc6EHjR/Vbqg1ES64KpD6U2XwTDDj3tU="
    );
}

#[test]
fn host_error_does_not_echo_userinfo_or_query() {
    let signer = AccessKeySigner::new("pw==").unwrap();
    let url = Url::parse("foo:opaque?token=SECRETVALUE#x").unwrap();
    let e = signer
        .sign("GET", &url, b"", OffsetDateTime::UNIX_EPOCH)
        .unwrap_err();
    assert!(!e.to_string().contains("SECRETVALUE"), "{e}");
    assert!(e.to_string().contains("no host"), "{e}");
}
