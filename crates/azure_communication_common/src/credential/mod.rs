//! User access tokens (SPEC 2.1–2.3).
//!
//! * [`parse_token`] reads a token's expiry (JWT `exp`, or an assumed
//!   lifetime for opaque tokens) and rejects strings that cannot be bearer
//!   tokens with a message that says how to fix them.
//! * [`AzureCommunicationTokenCredential`] holds a static token or refreshes
//!   one through a callback ([`CommunicationTokenRefreshOptions`]), on demand
//!   or proactively; its docs carry the usage scenarios and a troubleshooting
//!   table. It implements [`CommunicationTokenCredential`] and azure_core's
//!   `TokenCredential`.
//! * [`AzureCommunicationTokenCredential::with_entra`] exchanges an Entra ID
//!   user's token for an ACS token (SPEC 2.4,
//!   [`EntraCommunicationTokenCredentialOptions`]) and caches and refreshes
//!   it like a refresher's token.
//!
//! Files: `token.rs` (parsing), `options.rs` (options), `token_credential.rs`
//! (the public credential), `refresh/` (the refresh state machine: its
//! defaults, cache, single flight, proactive timer and limiter; see its
//! module docs), `clock.rs` (the injectable clock).
//! `entra.rs` holds the Entra ID token exchange (a token source for the
//! refresh state machine). `policy.rs` holds
//! [`CommunicationTokenCredentialPolicy`], the pipeline policy that sends the
//! token as a bearer token and recovers from a revoked one.

mod clock;
mod entra;
mod options;
mod policy;
mod refresh;
mod token;
mod token_credential;

/// Test seam, not stable API (the `test-util` feature).
#[cfg(feature = "test-util")]
pub use clock::TokenClock;
pub use entra::{EntraCommunicationTokenCredentialOptions, DEFAULT_ENTRA_SCOPE};
pub use options::{
    CommunicationGetTokenOptions, CommunicationTokenRefreshOptions, IntoAccessToken,
    DEFAULT_REFRESH_TIMEOUT,
};
pub use policy::CommunicationTokenCredentialPolicy;
pub use refresh::{
    RefreshLimiter, CLOCK_SKEW_TOLERANCE, DEFAULT_MAX_CONCURRENT_PROACTIVE_REFRESHES,
    DEFAULT_PROACTIVE_SLOT_HOLD, ON_DEMAND_REFRESH_WINDOW, PROACTIVE_REFRESH_WINDOW,
    TOKEN_CREDENTIAL_REFRESH_WINDOW,
};
pub use token::{parse_token, DEFAULT_UNDECODABLE_TOKEN_LIFETIME};
pub use token_credential::{AzureCommunicationTokenCredential, CommunicationTokenCredential};
