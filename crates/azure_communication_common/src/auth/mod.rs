//! Access-key (HMAC-SHA256) and Microsoft Entra ID authentication for Azure
//! Communication Services (SPEC 3 and 4).
//!
//! * [`AccessKeySigner`] — the pure signer: no I/O, no azure_core pipeline
//!   needed. It also exposes the pieces a verifier (such as the emulator)
//!   recomputes from a request as received: [`AccessKeySigner::content_hash`],
//!   [`AccessKeySigner::sign_parts`], [`AccessKeySigner::verify`].
//! * [`CommunicationAccessKeyCredentialPolicy`] — the azure_core pipeline
//!   policy built on it (per try: retries are re-signed).
//! * [`CommunicationCredential`] and [`communication_auth_policy`] — choose
//!   HMAC for an access key or azure_core's bearer-token policy (scope
//!   [`COMMUNICATION_TOKEN_SCOPE`]) for a `TokenCredential`.
//! * [`ConnectionString`] and [`parse_client_arguments`] — what client
//!   constructors accept.
//!
//! Choices this crate makes where the reference (`@azure/communication-common`)
//! differs or is silent:
//!
//! * It signs exactly the path and query that go on the wire. The reference
//!   re-serialises the query before signing (so `%20` is signed as `+` and
//!   `:` as `%3A` while the original is sent). A URL without a path is signed
//!   as `/`, and a `?` with an empty query is kept (`/p?`).
//! * `host` includes the port when it is not the scheme's default; a
//!   `host` header set by the caller is signed as given.
//! * Plain `http://` endpoints are signed (for local emulators); the bearer
//!   policy, as in azure_core, refuses them.
//! * Connection strings are parsed as order-free `key=value` pairs, not with
//!   the reference's order-dependent regex; errors never print the string.
//! * Neither `Debug` output nor any error message contains an access key.

mod access_key_credential;
mod chooser;
mod client_arguments;
mod connection_string;
pub(crate) mod policy;
mod signer;

pub use access_key_credential::AccessKeyCredential;
pub use chooser::{communication_auth_policy, CommunicationCredential, COMMUNICATION_TOKEN_SCOPE};
pub use client_arguments::parse_client_arguments;
pub use connection_string::ConnectionString;
pub use policy::CommunicationAccessKeyCredentialPolicy;
pub use signer::{AccessKeySigner, SignedHeaders};
