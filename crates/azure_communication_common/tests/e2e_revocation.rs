//! End to end against the local ACS emulator: a user token credential whose
//! refresher gets tokens from the emulator's identity routes (through the
//! identity client), behind `CommunicationTokenCredentialPolicy`, calling
//! the emulator's Chat route, which checks the token's signature, expiry and
//! revocation as the service does. After `revoke_tokens` the next request
//! succeeds with one refresh; a burst of requests after a revocation causes
//! one refresh; the credential learns the issuer's clock skew.
//!
//! Real sockets cannot be combined with tokio's paused clock, so these tests
//! run on real time; they wait for responses, never for a guessed duration.

use acs_emulator::{Emulator, EmulatorOptions, Route};
use azure_communication_common::{
    AzureCommunicationTokenCredential, CommunicationTokenCredentialPolicy,
    CommunicationTokenRefreshOptions, CommunicationUserIdentifier,
};
use azure_communication_identity::{CommunicationIdentityClient, CommunicationTokenScope};
use azure_core::{
    http::{
        policies::Policy, ClientOptions, Context, Method, Pipeline, PipelineSendOptions, Request,
        StatusCode,
    },
    time::Duration,
};
use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

struct Setup {
    emulator: Emulator,
    client: CommunicationIdentityClient,
    user: CommunicationUserIdentifier,
    credential: AzureCommunicationTokenCredential,
    refreshes: Arc<AtomicUsize>,
    pipeline: Arc<Pipeline>,
}

/// An emulator whose clock is `issuer_ahead` ahead of this machine's, a
/// user, and a credential whose refresher issues that user chat tokens.
async fn setup(issuer_ahead: std::time::Duration) -> Setup {
    let emulator = Emulator::start(EmulatorOptions::new())
        .await
        .expect("emulator");
    emulator.advance_time(issuer_ahead);
    let client =
        CommunicationIdentityClient::from_connection_string(&emulator.connection_string(), None)
            .expect("identity client");
    let user = client.create_user(None).await.expect("user");
    let refreshes = Arc::new(AtomicUsize::new(0));
    let (c, u, r) = (client.clone(), user.clone(), refreshes.clone());
    let credential = AzureCommunicationTokenCredential::with_refresher(
        CommunicationTokenRefreshOptions::new(move || {
            r.fetch_add(1, Ordering::SeqCst);
            let (client, user) = (c.clone(), u.clone());
            async move {
                client
                    .get_token(&user, &[CommunicationTokenScope::Chat], None, None)
                    .await
            }
        }),
    )
    .expect("credential");
    let policy: Arc<dyn Policy> =
        Arc::new(CommunicationTokenCredentialPolicy::new(credential.clone()));
    let pipeline = Pipeline::new(
        Some("e2e_revocation"),
        Some("0.1.0"),
        ClientOptions::default(),
        Vec::new(),
        vec![policy],
        None,
    );
    Setup {
        emulator,
        client,
        user,
        credential,
        refreshes,
        pipeline: Arc::new(pipeline),
    }
}

/// `GET /chat/threads` through the pipeline: the status and the body.
async fn list_threads(
    pipeline: &Pipeline,
    emulator: &Emulator,
) -> azure_core::Result<(StatusCode, serde_json::Value)> {
    let url = emulator
        .endpoint()
        .join("chat/threads?api-version=2024-03-07")
        .unwrap();
    let mut request = Request::new(url, Method::Get);
    let unchecked = PipelineSendOptions {
        skip_checks: true,
        ..Default::default()
    };
    let response = pipeline
        .send(&Context::new(), &mut request, Some(unchecked))
        .await?;
    let status = response.status();
    let body = response.into_body();
    Ok((status, serde_json::from_slice(&body).unwrap_or_default()))
}

#[tokio::test]
async fn after_a_revocation_the_next_request_succeeds_with_one_refresh() {
    let s = setup(std::time::Duration::ZERO).await;
    let (status, body) = list_threads(&s.pipeline, &s.emulator).await.unwrap();
    assert_eq!(status, StatusCode::Ok);
    assert_eq!(body, serde_json::json!({ "value": [] }));
    assert_eq!(s.refreshes.load(Ordering::SeqCst), 1);
    assert_eq!(s.emulator.request_count(Route::ListChatThreads), 1);

    s.client.revoke_tokens(&s.user, None).await.unwrap();
    let (status, _) = list_threads(&s.pipeline, &s.emulator).await.unwrap();
    assert_eq!(status, StatusCode::Ok);
    assert_eq!(s.refreshes.load(Ordering::SeqCst), 2, "one refresh");
    // the rejected request and its retry
    assert_eq!(s.emulator.request_count(Route::ListChatThreads), 3);
    assert_eq!(s.emulator.request_count(Route::IssueAccessToken), 2);
    assert_eq!(s.emulator.request_count(Route::RevokeAccessTokens), 1);

    // and the new token stays in use
    let (status, _) = list_threads(&s.pipeline, &s.emulator).await.unwrap();
    assert_eq!(status, StatusCode::Ok);
    assert_eq!(s.refreshes.load(Ordering::SeqCst), 2);
    assert_eq!(s.emulator.request_count(Route::ListChatThreads), 4);
    assert_eq!(s.credential.clock_skew(), Duration::ZERO);
}

#[tokio::test]
async fn a_burst_after_a_revocation_causes_one_refresh() {
    let s = setup(std::time::Duration::ZERO).await;
    assert_eq!(
        list_threads(&s.pipeline, &s.emulator).await.unwrap().0,
        StatusCode::Ok
    );
    s.client.revoke_tokens(&s.user, None).await.unwrap();
    let emulator = Arc::new(s.emulator);
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (pipeline, emulator) = (s.pipeline.clone(), emulator.clone());
            tokio::spawn(async move { list_threads(&pipeline, &emulator).await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().0, StatusCode::Ok);
    }
    assert_eq!(s.refreshes.load(Ordering::SeqCst), 2, "one refresh for 16");
    assert_eq!(emulator.request_count(Route::IssueAccessToken), 2);
    // each request of the burst went out with the revoked token or, if it
    // started after the refresh, with the new one; a rejected one once more
    let chat = emulator.request_count(Route::ListChatThreads);
    assert!((1 + 16..=1 + 32).contains(&chat), "{chat}");
}

#[tokio::test]
async fn a_deleted_user_is_a_clear_error_not_a_loop() {
    let s = setup(std::time::Duration::ZERO).await;
    assert_eq!(
        list_threads(&s.pipeline, &s.emulator).await.unwrap().0,
        StatusCode::Ok
    );
    s.client.delete_user(&s.user, None).await.unwrap();
    let error = list_threads(&s.pipeline, &s.emulator).await.unwrap_err();
    // the whole chain: the pipeline's retry policy wraps the policy's error
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(inner) = source {
        message = format!("{message}: {inner}");
        source = inner.source();
    }
    assert!(message.contains("HTTP 401"), "{message}");
    assert_eq!(s.refreshes.load(Ordering::SeqCst), 2);
    assert_eq!(s.emulator.request_count(Route::ListChatThreads), 2);
}

#[tokio::test]
async fn the_credential_learns_the_issuers_clock_skew() {
    // the emulator's clock runs 5 minutes ahead of this machine's
    let s = setup(std::time::Duration::from_secs(300)).await;
    assert_eq!(
        list_threads(&s.pipeline, &s.emulator).await.unwrap().0,
        StatusCode::Ok
    );
    let skew = s.credential.clock_skew();
    // iat is whole seconds and the request takes a moment
    assert!(
        (skew - Duration::minutes(5)).abs() <= Duration::seconds(2),
        "{skew}"
    );
}
