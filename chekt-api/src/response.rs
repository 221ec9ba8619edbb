//! [`ResponseValue`]: a successful call's decoded body with the status and
//! headers it came with.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::rate_limit::RateLimit;

/// The decoded body of a successful call, with its status and headers.
/// Derefs to the body, so `client.list_sites()…send().await?.iter()`
/// works; [`into_inner`](Self::into_inner) takes it out.
///
/// ```no_run
/// # async fn run(client: chekt_api::Client) -> chekt_api::Result<()> {
/// use chekt_api::prelude::*;
///
/// let sites = client.list_sites().dealer_id(42).send().await?;
/// println!(
///     "{} sites, status {}, request id {:?}, {:?} requests left",
///     sites.len(),
///     sites.status(),
///     sites.request_id(),
///     sites.rate_limit().and_then(|window| window.remaining),
/// );
/// let sites: Vec<_> = sites.into_inner();
/// # let _ = sites;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ResponseValue<T> {
    inner: T,
    status: StatusCode,
    headers: HeaderMap,
}

impl<T> ResponseValue<T> {
    pub(crate) fn new(inner: T, status: StatusCode, headers: HeaderMap) -> Self {
        ResponseValue {
            inner,
            status,
            headers,
        }
    }

    /// The decoded body.
    pub fn into_inner(self) -> T {
        self.inner
    }

    /// The HTTP status (a 2xx the operation declares).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The `X-RateLimit-*` window the response reported (seed 000).
    pub fn rate_limit(&self) -> Option<RateLimit> {
        RateLimit::from_headers(&self.headers)
    }

    /// The server's `x-request-id`, to quote to CHeKT support.
    pub fn request_id(&self) -> Option<&str> {
        self.headers.get("x-request-id")?.to_str().ok()
    }

    /// The body converted with `f`, status and headers kept.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> ResponseValue<U> {
        ResponseValue {
            inner: f(self.inner),
            status: self.status,
            headers: self.headers,
        }
    }
}

impl<T> std::ops::Deref for ResponseValue<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T> std::ops::DerefMut for ResponseValue<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}
