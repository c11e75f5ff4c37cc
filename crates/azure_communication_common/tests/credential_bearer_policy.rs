//! The credential behind azure_core's `BearerTokenAuthorizationPolicy`, in a
//! real `Pipeline` with a mock transport, counting refresher calls and the
//! policy's calls into the credential.
//!
//! The policy asks its credential for a new token at every request once its
//! cached token is within 5 minutes of expiry (and takes its write lock to
//! do so). Through `TokenCredential` the credential therefore refreshes on
//! demand from 5 minutes before expiry (the inherent `get_token` keeps 2), so
//! one refresh ends those calls instead of handing the same token back at
//! every request.
//!
//! The policy reads the real wall clock; the credential reads a clock that
//! starts at the real time now and then follows tokio's paused clock. Each
//! case places "now" at a point of a token's life by choosing how long the
//! token has left, and keeps every margin far above the real time a test takes.

mod credential_support;

use azure_communication_common::{
    AzureCommunicationTokenCredential, CommunicationTokenRefreshOptions,
};
use azure_core::{
    credentials::{AccessToken, TokenCredential, TokenRequestOptions},
    http::{
        headers::{Headers, AUTHORIZATION},
        policies::{auth::BearerTokenAuthorizationPolicy, Policy},
        AsyncRawResponse, ClientOptions, Context, HttpClient, Method, Pipeline, Request,
        RetryOptions, StatusCode, Transport,
    },
    time::{Duration, OffsetDateTime},
    Bytes,
};
use credential_support::TokioClock;
use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc, Mutex,
};

/// A transport that records the `Authorization` header of every request.
#[derive(Debug, Default)]
struct RecordingTransport {
    seen: Mutex<Vec<String>>,
}

#[async_trait::async_trait]
impl HttpClient for RecordingTransport {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let header = request.headers().get_str(&AUTHORIZATION)?.to_owned();
        self.seen.lock().unwrap().push(header);
        Ok(AsyncRawResponse::from_bytes(
            StatusCode::Ok,
            Headers::new(),
            Bytes::new(),
        ))
    }
}

/// Counts the policy's calls into the credential.
#[derive(Debug)]
struct Counting {
    inner: AzureCommunicationTokenCredential,
    calls: AtomicUsize,
}

#[async_trait::async_trait]
impl TokenCredential for Counting {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        TokenCredential::get_token(&self.inner, scopes, options).await
    }
}

struct Setup {
    credential: AzureCommunicationTokenCredential,
    counting: Arc<Counting>,
    refreshes: Arc<AtomicUsize>,
    transport: Arc<RecordingTransport>,
    pipeline: Pipeline,
}

/// A credential whose initial token has `left` of its life left, and whose
/// refresher issues `token-{n}` tokens living `lifetime`, behind a pipeline
/// with the bearer policy.
fn setup(left: Option<Duration>, lifetime: Duration) -> Setup {
    let clock = TokioClock::starting_at(OffsetDateTime::now_utc());
    let refreshes = Arc::new(AtomicUsize::new(0));
    let (r, c) = (refreshes.clone(), clock.clone());
    let mut options = CommunicationTokenRefreshOptions::new(move || {
        let n = r.fetch_add(1, Ordering::SeqCst);
        let expires = azure_communication_common::TokenClock::now_utc(c.as_ref()) + lifetime;
        async move { Ok(AccessToken::new(format!("token-{n}"), expires)) }
    })
    .with_clock(clock.clone());
    if let Some(left) = left {
        let now = azure_communication_common::TokenClock::now_utc(clock.as_ref());
        options = options.with_initial_token(AccessToken::new("initial", now + left));
    }
    let credential = AzureCommunicationTokenCredential::with_refresher(options).unwrap();
    let counting = Arc::new(Counting {
        inner: credential.clone(),
        calls: AtomicUsize::new(0),
    });
    let transport = Arc::new(RecordingTransport::default());
    let options = ClientOptions {
        transport: Some(Transport::new(transport.clone())),
        retry: RetryOptions::none(),
        ..Default::default()
    };
    let auth: Arc<dyn Policy> = Arc::new(BearerTokenAuthorizationPolicy::new(
        counting.clone(),
        ["https://communication.azure.com//.default"],
    ));
    let pipeline = Pipeline::new(
        Some("test"),
        Some("0.1.0"),
        options,
        Vec::new(),
        vec![auth],
        None,
    );
    Setup {
        credential,
        counting,
        refreshes,
        transport,
        pipeline,
    }
}

impl Setup {
    /// Sends `n` requests, `gap` of virtual time apart.
    async fn send(&self, n: usize, gap: std::time::Duration) {
        for _ in 0..n {
            let mut request = Request::new(
                "https://contoso.communication.azure.com/chat/threads?api-version=2024-03-07"
                    .parse()
                    .unwrap(),
                Method::Get,
            );
            let response = self
                .pipeline
                .send(&Context::new(), &mut request, None)
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::Ok);
            tokio::time::sleep(gap).await;
        }
    }

    fn refreshes(&self) -> usize {
        self.refreshes.load(Ordering::SeqCst)
    }

    fn policy_calls(&self) -> usize {
        self.counting.calls.load(Ordering::SeqCst)
    }

    fn seen(&self) -> Vec<String> {
        self.transport.seen.lock().unwrap().clone()
    }
}

const SECOND: std::time::Duration = std::time::Duration::from_secs(1);

#[tokio::test(start_paused = true)]
async fn inside_the_policys_five_minutes_one_refresh_ends_the_policys_calls() {
    // 4 minutes left: outside the inherent 2-minute window, inside the policy's 5
    let setup = setup(Some(Duration::minutes(4)), Duration::hours(1));
    assert_eq!(
        setup.credential.get_token().await.unwrap().token.secret(),
        "initial",
        "the inherent get_token keeps its 2-minute window"
    );
    setup.send(50, SECOND).await;
    assert_eq!(setup.refreshes(), 1, "one refresh");
    assert_eq!(
        setup.policy_calls(),
        1,
        "the policy cached the fresh token and stopped asking"
    );
    let seen = setup.seen();
    assert_eq!(seen.len(), 50);
    assert!(seen.iter().all(|h| h == "Bearer token-0"), "{seen:?}");
}

#[tokio::test(start_paused = true)]
async fn refresher_calls_at_each_point_of_a_tokens_life() {
    // (time left on the token, refresher calls over 20 requests a second apart)
    let cases = [
        (Duration::hours(1), 0),
        (Duration::minutes(11), 0),
        (Duration::minutes(6), 0),
        (Duration::minutes(4), 1),
        (Duration::minutes(3), 1),
        (Duration::seconds(90), 1),
        (Duration::seconds(10), 1),
    ];
    for (left, expected) in cases {
        let setup = setup(Some(left), Duration::hours(1));
        setup.send(20, SECOND).await;
        assert_eq!(setup.refreshes(), expected, "{left} left");
        assert_eq!(
            setup.policy_calls(),
            1,
            "{left} left: the policy asked once"
        );
        let expected_header = if expected == 0 {
            "Bearer initial"
        } else {
            "Bearer token-0"
        };
        assert!(
            setup.seen().iter().all(|h| h == expected_header),
            "{left} left: {:?}",
            setup.seen()
        );
    }
    // no initial token: the first request refreshes, the rest use its token
    let setup = setup(None, Duration::hours(1));
    setup.send(20, SECOND).await;
    assert_eq!((setup.refreshes(), setup.policy_calls()), (1, 1));
}

#[tokio::test(start_paused = true)]
async fn tokens_shorter_than_the_policys_window_refresh_at_most_once_a_second() {
    // every token the refresher issues lives 4 minutes: the policy asks at
    // every request; the credential refreshes at most once a second
    let setup = setup(None, Duration::minutes(4));
    setup.send(100, SECOND / 10).await;
    assert_eq!(setup.policy_calls(), 100);
    assert_eq!(
        setup.refreshes(),
        10,
        "10 s of requests, one refresh a second"
    );
}
