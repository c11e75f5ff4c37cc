//! Helpers shared by the emulator's HTTP tests: a plain client and request
//! signing with the library's `AccessKeySigner`.
#![allow(dead_code)]

use acs_emulator::{Emulator, EmulatorOptions};
use azure_communication_common::AccessKeySigner;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::sync::OnceLock;
use time::OffsetDateTime;
use url::Url;

pub const API: &str = "api-version=2023-10-01";

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }

    /// `error.code` of an ACS error body.
    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .expect("an ACS error body")
            .to_owned()
    }

    /// `error.message` of an ACS error body.
    pub fn message(&self) -> String {
        self.json()["error"]["message"]
            .as_str()
            .expect("an ACS error body")
            .to_owned()
    }
}

/// One client for all tests (building one takes tens of milliseconds). No
/// idle connections are kept, as each test has its own runtime and server.
pub fn client() -> reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .no_proxy()
                .pool_max_idle_per_host(0)
                .build()
                .expect("a client")
        })
        .clone()
}

pub async fn start() -> Emulator {
    Emulator::start(EmulatorOptions::new())
        .await
        .expect("the emulator starts")
}

pub fn url(emulator: &Emulator, path_and_query: &str) -> Url {
    emulator.endpoint().join(path_and_query).expect("a URL")
}

/// How to sign a request (defaults: the emulator's key, the system clock, the body sent).
pub struct Signing<'a> {
    pub key: String,
    pub date: OffsetDateTime,
    pub signed_body: Option<&'a [u8]>,
    pub extra_headers: Vec<(&'static str, String)>,
    pub omit: Option<&'static str>,
}

impl Signing<'_> {
    pub fn for_emulator(emulator: &Emulator) -> Self {
        Self {
            key: emulator.access_key().to_owned(),
            date: OffsetDateTime::now_utc(),
            signed_body: None,
            extra_headers: Vec::new(),
            omit: None,
        }
    }
}

pub async fn send(method: Method, url: Url, headers: Vec<(&str, String)>, body: Vec<u8>) -> Reply {
    let mut request = client().request(method, url).body(body);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = request.send().await.expect("the request is answered");
    Reply {
        status: response.status(),
        headers: response.headers().clone(),
        body: response.bytes().await.expect("a body").to_vec(),
    }
}

/// Sends a request signed as `signing` says.
pub async fn send_signed_with(
    emulator: &Emulator,
    method: Method,
    path_and_query: &str,
    body: &[u8],
    signing: Signing<'_>,
) -> Reply {
    let url = url(emulator, path_and_query);
    let signer = AccessKeySigner::new(signing.key.clone()).expect("a valid key");
    let signed = signer
        .sign(
            method.as_str(),
            &url,
            signing.signed_body.unwrap_or(body),
            signing.date,
        )
        .expect("signs");
    let mut headers = vec![
        ("x-ms-date", signed.x_ms_date),
        ("x-ms-content-sha256", signed.x_ms_content_sha256),
        ("authorization", signed.authorization),
        ("content-type", "application/json".to_owned()),
    ];
    if let Some(omit) = signing.omit {
        headers.retain(|(name, _)| *name != omit);
    }
    headers.extend(signing.extra_headers);
    send(method, url, headers, body.to_vec()).await
}

/// Sends a correctly signed request.
pub async fn send_signed(
    emulator: &Emulator,
    method: Method,
    path_and_query: &str,
    body: &[u8],
) -> Reply {
    send_signed_with(
        emulator,
        method,
        path_and_query,
        body,
        Signing::for_emulator(emulator),
    )
    .await
}

/// Creates a user over HTTP and returns its id.
pub async fn create_user(emulator: &Emulator) -> String {
    let reply = send_signed(emulator, Method::POST, &format!("/identities?{API}"), b"{}").await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.json());
    reply.json()["identity"]["id"].as_str().unwrap().to_owned()
}

/// Issues a token over HTTP; returns the whole reply.
pub async fn issue(emulator: &Emulator, id: &str, body: &str) -> Reply {
    let path = format!("/identities/{}/:issueAccessToken?{API}", encode(id));
    send_signed(emulator, Method::POST, &path, body.as_bytes()).await
}

/// Percent-encodes `:` as a client would.
pub fn encode(id: &str) -> String {
    id.replace(':', "%3A")
}

/// POSTs `{}` to an exchange endpoint with the given bearer token.
pub async fn exchange(emulator: &Emulator, path_and_query: &str, bearer: Option<&str>) -> Reply {
    let mut headers = vec![("content-type", "application/json".to_owned())];
    if let Some(token) = bearer {
        headers.push(("authorization", format!("Bearer {token}")));
    }
    send(
        Method::POST,
        url(emulator, path_and_query),
        headers,
        b"{}".to_vec(),
    )
    .await
}

/// Sends a request with `Authorization: Bearer <token>`.
pub async fn send_bearer(
    emulator: &Emulator,
    method: Method,
    path_and_query: &str,
    token: &str,
    body: &[u8],
) -> Reply {
    let headers = vec![
        ("authorization", format!("Bearer {token}")),
        ("content-type", "application/json".to_owned()),
    ];
    send(
        method,
        url(emulator, path_and_query),
        headers,
        body.to_vec(),
    )
    .await
}
