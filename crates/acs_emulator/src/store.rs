//! The identity store: which users exist and which of their tokens are
//! revoked. Imports nothing of the crate.

use std::collections::HashMap;
use std::sync::Mutex;

/// Why a token's user check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenStatus {
    /// The user was deleted or never existed.
    UnknownUser,
    /// The user's tokens were revoked after this one was issued.
    Revoked,
}

/// Users and their revocation marks.
#[derive(Debug, Default)]
pub(crate) struct Identities {
    inner: Mutex<Store>,
}

#[derive(Debug, Default)]
struct Store {
    /// Raw id → tokens numbered up to this are not valid for the user (revoked,
    /// or issued before it was created).
    users: HashMap<String, u64>,
    /// Sequence number of the last token issued (tokens are numbered from 1).
    last_token: u64,
    /// SHA-256 of each token issued → its sequence number. The service's
    /// tokens carry no token id, so the emulator's don't either: it knows
    /// its tokens by their digest. The same token issued twice (same user,
    /// scopes, lifetime and second) is one token, numbered by its last issue.
    issued: HashMap<[u8; 32], u64>,
}

impl Identities {
    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a user; an existing one keeps its revocation mark. A new one
    /// starts with every token issued so far revoked: none is its own, but
    /// the id may be one deleted earlier (exchanged ids are deterministic),
    /// whose tokens must stay dead.
    pub fn insert(&self, id: &str) {
        let mut store = self.lock();
        let last = store.last_token;
        store.users.entry(id.to_owned()).or_insert(last);
    }

    pub fn contains(&self, id: &str) -> bool {
        self.lock().users.contains_key(id)
    }

    /// Revokes every token issued to `id` so far. False if there is no such user.
    pub fn revoke(&self, id: &str) -> bool {
        let mut store = self.lock();
        let last = store.last_token;
        match store.users.get_mut(id) {
            Some(mark) => {
                *mark = last;
                true
            }
            None => false,
        }
    }

    pub fn remove(&self, id: &str) -> bool {
        self.lock().users.remove(id).is_some()
    }

    pub fn len(&self) -> usize {
        self.lock().users.len()
    }

    /// Numbers a new token for `id`, or `None` if there is no such user.
    pub fn next_token(&self, id: &str) -> Option<u64> {
        let mut store = self.lock();
        if !store.users.contains_key(id) {
            return None;
        }
        store.last_token += 1;
        Some(store.last_token)
    }

    /// Notes that the token with SHA-256 `digest` got number `sequence`.
    pub fn record(&self, digest: [u8; 32], sequence: u64) {
        self.lock().issued.insert(digest, sequence);
    }

    /// The number of the token with SHA-256 `digest`, if this store issued it.
    pub fn sequence_of(&self, digest: &[u8; 32]) -> Option<u64> {
        self.lock().issued.get(digest).copied()
    }

    /// Whether token number `sequence` of `id` is still good.
    pub fn check(&self, id: &str, sequence: u64) -> Result<(), TokenStatus> {
        match self.lock().users.get(id) {
            None => Err(TokenStatus::UnknownUser),
            Some(&revoked_through) if sequence <= revoked_through => Err(TokenStatus::Revoked),
            Some(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revocation_is_exact_to_the_token() {
        let ids = Identities::default();
        ids.insert("u");
        let first = ids.next_token("u").unwrap();
        assert!(ids.revoke("u"));
        let second = ids.next_token("u").unwrap();
        assert_eq!(ids.check("u", first), Err(TokenStatus::Revoked));
        assert_eq!(ids.check("u", second), Ok(()));
        assert!(ids.remove("u"));
        assert_eq!(ids.check("u", second), Err(TokenStatus::UnknownUser));
        assert_eq!(ids.next_token("u"), None);
        assert!(!ids.revoke("u"));
        ids.record([7; 32], second);
        assert_eq!(ids.sequence_of(&[7; 32]), Some(second));
        assert_eq!(ids.sequence_of(&[8; 32]), None);
    }
}
