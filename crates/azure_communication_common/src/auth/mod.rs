//! Access-key (HMAC-SHA256) authentication.

mod chooser;
mod client_arguments;
mod connection_string;
mod policy;
mod signer;

pub use chooser::{communication_auth_policy, CommunicationCredential, COMMUNICATION_TOKEN_SCOPE};
pub use client_arguments::parse_client_arguments;
pub use connection_string::ConnectionString;
pub use policy::CommunicationAccessKeyCredentialPolicy;
pub use signer::{AccessKeySigner, SignedHeaders};
