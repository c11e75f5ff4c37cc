//! What the service said when it refused a request.

use azure_core::error::{Error, ErrorKind};
use azure_core::http::{
    headers::{HeaderName, Headers},
    RawResponse, StatusCode,
};
use serde::Deserialize;
use std::fmt;

/// The header in which a service may name the error code.
const ERROR_CODE_HEADER: HeaderName = HeaderName::from_static("x-ms-error-code");

/// The header carrying the service's id for the request (quote it in a
/// support request).
const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-ms-request-id");

/// An error answer from Azure Communication Services: the ACS error body
/// `{"error":{"code","message","target"}}` plus the status and request id.
///
/// Every failed operation of
/// [`CommunicationIdentityClient`](crate::CommunicationIdentityClient) that
/// reached the service returns an [`azure_core::Error`] whose kind is
/// [`ErrorKind::HttpResponse`] (status, error code and the raw response with
/// all its headers, as azure_core's own clients report) and whose inner error
/// is this type, so the target is at hand too:
///
/// ```
/// use azure_communication_identity::CommunicationServiceError;
///
/// fn describe(error: &azure_core::Error) -> String {
///     match error.downcast_ref::<CommunicationServiceError>() {
///         Some(service) if service.code() == Some("IdentityNotFound") => "no such user".into(),
///         Some(service) => format!("the service refused: {service}"),
///         None => format!("no answer from the service: {error}"),
///     }
/// }
/// # let _ = describe;
/// ```
///
/// Whatever the request carried that is secret (a Teams user's Entra ID
/// token) is replaced by `<redacted>` in the code, message, target and
/// request id and in the raw response's headers and body, should the
/// service echo it, verbatim or JSON-escaped (`\u0065yJ0...`); a JSON body
/// that held it is then kept as compact JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommunicationServiceError {
    status: StatusCode,
    code: Option<String>,
    message: String,
    target: Option<String>,
    request_id: Option<String>,
}

impl CommunicationServiceError {
    /// The HTTP status of the answer.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The ACS error code, e.g. `IdentityNotFound`, `ValidationError`,
    /// `IdentityNotOwned`, `Denied` (from the `x-ms-error-code` header when
    /// present, as azure_core does, else from the body).
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The service's message (or the status's reason when the body has none).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// What the error is about, e.g. `expiresInMinutes` or `scopes`.
    pub fn target(&self) -> Option<&str> {
        self.target.as_deref()
    }

    /// The service's `x-ms-request-id` for the request, if it sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

impl fmt::Display for CommunicationServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}", self.message, u16::from(self.status))?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if let Some(target) = &self.target {
            write!(f, ", target {target}")?;
        }
        if let Some(request_id) = &self.request_id {
            write!(f, ", request id {request_id}")?;
        }
        f.write_str(")")
    }
}

impl std::error::Error for CommunicationServiceError {}

#[derive(Deserialize)]
struct ErrorBody {
    error: Option<ErrorDetail>,
}

#[derive(Deserialize)]
struct ErrorDetail {
    code: Option<String>,
    message: Option<String>,
    target: Option<String>,
}

/// What replaces a secret the service echoed.
const REDACTED: &str = "<redacted>";

/// `text` with every one of `secrets` replaced by [`REDACTED`].
fn redact(text: &str, secrets: &[&str]) -> String {
    secrets.iter().fold(text.to_owned(), |text, secret| {
        text.replace(secret, REDACTED)
    })
}

fn contains_any(text: &str, secrets: &[&str]) -> bool {
    secrets.iter().any(|secret| text.contains(secret))
}

/// Whether a string of `value` (a member name or a string value, as decoded:
/// `\u0065` is `e`) contains one of `secrets`.
fn json_holds_secret(value: &serde_json::Value, secrets: &[&str]) -> bool {
    match value {
        serde_json::Value::String(s) => contains_any(s, secrets),
        serde_json::Value::Array(items) => items.iter().any(|v| json_holds_secret(v, secrets)),
        serde_json::Value::Object(members) => members
            .iter()
            .any(|(k, v)| contains_any(k, secrets) || json_holds_secret(v, secrets)),
        _ => false,
    }
}

/// `value` with `secrets` redacted in every member name and string.
fn redact_json(value: serde_json::Value, secrets: &[&str]) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => Value::String(redact(&s, secrets)),
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| redact_json(v, secrets)).collect())
        }
        Value::Object(members) => Value::Object(
            members
                .into_iter()
                .map(|(k, v)| (redact(&k, secrets), redact_json(v, secrets)))
                .collect(),
        ),
        other => other,
    }
}

/// The body as the error keeps it (`None`: unchanged) and its text.
///
/// A JSON body is redacted as decoded, so a secret the service echoed with
/// some characters escaped (`\u0065yJ0...`) is found too; the body is then
/// written back as compact JSON (with a last textual pass, for a secret that
/// only appears across an escape). Any other body is redacted as text.
fn redact_body(body: &[u8], secrets: &[&str]) -> (Option<Vec<u8>>, String) {
    let text = String::from_utf8_lossy(body).into_owned();
    if secrets.is_empty() {
        return (None, text);
    }
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) {
        if json_holds_secret(&json, secrets) || contains_any(&text, secrets) {
            let written = serde_json::to_string(&redact_json(json, secrets))
                .unwrap_or_else(|_| REDACTED.to_owned());
            let written = redact(&written, secrets);
            return (Some(written.clone().into_bytes()), written);
        }
        return (None, text);
    }
    if contains_any(&text, secrets) {
        let redacted = redact(&text, secrets);
        return (Some(redacted.clone().into_bytes()), redacted);
    }
    (None, text)
}

/// The error for a response whose status is not the operation's success.
/// Each of `secrets` the service echoed, verbatim or JSON-escaped, is
/// replaced by `<redacted>` before anything is kept: in the code, message
/// and target, the request id, the raw response's headers and its body.
pub(crate) fn service_error(response: RawResponse, secrets: &[&str]) -> Error {
    let secrets: Vec<&str> = secrets.iter().copied().filter(|s| !s.is_empty()).collect();
    let (status, headers, body) = response.deconstruct();
    let headers = if headers
        .iter()
        .any(|(_, value)| contains_any(value.as_str(), &secrets))
    {
        let mut redacted = Headers::new();
        for (name, value) in headers.iter() {
            redacted.insert(name.clone(), redact(value.as_str(), &secrets));
        }
        redacted
    } else {
        headers
    };
    let (kept_body, text) = redact_body(&body, &secrets);
    // Read from the body as sent: its strings are redacted once decoded.
    let detail = serde_json::from_slice::<ErrorBody>(&body)
        .ok()
        .and_then(|body| body.error);
    let header_code = headers
        .get_optional_str(&ERROR_CODE_HEADER)
        .map(str::to_owned);
    let (body_code, message, target) = match detail {
        Some(detail) => (detail.code, detail.message, detail.target),
        None => (None, None, None),
    };
    let message = message
        .map(|m| redact(&m, &secrets))
        .filter(|m| !m.trim().is_empty())
        .or_else(|| {
            Some(text.trim())
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| status.canonical_reason().into_owned());
    let service = CommunicationServiceError {
        status,
        code: header_code.or(body_code.map(|c| redact(&c, &secrets))),
        message,
        target: target.map(|t| redact(&t, &secrets)),
        request_id: headers
            .get_optional_str(&REQUEST_ID_HEADER)
            .map(str::to_owned),
    };
    let body = kept_body.unwrap_or_else(|| body.to_vec());
    let raw_response = RawResponse::from_bytes(status, headers, body);
    Error::new(
        ErrorKind::HttpResponse {
            status,
            error_code: service.code.clone(),
            raw_response: Some(Box::new(raw_response)),
        },
        service,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use azure_core::http::headers::Headers;

    fn response(status: StatusCode, headers: &[(&'static str, &str)], body: &str) -> RawResponse {
        let mut map = Headers::new();
        for (name, value) in headers {
            map.insert(HeaderName::from_static(name), value.to_string());
        }
        RawResponse::from_bytes(status, map, body.to_owned())
    }

    #[test]
    fn keeps_code_message_target_request_id_and_raw_response() {
        let error = service_error(
            response(
                StatusCode::BadRequest,
                &[("x-ms-request-id", "req-1")],
                r#"{"error":{"code":"ValidationError","message":"bad minutes","target":"expiresInMinutes"}}"#,
            ),
            &[],
        );
        let ErrorKind::HttpResponse {
            status,
            error_code,
            raw_response,
        } = error.kind()
        else {
            panic!("{error:?}");
        };
        assert_eq!(*status, StatusCode::BadRequest);
        assert_eq!(error_code.as_deref(), Some("ValidationError"));
        let raw = raw_response.as_ref().unwrap();
        assert_eq!(
            raw.headers().get_optional_str(&REQUEST_ID_HEADER),
            Some("req-1")
        );
        let service = error.downcast_ref::<CommunicationServiceError>().unwrap();
        assert_eq!(service.code(), Some("ValidationError"));
        assert_eq!(service.message(), "bad minutes");
        assert_eq!(service.target(), Some("expiresInMinutes"));
        assert_eq!(service.request_id(), Some("req-1"));
        assert_eq!(
            error.to_string(),
            "bad minutes (400 ValidationError, target expiresInMinutes, request id req-1)"
        );
    }

    #[test]
    fn the_header_code_wins_and_a_bodyless_answer_keeps_its_reason() {
        let error = service_error(
            response(
                StatusCode::ServiceUnavailable,
                &[("x-ms-error-code", "Busy")],
                "",
            ),
            &[],
        );
        let service = error.downcast_ref::<CommunicationServiceError>().unwrap();
        assert_eq!(service.code(), Some("Busy"));
        assert_eq!(service.message(), "Service Unavailable");
        assert_eq!(error.http_status(), Some(StatusCode::ServiceUnavailable));
    }

    #[test]
    fn a_non_acs_body_becomes_the_message() {
        let error = service_error(response(StatusCode::BadGateway, &[], "upstream down"), &[]);
        let service = error.downcast_ref::<CommunicationServiceError>().unwrap();
        assert_eq!(service.code(), None);
        assert_eq!(service.message(), "upstream down");
    }

    #[test]
    fn echoed_secrets_are_redacted_everywhere() {
        let secret = "eyJ.secret-entra-token.sig";
        let error = service_error(
            response(
                StatusCode::Unauthorized,
                &[],
                &format!(
                    r#"{{"error":{{"code":"InvalidAccessToken","message":"token {secret} expired"}}}}"#
                ),
            ),
            &[secret],
        );
        assert!(!error.to_string().contains(secret));
        assert!(!format!("{error:?}").contains(secret));
        let ErrorKind::HttpResponse {
            raw_response: Some(raw),
            ..
        } = error.kind()
        else {
            panic!("{error:?}");
        };
        let body = String::from_utf8(raw.body().to_vec()).unwrap();
        assert!(!body.contains(secret), "{body}");
        assert!(body.contains("<redacted>"));
    }
}
