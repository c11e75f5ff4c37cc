//! The one error type of the tool and how it maps to exit codes.

use std::fmt;
use std::process::ExitCode;

/// Why a command did not succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The operation ran and failed: an invalid or expired token, a model the
    /// library rejects, a service error. Exit code 1.
    Operation,
    /// The command line or its input files could not be used. Exit code 2
    /// (the same code clap uses for its own usage errors).
    Usage,
}

/// An error printed as one line on stderr: `acs: {message}`, followed by
/// ` (error code: {code})` when the service gave one.
#[derive(Debug, Clone)]
pub struct CliError {
    failure: Failure,
    message: String,
    code: Option<String>,
}

impl CliError {
    /// The operation failed (exit code 1).
    pub fn operation(message: impl Into<String>) -> Self {
        Self {
            failure: Failure::Operation,
            message: message.into(),
            code: None,
        }
    }

    /// The command line could not be used (exit code 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            failure: Failure::Usage,
            message: message.into(),
            code: None,
        }
    }

    /// Adds the service's error code.
    pub fn with_code(mut self, code: Option<String>) -> Self {
        self.code = code;
        self
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> ExitCode {
        match self.failure {
            Failure::Operation => ExitCode::from(1),
            Failure::Usage => ExitCode::from(2),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One line, whatever the message held.
        let mut first = true;
        for line in self.message.lines().filter(|l| !l.trim().is_empty()) {
            if !first {
                f.write_str(" ")?;
            }
            f.write_str(line.trim())?;
            first = false;
        }
        if let Some(code) = &self.code {
            write!(f, " (error code: {code})")?;
        }
        Ok(())
    }
}

/// The result of a command.
pub type CliResult<T = ()> = Result<T, CliError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_one_line_with_the_code() {
        let e = CliError::operation("first\n\n  second  \n").with_code(Some("Denied".into()));
        assert_eq!(e.to_string(), "first second (error code: Denied)");
        assert_eq!(e.exit_code(), ExitCode::from(1));
        assert_eq!(CliError::usage("x").exit_code(), ExitCode::from(2));
    }
}
