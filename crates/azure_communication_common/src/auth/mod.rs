//! Access-key (HMAC-SHA256) authentication.

mod signer;

pub use signer::{AccessKeySigner, SignedHeaders};
