//! Lint rules on broken specs: each case asserts the rule and its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chekt_gen::lint::{self, LintConfig, RULES};
use chekt_gen::{Severity, Spec};

/// A small valid document around `paths`; `components` is appended verbatim.
fn spec(paths: &str, components: &str) -> Spec {
    let text = format!(
        "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\ntags: [{{name: a}}]\nsecurity: []\npaths:\n{paths}\ncomponents:\n  schemas:\n    E: {{type: object, properties: {{m: {{type: string}}}}}}\n    F: {{type: object}}\n{components}"
    );
    Spec::parse("case.yaml", text).unwrap()
}

/// An operation body with good documentation, plus `extra` lines.
fn op(id: &str, extra: &str) -> String {
    format!(
        "      operationId: {id}\n      tags: [a]\n      summary: s\n      description: d\n{extra}"
    )
}

const OK: &str = "      responses:\n        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/E'}}}}\n";

struct Case {
    name: &'static str,
    paths: String,
    components: &'static str,
    rule: &'static str,
    message: &'static str,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "ref into the middle of a component",
            paths: format!("  /a:\n    get:\n{}{OK}", op("a", "")),
            components: "    Tag: {allOf: [{type: object, properties: {n: {type: string}}}]}\n    U: {$ref: '#/components/schemas/Tag/allOf/0'}\n",
            rule: "ref-not-component",
            message: "error[ref-not-component]: `$ref: #/components/schemas/Tag/allOf/0` points into the middle of the component `#/components/schemas/Tag`; generation follows only references to a whole component (`#/components/<section>/<name>`): make the target a component of its own (at #/components/schemas/U)",
        },
        Case {
            name: "percent-encoded ref",
            paths: format!("  /a:\n    get:\n{}{OK}", op("a", "")),
            components: "    c{d: {type: integer}\n    U: {type: object, properties: {n: {$ref: '#/components/schemas/c%7Bd'}}}\n",
            rule: "ref-unresolved",
            message: "error[ref-unresolved]: `$ref: #/components/schemas/c%7Bd` is percent-encoded (it means `#/components/schemas/c{d`), but generation reads references literally: write `#/components/schemas/c{d` (at #/components/schemas/U/properties/n)",
        },
        Case {
            name: "response ref into schemas",
            paths: format!(
                "  /a:\n    get:\n{}      responses:\n        '200': {{$ref: '#/components/schemas/E'}}\n",
                op("a", "")
            ),
            components: "",
            rule: "ref-wrong-section",
            message: "error[ref-wrong-section] GET /a (a): `$ref: #/components/schemas/E` is used as a response but points into `components/schemas`; it must point into `#/components/responses/` (at #/paths/~1a/get/responses/200)",
        },
        Case {
            name: "schema that is itself",
            paths: format!("  /a:\n    get:\n{}{OK}", op("a", "")),
            components: "    A: {$ref: '#/components/schemas/A'}\n",
            rule: "ref-cycle",
            message: "error[ref-cycle]: `$ref` cycle with no object, array or map in between (A → A): the type would contain itself directly (typify recurses without end, or decoding does); break the cycle with an object property (at #/components/schemas/A)",
        },
        Case {
            name: "parameters that are each other, reached through a third",
            paths: format!(
                "  /a:\n    get:\n{}      parameters: [{{$ref: '#/components/parameters/X'}}]\n{OK}",
                op("a", "")
            ),
            components: "  parameters:\n    X: {$ref: '#/components/parameters/P'}\n    P: {$ref: '#/components/parameters/Q'}\n    Q: {$ref: '#/components/parameters/P'}\n",
            rule: "ref-cycle",
            message: "error[ref-cycle]: `$ref` cycle in `components/parameters` (P → Q → P): the reference never reaches an object (progenitor overflows its stack following it); make one of them the object itself (at #/components/parameters/P)",
        },
        Case {
            name: "request body that is itself",
            paths: format!(
                "  /a:\n    post:\n{}      requestBody: {{$ref: '#/components/requestBodies/B'}}\n{OK}",
                op("a", "")
            ),
            components: "  requestBodies:\n    B: {$ref: '#/components/requestBodies/B'}\n",
            rule: "ref-cycle",
            message: "error[ref-cycle]: `$ref` cycle in `components/requestBodies` (B → B): the reference never reaches an object (progenitor overflows its stack following it); make one of them the object itself (at #/components/requestBodies/B)",
        },
        Case {
            name: "object with a format",
            paths: format!("  /a:\n    get:\n{}{OK}", op("a", "")),
            components: "    O: {type: object, format: date-time}\n",
            rule: "schema-object-format",
            message: "error[schema-object-format]: `format: date-time` on an object schema; `format` applies to strings and numbers: remove it (at #/components/schemas/O/format)",
        },
        Case {
            name: "default of the wrong type",
            paths: format!("  /a:\n    get:\n{}{OK}", op("a", "")),
            components: "    B: {type: boolean, default: 'false'}\n",
            rule: "schema-default-type",
            message: "error[schema-default-type]: `default: \"false\"` is not a valid `boolean` (it is a string); write the default as a boolean value (at #/components/schemas/B/default)",
        },
        Case {
            name: "integer default written as a string",
            paths: format!("  /a:\n    get:\n{}{OK}", op("a", "")),
            components: "    N: {type: object, properties: {n: {type: integer, default: '5'}}}\n",
            rule: "schema-default-type",
            message: "error[schema-default-type]: `default: \"5\"` is not a valid `integer` (it is a string); write the default as a integer value (at #/components/schemas/N/properties/n/default)",
        },
        Case {
            name: "enum value of the wrong type, in an array's items",
            paths: format!("  /a:\n    get:\n{}{OK}", op("a", "")),
            components: "    L: {type: array, items: {type: string, enum: [a, 1]}}\n",
            rule: "schema-enum-type",
            message: "error[schema-enum-type]: enum value `1` is not a valid `string`; every value of an enum has the schema's type (at #/components/schemas/L/items/enum/1)",
        },
        Case {
            name: "default not in the enum, in a map's values",
            paths: format!("  /a:\n    get:\n{}{OK}", op("a", "")),
            components: "    M: {type: object, additionalProperties: {type: integer, enum: [1, 2], default: 3}}\n",
            rule: "schema-default-not-in-enum",
            message: "error[schema-default-not-in-enum]: `default: 3` is not one of the enum's values (1, 2); make it one or add it to `enum` (at #/components/schemas/M/additionalProperties/default)",
        },
        Case {
            name: "octet-stream body of base64",
            paths: format!(
                "  /a:\n    put:\n{}      requestBody: {{content: {{application/octet-stream: {{schema: {{type: string, format: byte}}}}}}}}\n{OK}",
                op("a", "")
            ),
            components: "",
            rule: "octet-stream-byte",
            message: "error[octet-stream-byte] PUT /a (a): an `application/octet-stream` body is raw bytes, but its schema says `format: byte` (base64 text); use `type: string, format: binary` (at #/paths/~1a/put/requestBody/content/application~1octet-stream/schema)",
        },
        Case {
            name: "missing operationId",
            paths: format!(
                "  /a:\n    get:\n      tags: [a]\n      summary: s\n      description: d\n{OK}"
            ),
            components: "",
            rule: "operation-id-missing",
            message: "error[operation-id-missing] GET /a: operation has no operationId; the generated method is named after it (at #/paths/~1a/get)",
        },
        Case {
            name: "duplicate operationId",
            paths: format!(
                "  /a:\n    get:\n{}{OK}  /b:\n    get:\n{}{OK}",
                op("x", ""),
                op("x", "")
            ),
            components: "",
            rule: "operation-id-duplicate",
            message: "error[operation-id-duplicate] GET /b (x): operationId `x` is already used by GET /a (at #/paths/~1b/get/operationId)",
        },
        Case {
            name: "camelCase operationId",
            paths: format!("  /a:\n    get:\n{}{OK}", op("listThings", "")),
            components: "",
            rule: "operation-id-not-snake-case",
            message: "warning[operation-id-not-snake-case] GET /a (listThings): operationId `listThings` is not snake_case (e.g. `list_things`) (at #/paths/~1a/get/operationId)",
        },
        Case {
            name: "two success types",
            paths: format!(
                "  /a:\n    get:\n{}      responses:\n        '200': {{description: ok, content: {{application/json: {{schema: {{$ref: '#/components/schemas/E'}}}}}}}}\n        '201': {{description: ok, content: {{application/json: {{schema: {{$ref: '#/components/schemas/F'}}}}}}}}\n",
                op("a", "")
            ),
            components: "",
            rule: "response-types-multiple-success",
            message: "error[response-types-multiple-success] GET /a (a): 2 different success response body types (200 → `#/components/schemas/E`; 201 → `#/components/schemas/F`); the generated client supports one (at #/paths/~1a/get/responses)",
        },
        Case {
            name: "default response counts as success too",
            paths: format!(
                "  /a:\n    get:\n{}      responses:\n        '200': {{description: ok, content: {{application/json: {{schema: {{$ref: '#/components/schemas/E'}}}}}}}}\n        default: {{description: err, content: {{application/json: {{schema: {{$ref: '#/components/schemas/F'}}}}}}}}\n",
                op("a", "")
            ),
            components: "",
            rule: "response-types-multiple-success",
            message: "error[response-types-multiple-success] GET /a (a): 2 different success response body types (200 → `#/components/schemas/E`; default → `#/components/schemas/F`); the generated client supports one (a `default` response counts as both success and error) (at #/paths/~1a/get/responses)",
        },
        Case {
            name: "success with and without body",
            paths: format!(
                "  /a:\n    get:\n{}      responses:\n        '200': {{description: ok, content: {{application/json: {{schema: {{$ref: '#/components/schemas/E'}}}}}}}}\n        '204': {{description: none}}\n",
                op("a", "")
            ),
            components: "",
            rule: "response-types-multiple-success",
            message: "error[response-types-multiple-success] GET /a (a): 2 different success response body types (200 → `#/components/schemas/E`; 204 → no body); the generated client supports one (at #/paths/~1a/get/responses)",
        },
        Case {
            name: "two error types",
            paths: format!(
                "  /a:\n    get:\n{}{OK}        '400': {{description: bad, content: {{application/json: {{schema: {{$ref: '#/components/schemas/E'}}}}}}}}\n        '500': {{description: bad, content: {{text/plain: {{schema: {{type: string}}}}}}}}\n",
                op("a", "")
            ),
            components: "",
            rule: "response-types-multiple-error",
            message: "error[response-types-multiple-error] GET /a (a): 2 different error response body types (400 → `#/components/schemas/E`; 500 → raw bytes); the generated client supports one (at #/paths/~1a/get/responses)",
        },
        Case {
            name: "unsupported request media type",
            paths: format!(
                "  /a:\n    post:\n{}      requestBody: {{content: {{application/xml: {{schema: {{type: object}}}}}}}}\n{OK}",
                op("a", "")
            ),
            components: "",
            rule: "request-media-type-unsupported",
            message: "error[request-media-type-unsupported] POST /a (a): request media type `application/xml` is not supported; use one of application/json, application/x-www-form-urlencoded, application/octet-stream, text/plain, text/x-markdown (at #/paths/~1a/post/requestBody/content/application~1xml)",
        },
        Case {
            name: "several request media types",
            paths: format!(
                "  /a:\n    post:\n{}      requestBody: {{content: {{application/json: {{schema: {{type: object}}}}, application/x-www-form-urlencoded: {{schema: {{type: object}}}}}}}}\n{OK}",
                op("a", "")
            ),
            components: "",
            rule: "request-media-types-multiple",
            message: "error[request-media-types-multiple] POST /a (a): request body offers 2 media types (`application/json`, `application/x-www-form-urlencoded`); the generated client sends exactly one (at #/paths/~1a/post/requestBody/content)",
        },
        Case {
            name: "request body without schema",
            paths: format!(
                "  /a:\n    post:\n{}      requestBody: {{content: {{application/json: {{}}}}}}\n{OK}",
                op("a", "")
            ),
            components: "",
            rule: "request-body-schema-missing",
            message: "error[request-body-schema-missing] POST /a (a): request body `application/json` has no schema (at #/paths/~1a/post/requestBody/content/application~1json)",
        },
        Case {
            name: "unresolvable ref",
            paths: format!(
                "  /a:\n    get:\n{}      responses:\n        '200': {{description: ok, content: {{application/json: {{schema: {{$ref: '#/components/schemas/Nope'}}}}}}}}\n",
                op("a", "")
            ),
            components: "",
            rule: "ref-unresolved",
            message: "error[ref-unresolved]: `$ref: #/components/schemas/Nope` does not resolve to anything in the document (at #/paths/~1a/get/responses/200/content/application~1json/schema)",
        },
        Case {
            name: "external ref",
            paths: format!(
                "  /a:\n    get:\n{}      responses:\n        '200': {{description: ok, content: {{application/json: {{schema: {{$ref: 'other.yaml#/E'}}}}}}}}\n",
                op("a", "")
            ),
            components: "",
            rule: "ref-external",
            message: "error[ref-external]: `$ref: other.yaml#/E` points outside the document; bundle the spec into one file (at #/paths/~1a/get/responses/200/content/application~1json/schema)",
        },
        Case {
            name: "path item ref",
            paths: "  /a:\n    $ref: '#/components/pathItems/A'\n".to_string(),
            components: "",
            rule: "path-item-ref",
            message: "error[path-item-ref]: path items given as `$ref` are not supported; inline the path item (at #/paths/~1a)",
        },
        Case {
            name: "optional path parameter",
            paths: format!(
                "  /a/{{id}}:\n    get:\n{}      parameters: [{{name: id, in: path, schema: {{type: string}}}}]\n{OK}",
                op("a", "")
            ),
            components: "",
            rule: "path-parameter-optional",
            message: "error[path-parameter-optional] GET /a/{id} (a): path parameter `id` must have `required: true` (at #/paths/~1a~1{id}/get/parameters/0)",
        },
        Case {
            name: "template variable without parameter",
            paths: format!("  /a/{{id}}:\n    get:\n{}{OK}", op("a", "")),
            components: "",
            rule: "path-parameter-undeclared",
            message: "error[path-parameter-undeclared] GET /a/{id} (a): path template names `{id}` but no `in: path` parameter `id` is declared (at #/paths/~1a~1{id}/get)",
        },
        Case {
            name: "path parameter missing from template",
            paths: format!(
                "  /a:\n    get:\n{}      parameters: [{{name: id, in: path, required: true, schema: {{type: string}}}}]\n{OK}",
                op("a", "")
            ),
            components: "",
            rule: "path-parameter-not-in-template",
            message: "error[path-parameter-not-in-template] GET /a (a): path parameter `id` does not appear in `/a` (at #/paths/~1a/get/parameters/0)",
        },
        Case {
            name: "deepObject query",
            paths: format!(
                "  /a:\n    get:\n{}      parameters: [{{name: q, in: query, style: deepObject, schema: {{type: object}}}}]\n{OK}",
                op("a", "")
            ),
            components: "",
            rule: "parameter-style-unsupported",
            message: "error[parameter-style-unsupported] GET /a (a): `q`: style `deepObject` is not supported for query parameters; use `form` (at #/paths/~1a/get/parameters/0)",
        },
        Case {
            name: "cookie parameter",
            paths: format!(
                "  /a:\n    get:\n{}      parameters: [{{name: c, in: cookie, schema: {{type: string}}}}]\n{OK}",
                op("a", "")
            ),
            components: "",
            rule: "parameter-style-unsupported",
            message: "error[parameter-style-unsupported] GET /a (a): `c`: cookie parameters are not supported (at #/paths/~1a/get/parameters/0)",
        },
        Case {
            name: "array query not exploded",
            paths: format!(
                "  /a:\n    get:\n{}      parameters: [{{name: f, in: query, explode: false, schema: {{type: array, items: {{type: string}}}}}}]\n{OK}",
                op("a", "")
            ),
            components: "",
            rule: "query-array-not-exploded",
            message: "error[query-array-not-exploded] GET /a (a): array parameter `f` has `explode: false`, but the generated client sends `f=a&f=b` (at #/paths/~1a/get/parameters/0)",
        },
        Case {
            name: "parameter with content",
            paths: format!(
                "  /a:\n    get:\n{}      parameters: [{{name: q, in: query, content: {{application/json: {{schema: {{type: object}}}}}}}}]\n{OK}",
                op("a", "")
            ),
            components: "",
            rule: "parameter-schema-missing",
            message: "error[parameter-schema-missing] GET /a (a): parameter `q` uses `content`, which is not supported (at #/paths/~1a/get/parameters/0)",
        },
        Case {
            name: "json response without schema",
            paths: format!(
                "  /a:\n    get:\n{}      responses:\n        '200': {{description: ok, content: {{application/json: {{}}}}}}\n",
                op("a", "")
            ),
            components: "",
            rule: "response-json-schema-missing",
            message: "error[response-json-schema-missing] GET /a (a): JSON response without a `schema`; add one (the generator cannot type it) (at #/paths/~1a/get/responses/200/content/application~1json)",
        },
        Case {
            name: "encoding on json",
            paths: format!(
                "  /a:\n    post:\n{}      requestBody: {{content: {{application/json: {{schema: {{type: object}}, encoding: {{x: {{contentType: text/plain}}}}}}}}}}\n{OK}",
                op("a", "")
            ),
            components: "",
            rule: "media-type-encoding",
            message: "error[media-type-encoding] POST /a (a): `encoding` on `application/json` is not supported by the generator; remove it (at #/paths/~1a/post/requestBody/content/application~1json/encoding)",
        },
        Case {
            name: "bad status key",
            paths: format!(
                "  /a:\n    get:\n{}{OK}        '600': {{description: odd}}\n",
                op("a", "")
            ),
            components: "",
            rule: "response-status-invalid",
            message: "error[response-status-invalid] GET /a (a): `600` is not a status code (100–599), a range like `4XX`, or `default` (at #/paths/~1a/get/responses/600)",
        },
        Case {
            name: "undefined security scheme",
            paths: format!(
                "  /a:\n    get:\n{}      security: [{{oauth: [read]}}]\n{OK}",
                op("a", "")
            ),
            components: "",
            rule: "security-scheme-undefined",
            message: "error[security-scheme-undefined] GET /a (a): security scheme `oauth` is not defined in components/securitySchemes (at #/paths/~1a/get/security/0/oauth)",
        },
        Case {
            name: "sunset on an operation that is not deprecated",
            paths: format!(
                "  /a:\n    get:\n{}{OK}",
                op("a", "      x-chekt-sunset: '2026-06-30'\n")
            ),
            components: "",
            rule: "sunset-invalid",
            message: "error[sunset-invalid] GET /a (a): `x-chekt-sunset` stands only beside `deprecated: true` (at #/paths/~1a/get/x-chekt-sunset)",
        },
        Case {
            name: "no summary",
            paths: format!(
                "  /a:\n    get:\n      operationId: a\n      tags: [a]\n      description: d\n{OK}"
            ),
            components: "",
            rule: "operation-summary-missing",
            message: "warning[operation-summary-missing] GET /a (a): operation has no summary; it becomes the method's doc comment (at #/paths/~1a/get)",
        },
        Case {
            name: "no description",
            paths: format!(
                "  /a:\n    get:\n      operationId: a\n      tags: [a]\n      summary: s\n{OK}"
            ),
            components: "",
            rule: "operation-description-missing",
            message: "warning[operation-description-missing] GET /a (a): operation has no description; it becomes the method's doc comment (at #/paths/~1a/get)",
        },
        Case {
            name: "untagged",
            paths: format!(
                "  /a:\n    get:\n      operationId: a\n      summary: s\n      description: d\n{OK}"
            ),
            components: "",
            rule: "operation-untagged",
            message: "warning[operation-untagged] GET /a (a): operation has no tag; the generated client groups methods by tag (at #/paths/~1a/get)",
        },
        Case {
            name: "two tags",
            paths: format!(
                "  /a:\n    get:\n      operationId: a\n      tags: [a, b]\n      summary: s\n      description: d\n{OK}"
            ),
            components: "",
            rule: "operation-tags-multiple",
            message: "warning[operation-tags-multiple] GET /a (a): operation has 2 tags; give it one so the method lives in one trait (at #/paths/~1a/get/tags)",
        },
        Case {
            name: "undeclared tag",
            paths: format!(
                "  /a:\n    get:\n      operationId: a\n      tags: [zzz]\n      summary: s\n      description: d\n{OK}"
            ),
            components: "",
            rule: "operation-tag-undeclared",
            message: "warning[operation-tag-undeclared] GET /a (a): tag `zzz` is not declared in the top-level `tags` (it documents the generated trait) (at #/paths/~1a/get/tags)",
        },
        Case {
            name: "raw body schema",
            paths: format!(
                "  /a:\n    put:\n{}      requestBody: {{content: {{application/octet-stream: {{schema: {{type: object}}}}}}}}\n{OK}",
                op("a", "")
            ),
            components: "",
            rule: "request-body-schema-missing",
            message: "error[request-body-schema-missing] PUT /a (a): a `application/octet-stream` body needs a plain `type: string` schema (with `format: binary` for bytes) (at #/paths/~1a/put/requestBody/content/application~1octet-stream/schema)",
        },
        Case {
            name: "response without schema",
            paths: format!(
                "  /a:\n    get:\n{}{OK}        '404': {{description: gone}}\n",
                op("a", "")
            ),
            components: "",
            rule: "response-schema-missing",
            message: "warning[response-schema-missing] GET /a (a): response `404` declares no body schema (at #/paths/~1a/get/responses/404)",
        },
        Case {
            name: "no success response",
            paths: format!(
                "  /a:\n    get:\n{}      responses:\n        '404': {{description: gone, content: {{application/json: {{schema: {{type: object}}}}}}}}\n",
                op("a", "")
            ),
            components: "",
            rule: "success-response-missing",
            message: "warning[success-response-missing] GET /a (a): no success (2xx or default) response is declared (at #/paths/~1a/get/responses)",
        },
    ]
}

#[test]
fn each_broken_spec_reports_its_rule_and_message() {
    for case in cases() {
        let spec = spec(&case.paths, case.components);
        let report = lint::lint(&spec);
        let found: Vec<String> = report
            .findings
            .iter()
            .filter(|f| f.rule == case.rule)
            .map(|f| f.to_string())
            .collect();
        assert_eq!(
            found,
            [case.message],
            "case `{}`; all findings: {:#?}",
            case.name,
            report.findings
        );
    }
}

#[test]
fn every_rule_has_a_case() {
    let cases = cases();
    for rule in RULES {
        let covered = cases.iter().any(|c| c.rule == rule.id)
            // Covered by a case above under another name.
            || rule.id == "operation-security-undeclared"
            // Needs a spec that uses the marks throughout: tests/traceability.rs.
            || rule.id == chekt_gen::lint::rules::traceability::UNTRACED;
        assert!(covered, "rule {} has no broken-spec case", rule.id);
    }
}

#[test]
fn a_clean_operation_has_no_findings() {
    let spec = spec(&format!("  /a:\n    get:\n{}{OK}", op("a", "")), "");
    assert_eq!(lint::lint(&spec).findings, []);
}

/// Enums typify accepts stay quiet: `null` among the values (Dropshot's
/// null body), a nullable enum with a `null` default, a default in the enum.
#[test]
fn valid_enums_and_defaults_have_no_findings() {
    let spec = spec(
        &format!("  /a:\n    get:\n{}{OK}", op("a", "")),
        "    N: {type: string, enum: [null]}\n    S: {type: string, enum: [a, b], default: b}\n    O: {type: integer, nullable: true, enum: [1, null], default: null}\n",
    );
    let findings: Vec<_> = lint::lint(&spec)
        .findings
        .into_iter()
        .filter(|f| f.rule.starts_with("schema-"))
        .collect();
    assert_eq!(findings, []);
}

#[test]
fn missing_security_is_a_warning_only_without_a_document_default() {
    let text = format!(
        "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\ntags: [{{name: a}}]\npaths:\n  /a:\n    get:\n{}{OK}components:\n  schemas:\n    E: {{type: object}}\n",
        op("a", "")
    );
    let spec = Spec::parse("case.yaml", text).unwrap();
    let findings: Vec<String> = lint::lint(&spec)
        .findings
        .iter()
        .map(|f| f.to_string())
        .collect();
    assert_eq!(
        findings,
        [
            "warning[operation-security-undeclared] GET /a (a): operation declares no `security`; say which scheme and scopes it needs (or `security: []`) (at #/paths/~1a/get)"
        ]
    );
}

#[test]
fn errors_stop_generation_with_every_error_listed() {
    let spec = spec(
        &format!(
            "  /a/{{id}}:\n    get:\n      tags: [a]\n      summary: s\n      description: d\n{OK}"
        ),
        "",
    );
    let err = chekt_gen::generate::render(&spec, &Default::default())
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("case.yaml: 2 lint error(s):\n"), "{err}");
    assert!(err.contains("operation-id-missing"), "{err}");
    assert!(err.contains("path-parameter-undeclared"), "{err}");
}

#[test]
fn severities_can_be_overridden_by_rule_id() {
    let spec = spec(
        &format!("  /a:\n    get:\n{}{OK}", op("listThings", "")),
        "",
    );
    let config = LintConfig::default()
        .with_severity("operation-id-not-snake-case", Severity::Error)
        .unwrap();
    let report = lint::lint_with(&spec, &config);
    assert_eq!(report.errors().count(), 1);
    assert!(
        LintConfig::default()
            .with_severity("no-such-rule", Severity::Error)
            .is_err()
    );
}

#[test]
fn our_spec_is_lint_clean() {
    let spec = Spec::from_file(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/chekt.yaml")).unwrap();
    let findings: Vec<String> = lint::lint(&spec)
        .findings
        .iter()
        .map(|f| f.to_string())
        .collect();
    assert_eq!(findings, Vec::<String>::new());
}

/// Every `$ref` cycle kind that is not data, and recursion that is.
#[test]
fn ref_cycles_that_are_not_data_are_errors_with_a_pointer() {
    let ok = format!("  /a:\n    get:\n{}{OK}", op("a", ""));
    let cases = [
        (
            "    A: {allOf: [{$ref: '#/components/schemas/A'}, {type: object}]}\n",
            vec![
                "error[ref-cycle]: `$ref` cycle with no object, array or map in between (A → A): the type would contain itself directly (typify recurses without end, or decoding does); break the cycle with an object property (at #/components/schemas/A)",
            ],
        ),
        (
            "    A: {$ref: '#/components/schemas/B'}\n    B: {oneOf: [{$ref: '#/components/schemas/A'}]}\n",
            vec![
                "error[ref-cycle]: `$ref` cycle with no object, array or map in between (A → B → A): the type would contain itself directly (typify recurses without end, or decoding does); break the cycle with an object property (at #/components/schemas/A)",
            ],
        ),
        (
            "    R: {$ref: '#'}\n",
            vec![
                "error[ref-not-component]: `$ref: #` points at the whole document; generation follows only references to a whole component (`#/components/<section>/<name>`): make the target a component of its own (at #/components/schemas/R)",
            ],
        ),
        // Recursion through a property, items or a map is data.
        (
            "    T: {type: object, properties: {children: {type: array, items: {$ref: '#/components/schemas/T'}}, parent: {$ref: '#/components/schemas/T'}, byName: {type: object, additionalProperties: {$ref: '#/components/schemas/T'}}}}\n",
            vec![],
        ),
    ];
    for (components, expected) in cases {
        let report = lint::lint(&spec(&ok, components));
        let found: Vec<String> = report
            .errors()
            .filter(|f| f.rule.starts_with("ref-"))
            .map(|f| f.to_string())
            .collect();
        assert_eq!(found, expected, "{components}");
    }
}

#[test]
fn a_config_file_next_to_the_spec_and_rule_flags_set_severities() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("api.yaml");
    std::fs::write(
        dir.path().join(lint::config::CONFIG_FILE),
        "# ids=a,b is what we want; accepted knowingly\nschema-object-format = warning\n",
    )
    .unwrap();
    let config = LintConfig::for_spec(&path, &[]).unwrap();
    assert_eq!(
        config.severity_of("schema-object-format"),
        Some(Severity::Warning)
    );
    let flagged = LintConfig::for_spec(&path, &["schema-object-format=info".to_string()]).unwrap();
    assert_eq!(
        flagged.severity_of("schema-object-format"),
        Some(Severity::Info)
    );
    let spec = spec(
        &format!("  /a:\n    get:\n{}{OK}", op("a", "")),
        "    O: {type: object, format: date-time}\n",
    );
    assert_eq!(lint::lint_with(&spec, &config).errors().count(), 0);
    assert_eq!(
        LintConfig::for_spec(&path, &["nope".to_string()])
            .unwrap_err()
            .to_string(),
        "--rule:1: `nope`: expected RULE=SEVERITY, e.g. query-array-not-exploded=warning"
    );
}
