//! `POST /teamsUser/:exchangeAccessToken`: a Teams user's Entra token
//! (here: from the emulator's test issuer, for the Teams audience
//! `https://auth.msft.communication.azure.com`) exchanged for an ACS token
//! with a matching expiry, as in the 2023-10-01 specification.
//!
//! The Entra token must be valid and unexpired, else 401
//! `InvalidAccessToken` "Provided access token is not valid."; its `appid`
//! and `oid` claims must equal the body's `appId` and `userId`, else 400
//! `ValidationError` with target `appId` or `userId`.

use crate::bodies::{parse_body, required_field, TeamsUserExchangeRequest};
use crate::error::{json_response, AcsError, HandlerResult};
use crate::state::State;
use axum::http::StatusCode;
use std::time::Duration;

/// Audiences a Teams user's Entra token for the exchange is issued for.
const TEAMS_AUDIENCES: [&str; 2] = [
    "https://auth.msft.communication.azure.com",
    "https://auth.msft.communication.azure.us",
];

/// The scopes of ACS tokens for Teams users.
const TEAMS_USER_SCOPES: [&str; 2] = ["chat", "voip"];

fn invalid_token() -> AcsError {
    AcsError::invalid_access_token("Provided access token is not valid.")
}

/// → 200 `{"token","expiresOn"}` for the Teams user `8:orgid:{oid}`.
/// `token_only`: the pre-2022-06-01 shape, `{token}`, without the
/// `appId` / `userId` checks.
pub(crate) fn exchange(state: &State, body: &[u8], token_only: bool) -> HandlerResult {
    let request: TeamsUserExchangeRequest = parse_body(body, false)?;
    let token = request.token.ok_or_else(|| required_field("Token"))?;
    let (app_id, user_id) = if token_only {
        (None, None)
    } else {
        (
            Some(request.app_id.ok_or_else(|| required_field("AppId"))?),
            Some(request.user_id.ok_or_else(|| required_field("UserId"))?),
        )
    };
    let claims = state.verify_entra(&token).map_err(|e| {
        tracing::debug!(error = %e, "Teams user token refused");
        invalid_token()
    })?;
    if !TEAMS_AUDIENCES.contains(&claims.aud.as_str()) {
        tracing::debug!(aud = %claims.aud, "Teams user token for another audience");
        return Err(invalid_token());
    }
    if app_id.is_some_and(|app_id| !claims.appid.eq_ignore_ascii_case(&app_id)) {
        return Err(AcsError::validation(
            "appId",
            "The appId does not match the appid claim of the provided access token.",
        ));
    }
    if user_id.is_some_and(|user_id| !claims.oid.eq_ignore_ascii_case(&user_id)) {
        return Err(AcsError::validation(
            "userId",
            "The userId does not match the oid claim of the provided access token.",
        ));
    }
    let now = state.now().unix_timestamp();
    let lifetime = Duration::from_secs(claims.exp.saturating_sub(now).unsigned_abs());
    let id = format!("8:orgid:{}", claims.oid);
    state.identities.insert(&id);
    let scopes: Vec<String> = TEAMS_USER_SCOPES.iter().map(|s| (*s).to_owned()).collect();
    let token = state
        .issue_token(&id, &scopes, lifetime)
        .ok_or_else(|| AcsError::identity_not_found(&id))?;
    tracing::info!(
        lifetime_secs = lifetime.as_secs(),
        "exchanged a Teams user token"
    );
    Ok(json_response(StatusCode::OK, &token.to_json()))
}
