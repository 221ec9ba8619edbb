//! Lint checks, one file per family. Each check takes the spec and returns
//! [`Hit`](super::Hit)s; ids and severities live in the registry.

use serde_json::Value;

use crate::load::{OperationRef, Spec};
use crate::pointer;

pub mod cycles;
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
