//! `cargo xtask bench`: runs the benchmarks and prints one table, each row a
//! ratio against a baseline measured in the same run.
//!
//! - client overhead: `chekt-api/benches/client.rs` (criterion), chekt-api
//!   against raw reqwest on a loopback server, without and with per-call
//!   options (a header and a deadline); target ≥ 0.97× throughput;
//! - webhook verification: `chekt-api/benches/webhooks.rs` (criterion),
//!   against raw hmac; target ≤ 1.2× the time;
//! - paginating 100 000 items: `chekt-api/benches/pagination.rs`, peak heap
//!   of `into_stream` against `collect_all`;
//! - `cargo xtask gen` and the other generator stages: every criterion bench
//!   of `chekt-gen`, including `cargo xtask diff` on two full versions of
//!   the spec, wire only and with the crate axis, as ratios to loading it;
//! - with `--build-time`, clean builds of the README's quick-start app
//!   against a bare reqwest + serde + tokio app, debug and release
//!   ([`crate::build_time`]): slow, so opt-in.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use anyhow::{Context, Result, bail};

use crate::build_time::BuildTimes;

/// Flags of `cargo xtask bench`.
#[derive(clap::Args)]
pub struct BenchArgs {
    /// Also time clean builds (debug and release) of the README's
    /// quick-start app against a bare reqwest + serde + tokio app with the
    /// same TLS, each in a temporary target directory; takes minutes.
    #[arg(long)]
    build_time: bool,
    /// Only the clean builds of `--build-time`, no runtime benchmarks.
    #[arg(long, conflicts_with = "build_time")]
    build_time_only: bool,
}

/// Runs the benchmarks and prints the table; exit 2 when one cannot run.
pub fn command(root: &Path, args: &BenchArgs) -> ExitCode {
    match run(root, args) {
        Ok(table) => {
            println!("{table}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn run(root: &Path, args: &BenchArgs) -> Result<String> {
    if args.build_time_only {
        let build = crate::build_time::measure(root, &cargo_bin())?;
        return Ok(render(build_rows(Some(build))));
    }
    let client: Client = bench_result(root, "client")?;
    cargo(
        root,
        &[
            "bench",
            "--locked",
            "-p",
            "chekt-api",
            "--bench",
            "webhooks",
        ],
    )?;
    cargo(root, &["bench", "--locked", "-p", "chekt-gen", "--benches"])?;
    let paging: Pagination = bench_result(root, "pagination")?;
    let build = if args.build_time {
        Some(crate::build_time::measure(root, &cargo_bin())?)
    } else {
        None
    };
    let times = criterion_means(&target_dir(root).join("criterion"))?;
    table(&times, &client, &paging, build)
}

fn cargo_bin() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// Runs cargo with `args`, its output going to the terminal.
fn cargo(root: &Path, args: &[&str]) -> Result<()> {
    eprintln!("bench: cargo {}", args.join(" "));
    let status = Command::new(cargo_bin())
        .args(args)
        .current_dir(root)
        .status()
        .with_context(|| format!("cannot run cargo {}", args.join(" ")))?;
    if !status.success() {
        bail!("cargo {} failed ({status})", args.join(" "));
    }
    Ok(())
}

/// What `benches/client.rs` reports: interleaved throughput ratios (raw
/// reqwest time / chekt-api time), each with its A/A control (raw reqwest
/// time / a second raw reqwest client's time: the run's noise floor).
#[derive(serde::Deserialize)]
struct Client {
    sequential_ratio: f64,
    concurrent_ratio: f64,
    /// With one extra header and a whole-call deadline per call.
    sequential_options_ratio: f64,
    concurrent_options_ratio: f64,
    sequential_control: f64,
    concurrent_control: f64,
    sequential_options_control: f64,
    concurrent_options_control: f64,
}

/// What `benches/pagination.rs` reports.
#[derive(serde::Deserialize)]
struct Pagination {
    items: u64,
    page_bytes: u64,
    stream_peak_bytes: u64,
    collect_peak_bytes: u64,
}

/// Runs chekt-api's bench `name` and parses the JSON of the
/// `{name}-result: ` line it prints.
fn bench_result<T: serde::de::DeserializeOwned>(root: &Path, name: &str) -> Result<T> {
    let args = ["bench", "--locked", "-p", "chekt-api", "--bench", name];
    eprintln!("bench: cargo {}", args.join(" "));
    let out = Command::new(cargo_bin())
        .args(args)
        .current_dir(root)
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("cannot run the {name} bench"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprint!("{stdout}");
    if !out.status.success() {
        bail!("the {name} bench failed ({})", out.status);
    }
    let prefix = format!("{name}-result: ");
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .with_context(|| format!("the {name} bench printed no `{prefix}` line"))?;
    serde_json::from_str(line).with_context(|| format!("the {name} bench's result is not valid"))
}

/// Criterion's mean estimate in nanoseconds for every benchmark under
/// `dir`, by full id (`group/function[/value]`).
fn criterion_means(dir: &Path) -> Result<BTreeMap<String, f64>> {
    #[derive(serde::Deserialize)]
    struct Benchmark {
        full_id: String,
    }
    #[derive(serde::Deserialize)]
    struct Estimate {
        point_estimate: f64,
    }
    #[derive(serde::Deserialize)]
    struct Estimates {
        mean: Estimate,
    }
    let mut means = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries =
            std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?;
        for entry in entries {
            let path = entry?.path();
            if !path.is_dir() {
                continue;
            }
            if path.file_name().is_some_and(|n| n == "new") {
                let read = |name: &str| {
                    let file = path.join(name);
                    std::fs::read_to_string(&file)
                        .with_context(|| format!("cannot read {}", file.display()))
                };
                let bench: Benchmark = serde_json::from_str(&read("benchmark.json")?)?;
                let estimates: Estimates = serde_json::from_str(&read("estimates.json")?)?;
                means.insert(bench.full_id, estimates.mean.point_estimate);
            } else {
                pending.push(path);
            }
        }
    }
    Ok(means)
}

/// A duration in nanoseconds, in the unit that suits it.
fn human(ns: f64) -> String {
    match ns {
        n if n >= 1e9 => format!("{:.2} s", n / 1e9),
        n if n >= 1e6 => format!("{:.2} ms", n / 1e6),
        n if n >= 1e3 => format!("{:.2} µs", n / 1e3),
        n => format!("{n:.0} ns"),
    }
}

fn bytes(n: u64) -> String {
    let n = n as f64;
    if n >= 1024.0 * 1024.0 {
        format!("{:.1} MiB", n / (1024.0 * 1024.0))
    } else {
        format!("{:.1} KiB", n / 1024.0)
    }
}

fn table(
    times: &BTreeMap<String, f64>,
    client: &Client,
    paging: &Pagination,
    build: Option<BuildTimes>,
) -> Result<String> {
    let get = |id: &str| {
        times
            .get(id)
            .copied()
            .with_context(|| format!("no criterion result for `{id}`"))
    };
    let mut rows: Vec<[String; 5]> = Vec::new();
    for (mode, ratio, control, what) in [
        (
            "sequential",
            client.sequential_ratio,
            client.sequential_control,
            "",
        ),
        (
            "concurrent",
            client.concurrent_ratio,
            client.concurrent_control,
            "",
        ),
        (
            "sequential_options",
            client.sequential_options_ratio,
            client.sequential_options_control,
            ", a header + a deadline",
        ),
        (
            "concurrent_options",
            client.concurrent_options_ratio,
            client.concurrent_options_control,
            ", a header + a deadline",
        ),
    ] {
        let raw = get(&format!("client/{mode}/raw_reqwest"))?;
        let ours = get(&format!("client/{mode}/chekt_api"))?;
        let calls = mode.trim_end_matches("_options");
        rows.push([
            format!(
                "client: {calls} calls{what} (throughput; criterion: 100 calls, ratio: interleaved)"
            ),
            format!("raw reqwest {}", human(raw)),
            format!("chekt-api {}", human(ours)),
            // Three decimals: the target is 0.97×, and 0.966× is not it.
            format!("{ratio:.3}× (A/A {control:.3}×)"),
            "≥ 0.97×".to_string(),
        ]);
    }
    for size in ["1 KiB", "16 KiB", "64 KiB"] {
        let raw = get(&format!("webhook_verify/raw_hmac/{size}"))?;
        let ours = get(&format!("webhook_verify/verify_signature/{size}"))?;
        rows.push([
            format!("webhook verify_signature, {size} (time)"),
            format!("raw hmac {}", human(raw)),
            human(ours),
            format!("{:.2}×", ours / raw),
            "≤ 1.2×".to_string(),
        ]);
    }
    rows.push([
        format!("paginate {} items: peak heap", paging.items),
        format!("collect_all {}", bytes(paging.collect_peak_bytes)),
        format!("into_stream {}", bytes(paging.stream_peak_bytes)),
        format!(
            "{:.3}× ({:.1} pages of JSON)",
            paging.stream_peak_bytes as f64 / paging.collect_peak_bytes.max(1) as f64,
            paging.stream_peak_bytes as f64 / paging.page_bytes.max(1) as f64
        ),
        "one page".to_string(),
    ]);
    let load = get("gen/baseline: load spec")?;
    for (id, label) in [
        ("gen/lint", "lint"),
        (
            "gen/render (lint + progenitor + format)",
            "`cargo xtask gen` (render)",
        ),
    ] {
        let time = get(id)?;
        rows.push([
            label.to_string(),
            format!("load spec {}", human(load)),
            human(time),
            format!("{:.1}×", time / load),
            "reported".to_string(),
        ]);
    }
    for (group, id, label) in [
        (
            "contract",
            "contract/check all recordings (convert + compile once + validate)",
            "`cargo xtask contract` (all recordings)",
        ),
        (
            "diff",
            "diff/diff: spec vs edited",
            "`cargo xtask diff --wire-only` (spec vs edited copy)",
        ),
        (
            "diff-crate",
            "diff-crate/diff + crate axis: spec vs edited",
            "`cargo xtask diff` with the crate axis (renders both sides)",
        ),
    ] {
        let baseline = get(&format!("{group}/baseline: load spec"))?;
        let time = get(id)?;
        rows.push([
            label.to_string(),
            format!("load spec {}", human(baseline)),
            human(time),
            format!("{:.1}×", time / baseline),
            "reported".to_string(),
        ]);
    }
    rows.extend(build_rows(build));
    Ok(render(rows))
}

/// The two clean-build rows (debug, release), or "not measured".
fn build_rows(build: Option<BuildTimes>) -> Vec<[String; 5]> {
    let mut rows = Vec::new();
    for (profile, pair, target) in [
        ("debug", build.map(|b| b.debug), "≤ 1.2×"),
        ("release", build.map(|b| b.release), "reported"),
    ] {
        let label =
            format!("clean {profile} build: README quick-start app (same TLS, rustls + ring)");
        rows.push(match pair {
            Some(pair) => [
                label,
                format!("bare reqwest + serde + tokio {:.0} s", pair.bare),
                format!("{:.0} s", pair.app),
                format!("{:.2}×", pair.ratio()),
                target.to_string(),
            ],
            None => [
                label,
                "—".to_string(),
                "not measured (--build-time)".to_string(),
                "—".to_string(),
                target.to_string(),
            ],
        });
    }
    rows
}

fn render(rows: Vec<[String; 5]>) -> String {
    let mut out = String::from(
        "| benchmark | baseline (same run) | measured | ratio | target |\n| --- | --- | --- | --- | --- |\n",
    );
    for row in rows {
        out.push_str(&format!("| {} |\n", row.join(" | ")));
    }
    out
}
