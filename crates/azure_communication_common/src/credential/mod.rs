//! User access tokens: [`parse_token`], the [`CommunicationTokenCredential`]
//! trait and [`AzureCommunicationTokenCredential`].

mod clock;
mod options;
mod refresh;
mod token;
mod token_credential;

#[doc(hidden)]
pub use clock::Clock;
pub use options::{
    CommunicationGetTokenOptions, CommunicationTokenRefreshOptions, IntoAccessToken,
    DEFAULT_REFRESH_TIMEOUT,
};
pub use refresh::{
    FIRST_RETRY_DELAY, MAX_CONCURRENT_PROACTIVE_REFRESHES, MAX_RETRY_DELAY, MAX_TIMER_SLEEP,
    MIN_REFRESH_INTERVAL, ON_DEMAND_REFRESH_WINDOW, PROACTIVE_REFRESH_WINDOW,
};
pub use token::{parse_token, DEFAULT_UNDECODABLE_TOKEN_LIFETIME};
pub use token_credential::{AzureCommunicationTokenCredential, CommunicationTokenCredential};
