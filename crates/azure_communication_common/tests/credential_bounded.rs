//! Proactive refreshes of the credentials sharing a `RefreshLimiter` run at
//! most `max_concurrent` at a time (while each holds its slot).

mod credential_support;

use azure_communication_common::{
    AzureCommunicationTokenCredential, CommunicationTokenRefreshOptions, RefreshLimiter, TokenClock,
};
use azure_core::{credentials::AccessToken, time::Duration};
use credential_support::TokioClock;
use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

#[tokio::test(start_paused = true)]
async fn proactive_refresher_concurrency_is_bounded() {
    const N: usize = 200;
    const LIMIT: usize = 16;
    // slots held as long as the refreshes take (here: until released)
    let limiter = RefreshLimiter::new(LIMIT).with_max_slot_hold(Duration::hours(10));
    let clock = TokioClock::new();
    let release = Arc::new(tokio::sync::Semaphore::new(0));
    let live = Arc::new(AtomicUsize::new(0));
    let max_live = Arc::new(AtomicUsize::new(0));
    let calls = Arc::new(AtomicUsize::new(0));
    let mut credentials = Vec::new();
    for _ in 0..N {
        let (release, live, max_live, calls, c) = (
            release.clone(),
            live.clone(),
            max_live.clone(),
            calls.clone(),
            clock.clone(),
        );
        let options = CommunicationTokenRefreshOptions::new(move || {
            let (release, live, max_live, c) =
                (release.clone(), live.clone(), max_live.clone(), c.clone());
            calls.fetch_add(1, Ordering::SeqCst);
            async move {
                let now_live = live.fetch_add(1, Ordering::SeqCst) + 1;
                max_live.fetch_max(now_live, Ordering::SeqCst);
                let _permit = release.acquire().await.unwrap();
                live.fetch_sub(1, Ordering::SeqCst);
                Ok(AccessToken::new("fresh", c.now_utc() + Duration::hours(1)))
            }
        })
        .with_clock(clock.clone())
        .proactive_refresh_limiter(limiter.clone())
        .refresh_timeout(Duration::hours(10))
        .with_initial_token(AccessToken::new(
            "initial",
            clock.now_utc() + Duration::hours(1),
        ))
        .refresh_proactively(true);
        let credential = AzureCommunicationTokenCredential::with_refresher(options).unwrap();
        credential.get_token().await.unwrap();
        credentials.push(credential);
    }
    // every credential is due at 50 minutes
    tokio::time::sleep(std::time::Duration::from_secs(50 * 60 + 1)).await;
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
    assert_eq!(live.load(Ordering::SeqCst), LIMIT);
    release.add_permits(N);
    for _ in 0..200 {
        tokio::task::yield_now().await;
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        N,
        "every credential refreshed"
    );
    assert_eq!(max_live.load(Ordering::SeqCst), LIMIT);
    for credential in &credentials {
        assert_eq!(
            credential.get_token().await.unwrap().token.secret(),
            "fresh"
        );
    }
}
