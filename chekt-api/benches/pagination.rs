//! Peak heap while paginating 100 000 sites from a loopback server: streamed
//! with `into_stream` (one page held at a time) against `collect_all` (the
//! whole list), measured with a counting global allocator in this binary.
//!
//! ```text
//! cargo bench -p chekt-api --bench pagination
//! ```
//!
//! Prints a table, then one `pagination-result: {json}` line that `cargo
//! xtask bench` reads.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use chekt_api::Client;
use chekt_api::pagination::{DEFAULT_PAGE_SIZE, OffsetPagedExt};
use chekt_api::prelude::*;
use futures::TryStreamExt;
use peak_alloc::PeakAlloc;

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

const TOTAL: usize = 100_000;

/// Runs `work`, returning its output and the peak heap above the level at
/// the start, in bytes.
fn peak_above_start<T>(
    runtime: &tokio::runtime::Runtime,
    work: impl Future<Output = T>,
) -> (T, usize) {
    let start = HEAP.current_usage();
    HEAP.reset_peak_usage();
    let out = runtime.block_on(work);
    (out, HEAP.peak_usage().saturating_sub(start))
}

fn main() {
    let page_size = DEFAULT_PAGE_SIZE as usize;
    let addr = support::serve(TOTAL, page_size);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = Client::builder()
        .base_url(format!("http://{addr}"))
        .bearer_token("bench-token")
        .build()
        .unwrap();
    let page_bytes = support::page(page_size).len();
    // Warm up: connection pool, lazy statics.
    runtime
        .block_on(client.list_sites().dealer_id(42).limit(1).send())
        .unwrap();

    let (streamed, stream_peak) = peak_above_start(&runtime, async {
        let mut sites = client.list_sites().dealer_id(42).into_stream();
        let mut count = 0;
        while let Some(site) = sites.try_next().await.unwrap() {
            std::hint::black_box(&site);
            count += 1;
        }
        count
    });
    let (collected, collect_peak) = peak_above_start(&runtime, async {
        let all = client
            .list_sites()
            .dealer_id(42)
            .collect_all()
            .await
            .unwrap();
        all.len()
    });
    assert_eq!((streamed, collected), (TOTAL, TOTAL));

    let kib = |b: usize| b as f64 / 1024.0;
    println!(
        "paginating {TOTAL} sites in pages of {page_size} ({:.1} KiB of JSON per page)",
        kib(page_bytes)
    );
    println!("| mode | peak heap above start | per page of JSON |");
    println!("| --- | --- | --- |");
    println!(
        "| into_stream | {:.1} KiB | {:.1}× |",
        kib(stream_peak),
        stream_peak as f64 / page_bytes as f64
    );
    println!(
        "| collect_all | {:.1} KiB | {:.1}× |",
        kib(collect_peak),
        collect_peak as f64 / page_bytes as f64
    );
    println!(
        "pagination-result: {}",
        serde_json::json!({
            "items": TOTAL, "page_size": page_size, "page_bytes": page_bytes,
            "stream_peak_bytes": stream_peak, "collect_peak_bytes": collect_peak,
        })
    );
}
