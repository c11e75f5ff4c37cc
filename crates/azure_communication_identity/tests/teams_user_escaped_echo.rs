//! The Teams user's Entra token stays out of an error however the service
//! echoes it: JSON-escaped (`\u0065yJ0...`, which a JSON reader decodes to
//! the token), inside the error code, in a header, or in a success answer's
//! `expiresOn`. Found by the
//! `identity_response` fuzz target (`fuzz/regressions/identity_response/`).

mod support;

use azure_communication_identity::{CommunicationIdentityClient, CommunicationServiceError};
use azure_core::credentials::Secret;
use azure_core::error::ErrorKind;
use azure_core::http::headers::Headers;
use azure_core::http::{
    AsyncRawResponse, ClientOptions, HttpClient, Request, RetryOptions, StatusCode, Transport,
};
use std::sync::Arc;

const ENTRA_TOKEN: &str = "eyJ0eXAiOiJKV1QifQ.eyJvaWQiOiJmdXp6In0.Zm1penotZW50cmEtc2VjcmV0";

/// The token with the characters at the given positions written as `\uXXXX`.
fn escaped(positions: &[usize]) -> String {
    ENTRA_TOKEN
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if positions.contains(&i) {
                format!("\\u{:04x}", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Answers every request with `status`, `headers` and `body`.
#[derive(Debug)]
struct Answer(StatusCode, Vec<(&'static str, String)>, String);

#[async_trait::async_trait]
impl HttpClient for Answer {
    async fn execute_request(&self, _request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let mut headers = Headers::new();
        for (name, value) in &self.1 {
            headers.insert(*name, value.clone());
        }
        Ok(AsyncRawResponse::from_bytes(
            self.0,
            headers,
            self.2.clone().into_bytes(),
        ))
    }
}

fn client(
    status: StatusCode,
    headers: &[(&'static str, String)],
    body: &str,
) -> CommunicationIdentityClient {
    let options = support::with_client_options(ClientOptions {
        transport: Some(Transport::new(Arc::new(Answer(
            status,
            headers.to_vec(),
            body.to_owned(),
        )))),
        retry: RetryOptions::none(),
        ..Default::default()
    });
    CommunicationIdentityClient::from_connection_string(
        "endpoint=https://contoso.communication.azure.com/;accesskey=cHc9PQ==",
        Some(options),
    )
    .unwrap()
}

/// Exchanges the token against `client` and checks that the error shows the
/// token nowhere, decoded JSON included; returns the service error and the
/// raw body it kept.
async fn refused(client: &CommunicationIdentityClient) -> (CommunicationServiceError, String) {
    let error = client
        .get_token_for_teams_user(&Secret::new(ENTRA_TOKEN), "app", "user", None)
        .await
        .unwrap_err();
    let ErrorKind::HttpResponse {
        raw_response: Some(raw),
        error_code,
        ..
    } = error.kind()
    else {
        panic!("not a service answer: {error:?}");
    };
    let raw_body = String::from_utf8_lossy(raw.body()).into_owned();
    let service = error
        .downcast_ref::<CommunicationServiceError>()
        .expect("a service error")
        .clone();
    assert_eq!(error_code.as_deref(), service.code());
    let mut shown = vec![
        error.to_string(),
        format!("{error:?}"),
        format!("{service} {service:?}"),
        raw_body.clone(),
    ];
    for (_, value) in raw.headers().iter() {
        shown.push(value.as_str().to_owned());
    }
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(&raw_body) {
        shown.push(json.to_string());
    }
    for text in shown {
        assert!(!text.contains(ENTRA_TOKEN), "the Entra token in {text}");
    }
    (service, raw_body)
}

#[tokio::test]
async fn a_json_escaped_echo_in_the_message_is_redacted() {
    let body = format!(
        r#"{{"error":{{"code":"InvalidAccessToken","message":"The token {} is not valid.","target":"token"}}}}"#,
        escaped(&[3, 20, 63])
    );
    assert!(!body.contains(ENTRA_TOKEN));
    let (service, raw_body) = refused(&client(StatusCode::Unauthorized, &[], &body)).await;
    assert_eq!(service.code(), Some("InvalidAccessToken"));
    assert_eq!(service.message(), "The token <redacted> is not valid.");
    assert_eq!(service.target(), Some("token"));
    // The kept body is the same JSON with the token redacted.
    let kept: serde_json::Value = serde_json::from_str(&raw_body).unwrap();
    assert_eq!(
        kept["error"]["message"],
        "The token <redacted> is not valid."
    );
    assert_eq!(kept["error"]["code"], "InvalidAccessToken");
}

#[tokio::test]
async fn an_escaped_echo_anywhere_in_the_body_is_redacted() {
    // Not an ACS error body: the message is the (redacted) body itself.
    let body = format!(
        r#"{{"detail":["{}"],"{}":1}}"#,
        escaped(&[0]),
        escaped(&[5])
    );
    let (service, raw_body) = refused(&client(StatusCode::BadRequest, &[], &body)).await;
    assert_eq!(service.code(), None);
    assert!(
        service.message().contains("<redacted>"),
        "{}",
        service.message()
    );
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&raw_body).unwrap(),
        serde_json::json!({"detail": ["<redacted>"], "<redacted>": 1})
    );
}

#[tokio::test]
async fn the_fuzzers_echo_in_the_error_code_is_redacted() {
    // fuzz/regressions/identity_response/redacted-error-code: the code is the
    // token itself; the client reports it redacted, as the invariant expects.
    let body = format!(r#"{{"error":{{"code":"{ENTRA_TOKEN}","message":"m"}}}}"#);
    let (service, _) = refused(&client(StatusCode::Forbidden, &[], &body)).await;
    assert_eq!(service.code(), Some("<redacted>"));
    assert_eq!(service.message(), "m");

    let body = format!(
        r#"{{"error":{{"code":"x{}","target":"{}"}}}}"#,
        escaped(&[1]),
        escaped(&[])
    );
    let (service, _) = refused(&client(StatusCode::Forbidden, &[], &body)).await;
    assert_eq!(service.code(), Some("x<redacted>"));
    assert_eq!(service.target(), Some("<redacted>"));
}

#[tokio::test]
async fn an_echo_in_a_header_is_redacted() {
    let headers = [
        ("x-ms-error-code", format!("Bad{ENTRA_TOKEN}")),
        ("x-ms-request-id", ENTRA_TOKEN.to_owned()),
        ("x-other", format!("a {ENTRA_TOKEN} b")),
    ];
    let (service, _) = refused(&client(StatusCode::Unauthorized, &headers, "")).await;
    assert_eq!(service.code(), Some("Bad<redacted>"));
    assert_eq!(service.request_id(), Some("<redacted>"));
    assert_eq!(service.message(), "Unauthorized");
}

#[tokio::test]
async fn a_body_without_the_token_is_kept_byte_for_byte() {
    let body = "{ \"error\" : { \"code\" : \"Denied\" , \"message\" : \"no \\u0065\" } }";
    let (service, raw_body) = refused(&client(StatusCode::Forbidden, &[], body)).await;
    assert_eq!(raw_body, body);
    assert_eq!(service.message(), "no e");
}

#[tokio::test]
async fn an_echo_in_expires_on_is_not_quoted() {
    // fuzz/regressions/identity_response/entra-token-in-expires-on: a success
    // answer whose expiresOn is not a date but holds the token.
    let body = format!(r#"{{"token":"acs","expiresOn":"33{ENTRA_TOKEN}33"}}"#);
    let error = client(StatusCode::Ok, &[], &body)
        .get_token_for_teams_user(&Secret::new(ENTRA_TOKEN), "app", "user", None)
        .await
        .unwrap_err();
    assert_eq!(*error.kind(), ErrorKind::DataConversion);
    let message = error.to_string();
    let length = format!("({} characters, not shown)", ENTRA_TOKEN.len() + 4);
    assert!(message.contains(&length), "{message}");
    for text in [message, format!("{error:?}")] {
        assert!(!text.contains(ENTRA_TOKEN), "the Entra token in {text}");
    }

    // A short value, which cannot be a token, is still quoted.
    let body = r#"{"token":"acs","expiresOn":"2030-13-01T00:00:00Z"}"#;
    let error = client(StatusCode::Ok, &[], body)
        .get_token_for_teams_user(&Secret::new(ENTRA_TOKEN), "app", "user", None)
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("\"2030-13-01T00:00:00Z\""),
        "{error}"
    );
}
