//! The soak's credential clock: the system clock, whose wall-clock readings
//! are also noted in the reading caller's task (a tokio task-local), so that
//! the soak knows the instant at which the credential judged a token valid.
//!
//! A credential decides that its cached token may be served (or that its
//! previous token is still good after a failed refresh) in the caller's own
//! task, reading this clock. A token it serves must be valid at the latest
//! such reading: that is exact, whatever the scheduler does between the
//! decision and the moment the caller looks.

use azure_communication_common::TokenClock;
use azure_core::time::OffsetDateTime;
use std::{cell::Cell, future::Future, sync::OnceLock, time::Instant};

tokio::task_local! {
    /// The latest wall-clock reading (Unix nanoseconds) made in this task.
    static LAST_READING: Cell<Option<i128>>;
}

/// The system clock, noting its wall-clock readings (see the module docs).
#[derive(Debug, Default)]
pub struct NotingClock;

impl TokenClock for NotingClock {
    fn now_utc(&self) -> OffsetDateTime {
        let now = OffsetDateTime::now_utc();
        let nanos = now.unix_timestamp_nanos();
        let _outside_a_noting_task = LAST_READING.try_with(|last| {
            last.set(Some(last.get().map_or(nanos, |l| l.max(nanos))));
        });
        now
    }

    fn monotonic(&self) -> std::time::Duration {
        static ORIGIN: OnceLock<Instant> = OnceLock::new();
        ORIGIN.get_or_init(Instant::now).elapsed()
    }
}

/// Runs `future` and returns its output with the latest reading of a
/// [`NotingClock`] made while it ran in this task, if any.
pub async fn noting<F: Future>(future: F) -> (F::Output, Option<i128>) {
    LAST_READING
        .scope(Cell::new(None), async {
            let output = future.await;
            (output, LAST_READING.with(Cell::get))
        })
        .await
}
