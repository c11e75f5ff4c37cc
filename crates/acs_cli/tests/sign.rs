//! `acs sign`: the library's HMAC headers, printed, explained, as curl, sent.

mod common;

use acs_emulator::{EmulatorOptions, Route};
use azure_communication_common::AccessKeySigner;
use common::{acs, acs_env, command, run_command, Served};
use serde_json::json;
use time::macros::datetime;

/// The library's known answer (its AccessKeySigner docs): key `pw==`.
const KNOWN_CS: &str = "endpoint=https://example.com/;accesskey=pw==";
const KNOWN_URL: &str = "https://example.com/testPath?testQuery=test";
const KNOWN_DATE: &str = "Wed, 13 Apr 2022 18:09:12 GMT";
const KNOWN_AUTHORIZATION: &str = "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=DGdgwggJWnQyc6EHjR/Vbqg1ES64KpD6U2XwTDDj3tU=";

/// A 64-byte key (as ACS keys are) whose text is easy to look for in output.
const SECRET_KEY: &str =
    "c2VjcmV0LWtleS10aGF0LW11c3Qtbm90LWxlYWshISFzZWNyZXQta2V5LXRoYXQtbXVzdC1ub3QtbGVhayEhIQ==";

fn secret_cs() -> String {
    format!("endpoint=https://contoso.communication.azure.com/;accesskey={SECRET_KEY}")
}

#[test]
fn known_answer_headers_from_the_environment() {
    let run = acs_env(&["sign", "GET", KNOWN_URL, "--date", KNOWN_DATE], KNOWN_CS);
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        format!(
            "x-ms-date: {KNOWN_DATE}\nx-ms-content-sha256: {}\nauthorization: {KNOWN_AUTHORIZATION}\nhost: example.com\n",
            AccessKeySigner::EMPTY_CONTENT_HASH
        )
    );
    // The same from the flag, and the date in RFC 3339.
    let flag = acs(&[
        "sign",
        "get",
        KNOWN_URL,
        "--date",
        "2022-04-13T18:09:12Z",
        "--connection-string",
        KNOWN_CS,
    ]);
    assert_eq!(flag.expect_code(0).stdout, run.stdout);
}

#[test]
fn json_shape() {
    let report = acs_env(
        &[
            "sign",
            "GET",
            KNOWN_URL,
            "--date",
            KNOWN_DATE,
            "--json",
            "--explain",
        ],
        KNOWN_CS,
    )
    .expect_code(0)
    .json();
    assert_eq!(
        report,
        json!({
            "method": "GET",
            "url": KNOWN_URL,
            "pathAndQuery": "/testPath?testQuery=test",
            "host": "example.com",
            "headers": {
                "x-ms-date": KNOWN_DATE,
                "x-ms-content-sha256": AccessKeySigner::EMPTY_CONTENT_HASH,
                "authorization": KNOWN_AUTHORIZATION,
            },
            "stringToSign": format!("GET\n/testPath?testQuery=test\n{KNOWN_DATE};example.com;{}", AccessKeySigner::EMPTY_CONTENT_HASH),
        })
    );
}

#[test]
fn body_from_text_file_and_stdin_is_hashed_as_the_library_does() {
    let body = br#"{"createTokenWithScopes":["chat"]}"#;
    let signer = AccessKeySigner::new(SECRET_KEY).unwrap();
    let url = url::Url::parse(
        "https://contoso.communication.azure.com/identities?api-version=2023-10-01",
    )
    .unwrap();
    let expected = signer
        .sign("POST", &url, body, datetime!(2022-04-13 18:09:12 UTC))
        .unwrap();
    let dir = std::env::temp_dir().join(format!("acs-cli-sign-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("body.json");
    std::fs::write(&file, body).unwrap();
    let text = std::str::from_utf8(body).unwrap();
    let file_arg = format!("@{}", file.display());
    for (data, stdin) in [
        (text, &b""[..]),
        (file_arg.as_str(), &b""[..]),
        ("@-", &body[..]),
    ] {
        let mut cmd = command(&[
            "sign",
            "POST",
            "/identities?api-version=2023-10-01",
            "--data",
            data,
            "--date",
            KNOWN_DATE,
            "--json",
        ]);
        cmd.env("ACS_CONNECTION_STRING", secret_cs());
        let report = run_command(cmd, stdin).expect_code(0).json();
        assert_eq!(report["url"], url.as_str(), "a path joins the endpoint");
        assert_eq!(
            report["headers"]["x-ms-content-sha256"],
            expected.x_ms_content_sha256.as_str()
        );
        assert_eq!(
            report["headers"]["authorization"],
            expected.authorization.as_str(),
            "{data}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn explain_shows_the_string_to_sign_and_never_the_key() {
    let run = acs_env(
        &[
            "sign",
            "post",
            "https://contoso.communication.azure.com:8443/p?",
            "--data",
            "hi",
            "--date",
            KNOWN_DATE,
            "--explain",
        ],
        &secret_cs(),
    );
    run.expect_code(0);
    let hash = AccessKeySigner::content_hash(b"hi");
    let string_to_sign =
        format!("POST\n/p?\n{KNOWN_DATE};contoso.communication.azure.com:8443;{hash}");
    assert!(
        run.stdout
            .contains(&format!("-----\n{string_to_sign}\n-----\n")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("path and query:        /p?\n"),
        "{}",
        run.stdout
    );
    assert!(run
        .stdout
        .contains("host:                  contoso.communication.azure.com:8443\n"));
    assert!(run.stdout.contains("(base64 SHA-256 of the 2 body bytes)"));
    // The signature printed is HMAC over exactly that string.
    let signature = AccessKeySigner::new(SECRET_KEY)
        .unwrap()
        .signature(string_to_sign.as_bytes());
    assert!(
        run.stdout.contains(&format!("Signature={signature}\n")),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains(SECRET_KEY) && !run.stderr.contains(SECRET_KEY));
}

#[test]
fn curl_prints_a_ready_command() {
    let run = acs_env(
        &[
            "sign",
            "POST",
            "/identities?api-version=2023-10-01",
            "-d",
            "{\"a\":\"it's\"}",
            "--date",
            KNOWN_DATE,
            "--curl",
            "-H",
            "x-custom: 1",
        ],
        &secret_cs(),
    );
    run.expect_code(0);
    let signed = AccessKeySigner::new(SECRET_KEY)
        .unwrap()
        .sign(
            "POST",
            &url::Url::parse(
                "https://contoso.communication.azure.com/identities?api-version=2023-10-01",
            )
            .unwrap(),
            br#"{"a":"it's"}"#,
            datetime!(2022-04-13 18:09:12 UTC),
        )
        .unwrap();
    assert_eq!(
        run.stdout,
        format!(
            "curl -sS -X POST 'https://contoso.communication.azure.com/identities?api-version=2023-10-01' \
             -H 'x-ms-date: {KNOWN_DATE}' -H 'x-ms-content-sha256: {}' -H 'authorization: {}' \
             -H 'x-custom: 1' -H 'content-type: application/json' --data-binary '{{\"a\":\"it'\\''s\"}}'\n",
            signed.x_ms_content_sha256, signed.authorization
        )
    );
    assert!(!run.stdout.contains(SECRET_KEY));
    let file = acs_env(
        &["sign", "PUT", KNOWN_URL, "-d", "@body.bin", "--curl"],
        KNOWN_CS,
    );
    // The file does not exist: a usage error before any command is printed.
    file.expect_code(2)
        .expect_error_line("--data @body.bin: cannot read the file");
    assert!(file.stdout.is_empty());
}

#[test]
fn connection_string_problems_are_usage_errors_that_hide_the_key() {
    acs(&["sign", "GET", KNOWN_URL])
        .expect_code(2)
        .expect_error_line("ACS_CONNECTION_STRING");
    let swapped = format!("endpoint={SECRET_KEY};accesskey=pw==");
    let bad_key = "endpoint=https://contoso.communication.azure.com/;accesskey=not base64!";
    for cs in [swapped.as_str(), bad_key, "endpoint=https://x/", "nonsense"] {
        let run = acs_env(&["sign", "GET", KNOWN_URL], cs);
        run.expect_code(2)
            .expect_error_line("the connection string is not usable");
        assert!(!run.stderr.contains(SECRET_KEY), "{}", run.stderr);
        assert!(!run.stderr.contains("not base64!"), "{}", run.stderr);
    }
}

#[test]
fn bad_arguments_are_usage_errors() {
    let cases: [(&[&str], &str); 8] = [
        (&["sign", "GE T", KNOWN_URL], "METHOD 'GE T'"),
        (&["sign", "GET", "example.com/x"], "not an absolute URL"),
        (&["sign", "GET", "mailto:a@example.com"], "no host"),
        (
            &["sign", "GET", KNOWN_URL, "--date", "now"],
            "is not a date",
        ),
        (
            &["sign", "GET", KNOWN_URL, "-H", "no-colon"],
            "is not NAME: VALUE",
        ),
        (
            &["sign", "GET", KNOWN_URL, "-H", "bad name: x"],
            "is not a header name",
        ),
        (
            &["sign", "GET", KNOWN_URL, "-H", "Authorization: x"],
            "the signature's own",
        ),
        (
            &["sign", "GET", KNOWN_URL, "--curl", "--send"],
            "cannot be used with",
        ),
    ];
    for (args, needle) in cases {
        let run = acs_env(args, KNOWN_CS);
        run.expect_code(2);
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.stderr);
    }
    acs_env(&["sign", "GET"], KNOWN_CS).expect_code(2);
    acs_env(&["sign", "PROPFIND", KNOWN_URL, "--send"], KNOWN_CS)
        .expect_code(2)
        .expect_error_line("--send supports DELETE, GET, HEAD, PATCH, POST and PUT");
}

#[test]
fn send_creates_an_identity_on_the_emulator() {
    let served = Served::start(EmulatorOptions::new());
    let run = acs_env(
        &[
            "sign",
            "POST",
            "/identities?api-version=2023-10-01",
            "-d",
            r#"{"createTokenWithScopes":["chat"]}"#,
            "--send",
            "--json",
        ],
        &served.connection_string(),
    );
    let report = run.expect_code(0).json();
    let response = &report["response"];
    assert_eq!(response["status"], json!(201));
    assert_eq!(response["reason"], "Created");
    assert!(response["headers"]["content-type"]
        .as_str()
        .unwrap()
        .starts_with("application/json"));
    let id = response["body"]["identity"]["id"].as_str().unwrap();
    let token = response["body"]["accessToken"]["token"].as_str().unwrap();
    let claims = served
        .emulator
        .verify_acs_token(token)
        .expect("a token the emulator issued");
    assert_eq!(claims.user_id(), id);
    assert_eq!(served.emulator.request_count(Route::CreateIdentity), 1);

    // Text: request and response, curl -v style.
    let text = acs_env(
        &[
            "sign",
            "POST",
            "/identities?api-version=2023-10-01",
            "--send",
        ],
        &served.connection_string(),
    );
    text.expect_code(0);
    assert!(text.stdout.contains("< 201 Created\n"), "{}", text.stdout);
    assert!(
        text.stdout
            .contains("> authorization: HMAC-SHA256 SignedHeaders="),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("\"identity\""), "{}", text.stdout);
    assert_eq!(served.emulator.request_count(Route::CreateIdentity), 2);
}

#[test]
fn service_errors_exit_1_with_the_error_code() {
    let served = Served::start(EmulatorOptions::new());
    let endpoint = served.emulator.endpoint().to_string();
    // Signed with another key: the emulator denies it.
    let wrong = format!("endpoint={endpoint};accesskey=pw==");
    let run = acs_env(
        &[
            "sign",
            "POST",
            "/identities?api-version=2023-10-01",
            "--send",
        ],
        &wrong,
    );
    run.expect_code(1)
        .expect_error_line("the service answered 401 Unauthorized")
        .expect_error_line("(error code: Denied)");
    assert!(run.stdout.contains("< 401 Unauthorized"), "{}", run.stdout);
    // A user of this resource that no longer exists.
    let cs = served.connection_string();
    let created = acs_env(
        &[
            "sign",
            "POST",
            "/identities?api-version=2023-10-01",
            "--send",
            "--json",
        ],
        &cs,
    )
    .expect_code(0)
    .json();
    let id = created["response"]["body"]["identity"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/identities/{id}?api-version=2023-10-01");
    acs_env(&["sign", "DELETE", &path, "--send"], &cs).expect_code(0);
    let missing = acs_env(&["sign", "DELETE", &path, "--send", "--json"], &cs);
    missing
        .expect_code(1)
        .expect_error_line("(error code: IdentityNotFound)");
    assert_eq!(missing.json()["response"]["status"], json!(404));
    assert_eq!(
        missing.json()["response"]["body"]["error"]["code"],
        "IdentityNotFound"
    );
}

#[test]
fn an_unreachable_service_exits_1() {
    // Bind then drop a listener: nothing listens on that port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cs = format!("endpoint=http://127.0.0.1:{port}/;accesskey=pw==");
    acs_env(&["sign", "GET", "/x", "--send"], &cs)
        .expect_code(1)
        .expect_error_line("the request to 127.0.0.1 failed");
}
