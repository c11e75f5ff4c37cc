//! The service's headers and api-versions.
//!
//! Headers follow the JS SDK's recordings, e.g. Azure/azure-sdk-for-js
//! sdk/communication/communication-identity/recordings/node/communicationidentityclient_playbacklive/recording_successfully_creates_a_user.json
//! (`Content-Type: application/json; charset=utf-8` on success,
//! `application/json` on errors, `MS-CV`, `x-ms-client-request-id` echoed,
//! `api-supported-versions`, `Strict-Transport-Security: max-age=2592000`).
//! Versions: the service's `api-supported-versions` list (as the issue
//! quotes it) plus 2025-06-30 of azure-rest-api-specs
//! specification/communication/data-plane/Identity/.

mod common;

use acs_emulator::{EntraTokenSpec, IDENTITY_API_VERSIONS};
use common::*;
use reqwest::Method;

#[tokio::test]
async fn every_answer_has_a_correlation_vector_request_id_and_versions() {
    let emulator = start().await;
    let mut signing = Signing::for_emulator(&emulator);
    signing.extra_headers = vec![(
        "x-ms-client-request-id",
        "3f0c4d4e-0000-4000-8000-000000000042".to_owned(),
    )];
    let ok = send_signed_with(
        &emulator,
        Method::POST,
        &format!("/identities?{API}"),
        b"{}",
        signing,
    )
    .await;
    assert_eq!(ok.status, 201);
    assert_eq!(
        ok.headers["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(
        ok.headers["x-ms-client-request-id"],
        "3f0c4d4e-0000-4000-8000-000000000042"
    );
    let denied = send(
        Method::POST,
        url(&emulator, &format!("/identities?{API}")),
        vec![],
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(denied.status, 401);
    assert_eq!(denied.headers["content-type"], "application/json");
    for reply in [&ok, &denied] {
        let cv = reply.headers["ms-cv"].to_str().unwrap();
        assert!(cv.ends_with(".0") && cv.len() > 10, "{cv}");
        assert_eq!(reply.headers["x-ms-request-id"].len(), 36);
        let supported = reply.headers["api-supported-versions"].to_str().unwrap();
        for version in [
            "2021-03-07",
            "2021-10-31-preview",
            "2021-11-01",
            "2022-06-01",
            "2022-10-01",
            "2023-10-01",
            "2025-03-02-preview",
        ] {
            assert!(supported.contains(version), "{supported}");
        }
    }
    assert_ne!(ok.headers["ms-cv"], denied.headers["ms-cv"]);
}

#[tokio::test]
async fn every_supported_version_serves_the_identity_routes() {
    let emulator = start().await;
    for version in IDENTITY_API_VERSIONS {
        let reply = send_signed(
            &emulator,
            Method::POST,
            &format!("/identities?api-version={version}"),
            br#"{"createTokenWithScopes":["chat"]}"#,
        )
        .await;
        assert_eq!(reply.status, 201, "{version}");
        let id = reply.json()["identity"]["id"].as_str().unwrap().to_owned();
        let reply = send_signed(
            &emulator,
            Method::DELETE,
            &format!("/identities/{}?api-version={version}", encode(&id)),
            b"",
        )
        .await;
        assert_eq!(reply.status, 204, "{version}");
    }
    let reply = send_signed(
        &emulator,
        Method::POST,
        "/identities?api-version=2020-01-01",
        b"{}",
    )
    .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.code(), "UnsupportedApiVersion");
}

#[tokio::test]
async fn the_teams_user_exchange_before_2022_06_01_takes_the_token_alone() {
    // azure-rest-api-specs .../Identity/preview/2021-10-31-preview/examples/ExchangeTeamsUserAccessToken.json
    let emulator = start().await;
    let teams = emulator.mint_entra_token(EntraTokenSpec::new([
        "https://auth.msft.communication.azure.com/Teams.ManageCalls",
    ]));
    let body = serde_json::json!({ "token": teams.token }).to_string();
    let old = send_signed(
        &emulator,
        Method::POST,
        "/teamsUser/:exchangeAccessToken?api-version=2021-10-31-preview",
        body.as_bytes(),
    )
    .await;
    assert_eq!(old.status, 200, "{:?}", old.json());
    let new = send_signed(
        &emulator,
        Method::POST,
        "/teamsUser/:exchangeAccessToken?api-version=2022-06-01",
        body.as_bytes(),
    )
    .await;
    assert_eq!(new.status, 400);
    assert_eq!(new.json()["error"]["target"], "AppId");
    // the exchange did not exist in 2021-03-07
    let oldest = send_signed(
        &emulator,
        Method::POST,
        "/teamsUser/:exchangeAccessToken?api-version=2021-03-07",
        body.as_bytes(),
    )
    .await;
    assert_eq!(oldest.code(), "UnsupportedApiVersion");
}
