//! The RSA key the emulator signs its ACS user tokens with: RS256, as the
//! service signs them, with a key generated once per process (every emulator
//! of a process shares it; each checks that a token names its own resource
//! and was issued by it). Imports nothing of the crate.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{
    KeyPair as _, UnparsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256,
};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::OnceLock;

/// An RSA-2048 signing key with the identifiers its tokens' headers carry.
pub(crate) struct TokenSigningKey {
    pair: KeyPair,
    /// Key id: 40 upper-case hex digits, shaped like the certificate
    /// thumbprint the service puts in `kid`.
    kid: String,
    /// The same 20 bytes in base64url, as the service's `x5t`.
    x5t: String,
    /// The public key as an SPKI PEM (`-----BEGIN PUBLIC KEY-----`).
    public_pem: String,
}

impl fmt::Debug for TokenSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl TokenSigningKey {
    /// The process's key, generated on first use.
    pub fn process_key() -> &'static TokenSigningKey {
        static KEY: OnceLock<TokenSigningKey> = OnceLock::new();
        KEY.get_or_init(|| Self::generate().expect("RSA-2048 key generation succeeds"))
    }

    fn generate() -> Result<Self, aws_lc_rs::error::Unspecified> {
        let pair = KeyPair::generate(KeySize::Rsa2048)?;
        let spki = pair.public_key().as_der()?;
        // The service's kid is a SHA-1 certificate thumbprint (20 bytes); the
        // emulator has no certificate for this key and takes 20 bytes of the
        // SHA-256 of its public key instead: the same shape, a stable meaning.
        let digest = Sha256::digest(spki.as_ref());
        let thumbprint = &digest[..20];
        let kid = thumbprint.iter().map(|b| format!("{b:02X}")).collect();
        let x5t = URL_SAFE_NO_PAD.encode(thumbprint);
        let public_pem = pem("PUBLIC KEY", spki.as_ref());
        Ok(Self {
            pair,
            kid,
            x5t,
            public_pem,
        })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn x5t(&self) -> &str {
        &self.x5t
    }

    pub fn public_key_pem(&self) -> &str {
        &self.public_pem
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 of `message` (deterministic).
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut signature,
            )
            .expect("signing with a generated RSA key succeeds");
        signature
    }

    /// Whether `signature` is this key's RS256 signature of `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, self.pair.public_key().as_ref())
            .verify(message, signature)
            .is_ok()
    }
}

/// `der` as a PEM block with 64-character lines.
fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_and_names_itself() {
        let key = TokenSigningKey::process_key();
        let signature = key.sign(b"header.payload");
        assert_eq!(signature.len(), 256);
        assert!(key.verify(b"header.payload", &signature));
        assert!(!key.verify(b"header.payloaD", &signature));
        assert_eq!(key.kid().len(), 40);
        assert!(key
            .kid()
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase()));
        assert_eq!(URL_SAFE_NO_PAD.decode(key.x5t()).unwrap().len(), 20);
        assert!(key
            .public_key_pem()
            .starts_with("-----BEGIN PUBLIC KEY-----\n"));
        assert!(!format!("{key:?}").contains("BEGIN"));
    }
}
