//! Credential benchmarks, mirroring ../shared/bench-js/bench.mjs:
//!
//! * `parseToken` — read the expiry of a ~600-character RS256 ACS-style JWT
//!   (built like `acsJwt` in bench.mjs).
//! * `getToken_cached` — `get_token()` on a refreshing credential whose token
//!   is far from expiry, on one thread.
//! * `getToken_cached_2threads` — the same, two threads calling at once
//!   (time per call per thread).
//! * `getToken_concurrent_refresh` — ONE batch of 10,000 concurrent
//!   `get_token()` calls on an expired credential whose refresher answers after
//!   one scheduler turn (a task spawned by the refresher sends the answer, so
//!   it runs after the batch's task yields — as `setImmediate` in bench.mjs
//!   answers after every `getToken()` call has been made); every call joins
//!   the one refresh, and the refresher must be called exactly once per batch
//!   (asserted). All calls run on one task, as `Promise.all` does in
//!   JavaScript.
//! * `floor_token_clone` and `floor_10k_token_clones` — not credential code:
//!   cloning the ~690-character `AccessToken` once, and 10,000 times into a
//!   vector kept until all are made. Every call of `get_token` must hand out
//!   an owned `AccessToken` (azure_core's `Secret` holds a `Cow<'static, str>`,
//!   so it cannot share one string), so these are the least that
//!   `getToken_cached` and `getToken_concurrent_refresh` can cost on this
//!   machine's allocator, whatever the credential does.

// criterion_group! generates an undocumented `pub fn`.
#![allow(missing_docs)]

use azure_communication_common::{
    parse_token, AzureCommunicationTokenCredential, CommunicationTokenRefreshOptions,
};
use azure_core::{
    credentials::AccessToken,
    time::{Duration, OffsetDateTime},
};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use std::{
    future::Future,
    pin::Pin,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Barrier,
    },
    task::Poll,
    time::Instant,
};

mod support;
use support::Rng;

const CONCURRENT_CALLS: usize = 10_000;

/// An ACS-style RS256 JWT like bench.mjs's `acsJwt(exp)`.
fn acs_jwt(rng: &mut Rng, exp: i64) -> String {
    fn b64(input: impl AsRef<[u8]>) -> String {
        azure_core::base64::encode_url_safe(input)
    }
    let header = r#"{"alg":"RS256","kid":"5B3BC92A4CB3F1A8A2E1B7C7B8C2D0A2E7C3E8F1","x5t":"WzvJKkyz8aii4bfHuMLQoufD6PE","typ":"JWT"}"#;
    let user = rng.guid();
    let suffix = rng.acs_suffix();
    let resource = rng.guid();
    let payload = format!(
        r#"{{"skypeid":"acs:{user}_{suffix}","scp":1792,"csi":"1700000000","exp":{exp},"rgn":"amer","acsScope":"chat,voip","resourceId":"{resource}","resourceLocation":"unitedstates","iat":1700000000}}"#
    );
    let signature: Vec<u8> = (0..128).map(|_| rng.int(256) as u8).collect();
    format!("{}.{}.{}", b64(header), b64(payload), b64(signature))
}

fn far_future_jwt() -> String {
    let far = OffsetDateTime::now_utc().unix_timestamp() + 10 * 365 * 86_400;
    acs_jwt(&mut Rng(12345), far)
}

fn cached_credential(jwt: &str) -> AzureCommunicationTokenCredential {
    let fresh = jwt.to_owned();
    AzureCommunicationTokenCredential::with_refresher(
        CommunicationTokenRefreshOptions::new(move || {
            let fresh = fresh.clone();
            async move { Ok(fresh) }
        })
        .with_initial_token(jwt.to_owned())
        .refresh_proactively(false),
    )
    .expect("credential")
}

/// Polls every future once per wake-up, in order, until all are done (what
/// `Promise.all` does with promises created up front).
async fn join_in_order<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<Option<Pin<Box<F>>>> =
        futures.into_iter().map(|f| Some(Box::pin(f))).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    let mut pending = futures.len();
    std::future::poll_fn(|cx| {
        for (slot, out) in futures.iter_mut().zip(outputs.iter_mut()) {
            if let Some(f) = slot {
                if let Poll::Ready(v) = f.as_mut().poll(cx) {
                    *out = Some(v);
                    *slot = None;
                    pending -= 1;
                }
            }
        }
        if pending == 0 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    outputs.into_iter().map(|o| o.expect("done")).collect()
}

fn benches(c: &mut Criterion) {
    let jwt = far_future_jwt();
    eprintln!("parseToken input: {} characters", jwt.len());

    c.bench_function("parseToken", |b| {
        b.iter(|| parse_token(black_box(&jwt)).expect("valid"))
    });

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");

    let credential = cached_credential(&jwt);
    c.bench_function("getToken_cached", |b| {
        b.to_async(&runtime)
            .iter(|| async { credential.get_token().await.expect("token") })
    });

    c.bench_function("getToken_cached_2threads", |b| {
        b.iter_custom(|iters| {
            let barrier = Barrier::new(2);
            std::thread::scope(|s| {
                let handles: Vec<_> = (0..2)
                    .map(|_| {
                        let credential = credential.clone();
                        let barrier = &barrier;
                        s.spawn(move || {
                            barrier.wait();
                            let start = Instant::now();
                            futures::executor::block_on(async {
                                for _ in 0..iters {
                                    black_box(credential.get_token().await.expect("token"));
                                }
                            });
                            start.elapsed()
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("thread"))
                    .max()
                    .expect("two threads")
            })
        })
    });

    let ready = AccessToken::new(
        jwt.clone(),
        OffsetDateTime::now_utc() + Duration::days(3650),
    );
    c.bench_function("floor_token_clone", |b| {
        b.iter(|| black_box(&ready).clone())
    });

    c.bench_function("floor_10k_token_clones", |b| {
        b.iter_custom(|iters| {
            let mut total = std::time::Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                let tokens: Vec<AccessToken> = (0..CONCURRENT_CALLS)
                    .map(|_| black_box(&ready).clone())
                    .collect();
                total += start.elapsed();
                drop(black_box(tokens));
            }
            total
        })
    });

    let expired = acs_jwt(
        &mut Rng(777),
        OffsetDateTime::now_utc().unix_timestamp() - 3600,
    );
    c.bench_function("getToken_concurrent_refresh", |b| {
        b.iter_custom(|iters| {
            let mut total = std::time::Duration::ZERO;
            for _ in 0..iters {
                let calls = Arc::new(AtomicUsize::new(0));
                let counter = calls.clone();
                let fresh = jwt.clone();
                let credential = AzureCommunicationTokenCredential::with_refresher(
                    CommunicationTokenRefreshOptions::new(move || {
                        counter.fetch_add(1, Ordering::SeqCst);
                        let fresh = fresh.clone();
                        let (answer, answered) = tokio::sync::oneshot::channel();
                        tokio::spawn(async move {
                            let _ = answer.send(());
                        });
                        async move {
                            let _ = answered.await;
                            Ok(AccessToken::new(
                                fresh,
                                OffsetDateTime::now_utc() + Duration::days(3650),
                            ))
                        }
                    })
                    .with_initial_token(expired.clone()),
                )
                .expect("credential");
                let elapsed = runtime.block_on(async {
                    let start = Instant::now();
                    let tokens = join_in_order(
                        (0..CONCURRENT_CALLS)
                            .map(|_| credential.get_token())
                            .collect(),
                    )
                    .await;
                    let elapsed = start.elapsed();
                    assert!(tokens
                        .iter()
                        .all(|t| t.as_ref().expect("token").token.secret() == jwt));
                    elapsed
                });
                assert_eq!(
                    calls.load(Ordering::SeqCst),
                    1,
                    "the refresher must be called exactly once per batch"
                );
                credential.dispose();
                total += elapsed;
            }
            total
        })
    });
}

criterion_group! {
    name = credential;
    config = Criterion::default()
        .measurement_time(std::time::Duration::from_secs(3))
        .warm_up_time(std::time::Duration::from_secs(1))
        .sample_size(20);
    targets = benches
}
criterion_main!(credential);
