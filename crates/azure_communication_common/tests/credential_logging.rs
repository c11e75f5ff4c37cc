//! Log lines (through `tracing`) never contain a token, and the expected
//! warnings are there: opaque token (once per process), saturated `exp`,
//! failed on-demand refresh served from cache, failed proactive refresh.

mod credential_support;
mod log_capture;

use azure_communication_common::{
    parse_token, AzureCommunicationTokenCredential, CommunicationTokenRefreshOptions, TokenClock,
};
use azure_core::{error::ErrorKind, time::Duration};
use credential_support::{jwt_expiring, jwt_with_payload, TokioClock};
use log_capture::Capture;
use std::sync::Arc;

#[tokio::test(start_paused = true)]
async fn logs_never_contain_a_token() {
    let (capture, _guard) = Capture::install();

    let clock = TokioClock::new();
    let opaque = "opaque-secret-token-value";
    let huge = jwt_with_payload(r#"{"exp":1e400,"secret":"huge-secret"}"#);
    let initial = jwt_expiring(clock.now_utc() + Duration::hours(1), 99);
    let fresh = jwt_expiring(clock.now_utc() + Duration::hours(3), 100);

    // opaque (twice: warned once), huge exp
    parse_token(opaque).unwrap();
    parse_token(opaque).unwrap();
    parse_token(&huge).unwrap();

    // failed proactive refresh (retried), then on-demand failure served from cache
    let c = clock.clone();
    let f = fresh.clone();
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let n = calls.clone();
    let credential = AzureCommunicationTokenCredential::with_refresher(
        CommunicationTokenRefreshOptions::new(move || {
            let i = n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let (c, f) = (c.clone(), f.clone());
            async move {
                if i < 3 {
                    Err(azure_core::Error::with_message(
                        ErrorKind::Io,
                        "refresher down",
                    ))
                } else {
                    let _ = c;
                    Ok(f)
                }
            }
        })
        .with_clock(clock.clone())
        .with_initial_token(initial.clone())
        .refresh_proactively(true),
    )
    .unwrap();
    assert_eq!(
        credential.get_token().await.unwrap().token.secret(),
        initial
    );
    tokio::time::sleep(std::time::Duration::from_secs(50 * 60 + 20)).await;
    let token = credential.get_token().await.unwrap();
    assert_eq!(token.token.secret(), fresh);
    credential.dispose();

    // on-demand failure with a valid cached token
    let short = jwt_expiring(clock.now_utc() + Duration::seconds(60), 7);
    let credential = AzureCommunicationTokenCredential::with_refresher(
        CommunicationTokenRefreshOptions::new(|| async {
            Err::<String, _>(azure_core::Error::with_message(
                ErrorKind::Io,
                "refresher down",
            ))
        })
        .with_clock(clock.clone())
        .with_initial_token(short.clone()),
    )
    .unwrap();
    assert_eq!(credential.get_token().await.unwrap().token.secret(), short);

    let logs = capture.text();
    println!("{logs}");
    assert_eq!(
        logs.matches("opaque token").count(),
        1,
        "opaque warning once per process"
    );
    assert!(logs.contains("beyond what a date can hold"));
    assert!(logs.contains("proactive token refresh failed; retrying"));
    assert!(logs.contains("the cached token is still valid"));
    assert!(logs.contains("refresher down"));
    for secret in [
        opaque,
        &huge,
        &initial,
        &fresh,
        &short,
        "eyJ",
        "huge-secret",
    ] {
        assert!(!logs.contains(secret), "a log line contains a token");
    }
}
