//! A caller that saw an expired token just before another caller's refresh
//! stored a fresh one must be served that token, not start a second refresh.
//!
//! The window is a few instructions wide, so this test opens it many times
//! on several threads; it is deterministic in what it asserts (exactly one
//! refresher call per round), not in how often the window is hit.

use azure_communication_common::{
    AzureCommunicationTokenCredential, CommunicationTokenRefreshOptions,
};
use azure_core::{
    credentials::AccessToken,
    time::{Duration, OffsetDateTime},
};
use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc, Barrier,
};

#[test]
fn racing_callers_never_refresh_twice_for_one_expiry() {
    const ROUNDS: usize = 300;
    const THREADS: usize = 4;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    for round in 0..ROUNDS {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = calls.clone();
        let credential = AzureCommunicationTokenCredential::with_refresher(
            CommunicationTokenRefreshOptions::new(move || {
                counter.fetch_add(1, Ordering::SeqCst);
                // Answers at once: the refresh finishes while others are
                // still between their first look and the gate.
                async {
                    Ok(AccessToken::new(
                        "fresh",
                        OffsetDateTime::now_utc() + Duration::hours(1),
                    ))
                }
            })
            .with_initial_token(AccessToken::new(
                "expired",
                OffsetDateTime::now_utc() - Duration::hours(1),
            )),
        )
        .unwrap();
        let barrier = Arc::new(Barrier::new(THREADS));
        std::thread::scope(|scope| {
            for _ in 0..THREADS {
                let credential = credential.clone();
                let barrier = barrier.clone();
                let handle = runtime.handle().clone();
                scope.spawn(move || {
                    let _guard = handle.enter();
                    barrier.wait();
                    let token = futures::executor::block_on(credential.get_token()).unwrap();
                    assert_eq!(token.token.secret(), "fresh");
                });
            }
        });
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "round {round}: one expiry, one refresh"
        );
        credential.dispose();
    }
}
