//! The comparison: walks two documents side by side, following `$ref`s on
//! each side on its own, so that meaning is compared rather than layout.
//! Schema pairs are memoized by their pointers and a pair already being
//! compared is taken as equal, which ends recursion through cyclic schemas.
//!
//! One module per thing walked: [`document`] (servers, security schemes,
//! matching operations), [`operation`] (an operation's id, flags and
//! security), [`parameters`], [`bodies`] (request bodies, responses,
//! headers), [`schema`] with [`constraints`], [`composition`] and
//! [`discriminator`], over
//! [`view`]s of schemas; [`sunset`] applies the deprecation policy.
//! Rules are named only through the family constants of [`super::rules`].

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::deprecation::Deprecation;
use super::rules::Rule;
use super::{FlagExtension, code_span};
use crate::pointer;

mod bodies;
mod composition;
mod constraints;
mod discriminator;
mod document;
mod operation;
mod parameters;
mod schema;
mod sunset;
mod view;

/// Which way a value travels, and so whose side a change is judged from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Dir {
    /// Sent by the client.
    Request,
    /// Read by the client.
    Response,
}

impl Dir {
    fn pick(self, request: Rule, response: Rule) -> Rule {
        self.pick_with(request, response)
    }

    fn pick_with<T>(self, request: T, response: T) -> T {
        match self {
            Dir::Request => request,
            Dir::Response => response,
        }
    }
}

/// One change, before it is attributed to operations.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Raw {
    pub rule: Rule,
    pub old_pointer: String,
    pub new_pointer: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
    pub message: String,
}

/// A value and its pointer in its document.
type Node<'a> = (String, &'a Value);

fn raw(
    rule: Rule,
    old_pointer: &str,
    new_pointer: &str,
    old: Option<&Value>,
    new: Option<&Value>,
    message: String,
) -> Raw {
    Raw {
        rule,
        old_pointer: old_pointer.to_string(),
        new_pointer: new_pointer.to_string(),
        old: old.cloned(),
        new: new.cloned(),
        message,
    }
}

/// Follows local `$ref`s with the shared resolver ([`pointer::follow`]).
/// Both documents are checked before the walk ([`super::refs`]), so a chain
/// that cannot be followed does not occur; if it did, the node is kept.
fn deref<'a>(root: &'a Value, (ptr, value): Node<'a>) -> Node<'a> {
    match pointer::follow(root, ptr.clone(), value) {
        Ok(node) => node,
        Err(_) => (ptr, value),
    }
}

fn flag(value: &Value, key: &str) -> bool {
    value.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn str_of<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

fn entries(value: Option<&Value>) -> impl Iterator<Item = (&String, &Value)> {
    value.and_then(Value::as_object).into_iter().flatten()
}

fn items(value: Option<&Value>) -> impl Iterator<Item = (usize, &Value)> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
}

fn list<T: std::fmt::Display>(values: &[T]) -> String {
    values
        .iter()
        .map(|v| code(v.to_string()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A name from the document (property, parameter, media type, …) as a
/// Markdown code span that survives backticks; HTML in it stays literal.
fn code(text: impl AsRef<str>) -> String {
    code_span(text.as_ref())
}

/// A value as a Markdown code span, fenced with more backticks than any
/// run inside it (CommonMark §6.1) so a value holding backticks stays one
/// span; `(none)` when absent.
fn show(value: Option<&Value>) -> String {
    value.map_or_else(|| "(none)".to_string(), |v| code_span(&v.to_string()))
}

/// The walker over one pair of documents.
pub(super) struct Walker<'a> {
    old: &'a Value,
    new: &'a Value,
    flags: &'a [FlagExtension],
    /// How removals of deprecated items are judged.
    policy: Deprecation,
    memo: HashMap<(String, String, Dir), Vec<Raw>>,
    active: HashSet<(String, String, Dir)>,
    cycles: usize,
    /// Security schemes renamed (old name → new name), found by
    /// [`Walker::document`] before operations are compared.
    renamed_schemes: HashMap<String, String>,
}

impl<'a> Walker<'a> {
    pub(super) fn new(old: &'a Value, new: &'a Value, flags: &'a [FlagExtension]) -> Self {
        Walker {
            old,
            new,
            flags,
            policy: Deprecation::default(),
            memo: HashMap::new(),
            active: HashSet::new(),
            cycles: 0,
            renamed_schemes: HashMap::new(),
        }
    }

    /// Judges removals of deprecated items by `policy`, reading the clock
    /// (when `policy` gives no today) once for the whole walk.
    pub(super) fn with_policy(mut self, policy: Deprecation) -> Self {
        self.policy = Deprecation {
            today: Some(policy.today()),
            ..policy
        };
        self
    }
}
