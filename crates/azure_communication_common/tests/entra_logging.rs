//! The Entra exchange logs (through `tracing`, azure_core's pipeline
//! included, at TRACE) never contain the Entra token or the ACS token, for a
//! success, a retried 503, a service error and an Entra credential failure.

mod entra_support;
mod log_capture;

use azure_communication_common::{
    AzureCommunicationTokenCredential, EntraCommunicationTokenCredentialOptions,
};
use azure_core::{
    http::{FixedRetryOptions, RetryOptions},
    time::{Duration, OffsetDateTime},
};
use entra_support::{MockEntra, MockTransport, Reply};
use log_capture::Capture;

const ACS_TOKEN: &str = "acs-secret-token-value";

#[tokio::test(start_paused = true)]
async fn logs_never_contain_a_token() {
    let (capture, _guard) = Capture::install();

    let expires = OffsetDateTime::now_utc() + Duration::hours(1);
    let transport = MockTransport::sequence(vec![
        Reply::error(503, "ServiceUnavailable", "busy").with_header("retry-after", "1"),
        Reply::token(ACS_TOKEN, expires),
    ]);
    let credential = AzureCommunicationTokenCredential::with_entra(
        EntraCommunicationTokenCredentialOptions::new(
            "https://contoso.communication.azure.com/",
            MockEntra::new(),
        )
        .with_client_options(transport.options_with_retry(RetryOptions::fixed(
            FixedRetryOptions {
                delay: Duration::milliseconds(10),
                max_retries: 2,
                ..Default::default()
            },
        ))),
    )
    .unwrap();
    credential.get_token().await.unwrap();

    let failing = MockTransport::always(Reply::error(401, "InvalidAccessToken", "expired"));
    let credential = AzureCommunicationTokenCredential::with_entra(
        EntraCommunicationTokenCredentialOptions::new(
            "https://contoso.communication.azure.com/",
            MockEntra::new(),
        )
        .with_client_options(failing.options()),
    )
    .unwrap();
    credential.get_token().await.unwrap_err();

    let credential = AzureCommunicationTokenCredential::with_entra(
        EntraCommunicationTokenCredentialOptions::new(
            "https://contoso.communication.azure.com/",
            MockEntra::failing(),
        )
        .with_client_options(failing.options()),
    )
    .unwrap();
    credential.get_token().await.unwrap_err();

    let logs = capture.text();
    assert!(
        logs.contains("exchanged an Entra ID token for an ACS token"),
        "{logs}"
    );
    assert!(logs.contains("Entra ID token exchange failed"), "{logs}");
    assert!(!logs.contains(ACS_TOKEN), "{logs}");
    assert!(!logs.contains("entra-token-"), "{logs}");
}
