//! Access-key signing benchmarks (same workloads as `shared/bench-js`):
//!
//! * `sign_0B` … `sign_1MiB`: [`AccessKeySigner::sign`] of a POST to
//!   `https://contoso.communication.azure.com/identities/<percent-encoded
//!   8:acs: raw id>/:issueAccessToken?api-version=2023-10-01` with an ASCII
//!   body of that size and a 64-byte random key, dated "now" on every call
//!   (as the JavaScript policy does);
//! * `policy_per_request`: the whole cost of
//!   [`CommunicationAccessKeyCredentialPolicy`] for one request (0 B body)
//!   in front of a no-op next policy, including setting the headers.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use azure_communication_common::{AccessKeySigner, CommunicationAccessKeyCredentialPolicy};
use azure_core::http::headers::Headers;
use azure_core::http::policies::{Policy, PolicyResult};
use azure_core::http::{AsyncRawResponse, Context, Method, Request, StatusCode, Url};
use azure_core::time::OffsetDateTime;
use criterion::{black_box, Criterion, Throughput};

/// Deterministic xorshift bytes (fixed seed) so runs are comparable.
fn pseudo_random(len: usize, mut state: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

fn ascii_body(len: usize) -> Vec<u8> {
    pseudo_random(len, 0x9e37_79b9_7f4a_7c15)
        .into_iter()
        .map(|b| 32 + b % 95)
        .collect()
}

fn url() -> Url {
    // encodeURIComponent("8:acs:<guid>_<suffix>") as the JS bench does.
    let raw_id = "8:acs:1b5f1a6d-2e4c-4f0e-9a41-7c3b8e2d9f10_00000017-3a2b-4c5d-6e7f-8091a2b3c4d5";
    let encoded = raw_id.replace(':', "%3A");
    Url::parse(&format!(
        "https://contoso.communication.azure.com/identities/{encoded}/:issueAccessToken?api-version=2023-10-01"
    ))
    .expect("benchmark url")
}

fn key() -> String {
    azure_core::base64::encode(pseudo_random(64, 0x0123_4567_89ab_cdef))
}

#[derive(Debug)]
struct NoOp;

#[async_trait]
impl Policy for NoOp {
    async fn send(&self, _: &Context, _: &mut Request, _: &[Arc<dyn Policy>]) -> PolicyResult {
        Ok(AsyncRawResponse::from_bytes(
            StatusCode::Ok,
            Headers::new(),
            Vec::<u8>::new(),
        ))
    }
}

fn signing(c: &mut Criterion) {
    let signer = AccessKeySigner::new(key()).expect("valid key");
    let url = url();
    let mut group = c.benchmark_group("signing");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for (name, len) in [
        ("sign_0B", 0usize),
        ("sign_1KiB", 1024),
        ("sign_64KiB", 64 * 1024),
        ("sign_1MiB", 1024 * 1024),
    ] {
        let body = ascii_body(len);
        group.throughput(Throughput::Bytes(len as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                let headers = signer
                    .sign("POST", &url, black_box(&body), OffsetDateTime::now_utc())
                    .expect("sign");
                black_box(headers.authorization.len())
            })
        });
    }

    let policy = CommunicationAccessKeyCredentialPolicy::new(signer.clone());
    let next: Vec<Arc<dyn Policy>> = vec![Arc::new(NoOp)];
    let ctx = Context::new();
    let mut request = Request::new(url.clone(), Method::Post);
    group.throughput(Throughput::Bytes(0));
    group.bench_function("policy_per_request", |b| {
        b.iter(|| {
            let response =
                futures::executor::block_on(policy.send(&ctx, &mut request, &next)).expect("send");
            black_box(response.status())
        })
    });
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    signing(&mut criterion);
    criterion.final_summary();
}
