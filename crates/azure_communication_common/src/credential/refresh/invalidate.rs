//! Dropping a token the service rejected: [`TokenCache::invalidate`].

use super::TokenCache;
use azure_core::credentials::Secret;
use std::sync::Arc;

impl TokenCache {
    /// Drops the cached token if it is `token` (the one the service
    /// rejected), so that the next `get_token` refreshes; `true` if it did.
    /// A token that was already replaced (by an earlier `invalidate` of the
    /// same token, or a refresh) is left alone, so a burst of rejections of
    /// one token causes one refresh. A static or disposed credential has
    /// nothing to refresh with: `false`, nothing changes.
    pub(crate) fn invalidate(&self, token: &str) -> bool {
        if self.source.is_none() || self.is_disposed() {
            return false;
        }
        let current = self.cached.load();
        let Some(cached) = current.as_ref() else {
            return false;
        };
        // `Secret` compares in constant time (the cached token is a secret)
        if cached.token.token != Secret::new(token.to_owned()) {
            return false;
        }
        // only if it is still that entry: a refresh may have replaced it meanwhile
        let previous = self.cached.compare_and_swap(&current, None);
        let dropped = match (previous.as_ref(), current.as_ref()) {
            (Some(p), Some(c)) => Arc::ptr_eq(p, c),
            _ => false,
        };
        if dropped {
            tracing::info!(
                "the cached user access token was invalidated (the service rejected it); \
                 the next get_token call refreshes"
            );
        }
        dropped
    }
}
