//! The spec against tools nobody here wrote: Spectral (the OpenAPI ruleset
//! plus chekt's rules in `spec/.spectral.yaml`) and openapi-spec-validator.
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
        ("oas3-schema", "paths./things.get.responses.200"),
    ];
    for (code, path) in expected {
        assert!(
            findings.iter().any(|(c, p)| c == code && p == path),
            "no {code} at {path}: {findings:#?}"
        );
    }
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
