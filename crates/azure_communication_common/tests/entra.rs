//! `AzureCommunicationTokenCredential::with_entra` against a mock transport
//! (SPEC 2.4): scope and endpoint validation, the request, the answer, errors,
//! caching, single flight, retries and Retry-After.

mod credential_support;
mod entra_support;

use azure_communication_common::{
    AzureCommunicationTokenCredential, EntraCommunicationTokenCredentialOptions,
    DEFAULT_ENTRA_SCOPE,
};
use azure_core::{
    credentials::TokenCredential,
    error::ErrorKind,
    http::{ExponentialRetryOptions, FixedRetryOptions, Method, RetryOptions, StatusCode, Url},
    time::{Duration, OffsetDateTime},
};
use credential_support::TokioClock;
use entra_support::{service_date, MockEntra, MockTransport, Reply, MOCK_ENTRA_FAILURE};
use std::sync::Arc;

const SCOPES_MESSAGE: &str = "Scopes validation failed. Ensure all scopes start with one of https://auth.msft.communication.azure.com/, https://auth.msft.communication.azure.us/, https://communication.azure.com/clients/.";
const ENDPOINT: &str = "https://contoso.communication.azure.com/";
const ENTRA_URL: &str = "https://contoso.communication.azure.com/access/entra/:exchangeAccessToken?api-version=2025-03-02-preview";
const TEAMS_URL: &str = "https://contoso.communication.azure.com/access/teamsExtension/:exchangeAccessToken?api-version=2025-06-30";
const ACS_TOKEN: &str = "acs-token-secret-value";

fn far_future() -> OffsetDateTime {
    OffsetDateTime::now_utc() + Duration::hours(24)
}

fn credential(
    transport: &Arc<MockTransport>,
    entra: Arc<dyn TokenCredential>,
    scopes: &[&str],
) -> AzureCommunicationTokenCredential {
    AzureCommunicationTokenCredential::with_entra(
        EntraCommunicationTokenCredentialOptions::new(ENDPOINT, entra)
            .with_scopes(scopes.iter().copied())
            .with_client_options(transport.options()),
    )
    .unwrap()
}

fn http_kind(error: &azure_core::Error) -> (StatusCode, Option<String>) {
    match error.kind() {
        ErrorKind::HttpResponse {
            status, error_code, ..
        } => (*status, error_code.clone()),
        other => panic!("expected HttpResponse, got {other:?}: {error}"),
    }
}

// ---------------------------------------------------------------- validation

#[test]
fn scopes_of_each_family_are_accepted() {
    let accepted: [&[&str]; 6] = [
        &[DEFAULT_ENTRA_SCOPE],
        &[
            "https://communication.azure.com/clients/VoIP",
            "https://communication.azure.com/clients/Chat",
        ],
        &["https://auth.msft.communication.azure.com/Teams.ManageCalls"],
        &["https://auth.msft.communication.azure.us/Teams.ManageCalls"],
        &[
            "https://auth.msft.communication.azure.com/Teams.ManageCalls",
            "https://auth.msft.communication.azure.us/Teams.ManageChats",
        ],
        &["https://auth.msft.communication.azure.com/"],
    ];
    for scopes in accepted {
        let options = EntraCommunicationTokenCredentialOptions::new(ENDPOINT, MockEntra::new())
            .with_scopes(scopes.iter().copied());
        assert!(
            AzureCommunicationTokenCredential::with_entra(options).is_ok(),
            "{scopes:?}"
        );
    }
}

#[test]
fn default_scope() {
    let options = EntraCommunicationTokenCredentialOptions::new(ENDPOINT, MockEntra::new());
    assert_eq!(options.scopes(), [DEFAULT_ENTRA_SCOPE.to_owned()]);
    assert_eq!(
        DEFAULT_ENTRA_SCOPE,
        "https://communication.azure.com/clients/.default"
    );
}

#[test]
fn bad_scopes_are_rejected_with_the_exact_message() {
    let rejected: [&[&str]; 9] = [
        &[],
        &[
            DEFAULT_ENTRA_SCOPE,
            "https://auth.msft.communication.azure.com/Teams.ManageCalls",
        ],
        &[
            "https://auth.msft.communication.azure.us/Teams.ManageCalls",
            DEFAULT_ENTRA_SCOPE,
        ],
        &["https://communication.azure.com/.default"],
        &["https://communication.azure.com/clients"],
        &["https://graph.microsoft.com/.default"],
        &["HTTPS://communication.azure.com/clients/.default"],
        &[""],
        &[DEFAULT_ENTRA_SCOPE, "openid"],
    ];
    for scopes in rejected {
        let options = EntraCommunicationTokenCredentialOptions::new(ENDPOINT, MockEntra::new())
            .with_scopes(scopes.iter().copied());
        let error = AzureCommunicationTokenCredential::with_entra(options).unwrap_err();
        assert_eq!(error.to_string(), SCOPES_MESSAGE, "{scopes:?}");
        assert_eq!(*error.kind(), ErrorKind::Credential);
    }
}

#[test]
fn endpoints_are_validated() {
    for good in [
        "https://contoso.communication.azure.com",
        "https://contoso.communication.azure.com/",
        "http://127.0.0.1:8080/",
        " https://contoso.communication.azure.com/ ",
    ] {
        let options = EntraCommunicationTokenCredentialOptions::new(good, MockEntra::new());
        assert!(
            AzureCommunicationTokenCredential::with_entra(options).is_ok(),
            "{good}"
        );
    }
    // A `Url` works as well as a string.
    let url: Url = ENDPOINT.parse().unwrap();
    let options = EntraCommunicationTokenCredentialOptions::new(url, MockEntra::new());
    assert_eq!(options.resource_endpoint(), ENDPOINT);
    assert!(AzureCommunicationTokenCredential::with_entra(options).is_ok());

    for bad in [
        "",
        "   ",
        "contoso.communication.azure.com",
        "/access",
        "ftp://contoso.communication.azure.com/",
        "https://user:hunter2@contoso.communication.azure.com/",
        "https://contoso.communication.azure.com/?x=1",
        "https://contoso.communication.azure.com/#f",
        "endpoint=https://contoso.communication.azure.com/;accesskey=abc",
    ] {
        let options = EntraCommunicationTokenCredentialOptions::new(bad, MockEntra::new());
        let error = AzureCommunicationTokenCredential::with_entra(options).unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("Invalid resource endpoint"),
            "{bad}: {message}"
        );
        assert!(!message.contains("hunter2"), "{message}");
    }
}

#[test]
fn non_positive_refresh_timeout_is_rejected() {
    for timeout in [Duration::ZERO, Duration::seconds(-1)] {
        let options = EntraCommunicationTokenCredentialOptions::new(ENDPOINT, MockEntra::new())
            .refresh_timeout(timeout);
        let error = AzureCommunicationTokenCredential::with_entra(options).unwrap_err();
        assert!(error.to_string().contains("refresh_timeout"), "{error}");
    }
}

#[test]
fn options_debug_shows_no_secrets() {
    let options = EntraCommunicationTokenCredentialOptions::new(
        "https://user:hunter2@contoso.communication.azure.com/",
        MockEntra::new(),
    );
    let shown = format!("{options:?}");
    assert!(shown.contains("contoso.communication.azure.com"), "{shown}");
    assert!(shown.contains(DEFAULT_ENTRA_SCOPE), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
    let cloned = options.clone();
    assert_eq!(cloned.scopes(), options.scopes());
}

// ---------------------------------------------------------------- the request

#[tokio::test]
async fn request_shape_entra_family() {
    let transport = MockTransport::always(Reply::token(ACS_TOKEN, far_future()));
    let entra = MockEntra::new();
    let scopes = [
        "https://communication.azure.com/clients/VoIP",
        "https://communication.azure.com/clients/Chat",
    ];
    let credential = credential(&transport, entra.clone(), &scopes);
    let token = credential.get_token().await.unwrap();
    assert_eq!(token.token.secret(), ACS_TOKEN);

    let seen = transport.requests();
    assert_eq!(seen.len(), 1);
    let request = &seen[0];
    assert_eq!(request.method, Method::Post);
    assert_eq!(request.url, ENTRA_URL);
    assert_eq!(
        request.header("authorization"),
        Some("Bearer entra-token-1")
    );
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("accept"), Some("application/json"));
    assert_eq!(request.body, b"{}");
    let user_agent = request.header("user-agent").unwrap_or_default();
    // azure_core drops the `azure_` prefix: `azsdk-rust-communication_common/{version}`.
    assert!(
        user_agent.starts_with(concat!(
            "azsdk-rust-communication_common/",
            env!("CARGO_PKG_VERSION")
        )),
        "{user_agent}"
    );
    assert_eq!(
        *entra.scopes.lock().unwrap(),
        vec![scopes.map(String::from).to_vec()]
    );
}

#[tokio::test]
async fn request_shape_teams_extension_family() {
    for scopes in [
        vec!["https://auth.msft.communication.azure.com/Teams.ManageCalls"],
        vec![
            "https://auth.msft.communication.azure.us/Teams.ManageCalls",
            "https://auth.msft.communication.azure.us/Teams.ManageChats",
        ],
    ] {
        let transport = MockTransport::always(Reply::token(ACS_TOKEN, far_future()));
        let entra = MockEntra::new();
        let credential = credential(&transport, entra.clone(), &scopes);
        credential.get_token().await.unwrap();
        let seen = transport.requests();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].method, Method::Post);
        assert_eq!(seen[0].url, TEAMS_URL);
        assert_eq!(
            seen[0].header("authorization"),
            Some("Bearer entra-token-1")
        );
        assert_eq!(seen[0].body, b"{}");
        let asked: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(*entra.scopes.lock().unwrap(), vec![asked]);
    }
}

#[tokio::test]
async fn endpoint_path_is_kept() {
    let transport = MockTransport::always(Reply::token(ACS_TOKEN, far_future()));
    let credential = AzureCommunicationTokenCredential::with_entra(
        EntraCommunicationTokenCredentialOptions::new(
            "https://proxy.contoso.com/acs",
            MockEntra::new(),
        )
        .with_client_options(transport.options()),
    )
    .unwrap();
    credential.get_token().await.unwrap();
    assert_eq!(
        transport.requests()[0].url,
        "https://proxy.contoso.com/acs/access/entra/:exchangeAccessToken?api-version=2025-03-02-preview"
    );
}

// ---------------------------------------------------------------- the answer

#[tokio::test]
async fn response_with_seven_fraction_digits_and_offset() {
    let body = r#"{"identity":{"id":"8:acs:x"},"accessToken":{"token":"abc","expiresOn":"2034-10-04T10:21:29.4729393+00:00"}}"#;
    let transport = MockTransport::always(Reply::json(200, body));
    let token = credential(&transport, MockEntra::new(), &[DEFAULT_ENTRA_SCOPE])
        .get_token()
        .await
        .unwrap();
    assert_eq!(token.token.secret(), "abc");
    assert_eq!(token.expires_on.unix_timestamp(), 2_043_570_089);
    assert_eq!(token.expires_on.nanosecond(), 472_939_300);
}

#[tokio::test]
async fn identity_as_a_string_or_missing_is_tolerated() {
    for body in [
        r#"{"identity":"8:acs:x","accessToken":{"token":"abc","expiresOn":"2034-10-04T10:21:29Z"}}"#,
        r#"{"accessToken":{"token":"abc","expiresOn":"2034-10-04T12:21:29+02:00"}}"#,
        r#"{"identity":42,"accessToken":{"token":"abc","expiresOn":"2034-10-04T10:21:29.000Z"},"extra":true}"#,
    ] {
        let transport = MockTransport::always(Reply::json(200, body));
        let token = credential(&transport, MockEntra::new(), &[DEFAULT_ENTRA_SCOPE])
            .get_token()
            .await
            .unwrap_or_else(|e| panic!("{body}: {e}"));
        assert_eq!(token.expires_on.unix_timestamp(), 2_043_570_089, "{body}");
    }
}

#[tokio::test]
async fn unreadable_200_answers_are_errors_without_the_body() {
    let cases = [
        ("not json {", "not the expected JSON"),
        (r#"{"identity":{"id":"x"}}"#, "no accessToken"),
        (
            r#"{"accessToken":{"expiresOn":"2034-10-04T10:21:29Z"}}"#,
            "no accessToken.token",
        ),
        (
            r#"{"accessToken":{"token":"","expiresOn":"2034-10-04T10:21:29Z"}}"#,
            "no accessToken.token",
        ),
        (
            r#"{"accessToken":{"token":"sekrit-acs"}}"#,
            "no accessToken.expiresOn",
        ),
        (
            r#"{"accessToken":{"token":"sekrit-acs","expiresOn":"tomorrow"}}"#,
            "not an RFC 3339",
        ),
        (
            r#"{"accessToken":{"token":"sekrit-acs","expiresOn":1234}}"#,
            "not the expected JSON",
        ),
        (
            r#"{"accessToken":{"token":["sekrit-acs"],"expiresOn":"2034-10-04T10:21:29Z"}}"#,
            "not the expected JSON",
        ),
        ("", "not the expected JSON"),
    ];
    for (body, expected) in cases {
        let transport = MockTransport::always(Reply::json(200, body));
        let error = credential(&transport, MockEntra::new(), &[DEFAULT_ENTRA_SCOPE])
            .get_token()
            .await
            .unwrap_err();
        let shown = format!("{error} | {error:?}");
        assert_eq!(*error.kind(), ErrorKind::DataConversion, "{body}: {shown}");
        assert!(shown.contains(expected), "{body}: {shown}");
        assert!(!shown.contains("sekrit-acs"), "{body}: {shown}");
        assert!(!shown.contains("entra-token"), "{body}: {shown}");
    }
}

#[tokio::test]
async fn an_already_expired_acs_token_is_an_error() {
    let transport = MockTransport::always(Reply::token(
        ACS_TOKEN,
        OffsetDateTime::now_utc() - Duration::minutes(1),
    ));
    let error = credential(&transport, MockEntra::new(), &[DEFAULT_ENTRA_SCOPE])
        .get_token()
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "The ACS token returned by the Entra ID token exchange is already expired."
    );
}

// ---------------------------------------------------------------- errors

#[tokio::test]
async fn service_errors_carry_status_code_and_message() {
    let transport = MockTransport::always(Reply::error(
        401,
        "InvalidAccessToken",
        "The Entra ID access token has expired.",
    ));
    let credential = credential(&transport, MockEntra::new(), &[DEFAULT_ENTRA_SCOPE]);
    let error = credential.get_token().await.unwrap_err();
    assert_eq!(
        http_kind(&error),
        (
            StatusCode::Unauthorized,
            Some("InvalidAccessToken".to_owned())
        )
    );
    assert_eq!(
        error.to_string(),
        "Failed to exchange the Entra ID token for an ACS token: HTTP 401 InvalidAccessToken: The Entra ID access token has expired."
    );
    let debug = format!("{error:?}");
    assert!(!debug.contains("entra-token"), "{debug}");
}

#[tokio::test]
async fn error_without_acs_body_uses_the_error_code_header() {
    let cases = [
        (
            Reply::json(403, "").with_header("x-ms-error-code", "Forbidden"),
            Some("Forbidden"),
            "HTTP 403 Forbidden",
        ),
        (
            Reply::json(404, "<html>nope</html>"),
            None,
            "HTTP 404 (the response body is not an ACS error)",
        ),
        (Reply::json(400, ""), None, "HTTP 400 (empty response body)"),
        (
            Reply::json(400, r#"{"error":{"message":"Only a message."}}"#),
            None,
            "HTTP 400: Only a message.",
        ),
        (
            Reply::json(409, r#"{"error":{"code":"Conflict"}}"#),
            Some("Conflict"),
            "HTTP 409 Conflict",
        ),
        (Reply::json(201, "{}"), None, "HTTP 201"),
    ];
    for (reply, code, text) in cases {
        let transport = MockTransport::always(reply);
        let error = credential(&transport, MockEntra::new(), &[DEFAULT_ENTRA_SCOPE])
            .get_token()
            .await
            .unwrap_err();
        let (_, error_code) = http_kind(&error);
        assert_eq!(error_code.as_deref(), code, "{error}");
        assert!(error.to_string().contains(text), "{error}");
    }
}

#[tokio::test]
async fn service_errors_carry_the_raw_response_for_its_headers() {
    let transport = MockTransport::always(
        Reply::error(429, "TooManyRequests", "Slow down.")
            .with_header("x-ms-request-id", "5f2a7c1e-request"),
    );
    let error = credential(&transport, MockEntra::new(), &[DEFAULT_ENTRA_SCOPE])
        .get_token()
        .await
        .unwrap_err();
    let ErrorKind::HttpResponse {
        raw_response: Some(raw),
        ..
    } = error.kind()
    else {
        panic!("expected an HttpResponse error with the raw response: {error:?}");
    };
    assert_eq!(raw.status(), StatusCode::TooManyRequests);
    assert_eq!(
        raw.headers()
            .get_optional_str(&azure_core::http::headers::HeaderName::from_static(
                "x-ms-request-id"
            )),
        Some("5f2a7c1e-request")
    );
    let body = std::str::from_utf8(raw.body()).expect("utf-8");
    assert!(
        body.contains("TooManyRequests") && body.contains("Slow down."),
        "{body}"
    );
}

#[tokio::test]
async fn a_service_message_quoting_the_entra_token_is_redacted() {
    let transport = MockTransport::always(Reply::error(
        401,
        "InvalidAccessToken",
        "Token entra-token-1 is not valid.",
    ));
    let error = credential(&transport, MockEntra::new(), &[DEFAULT_ENTRA_SCOPE])
        .get_token()
        .await
        .unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains("entra-token-1"), "{shown}");
    assert!(shown.contains("Token <redacted> is not valid."), "{shown}");
    // the attached response body is redacted the same way
    let ErrorKind::HttpResponse {
        raw_response: Some(raw),
        ..
    } = error.kind()
    else {
        panic!("expected the raw response: {error:?}");
    };
    let body = std::str::from_utf8(raw.body()).expect("utf-8");
    assert!(!body.contains("entra-token-1"), "{body}");
    assert!(body.contains("Token <redacted> is not valid."), "{body}");
}

#[tokio::test]
async fn entra_credential_failure_propagates() {
    let transport = MockTransport::always(Reply::token(ACS_TOKEN, far_future()));
    let entra = MockEntra::failing();
    let credential = credential(&transport, entra.clone(), &[DEFAULT_ENTRA_SCOPE]);
    let error = credential.get_token().await.unwrap_err();
    assert_eq!(*error.kind(), ErrorKind::Credential);
    let message = error.to_string();
    assert!(
        message.starts_with("Failed to exchange the Entra ID token for an ACS token: the Entra ID credential failed"),
        "{message}"
    );
    // The Entra credential's own error is in the chain.
    let mut chain = Vec::new();
    let mut source: Option<&dyn std::error::Error> = Some(&error);
    while let Some(e) = source {
        chain.push(e.to_string());
        source = e.source();
    }
    assert!(
        chain.iter().any(|m| m.contains(MOCK_ENTRA_FAILURE)),
        "{chain:?}"
    );
    assert_eq!(transport.count(), 0);
    // Not poisoned: the next call asks again.
    credential.get_token().await.unwrap_err();
    assert_eq!(entra.calls(), 2);
}

#[tokio::test]
async fn transport_errors_propagate() {
    let transport = MockTransport::always(Reply::Fail(ErrorKind::Io));
    let error = credential(&transport, MockEntra::new(), &[DEFAULT_ENTRA_SCOPE])
        .get_token()
        .await
        .unwrap_err();
    assert_eq!(*error.kind(), ErrorKind::Io);
    assert!(
        error
            .to_string()
            .contains("request to the entra exchange endpoint failed"),
        "{error}"
    );
    assert!(!format!("{error:?}").contains("entra-token"));
}

// ---------------------------------------------------------------- caching

#[tokio::test]
async fn two_calls_one_exchange() {
    let transport = MockTransport::always(Reply::token(ACS_TOKEN, far_future()));
    let entra = MockEntra::new();
    let credential = credential(&transport, entra.clone(), &[DEFAULT_ENTRA_SCOPE]);
    let a = credential.get_token().await.unwrap();
    let b = credential.get_token().await.unwrap();
    let c = TokenCredential::get_token(&credential, &["ignored"], None)
        .await
        .unwrap();
    assert_eq!(a.token.secret(), b.token.secret());
    assert_eq!(a.token.secret(), c.token.secret());
    assert_eq!(transport.count(), 1);
    assert_eq!(entra.calls(), 1);
    let debug = format!("{credential:?}");
    assert!(!debug.contains(ACS_TOKEN), "{debug}");
}

#[tokio::test(start_paused = true)]
async fn expiring_soon_re_exchanges() {
    let clock = TokioClock::new();
    let reply_clock = clock.clone();
    use azure_communication_common::TokenClock;
    // Each exchange answers a token living one hour from the (test) now.
    let transport = MockTransport::new(move |n, _| {
        Reply::token(
            &format!("acs-{n}"),
            reply_clock.now_utc() + Duration::hours(1),
        )
    });
    let entra = MockEntra::new();
    let credential = AzureCommunicationTokenCredential::with_entra(
        EntraCommunicationTokenCredentialOptions::new(ENDPOINT, entra.clone())
            .with_client_options(transport.options())
            .with_clock(clock.clone()),
    )
    .unwrap();
    assert_eq!(
        credential.get_token().await.unwrap().token.secret(),
        "acs-0"
    );

    // 57 minutes later: more than two minutes left, cached.
    tokio::time::advance(std::time::Duration::from_secs(57 * 60)).await;
    assert_eq!(
        credential.get_token().await.unwrap().token.secret(),
        "acs-0"
    );
    assert_eq!(transport.count(), 1);

    // 58.5 minutes: inside the on-demand window, a new exchange with a new
    // Entra token.
    tokio::time::advance(std::time::Duration::from_secs(90)).await;
    assert_eq!(
        credential.get_token().await.unwrap().token.secret(),
        "acs-1"
    );
    assert_eq!(transport.count(), 2);
    assert_eq!(entra.calls(), 2);
    assert_eq!(
        transport.requests()[1].header("authorization"),
        Some("Bearer entra-token-2")
    );
    // And cached again.
    assert_eq!(
        credential.get_token().await.unwrap().token.secret(),
        "acs-1"
    );
    assert_eq!(transport.count(), 2);
}

#[tokio::test(start_paused = true)]
async fn proactive_refresh_exchanges_in_the_background() {
    let clock = TokioClock::new();
    let reply_clock = clock.clone();
    use azure_communication_common::TokenClock;
    let transport = MockTransport::new(move |n, _| {
        Reply::token(
            &format!("acs-{n}"),
            reply_clock.now_utc() + Duration::hours(1),
        )
    });
    let credential = AzureCommunicationTokenCredential::with_entra(
        EntraCommunicationTokenCredentialOptions::new(ENDPOINT, MockEntra::new())
            .with_client_options(transport.options())
            .refresh_proactively(true)
            .with_clock(clock.clone()),
    )
    .unwrap();
    assert_eq!(
        credential.get_token().await.unwrap().token.secret(),
        "acs-0"
    );
    // Proactive refresh at expiry - 10 minutes.
    tokio::time::sleep(std::time::Duration::from_secs(50 * 60 + 1)).await;
    assert_eq!(transport.count(), 2);
    assert!(
        transport.requests()[1].at - transport.requests()[0].at
            >= std::time::Duration::from_secs(50 * 60)
    );
    assert_eq!(
        credential.get_token().await.unwrap().token.secret(),
        "acs-1"
    );
    credential.dispose();
    assert_eq!(
        credential.get_token().await.unwrap_err().to_string(),
        "User credential is disposed"
    );
}

#[tokio::test(start_paused = true)]
async fn single_flight_under_a_thousand_concurrent_callers() {
    let transport = MockTransport::always(
        Reply::token(ACS_TOKEN, far_future()).delayed(std::time::Duration::from_millis(200)),
    );
    let entra = MockEntra::new();
    let credential = credential(&transport, entra.clone(), &[DEFAULT_ENTRA_SCOPE]);
    let calls = (0..1000).map(|_| credential.get_token());
    let results = futures::future::join_all(calls).await;
    assert!(results
        .iter()
        .all(|r| r.as_ref().is_ok_and(|t| t.token.secret() == ACS_TOKEN)));
    assert_eq!(transport.count(), 1);
    assert_eq!(entra.calls(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn single_flight_across_threads() {
    let transport = MockTransport::always(
        Reply::token(ACS_TOKEN, far_future()).delayed(std::time::Duration::from_millis(50)),
    );
    let entra = MockEntra::new();
    let credential = credential(&transport, entra.clone(), &[DEFAULT_ENTRA_SCOPE]);
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let credential = credential.clone();
            tokio::spawn(async move { credential.get_token().await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().token.secret(), ACS_TOKEN);
    }
    assert_eq!(transport.count(), 1);
    assert_eq!(entra.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_failed_exchange_reaches_every_waiter_then_the_next_call_retries() {
    let transport = MockTransport::sequence(vec![
        Reply::error(500, "InternalError", "boom").delayed(std::time::Duration::from_millis(100)),
        Reply::token(ACS_TOKEN, far_future()),
    ]);
    let credential = credential(&transport, MockEntra::new(), &[DEFAULT_ENTRA_SCOPE]);
    let results = futures::future::join_all((0..50).map(|_| credential.get_token())).await;
    for result in &results {
        let error = result.as_ref().unwrap_err();
        assert_eq!(
            http_kind(error),
            (
                StatusCode::InternalServerError,
                Some("InternalError".to_owned())
            )
        );
        assert!(
            error.to_string().contains("HTTP 500 InternalError: boom"),
            "{error}"
        );
    }
    assert_eq!(transport.count(), 1);
    assert_eq!(
        credential.get_token().await.unwrap().token.secret(),
        ACS_TOKEN
    );
    assert_eq!(transport.count(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_hanging_exchange_times_out() {
    let transport =
        MockTransport::sequence(vec![Reply::Hang, Reply::token(ACS_TOKEN, far_future())]);
    let credential = AzureCommunicationTokenCredential::with_entra(
        EntraCommunicationTokenCredentialOptions::new(ENDPOINT, MockEntra::new())
            .with_client_options(transport.options())
            .refresh_timeout(Duration::seconds(5)),
    )
    .unwrap();
    let started = tokio::time::Instant::now();
    let error = credential.get_token().await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("did not complete within 5000 ms"),
        "{error}"
    );
    assert_eq!(started.elapsed(), std::time::Duration::from_secs(5));
    assert_eq!(
        credential.get_token().await.unwrap().token.secret(),
        ACS_TOKEN
    );
}

// ---------------------------------------------------------------- retries

#[tokio::test(start_paused = true)]
async fn retries_carry_the_authorization_header() {
    let transport = MockTransport::sequence(vec![
        Reply::error(503, "ServiceUnavailable", "busy"),
        Reply::error(503, "ServiceUnavailable", "busy"),
        Reply::token(ACS_TOKEN, far_future()),
    ]);
    let entra = MockEntra::new();
    let credential = AzureCommunicationTokenCredential::with_entra(
        EntraCommunicationTokenCredentialOptions::new(ENDPOINT, entra.clone()).with_client_options(
            transport.options_with_retry(RetryOptions::exponential(ExponentialRetryOptions {
                initial_delay: Duration::milliseconds(10),
                max_retries: 3,
                ..Default::default()
            })),
        ),
    )
    .unwrap();
    assert_eq!(
        credential.get_token().await.unwrap().token.secret(),
        ACS_TOKEN
    );
    let seen = transport.requests();
    assert_eq!(seen.len(), 3);
    for request in &seen {
        assert_eq!(
            request.header("authorization"),
            Some("Bearer entra-token-1")
        );
        assert_eq!(request.body, b"{}");
        assert_eq!(request.url, ENTRA_URL);
    }
    assert_eq!(entra.calls(), 1);
}

/// azure_core's retry policy waits at least `Retry-After` (seconds, or an
/// HTTP date; `retry-after-ms` and `x-ms-retry-after-ms` win when present)
/// on 429 and 503, even when its own delay is shorter.
#[tokio::test(start_paused = true)]
async fn retry_after_is_honoured_on_429_and_503() {
    for (status, header, value, wait) in [
        (429, "retry-after", "7", std::time::Duration::from_secs(7)),
        (503, "retry-after", "3", std::time::Duration::from_secs(3)),
        (
            429,
            "retry-after-ms",
            "1500",
            std::time::Duration::from_millis(1500),
        ),
        (
            503,
            "x-ms-retry-after-ms",
            "2500",
            std::time::Duration::from_millis(2500),
        ),
    ] {
        let transport = MockTransport::sequence(vec![
            Reply::error(status, "TooManyRequests", "slow down").with_header(header, value),
            Reply::token(ACS_TOKEN, far_future()),
        ]);
        let credential = AzureCommunicationTokenCredential::with_entra(
            EntraCommunicationTokenCredentialOptions::new(ENDPOINT, MockEntra::new())
                .with_client_options(transport.options_with_retry(RetryOptions::fixed(
                    FixedRetryOptions {
                        delay: Duration::milliseconds(10),
                        max_retries: 3,
                        ..Default::default()
                    },
                ))),
        )
        .unwrap();
        assert_eq!(
            credential.get_token().await.unwrap().token.secret(),
            ACS_TOKEN
        );
        let seen = transport.requests();
        assert_eq!(seen.len(), 2);
        let waited = seen[1].at - seen[0].at;
        assert!(
            waited >= wait && waited < wait + std::time::Duration::from_millis(100),
            "{status} {header}: {value} → waited {waited:?}"
        );
    }
}

/// With the client options' default retry policy (azure_core's exponential
/// retry: 200 ms doubling, plus jitter) a longer `Retry-After` still wins.
#[tokio::test(start_paused = true)]
async fn default_retry_policy_honours_retry_after() {
    let transport = MockTransport::sequence(vec![
        Reply::error(429, "TooManyRequests", "slow down").with_header("retry-after", "5"),
        Reply::error(503, "ServiceUnavailable", "busy").with_header("retry-after", "4"),
        Reply::token(ACS_TOKEN, far_future()),
    ]);
    let options = azure_core::http::ClientOptions {
        transport: Some(azure_core::http::Transport::new(transport.clone())),
        ..Default::default()
    };
    let credential = AzureCommunicationTokenCredential::with_entra(
        EntraCommunicationTokenCredentialOptions::new(ENDPOINT, MockEntra::new())
            .with_client_options(options),
    )
    .unwrap();
    assert_eq!(
        credential.get_token().await.unwrap().token.secret(),
        ACS_TOKEN
    );
    let seen = transport.requests();
    assert_eq!(seen.len(), 3);
    assert!(seen[1].at - seen[0].at >= std::time::Duration::from_secs(5));
    assert!(seen[2].at - seen[1].at >= std::time::Duration::from_secs(4));
    assert!(seen[2].at - seen[0].at < std::time::Duration::from_secs(10));
}

/// Retry-After is not consulted for other retried statuses (azure_core
/// behaviour): a 500 is retried after the policy's own delay.
#[tokio::test(start_paused = true)]
async fn retry_after_is_ignored_on_500() {
    let transport = MockTransport::sequence(vec![
        Reply::error(500, "InternalError", "boom").with_header("retry-after", "30"),
        Reply::token(ACS_TOKEN, far_future()),
    ]);
    let credential = AzureCommunicationTokenCredential::with_entra(
        EntraCommunicationTokenCredentialOptions::new(ENDPOINT, MockEntra::new())
            .with_client_options(transport.options_with_retry(RetryOptions::fixed(
                FixedRetryOptions {
                    delay: Duration::milliseconds(10),
                    max_retries: 3,
                    ..Default::default()
                },
            ))),
    )
    .unwrap();
    credential.get_token().await.unwrap();
    let seen = transport.requests();
    assert!(seen[1].at - seen[0].at < std::time::Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn non_retryable_statuses_are_not_retried() {
    for status in [400, 401, 403, 404] {
        let transport = MockTransport::always(Reply::error(status, "Nope", "no"));
        let credential = AzureCommunicationTokenCredential::with_entra(
            EntraCommunicationTokenCredentialOptions::new(ENDPOINT, MockEntra::new())
                .with_client_options(transport.options_with_retry(RetryOptions::fixed(
                    FixedRetryOptions {
                        delay: Duration::milliseconds(10),
                        max_retries: 3,
                        ..Default::default()
                    },
                ))),
        )
        .unwrap();
        let error = credential.get_token().await.unwrap_err();
        assert_eq!(u16::from(http_kind(&error).0), status);
        assert_eq!(transport.count(), 1, "{status}");
    }
}

#[test]
fn service_date_helper_matches_the_service_format() {
    let t = OffsetDateTime::from_unix_timestamp_nanos(2_043_570_089_472_939_300).unwrap();
    assert_eq!(service_date(t), "2034-10-04T10:21:29.4729393+00:00");
}
