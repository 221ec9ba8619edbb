//! `cargo xtask gen --verify`: the rendered files compiled before anything
//! is written. The plain preset's client is checked alone in a scratch
//! package; the chekt-api preset's files replace theirs in a scratch copy
//! of the workspace, where `chekt-api` is checked. Both are offline, with
//! the workspace's `Cargo.lock` and `target/` (dependencies compile once).

use std::path::{Path, PathBuf};

use chekt_gen::verify;

use crate::Preset;

/// `Ok(None)` when the files compile, `Ok(Some(cargo's errors))` when they
/// do not, `Err` when they cannot be checked (no workspace lock, no cargo).
pub fn cargo_check(
    root: &Path,
    preset: Preset,
    files: &[(PathBuf, String)],
) -> Result<Option<String>, String> {
    if !root.join("Cargo.lock").is_file() {
        return Err(format!(
            "--verify needs a chekt-rs checkout (its Cargo.lock and target/) and found none at or above {}; run it inside the checkout",
            root.display()
        ));
    }
    let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
    let target = verify::target_dir(root);
    let outcome = match preset {
        Preset::Plain => {
            let code = files.first().map(|(_, code)| code.as_str()).unwrap_or("");
            verify::check_plain(
                scratch.path(),
                &[("", code)],
                &root.join("Cargo.lock"),
                &target,
            )
        }
        Preset::ChektApi => {
            copy_workspace(root, scratch.path())?;
            for (path, code) in files {
                let path = std::env::current_dir().unwrap_or_default().join(path);
                let relative = path.strip_prefix(root).map_err(|_| {
                    format!(
                        "{} is outside the workspace; --verify with the chekt-api preset checks it inside chekt-api",
                        path.display()
                    )
                })?;
                std::fs::write(scratch.path().join(relative), code).map_err(|e| e.to_string())?;
            }
            verify::cargo_check(
                scratch.path(),
                &target,
                &["-p", "chekt-api", "--all-features", "--lib"],
            )
        }
    };
    outcome.map_err(|e| e.to_string())
}

/// The manifests, lock and crates of the workspace (not `target/`, `.git`).
fn copy_workspace(root: &Path, to: &Path) -> Result<(), String> {
    for file in ["Cargo.toml", "Cargo.lock"] {
        std::fs::copy(root.join(file), to.join(file)).map_err(|e| e.to_string())?;
    }
    for dir in ["chekt-gen", "chekt-api", "xtask", "spec"] {
        copy_dir(&root.join(dir), &to.join(dir))?;
    }
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| e.to_string())?;
    for entry in std::fs::read_dir(from).map_err(|e| e.to_string())? {
        let entry = entry.map_err(|e| e.to_string())?;
        let target = to.join(entry.file_name());
        if entry.file_name() == "target" {
            continue;
        }
        if entry.file_type().map_err(|e| e.to_string())?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}
