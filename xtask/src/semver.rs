//! `cargo xtask semver`: does chekt-api's version honour the spec changes
//! since the last release? The last release is the highest `chekt-api-vX.Y.Z`
//! or `vX.Y.Z` tag reachable from HEAD; with none (a fresh clone, before
//! the first release), the comparison is against `--base` (default `HEAD`)
//! and its `chekt-api/Cargo.toml` version, and the output says so. The
//! rules and the changelog entry are `chekt_gen::release`'s.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chekt_gen::diff::render::verdict;
use chekt_gen::{Error, Spec, diff, release};

use crate::diff::{from_git, git, options};

const MANIFEST: &str = "chekt-api/Cargo.toml";
const SPEC: &str = "spec/chekt.yaml";
const CHANGELOG: &str = "chekt-api/CHANGELOG.md";

/// Arguments of `cargo xtask semver`.
#[derive(clap::Args)]
pub struct SemverArgs {
    /// The git revision to compare against when no release tag is
    /// reachable from HEAD.
    #[arg(long, default_value = "HEAD")]
    base: String,
    /// Also make the changelog entry: `print` it, or `append` it to
    /// chekt-api/CHANGELOG.md (created if missing; an entry for the same
    /// version is replaced).
    #[arg(long, value_enum)]
    changelog: Option<Changelog>,
}

/// What to do with the changelog entry.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Changelog {
    Print,
    Append,
}

/// Exit 0 when the version honours the changes, 1 when it does not, `Err`
/// (exit 2) for bad input: a bad revision, an unreadable manifest or spec.
pub fn run(args: SemverArgs) -> Result<ExitCode, Error> {
    let top =
        PathBuf::from(git(Path::new("."), &["rev-parse", "--show-toplevel"], "semver")?.trim_end());
    let tags = git(&top, &["tag", "--merged", "HEAD", "--list"], "release tags")?;
    let (base, label, released) = match release::last_release(tags.lines()) {
        Some((tag, version)) => (tag.to_string(), format!("release {tag}"), version),
        None => {
            if args.base.is_empty() || args.base.starts_with('-') {
                return Err(invalid(&args.base, "--base must be a git revision"));
            }
            let object = format!("{}:{MANIFEST}", args.base);
            let text = git(&top, &["show", "--end-of-options", &object], &object)?;
            let version = release::manifest_version(&text).map_err(|e| invalid(&object, &e))?;
            println!(
                "no release tag (chekt-api-vX.Y.Z or vX.Y.Z) is reachable from HEAD: comparing with {} ({version})",
                args.base
            );
            (args.base.clone(), args.base.clone(), version)
        }
    };
    let old = from_git(&top, &format!("{base}:{SPEC}"))?;
    let path = top.join(SPEC);
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let report = diff::diff_with(&old, &Spec::parse(SPEC, text)?, &options(false))?;
    let manifest = top.join(MANIFEST);
    let text = std::fs::read_to_string(&manifest).map_err(|e| Error::io(&manifest, e))?;
    let current = release::manifest_version(&text).map_err(|e| invalid(MANIFEST, &e))?;

    let check = release::check(&label, &released, &current, report.bump());
    println!("{} ({})", check.message, verdict(&report));
    if let Some(mode) = args.changelog {
        let date = chrono::Utc::now().format("%Y-%m-%d").to_string();
        let entry = release::changelog_entry(&report, &current, &base, &date);
        match mode {
            Changelog::Print => print!("{entry}"),
            Changelog::Append => {
                let file = top.join(CHANGELOG);
                let old = match std::fs::read_to_string(&file) {
                    Ok(text) => text,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
                    Err(e) => return Err(Error::io(&file, e)),
                };
                std::fs::write(&file, release::insert_entry(&old, &entry))
                    .map_err(|e| Error::io(&file, e))?;
                println!("wrote the {current} entry to {CHANGELOG}");
            }
        }
    }
    Ok(if check.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn invalid(what: &str, message: &str) -> Error {
    Error::io(
        what,
        std::io::Error::new(std::io::ErrorKind::InvalidData, message.to_string()),
    )
}
