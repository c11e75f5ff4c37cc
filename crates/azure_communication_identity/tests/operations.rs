//! Every operation of the client against the local emulator over real HTTP,
//! authenticated with the access key (HMAC), checked against what the
//! emulator recorded and against the tokens' own claims.

mod support;

use acs_emulator::{Route, TokenError};
use azure_communication_common::{CommunicationCredential, CommunicationUserIdentifier};
use azure_communication_identity::{
    CommunicationIdentityClient, CommunicationTokenScope as Scope, DEFAULT_API_VERSION,
};
use azure_core::http::StatusCode;
use std::time::Duration;
use support::{assert_service_error, client, emulator, no_retry};

#[tokio::test]
async fn create_user_adds_one_identity() {
    let emulator = emulator().await;
    let client = client(&emulator);
    let user = client.create_user(None).await.unwrap();
    assert!(
        user.id()
            .starts_with(&format!("8:acs:{}_", emulator.resource_id())),
        "{}",
        user.id()
    );
    assert_eq!(emulator.identity_count(), 1);
    assert_eq!(emulator.request_count(Route::CreateIdentity), 1);
    // The user exists: the emulator issues it a token.
    assert!(emulator
        .issue_token(user.id(), &["chat"], Duration::from_secs(60))
        .is_some());
    let second = client.create_user(None).await.unwrap();
    assert_ne!(user, second);
    assert_eq!(emulator.identity_count(), 2);
}

#[tokio::test]
async fn create_user_and_token_issues_a_token_the_service_verifies() {
    let emulator = emulator().await;
    let client = client(&emulator);
    let created = client
        .create_user_and_token(&[Scope::Chat, Scope::VoIP], None, None)
        .await
        .unwrap();
    let claims = emulator
        .verify_acs_token(created.access_token.token.secret())
        .unwrap();
    assert_eq!(claims.user_id(), created.user.id());
    assert_eq!(claims.scopes(), ["chat", "voip"]);
    assert_eq!(created.access_token.expires_on.unix_timestamp(), claims.exp);
    // One request did both.
    assert_eq!(emulator.request_count(Route::CreateIdentity), 1);
    assert_eq!(emulator.identity_count(), 1);
}

#[tokio::test]
async fn expires_in_sets_the_token_lifetime() {
    let emulator = emulator().await;
    let client = client(&emulator);
    let created = client
        .create_user_and_token(&[Scope::ChatJoin], Some(Duration::from_secs(90 * 60)), None)
        .await
        .unwrap();
    let claims = emulator
        .verify_acs_token(created.access_token.token.secret())
        .unwrap();
    assert_eq!(claims.exp - claims.iat, 90 * 60);

    for minutes in [60, 1440] {
        let token = client
            .get_token(
                &created.user,
                &[Scope::VoIPJoin],
                Some(Duration::from_secs(minutes * 60)),
                None,
            )
            .await
            .unwrap();
        let claims = emulator.verify_acs_token(token.token.secret()).unwrap();
        assert_eq!(claims.exp - claims.iat, minutes as i64 * 60);
        assert_eq!(token.expires_on.unix_timestamp(), claims.exp);
    }
}

#[tokio::test]
async fn get_token_issues_each_scope() {
    let emulator = emulator().await;
    let client = client(&emulator);
    let user = client.create_user(None).await.unwrap();
    for (scopes, names) in [
        (vec![Scope::Chat], vec!["chat"]),
        (vec![Scope::VoIP], vec!["voip"]),
        (
            vec![Scope::ChatJoin, Scope::VoIPJoin],
            vec!["chat.join", "voip.join"],
        ),
        (vec![Scope::ChatJoinLimited], vec!["chat.join.limited"]),
        // A scope the crate has no name for is sent as written.
        (
            vec![Scope::from("chat.join.limited".to_owned())],
            vec!["chat.join.limited"],
        ),
    ] {
        let token = client.get_token(&user, &scopes, None, None).await.unwrap();
        let claims = emulator.verify_acs_token(token.token.secret()).unwrap();
        assert_eq!(claims.user_id(), user.id());
        assert_eq!(claims.scopes(), names);
        // The emulator's default lifetime (the service's: 24 hours).
        assert_eq!(claims.exp - claims.iat, 24 * 60 * 60);
    }
    assert_eq!(emulator.request_count(Route::IssueAccessToken), 5);
}

#[tokio::test]
async fn revoke_tokens_kills_earlier_tokens_only() {
    let emulator = emulator().await;
    let client = client(&emulator);
    let user = client.create_user(None).await.unwrap();
    let before = client
        .get_token(&user, &[Scope::Chat], None, None)
        .await
        .unwrap();
    assert!(emulator.verify_acs_token(before.token.secret()).is_ok());

    client.revoke_tokens(&user, None).await.unwrap();
    assert_eq!(
        emulator
            .verify_acs_token(before.token.secret())
            .unwrap_err(),
        TokenError::Revoked
    );
    let after = client
        .get_token(&user, &[Scope::Chat], None, None)
        .await
        .unwrap();
    assert!(emulator.verify_acs_token(after.token.secret()).is_ok());
    assert_eq!(emulator.request_count(Route::RevokeAccessTokens), 1);
}

#[tokio::test]
async fn delete_user_removes_the_identity_and_its_tokens() {
    let emulator = emulator().await;
    let client = client(&emulator);
    let created = client
        .create_user_and_token(&[Scope::Chat], None, None)
        .await
        .unwrap();
    client.delete_user(&created.user, None).await.unwrap();
    assert_eq!(emulator.identity_count(), 0);
    assert_eq!(
        emulator
            .verify_acs_token(created.access_token.token.secret())
            .unwrap_err(),
        TokenError::UnknownUser
    );
    let error = client
        .get_token(&created.user, &[Scope::Chat], None, None)
        .await
        .unwrap_err();
    assert_service_error(&error, StatusCode::NotFound, "IdentityNotFound");
}

#[tokio::test]
async fn every_constructor_reaches_the_same_resource() {
    let emulator = emulator().await;
    let endpoint = emulator.endpoint().to_string();
    let key = CommunicationCredential::from_access_key(emulator.access_key().to_owned()).unwrap();
    let by_key =
        CommunicationIdentityClient::new(&endpoint, key.clone(), Some(no_retry())).unwrap();
    assert_eq!(by_key.endpoint().as_str(), endpoint);
    assert_eq!(by_key.api_version(), DEFAULT_API_VERSION);
    let by_string = support::client(&emulator);
    let user = by_key.create_user(None).await.unwrap();
    by_string.revoke_tokens(&user, None).await.unwrap();
    by_string.delete_user(&user, None).await.unwrap();
    assert_eq!(emulator.identity_count(), 0);

    // A connection string with a credential, or an endpoint without one, is
    // refused without echoing the key.
    let error = CommunicationIdentityClient::new(&emulator.connection_string(), key, None)
        .unwrap_err()
        .to_string();
    assert!(error.contains("endpoint URL"), "{error}");
    assert!(!error.contains(emulator.access_key()), "{error}");
    let error = CommunicationIdentityClient::from_connection_string(&endpoint, None)
        .unwrap_err()
        .to_string();
    assert!(error.contains("connection string"), "{error}");
}

#[tokio::test]
async fn api_version_is_sent_and_configurable() {
    let emulator = emulator().await;
    for version in acs_emulator::IDENTITY_API_VERSIONS {
        let client = CommunicationIdentityClient::from_connection_string(
            &emulator.connection_string(),
            Some(
                azure_communication_identity::CommunicationIdentityClientOptions {
                    api_version: version.to_owned(),
                    ..no_retry()
                },
            ),
        )
        .unwrap();
        client.create_user(None).await.unwrap();
    }
    let client = CommunicationIdentityClient::from_connection_string(
        &emulator.connection_string(),
        Some(
            azure_communication_identity::CommunicationIdentityClientOptions {
                api_version: "2020-07-20-preview2".to_owned(),
                ..no_retry()
            },
        ),
    )
    .unwrap();
    let error = client.create_user(None).await.unwrap_err();
    assert_service_error(&error, StatusCode::BadRequest, "UnsupportedApiVersion");
}

#[tokio::test]
async fn ids_that_need_escaping_stay_one_path_segment() {
    let emulator = emulator().await;
    let client = client(&emulator);
    // Not a user of this resource's: '/', '?' and '#' must not change the route.
    let id = format!("8:acs:{}_a/b?c#d", emulator.resource_id());
    let user = CommunicationUserIdentifier::new(&id);
    let error = client.revoke_tokens(&user, None).await.unwrap_err();
    let service = assert_service_error(&error, StatusCode::NotFound, "IdentityNotFound");
    assert!(service.message().contains(&id), "{}", service.message());
    assert_eq!(emulator.request_count(Route::RevokeAccessTokens), 1);
}

/// Emulator only: the lifetime header, set by a per-call policy the caller
/// adds through azure_core's client options (as the quickstart does).
#[derive(Debug)]
struct ShortLivedTokens(u64);

#[async_trait::async_trait]
impl azure_core::http::policies::Policy for ShortLivedTokens {
    async fn send(
        &self,
        ctx: &azure_core::http::Context,
        request: &mut azure_core::http::Request,
        next: &[std::sync::Arc<dyn azure_core::http::policies::Policy>],
    ) -> azure_core::http::policies::PolicyResult {
        request.insert_header(acs_emulator::TOKEN_LIFETIME_HEADER, self.0.to_string());
        next[0].send(ctx, request, &next[1..]).await
    }
}

#[tokio::test]
async fn a_caller_policy_can_ask_the_emulator_for_short_tokens() {
    let emulator = emulator().await;
    let mut options = no_retry();
    options.client_options.per_call_policies = vec![std::sync::Arc::new(ShortLivedTokens(8))];
    let client = CommunicationIdentityClient::from_connection_string(
        &emulator.connection_string(),
        Some(options),
    )
    .unwrap();
    let created = client
        .create_user_and_token(&[Scope::Chat], None, None)
        .await
        .unwrap();
    let claims = emulator
        .verify_acs_token(created.access_token.token.secret())
        .unwrap();
    assert_eq!(claims.exp - claims.iat, 8);
    // Debug output of the result shows the user, not the token.
    let debug = format!("{created:?}");
    assert!(debug.contains(created.user.id()), "{debug}");
    assert!(
        !debug.contains(created.access_token.token.secret()),
        "{debug}"
    );
}
