//! No entry point that takes an endpoint ever shows the access key that a
//! user put in it by mistake: the key itself, a whole connection string,
//! user info whose password holds a `/`, or a query. Checked in `Display`,
//! `Debug` and the TRACE log (SPEC 4).

mod entra_support;
mod log_capture;

use azure_communication_common::{
    parse_client_arguments, AccessKeySigner, AzureCommunicationTokenCredential,
    CommunicationCredential, ConnectionString, EntraCommunicationTokenCredentialOptions,
};
use azure_core::http::Url;
use azure_core::time::OffsetDateTime;
use entra_support::MockEntra;
use log_capture::Capture;

/// An 88-character key with `/` and `+` in it, like the portal's.
const KEY: &str =
    "y8ct+weGXE5flIRvasYpGUZNYbCJdi8oSDtxptbaE34fdLYZ+pI+n4O2RJBRT2er5aUwk/CzoJbKSIaQaNToVw==";

/// What might stand where an endpoint is expected.
fn endpoint_inputs() -> Vec<String> {
    vec![
        KEY.to_owned(),
        // A key cut short by one character is still not shown.
        KEY[..KEY.len() - 3].to_owned(),
        format!("endpoint=https://contoso.communication.azure.com/;accesskey={KEY}"),
        format!("accesskey={KEY};endpoint=https://contoso.communication.azure.com/"),
        format!("https://user:{KEY}@contoso.communication.azure.com/"),
        format!("https://{KEY}@contoso.communication.azure.com/"),
        format!("https://contoso.communication.azure.com/?sig={KEY}"),
        format!("https://contoso.communication.azure.com/#{KEY}"),
        format!("https://contoso.communication.azure.com/path?accesskey={KEY}"),
    ]
}

/// The key or a long part of it (its halves, and the part after its `/`,
/// which a URL parser would take for a path).
fn leaks(text: &str) -> Option<&'static str> {
    let after_slash = KEY.split_once('/').unwrap().1;
    [KEY, &KEY[..40], &KEY[40..80], after_slash]
        .into_iter()
        .find(|needle| text.contains(*needle))
}

fn assert_clean(what: &str, text: &str) {
    if let Some(needle) = leaks(text) {
        panic!("{what} shows the key ({needle}): {text}");
    }
}

#[tokio::test]
async fn no_entry_point_shows_a_key_given_as_an_endpoint() {
    let (capture, _guard) = Capture::install();
    let signer_credential = || CommunicationCredential::from_access_key("cHc9PQ==").unwrap();
    let mut checked = 0;

    for input in endpoint_inputs() {
        // Connection strings with the input as their endpoint (the key in
        // its own segment too).
        let cs = format!("endpoint={input};accesskey={KEY}");
        let e = cs.parse::<ConnectionString>().unwrap_err();
        assert_clean("ConnectionString error Display", &e.to_string());
        assert_clean("ConnectionString error Debug", &format!("{e:?}"));

        // Client arguments, with and without a credential.
        let e = parse_client_arguments(&input, Some(signer_credential())).unwrap_err();
        assert_clean("parse_client_arguments error Display", &e.to_string());
        assert_clean("parse_client_arguments error Debug", &format!("{e:?}"));
        if let Err(e) = parse_client_arguments(&input, None) {
            assert_clean("parse_client_arguments(None) Display", &e.to_string());
            assert_clean("parse_client_arguments(None) Debug", &format!("{e:?}"));
        }

        // The Entra credential's resource endpoint: options Debug, the
        // construction error, and (when the input builds) the exchange error.
        let options = EntraCommunicationTokenCredentialOptions::new(&input, MockEntra::new());
        assert_clean("Entra options Debug", &format!("{options:?}"));
        match AzureCommunicationTokenCredential::with_entra(options) {
            Err(e) => {
                assert_clean("with_entra error Display", &e.to_string());
                assert_clean("with_entra error Debug", &format!("{e:?}"));
            }
            Ok(credential) => {
                assert_clean("Entra credential Debug", &format!("{credential:?}"));
                if let Err(e) = credential.get_token().await {
                    assert_clean("Entra get_token error", &e.to_string());
                    assert_clean("Entra get_token error Debug", &format!("{e:?}"));
                }
            }
        }

        // The signer, for a URL that carries the key and has no host.
        if let Ok(url) = Url::parse(&format!("unix:{input}")) {
            let signer = AccessKeySigner::new("cHc9PQ==").unwrap();
            if let Err(e) = signer.sign("GET", &url, b"", OffsetDateTime::now_utc()) {
                assert_clean("sign error", &e.to_string());
            }
        }
        checked += 1;
    }
    assert_eq!(checked, endpoint_inputs().len());
    assert_clean("the TRACE log", &capture.text());
}

#[test]
fn user_info_with_a_slash_in_the_password_is_masked_not_dropped_silently() {
    let e =
        format!("endpoint=https://user:{KEY}@contoso.communication.azure.com/;accesskey=cHc9PQ==")
            .parse::<ConnectionString>()
            .unwrap_err()
            .to_string();
    assert_eq!(
        e,
        "Invalid endpoint url https://***@contoso.communication.azure.com/"
    );
}

#[test]
fn a_connection_string_given_as_the_entra_endpoint_is_named_not_shown() {
    let input = format!("endpoint=https://contoso.communication.azure.com/;accesskey={KEY}");
    let e = AzureCommunicationTokenCredential::with_entra(
        EntraCommunicationTokenCredentialOptions::new(&input, MockEntra::new()),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("looks like a connection string"), "{e}");
    assert_clean("with_entra", &e);
}

#[test]
fn a_query_is_dropped_from_the_entra_endpoint_error() {
    let e = AzureCommunicationTokenCredential::with_entra(
        EntraCommunicationTokenCredentialOptions::new(
            format!("https://contoso.communication.azure.com/?sig={KEY}"),
            MockEntra::new(),
        ),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("\"https://contoso.communication.azure.com/\""),
        "{e}"
    );
    assert!(e.contains("query or fragment"), "{e}");
}
