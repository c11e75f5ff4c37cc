//! `invalidate`: dropping a token the service rejected, in virtual time
//! (tokio's paused clock and a clock that follows it).

mod credential_support;

use azure_communication_common::{
    AzureCommunicationTokenCredential, CommunicationTokenCredential,
    CommunicationTokenRefreshOptions, TokenClock,
};
use azure_core::{
    credentials::AccessToken,
    time::{Duration, OffsetDateTime},
};
use credential_support::{jwt_expiring, TokioClock};
use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

/// A refreshing credential whose refresher issues JWTs `0, 1, 2, ...` living
/// an hour, answering after 100 ms, and fails when `fail_from` calls have
/// been made.
fn credential(fail_from: usize) -> (AzureCommunicationTokenCredential, Arc<AtomicUsize>) {
    let clock = TokioClock::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let (counter, c) = (calls.clone(), clock.clone());
    let credential = AzureCommunicationTokenCredential::with_refresher(
        CommunicationTokenRefreshOptions::new(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let expires = c.now_utc() + Duration::hours(1);
            async move {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                if n >= fail_from {
                    return Err(azure_core::Error::with_message(
                        azure_core::error::ErrorKind::Io,
                        "token service down",
                    ));
                }
                Ok(jwt_expiring(expires, n as u64))
            }
        })
        .with_clock(clock),
    )
    .unwrap();
    (credential, calls)
}

fn secret(token: &AccessToken) -> String {
    token.token.secret().to_owned()
}

#[tokio::test(start_paused = true)]
async fn only_the_cached_token_is_invalidated_and_the_next_get_token_refreshes() {
    let (credential, calls) = credential(usize::MAX);
    let first = secret(&credential.get_token().await.unwrap());
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(!credential.invalidate("some-other-token"));
    assert!(
        !credential.invalidate(&first[..first.len() - 1]),
        "a prefix"
    );
    assert_eq!(secret(&credential.get_token().await.unwrap()), first);
    assert_eq!(calls.load(Ordering::SeqCst), 1, "nothing invalidated");

    assert!(credential.invalidate(&first));
    assert!(!credential.invalidate(&first), "already dropped");
    let second = secret(&credential.get_token().await.unwrap());
    assert_ne!(second, first);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    // the old token again (a late 401): the new one stays
    assert!(!credential.invalidate(&first));
    assert_eq!(secret(&credential.get_token().await.unwrap()), second);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    // through the trait too
    let shared: Arc<dyn CommunicationTokenCredential> = Arc::new(credential.clone());
    assert!(shared.invalidate(&second));
    let third = secret(&shared.get_token(None).await.unwrap());
    assert_ne!(third, second);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn a_burst_of_rejections_of_one_token_refreshes_once() {
    let (credential, calls) = credential(usize::MAX);
    let rejected = secret(&credential.get_token().await.unwrap());
    let invalidated = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let (credential, rejected, invalidated) =
                (credential.clone(), rejected.clone(), invalidated.clone());
            tokio::spawn(async move {
                if credential.invalidate(&rejected) {
                    invalidated.fetch_add(1, Ordering::SeqCst);
                }
                secret(&credential.get_token().await.unwrap())
            })
        })
        .collect();
    let mut tokens = Vec::new();
    for task in tasks {
        tokens.push(task.await.unwrap());
    }
    assert_eq!(invalidated.load(Ordering::SeqCst), 1);
    assert_eq!(calls.load(Ordering::SeqCst), 2, "one refresh for the burst");
    assert!(tokens.iter().all(|t| *t == tokens[0] && *t != rejected));
}

#[tokio::test(start_paused = true)]
async fn an_invalidated_token_is_never_the_fallback_of_a_failed_refresh() {
    // the second refresher call fails while the first token is still valid
    let (credential, calls) = credential(1);
    let rejected = secret(&credential.get_token().await.unwrap());
    assert!(credential.invalidate(&rejected));
    let error = credential.get_token().await.unwrap_err();
    assert!(error.to_string().contains("token service down"), "{error}");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    // without invalidation a failed refresh in the window falls back to the
    // valid token (unchanged behaviour)
    let (credential, _) = credential_in_window();
    assert_eq!(secret(&credential.get_token().await.unwrap()), "initial");
}

/// A credential whose valid initial token is inside the on-demand window and
/// whose refresher fails.
fn credential_in_window() -> (AzureCommunicationTokenCredential, ()) {
    let clock = TokioClock::new();
    let expires = clock.now_utc() + Duration::minutes(1);
    let credential = AzureCommunicationTokenCredential::with_refresher(
        CommunicationTokenRefreshOptions::new(|| async {
            Err::<String, _>(azure_core::Error::with_message(
                azure_core::error::ErrorKind::Io,
                "token service down",
            ))
        })
        .with_initial_token(AccessToken::new("initial", expires))
        .with_clock(clock),
    )
    .unwrap();
    (credential, ())
}

#[tokio::test(start_paused = true)]
async fn an_invalidated_proactive_credential_refreshes_and_keeps_its_schedule() {
    let clock = TokioClock::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let (counter, c) = (calls.clone(), clock.clone());
    let credential = AzureCommunicationTokenCredential::with_refresher(
        CommunicationTokenRefreshOptions::new(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let expires = c.now_utc() + Duration::hours(1);
            async move { Ok(jwt_expiring(expires, n as u64)) }
        })
        .refresh_proactively(true)
        .with_clock(clock.clone()),
    )
    .unwrap();
    let first = secret(&credential.get_token().await.unwrap());
    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    assert!(credential.invalidate(&first));
    let second = secret(&credential.get_token().await.unwrap());
    assert_ne!(first, second);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    // the new token (issued at minute 1) is refreshed proactively at minute 51
    tokio::time::sleep(std::time::Duration::from_secs(50 * 60 - 1)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    credential.dispose();
}

#[tokio::test]
async fn a_static_or_disposed_credential_has_nothing_to_invalidate() {
    let expires = OffsetDateTime::now_utc() + Duration::hours(1);
    let token = jwt_expiring(expires, 7);
    let credential = AzureCommunicationTokenCredential::from_token(&token).unwrap();
    assert!(!credential.invalidate(&token));
    assert_eq!(secret(&credential.get_token().await.unwrap()), token);

    let (refreshing, _) = credential_in_window();
    refreshing.dispose();
    assert!(!refreshing.invalidate("initial"));
}
