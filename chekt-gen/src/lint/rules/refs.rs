//! `$ref` rules: every reference must resolve inside the document.

use serde_json::Value;

use crate::lint::Hit;
use crate::load::Spec;
use crate::pointer::{self, Trail};

/// `ref-unresolved`: a local `$ref` that points nowhere.
pub fn unresolved(spec: &Spec) -> Vec<Hit> {
    let mut hits = Vec::new();
    walk_refs(spec.value(), &mut Trail::default(), &mut |at, reference| {
        if let Some(target) = pointer::from_ref(reference)
            && spec.value().pointer(target).is_none()
        {
            // RFC 6901 §6: a pointer in a URI fragment is percent-encoded,
            // but progenitor and typify read it literally.
            let decoded = percent_encoding::percent_decode_str(reference)
                .decode_utf8()
                .ok()
                .filter(|d| d != reference)
                .filter(|d| {
                    pointer::from_ref(d).is_some_and(|t| spec.value().pointer(t).is_some())
                });
            hits.push(Hit::at(
                at.pointer(),
                match decoded {
                    Some(decoded) => format!(
                        "`$ref: {reference}` is percent-encoded (it means `{decoded}`), but generation reads references literally: write `{decoded}`"
                    ),
                    None => format!("`$ref: {reference}` does not resolve to anything in the document"),
                },
            ));
        }
    });
    hits
}

/// `ref-external`: a `$ref` to another document, which generation cannot follow.
pub fn external(spec: &Spec) -> Vec<Hit> {
    let mut hits = Vec::new();
    walk_refs(spec.value(), &mut Trail::default(), &mut |at, reference| {
        if pointer::from_ref(reference).is_none() {
            hits.push(Hit::at(
                at.pointer(),
                format!(
                    "`$ref: {reference}` points outside the document; bundle the spec into one file"
                ),
            ));
        }
    });
    hits
}

/// `ref-not-component`: a local `$ref` that does not name one whole
/// component (`#/components/<section>/<name>`): `#`, a pointer into the
/// middle of a component (`#/components/schemas/Tag/allOf/0`) or outside
/// `components`. progenitor and typify only follow whole components.
pub fn not_component(spec: &Spec) -> Vec<Hit> {
    let mut hits = Vec::new();
    walk_refs(spec.value(), &mut Trail::default(), &mut |at, reference| {
        let Some(target) = pointer::from_ref(reference) else {
            return;
        };
        let segments: Vec<&str> = target.split('/').skip(1).collect();
        let whole = segments.len() == 3 && segments[0] == "components";
        if !whole && spec.value().pointer(target).is_some() {
            let what = if target.is_empty() {
                "at the whole document".to_string()
            } else if segments.len() > 3 && segments[0] == "components" {
                format!(
                    "into the middle of the component `#/components/{}/{}`",
                    segments[1], segments[2]
                )
            } else {
                "outside `components`".to_string()
            };
            hits.push(Hit::located(
                spec,
                at.pointer(),
                format!(
                    "`$ref: {reference}` points {what}; generation follows only references to a whole component (`#/components/<section>/<name>`): make the target a component of its own"
                ),
            ));
        }
    });
    hits
}

/// `ref-wrong-section`: a `$ref` whose place wants one kind of object (a
/// response, parameter, request body, header or schema) pointing into
/// another section of `components`, e.g. a response `$ref` into
/// `#/components/schemas`.
pub fn wrong_section(spec: &Spec) -> Vec<Hit> {
    let mut hits = Vec::new();
    walk_refs(spec.value(), &mut Trail::default(), &mut |at, reference| {
        let Some(target) = pointer::from_ref(reference) else {
            return;
        };
        let segments: Vec<&str> = target.split('/').skip(1).collect();
        let (Some(expected), ["components", section, _]) = (expected_section(at), &segments[..])
        else {
            return;
        };
        if *section != expected {
            hits.push(Hit::located(
                spec,
                at.pointer(),
                format!(
                    "`$ref: {reference}` is used as {} but points into `components/{section}`; it must point into `#/components/{expected}/`",
                    describe(expected)
                ),
            ));
        }
    });
    hits
}

/// The `components` section a `$ref` at `at` must point into, judged by
/// the keys above it; `None` where the place does not say.
fn expected_section(at: &Trail<'_>) -> Option<&'static str> {
    let segments: Vec<&str> = at.segments().collect();
    let last = *segments.last()?;
    let parent = segments.len().checked_sub(2).map(|i| segments[i]);
    let is_index = last.bytes().all(|b| b.is_ascii_digit());
    Some(match (parent, last) {
        (Some("properties"), _) => "schemas",
        (_, "schema" | "items" | "additionalProperties" | "not") => "schemas",
        (Some("allOf" | "oneOf" | "anyOf"), _) if is_index => "schemas",
        (Some("schemas"), _) if segments.len() == 3 => "schemas",
        (Some("responses"), _) => "responses",
        (Some("parameters"), _) => "parameters",
        (_, "requestBody") => "requestBodies",
        (Some("requestBodies"), _) if segments.len() == 3 => "requestBodies",
        (Some("headers"), _) => "headers",
        _ => return None,
    })
}

fn describe(section: &str) -> &'static str {
    match section {
        "schemas" => "a schema",
        "responses" => "a response",
        "parameters" => "a parameter",
        "requestBodies" => "a request body",
        _ => "a header",
    }
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

/// Calls `found(trail, reference)` for every `$ref` string, skipping
/// example payloads (which are data, not schema).
fn walk_refs<'a>(value: &'a Value, trail: &mut Trail<'a>, found: &mut dyn FnMut(&Trail<'a>, &str)) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                found(trail, reference);
            }
            for (key, child) in map {
                if key == "example" || key == "examples" {
                    continue;
                }
                trail.push(key.as_str());
                walk_refs(child, trail, found);
                trail.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                trail.push(i.to_string());
                walk_refs(child, trail, found);
                trail.pop();
            }
        }
        _ => {}
    }
}
