//! The Teams user exchange on the wire, against a recording transport (the
//! emulator's own Teams route is tested in `teams_user.rs` when it serves
//! one): the request's path, api-version, headers and body, the answer's
//! parsing, and the Entra token kept out of errors and logs.

mod support;

use azure_communication_identity::{CommunicationIdentityClient, DEFAULT_API_VERSION};
use azure_core::credentials::Secret;
use azure_core::http::headers::Headers;
use azure_core::http::{
    AsyncRawResponse, Body, ClientOptions, HttpClient, Method, Request, RetryOptions, StatusCode,
    Transport,
};
use std::sync::{Arc, Mutex};

const ENTRA_TOKEN: &str = "eyJ0eXAiOiJKV1QifQ.eyJvaWQiOiJ1c2VyIn0.entra-token-signature";

/// What the transport saw of one request: method, URL, headers, body.
type Seen = (Method, String, Headers, Vec<u8>);

/// Records each request and answers with a fixed status and body.
#[derive(Debug)]
struct Recorder {
    status: StatusCode,
    body: String,
    seen: Mutex<Vec<Seen>>,
}

#[async_trait::async_trait]
impl HttpClient for Recorder {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let body = match request.body() {
            Body::Bytes(bytes) => bytes.to_vec(),
            #[allow(unreachable_patterns)]
            _ => panic!("a streamed body"),
        };
        self.seen.lock().unwrap().push((
            request.method(),
            request.url().to_string(),
            request.headers().clone(),
            body,
        ));
        let mut headers = Headers::new();
        headers.insert("content-type", "application/json");
        headers.insert("x-ms-request-id", "req-teams-1");
        Ok(AsyncRawResponse::from_bytes(
            self.status,
            headers,
            self.body.clone().into_bytes(),
        ))
    }
}

fn client_answering(
    status: StatusCode,
    body: &str,
) -> (CommunicationIdentityClient, Arc<Recorder>) {
    let recorder = Arc::new(Recorder {
        status,
        body: body.to_owned(),
        seen: Mutex::new(Vec::new()),
    });
    let options = support::with_client_options(ClientOptions {
        transport: Some(Transport::new(recorder.clone())),
        retry: RetryOptions::none(),
        ..Default::default()
    });
    let client = CommunicationIdentityClient::from_connection_string(
        "endpoint=https://contoso.communication.azure.com/;accesskey=cHc9PQ==",
        Some(options),
    )
    .unwrap();
    (client, recorder)
}

#[tokio::test]
async fn the_request_is_the_specifications_and_the_answer_is_read() {
    let (client, recorder) = client_answering(
        StatusCode::Ok,
        r#"{"token":"acs-token-for-teams-user","expiresOn":"2030-01-02T03:04:05.0000000+00:00"}"#,
    );
    let token = client
        .get_token_for_teams_user(&Secret::new(ENTRA_TOKEN), "app-id-1", "object-id-1", None)
        .await
        .unwrap();
    assert_eq!(token.token.secret(), "acs-token-for-teams-user");
    assert_eq!(token.expires_on.unix_timestamp(), 1_893_553_445);

    let seen = recorder.seen.lock().unwrap();
    let (method, url, headers, body) = &seen[0];
    assert_eq!(*method, Method::Post);
    assert_eq!(
        url,
        &format!(
            "https://contoso.communication.azure.com/teamsUser/:exchangeAccessToken?api-version={DEFAULT_API_VERSION}"
        )
    );
    assert_eq!(
        headers.get_optional_str(&"content-type".into()),
        Some("application/json")
    );
    assert!(headers
        .get_optional_str(&"authorization".into())
        .unwrap()
        .starts_with("HMAC-SHA256 "));
    let body: serde_json::Value = serde_json::from_slice(body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"token": ENTRA_TOKEN, "appId": "app-id-1", "userId": "object-id-1"})
    );
}

#[tokio::test]
async fn an_echoed_entra_token_is_redacted_from_the_error() {
    let (client, _) = client_answering(
        StatusCode::Unauthorized,
        &format!(
            r#"{{"error":{{"code":"InvalidAccessToken","message":"Token {ENTRA_TOKEN} has expired.","target":"token"}}}}"#
        ),
    );
    let error = client
        .get_token_for_teams_user(&Secret::new(ENTRA_TOKEN), "app", "user", None)
        .await
        .unwrap_err();
    let service =
        support::assert_service_error(&error, StatusCode::Unauthorized, "InvalidAccessToken");
    assert_eq!(service.target(), Some("token"));
    assert_eq!(service.request_id(), Some("req-teams-1"));
    assert!(
        service.message().contains("<redacted>"),
        "{}",
        service.message()
    );
    let azure_core::error::ErrorKind::HttpResponse {
        raw_response: Some(raw),
        ..
    } = error.kind()
    else {
        unreachable!()
    };
    let raw_body = String::from_utf8(raw.body().to_vec()).unwrap();
    for text in [error.to_string(), format!("{error:?}"), raw_body] {
        assert!(!text.contains(ENTRA_TOKEN), "{text}");
        assert!(!text.contains("entra-token-signature"), "{text}");
    }
    assert_eq!(
        raw.headers().get_optional_str(&"x-ms-request-id".into()),
        Some("req-teams-1")
    );
}
