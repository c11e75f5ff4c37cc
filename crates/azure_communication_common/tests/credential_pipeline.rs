//! `AzureCommunicationTokenCredential` as an azure_core `TokenCredential`,
//! through a real `Pipeline` with `BearerTokenAuthorizationPolicy` and a mock
//! transport that checks the `Authorization` header.

mod credential_support;

use azure_communication_common::{
    AzureCommunicationTokenCredential, CommunicationTokenRefreshOptions,
};
use azure_core::{
    credentials::{AccessToken, TokenCredential},
    http::{
        headers::{Headers, AUTHORIZATION},
        policies::{auth::BearerTokenAuthorizationPolicy, Policy},
        AsyncRawResponse, ClientOptions, Context, HttpClient, Method, Pipeline, Request,
        RetryOptions, StatusCode, Transport,
    },
    time::{Duration, OffsetDateTime},
    Bytes,
};
use credential_support::jwt_expiring;
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

fn pipeline(credential: Arc<dyn TokenCredential>, transport: Arc<RecordingTransport>) -> Pipeline {
    let options = ClientOptions {
        transport: Some(Transport::new(transport)),
        retry: RetryOptions::none(),
        ..Default::default()
    };
    let auth: Arc<dyn Policy> = Arc::new(BearerTokenAuthorizationPolicy::new(
        credential,
        ["https://communication.azure.com//.default"],
    ));
    Pipeline::new(
        Some("test"),
        Some("0.1.0"),
        options,
        Vec::new(),
        vec![auth],
        None,
    )
}

async fn send(pipeline: &Pipeline) -> StatusCode {
    let mut request = Request::new(
        "https://contoso.communication.azure.com/chat/threads?api-version=2024-03-07"
            .parse()
            .unwrap(),
        Method::Get,
    );
    pipeline
        .send(&Context::new(), &mut request, None)
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn static_credential_authorizes_requests() {
    let token = jwt_expiring(OffsetDateTime::now_utc() + Duration::hours(1), 1);
    let credential = Arc::new(AzureCommunicationTokenCredential::from_token(&token).unwrap());
    let transport = Arc::new(RecordingTransport::default());
    let pipeline = pipeline(credential, transport.clone());
    assert_eq!(send(&pipeline).await, StatusCode::Ok);
    assert_eq!(send(&pipeline).await, StatusCode::Ok);
    let seen = transport.seen.lock().unwrap().clone();
    assert_eq!(seen, vec![format!("Bearer {token}"); 2]);
}

#[tokio::test]
async fn refreshing_credential_authorizes_requests_and_scopes_are_ignored() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let credential = AzureCommunicationTokenCredential::with_refresher(
        CommunicationTokenRefreshOptions::new(move || {
            let n = c.fetch_add(1, Ordering::SeqCst);
            async move {
                Ok(AccessToken::new(
                    format!("opaque-token-{n}"),
                    OffsetDateTime::now_utc() + Duration::hours(1),
                ))
            }
        })
        .refresh_proactively(true),
    )
    .unwrap();
    // scopes make no difference
    let direct = TokenCredential::get_token(&credential, &["anything"], None)
        .await
        .unwrap();
    assert_eq!(direct.token.secret(), "opaque-token-0");
    let transport = Arc::new(RecordingTransport::default());
    let pipeline = pipeline(Arc::new(credential.clone()), transport.clone());
    assert_eq!(send(&pipeline).await, StatusCode::Ok);
    assert_eq!(
        transport.seen.lock().unwrap().as_slice(),
        ["Bearer opaque-token-0"]
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    credential.dispose();
    // a disposed credential fails the request instead of sending it without auth
    let mut request = Request::new(
        "https://contoso.communication.azure.com/chat"
            .parse()
            .unwrap(),
        Method::Get,
    );
    let pipeline2 = self::pipeline(Arc::new(credential), transport.clone());
    let error = pipeline2
        .send(&Context::new(), &mut request, None)
        .await
        .unwrap_err();
    assert_eq!(error.to_string(), "User credential is disposed");
    assert_eq!(transport.seen.lock().unwrap().len(), 1);
}
