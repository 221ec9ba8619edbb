//! `cargo xtask contract`: the spec checked against `spec/recordings/`
//! (schemas, statuses, drift). Decoding the recordings through the
//! generated `chekt-api` types is `chekt-api`'s own test
//! (`cargo test -p chekt-api --test contract`), so that xtask never builds
//! `chekt-api` and `cargo xtask gen` runs even when its code is broken.

use std::path::PathBuf;
use std::process::ExitCode;

use chekt_gen::contract::{self, Decoder, Options};
use chekt_gen::{Error, Spec};

/// Arguments of `cargo xtask contract`.
#[derive(clap::Args)]
pub struct ContractArgs {
    /// Fail on drift (undeclared fields) and stale exemptions too.
    #[arg(long)]
    strict: bool,
    /// The spec to check.
    #[arg(long, default_value_os_t = crate::root().join("spec/chekt.yaml"))]
    spec: PathBuf,
    /// The recordings directory.
    #[arg(long, default_value_os_t = crate::root().join("spec/recordings"))]
    recordings: PathBuf,
    /// Leave out the coverage table.
    #[arg(short, long)]
    quiet: bool,
}

/// Runs the check and prints the coverage table, grouped failures and the
/// one-line summary; exit 1 when it fails.
pub fn run(args: ContractArgs) -> Result<ExitCode, Error> {
    let spec = Spec::from_file(&args.spec)?;
    let options = Options {
        strict: args.strict,
    };
    let report = contract::check_dir(&spec, &args.recordings, &options, &Decoder::none())?;
    if !args.quiet {
        println!("{}", report.coverage);
    }
    println!("{report}");
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
