//! `chekt_gen::diff` on the kinds of issue 26, each from spec pairs:
//! composition (`oneOf` / `anyOf`, nested, under `allOf`, keyword
//! switches), discriminators that do or do not change payloads, and
//! `readOnly` / `writeOnly` properties whose constraints change in the
//! direction they do not travel.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod diff_support;

use chekt_gen::diff::render::{Format, render};
use chekt_gen::diff::{Class, diff};
use serde_json::json;

use Class::{Additive, Breaking, NonFunctional};
use diff_support::*;

type Case = (
    &'static str,
    Vec<Edit>,
    Vec<Edit>,
    &'static [(Class, &'static str)],
);

/// Runs (name, setup of the old side, edit to the new side, expected
/// pairs) cases and names every one that differs.
fn check(cases: Vec<Case>) {
    let base = load(BASE);
    let mut failures = Vec::new();
    for (name, setup, edits, expected) in cases {
        let old = edited(&base, &setup);
        let new = edited(&old, &edits);
        let report = diff(&old, &new).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut want = expected.to_vec();
        want.sort();
        if pairs(&report) != want {
            failures.push(format!(
                "{name}: expected {want:?}\n{}",
                render(&report, Format::Text)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn schema(rest: &str) -> String {
    format!("{SCHEMAS}{rest}")
}

const BODY: &str = "/paths/~1pets/post/requestBody/content/application~1json/schema";
const CREATED: &str = "/paths/~1pets/post/responses/201/content/application~1json/schema";

/// Two closed object schemas no `NewPet` or `Pet` payload matches.
fn legacy() -> Vec<Edit> {
    vec![
        set(
            schema("/Legacy"),
            json!({"type": "object", "required": ["legacy_id"], "additionalProperties": false,
                   "properties": {"legacy_id": {"type": "integer"}}}),
        ),
        set(
            schema("/Cat"),
            json!({"type": "object", "required": ["name", "kind"], "additionalProperties": false,
                   "properties": {"name": {"type": "string"}, "kind": {"type": "string", "enum": ["cat"]}}}),
        ),
        set(
            schema("/Dog"),
            json!({"type": "object", "required": ["name", "kind"], "additionalProperties": false,
                   "properties": {"name": {"type": "string"}, "kind": {"type": "string", "enum": ["dog"]}}}),
        ),
    ]
}

fn refs(names: &[&str]) -> serde_json::Value {
    names
        .iter()
        .map(|n| json!({"$ref": format!("#/components/schemas/{n}")}))
        .collect()
}

#[test]
fn composition_is_judged_by_the_payloads_clients_send_and_read() {
    check(vec![
        (
            "request body wrapped in a oneOf whose branches still accept the old payloads",
            legacy(),
            vec![set(BODY, json!({"oneOf": refs(&["NewPet", "Legacy"])}))],
            &[(Additive, "request-variant-added")],
        ),
        (
            "request body wrapped in a oneOf beside a looser copy of itself",
            legacy(),
            vec![
                set(
                    schema("/LooserPet"),
                    json!({"type": "object", "required": ["name"],
                           "properties": {"name": {"type": "string", "maxLength": 128}, "tag": {"type": "string"},
                                          "status": {"$ref": "#/components/schemas/Status"},
                                          "contact": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}}),
                ),
                set(BODY, json!({"oneOf": refs(&["LooserPet", "Legacy"])})),
            ],
            &[
                (Additive, "request-constraint-loosened"),
                (Additive, "request-constraint-loosened"),
                (Additive, "request-variant-added"),
            ],
        ),
        (
            "request body wrapped in a oneOf none of whose branches accepts the old payloads",
            legacy(),
            vec![set(BODY, json!({"oneOf": refs(&["Cat", "Dog"])}))],
            &[(Breaking, "request-composition-added")],
        ),
        (
            "request body wrapped in an anyOf",
            legacy(),
            vec![set(BODY, json!({"anyOf": refs(&["NewPet", "Legacy"])}))],
            &[(Additive, "request-variant-added")],
        ),
        (
            "oneOf branch removed from a request body",
            [
                legacy(),
                vec![set(BODY, json!({"oneOf": refs(&["Cat", "Dog"])}))],
            ]
            .concat(),
            vec![set(BODY, json!({"oneOf": refs(&["Cat"])}))],
            &[(Breaking, "request-variant-removed")],
        ),
        (
            "request body unwrapped to one of its oneOf branches",
            [
                legacy(),
                vec![set(BODY, json!({"oneOf": refs(&["Cat", "Dog"])}))],
            ]
            .concat(),
            vec![set(BODY, json!({"$ref": "#/components/schemas/Cat"}))],
            &[(Breaking, "request-variant-removed")],
        ),
        (
            "nested: a branch of a oneOf inside an anyOf request property removed",
            vec![set(
                schema("/NewPet/properties/contact/anyOf/1"),
                json!({"oneOf": [{"type": "integer"}, {"type": "boolean"}]}),
            )],
            vec![remove(schema("/NewPet/properties/contact/anyOf/1/oneOf/1"))],
            &[(Breaking, "request-variant-removed")],
        ),
        (
            "nested: a request property's branch became a oneOf of itself and another",
            vec![],
            vec![set(
                schema("/NewPet/properties/contact/anyOf/1"),
                json!({"oneOf": [{"type": "integer"}, {"type": "boolean"}]}),
            )],
            &[(Additive, "request-variant-added")],
        ),
        (
            "allOf gains a oneOf constraint in a request",
            vec![],
            vec![set(
                schema("/NewPet/allOf"),
                json!([{"oneOf": [
                    {"required": ["tag"], "properties": {"tag": {"type": "string"}}, "not": {"required": ["status"]}},
                    {"required": ["status"]}
                ]}]),
            )],
            &[(Breaking, "request-one-of-overlap")],
        ),
        (
            "allOf loses its oneOf constraint in a request",
            vec![set(
                schema("/NewPet/allOf"),
                json!([{"oneOf": [{"required": ["tag"]}, {"required": ["status"]}]}]),
            )],
            vec![remove(schema("/NewPet/allOf"))],
            &[(Additive, "request-composition-removed")],
        ),
        (
            "allOf loses its oneOf constraint in a response",
            vec![set(
                schema("/Pet/allOf"),
                json!([{"oneOf": [{"required": ["tag"]}, {"required": ["status"]}]}]),
            )],
            vec![remove(schema("/Pet/allOf"))],
            &[(Breaking, "response-composition-removed")],
        ),
        (
            "request oneOf became anyOf (the same branches)",
            vec![set(
                schema("/NewPet/properties/contact"),
                json!({"oneOf": [{"type": "string"}, {"type": "integer"}]}),
            )],
            vec![Edit::Rename(
                schema("/NewPet/properties/contact/oneOf"),
                "anyOf",
            )],
            &[(Additive, "request-one-of-became-any-of")],
        ),
        (
            "request anyOf of disjoint branches became oneOf",
            vec![],
            vec![Edit::Rename(
                schema("/NewPet/properties/contact/anyOf"),
                "oneOf",
            )],
            &[(NonFunctional, "request-any-of-became-one-of")],
        ),
        (
            "request anyOf of overlapping branches became oneOf",
            vec![set(
                schema("/NewPet/properties/contact"),
                json!({"anyOf": refs(&["Person", "Company"])}),
            )],
            vec![Edit::Rename(
                schema("/NewPet/properties/contact/anyOf"),
                "oneOf",
            )],
            &[(Breaking, "request-one-of-overlap")],
        ),
        (
            "response oneOf became anyOf",
            vec![],
            vec![Edit::Rename(schema("/Pet/properties/owner/oneOf"), "anyOf")],
            &[(NonFunctional, "response-composition-keyword-changed")],
        ),
        (
            "response wrapped in a oneOf beside another branch",
            legacy(),
            vec![set(CREATED, json!({"oneOf": refs(&["Pet", "Legacy"])}))],
            &[(Breaking, "response-variant-added")],
        ),
        (
            "response branch removed",
            vec![],
            vec![remove(schema("/Pet/properties/owner/oneOf/1"))],
            &[(NonFunctional, "response-variant-removed")],
        ),
    ]);
}
