//! The Entra ID token exchange endpoints and the emulator's test issuer of
//! Entra tokens.
//!
//! Real Entra tokens cannot be had in tests, so the emulator mints its own:
//! HS256 JWTs signed with a secret of its own (separate from the one that
//! signs ACS tokens), carrying `aud` (the scheme and host of the requested
//! scopes), `scp` (the scopes' paths), `tid`, `oid`, `iat`, `nbf` and `exp`.
//! The exchange endpoints accept only such tokens, unexpired, whose audience
//! belongs to the endpoint's family:
//!
//! | endpoint | api-version | accepted audience |
//! |---|---|---|
//! | `/access/entra/:exchangeAccessToken` | `2025-03-02-preview` | `https://communication.azure.com` with `clients/…` scopes |
//! | `/access/teamsExtension/:exchangeAccessToken` | `2025-06-30` | `https://auth.msft.communication.azure.com` or `…azure.us` |

use crate::auth::bearer_token;
use crate::error::{json_response, AcsError, HandlerResult};
use crate::identity::{issue_token, parse_body, requested_lifetime};
use crate::jwt::{self, EntraTokenClaims, TokenError};
use crate::state::State;
use axum::http::{HeaderMap, StatusCode};
use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use serde_json::json;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// api-version of the Entra exchange endpoint.
pub const ENTRA_API_VERSION: &str = "2025-03-02-preview";
/// api-version of the Teams extension exchange endpoint.
pub const TEAMS_EXTENSION_API_VERSION: &str = "2025-06-30";

/// Audience of tokens for the Entra exchange.
const ENTRA_AUDIENCE: &str = "https://communication.azure.com";
/// Audiences of tokens for the Teams extension exchange.
const TEAMS_EXTENSION_AUDIENCES: [&str; 2] = [
    "https://auth.msft.communication.azure.com",
    "https://auth.msft.communication.azure.us",
];

/// Tenant id of minted tokens unless set.
pub const DEFAULT_TENANT_ID: &str = "00000000-0000-4000-8000-00000000e417";
/// Object id of minted tokens unless set.
pub const DEFAULT_OBJECT_ID: &str = "00000000-0000-4000-8000-0000000000b1";
/// Lifetime of minted tokens unless set: one hour.
pub const DEFAULT_ENTRA_TOKEN_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// The two exchange endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Entra,
    TeamsExtension,
}

impl Family {
    pub fn api_version(self) -> &'static str {
        match self {
            Family::Entra => ENTRA_API_VERSION,
            Family::TeamsExtension => TEAMS_EXTENSION_API_VERSION,
        }
    }

    fn accepts(self, claims: &EntraTokenClaims) -> bool {
        match self {
            Family::Entra => {
                let mut scopes = claims.scp.split(' ').filter(|s| !s.is_empty()).peekable();
                // At least one scope, and every one a `clients/` scope.
                claims.aud == ENTRA_AUDIENCE
                    && scopes.peek().is_some()
                    && scopes.all(|s| s.starts_with("clients/"))
            }
            Family::TeamsExtension => TEAMS_EXTENSION_AUDIENCES.contains(&claims.aud.as_str()),
        }
    }

    fn expected(self) -> String {
        match self {
            Family::Entra => format!("{ENTRA_AUDIENCE}/clients/..."),
            Family::TeamsExtension => TEAMS_EXTENSION_AUDIENCES
                .iter()
                .map(|aud| format!("{aud}/..."))
                .collect::<Vec<_>>()
                .join(" or "),
        }
    }

    fn scopes(self) -> Vec<String> {
        match self {
            Family::Entra => vec!["chat".into(), "voip".into()],
            Family::TeamsExtension => vec!["voip".into()],
        }
    }
}

/// What Entra token to mint: scopes, lifetime and the user's ids.
///
/// ```
/// use acs_emulator::EntraTokenSpec;
/// use std::time::Duration;
/// let spec = EntraTokenSpec::new(["https://communication.azure.com/clients/.default"])
///     .expires_in(Duration::from_secs(300))
///     .tenant_id("11111111-1111-4111-8111-111111111111");
/// # let _ = spec;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "options do nothing until used"]
pub struct EntraTokenSpec {
    scopes: Vec<String>,
    expires_in: Duration,
    tenant_id: String,
    object_id: String,
}

impl Default for EntraTokenSpec {
    /// The Entra exchange's default scope,
    /// `https://communication.azure.com/clients/.default`.
    fn default() -> Self {
        Self::new(["https://communication.azure.com/clients/.default"])
    }
}

impl EntraTokenSpec {
    /// A token for `scopes` (full scope URLs such as
    /// `https://auth.msft.communication.azure.com/Teams.ManageCalls`), living
    /// one hour, for tenant [`DEFAULT_TENANT_ID`] and user [`DEFAULT_OBJECT_ID`].
    pub fn new<I, S>(scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            scopes: scopes.into_iter().map(Into::into).collect(),
            expires_in: DEFAULT_ENTRA_TOKEN_LIFETIME,
            tenant_id: DEFAULT_TENANT_ID.into(),
            object_id: DEFAULT_OBJECT_ID.into(),
        }
    }

    /// How long the token lives from the emulator's now (default one hour).
    /// `Duration::ZERO` mints an already expired token; or use
    /// [`Emulator::advance_time`](crate::Emulator::advance_time) to see one expire.
    pub fn expires_in(mut self, lifetime: Duration) -> Self {
        self.expires_in = lifetime;
        self
    }

    /// The tenant id (`tid`).
    pub fn tenant_id(mut self, tenant_id: impl Into<String>) -> Self {
        self.tenant_id = tenant_id.into();
        self
    }

    /// The user's object id (`oid`, also `sub`).
    pub fn object_id(mut self, object_id: impl Into<String>) -> Self {
        self.object_id = object_id.into();
        self
    }
}

/// A minted Entra token. `Debug` does not show the token.
#[derive(Clone, PartialEq, Eq)]
pub struct EntraToken {
    /// The JWT, to send as `Authorization: Bearer <token>`.
    pub token: String,
    /// When it expires (whole seconds, equal to its `exp`).
    pub expires_on: OffsetDateTime,
}

impl fmt::Debug for EntraToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EntraToken")
            .field("token", &"<redacted>")
            .field("expires_on", &self.expires_on)
            .finish()
    }
}

impl From<EntraToken> for AccessToken {
    fn from(token: EntraToken) -> Self {
        AccessToken::new(token.token, token.expires_on)
    }
}

/// Mints an Entra token signed with the emulator's Entra secret.
pub(crate) fn mint(state: &State, spec: &EntraTokenSpec) -> EntraToken {
    let mut aud = String::new();
    let mut scp = Vec::with_capacity(spec.scopes.len());
    for scope in &spec.scopes {
        match split_scope(scope) {
            Some((scope_aud, path)) => {
                if aud.is_empty() {
                    aud = scope_aud.to_owned();
                }
                scp.push(path.to_owned());
            }
            None => scp.push(scope.clone()),
        }
    }
    let now = state.now();
    let iat = now.unix_timestamp();
    let exp = iat.saturating_add(i64::try_from(spec.expires_in.as_secs()).unwrap_or(i64::MAX));
    let claims = EntraTokenClaims {
        iss: format!("https://login.emulator.invalid/{}/v2.0", spec.tenant_id),
        aud,
        scp: scp.join(" "),
        tid: spec.tenant_id.clone(),
        oid: spec.object_id.clone(),
        sub: spec.object_id.clone(),
        iat,
        nbf: iat,
        exp,
    };
    EntraToken {
        token: jwt::encode(&state.entra_secret, &claims),
        expires_on: OffsetDateTime::from_unix_timestamp(exp).unwrap_or(now),
    }
}

/// `https://host/path` → (`https://host`, `path`).
fn split_scope(scope: &str) -> Option<(&str, &str)> {
    let after_scheme = scope.find("://")? + 3;
    let slash = after_scheme + scope[after_scheme..].find('/')?;
    Some((&scope[..slash], &scope[slash + 1..]))
}

/// Verifies a minted Entra token against the emulator's clock.
pub(crate) fn verify_entra(state: &State, token: &str) -> Result<EntraTokenClaims, TokenError> {
    let claims: EntraTokenClaims = jwt::decode(&state.entra_secret, token)?;
    let now = state.now().unix_timestamp();
    if claims.exp <= now {
        return Err(TokenError::Expired {
            exp: claims.exp,
            now,
        });
    }
    if claims.nbf > now {
        return Err(TokenError::NotYetValid);
    }
    Ok(claims)
}

/// `POST /access/{family}/:exchangeAccessToken` → 200
/// `{"identity":{"id"},"accessToken":{"token","expiresOn"}}`.
pub(crate) fn exchange(
    state: &State,
    family: Family,
    headers: &HeaderMap,
    body: &[u8],
) -> HandlerResult {
    let claims = authenticate(state, family, headers)?;
    let _: serde_json::Map<String, serde_json::Value> = parse_body(body, true)?;
    let lifetime = requested_lifetime(state, headers, None)?;
    let now = state.now().unix_timestamp();
    let until_entra_expiry = Duration::from_secs(claims.exp.saturating_sub(now).unsigned_abs());
    let lifetime = lifetime.min(until_entra_expiry);
    let id = format!("8:acs:{}_{}_{}", state.resource_id, claims.tid, claims.oid);
    state.identities.insert(&id);
    let token = issue_token(state, &id, &family.scopes(), lifetime)
        .ok_or_else(|| AcsError::identity_not_found(&id))?;
    tracing::info!(
        ?family,
        lifetime_secs = lifetime.as_secs(),
        "exchanged an Entra token"
    );
    Ok(json_response(
        StatusCode::OK,
        &json!({ "identity": { "id": id }, "accessToken": token.to_json() }),
    ))
}

fn authenticate(
    state: &State,
    family: Family,
    headers: &HeaderMap,
) -> Result<EntraTokenClaims, AcsError> {
    let token = bearer_token(headers)?;
    let claims = verify_entra(state, token).map_err(|e| match e {
        TokenError::Expired { .. } => AcsError::invalid_access_token(
            "The Entra ID access token has expired. Acquire a new token and retry.",
        ),
        other => AcsError::invalid_access_token(format!(
            "The Entra ID access token is not valid: {other}."
        )),
    })?;
    if !family.accepts(&claims) {
        return Err(AcsError::invalid_access_token(format!(
            "The Entra ID access token was issued for '{}' with scopes '{}', which this \
             endpoint does not accept; it accepts {}.",
            claims.aud,
            claims.scp,
            family.expected()
        )));
    }
    Ok(claims)
}

/// An azure_core [`TokenCredential`] backed by the emulator's test issuer:
/// every `get_token(scopes)` mints a fresh Entra token for exactly those
/// scopes. Made by [`Emulator::entra_credential`](crate::Emulator::entra_credential).
pub struct EmulatorEntraCredential {
    state: Arc<State>,
    template: EntraTokenSpec,
    calls: AtomicU64,
}

impl EmulatorEntraCredential {
    pub(crate) fn new(state: Arc<State>, template: EntraTokenSpec) -> Self {
        Self {
            state,
            template,
            calls: AtomicU64::new(0),
        }
    }

    /// How many tokens this credential has handed out.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }
}

impl fmt::Debug for EmulatorEntraCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorEntraCredential")
            .field("template", &self.template)
            .field("calls", &self.calls())
            .finish()
    }
}

#[async_trait::async_trait]
impl TokenCredential for EmulatorEntraCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let mut spec = self.template.clone();
        spec.scopes = scopes.iter().map(|s| (*s).to_owned()).collect();
        Ok(mint(&self.state, &spec).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(aud: &str, scp: &str) -> EntraTokenClaims {
        EntraTokenClaims {
            iss: String::new(),
            aud: aud.into(),
            scp: scp.into(),
            tid: String::new(),
            oid: String::new(),
            sub: String::new(),
            iat: 0,
            nbf: 0,
            exp: 0,
        }
    }

    #[test]
    fn scopes_split_into_audience_and_path() {
        assert_eq!(
            split_scope("https://communication.azure.com/clients/.default"),
            Some(("https://communication.azure.com", "clients/.default"))
        );
        assert_eq!(split_scope("openid"), None);
        assert_eq!(split_scope("https://host"), None);
    }

    #[test]
    fn families_accept_their_audiences_only() {
        let entra = claims(ENTRA_AUDIENCE, "clients/.default");
        let teams = claims(TEAMS_EXTENSION_AUDIENCES[1], "Teams.ManageCalls");
        assert!(Family::Entra.accepts(&entra));
        assert!(!Family::TeamsExtension.accepts(&entra));
        assert!(Family::TeamsExtension.accepts(&teams));
        assert!(!Family::Entra.accepts(&teams));
        assert!(!Family::Entra.accepts(&claims(ENTRA_AUDIENCE, "clients/x other/y")));
        assert!(!Family::Entra.accepts(&claims(ENTRA_AUDIENCE, "")));
    }
}
