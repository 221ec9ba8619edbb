//! An operation's parameters (path-level and its own), matched by name
//! (header names case-insensitively) and location; a path parameter renamed
//! in the template is matched by position, and one whose name moved to
//! another place in the template is a change of its own.

use std::collections::BTreeSet;

use indexmap::IndexMap;
use serde_json::{Value, json};

use super::document::Op;
use super::operation::flags;
use super::{Dir, Node, Raw, Walker, code, deref, flag, items, raw, str_of};
use crate::diff::deprecation::Sunset;
use crate::diff::rules::{notice, parameter};
use crate::pointer;

impl<'a> Walker<'a> {
    fn parameter_map(root: &'a Value, op: &Op<'a>) -> IndexMap<(String, String), Node<'a>> {
        let mut map = IndexMap::new();
        for (base, holder) in [(&op.item_pointer, op.item), (&op.pointer, op.op)] {
            for (i, p) in items(holder.get("parameters")) {
                let node = deref(
                    root,
                    (pointer::join_onto(base, ["parameters", &i.to_string()]), p),
                );
                let (name, loc) = (
                    str_of(node.1, "name").unwrap_or_default(),
                    str_of(node.1, "in").unwrap_or_default(),
                );
                // Header names are case-insensitive (RFC 9110 §5.1).
                let name = if loc == "header" {
                    name.to_ascii_lowercase()
                } else {
                    name.to_string()
                };
                let key = (name, loc.to_string());
                map.insert(key, node);
            }
        }
        map
    }

    pub(super) fn parameters(&mut self, o: &Op<'a>, n: &Op<'a>) -> Vec<Raw> {
        let mut old = Self::parameter_map(self.old, o);
        let mut new = Self::parameter_map(self.new, n);
        // A side whose template and path parameters disagree is a spec
        // error (the report lists it): judging its path parameters would
        // make up moves, renames or removals, so none are judged.
        if !template_declared(&o.path, &old) || !template_declared(&n.path, &new) {
            old.retain(|(_, loc), _| loc != "path");
            new.retain(|(_, loc), _| loc != "path");
        }
        let (o_list, n_list) = (
            pointer::push(&o.pointer, "parameters"),
            pointer::push(&n.pointer, "parameters"),
        );
        let mut out = Vec::new();
        let mut moved = BTreeSet::new();
        let (old_names, new_names) = (template_names(&o.path), template_names(&n.path));
        for ((name, loc), (op, ov)) in &old {
            if let Some((np, nv)) = new.get(&(name.clone(), loc.clone())) {
                let place = |names: &[String]| names.iter().position(|n| n == name);
                if loc == "path" && place(&old_names) != place(&new_names) {
                    out.push(raw(
                        parameter::PATH_PARAMETER_MOVED,
                        op,
                        np,
                        Some(&Value::from(o.path.as_str())),
                        Some(&Value::from(n.path.as_str())),
                        format!(
                            "path parameter {} moved in the template: {} → {}",
                            code(name),
                            code(&o.path),
                            code(&n.path)
                        ),
                    ));
                }
                out.extend(self.parameter(name, (op, ov), (np, nv)));
                continue;
            }
            // A path parameter whose place in the template now has another
            // name: the same URL, so a rename rather than removed + added.
            let renamed = (loc == "path")
                .then(|| old_names.iter().position(|n| n == name))
                .flatten()
                .and_then(|i| new_names.get(i))
                .map(|to| (to.clone(), "path".to_string()))
                .filter(|key| !old.contains_key(key))
                .and_then(|key| new.get(&key).map(|node| (key, node)));
            if let Some((key, (np, nv))) = renamed {
                out.push(raw(
                    parameter::PATH_PARAMETER_RENAMED,
                    op,
                    np,
                    Some(&Value::from(name.as_str())),
                    Some(&Value::from(key.0.as_str())),
                    format!(
                        "path parameter {name} renamed to {}",
                        code(&key.0),
                        name = code(name)
                    ),
                ));
                out.extend(self.parameter(name, (op, ov), (np, nv)));
                moved.insert(key);
                continue;
            }
            let elsewhere = new
                .iter()
                .find(|((n, l), _)| n == name && !old.contains_key(&(n.clone(), l.clone())));
            match elsewhere {
                Some(((_, nloc), (np, _))) => {
                    moved.insert((name.clone(), nloc.clone()));
                    out.push(raw(
                        parameter::REQUEST_PARAMETER_IN_CHANGED,
                        &pointer::push(op, "in"),
                        &pointer::push(np, "in"),
                        Some(&Value::from(loc.as_str())),
                        Some(&Value::from(nloc.as_str())),
                        format!(
                            "parameter {name} moved from {loc} to {nloc}",
                            name = code(name)
                        ),
                    ));
                }
                None => {
                    let (rule, why) =
                        self.removal(parameter::REQUEST_PARAMETER_REMOVED, Sunset::of(ov));
                    out.push(raw(
                        rule,
                        op,
                        &n_list,
                        Some(ov),
                        None,
                        format!("{loc} parameter {name} removed{why}", name = code(name)),
                    ));
                }
            }
        }
        for (key, (np, nv)) in &new {
            if old.contains_key(key) || moved.contains(key) {
                continue;
            }
            let (name, loc) = key;
            let (rule, kind) = if flag(nv, "required") {
                (parameter::REQUEST_PARAMETER_ADDED_REQUIRED, "required")
            } else {
                (parameter::REQUEST_PARAMETER_ADDED_OPTIONAL, "optional")
            };
            out.push(raw(
                rule,
                &o_list,
                np,
                None,
                Some(nv),
                format!("{kind} {loc} parameter {name} added", name = code(name)),
            ));
        }
        out
    }

    fn parameter(
        &mut self,
        name: &str,
        o: (&String, &'a Value),
        n: (&String, &'a Value),
    ) -> Vec<Raw> {
        let (op, ov) = o;
        let (np, nv) = n;
        let mut out = Vec::new();
        let (oreq, nreq) = (flag(ov, "required"), flag(nv, "required"));
        if oreq != nreq {
            let rule = if nreq {
                parameter::REQUEST_PARAMETER_BECAME_REQUIRED
            } else {
                parameter::REQUEST_PARAMETER_BECAME_OPTIONAL
            };
            let word = if nreq { "required" } else { "optional" };
            out.push(raw(
                rule,
                &pointer::push(op, "required"),
                &pointer::push(np, "required"),
                Some(&Value::Bool(oreq)),
                Some(&Value::Bool(nreq)),
                format!("parameter {name} is now {word}", name = code(name)),
            ));
        }
        let (os, ns) = (serialization(ov), serialization(nv));
        if os != ns {
            out.push(raw(
                parameter::REQUEST_PARAMETER_STYLE_CHANGED,
                op,
                np,
                Some(&os),
                Some(&ns),
                format!(
                    "parameter {name} style/explode {os} → {ns}",
                    name = code(name)
                ),
            ));
        }
        out.extend(flags(
            self.flags,
            notice::PARAMETER_DEPRECATED,
            "parameter",
            (op, ov),
            (np, nv),
        ));
        out.extend(self.sunset_notice("parameter", (op, ov), (np, nv)));
        if let (Some(os), Some(ns)) = (ov.get("schema"), nv.get("schema")) {
            out.extend(self.schema(
                Dir::Request,
                (pointer::push(op, "schema"), os),
                (pointer::push(np, "schema"), ns),
            ));
        } else if ov.get("content").is_some() && nv.get("content").is_some() {
            // A parameter described by `content` is compared like a body:
            // media types, a schema added where there was none, the schema.
            out.extend(self.content(Dir::Request, (op, ov), (np, nv)));
        }
        out
    }
}

/// The parameter's effective `style` and `explode`, defaults applied;
/// `{"content": true}` for a parameter serialized as a media type
/// (`content`), so that switching between the two is a style change.
fn serialization(param: &Value) -> Value {
    if param.get("content").is_some() {
        return json!({ "content": true });
    }
    let style = str_of(param, "style").unwrap_or(match str_of(param, "in") {
        Some("query" | "cookie") => "form",
        _ => "simple",
    });
    let explode = param
        .get("explode")
        .and_then(Value::as_bool)
        .unwrap_or(style == "form");
    json!({ "style": style, "explode": explode })
}
/// Whether the path parameters declared are exactly the template's names
/// (OpenAPI 3.0.3 §4.7.12: each template name is declared, and a path
/// parameter names a template expression).
fn template_declared(path: &str, declared: &IndexMap<(String, String), Node<'_>>) -> bool {
    let names: BTreeSet<String> = template_names(path).into_iter().collect();
    let params: BTreeSet<String> = declared
        .keys()
        .filter(|(_, loc)| loc == "path")
        .map(|(name, _)| name.clone())
        .collect();
    names == params
}

/// The parameter names of a path template, in order: `/a/{x}/b/{y}` →
/// `[x, y]`.
fn template_names(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_string()))
        .collect()
}
