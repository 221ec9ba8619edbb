//! Acknowledged changes (`spec/accepted-changes.yaml`): individual changes
//! a team accepts on purpose, each named by rule id, operation and JSON
//! pointer, with a mandatory reason and optionally the version that
//! accepts it (oasdiff's `--err-ignore`, one change at a time rather than
//! a whole rule):
//!
//! ```yaml
//! accepted:
//!   - rule: response-property-removed
//!     operation: GET /sites        # omit for document-level changes
//!     pointer: /components/schemas/Site/properties/legacy
//!     reason: Never sent by the server (CHeKT Partner API § Sites).
//!     version: 0.9.0               # optional
//! ```
//!
//! A matching change keeps its class but is shown as accepted, with its
//! reason, and does not fail the run; an entry that matches nothing is
//! stale ([`Report::stale`]). A bad entry (unknown key or rule, malformed
//! pointer, operation or version, missing reason, the same change twice)
//! is an error naming the file and line.

use serde::Serialize;

use saphyr_parser::{Event, Parser, ScalarStyle};

use super::reclassify::known_rule;
use super::{Change, Report};
use crate::error::{Error, Result};
use crate::load::METHODS;

/// Why a change was accepted, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Acceptance {
    /// The entry's reason.
    pub reason: String,
    /// The version that accepts it, when the entry says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `file:line` of the entry.
    pub entry: String,
}

/// An entry that matched no change: the file should drop it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stale {
    /// The acknowledged-changes file.
    pub file: String,
    /// The entry's 1-based line.
    pub line: usize,
    /// Its rule id.
    pub rule: &'static str,
    /// Its operation, when it names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// Its JSON pointer.
    pub pointer: String,
}

/// One entry of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    line: usize,
    rule: &'static str,
    operation: Option<String>,
    pointer: String,
    reason: String,
    version: Option<String>,
}

/// The parsed file ([`parse_accepted`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AcceptedChanges {
    file: String,
    entries: Vec<Entry>,
}

impl AcceptedChanges {
    /// How many entries the file holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the file holds no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A value with the 1-based line it starts on.
type Located<T> = (usize, T);

/// A YAML node: a scalar (and whether it is null), a list, or a mapping's
/// fields (key line, key, value).
enum Node {
    Scalar(String, bool),
    List(Vec<Located<Node>>),
    Map(Vec<(usize, String, Located<Node>)>),
}

/// A collection being read, with the key awaiting its value.
struct Open {
    line: usize,
    node: Node,
    key: Option<Located<String>>,
}

const KEYS: [&str; 5] = ["rule", "operation", "pointer", "reason", "version"];

/// Reads an acknowledged-changes file (module docs).
///
/// # Errors
/// [`Error::DiffRules`] naming `file` and the line: YAML that does not
/// parse, a top level other than `accepted: [entries]`, an unknown key
/// (with the keys), an unknown rule (with the closest id), a pointer that
/// is not an RFC 6901 JSON pointer, an operation not `METHOD /path`, a
/// version not `MAJOR.MINOR.PATCH`, a missing or empty `rule`, `pointer`
/// or `reason`, or an entry naming the same change as an earlier one.
///
/// ```
/// use chekt_gen::diff::parse_accepted;
///
/// let text = "accepted:\n  - rule: server-removed\n    pointer: /servers/1\n    reason: staging is gone\n";
/// assert_eq!(parse_accepted("accepted.yaml", text)?.len(), 1);
/// let bad = parse_accepted("accepted.yaml", "accepted:\n  - rule: server-remove\n    pointer: /servers/1\n    reason: r\n");
/// assert_eq!(
///     bad.unwrap_err().to_string(),
///     "accepted.yaml:2: unknown diff rule `server-remove`; did you mean `server-removed`? (the rules: chekt-gen/src/diff/rules.rs)"
/// );
/// # Ok::<(), chekt_gen::Error>(())
/// ```
pub fn parse_accepted(file: &str, text: &str) -> Result<AcceptedChanges> {
    let error = |line: usize, message: String| Error::DiffRules {
        file: file.to_string(),
        line,
        message,
    };
    let mut accepted = AcceptedChanges {
        file: file.to_string(),
        entries: Vec::new(),
    };
    let Some((line, root)) = read_yaml(text).map_err(|(line, m)| error(line, m))? else {
        return Ok(accepted);
    };
    let Node::Map(top) = root else {
        return Err(error(
            line,
            "expected a mapping with the key `accepted`".into(),
        ));
    };
    for (line, key, (value_line, value)) in top {
        if key != "accepted" {
            return Err(error(
                line,
                format!("unknown key `{key}`; expected `accepted`"),
            ));
        }
        let list = match value {
            Node::List(list) => list,
            Node::Scalar(_, true) => Vec::new(),
            _ => {
                return Err(error(
                    value_line,
                    "`accepted` must be a list of entries".into(),
                ));
            }
        };
        for (line, item) in list {
            let entry = entry(line, item).map_err(|(line, m)| error(line, m))?;
            if let Some(first) = accepted.entries.iter().find(|e| {
                (e.rule, &e.operation, &e.pointer) == (entry.rule, &entry.operation, &entry.pointer)
            }) {
                return Err(error(
                    line,
                    format!("the same change as the entry on line {}", first.line),
                ));
            }
            accepted.entries.push(entry);
        }
    }
    Ok(accepted)
}

/// One entry, checked field by field.
fn entry(line: usize, node: Node) -> std::result::Result<Entry, Located<String>> {
    let Node::Map(fields) = node else {
        return Err((
            line,
            format!("an entry must be a mapping of {}", KEYS.join(", ")),
        ));
    };
    let mut found: [Option<Located<String>>; 5] = Default::default();
    for (key_line, key, (value_line, value)) in fields {
        let Some(slot) = KEYS.iter().position(|k| *k == key) else {
            let hint = crate::rule_file::closest_hint(&key, KEYS.into_iter());
            return Err((
                key_line,
                format!("unknown key `{key}`{hint} (the keys: {})", KEYS.join(", ")),
            ));
        };
        let Node::Scalar(text, false) = value else {
            return Err((value_line, format!("`{key}` must be a non-empty string")));
        };
        found[slot] = Some((value_line, text.trim().to_string()));
    }
    let [rule, operation, pointer, reason, version] = found;
    let required = |field: Option<Located<String>>, key: &str| {
        field
            .filter(|(_, text)| !text.is_empty())
            .ok_or_else(|| (line, format!("the entry has no `{key}` (required)")))
    };
    let (rule_line, rule) = required(rule, "rule")?;
    let rule = known_rule(&rule).map_err(|m| (rule_line, m))?;
    let (pointer_line, pointer) = required(pointer, "pointer")?;
    check_pointer(&pointer).map_err(|m| (pointer_line, m))?;
    let (_, reason) = required(reason, "reason")?;
    if let Some((at, op)) = &operation {
        check_operation(op).map_err(|m| (*at, m))?;
    }
    if let Some((at, v)) = &version {
        check_version(v).map_err(|m| (*at, m))?;
    }
    Ok(Entry {
        line,
        rule,
        operation: operation.map(|(_, op)| op),
        pointer,
        reason,
        version: version.map(|(_, v)| v),
    })
}

/// An RFC 6901 JSON pointer: empty, or `/`-separated tokens where `~` is
/// only ever `~0` or `~1`.
fn check_pointer(pointer: &str) -> std::result::Result<(), String> {
    if !pointer.is_empty() && !pointer.starts_with('/') {
        let hint = if pointer.starts_with("#/") {
            " (drop the leading `#`)"
        } else {
            ""
        };
        return Err(format!(
            "`{pointer}` is not a JSON pointer: it must start with `/`{hint} (RFC 6901)"
        ));
    }
    let mut chars = pointer.chars();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return Err(format!(
                "`{pointer}` is not a JSON pointer: `~` must be `~0` or `~1` (RFC 6901)"
            ));
        }
    }
    Ok(())
}

/// `METHOD /path`, as the report names operations.
fn check_operation(operation: &str) -> std::result::Result<(), String> {
    let valid = operation.split_once(' ').is_some_and(|(method, path)| {
        METHODS.iter().any(|m| m.to_uppercase() == method) && path.starts_with('/')
    });
    if valid {
        Ok(())
    } else {
        Err(format!(
            "`{operation}` is not an operation; expected `METHOD /path` as the report names it, e.g. `GET /sites`"
        ))
    }
}

/// `MAJOR.MINOR.PATCH`, each a number.
fn check_version(version: &str) -> std::result::Result<(), String> {
    let parts: Vec<&str> = version.split('.').collect();
    if parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        Ok(())
    } else {
        Err(format!(
            "`{version}` is not a version; expected MAJOR.MINOR.PATCH, e.g. 0.9.0"
        ))
    }
}

/// The document's root node and its line, `None` for an empty document;
/// errors carry the line.
fn read_yaml(text: &str) -> std::result::Result<Option<Located<Node>>, Located<String>> {
    let open = |line, node| Open {
        line,
        node,
        key: None,
    };
    let mut stack: Vec<Open> = Vec::new();
    let mut root = None;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| (e.marker().line(), e.info().to_string()))?;
        let line = span.start.line();
        let done = match event {
            Event::Scalar(value, style, _, _) => {
                let null = style == ScalarStyle::Plain
                    && matches!(value.as_ref(), "" | "~" | "null" | "Null" | "NULL");
                Some((line, Node::Scalar(value.into_owned(), null)))
            }
            Event::SequenceStart(..) => {
                stack.push(open(line, Node::List(Vec::new())));
                None
            }
            Event::MappingStart(..) => {
                stack.push(open(line, Node::Map(Vec::new())));
                None
            }
            Event::SequenceEnd | Event::MappingEnd => stack.pop().map(|o| (o.line, o.node)),
            Event::Alias(_) => return Err((line, "YAML aliases are not supported here".into())),
            _ => None,
        };
        let Some((line, node)) = done else { continue };
        let Some(parent) = stack.last_mut() else {
            root = Some((line, node));
            continue;
        };
        match &mut parent.node {
            Node::List(items) => items.push((line, node)),
            Node::Map(fields) => match parent.key.take() {
                Some((key_line, key)) => fields.push((key_line, key, (line, node))),
                None => match node {
                    Node::Scalar(text, _) => parent.key = Some((line, text)),
                    _ => return Err((line, "a mapping key must be a string".into())),
                },
            },
            Node::Scalar(..) => {}
        }
    }
    Ok(root.filter(|(_, node)| !matches!(node, Node::Scalar(_, true))))
}

impl Stale {
    /// The entry as an error (for `--strict`): [`Error::DiffRules`] naming
    /// the file and line.
    pub fn to_error(&self) -> Error {
        Error::DiffRules {
            file: self.file.clone(),
            line: self.line,
            message: format!(
                "stale entry: `{}`{} at `{}` matches no change; remove it",
                self.rule,
                self.operation
                    .as_ref()
                    .map(|o| format!(" for `{o}`"))
                    .unwrap_or_default(),
                self.pointer
            ),
        }
    }
}

impl Report {
    /// Marks each change an entry of `accepted` names as accepted
    /// ([`Change::accepted`]) and records the entries that named nothing
    /// in [`Report::stale`].
    pub fn accept(&mut self, accepted: &AcceptedChanges) {
        for entry in &accepted.entries {
            let at = format!("{}:{}", accepted.file, entry.line);
            let mut used = false;
            for change in self.changes.iter_mut().filter(|c| matches(entry, c)) {
                change.accepted = Some(Acceptance {
                    reason: entry.reason.clone(),
                    version: entry.version.clone(),
                    entry: at.clone(),
                });
                used = true;
            }
            if !used {
                self.stale.push(Stale {
                    file: accepted.file.clone(),
                    line: entry.line,
                    rule: entry.rule,
                    operation: entry.operation.clone(),
                    pointer: entry.pointer.clone(),
                });
            }
        }
    }
}

/// The same rule, at the entry's pointer on either side, and (when the
/// entry names one) for its operation.
fn matches(entry: &Entry, change: &Change) -> bool {
    entry.rule == change.rule
        && (entry.pointer == change.old_pointer || entry.pointer == change.new_pointer)
        && entry
            .operation
            .as_ref()
            .is_none_or(|op| change.operations.contains(op))
}
