//! Running the `acs` binary, and an in-process emulator for it to talk to.
#![allow(dead_code)] // each test file uses a different part

use acs_emulator::{Emulator, EmulatorOptions};
use std::io::Write as _;
use std::process::{Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_acs");

/// What a run of `acs` gave.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The stdout as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }

    /// Asserts the exit code, showing the output when it differs.
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Asserts stderr is exactly one line starting with `acs: ` and
    /// containing `needle`.
    pub fn expect_error_line(&self, needle: &str) -> &Self {
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one stderr line, got:\n{}", self.stderr);
        assert!(lines[0].starts_with("acs: "), "{}", lines[0]);
        assert!(
            lines[0].contains(needle),
            "{needle:?} not in {:?}",
            lines[0]
        );
        self
    }
}

/// A command for `acs` with a clean environment for the variables it reads.
pub fn command(args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .env_remove("ACS_CONNECTION_STRING")
        .env_remove("ACS_EMULATOR_ACCESS_KEY")
        .env("TZ", "UTC");
    command
}

/// Runs a prepared command with `stdin` as its standard input.
pub fn run_command(mut command: Command, stdin: &[u8]) -> Run {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("acs starts");
    let mut pipe = child.stdin.take().expect("stdin");
    let input = stdin.to_vec();
    // Write on a thread: a command that does not read stdin must not block us.
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let output: Output = child.wait_with_output().expect("acs runs");
    let _ = writer.join();
    Run {
        code: output.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    }
}

/// Runs `acs args...` with empty standard input.
pub fn acs(args: &[&str]) -> Run {
    run_command(command(args), b"")
}

/// Runs `acs args...` with `stdin`.
pub fn acs_stdin(args: &[&str], stdin: &str) -> Run {
    run_command(command(args), stdin.as_bytes())
}

/// Runs `acs args...` with `ACS_CONNECTION_STRING` set.
pub fn acs_env(args: &[&str], connection_string: &str) -> Run {
    let mut command = command(args);
    command.env("ACS_CONNECTION_STRING", connection_string);
    run_command(command, b"")
}

/// An emulator served by its own runtime for as long as the value lives.
pub struct Served {
    pub emulator: Emulator,
    runtime: tokio::runtime::Runtime,
}

impl Served {
    pub fn start(options: EmulatorOptions) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let emulator = runtime
            .block_on(Emulator::start(options))
            .expect("the emulator starts");
        Self { emulator, runtime }
    }

    pub fn connection_string(&self) -> String {
        self.emulator.connection_string()
    }
}

/// A JWT with `claims` (HS256 header, meaningless signature): the library
/// never checks signatures.
pub fn jwt(claims: &serde_json::Value) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    format!(
        "{}.{}.c2lnbmF0dXJl",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}
