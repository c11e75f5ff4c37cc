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

use clap::Parser as _;
use cli::{Cli, Command, IdCommand, TokenCommand};
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
        Command::Emulator(args) => emulator::run(emulator::Run {
            listen: args.listen,
            access_key: args.access_key,
            token_lifetime: args.token_lifetime,
            allow_short_token_lifetimes: args.allow_short_token_lifetimes,
            allow_non_loopback: args.allow_non_loopback,
            json: args.json,
        }),
    }
}
