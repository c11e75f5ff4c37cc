//! The tokens the emulator deals in, minted and checked from explicit inputs
//! (a key and a time): the ACS user tokens it issues and the Entra tokens
//! of its test issuer. Builds on [`jwt`](crate::jwt) and the signing key only.

use crate::jwt::{self, AcsTokenClaims, EntraTokenClaims, TokenError};
use crate::signing_key::TokenSigningKey;
use azure_core::credentials::AccessToken;
use serde_json::json;
use std::fmt;
use std::time::Duration;
use time::OffsetDateTime;

/// The numeric scope claim real ACS user tokens carry.
const SCP: u32 = 1792;

/// Tenant id of minted tokens unless set.
pub const DEFAULT_TENANT_ID: &str = "00000000-0000-4000-8000-00000000e417";
/// Object id of minted tokens unless set.
pub const DEFAULT_OBJECT_ID: &str = "00000000-0000-4000-8000-0000000000b1";
/// Application (client) id of minted tokens unless set.
pub const DEFAULT_APP_ID: &str = "00000000-0000-4000-8000-0000000a9901";
/// Lifetime of minted tokens unless set: one hour.
pub const DEFAULT_ENTRA_TOKEN_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// An ACS user access token issued by the emulator. `Debug` does not show
/// the token.
#[derive(Clone, PartialEq, Eq)]
pub struct AcsToken {
    /// The JWT.
    pub token: String,
    /// When it expires (whole seconds, equal to its `exp`).
    pub expires_on: OffsetDateTime,
}

impl AcsToken {
    pub(crate) fn to_json(&self) -> serde_json::Value {
        json!({ "token": self.token, "expiresOn": format_expires_on(self.expires_on) })
    }
}

impl fmt::Debug for AcsToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AcsToken")
            .field("token", &"<redacted>")
            .field("expires_on", &self.expires_on)
            .finish()
    }
}

impl From<AcsToken> for AccessToken {
    fn from(token: AcsToken) -> Self {
        AccessToken::new(token.token, token.expires_on)
    }
}

/// `expiresOn` as the service writes it: RFC 3339 with seven fractional
/// digits and an explicit offset, e.g. `2034-10-04T10:21:29.0000000+00:00`.
/// The emulator's expiries are whole seconds, equal to the token's `exp`.
pub(crate) fn format_expires_on(at: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.0000000+00:00",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// Mints an ACS token for `user_id` at `now`, signed RS256 with `key`.
pub(crate) fn mint_acs(
    key: &TokenSigningKey,
    resource_id: &str,
    user_id: &str,
    scopes: &[String],
    lifetime: Duration,
    now: OffsetDateTime,
) -> AcsToken {
    let iat = now.unix_timestamp();
    let exp = iat.saturating_add(i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX).max(1));
    let claims = AcsTokenClaims {
        skypeid: user_id.strip_prefix("8:").unwrap_or(user_id).to_owned(),
        scp: SCP,
        csi: iat.to_string(),
        exp,
        acs_scope: scopes.join(","),
        resource_id: resource_id.to_owned(),
        iat,
    };
    AcsToken {
        token: jwt::encode_rs256(key, &claims),
        expires_on: OffsetDateTime::from_unix_timestamp(exp).unwrap_or(now),
    }
}

/// Checks an ACS token's signature, resource and expiry at `now`; returns
/// its claims (the user and revocation checks are the caller's).
pub(crate) fn verify_acs(
    key: &TokenSigningKey,
    resource_id: &str,
    token: &str,
    now: OffsetDateTime,
) -> Result<AcsTokenClaims, TokenError> {
    let claims: AcsTokenClaims = jwt::decode_rs256(key, token)?;
    if claims.resource_id != resource_id {
        return Err(TokenError::InvalidClaims(
            "resourceId is not this emulator's resource".into(),
        ));
    }
    let now = now.unix_timestamp();
    if claims.exp <= now {
        return Err(TokenError::Expired {
            exp: claims.exp,
            now,
        });
    }
    Ok(claims)
}

/// What Entra token to mint: scopes, lifetime and the user's ids.
///
/// ```
/// use acs_emulator::EntraTokenSpec;
/// use std::time::Duration;
/// let spec = EntraTokenSpec::new(["https://communication.azure.com/clients/.default"])
///     .expires_in(Duration::from_secs(300))
///     .tenant_id("11111111-1111-4111-8111-111111111111");
/// # let _ = spec;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "options do nothing until used"]
pub struct EntraTokenSpec {
    pub(crate) scopes: Vec<String>,
    expires_in: Duration,
    tenant_id: String,
    object_id: String,
    app_id: String,
}

impl Default for EntraTokenSpec {
    /// The Entra exchange's default scope,
    /// `https://communication.azure.com/clients/.default`.
    fn default() -> Self {
        Self::new(["https://communication.azure.com/clients/.default"])
    }
}

impl EntraTokenSpec {
    /// A token for `scopes` (full scope URLs such as
    /// `https://auth.msft.communication.azure.com/Teams.ManageCalls`), living
    /// one hour, for tenant [`DEFAULT_TENANT_ID`] and user [`DEFAULT_OBJECT_ID`].
    pub fn new<I, S>(scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            scopes: scopes.into_iter().map(Into::into).collect(),
            expires_in: DEFAULT_ENTRA_TOKEN_LIFETIME,
            tenant_id: DEFAULT_TENANT_ID.into(),
            object_id: DEFAULT_OBJECT_ID.into(),
            app_id: DEFAULT_APP_ID.into(),
        }
    }

    /// How long the token lives from the emulator's now (default one hour).
    /// `Duration::ZERO` mints an already expired token; or use
    /// [`Emulator::advance_time`](crate::Emulator::advance_time) to see one expire.
    pub fn expires_in(mut self, lifetime: Duration) -> Self {
        self.expires_in = lifetime;
        self
    }

    /// The tenant id (`tid`).
    pub fn tenant_id(mut self, tenant_id: impl Into<String>) -> Self {
        self.tenant_id = tenant_id.into();
        self
    }

    /// The user's object id (`oid`, also `sub`).
    pub fn object_id(mut self, object_id: impl Into<String>) -> Self {
        self.object_id = object_id.into();
        self
    }

    /// The application (client) id the token was issued to (`appid`),
    /// default [`DEFAULT_APP_ID`]. The Teams user exchange checks it against
    /// the request's `appId`.
    pub fn app_id(mut self, app_id: impl Into<String>) -> Self {
        self.app_id = app_id.into();
        self
    }
}

/// A minted Entra token. `Debug` does not show the token.
#[derive(Clone, PartialEq, Eq)]
pub struct EntraToken {
    /// The JWT, to send as `Authorization: Bearer <token>`.
    pub token: String,
    /// When it expires (whole seconds, equal to its `exp`).
    pub expires_on: OffsetDateTime,
}

impl fmt::Debug for EntraToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EntraToken")
            .field("token", &"<redacted>")
            .field("expires_on", &self.expires_on)
            .finish()
    }
}

impl From<EntraToken> for AccessToken {
    fn from(token: EntraToken) -> Self {
        AccessToken::new(token.token, token.expires_on)
    }
}

/// Mints an Entra token signed with `secret`, issued at `now`.
pub(crate) fn mint_entra(secret: &[u8], spec: &EntraTokenSpec, now: OffsetDateTime) -> EntraToken {
    let mut aud = String::new();
    let mut scp = Vec::with_capacity(spec.scopes.len());
    for scope in &spec.scopes {
        match split_scope(scope) {
            Some((scope_aud, path)) => {
                if aud.is_empty() {
                    aud = scope_aud.to_owned();
                }
                scp.push(path.to_owned());
            }
            None => scp.push(scope.clone()),
        }
    }
    let iat = now.unix_timestamp();
    let exp = iat.saturating_add(i64::try_from(spec.expires_in.as_secs()).unwrap_or(i64::MAX));
    let claims = EntraTokenClaims {
        iss: format!("https://login.emulator.invalid/{}/v2.0", spec.tenant_id),
        aud,
        scp: scp.join(" "),
        tid: spec.tenant_id.clone(),
        oid: spec.object_id.clone(),
        appid: spec.app_id.clone(),
        sub: spec.object_id.clone(),
        iat,
        nbf: iat,
        exp,
    };
    EntraToken {
        token: jwt::encode(secret, &claims),
        expires_on: OffsetDateTime::from_unix_timestamp(exp).unwrap_or(now),
    }
}

/// `https://host/path` → (`https://host`, `path`).
fn split_scope(scope: &str) -> Option<(&str, &str)> {
    let after_scheme = scope.find("://")? + 3;
    let slash = after_scheme + scope[after_scheme..].find('/')?;
    Some((&scope[..slash], &scope[slash + 1..]))
}

/// Verifies an Entra token signed with `secret` at `now` (signature, expiry,
/// not-before).
pub(crate) fn verify_entra(
    secret: &[u8],
    token: &str,
    now: OffsetDateTime,
) -> Result<EntraTokenClaims, TokenError> {
    let claims: EntraTokenClaims = jwt::decode(secret, token)?;
    let now = now.unix_timestamp();
    if claims.exp <= now {
        return Err(TokenError::Expired {
            exp: claims.exp,
            now,
        });
    }
    if claims.nbf > now {
        return Err(TokenError::NotYetValid);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn expires_on_format_is_the_services() {
        assert_eq!(
            format_expires_on(datetime!(2034-10-04 10:21:29 UTC)),
            "2034-10-04T10:21:29.0000000+00:00"
        );
    }

    #[test]
    fn scopes_split_into_audience_and_path() {
        assert_eq!(
            split_scope("https://communication.azure.com/clients/.default"),
            Some(("https://communication.azure.com", "clients/.default"))
        );
        assert_eq!(split_scope("openid"), None);
        assert_eq!(split_scope("https://host"), None);
    }
}
