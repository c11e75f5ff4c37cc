//! End-to-end: `AzureCommunicationTokenCredential::with_entra` against the
//! in-process ACS emulator, over real HTTP on loopback (SPEC 2.4, issue 5).
//!
//! Real time and real sockets: no paused tokio time here, and retry delays
//! are kept to milliseconds.

use acs_emulator::{
    Emulator, EmulatorOptions, EntraTokenSpec, FaultRule, Route, DEFAULT_OBJECT_ID,
    DEFAULT_TENANT_ID,
};
use azure_communication_common::{
    AzureCommunicationTokenCredential, EntraCommunicationTokenCredentialOptions, TokenClock,
};
use azure_core::{
    credentials::{AccessToken, TokenCredential, TokenRequestOptions},
    error::ErrorKind,
    http::{ClientOptions, ExponentialRetryOptions, FixedRetryOptions, RetryOptions, StatusCode},
    time::{Duration, OffsetDateTime},
};
use std::sync::Arc;

const ENTRA_SCOPE: &str = "https://communication.azure.com/clients/.default";
const TEAMS_SCOPES: [&str; 2] = [
    "https://auth.msft.communication.azure.com/Teams.ManageCalls",
    "https://auth.msft.communication.azure.com/Teams.ManageChats",
];

fn no_retry() -> ClientOptions {
    ClientOptions {
        retry: RetryOptions::none(),
        ..Default::default()
    }
}

fn fixed_retry(delay_ms: i64, max_retries: u32) -> ClientOptions {
    ClientOptions {
        retry: RetryOptions::fixed(FixedRetryOptions {
            delay: Duration::milliseconds(delay_ms),
            max_retries,
            ..Default::default()
        }),
        ..Default::default()
    }
}

async fn start() -> Emulator {
    Emulator::start(EmulatorOptions::new())
        .await
        .expect("emulator starts")
}

/// The identity the Entra exchange gives the test issuer's default user: the
/// 2025-03-02-preview specification's example form, `8:acs:{resource}_wf_{tenant}_{object}`.
fn expected_user_id(emulator: &Emulator) -> String {
    format!(
        "8:acs:{}_wf_{}_{}",
        emulator.resource_id(),
        DEFAULT_TENANT_ID,
        DEFAULT_OBJECT_ID
    )
}

fn http_status(error: &azure_core::Error) -> Option<(StatusCode, Option<String>)> {
    match error.kind() {
        ErrorKind::HttpResponse {
            status, error_code, ..
        } => Some((*status, error_code.clone())),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entra_family_exchange_succeeds_and_token_verifies() {
    let emulator = start().await;
    let entra = emulator.entra_credential();
    let credential = AzureCommunicationTokenCredential::with_entra(
        EntraCommunicationTokenCredentialOptions::new(emulator.endpoint(), entra.clone())
            .with_client_options(no_retry()),
    )
    .unwrap();

    let token = credential.get_token().await.unwrap();
    let claims = emulator
        .verify_acs_token(token.token.secret())
        .expect("the ACS token verifies");
    assert_eq!(claims.user_id(), expected_user_id(&emulator));
    assert_eq!(claims.exp, token.expires_on.unix_timestamp());
    assert!(token.expires_on > OffsetDateTime::now_utc() + Duration::minutes(30));
    assert_eq!(emulator.request_count(Route::ExchangeEntraToken), 1);
    assert_eq!(
        emulator.request_count(Route::ExchangeTeamsExtensionToken),
        0
    );
    assert_eq!(entra.calls(), 1);

    // Cached: no second exchange, no second Entra token.
    let again = credential.get_token().await.unwrap();
    assert_eq!(again.token.secret(), token.token.secret());
    assert_eq!(emulator.request_count(Route::ExchangeEntraToken), 1);
    assert_eq!(entra.calls(), 1);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teams_extension_family_exchange_succeeds_for_both_clouds() {
    for scopes in [
        TEAMS_SCOPES.to_vec(),
        vec!["https://auth.msft.communication.azure.us/Teams.ManageCalls"],
    ] {
        let emulator = start().await;
        let credential = AzureCommunicationTokenCredential::with_entra(
            EntraCommunicationTokenCredentialOptions::new(
                emulator.endpoint(),
                emulator.entra_credential(),
            )
            .with_scopes(scopes.clone())
            .with_client_options(no_retry()),
        )
        .unwrap();
        let token = credential.get_token().await.unwrap();
        let claims = emulator
            .verify_acs_token(token.token.secret())
            .unwrap_or_else(|e| panic!("{scopes:?}: {e}"));
        // The Teams extension's identities have no `wf_` marker.
        assert_eq!(
            claims.user_id(),
            format!(
                "8:acs:{}_{}_{}",
                emulator.resource_id(),
                DEFAULT_TENANT_ID,
                DEFAULT_OBJECT_ID
            )
        );
        assert_eq!(
            emulator.request_count(Route::ExchangeTeamsExtensionToken),
            1
        );
        assert_eq!(emulator.request_count(Route::ExchangeEntraToken), 0);
        emulator.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoint_with_a_path_and_no_trailing_slash_works() {
    let emulator = start().await;
    let endpoint = emulator
        .endpoint()
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    let credential = AzureCommunicationTokenCredential::with_entra(
        EntraCommunicationTokenCredentialOptions::new(endpoint, emulator.entra_credential())
            .with_client_options(no_retry()),
    )
    .unwrap();
    credential.get_token().await.unwrap();
    assert_eq!(emulator.request_count(Route::ExchangeEntraToken), 1);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_entra_token_is_a_401_invalid_access_token() {
    let emulator = start().await;
    let entra = emulator
        .entra_credential_with(EntraTokenSpec::default().expires_in(std::time::Duration::ZERO));
    let credential = AzureCommunicationTokenCredential::with_entra(
        EntraCommunicationTokenCredentialOptions::new(emulator.endpoint(), entra.clone())
            .with_client_options(no_retry()),
    )
    .unwrap();
    let error = credential.get_token().await.unwrap_err();
    assert_eq!(
        http_status(&error),
        Some((
            StatusCode::Unauthorized,
            Some("InvalidAccessToken".to_owned())
        )),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.starts_with(
            "Failed to exchange the Entra ID token for an ACS token: HTTP 401 InvalidAccessToken: "
        ),
        "{message}"
    );
    assert!(message.contains("expired"), "{message}");
    // 401 is not retried.
    assert_eq!(emulator.request_count(Route::ExchangeEntraToken), 1);

    // No poisoned state: the next call tries again.
    let again = credential.get_token().await.unwrap_err();
    assert_eq!(
        http_status(&again).map(|s| s.0),
        Some(StatusCode::Unauthorized)
    );
    assert_eq!(emulator.request_count(Route::ExchangeEntraToken), 2);
    assert_eq!(entra.calls(), 2);
    emulator.shutdown().await;
}

/// An Entra credential that ignores the scopes it is asked for and returns a
/// token for other scopes (a misconfigured app registration, say).
#[derive(Debug)]
struct WrongScopes {
    emulator_token: String,
}

#[async_trait::async_trait]
impl TokenCredential for WrongScopes {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        Ok(AccessToken::new(
            self.emulator_token.clone(),
            OffsetDateTime::now_utc() + Duration::hours(1),
        ))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_family_scope() {
    let emulator = start().await;

    // Mixed or foreign scopes are rejected before any request.
    for scopes in [
        vec![ENTRA_SCOPE, TEAMS_SCOPES[0]],
        vec!["https://graph.microsoft.com/.default"],
    ] {
        let error = AzureCommunicationTokenCredential::with_entra(
            EntraCommunicationTokenCredentialOptions::new(
                emulator.endpoint(),
                emulator.entra_credential(),
            )
            .with_scopes(scopes),
        )
        .unwrap_err();
        assert!(error.to_string().starts_with("Scopes validation failed."));
    }

    // A Teams-extension Entra token presented to the Entra endpoint: the
    // service rejects it, and the error says why.
    let teams_token = emulator.mint_entra_token(EntraTokenSpec::new(TEAMS_SCOPES));
    let entra = Arc::new(WrongScopes {
        emulator_token: teams_token.token.clone(),
    });
    let credential = AzureCommunicationTokenCredential::with_entra(
        EntraCommunicationTokenCredentialOptions::new(emulator.endpoint(), entra)
            .with_client_options(no_retry()),
    )
    .unwrap();
    let error = credential.get_token().await.unwrap_err();
    assert_eq!(
        http_status(&error),
        Some((
            StatusCode::Unauthorized,
            Some("InvalidAccessToken".to_owned())
        ))
    );
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(&teams_token.token), "{shown}");
    assert!(shown.contains("does not accept"), "{shown}");
    assert_eq!(emulator.request_count(Route::ExchangeEntraToken), 1);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_two_503s_then_succeeds() {
    let emulator = start().await;
    emulator.inject_fault(FaultRule::status(503, 2).on(Route::ExchangeEntraToken));
    let entra = emulator.entra_credential();
    let credential = AzureCommunicationTokenCredential::with_entra(
        EntraCommunicationTokenCredentialOptions::new(emulator.endpoint(), entra.clone())
            .with_client_options(ClientOptions {
                retry: RetryOptions::exponential(ExponentialRetryOptions {
                    initial_delay: Duration::milliseconds(5),
                    max_retries: 3,
                    ..Default::default()
                }),
                ..Default::default()
            }),
    )
    .unwrap();
    let token = credential.get_token().await.unwrap();
    emulator.verify_acs_token(token.token.secret()).unwrap();
    assert_eq!(emulator.request_count(Route::ExchangeEntraToken), 3);
    // One exchange: the Entra token was fetched once and every retry carried it.
    assert_eq!(entra.calls(), 1);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_exhausted_surface_the_last_status() {
    let emulator = start().await;
    emulator.inject_fault(FaultRule::status(503, 10).on(Route::ExchangeEntraToken));
    let credential = AzureCommunicationTokenCredential::with_entra(
        EntraCommunicationTokenCredentialOptions::new(
            emulator.endpoint(),
            emulator.entra_credential(),
        )
        .with_client_options(fixed_retry(2, 2)),
    )
    .unwrap();
    let error = credential.get_token().await.unwrap_err();
    assert_eq!(
        http_status(&error).map(|s| s.0),
        Some(StatusCode::ServiceUnavailable),
        "{error:?}"
    );
    assert_eq!(emulator.request_count(Route::ExchangeEntraToken), 3);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_429_waits_for_retry_after() {
    let emulator = start().await;
    let retry_after = std::time::Duration::from_millis(400);
    emulator.inject_fault(FaultRule::throttle(retry_after, 1).on(Route::ExchangeEntraToken));
    let credential = AzureCommunicationTokenCredential::with_entra(
        EntraCommunicationTokenCredentialOptions::new(
            emulator.endpoint(),
            emulator.entra_credential(),
        )
        // The policy's own delay is 1 ms: any longer wait is Retry-After's.
        .with_client_options(fixed_retry(1, 3)),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let token = credential.get_token().await.unwrap();
    let elapsed = started.elapsed();
    emulator.verify_acs_token(token.token.secret()).unwrap();
    assert_eq!(emulator.request_count(Route::ExchangeEntraToken), 2);
    assert!(
        elapsed >= retry_after,
        "retried after {elapsed:?}, Retry-After was {retry_after:?}"
    );
    assert!(elapsed < std::time::Duration::from_secs(5), "{elapsed:?}");
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thousand_concurrent_calls_make_one_exchange() {
    let emulator = start().await;
    // Some latency so that the callers really overlap the request.
    emulator.set_latency(std::time::Duration::from_millis(50));
    let entra = emulator.entra_credential();
    let credential = AzureCommunicationTokenCredential::with_entra(
        EntraCommunicationTokenCredentialOptions::new(emulator.endpoint(), entra.clone())
            .with_client_options(no_retry()),
    )
    .unwrap();
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let credential = credential.clone();
            tokio::spawn(async move { credential.get_token().await })
        })
        .collect();
    let mut secrets = std::collections::HashSet::new();
    for task in tasks {
        let token = task.await.unwrap().unwrap();
        secrets.insert(token.token.secret().to_owned());
    }
    assert_eq!(secrets.len(), 1);
    assert_eq!(emulator.request_count(Route::ExchangeEntraToken), 1);
    assert_eq!(entra.calls(), 1);
    let secret = secrets.into_iter().next().unwrap();
    emulator.verify_acs_token(&secret).unwrap();
    emulator.shutdown().await;
}

/// The credential's clock reads the emulator's token clock, so that
/// `advance_time` ages the cached token for both.
#[derive(Debug)]
struct EmulatorClock(Arc<Emulator>);

impl TokenClock for EmulatorClock {
    fn now_utc(&self) -> OffsetDateTime {
        self.0.now()
    }
    fn monotonic(&self) -> std::time::Duration {
        let since: std::time::Duration = (self.0.now() - OffsetDateTime::UNIX_EPOCH)
            .try_into()
            .unwrap_or_default();
        since
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiring_soon_re_exchanges_with_a_fresh_entra_token() {
    let emulator = Arc::new(start().await);
    let entra = emulator.entra_credential();
    let credential = AzureCommunicationTokenCredential::with_entra(
        EntraCommunicationTokenCredentialOptions::new(emulator.endpoint(), entra.clone())
            .with_client_options(no_retry())
            .with_clock(Arc::new(EmulatorClock(emulator.clone()))),
    )
    .unwrap();
    let first = credential.get_token().await.unwrap();
    // The ACS token lives as long as the Entra token it came from (1 h).
    let lifetime = first.expires_on - emulator.now();
    assert!(lifetime > Duration::minutes(59) && lifetime <= Duration::hours(1));

    // 50 minutes on: still cached.
    emulator.advance_time(std::time::Duration::from_secs(50 * 60));
    assert_eq!(
        credential.get_token().await.unwrap().token.secret(),
        first.token.secret()
    );
    assert_eq!(emulator.request_count(Route::ExchangeEntraToken), 1);

    // 59 minutes on: within two minutes of expiry, so a new exchange, with a
    // new Entra token (the old one would have expired with it).
    emulator.advance_time(std::time::Duration::from_secs(9 * 60));
    let second = credential.get_token().await.unwrap();
    assert_ne!(second.token.secret(), first.token.secret());
    assert!(second.expires_on > first.expires_on);
    emulator.verify_acs_token(second.token.secret()).unwrap();
    assert_eq!(emulator.request_count(Route::ExchangeEntraToken), 2);
    assert_eq!(entra.calls(), 2);
    credential.dispose();
    drop(credential);
    match Arc::try_unwrap(emulator) {
        Ok(emulator) => emulator.shutdown().await,
        Err(_) => panic!("emulator still shared"),
    }
}
