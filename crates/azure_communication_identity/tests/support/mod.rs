//! What the identity client's tests share: an emulator and a client for it.
#![allow(dead_code)] // each test binary uses a part of it

use acs_emulator::{Emulator, EmulatorOptions};
use azure_communication_identity::CommunicationServiceError;
use azure_communication_identity::{
    CommunicationIdentityClient, CommunicationIdentityClientOptions,
};
use azure_core::error::ErrorKind;
use azure_core::http::{ClientOptions, FixedRetryOptions, RetryOptions, StatusCode};

/// A started emulator with default options (plain HTTP on loopback).
pub async fn emulator() -> Emulator {
    Emulator::start(EmulatorOptions::new())
        .await
        .expect("the emulator starts on loopback")
}

/// Client options without retries (tests that test retries say so).
pub fn no_retry() -> CommunicationIdentityClientOptions {
    with_client_options(ClientOptions {
        retry: RetryOptions::none(),
        ..Default::default()
    })
}

/// Client options retrying `max_retries` times after `delay_ms` (Retry-After,
/// when sent, wins over the delay).
pub fn fixed_retry(delay_ms: i64, max_retries: u32) -> CommunicationIdentityClientOptions {
    with_client_options(ClientOptions {
        retry: RetryOptions::fixed(FixedRetryOptions {
            delay: azure_core::time::Duration::milliseconds(delay_ms),
            max_retries,
            ..Default::default()
        }),
        ..Default::default()
    })
}

pub fn with_client_options(client_options: ClientOptions) -> CommunicationIdentityClientOptions {
    CommunicationIdentityClientOptions {
        client_options,
        ..Default::default()
    }
}

/// A client of `emulator`, authenticated with its access key, no retries.
pub fn client(emulator: &Emulator) -> CommunicationIdentityClient {
    CommunicationIdentityClient::from_connection_string(
        &emulator.connection_string(),
        Some(no_retry()),
    )
    .expect("the emulator's connection string is valid")
}

/// The service error inside `error`, after checking that azure_core's
/// HTTP-response kind carries the same status and code and the raw response.
pub fn service_error(error: &azure_core::Error) -> &CommunicationServiceError {
    let service = error
        .downcast_ref::<CommunicationServiceError>()
        .unwrap_or_else(|| panic!("not a service error: {error:?}"));
    let ErrorKind::HttpResponse {
        status,
        error_code,
        raw_response,
    } = error.kind()
    else {
        panic!("not an HTTP response error: {error:?}");
    };
    assert_eq!(*status, service.status());
    assert_eq!(error_code.as_deref(), service.code());
    let raw = raw_response.as_ref().expect("the raw response is kept");
    assert_eq!(raw.status(), service.status());
    service
}

/// Asserts `error` is the service's `status` with `code`.
pub fn assert_service_error(
    error: &azure_core::Error,
    status: StatusCode,
    code: &str,
) -> CommunicationServiceError {
    let service = service_error(error);
    assert_eq!(service.status(), status, "{error}");
    assert_eq!(service.code(), Some(code), "{error}");
    service.clone()
}

/// A transport that answers every request with a fixed status and body (as
/// a proxy, a wrong endpoint or a service echoing its input might).
#[derive(Debug)]
pub struct Answer(pub StatusCode, pub String);

#[async_trait::async_trait]
impl azure_core::http::HttpClient for Answer {
    async fn execute_request(
        &self,
        _request: &azure_core::http::Request,
    ) -> azure_core::Result<azure_core::http::AsyncRawResponse> {
        Ok(azure_core::http::AsyncRawResponse::from_bytes(
            self.0,
            azure_core::http::headers::Headers::new(),
            self.1.clone().into_bytes(),
        ))
    }
}

/// A client of a made-up https resource whose every answer is `status` and
/// `body`, without retries.
pub fn client_answering(status: StatusCode, body: &str) -> CommunicationIdentityClient {
    let options = with_client_options(ClientOptions {
        transport: Some(azure_core::http::Transport::new(std::sync::Arc::new(
            Answer(status, body.to_owned()),
        ))),
        retry: RetryOptions::none(),
        ..Default::default()
    });
    CommunicationIdentityClient::from_connection_string(
        "endpoint=https://contoso.communication.azure.com/;accesskey=cHc9PQ==",
        Some(options),
    )
    .unwrap()
}

/// A started emulator serving HTTPS with its own generated CA.
pub async fn https_emulator() -> Emulator {
    Emulator::start(EmulatorOptions::new().tls(true))
        .await
        .expect("the emulator starts on loopback with TLS")
}

/// azure_core's reqwest transport trusting only `emulator`'s CA.
pub fn https_transport(emulator: &Emulator) -> azure_core::http::Transport {
    let pem = emulator
        .ca_certificate_pem()
        .expect("the emulator serves HTTPS");
    let ca = reqwest::Certificate::from_pem(pem.as_bytes()).unwrap();
    let client = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([ca])
        .build()
        .unwrap();
    azure_core::http::Transport::new(std::sync::Arc::new(client))
}

/// Options for an HTTPS emulator: its CA trusted, no retries.
pub fn https_options(emulator: &Emulator) -> CommunicationIdentityClientOptions {
    with_client_options(ClientOptions {
        transport: Some(https_transport(emulator)),
        retry: RetryOptions::none(),
        ..Default::default()
    })
}
