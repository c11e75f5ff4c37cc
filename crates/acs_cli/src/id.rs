//! `acs id parse` and `acs id model`: what the library makes of identifiers.

use crate::error::{CliError, CliResult};
use crate::input::read_stdin;
use crate::output::print_json;
use azure_communication_common::{CommunicationIdentifier, CommunicationIdentifierModel};
use serde_json::{json, Value};

/// Runs `acs id parse`: every raw id argument, or one per line of standard
/// input when there is none (or the only one is `-`). Parsing never fails.
pub fn parse(raw_ids: &[String], json_output: bool) -> CliResult {
    let stdin_text;
    let inputs: Vec<&str> = if raw_ids.is_empty() || raw_ids == ["-"] {
        stdin_text = read_stdin("raw ids")?;
        stdin_text
            .lines()
            .map(|line| line.strip_suffix('\r').unwrap_or(line))
            .filter(|line| !line.is_empty())
            .collect()
    } else {
        raw_ids.iter().map(String::as_str).collect()
    };
    let reports: Vec<Value> = inputs
        .iter()
        .map(|raw| {
            let identifier = CommunicationIdentifier::from_raw_id(raw);
            let mut report = describe(&identifier);
            if raw.trim() != *raw {
                report["note"] = json!(
                    "the raw id has leading or trailing whitespace, which is kept as part of it"
                );
            }
            report
        })
        .collect();
    print_reports(&reports, json_output);
    Ok(())
}

/// Runs `acs id model`: the JSON argument, or standard input when there is
/// none or it is `-`. The input holds one or more wire models (a JSON array
/// is a list of them). Exit code 1 when any is rejected; the others are
/// still reported.
pub fn model(json_arg: Option<&str>, json_output: bool) -> CliResult {
    let text = match json_arg {
        Some(text) if text != "-" => text.to_owned(),
        _ => read_stdin("identifier models")?,
    };
    let mut values = Vec::new();
    for value in serde_json::Deserializer::from_str(&text).into_iter::<Value>() {
        match value {
            Ok(Value::Array(items)) => values.extend(items),
            Ok(value) => values.push(value),
            Err(e) => {
                return Err(CliError::operation(format!(
                    "the input is not JSON: {e}; pass a wire model such as {{\"rawId\":\"8:acs:...\",\"communicationUser\":{{\"id\":\"8:acs:...\"}}}}"
                )))
            }
        }
    }
    if values.is_empty() {
        return Err(CliError::operation(
            "no identifier model in the input; pass a JSON object such as {\"rawId\":\"4:+14255550123\",\"phoneNumber\":{\"value\":\"+14255550123\"}}",
        ));
    }
    let mut rejected = 0usize;
    let reports: Vec<Value> = values
        .into_iter()
        .map(|value| {
            // The library's serde model: the SPEC's messages for missing
            // properties, more than one kind, an unknown cloud.
            match serde_json::from_value::<CommunicationIdentifier>(value.clone()) {
                Ok(identifier) => describe(&identifier),
                Err(error) => {
                    rejected += 1;
                    json!({"input": value, "error": error.to_string()})
                }
            }
        })
        .collect();
    print_reports(&reports, json_output);
    match rejected {
        0 => Ok(()),
        1 if reports.len() == 1 => Err(CliError::operation(
            reports[0]["error"].as_str().unwrap_or_default().to_owned(),
        )),
        n => Err(CliError::operation(format!(
            "{n} of {} identifier models were rejected (see their errors above)",
            reports.len()
        ))),
    }
}

/// Kind, fields, cloud, the wire model and the raw id of an identifier.
fn describe(identifier: &CommunicationIdentifier) -> Value {
    let (fields, cloud) = match identifier {
        CommunicationIdentifier::CommunicationUser(user) => (json!({"id": user.id()}), None),
        CommunicationIdentifier::PhoneNumber(phone) => (
            json!({
                "phoneNumber": phone.phone_number(),
                "isAnonymous": phone.is_anonymous(),
                "assertedId": phone.asserted_id(),
            }),
            None,
        ),
        CommunicationIdentifier::MicrosoftTeamsUser(user) => (
            json!({"userId": user.user_id(), "isAnonymous": user.is_anonymous()}),
            Some(user.cloud()),
        ),
        CommunicationIdentifier::MicrosoftTeamsApp(app) => {
            (json!({"appId": app.app_id()}), Some(app.cloud()))
        }
        CommunicationIdentifier::TeamsExtensionUser(user) => (
            json!({
                "userId": user.user_id(),
                "tenantId": user.tenant_id(),
                "resourceId": user.resource_id(),
            }),
            Some(user.cloud()),
        ),
        CommunicationIdentifier::Unknown(unknown) => (json!({"id": unknown.id()}), None),
        // A kind added by a later library version: its raw id is all we know.
        other => (json!({"id": other.raw_id()}), None),
    };
    json!({
        "rawId": identifier.raw_id(),
        "kind": identifier.kind().as_str(),
        "fields": fields,
        "cloud": cloud,
        "model": CommunicationIdentifierModel::from(identifier),
    })
}

fn print_reports(reports: &[Value], json_output: bool) {
    if json_output {
        print_json(&Value::Array(reports.to_vec()));
        return;
    }
    for (i, report) in reports.iter().enumerate() {
        if i > 0 {
            println!();
        }
        if let Some(error) = report.get("error") {
            println!("input:   {}", report["input"]);
            println!("error:   {}", error.as_str().unwrap_or_default());
            continue;
        }
        println!("raw id:  {}", report["rawId"].as_str().unwrap_or_default());
        println!("kind:    {}", report["kind"].as_str().unwrap_or_default());
        if let Some(fields) = report["fields"].as_object() {
            let shown: Vec<String> = fields
                .iter()
                .map(|(name, value)| match value {
                    Value::String(s) => format!("{name}={s}"),
                    other => format!("{name}={other}"),
                })
                .collect();
            println!("fields:  {}", shown.join(" "));
        }
        if let Some(cloud) = report["cloud"].as_str() {
            println!("cloud:   {cloud}");
        }
        println!("model:   {}", report["model"]);
        if let Some(note) = report.get("note").and_then(Value::as_str) {
            println!("note:    {note}");
        }
    }
}
