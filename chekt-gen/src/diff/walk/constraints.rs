//! Value constraints of a schema pair, by direction: `enum`, ranges and
//! sizes (`minimum` … `maxProperties`, `multipleOf`, `uniqueItems`, …) and
//! `pattern` (generalized, added, removed or changed).

use serde_json::Value;

use super::view::View;
use super::{Dir, Raw, list, raw, show};
use crate::diff::rules::{request_schema, response_schema};

/// `enum` changes; `kind` is the new schema's `type`. A value added to a
/// response enum is additive only when the generated type is open: a
/// string enum (`type` string or absent, values strings or `null`), the
/// rule of `crate::generate::open_enums`; any other enum is checked when
/// decoding.
pub(super) fn enums(
    dir: Dir,
    (op, np): (&str, &str),
    (ov, nv): (Option<&Value>, Option<&Value>),
    kind: Option<&Value>,
) -> Vec<Raw> {
    let (old, new) = (ov.and_then(Value::as_array), nv.and_then(Value::as_array));
    let change = |rule, message| raw(rule, op, np, ov, nv, message);
    match (old, new) {
        (None, None) => Vec::new(),
        (None, Some(_)) => vec![change(
            dir.pick(
                request_schema::REQUEST_ENUM_ADDED,
                response_schema::RESPONSE_ENUM_ADDED,
            ),
            "values restricted to an enum".into(),
        )],
        (Some(_), None) => vec![change(
            dir.pick(
                request_schema::REQUEST_ENUM_REMOVED,
                response_schema::RESPONSE_ENUM_REMOVED,
            ),
            "enum restriction removed".into(),
        )],
        (Some(old), Some(new)) => {
            let removed: Vec<_> = old.iter().filter(|v| !new.contains(v)).collect();
            let added: Vec<_> = new.iter().filter(|v| !old.contains(v)).collect();
            let mut out = Vec::new();
            if !removed.is_empty() {
                out.push(change(
                    dir.pick(
                        request_schema::REQUEST_ENUM_VALUE_REMOVED,
                        response_schema::RESPONSE_ENUM_VALUE_REMOVED,
                    ),
                    format!("enum value(s) {} removed", list(&removed)),
                ));
            }
            if !added.is_empty() {
                let open = kind.and_then(Value::as_str).is_none_or(|t| t == "string")
                    && new.iter().any(Value::is_string)
                    && new.iter().all(|v| v.is_string() || v.is_null());
                let response = if open {
                    response_schema::RESPONSE_ENUM_VALUE_ADDED
                } else {
                    response_schema::RESPONSE_CLOSED_ENUM_VALUE_ADDED
                };
                out.push(change(
                    dir.pick(request_schema::REQUEST_ENUM_VALUE_ADDED, response),
                    format!("enum value(s) {} added", list(&added)),
                ));
            }
            out
        }
    }
}

/// Range and size keywords: `true` when a larger value allows more.
const BOUNDS: [(&str, bool); 8] = [
    ("maximum", true),
    ("maxLength", true),
    ("maxItems", true),
    ("maxProperties", true),
    ("minimum", false),
    ("minLength", false),
    ("minItems", false),
    ("minProperties", false),
];

/// Keywords that only restrict when set (`true`, or present).
const RESTRICTIONS: [&str; 4] = [
    "exclusiveMaximum",
    "exclusiveMinimum",
    "uniqueItems",
    "multipleOf",
];

pub(super) fn constraints(dir: Dir, o: &View<'_>, n: &View<'_>) -> Vec<Raw> {
    let (op, np) = (o.pointer(), n.pointer());
    let mut out = Vec::new();
    let mut push = |keyword: &str, tightened: bool, ov: Option<&Value>, nv: Option<&Value>| {
        let rule = match (dir, tightened) {
            (Dir::Request, true) => request_schema::REQUEST_CONSTRAINT_TIGHTENED,
            (Dir::Request, false) => request_schema::REQUEST_CONSTRAINT_LOOSENED,
            (Dir::Response, true) => response_schema::RESPONSE_CONSTRAINT_TIGHTENED,
            (Dir::Response, false) => response_schema::RESPONSE_CONSTRAINT_LOOSENED,
        };
        let word = if tightened { "tightened" } else { "loosened" };
        out.push(raw(
            rule,
            op,
            np,
            ov,
            nv,
            format!("{keyword} {} → {} ({word})", show(ov), show(nv)),
        ));
    };
    for (keyword, upper) in BOUNDS {
        let (ov, nv) = (o.get(keyword), n.get(keyword));
        let tightened = match (ov.and_then(Value::as_f64), nv.and_then(Value::as_f64)) {
            (Some(a), Some(b)) if a == b => continue,
            (Some(a), Some(b)) => (b < a) == upper,
            (None, Some(_)) => true,
            (Some(_), None) => false,
            (None, None) => continue,
        };
        push(keyword, tightened, ov, nv);
    }
    for keyword in RESTRICTIONS {
        let (ov, nv) = (o.get(keyword), n.get(keyword));
        let on = |v: Option<&Value>| v.is_some_and(|v| v != &Value::Bool(false));
        if ov != nv && (on(ov) || on(nv)) {
            // `multipleOf: 2` → `4` narrows, `4` → `2` widens; `2` → `3`
            // does both (2 is rejected, 3 accepted), so it is judged as
            // whichever breaks this direction's side.
            let tightened = match (ov.and_then(Value::as_f64), nv.and_then(Value::as_f64)) {
                (Some(a), Some(b)) if keyword == "multipleOf" && a > 0.0 && b > 0.0 => {
                    let whole = |x: f64| (x - x.round()).abs() < 1e-9 * x.abs().max(1.0);
                    match (whole(b / a), whole(a / b)) {
                        (true, _) => true,
                        (false, true) => false,
                        (false, false) => dir == Dir::Request,
                    }
                }
                _ => on(nv),
            };
            push(keyword, tightened, ov, nv);
        }
    }
    let (ov, nv) = (o.get("pattern"), n.get("pattern"));
    if ov != nv {
        let (os, ns) = (ov.and_then(Value::as_str), nv.and_then(Value::as_str));
        let (rule, note) = match (dir, os, ns) {
            (Dir::Response, ..) => (
                response_schema::RESPONSE_PATTERN_CHANGED,
                " (generated types validate patterns when decoding)",
            ),
            (Dir::Request, None, Some(_)) => (request_schema::REQUEST_PATTERN_ADDED, ""),
            (Dir::Request, Some(_), None) => (request_schema::REQUEST_PATTERN_REMOVED, ""),
            (Dir::Request, Some(a), Some(b)) if generalizes(a, b) => {
                (request_schema::REQUEST_PATTERN_GENERALIZED, "")
            }
            (Dir::Request, ..) => (request_schema::REQUEST_PATTERN_CHANGED, ""),
        };
        out.push(raw(
            rule,
            op,
            np,
            ov,
            nv,
            format!("pattern {} → {}{note}", show(ov), show(nv)),
        ));
    }
    out
}

/// Whether `new` accepts every string `old` does, by what can be seen
/// without deciding regex inclusion: `new` matches anything, or anchors no
/// end `old` leaves open and has `old` as one of its top-level
/// alternatives, or is `old` with every `{m,n}` quantifier widened.
/// Anything else counts as a change (`[a-z]+` → `^[a-z]+$` narrows).
fn generalizes(old: &str, new: &str) -> bool {
    let (o, o_anchors) = anchored(old);
    let (n, n_anchors) = anchored(new);
    if n.is_empty() || n == ".*" {
        return true;
    }
    // An anchor is a constraint: `new` may drop one, never add one.
    if (n_anchors.0 && !o_anchors.0) || (n_anchors.1 && !o_anchors.1) {
        return false;
    }
    let unwrap = |p: &str| {
        p.strip_prefix("(?:")
            .or_else(|| p.strip_prefix('('))
            .and_then(|p| p.strip_suffix(')'))
            .map(str::to_string)
            .unwrap_or_else(|| p.to_string())
    };
    if top_level_alternatives(&unwrap(&n))
        .iter()
        .any(|alt| *alt == o || unwrap(alt) == o)
    {
        return true;
    }
    // `^(a|b)$` → `^(a|b|c)$`: every old alternative is one of the new
    // group's (only when both are one group, so anchors bind them all).
    if let (Some(og), Some(ng)) = (group(&o), group(&n)) {
        let new_alternatives = top_level_alternatives(ng);
        if top_level_alternatives(og)
            .iter()
            .all(|alt| new_alternatives.contains(alt))
        {
            return true;
        }
    }
    let Ok(quantifier) = regex::Regex::new(r"\{(\d+)(?:,(\d*))?\}") else {
        return false;
    };
    let skeleton = |p: &str| quantifier.replace_all(p, "{}").into_owned();
    let bounds = |p: &str| -> Vec<(u64, Option<u64>)> {
        quantifier
            .captures_iter(p)
            .map(|c| {
                let min = c[1].parse().unwrap_or(0);
                let max = match c.get(2) {
                    None => Some(min),
                    Some(m) if m.as_str().is_empty() => None,
                    Some(m) => m.as_str().parse().ok(),
                };
                (min, max)
            })
            .collect()
    };
    skeleton(&o) == skeleton(&n)
        && bounds(&o).iter().zip(bounds(&n)).all(|((a, b), (c, d))| {
            c <= *a
                && match (b, d) {
                    (_, None) => true,
                    (None, Some(_)) => false,
                    (Some(b), Some(d)) => d >= *b,
                }
        })
}

/// The pattern without its `^` / `$` anchors, and which of them it had
/// (an escaped `\$` is a literal, not an anchor).
fn anchored(pattern: &str) -> (String, (bool, bool)) {
    let start = pattern.strip_prefix('^');
    let p = start.unwrap_or(pattern);
    let end = p
        .strip_suffix('$')
        .filter(|rest| rest.chars().rev().take_while(|c| *c == '\\').count() % 2 == 0);
    (
        end.unwrap_or(p).to_string(),
        (start.is_some(), end.is_some()),
    )
}

/// The inside of `pattern` when all of it is one group, `(…)` or `(?:…)`.
fn group(pattern: &str) -> Option<&str> {
    let inner = pattern
        .strip_prefix("(?:")
        .or_else(|| pattern.strip_prefix('('))?
        .strip_suffix(')')?;
    // The group opened first must close last: depth never drops below 0.
    let (mut depth, mut escaped) = (0i32, false);
    for c in inner.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return None;
                }
            }
            _ => {}
        }
    }
    (depth == 0 && !inner.ends_with('\\')).then_some(inner)
}

/// `a|b(c|d)` → `[a, b(c|d)]`.
fn top_level_alternatives(pattern: &str) -> Vec<String> {
    let (mut out, mut depth, mut current, mut escaped) = (Vec::new(), 0i32, String::new(), false);
    for c in pattern.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            '|' if depth == 0 => {
                out.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    out.push(current);
    out
}
