//! The clock-skew warning: logged once when a skew is learned (with the
//! measured skew, never a token), not again while it stays the same. Alone
//! in its binary because it installs a thread-local log capture.

mod credential_support;
mod log_capture;

use azure_communication_common::{
    AzureCommunicationTokenCredential, CommunicationTokenRefreshOptions,
};
use azure_core::time::Duration;
use credential_support::SkewedClock;
use log_capture::Capture;

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn one_warning_with_the_measured_skew_and_no_token() {
    let (capture, _guard) = Capture::install();
    // this machine's clock is 5 minutes behind the issuer's
    let clock = SkewedClock::new(Duration::minutes(-5));
    let issuer = clock.clone();
    let issued = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = issued.clone();
    let credential = AzureCommunicationTokenCredential::with_refresher(
        CommunicationTokenRefreshOptions::new(move || {
            let mut issued = record.lock().unwrap();
            let token = issuer.issue(Duration::hours(1), issued.len() as u64);
            issued.push(token.clone());
            async move { Ok(token) }
        })
        .with_clock(clock.clone()),
    )
    .unwrap();
    let mut token = credential.get_token().await.unwrap();
    for _ in 0..3 {
        assert!(credential.invalidate(token.token.secret()));
        token = credential.get_token().await.unwrap();
    }
    let log = capture.text();
    let warnings: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("WARN") && line.contains("clock differs"))
        .collect();
    assert_eq!(warnings.len(), 1, "{log}");
    assert!(warnings[0].contains("skew_secs=300"), "{}", warnings[0]);
    // a copy: the refresher below locks the list again
    let issued = issued.lock().unwrap().clone();
    assert_eq!(issued.len(), 4);
    for token in issued.iter() {
        assert!(!log.contains(token.as_str()), "a token in the log");
        let signature = token.rsplit('.').next().unwrap();
        assert!(!log.contains(signature), "a token signature in the log");
    }
    // the clock is corrected: said once, at info level
    clock.set_skew(Duration::ZERO);
    assert!(credential.invalidate(token.token.secret()));
    credential.get_token().await.unwrap();
    let log = capture.text();
    assert!(log.contains("agrees with this machine's again"), "{log}");
}
