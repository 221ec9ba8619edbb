//! Stage 5: the breaking-change report between two versions of a spec.
//!
//! [`diff`] walks both documents side by side, resolving `$ref`s on each side
//! (so moving or renaming a component is not a change), and judges every
//! difference from the client's side: requests from the sender's, responses
//! from the reader's. Classification and explanation come only from the rule
//! table in [`rules`], unless a team reclassifies a rule ([`Reclassify`]);
//! [`render`] prints the report as Markdown, JSON or text.

use serde::Serialize;
use serde_json::Value;

use crate::load::Spec;

mod reclassify;
pub mod render;
pub mod rules;
mod walk;

pub use reclassify::{Reclassify, parse_rules};
pub use rules::{Class, RULES, Rule};

/// One change between the two documents.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// Breaking, additive or non-functional (from the rule table).
    pub class: Class,
    /// The rule's stable id.
    pub rule: &'static str,
    /// Operations affected, as `GET /path`; empty for document-level changes.
    /// A change inside a shared component is one entry for all of them.
    pub operations: Vec<String>,
    /// JSON pointer in the old document.
    pub old_pointer: String,
    /// JSON pointer in the new document.
    pub new_pointer: String,
    /// The old value, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<Value>,
    /// The new value, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<Value>,
    /// What changed.
    pub message: String,
    /// Why that matters to clients (the rule's explanation).
    pub explanation: &'static str,
    /// The rule table's class, when a [`Reclassify`] gave the change
    /// another.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reclassified_from: Option<Class>,
}

/// The version bump a change set calls for in `chekt-api`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Bump {
    /// Nothing functional changed.
    Patch,
    /// Only additive changes.
    Minor,
    /// Something breaks.
    Major,
}

impl std::fmt::Display for Bump {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        })
    }
}

/// Every change between two documents, breaking ones first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Name of the old document.
    pub old: String,
    /// Name of the new document.
    pub new: String,
    /// The changes, ordered breaking, additive, non-functional.
    pub changes: Vec<Change>,
}

impl Report {
    /// The changes of one class.
    pub fn of(&self, class: Class) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(move |c| c.class == class)
    }

    /// Whether anything breaks clients.
    pub fn is_breaking(&self) -> bool {
        self.of(Class::Breaking).next().is_some()
    }

    /// The suggested semver bump for `chekt-api`.
    pub fn bump(&self) -> Bump {
        match self.changes.iter().map(|c| c.class).min() {
            Some(Class::Breaking) => Bump::Major,
            Some(Class::Additive) => Bump::Minor,
            _ => Bump::Patch,
        }
    }
}

/// Compares `old` with `new`.
pub fn diff(old: &Spec, new: &Spec) -> Report {
    let mut changes: Vec<Change> = Vec::new();
    for (operation, raw) in walk::Walker::new(old.value(), new.value()).document() {
        let same = changes.iter().position(|c| {
            c.rule == raw.rule
                && c.old_pointer == raw.old_pointer
                && c.new_pointer == raw.new_pointer
                && c.message == raw.message
        });
        let index = same.unwrap_or_else(|| {
            let rule = rules::rule(raw.rule);
            changes.push(Change {
                class: rule.class,
                rule: rule.id,
                operations: Vec::new(),
                old_pointer: raw.old_pointer,
                new_pointer: raw.new_pointer,
                old: raw.old,
                new: raw.new,
                message: raw.message,
                explanation: rule.explanation,
                reclassified_from: None,
            });
            changes.len() - 1
        });
        let change = &mut changes[index];
        if let Some(op) = operation
            && !change.operations.contains(&op)
        {
            change.operations.push(op);
        }
    }
    changes.sort_by_key(|c| c.class);
    Report {
        old: old.name().to_string(),
        new: new.name().to_string(),
        changes,
    }
}
