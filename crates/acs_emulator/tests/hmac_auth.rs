//! Access-key (HMAC-SHA256) authentication over real HTTP.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use std::time::Duration;

const CREATE: &str = "/identities?api-version=2023-10-01";

fn assert_denied(reply: &Reply, needle: &str) {
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{:?}", reply.json());
    assert_eq!(reply.code(), "Denied");
    let message = reply.message();
    assert!(
        message.contains(needle),
        "{message:?} should mention {needle:?}"
    );
}

#[tokio::test]
async fn a_correctly_signed_request_is_accepted() {
    let emulator = start().await;
    let reply = send_signed(&emulator, Method::POST, CREATE, b"{}").await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(
        reply.headers["content-type"],
        "application/json; charset=utf-8"
    );
    // an empty body is signed as the hash of nothing, and is fine for create
    let reply = send_signed(&emulator, Method::POST, CREATE, b"").await;
    assert_eq!(reply.status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_tampered_body_is_a_content_hash_mismatch() {
    let emulator = start().await;
    let mut signing = Signing::for_emulator(&emulator);
    signing.signed_body = Some(br#"{"createTokenWithScopes":["chat"]}"#);
    let reply = send_signed_with(
        &emulator,
        Method::POST,
        CREATE,
        br#"{"createTokenWithScopes":["voip"]}"#,
        signing,
    )
    .await;
    assert_denied(
        &reply,
        "Request 'x-ms-content-sha256' differs from generated content hash.",
    );
}

#[tokio::test]
async fn a_matching_hash_with_a_forged_signature_is_a_signature_mismatch() {
    let emulator = start().await;
    let url = url(&emulator, CREATE);
    let signer =
        azure_communication_common::AccessKeySigner::new(emulator.access_key().to_owned()).unwrap();
    let signed = signer.sign("POST", &url, b"{}", emulator.now()).unwrap();
    // sign a different path, send to this one
    let other = signer
        .sign(
            "POST",
            &common::url(&emulator, "/identities?api-version=2023-08-01"),
            b"{}",
            emulator.now(),
        )
        .unwrap();
    let headers = vec![
        ("x-ms-date", signed.x_ms_date.clone()),
        ("x-ms-content-sha256", signed.x_ms_content_sha256.clone()),
        ("authorization", other.authorization),
    ];
    let reply = send(Method::POST, url.clone(), headers, b"{}".to_vec()).await;
    assert_denied(&reply, "Signature mismatch");
    // the method is part of the signature too
    let deleted = signer.sign("DELETE", &url, b"{}", emulator.now()).unwrap();
    let headers = vec![
        ("x-ms-date", signed.x_ms_date),
        ("x-ms-content-sha256", signed.x_ms_content_sha256),
        ("authorization", deleted.authorization),
    ];
    let reply = send(Method::POST, url, headers, b"{}".to_vec()).await;
    assert_denied(&reply, "Signature mismatch");
}

#[tokio::test]
async fn the_wrong_key_is_a_signature_mismatch() {
    let emulator = start().await;
    let mut signing = Signing::for_emulator(&emulator);
    signing.key = "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXk=".to_owned();
    let reply = send_signed_with(&emulator, Method::POST, CREATE, b"{}", signing).await;
    assert_denied(&reply, "Signature mismatch");
    // and the message never carries the key or the expected signature
    assert!(!reply.message().contains(emulator.access_key()));
}

#[tokio::test]
async fn dates_more_than_15_minutes_off_are_denied() {
    let emulator = start().await;
    for offset in [-16i64, 16] {
        let mut signing = Signing::for_emulator(&emulator);
        signing.date = time::OffsetDateTime::now_utc() + time::Duration::minutes(offset);
        let reply = send_signed_with(&emulator, Method::POST, CREATE, b"{}", signing).await;
        assert_denied(&reply, "15 minutes");
    }
    for offset in [-14i64, 14] {
        let mut signing = Signing::for_emulator(&emulator);
        signing.date = time::OffsetDateTime::now_utc() + time::Duration::minutes(offset);
        let reply = send_signed_with(&emulator, Method::POST, CREATE, b"{}", signing).await;
        assert_eq!(reply.status, StatusCode::CREATED);
    }
}

#[tokio::test]
async fn advancing_the_token_clock_does_not_break_signing() {
    let emulator = start().await;
    emulator.advance_time(Duration::from_secs(3600));
    // signed with the real clock: still accepted
    assert_eq!(
        send_signed(&emulator, Method::POST, CREATE, b"{}")
            .await
            .status,
        StatusCode::CREATED
    );
    // the skew check is against the system clock, not the token clock
    let mut signing = Signing::for_emulator(&emulator);
    signing.date = emulator.now();
    let reply = send_signed_with(&emulator, Method::POST, CREATE, b"{}", signing).await;
    assert_denied(&reply, "off the server's time");
}

#[tokio::test]
async fn every_signed_header_is_required() {
    let emulator = start().await;
    for header in ["x-ms-date", "x-ms-content-sha256", "authorization"] {
        let mut signing = Signing::for_emulator(&emulator);
        signing.omit = Some(header);
        let reply = send_signed_with(&emulator, Method::POST, CREATE, b"{}", signing).await;
        assert_denied(&reply, &format!("Missing header {header}"));
    }
}

#[tokio::test]
async fn malformed_dates_and_authorization_headers_are_denied() {
    let emulator = start().await;
    let mut signing = Signing::for_emulator(&emulator);
    signing.omit = Some("x-ms-date");
    signing.extra_headers = vec![("x-ms-date", "2026-01-01T00:00:00Z".to_owned())];
    let reply = send_signed_with(&emulator, Method::POST, CREATE, b"{}", signing).await;
    assert_denied(&reply, "not an RFC 1123 date");

    for (authorization, needle) in [
        ("Basic abc", "not an HMAC-SHA256"),
        ("HMAC-SHA256 Signature=abc", "no SignedHeaders"),
        (
            "HMAC-SHA256 SignedHeaders=host;x-ms-date&Signature=abc",
            "SignedHeaders must be",
        ),
        (
            "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256",
            "no Signature",
        ),
        (
            "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=!!",
            "Signature mismatch",
        ),
    ] {
        let mut signing = Signing::for_emulator(&emulator);
        signing.omit = Some("authorization");
        signing.extra_headers = vec![("authorization", authorization.to_owned())];
        let reply = send_signed_with(&emulator, Method::POST, CREATE, b"{}", signing).await;
        assert_denied(&reply, needle);
    }
}

#[tokio::test]
async fn a_custom_access_key_is_used() {
    let key = "cHJlZGljdGFibGUta2V5LWZvci10ZXN0cw==";
    let emulator =
        acs_emulator::Emulator::start(acs_emulator::EmulatorOptions::new().access_key(key))
            .await
            .unwrap();
    assert_eq!(emulator.access_key(), key);
    assert!(emulator
        .connection_string()
        .ends_with(&format!(";accesskey={key}")));
    assert_eq!(
        send_signed(&emulator, Method::POST, CREATE, b"{}")
            .await
            .status,
        StatusCode::CREATED
    );
}

/// An x-ms-date that parses but is not a canonical IMF-fixdate (a day name
/// that is not the date's, a signed year) is a bad date, as for the service,
/// even when it is correctly signed and within the skew tolerance.
#[tokio::test]
async fn non_canonical_dates_are_denied_even_when_signed() {
    use azure_communication_common::AccessKeySigner;
    let emulator = start().await;
    let url = url(&emulator, CREATE);
    let signer = AccessKeySigner::new(emulator.access_key().to_owned()).unwrap();
    let now = time::OffsetDateTime::now_utc();
    let canonical = AccessKeySigner::format_date(now);
    let day = &canonical[..3];
    let wrong_day = canonical.replacen(day, if day == "Mon" { "Tue" } else { "Mon" }, 1);
    let signed_year = canonical.replacen(
        &format!(" {} ", now.year()),
        &format!(" +{} ", now.year()),
        1,
    );
    let hash = AccessKeySigner::content_hash(b"{}");
    let host = AccessKeySigner::signed_host(&url).unwrap();
    for x_ms_date in [wrong_day, signed_year] {
        let authorization = signer
            .sign_parts("POST", CREATE, &host, &x_ms_date, &hash)
            .unwrap();
        let headers = vec![
            ("x-ms-date", x_ms_date.clone()),
            ("x-ms-content-sha256", hash.clone()),
            ("authorization", authorization),
        ];
        let reply = send(Method::POST, url.clone(), headers, b"{}".to_vec()).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{x_ms_date:?}");
        assert_denied(&reply, "not an RFC 1123 date");
    }
}

/// The signature must be the canonical (padded) base64 the signer writes:
/// the service compares it as such, so an unpadded one is refused.
#[tokio::test]
async fn an_unpadded_signature_is_denied() {
    use azure_communication_common::AccessKeySigner;
    let emulator = start().await;
    let url = url(&emulator, CREATE);
    let signer = AccessKeySigner::new(emulator.access_key().to_owned()).unwrap();
    let signed = signer
        .sign("POST", &url, b"{}", time::OffsetDateTime::now_utc())
        .unwrap();
    assert!(signed.authorization.ends_with('='));
    let unpadded = signed.authorization.trim_end_matches('=').to_owned();
    let headers = vec![
        ("x-ms-date", signed.x_ms_date),
        ("x-ms-content-sha256", signed.x_ms_content_sha256),
        ("authorization", unpadded),
    ];
    let reply = send(Method::POST, url, headers, b"{}".to_vec()).await;
    assert_denied(&reply, "Signature");
}

/// A signed header sent twice is refused, not read from its first copy: the
/// service sees the copies joined (`a, b`), which is neither a date, a hash
/// nor an HMAC authorization.
#[tokio::test]
async fn repeated_signed_headers_are_denied() {
    for (name, extra) in [
        ("x-ms-date", "Thu, 01 Jan 2026 00:00:00 GMT"),
        (
            "x-ms-content-sha256",
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
        ),
        ("authorization", "Bearer x"),
    ] {
        let emulator = start().await;
        let mut signing = Signing::for_emulator(&emulator);
        signing.extra_headers = vec![(name, extra.to_owned())];
        let reply = send_signed_with(&emulator, Method::POST, CREATE, b"{}", signing).await;
        assert_denied(&reply, name);
    }
}
