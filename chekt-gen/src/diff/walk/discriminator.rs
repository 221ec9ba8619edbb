//! The `discriminator` of a `oneOf` / `anyOf` schema: its property and its
//! `mapping` (value → schema), by direction.

use serde_json::Value;

use super::view::View;
use super::{Dir, Node, Raw, Walker, code, deref, entries, items, raw, show};
use crate::diff::rules::{request_schema, response_schema};
use crate::pointer;

impl<'a> Walker<'a> {
    /// A renamed (added, removed) `propertyName` is one change, which
    /// changes no payload when the property is one every alternative
    /// already carries (`*-discriminator-added` / `-removed`, non-
    /// functional); with the same property, each `mapping` value removed,
    /// added or pointing at a schema of another shape is one, where a value
    /// written out (or dropped) that the implicit mapping selects anyway is
    /// none. A mapping target is `#/…` or a component name (OpenAPI 3.0.3
    /// §4.7.25).
    pub(super) fn discriminator(&mut self, dir: Dir, o: &View<'a>, n: &View<'a>) -> Vec<Raw> {
        let (od, nd) = (o.located("discriminator"), n.located("discriminator"));
        if od.is_none() && nd.is_none() {
            return Vec::new();
        }
        let (op, np) = (
            od.as_ref().map_or(o.pointer(), |(p, _)| p.as_str()),
            nd.as_ref().map_or(n.pointer(), |(p, _)| p.as_str()),
        );
        let name = |d: &Option<Node<'a>>| d.as_ref().and_then(|(_, v)| v.get("propertyName"));
        let (oname, nname) = (name(&od), name(&nd));
        if oname != nname {
            // Adding a discriminator over a property the payloads already
            // carry (or dropping one whose property stays) changes no payload.
            let (rule, message) = match (oname, nname) {
                (None, Some(added)) if carried(self.new, n, added, true) => (
                    dir.pick(
                        request_schema::REQUEST_DISCRIMINATOR_ADDED,
                        response_schema::RESPONSE_DISCRIMINATOR_ADDED,
                    ),
                    format!(
                        "discriminator added over the existing property {}",
                        show(Some(added))
                    ),
                ),
                (Some(removed), None) if carried(self.new, n, removed, false) => (
                    dir.pick(
                        request_schema::REQUEST_DISCRIMINATOR_REMOVED,
                        response_schema::RESPONSE_DISCRIMINATOR_REMOVED,
                    ),
                    format!(
                        "discriminator removed; every alternative still requires {}",
                        show(Some(removed))
                    ),
                ),
                _ => (
                    dir.pick(
                        request_schema::REQUEST_DISCRIMINATOR_CHANGED,
                        response_schema::RESPONSE_DISCRIMINATOR_CHANGED,
                    ),
                    format!("discriminator property {} → {}", show(oname), show(nname)),
                ),
            };
            return vec![raw(rule, op, np, oname, nname, message)];
        }
        let mapping = |d: &Option<Node<'a>>| d.as_ref().and_then(|(_, v)| v.get("mapping"));
        let (om, nm) = (mapping(&od), mapping(&nd));
        let mut out = Vec::new();
        for (value, target) in entries(om) {
            let Some(new_target) = nm.and_then(|m| m.get(value)) else {
                // Still selecting the same schema, now implicitly.
                if selects(self.new, n, value, mapped(self.old, target)) {
                    continue;
                }
                out.push(raw(
                    dir.pick(
                        request_schema::REQUEST_DISCRIMINATOR_MAPPING_REMOVED,
                        response_schema::RESPONSE_DISCRIMINATOR_MAPPING_REMOVED,
                    ),
                    &pointer::join_onto(op, ["mapping", value]),
                    np,
                    Some(target),
                    None,
                    format!("discriminator value {} removed", code(value)),
                ));
                continue;
            };
            let same = match (mapped(self.old, target), mapped(self.new, new_target)) {
                (Some(a), Some(b)) => self.schema(dir, a, b).is_empty(),
                _ => target == new_target,
            };
            if !same {
                out.push(raw(
                    dir.pick(
                        request_schema::REQUEST_DISCRIMINATOR_MAPPING_CHANGED,
                        response_schema::RESPONSE_DISCRIMINATOR_MAPPING_CHANGED,
                    ),
                    &pointer::join_onto(op, ["mapping", value]),
                    &pointer::join_onto(np, ["mapping", value]),
                    Some(target),
                    Some(new_target),
                    format!(
                        "discriminator value {} now selects {}",
                        code(value),
                        show(Some(new_target))
                    ),
                ));
            }
        }
        for (value, target) in entries(nm) {
            // A value written out that already selected the schema
            // implicitly is no new value.
            if om.and_then(|m| m.get(value)).is_none()
                && !selects(self.old, o, value, mapped(self.new, target))
            {
                out.push(raw(
                    dir.pick(
                        request_schema::REQUEST_DISCRIMINATOR_MAPPING_ADDED,
                        response_schema::RESPONSE_DISCRIMINATOR_MAPPING_ADDED,
                    ),
                    op,
                    &pointer::join_onto(np, ["mapping", value]),
                    None,
                    Some(target),
                    format!("discriminator value {} added", code(value)),
                ));
            }
        }
        out
    }
}

/// Each `oneOf`/`anyOf` alternative of `view` with the discriminator
/// values that select it: its explicit `mapping` entries, else its
/// component name (OpenAPI 3.0.3 §4.7.25: the implicit mapping of a
/// `$ref`'d schema); empty for an inline alternative nothing maps.
fn selections<'a>(root: &'a Value, view: &View<'a>) -> Vec<(Node<'a>, Vec<&'a str>)> {
    let mapping = view
        .get("discriminator")
        .and_then(|d| d.get("mapping"))
        .and_then(Value::as_object);
    let mut selected = Vec::new();
    for keyword in ["oneOf", "anyOf"] {
        let Some((at, list)) = view.located(keyword) else {
            continue;
        };
        for (i, alt) in items(Some(list)) {
            let implicit = alt
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"));
            let node = deref(root, (pointer::push(&at, i.to_string()), alt));
            let explicit: Vec<&str> = mapping
                .into_iter()
                .flatten()
                .filter(|(_, target)| mapped(root, target).is_some_and(|(p, _)| p == node.0))
                .map(|(value, _)| value.as_str())
                .collect();
            let values = if explicit.is_empty() {
                implicit.into_iter().collect()
            } else {
                explicit
            };
            selected.push((node, values));
        }
    }
    selected
}

/// Whether `value` selects the schema at `target` (a pointer) among the
/// alternatives of `view`.
fn selects<'a>(root: &'a Value, view: &View<'a>, value: &str, target: Option<Node<'_>>) -> bool {
    let Some((target, _)) = target else {
        return false;
    };
    selections(root, view)
        .iter()
        .any(|((at, _), values)| *at == target && values.contains(&value))
}

/// Whether the discriminator property `name` of `view` (a `oneOf`/`anyOf`,
/// or a base schema other schemas extend with `allOf`) is one its payloads
/// carry: every alternative requires it, and, when `values`, each value
/// that selects an alternative ([`selections`]) is one that alternative's
/// property accepts (its `enum`, when it has one; an alternative no value
/// selects fails).
fn carried<'a>(root: &'a Value, view: &View<'a>, name: &Value, values: bool) -> bool {
    let Some(name) = name.as_str() else {
        return false;
    };
    let selected = selections(root, view);
    if selected.is_empty() {
        // A base schema: the property is its own.
        return view.required().contains(name) && view.properties().contains_key(name);
    }
    selected.into_iter().all(|(node, selecting)| {
        let alt = View::new(root, node);
        let Some(property) = alt.properties().get(name).cloned() else {
            return false;
        };
        let property = View::new(root, deref(root, property));
        let accepts = |value: &str| {
            property
                .get("enum")
                .and_then(Value::as_array)
                .is_none_or(|values| values.iter().any(|v| v.as_str() == Some(value)))
        };
        alt.required().contains(name)
            && (!values || (!selecting.is_empty() && selecting.into_iter().all(accepts)))
    })
}

/// The schema a mapping target names in `root`: `#/pointer`, or the name
/// of a component schema.
fn mapped<'a>(root: &'a Value, target: &Value) -> Option<Node<'a>> {
    let target = target.as_str()?;
    let at = match target.strip_prefix('#') {
        Some(at) => at.to_string(),
        None => pointer::join(["components", "schemas", target]),
    };
    let value = root.pointer(&at)?;
    Some((at, value))
}
