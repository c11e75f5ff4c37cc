//! Staying up: stalled clients are cut off, shutdown does not wait on them,
//! dropping an emulator frees its port, and concurrent signed requests are
//! all answered.

mod common;

use acs_emulator::{Emulator, EmulatorOptions, Route};
use common::*;
use reqwest::Method;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Guards against a hang; the behaviour under test is an event (a close, an
/// answer), never a measured duration.
const HANG_GUARD: Duration = Duration::from_secs(5);

async fn read_to_end(stream: &mut TcpStream) -> String {
    let mut text = Vec::new();
    tokio::time::timeout(HANG_GUARD, stream.read_to_end(&mut text))
        .await
        .expect("the server closes the connection")
        .ok();
    String::from_utf8_lossy(&text).into_owned()
}

#[tokio::test]
async fn a_client_stalling_in_its_headers_is_disconnected() {
    let emulator =
        Emulator::start(EmulatorOptions::new().header_read_timeout(Duration::from_millis(200)))
            .await
            .unwrap();
    let mut stream = TcpStream::connect(emulator.local_addr()).await.unwrap();
    stream
        .write_all(b"POST /identities?api-version=2023-10-01 HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let answer = read_to_end(&mut stream).await;
    // closed without an operation answer
    assert!(!answer.contains("201"), "{answer}");
    assert_eq!(emulator.request_count(Route::CreateIdentity), 0);
}

#[tokio::test]
async fn a_stalled_body_gets_408_and_the_connection_closes() {
    let emulator =
        Emulator::start(EmulatorOptions::new().body_read_timeout(Duration::from_millis(200)))
            .await
            .unwrap();
    let mut stream = TcpStream::connect(emulator.local_addr()).await.unwrap();
    stream
        .write_all(
            b"POST /identities?api-version=2023-10-01 HTTP/1.1\r\nHost: x\r\n\
              Content-Length: 100\r\n\r\n{\"createTok",
        )
        .await
        .unwrap();
    let answer = read_to_end(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("RequestTimeout"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
}

#[tokio::test]
async fn a_body_slower_than_the_floor_rate_is_cut_off() {
    let emulator = Emulator::start(
        EmulatorOptions::new()
            .body_read_timeout(Duration::from_millis(300))
            .min_body_rate(1_000_000),
    )
    .await
    .unwrap();
    let mut stream = TcpStream::connect(emulator.local_addr()).await.unwrap();
    stream
        .write_all(
            b"POST /identities?api-version=2023-10-01 HTTP/1.1\r\nHost: x\r\n\
              Content-Length: 100000\r\n\r\n",
        )
        .await
        .unwrap();
    // a byte every 50 ms never pauses past the timeout, but is far below the floor
    let mut answer = Vec::new();
    let outcome = tokio::time::timeout(HANG_GUARD, async {
        loop {
            if stream.write_all(b" ").await.is_err() {
                break;
            }
            let mut buf = [0u8; 512];
            tokio::select! {
                read = stream.read(&mut buf) => match read {
                    Ok(0) | Err(_) => break,
                    Ok(n) => answer.extend_from_slice(&buf[..n]),
                },
                _ = tokio::time::sleep(Duration::from_millis(50)) => {}
            }
        }
    })
    .await;
    assert!(outcome.is_ok(), "the slow body was not cut off");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

#[tokio::test]
async fn shutdown_does_not_wait_on_idle_or_stalled_connections() {
    // With the default 10 s header timeout, a shutdown that waited on these
    // connections would trip the guard.
    let emulator = start().await;
    let _idle = TcpStream::connect(emulator.local_addr()).await.unwrap();
    let mut stalled = TcpStream::connect(emulator.local_addr()).await.unwrap();
    stalled
        .write_all(b"POST /identities HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // a completed request first, so the server has surely accepted
    create_user(&emulator).await;
    tokio::time::timeout(Duration::from_secs(3), emulator.shutdown())
        .await
        .expect("shutdown finishes without waiting on stalled clients");
    assert_eq!(read_to_end(&mut stalled).await, "");
}

#[tokio::test]
async fn dropping_the_emulator_frees_its_port() {
    let emulator = start().await;
    let addr = emulator.local_addr();
    let _idle = TcpStream::connect(addr).await.unwrap();
    create_user(&emulator).await;
    drop(emulator);
    let rebound = tokio::time::timeout(HANG_GUARD, async {
        loop {
            match tokio::net::TcpListener::bind(addr).await {
                Ok(listener) => return listener,
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    })
    .await
    .expect("the port is free again after the drop");
    assert_eq!(rebound.local_addr().unwrap(), addr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_signed_requests_are_all_answered() {
    // The suite runs 200; the README reports the 1,000 run.
    let n: usize = std::env::var("ACS_EMULATOR_CONCURRENCY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let emulator = std::sync::Arc::new(start().await);
    let before = resident_kib();
    // Two rounds: memory that the first round's connections leaked would
    // show as growth in the second; memory the allocator keeps for reuse
    // would not.
    for round in 1..=2 {
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..n {
            let emulator = std::sync::Arc::clone(&emulator);
            tasks.spawn(async move {
                send_signed(
                    &emulator,
                    Method::POST,
                    &format!("/identities?{API}"),
                    br#"{"createTokenWithScopes":["chat"]}"#,
                )
                .await
                .status
            });
        }
        let mut created = 0;
        let mut peak = None;
        while let Some(status) = tasks.join_next().await {
            peak = peak.max(resident_kib());
            assert_eq!(status.unwrap(), 201);
            created += 1;
        }
        assert_eq!(created, n);
        assert_eq!(
            emulator.request_count(Route::CreateIdentity),
            (round * n) as u64
        );
        assert_eq!(emulator.identity_count(), round * n);
        // Every connection the clients closed is closed on the server too:
        // none is left holding memory. (Eventually: the server sees each
        // close when its connection task next runs.)
        tokio::time::timeout(Duration::from_secs(10), async {
            while emulator.open_connections() > 0 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{} connections still open", emulator.open_connections()));
        eprintln!(
            "round {round}, {n} connections: resident memory {before:?} KiB at the start, \
             {peak:?} KiB at the peak, {:?} KiB after",
            resident_kib()
        );
    }
}

/// The process's resident set size in KiB (Linux; `None` elsewhere).
fn resident_kib() -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}
