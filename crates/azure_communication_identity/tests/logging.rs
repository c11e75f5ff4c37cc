//! No secret in any log line: everything the client and azure_core's
//! pipeline write at TRACE level while every operation runs (successes and
//! failures) is captured and searched for the access key and every token.
//! Alone in its binary: the capturing subscriber is this thread's default.

mod support;

use azure_communication_identity::CommunicationTokenScope as Scope;
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn no_key_or_token_is_logged_and_each_operation_has_its_span() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let emulator = support::emulator().await;
    let client = support::client(&emulator);
    let mut secrets = vec![emulator.access_key().to_owned()];

    let created = client
        .create_user_and_token(&[Scope::Chat], None, None)
        .await
        .unwrap();
    secrets.push(created.access_token.token.secret().to_owned());
    let user = client.create_user(None).await.unwrap();
    let token = client
        .get_token(&user, &[Scope::VoIP], None, None)
        .await
        .unwrap();
    secrets.push(token.token.secret().to_owned());
    client.revoke_tokens(&user, None).await.unwrap();
    client.delete_user(&user, None).await.unwrap();
    // Failures too.
    client
        .get_token(&user, &[Scope::Chat], None, None)
        .await
        .unwrap_err();
    emulator.fail_next(1, 503);
    client.create_user(None).await.unwrap_err();

    // A Teams user's Entra token, exchanged, then echoed in a refusal.
    let entra_token = "eyJ0eXAiOiJKV1QifQ.eyJvaWQiOiJ0ZWFtcyJ9.teams-entra-signature-xyz";
    secrets.push(entra_token.to_owned());
    let exchanged = "eyJ0eXAiOiJKV1QifQ.eyJza3lwZWlkIjoiYSJ9.exchanged-acs-signature-xyz";
    secrets.push(exchanged.to_owned());
    let answer = format!(r#"{{"token":"{exchanged}","expiresOn":"2030-01-01T00:00:00Z"}}"#);
    support::client_answering(azure_core::http::StatusCode::Ok, &answer)
        .get_token_for_teams_user(
            &azure_core::credentials::Secret::new(entra_token),
            "app",
            "oid",
            None,
        )
        .await
        .unwrap();
    let echo =
        format!(r#"{{"error":{{"code":"InvalidAccessToken","message":"bad {entra_token}"}}}}"#);
    support::client_answering(azure_core::http::StatusCode::Unauthorized, &echo)
        .get_token_for_teams_user(
            &azure_core::credentials::Secret::new(entra_token),
            "app",
            "oid",
            None,
        )
        .await
        .unwrap_err();

    let text = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    for secret in &secrets {
        assert!(
            !text.contains(secret.as_str()),
            "a secret was logged:\n{text}"
        );
        // Nor the signature part of a token alone.
        if let Some(signature) = secret.rsplit('.').next().filter(|s| s.len() > 16) {
            assert!(
                !text.contains(signature),
                "a token signature was logged:\n{text}"
            );
        }
    }
    for span in [
        "CommunicationIdentityClient::create_user_and_token",
        "CommunicationIdentityClient::create_user",
        "CommunicationIdentityClient::get_token",
        "CommunicationIdentityClient::revoke_tokens",
        "CommunicationIdentityClient::delete_user",
        "CommunicationIdentityClient::get_token_for_teams_user",
    ] {
        assert!(text.contains(span), "no span {span}:\n{text}");
    }
    // The logs say what happened, with the user's id (not a secret).
    assert!(text.contains(user.id()), "{text}");
    assert!(text.contains("IdentityNotFound"), "{text}");
    assert!(text.contains("InvalidAccessToken"), "{text}");
}
