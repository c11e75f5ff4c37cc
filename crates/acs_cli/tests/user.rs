//! `acs user ...` through the identity client, against the emulator.

mod common;

use acs_emulator::{EmulatorOptions, Route};
use common::{acs, acs_env, command, run_command, Served};
use serde_json::json;

fn served() -> Served {
    Served::start(EmulatorOptions::new())
}

#[test]
fn create_without_a_token() {
    let served = served();
    let cs = served.connection_string();
    let report = acs_env(&["user", "create", "--json"], &cs)
        .expect_code(0)
        .json();
    assert_eq!(report.as_object().unwrap().len(), 1, "{report}");
    assert!(report["user"].as_str().unwrap().starts_with("8:acs:"));
    let text = acs_env(&["user", "create"], &cs)
        .expect_code(0)
        .stdout
        .clone();
    assert!(
        text.starts_with("user:        8:acs:") && text.lines().count() == 1,
        "{text}"
    );
    assert_eq!(served.emulator.request_count(Route::CreateIdentity), 2);
}

#[test]
fn create_with_a_token_hides_it_unless_asked() {
    let served = served();
    let cs = served.connection_string();
    let run = acs_env(
        &[
            "user",
            "create",
            "--token",
            "--scopes",
            "chat,voip",
            "--expires-in",
            "2h",
            "--json",
        ],
        &cs,
    );
    let report = run.expect_code(0).json();
    let token = &report["accessToken"];
    assert_eq!(token["scopes"], json!(["chat", "voip"]));
    assert!(
        token.get("token").is_none(),
        "no token without --show-token: {report}"
    );
    let expires = token["expiresOn"]["unix"].as_i64().unwrap();
    assert!(token["expiresOn"]["utc"].as_str().unwrap().ends_with('Z'));

    let shown = acs_env(
        &[
            "user",
            "create",
            "--token",
            "--scopes",
            "voip",
            "--scopes",
            "chat",
            "--expires-in",
            "2h",
            "--show-token",
            "--json",
        ],
        &cs,
    )
    .expect_code(0)
    .json();
    let secret = shown["accessToken"]["token"]
        .as_str()
        .expect("--show-token prints it");
    let claims = served
        .emulator
        .verify_acs_token(secret)
        .expect("issued by the emulator");
    assert_eq!(claims.user_id(), shown["user"].as_str().unwrap());
    // 2h as asked (the emulator's clock, so compare the two tokens' lifetimes
    // through the inspect command rather than the wall clock).
    let inspected = acs(&["token", "inspect", secret, "--json"])
        .expect_code(0)
        .json();
    let lifetime = inspected["expiresOn"]["unix"].as_i64().unwrap()
        - inspected["issuedAt"]["unix"].as_i64().unwrap();
    assert_eq!(lifetime, 2 * 3600);
    assert!((expires - inspected["expiresOn"]["unix"].as_i64().unwrap()).abs() < 3600);
    assert_eq!(inspected["acs"]["acsScope"], "voip,chat");

    let text = acs_env(&["user", "create", "--token"], &cs);
    text.expect_code(0);
    assert!(
        text.stdout.contains("scopes:      chat\n"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("token:       (not shown; pass --show-token to print it)"),
        "{}",
        text.stdout
    );
    assert!(!text.stdout.contains("eyJ"), "{}", text.stdout);
}

#[test]
fn token_revoke_and_delete_a_user() {
    let served = served();
    let cs = served.connection_string();
    let user = acs_env(&["user", "create", "--json"], &cs)
        .expect_code(0)
        .json()["user"]
        .as_str()
        .unwrap()
        .to_owned();

    let issued = acs_env(
        &[
            "user",
            "token",
            &user,
            "--scopes",
            "chat",
            "--show-token",
            "--json",
        ],
        &cs,
    )
    .expect_code(0)
    .json();
    assert_eq!(issued["user"], json!(user));
    let token = issued["accessToken"]["token"].as_str().unwrap().to_owned();
    served
        .emulator
        .verify_acs_token(&token)
        .expect("valid before revoke");

    // The id from standard input.
    let mut revoke = command(&["user", "revoke", "-", "--json"]);
    revoke.env("ACS_CONNECTION_STRING", &cs);
    let revoked = run_command(revoke, format!("{user}\n").as_bytes())
        .expect_code(0)
        .json();
    assert_eq!(revoked, json!({"user": user, "revoked": true}));
    assert!(served.emulator.verify_acs_token(&token).is_err(), "revoked");

    let text = acs_env(&["user", "delete", &user], &cs);
    assert_eq!(text.expect_code(0).stdout, format!("deleted {user}\n"));
    acs_env(&["user", "delete", &user, "--json"], &cs)
        .expect_code(1)
        .expect_error_line("the service answered 404 Not Found")
        .expect_error_line("(error code: IdentityNotFound)");
    acs_env(&["user", "token", &user], &cs)
        .expect_code(1)
        .expect_error_line("(error code: IdentityNotFound)");
    acs_env(&["user", "revoke", &user], &cs)
        .expect_code(1)
        .expect_error_line("(error code: IdentityNotFound)");
    assert_eq!(served.emulator.request_count(Route::DeleteIdentity), 2);
}

#[test]
fn service_errors_carry_their_code() {
    let served = served();
    let cs = served.connection_string();
    // A scope the service does not know.
    acs_env(&["user", "create", "--token", "--scopes", "bogus"], &cs)
        .expect_code(1)
        .expect_error_line("(error code: ValidationError)");
    // Another key: the emulator denies the signature.
    let wrong = format!("endpoint={};accesskey=pw==", served.emulator.endpoint());
    acs_env(&["user", "create"], &wrong)
        .expect_code(1)
        .expect_error_line("(error code: Denied)");
}

#[test]
fn bad_arguments_are_usage_errors_and_send_nothing() {
    let served = served();
    let cs = served.connection_string();
    let cases: [(&[&str], &str); 8] = [
        (
            &["user", "token", "4:+14255550123"],
            "is a phoneNumber identifier, not an ACS user id",
        ),
        (&["user", "delete", "not-an-id"], "is a unknown identifier"),
        (
            &["user", "token", "8:acs:x", "--expires-in", "30m"],
            "--expires-in must be whole minutes from 60m to 1440m",
        ),
        (
            &["user", "token", "8:acs:x", "--expires-in", "90s"],
            "--expires-in must be whole minutes",
        ),
        (
            &["user", "token", "8:acs:x", "--expires-in", "soon"],
            "is not a duration",
        ),
        (
            &["user", "token", "8:acs:x", "--scopes", ","],
            "--scopes needs at least one scope",
        ),
        (&["user", "create", "--scopes", "voip"], "add --token"),
        (&["user", "create", "--entra"], "--endpoint"),
    ];
    for (args, needle) in cases {
        let run = acs_env(args, &cs);
        run.expect_code(2);
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.stderr);
    }
    acs(&["user", "create"])
        .expect_code(2)
        .expect_error_line("ACS_CONNECTION_STRING");
    acs(&[
        "user",
        "create",
        "--connection-string",
        "endpoint=https://x/",
    ])
    .expect_code(2)
    .expect_error_line("the connection string is not usable");
    acs(&["user", "token"]).expect_code(2);
    assert_eq!(served.emulator.request_count(Route::CreateIdentity), 0);
    assert_eq!(served.emulator.request_count(Route::IssueAccessToken), 0);
}

#[test]
fn entra_sign_in_failures_exit_1_with_the_reason() {
    // No developer tools on PATH: the credential says so, nothing is sent.
    let mut cmd = command(&[
        "user",
        "create",
        "--entra",
        "--endpoint",
        "https://127.0.0.1:9/",
    ]);
    cmd.env("PATH", "");
    let run = run_command(cmd, b"");
    run.expect_code(1).expect_error_line("AzureCliCredential");
    acs(&[
        "user",
        "create",
        "--entra",
        "--endpoint",
        "endpoint=https://x/;accesskey=pw==",
    ])
    .expect_code(2)
    .expect_error_line("--endpoint");
}

#[test]
fn every_user_command_has_help() {
    for sub in ["create", "token", "revoke", "delete"] {
        let run = acs(&["user", sub, "--help"]);
        run.expect_code(0);
        assert!(
            run.stdout.contains(&format!("Usage: acs user {sub}")),
            "{}",
            run.stdout
        );
        assert!(run.stdout.contains("--connection-string"), "{}", run.stdout);
    }
}
