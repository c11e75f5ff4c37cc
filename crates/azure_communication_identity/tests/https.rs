//! The client over HTTPS against the emulator (its own CA, trusted by the
//! test's transport): every operation with the access key, and with a
//! Microsoft Entra ID credential through azure_core's real
//! `BearerTokenAuthorizationPolicy` (the client's `CommunicationCredential::Token`
//! path), whose tokens come from the emulator's test issuer.

mod support;

use acs_emulator::{Route, TokenError};
use azure_communication_common::CommunicationCredential;
use azure_communication_identity::{CommunicationIdentityClient, CommunicationTokenScope as Scope};
use azure_core::http::StatusCode;
use std::time::Duration;
use support::{assert_service_error, https_emulator, https_options};

/// Runs every identity operation through `client` and checks the results
/// with the emulator.
async fn every_operation(emulator: &acs_emulator::Emulator, client: &CommunicationIdentityClient) {
    let user = client.create_user(None).await.unwrap();
    let created = client
        .create_user_and_token(&[Scope::Chat], Some(Duration::from_secs(60 * 60)), None)
        .await
        .unwrap();
    let claims = emulator
        .verify_acs_token(created.access_token.token.secret())
        .unwrap();
    assert_eq!(claims.user_id(), created.user.id());
    assert_eq!(claims.exp - claims.iat, 3600);

    let token = client
        .get_token(&user, &[Scope::VoIP, Scope::ChatJoin], None, None)
        .await
        .unwrap();
    let claims = emulator.verify_acs_token(token.token.secret()).unwrap();
    assert_eq!(claims.user_id(), user.id());
    assert_eq!(claims.scopes(), ["voip", "chat.join"]);

    client.revoke_tokens(&user, None).await.unwrap();
    assert_eq!(
        emulator.verify_acs_token(token.token.secret()).unwrap_err(),
        TokenError::Revoked
    );
    client.delete_user(&user, None).await.unwrap();
    client.delete_user(&created.user, None).await.unwrap();
    assert_eq!(emulator.identity_count(), 0);

    let error = client.delete_user(&user, None).await.unwrap_err();
    assert_service_error(&error, StatusCode::NotFound, "IdentityNotFound");
    for route in [Route::IssueAccessToken, Route::RevokeAccessTokens] {
        assert_eq!(emulator.request_count(route), 1, "{route:?}");
    }
    assert_eq!(emulator.request_count(Route::CreateIdentity), 2);
    assert_eq!(emulator.request_count(Route::DeleteIdentity), 3);
}

#[tokio::test]
async fn every_operation_with_the_access_key_over_https() {
    let emulator = https_emulator().await;
    assert!(emulator.endpoint().as_str().starts_with("https://"));
    let client = CommunicationIdentityClient::from_connection_string(
        &emulator.connection_string(),
        Some(https_options(&emulator)),
    )
    .unwrap();
    every_operation(&emulator, &client).await;
}

#[tokio::test]
async fn every_operation_with_an_entra_credential_through_the_bearer_policy() {
    let emulator = https_emulator().await;
    let entra = emulator.entra_credential();
    let client = CommunicationIdentityClient::new(
        emulator.endpoint().as_str(),
        CommunicationCredential::Token(entra.clone()),
        Some(https_options(&emulator)),
    )
    .unwrap();
    every_operation(&emulator, &client).await;
    // azure_core's bearer policy cached the Entra token: one for all calls.
    assert_eq!(entra.calls(), 1);
}

#[tokio::test]
async fn an_expired_entra_token_is_invalid_access_token() {
    let emulator = https_emulator().await;
    let entra = emulator.entra_credential();
    let client = CommunicationIdentityClient::new(
        emulator.endpoint().as_str(),
        CommunicationCredential::Token(entra.clone()),
        Some(https_options(&emulator)),
    )
    .unwrap();
    client.create_user(None).await.unwrap();
    // The bearer policy keeps its cached token (valid by the wall clock);
    // the emulator's clock moves past that token's expiry.
    emulator.advance_time(Duration::from_secs(2 * 60 * 60));
    let error = client.create_user(None).await.unwrap_err();
    let service = assert_service_error(&error, StatusCode::Unauthorized, "InvalidAccessToken");
    assert!(!service.message().is_empty());
    assert_eq!(emulator.identity_count(), 1);
    assert_eq!(entra.calls(), 1);
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_transport_error_not_a_service_error() {
    let emulator = https_emulator().await;
    // The default transport does not trust the emulator's CA.
    let client = CommunicationIdentityClient::from_connection_string(
        &emulator.connection_string(),
        Some(support::no_retry()),
    )
    .unwrap();
    let error = client.create_user(None).await.unwrap_err();
    assert!(error
        .downcast_ref::<azure_communication_identity::CommunicationServiceError>()
        .is_none());
    assert_eq!(error.http_status(), None, "{error:?}");
    assert_eq!(emulator.identity_count(), 0);
}
