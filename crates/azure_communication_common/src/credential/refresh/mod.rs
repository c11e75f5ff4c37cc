//! The token refresh state machine (SPEC 2.3).
//!
//! | file | holds |
//! |---|---|
//! | `settings.rs` | every timing default (named constants) and [`RefreshSettings`] |
//! | `cache.rs` | the cached token and the "serve it, or refresh" decision |
//! | `flight.rs` | the single flight: one refresh task, its result published once |
//! | `errors.rs` | the errors a refresh ends with (disposed, timed out, shared by waiters) |
//! | `timer.rs` | the proactive timer and its schedule and retry decisions |
//! | `limiter.rs` | [`RefreshLimiter`], which bounds concurrent proactive refreshes |
//! | `skew.rs` | the token issuer's clock skew, learned from fresh tokens' `iat` |
//! | `fetch.rs` | one refresh: minimum interval, timeout, skew, expiry check |
//! | `invalidate.rs` | dropping a token the service rejected |
//! | `mod.rs` (here) | [`TokenCache`]: `get_token`, starting or joining a flight, `dispose` |
//!
//! * **Cache.** The current token lives in an [`ArcSwapOption`]: `get_token`
//!   on a token outside the on-demand window is a lock-free load, a clock
//!   read ([`TokenClock::now_unix_nanos`], the kernel's coarse wall clock for
//!   the system clock) and a clone of the token. No flight is touched.
//! * **Single flight.** A refresh is one [`Flight`] stored in the gate (a
//!   mutex held only to look at or replace it). Every caller that needs a
//!   token while it runs waits for it and gets the same outcome.
//! * **Clock skew.** Every wall-clock reading behind an expiry decision is
//!   the clock's plus the issuer's learned skew ([`ClockSkew`]): the
//!   on-demand window, the refresh-failure fallback, the proactive schedule.
//! * **Invalidate.** [`TokenCache::invalidate`] drops the cached token if it
//!   is still the one the service rejected; the next `get_token` refreshes.
//! * **Dispose.** Sets a flag, cancels the flight (every waiter gets
//!   `User credential is disposed`) and the timer task, and drops the token.
//!
//! Token sources (a user callback, the Entra token exchange) plug in through
//! [`TokenSource`]; nothing here knows where tokens come from.

mod cache;
mod errors;
mod fetch;
mod flight;
mod invalidate;
mod limiter;
mod settings;
mod skew;
mod timer;

pub use limiter::RefreshLimiter;
pub(crate) use settings::RefreshSettings;
pub use settings::{
    CLOCK_SKEW_TOLERANCE, DEFAULT_MAX_CONCURRENT_PROACTIVE_REFRESHES, DEFAULT_PROACTIVE_SLOT_HOLD,
    ON_DEMAND_REFRESH_WINDOW, PROACTIVE_REFRESH_WINDOW, TOKEN_CREDENTIAL_REFRESH_WINDOW,
};

#[cfg(doc)]
use super::clock::TokenClock;
use arc_swap::ArcSwapOption;
use azure_core::{async_runtime::get_async_runtime, credentials::AccessToken, time::Duration};
use cache::{servable, Cached, Now, Stamps};
pub(crate) use errors::disposed_error;
use errors::share_error;
use flight::{Flight, Outcome};
use futures::future::{AbortHandle, Abortable, BoxFuture, Either, FutureExt};
use settings::{from_nanos, nanos, EXPIRED_FROM_REFRESHER_MESSAGE};
use skew::ClockSkew;
use std::sync::{
    atomic::{AtomicBool, Ordering},
    Arc, Mutex, MutexGuard, PoisonError, Weak,
};

/// Where fresh tokens come from. Implemented by the refresher callback and
/// by the Entra token exchange.
pub(crate) trait TokenSource: Send + Sync + 'static {
    /// Fetches a new token. The future owns what it needs (no borrow of `self`).
    fn fetch(&self) -> BoxFuture<'static, azure_core::Result<AccessToken>>;

    /// The error message for a fetched token that is already expired.
    fn expired_message(&self) -> &'static str {
        EXPIRED_FROM_REFRESHER_MESSAGE
    }
}

/// The refresh in flight, if any.
#[derive(Default)]
struct Gate {
    generation: u64,
    flight: Option<(u64, Arc<Flight>)>,
}

/// The shared state behind every clone of a credential.
pub(crate) struct TokenCache {
    cached: ArcSwapOption<Cached>,
    /// `None`: a static credential (the cached token is returned as is).
    source: Option<Arc<dyn TokenSource>>,
    settings: RefreshSettings,
    disposed: AtomicBool,
    stamps: Stamps,
    gate: Mutex<Gate>,
    /// Stops the proactive timer task (on any runtime: it wakes the task,
    /// which then drops its future).
    timer: Mutex<Option<AbortHandle>>,
    timer_running: AtomicBool,
    /// The token issuer's clock skew (shared with refresh tasks).
    skew: Arc<ClockSkew>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl TokenCache {
    /// A static credential: `get_token` always returns `token`.
    pub(crate) fn new_static(token: AccessToken, settings: RefreshSettings) -> Self {
        Self::new(Some(token), None, settings)
    }

    /// A refreshing credential.
    pub(crate) fn new_refreshing(
        source: Arc<dyn TokenSource>,
        initial: Option<AccessToken>,
        settings: RefreshSettings,
    ) -> Self {
        Self::new(initial, Some(source), settings)
    }

    fn new(
        initial: Option<AccessToken>,
        source: Option<Arc<dyn TokenSource>>,
        settings: RefreshSettings,
    ) -> Self {
        let now = Now::read(settings.clock.as_ref());
        Self {
            cached: ArcSwapOption::new(initial.map(|t| Arc::new(Cached::new(t, now.wall)))),
            source,
            settings,
            disposed: AtomicBool::new(false),
            stamps: Stamps::default(),
            gate: Mutex::default(),
            timer: Mutex::new(None),
            timer_running: AtomicBool::new(false),
            skew: Arc::default(),
        }
    }

    /// The clock now, its wall time in the token issuer's time (the local
    /// clock plus the learned skew): what every expiry decision compares.
    pub(crate) fn now(&self) -> Now {
        let mut now = Now::read(self.settings.clock.as_ref());
        now.wall = self.skew.issuer_time(now.wall);
        now
    }

    /// The learned skew of the token issuer's clock (issuer − local).
    pub(crate) fn clock_skew(&self) -> Duration {
        from_nanos(self.skew.offset())
    }

    pub(crate) fn is_disposed(&self) -> bool {
        self.disposed.load(Ordering::Acquire)
    }

    pub(crate) fn is_static(&self) -> bool {
        self.source.is_none()
    }

    pub(crate) fn is_proactive(&self) -> bool {
        self.settings.proactive
    }

    /// Expiry of the cached token (not secret; for `Debug`).
    pub(crate) fn expires_on(&self) -> Option<azure_core::time::OffsetDateTime> {
        self.cached.load().as_ref().map(|c| c.token.expires_on)
    }

    /// SPEC 2.3 `get_token`, refreshing on demand once the token is within
    /// `window` of expiry ([`ON_DEMAND_REFRESH_WINDOW`], or
    /// [`TOKEN_CREDENTIAL_REFRESH_WINDOW`] through `TokenCredential`).
    pub(crate) async fn get_token(
        self: &Arc<Self>,
        window: Duration,
    ) -> azure_core::Result<AccessToken> {
        if self.is_disposed() {
            return Err(disposed_error());
        }
        let window = nanos(window);
        {
            let guard = self.cached.load();
            match guard.as_ref() {
                Some(cached) if self.source.is_none() => return Ok(cached.token.clone()),
                Some(cached)
                    if cached.outside_window(
                        self.skew.issuer_time(self.settings.clock.now_unix_nanos()),
                        window,
                    ) =>
                {
                    let token = cached.token.clone();
                    drop(guard);
                    self.ensure_timer();
                    return Ok(token);
                }
                None if self.source.is_none() => return Err(disposed_error()),
                _ => {}
            }
        }
        self.get_token_slow(window).await
    }

    async fn get_token_slow(self: &Arc<Self>, window: i128) -> azure_core::Result<AccessToken> {
        loop {
            let flight = match self.join_on_demand(window)? {
                Either::Left(token) => return Ok(token),
                Either::Right(flight) => flight,
            };
            // A refresh that everybody had left: its failure is not this
            // call's answer; this call is the next one, which refreshes anew.
            let late = flight.abandoned();
            let error = match flight.wait().await {
                Outcome::Fresh(fresh) => {
                    self.ensure_timer();
                    return Ok(fresh.token.clone());
                }
                _ if self.is_disposed() => return Err(disposed_error()),
                // its task was dropped (its runtime shut down): refresh anew
                Outcome::Dropped => continue,
                Outcome::Failed(_) if late => continue,
                Outcome::Failed(error) => error,
            };
            if let Some(previous) = &flight.previous {
                // not one invalidated meanwhile (the service rejected it)
                let still_cached = self
                    .cached
                    .load()
                    .as_ref()
                    .is_some_and(|current| Arc::ptr_eq(current, previous));
                if still_cached && previous.valid_at(self.now().wall) {
                    tracing::warn!(
                        error = %error,
                        "on-demand token refresh failed; the cached token is still valid and is returned"
                    );
                    return Ok(previous.token.clone());
                }
            }
            return Err(share_error(error));
        }
    }

    /// On demand: joins the refresh in flight; when there is none, looks at
    /// the cache again under the gate (a refresh that finished after the
    /// caller's first look may have stored a servable token, and starting
    /// another would call the refresher twice for one need) and only then
    /// starts a refresh.
    fn join_on_demand(
        self: &Arc<Self>,
        window: i128,
    ) -> azure_core::Result<Either<AccessToken, Arc<Flight>>> {
        let gate = lock(&self.gate);
        if gate.flight.is_none() && !self.is_disposed() {
            if let Some(current) = self.cached.load().as_ref() {
                let now = self.now();
                if servable(current, now, window, self.stamps.read()) {
                    return Ok(Either::Left(current.token.clone()));
                }
            }
        }
        self.join_or_start(gate, "on_demand").map(Either::Right)
    }

    /// The proactive timer's refresh of cache entry `due`: joins the refresh
    /// in flight, or starts one unless `due` has been replaced meanwhile (the
    /// timer may have waited long for a limiter slot, and an on-demand
    /// refresh may have run): then `None`. Checked under the gate, as
    /// [`Self::join_on_demand`] does, so one need never calls the refresher twice.
    fn proactive_flight(
        self: &Arc<Self>,
        due: &Weak<Cached>,
    ) -> azure_core::Result<Option<Arc<Flight>>> {
        let gate = lock(&self.gate);
        if gate.flight.is_none() && self.entry_changed(&Some(due.clone())) {
            return Ok(None);
        }
        self.join_or_start(gate, "proactive").map(Some)
    }

    fn entry_changed(&self, since: &Option<Weak<Cached>>) -> bool {
        let current = self.cached.load();
        match (current.as_ref(), since) {
            (None, None) => false,
            (Some(current), Some(since)) => !std::ptr::eq(Arc::as_ptr(current), since.as_ptr()),
            _ => true,
        }
    }

    /// Joins the flight in the gate, or starts one (its task is spawned
    /// once the gate is released).
    fn join_or_start(
        self: &Arc<Self>,
        mut gate: MutexGuard<'_, Gate>,
        trigger: &'static str,
    ) -> azure_core::Result<Arc<Flight>> {
        if self.is_disposed() {
            return Err(disposed_error());
        }
        if let Some((_, flight)) = &gate.flight {
            return Ok(flight.clone());
        }
        let Some(source) = self.source.clone() else {
            return Err(disposed_error());
        };
        gate.generation += 1;
        let generation = gate.generation;
        let weak = Arc::downgrade(self);
        let (flight, task) = Flight::new(
            self.refresh_work(source, trigger),
            self.cached.load_full(),
            move |outcome| {
                if let Some(state) = weak.upgrade() {
                    state.finish(generation, outcome);
                }
            },
        );
        gate.flight = Some((generation, flight.clone()));
        drop(gate);
        // dropped at once: the task runs detached; `Flight::cancel` stops it
        let _detached = get_async_runtime().spawn(task);
        Ok(flight)
    }

    /// Called when a flight ends, before its waiters are woken: clears the
    /// gate, stores the token, stamps the time.
    fn finish(&self, generation: u64, outcome: &Outcome) {
        let mut gate = lock(&self.gate);
        if matches!(&gate.flight, Some((g, _)) if *g == generation) {
            gate.flight = None;
        }
        if self.is_disposed() {
            return;
        }
        let mono = Now::read(self.settings.clock.as_ref()).mono;
        match outcome {
            Outcome::Fresh(cached) => {
                self.cached.store(Some(cached.clone()));
                self.stamps.record(true, mono);
            }
            Outcome::Failed(_) => self.stamps.record(false, mono),
            Outcome::Dropped => {}
        }
    }

    /// Starts the proactive timer if it should run and does not.
    fn ensure_timer(self: &Arc<Self>) {
        if !self.settings.proactive || self.timer_running.load(Ordering::Acquire) {
            return;
        }
        let mut timer = lock(&self.timer);
        if self.is_disposed() || self.timer_running.swap(true, Ordering::AcqRel) {
            return;
        }
        let (abort, registration) = AbortHandle::new_pair();
        let task = Abortable::new(timer::run(Arc::downgrade(self)), registration);
        *timer = Some(abort);
        drop(timer);
        let _detached = get_async_runtime().spawn(Box::pin(task.map(|_| ())));
    }

    /// Cancels everything; `get_token` fails from now on.
    pub(crate) fn dispose(&self) {
        self.disposed.store(true, Ordering::Release);
        let flight = lock(&self.gate).flight.take();
        if let Some((_, flight)) = flight {
            flight.cancel();
        }
        self.cached.store(None);
        if let Some(abort) = lock(&self.timer).take() {
            abort.abort();
        }
    }
}

impl Drop for TokenCache {
    fn drop(&mut self) {
        self.dispose();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footprint() {
        // printed for the report; asserted loosely
        let state = std::mem::size_of::<TokenCache>();
        let cached = std::mem::size_of::<Cached>();
        println!("size_of TokenCache = {state}, Cached = {cached}");
        assert!(state < 512);
    }
}
