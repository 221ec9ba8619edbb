//! Schemas, judged from the side of the client: type, format, nullable,
//! default, properties (with `readOnly` / `writeOnly` per direction),
//! `additionalProperties`, `items`, and a plain schema wrapped in `oneOf` /
//! `anyOf` alternatives; value constraints are in [`super::constraints`],
//! the alternatives themselves in [`super::composition`].

use serde_json::Value;

use super::composition::overlapping;
use super::constraints::{constraints, enums};
use super::operation::flags;
use super::view::View;
use super::{Dir, Node, Raw, Walker, code, deref, items, raw, show};
use crate::diff::deprecation::{SUNSET, Sunset};
use crate::diff::rules::{Class, notice, request_schema, response_schema};
use crate::pointer;

impl<'a> Walker<'a> {
    /// Compares two schemas (after `$ref`s), judged from `dir`'s side.
    pub(super) fn schema(&mut self, dir: Dir, o: Node<'a>, n: Node<'a>) -> Vec<Raw> {
        let o = deref(self.old, o);
        let n = deref(self.new, n);
        let key = (o.0.clone(), n.0.clone(), dir);
        if let Some(done) = self.memo.get(&key) {
            return done.clone();
        }
        if !self.active.insert(key.clone()) {
            self.cycles += 1;
            return Vec::new();
        }
        let cycles = self.cycles;
        let out = self.schema_body(dir, &View::new(self.old, o), &View::new(self.new, n));
        self.active.remove(&key);
        if self.cycles == cycles {
            self.memo.insert(key, out.clone());
        }
        out
    }

    fn schema_body(&mut self, dir: Dir, o: &View<'a>, n: &View<'a>) -> Vec<Raw> {
        if let Some(out) = self.wrapped(dir, o, n, false) {
            return out;
        }
        if let Some(out) = self.wrapped(dir, n, o, true) {
            return out;
        }
        let (op, np) = (o.pointer(), n.pointer());
        let mut out = Vec::new();
        let (ot, nt) = (o.get("type"), n.get("type"));
        if ot != nt {
            let widened = matches!(
                (ot.and_then(Value::as_str), nt.and_then(Value::as_str)),
                (Some("integer"), Some("number")) | (Some(_), None)
            );
            let rule = match dir {
                Dir::Request if widened => request_schema::REQUEST_TYPE_WIDENED,
                _ => dir.pick(
                    request_schema::REQUEST_TYPE_CHANGED,
                    response_schema::RESPONSE_TYPE_CHANGED,
                ),
            };
            out.push(raw(
                rule,
                op,
                np,
                ot,
                nt,
                format!("type {} → {}", show(ot), show(nt)),
            ));
            return out;
        }
        let (of, nf) = (o.get("format"), n.get("format"));
        if of != nf {
            let rule = dir.pick(
                request_schema::REQUEST_FORMAT_CHANGED,
                response_schema::RESPONSE_FORMAT_CHANGED,
            );
            out.push(raw(
                rule,
                op,
                np,
                of,
                nf,
                format!("format {} → {}", show(of), show(nf)),
            ));
        }
        out.extend(nullability(
            dir,
            (op, o.flag("nullable")),
            (np, n.flag("nullable")),
            "",
        ));
        out.extend(enums(
            dir,
            (op, np),
            (o.get("enum"), n.get("enum")),
            n.get("type"),
        ));
        out.extend(constraints(dir, o, n));
        let (od, nd) = (o.get("default"), n.get("default"));
        if od != nd && od.is_some() {
            let rule = dir.pick(
                request_schema::REQUEST_DEFAULT_CHANGED,
                response_schema::RESPONSE_DEFAULT_CHANGED,
            );
            out.push(raw(
                rule,
                op,
                np,
                od,
                nd,
                format!("default {} → {}", show(od), show(nd)),
            ));
        }
        out.extend(flags(
            self.flags,
            notice::SCHEMA_DEPRECATED,
            "schema",
            (op, o.value()),
            (np, n.value()),
        ));
        out.extend(self.sunset_notice("schema", (op, o.value()), (np, n.value())));
        out.extend(self.properties(dir, o, n));
        if let (Some(oi), Some(ni)) = (o.located("items"), n.located("items")) {
            out.extend(self.schema(dir, oi, ni));
        }
        out.extend(self.additional_properties(dir, o, n));
        out.extend(self.compositions(dir, o, n));
        out.extend(self.discriminator(dir, o, n));
        out
    }

    /// A typed schema that became one alternative of a `oneOf`/`anyOf`
    /// (`plain` old, `composed` new), or the reverse when `reversed`: the
    /// plain schema is compared with the alternative that matches it (the
    /// same shape, else the same component, else one that takes every value
    /// the plain schema took, else the only one that is not null-only), and
    /// the other alternatives are added (removed) — a null-only one (`enum:
    /// [null]`, the OpenAPI 3.0.3 way to write a nullable `$ref`) as
    /// nullability. When no alternative matches a plain schema that became
    /// a composition, that is one breaking change (`request-composition-
    /// added`: old payloads may match no alternative; `response-type-
    /// changed`: readers get another shape). `None` when the shapes are not
    /// of this kind.
    fn wrapped(
        &mut self,
        dir: Dir,
        plain: &View<'a>,
        composed: &View<'a>,
        reversed: bool,
    ) -> Option<Vec<Raw>> {
        if plain.get("type").is_none() || composed.get("type").is_some() {
            return None;
        }
        let (keyword, (at, list)) = ["oneOf", "anyOf"].into_iter().find_map(|k| {
            (plain.get(k).is_none())
                .then(|| composed.located(k))
                .flatten()
                .map(|located| (k, located))
        })?;
        let plain_node: Node<'a> = (plain.pointer().to_string(), plain.value());
        let root = if reversed { self.old } else { self.new };
        let alternatives: Vec<Node<'a>> = items(Some(list))
            .map(|(i, s)| deref(root, (pointer::push(&at, i.to_string()), s)))
            .collect();
        let null_only = |node: &Node<'a>| {
            node.1.get("enum").and_then(Value::as_array) == Some(&vec![Value::Null])
        };
        let compare = |walker: &mut Self, alt: &Node<'a>| {
            if reversed {
                walker.schema(dir, alt.clone(), plain_node.clone())
            } else {
                walker.schema(dir, plain_node.clone(), alt.clone())
            }
        };
        let same = alternatives
            .iter()
            .position(|alt| !null_only(alt) && compare(self, alt).is_empty());
        // Else the alternative at the same place (the same component), else
        // one whose differences break nobody, else the only one that is not
        // null-only.
        let matched = same
            .or_else(|| alternatives.iter().position(|alt| alt.0 == plain.pointer()))
            .or_else(|| {
                alternatives.iter().position(|alt| {
                    !null_only(alt)
                        && compare(self, alt)
                            .iter()
                            .all(|r| r.rule.class != Class::Breaking)
                })
            })
            .or_else(|| {
                let mut typed = alternatives
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| !null_only(a));
                match (typed.next(), typed.next()) {
                    (Some((i, _)), None) => Some(i),
                    _ => None,
                }
            });
        let Some(matched) = matched else {
            if reversed {
                return None;
            }
            return Some(vec![raw(
                dir.pick(
                    request_schema::REQUEST_COMPOSITION_ADDED,
                    response_schema::RESPONSE_TYPE_CHANGED,
                ),
                plain.pointer(),
                &at,
                plain.get("type"),
                Some(list),
                format!("the schema became {keyword} alternatives, none of which has its shape"),
            )]);
        };
        let matched = &alternatives[matched];
        // Nullability is judged once, over the whole composition: a
        // null-only alternative makes it nullable.
        let nullable_rules = [
            request_schema::REQUEST_NULLABLE_ADDED,
            request_schema::REQUEST_NULLABLE_REMOVED,
            response_schema::RESPONSE_NULLABLE_ADDED,
            response_schema::RESPONSE_NULLABLE_REMOVED,
        ];
        let (top_old, top_new) = if reversed {
            (matched.0.as_str(), plain.pointer())
        } else {
            (plain.pointer(), matched.0.as_str())
        };
        let mut out: Vec<Raw> = compare(self, matched)
            .into_iter()
            .filter(|r| {
                !(nullable_rules.contains(&r.rule)
                    && r.old_pointer == top_old
                    && r.new_pointer == top_new)
            })
            .collect();
        let plain_nullable = plain.flag("nullable");
        let composed_nullable = alternatives.iter().any(&null_only)
            || matched.1.get("nullable").and_then(Value::as_bool) == Some(true);
        let (was, is) = if reversed {
            (composed_nullable, plain_nullable)
        } else {
            (plain_nullable, composed_nullable)
        };
        out.extend(nullability(
            dir,
            (top_old, was),
            (top_new, is),
            &format!(" ({keyword} with a null-only alternative)"),
        ));
        // Alternatives one payload can match make `oneOf` reject it.
        if !reversed
            && keyword == "oneOf"
            && dir == Dir::Request
            && let Some((a, b)) = overlapping(self.new, &alternatives)
        {
            out.push(raw(
                request_schema::REQUEST_ONE_OF_OVERLAP,
                top_old,
                &a,
                None,
                None,
                format!(
                    "oneOf alternatives {} and {} can both match one payload",
                    code(&a),
                    code(&b)
                ),
            ));
        }
        // An alternative identical in shape to the plain schema adds nothing.
        let others: Vec<&Node<'a>> = alternatives
            .iter()
            .filter(|alt| alt.0 != matched.0 && !null_only(alt))
            .collect();
        for alt in others {
            if compare(self, alt).is_empty() {
                continue;
            }
            let (rule, message) = if reversed {
                (
                    dir.pick(
                        request_schema::REQUEST_VARIANT_REMOVED,
                        response_schema::RESPONSE_VARIANT_REMOVED,
                    ),
                    format!("{keyword} alternative removed; the old schema is one of them"),
                )
            } else {
                (
                    dir.pick(
                        request_schema::REQUEST_VARIANT_ADDED,
                        response_schema::RESPONSE_VARIANT_ADDED,
                    ),
                    format!("{keyword} alternative added beside the old schema"),
                )
            };
            out.push(if reversed {
                raw(rule, &alt.0, top_new, Some(alt.1), None, message)
            } else {
                raw(rule, top_old, &alt.0, None, Some(alt.1), message)
            });
        }
        Some(out)
    }

    fn properties(&mut self, dir: Dir, o: &View<'a>, n: &View<'a>) -> Vec<Raw> {
        let (oprops, nprops) = (o.properties(), n.properties());
        let (oreq, nreq) = (o.required(), n.required());
        let mut out = Vec::new();
        // `readOnly` properties are never sent, `writeOnly` ones never
        // returned: in that direction they are not part of the contract.
        let hidden = |root: &'a Value, node: &Node<'a>| {
            let keyword = match dir {
                Dir::Request => "readOnly",
                Dir::Response => "writeOnly",
            };
            View::new(root, deref(root, node.clone())).flag(keyword)
        };
        for (name, (op, ov)) in &oprops {
            let hidden_before = hidden(self.old, &(op.clone(), *ov));
            let Some((np, nv)) = nprops.get(name) else {
                if hidden_before {
                    continue;
                }
                let property = View::new(self.old, deref(self.old, (op.clone(), *ov)));
                let (rule, why) = self.removal(
                    dir.pick(
                        request_schema::REQUEST_PROPERTY_REMOVED,
                        response_schema::RESPONSE_PROPERTY_REMOVED,
                    ),
                    Sunset::read(property.flag("deprecated"), property.get(SUNSET)),
                );
                out.push(raw(
                    rule,
                    op,
                    n.pointer(),
                    Some(&Value::from(*name)),
                    None,
                    format!("property {name} removed{why}", name = code(name)),
                ));
                continue;
            };
            match (hidden_before, hidden(self.new, &(np.clone(), *nv))) {
                (true, true) => continue,
                (false, true) => {
                    let (rule, word) = dir.pick_with(
                        (
                            request_schema::REQUEST_PROPERTY_BECAME_READ_ONLY,
                            "readOnly",
                        ),
                        (
                            response_schema::RESPONSE_PROPERTY_BECAME_WRITE_ONLY,
                            "writeOnly",
                        ),
                    );
                    out.push(raw(
                        rule,
                        op,
                        np,
                        None,
                        Some(&Value::Bool(true)),
                        format!("property {name} is now {word}", name = code(name)),
                    ));
                    continue;
                }
                (true, false) => {
                    let (rule, message) = match dir {
                        Dir::Request if nreq.contains(name) => (
                            request_schema::REQUEST_PROPERTY_ADDED_REQUIRED,
                            format!(
                                "property {name} is no longer readOnly and is required",
                                name = code(name)
                            ),
                        ),
                        Dir::Request => (
                            request_schema::REQUEST_PROPERTY_NO_LONGER_READ_ONLY,
                            format!("property {name} is no longer readOnly", name = code(name)),
                        ),
                        Dir::Response => (
                            response_schema::RESPONSE_PROPERTY_NO_LONGER_WRITE_ONLY,
                            format!("property {name} is no longer writeOnly", name = code(name)),
                        ),
                    };
                    out.push(raw(rule, op, np, Some(&Value::Bool(true)), None, message));
                    continue;
                }
                (false, false) => {}
            }
            let (was, is) = (oreq.contains(name), nreq.contains(name));
            if was != is {
                let rule = match (dir, is) {
                    (Dir::Request, true) => request_schema::REQUEST_PROPERTY_BECAME_REQUIRED,
                    (Dir::Request, false) => request_schema::REQUEST_PROPERTY_BECAME_OPTIONAL,
                    (Dir::Response, true) => response_schema::RESPONSE_PROPERTY_BECAME_REQUIRED,
                    (Dir::Response, false) => response_schema::RESPONSE_PROPERTY_BECAME_OPTIONAL,
                };
                let word = if is { "required" } else { "optional" };
                out.push(raw(
                    rule,
                    op,
                    np,
                    Some(&Value::Bool(was)),
                    Some(&Value::Bool(is)),
                    format!("property {name} is now {word}", name = code(name)),
                ));
            }
            out.extend(self.schema(dir, (op.clone(), ov), (np.clone(), nv)));
        }
        for (name, (np, nv)) in &nprops {
            if oprops.contains_key(name) || hidden(self.new, &(np.clone(), *nv)) {
                continue;
            }
            let rule = match dir {
                Dir::Request if nreq.contains(name) => {
                    request_schema::REQUEST_PROPERTY_ADDED_REQUIRED
                }
                Dir::Request => request_schema::REQUEST_PROPERTY_ADDED_OPTIONAL,
                Dir::Response => response_schema::RESPONSE_PROPERTY_ADDED,
            };
            let word = if nreq.contains(name) {
                "required"
            } else {
                "optional"
            };
            out.push(raw(
                rule,
                o.pointer(),
                np,
                None,
                Some(nv),
                format!("{word} property {name} added", name = code(name)),
            ));
        }
        out
    }

    fn additional_properties(&mut self, dir: Dir, o: &View<'a>, n: &View<'a>) -> Vec<Raw> {
        // Ranked by how much they allow: none < a schema < anything.
        let rank = |v: Option<&Value>| match v {
            Some(Value::Bool(false)) => 0,
            Some(Value::Object(m)) if !m.is_empty() => 1,
            _ => 2,
        };
        let (ov, nv) = (o.get("additionalProperties"), n.get("additionalProperties"));
        let (or, nr) = (rank(ov), rank(nv));
        if or == 1
            && nr == 1
            && let (Some(os), Some(ns)) = (
                o.located("additionalProperties"),
                n.located("additionalProperties"),
            )
        {
            return self.schema(dir, os, ns);
        }
        if or == nr {
            return Vec::new();
        }
        let rule = match (dir, nr > or) {
            (Dir::Request, true) => request_schema::REQUEST_ADDITIONAL_PROPERTIES_WIDENED,
            (Dir::Request, false) => request_schema::REQUEST_ADDITIONAL_PROPERTIES_NARROWED,
            (Dir::Response, true) => response_schema::RESPONSE_ADDITIONAL_PROPERTIES_WIDENED,
            (Dir::Response, false) => response_schema::RESPONSE_ADDITIONAL_PROPERTIES_NARROWED,
        };
        vec![raw(
            rule,
            o.pointer(),
            n.pointer(),
            ov,
            nv,
            format!("additionalProperties {} → {}", show(ov), show(nv)),
        )]
    }
}

/// The change of nullability between `old` and `new` (pointer, nullable),
/// if any; `how` ends the message.
fn nullability(dir: Dir, old: (&str, bool), new: (&str, bool), how: &str) -> Option<Raw> {
    let ((op, was), (np, is)) = (old, new);
    if was == is {
        return None;
    }
    let rule = match (dir, is) {
        (Dir::Request, true) => request_schema::REQUEST_NULLABLE_ADDED,
        (Dir::Request, false) => request_schema::REQUEST_NULLABLE_REMOVED,
        (Dir::Response, true) => response_schema::RESPONSE_NULLABLE_ADDED,
        (Dir::Response, false) => response_schema::RESPONSE_NULLABLE_REMOVED,
    };
    let word = if is { "now" } else { "no longer" };
    Some(raw(
        rule,
        op,
        np,
        Some(&Value::Bool(was)),
        Some(&Value::Bool(is)),
        format!("{word} nullable{how}"),
    ))
}
