//! `POST /teamsUser/:exchangeAccessToken` and identity ownership.
//!
//! Follows the specification
//! Azure/azure-rest-api-specs specification/communication/data-plane/Identity/stable/2023-10-01/CommunicationIdentity.json
//! (TeamsUserExchangeTokenRequest: token, appId, userId; "a new Communication
//! Identity access token with a matching expiration time") and the JS SDK's
//! tests sdk/communication/communication-identity/test/public/node/getTokenForTeamsUser.node.spec.ts
//! (invalid, empty and expired tokens → 401) and
//! test/public/communicationIdentityClient.spec.ts with its recordings
//! (an identity of another resource → 401 IdentityNotOwned "Provided identity
//! doesn't belong to the resource." on issue, revoke and delete).

mod common;

use acs_emulator::{EntraTokenSpec, DEFAULT_APP_ID, DEFAULT_OBJECT_ID};
use common::*;
use reqwest::Method;
use serde_json::json;
use std::time::Duration;

const PATH: &str = "/teamsUser/:exchangeAccessToken?api-version=2023-10-01";
const TEAMS_SCOPE: &str = "https://auth.msft.communication.azure.com/Teams.ManageCalls";

fn body(token: &str, app_id: &str, user_id: &str) -> Vec<u8> {
    json!({ "token": token, "appId": app_id, "userId": user_id })
        .to_string()
        .into_bytes()
}

#[tokio::test]
async fn a_teams_token_is_exchanged_with_a_matching_expiry() {
    let emulator = start().await;
    let teams = emulator
        .mint_entra_token(EntraTokenSpec::new([TEAMS_SCOPE]).expires_in(Duration::from_secs(1800)));
    let reply = send_signed(
        &emulator,
        Method::POST,
        PATH,
        &body(&teams.token, DEFAULT_APP_ID, DEFAULT_OBJECT_ID),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.json());
    let token = reply.json()["token"].as_str().unwrap().to_owned();
    let claims = emulator.verify_acs_token(&token).unwrap();
    assert_eq!(claims.user_id(), format!("8:orgid:{DEFAULT_OBJECT_ID}"));
    assert_eq!(claims.exp, teams.expires_on.unix_timestamp());
    // bearer works too
    let bearer = emulator.mint_entra_token(EntraTokenSpec::new([
        "https://communication.azure.com//.default",
    ]));
    let reply = send_bearer(
        &emulator,
        Method::POST,
        PATH,
        &bearer.token,
        &body(&teams.token, DEFAULT_APP_ID, DEFAULT_OBJECT_ID),
    )
    .await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn invalid_expired_and_foreign_tokens_are_401() {
    let emulator = start().await;
    let other = start().await;
    let expired = emulator
        .mint_entra_token(EntraTokenSpec::new([TEAMS_SCOPE]).expires_in(Duration::from_secs(60)));
    emulator.advance_time(Duration::from_secs(61));
    let foreign = other.mint_entra_token(EntraTokenSpec::new([TEAMS_SCOPE]));
    let wrong_audience = emulator.mint_entra_token(EntraTokenSpec::default());
    for token in [
        "",
        "invalid",
        &expired.token,
        &foreign.token,
        &wrong_audience.token,
    ] {
        let reply = send_signed(
            &emulator,
            Method::POST,
            PATH,
            &body(token, DEFAULT_APP_ID, DEFAULT_OBJECT_ID),
        )
        .await;
        assert_eq!(reply.status, 401, "{token}");
        assert_eq!(reply.code(), "InvalidAccessToken");
        assert_eq!(reply.message(), "Provided access token is not valid.");
    }
}

#[tokio::test]
async fn app_id_and_user_id_must_match_the_token() {
    let emulator = start().await;
    let teams = emulator.mint_entra_token(EntraTokenSpec::new([TEAMS_SCOPE]));
    let other = "11111111-1111-4111-8111-111111111111";
    for (app_id, user_id, target) in [
        (other, DEFAULT_OBJECT_ID, "appId"),
        (DEFAULT_APP_ID, other, "userId"),
    ] {
        let reply = send_signed(
            &emulator,
            Method::POST,
            PATH,
            &body(&teams.token, app_id, user_id),
        )
        .await;
        assert_eq!(reply.status, 400);
        assert_eq!(reply.code(), "ValidationError");
        assert_eq!(reply.json()["error"]["target"], target);
    }
    let reply = send_signed(&emulator, Method::POST, PATH, br#"{"token":"x"}"#).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"]["target"], "AppId");
    assert_eq!(emulator.identity_count(), 0);
}

#[tokio::test]
async fn another_resources_identity_is_not_owned() {
    let emulator = start().await;
    let other = start().await;
    let foreign = other.create_user();
    for (method, path, body) in [
        (
            Method::POST,
            format!("/identities/{}/:issueAccessToken?{API}", encode(&foreign)),
            r#"{"scopes":["chat","voip"]}"#,
        ),
        (
            Method::POST,
            format!("/identities/{}/:revokeAccessTokens?{API}", encode(&foreign)),
            "",
        ),
        (
            Method::DELETE,
            format!("/identities/{}?{API}", encode(&foreign)),
            "",
        ),
    ] {
        let reply = send_signed(&emulator, method, &path, body.as_bytes()).await;
        assert_eq!(reply.status, 401, "{path}");
        assert_eq!(reply.code(), "IdentityNotOwned");
        assert_eq!(
            reply.message(),
            "Provided identity doesn't belong to the resource."
        );
    }
    // still there in its own resource
    assert_eq!(other.identity_count(), 1);
}
