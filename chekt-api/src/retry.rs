//! When and how long to wait before trying a request again.
//!
//! Retried by the [`DefaultClassifier`]: `429`, `502`, `503`, `504`,
//! timeouts and connection errors, with exponential backoff and full
//! jitter ([`RetryPolicy`]), honouring `Retry-After`, within the client's
//! [`RetryBudget`] and the call's deadline
//! ([`RequestOptions::timeout`](crate::RequestOptions::timeout)). A request
//! that is not idempotent (POST, PATCH) is retried only when it cannot have
//! reached the server: a connection that never opened, or a `429` (the
//! server refused it before doing anything). Whether an operation is
//! idempotent comes from the generated operation table
//! ([`Operation::idempotent`](crate::operations::Operation::idempotent)),
//! unless the call says otherwise
//! ([`RequestOptions::idempotent`](crate::RequestOptions::idempotent)).

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
        let cap = exp.min(self.max_delay);
        // Not `mul_f64`, which panics when rounding lands past
        // `Duration::MAX` (a cap near it) or on a NaN draw: those get the cap.
        Duration::try_from_secs_f64(cap.as_secs_f64() * unit_random.clamp(0.0, 1.0))
            .map_or(cap, |delay| delay.min(cap))
    }
}

/// What one attempt came to, as a [`RetryClassifier`] sees it.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome<'a> {
    /// The server answered with an error status (4xx/5xx); its headers.
    Status(StatusCode, &'a reqwest::header::HeaderMap),
    /// No response: the transport error (a connection refused or reset, a
    /// timeout).
    Transport(&'a reqwest::Error),
}

/// Decides whether a failed attempt is worth repeating. The pipeline asks
/// it only when repeating is possible at all (attempts left in the
/// [`RetryPolicy`], a body that can be sent again, time left before the
/// deadline, and the client's [`RetryBudget`] not spent).
///
/// The default, [`DefaultClassifier`], retries `429` always (the server
/// refused before doing anything), `502`/`503`/`504`, timeouts and failed
/// sends only for idempotent calls, and always a connection that never
/// opened or an HTTP/2 request the server refused unprocessed
/// ([`refused_unprocessed`]). The HTTP client chekt-api builds makes no
/// retries of its own (reqwest's are off), so each of these is an attempt
/// the caller sees: counted in
/// [`Error::attempts`](crate::Error::attempts), shown to the interceptors,
/// paid from the retry budget. Install another with
/// [`ClientBuilder::retry_classifier`](crate::ClientBuilder::retry_classifier):
///
/// ```
/// use chekt_api::retry::{DefaultClassifier, Outcome, RetryClassifier};
///
/// /// Also retries a 500 on idempotent calls.
/// #[derive(Debug)]
/// struct FiveHundredsToo;
///
/// impl RetryClassifier for FiveHundredsToo {
///     fn should_retry(&self, outcome: &Outcome<'_>, idempotent: bool) -> bool {
///         match outcome {
///             Outcome::Status(status, _) if status.as_u16() == 500 => idempotent,
///             other => DefaultClassifier.should_retry(other, idempotent),
///         }
///     }
/// }
///
/// let client = chekt_api::Client::builder().retry_classifier(FiveHundredsToo).build()?;
/// # let _ = client;
/// # Ok::<(), chekt_api::BuildError>(())
/// ```
pub trait RetryClassifier: std::fmt::Debug + Send + Sync + 'static {
    /// Whether to try again after `outcome`; `idempotent` is the
    /// operation's (or [`RequestOptions::idempotent`]'s) answer.
    ///
    /// [`RequestOptions::idempotent`]: crate::RequestOptions::idempotent
    fn should_retry(&self, outcome: &Outcome<'_>, idempotent: bool) -> bool;
}

/// The built-in [`RetryClassifier`] (see its docs).
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultClassifier;

impl RetryClassifier for DefaultClassifier {
    fn should_retry(&self, outcome: &Outcome<'_>, idempotent: bool) -> bool {
        match outcome {
            Outcome::Status(status, _) => retryable_status(idempotent, *status),
            Outcome::Transport(error) => retryable_error(idempotent, error),
        }
    }
}

/// Whether a response status is worth retrying for an operation that is
/// (or is not) idempotent: 429 always (the server refused it before doing
/// anything), 502/503/504 only when repeating is safe.
fn retryable_status(idempotent: bool, status: StatusCode) -> bool {
    match status.as_u16() {
        429 => true,
        502..=504 => idempotent,
        _ => false,
    }
}

/// Whether a transport error is worth retrying: a connection that never
/// opened, or a request the server refused unprocessed, always; a timeout
/// or a failed send (including a kept-alive connection the server had
/// closed) only when repeating is safe.
fn retryable_error(idempotent: bool, error: &reqwest::Error) -> bool {
    error.is_connect()
        || refused_unprocessed(error)
        || (idempotent && (error.is_timeout() || error.is_request()))
}

/// Whether an HTTP/2 server refused the request before processing any of
/// it, so that sending it again is safe whatever its method (RFC 9113
/// §8.7): it reset the stream with `REFUSED_STREAM`, or closed the
/// connection gracefully (`GOAWAY` with `NO_ERROR`) before the stream was
/// taken. The same refusals reqwest retries on its own by default; the
/// client chekt-api builds turns that off, so these retries are the
/// pipeline's, counted and visible.
pub fn refused_unprocessed(error: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if let Some(h2) = cause.downcast_ref::<h2::Error>() {
            return h2.is_remote()
                && ((h2.is_reset() && h2.reason() == Some(h2::Reason::REFUSED_STREAM))
                    || (h2.is_go_away() && h2.reason() == Some(h2::Reason::NO_ERROR)));
        }
        source = cause.source();
    }
    false
}

/// A bounded share of extra attempts per client, so that an outage does
/// not multiply the load on the API (the token bucket of aws-sdk-rust's
/// retry quota): the bucket starts full with `capacity` tokens; each retry
/// takes `retry_cost` (`timeout_cost` after a timeout); each call that
/// succeeds puts one back, up to `capacity`. A retry that finds too few
/// tokens is not made: the call returns its last error.
///
/// Default: 500 tokens, 5 per retry, 10 per retry after a timeout: about
/// 100 retries in a row with no success in between, then one retry per
/// five successes. Shared by every call of a client (and the clients
/// derived from it with
/// [`Client::with_credentials`](crate::Client::with_credentials)).
///
/// ```
/// use chekt_api::retry::RetryBudget;
///
/// let budget = RetryBudget::new(50).retry_cost(5).timeout_cost(10);
/// let client = chekt_api::Client::builder().retry_budget(budget).build()?;
/// # let _ = client;
/// # Ok::<(), chekt_api::BuildError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryBudget {
    capacity: u32,
    retry_cost: u32,
    timeout_cost: u32,
}

impl Default for RetryBudget {
    fn default() -> Self {
        RetryBudget::new(500)
    }
}

impl RetryBudget {
    /// A bucket of `capacity` tokens (5 per retry, 10 after a timeout).
    pub fn new(capacity: u32) -> Self {
        RetryBudget {
            capacity,
            retry_cost: 5,
            timeout_cost: 10,
        }
    }

    /// Tokens one retry takes.
    pub fn retry_cost(mut self, cost: u32) -> Self {
        self.retry_cost = cost;
        self
    }

    /// Tokens one retry after a timeout takes.
    pub fn timeout_cost(mut self, cost: u32) -> Self {
        self.timeout_cost = cost;
        self
    }

    /// No limit: every retry the policy allows is made.
    pub fn unlimited() -> Self {
        RetryBudget::new(u32::MAX).retry_cost(0).timeout_cost(0)
    }
}

/// The live bucket of a [`RetryBudget`].
#[derive(Debug)]
pub(crate) struct Bucket {
    budget: RetryBudget,
    tokens: std::sync::atomic::AtomicU32,
}

impl Bucket {
    pub fn new(budget: RetryBudget) -> Self {
        Bucket {
            budget,
            tokens: budget.capacity.into(),
        }
    }

    /// Takes the cost of one retry; `false` (nothing taken) when too few
    /// tokens are left.
    pub fn try_take(&self, after_timeout: bool) -> bool {
        use std::sync::atomic::Ordering;
        let cost = self.cost(after_timeout);
        self.tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(cost))
            .is_ok()
    }

    /// Gives back what [`try_take`](Self::try_take) took for a retry that
    /// is not made after all, up to the capacity.
    pub fn give_back(&self, after_timeout: bool) {
        self.add(self.cost(after_timeout));
    }

    /// A call succeeded: one token back, up to the capacity.
    pub fn refund(&self) {
        self.add(1);
    }

    /// What a retry costs: more after a timeout.
    fn cost(&self, after_timeout: bool) -> u32 {
        if after_timeout {
            self.budget.timeout_cost
        } else {
            self.budget.retry_cost
        }
    }

    /// Adds `n` tokens, up to the capacity; a full bucket is not written
    /// (every successful call refunds: no shared write when nothing
    /// changes).
    fn add(&self, n: u32) {
        use std::sync::atomic::Ordering;
        if self.tokens.load(Ordering::Relaxed) < self.budget.capacity {
            let _ = self
                .tokens
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                    (t < self.budget.capacity)
                        .then(|| t.saturating_add(n).min(self.budget.capacity))
                });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_near_the_duration_limit_or_a_nan_draw_is_the_cap() {
        let huge = RetryPolicy::default()
            .base_delay(Duration::MAX)
            .max_delay(Duration::MAX);
        assert_eq!(huge.backoff(1, 1.0), Duration::MAX);
        assert!(huge.backoff(40, 0.5) <= Duration::MAX / 2 + Duration::from_secs(1));
        let policy = RetryPolicy::default();
        assert_eq!(policy.backoff(3, f64::NAN), Duration::from_millis(800));
        assert_eq!(policy.backoff(3, 0.0), Duration::ZERO);
    }

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
    fn the_budget_runs_out_and_refills_with_successes() {
        let bucket = Bucket::new(RetryBudget::new(12).retry_cost(5).timeout_cost(10));
        assert!(bucket.try_take(false)); // 7 left
        assert!(!bucket.try_take(true), "a timeout retry costs 10");
        assert!(bucket.try_take(false)); // 2 left
        assert!(!bucket.try_take(false));
        for _ in 0..3 {
            bucket.refund();
        }
        assert!(bucket.try_take(false), "three successes paid for one retry");
        for _ in 0..100 {
            bucket.refund();
        }
        assert_eq!(
            bucket.tokens.load(std::sync::atomic::Ordering::Relaxed),
            12,
            "capped"
        );
        let unlimited = Bucket::new(RetryBudget::unlimited());
        assert!((0..1000).all(|_| unlimited.try_take(true)));
    }

    #[test]
    fn a_retry_not_made_gives_its_cost_back_up_to_the_capacity() {
        let tokens = |b: &Bucket| b.tokens.load(std::sync::atomic::Ordering::Relaxed);
        let bucket = Bucket::new(RetryBudget::new(12).retry_cost(5).timeout_cost(10));
        assert!(bucket.try_take(true)); // 2 left
        bucket.give_back(true);
        assert_eq!(tokens(&bucket), 12);
        assert!(bucket.try_take(false)); // 7 left
        bucket.give_back(true);
        assert_eq!(tokens(&bucket), 12, "capped");
        let unlimited = Bucket::new(RetryBudget::unlimited());
        unlimited.give_back(false);
        assert_eq!(tokens(&unlimited), u32::MAX);
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
