//! The `api-version` query parameter: which versions each operation accepts.

use crate::error::AcsError;
use axum::http::{StatusCode, Uri};

/// Checks the `api-version` query parameter against the versions an
/// operation supports: missing or unsupported → 400 in the service's words.
pub(crate) fn check_api_version(uri: &Uri, supported: &[&str]) -> Result<(), AcsError> {
    let version = uri.query().and_then(|query| {
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == "api-version")
            .map(|(_, value)| value.into_owned())
    });
    match version {
        None => Err(AcsError::new(
            StatusCode::BAD_REQUEST,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )),
        Some(version) if supported.contains(&version.as_str()) => Ok(()),
        Some(version) => Err(AcsError::new(
            StatusCode::BAD_REQUEST,
            "UnsupportedApiVersion",
            format!(
                "The HTTP resource that matches the request URI '{}' does not support the API \
                 version '{version}'. Supported: {}.",
                uri.path(),
                supported.join(", ")
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_versions() {
        let check = |uri: &str| {
            check_api_version(&uri.parse().unwrap(), &["2023-10-01"]).map_err(|e| e.code)
        };
        assert_eq!(check("/identities?api-version=2023-10-01"), Ok(()));
        assert_eq!(check("/identities?x=1&api-version=2023-10-01"), Ok(()));
        assert_eq!(check("/identities"), Err("MissingApiVersionParameter"));
        assert_eq!(
            check("/identities?api-version="),
            Err("UnsupportedApiVersion")
        );
        assert_eq!(
            check("/identities?api-version=2021-03-07"),
            Err("UnsupportedApiVersion")
        );
    }
}
