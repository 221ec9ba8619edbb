//! The full contract check over every recording, against loading the spec
//! alone as the baseline measured in the same run:
//! `cargo bench -p chekt-gen --bench contract`. Each check converts the spec
//! once and compiles each distinct schema once (not per recording).
#![allow(clippy::expect_used)]

use chekt_gen::Spec;
use chekt_gen::contract::recording::Recordings;
use chekt_gen::contract::{self, Decoder, Options, coverage};
use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let text = std::fs::read_to_string(format!("{root}/spec/chekt.yaml")).expect("spec readable");
    let spec = Spec::parse("spec/chekt.yaml", text.clone()).expect("the spec loads");
    let dir = format!("{root}/spec/recordings");
    let recordings = Recordings::load(&dir).expect("recordings load");
    let exemptions = coverage::load_exemptions(dir.as_ref()).expect("exemptions load");
    let mut group = c.benchmark_group("contract");
    group.sample_size(10);
    group.bench_function("baseline: load spec", |b| {
        b.iter(|| Spec::parse("spec/chekt.yaml", text.clone()).expect("loads"))
    });
    group.bench_function("load recordings", |b| {
        b.iter(|| Recordings::load(&dir).expect("loads"))
    });
    group.bench_function(
        "check all recordings (convert + compile once + validate)",
        |b| {
            b.iter(|| {
                contract::check(
                    &spec,
                    &recordings,
                    &exemptions,
                    &Options::default(),
                    &Decoder::none(),
                )
                .expect("checks")
            })
        },
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
