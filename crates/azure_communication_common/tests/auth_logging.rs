//! The access-key policy's logs never contain the key, even at TRACE.
//!
//! Alone in its own test binary: `tracing` caches per call site whether
//! anyone listens, and another test hitting the policy's call site on another
//! thread while this one installs its subscriber can leave that cache at
//! "nobody listens", so the test would see no log line at all.

mod log_capture;

use async_trait::async_trait;
use azure_communication_common::{
    communication_auth_policy, AccessKeySigner, CommunicationCredential,
};
use azure_core::http::headers::Headers;
use azure_core::http::{
    AsyncRawResponse, ClientOptions, Context, HttpClient, Method, Pipeline, Request, RetryOptions,
    StatusCode, Transport, Url,
};
use log_capture::Capture;
use std::sync::Arc;

#[test]
fn trace_logs_never_contain_the_key() {
    let key = "c2VjcmV0LWtleS1ieXRlcw==";
    let (logs, _guard) = Capture::install();
    {
        #[derive(Debug)]
        struct Ok200;
        #[async_trait]
        impl HttpClient for Ok200 {
            async fn execute_request(&self, _: &Request) -> azure_core::Result<AsyncRawResponse> {
                Ok(AsyncRawResponse::from_bytes(
                    StatusCode::Ok,
                    Headers::new(),
                    Vec::<u8>::new(),
                ))
            }
        }
        let credential = CommunicationCredential::from_access_key(key.to_owned()).unwrap();
        tracing::debug!(?credential, "credential");
        let options = ClientOptions {
            transport: Some(Transport::new(Arc::new(Ok200))),
            retry: RetryOptions::none(),
            ..Default::default()
        };
        let p = Pipeline::new(
            None,
            None,
            options,
            Vec::new(),
            vec![communication_auth_policy(credential)],
            None,
        );
        let mut req = Request::new(
            Url::parse("https://contoso.communication.azure.com/identities").unwrap(),
            Method::Post,
        );
        req.set_body(b"{}".to_vec());
        futures::executor::block_on(p.send(&Context::new(), &mut req, None)).unwrap();
        if let Err(e) = AccessKeySigner::new("bad-key_".to_owned()) {
            tracing::error!(%e, "expected");
        }
    }
    let text = logs.text();
    assert!(text.contains("signed request with access key"), "{text}");
    assert!(!text.contains(key), "{text}");
    assert!(!text.contains("c2VjcmV0"), "{text}");
}
