//! `RefreshLimiter`: many proactively refreshing credentials sharing one
//! limit (the issue-10 scenario at a small N; `examples/proactive_fleet.rs`
//! runs 100,000), earliest expiry first, and hung refreshers that give up
//! their slot after the limiter's longest hold. Virtual time throughout.

mod credential_support;

use azure_communication_common::{
    AzureCommunicationTokenCredential, CommunicationTokenRefreshOptions, RefreshLimiter, TokenClock,
};
use azure_core::{credentials::AccessToken, time::Duration};
use credential_support::{
    fleet::{run, Group},
    TokioClock,
};
use std::sync::{Arc, Mutex};

const MS: std::time::Duration = std::time::Duration::from_millis(1);

/// 2,000 credentials whose 40 s tokens, fetched at 50 ms, come due
/// together at 20.05 s (half their life), refreshers answering in 50 ms.
fn due_together() -> Group {
    Group {
        count: 2_000,
        lifetime: Duration::seconds(40),
        hang: false,
    }
}

#[tokio::test(start_paused = true)]
async fn a_fleet_due_together_refreshes_within_the_limit_before_expiry() {
    let (reports, max_live) = run(&[due_together()], RefreshLimiter::new(64), 60_000 * MS).await;
    let report = &reports[0];
    assert_eq!(report.refreshes, 2_000);
    assert_eq!(report.late, 0, "{report:?}");
    assert_eq!(max_live, 64, "the limit is used and kept");
    assert_eq!(report.first_call, Some(Duration::milliseconds(20_050)));
    // 32 rounds of 64 refreshes of 50 ms: done 1.6 s after coming due
    let last = report.last_call.unwrap();
    assert!(last < Duration::milliseconds(21_650), "{report:?}");
}

#[tokio::test(start_paused = true)]
async fn the_limit_decides_how_fast_the_fleet_is_refreshed() {
    // two at a time: 1,000 rounds of 50 ms, longer than the 20 s left
    let (reports, max_live) = run(&[due_together()], RefreshLimiter::new(2), 120_000 * MS).await;
    let report = &reports[0];
    assert_eq!(max_live, 2);
    assert_eq!(report.refreshes, 2_000);
    assert!(report.late > 0, "{report:?}");
    assert!(
        report.last_call.unwrap() >= Duration::seconds(69),
        "{report:?}"
    );
}

/// Four hung refreshers (due first, expiring first) and 40 healthy ones
/// share a limiter of four slots.
fn hung_and_healthy() -> [Group; 2] {
    [
        Group {
            count: 4,
            lifetime: Duration::seconds(40),
            hang: true,
        },
        Group {
            count: 40,
            lifetime: Duration::seconds(41),
            hang: false,
        },
    ]
}

#[tokio::test(start_paused = true)]
async fn hung_refreshers_hold_their_slots_only_for_the_longest_hold() {
    let limiter = RefreshLimiter::new(4);
    assert_eq!(limiter.max_slot_hold(), Duration::seconds(2));
    let (reports, _) = run(&hung_and_healthy(), limiter, 60_000 * MS).await;
    let (hung, healthy) = (&reports[0], &reports[1]);
    assert_eq!(hung.first_call, Some(Duration::milliseconds(20_050)));
    assert_eq!(healthy.refreshes, 40);
    assert_eq!(healthy.late, 0);
    // the healthy ones (due at 20.55 s) waited for the hung ones' 2 s hold,
    // not for their 30 s timeout
    assert_eq!(healthy.first_call, Some(Duration::milliseconds(22_050)));
    assert!(
        healthy.last_call.unwrap() <= Duration::milliseconds(22_550),
        "{healthy:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn without_the_hold_hung_refreshers_stall_the_others_until_their_timeout() {
    // what the fixed permits did: a slot is held for the whole refresh
    let limiter = RefreshLimiter::new(4).with_max_slot_hold(Duration::hours(1));
    let (reports, _) = run(&hung_and_healthy(), limiter, 60_000 * MS).await;
    let healthy = &reports[1];
    // the hung refreshes time out at 20.05 s + 30 s
    assert_eq!(healthy.first_call, Some(Duration::milliseconds(50_050)));
    assert_eq!(healthy.late, 40, "every healthy token expired meanwhile");
}

#[tokio::test(start_paused = true)]
async fn waiting_refreshes_get_a_slot_earliest_expiry_first() {
    let clock = TokioClock::new();
    let start = clock.now_utc();
    let limiter = RefreshLimiter::new(1).with_max_slot_hold(Duration::hours(1));
    let order = Arc::new(Mutex::new(Vec::new()));
    let release = Arc::new(tokio::sync::Semaphore::new(0));
    let credential = |name: &'static str, created: Duration, left: Duration| {
        let (order, release, c) = (order.clone(), release.clone(), clock.clone());
        AzureCommunicationTokenCredential::with_refresher(
            CommunicationTokenRefreshOptions::new(move || {
                order.lock().unwrap().push((name, c.elapsed()));
                let (release, c) = (release.clone(), c.clone());
                async move {
                    if name == "blocker" {
                        let _permit = release.acquire().await.unwrap();
                    }
                    Ok(AccessToken::new("fresh", c.now_utc() + Duration::hours(1)))
                }
            })
            .with_clock(clock.clone())
            .with_initial_token(AccessToken::new("initial", start + created + left))
            .proactive_refresh_limiter(limiter.clone())
            .refresh_timeout(Duration::hours(1))
            .refresh_proactively(true),
        )
        .unwrap()
    };
    // the blocker takes the only slot at 30 min and keeps it until released
    let blocker = credential("blocker", Duration::ZERO, Duration::minutes(40));
    blocker.get_token().await.unwrap();
    // A: due at 50 min, expires at 60 min
    let a = credential("a", Duration::ZERO, Duration::minutes(60));
    a.get_token().await.unwrap();
    // B, made at 48 min with 6 min left: due at 51 min, expires at 54 min
    tokio::time::sleep(std::time::Duration::from_secs(48 * 60)).await;
    let b = credential("b", Duration::minutes(48), Duration::minutes(6));
    b.get_token().await.unwrap();
    // at 52 min both wait; the blocker's refresh ends
    tokio::time::sleep(std::time::Duration::from_secs(4 * 60)).await;
    release.add_permits(1);
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let order = order.lock().unwrap().clone();
    let names: Vec<_> = order.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, ["blocker", "b", "a"], "{order:?}");
    assert_eq!(order[1].1, Duration::minutes(52));
}
