//! Every error the client documents: the client-side checks (no request is
//! sent) and the service's answers, which keep status, code, message, target
//! and the raw response.

mod support;

use acs_emulator::{Emulator, Route};
use azure_communication_common::{CommunicationCredential, CommunicationUserIdentifier};
use azure_communication_identity::{CommunicationIdentityClient, CommunicationTokenScope as Scope};
use azure_core::error::ErrorKind;
use azure_core::http::StatusCode;
use std::time::Duration;
use support::{assert_service_error, client, emulator, no_retry};

fn unknown_user(emulator: &Emulator) -> CommunicationUserIdentifier {
    CommunicationUserIdentifier::new(format!(
        "8:acs:{}_00000000-0000-4000-8000-000000000000",
        emulator.resource_id()
    ))
}

#[tokio::test]
async fn an_unknown_user_is_identity_not_found_for_each_operation() {
    let emulator = emulator().await;
    let client = client(&emulator);
    let user = unknown_user(&emulator);
    let errors = [
        client
            .get_token(&user, &[Scope::Chat], None, None)
            .await
            .unwrap_err(),
        client.revoke_tokens(&user, None).await.unwrap_err(),
        client.delete_user(&user, None).await.unwrap_err(),
    ];
    for error in &errors {
        let service = assert_service_error(error, StatusCode::NotFound, "IdentityNotFound");
        assert!(service.message().contains(user.id()), "{error}");
        assert_eq!(service.target(), None);
        // The raw response is the service's, headers and body.
        let ErrorKind::HttpResponse {
            raw_response: Some(raw),
            ..
        } = error.kind()
        else {
            unreachable!()
        };
        assert_eq!(
            raw.headers()
                .get_optional_str(&azure_core::http::headers::CONTENT_TYPE),
            Some("application/json")
        );
        let body: serde_json::Value = raw.body().json().unwrap();
        assert_eq!(body["error"]["code"], "IdentityNotFound");
        // Display names the message, status and code.
        let text = error.to_string();
        assert!(text.contains("404 IdentityNotFound"), "{text}");
    }
}

#[tokio::test]
async fn an_unknown_scope_is_a_validation_error_with_its_target() {
    let emulator = emulator().await;
    let client = client(&emulator);
    let error = client
        .create_user_and_token(&[Scope::from("admin")], None, None)
        .await
        .unwrap_err();
    let service = assert_service_error(&error, StatusCode::BadRequest, "ValidationError");
    assert_eq!(service.target(), Some("createTokenWithScopes"));
    assert!(service.message().contains("'admin'"), "{error}");
    assert_eq!(emulator.identity_count(), 0);

    let user = client.create_user(None).await.unwrap();
    let error = client
        .get_token(&user, &[Scope::Chat, Scope::from("admin")], None, None)
        .await
        .unwrap_err();
    let service = assert_service_error(&error, StatusCode::BadRequest, "ValidationError");
    assert_eq!(service.target(), Some("scopes"));
    assert!(error.to_string().contains("target scopes"), "{error}");
}

#[tokio::test]
async fn get_token_without_scopes_is_the_services_validation_error() {
    let emulator = emulator().await;
    let client = client(&emulator);
    let user = client.create_user(None).await.unwrap();
    let error = client.get_token(&user, &[], None, None).await.unwrap_err();
    let service = assert_service_error(&error, StatusCode::BadRequest, "ValidationError");
    assert_eq!(service.target(), Some("scopes"));
}

#[tokio::test]
async fn create_user_and_token_without_scopes_is_refused_before_sending() {
    let emulator = emulator().await;
    let client = client(&emulator);
    let error = client
        .create_user_and_token(&[], None, None)
        .await
        .unwrap_err();
    assert_eq!(*error.kind(), ErrorKind::DataConversion);
    assert!(error.to_string().contains("create_user"), "{error}");
    assert_eq!(emulator.request_count(Route::CreateIdentity), 0);
}

#[tokio::test]
async fn expires_in_out_of_range_is_refused_before_sending() {
    let emulator = emulator().await;
    let client = client(&emulator);
    let user = client.create_user(None).await.unwrap();
    for (minutes, shown) in [(59, "59 minutes"), (1441, "1441 minutes"), (0, "0 minutes")] {
        let expires_in = Some(Duration::from_secs(minutes * 60));
        for error in [
            client
                .create_user_and_token(&[Scope::Chat], expires_in, None)
                .await
                .unwrap_err(),
            client
                .get_token(&user, &[Scope::Chat], expires_in, None)
                .await
                .unwrap_err(),
        ] {
            assert_eq!(*error.kind(), ErrorKind::DataConversion);
            let text = error.to_string();
            assert!(text.contains("from 60 to 1440 minutes"), "{text}");
            assert!(text.contains(shown), "{text}");
        }
    }
    let error = client
        .get_token(&user, &[Scope::Chat], Some(Duration::from_secs(3630)), None)
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("whole number of minutes"),
        "{error}"
    );
    assert_eq!(emulator.request_count(Route::IssueAccessToken), 0);
    assert_eq!(emulator.request_count(Route::CreateIdentity), 1);
}

#[tokio::test]
async fn a_wrong_access_key_is_denied_and_never_shown() {
    let emulator = emulator().await;
    let wrong_key = "d3Jvbmcga2V5IHdyb25nIGtleSB3cm9uZyBrZXkgISE=";
    let client = CommunicationIdentityClient::new(
        emulator.endpoint().as_str(),
        CommunicationCredential::from_access_key(wrong_key).unwrap(),
        Some(no_retry()),
    )
    .unwrap();
    let error = client.create_user(None).await.unwrap_err();
    assert_service_error(&error, StatusCode::Unauthorized, "Denied");
    for text in [
        error.to_string(),
        format!("{error:?}"),
        format!("{client:?}"),
    ] {
        assert!(!text.contains(wrong_key), "{text}");
        assert!(!text.contains(emulator.access_key()), "{text}");
    }
    assert_eq!(emulator.identity_count(), 0);
}

#[tokio::test]
async fn an_injected_failure_reaches_the_caller_with_its_status() {
    let emulator = emulator().await;
    let client = client(&emulator);
    for status in [
        StatusCode::InternalServerError,
        StatusCode::ServiceUnavailable,
    ] {
        emulator.fail_next(1, u16::from(status));
        let error = client.create_user(None).await.unwrap_err();
        let service = support::service_error(&error);
        assert_eq!(service.status(), status);
        assert!(service.code().is_some(), "{error}");
    }
    emulator.throttle_next(1, Duration::from_secs(7));
    let error = client.create_user(None).await.unwrap_err();
    let ErrorKind::HttpResponse {
        raw_response: Some(raw),
        status,
        ..
    } = error.kind()
    else {
        panic!("{error:?}");
    };
    assert_eq!(*status, StatusCode::TooManyRequests);
    assert_eq!(
        raw.headers()
            .get_optional_str(&azure_core::http::headers::RETRY_AFTER),
        Some("7")
    );
}

#[tokio::test]
async fn a_success_answer_that_is_not_the_services_json_is_named_not_quoted() {
    let body = r#"{"token":"eyJ.not-for-logs.sig"}"#;
    let client = support::client_answering(StatusCode::Ok, body);
    let user = CommunicationUserIdentifier::new("8:acs:r_u");
    let error = client
        .get_token(&user, &[Scope::Chat], None, None)
        .await
        .unwrap_err();
    assert_eq!(*error.kind(), ErrorKind::DataConversion);
    let text = error.to_string();
    assert!(text.contains("get_token"), "{text}");
    assert!(!text.contains("not-for-logs"), "{text}");
}
