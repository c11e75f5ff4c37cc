#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod client;
mod error;
mod expires_in;
mod models;
mod options;
mod scope;

pub use client::CommunicationIdentityClient;
pub use error::CommunicationServiceError;
pub use expires_in::{MAX_TOKEN_EXPIRES_IN, MIN_TOKEN_EXPIRES_IN};
pub use models::CommunicationUserIdentifierAndToken;
pub use options::{
    CommunicationIdentityClientCreateUserAndTokenOptions,
    CommunicationIdentityClientCreateUserOptions, CommunicationIdentityClientDeleteUserOptions,
    CommunicationIdentityClientGetTokenForTeamsUserOptions,
    CommunicationIdentityClientGetTokenOptions, CommunicationIdentityClientOptions,
    CommunicationIdentityClientRevokeTokensOptions, DEFAULT_API_VERSION,
};
pub use scope::CommunicationTokenScope;
