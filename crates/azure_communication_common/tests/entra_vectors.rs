//! Every case of `entra_exchange_responses` in the shared vectors
//! (`tests/data/tokens.json`), run through `with_entra` and a mock
//! transport. A case this file does not know how to run fails the test.

mod entra_support;

use azure_communication_common::{
    AzureCommunicationTokenCredential, EntraCommunicationTokenCredentialOptions,
};
use azure_core::{
    error::ErrorKind,
    http::{FixedRetryOptions, RetryOptions, StatusCode},
    time::{Duration, OffsetDateTime},
};
use entra_support::{MockEntra, MockTransport, Reply};
use serde_json::Value;
use std::sync::Arc;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/tokens.json");

/// What to substitute for a `%s` token placeholder.
const SUBSTITUTED_TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjIwNDM1Nzc2MDB9.c2ln";

fn credential(
    transport: &Arc<MockTransport>,
    retry: RetryOptions,
) -> AzureCommunicationTokenCredential {
    AzureCommunicationTokenCredential::with_entra(
        EntraCommunicationTokenCredentialOptions::new(
            "https://contoso.communication.azure.com/",
            MockEntra::new(),
        )
        .with_client_options(transport.options_with_retry(retry)),
    )
    .unwrap()
}

fn rfc3339(text: &str) -> OffsetDateTime {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).unwrap()
}

/// Runs one case; returns a description of what was checked.
async fn run(case: &Value) -> Result<String, String> {
    let status = case.get("status").and_then(Value::as_u64);
    let body = case.get("body").and_then(Value::as_str);
    match (status, body) {
        // A success answer: the token and expiry are read from it.
        (Some(200), Some(body)) if body.contains("\"accessToken\"") => {
            let body = body.replace("%s", SUBSTITUTED_TOKEN);
            let parsed: Value = serde_json::from_str(&body).map_err(|e| e.to_string())?;
            let expected_token = parsed["accessToken"]["token"].as_str().unwrap().to_owned();
            let expected_expiry = rfc3339(parsed["accessToken"]["expiresOn"].as_str().unwrap());
            if let Some(expected) = case.get("expected") {
                // The vector's own expectations (expiresOn carries a note after a space).
                assert_eq!(expected["token"].as_str(), Some(expected_token.as_str()));
                let text = expected["expiresOn"].as_str().unwrap();
                let date = text.split(' ').next().unwrap();
                assert_eq!(rfc3339(date), expected_expiry);
            }
            let transport = MockTransport::always(Reply::json(200, body));
            let token = credential(&transport, RetryOptions::none())
                .get_token()
                .await
                .map_err(|e| e.to_string())?;
            assert_eq!(token.token.secret(), expected_token);
            assert_eq!(token.expires_on, expected_expiry);
            Ok(format!("200 → token, expires {expected_expiry}"))
        }
        // A 200 whose body is not an exchange answer.
        (Some(200), Some(body)) => {
            let transport = MockTransport::always(Reply::json(200, body));
            let error = credential(&transport, RetryOptions::none())
                .get_token()
                .await
                .unwrap_err();
            assert_eq!(*error.kind(), ErrorKind::DataConversion, "{error}");
            assert!(error.to_string().contains("no accessToken"), "{error}");
            Ok("200 without accessToken → DataConversion error".into())
        }
        // An ACS error answer.
        (Some(status), Some(body)) => {
            let detail: Value = serde_json::from_str(body).map_err(|e| e.to_string())?;
            let code = detail["error"]["code"].as_str().unwrap();
            let message = detail["error"]["message"].as_str().unwrap();
            let transport = MockTransport::always(Reply::json(status as u16, body));
            let error = credential(&transport, RetryOptions::none())
                .get_token()
                .await
                .unwrap_err();
            match error.kind() {
                ErrorKind::HttpResponse {
                    status: s,
                    error_code,
                    ..
                } => {
                    assert_eq!(u16::from(*s), status as u16);
                    assert_eq!(error_code.as_deref(), Some(code));
                }
                other => return Err(format!("unexpected kind {other:?}")),
            }
            assert_eq!(
                error.to_string(),
                format!(
                    "Failed to exchange the Entra ID token for an ACS token: HTTP {status} {code}: {message}"
                )
            );
            Ok(format!("{status} → HttpResponse {code}"))
        }
        // A 500 with default-like retries: 1 + 3 attempts, the last status surfaces.
        (Some(500), None) => {
            let transport = MockTransport::always(Reply::json(500, ""));
            let error = credential(
                &transport,
                RetryOptions::fixed(FixedRetryOptions {
                    delay: Duration::milliseconds(1),
                    max_retries: 3,
                    ..Default::default()
                }),
            )
            .get_token()
            .await
            .unwrap_err();
            match error.kind() {
                ErrorKind::HttpResponse { status, .. } => {
                    assert_eq!(*status, StatusCode::InternalServerError)
                }
                other => return Err(format!("unexpected kind {other:?}")),
            }
            assert_eq!(transport.count(), 4);
            Ok("500 → 4 attempts with 3 retries, then HttpResponse 500".into())
        }
        // expiresOn formats.
        (None, None) if case.get("expiresOn").is_some() => {
            let expires_on = &case["expiresOn"];
            let body = serde_json::json!({
                "identity": {"id": "8:acs:x"},
                "accessToken": {"token": SUBSTITUTED_TOKEN, "expiresOn": expires_on},
            })
            .to_string();
            let transport = MockTransport::always(Reply::json(200, body));
            let result = credential(&transport, RetryOptions::none())
                .get_token()
                .await;
            match expires_on.as_str() {
                Some(text)
                    if time::OffsetDateTime::parse(
                        text,
                        &time::format_description::well_known::Rfc3339,
                    )
                    .is_ok() =>
                {
                    let token = result.map_err(|e| e.to_string())?;
                    assert_eq!(token.expires_on, rfc3339(text));
                    Ok(format!("expiresOn {text} → parsed"))
                }
                Some(text) => {
                    let error = result.unwrap_err();
                    assert!(
                        error.to_string().contains("is not an RFC 3339 date-time"),
                        "{error}"
                    );
                    Ok(format!("expiresOn {text} → error"))
                }
                None => {
                    let error = result.unwrap_err();
                    assert!(
                        error.to_string().contains("no accessToken.expiresOn"),
                        "{error}"
                    );
                    Ok("expiresOn null → error".into())
                }
            }
        }
        _ => Err(format!("don't know how to run case {case}")),
    }
}

#[tokio::test]
async fn every_entra_exchange_vector() {
    let text = std::fs::read_to_string(VECTORS).expect("tests/data/tokens.json present");
    let vectors: Value = serde_json::from_str(&text).unwrap();
    let cases = vectors["entra_exchange_responses"]
        .as_array()
        .expect("entra_exchange_responses is a list");
    assert!(!cases.is_empty());
    let mut ran = 0;
    for (i, case) in cases.iter().enumerate() {
        match run(case).await {
            Ok(what) => {
                ran += 1;
                println!("case {i}: {what}");
            }
            Err(why) => panic!("case {i} not run: {why}"),
        }
    }
    assert_eq!(ran, cases.len(), "every case must run");
    println!(
        "entra_exchange_responses: {ran} of {} cases ran",
        cases.len()
    );
}

/// No other section of the vectors mentions the Entra exchange without this
/// file running it.
#[test]
fn no_other_entra_section() {
    let text = std::fs::read_to_string(VECTORS).expect("tests/data/tokens.json present");
    let vectors: Value = serde_json::from_str(&text).unwrap();
    let sections: Vec<&String> = vectors
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| k.to_ascii_lowercase().contains("entra"))
        .collect();
    assert_eq!(sections, ["entra_exchange_responses"]);
}
