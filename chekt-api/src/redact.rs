//! Redacting token-shaped secrets from text a server sent, wherever a body
//! is shown (error excerpts, token errors, the CLI's error line).
//!
//! What counts as a secret (the same shapes the contract's secret scan in
//! `chekt-gen/src/contract/secrets.rs` looks for; a test keeps them in
//! step):
//!
//! * the value of a JSON field or form field named like a credential
//!   ([`SECRET_FIELDS`]: `access_token`, `refresh_token`, `client_secret`,
//!   ...), also when the body is cut off inside it;
//! * `Bearer <token>`;
//! * a JWT (`eyJ…`);
//! * a CHeKT API key (`chekt_live_…` / `chekt_test_…`).

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// What a redacted secret becomes.
pub const REDACTED: &str = "[redacted]";

/// Field names whose values are secrets (compared case-insensitively):
/// the project's one list, generated from chekt-gen's `secret_names`
/// (also used by the `chekt` CLI, the generated types' `Debug` and the
/// contract recorder).
pub use crate::generated::SECRET_FIELDS;

/// (pattern, replacement) pairs applied in order.
static RULES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    let fields = SECRET_FIELDS.join("|");
    [
        // "field": "value" — the value may be cut off (no closing quote).
        (
            format!(r#"(?i)("(?:{fields})"\s*:\s*")(?:[^"\\]|\\.)*("?)"#),
            "${1}[redacted]${2}",
        ),
        // field=value in a form or query string.
        (format!(r"(?i)\b((?:{fields})=)[^&\s]+"), "${1}[redacted]"),
        (
            r"(?i)\b(Bearer\s+)[A-Za-z0-9\-._~+/]+=*".to_string(),
            "${1}[redacted]",
        ),
        (
            r"eyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*){0,2}".to_string(),
            "[redacted]",
        ),
        (
            r"chekt_(?:live|test)_[A-Za-z0-9]+".to_string(),
            "[redacted]",
        ),
    ]
    .into_iter()
    .filter_map(|(pattern, with)| Some((Regex::new(&pattern).ok()?, with)))
    .collect()
});

/// `text` with every secret replaced by [`REDACTED`] (borrowed when there
/// was none).
///
/// ```
/// use chekt_api::redact::text;
///
/// let body = r#"{"access_token": "eyJhbGciOiJIUzI1NiJ9.e30.sig", "expires_in": "soon"}"#;
/// assert_eq!(text(body), r#"{"access_token": "[redacted]", "expires_in": "soon"}"#);
/// assert_eq!(text("Authorization: Bearer abc.def"), "Authorization: Bearer [redacted]");
/// ```
pub fn text(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for (pattern, with) in RULES.iter() {
        if let Cow::Owned(replaced) = pattern.replace_all(&out, *with) {
            out = Cow::Owned(replaced);
        }
    }
    out
}

/// Secrets at least this long are redacted wherever they occur; shorter
/// ones (a test's `tok`) only as a whole word, so `token` stays readable.
const ANYWHERE: usize = 8;

/// `text` with every occurrence of each of `secrets` (values this client
/// sent, e.g. a token request's client secret) replaced by [`REDACTED`],
/// whatever shape the server echoed them in; empty secrets are ignored.
pub(crate) fn known(text: &str, secrets: &[&str]) -> String {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    secrets
        .iter()
        .filter(|secret| !secret.is_empty())
        .fold(text.to_string(), |out, secret| {
            if secret.len() >= ANYWHERE {
                return out.replace(secret, REDACTED);
            }
            let mut shown = String::with_capacity(out.len());
            let mut rest = 0;
            for (at, _) in out.match_indices(secret) {
                let end = at + secret.len();
                let whole =
                    !word(out[..at].chars().next_back()) && !word(out[end..].chars().next());
                if whole && at >= rest {
                    shown.push_str(&out[rest..at]);
                    shown.push_str(REDACTED);
                    rest = end;
                }
            }
            shown.push_str(&out[rest..]);
            shown
        })
}

/// At most this many bytes of a body are shown in an error.
pub(crate) const EXCERPT_BYTES: usize = 512;

/// At most `max` bytes of `body`, lossily decoded as UTF-8, with secrets
/// redacted and ending in `…` when cut. Redaction runs on the whole body
/// before the cut, so a secret straddling the cut is not half shown.
pub fn excerpt(body: &[u8], max: usize) -> String {
    const ELLIPSIS: char = '…';
    let whole = String::from_utf8_lossy(body);
    let redacted = text(&whole);
    if redacted.len() <= max {
        return redacted.into_owned();
    }
    let budget = max.saturating_sub(ELLIPSIS.len_utf8());
    let cut = redacted
        .char_indices()
        .map(|(i, c)| i + c.len_utf8())
        .take_while(|end| *end <= budget)
        .last()
        .unwrap_or(0);
    let mut shown = redacted[..cut].to_string();
    shown.push(ELLIPSIS);
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_secret_is_redacted_wherever_a_short_one_only_as_a_word() {
        let long = "s3cr3t-client-secret";
        assert_eq!(
            known(&format!("x{long}x and {long}"), &[long, ""]),
            "x[redacted]x and [redacted]"
        );
        assert_eq!(
            known("the token tok, \"tok\"", &["tok"]),
            "the token [redacted], \"[redacted]\""
        );
        assert_eq!(known("nothing", &[]), "nothing");
    }

    #[test]
    fn every_secret_shape_is_redacted_and_nothing_else() {
        let cases = [
            (
                r#"{"access_token":"at-123","refresh_token": "rt-456","token_type":"Bearer"}"#,
                r#"{"access_token":"[redacted]","refresh_token": "[redacted]","token_type":"Bearer"}"#,
            ),
            (
                r#"{"Access_Token": "a\"b", "n": 1}"#,
                r#"{"Access_Token": "[redacted]", "n": 1}"#,
            ),
            (
                r#"{"access_token": "cut-off-mid-tok"#,
                r#"{"access_token": "[redacted]"#,
            ),
            (
                "grant_type=refresh_token&refresh_token=rt-9&client_secret=s3",
                "grant_type=refresh_token&refresh_token=[redacted]&client_secret=[redacted]",
            ),
            ("bearer abc/def+ghi==", "bearer [redacted]"),
            (
                "token eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln here",
                "token [redacted] here",
            ),
            ("key chekt_live_8h2j3kfm2918", "key [redacted]"),
            (
                r#"{"error":"invalid_client","site_id":"site_29snd"}"#,
                r#"{"error":"invalid_client","site_id":"site_29snd"}"#,
            ),
        ];
        for (given, expected) in cases {
            assert_eq!(text(given), expected, "{given}");
        }
        assert!(matches!(text("nothing secret"), Cow::Borrowed(_)));
    }

    #[test]
    fn an_excerpt_redacts_before_it_cuts() {
        let body = br#"{"access_token": "abcdefghijklmnopqrstuvwxyz"}"#;
        assert_eq!(excerpt(body, 21), r#"{"access_token": "…"#);
        assert_eq!(excerpt(body, 200), r#"{"access_token": "[redacted]"}"#);
        assert!(excerpt(&[b'x'; 600], 512).len() <= 512);
        assert_eq!(excerpt(b"\xff ok", 10), "\u{fffd} ok");
    }
}
