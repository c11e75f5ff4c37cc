//! Every case of `tests/data/hmac.json`, loaded at test time.
//!
//! The official known answers must match byte for byte; the derived
//! cross-SDK cases must match their `expected` values (SPEC 3: sign exactly
//! the path and query that go on the wire, `/` for an empty path, host with a
//! non-default port, method upper-cased, UTF-8).

use azure_communication_common::AccessKeySigner;
use azure_core::http::Url;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/hmac.json");

const DERIVED_DATE: &str = "Wed, 13 Apr 2022 18:09:12 GMT";

fn load() -> Value {
    let text = std::fs::read_to_string(VECTORS)
        .unwrap_or_else(|e| panic!("cannot read the HMAC vectors at {VECTORS}: {e}"));
    serde_json::from_str(&text).expect("hmac.json is valid JSON")
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("vector field {key:?} missing or not a string in {v}"))
}

fn cases<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    let cases = v[key]
        .as_array()
        .unwrap_or_else(|| panic!("vector section {key:?} missing"));
    assert!(!cases.is_empty(), "vector section {key:?} is empty");
    cases
}

/// The date the official answers were made with: `date_utc` when present,
/// otherwise parsed back from `x_ms_date`.
fn date_of(case: &Value) -> OffsetDateTime {
    match case["date_utc"].as_str() {
        Some(utc) => OffsetDateTime::parse(utc, &Rfc3339).expect("date_utc is RFC 3339"),
        None => azure_core::time::parse_rfc7231(s(case, "x_ms_date")).expect("x_ms_date"),
    }
}

/// The signer driven like a caller would: method, URL, body bytes, date.
fn check_request(
    id: &str,
    key: &str,
    method: &str,
    url: &str,
    body: &str,
    date: OffsetDateTime,
    expected: &Value,
) {
    let signer = AccessKeySigner::new(key.to_owned()).expect("vector key is valid");
    let url = Url::parse(url).expect("vector url parses");
    let headers = signer
        .sign(method, &url, body.as_bytes(), date)
        .unwrap_or_else(|e| panic!("{id}: sign failed: {e}"));
    assert_eq!(headers.authorization, s(expected, "authorization"), "{id}");
    assert_eq!(headers.host, s(expected, "host"), "{id}: host");
    assert_eq!(
        AccessKeySigner::signed_path_and_query(&url),
        s(expected, "pathAndQuery"),
        "{id}: path and query"
    );
    if let Some(sha) = expected["x_ms_content_sha256"].as_str() {
        assert_eq!(headers.x_ms_content_sha256, sha, "{id}: content hash");
    } else {
        assert_eq!(
            headers.x_ms_content_sha256,
            AccessKeySigner::content_hash(body.as_bytes()),
            "{id}"
        );
    }
    if let Some(date) = expected["x_ms_date"].as_str() {
        assert_eq!(headers.x_ms_date, date, "{id}: x-ms-date");
    }
    // The verifier path (raw strings as received) agrees with `sign`.
    let auth = signer
        .sign_parts(
            method,
            s(expected, "pathAndQuery"),
            s(expected, "host"),
            &headers.x_ms_date,
            &headers.x_ms_content_sha256,
        )
        .unwrap();
    assert_eq!(auth, headers.authorization, "{id}: sign_parts");
    signer
        .verify(
            method,
            s(expected, "pathAndQuery"),
            s(expected, "host"),
            &headers.x_ms_date,
            &headers.x_ms_content_sha256,
            &headers.authorization,
        )
        .unwrap_or_else(|e| panic!("{id}: verify: {e}"));
}

#[test]
fn all_hmac_vectors() {
    let v = load();
    let mut ran = 0usize;
    let mut skipped: Vec<String> = Vec::new();

    // Official end-to-end known answers.
    for case in cases(&v, "known_answer_official") {
        let id = s(case, "id");
        if case.get("authorization").is_none() {
            // Format-only case: the official test asserts only a non-empty,
            // well-formed header; its exact value is pinned by the derived
            // case named in the note (checked below).
            let note = s(case, "note");
            let derived = note
                .split_whitespace()
                .find_map(|w| w.strip_prefix("derived."))
                .unwrap_or_else(|| panic!("{id}: format-only case names no derived case"));
            let found = cases(&v["derived_cross_sdk"], "cases")
                .iter()
                .any(|c| s(c, "id") == derived && s(c, "url") == s(case, "url"));
            assert!(found, "{id}: derived case {derived} not found");
            let signer = AccessKeySigner::new(s(case, "key").to_owned()).unwrap();
            let headers = signer
                .sign(
                    s(case, "method"),
                    &Url::parse(s(case, "url")).unwrap(),
                    b"",
                    OffsetDateTime::now_utc(),
                )
                .unwrap();
            assert!(headers
                .authorization
                .starts_with(AccessKeySigner::AUTHORIZATION_PREFIX));
            assert_eq!(
                headers.authorization.len(),
                AccessKeySigner::AUTHORIZATION_PREFIX.len() + 44
            );
            ran += 1;
            continue;
        }
        check_request(
            id,
            s(case, "key"),
            s(case, "method"),
            s(case, "url"),
            s(case, "body"),
            date_of(case),
            case,
        );
        ran += 1;
    }

    // HMAC primitive.
    for case in cases(&v, "hmac_primitive_official") {
        let signer = AccessKeySigner::new(s(case, "key").to_owned()).unwrap();
        let message = s(case, "message");
        if let Some(hex) = case["message_utf8_hex"].as_str() {
            let bytes: Vec<u8> = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect();
            assert_eq!(bytes, message.as_bytes(), "message is UTF-8 encoded");
        }
        assert_eq!(
            signer.signature(message.as_bytes()),
            s(case, "hmac_sha256_base64"),
            "hmac({message:?})"
        );
        ran += 1;
    }

    // Content hash.
    for case in cases(&v, "content_hash_official") {
        let body = s(case, "body");
        assert_eq!(
            AccessKeySigner::content_hash(body.as_bytes()),
            s(case, "sha256_base64"),
            "sha256({body:?})"
        );
        if body.is_empty() {
            assert_eq!(
                AccessKeySigner::EMPTY_CONTENT_HASH,
                s(case, "sha256_base64")
            );
        }
        ran += 1;
    }

    // Date format.
    for case in cases(&v, "date_format_official") {
        let utc = OffsetDateTime::parse(s(case, "utc"), &Rfc3339).unwrap();
        assert_eq!(AccessKeySigner::format_date(utc), s(case, "x_ms_date"));
        // Also with a non-UTC offset: still formatted in GMT.
        let shifted = utc.to_offset(time::UtcOffset::from_hms(-5, 0, 0).unwrap());
        assert_eq!(AccessKeySigner::format_date(shifted), s(case, "x_ms_date"));
        ran += 1;
    }

    // Format-only official cases (.NET and Java): the key is valid base64, the
    // requests sign, and the headers have the documented shape.
    for case in cases(&v, "format_only_official") {
        let sdk = s(case, "sdk");
        let signer = AccessKeySigner::new(s(case, "key").to_owned())
            .unwrap_or_else(|e| panic!("{sdk}: key: {e}"));
        let now = OffsetDateTime::now_utc();
        let mut requests: Vec<(String, String, String)> = vec![(
            "GET".into(),
            "https://localhost?id=b93a5ef4-f622-44d8-a80b-ff983122554e".into(),
            String::new(),
        )];
        if let Some(list) = case["requests"].as_array() {
            assert!(!list.is_empty());
            let id_url = "https://localhost?id=b93a5ef4-f622-44d8-a80b-ff983122554e";
            requests.push((
                "POST".into(),
                id_url.into(),
                r#"{"propName":"name", "propValue": "value"}"#.into(),
            ));
            requests.push((
                "POST".into(),
                "https://localhost:443?id=b93a5ef4-f622-44d8-a80b-ff983122554e".into(),
                String::new(),
            ));
            for m in ["PATCH", "PUT", "DELETE"] {
                requests.push((m.into(), id_url.into(), "x".into()));
            }
            requests.push(("POST".into(), id_url.into(), "banana".into()));
            requests.push(("POST".into(), id_url.into(), "😀".into()));
        }
        for (method, url, body) in &requests {
            let url = Url::parse(url).unwrap();
            let h = signer.sign(method, &url, body.as_bytes(), now).unwrap();
            assert!(h
                .authorization
                .starts_with(AccessKeySigner::AUTHORIZATION_PREFIX));
            assert_eq!(h.host, "localhost", "{sdk}: default port is not signed");
            assert_eq!(
                azure_core::time::parse_rfc7231(&h.x_ms_date)
                    .unwrap()
                    .unix_timestamp(),
                now.unix_timestamp()
            );
            assert_eq!(
                h.x_ms_content_sha256,
                AccessKeySigner::content_hash(body.as_bytes())
            );
            match body.as_str() {
                "" => assert_eq!(h.x_ms_content_sha256, AccessKeySigner::EMPTY_CONTENT_HASH),
                "banana" => assert_eq!(
                    h.x_ms_content_sha256,
                    "tJPUg2Sv5E0RwBZc9HCkFk0eJgmRHvmYvoaNRq3j3k4="
                ),
                "😀" => assert_eq!(
                    h.x_ms_content_sha256,
                    "8EQ6NCxe9UeDoRG1G6Vsk45HTDIyTZDDpgycjjo34tk="
                ),
                _ => {}
            }
        }
        ran += 1;
    }

    // Derived cross-SDK cases: `expected` is what this crate must produce.
    let derived = &v["derived_cross_sdk"];
    let derived_date = azure_core::time::parse_rfc7231(DERIVED_DATE).unwrap();
    assert!(
        s(derived, "description").contains(DERIVED_DATE),
        "derived cases are documented as signed at {DERIVED_DATE}"
    );
    for case in cases(derived, "cases") {
        let id = s(case, "id");
        let expected = &case["expected"];
        if expected.is_null() {
            skipped.push(id.to_owned());
            continue;
        }
        check_request(
            id,
            "pw==",
            s(case, "method"),
            s(case, "url"),
            s(case, "body"),
            derived_date,
            expected,
        );
        ran += 1;
    }

    let total: usize = [
        "known_answer_official",
        "hmac_primitive_official",
        "content_hash_official",
        "date_format_official",
        "format_only_official",
    ]
    .iter()
    .map(|k| cases(&v, k).len())
    .sum::<usize>()
        + cases(derived, "cases").len();
    println!("hmac.json: ran {ran} of {total} cases");
    assert!(skipped.is_empty(), "skipped vector cases: {skipped:?}");
    assert_eq!(ran, total, "every vector case must run");
}
