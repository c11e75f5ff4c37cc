//! The identity client's response handling: each operation of
//! `CommunicationIdentityClient` against a transport that answers with a
//! fuzzer-chosen status, headers and body (no retries).
//!
//! Bodies are either raw bytes or built from fuzzer-chosen values in the
//! service's shapes (created user, access token, ACS error, an error echoing
//! the Teams user's Entra token with some characters JSON-escaped).
//!
//! Invariants:
//! * nothing panics;
//! * an operation succeeds only when the status is its success status
//!   (201, 200 or 204), and then returns exactly what the body says: the
//!   user id, the token and its `expiresOn`; a body in the service's shape
//!   with that status always succeeds;
//! * any other status is an `ErrorKind::HttpResponse` error with that
//!   status, the raw response kept, and a `CommunicationServiceError` with
//!   the same status, the code of the `x-ms-error-code` header or else of
//!   the body, the body's target, the `x-ms-request-id`, and a non-empty
//!   message;
//! * a success status with a body not in the shape is a `DataConversion`
//!   error that does not quote the body's token;
//! * the Teams user's Entra token never appears in an error's `Display` or
//!   `Debug`, its service error, or the raw response body and headers it
//!   keeps, whether the service echoed it verbatim or JSON-escaped; the
//!   code, target and request id are what the service sent with the token
//!   replaced by `<redacted>`, and a body without the token is kept byte for
//!   byte.
//!
//! Shared by `fuzz/fuzz_targets/identity_response.rs` and the property run
//! in `crates/azure_communication_identity/tests/fuzz_invariants.rs`.

use arbitrary::{Arbitrary, Unstructured};
use azure_communication_common::CommunicationUserIdentifier;
use azure_communication_identity::{
    CommunicationIdentityClient, CommunicationIdentityClientOptions, CommunicationServiceError,
    CommunicationTokenScope,
};
use azure_core::credentials::Secret;
use azure_core::error::ErrorKind;
use azure_core::http::headers::{HeaderName, Headers};
use azure_core::http::{
    AsyncRawResponse, ClientOptions, HttpClient, Request, RetryOptions, StatusCode, Transport,
};
use azure_core::time::OffsetDateTime;
use std::sync::{Arc, Mutex};

/// The Teams user's Entra token the exchange sends (a secret).
const ENTRA_TOKEN: &str = "eyJ0eXAiOiJKV1QifQ.eyJvaWQiOiJmdXp6In0.Zm1penotZW50cmEtc2VjcmV0";
/// What the client shows instead of the Entra token.
const REDACTED: &str = "<redacted>";

/// The user the per-user operations name.
const USER: &str = "8:acs:00000000-0000-4000-8000-0000000f0220_0000-fuzz";

/// What the transport answers next.
#[derive(Debug, Default)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// A transport answering every request with the current [`Answer`].
#[derive(Debug, Default, Clone)]
struct Scripted(Arc<Mutex<Answer>>);

#[async_trait::async_trait]
impl HttpClient for Scripted {
    async fn execute_request(&self, _request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let answer = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let mut headers = Headers::new();
        for (name, value) in &answer.headers {
            headers.insert(HeaderName::from(name.clone()), value.clone());
        }
        Ok(AsyncRawResponse::from_bytes(
            StatusCode::from(answer.status),
            headers,
            answer.body.clone(),
        ))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Arbitrary)]
enum Op {
    CreateUser,
    CreateUserAndToken,
    GetToken,
    RevokeTokens,
    DeleteUser,
    TeamsUser,
}

impl Op {
    fn success(self) -> u16 {
        match self {
            Op::CreateUser | Op::CreateUserAndToken => 201,
            Op::GetToken | Op::TeamsUser => 200,
            Op::RevokeTokens | Op::DeleteUser => 204,
        }
    }
}

#[derive(Debug, Arbitrary)]
enum StatusIn {
    Success,
    Common(u8),
    Any(u16),
}

const COMMON_STATUSES: [u16; 12] = [200, 201, 204, 400, 401, 403, 404, 409, 429, 500, 503, 302];

#[derive(Debug, Arbitrary)]
enum JsonIn {
    Str(String),
    Int(i64),
    Bool(bool),
    Null,
    Object,
}

impl JsonIn {
    fn value(&self) -> serde_json::Value {
        match self {
            JsonIn::Str(s) => s.as_str().into(),
            JsonIn::Int(i) => (*i).into(),
            JsonIn::Bool(b) => (*b).into(),
            JsonIn::Null => serde_json::Value::Null,
            JsonIn::Object => serde_json::json!({}),
        }
    }
}

#[derive(Debug, Arbitrary)]
enum ExpiresIn {
    /// Unix seconds, nanoseconds and a UTC offset in minutes, as RFC 3339.
    Date(i64, u32, i16),
    Other(JsonIn),
}

#[derive(Debug, Arbitrary)]
struct TokenIn {
    token: Option<JsonIn>,
    expires_on: Option<ExpiresIn>,
}

#[derive(Debug, Arbitrary)]
enum BodyIn {
    Raw(Vec<u8>),
    Created {
        id: Option<JsonIn>,
        token: Option<TokenIn>,
    },
    Token(TokenIn),
    Error {
        code: Option<JsonIn>,
        message: Option<JsonIn>,
        target: Option<JsonIn>,
    },
    /// An error body whose message quotes the Entra token, with the
    /// characters the mask selects written as `\uXXXX`.
    EchoSecret {
        escape: u64,
    },
}

#[derive(Debug, Arbitrary)]
enum HeaderIn {
    ErrorCode(String),
    RequestId(String),
    ContentType(String),
    RetryAfter(String),
    Other(String, String),
}

#[derive(Debug, Arbitrary)]
struct Input {
    op: Op,
    status: StatusIn,
    headers: Vec<HeaderIn>,
    body: BodyIn,
}

struct Harness {
    runtime: tokio::runtime::Runtime,
    client: CommunicationIdentityClient,
    answer: Scripted,
}

thread_local! {
    static HARNESS: Harness = {
        let answer = Scripted::default();
        let options = CommunicationIdentityClientOptions {
            client_options: ClientOptions {
                transport: Some(Transport::new(Arc::new(answer.clone()))),
                retry: RetryOptions::none(),
                ..Default::default()
            },
            ..Default::default()
        };
        let client = CommunicationIdentityClient::from_connection_string(
            "endpoint=https://contoso.communication.azure.com/;accesskey=cHc9PQ==",
            Some(options),
        )
        .expect("a valid connection string");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        Harness { runtime, client, answer }
    };
}

/// The date of `Date(..)`, when it is one `time` can represent.
fn date_of(secs: i64, nanos: u32, offset_minutes: i16) -> Option<OffsetDateTime> {
    let utc = OffsetDateTime::from_unix_timestamp(secs).ok()?;
    let utc = utc.replace_nanosecond(nanos % 1_000_000_000).ok()?;
    let offset =
        time::UtcOffset::from_whole_seconds(i32::from(offset_minutes % (24 * 60)) * 60).ok()?;
    utc.checked_to_offset(offset)
}

/// The wire value of `expiresOn`, and the instant a correct client reads
/// from it (`None`: not a date it must accept).
fn expires_on(e: &ExpiresIn) -> (serde_json::Value, Option<OffsetDateTime>) {
    match e {
        ExpiresIn::Date(secs, nanos, offset) => match date_of(*secs, *nanos, *offset) {
            Some(date) if (1..=9999).contains(&date.year()) => {
                let text = date
                    .format(&time::format_description::well_known::Rfc3339)
                    .expect("years 1 to 9999 format");
                (text.into(), Some(date))
            }
            _ => (serde_json::Value::Null, None),
        },
        // A fuzzer-chosen string may be a date too: the client reads exactly
        // what azure_core's RFC 3339 parser reads (regression
        // fuzz/regressions/identity_response/expires-on-string-date).
        ExpiresIn::Other(json) => {
            let value = json.value();
            let date = value
                .as_str()
                .and_then(|text| azure_core::time::parse_rfc3339(text).ok());
            (value, date)
        }
    }
}

/// The body and what a correct client makes of it (for the built shapes).
struct Built {
    body: Vec<u8>,
    /// The user id a created-user body names (a string).
    user: Option<String>,
    /// The token and expiry a token body holds, when both are valid.
    token: Option<(String, OffsetDateTime)>,
    /// Whether the body has a token member at all (create_user_and_token needs one).
    token_present: bool,
    /// Built in the service's shape (no duplicate keys).
    structured: bool,
}

/// Every ASCII letter and digit moved along its alphabet (same length, same
/// JSON escaping): a different token.
fn rotate(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'a'..='y' | 'A'..='Y' | '0'..='8' => char::from(c as u8 + 1),
            'z' => 'a',
            'Z' => 'A',
            '9' => '0',
            c => c,
        })
        .collect()
}

fn token_object(
    t: &TokenIn,
    rotated: bool,
) -> (serde_json::Value, Option<(String, OffsetDateTime)>) {
    let mut object = serde_json::Map::new();
    let token = t.token.as_ref().map(|token| match token {
        JsonIn::Str(s) if rotated => rotate(s).into(),
        other => other.value(),
    });
    if let Some(token) = &token {
        object.insert("token".into(), token.clone());
    }
    let mut when = None;
    if let Some(e) = &t.expires_on {
        let (value, date) = expires_on(e);
        object.insert("expiresOn".into(), value);
        when = date;
    }
    let parsed = match (token.as_ref().and_then(|t| t.as_str()), when) {
        (Some(token), Some(when)) => Some((token.to_owned(), when)),
        _ => None,
    };
    (object.into(), parsed)
}

fn escaped_secret(mask: u64) -> String {
    let mut out = String::new();
    for (i, c) in ENTRA_TOKEN.chars().enumerate() {
        if mask & (1 << (i % 64)) != 0 {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

fn build(body: &BodyIn, rotated: bool) -> Built {
    let mut built = Built {
        body: Vec::new(),
        user: None,
        token: None,
        token_present: false,
        structured: true,
    };
    let value = match body {
        BodyIn::Raw(bytes) => {
            built.body = bytes.clone();
            built.structured = false;
            return built;
        }
        BodyIn::Created { id, token } => {
            let mut object = serde_json::Map::new();
            if let Some(id) = id {
                let mut identity = serde_json::Map::new();
                let id = id.value();
                built.user = id.as_str().map(str::to_owned);
                identity.insert("id".into(), id);
                object.insert("identity".into(), identity.into());
            }
            if let Some(token) = token {
                let (value, parsed) = token_object(token, rotated);
                object.insert("accessToken".into(), value);
                built.token = parsed;
                built.token_present = true;
            }
            object.into()
        }
        BodyIn::Token(token) => {
            let (value, parsed) = token_object(token, rotated);
            built.token = parsed;
            built.token_present = true;
            value
        }
        BodyIn::Error {
            code,
            message,
            target,
        } => {
            let mut error = serde_json::Map::new();
            for (name, value) in [("code", code), ("message", message), ("target", target)] {
                if let Some(value) = value {
                    error.insert(name.into(), value.value());
                }
            }
            serde_json::json!({ "error": error })
        }
        BodyIn::EchoSecret { escape } => {
            built.body = format!(
                r#"{{"error":{{"code":"InvalidAccessToken","message":"The token {} is not valid."}}}}"#,
                escaped_secret(*escape)
            )
            .into_bytes();
            return built;
        }
    };
    built.body = serde_json::to_vec(&value).expect("a JSON value serializes");
    built
}

/// What an operation returned, reduced to what the checks compare.
enum Outcome {
    User(String),
    Token(String, OffsetDateTime),
    UserAndToken(String, String, OffsetDateTime),
    Done,
}

async fn run(client: &CommunicationIdentityClient, op: Op) -> azure_core::Result<Outcome> {
    let user = CommunicationUserIdentifier::new(USER);
    let scopes = [CommunicationTokenScope::Chat];
    Ok(match op {
        Op::CreateUser => Outcome::User(client.create_user(None).await?.id().to_owned()),
        Op::CreateUserAndToken => {
            let made = client.create_user_and_token(&scopes, None, None).await?;
            Outcome::UserAndToken(
                made.user.id().to_owned(),
                made.access_token.token.secret().to_owned(),
                made.access_token.expires_on,
            )
        }
        Op::GetToken => {
            let token = client.get_token(&user, &scopes, None, None).await?;
            Outcome::Token(token.token.secret().to_owned(), token.expires_on)
        }
        Op::RevokeTokens => {
            client.revoke_tokens(&user, None).await?;
            Outcome::Done
        }
        Op::DeleteUser => {
            client.delete_user(&user, None).await?;
            Outcome::Done
        }
        Op::TeamsUser => {
            let secret = Secret::new(ENTRA_TOKEN);
            let token = client
                .get_token_for_teams_user(&secret, "app", "user", None)
                .await?;
            Outcome::Token(token.token.secret().to_owned(), token.expires_on)
        }
    })
}

/// A member of a JSON object, or the element at `index` of an array: serde's
/// derived `Deserialize` reads a struct from either (the client accepts
/// `[{"id":"..."}]` for a created user, harmlessly).
fn member<'a>(value: &'a serde_json::Value, name: &str, index: usize) -> &'a serde_json::Value {
    match value {
        serde_json::Value::Array(items) => items.get(index).unwrap_or(&serde_json::Value::Null),
        other => &other[name],
    }
}

/// The status a transport hands over for `status`.
fn status_of(op: Op, status: &StatusIn) -> u16 {
    match status {
        StatusIn::Success => op.success(),
        StatusIn::Common(i) => COMMON_STATUSES[usize::from(*i) % COMMON_STATUSES.len()],
        // A transport only hands over three-digit statuses.
        StatusIn::Any(code) => 100 + code % 900,
    }
}

/// Headers as a real transport hands them over: HTTP token names
/// (lower-cased), visible-ASCII values, the last value of a repeated name.
fn headers_of(input: &[HeaderIn]) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = Vec::new();
    for header in input {
        let (name, value) = match header {
            HeaderIn::ErrorCode(v) => ("x-ms-error-code", v.as_str()),
            HeaderIn::RequestId(v) => ("x-ms-request-id", v.as_str()),
            HeaderIn::ContentType(v) => ("content-type", v.as_str()),
            HeaderIn::RetryAfter(v) => ("retry-after", v.as_str()),
            HeaderIn::Other(n, v) => (n.as_str(), v.as_str()),
        };
        let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if name.is_empty() || !name.chars().all(token) {
            continue;
        }
        if !value.chars().all(|c| c == '\t' || (' '..='~').contains(&c)) {
            continue;
        }
        let name = name.to_ascii_lowercase();
        headers.retain(|(n, _)| *n != name);
        headers.push((name, value.to_owned()));
    }
    headers
}

/// Whether `body` holds the Entra token, verbatim or in a JSON string once
/// decoded (`eyJ0\u0065...`).
fn echoes_secret(body: &[u8]) -> bool {
    String::from_utf8_lossy(body).contains(ENTRA_TOKEN)
        || serde_json::from_slice::<serde_json::Value>(body)
            .is_ok_and(|json| json.to_string().contains(ENTRA_TOKEN))
}

/// A value the service sent as the client shows it: for the Teams user
/// exchange, with the Entra token redacted.
fn shown(op: Op, value: &str) -> String {
    if op == Op::TeamsUser {
        value.replace(ENTRA_TOKEN, REDACTED)
    } else {
        value.to_owned()
    }
}

/// Runs `op` against a transport answering `status`, `headers`, `body`.
fn answer(
    op: Op,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
) -> azure_core::Result<Outcome> {
    HARNESS.with(|h| {
        *h.answer.0.lock().unwrap_or_else(|e| e.into_inner()) = Answer {
            status,
            headers: headers.to_vec(),
            body: body.to_vec(),
        };
        h.runtime.block_on(run(&h.client, op))
    })
}

/// Checks one input.
pub fn check(data: &[u8]) {
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let op = input.op;
    let status = status_of(op, &input.status);
    let headers = headers_of(&input.headers);
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let built = build(&input.body, false);
    let success = status == op.success();
    match answer(op, status, &headers, &built.body) {
        Ok(outcome) => {
            assert!(success, "{op:?} succeeded with status {status}");
            let json = || -> serde_json::Value {
                serde_json::from_slice(&built.body).expect("a successful body is JSON")
            };
            match outcome {
                Outcome::User(id) => {
                    let json = json();
                    let identity = member(&json, "identity", 0);
                    assert_eq!(member(identity, "id", 0).as_str(), Some(id.as_str()));
                }
                Outcome::UserAndToken(id, token, when) => {
                    let json = json();
                    let identity = member(&json, "identity", 0);
                    assert_eq!(member(identity, "id", 0).as_str(), Some(id.as_str()));
                    let access = member(&json, "accessToken", 1);
                    assert_eq!(member(access, "token", 0).as_str(), Some(token.as_str()));
                    if built.structured {
                        assert_eq!(built.token.as_ref(), Some(&(token, when)));
                    }
                }
                Outcome::Token(token, when) => {
                    assert_eq!(member(&json(), "token", 0).as_str(), Some(token.as_str()));
                    if built.structured {
                        assert_eq!(built.token.as_ref(), Some(&(token, when)));
                    }
                }
                Outcome::Done => {}
            }
        }
        Err(error) => {
            let display = error.to_string();
            let debug = format!("{error:?}");
            assert!(
                !display.trim().is_empty(),
                "an error without a message: {debug}"
            );
            if op == Op::TeamsUser {
                assert!(!display.contains(ENTRA_TOKEN), "Entra token in {display}");
                assert!(!debug.contains(ENTRA_TOKEN), "Entra token in {debug}");
            }
            if success {
                // the status was right: the body was not
                assert_eq!(
                    *error.kind(),
                    ErrorKind::DataConversion,
                    "{op:?} with status {status}: {debug}"
                );
                if built.structured {
                    let shaped = match op {
                        Op::CreateUser => built.user.is_some() && !built.token_present,
                        Op::CreateUserAndToken => built.user.is_some() && built.token.is_some(),
                        Op::GetToken | Op::TeamsUser => {
                            matches!(input.body, BodyIn::Token(_)) && built.token.is_some()
                        }
                        Op::RevokeTokens | Op::DeleteUser => false,
                    };
                    assert!(!shaped, "{op:?} refused a body in its shape: {debug}");
                    // Non-interference: another token gives the same message.
                    let other = build(&input.body, true);
                    if other.body != built.body {
                        let again = answer(op, status, &headers, &other.body)
                            .err()
                            .map(|e| e.to_string());
                        assert_eq!(
                            again.as_deref(),
                            Some(display.as_str()),
                            "the message depends on the token"
                        );
                    }
                }
            } else {
                check_service_error(&error, status, &headers, &built, op, header);
            }
        }
    }
}

fn check_service_error(
    error: &azure_core::Error,
    status: u16,
    headers: &[(String, String)],
    built: &Built,
    op: Op,
    header: impl Fn(&str) -> Option<String>,
) {
    let debug = format!("{error:?}");
    let ErrorKind::HttpResponse {
        status: kind_status,
        error_code,
        raw_response,
    } = error.kind()
    else {
        panic!("status {status} is not an HTTP response error: {debug}");
    };
    assert_eq!(u16::from(*kind_status), status, "{debug}");
    let raw = raw_response.as_ref().expect("the raw response is kept");
    assert_eq!(u16::from(raw.status()), status);
    let service = error
        .downcast_ref::<CommunicationServiceError>()
        .unwrap_or_else(|| panic!("not a service error: {debug}"));
    assert_eq!(u16::from(service.status()), status);
    assert_eq!(error_code.as_deref(), service.code());
    assert!(!service.message().is_empty(), "{debug}");
    let shown_header = |name: &str| header(name).map(|v| shown(op, &v));
    assert_eq!(
        service.request_id(),
        shown_header("x-ms-request-id").as_deref()
    );
    let raw_body = String::from_utf8_lossy(raw.body());
    if op == Op::TeamsUser {
        let text = format!("{service} {service:?}");
        assert!(!text.contains(ENTRA_TOKEN), "Entra token in {text}");
        assert!(
            !raw_body.contains(ENTRA_TOKEN),
            "Entra token in the raw body"
        );
        if let Ok(json) = serde_json::from_slice::<serde_json::Value>(raw.body()) {
            assert!(
                !json.to_string().contains(ENTRA_TOKEN),
                "Entra token JSON-escaped in the raw body {raw_body}"
            );
        }
    }
    if op != Op::TeamsUser || !echoes_secret(&built.body) {
        assert_eq!(
            raw.body().as_ref(),
            built.body.as_slice(),
            "the raw body is kept"
        );
    }
    for (name, value) in headers {
        assert_eq!(
            raw.headers()
                .get_optional_str(&HeaderName::from(name.clone())),
            Some(shown(op, value).as_str()),
            "header {name} kept"
        );
    }
    if built.structured {
        if let Ok(json) = serde_json::from_slice::<serde_json::Value>(&built.body) {
            // The body is read as an ACS error when each member present is a
            // string (or null).
            let detail = &json["error"];
            let readable = ["code", "message", "target"]
                .iter()
                .all(|name| detail[name].is_null() || detail[name].is_string());
            let (body_code, target) = if readable {
                (detail["code"].as_str(), detail["target"].as_str())
            } else {
                (None, None)
            };
            // The code and target as sent, the Entra token redacted
            // (regression fuzz/regressions/identity_response/redacted-error-code).
            assert_eq!(
                service.code(),
                shown_header("x-ms-error-code")
                    .or(body_code.map(|c| shown(op, c)))
                    .as_deref(),
                "{debug}"
            );
            assert_eq!(
                service.target(),
                target.map(|t| shown(op, t)).as_deref(),
                "{debug}"
            );
        }
    }
}
