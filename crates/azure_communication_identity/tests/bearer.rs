//! The bearer-token (Microsoft Entra ID) path: the client with a
//! `CommunicationCredential::Token` holding the emulator's test-issuer
//! credential, through azure_core's own `BearerTokenAuthorizationPolicy`.

mod support;

use azure_communication_common::CommunicationCredential;
use azure_communication_identity::CommunicationIdentityClient;

#[tokio::test]
async fn a_concrete_credential_goes_in_without_a_cast_and_http_is_refused_at_construction() {
    let emulator = support::emulator().await;
    // An Arc of a concrete TokenCredential type, no `as Arc<dyn ...>`.
    let entra = emulator.entra_credential();
    let error = CommunicationIdentityClient::new(
        emulator.endpoint().as_str(),
        CommunicationCredential::Token(entra.clone()),
        Some(support::no_retry()),
    )
    .unwrap_err();
    assert_eq!(*error.kind(), azure_core::error::ErrorKind::Credential);
    let text = error.to_string();
    assert!(text.contains("needs an https:// endpoint"), "{text}");
    assert!(text.contains(emulator.endpoint().as_str()), "{text}");
    assert_eq!(emulator.total_request_count(), 0);
    assert_eq!(entra.calls(), 0);
}
