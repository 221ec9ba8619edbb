//! `cargo xtask semver` end to end in a temporary git repository: the
//! version in `chekt-api/Cargo.toml` against the last release tag (or the
//! base revision without one), exit codes 0 / 1 / 2, and the changelog.
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

fn git(dir: &Path, args: &[&str]) {
    let mut all = vec!["-c", "user.name=t", "-c", "user.email=t@example.com"];
    all.extend_from_slice(args);
    assert!(run(dir, "git", &all).status.success(), "git {args:?}");
}

fn xtask(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = run(dir, env!("CARGO_BIN_EXE_xtask"), args);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn set_version(dir: &Path, version: &str) {
    std::fs::write(
        dir.join("chekt-api/Cargo.toml"),
        format!("[package]\nname = \"chekt-api\"\nversion = \"{version}\"\n\n[dependencies]\nserde = \"1\"\n"),
    )
    .unwrap();
}

/// A repository with the base spec and chekt-api at `version`, committed.
fn repo(version: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("spec")).unwrap();
    std::fs::create_dir_all(dir.path().join("chekt-api")).unwrap();
    std::fs::write(dir.path().join("spec/chekt.yaml"), BASE).unwrap();
    set_version(dir.path(), version);
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "base"]);
    dir
}

fn edit_spec(dir: &Path, from: &str, to: &str) {
    let path = dir.join("spec/chekt.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from));
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// NewPet gains a required field: breaking on the wire, major for the
/// crate (existing builders fail without it).
fn add_required_request_field(dir: &Path) {
    edit_spec(
        dir,
        "      required: [name]\n      properties:\n        name: {type: string, minLength: 1, maxLength: 64}\n",
        "      required: [name, age]\n      properties:\n        age: {type: integer}\n        name: {type: string, minLength: 1, maxLength: 64}\n",
    );
}

#[test]
fn without_a_tag_the_base_revision_is_the_release_and_no_change_passes() {
    let dir = repo("0.1.0+0.8.0");
    let (code, stdout, stderr) = xtask(dir.path(), &["semver"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("no release tag (chekt-api-vX.Y.Z or vX.Y.Z) is reachable from HEAD: comparing with HEAD (0.1.0+0.8.0)"),
        "{stdout}"
    );
    assert!(stdout.contains("honours the patch change"), "{stdout}");
}

#[test]
fn a_major_change_under_a_patch_bump_fails_and_the_minor_bump_passes() {
    let dir = repo("0.1.0");
    git(dir.path(), &["tag", "chekt-api-v0.1.0"]);
    add_required_request_field(dir.path());
    set_version(dir.path(), "0.1.1");
    let (code, stdout, stderr) = xtask(dir.path(), &["semver"]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("chekt-api 0.1.1 is a patch bump over release chekt-api-v0.1.0 (0.1.0), but the changes since call for a major bump: set version = \"0.2.0\""),
        "{stdout}"
    );
    // Before 1.0 the minor is the breaking digit.
    set_version(dir.path(), "0.2.0");
    let (code, stdout, stderr) = xtask(dir.path(), &["semver", "--changelog", "append"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("chekt-api 0.2.0 honours the major change since release chekt-api-v0.1.0"),
        "{stdout}"
    );
    let changelog = std::fs::read_to_string(dir.path().join("chekt-api/CHANGELOG.md")).unwrap();
    assert!(changelog.starts_with("# Changelog\n"), "{changelog}");
    assert!(changelog.contains("\n## [0.2.0] - "), "{changelog}");
    let breaking = changelog.split("### Breaking").nth(1).unwrap();
    assert!(
        breaking.contains("Wire: required property `age` added")
            && breaking.contains("[`request-property-added-required`]")
            && breaking.contains("Crate: `types::builder::NewPet.age required` added"),
        "{changelog}"
    );
    // Appending again replaces the entry.
    let (code, _, _) = xtask(dir.path(), &["semver", "--changelog", "append"]);
    assert_eq!(code, Some(0));
    let again = std::fs::read_to_string(dir.path().join("chekt-api/CHANGELOG.md")).unwrap();
    assert_eq!(again.matches("## [0.2.0]").count(), 1, "{again}");
}

#[test]
fn the_highest_reachable_tag_is_the_release() {
    let dir = repo("0.3.0");
    git(dir.path(), &["tag", "v0.2.0"]);
    git(dir.path(), &["tag", "chekt-api-v0.3.0"]);
    git(dir.path(), &["tag", "v0.3.0"]);
    git(dir.path(), &["tag", "not-a-release"]);
    edit_spec(
        dir.path(),
        "        tag: {type: string}\n        status:",
        "        tag: {type: string}\n        nickname: {type: string}\n        status:",
    );
    // An optional request field is minor: before 1.0 a patch bump carries it.
    let (code, stdout, _) = xtask(dir.path(), &["semver", "--changelog", "print"]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("no version bump over release chekt-api-v0.3.0 (0.3.0)"),
        "{stdout}"
    );
    set_version(dir.path(), "0.3.1");
    let (code, stdout, stderr) = xtask(dir.path(), &["semver", "--changelog", "print"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("honours the minor change since release chekt-api-v0.3.0"),
        "{stdout}"
    );
    let added = stdout.split("### Added").nth(1).unwrap();
    assert!(
        added.contains("Wire: optional property `nickname` added")
            && added.contains("Crate: `types::NewPet::nickname` added"),
        "{stdout}"
    );
    assert!(!stdout.contains("### Breaking"), "{stdout}");
    // A pre-release with build metadata is judged by its version core.
    set_version(dir.path(), "0.3.1-alpha.1+0.8.0");
    let (code, stdout, stderr) = xtask(dir.path(), &["semver", "--changelog", "print"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains(
            "chekt-api 0.3.1-alpha.1+0.8.0 honours the minor change since release chekt-api-v0.3.0"
        ),
        "{stdout}"
    );
}

#[test]
fn bad_input_exits_2() {
    let dir = repo("0.1.0");
    let (code, _, stderr) = xtask(dir.path(), &["semver", "--base", "nosuchrev"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("nosuchrev:chekt-api/Cargo.toml"),
        "{stderr}"
    );
    let (code, _, stderr) = xtask(dir.path(), &["semver", "--base=--output=x"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--base must be a git revision"), "{stderr}");
    std::fs::write(
        dir.path().join("chekt-api/Cargo.toml"),
        "[package]\nversion.workspace = true\n",
    )
    .unwrap();
    let (code, _, stderr) = xtask(dir.path(), &["semver"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("chekt-api/Cargo.toml") && stderr.contains("inherited"),
        "{stderr}"
    );
}
