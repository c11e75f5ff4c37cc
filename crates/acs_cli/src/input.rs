//! Where input comes from: arguments, `-` for standard input, `@FILE`.

use crate::error::{CliError, CliResult};
use std::io::Read as _;

/// Reads all of standard input as UTF-8.
pub fn read_stdin(what: &str) -> CliResult<String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| CliError::usage(format!("cannot read {what} from standard input: {e}")))?;
    Ok(text)
}

/// Removes one trailing line ending (`\n` or `\r\n`), which is how a shell
/// pipe (`echo "$TOKEN" | acs token inspect`) delivers a single value.
/// Anything else stays, so the library can diagnose it.
pub fn strip_line_ending(text: &str) -> &str {
    text.strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text)
}

/// The argument, or standard input when the argument is absent or `-`.
pub fn arg_or_stdin(arg: Option<&str>, what: &str) -> CliResult<String> {
    match arg {
        Some(value) if value != "-" => Ok(value.to_owned()),
        _ => read_stdin(what),
    }
}

/// The bytes of a `--data` value: `@-` is standard input, `@FILE` a file's
/// exact bytes, anything else the text itself.
pub fn data_bytes(data: &str) -> CliResult<Vec<u8>> {
    match data.strip_prefix('@') {
        Some("-") => {
            let mut bytes = Vec::new();
            std::io::stdin().read_to_end(&mut bytes).map_err(|e| {
                CliError::usage(format!("--data @-: cannot read standard input: {e}"))
            })?;
            Ok(bytes)
        }
        Some(path) => std::fs::read(path).map_err(|e| {
            CliError::usage(format!(
                "--data @{path}: cannot read the file: {e} (to send text starting with '@', put it in a file)"
            ))
        }),
        None => Ok(data.as_bytes().to_vec()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_one_line_ending_is_removed() {
        assert_eq!(strip_line_ending("abc\n"), "abc");
        assert_eq!(strip_line_ending("abc\r\n"), "abc");
        assert_eq!(strip_line_ending("abc\n\n"), "abc\n");
        assert_eq!(strip_line_ending(" abc "), " abc ");
    }

    #[test]
    fn data_text_and_missing_file() {
        assert_eq!(data_bytes("{}").unwrap(), b"{}");
        let err = data_bytes("@/nonexistent/acs-cli-test").unwrap_err();
        assert!(err.to_string().contains("cannot read the file"), "{err}");
    }
}
