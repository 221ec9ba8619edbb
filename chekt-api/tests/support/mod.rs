//! Shared test helpers: finding the third-party tools `.ci/install-tools`
//! installs (this module) and fixtures from `spec/recordings`
//! ([`recordings`]).
//!
//! A test that needs a missing tool prints `skipped: … not installed; run
//! .ci/install-tools` and returns, so `cargo test` passes on a bare machine;
//! when `CI` is set, a missing tool fails the test instead.
#![allow(dead_code, clippy::panic)]

use std::path::{Path, PathBuf};

pub mod recordings;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// `name` from `.tools/` (npm binaries, then the Python venv), else from
/// `PATH`.
pub fn find(name: &str) -> Option<PathBuf> {
    let tools = root().join(".tools");
    let local = [
        tools.join("node_modules/.bin").join(name),
        tools.join("venv/bin").join(name),
    ];
    let on_path: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .collect()
        })
        .unwrap_or_default();
    local.into_iter().chain(on_path).find(|p| p.is_file())
}

/// `name`, or `None` after saying the test is skipped; panics instead when
/// `CI` is set, where every tool must be installed.
pub fn require(name: &str) -> Option<PathBuf> {
    let found = find(name);
    if found.is_none() {
        let missing = format!("{name} not installed; run .ci/install-tools");
        if std::env::var_os("CI").is_some() {
            panic!("{missing} (CI is set, so a missing tool fails the test)");
        }
        eprintln!("skipped: {missing}");
    }
    found
}
