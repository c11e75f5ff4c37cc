//! # Azure Communication Services common library for Rust
//!
//! The pieces every Azure Communication Services (ACS) client shares — chat,
//! calling, SMS, identity — built on [`azure_core`] so they plug into the Rust
//! Azure SDK:
//!
//! - **Communication identifiers** ([`CommunicationIdentifier`]): users, phone
//!   numbers, Teams users, Teams apps, Teams extension users and identifiers of
//!   kinds added later; total raw-id parsing and formatting; the REST wire
//!   model; equality and hashing by raw id.
//! - **User token credentials** ([`AzureCommunicationTokenCredential`]): a
//!   static token, or a refresher callback with an optional initial token and
//!   proactive refresh ([`CommunicationTokenRefreshOptions`]); single-flight,
//!   cancellation-safe refresh; `dispose`. It implements azure_core's
//!   `TokenCredential`. [`parse_token`] reads a token's expiry. The pipeline
//!   policy [`CommunicationTokenCredentialPolicy`] sends the token as a
//!   bearer token and, on a 401, invalidates it and retries once. The usage
//!   scenarios and a troubleshooting table are on
//!   [`AzureCommunicationTokenCredential`].
//! - **Access-key authentication**: the pure HMAC-SHA256 [`AccessKeySigner`],
//!   the pipeline policy [`CommunicationAccessKeyCredentialPolicy`], the
//!   chooser [`communication_auth_policy`], [`ConnectionString`] and
//!   [`parse_client_arguments`].
//!
//! Secrets (access keys, tokens) never appear in `Debug`, `Display`, error
//! messages or logs. Logging goes through `tracing`, as in azure_core.
//!
//! ## Identifiers
//!
//! Parse a raw id (never fails), inspect its kind, print it back:
//!
//! ```
//! use azure_communication_common::{CommunicationIdentifier, CommunicationCloudEnvironment};
//!
//! let id = CommunicationIdentifier::from_raw_id("8:gcch:45ab2481-1c1c-4005-be24-0ffb879b1130");
//! match &id {
//!     CommunicationIdentifier::MicrosoftTeamsUser(user) => {
//!         assert_eq!(user.user_id(), "45ab2481-1c1c-4005-be24-0ffb879b1130");
//!         assert_eq!(user.cloud(), CommunicationCloudEnvironment::Gcch);
//!         assert!(!user.is_anonymous());
//!     }
//!     other => panic!("unexpected {other:?}"),
//! }
//! assert_eq!(id.to_string(), "8:gcch:45ab2481-1c1c-4005-be24-0ffb879b1130");
//!
//! // A string of no known form is kept as an unknown identifier, raw id intact.
//! let future = CommunicationIdentifier::from_raw_id("99:something-new");
//! assert_eq!(future.kind().as_str(), "unknown");
//! assert_eq!(future.raw_id(), "99:something-new");
//! ```
//!
//! Format one from its fields:
//!
//! ```
//! use azure_communication_common::{
//!     CommunicationCloudEnvironment, CommunicationIdentifier, PhoneNumberIdentifier,
//!     TeamsExtensionUserIdentifier,
//! };
//!
//! let phone = PhoneNumberIdentifier::new("+14255550123");
//! assert_eq!(phone.raw_id(), "4:+14255550123");
//!
//! let ext = TeamsExtensionUserIdentifier::new("user", "tenant", "resource", CommunicationCloudEnvironment::Dod);
//! assert_eq!(ext.raw_id(), "8:dod-acs:resource_tenant_user");
//! assert_eq!(CommunicationIdentifier::from_raw_id(ext.raw_id()), CommunicationIdentifier::from(ext));
//! ```
//!
//! Identifiers are equal, hash and order by raw id, so they are good map keys,
//! and a map keyed by them can be looked up with a raw id:
//!
//! ```
//! use azure_communication_common::{CommunicationIdentifier, CommunicationUserIdentifier};
//! use std::collections::HashMap;
//!
//! let mut unread: HashMap<CommunicationIdentifier, u32> = HashMap::new();
//! unread.insert(CommunicationUserIdentifier::new("8:acs:r_alice").into(), 3);
//! *unread.entry(CommunicationIdentifier::from_raw_id("8:acs:r_alice")).or_default() += 1;
//! assert_eq!(unread["8:acs:r_alice"], 4);
//! ```
//!
//! The REST wire model round-trips through serde; an unknown `kind` from a
//! newer service becomes an unknown identifier instead of an error:
//!
//! ```
//! use azure_communication_common::CommunicationIdentifier;
//! use serde_json::json;
//!
//! let wire = json!({
//!     "rawId": "8:teamsvisitor:4fa1",
//!     "microsoftTeamsUser": { "userId": "4fa1", "isAnonymous": true, "cloud": "public" }
//! });
//! let id: CommunicationIdentifier = serde_json::from_value(wire.clone()).unwrap();
//! assert_eq!(serde_json::to_value(&id).unwrap(), wire);
//!
//! let newer: CommunicationIdentifier =
//!     serde_json::from_value(json!({"kind": "hologram", "rawId": "99:x", "hologram": {}})).unwrap();
//! assert_eq!(newer.raw_id(), "99:x");
//!
//! let err = serde_json::from_value::<CommunicationIdentifier>(json!({"phoneNumber": {}})).unwrap_err();
//! assert!(err.to_string().contains("Property value is required for identifier of type phoneNumber."));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod auth;
mod credential;
mod identifier;
mod secret_text;

// The public face: every public item, by name.
pub use auth::{
    communication_auth_policy, parse_client_arguments, AccessKeyCredential, AccessKeySigner,
    CommunicationAccessKeyCredentialPolicy, CommunicationCredential, ConnectionString,
    SignedHeaders, COMMUNICATION_TOKEN_SCOPE,
};
#[cfg(feature = "test-util")]
pub use credential::TokenClock;
pub use credential::{
    parse_token, AzureCommunicationTokenCredential, CommunicationGetTokenOptions,
    CommunicationTokenCredential, CommunicationTokenCredentialPolicy,
    CommunicationTokenRefreshOptions, EntraCommunicationTokenCredentialOptions, IntoAccessToken,
    RefreshLimiter, CLOCK_SKEW_TOLERANCE, DEFAULT_ENTRA_SCOPE,
    DEFAULT_MAX_CONCURRENT_PROACTIVE_REFRESHES, DEFAULT_PROACTIVE_SLOT_HOLD,
    DEFAULT_REFRESH_TIMEOUT, DEFAULT_UNDECODABLE_TOKEN_LIFETIME, ON_DEMAND_REFRESH_WINDOW,
    PROACTIVE_REFRESH_WINDOW, TOKEN_CREDENTIAL_REFRESH_WINDOW,
};
pub use identifier::{
    CommunicationCloudEnvironment, CommunicationIdentifier, CommunicationIdentifierKind,
    CommunicationIdentifierModel, CommunicationUserIdentifier, CommunicationUserIdentifierModel,
    MicrosoftTeamsAppIdentifier, MicrosoftTeamsAppIdentifierModel, MicrosoftTeamsUserIdentifier,
    MicrosoftTeamsUserIdentifierModel, PhoneNumberIdentifier, PhoneNumberIdentifierModel,
    TeamsExtensionUserIdentifier, TeamsExtensionUserIdentifierModel, UnknownIdentifier,
};

/// The crate README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
