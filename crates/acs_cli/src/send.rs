//! `acs sign --send`: the request goes through an azure_core pipeline with
//! the library's access-key policy, as an ACS client would send it.

use crate::error::{CliError, CliResult};
use crate::runtime::block_on;
use crate::sign::service_error;
use azure_communication_common::{AccessKeySigner, CommunicationAccessKeyCredentialPolicy};
use azure_core::http::{
    ClientOptions, Context, Method, Pipeline, PipelineSendOptions, Request, RetryOptions,
};
use serde_json::{json, Map, Value};
use std::sync::Arc;
use time::OffsetDateTime;
use url::Url;

/// A response, kept to print and to decide the exit code.
pub struct Sent {
    status: u16,
    reason: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Sends the request once (no retries), signed by the library's policy with
/// the clock pinned to `date`, so the headers shown are the headers sent.
pub fn send(
    signer: AccessKeySigner,
    method: &str,
    url: &Url,
    body: &[u8],
    extra_headers: &[(String, String)],
    date: OffsetDateTime,
) -> CliResult<Sent> {
    let method: Method = method.parse().map_err(|_| {
        CliError::usage(format!(
            "--send supports DELETE, GET, HEAD, PATCH, POST and PUT, not {method}"
        ))
    })?;
    let policy = CommunicationAccessKeyCredentialPolicy::new(signer).with_clock(move || date);
    let options = ClientOptions {
        retry: RetryOptions::none(),
        ..Default::default()
    };
    let pipeline = Pipeline::new(
        Some(env!("CARGO_PKG_NAME")),
        Some(env!("CARGO_PKG_VERSION")),
        options,
        Vec::new(),
        vec![Arc::new(policy)],
        None,
    );
    let mut request = Request::new(url.clone(), method);
    for (name, value) in extra_headers {
        request.insert_header(name.clone(), value.clone());
    }
    request.set_body(body.to_vec());
    let response = block_on(async {
        pipeline
            .send(
                &Context::new(),
                &mut request,
                Some(PipelineSendOptions {
                    skip_checks: true,
                    ..Default::default()
                }),
            )
            .await
    })?
    .map_err(|e| {
        CliError::operation(format!(
            "the request to {} failed: {e}",
            url.host_str().unwrap_or("the service")
        ))
    })?;
    let (status, headers, body) = response.deconstruct();
    let mut headers: Vec<(String, String)> = headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), value.as_str().to_owned()))
        .collect();
    headers.sort();
    Ok(Sent {
        status: u16::from(status),
        reason: status.canonical_reason().into_owned(),
        headers,
        body: body.as_ref().to_vec(),
    })
}

impl Sent {
    fn body_json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// `{"status", "reason", "headers": {name: value}, "body": JSON | text | null}`.
    pub fn json(&self) -> Value {
        let headers: Map<String, Value> = self
            .headers
            .iter()
            .map(|(n, v)| (n.clone(), json!(v)))
            .collect();
        let body = if self.body.is_empty() {
            Value::Null
        } else {
            self.body_json()
                .unwrap_or_else(|| json!(String::from_utf8_lossy(&self.body)))
        };
        json!({"status": self.status, "reason": self.reason, "headers": headers, "body": body})
    }

    /// `< 201 Created`, the headers, a blank line and the body (JSON pretty).
    pub fn print(&self) {
        println!("< {} {}", self.status, self.reason);
        for (name, value) in &self.headers {
            println!("< {name}: {value}");
        }
        if !self.body.is_empty() {
            println!();
            match self.body_json() {
                Some(json) => println!(
                    "{}",
                    serde_json::to_string_pretty(&json).unwrap_or_default()
                ),
                None => println!("{}", String::from_utf8_lossy(&self.body)),
            }
        }
    }

    /// Ok for 2xx; otherwise the error line with the service's error code.
    pub fn into_result(self) -> CliResult {
        if (200..300).contains(&self.status) {
            return Ok(());
        }
        let (code, message) = self
            .body_json()
            .map(|b| service_error(&b))
            .unwrap_or_default();
        let code = code.or_else(|| {
            self.headers
                .iter()
                .find(|(n, _)| n == "x-ms-error-code")
                .map(|(_, v)| v.clone())
        });
        let detail = message.map(|m| format!(": {m}")).unwrap_or_default();
        Err(CliError::operation(format!(
            "the service answered {} {}{detail}",
            self.status, self.reason
        ))
        .with_code(code))
    }
}
