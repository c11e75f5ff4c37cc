//! HTTPS: the emulator serves TLS with a CA of its own when asked, a client
//! trusts it through its transport, and azure_core's real
//! `BearerTokenAuthorizationPolicy` (which refuses plain HTTP) gets through.

mod common;

use acs_emulator::{Emulator, EmulatorOptions, ENTRA_API_VERSION};
use azure_core::http::policies::auth::BearerTokenAuthorizationPolicy;
use azure_core::http::policies::Policy;
use azure_core::http::{
    ClientOptions, Context, Method, Pipeline, Request, RetryOptions, StatusCode, Transport,
};
use common::API;
use std::error::Error as _;
use std::sync::Arc;

const ENTRA_SCOPE: &str = "https://communication.azure.com/clients/.default";

async fn start_tls() -> Emulator {
    Emulator::start(EmulatorOptions::new().tls(true))
        .await
        .expect("the emulator starts with TLS")
}

/// A reqwest client trusting only the emulator's CA.
fn trusting_client(emulator: &Emulator) -> reqwest::Client {
    let pem = emulator.ca_certificate_pem().expect("a CA over TLS");
    let ca = reqwest::Certificate::from_pem(pem.as_bytes()).expect("a PEM certificate");
    reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([ca])
        .build()
        .expect("a client")
}

/// A pipeline with the bearer policy for the Entra exchange scope and the
/// given reqwest client as its transport.
fn bearer_pipeline(emulator: &Emulator, client: reqwest::Client) -> Pipeline {
    let policy: Arc<dyn Policy> = Arc::new(BearerTokenAuthorizationPolicy::new(
        emulator.entra_credential(),
        [ENTRA_SCOPE],
    ));
    let options = ClientOptions {
        retry: RetryOptions::none(),
        transport: Some(Transport::new(Arc::new(client))),
        ..Default::default()
    };
    Pipeline::new(None, None, options, Vec::new(), vec![policy], None)
}

fn exchange_request(emulator: &Emulator) -> Request {
    let url = emulator
        .endpoint()
        .join(&format!(
            "/access/entra/:exchangeAccessToken?api-version={ENTRA_API_VERSION}"
        ))
        .unwrap();
    let mut request = Request::new(url, Method::Post);
    request.insert_header("content-type", "application/json");
    request.set_body("{}");
    request
}

#[tokio::test]
async fn tls_endpoint_and_ca() {
    let emulator = start_tls().await;
    assert_eq!(emulator.endpoint().scheme(), "https");
    assert_eq!(emulator.endpoint().host_str(), Some("127.0.0.1"));
    let pem = emulator.ca_certificate_pem().unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    assert!(emulator
        .connection_string()
        .starts_with("endpoint=https://127.0.0.1:"));
    // plain HTTP has no CA
    assert_eq!(common::start().await.ca_certificate_pem(), None);
}

#[tokio::test]
async fn a_client_trusting_the_ca_creates_a_user_over_https() {
    let emulator = start_tls().await;
    let client = trusting_client(&emulator);
    for host in ["127.0.0.1", "localhost"] {
        let mut url = emulator
            .endpoint()
            .join(&format!("/identities?{API}"))
            .unwrap();
        url.set_host(Some(host)).unwrap();
        let signed =
            azure_communication_common::AccessKeySigner::new(emulator.access_key().to_owned())
                .unwrap()
                .sign("POST", &url, b"{}", time::OffsetDateTime::now_utc())
                .unwrap();
        let response = client
            .post(url)
            .header("x-ms-date", signed.x_ms_date)
            .header("x-ms-content-sha256", signed.x_ms_content_sha256)
            .header("authorization", signed.authorization)
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{host}: {e:?}"));
        assert_eq!(response.status(), 201, "{host}");
        assert!(
            response.headers()["strict-transport-security"]
                .to_str()
                .unwrap()
                .starts_with("max-age="),
            "{host}"
        );
    }
}

#[tokio::test]
async fn a_client_not_trusting_the_ca_is_refused() {
    let emulator = start_tls().await;
    let other = start_tls().await;
    // trusts another emulator's CA only
    let client = trusting_client(&other);
    let error = client
        .post(emulator.endpoint().join("/identities").unwrap())
        .send()
        .await
        .unwrap_err();
    assert!(error.is_connect(), "{error:?}");
}

#[tokio::test]
async fn plain_http_gets_no_hsts() {
    let emulator = common::start().await;
    let reply = common::send_signed(
        &emulator,
        reqwest::Method::POST,
        &format!("/identities?{API}"),
        b"{}",
    )
    .await;
    assert_eq!(reply.status, 201);
    assert!(!reply.headers.contains_key("strict-transport-security"));
}

#[tokio::test]
async fn the_bearer_policy_runs_over_https() {
    let emulator = start_tls().await;
    let pipeline = bearer_pipeline(&emulator, trusting_client(&emulator));
    let response = pipeline
        .send(&Context::new(), &mut exchange_request(&emulator), None)
        .await
        .expect("the exchange succeeds over HTTPS");
    assert_eq!(response.status(), StatusCode::Ok);
    let body: serde_json::Value = response.into_body().json().unwrap();
    let token = body["accessToken"]["token"].as_str().unwrap();
    let claims = emulator.verify_acs_token(token).unwrap();
    assert_eq!(claims.user_id(), body["identity"]["id"].as_str().unwrap());
}

#[tokio::test]
async fn the_bearer_policy_refuses_plain_http() {
    // Why the emulator needs TLS: azure_core will not send a token over http.
    let emulator = common::start().await;
    let pipeline = bearer_pipeline(&emulator, common::client());
    let error = pipeline
        .send(&Context::new(), &mut exchange_request(&emulator), None)
        .await
        .unwrap_err();
    let mut chain = vec![error.to_string()];
    let mut source = error.source();
    while let Some(next) = source {
        chain.push(next.to_string());
        source = next.source();
    }
    assert!(chain.iter().any(|m| m.contains("non-TLS")), "{chain:?}");
    assert_eq!(emulator.total_request_count(), 0);
}
