//! Fault injection: added latency and queued fault rules.
//!
//! After a request is counted (see `counters`), the configured latency is
//! waited out, and the first queued [`FaultRule`] that matches the route and
//! has uses left answers the request instead of the operation.

use crate::error::AcsError;
use crate::route::Route;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

/// What an injected fault answers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// This status (e.g. 500 or 503) with an ACS error body.
    Status(u16),
    /// 429 with an ACS error body, `Retry-After` in whole seconds (rounded
    /// up) and `retry-after-ms` in milliseconds (exact).
    TooManyRequests {
        /// The value sent in `Retry-After`.
        retry_after: Duration,
    },
}

/// A fault to answer the next `times` matching requests with.
///
/// ```
/// use acs_emulator::{FaultRule, Route};
/// use std::time::Duration;
/// // the next two issue-token requests get 503, then requests succeed again
/// let rule = FaultRule::status(503, 2).on(Route::IssueAccessToken);
/// // the next request of any kind gets 429 with `Retry-After: 3`
/// let throttle = FaultRule::throttle(Duration::from_secs(3), 1);
/// # let _ = (rule, throttle);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "options do nothing until used"]
pub struct FaultRule {
    fault: Fault,
    times: usize,
    route: Option<Route>,
}

impl FaultRule {
    /// The next `times` requests get `status` (any 4xx or 5xx; values outside
    /// 400..=599 are answered as 500).
    pub fn status(status: u16, times: usize) -> Self {
        Self {
            fault: Fault::Status(status),
            times,
            route: None,
        }
    }

    /// The next `times` requests get 429 with `Retry-After: <retry_after>`.
    pub fn throttle(retry_after: Duration, times: usize) -> Self {
        Self {
            fault: Fault::TooManyRequests { retry_after },
            times,
            route: None,
        }
    }

    /// Only requests to `route` are affected (by default: requests to any
    /// operation; unmatched paths and admin routes are never faulted).
    pub fn on(mut self, route: Route) -> Self {
        self.route = Some(route);
        self
    }

    /// The fault this rule answers with.
    pub fn fault(&self) -> &Fault {
        &self.fault
    }
}

/// The fault plan: latency and queued rules, shared by all requests.
#[derive(Debug, Default)]
pub(crate) struct FaultPlan {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    latency: Duration,
    rules: VecDeque<FaultRule>,
}

impl FaultPlan {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding this lock cannot leave it inconsistent.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The latency to wait before answering a request to `route` (none for
    /// admin requests and unmatched paths).
    pub fn latency(&self, route: Route) -> Duration {
        if matches!(route, Route::Admin | Route::Unmatched) {
            Duration::ZERO
        } else {
            self.lock().latency
        }
    }

    /// Takes one use of the first rule matching `route`, if any.
    pub fn take(&self, route: Route) -> Option<Fault> {
        if matches!(route, Route::Unmatched | Route::Admin) {
            return None;
        }
        let mut inner = self.lock();
        let index = inner
            .rules
            .iter()
            .position(|rule| rule.times > 0 && rule.route.is_none_or(|r| r == route))?;
        let rule = &mut inner.rules[index];
        rule.times -= 1;
        let fault = rule.fault.clone();
        if rule.times == 0 {
            inner.rules.remove(index);
        }
        Some(fault)
    }

    pub fn inject(&self, rule: FaultRule) {
        if rule.times > 0 {
            self.lock().rules.push_back(rule);
        }
    }

    pub fn set_latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.rules.clear();
        inner.latency = Duration::ZERO;
    }

    pub fn pending(&self) -> usize {
        self.lock()
            .rules
            .iter()
            .fold(0, |pending, rule| pending.saturating_add(rule.times))
    }
}

/// The response an injected fault answers with.
pub(crate) fn fault_response(fault: &Fault) -> Response {
    match fault {
        Fault::Status(status) => {
            let status = StatusCode::from_u16(*status)
                .ok()
                .filter(|s| s.is_client_error() || s.is_server_error())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let code = match status {
                StatusCode::SERVICE_UNAVAILABLE => "ServiceUnavailable",
                StatusCode::INTERNAL_SERVER_ERROR => "InternalServerError",
                StatusCode::TOO_MANY_REQUESTS => "TooManyRequests",
                _ => "InjectedFault",
            };
            AcsError::new(
                status,
                code,
                format!("Injected fault: the emulator was told to answer {status}."),
            )
            .into_response()
        }
        Fault::TooManyRequests { retry_after } => {
            let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
            let mut response = AcsError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                format!("Injected fault: too many requests, retry after {seconds} seconds."),
            )
            .into_response();
            let headers = response.headers_mut();
            headers.insert("retry-after", HeaderValue::from(seconds));
            headers.insert(
                "retry-after-ms",
                HeaderValue::from(u64::try_from(retry_after.as_millis()).unwrap_or(u64::MAX)),
            );
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_used_up_in_order_and_by_route() {
        let faults = FaultPlan::default();
        faults.inject(FaultRule::status(503, 2).on(Route::IssueAccessToken));
        faults.inject(FaultRule::throttle(Duration::from_millis(1500), 1));
        assert_eq!(faults.pending(), 3);
        assert_eq!(
            faults.take(Route::CreateIdentity),
            Some(Fault::TooManyRequests {
                retry_after: Duration::from_millis(1500)
            })
        );
        assert_eq!(faults.take(Route::CreateIdentity), None);
        assert_eq!(
            faults.take(Route::IssueAccessToken),
            Some(Fault::Status(503))
        );
        assert_eq!(faults.take(Route::Unmatched), None);
        assert_eq!(
            faults.take(Route::IssueAccessToken),
            Some(Fault::Status(503))
        );
        assert_eq!(faults.take(Route::IssueAccessToken), None);
        assert_eq!(faults.pending(), 0);
    }

    #[test]
    fn retry_after_rounds_up_and_odd_statuses_become_500() {
        let response = fault_response(&Fault::TooManyRequests {
            retry_after: Duration::from_millis(1500),
        });
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()["retry-after"], "2");
        assert_eq!(response.headers()["retry-after-ms"], "1500");
        assert_eq!(fault_response(&Fault::Status(200)).status(), 500);
        assert_eq!(fault_response(&Fault::Status(503)).status(), 503);
    }

    #[test]
    fn latency_spares_admin_and_unmatched() {
        let faults = FaultPlan::default();
        faults.set_latency(Duration::from_millis(5));
        assert_eq!(
            faults.latency(Route::CreateIdentity),
            Duration::from_millis(5)
        );
        assert_eq!(faults.latency(Route::Admin), Duration::ZERO);
        assert_eq!(faults.latency(Route::Unmatched), Duration::ZERO);
        faults.clear();
        assert_eq!(faults.latency(Route::CreateIdentity), Duration::ZERO);
    }
}
