//! `cargo xtask`: thin CLI over `chekt-gen`. Each subcommand parses its
//! arguments and calls one library function; no spec logic lives here.
//!
//! Exit codes: 0 success, 1 the check failed (stale code, lint errors,
//! breaking changes), 2 bad input (unreadable or invalid spec, bad flags).

mod bench;
mod build_time;
mod diff;
mod docs;
mod semver;
mod verify;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chekt_gen::generate::{self, Companion, GenerateOptions};
use chekt_gen::lint::LintConfig;
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
        /// Before writing, `cargo check` the rendered code in a scratch copy
        /// (offline, dependencies from the workspace's Cargo.lock); write
        /// nothing if it does not compile.
        #[arg(long)]
        verify: bool,
        #[command(flatten)]
        spec: SpecArgs,
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
    /// Check chekt-api's version against the spec changes since the last
    /// release tag (exit 1 when it is too small) and make the changelog
    /// entry.
    Semver(semver::SemverArgs),
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
        #[command(flatten)]
        spec: SpecArgs,
        /// List the rules with their default severities and exit.
        #[arg(long)]
        list_rules: bool,
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

/// How `gen` and `lint` take the spec and its lint severities.
#[derive(clap::Args)]
struct SpecArgs {
    /// The spec (YAML, or JSON when it ends in `.json` or starts with `{`).
    #[arg(long, default_value_os_t = root().join("spec/chekt.yaml"))]
    spec: PathBuf,
    /// Set a lint rule's severity, `RULE=error|warning|info` (repeatable);
    /// applied after the spec directory's `chekt-lint.conf`.
    #[arg(long = "rule", value_name = "RULE=SEVERITY")]
    rules: Vec<String>,
}

impl SpecArgs {
    fn load(&self) -> Result<(Spec, LintConfig), Error> {
        Ok((
            Spec::from_file(&self.spec)?,
            LintConfig::for_spec(&self.spec, &self.rules)?,
        ))
    }

    /// How generated headers name the spec: relative to the workspace root
    /// when inside it (so checked-in headers do not depend on the checkout's
    /// path), else as given.
    fn label(&self) -> String {
        let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        canonical(&self.spec)
            .strip_prefix(canonical(&root()))
            .map(|relative| {
                relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_else(|_| self.spec.display().to_string())
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Preset {
    ChektApi,
    Plain,
}

/// The workspace root, found at run time: the nearest directory at or
/// above the current one holding `Cargo.toml` and `xtask/Cargo.toml`, else
/// the parent of the `CARGO_MANIFEST_DIR` cargo sets when it runs us. Never
/// baked in at build time: two checkouts sharing one `CARGO_TARGET_DIR`
/// share this binary.
fn root() -> PathBuf {
    let is_root =
        |dir: &Path| dir.join("Cargo.toml").is_file() && dir.join("xtask/Cargo.toml").is_file();
    let cwd = std::env::current_dir().unwrap_or_default();
    cwd.ancestors()
        .find(|dir| is_root(dir))
        .map(Path::to_path_buf)
        .or_else(|| {
            std::env::var_os("CARGO_MANIFEST_DIR")
                .map(PathBuf::from)
                .and_then(|dir| dir.parent().map(Path::to_path_buf))
                .filter(|dir| is_root(dir))
        })
        .unwrap_or(cwd)
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
            verify,
            spec,
            out,
            preset,
            verbose,
        } => gen_command(&spec, &out, preset, Mode { check, verify }, verbose),
        Command::Lint {
            spec,
            list_rules,
            strict,
            sources,
        } => {
            if list_rules {
                lint::RULES.iter().for_each(|r| {
                    println!(
                        "{:<32} {:<8} {}",
                        r.id,
                        r.severity.to_string(),
                        r.description
                    )
                });
                return Ok(ExitCode::SUCCESS);
            }
            lint_command(&spec, strict, sources)
        }
        Command::Docs { spec, out } => docs::run(&root(), &spec, &out),
        Command::Contract(args) => contract::run(args),
        Command::Record(args) => record::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Semver(args) => semver::run(args),
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

/// What `gen` does with what it rendered.
#[derive(Clone, Copy)]
struct Mode {
    check: bool,
    verify: bool,
}

fn gen_command(
    args: &SpecArgs,
    out: &Path,
    preset: Preset,
    Mode { check, verify }: Mode,
    verbose: bool,
) -> Result<ExitCode, Error> {
    if !check {
        // Refused before rendering, so nothing is rendered in vain.
        let targets: Vec<PathBuf> = gen_targets(out, preset)
            .into_iter()
            .map(|(path, _)| path)
            .collect();
        let config = LintConfig::path_for(&args.spec);
        output::check_targets(&targets, &[&args.spec, &config])?;
    }
    let (spec, lint_config) = args.load()?;
    let options = match preset {
        Preset::ChektApi => GenerateOptions::chekt_api(),
        Preset::Plain => GenerateOptions::default(),
    }
    .with_source_label(args.label())
    .with_lint_config(lint_config);
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
            Err(
                e @ (Error::Lint { .. }
                | Error::Generation { .. }
                | Error::Uncompilable { .. }
                | Error::InertPass { .. }),
            ) => {
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
    if verify {
        let files: Vec<(PathBuf, String)> = rendered
            .iter()
            .map(|(path, code)| (path.clone(), code.code.clone()))
            .collect();
        match verify::cargo_check(&root(), preset, &files) {
            Ok(None) => {}
            Ok(Some(errors)) => {
                eprintln!(
                    "error: {}: the generated code does not compile; nothing written\n{errors}",
                    spec.name()
                );
                return Ok(ExitCode::FAILURE);
            }
            Err(why) => {
                eprintln!("error: cannot verify: {why}; nothing written");
                return Ok(ExitCode::from(2));
            }
        }
    }
    if !check {
        let files: Vec<(PathBuf, String)> = rendered
            .into_iter()
            .map(|(path, code)| (path, code.code))
            .collect();
        for written in output::write_set(&files)? {
            println!("{written}");
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

fn lint_command(args: &SpecArgs, strict: bool, sources: bool) -> Result<ExitCode, Error> {
    let (spec, config) = args.load()?;
    let report = lint::lint_with(&spec, &config);
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
