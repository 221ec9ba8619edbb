//! The runtime behind every generated call, plugged in through progenitor's
//! `ClientHooks::exec`: credentials, `x-partner-trace-id`, client-side
//! throttling, retries with backoff, one refresh on `token_expired`,
//! rate-limit bookkeeping, and error bodies normalized so every error
//! response reaches [`Error`](crate::Error) with its status and headers.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use bytes::Bytes;
use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Request, Response, StatusCode};
use tracing::Instrument;

use crate::Client;
use crate::auth::{AuthFailure, Authorization, Credentials, TokenError};
use crate::error::{LOCAL_HEADER, TOO_LARGE_HEADER, UNDECODABLE_HEADER};
use crate::operations::{self, Operation};
use crate::rate_limit::{RateLimit, Throttler, retry_after};
use crate::retry::{RetryPolicy, retryable_error, retryable_status};

/// The trace header every Partner API operation takes.
pub const TRACE_HEADER: &str = "x-partner-trace-id";
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

impl ClientHooks<Runtime> for Client {
    async fn exec(&self, mut request: Request, info: &OperationInfo) -> reqwest::Result<Response> {
        let op = operations::find(info.operation_id);
        ensure_trace_id(&mut request, op);
        let span = tracing::info_span!(
            "chekt.request",
            operation = info.operation_id,
            method = %request.method(),
            path = op.map(|o| o.path).unwrap_or("?"),
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
            return self.run(request, op, &span).await;
        }
        self.run(request, op, &span).instrument(span.clone()).await
    }
}

/// Sets `x-partner-trace-id` on operations that take it, unless the caller
/// did; the same id stays on every retry of the call.
fn ensure_trace_id(request: &mut Request, op: Option<&Operation>) {
    let partner = op.is_some_and(|o| o.path.starts_with("/partner/"));
    if !partner || request.headers().contains_key(&TRACE) {
        return;
    }
    // A v4 UUID from the thread-local RNG (seeded from the OS once), not a
    // `getrandom` system call per request.
    let id = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
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
        op: Option<&Operation>,
    ) -> Result<Option<Authorization>, AuthFailure> {
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
        op: Option<&Operation>,
        span: &tracing::Span,
    ) -> reqwest::Result<Response> {
        let runtime = &self.inner;
        let inner = &runtime.inner;
        let mut auth = match self.authorize(&mut request, op).await {
            Ok(auth) => auth,
            Err(failure) => return local_failure(failure),
        };
        let method = request.method().clone();
        let mut refreshed = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            span.record("attempt", attempt);
            if let Some(throttle) = &inner.throttle
                && let Err(wait) = throttle.acquire(runtime.last_rate_limit()).await
            {
                return Ok(locally_rate_limited(wait));
            }
            let Some(this_try) = duplicate(&request) else {
                // Streaming bodies cannot be repeated: one attempt only.
                return self.client.execute(request).await;
            };
            let response = match self.client.execute(this_try).await {
                Ok(response) => response,
                Err(error) => {
                    if attempt < inner.retry.max_attempts && retryable_error(&method, &error) {
                        let delay = inner.retry.backoff(attempt, rand::random::<f64>());
                        tracing::debug!(?delay, %error, "retrying after a transport error");
                        tokio::time::sleep(delay).await;
                        continue;
                    }
                    return Err(error);
                }
            };
            let status = response.status();
            span.record("status", status.as_u16());
            runtime.observe(response.headers());
            if status.is_success() || status.is_informational() || status.is_redirection() {
                return read_success(response, inner.max_response_bytes).await;
            }
            if let Some(encoding) = crate::body::unsupported_encoding(response.headers()) {
                return Ok(crate::body::refuse(response, encoding));
            }
            let (parts, body) = read_error(response).await;
            let expired_token = auth.as_ref().filter(|a| {
                a.refreshable
                    && !refreshed
                    && status == StatusCode::UNAUTHORIZED
                    && is_token_expired(&body)
            });
            if let Some(expired) = expired_token {
                inner.credentials.invalidate(&expired.header);
                refreshed = true;
                auth = match self.authorize(&mut request, op).await {
                    Ok(auth) => auth,
                    Err(failure) => return local_failure(failure),
                };
                attempt -= 1;
                tracing::debug!("token expired; retrying once with a fresh token");
                continue;
            }
            if attempt < inner.retry.max_attempts && retryable_status(&method, status) {
                let wait = retry_after(&parts.headers, SystemTime::now());
                if wait.is_none_or(|w| w <= inner.retry.max_retry_after) {
                    let delay =
                        wait.unwrap_or_else(|| inner.retry.backoff(attempt, rand::random::<f64>()));
                    tracing::debug!(?delay, %status, "retrying");
                    tokio::time::sleep(delay).await;
                    continue;
                }
            }
            return Ok(normalize(parts, body));
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

/// Reads a body whole unless it is larger than `limit` bytes (by
/// `Content-Length`, or as it streams in): `None` then, the rest unread.
pub(crate) async fn read_capped(
    response: &mut Response,
    limit: usize,
) -> reqwest::Result<Option<Vec<u8>>> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Ok(None);
    }
    let mut body = Vec::new();
    let complete = read_prefix(response, limit, &mut body).await?;
    Ok(complete.then_some(body))
}

/// Appends at most `limit` bytes of a body to `body`; `true` when that was
/// all of it. On a transport error, what arrived before it stays in `body`.
async fn read_prefix(
    response: &mut Response,
    limit: usize,
    body: &mut Vec<u8>,
) -> reqwest::Result<bool> {
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            body.extend_from_slice(&chunk[..limit - body.len()]);
            return Ok(false);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(true)
}

/// Reads a success body into memory, refusing one larger than `limit`
/// before it is all read; drops a leading UTF-8 BOM. A body in an encoding
/// the client did not ask for is not read ([`crate::body`]).
async fn read_success(mut response: Response, limit: usize) -> reqwest::Result<Response> {
    if let Some(encoding) = crate::body::unsupported_encoding(response.headers()) {
        return Ok(crate::body::refuse(response, encoding));
    }
    let Some(body) = read_capped(&mut response, limit).await? else {
        return Ok(body_too_large(response.status(), limit));
    };
    let http: http::Response<reqwest::Body> = response.into();
    let (parts, _) = http.into_parts();
    Ok(rebuild(parts, crate::body::without_bom(body)))
}

/// Reads at most [`ERROR_BODY_LIMIT`] bytes of an error body; a body that
/// breaks off early keeps what arrived.
async fn read_error(mut response: Response) -> (http::response::Parts, Bytes) {
    let mut body = Vec::new();
    // A failure part-way keeps the part read: the error reports what came.
    let _ = read_prefix(&mut response, ERROR_BODY_LIMIT, &mut body).await;
    let http: http::Response<reqwest::Body> = response.into();
    let (parts, _) = http.into_parts();
    (parts, crate::body::without_bom(body))
}

fn is_token_expired(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("code")
                .and_then(|c| c.as_str())
                .map(|c| c == "token_expired")
        })
        .unwrap_or(false)
}

/// Passes an API-shaped error body through; rewrites anything else into the
/// API's error shape, marked so the error says the body was undecodable.
fn normalize(mut parts: http::response::Parts, body: Bytes) -> Response {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
    let api_shaped = parsed.as_ref().is_some_and(|v| {
        v.get("error").is_some_and(serde_json::Value::is_string)
            && v.get("message").is_some_and(serde_json::Value::is_string)
    });
    if api_shaped {
        return rebuild(parts, body);
    }
    let reason = parts
        .status
        .canonical_reason()
        .unwrap_or("Error")
        .to_string();
    let excerpt = crate::redact::excerpt(&body, crate::error::EXCERPT_BYTES);
    let replacement = serde_json::json!({ "error": reason, "message": excerpt });
    parts
        .headers
        .insert(UNDECODABLE_HEADER, HeaderValue::from_static("1"));
    parts
        .headers
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    rebuild(parts, Bytes::from(replacement.to_string()))
}

fn rebuild(mut parts: http::response::Parts, body: Bytes) -> Response {
    parts.headers.remove(reqwest::header::CONTENT_LENGTH);
    Response::from(http::Response::from_parts(parts, body))
}

/// A local error response, shaped like the API's so it flows through the
/// generated code unchanged and [`Error`](crate::Error) can classify it.
fn local_response(
    status: StatusCode,
    body: serde_json::Value,
    headers: &[(&'static str, String)],
) -> Response {
    let mut response = http::Response::new(Bytes::from(body.to_string()));
    *response.status_mut() = status;
    let map = response.headers_mut();
    map.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    map.insert(LOCAL_HEADER, HeaderValue::from_static("1"));
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(value) {
            map.insert(*name, value);
        }
    }
    Response::from(response)
}

/// The throttle refused to wait `wait` for the server's window to reset.
fn locally_rate_limited(wait: std::time::Duration) -> Response {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let body = serde_json::json!({
        "error": "Too Many Requests",
        "message": format!("the rate-limit window is used up and resets in {secs} s, longer than the throttle's max_wait; not sent"),
        "code": "rate_limited",
    });
    local_response(
        StatusCode::TOO_MANY_REQUESTS,
        body,
        &[("retry-after", secs.to_string())],
    )
}

/// A success body over the configured size limit, reported as an error.
fn body_too_large(status: StatusCode, limit: usize) -> Response {
    let body = serde_json::json!({
        "error": "Response Too Large",
        "message": format!("the {} response body exceeds the client's limit of {limit} bytes", status.as_u16()),
    });
    local_response(
        StatusCode::BAD_GATEWAY,
        body,
        &[(TOO_LARGE_HEADER, format!("{} {limit}", status.as_u16()))],
    )
}

/// A failure before anything was sent, answered the way the API answers an
/// unauthenticated call so it flows through the generated code unchanged.
fn local_failure(failure: AuthFailure) -> reqwest::Result<Response> {
    let mut server_said = false;
    let (status, code, message, request_id) = match failure {
        AuthFailure::Missing(message) => (StatusCode::UNAUTHORIZED, None, message, None),
        AuthFailure::Token(TokenError::Transport(error)) => return Err(error),
        AuthFailure::Token(TokenError::Redirect { status, location }) => {
            let mut response = http::Response::new(Bytes::new());
            *response.status_mut() = status;
            if let Some(value) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
                response
                    .headers_mut()
                    .insert(reqwest::header::LOCATION, value);
            }
            return Ok(Response::from(response));
        }
        AuthFailure::Token(TokenError::ContentEncoding { status, encoding }) => {
            let mut response = http::Response::new(Bytes::new());
            *response.status_mut() = status;
            return Ok(crate::body::refuse(Response::from(response), encoding));
        }
        AuthFailure::Token(e @ TokenError::Unreachable { timed_out, .. }) => {
            let status = if timed_out {
                StatusCode::GATEWAY_TIMEOUT
            } else {
                StatusCode::BAD_GATEWAY
            };
            (status, None, e.to_string(), None)
        }
        AuthFailure::Token(TokenError::Rejected {
            status,
            code,
            message,
            request_id,
        }) => {
            let status = if status.is_client_error() {
                StatusCode::UNAUTHORIZED
            } else {
                status
            };
            // The token endpoint refused the credentials that were set
            // (e.g. `invalid_client`): a server's answer, not a missing one.
            server_said = true;
            (
                status,
                code,
                format!("token request refused: {message}"),
                request_id,
            )
        }
        AuthFailure::Token(other) => (StatusCode::UNAUTHORIZED, None, other.to_string(), None),
    };
    let body = serde_json::json!({
        "error": status.canonical_reason().unwrap_or("Unauthorized"),
        "message": message,
        "code": code,
        "request_id": request_id,
    });
    let mut response = local_response(status, body, &[]);
    if server_said {
        response.headers_mut().remove(LOCAL_HEADER);
    }
    Ok(response)
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
