//! The single flight: one refresh, shared by everybody who waits for it.
//!
//! A refresh runs as its own task on azure_core's async runtime. Its result
//! is published once (a [`OnceLock`]) and its waiters are woken through an
//! [`event_listener::Event`]; nothing here polls the refresh but the runtime.
//! So:
//!
//! * dropping a waiter's future never cancels the refresh (the task does
//!   not belong to any waiter);
//! * a panicking refresher is caught in the task ([`FutureExt::catch_unwind`]):
//!   every waiter gets an error, and the cache's gate is cleared so that
//!   the next call refreshes anew;
//! * a task dropped before it finished (its runtime shut down) publishes
//!   [`Outcome::Dropped`] from its drop guard, so nobody waits for it
//!   forever and the next call, perhaps on another runtime, starts anew;
//! * `dispose` publishes the disposed error at once and aborts the task.

use super::{cache::Cached, disposed_error};
use azure_core::{async_runtime::TaskFuture, error::ErrorKind};
use event_listener::Event;
use futures::future::{AbortHandle, Abortable, FutureExt};
use std::{
    future::Future,
    panic::AssertUnwindSafe,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, OnceLock,
    },
};

/// How a refresh ended.
pub(crate) enum Outcome {
    /// A new token (already stored in the cache).
    Fresh(Arc<Cached>),
    /// The refresher's error, a timeout, a panic, or disposal; shared by
    /// every waiter.
    Failed(Arc<azure_core::Error>),
    /// The task was dropped before it finished: its runtime shut down.
    Dropped,
}

/// One refresh, shared by everybody who waits for it.
pub(crate) struct Flight {
    result: OnceLock<Outcome>,
    done: Event,
    /// The cached token when the flight started (nothing else changes the
    /// cache while a flight runs): an on-demand caller falls back to it if
    /// the refresh fails while it is still valid.
    pub previous: Option<Arc<Cached>>,
    /// Waiters right now.
    waiting: AtomicUsize,
    /// Whether anybody has waited for it yet.
    joined: AtomicBool,
    abort: AbortHandle,
}

/// What a flight does with its outcome before publishing it (update the cache).
type OnEnd = Box<dyn FnOnce(&Outcome) + Send>;

/// Runs `on_end` and publishes the outcome, exactly once: when the task
/// finishes, or when it is dropped unfinished.
struct End {
    flight: Arc<Flight>,
    on_end: Option<OnEnd>,
}

impl End {
    fn finish(&mut self, outcome: Outcome) {
        if let Some(on_end) = self.on_end.take() {
            on_end(&outcome);
            self.flight.publish(outcome);
        }
    }
}

impl Drop for End {
    fn drop(&mut self) {
        self.finish(Outcome::Dropped);
    }
}

impl Flight {
    /// A flight for `work`, and the task that runs it, to be spawned by the
    /// caller (outside any lock: a spawn that fails drops the task, whose
    /// drop guard runs `on_end`). `on_end` runs before the outcome is
    /// published, so waiters find the cache already updated.
    pub(crate) fn new<W>(
        work: W,
        previous: Option<Arc<Cached>>,
        on_end: impl FnOnce(&Outcome) + Send + 'static,
    ) -> (Arc<Self>, TaskFuture)
    where
        W: Future<Output = azure_core::Result<Arc<Cached>>> + Send + 'static,
    {
        let (abort, registration) = AbortHandle::new_pair();
        let flight = Arc::new(Self {
            result: OnceLock::new(),
            done: Event::new(),
            previous,
            waiting: AtomicUsize::new(0),
            joined: AtomicBool::new(false),
            abort,
        });
        let mut end = End {
            flight: flight.clone(),
            on_end: Some(Box::new(on_end)),
        };
        let work = Abortable::new(AssertUnwindSafe(work).catch_unwind(), registration);
        let task = async move {
            let outcome = match work.await {
                Ok(Ok(Ok(cached))) => Outcome::Fresh(cached),
                Ok(Ok(Err(error))) => Outcome::Failed(Arc::new(error)),
                Ok(Err(_panic)) => {
                    tracing::error!(
                        "the token refresher panicked; the next get_token call refreshes anew"
                    );
                    Outcome::Failed(Arc::new(azure_core::Error::with_message(
                        ErrorKind::Credential,
                        "The token refresh panicked; the next get_token call starts a new refresh.",
                    )))
                }
                Err(_aborted) => Outcome::Failed(Arc::new(disposed_error())),
            };
            end.finish(outcome);
        };
        (flight, Box::pin(task))
    }

    fn publish(&self, outcome: Outcome) {
        let _ = self.result.set(outcome);
        self.done.notify(usize::MAX);
    }

    /// Ends the flight with the disposed error (waiters are woken now) and
    /// aborts its task.
    pub(crate) fn cancel(&self) {
        self.publish(Outcome::Failed(Arc::new(disposed_error())));
        self.abort.abort();
    }

    /// Whether it was waited for and then left with nobody waiting, unfinished
    /// (every caller's future dropped, or the runtime that ran them shut
    /// down). A caller that joins such a refresh is "the next call": if the
    /// refresh fails, that caller starts a new one.
    pub(crate) fn abandoned(&self) -> bool {
        self.joined.load(Ordering::Acquire)
            && self.waiting.load(Ordering::Acquire) == 0
            && self.result.get().is_none()
    }

    /// Waits for the outcome.
    pub(crate) async fn wait(&self) -> &Outcome {
        let _waiting = Waiting::new(self);
        loop {
            if let Some(outcome) = self.result.get() {
                return outcome;
            }
            // listen first, then look again: a publish after this is not missed
            let listener = self.done.listen();
            if let Some(outcome) = self.result.get() {
                return outcome;
            }
            listener.await;
        }
    }
}

/// Counts a live waiter.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(flight: &'a Flight) -> Self {
        flight.waiting.fetch_add(1, Ordering::AcqRel);
        flight.joined.store(true, Ordering::Release);
        Self(&flight.waiting)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use azure_core::credentials::AccessToken;
    use azure_core::time::OffsetDateTime;
    use std::sync::Mutex;

    fn fresh() -> azure_core::Result<Arc<Cached>> {
        let expires = OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1);
        Ok(Arc::new(Cached::new(AccessToken::new("t", expires), 0)))
    }

    #[tokio::test]
    async fn every_waiter_gets_the_one_outcome_after_on_end() {
        let ended = Arc::new(Mutex::new(0));
        let e = ended.clone();
        let (gate_tx, gate_rx) = tokio::sync::oneshot::channel::<()>();
        let (flight, task) = Flight::new(
            async move {
                let _ = gate_rx.await;
                fresh()
            },
            None,
            move |_| *e.lock().unwrap() += 1,
        );
        tokio::spawn(task);
        let waiters: Vec<_> = (0..100)
            .map(|_| {
                let flight = flight.clone();
                tokio::spawn(async move { matches!(flight.wait().await, Outcome::Fresh(_)) })
            })
            .collect();
        tokio::task::yield_now().await;
        gate_tx.send(()).unwrap();
        for waiter in waiters {
            assert!(waiter.await.unwrap());
        }
        assert_eq!(*ended.lock().unwrap(), 1);
    }

    #[tokio::test]
    async fn a_panic_is_an_error_for_every_waiter() {
        let (flight, task) = Flight::new(
            async {
                tokio::task::yield_now().await;
                panic!("refresher bug")
            },
            None,
            |_| {},
        );
        tokio::spawn(task);
        let Outcome::Failed(error) = flight.wait().await else {
            panic!("expected a failure")
        };
        assert!(error.to_string().contains("panicked"), "{error}");
    }

    #[test]
    fn a_task_dropped_unfinished_publishes_dropped_and_runs_on_end() {
        let ended = Arc::new(AtomicBool::new(false));
        let e = ended.clone();
        let (flight, task) = Flight::new(futures::future::pending(), None, move |outcome| {
            e.store(matches!(outcome, Outcome::Dropped), Ordering::SeqCst)
        });
        drop(task);
        assert!(ended.load(Ordering::SeqCst));
        let outcome = futures::executor::block_on(flight.wait());
        assert!(matches!(outcome, Outcome::Dropped));
    }

    #[test]
    fn cancel_wakes_waiters_without_the_task_running() {
        let (flight, _task) = Flight::new(futures::future::pending(), None, |_| {});
        let waiter = {
            let flight = flight.clone();
            std::thread::spawn(move || {
                matches!(
                    futures::executor::block_on(flight.wait()),
                    Outcome::Failed(e) if e.to_string() == "User credential is disposed"
                )
            })
        };
        flight.cancel();
        assert!(waiter.join().unwrap());
    }

    #[test]
    fn abandoned_once_every_waiter_left_an_unfinished_flight() {
        let (flight, _task) = Flight::new(futures::future::pending(), None, |_| {});
        assert!(!flight.abandoned(), "nobody waited yet");
        let mut wait = Box::pin(flight.wait());
        let waker = futures::task::noop_waker();
        let mut cx = std::task::Context::from_waker(&waker);
        assert!(wait.as_mut().poll(&mut cx).is_pending());
        assert!(!flight.abandoned());
        drop(wait);
        assert!(flight.abandoned());
        flight.cancel();
        assert!(!flight.abandoned(), "finished");
    }
}
