//! The emulator and the library's own auth pieces agree: its connection
//! string parses, and the library's access-key policy in a real azure_core
//! pipeline (reqwest transport, retry policy) is accepted, retried and
//! re-signed.

use acs_emulator::{Emulator, EmulatorOptions, Route};
use azure_communication_common::{CommunicationAccessKeyCredentialPolicy, ConnectionString};
use azure_core::http::policies::Policy;
use azure_core::http::{
    ClientOptions, Context, FixedRetryOptions, Method, Pipeline, Request, RetryOptions, StatusCode,
};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn pipeline(key: &str, retry: RetryOptions) -> Pipeline {
    let policy: Arc<dyn Policy> =
        Arc::new(CommunicationAccessKeyCredentialPolicy::from_access_key(key.to_owned()).unwrap());
    let options = ClientOptions {
        retry,
        ..Default::default()
    };
    Pipeline::new(
        Some("acs_emulator_tests"),
        Some("0.1.0"),
        options,
        Vec::new(),
        vec![policy],
        None,
    )
}

fn create_request(emulator: &Emulator) -> Request {
    let url = emulator
        .endpoint()
        .join("/identities?api-version=2023-10-01")
        .unwrap();
    let mut request = Request::new(url, Method::Post);
    request.insert_header("content-type", "application/json");
    request.set_body(r#"{"createTokenWithScopes":["chat"]}"#);
    request
}

#[tokio::test]
async fn the_connection_string_parses_with_the_library() {
    let emulator = Emulator::start(EmulatorOptions::new()).await.unwrap();
    let parsed: ConnectionString = emulator.connection_string().parse().unwrap();
    assert_eq!(parsed.endpoint().as_str(), emulator.endpoint().as_str());
    assert_eq!(parsed.access_key().secret(), emulator.access_key());
}

#[tokio::test]
async fn the_librarys_policy_is_accepted() {
    let emulator = Emulator::start(EmulatorOptions::new()).await.unwrap();
    let pipeline = pipeline(emulator.access_key(), RetryOptions::none());
    let response = pipeline
        .send(&Context::new(), &mut create_request(&emulator), None)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::Created);
    let body: serde_json::Value = response.into_body().json().unwrap();
    assert!(body["identity"]["id"]
        .as_str()
        .unwrap()
        .starts_with("8:acs:"));
    assert!(emulator
        .verify_acs_token(body["accessToken"]["token"].as_str().unwrap())
        .is_ok());
}

#[tokio::test]
async fn a_wrong_key_through_the_policy_gets_401_denied() {
    let emulator = Emulator::start(EmulatorOptions::new()).await.unwrap();
    let pipeline = pipeline("d3Jvbmcta2V5", RetryOptions::none());
    let error = pipeline
        .send(&Context::new(), &mut create_request(&emulator), None)
        .await
        .unwrap_err();
    let message = format!("{error:?}");
    assert!(
        message.contains("401") || message.contains("Unauthorized"),
        "{message}"
    );
    assert!(message.contains("Denied"), "{message}");
}

#[tokio::test]
async fn retries_after_503_and_429_are_re_signed_and_accepted() {
    let emulator = Emulator::start(EmulatorOptions::new()).await.unwrap();
    emulator.fail_next(1, 503);
    emulator.throttle_next(1, Duration::from_secs(1));
    let retry = RetryOptions::fixed(FixedRetryOptions {
        delay: azure_core::time::Duration::milliseconds(10),
        max_retries: 3,
        ..Default::default()
    });
    let pipeline = pipeline(emulator.access_key(), retry);
    let started = Instant::now();
    let response = pipeline
        .send(&Context::new(), &mut create_request(&emulator), None)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::Created);
    assert_eq!(emulator.request_count(Route::CreateIdentity), 3);
    // azure_core waited for the 429's Retry-After
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}
