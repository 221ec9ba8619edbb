//! Parameter rules: path templates and parameters must agree, and only the
//! styles progenitor serializes correctly are allowed.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{OpJson, deref, operations};
use crate::lint::Hit;
use crate::load::Spec;
use crate::pointer;

/// A parameter as an operation sees it (path-level ones overridden by
/// operation-level ones with the same name and location).
struct Param<'a> {
    name: &'a str,
    location: &'a str,
    json: &'a Value,
    pointer: String,
}

fn params<'a>(spec: &'a Spec, op: &OpJson<'a>) -> Vec<Param<'a>> {
    let mut by_key: BTreeMap<(&str, &str), Param<'a>> = BTreeMap::new();
    let path_pointer = pointer::join(["paths", op.op.path]);
    let sources = [
        (spec.value().pointer(&path_pointer), path_pointer),
        (Some(op.json), op.pointer.clone()),
    ];
    for (owner, owner_pointer) in sources {
        let list = owner
            .and_then(|o| o.get("parameters"))
            .and_then(Value::as_array);
        for (i, raw) in list.into_iter().flatten().enumerate() {
            let Some(json) = deref(spec, raw) else {
                continue;
            };
            let (Some(name), Some(location)) = (
                json.get("name").and_then(Value::as_str),
                json.get("in").and_then(Value::as_str),
            ) else {
                continue;
            };
            let at = pointer::join_onto(&owner_pointer, ["parameters", &i.to_string()]);
            by_key.insert(
                (name, location),
                Param {
                    name,
                    location,
                    json,
                    pointer: at,
                },
            );
        }
    }
    by_key.into_values().collect()
}

/// The `{names}` in a path template.
pub fn template_names(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

/// `path-parameter-optional`: progenitor asserts path parameters are required.
pub fn path_optional(spec: &Spec) -> Vec<Hit> {
    let mut hits = Vec::new();
    for op in operations(spec) {
        for p in params(spec, &op) {
            if p.location == "path" && p.json.get("required").and_then(Value::as_bool) != Some(true)
            {
                hits.push(Hit::in_operation(
                    &op.op,
                    p.pointer,
                    format!("path parameter `{}` must have `required: true`", p.name),
                ));
            }
        }
    }
    hits
}

/// `path-parameter-undeclared`: a `{name}` in the template with no parameter.
pub fn path_undeclared(spec: &Spec) -> Vec<Hit> {
    let mut hits = Vec::new();
    for op in operations(spec) {
        let declared = params(spec, &op);
        for name in template_names(op.op.path) {
            if !declared
                .iter()
                .any(|p| p.location == "path" && p.name == name)
            {
                hits.push(Hit::in_operation(
                    &op.op,
                    op.pointer.clone(),
                    format!("path template names `{{{name}}}` but no `in: path` parameter `{name}` is declared"),
                ));
            }
        }
    }
    hits
}

/// `path-parameter-not-in-template`: an `in: path` parameter the template lacks.
pub fn path_not_in_template(spec: &Spec) -> Vec<Hit> {
    let mut hits = Vec::new();
    for op in operations(spec) {
        let names = template_names(op.op.path);
        for p in params(spec, &op) {
            if p.location == "path" && !names.contains(&p.name) {
                hits.push(Hit::in_operation(
                    &op.op,
                    p.pointer,
                    format!(
                        "path parameter `{}` does not appear in `{}`",
                        p.name, op.op.path
                    ),
                ));
            }
        }
    }
    hits
}

/// `parameter-style-unsupported`: cookie parameters and styles other than
/// `simple` (path, header) and `form` (query).
pub fn style_unsupported(spec: &Spec) -> Vec<Hit> {
    let mut hits = Vec::new();
    for op in operations(spec) {
        for p in params(spec, &op) {
            let style = p.json.get("style").and_then(Value::as_str);
            let problem = match (p.location, style) {
                ("cookie", _) => Some("cookie parameters are not supported".to_string()),
                ("path" | "header", Some(s)) if s != "simple" => Some(format!(
                    "style `{s}` is not supported for {} parameters; use `simple`",
                    p.location
                )),
                ("query", Some(s)) if s != "form" => Some(format!(
                    "style `{s}` is not supported for query parameters; use `form`"
                )),
                _ => None,
            };
            if let Some(problem) = problem {
                hits.push(Hit::in_operation(
                    &op.op,
                    p.pointer,
                    format!("`{}`: {problem}", p.name),
                ));
            }
        }
    }
    hits
}

/// `query-array-not-exploded`: progenitor always repeats array values
/// (`a=1&a=2`), so `explode: false` (`a=1,2`) would be sent wrongly.
pub fn array_not_exploded(spec: &Spec) -> Vec<Hit> {
    let mut hits = Vec::new();
    for op in operations(spec) {
        for p in params(spec, &op) {
            let is_array = p
                .json
                .get("schema")
                .and_then(|s| deref(spec, s))
                .and_then(|s| s.get("type"))
                .and_then(Value::as_str)
                == Some("array");
            if p.location == "query"
                && is_array
                && p.json.get("explode").and_then(Value::as_bool) == Some(false)
            {
                hits.push(Hit::in_operation(
                    &op.op,
                    p.pointer,
                    format!("array parameter `{}` has `explode: false`, but the generated client sends `{0}=a&{0}=b`", p.name),
                ));
            }
        }
    }
    hits
}

/// `parameter-schema-missing`: parameters described with `content` or
/// without any schema.
pub fn schema_missing(spec: &Spec) -> Vec<Hit> {
    let mut hits = Vec::new();
    for op in operations(spec) {
        for p in params(spec, &op) {
            if p.json.get("schema").is_none() {
                let why = if p.json.get("content").is_some() {
                    "uses `content`, which is not supported"
                } else {
                    "has no `schema`"
                };
                hits.push(Hit::in_operation(
                    &op.op,
                    p.pointer,
                    format!("parameter `{}` {why}", p.name),
                ));
            }
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    #[test]
    fn template_names_table() {
        let cases: [(&str, &[&str]); 4] = [
            ("/a", &[]),
            ("/a/{b}", &["b"]),
            ("/a/{b}/c/{d}", &["b", "d"]),
            ("/a/{b", &[]),
        ];
        for (path, expected) in cases {
            assert_eq!(super::template_names(path), expected, "{path}");
        }
    }
}
