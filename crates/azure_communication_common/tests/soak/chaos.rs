//! The fault plan: one episode after another on the emulator's
//! issue-token route — 500s, 503s, 429s with `Retry-After`, latency spikes
//! below the refresh timeout, hangs beyond it, and calm — chosen by a seeded
//! generator, until told to stop.

use acs_emulator::{Emulator, FaultRule, Route};
use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

/// splitmix64: a small seeded generator (the soak prints its seed).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A number in `lo..=hi`.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
}

/// What the fault plan did.
#[derive(Clone, Debug, Default)]
pub struct ChaosReport {
    /// Episodes run (faults and calm).
    pub cycles: u64,
    /// Faulted answers queued: 500, 503, 429.
    pub queued_500: u64,
    pub queued_503: u64,
    pub queued_429: u64,
    /// Latency spikes below the refresh timeout.
    pub latency_spikes: u64,
    /// Episodes whose latency exceeds the refresh timeout.
    pub hangs: u64,
}

impl ChaosReport {
    pub fn queued(&self) -> u64 {
        self.queued_500 + self.queued_503 + self.queued_429
    }
}

/// Runs episodes until `stop`; `hang` is the latency of a hang episode
/// (longer than the credentials' refresh timeout).
pub async fn run(
    emulator: Arc<Emulator>,
    stop: Arc<AtomicBool>,
    mut rng: Rng,
    hang: Duration,
) -> ChaosReport {
    let mut report = ChaosReport::default();
    while !stop.load(Ordering::Acquire) {
        report.cycles += 1;
        let mut length = Duration::from_millis(rng.between(200, 800));
        match rng.below(100) {
            0..=24 => {
                let times = rng.between(1, 12);
                emulator.inject_fault(
                    FaultRule::status(500, times as usize).on(Route::IssueAccessToken),
                );
                report.queued_500 += times;
            }
            25..=44 => {
                let times = rng.between(1, 12);
                emulator.inject_fault(
                    FaultRule::status(503, times as usize).on(Route::IssueAccessToken),
                );
                report.queued_503 += times;
            }
            45..=59 => {
                let times = rng.between(1, 6);
                emulator.inject_fault(
                    FaultRule::throttle(Duration::from_secs(1), times as usize)
                        .on(Route::IssueAccessToken),
                );
                report.queued_429 += times;
            }
            60..=74 => {
                emulator.set_latency(Duration::from_millis(rng.between(200, 1200)));
                report.latency_spikes += 1;
            }
            75..=81 => {
                emulator.set_latency(hang);
                length = Duration::from_millis(rng.between(1000, 3000));
                report.hangs += 1;
            }
            _ => {}
        }
        tokio::time::sleep(length).await;
        emulator.set_latency(Duration::ZERO);
    }
    report
}
