//! `cargo xtask`: thin CLI over `chekt-gen`. Each subcommand parses its
//! arguments and calls one library function; no spec logic lives here.
//!
//! Exit codes: 0 success, 1 the check failed (stale code, lint errors,
//! breaking changes), 2 bad input (unreadable or invalid spec, bad flags).

mod bench;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chekt_gen::generate::{self, GenerateOptions};
use chekt_gen::output::{self, Check};
use chekt_gen::{Error, Severity, Spec, lint};
use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Maintainer commands for chekt-rs")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate chekt-api's client from the spec (or check it is current).
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
    /// Lint a spec and print every finding.
    Lint {
        /// The spec to lint.
        #[arg(default_value_os_t = root().join("spec/chekt.yaml"))]
        spec: PathBuf,
        /// Fail on warnings too.
        #[arg(long)]
        strict: bool,
    },
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
        Command::Lint { spec, strict } => lint_command(&spec, strict),
        Command::Bench(args) => Ok(bench::command(&root(), &args)),
    }
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
    let rendered = match generate::render(&spec, &options) {
        Ok(rendered) => rendered,
        Err(e @ Error::Lint { .. }) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::FAILURE);
        }
        Err(e) => return Err(e),
    };
    if verbose {
        rendered.warnings.iter().for_each(|w| eprintln!("{w}"));
    } else if !rendered.warnings.is_empty() {
        eprintln!(
            "{} lint warning(s); `cargo xtask lint` lists them",
            rendered.warnings.len()
        );
    }
    if !check {
        println!("{}", output::write(out, &rendered.code)?);
        return Ok(ExitCode::SUCCESS);
    }
    match output::check(out, &rendered.code)? {
        Check::UpToDate => {
            println!("{} is up to date with {}", out.display(), spec.name());
            Ok(ExitCode::SUCCESS)
        }
        Check::Missing => {
            eprintln!("{} is missing; run `cargo xtask gen`", out.display());
            Ok(ExitCode::FAILURE)
        }
        Check::Stale(diff) => {
            println!("{diff}");
            eprintln!(
                "{} is out of date relative to {}; run `cargo xtask gen` and commit the result",
                out.display(),
                spec.name()
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

fn lint_command(spec: &Path, strict: bool) -> Result<ExitCode, Error> {
    let spec = Spec::from_file(spec)?;
    let report = lint::lint(&spec);
    for finding in &report.findings {
        println!("{}: {finding}", spec.name());
    }
    let errors = report.errors().count();
    let warnings = report.warnings().count();
    println!("{}: {errors} error(s), {warnings} warning(s)", spec.name());
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
