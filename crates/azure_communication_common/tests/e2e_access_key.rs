//! End to end: the access-key (HMAC) policy against the local ACS emulator
//! over real HTTP on loopback. The emulator recomputes the content hash and
//! signature from the request as it arrives, as the service does.

#[path = "../examples/support/identity_client.rs"]
mod identity_client;

use acs_emulator::{Emulator, EmulatorOptions, Route};
use azure_communication_common::{AccessKeySigner, CommunicationAccessKeyCredentialPolicy};
use azure_core::{
    error::ErrorKind,
    http::{
        policies::{Policy, PolicyResult},
        ClientOptions, Context, Method, Pipeline, Request, RetryOptions, StatusCode,
    },
    time::{Duration as TimeDuration, OffsetDateTime},
};
use identity_client::IdentityClient;
use std::sync::Arc;

fn no_retry() -> ClientOptions {
    ClientOptions {
        retry: RetryOptions::none(),
        ..Default::default()
    }
}

/// A per-try policy that runs after signing and changes the request the way
/// a tampering proxy would.
#[derive(Debug)]
struct Tamper(fn(&mut Request));

#[async_trait::async_trait]
impl Policy for Tamper {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        (self.0)(request);
        next[0].send(ctx, request, &next[1..]).await
    }
}

/// POSTs a create-user request through `policies` and returns the outcome.
async fn create_user_with(
    emulator: &Emulator,
    policies: Vec<Arc<dyn Policy>>,
) -> azure_core::Result<()> {
    let pipeline = Pipeline::new(None, None, no_retry(), Vec::new(), policies, None);
    let url = emulator
        .endpoint()
        .join("/identities?api-version=2023-10-01")?;
    let mut request = Request::new(url, Method::Post);
    request.insert_header("content-type", "application/json");
    request.set_body("{}");
    pipeline
        .send(&Context::new(), &mut request, None)
        .await
        .map(drop)
}

/// Asserts the service's answer: 401, code `Denied`, a message naming `why`.
fn assert_denied(result: azure_core::Result<()>, why: &str) {
    let error = result.expect_err("the emulator must refuse the request");
    match error.kind() {
        ErrorKind::HttpResponse {
            status, error_code, ..
        } => {
            assert_eq!(*status, StatusCode::Unauthorized, "{error}");
            assert_eq!(error_code.as_deref(), Some("Denied"), "{error}");
        }
        other => panic!("expected an HTTP 401, got {other:?}: {error}"),
    }
    let text = format!("{error:?} {error}").to_lowercase();
    assert!(text.contains(why), "the error should say {why:?}: {text}");
}

async fn start() -> Emulator {
    Emulator::start(EmulatorOptions::new())
        .await
        .expect("emulator")
}

fn policy(emulator: &Emulator) -> Arc<dyn Policy> {
    Arc::new(
        CommunicationAccessKeyCredentialPolicy::from_access_key(emulator.access_key().to_owned())
            .expect("key"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_requests_are_accepted() {
    let emulator = start().await;
    let client = IdentityClient::with_options(&emulator.connection_string(), no_retry()).unwrap();
    let user = client.create_user().await.expect("create user");
    let token = client.issue_token(&user, &["chat"]).await.expect("token");
    let claims = emulator
        .verify_acs_token(token.token.secret())
        .expect("a real token");
    assert_eq!(claims.user_id(), user.id());
    client.delete_user(&user).await.expect("delete");
    assert_eq!(emulator.request_count(Route::CreateIdentity), 1);
    assert_eq!(emulator.request_count(Route::IssueAccessToken), 1);
    assert_eq!(emulator.request_count(Route::DeleteIdentity), 1);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_changed_after_signing_is_refused() {
    let emulator = start().await;
    create_user_with(&emulator, vec![policy(&emulator)])
        .await
        .expect("untampered request");
    let tamper = Tamper(|request| request.set_body(r#"{"createTokenWithScopes":["chat"]}"#));
    let result = create_user_with(&emulator, vec![policy(&emulator), Arc::new(tamper)]).await;
    assert_denied(result, "content hash");
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_url_changed_after_signing_is_refused() {
    let emulator = start().await;
    let tamper = Tamper(|request| {
        request
            .url_mut()
            .query_pairs_mut()
            .append_pair("extra", "1");
    });
    let result = create_user_with(&emulator, vec![policy(&emulator), Arc::new(tamper)]).await;
    assert_denied(result, "signature");
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_is_refused() {
    let emulator = start().await;
    let other_key = azure_core::base64::encode([7u8; 32]);
    assert_ne!(other_key, emulator.access_key());
    let wrong: Arc<dyn Policy> =
        Arc::new(CommunicationAccessKeyCredentialPolicy::from_access_key(other_key).unwrap());
    assert_denied(create_user_with(&emulator, vec![wrong]).await, "signature");
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_date_is_refused() {
    let emulator = start().await;
    let signer = AccessKeySigner::new(emulator.access_key().to_owned()).unwrap();
    // Signed correctly, but dated 20 minutes ago (the service allows 15).
    let stale: Arc<dyn Policy> = Arc::new(
        CommunicationAccessKeyCredentialPolicy::new(signer.clone())
            .with_clock(|| OffsetDateTime::now_utc() - TimeDuration::minutes(20)),
    );
    assert_denied(create_user_with(&emulator, vec![stale]).await, "date");
    // Ten minutes off is within the tolerance.
    let skewed: Arc<dyn Policy> = Arc::new(
        CommunicationAccessKeyCredentialPolicy::new(signer)
            .with_clock(|| OffsetDateTime::now_utc() - TimeDuration::minutes(10)),
    );
    create_user_with(&emulator, vec![skewed])
        .await
        .expect("10 minutes of skew is accepted");
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_signed_header_is_refused() {
    let emulator = start().await;
    let tamper = Tamper(|request| {
        request.headers_mut().remove("x-ms-content-sha256");
    });
    let result = create_user_with(&emulator, vec![policy(&emulator), Arc::new(tamper)]).await;
    assert_denied(result, "x-ms-content-sha256");
    emulator.shutdown().await;
}
