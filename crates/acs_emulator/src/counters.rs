//! Request counters: how many requests reached each [`Route`].
//!
//! Every request is counted as soon as it arrives, before latency, faults or
//! authentication, so a test can assert how many requests reached the
//! emulator.

use crate::route::Route;
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Debug, Default)]
pub(crate) struct RequestCounters {
    counts: Mutex<HashMap<Route, u64>>,
}

impl RequestCounters {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Route, u64>> {
        // A panic while holding this lock cannot leave it inconsistent.
        self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn count_arrival(&self, route: Route) {
        *self.lock().entry(route).or_default() += 1;
    }

    pub fn count(&self, route: Route) -> u64 {
        self.lock().get(&route).copied().unwrap_or(0)
    }

    pub fn total(&self) -> u64 {
        self.lock().values().sum()
    }

    pub fn reset(&self) {
        self.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_route_and_in_total() {
        let counters = RequestCounters::default();
        counters.count_arrival(Route::CreateIdentity);
        counters.count_arrival(Route::CreateIdentity);
        counters.count_arrival(Route::Unmatched);
        counters.count_arrival(Route::Admin);
        assert_eq!(counters.count(Route::CreateIdentity), 2);
        assert_eq!(counters.count(Route::DeleteIdentity), 0);
        assert_eq!(counters.total(), 4);
        counters.reset();
        assert_eq!(counters.total(), 0);
    }
}
