//! The connection string: from `--connection-string` or `ACS_CONNECTION_STRING`.

use crate::error::{CliError, CliResult};
use azure_communication_common::ConnectionString;

/// The environment variable read when `--connection-string` is not given.
pub const CONNECTION_STRING_ENV: &str = "ACS_CONNECTION_STRING";

/// Parses the connection string with the library. A missing or invalid one
/// is a usage error; the library's message never contains the key.
pub fn connection_string(value: Option<&str>) -> CliResult<ConnectionString> {
    let value = value.filter(|v| !v.trim().is_empty()).ok_or_else(|| {
        CliError::usage(format!(
            "no connection string: set {CONNECTION_STRING_ENV} (keeps the key out of shell history) or pass --connection-string"
        ))
    })?;
    value
        .parse::<ConnectionString>()
        .map_err(|e| CliError::usage(format!("the connection string is not usable: {e}")))
}
