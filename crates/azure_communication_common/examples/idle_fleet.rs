//! Issue 14's idle figures, on real time: N proactively refreshing
//! credentials (default 100,000) holding one-hour tokens, each with its
//! background timer running (started by one `get_token`), then left idle.
//! Prints the resident memory they added (VmRSS from /proc/self/status) per
//! credential, and the process CPU time (utime + stime from
//! /proc/self/stat, in USER_HZ = 100 ticks a second) over the idle stretch
//! (default 10 s), next to the same runtime's idle CPU with no credentials.
//! Linux only (it reads /proc).
//!
//! ```sh
//! cargo run --release --example idle_fleet                # N = 100,000, 10 s idle
//! cargo run --release --example idle_fleet -- 20000 30    # N = 20,000, 30 s idle
//! ```
//!
//! The token string is one byte (`"t"`): the figure is what a credential
//! costs beyond its token (an ACS token is about 1 KB more). The companion
//! test `tests/credential_footprint.rs` asserts at most 2 KiB each.

use azure_communication_common::{
    AzureCommunicationTokenCredential, CommunicationTokenRefreshOptions,
};
use azure_core::{
    credentials::AccessToken,
    time::{Duration, OffsetDateTime},
};
use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc,
};

/// Resident memory in bytes (VmRSS).
fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS");
    kib * 1024
}

/// Process CPU time (user + system, every thread) in ticks of 1/100 s.
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    // fields after the command name (which is in parentheses and may hold spaces)
    let rest = &stat[stat.rfind(')').expect("comm") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after comm
    let utime: u64 = fields[11].parse().expect("utime");
    let stime: u64 = fields[12].parse().expect("stime");
    utime + stime
}

fn idle_cpu_ms(runtime: &tokio::runtime::Runtime, seconds: u64) -> u64 {
    let before = cpu_ticks();
    // the sleep is made inside the runtime (a tokio timer needs its context)
    runtime.block_on(async { tokio::time::sleep(std::time::Duration::from_secs(seconds)).await });
    (cpu_ticks() - before) * 10
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .map(|a| {
            a.replace('_', "")
                .parse()
                .expect("N: a number of credentials")
        })
        .unwrap_or(100_000);
    let idle_secs: u64 = args
        .next()
        .map(|a| a.parse().expect("idle seconds"))
        .unwrap_or(10);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_time()
        .build()
        .expect("runtime");

    let baseline_cpu = idle_cpu_ms(&runtime, idle_secs);
    let calls = Arc::new(AtomicU64::new(0));
    let expires_on = OffsetDateTime::now_utc() + Duration::hours(1);
    let before = resident_bytes();
    let credentials = runtime.block_on(async {
        let mut credentials = Vec::with_capacity(n);
        for _ in 0..n {
            let calls = calls.clone();
            let credential = AzureCommunicationTokenCredential::with_refresher(
                CommunicationTokenRefreshOptions::new(move || {
                    calls.fetch_add(1, Ordering::Relaxed);
                    async {
                        Ok(AccessToken::new(
                            "t",
                            OffsetDateTime::now_utc() + Duration::hours(1),
                        ))
                    }
                })
                .with_initial_token(AccessToken::new("t", expires_on))
                .refresh_proactively(true),
            )
            .expect("credential");
            credential.get_token().await.expect("token"); // starts the timer
            credentials.push(credential);
        }
        // let every timer task reach its first sleep
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        credentials
    });
    let after = resident_bytes();
    let timers = runtime.metrics().num_alive_tasks();
    let fleet_cpu = idle_cpu_ms(&runtime, idle_secs);
    let refreshes = calls.load(Ordering::Relaxed);

    println!("## {n} idle proactive credentials (one-hour tokens), {idle_secs} s idle");
    println!("| figure | value |");
    println!("|---|---|");
    println!("| background timer tasks alive | {timers} |");
    println!(
        "| resident memory added | {:.1} MiB, {} bytes per credential |",
        (after.saturating_sub(before)) as f64 / (1024.0 * 1024.0),
        after.saturating_sub(before) / n as u64
    );
    println!("| process CPU over {idle_secs} s idle, no credentials | {baseline_cpu} ms |");
    println!("| process CPU over {idle_secs} s idle, {n} credentials | {fleet_cpu} ms |");
    println!("| refresher calls while idle | {refreshes} |");
    for credential in &credentials {
        credential.dispose();
    }
}
