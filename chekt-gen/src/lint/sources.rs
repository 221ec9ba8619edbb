//! What each operation rests on: the seed sections it names, and the parts
//! of it that are inferred (`cargo xtask lint --sources`), so a maintainer
//! sees at a glance what to confirm with CHeKT.

use std::collections::BTreeSet;
use std::fmt;

use serde_json::Value;

use super::rules::traceability::{all_operations, is_inferred, sources};
use crate::load::Spec;
use crate::pointer;

/// The documented and the inferred parts of one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationSources {
    /// `METHOD /path (operationId)`, or `webhook <event> (operationId)`.
    pub operation: String,
    /// The sources the operation names (`<seed file> § <section>`).
    pub documented: Vec<String>,
    /// The inferred parts: `the operation`, `scopes`, `parameter x`,
    /// `response 409`, `schema X`, `X.field`, in this order of kind.
    pub inferred: Vec<String>,
}

/// One row per operation, in document order (paths, then `x-webhooks`).
pub fn report(spec: &Spec) -> Vec<OperationSources> {
    all_operations(spec)
        .into_iter()
        .map(|(_, operation, op)| {
            let mut inferred = Vec::new();
            if is_inferred(op) {
                inferred.push("the operation".to_string());
            }
            if op.get("x-chekt-inferred-security").and_then(Value::as_bool) == Some(true) {
                inferred.push("scopes".to_string());
            }
            for param in op
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let param = pointer::follow_ref(spec.value(), param).unwrap_or(param);
                if is_inferred(param) {
                    let name = param.get("name").and_then(Value::as_str).unwrap_or("?");
                    inferred.push(format!("parameter `{name}`"));
                }
            }
            let mut roots = Vec::new();
            if let Some(body) = op.get("requestBody") {
                roots.push(pointer::follow_ref(spec.value(), body).unwrap_or(body));
            }
            for (status, response) in op
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let response = pointer::follow_ref(spec.value(), response).unwrap_or(response);
                if is_inferred(response) {
                    inferred.push(format!("response {status}"));
                }
                if status.starts_with('2') {
                    roots.push(response);
                }
            }
            let mut seen = BTreeSet::new();
            for root in roots {
                for media in root
                    .get("content")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flat_map(|c| c.values())
                {
                    if let Some(schema) = media.get("schema") {
                        schemas(spec, schema, &mut seen, &mut inferred);
                    }
                }
            }
            OperationSources {
                operation,
                documented: sources(op).into_iter().map(str::to_string).collect(),
                inferred,
            }
        })
        .collect()
}

/// Walks `schema`, following `$ref`s into component schemas once each, and
/// notes inferred components and inferred properties of documented ones.
fn schemas(spec: &Spec, schema: &Value, seen: &mut BTreeSet<String>, out: &mut Vec<String>) {
    if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        let name = target.rsplit('/').next().unwrap_or(target).to_string();
        if !seen.insert(name.clone()) {
            return;
        }
        let Some(component) = pointer::follow_ref(spec.value(), schema) else {
            return;
        };
        if is_inferred(component) {
            out.push(format!("schema `{name}`"));
        } else {
            for (field, property) in component
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if is_inferred(property) {
                    out.push(format!("`{name}.{field}`"));
                }
            }
        }
        children(spec, component, seen, out);
    } else {
        children(spec, schema, seen, out);
    }
}

fn children(spec: &Spec, schema: &Value, seen: &mut BTreeSet<String>, out: &mut Vec<String>) {
    for property in schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|p| p.values())
    {
        schemas(spec, property, seen, out);
    }
    if let Some(items) = schema.get("items") {
        schemas(spec, items, seen, out);
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for branch in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            schemas(spec, branch, seen, out);
        }
    }
}

impl fmt::Display for OperationSources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.operation)?;
        if self.documented.is_empty() {
            writeln!(f, "  documented: (no source)")?;
        }
        for source in &self.documented {
            writeln!(f, "  documented: {source}")?;
        }
        if self.inferred.is_empty() {
            write!(f, "  inferred:   nothing")
        } else {
            write!(f, "  inferred:   {}", self.inferred.join(", "))
        }
    }
}
