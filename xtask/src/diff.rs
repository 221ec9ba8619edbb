//! `cargo xtask diff`: the breaking-change report between two versions of a
//! spec, each an existing file or `REV:path` (read with `git show`), on the
//! wire and on the generated `chekt-api` crate. Changes named in an
//! acknowledged-changes file (`--accepted`) and removals past their
//! announced sunset do not fail the run; a stale entry is a warning, an
//! error (exit 2) with `--strict`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use chekt_gen::diff::deprecation::{NaiveDate, parse_date};
use chekt_gen::diff::render::{Format, render};
use chekt_gen::diff::{Deprecation, DiffOptions, FailOn, FlagExtension, Reclassify};
use chekt_gen::generate::GenerateOptions;
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
    /// Which axis fails the run (exit 1): `wire` (a breaking wire change),
    /// `crate` (a major change to the generated chekt-api) or `any`.
    #[arg(long, default_value = "any")]
    fail_on: FailOn,
    /// Skip the crate axis (no code generation; wire only).
    #[arg(long)]
    wire_only: bool,
    /// Report a rule's changes as another class: `RULE=CLASS`, class
    /// breaking, additive or non-functional (repeatable).
    #[arg(long = "rule", value_name = "RULE=CLASS")]
    rules: Vec<Reclassify>,
    /// A file of `RULE = CLASS` lines (`#` comments), applied before
    /// `--rule`, and the deprecation policy's `deprecation-notice = DAYS`.
    #[arg(long, value_name = "FILE")]
    rules_file: Option<PathBuf>,
    /// The acknowledged-changes file (e.g. `spec/accepted-changes.yaml`):
    /// the changes it names are shown as accepted, with their reasons, and
    /// do not fail the run.
    #[arg(long, value_name = "FILE")]
    accepted: Option<PathBuf>,
    /// An entry of `--accepted` that matches no change is an error (exit
    /// 2) rather than a warning.
    #[arg(long)]
    strict: bool,
    /// The day sunsets (`x-chekt-sunset`) are judged on, `YYYY-MM-DD`;
    /// today in UTC by default.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    today: Option<NaiveDate>,
}

/// Runs the diff: exit 0 when nothing breaks on the `--fail-on` axis, 1 when
/// something does (unless `--allow-breaking`); bad input is an `Err` (exit
/// 2). A side that cannot be generated leaves the crate axis unavailable
/// (said in the report) and the wire axis reporting.
pub fn run(args: DiffArgs) -> Result<ExitCode, Error> {
    let (old, new) = match &args.base {
        Some(base) => {
            if base.is_empty() || base.starts_with('-') {
                return Err(Error::io(
                    base,
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        "--base must be a git revision",
                    ),
                ));
            }
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
    let mut rules = match &args.rules_file {
        Some(path) => diff::parse_rules(&path.display().to_string(), &read(path)?)?,
        None => diff::RulesFile::default(),
    };
    rules.reclassify.extend(args.rules);
    let accepted = match &args.accepted {
        Some(path) => diff::parse_accepted(&path.display().to_string(), &read(path)?)?,
        None => diff::AcceptedChanges::default(),
    };
    let settings = DiffOptions {
        deprecation: Deprecation {
            notice_days: rules.deprecation_notice.unwrap_or(0),
            today: args.today,
        },
        ..options(args.wire_only)
    };
    let mut report = diff::diff_with(&old, &new, &settings)?;
    report.reclassify(&rules.reclassify);
    report.accept(&accepted);
    print!("{}", render(&report, args.format));
    if args.strict
        && let Some(stale) = report.stale.first()
    {
        return Err(stale.to_error());
    }
    Ok(if report.fails(args.fail_on) && !args.allow_breaking {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// How `diff` (and `semver`) compare: the flag extensions we watch, and
/// the crate axis unless `wire_only`; removals of deprecated items are
/// judged with no minimum notice, as of today.
pub(crate) fn options(wire_only: bool) -> DiffOptions {
    DiffOptions {
        deprecation: Deprecation::default(),
        flags: vec![FlagExtension::new(
            "x-chekt-inferred",
            "not confirmed by CHeKT's documentation",
            "now confirmed by CHeKT's documentation",
        )],
        // The crate axis renders any spec the way `gen` renders ours, but a
        // pass with nothing to rewrite in that spec (no `fields` lists, say)
        // is not a reason to give up on comparing the crates.
        crate_axis: (!wire_only).then(|| GenerateOptions::chekt_api().with_passes_must_fire(false)),
    }
}

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|e| Error::io(path, e))
}

/// A file if one exists at `side`, else `REV:path` from git. Anything else
/// (an option such as `--output=F`, a revision or path starting with `-`, a
/// missing file) is refused before git sees it.
fn load(side: &str) -> Result<Spec, Error> {
    if Path::new(side).is_file() {
        return Spec::from_file(side);
    }
    let revision = side.split_once(':').filter(|(rev, path)| {
        !rev.is_empty()
            && !path.is_empty()
            && !rev.starts_with('-')
            && !path.starts_with('-')
            && !rev.chars().any(char::is_whitespace)
    });
    match revision {
        Some(_) => from_git(Path::new("."), side),
        None => Err(Error::io(
            side,
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not an existing file nor a `REV:path` revision",
            ),
        )),
    }
}

pub(crate) fn from_git(dir: &Path, object: &str) -> Result<Spec, Error> {
    Spec::parse(
        object,
        git(dir, &["show", "--end-of-options", object], object)?,
    )
}

/// Runs git in `dir`; a failure is reported as an error naming `what` with
/// git's own message.
pub(crate) fn git(dir: &Path, args: &[&str], what: &str) -> Result<String, Error> {
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
