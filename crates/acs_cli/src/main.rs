//! `acs`: a command-line tool for the questions people ask about Azure
//! Communication Services tokens, identifiers and signatures, answered by
//! the azure_communication_common library itself.
//!
//! Exit codes: 0 success, 1 the operation failed, 2 usage error. Errors go
//! to stderr as one line, `acs: {message}`, with ` (error code: X)` when a
//! service gave one.
#![forbid(unsafe_code)]

mod cli;
mod connection;
mod duration;
mod emulator;
mod error;
mod id;
mod input;
mod jwt;
mod output;
mod runtime;
mod send;
mod sign;
mod times;
mod token;
mod user;

use clap::Parser as _;
use cli::{AuthArgs, Cli, Command, IdCommand, TokenCommand, TokenSpecArgs, UserCommand};
use error::CliResult;
use std::process::ExitCode;
use times::LocalZone;

fn main() -> ExitCode {
    // Read the time zone while this is the only thread.
    let zone = LocalZone::detect();
    // clap prints help (exit 0) and usage errors (exit 2) itself.
    let cli = Cli::parse();
    match run(cli, zone) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("acs: {error}");
            error.exit_code()
        }
    }
}

fn run(cli: Cli, zone: LocalZone) -> CliResult {
    match cli.command {
        Command::Token(TokenCommand::Inspect(args)) => token::inspect(
            token::Inspect {
                token: args.token.as_deref(),
                show_token: args.show_token,
                at: args.at,
                json: args.json,
            },
            zone,
        ),
        Command::Id(IdCommand::Parse(args)) => id::parse(&args.raw_ids, args.json),
        Command::Id(IdCommand::Model(args)) => id::model(args.model.as_deref(), args.json),
        Command::Sign(args) => sign::sign(sign::Sign {
            method: &args.method,
            url: &args.url,
            data: args.data.as_deref(),
            headers: &args.headers,
            connection_string: args.connection_string.as_deref(),
            date: args.date,
            curl: args.curl,
            send: args.send,
            explain: args.explain,
            json: args.json,
        }),
        Command::User(command) => run_user(command, zone),
        Command::Emulator(args) => emulator::run(emulator::Run {
            listen: args.listen,
            access_key: args.access_key,
            token_lifetime: args.token_lifetime,
            allow_short_token_lifetimes: args.allow_short_token_lifetimes,
            allow_non_loopback: args.allow_non_loopback,
            tls: args.tls,
            json: args.json,
        }),
    }
}

fn run_user(command: UserCommand, zone: LocalZone) -> CliResult {
    fn auth(args: &AuthArgs) -> user::Auth<'_> {
        user::Auth {
            connection_string: args.connection_string.as_deref(),
            entra: args.entra,
            endpoint: args.endpoint.as_deref(),
        }
    }
    fn spec(args: &TokenSpecArgs) -> user::TokenSpec<'_> {
        user::TokenSpec {
            scopes: &args.scopes,
            expires_in: args.expires_in,
            show_token: args.show_token,
        }
    }
    let (operation, auth_args) = match &command {
        UserCommand::Create(args)
            if !args.token
                && (args.spec.show_token
                    || args.spec.expires_in.is_some()
                    || args.spec.scopes != ["chat"]) =>
        {
            return Err(error::CliError::usage(
                "--scopes, --expires-in and --show-token describe the token: add --token",
            ));
        }
        UserCommand::Create(args) => (
            user::Operation::Create(args.token.then(|| spec(&args.spec))),
            &args.auth,
        ),
        UserCommand::Token(args) => (
            user::Operation::Token(&args.id, spec(&args.spec)),
            &args.auth,
        ),
        UserCommand::Revoke(args) => (user::Operation::Revoke(&args.id), &args.auth),
        UserCommand::Delete(args) => (user::Operation::Delete(&args.id), &args.auth),
    };
    user::run(operation, auth(auth_args), auth_args.json, zone)
}
