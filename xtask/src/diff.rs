//! `cargo xtask diff`: the breaking-change report between two versions of a
//! spec, each a file or `REV:path` (read with `git show`).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use chekt_gen::diff::Reclassify;
use chekt_gen::diff::render::{Format, render};
use chekt_gen::{Error, Spec, diff};

/// Arguments of `cargo xtask diff`.
#[derive(clap::Args)]
pub struct DiffArgs {
    /// The old spec: a file or `REV:path`.
    #[arg(required_unless_present = "base")]
    old: Option<String>,
    /// The new spec: a file or `REV:path`.
    #[arg(required_unless_present = "base")]
    new: Option<String>,
    /// Compare `--spec` at this git revision with the working tree.
    #[arg(long, conflicts_with_all = ["old", "new"])]
    base: Option<String>,
    /// The spec `--base` compares, relative to the repository root.
    #[arg(long, default_value = "spec/chekt.yaml", requires = "base")]
    spec: PathBuf,
    /// Output: markdown, json or text.
    #[arg(long, default_value = "text")]
    format: Format,
    /// Exit 0 even when something breaks.
    #[arg(long)]
    allow_breaking: bool,
    /// Report a rule's changes as another class: `RULE=CLASS`, class
    /// breaking, additive or non-functional (repeatable).
    #[arg(long = "rule", value_name = "RULE=CLASS")]
    rules: Vec<Reclassify>,
    /// A file of `RULE = CLASS` lines (`#` comments), applied before `--rule`.
    #[arg(long, value_name = "FILE")]
    rules_file: Option<PathBuf>,
}

/// Runs the diff: exit 0 when nothing breaks, 1 when something does (unless
/// `--allow-breaking`); bad input is an `Err` (exit 2).
pub fn run(args: DiffArgs) -> Result<ExitCode, Error> {
    let (old, new) = match &args.base {
        Some(base) => {
            let top = git(Path::new("."), &["rev-parse", "--show-toplevel"], "--base")?;
            let top = PathBuf::from(top.trim_end());
            let path = args.spec.to_string_lossy().replace('\\', "/");
            let old = from_git(&top, &format!("{base}:{path}"))?;
            let new = top.join(&args.spec);
            let text = std::fs::read_to_string(&new).map_err(|e| Error::io(&new, e))?;
            (old, Spec::parse(path, text)?)
        }
        None => (
            load(args.old.as_deref().unwrap_or_default())?,
            load(args.new.as_deref().unwrap_or_default())?,
        ),
    };
    let mut overrides = match &args.rules_file {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            diff::parse_rules(&path.display().to_string(), &text)?
        }
        None => Vec::new(),
    };
    overrides.extend(args.rules);
    let mut report = diff::diff(&old, &new);
    report.reclassify(&overrides);
    print!("{}", render(&report, args.format));
    Ok(if report.is_breaking() && !args.allow_breaking {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// A file if one exists at `side`, else `REV:path` from git.
fn load(side: &str) -> Result<Spec, Error> {
    match side.split_once(':') {
        Some(_) if !Path::new(side).exists() => from_git(Path::new("."), side),
        _ => Spec::from_file(side),
    }
}

fn from_git(dir: &Path, object: &str) -> Result<Spec, Error> {
    Spec::parse(object, git(dir, &["show", object], object)?)
}

/// Runs git in `dir`; a failure is reported as an error naming `what` with
/// git's own message.
fn git(dir: &Path, args: &[&str], what: &str) -> Result<String, Error> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| Error::io(what, e))?;
    if !output.status.success() {
        let message = String::from_utf8_lossy(&output.stderr).trim().to_string();
        return Err(Error::io(what, std::io::Error::other(message)));
    }
    String::from_utf8(output.stdout).map_err(|e| {
        Error::io(
            what,
            std::io::Error::new(std::io::ErrorKind::InvalidData, e),
        )
    })
}
