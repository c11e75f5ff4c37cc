//! Identities and the ACS user tokens issued to them (api-version 2023-10-01
//! shapes): create, issue token, revoke tokens, delete.
//!
//! Token lifetimes, in order of precedence:
//! 1. the emulator-only request header `x-emulator-token-lifetime-seconds: N`
//!    (1 ≤ N ≤ 86400) — lets tests ask for tokens living seconds; the real
//!    service ignores it;
//! 2. the body's `expiresInMinutes`, validated as the service does (60 to
//!    1440; 1 to 1440 with
//!    [`allow_short_token_lifetimes`](crate::EmulatorOptions::allow_short_token_lifetimes));
//! 3. the emulator's [`token_lifetime`](crate::EmulatorOptions::token_lifetime)
//!    (24 hours unless configured).

use crate::error::{json_response, AcsError, HandlerResult};
use crate::jwt::{self, AcsTokenClaims, TokenError};
use crate::options::SERVICE_EXPIRES_IN_MINUTES;
use crate::state::{random_guid, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use azure_core::credentials::AccessToken;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;
use time::OffsetDateTime;

/// Emulator-only request header asking for a token lifetime in seconds.
pub const TOKEN_LIFETIME_HEADER: &str = "x-emulator-token-lifetime-seconds";

/// Scopes the service accepts in `createTokenWithScopes` and `scopes`.
pub const VALID_SCOPES: [&str; 5] = [
    "chat",
    "voip",
    "chat.join",
    "chat.join.limited",
    "voip.join",
];

/// The numeric scope claim real ACS user tokens carry.
const SCP: u32 = 1792;

/// Longest lifetime the lifetime header may ask for: 24 hours.
const MAX_HEADER_LIFETIME_SECONDS: u64 = 24 * 60 * 60;

/// Users and their revocation marks.
#[derive(Debug, Default)]
pub(crate) struct Identities {
    inner: Mutex<Store>,
}

#[derive(Debug, Default)]
struct Store {
    /// Raw id → tokens numbered up to this are not valid for the user (revoked,
    /// or issued before it was created).
    users: HashMap<String, u64>,
    /// Sequence number of the last token issued (tokens are numbered from 1).
    last_token: u64,
}

impl Identities {
    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a user; an existing one keeps its revocation mark. A new one
    /// starts with every token issued so far revoked: none is its own, but
    /// the id may be one deleted earlier (exchanged ids are deterministic),
    /// whose tokens must stay dead.
    pub fn insert(&self, id: &str) {
        let mut store = self.lock();
        let last = store.last_token;
        store.users.entry(id.to_owned()).or_insert(last);
    }

    pub fn contains(&self, id: &str) -> bool {
        self.lock().users.contains_key(id)
    }

    /// Revokes every token issued to `id` so far. False if there is no such user.
    pub fn revoke(&self, id: &str) -> bool {
        let mut store = self.lock();
        let last = store.last_token;
        match store.users.get_mut(id) {
            Some(mark) => {
                *mark = last;
                true
            }
            None => false,
        }
    }

    pub fn remove(&self, id: &str) -> bool {
        self.lock().users.remove(id).is_some()
    }

    pub fn len(&self) -> usize {
        self.lock().users.len()
    }

    /// Numbers a new token for `id`, or `None` if there is no such user.
    fn next_token(&self, id: &str) -> Option<u64> {
        let mut store = self.lock();
        if !store.users.contains_key(id) {
            return None;
        }
        store.last_token += 1;
        Some(store.last_token)
    }

    fn check(&self, id: &str, sequence: u64) -> Result<(), TokenError> {
        match self.lock().users.get(id) {
            None => Err(TokenError::UnknownUser),
            Some(&revoked_through) if sequence <= revoked_through => Err(TokenError::Revoked),
            Some(_) => Ok(()),
        }
    }
}

/// An ACS user access token issued by the emulator. `Debug` does not show
/// the token.
#[derive(Clone, PartialEq, Eq)]
pub struct AcsToken {
    /// The JWT.
    pub token: String,
    /// When it expires (whole seconds, equal to its `exp`).
    pub expires_on: OffsetDateTime,
}

impl AcsToken {
    pub(crate) fn to_json(&self) -> serde_json::Value {
        json!({ "token": self.token, "expiresOn": format_expires_on(self.expires_on) })
    }
}

impl fmt::Debug for AcsToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AcsToken")
            .field("token", &"<redacted>")
            .field("expires_on", &self.expires_on)
            .finish()
    }
}

impl From<AcsToken> for AccessToken {
    fn from(token: AcsToken) -> Self {
        AccessToken::new(token.token, token.expires_on)
    }
}

/// `expiresOn` as the service writes it: RFC 3339 with seven fractional
/// digits and an explicit offset, e.g. `2034-10-04T10:21:29.0000000+00:00`.
/// The emulator's expiries are whole seconds, equal to the token's `exp`.
pub(crate) fn format_expires_on(at: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.0000000+00:00",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// Issues a token to an existing user. `None` if there is no such user.
pub(crate) fn issue_token(
    state: &State,
    user_id: &str,
    scopes: &[String],
    lifetime: Duration,
) -> Option<AcsToken> {
    let sequence = state.identities.next_token(user_id)?;
    let now = state.now();
    let iat = now.unix_timestamp();
    let exp = iat.saturating_add(i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX).max(1));
    let claims = AcsTokenClaims {
        skypeid: user_id.strip_prefix("8:").unwrap_or(user_id).to_owned(),
        scp: SCP,
        acs_scope: scopes.join(","),
        resource_id: state.resource_id.clone(),
        iat,
        exp,
        jti: format!("emu-{sequence}"),
    };
    let expires_on = OffsetDateTime::from_unix_timestamp(exp).unwrap_or(now);
    Some(AcsToken {
        token: jwt::encode(&state.acs_secret, &claims),
        expires_on,
    })
}

/// Verifies an ACS token: signature, expiry against the emulator's clock,
/// that the user still exists and that its tokens were not revoked since.
pub(crate) fn verify_token(state: &State, token: &str) -> Result<AcsTokenClaims, TokenError> {
    let claims: AcsTokenClaims = jwt::decode(&state.acs_secret, token)?;
    let now = state.now().unix_timestamp();
    if claims.exp <= now {
        return Err(TokenError::Expired {
            exp: claims.exp,
            now,
        });
    }
    let sequence = claims
        .jti
        .strip_prefix("emu-")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| TokenError::InvalidClaims("jti is not an emulator token id".into()))?;
    state.identities.check(&claims.user_id(), sequence)?;
    Ok(claims)
}

/// The lifetime for a token requested with these headers and
/// `expiresInMinutes`.
pub(crate) fn requested_lifetime(
    state: &State,
    headers: &HeaderMap,
    expires_in_minutes: Option<i64>,
) -> Result<Duration, AcsError> {
    if let Some(value) = headers.get(TOKEN_LIFETIME_HEADER) {
        let seconds = value
            .to_str()
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|s| (1..=MAX_HEADER_LIFETIME_SECONDS).contains(s))
            .ok_or_else(|| {
                AcsError::validation(
                    TOKEN_LIFETIME_HEADER,
                    format!(
                        "The {TOKEN_LIFETIME_HEADER} header must be a whole number of seconds \
                         from 1 to {MAX_HEADER_LIFETIME_SECONDS}."
                    ),
                )
            })?;
        return Ok(Duration::from_secs(seconds));
    }
    match expires_in_minutes {
        None => Ok(state.options.token_lifetime),
        Some(minutes) => {
            let allowed = if state.options.allow_short_token_lifetimes {
                1..=*SERVICE_EXPIRES_IN_MINUTES.end()
            } else {
                SERVICE_EXPIRES_IN_MINUTES
            };
            if !allowed.contains(&minutes) {
                return Err(AcsError::validation(
                    "expiresInMinutes",
                    format!(
                        "Invalid value for expiresInMinutes: {minutes}. The token expiration \
                         must be between {} and {} minutes.",
                        allowed.start(),
                        allowed.end()
                    ),
                ));
            }
            Ok(Duration::from_secs(minutes.unsigned_abs() * 60))
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateRequest {
    create_token_with_scopes: Option<Vec<String>>,
    expires_in_minutes: Option<i64>,
    /// Not a service property; caught because it silently does nothing there.
    create_token_for: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IssueRequest {
    scopes: Option<Vec<String>>,
    expires_in_minutes: Option<i64>,
}

/// `POST /identities` → 201 `{"identity":{"id"},"accessToken"?}`.
pub(crate) fn create(state: &State, headers: &HeaderMap, body: &[u8]) -> HandlerResult {
    let request: CreateRequest = parse_body(body, true)?;
    if request.create_token_for.is_some() {
        return Err(AcsError::validation(
            "createTokenFor",
            "createTokenFor is not a property of this operation; the service names it \
             createTokenWithScopes.",
        ));
    }
    let lifetime = requested_lifetime(state, headers, request.expires_in_minutes)?;
    let scopes = match request.create_token_with_scopes {
        Some(scopes) => validate_scopes(scopes, "createTokenWithScopes")?,
        None => Vec::new(),
    };
    let id = format!("8:acs:{}_{}", state.resource_id, random_guid());
    state.identities.insert(&id);
    let mut response = json!({ "identity": { "id": id } });
    if !scopes.is_empty() {
        let token = issue_token(state, &id, &scopes, lifetime)
            .ok_or_else(|| AcsError::identity_not_found(&id))?;
        response["accessToken"] = token.to_json();
    }
    tracing::info!(scopes = scopes.len(), "created an identity");
    Ok(json_response(StatusCode::CREATED, &response))
}

/// `POST /identities/{id}/:issueAccessToken` → 200 `{"token","expiresOn"}`.
pub(crate) fn issue(state: &State, headers: &HeaderMap, id: &str, body: &[u8]) -> HandlerResult {
    if !state.identities.contains(id) {
        return Err(AcsError::identity_not_found(id));
    }
    let request: IssueRequest = parse_body(body, false)?;
    let Some(scopes) = request.scopes else {
        return Err(AcsError::validation(
            "scopes",
            "The scopes field is required.",
        ));
    };
    let scopes = validate_scopes(scopes, "scopes")?;
    if scopes.is_empty() {
        return Err(AcsError::validation(
            "scopes",
            "At least one scope is required.",
        ));
    }
    let lifetime = requested_lifetime(state, headers, request.expires_in_minutes)?;
    let token = issue_token(state, id, &scopes, lifetime)
        .ok_or_else(|| AcsError::identity_not_found(id))?;
    tracing::info!(lifetime_secs = lifetime.as_secs(), "issued a token");
    Ok(json_response(StatusCode::OK, &token.to_json()))
}

/// `POST /identities/{id}/:revokeAccessTokens` → 204.
pub(crate) fn revoke(state: &State, id: &str) -> HandlerResult {
    if !state.identities.revoke(id) {
        return Err(AcsError::identity_not_found(id));
    }
    tracing::info!("revoked an identity's tokens");
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /identities/{id}` → 204.
pub(crate) fn delete(state: &State, id: &str) -> HandlerResult {
    if !state.identities.remove(id) {
        return Err(AcsError::identity_not_found(id));
    }
    tracing::info!("deleted an identity");
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Parses a JSON request body; an empty body is `{}` when `optional`.
pub(crate) fn parse_body<T: serde::de::DeserializeOwned>(
    body: &[u8],
    optional: bool,
) -> Result<T, AcsError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        if optional {
            return serde_json::from_slice(b"{}")
                .map_err(|e| AcsError::bad_request(format!("The request body is invalid: {e}.")));
        }
        return Err(AcsError::bad_request("The request body is required."));
    }
    serde_json::from_slice(body)
        .map_err(|e| AcsError::bad_request(format!("The request body is invalid: {e}.")))
}

fn validate_scopes(scopes: Vec<String>, target: &'static str) -> Result<Vec<String>, AcsError> {
    let mut unique: Vec<String> = Vec::with_capacity(scopes.len());
    for scope in scopes {
        if !VALID_SCOPES.contains(&scope.as_str()) {
            return Err(AcsError::validation(
                target,
                format!(
                    "Scope '{scope}' is not valid; valid scopes are {}.",
                    VALID_SCOPES.join(", ")
                ),
            ));
        }
        if !unique.contains(&scope) {
            unique.push(scope);
        }
    }
    Ok(unique)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn expires_on_format_is_the_services() {
        assert_eq!(
            format_expires_on(datetime!(2034-10-04 10:21:29 UTC)),
            "2034-10-04T10:21:29.0000000+00:00"
        );
    }

    #[test]
    fn revocation_is_exact_to_the_token() {
        let ids = Identities::default();
        ids.insert("u");
        let first = ids.next_token("u").unwrap();
        assert!(ids.revoke("u"));
        let second = ids.next_token("u").unwrap();
        assert_eq!(ids.check("u", first), Err(TokenError::Revoked));
        assert_eq!(ids.check("u", second), Ok(()));
        assert!(ids.remove("u"));
        assert_eq!(ids.check("u", second), Err(TokenError::UnknownUser));
        assert_eq!(ids.next_token("u"), None);
        assert!(!ids.revoke("u"));
    }

    #[test]
    fn scopes_are_validated_and_deduplicated() {
        let scopes = validate_scopes(vec!["chat".into(), "voip".into(), "chat".into()], "scopes");
        assert_eq!(scopes.unwrap(), ["chat", "voip"]);
        let err = validate_scopes(vec!["admin".into()], "scopes").unwrap_err();
        assert_eq!(err.status, 400);
        assert!(err.message.contains("'admin'"));
    }
}
