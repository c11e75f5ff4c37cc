//! Entra ID token exchange, both endpoint families, over real HTTP.

mod common;

use acs_emulator::{EntraTokenSpec, Route, TokenError, DEFAULT_OBJECT_ID, DEFAULT_TENANT_ID};
use azure_core::credentials::TokenCredential;
use common::*;
use reqwest::StatusCode;
use std::time::Duration;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

const ENTRA: &str = "/access/entra/:exchangeAccessToken?api-version=2025-03-02-preview";
const TEAMS: &str = "/access/teamsExtension/:exchangeAccessToken?api-version=2025-06-30";
const ENTRA_SCOPE: &str = "https://communication.azure.com/clients/.default";
const TEAMS_SCOPE: &str = "https://auth.msft.communication.azure.com/Teams.ManageCalls";
const TEAMS_US_SCOPE: &str = "https://auth.msft.communication.azure.us/Teams.ManageCalls";

fn assert_invalid_token(reply: &Reply, needle: &str) {
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{:?}", reply.json());
    assert_eq!(reply.code(), "InvalidAccessToken");
    assert!(
        reply.message().contains(needle),
        "{:?} should mention {needle:?}",
        reply.message()
    );
}

#[tokio::test]
async fn entra_exchange_returns_an_identity_and_an_acs_token() {
    let emulator = start().await;
    let entra = emulator.mint_entra_token(EntraTokenSpec::new([ENTRA_SCOPE]));
    let reply = exchange(&emulator, ENTRA, Some(&entra.token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.json());
    let json = reply.json();
    let id = json["identity"]["id"].as_str().unwrap();
    assert_eq!(
        id,
        format!(
            // azure-rest-api-specs .../Identity/preview/2025-03-02-preview/examples/ExchangeEntraIdToken.json
            "8:acs:{}_wf_{DEFAULT_TENANT_ID}_{DEFAULT_OBJECT_ID}",
            emulator.resource_id()
        )
    );
    let token = json["accessToken"]["token"].as_str().unwrap();
    let claims = emulator.verify_acs_token(token).unwrap();
    assert_eq!(claims.user_id(), id);
    assert_eq!(claims.scopes(), ["chat", "voip"]);
    // the ACS token does not outlive the Entra token (one hour by default)
    let expires =
        OffsetDateTime::parse(json["accessToken"]["expiresOn"].as_str().unwrap(), &Rfc3339)
            .unwrap();
    assert_eq!(expires, entra.expires_on);
    assert_eq!(emulator.request_count(Route::ExchangeEntraToken), 1);
}

#[tokio::test]
async fn teams_extension_exchange_accepts_both_clouds() {
    let emulator = start().await;
    for scope in [TEAMS_SCOPE, TEAMS_US_SCOPE] {
        let entra = emulator.mint_entra_token(
            EntraTokenSpec::new([scope])
                .tenant_id("11111111-1111-4111-8111-111111111111")
                .object_id("22222222-2222-4222-8222-222222222222")
                .expires_in(Duration::from_secs(600)),
        );
        let reply = exchange(&emulator, TEAMS, Some(&entra.token)).await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.json());
        let json = reply.json();
        assert_eq!(
            json["identity"]["id"],
            format!(
                "8:acs:{}_11111111-1111-4111-8111-111111111111_22222222-2222-4222-8222-222222222222",
                emulator.resource_id()
            )
        );
        let claims = emulator
            .verify_acs_token(json["accessToken"]["token"].as_str().unwrap())
            .unwrap();
        assert_eq!(claims.scopes(), ["voip"]);
        assert!(claims.exp - claims.iat <= 600);
    }
    assert_eq!(
        emulator.request_count(Route::ExchangeTeamsExtensionToken),
        2
    );
}

#[tokio::test]
async fn a_token_for_the_other_family_is_refused() {
    let emulator = start().await;
    let entra = emulator.mint_entra_token(EntraTokenSpec::new([ENTRA_SCOPE]));
    let teams = emulator.mint_entra_token(EntraTokenSpec::new([TEAMS_SCOPE]));
    assert_invalid_token(
        &exchange(&emulator, TEAMS, Some(&entra.token)).await,
        "does not accept",
    );
    assert_invalid_token(
        &exchange(&emulator, ENTRA, Some(&teams.token)).await,
        "does not accept",
    );
    let graph = emulator.mint_entra_token(EntraTokenSpec::new([
        "https://graph.microsoft.com/.default",
    ]));
    assert_invalid_token(
        &exchange(&emulator, ENTRA, Some(&graph.token)).await,
        "graph.microsoft.com",
    );
}

#[tokio::test]
async fn missing_malformed_and_foreign_bearer_tokens_are_refused() {
    let emulator = start().await;
    assert_invalid_token(&exchange(&emulator, ENTRA, None).await, "missing");
    assert_invalid_token(
        &exchange(&emulator, ENTRA, Some("garbage")).await,
        "not valid",
    );
    let other = start().await;
    let foreign = other.mint_entra_token(EntraTokenSpec::default());
    assert_invalid_token(
        &exchange(&emulator, ENTRA, Some(&foreign.token)).await,
        "signature",
    );
    // an ACS token is not an Entra token either
    let id = create_user(&emulator).await;
    let acs = issue(&emulator, &id, r#"{"scopes":["chat"]}"#).await.json();
    let acs = acs["token"].as_str().unwrap();
    assert_invalid_token(&exchange(&emulator, ENTRA, Some(acs)).await, "not valid");
    // nor is HMAC authentication accepted here
    let reply = send(
        reqwest::Method::POST,
        url(&emulator, ENTRA),
        vec![(
            "authorization",
            "HMAC-SHA256 SignedHeaders=x&Signature=y".to_owned(),
        )],
        b"{}".to_vec(),
    )
    .await;
    assert_invalid_token(&reply, "Bearer");
}

#[tokio::test]
async fn an_expired_entra_token_is_refused() {
    let emulator = start().await;
    let entra =
        emulator.mint_entra_token(EntraTokenSpec::default().expires_in(Duration::from_secs(60)));
    assert_eq!(
        exchange(&emulator, ENTRA, Some(&entra.token)).await.status,
        StatusCode::OK
    );
    emulator.advance_time(Duration::from_secs(61));
    assert_invalid_token(
        &exchange(&emulator, ENTRA, Some(&entra.token)).await,
        "expired",
    );
    assert!(matches!(
        emulator.verify_entra_token(&entra.token),
        Err(TokenError::Expired { .. })
    ));
}

#[tokio::test]
async fn a_wrong_or_missing_api_version_is_400() {
    let emulator = start().await;
    let entra = emulator.mint_entra_token(EntraTokenSpec::default());
    for (path, code) in [
        (
            "/access/entra/:exchangeAccessToken",
            "MissingApiVersionParameter",
        ),
        (
            "/access/entra/:exchangeAccessToken?api-version=2025-06-30",
            "UnsupportedApiVersion",
        ),
        (
            "/access/teamsExtension/:exchangeAccessToken?api-version=2025-03-02-preview",
            "UnsupportedApiVersion",
        ),
    ] {
        let reply = exchange(&emulator, path, Some(&entra.token)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(reply.code(), code, "{path}");
    }
}

#[tokio::test]
async fn a_malformed_body_is_400() {
    let emulator = start().await;
    let entra = emulator.mint_entra_token(EntraTokenSpec::default());
    let headers = vec![("authorization", format!("Bearer {}", entra.token))];
    let reply = send(
        reqwest::Method::POST,
        url(&emulator, ENTRA),
        headers.clone(),
        b"{nope".to_vec(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.code(), "BadRequest");
    // an empty body is fine
    let reply = send(
        reqwest::Method::POST,
        url(&emulator, ENTRA),
        headers,
        Vec::new(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn the_entra_credential_mints_for_the_requested_scopes() {
    let emulator = start().await;
    let credential = emulator.entra_credential();
    let token = credential.get_token(&[TEAMS_SCOPE], None).await.unwrap();
    let claims = emulator.verify_entra_token(token.token.secret()).unwrap();
    assert_eq!(claims.scopes(), [TEAMS_SCOPE]);
    assert_eq!(claims.aud, "https://auth.msft.communication.azure.com");
    let reply = exchange(&emulator, TEAMS, Some(token.token.secret())).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(credential.calls(), 1);
    assert!(!format!("{credential:?}").contains(token.token.secret()));

    let short = emulator
        .entra_credential_with(EntraTokenSpec::default().expires_in(Duration::from_secs(30)));
    let token = short.get_token(&[ENTRA_SCOPE], None).await.unwrap();
    assert!(token.expires_on - emulator.now() <= time::Duration::seconds(30));
    let minted = emulator.mint_entra_token(EntraTokenSpec::default());
    assert!(!format!("{minted:?}").contains(&minted.token));
}

#[tokio::test]
async fn a_zero_lifetime_mints_an_expired_token() {
    let emulator = start().await;
    let entra = emulator.mint_entra_token(EntraTokenSpec::default().expires_in(Duration::ZERO));
    assert_invalid_token(
        &exchange(&emulator, ENTRA, Some(&entra.token)).await,
        "expired",
    );
}

/// Two Authorization headers are refused, not decided by the first one (the
/// service sees them joined, which is not a bearer token).
#[tokio::test]
async fn a_repeated_authorization_header_is_refused() {
    let emulator = start().await;
    let entra = emulator.mint_entra_token(EntraTokenSpec::new([ENTRA_SCOPE]));
    let headers = vec![
        ("authorization", format!("Bearer {}", entra.token)),
        ("authorization", "Bearer not-a-token".to_owned()),
    ];
    let reply = send(
        reqwest::Method::POST,
        url(&emulator, ENTRA),
        headers,
        b"{}".to_vec(),
    )
    .await;
    assert_invalid_token(&reply, "only once");
}

/// The Entra exchange accepts `https://communication.azure.com` tokens only
/// with `clients/…` scopes: a token for the bare resource (no scope path) has
/// none, and is refused like any other foreign scope.
#[tokio::test]
async fn an_entra_token_without_a_clients_scope_is_refused() {
    let emulator = start().await;
    let bare = emulator.mint_entra_token(EntraTokenSpec::new(["https://communication.azure.com/"]));
    assert_eq!(emulator.verify_entra_token(&bare.token).unwrap().scp, "");
    assert_invalid_token(
        &exchange(&emulator, ENTRA, Some(&bare.token)).await,
        "does not accept",
    );
}

/// Deleting an identity ends its tokens for good: exchanging again for the
/// same Entra user recreates the same identity id, but the tokens issued
/// before the deletion must not come back to life.
#[tokio::test]
async fn tokens_of_a_deleted_identity_stay_dead_when_it_is_recreated() {
    let emulator = start().await;
    let entra = emulator.mint_entra_token(EntraTokenSpec::new([ENTRA_SCOPE]));
    let json = exchange(&emulator, ENTRA, Some(&entra.token)).await.json();
    let id = json["identity"]["id"].as_str().unwrap().to_owned();
    let old = json["accessToken"]["token"].as_str().unwrap().to_owned();
    assert!(emulator.verify_acs_token(&old).is_ok());

    let path = format!("/identities/{}?{API}", encode(&id));
    let reply = send_signed(&emulator, reqwest::Method::DELETE, &path, b"").await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(
        emulator.verify_acs_token(&old),
        Err(TokenError::UnknownUser)
    );

    let json = exchange(&emulator, ENTRA, Some(&entra.token)).await.json();
    assert_eq!(json["identity"]["id"], id.as_str());
    let new = json["accessToken"]["token"].as_str().unwrap();
    assert!(emulator.verify_acs_token(new).is_ok());
    assert_eq!(emulator.verify_acs_token(&old), Err(TokenError::Revoked));
}
