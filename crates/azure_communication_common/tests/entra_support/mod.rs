//! Mocks for the Entra exchange tests: an HTTP transport that records every
//! request and answers from a script, and an Entra `TokenCredential`.
#![allow(dead_code)]

use azure_core::{
    credentials::{AccessToken, TokenCredential, TokenRequestOptions},
    error::ErrorKind,
    http::{
        headers::{HeaderName, Headers},
        AsyncRawResponse, Body, ClientOptions, HttpClient, Method, Request, RetryOptions,
        StatusCode, Transport,
    },
    time::{Duration, OffsetDateTime},
};
use std::{
    collections::BTreeMap,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
};

/// One request as the transport saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: Method,
    pub url: String,
    /// Lower-case names.
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
    /// tokio's clock when the request arrived.
    pub at: tokio::time::Instant,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// What the transport answers.
#[derive(Debug, Clone)]
pub enum Reply {
    Http {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: String,
        delay: Option<std::time::Duration>,
    },
    /// A transport error of this kind.
    Fail(ErrorKind),
    /// Never answers.
    Hang,
}

impl Reply {
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Reply::Http {
            status,
            headers: vec![("content-type", "application/json".to_owned())],
            body: body.into(),
            delay: None,
        }
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        if let Reply::Http { headers, .. } = &mut self {
            headers.push((name, value.into()));
        }
        self
    }

    pub fn delayed(mut self, by: std::time::Duration) -> Self {
        if let Reply::Http { delay, .. } = &mut self {
            *delay = Some(by);
        }
        self
    }

    /// A 200 exchange answer.
    pub fn token(token: &str, expires_on: OffsetDateTime) -> Self {
        Reply::json(200, exchange_body(token, expires_on))
    }

    /// An ACS error answer.
    pub fn error(status: u16, code: &str, message: &str) -> Self {
        Reply::json(
            status,
            serde_json::json!({"error": {"code": code, "message": message}}).to_string(),
        )
    }
}

/// A 200 body in the service's shape (7 fractional digits, `+00:00`).
pub fn exchange_body(token: &str, expires_on: OffsetDateTime) -> String {
    serde_json::json!({
        "identity": {"id": "8:acs:00000000-0000-0000-0000-000000000001_00000000-0000-0000-0000-000000000002"},
        "accessToken": {"token": token, "expiresOn": service_date(expires_on)},
    })
    .to_string()
}

/// `2034-10-04T10:21:29.4729393+00:00` style.
pub fn service_date(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}+00:00",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.nanosecond() / 100
    )
}

type Script = Box<dyn Fn(usize, &Seen) -> Reply + Send + Sync>;

/// A transport answering request `n` (0-based) with `script(n, &seen)`.
pub struct MockTransport {
    seen: Mutex<Vec<Seen>>,
    script: Script,
}

impl std::fmt::Debug for MockTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockTransport").finish_non_exhaustive()
    }
}

impl MockTransport {
    pub fn new(script: impl Fn(usize, &Seen) -> Reply + Send + Sync + 'static) -> Arc<Self> {
        Arc::new(Self {
            seen: Mutex::new(Vec::new()),
            script: Box::new(script),
        })
    }

    /// Always the same answer.
    pub fn always(reply: Reply) -> Arc<Self> {
        Self::new(move |_, _| reply.clone())
    }

    /// The answers in order, then the last one again.
    pub fn sequence(replies: Vec<Reply>) -> Arc<Self> {
        Self::new(move |n, _| replies[n.min(replies.len() - 1)].clone())
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    /// Client options with this transport and no retries.
    pub fn options(self: &Arc<Self>) -> ClientOptions {
        self.options_with_retry(RetryOptions::none())
    }

    pub fn options_with_retry(self: &Arc<Self>, retry: RetryOptions) -> ClientOptions {
        ClientOptions {
            transport: Some(Transport::new(self.clone())),
            retry,
            ..Default::default()
        }
    }
}

#[async_trait::async_trait]
impl HttpClient for MockTransport {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let body = match request.body() {
            Body::Bytes(b) => b.to_vec(),
            Body::SeekableStream(_) => b"<stream>".to_vec(),
        };
        let seen = Seen {
            method: request.method(),
            url: request.url().to_string(),
            headers: request
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str().to_owned(), v.as_str().to_owned()))
                .collect(),
            body,
            at: tokio::time::Instant::now(),
        };
        let n = {
            let mut all = self.seen.lock().unwrap();
            all.push(seen.clone());
            all.len() - 1
        };
        match (self.script)(n, &seen) {
            Reply::Http {
                status,
                headers,
                body,
                delay,
            } => {
                if let Some(delay) = delay {
                    tokio::time::sleep(delay).await;
                }
                let mut h = Headers::new();
                for (name, value) in headers {
                    h.insert(HeaderName::from_static(name), value);
                }
                Ok(AsyncRawResponse::from_bytes(
                    StatusCode::from(status),
                    h,
                    body.into_bytes(),
                ))
            }
            Reply::Fail(kind) => Err(azure_core::Error::with_message(
                kind,
                "mock transport: connection refused",
            )),
            Reply::Hang => {
                futures::future::pending::<()>().await;
                unreachable!()
            }
        }
    }
}

/// An Entra credential handing out `entra-token-{n}` (1 h), recording the
/// scopes it was asked for; or failing.
#[derive(Debug, Default)]
pub struct MockEntra {
    pub calls: AtomicUsize,
    pub scopes: Mutex<Vec<Vec<String>>>,
    pub fail: bool,
}

impl MockEntra {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub fn failing() -> Arc<Self> {
        Arc::new(Self {
            fail: true,
            ..Self::default()
        })
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

pub const MOCK_ENTRA_FAILURE: &str = "AADSTS70043: the refresh token has expired (mock)";

#[async_trait::async_trait]
impl TokenCredential for MockEntra {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        self.scopes
            .lock()
            .unwrap()
            .push(scopes.iter().map(|s| (*s).to_owned()).collect());
        if self.fail {
            return Err(azure_core::Error::with_message(
                ErrorKind::Credential,
                MOCK_ENTRA_FAILURE,
            ));
        }
        Ok(AccessToken::new(
            format!("entra-token-{n}"),
            OffsetDateTime::now_utc() + Duration::hours(1),
        ))
    }
}
