//! Issue 10's many-credentials scenario, in virtual time: a backend holding
//! N proactively refreshing credentials (default 100,000) whose 40 s tokens
//! come due together, a refresher answering in 50 ms, all sharing one
//! `RefreshLimiter`; then 64 hung refreshers among 2,000 healthy ones.
//! Prints, per limiter, how many first proactive refreshes started after
//! their token had expired and when the last one started.
//!
//! ```sh
//! cargo run --release --example proactive_fleet            # N = 100,000
//! cargo run --release --example proactive_fleet -- 20000
//! ```
//!
//! "held to completion" is what the fixed 64 process-wide permits did
//! before (a slot held for the whole refresh, up to its 30 s timeout).

#[path = "../tests/credential_support/mod.rs"]
mod credential_support;

use azure_communication_common::RefreshLimiter;
use azure_core::time::Duration;
use credential_support::fleet::{run, Group};
use std::time::Instant;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| {
            a.replace('_', "")
                .parse()
                .expect("N: a number of credentials")
        })
        .unwrap_or(100_000);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("runtime");
    let limiters = || {
        [
            (
                "64, held to completion (before)",
                RefreshLimiter::new(64).with_max_slot_hold(Duration::hours(1)),
            ),
            ("64 (default)", RefreshLimiter::new(64)),
            ("512", RefreshLimiter::new(512)),
            ("2048", RefreshLimiter::new(2048)),
        ]
    };

    println!("## {n} credentials, 40 s tokens due together at 20.05 s, refresher 50 ms");
    println!("| limiter | first proactive refreshes | started after expiry | last started at (virtual) | most at once | wall time |");
    println!("|---|---|---|---|---|---|");
    for (name, limiter) in limiters() {
        let group = Group {
            count: n,
            lifetime: Duration::seconds(40),
            hang: false,
        };
        let started = Instant::now();
        let horizon = std::time::Duration::from_secs(20 + (n / 1_000) as u64 + 10);
        let (reports, max_live) = runtime.block_on(run(&[group], limiter, horizon));
        let r = &reports[0];
        println!(
            "| {name} | {} | {} | {:.2} s | {max_live} | {:.1} s |",
            r.refreshes,
            r.late,
            r.last_call.map_or(0.0, |t| t.as_seconds_f64()),
            started.elapsed().as_secs_f64()
        );
    }

    println!();
    println!(
        "## 64 hung refreshers (40 s tokens) and 2,000 healthy ones (41 s), refresh timeout 30 s"
    );
    println!("| limiter | healthy: first started at | last started at | started after expiry (of 2,000) |");
    println!("|---|---|---|---|");
    for (name, limiter) in limiters() {
        let groups = [
            Group {
                count: 64,
                lifetime: Duration::seconds(40),
                hang: true,
            },
            Group {
                count: 2_000,
                lifetime: Duration::seconds(41),
                hang: false,
            },
        ];
        let (reports, _) =
            runtime.block_on(run(&groups, limiter, std::time::Duration::from_secs(90)));
        let healthy = &reports[1];
        println!(
            "| {name} | {:.2} s (due at 20.55 s) | {:.2} s | {} |",
            healthy.first_call.map_or(0.0, |t| t.as_seconds_f64()),
            healthy.last_call.map_or(0.0, |t| t.as_seconds_f64()),
            healthy.late
        );
    }
}
