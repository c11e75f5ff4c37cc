//! The one Chat operation the emulator serves, read-only: listing the chat
//! threads of the user an ACS user access token was issued to. It exists so
//! that clients can be tested against a route that accepts ACS user tokens
//! as the chat and calling services do: the bearer token's signature, expiry
//! (on the emulator's clock) and revocation are checked, and a token that
//! fails any of them gets the service's 401.
//!
//! The emulator keeps no chat threads: the list is always empty.

use crate::auth::bearer_token;
use crate::error::{json_response, AcsError, HandlerResult};
use crate::jwt::TokenError;
use crate::state::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::json;

/// api-versions of `GET /chat/threads` the emulator serves (the current
/// stable Chat API).
pub(crate) const CHAT_API_VERSIONS: [&str; 1] = ["2024-03-07"];

/// The service's 401 for a missing or unacceptable token (Chat
/// specification 2024-03-07, `Threads_ListChatThreadsWithPageSize.json`),
/// with the emulator's reason appended.
fn unauthorized(reason: &str) -> AcsError {
    AcsError::new(
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
        format!("Request is not authorized. {reason}"),
    )
}

/// `GET /chat/threads`: 200 `{"value": []}` for a valid ACS user token with
/// a chat scope; 401 `Unauthorized` for a missing, malformed, forged,
/// expired or revoked token or a deleted user; 403 `Forbidden` for a token
/// without a chat scope.
pub(crate) fn list_threads(state: &State, headers: &HeaderMap) -> HandlerResult {
    let token = bearer_token(headers).map_err(|e| unauthorized(&e.message))?;
    let claims = state.verify_acs_token(token).map_err(|e| {
        let reason = match e {
            TokenError::Expired { .. } => "The user access token has expired.".to_owned(),
            TokenError::Revoked => "The user access token has been revoked.".to_owned(),
            TokenError::UnknownUser => "The user of the access token does not exist.".to_owned(),
            other => format!("The user access token is not valid: {other}."),
        };
        tracing::debug!(reason = %reason, "chat request refused");
        unauthorized(&reason)
    })?;
    let chat = claims
        .scopes()
        .iter()
        .any(|scope| *scope == "chat" || scope.starts_with("chat."));
    if !chat {
        return Err(AcsError::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "User is not allowed to perform specified action. The token has no chat scope.",
        ));
    }
    Ok(json_response(StatusCode::OK, &json!({ "value": [] })))
}
