//! JSON pointers (RFC 6901): building them from segments and resolving them
//! in a document, including `$ref`s inside the document.

use serde_json::Value;

/// Escapes one reference token (`~` → `~0`, `/` → `~1`).
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
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
    segments
        .into_iter()
        .map(|s| format!("/{}", escape(s.as_ref())))
        .collect()
}

/// Appends one unescaped segment to a pointer.
pub fn push(pointer: &str, segment: impl AsRef<str>) -> String {
    format!("{pointer}/{}", escape(segment.as_ref()))
}

/// Appends several unescaped segments to a pointer.
pub fn join_onto<I, S>(pointer: &str, segments: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    format!("{pointer}{}", join(segments))
}

/// The pointer a local `$ref` (`#/components/...`) names, or `None` for an
/// external or malformed reference.
pub fn from_ref(reference: &str) -> Option<&str> {
    let rest = reference.strip_prefix('#')?;
    (rest.is_empty() || rest.starts_with('/')).then_some(rest)
}

/// Resolves a pointer in `root`, following a `$ref` met on the way or at the
/// end (up to a fixed depth, so cycles cannot loop forever).
pub fn resolve<'a>(root: &'a Value, pointer: &str) -> Option<&'a Value> {
    resolve_depth(root, pointer, 32)
}

/// Like [`resolve`], but also returns the pointer where the value was found
/// after following `$ref`s, so that values reached by different routes can be
/// told apart or cached by where they live.
pub fn resolve_located<'a>(root: &'a Value, pointer: &str) -> Option<(String, &'a Value)> {
    let mut pointer = pointer.to_string();
    for _ in 0..32 {
        let value = root.pointer(&pointer)?;
        match value.get("$ref").and_then(Value::as_str) {
            Some(reference) => pointer = from_ref(reference)?.to_string(),
            None => return Some((pointer, value)),
        }
    }
    None
}

fn resolve_depth<'a>(root: &'a Value, pointer: &str, depth: usize) -> Option<&'a Value> {
    let value = root.pointer(pointer)?;
    follow_ref_depth(root, value, depth)
}

/// If `value` is a `{"$ref": "#/..."}` object, the value it points to
/// (recursively); otherwise `value` itself. `None` for a dangling reference.
pub fn follow_ref<'a>(root: &'a Value, value: &'a Value) -> Option<&'a Value> {
    follow_ref_depth(root, value, 32)
}

fn follow_ref_depth<'a>(root: &'a Value, value: &'a Value, depth: usize) -> Option<&'a Value> {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) if depth > 0 => resolve_depth(root, from_ref(reference)?, depth - 1),
        Some(_) => None,
        None => Some(value),
    }
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
    }
}
