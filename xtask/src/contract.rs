//! `cargo xtask contract`: the spec checked against `spec/recordings/`, with
//! response bodies also decoded through the generated `chekt-api` types.

use std::path::PathBuf;
use std::process::ExitCode;

use chekt_api::webhooks::WebhookEvent;
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
    let report = contract::check_dir(&spec, &args.recordings, &options, &decoder())?;
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

/// Decodes through the generated client: `chekt_api::decode::response` for
/// responses, `WebhookEvent::from_slice` for webhook payloads.
pub fn decoder() -> Decoder<'static> {
    Decoder {
        response: &chekt_api::decode::response,
        webhook: &webhook,
    }
}

fn webhook(event: &str, body: &[u8]) -> Option<Result<(), String>> {
    Some(match WebhookEvent::from_slice(body) {
        Err(e) => Err(e.to_string()),
        Ok(WebhookEvent::Unknown { event_type, .. }) => Err(format!(
            "`type` is `{event_type}`, which the generated client does not know"
        )),
        Ok(parsed) if parsed.event_type() != event => Err(format!(
            "`type` is `{}` but the delivery is filed as `{event}`",
            parsed.event_type()
        )),
        Ok(_) => Ok(()),
    })
}
