//! `Verifier::verify_signature` against a hand-written HMAC check on the
//! same payloads.
//!
//! ```text
//! cargo bench -p chekt-api --bench webhooks
//! ```
//!
//! The baseline, `raw_hmac`, is the least a correct receiver does: decode
//! the hex signature and check HMAC-SHA256 over `"{timestamp}.{body}"` with
//! `verify_slice`. `verify_signature` adds the header checks, the clock and
//! the tolerance window; the target is at most 1.2× the baseline's time.
//! `verify` (signature plus JSON parsing into the typed event) is shown for
//! scale. After criterion's report, a table of the verify/raw ratios is
//! printed from an interleaved measurement of its own.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chekt_api::webhooks::{Signer, Verifier};
use criterion::{BenchmarkId, Criterion, Throughput};
use hmac::{Hmac, Mac};
use sha2::Sha256;

const SECRET: &str = "whsec_bench_5f2b8c1d9e";
const SIZES: [(usize, &str); 3] = [
    (1024, "1 KiB"),
    (16 * 1024, "16 KiB"),
    (64 * 1024, "64 KiB"),
];

/// An `alarm.created` payload padded to exactly `size` bytes.
fn payload(size: usize) -> Vec<u8> {
    let head = r#"{"id":"evt_1a2b3c4d","type":"alarm.created","created_at":"2026-03-01T02:14:07Z","data":{"alarm_id":"alm_3kd92hf","site_id":"site_29snd","device_id":"dev_8h2j3kfm","alarm_type":"motion","occurred_at":"2026-03-01T02:14:07Z","note":""#;
    let tail = r#""}}"#;
    let pad = size - head.len() - tail.len();
    let mut body = Vec::with_capacity(size);
    body.extend_from_slice(head.as_bytes());
    body.extend(std::iter::repeat_n(b'x', pad));
    body.extend_from_slice(tail.as_bytes());
    assert_eq!(body.len(), size);
    body
}

/// The baseline: hex-decode, then HMAC with `verify_slice`.
fn raw_hmac(secret: &[u8], signature: &str, timestamp: &str, body: &[u8]) -> bool {
    let mut tag = [0u8; 32];
    if hex::decode_to_slice(signature, &mut tag).is_err() {
        return false;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&tag).is_ok()
}

struct Case {
    label: &'static str,
    size: usize,
    body: Vec<u8>,
    timestamp: String,
    signature: String,
}

fn cases() -> Vec<Case> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let signer = Signer::new(SECRET);
    SIZES
        .iter()
        .map(|&(size, label)| {
            let signed = signer.sign(now, payload(size));
            Case {
                label,
                size,
                timestamp: signed.timestamp().to_owned(),
                signature: signed.signature().to_owned(),
                body: signed.into_body(),
            }
        })
        .collect()
}

fn bench(c: &mut Criterion, verifier: &Verifier, cases: &[Case]) {
    let mut group = c.benchmark_group("webhook_verify");
    for case in cases {
        group.throughput(Throughput::Bytes(case.size as u64));
        group.bench_with_input(BenchmarkId::new("raw_hmac", case.label), case, |b, case| {
            b.iter(|| {
                assert!(raw_hmac(
                    black_box(SECRET.as_bytes()),
                    black_box(&case.signature),
                    black_box(&case.timestamp),
                    black_box(&case.body),
                ));
            });
        });
        group.bench_with_input(
            BenchmarkId::new("verify_signature", case.label),
            case,
            |b, case| {
                b.iter(|| {
                    verifier
                        .verify_signature(
                            black_box(&case.signature),
                            black_box(&case.timestamp),
                            black_box(&case.body),
                        )
                        .unwrap()
                });
            },
        );
        group.bench_with_input(
            BenchmarkId::new("verify_with_parse", case.label),
            case,
            |b, case| {
                b.iter(|| {
                    verifier
                        .verify_parts(
                            black_box(&case.signature),
                            black_box(&case.timestamp),
                            black_box(&case.body),
                        )
                        .unwrap()
                });
            },
        );
    }
    group.finish();
}

/// Median time per call of `f`, over `rounds` rounds of `batch` calls,
/// interleaved with `g`'s so that both see the same machine load.
fn interleaved_medians(
    rounds: usize,
    batch: u32,
    mut f: impl FnMut(),
    mut g: impl FnMut(),
) -> (Duration, Duration) {
    let time = |h: &mut dyn FnMut()| {
        let start = Instant::now();
        for _ in 0..batch {
            h();
        }
        start.elapsed() / batch
    };
    let (mut fs, mut gs): (Vec<_>, Vec<_>) =
        (0..rounds).map(|_| (time(&mut f), time(&mut g))).unzip();
    fs.sort();
    gs.sort();
    (fs[rounds / 2], gs[rounds / 2])
}

fn ratio_table(verifier: &Verifier, cases: &[Case]) {
    println!();
    println!("| payload | raw hmac | verify_signature | ratio | verify (+ JSON parse) | ratio |");
    println!("|---|---|---|---|---|---|");
    for case in cases {
        let batch = (2_000_000 / case.size as u32).max(10);
        let raw = || {
            black_box(raw_hmac(
                SECRET.as_bytes(),
                black_box(&case.signature),
                black_box(&case.timestamp),
                black_box(&case.body),
            ));
        };
        let (raw_t, sig_t) = interleaved_medians(101, batch, raw, || {
            black_box(
                verifier
                    .verify_signature(
                        black_box(&case.signature),
                        black_box(&case.timestamp),
                        black_box(&case.body),
                    )
                    .unwrap(),
            );
        });
        let (raw_t2, full_t) = interleaved_medians(51, batch, raw, || {
            black_box(
                verifier
                    .verify_parts(
                        black_box(&case.signature),
                        black_box(&case.timestamp),
                        black_box(&case.body),
                    )
                    .unwrap(),
            );
        });
        println!(
            "| {} | {:.2?} | {:.2?} | {:.3}× | {:.2?} | {:.2}× |",
            case.label,
            raw_t,
            sig_t,
            sig_t.as_secs_f64() / raw_t.as_secs_f64(),
            full_t,
            full_t.as_secs_f64() / raw_t2.as_secs_f64(),
        );
    }
}

fn main() {
    let verifier = Verifier::new(SECRET).unwrap();
    let cases = cases();
    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion, &verifier, &cases);
    criterion.final_summary();
    // Only under `cargo bench`, not when `cargo test --benches` smoke-runs
    // this file.
    if std::env::args().any(|arg| arg == "--bench") {
        ratio_table(&verifier, &cases);
    }
}
