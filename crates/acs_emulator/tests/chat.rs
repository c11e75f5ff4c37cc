//! `GET /chat/threads`, the emulator's one Chat route: an ACS user token is
//! checked as the chat service checks it.
//!
//! Source: azure-rest-api-specs
//! specification/communication/data-plane/Chat/stable/2024-03-07/
//! (`communicationserviceschat.json`, operation `Chat_ListChatThreads`, and
//! `examples/Threads_ListChatThreadsWithPageSize.json`: 200
//! `{"value": [...]}`, 401 `{"error":{"code":"Unauthorized","message":"Request
//! is not authorized."}}`, 403 `Forbidden` "User is not allowed to perform
//! specified action.").

mod common;

use acs_emulator::Route;
use common::*;
use reqwest::Method;
use std::time::Duration;

const CHAT: &str = "/chat/threads?api-version=2024-03-07";

async fn list(emulator: &acs_emulator::Emulator, token: &str) -> Reply {
    send_bearer(emulator, Method::GET, CHAT, token, b"").await
}

fn assert_unauthorized(reply: &Reply, reason: &str) {
    assert_eq!(reply.status, 401, "{:?}", reply.json());
    assert_eq!(reply.code(), "Unauthorized");
    let message = reply.message();
    assert!(
        message.starts_with("Request is not authorized."),
        "{message}"
    );
    assert!(message.contains(reason), "{message} / {reason}");
    assert_eq!(reply.headers["content-type"], "application/json");
}

#[tokio::test]
async fn a_valid_user_token_lists_no_threads() {
    let emulator = start().await;
    let user = create_user(&emulator).await;
    let issued = issue(&emulator, &user, r#"{"scopes":["chat"]}"#).await;
    assert_eq!(issued.status, 200);
    let token = issued.json()["token"].as_str().unwrap().to_owned();
    let reply = list(&emulator, &token).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), serde_json::json!({ "value": [] }));
    assert_eq!(
        reply.headers["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(reply.headers["api-supported-versions"], "2024-03-07");
    assert_eq!(emulator.request_count(Route::ListChatThreads), 1);
    // chat.join and chat with voip are chat scopes too
    for scopes in [r#"["chat.join"]"#, r#"["chat","voip"]"#] {
        let issued = issue(&emulator, &user, &format!(r#"{{"scopes":{scopes}}}"#)).await;
        let token = issued.json()["token"].as_str().unwrap().to_owned();
        assert_eq!(list(&emulator, &token).await.status, 200, "{scopes}");
    }
}

#[tokio::test]
async fn revoked_expired_forged_and_missing_tokens_get_401() {
    let emulator = start().await;
    let user = emulator.create_user();
    let token = emulator
        .issue_token(&user, &["chat"], Duration::from_secs(3600))
        .unwrap()
        .token;
    assert_eq!(list(&emulator, &token).await.status, 200);

    // revoked over HTTP: the old token is refused, a new one works
    let revoke = send_signed(
        &emulator,
        Method::POST,
        &format!("/identities/{}/:revokeAccessTokens?{API}", encode(&user)),
        b"{}",
    )
    .await;
    assert_eq!(revoke.status, 204);
    assert_unauthorized(&list(&emulator, &token).await, "revoked");
    let fresh = emulator
        .issue_token(&user, &["chat"], Duration::from_secs(3600))
        .unwrap()
        .token;
    assert_eq!(list(&emulator, &fresh).await.status, 200);

    // expired on the emulator's clock (a token re-issued after a revocation
    // in the same second is dated a second later, hence the extra minute)
    emulator.advance_time(Duration::from_secs(3600 + 60));
    assert_unauthorized(&list(&emulator, &fresh).await, "expired");

    // forged: the payload changed, the signature kept
    let fresh = emulator
        .issue_token(&user, &["chat"], Duration::from_secs(3600))
        .unwrap()
        .token;
    let mut parts: Vec<&str> = fresh.split('.').collect();
    let other = emulator
        .issue_token(
            &emulator.create_user(),
            &["chat"],
            Duration::from_secs(7200),
        )
        .unwrap()
        .token;
    parts[1] = other.split('.').nth(1).unwrap();
    assert_unauthorized(&list(&emulator, &parts.join(".")).await, "signature");

    // deleted user
    let delete = send_signed(
        &emulator,
        Method::DELETE,
        &format!("/identities/{}?{API}", encode(&user)),
        b"",
    )
    .await;
    assert_eq!(delete.status, 204);
    assert_unauthorized(&list(&emulator, &fresh).await, "does not exist");

    // no token, another scheme, an Entra token instead of an ACS token
    let none = send(Method::GET, url(&emulator, CHAT), vec![], vec![]).await;
    assert_unauthorized(&none, "missing");
    let basic = send(
        Method::GET,
        url(&emulator, CHAT),
        vec![("authorization", "Basic dXNlcjpwdw==".to_owned())],
        vec![],
    )
    .await;
    assert_unauthorized(&basic, "Bearer");
    let entra = emulator.mint_entra_token(Default::default()).token;
    assert_unauthorized(&list(&emulator, &entra).await, "not valid");
    // an access-key signature is not how chat authenticates
    let signed = send_signed(&emulator, Method::GET, CHAT, b"").await;
    assert_eq!(signed.status, 401);
    assert_eq!(emulator.request_count(Route::ListChatThreads), 10);
}

#[tokio::test]
async fn a_token_without_a_chat_scope_is_forbidden() {
    let emulator = start().await;
    let user = emulator.create_user();
    let voip = emulator
        .issue_token(&user, &["voip"], Duration::from_secs(3600))
        .unwrap()
        .token;
    let reply = list(&emulator, &voip).await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.code(), "Forbidden");
    assert!(reply
        .message()
        .starts_with("User is not allowed to perform specified action."));
}

#[tokio::test]
async fn versions_and_methods() {
    let emulator = start().await;
    let user = emulator.create_user();
    let token = emulator
        .issue_token(&user, &["chat"], Duration::from_secs(3600))
        .unwrap()
        .token;
    let old = send_bearer(
        &emulator,
        Method::GET,
        "/chat/threads?api-version=2023-10-01",
        &token,
        b"",
    )
    .await;
    assert_eq!(old.status, 400);
    assert_eq!(old.code(), "UnsupportedApiVersion");
    let post = send_bearer(&emulator, Method::POST, CHAT, &token, b"{}").await;
    assert_eq!(post.status, 405);
    // the service's paging parameters are accepted (and the list stays empty)
    let paged = send_bearer(
        &emulator,
        Method::GET,
        "/chat/threads?api-version=2024-03-07&maxPageSize=5",
        &token,
        b"",
    )
    .await;
    assert_eq!(paged.status, 200);
    assert_eq!(paged.json()["value"], serde_json::json!([]));
}
