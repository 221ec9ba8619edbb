//! `cargo package --list -p chekt-api` holds what a user needs and nothing
//! else (issue 25): every source file of the library, its binary and its
//! examples, the README (the user's guide) and the manifest; no tests,
//! benches or fixtures, which read `spec/` outside the package anyway.

#![allow(clippy::unwrap_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// Files cargo adds to every package (`Cargo.lock`: the package has a
/// binary; `.cargo_vcs_info.json`: packaged from a git checkout).
const GENERATED: &[&str] = &[
    "Cargo.toml",
    "Cargo.toml.orig",
    "Cargo.lock",
    ".cargo_vcs_info.json",
];

fn packaged() -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let out = Command::new(cargo)
        .args([
            "package",
            "--list",
            "--offline",
            "--allow-dirty",
            "-p",
            "chekt-api",
        ])
        .current_dir(support::root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo package --list failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// The `.rs` files under `dir`, relative to the package, `/`-separated.
fn rust_files(package: &Path, dir: &str, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(package.join(dir)).unwrap() {
        let path = entry.unwrap().path();
        let relative = path
            .strip_prefix(package)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if path.is_dir() {
            rust_files(package, &relative, out);
        } else if relative.ends_with(".rs") {
            out.insert(relative);
        }
    }
}

#[test]
fn the_package_holds_what_a_user_needs_and_nothing_else() {
    let listed = packaged();
    let package = support::root().join("chekt-api");
    let mut wanted = BTreeSet::new();
    rust_files(&package, "src", &mut wanted);
    rust_files(&package, "examples", &mut wanted);
    wanted.insert("README.md".to_string());
    if package.join("CHANGELOG.md").is_file() {
        wanted.insert("CHANGELOG.md".to_string());
    }
    let missing: Vec<_> = wanted.difference(&listed).collect();
    assert!(missing.is_empty(), "not packaged: {missing:?}");
    let extra: Vec<_> = listed
        .iter()
        .filter(|f| !wanted.contains(*f) && !GENERATED.contains(&f.as_str()))
        .collect();
    assert!(extra.is_empty(), "packaged but not for users: {extra:?}");
    for needed in [
        "src/lib.rs",
        "src/generated.rs",
        "src/bin/chekt.rs",
        "Cargo.toml",
    ] {
        assert!(listed.contains(needed), "{needed} is not packaged");
    }
}

/// The README is the crate's (crates.io shows it), and the crate docs
/// compile its snippets: it must stay inside the package.
#[test]
fn the_readme_is_the_packaged_users_guide() {
    let manifest = std::fs::read_to_string(support::root().join("chekt-api/Cargo.toml")).unwrap();
    assert!(manifest.contains("readme = \"README.md\""), "{manifest}");
    let lib = std::fs::read_to_string(support::root().join("chekt-api/src/lib.rs")).unwrap();
    assert!(
        lib.contains("include_str!(\"../README.md\")"),
        "lib.rs no longer compiles the README's snippets"
    );
    let readme = std::fs::read_to_string(support::root().join("chekt-api/README.md")).unwrap();
    for section in [
        "## Install",
        "## Quick start",
        "## Authentication",
        "## Errors",
        "## Paging",
        "## Per-call options",
        "## Reliability",
        "## Testing your code: typed mocks",
        "## Webhooks",
        "## The `chekt` CLI",
    ] {
        assert!(
            readme.contains(section),
            "the user's guide lost {section:?}"
        );
    }
    // A user installs this version (caret: `0.1` for 0.1.x, `1` for 1.x),
    // not a path into this repository.
    assert!(
        !readme.contains("path = "),
        "a path dependency in the guide"
    );
    let version = env!("CARGO_PKG_VERSION");
    let parts: Vec<&str> = version.split(['.', '+', '-']).collect();
    let caret = if parts[0] == "0" {
        format!("{}.{}", parts[0], parts[1])
    } else {
        parts[0].to_string()
    };
    let install = format!("chekt-api = \"{caret}\"");
    assert!(
        readme.contains(&install),
        "the guide does not install {install}"
    );
}

/// `major.minor[.patch]` as numbers.
fn rust_version(text: &str) -> (u64, u64, u64) {
    let mut parts = text.split('.').map(|p| p.parse::<u64>().unwrap());
    (
        parts.next().unwrap(),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

/// chekt-api's `rust-version` is honest about its dependencies: every
/// package it builds with (all features, this platform, as `Cargo.lock`
/// pins them) declares a `rust-version` no newer. Clippy's
/// `incompatible_msrv` (denied in the workspace lints) checks our own
/// code; this checks the rest.
#[test]
fn every_locked_dependency_builds_on_the_rust_version() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let rustc = Command::new("rustc").arg("-vV").output().unwrap();
    let host = String::from_utf8(rustc.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .unwrap();
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version=1",
            "--offline",
            "--locked",
            "--all-features",
            "--filter-platform",
            &host,
        ])
        .current_dir(support::root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = metadata["packages"].as_array().unwrap();
    let package = |id: &str| packages.iter().find(|p| p["id"] == id).unwrap();
    let nodes = metadata["resolve"]["nodes"].as_array().unwrap();
    let root = packages.iter().find(|p| p["name"] == "chekt-api").unwrap();
    let msrv = rust_version(root["rust_version"].as_str().unwrap());
    let mut seen = BTreeSet::new();
    let mut pending = vec![root["id"].as_str().unwrap().to_string()];
    let mut too_new = Vec::new();
    while let Some(id) = pending.pop() {
        if !seen.insert(id.clone()) {
            continue;
        }
        let p = package(&id);
        if let Some(required) = p["rust_version"].as_str()
            && rust_version(required) > msrv
        {
            too_new.push(format!("{} {} needs {required}", p["name"], p["version"]));
        }
        let node = nodes.iter().find(|n| n["id"] == id.as_str()).unwrap();
        for dep in node["deps"].as_array().unwrap() {
            // Normal and build dependencies; dev-dependencies are ours.
            let built = dep["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kind"].is_null() || k["kind"] == "build");
            if built {
                pending.push(dep["pkg"].as_str().unwrap().to_string());
            }
        }
    }
    assert!(seen.len() > 50, "only {} packages walked", seen.len());
    assert!(
        too_new.is_empty(),
        "newer than chekt-api's rust-version {msrv:?}: {too_new:?} (`cargo update -p NAME` picks a release that fits, or raise rust-version and say why in chekt-api/Cargo.toml)"
    );
}
