//! azure_core's retry policy in the client's pipeline, against injected
//! 503s and 429s with `Retry-After`. Real time and real sockets: the only
//! timing asserted is a lower bound (a retry never comes before the service's
//! `Retry-After`).

mod support;

use acs_emulator::{FaultRule, Route};
use azure_communication_identity::{CommunicationIdentityClient, CommunicationTokenScope as Scope};
use azure_core::http::StatusCode;
use std::time::{Duration, Instant};
use support::{emulator, fixed_retry};

fn retrying_client(
    emulator: &acs_emulator::Emulator,
    max_retries: u32,
) -> CommunicationIdentityClient {
    // The policy's own delay is 1 ms: any longer wait is Retry-After's.
    CommunicationIdentityClient::from_connection_string(
        &emulator.connection_string(),
        Some(fixed_retry(1, max_retries)),
    )
    .unwrap()
}

#[tokio::test]
async fn transient_503s_are_retried_until_success() {
    let emulator = emulator().await;
    let client = retrying_client(&emulator, 3);
    emulator.inject_fault(FaultRule::status(503, 2).on(Route::CreateIdentity));
    let created = client
        .create_user_and_token(&[Scope::Chat], None, None)
        .await
        .unwrap();
    assert!(emulator
        .verify_acs_token(created.access_token.token.secret())
        .is_ok());
    assert_eq!(emulator.request_count(Route::CreateIdentity), 3);
    // The retries did not create extra users.
    assert_eq!(emulator.identity_count(), 1);
}

#[tokio::test]
async fn each_operation_is_retried() {
    let emulator = emulator().await;
    let client = retrying_client(&emulator, 2);
    let user = client.create_user(None).await.unwrap();
    emulator.inject_fault(FaultRule::status(503, 1).on(Route::IssueAccessToken));
    client
        .get_token(&user, &[Scope::VoIP], None, None)
        .await
        .unwrap();
    emulator.inject_fault(FaultRule::status(503, 1).on(Route::RevokeAccessTokens));
    client.revoke_tokens(&user, None).await.unwrap();
    emulator.inject_fault(FaultRule::status(503, 1).on(Route::DeleteIdentity));
    client.delete_user(&user, None).await.unwrap();
    for route in [
        Route::IssueAccessToken,
        Route::RevokeAccessTokens,
        Route::DeleteIdentity,
    ] {
        assert_eq!(emulator.request_count(route), 2, "{route:?}");
    }
    assert_eq!(emulator.identity_count(), 0);
}

#[tokio::test]
async fn a_429_is_retried_no_sooner_than_retry_after() {
    let emulator = emulator().await;
    let client = retrying_client(&emulator, 3);
    let user = client.create_user(None).await.unwrap();
    let retry_after = Duration::from_millis(400);
    emulator.inject_fault(FaultRule::throttle(retry_after, 1).on(Route::IssueAccessToken));
    let started = Instant::now();
    let token = client
        .get_token(&user, &[Scope::Chat], None, None)
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert!(emulator.verify_acs_token(token.token.secret()).is_ok());
    assert_eq!(emulator.request_count(Route::IssueAccessToken), 2);
    assert!(
        elapsed >= retry_after,
        "retried after {elapsed:?}, Retry-After was {retry_after:?}"
    );
}

#[tokio::test]
async fn when_retries_run_out_the_last_answer_is_the_error() {
    let emulator = emulator().await;
    let client = retrying_client(&emulator, 2);
    emulator.fail_next(5, 503);
    let error = client.create_user(None).await.unwrap_err();
    let service = support::service_error(&error);
    assert_eq!(service.status(), StatusCode::ServiceUnavailable);
    // The first try and two retries.
    assert_eq!(emulator.request_count(Route::CreateIdentity), 3);
    assert_eq!(emulator.pending_faults(), 2);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let emulator = emulator().await;
    let client = retrying_client(&emulator, 3);
    let user = client.create_user(None).await.unwrap();
    client.delete_user(&user, None).await.unwrap();
    let error = client.delete_user(&user, None).await.unwrap_err();
    assert_eq!(error.http_status(), Some(StatusCode::NotFound));
    assert_eq!(emulator.request_count(Route::DeleteIdentity), 2);
}
