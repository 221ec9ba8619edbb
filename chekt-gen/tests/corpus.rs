//! The generator on specs nobody here wrote (`tests/corpus/specs`, sources
//! and licences in `tests/corpus/README.md`): for each, `render` either
//! returns a client that `cargo check`s, or fails with every error located
//! (a JSON pointer, or file:line:column). progenitor alone runs on the same
//! specs for the side-by-side table this test prints.
//!
//! Every client (ours and progenitor's) is compiled in ONE scratch package,
//! one module per spec, so dependencies compile once; offline, with the
//! workspace's Cargo.lock and target dir. Slow, so opt-in:
//! `cargo test -p chekt-gen --test corpus -- --ignored --nocapture`;
//! `.ci/run` runs it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use chekt_gen::generate::{GenerateOptions, render};
use chekt_gen::{Error, Spec, verify};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn specs() -> Vec<PathBuf> {
    let mut specs: Vec<PathBuf> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/specs"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
    specs.sort();
    specs
}

fn module(path: &Path) -> String {
    path.file_name()
        .unwrap()
        .to_string_lossy()
        .replace(['-', '.'], "_")
}

/// Whether every error `e` reports names its place.
fn located(e: &Error) -> bool {
    match e {
        Error::Lint { findings, .. } => findings.iter().all(|f| !f.pointer.is_empty()),
        Error::Generation { failures, .. } => failures.iter().all(|f| !f.pointer.is_empty()),
        Error::Schema { pointer, .. } | Error::Unsupported { pointer, .. } => !pointer.is_empty(),
        Error::Uncompilable { message, .. } => message.contains("#/components/"),
        Error::Yaml { .. } | Error::Json { .. } | Error::Encoding { .. } => true,
        Error::UnsupportedVersion { .. } => true,
        _ => false,
    }
}

/// progenitor 0.15.1 alone, default settings: its code, or what it did.
fn progenitor_alone(spec: &Spec) -> Result<String, String> {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        progenitor::Generator::new(&progenitor::GenerationSettings::default())
            .generate_tokens(spec.openapi())
    }));
    match outcome {
        Ok(Ok(tokens)) => syn::parse2::<syn::File>(tokens)
            .map(|f| prettyplease::unparse(&f))
            .map_err(|e| format!("unparsable output: {e}")),
        Ok(Err(e)) => Err(format!("error: {e}")),
        Err(_) => Err("panic".to_string()),
    }
}

fn short(text: &str) -> String {
    let line = text.lines().next().unwrap_or("");
    line.chars().take(90).collect()
}

#[test]
#[ignore = "cargo-checks every corpus client; .ci/run runs it"]
fn every_corpus_spec_compiles_or_fails_located() {
    let mut modules: Vec<(String, String)> = Vec::new();
    let mut rows: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut unlocated = Vec::new();
    for path in specs() {
        let name = module(&path);
        let ours_module = format!("ours_{name}");
        let theirs_module = format!("progenitor_{name}");
        let (ours, theirs) = match Spec::from_file(&path) {
            Err(e) => {
                if !located(&e) {
                    unlocated.push(e.to_string());
                }
                (
                    format!("refused: {}", short(&e.to_string())),
                    "(not loaded)".to_string(),
                )
            }
            Ok(spec) => {
                let options = GenerateOptions::default()
                    .with_types_path(format!("crate::{ours_module}::types"));
                let ours = match render(&spec, &options) {
                    Ok(rendered) => {
                        modules.push((ours_module.clone(), rendered.code));
                        "generated".to_string()
                    }
                    Err(e) => {
                        if !located(&e) {
                            unlocated.push(e.to_string());
                        }
                        let kind = match &e {
                            Error::Lint { findings, .. } => {
                                format!("lint: {} located error(s)", findings.len())
                            }
                            Error::Generation { failures, .. } => {
                                format!("progenitor: {} located failure(s)", failures.len())
                            }
                            other => short(&other.to_string()),
                        };
                        format!("refused ({kind})")
                    }
                };
                let theirs = match progenitor_alone(&spec) {
                    Ok(code) => {
                        modules.push((theirs_module.clone(), code));
                        "generated".to_string()
                    }
                    Err(what) => short(&what),
                };
                (ours, theirs)
            }
        };
        rows.insert(name, (ours, theirs));
    }
    assert!(
        unlocated.is_empty(),
        "errors without a place: {unlocated:#?}"
    );

    let scratch = tempfile::tempdir().unwrap();
    let refs: Vec<(&str, &str)> = modules
        .iter()
        .map(|(m, c)| (m.as_str(), c.as_str()))
        .collect();
    let errors = verify::check_plain(
        scratch.path(),
        &refs,
        &root().join("Cargo.lock"),
        &verify::target_dir(&root()),
    )
    .unwrap()
    .unwrap_or_default();
    let errors_in = |module: &str| {
        errors
            .lines()
            .filter(|l| l.contains(&format!("src/{module}.rs:")) && l.contains("error"))
            .count()
    };

    println!("| spec | chekt-gen | progenitor alone |\n| --- | --- | --- |");
    let mut ours_broken = Vec::new();
    for (name, (ours, theirs)) in &rows {
        let with_errors = |status: &str, module: String| match status {
            "generated" => match errors_in(&module) {
                0 => "compiles".to_string(),
                n => format!("{n} compile error(s)"),
            },
            other => other.to_string(),
        };
        let ours_cell = with_errors(ours, format!("ours_{name}"));
        if ours_cell.contains("compile error") {
            ours_broken.push(name.clone());
        }
        println!(
            "| {name} | {ours_cell} | {} |",
            with_errors(theirs, format!("progenitor_{name}"))
        );
    }
    assert!(
        ours_broken.is_empty(),
        "chekt-gen returned code that does not compile for {ours_broken:?}:\n{errors}"
    );
}
