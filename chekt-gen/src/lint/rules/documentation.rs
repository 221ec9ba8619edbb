//! Advice for readers of the generated docs: summaries, descriptions, tags.

use serde_json::Value;

use super::operations;
use crate::lint::Hit;
use crate::load::Spec;
use crate::pointer;

fn missing_text(spec: &Spec, key: &str, what: &str) -> Vec<Hit> {
    operations(spec)
        .into_iter()
        .filter(|op| {
            op.json
                .get(key)
                .and_then(Value::as_str)
                .is_none_or(|s| s.trim().is_empty())
        })
        .map(|op| {
            Hit::in_operation(
                &op.op,
                op.pointer.clone(),
                format!("operation has no {what}; it becomes the method's doc comment"),
            )
        })
        .collect()
}

/// `operation-summary-missing`.
pub fn summary_missing(spec: &Spec) -> Vec<Hit> {
    missing_text(spec, "summary", "summary")
}

/// `operation-description-missing`.
pub fn description_missing(spec: &Spec) -> Vec<Hit> {
    missing_text(spec, "description", "description")
}

fn tags(op: &Value) -> Vec<&str> {
    op.get("tags")
        .and_then(Value::as_array)
        .map(|t| t.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// `operation-untagged`: untagged operations land in no per-tag trait.
pub fn untagged(spec: &Spec) -> Vec<Hit> {
    operations(spec)
        .into_iter()
        .filter(|op| tags(op.json).is_empty())
        .map(|op| {
            Hit::in_operation(
                &op.op,
                op.pointer.clone(),
                "operation has no tag; the generated client groups methods by tag",
            )
        })
        .collect()
}

/// `operation-tags-multiple`: the method would appear in several traits.
pub fn multiple_tags(spec: &Spec) -> Vec<Hit> {
    operations(spec)
        .into_iter()
        .filter(|op| tags(op.json).len() > 1)
        .map(|op| {
            Hit::in_operation(
                &op.op,
                pointer::push(&op.pointer, "tags"),
                format!(
                    "operation has {} tags; give it one so the method lives in one trait",
                    tags(op.json).len()
                ),
            )
        })
        .collect()
}

/// `operation-tag-undeclared`: a tag missing from the top-level `tags` list.
pub fn tag_undeclared(spec: &Spec) -> Vec<Hit> {
    let declared: Vec<&str> = spec
        .value()
        .get("tags")
        .and_then(Value::as_array)
        .map(|t| {
            t.iter()
                .filter_map(|t| t.get("name").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    let mut hits = Vec::new();
    for op in operations(spec) {
        for tag in tags(op.json) {
            if !declared.contains(&tag) {
                hits.push(Hit::in_operation(
                    &op.op,
                    pointer::push(&op.pointer, "tags"),
                    format!("tag `{tag}` is not declared in the top-level `tags` (it documents the generated trait)"),
                ));
            }
        }
    }
    hits
}
