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

/// `Person` and `Company` carry `kind` (required, one value each), and
/// `property` of `schema_name` is a `oneOf` of them.
fn owners(schema_name: &str, person: &str, company: &str) -> Vec<Edit> {
    vec![
        set(
            schema("/Person/properties/kind"),
            json!({"type": "string", "enum": [person]}),
        ),
        set(schema("/Person/required"), json!(["name", "kind"])),
        set(
            schema("/Company/properties/kind"),
            json!({"type": "string", "enum": [company]}),
        ),
        set(schema("/Company/required"), json!(["company", "kind"])),
        set(
            schema(&format!("/{schema_name}/properties/owner")),
            json!({"oneOf": refs(&["Person", "Company"])}),
        ),
    ]
}

fn discriminator(schema_name: &str) -> String {
    schema(&format!("/{schema_name}/properties/owner/discriminator"))
}

#[test]
fn a_discriminator_is_judged_by_whether_payloads_change() {
    let mapping = json!({"propertyName": "kind", "mapping": {
        "person": "#/components/schemas/Person", "company": "Company"}});
    check(vec![
        (
            "response discriminator added over a property every branch carries",
            owners("Pet", "Person", "Company"),
            vec![set(discriminator("Pet"), json!({"propertyName": "kind"}))],
            &[(NonFunctional, "response-discriminator-added")],
        ),
        (
            "request discriminator added over a property every branch carries",
            owners("NewPet", "Person", "Company"),
            vec![set(
                discriminator("NewPet"),
                json!({"propertyName": "kind"}),
            )],
            &[(NonFunctional, "request-discriminator-added")],
        ),
        (
            "request discriminator added with a mapping to the values payloads carry",
            owners("NewPet", "person", "company"),
            vec![set(discriminator("NewPet"), mapping.clone())],
            &[(NonFunctional, "request-discriminator-added")],
        ),
        (
            "request discriminator added whose implicit values payloads do not carry",
            owners("NewPet", "person", "company"),
            vec![set(
                discriminator("NewPet"),
                json!({"propertyName": "kind"}),
            )],
            &[(Breaking, "request-discriminator-changed")],
        ),
        (
            "response discriminator added over a property one branch lacks",
            owners("Pet", "Person", "Company"),
            vec![set(discriminator("Pet"), json!({"propertyName": "name"}))],
            &[(Breaking, "response-discriminator-changed")],
        ),
        (
            "request discriminator added over a property one branch does not require",
            [
                owners("NewPet", "Person", "Company"),
                vec![set(schema("/Company/required"), json!(["company"]))],
            ]
            .concat(),
            vec![set(
                discriminator("NewPet"),
                json!({"propertyName": "kind"}),
            )],
            &[(Breaking, "request-discriminator-changed")],
        ),
        (
            "discriminator added to a base schema over its own required property",
            vec![],
            vec![set(
                schema("/Pet/discriminator"),
                json!({"propertyName": "name"}),
            )],
            &[(NonFunctional, "response-discriminator-added")],
        ),
        (
            "response discriminator removed; every branch still requires the property",
            [
                owners("Pet", "Person", "Company"),
                vec![set(discriminator("Pet"), json!({"propertyName": "kind"}))],
            ]
            .concat(),
            vec![remove(discriminator("Pet"))],
            &[(NonFunctional, "response-discriminator-removed")],
        ),
        (
            "request discriminator with its own values removed; the property stays",
            [
                owners("NewPet", "person", "company"),
                vec![set(discriminator("NewPet"), mapping.clone())],
            ]
            .concat(),
            vec![remove(discriminator("NewPet"))],
            &[(NonFunctional, "request-discriminator-removed")],
        ),
        (
            "request discriminator removed along with the property in one branch",
            [
                owners("NewPet", "Person", "Company"),
                vec![set(
                    discriminator("NewPet"),
                    json!({"propertyName": "kind"}),
                )],
            ]
            .concat(),
            vec![
                remove(discriminator("NewPet")),
                remove(schema("/Company/properties/kind")),
                set(schema("/Company/required"), json!(["company"])),
            ],
            // `Company` is also a `Pet` owner, and without `kind` the two
            // branches can match one payload.
            &[
                (Breaking, "request-discriminator-changed"),
                (Breaking, "request-property-removed"),
                (Breaking, "request-one-of-overlap"),
                (Breaking, "response-property-removed"),
            ],
        ),
        (
            "response mapping written out as the implicit one",
            [
                owners("Pet", "Person", "Company"),
                vec![set(discriminator("Pet"), json!({"propertyName": "kind"}))],
            ]
            .concat(),
            vec![set(
                discriminator("Pet"),
                json!({"propertyName": "kind", "mapping": {"Person": "#/components/schemas/Person"}}),
            )],
            &[],
        ),
        (
            "request mapping entry dropped that the implicit mapping keeps",
            [
                owners("NewPet", "Person", "Company"),
                vec![set(
                    discriminator("NewPet"),
                    json!({"propertyName": "kind", "mapping": {"Company": "Company"}}),
                )],
            ]
            .concat(),
            vec![set(
                discriminator("NewPet"),
                json!({"propertyName": "kind"}),
            )],
            &[],
        ),
        (
            "request mapping value now selects another schema (payloads change)",
            [
                owners("NewPet", "person", "company"),
                vec![set(discriminator("NewPet"), mapping.clone())],
            ]
            .concat(),
            vec![set(
                format!("{}/mapping/person", discriminator("NewPet")),
                json!("Company"),
            )],
            &[(Breaking, "request-discriminator-mapping-changed")],
        ),
        (
            "response mapping value written differently (payloads change)",
            [
                owners("Pet", "Person", "Company"),
                vec![set(discriminator("Pet"), json!({"propertyName": "kind"}))],
            ]
            .concat(),
            vec![set(
                discriminator("Pet"),
                json!({"propertyName": "kind", "mapping": {"human": "#/components/schemas/Person"}}),
            )],
            &[(Breaking, "response-discriminator-mapping-added")],
        ),
    ]);
}

#[test]
fn read_only_and_write_only_properties_are_judged_only_where_they_travel() {
    // `NewPet` is also what POST /pets returns: one schema, both directions.
    let shared = || {
        vec![
            set(CREATED, json!({"$ref": "#/components/schemas/NewPet"})),
            set(
                schema("/NewPet/properties/id"),
                json!({"type": "integer", "maximum": 1000, "default": 1, "readOnly": true}),
            ),
            set(
                schema("/NewPet/properties/secret"),
                json!({"type": "string", "maxLength": 64, "writeOnly": true}),
            ),
        ]
    };
    let id = |rest: &str| schema(&format!("/NewPet/properties/id{rest}"));
    let secret = |rest: &str| schema(&format!("/NewPet/properties/secret{rest}"));
    check(vec![
        (
            "readOnly: maximum lowered (only readers see it)",
            shared(),
            vec![set(id("/maximum"), json!(10))],
            &[(NonFunctional, "response-constraint-tightened")],
        ),
        (
            "readOnly: default changed (not sent, so not defaulted by the server)",
            shared(),
            vec![set(id("/default"), json!(2))],
            &[(NonFunctional, "response-default-changed")],
        ),
        (
            "readOnly: maximum lowered together with a pattern-free type change",
            shared(),
            vec![set(
                id(""),
                json!({"type": "integer", "format": "int32", "maximum": 10, "readOnly": true}),
            )],
            &[
                (Breaking, "response-format-changed"),
                (NonFunctional, "response-constraint-tightened"),
                (NonFunctional, "response-default-changed"),
            ],
        ),
        (
            "readOnly: made required and nullable",
            shared(),
            vec![
                set(schema("/NewPet/required"), json!(["name", "id"])),
                set(id("/nullable"), json!(true)),
            ],
            &[
                (Additive, "response-property-became-required"),
                (Breaking, "response-nullable-added"),
            ],
        ),
        (
            "writeOnly: maxLength raised and default added (readers never get it)",
            shared(),
            vec![
                set(secret("/maxLength"), json!(128)),
                set(secret("/default"), json!("x")),
            ],
            &[(Additive, "request-constraint-loosened")],
        ),
        (
            "writeOnly: minLength added (only senders see it)",
            shared(),
            vec![set(secret("/minLength"), json!(8))],
            &[(Breaking, "request-constraint-tightened")],
        ),
        (
            "readOnly stated by a referenced component: pattern added",
            vec![
                set(schema("/Id"), json!({"type": "string", "readOnly": true})),
                set(
                    schema("/NewPet/properties/ref_id"),
                    json!({"allOf": [{"$ref": "#/components/schemas/Id"}]}),
                ),
            ],
            vec![set(schema("/Id/pattern"), json!("^[a-z]+$"))],
            &[],
        ),
        (
            "readOnly in a oneOf branch of a request: enum narrowed",
            vec![set(
                schema("/NewPet/properties/contact/anyOf/-"),
                json!({"type": "object", "properties": {
                    "verified": {"type": "string", "enum": ["yes", "no"], "readOnly": true}}}),
            )],
            vec![set(
                schema("/NewPet/properties/contact/anyOf/2/properties/verified/enum"),
                json!(["yes"]),
            )],
            &[],
        ),
        (
            "writeOnly in array items of a response: nullable and enum value added",
            vec![set(
                schema("/Pet/properties/children"),
                json!({"type": "array", "items": {"type": "object", "properties": {
                    "pin": {"type": "integer", "enum": [1, 2], "writeOnly": true}}}}),
            )],
            vec![set(
                schema("/Pet/properties/children/items/properties/pin"),
                json!({"type": "integer", "enum": [1, 2, 3], "nullable": true, "writeOnly": true}),
            )],
            &[],
        ),
    ]);
}

/// The same kinds on both axes: what the wire says and what the generated
/// crate does (typify ignores a discriminator over `$ref`'d alternatives;
/// a body that becomes an enum changes the builder's signature).
#[test]
fn the_kinds_on_both_axes() {
    use chekt_gen::diff::{Bump, DiffOptions, diff_with};
    use chekt_gen::generate::GenerateOptions;
    let options = DiffOptions {
        crate_axis: Some(GenerateOptions::default()),
        ..DiffOptions::default()
    };
    let cases: Vec<(Case, Bump)> = vec![
        (
            (
                "response discriminator added over a carried property",
                owners("Pet", "Person", "Company"),
                vec![set(discriminator("Pet"), json!({"propertyName": "kind"}))],
                &[(NonFunctional, "response-discriminator-added")],
            ),
            Bump::Patch,
        ),
        (
            (
                "request body wrapped in a oneOf beside a disjoint branch",
                legacy(),
                vec![set(BODY, json!({"oneOf": refs(&["NewPet", "Legacy"])}))],
                &[(Additive, "request-variant-added")],
            ),
            Bump::Major,
        ),
    ];
    let base = load(BASE);
    let mut failures = Vec::new();
    for ((name, setup, edits, expected), bump) in cases {
        let old = edited(&base, &setup);
        let new = edited(&old, &edits);
        let report = diff_with(&old, &new, &options).unwrap();
        let mut want = expected.to_vec();
        want.sort();
        if pairs(&report) != want || report.crate_bump() != Some(bump) {
            failures.push(format!(
                "{name}: expected {want:?}, crate {bump}\n{}",
                render(&report, Format::Text)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
