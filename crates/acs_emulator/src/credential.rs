//! An azure_core [`TokenCredential`] backed by the emulator's Entra test issuer.

use crate::state::State;
use crate::tokens::EntraTokenSpec;
use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// An azure_core [`TokenCredential`] backed by the emulator's test issuer:
/// every `get_token(scopes)` mints a fresh Entra token for exactly those
/// scopes. Made by [`Emulator::entra_credential`](crate::Emulator::entra_credential).
pub struct EmulatorEntraCredential {
    state: Arc<State>,
    template: EntraTokenSpec,
    calls: AtomicU64,
}

impl EmulatorEntraCredential {
    pub(crate) fn new(state: Arc<State>, template: EntraTokenSpec) -> Self {
        Self {
            state,
            template,
            calls: AtomicU64::new(0),
        }
    }

    /// How many tokens this credential has handed out.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }
}

impl fmt::Debug for EmulatorEntraCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorEntraCredential")
            .field("template", &self.template)
            .field("calls", &self.calls())
            .finish()
    }
}

#[async_trait::async_trait]
impl TokenCredential for EmulatorEntraCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let mut spec = self.template.clone();
        spec.scopes = scopes.iter().map(|s| (*s).to_owned()).collect();
        Ok(self.state.mint_entra(&spec).into())
    }
}
