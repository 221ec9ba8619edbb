//! `$ref` rules: every reference must resolve inside the document.

use serde_json::Value;

use crate::lint::Hit;
use crate::load::Spec;
use crate::pointer;

/// `ref-unresolved`: a local `$ref` that points nowhere.
pub fn unresolved(spec: &Spec) -> Vec<Hit> {
    let mut hits = Vec::new();
    walk_refs(spec.value(), String::new(), &mut |at, reference| {
        if let Some(target) = pointer::from_ref(reference)
            && spec.value().pointer(target).is_none()
        {
            hits.push(Hit::at(
                at,
                format!("`$ref: {reference}` does not resolve to anything in the document"),
            ));
        }
    });
    hits
}

/// `ref-external`: a `$ref` to another document, which generation cannot follow.
pub fn external(spec: &Spec) -> Vec<Hit> {
    let mut hits = Vec::new();
    walk_refs(spec.value(), String::new(), &mut |at, reference| {
        if pointer::from_ref(reference).is_none() {
            hits.push(Hit::at(
                at,
                format!(
                    "`$ref: {reference}` points outside the document; bundle the spec into one file"
                ),
            ));
        }
    });
    hits
}

/// `path-item-ref`: a path item that is a `$ref` (progenitor cannot read it).
pub fn path_item(spec: &Spec) -> Vec<Hit> {
    super::entries(spec.value(), "paths")
        .filter(|(_, item)| item.get("$ref").is_some())
        .map(|(path, _)| {
            Hit::at(
                pointer::join(["paths", path.as_str()]),
                "path items given as `$ref` are not supported; inline the path item",
            )
        })
        .collect()
}

/// Calls `found(pointer, reference)` for every `$ref` string, skipping
/// example payloads (which are data, not schema).
fn walk_refs(value: &Value, at: String, found: &mut dyn FnMut(String, &str)) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                found(at.clone(), reference);
            }
            for (key, child) in map {
                if key == "example" || key == "examples" {
                    continue;
                }
                walk_refs(child, pointer::push(&at, key), found);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk_refs(child, pointer::push(&at, i.to_string()), found);
            }
        }
        _ => {}
    }
}
