//! Response rules: progenitor supports one body type for all success
//! statuses and one for all error statuses, and panics otherwise.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{OpJson, deref, entries, operations};
use crate::lint::Hit;
use crate::load::{OperationRef, Spec};
use crate::pointer;

/// Which set(s) a response status belongs to, as progenitor sorts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Success,
    Error,
    Both,
    Neither,
}

fn classify(status: &str) -> Option<Class> {
    if status == "default" {
        return Some(Class::Both);
    }
    let bytes = status.as_bytes();
    if bytes.len() != 3 || !(b'1'..=b'5').contains(&bytes[0]) {
        return None;
    }
    let range = status[1..].eq_ignore_ascii_case("xx");
    if !range && !status.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(match (bytes[0], range) {
        (b'2', _) | (b'1', false) if status != "100" => Class::Success,
        (b'4' | b'5', _) => Class::Error,
        _ => Class::Neither,
    })
}

/// What progenitor would make of a response body: a type, raw bytes, nothing.
fn body_kind(spec: &Spec, response: &Value) -> String {
    let content = response.get("content").and_then(Value::as_object);
    let Some(content) = content.filter(|c| !c.is_empty()) else {
        return "no body".to_string();
    };
    let json = content
        .iter()
        .find(|(mt, _)| *mt == "application/json" || mt.starts_with("application/json;"));
    match json.and_then(|(_, media)| media.get("schema")) {
        Some(schema) => match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) => format!("`{reference}`"),
            None => {
                let resolved = deref(spec, schema).unwrap_or(schema);
                format!("inline schema {}", resolved)
            }
        },
        None if json.is_some() => "JSON without schema".to_string(),
        None => "raw bytes".to_string(),
    }
}

fn check_set(spec: &Spec, wanted: Class) -> Vec<Hit> {
    let mut hits = Vec::new();
    for OpJson { op, json, pointer } in operations(spec) {
        let mut kinds: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let statuses: Vec<(&String, &Value)> = entries(json, "responses").collect();
        let has_2xx_range = statuses.iter().any(|(s, _)| s.eq_ignore_ascii_case("2XX"));
        let has_code_above_200 = statuses.iter().any(|(s, _)| {
            s.len() == 3
                && s.starts_with('2')
                && s.as_str() > "200"
                && s.bytes().all(|b| b.is_ascii_digit())
        });
        for (status, response) in &statuses {
            let class = match classify(status) {
                Some(c) => c,
                None => continue,
            };
            let member = class == wanted || class == Class::Both;
            // progenitor drops `default` from the success set when a `2XX`
            // range is the last success status.
            let dropped = wanted == Class::Success
                && class == Class::Both
                && has_2xx_range
                && !has_code_above_200;
            if !member || dropped {
                continue;
            }
            let Some(response) = deref(spec, response) else {
                continue;
            };
            kinds
                .entry(body_kind(spec, response))
                .or_default()
                .push(status.to_string());
        }
        if kinds.len() > 1 {
            let what = if wanted == Class::Success {
                "success"
            } else {
                "error"
            };
            let detail = kinds
                .iter()
                .map(|(kind, statuses)| format!("{} → {kind}", statuses.join(", ")))
                .collect::<Vec<_>>()
                .join("; ");
            hits.push(Hit::in_operation(
                &op,
                pointer::push(&pointer, "responses"),
                format!(
                    "{} different {what} response body types ({detail}); the generated client supports one{}",
                    kinds.len(),
                    if kinds.values().flatten().any(|s| s == "default") {
                        " (a `default` response counts as both success and error)"
                    } else {
                        ""
                    }
                ),
            ));
        }
    }
    hits
}

/// `response-types-multiple-success`.
pub fn multiple_success_types(spec: &Spec) -> Vec<Hit> {
    check_set(spec, Class::Success)
}

/// `response-types-multiple-error`.
pub fn multiple_error_types(spec: &Spec) -> Vec<Hit> {
    check_set(spec, Class::Error)
}

/// Each response of each operation, resolved, with its status and pointer.
fn responses(spec: &Spec) -> Vec<(OperationRef<'_>, String, String, &Value)> {
    let mut out = Vec::new();
    for op in operations(spec) {
        for (status, response) in entries(op.json, "responses") {
            if let Some(response) = deref(spec, response) {
                let at = pointer::join_onto(&op.pointer, ["responses", status.as_str()]);
                out.push((op.op, status.clone(), at, response));
            }
        }
    }
    out
}

/// `response-status-invalid`.
pub fn status_invalid(spec: &Spec) -> Vec<Hit> {
    responses(spec)
        .into_iter()
        .filter(|(_, status, _, _)| classify(status).is_none())
        .map(|(op, status, at, _)| {
            Hit::in_operation(
                &op,
                at,
                format!(
                    "`{status}` is not a status code (100–599), a range like `4XX`, or `default`"
                ),
            )
        })
        .collect()
}

/// `response-json-schema-missing`: progenitor hits `todo!()` on these.
pub fn json_schema_missing(spec: &Spec) -> Vec<Hit> {
    responses(spec)
        .into_iter()
        .flat_map(|(op, _, at, response)| {
            entries(response, "content")
                .filter(|(mt, media)| {
                    mt.starts_with("application/json") && media.get("schema").is_none()
                })
                .map(|(mt, _)| {
                    Hit::in_operation(
                        &op,
                        pointer::join_onto(&at, ["content", mt.as_str()]),
                        "JSON response without a `schema`; add one (the generator cannot type it)",
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// `media-type-encoding`: `encoding` on JSON or form media types, which
/// progenitor does not implement.
pub fn media_type_encoding(spec: &Spec) -> Vec<Hit> {
    let mut hits = Vec::new();
    for op in operations(spec) {
        let mut check = |owner: &Value, at: String| {
            for (mt, media) in entries(owner, "content") {
                let encoded = media
                    .get("encoding")
                    .and_then(Value::as_object)
                    .is_some_and(|e| !e.is_empty());
                if encoded
                    && (mt.starts_with("application/json")
                        || mt.starts_with("application/x-www-form-urlencoded"))
                {
                    hits.push(Hit::in_operation(
                        &op.op,
                        pointer::join_onto(&at, ["content", mt.as_str(), "encoding"]),
                        format!(
                            "`encoding` on `{mt}` is not supported by the generator; remove it"
                        ),
                    ));
                }
            }
        };
        if let Some(body) = op.json.get("requestBody").and_then(|b| deref(spec, b)) {
            check(body, pointer::push(&op.pointer, "requestBody"));
        }
        for (status, response) in entries(op.json, "responses") {
            if let Some(response) = deref(spec, response) {
                check(
                    response,
                    pointer::join_onto(&op.pointer, ["responses", status.as_str()]),
                );
            }
        }
    }
    hits
}

/// `success-response-missing`.
pub fn success_missing(spec: &Spec) -> Vec<Hit> {
    operations(spec)
        .into_iter()
        .filter(|op| {
            !entries(op.json, "responses")
                .any(|(s, _)| matches!(classify(s), Some(Class::Success | Class::Both)))
        })
        .map(|op| {
            Hit::in_operation(
                &op.op,
                pointer::push(&op.pointer, "responses"),
                "no success (2xx or default) response is declared",
            )
        })
        .collect()
}

/// `response-schema-missing`: a response that could carry a body but
/// declares none (204, 304 and 1xx are exempt).
pub fn schema_missing(spec: &Spec) -> Vec<Hit> {
    responses(spec)
        .into_iter()
        .filter(|(_, status, _, response)| {
            !matches!(status.as_str(), "204" | "304")
                && !status.starts_with('1')
                && classify(status).is_some()
                && !entries(response, "content").any(|(_, media)| media.get("schema").is_some())
        })
        .map(|(op, status, at, _)| {
            Hit::in_operation(
                &op,
                at,
                format!("response `{status}` declares no body schema"),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{Class, classify};

    #[test]
    fn status_classes() {
        let cases = [
            ("200", Some(Class::Success)),
            ("2XX", Some(Class::Success)),
            ("2xx", Some(Class::Success)),
            ("101", Some(Class::Success)),
            ("100", Some(Class::Neither)),
            ("302", Some(Class::Neither)),
            ("404", Some(Class::Error)),
            ("5XX", Some(Class::Error)),
            ("default", Some(Class::Both)),
            ("600", None),
            ("20", None),
            ("2X0", None),
            ("ok", None),
        ];
        for (status, expected) in cases {
            assert_eq!(classify(status), expected, "{status}");
        }
    }
}
