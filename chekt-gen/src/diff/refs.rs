//! Bad input is never "no changes": before the walk, every `$ref` of a
//! document must lead somewhere (local, not dangling, not a cycle of
//! references), and no schema may contain itself through `allOf` / `oneOf`
//! / `anyOf` alone (a cycle that is not a legitimately recursive schema:
//! recursion must go through `properties`, `items` or
//! `additionalProperties`). Errors name the file and the pointer.

use std::collections::HashSet;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::load::Spec;
use crate::pointer;

const COMPOSITION: [&str; 3] = ["allOf", "oneOf", "anyOf"];

/// Checks `spec`'s references; see the module docs.
pub(super) fn check(spec: &Spec) -> Result<()> {
    let root = spec.value();
    let fail = |pointer: &str, message: String| Error::Schema {
        file: spec.name().to_string(),
        pointer: pointer.to_string(),
        message,
    };
    let mut stack = vec![(String::new(), root)];
    let mut composed = Vec::new();
    while let Some((at, value)) = stack.pop() {
        match value {
            Value::Object(map) => {
                if map.get("$ref").is_some_and(Value::is_string) {
                    pointer::follow(root, at.clone(), value)
                        .map_err(|e| fail(e.pointer(), e.to_string()))?;
                }
                if COMPOSITION.iter().any(|k| map.contains_key(*k)) {
                    composed.push(at.clone());
                }
                for (key, child) in map {
                    stack.push((pointer::push(&at, key), child));
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    stack.push((pointer::push(&at, i.to_string()), child));
                }
            }
            _ => {}
        }
    }
    let mut done = HashSet::new();
    for start in composed {
        let mut path = Vec::new();
        if let Some(cycle) = contains_itself(root, start, &mut path, &mut done) {
            return Err(fail(
                &cycle[0],
                format!(
                    "schema contains itself through allOf/oneOf/anyOf only: {}",
                    cycle.join(" → ")
                ),
            ));
        }
    }
    Ok(())
}

/// Depth-first over composition edges (`$ref`s followed); the cycle, if one
/// is met.
fn contains_itself(
    root: &Value,
    at: String,
    path: &mut Vec<String>,
    done: &mut HashSet<String>,
) -> Option<Vec<String>> {
    let value = root.pointer(&at)?;
    let Ok((at, value)) = pointer::follow(root, at, value) else {
        return None;
    };
    if let Some(i) = path.iter().position(|p| *p == at) {
        let mut cycle = path[i..].to_vec();
        cycle.push(at);
        return Some(cycle);
    }
    if done.contains(&at) {
        return None;
    }
    path.push(at.clone());
    for keyword in COMPOSITION {
        let members = value.get(keyword).and_then(Value::as_array);
        for i in 0..members.map_or(0, Vec::len) {
            let member = pointer::join_onto(&at, [keyword, &i.to_string()]);
            if let Some(cycle) = contains_itself(root, member, path, done) {
                return Some(cycle);
            }
        }
    }
    path.pop();
    done.insert(at);
    None
}
