//! `CommunicationTokenCredentialPolicy` in a real azure_core `Pipeline` with
//! a mock service that rejects revoked tokens with 401 (virtual time).

mod credential_support;

use azure_communication_common::{
    AzureCommunicationTokenCredential, CommunicationTokenCredentialPolicy,
    CommunicationTokenRefreshOptions, TokenClock,
};
use azure_core::{
    http::{
        headers::{Headers, AUTHORIZATION},
        policies::Policy,
        AsyncRawResponse, Body, ClientOptions, Context, HttpClient, Method, Pipeline,
        PipelineSendOptions, Request, RetryOptions, StatusCode, Transport,
    },
    time::Duration,
    Bytes,
};
use credential_support::{jwt_expiring, TokioClock};
use std::{
    collections::HashSet,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
};

/// Answers 401 to a revoked token (or to every token with `reject_all`),
/// 200 otherwise; records each request's token and body.
#[derive(Debug, Default)]
struct Service {
    revoked: Mutex<HashSet<String>>,
    reject_all: bool,
    seen: Mutex<Vec<(String, Vec<u8>)>>,
}

impl Service {
    fn revoke(&self, token: &str) {
        self.revoked.lock().unwrap().insert(token.to_owned());
    }
    fn seen(&self) -> Vec<(String, Vec<u8>)> {
        self.seen.lock().unwrap().clone()
    }
}

#[async_trait::async_trait]
impl HttpClient for Service {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let header = request.headers().get_str(&AUTHORIZATION)?;
        let token = header.strip_prefix("Bearer ").expect("a bearer token");
        let body = match request.body() {
            Body::Bytes(bytes) => bytes.to_vec(),
            _ => unreachable!("these tests send bytes bodies"),
        };
        self.seen.lock().unwrap().push((token.to_owned(), body));
        // let concurrent requests pile up before answering
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        let status = if self.reject_all || self.revoked.lock().unwrap().contains(token) {
            StatusCode::Unauthorized
        } else {
            StatusCode::Ok
        };
        Ok(AsyncRawResponse::from_bytes(
            status,
            Headers::new(),
            Bytes::new(),
        ))
    }
}

struct Setup {
    credential: AzureCommunicationTokenCredential,
    refreshes: Arc<AtomicUsize>,
    service: Arc<Service>,
    pipeline: Pipeline,
}

fn pipeline(policy: CommunicationTokenCredentialPolicy, service: Arc<Service>) -> Pipeline {
    let options = ClientOptions {
        transport: Some(Transport::new(service)),
        retry: RetryOptions::none(),
        ..Default::default()
    };
    let policy: Arc<dyn Policy> = Arc::new(policy);
    Pipeline::new(
        Some("test"),
        Some("0.1.0"),
        options,
        Vec::new(),
        vec![policy],
        None,
    )
}

/// A refreshing credential issuing JWT `n` at call `n` (or always JWT 0
/// with `same_token`), behind the policy.
fn setup(service: Service, same_token: bool, retry: bool) -> Setup {
    let clock = TokioClock::new();
    let refreshes = Arc::new(AtomicUsize::new(0));
    let (r, c) = (refreshes.clone(), clock.clone());
    let base = clock.now_utc();
    let credential = AzureCommunicationTokenCredential::with_refresher(
        CommunicationTokenRefreshOptions::new(move || {
            let n = r.fetch_add(1, Ordering::SeqCst);
            let expires = if same_token {
                base + Duration::hours(24)
            } else {
                c.now_utc() + Duration::hours(1)
            };
            let id = if same_token { 0 } else { n as u64 };
            async move { Ok(jwt_expiring(expires, id)) }
        })
        .with_clock(clock),
    )
    .unwrap();
    let service = Arc::new(service);
    let policy =
        CommunicationTokenCredentialPolicy::new(credential.clone()).retry_on_unauthorized(retry);
    Setup {
        pipeline: pipeline(policy, service.clone()),
        credential,
        refreshes,
        service,
    }
}

async fn send(pipeline: &Pipeline, body: &[u8]) -> azure_core::Result<StatusCode> {
    let mut request = Request::new(
        "https://contoso.communication.azure.com/chat/threads?api-version=2024-03-07"
            .parse()
            .unwrap(),
        Method::Post,
    );
    request.set_body(body.to_vec());
    Ok(pipeline
        .send(&Context::new(), &mut request, unchecked())
        .await?
        .status())
}

/// Send options that return any status as a response (no error for 401).
fn unchecked() -> Option<PipelineSendOptions> {
    Some(PipelineSendOptions {
        skip_checks: true,
        ..Default::default()
    })
}

async fn current(credential: &AzureCommunicationTokenCredential) -> String {
    credential
        .get_token()
        .await
        .unwrap()
        .token
        .secret()
        .to_owned()
}

#[tokio::test(start_paused = true)]
async fn a_revoked_token_is_invalidated_and_the_request_retried_once() {
    let s = setup(Service::default(), false, true);
    assert_eq!(send(&s.pipeline, b"one").await.unwrap(), StatusCode::Ok);
    let old = current(&s.credential).await;
    s.service.revoke(&old);
    assert_eq!(send(&s.pipeline, b"two").await.unwrap(), StatusCode::Ok);
    assert_eq!(s.refreshes.load(Ordering::SeqCst), 2);
    let new = current(&s.credential).await;
    let seen = s.service.seen();
    assert_eq!(
        seen,
        vec![
            (old.clone(), b"one".to_vec()),
            (old, b"two".to_vec()),
            (new.clone(), b"two".to_vec()),
        ],
        "the body is sent again whole"
    );
    // later requests use the new token without further refreshes
    assert_eq!(send(&s.pipeline, b"three").await.unwrap(), StatusCode::Ok);
    assert_eq!(s.refreshes.load(Ordering::SeqCst), 2);
    assert_eq!(s.service.seen().last().unwrap().0, new);
}

#[tokio::test(start_paused = true)]
async fn a_burst_of_401s_causes_one_refresh() {
    let s = setup(Service::default(), false, true);
    let old = current(&s.credential).await;
    s.service.revoke(&old);
    let pipeline = Arc::new(s.pipeline);
    let tasks: Vec<_> = (0..32)
        .map(|i| {
            let pipeline = pipeline.clone();
            tokio::spawn(async move { send(&pipeline, format!("{i}").as_bytes()).await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), StatusCode::Ok);
    }
    assert_eq!(s.refreshes.load(Ordering::SeqCst), 2, "one refresh");
    let seen = s.service.seen();
    assert_eq!(
        seen.len(),
        64,
        "each request sent twice: old token, new token"
    );
    assert_eq!(seen.iter().filter(|(t, _)| *t == old).count(), 32);
}

#[tokio::test(start_paused = true)]
async fn without_the_option_the_401_is_returned_and_the_token_kept() {
    let s = setup(Service::default(), false, false);
    let old = current(&s.credential).await;
    s.service.revoke(&old);
    assert_eq!(
        send(&s.pipeline, b"x").await.unwrap(),
        StatusCode::Unauthorized
    );
    assert_eq!(s.service.seen().len(), 1);
    assert_eq!(s.refreshes.load(Ordering::SeqCst), 1);
    assert_eq!(current(&s.credential).await, old);
}

#[tokio::test(start_paused = true)]
async fn a_service_that_rejects_every_token_gets_two_tries_not_a_loop() {
    let service = Service {
        reject_all: true,
        ..Default::default()
    };
    let s = setup(service, false, true);
    assert_eq!(
        send(&s.pipeline, b"x").await.unwrap(),
        StatusCode::Unauthorized
    );
    assert_eq!(s.service.seen().len(), 2);
    assert_eq!(s.refreshes.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn the_same_token_again_is_not_retried() {
    let s = setup(Service::default(), true, true);
    let old = current(&s.credential).await;
    s.service.revoke(&old);
    assert_eq!(
        send(&s.pipeline, b"x").await.unwrap(),
        StatusCode::Unauthorized
    );
    assert_eq!(s.service.seen().len(), 1, "no retry with the same token");
    assert_eq!(s.refreshes.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_static_credential_returns_the_401() {
    let token = jwt_expiring(
        azure_core::time::OffsetDateTime::now_utc() + Duration::hours(1),
        1,
    );
    let credential = AzureCommunicationTokenCredential::from_token(&token).unwrap();
    let service = Arc::new(Service::default());
    service.revoke(&token);
    let pipeline = pipeline(credential.into(), service.clone());
    assert_eq!(
        send(&pipeline, b"x").await.unwrap(),
        StatusCode::Unauthorized
    );
    assert_eq!(service.seen().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_failed_refresh_after_a_401_is_a_clear_error() {
    let clock = TokioClock::new();
    let expires = clock.now_utc() + Duration::hours(1);
    let initial = jwt_expiring(expires, 0);
    let credential = AzureCommunicationTokenCredential::with_refresher(
        CommunicationTokenRefreshOptions::new(|| async {
            Err::<String, _>(azure_core::Error::with_message(
                azure_core::error::ErrorKind::Io,
                "token service down",
            ))
        })
        .with_initial_token(initial.clone())
        .with_clock(clock),
    )
    .unwrap();
    let service = Arc::new(Service::default());
    service.revoke(&initial);
    let pipeline = pipeline(credential.into(), service);
    let error = send(&pipeline, b"x").await.unwrap_err();
    let message = error.to_string();
    assert!(message.contains("HTTP 401"), "{message}");
    assert!(message.contains("token service down"), "{message}");
    assert!(!message.contains(&initial), "no token in errors");
}

#[tokio::test]
async fn tokens_are_not_sent_over_plain_http_to_other_hosts() {
    let s = setup(Service::default(), false, true);
    let mut request = Request::new(
        "http://contoso.communication.azure.com/chat/threads"
            .parse()
            .unwrap(),
        Method::Get,
    );
    let error = s
        .pipeline
        .send(&Context::new(), &mut request, None)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("only over https"), "{error}");
    assert!(s.service.seen().is_empty());
    assert_eq!(s.refreshes.load(Ordering::SeqCst), 0);
    // Debug shows no token
    let policy = CommunicationTokenCredentialPolicy::new(s.credential.clone());
    let token = current(&s.credential).await;
    assert!(!format!("{policy:?}").contains(&token));
}
