//! `cargo xtask diff` end to end in a temporary git repository: exit codes
//! 0 (nothing breaks), 1 (something breaks) and 2 (bad input), `--base`,
//! `REV:path` and the output formats.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

const BASE: &str = include_str!("../../chekt-gen/tests/specs/diff/base.yaml");

fn run(dir: &Path, program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn xtask(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = run(dir, env!("CARGO_BIN_EXE_xtask"), args);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A repository whose one commit holds the base spec at `spec/chekt.yaml`.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("spec")).unwrap();
    std::fs::write(dir.path().join("spec/chekt.yaml"), BASE).unwrap();
    for args in [
        &["init", "-q"][..],
        &["add", "."],
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "commit",
            "-qm",
            "base",
        ],
    ] {
        assert!(
            run(dir.path(), "git", args).status.success(),
            "git {args:?}"
        );
    }
    dir
}

fn edit_spec(dir: &Path, from: &str, to: &str) {
    let path = dir.join("spec/chekt.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from));
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn base_without_changes_exits_0() {
    let dir = repo();
    let (code, stdout, stderr) = xtask(dir.path(), &["diff", "--base", "HEAD"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("0 breaking, 0 additive"), "{stdout}");
}

#[test]
fn additive_change_exits_0_and_suggests_minor() {
    let dir = repo();
    edit_spec(
        dir.path(),
        "  - url: https://api.example.com\n",
        "  - url: https://api.example.com\n  - url: https://eu.example.com\n",
    );
    let (code, stdout, stderr) = xtask(
        dir.path(),
        &["diff", "--base", "HEAD", "--format", "markdown"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    // A new server changes no generated item: additive on the wire, patch
    // for the crate, and the bump follows the crate.
    assert!(
        stdout.contains(
            "**wire: non-breaking · chekt-api: patch** · 0 breaking, 1 additive, 0 non-functional · suggested `chekt-api` bump: **patch**"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("`server-added`"), "{stdout}");
}

#[test]
fn breaking_change_exits_1_unless_allowed() {
    let dir = repo();
    edit_spec(
        dir.path(),
        "      x-chekt-inferred: true\n",
        "      x-chekt-inferred: true\n      deprecated: true\n",
    );
    edit_spec(
        dir.path(),
        "maxLength: 64}\n        status",
        "maxLength: 128}\n        status",
    );
    let (code, stdout, _) = xtask(dir.path(), &["diff", "--base", "HEAD", "--format", "json"]);
    assert_eq!(code, Some(1), "{stdout}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["old"], "HEAD:spec/chekt.yaml");
    assert_eq!(report["summary"]["wire_bump"], "major");
    assert_eq!(report["summary"]["crate_bump"], "patch");
    assert_eq!(
        report["summary"]["verdict"],
        "wire: breaking · chekt-api: patch"
    );
    assert_eq!(report["changes"][0]["rule"], "response-constraint-loosened");
    assert_eq!(report["changes"][1]["rule"], "operation-deprecated");

    let (code, stdout, _) = xtask(dir.path(), &["diff", "--base", "HEAD", "--allow-breaking"]);
    assert_eq!(code, Some(0));
    assert!(
        stdout.contains("breaking[response-constraint-loosened]"),
        "{stdout}"
    );
}

#[test]
fn a_reclassified_rule_changes_the_report_and_the_exit_code() {
    let dir = repo();
    edit_spec(
        dir.path(),
        "maxLength: 64}\n        status",
        "maxLength: 128}\n        status",
    );
    let relaxed = [
        "diff",
        "--base",
        "HEAD",
        "--rule",
        "response-constraint-loosened=non-functional",
    ];
    let (code, stdout, stderr) = xtask(dir.path(), &relaxed);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("0 breaking, 0 additive, 1 non-functional"),
        "{stdout}"
    );
    assert!(
        stdout.contains("non-functional[response-constraint-loosened]")
            && stdout.contains("(reclassified from breaking)"),
        "{stdout}"
    );

    // From a file; `--rule` after it wins.
    std::fs::write(
        dir.path().join("diff-rules"),
        "# our clients tolerate longer names\nresponse-constraint-loosened = additive\n",
    )
    .unwrap();
    let (code, stdout, _) = xtask(
        dir.path(),
        &[
            "diff",
            "--base",
            "HEAD",
            "--rules-file",
            "diff-rules",
            "--wire-only",
        ],
    );
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains("suggested chekt-api bump: minor"),
        "{stdout}"
    );
    let (code, stdout, _) = xtask(
        dir.path(),
        &[
            "diff",
            "--base",
            "HEAD",
            "--rules-file",
            "diff-rules",
            "--rule",
            "response-constraint-loosened=breaking",
        ],
    );
    assert_eq!(code, Some(1), "{stdout}");

    // Bad overrides are usage errors that say what is wrong.
    let (code, _, stderr) = xtask(
        dir.path(),
        &[
            "diff",
            "--base",
            "HEAD",
            "--rule",
            "response-constraint-loosend=additive",
        ],
    );
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("did you mean `response-constraint-loosened`?"),
        "{stderr}"
    );
    std::fs::write(
        dir.path().join("diff-rules"),
        "\nresponse-constraint-loosened: additive\n",
    )
    .unwrap();
    let (code, _, stderr) = xtask(
        dir.path(),
        &["diff", "--base", "HEAD", "--rules-file", "diff-rules"],
    );
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains(
            "diff-rules:2: `response-constraint-loosened: additive`: expected RULE=CLASS"
        ),
        "{stderr}"
    );
    let (code, _, stderr) = xtask(
        dir.path(),
        &["diff", "--base", "HEAD", "--rules-file", "missing"],
    );
    assert_eq!(code, Some(2));
    assert!(stderr.contains("missing"), "{stderr}");
}

#[test]
fn files_and_revisions_can_be_mixed() {
    let dir = repo();
    edit_spec(dir.path(), "    delete:\n", "    x-removed:\n");
    let (code, stdout, stderr) = xtask(
        dir.path(),
        &["diff", "HEAD:spec/chekt.yaml", "spec/chekt.yaml"],
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stdout.contains("breaking[endpoint-removed] DELETE /pets/{petId}"),
        "{stdout}"
    );
    let (code, _, stderr) = xtask(
        dir.path(),
        &["diff", "spec/chekt.yaml", "HEAD:spec/chekt.yaml"],
    );
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn bad_input_exits_2_with_a_clear_message() {
    let dir = repo();
    std::fs::write(
        dir.path().join("broken.yaml"),
        "openapi: 3.0.3\ninfo: [unclosed\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("dangling.yaml"),
        BASE.replace(
            "items: {$ref: '#/components/schemas/Pet'}\n    ",
            "items: {$ref: '#/components/schemas/Nope'}\n    ",
        ),
    )
    .unwrap();
    let cases: [(&[&str], &str); 7] = [
        (
            &["diff", "spec/chekt.yaml", "dangling.yaml"],
            "dangling.yaml: not a valid OpenAPI 3.0 document at /components/schemas/Pet/properties/children/items: `$ref: #/components/schemas/Nope` points at nothing",
        ),
        (
            &["diff", "dangling.yaml", "spec/chekt.yaml"],
            "dangling.yaml: not a valid OpenAPI 3.0 document at /components/schemas/Pet/properties/children/items",
        ),
        (
            &["diff", "--base", "no-such-rev"],
            "no-such-rev:spec/chekt.yaml",
        ),
        (
            &["diff", "no-such-rev:spec/chekt.yaml", "spec/chekt.yaml"],
            "no-such-rev",
        ),
        (
            &["diff", "HEAD:missing.yaml", "spec/chekt.yaml"],
            "missing.yaml",
        ),
        (
            &["diff", "missing.yaml", "spec/chekt.yaml"],
            "missing.yaml: not an existing file nor a `REV:path` revision",
        ),
        (
            &["diff", "spec/chekt.yaml", "broken.yaml"],
            "broken.yaml:3:1: invalid YAML",
        ),
    ];
    for (args, expected) in cases {
        let (code, _, stderr) = xtask(dir.path(), args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains(expected),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn base_outside_a_repository_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = xtask(dir.path(), &["diff", "--base", "HEAD"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("not a git repository"), "{stderr}");
}

#[test]
fn a_side_is_only_ever_a_file_or_a_revision() {
    let dir = repo();
    for bad in [
        "--output=F",
        "--output=F:spec/chekt.yaml",
        "-p:spec/chekt.yaml",
        "HEAD:--output=F",
        ":spec/chekt.yaml",
        "HEAD:",
        "no-such-file.yaml",
    ] {
        let (code, stdout, stderr) = xtask(dir.path(), &["diff", "--", bad, "spec/chekt.yaml"]);
        assert_eq!(code, Some(2), "{bad}: {stdout}{stderr}");
        assert!(
            stderr.contains("not an existing file nor a `REV:path` revision"),
            "{bad}: {stderr}"
        );
        assert!(!dir.path().join("F").exists(), "{bad} reached git");
    }
    let (code, _, stderr) = xtask(dir.path(), &["diff", "--base=--output=F"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--base must be a git revision"), "{stderr}");
    assert!(!dir.path().join("F").exists());
}

/// Review: a file whose name holds `:` is read as the file; a revision
/// whose path leaves the repository, a lone option or a revision range is
/// exit 2 and never reaches anything outside the repository.
#[test]
fn a_colon_file_is_a_file_and_odd_revisions_exit_2() {
    let dir = repo();
    std::fs::write(dir.path().join("v1:chekt.yaml"), BASE).unwrap();
    let (code, stdout, stderr) = xtask(
        dir.path(),
        &["diff", "--wire-only", "v1:chekt.yaml", "spec/chekt.yaml"],
    );
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("v1:chekt.yaml"), "{stdout}");
    for bad in [
        "-p",
        "HEAD~1:../../etc/passwd",
        "HEAD:../../etc/passwd",
        "HEAD..HEAD:spec/chekt.yaml",
        "HEAD:spec",
    ] {
        let (code, stdout, stderr) = xtask(
            dir.path(),
            &["diff", "--wire-only", "--", bad, "spec/chekt.yaml"],
        );
        assert_eq!(code, Some(2), "{bad}: {stdout}{stderr}");
        assert!(stderr.starts_with("error: "), "{bad}: {stderr}");
        assert!(!stderr.contains("root:"), "{bad}: {stderr}");
    }
}

#[test]
fn fail_on_chooses_the_axis_of_the_exit_code() {
    let dir = repo();
    // A new required response field: additive on the wire, but major for
    // the crate (`types::Pet`'s builder, which users' mocks use, needs it).
    edit_spec(
        dir.path(),
        "        id: {type: integer, format: int64}\n        name: {type: string, maxLength: 64}\n",
        "        id: {type: integer, format: int64}\n        age: {type: integer}\n        name: {type: string, maxLength: 64}\n",
    );
    edit_spec(
        dir.path(),
        "      required: [id, name]\n",
        "      required: [id, name, age]\n",
    );
    let run = |extra: &[&str]| {
        let mut args = vec!["diff", "--base", "HEAD"];
        args.extend_from_slice(extra);
        xtask(dir.path(), &args)
    };
    let (code, stdout, stderr) = run(&[]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("wire: non-breaking · chekt-api: major")
            && stdout.contains("suggested chekt-api bump: major"),
        "{stdout}"
    );
    assert!(
        stdout.contains("chekt-api major: types::Pet.age added"),
        "{stdout}"
    );
    assert_eq!(run(&["--fail-on", "crate"]).0, Some(1));
    assert_eq!(run(&["--fail-on", "wire"]).0, Some(0));
    assert_eq!(run(&["--fail-on", "any", "--allow-breaking"]).0, Some(0));
    // Wire only: no crate axis, the bump comes from the wire.
    let (code, stdout, _) = run(&["--wire-only"]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains("chekt-api: not compared")
            && stdout.contains("suggested chekt-api bump: minor (from the wire"),
        "{stdout}"
    );
    let (code, _, stderr) = run(&["--fail-on", "both"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("expected wire, crate or any"), "{stderr}");
}

/// Commits the working tree.
fn commit(dir: &Path) {
    let args = [
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "commit",
        "-qam",
        "next",
    ];
    assert!(run(dir, "git", &args).status.success());
}

const ACCEPT_DELETE: &str = "# Breaking changes accepted on purpose.\naccepted:\n  - rule: endpoint-removed\n    operation: DELETE /pets/{petId}\n    pointer: /paths/~1pets~1{petId}/delete\n    reason: Pets are archived now, never deleted.\n    version: 2.0.0\n";

#[test]
fn an_accepted_change_does_not_fail_and_a_stale_entry_warns_or_fails_with_strict() {
    let dir = repo();
    edit_spec(dir.path(), "    delete:\n", "    x-removed:\n");
    let accepted = dir.path().join("spec/accepted-changes.yaml");
    std::fs::write(&accepted, ACCEPT_DELETE).unwrap();
    let args = [
        "diff",
        "--base",
        "HEAD",
        "--wire-only",
        "--format",
        "markdown",
        "--accepted",
        "spec/accepted-changes.yaml",
    ];
    let (code, stdout, stderr) = xtask(dir.path(), &args);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("### Accepted changes (1)")
            && stdout.contains("accepted (breaking): Pets are archived now, never deleted. (version 2.0.0; spec/accepted-changes.yaml:3)"),
        "{stdout}"
    );
    assert!(!stdout.contains("### Breaking changes"), "{stdout}");

    // The same file once the change is merged: the entry is stale.
    commit(dir.path());
    let (code, stdout, stderr) = xtask(dir.path(), &args);
    assert_eq!(code, Some(0), "a warning: {stdout}{stderr}");
    assert!(
        stdout.contains("### Stale acknowledgements (1)")
            && stdout.contains("spec/accepted-changes.yaml:3: stale entry"),
        "{stdout}"
    );
    let strict = [&args[..], &["--strict"]].concat();
    let (code, stdout, stderr) = xtask(dir.path(), &strict);
    assert_eq!(code, Some(2), "{stdout}{stderr}");
    assert!(
        stderr.contains("error: spec/accepted-changes.yaml:3: stale entry: `endpoint-removed` for `DELETE /pets/{petId}`"),
        "{stderr}"
    );
    assert!(
        stdout.contains("Stale acknowledgements"),
        "the report is still printed"
    );
}

#[test]
fn a_bad_acknowledgement_file_exits_2_naming_the_line() {
    let dir = repo();
    let accepted = dir.path().join("accepted.yaml");
    let cases = [
        (
            ACCEPT_DELETE.replace("endpoint-removed", "endpoint-remove"),
            "accepted.yaml:3: unknown diff rule `endpoint-remove`; did you mean `endpoint-removed`?",
        ),
        (
            ACCEPT_DELETE.replace("    reason: Pets are archived now, never deleted.\n", ""),
            "accepted.yaml:3: the entry has no `reason` (required)",
        ),
        (
            ACCEPT_DELETE.replace("pointer: /paths", "pointer: paths"),
            "accepted.yaml:5: `paths/~1pets~1{petId}/delete` is not a JSON pointer: it must start with `/` (RFC 6901)",
        ),
        (
            ACCEPT_DELETE.replace("version:", "versoin:"),
            "accepted.yaml:7: unknown key `versoin`; did you mean `version`?",
        ),
        ("accepted:\n  - rule: [\n".to_string(), "accepted.yaml:"),
    ];
    for (text, expected) in cases {
        std::fs::write(&accepted, &text).unwrap();
        let (code, stdout, stderr) = xtask(
            dir.path(),
            &["diff", "--base", "HEAD", "--accepted", "accepted.yaml"],
        );
        assert_eq!(code, Some(2), "{text}: {stdout}{stderr}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains(expected),
            "{text}: {stderr}"
        );
        assert!(stdout.is_empty(), "no report from bad input: {stdout}");
    }
    let (code, _, stderr) = xtask(
        dir.path(),
        &["diff", "--base", "HEAD", "--accepted", "missing.yaml"],
    );
    assert_eq!(code, Some(2));
    assert!(stderr.contains("missing.yaml"), "{stderr}");
}

#[test]
fn a_removal_past_its_sunset_is_scheduled_and_today_is_injectable() {
    let dir = repo();
    edit_spec(
        dir.path(),
        "      x-chekt-inferred: true\n",
        "      x-chekt-inferred: true\n      deprecated: true\n      x-chekt-sunset: '2026-06-30'\n",
    );
    commit(dir.path());
    edit_spec(dir.path(), "    delete:\n", "    x-removed:\n");
    let diff_on = |today: &str| {
        xtask(
            dir.path(),
            &["diff", "--base", "HEAD", "--wire-only", "--today", today],
        )
    };
    let (code, stdout, stderr) = diff_on("2026-06-30");
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("breaking scheduled[removed-after-sunset] DELETE /pets/{petId}")
            && stdout.contains("wire: breaking (acknowledged)"),
        "{stdout}"
    );
    // The crate axis's major bump comes from the scheduled removal alone.
    let (code, stdout, stderr) = xtask(
        dir.path(),
        &["diff", "--base", "HEAD", "--today", "2026-07-01"],
    );
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("wire: breaking (acknowledged) · chekt-api: major")
            && !stdout.contains("chekt-api major[removed] operations::"),
        "the operation table's row goes with its endpoint: {stdout}"
    );
    let (code, stdout, _) = diff_on("2026-06-29");
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("breaking[removed-before-sunset] DELETE /pets/{petId}: DELETE /pets/{petId} removed (deprecated, but its sunset is 2026-06-30)"),
        "{stdout}"
    );
    let (code, _, stderr) = diff_on("30/06/2026");
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("is not an ISO 8601 date (YYYY-MM-DD)"),
        "{stderr}"
    );
}

#[test]
fn the_rules_file_sets_the_minimum_notice() {
    let dir = repo();
    edit_spec(
        dir.path(),
        "      x-chekt-inferred: true\n",
        "      x-chekt-inferred: true\n      deprecated: true\n      x-chekt-sunset: '2026-07-15'\n",
    );
    std::fs::write(
        dir.path().join("diff-rules"),
        "# a quarter's notice\ndeprecation-notice = 90\n",
    )
    .unwrap();
    let args = |rules: &'static str| {
        [
            "diff",
            "--base",
            "HEAD",
            "--wire-only",
            "--today",
            "2026-07-01",
            "--rules-file",
            rules,
        ]
    };
    let (code, stdout, stderr) = xtask(dir.path(), &args("diff-rules"));
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("breaking[sunset-notice-too-short] DELETE /pets/{petId}: operation sunset 2026-07-15 is 14 day(s) from 2026-07-01; the policy asks for at least 90"),
        "{stdout}"
    );
    std::fs::write(dir.path().join("lenient"), "deprecation-notice = 14\n").unwrap();
    let (code, stdout, _) = xtask(dir.path(), &args("lenient"));
    assert_eq!(code, Some(0), "{stdout}");
    std::fs::write(dir.path().join("bad"), "\ndeprecation-notice = soon\n").unwrap();
    let (code, _, stderr) = xtask(dir.path(), &args("bad"));
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("bad:2: `deprecation-notice` is a number of days, not `soon`"),
        "{stderr}"
    );
}
