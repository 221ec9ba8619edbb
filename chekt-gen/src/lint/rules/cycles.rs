//! `$ref` cycles that are not recursive data: a component that is, through
//! `$ref`s and `allOf`/`oneOf`/`anyOf` alone, itself. typify recurses on it
//! without end (a stack overflow that no error handler sees), emits a type
//! that does not compile, or one whose decoding recurses without end.
//! Recursion through an object property, array items or a map is data, and
//! fine.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::entries;
use crate::lint::Hit;
use crate::load::Spec;
use crate::pointer;

/// `ref-cycle`: one hit per cycle, at the first component on it.
pub fn ref_cycle(spec: &Spec) -> Vec<Hit> {
    let schemas: BTreeMap<&str, &Value> = entries(
        spec.value().get("components").unwrap_or(&Value::Null),
        "schemas",
    )
    .map(|(name, schema)| (name.as_str(), schema))
    .collect();
    let edges: BTreeMap<&str, BTreeSet<String>> = schemas
        .iter()
        .map(|(name, schema)| {
            let mut out = BTreeSet::new();
            transparent_refs(schema, &mut out);
            (*name, out)
        })
        .collect();
    let mut reported: BTreeSet<String> = BTreeSet::new();
    let mut hits = Vec::new();
    for start in schemas.keys() {
        if reported.contains(*start) {
            continue;
        }
        if let Some(cycle) = path_back(&edges, start) {
            reported.extend(cycle.iter().cloned());
            let route = std::iter::once(start.to_string())
                .chain(cycle.iter().cloned())
                .collect::<Vec<_>>()
                .join(" → ");
            hits.push(Hit::at(
                pointer::join(["components", "schemas", start]),
                format!(
                    "`$ref` cycle with no object, array or map in between ({route}): the type would contain itself directly (typify recurses without end, or decoding does); break the cycle with an object property"
                ),
            ));
        }
    }
    hits.extend(reference_chain_cycles(spec));
    hits
}

/// The `components` sections other than `schemas`, whose members are
/// either an object or a `$ref` to another member.
const REFERABLE_SECTIONS: [&str; 8] = [
    "parameters",
    "responses",
    "requestBodies",
    "headers",
    "examples",
    "links",
    "callbacks",
    "securitySchemes",
];

/// Components of the other sections that are `$ref`s leading back to
/// themselves (`P: {$ref: Q}`, `Q: {$ref: P}`): they never resolve to an
/// object, and progenitor overflows its stack following them.
fn reference_chain_cycles(spec: &Spec) -> Vec<Hit> {
    let root = spec.value();
    let components = root.get("components").unwrap_or(&Value::Null);
    let mut reported: BTreeSet<String> = BTreeSet::new();
    let mut hits = Vec::new();
    for section in REFERABLE_SECTIONS {
        for (name, _) in entries(components, section) {
            let start = pointer::join(["components", section, name]);
            if reported.contains(&start) {
                continue;
            }
            let mut chain = vec![start.clone()];
            let mut at = start.clone();
            while let Some(next) = root
                .pointer(&at)
                .and_then(|v| v.get("$ref"))
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix('#'))
            {
                if let Some(position) = chain.iter().position(|p| p == next) {
                    let cycle = &chain[position..];
                    if position == 0 {
                        let route = cycle
                            .iter()
                            .chain(std::iter::once(&start))
                            .map(|p| {
                                p.rsplit('/')
                                    .next()
                                    .map(pointer::unescape)
                                    .unwrap_or_default()
                            })
                            .collect::<Vec<_>>()
                            .join(" → ");
                        hits.push(Hit::at(
                            start.clone(),
                            format!(
                                "`$ref` cycle in `components/{section}` ({route}): the reference never reaches an object (progenitor overflows its stack following it); make one of them the object itself"
                            ),
                        ));
                        reported.extend(cycle.iter().cloned());
                    }
                    // A chain into a cycle it is not on is reported at the cycle.
                    break;
                }
                chain.push(next.to_string());
                at = next.to_string();
            }
        }
    }
    hits
}

/// The component names `schema` *is* (not contains): its `$ref`, and those
/// of its `allOf`/`oneOf`/`anyOf` members, recursively.
fn transparent_refs(schema: &Value, out: &mut BTreeSet<String>) {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        if let Some(name) = reference.strip_prefix("#/components/schemas/") {
            out.insert(pointer::unescape(name));
        }
        return;
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for member in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            transparent_refs(member, out);
        }
    }
}

/// The names from `start` back to `start` along `edges` (ending in
/// `start`), if there is such a route. Breadth-first, so the shortest.
fn path_back(edges: &BTreeMap<&str, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut previous: BTreeMap<String, String> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start.to_string()]);
    while let Some(node) = queue.pop_front() {
        for next in edges.get(node.as_str()).into_iter().flatten() {
            if next == start {
                let mut route = vec![start.to_string()];
                let mut at = node.clone();
                while at != start {
                    route.push(at.clone());
                    at = previous.get(&at)?.clone();
                }
                route.reverse();
                return Some(route);
            }
            if !previous.contains_key(next) {
                previous.insert(next.clone(), node.clone());
                queue.push_back(next.clone());
            }
        }
    }
    None
}
