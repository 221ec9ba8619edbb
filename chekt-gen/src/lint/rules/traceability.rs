//! Traceability: every statement of a spec that opts in names its source or
//! says it is a guess.
//!
//! An operation (under `paths` or `x-webhooks`), a path item's own
//! parameter, a component schema, a component parameter, a component header
//! and every property (including those of inline schemas in component
//! responses, request bodies and headers) either carries
//! `x-chekt-source: <seed file name> § <section>` (or `RFC <n> § <section>`;
//! a string or a list of them) or `x-chekt-inferred: true`. A property
//! inherits the mark of its schema (or, inline, of its operation) unless it
//! carries its own; a `$ref` is traced by its target.
//!
//! A spec opts in by naming a source (`x-chekt-source`) anywhere: specs that
//! never heard of it (a foreign spec, a fixture that only marks a guess
//! `x-chekt-inferred`) are not held to this rule.

use serde_json::Value;

use super::{entries, operations, subschemas};
use crate::lint::Hit;
use crate::load::{METHODS, Spec};
use crate::pointer;

/// The rule id, as reports and overrides name it.
pub const UNTRACED: &str = "statement-untraced";

/// The extension naming a statement's source.
pub const SOURCE: &str = "x-chekt-source";

/// The extension marking a statement as inferred.
pub const INFERRED: &str = "x-chekt-inferred";

/// Whether `value` is marked `x-chekt-inferred: true`.
pub fn is_inferred(value: &Value) -> bool {
    value.get(INFERRED).and_then(Value::as_bool) == Some(true)
}

/// The sources `value` names (empty when it names none, or names them in a
/// malformed way; [`check`] reports the latter).
pub fn sources(value: &Value) -> Vec<&str> {
    match value.get(SOURCE) {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Whether `source` reads `<seed file name> § <section>` or
/// `RFC <number> § <section>`.
fn well_formed(source: &str) -> bool {
    let Some((document, section)) = source.split_once(" § ") else {
        return false;
    };
    let seed = document.strip_suffix(".txt").is_some_and(|stem| {
        stem.split_once('_').is_some_and(|(n, hash)| {
            !n.is_empty()
                && n.bytes().all(|b| b.is_ascii_digit())
                && !hash.is_empty()
                && hash.bytes().all(|b| b.is_ascii_hexdigit())
        })
    });
    let rfc = document
        .strip_prefix("RFC ")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    (seed || rfc) && !section.trim().is_empty()
}

/// Whether `value` carries a mark (well formed or not).
fn marked(value: &Value) -> bool {
    is_inferred(value) || value.get(SOURCE).is_some()
}

/// Whether the document names a source anywhere.
fn opted_in(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.contains_key(SOURCE) || map.values().any(opted_in),
        Value::Array(items) => items.iter().any(opted_in),
        _ => false,
    }
}

/// Every operation: those under `paths`, then those under `x-webhooks`, as
/// (pointer, label, JSON).
pub fn all_operations(spec: &Spec) -> Vec<(String, String, &Value)> {
    let mut out: Vec<(String, String, &Value)> = operations(spec)
        .into_iter()
        .map(|op| {
            let label = match op.op.id() {
                Some(id) => format!("{} ({id})", op.op.label()),
                None => op.op.label(),
            };
            (op.pointer, label, op.json)
        })
        .collect();
    for (event, item) in entries(spec.value(), "x-webhooks") {
        for method in METHODS {
            if let Some(json) = item.get(method) {
                let id = json
                    .get("operationId")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                out.push((
                    pointer::join(["x-webhooks", event.as_str(), method]),
                    format!("webhook {event} ({id})"),
                    json,
                ));
            }
        }
    }
    out
}

/// `statement-untraced`: an operation, path-level parameter, component
/// schema, component parameter, component header or property with neither
/// mark, or a malformed source.
pub fn check(spec: &Spec) -> Vec<Hit> {
    let doc = spec.value();
    if !opted_in(doc) {
        return Vec::new();
    }
    let mut hits = Vec::new();
    malformed(doc, "", &mut hits);
    for (at, label, op) in all_operations(spec) {
        if !marked(op) {
            hits.push(Hit {
                pointer: at.clone(),
                operation: Some(label),
                message: format!("operation names no `{SOURCE}` and is not `{INFERRED}: true`"),
            });
        }
        for key in ["requestBody", "responses", "parameters"] {
            if let Some(child) = op.get(key) {
                schemas_in(child, &pointer::push(&at, key), marked(op), &mut hits);
            }
        }
    }
    for root in ["paths", "x-webhooks"] {
        for (path, item) in entries(doc, root) {
            let at = pointer::join([root, path.as_str(), "parameters"]);
            path_parameters(item, &at, &mut hits);
        }
    }
    for kind in ["responses", "requestBodies", "headers"] {
        for (name, component) in entries(doc, "components")
            .filter(|(k, _)| k.as_str() == kind)
            .flat_map(|(_, v)| v.as_object().into_iter().flatten())
        {
            let at = pointer::join(["components", kind, name.as_str()]);
            if kind == "headers" && component.get("$ref").is_none() && !marked(component) {
                hits.push(Hit::at(
                    at.clone(),
                    format!("header `{name}` names no `{SOURCE}` and is not `{INFERRED}: true`"),
                ));
            }
            schemas_in(component, &at, marked(component), &mut hits);
        }
    }
    for (name, schema) in entries(doc, "components")
        .filter(|(k, _)| k.as_str() == "schemas")
        .flat_map(|(_, v)| v.as_object().into_iter().flatten())
    {
        let at = pointer::join(["components", "schemas", name.as_str()]);
        if !marked(schema) {
            hits.push(Hit::at(
                at.clone(),
                format!("schema `{name}` names no `{SOURCE}` and is not `{INFERRED}: true`"),
            ));
        }
        walk_schema(schema, &at, marked(schema), &mut hits);
    }
    if let Some(params) = doc
        .pointer("/components/parameters")
        .and_then(Value::as_object)
    {
        for (name, param) in params {
            let at = pointer::join(["components", "parameters", name.as_str()]);
            if param.get("$ref").is_none() && !marked(param) {
                hits.push(Hit::at(
                    at.clone(),
                    format!("parameter `{name}` names no `{SOURCE}` and is not `{INFERRED}: true`"),
                ));
            }
            // `schema`, or `content.<media type>.schema`.
            schemas_in(param, &at, marked(param), &mut hits);
        }
    }
    hits
}

/// Reports the parameters a path item declares for all its operations
/// (`paths./x.parameters`): no operation's mark covers them, so each inline
/// one carries its own; their schemas are walked like any other.
fn path_parameters(item: &Value, at: &str, hits: &mut Vec<Hit>) {
    for (i, param) in item
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let here = pointer::push(at, i.to_string());
        if param.get("$ref").is_none() && !marked(param) {
            let name = param.get("name").and_then(Value::as_str).unwrap_or("?");
            hits.push(Hit::at(
                here.clone(),
                format!(
                    "path-level parameter `{name}` names no `{SOURCE}` and is not \
                     `{INFERRED}: true`"
                ),
            ));
        }
        schemas_in(param, &here, marked(param), hits);
    }
}

/// Reports every `x-chekt-source` that is not a well-formed source.
fn malformed(value: &Value, at: &str, hits: &mut Vec<Hit>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let here = pointer::push(at, key);
                if key == SOURCE {
                    let items: Vec<Option<&str>> = match child {
                        Value::String(s) => vec![Some(s.as_str())],
                        Value::Array(items) if !items.is_empty() => {
                            items.iter().map(Value::as_str).collect()
                        }
                        _ => vec![None],
                    };
                    for item in items {
                        if !item.is_some_and(well_formed) {
                            hits.push(Hit::at(
                                here.clone(),
                                format!(
                                    "`{SOURCE}` must be `<seed file name> § <section>` (e.g. \
                                     `003_db708374a39d86ef.txt § Pagination`) or \
                                     `RFC <n> § <section>`, or a list of them; found {child}"
                                ),
                            ));
                        }
                    }
                } else {
                    malformed(child, &here, hits);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                malformed(child, &pointer::push(at, i.to_string()), hits);
            }
        }
        _ => {}
    }
}

/// Walks the inline schemas under an operation's request body, responses
/// or parameters (`schema` members).
fn schemas_in(value: &Value, at: &str, covered: bool, hits: &mut Vec<Hit>) {
    match value {
        Value::Object(map) => {
            let covered = covered || marked(value);
            for (key, child) in map {
                let here = pointer::push(at, key);
                if key == "schema" {
                    walk_schema(child, &here, covered, hits);
                } else {
                    schemas_in(child, &here, covered, hits);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                schemas_in(child, &pointer::push(at, i.to_string()), covered, hits);
            }
        }
        _ => {}
    }
}

/// Reports the properties of `schema` (recursively) that neither carry a
/// mark nor inherit one.
fn walk_schema(schema: &Value, at: &str, covered: bool, hits: &mut Vec<Hit>) {
    if schema.get("$ref").is_some() {
        return;
    }
    let covered = covered || marked(schema);
    for sub in subschemas(schema, at) {
        if let Some(name) = sub.property
            && !covered
            && sub.schema.get("$ref").is_none()
            && !marked(sub.schema)
        {
            hits.push(Hit::at(
                sub.pointer.clone(),
                format!(
                    "property `{name}` names no `{SOURCE}` and is not `{INFERRED}: true`, \
                     and neither is its schema"
                ),
            ));
        }
        walk_schema(sub.schema, &sub.pointer, covered, hits);
    }
}

#[cfg(test)]
mod tests {
    use super::well_formed;

    #[test]
    fn source_format() {
        assert!(well_formed("003_db708374a39d86ef.txt § Pagination"));
        assert!(well_formed("RFC 6749 § 5.1"));
        assert!(!well_formed("seed 003, Pagination"));
        assert!(!well_formed("003_db708374a39d86ef.txt §  "));
        assert!(!well_formed("RFC x § 5"));
        assert!(!well_formed("003_zz.txt § Pagination"));
    }
}
