//! When and how long to wait before trying a request again.
//!
//! Retried: `429`, `502`, `503`, `504`, timeouts and connection errors, with
//! exponential backoff and full jitter, honouring `Retry-After`. A request
//! that is not idempotent (POST, PATCH) is retried only when it cannot have
//! reached the server: a connection that never opened, or a `429` (the
//! server refused it before doing anything). Whether an operation is
//! idempotent comes from the generated operation table
//! ([`Operation::idempotent`](crate::operations::Operation::idempotent)).

use std::time::Duration;

use reqwest::StatusCode;

/// Retry settings; see [`ClientBuilder::retry`](crate::ClientBuilder::retry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
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

    /// Total attempts, the first included (1 disables retries).
    ///
    /// ```
    /// use std::time::Duration;
    /// use chekt_api::retry::RetryPolicy;
    ///
    /// let patient = RetryPolicy::default()
    ///     .max_attempts(5)
    ///     .base_delay(Duration::from_millis(100))
    ///     .max_delay(Duration::from_secs(5))
    ///     .max_retry_after(Duration::from_secs(120));
    /// assert_eq!(patient.max_attempts, 5);
    /// ```
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// Delay before the first retry; doubled for each further one.
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// Longest delay between two attempts.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The longest `Retry-After` the client will wait out.
    pub fn max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
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

/// Whether a response status is worth retrying for an operation that is
/// (or is not) idempotent: 429 always (the server refused it before doing
/// anything), 502/503/504 only when repeating is safe.
pub(crate) fn retryable_status(idempotent: bool, status: StatusCode) -> bool {
    match status.as_u16() {
        429 => true,
        502..=504 => idempotent,
        _ => false,
    }
}

/// Whether a transport error is worth retrying: a connection that never
/// opened always; a timeout or a failed send only when repeating is safe.
pub(crate) fn retryable_error(idempotent: bool, error: &reqwest::Error) -> bool {
    error.is_connect() || (idempotent && (error.is_timeout() || error.is_request()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_table() {
        let cases = [
            (true, 429, true),
            (true, 503, true),
            (true, 502, true),
            (true, 504, true),
            (true, 500, false),
            (true, 404, false),
            (false, 429, true),
            (false, 503, false),
            (false, 502, false),
        ];
        for (idempotent, status, expected) in cases {
            let status = StatusCode::from_u16(status).unwrap();
            assert_eq!(
                retryable_status(idempotent, status),
                expected,
                "idempotent {idempotent}, {status}"
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
