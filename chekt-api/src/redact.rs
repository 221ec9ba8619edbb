//! Redacting token-shaped secrets from text a server sent, wherever a body
//! is shown (error excerpts, token errors, the CLI's error line).
//!
//! What counts as a secret (the same shapes the contract's secret scan in
//! `chekt-gen/src/contract/secrets.rs` looks for; a test keeps them in
//! step):
//!
//! * the value of a JSON field or form field named like a credential
//!   ([`SECRET_FIELDS`]: `access_token`, `refresh_token`, `client_secret`,
//!   ...) whatever its JSON type (string, number, `true`, a nested object
//!   or array), also when the body is cut off inside it ([`text`]; a parsed
//!   value: [`value`]);
//! * `Bearer <token>`, and the credentials of an echoed `Authorization`
//!   header of any scheme (`Authorization: Basic <base64>`);
//! * a JWT (`eyJ…`);
//! * a CHeKT API key (`chekt_live_…` / `chekt_test_…`);
//! * the user info of a URL (`https://user:pass@host` shows
//!   `https://[redacted]@host`, `//user:pass@host` likewise);
//! * a value a JSON parser quotes in its message about a secret field
//!   ([`parser_message`]).

use std::borrow::Cow;
use std::sync::LazyLock;

use regress::{Flags, Regex};

/// What a redacted secret becomes.
pub const REDACTED: &str = "[redacted]";

/// Field names whose values are secrets (compared case-insensitively):
/// the project's one list, generated from chekt-gen's `secret_names`
/// (also used by the `chekt` CLI, the generated types' `Debug` and the
/// contract recorder).
pub use crate::generated::SECRET_FIELDS;

/// A case-insensitive pattern (ECMAScript syntax, [`regress`]: the engine
/// the generated types already use for the spec's `pattern`s). Its `u`
/// flag folds case as Unicode does (`ſ` is `s`, the Kelvin sign `K` is
/// `k`), as the `regex` crate's `(?i)` the rules were first written for
/// did: `acceſs_to\u{212A}en` is a secret field too.
fn icase(pattern: &str) -> Option<Regex> {
    let flags = Flags {
        icase: true,
        unicode: true,
        ..Flags::default()
    };
    Regex::with_flags(pattern, flags).ok()
}

/// White space in the rules, for a character class: Unicode's
/// `White_Space` (what `\s` matched in the `regex` crate). ECMAScript's
/// `\s` differs: it leaves out NEL (U+0085), so `Bearer\u{85}<token>`
/// kept its token, and takes in U+FEFF, which ended a value early.
const SPACE: &str = r"\t\n\x0B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";

/// (pattern, replacement) pairs applied in order; `$1` is the first group.
static RULES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    let fields = SECRET_FIELDS.join("|");
    [
        // field=value in a form or query string.
        (format!(r"\b((?:{fields})=)[^&{SPACE}]+"), "$1[redacted]"),
        (
            format!(r"\b(Bearer[{SPACE}]+)[A-Za-z0-9\-._~+/]+=*"),
            "$1[redacted]",
        ),
        // An echoed `Authorization` header (or JSON field) of any scheme:
        // `Basic <base64>`, `Token <t>`, ... (RFC 9110 §11.6.2).
        (
            format!(
                r#"\b((?:proxy-)?authorization["']?[{SPACE}]*[:=][{SPACE}]*["']?(?:[a-z][a-z0-9_-]*[{SPACE}]+)?)[^{SPACE}"',;&]+"#
            ),
            "$1[redacted]",
        ),
        (
            r"eyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*){0,2}".to_string(),
            "[redacted]",
        ),
        (r"chekt_(?:live|test)_[A-Za-z0-9]+".to_string(), "[redacted]"),
        // scheme://userinfo@ (RFC 3986 §3.2.1), also in a network-path
        // reference without a scheme (`//userinfo@host`, §4.2). The scheme
        // is left as it is, not matched: a backtracking engine would try
        // one at every word start of `a.a.a.…`, each to the end of the
        // run (quadratic time).
        (format!(r"//[^/?#{SPACE}@]+@"), "//[redacted]@"),
    ]
    .into_iter()
    .filter_map(|(pattern, with)| Some((icase(&pattern)?, with)))
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
    let mut out = json_fields(text);
    for (pattern, with) in RULES.iter() {
        if pattern.find(&out).is_some() {
            out = Cow::Owned(pattern.replace_all(&out, with));
        }
    }
    out
}

/// `"field": value` with a secret field name (any case), also quoted
/// `'field'` (a Python or JavaScript repr) or `\"field\"` (JSON quoted
/// inside a JSON string): the start of the value is the match's end.
static SECRET_KEY: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let fields = SECRET_FIELDS.join("|");
    icase(&format!(
        r#"(?:"|'|\\")(?:{fields})(?:"|'|\\")[{SPACE}]*:[{SPACE}]*"#
    ))
});

/// `text` with the value of every secret field replaced by `"[redacted]"`
/// (quoted as the value was), whatever its type; a value cut off by the
/// end of the text is redacted to the end (a cut-off string keeps no
/// closing quote).
fn json_fields(text: &str) -> Cow<'_, str> {
    let Some(key) = SECRET_KEY.as_ref() else {
        return Cow::Borrowed(text);
    };
    let mut out = String::new();
    let mut rest = 0;
    for found in key.find_iter(text) {
        let start = found.end();
        if start < rest {
            continue; // inside a value already redacted
        }
        let value = &text.as_bytes()[start..];
        let (end, closed) = json_value_end(value);
        if end == 0 {
            continue;
        }
        let quote = match value {
            [b'\\', b'"', ..] => "\\\"",
            [b'\'', ..] => "'",
            _ => "\"",
        };
        out.push_str(&text[rest..start]);
        out.push_str(quote);
        out.push_str(REDACTED);
        if closed {
            out.push_str(quote);
        }
        rest = start + end;
    }
    if rest == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[rest..]);
    Cow::Owned(out)
}

/// The length of the value at the start of `bytes` (a string, object or
/// array with its nesting, or a scalar up to the next delimiter), and
/// whether it ended before the text did. Strings may also be quoted `'…'`
/// or, inside a JSON string, `\"…\"`.
fn json_value_end(bytes: &[u8]) -> (usize, bool) {
    match bytes {
        [b'\\', b'"', ..] => return escaped_string_end(bytes),
        [b'\'', ..] => {
            return quoted_end(&bytes[1..], b'\'').map_or((bytes.len(), false), |i| (i + 2, true));
        }
        _ => {}
    }
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => {
                    in_string = false;
                    if depth == 0 {
                        return (i + 1, true);
                    }
                }
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    return (i + 1, true);
                }
            }
            b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n' if depth == 0 => return (i, true),
            _ => {}
        }
    }
    (bytes.len(), false)
}

/// The index of the first `quote` in `bytes` not escaped by a backslash.
fn quoted_end(bytes: &[u8], quote: u8) -> Option<usize> {
    let mut escaped = false;
    bytes.iter().position(|&b| {
        let end = b == quote && !escaped;
        escaped = b == b'\\' && !escaped;
        end
    })
}

/// The length of a JSON string quoted inside another JSON string
/// (`\"a\\\"b\"`) at the start of `bytes`, and whether it ended. Its end is
/// a quote after 1, 5, 9, ... backslashes: the inner string's own escaped
/// backslashes come in pairs (doubled again), and an inner escaped quote
/// shows as `\\\"`.
fn escaped_string_end(bytes: &[u8]) -> (usize, bool) {
    let mut backslashes = 0usize;
    for (i, &b) in bytes.iter().enumerate().skip(2) {
        match b {
            b'\\' => backslashes += 1,
            b'"' if backslashes % 4 == 1 => return (i + 1, true),
            _ => backslashes = 0,
        }
    }
    (bytes.len(), false)
}

/// Replaces the value of every field named in [`SECRET_FIELDS`] (any case,
/// at any depth, of any JSON type but `null`) with `"[redacted]"`: the
/// CLI's output, and any body shown as JSON.
///
/// ```
/// use chekt_api::redact::value;
///
/// let mut body = serde_json::json!({"token_type": "Bearer", "Access_Token": 12345,
///     "nested": [{"client_secret": {"v": "s"}}], "refresh_token": null});
/// value(&mut body);
/// assert_eq!(body, serde_json::json!({"token_type": "Bearer", "Access_Token": "[redacted]",
///     "nested": [{"client_secret": "[redacted]"}], "refresh_token": null}));
/// ```
pub fn value(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (key, field) in map.iter_mut() {
                if is_secret_field(key) && !field.is_null() {
                    *field = Value::String(REDACTED.into());
                } else {
                    self::value(field);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(self::value),
        _ => {}
    }
}

/// Whether `name` is one of [`SECRET_FIELDS`] (any case).
pub fn is_secret_field(name: &str) -> bool {
    SECRET_FIELDS.iter().any(|f| f.eq_ignore_ascii_case(name))
}

/// A JSON parser's message about the value at `path` (`data.access_token`,
/// `[0].refresh_token`): when the path ends in a secret field, every value
/// the message quotes (serde's `` `123` `` and `"text"`) is redacted, so
/// "invalid type: integer `123`" does not show a numeric token; then
/// [`text`] as for any text.
///
/// ```
/// use chekt_api::redact::parser_message;
///
/// let reason = "invalid type: integer `8812345`, expected a string";
/// assert_eq!(parser_message(reason, Some("access_token")),
///     "invalid type: integer `[redacted]`, expected a string");
/// assert_eq!(parser_message(reason, Some("site_id")), reason);
/// ```
pub fn parser_message(message: &str, path: Option<&str>) -> String {
    static QUOTED: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r#"`[^`]*`|"(?:[^"\\]|\\[^])*""#).ok());
    let field = path
        .and_then(|p| p.rsplit(['.', '[']).next())
        .map(|f| f.trim_end_matches(']'));
    let message = match (&*QUOTED, field.is_some_and(is_secret_field)) {
        (Some(quoted), true) => quoted.replace_all_with(message, |m| {
            let q = &message[m.start()..m.start() + 1];
            format!("{q}{REDACTED}{q}")
        }),
        _ => message.to_string(),
    };
    text(&message).into_owned()
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

/// At most this many bytes of a body are read for an excerpt: far more
/// than is shown, so what is shown was redacted in context, and a bound on
/// the work a large body costs.
const EXCERPT_SCAN: usize = 64 * 1024;

/// A URL authority that runs to the end of the text (`https://user:pa`):
/// whether it holds user info is known only by an `@` past the end.
static UNFINISHED_AUTHORITY: LazyLock<Option<Regex>> =
    LazyLock::new(|| icase(&format!(r"//[^/?#{SPACE}@]*$")));

/// At most `max` bytes of `body`, lossily decoded as UTF-8, with secrets
/// redacted and ending in `…` when cut. Redaction runs before the cut (on
/// the first 64 KiB), so a secret straddling the cut is not half shown; a
/// secret field's value cut off by the 64 KiB bound is redacted to its end,
/// and a URL cut off there is shown up to its `//` (a long secret redacted
/// before it can bring the bound into what is shown).
pub fn excerpt(body: &[u8], max: usize) -> String {
    const ELLIPSIS: char = '…';
    let scanned = &body[..body.len().min(EXCERPT_SCAN.max(max))];
    let mut whole = String::from_utf8_lossy(scanned);
    if scanned.len() < body.len()
        && let Some(unfinished) = UNFINISHED_AUTHORITY.as_ref().and_then(|re| re.find(&whole))
    {
        whole.to_mut().truncate(unfinished.start() + "//".len());
    }
    let redacted = text(&whole);
    if redacted.len() <= max && scanned.len() == body.len() {
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
                "echo: Authorization: Basic cGFydG5lcjpzM2NyM3Q=\nHost: x",
                "echo: Authorization: Basic [redacted]\nHost: x",
            ),
            (
                r#"{"headers":{"Authorization":"Token t-9a8b","accept":"*/*"}}"#,
                r#"{"headers":{"Authorization":"Token [redacted]","accept":"*/*"}}"#,
            ),
            (
                "proxy-authorization=opaque9",
                "proxy-authorization=[redacted]",
            ),
            ("no authorization header", "no authorization header"),
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
    fn a_secret_field_is_redacted_whatever_its_json_type() {
        let cases = [
            (
                r#"{"access_token": 8812345, "n": 1}"#,
                r#"{"access_token": "[redacted]", "n": 1}"#,
            ),
            (
                r#"{"refresh_token":-1.5e3}"#,
                r#"{"refresh_token":"[redacted]"}"#,
            ),
            (
                r#"{"client_secret": true}"#,
                r#"{"client_secret": "[redacted]"}"#,
            ),
            (
                r#"{"access_token": {"value": "at-9", "exp": [1, {"x": "}"}]}, "ok": 1}"#,
                r#"{"access_token": "[redacted]", "ok": 1}"#,
            ),
            (
                r#"{"api_key": ["k1", "k2"]}"#,
                r#"{"api_key": "[redacted]"}"#,
            ),
            (
                r#"{"password": {"cut": "off"#,
                r#"{"password": "[redacted]"#,
            ),
            (r#"{"secret": 12"#, r#"{"secret": "[redacted]"#),
            (
                r#"{"access_token": null}"#,
                r#"{"access_token": "[redacted]"}"#,
            ),
            (r#"{"token_type": 5}"#, r#"{"token_type": 5}"#),
        ];
        for (given, expected) in cases {
            assert_eq!(text(given), expected, "{given}");
        }
    }

    #[test]
    fn a_secret_field_quoted_inside_a_string_or_a_repr_is_redacted() {
        let cases = [
            (
                r#"{"message":"upstream said {\"access_token\":\"at-1\",\"n\":1}"}"#,
                r#"{"message":"upstream said {\"access_token\":\"[redacted]\",\"n\":1}"}"#,
            ),
            (
                r#""{\"password\": \"a\\\"b\\\\\", \"ok\": 1}""#,
                r#""{\"password\": \"[redacted]\", \"ok\": 1}""#,
            ),
            (r#"{\"secret\": \"cut-of"#, r#"{\"secret\": \"[redacted]"#),
            (r#"{\"api_key\": 991}"#, r#"{\"api_key\": "[redacted]"}"#),
            (
                r"failed: {'refresh_token': 'rt-\'9', 'x': 1}",
                r"failed: {'refresh_token': '[redacted]', 'x': 1}",
            ),
            (r"{'client_secret': 'cut", r"{'client_secret': '[redacted]"),
            (r"{'token_type': 'Bearer'}", r"{'token_type': 'Bearer'}"),
        ];
        for (given, expected) in cases {
            assert_eq!(text(given), expected, "{given}");
        }
    }

    #[test]
    fn url_user_info_and_parser_messages_are_redacted() {
        assert_eq!(
            text("error sending request for url (https://partner:hunter2@api.chekt.com/x)"),
            "error sending request for url (https://[redacted]@api.chekt.com/x)"
        );
        assert_eq!(
            text("see http://tok-only@host/"),
            "see http://[redacted]@host/"
        );
        assert_eq!(text("mail me@example.com"), "mail me@example.com");
        assert_eq!(
            text("moved to //svc:hunter2@evil.example/x"),
            "moved to //[redacted]@evil.example/x"
        );
        let reason = r#"invalid type: string "at-77", expected u64"#;
        assert_eq!(
            parser_message(reason, Some("[0].Refresh_Token")),
            r#"invalid type: string "[redacted]", expected u64"#
        );
        assert_eq!(parser_message(reason, Some("data.site_id")), reason);
        assert_eq!(parser_message(reason, None), reason);
    }

    #[test]
    fn an_excerpt_redacts_before_it_cuts() {
        let body = br#"{"access_token": "abcdefghijklmnopqrstuvwxyz"}"#;
        assert_eq!(excerpt(body, 21), r#"{"access_token": "…"#);
        assert_eq!(excerpt(body, 200), r#"{"access_token": "[redacted]"}"#);
        assert!(excerpt(&[b'x'; 600], 512).len() <= 512);
        assert_eq!(excerpt(b"\xff ok", 10), "\u{fffd} ok");
    }

    #[test]
    fn a_large_body_is_scanned_only_so_far_and_a_value_cut_there_is_redacted() {
        let mut body = br#"{"access_token": ""#.to_vec();
        body.extend(std::iter::repeat_n(b'k', 3 * EXCERPT_SCAN));
        body.extend(br#"", "n": 1}"#);
        assert_eq!(excerpt(&body, 512), r#"{"access_token": "[redacted]…"#);
        // A secret past the scanned part is never shown either.
        let mut late = vec![b' '; 2 * EXCERPT_SCAN];
        late.extend(b"chekt_live_8h2j3kfm2918");
        assert!(!excerpt(&late, 512).contains("chekt_live"));
        // Shapes the pattern engine could backtrack on stay linear enough
        // to finish: long words, many `//`, many `Bearer`s, many word
        // starts made of a URL scheme's characters.
        for shape in ["a", "//", "Bearer ", "authorization: ", "a.", "x-y+"] {
            let body = shape.repeat(EXCERPT_SCAN);
            assert!(excerpt(body.as_bytes(), 512).len() <= 512, "{shape}");
        }
    }

    #[test]
    fn no_text_costs_quadratic_time() {
        // A backtracking engine that tries a URL scheme at every word start
        // of `a.a.a.…` scans to the end from each: 20 s for 8 KiB (debug),
        // an error body of 64 KiB took minutes.
        for shape in ["a.", "x-y+"] {
            let body = shape.repeat(8 * 1024 / shape.len());
            let started = std::time::Instant::now();
            assert_eq!(text(&body), body);
            let took = started.elapsed();
            assert!(
                took < std::time::Duration::from_secs(2),
                "{shape}: {took:?}"
            );
        }
    }

    #[test]
    fn letter_case_and_white_space_are_unicode_s() {
        // As the `regex` crate's `(?i)` and `\s` had them: Unicode case
        // folding (the Kelvin sign is `k`, `ſ` is `s`) and White_Space
        // (NEL is a space, U+FEFF is not).
        let cases = [
            (
                "{\"access_to\u{212a}en\": \"at-1\"}",
                "{\"access_to\u{212a}en\": \"[redacted]\"}",
            ),
            (
                "acce\u{17f}s_to\u{212a}en=at-2&x=1",
                "acce\u{17f}s_to\u{212a}en=[redacted]&x=1",
            ),
            ("Bearer\u{85}at-3", "Bearer\u{85}[redacted]"),
            (
                "{\"secret\"\u{85}: \"s-4\"}",
                "{\"secret\"\u{85}: \"[redacted]\"}",
            ),
            ("https://us\u{feff}er:pw@host", "https://[redacted]@host"),
            ("password=pw\u{feff}more&x=1", "password=[redacted]&x=1"),
            (
                "Authorization:\u{85}Basic\u{85}dXNlcjpwdw==",
                "Authorization:\u{85}Basic\u{85}[redacted]",
            ),
            ("the \u{212a}elvin scale", "the \u{212a}elvin scale"),
        ];
        for (given, expected) in cases {
            assert_eq!(text(given), expected, "{given:?}");
        }
    }

    #[test]
    fn a_url_cut_off_by_the_scan_bound_shows_no_user_info() {
        // A long secret value shrinks to `[redacted]`, so what follows it up
        // to the scan bound is shown: wherever the bound cuts the URL, its
        // user info is not (before its `@` arrives, none of it).
        for shift in 0..60 {
            let mut body = br#"{"password": ""#.to_vec();
            body.extend(std::iter::repeat_n(b'k', EXCERPT_SCAN - 50 + shift));
            body.extend(br#"", "url": "https://svc:hunter2hunter2@host.example/x"}"#);
            let shown = excerpt(&body, 512);
            assert!(shown.starts_with(r#"{"password": "[redacted]"#), "{shown}");
            for secret in ["svc", "hunter"] {
                assert!(!shown.contains(secret), "{shift}: {shown}");
            }
        }
    }
}
