//! `cargo xtask gen` on our spec, against loading the spec alone as the
//! baseline measured in the same run: `cargo bench -p chekt-gen --bench gen`.
#![allow(clippy::expect_used)]

use chekt_gen::Spec;
use chekt_gen::generate::{GenerateOptions, render};
use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/chekt.yaml");
    let text = std::fs::read_to_string(path).expect("spec/chekt.yaml is readable");
    let spec = Spec::parse("spec/chekt.yaml", text.clone()).expect("the spec loads");
    let options = GenerateOptions::chekt_api();
    let mut group = c.benchmark_group("gen");
    group.sample_size(10);
    group.bench_function("baseline: load spec", |b| {
        b.iter(|| Spec::parse("spec/chekt.yaml", text.clone()).expect("loads"))
    });
    group.bench_function("lint", |b| b.iter(|| chekt_gen::lint::lint(&spec)));
    group.bench_function("render (lint + progenitor + format)", |b| {
        b.iter(|| render(&spec, &options).expect("renders"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
