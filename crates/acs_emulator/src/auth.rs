//! Request authentication: access-key HMAC (identity routes) and bearer
//! tokens (exchange routes).
//!
//! The HMAC check is the service's: the content hash is recomputed from the
//! body bytes received, and the signature from the method, the request line's
//! path and query, the `Host` header and the `x-ms-date` header text verbatim,
//! with the library's [`AccessKeySigner`]. Every failure is a 401 `Denied`
//! whose message says which check failed (never the expected values).

use crate::error::AcsError;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use azure_communication_common::AccessKeySigner;
use std::time::Duration;
use time::OffsetDateTime;

/// Checks the access-key signature of a request whose body is `body`.
pub(crate) fn verify_hmac(
    signer: &AccessKeySigner,
    parts: &Parts,
    body: &[u8],
    now: OffsetDateTime,
    tolerance: Duration,
) -> Result<(), AcsError> {
    let headers = &parts.headers;
    let authorization = required_header(headers, "authorization")?;
    let x_ms_date = required_header(headers, "x-ms-date")?;
    let content_hash = required_header(headers, "x-ms-content-sha256")?;
    let host = required_header(headers, "host")?;

    let Some(signature) = authorization.strip_prefix("HMAC-SHA256 ") else {
        return Err(AcsError::denied(
            "The Authorization header is not an HMAC-SHA256 access-key signature.",
        ));
    };
    let Some(signed_headers) = signature
        .strip_prefix("SignedHeaders=")
        .and_then(|rest| rest.split('&').next())
    else {
        return Err(AcsError::denied(
            "The Authorization header has no SignedHeaders.",
        ));
    };
    if signed_headers != AccessKeySigner::SIGNED_HEADERS {
        return Err(AcsError::denied(format!(
            "SignedHeaders must be '{}', got '{signed_headers}'.",
            AccessKeySigner::SIGNED_HEADERS
        )));
    }
    if !authorization.starts_with(AccessKeySigner::AUTHORIZATION_PREFIX) {
        return Err(AcsError::denied(
            "The Authorization header has no Signature.",
        ));
    }

    let date = parse_x_ms_date(x_ms_date).ok_or_else(|| {
        AcsError::denied(format!(
            "The x-ms-date header '{x_ms_date}' is not an RFC 1123 date such as \
             'Thu, 01 Jan 2026 00:00:00 GMT'."
        ))
    })?;
    let skew = (now - date).abs();
    if skew > tolerance {
        return Err(AcsError::denied(format!(
            "The x-ms-date header is {} seconds off the server's time; at most {} minutes \
             are allowed.",
            skew.whole_seconds(),
            tolerance.as_secs() / 60
        )));
    }

    if content_hash != AccessKeySigner::content_hash(body) {
        return Err(AcsError::denied(
            "Request 'x-ms-content-sha256' differs from generated content hash.",
        ));
    }

    let path_and_query = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    signer
        .verify(
            parts.method.as_str(),
            path_and_query,
            host,
            x_ms_date,
            content_hash,
            authorization,
        )
        .map_err(|e| AcsError::denied(format!("Signature mismatch: {e}.")))
}

/// The token of an `Authorization: Bearer <token>` header.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Result<&str, AcsError> {
    let mut values = headers.get_all("authorization").iter();
    let value = values
        .next()
        .ok_or_else(|| AcsError::invalid_access_token("The Authorization header is missing."))?;
    if values.next().is_some() {
        return Err(AcsError::invalid_access_token(
            "The Authorization header must appear only once.",
        ));
    }
    let value = value
        .to_str()
        .map_err(|_| AcsError::invalid_access_token("The Authorization header is not ASCII."))?;
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AcsError::invalid_access_token(
            "The Authorization header must be 'Bearer <access token>'.",
        ));
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(AcsError::invalid_access_token("The bearer token is empty."));
    }
    Ok(token)
}

/// The one value of a header the signature depends on. A repeated header is
/// refused rather than read from its first copy (the service sees the copies
/// joined, which is not a valid value).
fn required_header<'a>(headers: &'a HeaderMap, name: &str) -> Result<&'a str, AcsError> {
    let mut values = headers.get_all(name).iter();
    let value = values
        .next()
        .ok_or_else(|| AcsError::denied(format!("Missing header {name}.")))?;
    if values.next().is_some() {
        return Err(AcsError::denied(format!(
            "The {name} header must appear only once."
        )));
    }
    value
        .to_str()
        .map_err(|_| AcsError::denied(format!("The {name} header is not ASCII.")))
}

/// Parses an IMF-fixdate such as `Thu, 01 Jan 2026 00:00:00 GMT`.
///
/// Only the canonical form is accepted: the parser ignores the day name and
/// allows a signed year, so the text must also be exactly what formatting the
/// parsed date gives back (`Mon, 13 Apr 2022 ...` is not a date).
pub(crate) fn parse_x_ms_date(text: &str) -> Option<OffsetDateTime> {
    let date = azure_core::time::parse_rfc7231(text).ok()?;
    (AccessKeySigner::format_date(date) == text).then_some(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn parses_imf_fixdate_only() {
        assert_eq!(
            parse_x_ms_date("Wed, 13 Apr 2022 18:09:12 GMT"),
            Some(datetime!(2022-04-13 18:09:12 UTC))
        );
        assert_eq!(parse_x_ms_date("2022-04-13T18:09:12Z"), None);
        assert_eq!(parse_x_ms_date("Wed, 13 Apr 2022 18:09:12 +0000"), None);
        // the day name must be the date's; the year has no sign
        assert_eq!(parse_x_ms_date("Mon, 13 Apr 2022 18:09:12 GMT"), None);
        assert_eq!(parse_x_ms_date("Wed, 13 Apr +2022 18:09:12 GMT"), None);
        assert_eq!(parse_x_ms_date(""), None);
    }

    #[test]
    fn bearer_header_forms() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer_token(&headers).unwrap_err().status, 401);
        headers.insert("authorization", "Basic abc".parse().unwrap());
        assert!(bearer_token(&headers).is_err());
        headers.insert("authorization", "Bearer ".parse().unwrap());
        assert!(bearer_token(&headers).is_err());
        headers.insert("authorization", "bearer a.b.c".parse().unwrap());
        assert_eq!(bearer_token(&headers).unwrap(), "a.b.c");
    }
}
