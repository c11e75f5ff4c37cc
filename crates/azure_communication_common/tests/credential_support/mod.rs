//! Helpers shared by the credential and token tests.
#![allow(dead_code)]

pub mod fleet;

use azure_communication_common::TokenClock;
use azure_core::time::{Duration, OffsetDateTime};
use std::sync::Arc;

/// A clock that follows tokio's (paused) clock: wall time = a fixed base plus
/// the tokio time elapsed since the clock was made.
#[derive(Debug)]
pub struct TokioClock {
    base: OffsetDateTime,
    start: tokio::time::Instant,
}

impl TokioClock {
    pub fn new() -> Arc<Self> {
        // 2026-01-01T00:00:00Z
        Self::starting_at(OffsetDateTime::from_unix_timestamp(1_767_225_600).unwrap())
    }

    /// A clock whose wall time starts at `base` (e.g. the real time now, for
    /// code that also reads the real clock, such as azure_core's bearer policy).
    pub fn starting_at(base: OffsetDateTime) -> Arc<Self> {
        Arc::new(Self {
            base,
            start: tokio::time::Instant::now(),
        })
    }

    /// Time since the clock was made.
    pub fn elapsed(&self) -> Duration {
        (tokio::time::Instant::now() - self.start)
            .try_into()
            .unwrap()
    }
}

impl TokenClock for TokioClock {
    fn now_utc(&self) -> OffsetDateTime {
        self.base + self.elapsed()
    }

    fn monotonic(&self) -> std::time::Duration {
        tokio::time::Instant::now() - self.start
    }
}

/// A JWT (HS256-looking header, fake signature) whose payload is `payload_json`.
pub fn jwt_with_payload(payload_json: &str) -> String {
    format!(
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.{}.c2lnbmF0dXJl",
        azure_core::base64::encode_url_safe(payload_json)
    )
}

/// A JWT expiring at `expires_on` (whole seconds), with a distinguishing claim.
pub fn jwt_expiring(expires_on: OffsetDateTime, id: u64) -> String {
    jwt_with_payload(&format!(
        "{{\"exp\":{},\"jti\":\"{id}\"}}",
        expires_on.unix_timestamp()
    ))
}

/// Path of a known-answer vector file (`tests/data/`, see its README).
pub fn vector_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// A local clock off the token issuer's by a settable amount: the issuer's
/// time is a [`TokioClock`]; this clock reads it plus `local − issuer`.
#[derive(Debug)]
pub struct SkewedClock {
    pub issuer: Arc<TokioClock>,
    local_minus_issuer: std::sync::Mutex<Duration>,
}

impl SkewedClock {
    /// A local clock `local_minus_issuer` off a [`TokioClock::new`] issuer
    /// (negative: behind).
    pub fn new(local_minus_issuer: Duration) -> Arc<Self> {
        Arc::new(Self {
            issuer: TokioClock::new(),
            local_minus_issuer: std::sync::Mutex::new(local_minus_issuer),
        })
    }

    /// Steps the local clock (as NTP would correct it).
    pub fn set_skew(&self, local_minus_issuer: Duration) {
        *self.local_minus_issuer.lock().unwrap() = local_minus_issuer;
    }

    /// The issuer's time now.
    pub fn issuer_now(&self) -> OffsetDateTime {
        self.issuer.now_utc()
    }

    /// A JWT the issuer issues now, `iat` now and `exp` after `lifetime`
    /// (whole seconds), with a distinguishing claim.
    pub fn issue(&self, lifetime: Duration, id: u64) -> String {
        let iat = self.issuer_now().unix_timestamp();
        jwt_with_payload(&format!(
            "{{\"iat\":{iat},\"exp\":{},\"jti\":\"{id}\"}}",
            iat + lifetime.whole_seconds()
        ))
    }
}

impl TokenClock for SkewedClock {
    fn now_utc(&self) -> OffsetDateTime {
        self.issuer.now_utc() + *self.local_minus_issuer.lock().unwrap()
    }

    fn monotonic(&self) -> std::time::Duration {
        self.issuer.monotonic()
    }
}
