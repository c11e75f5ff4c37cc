//! Emulator-only admin routes, so that a test driving the `acs-emulator`
//! binary from another process has the same controls as the library API.
//!
//! Every admin request must carry `x-emulator-admin-key: <access key>` (the
//! key of the connection string); admin requests are counted under
//! [`Route::Admin`] and are never delayed or faulted. The routes are listed
//! in the crate docs ("Admin routes").

use crate::bodies::parse_body;
use crate::error::{json_response, AcsError, HandlerResult};
use crate::faults::FaultRule;
use crate::route::{Route, ADMIN_PREFIX};
use crate::state::State;
use crate::tokens::{format_expires_on, EntraTokenSpec};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

/// The header admin requests authenticate with.
pub const ADMIN_KEY_HEADER: &str = "x-emulator-admin-key";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FaultRequest {
    status: Option<u16>,
    retry_after_ms: Option<u64>,
    times: usize,
    route: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LatencyRequest {
    milliseconds: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdvanceRequest {
    seconds: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EntraTokenRequest {
    scopes: Vec<String>,
    expires_in_seconds: Option<u64>,
    tenant_id: Option<String>,
    object_id: Option<String>,
}

pub(crate) fn handle(state: &State, parts: &Parts, body: &[u8]) -> HandlerResult {
    authenticate(state, parts)?;
    let op = parts
        .uri
        .path()
        .strip_prefix(ADMIN_PREFIX)
        .unwrap_or_default();
    let method = &parts.method;
    let no_content = || Ok(StatusCode::NO_CONTENT.into_response());
    match (op, method) {
        ("requests", &Method::GET) => {
            let mut counts = serde_json::Map::new();
            for route in Route::ALL {
                counts.insert(route.name().to_owned(), json!(state.counters.count(route)));
            }
            counts.insert("total".into(), json!(state.counters.total()));
            Ok(json_response(StatusCode::OK, &counts.into()))
        }
        ("requests", &Method::DELETE) => {
            state.counters.reset();
            no_content()
        }
        ("faults", &Method::POST) => {
            let request: FaultRequest = parse_body(body, false)?;
            let mut rule = match (request.status, request.retry_after_ms) {
                (Some(status), None) => FaultRule::status(status, request.times),
                (None, Some(ms)) => FaultRule::throttle(Duration::from_millis(ms), request.times),
                _ => {
                    return Err(AcsError::bad_request(
                        "Give exactly one of status and retryAfterMs.",
                    ))
                }
            };
            if let Some(route) = request.route {
                let route: Route = route.parse().map_err(AcsError::bad_request)?;
                rule = rule.on(route);
            }
            state.faults.inject(rule);
            no_content()
        }
        ("faults", &Method::DELETE) => {
            state.faults.clear();
            no_content()
        }
        ("latency", &Method::PUT) => {
            let request: LatencyRequest = parse_body(body, false)?;
            state
                .faults
                .set_latency(Duration::from_millis(request.milliseconds));
            no_content()
        }
        ("clock:advance", &Method::POST) => {
            let request: AdvanceRequest = parse_body(body, false)?;
            let seconds = i64::try_from(request.seconds).unwrap_or(i64::MAX);
            state.advance(time::Duration::seconds(seconds));
            no_content()
        }
        ("entraTokens", &Method::POST) => {
            let request: EntraTokenRequest = parse_body(body, false)?;
            let mut spec = EntraTokenSpec::new(request.scopes);
            if let Some(seconds) = request.expires_in_seconds {
                spec = spec.expires_in(Duration::from_secs(seconds));
            }
            if let Some(tenant) = request.tenant_id {
                spec = spec.tenant_id(tenant);
            }
            if let Some(object) = request.object_id {
                spec = spec.object_id(object);
            }
            let token = state.mint_entra(&spec);
            Ok(json_response(
                StatusCode::OK,
                &json!({ "token": token.token, "expiresOn": format_expires_on(token.expires_on) }),
            ))
        }
        ("requests" | "faults" | "latency" | "clock:advance" | "entraTokens", _) => {
            Err(AcsError::method_not_allowed(method.as_str(), allowed(op)))
        }
        _ => Err(AcsError::no_route(method.as_str(), parts.uri.path())),
    }
}

fn allowed(op: &str) -> &'static str {
    match op {
        "requests" => "GET or DELETE",
        "faults" => "POST or DELETE",
        "latency" => "PUT",
        _ => "POST",
    }
}

fn authenticate(state: &State, parts: &Parts) -> Result<(), AcsError> {
    let given = parts
        .headers
        .get(ADMIN_KEY_HEADER)
        .ok_or_else(|| AcsError::denied(format!("Missing header {ADMIN_KEY_HEADER}.")))?;
    // Constant-time comparison: the key is a secret.
    let given = given.as_bytes();
    let expected = state.access_key.as_bytes();
    let differs = given.len() != expected.len()
        || given
            .iter()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            != 0;
    if differs {
        return Err(AcsError::denied(format!(
            "The {ADMIN_KEY_HEADER} header is not the emulator's access key."
        )));
    }
    Ok(())
}
