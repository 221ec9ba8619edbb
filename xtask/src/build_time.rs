//! `cargo xtask bench --build-time`: what depending on chekt-api costs a
//! user's clean build, against the app they would write without it.
//!
//! Two throwaway crates are generated into a temporary directory: the
//! README's quick start (its first Rust block after "## Quick start",
//! depending on this checkout's `chekt-api` with default features) and a
//! bare app doing the same call with reqwest + serde + tokio and the same
//! TLS (rustls with the ring provider). Each is built from nothing in a
//! target directory of its own; they share only the registry cache
//! (`--offline`, the workspace's `Cargo.lock` copied into both so versions
//! match). Each profile builds each app twice, interleaved (bare, app,
//! app, bare), and keeps each app's faster build: a machine whose load
//! drifts skews both sides alike, and the first build of a run, which
//! reads the registry's sources and the toolchain from disk (10–15 s
//! more, measured), counts for neither. Goal (issue 25): the app's debug
//! build at most 1.2× the bare one's.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

/// Seconds of clean builds, one profile.
#[derive(Debug, Clone, Copy)]
pub struct Pair {
    /// The quick-start app (chekt-api).
    pub app: f64,
    /// The bare reqwest + serde + tokio app.
    pub bare: f64,
}

impl Pair {
    /// How many times the bare build the app's takes.
    pub fn ratio(&self) -> f64 {
        self.app / self.bare
    }
}

/// Clean builds of both apps, debug and release.
#[derive(Debug, Clone, Copy)]
pub struct BuildTimes {
    /// `cargo build`.
    pub debug: Pair,
    /// `cargo build --release`.
    pub release: Pair,
}

/// The bare app: the quick start's call, by hand.
const BARE_MAIN: &str = r#"#[derive(serde::Deserialize)]
struct Site {
    site_id: i64,
    name: String,
    timezone: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder().build()?;
    let sites: Vec<Site> = http
        .get("https://api.chekt.com/partner/v1/dealers/42/sites")
        .bearer_auth(std::env::var("CHEKT_ACCESS_TOKEN")?)
        .query(&[("sort", "created_at"), ("dir", "desc"), ("limit", "50")])
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    for site in &sites {
        println!("{} {} ({})", site.site_id, site.name, site.timezone);
    }
    Ok(())
}
"#;

/// Generates both apps under a temporary directory and times their clean
/// builds; fails naming the app and profile whose build failed.
pub fn measure(root: &Path, cargo: &str) -> Result<BuildTimes> {
    let dir = tempfile::tempdir().context("cannot create a temporary directory")?;
    let readme = root.join("chekt-api/README.md");
    let readme_text = std::fs::read_to_string(&readme)
        .with_context(|| format!("cannot read {}", readme.display()))?;
    let quick_start = quick_start(&readme_text).with_context(|| {
        format!(
            "{}: no Rust block after \"## Quick start\"",
            readme.display()
        )
    })?;
    let chekt_api = root.join("chekt-api");
    let app = write_crate(
        dir.path(),
        "app",
        &format!(
            "chekt-api = {{ path = {:?} }}\n\
             tokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }}\n",
            chekt_api.display().to_string()
        ),
        quick_start,
        root,
    )?;
    let bare = write_crate(
        dir.path(),
        "bare",
        "reqwest = { version = \"0.13\", default-features = false, features = [\"json\", \"query\", \"http2\", \"rustls-no-provider\"] }\n\
         rustls = { version = \"0.23\", default-features = false, features = [\"ring\", \"std\", \"tls12\"] }\n\
         serde = { version = \"1\", features = [\"derive\"] }\n\
         tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }\n",
        BARE_MAIN,
        root,
    )?;
    let time = |name: &str, krate: &Path, release: bool| -> Result<f64> {
        let profile = if release { "release" } else { "debug" };
        let target = dir.path().join(format!("target-{name}-{profile}"));
        eprintln!("bench: clean {profile} build of the {name} app");
        let mut command = Command::new(cargo);
        command
            .args(["build", "--offline", "--quiet"])
            .env("CARGO_TARGET_DIR", &target)
            .current_dir(krate);
        if release {
            command.arg("--release");
        }
        let start = Instant::now();
        let status = command
            .status()
            .with_context(|| format!("cannot run cargo build for the {name} app"))?;
        let elapsed = start.elapsed().as_secs_f64();
        if !status.success() {
            bail!("the {name} app's clean {profile} build failed ({status})");
        }
        // The next build of this app starts from nothing again.
        std::fs::remove_dir_all(&target)
            .with_context(|| format!("cannot remove {}", target.display()))?;
        Ok(elapsed)
    };
    let pair = |release: bool| -> Result<Pair> {
        let bare_first = time("bare", &bare, release)?;
        let app_first = time("quick-start", &app, release)?;
        let app_second = time("quick-start", &app, release)?;
        let bare_second = time("bare", &bare, release)?;
        Ok(Pair {
            app: app_first.min(app_second),
            bare: bare_first.min(bare_second),
        })
    };
    Ok(BuildTimes {
        debug: pair(false)?,
        release: pair(true)?,
    })
}

/// The first ```` ```rust ```` block after the "## Quick start" heading.
fn quick_start(readme: &str) -> Option<&str> {
    let section = &readme[readme.find("## Quick start")?..];
    let fence = section.find("```rust")?;
    let body = &section[fence..];
    let start = body.find('\n')? + 1;
    let end = body[start..].find("\n```")?;
    Some(&body[start..start + end + 1])
}

/// A binary crate `name` under `dir` with `deps`, `main` as `src/main.rs`
/// and the workspace's `Cargo.lock`; returns its directory.
fn write_crate(
    dir: &Path,
    name: &str,
    deps: &str,
    main: &str,
    root: &Path,
) -> Result<std::path::PathBuf> {
    let krate = dir.join(name);
    std::fs::create_dir_all(krate.join("src"))?;
    std::fs::write(
        krate.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [workspace]\n\n[dependencies]\n{deps}"
        ),
    )?;
    std::fs::write(krate.join("src/main.rs"), main)?;
    std::fs::copy(root.join("Cargo.lock"), krate.join("Cargo.lock"))
        .context("cannot copy the workspace's Cargo.lock")?;
    Ok(krate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quick_start_is_the_readmes_first_rust_block_after_its_heading() {
        let readme = "# x\n```rust\nnot this\n```\n## Quick start: go\ntext\n```rust,no_run\nfn main() {}\n```\nmore\n```rust\nnor this\n```\n";
        assert_eq!(quick_start(readme), Some("fn main() {}\n"));
        assert_eq!(quick_start("## Quick start\nno code"), None);
        assert_eq!(quick_start("```rust\nfn main() {}\n```"), None);
    }

    #[test]
    fn the_checked_in_readme_has_a_quick_start() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let readme = std::fs::read_to_string(root.join("chekt-api/README.md")).unwrap();
        let main = quick_start(&readme).unwrap();
        assert!(main.contains("async fn main()"), "{main}");
        assert!(main.contains("chekt_api::Client::builder()"), "{main}");
    }
}
