//! Bearer authentication on the identity routes: Entra tokens of the
//! emulator's test issuer for `https://communication.azure.com` work on every
//! identity route, next to access keys, through azure_core's real
//! `BearerTokenAuthorizationPolicy` over HTTPS.

mod common;

use acs_emulator::{Emulator, EmulatorOptions, EntraTokenSpec};
use azure_core::http::policies::auth::BearerTokenAuthorizationPolicy;
use azure_core::http::policies::Policy;
use azure_core::http::{
    ClientOptions, Context, Method, Pipeline, Request, RetryOptions, StatusCode, Transport,
};
use common::{encode, send_bearer, API};
use std::sync::Arc;
use std::time::Duration;

/// The scope the Communication Services SDKs ask Entra for.
const SCOPE: &str = "https://communication.azure.com//.default";

async fn send(
    pipeline: &Pipeline,
    emulator: &Emulator,
    method: Method,
    path: &str,
    body: &str,
) -> (StatusCode, serde_json::Value) {
    let url = emulator.endpoint().join(path).unwrap();
    let mut request = Request::new(url, method);
    request.insert_header("content-type", "application/json");
    request.set_body(body.to_owned());
    let response = pipeline
        .send(&Context::new(), &mut request, None)
        .await
        .expect("answered");
    let status = response.status();
    let body = response.into_body().into_string().unwrap();
    let json = if body.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(&body).unwrap()
    };
    (status, json)
}

#[tokio::test]
async fn every_identity_route_accepts_the_bearer_policy_over_https() {
    let emulator = Emulator::start(EmulatorOptions::new().tls(true))
        .await
        .unwrap();
    let ca =
        reqwest::Certificate::from_pem(emulator.ca_certificate_pem().unwrap().as_bytes()).unwrap();
    let client = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([ca])
        .build()
        .unwrap();
    let credential = emulator.entra_credential();
    let policy: Arc<dyn Policy> = Arc::new(BearerTokenAuthorizationPolicy::new(
        credential.clone(),
        [SCOPE],
    ));
    let options = ClientOptions {
        retry: RetryOptions::none(),
        transport: Some(Transport::new(Arc::new(client))),
        ..Default::default()
    };
    let pipeline = Pipeline::new(None, None, options, Vec::new(), vec![policy], None);

    let (status, created) = send(
        &pipeline,
        &emulator,
        Method::Post,
        &format!("/identities?{API}"),
        r#"{"createTokenWithScopes":["chat"]}"#,
    )
    .await;
    assert_eq!(status, StatusCode::Created, "{created}");
    let id = created["identity"]["id"].as_str().unwrap().to_owned();
    let first = created["accessToken"]["token"].as_str().unwrap().to_owned();
    assert!(emulator.verify_acs_token(&first).is_ok());

    let (status, issued) = send(
        &pipeline,
        &emulator,
        Method::Post,
        &format!("/identities/{}/:issueAccessToken?{API}", encode(&id)),
        r#"{"scopes":["voip"]}"#,
    )
    .await;
    assert_eq!(status, StatusCode::Ok, "{issued}");
    let claims = emulator
        .verify_acs_token(issued["token"].as_str().unwrap())
        .unwrap();
    assert_eq!(claims.scopes(), ["voip"]);

    let (status, _) = send(
        &pipeline,
        &emulator,
        Method::Post,
        &format!("/identities/{}/:revokeAccessTokens?{API}", encode(&id)),
        "",
    )
    .await;
    assert_eq!(status, StatusCode::NoContent);
    assert!(emulator.verify_acs_token(&first).is_err());

    let (status, _) = send(
        &pipeline,
        &emulator,
        Method::Delete,
        &format!("/identities/{}?{API}", encode(&id)),
        "",
    )
    .await;
    assert_eq!(status, StatusCode::NoContent);
    assert_eq!(emulator.identity_count(), 0);
    // the policy caches its token: one mint for four requests
    assert_eq!(credential.calls(), 1);
}

#[tokio::test]
async fn tokens_for_another_audience_or_expired_are_refused() {
    let emulator = common::start().await;
    let path = format!("/identities?{API}");
    let teams = emulator.mint_entra_token(EntraTokenSpec::new([
        "https://auth.msft.communication.azure.com/Teams.ManageCalls",
    ]));
    let reply = send_bearer(&emulator, reqwest::Method::POST, &path, &teams.token, b"{}").await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.code(), "InvalidAccessToken");
    assert!(
        reply
            .message()
            .contains("auth.msft.communication.azure.com"),
        "{}",
        reply.message()
    );

    let expiring =
        emulator.mint_entra_token(EntraTokenSpec::new([SCOPE]).expires_in(Duration::from_secs(60)));
    let reply = send_bearer(
        &emulator,
        reqwest::Method::POST,
        &path,
        &expiring.token,
        b"{}",
    )
    .await;
    assert_eq!(reply.status, 201);
    emulator.advance_time(Duration::from_secs(61));
    let reply = send_bearer(
        &emulator,
        reqwest::Method::POST,
        &path,
        &expiring.token,
        b"{}",
    )
    .await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.code(), "InvalidAccessToken");
    assert!(reply.message().contains("expired"), "{}", reply.message());

    let reply = send_bearer(
        &emulator,
        reqwest::Method::POST,
        &path,
        "not.a.token",
        b"{}",
    )
    .await;
    assert_eq!(reply.status, 401);
    // an ACS token is no Entra token
    let user = emulator.create_user();
    let acs = emulator
        .issue_token(&user, &["chat"], Duration::from_secs(600))
        .unwrap();
    let reply = send_bearer(&emulator, reqwest::Method::POST, &path, &acs.token, b"{}").await;
    assert_eq!(reply.status, 401);
    assert_eq!(emulator.identity_count(), 2);
}

#[tokio::test]
async fn another_emulators_entra_token_is_refused() {
    let emulator = common::start().await;
    let other = common::start().await;
    let token = other.mint_entra_token(EntraTokenSpec::new([SCOPE]));
    let reply = send_bearer(
        &emulator,
        reqwest::Method::POST,
        &format!("/identities?{API}"),
        &token.token,
        b"{}",
    )
    .await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.code(), "InvalidAccessToken");
}
