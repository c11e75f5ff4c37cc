//! What the service said when it refused a request.

use azure_core::error::{Error, ErrorKind};
use azure_core::http::{headers::HeaderName, RawResponse, StatusCode};
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
/// token) is replaced by `<redacted>` in the message and in the raw
/// response's body, should the service echo it.
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

/// The error for a response whose status is not the operation's success.
/// Each of `secrets` that occurs in the body is replaced before anything is
/// kept.
pub(crate) fn service_error(response: RawResponse, secrets: &[&str]) -> Error {
    let (status, headers, body) = response.deconstruct();
    let mut text = String::from_utf8_lossy(&body).into_owned();
    let mut redacted = false;
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        if text.contains(secret) {
            text = text.replace(secret, "<redacted>");
            redacted = true;
        }
    }
    let detail = serde_json::from_str::<ErrorBody>(&text)
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
        .filter(|m| !m.trim().is_empty())
        .or_else(|| {
            Some(text.trim())
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| status.canonical_reason().into_owned());
    let service = CommunicationServiceError {
        status,
        code: header_code.or(body_code),
        message,
        target,
        request_id: headers
            .get_optional_str(&REQUEST_ID_HEADER)
            .map(str::to_owned),
    };
    let body = if redacted {
        text.into_bytes()
    } else {
        body.to_vec()
    };
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
