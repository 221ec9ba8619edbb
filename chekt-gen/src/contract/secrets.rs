//! Keeping secrets out of recordings: scrubbing to fixed placeholders, and a
//! scan that finds anything that still looks like a secret.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

/// What a scrubbed token, key or client secret becomes.
pub const PLACEHOLDER: &str = "REDACTED";

/// What a scrubbed `x-chekt-signature` becomes: still 64 hex digits, so the
/// header keeps matching its schema.
pub const SIGNATURE_PLACEHOLDER: &str =
    "0000000000000000000000000000000000000000000000000000000000000000";

/// JSON keys whose string values are secrets wherever they appear: the
/// project's one list ([`crate::secret_names`]).
pub const SECRET_KEYS: &[&str] = crate::secret_names::SECRET_FIELDS;

/// Headers whose values are secrets.
pub const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "x-chekt-signature",
];

/// What the scan looks for: (kind, pattern). A pattern with a capture
/// group is a hit only when the captured value is not [`PLACEHOLDER`]
/// (the same shapes `chekt_api::redact` redacts; a test there keeps the
/// two in step).
const PATTERNS: &[(&str, &str)] = &[
    (
        "a CHeKT API key (`chekt_live_`/`chekt_test_`)",
        r"chekt_(?:live|test)_",
    ),
    ("a bearer token", r"(?i)Bearer\s+([A-Za-z0-9\-._~+/]{8,}=*)"),
    ("a JWT", r"eyJ[A-Za-z0-9_-]{10,}"),
    (
        "a credential field (`access_token`, `client_secret`, ...) with a value",
        r#"(?i)\\?"(?:{fields})\\?"\s*:\s*\\?"([^"\\]+)"#,
    ),
    (
        "a credential in a form or query string (`access_token=...`)",
        r"(?i)\b(?:{fields})=([^&\s\\]+)",
    ),
];

static COMPILED: LazyLock<Vec<(&'static str, Option<Regex>)>> = LazyLock::new(|| {
    PATTERNS
        .iter()
        .map(|(kind, pattern)| (*kind, Regex::new(&with_fields(pattern)).ok()))
        .collect()
});

/// One place in a text that looks like a secret. It never holds the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretHit {
    /// 1-based line.
    pub line: usize,
    /// What it looks like.
    pub kind: &'static str,
}

/// Whether `re` finds a secret in `text`: a match whose captured value (if
/// the pattern captures one) is not the placeholder.
fn finds(re: &Regex, text: &str) -> bool {
    re.captures_iter(text).any(|c| match c.get(1) {
        Some(value) => value.as_str() != PLACEHOLDER,
        None => true,
    })
}

/// Every line of `text` that looks like it holds a secret.
pub fn scan(text: &str) -> Vec<SecretHit> {
    text.lines()
        .enumerate()
        .flat_map(|(i, line)| {
            COMPILED
                .iter()
                .filter(move |(_, re)| re.as_ref().is_some_and(|re| finds(re, line)))
                .map(move |(kind, _)| SecretHit { line: i + 1, kind })
        })
        .collect()
}

/// `pattern` with `{fields}` replaced by the alternation of
/// [`SECRET_KEYS`].
fn with_fields(pattern: &str) -> String {
    pattern.replace("{fields}", &SECRET_KEYS.join("|"))
}

/// `text` with every token-shaped part replaced by [`PLACEHOLDER`]:
/// API keys, bearer tokens, JWTs, credential fields in JSON or form text
/// (also in a body cut off mid-value), and each of `known` (the
/// credentials the recording was made with) wherever it appears.
pub fn scrub_text(text: &str, known: &[String]) -> String {
    static RULES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
        [
            (r"chekt_(?:live|test)_[A-Za-z0-9]+", PLACEHOLDER),
            (r"(?i)(Bearer\s+)[A-Za-z0-9\-._~+/]{8,}=*", "${1}REDACTED"),
            (
                r"eyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*){0,2}",
                PLACEHOLDER,
            ),
            (
                r#"(?i)(\\?"(?:{fields})\\?"\s*:\s*\\?")[^"\\]*"#,
                "${1}REDACTED",
            ),
            (r"(?i)(\b(?:{fields})=)[^&\s\\]+", "${1}REDACTED"),
        ]
        .into_iter()
        .filter_map(|(pattern, with)| Some((Regex::new(&with_fields(pattern)).ok()?, with)))
        .collect()
    });
    let mut out = text.to_string();
    for secret in known {
        out = out.replace(secret.as_str(), PLACEHOLDER);
    }
    for (re, with) in RULES.iter() {
        out = re.replace_all(&out, *with).into_owned();
    }
    out
}

/// Credentials shorter than this are not searched for in other places (a
/// two-letter test secret would mangle unrelated text); the fields that
/// hold them are still scrubbed.
const MIN_KNOWN_LEN: usize = 6;

/// The credentials a request carries, to scrub wherever they reappear (a
/// server echoing them in `error_description` or a field): the value of
/// each [`SECRET_HEADERS`] header (after its scheme) and of each
/// [`SECRET_KEYS`] field of the body, at any depth.
pub fn known_secrets(headers: &BTreeMap<String, String>, body: Option<&Value>) -> Vec<String> {
    fn walk(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    match child {
                        Value::String(s)
                            if SECRET_KEYS.contains(&key.to_ascii_lowercase().as_str()) =>
                        {
                            out.push(s.clone())
                        }
                        _ => walk(child, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut known: Vec<String> = headers
        .iter()
        .filter(|(name, _)| SECRET_HEADERS.contains(&name.to_ascii_lowercase().as_str()))
        .map(|(_, value)| {
            value
                .split_once(' ')
                .map_or(value.as_str(), |(_, v)| v)
                .trim()
                .to_string()
        })
        .collect();
    if let Some(body) = body {
        walk(body, &mut known);
    }
    known.retain(|s| s.len() >= MIN_KNOWN_LEN && s != PLACEHOLDER);
    // Longest first, so a secret containing another is replaced whole.
    known.sort_by_key(|s| std::cmp::Reverse(s.len()));
    known.dedup();
    known
}

/// Replaces secret header values with placeholders (`Authorization` keeps
/// its scheme: `Bearer REDACTED`), and `known` credentials anywhere.
pub fn scrub_headers(headers: &mut BTreeMap<String, String>, known: &[String]) {
    for (name, value) in headers.iter_mut() {
        let name = name.to_ascii_lowercase();
        if name == "x-chekt-signature" {
            *value = SIGNATURE_PLACEHOLDER.to_string();
        } else if name == "authorization" || name == "proxy-authorization" {
            *value = match value.split_once(' ') {
                Some((scheme, _)) => format!("{scheme} {PLACEHOLDER}"),
                None => PLACEHOLDER.to_string(),
            };
        } else if SECRET_HEADERS.contains(&name.as_str()) {
            *value = PLACEHOLDER.to_string();
        } else {
            *value = scrub_text(value, known);
        }
    }
}

/// Replaces, anywhere in `value`, the strings under [`SECRET_KEYS`] with
/// [`PLACEHOLDER`], and in every other string the token-shaped parts and
/// the `known` credentials ([`scrub_text`]): an `error_description` or an
/// echoed field keeps its words, not the secret. Ids and everything else
/// are left as they are.
pub fn scrub_json(value: &mut Value, known: &[String]) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if child.is_string() && SECRET_KEYS.contains(&key.to_ascii_lowercase().as_str()) {
                    *child = Value::String(PLACEHOLDER.to_string());
                } else {
                    scrub_json(child, known);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| scrub_json(v, known)),
        Value::String(text) => *text = scrub_text(text, known),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_pattern_compiles() {
        assert!(COMPILED.iter().all(|(_, re)| re.is_some()));
    }

    #[test]
    fn scan_finds_secrets_but_not_placeholders() {
        let cases: &[(&str, &[&str])] = &[
            ("key: chekt_live_8h2j3kfm2918sndlj", &[PATTERNS[0].0]),
            ("\"chekt_test_abc\"", &[PATTERNS[0].0]),
            (
                "Authorization: Bearer 9f8e7d6c5b4a39281706",
                &[PATTERNS[1].0],
            ),
            (
                "Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.sig",
                &[PATTERNS[1].0, PATTERNS[2].0],
            ),
            ("Bearer REDACTED", &[]),
            (r#""refresh_token": "opaque-77""#, &[PATTERNS[3].0]),
            (
                r#""body_text": "{\"access_token\": \"opaque-cut"#,
                &[PATTERNS[3].0],
            ),
            (r#""access_token": "REDACTED""#, &[]),
            (
                "grant_type=client_credentials&client_secret=s3cr3t",
                &[PATTERNS[4].0],
            ),
            ("client_secret=REDACTED&scope=sites:read", &[]),
            ("\"access_token\": \"REDACTED\"", &[]),
            ("\"token_type\": \"Bearer\", \"id\": \"dev_8h2j3kfm\"", &[]),
        ];
        for (text, kinds) in cases {
            let found = scan(text).iter().map(|h| h.kind).collect::<Vec<_>>();
            assert_eq!(&found, kinds, "{text}");
        }
        assert_eq!(scan("ok\nchekt_live_x")[0].line, 2);
    }

    #[test]
    fn scrub_text_keeps_the_words_and_drops_the_secrets() {
        let known = vec!["opaque-secret-42".to_string()];
        let cases = [
            (
                "secret opaque-secret-42 was revoked",
                "secret REDACTED was revoked",
            ),
            (
                r#"{"access_token": "cut-mid-va"#,
                r#"{"access_token": "REDACTED"#,
            ),
            ("refresh_token=abc123&x=1", "refresh_token=REDACTED&x=1"),
            ("token Bearer abcdefgh12345", "token Bearer REDACTED"),
            ("id dev_8h2j3kfm stays", "id dev_8h2j3kfm stays"),
        ];
        for (given, expected) in cases {
            assert_eq!(scrub_text(given, &known), expected, "{given}");
            assert!(scan(&scrub_text(given, &known)).is_empty(), "{given}");
        }
    }

    #[test]
    fn scrubs_secrets_and_keeps_ids() {
        let mut body = json!({
            "access_token": "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
            "token_type": "Bearer",
            "nested": [{"client_secret": "s3cr3t", "site_id": "site_29snd", "note": "chekt_test_abcdef"}],
            "expires_in": 3600
        });
        scrub_json(&mut body, &[]);
        assert_eq!(
            body,
            json!({
                "access_token": "REDACTED",
                "token_type": "Bearer",
                "nested": [{"client_secret": "REDACTED", "site_id": "site_29snd", "note": "REDACTED"}],
                "expires_in": 3600
            })
        );
        let mut headers = BTreeMap::from([
            (
                "authorization".to_string(),
                "Bearer chekt_live_abc".to_string(),
            ),
            ("x-chekt-signature".to_string(), "ab".repeat(32)),
            (
                "x-partner-trace-id".to_string(),
                "550e8400-e29b-41d4-a716-123456789000".to_string(),
            ),
        ]);
        scrub_headers(&mut headers, &[]);
        assert_eq!(headers["authorization"], "Bearer REDACTED");
        assert_eq!(headers["x-chekt-signature"], SIGNATURE_PLACEHOLDER);
        assert_eq!(
            headers["x-partner-trace-id"],
            "550e8400-e29b-41d4-a716-123456789000"
        );
    }
}
