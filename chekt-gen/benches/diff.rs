//! `chekt_gen::diff` on two full versions of our spec (the spec against an
//! edited copy), wire only and with the crate axis (both sides rendered
//! with the `chekt-api` options and their public items compared), against
//! loading the spec alone as the baseline measured in the same run:
//! `cargo bench -p chekt-gen --bench diff`.
#![allow(clippy::expect_used)]

use chekt_gen::Spec;
use chekt_gen::diff::render::{Format, render};
use chekt_gen::diff::{DiffOptions, diff, diff_with};
use chekt_gen::generate::GenerateOptions;
use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/chekt.yaml");
    let text = std::fs::read_to_string(path).expect("spec/chekt.yaml is readable");
    let old = Spec::parse("old", text.clone()).expect("the spec loads");
    // A realistic head: retyped ids, a tightened scope, a removed parameter.
    let edited = text
        .replace("format: int64", "format: int32")
        .replacen("'dealers:read'", "'dealers:read', 'dealers:admin'", 1)
        .replacen("- $ref: '#/components/parameters/Offset'", "", 1);
    let new = Spec::parse("new", edited).expect("the edited spec loads");
    assert!(
        diff(&old, &new).expect("diffs").is_breaking(),
        "the edits are seen"
    );
    let mut group = c.benchmark_group("diff");
    group.bench_function("baseline: load spec", |b| {
        b.iter(|| Spec::parse("spec/chekt.yaml", text.clone()).expect("loads"))
    });
    group.bench_function("diff: spec vs itself", |b| {
        b.iter(|| diff(&old, &old).expect("diffs"))
    });
    group.bench_function("diff: spec vs edited", |b| {
        b.iter(|| diff(&old, &new).expect("diffs"))
    });
    group.bench_function("diff + render markdown", |b| {
        b.iter(|| render(&diff(&old, &new).expect("diffs"), Format::Markdown))
    });
    group.finish();

    // The crate axis renders both sides with the generator: seconds, not
    // milliseconds, so fewer samples.
    let both_axes = DiffOptions {
        crate_axis: Some(GenerateOptions::chekt_api()),
        ..DiffOptions::default()
    };
    let report = diff_with(&old, &new, &both_axes).expect("diffs");
    assert!(report.crate_bump().is_some(), "{:?}", report.crate_axis);
    let mut group = c.benchmark_group("diff-crate");
    group.sample_size(10);
    group.bench_function("baseline: load spec", |b| {
        b.iter(|| Spec::parse("spec/chekt.yaml", text.clone()).expect("loads"))
    });
    group.bench_function("diff + crate axis: spec vs edited", |b| {
        b.iter(|| diff_with(&old, &new, &both_axes).expect("diffs"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
