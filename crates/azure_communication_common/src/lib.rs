//! Azure Communication Services common library for Rust.
//!
//! (crate docs are filled in by the identifiers, credential and auth modules' owners)
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod auth;
mod credential;
mod identifier;

pub use auth::*;
pub use credential::*;
pub use identifier::*;
