//! The command line, as clap reads it.

use crate::duration::parse_duration;
use crate::times::parse_instant;
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::time::Duration;
use time::OffsetDateTime;

/// Answers about Azure Communication Services tokens, identifiers and
/// access-key signatures, computed by the azure_communication_common library.
///
/// Exit codes: 0 success; 1 the operation failed (invalid or expired token,
/// rejected model, service error); 2 usage error.
#[derive(Debug, Parser)]
#[command(name = "acs", version, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// User access tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Communication identifiers.
    #[command(subcommand)]
    Id(IdCommand),
    /// Sign a request with an access key (HMAC-SHA256): print the headers,
    /// a curl command, the string to sign, or send it.
    Sign(SignArgs),
    /// Create users, issue and revoke their tokens, delete them, through the
    /// identity client.
    #[command(subcommand)]
    User(UserCommand),
    /// Run the local ACS emulator in the foreground, printing its connection
    /// string on stdout; stops on Ctrl-C or SIGTERM.
    Emulator(EmulatorArgs),
}

/// `acs user ...`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; with --token, also issue it a token.
    Create(CreateArgs),
    /// Issue a token to a user.
    Token(UserTokenArgs),
    /// Revoke every token issued to a user so far.
    Revoke(UserIdArgs),
    /// Delete a user (its tokens stop working).
    Delete(UserIdArgs),
}

/// How `acs user` authenticates.
#[derive(Debug, Args)]
pub struct AuthArgs {
    /// Connection string (endpoint=...;accesskey=...). Prefer the
    /// environment variable, which keeps the key out of shell history.
    #[arg(long, env = "ACS_CONNECTION_STRING", hide_env_values = true)]
    pub connection_string: Option<String>,
    /// Sign in with Microsoft Entra ID through the developer tools (Azure
    /// CLI `az login`, Azure Developer CLI `azd auth login`) instead of a
    /// connection string; needs --endpoint.
    #[arg(long, requires = "endpoint")]
    pub entra: bool,
    /// The resource's endpoint, https://<resource>.communication.azure.com/ (with --entra).
    #[arg(long, value_name = "URL", requires = "entra")]
    pub endpoint: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Scopes and lifetime of an issued token.
#[derive(Debug, Args)]
pub struct TokenSpecArgs {
    /// Token scopes, comma-separated or repeated: chat, voip, chat.join,
    /// chat.join.limited, voip.join.
    #[arg(long, value_name = "SCOPES", default_value = "chat", num_args = 1)]
    pub scopes: Vec<String>,
    /// Token lifetime, whole minutes from 60m to 24h (e.g. 60m, 2h)
    /// [default: the service's, 24h].
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub expires_in: Option<Duration>,
    /// Print the token itself (it is a secret).
    #[arg(long)]
    pub show_token: bool,
}

/// `acs user create`
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Also issue the new user a token (see --scopes, --expires-in, --show-token).
    #[arg(long)]
    pub token: bool,
    /// What the token is for.
    #[command(flatten)]
    pub spec: TokenSpecArgs,
    /// Authentication and output.
    #[command(flatten)]
    pub auth: AuthArgs,
}

/// `acs user token`
#[derive(Debug, Args)]
pub struct UserTokenArgs {
    /// The user's id (8:acs:...); `-` reads it from standard input.
    pub id: String,
    /// What the token is for.
    #[command(flatten)]
    pub spec: TokenSpecArgs,
    /// Authentication and output.
    #[command(flatten)]
    pub auth: AuthArgs,
}

/// `acs user revoke` / `acs user delete`
#[derive(Debug, Args)]
pub struct UserIdArgs {
    /// The user's id (8:acs:...); `-` reads it from standard input.
    pub id: String,
    /// Authentication and output.
    #[command(flatten)]
    pub auth: AuthArgs,
}

/// `acs token ...`
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Show what a token is (JWT or opaque), its header and claims, when it
    /// was issued and expires, and what is wrong with it. The token itself is
    /// not printed unless --show-token is given.
    Inspect(InspectArgs),
}

/// `acs token inspect`
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The token; `-` or nothing reads it from standard input (one trailing
    /// newline is ignored).
    pub token: Option<String>,
    /// Also print the token itself.
    #[arg(long)]
    pub show_token: bool,
    /// Judge expiry at this instant instead of now (RFC 3339, e.g.
    /// 2026-12-03T21:00:00Z, or an HTTP date).
    #[arg(long, value_parser = parse_instant, value_name = "TIME")]
    pub at: Option<OffsetDateTime>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `acs id ...`
#[derive(Debug, Subcommand)]
pub enum IdCommand {
    /// Parse raw ids (8:acs:..., 4:+1..., 8:orgid:..., 28:orgid:...): kind,
    /// fields, cloud, wire model and raw id.
    Parse(ParseArgs),
    /// Read identifiers from their REST wire model (JSON): kind, fields,
    /// cloud, normalised model and raw id, or why the model is rejected.
    Model(ModelArgs),
}

/// `acs id parse`
#[derive(Debug, Args)]
pub struct ParseArgs {
    /// Raw ids; none, or `-`, reads one per line from standard input.
    pub raw_ids: Vec<String>,
    /// Print a JSON array instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `acs id model`
#[derive(Debug, Args)]
pub struct ModelArgs {
    /// One or more JSON wire models (an array is a list of them); `-` or
    /// nothing reads them from standard input.
    #[arg(value_name = "JSON")]
    pub model: Option<String>,
    /// Print a JSON array instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `acs sign`
#[derive(Debug, Args)]
pub struct SignArgs {
    /// HTTP method, e.g. GET or POST.
    pub method: String,
    /// Absolute URL, or a path starting with / under the connection string's
    /// endpoint (e.g. '/identities?api-version=2023-10-01').
    pub url: String,
    /// Request body: text, @FILE for a file's exact bytes, @- for standard input.
    #[arg(long, short = 'd', value_name = "TEXT|@FILE")]
    pub data: Option<String>,
    /// Extra header 'NAME: VALUE' to send (not signed); repeatable. A body
    /// gets 'content-type: application/json' unless one is given.
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// Connection string (endpoint=...;accesskey=...). Prefer the
    /// environment variable, which keeps the key out of shell history.
    #[arg(long, env = "ACS_CONNECTION_STRING", hide_env_values = true)]
    pub connection_string: Option<String>,
    /// Sign as of this instant instead of now (RFC 3339 or an HTTP date), to
    /// compare with another implementation's output.
    #[arg(long, value_parser = parse_instant, value_name = "TIME")]
    pub date: Option<OffsetDateTime>,
    /// Print a ready curl command instead of the headers.
    #[arg(long, conflicts_with = "send")]
    pub curl: bool,
    /// Send the request through the library's pipeline and print the status,
    /// headers and body (exit code 1 when the status is not 2xx).
    #[arg(long)]
    pub send: bool,
    /// Print the string to sign and its pieces (never the key).
    #[arg(long)]
    pub explain: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `acs emulator`
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Address to listen on [default: 127.0.0.1:0, a free port].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Access key (standard base64) requests must be signed with [default: random].
    #[arg(
        long,
        value_name = "BASE64",
        env = "ACS_EMULATOR_ACCESS_KEY",
        hide_env_values = true
    )]
    pub access_key: Option<String>,
    /// Lifetime of tokens when a request names none, e.g. 90s, 15m, 1h [default: 24h].
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub token_lifetime: Option<Duration>,
    /// Accept expiresInMinutes from 1 (the service: 60).
    #[arg(long)]
    pub allow_short_token_lifetimes: bool,
    /// Allow --listen on a non-loopback address.
    #[arg(long)]
    pub allow_non_loopback: bool,
    /// Serve HTTPS with a certificate for localhost and 127.0.0.1 signed by
    /// a CA generated at start; the CA's PEM file path is printed on stderr
    /// as 'acs: CA certificate: PATH' (removed at exit).
    #[arg(long)]
    pub tls: bool,
    /// Print {"connectionString", "endpoint", "caCertificate"} instead of the
    /// bare connection string.
    #[arg(long)]
    pub json: bool,
}
