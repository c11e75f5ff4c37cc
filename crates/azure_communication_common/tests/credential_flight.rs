//! Stress tests of the refresh flight's wake-ups: many waiters on many tasks
//! and threads, some joined on one task, some dropped midway; every waiter
//! must get the one refresh's token (no lost wake-up), with one refresher
//! call per expiry.

use azure_communication_common::{
    AzureCommunicationTokenCredential, CommunicationTokenRefreshOptions,
};
use azure_core::{
    credentials::AccessToken,
    time::{Duration, OffsetDateTime},
};
use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

/// An expired credential whose refresher answers from another task after
/// `turns` yields, counting its calls.
fn expired_credential(turns: usize) -> (AzureCommunicationTokenCredential, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let credential = AzureCommunicationTokenCredential::with_refresher(
        CommunicationTokenRefreshOptions::new(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let (answer, answered) = tokio::sync::oneshot::channel();
            tokio::spawn(async move {
                for _ in 0..turns {
                    tokio::task::yield_now().await;
                }
                let _ = answer.send(());
            });
            async move {
                let _ = answered.await;
                Ok(AccessToken::new(
                    format!("fresh-{n}"),
                    OffsetDateTime::now_utc() + Duration::hours(1),
                ))
            }
        })
        .with_initial_token(AccessToken::new(
            "expired",
            OffsetDateTime::now_utc() - Duration::hours(1),
        )),
    )
    .unwrap();
    (credential, calls)
}

#[test]
fn waiters_on_many_tasks_and_threads_all_wake() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    for round in 0..200 {
        let (credential, calls) = expired_credential(round % 4);
        runtime.block_on(async {
            let mut tasks = Vec::new();
            for task in 0..32 {
                let credential = credential.clone();
                tasks.push(tokio::spawn(async move {
                    // several calls joined on one task (one waker), one of
                    // them dropped midway on odd tasks
                    let calls: Vec<_> = (0..8).map(|_| credential.get_token()).collect();
                    let mut calls: Vec<_> = calls.into_iter().map(Box::pin).collect();
                    if task % 2 == 1 {
                        let dropped = calls.pop().unwrap();
                        let _ =
                            futures::future::select(dropped, Box::pin(tokio::task::yield_now()))
                                .await;
                    }
                    futures::future::join_all(calls).await
                }));
            }
            for task in tasks {
                let tokens = tokio::time::timeout(std::time::Duration::from_secs(10), task)
                    .await
                    .unwrap_or_else(|_| panic!("round {round}: a waiter was never woken"))
                    .unwrap();
                for token in tokens {
                    assert_eq!(token.unwrap().token.secret(), "fresh-0");
                }
            }
        });
        assert_eq!(calls.load(Ordering::SeqCst), 1, "round {round}");
        credential.dispose();
    }
}

#[test]
fn waiters_blocking_on_os_threads_all_wake() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    for round in 0..100 {
        let (credential, calls) = expired_credential(round % 3);
        std::thread::scope(|scope| {
            for _ in 0..6 {
                let credential = credential.clone();
                let handle = runtime.handle().clone();
                scope.spawn(move || {
                    let _guard = handle.enter();
                    let tokens = futures::executor::block_on(futures::future::join_all(
                        (0..4).map(|_| credential.get_token()),
                    ));
                    for token in tokens {
                        assert_eq!(token.unwrap().token.secret(), "fresh-0");
                    }
                });
            }
        });
        assert_eq!(calls.load(Ordering::SeqCst), 1, "round {round}");
        credential.dispose();
    }
}

#[test]
fn dispose_wakes_waiters_on_other_tasks() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        // a refresher that never answers
        let credential = AzureCommunicationTokenCredential::with_refresher(
            CommunicationTokenRefreshOptions::new(|| {
                futures::future::pending::<azure_core::Result<AccessToken>>()
            })
            .with_initial_token(AccessToken::new(
                "expired",
                OffsetDateTime::now_utc() - Duration::hours(1),
            )),
        )
        .unwrap();
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let credential = credential.clone();
                tokio::spawn(async move { credential.get_token().await })
            })
            .collect();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        credential.dispose();
        for task in tasks {
            let error = tokio::time::timeout(std::time::Duration::from_secs(10), task)
                .await
                .expect("woken by dispose")
                .unwrap()
                .unwrap_err();
            assert_eq!(error.to_string(), "User credential is disposed");
        }
    });
}

/// A refresher that panics: every caller waiting for that refresh gets an
/// error saying so (the refresh runs as its own task, which catches the
/// panic), and the next call refreshes anew.
#[tokio::test]
async fn a_panicking_refresher_fails_its_waiters_and_the_next_call_refreshes_again() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let credential = AzureCommunicationTokenCredential::with_refresher(
        CommunicationTokenRefreshOptions::new(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            async move {
                tokio::task::yield_now().await;
                if n == 0 {
                    panic!("refresher bug");
                }
                Ok(AccessToken::new(
                    "fresh",
                    OffsetDateTime::now_utc() + Duration::hours(1),
                ))
            }
        })
        .with_initial_token(AccessToken::new(
            "expired",
            OffsetDateTime::now_utc() - Duration::hours(1),
        )),
    )
    .unwrap();
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let c = credential.clone();
            tokio::spawn(async move { c.get_token().await })
        })
        .collect();
    for waiter in waiters {
        let error = waiter
            .await
            .expect("no panic reaches a caller")
            .unwrap_err();
        assert!(
            error.to_string().starts_with("The token refresh panicked"),
            "{error}"
        );
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1, "one refresh for the three");
    assert_eq!(
        credential.get_token().await.unwrap().token.secret(),
        "fresh"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

/// A refresher that yields by waking itself (`wake_by_ref` then `Pending`,
/// as runtime-agnostic `yield_now`s do) while it waits for another task on
/// the same thread. The flight must hand control back to the executor at
/// each such yield; re-polling the refresher in place never lets the other
/// task run (here capped, so that the failure is an error and not a hang).
#[tokio::test(flavor = "current_thread")]
async fn a_refresher_that_wakes_itself_lets_other_tasks_run() {
    let ready = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let r = ready.clone();
    let credential = AzureCommunicationTokenCredential::with_refresher(
        CommunicationTokenRefreshOptions::new(move || {
            let ready = r.clone();
            async move {
                let mut yields = 0;
                futures::future::poll_fn(|cx| {
                    if ready.load(Ordering::SeqCst) || yields == 1000 {
                        return std::task::Poll::Ready(());
                    }
                    yields += 1;
                    cx.waker().wake_by_ref();
                    std::task::Poll::Pending
                })
                .await;
                if !ready.load(Ordering::SeqCst) {
                    return Err(azure_core::Error::with_message(
                        azure_core::error::ErrorKind::Other,
                        "the other task never ran",
                    ));
                }
                Ok(AccessToken::new(
                    "fresh",
                    OffsetDateTime::now_utc() + Duration::hours(1),
                ))
            }
        }),
    )
    .unwrap();
    tokio::spawn(async move { ready.store(true, Ordering::SeqCst) });
    let token = credential.get_token().await.unwrap();
    assert_eq!(token.token.secret(), "fresh");
}

/// A refresh left pending on a runtime that then shut down cannot finish
/// (its timeout timer belonged to that runtime, and polling it on another
/// one panics inside tokio). The next call, on a new runtime, is "the next
/// call" of SPEC 2.3: it starts a new refresh and gets its token, instead of
/// panicking or failing. (Shared credentials across `#[tokio::test]`s, each
/// with its own runtime, do this.)
#[test]
fn a_refresh_left_on_a_runtime_that_shut_down_is_replaced_by_the_next_call() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let credential = AzureCommunicationTokenCredential::with_refresher(
        CommunicationTokenRefreshOptions::new(move || {
            let call = c.fetch_add(1, Ordering::SeqCst);
            async move {
                if call == 0 {
                    futures::future::pending::<()>().await;
                }
                Ok(AccessToken::new(
                    format!("token-{call}"),
                    OffsetDateTime::now_utc() + Duration::hours(1),
                ))
            }
        }),
    )
    .expect("credential");
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    };

    let first = runtime();
    first.block_on(async {
        let mut call = Box::pin(credential.get_token());
        assert!(futures::poll!(&mut call).is_pending());
        // the refresh runs as a task of this runtime: let it call the refresher
        while calls.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        assert!(futures::poll!(&mut call).is_pending());
    });
    drop(first);

    let token = runtime()
        .block_on(credential.get_token())
        .expect("the next call refreshes anew");
    assert_eq!(token.token.secret(), "token-1");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}
