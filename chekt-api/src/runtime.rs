//! What generated code calls (the `own_send` pass of chekt-gen routes
//! every builder's `send()` here with its operation descriptor and
//! [`RequestOptions`]): [`send`] runs the [`pipeline`](crate::pipeline);
//! [`success`], [`empty`] and [`unexpected`] turn its reply into the
//! builder's result. Also the client's shared state, [`Runtime`]. Every
//! failure leaves as a typed [`Error`]: an error status is classified from
//! its status and body, a local failure is its own variant; nothing is
//! turned into a synthesized response.

use std::sync::{Arc, Mutex};

use reqwest::header::HeaderMap;

pub(crate) use crate::error::Result;
pub(crate) use crate::pipeline::RequestOptions;
pub(crate) use crate::response::ResponseValue;

use crate::Client;
use crate::auth::Credentials;
use crate::operations::Operation;
#[allow(unused_imports)] // `empty`: for an operation without a success body
pub(crate) use crate::pipeline::decode::{empty, invalid_request, success, unexpected};
use crate::pipeline::intercept::Interceptor;
use crate::rate_limit::{RateLimit, Throttler};
use crate::retry::{Bucket, RetryClassifier, RetryPolicy};

/// State shared by every call of a [`Client`]. Built by
/// [`ClientBuilder`](crate::ClientBuilder); opaque otherwise.
#[derive(Clone)]
pub struct Runtime {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub credentials: Credentials,
    pub token_url: String,
    pub retry: RetryPolicy,
    /// Shared with the clients derived by `with_credentials`.
    pub throttle: Option<Arc<Throttler>>,
    pub max_response_bytes: usize,
    /// The HTTP client's timeout for one attempt, when chekt-api built
    /// the client ([`ClientBuilder::timeout`](crate::ClientBuilder::timeout));
    /// `None` for one given by
    /// [`ClientBuilder::http_client`](crate::ClientBuilder::http_client),
    /// whose timeout is not known. See [`crate::pipeline`]'s deadline.
    pub attempt_limit: Option<std::time::Duration>,
    pub last_rate_limit: Mutex<Option<RateLimit>>,
    /// Options of every call ([`ClientBuilder::default_options`](crate::ClientBuilder::default_options)).
    pub defaults: RequestOptions,
    pub classifier: Arc<dyn RetryClassifier>,
    /// Shared with the clients derived by `with_credentials`.
    pub budget: Arc<Bucket>,
    pub interceptors: Arc<[Arc<dyn Interceptor>]>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.inner.credentials;
        f.debug_struct("Runtime")
            .field(
                "credentials",
                &format_args!("{} provider(s), [redacted]", c.providers.len()),
            )
            .field("partner_grant", &c.partner.as_ref().map(|_| "[redacted]"))
            .field("user_session", &c.user.as_ref().map(|_| "[redacted]"))
            .field("token_url", &self.inner.token_url)
            .field("retry", &self.inner.retry)
            .field("throttle", &self.inner.throttle)
            .field("max_response_bytes", &self.inner.max_response_bytes)
            .field("defaults", &self.inner.defaults)
            .field("classifier", &self.inner.classifier)
            .field("interceptors", &self.inner.interceptors.len())
            .finish()
    }
}

impl Runtime {
    pub(crate) fn new(inner: Inner) -> Self {
        Runtime {
            inner: Arc::new(inner),
        }
    }

    /// The same configuration with other credentials and its own
    /// rate-limit bookkeeping; the throttle, retry budget, interceptors and
    /// default options are shared.
    pub(crate) fn with_credentials(&self, credentials: Credentials) -> Self {
        let inner = &self.inner;
        Runtime::new(Inner {
            credentials,
            token_url: inner.token_url.clone(),
            retry: inner.retry,
            throttle: inner.throttle.clone(),
            max_response_bytes: inner.max_response_bytes,
            attempt_limit: inner.attempt_limit,
            last_rate_limit: Mutex::default(),
            defaults: inner.defaults.clone(),
            classifier: inner.classifier.clone(),
            budget: inner.budget.clone(),
            interceptors: inner.interceptors.clone(),
        })
    }

    pub(crate) fn user_tokens(
        &self,
    ) -> Option<&crate::auth::token::TokenCache<crate::auth::authorization_code::RefreshGrant>>
    {
        self.inner.credentials.user.as_deref()
    }

    #[cfg(feature = "cli")]
    pub(crate) fn partner_tokens(
        &self,
    ) -> Option<&crate::auth::token::TokenCache<crate::auth::token::PartnerGrant>> {
        self.inner.credentials.partner.as_deref()
    }

    pub(crate) fn token_url(&self) -> &str {
        &self.inner.token_url
    }

    /// The rate-limit window reported by the most recent response.
    pub(crate) fn last_rate_limit(&self) -> Option<RateLimit> {
        self.inner.last_rate_limit.lock().ok().and_then(|g| *g)
    }

    /// Records the rate-limit window a response reports. A response
    /// without `X-RateLimit-*` headers (most) costs one pass over its
    /// header names: no clock read, no lookups, no lock taken (a lock is a
    /// write to memory every call shares).
    pub(crate) fn observe(&self, headers: &HeaderMap) {
        if !crate::rate_limit::reports_window(headers) {
            return;
        }
        if let (Some(rl), Ok(mut last)) = (
            RateLimit::from_headers(headers),
            self.inner.last_rate_limit.lock(),
        ) {
            *last = Some(rl);
        }
    }
}

/// Sends the request `build` makes for `op` with the call's `options`
/// through the [`pipeline`](crate::pipeline). An error status comes back as
/// its classified [`Error`].
///
/// `build` is the builder's `send()` once its parameters are checked: the
/// pipeline calls it for the first attempt and again for each retry, so no
/// copy of the request is kept in case one is needed
/// ([`Build`](crate::pipeline::request::Build)).
///
/// The pipeline's state lives on the heap, as reqwest's own request future
/// does ([`pipeline::Sending`](crate::pipeline::Sending)): the future a
/// builder's `send()` returns stays small, so moving it (into `join_all`,
/// a spawned task, a stream) copies little.
pub(crate) fn send<'a>(
    client: &'a Client,
    build: &'a crate::pipeline::request::Build<'a>,
    op: &'a Operation,
    options: &'a RequestOptions,
) -> crate::pipeline::Sending<'a> {
    crate::pipeline::send(
        client,
        crate::pipeline::request::Requests::built(build),
        op,
        options,
    )
}

/// Sends `request`, built once, for `op` through the
/// [`pipeline`](crate::pipeline): what a builder's `send()` calls when its
/// request moves one of its parameters (a byte or text body, taken by
/// `.body(body)`), so that it cannot be built again. A retry sends a copy,
/// which a streaming body cannot be.
#[allow(
    dead_code,
    reason = "used when the spec has an operation whose request moves a parameter"
)]
pub(crate) fn send_built<'a>(
    client: &'a Client,
    request: reqwest::Request,
    op: &'a Operation,
    options: &'a RequestOptions,
) -> crate::pipeline::Sending<'a> {
    crate::pipeline::send(
        client,
        crate::pipeline::request::Requests::given(request),
        op,
        options,
    )
}
