//! What `render` refuses to return: code that defines a name twice, a run
//! where progenitor failed (located by operation or schema), a run where a
//! pass that must fire did not. And the naming kind behind E0428.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chekt_gen::generate::{GenerateOptions, render};
use chekt_gen::lint::LintConfig;
use chekt_gen::{Error, Severity, Spec};

fn spec(paths: &str, schemas: &str) -> Spec {
    Spec::parse(
        "case.yaml",
        format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n{paths}\ncomponents:\n  schemas:\n{schemas}"
        ),
    )
    .unwrap()
}

const GET_PET: &str = "  /pet:\n    get:\n      operationId: get_pet\n      responses:\n        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}}\n";

/// The instance: the open-enum pass must register its replacement
/// under typify's name for `pet_status`, or both enums are emitted.
#[test]
fn enum_components_spelled_any_way_become_one_open_enum() {
    for component in ["pet_status", "pet-status", "PetStatus", "petStatus"] {
        let spec = spec(
            GET_PET,
            &format!(
                "    Pet: {{type: object, properties: {{status: {{$ref: '#/components/schemas/{component}'}}}}}}\n    {component}: {{type: string, enum: [available, sold]}}\n"
            ),
        );
        let code = render(&spec, &GenerateOptions::default()).unwrap().code;
        assert_eq!(
            code.matches("pub enum PetStatus {").count(),
            1,
            "{component}: {code}"
        );
        assert!(
            code.contains("Unknown(::std::string::String)"),
            "{component}"
        );
    }
}

/// A hoisted inline enum never takes a name that a component already has
/// in another spelling.
#[test]
fn hoisted_enums_avoid_names_taken_in_another_spelling() {
    let spec = spec(
        GET_PET,
        "    Pet: {type: object, properties: {status: {type: string, enum: [a, b]}}}\n    pet_status: {type: object, properties: {x: {type: string}}}\n",
    );
    let code = render(&spec, &GenerateOptions::default()).unwrap().code;
    assert!(code.contains("pub struct PetStatus {"), "{code}");
    assert_eq!(code.matches("pub enum PetStatus2 {").count(), 1, "{code}");
}

#[test]
fn two_components_typify_names_alike_are_refused_before_writing() {
    let spec = spec(
        GET_PET,
        "    Pet: {type: object, properties: {a: {$ref: '#/components/schemas/pet_info'}, b: {$ref: '#/components/schemas/PetInfo'}}}\n    pet_info: {type: object, properties: {x: {type: string}}}\n    PetInfo: {type: object, properties: {y: {type: integer}}}\n",
    );
    match render(&spec, &GenerateOptions::default()) {
        Err(e @ Error::Uncompilable { .. }) => assert_eq!(
            e.to_string(),
            "case.yaml: the generated code would not compile: `mod types::builder` defines `PetInfo` 2 times (E0428); typify names these component schemas `PetInfo`: #/components/schemas/pet_info, #/components/schemas/PetInfo; `mod types` defines `PetInfo` 2 times (E0428); typify names these component schemas `PetInfo`: #/components/schemas/pet_info, #/components/schemas/PetInfo"
        ),
        Err(e) => panic!("{e}"),
        // typify may one day tell the two apart; then there is nothing to refuse.
        Ok(rendered) => assert_eq!(rendered.code.matches("pub struct PetInfo {").count(), 1),
    }
}

/// What progenitor fails on after the lint let it through (here a lint
/// turned down on purpose) is named by operation and pointer.
#[test]
fn progenitor_failures_are_located_by_operation() {
    let spec = spec(
        &format!(
            "{GET_PET}  /pet/{{id}}:\n    get:\n      operationId: get_one\n      responses:\n        '200': {{description: ok, content: {{application/json: {{schema: {{$ref: '#/components/schemas/Pet'}}}}}}}}\n"
        ),
        "    Pet: {type: object}\n",
    );
    let lint = LintConfig::default()
        .with_severity("path-parameter-undeclared", Severity::Info)
        .unwrap();
    let err = render(&spec, &GenerateOptions::default().with_lint_config(lint)).unwrap_err();
    let Error::Generation { failures, .. } = &err else {
        panic!("{err}");
    };
    assert_eq!(failures.len(), 1, "{err}");
    assert_eq!(failures[0].pointer, "/paths/~1pet~1{id}/get");
    assert_eq!(
        failures[0].operation.as_deref(),
        Some("GET /pet/{id} (get_one)")
    );
    assert!(
        err.to_string()
            .starts_with("case.yaml: progenitor cannot generate 1 place(s):\n  GET /pet/{id} (get_one): progenitor"),
        "{err}"
    );
}

#[test]
fn a_pass_that_must_fire_and_rewrote_nothing_fails_clearly() {
    let spec = spec(GET_PET, "    Pet: {type: object}\n");
    let options = GenerateOptions::default().with_passes_must_fire(true);
    assert_eq!(
        render(&spec, &options).unwrap_err().to_string(),
        "case.yaml: generator pass `absent_query` rewrote nothing; progenitor's output no longer has the shape it rewrites (unset optional query parameters are not serialized)"
    );
    let rendered = render(&spec, &GenerateOptions::default()).unwrap();
    let counts: Vec<(&str, usize)> = rendered
        .passes
        .iter()
        .map(|p| (p.pass, p.rewritten))
        .collect();
    assert_eq!(
        counts,
        [
            ("absent_query", 0),
            ("lean_headers::append_to_request", 1),
            ("rows_as", 0),
            ("lean_headers::move_response_headers", 1),
            ("model_types::seal", 0),
            ("model_types::inner_setters", 0),
            ("model_types::accessors", 0)
        ]
    );
}

/// typify's `todo!()` on `not: {$ref}` came back with a 200-line `Debug`
/// dump of the schema in the message (and once more on stderr from the
/// panic hook, per schema tried); the place says which schema it is.
#[test]
fn a_typify_panic_is_one_located_line_without_its_debug_dump() {
    let spec = spec(
        GET_PET,
        "    Pet: {not: {$ref: '#/components/schemas/Pet'}}\n",
    );
    let err = render(&spec, &GenerateOptions::default())
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "case.yaml: progenitor cannot generate 1 place(s):\n  GET /pet (get_pet): progenitor panicked: not yet implemented: unhandled not schema (at #/components/schemas/Pet)"
    );
}

/// operationIds that differ only in case or separators give one builder
/// (and one method); the refusal names the operations, not only `GetA`.
#[test]
fn operation_ids_alike_after_progenitor_naming_are_refused_naming_the_operations() {
    let op = |path: &str, id: &str| {
        format!(
            "  {path}:\n    get:\n      operationId: {id}\n      responses:\n        '200': {{description: ok, content: {{application/json: {{schema: {{type: string}}}}}}}}\n"
        )
    };
    let spec = spec(
        &format!("{}{}", op("/a", "getA"), op("/b", "get-a")),
        "    X: {type: string}\n",
    );
    let err = render(&spec, &GenerateOptions::default())
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "case.yaml: the generated code would not compile: `mod builder` defines `GetA` 2 times (E0428); progenitor names the builders of these operations `GetA` (their operationIds differ only in case or separators): GET /a (getA), GET /b (get-a); `mod operations` defines `GET_A` 2 times (E0428)"
    );
}
