//! The Entra ID token exchange endpoints and the emulator's test issuer of
//! Entra tokens.
//!
//! Real Entra tokens cannot be had in tests, so the emulator mints its own
//! (see `tokens`):
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

use crate::bodies::{parse_body, requested_lifetime};
use crate::entra_auth::{authenticate_bearer, COMMUNICATION_AUDIENCE as ENTRA_AUDIENCE};
use crate::error::{json_response, AcsError, HandlerResult};
use crate::jwt::EntraTokenClaims;
use crate::state::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::json;
use std::time::Duration;

/// api-version of the Entra exchange endpoint.
pub const ENTRA_API_VERSION: &str = "2025-03-02-preview";
/// api-version of the Teams extension exchange endpoint.
pub const TEAMS_EXTENSION_API_VERSION: &str = "2025-06-30";

/// Audiences of tokens for the Teams extension exchange.
const TEAMS_EXTENSION_AUDIENCES: [&str; 2] = [
    "https://auth.msft.communication.azure.com",
    "https://auth.msft.communication.azure.us",
];

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
    let lifetime = requested_lifetime(&state.options, headers, None)?;
    let now = state.now().unix_timestamp();
    let until_entra_expiry = Duration::from_secs(claims.exp.saturating_sub(now).unsigned_abs());
    let lifetime = lifetime.min(until_entra_expiry);
    // The Entra exchange's identities carry `wf`, as the 2025-03-02-preview
    // example ExchangeEntraIdToken.json shows; the Teams extension's do not.
    let marker = match family {
        Family::Entra => "wf_",
        Family::TeamsExtension => "",
    };
    let id = format!(
        "8:acs:{}_{marker}{}_{}",
        state.resource_id, claims.tid, claims.oid
    );
    state.identities.insert(&id);
    let token = state
        .issue_token(&id, &family.scopes(), lifetime)
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
    authenticate_bearer(
        state,
        headers,
        |claims| family.accepts(claims),
        &family.expected(),
    )
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
            appid: String::new(),
            sub: String::new(),
            iat: 0,
            nbf: 0,
            exp: 0,
        }
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
