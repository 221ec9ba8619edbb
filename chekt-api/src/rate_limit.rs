//! Rate limits: what the server says (`X-RateLimit-Limit/Remaining/Reset`,
//! `Retry-After`), and optional client-side throttling so a service does not
//! burn its quota. Nothing is hard-coded: the seeds give 1000/hour per API
//! key and 60/minute on the free tier, and partners get custom ceilings.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;

/// The rate-limit window as the server reported it on a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed in the window (`X-RateLimit-Limit`).
    pub limit: Option<u64>,
    /// Requests left in the window (`X-RateLimit-Remaining`).
    pub remaining: Option<u64>,
    /// When the window resets (`X-RateLimit-Reset`, Unix seconds).
    pub reset: Option<SystemTime>,
}

impl RateLimit {
    /// Reads the `X-RateLimit-*` headers; `None` when none is present.
    /// Malformed values are ignored rather than failing the response.
    pub fn from_headers(headers: &HeaderMap) -> Option<RateLimit> {
        let number = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let limit = number("x-ratelimit-limit");
        let remaining = number("x-ratelimit-remaining");
        let reset = number("x-ratelimit-reset").map(|s| UNIX_EPOCH + Duration::from_secs(s));
        (limit.is_some() || remaining.is_some() || reset.is_some()).then_some(RateLimit {
            limit,
            remaining,
            reset,
        })
    }

    /// Whether the window is used up.
    pub fn is_exhausted(&self) -> bool {
        self.remaining == Some(0)
    }

    /// Time until the window resets, from `now`.
    pub fn resets_in(&self, now: SystemTime) -> Option<Duration> {
        self.reset
            .map(|reset| reset.duration_since(now).unwrap_or_default())
    }
}

/// `Retry-After` as a delay: delta-seconds or an HTTP date (RFC 9110).
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn parses_rate_limit_headers() {
        let rl = RateLimit::from_headers(&headers(&[
            ("x-ratelimit-limit", "1000"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1735693200"),
        ]))
        .unwrap();
        assert_eq!(rl.limit, Some(1000));
        assert!(rl.is_exhausted());
        let now = UNIX_EPOCH + Duration::from_secs(1_735_693_170);
        assert_eq!(rl.resets_in(now), Some(Duration::from_secs(30)));
        assert_eq!(RateLimit::from_headers(&headers(&[])), None);
        let garbage = RateLimit::from_headers(&headers(&[("x-ratelimit-limit", "lots")]));
        assert_eq!(garbage, None);
    }

    #[test]
    fn parses_retry_after_both_forms() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(
            retry_after(&headers(&[("retry-after", "30")]), now),
            Some(Duration::from_secs(30))
        );
        let date = headers(&[("retry-after", "Sun, 06 Nov 1994 08:49:47 GMT")]);
        assert_eq!(retry_after(&date, now), Some(Duration::from_secs(10)));
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")]), now), None);
        assert_eq!(retry_after(&headers(&[]), now), None);
    }
}
