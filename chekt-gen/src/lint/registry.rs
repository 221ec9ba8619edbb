//! The one table of lint rules. Severity comes only from here; a published
//! rule id is never renamed.

use super::Hit;
use super::rules::{
    cycles, deprecation, documentation, operation_ids, parameters, refs, request_bodies, responses,
    schemas, security, traceability,
};
use crate::load::Spec;
use crate::report::Severity;

/// One lint rule.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Stable kebab-case id, used in reports and overrides.
    pub id: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// One line: what the rule catches and why.
    pub description: &'static str,
    /// The check.
    pub check: fn(&Spec) -> Vec<Hit>,
}

use Severity::{Error, Warning};

macro_rules! rule {
    ($id:literal, $severity:expr, $check:path, $description:literal) => {
        Rule {
            id: $id,
            severity: $severity,
            description: $description,
            check: $check,
        }
    };
}

/// Every lint rule.
pub static RULES: &[Rule] = &[
    rule!(
        "ref-unresolved",
        Error,
        refs::unresolved,
        "A local `$ref` points nowhere; progenitor panics on it."
    ),
    rule!(
        "ref-external",
        Error,
        refs::external,
        "A `$ref` into another file; generation reads one document."
    ),
    rule!(
        "ref-not-component",
        Error,
        refs::not_component,
        "A `$ref` to `#` or into the middle of a component; typify follows only whole components."
    ),
    rule!(
        "ref-wrong-section",
        Error,
        refs::wrong_section,
        "A `$ref` into another `components` section than its place needs (a response into `schemas`)."
    ),
    rule!(
        "ref-cycle",
        Error,
        cycles::ref_cycle,
        "A `$ref`/`allOf` cycle with no object between; typify overflows the stack on it."
    ),
    rule!(
        "schema-object-format",
        Error,
        schemas::object_format,
        "An object schema with a `format`; typify cannot generate it."
    ),
    rule!(
        "schema-default-type",
        Error,
        schemas::default_type,
        "A `default` of another JSON type than the schema's `type`; typify cannot generate it."
    ),
    rule!(
        "schema-enum-type",
        Error,
        schemas::enum_type,
        "An `enum` value of another JSON type than the schema's `type`; typify cannot generate it."
    ),
    rule!(
        "schema-default-not-in-enum",
        Error,
        schemas::default_not_in_enum,
        "A `default` that is none of the `enum` values; the client would decode a missing field to it."
    ),
    rule!(
        "octet-stream-byte",
        Error,
        schemas::octet_stream_byte,
        "An `application/octet-stream` body with `format: byte` instead of `binary`."
    ),
    rule!(
        "path-item-ref",
        Error,
        refs::path_item,
        "A path item given as `$ref`; progenitor unwraps it and panics."
    ),
    rule!(
        "operation-id-missing",
        Error,
        operation_ids::missing,
        "Every operation needs an operationId to name its method."
    ),
    rule!(
        "operation-id-duplicate",
        Error,
        operation_ids::duplicate,
        "Two operations with one operationId would generate one method."
    ),
    rule!(
        "operation-id-not-snake-case",
        Warning,
        operation_ids::not_snake_case,
        "operationIds are snake_case so method names match them."
    ),
    rule!(
        "response-types-multiple-success",
        Error,
        responses::multiple_success_types,
        "More than one success body type; progenitor asserts there is one."
    ),
    rule!(
        "response-types-multiple-error",
        Error,
        responses::multiple_error_types,
        "More than one error body type; progenitor asserts there is one."
    ),
    rule!(
        "response-status-invalid",
        Error,
        responses::status_invalid,
        "A response key that is not a status, a range or `default`."
    ),
    rule!(
        "response-json-schema-missing",
        Error,
        responses::json_schema_missing,
        "A JSON response without a schema; progenitor hits `todo!()`."
    ),
    rule!(
        "media-type-encoding",
        Error,
        responses::media_type_encoding,
        "`encoding` on JSON or form bodies; progenitor hits `todo!()`."
    ),
    rule!(
        "success-response-missing",
        Warning,
        responses::success_missing,
        "No 2xx or default response, so the method returns nothing useful."
    ),
    rule!(
        "response-schema-missing",
        Warning,
        responses::schema_missing,
        "A response (other than 204/304/1xx) without a body schema."
    ),
    rule!(
        "request-media-type-unsupported",
        Error,
        request_bodies::media_type_unsupported,
        "A request media type the generated client cannot send."
    ),
    rule!(
        "request-media-types-multiple",
        Error,
        request_bodies::media_types_multiple,
        "Several request media types; progenitor hits `todo!()`."
    ),
    rule!(
        "request-body-schema-missing",
        Error,
        request_bodies::schema_missing,
        "A request body without a usable schema."
    ),
    rule!(
        "path-parameter-optional",
        Error,
        parameters::path_optional,
        "A path parameter that is not required; progenitor asserts it is."
    ),
    rule!(
        "path-parameter-undeclared",
        Error,
        parameters::path_undeclared,
        "A `{name}` in the path with no parameter; progenitor panics."
    ),
    rule!(
        "path-parameter-not-in-template",
        Error,
        parameters::path_not_in_template,
        "A path parameter missing from the path; progenitor panics."
    ),
    rule!(
        "parameter-style-unsupported",
        Error,
        parameters::style_unsupported,
        "Cookie parameters or styles other than simple/form."
    ),
    rule!(
        "query-array-not-exploded",
        Error,
        parameters::array_not_exploded,
        "`explode: false` arrays, which the client would send exploded."
    ),
    rule!(
        "parameter-schema-missing",
        Error,
        parameters::schema_missing,
        "A parameter with `content` or no schema."
    ),
    rule!(
        "operation-summary-missing",
        Warning,
        documentation::summary_missing,
        "Operations need a summary for the generated docs."
    ),
    rule!(
        "operation-description-missing",
        Warning,
        documentation::description_missing,
        "Operations need a description for the generated docs."
    ),
    rule!(
        "operation-untagged",
        Warning,
        documentation::untagged,
        "Untagged operations are grouped in no per-tag trait."
    ),
    rule!(
        "operation-tags-multiple",
        Warning,
        documentation::multiple_tags,
        "An operation with several tags appears in several traits."
    ),
    rule!(
        "operation-tag-undeclared",
        Warning,
        documentation::tag_undeclared,
        "A tag that the top-level `tags` list does not describe."
    ),
    rule!(
        "operation-security-undeclared",
        Warning,
        security::undeclared,
        "No `security`, so the required scheme and scopes are unknown."
    ),
    rule!(
        "security-scheme-undefined",
        Error,
        security::scheme_undefined,
        "A security requirement names a scheme that does not exist."
    ),
    rule!(
        "sunset-invalid",
        Error,
        deprecation::sunset_invalid,
        "An `x-chekt-sunset` that is not an ISO 8601 date (YYYY-MM-DD) or does not stand beside `deprecated: true`."
    ),
    Rule {
        id: traceability::UNTRACED,
        severity: Error,
        description: "A statement (operation, schema, parameter, header, property) that names no source and is not marked inferred, in a spec that names sources.",
        check: traceability::check,
    },
];

#[cfg(test)]
mod tests {
    use super::RULES;
    use std::collections::BTreeSet;

    #[test]
    fn every_rule_is_well_formed_and_unique() {
        let mut ids = BTreeSet::new();
        for rule in RULES {
            assert!(ids.insert(rule.id), "duplicate rule id {}", rule.id);
            assert!(
                rule.id
                    .split('-')
                    .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase())),
                "{} is not kebab-case",
                rule.id
            );
            assert!(rule.description.ends_with('.'), "{} description", rule.id);
        }
    }
}
