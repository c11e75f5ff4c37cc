//! A proactive refresh that had to wait for a slot of its `RefreshLimiter`
//! must not run when the token it was due for has been replaced meanwhile
//! (by an on-demand refresh): that would call the refresher twice for one
//! need.

mod credential_support;

use azure_communication_common::{
    AzureCommunicationTokenCredential, CommunicationTokenRefreshOptions, RefreshLimiter, TokenClock,
};
use azure_core::{credentials::AccessToken, time::Duration};
use credential_support::TokioClock;
use std::sync::{Arc, Mutex};

#[tokio::test(start_paused = true)]
async fn a_proactive_refresh_that_waited_for_a_permit_is_dropped_when_the_token_was_replaced() {
    let clock = TokioClock::new();
    let start = clock.now_utc();
    const SLOTS: usize = 4;
    let limiter = RefreshLimiter::new(SLOTS).with_max_slot_hold(Duration::hours(10));
    // Every slot taken by a proactive refresh that hangs until released.
    let release = Arc::new(tokio::sync::Semaphore::new(0));
    let mut blockers = Vec::new();
    for _ in 0..SLOTS {
        let (release, c) = (release.clone(), clock.clone());
        let credential = AzureCommunicationTokenCredential::with_refresher(
            CommunicationTokenRefreshOptions::new(move || {
                let (release, c) = (release.clone(), c.clone());
                async move {
                    let _permit = release.acquire().await.unwrap();
                    Ok(AccessToken::new("fresh", c.now_utc() + Duration::hours(1)))
                }
            })
            .with_clock(clock.clone())
            .proactive_refresh_limiter(limiter.clone())
            .with_initial_token(AccessToken::new("initial", start + Duration::hours(1)))
            .refresh_timeout(Duration::hours(10))
            .refresh_proactively(true),
        )
        .unwrap();
        credential.get_token().await.unwrap();
        blockers.push(credential);
    }

    // The credential under test: due at 55 minutes, expires at 65.
    let calls = Arc::new(Mutex::new(Vec::new()));
    let (log, c) = (calls.clone(), clock.clone());
    let credential = AzureCommunicationTokenCredential::with_refresher(
        CommunicationTokenRefreshOptions::new(move || {
            let n = {
                let mut log = log.lock().unwrap();
                log.push(c.elapsed());
                log.len() - 1
            };
            let c = c.clone();
            async move {
                Ok(AccessToken::new(
                    format!("token-{n}"),
                    c.now_utc() + Duration::hours(1),
                ))
            }
        })
        .with_clock(clock.clone())
        .proactive_refresh_limiter(limiter.clone())
        .with_initial_token(AccessToken::new("initial", start + Duration::minutes(65)))
        .refresh_proactively(true),
    )
    .unwrap();
    credential.get_token().await.unwrap();

    // 56 min: its proactive refresh waits for a slot
    tokio::time::sleep(std::time::Duration::from_secs(56 * 60)).await;
    assert!(calls.lock().unwrap().is_empty());
    // 64 min: inside the on-demand window, a caller refreshes
    tokio::time::sleep(std::time::Duration::from_secs(8 * 60)).await;
    assert_eq!(
        credential.get_token().await.unwrap().token.secret(),
        "token-0"
    );
    // the slots come free: the waiting proactive refresh is no longer due
    release.add_permits(SLOTS);
    for _ in 0..200 {
        tokio::task::yield_now().await;
    }
    let so_far = calls.lock().unwrap().clone();
    assert_eq!(
        so_far.len(),
        1,
        "refreshed again right after an on-demand refresh: {so_far:?}"
    );
    // the next refresh is the new token's: 50 minutes after the on-demand one
    tokio::time::sleep(std::time::Duration::from_secs(50 * 60 + 1)).await;
    let calls = calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(
        (calls[1] - calls[0] - Duration::minutes(50)).abs() <= Duration::milliseconds(2),
        "{calls:?}"
    );
}
