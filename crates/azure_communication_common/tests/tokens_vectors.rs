//! parse_token against tests/data/tokens.json (loaded at test time),
//! error messages, and properties.

mod credential_support;

use azure_communication_common::{parse_token, AzureCommunicationTokenCredential};
use azure_core::time::OffsetDateTime;
use credential_support::{jwt_with_payload, vector_path};
use proptest::prelude::*;
use serde_json::Value;

fn load_vectors() -> Value {
    let path = vector_path("tokens.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("tokens.json is JSON")
}

/// Checks one case's `expected`; returns true when it ran (false: not applicable).
fn check_case(group: &str, index: usize, case: &Value) -> bool {
    let expected = case
        .get("expected")
        .unwrap_or_else(|| panic!("{group}[{index}] has no `expected`"));
    let token = case.get("token");
    if let Some(why) = expected.get("not_applicable") {
        assert!(
            token.is_some_and(Value::is_null),
            "{group}[{index}] is not_applicable ({why}) but has a token"
        );
        return false;
    }
    let token = token
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{group}[{index}] token is not a string"));
    let before = OffsetDateTime::now_utc();
    let result = parse_token(token);
    let after = OffsetDateTime::now_utc();
    if let Some(ms) = expected.get("expires_on_ms").and_then(Value::as_i64) {
        let parsed = result.unwrap_or_else(|e| panic!("{group}[{index}]: unexpected error {e}"));
        let got = (parsed.expires_on.unix_timestamp_nanos() / 1_000_000) as i64;
        assert_eq!(got, ms, "{group}[{index}] expiry");
        assert_eq!(parsed.token.secret(), token);
        // a static credential returns it unchanged, even when expired
        let credential = AzureCommunicationTokenCredential::from_token(token).unwrap();
        let from_credential = futures::executor::block_on(credential.get_token()).unwrap();
        assert_eq!(from_credential.token.secret(), token);
        assert_eq!(from_credential.expires_on, parsed.expires_on);
    } else if expected.get("opaque").and_then(Value::as_bool) == Some(true) {
        let parsed = result.unwrap_or_else(|e| panic!("{group}[{index}]: unexpected error {e}"));
        let lifetime = azure_core::time::Duration::seconds(600);
        assert!(
            parsed.expires_on >= before + lifetime && parsed.expires_on <= after + lifetime,
            "{group}[{index}] opaque token must expire 600 s from now"
        );
    } else if let Some(text) = expected.get("error").and_then(Value::as_str) {
        let error = result.expect_err(&format!("{group}[{index}] must fail"));
        assert!(
            error.to_string().contains(text),
            "{group}[{index}]: {error} should contain {text}"
        );
    } else {
        panic!("{group}[{index}]: unknown expectation {expected}");
    }
    true
}

/// Every top-level group of tokens.json, and who exercises it. A new group
/// fails the test until it is handled.
const KNOWN_GROUPS: [&str; 7] = [
    "description",
    "valid",
    "generated_token_format",
    "invalid",
    "derived_parser_edge_cases",
    "entra_exchange_responses",
    "expired_refresh_message",
];

#[tokio::test]
async fn every_token_vector() {
    let vectors = load_vectors();
    for key in vectors.as_object().expect("object").keys() {
        assert!(
            KNOWN_GROUPS.contains(&key.as_str()),
            "tokens.json has a group `{key}` that no test exercises"
        );
    }
    let mut ran = 0;
    let mut not_applicable = 0;
    let mut total = 0;
    for group in ["valid", "invalid", "derived_parser_edge_cases"] {
        let cases = vectors[group]
            .as_array()
            .unwrap_or_else(|| panic!("tokens.json has no `{group}` array"));
        assert!(!cases.is_empty(), "{group} is empty");
        for (i, case) in cases.iter().enumerate() {
            total += 1;
            if check_case(group, i, case) {
                ran += 1;
            } else {
                not_applicable += 1;
            }
        }
    }
    // the example of padded standard base64 given with the generator notes
    let example = vectors["generated_token_format"]["example_padded"]
        .as_str()
        .expect("example_padded");
    assert_eq!(
        parse_token(example).unwrap().expires_on.unix_timestamp(),
        1_700_000_000
    );
    ran += 1;
    // the expired-refresh message, as the credential reports it
    let expected_message = vectors["expired_refresh_message"]["all_sdks"]
        .as_str()
        .expect("expired_refresh_message.all_sdks");
    let credential = AzureCommunicationTokenCredential::with_refresher(
        azure_communication_common::CommunicationTokenRefreshOptions::new(|| async {
            Ok(azure_core::credentials::AccessToken::new(
                "expired-token",
                OffsetDateTime::now_utc() - azure_core::time::Duration::seconds(1),
            ))
        }),
    )
    .unwrap();
    assert_eq!(
        credential.get_token().await.unwrap_err().to_string(),
        expected_message
    );
    ran += 1;
    // Entra exchange responses belong to the Entra issue; here: present, and every
    // `expiresOn` that is a valid RFC 3339 date parses (the exchange will use it).
    let entra = vectors["entra_exchange_responses"]
        .as_array()
        .expect("entra_exchange_responses");
    let mut entra_dates = 0;
    for case in entra {
        let expires = case
            .get("expiresOn")
            .cloned()
            .or_else(|| {
                case.get("body")
                    .and_then(Value::as_str)
                    .and_then(|b| serde_json::from_str::<Value>(b).ok())
                    .and_then(|b| b["accessToken"].get("expiresOn").cloned())
            })
            .and_then(|v| v.as_str().map(str::to_owned));
        if let Some(text) = expires {
            let parsed = azure_core::time::parse_rfc3339(&text);
            if text == "invalid-date" {
                assert!(parsed.is_err());
            } else {
                let _ = parsed.unwrap_or_else(|e| panic!("expiresOn {text}: {e}"));
            }
            entra_dates += 1;
        }
    }
    assert_eq!(
        entra_dates, 4,
        "expiresOn values in entra_exchange_responses"
    );
    println!(
        "tokens.json: {ran} checks ran ({} of {total} token cases, the padded example, the expired-refresh message), {not_applicable} case not applicable; \
         {} entra cases present ({entra_dates} expiresOn values checked), left to the Entra issue",
        total - not_applicable,
        entra.len()
    );
    assert_eq!(ran + not_applicable, total + 2);
    assert_eq!(not_applicable, 1, "only the null token is not applicable");
}

#[test]
fn error_messages_say_what_and_how_without_the_token() {
    let jwt = jwt_with_payload(r#"{"exp":1700000000}"#);
    let cases = [
        (format!("Bearer {jwt}"), "Bearer"),
        (format!("bearer {jwt}"), "Bearer"),
        (
            format!(r#"{{"token":"{jwt}","expiresOn":"2030-01-01T00:00:00Z"}}"#),
            "`token` field",
        ),
        (format!("\"{jwt}\""), "quotes"),
        (format!("{jwt}\n"), "whitespace"),
        (format!(" {jwt}"), "whitespace"),
        (format!("{}.{}", &jwt[..10], "a b"), "whitespace"),
        (format!("{jwt}%3D"), "'%'"),
        (format!("{}=x", &jwt[..10]), "'='"),
        ("abc\u{e9}def".to_owned(), "U+00E9"),
        ("\u{0}".to_owned(), "U+0000"),
    ];
    for (input, needle) in cases {
        let error = parse_token(&input).expect_err(&input);
        let message = error.to_string();
        assert!(message.starts_with("Invalid token:"), "{message}");
        assert!(
            message.contains(needle),
            "{message} should mention {needle}"
        );
        assert!(
            !message.contains(&jwt),
            "message leaks the token: {message}"
        );
        assert!(
            !format!("{error:?}").contains(&jwt),
            "Debug leaks the token"
        );
        if input.len() > 12 {
            assert!(
                !message.contains(&input[..12])
                    || input.starts_with("Bearer")
                    || input.starts_with("bearer")
            );
        }
    }
    for empty in ["", " ", "\t\n", "   "] {
        assert_eq!(
            parse_token(empty).unwrap_err().to_string(),
            "Invalid token: token must not be empty."
        );
    }
}

#[test]
fn exp_edge_cases() {
    let exp = |payload: &str| parse_token(&jwt_with_payload(payload)).map(|t| t.expires_on);
    let max = time::PrimitiveDateTime::MAX.assume_utc();
    let min = time::PrimitiveDateTime::MIN.assume_utc();
    assert_eq!(exp(r#"{"exp":-100}"#).unwrap().unix_timestamp(), -100);
    assert_eq!(exp(r#"{"exp":1e400}"#).unwrap(), max);
    assert_eq!(exp(r#"{"exp":-1e400}"#).unwrap(), min);
    assert_eq!(exp(r#"{"exp":1e15}"#).unwrap(), max);
    assert_eq!(
        exp(r#"{"exp":99999999999999999999999999999999}"#).unwrap(),
        max
    );
    assert_eq!(
        exp(r#"{"exp":1.7e9}"#).unwrap().unix_timestamp(),
        1_700_000_000
    );
    assert_eq!(
        exp(r#"{"exp":1700000000.123}"#)
            .unwrap()
            .unix_timestamp_nanos(),
        1_700_000_000_123_000_000
    );
    // not numeric, or no exp: opaque (about 600 s from now)
    let now = OffsetDateTime::now_utc();
    for payload in [
        r#"{"exp":"1700000000"}"#,
        r#"{"exp":null}"#,
        r#"{"exp":true}"#,
        r#"[1]"#,
        r#"{}"#,
        "not json",
    ] {
        let t = exp(payload).unwrap();
        let d = t - now;
        assert!(
            d > azure_core::time::Duration::seconds(590)
                && d < azure_core::time::Duration::seconds(610),
            "{payload}"
        );
    }
    // nested exp does not count
    let t = exp(r#"{"x":{"exp":5}}"#).unwrap();
    assert!(t > now);
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn never_panics_on_arbitrary_input(s in ".{0,200}") {
        let _ = parse_token(&s);
    }

    #[test]
    fn never_panics_on_token68_like_input(s in "[A-Za-z0-9._~+/=-]{0,200}") {
        let _ = parse_token(&s);
    }

    #[test]
    fn never_panics_on_arbitrary_payload(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let token = format!("h.{}.s", azure_core::base64::encode_url_safe(&bytes));
        prop_assert!(parse_token(&token).is_ok());
    }

    #[test]
    fn numeric_exp_gives_that_expiry_to_the_ms(
        secs in -62_000_000_000i64..253_000_000_000i64,
        ms in 0u32..1000,
        with_fraction in any::<bool>(),
        standard in any::<bool>(),
        padded in any::<bool>(),
        space in any::<bool>(),
    ) {
        let number = if with_fraction { format!("{secs}.{ms:03}") } else { secs.to_string() };
        let payload = format!("{{\"iat\":1,\"exp\":{}{number},\"x\":\"??>\"}}", if space { " " } else { "" });
        let mut encoded = if standard {
            azure_core::base64::encode(&payload)
        } else {
            azure_core::base64::encode_url_safe(&payload)
        };
        if !padded { while encoded.ends_with('=') { encoded.pop(); } }
        else if !standard { while encoded.len() % 4 != 0 { encoded.push('='); } }
        let token = format!("eyJhbGciOiJIUzI1NiJ9.{encoded}.sig");
        let parsed = parse_token(&token).unwrap();
        let sign = if secs < 0 { -1 } else { 1 };
        let expected_ms = i128::from(secs) * 1000 + if with_fraction { sign * i128::from(ms) } else { 0 };
        prop_assert_eq!(parsed.expires_on.unix_timestamp_nanos() / 1_000_000, expected_ms);
    }

    #[test]
    fn huge_exp_saturates(mantissa in 1u32..1000, exponent in 13u32..400, negative in any::<bool>()) {
        let payload = format!("{{\"exp\":{}{mantissa}e{exponent}}}", if negative { "-" } else { "" });
        let parsed = parse_token(&jwt_with_payload(&payload)).unwrap();
        let bound = if negative { time::PrimitiveDateTime::MIN } else { time::PrimitiveDateTime::MAX };
        prop_assert_eq!(parsed.expires_on, bound.assume_utc());
    }
}
