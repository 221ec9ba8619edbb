//! What the `xtask` end-to-end tests share: the workspace root, and running
//! the built `xtask` binary there.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Runs `xtask args…` in the workspace root.
pub fn xtask(args: &[&str]) -> Output {
    xtask_with_env(args, &[])
}

/// Runs `xtask args…` in the workspace root with extra environment
/// variables.
pub fn xtask_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root())
        .output()
        .unwrap()
}

/// Output bytes as text, for assertions and failure messages.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
