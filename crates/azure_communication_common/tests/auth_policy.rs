//! The access-key policy and the auth-policy chooser, end to end through a
//! real `azure_core::http::Pipeline` whose mock transport checks every
//! request it receives.
//!
//! The transport recomputes the signature with its own SHA-256/HMAC code
//! (`Verifier` below), not with the crate's signer.

use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll};

use async_trait::async_trait;
use azure_communication_common::{
    communication_auth_policy, AccessKeySigner, CommunicationAccessKeyCredentialPolicy,
    CommunicationCredential, COMMUNICATION_TOKEN_SCOPE,
};
use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::http::headers::{HeaderName, Headers};
use azure_core::http::policies::Policy;
use azure_core::http::{
    AsyncRawResponse, Body, ClientOptions, Context, FixedRetryOptions, HttpClient, Method,
    Pipeline, Request, RetryOptions, StatusCode, Transport, Url,
};
use azure_core::stream::{BytesStream, SeekableStream};
use azure_core::time::{Duration, OffsetDateTime};
use futures::AsyncReadExt;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use time::macros::datetime;

const KEY: &str = "pw==";
const KEY_BYTES: &[u8] = &[0xa7];
const PREFIX: &str = "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=";

/// What the mock transport saw for one request.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path_and_query: String,
    x_ms_date: String,
    content_sha256: String,
    authorization: String,
    body: Vec<u8>,
}

/// Independent reimplementation of SPEC 3 from the request as received.
fn verify(request: &Request, body: &[u8]) -> Result<Seen, String> {
    let header = |name: &'static str| {
        request
            .headers()
            .get_optional_str(&HeaderName::from_static(name))
            .map(str::to_owned)
            .ok_or_else(|| format!("missing header {name}"))
    };
    let url = request.url();
    let mut path_and_query = if url.path().is_empty() {
        "/".to_owned()
    } else {
        url.path().to_owned()
    };
    if let Some(q) = url.query() {
        path_and_query.push('?');
        path_and_query.push_str(q);
    }
    let host = match request
        .headers()
        .get_optional_str(&HeaderName::from_static("host"))
    {
        Some(h) => h.to_owned(),
        None => match url.port() {
            Some(p) => format!("{}:{p}", url.host_str().unwrap()),
            None => url.host_str().unwrap().to_owned(),
        },
    };
    let x_ms_date = header("x-ms-date")?;
    let content_sha256 = header("x-ms-content-sha256")?;
    let authorization = header("authorization")?;
    let expected_hash = azure_core::base64::encode(Sha256::digest(body));
    if content_sha256 != expected_hash {
        return Err(format!(
            "x-ms-content-sha256 {content_sha256} != {expected_hash}"
        ));
    }
    azure_core::time::parse_rfc7231(&x_ms_date).map_err(|e| format!("x-ms-date: {e}"))?;
    let method = request.method().to_string().to_uppercase();
    let string_to_sign = format!("{method}\n{path_and_query}\n{x_ms_date};{host};{content_sha256}");
    let mut mac = Hmac::<Sha256>::new_from_slice(KEY_BYTES).unwrap();
    mac.update(string_to_sign.as_bytes());
    let expected = format!(
        "{PREFIX}{}",
        azure_core::base64::encode(mac.finalize().into_bytes())
    );
    if authorization != expected {
        return Err(format!(
            "authorization mismatch for {string_to_sign:?}: {authorization} != {expected}"
        ));
    }
    Ok(Seen {
        method,
        path_and_query,
        x_ms_date,
        content_sha256,
        authorization,
        body: body.to_vec(),
    })
}

/// Reads the whole body as the transport would send it.
async fn body_bytes(request: &Request) -> Vec<u8> {
    match request.body() {
        Body::Bytes(b) => b.to_vec(),
        Body::SeekableStream(s) => {
            // The transport sends from the stream's current position: read
            // a clone without rewinding, so a missing reset would show.
            let mut s = s.clone();
            let mut out = Vec::new();
            s.read_to_end(&mut out).await.unwrap();
            out
        }
    }
}

/// Mock transport: verifies each request; answers with the queued statuses
/// (then 200).
#[derive(Debug, Default)]
struct VerifyingTransport {
    statuses: Mutex<Vec<StatusCode>>,
    seen: Mutex<Vec<Seen>>,
}

#[async_trait]
impl HttpClient for VerifyingTransport {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let body = body_bytes(request).await;
        let seen = verify(request, &body).unwrap_or_else(|e| panic!("transport: {e}"));
        self.seen.lock().unwrap().push(seen);
        let status = {
            let mut q = self.statuses.lock().unwrap();
            if q.is_empty() {
                StatusCode::Ok
            } else {
                q.remove(0)
            }
        };
        Ok(AsyncRawResponse::from_bytes(
            status,
            Headers::new(),
            Vec::<u8>::new(),
        ))
    }
}

fn pipeline(
    transport: Arc<dyn HttpClient>,
    retry: RetryOptions,
    policy: Arc<dyn Policy>,
) -> Pipeline {
    let options = ClientOptions {
        transport: Some(Transport::new(transport)),
        retry,
        ..Default::default()
    };
    Pipeline::new(
        Some("azure_communication_common"),
        Some("0.1.0"),
        options,
        Vec::new(),
        vec![policy],
        None,
    )
}

fn fixed_clock() -> OffsetDateTime {
    datetime!(2022-04-13 18:09:12.451 UTC)
}

#[tokio::test]
async fn pipeline_signs_bytes_bodies_verified_independently() {
    let transport = Arc::new(VerifyingTransport::default());
    let policy = CommunicationAccessKeyCredentialPolicy::from_access_key(KEY)
        .unwrap()
        .with_clock(fixed_clock);
    let p = pipeline(transport.clone(), RetryOptions::none(), Arc::new(policy));

    let cases: &[(Method, &str, &[u8])] = &[
        (Method::Get, "https://example.com/testPath?testQuery=test", b""),
        (Method::Post, "https://contoso.communication.azure.com/identities?api-version=2023-10-01", br#"{"createTokenWithScopes":["chat"]}"#),
        (Method::Delete, "https://contoso.communication.azure.com:8443/identities/8:acs:abc?api-version=2023-10-01", b""),
        (Method::Put, "https://contoso.communication.azure.com/a%20b?q=a%20b&x=8:acs:1", "😀".as_bytes()),
        (Method::Patch, "https://localhost/p?", b"banana"),
        (Method::Get, "http://127.0.0.1:8080/", b""),
    ];
    for (method, url, body) in cases {
        let mut req = Request::new(Url::parse(url).unwrap(), *method);
        req.set_body(body.to_vec());
        p.send(&Context::new(), &mut req, None).await.unwrap();
    }
    let seen = transport.seen.lock().unwrap();
    assert_eq!(seen.len(), cases.len());
    assert_eq!(seen[0].x_ms_date, "Wed, 13 Apr 2022 18:09:12 GMT");
    // The official known answer, through the whole pipeline.
    assert_eq!(
        seen[0].authorization,
        format!("{PREFIX}DGdgwggJWnQyc6EHjR/Vbqg1ES64KpD6U2XwTDDj3tU=")
    );
    assert_eq!(seen[4].path_and_query, "/p?");
    assert_eq!(
        seen[4].content_sha256,
        "tJPUg2Sv5E0RwBZc9HCkFk0eJgmRHvmYvoaNRq3j3k4="
    );
    assert_eq!(seen[1].method, "POST");
    assert_eq!(seen[3].body, "😀".as_bytes());
}

#[tokio::test]
async fn caller_set_host_header_is_what_gets_signed() {
    let transport = Arc::new(VerifyingTransport::default());
    let policy = CommunicationAccessKeyCredentialPolicy::from_access_key(KEY).unwrap();
    let p = pipeline(transport.clone(), RetryOptions::none(), Arc::new(policy));
    let mut req = Request::new(
        Url::parse("https://10.0.0.1/identities").unwrap(),
        Method::Post,
    );
    req.insert_header(
        HeaderName::from_static("host"),
        "contoso.communication.azure.com",
    );
    p.send(&Context::new(), &mut req, None).await.unwrap();
    assert_eq!(transport.seen.lock().unwrap().len(), 1);
}

/// A seekable stream that yields at most 7 bytes per read and counts resets.
#[derive(Debug, Clone)]
struct TrickleStream {
    data: Arc<Vec<u8>>,
    pos: usize,
    resets: Arc<AtomicUsize>,
}

impl futures::io::AsyncRead for TrickleStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut TaskContext<'_>,
        buf: &mut [u8],
    ) -> Poll<std::io::Result<usize>> {
        let n = buf.len().min(7).min(self.data.len() - self.pos);
        let start = self.pos;
        buf[..n].copy_from_slice(&self.data[start..start + n]);
        self.pos += n;
        Poll::Ready(Ok(n))
    }
}

#[async_trait]
impl SeekableStream for TrickleStream {
    async fn reset(&mut self) -> azure_core::Result<()> {
        self.pos = 0;
        self.resets.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    fn len(&self) -> Option<u64> {
        Some(self.data.len() as u64)
    }
}

#[tokio::test]
async fn seekable_stream_body_is_read_hashed_and_reset() {
    let transport = Arc::new(VerifyingTransport::default());
    let policy = CommunicationAccessKeyCredentialPolicy::from_access_key(KEY).unwrap();
    let p = pipeline(transport.clone(), RetryOptions::none(), Arc::new(policy));

    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let resets = Arc::new(AtomicUsize::new(0));
    let stream = TrickleStream {
        data: Arc::new(data.clone()),
        pos: 0,
        resets: resets.clone(),
    };
    let mut req = Request::new(
        Url::parse("https://contoso.communication.azure.com/upload").unwrap(),
        Method::Put,
    );
    req.set_body(Body::SeekableStream(Box::new(stream)));
    p.send(&Context::new(), &mut req, None).await.unwrap();

    let seen = transport.seen.lock().unwrap()[0].clone();
    assert_eq!(seen.body, data, "the transport got the whole body");
    assert_eq!(
        seen.content_sha256,
        azure_core::base64::encode(Sha256::digest(&data))
    );
    assert!(resets.load(Ordering::SeqCst) >= 1, "the stream was reset");
    // The request still holds a rewound stream (e.g. for a retry).
    let Body::SeekableStream(s) = req.body() else {
        panic!("body kind changed")
    };
    let mut s = s.clone();
    let mut again = Vec::new();
    s.read_to_end(&mut again).await.unwrap();
    assert_eq!(again, data);

    // azure_core's own BytesStream, partly consumed beforehand: the policy
    // rewinds before hashing, so the whole body is signed and sent.
    let mut bytes_stream = BytesStream::new(b"hello, stream".to_vec());
    let mut first = [0u8; 5];
    bytes_stream.read_exact(&mut first).await.unwrap();
    let mut req = Request::new(
        Url::parse("https://contoso.communication.azure.com/upload").unwrap(),
        Method::Post,
    );
    req.set_body(Body::SeekableStream(Box::new(bytes_stream)));
    p.send(&Context::new(), &mut req, None).await.unwrap();
    assert_eq!(transport.seen.lock().unwrap()[1].body, b"hello, stream");
}

#[tokio::test(start_paused = true)]
async fn retry_resigns_with_a_fresh_date() {
    let transport = Arc::new(VerifyingTransport {
        statuses: Mutex::new(vec![StatusCode::ServiceUnavailable]),
        ..Default::default()
    });
    // The clock follows tokio's virtual time, which the retry delay advances.
    let base = datetime!(2026-01-01 00:00:00 UTC);
    let start = tokio::time::Instant::now();
    let clock = move || base + (tokio::time::Instant::now() - start);
    let policy = CommunicationAccessKeyCredentialPolicy::from_access_key(KEY)
        .unwrap()
        .with_clock(clock);
    let retry = RetryOptions::fixed(FixedRetryOptions {
        delay: Duration::seconds(3),
        max_retries: 2,
        max_total_elapsed: Duration::seconds(60),
    });
    let p = pipeline(transport.clone(), retry, Arc::new(policy));
    let mut req = Request::new(
        Url::parse("https://contoso.communication.azure.com/identities?api-version=2023-10-01")
            .unwrap(),
        Method::Post,
    );
    req.set_body(b"{}".to_vec());
    let response = p.send(&Context::new(), &mut req, None).await.unwrap();
    assert_eq!(response.status(), StatusCode::Ok);

    let seen = transport.seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "one 503, then one retry");
    assert_eq!(seen[0].x_ms_date, "Thu, 01 Jan 2026 00:00:00 GMT");
    let first = azure_core::time::parse_rfc7231(&seen[0].x_ms_date).unwrap();
    let second = azure_core::time::parse_rfc7231(&seen[1].x_ms_date).unwrap();
    assert!(
        second - first >= Duration::seconds(3),
        "retry dated {second}, first try {first}"
    );
    assert_ne!(seen[0].authorization, seen[1].authorization);
    // Both tries verified independently in the transport.
}

#[tokio::test]
async fn policy_without_next_is_an_error_not_a_panic() {
    let policy = CommunicationAccessKeyCredentialPolicy::from_access_key(KEY).unwrap();
    let mut req = Request::new(Url::parse("https://h/").unwrap(), Method::Get);
    let err = policy
        .send(&Context::new(), &mut req, &[])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("transport"), "{err}");
}

#[test]
fn policy_debug_hides_key() {
    let key = "c2VjcmV0LWtleS1ieXRlcw==";
    let policy = CommunicationAccessKeyCredentialPolicy::from_access_key(key.to_owned()).unwrap();
    let debug = format!("{policy:?}");
    assert!(!debug.contains(key), "{debug}");
    assert!(!debug.contains("secret"), "{debug}");
    let credential = CommunicationCredential::from_access_key(key.to_owned()).unwrap();
    assert!(!format!("{credential:?}").contains(key));
    assert!(!format!("{:?}", communication_auth_policy(credential)).contains(key));
}

// ---------------------------------------------------------------------------
// The chooser, both ways.

#[tokio::test]
async fn chooser_access_key_signs_with_hmac() {
    let transport = Arc::new(VerifyingTransport::default());
    let policy = communication_auth_policy(CommunicationCredential::from_access_key(KEY).unwrap());
    let p = pipeline(transport.clone(), RetryOptions::none(), policy);
    let mut req = Request::new(
        Url::parse("https://contoso.communication.azure.com/identities?api-version=2023-10-01")
            .unwrap(),
        Method::Post,
    );
    req.set_body(b"{}".to_vec());
    p.send(&Context::new(), &mut req, None).await.unwrap();
    let seen = transport.seen.lock().unwrap();
    assert!(seen[0].authorization.starts_with(PREFIX));
}

#[derive(Debug, Default)]
struct MockTokenCredential {
    scopes: Mutex<Vec<Vec<String>>>,
}

#[async_trait]
impl TokenCredential for MockTokenCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        self.scopes
            .lock()
            .unwrap()
            .push(scopes.iter().map(|s| s.to_string()).collect());
        Ok(AccessToken::new(
            "entra-token",
            OffsetDateTime::now_utc() + Duration::hours(1),
        ))
    }
}

#[derive(Debug, Default)]
struct BearerTransport {
    authorizations: Mutex<Vec<Option<String>>>,
}

#[async_trait]
impl HttpClient for BearerTransport {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let headers = request.headers();
        self.authorizations.lock().unwrap().push(
            headers
                .get_optional_str(&HeaderName::from_static("authorization"))
                .map(str::to_owned),
        );
        assert!(
            headers
                .get_optional_str(&HeaderName::from_static("x-ms-content-sha256"))
                .is_none(),
            "no HMAC headers on a bearer request"
        );
        Ok(AsyncRawResponse::from_bytes(
            StatusCode::Ok,
            Headers::new(),
            Vec::<u8>::new(),
        ))
    }
}

#[tokio::test]
async fn chooser_token_credential_uses_bearer_with_acs_scope() {
    let credential = Arc::new(MockTokenCredential::default());
    let transport = Arc::new(BearerTransport::default());
    let policy = communication_auth_policy(CommunicationCredential::Token(credential.clone()));
    let p = pipeline(transport.clone(), RetryOptions::none(), policy);

    let mut req = Request::new(
        Url::parse("https://contoso.communication.azure.com/identities?api-version=2023-10-01")
            .unwrap(),
        Method::Post,
    );
    p.send(&Context::new(), &mut req, None).await.unwrap();
    assert_eq!(
        transport.authorizations.lock().unwrap()[0].as_deref(),
        Some("Bearer entra-token")
    );
    assert_eq!(
        *credential.scopes.lock().unwrap(),
        vec![vec![COMMUNICATION_TOKEN_SCOPE.to_owned()]]
    );
    assert_eq!(
        COMMUNICATION_TOKEN_SCOPE,
        "https://communication.azure.com//.default"
    );

    // azure_core's bearer policy refuses plain http.
    let mut req = Request::new(
        Url::parse("http://contoso.communication.azure.com/").unwrap(),
        Method::Get,
    );
    assert!(p.send(&Context::new(), &mut req, None).await.is_err());
    assert_eq!(transport.authorizations.lock().unwrap().len(), 1);
}

#[test]
fn signer_and_policy_agree() {
    // The policy signs exactly what `AccessKeySigner::sign` computes.
    let signer = AccessKeySigner::new(KEY).unwrap();
    let url = Url::parse("https://example.com/testPath?testQuery=test").unwrap();
    let headers = signer.sign("GET", &url, b"", fixed_clock()).unwrap();
    let policy = CommunicationAccessKeyCredentialPolicy::new(signer).with_clock(fixed_clock);
    let mut req = Request::new(url, Method::Get);
    futures::executor::block_on(policy.sign_request(&mut req)).unwrap();
    assert_eq!(
        req.headers()
            .get_optional_str(&HeaderName::from_static("authorization")),
        Some(headers.authorization.as_str())
    );
    assert_eq!(
        req.headers()
            .get_optional_str(&HeaderName::from_static("x-ms-date")),
        Some(headers.x_ms_date.as_str())
    );
}

/// A stream whose reads fail.
#[derive(Debug, Clone)]
struct BrokenStream;

impl futures::io::AsyncRead for BrokenStream {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut TaskContext<'_>,
        _buf: &mut [u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(Err(std::io::Error::other("disk on fire")))
    }
}

#[async_trait]
impl SeekableStream for BrokenStream {
    async fn reset(&mut self) -> azure_core::Result<()> {
        Ok(())
    }
    fn len(&self) -> Option<u64> {
        None
    }
}

#[tokio::test]
async fn unreadable_stream_is_an_error_saying_why() {
    let transport = Arc::new(VerifyingTransport::default());
    let policy = CommunicationAccessKeyCredentialPolicy::from_access_key(KEY).unwrap();
    let p = pipeline(transport.clone(), RetryOptions::none(), Arc::new(policy));
    let mut req = Request::new(Url::parse("https://h/upload").unwrap(), Method::Put);
    req.set_body(Body::SeekableStream(Box::new(BrokenStream)));
    let err = p
        .send(&Context::new(), &mut req, None)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("x-ms-content-sha256") && err.contains("disk on fire"),
        "{err}"
    );
    assert!(transport.seen.lock().unwrap().is_empty());
}
