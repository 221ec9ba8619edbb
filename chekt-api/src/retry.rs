//! When and how long to wait before trying a request again.
//!
//! Retried: `429`, `502`, `503`, `504`, timeouts and connection errors, with
//! exponential backoff and full jitter, honouring `Retry-After`. A request
//! that is not idempotent (POST, PATCH) is retried only when it cannot have
//! reached the server: a connection that never opened, or a `429` (the
//! server refused it before doing anything).

use std::time::Duration;

use reqwest::{Method, StatusCode};

/// Retry settings; see [`ClientBuilder::retry`](crate::ClientBuilder::retry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts, the first included (1 disables retries).
    pub max_attempts: u32,
    /// Delay before the first retry; doubled for each further one.
    pub base_delay: Duration,
    /// Longest delay between two attempts.
    pub max_delay: Duration,
    /// The longest `Retry-After` the client will wait out; a longer one
    /// returns the `429`/`503` to the caller at once.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    ///
    /// ```
    /// use chekt_api::retry::RetryPolicy;
    ///
    /// assert_eq!(RetryPolicy::none().max_attempts, 1);
    /// let client = chekt_api::Client::builder().retry(RetryPolicy::none()).build()?;
    /// # let _ = client;
    /// # Ok::<(), chekt_api::BuildError>(())
    /// ```
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The backoff before retry number `retry` (1-based), with full jitter:
    /// a uniform draw in `[0, min(max_delay, base · 2^(retry-1))]`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use chekt_api::retry::RetryPolicy;
    ///
    /// let policy = RetryPolicy::default(); // 200 ms base, 10 s cap
    /// assert_eq!(policy.backoff(3, 1.0), Duration::from_millis(800)); // the upper bound
    /// assert_eq!(policy.backoff(3, 0.5), Duration::from_millis(400));
    /// assert_eq!(policy.backoff(10, 1.0), Duration::from_secs(10));
    /// ```
    pub fn backoff(&self, retry: u32, unit_random: f64) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)));
        exp.min(self.max_delay).mul_f64(unit_random.clamp(0.0, 1.0))
    }
}

/// Whether a response status is worth retrying for this method.
///
/// ```
/// use chekt_api::retry::retryable_status;
/// use reqwest::{Method, StatusCode};
///
/// assert!(retryable_status(&Method::GET, StatusCode::SERVICE_UNAVAILABLE));
/// // A POST may have been processed before the 503: not repeated.
/// assert!(!retryable_status(&Method::POST, StatusCode::SERVICE_UNAVAILABLE));
/// assert!(retryable_status(&Method::POST, StatusCode::TOO_MANY_REQUESTS));
/// ```
pub fn retryable_status(method: &Method, status: StatusCode) -> bool {
    match status.as_u16() {
        429 => true,
        502..=504 => is_idempotent(method),
        _ => false,
    }
}

/// Whether a transport error is worth retrying for this method.
///
/// ```
/// use chekt_api::retry::retryable_error;
/// use reqwest::Method;
///
/// // A request that cannot be built fails the same way every time.
/// let Err(error) = reqwest::Client::new().get("not a url").build() else { unreachable!() };
/// assert!(!retryable_error(&Method::GET, &error));
/// ```
pub fn retryable_error(method: &Method, error: &reqwest::Error) -> bool {
    error.is_connect() || (is_idempotent(method) && (error.is_timeout() || error.is_request()))
}

/// GET, HEAD, OPTIONS, TRACE, PUT and DELETE can be repeated safely.
///
/// ```
/// use chekt_api::retry::is_idempotent;
/// use reqwest::Method;
///
/// assert!(is_idempotent(&Method::PUT));
/// assert!(!is_idempotent(&Method::PATCH));
/// ```
pub fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE | Method::PUT | Method::DELETE
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_table() {
        let cases = [
            (Method::GET, 429, true),
            (Method::GET, 503, true),
            (Method::GET, 502, true),
            (Method::GET, 504, true),
            (Method::GET, 500, false),
            (Method::GET, 404, false),
            (Method::POST, 429, true),
            (Method::POST, 503, false),
            (Method::PATCH, 502, false),
            (Method::PUT, 503, true),
            (Method::DELETE, 504, true),
        ];
        for (method, status, expected) in cases {
            let status = StatusCode::from_u16(status).unwrap();
            assert_eq!(
                retryable_status(&method, status),
                expected,
                "{method} {status}"
            );
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            ..RetryPolicy::default()
        };
        assert_eq!(policy.backoff(1, 1.0), Duration::from_millis(100));
        assert_eq!(policy.backoff(2, 1.0), Duration::from_millis(200));
        assert_eq!(policy.backoff(3, 1.0), Duration::from_millis(350));
        assert_eq!(policy.backoff(30, 1.0), Duration::from_millis(350));
        assert_eq!(policy.backoff(2, 0.5), Duration::from_millis(100));
        assert_eq!(policy.backoff(2, 0.0), Duration::ZERO);
    }
}
