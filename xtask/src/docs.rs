//! `cargo xtask docs`: renders the spec as a static HTML reference with
//! Redocly (`@redocly/cli build-docs`), installed by `.ci/install-tools`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use chekt_gen::{Error, Spec};

/// Where `.ci/install-tools` puts npm tools, relative to the workspace root.
const TOOL_DIR: &str = ".tools/node_modules/.bin";

/// Finds an npm-installed tool: the workspace's tool directory first, then
/// `PATH`.
pub fn find_tool(root: &Path, name: &str) -> Option<PathBuf> {
    std::iter::once(root.join(TOOL_DIR).join(name))
        .chain(
            std::env::var_os("PATH")
                .iter()
                .flat_map(std::env::split_paths)
                .map(|dir| dir.join(name))
                .collect::<Vec<_>>(),
        )
        .find(|path| path.is_file())
}

/// Validates `spec`, then renders it to `out` (written beside, then renamed
/// into place, so a failed run leaves the previous file intact).
pub fn run(root: &Path, spec: &Path, out: &Path) -> Result<ExitCode, Error> {
    // A spec that does not load is reported with its location, not by Redocly.
    Spec::from_file(spec)?;
    let Some(redocly) = find_tool(root, "redocly") else {
        eprintln!(
            "error: redocly not found (looked in {TOOL_DIR} and PATH); run .ci/install-tools"
        );
        return Ok(ExitCode::from(2));
    };
    let dir = out.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let partial = out.with_extension("partial.html");
    let result = Command::new(&redocly)
        .arg("build-docs")
        .arg(spec)
        .arg("--output")
        .arg(&partial)
        .env("REDOCLY_TELEMETRY", "off")
        .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true")
        .output()
        .map_err(|e| Error::io(&redocly, e))?;
    if !result.status.success() {
        let _ = std::fs::remove_file(&partial);
        eprintln!(
            "error: redocly build-docs failed ({}):\n{}{}",
            result.status,
            String::from_utf8_lossy(&result.stdout),
            String::from_utf8_lossy(&result.stderr)
        );
        return Ok(ExitCode::FAILURE);
    }
    std::fs::rename(&partial, out).map_err(|e| Error::io(out, e))?;
    println!("wrote {}", out.display());
    Ok(ExitCode::SUCCESS)
}
