//! The operations the emulator serves and how a request line maps to one.
//!
//! Routing is done by hand rather than with axum's router: the service's paths
//! have segments such as `/:issueAccessToken` and identity ids with raw `:`,
//! and every miss must be answered with an ACS error body.

use crate::error::AcsError;
use axum::http::{Method, StatusCode, Uri};
use percent_encoding::percent_decode_str;
use std::fmt;
use std::str::FromStr;

/// An operation of the emulated service, for request counters and for
/// aiming injected faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Route {
    /// `POST /identities`
    CreateIdentity,
    /// `POST /identities/{id}/:issueAccessToken`
    IssueAccessToken,
    /// `POST /identities/{id}/:revokeAccessTokens`
    RevokeAccessTokens,
    /// `DELETE /identities/{id}`
    DeleteIdentity,
    /// `POST /access/entra/:exchangeAccessToken`
    ExchangeEntraToken,
    /// `POST /access/teamsExtension/:exchangeAccessToken`
    ExchangeTeamsExtensionToken,
    /// Any request no operation matched (answered 404 or 405).
    Unmatched,
    /// The emulator-only admin routes under `/emulator/` (never delayed or
    /// faulted).
    Admin,
}

impl Route {
    /// Every route, in declaration order.
    pub const ALL: [Route; 8] = [
        Route::CreateIdentity,
        Route::IssueAccessToken,
        Route::RevokeAccessTokens,
        Route::DeleteIdentity,
        Route::ExchangeEntraToken,
        Route::ExchangeTeamsExtensionToken,
        Route::Unmatched,
        Route::Admin,
    ];

    /// The name used in logs, e.g. `IssueAccessToken`.
    pub fn name(self) -> &'static str {
        match self {
            Route::CreateIdentity => "CreateIdentity",
            Route::IssueAccessToken => "IssueAccessToken",
            Route::RevokeAccessTokens => "RevokeAccessTokens",
            Route::DeleteIdentity => "DeleteIdentity",
            Route::ExchangeEntraToken => "ExchangeEntraToken",
            Route::ExchangeTeamsExtensionToken => "ExchangeTeamsExtensionToken",
            Route::Unmatched => "Unmatched",
            Route::Admin => "Admin",
        }
    }
}

impl FromStr for Route {
    type Err = String;

    /// Parses a [`name`](Route::name), e.g. `IssueAccessToken`.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Route::ALL
            .into_iter()
            .find(|route| route.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Route::ALL.iter().map(|r| r.name()).collect();
                format!("'{name}' is not a route; routes are {}.", names.join(", "))
            })
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A request matched to an operation, with the decoded identity id where the
/// path carries one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Matched {
    pub route: Route,
    pub identity: Option<String>,
}

const IDENTITIES: &str = "/identities";
const ISSUE_SUFFIX: &str = "/:issueAccessToken";
const REVOKE_SUFFIX: &str = "/:revokeAccessTokens";
const ENTRA_EXCHANGE: &str = "/access/entra/:exchangeAccessToken";
const TEAMS_EXTENSION_EXCHANGE: &str = "/access/teamsExtension/:exchangeAccessToken";

/// Maps a method and a request path (no query) to an operation, or to the
/// 404 / 405 error to answer with.
pub(crate) fn match_route(method: &Method, path: &str) -> Result<Matched, AcsError> {
    let plain = |route, allowed: &'static Method| {
        if method == allowed {
            Ok(Matched {
                route,
                identity: None,
            })
        } else {
            Err(AcsError::method_not_allowed(
                method.as_str(),
                allowed.as_str(),
            ))
        }
    };
    if path.starts_with(crate::admin::ADMIN_PREFIX) {
        return Ok(Matched {
            route: Route::Admin,
            identity: None,
        });
    }
    match path {
        IDENTITIES | "/identities/" => return plain(Route::CreateIdentity, &Method::POST),
        ENTRA_EXCHANGE => return plain(Route::ExchangeEntraToken, &Method::POST),
        TEAMS_EXTENSION_EXCHANGE => {
            return plain(Route::ExchangeTeamsExtensionToken, &Method::POST)
        }
        _ => {}
    }
    let Some(rest) = path
        .strip_prefix(IDENTITIES)
        .and_then(|rest| rest.strip_prefix('/'))
    else {
        return Err(AcsError::no_route(method.as_str(), path));
    };
    let (raw_id, route, allowed) = if let Some(id) = rest.strip_suffix(ISSUE_SUFFIX) {
        (id, Route::IssueAccessToken, &Method::POST)
    } else if let Some(id) = rest.strip_suffix(REVOKE_SUFFIX) {
        (id, Route::RevokeAccessTokens, &Method::POST)
    } else {
        (rest, Route::DeleteIdentity, &Method::DELETE)
    };
    if raw_id.is_empty() || raw_id.contains('/') {
        return Err(AcsError::no_route(method.as_str(), path));
    }
    let identity = percent_decode_str(raw_id)
        .decode_utf8()
        .map_err(|_| {
            AcsError::bad_request("The identity id in the path is not valid percent-encoded UTF-8.")
        })?
        .into_owned();
    if method != allowed {
        return Err(AcsError::method_not_allowed(
            method.as_str(),
            allowed.as_str(),
        ));
    }
    Ok(Matched {
        route,
        identity: Some(identity),
    })
}

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

    fn ok(method: Method, path: &str) -> (Route, Option<String>) {
        let m = match_route(&method, path).unwrap();
        (m.route, m.identity)
    }

    #[test]
    fn matches_every_operation() {
        assert_eq!(
            ok(Method::POST, "/identities"),
            (Route::CreateIdentity, None)
        );
        assert_eq!(
            ok(Method::POST, "/identities/8%3Aacs%3Ar_u/:issueAccessToken"),
            (Route::IssueAccessToken, Some("8:acs:r_u".into()))
        );
        assert_eq!(
            ok(Method::POST, "/identities/8:acs:r_u/:revokeAccessTokens"),
            (Route::RevokeAccessTokens, Some("8:acs:r_u".into()))
        );
        assert_eq!(
            ok(Method::DELETE, "/identities/8:acs:r_u"),
            (Route::DeleteIdentity, Some("8:acs:r_u".into()))
        );
        assert_eq!(
            ok(Method::POST, "/access/entra/:exchangeAccessToken"),
            (Route::ExchangeEntraToken, None)
        );
        assert_eq!(
            ok(Method::POST, "/access/teamsExtension/:exchangeAccessToken"),
            (Route::ExchangeTeamsExtensionToken, None)
        );
    }

    #[test]
    fn names_round_trip() {
        for route in Route::ALL {
            assert_eq!(route.name().parse::<Route>(), Ok(route));
        }
        assert!("Nope"
            .parse::<Route>()
            .unwrap_err()
            .contains("IssueAccessToken"));
    }

    #[test]
    fn misses_are_404_or_405() {
        let status = |method, path| match_route(&method, path).unwrap_err().status.as_u16();
        assert_eq!(status(Method::GET, "/"), 404);
        assert_eq!(status(Method::GET, "/nope"), 404);
        assert_eq!(status(Method::POST, "/identities//:issueAccessToken"), 404);
        assert_eq!(status(Method::DELETE, "/identities/a/b"), 404);
        assert_eq!(status(Method::GET, "/identities"), 405);
        assert_eq!(status(Method::POST, "/identities/x"), 405);
        assert_eq!(status(Method::GET, "/identities/x/:issueAccessToken"), 405);
        assert_eq!(
            status(Method::PUT, "/access/entra/:exchangeAccessToken"),
            405
        );
        assert_eq!(status(Method::DELETE, "/identities/%FF"), 400);
    }

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
