//! Compact JWTs, and the claims of the two kinds of token the emulator deals
//! in: the ACS user tokens it issues (RS256, as the service signs them) and
//! the Entra tokens its test issuer mints (HS256 with a secret of its own).

use crate::signing_key::TokenSigningKey;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::fmt;

type HmacSha256 = Hmac<Sha256>;

/// The JOSE header of the test issuer's Entra tokens.
const HS256_HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// Claims of an ACS user access token issued by the emulator: the claims the
/// service's tokens carry, in its order, and no others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcsTokenClaims {
    /// The user without the `8:` prefix: `acs:{resource id}_{guid}`.
    pub skypeid: String,
    /// Numeric scope mask (real tokens carry `1792`).
    pub scp: u32,
    /// Creation time as decimal seconds since the Unix epoch, a string (the
    /// service writes `iat` here too).
    pub csi: String,
    /// Expires at, seconds since the Unix epoch.
    pub exp: i64,
    /// Granted scopes, comma separated, e.g. `chat,voip`.
    #[serde(rename = "acsScope")]
    pub acs_scope: String,
    /// The emulated Communication Services resource id (a GUID).
    #[serde(rename = "resourceId")]
    pub resource_id: String,
    /// Issued at, seconds since the Unix epoch.
    pub iat: i64,
}

impl AcsTokenClaims {
    /// The raw id of the user the token was issued to: `8:` + `skypeid`.
    pub fn user_id(&self) -> String {
        format!("8:{}", self.skypeid)
    }

    /// The granted scopes, split.
    pub fn scopes(&self) -> Vec<&str> {
        self.acs_scope
            .split(',')
            .filter(|scope| !scope.is_empty())
            .collect()
    }
}

/// Claims of an Entra ID access token minted by the emulator's test issuer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntraTokenClaims {
    /// Issuer: `https://login.emulator.invalid/{tenant id}/v2.0`.
    pub iss: String,
    /// Audience: the scheme and host of the requested scopes, e.g.
    /// `https://communication.azure.com`.
    pub aud: String,
    /// The scopes' paths, space separated, e.g. `clients/.default`.
    pub scp: String,
    /// Tenant id.
    pub tid: String,
    /// Object id of the user.
    pub oid: String,
    /// Application (client) id of the Entra application the token was
    /// issued to.
    #[serde(default)]
    pub appid: String,
    /// Subject.
    pub sub: String,
    /// Issued at, seconds since the Unix epoch.
    pub iat: i64,
    /// Not before, seconds since the Unix epoch.
    pub nbf: i64,
    /// Expires at, seconds since the Unix epoch.
    pub exp: i64,
}

impl EntraTokenClaims {
    /// The full scopes the token was minted for (`aud` + `/` + each `scp`).
    pub fn scopes(&self) -> Vec<String> {
        self.scp
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(|s| format!("{}/{}", self.aud, s))
            .collect()
    }
}

/// Why a JWT was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// Not three base64url segments with a JSON header and payload, or the
    /// header is not HS256.
    Malformed(&'static str),
    /// The signature does not verify with the emulator's secret.
    BadSignature,
    /// The payload lacks a claim the token kind requires, or has a wrong type.
    InvalidClaims(String),
    /// `exp` is not after the emulator's current time.
    Expired {
        /// The token's `exp`.
        exp: i64,
        /// The emulator's time it was checked at.
        now: i64,
    },
    /// `nbf` is after the emulator's current time.
    NotYetValid,
    /// The user's tokens were revoked after this one was issued.
    Revoked,
    /// The user the token was issued to has been deleted or never existed.
    UnknownUser,
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(what) => write!(f, "the token is malformed: {what}"),
            Self::BadSignature => f.write_str("the token signature is invalid"),
            Self::InvalidClaims(what) => write!(f, "the token claims are invalid: {what}"),
            Self::Expired { exp, now } => {
                write!(
                    f,
                    "the token expired at {exp} (now {now}, seconds since epoch)"
                )
            }
            Self::NotYetValid => f.write_str("the token is not valid yet (nbf)"),
            Self::Revoked => f.write_str("the token has been revoked"),
            Self::UnknownUser => f.write_str("the token's identity does not exist"),
        }
    }
}

impl std::error::Error for TokenError {}

/// Signs `claims` as a compact HS256 JWT (the test issuer's Entra tokens).
pub(crate) fn encode<C: Serialize>(secret: &[u8], claims: &C) -> String {
    let signing_input = signing_input(HS256_HEADER, claims);
    let signature = mac(secret, signing_input.as_bytes())
        .finalize()
        .into_bytes();
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// Signs `claims` as a compact RS256 JWT with the service's header,
/// `{alg, kid, x5t, typ}` (the ACS user tokens).
pub(crate) fn encode_rs256<C: Serialize>(key: &TokenSigningKey, claims: &C) -> String {
    // Written out, in the service's order (kid is hex, x5t base64url: no
    // escaping needed).
    let header = format!(
        r#"{{"alg":"RS256","kid":"{}","x5t":"{}","typ":"JWT"}}"#,
        key.kid(),
        key.x5t()
    );
    let signing_input = signing_input(&header, claims);
    let signature = key.sign(signing_input.as_bytes());
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

fn signing_input<C: Serialize>(header: &str, claims: &C) -> String {
    let payload = serde_json::to_vec(claims).expect("claims serialize to JSON");
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    )
}

/// Checks the signature of a compact HS256 JWT and decodes its claims. Time
/// based checks are the caller's.
pub(crate) fn decode<C: DeserializeOwned>(secret: &[u8], token: &str) -> Result<C, TokenError> {
    let parts = Parts::split(token, "HS256")?;
    mac(secret, parts.signing_input.as_bytes())
        .verify_slice(&parts.signature)
        .map_err(|_| TokenError::BadSignature)?;
    parts.claims()
}

/// Checks the signature of a compact RS256 JWT made with `key` (its `kid`
/// included) and decodes its claims. Time based checks are the caller's.
pub(crate) fn decode_rs256<C: DeserializeOwned>(
    key: &TokenSigningKey,
    token: &str,
) -> Result<C, TokenError> {
    let parts = Parts::split(token, "RS256")?;
    if parts.header.get("kid").and_then(|kid| kid.as_str()) != Some(key.kid()) {
        return Err(TokenError::BadSignature);
    }
    if !key.verify(parts.signing_input.as_bytes(), &parts.signature) {
        return Err(TokenError::BadSignature);
    }
    parts.claims()
}

/// A compact JWT taken apart, its header checked for `alg`.
struct Parts<'a> {
    header: serde_json::Value,
    /// Header and payload as received: everything before the last '.'.
    signing_input: &'a str,
    payload: &'a str,
    signature: Vec<u8>,
}

impl<'a> Parts<'a> {
    fn split(token: &'a str, alg: &'static str) -> Result<Self, TokenError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed("expected three '.'-separated parts"));
        };
        let header = URL_SAFE_NO_PAD
            .decode(header)
            .map_err(|_| TokenError::Malformed("header is not base64url"))?;
        let header: serde_json::Value = serde_json::from_slice(&header)
            .map_err(|_| TokenError::Malformed("header is not JSON"))?;
        if header.get("alg").and_then(|a| a.as_str()) != Some(alg) {
            return Err(TokenError::Malformed(if alg == "RS256" {
                "alg is not RS256"
            } else {
                "alg is not HS256"
            }));
        }
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| TokenError::Malformed("signature is not base64url"))?;
        Ok(Self {
            header,
            signing_input: &token[..token.rfind('.').unwrap_or(0)],
            payload,
            signature,
        })
    }

    fn claims<C: DeserializeOwned>(&self) -> Result<C, TokenError> {
        let payload = URL_SAFE_NO_PAD
            .decode(self.payload)
            .map_err(|_| TokenError::Malformed("payload is not base64url"))?;
        serde_json::from_slice(&payload).map_err(|e| TokenError::InvalidClaims(e.to_string()))
    }
}

fn mac(secret: &[u8], data: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(data);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Claims {
        exp: i64,
    }

    #[test]
    fn round_trip_and_tamper() {
        let token = encode(b"secret", &Claims { exp: 42 });
        assert_eq!(token.split('.').count(), 3);
        assert_eq!(
            decode::<Claims>(b"secret", &token).unwrap(),
            Claims { exp: 42 }
        );
        assert_eq!(
            decode::<Claims>(b"other", &token),
            Err(TokenError::BadSignature)
        );
        let tampered = {
            let mut parts: Vec<&str> = token.split('.').collect();
            let payload = URL_SAFE_NO_PAD.encode(br#"{"exp":43}"#);
            parts[1] = &payload;
            parts.join(".")
        };
        assert_eq!(
            decode::<Claims>(b"secret", &tampered),
            Err(TokenError::BadSignature)
        );
        assert!(matches!(
            decode::<Claims>(b"secret", "a.b"),
            Err(TokenError::Malformed(_))
        ));
        assert!(matches!(
            decode::<Claims>(b"secret", "!!.??.**"),
            Err(TokenError::Malformed(_))
        ));
    }

    #[test]
    fn rs256_round_trip_header_and_tamper() {
        let key = TokenSigningKey::process_key();
        let token = encode_rs256(key, &Claims { exp: 7 });
        let header = URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap();
        assert_eq!(
            String::from_utf8(header).unwrap(),
            format!(
                r#"{{"alg":"RS256","kid":"{}","x5t":"{}","typ":"JWT"}}"#,
                key.kid(),
                key.x5t()
            )
        );
        assert_eq!(
            decode_rs256::<Claims>(key, &token).unwrap(),
            Claims { exp: 7 }
        );
        let mut tampered = token.clone();
        tampered.insert(tampered.find('.').unwrap() + 1, 'e');
        assert!(decode_rs256::<Claims>(key, &tampered).is_err());
        assert!(matches!(
            decode_rs256::<Claims>(key, &encode(b"secret", &Claims { exp: 7 })),
            Err(TokenError::Malformed("alg is not RS256"))
        ));
    }
}
