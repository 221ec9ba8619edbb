//! Lint checks, one file per family. Each check takes the spec and returns
//! [`Hit`](super::Hit)s; ids and severities live in the registry.

use serde_json::Value;

use crate::load::{OperationRef, Spec};
use crate::pointer;

pub mod cycles;
pub mod deprecation;
pub mod documentation;
pub mod operation_ids;
pub mod parameters;
pub mod refs;
pub mod request_bodies;
pub mod responses;
pub mod schemas;
pub mod security;
pub mod traceability;

/// An operation with its JSON and pointer, as most checks want it.
pub(crate) struct OpJson<'a> {
    pub op: OperationRef<'a>,
    pub json: &'a Value,
    pub pointer: String,
}

/// Every operation of the spec with its raw JSON.
pub(crate) fn operations(spec: &Spec) -> Vec<OpJson<'_>> {
    spec.operations()
        .filter_map(|op| {
            let pointer = op.pointer();
            spec.value()
                .pointer(&pointer)
                .map(|json| OpJson { op, json, pointer })
        })
        .collect()
}

/// A direct subschema of a schema: its pointer, the schema, and the
/// property name when it is one of `properties`.
pub(crate) struct Subschema<'a> {
    pub pointer: String,
    pub schema: &'a Value,
    pub property: Option<&'a str>,
}

/// The direct subschemas of `schema` at `at`, in document order of kind:
/// each of `properties`, then `items`, `additionalProperties` and `not`
/// (when they are schemas, not booleans), then every alternative of
/// `allOf`, `oneOf` and `anyOf`.
pub(crate) fn subschemas<'a>(schema: &'a Value, at: &str) -> Vec<Subschema<'a>> {
    let mut found: Vec<Subschema<'a>> = entries(schema, "properties")
        .map(|(name, child)| Subschema {
            pointer: pointer::join_onto(at, ["properties", name.as_str()]),
            schema: child,
            property: Some(name.as_str()),
        })
        .collect();
    for key in ["items", "additionalProperties", "not"] {
        if let Some(child) = schema.get(key).filter(|c| c.is_object()) {
            found.push(Subschema {
                pointer: pointer::push(at, key),
                schema: child,
                property: None,
            });
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        let alternatives = schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        for (i, child) in alternatives.enumerate() {
            found.push(Subschema {
                pointer: pointer::join_onto(at, [key, &i.to_string()]),
                schema: child,
                property: None,
            });
        }
    }
    found
}

/// The entries of an object member, or nothing.
pub(crate) fn entries<'a>(
    value: &'a Value,
    key: &str,
) -> impl Iterator<Item = (&'a String, &'a Value)> {
    value
        .get(key)
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
}

/// Follows a `$ref` if `value` is one; dangling refs yield `None` (the
/// `ref-unresolved` rule reports those).
pub(crate) fn deref<'a>(spec: &'a Spec, value: &'a Value) -> Option<&'a Value> {
    pointer::follow_ref(spec.value(), value)
}
