//! Bad input gets a clear 4xx with an ACS error body, and the server keeps
//! serving.

mod common;

use acs_emulator::{Emulator, EmulatorOptions};
use common::*;
use reqwest::{Method, StatusCode};

const CREATE: &str = "/identities?api-version=2023-10-01";

#[tokio::test]
async fn malformed_json_and_wrong_types_are_400() {
    let emulator = start().await;
    let id = create_user(&emulator).await;
    for body in [
        "{",
        "not json",
        "null",
        "[]",
        r#"{"scopes":"chat"}"#,
        r#"{"scopes":[1,2]}"#,
        r#"{"scopes":["chat"],"expiresInMinutes":"sixty"}"#,
        r#"{"scopes":["chat"],"expiresInMinutes":60.5}"#,
        r#"{"scopes":["chat"],"expiresInMinutes":99999999999999999999}"#,
    ] {
        let reply = issue(&emulator, &id, body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.code(), "BadRequest", "{body}");
        assert!(
            reply.message().starts_with("The request body is invalid"),
            "{}",
            reply.message()
        );
    }
    let reply = send_signed(
        &emulator,
        Method::POST,
        CREATE,
        br#"{"createTokenWithScopes":{}}"#,
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    // invalid UTF-8 in the body
    let reply = send_signed(&emulator, Method::POST, CREATE, &[0xff, 0xfe, b'{']).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    // issue needs a body
    let reply = issue(&emulator, &id, "").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.message().contains("required"));
}

#[tokio::test]
async fn unknown_routes_are_404_with_an_acs_body() {
    let emulator = start().await;
    for path in [
        "/",
        "/nope",
        "/identities/a/b/c",
        "/access/entra/:other",
        "/identities//:issueAccessToken",
    ] {
        let reply = send(Method::GET, url(&emulator, path), Vec::new(), Vec::new()).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(reply.code(), "NotFound");
    }
}

#[tokio::test]
async fn wrong_methods_are_405() {
    let emulator = start().await;
    for (method, path) in [
        (Method::GET, "/identities"),
        (Method::PUT, "/identities/8:acs:x_y"),
        (Method::GET, "/identities/8:acs:x_y/:issueAccessToken"),
        (
            Method::DELETE,
            "/access/teamsExtension/:exchangeAccessToken",
        ),
    ] {
        let reply = send(method.clone(), url(&emulator, path), Vec::new(), Vec::new()).await;
        assert_eq!(
            reply.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        assert_eq!(reply.code(), "MethodNotAllowed");
    }
}

#[tokio::test]
async fn oversize_bodies_are_413() {
    let emulator = Emulator::start(EmulatorOptions::new().max_body_size(1024))
        .await
        .unwrap();
    let big = vec![b' '; 4096];
    let reply = send_signed(&emulator, Method::POST, CREATE, &big).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.code(), "RequestEntityTooLarge");
    // exactly at the limit is fine
    let mut body = b"{}".to_vec();
    body.resize(1024, b' ');
    assert_eq!(
        send_signed(&emulator, Method::POST, CREATE, &body)
            .await
            .status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn the_default_limit_refuses_a_megabyte() {
    let emulator = start().await;
    let big = vec![b'a'; 1024 * 1024];
    let reply = send(Method::POST, url(&emulator, CREATE), Vec::new(), big).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    // still serving
    assert_eq!(
        send_signed(&emulator, Method::POST, CREATE, b"{}")
            .await
            .status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn odd_ids_and_headers_never_crash_it() {
    let emulator = start().await;
    for path in [
        "/identities/%FF%FE/:issueAccessToken?api-version=2023-10-01",
        "/identities/%00/:revokeAccessTokens?api-version=2023-10-01",
        "/identities/%2F/:issueAccessToken?api-version=2023-10-01",
    ] {
        let reply = send_signed(&emulator, Method::POST, path, br#"{"scopes":["chat"]}"#).await;
        assert!(reply.status.is_client_error(), "{path}: {}", reply.status);
        reply.json();
    }
    let reply = send(
        Method::POST,
        url(&emulator, CREATE),
        vec![
            ("authorization", "HMAC-SHA256 ".to_owned()),
            ("x-ms-date", "\t".to_owned()),
        ],
        Vec::new(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        send_signed(&emulator, Method::POST, CREATE, b"{}")
            .await
            .status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn garbage_on_the_socket_does_not_stop_the_server() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let emulator = start().await;
    for garbage in [
        &b"\x00\x01\x02 not http\r\n\r\n"[..],
        b"POST /identities HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
    ] {
        let mut stream = tokio::net::TcpStream::connect(emulator.local_addr())
            .await
            .unwrap();
        stream.write_all(garbage).await.unwrap();
        let mut answer = Vec::new();
        // the server answers 400 or just closes; either way it must not hang or die
        let _ = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            stream.read_to_end(&mut answer),
        )
        .await;
    }
    assert_eq!(
        send_signed(&emulator, Method::POST, CREATE, b"{}")
            .await
            .status,
        StatusCode::CREATED
    );
}

/// A small deterministic generator, so failures reproduce.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let len = (self.next() % max as u64) as usize;
        (0..len).map(|_| self.next() as u8).collect()
    }
}

#[tokio::test]
async fn random_bodies_and_paths_get_4xx_never_5xx() {
    let emulator = start().await;
    let id = create_user(&emulator).await;
    let mut rng = XorShift(0x5eed_ac5e_0123_4567);
    let pieces: [&[u8]; 8] = [
        br#"{"scopes":["chat"]"#,
        br#","expiresInMinutes":"#,
        b"1e309",
        b"-0",
        br#""\ud800""#,
        b"[",
        b"}",
        br#"{"createTokenWithScopes":null}"#,
    ];
    let paths = [
        format!("/identities?{API}"),
        format!("/identities/{}/:issueAccessToken?{API}", encode(&id)),
        format!("/identities/{}/:revokeAccessTokens?{API}", encode(&id)),
        "/identities/%ZZ/:issueAccessToken?api-version=2023-10-01".to_owned(),
        "/identities?api-version=2023-10-01&api-version=x".to_owned(),
    ];
    for round in 0..200 {
        let body = if round % 2 == 0 {
            rng.bytes(256)
        } else {
            (0..rng.next() % 6)
                .flat_map(|_| pieces[(rng.next() % pieces.len() as u64) as usize].to_vec())
                .collect()
        };
        let path = &paths[(rng.next() % paths.len() as u64) as usize];
        let reply = send_signed(&emulator, Method::POST, path, &body).await;
        assert!(
            reply.status.is_success() || reply.status.is_client_error(),
            "round {round}: {} for {path} with {body:?}",
            reply.status
        );
        if !reply.body.is_empty() {
            reply.json();
        }
    }
}
