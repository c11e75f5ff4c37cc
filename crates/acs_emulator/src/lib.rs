//! A local Azure Communication Services (ACS) emulator: a real HTTP server on
//! loopback that behaves like the parts of ACS that `azure_communication_common`
//! talks to. It is the peer for end-to-end tests and the default backend of
//! the quickstart.
//!
//! # Starting it in-process
//!
//! ```
//! use acs_emulator::{Emulator, EmulatorOptions, Route};
//! use std::time::Duration;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let emulator = Emulator::start(
//!     EmulatorOptions::new().token_lifetime(Duration::from_secs(20)),
//! )
//! .await?;
//! // endpoint=http://127.0.0.1:PORT/;accesskey=...
//! let connection_string = emulator.connection_string();
//! assert!(connection_string.starts_with("endpoint=http://127.0.0.1:"));
//! // ... point a client at `emulator.endpoint()`, sign with `emulator.access_key()` ...
//! assert_eq!(emulator.request_count(Route::IssueAccessToken), 0);
//! emulator.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! Creating a user through the library's access-key policy in an azure_core
//! pipeline, then checking the token the emulator issued:
//!
//! ```
//! use acs_emulator::{Emulator, EmulatorOptions, Route};
//! use azure_communication_common::CommunicationAccessKeyCredentialPolicy;
//! use azure_core::http::{ClientOptions, Context, Method, Pipeline, Request, RetryOptions};
//! use std::sync::Arc;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let emulator = Emulator::start(EmulatorOptions::new()).await?;
//! let policy = CommunicationAccessKeyCredentialPolicy::from_access_key(
//!     emulator.access_key().to_owned(),
//! )?;
//! let options = ClientOptions { retry: RetryOptions::none(), ..Default::default() };
//! let pipeline = Pipeline::new(None, None, options, Vec::new(), vec![Arc::new(policy)], None);
//!
//! let url = emulator.endpoint().join("/identities?api-version=2023-10-01")?;
//! let mut request = Request::new(url, Method::Post);
//! request.insert_header("content-type", "application/json");
//! request.set_body(r#"{"createTokenWithScopes":["chat"]}"#);
//! let response = pipeline.send(&Context::new(), &mut request, None).await?;
//! let created: serde_json::Value = response.into_body().json()?;
//!
//! let claims = emulator.verify_acs_token(created["accessToken"]["token"].as_str().unwrap())?;
//! assert_eq!(claims.user_id(), created["identity"]["id"].as_str().unwrap());
//! assert_eq!(emulator.request_count(Route::CreateIdentity), 1);
//! emulator.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # The binary
//!
//! ```text
//! acs-emulator [--listen 127.0.0.1:0] [--access-key BASE64] [--token-lifetime DURATION]
//!              [--allow-short-token-lifetimes] [--allow-non-loopback] [--tls]
//! ```
//!
//! When ready it prints exactly one line on stdout, its connection string
//! `endpoint=http://127.0.0.1:PORT/;accesskey=...`; logs go to stderr
//! (`RUST_LOG` filters, default `info`; keys and tokens are never logged).
//! `DURATION` is a whole number with a unit: `90s`, `15m`, `1h`, `1d`,
//! `500ms`. It stops cleanly on Ctrl-C or SIGTERM (exit 0); it exits 1 when
//! it cannot start (e.g. a non-loopback `--listen` without
//! `--allow-non-loopback`, or an invalid key) and 2 on a usage error.
//!
//! ```text
//! $ cargo run -p acs_emulator --bin acs-emulator -- --token-lifetime 90s
//! endpoint=http://127.0.0.1:41237/;accesskey=0J8V...=
//! ```
//!
//! # HTTPS
//!
//! [`EmulatorOptions::tls`] (`--tls`) serves HTTPS with a certificate for
//! `localhost` and `127.0.0.1` signed by a certificate authority generated at
//! start; [`Emulator::ca_certificate_pem`] hands out the CA (the binary
//! writes it to a file and prints `acs-emulator: CA certificate: PATH` on
//! stderr). Trust it in the client's transport, e.g. reqwest's
//! `tls_certs_only([Certificate::from_pem(pem)])` wrapped in azure_core's
//! `Transport::new`. azure_core's `BearerTokenAuthorizationPolicy` sends
//! tokens over HTTPS only, so bearer clients need this.
//!
//! # What it serves
//!
//! | operation | request | success |
//! |---|---|---|
//! | create identity | `POST /identities?api-version=2023-10-01`, body `{"createTokenWithScopes"?: [..], "expiresInMinutes"?: n}` (or empty) | 201 `{"identity":{"id"},"accessToken"?:{"token","expiresOn"}}` |
//! | issue token | `POST /identities/{id}/:issueAccessToken?api-version=2023-10-01`, body `{"scopes":[..],"expiresInMinutes"?: n}` | 200 `{"token","expiresOn"}` |
//! | revoke tokens | `POST /identities/{id}/:revokeAccessTokens?api-version=2023-10-01` | 204 |
//! | delete identity | `DELETE /identities/{id}?api-version=2023-10-01` | 204 |
//! | Teams user exchange | `POST /teamsUser/:exchangeAccessToken?api-version=2023-10-01`, body `{"token","appId","userId"}` | 200 `{"token","expiresOn"}` |
//! | Entra exchange | `POST /access/entra/:exchangeAccessToken?api-version=2025-03-02-preview`, body `{}` | 200 `{"identity":{"id"},"accessToken":{"token","expiresOn"}}` |
//! | Teams extension exchange | `POST /access/teamsExtension/:exchangeAccessToken?api-version=2025-06-30`, body `{}` | as above |
//! | list chat threads (Chat) | `GET /chat/threads?api-version=2024-03-07` with `Authorization: Bearer <ACS user token>` | 200 `{"value":[]}` |
//!
//! `{id}` may be sent raw (`8:acs:...`) or percent-encoded. The identity
//! operations accept api-versions [`IDENTITY_API_VERSIONS`] and, as the
//! service, two kinds of authentication: access key (HMAC-SHA256), checked
//! with the library's
//! [`AccessKeySigner`](azure_communication_common::AccessKeySigner) from the
//! request as received, or `Authorization: Bearer <token>` with an Entra
//! token for `https://communication.azure.com` (e.g. the SDKs' scope
//! `https://communication.azure.com//.default`) from the emulator's Entra
//! test issuer ([`Emulator::mint_entra_token`], [`Emulator::entra_credential`]).
//! The exchanges require such a bearer token. The Chat route requires an
//! ACS user token issued by the emulator, checked as
//! [`Emulator::verify_acs_token`] does (signature, expiry, revocation, the
//! user exists) plus a chat scope.
//!
//! Every error is an ACS error body `{"error":{"code","message"}}` (plus
//! `target` for validation errors):
//!
//! | status | code | when |
//! |---|---|---|
//! | 400 | `MissingApiVersionParameter`, `UnsupportedApiVersion` | no or another `api-version` |
//! | 400 | `BadRequest` | malformed JSON, wrong types, missing body, bad id encoding |
//! | 400 | `ValidationError` | `expiresInMinutes` out of range, unknown scope, no scopes, Teams `appId`/`userId` mismatch |
//! | 401 | `Denied` | access key: missing or repeated header, bad date or skew > 15 min, content hash or signature mismatch |
//! | 401 | `InvalidAccessToken` | bearer (identity routes and exchanges): malformed, bad signature, expired, wrong audience for the endpoint; missing on the exchanges |
//! | 401 | `Unauthorized` | Chat: ACS user token missing, malformed, forged, expired or revoked, or its user deleted |
//! | 403 | `Forbidden` | Chat: a token without a chat scope |
//! | 401 | `IdentityNotOwned` | issue, revoke, delete of another resource's id |
//! | 404 | `IdentityNotFound`, `NotFound` | unknown identity; no such path |
//! | 408 | `RequestTimeout` | body stalled or slower than [`EmulatorOptions::min_body_rate`] |
//! | 405 | `MethodNotAllowed` | known path, wrong method |
//! | 413 | `RequestEntityTooLarge` | body over [`EmulatorOptions::max_body_size`] |
//! | 429, 5xx | `TooManyRequests`, `ServiceUnavailable`, ... | injected faults |
//!
//! # Tokens
//!
//! ACS tokens are shaped like the service's: RS256 JWTs with the header
//! `{alg, kid, x5t, typ}`, signed with an RSA-2048 key generated when the
//! process starts its first emulator ([`Emulator::token_signing_key_pem`]),
//! carrying `skypeid`, `scp`, `csi`, `exp`, `acsScope`, `resourceId` and
//! `iat` and no other claim. The emulator knows the tokens it issued by
//! their digest, which makes revocation exact to the token;
//! [`Emulator::verify_acs_token`] checks them. Lifetimes: the emulator-only header
//! `x-emulator-token-lifetime-seconds: N` wins, then `expiresInMinutes` (60 to
//! 1440 as the service, 1 to 1440 with
//! [`EmulatorOptions::allow_short_token_lifetimes`]), then
//! [`EmulatorOptions::token_lifetime`] (24 hours by default). An exchanged
//! token never outlives the Entra token it was exchanged for.
//!
//! # Virtual time, faults and counters
//!
//! [`Emulator::advance_time`] moves the emulator's token clock (token `iat`
//! and `exp`, ACS and Entra token expiry checks) without waiting; the
//! `x-ms-date` check stays on the system clock, so clients signing with their
//! real clock keep working.
//! [`Emulator::fail_next`], [`Emulator::throttle_next`],
//! [`Emulator::inject_fault`] and [`Emulator::set_latency`] inject faults;
//! [`Emulator::request_count`] tells how many requests reached each
//! [`Route`].
//!
//! # Admin routes (for the binary)
//!
//! A test driving the `acs-emulator` binary from another process has the same
//! controls over HTTP, under `/emulator/`, authenticated with the header
//! `x-emulator-admin-key: <access key>` ([`ADMIN_KEY_HEADER`]):
//!
//! | request | body | answer |
//! |---|---|---|
//! | `GET /emulator/requests` | | 200 `{"CreateIdentity": n, ..., "total": n}` |
//! | `DELETE /emulator/requests` | | 204, counters reset |
//! | `POST /emulator/faults` | `{"status": 503, "times": 2, "route"?: "IssueAccessToken"}` or `{"retryAfterMs": 1500, "times": 1}` | 204 |
//! | `DELETE /emulator/faults` | | 204, faults and latency cleared |
//! | `PUT /emulator/latency` | `{"milliseconds": 250}` | 204 |
//! | `POST /emulator/clock:advance` | `{"seconds": 3600}` | 204 |
//! | `POST /emulator/entraTokens` | `{"scopes": [..], "expiresInSeconds"?: n, "tenantId"?: .., "objectId"?: ..}` | 200 `{"token", "expiresOn"}` |
//!
//! # Deviations from the service
//!
//! - Error messages are the service's where a recording shows them
//!   (validation, ownership, Teams exchange, content hash); elsewhere the
//!   emulator's own, written to say which check failed.
//! - Exchanged identities are `8:acs:{resource}_wf_{tenant}_{object}` (Entra,
//!   as the specification's example) and `8:acs:{resource}_{tenant}_{object}`
//!   (Teams extension); `expiresOn` always has whole seconds equal to the
//!   JWT's `exp`.
//! - Nothing is persisted; the emulator forgets everything when it stops.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

// Layers, bottom up (each module imports only modules of lower layers):
// 1. leaves: `error`, `options`, `route` (routing), `store` (identity store),
//    `signing_key` (the RSA key of the ACS tokens), `tls` (certificates),
//    `serve` (connections); `jwt` (token encoding, on `signing_key`);
// 2. on leaves: `versions`, `bodies` (request bodies), `auth`, `counters`, `faults`,
//    `tokens` (token minting and verification);
// 3. `state` (the shared state), then `credential` and `entra_auth`;
// 4. one handler module per route family: `identity`, `teams_user`,
//    `exchange`, `chat`, `admin`;
// 5. `server`.
mod error;
mod jwt;
mod options;
mod route;
mod serve;
mod signing_key;
mod store;
mod tls;

mod auth;
mod bodies;
mod counters;
mod faults;
mod tokens;
mod versions;

mod credential;
mod entra_auth;
mod state;

mod admin;
mod chat;
mod exchange;
mod identity;
mod teams_user;

mod server;

pub use admin::ADMIN_KEY_HEADER;
pub use bodies::{TOKEN_LIFETIME_HEADER, VALID_SCOPES};
pub use credential::EmulatorEntraCredential;
pub use exchange::{ENTRA_API_VERSION, TEAMS_EXTENSION_API_VERSION};
pub use faults::{Fault, FaultRule};
pub use jwt::{AcsTokenClaims, EntraTokenClaims, TokenError};
pub use options::{
    EmulatorOptions, DEFAULT_BODY_READ_TIMEOUT, DEFAULT_CLOCK_SKEW_TOLERANCE,
    DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_LISTEN, DEFAULT_MAX_BODY_SIZE, DEFAULT_MIN_BODY_RATE,
    DEFAULT_TOKEN_LIFETIME, SERVICE_EXPIRES_IN_MINUTES,
};
pub use route::Route;
pub use server::{Emulator, IDENTITY_API_VERSIONS};
pub use tokens::{
    AcsToken, EntraToken, EntraTokenSpec, DEFAULT_APP_ID, DEFAULT_ENTRA_TOKEN_LIFETIME,
    DEFAULT_OBJECT_ID, DEFAULT_TENANT_ID,
};
