//! Two checkouts sharing one `CARGO_TARGET_DIR` (git worktrees with a
//! global target dir): `cargo xtask gen` in each reads and writes its own
//! files, and it builds and repairs the generated code even when the
//! checkout's chekt-api does not compile (xtask does not depend on it).
//!
//! Slow (builds xtask in two scratch checkouts), so opt-in:
//! `cargo test -p xtask --test checkouts -- --ignored`; `.ci/run` runs it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::Path;
use std::process::Command;

use support::{root, text};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() == "target" {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn checkout(into: &Path) {
    for file in ["Cargo.toml", "Cargo.lock", "rust-toolchain.toml"] {
        std::fs::copy(root().join(file), into.join(file)).unwrap();
    }
    for dir in [".cargo", "chekt-gen", "chekt-api", "xtask", "spec"] {
        copy_dir(&root().join(dir), &into.join(dir));
    }
}

fn cargo_xtask_gen(checkout: &Path, target_dir: &Path) -> std::process::Output {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    Command::new(cargo)
        .args(["xtask", "gen"])
        .env("CARGO_TARGET_DIR", target_dir)
        .env_remove("CARGO_MANIFEST_DIR")
        .current_dir(checkout)
        .output()
        .unwrap()
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks {from}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
#[ignore = "builds xtask in two scratch checkouts; .ci/run runs it"]
fn two_checkouts_one_target_dir_each_gen_their_own_files_even_when_broken() {
    let shared_target = chekt_gen::verify::target_dir(&root());
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    checkout(a.path());
    checkout(b.path());
    let generated =
        |dir: &Path| std::fs::read_to_string(dir.join("chekt-api/src/generated.rs")).unwrap();
    let ours = generated(&root());

    // A: a hand-written trait the generated code implements is broken, and
    // the generated file is garbage. chekt-api does not compile.
    edit(
        &a.path().join("chekt-api/src/pagination.rs"),
        "pub trait OffsetPaged",
        "pub trait OffsetPagedRenamed",
    );
    std::fs::write(a.path().join("chekt-api/src/generated.rs"), "broken {").unwrap();
    // B: its spec says something else.
    edit(
        &b.path().join("spec/chekt.yaml"),
        "summary: List sites\n",
        "summary: List every site\n",
    );

    let run_a = cargo_xtask_gen(a.path(), &shared_target);
    assert!(run_a.status.success(), "{}", text(&run_a.stderr));
    assert_eq!(generated(a.path()), ours, "A's generated file is repaired");

    let run_b = cargo_xtask_gen(b.path(), &shared_target);
    assert!(run_b.status.success(), "{}", text(&run_b.stderr));
    assert!(generated(b.path()).contains("List every site"));
    // Each wrote only its own checkout.
    assert_eq!(generated(a.path()), ours);
    assert_eq!(generated(&root()), ours);
}

/// `gen --verify` compiles the rendered client before writing it (the
/// plain preset in a scratch package; offline, this workspace's lock).
#[test]
#[ignore = "runs cargo check on a scratch package; .ci/run runs it"]
fn gen_verify_checks_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("keeper.json");
    std::fs::copy(
        root().join("chekt-gen/tests/corpus/specs/progenitor-keeper.json"),
        &spec,
    )
    .unwrap();
    let out = dir.path().join("client.rs");
    let run = support::xtask(&[
        "gen",
        "--verify",
        "--preset",
        "plain",
        "--spec",
        spec.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains("pub struct Client")
    );
}

/// What `--verify` runs reports code that does not compile.
#[test]
#[ignore = "runs cargo check on a scratch package; .ci/run runs it"]
fn verify_reports_what_does_not_compile() {
    let dir = tempfile::tempdir().unwrap();
    let errors = chekt_gen::verify::check_plain(
        dir.path(),
        &[("", "pub struct A; pub struct A;")],
        &root().join("Cargo.lock"),
        &chekt_gen::verify::target_dir(&root()),
    )
    .unwrap()
    .unwrap();
    assert!(errors.contains("E0428"), "{errors}");
}
