//! Client overhead: N calls to a loopback server through `chekt-api`
//! against the same calls with raw `reqwest`, in the same run; target:
//! chekt-api's throughput at least 0.97× raw reqwest's, with no per-call
//! options and with one extra header and a whole-call deadline
//! (`RequestOptions`; raw reqwest: the same header and a request timeout).
//!
//! "The same call" is the same request on the wire, written by hand the way
//! the seeds document it: the URL built for the dealer, `Authorization`,
//! `api-version`, `Accept`, a fresh v4 `x-partner-trace-id`, the same
//! `User-Agent`, and the body decoded into the same generated types. What
//! chekt-api adds on top (operation lookup, credential choice, retry
//! bookkeeping, rate-limit tracking, the tracing span, progenitor's
//! builder) is the overhead measured.
//!
//! ```text
//! cargo bench -p chekt-api --bench client
//! ```
//!
//! After criterion's report, the throughput ratios are measured again with
//! the clients interleaved (call by call for the sequential rows, batch by
//! batch for the concurrent ones, so all see the same machine load), beside
//! an A/A control: raw reqwest against a second raw reqwest client, which
//! shows the run's noise floor. Both are printed as one
//! `client-result: {json}` line, which `cargo xtask bench` reads.
//!
//! Each side makes half the interleaved calls (raw reqwest and chekt-api
//! each on two clients of their own), so neither's code is kept warmer in
//! the CPU's caches by running more often. With two raw sides to one
//! chekt-api side, chekt-api measured about 1 % slower than balanced.
//! cachegrind puts the gap in the caches: a chekt-api call executes
//! within 1 % of the raw call's instructions but misses the L1
//! instruction cache about 6 % more often and the L1 data cache about
//! 12 % more, and the side that runs a third of the time finds its code
//! and data colder. See [`Side`].
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::time::{Duration, Instant};

use chekt_api::http::{HeaderName, HeaderValue};
use chekt_api::prelude::*;
use chekt_api::{Client, RequestOptions, types};
use criterion::Criterion;
use futures::future::join_all;

/// Calls per iteration (criterion), and per batch of the concurrent
/// ratios.
const N: usize = 100;
/// Calls per side behind each sequential ratio. On a 2-core machine single
/// calls vary by tens of percent; interleaved call by call, 10 000 calls
/// per side keep the A/A control within about 1 % of 1 (about 10 s).
const SEQUENTIAL_CALLS: usize = 10_000;
/// Batches per side behind each concurrent ratio: batches vary more than
/// calls (300 left the A/A control 2.5 % from 1); about 40 s.
const CONCURRENT_ROUNDS: usize = 1_000;
/// Rows per response.
const ROWS: usize = 10;

/// The per-call options of the `_options` rows: one extra header and a
/// whole-call deadline (raw reqwest: the same header and a request timeout).
const EXTRA: (&str, &str) = ("x-bench-run", "nightly");
const DEADLINE: Duration = Duration::from_secs(30);

async fn raw(http: &reqwest::Client, base: &str) -> usize {
    raw_with(http, base, false).await
}

async fn raw_with(http: &reqwest::Client, base: &str, options: bool) -> usize {
    let trace_id = uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes()).into_uuid();
    let mut request = http.get(format!("{base}/partner/v1/dealers/{}/sites", 42));
    if options {
        request = request.header(EXTRA.0, EXTRA.1).timeout(DEADLINE);
    }
    request
        .bearer_auth("bench-token")
        .header("api-version", "0.8.0")
        .header(reqwest::header::ACCEPT, "application/json")
        .header("x-partner-trace-id", trace_id.to_string())
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json::<Vec<types::ResponseSiteBasicDto>>()
        .await
        .unwrap()
        .len()
}

async fn chekt(client: &Client) -> usize {
    client
        .list_sites()
        .dealer_id(42)
        .send()
        .await
        .unwrap()
        .len()
}

async fn chekt_with_options(client: &Client) -> usize {
    let options = RequestOptions::new()
        .header(
            HeaderName::from_static(EXTRA.0),
            HeaderValue::from_static(EXTRA.1),
        )
        .timeout(DEADLINE);
    client
        .list_sites()
        .dealer_id(42)
        .with_options(options)
        .send()
        .await
        .unwrap()
        .len()
}

struct Setup {
    runtime: tokio::runtime::Runtime,
    http: reqwest::Client,
    /// A second raw client, the same as `http` (the A/A control).
    http_again: reqwest::Client,
    base: String,
    client: Client,
    /// A second chekt-api client, the same as `client`.
    client_again: Client,
}

fn setup() -> Setup {
    let addr = support::serve(ROWS, ROWS);
    let base = format!("http://{addr}");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    // The same settings as `Client::builder()`'s defaults.
    chekt_api::tls::install_crypto_provider();
    let raw_client = || {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("chekt-api-rs/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap()
    };
    let (http, http_again) = (raw_client(), raw_client());
    let chekt_client = || {
        Client::builder()
            .base_url(format!("http://{addr}"))
            .bearer_token("bench-token")
            .build()
            .unwrap()
    };
    let (client, client_again) = (chekt_client(), chekt_client());
    assert_eq!(runtime.block_on(raw(&http, &base)), ROWS);
    assert_eq!(runtime.block_on(raw(&http_again, &base)), ROWS);
    assert_eq!(runtime.block_on(chekt(&client)), ROWS);
    assert_eq!(runtime.block_on(chekt(&client_again)), ROWS);
    Setup {
        runtime,
        http,
        http_again,
        base,
        client,
        client_again,
    }
}

fn bench(c: &mut Criterion, s: &Setup) {
    let (runtime, http, base, client) = (&s.runtime, &s.http, s.base.as_str(), &s.client);
    let mut group = c.benchmark_group("client");
    group.sample_size(20);
    group.bench_function("sequential/raw_reqwest", |b| {
        b.iter(|| {
            runtime.block_on(async {
                for _ in 0..N {
                    raw(http, base).await;
                }
            })
        })
    });
    group.bench_function("sequential/chekt_api", |b| {
        b.iter(|| {
            runtime.block_on(async {
                for _ in 0..N {
                    chekt(client).await;
                }
            })
        })
    });
    group.bench_function("concurrent/raw_reqwest", |b| {
        b.iter(|| runtime.block_on(join_all((0..N).map(|_| raw(http, base)))))
    });
    group.bench_function("concurrent/chekt_api", |b| {
        b.iter(|| runtime.block_on(join_all((0..N).map(|_| chekt(client)))))
    });
    group.bench_function("sequential_options/raw_reqwest", |b| {
        b.iter(|| {
            runtime.block_on(async {
                for _ in 0..N {
                    raw_with(http, base, true).await;
                }
            })
        })
    });
    group.bench_function("sequential_options/chekt_api", |b| {
        b.iter(|| {
            runtime.block_on(async {
                for _ in 0..N {
                    chekt_with_options(client).await;
                }
            })
        })
    });
    group.bench_function("concurrent_options/raw_reqwest", |b| {
        b.iter(|| runtime.block_on(join_all((0..N).map(|_| raw_with(http, base, true)))))
    });
    group.bench_function("concurrent_options/chekt_api", |b| {
        b.iter(|| runtime.block_on(join_all((0..N).map(|_| chekt_with_options(client)))))
    });
    group.finish();
}

/// Who makes a call in the interleaved measurement: raw reqwest and
/// chekt-api, each also again on a client of its own, so each kind makes
/// half the calls (see the module docs). Raw reqwest against raw reqwest
/// again is the A/A control: how far two identical clients drift apart in
/// the same run, the noise floor of the ratios.
#[derive(Clone, Copy)]
enum Side {
    Raw,
    Chekt,
    RawAgain,
    ChektAgain,
}

/// In turn, raw and chekt-api alternating.
const SIDES: [Side; 4] = [Side::Raw, Side::Chekt, Side::RawAgain, Side::ChektAgain];

/// One call by `side`, with or without the per-call options.
async fn call(s: &Setup, side: Side, options: bool) -> usize {
    match (side, options) {
        (Side::Raw, _) => raw_with(&s.http, &s.base, options).await,
        (Side::RawAgain, _) => raw_with(&s.http_again, &s.base, options).await,
        (Side::Chekt, false) => chekt(&s.client).await,
        (Side::Chekt, true) => chekt_with_options(&s.client).await,
        (Side::ChektAgain, false) => chekt(&s.client_again).await,
        (Side::ChektAgain, true) => chekt_with_options(&s.client_again).await,
    }
}

/// Throughput ratios of one mode: raw time / chekt-api time (both sides of
/// each), and raw time / raw-again time (the A/A control), each over the
/// same number of calls.
#[derive(Debug, Clone, Copy)]
struct Ratios {
    chekt: f64,
    control: f64,
}

impl Ratios {
    fn from_times([raw, chekt, raw_again, chekt_again]: [Duration; 4]) -> Self {
        Ratios {
            chekt: (raw + raw_again).as_secs_f64() / (chekt + chekt_again).as_secs_f64(),
            control: raw.as_secs_f64() / raw_again.as_secs_f64(),
        }
    }
}

/// Sequential: `calls` calls by each side, one after another, the four
/// sides taking turns call by call (the order rotating), so machine load
/// that comes and goes falls on all four alike. The ratio of the summed
/// call times is the throughput ratio.
fn sequential_ratios(s: &Setup, calls: usize, options: bool) -> Ratios {
    let mut times = [Duration::ZERO; SIDES.len()];
    s.runtime.block_on(async {
        for i in 0..calls {
            for k in 0..SIDES.len() {
                let at = (i + k) % SIDES.len();
                let start = Instant::now();
                call(s, SIDES[at], options).await;
                times[at] += start.elapsed();
            }
        }
    });
    Ratios::from_times(times)
}

/// Concurrent: `rounds` rounds, each a batch of [`N`] concurrent calls per
/// side, the sides taking turns batch by batch (the order rotating); the
/// ratio of the summed batch times is the throughput ratio.
fn concurrent_ratios(s: &Setup, rounds: usize, options: bool) -> Ratios {
    let mut times = [Duration::ZERO; SIDES.len()];
    for round in 0..rounds {
        for k in 0..SIDES.len() {
            let at = (round + k) % SIDES.len();
            let start = Instant::now();
            s.runtime
                .block_on(join_all((0..N).map(|_| call(s, SIDES[at], options))));
            times[at] += start.elapsed();
        }
    }
    Ratios::from_times(times)
}

fn main() {
    let s = setup();
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c, &s);
    c.final_summary();

    let sequential = sequential_ratios(&s, SEQUENTIAL_CALLS, false);
    let concurrent = concurrent_ratios(&s, CONCURRENT_ROUNDS, false);
    let sequential_options = sequential_ratios(&s, SEQUENTIAL_CALLS, true);
    let concurrent_options = concurrent_ratios(&s, CONCURRENT_ROUNDS, true);
    println!(
        "interleaved throughput ratio (raw time / chekt-api time): sequential {:.3}×, concurrent {:.3}×; \
         with a header and a deadline: sequential {:.3}×, concurrent {:.3}×",
        sequential.chekt, concurrent.chekt, sequential_options.chekt, concurrent_options.chekt
    );
    println!(
        "A/A control (raw time / raw time, a second client): sequential {:.3}×, concurrent {:.3}×; \
         with a header and a deadline: sequential {:.3}×, concurrent {:.3}×",
        sequential.control,
        concurrent.control,
        sequential_options.control,
        concurrent_options.control
    );
    println!(
        "client-result: {}",
        serde_json::json!({
            "calls": N,
            "sequential_calls": SEQUENTIAL_CALLS,
            "concurrent_rounds": CONCURRENT_ROUNDS,
            "sequential_ratio": sequential.chekt,
            "concurrent_ratio": concurrent.chekt,
            "sequential_options_ratio": sequential_options.chekt,
            "concurrent_options_ratio": concurrent_options.chekt,
            "sequential_control": sequential.control,
            "concurrent_control": concurrent.control,
            "sequential_options_control": sequential_options.control,
            "concurrent_options_control": concurrent_options.control,
        })
    );
}
