//! `cargo xtask gen` end to end: writes atomically, leaves unchanged files
//! alone, `--check` fails with a diff on a stale file, bad input exits 2.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::{root, text, xtask};

#[test]
fn check_passes_on_the_checked_in_client() {
    let out = xtask(&["gen", "--check"]);
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stdout).contains("is up to date"));
}

#[test]
fn gen_writes_then_leaves_alone_and_check_catches_edits() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("chekt.yaml");
    let out_file = dir.path().join("generated.rs");
    std::fs::copy(root().join("spec/chekt.yaml"), &spec).unwrap();
    let (spec_arg, out_arg) = (spec.to_str().unwrap(), out_file.to_str().unwrap());

    let first = xtask(&["gen", "--spec", spec_arg, "--out", out_arg]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(
        text(&first.stdout).starts_with("created "),
        "{}",
        text(&first.stdout)
    );
    let written = std::fs::read_to_string(&out_file).unwrap();

    let second = xtask(&["gen", "--spec", spec_arg, "--out", out_arg]);
    assert!(
        text(&second.stdout).starts_with("unchanged "),
        "{}",
        text(&second.stdout)
    );

    let ok = xtask(&["gen", "--check", "--spec", spec_arg, "--out", out_arg]);
    assert_eq!(ok.status.code(), Some(0));

    // An edit to the spec makes the checked-in file stale.
    let edited = std::fs::read_to_string(&spec)
        .unwrap()
        .replace("summary: List sites\n", "summary: List every site\n");
    std::fs::write(&spec, edited).unwrap();
    let stale = xtask(&["gen", "--check", "--spec", spec_arg, "--out", out_arg]);
    assert_eq!(stale.status.code(), Some(1));
    let diff = text(&stale.stdout);
    assert!(diff.contains("-    /**List sites"), "{diff}");
    assert!(diff.contains("+    /**List every site"), "{diff}");
    assert!(
        text(&stale.stderr).contains("is out of date relative to"),
        "{}",
        text(&stale.stderr)
    );
    // --check wrote nothing.
    assert_eq!(std::fs::read_to_string(&out_file).unwrap(), written);

    let regenerated = xtask(&["gen", "--spec", spec_arg, "--out", out_arg]);
    assert!(text(&regenerated.stdout).starts_with("updated "));
    assert_eq!(
        xtask(&["gen", "--check", "--spec", spec_arg, "--out", out_arg])
            .status
            .code(),
        Some(0)
    );

    // The typed mocks and the CLI are generated beside the client and
    // checked with it.
    let mock = dir.path().join("mock/generated.rs");
    let cli = dir.path().join("cli/generated.rs");
    assert!(
        std::fs::read_to_string(&mock)
            .unwrap()
            .contains("pub trait MockServerExt")
    );
    assert!(
        std::fs::read_to_string(&cli)
            .unwrap()
            .contains("pub enum CliCommand")
    );
    std::fs::write(&mock, "// edited by hand\n").unwrap();
    let stale_mock = xtask(&["gen", "--check", "--spec", spec_arg, "--out", out_arg]);
    assert_eq!(stale_mock.status.code(), Some(1));
    assert!(
        text(&stale_mock.stderr).contains("mock/generated.rs is out of date"),
        "{}",
        text(&stale_mock.stderr)
    );
}

#[test]
fn bad_input_exits_2_with_location() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("broken.yaml");
    std::fs::write(&spec, "openapi: 3.0.3\ninfo: [oops\n").unwrap();
    let out_file = dir.path().join("out.rs");
    let out = xtask(&[
        "gen",
        "--spec",
        spec.to_str().unwrap(),
        "--out",
        out_file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("broken.yaml:3:1: invalid YAML"), "{stderr}");
    assert!(!out_file.exists(), "nothing may be written on bad input");

    let missing = xtask(&["gen", "--spec", "/nonexistent/spec.yaml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("/nonexistent/spec.yaml"));
}

#[test]
fn lint_errors_exit_1_and_name_the_operation() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("dup.yaml");
    std::fs::write(
        &spec,
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: x\n      responses: {'204': {description: ok}}\n  /b:\n    get:\n      operationId: x\n      responses: {'204': {description: ok}}\n",
    )
    .unwrap();
    let out_file = dir.path().join("out.rs");
    let out = xtask(&[
        "gen",
        "--preset",
        "plain",
        "--spec",
        spec.to_str().unwrap(),
        "--out",
        out_file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "error[operation-id-duplicate] GET /b (x): operationId `x` is already used by GET /a"
        ),
        "{stderr}"
    );
    assert!(!out_file.exists());
}
