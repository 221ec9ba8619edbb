//! The contract check on edited copies of the spec: breaking edits fail with
//! their specific message, additive ones pass; malformed recordings are
//! rejected naming the file and field; no recording holds a secret.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use chekt_gen::contract::coverage::{Exemption, load_exemptions, parse_exemptions};
use chekt_gen::contract::recording::Recordings;
use chekt_gen::contract::{self, Decoder, Options, Report, secrets};
use chekt_gen::{Severity, Spec};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn recordings_dir() -> PathBuf {
    root().join("spec/recordings")
}

fn spec_text() -> String {
    std::fs::read_to_string(root().join("spec/chekt.yaml")).unwrap()
}

/// The spec with `from` replaced by `to` (which must occur exactly once).
fn edited(from: &str, to: &str) -> Spec {
    let text = spec_text();
    assert_eq!(
        text.matches(from).count(),
        1,
        "edit target must be unique: {from}"
    );
    Spec::parse("edited.yaml", text.replacen(from, to, 1)).unwrap()
}

fn check_with(spec: &Spec, exemptions: &[Exemption], strict: bool) -> Report {
    let recordings = Recordings::load(recordings_dir()).unwrap();
    contract::check(
        spec,
        &recordings,
        exemptions,
        &Options { strict },
        &Decoder::none(),
    )
    .unwrap()
}

fn check(spec: &Spec) -> Report {
    let exemptions = load_exemptions(&recordings_dir()).unwrap();
    check_with(spec, &exemptions, false)
}

/// The report lists, in the group of `recording` (`FAIL`/`WARN <name>`), a
/// line that starts with `line`.
fn assert_reports(report: &Report, recording: &str, line: &str) {
    let text = report.to_string();
    let mut current = None;
    let found = text.lines().any(|l| {
        if let Some(name) = l.strip_prefix("FAIL ").or_else(|| l.strip_prefix("WARN ")) {
            current = Some(name);
            return false;
        }
        current == Some(recording) && l.trim_start().starts_with(line)
    });
    assert!(found, "expected in {recording}:\n  {line}\ngot:\n{text}");
}

#[test]
fn the_checked_in_spec_passes() {
    let report = check(&Spec::from_file(root().join("spec/chekt.yaml")).unwrap());
    assert!(report.passed(), "{report}");
    assert_eq!(report.failures, vec![], "{report}");
    assert!(report.recordings > 200);
    assert!(report.coverage.missing().next().is_none());
}

#[test]
fn changing_a_field_type_fails() {
    let spec = edited(
        "        site_id:\n          type: integer\n          format: int64\n          example: 1\n        external_site_id:",
        "        site_id:\n          type: string\n          example: '1'\n        external_site_id:",
    );
    let report = check(&spec);
    assert!(!report.passed());
    assert_reports(
        &report,
        "list_sites/200-seed-003-first-call.json",
        "error[response-schema] response body /0/site_id: 1 is not of type \"string\" (schema #/components/schemas/ResponseSiteBasicDto/properties/site_id/type)",
    );
    assert_reports(
        &report,
        "create_site/201-ok.json",
        "error[response-schema] response body /site_id: 4 is not of type \"string\" (schema #/components/schemas/ResponseSiteBasicDto/properties/site_id/type)",
    );
}

#[test]
fn making_an_optional_field_required_fails() {
    let spec = edited(
        "      required: [error, message]\n",
        "      required: [error, message, code]\n",
    );
    let report = check(&spec);
    assert!(!report.passed());
    assert_reports(
        &report,
        "list_public_sites/401-seed-001-invalid-api-key.json",
        "error[response-schema] response body (root): \"code\" is a required property (schema #/components/schemas/ApiError/required)",
    );
}

#[test]
fn renaming_an_endpoint_fails() {
    let spec = edited("  /v1/devices:\n", "  /v1/cameras:\n");
    let report = check(&spec);
    assert!(!report.passed());
    assert_reports(
        &report,
        "list_public_devices/200-seed-002-first-call.json",
        "error[endpoint-unknown] request: GET /v1/devices matches no operation in the spec (removed or renamed?)",
    );
    assert_reports(
        &report,
        "coverage",
        "error[coverage-missing] list_public_devices 200: no recording and no exemption",
    );
}

#[test]
fn removing_an_enum_value_the_recordings_use_fails() {
    let spec = edited("      enum: [online, offline]\n", "      enum: [online]\n");
    let report = check(&spec);
    assert!(!report.passed());
    assert_reports(
        &report,
        "list_devices/200-all-devices.json",
        "error[response-schema] response body /2/status: \"offline\" is not one of \"online\" (schema #/components/schemas/DeviceStatus/enum)",
    );
}

#[test]
fn removing_a_response_field_is_drift_a_warning_that_strict_fails() {
    let text = spec_text();
    let spec = Spec::parse(
        "edited.yaml",
        text.replacen("        - address2\n", "", 1).replacen(
            "        address2:\n          type: string\n          nullable: true\n          description: Seed 003 shows a value; that it may be `null` is inferred.\n          x-chekt-inferred: true\n          example: 7th Floor, Suite 701\n",
            "",
            1,
        ),
    )
    .unwrap();
    let line = "warning[response-drift] response body /0/address2: field `address2` is not declared by the schema (drift: add it to the spec) (schema #/components/schemas/ResponseSiteBasicDto)";
    let report = check(&spec);
    assert!(report.passed(), "drift is a warning by default:\n{report}");
    assert_reports(&report, "list_sites/200-seed-003-first-call.json", line);

    let exemptions = load_exemptions(&recordings_dir()).unwrap();
    let strict = check_with(&spec, &exemptions, true);
    assert!(!strict.passed());
    assert_reports(
        &strict,
        "list_sites/200-seed-003-first-call.json",
        &line.replace("warning[", "error["),
    );
}

#[test]
fn a_new_optional_field_passes() {
    let spec = edited(
        "        is_activated:\n          $ref: '#/components/schemas/ActivationFlag'\n        created_at:\n          $ref: '#/components/schemas/PartnerTimestamp'\n      example:",
        "        is_activated:\n          $ref: '#/components/schemas/ActivationFlag'\n        region:\n          type: string\n          nullable: true\n        created_at:\n          $ref: '#/components/schemas/PartnerTimestamp'\n      example:",
    );
    let report = check(&spec);
    assert!(report.passed(), "{report}");
    assert_eq!(report.failures, vec![]);
}

#[test]
fn a_new_endpoint_passes_the_recordings_and_asks_for_coverage() {
    let spec = edited(
        "x-webhooks:\n",
        "  /v1/events:\n    get:\n      operationId: list_public_events\n      summary: List events\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {type: array, items: {type: object}}\n\nx-webhooks:\n",
    );
    let report = check(&spec);
    let recording_failures = report
        .failures
        .iter()
        .filter(|f| f.recording != contract::COVERAGE_GROUP)
        .count();
    assert_eq!(recording_failures, 0, "{report}");
    let missing = report
        .coverage
        .missing()
        .map(|r| format!("{} {}", r.operation, r.status))
        .collect::<Vec<_>>();
    assert_eq!(missing, ["list_public_events 200"]);

    let mut exempt = load_exemptions(&recordings_dir()).unwrap();
    exempt.extend(
        parse_exemptions(
            "- {operation: list_public_events, status: '200', reason: not in the sandbox yet}\n",
        )
        .unwrap(),
    );
    let report = check_with(&spec, &exempt, false);
    assert!(report.passed(), "{report}");
}

#[test]
fn report_has_a_summary_line_and_groups() {
    let spec = edited("      enum: [online, offline]\n", "      enum: [online]\n");
    let report = check(&spec);
    let text = report.to_string();
    let last = text.lines().last().unwrap();
    assert_eq!(
        last,
        format!(
            "{} recordings, 31 operations, {} failed",
            report.recordings,
            report.failed()
        )
    );
    assert!(report.failed() >= 2, "{text}");
    assert!(
        text.contains("\nFAIL list_devices/200-all-devices.json\n  error[response-schema]"),
        "{text}"
    );
    assert!(
        report
            .failures
            .iter()
            .all(|f| f.severity == Severity::Error)
    );
}

fn temp_recordings(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

#[test]
fn malformed_recordings_name_file_and_field() {
    let cases = [
        (
            "get_site/200-ok.json",
            r#"{"request": {"method": "GET", "path": "/x"}, "response": {"status": 200, "headers": {"a": 1}}}"#,
            "get_site/200-ok.json: malformed at `response.headers.a`: invalid type: integer `1`, expected a string",
        ),
        (
            "get_site/200-ok.json",
            "not json",
            "get_site/200-ok.json: malformed at `(document)`: expected ident at line 1 column 2",
        ),
        (
            "webhooks/alarm.created/x.json",
            r#"{"event": "alarm.created", "headers": {}}"#,
            "webhooks/alarm.created/x.json: malformed at `(document)`: missing field `body`",
        ),
    ];
    for (name, text, expected) in cases {
        let dir = temp_recordings(&[(name, text)]);
        let err = Recordings::load(dir.path()).unwrap_err().to_string();
        assert!(err.starts_with(expected), "{err}");
    }
}

#[test]
fn misfiled_undeclared_and_secret_recordings_fail() {
    let spec = Spec::from_file(root().join("spec/chekt.yaml")).unwrap();
    let dir = temp_recordings(&[
        (
            "get_dealer/200-wrong-folder.json",
            r#"{"request": {"method": "GET", "path": "/partner/v1/dealers/42/sites/1"}, "response": {"status": 200, "body": {"site_id": 1, "external_site_id": "1", "name": "n", "monitoring_station_id": null, "external_monitoring_station_id": null, "account_number": null, "address1": null, "address2": null, "timezone": "Asia/Seoul", "is_activated": 1, "created_at": "2025-01-01 00:00:00"}}}"#,
        ),
        (
            "get_site/302-redirect.json",
            r#"{"request": {"method": "GET", "path": "/partner/v1/dealers/42/sites/1", "headers": {"authorization": "Bearer chekt_live_8h2j3kfm2918sndlj"}}, "response": {"status": 302}}"#,
        ),
        (
            "get_site/400-missing-param.json",
            r#"{"request": {"method": "GET", "path": "/partner/v1/dealers/42/sites/1", "query": {"colour": "red"}, "body": {"x": 1}}, "response": {"status": 400, "body": {"error": "Bad Request"}}}"#,
        ),
    ]);
    let recordings = Recordings::load(dir.path()).unwrap();
    let report = contract::check(
        &spec,
        &recordings,
        &[],
        &Options::default(),
        &Decoder::none(),
    )
    .unwrap();
    for (recording, line) in [
        (
            "get_dealer/200-wrong-folder.json",
            "error[recording-misfiled] request: filed under `get_dealer` but GET /partner/v1/dealers/42/sites/1 is `get_site`",
        ),
        (
            "get_site/302-redirect.json",
            "error[secret] line 1: looks like a CHeKT API key (`chekt_live_`/`chekt_test_`); scrub it to `REDACTED`",
        ),
        (
            "get_site/302-redirect.json",
            "error[status-undeclared] response status: status 302 is not declared for `get_site` (declared: 200, 400, 401, 403, 404, 429, 4XX, 5XX)",
        ),
        (
            "get_site/400-missing-param.json",
            "warning[request-parameter-undeclared] request query parameter colour: query parameter `colour` is not declared by the operation",
        ),
        (
            "get_site/400-missing-param.json",
            "error[request-body] request body: the operation declares no request body, but one was sent",
        ),
        (
            "get_site/400-missing-param.json",
            "error[response-schema] response body (root): \"message\" is a required property (schema #/components/schemas/ApiError/required)",
        ),
    ] {
        assert_reports(&report, recording, line);
    }
    assert!(
        !report.to_string().contains("8h2j3kfm2918sndlj"),
        "a report never echoes the secret"
    );
}

#[test]
fn no_recording_holds_a_secret() {
    let mut scanned = 0;
    let mut stack = vec![recordings_dir()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let hits = secrets::scan(&text);
            assert!(hits.is_empty(), "{}: {hits:?}", path.display());
            scanned += 1;
        }
    }
    assert!(scanned > 200, "scanned {scanned} files");
}
