//! Clock skew: a local clock 5 minutes behind or ahead of the token issuer's
//! (the injected `TokenClock` over tokio's paused clock). The credential
//! learns the skew from each fresh token's `iat`, serves no token the issuer
//! considers expired (or inside the on-demand window), and refreshes no
//! earlier than the windows say, in the issuer's time.

mod credential_support;

use azure_communication_common::{
    AzureCommunicationTokenCredential, CommunicationTokenRefreshOptions, CLOCK_SKEW_TOLERANCE,
    ON_DEMAND_REFRESH_WINDOW, PROACTIVE_REFRESH_WINDOW,
};
use azure_core::time::{Duration, OffsetDateTime};
use credential_support::SkewedClock;
use std::sync::{Arc, Mutex};

const LIFETIME: Duration = Duration::hours(1);
/// `iat` and `exp` are whole seconds: measurements are good to a second.
const SLACK: Duration = Duration::seconds(1);

/// A credential on `clock` whose refresher issues hour-long tokens (issuer
/// time) and records the issuer's time of each call.
fn credential(
    clock: &Arc<SkewedClock>,
    proactive: bool,
) -> (
    AzureCommunicationTokenCredential,
    Arc<Mutex<Vec<OffsetDateTime>>>,
) {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let (c, issuer) = (calls.clone(), clock.clone());
    let credential = AzureCommunicationTokenCredential::with_refresher(
        CommunicationTokenRefreshOptions::new(move || {
            let mut calls = c.lock().unwrap();
            calls.push(issuer.issuer_now());
            let token = issuer.issue(LIFETIME, calls.len() as u64);
            async move { Ok(token) }
        })
        .refresh_proactively(proactive)
        .with_clock(clock.clone()),
    )
    .unwrap();
    (credential, calls)
}

/// Calls `get_token` every `step` for three hours, checking each token
/// against the issuer's clock; returns the refresher's call times.
async fn run(
    clock: &Arc<SkewedClock>,
    credential: &AzureCommunicationTokenCredential,
    calls: &Arc<Mutex<Vec<OffsetDateTime>>>,
    step: std::time::Duration,
) -> Vec<OffsetDateTime> {
    let end = clock.issuer_now() + Duration::hours(3);
    while clock.issuer_now() < end {
        let token = credential.get_token().await.unwrap();
        let now = clock.issuer_now();
        // never expired for the issuer, never inside the on-demand window
        assert!(
            token.expires_on - now > ON_DEMAND_REFRESH_WINDOW - SLACK,
            "served a token with {} left (issuer time)",
            token.expires_on - now
        );
        tokio::time::sleep(step).await;
    }
    let calls = calls.lock().unwrap().clone();
    calls
}

async fn on_demand(local_minus_issuer: Duration) {
    let clock = SkewedClock::new(local_minus_issuer);
    let (credential, calls) = credential(&clock, false);
    let step = std::time::Duration::from_secs(10);
    let calls = run(&clock, &credential, &calls, step).await;
    // the skew was learned: issuer − local
    let learned = credential.clock_skew();
    assert!(
        (learned + local_minus_issuer).abs() <= SLACK,
        "learned {learned}"
    );
    // every refresh after the first came at the window (2 minutes before the
    // previous token's expiry), no earlier, at the first call from then on
    assert_eq!(calls.len(), 4, "{calls:?}"); // at 0, ~58, ~116, ~174 minutes
    for pair in calls.windows(2) {
        let due = pair[0] + LIFETIME - ON_DEMAND_REFRESH_WINDOW;
        assert!(pair[1] >= due - SLACK, "refreshed early: {pair:?}");
        assert!(
            pair[1] <= due + Duration::try_from(step).unwrap() + SLACK,
            "{pair:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn on_demand_with_a_clock_five_minutes_behind() {
    on_demand(Duration::minutes(-5)).await;
}

#[tokio::test(start_paused = true)]
async fn on_demand_with_a_clock_five_minutes_ahead() {
    on_demand(Duration::minutes(5)).await;
}

async fn proactive(local_minus_issuer: Duration) {
    let clock = SkewedClock::new(local_minus_issuer);
    let (credential, calls) = credential(&clock, true);
    let calls = run(
        &clock,
        &credential,
        &calls,
        std::time::Duration::from_secs(60),
    )
    .await;
    // refreshed in the background 10 minutes before each expiry (issuer
    // time): at 50, 100 and 150 minutes
    assert_eq!(calls.len(), 4, "{calls:?}");
    for pair in calls.windows(2) {
        let due = pair[0] + LIFETIME - PROACTIVE_REFRESH_WINDOW;
        assert!((pair[1] - due).abs() <= SLACK, "{pair:?}");
    }
    credential.dispose();
}

#[tokio::test(start_paused = true)]
async fn proactive_with_a_clock_five_minutes_behind() {
    proactive(Duration::minutes(-5)).await;
}

#[tokio::test(start_paused = true)]
async fn proactive_with_a_clock_five_minutes_ahead() {
    proactive(Duration::minutes(5)).await;
}

/// Drops `old` and gets a fresh token.
async fn refresh(
    credential: &AzureCommunicationTokenCredential,
    old: &str,
) -> azure_core::credentials::AccessToken {
    assert!(credential.invalidate(old));
    credential.get_token().await.unwrap()
}

#[tokio::test(start_paused = true)]
async fn the_skew_is_learned_again_from_every_fresh_token() {
    let clock = SkewedClock::new(Duration::minutes(-5));
    let (credential, _calls) = credential(&clock, false);
    assert_eq!(
        credential.clock_skew(),
        Duration::ZERO,
        "nothing measured yet"
    );
    let mut token = credential.get_token().await.unwrap();
    assert!((credential.clock_skew() - Duration::minutes(5)).abs() <= SLACK);
    // the clock is corrected: the skew goes back to zero
    clock.set_skew(Duration::ZERO);
    token = refresh(&credential, token.token.secret()).await;
    assert_eq!(credential.clock_skew(), Duration::ZERO);
    // within the tolerance is no skew
    clock.set_skew(CLOCK_SKEW_TOLERANCE - Duration::seconds(2));
    token = refresh(&credential, token.token.secret()).await;
    assert_eq!(credential.clock_skew(), Duration::ZERO);
    // now ahead by 5 minutes; a 4-minute token (which the local clock alone
    // would call expired) is accepted
    clock.set_skew(Duration::minutes(5));
    token = refresh(&credential, token.token.secret()).await;
    assert!((credential.clock_skew() + Duration::minutes(5)).abs() <= SLACK);
    let _ = token;
}

#[tokio::test(start_paused = true)]
async fn a_short_token_from_an_issuer_behind_this_clock_is_not_called_expired() {
    // local clock 5 minutes ahead; the issuer's tokens live 4 minutes
    let clock = SkewedClock::new(Duration::minutes(5));
    let issuer = clock.clone();
    let credential = AzureCommunicationTokenCredential::with_refresher(
        CommunicationTokenRefreshOptions::new(move || {
            let token = issuer.issue(Duration::minutes(4), 1);
            async move { Ok(token) }
        })
        .with_clock(clock.clone()),
    )
    .unwrap();
    let token = credential.get_token().await.unwrap();
    assert!(token.expires_on - clock.issuer_now() > Duration::minutes(3));
}

#[tokio::test(start_paused = true)]
async fn the_initial_token_and_tokens_without_iat_teach_nothing() {
    let clock = SkewedClock::new(Duration::minutes(-5));
    let initial = clock.issue(LIFETIME, 0);
    let issuer = clock.clone();
    let credential = AzureCommunicationTokenCredential::with_refresher(
        CommunicationTokenRefreshOptions::new(move || {
            // no iat
            let token = credential_support::jwt_expiring(issuer.issuer_now() + LIFETIME, 1);
            async move { Ok(token) }
        })
        .with_initial_token(initial.clone())
        .with_clock(clock.clone()),
    )
    .unwrap();
    assert_eq!(
        credential.get_token().await.unwrap().token.secret(),
        initial
    );
    assert!(credential.invalidate(&initial));
    credential.get_token().await.unwrap();
    assert_eq!(credential.clock_skew(), Duration::ZERO);
}
