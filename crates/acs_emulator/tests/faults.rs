//! Fault injection, latency and request counters over real HTTP.

mod common;

use acs_emulator::{EntraTokenSpec, FaultRule, Route};
use common::*;
use reqwest::{Method, StatusCode};
use std::time::{Duration, Instant};

const CREATE: &str = "/identities?api-version=2023-10-01";

#[tokio::test]
async fn n_failures_then_success() {
    let emulator = start().await;
    emulator.fail_next(2, 503);
    assert_eq!(emulator.pending_faults(), 2);
    for _ in 0..2 {
        let reply = send_signed(&emulator, Method::POST, CREATE, b"{}").await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(reply.code(), "ServiceUnavailable");
    }
    assert_eq!(
        send_signed(&emulator, Method::POST, CREATE, b"{}")
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(emulator.request_count(Route::CreateIdentity), 3);
    assert_eq!(emulator.pending_faults(), 0);

    emulator.fail_next(1, 500);
    let reply = send_signed(&emulator, Method::POST, CREATE, b"{}").await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.code(), "InternalServerError");
}

#[tokio::test]
async fn throttling_sends_retry_after() {
    let emulator = start().await;
    emulator.throttle_next(1, Duration::from_secs(7));
    let reply = send_signed(&emulator, Method::POST, CREATE, b"{}").await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(reply.headers["retry-after"], "7");
    assert_eq!(reply.code(), "TooManyRequests");
    assert_eq!(
        send_signed(&emulator, Method::POST, CREATE, b"{}")
            .await
            .status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn faults_can_target_one_route_and_hit_the_exchange_too() {
    let emulator = start().await;
    let id = create_user(&emulator).await;
    emulator.inject_fault(FaultRule::status(503, 1).on(Route::IssueAccessToken));
    emulator.inject_fault(
        FaultRule::throttle(Duration::from_millis(1200), 1).on(Route::ExchangeEntraToken),
    );
    // other routes are untouched
    assert_eq!(
        send_signed(&emulator, Method::POST, CREATE, b"{}")
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        issue(&emulator, &id, r#"{"scopes":["chat"]}"#).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        issue(&emulator, &id, r#"{"scopes":["chat"]}"#).await.status,
        StatusCode::OK
    );

    let entra = emulator.mint_entra_token(EntraTokenSpec::default());
    let path = "/access/entra/:exchangeAccessToken?api-version=2025-03-02-preview";
    let reply = exchange(&emulator, path, Some(&entra.token)).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(reply.headers["retry-after"], "2");
    assert_eq!(reply.headers["retry-after-ms"], "1200");
    assert_eq!(
        exchange(&emulator, path, Some(&entra.token)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn faults_answer_before_authentication() {
    let emulator = start().await;
    emulator.fail_next(1, 503);
    // unsigned, yet the injected fault answers: it models the service being down
    let reply = send(
        Method::POST,
        url(&emulator, CREATE),
        Vec::new(),
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    let reply = send(
        Method::POST,
        url(&emulator, CREATE),
        Vec::new(),
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn clear_faults_drops_the_queue_and_latency() {
    let emulator = start().await;
    emulator.fail_next(5, 503);
    emulator.set_latency(Duration::from_secs(60));
    emulator.clear_faults();
    assert_eq!(emulator.pending_faults(), 0);
    assert_eq!(
        send_signed(&emulator, Method::POST, CREATE, b"{}")
            .await
            .status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn latency_is_added_to_every_request() {
    let emulator = start().await;
    emulator.set_latency(Duration::from_millis(300));
    let started = Instant::now();
    assert_eq!(
        send_signed(&emulator, Method::POST, CREATE, b"{}")
            .await
            .status,
        StatusCode::CREATED
    );
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    emulator.set_latency(Duration::ZERO);
}

#[tokio::test]
async fn counters_count_every_arrival_per_route() {
    let emulator = start().await;
    let id = create_user(&emulator).await;
    for _ in 0..3 {
        issue(&emulator, &id, r#"{"scopes":["chat"]}"#).await;
    }
    // denied and invalid requests count too: they reached the emulator
    send(Method::POST, url(&emulator, CREATE), Vec::new(), Vec::new()).await;
    send(
        Method::GET,
        url(&emulator, "/nowhere"),
        Vec::new(),
        Vec::new(),
    )
    .await;
    assert_eq!(emulator.request_count(Route::CreateIdentity), 2);
    assert_eq!(emulator.request_count(Route::IssueAccessToken), 3);
    assert_eq!(emulator.request_count(Route::RevokeAccessTokens), 0);
    assert_eq!(emulator.request_count(Route::Unmatched), 1);
    assert_eq!(emulator.total_request_count(), 6);
    emulator.reset_request_counts();
    assert_eq!(emulator.total_request_count(), 0);
    for route in Route::ALL {
        assert_eq!(emulator.request_count(route), 0, "{route}");
    }
}

#[tokio::test]
async fn concurrent_requests_are_all_counted() {
    let emulator = start().await;
    let id = create_user(&emulator).await;
    let requests = (0..50).map(|_| issue(&emulator, &id, r#"{"scopes":["voip"]}"#));
    let replies = futures::future::join_all(requests).await;
    assert!(replies.iter().all(|reply| reply.status == StatusCode::OK));
    assert_eq!(emulator.request_count(Route::IssueAccessToken), 50);
}

/// "Fail from now on" is spelt `times = usize::MAX`; two such rules must not
/// overflow the pending count (a panic in debug builds).
#[tokio::test]
async fn pending_faults_saturate() {
    let emulator = start().await;
    emulator.fail_next(usize::MAX, 503);
    emulator.throttle_next(usize::MAX, Duration::from_secs(1));
    assert_eq!(emulator.pending_faults(), usize::MAX);
    let reply = send_signed(&emulator, Method::POST, CREATE, b"{}").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(emulator.pending_faults(), usize::MAX);
}
