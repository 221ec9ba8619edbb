//! A schema seen through its `allOf` members.

use std::collections::BTreeSet;

use indexmap::IndexMap;
use serde_json::Value;

use super::{Node, deref, entries, items};
use crate::pointer;

/// A schema with its `allOf` members merged in: keywords are looked up in
/// the schema first, then in each member; properties and `required` are the
/// union. Moving a property into an `allOf` base is therefore no change.
pub(super) struct View<'a> {
    parts: Vec<Node<'a>>,
    root: &'a Value,
}

impl<'a> View<'a> {
    pub(super) fn new(root: &'a Value, node: Node<'a>) -> Self {
        let mut view = View {
            parts: Vec::new(),
            root,
        };
        view.add(node, 0);
        view
    }

    fn add(&mut self, (ptr, value): Node<'a>, depth: usize) {
        if depth > 16 || self.parts.iter().any(|(p, _)| *p == ptr) {
            return;
        }
        let members: Vec<Node<'a>> = items(value.get("allOf"))
            .map(|(i, m)| {
                deref(
                    self.root,
                    (pointer::join_onto(&ptr, ["allOf", &i.to_string()]), m),
                )
            })
            .collect();
        self.parts.push((ptr, value));
        for member in members {
            self.add(member, depth + 1);
        }
    }

    pub(super) fn pointer(&self) -> &str {
        self.parts.first().map_or("", |(p, _)| p.as_str())
    }

    pub(super) fn value(&self) -> &'a Value {
        self.parts.first().map_or(&Value::Null, |(_, v)| v)
    }

    pub(super) fn located(&self, keyword: &str) -> Option<Node<'a>> {
        self.parts
            .iter()
            .find_map(|(p, v)| Some((pointer::push(p, keyword), v.get(keyword)?)))
    }

    pub(super) fn get(&self, keyword: &str) -> Option<&'a Value> {
        self.parts.iter().find_map(|(_, v)| v.get(keyword))
    }

    pub(super) fn flag(&self, keyword: &str) -> bool {
        self.get(keyword).and_then(Value::as_bool).unwrap_or(false)
    }

    pub(super) fn properties(&self) -> IndexMap<&'a str, Node<'a>> {
        let mut props = IndexMap::new();
        for (p, v) in &self.parts {
            for (name, schema) in entries(v.get("properties")) {
                props
                    .entry(name.as_str())
                    .or_insert_with(|| (pointer::join_onto(p, ["properties", name]), schema));
            }
        }
        props
    }

    pub(super) fn required(&self) -> BTreeSet<&'a str> {
        self.parts
            .iter()
            .flat_map(|(_, v)| items(v.get("required")))
            .filter_map(|(_, name)| name.as_str())
            .collect()
    }
}
