//! `acs token inspect`: the library's reading of a token, shown by the binary.

mod common;

use common::{acs, acs_stdin, command, jwt, run_command};
use serde_json::json;

/// 2023-11-14T22:13:20Z
const IAT: i64 = 1_700_000_000;
const EXP: i64 = IAT + 3_600;
const AT_RFC3339: &str = "2023-11-14T22:43:20Z"; // IAT + 30 min

fn acs_token() -> String {
    jwt(&json!({
        "skypeid": "acs:res_user",
        "scp": 1792,
        "acsScope": "chat,voip",
        "resourceId": "res",
        "iat": IAT,
        "exp": EXP,
    }))
}

#[test]
fn a_jwt_shows_header_claims_acs_claims_and_times_in_utc_and_local() {
    let token = acs_token();
    let mut cmd = command(&["token", "inspect", &token, "--at", AT_RFC3339]);
    cmd.env("TZ", "XYZ-5:30");
    let run = run_command(cmd, b"");
    run.expect_code(0);
    let out = &run.stdout;
    assert!(out.contains("kind:        JWT\n"), "{out}");
    assert!(
        out.contains(r#"header:      {"alg":"HS256","typ":"JWT"}"#),
        "{out}"
    );
    assert!(out.contains("skypeid:     acs:res_user\n"), "{out}");
    assert!(out.contains("scp:         1792\n"), "{out}");
    assert!(out.contains("acsScope:    chat,voip\n"), "{out}");
    assert!(out.contains("resourceId:  res\n"), "{out}");
    assert!(
        out.contains("issued at:   2023-11-14 22:13:20 UTC (2023-11-15 03:43:20 +05:30 local)"),
        "{out}"
    );
    assert!(
        out.contains("expires at:  2023-11-14 23:13:20 UTC (2023-11-15 04:43:20 +05:30 local)"),
        "{out}"
    );
    assert!(out.contains("status:      valid for 30m 0s more"), "{out}");
    assert!(!out.contains(&token) && !run.stderr.contains(&token));
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn json_report_shape() {
    let run = acs(&[
        "token",
        "inspect",
        &acs_token(),
        "--at",
        AT_RFC3339,
        "--json",
    ]);
    run.expect_code(0);
    let report = run.json();
    assert_eq!(report["kind"], "jwt");
    assert_eq!(report["diagnosis"], json!(null));
    assert_eq!(report["header"], json!({"alg": "HS256", "typ": "JWT"}));
    assert_eq!(report["claims"]["exp"], json!(EXP));
    assert_eq!(
        report["acs"],
        json!({"skypeid": "acs:res_user", "scp": 1792, "acsScope": "chat,voip", "resourceId": "res"})
    );
    assert_eq!(
        report["issuedAt"],
        json!({"unix": IAT, "utc": "2023-11-14T22:13:20Z", "local": "2023-11-14T22:13:20Z"})
    );
    assert_eq!(report["expiresOn"]["unix"], json!(EXP));
    assert_eq!(report["expiresOn"]["utc"], "2023-11-14T23:13:20Z");
    assert_eq!(report["expiryAssumed"], json!(false));
    assert_eq!(report["expired"], json!(false));
    assert_eq!(report["secondsLeft"], json!(1_800));
    assert_eq!(report["at"]["utc"], AT_RFC3339);
    assert!(
        report.get("token").is_none(),
        "no token without --show-token"
    );
}

#[test]
fn the_expiry_is_the_librarys() {
    // Fractional and standard-alphabet cases go through parse_token, not the CLI.
    let token = jwt(&json!({"exp": 1_700_000_000.75}));
    let report = acs(&[
        "token",
        "inspect",
        &token,
        "--at",
        "2023-11-14T22:13:20Z",
        "--json",
    ])
    .expect_code(0)
    .json();
    let library = azure_communication_common::parse_token(&token).unwrap();
    assert_eq!(
        report["expiresOn"]["unix"],
        json!(library.expires_on.unix_timestamp())
    );
    assert_eq!(report["expiresOn"]["utc"], "2023-11-14T22:13:20.75Z");
    assert_eq!(report["secondsLeft"], json!(0));
}

#[test]
fn an_expired_token_is_reported_and_exits_1() {
    let run = acs(&[
        "token",
        "inspect",
        &acs_token(),
        "--at",
        "2023-11-15T01:13:20Z",
    ]);
    run.expect_code(1)
        .expect_error_line("the token expired 2h 0m 0s ago, at 2023-11-14 23:13:20 UTC");
    assert!(
        run.stdout.contains("status:      expired 2h 0m 0s ago"),
        "{}",
        run.stdout
    );
    let json = acs(&[
        "token",
        "inspect",
        &acs_token(),
        "--at",
        "2023-11-15T01:13:20Z",
        "--json",
    ]);
    json.expect_code(1);
    assert_eq!(json.json()["expired"], json!(true));
    assert_eq!(json.json()["secondsLeft"], json!(-7_200));
}

#[test]
fn show_token_prints_the_token() {
    let token = acs_token();
    let run = acs(&[
        "token",
        "inspect",
        &token,
        "--at",
        AT_RFC3339,
        "--show-token",
    ]);
    run.expect_code(0);
    assert!(run.stdout.contains(&format!("token:       {token}\n")));
    let report = acs(&[
        "token",
        "inspect",
        &token,
        "--at",
        AT_RFC3339,
        "--show-token",
        "--json",
    ])
    .expect_code(0)
    .json();
    assert_eq!(report["token"], json!(token));
}

#[test]
fn reads_stdin_without_an_argument_or_with_dash() {
    let token = acs_token();
    for args in [
        vec!["token", "inspect", "--at", AT_RFC3339, "--json"],
        vec!["token", "inspect", "-", "--at", AT_RFC3339, "--json"],
    ] {
        // echo "$TOKEN" | acs token inspect: one newline is not part of the token
        for input in [format!("{token}\n"), format!("{token}\r\n"), token.clone()] {
            let report = acs_stdin(&args, &input).expect_code(0).json();
            assert_eq!(report["kind"], "jwt");
            assert_eq!(report["secondsLeft"], json!(1_800));
        }
    }
    // A second newline is whitespace the library diagnoses.
    acs_stdin(&["token", "inspect"], &format!("{token}\n\n"))
        .expect_code(1)
        .expect_error_line("whitespace");
}

#[test]
fn common_mistakes_get_the_librarys_diagnosis_and_never_echo_the_token() {
    let token = acs_token();
    let cases = [
        (format!("Bearer {token}"), "starts with `Bearer `"),
        (
            json!({"token": token, "expiresOn": "2023-11-14T23:13:20Z"}).to_string(),
            "looks like a JSON response",
        ),
        (format!("\"{token}\""), "wrapped in quotes"),
        (format!("{token} "), "leading or trailing whitespace"),
        (format!("{token}%3D"), "the character '%'"),
        ("   ".to_owned(), "Invalid token: token must not be empty."),
    ];
    for (input, needle) in cases {
        let library = azure_communication_common::parse_token(&input)
            .unwrap_err()
            .to_string();
        assert!(library.contains(needle), "{library}");
        let run = acs(&["token", "inspect", &input]);
        run.expect_code(1).expect_error_line(&library);
        assert!(!run.stdout.contains(&token) && !run.stderr.contains(&token));
        let report = acs(&["token", "inspect", &input, "--json"])
            .expect_code(1)
            .json();
        assert_eq!(report["kind"], "invalid");
        assert_eq!(report["diagnosis"], json!(library));
        assert!(!report.to_string().contains(&token));
    }
}

#[test]
fn an_opaque_token_gets_the_librarys_assumed_lifetime() {
    let run = acs(&[
        "token",
        "inspect",
        "opaque-token~value",
        "--at",
        AT_RFC3339,
        "--json",
    ]);
    let report = run.expect_code(0).json();
    assert_eq!(report["kind"], "opaque");
    assert_eq!(report["expiryAssumed"], json!(true));
    assert_eq!(
        report["secondsLeft"],
        json!(azure_communication_common::DEFAULT_UNDECODABLE_TOKEN_LIFETIME.whole_seconds())
    );
    assert_eq!(report["header"], json!(null));
    let text = acs(&["token", "inspect", "opaque-token~value", "--at", AT_RFC3339]);
    assert!(
        text.stdout.contains("kind:        opaque"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("the library assumes 600 s from now"),
        "{}",
        text.stdout
    );
}

#[test]
fn a_jwt_without_exp_is_opaque_with_a_note() {
    let token = jwt(&json!({"skypeid": "acs:r_u", "exp": "tomorrow"}));
    let report = acs(&["token", "inspect", &token, "--at", AT_RFC3339, "--json"])
        .expect_code(0)
        .json();
    assert_eq!(report["kind"], "opaque");
    assert_eq!(report["acs"]["skypeid"], "acs:r_u");
    assert!(report["note"]
        .as_str()
        .unwrap()
        .contains("no numeric `exp`"));
}

#[test]
fn bad_arguments_are_usage_errors() {
    let token = acs_token();
    let run = acs(&["token", "inspect", &token, "--at", "yesterday"]);
    run.expect_code(2);
    assert!(run.stderr.contains("is not a date"), "{}", run.stderr);
    acs(&["token", "inspect", &token, "extra"]).expect_code(2);
    acs(&["token", "inspect", "--bogus"]).expect_code(2);
    acs(&["token"]).expect_code(2);
}
