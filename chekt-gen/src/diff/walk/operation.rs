//! One operation: its id, deprecation and watched flags, and security.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::document::Op;
use super::{Raw, Walker, code, entries, flag, items, list, raw, show};
use crate::diff::FlagExtension;
use crate::diff::rules::{Rule, endpoint, notice, security};
use crate::pointer;

impl<'a> Walker<'a> {
    pub(super) fn operation(&mut self, o: &Op<'a>, n: &Op<'a>) -> Vec<Raw> {
        let mut out = Vec::new();
        let (oid, nid) = (o.op.get("operationId"), n.op.get("operationId"));
        if oid != nid {
            out.push(raw(
                endpoint::OPERATION_ID_CHANGED,
                &pointer::push(&o.pointer, "operationId"),
                &pointer::push(&n.pointer, "operationId"),
                oid,
                nid,
                format!("operationId {} → {}", show(oid), show(nid)),
            ));
        }
        out.extend(flags(
            self.flags,
            notice::OPERATION_DEPRECATED,
            "operation",
            (&o.pointer, o.op),
            (&n.pointer, n.op),
        ));
        out.extend(self.sunset_notice("operation", (&o.pointer, o.op), (&n.pointer, n.op)));
        out.extend(self.parameters(o, n));
        out.extend(self.request_body(o, n));
        out.extend(self.responses(o, n));
        out.extend(self.security(o, n));
        out
    }

    fn security(&self, o: &Op<'a>, n: &Op<'a>) -> Vec<Raw> {
        let (op, mut old) = effective_security(self.old, o);
        // A renamed scheme is compared under its new name.
        for alt in &mut old {
            *alt = std::mem::take(alt)
                .into_iter()
                .map(|(scheme, scopes)| {
                    let scheme = self.renamed_schemes.get(&scheme).cloned().unwrap_or(scheme);
                    (scheme, scopes)
                })
                .collect();
        }
        let (np, new) = effective_security(self.new, n);
        let open = |alts: &[Requirement]| alts.is_empty() || alts.iter().any(BTreeMap::is_empty);
        let mut out = Vec::new();
        if open(&old) != open(&new) {
            let (rule, message) = if open(&new) {
                (
                    security::SECURITY_BECAME_OPTIONAL,
                    "the call no longer requires credentials",
                )
            } else {
                (
                    security::SECURITY_BECAME_REQUIRED,
                    "the call now requires credentials",
                )
            };
            let (was, is) = (json!(old), json!(new));
            out.push(raw(rule, &op, &np, Some(&was), Some(&is), message.into()));
            return out;
        }
        let keys = |alt: &Requirement| alt.keys().cloned().collect::<BTreeSet<_>>();
        // An alternative kept as it was is no change; otherwise it is compared
        // with an old one of the same schemes that the new list dropped (one
        // scheme may appear in several alternatives, e.g. either of two scopes).
        let mut compared: Vec<&Requirement> = Vec::new();
        for alt in new.iter().filter(|a| !a.is_empty() && !old.contains(a)) {
            let Some(before) = old
                .iter()
                .find(|a| keys(a) == keys(alt) && !new.contains(a) && !compared.contains(a))
            else {
                out.push(raw(
                    security::SECURITY_REQUIREMENT_ADDED,
                    &op,
                    &np,
                    None,
                    Some(&json!(alt)),
                    format!("new way to authenticate: {}", requirement(alt)),
                ));
                continue;
            };
            compared.push(before);
            for (scheme, scopes) in alt {
                let was = before.get(scheme).cloned().unwrap_or_default();
                let added: Vec<_> = scopes.difference(&was).collect();
                let removed: Vec<_> = was.difference(scopes).collect();
                if !added.is_empty() {
                    out.push(raw(
                        security::SECURITY_SCOPE_ADDED,
                        &op,
                        &np,
                        Some(&json!(was)),
                        Some(&json!(scopes)),
                        format!(
                            "{scheme} now also needs scope {}",
                            list(&added),
                            scheme = code(scheme)
                        ),
                    ));
                }
                if !removed.is_empty() {
                    out.push(raw(
                        security::SECURITY_SCOPE_REMOVED,
                        &op,
                        &np,
                        Some(&json!(was)),
                        Some(&json!(scopes)),
                        format!(
                            "{scheme} no longer needs scope {}",
                            list(&removed),
                            scheme = code(scheme)
                        ),
                    ));
                }
            }
        }
        if !open(&new) {
            for alt in old
                .iter()
                .filter(|a| !a.is_empty() && !new.contains(a) && !compared.contains(a))
            {
                out.push(raw(
                    security::SECURITY_REQUIREMENT_REMOVED,
                    &op,
                    &np,
                    Some(&json!(alt)),
                    None,
                    format!("no longer accepted: {}", requirement(alt)),
                ));
            }
        }
        out
    }
}

/// One way to authenticate: scheme → scopes.
pub(super) type Requirement = BTreeMap<String, BTreeSet<String>>;

/// The operation's security (or the document's), as alternatives.
pub(super) fn effective_security(root: &Value, op: &Op<'_>) -> (String, Vec<Requirement>) {
    let (at, list) = match op.op.get("security") {
        Some(list) => (pointer::push(&op.pointer, "security"), Some(list)),
        None => ("/security".to_string(), root.get("security")),
    };
    let alts = items(list)
        .map(|(_, alt)| {
            entries(Some(alt))
                .map(|(scheme, scopes)| {
                    let scopes = items(Some(scopes))
                        .filter_map(|(_, s)| s.as_str().map(str::to_string))
                        .collect();
                    (scheme.clone(), scopes)
                })
                .collect()
        })
        .collect();
    (at, alts)
}

/// Deprecation and the watched flag extensions ([`FlagExtension`]) of an
/// operation, parameter or schema.
pub(super) fn flags(
    flags: &[FlagExtension],
    deprecated_rule: Rule,
    what: &str,
    (op, ov): (&str, &Value),
    (np, nv): (&str, &Value),
) -> Vec<Raw> {
    let mut out = Vec::new();
    if !flag(ov, "deprecated") && flag(nv, "deprecated") {
        out.push(raw(
            deprecated_rule,
            op,
            np,
            Some(&Value::Bool(false)),
            Some(&Value::Bool(true)),
            format!("{what} deprecated"),
        ));
    }
    for extension in flags {
        let key = extension.name.as_str();
        let (was, is) = (flag(ov, key), flag(nv, key));
        if was == is {
            continue;
        }
        let (rule, meaning) = if is {
            (notice::FLAG_EXTENSION_SET, &extension.set)
        } else {
            (notice::FLAG_EXTENSION_CLEARED, &extension.cleared)
        };
        out.push(raw(
            rule,
            op,
            np,
            Some(&Value::Bool(was)),
            Some(&Value::Bool(is)),
            format!("{what} {key} {was} → {is}: {meaning}"),
        ));
    }
    out
}

fn requirement(alt: &Requirement) -> String {
    alt.iter()
        .map(|(scheme, scopes)| {
            format!(
                "{} [{}]",
                code(scheme),
                list(&scopes.iter().collect::<Vec<_>>())
            )
        })
        .collect::<Vec<_>>()
        .join(" + ")
}
