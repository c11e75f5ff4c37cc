//! Starting, describing and stopping the emulator in-process.

mod common;

use acs_emulator::{Emulator, EmulatorOptions};
use common::*;
use reqwest::{Method, StatusCode};
use std::io::ErrorKind;

#[tokio::test]
async fn endpoint_and_connection_string_describe_the_server() {
    let emulator = start().await;
    let endpoint = emulator.endpoint();
    assert_eq!(endpoint.scheme(), "http");
    assert_eq!(endpoint.host_str(), Some("127.0.0.1"));
    assert_eq!(endpoint.port(), Some(emulator.local_addr().port()));
    assert_eq!(endpoint.path(), "/");
    assert_eq!(
        emulator.connection_string(),
        format!(
            "endpoint=http://127.0.0.1:{}/;accesskey={}",
            emulator.local_addr().port(),
            emulator.access_key()
        )
    );
    // a random key of at least 32 bytes, standard base64
    let key = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        emulator.access_key(),
    )
    .unwrap();
    assert!(key.len() >= 32);
    assert_ne!(emulator.access_key(), start().await.access_key());
}

#[tokio::test]
async fn debug_never_shows_the_key() {
    let emulator = start().await;
    let debug = format!("{emulator:?}");
    assert!(!debug.contains(emulator.access_key()), "{debug}");
    assert!(debug.contains(emulator.endpoint().as_str()));
}

#[tokio::test]
async fn shutdown_stops_the_server() {
    let emulator = start().await;
    let url = url(&emulator, "/identities?api-version=2023-10-01");
    assert_eq!(
        send_signed(&emulator, Method::POST, url.path(), b"")
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    emulator.shutdown().await;
    let error = client().post(url).send().await.unwrap_err();
    assert!(error.is_connect(), "{error:?}");
}

#[tokio::test]
async fn dropping_stops_the_server() {
    let emulator = start().await;
    let addr = emulator.local_addr();
    drop(emulator);
    // the listener closes once the server task sees the stop signal
    let mut closed = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            closed = true;
            break;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(closed, "still accepting on {addr}");
}

#[tokio::test]
async fn invalid_keys_and_public_addresses_are_refused() {
    for key in ["", "not base64!", "a-b_c"] {
        let error = Emulator::start(EmulatorOptions::new().access_key(key))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{key:?}");
        assert!(
            key.is_empty() || !error.to_string().contains(key),
            "{error}"
        );
    }
    let error = Emulator::start(EmulatorOptions::new().listen("0.0.0.0:0".parse().unwrap()))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert!(error.to_string().contains("loopback"));
}

#[tokio::test]
async fn ipv6_loopback_works_when_available() {
    let Ok(emulator) =
        Emulator::start(EmulatorOptions::new().listen("[::1]:0".parse().unwrap())).await
    else {
        return; // no IPv6 on this machine
    };
    assert!(emulator
        .connection_string()
        .starts_with("endpoint=http://[::1]:"));
    let reply = send_signed(
        &emulator,
        Method::POST,
        "/identities?api-version=2023-10-01",
        b"{}",
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_chosen_resource_id_is_used() {
    let emulator =
        Emulator::start(EmulatorOptions::new().resource_id("5a5e8f2c-0000-4000-8000-000000000001"))
            .await
            .unwrap();
    let id = create_user(&emulator).await;
    assert!(
        id.starts_with("8:acs:5a5e8f2c-0000-4000-8000-000000000001_"),
        "{id}"
    );
}

#[test]
fn handles_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Emulator>();
    send_sync::<acs_emulator::EmulatorEntraCredential>();
    send_sync::<EmulatorOptions>();
}

#[tokio::test]
async fn in_process_issue_and_revoke() {
    let emulator = start().await;
    let id = emulator.create_user();
    let token = emulator
        .issue_token(&id, &["chat"], std::time::Duration::from_secs(30))
        .unwrap();
    assert!(!format!("{token:?}").contains(&token.token));
    let claims = emulator.verify_acs_token(&token.token).unwrap();
    assert_eq!(claims.exp - claims.iat, 30);
    assert_eq!(claims.exp, token.expires_on.unix_timestamp());
    assert!(emulator.revoke_tokens(&id));
    assert_eq!(
        emulator.verify_acs_token(&token.token),
        Err(acs_emulator::TokenError::Revoked)
    );
    assert!(emulator
        .issue_token(
            "8:acs:nobody",
            &["chat"],
            std::time::Duration::from_secs(30)
        )
        .is_none());
    assert!(!emulator.revoke_tokens("8:acs:nobody"));
    let access: azure_core::credentials::AccessToken = token.into();
    assert!(access.expires_on > emulator.now());
    assert_eq!(emulator.total_request_count(), 0);
}

#[tokio::test]
async fn shutdown_does_not_wait_for_idle_keep_alive_connections() {
    let emulator = start().await;
    // a pooling client keeps its connection open after the response
    let pooling = reqwest::Client::builder().no_proxy().build().unwrap();
    let reply = pooling.get(emulator.endpoint()).send().await.unwrap();
    assert_eq!(reply.status(), StatusCode::NOT_FOUND);
    let started = std::time::Instant::now();
    emulator.shutdown().await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    drop(pooling);
}
