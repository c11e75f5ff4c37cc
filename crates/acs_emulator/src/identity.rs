//! Handlers of the identity operations (api-version 2023-10-01 shapes):
//! create, issue token, revoke tokens, delete; and their authentication,
//! access key (HMAC) or an Entra bearer token, as the service accepts both.

use crate::auth::verify_hmac;
use crate::bodies::{
    parse_body, requested_lifetime, required_field, validate_scopes, CreateRequest, IssueRequest,
};
use crate::entra_auth::{authenticate_bearer, is_bearer, COMMUNICATION_AUDIENCE};
use crate::error::{json_response, AcsError, HandlerResult};
use crate::state::{random_guid, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde_json::json;

/// Authenticates an identity request: `Authorization: Bearer <Entra token>`
/// for the audience `https://communication.azure.com` (from the emulator's
/// test issuer), or else an access-key signature.
pub(crate) fn authenticate(state: &State, parts: &Parts, body: &[u8]) -> Result<(), AcsError> {
    if is_bearer(&parts.headers) {
        authenticate_bearer(
            state,
            &parts.headers,
            |claims| claims.aud == COMMUNICATION_AUDIENCE,
            &format!("tokens for {COMMUNICATION_AUDIENCE}/.default"),
        )
        .map(drop)
    } else {
        verify_hmac(
            &state.signer,
            parts,
            body,
            time::OffsetDateTime::now_utc(),
            state.options.clock_skew_tolerance,
        )
    }
}

/// `POST /identities` → 201 `{"identity":{"id"},"accessToken"?}`.
pub(crate) fn create(state: &State, headers: &HeaderMap, body: &[u8]) -> HandlerResult {
    // Unknown members (e.g. createTokenFor) are ignored, as the service's
    // model binding ignores them.
    let request: CreateRequest = parse_body(body, true)?;
    let lifetime = requested_lifetime(&state.options, headers, request.expires_in_minutes)?;
    let scopes = match request.create_token_with_scopes {
        Some(scopes) => validate_scopes(scopes, "createTokenWithScopes")?,
        None => Vec::new(),
    };
    let id = format!("8:acs:{}_{}", state.resource_id, random_guid());
    state.identities.insert(&id);
    let mut response = json!({ "identity": { "id": id } });
    if !scopes.is_empty() {
        let token = state
            .issue_token(&id, &scopes, lifetime)
            .ok_or_else(|| AcsError::identity_not_found(&id))?;
        response["accessToken"] = token.to_json();
    }
    tracing::info!(scopes = scopes.len(), "created an identity");
    Ok(json_response(StatusCode::CREATED, &response))
}

/// 401 `IdentityNotOwned` unless `id` is an ACS user id of this resource,
/// `8:acs:{resource id}_...`.
fn check_owned(state: &State, id: &str) -> Result<(), AcsError> {
    let owned = id
        .strip_prefix("8:acs:")
        .and_then(|rest| rest.strip_prefix(state.resource_id.as_str()))
        .is_some_and(|rest| rest.starts_with('_'));
    if owned {
        Ok(())
    } else {
        Err(AcsError::identity_not_owned())
    }
}

/// `POST /identities/{id}/:issueAccessToken` → 200 `{"token","expiresOn"}`.
pub(crate) fn issue(state: &State, headers: &HeaderMap, id: &str, body: &[u8]) -> HandlerResult {
    check_owned(state, id)?;
    if !state.identities.contains(id) {
        return Err(AcsError::identity_not_found(id));
    }
    let request: IssueRequest = parse_body(body, false)?;
    let Some(scopes) = request.scopes else {
        return Err(required_field("Scopes"));
    };
    if scopes.is_empty() {
        return Err(AcsError::validation(
            "scopes",
            "Invalid scopes - Scopes field is required.",
        ));
    }
    let scopes = validate_scopes(scopes, "scopes")?;
    let lifetime = requested_lifetime(&state.options, headers, request.expires_in_minutes)?;
    let token = state
        .issue_token(id, &scopes, lifetime)
        .ok_or_else(|| AcsError::identity_not_found(id))?;
    tracing::info!(lifetime_secs = lifetime.as_secs(), "issued a token");
    Ok(json_response(StatusCode::OK, &token.to_json()))
}

/// `POST /identities/{id}/:revokeAccessTokens` → 204.
pub(crate) fn revoke(state: &State, id: &str) -> HandlerResult {
    check_owned(state, id)?;
    if !state.identities.revoke(id) {
        return Err(AcsError::identity_not_found(id));
    }
    tracing::info!("revoked an identity's tokens");
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /identities/{id}` → 204.
pub(crate) fn delete(state: &State, id: &str) -> HandlerResult {
    check_owned(state, id)?;
    if !state.identities.remove(id) {
        return Err(AcsError::identity_not_found(id));
    }
    tracing::info!("deleted an identity");
    Ok(StatusCode::NO_CONTENT.into_response())
}
