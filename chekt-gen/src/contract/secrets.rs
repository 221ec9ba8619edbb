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

/// JSON keys whose string values are secrets wherever they appear.
pub const SECRET_KEYS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "assertion",
    "api_key",
    "apikey",
    "secret",
    "signing_secret",
    "password",
    "code_verifier",
];

/// Headers whose values are secrets.
pub const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "x-chekt-signature",
];

/// What the scan looks for: (kind, pattern).
const PATTERNS: &[(&str, &str)] = &[
    (
        "a CHeKT API key (`chekt_live_`/`chekt_test_`)",
        r"chekt_(?:live|test)_",
    ),
    ("a bearer token", r"Bearer\s+[A-Za-z0-9\-._~+/]{12,}=*"),
    ("a JWT", r"eyJ[A-Za-z0-9_-]{10,}"),
];

static COMPILED: LazyLock<Vec<(&'static str, Option<Regex>)>> = LazyLock::new(|| {
    PATTERNS
        .iter()
        .map(|(kind, pattern)| (*kind, Regex::new(pattern).ok()))
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

/// Every line of `text` that looks like it holds a secret.
pub fn scan(text: &str) -> Vec<SecretHit> {
    text.lines()
        .enumerate()
        .flat_map(|(i, line)| {
            COMPILED
                .iter()
                .filter(move |(_, re)| re.as_ref().is_some_and(|re| re.is_match(line)))
                .map(move |(kind, _)| SecretHit { line: i + 1, kind })
        })
        .collect()
}

fn looks_secret(text: &str) -> bool {
    COMPILED
        .iter()
        .any(|(_, re)| re.as_ref().is_some_and(|re| re.is_match(text)))
}

/// Replaces secret header values with placeholders (`Authorization` keeps
/// its scheme: `Bearer REDACTED`).
pub fn scrub_headers(headers: &mut BTreeMap<String, String>) {
    for (name, value) in headers.iter_mut() {
        let name = name.to_ascii_lowercase();
        if name == "x-chekt-signature" {
            *value = SIGNATURE_PLACEHOLDER.to_string();
        } else if name == "authorization" || name == "proxy-authorization" {
            *value = match value.split_once(' ') {
                Some((scheme, _)) => format!("{scheme} {PLACEHOLDER}"),
                None => PLACEHOLDER.to_string(),
            };
        } else if SECRET_HEADERS.contains(&name.as_str()) || looks_secret(value) {
            *value = PLACEHOLDER.to_string();
        }
    }
}

/// Replaces, anywhere in `value`, the strings under [`SECRET_KEYS`] and
/// any string that looks like a secret, with [`PLACEHOLDER`]. Ids and
/// everything else are left as they are.
pub fn scrub_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if child.is_string() && SECRET_KEYS.contains(&key.to_ascii_lowercase().as_str()) {
                    *child = Value::String(PLACEHOLDER.to_string());
                } else {
                    scrub_json(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(scrub_json),
        Value::String(text) if looks_secret(text) => *text = PLACEHOLDER.to_string(),
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
    fn scrubs_secrets_and_keeps_ids() {
        let mut body = json!({
            "access_token": "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
            "token_type": "Bearer",
            "nested": [{"client_secret": "s3cr3t", "site_id": "site_29snd", "note": "chekt_test_abcdef"}],
            "expires_in": 3600
        });
        scrub_json(&mut body);
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
        scrub_headers(&mut headers);
        assert_eq!(headers["authorization"], "Bearer REDACTED");
        assert_eq!(headers["x-chekt-signature"], SIGNATURE_PLACEHOLDER);
        assert_eq!(
            headers["x-partner-trace-id"],
            "550e8400-e29b-41d4-a716-123456789000"
        );
    }
}
