//! `acs emulator`: the ACS emulator in the foreground, as `acs-emulator` runs it.

use crate::error::{CliError, CliResult};
use crate::output::print_json;
use crate::runtime::block_on;
use acs_emulator::{Emulator, EmulatorOptions};
use serde_json::json;
use std::io::{IsTerminal as _, Write as _};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// What `acs emulator` was asked.
pub struct Run {
    /// Address to listen on.
    pub listen: Option<SocketAddr>,
    /// Access key requests must be signed with.
    pub access_key: Option<String>,
    /// Lifetime of tokens when a request names none.
    pub token_lifetime: Option<Duration>,
    /// Accept `expiresInMinutes` from 1.
    pub allow_short_token_lifetimes: bool,
    /// Allow a non-loopback `listen`.
    pub allow_non_loopback: bool,
    /// Serve HTTPS with a certificate signed by a CA generated at start.
    pub tls: bool,
    /// Print `{"connectionString", "endpoint", "caCertificate"}` instead of the bare line.
    pub json: bool,
}

impl Run {
    fn options(&self) -> EmulatorOptions {
        let mut options = EmulatorOptions::new()
            .allow_short_token_lifetimes(self.allow_short_token_lifetimes)
            .allow_non_loopback(self.allow_non_loopback)
            .tls(self.tls);
        if let Some(listen) = self.listen {
            options = options.listen(listen);
        }
        if let Some(key) = &self.access_key {
            options = options.access_key(key.clone());
        }
        if let Some(lifetime) = self.token_lifetime {
            options = options.token_lifetime(lifetime);
        }
        options
    }
}

/// Starts the emulator, prints its connection string (one line) and serves
/// until Ctrl-C or SIGTERM. Logs go to stderr (`RUST_LOG`, default `info`).
pub fn run(args: Run) -> CliResult {
    // A second init (never in this process) would be harmless; ignore it.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();
    block_on(async move {
        // Listen for the stop signals before announcing readiness: a
        // supervisor that stops us right after the connection string must
        // get a clean stop, not the default action of SIGTERM.
        let stop = StopSignals::install()
            .map_err(|e| CliError::operation(format!("cannot listen for stop signals: {e}")))?;
        let emulator = Emulator::start(args.options())
            .await
            .map_err(|e| CliError::operation(format!("the emulator cannot start: {e}")))?;
        let ca_file = match emulator.ca_certificate_pem() {
            Some(pem) => match write_ca_file(pem) {
                Ok(path) => {
                    eprintln!("acs: CA certificate: {}", path.display());
                    Some(path)
                }
                Err(e) => {
                    emulator.shutdown().await;
                    return Err(CliError::operation(format!(
                        "cannot write the CA certificate file: {e}"
                    )));
                }
            },
            None => None,
        };
        let _remove_ca_file = RemoveOnDrop(ca_file.clone());
        if args.json {
            print_json(&json!({
                "connectionString": emulator.connection_string(),
                "endpoint": emulator.endpoint().as_str(),
                "caCertificate": ca_file.as_ref().map(|p| p.display().to_string()),
            }));
        } else {
            println!("{}", emulator.connection_string());
        }
        if std::io::stdout().flush().is_err() {
            emulator.shutdown().await;
            return Err(CliError::operation(
                "cannot write the connection string to stdout",
            ));
        }
        let signal = stop.wait().await;
        tracing::info!(signal, "stopping");
        emulator.shutdown().await;
        Ok(())
    })?
}

/// Writes the CA certificate to `acs-emulator-{pid}-ca.pem` in the temporary
/// directory, as `acs-emulator --tls` does.
fn write_ca_file(pem: &str) -> std::io::Result<PathBuf> {
    let path = std::env::temp_dir().join(format!("acs-emulator-{}-ca.pem", std::process::id()));
    std::fs::write(&path, pem)?;
    Ok(path)
}

/// Removes the CA file when the emulator stops.
struct RemoveOnDrop(Option<PathBuf>);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(path) = &self.0 {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// SIGINT and SIGTERM handlers (Ctrl-C elsewhere), installed up front.
struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn install() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    /// Waits for a stop signal; returns its name.
    async fn wait(mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => "SIGINT",
                _ = self.terminate.recv() => "SIGTERM",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = &mut self;
            match tokio::signal::ctrl_c().await {
                Ok(()) => "Ctrl-C",
                Err(_) => "an error waiting for Ctrl-C",
            }
        }
    }
}
