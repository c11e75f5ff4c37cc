//! The HTTP server and the [`Emulator`] handle that owns it.

use crate::admin;
use crate::chat;
use crate::credential::EmulatorEntraCredential;
use crate::error::{AcsError, HandlerResult};
use crate::exchange::{self, Family};
use crate::faults::{fault_response, FaultRule};
use crate::identity;
use crate::jwt::{AcsTokenClaims, EntraTokenClaims, TokenError};
use crate::options::EmulatorOptions;
use crate::route::{match_route, Matched, Route, RouteMiss};
use crate::serve::{serve, ConnectionSettings};
use crate::state::{random_guid, State};
use crate::teams_user;
use crate::tls::Tls;
use crate::tokens::{AcsToken, EntraToken, EntraTokenSpec};
use crate::versions::check_api_version;
use axum::body::Body;
use axum::extract::Request;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures::StreamExt as _;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use url::Url;

/// api-versions of the identity operations the emulator serves: those the
/// service's `api-supported-versions` header lists, and 2025-06-30 of the
/// specification. Create, issue, revoke and delete have the same shapes in
/// all of them.
pub const IDENTITY_API_VERSIONS: [&str; 8] = [
    "2021-03-07",
    "2021-10-31-preview",
    "2021-11-01",
    "2022-06-01",
    "2022-10-01",
    "2023-10-01",
    "2025-03-02-preview",
    "2025-06-30",
];

/// api-versions of the Teams user exchange (it first appeared in
/// 2021-10-31-preview); before 2022-06-01 its body is `{token}` alone.
const TEAMS_USER_API_VERSIONS: [&str; 7] = [
    "2021-10-31-preview",
    "2021-11-01",
    "2022-06-01",
    "2022-10-01",
    "2023-10-01",
    "2025-03-02-preview",
    "2025-06-30",
];

/// Versions whose Teams user exchange takes `{token}` without `appId` and
/// `userId`.
const TEAMS_USER_TOKEN_ONLY_VERSIONS: [&str; 2] = ["2021-10-31-preview", "2021-11-01"];

/// How much of an oversize body is read and dropped before answering 413.
const MAX_DRAIN: usize = 16 * 1024 * 1024;

/// How long [`Emulator::shutdown`] waits for requests being handled before
/// it closes their connections. Idle and stalled connections are closed at
/// once.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// `Strict-Transport-Security` sent over TLS, as the service does.
const HSTS: &str = "max-age=2592000";

/// A running emulator: an HTTP (or HTTPS) server on loopback plus the
/// controls tests use (clock, faults, counters, the Entra test issuer).
///
/// Dropping it stops the server too, at once, closing its connections and
/// freeing its port; call [`shutdown`](Self::shutdown) to let requests being
/// handled finish first.
/// `Debug` never shows the access key.
pub struct Emulator {
    state: Arc<State>,
    addr: SocketAddr,
    endpoint: Url,
    ca_pem: Option<String>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
    open_connections: Arc<AtomicUsize>,
}

impl Emulator {
    /// Binds the listener and starts serving on the current tokio runtime
    /// (call it from within one; the server task runs there until shutdown).
    ///
    /// # Errors
    ///
    /// `InvalidInput` when the access key is not valid base64 or the address
    /// is not loopback (unless allowed); otherwise whatever binding fails with.
    pub async fn start(options: EmulatorOptions) -> io::Result<Self> {
        if !options.allow_non_loopback && !options.listen.ip().is_loopback() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "refusing to listen on {}: not a loopback address (allow it explicitly)",
                    options.listen
                ),
            ));
        }
        let tls = if options.tls {
            Some(Tls::generate()?)
        } else {
            None
        };
        let listener = tokio::net::TcpListener::bind(options.listen).await?;
        let addr = listener.local_addr()?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let endpoint = Url::parse(&format!("{scheme}://{addr}/"))
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
        let settings = ConnectionSettings {
            tls: tls.as_ref().map(|tls| tls.acceptor.clone()),
            header_read_timeout: options.header_read_timeout,
            shutdown_grace: SHUTDOWN_GRACE,
            open: Arc::new(AtomicUsize::new(0)),
        };
        let open_connections = Arc::clone(&settings.open);
        let state = Arc::new(State::new(options)?);
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&state));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, app, settings, stopped));
        tracing::info!(%addr, scheme, "ACS emulator listening");
        Ok(Self {
            state,
            addr,
            endpoint,
            ca_pem: tls.map(|tls| tls.ca_pem),
            stop: Some(stop),
            task: Some(task),
            open_connections,
        })
    }

    /// The resource endpoint, `http://127.0.0.1:PORT/` (`https://` with
    /// [`EmulatorOptions::tls`]).
    pub fn endpoint(&self) -> Url {
        self.endpoint.clone()
    }

    /// With [`EmulatorOptions::tls`]: the PEM certificate of the certificate
    /// authority, generated at start, that signed the server's certificate
    /// (valid for `localhost` and `127.0.0.1`). A client trusts the emulator
    /// by adding it as a root certificate of its transport. `None` over
    /// plain HTTP.
    pub fn ca_certificate_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `endpoint=http://127.0.0.1:PORT/;accesskey=KEY`.
    pub fn connection_string(&self) -> String {
        format!(
            "endpoint={};accesskey={}",
            self.endpoint, self.state.access_key
        )
    }

    /// The access key (standard base64) requests must be signed with.
    pub fn access_key(&self) -> &str {
        &self.state.access_key
    }

    /// The emulated resource id (a GUID) that user ids and tokens carry.
    pub fn resource_id(&self) -> &str {
        &self.state.resource_id
    }

    /// The emulator's token clock: the system clock plus what
    /// [`advance_time`](Self::advance_time) added. Issued tokens' `iat` and
    /// `exp`, and every token expiry check (ACS and Entra), use it.
    pub fn now(&self) -> OffsetDateTime {
        self.state.now()
    }

    /// Moves the emulator's token clock forward: virtual time for expiry
    /// tests, no waiting. Tokens issued earlier expire sooner by `by`, minted
    /// Entra tokens too.
    ///
    /// The `x-ms-date` check of access-key requests stays on the system
    /// clock, so clients that sign with their real clock (the library's
    /// policy does) keep working after an advance.
    pub fn advance_time(&self, by: Duration) {
        self.state
            .advance(time::Duration::try_from(by).unwrap_or(time::Duration::MAX));
    }

    /// Checks an ACS token as the emulator's services would: signature,
    /// expiry against [`now`](Self::now), that the user exists and that its
    /// tokens were not revoked after this one was issued.
    pub fn verify_acs_token(&self, token: &str) -> Result<AcsTokenClaims, TokenError> {
        self.state.verify_acs_token(token)
    }

    /// Mints an Entra ID token from the emulator's test issuer, to present to
    /// the exchange endpoints as `Authorization: Bearer <token>`.
    pub fn mint_entra_token(&self, spec: EntraTokenSpec) -> EntraToken {
        self.state.mint_entra(&spec)
    }

    /// Checks a token minted by [`mint_entra_token`](Self::mint_entra_token)
    /// (signature and expiry).
    pub fn verify_entra_token(&self, token: &str) -> Result<EntraTokenClaims, TokenError> {
        self.state.verify_entra(token)
    }

    /// An azure_core `TokenCredential` that mints an Entra token for whatever
    /// scopes it is asked for (one hour, default tenant and object id).
    pub fn entra_credential(&self) -> Arc<EmulatorEntraCredential> {
        self.entra_credential_with(EntraTokenSpec::default())
    }

    /// Like [`entra_credential`](Self::entra_credential), with the lifetime,
    /// tenant and object id of `template` (its scopes are replaced by the
    /// requested ones).
    pub fn entra_credential_with(&self, template: EntraTokenSpec) -> Arc<EmulatorEntraCredential> {
        Arc::new(EmulatorEntraCredential::new(
            Arc::clone(&self.state),
            template,
        ))
    }

    /// Issues a token directly (no HTTP request, not counted) to an existing
    /// user, as the issue-token operation would; `None` if there is no such
    /// user. Handy for tests that need a token with an exact lifetime.
    pub fn issue_token(
        &self,
        user_id: &str,
        scopes: &[&str],
        lifetime: Duration,
    ) -> Option<AcsToken> {
        let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        self.state.issue_token(user_id, &scopes, lifetime)
    }

    /// Revokes a user's tokens directly (no HTTP request); false if there is
    /// no such user.
    pub fn revoke_tokens(&self, user_id: &str) -> bool {
        self.state.identities.revoke(user_id)
    }

    /// Creates a user directly (no HTTP request, not counted) and returns
    /// its raw id, `8:acs:{resource id}_{guid}`.
    pub fn create_user(&self) -> String {
        let id = format!("8:acs:{}_{}", self.state.resource_id, random_guid());
        self.state.identities.insert(&id);
        id
    }

    /// How many identities exist (created or exchanged, not deleted).
    pub fn identity_count(&self) -> usize {
        self.state.identities.len()
    }

    /// Queues a fault; see [`FaultRule`]. Rules are used in the order
    /// queued, each for its number of requests.
    pub fn inject_fault(&self, rule: FaultRule) {
        self.state.faults.inject(rule);
    }

    /// The next `times` requests (to any operation) get `status`, e.g. 503.
    pub fn fail_next(&self, times: usize, status: u16) {
        self.inject_fault(FaultRule::status(status, times));
    }

    /// The next `times` requests (to any operation) get 429 with
    /// `Retry-After` of `retry_after` (whole seconds, rounded up; also
    /// `retry-after-ms`, exact).
    pub fn throttle_next(&self, times: usize, retry_after: Duration) {
        self.inject_fault(FaultRule::throttle(retry_after, times));
    }

    /// Delay added before answering every request (including faulted ones).
    pub fn set_latency(&self, latency: Duration) {
        self.state.faults.set_latency(latency);
    }

    /// Drops every queued fault and the added latency.
    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

    /// How many faulted answers are still queued (at most `usize::MAX`).
    pub fn pending_faults(&self) -> usize {
        self.state.faults.pending()
    }

    /// The public key that verifies the ACS user tokens this emulator issues
    /// (RS256), as an SPKI PEM, for users who check tokens themselves. Every
    /// emulator of a process shares the key; its id is the tokens' `kid`.
    pub fn token_signing_key_pem(&self) -> &str {
        self.state.token_key.public_key_pem()
    }

    /// The `kid` (and, base64url-encoded, the `x5t`) of the issued tokens.
    pub fn token_signing_key_id(&self) -> &str {
        self.state.token_key.kid()
    }

    /// How many client connections are open right now (idle keep-alive
    /// ones included): back to zero once clients have closed theirs.
    pub fn open_connections(&self) -> usize {
        self.open_connections.load(Ordering::Relaxed)
    }

    /// How many requests to `route` have arrived (faulted, denied and
    /// failed ones included).
    pub fn request_count(&self, route: Route) -> u64 {
        self.state.counters.count(route)
    }

    /// How many requests have arrived in all.
    pub fn total_request_count(&self) -> u64 {
        self.state.counters.total()
    }

    /// Sets every request counter back to zero.
    pub fn reset_request_counts(&self) {
        self.state.counters.reset();
    }

    /// Answers one request in-process, exactly as the server answers it over
    /// a connection (counters, faults and latency, body limits,
    /// authentication, routing, the common answer headers), without a socket.
    ///
    /// For fuzzing (`fuzz/fuzz_targets/emulator_request.rs`) and tests that
    /// want no network; not part of the emulator's supported API. The
    /// request's `Host` header is used as received (HMAC checks sign it), and
    /// its URI should be in origin form (`/identities?api-version=...`), as a
    /// server receives it. The answer's body is read whole.
    #[doc(hidden)]
    pub async fn answer_in_process(
        &self,
        request: axum::http::Request<Vec<u8>>,
    ) -> axum::http::Response<Vec<u8>> {
        let request = request.map(Body::from);
        let response = handle(axum::extract::State(Arc::clone(&self.state)), request).await;
        let (parts, body) = response.into_parts();
        // The emulator's answers are small JSON bodies held in memory.
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .map(|bytes| bytes.to_vec())
            .unwrap_or_default();
        axum::http::Response::from_parts(parts, bytes)
    }

    /// Stops accepting connections and closes the listener, closes idle and
    /// stalled connections at once, lets requests being handled finish (up
    /// to 5 seconds) and waits until the server has stopped.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            match task.await {
                Ok(Ok(())) => tracing::info!("ACS emulator stopped"),
                Ok(Err(e)) => tracing::warn!(error = %e, "ACS emulator stopped with an error"),
                Err(e) => tracing::warn!(error = %e, "ACS emulator task failed"),
            }
        }
    }
}

impl Drop for Emulator {
    /// Stops the server without waiting: its task, listener and connections
    /// are dropped as soon as the runtime gets to them.
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("endpoint", &self.endpoint.as_str())
            .field("resource_id", &self.state.resource_id)
            .field("access_key", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// Every request comes here: count, delay, fault, read the body, dispatch.
async fn handle(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    request: Request,
) -> Response {
    let client_request_id = request.headers().get("x-ms-client-request-id").cloned();
    let supported = supported_versions(request.uri().path());
    let mut response = answer(&state, request).await;
    add_common_headers(&state, &mut response);
    if response.status() == StatusCode::REQUEST_TIMEOUT {
        // the rest of the body is not read: the connection cannot be reused
        response.headers_mut().insert(
            axum::http::header::CONNECTION,
            HeaderValue::from_static("close"),
        );
    }
    let headers = response.headers_mut();
    if let Some(id) = client_request_id {
        headers.insert("x-ms-client-request-id", id);
    }
    if let Some(supported) = supported {
        headers.insert("api-supported-versions", supported);
    }
    response
}

/// The `api-supported-versions` header for a path: every version of the
/// route family, comma separated as the service writes it.
fn supported_versions(path: &str) -> Option<HeaderValue> {
    let versions: &[&str] = if path.starts_with("/identities") {
        &IDENTITY_API_VERSIONS
    } else if path.starts_with("/teamsUser/") {
        &TEAMS_USER_API_VERSIONS
    } else if path.starts_with("/access/entra/") {
        &[crate::exchange::ENTRA_API_VERSION]
    } else if path.starts_with("/access/teamsExtension/") {
        &[crate::exchange::TEAMS_EXTENSION_API_VERSION]
    } else if path.starts_with("/chat/") {
        &chat::CHAT_API_VERSIONS
    } else {
        return None;
    };
    HeaderValue::from_str(&versions.join(", ")).ok()
}

/// Count, delay, fault, read the body, dispatch.
async fn answer(state: &Arc<State>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let matched = match match_route(&parts.method, parts.uri.path()) {
        Ok(matched) => matched,
        Err(miss) => {
            state.counters.count_arrival(Route::Unmatched);
            let error = miss_error(&miss, parts.method.as_str(), parts.uri.path());
            tracing::debug!(status = %error.status, method = %parts.method, "unmatched request");
            return error.into_response();
        }
    };
    let route = matched.route;
    state.counters.count_arrival(route);
    let latency = state.faults.latency(route);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let response = if let Some(fault) = state.faults.take(route) {
        fault_response(&fault)
    } else {
        match read_body(body, &state.options).await {
            Ok(body) => {
                dispatch(state, &parts, matched, &body).unwrap_or_else(IntoResponse::into_response)
            }
            Err(error) => error.into_response(),
        }
    };
    tracing::debug!(%route, status = %response.status(), "answered");
    response
}

/// Headers every answer carries: an `MS-CV` correlation vector and an
/// `x-ms-request-id` (fresh for each answer), `Strict-Transport-Security`
/// over TLS.
fn add_common_headers(state: &State, response: &mut Response) {
    let cv = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD_NO_PAD,
        crate::state::random_bytes::<16>(),
    );
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&format!("{cv}.0")) {
        headers.insert("ms-cv", value);
    }
    if let Ok(value) = HeaderValue::from_str(&random_guid()) {
        headers.insert("x-ms-request-id", value);
    }
    if state.options.tls {
        response
            .headers_mut()
            .insert("strict-transport-security", HeaderValue::from_static(HSTS));
    }
}

fn dispatch(state: &State, parts: &Parts, matched: Matched, body: &[u8]) -> HandlerResult {
    let identity = matched.identity.as_deref().unwrap_or_default();
    match matched.route {
        Route::CreateIdentity
        | Route::IssueAccessToken
        | Route::RevokeAccessTokens
        | Route::DeleteIdentity => {
            check_api_version(&parts.uri, &IDENTITY_API_VERSIONS)?;
            identity::authenticate(state, parts, body)?;
            match matched.route {
                Route::CreateIdentity => identity::create(state, &parts.headers, body),
                Route::IssueAccessToken => identity::issue(state, &parts.headers, identity, body),
                Route::RevokeAccessTokens => identity::revoke(state, identity),
                _ => identity::delete(state, identity),
            }
        }
        Route::ExchangeTeamsUserToken => {
            check_api_version(&parts.uri, &TEAMS_USER_API_VERSIONS)?;
            identity::authenticate(state, parts, body)?;
            let token_only = TEAMS_USER_TOKEN_ONLY_VERSIONS.iter().any(|v| {
                parts
                    .uri
                    .query()
                    .is_some_and(|q| q.contains(&format!("api-version={v}")))
            });
            teams_user::exchange(state, body, token_only)
        }
        Route::ExchangeEntraToken => exchange_route(state, parts, Family::Entra, body),
        Route::ExchangeTeamsExtensionToken => {
            exchange_route(state, parts, Family::TeamsExtension, body)
        }
        Route::ListChatThreads => {
            check_api_version(&parts.uri, &chat::CHAT_API_VERSIONS)?;
            chat::list_threads(state, &parts.headers)
        }
        Route::Admin => admin::handle(state, parts, body),
        Route::Unmatched => Err(AcsError::no_route(parts.method.as_str(), parts.uri.path())),
    }
}

fn exchange_route(state: &State, parts: &Parts, family: Family, body: &[u8]) -> HandlerResult {
    check_api_version(&parts.uri, &[family.api_version()])?;
    exchange::exchange(state, family, &parts.headers, body)
}

/// The ACS error answering a request no operation matched.
fn miss_error(miss: &RouteMiss, method: &str, path: &str) -> AcsError {
    match miss {
        RouteMiss::NotFound => AcsError::no_route(method, path),
        RouteMiss::MethodNotAllowed(allowed) => AcsError::method_not_allowed(method, allowed),
        RouteMiss::BadIdEncoding => {
            AcsError::bad_request("The identity id in the path is not valid percent-encoded UTF-8.")
        }
    }
}

/// Reads the whole body, answering 413 past the size limit and 408 when the
/// body pauses longer than the body read timeout or, after that grace
/// period, arrives slower than the floor rate on average.
async fn read_body(body: Body, options: &EmulatorOptions) -> Result<Vec<u8>, AcsError> {
    let limit = options.max_body_size;
    let grace = options.body_read_timeout;
    let rate = options.min_body_rate.max(1);
    let start = tokio::time::Instant::now();
    let too_slow = || {
        AcsError::new(
            StatusCode::REQUEST_TIMEOUT,
            "RequestTimeout",
            format!(
                "The request body stalled for {} seconds or arrived slower than {rate} bytes \
                 per second.",
                grace.as_secs()
            ),
        )
    };
    let too_large = || {
        AcsError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            format!("The request body is larger than the limit of {limit} bytes."),
        )
    };
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    loop {
        let received = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        let by_rate = start + grace + Duration::from_secs(received / rate);
        let deadline = by_rate.min(tokio::time::Instant::now() + grace);
        let Ok(next) = tokio::time::timeout_at(deadline, stream.next()).await else {
            return Err(too_slow());
        };
        let Some(chunk) = next else { break };
        let chunk = chunk.map_err(|e| {
            AcsError::bad_request(format!("The request body could not be read: {e}."))
        })?;
        if bytes.len() + chunk.len() > limit {
            // Read (and drop) a bounded amount more so that the client, still
            // sending, gets to read the 413 instead of a reset connection.
            let mut drained = bytes.len() + chunk.len();
            while drained < MAX_DRAIN {
                match stream.next().await {
                    Some(Ok(chunk)) => drained += chunk.len(),
                    _ => break,
                }
            }
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}
