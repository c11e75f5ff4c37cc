//! Footprint of proactive credentials: 100,000 of them, each with a running
//! background timer, must cost at most 2 KiB each beyond the token string.
//! Measured as the growth of the process's resident memory (Linux).

use azure_communication_common::{
    AzureCommunicationTokenCredential, CommunicationTokenRefreshOptions,
};
use azure_core::{
    credentials::AccessToken,
    time::{Duration, OffsetDateTime},
};

#[cfg(target_os = "linux")]
fn resident_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("statm");
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("resident pages");
    pages * 4096
}

#[cfg(target_os = "linux")]
#[tokio::test(start_paused = true)]
async fn one_hundred_thousand_proactive_credentials_fit_in_2_kib_each() {
    const N: usize = 100_000;
    let expires_on = OffsetDateTime::now_utc() + Duration::hours(1);
    let mut credentials = Vec::with_capacity(N);
    let before = resident_bytes();
    for _ in 0..N {
        let credential = AzureCommunicationTokenCredential::with_refresher(
            CommunicationTokenRefreshOptions::new(|| async {
                Ok(AccessToken::new(
                    "t",
                    OffsetDateTime::now_utc() + Duration::hours(1),
                ))
            })
            .with_initial_token(AccessToken::new("t", expires_on))
            .refresh_proactively(true),
        )
        .unwrap();
        credential.get_token().await.unwrap(); // starts the background timer
        credentials.push(credential);
    }
    // let every timer task run to its first sleep: paused time only advances
    // once every task is idle
    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    let alive = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    assert_eq!(alive, N, "one timer task per proactive credential");
    let after = resident_bytes();
    let per_credential = (after.saturating_sub(before)) / N;
    println!(
        "{N} proactive credentials with running timers: {} KiB resident growth, {per_credential} bytes each",
        (after - before) / 1024
    );
    assert!(
        per_credential <= 2048,
        "{per_credential} bytes per credential"
    );
    drop(credentials);
    // the aborted timer tasks are reaped as the scheduler gets to them
    for _ in 0..1_000_000 {
        if tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks()
            == 0
        {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks(),
        0
    );
}
