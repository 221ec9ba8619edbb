//! Rate limits: what the server says (`X-RateLimit-Limit/Remaining/Reset`,
//! `Retry-After`), and optional client-side throttling so a service does not
//! burn its quota. Nothing is hard-coded: the seeds give 1000/hour per API
//! key and 60/minute on the free tier, and partners get custom ceilings.

use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderMap, HeaderName};

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
    ///
    /// ```
    /// use chekt_api::http::header::{HeaderMap, HeaderValue};
    /// use chekt_api::rate_limit::RateLimit;
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert("x-ratelimit-limit", HeaderValue::from_static("1000"));
    /// headers.insert("x-ratelimit-remaining", HeaderValue::from_static("998"));
    /// let window = RateLimit::from_headers(&headers);
    /// assert_eq!(window.map(|w| (w.limit, w.remaining)), Some((Some(1000), Some(998))));
    /// assert_eq!(RateLimit::from_headers(&HeaderMap::new()), None);
    /// ```
    pub fn from_headers(headers: &HeaderMap) -> Option<RateLimit> {
        static LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
        static REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
        static RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");
        let number = |name: &HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let limit = number(&LIMIT);
        let remaining = number(&REMAINING);
        let reset = number(&RESET).map(|s| UNIX_EPOCH + Duration::from_secs(s));
        (limit.is_some() || remaining.is_some() || reset.is_some()).then_some(RateLimit {
            limit,
            remaining,
            reset,
        })
    }

    /// Whether the window is used up.
    ///
    /// ```
    /// use chekt_api::rate_limit::RateLimit;
    ///
    /// let window = RateLimit { limit: Some(60), remaining: Some(0), reset: None };
    /// assert!(window.is_exhausted());
    /// ```
    pub fn is_exhausted(&self) -> bool {
        self.remaining == Some(0)
    }

    /// Time until the window resets, from `now`.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use chekt_api::rate_limit::RateLimit;
    ///
    /// let now = SystemTime::now();
    /// let reset = Some(now + Duration::from_secs(42));
    /// let window = RateLimit { limit: Some(60), remaining: Some(0), reset };
    /// assert_eq!(window.resets_in(now), Some(Duration::from_secs(42)));
    /// assert_eq!(window.resets_in(now + Duration::from_secs(60)), Some(Duration::ZERO));
    /// ```
    pub fn resets_in(&self, now: SystemTime) -> Option<Duration> {
        self.reset
            .map(|reset| reset.duration_since(now).unwrap_or_default())
    }
}

/// `Retry-After` as a delay: delta-seconds or an HTTP date (RFC 9110
/// §10.2.3); `None` when absent or unreadable.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or_default())
}

/// Client-side throttling, so a service spends its quota evenly instead of
/// running into `429`s. Off unless set with
/// [`ClientBuilder::throttle`](crate::ClientBuilder::throttle).
///
/// Two independent limits, both optional:
/// * a **budget**: at most `requests` per `per`, spread evenly (a token
///   bucket that starts full, so a burst of up to `requests` goes at once);
/// * the **server's window**: once a response reports
///   `X-RateLimit-Remaining: 0`, further requests wait until
///   `X-RateLimit-Reset`, or fail at once with
///   [`Error::RateLimited`](crate::Error::RateLimited) when that is further
///   away than [`max_wait`](Self::max_wait).
///
/// ```
/// use std::time::Duration;
/// use chekt_api::rate_limit::Throttle;
///
/// // The API-key ceiling from the seeds: 1000 requests an hour.
/// let throttle = Throttle::new().budget(1000, Duration::from_secs(3600));
/// # let _ = throttle;
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Throttle {
    budget: Option<(u32, Duration)>,
    respect_server: bool,
    max_wait: Duration,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle::new()
    }
}

impl Throttle {
    /// Respects the server's window (waiting at most one minute), no budget.
    ///
    /// ```
    /// use chekt_api::rate_limit::Throttle;
    ///
    /// let client = chekt_api::Client::builder().throttle(Throttle::new()).build()?;
    /// # let _ = client;
    /// # Ok::<(), chekt_api::BuildError>(())
    /// ```
    pub fn new() -> Self {
        Throttle {
            budget: None,
            respect_server: true,
            max_wait: Duration::from_secs(60),
        }
    }

    /// At most `requests` requests per `per`; `0` requests or a zero
    /// period disables the budget.
    ///
    /// ```
    /// use std::time::Duration;
    /// use chekt_api::rate_limit::Throttle;
    ///
    /// // The free tier's ceiling from the seeds: 60 requests a minute.
    /// let throttle = Throttle::new().budget(60, Duration::from_secs(60));
    /// assert_ne!(throttle, Throttle::new());
    /// assert_eq!(Throttle::new().budget(0, Duration::from_secs(60)), Throttle::new());
    /// ```
    pub fn budget(mut self, requests: u32, per: Duration) -> Self {
        self.budget = (requests > 0 && !per.is_zero()).then_some((requests, per));
        self
    }

    /// Whether to wait for the reset once the server reports no requests
    /// remaining (default `true`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use chekt_api::rate_limit::Throttle;
    ///
    /// // Only the client's own budget; 429s are left to the retry policy.
    /// let throttle = Throttle::new()
    ///     .budget(1000, Duration::from_secs(3600))
    ///     .respect_server_limits(false);
    /// # let _ = throttle;
    /// ```
    pub fn respect_server_limits(mut self, respect: bool) -> Self {
        self.respect_server = respect;
        self
    }

    /// The longest a request waits for the server's window to reset before
    /// failing with `RateLimited` instead (default 60 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// use chekt_api::rate_limit::Throttle;
    ///
    /// // A batch job can afford to wait for the next hourly window.
    /// let throttle = Throttle::new().max_wait(Duration::from_secs(3600));
    /// # let _ = throttle;
    /// ```
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }
}

/// The throttle's state inside a client.
#[derive(Debug)]
pub(crate) struct Throttler {
    config: Throttle,
    bucket: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    updated: tokio::time::Instant,
}

impl Throttler {
    pub fn new(config: Throttle) -> Self {
        let tokens = config.budget.map_or(0.0, |(n, _)| f64::from(n));
        Throttler {
            config,
            bucket: Mutex::new(Bucket {
                tokens,
                updated: tokio::time::Instant::now(),
            }),
        }
    }

    /// Waits until one more request may go out. `Err` carries how long the
    /// server's window still has to run when that exceeds `max_wait`.
    pub async fn acquire(&self, last: Option<RateLimit>) -> Result<(), Duration> {
        if self.config.respect_server
            && let Some(window) = last.filter(RateLimit::is_exhausted)
            && let Some(wait) = window.resets_in(SystemTime::now())
            && !wait.is_zero()
        {
            if wait > self.config.max_wait {
                return Err(wait);
            }
            tracing::debug!(?wait, "rate-limit window used up; waiting for its reset");
            tokio::time::sleep(wait).await;
        }
        let Some((requests, per)) = self.config.budget else {
            return Ok(());
        };
        let capacity = f64::from(requests);
        let rate = capacity / per.as_secs_f64();
        loop {
            let wait = {
                let Ok(mut bucket) = self.bucket.lock() else {
                    return Ok(());
                };
                let now = tokio::time::Instant::now();
                let elapsed = now.duration_since(bucket.updated).as_secs_f64();
                bucket.tokens = (bucket.tokens + elapsed * rate).min(capacity);
                bucket.updated = now;
                if bucket.tokens >= 1.0 {
                    bucket.tokens -= 1.0;
                    return Ok(());
                }
                Duration::from_secs_f64((1.0 - bucket.tokens) / rate)
            };
            tracing::debug!(?wait, "client-side budget spent; waiting");
            tokio::time::sleep(wait).await;
        }
    }
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

    #[tokio::test(start_paused = true)]
    async fn budget_spreads_requests_evenly_after_a_full_burst() {
        let throttler = Throttler::new(Throttle::new().budget(3, Duration::from_secs(3)));
        let start = tokio::time::Instant::now();
        for _ in 0..3 {
            throttler.acquire(None).await.unwrap();
        }
        assert_eq!(
            start.elapsed(),
            Duration::ZERO,
            "the first burst fits the bucket"
        );
        throttler.acquire(None).await.unwrap();
        let waited = start.elapsed();
        assert!(
            (Duration::from_millis(999)..=Duration::from_millis(1001)).contains(&waited),
            "the fourth request waits one refill interval, waited {waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn no_budget_never_waits() {
        let throttler = Throttler::new(Throttle::new().budget(0, Duration::from_secs(1)));
        let start = tokio::time::Instant::now();
        for _ in 0..100 {
            throttler.acquire(None).await.unwrap();
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }

    fn exhausted_for(secs: u64) -> RateLimit {
        RateLimit {
            limit: Some(60),
            remaining: Some(0),
            reset: Some(SystemTime::now() + Duration::from_secs(secs)),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_exhausted_window_waits_for_its_reset_or_fails_fast() {
        let throttler = Throttler::new(Throttle::new().max_wait(Duration::from_secs(10)));
        let start = tokio::time::Instant::now();
        throttler.acquire(Some(exhausted_for(5))).await.unwrap();
        assert!(
            start.elapsed() >= Duration::from_secs(4),
            "waited {:?}",
            start.elapsed()
        );

        let too_far = throttler
            .acquire(Some(exhausted_for(120)))
            .await
            .unwrap_err();
        assert!(too_far > Duration::from_secs(100), "{too_far:?}");

        let ignoring = Throttler::new(Throttle::new().respect_server_limits(false));
        let start = tokio::time::Instant::now();
        ignoring.acquire(Some(exhausted_for(120))).await.unwrap();
        assert_eq!(start.elapsed(), Duration::ZERO);

        let remaining = RateLimit {
            remaining: Some(5),
            ..exhausted_for(120)
        };
        throttler.acquire(Some(remaining)).await.unwrap();
    }
}
