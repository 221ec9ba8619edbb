//! `cargo check` on generated code in a scratch package, so that a
//! generator run can refuse to write code that does not compile (`cargo
//! xtask gen --verify`) and the corpus test can check many clients in one
//! build. Offline: dependencies come from a given `Cargo.lock` and a warm
//! target directory.

use std::path::Path;
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The `[dependencies]` a client of the plain preset needs: those of
/// `tests/output/Cargo.toml`, plus `base64` and `rand` for operations that
/// upgrade to a WebSocket (progenitor's generated handshake uses both).
pub const PLAIN_DEPENDENCIES: &str = r#"progenitor-client = "=0.15.1"
reqwest = { version = "0.13", default-features = false, features = ["json", "query", "form", "stream"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
chrono = { version = "0.4", default-features = false, features = ["serde", "std"] }
uuid = { version = "1", features = ["serde", "v4"] }
regress = "0.12"
bytes = "1"
futures = "0.3"
base64 = "0.22"
rand = "0.9"
"#;

/// The target directory to compile scratch packages in, so dependencies
/// already built for the workspace at `root` are reused: `CARGO_TARGET_DIR`
/// when set, else `root/target`.
pub fn target_dir(root: &Path) -> std::path::PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// What to compile: `(module, code)` pairs; one pair with an empty module
/// name is the whole crate root (its `types` at `crate::types`).
pub type Modules<'a> = [(&'a str, &'a str)];

/// Writes a package of `modules` into `dir` (with `lock` as its
/// `Cargo.lock`) and runs `cargo check --offline` on it with
/// `target_dir`. `Ok(None)` when it compiles, `Ok(Some(errors))` with
/// cargo's error lines when it does not; `Err` when cargo could not run.
pub fn check_plain(
    dir: &Path,
    modules: &Modules<'_>,
    lock: &Path,
    target_dir: &Path,
) -> Result<Option<String>> {
    let src = dir.join("src");
    std::fs::create_dir_all(&src).map_err(|e| Error::io(&src, e))?;
    // Named after its content: cargo keys artifacts by package name and
    // path relative to the package, so two scratch packages of one name
    // sharing a target dir could be taken for each other.
    let mut digest = Sha256::new();
    for (name, code) in modules {
        digest.update(name.as_bytes());
        digest.update([0]);
        digest.update(code.as_bytes());
        digest.update([0]);
    }
    let id = hex::encode(&digest.finalize()[..8]);
    let manifest = format!(
        "[package]\nname = \"chekt-gen-verify-{id}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[workspace]\n\n[lib]\npath = \"src/lib.rs\"\n\n[dependencies]\n{PLAIN_DEPENDENCIES}"
    );
    write(&dir.join("Cargo.toml"), &manifest)?;
    std::fs::copy(lock, dir.join("Cargo.lock")).map_err(|e| Error::io(lock, e))?;
    let lib = match modules {
        [("", code)] => code.to_string(),
        _ => {
            let mut lib = String::from("#![allow(warnings)]\n");
            for (name, code) in modules {
                write(&src.join(format!("{name}.rs")), code)?;
                lib.push_str(&format!("pub mod {name};\n"));
            }
            lib
        }
    };
    write(&src.join("lib.rs"), &lib)?;
    cargo_check(dir, target_dir, &[])
}

/// `cargo check --offline` in `dir` with extra `args`: `Ok(None)` when it
/// passes, `Ok(Some(errors))` with the compiler's errors (short form, one
/// per line) when the code does not compile, and `Err` when cargo failed
/// without a compiler error (no toolchain, `RUSTC` broken, a dependency not
/// in the offline cache...): that says nothing about the code.
pub fn cargo_check(dir: &Path, target_dir: &Path, args: &[&str]) -> Result<Option<String>> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "check",
            "--offline",
            "--quiet",
            "--message-format",
            "json-diagnostic-short",
        ])
        .args(args)
        .env("CARGO_TARGET_DIR", target_dir)
        .current_dir(dir)
        .output()
        .map_err(|e| Error::io(dir, e))?;
    if output.status.success() {
        return Ok(None);
    }
    let errors = compiler_errors(&String::from_utf8_lossy(&output.stdout));
    if errors.is_empty() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(Error::io(
            dir,
            std::io::Error::other(format!(
                "`cargo check` failed without a compiler error, so it says nothing about the code: {}",
                stderr.trim()
            )),
        ));
    }
    Ok(Some(errors.join("\n")))
}

/// The rendered `error` diagnostics among cargo's JSON messages.
fn compiler_errors(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-message" && m["message"]["level"] == "error")
        .filter_map(|m| {
            m["message"]["rendered"]
                .as_str()
                .map(|r| r.trim_end().to_string())
        })
        .collect()
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| Error::io(path, e))
}
