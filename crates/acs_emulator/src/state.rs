//! The state shared by every request: configuration, secrets, the clock, the
//! identity store, the request counters and the fault plan; and the token
//! operations that need several of them.

use crate::counters::RequestCounters;
use crate::faults::FaultPlan;
use crate::jwt::{AcsTokenClaims, EntraTokenClaims, TokenError};
use crate::options::EmulatorOptions;
use crate::signing_key::TokenSigningKey;
use crate::store::{Identities, TokenStatus};
use crate::tokens::{self, AcsToken, EntraToken, EntraTokenSpec};
use azure_communication_common::AccessKeySigner;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::io;
use std::sync::Mutex;
use time::{OffsetDateTime, PrimitiveDateTime};

pub(crate) struct State {
    pub options: EmulatorOptions,
    pub access_key: String,
    pub signer: AccessKeySigner,
    pub resource_id: String,
    /// Signs the ACS tokens the emulator issues (RS256, shared by the
    /// process's emulators).
    pub token_key: &'static TokenSigningKey,
    /// Signs the Entra tokens of the test issuer.
    pub entra_secret: [u8; 32],
    /// Added to the system clock: lets tests move the emulator's time.
    clock_offset: Mutex<time::Duration>,
    pub identities: Identities,
    pub counters: RequestCounters,
    pub faults: FaultPlan,
}

impl State {
    pub fn new(options: EmulatorOptions) -> io::Result<Self> {
        let access_key = match &options.access_key {
            Some(key) => key.clone(),
            None => STANDARD.encode(random_bytes::<32>()),
        };
        let signer = AccessKeySigner::new(access_key.clone()).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("invalid access key: {e}"),
            )
        })?;
        let resource_id = options.resource_id.clone().unwrap_or_else(random_guid);
        Ok(Self {
            options,
            access_key,
            signer,
            resource_id,
            token_key: TokenSigningKey::process_key(),
            entra_secret: random_bytes(),
            clock_offset: Mutex::new(time::Duration::ZERO),
            identities: Identities::default(),
            counters: RequestCounters::default(),
            faults: FaultPlan::default(),
        })
    }

    /// The emulator's current time: the system clock plus any offset a test
    /// added with [`Emulator::advance_time`](crate::Emulator::advance_time).
    /// Saturates at the latest representable instant rather than panicking.
    pub fn now(&self) -> OffsetDateTime {
        let offset = *self.offset();
        OffsetDateTime::now_utc()
            .checked_add(offset)
            .unwrap_or(PrimitiveDateTime::MAX.assume_utc())
    }

    /// Saturating: any number of huge advances is fine.
    pub fn advance(&self, by: time::Duration) {
        let mut offset = self.offset();
        *offset = offset.saturating_add(by);
    }

    /// Issues a token to an existing user. `None` if there is no such user.
    pub fn issue_token(
        &self,
        user_id: &str,
        scopes: &[String],
        lifetime: std::time::Duration,
    ) -> Option<AcsToken> {
        let sequence = self.identities.next_token(user_id)?;
        // Tokens carry no id: one issued in the same second with the same
        // user, scopes and lifetime is the same text. If that text was
        // revoked (or its user deleted and recreated), issuing it again
        // would bring it back to life; the new token is dated a second
        // later instead, as many times as needed.
        let mut now = self.now();
        loop {
            let token = tokens::mint_acs(
                self.token_key,
                &self.resource_id,
                user_id,
                scopes,
                lifetime,
                now,
            );
            let digest = digest(&token.token);
            let revoked = self
                .identities
                .sequence_of(&digest)
                .is_some_and(|earlier| self.identities.check(user_id, earlier).is_err());
            if !revoked {
                self.identities.record(digest, sequence);
                return Some(token);
            }
            now += time::Duration::SECOND;
        }
    }

    /// Verifies an ACS token: signature, resource, expiry against the
    /// emulator's clock, that this emulator issued it, that the user still
    /// exists and that its tokens were not revoked since.
    pub fn verify_acs_token(&self, token: &str) -> Result<AcsTokenClaims, TokenError> {
        let claims = tokens::verify_acs(self.token_key, &self.resource_id, token, self.now())?;
        let sequence = self
            .identities
            .sequence_of(&digest(token))
            .ok_or_else(|| TokenError::InvalidClaims("not issued by this emulator".into()))?;
        self.identities
            .check(&claims.user_id(), sequence)
            .map_err(|status| match status {
                TokenStatus::UnknownUser => TokenError::UnknownUser,
                TokenStatus::Revoked => TokenError::Revoked,
            })?;
        Ok(claims)
    }

    /// Mints an Entra token from the test issuer at the emulator's now.
    pub fn mint_entra(&self, spec: &EntraTokenSpec) -> EntraToken {
        tokens::mint_entra(&self.entra_secret, spec, self.now())
    }

    /// Verifies a test-issuer Entra token at the emulator's now.
    pub fn verify_entra(&self, token: &str) -> Result<EntraTokenClaims, TokenError> {
        tokens::verify_entra(&self.entra_secret, token, self.now())
    }

    fn offset(&self) -> std::sync::MutexGuard<'_, time::Duration> {
        self.clock_offset.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `N` bytes from the operating system's random source.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).expect("the OS random source is available");
    bytes
}

/// A random version-4 GUID in lower-case `8-4-4-4-12` form.
pub(crate) fn random_guid() -> String {
    let mut b = random_bytes::<16>();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|byte| format!("{byte:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// SHA-256 of a token's text: how the identity store knows its tokens.
fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_look_like_guids() {
        let guid = random_guid();
        assert_eq!(guid.len(), 36);
        assert_eq!(guid.as_bytes()[14], b'4');
        assert_ne!(guid, random_guid());
    }
}
