//! `acs emulator`: the emulator in the foreground, driven by the other commands.
#![cfg(unix)]

mod common;

use common::{acs, acs_env, command};
use serde_json::json;
use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const READY_TIMEOUT: Duration = Duration::from_secs(30);
const EXIT_TIMEOUT: Duration = Duration::from_secs(15);

/// Starts `acs emulator args...` and returns it with its first stdout line.
fn start(args: &[&str]) -> (Child, String) {
    let mut child = command(&[&["emulator"], args].concat())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("acs starts");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut text = String::new();
        // --json prints a whole document; read until it parses, or one line.
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            text.push_str(&line);
            if !text.starts_with('{') || serde_json::from_str::<serde_json::Value>(&text).is_ok() {
                break;
            }
        }
        let _ = tx.send(text);
        // Keep the pipe open until the process ends.
        let _ = std::io::copy(&mut reader, &mut std::io::sink());
    });
    let first = rx.recv_timeout(READY_TIMEOUT).expect("ready within 30 s");
    (child, first)
}

fn stop(child: &mut Child, signal: &str) -> ExitStatus {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let deadline = Instant::now() + EXIT_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("acs emulator did not stop within {EXIT_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn serves_the_other_commands_and_stops_on_sigterm() {
    let (mut child, line) = start(&["--token-lifetime", "90s"]);
    let cs = line.strip_suffix('\n').expect("one line");
    assert!(cs.starts_with("endpoint=http://127.0.0.1:"), "{cs}");
    let created = acs_env(
        &[
            "sign",
            "POST",
            "/identities?api-version=2023-10-01",
            "-d",
            r#"{"createTokenWithScopes":["voip"]}"#,
            "--send",
            "--json",
        ],
        cs,
    )
    .expect_code(0)
    .json();
    let token = created["response"]["body"]["accessToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let report = acs(&["token", "inspect", &token, "--json"])
        .expect_code(0)
        .json();
    assert_eq!(report["kind"], "jwt");
    assert_eq!(report["acs"]["acsScope"], "voip");
    let lifetime = report["expiresOn"]["unix"].as_i64().unwrap()
        - report["issuedAt"]["unix"].as_i64().unwrap();
    assert_eq!(lifetime, 90, "--token-lifetime reached the emulator");
    let skypeid = report["acs"]["skypeid"].as_str().unwrap();
    assert_eq!(
        format!("8:{skypeid}"),
        created["response"]["body"]["identity"]["id"]
            .as_str()
            .unwrap()
    );
    let status = stop(&mut child, "TERM");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn json_and_a_given_key() {
    let key =
        "c2VjcmV0LWtleS10aGF0LW11c3Qtbm90LWxlYWshISFzZWNyZXQta2V5LXRoYXQtbXVzdC1ub3QtbGVhayEhIQ==";
    let (mut child, text) = start(&["--access-key", key, "--json"]);
    let report: serde_json::Value = serde_json::from_str(&text).expect("a JSON document");
    let endpoint = report["endpoint"].as_str().unwrap();
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");
    assert_eq!(
        report["connectionString"],
        json!(format!("endpoint={endpoint};accesskey={key}"))
    );
    assert_eq!(report["caCertificate"], json!(null));
    assert_eq!(report.as_object().unwrap().len(), 3);
    // Ctrl-C stops it cleanly too.
    assert_eq!(stop(&mut child, "INT").code(), Some(0));
}

#[test]
fn tls_serves_https_and_writes_its_ca() {
    let (mut child, text) = start(&["--tls", "--json"]);
    let report: serde_json::Value = serde_json::from_str(&text).expect("a JSON document");
    assert!(
        report["endpoint"].as_str().unwrap().starts_with("https://"),
        "{report}"
    );
    let ca = std::path::PathBuf::from(report["caCertificate"].as_str().expect("a CA path"));
    let pem = std::fs::read_to_string(&ca).expect("the CA file exists while it runs");
    assert!(pem.contains("-----BEGIN CERTIFICATE-----"), "{pem}");
    assert_eq!(stop(&mut child, "TERM").code(), Some(0));
    assert!(!ca.exists(), "the CA file is removed at exit");
}

#[test]
fn bad_arguments() {
    let run = acs(&["emulator", "--listen", "localhost"]);
    run.expect_code(2);
    assert!(run.stderr.contains("--listen"), "{}", run.stderr);
    let run = acs(&["emulator", "--token-lifetime", "0s"]);
    run.expect_code(2);
    assert!(run.stderr.contains("is not a duration"), "{}", run.stderr);
    acs(&["emulator", "--listen", "0.0.0.0:0"])
        .expect_code(1)
        .expect_error_line("the emulator cannot start");
    let run = acs(&["emulator", "--access-key", "not base64!"]);
    run.expect_code(1);
    assert!(
        run.stderr
            .lines()
            .any(|l| l.starts_with("acs: the emulator cannot start")),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("not base64!"), "{}", run.stderr);
}

#[test]
fn every_command_has_help() {
    for args in [
        &["--help"][..],
        &["token", "--help"],
        &["token", "inspect", "--help"],
        &["id", "--help"],
        &["id", "parse", "--help"],
        &["id", "model", "--help"],
        &["sign", "--help"],
        &["emulator", "--help"],
        &["help", "sign"],
    ] {
        let run = acs(args);
        run.expect_code(0);
        assert!(
            run.stdout.contains("Usage: acs"),
            "{args:?}: {}",
            run.stdout
        );
    }
    let version = acs(&["--version"]).expect_code(0).stdout.clone();
    assert_eq!(version, format!("acs {}\n", env!("CARGO_PKG_VERSION")));
}
