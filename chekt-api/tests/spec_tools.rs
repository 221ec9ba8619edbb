//! The spec against tools nobody here wrote: Spectral (the OpenAPI ruleset
//! plus chekt's rules in `spec/.spectral.yaml`), openapi-spec-validator, and
//! openapi-schema-validator reading every recording against the spec
//! (`.ci/tools/validate_recordings.py`).
//! Each test also runs on a spec that breaks every rule, so a tool that
//! silently checks nothing fails here. Tools come from `.ci/install-tools`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn spec() -> PathBuf {
    support::root().join("spec/chekt.yaml")
}

fn broken() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/spec_tools/broken.yaml")
}

fn run(tool: &Path, args: &[&std::ffi::OsStr]) -> Output {
    Command::new(tool)
        .args(args)
        .current_dir(support::root())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()))
}

/// Spectral's findings on `file` as (rule code, JSON path) pairs.
fn spectral(tool: &Path, file: &Path) -> Vec<(String, String)> {
    let ruleset = support::root().join("spec/.spectral.yaml");
    let out = run(
        tool,
        &[
            "lint".as_ref(),
            "--quiet".as_ref(),
            "--format".as_ref(),
            "json".as_ref(),
            "--fail-severity".as_ref(),
            "hint".as_ref(),
            "--ruleset".as_ref(),
            ruleset.as_os_str(),
            file.as_os_str(),
        ],
    );
    let findings: Vec<serde_json::Value> =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "spectral printed no JSON ({e}): {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
    assert_eq!(out.status.success(), findings.is_empty(), "{findings:#?}");
    findings
        .iter()
        .map(|f| {
            let path: Vec<String> = f["path"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_string))
                .collect();
            (f["code"].as_str().unwrap().to_string(), path.join("."))
        })
        .collect()
}

/// The `chekt-*` rules the ruleset defines.
fn chekt_rules() -> BTreeSet<String> {
    let text = std::fs::read_to_string(support::root().join("spec/.spectral.yaml")).unwrap();
    let ruleset: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let rules = ruleset["rules"].as_mapping().unwrap();
    rules
        .keys()
        .filter_map(|k| k.as_str())
        .filter(|k| k.starts_with("chekt-"))
        .map(str::to_string)
        .collect()
}

#[test]
fn spectral_finds_nothing_in_the_spec() {
    let Some(tool) = support::require("spectral") else {
        return;
    };
    let findings = spectral(&tool, &spec());
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn spectral_reports_every_chekt_rule_on_a_spec_that_breaks_them() {
    let Some(tool) = support::require("spectral") else {
        return;
    };
    let findings = spectral(&tool, &broken());
    let fired: BTreeSet<String> = findings.iter().map(|(code, _)| code.clone()).collect();
    let rules = chekt_rules();
    assert_eq!(rules.len(), 8, "{rules:?}");
    for rule in &rules {
        assert!(fired.contains(rule), "{rule} did not fire: {findings:#?}");
    }
    let expected = [
        (
            "chekt-operation-id-snake-case",
            "paths./things.get.operationId",
        ),
        ("chekt-operation-tagged", "paths./things.post"),
        ("chekt-operation-security-explicit", "paths./things.get"),
        ("chekt-oauth-scoped", "paths./things.post.security.0.oauth"),
        (
            "chekt-inferred-is-true",
            "paths./things.post.x-chekt-inferred",
        ),
        ("chekt-inferred-tag-covers-operations", "paths./things.get"),
        (
            "chekt-inferred-scopes-declared",
            "components.securitySchemes.oauth.x-chekt-inferred-scopes.0",
        ),
        (
            "chekt-statement-traced",
            "components.schemas.Thing.properties.name",
        ),
        ("chekt-statement-traced", "paths./things.get"),
        ("chekt-statement-traced", "paths./things.parameters.0"),
        ("chekt-statement-traced", "components.headers.X-Guess"),
        ("oas3-schema", "paths./things.get.responses.200"),
    ];
    for (code, path) in expected {
        assert!(
            findings.iter().any(|(c, p)| c == code && p == path),
            "no {code} at {path}: {findings:#?}"
        );
    }
}

/// Spectral's `chekt-statement-traced` finds what chekt-gen's
/// `statement-untraced` finds on the same fixture
/// (`chekt-gen/tests/traceability.rs`): statements outside operations and
/// component schemas.
#[test]
fn spectral_traces_statements_outside_operations_like_the_lint() {
    let Some(tool) = support::require("spectral") else {
        return;
    };
    let fixture =
        support::root().join("chekt-gen/tests/specs/traceability/unmarked_elsewhere.yaml");
    let mut traced: Vec<String> = spectral(&tool, &fixture)
        .into_iter()
        .filter(|(code, _)| code == "chekt-statement-traced")
        .map(|(_, path)| path)
        .collect();
    traced.sort();
    assert_eq!(
        traced,
        [
            "components.headers.X-Guess",
            "components.parameters.Filter",
            "components.parameters.Filter.content.application/json.schema.properties.column",
            "components.requestBodies.Body.content.application/json.schema.properties.guessed",
            "components.responses.Oops.content.application/json.schema.properties.reason",
            "paths./things/{thingId}.parameters.0",
        ]
    );
}

#[test]
fn openapi_spec_validator_accepts_the_spec_and_rejects_a_broken_one() {
    let Some(tool) = support::require("openapi-spec-validator") else {
        return;
    };
    let good = run(&tool, &[spec().as_os_str()]);
    let stdout = String::from_utf8_lossy(&good.stdout);
    assert!(
        good.status.success() && stdout.trim_end().ends_with(": OK"),
        "{stdout}{}",
        String::from_utf8_lossy(&good.stderr)
    );
    let bad = run(&tool, &[broken().as_os_str()]);
    let stdout = String::from_utf8_lossy(&bad.stdout);
    assert!(!bad.status.success(), "{stdout}");
    assert!(
        stdout.contains("'description' is a required property"),
        "{stdout}"
    );
}

/// The venv's Python, when it can import openapi-schema-validator.
fn schema_validator() -> Option<PathBuf> {
    let python = support::require("python3")?;
    let usable = Command::new(&python)
        .args(["-c", "import openapi_schema_validator, yaml"])
        .output()
        .is_ok_and(|o| o.status.success());
    if usable {
        return Some(python);
    }
    let missing = "openapi-schema-validator not installed; run .ci/install-tools";
    if std::env::var_os("CI").is_some() {
        panic!("{missing} (CI is set, so a missing tool fails the test)");
    }
    eprintln!("skipped: {missing}");
    None
}

fn validate_recordings(python: &Path, spec: &Path, recordings: &Path) -> Output {
    let script = support::root().join(".ci/tools/validate_recordings.py");
    run(
        python,
        &[
            script.as_os_str(),
            "--spec".as_ref(),
            spec.as_os_str(),
            "--recordings".as_ref(),
            recordings.as_os_str(),
        ],
    )
}

#[test]
fn openapi_schema_validator_accepts_every_recording() {
    let Some(python) = schema_validator() else {
        return;
    };
    let recordings = support::root().join("spec/recordings");
    let out = validate_recordings(&python, &spec(), &recordings);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(
        summary.ends_with(" failed") && summary.contains(", 0 failed"),
        "{summary}"
    );
    let checked: usize = summary
        .split(", ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(checked > 200, "{summary}");
}

#[test]
fn openapi_schema_validator_rejects_a_recording_the_spec_forbids() {
    let Some(python) = schema_validator() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("get_site");
    std::fs::create_dir_all(&site).unwrap();
    let good = support::root().join("spec/recordings/get_site/200-ok.json");
    let text = std::fs::read_to_string(good)
        .unwrap()
        .replace("\"site_id\": 1,", "\"site_id\": \"one\",");
    std::fs::write(site.join("200-ok.json"), text).unwrap();
    // `allOf: [$ref] + nullable: true` is not nullable to this validator
    // (issue 17, item 8): a spec in that form fails on a `null`.
    let bulk = dir.path().join("delete_devices");
    std::fs::create_dir_all(&bulk).unwrap();
    std::fs::copy(
        support::root().join("spec/recordings/delete_devices/200-ok.json"),
        bulk.join("200-ok.json"),
    )
    .unwrap();
    let spec_text = std::fs::read_to_string(spec()).unwrap();
    let old = "          oneOf:\n            - $ref: '#/components/schemas/BulkItemError'\n            - type: object\n              nullable: true\n              enum: [null]\n";
    assert!(spec_text.contains(old), "the nullable form moved");
    let edited = dir.path().join("allof.yaml");
    std::fs::write(
        &edited,
        spec_text.replace(
            old,
            "          allOf:\n            - $ref: '#/components/schemas/BulkItemError'\n          nullable: true\n",
        ),
    )
    .unwrap();
    let out = validate_recordings(&python, &edited, dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(
            "get_site/200-ok.json: response body site_id: 'one' is not of type 'integer'"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("delete_devices/200-ok.json: response body results/0/error: None"),
        "{stdout}"
    );
}
