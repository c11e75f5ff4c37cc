//! The many-credentials scenario of issue 10: a backend holding many
//! proactively refreshing credentials whose tokens come due together, all
//! sharing one `RefreshLimiter`, in virtual time (tokio's paused clock).
//! Used by `tests/credential_limiter.rs` (small N) and by
//! `examples/proactive_fleet.rs` (the 100,000-credential figure).
#![allow(dead_code)]

use super::TokioClock;
use azure_communication_common::{
    AzureCommunicationTokenCredential, CommunicationTokenRefreshOptions, RefreshLimiter, TokenClock,
};
use azure_core::{credentials::AccessToken, time::Duration};
use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc, Mutex,
};

/// Credentials alike: `count` of them, whose refresher issues tokens living
/// `lifetime`, answering after 50 ms, except that with `hang` every call
/// after the first never answers (the refresh times out after 30 s). The
/// first token is fetched on demand by a `get_token` at the start, so the
/// first proactive refreshes of the group come due together at half of
/// `lifetime`.
#[derive(Clone, Copy, Debug)]
pub struct Group {
    pub count: usize,
    pub lifetime: Duration,
    pub hang: bool,
}

/// What happened to one group's first proactive refreshes (each
/// credential's second refresher call).
#[derive(Clone, Debug, Default)]
pub struct GroupReport {
    /// First proactive refreshes that started.
    pub refreshes: usize,
    /// Of those, how many started at or after the expiry of the token they replace.
    pub late: usize,
    /// Virtual time of the first and the last of them.
    pub first_call: Option<Duration>,
    pub last_call: Option<Duration>,
}

/// How long a refresher takes to answer.
pub const ANSWER: std::time::Duration = std::time::Duration::from_millis(50);

/// One credential's refresher calls: (virtual time, expiry of the token issued).
type Calls = Arc<Mutex<Vec<(Duration, Duration)>>>;

/// Runs the groups for `horizon` of virtual time; returns one report per
/// group and the most proactive refreshers that ran at once. Call it on a runtime
/// whose clock is paused.
pub async fn run(
    groups: &[Group],
    limiter: RefreshLimiter,
    horizon: std::time::Duration,
) -> (Vec<GroupReport>, usize) {
    let clock = TokioClock::new();
    let live = Arc::new(AtomicUsize::new(0));
    let max_live = Arc::new(AtomicUsize::new(0));
    let mut credentials = Vec::new();
    let mut calls: Vec<Vec<Calls>> = Vec::new();
    for group in groups {
        let mut group_calls = Vec::new();
        for _ in 0..group.count {
            let record: Calls = Arc::default();
            let (c, r, live, max_live) = (
                clock.clone(),
                record.clone(),
                live.clone(),
                max_live.clone(),
            );
            let Group { lifetime, hang, .. } = *group;
            let options = CommunicationTokenRefreshOptions::new(move || {
                let now = c.elapsed();
                let first = {
                    let mut calls = r.lock().unwrap();
                    calls.push((now, now + ANSWER + lifetime));
                    calls.len() == 1
                };
                // count the proactive refreshes running at once (not the first, on-demand ones)
                let live = (!first).then(|| {
                    let now_live = live.fetch_add(1, Ordering::SeqCst) + 1;
                    max_live.fetch_max(now_live, Ordering::SeqCst);
                    live.clone()
                });
                let c = c.clone();
                async move {
                    struct Done(Option<Arc<AtomicUsize>>);
                    impl Drop for Done {
                        fn drop(&mut self) {
                            if let Some(live) = &self.0 {
                                live.fetch_sub(1, Ordering::SeqCst);
                            }
                        }
                    }
                    let _done = Done(live);
                    if hang && !first {
                        futures::future::pending::<()>().await;
                    }
                    tokio::time::sleep(ANSWER).await;
                    Ok(AccessToken::new("fresh", c.now_utc() + lifetime))
                }
            })
            .with_clock(clock.clone())
            .proactive_refresh_limiter(limiter.clone())
            .refresh_proactively(true);
            credentials.push(AzureCommunicationTokenCredential::with_refresher(options).unwrap());
            group_calls.push(record);
        }
        calls.push(group_calls);
    }
    // every credential's first token, on demand, all at once
    let first = futures::future::join_all(credentials.iter().map(|c| c.get_token())).await;
    assert!(first.iter().all(Result::is_ok));
    tokio::time::sleep(horizon).await;
    let reports = calls
        .iter()
        .map(|group_calls| {
            let mut report = GroupReport::default();
            for calls in group_calls {
                let calls = calls.lock().unwrap();
                if let (Some((_, expires)), Some((at, _))) = (calls.first(), calls.get(1)) {
                    report.refreshes += 1;
                    report.late += usize::from(at >= expires);
                    report.first_call = Some(report.first_call.map_or(*at, |t| t.min(*at)));
                    report.last_call = Some(report.last_call.map_or(*at, |t| t.max(*at)));
                }
            }
            report
        })
        .collect();
    for credential in &credentials {
        credential.dispose();
    }
    (reports, max_live.load(Ordering::SeqCst))
}
