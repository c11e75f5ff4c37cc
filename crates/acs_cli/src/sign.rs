//! `acs sign`: the access-key (HMAC-SHA256) headers the library computes for
//! a request, as headers, as a curl command, explained, or sent.

use crate::connection::connection_string;
use crate::error::{CliError, CliResult};
use crate::input::data_bytes;
use crate::output::print_json;
use crate::send::send;
use azure_communication_common::{AccessKeySigner, ConnectionString, SignedHeaders};
use serde_json::{json, Value};
use time::OffsetDateTime;
use url::Url;

/// What `acs sign` was asked.
pub struct Sign<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Absolute URL, or a path (`/identities?...`) under the connection
    /// string's endpoint.
    pub url: &'a str,
    /// `--data`: text, `@FILE` or `@-`.
    pub data: Option<&'a str>,
    /// `--header NAME:VALUE` (not signed; sent and put in the curl command).
    pub headers: &'a [String],
    /// `--connection-string` or `ACS_CONNECTION_STRING`.
    pub connection_string: Option<&'a str>,
    /// `--date`: sign as of this instant instead of now.
    pub date: Option<OffsetDateTime>,
    /// Print a curl command.
    pub curl: bool,
    /// Send the request through the library's pipeline.
    pub send: bool,
    /// Print the string to sign and its pieces.
    pub explain: bool,
    /// Machine output.
    pub json: bool,
}

/// A request ready to be signed.
struct Prepared {
    method: String,
    url: Url,
    body: Vec<u8>,
    extra_headers: Vec<(String, String)>,
}

/// Runs `acs sign`.
pub fn sign(args: Sign<'_>) -> CliResult {
    let cs = connection_string(args.connection_string)?;
    let prepared = prepare(&args, &cs)?;
    let date = args.date.unwrap_or_else(OffsetDateTime::now_utc);
    let signed = cs
        .signer()
        .sign(&prepared.method, &prepared.url, &prepared.body, date)
        .map_err(|e| CliError::usage(e.to_string()))?;
    let path_and_query = AccessKeySigner::signed_path_and_query(&prepared.url);
    let string_to_sign = AccessKeySigner::string_to_sign(
        &prepared.method,
        &path_and_query,
        &signed.host,
        &signed.x_ms_date,
        &signed.x_ms_content_sha256,
    )
    .map_err(|e| CliError::usage(e.to_string()))?;
    let curl = if args.curl {
        Some(curl_command(&prepared, &signed, args.data)?)
    } else {
        None
    };
    let sent = if args.send {
        Some(send(
            cs.signer().clone(),
            &prepared.method,
            &prepared.url,
            &prepared.body,
            &prepared.extra_headers,
            date,
        )?)
    } else {
        None
    };

    if args.json {
        let mut report = json!({
            "method": prepared.method,
            "url": prepared.url.as_str(),
            "pathAndQuery": path_and_query,
            "host": signed.host,
            "headers": {
                "x-ms-date": signed.x_ms_date,
                "x-ms-content-sha256": signed.x_ms_content_sha256,
                "authorization": signed.authorization,
            },
        });
        if args.explain {
            report["stringToSign"] = json!(string_to_sign);
        }
        if let Some(curl) = &curl {
            report["curl"] = json!(curl);
        }
        if let Some(sent) = &sent {
            report["response"] = sent.json();
        }
        print_json(&report);
    } else {
        if args.explain {
            print_explanation(&prepared, &signed, &path_and_query, &string_to_sign);
        }
        if let Some(curl) = &curl {
            println!("{curl}");
        } else if let Some(sent) = &sent {
            println!("> {} {}", prepared.method, prepared.url);
            print_signed_headers(&signed, "> ");
            for (name, value) in &prepared.extra_headers {
                println!("> {name}: {value}");
            }
            sent.print();
        } else {
            print_signed_headers(&signed, "");
        }
    }
    match sent {
        Some(sent) => sent.into_result(),
        None => Ok(()),
    }
}

/// Method, URL, body and extra headers, checked.
fn prepare(args: &Sign<'_>, cs: &ConnectionString) -> CliResult<Prepared> {
    // The library's rule for a method (an HTTP token), checked before any I/O.
    AccessKeySigner::string_to_sign(args.method, "/", "h", "d", "c")
        .map_err(|e| CliError::usage(format!("METHOD '{}': {e}", args.method)))?;
    let method = args.method.to_ascii_uppercase();
    let url = if args.url.starts_with('/') {
        cs.endpoint().join(args.url).map_err(|e| {
            CliError::usage(format!(
                "URL '{}' cannot be joined to the endpoint: {e}",
                args.url
            ))
        })?
    } else {
        Url::parse(args.url).map_err(|e| {
            CliError::usage(format!(
                "URL '{}' is not an absolute URL ({e}); pass https://<resource>.communication.azure.com/... or a path starting with / under the connection string's endpoint",
                args.url
            ))
        })?
    };
    let body = match args.data {
        Some(data) => data_bytes(data)?,
        None => Vec::new(),
    };
    let mut extra_headers = Vec::new();
    for header in args.headers {
        let (name, value) = header
            .split_once(':')
            .filter(|(name, _)| !name.trim().is_empty())
            .ok_or_else(|| {
                CliError::usage(format!(
                    "--header '{header}' is not NAME: VALUE (e.g. 'content-type: application/json')"
                ))
            })?;
        let name = name.trim().to_ascii_lowercase();
        if name.bytes().any(|b| !is_tchar(b)) {
            return Err(CliError::usage(format!(
                "--header '{header}': '{name}' is not a header name"
            )));
        }
        if matches!(
            name.as_str(),
            "x-ms-date" | "x-ms-content-sha256" | "authorization" | "host"
        ) {
            return Err(CliError::usage(format!(
                "--header {name}: this header is the signature's own; acs sets it"
            )));
        }
        extra_headers.push((name, value.trim().to_owned()));
    }
    if !body.is_empty() && !extra_headers.iter().any(|(n, _)| n == "content-type") {
        extra_headers.push(("content-type".to_owned(), "application/json".to_owned()));
    }
    Ok(Prepared {
        method,
        url,
        body,
        extra_headers,
    })
}

/// RFC 9110 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn print_signed_headers(signed: &SignedHeaders, prefix: &str) {
    println!("{prefix}x-ms-date: {}", signed.x_ms_date);
    println!(
        "{prefix}x-ms-content-sha256: {}",
        signed.x_ms_content_sha256
    );
    println!("{prefix}authorization: {}", signed.authorization);
    println!("{prefix}host: {}", signed.host);
}

fn print_explanation(
    prepared: &Prepared,
    signed: &SignedHeaders,
    path_and_query: &str,
    string_to_sign: &str,
) {
    println!("method (upper-cased):  {}", prepared.method);
    println!("path and query:        {path_and_query}");
    println!("host:                  {}", signed.host);
    println!("x-ms-date:             {}", signed.x_ms_date);
    println!(
        "x-ms-content-sha256:   {} (base64 SHA-256 of the {} body bytes)",
        signed.x_ms_content_sha256,
        prepared.body.len()
    );
    println!(
        "string to sign (METHOD \\n path and query \\n date;host;content hash), between the lines:"
    );
    println!("-----");
    println!("{string_to_sign}");
    println!("-----");
    println!(
        "signature: base64(HMAC-SHA256(key = base64-decoded access key, message = the string to sign, UTF-8))"
    );
    println!();
}

/// `curl` with the signed headers; the body is the file itself for
/// `--data @FILE`, so the bytes sent are the bytes signed.
fn curl_command(
    prepared: &Prepared,
    signed: &SignedHeaders,
    data: Option<&str>,
) -> CliResult<String> {
    let mut words = vec![
        "curl".to_owned(),
        "-sS".to_owned(),
        "-X".to_owned(),
        prepared.method.clone(),
        quote(prepared.url.as_str()),
    ];
    let mut header = |name: &str, value: &str| {
        words.push("-H".to_owned());
        words.push(quote(&format!("{name}: {value}")));
    };
    header("x-ms-date", &signed.x_ms_date);
    header("x-ms-content-sha256", &signed.x_ms_content_sha256);
    header("authorization", &signed.authorization);
    for (name, value) in &prepared.extra_headers {
        header(name, value);
    }
    match data {
        None => {}
        Some(data) if data.starts_with('@') && data != "@-" => {
            words.push("--data-binary".to_owned());
            words.push(quote(data));
        }
        Some(_) => {
            let text = std::str::from_utf8(&prepared.body).map_err(|_| {
                CliError::usage(
                    "--curl: the body from standard input is not UTF-8 text; pass it as --data @FILE",
                )
            })?;
            words.push("--data-binary".to_owned());
            // curl reads `@...` as a file name; `@` from a file keeps it literal.
            if text.starts_with('@') {
                return Err(CliError::usage(
                    "--curl: a body starting with '@' would be read by curl as a file name; pass it as --data @FILE",
                ));
            }
            words.push(quote(text));
        }
    }
    Ok(words.join(" "))
}

/// Single-quotes a word for POSIX shells.
fn quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// The error code of an ACS error body `{"error":{"code":..,"message":..}}`.
pub fn service_error(body: &Value) -> (Option<String>, Option<String>) {
    let error = &body["error"];
    (
        error["code"].as_str().map(str::to_owned),
        error["message"].as_str().map(str::to_owned),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quoting() {
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn service_errors() {
        let body = json!({"error": {"code": "Denied", "message": "no"}});
        assert_eq!(
            service_error(&body),
            (Some("Denied".into()), Some("no".into()))
        );
        assert_eq!(service_error(&json!("x")), (None, None));
    }
}
