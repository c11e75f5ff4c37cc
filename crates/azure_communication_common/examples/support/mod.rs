//! Code the quickstart shares with the end-to-end tests.
pub mod identity_client;
