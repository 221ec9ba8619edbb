//! Issue 25's measure: of the additive, wire-non-breaking changes one can
//! make to `spec/chekt.yaml` (a property, an optional query or header
//! parameter, an enum value, an error status per place; a requirement
//! relaxed), how many are at most a minor release of `chekt-api`: every
//! one must be (a relaxed request requirement included, since request-only
//! types are read through `Option<&T>` getters). Slow (one render per edit):
//! `cargo test -p chekt-gen --test additive_minor -- --ignored --nocapture`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use chekt_gen::Spec;
use chekt_gen::diff::crate_axis::{compare, surface};
use chekt_gen::diff::{Bump, Class, diff};
use chekt_gen::generate::GenerateOptions;
use serde_json::{Value, json};

const REAL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/chekt.yaml");
const METHODS: [&str; 5] = ["get", "put", "post", "patch", "delete"];

/// (kind, edited document) for every place of the real spec.
fn edits(doc: &Value) -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    let mut edit = |kind, f: &dyn Fn(&mut Value)| {
        let mut copy = doc.clone();
        f(&mut copy);
        out.push((kind, copy));
    };
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for (name, schema) in schemas {
        if schema.get("properties").is_some() {
            edit("property added (optional)", &|d| {
                d["components"]["schemas"][name]["properties"]["zz_added"] =
                    json!({"type": "string", "description": "Added."});
            });
        }
        if schema.get("enum").is_some_and(|e| e[0].is_string()) {
            edit("enum value added", &|d| {
                d["components"]["schemas"][name]["enum"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!("zz_added"));
            });
        }
        if let Some(first) = schema["required"].as_array().and_then(|r| r.first()) {
            let first = first.clone();
            edit("property requirement relaxed", &|d| {
                d["components"]["schemas"][name]["required"]
                    .as_array_mut()
                    .unwrap()
                    .retain(|r| *r != first);
            });
        }
    }
    edit("unused schema added", &|d| {
        d["components"]["schemas"]["ZzUnused"] = json!({"type": "object", "description": "Unused.", "properties": {"a": {"type": "string"}}});
    });
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
            let operation = &item[*method];
            let parameter = |p: Value| {
                move |d: &mut Value| {
                    let op = &mut d["paths"][path][*method];
                    if op.get("parameters").is_none() {
                        op["parameters"] = json!([]);
                    }
                    op["parameters"].as_array_mut().unwrap().push(p.clone());
                }
            };
            edit(
                "query parameter added (optional)",
                &parameter(
                    json!({"name": "zz_q", "in": "query", "description": "Added.", "schema": {"type": "string"}}),
                ),
            );
            edit(
                "header parameter added (optional)",
                &parameter(
                    json!({"name": "X-Zz-Added", "in": "header", "description": "Added.", "schema": {"type": "string"}}),
                ),
            );
            // A new error status with the body the operation's errors have.
            let error = operation["responses"]
                .as_object()
                .and_then(|r| r.iter().find(|(status, _)| status.starts_with('4')))
                .map(|(_, response)| response.clone());
            if let Some(error) = error.filter(|_| operation["responses"].get("503").is_none()) {
                edit("error status added", &|d| {
                    d["paths"][path][*method]["responses"]["503"] = error.clone();
                });
            }
            let required: Vec<usize> = operation["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .enumerate()
                        .filter(|(_, p)| p["required"] == json!(true) && p["in"] != json!("path"))
                        .map(|(i, _)| i)
                        .collect()
                })
                .unwrap_or_default();
            for i in required {
                edit("parameter requirement relaxed", &|d| {
                    d["paths"][path][*method]["parameters"][i]["required"] = json!(false);
                });
            }
        }
    }
    out
}

#[test]
#[ignore = "slow: renders the real spec once per edit"]
fn additive_changes_to_the_real_spec_are_minor() {
    let spec = Spec::from_file(REAL).unwrap();
    let options = GenerateOptions::chekt_api().with_passes_must_fire(false);
    let old = surface(&spec, &options).unwrap();
    // kind → (additive wire-non-breaking edits, of which at most minor)
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut majors = Vec::new();
    for (kind, doc) in edits(spec.value()) {
        let new = Spec::parse("head.json", doc.to_string()).unwrap();
        let wire = diff(&spec, &new).unwrap();
        let classes: Vec<Class> = wire.changes.iter().map(|c| c.class).collect();
        if classes.contains(&Class::Breaking) || !classes.contains(&Class::Additive) {
            continue;
        }
        let new_surface = match surface(&new, &options) {
            Ok(s) => s,
            Err(e) => panic!("{kind}: the edited spec does not generate: {e}"),
        };
        let items = compare(&old, &new_surface);
        let bump = items.iter().map(|i| i.bump).max().unwrap_or(Bump::Patch);
        let entry = counts.entry(kind).or_default();
        entry.0 += 1;
        if bump <= Bump::Minor {
            entry.1 += 1;
        } else {
            let why: Vec<String> = items
                .iter()
                .filter(|i| i.bump == Bump::Major)
                .map(|i| format!("{} {} ({})", i.item, i.change, i.why))
                .collect();
            majors.push(format!("{kind}: {}", why.join("; ")));
        }
    }
    let (total, minor) = counts
        .values()
        .fold((0, 0), |(t, m), (kt, km)| (t + kt, m + km));
    println!(
        "additive, wire-non-breaking edits of spec/chekt.yaml: {minor} of {total} at most minor"
    );
    for (kind, (t, m)) in &counts {
        println!("  {kind:<36} {m:>3} of {t:>3}");
    }
    for major in &majors {
        println!("  major: {major}");
    }
    assert!(majors.is_empty(), "additive edits gone major:\n{majors:#?}");
    assert_eq!(minor, total);
    // Every kind is measured (the relaxed requirements are request fields).
    assert_eq!(counts.len(), 6, "{counts:?}");
    assert!(total > 100, "{total} edits measured");
}
