//! Quickstart: identifiers, a user token credential that refreshes itself
//! through the identity client, and access-key request signing — against the
//! local ACS emulator, or against your own Azure Communication Services
//! resource when `ACS_CONNECTION_STRING` is set.
//!
//! ```sh
//! cargo run --example quickstart
//! ACS_CONNECTION_STRING='endpoint=https://<resource>.communication.azure.com/;accesskey=<key>' \
//!     cargo run --example quickstart
//! ```

use acs_emulator::{Emulator, EmulatorOptions, TOKEN_LIFETIME_HEADER};
use azure_communication_common::{
    AzureCommunicationTokenCredential, CommunicationIdentifier, CommunicationIdentifierModel,
    CommunicationTokenCredentialPolicy, CommunicationTokenRefreshOptions, ConnectionString,
};
use azure_communication_identity::{
    CommunicationIdentityClient, CommunicationIdentityClientOptions, CommunicationTokenScope,
    DEFAULT_API_VERSION,
};
use azure_core::http::{
    policies::{Policy, PolicyResult},
    ClientOptions, Context, Method, Pipeline, PipelineSendOptions, Request, StatusCode, Url,
};
use azure_core::time::OffsetDateTime;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// On the emulator, tokens live this long, so a proactive refresh happens
/// after half of it (the token is already inside the 10-minute window).
const EMULATOR_TOKEN_SECONDS: u64 = 16;

/// Emulator only: a pipeline policy asking for tokens that live
/// [`EMULATOR_TOKEN_SECONDS`] (the service's own minimum is 60 minutes, too
/// long to watch a refresh; the real service ignores the header).
#[derive(Debug)]
struct EmulatorTokenLifetime(u64);

#[async_trait::async_trait]
impl Policy for EmulatorTokenLifetime {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        request.insert_header(TOKEN_LIFETIME_HEADER, self.0.to_string());
        next[0].send(ctx, request, &next[1..]).await
    }
}

/// `GET /chat/threads` (the Chat API's thread list) through `pipeline`: the
/// status the service answered.
async fn list_chat_threads(pipeline: &Pipeline, url: &Url) -> azure_core::Result<StatusCode> {
    let mut request = Request::new(url.clone(), Method::Get);
    let unchecked = PipelineSendOptions {
        skip_checks: true,
        ..Default::default()
    };
    let response = pipeline
        .send(&Context::new(), &mut request, Some(unchecked))
        .await?;
    Ok(response.status())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let started = Instant::now();
    let elapsed = move || format!("[{:>5.1}s]", started.elapsed().as_secs_f64());

    // 1. Where to talk to.
    let emulator = match std::env::var("ACS_CONNECTION_STRING") {
        Ok(cs) if !cs.trim().is_empty() => {
            println!("Using the ACS resource from ACS_CONNECTION_STRING.");
            None
        }
        _ => {
            let emulator = Emulator::start(EmulatorOptions::new()).await?;
            println!("ACS_CONNECTION_STRING is not set: started the local ACS emulator.");
            Some(emulator)
        }
    };
    let connection_string = match &emulator {
        Some(emulator) => emulator.connection_string(),
        None => std::env::var("ACS_CONNECTION_STRING")?,
    };
    let parsed: ConnectionString = connection_string.parse()?;
    println!("  endpoint: {}", parsed.endpoint());
    println!("  (the access key is never printed: {parsed:?})\n");

    let mut options = CommunicationIdentityClientOptions::default();
    if emulator.is_some() {
        options.client_options = ClientOptions {
            per_call_policies: vec![Arc::new(EmulatorTokenLifetime(EMULATOR_TOKEN_SECONDS))],
            ..Default::default()
        };
    }
    let client =
        CommunicationIdentityClient::from_connection_string(&connection_string, Some(options))?;

    // 2. Identifiers.
    println!("1. Communication identifiers");
    let user = client.create_user(None).await?;
    let identifier = CommunicationIdentifier::from(user.clone());
    println!("  created user      {identifier}");
    for raw_id in [
        identifier.raw_id(),
        "4:+14255550123",
        "8:orgid:45ab2481-1c1c-4005-be24-0ffb879b1130",
        "28:gcch:01234567-89ab-cdef-0123-456789abcdef",
    ] {
        let parsed = CommunicationIdentifier::from_raw_id(raw_id);
        let wire = serde_json::to_string(&CommunicationIdentifierModel::from(&parsed))?;
        println!("  {:<18} {wire}", parsed.kind().as_str());
    }
    println!();

    // 3. A credential that refreshes its token with a callback: one call of
    //    the identity client's get_token.
    println!("2. AzureCommunicationTokenCredential with a refresher and proactive refresh");
    let (refreshed, mut refreshes) = tokio::sync::mpsc::unbounded_channel();
    let refresher = {
        let client = client.clone();
        let user = user.clone();
        move || {
            let client = client.clone();
            let user = user.clone();
            let refreshed = refreshed.clone();
            async move {
                let scopes = [CommunicationTokenScope::Chat, CommunicationTokenScope::VoIP];
                let token = client.get_token(&user, &scopes, None, None).await?;
                let _ = refreshed.send(token.expires_on);
                Ok(token)
            }
        }
    };
    let credential = AzureCommunicationTokenCredential::with_refresher(
        CommunicationTokenRefreshOptions::new(refresher).refresh_proactively(true),
    )?;
    let token = credential.get_token().await?;
    refreshes.recv().await;
    println!(
        "  {} first get_token: the refresher issued a token expiring in {} s",
        elapsed(),
        (token.expires_on - OffsetDateTime::now_utc()).whole_seconds()
    );
    println!("  {} credential: {credential:?}", elapsed());

    if emulator.is_some() {
        println!("  waiting for the proactive refresh (about half the token's lifetime)...");
        match tokio::time::timeout(Duration::from_secs(60), refreshes.recv()).await {
            Ok(Some(expires_on)) => println!(
                "  {} proactive refresh: new token expires in {} s",
                elapsed(),
                (expires_on - OffsetDateTime::now_utc()).whole_seconds()
            ),
            _ => return Err("no proactive refresh within 60 s".into()),
        }
        let again = credential.get_token().await?;
        println!(
            "  {} get_token now returns the refreshed token (expires {})",
            elapsed(),
            again.expires_on
        );
    } else {
        println!("  (tokens from the service live at least an hour: the proactive refresh");
        println!("   would run 10 minutes before expiry; not waiting for it here)");
    }

    // Using the token: the user-token pipeline policy sends it as a bearer
    // token; after a revocation the service answers 401, and the policy
    // drops the token, gets a new one and sends the request again.
    println!("  using the token: GET /chat/threads through CommunicationTokenCredentialPolicy");
    let chat = Pipeline::new(
        Some("quickstart"),
        Some("0.1.0"),
        ClientOptions::default(),
        Vec::new(),
        vec![Arc::new(CommunicationTokenCredentialPolicy::new(
            credential.clone(),
        ))],
        None,
    );
    let threads = parsed
        .endpoint()
        .join("chat/threads?api-version=2024-03-07")?;
    let status = list_chat_threads(&chat, &threads).await?;
    println!(
        "  {} chat threads listed: HTTP {}",
        elapsed(),
        u16::from(status)
    );
    while refreshes.try_recv().is_ok() {}
    client.revoke_tokens(&user, None).await?;
    println!("  {} revoked the user's tokens", elapsed());
    let status = list_chat_threads(&chat, &threads).await?;
    let mut refreshed = 0;
    while refreshes.try_recv().is_ok() {
        refreshed += 1;
    }
    println!(
        "  {} chat threads listed again: HTTP {} ({refreshed} refresh after the service's 401)",
        elapsed(),
        u16::from(status)
    );
    credential.dispose();
    println!();

    // 4. Signing a request with the access key (the policy does this for
    //    every request the client above sent).
    println!("3. HMAC-SHA256 access-key signing");
    let url = parsed
        .endpoint()
        .join(&format!("identities?api-version={DEFAULT_API_VERSION}"))?;
    let signed = parsed
        .signer()
        .sign("POST", &url, b"{}", OffsetDateTime::now_utc())?;
    println!("  POST {url}");
    println!("  x-ms-date:           {}", signed.x_ms_date);
    println!("  x-ms-content-sha256: {}", signed.x_ms_content_sha256);
    println!("  host:                {}", signed.host);
    println!("  authorization:       {}", signed.authorization);

    client.delete_user(&user, None).await?;
    println!("\n{} deleted the user; done.", elapsed());
    if let Some(emulator) = emulator {
        emulator.shutdown().await;
    }
    Ok(())
}
