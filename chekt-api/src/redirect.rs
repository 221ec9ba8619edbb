//! Redirects are never followed.
//!
//! A redirected request would carry its body (a token request's client
//! secret, refresh token, PKCE verifier or assertion; a POST's payload) to
//! wherever the server points, and a token handed out there would be used
//! on every call (oauth2-rs #141). So the HTTP client follows no redirect
//! ([`policy`]), the token endpoint refuses any 3xx
//! ([`TokenError::Redirect`](crate::auth::TokenError::Redirect)), and an API
//! call answered with a 3xx fails with
//! [`Error::Redirect`](crate::Error::Redirect), naming the status and the
//! `Location`; no second request is sent. The same rule holds for GET: the
//! CHeKT API documents no redirect (seeds 000–004), so one is a
//! misconfiguration (a proxy, a wrong base URL) worth reporting.

use reqwest::header::{HeaderMap, LOCATION};

/// The redirect policy of every HTTP client `chekt-api` builds: none.
pub(crate) fn policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::none()
}

/// The `Location` a 3xx pointed at, fit for an error message: userinfo,
/// query and fragment removed (they may carry credentials or codes),
/// token shapes in the path and each of `secrets` (the credential sent)
/// redacted ([`crate::redact`]), at most 200 characters; `None` without a
/// `Location` header.
pub(crate) fn location(headers: &HeaderMap, secrets: &[&str]) -> Option<String> {
    let raw = headers.get(LOCATION)?;
    let text = String::from_utf8_lossy(raw.as_bytes());
    let shown = match reqwest::Url::parse(&text) {
        Ok(url) => shown(&url),
        // A relative reference: its path only.
        Err(_) => {
            let path = text.split(['?', '#']).next().unwrap_or_default();
            let elided = path.len() < text.len();
            format!("{path}{}", if elided { "?…" } else { "" })
        }
    };
    let shown = crate::redact::known(&crate::redact::text(&shown), secrets);
    Some(shown.chars().take(200).collect())
}

/// `url` fit for a message: userinfo, query and fragment removed (an
/// elided query or fragment shows as `?…`).
pub(crate) fn shown(url: &reqwest::Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    let elided = url.query().is_some() || url.fragment().is_some();
    url.set_query(None);
    url.set_fragment(None);
    format!("{url}{}", if elided { "?…" } else { "" })
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn shown(value: &'static str) -> Option<String> {
        let mut headers = HeaderMap::new();
        headers.insert(LOCATION, HeaderValue::from_static(value));
        location(&headers, &["opaque-1"])
    }

    #[test]
    fn a_location_is_shown_without_userinfo_query_or_fragment() {
        let cases = [
            (
                "http://127.0.0.1:9/oauth/token",
                "http://127.0.0.1:9/oauth/token",
            ),
            (
                "https://u:p@evil.example/t?code=abc#x",
                "https://evil.example/t?…",
            ),
            (
                "/partner/v1/dealers/42/sites?token=abc",
                "/partner/v1/dealers/42/sites?…",
            ),
            ("/v1/devices", "/v1/devices"),
            ("/cb/eyJhbGciOiJIUzI1NiJ9.e30.c2ln", "/cb/[redacted]"),
            (
                "https://x.example/t/opaque-1/a",
                "https://x.example/t/[redacted]/a",
            ),
        ];
        for (given, expected) in cases {
            assert_eq!(shown(given).as_deref(), Some(expected), "{given}");
        }
        assert_eq!(location(&HeaderMap::new(), &[]), None);
    }
}
