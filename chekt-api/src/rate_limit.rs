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

/// The longest wait a server's `Retry-After` is read as (one day): a
/// larger one (or one in milliseconds) is cut to this, so no value can make
/// a caller sleep forever. Whether the client waits it out is
/// [`RetryPolicy::max_retry_after`](crate::retry::RetryPolicy::max_retry_after).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// The furthest ahead a rate-limit window's reset is believed (one hour,
/// the longest window the seeds name: 1000 requests an hour per API key).
/// A reset further away (an epoch in milliseconds, a server clock far
/// ahead of ours, a clock of ours that stepped back) is cut to this, so a
/// throttled client is never locked out for longer.
pub const MAX_RESET: Duration = Duration::from_secs(3600);

/// An `X-RateLimit-Reset` at least this large is Unix time in milliseconds
/// (1e11 s is the year 5138; 1e11 ms is 1973).
const EPOCH_MILLIS_FROM: f64 = 1e11;
/// An `X-RateLimit-Reset` below this (2001-09-09 as Unix seconds) is
/// seconds until the reset, as some gateways send it, not a Unix time.
const EPOCH_SECONDS_FROM: f64 = 1e9;

/// A number as a server wrote it in a header: an optional sign, digits,
/// fraction and exponent (`"30"`, `"+5"`, `"1.5"`, `"1e3"`, `" 007 "`);
/// one too large for `f64` (`"1e400"`) is infinite, which every caller
/// clamps. `None` for anything else (`inf`, `NaN`, `0x10`, `1,000`).
/// Never panics.
fn server_number(text: &str) -> Option<f64> {
    let text = text.trim();
    // `f64::from_str` also takes "inf", "NaN" and "infinity": not numbers here.
    if !text
        .bytes()
        .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
    {
        return None;
    }
    text.parse::<f64>().ok().filter(|n| !n.is_nan())
}

/// `seconds` as a duration, negative as zero and at most `max`.
fn clamped_seconds(seconds: f64, max: Duration) -> Duration {
    if seconds.is_nan() || seconds <= 0.0 {
        return Duration::ZERO;
    }
    Duration::try_from_secs_f64(seconds).map_or(max, |d| d.min(max))
}

fn header_text<'h>(headers: &'h HeaderMap, name: &HeaderName) -> Option<&'h str> {
    headers.get(name)?.to_str().ok()
}

/// The server's clock: its `Date` header (RFC 9110 §6.6.1), when readable.
fn server_date(headers: &HeaderMap) -> Option<SystemTime> {
    httpdate::parse_http_date(header_text(headers, &reqwest::header::DATE)?.trim()).ok()
}

/// How far `at` (a time on the server's clock) is from the response's
/// `Date` (or from `now` when it sent none): zero when past, at most `max`.
fn until(at: SystemTime, headers: &HeaderMap, now: SystemTime, max: Duration) -> Duration {
    let from = server_date(headers).unwrap_or(now);
    at.duration_since(from).unwrap_or_default().min(max)
}

/// `at` (a time on the server's clock; `None` beyond what a `SystemTime`
/// holds) on ours: moved by how far the response's `Date` is from `now`
/// (unmoved when it sent none), and at most `max` after `now`.
fn on_our_clock(
    at: Option<SystemTime>,
    headers: &HeaderMap,
    now: SystemTime,
    max: Duration,
) -> SystemTime {
    let latest = now.checked_add(max).unwrap_or(now);
    let Some(at) = at else { return latest };
    let moved = match server_date(headers) {
        None => Some(at),
        Some(date) => match now.duration_since(date) {
            Ok(behind) => at.checked_add(behind),
            Err(ahead) => at.checked_sub(ahead.duration()),
        },
    };
    moved.map_or(latest, |at| at.min(latest))
}

impl RateLimit {
    /// Reads the `X-RateLimit-*` headers; `None` when none is present.
    /// Malformed values are ignored rather than failing the response.
    ///
    /// Every value is read without overflow: counts are whole numbers
    /// (fractions dropped, negative as 0, huge as `u64::MAX`); the reset is
    /// a Unix time in seconds, in milliseconds (from 1e11), or seconds from
    /// now (below 1e9), measured against the response's `Date` when it
    /// sent one (so a server clock ahead of ours does not stretch it), and
    /// at most [`MAX_RESET`] away.
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
        Self::from_headers_at(headers, SystemTime::now())
    }

    /// [`from_headers`](Self::from_headers) with our clock reading `now`.
    pub(crate) fn from_headers_at(headers: &HeaderMap, now: SystemTime) -> Option<RateLimit> {
        static LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
        static REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
        static RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");
        let number = |name: &HeaderName| header_text(headers, name).and_then(server_number);
        // `as` saturates: negative is 0, beyond u64 is u64::MAX.
        let count = |name: &HeaderName| number(name).map(|n| n as u64);
        let limit = count(&LIMIT);
        let remaining = count(&REMAINING);
        let reset = number(&RESET).filter(|n| *n >= 0.0).map(|n| {
            if n < EPOCH_SECONDS_FROM {
                return now
                    .checked_add(clamped_seconds(n, MAX_RESET))
                    .unwrap_or(now);
            }
            let seconds = if n >= EPOCH_MILLIS_FROM {
                n / 1000.0
            } else {
                n
            };
            let at = UNIX_EPOCH.checked_add(clamped_seconds(seconds, Duration::MAX));
            on_our_clock(at, headers, now, MAX_RESET)
        });
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

/// Whether `headers` has any `X-RateLimit-*` header (what
/// [`RateLimit::from_headers`] reads): one pass over the names, no hashing.
pub(crate) fn reports_window(headers: &HeaderMap) -> bool {
    headers
        .keys()
        .any(|name| name.as_str().starts_with(RATE_LIMIT_PREFIX))
}

/// What every header [`RateLimit::from_headers`] reads starts with (header
/// names are lower case).
const RATE_LIMIT_PREFIX: &str = "x-ratelimit-";

/// `Retry-After` as a delay (RFC 9110 §10.2.3); `None` when absent or
/// unreadable. Delta-seconds may carry a sign or a fraction (`"1.5"`), and
/// a negative one is zero; an HTTP date is measured against the response's
/// `Date` when it sent one (the server's clock, not ours), else `now`.
/// Never more than [`MAX_RETRY_AFTER`].
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = header_text(headers, &reqwest::header::RETRY_AFTER)?.trim();
    if let Some(seconds) = server_number(value) {
        return Some(clamped_seconds(seconds, MAX_RETRY_AFTER));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(until(date, headers, now, MAX_RETRY_AFTER))
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
///   [`Error::Throttled`](crate::Error::Throttled) (nothing sent) when that
///   is further away than [`max_wait`](Self::max_wait). The wait is at most
///   [`MAX_RESET`] whatever the server sent or our clock does.
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
    /// failing with [`Error::Throttled`](crate::Error::Throttled) instead
    /// (default 60 s).
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

    /// Waits until one more request may go out, and takes its slot of the
    /// budget: the caller sends that request, or gives the slot back
    /// ([`give_back`](Self::give_back)). `Err` (nothing taken) carries how
    /// long the server's window still has to run when that exceeds
    /// `max_wait`.
    pub async fn acquire(&self, last: Option<RateLimit>) -> Result<(), Duration> {
        if self.config.respect_server
            && let Some(window) = last.filter(RateLimit::is_exhausted)
            // A clock of ours that stepped back since the window was read
            // must not stretch the wait past the bound.
            && let Some(wait) = window.resets_in(SystemTime::now()).map(|w| w.min(MAX_RESET))
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
                // At most one period, however the budget was configured.
                Duration::try_from_secs_f64((1.0 - bucket.tokens) / rate)
                    .map_or(per, |w| w.min(per))
            };
            tracing::debug!(?wait, "client-side budget spent; waiting");
            tokio::time::sleep(wait).await;
        }
    }

    /// Returns the slot an [`acquire`](Self::acquire) took for a request
    /// that is not sent after all, up to the budget's capacity (it may have
    /// refilled meanwhile). Nothing to return without a budget.
    pub fn give_back(&self) {
        let Some((requests, _)) = self.config.budget else {
            return;
        };
        if let Ok(mut bucket) = self.bucket.lock() {
            bucket.tokens = (bucket.tokens + 1.0).min(f64::from(requests));
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
        let now = UNIX_EPOCH + Duration::from_secs(1_735_693_170);
        let rl = RateLimit::from_headers_at(
            &headers(&[
                ("x-ratelimit-limit", "1000"),
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1735693200"),
            ]),
            now,
        )
        .unwrap();
        assert_eq!(rl.limit, Some(1000));
        assert!(rl.is_exhausted());
        assert_eq!(rl.resets_in(now), Some(Duration::from_secs(30)));
        assert_eq!(RateLimit::from_headers(&headers(&[])), None);
        let garbage = RateLimit::from_headers(&headers(&[("x-ratelimit-limit", "lots")]));
        assert_eq!(garbage, None);
    }

    #[test]
    fn only_rate_limit_headers_report_a_window() {
        assert!(!reports_window(&headers(&[])));
        assert!(!reports_window(&headers(&[
            ("content-type", "application/json"),
            ("retry-after", "5"),
            ("x-ratelimit", "1"),
        ])));
        for name in [
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
        ] {
            let reported = headers(&[("date", "Sun, 06 Nov 1994 08:49:37 GMT"), (name, "7")]);
            assert!(reports_window(&reported), "{name}");
            assert!(RateLimit::from_headers(&reported).is_some(), "{name}");
        }
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

    #[test]
    fn every_number_shape_a_server_sends_is_read_without_overflow() {
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let window = |pairs: &[(&'static str, &str)]| {
            RateLimit::from_headers_at(&headers(pairs), now).unwrap()
        };
        let reset_in = |value: &str| window(&[("x-ratelimit-reset", value)]).resets_in(now);
        let secs = |n| Some(Duration::from_secs(n));
        assert_eq!(reset_in("1800000030"), secs(30), "Unix seconds");
        assert_eq!(reset_in("1800000030000"), secs(30), "Unix milliseconds");
        assert_eq!(reset_in("30"), secs(30), "seconds from now");
        assert_eq!(reset_in("+30.9"), Some(Duration::from_millis(30_900)));
        assert_eq!(reset_in("1799999000"), secs(0), "already past");
        assert_eq!(reset_in("99999999999999999999999"), Some(MAX_RESET));
        assert_eq!(reset_in("1e308"), Some(MAX_RESET));
        assert_eq!(reset_in("4102444800"), Some(MAX_RESET), "the year 2100");
        let negative = headers(&[("x-ratelimit-reset", "-5")]);
        assert_eq!(RateLimit::from_headers_at(&negative, now), None);
        // Against the server's Date: its clock is an hour ahead of ours.
        let ahead = window(&[
            ("date", "Fri, 15 Jan 2027 09:20:00 GMT"), // 1_800_004_800
            ("x-ratelimit-reset", "1800004830"),
        ]);
        assert_eq!(ahead.resets_in(now), secs(30));
        let counts = window(&[
            ("x-ratelimit-limit", "+0060"),
            ("x-ratelimit-remaining", "-1"),
        ]);
        assert_eq!((counts.limit, counts.remaining), (Some(60), Some(0)));
        let huge = window(&[
            ("x-ratelimit-limit", "1e40"),
            ("x-ratelimit-remaining", "2.9"),
        ]);
        assert_eq!((huge.limit, huge.remaining), (Some(u64::MAX), Some(2)));
        assert_eq!(server_number("1e400"), Some(f64::INFINITY));
        for junk in ["inf", "NaN", "-infinity", "", "0x10", "1,000", "e", "1.2.3"] {
            assert_eq!(server_number(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn retry_after_is_bounded_and_read_against_the_server_clock() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777);
        let wait = |pairs: &[(&'static str, &str)]| retry_after(&headers(pairs), now);
        assert_eq!(
            wait(&[("retry-after", "1.5")]),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(wait(&[("retry-after", "-3")]), Some(Duration::ZERO));
        assert_eq!(
            wait(&[("retry-after", "+007")]),
            Some(Duration::from_secs(7))
        );
        for huge in ["18446744073709551616", "1e300", "5000000000000"] {
            assert_eq!(
                wait(&[("retry-after", huge)]),
                Some(MAX_RETRY_AFTER),
                "{huge}"
            );
        }
        // The date is 10 s after the server's Date, however far our clock is.
        let dated = [
            ("retry-after", "Sun, 06 Nov 1994 08:49:47 GMT"),
            ("date", "Sun, 06 Nov 1994 08:49:37 GMT"),
        ];
        assert_eq!(
            retry_after(&headers(&dated), now + Duration::from_secs(3600)),
            Some(Duration::from_secs(10))
        );
        let far = [("retry-after", "Fri, 31 Dec 9999 23:59:59 GMT")];
        assert_eq!(wait(&far), Some(MAX_RETRY_AFTER));
        assert_eq!(
            retry_after(&headers(&far), UNIX_EPOCH),
            Some(MAX_RETRY_AFTER)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_absurd_reset_never_locks_the_client_out_for_longer_than_the_bound() {
        let throttler = Throttler::new(Throttle::new().max_wait(MAX_RESET));
        // Our clock stepped back a day after the window was read.
        let window = RateLimit {
            limit: Some(60),
            remaining: Some(0),
            reset: Some(SystemTime::now() + Duration::from_secs(86_400)),
        };
        let start = tokio::time::Instant::now();
        throttler.acquire(Some(window)).await.unwrap();
        assert!(start.elapsed() <= MAX_RESET, "{:?}", start.elapsed());
        // A budget whose refill interval no `Duration` holds waits one period.
        let slow = Throttler::new(Throttle::new().budget(1, Duration::MAX));
        slow.acquire(None).await.unwrap();
        let next = tokio::time::timeout(Duration::from_secs(1), slow.acquire(None)).await;
        assert!(next.is_err(), "the second request waits for the refill");
    }

    /// Fuzzing of every parser of server numbers here: bounded and
    /// deterministic, so it runs in CI with `cargo test`.
    mod fuzz {
        use super::*;
        use proptest::prelude::*;
        use proptest::test_runner::{Config, RngSeed};

        fn config() -> Config {
            Config {
                cases: 4000,
                rng_seed: RngSeed::Fixed(24),
                failure_persistence: None,
                ..Config::default()
            }
        }

        /// Header values as hostile servers write numbers and dates.
        fn value() -> impl Strategy<Value = String> {
            prop_oneof![
                any::<i128>().prop_map(|n| n.to_string()),
                any::<f64>().prop_map(|n| n.to_string()),
                any::<u64>().prop_map(|n| format!("{n}000")),
                "[-+]?[0-9]{0,30}(\\.[0-9]{0,5})?([eE][-+]?[0-9]{1,4})?",
                "[ -~]{0,40}",
                any::<u32>().prop_map(|n| {
                    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(u64::from(n) * 58))
                }),
            ]
        }

        proptest! {
            #![proptest_config(config())]

            #[test]
            fn no_server_number_panics_or_exceeds_its_bound(
                reset in value(),
                retry in value(),
                date in value(),
                count in value(),
                now_secs in any::<u64>(),
            ) {
                let now = UNIX_EPOCH
                    .checked_add(Duration::from_secs(now_secs % (1 << 40)))
                    .unwrap_or(UNIX_EPOCH);
                let mut map = HeaderMap::new();
                for (name, text) in [
                    ("x-ratelimit-reset", &reset),
                    ("x-ratelimit-limit", &count),
                    ("x-ratelimit-remaining", &count),
                    ("retry-after", &retry),
                    ("date", &date),
                ] {
                    if let Ok(v) = HeaderValue::from_str(text) {
                        map.insert(name, v);
                    }
                }
                if let Some(wait) = retry_after(&map, now) {
                    prop_assert!(wait <= MAX_RETRY_AFTER);
                }
                if let Some(window) = RateLimit::from_headers_at(&map, now)
                    && let Some(wait) = window.resets_in(now)
                {
                    prop_assert!(wait <= MAX_RESET);
                }
            }
        }
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
    async fn a_slot_given_back_is_taken_again_without_exceeding_the_capacity() {
        let throttler = Throttler::new(Throttle::new().budget(2, Duration::from_secs(60)));
        let start = tokio::time::Instant::now();
        throttler.acquire(None).await.unwrap();
        throttler.acquire(None).await.unwrap();
        throttler.give_back();
        throttler.acquire(None).await.unwrap();
        assert_eq!(start.elapsed(), Duration::ZERO, "the slot given back");
        // More given back than taken: the bucket holds its capacity, no more.
        for _ in 0..5 {
            throttler.give_back();
        }
        throttler.acquire(None).await.unwrap();
        throttler.acquire(None).await.unwrap();
        assert_eq!(start.elapsed(), Duration::ZERO);
        throttler.acquire(None).await.unwrap();
        assert!(
            start.elapsed() >= Duration::from_secs(29),
            "a third waits for the refill: {:?}",
            start.elapsed()
        );
        // Without a budget there is nothing to give back.
        Throttler::new(Throttle::new()).give_back();
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
