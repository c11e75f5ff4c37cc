//! Printing machine output.

use serde_json::Value;

/// Prints a JSON document on stdout, pretty, ending with a newline.
pub fn print_json(value: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
    );
}
