//! The whole token refresh state machine (SPEC 2.3), in one place.
//!
//! * **Cache.** The current token lives in an [`ArcSwapOption`]: `get_token`
//!   on a token that is more than [`ON_DEMAND_REFRESH_WINDOW`] from expiry is a
//!   lock-free load, a clock read and a clone of the token. That clock read
//!   is [`TokenClock::now_unix_nanos`], which for the system clock is the
//!   kernel's coarse wall clock (tick resolution, a few ns to read).
//! * **Single flight.** A refresh is one [`Flight`] stored in the gate; every
//!   caller that needs a token while it runs waits on it and gets the same
//!   result. The refresh future is driven by the waiters themselves (no task
//!   is spawned), but only after it has been woken: a waiter's poll is a
//!   look at the result slot and, at most once per wake-up of its task, a
//!   push of its waker, so thousands of waiters cost little. Dropping a
//!   caller's future never cancels the flight. The flight stores its own
//!   result in the cache, so whoever polls it to completion finishes the
//!   refresh for everybody.
//! * **Proactive timer.** With proactive refresh on, one task per credential
//!   (spawned through azure_core's async runtime on the first `get_token`)
//!   sleeps until the token's refresh point, refreshes, and on failure
//!   retries with capped exponential backoff and jitter. It holds only a
//!   [`Weak`] reference: dropping the last credential handle ends it.
//! * **Dispose.** Sets a flag, aborts the flight (every waiter gets
//!   `User credential is disposed`) and the timer task, and drops the token.
//!
//! Expiry comparisons use wall-clock time ([`TokenClock::now_utc`]); scheduling
//! uses monotonic time ([`TokenClock::monotonic`] and the runtime's `sleep`).
//! Token sources (a user callback today, an Entra token exchange later) plug
//! in through [`TokenSource`]; nothing here knows where tokens come from.

use super::clock::TokenClock;
use arc_swap::ArcSwapOption;
use async_lock::Semaphore;
use azure_core::{
    async_runtime::{get_async_runtime, SpawnedTask},
    credentials::AccessToken,
    error::ErrorKind,
    time::Duration,
};
use futures::{
    future::{AbortHandle, BoxFuture, Either, FutureExt},
    pin_mut,
};
use std::{
    any::Any,
    fmt,
    future::Future,
    panic::{catch_unwind, resume_unwind, AssertUnwindSafe},
    pin::Pin,
    sync::{
        atomic::{fence, AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering},
        Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak,
    },
    task::{Context, Poll, Wake, Waker},
};
use tracing::Instrument;

/// `get_token` refreshes (and waits) once the cached token is this close to
/// expiry: 2 minutes, as in the .NET, Python, iOS and Android libraries.
/// A token expiring at 12:00:00 is served from the cache until 11:58:00.
pub const ON_DEMAND_REFRESH_WINDOW: Duration = Duration::minutes(2);

/// Proactive refresh happens this long before expiry: 10 minutes. A token
/// that arrives with less than this left is refreshed after half of its
/// remaining lifetime instead.
pub const PROACTIVE_REFRESH_WINDOW: Duration = Duration::minutes(10);

/// Refreshes of a credential never start more often than this: 1 second.
pub const MIN_REFRESH_INTERVAL: Duration = Duration::seconds(1);

/// First retry of a failed proactive refresh: after 1 s plus up to 1 s of jitter.
pub const FIRST_RETRY_DELAY: Duration = Duration::seconds(1);

/// Retries of a failed proactive refresh are never further apart than 60 s.
pub const MAX_RETRY_DELAY: Duration = Duration::seconds(60);

/// The proactive timer wakes at least this often to re-read the wall clock
/// (so a clock step or a machine sleep is noticed, and no sleep is long
/// enough to overflow any timer): 1 day.
pub const MAX_TIMER_SLEEP: Duration = Duration::days(1);

/// At most this many proactive refreshes run at once in one process (across
/// all credentials); the others wait their turn. On-demand refreshes, which
/// callers are waiting for, are not limited.
pub const MAX_CONCURRENT_PROACTIVE_REFRESHES: usize = 64;

/// Error message after `dispose` (exact text of the reference).
pub(crate) const DISPOSED_MESSAGE: &str = "User credential is disposed";

/// Error message for an already-expired refresher result (exact text of the reference).
pub(crate) const EXPIRED_FROM_REFRESHER_MESSAGE: &str =
    "The token returned from the tokenRefresher is expired.";

static PROACTIVE_REFRESH_PERMITS: Semaphore = Semaphore::new(MAX_CONCURRENT_PROACTIVE_REFRESHES);

/// Where fresh tokens come from. Implemented by the refresher callback and,
/// later, by the Entra token exchange.
pub(crate) trait TokenSource: Send + Sync + 'static {
    /// Fetches a new token. The future owns what it needs (no borrow of `self`).
    fn fetch(&self) -> BoxFuture<'static, azure_core::Result<AccessToken>>;

    /// The error message for a fetched token that is already expired.
    fn expired_message(&self) -> &'static str {
        EXPIRED_FROM_REFRESHER_MESSAGE
    }
}

/// A cached token and when to refresh it proactively.
struct Cached {
    token: AccessToken,
    /// Refresh proactively once the remaining lifetime is at most this.
    refresh_lead: Duration,
    /// `expires_on - ON_DEMAND_REFRESH_WINDOW` in Unix nanoseconds: the
    /// cached path compares one clock reading with this.
    serve_until_unix_nanos: i128,
}

impl Cached {
    fn new(token: AccessToken, received_at: azure_core::time::OffsetDateTime) -> Self {
        let remaining = token.expires_on - received_at;
        let refresh_lead = if remaining > PROACTIVE_REFRESH_WINDOW {
            PROACTIVE_REFRESH_WINDOW
        } else if remaining.is_positive() {
            remaining / 2
        } else {
            Duration::ZERO
        };
        let serve_until_unix_nanos =
            token.expires_on.unix_timestamp_nanos() - ON_DEMAND_REFRESH_WINDOW.whole_nanoseconds();
        Self {
            token,
            refresh_lead,
            serve_until_unix_nanos,
        }
    }
}

type FlightResult = Result<Arc<Cached>, Arc<azure_core::Error>>;

/// What an on-demand caller gets from the gate.
enum Joined {
    /// The cache turned out to hold a servable token.
    Served(AccessToken),
    /// The refresh to wait for.
    Flight(Arc<Flight>),
}

// `Signal::state`: who may poll the refresh future next.
/// Nobody is polling it, and it has been woken (or never polled): the next
/// waiter to look polls it.
const IDLE_WOKEN: u8 = 0;
/// Nobody is polling it and it has not been woken since its last poll.
const IDLE: u8 = 1;
/// A waiter is polling it.
const POLLING: u8 = 2;
/// A waiter is polling it and it was woken meanwhile: the poller, once done,
/// makes it `IDLE_WOKEN` and wakes the waiters.
const POLLING_WOKEN: u8 = 3;
/// It has finished; the result is in the slot.
const DONE: u8 = 4;

/// The waker of a flight's refresh future, and the waiters to wake.
struct Signal {
    state: AtomicU8,
    /// A seqlock over `last_data` and `last_vtable`, a copy of
    /// `Waiters::last` readable without the mutex: odd while the mutex
    /// holder rewrites them.
    seq: AtomicU64,
    last_data: AtomicUsize,
    /// 0: no waker pushed since the last wake-up.
    last_vtable: AtomicUsize,
    waiters: Mutex<Waiters>,
}

/// The wakers to wake at the next wake-up. A waiter pushes its waker at most
/// once per wake-up, and not at all when the last one pushed wakes the same
/// task: thousands of calls joined on one task (as `join_all` does) cost one
/// entry.
#[derive(Default)]
struct Waiters {
    /// Wake-ups so far.
    epoch: u64,
    wakers: Vec<Waker>,
    /// Identity of the waker last pushed, as its waiter passed it (a clone
    /// may carry another vtable address, so `will_wake` on the clone would
    /// not recognise it).
    last: Option<WakerId>,
}

impl Signal {
    /// A refresh not polled yet (so the first waiter to look polls it).
    fn new() -> Self {
        Self {
            state: AtomicU8::new(IDLE_WOKEN),
            seq: AtomicU64::new(0),
            last_data: AtomicUsize::new(0),
            last_vtable: AtomicUsize::new(0),
            waiters: Mutex::new(Waiters::default()),
        }
    }

    /// Wakes every waiter registered so far.
    fn wake_waiters(&self) {
        let wakers = {
            let mut waiters = lock(&self.waiters);
            waiters.epoch = waiters.epoch.wrapping_add(1);
            waiters.last = None;
            self.publish_last(None);
            std::mem::take(&mut waiters.wakers)
        };
        for waker in wakers {
            waker.wake();
        }
    }

    /// Makes sure `waker` is woken at the next wake-up. `registered` is what
    /// this waiter registered last: (wake-up count, identity of the waker).
    /// Comparing identities is enough: until the next wake-up the list holds
    /// a clone of a waker with that identity, which keeps its data alive, so
    /// the identity cannot belong to a different waker meanwhile.
    ///
    /// The common case, the same waker as the last one pushed, needs no lock:
    /// if the seqlock shows it as the last one pushed, the list taken by the
    /// next wake-up (under the mutex, after that push) holds it.
    fn register(&self, waker: &Waker, registered: &mut Option<(u64, WakerId)>) {
        let id = WakerId::of(waker);
        if self.is_last(id) {
            return;
        }
        let mut waiters = lock(&self.waiters);
        if *registered == Some((waiters.epoch, id)) {
            return;
        }
        if waiters.last != Some(id) {
            let clone = waker.clone();
            // The identity may stand for this waker until the next wake-up
            // only if the clone kept in the list keeps its data alive (same data
            // pointer, as Arc-based and tokio wakers have). A waker whose
            // clone has other data is pushed at every poll instead: its own
            // data may be freed and reused by another task's waker.
            let kept = (clone.data() == waker.data()).then_some(id);
            waiters.wakers.push(clone);
            waiters.last = kept;
            self.publish_last(kept);
            *registered = kept.map(|id| (waiters.epoch, id));
            return;
        }
        *registered = Some((waiters.epoch, id));
    }

    /// Whether `id` is the last waker pushed since the last wake-up
    /// (seqlock read; `false` when a writer is busy).
    fn is_last(&self, id: WakerId) -> bool {
        let before = self.seq.load(Ordering::Acquire);
        if before & 1 == 1 {
            return false;
        }
        let data = self.last_data.load(Ordering::Relaxed);
        let vtable = self.last_vtable.load(Ordering::Relaxed);
        fence(Ordering::Acquire);
        let after = self.seq.load(Ordering::Relaxed);
        before == after && WakerId(data, vtable) == id
    }

    /// Copies `Waiters::last` for [`Self::is_last`]. Called with the
    /// `waiters` mutex held (the only writer).
    fn publish_last(&self, last: Option<WakerId>) {
        let WakerId(data, vtable) = last.unwrap_or(WakerId(0, 0));
        let seq = self.seq.load(Ordering::Relaxed);
        self.seq.store(seq.wrapping_add(1), Ordering::Relaxed);
        fence(Ordering::Release);
        self.last_data.store(data, Ordering::Relaxed);
        self.last_vtable.store(vtable, Ordering::Relaxed);
        self.seq.store(seq.wrapping_add(2), Ordering::Release);
    }
}

/// What [`Waker::will_wake`] compares: the data and vtable addresses.
#[derive(Clone, Copy, PartialEq, Eq)]
struct WakerId(usize, usize);

impl WakerId {
    fn of(waker: &Waker) -> Self {
        Self(
            waker.data() as usize,
            std::ptr::from_ref(waker.vtable()) as usize,
        )
    }
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    /// The refresh future can make progress: a polling waiter polls again;
    /// otherwise every waiter is woken and the first to look polls it.
    fn wake_by_ref(self: &Arc<Self>) {
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            let next = match state {
                IDLE => IDLE_WOKEN,
                POLLING => POLLING_WOKEN,
                _ => return,
            };
            match self
                .state
                .compare_exchange_weak(state, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) if next == IDLE_WOKEN => return self.wake_waiters(),
                Ok(_) => return,
                Err(actual) => state = actual,
            }
        }
    }
}

/// One refresh, shared by everybody who waits for it.
struct Flight {
    signal: Arc<Signal>,
    /// `signal` as a [`Waker`], for polling `work`.
    waker: Waker,
    /// The refresh; `None` once finished. Polled only by the waiter that
    /// moved `signal.state` to `POLLING`.
    work: Mutex<Option<BoxFuture<'static, FlightResult>>>,
    result: OnceLock<FlightResult>,
    /// The cached token when the flight started (nothing else changes the
    /// cache while a flight runs): an on-demand caller falls back to it if
    /// the refresh fails while it is still valid.
    previous: Option<Arc<Cached>>,
    /// Whose gate holds the flight, and under which generation (to clear
    /// the gate if the refresh panics).
    owner: Weak<TokenCache>,
    generation: u64,
    /// Live [`FlightWait`]s.
    waiting: AtomicUsize,
    /// Whether the refresh has been polled at least once.
    started: AtomicBool,
}

/// What [`Flight::drive`] did.
enum Drove {
    /// It polled the refresh, which was not woken meanwhile.
    Polled,
    /// It did not poll (not woken, or somebody else is polling), or it did
    /// and the refresh woke itself (the waiters have been woken to poll it
    /// again).
    Idle,
    /// Polling the refresh panicked; the flight has ended with an error.
    Panicked(Box<dyn Any + Send>),
}

impl Flight {
    fn new(
        work: BoxFuture<'static, FlightResult>,
        previous: Option<Arc<Cached>>,
        owner: Weak<TokenCache>,
        generation: u64,
    ) -> Self {
        let signal = Arc::new(Signal::new());
        Self {
            waker: Waker::from(signal.clone()),
            signal,
            work: Mutex::new(Some(work)),
            result: OnceLock::new(),
            previous,
            owner,
            generation,
            waiting: AtomicUsize::new(0),
            started: AtomicBool::new(false),
        }
    }

    /// Whether the refresh was started and then left with nobody waiting
    /// for it (every caller's future dropped, or the runtime that ran them
    /// shut down). A caller that joins such a refresh is "the next call":
    /// if it fails, that caller starts a new one. A refresh whose runtime
    /// shut down can only fail (its timers and I/O are gone).
    fn abandoned(&self) -> bool {
        self.started.load(Ordering::Acquire) && self.waiting.load(Ordering::Acquire) == 0
    }

    /// Polls the refresh if it has been woken and nobody else is polling it.
    fn drive(&self) -> Drove {
        // a plain load first: most looks find the refresh not woken
        if self.signal.state.load(Ordering::Acquire) != IDLE_WOKEN
            || self
                .signal
                .state
                .compare_exchange(IDLE_WOKEN, POLLING, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
        {
            return Drove::Idle;
        }
        self.started.store(true, Ordering::Release);
        let mut work = lock(&self.work);
        let Some(future) = work.as_mut() else {
            return Drove::Polled;
        };
        let mut cx = Context::from_waker(&self.waker);
        let poll = match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(&mut cx))) {
            Ok(poll) => poll,
            Err(panic) => {
                // A panicking refresh ends the flight with an error for the
                // other waiters, and the next call starts a new refresh.
                *work = None;
                drop(work);
                let result = Err(Arc::new(azure_core::Error::with_message(
                    ErrorKind::Credential,
                    "The token refresh panicked.",
                )));
                if let Some(state) = self.owner.upgrade() {
                    state.finish(self.generation, &result);
                }
                self.complete(result);
                return Drove::Panicked(panic);
            }
        };
        match poll {
            Poll::Ready(result) => {
                *work = None;
                drop(work);
                self.complete(result);
                Drove::Polled
            }
            Poll::Pending => {
                drop(work);
                if self
                    .signal
                    .state
                    .compare_exchange(POLLING, IDLE, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
                {
                    return Drove::Polled;
                }
                // Woken while polling (a refresh that yields wakes itself):
                // hand the wake-up to the waiters, this one included (it
                // registered before driving), rather than polling again
                // here, which would never let the executor run the task
                // the refresh is waiting for.
                self.signal.state.store(IDLE_WOKEN, Ordering::Release);
                self.signal.wake_waiters();
                Drove::Idle
            }
        }
    }

    fn complete(&self, result: FlightResult) {
        let _ = self.result.set(result);
        self.signal.state.store(DONE, Ordering::Release);
        self.signal.wake_waiters();
    }

    /// Waits for the result. If polling the refresh panics while this waiter
    /// polls it, the panic goes on to this waiter's caller when `rethrow`;
    /// otherwise this waiter gets the flight's error like every other.
    fn wait(&self, rethrow: bool) -> FlightWait<'_> {
        self.waiting.fetch_add(1, Ordering::AcqRel);
        FlightWait {
            flight: self,
            registered: None,
            rethrow,
        }
    }
}

/// A waiter's future: the flight's result.
struct FlightWait<'a> {
    flight: &'a Flight,
    registered: Option<(u64, WakerId)>,
    rethrow: bool,
}

impl Drop for FlightWait<'_> {
    fn drop(&mut self) {
        self.flight.waiting.fetch_sub(1, Ordering::AcqRel);
    }
}

impl<'a> Future for FlightWait<'a> {
    type Output = &'a FlightResult;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<&'a FlightResult> {
        let this = &mut *self;
        loop {
            if let Some(result) = this.flight.result.get() {
                return Poll::Ready(result);
            }
            // register first, then look: a wake-up after this is not missed
            this.flight
                .signal
                .register(cx.waker(), &mut this.registered);
            match this.flight.drive() {
                Drove::Polled => continue,
                Drove::Idle => {}
                Drove::Panicked(panic) if this.rethrow => resume_unwind(panic),
                // the result is the flight's error
                Drove::Panicked(_) => continue,
            }
            if let Some(result) = this.flight.result.get() {
                return Poll::Ready(result);
            }
            return Poll::Pending;
        }
    }
}

#[derive(Default)]
struct Gate {
    generation: u64,
    flight: Option<(u64, Arc<Flight>, AbortHandle)>,
}

#[derive(Clone, Copy, Debug)]
enum Trigger {
    OnDemand,
    Proactive,
}

impl Trigger {
    fn as_str(self) -> &'static str {
        match self {
            Trigger::OnDemand => "on_demand",
            Trigger::Proactive => "proactive",
        }
    }
}

/// The shared state behind every clone of a credential.
pub(crate) struct TokenCache {
    cached: ArcSwapOption<Cached>,
    /// `None`: a static credential (the cached token is returned as is).
    source: Option<Arc<dyn TokenSource>>,
    proactive: bool,
    timeout: Duration,
    clock: Arc<dyn TokenClock>,
    disposed: AtomicBool,
    /// Monotonic nanoseconds + 1 of the last successful refresh; 0 = never.
    last_refresh: AtomicU64,
    /// Monotonic nanoseconds + 1 of the last failed refresh; 0 = never.
    last_failure: AtomicU64,
    gate: Mutex<Gate>,
    /// The proactive timer task and a runtime-independent way to stop it.
    timer: Mutex<Option<(SpawnedTask, AbortHandle)>>,
    timer_running: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn disposed_error() -> azure_core::Error {
    azure_core::Error::with_message(ErrorKind::Credential, DISPOSED_MESSAGE)
}

fn timeout_error(timeout: Duration) -> azure_core::Error {
    azure_core::Error::with_message(
        ErrorKind::Credential,
        format!(
            "The token refresh did not complete within {} ms (refresh_timeout) and was abandoned; \
             the next get_token call starts a new refresh. Check that the token refresher answers, or raise refresh_timeout.",
            timeout.whole_milliseconds()
        ),
    )
}

/// An error shared by every waiter of one refresh: same kind, same message,
/// same source chain.
#[derive(Debug)]
struct SharedError(Arc<azure_core::Error>);

impl fmt::Display for SharedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for SharedError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(self.0.as_ref())
    }
}

fn share_error(error: &Arc<azure_core::Error>) -> azure_core::Error {
    azure_core::Error::new(error.kind().clone(), SharedError(error.clone()))
}

fn to_std(d: Duration) -> std::time::Duration {
    d.try_into().unwrap_or(std::time::Duration::ZERO)
}

fn from_std(d: std::time::Duration) -> Duration {
    d.try_into().unwrap_or(Duration::MAX)
}

impl TokenCache {
    /// A static credential: `get_token` always returns `token`.
    pub(crate) fn new_static(token: AccessToken, clock: Arc<dyn TokenClock>) -> Self {
        let now = clock.now_utc();
        Self::new(
            Some(Cached::new(token, now)),
            None,
            false,
            Duration::ZERO,
            clock,
        )
    }

    /// A refreshing credential.
    pub(crate) fn new_refreshing(
        source: Arc<dyn TokenSource>,
        initial: Option<AccessToken>,
        proactive: bool,
        timeout: Duration,
        clock: Arc<dyn TokenClock>,
    ) -> Self {
        let now = clock.now_utc();
        let initial = initial.map(|t| Cached::new(t, now));
        Self::new(initial, Some(source), proactive, timeout, clock)
    }

    fn new(
        initial: Option<Cached>,
        source: Option<Arc<dyn TokenSource>>,
        proactive: bool,
        timeout: Duration,
        clock: Arc<dyn TokenClock>,
    ) -> Self {
        Self {
            cached: ArcSwapOption::new(initial.map(Arc::new)),
            source,
            proactive,
            timeout,
            clock,
            disposed: AtomicBool::new(false),
            last_refresh: AtomicU64::new(0),
            last_failure: AtomicU64::new(0),
            gate: Mutex::new(Gate::default()),
            timer: Mutex::new(None),
            timer_running: AtomicBool::new(false),
        }
    }

    pub(crate) fn is_disposed(&self) -> bool {
        self.disposed.load(Ordering::Acquire)
    }

    pub(crate) fn is_static(&self) -> bool {
        self.source.is_none()
    }

    pub(crate) fn is_proactive(&self) -> bool {
        self.proactive
    }

    /// Expiry of the cached token (not secret; for `Debug`).
    pub(crate) fn expires_on(&self) -> Option<azure_core::time::OffsetDateTime> {
        self.cached.load().as_ref().map(|c| c.token.expires_on)
    }

    /// SPEC 2.3 `get_token`.
    pub(crate) async fn get_token(self: &Arc<Self>) -> azure_core::Result<AccessToken> {
        if self.is_disposed() {
            return Err(disposed_error());
        }
        {
            let guard = self.cached.load();
            match guard.as_ref() {
                Some(cached) if self.source.is_none() => return Ok(cached.token.clone()),
                // i.e. `expires_on - now > ON_DEMAND_REFRESH_WINDOW`
                Some(cached) if self.clock.now_unix_nanos() < cached.serve_until_unix_nanos => {
                    let token = cached.token.clone();
                    drop(guard);
                    self.ensure_timer();
                    return Ok(token);
                }
                None if self.source.is_none() => return Err(disposed_error()),
                _ => {}
            }
        }
        self.get_token_slow().await
    }

    async fn get_token_slow(self: &Arc<Self>) -> azure_core::Result<AccessToken> {
        loop {
            let flight = match self.join_on_demand()? {
                Joined::Served(token) => return Ok(token),
                Joined::Flight(flight) => flight,
            };
            // Joined a refresh that everybody had left (its callers' futures
            // dropped, perhaps with the runtime that ran them; only a waiter
            // drives its timeout, so it may even be past it): its failure,
            // even a panic, is not this call's answer; this call is the next
            // one, which refreshes anew.
            let late = flight.abandoned();
            match flight.wait(!late).await {
                Ok(fresh) => {
                    self.ensure_timer();
                    return Ok(fresh.token.clone());
                }
                Err(_) if late && !self.is_disposed() => continue,
                Err(error) => {
                    if self.is_disposed() {
                        return Err(disposed_error());
                    }
                    if let Some(c) = &flight.previous {
                        if c.token.expires_on > self.clock.now_utc() {
                            tracing::warn!(
                                error = %error,
                                "on-demand token refresh failed; the cached token is still valid and is returned"
                            );
                            return Ok(c.token.clone());
                        }
                    }
                    return Err(share_error(error));
                }
            }
        }
    }

    /// How long until [`MIN_REFRESH_INTERVAL`] has passed since the last
    /// successful refresh (zero if it has, or if there was none).
    fn until_refresh_allowed(&self) -> Duration {
        self.min_interval_left(&self.last_refresh)
    }

    /// How long until [`MIN_REFRESH_INTERVAL`] has passed since the moment
    /// stamped in `stamp` (zero if it has, or if nothing was stamped).
    fn min_interval_left(&self, stamp: &AtomicU64) -> Duration {
        match stamp.load(Ordering::Acquire).checked_sub(1) {
            None => Duration::ZERO,
            Some(stamp) => {
                let since = self
                    .clock
                    .monotonic()
                    .saturating_sub(std::time::Duration::from_nanos(stamp));
                MIN_REFRESH_INTERVAL.saturating_sub(from_std(since))
            }
        }
    }

    /// Whether `cached` may be served without refreshing: it is outside the
    /// on-demand window, or (no refresh storm) it has not expired and a
    /// refresh ended less than a second ago: one that fetched it, or one
    /// that failed (a failing token service is then asked at most once a
    /// second while the cached token is still good).
    fn servable(&self, cached: &Cached) -> bool {
        self.clock.now_unix_nanos() < cached.serve_until_unix_nanos
            || ((self.until_refresh_allowed().is_positive()
                || self.min_interval_left(&self.last_failure).is_positive())
                && cached.token.expires_on > self.clock.now_utc())
    }

    /// On demand: joins the refresh in flight; when there is none, looks at
    /// the cache again under the gate — a refresh that finished after the
    /// caller's first look may have stored a servable token, and starting
    /// another would call the refresher twice for one need — and only then
    /// starts a refresh.
    fn join_on_demand(self: &Arc<Self>) -> azure_core::Result<Joined> {
        let mut gate = lock(&self.gate);
        if gate.flight.is_none() && !self.is_disposed() {
            if let Some(current) = self.cached.load().as_ref() {
                if self.servable(current) {
                    return Ok(Joined::Served(current.token.clone()));
                }
            }
        }
        self.flight_locked(&mut gate, Trigger::OnDemand)
            .map(Joined::Flight)
    }

    /// The proactive timer's refresh of cache entry `due`: joins the refresh
    /// in flight, or starts one unless `due` has been replaced meanwhile (the
    /// timer may have waited long for a permit, and an on-demand refresh
    /// may have run): then `None`. Checked under the gate, as
    /// [`Self::join_on_demand`] does, so one need never calls the refresher twice.
    fn proactive_flight(
        self: &Arc<Self>,
        due: &Weak<Cached>,
    ) -> azure_core::Result<Option<Arc<Flight>>> {
        let mut gate = lock(&self.gate);
        if gate.flight.is_none() && self.entry_changed(&Some(due.clone())) {
            return Ok(None);
        }
        self.flight_locked(&mut gate, Trigger::Proactive).map(Some)
    }

    fn flight_locked(
        self: &Arc<Self>,
        gate: &mut Gate,
        trigger: Trigger,
    ) -> azure_core::Result<Arc<Flight>> {
        if self.is_disposed() {
            return Err(disposed_error());
        }
        if let Some((_, flight, _)) = &gate.flight {
            return Ok(flight.clone());
        }
        let Some(source) = self.source.clone() else {
            return Err(disposed_error());
        };
        gate.generation += 1;
        let generation = gate.generation;
        let weak = Arc::downgrade(self);
        let timeout = self.timeout;
        // No refresh storm: a token that lives less than a second would
        // otherwise be refreshed at every call once expired.
        let hold = self.until_refresh_allowed();
        let clock = self.clock.clone();
        let span = tracing::debug_span!("communication_token_refresh", trigger = trigger.as_str());
        let work = async move {
            if hold.is_positive() {
                azure_core::sleep(hold).await;
            }
            let fetch = source.fetch();
            let sleep = azure_core::sleep(timeout);
            pin_mut!(sleep);
            let result = match futures::future::select(fetch, sleep).await {
                Either::Left((result, _)) => result,
                Either::Right(_) => Err(timeout_error(timeout)),
            };
            let now = clock.now_utc();
            let result = result.and_then(|token| {
                if token.expires_on <= now {
                    Err(azure_core::Error::with_message(
                        ErrorKind::Credential,
                        source.expired_message(),
                    ))
                } else {
                    Ok(Arc::new(Cached::new(token, now)))
                }
            });
            match &result {
                Ok(_) => tracing::debug!("token refreshed"),
                Err(error) => tracing::debug!(error = %error, "token refresh failed"),
            }
            let result = result.map_err(Arc::new);
            if let Some(state) = weak.upgrade() {
                state.finish(generation, &result);
            }
            result
        }
        .instrument(span);
        let (work, abort) = futures::future::abortable(work);
        let flight = Arc::new(Flight::new(
            work.map(|r| r.unwrap_or_else(|_aborted| Err(Arc::new(disposed_error()))))
                .boxed(),
            self.cached.load_full(),
            Arc::downgrade(self),
            generation,
        ));
        gate.flight = Some((generation, flight.clone(), abort));
        Ok(flight)
    }

    /// Called by a flight when it completes: clear the gate, store the token.
    fn finish(&self, generation: u64, result: &FlightResult) {
        let mut gate = lock(&self.gate);
        if matches!(&gate.flight, Some((g, ..)) if *g == generation) {
            gate.flight = None;
        }
        if self.is_disposed() {
            return;
        }
        let stamp = u64::try_from(self.clock.monotonic().as_nanos()).unwrap_or(u64::MAX - 1) + 1;
        match result {
            Ok(cached) => {
                self.cached.store(Some(cached.clone()));
                self.last_refresh.store(stamp, Ordering::Release);
            }
            Err(_) => self.last_failure.store(stamp, Ordering::Release),
        }
    }

    /// Starts the proactive timer if it should run and does not.
    fn ensure_timer(self: &Arc<Self>) {
        if !self.proactive || self.timer_running.load(Ordering::Acquire) {
            return;
        }
        let mut timer = lock(&self.timer);
        if self.is_disposed() || self.timer_running.swap(true, Ordering::AcqRel) {
            return;
        }
        let (task, abort) = futures::future::abortable(proactive_loop(Arc::downgrade(self)));
        let spawned = get_async_runtime().spawn(Box::pin(task.map(|_| ())));
        *timer = Some((spawned, abort));
    }

    /// Cancels everything; `get_token` fails from now on.
    pub(crate) fn dispose(&self) {
        self.disposed.store(true, Ordering::Release);
        let flight = lock(&self.gate).flight.take();
        if let Some((_, _, abort)) = flight {
            abort.abort();
        }
        self.cached.store(None);
        if let Some((task, abort)) = lock(&self.timer).take() {
            // both: the runtime's abort, and one that works on any runtime
            // (it wakes the task, which then drops its future)
            abort.abort();
            task.abort();
        }
    }

    /// What the proactive timer does next.
    fn next_step(&self, retry: &mut RetryState) -> Step {
        if self.is_disposed() {
            return Step::Exit;
        }
        let guard = self.cached.load();
        let Some(cached) = guard.as_ref() else {
            return Step::Idle(None);
        };
        let now = self.clock.now_utc();
        let mono = self.clock.monotonic();
        let remaining = cached.token.expires_on - now;
        if let Some((failed_entry, retry_at)) = &retry.pending {
            let retry_at = *retry_at;
            if std::ptr::eq(failed_entry.as_ptr(), Arc::as_ptr(cached)) {
                return if mono >= retry_at {
                    Step::Refresh(Arc::downgrade(cached))
                } else {
                    Step::Sleep(from_std(retry_at - mono))
                };
            }
            // a new token arrived meanwhile (on demand): back to the normal schedule
            *retry = RetryState::default();
        }
        let wait = remaining
            .saturating_sub(cached.refresh_lead)
            .max(self.until_refresh_allowed());
        if wait.is_positive() {
            Step::Sleep(wait.min(MAX_TIMER_SLEEP))
        } else {
            Step::Refresh(Arc::downgrade(cached))
        }
    }

    /// Records a failed proactive refresh and decides when to retry.
    fn schedule_retry(&self, retry: &mut RetryState, error: &azure_core::Error) -> bool {
        let guard = self.cached.load();
        let Some(cached) = guard.as_ref() else {
            return false;
        };
        retry.failures = retry.failures.saturating_add(1);
        let remaining = cached.token.expires_on - self.clock.now_utc();
        let delay = backoff_delay(retry.failures, jitter_unit());
        // never past expiry (keep a small margin so the retry runs while the token is valid)
        let latest = remaining - Duration::milliseconds(100);
        if latest < MIN_REFRESH_INTERVAL {
            tracing::warn!(
                error = %error,
                attempt = retry.failures,
                "proactive token refresh failed and the token expires before another attempt could run; \
                 the next get_token call refreshes on demand"
            );
            retry.pending = None;
            return false;
        }
        let delay = delay.min(latest);
        tracing::warn!(
            error = %error,
            attempt = retry.failures,
            retry_in_ms = delay.whole_milliseconds() as u64,
            "proactive token refresh failed; retrying"
        );
        retry.pending = Some((
            Arc::downgrade(cached),
            self.clock.monotonic().saturating_add(to_std(delay)),
        ));
        true
    }

    /// Identifies the current cache entry. A `Weak` keeps the allocation, so
    /// its address cannot be reused by a later entry while we compare.
    fn current_entry(&self) -> Option<Weak<Cached>> {
        self.cached.load().as_ref().map(Arc::downgrade)
    }

    /// The timer stops (clears `timer_running`) with nothing to do for cache
    /// entry `since`. Returns `true` when it must go on instead: a new token
    /// arrived meanwhile and no other timer has been started for it.
    fn stop_timer_unless_changed(&self, since: &Option<Weak<Cached>>) -> bool {
        self.timer_running.store(false, Ordering::Release);
        !self.is_disposed()
            && self.entry_changed(since)
            && !self.timer_running.swap(true, Ordering::AcqRel)
    }

    fn entry_changed(&self, since: &Option<Weak<Cached>>) -> bool {
        let current = self.cached.load();
        match (current.as_ref(), since) {
            (None, None) => false,
            (Some(current), Some(since)) => !std::ptr::eq(Arc::as_ptr(current), since.as_ptr()),
            _ => true,
        }
    }
}

impl Drop for TokenCache {
    fn drop(&mut self) {
        self.dispose();
    }
}

/// Delay before retry number `failures` (1-based) of a failed proactive
/// refresh: `FIRST_RETRY_DELAY * 2^(failures-1)` plus up to as much again of
/// jitter (`jitter` in `[0, 1)`), at most [`MAX_RETRY_DELAY`].
pub(crate) fn backoff_delay(failures: u32, jitter: f64) -> Duration {
    let exponent = failures.saturating_sub(1).min(16);
    let base = (FIRST_RETRY_DELAY * (1i32 << exponent)).min(MAX_RETRY_DELAY);
    let jitter = jitter.clamp(0.0, 1.0);
    (base + base * jitter).min(MAX_RETRY_DELAY)
}

/// A number in `[0, 1)`, different on every call (not cryptographic).
fn jitter_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[derive(Default)]
struct RetryState {
    failures: u32,
    /// (cache entry that failed to refresh, monotonic time of the retry)
    pending: Option<(Weak<Cached>, std::time::Duration)>,
}

enum Step {
    Exit,
    /// Nothing to do until a new token arrives (the current entry).
    Idle(Option<Weak<Cached>>),
    Sleep(Duration),
    /// Refresh the current entry (this one).
    Refresh(Weak<Cached>),
}

/// Clears `timer_running` if the timer task is dropped before it finishes
/// (aborted, or its runtime shut down), so that a later `get_token` (perhaps
/// on another runtime) starts a new timer.
struct TimerGuard {
    weak: Weak<TokenCache>,
    armed: bool,
}

impl Drop for TimerGuard {
    fn drop(&mut self) {
        if self.armed {
            if let Some(state) = self.weak.upgrade() {
                state.timer_running.store(false, Ordering::Release);
            }
        }
    }
}

/// The proactive timer task. Holds only a `Weak`; each step upgrades it
/// briefly, so dropping the last credential handle ends the task (and the
/// state's `Drop` aborts it right away).
async fn proactive_loop(weak: Weak<TokenCache>) {
    let mut guard = TimerGuard {
        weak: weak.clone(),
        armed: true,
    };
    proactive_steps(weak).await;
    // a normal end has already cleared (or handed over) `timer_running`
    guard.armed = false;
}

async fn proactive_steps(weak: Weak<TokenCache>) {
    let mut retry = RetryState::default();
    loop {
        let step = match weak.upgrade() {
            Some(state) => state.next_step(&mut retry),
            None => return,
        };
        match step {
            Step::Exit => return,
            Step::Sleep(d) => azure_core::sleep(d).await,
            Step::Idle(entry) => {
                let Some(state) = weak.upgrade() else { return };
                if !state.stop_timer_unless_changed(&entry) {
                    return;
                }
                retry = RetryState::default();
            }
            Step::Refresh(due) => {
                let _permit = PROACTIVE_REFRESH_PERMITS.acquire().await;
                let flight = match weak.upgrade() {
                    Some(state) => match state.proactive_flight(&due) {
                        Ok(Some(flight)) => flight,
                        // a new token arrived while we waited for a permit
                        Ok(None) => continue,
                        Err(_) => return,
                    },
                    None => return,
                };
                // no strong reference is held while the refresh runs
                let rethrow = !flight.abandoned();
                match flight.wait(rethrow).await {
                    Ok(_) => retry = RetryState::default(),
                    Err(error) => {
                        let Some(state) = weak.upgrade() else { return };
                        if state.is_disposed() {
                            return;
                        }
                        if !state.schedule_retry(&mut retry, error) {
                            // give up until a new token arrives
                            if !state.stop_timer_unless_changed(&state.current_entry()) {
                                return;
                            }
                            retry = RetryState::default();
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct CountingWake(AtomicUsize);

    impl Wake for CountingWake {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn waiters_of_one_task_register_its_waker_once_per_wake_up() {
        let signal = Signal::new();
        let task = Arc::new(CountingWake(AtomicUsize::new(0)));
        let other = Arc::new(CountingWake(AtomicUsize::new(0)));
        let (task_waker, other_waker) = (Waker::from(task.clone()), Waker::from(other.clone()));
        let mut slots = vec![None; 1000];
        for slot in &mut slots {
            signal.register(&task_waker, slot);
        }
        assert_eq!(lock(&signal.waiters).wakers.len(), 1);
        signal.register(&other_waker, &mut None);
        signal.register(&task_waker, &mut slots[0]);
        assert_eq!(lock(&signal.waiters).wakers.len(), 2);
        signal.wake_waiters();
        assert_eq!(task.0.load(Ordering::SeqCst), 1);
        assert_eq!(other.0.load(Ordering::SeqCst), 1);
        // after a wake-up every waiter registers again, once for the task
        for slot in &mut slots {
            signal.register(&task_waker, slot);
        }
        assert_eq!(lock(&signal.waiters).wakers.len(), 1);
    }

    /// tokio's waker clones carry another vtable but the same data (the
    /// task), so thousands of calls joined on one tokio task cost one entry.
    #[tokio::test]
    async fn a_tokio_task_registers_its_waker_once() {
        let signal = Signal::new();
        std::future::poll_fn(|cx| {
            for _ in 0..1000 {
                signal.register(cx.waker(), &mut None);
            }
            Poll::Ready(())
        })
        .await;
        assert_eq!(lock(&signal.waiters).wakers.len(), 1);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        assert_eq!(backoff_delay(1, 0.0), Duration::seconds(1));
        assert_eq!(backoff_delay(1, 0.999), Duration::seconds_f64(1.999));
        assert_eq!(backoff_delay(2, 0.0), Duration::seconds(2));
        assert_eq!(backoff_delay(3, 0.5), Duration::seconds(6));
        assert_eq!(backoff_delay(6, 0.0), Duration::seconds(32));
        assert_eq!(backoff_delay(6, 0.9), Duration::seconds(60));
        assert_eq!(backoff_delay(100, 0.3), Duration::seconds(60));
        assert_eq!(backoff_delay(u32::MAX, 0.3), Duration::seconds(60));
    }

    #[test]
    fn jitter_in_range() {
        for _ in 0..1000 {
            let j = jitter_unit();
            assert!((0.0..1.0).contains(&j));
        }
    }

    #[test]
    fn lead_time() {
        let now = azure_core::time::OffsetDateTime::UNIX_EPOCH;
        let c = Cached::new(AccessToken::new("t", now + Duration::hours(1)), now);
        assert_eq!(c.refresh_lead, PROACTIVE_REFRESH_WINDOW);
        let c = Cached::new(AccessToken::new("t", now + Duration::minutes(5)), now);
        assert_eq!(c.refresh_lead, Duration::seconds(150));
        let c = Cached::new(AccessToken::new("t", now - Duration::minutes(5)), now);
        assert_eq!(c.refresh_lead, Duration::ZERO);
    }

    #[test]
    fn footprint() {
        // printed for the report; asserted loosely
        let state = std::mem::size_of::<TokenCache>();
        let cached = std::mem::size_of::<Cached>();
        println!("size_of TokenCache = {state}, Cached = {cached}");
        assert!(state < 512);
    }
}
