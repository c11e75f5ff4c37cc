//! [`RefreshLimiter`]: how many proactive refreshes run at once.

use super::settings::{DEFAULT_MAX_CONCURRENT_PROACTIVE_REFRESHES, DEFAULT_PROACTIVE_SLOT_HOLD};
use azure_core::time::Duration;
use futures::channel::oneshot;
use std::{
    cmp::{Ordering, Reverse},
    collections::BinaryHeap,
    fmt,
    sync::{Arc, Mutex, OnceLock, PoisonError},
};

/// Bounds how many *proactive* (background) token refreshes run at once
/// across the credentials that share it.
///
/// A backend that holds many credentials whose tokens come due together
/// (say 100,000 users signed in at the same minute) chooses with it how hard
/// it hits its token service:
///
/// * At most [`max_concurrent`](Self::max_concurrent) proactive refreshes
///   hold a slot at once; the others wait.
/// * Waiting refreshes get a slot **earliest expiry first** (ties in arrival
///   order), so the tokens closest to expiring are refreshed first.
/// * A refresh holds its slot at most [`max_slot_hold`](Self::max_slot_hold)
///   (default [`DEFAULT_PROACTIVE_SLOT_HOLD`](crate::DEFAULT_PROACTIVE_SLOT_HOLD),
///   2 s). One still running then hands its slot to the next and goes on
///   outside the limit (it still ends at `refresh_timeout`), so a hung token
///   service stalls the others' refreshes for at most that long, not for the
///   whole refresh timeout.
/// * On-demand refreshes (a caller is waiting for the token) are never
///   limited.
///
/// Credentials use [`process_default`](Self::process_default) unless given
/// one with
/// [`CommunicationTokenRefreshOptions::proactive_refresh_limiter`](crate::CommunicationTokenRefreshOptions::proactive_refresh_limiter).
/// Clones share one limit.
///
/// # Examples
///
/// ```
/// use azure_communication_common::{
///     AzureCommunicationTokenCredential, CommunicationTokenRefreshOptions, RefreshLimiter,
/// };
/// use azure_core::time::Duration;
///
/// # async fn fetch_token_for(_: usize) -> azure_core::Result<String> {
/// #     Ok("eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjMyNTAzNjgwMDAwfQ.c2ln".to_owned())
/// # }
/// // at most 512 background refreshes at once, each holding its slot at most 1 s
/// let limiter = RefreshLimiter::new(512).with_max_slot_hold(Duration::seconds(1));
/// let credentials = (0..1000)
///     .map(|user| {
///         AzureCommunicationTokenCredential::with_refresher(
///             CommunicationTokenRefreshOptions::new(move || fetch_token_for(user))
///                 .refresh_proactively(true)
///                 .proactive_refresh_limiter(limiter.clone()),
///         )
///     })
///     .collect::<azure_core::Result<Vec<_>>>()?;
/// # Ok::<(), azure_core::Error>(())
/// ```
#[derive(Clone)]
pub struct RefreshLimiter {
    shared: Arc<Shared>,
}

struct Shared {
    max: usize,
    max_hold: Duration,
    queue: Mutex<Queue>,
}

#[derive(Default)]
struct Queue {
    /// Slots held (or in transit to a waiter).
    held: usize,
    waiting: BinaryHeap<Reverse<Waiter>>,
    arrivals: u64,
}

/// A refresh waiting for a slot: ordered by expiry, then arrival.
struct Waiter {
    expires: i128,
    arrival: u64,
    grant: oneshot::Sender<Slot>,
}

impl PartialEq for Waiter {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Waiter {}
impl PartialOrd for Waiter {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Waiter {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.expires, self.arrival).cmp(&(other.expires, other.arrival))
    }
}

/// A held slot; dropping it gives it to the next waiter.
pub(crate) struct Slot {
    shared: Option<Arc<Shared>>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.take() {
            shared.release();
        }
    }
}

impl Shared {
    fn queue(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Hands the slot to the earliest-expiring waiter still waiting, or frees it.
    /// The hand-over happens outside the lock (a slot dropped by a waiter
    /// that has just gone releases again).
    fn release(self: Arc<Self>) {
        loop {
            let waiter = {
                let mut queue = self.queue();
                match queue.waiting.pop() {
                    Some(Reverse(waiter)) => waiter,
                    None => {
                        queue.held = queue.held.saturating_sub(1);
                        return;
                    }
                }
            };
            match waiter.grant.send(Slot {
                shared: Some(self.clone()),
            }) {
                Ok(()) => return,
                // that waiter is gone: try the next
                Err(mut slot) => slot.shared = None,
            }
        }
    }
}

impl RefreshLimiter {
    /// A limiter letting `max_concurrent` proactive refreshes run at once
    /// (at least 1; `usize::MAX` means no limit), each holding its slot at
    /// most [`DEFAULT_PROACTIVE_SLOT_HOLD`](crate::DEFAULT_PROACTIVE_SLOT_HOLD).
    pub fn new(max_concurrent: usize) -> Self {
        Self::with(max_concurrent.max(1), DEFAULT_PROACTIVE_SLOT_HOLD)
    }

    fn with(max: usize, max_hold: Duration) -> Self {
        Self {
            shared: Arc::new(Shared {
                max,
                max_hold,
                queue: Mutex::default(),
            }),
        }
    }

    /// The limiter credentials share when none is given: one per process,
    /// [`DEFAULT_MAX_CONCURRENT_PROACTIVE_REFRESHES`](crate::DEFAULT_MAX_CONCURRENT_PROACTIVE_REFRESHES)
    /// (64) slots, each held at most 2 s.
    pub fn process_default() -> Self {
        static DEFAULT: OnceLock<RefreshLimiter> = OnceLock::new();
        DEFAULT
            .get_or_init(|| Self::new(DEFAULT_MAX_CONCURRENT_PROACTIVE_REFRESHES))
            .clone()
    }

    /// The same limit with another longest slot hold (a non-positive value
    /// means no refresh holds a slot while it waits for its token: the
    /// limiter then bounds only how fast refreshes start). Returns a new
    /// limiter: set it before sharing.
    pub fn with_max_slot_hold(self, max_hold: Duration) -> Self {
        Self::with(self.shared.max, max_hold)
    }

    /// How many proactive refreshes may hold a slot at once.
    pub fn max_concurrent(&self) -> usize {
        self.shared.max
    }

    /// How long one refresh may hold its slot.
    pub fn max_slot_hold(&self) -> Duration {
        self.shared.max_hold
    }

    /// Waits for a slot for the refresh of a token expiring at `expires`
    /// (Unix nanoseconds).
    pub(crate) async fn acquire(&self, expires: i128) -> Slot {
        let granted = {
            let mut queue = self.shared.queue();
            if queue.held < self.shared.max && queue.waiting.is_empty() {
                queue.held += 1;
                return Slot {
                    shared: Some(self.shared.clone()),
                };
            }
            let (grant, granted) = oneshot::channel();
            queue.arrivals += 1;
            let arrival = queue.arrivals;
            queue.waiting.push(Reverse(Waiter {
                expires,
                arrival,
                grant,
            }));
            granted
        };
        // the sender is dropped unsent only with the limiter itself
        granted.await.unwrap_or(Slot { shared: None })
    }
}

impl fmt::Debug for RefreshLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshLimiter")
            .field("max_concurrent", &self.shared.max)
            .field("max_slot_hold", &self.shared.max_hold)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt;

    #[test]
    fn waiters_get_slots_earliest_expiry_first() {
        let limiter = RefreshLimiter::new(1);
        let first = limiter.acquire(0).now_or_never().expect("a free slot");
        let mut late = Box::pin(limiter.acquire(300));
        let mut soon = Box::pin(limiter.acquire(100));
        let mut sooner_but_later = Box::pin(limiter.acquire(100));
        for waiting in [&mut late, &mut soon, &mut sooner_but_later] {
            assert!(waiting.as_mut().now_or_never().is_none());
        }
        drop(first);
        let slot = soon.as_mut().now_or_never().expect("earliest expiry first");
        assert!(late.as_mut().now_or_never().is_none());
        drop(slot);
        let slot = sooner_but_later
            .as_mut()
            .now_or_never()
            .expect("then arrival order");
        drop(slot);
        assert!(late.as_mut().now_or_never().is_some());
    }

    #[test]
    fn a_waiter_that_left_passes_its_slot_on() {
        let limiter = RefreshLimiter::new(1);
        let first = limiter.acquire(0).now_or_never().unwrap();
        let mut gone = Box::pin(limiter.acquire(1));
        let mut next = Box::pin(limiter.acquire(2));
        assert!(gone.as_mut().now_or_never().is_none());
        assert!(next.as_mut().now_or_never().is_none());
        drop(gone);
        drop(first);
        let slot = next
            .as_mut()
            .now_or_never()
            .expect("the slot skipped the gone waiter");
        drop(slot);
        assert_eq!(limiter.shared.queue().held, 0);
    }

    #[test]
    fn at_most_max_concurrent_slots_are_held() {
        let limiter = RefreshLimiter::new(3);
        let held: Vec<_> = (0..3)
            .map(|i| limiter.acquire(i).now_or_never().unwrap())
            .collect();
        let mut fourth = Box::pin(limiter.acquire(0));
        assert!(fourth.as_mut().now_or_never().is_none());
        drop(held);
        assert!(fourth.as_mut().now_or_never().is_some());
        assert_eq!(RefreshLimiter::new(0).max_concurrent(), 1);
        assert_eq!(
            RefreshLimiter::process_default().max_concurrent(),
            DEFAULT_MAX_CONCURRENT_PROACTIVE_REFRESHES
        );
    }
}
