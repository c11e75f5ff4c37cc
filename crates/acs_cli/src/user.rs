//! `acs user ...`: users and their tokens through the identity client.

use crate::connection::CONNECTION_STRING_ENV;
use crate::error::{CliError, CliResult};
use crate::input::{read_stdin, strip_line_ending};
use crate::output::print_json;
use crate::runtime::block_on;
use crate::times::LocalZone;
use azure_communication_common::{
    CommunicationCredential, CommunicationIdentifier, CommunicationUserIdentifier,
};
use azure_communication_identity::{
    CommunicationIdentityClient, CommunicationServiceError, CommunicationTokenScope,
    MAX_TOKEN_EXPIRES_IN, MIN_TOKEN_EXPIRES_IN,
};
use azure_core::credentials::AccessToken;
use serde_json::{json, Value};
use std::time::Duration;

/// How to authenticate with the resource.
pub struct Auth<'a> {
    /// `--connection-string` or `ACS_CONNECTION_STRING`.
    pub connection_string: Option<&'a str>,
    /// `--entra`: Microsoft Entra ID through the developer tools.
    pub entra: bool,
    /// `--endpoint`, with `--entra`.
    pub endpoint: Option<&'a str>,
}

/// What to issue a token with.
pub struct TokenSpec<'a> {
    /// `--scopes chat,voip`.
    pub scopes: &'a [String],
    /// `--expires-in`.
    pub expires_in: Option<Duration>,
    /// `--show-token`.
    pub show_token: bool,
}

/// What a `user` command does.
pub enum Operation<'a> {
    /// Create a user, with a token when asked.
    Create(Option<TokenSpec<'a>>),
    /// Issue a token to a user.
    Token(&'a str, TokenSpec<'a>),
    /// Revoke a user's tokens.
    Revoke(&'a str),
    /// Delete a user.
    Delete(&'a str),
}

/// Runs a `user` command.
pub fn run(
    operation: Operation<'_>,
    auth: Auth<'_>,
    json_output: bool,
    zone: LocalZone,
) -> CliResult {
    // Check every argument before signing in or sending anything.
    let (user, spec) = match &operation {
        Operation::Create(spec) => (None, spec.as_ref()),
        Operation::Token(id, spec) => (Some(user_id(id)?), Some(spec)),
        Operation::Revoke(id) | Operation::Delete(id) => (Some(user_id(id)?), None),
    };
    let scopes = spec.map(|s| scopes(s.scopes)).transpose()?;
    if let Some(expires_in) = spec.and_then(|s| s.expires_in) {
        check_expires_in(expires_in)?;
    }
    let client = client(&auth)?;
    let expires_in = spec.and_then(|s| s.expires_in);
    let show_token = spec.is_some_and(|s| s.show_token);
    let report = block_on(async {
        match &operation {
            Operation::Create(None) => {
                let user = client.create_user(None).await?;
                Ok(json!({"user": user.id()}))
            }
            Operation::Create(Some(_)) => {
                let scopes = scopes.as_deref().unwrap_or_default();
                let created = client
                    .create_user_and_token(scopes, expires_in, None)
                    .await?;
                Ok(json!({
                    "user": created.user.id(),
                    "accessToken": token_json(&created.access_token, scopes, show_token, zone),
                }))
            }
            Operation::Token(..) => {
                let user = user.as_ref().expect("checked above");
                let scopes = scopes.as_deref().unwrap_or_default();
                let token = client.get_token(user, scopes, expires_in, None).await?;
                Ok(json!({
                    "user": user.id(),
                    "accessToken": token_json(&token, scopes, show_token, zone),
                }))
            }
            Operation::Revoke(_) => {
                let user = user.as_ref().expect("checked above");
                client.revoke_tokens(user, None).await?;
                Ok(json!({"user": user.id(), "revoked": true}))
            }
            Operation::Delete(_) => {
                let user = user.as_ref().expect("checked above");
                client.delete_user(user, None).await?;
                Ok(json!({"user": user.id(), "deleted": true}))
            }
        }
    })?
    .map_err(|e: azure_core::Error| service_failure(&e))?;
    if json_output {
        print_json(&report);
    } else {
        print_text(&report, zone);
    }
    Ok(())
}

/// The user id argument (`-`: the first line of standard input), which must
/// be an ACS user's raw id as the library parses it.
fn user_id(arg: &str) -> CliResult<CommunicationUserIdentifier> {
    let text;
    let id = if arg == "-" {
        text = read_stdin("the user id")?;
        strip_line_ending(&text).to_owned()
    } else {
        arg.to_owned()
    };
    match CommunicationIdentifier::from_raw_id(&id) {
        CommunicationIdentifier::CommunicationUser(user) => Ok(user),
        other => Err(CliError::usage(format!(
            "ID '{id}' is a {} identifier, not an ACS user id (8:acs:...)",
            other.kind().as_str()
        ))),
    }
}

fn scopes(names: &[String]) -> CliResult<Vec<CommunicationTokenScope>> {
    let scopes: Vec<CommunicationTokenScope> = names
        .iter()
        .flat_map(|list| list.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(CommunicationTokenScope::from)
        .collect();
    if scopes.is_empty() {
        return Err(CliError::usage(
            "--scopes needs at least one scope, e.g. chat or chat,voip",
        ));
    }
    Ok(scopes)
}

/// The service's limits, from the identity client's constants.
fn check_expires_in(expires_in: Duration) -> CliResult {
    let minutes = |d: Duration| d.as_secs() / 60;
    if !(MIN_TOKEN_EXPIRES_IN..=MAX_TOKEN_EXPIRES_IN).contains(&expires_in)
        || !expires_in.as_secs().is_multiple_of(60)
    {
        return Err(CliError::usage(format!(
            "--expires-in must be whole minutes from {}m to {}m (1h to 24h)",
            minutes(MIN_TOKEN_EXPIRES_IN),
            minutes(MAX_TOKEN_EXPIRES_IN)
        )));
    }
    Ok(())
}

fn client(auth: &Auth<'_>) -> CliResult<CommunicationIdentityClient> {
    if auth.entra {
        let endpoint = auth.endpoint.ok_or_else(|| {
            CliError::usage("--entra needs --endpoint https://<resource>.communication.azure.com/")
        })?;
        let credential = azure_identity::DeveloperToolsCredential::new(None).map_err(|e| {
            CliError::operation(format!("cannot use the developer tools' sign-in: {e}"))
        })?;
        return CommunicationIdentityClient::new(
            endpoint,
            CommunicationCredential::Token(credential),
            None,
        )
        .map_err(|e| CliError::usage(format!("--endpoint: {e}")));
    }
    let connection_string = auth
        .connection_string
        .filter(|cs| !cs.trim().is_empty())
        .ok_or_else(|| {
            CliError::usage(format!(
                "no credentials: set {CONNECTION_STRING_ENV} (keeps the key out of shell history), pass --connection-string, or sign in with --entra --endpoint URL"
            ))
        })?;
    CommunicationIdentityClient::from_connection_string(connection_string, None)
        .map_err(|e| CliError::usage(format!("the connection string is not usable: {e}")))
}

fn token_json(
    token: &AccessToken,
    scopes: &[CommunicationTokenScope],
    show_token: bool,
    zone: LocalZone,
) -> Value {
    let mut value = json!({
        "expiresOn": zone.json(token.expires_on),
        "scopes": scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
    });
    if show_token {
        value["token"] = json!(token.token.secret());
    }
    value
}

fn print_text(report: &Value, zone: LocalZone) {
    let user = report["user"].as_str().unwrap_or_default();
    if report["revoked"] == json!(true) {
        println!("revoked every token of {user}");
        return;
    }
    if report["deleted"] == json!(true) {
        println!("deleted {user}");
        return;
    }
    println!("user:        {user}");
    let token = &report["accessToken"];
    if token.is_null() {
        return;
    }
    let scopes: Vec<&str> = token["scopes"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    println!("scopes:      {}", scopes.join(","));
    if let Some(expires_on) = token["expiresOn"]["unix"]
        .as_i64()
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
    {
        println!("expires at:  {}", zone.text(expires_on));
    }
    match token["token"].as_str() {
        Some(secret) => println!("token:       {secret}"),
        None => println!("token:       (not shown; pass --show-token to print it)"),
    }
}

/// A failed operation: the service's error with its code, or why nothing
/// was answered.
fn service_failure(error: &azure_core::Error) -> CliError {
    match error.downcast_ref::<CommunicationServiceError>() {
        Some(service) => CliError::operation(format!(
            "the service answered {} {}: {}",
            u16::from(service.status()),
            service.status().canonical_reason(),
            service.message()
        ))
        .with_code(service.code().map(str::to_owned)),
        None => CliError::operation(error_chain(error)),
    }
}

/// The error and its sources, each once: azure_core wraps the reason (for
/// example why the developer tools could not sign in) as the source.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        let inner_text = inner.to_string();
        if !text.contains(&inner_text) {
            text.push_str(": ");
            text.push_str(&inner_text);
        }
        source = inner.source();
    }
    text
}
