//! The crate axis: what a change does to the public API of the generated
//! client. Both specs are rendered with the same [`GenerateOptions`], their
//! public items read with `syn` ([`Surface`]) and compared; each item change
//! is attributed to the wire changes it comes from.
//!
//! Semver rules applied (the Cargo book's "SemVer Compatibility" chapter,
//! applied to generated code as it is generated today):
//!
//! - an item removed, or its signature changed (a field's Rust type, a
//!   setter's argument type, a method's arguments or return type, a type
//!   becoming `#[non_exhaustive]`): **major**;
//! - a public field added to a struct whose fields are all public and that
//!   is not `#[non_exhaustive]` (typify's types before the generator's
//!   `model_types` pass): **major**, because building or destructuring it
//!   literally (`types::Pet { id, name }`) no longer compiles; added to a
//!   `#[non_exhaustive]` struct (every generated model type): **minor**;
//! - a value a builder now requires (a new required request field or
//!   parameter, an optional one made required; a new required field of a
//!   model type, which users' tests and mocks build too): **major** — code
//!   written for the old version still compiles but its builder fails;
//!   a requirement dropped (a relaxed requirement): **minor**;
//! - a variant added to an enum without `#[non_exhaustive]`: **major**
//!   (exhaustive `match`es break); chekt-gen's open enums are
//!   `#[non_exhaustive]`, so a new enum value there is minor;
//! - a method added to a generated trait (the per-tag `Client…Ext`
//!   traits): **minor**, on the rule that only generated code implements
//!   generated traits (the semver guide's sealed-trait exception);
//! - anything else added (types, methods, builder setters, trait impls):
//!   **minor**; no public item changed: **patch**.
//!
//! Attribution: a wire change names operations (whose operationIds give
//! the method names and, in UpperCamelCase, the prefixes of the builder and
//! inline type names), components (`/components/schemas/X` → the type
//! [`type_name`]`(X)` and the types named after it) and members (the last
//! property in its pointers, or the name of the parameter it points into).
//! An item change is attributed to it when its owner is an anchor type and
//! its member (if both have one) is the change's, or its owner is a type
//! named after an anchor and a member (`NewPetContact` for `NewPet`'s
//! `contact`), or it is a client method named by the change's operations.
//! Item changes no wire change explains are reported on their own
//! (`unattributed` of [`CrateAxis::Compared`]).

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};
use serde::Serialize;
use serde_json::Value;

use super::api::{Kind, Surface};
use super::rules::endpoint;
use super::{Bump, Change};
use crate::generate::names::type_name;
use crate::generate::{GenerateOptions, render};
use crate::load::Spec;

/// One change to a public item of the generated crate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiChange {
    /// The item's key (`types::Pet.name`, `builder::ListPets::limit`, …).
    pub item: String,
    /// `removed`, `added` or `changed`.
    pub change: &'static str,
    /// The old signature, when there was the item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    /// The new signature, when there is the item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
    /// The semver bump this item change calls for.
    pub bump: Bump,
    /// Which semver rule gave the bump.
    pub why: &'static str,
    #[serde(skip)]
    owner: String,
    #[serde(skip)]
    member: Option<String>,
    #[serde(skip)]
    trait_method: bool,
}

/// What a change does to the generated crate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrateEffect {
    /// The largest bump among `items`; `patch` when no public item changes.
    pub bump: Bump,
    /// The public items the change touches.
    pub items: Vec<ApiChange>,
}

/// The state of the crate axis of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum CrateAxis {
    /// The diff was run without [`super::DiffOptions::crate_axis`].
    NotComputed,
    /// A side could not be generated; the wire axis still reports.
    Unavailable {
        /// Which side and why, e.g. `new side (head.yaml): … lint error(s)`.
        reason: String,
    },
    /// Both sides were generated and compared.
    Compared {
        /// The largest bump over every item change.
        bump: Bump,
        /// Item changes no wire change explains (e.g. a component renamed:
        /// no wire change, but the Rust type is renamed).
        unattributed: Vec<ApiChange>,
    },
}

/// Renders `spec` and reads its public items; `Err` says why not.
pub fn surface(spec: &Spec, options: &GenerateOptions) -> Result<Surface, String> {
    let rendered = render(spec, options).map_err(|e| e.to_string())?;
    Surface::of(&rendered.code)
}

/// Every item change between two surfaces, with its bump.
pub fn compare(old: &Surface, new: &Surface) -> Vec<ApiChange> {
    let mut out = Vec::new();
    let change = |item: &str,
                  what,
                  old: Option<&super::api::Item>,
                  new: Option<&super::api::Item>,
                  bump,
                  why| {
        let any = new.or(old);
        ApiChange {
            item: item.to_string(),
            change: what,
            old: old.map(|i| i.signature.clone()),
            new: new.map(|i| i.signature.clone()),
            bump,
            why,
            owner: any.map(|i| i.owner.clone()).unwrap_or_default(),
            member: any.and_then(|i| i.member.clone()),
            trait_method: any.is_some_and(|i| i.kind == Kind::TraitMethod),
        }
    };
    for (key, was) in &old.items {
        match new.items.get(key) {
            None if was.kind == Kind::Requirement => out.push(change(
                key,
                "removed",
                Some(was),
                None,
                Bump::Minor,
                "a value the builder no longer requires: code setting it still builds",
            )),
            None => out.push(change(
                key,
                "removed",
                Some(was),
                None,
                Bump::Major,
                "an item removed breaks code using it",
            )),
            Some(is) if is.signature != was.signature => out.push(change(
                key,
                "changed",
                Some(was),
                Some(is),
                Bump::Major,
                "a changed signature breaks code using the item",
            )),
            Some(_) => {}
        }
    }
    for (key, is) in &new.items {
        if old.items.contains_key(key) {
            continue;
        }
        let parent = parent_of(key, is.kind).and_then(|p| old.items.get(p));
        let (bump, why) = match (is.kind, parent) {
            (Kind::Field, Some(owner)) if owner.exhaustive => (
                Bump::Major,
                "a field added to an exhaustive struct breaks literal construction and destructuring",
            ),
            (Kind::Variant, Some(owner)) if owner.exhaustive => (
                Bump::Major,
                "a variant added to an exhaustive enum breaks exhaustive matches",
            ),
            (Kind::Requirement, _) => (
                Bump::Major,
                "a value the builder now requires: code that does not set it compiles but fails when building or sending",
            ),
            (Kind::TraitMethod, _) => (
                Bump::Minor,
                "a method added to a generated trait (implemented only by generated code)",
            ),
            _ => (Bump::Minor, "a new item"),
        };
        out.push(change(key, "added", None, Some(is), bump, why));
    }
    // A type removed or added takes its fields, methods and impls with it:
    // report the type alone.
    let whole: Vec<(String, &'static str)> = out
        .iter()
        .filter(|c| c.change != "changed" && c.member.is_none() && !c.item.starts_with("impl "))
        .map(|c| (c.item.clone(), c.change))
        .collect();
    out.retain(|c| {
        let kind = old
            .items
            .get(&c.item)
            .or_else(|| new.items.get(&c.item))
            .map(|i| i.kind);
        !kind
            .and_then(|kind| parent_of(&c.item, kind))
            .is_some_and(|p| {
                whole
                    .iter()
                    .any(|(item, change)| item == p && *change == c.change)
            })
    });
    out
}

/// The key of the type an item belongs to: `types::Pet.name`,
/// `types::Pet::builder` and `impl Clone for types::Pet` → `types::Pet`.
fn parent_of(key: &str, kind: Kind) -> Option<&str> {
    match kind {
        Kind::Type => None,
        Kind::Impl => key.split_once(" for ").map(|(_, ty)| ty),
        Kind::Field | Kind::Requirement => key.rsplit_once('.').map(|(p, _)| p),
        Kind::Variant | Kind::Method | Kind::TraitMethod => key.rsplit_once("::").map(|(p, _)| p),
    }
}

/// What a wire change can touch in the generated code.
#[derive(Debug, Default)]
struct Anchors {
    /// Type-name prefixes: component types and operation builder names.
    types: Vec<String>,
    /// Method names: operationIds in snake case.
    methods: Vec<String>,
    /// Field / setter names in snake case.
    members: Vec<String>,
}

impl Anchors {
    fn of(change: &Change, old: &Spec, new: &Spec) -> Self {
        let mut anchors = Anchors::default();
        let mut operation_id = |id: &str| {
            anchors.methods.push(id.to_snake_case());
            anchors.types.push(id.to_upper_camel_case());
            // Its row of the operation table (`operations::DELETE_PET`).
            anchors.types.push(id.to_shouty_snake_case());
        };
        let in_component = [&change.old_pointer, &change.new_pointer]
            .iter()
            .any(|p| p.starts_with("/components/schemas/"));
        for spec in [old, new] {
            // A change inside a component schema touches that component's
            // types wherever it is used, not the builders of every operation
            // using it.
            if in_component {
                break;
            }
            for op in spec.operations() {
                if change.operations.contains(&op.label())
                    && let Some(id) = op.id()
                {
                    operation_id(id);
                }
            }
        }
        for value in [&change.old, &change.new].into_iter().flatten() {
            let names_operation = [
                endpoint::ENDPOINT_ADDED,
                endpoint::ENDPOINT_REMOVED,
                endpoint::OPERATION_ID_CHANGED,
            ]
            .iter()
            .any(|rule| rule.id == change.rule);
            if names_operation && let Some(id) = value.as_str() {
                operation_id(id);
            }
        }
        for (pointer, spec) in [(&change.old_pointer, old), (&change.new_pointer, new)] {
            let segments: Vec<String> = pointer
                .split('/')
                .skip(1)
                .map(crate::pointer::unescape)
                .collect();
            for window in segments.windows(3) {
                if window[0] == "components" && window[1] == "schemas" {
                    anchors.types.push(type_name(&window[2]));
                }
            }
            // The member: the last property on the way, else the parameter
            // the pointer is in.
            let property = segments
                .iter()
                .rposition(|s| s == "properties")
                .and_then(|i| segments.get(i + 1))
                .cloned();
            let parameter = || {
                (0..=segments.len()).rev().find_map(|len| {
                    let at = crate::pointer::join(&segments[..len]);
                    let node = spec.value().pointer(&at)?;
                    node.get("in")?;
                    node.get("name").and_then(Value::as_str).map(str::to_string)
                })
            };
            if let Some(name) = property.or_else(parameter) {
                anchors.members.push(name.to_snake_case());
            }
        }
        anchors
    }

    fn touches(&self, item: &ApiChange) -> bool {
        if let Some(member) = &item.member
            && (item.trait_method || item.owner == "Client")
        {
            return self.methods.contains(member);
        }
        // A type named after an anchor (`NewPetContact` for `NewPet`'s
        // property `contact`) is touched when the rest of its name starts
        // with a member; the anchor type itself when the item's member is
        // one.
        self.types.iter().any(|t| {
            let Some(rest) = item.owner.strip_prefix(t.as_str()) else {
                return false;
            };
            if self.members.is_empty() {
                return true;
            }
            if !rest.is_empty() {
                let rest = rest.to_snake_case();
                return self.members.iter().any(|m| rest.starts_with(m.as_str()));
            }
            // `set_age` is the `Option` setter of `age` (`model_types`).
            item.member.as_ref().is_none_or(|member| {
                let member = member.to_snake_case();
                let field = member.strip_prefix("set_").unwrap_or(&member);
                self.members.iter().any(|m| *m == member || m == field)
            })
        })
    }
}

/// Attributes `items` to `changes` (setting each change's
/// [`Change::crate_api`]) and returns the axis state.
pub(super) fn attribute(
    changes: &mut [Change],
    items: Vec<ApiChange>,
    old: &Spec,
    new: &Spec,
) -> CrateAxis {
    let bump = items.iter().map(|i| i.bump).max().unwrap_or(Bump::Patch);
    let mut used = vec![false; items.len()];
    for change in changes.iter_mut() {
        let anchors = Anchors::of(change, old, new);
        let mine: Vec<ApiChange> = items
            .iter()
            .enumerate()
            .filter(|(_, item)| anchors.touches(item))
            .map(|(i, item)| {
                used[i] = true;
                item.clone()
            })
            .collect();
        change.crate_api = Some(CrateEffect {
            bump: mine.iter().map(|i| i.bump).max().unwrap_or(Bump::Patch),
            items: mine,
        });
    }
    let unattributed = items
        .into_iter()
        .zip(used)
        .filter(|(_, used)| !used)
        .map(|(item, _)| item)
        .collect();
    CrateAxis::Compared { bump, unattributed }
}
