//! Request body rules: progenitor sends one media type per operation, from a
//! short list, and needs a schema for it.

use serde_json::Value;

use super::{OpJson, deref, entries, operations};
use crate::lint::Hit;
use crate::pointer;

use crate::load::Spec;

/// Request media types progenitor can send.
pub const SUPPORTED_REQUEST_MEDIA_TYPES: [&str; 5] = [
    "application/json",
    "application/x-www-form-urlencoded",
    "application/octet-stream",
    "text/plain",
    "text/x-markdown",
];

fn bodies(spec: &Spec) -> Vec<(OpJson<'_>, &Value, String)> {
    operations(spec)
        .into_iter()
        .filter_map(|op| {
            let body = deref(spec, op.json.get("requestBody")?)?;
            let at = pointer::push(&op.pointer, "requestBody");
            Some((op, body, at))
        })
        .collect()
}

fn essence(media_type: &str) -> &str {
    media_type.split(';').next().unwrap_or(media_type).trim()
}

/// `request-media-type-unsupported`.
pub fn media_type_unsupported(spec: &Spec) -> Vec<Hit> {
    let mut hits = Vec::new();
    for (op, body, at) in bodies(spec) {
        for (mt, _) in entries(body, "content") {
            if !SUPPORTED_REQUEST_MEDIA_TYPES.contains(&essence(mt)) {
                hits.push(Hit::in_operation(
                    &op.op,
                    pointer::join_onto(&at, ["content", mt.as_str()]),
                    format!(
                        "request media type `{mt}` is not supported; use one of {}",
                        SUPPORTED_REQUEST_MEDIA_TYPES.join(", ")
                    ),
                ));
            }
        }
    }
    hits
}

/// `request-media-types-multiple`: progenitor hits `todo!()` on these.
pub fn media_types_multiple(spec: &Spec) -> Vec<Hit> {
    bodies(spec)
        .into_iter()
        .filter_map(|(op, body, at)| {
            let types: Vec<&String> = entries(body, "content").map(|(mt, _)| mt).collect();
            (types.len() > 1).then(|| {
                let list = types.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ");
                Hit::in_operation(
                    &op.op,
                    pointer::push(&at, "content"),
                    format!("request body offers {} media types ({list}); the generated client sends exactly one", types.len()),
                )
            })
        })
        .collect()
}

/// `request-body-schema-missing`, and raw bodies whose schema is not a
/// plain string (progenitor rejects both without saying where).
pub fn schema_missing(spec: &Spec) -> Vec<Hit> {
    let mut hits = Vec::new();
    for (op, body, at) in bodies(spec) {
        for (mt, media) in entries(body, "content") {
            let here = pointer::join_onto(&at, ["content", mt.as_str()]);
            let Some(schema) = media.get("schema") else {
                hits.push(Hit::in_operation(
                    &op.op,
                    here,
                    format!("request body `{mt}` has no schema"),
                ));
                continue;
            };
            let raw = matches!(
                essence(mt),
                "application/octet-stream" | "text/plain" | "text/x-markdown"
            );
            let schema = deref(spec, schema).unwrap_or(schema);
            let plain_string = schema.get("type").and_then(Value::as_str) == Some("string")
                && schema.get("enum").is_none()
                && schema.get("pattern").is_none();
            if raw && !plain_string {
                hits.push(Hit::in_operation(
                    &op.op,
                    pointer::push(&here, "schema"),
                    format!("a `{mt}` body needs a plain `type: string` schema (with `format: binary` for bytes)"),
                ));
            }
        }
    }
    hits
}
