//! The operations the emulator serves and how a request line maps to one.
//!
//! Routing is done by hand rather than with axum's router: the service's paths
//! have segments such as `/:issueAccessToken` and identity ids with raw `:`.
//! This module imports nothing of the crate: a miss is a [`RouteMiss`], which
//! the server turns into the ACS error body.

use axum::http::Method;
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
    /// `POST /teamsUser/:exchangeAccessToken`
    ExchangeTeamsUserToken,
    /// `GET /chat/threads` (Chat, read-only; authenticated with an ACS user
    /// token)
    ListChatThreads,
    /// Any request no operation matched (answered 404 or 405).
    Unmatched,
    /// The emulator-only admin routes under `/emulator/` (never delayed or
    /// faulted).
    Admin,
}

impl Route {
    /// Every route, in declaration order.
    pub const ALL: [Route; 10] = [
        Route::CreateIdentity,
        Route::IssueAccessToken,
        Route::RevokeAccessTokens,
        Route::DeleteIdentity,
        Route::ExchangeEntraToken,
        Route::ExchangeTeamsExtensionToken,
        Route::ExchangeTeamsUserToken,
        Route::ListChatThreads,
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
            Route::ExchangeTeamsUserToken => "ExchangeTeamsUserToken",
            Route::ListChatThreads => "ListChatThreads",
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

/// Why a request line matched no operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RouteMiss {
    /// No operation has this path (404).
    NotFound,
    /// The path is an operation's, the method is not (405); the method that
    /// would work.
    MethodNotAllowed(&'static str),
    /// The `{id}` segment is not valid percent-encoded UTF-8 (400).
    BadIdEncoding,
}

/// Path prefix of the emulator-only admin routes.
pub(crate) const ADMIN_PREFIX: &str = "/emulator/";

const IDENTITIES: &str = "/identities";
const ISSUE_SUFFIX: &str = "/:issueAccessToken";
const REVOKE_SUFFIX: &str = "/:revokeAccessTokens";
const ENTRA_EXCHANGE: &str = "/access/entra/:exchangeAccessToken";
const TEAMS_EXTENSION_EXCHANGE: &str = "/access/teamsExtension/:exchangeAccessToken";
const TEAMS_USER_EXCHANGE: &str = "/teamsUser/:exchangeAccessToken";
const CHAT_THREADS: &str = "/chat/threads";

/// Maps a method and a request path (no query) to an operation, or to the
/// miss to answer with.
pub(crate) fn match_route(method: &Method, path: &str) -> Result<Matched, RouteMiss> {
    let plain = |route, allowed: &'static Method| {
        if method == allowed {
            Ok(Matched {
                route,
                identity: None,
            })
        } else {
            Err(RouteMiss::MethodNotAllowed(allowed.as_str()))
        }
    };
    if path.starts_with(ADMIN_PREFIX) {
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
        TEAMS_USER_EXCHANGE => return plain(Route::ExchangeTeamsUserToken, &Method::POST),
        CHAT_THREADS => return plain(Route::ListChatThreads, &Method::GET),
        _ => {}
    }
    let Some(rest) = path
        .strip_prefix(IDENTITIES)
        .and_then(|rest| rest.strip_prefix('/'))
    else {
        return Err(RouteMiss::NotFound);
    };
    let (raw_id, route, allowed) = if let Some(id) = rest.strip_suffix(ISSUE_SUFFIX) {
        (id, Route::IssueAccessToken, &Method::POST)
    } else if let Some(id) = rest.strip_suffix(REVOKE_SUFFIX) {
        (id, Route::RevokeAccessTokens, &Method::POST)
    } else {
        (rest, Route::DeleteIdentity, &Method::DELETE)
    };
    if raw_id.is_empty() || raw_id.contains('/') {
        return Err(RouteMiss::NotFound);
    }
    let identity = percent_decode_str(raw_id)
        .decode_utf8()
        .map_err(|_| RouteMiss::BadIdEncoding)?
        .into_owned();
    if method != allowed {
        return Err(RouteMiss::MethodNotAllowed(allowed.as_str()));
    }
    Ok(Matched {
        route,
        identity: Some(identity),
    })
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
        assert_eq!(
            ok(Method::POST, "/teamsUser/:exchangeAccessToken"),
            (Route::ExchangeTeamsUserToken, None)
        );
        assert_eq!(
            ok(Method::GET, "/chat/threads"),
            (Route::ListChatThreads, None)
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
        let miss = |method, path| match_route(&method, path).unwrap_err();
        assert_eq!(miss(Method::GET, "/"), RouteMiss::NotFound);
        assert_eq!(miss(Method::GET, "/nope"), RouteMiss::NotFound);
        assert_eq!(
            miss(Method::POST, "/identities//:issueAccessToken"),
            RouteMiss::NotFound
        );
        assert_eq!(miss(Method::DELETE, "/identities/a/b"), RouteMiss::NotFound);
        assert_eq!(
            miss(Method::GET, "/identities"),
            RouteMiss::MethodNotAllowed("POST")
        );
        assert_eq!(
            miss(Method::POST, "/identities/x"),
            RouteMiss::MethodNotAllowed("DELETE")
        );
        assert_eq!(
            miss(Method::GET, "/identities/x/:issueAccessToken"),
            RouteMiss::MethodNotAllowed("POST")
        );
        assert_eq!(
            miss(Method::PUT, "/access/entra/:exchangeAccessToken"),
            RouteMiss::MethodNotAllowed("POST")
        );
        assert_eq!(
            miss(Method::POST, "/chat/threads"),
            RouteMiss::MethodNotAllowed("GET")
        );
        assert_eq!(miss(Method::GET, "/chat/threads/x"), RouteMiss::NotFound);
        assert_eq!(
            miss(Method::DELETE, "/identities/%FF"),
            RouteMiss::BadIdEncoding
        );
    }
}
