//! `oneOf` / `anyOf` alternatives of a schema pair, judged by the payloads
//! a client sends (requests) or reads (responses): alternatives added or
//! removed, the keyword introduced or dropped, switched between `oneOf`
//! and `anyOf`, and `oneOf` alternatives one payload can match (which
//! `oneOf` rejects). A plain schema wrapped in (or unwrapped from) a
//! composition is [`Walker::wrapped`]'s.

use serde_json::Value;

use super::view::View;
use super::{Dir, Node, Raw, Walker, code, deref, items, raw};
use crate::diff::Class;
use crate::diff::rules::{request_schema, response_schema};
use crate::pointer;

const KEYWORDS: [&str; 2] = ["oneOf", "anyOf"];

impl<'a> Walker<'a> {
    /// Every composition change of `o` → `n`: per keyword, or once across
    /// them when one side has only `oneOf` and the other only `anyOf`.
    pub(super) fn compositions(&mut self, dir: Dir, o: &View<'a>, n: &View<'a>) -> Vec<Raw> {
        let only = |view: &View<'a>| match KEYWORDS.map(|k| view.get(k).is_some()) {
            [true, false] => Some("oneOf"),
            [false, true] => Some("anyOf"),
            _ => None,
        };
        match (only(o), only(n)) {
            (Some(from), Some(to)) if from != to => {
                let mut out = self.variants(dir, (from, to), o, n);
                out.extend(self.switched(dir, (from, to), o, n, &out));
                out
            }
            _ => KEYWORDS
                .into_iter()
                .flat_map(|k| self.variants(dir, (k, k), o, n))
                .collect(),
        }
    }

    /// The keyword itself switched (`from` → `to`) over alternatives
    /// already compared (`compared`): `oneOf` → `anyOf` accepts more in a
    /// request; `anyOf` → `oneOf` accepts the same when no payload can
    /// match two alternatives (else `compared` holds the overlap); readers
    /// decode one alternative either way.
    fn switched(
        &self,
        dir: Dir,
        (from, to): (&str, &str),
        o: &View<'a>,
        n: &View<'a>,
        compared: &[Raw],
    ) -> Option<Raw> {
        let rule = match (dir, to) {
            (Dir::Request, "anyOf") => request_schema::REQUEST_ONE_OF_BECAME_ANY_OF,
            (Dir::Request, _)
                if compared
                    .iter()
                    .any(|r| r.rule == request_schema::REQUEST_ONE_OF_OVERLAP) =>
            {
                return None;
            }
            (Dir::Request, _) => request_schema::REQUEST_ANY_OF_BECAME_ONE_OF,
            (Dir::Response, _) => response_schema::RESPONSE_COMPOSITION_KEYWORD_CHANGED,
        };
        let (op, np) = (o.located(from)?.0, n.located(to)?.0);
        Some(raw(
            rule,
            &op,
            &np,
            Some(&Value::from(from)),
            Some(&Value::from(to)),
            format!("{from} → {to} over the same alternatives"),
        ))
    }

    /// The alternatives of `old_keyword` in `o` against those of
    /// `new_keyword` in `n`. An alternative equal in shape to one on the
    /// other side is neither added nor removed (so an `anyOf` alternative
    /// identical to an existing one adds nothing); the rest pair up in
    /// order, and what is left over was added or removed, except that a
    /// removed request alternative a remaining one accepts, or an added
    /// response alternative an existing one decodes, is judged against
    /// that one ([`Walker::covering`]). Introducing or dropping the
    /// keyword, or making `oneOf` alternatives overlap, is judged on its
    /// own.
    fn variants(
        &mut self,
        dir: Dir,
        (old_keyword, new_keyword): (&str, &str),
        o: &View<'a>,
        n: &View<'a>,
    ) -> Vec<Raw> {
        let list = |view: &View<'a>, keyword: &str| -> Vec<Node<'a>> {
            view.located(keyword)
                .map(|(p, v)| {
                    items(Some(v))
                        .map(|(i, s)| (pointer::push(&p, i.to_string()), s))
                        .collect()
                })
                .unwrap_or_default()
        };
        let (old, new) = (list(o, old_keyword), list(n, new_keyword));
        let overlap = |root: &'a Value, keyword: &str, alternatives: &[Node<'a>]| {
            (dir == Dir::Request && keyword == "oneOf")
                .then(|| overlapping(root, alternatives))
                .flatten()
        };
        let overlap_raw = |(a, b): (String, String)| {
            raw(
                request_schema::REQUEST_ONE_OF_OVERLAP,
                o.pointer(),
                &a,
                None,
                None,
                format!(
                    "oneOf alternatives {a} and {b} can both match one payload",
                    a = code(&a),
                    b = code(&b)
                ),
            )
        };
        if old.is_empty() && !new.is_empty() {
            if let Some(pair) = overlap(self.new, new_keyword, &new) {
                return vec![overlap_raw(pair)];
            }
            let at = n.located(new_keyword).map(|(p, _)| p).unwrap_or_default();
            return vec![raw(
                dir.pick(
                    request_schema::REQUEST_COMPOSITION_ADDED,
                    response_schema::RESPONSE_COMPOSITION_ADDED,
                ),
                o.pointer(),
                &at,
                None,
                n.get(new_keyword),
                format!("{new_keyword} with {} alternative(s) added", new.len()),
            )];
        }
        if !old.is_empty() && new.is_empty() {
            // The values no longer have to match any alternative: the
            // reverse of introducing the keyword.
            let at = o.located(old_keyword).map(|(p, _)| p).unwrap_or_default();
            return vec![raw(
                dir.pick(
                    request_schema::REQUEST_COMPOSITION_REMOVED,
                    response_schema::RESPONSE_COMPOSITION_REMOVED,
                ),
                &at,
                n.pointer(),
                o.get(old_keyword),
                None,
                format!("{old_keyword} with {} alternative(s) removed", old.len()),
            )];
        }
        let mut same = vec![vec![false; new.len()]; old.len()];
        for (i, ov) in old.iter().enumerate() {
            for (j, nv) in new.iter().enumerate() {
                same[i][j] = self.schema(dir, ov.clone(), nv.clone()).is_empty();
            }
        }
        let mut gone: Vec<Node<'a>> = old
            .iter()
            .enumerate()
            .filter(|(i, _)| !same[*i].contains(&true))
            .map(|(_, v)| v.clone())
            .collect();
        let mut fresh: Vec<Node<'a>> = new
            .iter()
            .enumerate()
            .filter(|(j, _)| !same.iter().any(|row| row[*j]))
            .map(|(_, v)| v.clone())
            .collect();
        let mut out = Vec::new();
        let paired = gone.len().min(fresh.len());
        for (ov, nv) in gone.drain(..paired).zip(fresh.drain(..paired)) {
            out.extend(self.schema(dir, ov, nv));
        }
        for (p, v) in gone {
            // A removed request alternative whose payloads a remaining one
            // still accepts (a looser copy) takes nothing from senders.
            if dir == Dir::Request
                && let Some(looser) = self.covering(dir, &new, |this, nv| {
                    this.schema(dir, (p.clone(), v), nv.clone())
                })
            {
                out.extend(looser);
                continue;
            }
            let rule = dir.pick(
                request_schema::REQUEST_VARIANT_REMOVED,
                response_schema::RESPONSE_VARIANT_REMOVED,
            );
            out.push(raw(
                rule,
                &p,
                n.pointer(),
                Some(v),
                None,
                format!("{old_keyword} alternative removed"),
            ));
        }
        for (p, v) in fresh {
            // An added response alternative an existing one already
            // decodes (a narrower copy) gives readers nothing new.
            if dir == Dir::Response
                && let Some(narrower) = self.covering(dir, &old, |this, ov| {
                    this.schema(dir, ov.clone(), (p.clone(), v))
                })
            {
                out.extend(narrower);
                continue;
            }
            let rule = dir.pick(
                request_schema::REQUEST_VARIANT_ADDED,
                response_schema::RESPONSE_VARIANT_ADDED,
            );
            out.push(raw(
                rule,
                o.pointer(),
                &p,
                None,
                Some(v),
                format!("{new_keyword} alternative added"),
            ));
        }
        if overlap(self.old, old_keyword, &old).is_none()
            && let Some(pair) = overlap(self.new, new_keyword, &new)
        {
            out.push(overlap_raw(pair));
        }
        out
    }

    /// The changes `compare` finds against the first of `others` that
    /// takes every payload the compared alternative did: in a request no
    /// breaking change (it accepts as much or more), in a response only
    /// non-functional ones (readers get nothing they did not before).
    fn covering(
        &mut self,
        dir: Dir,
        others: &[Node<'a>],
        mut compare: impl FnMut(&mut Self, &Node<'a>) -> Vec<Raw>,
    ) -> Option<Vec<Raw>> {
        let fine = |class: Class| match dir {
            Dir::Request => class != Class::Breaking,
            Dir::Response => class == Class::NonFunctional,
        };
        others
            .iter()
            .map(|other| compare(self, other))
            .find(|raws| raws.iter().all(|r| fine(r.rule.class)))
    }
}

/// Two `oneOf` alternatives one payload can match, if there are: equal in
/// shape, or both objects that neither closes (`additionalProperties:
/// false`) nor tells apart by a property with disjoint `enum`s or types.
pub(super) fn overlapping<'a>(
    root: &'a Value,
    alternatives: &[Node<'a>],
) -> Option<(String, String)> {
    let views: Vec<View<'a>> = alternatives
        .iter()
        .map(|node| View::new(root, deref(root, node.clone())))
        .collect();
    for (i, a) in views.iter().enumerate() {
        for (j, b) in views.iter().enumerate().skip(i + 1) {
            let same_shape = Walker::new(root, root, &[])
                .schema(
                    Dir::Request,
                    alternatives[i].clone(),
                    alternatives[j].clone(),
                )
                .is_empty();
            if same_shape || objects_overlap(root, a, b) {
                return Some((alternatives[i].0.clone(), alternatives[j].0.clone()));
            }
        }
    }
    None
}

fn objects_overlap<'a>(root: &'a Value, a: &View<'a>, b: &View<'a>) -> bool {
    let object = |v: &View<'a>| {
        matches!(v.get("type").and_then(Value::as_str), None | Some("object"))
            && (v.get("properties").is_some() || v.get("required").is_some())
            && v.get("additionalProperties") != Some(&Value::Bool(false))
            && v.get("enum").is_none()
    };
    if !object(a) || !object(b) {
        return false;
    }
    let (pa, pb) = (a.properties(), b.properties());
    !pa.iter().any(|(name, node)| {
        let Some(other) = pb.get(name) else {
            return false;
        };
        let (x, y) = (
            View::new(root, deref(root, node.clone())),
            View::new(root, deref(root, other.clone())),
        );
        let disjoint_enums = match (
            x.get("enum").and_then(Value::as_array),
            y.get("enum").and_then(Value::as_array),
        ) {
            (Some(p), Some(q)) => !p.iter().any(|v| q.contains(v)),
            _ => false,
        };
        let disjoint_types = match (x.get("type"), y.get("type")) {
            (Some(p), Some(q)) => p != q,
            _ => false,
        };
        disjoint_enums || disjoint_types
    })
}
