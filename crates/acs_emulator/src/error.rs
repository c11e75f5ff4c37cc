//! ACS-shaped error responses: `{"error":{"code":..,"message":..}}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error the emulator answers with, in the shape of the service's
/// `CommunicationErrorResponse`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AcsError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub target: Option<&'static str>,
}

impl AcsError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            target: None,
        }
    }

    pub fn with_target(mut self, target: &'static str) -> Self {
        self.target = Some(target);
        self
    }

    /// 401 `Denied`: access-key authentication failed.
    pub fn denied(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Denied", message)
    }

    /// 401 `InvalidAccessToken`: a bearer token was missing or not acceptable.
    pub fn invalid_access_token(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "InvalidAccessToken", message)
    }

    /// 400 `BadRequest`: the body could not be read as the operation's request.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    /// 400 `ValidationError` for one property of the request body.
    pub fn validation(target: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ValidationError", message).with_target(target)
    }

    /// 401 `IdentityNotOwned`: the id is another resource's, as the service
    /// answers for issue, revoke and delete.
    pub fn identity_not_owned() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "IdentityNotOwned",
            "Provided identity doesn't belong to the resource.",
        )
    }

    /// 404 `IdentityNotFound`.
    pub fn identity_not_found(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "IdentityNotFound",
            format!("Identity '{id}' was not found."),
        )
    }

    /// 404 `NotFound` for a path no operation matches.
    pub fn no_route(method: &str, path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("No operation matches {method} {path}."),
        )
    }

    /// 405 `MethodNotAllowed`, naming the method that would work.
    pub fn method_not_allowed(method: &str, allowed: &'static str) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            format!("The method {method} is not allowed here; use {allowed}."),
        )
    }

    pub fn to_json(&self) -> serde_json::Value {
        let mut error = json!({ "code": self.code, "message": self.message });
        if let Some(target) = self.target {
            error["target"] = json!(target);
        }
        json!({ "error": error })
    }
}

impl IntoResponse for AcsError {
    fn into_response(self) -> Response {
        let body = self.to_json().to_string();
        let mut response = (self.status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}

/// Result of a handler: a response or an ACS error.
pub(crate) type HandlerResult = Result<Response, AcsError>;

/// A JSON success response with the given status, typed
/// `application/json; charset=utf-8` as the service's success bodies are
/// (its error bodies are plain `application/json`).
pub(crate) fn json_response(status: StatusCode, body: &serde_json::Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}
