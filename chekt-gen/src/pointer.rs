//! JSON pointers (RFC 6901): building them from segments and resolving them
//! in a document, including `$ref`s inside the document.

use std::borrow::Cow;

use serde_json::Value;

/// Escapes one reference token (`~` → `~0`, `/` → `~1`).
pub fn escape(token: &str) -> String {
    let mut out = String::with_capacity(token.len());
    escape_into(&mut out, token);
    out
}

/// Appends `/` and the escaped `token` to `pointer` (one allocation at
/// most: lint walks call this for every node of a document).
fn escape_into(pointer: &mut String, token: &str) {
    if token.contains(['~', '/']) {
        for c in token.chars() {
            match c {
                '~' => pointer.push_str("~0"),
                '/' => pointer.push_str("~1"),
                c => pointer.push(c),
            }
        }
    } else {
        pointer.push_str(token);
    }
}

/// Undoes [`escape`].
pub fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// Builds a pointer from unescaped segments: `["paths", "/a"]` → `/paths/~1a`.
pub fn join<I, S>(segments: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    join_onto("", segments)
}

/// Appends one unescaped segment to a pointer.
pub fn push(pointer: &str, segment: impl AsRef<str>) -> String {
    join_onto(pointer, [segment])
}

/// Appends several unescaped segments to a pointer.
pub fn join_onto<I, S>(pointer: &str, segments: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut out = pointer.to_string();
    for segment in segments {
        out.push('/');
        escape_into(&mut out, segment.as_ref());
    }
    out
}

/// The unescaped segments from the root to the node a walk is at. The
/// pointer is built only when asked for ([`Trail::pointer`]), so a walk
/// over every node of a document builds strings only for its hits.
#[derive(Debug, Default)]
pub struct Trail<'a>(Vec<Cow<'a, str>>);

impl<'a> Trail<'a> {
    /// Steps into `segment` (a key or an array index).
    pub fn push(&mut self, segment: impl Into<Cow<'a, str>>) {
        self.0.push(segment.into());
    }

    /// Steps back out of the last segment.
    pub fn pop(&mut self) {
        self.0.pop();
    }

    /// The unescaped segments, root first.
    pub fn segments(&self) -> impl DoubleEndedIterator<Item = &str> + ExactSizeIterator {
        self.0.iter().map(AsRef::as_ref)
    }

    /// The JSON pointer of the node (`/paths/~1a/get`).
    pub fn pointer(&self) -> String {
        join(self.segments())
    }
}

/// The pointer a local `$ref` (`#/components/...`) names, or `None` for an
/// external or malformed reference.
pub fn from_ref(reference: &str) -> Option<&str> {
    let rest = reference.strip_prefix('#')?;
    (rest.is_empty() || rest.starts_with('/')).then_some(rest)
}

/// Why a `$ref` cannot be followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefError {
    /// The reference names a pointer with nothing at it.
    Dangling {
        /// Where the `$ref` is.
        at: String,
        /// The reference as written.
        reference: String,
    },
    /// A reference to another document (or not a `#/...` pointer).
    External {
        /// Where the `$ref` is.
        at: String,
        /// The reference as written.
        reference: String,
    },
    /// Following references comes back to one already followed.
    Cycle {
        /// Where the chain starts.
        at: String,
        /// The chain, in order.
        chain: Vec<String>,
    },
}

impl std::fmt::Display for RefError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RefError::Dangling { reference, .. } => {
                write!(f, "`$ref: {reference}` points at nothing")
            }
            RefError::External { reference, .. } => write!(
                f,
                "`$ref: {reference}` is not a local `#/...` reference (external references are not supported)"
            ),
            RefError::Cycle { chain, .. } => write!(
                f,
                "`$ref` cycle that never reaches a value: {}",
                chain.join(" → ")
            ),
        }
    }
}

impl RefError {
    /// The pointer of the `$ref` at fault.
    pub fn pointer(&self) -> &str {
        match self {
            RefError::Dangling { at, .. }
            | RefError::External { at, .. }
            | RefError::Cycle { at, .. } => at,
        }
    }
}

/// The one `$ref` resolver: follows local `$ref`s from `value` (found at
/// `at`) until a value that is not a reference, returning it and its
/// pointer. A dangling, external or cyclic chain is an error.
pub fn follow<'a>(
    root: &'a Value,
    at: String,
    value: &'a Value,
) -> Result<(String, &'a Value), RefError> {
    let (start, mut at, mut value) = (at.clone(), at, value);
    let mut chain = vec![at.clone()];
    while let Some(reference) = value.get("$ref").and_then(Value::as_str) {
        let target = from_ref(reference).ok_or_else(|| RefError::External {
            at: at.clone(),
            reference: reference.to_string(),
        })?;
        if chain.iter().any(|p| p == target) {
            chain.push(target.to_string());
            return Err(RefError::Cycle { at: start, chain });
        }
        value = root.pointer(target).ok_or_else(|| RefError::Dangling {
            at: at.clone(),
            reference: reference.to_string(),
        })?;
        at = target.to_string();
        chain.push(at.clone());
    }
    Ok((at, value))
}

/// Resolves a pointer in `root`, following a `$ref` at the end; `None` when
/// nothing is there or the chain is dangling or cyclic.
pub fn resolve<'a>(root: &'a Value, pointer: &str) -> Option<&'a Value> {
    resolve_located(root, pointer).map(|(_, value)| value)
}

/// Like [`resolve`], but also returns the pointer where the value was found
/// after following `$ref`s, so that values reached by different routes can be
/// told apart or cached by where they live.
pub fn resolve_located<'a>(root: &'a Value, pointer: &str) -> Option<(String, &'a Value)> {
    follow(root, pointer.to_string(), root.pointer(pointer)?).ok()
}

/// If `value` is a `{"$ref": "#/..."}` object, the value it points to
/// (recursively); otherwise `value` itself. `None` for a dangling reference.
pub fn follow_ref<'a>(root: &'a Value, value: &'a Value) -> Option<&'a Value> {
    follow(root, String::new(), value).ok().map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escapes_and_joins() {
        let cases = [
            (vec!["paths", "/a/{b}", "get"], "/paths/~1a~1{b}/get"),
            (vec!["x~y"], "/x~0y"),
            (vec![], ""),
        ];
        for (segments, expected) in cases {
            assert_eq!(join(&segments), expected);
        }
        assert_eq!(unescape("~1a~0b"), "/a~b");
        assert_eq!(push("/paths", "/a~"), "/paths/~1a~0");
        let mut trail = Trail::default();
        for segment in ["paths", "/a/{b}", "x~y"] {
            trail.push(segment);
        }
        trail.pop();
        trail.push(String::from("0"));
        assert_eq!(trail.pointer(), "/paths/~1a~1{b}/0");
        assert_eq!(trail.segments().next_back(), Some("0"));
    }

    #[test]
    fn resolves_through_refs() {
        let doc = json!({
            "components": {"schemas": {"A": {"$ref": "#/components/schemas/B"}, "B": {"type": "string"}}},
            "use": {"$ref": "#/components/schemas/A"},
            "loop": {"$ref": "#/loop"}
        });
        assert_eq!(resolve(&doc, "/use"), Some(&json!({"type": "string"})));
        assert_eq!(resolve(&doc, "/loop"), None);
        assert_eq!(
            resolve_located(&doc, "/use"),
            Some((
                "/components/schemas/B".to_string(),
                &json!({"type": "string"})
            ))
        );
        assert_eq!(resolve_located(&doc, "/loop"), None);
        assert_eq!(resolve(&doc, "/missing"), None);
        assert_eq!(from_ref("other.yaml#/x"), None);
        assert_eq!(from_ref("#/components"), Some("/components"));
        let cycle = follow(&doc, "/loop".into(), &doc["loop"]).unwrap_err();
        assert_eq!(cycle.pointer(), "/loop");
        let dangling = json!({"a": {"$ref": "#/nope"}});
        assert!(matches!(
            follow(&dangling, "/a".into(), &dangling["a"]),
            Err(RefError::Dangling { .. })
        ));
    }
}
