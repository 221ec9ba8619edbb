//! The send path of every generated `send()` (the `own_send` pass of
//! chekt-gen routes them here): credentials, `x-partner-trace-id`,
//! client-side throttling, retries with backoff, one refresh on
//! `token_expired`, rate-limit bookkeeping, and bodies read with a size
//! cap. Every failure leaves as a typed [`Error`]: an error status is
//! classified from its status and body, a local failure is its own
//! variant; nothing is turned into a synthesized response. A 3xx is
//! [`Error::Redirect`] (never followed, [`crate::redirect`]), a body in an
//! encoding the client did not ask for [`Error::ContentEncoding`], and a
//! leading UTF-8 BOM is dropped ([`crate::body`]).

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use bytes::Bytes;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Request, Response, StatusCode};
use tracing::Instrument;

pub(crate) use crate::error::{Error, Result};
pub(crate) use crate::response::ResponseValue;

use crate::Client;
use crate::auth::{Authorization, Credentials};
use crate::body::{read_capped, read_prefix, unsupported_encoding, without_bom};
use crate::operations::{Operation, TRACE_HEADER};
use crate::rate_limit::{RateLimit, Throttler, retry_after};
use crate::retry::{RetryPolicy, retryable_error, retryable_status};
use crate::types::{ApiError, ErrorCode};

/// [`TRACE_HEADER`] as a header name, parsed once.
static TRACE: HeaderName = HeaderName::from_static(TRACE_HEADER);
/// Error bodies are read up to this many bytes.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// State shared by every call of a [`Client`]. Built by
/// [`ClientBuilder`](crate::ClientBuilder); opaque otherwise.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub credentials: Credentials,
    pub token_url: String,
    pub retry: RetryPolicy,
    pub throttle: Option<Throttler>,
    pub max_response_bytes: usize,
    pub last_rate_limit: Mutex<Option<RateLimit>>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.inner.credentials;
        f.debug_struct("Runtime")
            .field("api_key", &c.api_key)
            .field("partner_grant", &c.partner.as_ref().map(|_| "[redacted]"))
            .field("user_session", &c.user.as_ref().map(|_| "[redacted]"))
            .field("access_token", &c.user_token.as_ref().map(|_| "[redacted]"))
            .field("token_url", &self.inner.token_url)
            .field("retry", &self.inner.retry)
            .field("throttle", &self.inner.throttle)
            .field("max_response_bytes", &self.inner.max_response_bytes)
            .finish()
    }
}

impl Runtime {
    pub(crate) fn new(inner: Inner) -> Self {
        Runtime {
            inner: Arc::new(inner),
        }
    }

    pub(crate) fn user_tokens(
        &self,
    ) -> Option<&crate::auth::token::TokenCache<crate::auth::authorization_code::RefreshGrant>>
    {
        self.inner.credentials.user.as_ref()
    }

    #[cfg(feature = "cli")]
    pub(crate) fn partner_tokens(
        &self,
    ) -> Option<&crate::auth::token::TokenCache<crate::auth::token::PartnerGrant>> {
        self.inner.credentials.partner.as_ref()
    }

    pub(crate) fn token_url(&self) -> &str {
        &self.inner.token_url
    }

    /// The rate-limit window reported by the most recent response.
    pub(crate) fn last_rate_limit(&self) -> Option<RateLimit> {
        self.inner.last_rate_limit.lock().ok().and_then(|g| *g)
    }

    fn observe(&self, headers: &HeaderMap) {
        if let (Some(rl), Ok(mut last)) = (
            RateLimit::from_headers(headers),
            self.inner.last_rate_limit.lock(),
        ) {
            *last = Some(rl);
        }
    }
}

/// A response that is not an error status, its body read whole.
#[derive(Debug)]
pub(crate) struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    /// The credential the request carried (marked sensitive), never to be
    /// shown in an error about this reply.
    sent: Option<HeaderValue>,
}

/// The secret in a credential header sent (`Bearer <token>`: the token),
/// as the list [`crate::redact::known`] takes.
fn sent_secrets(sent: Option<&HeaderValue>) -> Vec<&str> {
    sent.and_then(|h| h.to_str().ok())
        .map(|h| h.split_once(' ').map_or(h, |(_, token)| token.trim()))
        .into_iter()
        .collect()
}

impl Reply {
    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }
}

/// A request the generated builder could not build (a missing or invalid
/// argument, a header value that cannot be sent): nothing was sent.
pub(crate) fn invalid_request(error: progenitor_client::Error<()>) -> Error {
    let message = match error {
        progenitor_client::Error::InvalidRequest(message) => message,
        other => other.to_string(),
    };
    Error::InvalidRequest { message }
}

/// Decodes a declared success body as `T`; a failure names the operation
/// and the JSON path.
pub(crate) fn success<T: serde::de::DeserializeOwned>(
    reply: Reply,
    op: &'static Operation,
) -> Result<ResponseValue<T>> {
    match crate::body::decode(&reply.body) {
        Ok(inner) => Ok(ResponseValue::new(inner, reply.status, reply.headers)),
        Err((path, reason)) => Err(Error::undecodable_success(
            op,
            &reply.headers,
            &reply.body,
            path,
            reason,
            &sent_secrets(reply.sent.as_ref()),
        )),
    }
}

/// A declared success without a body.
#[allow(dead_code)] // used when the spec has an operation without a success body
pub(crate) fn empty(reply: Reply, _op: &'static Operation) -> Result<ResponseValue<()>> {
    Ok(ResponseValue::new((), reply.status, reply.headers))
}

/// A status that is neither an error nor a success `op` declares.
pub(crate) fn unexpected(reply: Reply, op: &'static Operation) -> Error {
    Error::UnexpectedStatus {
        operation: op.id,
        status: reply.status,
        request_id: crate::body::request_id(&reply.headers),
    }
}

/// Sends `request` for `op`: authorizes it, retries it as the policy and
/// `op`'s idempotence allow, and reads the answer. An error status comes
/// back as its classified [`Error`].
pub(crate) async fn send(
    client: &Client,
    mut request: Request,
    op: &'static Operation,
) -> Result<Reply> {
    ensure_trace_id(&mut request, op);
    let span = tracing::info_span!(
        "chekt.request",
        operation = op.id,
        method = %op.method,
        path = op.path,
        trace_id = request
            .headers()
            .get(&TRACE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
        attempt = tracing::field::Empty,
        status = tracing::field::Empty,
    );
    if span.is_disabled() {
        // Nobody listens: skip entering and leaving the span on every poll.
        return client.run(request, op, &span).await;
    }
    client
        .run(request, op, &span)
        .instrument(span.clone())
        .await
}

/// Sets `x-partner-trace-id` on operations that take it, unless the caller
/// did; the same id stays on every retry of the call.
fn ensure_trace_id(request: &mut Request, op: &Operation) {
    if !op.takes_trace_id || request.headers().contains_key(&TRACE) {
        return;
    }
    // A v4 UUID from fastrand's thread-local generator (seeded once), not
    // a `getrandom` system call per request: a trace id must be unique,
    // not secret.
    let id = uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes()).into_uuid();
    let mut buf = uuid::Uuid::encode_buffer();
    let id = id.hyphenated().encode_lower(&mut buf);
    if let Ok(value) = HeaderValue::from_str(id) {
        request.headers_mut().insert(TRACE.clone(), value);
    }
}

impl Client {
    /// Picks the credential for `op` and sets it on `request`.
    async fn authorize(
        &self,
        request: &mut Request,
        op: &'static Operation,
    ) -> Result<Option<Authorization>> {
        let inner = &self.inner.inner;
        let auth = inner
            .credentials
            .authorize(op, &self.client, &inner.token_url)
            .await?;
        if let Some(auth) = &auth {
            request
                .headers_mut()
                .insert(AUTHORIZATION, auth.header.clone());
        }
        Ok(auth)
    }

    async fn run(
        &self,
        mut request: Request,
        op: &'static Operation,
        span: &tracing::Span,
    ) -> Result<Reply> {
        let runtime = &self.inner;
        let inner = &runtime.inner;
        let mut auth = self.authorize(&mut request, op).await?;
        let mut refreshed = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            span.record("attempt", attempt);
            if let Some(throttle) = &inner.throttle
                && let Err(resets_in) = throttle.acquire(runtime.last_rate_limit()).await
            {
                return Err(Error::Throttled { resets_in });
            }
            // Streaming bodies cannot be repeated: one attempt only.
            let (this_try, repeatable) = match duplicate(&request) {
                Some(copy) => (copy, true),
                None => {
                    let placeholder = Request::new(request.method().clone(), request.url().clone());
                    (std::mem::replace(&mut request, placeholder), false)
                }
            };
            let may_retry = repeatable && attempt < inner.retry.max_attempts;
            let response = match self.client.execute(this_try).await {
                Ok(response) => response,
                Err(error) => {
                    if may_retry && retryable_error(op.idempotent, &error) {
                        let delay = inner.retry.backoff(attempt, fastrand::f64());
                        tracing::debug!(?delay, %error, "retrying after a transport error");
                        tokio::time::sleep(delay).await;
                        continue;
                    }
                    return Err(Error::transport(error));
                }
            };
            let status = response.status();
            span.record("status", status.as_u16());
            tracing::debug!(status = status.as_u16(), "response");
            runtime.observe(response.headers());
            if status.is_redirection() {
                // Never followed (crate::redirect): nothing more is sent.
                return Err(Error::Redirect {
                    operation: op.id,
                    status,
                    location: crate::redirect::location(
                        response.headers(),
                        &sent_secrets(auth.as_ref().map(|a| &a.header)),
                    ),
                });
            }
            if let Some(encoding) = unsupported_encoding(response.headers()) {
                return Err(Error::ContentEncoding {
                    operation: op.id,
                    status,
                    encoding,
                });
            }
            if !(status.is_client_error() || status.is_server_error()) {
                let sent = auth.as_ref().map(|a| a.header.clone());
                return read_reply(response, op, inner.max_response_bytes, sent).await;
            }
            let (headers, body) = read_error(response).await;
            let expired_token = auth.as_ref().filter(|a| {
                a.refreshable
                    && !refreshed
                    && repeatable
                    && status == StatusCode::UNAUTHORIZED
                    && is_token_expired(&body)
            });
            if let Some(expired) = expired_token {
                inner.credentials.invalidate(&expired.header);
                refreshed = true;
                auth = self.authorize(&mut request, op).await?;
                attempt -= 1;
                tracing::debug!("token expired; retrying once with a fresh token");
                continue;
            }
            if may_retry && retryable_status(op.idempotent, status) {
                let wait = retry_after(&headers, SystemTime::now());
                if wait.is_none_or(|w| w <= inner.retry.max_retry_after) {
                    let delay =
                        wait.unwrap_or_else(|| inner.retry.backoff(attempt, fastrand::f64()));
                    tracing::debug!(?delay, %status, "retrying");
                    tokio::time::sleep(delay).await;
                    continue;
                }
            }
            let secrets = sent_secrets(auth.as_ref().map(|a| &a.header));
            return Err(Error::from_response(op, status, &headers, &body, &secrets));
        }
    }
}

/// A copy of `request` for one attempt, so the original stays for a retry;
/// `None` when its body is a stream, which cannot be repeated.
///
/// What `Request::try_clone` does, without its waste: that allocates the
/// request's extension map just to copy the timeout into it (requests carry
/// nothing else there), and clones the headers with no room left, so reqwest
/// reallocates them to add its default `User-Agent`.
fn duplicate(request: &Request) -> Option<Request> {
    let body = match request.body() {
        Some(body) => Some(reqwest::Body::from(Bytes::copy_from_slice(
            body.as_bytes()?,
        ))),
        None => None,
    };
    let mut copy = Request::new(request.method().clone(), request.url().clone());
    if let Some(timeout) = request.timeout() {
        *copy.timeout_mut() = Some(*timeout);
    }
    let headers = copy.headers_mut();
    headers.reserve(request.headers().len() + 1);
    for (name, value) in request.headers() {
        headers.append(name, value.clone());
    }
    *copy.version_mut() = request.version();
    *copy.body_mut() = body;
    Some(copy)
}

/// Reads a non-error response whole, refusing a body larger than `limit`
/// before it is all read; a leading UTF-8 BOM is dropped (RFC 8259 §8.1)
/// without copying.
async fn read_reply(
    mut response: Response,
    op: &'static Operation,
    limit: usize,
    sent: Option<HeaderValue>,
) -> Result<Reply> {
    let status = response.status();
    // A declared length within the limit is enforced by the HTTP layer:
    // let reqwest collect the body without an extra copy.
    if response.content_length().is_some_and(|n| n <= limit as u64) {
        let headers = std::mem::take(response.headers_mut());
        let body = response.bytes().await.map_err(Error::transport)?;
        return Ok(Reply {
            status,
            headers,
            body: without_bom(body),
            sent,
        });
    }
    let body = read_capped(&mut response, limit)
        .await
        .map_err(Error::transport)?
        .ok_or(Error::ResponseTooLarge {
            operation: op.id,
            status,
            limit,
        })?;
    Ok(Reply {
        status,
        headers: std::mem::take(response.headers_mut()),
        body: without_bom(Bytes::from(body)),
        sent,
    })
}

/// Reads at most [`ERROR_BODY_LIMIT`] bytes of an error body, without a
/// leading UTF-8 BOM; a body that breaks off early keeps what arrived.
async fn read_error(mut response: Response) -> (HeaderMap, Vec<u8>) {
    let mut body = Vec::new();
    // A failure part-way keeps the part read: the error reports what came.
    let _ = read_prefix(&mut response, ERROR_BODY_LIMIT, &mut body).await;
    let bom = body.len() - crate::body::strip_bom(&body).len();
    body.drain(..bom);
    (std::mem::take(response.headers_mut()), body)
}

/// Whether an error body carries the API's `token_expired` code.
fn is_token_expired(body: &[u8]) -> bool {
    serde_json::from_slice::<ApiError>(body).is_ok_and(|b| b.code == Some(ErrorCode::TokenExpired))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use reqwest::{Body, Method, Version};

    use super::*;

    fn request(body: Option<Body>) -> Request {
        let url = "http://localhost/partner/v1/dealers/42/sites?limit=5".parse();
        let mut request = Request::new(Method::PATCH, url.expect("a valid URL"));
        let headers = request.headers_mut();
        headers.insert(&TRACE, HeaderValue::from_static("trace-1"));
        headers.append("x-repeated", HeaderValue::from_static("first"));
        headers.append("x-repeated", HeaderValue::from_static("second"));
        *request.timeout_mut() = Some(Duration::from_secs(3));
        *request.version_mut() = Version::HTTP_2;
        *request.body_mut() = body;
        request
    }

    #[test]
    fn a_duplicate_is_the_same_request_with_room_for_one_more_header() {
        let original = request(Some(Body::from(r#"{"status":"verified"}"#)));
        let copy = duplicate(&original).expect("a buffered body can be repeated");
        assert_eq!(copy.method(), Method::PATCH);
        assert_eq!(copy.url(), original.url());
        assert_eq!(copy.headers(), original.headers());
        let repeated: Vec<_> = copy.headers().get_all("x-repeated").iter().collect();
        assert_eq!(repeated, ["first", "second"], "every value, in order");
        assert_eq!(copy.timeout(), Some(&Duration::from_secs(3)));
        assert_eq!(copy.version(), Version::HTTP_2);
        let body = copy.body().and_then(Body::as_bytes);
        assert_eq!(body, Some(&br#"{"status":"verified"}"#[..]));
        // reqwest adds its default `User-Agent` without reallocating.
        assert!(copy.headers().capacity() > copy.headers().len());
    }

    #[test]
    fn a_request_without_body_or_timeout_stays_without() {
        let mut original = request(None);
        *original.timeout_mut() = None;
        let copy = duplicate(&original).expect("no body can be repeated");
        assert!(copy.body().is_none());
        assert_eq!(copy.timeout(), None);
    }

    #[test]
    fn a_streaming_body_cannot_be_duplicated() {
        let chunks = futures::stream::iter([Ok::<_, std::io::Error>("chunk")]);
        assert!(duplicate(&request(Some(Body::wrap_stream(chunks)))).is_none());
    }
}
