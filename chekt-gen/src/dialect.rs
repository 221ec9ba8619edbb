//! Standard OpenAPI 3.0.3 forms rewritten into the forms progenitor reads
//! (generation: [`normalize`]), and the full-row reading of list responses
//! (the contract check of a request sent without `fields`:
//! [`drop_partial_rows`]).
//!
//! The spec is written so that independent 3.0.3 tools (openapi-core,
//! openapi-schema-validator, Prism) read it the way we do; progenitor reads
//! two of those forms differently:
//!
//! - **Nullable reference.** `oneOf`/`anyOf: [{$ref: X}, {nullable: true,
//!   enum: [null], ...}]` (3.0.3 allows `null` only where `type` is given,
//!   so `allOf: [$ref] + nullable` is *not* nullable for other tools)
//!   becomes `allOf: [{$ref: X}], nullable: true`, which progenitor maps to
//!   `Option<X>`.
//! - **Partial rows.** `anyOf` branches that `$ref` a schema marked
//!   `x-chekt-partial-row: true` (the rows of a list called with `fields`)
//!   are dropped, so the generated type is the full row; the client decodes
//!   partial rows into the caller's type (`send_as`, `rows_as`).
//!
//! Other keys of the rewritten schema (`description`, extensions) are kept.

use serde_json::{Map, Value};

use crate::pointer;

/// Rewrites both forms in every schema of `doc`, in place.
pub fn normalize(doc: &mut Value) {
    let partial = partial_rows(doc);
    walk(doc, &partial, true);
}

/// Drops only the partial-row branches, in place: what a list answers when
/// no `fields` is sent.
pub fn drop_partial_rows(doc: &mut Value) {
    let partial = partial_rows(doc);
    walk(doc, &partial, false);
}

/// `$ref`s of the component schemas marked `x-chekt-partial-row: true`.
fn partial_rows(doc: &Value) -> Vec<String> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(_, s)| s.get("x-chekt-partial-row").and_then(Value::as_bool) == Some(true))
        .map(|(name, _)| format!("#/components/schemas/{}", pointer::escape(name)))
        .collect()
}

fn walk(value: &mut Value, partial: &[String], nullable_refs: bool) {
    match value {
        Value::Object(map) => {
            rewrite(map, partial, nullable_refs);
            map.values_mut()
                .for_each(|v| walk(v, partial, nullable_refs));
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| walk(v, partial, nullable_refs)),
        _ => {}
    }
}

/// Whether `schema` admits only `null`.
fn is_null_only(schema: &Value) -> bool {
    schema.get("enum").and_then(Value::as_array) == Some(&vec![Value::Null])
}

fn ref_of(schema: &Value) -> Option<&str> {
    schema.get("$ref").and_then(Value::as_str)
}

fn rewrite(map: &mut Map<String, Value>, partial: &[String], nullable_refs: bool) {
    for key in ["oneOf", "anyOf"] {
        let Some(Value::Array(branches)) = map.get(key) else {
            continue;
        };
        let kept: Vec<&Value> = branches
            .iter()
            .filter(|b| ref_of(b).is_none_or(|r| !partial.iter().any(|p| p == r)))
            .collect();
        let nullable = nullable_refs && kept.iter().any(|b| is_null_only(b));
        let rest: Vec<Value> = kept
            .into_iter()
            .filter(|b| !(nullable && is_null_only(b)))
            .cloned()
            .collect();
        if rest.len() == branches.len() {
            continue;
        }
        let [single] = rest.as_slice() else {
            // Several real branches stay: keep them, only note nullability.
            let rest = Value::Array(rest);
            map.insert(key.to_string(), rest);
            if nullable {
                map.insert("nullable".into(), Value::Bool(true));
            }
            continue;
        };
        let single = single.clone();
        map.remove(key);
        if nullable {
            map.insert("allOf".into(), Value::Array(vec![single]));
            map.insert("nullable".into(), Value::Bool(true));
        } else if ref_of(&single).is_some() && map.is_empty() {
            map.extend(single.as_object().cloned().unwrap_or_default());
        } else {
            map.insert("allOf".into(), Value::Array(vec![single]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{drop_partial_rows, normalize};
    use serde_json::json;

    #[test]
    fn nullable_refs_become_progenitors_form() {
        let mut doc = json!({"components": {"schemas": {
            "A": {"type": "object", "properties": {
                "b": {"description": "d", "oneOf": [
                    {"$ref": "#/components/schemas/B"},
                    {"type": "object", "nullable": true, "enum": [null]}
                ]}
            }},
            "B": {"type": "object"}
        }}});
        normalize(&mut doc);
        assert_eq!(
            doc.pointer("/components/schemas/A/properties/b").unwrap(),
            &json!({"description": "d", "allOf": [{"$ref": "#/components/schemas/B"}], "nullable": true})
        );
    }

    #[test]
    fn partial_row_branches_are_dropped() {
        let mut doc = json!({"components": {"schemas": {
            "Row": {"type": "object"},
            "PartialRow": {"type": "object", "x-chekt-partial-row": true},
            "List": {"type": "array", "items": {"anyOf": [
                {"$ref": "#/components/schemas/Row"},
                {"$ref": "#/components/schemas/PartialRow"}
            ]}}
        }}});
        normalize(&mut doc);
        assert_eq!(
            doc.pointer("/components/schemas/List/items").unwrap(),
            &json!({"$ref": "#/components/schemas/Row"})
        );
    }

    #[test]
    fn dropping_partial_rows_keeps_nullable_unions() {
        let nullable = json!({"oneOf": [{"$ref": "#/a"}, {"type": "object", "nullable": true, "enum": [null]}]});
        let mut doc = json!({"components": {"schemas": {"N": nullable.clone()}}});
        drop_partial_rows(&mut doc);
        assert_eq!(doc.pointer("/components/schemas/N").unwrap(), &nullable);
    }

    #[test]
    fn other_unions_are_left_alone() {
        let union = json!({"oneOf": [{"$ref": "#/a"}, {"$ref": "#/b"}]});
        let mut doc = json!({"components": {"schemas": {"U": union.clone()}}});
        normalize(&mut doc);
        assert_eq!(doc.pointer("/components/schemas/U").unwrap(), &union);
    }
}
