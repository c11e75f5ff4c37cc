//! The emulator's request handling: any method, path, query, headers and
//! body, through authentication (access-key HMAC or an Entra bearer token)
//! and routing to the handlers, answered in-process by
//! `Emulator::answer_in_process` (no socket; no faults injected).
//!
//! The first input byte decides whether the request is authentic: half the
//! inputs are signed with the emulator's access key by the library's
//! `AccessKeySigner` (or carry an Entra token minted by the emulator's own
//! issuer, or an ACS user token it issued, possibly revoked or altered), so
//! the handlers are reached, not only the 401s. Users the path
//! names are created for the input, so issue, revoke and delete find them.
//!
//! Invariants:
//! * nothing panics, and no answer is a 5xx (only injected faults are);
//! * every answer carries `x-ms-request-id` and `ms-cv`, and echoes the
//!   first `x-ms-client-request-id`;
//! * every answer other than 2xx is an ACS error body
//!   `{"error":{"code","message"}}` (non-empty strings) as JSON;
//! * a 2xx is 200, 201 or 204, to one of the service's operations with a
//!   served api-version, and only for an authentic request: signed, with
//!   none of the headers the signature or token covers repeated by the
//!   fuzzer; the admin routes (whose key the input never has) never answer
//!   2xx;
//! * an ACS user token is accepted by the Chat route only, and only when it
//!   is unaltered, unrevoked and has a chat scope (the answer is then
//!   `{"value":[]}`);
//! * a created user is this resource's `8:acs:` id and every issued ACS
//!   token verifies with the emulator (`verify_acs_token`), for that user;
//! * a signed `POST /identities` with a served api-version, no body and no
//!   extra headers is 201;
//! * no answer contains the access key or the bearer token sent.
//!
//! Shared by `fuzz/fuzz_targets/emulator_request.rs` and the property run in
//! `crates/acs_emulator/tests/fuzz_invariants.rs`.

use acs_emulator::{
    Emulator, EmulatorOptions, EntraTokenSpec, ENTRA_API_VERSION, IDENTITY_API_VERSIONS,
    TEAMS_EXTENSION_API_VERSION,
};
use arbitrary::{Arbitrary, Unstructured};
use axum::http::{HeaderName, HeaderValue, Method, Request, Uri};
use azure_communication_common::AccessKeySigner;
use std::cell::RefCell;
use std::mem::ManuallyDrop;
use std::time::Duration;

/// The emulator's access key (fixed, so inputs replay the same way).
pub const ACCESS_KEY: &str = "ZnV6ei1lbXVsYXRvci1hY2Nlc3Mta2V5LWJ5dGVzLTMyYg==";
/// The emulator's resource id.
pub const RESOURCE_ID: &str = "00000000-0000-4000-8000-0000000f0220";
/// The `Host` header requests are signed for.
const HOST: &str = "127.0.0.1:8080";
/// A fresh emulator once this many identities exist (memory stays bounded).
const MAX_IDENTITIES: usize = 20_000;

/// The Chat API version of `GET /chat/threads`.
const CHAT_API_VERSION: &str = "2024-03-07";

/// Every api-version some operation serves, and a few it does not.
const VERSIONS: [&str; 13] = [
    "2021-03-07",
    "2021-10-31-preview",
    "2021-11-01",
    "2022-06-01",
    "2022-10-01",
    "2023-10-01",
    "2025-03-02-preview",
    "2025-06-30",
    CHAT_API_VERSION,
    "2020-07-20-preview2",
    "2023-10-01 ",
    "",
    "2099-01-01",
];

/// Header names the emulator reads (and a few it does not).
const HEADER_NAMES: [&str; 10] = [
    "authorization",
    "x-ms-date",
    "x-ms-content-sha256",
    "host",
    "content-type",
    "x-ms-client-request-id",
    "x-emulator-token-lifetime-seconds",
    "x-emulator-admin-key",
    "content-length",
    "accept",
];

/// Scopes: the service's, and look-alikes.
const SCOPES: [&str; 8] = [
    "chat",
    "voip",
    "chat.join",
    "chat.join.limited",
    "voip.join",
    "Chat",
    "",
    "chat ",
];

/// Entra scopes the exchanges and the identity routes accept (and not).
const ENTRA_SCOPES: [&str; 6] = [
    "https://communication.azure.com/clients/.default",
    "https://communication.azure.com//.default",
    "https://auth.msft.communication.azure.com/Teams.ManageCalls",
    "https://auth.msft.communication.azure.com/Teams.ManageChats",
    "https://auth.msft.communication.azure.us/Teams.ManageCalls",
    "https://management.azure.com//.default",
];

#[derive(Debug, Arbitrary)]
enum MethodIn {
    Post,
    Delete,
    Get,
    Put,
    Other(String),
}

#[derive(Debug, Arbitrary)]
enum IdIn {
    /// A user created for this input.
    User {
        percent_encoded: bool,
    },
    /// A user of another resource.
    OtherResource,
    /// This resource's prefix and a made-up rest.
    Unknown(String),
    Raw(String),
}

#[derive(Debug, Arbitrary)]
enum PathIn {
    Create { trailing_slash: bool },
    Issue(IdIn),
    Revoke(IdIn),
    Delete(IdIn),
    EntraExchange,
    TeamsExtensionExchange,
    TeamsUserExchange,
    ChatThreads,
    Admin(String),
    Raw(String),
}

#[derive(Debug, Arbitrary)]
enum QueryIn {
    None,
    Version(u8),
    VersionAnd { version: u8, rest: String },
    Raw(String),
}

#[derive(Debug, Arbitrary)]
enum HeaderNameIn {
    Known(u8),
    Raw(String),
}

#[derive(Debug, Arbitrary)]
enum ScopeIn {
    Known(u8),
    Raw(String),
}

#[derive(Debug, Arbitrary)]
enum NumberIn {
    Int(i64),
    Float(f64),
    Text(String),
    Null,
}

#[derive(Debug, Arbitrary)]
enum TeamsTokenIn {
    Minted(EntraIn),
    Raw(String),
    Missing,
}

#[derive(Debug, Arbitrary)]
enum BodyIn {
    Empty,
    Raw(Vec<u8>),
    Create {
        scopes: Option<Vec<ScopeIn>>,
        minutes: Option<NumberIn>,
    },
    Issue {
        scopes: Option<Vec<ScopeIn>>,
        minutes: Option<NumberIn>,
    },
    TeamsUser {
        token: TeamsTokenIn,
        app_id: Option<String>,
        user_id: Option<String>,
    },
}

/// An Entra token minted by the emulator's issuer.
#[derive(Debug, Arbitrary)]
struct EntraIn {
    scopes: Vec<u8>,
    /// 0: already expired.
    lifetime_minutes: u8,
    tenant_id: Option<String>,
    object_id: Option<String>,
    app_id: Option<String>,
}

/// An ACS user token the emulator issued to a user created for the input.
#[derive(Debug, Arbitrary)]
struct UserTokenIn {
    scopes: Vec<u8>,
    revoked: bool,
    /// Some: one character of the token changed (at this index, modulo).
    altered_at: Option<u16>,
}

#[derive(Debug, Arbitrary)]
enum AuthIn {
    Hmac,
    Bearer(EntraIn),
    UserToken(UserTokenIn),
}

#[derive(Debug, Arbitrary)]
struct Input {
    method: MethodIn,
    path: PathIn,
    query: QueryIn,
    auth: AuthIn,
    headers: Vec<(HeaderNameIn, Vec<u8>)>,
    body: BodyIn,
}

/// One emulator (and the runtime it runs on) per thread, replaced when it
/// holds too many identities.
struct Harness {
    runtime: tokio::runtime::Runtime,
    emulator: Option<Emulator>,
}

impl Harness {
    fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let emulator = runtime.block_on(start());
        Self {
            runtime,
            emulator: Some(emulator),
        }
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _guard = self.runtime.enter();
        drop(self.emulator.take());
    }
}

async fn start() -> Emulator {
    Emulator::start(
        EmulatorOptions::new()
            .access_key(ACCESS_KEY)
            .resource_id(RESOURCE_ID),
    )
    .await
    .expect("the emulator starts on loopback")
}

thread_local! {
    // ManuallyDrop: no destructor at thread exit, where tokio's own
    // thread-locals may already be gone (a harness replaced while running
    // is dropped normally).
    static HARNESS: ManuallyDrop<RefCell<Option<Harness>>> =
        const { ManuallyDrop::new(RefCell::new(None)) };
}

fn pick<'a>(list: &[&'a str], index: u8) -> &'a str {
    list[usize::from(index) % list.len()]
}

fn entra_token(emulator: &Emulator, spec: &EntraIn) -> String {
    let scopes: Vec<&str> = spec
        .scopes
        .iter()
        .map(|&i| pick(&ENTRA_SCOPES, i))
        .collect();
    let mut token = EntraTokenSpec::new(scopes)
        .expires_in(Duration::from_secs(u64::from(spec.lifetime_minutes) * 60));
    if let Some(tenant) = &spec.tenant_id {
        token = token.tenant_id(tenant.as_str());
    }
    if let Some(object) = &spec.object_id {
        token = token.object_id(object.as_str());
    }
    if let Some(app) = &spec.app_id {
        token = token.app_id(app.as_str());
    }
    emulator.mint_entra_token(token).token
}

/// A user token as `spec` says, and whether the Chat route must accept it.
fn user_token(emulator: &Emulator, spec: &UserTokenIn) -> (String, bool) {
    let user = emulator.create_user();
    let scopes: Vec<&str> = spec.scopes.iter().map(|&i| pick(&SCOPES, i)).collect();
    let mut token = emulator
        .issue_token(&user, &scopes, Duration::from_secs(3600))
        .expect("the user was just created")
        .token;
    if spec.revoked {
        emulator.revoke_tokens(&user);
    }
    let mut altered = false;
    if let Some(at) = spec.altered_at {
        let at = usize::from(at) % token.len();
        let old = token.as_bytes()[at];
        // another character of the same base64url alphabet (or '.')
        let new = if old == b'A' { b'B' } else { b'A' };
        token.replace_range(at..=at, char::from(new).encode_utf8(&mut [0; 4]));
        altered = true;
    }
    let chat = scopes
        .iter()
        .any(|s| *s == "chat" || s.starts_with("chat."));
    (token, chat && !spec.revoked && !altered)
}

/// The `{id}` path segment, and the user it names when one was created.
fn id_segment(emulator: &Emulator, id: &IdIn) -> (String, Option<String>) {
    match id {
        IdIn::User { percent_encoded } => {
            let user = emulator.create_user();
            let segment = if *percent_encoded {
                user.replace(':', "%3A")
            } else {
                user.clone()
            };
            (segment, Some(user))
        }
        IdIn::OtherResource => (
            "8:acs:11111111-1111-4111-8111-111111111111_0000".to_owned(),
            None,
        ),
        IdIn::Unknown(rest) => (format!("8:acs:{RESOURCE_ID}_{rest}"), None),
        IdIn::Raw(raw) => (raw.clone(), None),
    }
}

fn number(n: &NumberIn) -> serde_json::Value {
    match n {
        NumberIn::Int(i) => (*i).into(),
        NumberIn::Float(f) => {
            serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into)
        }
        NumberIn::Text(t) => t.as_str().into(),
        NumberIn::Null => serde_json::Value::Null,
    }
}

fn scopes(list: &[ScopeIn]) -> serde_json::Value {
    list.iter()
        .map(|s| match s {
            ScopeIn::Known(i) => pick(&SCOPES, *i).to_owned(),
            ScopeIn::Raw(raw) => raw.clone(),
        })
        .collect::<Vec<_>>()
        .into()
}

fn body(emulator: &Emulator, body: &BodyIn) -> Vec<u8> {
    let mut object = serde_json::Map::new();
    match body {
        BodyIn::Empty => return Vec::new(),
        BodyIn::Raw(bytes) => return bytes.clone(),
        BodyIn::Create {
            scopes: list,
            minutes,
        } => {
            if let Some(list) = list {
                object.insert("createTokenWithScopes".into(), scopes(list));
            }
            if let Some(minutes) = minutes {
                object.insert("expiresInMinutes".into(), number(minutes));
            }
        }
        BodyIn::Issue {
            scopes: list,
            minutes,
        } => {
            if let Some(list) = list {
                object.insert("scopes".into(), scopes(list));
            }
            if let Some(minutes) = minutes {
                object.insert("expiresInMinutes".into(), number(minutes));
            }
        }
        BodyIn::TeamsUser {
            token,
            app_id,
            user_id,
        } => {
            match token {
                TeamsTokenIn::Minted(spec) => {
                    object.insert("token".into(), entra_token(emulator, spec).into());
                }
                TeamsTokenIn::Raw(raw) => {
                    object.insert("token".into(), raw.as_str().into());
                }
                TeamsTokenIn::Missing => {}
            }
            if let Some(app_id) = app_id {
                object.insert("appId".into(), app_id.as_str().into());
            }
            if let Some(user_id) = user_id {
                object.insert("userId".into(), user_id.as_str().into());
            }
        }
    }
    serde_json::to_vec(&object).unwrap_or_default()
}

/// Whether `data` is a request the Chat route must accept: signed with an
/// unaltered, unrevoked user token with a chat scope, `GET /chat/threads`
/// with its api-version, no extra headers. The suite uses it to make sure a
/// committed input reaches the route's success path.
#[allow(dead_code)] // the fuzz target does not use it
pub fn accepted_by_chat(data: &[u8]) -> bool {
    let mut u = Unstructured::new(data);
    let Ok(signed) = bool::arbitrary(&mut u) else {
        return false;
    };
    let Ok(input) = Input::arbitrary_take_rest(u) else {
        return false;
    };
    let good_token = match &input.auth {
        AuthIn::UserToken(spec) => {
            !spec.revoked
                && spec.altered_at.is_none()
                && spec.scopes.iter().any(|&i| {
                    matches!(pick(&SCOPES, i), "chat" | "chat.join" | "chat.join.limited")
                })
        }
        _ => false,
    };
    signed
        && good_token
        && matches!(input.method, MethodIn::Get)
        && matches!(input.path, PathIn::ChatThreads)
        && matches!(input.query, QueryIn::Version(i) if pick(&VERSIONS, i) == CHAT_API_VERSION)
        && input.headers.is_empty()
}

/// Checks one input against a (per-thread) emulator.
pub fn check(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(signed) = bool::arbitrary(&mut u) else {
        return;
    };
    let Ok(input) = Input::arbitrary_take_rest(u) else {
        return;
    };
    HARNESS.with(|cell| {
        let mut slot = cell.borrow_mut();
        let fresh = match slot.as_ref().and_then(|h| h.emulator.as_ref()) {
            Some(emulator) => emulator.identity_count() > MAX_IDENTITIES,
            None => true,
        };
        if fresh {
            *slot = None;
            *slot = Some(Harness::new());
        }
        let harness = slot.as_ref().expect("set above");
        let emulator = harness.emulator.as_ref().expect("set until dropped");
        harness
            .runtime
            .block_on(check_input(emulator, signed, &input));
    });
}

async fn check_input(emulator: &Emulator, signed: bool, input: &Input) {
    let method = match &input.method {
        MethodIn::Post => Method::POST,
        MethodIn::Delete => Method::DELETE,
        MethodIn::Get => Method::GET,
        MethodIn::Put => Method::PUT,
        MethodIn::Other(name) => match Method::from_bytes(name.as_bytes()) {
            Ok(method) => method,
            Err(_) => return,
        },
    };
    let mut expect_user = None;
    let (path, served_versions): (String, &[&str]) = match &input.path {
        PathIn::Create { trailing_slash } => (
            if *trailing_slash {
                "/identities/"
            } else {
                "/identities"
            }
            .to_owned(),
            &IDENTITY_API_VERSIONS,
        ),
        PathIn::Issue(id) => {
            let (segment, user) = id_segment(emulator, id);
            expect_user = user;
            (
                format!("/identities/{segment}/:issueAccessToken"),
                &IDENTITY_API_VERSIONS,
            )
        }
        PathIn::Revoke(id) => (
            format!(
                "/identities/{}/:revokeAccessTokens",
                id_segment(emulator, id).0
            ),
            &IDENTITY_API_VERSIONS,
        ),
        PathIn::Delete(id) => (
            format!("/identities/{}", id_segment(emulator, id).0),
            &IDENTITY_API_VERSIONS,
        ),
        PathIn::EntraExchange => (
            "/access/entra/:exchangeAccessToken".to_owned(),
            &[ENTRA_API_VERSION],
        ),
        PathIn::TeamsExtensionExchange => (
            "/access/teamsExtension/:exchangeAccessToken".to_owned(),
            &[TEAMS_EXTENSION_API_VERSION],
        ),
        PathIn::TeamsUserExchange => (
            "/teamsUser/:exchangeAccessToken".to_owned(),
            &IDENTITY_API_VERSIONS[1..],
        ),
        PathIn::ChatThreads => ("/chat/threads".to_owned(), &[CHAT_API_VERSION]),
        PathIn::Admin(rest) => (format!("/emulator/{rest}"), &[]),
        PathIn::Raw(raw) => (raw.clone(), &VERSIONS[..9]),
    };
    let (query, version) = match &input.query {
        QueryIn::None => (String::new(), None),
        QueryIn::Version(i) => {
            let v = pick(&VERSIONS, *i);
            (format!("?api-version={v}"), Some(v))
        }
        QueryIn::VersionAnd { version, rest } => {
            let v = pick(&VERSIONS, *version);
            (format!("?api-version={v}&{rest}"), None)
        }
        QueryIn::Raw(raw) => (format!("?{raw}"), None),
    };
    let Ok(uri) = Uri::try_from(format!("{path}{query}")) else {
        return;
    };
    // Only an origin-form request line reaches a server's handler.
    if uri.scheme().is_some() || uri.authority().is_some() || !uri.path().starts_with('/') {
        return;
    }
    let body = body(emulator, &input.body);

    let mut request = Request::new(body.clone());
    *request.method_mut() = method.clone();
    *request.uri_mut() = uri.clone();
    let mut bearer = None;
    // Some(whether the Chat route must accept it) for an ACS user token
    let mut user_token_good = None;
    {
        let headers = request.headers_mut();
        headers.insert("host", HeaderValue::from_static(HOST));
        if signed {
            match &input.auth {
                AuthIn::Hmac => {
                    let signer = AccessKeySigner::new(ACCESS_KEY).expect("a valid key");
                    let date = AccessKeySigner::format_date(time::OffsetDateTime::now_utc());
                    let hash = AccessKeySigner::content_hash(&body);
                    let path_and_query = uri.path_and_query().map_or("/", |pq| pq.as_str());
                    let authorization = signer
                        .sign_parts(method.as_str(), path_and_query, HOST, &date, &hash)
                        .expect("the method is a token");
                    for (name, value) in [
                        ("authorization", authorization),
                        ("x-ms-date", date),
                        ("x-ms-content-sha256", hash),
                    ] {
                        headers.insert(name, HeaderValue::try_from(value).expect("ASCII"));
                    }
                }
                AuthIn::Bearer(spec) => {
                    let token = entra_token(emulator, spec);
                    headers.insert(
                        "authorization",
                        HeaderValue::try_from(format!("Bearer {token}")).expect("ASCII"),
                    );
                    bearer = Some(token);
                }
                AuthIn::UserToken(spec) => {
                    let (token, good) = user_token(emulator, spec);
                    headers.insert(
                        "authorization",
                        HeaderValue::try_from(format!("Bearer {token}")).expect("ASCII"),
                    );
                    bearer = Some(token);
                    user_token_good = Some(good);
                }
            }
        }
    }
    let mut repeated = Vec::new();
    for (name, value) in &input.headers {
        let name = match name {
            HeaderNameIn::Known(i) => HeaderName::from_static(pick(&HEADER_NAMES, *i)),
            HeaderNameIn::Raw(raw) => match HeaderName::from_bytes(raw.as_bytes()) {
                Ok(name) => name,
                Err(_) => continue,
            },
        };
        let Ok(value) = HeaderValue::from_bytes(value) else {
            continue;
        };
        repeated.push(name.as_str().to_owned());
        request.headers_mut().append(name, value);
    }
    let client_request_id = request.headers().get("x-ms-client-request-id").cloned();
    let fuzzer_set = |name: &str| repeated.iter().any(|n| n == name);

    let response = emulator.answer_in_process(request).await;
    let status = response.status();
    let text = String::from_utf8_lossy(response.body()).into_owned();
    let context = || format!("{method} {uri} signed={signed} -> {status} {text}");

    assert!(
        !status.is_server_error(),
        "5xx without a fault: {}",
        context()
    );
    assert!(
        response.headers().contains_key("x-ms-request-id"),
        "no x-ms-request-id: {}",
        context()
    );
    assert!(
        response.headers().contains_key("ms-cv"),
        "no ms-cv: {}",
        context()
    );
    assert_eq!(
        response.headers().get("x-ms-client-request-id"),
        client_request_id.as_ref(),
        "x-ms-client-request-id not echoed: {}",
        context()
    );
    assert!(
        !text.contains(ACCESS_KEY),
        "the access key in {}",
        context()
    );
    if let Some(token) = &bearer {
        assert!(
            !text.contains(token.as_str()),
            "the bearer token in {}",
            context()
        );
    }

    // A good user token on the Chat route, as the route wants it, is accepted.
    let first_version = uri.query().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(name, _)| name == "api-version")
            .map(|(_, value)| value.into_owned())
    });
    if user_token_good == Some(true)
        && method == Method::GET
        && uri.path() == "/chat/threads"
        && first_version.as_deref() == Some(CHAT_API_VERSION)
        && !fuzzer_set("authorization")
    {
        assert_eq!(
            status.as_u16(),
            200,
            "a good user token refused: {}",
            context()
        );
    }

    if !status.is_success() {
        let json: serde_json::Value = serde_json::from_slice(response.body())
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", context()));
        let code = json["error"]["code"].as_str().unwrap_or_default();
        let message = json["error"]["message"].as_str().unwrap_or_default();
        assert!(
            !code.is_empty() && !message.trim().is_empty(),
            "not an ACS error body: {}",
            context()
        );
        assert_eq!(
            response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/json"),
            "{}",
            context()
        );
    } else {
        assert!(
            [200, 201, 204].contains(&status.as_u16()),
            "unexpected success status: {}",
            context()
        );
        // The operations read the first api-version parameter, decoded.
        let served = first_version
            .as_deref()
            .is_some_and(|v| served_versions.contains(&v));
        assert!(served, "2xx without a served api-version: {}", context());
        assert!(
            signed,
            "2xx for a request that was not signed: {}",
            context()
        );
        let covered: &[&str] = match &input.auth {
            AuthIn::Hmac => &["authorization", "x-ms-date", "x-ms-content-sha256", "host"],
            AuthIn::Bearer(_) | AuthIn::UserToken(_) => &["authorization"],
        };
        assert!(
            !covered.iter().any(|n| fuzzer_set(n)),
            "2xx with a signed header repeated: {}",
            context()
        );
        if let Some(good) = user_token_good {
            assert!(
                uri.path() == "/chat/threads",
                "an ACS user token accepted outside the Chat route: {}",
                context()
            );
            assert!(
                good,
                "a revoked, altered or chat-less token accepted: {}",
                context()
            );
            assert_eq!(text, r#"{"value":[]}"#, "{}", context());
        } else {
            assert!(
                uri.path() != "/chat/threads",
                "the Chat route accepted something else than a user token: {}",
                context()
            );
        }
        if status.as_u16() != 204 {
            let json: serde_json::Value = serde_json::from_slice(response.body())
                .unwrap_or_else(|e| panic!("not JSON ({e}): {}", context()));
            let created = json["identity"]["id"].as_str();
            if let Some(id) = created {
                if matches!(input.path, PathIn::Create { .. }) {
                    assert!(
                        id.starts_with(&format!("8:acs:{RESOURCE_ID}_")),
                        "{}",
                        context()
                    );
                }
            }
            let token = json["token"]
                .as_str()
                .or_else(|| json["accessToken"]["token"].as_str());
            if let Some(token) = token {
                let claims = emulator.verify_acs_token(token).unwrap_or_else(|e| {
                    panic!("issued token does not verify ({e}): {}", context())
                });
                let owner = created.map(str::to_owned).or_else(|| expect_user.clone());
                if let Some(owner) = owner {
                    assert_eq!(claims.user_id(), owner, "{}", context());
                }
            }
        }
    }

    if signed
        && matches!(input.auth, AuthIn::Hmac)
        && matches!(
            input.path,
            PathIn::Create {
                trailing_slash: false
            }
        )
        && matches!(input.method, MethodIn::Post)
        && matches!(input.body, BodyIn::Empty)
        && input.headers.is_empty()
        && version.is_some_and(|v| IDENTITY_API_VERSIONS.contains(&v))
    {
        assert_eq!(status.as_u16(), 201, "signed create refused: {}", context());
    }
}
