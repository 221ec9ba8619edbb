//! Per-call options ([`RequestOptions`]) and how they combine with the
//! client's defaults ([`ClientBuilder::default_options`]).
//!
//! [`ClientBuilder::default_options`]: crate::ClientBuilder::default_options

use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};

use crate::retry::RetryPolicy;

/// Options for one call (or, through
/// [`ClientBuilder::default_options`](crate::ClientBuilder::default_options),
/// defaults for every call of a client). Set on a generated request builder
/// with `.with_options(..)` (paging applies them to every page request) or
/// on a [`RawRequest`](crate::RawRequest).
///
/// Per-call options override the client's defaults field by field: a
/// per-call `timeout` replaces the default one; headers from both are sent
/// (a per-call header replaces a default header of the same name).
///
/// ```no_run
/// use std::time::Duration;
/// use chekt_api::prelude::*;
/// use chekt_api::retry::RetryPolicy;
/// use chekt_api::RequestOptions;
/// use chekt_api::http::{HeaderName, HeaderValue};
///
/// # async fn run(client: chekt_api::Client) -> chekt_api::Result<()> {
/// let options = RequestOptions::new()
///     .timeout(Duration::from_secs(2)) // the whole call, retries and waits included
///     .attempt_timeout(Duration::from_millis(500))
///     .retry(RetryPolicy::none())
///     .header(HeaderName::from_static("x-dealer-note"), HeaderValue::from_static("nightly-sync"));
/// let sites = client.list_sites().dealer_id(42).with_options(options).send().await;
/// if let Err(err) = &sites {
///     if err.is_timeout() {
///         println!("gave up after {} attempt(s)", err.attempts());
///     }
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Default)]
pub struct RequestOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) attempt_timeout: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
    /// In the order set; a name may repeat (a list, not a map: one small
    /// allocation per call that sets a header, no hashing).
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    pub(crate) idempotent: Option<bool>,
}

impl std::fmt::Debug for RequestOptions {
    /// Header values are not shown: a caller may pass a signature or key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestOptions")
            .field("timeout", &self.timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("retry", &self.retry)
            .field(
                "headers",
                &self
                    .headers
                    .iter()
                    .map(|(name, _)| name)
                    .collect::<Vec<_>>(),
            )
            .field("idempotent", &self.idempotent)
            .finish()
    }
}

impl RequestOptions {
    /// No options: the client's defaults apply.
    pub fn new() -> Self {
        RequestOptions::default()
    }

    /// A deadline for the whole call: the token fetch, throttle waits,
    /// every attempt, every backoff sleep (a `Retry-After` that would end
    /// past it is not waited out) and the body read. When it passes the
    /// call ends with an error whose
    /// [`is_timeout`](crate::Error::is_timeout) is true.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// A limit for each attempt (headers and body). An attempt that
    /// exceeds it is a retryable timeout for idempotent calls. Without it,
    /// [`ClientBuilder::timeout`](crate::ClientBuilder::timeout) applies.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// This call's retry policy; [`RetryPolicy::none()`] disables retries.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// An extra header on every attempt of this call (a second value for
    /// the same name is added, not replaced). Headers the client owns
    /// ([`OWNED_HEADERS`]: `Authorization`, the trace header, ...) cannot be
    /// set this way: the call fails with
    /// [`Error::InvalidRequest`](crate::Error::InvalidRequest) and nothing
    /// is sent.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// Declares the call safe to repeat like a GET (RFC 9110 §9.2.2): a
    /// POST with `idempotent(true)` is retried on 502/503/504 and after a
    /// timeout; by default it is not.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = Some(idempotent);
        self
    }

    /// `self` over `defaults`, field by field; headers from both (a name
    /// set here replaces the default's values for it).
    pub(crate) fn over(&self, defaults: &RequestOptions) -> RequestOptions {
        let mut headers: Vec<_> = defaults
            .headers
            .iter()
            .filter(|(name, _)| !self.headers.iter().any(|(set, _)| set == name))
            .cloned()
            .collect();
        headers.extend(self.headers.iter().cloned());
        RequestOptions {
            timeout: self.timeout.or(defaults.timeout),
            attempt_timeout: self.attempt_timeout.or(defaults.attempt_timeout),
            retry: self.retry.or(defaults.retry),
            headers,
            idempotent: self.idempotent.or(defaults.idempotent),
        }
    }

    /// Whether nothing is set (the fast path skips merging).
    pub(crate) fn is_empty(&self) -> bool {
        self.timeout.is_none()
            && self.attempt_timeout.is_none()
            && self.retry.is_none()
            && self.headers.is_empty()
            && self.idempotent.is_none()
    }

    /// The first header the client owns, if the options set one.
    pub(crate) fn owned_header(&self) -> Option<&HeaderName> {
        self.headers
            .iter()
            .map(|(name, _)| name)
            .find(|name| OWNED_HEADERS.contains(&name.as_str()))
    }
}

/// Headers the client sets itself (lower case), which
/// [`RequestOptions::header`] may not set: credentials (`authorization`,
/// `proxy-authorization`, `cookie`), the API version and trace id the
/// generated builders set (`api-version`, `x-partner-trace-id`: use the
/// builder's setter), and framing (`host`, `content-length`,
/// `transfer-encoding`).
pub const OWNED_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "api-version",
    crate::operations::TRACE_HEADER,
    "host",
    "content-length",
    "transfer-encoding",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn name(n: &'static str) -> HeaderName {
        HeaderName::from_static(n)
    }

    #[test]
    fn per_call_options_override_defaults_field_by_field() {
        let defaults = RequestOptions::new()
            .timeout(Duration::from_secs(30))
            .attempt_timeout(Duration::from_secs(5))
            .header(name("x-a"), HeaderValue::from_static("default"))
            .header(name("x-b"), HeaderValue::from_static("default"));
        let call = RequestOptions::new()
            .timeout(Duration::from_secs(1))
            .retry(RetryPolicy::none())
            .idempotent(true)
            .header(name("x-b"), HeaderValue::from_static("call"))
            .header(name("x-c"), HeaderValue::from_static("call"));
        let merged = call.over(&defaults);
        assert_eq!(merged.timeout, Some(Duration::from_secs(1)));
        assert_eq!(merged.attempt_timeout, Some(Duration::from_secs(5)));
        assert_eq!(merged.retry, Some(RetryPolicy::none()));
        assert_eq!(merged.idempotent, Some(true));
        let values = |name: &str| -> Vec<&HeaderValue> {
            merged
                .headers
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| v)
                .collect()
        };
        assert_eq!(values("x-a"), ["default"]);
        assert_eq!(
            values("x-b"),
            ["call"],
            "a per-call header replaces the default's"
        );
        assert_eq!(values("x-c"), ["call"]);
        assert!(
            RequestOptions::new()
                .over(&RequestOptions::new())
                .is_empty()
        );
        assert!(!merged.is_empty());
    }

    #[test]
    fn owned_headers_are_found_and_values_never_debug_printed() {
        let options = RequestOptions::new()
            .header(name("x-fine"), HeaderValue::from_static("ok"))
            .header(
                name("authorization"),
                HeaderValue::from_static("Bearer s3cret"),
            );
        assert_eq!(
            options.owned_header().map(HeaderName::as_str),
            Some("authorization")
        );
        assert!(!format!("{options:?}").contains("s3cret"));
        let fine = RequestOptions::new().header(name("x-fine"), HeaderValue::from_static("ok"));
        assert_eq!(fine.owned_header(), None);
    }
}
