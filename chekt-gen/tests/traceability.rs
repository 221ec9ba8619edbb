//! The `statement-untraced` lint (issue 17, item 10): every operation,
//! schema, parameter and property of a spec that uses the marks names its
//! source or is marked inferred.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chekt_gen::lint::{self, rules::traceability};
use chekt_gen::{Severity, Spec};

fn fixture(name: &str) -> Spec {
    Spec::from_file(format!(
        "{}/tests/specs/traceability/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn untraced(spec: &Spec) -> Vec<(String, Severity)> {
    lint::lint(spec)
        .findings
        .into_iter()
        .filter(|f| f.rule == traceability::UNTRACED)
        .map(|f| (f.pointer, f.severity))
        .collect()
}

#[test]
fn a_fully_traced_spec_passes() {
    assert_eq!(untraced(&fixture("traced.yaml")), vec![]);
}

#[test]
fn an_unmarked_property_fails_the_lint() {
    let spec = fixture("unmarked_property.yaml");
    let pointers: Vec<String> = untraced(&spec)
        .into_iter()
        .map(|(p, s)| {
            assert_eq!(s, Severity::Error);
            p
        })
        .collect();
    assert_eq!(
        pointers,
        [
            "/components/schemas/Sloppy/x-chekt-source",
            "/components/schemas/Widget",
            "/components/schemas/Widget/properties/b",
        ]
    );
    let err = lint::lint(&spec)
        .into_result(&spec)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("property `b` names no `x-chekt-source`"),
        "{err}"
    );
}

#[test]
fn unmarked_statements_outside_operations_and_schemas_fail_the_lint() {
    let spec = fixture("unmarked_elsewhere.yaml");
    let pointers: Vec<String> = untraced(&spec).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        pointers,
        [
            "/components/headers/X-Guess",
            "/components/parameters/Filter",
            "/components/parameters/Filter/content/application~1json/schema/properties/column",
            "/components/requestBodies/Body/content/application~1json/schema/properties/guessed",
            "/components/responses/Oops/content/application~1json/schema/properties/reason",
            "/paths/~1things~1{thingId}/parameters/0",
        ]
    );
    let err = lint::lint(&spec)
        .into_result(&spec)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("path-level parameter `thingId` names no `x-chekt-source`"),
        "{err}"
    );
    assert!(err.contains("header `X-Guess` names no"), "{err}");
}

#[test]
fn a_spec_without_marks_is_not_held_to_the_rule() {
    let text = std::fs::read_to_string(format!(
        "{}/tests/specs/petstore.yaml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    assert!(!text.contains("x-chekt-"));
    let spec = Spec::parse("petstore.yaml", text).unwrap();
    assert_eq!(untraced(&spec), vec![]);
}

#[test]
fn the_chekt_spec_is_fully_traced() {
    let spec = Spec::from_file(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/chekt.yaml")).unwrap();
    assert_eq!(untraced(&spec), vec![]);
    // Removing one mark is caught.
    let text = spec.source().replacen(
        "    ResponseSiteBasicDto:\n      x-chekt-source: '003_db708374a39d86ef.txt § A first call'\n",
        "    ResponseSiteBasicDto:\n",
        1,
    );
    assert_ne!(text, spec.source());
    let edited = Spec::parse("edited.yaml", text).unwrap();
    assert!(
        untraced(&edited)
            .iter()
            .any(|(p, _)| p == "/components/schemas/ResponseSiteBasicDto/properties/site_id"),
        "{:?}",
        untraced(&edited)
    );
}
