//! `acs-emulator`: runs the ACS emulator until Ctrl-C or SIGTERM.
//!
//! ```text
//! acs-emulator [--listen 127.0.0.1:0] [--access-key BASE64] [--token-lifetime DURATION]
//!              [--allow-short-token-lifetimes] [--allow-non-loopback] [--tls]
//! ```
//!
//! When ready it prints exactly one line on stdout, its connection string
//! `endpoint=http://127.0.0.1:PORT/;accesskey=...`, and logs to stderr. With
//! `--tls` it serves HTTPS (`endpoint=https://...`) and first writes its CA
//! certificate to a PEM file whose path it prints on stderr as
//! `acs-emulator: CA certificate: PATH` (the file is removed at exit). It logs to stderr
//! (`RUST_LOG` filters, default `info`). It exits 0 after a clean stop, 1 when
//! it cannot start and 2 on a usage error.
#![forbid(unsafe_code)]

use acs_emulator::{Emulator, EmulatorOptions};
use std::io::{IsTerminal as _, Write as _};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "\
Usage: acs-emulator [OPTIONS]

Runs a local Azure Communication Services emulator on loopback. Prints its
connection string (endpoint=http://127.0.0.1:PORT/;accesskey=...) as the only
line on stdout when ready; logs go to stderr (RUST_LOG filters, default info).
Stops on Ctrl-C or SIGTERM.

Options:
  --listen ADDR                  address to listen on [default: 127.0.0.1:0]
  --access-key BASE64            access key requests are signed with [default: random]
  --token-lifetime DURATION      lifetime of tokens when a request names none,
                                 e.g. 90s, 15m, 1h, 1d [default: 24h]
  --allow-short-token-lifetimes  accept expiresInMinutes from 1 (the service: 60)
  --allow-non-loopback           allow ADDR to be a non-loopback address
  --tls                          serve HTTPS with a certificate for localhost and
                                 127.0.0.1 signed by a CA generated at start; the
                                 CA's PEM file path is printed on stderr as
                                 'acs-emulator: CA certificate: PATH'
  -h, --help                     print this help
  -V, --version                  print the version";

/// What the command line asked for.
#[derive(Debug, PartialEq)]
enum Command {
    Run(Args),
    Help,
    Version,
}

/// The settings of a run.
#[derive(Debug, PartialEq)]
struct Args {
    listen: Option<SocketAddr>,
    access_key: Option<String>,
    token_lifetime: Option<Duration>,
    allow_short_token_lifetimes: bool,
    allow_non_loopback: bool,
    tls: bool,
}

impl Args {
    fn options(self) -> EmulatorOptions {
        let mut options = EmulatorOptions::new()
            .allow_short_token_lifetimes(self.allow_short_token_lifetimes)
            .allow_non_loopback(self.allow_non_loopback)
            .tls(self.tls);
        if let Some(listen) = self.listen {
            options = options.listen(listen);
        }
        if let Some(key) = self.access_key {
            options = options.access_key(key);
        }
        if let Some(lifetime) = self.token_lifetime {
            options = options.token_lifetime(lifetime);
        }
        options
    }
}

/// Parses the arguments after the program name. Options take their value as
/// the next argument or after `=` (`--listen=127.0.0.1:8080`).
fn parse_args<I>(args: I) -> Result<Command, String>
where
    I: IntoIterator<Item = String>,
{
    let mut parsed = Args {
        listen: None,
        access_key: None,
        token_lifetime: None,
        allow_short_token_lifetimes: false,
        allow_non_loopback: false,
        tls: false,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                (name.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = |what: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value ({what})"))
        };
        match name.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--listen" => {
                let text = value("an address such as 127.0.0.1:0")?;
                let addr = text.parse().map_err(|_| {
                    format!("--listen: '{text}' is not an address such as 127.0.0.1:0")
                })?;
                parsed.listen = Some(addr);
            }
            "--access-key" => parsed.access_key = Some(value("a base64 key")?),
            "--token-lifetime" => {
                let text = value("a duration such as 90s, 15m or 1h")?;
                parsed.token_lifetime = Some(parse_duration(&text)?);
            }
            "--allow-short-token-lifetimes" if inline.is_none() => {
                parsed.allow_short_token_lifetimes = true;
            }
            "--allow-non-loopback" if inline.is_none() => parsed.allow_non_loopback = true,
            "--tls" if inline.is_none() => parsed.tls = true,
            _ => return Err(format!("unknown argument '{arg}'")),
        }
    }
    Ok(Command::Run(parsed))
}

/// Parses a duration: a positive whole number followed by `ms`, `s`, `m`,
/// `h` or `d` (`90s`, `15m`, `1h`).
fn parse_duration(text: &str) -> Result<Duration, String> {
    let error = || {
        format!("'{text}' is not a duration: use a positive whole number and a unit, e.g. 90s, 15m, 1h (units ms, s, m, h, d)")
    };
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    let number: u64 = number.parse().map_err(|_| error())?;
    let seconds_per_unit = match unit {
        "ms" => return positive(Duration::from_millis(number)).ok_or_else(error),
        "s" => 1,
        "m" => 60,
        "h" => 60 * 60,
        "d" => 24 * 60 * 60,
        _ => return Err(error()),
    };
    number
        .checked_mul(seconds_per_unit)
        .map(Duration::from_secs)
        .and_then(positive)
        .ok_or_else(error)
}

fn positive(duration: Duration) -> Option<Duration> {
    (!duration.is_zero()).then_some(duration)
}

fn main() -> ExitCode {
    let command = match parse_args(std::env::args().skip(1)) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("acs-emulator: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let args = match command {
        Command::Help => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Command::Version => {
            println!("acs-emulator {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Command::Run(args) => args,
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("acs-emulator: cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(args))
}

async fn run(args: Args) -> ExitCode {
    let emulator = match Emulator::start(args.options()).await {
        Ok(emulator) => emulator,
        Err(e) => {
            eprintln!("acs-emulator: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let ca_file = match emulator.ca_certificate_pem() {
        Some(pem) => match write_ca_file(pem) {
            Ok(path) => {
                eprintln!("acs-emulator: CA certificate: {}", path.display());
                Some(path)
            }
            Err(e) => {
                eprintln!("acs-emulator: cannot write the CA certificate file: {e}");
                emulator.shutdown().await;
                return ExitCode::FAILURE;
            }
        },
        None => None,
    };
    let code = serve_until_stopped(emulator).await;
    if let Some(path) = ca_file {
        let _ = std::fs::remove_file(path);
    }
    code
}

/// Writes the CA certificate to `acs-emulator-{pid}-ca.pem` in the temporary
/// directory.
fn write_ca_file(pem: &str) -> std::io::Result<std::path::PathBuf> {
    let path = std::env::temp_dir().join(format!("acs-emulator-{}-ca.pem", std::process::id()));
    std::fs::write(&path, pem)?;
    Ok(path)
}

/// Prints the connection string and serves until Ctrl-C or SIGTERM.
async fn serve_until_stopped(emulator: Emulator) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{}", emulator.connection_string())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        eprintln!("acs-emulator: cannot write the connection string to stdout");
        emulator.shutdown().await;
        return ExitCode::FAILURE;
    }
    drop(stdout);
    match stop_signal().await {
        Ok(signal) => tracing::info!(signal, "stopping"),
        Err(e) => tracing::warn!(error = %e, "cannot wait for signals; stopping"),
    }
    emulator.shutdown().await;
    ExitCode::SUCCESS
}

/// Waits for Ctrl-C (SIGINT) or, on Unix, SIGTERM; returns which.
async fn stop_signal() -> std::io::Result<&'static str> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut terminate = signal(SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.map(|()| "SIGINT"),
            _ = terminate.recv() => Ok("SIGTERM"),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.map(|()| "Ctrl-C")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(|s| (*s).to_owned()))
    }

    fn run_args(args: &[&str]) -> Args {
        match parse(args) {
            Ok(Command::Run(args)) => args,
            other => panic!("expected a run, got {other:?}"),
        }
    }

    #[test]
    fn no_arguments_means_defaults() {
        let args = run_args(&[]);
        assert_eq!(args.listen, None);
        assert_eq!(args.access_key, None);
        assert_eq!(args.token_lifetime, None);
        assert!(!args.allow_short_token_lifetimes);
        assert!(!args.allow_non_loopback);
        assert!(!args.tls);
    }

    #[test]
    fn every_option_in_both_forms() {
        let args = run_args(&[
            "--listen",
            "127.0.0.1:8080",
            "--access-key=pw==",
            "--token-lifetime",
            "90s",
            "--allow-short-token-lifetimes",
            "--allow-non-loopback",
            "--tls",
        ]);
        assert_eq!(args.listen, Some("127.0.0.1:8080".parse().unwrap()));
        assert_eq!(args.access_key.as_deref(), Some("pw=="));
        assert_eq!(args.token_lifetime, Some(Duration::from_secs(90)));
        assert!(args.allow_short_token_lifetimes);
        assert!(args.allow_non_loopback);
        assert!(args.tls);
        let args = run_args(&["--listen=[::1]:0", "--token-lifetime=1h"]);
        assert_eq!(args.listen, Some("[::1]:0".parse().unwrap()));
        assert_eq!(args.token_lifetime, Some(Duration::from_secs(3600)));
    }

    #[test]
    fn help_and_version() {
        assert_eq!(parse(&["--help"]), Ok(Command::Help));
        assert_eq!(parse(&["-h", "--bogus"]), Ok(Command::Help));
        assert_eq!(parse(&["-V"]), Ok(Command::Version));
    }

    #[test]
    fn usage_errors_say_what_is_wrong() {
        assert!(parse(&["--listen"]).unwrap_err().contains("needs a value"));
        assert!(parse(&["--listen", "localhost"])
            .unwrap_err()
            .contains("not an address"));
        assert!(parse(&["--token-lifetime", "soon"])
            .unwrap_err()
            .contains("not a duration"));
        assert!(parse(&["--frobnicate"])
            .unwrap_err()
            .contains("unknown argument"));
        assert!(parse(&["--allow-non-loopback=yes"])
            .unwrap_err()
            .contains("unknown argument"));
        assert!(parse(&["extra"]).unwrap_err().contains("unknown argument"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(172_800)));
        assert_eq!(parse_duration("1500ms"), Ok(Duration::from_millis(1500)));
        for bad in [
            "",
            "s",
            "90",
            "0s",
            "-5s",
            "1.5h",
            "1h30m",
            "5 s",
            "5S",
            "99999999999999999999s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should not parse");
        }
        assert!(parse_duration(&format!("{}d", u64::MAX)).is_err());
    }
}
