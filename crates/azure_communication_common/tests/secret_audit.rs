//! Secret audit (issue 14): everything `tracing` writes at TRACE level, and
//! the `Display` and `Debug` of every error and public value made, while
//! every public entry point that handles an access key or a token runs —
//! on success, failure and timeout — is searched for the access key (its
//! standard and URL-safe base64 forms, its decoded bytes as hex and as
//! text, its halves), for every ACS token and every Entra ID token met
//! (whole, and their signature segments).
//!
//! Driven: `AccessKeySigner` (new, sign, verify, bad keys);
//! `AccessKeyCredential` (new, update with a bad key);
//! `CommunicationAccessKeyCredentialPolicy` and `communication_auth_policy`
//! in a real azure_core pipeline against the emulator (accepted, refused
//! with a wrong key, a 503); `ConnectionString` and `parse_client_arguments`
//! with bad input; the refresher credential (success, refresher failure,
//! expired result, timeout, dispose, a bad initial token, `from_token` with
//! malformed tokens, `parse_token`); `CommunicationTokenCredentialPolicy`
//! against the emulator's Chat route (accepted, a revoked token's 401 and
//! its retry, `invalidate`, a deleted user, a refused `http://` URL); the
//! Entra credential (success, an
//! expired Entra token refused, a 500, a timeout); the identity client
//! (every operation, and its errors).
//!
//! Alone in its binary: it installs the process-wide subscriber, so the
//! tasks of the multi-threaded runtime are captured too.

mod log_capture;

use acs_emulator::{Emulator, EmulatorOptions, EntraTokenSpec, FaultRule, Route};
use azure_communication_common::{
    communication_auth_policy, parse_client_arguments, parse_token, AccessKeyCredential,
    AccessKeySigner, AzureCommunicationTokenCredential, CommunicationAccessKeyCredentialPolicy,
    CommunicationCredential, CommunicationTokenCredentialPolicy, CommunicationTokenRefreshOptions,
    CommunicationUserIdentifier, ConnectionString, EntraCommunicationTokenCredentialOptions,
};
use azure_communication_identity::{
    CommunicationIdentityClient, CommunicationIdentityClientOptions, CommunicationTokenScope,
};
use azure_core::{
    credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions},
    http::{
        policies::Policy, ClientOptions, Context, Method, Pipeline, PipelineSendOptions, Request,
        RetryOptions, Url,
    },
    time::{Duration, OffsetDateTime},
};
use log_capture::Capture;
use std::{
    fmt,
    sync::{Arc, Mutex},
};

/// The resource's access key: its bytes are text (so the decoded-as-text
/// search means something) and its base64 holds `+` and `/` (so its
/// URL-safe form differs).
const KEY_TEXT: &str = "audit>>key??for~~the emulator>>only??";

fn access_key() -> String {
    azure_core::base64::encode(KEY_TEXT.as_bytes())
}

/// Every text made, labelled, and every secret met.
#[derive(Default)]
struct Audit {
    texts: Vec<(String, String)>,
    secrets: Arc<Mutex<Vec<(String, String)>>>,
}

impl Audit {
    fn debug(&mut self, label: &str, value: &impl fmt::Debug) {
        self.texts
            .push((format!("{label} (Debug)"), format!("{value:?}")));
        self.texts
            .push((format!("{label} (Debug, pretty)"), format!("{value:#?}")));
    }

    fn display(&mut self, label: &str, value: &(impl fmt::Display + ?Sized)) {
        self.texts
            .push((format!("{label} (Display)"), value.to_string()));
    }

    /// An error: Display, Debug and every source's Display.
    fn error(&mut self, label: &str, error: &azure_core::Error) {
        self.display(label, error);
        self.debug(label, error);
        let mut source = std::error::Error::source(error);
        let mut depth = 0;
        while let Some(s) = source {
            depth += 1;
            self.display(&format!("{label} source {depth}"), s);
            source = s.source();
        }
    }

    fn result<T: fmt::Debug>(&mut self, label: &str, result: &azure_core::Result<T>) {
        match result {
            Ok(value) => self.debug(label, value),
            Err(error) => self.error(label, error),
        }
    }

    fn secret(&self, what: &str, value: &str) {
        self.secrets
            .lock()
            .unwrap()
            .push((what.to_owned(), value.to_owned()));
    }

    /// A token (ACS or Entra): whole and its signature segment.
    fn token(&self, what: &str, token: &str) {
        self.secret(what, token);
        if let Some(signature) = token.split('.').nth(2).filter(|s| s.len() >= 16) {
            self.secret(&format!("{what} signature"), signature);
        }
    }

    /// Every form of an access key.
    fn key(&self, what: &str, key: &str) {
        let bytes = azure_core::base64::decode(key).expect("a base64 key");
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        self.secret(what, key);
        self.secret(&format!("{what} (first half)"), &key[..key.len() / 2]);
        self.secret(&format!("{what} (second half)"), &key[key.len() / 2..]);
        self.secret(
            &format!("{what} (URL-safe)"),
            &azure_core::base64::encode_url_safe(&bytes),
        );
        self.secret(
            &format!("{what} (URL-safe, unpadded)"),
            azure_core::base64::encode_url_safe(&bytes).trim_end_matches('='),
        );
        self.secret(&format!("{what} (hex)"), &hex);
        self.secret(&format!("{what} (HEX)"), &hex.to_uppercase());
        self.secret(
            &format!("{what} (as text)"),
            &String::from_utf8_lossy(&bytes),
        );
    }

    /// Every text and the log, searched for every secret.
    fn leaks(&self, log: &str) -> Vec<String> {
        let secrets = self.secrets.lock().unwrap();
        let mut found = Vec::new();
        let log = ("the TRACE log".to_owned(), log.to_owned());
        for (label, text) in self.texts.iter().chain(std::iter::once(&log)) {
            for (what, secret) in secrets.iter() {
                if text.contains(secret.as_str()) {
                    found.push(format!("{label} shows {what}: {text}"));
                }
            }
        }
        found
    }
}

/// The emulator's Entra test issuer, noting every token it hands out.
#[derive(Debug)]
struct NotedEntra {
    inner: Arc<dyn TokenCredential>,
    secrets: Arc<Mutex<Vec<(String, String)>>>,
}

#[async_trait::async_trait]
impl TokenCredential for NotedEntra {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let token = self.inner.get_token(scopes, options).await?;
        let mut secrets = self.secrets.lock().unwrap();
        let secret = token.token.secret();
        secrets.push(("an Entra token".into(), secret.to_owned()));
        if let Some(signature) = secret.split('.').nth(2) {
            secrets.push(("an Entra token's signature".into(), signature.to_owned()));
        }
        Ok(token)
    }
}

fn no_retry() -> ClientOptions {
    ClientOptions {
        retry: RetryOptions::none(),
        ..Default::default()
    }
}

fn identity_client(connection_string: &str) -> CommunicationIdentityClient {
    CommunicationIdentityClient::from_connection_string(
        connection_string,
        Some(CommunicationIdentityClientOptions {
            client_options: no_retry(),
            ..Default::default()
        }),
    )
    .expect("a valid connection string")
}

/// A create-user request through a pipeline with `policy`.
async fn create_user_through(
    emulator: &Emulator,
    policy: Arc<dyn Policy>,
) -> azure_core::Result<u16> {
    let pipeline = Pipeline::new(None, None, no_retry(), Vec::new(), vec![policy], None);
    let url = emulator
        .endpoint()
        .join("/identities?api-version=2023-10-01")?;
    let mut request = Request::new(url, Method::Post);
    request.insert_header("content-type", "application/json");
    request.set_body("{}");
    let response = pipeline.send(&Context::new(), &mut request, None).await?;
    Ok(u16::from(response.status()))
}

async fn signer_and_keys(audit: &mut Audit, key: &str) {
    let signer = AccessKeySigner::new(key.to_owned()).unwrap();
    audit.debug("signer", &signer);
    let url =
        Url::parse("https://contoso.communication.azure.com/identities?api-version=1").unwrap();
    let signed = signer.sign("POST", &url, b"{}", OffsetDateTime::now_utc());
    audit.result("signed headers", &signed);
    let signed = signed.unwrap();
    let verified = signer.verify(
        "POST",
        "/identities?api-version=1",
        &signed.host,
        &signed.x_ms_date,
        &signed.x_ms_content_sha256,
        "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=AAAA",
    );
    audit.result("verify (wrong signature)", &verified);
    audit.result(
        "sign (bad method)",
        &signer.sign("GE T", &url, b"", OffsetDateTime::now_utc()),
    );
    let hostless = Url::parse(&format!("unix:/{key}")).unwrap();
    audit.result(
        "sign (hostless URL)",
        &signer.sign("GET", &hostless, b"", OffsetDateTime::now_utc()),
    );
    let url_safe = azure_core::base64::encode_url_safe(KEY_TEXT.as_bytes());
    for (label, bad) in [
        ("URL-safe key", url_safe.clone()),
        ("truncated key", key[..key.len() - 3].to_owned()),
        ("key with a newline", format!("{key}\n")),
        ("key in quotes", format!("\"{key}\"")),
        ("key with a space", format!("{} {}", &key[..10], &key[10..])),
        (
            "key with a bad character",
            format!("{}%{}", &key[..10], &key[11..]),
        ),
    ] {
        audit.result(
            &format!("AccessKeySigner::new({label})"),
            &AccessKeySigner::new(bad.clone()),
        );
        audit.result(
            &format!("CommunicationAccessKeyCredentialPolicy::from_access_key({label})"),
            &CommunicationAccessKeyCredentialPolicy::from_access_key(bad.clone()),
        );
        audit.result(
            &format!("CommunicationCredential::from_access_key({label})"),
            &CommunicationCredential::from_access_key(bad.clone()),
        );
        let credential = AccessKeyCredential::new(key.to_owned()).unwrap();
        audit.result(
            &format!("AccessKeyCredential::update({label})"),
            &credential.update(bad.clone()),
        );
        audit.debug("AccessKeyCredential", &credential);
        let endpoint = "https://contoso.communication.azure.com/";
        for cs in [
            format!("endpoint={endpoint};accesskey={bad}"),
            format!("accesskey={bad}"),
            format!("endpoint={endpoint};accesskey={key};accesskey={bad}"),
            format!("endpoint=contoso;accesskey={key}"),
            format!("endpoint={endpoint}?k={key};accesskey={key}"),
            format!("endpoint={endpoint};accesskey={key};extra"),
        ] {
            audit.result(
                &format!("ConnectionString ({label})"),
                &cs.parse::<ConnectionString>(),
            );
            audit.result(
                &format!("parse_client_arguments ({label})"),
                &parse_client_arguments(&cs, None),
            );
            audit.result(
                &format!("parse_client_arguments with a credential ({label})"),
                &parse_client_arguments(
                    &cs,
                    Some(CommunicationCredential::from_access_key(key.to_owned()).unwrap()),
                ),
            );
            audit.result(
                &format!("CommunicationIdentityClient::from_connection_string ({label})"),
                &CommunicationIdentityClient::from_connection_string(&cs, None),
            );
        }
    }
    let good: azure_core::Result<ConnectionString> =
        format!("endpoint=https://contoso.communication.azure.com/;accesskey={key}").parse();
    audit.result("ConnectionString (valid)", &good);
    audit.debug(
        "ConnectionString access_key()",
        good.as_ref().unwrap().access_key(),
    );
}

async fn policies_through_a_pipeline(audit: &mut Audit, emulator: &Emulator, key: &str) {
    let policy = CommunicationAccessKeyCredentialPolicy::from_access_key(key.to_owned()).unwrap();
    audit.debug("CommunicationAccessKeyCredentialPolicy", &policy);
    audit.result(
        "policy: accepted",
        &create_user_through(emulator, Arc::new(policy.clone())).await,
    );
    emulator.inject_fault(FaultRule::status(503, 1).on(Route::CreateIdentity));
    audit.result(
        "policy: 503",
        &create_user_through(emulator, Arc::new(policy)).await,
    );
    let wrong = azure_core::base64::encode(b"a wrong key for this resource");
    audit.key("a wrong access key", &wrong);
    let chosen =
        communication_auth_policy(CommunicationCredential::from_access_key(wrong).unwrap());
    audit.debug("communication_auth_policy (access key)", &chosen);
    audit.result(
        "policy: wrong key refused",
        &create_user_through(emulator, chosen).await,
    );
    let chosen = communication_auth_policy(
        CommunicationCredential::from_access_key(key.to_owned()).unwrap(),
    );
    audit.result(
        "communication_auth_policy: accepted",
        &create_user_through(emulator, chosen).await,
    );
}

async fn identity_client_operations(
    audit: &mut Audit,
    emulator: &Emulator,
) -> CommunicationIdentityClient {
    let client = identity_client(&emulator.connection_string());
    audit.debug("CommunicationIdentityClient", &client);
    let created = client
        .create_user_and_token(&[CommunicationTokenScope::Chat], None, None)
        .await;
    if let Ok(created) = &created {
        audit.token("an ACS token", created.access_token.token.secret());
    }
    audit.result("create_user_and_token", &created);
    let user = client.create_user(None).await.unwrap();
    let token = client
        .get_token(&user, &[CommunicationTokenScope::VoIP], None, None)
        .await;
    if let Ok(token) = &token {
        audit.token("an ACS token", token.token.secret());
    }
    audit.result("get_token", &token);
    audit.result(
        "get_token (bad lifetime)",
        &client
            .get_token(
                &user,
                &[CommunicationTokenScope::Chat],
                Some(std::time::Duration::from_secs(5)),
                None,
            )
            .await,
    );
    emulator.inject_fault(FaultRule::throttle(std::time::Duration::from_secs(1), 1));
    audit.result(
        "get_token (429)",
        &client
            .get_token(&user, &[CommunicationTokenScope::Chat], None, None)
            .await,
    );
    audit.result("revoke_tokens", &client.revoke_tokens(&user, None).await);
    audit.result("delete_user", &client.delete_user(&user, None).await);
    audit.result(
        "get_token (deleted user)",
        &client
            .get_token(&user, &[CommunicationTokenScope::Chat], None, None)
            .await,
    );
    // A Teams user's Entra token, exchanged, and refused once expired.
    let teams_scopes = [
        "https://auth.msft.communication.azure.com/Teams.ManageCalls",
        "https://auth.msft.communication.azure.com/Teams.ManageChats",
    ];
    let entra = emulator.mint_entra_token(EntraTokenSpec::new(teams_scopes));
    audit.token("a Teams user's Entra token", &entra.token);
    let exchanged = client
        .get_token_for_teams_user(
            &Secret::new(entra.token.clone()),
            acs_emulator::DEFAULT_APP_ID,
            acs_emulator::DEFAULT_OBJECT_ID,
            None,
        )
        .await;
    if let Ok(token) = &exchanged {
        audit.token("an ACS token for a Teams user", token.token.secret());
    }
    audit.result("get_token_for_teams_user", &exchanged);
    let expired = emulator
        .mint_entra_token(EntraTokenSpec::new(teams_scopes).expires_in(std::time::Duration::ZERO));
    audit.token("an expired Entra token", &expired.token);
    audit.result(
        "get_token_for_teams_user (expired Entra token)",
        &client
            .get_token_for_teams_user(
                &Secret::new(expired.token.clone()),
                acs_emulator::DEFAULT_APP_ID,
                acs_emulator::DEFAULT_OBJECT_ID,
                None,
            )
            .await,
    );
    client
}

/// Refresher options issuing tokens for `user`, noting each token issued.
fn noting_refresher(
    client: &CommunicationIdentityClient,
    user: &CommunicationUserIdentifier,
    secrets: Arc<Mutex<Vec<(String, String)>>>,
) -> CommunicationTokenRefreshOptions {
    let (client, user) = (client.clone(), user.clone());
    CommunicationTokenRefreshOptions::new(move || {
        let (client, user, secrets) = (client.clone(), user.clone(), secrets.clone());
        async move {
            let token = client
                .get_token(&user, &[CommunicationTokenScope::Chat], None, None)
                .await?;
            let secret = token.token.secret().to_owned();
            let signature = secret.split('.').nth(2).unwrap_or_default().to_owned();
            let mut secrets = secrets.lock().unwrap();
            secrets.push(("a refreshed ACS token".into(), secret));
            secrets.push(("a refreshed ACS token's signature".into(), signature));
            Ok(token)
        }
    })
}

async fn refresher_credential(
    audit: &mut Audit,
    emulator: &Emulator,
    client: &CommunicationIdentityClient,
) {
    let user = client.create_user(None).await.unwrap();
    let initial = client
        .get_token(&user, &[CommunicationTokenScope::Chat], None, None)
        .await
        .unwrap();
    audit.token("an ACS token", initial.token.secret());
    let options = noting_refresher(client, &user, audit.secrets.clone())
        .refresh_proactively(true)
        .refresh_timeout(Duration::seconds(2))
        .with_initial_token(initial.token.secret().to_owned());
    audit.debug("CommunicationTokenRefreshOptions", &options);
    let credential = AzureCommunicationTokenCredential::with_refresher(options).unwrap();
    audit.debug("credential (initial token)", &credential);
    audit.result("get_token (initial)", &credential.get_token().await);
    audit.result(
        "TokenCredential::get_token",
        &TokenCredential::get_token(&credential, &["scope"], None).await,
    );
    audit.result("parse_token", &parse_token(initial.token.secret()));
    credential.dispose();
    audit.result("get_token (disposed)", &credential.get_token().await);
    audit.debug("credential (disposed)", &credential);

    // Failure: the identity client's 503, with no valid token cached.
    let failing = AzureCommunicationTokenCredential::with_refresher(noting_refresher(
        client,
        &user,
        audit.secrets.clone(),
    ))
    .unwrap();
    emulator.inject_fault(FaultRule::status(503, 1).on(Route::IssueAccessToken));
    audit.result("refresher failure (503)", &failing.get_token().await);
    audit.result(
        "refresher success after a failure",
        &failing.get_token().await,
    );
    audit.debug("credential (refreshed)", &failing);

    // An expired result, naming the real token.
    let expired_secret = initial.token.secret().to_owned();
    let expired = AzureCommunicationTokenCredential::with_refresher(
        CommunicationTokenRefreshOptions::new(move || {
            let token = expired_secret.clone();
            async move {
                Ok(AccessToken::new(
                    token,
                    OffsetDateTime::now_utc() - Duration::minutes(1),
                ))
            }
        }),
    )
    .unwrap();
    audit.result(
        "refresher returns an expired token",
        &expired.get_token().await,
    );

    // A timeout: the emulator answers later than the refresh timeout.
    let (c, u) = (client.clone(), user.clone());
    let slow = AzureCommunicationTokenCredential::with_refresher(
        CommunicationTokenRefreshOptions::new(move || {
            let (client, user) = (c.clone(), u.clone());
            async move {
                client
                    .get_token(&user, &[CommunicationTokenScope::Chat], None, None)
                    .await
            }
        })
        .refresh_timeout(Duration::milliseconds(300)),
    )
    .unwrap();
    emulator.set_latency(std::time::Duration::from_millis(900));
    audit.result("refresher timeout", &slow.get_token().await);
    emulator.set_latency(std::time::Duration::ZERO);

    // Malformed tokens built from a real one: no error repeats it.
    let real = initial.token.secret();
    for (label, bad) in [
        ("Bearer header", format!("Bearer {real}")),
        ("quoted", format!("\"{real}\"")),
        ("trailing newline", format!("{real}\n")),
        (
            "JSON response",
            format!("{{\"token\":\"{real}\",\"expiresOn\":\"2030-01-01T00:00:00Z\"}}"),
        ),
        ("URL-encoded", real.replace('.', "%2E")),
        ("two tokens", format!("{real},{real}")),
        ("bad padding", format!("{real}=x")),
    ] {
        audit.result(
            &format!("from_token ({label})"),
            &AzureCommunicationTokenCredential::from_token(&bad),
        );
        audit.result(&format!("parse_token ({label})"), &parse_token(&bad));
        let bad_initial = CommunicationTokenRefreshOptions::new(|| async { Ok("unused") })
            .with_initial_token(bad.clone());
        audit.debug(
            &format!("options with a bad initial token ({label})"),
            &bad_initial,
        );
        audit.result(
            &format!("with_refresher (bad initial token, {label})"),
            &AzureCommunicationTokenCredential::with_refresher(bad_initial),
        );
    }
    let static_credential = AzureCommunicationTokenCredential::from_token(real).unwrap();
    audit.debug("static credential", &static_credential);
    audit.result("static get_token", &static_credential.get_token().await);
}

/// `GET /chat/threads` through a pipeline with the user-token policy.
async fn chat_through(
    audit: &mut Audit,
    label: &str,
    emulator: &Emulator,
    pipeline: &Pipeline,
    url: Option<Url>,
) {
    let url = url.unwrap_or_else(|| {
        emulator
            .endpoint()
            .join("chat/threads?api-version=2024-03-07")
            .unwrap()
    });
    let mut request = Request::new(url, Method::Get);
    let unchecked = PipelineSendOptions {
        skip_checks: true,
        ..Default::default()
    };
    let result = pipeline
        .send(&Context::new(), &mut request, Some(unchecked))
        .await;
    audit.debug(&format!("{label}: request"), &request);
    match result {
        Ok(response) => {
            audit.debug(&format!("{label}: response headers"), response.headers());
            let status = response.status();
            let body = response.into_body();
            audit.display(&format!("{label}: status"), &status);
            audit.display(
                &format!("{label}: body"),
                &String::from_utf8_lossy(&body).into_owned(),
            );
        }
        Err(error) => audit.error(label, &error),
    }
}

async fn user_token_policy(
    audit: &mut Audit,
    emulator: &Emulator,
    client: &CommunicationIdentityClient,
) {
    let user = client.create_user(None).await.unwrap();
    let credential = AzureCommunicationTokenCredential::with_refresher(noting_refresher(
        client,
        &user,
        audit.secrets.clone(),
    ))
    .unwrap();
    let policy = CommunicationTokenCredentialPolicy::new(credential.clone());
    audit.debug("CommunicationTokenCredentialPolicy", &policy);
    let pipeline = Pipeline::new(
        None,
        None,
        no_retry(),
        Vec::new(),
        vec![Arc::new(policy)],
        None,
    );
    chat_through(audit, "chat (accepted)", emulator, &pipeline, None).await;
    // revoked: 401, invalidate, one retry with a fresh token
    client.revoke_tokens(&user, None).await.unwrap();
    chat_through(audit, "chat (revoked, retried)", emulator, &pipeline, None).await;
    let token = credential.get_token().await.unwrap();
    audit.display("invalidate", &credential.invalidate(token.token.secret()));
    audit.display(
        "invalidate again",
        &credential.invalidate(token.token.secret()),
    );
    // deleted user: 401 and a refresh that fails
    client.delete_user(&user, None).await.unwrap();
    chat_through(audit, "chat (deleted user)", emulator, &pipeline, None).await;
    // a token never goes over plain http to a remote host
    let remote = Url::parse("http://contoso.example/chat/threads?api-version=2024-03-07").ok();
    chat_through(audit, "chat (http refused)", emulator, &pipeline, remote).await;
    audit.debug("credential (after the policy)", &credential);
    credential.dispose();
}

async fn entra_credential(audit: &mut Audit, emulator: &Emulator) {
    let secrets = audit.secrets.clone();
    let noted = |spec: EntraTokenSpec| -> Arc<dyn TokenCredential> {
        Arc::new(NotedEntra {
            inner: emulator.entra_credential_with(spec),
            secrets: secrets.clone(),
        })
    };
    let options = EntraCommunicationTokenCredentialOptions::new(
        emulator.endpoint(),
        noted(EntraTokenSpec::default()),
    )
    .with_client_options(no_retry())
    .refresh_timeout(Duration::milliseconds(500));
    audit.debug("Entra options", &options);
    let credential = AzureCommunicationTokenCredential::with_entra(options.clone()).unwrap();
    let token = credential.get_token().await;
    if let Ok(token) = &token {
        audit.token("an ACS token from the Entra exchange", token.token.secret());
    }
    audit.result("Entra get_token", &token);
    audit.debug("Entra credential", &credential);

    // The Teams extension family too.
    let teams = AzureCommunicationTokenCredential::with_entra(
        EntraCommunicationTokenCredentialOptions::new(
            emulator.endpoint(),
            noted(EntraTokenSpec::default()),
        )
        .with_scopes(["https://auth.msft.communication.azure.com/Teams.ManageCalls"])
        .with_client_options(no_retry()),
    )
    .unwrap();
    let token = teams.get_token().await;
    if let Ok(token) = &token {
        audit.token(
            "an ACS token from the Teams extension exchange",
            token.token.secret(),
        );
    }
    audit.result("Teams extension get_token", &token);

    // Failure: an expired Entra token is refused (401); a 500.
    let refused = AzureCommunicationTokenCredential::with_entra(
        EntraCommunicationTokenCredentialOptions::new(
            emulator.endpoint(),
            noted(EntraTokenSpec::default().expires_in(std::time::Duration::ZERO)),
        )
        .with_client_options(no_retry()),
    )
    .unwrap();
    audit.result("Entra: expired Entra token", &refused.get_token().await);
    emulator.inject_fault(FaultRule::status(500, 1).on(Route::ExchangeEntraToken));
    let failing = AzureCommunicationTokenCredential::with_entra(options.clone()).unwrap();
    audit.result("Entra: 500", &failing.get_token().await);

    // Timeout.
    emulator.set_latency(std::time::Duration::from_millis(1500));
    let slow = AzureCommunicationTokenCredential::with_entra(options).unwrap();
    audit.result("Entra: timeout", &slow.get_token().await);
    emulator.set_latency(std::time::Duration::ZERO);

    // Bad construction input.
    for endpoint in [
        "not a url",
        "ftp://contoso/",
        "https://user:pw@contoso/?q=1",
    ] {
        audit.result(
            &format!("with_entra ({endpoint})"),
            &AzureCommunicationTokenCredential::with_entra(
                EntraCommunicationTokenCredentialOptions::new(
                    endpoint,
                    noted(EntraTokenSpec::default()),
                ),
            ),
        );
    }
    audit.result(
        "with_entra (bad scope)",
        &AzureCommunicationTokenCredential::with_entra(
            EntraCommunicationTokenCredentialOptions::new(
                emulator.endpoint(),
                noted(EntraTokenSpec::default()),
            )
            .with_scopes(["https://example.com/other"]),
        ),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_key_or_token_appears_in_logs_errors_or_values() {
    let capture = Capture::install_global();
    let key = access_key();
    let emulator = Emulator::start(EmulatorOptions::new().access_key(key.clone()))
        .await
        .expect("emulator");
    let mut audit = Audit::default();
    audit.key("the access key", &key);
    assert_ne!(
        key,
        azure_core::base64::encode_url_safe(KEY_TEXT.as_bytes()),
        "the key's URL-safe form must differ from it for the search to mean something"
    );

    signer_and_keys(&mut audit, &key).await;
    policies_through_a_pipeline(&mut audit, &emulator, &key).await;
    let client = identity_client_operations(&mut audit, &emulator).await;
    refresher_credential(&mut audit, &emulator, &client).await;
    user_token_policy(&mut audit, &emulator, &client).await;
    entra_credential(&mut audit, &emulator).await;
    emulator.shutdown().await;

    let log = capture.text();
    let secrets = audit.secrets.lock().unwrap().len();
    // The audit did meet what it searches for: tokens of each kind.
    for kind in [
        "the access key (URL-safe)",
        "an ACS token signature",
        "a refreshed ACS token",
        "an Entra token",
        "an Entra token's signature",
        "a Teams user's Entra token",
        "an ACS token from the Entra exchange",
        "an ACS token from the Teams extension exchange",
        "an ACS token for a Teams user",
    ] {
        assert!(
            audit
                .secrets
                .lock()
                .unwrap()
                .iter()
                .any(|(what, _)| what == kind),
            "the audit never met {kind}"
        );
    }
    assert!(
        log.contains("communication_token_refresh"),
        "the refresh spans are logged"
    );
    assert!(log.contains("TRACE") || log.contains("DEBUG"));
    let leaks = audit.leaks(&log);
    assert!(
        leaks.is_empty(),
        "{} leaks in {} texts and {} bytes of log:\n{}",
        leaks.len(),
        audit.texts.len(),
        log.len(),
        leaks.join("\n")
    );
    println!(
        "secret audit: {} texts and {} bytes of TRACE log searched for {secrets} secret forms",
        audit.texts.len(),
        log.len()
    );
}
