//! What the diff tests share: the base spec, pointers into it, single
//! edits applied by JSON pointer, and a report's (class, rule) pairs.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chekt_gen::Spec;
use chekt_gen::diff::Class;
use serde_json::Value;

pub const BASE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/specs/diff/base.yaml");
pub const REAL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/chekt.yaml");

pub const LIST: &str = "/paths/~1pets/get";
pub const CREATE: &str = "/paths/~1pets/post";
pub const GET: &str = "/paths/~1pets~1{petId}/get";
pub const DELETE: &str = "/paths/~1pets~1{petId}/delete";
pub const SCHEMAS: &str = "/components/schemas";

/// One edit of the document, by JSON pointer.
#[derive(Clone)]
pub enum Edit {
    /// Insert or replace (`-` appends to an array).
    Set(String, Value),
    /// Remove a key or array element.
    Remove(String),
    /// Rename a key of an object, keeping its position.
    Rename(String, &'static str),
    /// Replace text everywhere in the serialized document.
    Text(&'static str, &'static str),
}

pub fn set(pointer: impl Into<String>, value: Value) -> Edit {
    Edit::Set(pointer.into(), value)
}

pub fn remove(pointer: impl Into<String>) -> Edit {
    Edit::Remove(pointer.into())
}

pub fn at(base: &str, rest: &str) -> String {
    format!("{base}{rest}")
}

pub fn split(pointer: &str) -> (&str, String) {
    let (parent, last) = pointer.rsplit_once('/').unwrap();
    (parent, last.replace("~1", "/").replace("~0", "~"))
}

pub fn apply(doc: &mut Value, edit: &Edit) {
    match edit {
        Edit::Set(pointer, value) => {
            let (parent, key) = split(pointer);
            match doc
                .pointer_mut(parent)
                .unwrap_or_else(|| panic!("no {parent}"))
            {
                Value::Object(map) => {
                    map.insert(key, value.clone());
                }
                Value::Array(items) if key == "-" => items.push(value.clone()),
                Value::Array(items) => items[key.parse::<usize>().unwrap()] = value.clone(),
                other => panic!("cannot set in {other}"),
            }
        }
        Edit::Remove(pointer) => {
            let (parent, key) = split(pointer);
            match doc
                .pointer_mut(parent)
                .unwrap_or_else(|| panic!("no {parent}"))
            {
                Value::Object(map) => {
                    map.shift_remove(&key)
                        .unwrap_or_else(|| panic!("no {pointer}"));
                }
                Value::Array(items) => {
                    items.remove(key.parse::<usize>().unwrap());
                }
                other => panic!("cannot remove from {other}"),
            }
        }
        Edit::Rename(pointer, to) => {
            let (parent, key) = split(pointer);
            let map = doc.pointer_mut(parent).unwrap().as_object_mut().unwrap();
            let entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
            assert!(entries.iter().any(|(k, _)| *k == key), "no {pointer}");
            for (k, v) in entries {
                map.insert(if k == key { to.to_string() } else { k }, v);
            }
        }
        Edit::Text(from, to) => {
            let text = doc.to_string();
            assert!(text.contains(from), "no {from} in the document");
            *doc = serde_json::from_str(&text.replace(from, to)).unwrap();
        }
    }
}

pub fn edited(base: &Spec, edits: &[Edit]) -> Spec {
    let mut doc = base.value().clone();
    for edit in edits {
        apply(&mut doc, edit);
    }
    Spec::parse("head.json", doc.to_string()).unwrap()
}

pub fn load(path: &str) -> Spec {
    Spec::from_file(path).unwrap()
}

pub fn pairs(report: &chekt_gen::diff::Report) -> Vec<(Class, &'static str)> {
    let mut pairs: Vec<_> = report.changes.iter().map(|c| (c.class, c.rule)).collect();
    pairs.sort();
    pairs
}
