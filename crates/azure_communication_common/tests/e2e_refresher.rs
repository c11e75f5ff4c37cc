//! End to end: a refreshing credential whose refresher asks the local ACS
//! emulator for tokens over real HTTP, through the access-key policy.
//!
//! These tests run on real time (real sockets cannot be combined with
//! tokio's paused clock: it auto-advances while a task waits on I/O). They
//! wait for events — a refresher call, a response — never for a guessed
//! duration; the timeouts only bound a broken run.

#[path = "../examples/support/identity_client.rs"]
mod identity_client;

use acs_emulator::{Emulator, EmulatorOptions, Route};
use azure_communication_common::{
    AzureCommunicationTokenCredential, CommunicationTokenRefreshOptions,
    CommunicationUserIdentifier,
};
use azure_core::{
    credentials::AccessToken,
    http::{ClientOptions, RetryOptions},
    time::{Duration as TimeDuration, OffsetDateTime},
};
use identity_client::IdentityClient;
use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};
use tokio::sync::mpsc;

/// Bounds a broken run; a passing run never waits this long.
const BOUND: Duration = Duration::from_secs(60);

struct Setup {
    emulator: Emulator,
    client: IdentityClient,
    user: CommunicationUserIdentifier,
}

async fn setup(token_lifetime_seconds: Option<u64>) -> Setup {
    let emulator = Emulator::start(EmulatorOptions::new())
        .await
        .expect("emulator");
    let options = ClientOptions {
        retry: RetryOptions::none(),
        ..Default::default()
    };
    let mut client =
        IdentityClient::with_options(&emulator.connection_string(), options).expect("client");
    if let Some(seconds) = token_lifetime_seconds {
        client = client.emulator_token_lifetime(seconds);
    }
    let user = client.create_user().await.expect("user");
    Setup {
        emulator,
        client,
        user,
    }
}

/// A refresher that issues a token for `user` and reports each one issued.
fn refresher(
    setup: &Setup,
    calls: Arc<AtomicUsize>,
    issued: mpsc::UnboundedSender<AccessToken>,
) -> CommunicationTokenRefreshOptions {
    let client = setup.client.clone();
    let user = setup.user.clone();
    CommunicationTokenRefreshOptions::new(move || {
        let client = client.clone();
        let user = user.clone();
        let issued = issued.clone();
        calls.fetch_add(1, Ordering::SeqCst);
        async move {
            let token = client.issue_token(&user, &["chat"]).await?;
            let _ = issued.send(token.clone());
            Ok(token)
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_refresher_gets_real_tokens_through_the_hmac_policy() {
    let setup = setup(None).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let (tx, _rx) = mpsc::unbounded_channel();
    let credential =
        AzureCommunicationTokenCredential::with_refresher(refresher(&setup, calls.clone(), tx))
            .unwrap();

    let token = credential.get_token().await.expect("token");
    let claims = setup
        .emulator
        .verify_acs_token(token.token.secret())
        .expect("an emulator-issued token");
    assert_eq!(claims.user_id(), setup.user.id());
    // The expiry the credential read from the JWT is the token's `exp`.
    assert_eq!(token.expires_on.unix_timestamp(), claims.exp);

    // Cached: no further request.
    let again = credential.get_token().await.unwrap();
    assert_eq!(again.token.secret(), token.token.secret());
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(setup.emulator.request_count(Route::IssueAccessToken), 1);
    credential.dispose();
    setup.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proactive_refresh_happens_on_real_short_lived_tokens() {
    // Tokens live 4 s: inside the 10-minute window, so each is refreshed
    // after half its remaining lifetime (about 2 s), never sooner than 1 s.
    let setup = setup(Some(4)).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let (tx, mut issued) = mpsc::unbounded_channel();
    let credential = AzureCommunicationTokenCredential::with_refresher(
        refresher(&setup, calls.clone(), tx).refresh_proactively(true),
    )
    .unwrap();

    let first = credential.get_token().await.expect("first token");
    let first_issued = issued.recv().await.unwrap();
    assert_eq!(first_issued.token.secret(), first.token.secret());

    // Nobody calls get_token: the credential refreshes by itself.
    let second = tokio::time::timeout(BOUND, issued.recv())
        .await
        .expect("a proactive refresh")
        .unwrap();
    assert_ne!(second.token.secret(), first.token.secret());
    assert!(second.expires_on >= first.expires_on);
    // It happened before the first token expired (the point of refreshing early).
    assert!(OffsetDateTime::now_utc() < first.expires_on + TimeDuration::seconds(1));
    setup
        .emulator
        .verify_acs_token(second.token.secret())
        .expect("a real token");

    // get_token now serves the proactively refreshed token without a call.
    let calls_before = calls.load(Ordering::SeqCst);
    let served = credential.get_token().await.unwrap();
    assert_eq!(served.token.secret(), second.token.secret());
    assert_eq!(calls.load(Ordering::SeqCst), calls_before);

    // And it keeps going: a third token arrives on its own.
    let third = tokio::time::timeout(BOUND, issued.recv())
        .await
        .expect("another proactive refresh")
        .unwrap();
    assert_ne!(third.token.secret(), second.token.secret());

    // After dispose no more refreshes reach the emulator.
    credential.dispose();
    let requests = setup.emulator.request_count(Route::IssueAccessToken);
    assert!(credential.get_token().await.is_err());
    assert_eq!(
        setup.emulator.request_count(Route::IssueAccessToken),
        requests
    );
    setup.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_calls_on_an_expired_credential_send_one_request() {
    let setup = setup(None).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let (tx, _rx) = mpsc::unbounded_channel();
    let expired = AccessToken::new(
        "expired-opaque-token",
        OffsetDateTime::now_utc() - TimeDuration::hours(1),
    );
    let credential = AzureCommunicationTokenCredential::with_refresher(
        refresher(&setup, calls.clone(), tx).with_initial_token(expired),
    )
    .unwrap();

    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let credential = credential.clone();
            tokio::spawn(async move { credential.get_token().await })
        })
        .collect();
    let mut tokens = Vec::with_capacity(tasks.len());
    for task in tasks {
        tokens.push(task.await.unwrap().expect("token"));
    }
    assert_eq!(setup.emulator.request_count(Route::IssueAccessToken), 1);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let first = tokens[0].token.secret().to_owned();
    assert!(tokens.iter().all(|t| t.token.secret() == first));
    setup
        .emulator
        .verify_acs_token(&first)
        .expect("a real token");
    credential.dispose();
    setup.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_error_reaches_every_waiter_and_the_next_call_retries() {
    let setup = setup(None).await;
    let calls = Arc::new(AtomicUsize::new(0));
    // The refresher waits for a permit before it calls the service, so that
    // every caller has joined the refresh before it fails.
    let permits = Arc::new(tokio::sync::Semaphore::new(0));
    let credential = {
        let client = setup.client.clone();
        let user = setup.user.clone();
        let calls = calls.clone();
        let permits = permits.clone();
        AzureCommunicationTokenCredential::with_refresher(CommunicationTokenRefreshOptions::new(
            move || {
                let client = client.clone();
                let user = user.clone();
                let permits = permits.clone();
                calls.fetch_add(1, Ordering::SeqCst);
                async move {
                    permits.acquire().await.expect("open").forget();
                    client.issue_token(&user, &["chat"]).await
                }
            },
        ))
        .unwrap()
    };
    setup.emulator.fail_next(1, 500);

    let mut waiters: Vec<_> = (0..50).map(|_| Box::pin(credential.get_token())).collect();
    for waiter in &mut waiters {
        assert!(futures::poll!(waiter.as_mut()).is_pending());
    }
    // The refresh runs as a task of its own: wait until it has called the
    // refresher (which then waits for its permit).
    tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while calls.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the refresh starts");
    assert_eq!(calls.load(Ordering::SeqCst), 1, "one refresh for all");
    permits.add_permits(1);
    let results = futures::future::join_all(waiters).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(setup.emulator.request_count(Route::IssueAccessToken), 1);
    for result in &results {
        let error = result.as_ref().expect_err("the refresh failed");
        assert!(
            error.to_string().contains("500") || format!("{error:?}").contains("500"),
            "the error says what the service answered: {error:?}"
        );
    }
    permits.add_permits(1);
    let token = credential.get_token().await.expect("the next call retries");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    setup
        .emulator
        .verify_acs_token(token.token.secret())
        .expect("a real token");
    credential.dispose();
    setup.emulator.shutdown().await;
}
