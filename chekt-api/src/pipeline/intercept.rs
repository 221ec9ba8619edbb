//! Hooks around every attempt of every call, for metrics, custom signing
//! and logging ([`Interceptor`]).

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// What an [`Interceptor`] knows about the attempt it sees.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct AttemptInfo<'a> {
    /// The operationId (`"raw"` for [`Client::request`](crate::Client::request)).
    pub operation: &'static str,
    /// The HTTP method.
    pub method: &'a reqwest::Method,
    /// The path template (`/partner/v1/dealers/{dealerId}/sites`), never
    /// the filled-in URL.
    pub url_template: &'static str,
    /// 1 for the first attempt, 2 for the first retry, ...
    pub attempt: u32,
}

/// How an attempt ended, as [`Interceptor::after_attempt`] sees it.
#[derive(Debug)]
#[non_exhaustive]
pub enum AttemptResult<'a> {
    /// A response arrived (any status; its body is not read yet).
    Response {
        /// The status.
        status: StatusCode,
        /// The response headers.
        headers: &'a HeaderMap,
    },
    /// No response: the transport error or the attempt's timeout.
    Failed(&'a reqwest::Error),
}

/// Called before each attempt (it may add or change headers, e.g. a
/// signature, and sees the attempt number) and after each response or
/// failure. Install with
/// [`ClientBuilder::interceptor`](crate::ClientBuilder::interceptor);
/// several run in the order added. Both methods do nothing by default.
///
/// The request it sees already carries the credential: do not log
/// `Authorization`.
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use chekt_api::http::HeaderValue;
/// use chekt_api::{AttemptInfo, AttemptResult, Interceptor};
///
/// /// Counts retries and tags every attempt with its number.
/// #[derive(Default)]
/// struct Metrics {
///     retries: AtomicU32,
/// }
///
/// impl Interceptor for Metrics {
///     fn before_attempt(&self, info: &AttemptInfo<'_>, request: &mut reqwest::Request) {
///         if info.attempt > 1 {
///             self.retries.fetch_add(1, Ordering::Relaxed);
///         }
///         request.headers_mut().insert("x-attempt", HeaderValue::from(info.attempt));
///     }
///
///     fn after_attempt(&self, info: &AttemptInfo<'_>, result: &AttemptResult<'_>) {
///         if let AttemptResult::Response { status, .. } = result {
///             println!("{} attempt {}: {status}", info.operation, info.attempt);
///         }
///     }
/// }
///
/// let client = chekt_api::Client::builder().interceptor(Metrics::default()).build()?;
/// # let _ = client;
/// # Ok::<(), chekt_api::BuildError>(())
/// ```
pub trait Interceptor: Send + Sync + 'static {
    /// Before attempt `info.attempt` is sent.
    fn before_attempt(&self, info: &AttemptInfo<'_>, request: &mut reqwest::Request) {
        let _ = (info, request);
    }

    /// After attempt `info.attempt` got a response or failed.
    fn after_attempt(&self, info: &AttemptInfo<'_>, result: &AttemptResult<'_>) {
        let _ = (info, result);
    }
}

/// The interceptors of a client builder, in the order added.
#[derive(Clone, Default)]
pub(crate) struct Interceptors(pub Vec<std::sync::Arc<dyn Interceptor>>);

impl std::fmt::Debug for Interceptors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} interceptor(s)", self.0.len())
    }
}
