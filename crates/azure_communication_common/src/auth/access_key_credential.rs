//! A rotatable access key: what a running pipeline signs with.

use std::fmt;
use std::sync::Arc;

use arc_swap::ArcSwap;
use azure_core::credentials::Secret;

use super::signer::AccessKeySigner;

/// An Azure Communication Services access key that can be replaced while it
/// is in use — the counterpart of JavaScript's `AzureKeyCredential` with its
/// `update`.
///
/// Clones share one key. [`CommunicationAccessKeyCredentialPolicy`](super::CommunicationAccessKeyCredentialPolicy)
/// reads it once per request (per try), so after [`update`](Self::update)
/// every request signed from then on uses the new key, while a request being
/// signed at that moment uses the old one whole: the key is swapped
/// atomically, never seen half-replaced. Rotate a key in the portal by
/// updating to the secondary key first, then regenerating the primary.
///
/// `Debug` never shows the key.
///
/// # Example
///
/// ```
/// use azure_communication_common::{
///     communication_auth_policy, AccessKeyCredential, CommunicationCredential,
/// };
///
/// let key = AccessKeyCredential::new("cHc9PQ==")?;
/// let policy = communication_auth_policy(CommunicationCredential::AccessKey(key.clone()));
/// // ... the pipeline with `policy` serves requests ...
/// key.update("bmV3IGtleQ==")?; // requests signed from now on use the new key
/// assert!(key.update("not base64!").is_err()); // a bad key is refused; the old one stays
/// # let _ = policy;
/// # Ok::<(), azure_core::Error>(())
/// ```
#[derive(Clone)]
pub struct AccessKeyCredential {
    signer: Arc<ArcSwap<AccessKeySigner>>,
}

impl fmt::Debug for AccessKeyCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessKeyCredential")
            .finish_non_exhaustive()
    }
}

impl AccessKeyCredential {
    /// A credential holding `access_key` (standard base64, as in the portal).
    ///
    /// # Errors
    ///
    /// The key is not valid standard base64 (see [`AccessKeySigner::new`]);
    /// the message never contains the key.
    pub fn new(access_key: impl Into<Secret>) -> azure_core::Result<Self> {
        Ok(AccessKeySigner::new(access_key)?.into())
    }

    /// Replaces the key for every clone of this credential and every policy
    /// built from it. The new key is checked first: on error nothing changes.
    ///
    /// # Errors
    ///
    /// The key is not valid standard base64 (see [`AccessKeySigner::new`]);
    /// the message never contains the key.
    pub fn update(&self, access_key: impl Into<Secret>) -> azure_core::Result<()> {
        self.signer
            .store(Arc::new(AccessKeySigner::new(access_key)?));
        tracing::debug!("access key updated");
        Ok(())
    }

    /// The signer for the key as it is now. Holding it keeps that key (a
    /// later [`update`](Self::update) does not change it).
    pub fn signer(&self) -> Arc<AccessKeySigner> {
        self.signer.load_full()
    }
}

impl From<AccessKeySigner> for AccessKeyCredential {
    fn from(signer: AccessKeySigner) -> Self {
        Self {
            signer: Arc::new(ArcSwap::from_pointee(signer)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use azure_core::http::Url;
    use time::macros::datetime;

    fn authorization(credential: &AccessKeyCredential) -> String {
        let url = Url::parse("https://h.example/p").unwrap();
        credential
            .signer()
            .sign("GET", &url, b"", datetime!(2026-01-01 0:00 UTC))
            .unwrap()
            .authorization
    }

    #[test]
    fn update_changes_every_clone_and_a_bad_key_changes_nothing() {
        let old = AccessKeyCredential::new("cHc9PQ==").unwrap();
        let clone = old.clone();
        let before = authorization(&clone);
        old.update("bmV3IGtleQ==").unwrap();
        let after = authorization(&clone);
        assert_ne!(before, after);
        assert_eq!(
            after,
            authorization(&AccessKeyCredential::new("bmV3IGtleQ==").unwrap())
        );
        let e = old.update("bad key!").unwrap_err().to_string();
        assert!(!e.contains("bad key!"), "{e}");
        assert_eq!(authorization(&clone), after);
        assert_eq!(format!("{old:?}"), "AccessKeyCredential { .. }");
    }
}
