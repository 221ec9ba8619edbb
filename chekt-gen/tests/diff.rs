//! `chekt_gen::diff`: single edits applied to a small base spec, each
//! asserting exactly which (classification, rule) pairs are reported; a few
//! edits of the real spec; and snapshots of the Markdown and JSON output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chekt_gen::Spec;
use chekt_gen::diff::render::{Format, render};
use chekt_gen::diff::{Bump, Class, CrateAxis, DiffOptions, RULES, diff, diff_with};
use chekt_gen::generate::GenerateOptions;
use serde_json::{Value, json};

use Class::{Additive, Breaking, NonFunctional};

mod diff_support;

use diff_support::*;

type Expected = &'static [(Class, &'static str)];

/// The single-edit cases: name, edits (one logical change), expected pairs.
fn cases() -> Vec<(&'static str, Vec<Edit>, Expected)> {
    let pet = |rest: &str| format!("{SCHEMAS}/Pet{rest}");
    let new_pet = |rest: &str| format!("{SCHEMAS}/NewPet{rest}");
    vec![
        // Document level.
        (
            "server added",
            vec![set("/servers/-", json!({"url": "https://eu.example.com"}))],
            &[(Additive, "server-added")],
        ),
        (
            "server removed",
            vec![set("/servers/0", json!({"url": "https://new.example.com"}))],
            &[(Breaking, "server-removed"), (Additive, "server-added")],
        ),
        (
            "token URL changed",
            vec![set(
                "/components/securitySchemes/oauth/flows/clientCredentials/tokenUrl",
                json!("https://auth.example.com/token"),
            )],
            &[(Breaking, "security-scheme-changed")],
        ),
        (
            "security scheme added",
            vec![set(
                "/components/securitySchemes/key",
                json!({"type": "apiKey", "in": "header", "name": "X-Key"}),
            )],
            &[(Additive, "security-scheme-added")],
        ),
        (
            "security scheme removed",
            vec![remove("/components/securitySchemes/oauth")],
            &[(Breaking, "security-scheme-removed")],
        ),
        // Endpoints (policy: new endpoints additive; removing or renaming breaking).
        (
            "endpoint added",
            vec![set(
                "/paths/~1owners",
                json!({"get": {"operationId": "list_owners", "responses": {"200": {"description": "ok"}}}}),
            )],
            &[(Additive, "endpoint-added")],
        ),
        (
            "endpoint removed",
            vec![remove(DELETE)],
            &[(Breaking, "endpoint-removed")],
        ),
        (
            "endpoint renamed",
            vec![Edit::Rename(
                "/paths/~1pets~1{petId}".into(),
                "/animals/{petId}",
            )],
            &[
                (Breaking, "endpoint-removed"),
                (Breaking, "endpoint-removed"),
                (Additive, "endpoint-added"),
                (Additive, "endpoint-added"),
            ],
        ),
        (
            "operationId renamed",
            vec![set(at(GET, "/operationId"), json!("fetch_pet"))],
            &[(NonFunctional, "operation-id-changed")],
        ),
        (
            "operation deprecated",
            vec![set(at(GET, "/deprecated"), json!(true))],
            &[(NonFunctional, "operation-deprecated")],
        ),
        (
            "inferred flag removed (not watched by default)",
            vec![remove(at(DELETE, "/x-chekt-inferred"))],
            &[],
        ),
        (
            "inferred flag added (not watched by default)",
            vec![set(at(LIST, "/x-chekt-inferred"), json!(true))],
            &[],
        ),
        // Parameters (policy: new optional request parameters additive).
        (
            "optional parameter added",
            vec![set(
                at(LIST, "/parameters/-"),
                json!({"name": "q", "in": "query", "schema": {"type": "string"}}),
            )],
            &[(Additive, "request-parameter-added-optional")],
        ),
        (
            "required parameter added",
            vec![set(
                at(LIST, "/parameters/-"),
                json!({"name": "q", "in": "query", "required": true, "schema": {"type": "string"}}),
            )],
            &[(Breaking, "request-parameter-added-required")],
        ),
        (
            "required header parameter added",
            vec![set(
                at(LIST, "/parameters/-"),
                json!({"name": "X-Trace", "in": "header", "required": true, "schema": {"type": "string"}}),
            )],
            &[(Breaking, "request-parameter-added-required")],
        ),
        (
            "parameter removed",
            vec![remove(at(LIST, "/parameters/0"))],
            &[(Breaking, "request-parameter-removed")],
        ),
        (
            "parameter became required",
            vec![set(at(LIST, "/parameters/0/required"), json!(true))],
            &[(Breaking, "request-parameter-became-required")],
        ),
        (
            "parameter moved from query to header",
            vec![set(at(LIST, "/parameters/0/in"), json!("header"))],
            &[(Breaking, "request-parameter-in-changed")],
        ),
        (
            "array parameter no longer exploded",
            vec![set(at(LIST, "/parameters/2/explode"), json!(false))],
            &[(Breaking, "request-parameter-style-changed")],
        ),
        (
            "explicit default style is no change",
            vec![set(at(LIST, "/parameters/2/style"), json!("form"))],
            &[],
        ),
        (
            "parameter deprecated",
            vec![set(at(LIST, "/parameters/0/deprecated"), json!(true))],
            &[(NonFunctional, "parameter-deprecated")],
        ),
        (
            "parameter maximum lowered",
            vec![set(at(LIST, "/parameters/0/schema/maximum"), json!(50))],
            &[(Breaking, "request-constraint-tightened")],
        ),
        (
            "parameter maximum raised",
            vec![set(at(LIST, "/parameters/0/schema/maximum"), json!(500))],
            &[(Additive, "request-constraint-loosened")],
        ),
        (
            "parameter integer widened to number",
            vec![set(
                at(LIST, "/parameters/0/schema"),
                json!({"type": "number", "format": "int32", "minimum": 1, "maximum": 100, "default": 20}),
            )],
            &[(Additive, "request-type-widened")],
        ),
        (
            "parameter type changed",
            vec![set(
                at(LIST, "/parameters/0/schema"),
                json!({"type": "string"}),
            )],
            &[(Breaking, "request-type-changed")],
        ),
        (
            "path parameter format narrowed",
            vec![set(
                "/paths/~1pets~1{petId}/parameters/0/schema/format",
                json!("int32"),
            )],
            &[(Breaking, "request-format-changed")],
        ),
        // Request bodies.
        (
            "request body became optional",
            vec![set(at(CREATE, "/requestBody/required"), json!(false))],
            &[(Additive, "request-body-became-optional")],
        ),
        (
            "request body removed",
            vec![remove(at(CREATE, "/requestBody"))],
            &[(Breaking, "request-body-removed")],
        ),
        (
            "optional request body added",
            vec![set(
                at(DELETE, "/requestBody"),
                json!({"content": {"application/json": {"schema": {"type": "object"}}}}),
            )],
            &[(Additive, "request-body-added-optional")],
        ),
        (
            "required request body added",
            vec![set(
                at(DELETE, "/requestBody"),
                json!({"required": true, "content": {"application/json": {"schema": {"type": "object"}}}}),
            )],
            &[(Breaking, "request-body-added-required")],
        ),
        (
            "request media type added",
            vec![set(
                at(CREATE, "/requestBody/content/application~1xml"),
                json!({"schema": {"$ref": "#/components/schemas/NewPet"}}),
            )],
            &[(Additive, "request-media-type-added")],
        ),
        (
            "request media type replaced",
            vec![Edit::Rename(
                at(CREATE, "/requestBody/content/application~1json"),
                "application/x-www-form-urlencoded",
            )],
            &[
                (Breaking, "request-media-type-removed"),
                (Additive, "request-media-type-added"),
            ],
        ),
        (
            "required body field added",
            vec![
                set(new_pet("/properties/age"), json!({"type": "integer"})),
                set(new_pet("/required/-"), json!("age")),
            ],
            &[(Breaking, "request-property-added-required")],
        ),
        (
            "optional body field added",
            vec![set(new_pet("/properties/age"), json!({"type": "integer"}))],
            &[(Additive, "request-property-added-optional")],
        ),
        (
            "body field became required",
            vec![set(new_pet("/required/-"), json!("tag"))],
            &[(Breaking, "request-property-became-required")],
        ),
        (
            "body field became optional",
            vec![set(new_pet("/required"), json!([]))],
            &[(Additive, "request-property-became-optional")],
        ),
        (
            "body field removed",
            vec![remove(new_pet("/properties/tag"))],
            &[(Breaking, "request-property-removed")],
        ),
        (
            "body field minLength raised",
            vec![set(new_pet("/properties/name/minLength"), json!(3))],
            &[(Breaking, "request-constraint-tightened")],
        ),
        (
            "body field pattern added",
            vec![set(new_pet("/properties/name/pattern"), json!("^[a-z]+$"))],
            &[(Breaking, "request-pattern-added")],
        ),
        (
            "body field became nullable",
            vec![set(new_pet("/properties/tag/nullable"), json!(true))],
            &[(Additive, "request-nullable-added")],
        ),
        (
            "body field restricted to an enum",
            vec![set(new_pet("/properties/tag/enum"), json!(["a", "b"]))],
            &[(Breaking, "request-enum-added")],
        ),
        (
            "body closed to extra keys",
            vec![set(new_pet("/additionalProperties"), json!(false))],
            &[(Breaking, "request-additional-properties-narrowed")],
        ),
        // Responses (policy: new optional response fields additive; removing,
        // renaming or retyping response fields breaking).
        (
            "response field added",
            vec![set(pet("/properties/age"), json!({"type": "integer"}))],
            &[(Additive, "response-property-added")],
        ),
        (
            "response field removed",
            vec![remove(pet("/properties/tag"))],
            &[(Breaking, "response-property-removed")],
        ),
        (
            "response field renamed",
            vec![Edit::Rename(pet("/properties/tag"), "label")],
            &[
                (Breaking, "response-property-removed"),
                (Additive, "response-property-added"),
            ],
        ),
        (
            "response field retyped",
            vec![set(pet("/properties/id/type"), json!("string"))],
            &[(Breaking, "response-type-changed")],
        ),
        (
            "response integer widened to number",
            vec![set(pet("/properties/id/type"), json!("number"))],
            &[(Breaking, "response-type-changed")],
        ),
        (
            "response format changed",
            vec![set(pet("/properties/id/format"), json!("int32"))],
            &[(Breaking, "response-format-changed")],
        ),
        (
            "response field became optional",
            vec![set(pet("/required"), json!(["id"]))],
            &[(Breaking, "response-property-became-optional")],
        ),
        (
            "response field became required",
            vec![set(pet("/required/-"), json!("tag"))],
            &[(Additive, "response-property-became-required")],
        ),
        (
            "response field became nullable",
            vec![set(pet("/properties/name/nullable"), json!(true))],
            &[(Breaking, "response-nullable-added")],
        ),
        (
            "response field no longer nullable",
            vec![remove(pet("/properties/tag/nullable"))],
            &[(NonFunctional, "response-nullable-removed")],
        ),
        // A nullable reference written the OpenAPI 3.0.3 way (`oneOf` with a
        // null-only alternative) reads like `nullable: true`.
        (
            "response reference made nullable with a null-only oneOf",
            vec![set(
                pet("/properties/status"),
                json!({"oneOf": [{"$ref": "#/components/schemas/Status"}, {"nullable": true, "enum": [null]}]}),
            )],
            &[(Breaking, "response-nullable-added")],
        ),
        (
            "request reference made nullable with a null-only oneOf",
            vec![set(
                new_pet("/properties/status"),
                json!({"oneOf": [{"$ref": "#/components/schemas/Status"}, {"nullable": true, "enum": [null]}]}),
            )],
            &[(Additive, "request-nullable-added")],
        ),
        (
            "response null-only oneOf alternative dropped",
            vec![set(
                pet("/properties/tag"),
                json!({"oneOf": [{"type": "string"}, {"nullable": true, "enum": [null]}]}),
            )],
            &[],
        ),
        (
            "response field became one anyOf alternative beside another",
            vec![set(
                pet("/properties/name"),
                json!({"anyOf": [{"type": "string", "maxLength": 64}, {"type": "integer"}]}),
            )],
            &[(Breaking, "response-variant-added")],
        ),
        (
            "request anyOf narrowed to one of its alternatives",
            vec![set(
                new_pet("/properties/contact"),
                json!({"type": "string"}),
            )],
            &[(Breaking, "request-variant-removed")],
        ),
        (
            "response maxLength raised",
            vec![set(pet("/properties/name/maxLength"), json!(128))],
            &[(Breaking, "response-constraint-loosened")],
        ),
        (
            "response maxLength lowered",
            vec![set(pet("/properties/name/maxLength"), json!(32))],
            &[(NonFunctional, "response-constraint-tightened")],
        ),
        (
            "response oneOf alternative added",
            vec![set(
                pet("/properties/owner/oneOf/-"),
                json!({"type": "string"}),
            )],
            &[(Breaking, "response-variant-added")],
        ),
        (
            "response oneOf alternative removed",
            vec![remove(pet("/properties/owner/oneOf/1"))],
            &[(NonFunctional, "response-variant-removed")],
        ),
        (
            "response map opened to anything",
            vec![set(
                pet("/properties/attributes/additionalProperties"),
                json!(true),
            )],
            &[(Breaking, "response-additional-properties-widened")],
        ),
        (
            "response map value retyped",
            vec![set(
                pet("/properties/attributes/additionalProperties/type"),
                json!("integer"),
            )],
            &[(Breaking, "response-type-changed")],
        ),
        (
            "response field deprecated",
            vec![set(pet("/properties/tag/deprecated"), json!(true))],
            &[(NonFunctional, "schema-deprecated")],
        ),
        (
            "recursive field retyped",
            vec![set(
                pet("/properties/children/items"),
                json!({"type": "string"}),
            )],
            &[(Breaking, "response-type-changed")],
        ),
        // One enum, sent in requests and read in responses: direction decides.
        (
            "enum value added",
            vec![set(format!("{SCHEMAS}/Status/enum/-"), json!("pending"))],
            &[
                (Additive, "request-enum-value-added"),
                (Additive, "response-enum-value-added"),
            ],
        ),
        (
            "enum value removed",
            vec![remove(format!("{SCHEMAS}/Status/enum/1"))],
            &[
                (Breaking, "request-enum-value-removed"),
                (NonFunctional, "response-enum-value-removed"),
            ],
        ),
        (
            "enum restriction dropped",
            vec![remove(format!("{SCHEMAS}/Status/enum"))],
            &[
                (Additive, "request-enum-removed"),
                (Breaking, "response-enum-removed"),
            ],
        ),
        (
            "string field made nullable on both sides",
            vec![set(format!("{SCHEMAS}/Status/nullable"), json!(true))],
            &[
                (Additive, "request-nullable-added"),
                (Breaking, "response-nullable-added"),
            ],
        ),
        // Statuses, media types and headers.
        (
            "error status removed",
            vec![remove(at(GET, "/responses/404"))],
            &[(NonFunctional, "response-error-status-removed")],
        ),
        (
            "success status changed",
            vec![Edit::Rename(at(CREATE, "/responses/201"), "200")],
            &[
                (Breaking, "response-success-status-removed"),
                (Additive, "response-status-added"),
            ],
        ),
        (
            "error status added",
            vec![set(
                at(CREATE, "/responses/409"),
                json!({"$ref": "#/components/responses/Error"}),
            )],
            &[(Additive, "response-status-added")],
        ),
        (
            "response media type removed",
            vec![Edit::Rename(
                at(GET, "/responses/200/content/application~1json"),
                "application/xml",
            )],
            &[
                (Breaking, "response-media-type-removed"),
                (Additive, "response-media-type-added"),
            ],
        ),
        (
            "response header removed",
            vec![remove(at(LIST, "/responses/200/headers/X-Total"))],
            &[(Breaking, "response-header-removed")],
        ),
        (
            "response header added",
            vec![set(
                at(LIST, "/responses/200/headers/X-Next"),
                json!({"schema": {"type": "string"}}),
            )],
            &[(Additive, "response-header-added")],
        ),
        (
            "response header became optional",
            vec![set(
                at(LIST, "/responses/200/headers/X-Total/required"),
                json!(false),
            )],
            &[(Breaking, "response-header-became-optional")],
        ),
        (
            "response header retyped",
            vec![set(
                at(LIST, "/responses/200/headers/X-Total/schema/type"),
                json!("string"),
            )],
            &[(Breaking, "response-type-changed")],
        ),
        // Security (policy: tightening required scopes breaking).
        (
            "scope added",
            vec![set(at(CREATE, "/security/0/oauth/-"), json!("pets:admin"))],
            &[(Breaking, "security-scope-added")],
        ),
        (
            // One scheme in two alternatives (either scope will do) is a
            // new way in, not a changed scope of the existing one.
            "alternative of the same scheme added",
            vec![set(
                at(CREATE, "/security/-"),
                json!({"oauth": ["pets:admin"]}),
            )],
            &[(Additive, "security-requirement-added")],
        ),
        (
            "document-level scope added",
            vec![set("/security/0/oauth/-", json!("pets:list"))],
            &[(Breaking, "security-scope-added")],
        ),
        (
            "scope removed",
            vec![set(at(CREATE, "/security/0/oauth"), json!([]))],
            &[(Additive, "security-scope-removed")],
        ),
        (
            "public endpoint secured",
            vec![remove(at(GET, "/security"))],
            &[(Breaking, "security-became-required")],
        ),
        (
            "endpoint made public",
            vec![set(at(LIST, "/security"), json!([]))],
            &[(Additive, "security-became-optional")],
        ),
        (
            "alternative authentication added",
            vec![set(at(CREATE, "/security/-"), json!({"key": []}))],
            &[(Additive, "security-requirement-added")],
        ),
        (
            "authentication replaced",
            vec![set(at(CREATE, "/security"), json!([{"key": []}]))],
            &[
                (Additive, "security-requirement-added"),
                (Breaking, "security-requirement-removed"),
            ],
        ),
        // Rarer aspects.
        (
            "path parameter became optional",
            vec![set(
                "/paths/~1pets~1{petId}/parameters/0/required",
                json!(false),
            )],
            &[(Additive, "request-parameter-became-optional")],
        ),
        (
            "parameter default changed",
            vec![set(at(LIST, "/parameters/0/schema/default"), json!(50))],
            &[(Breaking, "request-default-changed")],
        ),
        (
            "request anyOf alternative added",
            vec![set(
                format!("{SCHEMAS}/NewPet/properties/contact/anyOf/-"),
                json!({"type": "boolean"}),
            )],
            &[(Additive, "request-variant-added")],
        ),
        (
            "request anyOf alternative removed",
            vec![remove(format!(
                "{SCHEMAS}/NewPet/properties/contact/anyOf/0"
            ))],
            &[(Breaking, "request-variant-removed")],
        ),
        (
            "response pattern added",
            vec![set(
                format!("{SCHEMAS}/Pet/properties/name/pattern"),
                json!("^[a-z]+$"),
            )],
            &[(Breaking, "response-pattern-changed")],
        ),
        (
            "response field restricted to an enum",
            vec![set(
                format!("{SCHEMAS}/Pet/properties/tag/enum"),
                json!(["a", "b"]),
            )],
            &[(NonFunctional, "response-enum-added")],
        ),
        (
            "response map closed",
            vec![set(
                format!("{SCHEMAS}/Pet/properties/attributes/additionalProperties"),
                json!(false),
            )],
            &[(NonFunctional, "response-additional-properties-narrowed")],
        ),
        // Layout changes that keep the meaning: nothing to report.
        (
            "inline schema moved into components",
            vec![
                set(
                    format!("{SCHEMAS}/Attributes"),
                    json!({"type": "object", "additionalProperties": {"type": "string"}}),
                ),
                set(
                    pet("/properties/attributes"),
                    json!({"$ref": "#/components/schemas/Attributes"}),
                ),
            ],
            &[],
        ),
        (
            "component renamed",
            vec![
                Edit::Rename(format!("{SCHEMAS}/Person"), "Human"),
                Edit::Text("#/components/schemas/Person", "#/components/schemas/Human"),
            ],
            &[],
        ),
        (
            "recursive component renamed",
            vec![
                Edit::Rename(format!("{SCHEMAS}/Pet"), "Animal"),
                Edit::Text(
                    "#/components/schemas/Pet\"",
                    "#/components/schemas/Animal\"",
                ),
            ],
            &[],
        ),
        (
            "shared response inlined",
            vec![set(
                at(GET, "/responses/404"),
                json!({"description": "Not found.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}),
            )],
            &[],
        ),
        (
            "schema split with allOf",
            vec![
                set(
                    format!("{SCHEMAS}/Named"),
                    json!({"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 64}}}),
                ),
                set(
                    new_pet(""),
                    json!({"allOf": [{"$ref": "#/components/schemas/Named"}, {"type": "object", "properties": {"tag": {"type": "string"}, "status": {"$ref": "#/components/schemas/Status"}, "contact": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}}]}),
                ),
            ],
            &[],
        ),
        (
            "path parameter moved to the operations",
            vec![
                remove("/paths/~1pets~1{petId}/parameters"),
                set(
                    at(GET, "/parameters"),
                    json!([{"$ref": "#/components/parameters/PetId"}]),
                ),
                set(
                    at(DELETE, "/parameters"),
                    json!([{"$ref": "#/components/parameters/PetId"}]),
                ),
                set(
                    "/components/parameters",
                    json!({"PetId": {"name": "petId", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}}}),
                ),
            ],
            &[],
        ),
        (
            "description edited",
            vec![set(
                pet("/properties/name/description"),
                json!("The pet's name."),
            )],
            &[],
        ),
    ]
}

#[test]
fn single_edits_are_classified() {
    let base = load(BASE);
    let cases = cases();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let mut failures = Vec::new();
    for (name, edits, expected) in &cases {
        let report = diff(&base, &edited(&base, edits)).unwrap();
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

#[test]
fn every_emitted_rule_is_in_the_table() {
    let base = load(BASE);
    for (name, edits, _) in cases() {
        for change in diff(&base, &edited(&base, &edits)).unwrap().changes {
            assert!(
                RULES.iter().any(|r| r.id == change.rule),
                "{name}: {} is not in RULES",
                change.rule
            );
        }
    }
}

#[test]
fn a_change_in_a_shared_component_is_one_entry_naming_every_operation() {
    let base = load(BASE);
    let head = edited(&base, &[remove(format!("{SCHEMAS}/Pet/properties/tag"))]);
    let report = diff(&base, &head).unwrap();
    assert_eq!(report.changes.len(), 1, "{report:?}");
    let change = &report.changes[0];
    assert_eq!(
        change.operations,
        ["GET /pets", "POST /pets", "GET /pets/{petId}"]
    );
    assert_eq!(change.old_pointer, "/components/schemas/Pet/properties/tag");
    assert_eq!(change.new_pointer, "/components/schemas/Pet");
    assert_eq!(report.bump(), Bump::Major);
}

#[test]
fn bump_follows_the_most_severe_change() {
    let base = load(BASE);
    let bump = |edits: &[Edit]| diff(&base, &edited(&base, edits)).unwrap().bump();
    assert_eq!(bump(&[]), Bump::Patch);
    assert_eq!(
        bump(&[set(at(GET, "/deprecated"), json!(true))]),
        Bump::Patch
    );
    assert_eq!(
        bump(&[set("/servers/-", json!({"url": "https://x"}))]),
        Bump::Minor
    );
    assert_eq!(bump(&[remove(DELETE)]), Bump::Major);
}

#[test]
fn real_spec_against_itself_and_edited() {
    let spec = load(REAL);
    assert!(diff(&spec, &spec).unwrap().changes.is_empty());
    let cases: Vec<(Vec<Edit>, Expected)> = vec![
        (
            vec![remove(
                "/paths/~1partner~1v1~1dealers~1{dealerId}~1disconnect",
            )],
            &[(Breaking, "endpoint-removed")],
        ),
        (
            vec![set(
                "/paths/~1partner~1v1~1dealers~1{dealerId}/get/security/0/partnerOAuth/-",
                json!("dealers:admin"),
            )],
            &[(Breaking, "security-scope-added")],
        ),
        (
            vec![
                Edit::Rename("/components/schemas/ApiError".into(), "ErrorBody"),
                Edit::Text(
                    "#/components/schemas/ApiError\"",
                    "#/components/schemas/ErrorBody\"",
                ),
            ],
            &[],
        ),
    ];
    for (edits, expected) in cases {
        let report = diff(&spec, &edited(&spec, &edits)).unwrap();
        let mut want = expected.to_vec();
        want.sort();
        assert_eq!(pairs(&report), want, "{}", render(&report, Format::Text));
    }
}

/// A head spec with several kinds of change, for the output snapshots.
fn snapshot_report() -> chekt_gen::diff::Report {
    let base = load(BASE);
    let head = edited(
        &base,
        &[
            remove(DELETE),
            set(at(CREATE, "/security/0/oauth/-"), json!("pets:admin")),
            set(
                format!("{SCHEMAS}/Pet/properties/age"),
                json!({"type": "integer"}),
            ),
            set(format!("{SCHEMAS}/Status/enum/-"), json!("pending")),
            set(at(GET, "/deprecated"), json!(true)),
        ],
    );
    let mut report = diff(&base, &head).unwrap();
    report.old = "main:spec/chekt.yaml".into();
    report.new = "spec/chekt.yaml".into();
    report
}

#[test]
fn markdown_snapshot() {
    expectorate::assert_contents(
        "tests/output/diff/report.md",
        &render(&snapshot_report(), Format::Markdown),
    );
}

#[test]
fn json_snapshot() {
    let json = render(&snapshot_report(), Format::Json);
    let parsed: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed["summary"]["bump"], "major");
    expectorate::assert_contents("tests/output/diff/report.json", &json);
}

#[test]
fn text_snapshot() {
    expectorate::assert_contents(
        "tests/output/diff/report.txt",
        &render(&snapshot_report(), Format::Text),
    );
}

/// Both axes for a case: the wire pairs and the crate-axis bump.
struct TwoAxes {
    name: &'static str,
    /// Applied to both sides first (the context the edit needs).
    setup: Vec<Edit>,
    edits: Vec<Edit>,
    wire: Expected,
    /// `None`: a side cannot be generated, so the crate axis is unavailable.
    krate: Option<Bump>,
}

fn case(
    name: &'static str,
    setup: Vec<Edit>,
    edits: Vec<Edit>,
    wire: Expected,
    krate: impl Into<Option<Bump>>,
) -> TwoAxes {
    let krate = krate.into();
    TwoAxes {
        name,
        setup,
        edits,
        wire,
        krate,
    }
}

fn two_axis_options() -> DiffOptions {
    DiffOptions {
        crate_axis: Some(GenerateOptions::default()),
        ..DiffOptions::default()
    }
}

/// The kinds of issue 18, each with its wire verdict and crate verdict.
fn two_axis_cases() -> Vec<TwoAxes> {
    let pet = |rest: &str| format!("{SCHEMAS}/Pet{rest}");
    let new_pet = |rest: &str| format!("{SCHEMAS}/NewPet{rest}");
    // NewPet is also returned by POST /pets, with a readOnly `id` and a
    // writeOnly `secret`: one schema, both directions.
    let both_ways = || {
        vec![
            set(
                at(CREATE, "/responses/201/content/application~1json/schema"),
                json!({"$ref": "#/components/schemas/NewPet"}),
            ),
            set(
                new_pet("/properties/id"),
                json!({"type": "integer", "format": "int64", "readOnly": true}),
            ),
            set(
                new_pet("/properties/secret"),
                json!({"type": "string", "writeOnly": true}),
            ),
            set(
                new_pet("/properties/kind"),
                json!({"type": "string", "enum": ["cat", "dog"], "readOnly": true}),
            ),
        ]
    };
    let name_pattern = |p: &str| vec![set(new_pet("/properties/name/pattern"), json!(p))];
    vec![
        // readOnly / writeOnly, per direction.
        case(
            "readOnly property made required",
            both_ways(),
            vec![set(new_pet("/required/-"), json!("id"))],
            &[(Additive, "response-property-became-required")],
            Bump::Major,
        ),
        case(
            "readOnly property added as required",
            both_ways(),
            vec![
                set(
                    new_pet("/properties/created"),
                    json!({"type": "string", "readOnly": true}),
                ),
                set(new_pet("/required/-"), json!("created")),
            ],
            &[(Additive, "response-property-added")],
            Bump::Major,
        ),
        case(
            "readOnly property's maximum lowered",
            both_ways(),
            vec![set(new_pet("/properties/id/maximum"), json!(10))],
            &[(NonFunctional, "response-constraint-tightened")],
            Bump::Patch,
        ),
        case(
            "readOnly property's enum value removed",
            both_ways(),
            vec![remove(new_pet("/properties/kind/enum/1"))],
            &[(NonFunctional, "response-enum-value-removed")],
            Bump::Major,
        ),
        case(
            "writeOnly property becomes optional",
            [
                both_ways(),
                vec![set(new_pet("/required"), json!(["name", "secret"]))],
            ]
            .concat(),
            vec![set(new_pet("/required"), json!(["name"]))],
            &[(Additive, "request-property-became-optional")],
            Bump::Major,
        ),
        case(
            "required response property becomes writeOnly",
            vec![],
            vec![set(pet("/properties/name/writeOnly"), json!(true))],
            &[(Breaking, "response-property-became-write-only")],
            Bump::Patch,
        ),
        case(
            "writeOnly property becomes readable",
            both_ways(),
            vec![remove(new_pet("/properties/secret/writeOnly"))],
            &[(Additive, "response-property-no-longer-write-only")],
            Bump::Patch,
        ),
        case(
            "request property becomes readOnly",
            vec![],
            vec![set(new_pet("/properties/tag/readOnly"), json!(true))],
            &[(Breaking, "request-property-became-read-only")],
            Bump::Patch,
        ),
        case(
            "readOnly property becomes writable",
            both_ways(),
            vec![remove(new_pet("/properties/id/readOnly"))],
            &[(Additive, "request-property-no-longer-read-only")],
            Bump::Patch,
        ),
        // Direction of constraint changes.
        case(
            "request pattern removed",
            name_pattern("^[a-z]+$"),
            vec![remove(new_pet("/properties/name/pattern"))],
            &[(Additive, "request-pattern-removed")],
            Bump::Patch,
        ),
        case(
            "request pattern generalized by an alternative",
            name_pattern("^[a-z]+$"),
            vec![set(
                new_pet("/properties/name/pattern"),
                json!("^(?:[a-z]+|[0-9]+)$"),
            )],
            &[(Additive, "request-pattern-generalized")],
            Bump::Patch,
        ),
        case(
            "request pattern generalized by a wider quantifier",
            name_pattern("^[a-z]{1,8}$"),
            vec![set(
                new_pet("/properties/name/pattern"),
                json!("^[a-z]{0,16}$"),
            )],
            &[(Additive, "request-pattern-generalized")],
            Bump::Patch,
        ),
        case(
            "request pattern narrowed",
            name_pattern("^[a-z]+$"),
            vec![set(new_pet("/properties/name/pattern"), json!("^[a-c]+$"))],
            &[(Breaking, "request-pattern-changed")],
            Bump::Patch,
        ),
        case(
            "request pattern added",
            vec![],
            name_pattern("^[a-z]+$"),
            &[(Breaking, "request-pattern-added")],
            Bump::Patch,
        ),
        case(
            "response pattern added",
            vec![],
            vec![set(pet("/properties/name/pattern"), json!("^[a-z]+$"))],
            &[(Breaking, "response-pattern-changed")],
            Bump::Patch,
        ),
        case(
            "response pattern generalized still breaks readers",
            vec![set(pet("/properties/name/pattern"), json!("^[a-z]+$"))],
            vec![set(pet("/properties/name/pattern"), json!("^[a-z0-9]+$"))],
            &[(Breaking, "response-pattern-changed")],
            Bump::Patch,
        ),
        case(
            "request array minItems added",
            vec![],
            vec![set(at(LIST, "/parameters/2/schema/minItems"), json!(1))],
            &[(Breaking, "request-constraint-tightened")],
            Bump::Patch,
        ),
        case(
            "response array maxItems raised",
            vec![set(pet("/properties/children/maxItems"), json!(10))],
            vec![set(pet("/properties/children/maxItems"), json!(20))],
            &[(Breaking, "response-constraint-loosened")],
            Bump::Patch,
        ),
        case(
            "request multipleOf narrowed",
            vec![set(at(LIST, "/parameters/0/schema/multipleOf"), json!(2))],
            vec![set(at(LIST, "/parameters/0/schema/multipleOf"), json!(4))],
            &[(Breaking, "request-constraint-tightened")],
            Bump::Patch,
        ),
        case(
            "request multipleOf widened",
            vec![set(at(LIST, "/parameters/0/schema/multipleOf"), json!(4))],
            vec![set(at(LIST, "/parameters/0/schema/multipleOf"), json!(2))],
            &[(Additive, "request-constraint-loosened")],
            Bump::Patch,
        ),
        case(
            "response minLength lowered",
            vec![set(pet("/properties/name/minLength"), json!(2))],
            vec![set(pet("/properties/name/minLength"), json!(1))],
            &[(Breaking, "response-constraint-loosened")],
            Bump::Patch,
        ),
        // Composition.
        case(
            "required properties split into oneOf branches",
            vec![],
            vec![
                set(new_pet("/required"), json!([])),
                set(
                    new_pet("/oneOf"),
                    json!([{"required": ["name"]}, {"required": ["tag"]}]),
                ),
            ],
            &[
                (Breaking, "request-one-of-overlap"),
                (Additive, "request-property-became-optional"),
            ],
            Bump::Major,
        ),
        case(
            "anyOf alternative identical in shape added",
            vec![],
            vec![set(
                new_pet("/properties/contact/anyOf/-"),
                json!({"type": "string", "description": "again"}),
            )],
            &[],
            Bump::Major,
        ),
        case(
            "required response properties split into oneOf branches",
            vec![],
            vec![
                set(pet("/required"), json!([])),
                set(
                    pet("/oneOf"),
                    json!([{"required": ["id"]}, {"required": ["name"]}]),
                ),
            ],
            &[
                (Breaking, "response-property-became-optional"),
                (Breaking, "response-property-became-optional"),
                (NonFunctional, "response-composition-added"),
            ],
            Bump::Major,
        ),
        case(
            "response anyOf alternative identical in shape added",
            vec![set(
                pet("/properties/contact"),
                json!({"anyOf": [{"type": "string"}, {"type": "integer"}]}),
            )],
            vec![set(
                pet("/properties/contact/anyOf/-"),
                json!({"type": "integer", "title": "again"}),
            )],
            &[],
            Bump::Major,
        ),
        case(
            "oneOf alternative duplicated in a request",
            vec![set(
                new_pet("/properties/contact"),
                json!({"oneOf": [{"type": "string"}, {"type": "integer"}]}),
            )],
            vec![set(
                new_pet("/properties/contact/oneOf/-"),
                json!({"type": "string"}),
            )],
            &[(Breaking, "request-one-of-overlap")],
            Bump::Major,
        ),
        // A schema where there was none.
        case(
            "request schema added to an empty media type",
            vec![set(
                at(DELETE, "/requestBody"),
                json!({"content": {"application/json": {}}}),
            )],
            vec![set(
                at(DELETE, "/requestBody/content/application~1json/schema"),
                json!({"type": "object", "properties": {"reason": {"type": "string"}}}),
            )],
            &[(Breaking, "request-schema-added")],
            None,
        ),
        case(
            "response schema added to an empty media type",
            vec![set(
                at(DELETE, "/responses/204/content"),
                json!({"application/json": {}}),
            )],
            vec![set(
                at(DELETE, "/responses/204/content/application~1json/schema"),
                json!({"type": "object", "properties": {"ok": {"type": "boolean"}}}),
            )],
            &[(NonFunctional, "response-schema-added")],
            None,
        ),
        // Document level.
        case(
            "unused security scheme removed",
            vec![set(
                "/components/securitySchemes/key",
                json!({"type": "apiKey", "in": "header", "name": "X-Key"}),
            )],
            vec![remove("/components/securitySchemes/key")],
            &[(NonFunctional, "security-scheme-removed-unused")],
            Bump::Patch,
        ),
        case(
            "path parameter renamed",
            vec![],
            vec![
                Edit::Rename("/paths/~1pets~1{petId}".into(), "/pets/{id}"),
                set("/paths/~1pets~1{id}/parameters/0/name", json!("id")),
            ],
            &[(NonFunctional, "path-parameter-renamed")],
            Bump::Major,
        ),
        // Review: crate-axis instances the cases above do not try.
        case(
            "query parameter setter retyped (int32 → int64)",
            vec![],
            vec![set(at(LIST, "/parameters/0/schema/format"), json!("int64"))],
            &[(Breaking, "request-format-changed")],
            Bump::Major,
        ),
        case(
            "response oneOf alternative added (the Rust enum is #[non_exhaustive])",
            vec![set(
                format!("{SCHEMAS}/Vet"),
                json!({"type": "object", "required": ["clinic"], "properties": {"clinic": {"type": "integer"}}}),
            )],
            vec![set(
                pet("/properties/owner/oneOf/-"),
                json!({"$ref": "#/components/schemas/Vet"}),
            )],
            &[(Breaking, "response-variant-added")],
            Bump::Minor,
        ),
        case(
            "path parameter renamed in two paths at once",
            vec![set(
                "/paths/~1pets~1{petId}~1photos",
                json!({"parameters": [{"name": "petId", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}}],
                       "get": {"operationId": "list_photos", "responses": {"204": {"description": "ok"}}}}),
            )],
            vec![
                Edit::Rename("/paths/~1pets~1{petId}".into(), "/pets/{id}"),
                Edit::Rename("/paths/~1pets~1{petId}~1photos".into(), "/pets/{id}/photos"),
                Edit::Text(r#""name":"petId""#, r#""name":"id""#),
            ],
            &[
                (NonFunctional, "path-parameter-renamed"),
                (NonFunctional, "path-parameter-renamed"),
            ],
            Bump::Major,
        ),
        case(
            "response integer enum value added",
            vec![set(
                pet("/properties/rank"),
                json!({"type": "integer", "enum": [0, 1]}),
            )],
            vec![set(pet("/properties/rank/enum/-"), json!(2))],
            &[(Breaking, "response-closed-enum-value-added")],
            Bump::Patch,
        ),
        // The crate axis on kinds the wire already knew.
        case(
            "operationId renamed",
            vec![],
            vec![set(at(GET, "/operationId"), json!("fetch_pet"))],
            &[(NonFunctional, "operation-id-changed")],
            Bump::Major,
        ),
        // Issue 25: model types are #[non_exhaustive] with builders, so
        // growth is minor; what breaks users' code stays major.
        case(
            "optional response field added",
            vec![],
            vec![set(pet("/properties/age"), json!({"type": "integer"}))],
            &[(Additive, "response-property-added")],
            Bump::Minor,
        ),
        case(
            "required response field added: builders of Pet (tests, mocks) need it",
            vec![],
            vec![
                set(pet("/properties/age"), json!({"type": "integer"})),
                set(pet("/required/-"), json!("age")),
            ],
            &[(Additive, "response-property-added")],
            Bump::Major,
        ),
        case(
            "optional request field added",
            vec![],
            vec![set(new_pet("/properties/age"), json!({"type": "integer"}))],
            &[(Additive, "request-property-added-optional")],
            Bump::Minor,
        ),
        case(
            "required request field added",
            vec![],
            vec![
                set(new_pet("/properties/age"), json!({"type": "integer"})),
                set(new_pet("/required/-"), json!("age")),
            ],
            &[(Breaking, "request-property-added-required")],
            Bump::Major,
        ),
        case(
            "optional header parameter added",
            vec![],
            vec![set(
                at(LIST, "/parameters/-"),
                json!({"name": "X-Trace", "in": "header", "schema": {"type": "string"}}),
            )],
            &[(Additive, "request-parameter-added-optional")],
            Bump::Minor,
        ),
        case(
            "required query parameter added",
            vec![],
            vec![set(
                at(LIST, "/parameters/-"),
                json!({"name": "q", "in": "query", "required": true, "schema": {"type": "string"}}),
            )],
            &[(Breaking, "request-parameter-added-required")],
            Bump::Major,
        ),
        case(
            "required query parameter becomes optional",
            vec![set(at(LIST, "/parameters/0/required"), json!(true))],
            vec![remove(at(LIST, "/parameters/0/required"))],
            &[(Additive, "request-parameter-became-optional")],
            Bump::Minor,
        ),
        case(
            "optional query parameter becomes required",
            vec![],
            vec![set(at(LIST, "/parameters/0/required"), json!(true))],
            &[(Breaking, "request-parameter-became-required")],
            Bump::Major,
        ),
        case(
            "required request field becomes optional: its getter is unchanged",
            vec![],
            vec![set(new_pet("/required"), json!([]))],
            &[(Additive, "request-property-became-optional")],
            Bump::Minor,
        ),
        // Issue 25 review: instances the cases above do not try.
        case(
            "optional field added to a nested request object",
            vec![set(
                new_pet("/properties/address"),
                json!({"type": "object", "properties": {"line": {"type": "string"}}}),
            )],
            vec![set(
                new_pet("/properties/address/properties/zip"),
                json!({"type": "string"}),
            )],
            &[(Additive, "request-property-added-optional")],
            Bump::Minor,
        ),
        case(
            "request field removed: its getter goes",
            vec![],
            vec![remove(new_pet("/properties/tag"))],
            &[(Breaking, "request-property-removed")],
            Bump::Major,
        ),
        case(
            "request field format int32 -> int64: its getter is retyped",
            vec![set(
                new_pet("/properties/age"),
                json!({"type": "integer", "format": "int32"}),
            )],
            vec![set(new_pet("/properties/age/format"), json!("int64"))],
            &[(Breaking, "request-format-changed")],
            Bump::Major,
        ),
        case(
            "field removed from a nested response object",
            vec![set(
                pet("/properties/info"),
                json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}),
            )],
            vec![remove(pet("/properties/info/properties/b"))],
            &[(Breaking, "response-property-removed")],
            Bump::Major,
        ),
        case(
            "enum value added to an enum used inside an array",
            vec![set(
                pet("/properties/history"),
                json!({"type": "array", "items": {"$ref": "#/components/schemas/Status"}}),
            )],
            vec![set(format!("{SCHEMAS}/Status/enum/-"), json!("pending"))],
            &[
                (Additive, "request-enum-value-added"),
                (Additive, "response-enum-value-added"),
            ],
            Bump::Minor,
        ),
        case(
            "enum value removed",
            vec![],
            vec![set(format!("{SCHEMAS}/Status/enum"), json!(["available"]))],
            &[
                (Breaking, "request-enum-value-removed"),
                (NonFunctional, "response-enum-value-removed"),
            ],
            Bump::Major,
        ),
        case(
            "new operation with a new tag and a schema only it uses",
            vec![],
            vec![
                set(
                    "/paths/~1owners",
                    json!({"post": {"operationId": "create_owner", "tags": ["owners"],
                        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewOwner"}}}},
                        "responses": {"204": {"description": "ok"}}}}),
                ),
                set(
                    format!("{SCHEMAS}/NewOwner"),
                    json!({"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}),
                ),
            ],
            &[(Additive, "endpoint-added")],
            Bump::Minor,
        ),
        case(
            "optional property added to an allOf'd schema",
            vec![
                set(
                    format!("{SCHEMAS}/Base"),
                    json!({"type": "object", "properties": {"a": {"type": "string"}}}),
                ),
                set(
                    pet("/properties/meta"),
                    json!({"allOf": [{"$ref": "#/components/schemas/Base"}, {"type": "object", "properties": {"b": {"type": "string"}}}]}),
                ),
            ],
            vec![set(
                format!("{SCHEMAS}/Base/properties/c"),
                json!({"type": "string"}),
            )],
            &[(Additive, "response-property-added")],
            Bump::Minor,
        ),
        case(
            "query parameter renamed",
            vec![],
            vec![set(at(LIST, "/parameters/2/name"), json!("labels"))],
            &[
                (Breaking, "request-parameter-removed"),
                (Additive, "request-parameter-added-optional"),
            ],
            Bump::Major,
        ),
        case(
            "optional header added to a response",
            vec![],
            vec![set(
                at(LIST, "/responses/200/headers/X-Next"),
                json!({"schema": {"type": "string"}}),
            )],
            &[(Additive, "response-header-added")],
            Bump::Patch,
        ),
        case(
            "error status added",
            vec![],
            vec![set(
                at(GET, "/responses/500"),
                json!({"$ref": "#/components/responses/Error"}),
            )],
            &[(Additive, "response-status-added")],
            Bump::Patch,
        ),
        case(
            "unused schema added",
            vec![],
            vec![set(
                format!("{SCHEMAS}/Owner"),
                json!({"type": "object", "properties": {"name": {"type": "string"}}}),
            )],
            &[],
            Bump::Minor,
        ),
        case(
            "response field removed",
            vec![],
            vec![remove(pet("/properties/tag"))],
            &[(Breaking, "response-property-removed")],
            Bump::Major,
        ),
        case(
            "optional query parameter added",
            vec![],
            vec![set(
                at(LIST, "/parameters/-"),
                json!({"name": "q", "in": "query", "schema": {"type": "string"}}),
            )],
            &[(Additive, "request-parameter-added-optional")],
            Bump::Minor,
        ),
        case(
            "endpoint added",
            vec![],
            vec![set(
                "/paths/~1owners",
                json!({"get": {"operationId": "list_owners", "responses": {"200": {"description": "ok"}}}}),
            )],
            &[(Additive, "endpoint-added")],
            Bump::Minor,
        ),
        case(
            "enum value added (open enum)",
            vec![],
            vec![set(format!("{SCHEMAS}/Status/enum/-"), json!("pending"))],
            &[
                (Additive, "request-enum-value-added"),
                (Additive, "response-enum-value-added"),
            ],
            Bump::Minor,
        ),
        case(
            "component renamed: no wire change, the type is renamed",
            vec![],
            vec![
                Edit::Rename(format!("{SCHEMAS}/Person"), "Human"),
                Edit::Text("#/components/schemas/Person", "#/components/schemas/Human"),
            ],
            &[],
            Bump::Major,
        ),
        case(
            "description edited",
            vec![],
            vec![set(pet("/properties/name/description"), json!("The name."))],
            &[],
            Bump::Patch,
        ),
    ]
}

#[test]
fn two_axis_cases_are_classified() {
    let base = load(BASE);
    let cases = two_axis_cases();
    assert!(cases.len() >= 30, "{} cases", cases.len());
    let options = two_axis_options();
    let mut failures = Vec::new();
    for c in &cases {
        let old = edited(&base, &c.setup);
        let new = edited(&old, &c.edits);
        let report = diff_with(&old, &new, &options).unwrap();
        let mut want = c.wire.to_vec();
        want.sort();
        let unavailable = matches!(report.crate_axis, CrateAxis::Unavailable { .. });
        if pairs(&report) != want
            || report.crate_bump() != c.krate
            || unavailable != c.krate.is_none()
        {
            failures.push(format!(
                "{}: expected {want:?}, crate {:?}\n{}",
                c.name,
                c.krate,
                render(&report, Format::Text)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Bad input is never "no changes": each document is an error naming the
/// file and the pointer, on either side.
#[test]
fn bad_references_are_errors_on_either_side() {
    let base = load(BASE);
    let cases: Vec<(&str, Vec<Edit>, &str, &str)> = vec![
        (
            "non-recursive $ref cycle",
            vec![
                set(
                    format!("{SCHEMAS}/A"),
                    json!({"$ref": "#/components/schemas/B"}),
                ),
                set(
                    format!("{SCHEMAS}/B"),
                    json!({"$ref": "#/components/schemas/A"}),
                ),
                set(
                    format!("{SCHEMAS}/Pet/properties/a"),
                    json!({"$ref": "#/components/schemas/A"}),
                ),
            ],
            "at /components/schemas/",
            "`$ref` cycle that never reaches a value",
        ),
        (
            "schema containing itself through allOf",
            vec![set(
                format!("{SCHEMAS}/Pet/allOf"),
                json!([{"$ref": "#/components/schemas/Pet"}]),
            )],
            "at /components/schemas/Pet:",
            "contains itself through allOf/oneOf/anyOf only",
        ),
        (
            "dangling $ref",
            vec![set(
                format!("{SCHEMAS}/Pet/properties/a"),
                json!({"$ref": "#/components/schemas/Nope"}),
            )],
            "at /components/schemas/Pet/properties/a:",
            "`$ref: #/components/schemas/Nope` points at nothing",
        ),
        (
            "parameter $ref to itself",
            vec![
                set(
                    "/components/parameters",
                    json!({"P": {"$ref": "#/components/parameters/P"}}),
                ),
                set(
                    at(LIST, "/parameters/-"),
                    json!({"$ref": "#/components/parameters/P"}),
                ),
            ],
            "at /components/parameters/P:",
            "/components/parameters/P → /components/parameters/P",
        ),
        (
            "external $ref",
            vec![set(
                format!("{SCHEMAS}/Pet/properties/a"),
                json!({"$ref": "other.yaml#/Pet"}),
            )],
            "at /components/schemas/Pet/properties/a:",
            "not a local `#/...` reference",
        ),
    ];
    for (name, edits, pointer, message) in cases {
        let bad = edited(&base, &edits);
        for (old, new) in [(&base, &bad), (&bad, &base)] {
            let err = diff(old, new).expect_err(name).to_string();
            assert!(
                err.starts_with("head.json: not a valid OpenAPI 3.0 document ")
                    && err.contains(pointer)
                    && err.contains(message),
                "{name}: {err}"
            );
        }
    }
    // A legitimately recursive schema (through `items`) is fine.
    assert!(diff(&base, &base).unwrap().changes.is_empty());
}

#[test]
fn swagger_and_parameters_without_schema_are_named() {
    let swagger = Spec::parse(
        "v2.yaml",
        "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        swagger.starts_with(
            "v2.yaml: not a valid OpenAPI 3.0 document at /swagger: this is a Swagger 2.0 document"
        ),
        "{swagger}"
    );
    let base = load(BASE);
    let mut doc = base.value().clone();
    apply(
        &mut doc,
        &set(
            at(LIST, "/parameters/-"),
            json!({"name": "q", "in": "query"}),
        ),
    );
    let err = Spec::parse("head.json", doc.to_string())
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "head.json: not a valid OpenAPI 3.0 document at /paths/~1pets/get/parameters/3: query parameter `q` has neither `schema` nor `content`; OpenAPI 3.0 requires one"
    );
}

#[test]
fn markdown_escapes_backticks_and_pipes_in_values() {
    let base = load(BASE);
    let head = edited(
        &base,
        &[set(
            format!("{SCHEMAS}/NewPet/properties/name/pattern"),
            json!("^(a|`b``)$"),
        )],
    );
    let markdown = render(&diff(&base, &head).unwrap(), Format::Markdown);
    let row = markdown
        .lines()
        .find(|l| l.starts_with("| `request-pattern-added`"))
        .unwrap();
    // The value sits in a code span fenced by more backticks than it holds,
    // and its pipe is escaped, so the row keeps its seven cell borders (six cells).
    assert!(row.contains(r#"```"^(a\|`b``)$"```"#), "{row}");
    assert_eq!(row.replace("\\|", "").matches('|').count(), 7, "{row}");
    let item = markdown
        .lines()
        .find(|l| l.starts_with("- `request-pattern-added`"))
        .unwrap();
    // Outside a table a pipe is plain text, and a backslash inside a code
    // span would show.
    assert!(item.contains(r#"```"^(a|`b``)$"```"#), "{item}");
}

/// Names from the document (properties, paths, media types, servers) reach
/// the Markdown report as code spans: backticks, pipes, newlines and HTML
/// in them stay literal, in list items and table rows alike.
#[test]
fn review_markdown_keeps_names_literal() {
    let base = load(BASE);
    let nasty = "a`b|c<img src=x>\nd";
    let head = edited(
        &base,
        &[
            set(
                format!(
                    "{SCHEMAS}/Pet/properties/{}",
                    nasty.replace('~', "~0").replace('/', "~1")
                ),
                json!({"type": "string"}),
            ),
            set(
                "/paths/~1x`|<b>~1{id}",
                json!({"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                       "get": {"operationId": "x", "responses": {"204": {"description": "ok"}}}}),
            ),
            set("/servers/-", json!({"url": "https://x/<script>"})),
        ],
    );
    let markdown = render(&diff(&base, &head).unwrap(), Format::Markdown);
    let items: Vec<&str> = markdown.lines().filter(|l| l.starts_with("- `")).collect();
    let property = items
        .iter()
        .find(|l| l.contains("response-property-added"))
        .unwrap();
    assert!(property.contains("``a`b|c<img src=x> d``"), "{property}");
    let endpoint = items.iter().find(|l| l.contains("endpoint-added")).unwrap();
    assert!(endpoint.contains("``GET /x`|<b>/{id}``"), "{endpoint}");
    let server = items.iter().find(|l| l.contains("server-added")).unwrap();
    assert!(server.contains(r#"`"https://x/<script>"`"#), "{server}");
    // Outside code spans, no `<` from the document reaches the output.
    for l in &items {
        assert!(!outside_code_spans(l).contains('<'), "{l}");
    }
    for row in markdown.lines().filter(|l| l.starts_with("| `")) {
        assert_eq!(row.replace("\\|", "").matches('|').count(), 7, "{row}");
    }
}

/// A head with changes on both axes and one the wire does not see, for
/// the two-axis snapshots.
fn two_axis_snapshot_report() -> chekt_gen::diff::Report {
    let base = load(BASE);
    let head = edited(
        &base,
        &[
            Edit::Rename("/paths/~1pets~1{petId}".into(), "/pets/{id}"),
            set("/paths/~1pets~1{id}/parameters/0/name", json!("id")),
            set(
                format!("{SCHEMAS}/Pet/properties/age"),
                json!({"type": "integer"}),
            ),
            set(format!("{SCHEMAS}/Status/enum/-"), json!("pending")),
            set(at(LIST, "/parameters/0/schema/maximum"), json!(50)),
            Edit::Rename(format!("{SCHEMAS}/Company"), "Business"),
            Edit::Text(
                "#/components/schemas/Company",
                "#/components/schemas/Business",
            ),
        ],
    );
    let mut report = diff_with(&base, &head, &two_axis_options()).unwrap();
    report.old = "main:spec/chekt.yaml".into();
    report.new = "spec/chekt.yaml".into();
    report
}

#[test]
fn two_axis_snapshots() {
    let report = two_axis_snapshot_report();
    assert_eq!(report.wire_bump(), Bump::Major);
    assert_eq!(report.crate_bump(), Some(Bump::Major));
    for (format, file) in [
        (Format::Markdown, "two-axis.md"),
        (Format::Json, "two-axis.json"),
        (Format::Text, "two-axis.txt"),
    ] {
        expectorate::assert_contents(
            format!("tests/output/diff/{file}"),
            &render(&report, format),
        );
    }
}

#[test]
fn an_ungeneratable_side_leaves_the_wire_axis_reporting() {
    let base = load(BASE);
    // Lint refuses a JSON response without a schema: the new side cannot
    // be generated, whatever the diff thinks of it.
    let head = edited(
        &base,
        &[set(
            at(DELETE, "/responses/204/content"),
            json!({"application/json": {}}),
        )],
    );
    let report = diff_with(&base, &head, &two_axis_options()).unwrap();
    let CrateAxis::Unavailable { reason } = &report.crate_axis else {
        panic!("{:?}", report.crate_axis);
    };
    assert!(
        reason.starts_with("the new side (head.json) cannot be generated: ")
            && reason.contains("response-json-schema-missing"),
        "{reason}"
    );
    assert_eq!(pairs(&report), [(Additive, "response-media-type-added")]);
    assert_eq!(report.bump(), Bump::Minor, "falls back to the wire");
    let text = render(&report, Format::Text);
    assert!(
        text.contains("chekt-api: unknown (not generated)"),
        "{text}"
    );
    assert!(
        text.contains("crate axis unavailable: the new side"),
        "{text}"
    );
}

/// The crate axis checked against the compiler: for each single edit, a
/// consumer snippet that compiles against the old generated client is
/// compiled against the new one; it must still compile exactly when the
/// crate verdict is not major. Slow (two `cargo check`s per case in a
/// scratch package under `target/`, offline, with the dependencies of
/// `chekt-gen/tests/output`'s lockfile), so opt-in: `cargo test -p
/// chekt-gen --test diff -- --ignored` (CI runs it). A value a builder
/// newly requires is major although the code compiles (the builder fails
/// at run time): those verdicts are in `two_axis_cases`, not here.
#[test]
#[ignore = "slow: runs cargo check twice per case; CI runs it with --ignored"]
fn crate_verdicts_match_the_compiler() {
    let base = load(BASE);
    let pet = |rest: &str| format!("{SCHEMAS}/Pet{rest}");
    // Every snippet is the body of `fn consumer(client: &Client, pet:
    // types::Pet, new_pet: types::NewPet, status: types::Status)`.
    let destructure =
        "let types::Pet { id, name, status, tag, children, owner, attributes, .. } = pet;";
    let build_new_pet = "let _ = types::NewPet::builder().name(\"rex\").tag(\"t\");";
    let cases: Vec<(&str, Vec<Edit>, &str)> = vec![
        (
            "operationId renamed",
            vec![set(at(GET, "/operationId"), json!("fetch_pet"))],
            "let _ = client.get_pet();",
        ),
        (
            "optional response field added",
            vec![set(pet("/properties/age"), json!({"type": "integer"}))],
            destructure,
        ),
        (
            "path parameter renamed",
            vec![
                Edit::Rename("/paths/~1pets~1{petId}".into(), "/pets/{id}"),
                set("/paths/~1pets~1{id}/parameters/0/name", json!("id")),
            ],
            "let _ = client.get_pet().pet_id(1);",
        ),
        (
            "optional query parameter added",
            vec![set(
                at(LIST, "/parameters/-"),
                json!({"name": "q", "in": "query", "schema": {"type": "string"}}),
            )],
            "let _ = client.list_pets().limit(std::num::NonZeroU64::new(5).unwrap());",
        ),
        (
            "endpoint added",
            vec![set(
                "/paths/~1owners",
                json!({"get": {"operationId": "list_owners", "responses": {"200": {"description": "ok"}}}}),
            )],
            "let _ = client.get_pet().pet_id(1);",
        ),
        (
            "enum value added (open enum)",
            vec![set(format!("{SCHEMAS}/Status/enum/-"), json!("pending"))],
            "let _ = match status { types::Status::Available => 1, _ => 0 };",
        ),
        (
            "optional request field added",
            vec![set(
                format!("{SCHEMAS}/NewPet/properties/age"),
                json!({"type": "integer"}),
            )],
            build_new_pet,
        ),
        (
            "required request field becomes optional",
            vec![set(format!("{SCHEMAS}/NewPet/required"), json!([]))],
            "let _: Option<&types::NewPetName> = new_pet.name();",
        ),
        (
            "request field removed",
            vec![remove(format!("{SCHEMAS}/NewPet/properties/tag"))],
            "let _: Option<&String> = new_pet.tag();",
        ),
        (
            "request field retyped",
            vec![set(
                format!("{SCHEMAS}/NewPet/properties/tag/type"),
                json!("integer"),
            )],
            "let _: Option<&String> = new_pet.tag();",
        ),
        (
            "enum value removed",
            vec![set(format!("{SCHEMAS}/Status/enum"), json!(["available"]))],
            "let _ = types::Status::Sold;",
        ),
        (
            "optional request field added, NewPet read through getters",
            vec![set(
                format!("{SCHEMAS}/NewPet/properties/age"),
                json!({"type": "integer"}),
            )],
            "let _: (Option<&types::NewPetName>, Option<&String>) = (new_pet.name(), new_pet.tag());",
        ),
        (
            "optional response field added, Pet built through its builder",
            vec![set(pet("/properties/age"), json!({"type": "integer"}))],
            "let _ = types::Pet::builder().id(1).name(\"rex\").tag(\"t\").set_tag(None);",
        ),
        (
            "description edited",
            vec![set(pet("/properties/name/description"), json!("The name."))],
            destructure,
        ),
        (
            "response field removed",
            vec![remove(pet("/properties/tag"))],
            "let _ = pet.tag;",
        ),
        (
            "response field retyped",
            vec![set(pet("/properties/id/type"), json!("string"))],
            "let _: i64 = pet.id;",
        ),
        (
            "endpoint removed",
            vec![remove(DELETE)],
            "let _ = client.delete_pet();",
        ),
        (
            "component renamed",
            vec![
                Edit::Rename(format!("{SCHEMAS}/Person"), "Human"),
                Edit::Text("#/components/schemas/Person", "#/components/schemas/Human"),
            ],
            "let _: Option<types::Person> = None;",
        ),
        (
            "parameter maximum lowered",
            vec![set(at(LIST, "/parameters/0/schema/maximum"), json!(50))],
            "let _ = client.list_pets().limit(std::num::NonZeroU64::new(5).unwrap());",
        ),
        (
            "server added",
            vec![set("/servers/-", json!({"url": "https://eu.example.com"}))],
            destructure,
        ),
    ];
    assert!(cases.len() >= 10);
    let generate = GenerateOptions::default().with_types_path("crate::client::types");
    let options = DiffOptions {
        crate_axis: Some(generate.clone()),
        ..DiffOptions::default()
    };
    let scratch = Scratch::new();
    let old_code = chekt_gen::generate::render(&base, &generate).unwrap().code;
    let mut failures = Vec::new();
    for (name, edits, snippet) in cases {
        let head = edited(&base, &edits);
        let report = diff_with(&base, &head, &options).unwrap();
        let major = report.crate_bump() == Some(Bump::Major);
        let new_code = chekt_gen::generate::render(&head, &generate).unwrap().code;
        if let Err(e) = scratch.check(&old_code, snippet) {
            failures.push(format!(
                "{name}: the snippet does not compile against the old client:\n{e}"
            ));
            continue;
        }
        let compiles = scratch.check(&new_code, snippet).is_ok();
        if compiles == major {
            failures.push(format!(
                "{name}: crate verdict {:?} but the snippet {} against the new client\n{}",
                report.crate_bump(),
                if compiles {
                    "compiles"
                } else {
                    "does not compile"
                },
                render(&report, Format::Text)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A scratch package under `target/diff-crate-axis`, with the manifest and
/// lockfile of `chekt-gen/tests/output` (its own workspace), checked with
/// the workspace's target directory so dependencies build once.
struct Scratch {
    dir: std::path::PathBuf,
    target: std::path::PathBuf,
}

impl Scratch {
    fn new() -> Self {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| root.join("target"));
        let dir = target.join("diff-crate-axis");
        std::fs::create_dir_all(dir.join("src")).unwrap();
        let output = root.join("chekt-gen/tests/output");
        for file in ["Cargo.toml", "Cargo.lock"] {
            std::fs::copy(output.join(file), dir.join(file)).unwrap();
        }
        Scratch { dir, target }
    }

    /// `cargo check` of `client` (as `mod client`) and `snippet`; `Err`
    /// holds the compiler's output.
    fn check(&self, client: &str, snippet: &str) -> Result<(), String> {
        std::fs::write(self.dir.join("src/client.rs"), client).unwrap();
        std::fs::write(
            self.dir.join("src/lib.rs"),
            format!(
                "#![allow(warnings)]\npub mod client;\n\n#[allow(unused_variables)]\npub fn consumer(client: &client::Client, pet: client::types::Pet, new_pet: client::types::NewPet, status: client::types::Status) {{\n    use client::*;\n    {snippet}\n}}\n"
            ),
        )
        .unwrap();
        let out =
            std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
                .args(["check", "--offline", "--quiet", "--manifest-path"])
                .arg(self.dir.join("Cargo.toml"))
                .env("CARGO_TARGET_DIR", &self.target)
                .output()
                .unwrap();
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }
}

/// Kinds of issue 18 in instances the other tables do not try (review):
/// name, setup applied to both sides, the edit, expected wire pairs.
fn review_cases() -> Vec<(&'static str, Vec<Edit>, Vec<Edit>, Expected)> {
    let new_pet = |rest: &str| format!("{SCHEMAS}/NewPet{rest}");
    let pet = |rest: &str| format!("{SCHEMAS}/Pet{rest}");
    let name_pattern = |p: &str| vec![set(new_pet("/properties/name/pattern"), json!(p))];
    let id_multiple = |m: u64| vec![set(pet("/properties/id/multipleOf"), json!(m))];
    let limit_multiple = |m: u64| vec![set(at(LIST, "/parameters/0/schema/multipleOf"), json!(m))];
    let filter = |schema: Value| {
        vec![set(
            at(LIST, "/parameters/-"),
            json!({"name": "filter", "in": "query", "content": {"application/json": schema}}),
        )]
    };
    let filter_schema =
        || filter(json!({"schema": {"type": "object", "properties": {"a": {"type": "string"}}}}));
    let filter_at = |rest: &str| {
        at(
            LIST,
            &format!("/parameters/3/content/application~1json{rest}"),
        )
    };
    let owned = |property: &str| {
        vec![
            set(
                format!("{SCHEMAS}/Person/properties/kind"),
                json!({"type": "string"}),
            ),
            set(
                format!("{SCHEMAS}/Company/properties/kind"),
                json!({"type": "string"}),
            ),
            set(
                format!("{SCHEMAS}/{property}/properties/owner"),
                json!({
                    "oneOf": [
                        {"$ref": "#/components/schemas/Person"},
                        {"$ref": "#/components/schemas/Company"}
                    ],
                    "discriminator": {
                        "propertyName": "kind",
                        "mapping": {
                            "person": "#/components/schemas/Person",
                            "company": "#/components/schemas/Company"
                        }
                    }
                }),
            ),
        ]
    };
    let discriminator = |property: &str, rest: &str| {
        format!("{SCHEMAS}/{property}/properties/owner/discriminator{rest}")
    };
    vec![
        // Patterns: adding an anchor narrows, dropping one generalizes.
        (
            "request pattern anchored",
            name_pattern("[a-z]+"),
            name_pattern("^[a-z]+$"),
            &[(Breaking, "request-pattern-changed")],
        ),
        (
            "request pattern start anchor added",
            name_pattern("[a-z]+$"),
            name_pattern("^[a-z]+$"),
            &[(Breaking, "request-pattern-changed")],
        ),
        (
            "request pattern anchor dropped",
            name_pattern("^[a-z]+$"),
            name_pattern("[a-z]+"),
            &[(Additive, "request-pattern-generalized")],
        ),
        // multipleOf: neither a multiple nor a divisor of the old one.
        (
            "request multipleOf 2 → 3",
            limit_multiple(2),
            limit_multiple(3),
            &[(Breaking, "request-constraint-tightened")],
        ),
        (
            "response multipleOf 2 → 3",
            id_multiple(2),
            id_multiple(3),
            &[(Breaking, "response-constraint-loosened")],
        ),
        (
            "response multipleOf 2 → 4",
            id_multiple(2),
            id_multiple(4),
            &[(NonFunctional, "response-constraint-tightened")],
        ),
        (
            "response multipleOf 0.1 → 0.3 (float ratios)",
            vec![set(
                pet("/properties/weight"),
                json!({"type": "number", "multipleOf": 0.1}),
            )],
            vec![set(pet("/properties/weight/multipleOf"), json!(0.3))],
            &[(NonFunctional, "response-constraint-tightened")],
        ),
        (
            "request pattern group gains an alternative",
            name_pattern("^(cat|dog)$"),
            name_pattern("^(cat|dog|bird)$"),
            &[(Additive, "request-pattern-generalized")],
        ),
        (
            "request pattern group loses an alternative",
            name_pattern("^(cat|dog)$"),
            name_pattern("^(cat)$"),
            &[(Breaking, "request-pattern-changed")],
        ),
        (
            "request pattern: two groups are not one",
            name_pattern("^(cat)|(dog)$"),
            name_pattern("^(cat|dog)$"),
            &[(Breaking, "request-pattern-changed")],
        ),
        // Constraints on parameters in every location.
        (
            "path parameter minimum added",
            vec![],
            vec![set(
                "/paths/~1pets~1{petId}/parameters/0/schema/minimum",
                json!(1),
            )],
            &[(Breaking, "request-constraint-tightened")],
        ),
        (
            "header parameter maxLength lowered",
            vec![set(
                at(LIST, "/parameters/-"),
                json!({"name": "X-Trace", "in": "header", "schema": {"type": "string", "maxLength": 64}}),
            )],
            vec![set(at(LIST, "/parameters/3/schema/maxLength"), json!(32))],
            &[(Breaking, "request-constraint-tightened")],
        ),
        (
            "query array parameter uniqueItems added",
            vec![],
            vec![set(
                at(LIST, "/parameters/2/schema/uniqueItems"),
                json!(true),
            )],
            &[(Breaking, "request-constraint-tightened")],
        ),
        (
            "query parameter exclusiveMaximum dropped",
            vec![set(
                at(LIST, "/parameters/0/schema/exclusiveMaximum"),
                json!(true),
            )],
            vec![remove(at(LIST, "/parameters/0/schema/exclusiveMaximum"))],
            &[(Additive, "request-constraint-loosened")],
        ),
        // Parameters described by `content` rather than `schema`.
        (
            "content parameter gains a schema",
            filter(json!({})),
            filter_schema(),
            &[(Breaking, "request-schema-added")],
        ),
        (
            "content parameter property becomes required",
            filter_schema(),
            vec![set(filter_at("/schema/required"), json!(["a"]))],
            &[(Breaking, "request-property-became-required")],
        ),
        (
            "content parameter media type replaced",
            filter_schema(),
            vec![Edit::Rename(
                at(LIST, "/parameters/3/content/application~1json"),
                "text/plain",
            )],
            &[
                (Breaking, "request-media-type-removed"),
                (Additive, "request-media-type-added"),
            ],
        ),
        // readOnly in nested objects, array items and allOf members.
        (
            "nested readOnly property made required",
            vec![set(
                new_pet("/properties/lines"),
                json!({"type": "array", "items": {"type": "object", "properties": {
                    "sku": {"type": "string", "readOnly": true},
                    "qty": {"type": "integer"}
                }}}),
            )],
            vec![set(
                new_pet("/properties/lines/items/required"),
                json!(["sku"]),
            )],
            &[],
        ),
        (
            "readOnly property of an allOf member made required",
            vec![
                set(
                    format!("{SCHEMAS}/Stamp"),
                    json!({"type": "object", "properties": {"created": {"type": "string", "readOnly": true}}}),
                ),
                set(
                    new_pet("/allOf"),
                    json!([{"$ref": "#/components/schemas/Stamp"}]),
                ),
            ],
            vec![set(format!("{SCHEMAS}/Stamp/required"), json!(["created"]))],
            &[],
        ),
        (
            "readOnly through a $ref'd component tightened",
            vec![
                set(
                    format!("{SCHEMAS}/Id"),
                    json!({"type": "integer", "readOnly": true}),
                ),
                set(
                    new_pet("/properties/id"),
                    json!({"$ref": "#/components/schemas/Id"}),
                ),
            ],
            vec![set(format!("{SCHEMAS}/Id/maximum"), json!(10))],
            &[],
        ),
        (
            "nested writeOnly response property becomes optional",
            vec![set(
                pet("/properties/auth"),
                json!({"type": "object", "required": ["password"], "properties": {
                    "password": {"type": "string", "writeOnly": true}
                }}),
            )],
            vec![remove(pet("/properties/auth/required"))],
            &[],
        ),
        // Discriminators.
        (
            "response discriminator property renamed",
            owned("Pet"),
            vec![set(discriminator("Pet", "/propertyName"), json!("type"))],
            &[(Breaking, "response-discriminator-changed")],
        ),
        (
            "request discriminator property renamed",
            owned("NewPet"),
            vec![set(discriminator("NewPet", "/propertyName"), json!("type"))],
            &[(Breaking, "request-discriminator-changed")],
        ),
        (
            "request discriminator mapping value removed",
            owned("NewPet"),
            vec![remove(discriminator("NewPet", "/mapping/company"))],
            &[(Breaking, "request-discriminator-mapping-removed")],
        ),
        (
            "response discriminator mapping value added",
            owned("Pet"),
            vec![set(
                discriminator("Pet", "/mapping/human"),
                json!("#/components/schemas/Person"),
            )],
            &[(Breaking, "response-discriminator-mapping-added")],
        ),
        (
            "response discriminator mapping value removed",
            owned("Pet"),
            vec![remove(discriminator("Pet", "/mapping/company"))],
            &[(NonFunctional, "response-discriminator-mapping-removed")],
        ),
        (
            "parameter switched from schema to content",
            vec![],
            vec![
                remove(at(LIST, "/parameters/2/schema")),
                set(
                    at(LIST, "/parameters/2/content"),
                    json!({"application/json": {"schema": {"type": "array", "items": {"type": "string"}}}}),
                ),
            ],
            &[(Breaking, "request-parameter-style-changed")],
        ),
        // Security schemes are named by the document only.
        (
            "security scheme renamed everywhere",
            vec![],
            vec![
                Edit::Rename("/components/securitySchemes/oauth".into(), "oauth2"),
                Edit::Text(r#""oauth":["#, r#""oauth2":["#),
            ],
            &[(NonFunctional, "security-scheme-renamed")],
        ),
        (
            "used security scheme removed",
            vec![],
            vec![
                set(
                    "/components/securitySchemes/key",
                    json!({"type": "apiKey", "in": "header", "name": "X-Key"}),
                ),
                remove("/components/securitySchemes/oauth"),
                Edit::Text(r#""oauth":["#, r#""key":["#),
            ],
            &[
                (Breaking, "security-scheme-removed"),
                (Additive, "security-scheme-added"),
                (Breaking, "security-requirement-removed"),
                (Breaking, "security-requirement-removed"),
                (Additive, "security-requirement-added"),
                (Additive, "security-requirement-added"),
            ],
        ),
        (
            "path parameters swapped in the template",
            vec![set(
                "/paths/~1owners~1{ownerId}~1pets~1{petId}",
                json!({"parameters": [
                    {"name": "ownerId", "in": "path", "required": true, "schema": {"type": "integer"}},
                    {"name": "petId", "in": "path", "required": true, "schema": {"type": "integer"}}
                ], "get": {"operationId": "owner_pet", "responses": {"204": {"description": "ok"}}}}),
            )],
            vec![Edit::Rename(
                "/paths/~1owners~1{ownerId}~1pets~1{petId}".into(),
                "/owners/{petId}/pets/{ownerId}",
            )],
            &[
                (Breaking, "path-parameter-moved"),
                (Breaking, "path-parameter-moved"),
            ],
        ),
        (
            "response field wrapped in an anyOf of two identical alternatives",
            vec![],
            vec![set(
                pet("/properties/tag"),
                json!({"anyOf": [
                    {"type": "string", "nullable": true},
                    {"type": "string", "nullable": true, "description": "The same."}
                ]}),
            )],
            &[],
        ),
        (
            "request field wrapped in a oneOf of two identical alternatives",
            vec![],
            vec![set(
                new_pet("/properties/tag"),
                json!({"oneOf": [{"type": "string"}, {"type": "string"}]}),
            )],
            &[(Breaking, "request-one-of-overlap")],
        ),
        // Header names are case-insensitive.
        (
            "header parameter name recased",
            vec![set(
                at(LIST, "/parameters/-"),
                json!({"name": "X-Trace", "in": "header", "required": true, "schema": {"type": "string"}}),
            )],
            vec![set(at(LIST, "/parameters/3/name"), json!("x-trace"))],
            &[],
        ),
        (
            "response header name recased",
            vec![],
            vec![Edit::Rename(
                at(LIST, "/responses/200/headers/X-Total"),
                "x-total",
            )],
            &[],
        ),
        // Only string enums are generated open.
        (
            "response integer enum value added",
            vec![set(
                pet("/properties/rank"),
                json!({"type": "integer", "enum": [0, 1]}),
            )],
            vec![set(pet("/properties/rank/enum/-"), json!(2))],
            &[(Breaking, "response-closed-enum-value-added")],
        ),
        (
            "request integer enum value added",
            vec![set(
                new_pet("/properties/rank"),
                json!({"type": "integer", "enum": [0, 1]}),
            )],
            vec![set(new_pet("/properties/rank/enum/-"), json!(2))],
            &[(Additive, "request-enum-value-added")],
        ),
        (
            "response nullable string enum value added",
            vec![set(
                pet("/properties/mood"),
                json!({"type": "string", "nullable": true, "enum": ["calm", null]}),
            )],
            vec![set(pet("/properties/mood/enum/-"), json!("wild"))],
            &[(Additive, "response-enum-value-added")],
        ),
        // Path parameter renamed together with another change.
        (
            "path parameter renamed and narrowed",
            vec![],
            vec![
                Edit::Rename("/paths/~1pets~1{petId}".into(), "/pets/{id}"),
                set("/paths/~1pets~1{id}/parameters/0/name", json!("id")),
                set(
                    "/paths/~1pets~1{id}/parameters/0/schema/format",
                    json!("int32"),
                ),
            ],
            &[
                (NonFunctional, "path-parameter-renamed"),
                (Breaking, "request-format-changed"),
            ],
        ),
    ]
}

#[test]
fn review_cases_are_classified() {
    let base = load(BASE);
    let mut failures = Vec::new();
    for (name, setup, edits, expected) in review_cases() {
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

/// Bad input found by review: dangling `$ref`s in every place a `$ref` may
/// stand, on either side; recursion through properties/items under an
/// `allOf` is legitimate.
#[test]
fn review_bad_references_everywhere_are_errors() {
    let base = load(BASE);
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "dangling parameter $ref",
            set(
                at(LIST, "/parameters/-"),
                json!({"$ref": "#/components/parameters/Nope"}),
            ),
            "/paths/~1pets/get/parameters/3",
        ),
        (
            "dangling parameter schema $ref",
            set(
                at(LIST, "/parameters/0/schema"),
                json!({"$ref": "#/components/schemas/Nope"}),
            ),
            "/paths/~1pets/get/parameters/0/schema",
        ),
        (
            "dangling response $ref",
            set(
                at(LIST, "/responses/404"),
                json!({"$ref": "#/components/responses/Nope"}),
            ),
            "/paths/~1pets/get/responses/404",
        ),
        (
            "dangling header $ref",
            set(
                at(LIST, "/responses/200/headers/X-Next"),
                json!({"$ref": "#/components/headers/Nope"}),
            ),
            "/paths/~1pets/get/responses/200/headers/X-Next",
        ),
        (
            "dangling header schema $ref",
            set(
                at(LIST, "/responses/200/headers/X-Total/schema"),
                json!({"$ref": "#/components/schemas/Nope"}),
            ),
            "/paths/~1pets/get/responses/200/headers/X-Total/schema",
        ),
        (
            "dangling request body $ref",
            set(
                at(CREATE, "/requestBody"),
                json!({"$ref": "#/components/requestBodies/Nope"}),
            ),
            "/paths/~1pets/post/requestBody",
        ),
        (
            "dangling content parameter schema $ref",
            set(
                at(LIST, "/parameters/-"),
                json!({"name": "f", "in": "query", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Nope"}}}}),
            ),
            "/paths/~1pets/get/parameters/3/content/application~1json/schema",
        ),
        (
            "dangling discriminator-free oneOf member",
            set(
                format!("{SCHEMAS}/Pet/properties/owner/oneOf/-"),
                json!({"$ref": "#/components/schemas/Nope"}),
            ),
            "/components/schemas/Pet/properties/owner/oneOf/2",
        ),
        (
            "allOf cycle through another component",
            set(
                format!("{SCHEMAS}/Person/allOf"),
                json!([{"$ref": "#/components/schemas/Company"}]),
            ),
            "",
        ),
    ];
    for (name, edit, pointer) in cases {
        let mut edits = vec![edit];
        if name.starts_with("allOf cycle") {
            edits.push(set(
                format!("{SCHEMAS}/Company/allOf"),
                json!([{"$ref": "#/components/schemas/Person"}]),
            ));
        }
        let bad = edited(&base, &edits);
        for (old, new) in [(&base, &bad), (&bad, &base)] {
            let err = diff(old, new).map(|r| render(&r, Format::Text));
            let err = match err {
                Err(e) => e.to_string(),
                Ok(text) => panic!("{name}: no error:\n{text}"),
            };
            assert!(
                err.starts_with("head.json: not a valid OpenAPI 3.0 document ")
                    && err.contains(pointer),
                "{name}: {err}"
            );
        }
    }
    // Recursion through a property of an allOf member is legitimate.
    let recursive = edited(
        &base,
        &[
            set(
                format!("{SCHEMAS}/Node"),
                json!({"allOf": [{"$ref": "#/components/schemas/Person"}], "properties": {"next": {"$ref": "#/components/schemas/Node"}}}),
            ),
            set(
                format!("{SCHEMAS}/Pet/properties/node"),
                json!({"$ref": "#/components/schemas/Node"}),
            ),
        ],
    );
    let retyped = edited(
        &recursive,
        &[set(
            format!("{SCHEMAS}/Person/properties/name/type"),
            json!("integer"),
        )],
    );
    let report = diff(&recursive, &retyped).unwrap();
    assert!(
        pairs(&report).contains(&(Breaking, "response-type-changed")),
        "{}",
        render(&report, Format::Text)
    );
    // Swagger 2.0 in JSON says so too.
    let swagger = Spec::parse(
        "v2.json",
        r#"{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {}}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(swagger.contains("Swagger 2.0"), "{swagger}");
}

/// The text of a Markdown line outside its code spans (CommonMark §6.1: a
/// run of n backticks opens a span that the next run of exactly n closes).
fn outside_code_spans(line: &str) -> String {
    let runs = |s: &str| -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'`' {
                let start = i;
                while i < bytes.len() && bytes[i] == b'`' {
                    i += 1;
                }
                out.push((start, i - start));
            } else {
                i += 1;
            }
        }
        out
    };
    let runs = runs(line);
    let (mut out, mut at, mut k) = (String::new(), 0, 0);
    while k < runs.len() {
        let (start, len) = runs[k];
        match runs[k + 1..].iter().position(|(_, l)| *l == len) {
            Some(close) => {
                out.push_str(&line[at..start]);
                let (cstart, clen) = runs[k + 1 + close];
                at = cstart + clen;
                k += close + 2;
            }
            None => k += 1,
        }
    }
    out.push_str(&line[at..]);
    out
}

/// Review: a paging impl lost with the `offset` parameter is on the crate
/// axis (major) of the change that removed it.
#[test]
fn review_a_lost_paging_impl_is_major_on_the_crate_axis() {
    let base = load(BASE);
    let old = edited(
        &base,
        &[set(
            at(LIST, "/parameters/-"),
            json!({"name": "offset", "in": "query", "schema": {"type": "integer"}}),
        )],
    );
    let new = edited(&old, &[remove(at(LIST, "/parameters/3"))]);
    let options = DiffOptions {
        crate_axis: Some(GenerateOptions::default().with_paging_traits("crate::pagination")),
        ..DiffOptions::default()
    };
    let report = diff_with(&old, &new, &options).unwrap();
    assert_eq!(pairs(&report), [(Breaking, "request-parameter-removed")]);
    let effect = report.changes[0].crate_api.as_ref().unwrap();
    assert_eq!(effect.bump, Bump::Major, "{effect:?}");
    assert!(
        effect
            .items
            .iter()
            .any(|i| i.item.contains("OffsetPaged") && i.change == "removed"),
        "{effect:?}"
    );
}
