//! The refresh state machine (SPEC 2.2–2.3), driven by paused tokio time and
//! an injected clock that follows it. No real sleeps.

mod credential_support;

use azure_communication_common::{
    AzureCommunicationTokenCredential, CommunicationGetTokenOptions, CommunicationTokenCredential,
    CommunicationTokenRefreshOptions,
};
use azure_core::{
    credentials::AccessToken,
    error::ErrorKind,
    time::{Duration, OffsetDateTime},
};
use credential_support::{jwt_expiring, TokioClock};
use futures::FutureExt;
use std::{
    future::Future,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
};

const DISPOSED: &str = "User credential is disposed";
const EXPIRED: &str = "The token returned from the tokenRefresher is expired.";

/// Records refresher calls (virtual time since start) and counts live refresher futures.
#[derive(Clone)]
struct Recorder {
    clock: Arc<TokioClock>,
    calls: Arc<Mutex<Vec<Duration>>>,
    live: Arc<AtomicUsize>,
}

struct LiveGuard(Arc<AtomicUsize>);
impl Drop for LiveGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Recorder {
    fn new() -> Self {
        Self {
            clock: TokioClock::new(),
            calls: Arc::default(),
            live: Arc::default(),
        }
    }
    fn count(&self) -> usize {
        self.calls.lock().unwrap().len()
    }
    fn times(&self) -> Vec<Duration> {
        self.calls.lock().unwrap().clone()
    }
    fn live(&self) -> usize {
        self.live.load(Ordering::SeqCst)
    }
    fn now(&self) -> OffsetDateTime {
        use azure_communication_common::TokenClock;
        self.clock.now_utc()
    }
    /// Options whose refresher runs `f(call index, now)`.
    fn options<F, Fut>(&self, f: F) -> CommunicationTokenRefreshOptions
    where
        F: Fn(usize, OffsetDateTime) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = azure_core::Result<AccessToken>> + Send + 'static,
    {
        let rec = self.clone();
        CommunicationTokenRefreshOptions::new(move || {
            let index = {
                let mut calls = rec.calls.lock().unwrap();
                calls.push(rec.clock.elapsed());
                calls.len() - 1
            };
            rec.live.fetch_add(1, Ordering::SeqCst);
            let guard = LiveGuard(rec.live.clone());
            let fut = f(index, rec.now());
            async move {
                let _guard = guard;
                fut.await
            }
        })
        .with_clock(self.clock.clone())
    }
    /// Options whose refresher returns tokens living `lifetime`, after one yield.
    fn issuing(&self, lifetime: Duration) -> CommunicationTokenRefreshOptions {
        self.options(move |i, now| async move {
            tokio::task::yield_now().await;
            Ok(AccessToken::new(format!("token-{i}"), now + lifetime))
        })
    }
}

fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

async fn settle() {
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
}

fn close(actual: Duration, expected: Duration) -> bool {
    (actual - expected).abs() <= Duration::milliseconds(2)
}

// ---------------------------------------------------------------------------
// static credentials

#[tokio::test(start_paused = true)]
async fn static_token_is_returned_even_when_expired_and_starts_nothing() {
    let expired = jwt_expiring(OffsetDateTime::from_unix_timestamp(100).unwrap(), 1);
    let credential = AzureCommunicationTokenCredential::from_token(&expired).unwrap();
    for _ in 0..3 {
        let token = credential.get_token().await.unwrap();
        assert_eq!(token.token.secret(), expired);
        assert_eq!(token.expires_on.unix_timestamp(), 100);
    }
    let explicit = AccessToken::new(
        "opaque-token",
        OffsetDateTime::from_unix_timestamp(5).unwrap(),
    );
    let credential2 = AzureCommunicationTokenCredential::from_access_token(explicit);
    assert_eq!(
        credential2.get_token().await.unwrap().token.secret(),
        "opaque-token"
    );
    assert_eq!(alive_tasks(), 0);
    credential.dispose();
    assert_eq!(
        credential.get_token().await.unwrap_err().to_string(),
        DISPOSED
    );
    assert!(AzureCommunicationTokenCredential::from_token("").is_err());
    assert!(AzureCommunicationTokenCredential::from_token("Bearer x").is_err());
}

// ---------------------------------------------------------------------------
// proactive schedule

async fn proactive_schedule(lifetime: Duration, horizon: Duration) -> Vec<Duration> {
    let rec = Recorder::new();
    let initial = AccessToken::new("initial", rec.now() + lifetime);
    let credential = AzureCommunicationTokenCredential::with_refresher(
        rec.issuing(lifetime)
            .with_initial_token(initial)
            .refresh_proactively(true),
    )
    .unwrap();
    credential.get_token().await.unwrap();
    tokio::time::sleep(horizon.try_into().unwrap()).await;
    settle().await;
    // the cached token is never older than the schedule allows
    let token = credential.get_token().await.unwrap();
    assert!(token.expires_on > rec.now());
    drop(credential);
    settle().await;
    assert_eq!(alive_tasks(), 0, "timer survived the last handle");
    rec.times()
}

fn assert_schedule(name: &str, actual: &[Duration], expected: &[Duration]) {
    assert_eq!(
        actual.len(),
        expected.len(),
        "{name}: {actual:?} vs {expected:?}"
    );
    for (a, e) in actual.iter().zip(expected) {
        assert!(
            close(*a, *e),
            "{name}: refresh at {a} expected {e} ({actual:?})"
        );
    }
    for pair in actual.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::seconds(1),
            "{name}: refreshes less than 1 s apart"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn proactive_one_hour_token_refreshes_ten_minutes_before_expiry() {
    let t = proactive_schedule(Duration::hours(1), Duration::minutes(125)).await;
    assert_schedule("1h", &t, &[Duration::minutes(50), Duration::minutes(100)]);
}

#[tokio::test(start_paused = true)]
async fn proactive_eleven_minute_token() {
    let t = proactive_schedule(Duration::minutes(11), Duration::seconds(3 * 60 + 30)).await;
    assert_schedule(
        "11m",
        &t,
        &[
            Duration::minutes(1),
            Duration::minutes(2),
            Duration::minutes(3),
        ],
    );
}

#[tokio::test(start_paused = true)]
async fn proactive_five_minute_token_refreshes_at_half_life() {
    let t = proactive_schedule(Duration::minutes(5), Duration::seconds(320)).await;
    assert_schedule("5m", &t, &[Duration::seconds(150), Duration::seconds(300)]);
}

#[tokio::test(start_paused = true)]
async fn proactive_ten_second_token() {
    // inside the on-demand window from the start: the first get_token refreshes,
    // then every 5 s (half of 10 s)
    let t = proactive_schedule(Duration::seconds(10), Duration::seconds_f64(15.5)).await;
    assert_schedule(
        "10s",
        &t,
        &[
            Duration::ZERO,
            Duration::seconds(5),
            Duration::seconds(10),
            Duration::seconds(15),
        ],
    );
}

#[tokio::test(start_paused = true)]
async fn proactive_one_second_token_never_refreshes_more_than_once_a_second() {
    let t = proactive_schedule(Duration::seconds(1), Duration::seconds_f64(3.5)).await;
    assert_schedule(
        "1s",
        &t,
        &[
            Duration::ZERO,
            Duration::seconds(1),
            Duration::seconds(2),
            Duration::seconds(3),
        ],
    );
}

#[tokio::test(start_paused = true)]
async fn proactive_thirty_day_token() {
    let first = Duration::days(30) - Duration::minutes(10);
    let t = proactive_schedule(Duration::days(30), first * 2 + Duration::hours(1)).await;
    assert_schedule("30d", &t, &[first, first * 2]);
}

#[tokio::test(start_paused = true)]
async fn proactive_ten_year_token_does_not_overflow() {
    let first = Duration::days(3650) - Duration::minutes(10);
    let t = proactive_schedule(Duration::days(3650), first + Duration::hours(1)).await;
    assert_schedule("10y", &t, &[first]);
}

#[tokio::test(start_paused = true)]
async fn proactive_without_initial_token_schedules_from_the_first_fetch() {
    let rec = Recorder::new();
    let credential = AzureCommunicationTokenCredential::with_refresher(
        rec.issuing(Duration::hours(1)).refresh_proactively(true),
    )
    .unwrap();
    assert_eq!(alive_tasks(), 0, "nothing runs before the first get_token");
    assert_eq!(
        credential.get_token().await.unwrap().token.secret(),
        "token-0"
    );
    tokio::time::sleep(std::time::Duration::from_secs(51 * 60)).await;
    assert_schedule(
        "first fetch",
        &rec.times(),
        &[Duration::ZERO, Duration::minutes(50)],
    );
    assert_eq!(
        credential.get_token().await.unwrap().token.secret(),
        "token-1"
    );
}

#[tokio::test(start_paused = true)]
async fn proactive_refresh_in_flight_never_blocks_a_caller_with_a_good_token() {
    let rec = Recorder::new();
    let release = Arc::new(tokio::sync::Notify::new());
    let r = release.clone();
    let options = rec
        .options(move |i, now| {
            let r = r.clone();
            async move {
                r.notified().await;
                Ok(AccessToken::new(
                    format!("token-{i}"),
                    now + Duration::hours(1),
                ))
            }
        })
        .with_initial_token(AccessToken::new("initial", rec.now() + Duration::hours(1)))
        .refresh_proactively(true);
    let credential = AzureCommunicationTokenCredential::with_refresher(options).unwrap();
    credential.get_token().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(50 * 60 + 1)).await;
    assert_eq!(rec.count(), 1, "proactive refresh started");
    assert_eq!(rec.live(), 1, "and is still running");
    // a caller is served from the cache at once
    let token = credential
        .get_token()
        .now_or_never()
        .expect("must not wait")
        .unwrap();
    assert_eq!(token.token.secret(), "initial");
    release.notify_one();
    settle().await;
    assert_eq!(
        credential.get_token().await.unwrap().token.secret(),
        "token-0"
    );
}

// ---------------------------------------------------------------------------
// on demand

#[tokio::test(start_paused = true)]
async fn tokens_shorter_than_a_second_never_cause_more_than_one_refresh_a_second() {
    // SPEC 2.3 (no refresh storm) and the credential's docs: "a refresher
    // that hands out very short-lived tokens causes at most one refresh a
    // second" -- also when the token is already expired at the next call.
    let rec = Recorder::new();
    let credential =
        AzureCommunicationTokenCredential::with_refresher(rec.issuing(Duration::milliseconds(100)))
            .unwrap();
    for _ in 0..20 {
        let token = credential.get_token().await.unwrap();
        assert!(token.expires_on > rec.now(), "a valid token");
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    }
    let times = rec.times();
    assert!(times.len() >= 3, "{times:?}");
    for pair in times.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::seconds(1),
            "refreshes less than 1 s apart: {times:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn on_demand_window_edges() {
    let rec = Recorder::new();
    let initial = AccessToken::new("initial", rec.now() + Duration::minutes(10));
    let credential = AzureCommunicationTokenCredential::with_refresher(
        rec.issuing(Duration::hours(1)).with_initial_token(initial),
    )
    .unwrap();
    // just outside the 2-minute window: cached
    tokio::time::sleep(std::time::Duration::from_millis(8 * 60 * 1000 - 1)).await;
    assert_eq!(
        credential.get_token().await.unwrap().token.secret(),
        "initial"
    );
    assert_eq!(rec.count(), 0);
    // exactly 2 minutes before expiry: refresh and wait
    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    assert_eq!(
        credential.get_token().await.unwrap().token.secret(),
        "token-0"
    );
    assert_eq!(rec.count(), 1);
    // the new token is far from expiry: cached again, no background task (not proactive)
    assert_eq!(
        credential.get_token().await.unwrap().token.secret(),
        "token-0"
    );
    assert_eq!(rec.count(), 1);
    assert_eq!(alive_tasks(), 0);
}

#[tokio::test(start_paused = true)]
async fn first_get_token_without_initial_token_calls_the_refresher() {
    let rec = Recorder::new();
    let credential =
        AzureCommunicationTokenCredential::with_refresher(rec.issuing(Duration::hours(1))).unwrap();
    assert_eq!(rec.count(), 0);
    let via_trait: &dyn CommunicationTokenCredential = &credential;
    let token = via_trait
        .get_token(Some(CommunicationGetTokenOptions::new()))
        .await
        .unwrap();
    assert_eq!(token.token.secret(), "token-0");
    assert_eq!(rec.count(), 1);
}

#[tokio::test(start_paused = true)]
async fn string_refresher_uses_jwt_exp_or_undecodable_lifetime() {
    let rec = Recorder::new();
    let clock = rec.clock.clone();
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let options = CommunicationTokenRefreshOptions::new(move || {
        let n = c.fetch_add(1, Ordering::SeqCst);
        let jwt = {
            use azure_communication_common::TokenClock;
            jwt_expiring(clock.now_utc() + Duration::hours(2), 7)
        };
        async move {
            Ok(if n == 0 {
                jwt
            } else {
                "opaque-token-text".to_owned()
            })
        }
    })
    .with_clock(rec.clock.clone())
    .undecodable_token_lifetime(Duration::minutes(5));
    let credential = AzureCommunicationTokenCredential::with_refresher(options).unwrap();
    let first = credential.get_token().await.unwrap();
    assert_eq!((first.expires_on - rec.now()).whole_hours(), 2);
    tokio::time::sleep(std::time::Duration::from_secs(2 * 3600 - 60)).await;
    let second = credential.get_token().await.unwrap();
    assert_eq!(second.token.secret(), "opaque-token-text");
    assert_eq!(second.expires_on - rec.now(), Duration::minutes(5));
}

#[tokio::test(start_paused = true)]
async fn refresher_error_reaches_every_waiter_and_the_next_call_retries() {
    let rec = Recorder::new();
    let release = Arc::new(tokio::sync::Semaphore::new(0));
    let r = release.clone();
    let credential =
        AzureCommunicationTokenCredential::with_refresher(rec.options(move |i, now| {
            let r = r.clone();
            async move {
                if i == 0 {
                    let _permit = r.acquire().await.unwrap();
                    Err(azure_core::Error::with_message(
                        ErrorKind::Io,
                        "identity service unavailable",
                    ))
                } else {
                    Ok(AccessToken::new(
                        format!("token-{i}"),
                        now + Duration::hours(1),
                    ))
                }
            }
        }))
        .unwrap();
    let waiters: Vec<_> = (0..100)
        .map(|_| {
            let credential = credential.clone();
            tokio::spawn(async move { credential.get_token().await })
        })
        .collect();
    settle().await;
    release.add_permits(1);
    for waiter in waiters {
        let error = waiter.await.unwrap().unwrap_err();
        assert_eq!(error.kind(), &ErrorKind::Io);
        assert_eq!(error.to_string(), "identity service unavailable");
    }
    assert_eq!(rec.count(), 1, "one refresh for all the waiters");
    // no poisoned state: the next call tries again
    assert_eq!(
        credential.get_token().await.unwrap().token.secret(),
        "token-1"
    );
    assert_eq!(rec.count(), 2);
}

#[tokio::test(start_paused = true)]
async fn expired_token_from_the_refresher_is_an_error_and_not_cached() {
    let rec = Recorder::new();
    let credential =
        AzureCommunicationTokenCredential::with_refresher(rec.options(|_, now| async move {
            Ok(AccessToken::new("stale", now - Duration::seconds(1)))
        }))
        .unwrap();
    let error = credential.get_token().await.unwrap_err();
    assert_eq!(error.to_string(), EXPIRED);
    assert!(!format!("{error:?}").contains("stale"));
    let again = credential.get_token().await.unwrap_err();
    assert_eq!(again.to_string(), EXPIRED);
    assert_eq!(rec.count(), 2, "nothing was cached");

    // with a still-valid cached token inside the window: the cached token is kept and served
    let rec = Recorder::new();
    let initial = AccessToken::new("initial", rec.now() + Duration::minutes(1));
    let credential = AzureCommunicationTokenCredential::with_refresher(
        rec.options(|_, now| async move { Ok(AccessToken::new("stale", now)) })
            .with_initial_token(initial),
    )
    .unwrap();
    assert_eq!(
        credential.get_token().await.unwrap().token.secret(),
        "initial"
    );
    tokio::time::sleep(std::time::Duration::from_secs(61)).await;
    assert_eq!(
        credential.get_token().await.unwrap_err().to_string(),
        EXPIRED
    );
}

/// A credential holding token "initial", valid for `valid_for`, whose
/// refresher always fails with "down".
fn failing_with_initial_token(
    rec: &Recorder,
    valid_for: Duration,
) -> AzureCommunicationTokenCredential {
    let initial = AccessToken::new("initial", rec.now() + valid_for);
    AzureCommunicationTokenCredential::with_refresher(
        rec.options(|_, _| async {
            Err::<AccessToken, _>(azure_core::Error::with_message(ErrorKind::Io, "down"))
        })
        .with_initial_token(initial),
    )
    .unwrap()
}

#[tokio::test(start_paused = true)]
async fn cached_valid_token_is_served_when_on_demand_refresh_fails() {
    let rec = Recorder::new();
    let credential = failing_with_initial_token(&rec, Duration::seconds(90));
    assert_eq!(
        credential.get_token().await.unwrap().token.secret(),
        "initial"
    );
    assert_eq!(rec.count(), 1, "it did try");
    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    assert_eq!(
        credential.get_token().await.unwrap().token.secret(),
        "initial"
    );
    assert_eq!(rec.count(), 2, "and tries again on the next call");
    tokio::time::sleep(std::time::Duration::from_secs(31)).await;
    assert_eq!(
        credential.get_token().await.unwrap_err().to_string(),
        "down"
    );
}

#[tokio::test(start_paused = true)]
async fn a_failing_refresher_is_asked_at_most_once_a_second_while_the_cached_token_is_good() {
    // Inside the on-demand window with a still-valid token, every call would
    // otherwise refresh again at once after a failure: a storm against a
    // token service that is down.
    let rec = Recorder::new();
    let credential = failing_with_initial_token(&rec, Duration::seconds(90));
    for _ in 0..99 {
        assert_eq!(
            credential.get_token().await.unwrap().token.secret(),
            "initial"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(rec.count(), 1, "one attempt in the first 990 ms");
    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    assert_eq!(
        credential.get_token().await.unwrap().token.secret(),
        "initial"
    );
    assert_eq!(
        rec.count(),
        2,
        "the next attempt a second after the failure"
    );
    // once the token has expired, every call refreshes again (and fails)
    tokio::time::sleep(std::time::Duration::from_secs(90)).await;
    for attempt in 3..6 {
        assert_eq!(
            credential.get_token().await.unwrap_err().to_string(),
            "down"
        );
        assert_eq!(rec.count(), attempt);
    }
}

#[tokio::test(start_paused = true)]
async fn a_hanging_refresher_times_out_and_the_next_call_starts_a_new_refresh() {
    let rec = Recorder::new();
    let credential = AzureCommunicationTokenCredential::with_refresher(
        rec.options(|i, now| async move {
            if i == 0 {
                futures::future::pending::<()>().await;
            }
            Ok(AccessToken::new(
                format!("token-{i}"),
                now + Duration::hours(1),
            ))
        })
        .refresh_timeout(Duration::seconds(5)),
    )
    .unwrap();
    let start = tokio::time::Instant::now();
    let error = credential.get_token().await.unwrap_err();
    assert_eq!(start.elapsed(), std::time::Duration::from_secs(5));
    assert!(
        error
            .to_string()
            .contains("did not complete within 5000 ms"),
        "{error}"
    );
    assert_eq!(rec.live(), 0, "the hanging refresher future was dropped");
    assert_eq!(
        credential.get_token().await.unwrap().token.secret(),
        "token-1"
    );
}

#[tokio::test(start_paused = true)]
async fn a_call_after_an_abandoned_refresh_timed_out_starts_a_new_refresh() {
    // The only caller of a hanging refresh goes away; nobody waits for the
    // refresh when its timeout passes. A call an hour later must not get
    // that old timeout error: it is "the next call", which refreshes.
    let rec = Recorder::new();
    let credential =
        AzureCommunicationTokenCredential::with_refresher(rec.options(|i, now| async move {
            if i == 0 {
                futures::future::pending::<()>().await;
            }
            Ok(AccessToken::new(
                format!("token-{i}"),
                now + Duration::hours(1),
            ))
        }))
        .unwrap();
    let mut abandoned = Box::pin(credential.get_token());
    assert!(futures::poll!(&mut abandoned).is_pending());
    drop(abandoned);
    tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    assert_eq!(
        credential.get_token().await.unwrap().token.secret(),
        "token-1"
    );
    assert_eq!(rec.count(), 2);
    assert_eq!(rec.live(), 0, "the hanging refresher future was dropped");
}

// ---------------------------------------------------------------------------
// failing proactive refresh

#[tokio::test(start_paused = true)]
async fn failing_proactive_refresh_is_retried_with_backoff_until_expiry() {
    let rec = Recorder::new();
    let initial = AccessToken::new("initial", rec.now() + Duration::hours(1));
    let credential = AzureCommunicationTokenCredential::with_refresher(
        rec.options(|_, _| async {
            tokio::task::yield_now().await;
            Err::<AccessToken, _>(azure_core::Error::with_message(ErrorKind::Io, "down"))
        })
        .with_initial_token(initial)
        .refresh_proactively(true),
    )
    .unwrap();
    credential.get_token().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(61 * 60)).await;
    let times = rec.times();
    assert!(close(times[0], Duration::minutes(50)), "{times:?}");
    assert!(
        times.iter().all(|t| *t < Duration::hours(1)),
        "no retry after expiry: {times:?}"
    );
    let gaps: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).collect();
    for (i, gap) in gaps.iter().enumerate() {
        assert!(
            *gap >= Duration::seconds(1),
            "retry {i} after {gap}: faster than once a second"
        );
        assert!(
            *gap <= Duration::seconds(60) + Duration::milliseconds(2),
            "retry {i} after {gap}: above the cap"
        );
        if i < 5 {
            let base = Duration::seconds(1i64 << i);
            assert!(
                *gap >= base - Duration::milliseconds(2)
                    && *gap <= base * 2 + Duration::milliseconds(2),
                "retry {i} after {gap}, expected {base}..{}",
                base * 2
            );
        }
    }
    // 10 minutes of retries: 1+2+4+8+16+32 s, then every ~60 s: at least 12 attempts
    assert!(times.len() >= 12, "{} attempts", times.len());
    let last = *times.last().unwrap();
    assert!(
        last > Duration::minutes(58),
        "kept retrying until close to expiry: {last}"
    );
    // the timer gave up at expiry; the next get_token reports the failure
    let count = rec.count();
    tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    assert_eq!(rec.count(), count);
    assert_eq!(
        credential.get_token().await.unwrap_err().to_string(),
        "down"
    );
}

#[tokio::test(start_paused = true)]
async fn proactive_refresh_recovers_after_failures() {
    let rec = Recorder::new();
    let initial = AccessToken::new("initial", rec.now() + Duration::hours(1));
    let credential = AzureCommunicationTokenCredential::with_refresher(
        rec.options(|i, now| async move {
            if i < 2 {
                Err(azure_core::Error::with_message(ErrorKind::Io, "down"))
            } else {
                Ok(AccessToken::new(
                    format!("token-{i}"),
                    now + Duration::hours(1),
                ))
            }
        })
        .with_initial_token(initial)
        .refresh_proactively(true),
    )
    .unwrap();
    credential.get_token().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(55 * 60)).await;
    assert_eq!(rec.count(), 3);
    let times = rec.times();
    assert!(times[2] - times[0] < Duration::seconds(7), "{times:?}");
    assert_eq!(
        credential.get_token().await.unwrap().token.secret(),
        "token-2"
    );
    // and the normal schedule resumes: next refresh 50 minutes after the success
    tokio::time::sleep(std::time::Duration::from_secs(50 * 60)).await;
    assert_eq!(rec.count(), 4);
    assert!(close(rec.times()[3] - times[2], Duration::minutes(50)));
}

// ---------------------------------------------------------------------------
// cancellation and disposal

/// A credential whose refresh `i` answers `token-{i}` (valid one hour) only
/// once a permit is added to the returned semaphore.
fn released_credential(
    rec: &Recorder,
) -> (
    AzureCommunicationTokenCredential,
    Arc<tokio::sync::Semaphore>,
) {
    let release = Arc::new(tokio::sync::Semaphore::new(0));
    let r = release.clone();
    let credential =
        AzureCommunicationTokenCredential::with_refresher(rec.options(move |i, now| {
            let r = r.clone();
            async move {
                let _permit = r.acquire().await.unwrap();
                Ok(AccessToken::new(
                    format!("token-{i}"),
                    now + Duration::hours(1),
                ))
            }
        }))
        .unwrap();
    (credential, release)
}

#[tokio::test(start_paused = true)]
async fn dropping_a_get_token_future_neither_cancels_nor_wedges_the_refresh() {
    let rec = Recorder::new();
    let (credential, release) = released_credential(&rec);

    // A starts the refresh and is dropped; B is waiting on the same refresh
    let mut a = Box::pin(credential.get_token());
    assert!(futures::poll!(&mut a).is_pending());
    let b = tokio::spawn({
        let credential = credential.clone();
        async move { credential.get_token().await }
    });
    settle().await;
    drop(a);
    assert_eq!(rec.live(), 1, "dropping A did not cancel the refresh");
    release.add_permits(1);
    assert_eq!(b.await.unwrap().unwrap().token.secret(), "token-0");
    assert_eq!(rec.count(), 1);

    // every waiter dropped: the next caller picks the same refresh up (not stuck)
    let rec = Recorder::new();
    let (credential, release) = released_credential(&rec);
    let mut a = Box::pin(credential.get_token());
    assert!(futures::poll!(&mut a).is_pending());
    drop(a);
    release.add_permits(1);
    assert_eq!(
        credential.get_token().await.unwrap().token.secret(),
        "token-0"
    );
    assert_eq!(rec.count(), 1);
    assert_eq!(rec.live(), 0);
}

#[tokio::test(start_paused = true)]
async fn dispose_during_an_in_flight_refresh() {
    let rec = Recorder::new();
    let credential = AzureCommunicationTokenCredential::with_refresher(
        rec.options(|_, _| async {
            futures::future::pending::<azure_core::Result<AccessToken>>().await
        })
        .refresh_proactively(true),
    )
    .unwrap();
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let credential = credential.clone();
            tokio::spawn(async move { credential.get_token().await })
        })
        .collect();
    settle().await;
    assert_eq!(rec.count(), 1);
    assert_eq!(rec.live(), 1);
    credential.dispose();
    for waiter in waiters {
        assert_eq!(waiter.await.unwrap().unwrap_err().to_string(), DISPOSED);
    }
    settle().await;
    assert_eq!(rec.live(), 0, "the refresher future was dropped");
    assert_eq!(alive_tasks(), 0, "no background task survives dispose");
    let clone = credential.clone();
    assert_eq!(clone.get_token().await.unwrap_err().to_string(), DISPOSED);
    assert_eq!(
        CommunicationTokenCredential::get_token(&clone, None)
            .await
            .unwrap_err()
            .to_string(),
        DISPOSED
    );
    tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    assert_eq!(rec.count(), 1, "nothing ran after dispose");
}

#[tokio::test(start_paused = true)]
async fn no_background_task_survives_dispose_or_drop() {
    // dispose
    let rec = Recorder::new();
    let credential = AzureCommunicationTokenCredential::with_refresher(
        rec.issuing(Duration::hours(1)).refresh_proactively(true),
    )
    .unwrap();
    credential.get_token().await.unwrap();
    settle().await;
    assert_eq!(alive_tasks(), 1, "the proactive timer");
    CommunicationTokenCredential::dispose(&credential);
    settle().await;
    assert_eq!(alive_tasks(), 0);

    // drop of the last handle (clones share the timer)
    let rec = Recorder::new();
    let credential = AzureCommunicationTokenCredential::with_refresher(
        rec.issuing(Duration::hours(1)).refresh_proactively(true),
    )
    .unwrap();
    let clone = credential.clone();
    credential.get_token().await.unwrap();
    clone.get_token().await.unwrap();
    settle().await;
    assert_eq!(alive_tasks(), 1);
    drop(credential);
    settle().await;
    assert_eq!(alive_tasks(), 1, "a clone is still alive");
    drop(clone);
    settle().await;
    assert_eq!(alive_tasks(), 0);
    tokio::time::sleep(std::time::Duration::from_secs(2 * 3600)).await;
    assert_eq!(
        rec.count(),
        1,
        "no refresh after the last handle was dropped"
    );

    // drop while a proactive refresh is running: the refresh is cancelled too
    let rec = Recorder::new();
    let initial = AccessToken::new("initial", rec.now() + Duration::hours(1));
    let credential = AzureCommunicationTokenCredential::with_refresher(
        rec.options(|_, _| async {
            futures::future::pending::<azure_core::Result<AccessToken>>().await
        })
        .with_initial_token(initial)
        .refresh_proactively(true),
    )
    .unwrap();
    credential.get_token().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(50 * 60 + 1)).await;
    assert_eq!(rec.live(), 1, "the proactive refresh is running");
    drop(credential);
    settle().await;
    assert_eq!(rec.live(), 0, "and was cancelled with the last handle");
    assert_eq!(alive_tasks(), 0);
}

// ---------------------------------------------------------------------------
// stress

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_get_token_calls_refresh_once() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let expired = AccessToken::new("expired", OffsetDateTime::now_utc() - Duration::hours(1));
    let credential = AzureCommunicationTokenCredential::with_refresher(
        CommunicationTokenRefreshOptions::new(move || {
            c.fetch_add(1, Ordering::SeqCst);
            async {
                tokio::task::yield_now().await;
                Ok(AccessToken::new(
                    "fresh-token",
                    OffsetDateTime::now_utc() + Duration::hours(1),
                ))
            }
        })
        .with_initial_token(expired),
    )
    .unwrap();
    let tasks: Vec<_> = (0..10_000)
        .map(|_| {
            let credential = credential.clone();
            tokio::spawn(async move { credential.get_token().await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().token.secret(), "fresh-token");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    // and the same batch as one future set on one task
    let calls2 = Arc::new(AtomicUsize::new(0));
    let c = calls2.clone();
    let credential = AzureCommunicationTokenCredential::with_refresher(
        CommunicationTokenRefreshOptions::new(move || {
            c.fetch_add(1, Ordering::SeqCst);
            async {
                tokio::task::yield_now().await;
                Ok(AccessToken::new(
                    "fresh-2",
                    OffsetDateTime::now_utc() + Duration::hours(1),
                ))
            }
        }),
    )
    .unwrap();
    let results = futures::future::join_all((0..10_000).map(|_| credential.get_token())).await;
    assert!(results
        .iter()
        .all(|r| r.as_ref().unwrap().token.secret() == "fresh-2"));
    assert_eq!(calls2.load(Ordering::SeqCst), 1);
}

// ---------------------------------------------------------------------------
// secrets and options

#[tokio::test(start_paused = true)]
async fn debug_and_errors_never_show_a_token() {
    let rec = Recorder::new();
    let secret = jwt_expiring(rec.now() + Duration::hours(1), 42);
    let s = secret.clone();
    let options = rec
        .options(move |_, _| {
            let s = s.clone();
            async move { Ok(AccessToken::new(s, OffsetDateTime::UNIX_EPOCH)) }
        })
        .with_initial_token(secret.clone())
        .refresh_proactively(true);
    let shown = format!("{options:?}");
    assert!(
        !shown.contains(&secret) && !shown.contains("eyJ"),
        "{shown}"
    );
    assert!(shown.contains("refresh_proactively: true"));
    let credential = AzureCommunicationTokenCredential::with_refresher(options.clone()).unwrap();
    let shown = format!("{credential:?}");
    assert!(
        !shown.contains(&secret) && !shown.contains("eyJ"),
        "{shown}"
    );
    let token = credential.get_token().await.unwrap();
    assert!(!format!("{token:?}").contains(&secret));
    let static_credential = AzureCommunicationTokenCredential::from_token(&secret).unwrap();
    assert!(!format!("{static_credential:?}").contains(&secret));

    // every error: expired refresher result, timeout, disposed, invalid token
    let credential = AzureCommunicationTokenCredential::with_refresher(options).unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    let mut errors = vec![credential.get_token().await.unwrap_err()];
    let hanging = AzureCommunicationTokenCredential::with_refresher(
        rec.options(|_, _| async {
            futures::future::pending::<azure_core::Result<AccessToken>>().await
        })
        .refresh_timeout(Duration::seconds(1)),
    )
    .unwrap();
    errors.push(hanging.get_token().await.unwrap_err());
    credential.dispose();
    errors.push(credential.get_token().await.unwrap_err());
    errors.push(
        AzureCommunicationTokenCredential::from_token(&format!("Bearer {secret}")).unwrap_err(),
    );
    errors.push(
        AzureCommunicationTokenCredential::from_token(&format!("{{\"token\":\"{secret}\"}}"))
            .unwrap_err(),
    );
    errors.push(
        AzureCommunicationTokenCredential::with_refresher(
            rec.issuing(Duration::hours(1))
                .with_initial_token(format!("{secret} ")),
        )
        .unwrap_err(),
    );
    for error in errors {
        assert!(!error.to_string().contains(&secret), "{error}");
        assert!(!format!("{error:?}").contains(&secret), "{error:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn invalid_options_fail_at_construction() {
    let rec = Recorder::new();
    for bad in [Duration::ZERO, Duration::seconds(-5)] {
        let error = AzureCommunicationTokenCredential::with_refresher(
            rec.issuing(Duration::hours(1))
                .undecodable_token_lifetime(bad),
        )
        .unwrap_err();
        assert!(error.to_string().contains("undecodable_token_lifetime"));
        let error = AzureCommunicationTokenCredential::with_refresher(
            rec.issuing(Duration::hours(1)).refresh_timeout(bad),
        )
        .unwrap_err();
        assert!(error.to_string().contains("refresh_timeout"));
    }
    let error = AzureCommunicationTokenCredential::with_refresher(
        rec.issuing(Duration::hours(1)).with_initial_token(""),
    )
    .unwrap_err();
    assert_eq!(error.to_string(), "Invalid token: token must not be empty.");
    // an opaque initial token gets the configured lifetime
    let credential = AzureCommunicationTokenCredential::with_refresher(
        rec.issuing(Duration::hours(1))
            .with_initial_token("opaque")
            .undecodable_token_lifetime(Duration::minutes(30)),
    )
    .unwrap();
    let token = credential.get_token().await.unwrap();
    assert_eq!(token.token.secret(), "opaque");
    assert_eq!(token.expires_on - rec.now(), Duration::minutes(30));
}

#[test]
fn public_types_and_futures_are_send_and_sync() {
    fn send<T: Send>(_: &T) {}
    fn send_sync_clone<T: Send + Sync + Clone + std::fmt::Debug + 'static>() {}
    send_sync_clone::<AzureCommunicationTokenCredential>();
    send_sync_clone::<CommunicationTokenRefreshOptions>();
    send_sync_clone::<CommunicationGetTokenOptions>();
    let credential = AzureCommunicationTokenCredential::from_access_token(AccessToken::new(
        "t",
        OffsetDateTime::now_utc(),
    ));
    send(&credential.get_token());
    send(&CommunicationTokenCredential::get_token(&credential, None));
    let _: Arc<dyn CommunicationTokenCredential> = Arc::new(credential.clone());
    let _: Arc<dyn azure_core::credentials::TokenCredential> = Arc::new(credential);
}

#[test]
fn a_credential_outlives_the_runtime_its_timer_ran_on() {
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap()
    };
    let first = runtime();
    let (rec, credential) = first.block_on(async {
        let rec = Recorder::new();
        let credential = AzureCommunicationTokenCredential::with_refresher(
            rec.issuing(Duration::hours(1)).refresh_proactively(true),
        )
        .unwrap();
        credential.get_token().await.unwrap();
        settle().await;
        assert_eq!(alive_tasks(), 1);
        (rec, credential)
    });
    drop(first); // the timer task dies with its runtime
    let second = runtime();
    second.block_on(async {
        assert_eq!(
            credential.get_token().await.unwrap().token.secret(),
            "token-0"
        );
        settle().await;
        assert_eq!(alive_tasks(), 1, "a new timer on the new runtime");
    });
    assert_eq!(rec.count(), 1);
    drop(credential);
}

#[tokio::test(start_paused = true)]
async fn an_on_demand_success_during_backoff_restores_the_normal_schedule() {
    let rec = Recorder::new();
    let failing = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let f = failing.clone();
    let initial = AccessToken::new("initial", rec.now() + Duration::hours(1));
    let credential = AzureCommunicationTokenCredential::with_refresher(
        rec.options(move |i, now| {
            let fail = f.load(Ordering::SeqCst);
            async move {
                if fail {
                    Err(azure_core::Error::with_message(ErrorKind::Io, "down"))
                } else {
                    Ok(AccessToken::new(
                        format!("token-{i}"),
                        now + Duration::hours(1),
                    ))
                }
            }
        })
        .with_initial_token(initial)
        .refresh_proactively(true),
    )
    .unwrap();
    credential.get_token().await.unwrap();
    // proactive attempts fail from 50 minutes on; the service recovers at 58 min
    tokio::time::sleep(std::time::Duration::from_secs(58 * 60)).await;
    let failed_attempts = rec.count();
    assert!(failed_attempts >= 5, "{failed_attempts}");
    failing.store(false, Ordering::SeqCst);
    let token = credential.get_token().await.unwrap();
    assert!(
        token.token.secret().starts_with("token-"),
        "inside the on-demand window: refreshed"
    );
    let recovered_at = *rec.times().last().unwrap();
    // no more retries for the old token: the next refresh is 50 minutes after recovery
    tokio::time::sleep(std::time::Duration::from_secs(49 * 60)).await;
    assert_eq!(rec.count(), failed_attempts + 1, "{:?}", rec.times());
    tokio::time::sleep(std::time::Duration::from_secs(2 * 60)).await;
    assert_eq!(rec.count(), failed_attempts + 2);
    assert!(close(
        rec.times()[failed_attempts + 1] - recovered_at,
        Duration::minutes(50)
    ));
}
