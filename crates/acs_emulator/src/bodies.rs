//! Request bodies of the identity and exchange operations, how they are read
//! and validated, and the token lifetime a request asks for.
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

use crate::error::AcsError;
use crate::options::{EmulatorOptions, SERVICE_EXPIRES_IN_MINUTES};
use axum::http::HeaderMap;
use serde::Deserialize;
use std::time::Duration;

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

/// Longest lifetime the lifetime header may ask for: 24 hours.
const MAX_HEADER_LIFETIME_SECONDS: u64 = 24 * 60 * 60;

/// `POST /identities` body.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateRequest {
    pub create_token_with_scopes: Option<Vec<String>>,
    pub expires_in_minutes: Option<i64>,
}

/// `POST /identities/{id}/:issueAccessToken` body.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IssueRequest {
    pub scopes: Option<Vec<String>>,
    pub expires_in_minutes: Option<i64>,
}

/// `POST /teamsUser/:exchangeAccessToken` body (2022-06-01 and later:
/// `appId` and `userId` are required).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TeamsUserExchangeRequest {
    pub token: Option<String>,
    pub app_id: Option<String>,
    pub user_id: Option<String>,
}

/// The service's model-binding answer for a required property that is
/// missing or null: target and message name it in PascalCase,
/// `Scopes: The Scopes field is required.`
pub(crate) fn required_field(pascal: &'static str) -> AcsError {
    AcsError::validation(pascal, format!("{pascal}: The {pascal} field is required."))
}

/// The lifetime for a token requested with these headers and
/// `expiresInMinutes`.
pub(crate) fn requested_lifetime(
    options: &EmulatorOptions,
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
        None => Ok(options.token_lifetime),
        Some(minutes) => {
            let allowed = if options.allow_short_token_lifetimes {
                1..=*SERVICE_EXPIRES_IN_MINUTES.end()
            } else {
                SERVICE_EXPIRES_IN_MINUTES
            };
            if !allowed.contains(&minutes) {
                return Err(AcsError::validation(
                    "ExpiresInMinutes",
                    format!(
                        "ExpiresInMinutes value {minutes} is invalid. Value must be within the \
                         [{}, {}] interval.",
                        allowed.start(),
                        allowed.end()
                    ),
                ));
            }
            Ok(Duration::from_secs(minutes.unsigned_abs() * 60))
        }
    }
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

/// Checks every scope is one the service knows; drops repeats.
pub(crate) fn validate_scopes(
    scopes: Vec<String>,
    target: &'static str,
) -> Result<Vec<String>, AcsError> {
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

    #[test]
    fn scopes_are_validated_and_deduplicated() {
        let scopes = validate_scopes(vec!["chat".into(), "voip".into(), "chat".into()], "scopes");
        assert_eq!(scopes.unwrap(), ["chat", "voip"]);
        let err = validate_scopes(vec!["admin".into()], "scopes").unwrap_err();
        assert_eq!(err.status, 400);
        assert!(err.message.contains("'admin'"));
    }
}
