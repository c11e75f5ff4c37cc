//! The `acs-emulator` binary: one stdout line when ready, real HTTP, clean
//! stop on SIGTERM / SIGINT.
#![cfg(unix)]

mod common;

use azure_communication_common::AccessKeySigner;
use common::Reply;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use url::Url;

const BIN: &str = env!("CARGO_BIN_EXE_acs-emulator");
const READY_TIMEOUT: Duration = Duration::from_secs(30);
const EXIT_TIMEOUT: Duration = Duration::from_secs(15);

fn spawn(args: &[&str]) -> Child {
    Command::new(BIN)
        .args(args)
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

/// Reads the first stdout line on a thread, so a silent binary fails the test
/// instead of hanging it. Returns the line and the rest of stdout.
fn first_line(stdout: ChildStdout) -> (String, BufReader<ChildStdout>) {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let read = reader.read_line(&mut line);
        let _ = tx.send((read.map(|_| line), reader));
    });
    let (line, reader) = rx.recv_timeout(READY_TIMEOUT).expect("a line within 30 s");
    (line.expect("stdout is readable"), reader)
}

fn wait(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + EXIT_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the emulator did not exit within {EXIT_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

fn parse_connection_string(line: &str) -> (Url, String) {
    let line = line.strip_suffix('\n').expect("a whole line");
    let rest = line
        .strip_prefix("endpoint=")
        .expect("starts with endpoint=");
    let (endpoint, key) = rest.split_once(";accesskey=").expect("has accesskey");
    (Url::parse(endpoint).unwrap(), key.to_owned())
}

async fn create_identity(endpoint: &Url, key: &str) -> Reply {
    let url = endpoint.join("/identities?api-version=2023-10-01").unwrap();
    let body = br#"{"createTokenWithScopes":["chat"]}"#;
    let signed = AccessKeySigner::new(key.to_owned())
        .unwrap()
        .sign("POST", &url, body, time::OffsetDateTime::now_utc())
        .unwrap();
    common::send(
        reqwest::Method::POST,
        url,
        vec![
            ("x-ms-date", signed.x_ms_date),
            ("x-ms-content-sha256", signed.x_ms_content_sha256),
            ("authorization", signed.authorization),
        ],
        body.to_vec(),
    )
    .await
}

async fn serves_then_stops_on(signal_name: &str) {
    let mut child = spawn(&["--token-lifetime", "90s"]);
    let (line, mut rest) = first_line(child.stdout.take().unwrap());
    let (endpoint, key) = parse_connection_string(&line);
    assert_eq!(endpoint.host_str(), Some("127.0.0.1"));
    assert_ne!(endpoint.port(), Some(0));
    assert_eq!(endpoint.path(), "/");

    let reply = create_identity(&endpoint, &key).await;
    assert_eq!(reply.status, reqwest::StatusCode::CREATED);
    let token = reply.json()["accessToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let payload = token.split('.').nth(1).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        90
    );

    signal(&child, signal_name);
    let status = wait(&mut child);
    assert!(status.success(), "exit status {status:?}");

    // exactly one line on stdout, ever
    let mut more = String::new();
    rest.read_to_string(&mut more).unwrap();
    assert_eq!(more, "", "stdout had more than the connection string");
    // logs went to stderr and never carry the key or a token
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(stderr.contains("listening"), "{stderr}");
    assert!(!stderr.contains(&key), "the key leaked into the logs");
    assert!(!stderr.contains(&token), "a token leaked into the logs");
}

#[tokio::test]
async fn prints_its_connection_string_serves_and_stops_on_sigterm() {
    serves_then_stops_on("TERM").await;
}

#[tokio::test]
async fn stops_on_ctrl_c() {
    serves_then_stops_on("INT").await;
}

#[tokio::test]
async fn a_given_key_is_used() {
    let key = "YmluYXJ5LXRlc3Qta2V5LWJpbmFyeS10ZXN0LWtleQ==";
    let mut child = spawn(&["--listen", "127.0.0.1:0", "--access-key", key]);
    let (line, _rest) = first_line(child.stdout.take().unwrap());
    let (endpoint, printed) = parse_connection_string(&line);
    assert_eq!(printed, key);
    assert_eq!(
        create_identity(&endpoint, key).await.status,
        reqwest::StatusCode::CREATED
    );
    signal(&child, "TERM");
    assert!(wait(&mut child).success());
}

fn run_to_end(args: &[&str]) -> (ExitStatus, String, String) {
    let mut child = spawn(args);
    let status = wait(&mut child);
    let mut stdout = String::new();
    let mut stderr = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (status, stdout, stderr)
}

#[test]
fn refuses_a_non_loopback_address_unless_allowed() {
    let (status, stdout, stderr) = run_to_end(&["--listen", "0.0.0.0:0"]);
    assert_eq!(status.code(), Some(1));
    assert_eq!(stdout, "");
    assert!(stderr.contains("loopback"), "{stderr}");
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let (status, stdout, stderr) = run_to_end(&["--token-lifetime", "soon"]);
    assert_eq!(status.code(), Some(2));
    assert_eq!(stdout, "");
    assert!(stderr.contains("not a duration"), "{stderr}");
    let (status, _, stderr) = run_to_end(&["--access-key", "not base64!"]);
    assert_eq!(status.code(), Some(1));
    assert!(
        stderr.contains("invalid access key") && !stderr.contains("not base64!"),
        "{stderr}"
    );
    let (status, stdout, _) = run_to_end(&["--help"]);
    assert_eq!(status.code(), Some(0));
    assert!(stdout.contains("--token-lifetime"));
}

async fn admin(endpoint: &Url, key: &str, method: reqwest::Method, op: &str, body: &str) -> Reply {
    common::send(
        method,
        endpoint.join(&format!("/emulator/{op}")).unwrap(),
        vec![
            (acs_emulator::ADMIN_KEY_HEADER, key.to_owned()),
            ("content-type", "application/json".to_owned()),
        ],
        body.as_bytes().to_vec(),
    )
    .await
}

#[tokio::test]
async fn admin_routes_drive_the_binary_from_outside() {
    use reqwest::{Method, StatusCode};
    let mut child = spawn(&[]);
    let (line, _rest) = first_line(child.stdout.take().unwrap());
    let (endpoint, key) = parse_connection_string(&line);

    // without the key: denied
    let reply = admin(&endpoint, "wrong", Method::GET, "requests", "").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.code(), "Denied");

    // a fault for one route
    let fault = r#"{"status":503,"times":1,"route":"CreateIdentity"}"#;
    assert_eq!(
        admin(&endpoint, &key, Method::POST, "faults", fault)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        create_identity(&endpoint, &key).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        create_identity(&endpoint, &key).await.status,
        StatusCode::CREATED
    );
    let throttle = r#"{"retryAfterMs":2500,"times":1}"#;
    assert_eq!(
        admin(&endpoint, &key, Method::POST, "faults", throttle)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let reply = create_identity(&endpoint, &key).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(reply.headers["retry-after"], "3");

    // an Entra token minted over HTTP, exchanged over HTTP
    let body =
        r#"{"scopes":["https://communication.azure.com/clients/.default"],"expiresInSeconds":120}"#;
    let reply = admin(&endpoint, &key, Method::POST, "entraTokens", body).await;
    assert_eq!(reply.status, StatusCode::OK);
    let entra = reply.json()["token"].as_str().unwrap().to_owned();
    let exchange = endpoint
        .join("/access/entra/:exchangeAccessToken?api-version=2025-03-02-preview")
        .unwrap();
    let bearer = vec![("authorization", format!("Bearer {entra}"))];
    let reply = common::send(
        Method::POST,
        exchange.clone(),
        bearer.clone(),
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    // virtual time makes it expire
    let advance = r#"{"seconds":121}"#;
    assert_eq!(
        admin(&endpoint, &key, Method::POST, "clock:advance", advance)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let reply = common::send(Method::POST, exchange, bearer, b"{}".to_vec()).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);

    // counters
    let counts = admin(&endpoint, &key, Method::GET, "requests", "")
        .await
        .json();
    assert_eq!(counts["CreateIdentity"], 3);
    assert_eq!(counts["ExchangeEntraToken"], 2);
    assert_eq!(
        admin(&endpoint, &key, Method::DELETE, "requests", "")
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let counts = admin(&endpoint, &key, Method::GET, "requests", "")
        .await
        .json();
    assert_eq!(counts["CreateIdentity"], 0);
    assert_eq!(counts["Admin"], 1);

    // latency, then clear
    let latency = r#"{"milliseconds":200}"#;
    assert_eq!(
        admin(&endpoint, &key, Method::PUT, "latency", latency)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let started = Instant::now();
    create_identity(&endpoint, &key).await;
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(
        admin(&endpoint, &key, Method::DELETE, "faults", "")
            .await
            .status,
        StatusCode::NO_CONTENT
    );

    // bad admin input is a clear 4xx
    let reply = admin(&endpoint, &key, Method::POST, "faults", r#"{"status":503}"#).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let reply = admin(
        &endpoint,
        &key,
        Method::POST,
        "faults",
        r#"{"status":503,"times":1,"route":"Nope"}"#,
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.message().contains("not a route"));
    let reply = admin(
        &endpoint,
        &key,
        Method::POST,
        "faults",
        r#"{"status":503,"retryAfterMs":1,"times":1}"#,
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        admin(&endpoint, &key, Method::GET, "latency", "")
            .await
            .status,
        StatusCode::METHOD_NOT_ALLOWED
    );
    assert_eq!(
        admin(&endpoint, &key, Method::GET, "nothing", "")
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    signal(&child, "TERM");
    assert!(wait(&mut child).success());
}

/// Reads stderr lines on a thread and returns the rest of the first one
/// starting with `prefix` (the thread goes on draining stderr).
fn stderr_line_starting(child: &mut Child, prefix: &'static str) -> String {
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if let Some(rest) = line.strip_prefix(prefix) {
                let _ = tx.send(rest.to_owned());
            }
        }
    });
    rx.recv_timeout(READY_TIMEOUT)
        .unwrap_or_else(|_| panic!("no stderr line starting {prefix:?}"))
}

#[tokio::test]
async fn tls_prints_the_ca_file_and_serves_https() {
    let mut child = spawn(&["--tls"]);
    let (line, _rest) = first_line(child.stdout.take().unwrap());
    let (endpoint, key) = parse_connection_string(&line);
    assert_eq!(endpoint.scheme(), "https");
    let path = stderr_line_starting(&mut child, "acs-emulator: CA certificate: ");
    let pem = std::fs::read(&path).expect("the CA file exists");
    let client = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([reqwest::Certificate::from_pem(&pem).unwrap()])
        .build()
        .unwrap();
    let url = endpoint.join("/identities?api-version=2023-10-01").unwrap();
    let signed = AccessKeySigner::new(key)
        .unwrap()
        .sign("POST", &url, b"{}", time::OffsetDateTime::now_utc())
        .unwrap();
    let response = client
        .post(url)
        .header("x-ms-date", signed.x_ms_date)
        .header("x-ms-content-sha256", signed.x_ms_content_sha256)
        .header("authorization", signed.authorization)
        .body("{}")
        .send()
        .await
        .expect("HTTPS with the printed CA works");
    assert_eq!(response.status(), reqwest::StatusCode::CREATED);
    signal(&child, "TERM");
    assert!(wait(&mut child).success());
    assert!(
        !std::path::Path::new(&path).exists(),
        "the CA file is removed at exit"
    );
}
