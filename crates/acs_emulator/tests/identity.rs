//! Identity operations over real HTTP: create, issue, revoke, delete, token
//! claims and lifetimes.

mod common;

use acs_emulator::{Emulator, EmulatorOptions, Route, TokenError, TOKEN_LIFETIME_HEADER};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use common::*;
use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use sha2::Sha256;
use std::time::Duration;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

fn expires_on(json: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(json["expiresOn"].as_str().unwrap(), &Rfc3339).unwrap()
}

fn payload(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[tokio::test]
async fn create_without_scopes_returns_only_the_identity() {
    let emulator = start().await;
    let reply = send_signed(
        &emulator,
        Method::POST,
        &format!("/identities?{API}"),
        b"{}",
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let json = reply.json();
    let id = json["identity"]["id"].as_str().unwrap();
    let prefix = format!("8:acs:{}_", emulator.resource_id());
    assert!(id.starts_with(&prefix), "{id}");
    assert_eq!(id.len(), prefix.len() + 36, "{id}");
    assert!(json.get("accessToken").is_none(), "{json}");
    assert_eq!(emulator.identity_count(), 1);
}

#[tokio::test]
async fn create_with_scopes_returns_a_token_of_the_default_lifetime() {
    let emulator = start().await;
    let body = br#"{"createTokenWithScopes":["chat","voip"]}"#;
    let reply = send_signed(&emulator, Method::POST, &format!("/identities?{API}"), body).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let json = reply.json();
    let id = json["identity"]["id"].as_str().unwrap();
    let token = json["accessToken"]["token"].as_str().unwrap();
    let expires = expires_on(&json["accessToken"]);
    let lifetime = expires - emulator.now();
    assert!(
        (time::Duration::hours(24) - lifetime).abs() < time::Duration::seconds(5),
        "{lifetime}"
    );
    // the service's format: seven fractional digits and an offset
    assert!(json["accessToken"]["expiresOn"]
        .as_str()
        .unwrap()
        .ends_with(".0000000+00:00"));
    let claims = emulator.verify_acs_token(token).unwrap();
    assert_eq!(claims.user_id(), id);
    assert_eq!(claims.scopes(), ["chat", "voip"]);
    assert_eq!(claims.exp, expires.unix_timestamp());
}

/// Shape of the service's tokens: the JS SDK's recordings (e.g.
/// communicationidentityclient_playbacklive/recording_successfully_creates_a_user_and_token.json)
/// carry RS256 JWTs with header `{alg, kid, x5t, typ}` and payload
/// `{skypeid, scp, csi, exp, acsScope, resourceId, iat}`.
#[tokio::test]
async fn tokens_are_rs256_jwts_shaped_like_the_services() {
    let emulator = start().await;
    let id = create_user(&emulator).await;
    let reply = issue(
        &emulator,
        &id,
        r#"{"scopes":["chat"],"expiresInMinutes":60}"#,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    let json = reply.json();
    let token = json["token"].as_str().unwrap();

    let header = URL_SAFE_NO_PAD
        .decode(token.split('.').next().unwrap())
        .unwrap();
    let kid = emulator.token_signing_key_id();
    let x5t = URL_SAFE_NO_PAD.encode(
        (0..kid.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&kid[i..i + 2], 16).unwrap())
            .collect::<Vec<u8>>(),
    );
    assert_eq!(
        String::from_utf8(header).unwrap(),
        format!(r#"{{"alg":"RS256","kid":"{kid}","x5t":"{x5t}","typ":"JWT"}}"#)
    );

    let claims = payload(token);
    let mut names: Vec<&str> = claims
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "acsScope",
            "csi",
            "exp",
            "iat",
            "resourceId",
            "scp",
            "skypeid"
        ]
    );
    assert_eq!(claims["skypeid"], id.strip_prefix("8:").unwrap());
    assert_eq!(claims["scp"], 1792);
    assert_eq!(claims["acsScope"], "chat");
    assert_eq!(claims["resourceId"], emulator.resource_id());
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert_eq!(claims["csi"], iat.to_string());
    assert_eq!(exp - iat, 3600);
    assert_eq!(exp, expires_on(&json).unix_timestamp());

    // The signature verifies with the published public key, independently
    // of the emulator's own verifier.
    let pem = emulator.token_signing_key_pem();
    let der = STANDARD
        .decode(
            pem.lines()
                .filter(|line| !line.starts_with("-----"))
                .collect::<String>(),
        )
        .unwrap();
    let (input, signature) = token.rsplit_once('.').unwrap();
    aws_lc_rs::signature::UnparsedPublicKey::new(
        &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
        der,
    )
    .verify(
        input.as_bytes(),
        &URL_SAFE_NO_PAD.decode(signature).unwrap(),
    )
    .expect("the token verifies with Emulator::token_signing_key_pem");

    // Flipping a claim breaks the signature.
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut tampered = claims.clone();
    tampered["acsScope"] = "chat,voip".into();
    parts[1] = URL_SAFE_NO_PAD.encode(tampered.to_string());
    assert_eq!(
        emulator.verify_acs_token(&parts.join(".")),
        Err(TokenError::BadSignature)
    );
    // Another emulator of the process shares the key but not the resource.
    let other = start().await;
    assert!(matches!(
        other.verify_acs_token(token),
        Err(TokenError::InvalidClaims(_))
    ));
    // An HS256 token is not accepted, whatever its key.
    let forged = {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#),
            token.split('.').nth(1).unwrap()
        );
        let mut mac = Hmac::<Sha256>::new_from_slice(b"guess").unwrap();
        mac.update(input.as_bytes());
        format!(
            "{input}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        )
    };
    assert!(matches!(
        emulator.verify_acs_token(&forged),
        Err(TokenError::Malformed(_))
    ));
    assert!(matches!(
        emulator.verify_acs_token("not-a-jwt"),
        Err(TokenError::Malformed(_))
    ));
}

#[tokio::test]
async fn tokens_expire_on_the_virtual_clock() {
    let emulator = start().await;
    let id = create_user(&emulator).await;
    let json = issue(
        &emulator,
        &id,
        r#"{"scopes":["voip"],"expiresInMinutes":60}"#,
    )
    .await
    .json();
    let token = json["token"].as_str().unwrap();
    emulator.advance_time(Duration::from_secs(59 * 60));
    assert!(emulator.verify_acs_token(token).is_ok());
    emulator.advance_time(Duration::from_secs(60));
    assert!(matches!(
        emulator.verify_acs_token(token),
        Err(TokenError::Expired { .. })
    ));
}

#[tokio::test]
async fn revoking_invalidates_earlier_tokens_only() {
    let emulator = start().await;
    let id = create_user(&emulator).await;
    let before = issue(&emulator, &id, r#"{"scopes":["chat"]}"#).await.json();
    let path = format!("/identities/{}/:revokeAccessTokens?{API}", encode(&id));
    let reply = send_signed(&emulator, Method::POST, &path, b"").await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert!(reply.body.is_empty());
    let after = issue(&emulator, &id, r#"{"scopes":["chat"]}"#).await.json();
    assert_eq!(
        emulator.verify_acs_token(before["token"].as_str().unwrap()),
        Err(TokenError::Revoked)
    );
    assert!(emulator
        .verify_acs_token(after["token"].as_str().unwrap())
        .is_ok());
}

#[tokio::test]
async fn deleting_removes_the_user_and_its_tokens() {
    let emulator = start().await;
    let id = create_user(&emulator).await;
    let token = issue(&emulator, &id, r#"{"scopes":["chat"]}"#).await.json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/identities/{}?{API}", encode(&id));
    assert_eq!(
        send_signed(&emulator, Method::DELETE, &path, b"")
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        emulator.verify_acs_token(&token),
        Err(TokenError::UnknownUser)
    );
    assert_eq!(emulator.identity_count(), 0);
    // everything about it is now 404
    let again = send_signed(&emulator, Method::DELETE, &path, b"").await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(again.code(), "IdentityNotFound");
    let reply = issue(&emulator, &id, r#"{"scopes":["chat"]}"#).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let revoke = format!("/identities/{}/:revokeAccessTokens?{API}", encode(&id));
    assert_eq!(
        send_signed(&emulator, Method::POST, &revoke, b"")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn ids_may_be_sent_raw_or_percent_encoded() {
    let emulator = start().await;
    let id = create_user(&emulator).await;
    let raw = format!("/identities/{id}/:issueAccessToken?{API}");
    let reply = send_signed(&emulator, Method::POST, &raw, br#"{"scopes":["chat"]}"#).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.json());
    let reply = issue(&emulator, &id, r#"{"scopes":["chat"]}"#).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(emulator.request_count(Route::IssueAccessToken), 2);
}

#[tokio::test]
async fn expires_in_minutes_is_validated_as_the_service_does() {
    let emulator = start().await;
    let id = create_user(&emulator).await;
    for minutes in [0, 1, 59, 1441, -5] {
        let reply = issue(
            &emulator,
            &id,
            &format!(r#"{{"scopes":["chat"],"expiresInMinutes":{minutes}}}"#),
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{minutes}");
        assert_eq!(reply.code(), "ValidationError");
        // JS SDK test/public/node/tokenCustomExpiration.node.spec.ts
        assert_eq!(reply.json()["error"]["target"], "ExpiresInMinutes");
        assert_eq!(
            reply.message(),
            format!(
                "ExpiresInMinutes value {minutes} is invalid. Value must be within the \
                 [60, 1440] interval."
            )
        );
    }
    for minutes in [60, 61, 1440] {
        let reply = issue(
            &emulator,
            &id,
            &format!(r#"{{"scopes":["chat"],"expiresInMinutes":{minutes}}}"#),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{minutes}");
        let lifetime = expires_on(&reply.json()) - emulator.now();
        assert!((lifetime - time::Duration::minutes(minutes)).abs() < time::Duration::seconds(5));
    }
    // create validates it too
    let body = br#"{"createTokenWithScopes":["chat"],"expiresInMinutes":30}"#;
    let reply = send_signed(&emulator, Method::POST, &format!("/identities?{API}"), body).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn short_lifetimes_when_allowed() {
    let emulator = Emulator::start(EmulatorOptions::new().allow_short_token_lifetimes(true))
        .await
        .unwrap();
    let id = create_user(&emulator).await;
    let reply = issue(
        &emulator,
        &id,
        r#"{"scopes":["chat"],"expiresInMinutes":1}"#,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    let lifetime = expires_on(&reply.json()) - emulator.now();
    assert!(lifetime <= time::Duration::minutes(1) && lifetime > time::Duration::seconds(50));
    let reply = issue(
        &emulator,
        &id,
        r#"{"scopes":["chat"],"expiresInMinutes":0}"#,
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.message().contains("[1, 1440] interval"));
}

#[tokio::test]
async fn the_default_lifetime_and_the_seconds_header() {
    let emulator = Emulator::start(EmulatorOptions::new().token_lifetime(Duration::from_secs(20)))
        .await
        .unwrap();
    let id = create_user(&emulator).await;
    let token = issue(&emulator, &id, r#"{"scopes":["chat"]}"#).await.json();
    let claims = payload(token["token"].as_str().unwrap());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        20
    );

    // the emulator-only header wins over both
    let path = format!("/identities/{}/:issueAccessToken?{API}", encode(&id));
    let mut signing = Signing::for_emulator(&emulator);
    signing.extra_headers = vec![(TOKEN_LIFETIME_HEADER, "5".to_owned())];
    let body = br#"{"scopes":["chat"],"expiresInMinutes":120}"#;
    let reply = send_signed_with(&emulator, Method::POST, &path, body, signing).await;
    assert_eq!(reply.status, StatusCode::OK);
    let claims = payload(reply.json()["token"].as_str().unwrap());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        5
    );
    emulator.advance_time(Duration::from_secs(6));
    assert!(matches!(
        emulator.verify_acs_token(reply.json()["token"].as_str().unwrap()),
        Err(TokenError::Expired { .. })
    ));

    for bad in ["0", "-1", "abc", "86401"] {
        let mut signing = Signing::for_emulator(&emulator);
        signing.extra_headers = vec![(TOKEN_LIFETIME_HEADER, bad.to_owned())];
        let reply = send_signed_with(
            &emulator,
            Method::POST,
            &path,
            br#"{"scopes":["chat"]}"#,
            signing,
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(reply.json()["error"]["target"], TOKEN_LIFETIME_HEADER);
    }
}

#[tokio::test]
async fn scopes_are_validated() {
    let emulator = start().await;
    let id = create_user(&emulator).await;
    // Messages and targets of the JS SDK's recordings
    // (test/public/communicationIdentityClient.spec.ts, "throws an error when
    // attempting to issue a token without any scopes").
    for (body, target, needle) in [
        (r#"{}"#, "Scopes", "Scopes: The Scopes field is required."),
        (
            r#"{"scopes":null}"#,
            "Scopes",
            "Scopes: The Scopes field is required.",
        ),
        (
            r#"{"scopes":[]}"#,
            "scopes",
            "Invalid scopes - Scopes field is required.",
        ),
        (r#"{"scopes":["admin"]}"#, "scopes", "'admin' is not valid"),
    ] {
        let reply = issue(&emulator, &id, body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.code(), "ValidationError");
        assert_eq!(reply.json()["error"]["target"], target, "{body}");
        assert!(reply.message().contains(needle), "{}", reply.message());
    }
    let reply = issue(
        &emulator,
        &id,
        r#"{"scopes":["chat.join","voip.join","chat.join.limited"]}"#,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    let claims = payload(reply.json()["token"].as_str().unwrap());
    assert_eq!(claims["acsScope"], "chat.join,voip.join,chat.join.limited");
}

#[tokio::test]
async fn unknown_members_are_ignored_as_the_service_does() {
    let emulator = start().await;
    let body = br#"{"createTokenFor":["chat"],"extra":{"a":1}}"#;
    let reply = send_signed(&emulator, Method::POST, &format!("/identities?{API}"), body).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    // createTokenFor is not the service's property: no token is made
    assert!(reply.json().get("accessToken").is_none());
    let id = reply.json()["identity"]["id"].as_str().unwrap().to_owned();
    let reply = issue(&emulator, &id, r#"{"scopes":["chat"],"unknown":true}"#).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn api_version_is_required_and_checked() {
    let emulator = start().await;
    let reply = send_signed(&emulator, Method::POST, "/identities", b"{}").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.code(), "MissingApiVersionParameter");
    let reply = send_signed(
        &emulator,
        Method::POST,
        "/identities?api-version=2020-07-20-preview2",
        b"{}",
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.code(), "UnsupportedApiVersion");
    assert!(reply.message().contains("2020-07-20-preview2"));
    let reply = send_signed(
        &emulator,
        Method::POST,
        "/identities?api-version=2025-06-30",
        b"{}",
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);
}

#[tokio::test]
async fn in_process_users_work_over_http() {
    let emulator = start().await;
    let id = emulator.create_user();
    assert_eq!(emulator.total_request_count(), 0);
    let reply = issue(&emulator, &id, r#"{"scopes":["voip"]}"#).await;
    assert_eq!(reply.status, StatusCode::OK);
}

/// Advancing the token clock by an absurd amount saturates: neither the
/// in-process clock nor the admin route panics (a panic in a handler drops
/// the connection without an answer), and tokens can still be issued.
#[tokio::test]
async fn huge_clock_advances_saturate_instead_of_panicking() {
    let emulator = start().await;
    let id = create_user(&emulator).await;
    emulator.advance_time(Duration::MAX);
    let later = emulator.now();
    assert!(later > time::OffsetDateTime::now_utc() + time::Duration::days(365 * 1000));
    emulator.advance_time(Duration::MAX);
    assert!(emulator.now() >= later);

    let admin_advance = || {
        send(
            Method::POST,
            url(&emulator, "/emulator/clock:advance"),
            vec![(
                acs_emulator::ADMIN_KEY_HEADER,
                emulator.access_key().to_owned(),
            )],
            br#"{"seconds":18446744073709551615}"#.to_vec(),
        )
    };
    assert_eq!(admin_advance().await.status, StatusCode::NO_CONTENT);
    assert_eq!(admin_advance().await.status, StatusCode::NO_CONTENT);

    let reply = issue(&emulator, &id, r#"{"scopes":["chat"]}"#).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.json());
    let reply = send_signed(
        &emulator,
        Method::POST,
        &format!("/identities?{API}"),
        br#"{"createTokenWithScopes":["voip"]}"#,
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.json());
}
