//! The `discriminator` of a `oneOf` / `anyOf` schema: its property and its
//! `mapping` (value → schema), by direction.

use serde_json::Value;

use super::view::View;
use super::{Dir, Node, Raw, Walker, code, entries, raw, show};
use crate::diff::rules::{request_schema, response_schema};
use crate::pointer;

impl<'a> Walker<'a> {
    /// A renamed (added, removed) `propertyName` is one change; with the
    /// same property, each `mapping` value removed, added or pointing at a
    /// schema of another shape is one. A mapping target is `#/…` or a
    /// component name (OpenAPI 3.0.3 §4.7.25).
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
            return vec![raw(
                dir.pick(
                    request_schema::REQUEST_DISCRIMINATOR_CHANGED,
                    response_schema::RESPONSE_DISCRIMINATOR_CHANGED,
                ),
                op,
                np,
                oname,
                nname,
                format!("discriminator property {} → {}", show(oname), show(nname)),
            )];
        }
        let mapping = |d: &Option<Node<'a>>| d.as_ref().and_then(|(_, v)| v.get("mapping"));
        let (om, nm) = (mapping(&od), mapping(&nd));
        let mut out = Vec::new();
        for (value, target) in entries(om) {
            let Some(new_target) = nm.and_then(|m| m.get(value)) else {
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
            if om.and_then(|m| m.get(value)).is_none() {
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
