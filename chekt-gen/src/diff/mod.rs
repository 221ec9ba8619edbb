//! Stage 5: the breaking-change report between two versions of a spec, on
//! two axes.
//!
//! - The wire: [`diff`] walks both documents side by side, resolving `$ref`s
//!   on each side (so moving or renaming a component is not a change), and
//!   judges every difference from the client's side: requests from the
//!   sender's, responses from the reader's. Classification and explanation
//!   come only from the rule table in [`rules`], unless a team reclassifies
//!   a rule ([`Reclassify`]).
//! - The crate: with [`DiffOptions::crate_axis`], both specs are rendered
//!   with the generator and their public Rust items compared
//!   ([`crate_axis`], semver rules documented there); every change says
//!   what it does to the generated crate, and the suggested bump comes from
//!   this axis.
//!
//! Bad input is an error, never "no changes": both documents' `$ref`s are
//! checked first (`refs.rs`). [`render`] prints the report as Markdown, JSON
//! or text.

use serde::Serialize;
use serde_json::Value;

use crate::error::Result;
use crate::generate::GenerateOptions;
use crate::load::Spec;
use crate::report::Finding;

mod accepted;
pub mod api;
pub mod crate_axis;
pub mod deprecation;
mod reclassify;
mod refs;
pub mod render;
pub mod rules;
mod walk;

pub use accepted::{Acceptance, AcceptedChanges, Stale, parse_accepted};
pub use crate_axis::{ApiChange, CrateAxis, CrateEffect};
pub use deprecation::Deprecation;
pub use reclassify::{Reclassify, RulesFile, parse_rules};
pub use rules::{Class, RULES, Rule};

/// A boolean `x-…` extension whose setting or clearing the diff reports as
/// a notice (`flag-extension-set` / `flag-extension-cleared`), e.g.
/// `x-chekt-inferred`. The engine knows no extension by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagExtension {
    /// The key, e.g. `x-chekt-inferred`.
    pub name: String,
    /// What it means when it is set.
    pub set: String,
    /// What it means when it is cleared.
    pub cleared: String,
}

impl FlagExtension {
    /// An extension `name` with the meanings of setting and clearing it.
    pub fn new(
        name: impl Into<String>,
        set: impl Into<String>,
        cleared: impl Into<String>,
    ) -> Self {
        FlagExtension {
            name: name.into(),
            set: set.into(),
            cleared: cleared.into(),
        }
    }
}

/// How to diff. The default compares the wire only, watches no flags and
/// judges sunsets against today's date.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    /// Flag extensions to report.
    pub flags: Vec<FlagExtension>,
    /// How removals of deprecated items are judged ([`deprecation`]).
    pub deprecation: Deprecation,
    /// Also compare the generated crates, rendering both sides with these
    /// options.
    pub crate_axis: Option<GenerateOptions>,
}

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
    /// What the change does to the generated crate (`None` when the crate
    /// axis was not compared).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crate_api: Option<CrateEffect>,
    /// The entry of the acknowledged-changes file that accepts it
    /// ([`Report::accept`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted: Option<Acceptance>,
}

impl Change {
    /// A removal the deprecation policy scheduled (`removed-after-sunset`).
    pub fn is_scheduled(&self) -> bool {
        self.rule == rules::deprecation::REMOVED_AFTER_SUNSET.id
    }

    /// Accepted in the acknowledged-changes file, or scheduled: reported
    /// apart, and never failing the run.
    pub fn is_acknowledged(&self) -> bool {
        self.accepted.is_some() || self.is_scheduled()
    }
}

/// A lint error of one side: the diff judges around it ([`Report::invalid`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Invalid {
    /// `old` or `new`.
    pub side: &'static str,
    /// The lint's finding (rule, pointer, operation, message).
    pub finding: Finding,
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
    /// The crate axis: compared, unavailable (and why) or not computed.
    pub crate_axis: CrateAxis,
    /// Lint errors of either side, said up front: path parameters of an
    /// operation whose template and declarations disagree on a side are not
    /// judged, so no move or removal is made up from a spec error.
    pub invalid: Vec<Invalid>,
    /// Entries of the acknowledged-changes file that matched no change.
    pub stale: Vec<Stale>,
}

impl Report {
    /// The changes of one class.
    pub fn of(&self, class: Class) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(move |c| c.class == class)
    }

    /// Whether anything breaks clients on the wire (acknowledged or not).
    pub fn is_breaking(&self) -> bool {
        self.of(Class::Breaking).next().is_some()
    }

    /// The breaking changes nobody accepted or scheduled: these fail a run.
    pub fn unacknowledged(&self) -> impl Iterator<Item = &Change> {
        self.of(Class::Breaking).filter(|c| !c.is_acknowledged())
    }

    /// The changes the acknowledged-changes file accepts.
    pub fn accepted(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.accepted.is_some())
    }

    /// The removals the deprecation policy scheduled.
    pub fn scheduled(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.is_scheduled())
    }

    /// The bump the wire changes alone would call for.
    pub fn wire_bump(&self) -> Bump {
        match self.changes.iter().map(|c| c.class).min() {
            Some(Class::Breaking) => Bump::Major,
            Some(Class::Additive) => Bump::Minor,
            _ => Bump::Patch,
        }
    }

    /// The crate axis's bump, when it was compared.
    pub fn crate_bump(&self) -> Option<Bump> {
        match &self.crate_axis {
            CrateAxis::Compared { bump, .. } => Some(*bump),
            _ => None,
        }
    }

    /// The suggested semver bump for the generated crate: the crate axis's
    /// when it was compared, else the wire's.
    pub fn bump(&self) -> Bump {
        self.crate_bump().unwrap_or_else(|| self.wire_bump())
    }
}

impl Report {
    /// Whether the report fails under `fail_on`: a breaking wire change
    /// that is neither accepted nor scheduled, a major crate-axis bump that
    /// such a change (or no wire change) causes, or either.
    pub fn fails(&self, fail_on: FailOn) -> bool {
        let wire = self.unacknowledged().next().is_some();
        let krate = match &self.crate_axis {
            CrateAxis::Compared {
                bump: Bump::Major,
                unattributed,
            } => {
                unattributed.iter().any(|i| i.bump == Bump::Major)
                    || self.changes.iter().any(|c| {
                        !c.is_acknowledged()
                            && c.crate_api.as_ref().is_some_and(|e| e.bump == Bump::Major)
                    })
            }
            _ => false,
        };
        match fail_on {
            FailOn::Wire => wire,
            FailOn::Crate => krate,
            FailOn::Any => wire || krate,
        }
    }
}

/// Which axis decides the exit code of `cargo xtask diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailOn {
    /// A breaking wire change.
    Wire,
    /// A major change to the generated crate.
    Crate,
    /// Either.
    #[default]
    Any,
}

impl std::str::FromStr for FailOn {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "wire" => Ok(FailOn::Wire),
            "crate" => Ok(FailOn::Crate),
            "any" => Ok(FailOn::Any),
            other => Err(format!(
                "unknown axis `{other}`; expected wire, crate or any"
            )),
        }
    }
}

/// `text` as a Markdown code span, fenced with more backticks than any run
/// inside it (CommonMark §6.1) and padded when it starts or ends with one.
pub(crate) fn code_span(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// Compares `old` with `new` on the wire only, watching no flags.
///
/// # Errors
/// [`crate::Error::Schema`] naming the file and pointer of a dangling,
/// external or cyclic `$ref` on either side.
pub fn diff(old: &Spec, new: &Spec) -> Result<Report> {
    diff_with(old, new, &DiffOptions::default())
}

/// Compares `old` with `new` as `options` say.
///
/// # Errors
/// As [`diff`]. A side that cannot be generated is not an error: the crate
/// axis is then [`CrateAxis::Unavailable`] with the reason.
pub fn diff_with(old: &Spec, new: &Spec, options: &DiffOptions) -> Result<Report> {
    refs::check(old)?;
    refs::check(new)?;
    let mut changes: Vec<Change> = Vec::new();
    let mut walker = walk::Walker::new(old.value(), new.value(), &options.flags)
        .with_policy(options.deprecation);
    for (operation, raw) in walker.document() {
        let same = changes.iter().position(|c| {
            c.rule == raw.rule.id
                && c.old_pointer == raw.old_pointer
                && c.new_pointer == raw.new_pointer
                && c.message == raw.message
        });
        let index = same.unwrap_or_else(|| {
            changes.push(Change {
                class: raw.rule.class,
                rule: raw.rule.id,
                operations: Vec::new(),
                old_pointer: raw.old_pointer,
                new_pointer: raw.new_pointer,
                old: raw.old,
                new: raw.new,
                message: raw.message,
                explanation: raw.rule.explanation,
                reclassified_from: None,
                crate_api: None,
                accepted: None,
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
    let crate_axis = match &options.crate_axis {
        None => CrateAxis::NotComputed,
        Some(generate) => {
            let side = |label: &str, spec: &Spec| {
                crate_axis::surface(spec, generate).map_err(|why| {
                    format!(
                        "the {label} side ({}) cannot be generated: {why}",
                        spec.name()
                    )
                })
            };
            match (side("old", old), side("new", new)) {
                (Ok(o), Ok(n)) => {
                    crate_axis::attribute(&mut changes, crate_axis::compare(&o, &n), old, new)
                }
                (Err(reason), _) | (_, Err(reason)) => CrateAxis::Unavailable { reason },
            }
        }
    };
    Ok(Report {
        old: old.name().to_string(),
        new: new.name().to_string(),
        changes,
        crate_axis,
        invalid: invalid(old, new),
        stale: Vec::new(),
    })
}

/// The lint errors of both sides.
fn invalid(old: &Spec, new: &Spec) -> Vec<Invalid> {
    [("old", old), ("new", new)]
        .into_iter()
        .flat_map(|(side, spec)| {
            crate::lint::lint(spec)
                .errors()
                .map(|finding| Invalid {
                    side,
                    finding: finding.clone(),
                })
                .collect::<Vec<_>>()
        })
        .collect()
}
