//! What happened to one credential: its refresher's calls and outcomes (as
//! the refresher saw them) and what its callers received, with the checks
//! the soak makes on every `get_token` result.

use azure_core::{credentials::AccessToken, error::ErrorKind, http::StatusCode};
use std::{
    collections::HashSet,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Mutex,
    },
    time::Duration,
};

/// The statuses the fault plan injects: the refresher's errors carry them.
const INJECTED: [StatusCode; 3] = [
    StatusCode::InternalServerError,
    StatusCode::ServiceUnavailable,
    StatusCode::TooManyRequests,
];

/// The documented errors of `get_token` (see
/// `AzureCommunicationTokenCredential`'s docs), as the soak meets them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Documented {
    /// `The token refresh did not complete within ... (refresh_timeout)`.
    Timeout,
    /// The refresher's own error: the identity client's, for an injected status.
    Service(StatusCode),
    /// `The token returned from the tokenRefresher is expired.`
    ExpiredFromRefresher,
    /// `User credential is disposed`.
    Disposed,
}

/// Which documented error `error` is, or its `Debug` when it is none.
pub fn classify(error: &azure_core::Error) -> Result<Documented, String> {
    let text = error.to_string();
    if text.contains("User credential is disposed") {
        return Ok(Documented::Disposed);
    }
    if text.contains("The token refresh did not complete within")
        && text.contains("(refresh_timeout)")
    {
        return Ok(Documented::Timeout);
    }
    if text.contains("The token returned from the tokenRefresher is expired.") {
        return Ok(Documented::ExpiredFromRefresher);
    }
    if let ErrorKind::HttpResponse { status, .. } = error.kind() {
        if INJECTED.contains(status) {
            return Ok(Documented::Service(*status));
        }
    }
    Err(format!("{error:?}"))
}

/// Unix nanoseconds of a token's expiry.
pub fn expiry_nanos(token: &AccessToken) -> i128 {
    token.expires_on.unix_timestamp_nanos()
}

/// One credential's record.
#[derive(Default)]
pub struct Ledger {
    /// Refresher calls, and those whose future ended with a token or an error
    /// (the rest were abandoned: timed out, or cancelled by `dispose`).
    pub calls: AtomicU64,
    pub succeeded: AtomicU64,
    pub failed: AtomicU64,
    /// Refresher calls made after `dispose` returned.
    pub calls_after_dispose: AtomicU64,
    pub disposed: AtomicBool,
    /// The latest expiry (Unix nanoseconds) of a token the refresher handed
    /// to the credential, and every token it handed over.
    latest_expiry: Mutex<Option<i128>>,
    delivered: Mutex<HashSet<String>>,
    /// `get_token` results.
    pub served: AtomicU64,
    pub errors: Mutex<Vec<Documented>>,
    /// Violations, described (the soak asserts there are none).
    pub violations: Mutex<Vec<String>>,
    /// Tokens already expired by the caller's own clock reading right after
    /// `get_token` returned (reported; judged at the credential's decision,
    /// such a token is a violation).
    pub expired_on_arrival: AtomicU64,
    /// The slowest `get_token` call.
    pub worst_latency: Mutex<Duration>,
}

impl Ledger {
    /// A refresher call starts.
    pub fn call_started(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.disposed.load(Ordering::SeqCst) {
            self.calls_after_dispose.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// A refresher call ends with `result`, about to be handed to the credential.
    pub fn call_ended(&self, result: &azure_core::Result<AccessToken>) {
        match result {
            Ok(token) => {
                self.delivered
                    .lock()
                    .unwrap()
                    .insert(token.token.secret().to_owned());
                let mut latest = self.latest_expiry.lock().unwrap();
                *latest = Some(latest.map_or(expiry_nanos(token), |l| l.max(expiry_nanos(token))));
                self.succeeded.fetch_add(1, Ordering::SeqCst);
            }
            Err(_) => {
                self.failed.fetch_add(1, Ordering::SeqCst);
            }
        }
    }

    /// The latest expiry handed to the credential so far.
    pub fn latest_expiry(&self) -> Option<i128> {
        *self.latest_expiry.lock().unwrap()
    }

    fn violation(&self, what: String) {
        self.violations.lock().unwrap().push(what);
    }

    /// Checks a `get_token` result. `started` and `ended` are the caller's
    /// wall-clock readings (Unix nanoseconds) around the call; `decided` the
    /// credential's latest clock reading in the caller's task; `known` the
    /// latest expiry handed to the credential before the call started.
    pub fn check(
        &self,
        result: &azure_core::Result<AccessToken>,
        started: i128,
        decided: Option<i128>,
        ended: i128,
        known: Option<i128>,
        latency: Duration,
    ) {
        {
            let mut worst = self.worst_latency.lock().unwrap();
            *worst = (*worst).max(latency);
        }
        match result {
            Ok(token) => {
                self.served.fetch_add(1, Ordering::Relaxed);
                let expires = expiry_nanos(token);
                let judged_at = decided.map_or(started, |d| d.max(started));
                if expires <= judged_at {
                    self.violation(format!(
                        "served a token that had expired {} ms before the credential's decision",
                        (judged_at - expires) / 1_000_000
                    ));
                }
                if expires <= ended {
                    self.expired_on_arrival.fetch_add(1, Ordering::Relaxed);
                }
                if !self
                    .delivered
                    .lock()
                    .unwrap()
                    .contains(token.token.secret())
                {
                    self.violation(
                        "served a token this credential's refresher never returned".into(),
                    );
                }
            }
            Err(error) => match classify(error) {
                Ok(Documented::Disposed) => self.violation(format!(
                    "`User credential is disposed` before dispose: {error}"
                )),
                Ok(kind) => {
                    // An error is the answer only when the cached token had
                    // expired: the credential serves a still-valid one when a
                    // refresh fails. The latest token handed over before the
                    // call was the cached one (tokens from later issues expire
                    // later), so it must be expired by the time the call ended.
                    if let Some(known) = known.filter(|k| *k > ended) {
                        self.violation(format!(
                            "error `{error}` while a token valid for {} ms more was cached",
                            (known - ended) / 1_000_000
                        ));
                    }
                    self.errors.lock().unwrap().push(kind);
                }
                Err(debug) => self.violation(format!("an undocumented error: {debug}")),
            },
        }
    }
}
