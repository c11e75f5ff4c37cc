//! Fault soak (issue 14): proactive credentials whose refreshers ask the
//! identity client (`CommunicationIdentityClient::get_token`) for tokens from
//! the in-process emulator, while the emulator answers the issue-token route
//! with 500s, 503s, 429s with `Retry-After`, latency spikes and hangs longer
//! than the refresh timeout, under concurrent `get_token` load.
//!
//! Asserted, for every credential:
//!
//! * no caller receives an expired token: a served token is valid at the
//!   credential's own decision (its latest clock reading in the caller's
//!   task, see `clock.rs`), and is a token this credential's refresher
//!   returned;
//! * no caller receives an error while a valid token was cached (an error
//!   is the answer only once the cached token has expired);
//! * every error is a documented one (refresh timeout, the refresher's own
//!   error for an injected status, an expired refresher result), and
//!   `User credential is disposed` only after `dispose`;
//! * refreshes stay bounded: successful refresher calls at most one per
//!   second (`MIN_REFRESH_INTERVAL`) over the run, plus one; failed ones at
//!   most one per shortest possible failure (the client's two retry waits);
//!   abandoned ones at most one per refresh timeout;
//! * after `dispose`, no task of the credentials remains on their runtime
//!   (counted by tokio's runtime metrics) and, over one more token lifetime,
//!   no refresher is called.
//!
//! It runs on real time (a real HTTP server: tokio's paused clock cannot be
//! combined with real sockets), 15 seconds by default; `ACS_SOAK_SECS=300`
//! runs it for five minutes and `ACS_SOAK_CREDENTIALS` sets how many
//! credentials (default 16), `ACS_SOAK_SEED` the fault plan's seed. No
//! assertion depends on how fast the machine is: the bounds are counted in
//! the run's own duration, and the figures it prints (with `--nocapture`)
//! are reported, not asserted. See RELIABILITY.md for a long run's figures.
//!
//! The credentials and their callers run on one runtime; the emulator, the
//! fault plan and the refreshers' HTTP requests on another, so the first
//! holds nothing but the credentials' own tasks when they are disposed.

mod chaos;
mod clock;
mod ledger;

use acs_emulator::{Emulator, EmulatorOptions, Route};
use azure_communication_common::{
    AzureCommunicationTokenCredential, CommunicationTokenRefreshOptions,
    CommunicationUserIdentifier,
};
use azure_communication_identity::{
    CommunicationIdentityClient, CommunicationIdentityClientOptions, CommunicationTokenScope,
};
use azure_core::{
    error::ErrorKind,
    http::{ClientOptions, FixedRetryOptions, RetryOptions},
    time::OffsetDateTime,
};
use chaos::{ChaosReport, Rng};
use clock::{noting, NotingClock};
use ledger::{Documented, Ledger};
use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

/// Lifetime of the emulator's tokens: inside every refresh window, so each
/// credential refreshes on demand (at most once a second under load) and
/// proactively after half the lifetime when idle.
const TOKEN_LIFETIME: Duration = Duration::from_secs(6);
/// The credentials' refresh timeout; hangs last longer.
const REFRESH_TIMEOUT: Duration = Duration::from_secs(2);
const HANG: Duration = Duration::from_secs(3);
/// The identity client retries an injected status twice, this long apart
/// at least (azure_core adds up to 255 ms of jitter; 429 waits its
/// `Retry-After`), so a failed refresher call lasts at least twice this.
const RETRY_DELAY_MS: i64 = 250;
const MAX_RETRIES: u32 = 2;
/// `MIN_REFRESH_INTERVAL` of the credential: one refresh a second at most.
const MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(1);
const CALLERS_PER_CREDENTIAL: usize = 3;
/// Bounds a broken run's waits; a passing run never waits this long.
const BOUND: Duration = Duration::from_secs(60);

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a whole number, got {v:?}")),
        Err(_) => default,
    }
}

fn now_nanos() -> i128 {
    OffsetDateTime::now_utc().unix_timestamp_nanos()
}

/// One credential's callers: `get_token` in a loop, with short pauses and,
/// now and then, an idle stretch (when the proactive timer refreshes alone).
async fn caller(
    credential: AzureCommunicationTokenCredential,
    ledger: Arc<Ledger>,
    stop: Arc<AtomicBool>,
    mut rng: Rng,
) {
    while !stop.load(Ordering::Acquire) {
        let known = ledger.latest_expiry();
        let started = now_nanos();
        let clock = Instant::now();
        let (result, decided) = noting(credential.get_token()).await;
        let latency = clock.elapsed();
        let ended = now_nanos();
        ledger.check(&result, started, decided, ended, known, latency);
        let pause = if rng.below(40) == 0 {
            rng.between(1_000, 4_000)
        } else {
            rng.below(50)
        };
        tokio::time::sleep(Duration::from_millis(pause)).await;
    }
}

fn identity_client(emulator: &Emulator) -> CommunicationIdentityClient {
    let options = CommunicationIdentityClientOptions {
        client_options: ClientOptions {
            retry: RetryOptions::fixed(FixedRetryOptions {
                delay: azure_core::time::Duration::milliseconds(RETRY_DELAY_MS),
                max_retries: MAX_RETRIES,
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    CommunicationIdentityClient::from_connection_string(
        &emulator.connection_string(),
        Some(options),
    )
    .expect("the emulator's connection string")
}

/// A proactive credential for `user` whose refresher issues tokens with the
/// identity client on the I/O runtime.
fn credential(
    client: &CommunicationIdentityClient,
    user: CommunicationUserIdentifier,
    io: tokio::runtime::Handle,
    ledger: Arc<Ledger>,
) -> AzureCommunicationTokenCredential {
    let client = client.clone();
    let options = CommunicationTokenRefreshOptions::new(move || {
        ledger.call_started();
        let (client, user, io, ledger) = (client.clone(), user.clone(), io.clone(), ledger.clone());
        async move {
            let issue = async move {
                client
                    .get_token(&user, &[CommunicationTokenScope::Chat], None, None)
                    .await
            };
            let result = io.spawn(issue).await.unwrap_or_else(|e| {
                Err(azure_core::Error::with_message(
                    ErrorKind::Other,
                    format!("the soak's I/O task failed: {e}"),
                ))
            });
            ledger.call_ended(&result);
            result
        }
    })
    .refresh_proactively(true)
    .refresh_timeout(REFRESH_TIMEOUT.try_into().unwrap())
    .with_clock(Arc::new(NotingClock));
    AzureCommunicationTokenCredential::with_refresher(options).expect("valid options")
}

#[test]
fn proactive_credentials_stay_correct_under_injected_faults() {
    let secs = env_u64("ACS_SOAK_SECS", 15);
    let count = env_u64("ACS_SOAK_CREDENTIALS", 16) as usize;
    let seed = env_u64("ACS_SOAK_SEED", now_nanos() as u64);
    println!("soak: {secs} s, {count} credentials, seed {seed} (ACS_SOAK_SEED reruns it)");

    let io = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("soak-io")
        .enable_all()
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("soak-credentials")
        .enable_all()
        .build()
        .unwrap();
    let baseline_tasks = runtime.metrics().num_alive_tasks();

    let emulator = Arc::new(
        io.block_on(Emulator::start(
            EmulatorOptions::new()
                .token_lifetime(TOKEN_LIFETIME)
                .allow_short_token_lifetimes(true),
        ))
        .expect("emulator"),
    );
    let client = identity_client(&emulator);
    let ledgers: Vec<Arc<Ledger>> = (0..count).map(|_| Arc::default()).collect();
    let credentials: Vec<_> = ledgers
        .iter()
        .map(|ledger| {
            let user = CommunicationUserIdentifier::new(emulator.create_user());
            credential(&client, user, io.handle().clone(), ledger.clone())
        })
        .collect();

    // The fault plan runs until the credentials are disposed and checked.
    let mut rng = Rng::new(seed);
    let chaos_stop = Arc::new(AtomicBool::new(false));
    let chaos = io.spawn(chaos::run(
        emulator.clone(),
        chaos_stop.clone(),
        Rng::new(rng.next()),
        HANG,
    ));

    let run_started = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let callers: Vec<_> = credentials
        .iter()
        .zip(&ledgers)
        .flat_map(|(credential, ledger)| {
            (0..CALLERS_PER_CREDENTIAL)
                .map(|_| {
                    runtime.spawn(caller(
                        credential.clone(),
                        ledger.clone(),
                        stop.clone(),
                        Rng::new(rng.next()),
                    ))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    std::thread::sleep(Duration::from_secs(secs));
    stop.store(true, Ordering::Release);
    runtime.block_on(async {
        for caller in callers {
            tokio::time::timeout(BOUND, caller)
                .await
                .expect("a caller finishes")
                .expect("a caller does not panic");
        }
    });

    // Dispose while faults go on (some refreshes are in flight or hung).
    for (credential, ledger) in credentials.iter().zip(&ledgers) {
        credential.dispose();
        ledger.disposed.store(true, Ordering::SeqCst);
    }
    let run_time = run_started.elapsed();
    let calls_at_dispose: u64 = ledgers.iter().map(|l| l.calls.load(Ordering::SeqCst)).sum();

    // No task of the credentials remains: their timers and refresh tasks
    // end (waited for as an event, bounded).
    let waited = Instant::now();
    while runtime.metrics().num_alive_tasks() > baseline_tasks && waited.elapsed() < BOUND {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        runtime.metrics().num_alive_tasks(),
        baseline_tasks,
        "tasks remain after dispose"
    );
    // And nothing calls a refresher over one more token lifetime (with no
    // task left nothing can; this watches for a refresher call from anywhere).
    std::thread::sleep(TOKEN_LIFETIME);
    for credential in &credentials {
        let error = runtime.block_on(credential.get_token()).unwrap_err();
        assert_eq!(ledger::classify(&error), Ok(Documented::Disposed));
    }
    chaos_stop.store(true, Ordering::Release);
    let chaos: ChaosReport = io.block_on(chaos).expect("the fault plan");
    let faults_served = chaos.queued() - emulator.pending_faults() as u64;
    let requests = emulator.request_count(Route::IssueAccessToken);

    // Figures.
    let sum = |f: fn(&Ledger) -> u64| ledgers.iter().map(|l| f(l)).sum::<u64>();
    let calls = sum(|l| l.calls.load(Ordering::SeqCst));
    let succeeded = sum(|l| l.succeeded.load(Ordering::SeqCst));
    let failed = sum(|l| l.failed.load(Ordering::SeqCst));
    let served = sum(|l| l.served.load(Ordering::SeqCst));
    let expired_on_arrival = sum(|l| l.expired_on_arrival.load(Ordering::SeqCst));
    let errors: Vec<Documented> = ledgers
        .iter()
        .flat_map(|l| l.errors.lock().unwrap().clone())
        .collect();
    let timeouts = errors.iter().filter(|e| **e == Documented::Timeout).count();
    let worst = ledgers
        .iter()
        .map(|l| *l.worst_latency.lock().unwrap())
        .max()
        .unwrap_or_default();
    let minutes = run_time.as_secs_f64() / 60.0;
    println!(
        "soak figures: {:.1} s, {count} credentials x {CALLERS_PER_CREDENTIAL} callers; \
         fault cycles {} ({} 500s, {} 503s, {} 429s queued; {faults_served} faulted answers served; \
         {} latency spikes, {} hangs); get_token calls served {served}: tokens {}, errors {} \
         ({timeouts} refresh timeouts, {} service errors, {} expired refresher results); \
         expired tokens served 0 (judged at the credential's decision; {expired_on_arrival} \
         expired by the caller's own later reading); worst get_token latency {} ms; \
         refresher calls {calls} ({succeeded} returned a token, {failed} an error, {} abandoned; \
         {:.1} per credential per minute), issue-token requests {requests}",
        run_time.as_secs_f64(),
        chaos.cycles,
        chaos.queued_500,
        chaos.queued_503,
        chaos.queued_429,
        chaos.latency_spikes,
        chaos.hangs,
        served - errors.len() as u64,
        errors.len(),
        errors
            .iter()
            .filter(|e| matches!(e, Documented::Service(_)))
            .count(),
        errors
            .iter()
            .filter(|e| **e == Documented::ExpiredFromRefresher)
            .count(),
        worst.as_millis(),
        calls - succeeded - failed,
        calls as f64 / count as f64 / minutes,
    );

    // The assertions.
    let mut violations = Vec::new();
    let run_secs = run_time.as_secs_f64();
    let min_failure = 2.0 * RETRY_DELAY_MS as f64 / 1000.0;
    for (i, ledger) in ledgers.iter().enumerate() {
        for v in ledger.violations.lock().unwrap().iter() {
            violations.push(format!("credential {i}: {v}"));
        }
        let calls = ledger.calls.load(Ordering::SeqCst);
        let succeeded = ledger.succeeded.load(Ordering::SeqCst);
        let failed = ledger.failed.load(Ordering::SeqCst);
        let abandoned = calls - succeeded - failed;
        let bounds = [
            (
                "successful",
                succeeded,
                (run_secs / MIN_REFRESH_INTERVAL.as_secs_f64()).floor() as u64 + 1,
            ),
            (
                "failed",
                failed,
                (run_secs / min_failure).floor() as u64 + 1,
            ),
            (
                "abandoned (timed out or cancelled by dispose)",
                abandoned,
                (run_secs / REFRESH_TIMEOUT.as_secs_f64()).floor() as u64 + 1,
            ),
        ];
        for (what, n, bound) in bounds {
            if n > bound {
                violations.push(format!(
                    "credential {i}: {n} {what} refresher calls in {run_secs:.1} s, more than {bound}"
                ));
            }
        }
        let after = ledger.calls_after_dispose.load(Ordering::SeqCst);
        if after > 0 {
            violations.push(format!(
                "credential {i}: {after} refresher calls after dispose"
            ));
        }
    }
    assert_eq!(calls, calls_at_dispose, "refresher calls after dispose");
    assert!(
        violations.is_empty(),
        "{} violations:\n{}",
        violations.len(),
        violations.join("\n")
    );
    // The soak did what it says: it served tokens, and faults were met.
    assert!(served > 0 && calls > count as u64);
    assert!(faults_served > 0, "no injected fault was ever answered");

    drop(credentials);
    drop(client);
    let emulator = Arc::try_unwrap(emulator).unwrap_or_else(|_| panic!("emulator still shared"));
    io.block_on(emulator.shutdown());
}
