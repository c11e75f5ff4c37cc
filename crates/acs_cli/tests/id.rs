//! `acs id parse` and `acs id model`: every answer is the library's.

mod common;

use azure_communication_common::CommunicationIdentifier;
use common::{acs, acs_stdin};
use serde_json::{json, Value};

const RAW_IDS: [(&str, &str); 9] = [
    ("8:acs:res_user", "communicationUser"),
    ("8:spool:x", "communicationUser"),
    ("4:+14255550123", "phoneNumber"),
    ("4:+14255550123_207ffef6", "phoneNumber"),
    ("8:teamsvisitor:45ab", "microsoftTeamsUser"),
    ("8:gcch:45ab", "microsoftTeamsUser"),
    ("28:dod:app", "microsoftTeamsApp"),
    ("8:acs:res_tenant_user", "teamsExtensionUser"),
    ("99:something-new", "unknown"),
];

/// What the library says about `raw`, as the CLI should report it.
fn library_model(raw: &str) -> Value {
    serde_json::to_value(CommunicationIdentifier::from_raw_id(raw)).unwrap()
}

#[test]
fn parse_many_ids_json_matches_the_library() {
    let mut args = vec!["id", "parse", "--json"];
    args.extend(RAW_IDS.iter().map(|(raw, _)| *raw));
    let reports = acs(&args).expect_code(0).json();
    let reports = reports.as_array().expect("an array");
    assert_eq!(reports.len(), RAW_IDS.len());
    for (report, (raw, kind)) in reports.iter().zip(RAW_IDS) {
        assert_eq!(report["rawId"], raw);
        assert_eq!(report["kind"], kind, "{raw}");
        assert_eq!(report["model"], library_model(raw), "{raw}");
        let keys: Vec<&str> = report
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["cloud", "fields", "kind", "model", "rawId"], "{raw}");
    }
    assert_eq!(
        reports[3]["fields"],
        json!({"phoneNumber": "+14255550123_207ffef6", "isAnonymous": false, "assertedId": "207ffef6"})
    );
    assert_eq!(reports[3]["cloud"], json!(null));
    assert_eq!(
        reports[4]["fields"],
        json!({"userId": "45ab", "isAnonymous": true})
    );
    assert_eq!(reports[5]["cloud"], "gcch");
    assert_eq!(reports[6]["fields"], json!({"appId": "app"}));
    assert_eq!(reports[6]["cloud"], "dod");
    assert_eq!(
        reports[7]["fields"],
        json!({"userId": "user", "tenantId": "tenant", "resourceId": "res"})
    );
    assert_eq!(reports[8]["fields"], json!({"id": "99:something-new"}));
}

#[test]
fn parse_text_names_kind_fields_cloud_model_and_raw_id() {
    let run = acs(&["id", "parse", "8:dod-acs:r_t_u", "4:anonymous"]);
    run.expect_code(0);
    let expected = format!(
        "raw id:  8:dod-acs:r_t_u\nkind:    teamsExtensionUser\nfields:  resourceId=r tenantId=t userId=u\ncloud:   dod\nmodel:   {}\n\n\
         raw id:  4:anonymous\nkind:    phoneNumber\nfields:  assertedId=null isAnonymous=true phoneNumber=anonymous\nmodel:   {}\n",
        library_model("8:dod-acs:r_t_u"),
        library_model("4:anonymous"),
    );
    assert_eq!(run.stdout, expected);
}

#[test]
fn parse_reads_one_id_per_line_from_stdin() {
    let input = "8:acs:a\r\n\n4:+1\n28:orgid:x";
    for args in [
        vec!["id", "parse", "--json"],
        vec!["id", "parse", "-", "--json"],
    ] {
        let reports = acs_stdin(&args, input).expect_code(0).json();
        let raws: Vec<&str> = reports
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["rawId"].as_str().unwrap())
            .collect();
        assert_eq!(raws, ["8:acs:a", "4:+1", "28:orgid:x"]);
    }
}

#[test]
fn parse_notes_whitespace_that_is_kept() {
    let reports = acs(&["id", "parse", " 8:acs:a", "--json"])
        .expect_code(0)
        .json();
    assert_eq!(reports[0]["kind"], "unknown");
    assert_eq!(reports[0]["rawId"], " 8:acs:a");
    assert!(reports[0]["note"].as_str().unwrap().contains("whitespace"));
}

#[test]
fn model_reads_wire_models_and_normalises_them() {
    let teams = json!({"rawId": "8:orgid:u1", "microsoftTeamsUser": {"userId": "u1", "isAnonymous": false, "cloud": "public"}});
    let phone = json!({"rawId": "4:+1", "phoneNumber": {"value": "+1"}});
    let newer = json!({"kind": "hologram", "rawId": "99:x", "hologram": {}});
    let reports = acs(&[
        "id",
        "model",
        &json!([teams, phone, newer]).to_string(),
        "--json",
    ])
    .expect_code(0)
    .json();
    let expected: Vec<Value> = [&teams, &phone, &newer]
        .iter()
        .map(|m| {
            let id: CommunicationIdentifier = serde_json::from_value((*m).clone()).unwrap();
            serde_json::to_value(&id).unwrap()
        })
        .collect();
    for (report, model) in reports.as_array().unwrap().iter().zip(&expected) {
        assert_eq!(&report["model"], model);
    }
    assert_eq!(reports[0]["kind"], "microsoftTeamsUser");
    assert_eq!(reports[1]["fields"]["isAnonymous"], json!(false));
    assert_eq!(reports[2]["kind"], "unknown");
    assert_eq!(reports[2]["rawId"], "99:x");
}

#[test]
fn model_reads_several_values_from_stdin() {
    let input = "{\"rawId\":\"8:acs:a\",\"communicationUser\":{\"id\":\"8:acs:a\"}}\n{\"rawId\":\"28:gcch:b\",\"microsoftTeamsApp\":{\"appId\":\"b\",\"cloud\":\"gcch\"}}\n";
    for args in [vec!["id", "model"], vec!["id", "model", "-"]] {
        let run = acs_stdin(&args, input);
        run.expect_code(0);
        assert!(
            run.stdout.contains("kind:    communicationUser"),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout.contains("kind:    microsoftTeamsApp"),
            "{}",
            run.stdout
        );
        assert!(run.stdout.contains("cloud:   gcch"), "{}", run.stdout);
    }
}

/// A cloud the library does not know yet is kept as given (the model can
/// grow), not refused: the tool shows it and the model writes it back.
#[test]
fn a_model_with_an_unknown_cloud_is_kept_as_given() {
    let model = json!({"rawId": "28:x:a", "microsoftTeamsApp": {"appId": "a", "cloud": "moon"}});
    let reports = acs(&["id", "model", &model.to_string(), "--json"])
        .expect_code(0)
        .json();
    assert_eq!(reports[0]["kind"], "microsoftTeamsApp");
    assert_eq!(reports[0]["cloud"], "moon");
    assert_eq!(reports[0]["model"]["microsoftTeamsApp"]["cloud"], "moon");
}

#[test]
fn rejected_models_get_the_spec_messages_and_exit_1() {
    let cases = [
        (
            json!({"phoneNumber": {}}),
            "Property value is required for identifier of type phoneNumber.",
        ),
        (
            json!({"communicationUser": {"id": "a"}, "phoneNumber": {"value": "+1"}, "rawId": "x"}),
            r#"Only one of the properties in ["communicationUser","phoneNumber"] should be present."#,
        ),
        (
            json!({}),
            "Property rawId is required for identifier of type unknown.",
        ),
    ];
    for (model, message) in cases {
        let library = serde_json::from_value::<CommunicationIdentifier>(model.clone())
            .unwrap_err()
            .to_string();
        assert!(library.contains(message), "{library}");
        acs(&["id", "model", &model.to_string()])
            .expect_code(1)
            .expect_error_line(&library);
        let reports = acs(&["id", "model", &model.to_string(), "--json"])
            .expect_code(1)
            .json();
        assert_eq!(reports[0], json!({"input": model, "error": library}));
    }
}

#[test]
fn a_mix_reports_every_model_and_exits_1() {
    let input = json!([{"rawId": "4:+1", "phoneNumber": {"value": "+1"}}, {"phoneNumber": {}}]);
    let run = acs(&["id", "model", &input.to_string(), "--json"]);
    run.expect_code(1)
        .expect_error_line("1 of 2 identifier models were rejected");
    let reports = run.json();
    assert_eq!(reports[0]["kind"], "phoneNumber");
    assert!(reports[1]["error"]
        .as_str()
        .unwrap()
        .contains("Property value"));
}

#[test]
fn input_that_is_not_a_model_exits_1() {
    acs(&["id", "model", "{not json"])
        .expect_code(1)
        .expect_error_line("not JSON");
    acs_stdin(&["id", "model"], "")
        .expect_code(1)
        .expect_error_line("no identifier model");
    acs(&["id", "model", "[]"])
        .expect_code(1)
        .expect_error_line("no identifier model");
    acs(&["id", "model", "\"8:acs:a\""]).expect_code(1);
}

#[test]
fn usage_errors() {
    acs(&["id"]).expect_code(2);
    acs(&["id", "model", "{}", "{}"]).expect_code(2);
    acs(&["id", "parse", "--frobnicate"]).expect_code(2);
}
