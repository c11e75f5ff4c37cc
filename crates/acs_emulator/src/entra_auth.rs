//! Bearer authentication with the emulator's Entra test issuer: the token of
//! an `Authorization: Bearer` header, checked (signature, expiry) and then
//! held against what the route accepts.

use crate::auth::bearer_token;
use crate::error::AcsError;
use crate::jwt::{EntraTokenClaims, TokenError};
use crate::state::State;
use axum::http::HeaderMap;

/// Audience of Entra tokens for the Communication Services data plane
/// (identity routes and the Entra exchange).
pub(crate) const COMMUNICATION_AUDIENCE: &str = "https://communication.azure.com";

/// Checks the bearer token of `headers` and that `accepts` its claims;
/// `expected` says what would have been accepted (for the error message).
pub(crate) fn authenticate_bearer(
    state: &State,
    headers: &HeaderMap,
    accepts: impl FnOnce(&EntraTokenClaims) -> bool,
    expected: &str,
) -> Result<EntraTokenClaims, AcsError> {
    let token = bearer_token(headers)?;
    let claims = state.verify_entra(token).map_err(|e| match e {
        TokenError::Expired { .. } => AcsError::invalid_access_token(
            "The Entra ID access token has expired. Acquire a new token and retry.",
        ),
        other => AcsError::invalid_access_token(format!(
            "The Entra ID access token is not valid: {other}."
        )),
    })?;
    if !accepts(&claims) {
        return Err(AcsError::invalid_access_token(format!(
            "The Entra ID access token was issued for '{}' with scopes '{}', which this \
             endpoint does not accept; it accepts {expected}.",
            claims.aud, claims.scp,
        )));
    }
    Ok(claims)
}

/// Whether the request carries `Authorization: Bearer ...` (rather than an
/// access-key signature).
pub(crate) fn is_bearer(headers: &HeaderMap) -> bool {
    headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .is_some_and(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
}
