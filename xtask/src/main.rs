//! `cargo xtask`: thin CLI over `chekt-gen`. Each subcommand parses its
//! arguments and calls one library function; no spec logic lives here.
//!
//! Exit codes: 0 success, 1 the check failed (stale code, lint errors,
//! breaking changes), 2 bad input (unreadable or invalid spec, bad flags).

mod bench;
mod diff;
mod docs;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chekt_gen::generate::{self, Companion, GenerateOptions};
use chekt_gen::output::{self, Check};
use chekt_gen::{Error, Severity, Spec, lint};
use clap::{Parser, Subcommand, ValueEnum};

mod contract;
mod record;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Maintainer commands for chekt-rs")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate chekt-api's client, typed mocks and CLI from the spec (or
    /// check they are current).
    Gen {
        /// Write nothing; fail with a diff if the checked-in code is stale.
        #[arg(long)]
        check: bool,
        /// The spec to generate from.
        #[arg(long, default_value_os_t = root().join("spec/chekt.yaml"))]
        spec: PathBuf,
        /// The file to write.
        #[arg(long, default_value_os_t = root().join("chekt-api/src/generated.rs"))]
        out: PathBuf,
        /// Generation preset: `chekt-api` (hooks into its runtime) or `plain`.
        #[arg(long, value_enum, default_value_t = Preset::ChektApi)]
        preset: Preset,
        /// Print lint warnings in full.
        #[arg(short, long)]
        verbose: bool,
    },
    /// Report what changed between two versions of a spec and whether it
    /// breaks clients.
    Diff(diff::DiffArgs),
    /// Render the spec as a static HTML reference with Redocly.
    Docs {
        /// The spec to render.
        #[arg(long, default_value_os_t = root().join("spec/chekt.yaml"))]
        spec: PathBuf,
        /// The HTML file to write.
        #[arg(long, default_value_os_t = root().join("target/docs/chekt-api.html"))]
        out: PathBuf,
    },
    /// Lint a spec and print every finding.
    Lint {
        /// The spec to lint.
        #[arg(default_value_os_t = root().join("spec/chekt.yaml"))]
        spec: PathBuf,
        /// Fail on warnings too.
        #[arg(long)]
        strict: bool,
        /// Print, per operation, the seed sections it names and what of it
        /// is inferred (what to confirm with CHeKT), after the findings.
        #[arg(long)]
        sources: bool,
    },
    /// Check the spec against the recorded exchanges in spec/recordings.
    Contract(contract::ContractArgs),
    /// Record an exchange from a live or sandbox server, secrets scrubbed.
    Record(record::RecordArgs),
    /// Run the benchmarks and print one table of ratios against baselines
    /// measured in the same run.
    Bench(bench::BenchArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum Preset {
    ChektApi,
    Plain,
}

/// The workspace root (xtask lives one level below it).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn main() -> ExitCode {
    match run(Cli::parse().command) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> Result<ExitCode, Error> {
    match command {
        Command::Gen {
            check,
            spec,
            out,
            preset,
            verbose,
        } => gen_command(&spec, &out, preset, check, verbose),
        Command::Lint {
            spec,
            strict,
            sources,
        } => lint_command(&spec, strict, sources),
        Command::Docs { spec, out } => docs::run(&root(), &spec, &out),
        Command::Contract(args) => contract::run(args),
        Command::Record(args) => record::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Bench(args) => Ok(bench::command(&root(), &args)),
    }
}

/// The files `gen` produces: the client, and for the chekt-api preset its
/// typed mocks and CLI next to it (`mock/generated.rs`, `cli/generated.rs`).
fn gen_targets(out: &Path, preset: Preset) -> Vec<(PathBuf, Option<(Companion, &'static str)>)> {
    let mut targets = vec![(out.to_path_buf(), None)];
    if let Preset::ChektApi = preset {
        let dir = out.parent().unwrap_or(Path::new("."));
        targets.push((
            dir.join("mock/generated.rs"),
            Some((Companion::Mock, "crate")),
        ));
        targets.push((
            dir.join("cli/generated.rs"),
            Some((Companion::Cli, "crate::cli::support")),
        ));
    }
    targets
}

fn gen_command(
    spec: &Path,
    out: &Path,
    preset: Preset,
    check: bool,
    verbose: bool,
) -> Result<ExitCode, Error> {
    let spec = Spec::from_file(spec)?;
    let options = match preset {
        Preset::ChektApi => GenerateOptions::chekt_api(),
        Preset::Plain => GenerateOptions::default(),
    };
    // Render everything before writing anything.
    let mut rendered = Vec::new();
    for (path, companion) in gen_targets(out, preset) {
        let result = match companion {
            None => generate::render(&spec, &options),
            Some((kind, crate_path)) => {
                generate::render_companion(&spec, &options, kind, crate_path)
            }
        };
        match result {
            Ok(code) => rendered.push((path, code)),
            Err(e @ Error::Lint { .. }) => {
                eprintln!("error: {e}");
                return Ok(ExitCode::FAILURE);
            }
            Err(e) => return Err(e),
        }
    }
    let warnings = &rendered[0].1.warnings;
    if verbose {
        warnings.iter().for_each(|w| eprintln!("{w}"));
    } else if !warnings.is_empty() {
        eprintln!(
            "{} lint warning(s); `cargo xtask lint` lists them",
            warnings.len()
        );
    }
    if !check {
        for (path, code) in &rendered {
            println!("{}", output::write(path, &code.code)?);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut stale = false;
    for (path, code) in &rendered {
        match output::check(path, &code.code)? {
            Check::UpToDate => {
                println!("{} is up to date with {}", path.display(), spec.name());
            }
            Check::Missing => {
                eprintln!("{} is missing; run `cargo xtask gen`", path.display());
                stale = true;
            }
            Check::Stale(diff) => {
                println!("{diff}");
                eprintln!(
                    "{} is out of date relative to {}; run `cargo xtask gen` and commit the result",
                    path.display(),
                    spec.name()
                );
                stale = true;
            }
        }
    }
    Ok(if stale {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn lint_command(spec: &Path, strict: bool, sources: bool) -> Result<ExitCode, Error> {
    let spec = Spec::from_file(spec)?;
    let report = lint::lint(&spec);
    for finding in &report.findings {
        println!("{}: {finding}", spec.name());
    }
    let errors = report.errors().count();
    let warnings = report.warnings().count();
    println!("{}: {errors} error(s), {warnings} warning(s)", spec.name());
    if sources {
        let rows = lint::sources::report(&spec);
        let fully = rows.iter().filter(|r| r.inferred.is_empty()).count();
        for row in &rows {
            println!("\n{row}");
        }
        println!(
            "\n{} operation(s): {fully} fully documented, {} with inferred parts",
            rows.len(),
            rows.len() - fully
        );
    }
    let threshold = if strict {
        Severity::Warning
    } else {
        Severity::Error
    };
    let failed = report.findings.iter().any(|f| f.severity >= threshold);
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
