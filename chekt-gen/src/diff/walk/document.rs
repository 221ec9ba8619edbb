//! The document level: servers, security schemes, and matching the two
//! documents' operations (by method and path template with parameter names
//! blanked, so a renamed path parameter keeps the endpoint).

use std::collections::{BTreeMap, HashMap};

use indexmap::IndexMap;
use serde_json::{Value, json};

use super::operation::effective_security;
use super::{Node, Raw, Walker, code, deref, entries, items, raw, show, str_of};
use crate::diff::deprecation::Sunset;
use crate::diff::rules::{document, endpoint};
use crate::load::METHODS;
use crate::pointer;

/// An operation found under `paths`.
pub(super) struct Op<'a> {
    pub(super) label: String,
    /// The path template as written.
    pub(super) path: String,
    pub(super) pointer: String,
    pub(super) op: &'a Value,
    pub(super) item_pointer: String,
    pub(super) item: &'a Value,
}

/// Operations keyed by method and path template with parameter names
/// blanked, so that renaming `{id}` to `{siteId}` keeps the endpoint.
pub(super) fn operations(root: &Value) -> IndexMap<(String, String), Op<'_>> {
    let mut ops = IndexMap::new();
    for (path, item) in entries(root.get("paths")) {
        let (item_pointer, item) = deref(root, (pointer::join(["paths", path]), item));
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let key = (method.to_string(), blank_parameters(path));
            ops.insert(
                key,
                Op {
                    label: format!("{} {path}", method.to_uppercase()),
                    path: path.clone(),
                    pointer: pointer::push(&item_pointer, method),
                    op,
                    item_pointer: item_pointer.clone(),
                    item,
                },
            );
        }
    }
    ops
}

/// What a security scheme asks of clients: type, location, name and flow
/// URLs (descriptions and scope texts aside).
fn shape(s: &Value) -> Value {
    let flows: BTreeMap<&String, _> = entries(s.get("flows"))
        .map(|(flow, f)| {
            (
                flow,
                [
                    f.get("tokenUrl"),
                    f.get("authorizationUrl"),
                    f.get("refreshUrl"),
                ],
            )
        })
        .collect();
    json!([
        s.get("type"),
        s.get("scheme"),
        s.get("in"),
        s.get("name"),
        s.get("openIdConnectUrl"),
        flows
    ])
}

fn blank_parameters(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            _ if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

impl<'a> Walker<'a> {
    pub(in crate::diff) fn document(&mut self) -> Vec<(Option<String>, Raw)> {
        let mut out: Vec<(Option<String>, Raw)> = self
            .servers()
            .into_iter()
            .chain(self.security_schemes())
            .map(|r| (None, r))
            .collect();
        let (old_ops, new_ops) = (operations(self.old), operations(self.new));
        for (key, o) in &old_ops {
            match new_ops.get(key) {
                Some(n) => {
                    let label = n.label.clone();
                    out.extend(
                        self.operation(o, n)
                            .into_iter()
                            .map(|r| (Some(label.clone()), r)),
                    );
                }
                None => {
                    let (rule, why) = self.removal(endpoint::ENDPOINT_REMOVED, Sunset::of(o.op));
                    out.push((
                        Some(o.label.clone()),
                        raw(
                            rule,
                            &o.pointer,
                            "/paths",
                            str_of(o.op, "operationId").map(Value::from).as_ref(),
                            None,
                            format!("{} removed{why}", code(&o.label)),
                        ),
                    ));
                }
            }
        }
        for (key, n) in &new_ops {
            if !old_ops.contains_key(key) {
                out.push((
                    Some(n.label.clone()),
                    raw(
                        endpoint::ENDPOINT_ADDED,
                        "/paths",
                        &n.pointer,
                        None,
                        str_of(n.op, "operationId").map(Value::from).as_ref(),
                        format!("{} added", code(&n.label)),
                    ),
                ));
            }
        }
        out
    }

    fn servers(&self) -> Vec<Raw> {
        let urls = |root: &'a Value| -> Vec<(String, &'a Value)> {
            items(root.get("servers"))
                .filter_map(|(i, s)| Some((format!("/servers/{i}"), s.get("url")?)))
                .collect()
        };
        let (old, new) = (urls(self.old), urls(self.new));
        let mut out = Vec::new();
        for (p, url) in &old {
            if !new.iter().any(|(_, u)| u == url) {
                out.push(raw(
                    document::SERVER_REMOVED,
                    p,
                    "/servers",
                    Some(url),
                    None,
                    format!("server {} removed", show(Some(url))),
                ));
            }
        }
        for (p, url) in &new {
            if !old.iter().any(|(_, u)| u == url) {
                out.push(raw(
                    document::SERVER_ADDED,
                    "/servers",
                    p,
                    None,
                    Some(url),
                    format!("server {} added", show(Some(url))),
                ));
            }
        }
        out
    }

    /// Schemes removed, added or changed. A removed scheme of the same
    /// shape (type, location, flow URLs) as an added one was renamed: one
    /// notice, and operations' requirements are compared under the new name.
    fn security_schemes(&mut self) -> Vec<Raw> {
        let schemes = |root: &'a Value| -> IndexMap<&'a str, Node<'a>> {
            entries(root.pointer("/components/securitySchemes"))
                .map(|(name, s)| {
                    let node = (pointer::join(["components", "securitySchemes", name]), s);
                    (name.as_str(), deref(root, node))
                })
                .collect()
        };
        let (old, new) = (schemes(self.old), schemes(self.new));
        let old_ops = operations(self.old);
        let used = |name: &str| {
            old_ops.values().any(|o| {
                effective_security(self.old, o)
                    .1
                    .iter()
                    .any(|alt| alt.contains_key(name))
            })
        };
        let mut out = Vec::new();
        let mut renamed = HashMap::new();
        for (name, (op, ov)) in &old {
            if new.contains_key(name) {
                continue;
            }
            let to = new.iter().find(|(n, (_, nv))| {
                !old.contains_key(*n)
                    && !renamed.values().any(|t: &String| t == *n)
                    && shape(nv) == shape(ov)
            });
            if let Some((to, (np, _))) = to {
                out.push(raw(
                    document::SECURITY_SCHEME_RENAMED,
                    op,
                    np,
                    Some(&Value::from(*name)),
                    Some(&Value::from(*to)),
                    format!("security scheme {} renamed to {}", code(name), code(to)),
                ));
                renamed.insert(name.to_string(), to.to_string());
            }
        }
        for (name, (op, ov)) in &old {
            if renamed.contains_key(*name) {
                continue;
            }
            let Some((np, nv)) = new.get(name) else {
                let rule = if used(name) {
                    document::SECURITY_SCHEME_REMOVED
                } else {
                    document::SECURITY_SCHEME_REMOVED_UNUSED
                };
                out.push(raw(
                    rule,
                    op,
                    "/components/securitySchemes",
                    Some(ov),
                    None,
                    format!("security scheme {name} removed", name = code(name)),
                ));
                continue;
            };
            let (os, ns) = (shape(ov), shape(nv));
            if os != ns {
                out.push(raw(
                    document::SECURITY_SCHEME_CHANGED,
                    op,
                    np,
                    Some(&os),
                    Some(&ns),
                    format!(
                        "security scheme {name} changed (type, location or flow URLs)",
                        name = code(name)
                    ),
                ));
            }
        }
        for (name, (np, nv)) in &new {
            if !old.contains_key(name) && !renamed.values().any(|t| t == name) {
                out.push(raw(
                    document::SECURITY_SCHEME_ADDED,
                    "/components/securitySchemes",
                    np,
                    None,
                    Some(nv),
                    format!("security scheme {name} added", name = code(name)),
                ));
            }
        }
        self.renamed_schemes = renamed;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::blank_parameters;

    #[test]
    fn path_parameters_are_blanked() {
        assert_eq!(blank_parameters("/a/{id}/b/{x}"), "/a/{}/b/{}");
        assert_eq!(blank_parameters("/a"), "/a");
    }
}
