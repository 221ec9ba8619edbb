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
//! the two clients interleaved round by round (so both see the same machine
//! load) and printed as one `client-result: {json}` line, which `cargo
//! xtask bench` reads.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::time::{Duration, Instant};

use chekt_api::http::{HeaderName, HeaderValue};
use chekt_api::prelude::*;
use chekt_api::{Client, RequestOptions, types};
use criterion::Criterion;
use futures::future::join_all;

/// Calls per iteration.
const N: usize = 100;
/// Interleaved rounds behind each reported ratio (their median). On a
/// 2-core machine single rounds vary by several percent and the median of
/// 101 still moves by one to two percent from run to run: compare runs.
const ROUNDS: usize = 101;
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
    base: String,
    client: Client,
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
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("chekt-api-rs/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap();
    let client = Client::builder()
        .base_url(format!("http://{addr}"))
        .bearer_token("bench-token")
        .build()
        .unwrap();
    assert_eq!(runtime.block_on(raw(&http, &base)), ROWS);
    assert_eq!(runtime.block_on(chekt(&client)), ROWS);
    Setup {
        runtime,
        http,
        base,
        client,
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

/// Median over `rounds` of raw time / chekt-api time for one batch each,
/// alternating which goes first.
fn interleaved_ratio(
    rounds: usize,
    raw_batch: impl Fn() -> Duration,
    chekt_batch: impl Fn() -> Duration,
) -> f64 {
    let mut ratios: Vec<f64> = (0..rounds)
        .map(|round| {
            let (r, c) = if round % 2 == 0 {
                let r = raw_batch();
                (r, chekt_batch())
            } else {
                let c = chekt_batch();
                (raw_batch(), c)
            };
            r.as_secs_f64() / c.as_secs_f64()
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[rounds / 2]
}

fn main() {
    let s = setup();
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c, &s);
    c.final_summary();

    let timed = |work: &dyn Fn()| {
        let start = Instant::now();
        work();
        start.elapsed()
    };
    let rt = &s.runtime;
    let raw_sequential = || {
        rt.block_on(async {
            for _ in 0..N {
                raw(&s.http, &s.base).await;
            }
        })
    };
    let chekt_sequential = || {
        rt.block_on(async {
            for _ in 0..N {
                chekt(&s.client).await;
            }
        })
    };
    let raw_concurrent = || drop(rt.block_on(join_all((0..N).map(|_| raw(&s.http, &s.base)))));
    let chekt_concurrent = || drop(rt.block_on(join_all((0..N).map(|_| chekt(&s.client)))));
    let sequential = interleaved_ratio(
        ROUNDS,
        || timed(&raw_sequential),
        || timed(&chekt_sequential),
    );
    let concurrent = interleaved_ratio(
        ROUNDS,
        || timed(&raw_concurrent),
        || timed(&chekt_concurrent),
    );
    let raw_sequential_options = || {
        rt.block_on(async {
            for _ in 0..N {
                raw_with(&s.http, &s.base, true).await;
            }
        })
    };
    let chekt_sequential_options = || {
        rt.block_on(async {
            for _ in 0..N {
                chekt_with_options(&s.client).await;
            }
        })
    };
    let raw_concurrent_options =
        || drop(rt.block_on(join_all((0..N).map(|_| raw_with(&s.http, &s.base, true)))));
    let chekt_concurrent_options =
        || drop(rt.block_on(join_all((0..N).map(|_| chekt_with_options(&s.client)))));
    let sequential_options = interleaved_ratio(
        ROUNDS,
        || timed(&raw_sequential_options),
        || timed(&chekt_sequential_options),
    );
    let concurrent_options = interleaved_ratio(
        ROUNDS,
        || timed(&raw_concurrent_options),
        || timed(&chekt_concurrent_options),
    );
    println!(
        "interleaved throughput ratio (raw time / chekt-api time), {N} calls: sequential {sequential:.3}×, concurrent {concurrent:.3}×; with a header and a deadline: sequential {sequential_options:.3}×, concurrent {concurrent_options:.3}×"
    );
    println!(
        "client-result: {}",
        serde_json::json!({
            "calls": N,
            "sequential_ratio": sequential,
            "concurrent_ratio": concurrent,
            "sequential_options_ratio": sequential_options,
            "concurrent_options_ratio": concurrent_options,
        })
    );
}
