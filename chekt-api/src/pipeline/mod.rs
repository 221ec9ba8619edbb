//! The request pipeline every call goes through (generated operations,
//! paging, [`RawRequest`](crate::RawRequest), the CLI), as separate stages:
//!
//! 1. options: the call's [`RequestOptions`] over the client's defaults
//!    ([`options`]); a header the client owns is refused, nothing sent;
//! 2. credentials: the operation's `Authorization`
//!    ([`crate::auth::CredentialsProvider`]);
//! 3. throttle: the client-side rate limit ([`crate::rate_limit`]);
//! 4. attempt: one request, under the attempt's timeout, with the
//!    [`Interceptor`]s before and after it ([`attempt`]); a generated
//!    operation's is built anew for each attempt, a
//!    [`RawRequest`](crate::RawRequest)'s is a copy ([`request`]);
//! 5. classify: a redirect, an unasked encoding, an error status, a token
//!    the server no longer accepts (RFC 6750 §3.1 `invalid_token`, or the
//!    body's `token_expired`: dropped and fetched again once);
//! 6. retry: the [`RetryClassifier`](crate::retry::RetryClassifier), the
//!    [`RetryPolicy`](crate::retry::RetryPolicy)'s attempts and backoff, the
//!    client's [`RetryBudget`](crate::retry::RetryBudget);
//! 7. decode: the body read under the size limit, then decoded by the
//!    caller ([`decode`]).
//!
//! The whole-call deadline ([`RequestOptions::timeout`], [`deadline`])
//! bounds stages 2 to 7: every wait runs under it, and a backoff or
//! `Retry-After` wait that would end past it is not started: the call ends
//! with [`Error::DeadlineExceeded`] at once. Its timers: each attempt's
//! HTTP timeout is cut to the time left, so the HTTP client's own timer
//! bounds the request and its body read; a token fetch or a throttle wait
//! is bounded by a timer of its own, set up only if it has to wait. A call
//! that waits for nothing else thus runs under one timer, as a request
//! with a timeout sent by reqwest alone does (each timer a tokio timer
//! registration, which can wake the runtime's driver). With an HTTP client
//! from [`ClientBuilder::http_client`](crate::ClientBuilder::http_client),
//! whose timeout is not known (an attempt's timeout replaces it), one timer
//! bounds the whole call instead.
//!
//! Tracing: one `chekt.request` span per call and one `chekt.attempt` span per
//! attempt, with OpenTelemetry's HTTP client attribute names
//! (`http.request.method`, `url.template`, `http.response.status_code`,
//! `http.request.resend_count`, `error.type`) and the operationId; never a
//! credential or the filled-in URL.

pub(crate) mod attempt;
mod deadline;
pub(crate) mod decode;
pub(crate) mod intercept;
pub(crate) mod options;
pub(crate) mod raw;
pub(crate) mod request;

use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use futures::future::Either;
use reqwest::header::{HeaderMap, HeaderValue, WWW_AUTHENTICATE};
use reqwest::{Request, StatusCode};
use tracing::Instrument;
use tracing::field::Empty;

use crate::Client;
use crate::auth::{Authorization, Authorized};
use crate::body::unsupported_encoding;
use crate::error::{Error, Result};
use crate::operations::Operation;
use crate::retry::Outcome;
use crate::types::{ApiError, ErrorCode};
use attempt::{Reply, read_error, read_reply, sent_secrets};
use deadline::{Deadline, Expired};
use intercept::{AttemptInfo, AttemptResult};
pub use options::RequestOptions;
use request::Requests;

/// The pipeline's future for one call, already boxed: every caller (the
/// generated builders through [`crate::runtime::send`],
/// [`RawRequest`](crate::RawRequest)) awaits it as is, so a builder's
/// `send()` future holds a pointer, not the pipeline, and no caller boxes it
/// again.
pub(crate) type Sending<'a> = Pin<Box<dyn Future<Output = Result<Reply>> + Send + 'a>>;

/// Sends `requests` for `op` with the call's `options`: every stage of
/// the module docs. An error status comes back as its classified
/// [`Error`], with [`Error::attempts`] set.
///
/// Two heap blocks of at most 1 KiB each (`tests::a_call_fits_two_small_blocks`):
/// this call's state (the requests, the options, the span), and the stages'
/// state ([`Call::run`]). Blocks that small come from the allocator's
/// per-thread cache; one block of both (2 KiB) took the allocator's slow
/// path on every call, beside the 1.8 KiB block reqwest allocates per
/// request.
pub(crate) fn send<'a>(
    client: &'a Client,
    requests: Requests<'a>,
    op: &'a Operation,
    options: &'a RequestOptions,
) -> Sending<'a> {
    Box::pin(call(client, requests, op, options))
}

/// [`send`]'s future. Not an `async fn`: that would hold `requests` twice in
/// its state (the argument and the local it is moved into). The requests
/// live here once; the stages borrow them.
#[allow(
    clippy::manual_async_fn,
    reason = "an async fn would hold its arguments twice in its state"
)]
fn call<'a>(
    client: &'a Client,
    mut requests: Requests<'a>,
    op: &'a Operation,
    options: &'a RequestOptions,
) -> impl Future<Output = Result<Reply>> + Send + 'a {
    async move {
        let defaults = &client.inner.inner.defaults;
        // Boxed: both set is rare, and a merged copy in the state would
        // grow every call's.
        let mut merged: Option<Box<RequestOptions>> = None;
        let options = if options.is_empty() {
            defaults
        } else if defaults.is_empty() {
            // Nothing to merge: no copy of the call's headers.
            options
        } else {
            &**merged.insert(Box::new(options.over(defaults)))
        };
        if let Some(name) = options.owned_header() {
            return Err(Error::invalid(format!(
                "RequestOptions::header cannot set `{name}`: the client sets it (owned headers: {}); \
             set a trace id with the builder's x_partner_trace_id()",
                options::OWNED_HEADERS.join(", ")
            )));
        }
        requests.first(op, options)?;
        let span = tracing::info_span!(
            "chekt.request",
            operation = op.id,
            http.request.method = op.method.as_str(),
            url.template = op.path,
            trace_id = requests.trace_id(),
            http.response.status_code = Empty,
            http.request.resend_count = Empty,
            error.type = Empty,
        );
        let attempts = AtomicU32::new(0);
        let call = Call {
            client,
            op,
            options,
            deadline: Deadline::after(options.timeout),
            span: &span,
            attempts: &attempts,
        };
        // The stages' state in a block of its own (see `send`). The
        // deadline's timers: see the module docs.
        let run = Box::pin(call.run(&mut requests));
        let whole_call_timer = call.deadline.instant().is_some() && !call.attempts_bounded();
        let result = if whole_call_timer {
            let bounded = call.deadline.bound(run);
            let bounded = if span.is_disabled() {
                bounded.await
            } else {
                bounded.instrument(span.clone()).await
            };
            bounded.unwrap_or_else(|e| Err(expired(e)))
        } else if span.is_disabled() {
            run.await
        } else {
            run.instrument(span.clone()).await
        };
        result.map_err(|error| {
            span.record("error.type", error.error_type());
            error.with_attempts(attempts.load(Ordering::Relaxed))
        })
    }
}

/// One call in flight.
struct Call<'a> {
    client: &'a Client,
    op: &'a Operation,
    options: &'a RequestOptions,
    deadline: Deadline,
    span: &'a tracing::Span,
    /// Requests sent so far (read when the deadline cuts the call off).
    attempts: &'a AtomicU32,
}

/// The deadline passed: nothing more is sent.
fn expired(Expired(timeout): Expired) -> Error {
    Error::DeadlineExceeded {
        timeout,
        attempts: 0,
    }
}

impl Call<'_> {
    /// Picks the credential for the call and sets it on `request`, under
    /// the deadline (a token fetch included).
    async fn authorize(&self, request: Option<&mut Request>) -> Result<Option<Authorized>> {
        let inner = &self.client.inner.inner;
        // Nothing is asked once the deadline has passed.
        self.deadline.check().map_err(expired)?;
        let auth = match inner.credentials.authorize(
            self.op,
            &self.client.client,
            &inner.token_url,
            self.deadline.instant(),
        ) {
            Authorization::Ready(auth) => auth,
            Authorization::Fetch(fetch) => self.deadline.bound(fetch).await.map_err(expired)?,
        };
        if auth.is_err() {
            // The token request runs in a task of its own under the same
            // deadline, whose timer may fire before the call's: a failure
            // once the deadline has passed is the deadline's.
            self.deadline.check().map_err(expired)?;
        }
        let auth = auth?;
        if let (Some((_, credential)), Some(request)) = (&auth, request) {
            request
                .headers_mut()
                .insert(reqwest::header::AUTHORIZATION, credential.header.clone());
        }
        Ok(auth)
    }

    /// The throttle stage: waits (under the deadline) for the client-side
    /// rate limit, or refuses a wait longer than its `max_wait`. The slot
    /// it takes is the next [`execute`](Self::execute)'s, which gives it
    /// back if it sends nothing.
    async fn throttle(&self) -> Result<()> {
        let runtime = &self.client.inner;
        let Some(throttle) = &runtime.inner.throttle else {
            return Ok(());
        };
        let waited = self
            .deadline
            .bound(throttle.acquire(runtime.last_rate_limit()))
            .await
            .map_err(expired)?;
        waited.map_err(|resets_in| Error::Throttled {
            resets_in,
            attempts: 0,
        })
    }

    /// Gives back the slot [`throttle`](Self::throttle) took for an
    /// attempt that sends nothing.
    fn unthrottle(&self) {
        if let Some(throttle) = &self.client.inner.inner.throttle {
            throttle.give_back();
        }
    }

    /// The `chekt.attempt` span of attempt `attempt` (1-based).
    fn attempt_span(&self, attempt: u32) -> tracing::Span {
        if attempt > 1 {
            self.span.record("http.request.resend_count", attempt - 1);
        }
        tracing::info_span!(
            "chekt.attempt",
            http.request.resend_count = attempt - 1,
            http.response.status_code = Empty,
            error.type = Empty,
        )
    }

    /// The attempt stage: the interceptors, then `request` sent under the
    /// deadline (its own timeout set by the caller, cut to the time left)
    /// and counted. `Err` only when the deadline passed (nothing sent); a
    /// transport failure is the `Err` of the future.
    ///
    /// Not an `async fn`, which would hold `request` in its state beside
    /// reqwest's future it is moved into.
    fn execute(
        &self,
        mut request: Request,
        info: &AttemptInfo<'_>,
        span: &tracing::Span,
    ) -> Result<impl Future<Output = reqwest::Result<reqwest::Response>> + use<>> {
        let inner = &self.client.inner.inner;
        for interceptor in inner.interceptors.iter() {
            interceptor.before_attempt(info, &mut request);
        }
        // Checked after the interceptors (one may have taken the rest of
        // the time): past the deadline nothing is sent, `Error::attempts`
        // counts requests sent, and the throttle's slot (`throttle`, just
        // before) goes back.
        if let Err(late) = self.deadline.check() {
            self.unthrottle();
            return Err(expired(late));
        }
        self.cut_to_deadline(&mut request);
        self.attempts.fetch_add(1, Ordering::Relaxed);
        let sent = self.client.client.execute(request);
        Ok(if span.is_disabled() {
            Either::Left(sent)
        } else {
            Either::Right(sent.instrument(span.clone()))
        })
    }

    /// Records a response (spans, interceptors, the rate-limit window).
    fn responded(
        &self,
        response: &reqwest::Response,
        info: &AttemptInfo<'_>,
        span: &tracing::Span,
    ) {
        let status = response.status().as_u16();
        span.record("http.response.status_code", status);
        self.span.record("http.response.status_code", status);
        tracing::debug!(parent: span, status, "response");
        self.after_attempt(
            info,
            &AttemptResult::Response {
                status: response.status(),
                headers: response.headers(),
            },
        );
        self.client.inner.observe(response.headers());
    }

    /// The retry stage: how long to wait before the next attempt, or
    /// `None` when `outcome` is not retried: the classifier says no, the
    /// server's `Retry-After` is longer than the policy's
    /// `max_retry_after`, or the client's retry budget is spent. (The
    /// caller checked the attempts left; the deadline is checked by the
    /// sleep, and a wait it refuses takes nothing from the budget.)
    fn retry_wait(&self, outcome: &Outcome<'_>, idempotent: bool, retry: u32) -> Option<Duration> {
        let inner = &self.client.inner.inner;
        let policy = self.policy();
        if !inner.classifier.should_retry(outcome, idempotent) {
            return None;
        }
        let (server_wait, after_timeout) = match outcome {
            Outcome::Status(_, headers) => (
                crate::rate_limit::retry_after(headers, SystemTime::now()),
                false,
            ),
            Outcome::Transport(error) => (None, error.is_timeout()),
        };
        if server_wait.is_some_and(|w| w > policy.max_retry_after)
            || !inner.budget.try_take(after_timeout)
        {
            return None;
        }
        let delay = server_wait.unwrap_or_else(|| policy.backoff(retry, fastrand::f64()));
        if !self.deadline.fits(delay) {
            // The sleep refuses it (the call's deadline): no retry is made.
            inner.budget.give_back(after_timeout);
        }
        Some(delay)
    }

    /// The call's retry policy, else the client's.
    fn policy(&self) -> crate::retry::RetryPolicy {
        self.options.retry.unwrap_or(self.client.inner.inner.retry)
    }

    fn after_attempt(&self, info: &AttemptInfo<'_>, result: &AttemptResult<'_>) {
        for interceptor in self.client.inner.inner.interceptors.iter() {
            interceptor.after_attempt(info, result);
        }
    }

    /// Stages 2 to 7, attempt after attempt.
    ///
    /// `requests` makes each attempt's request ([`Call::next_try`]).
    async fn run(&self, requests: &mut Requests<'_>) -> Result<Reply> {
        let runtime = &self.client.inner;
        let inner = &runtime.inner;
        let op = self.op;
        let max_attempts = self.policy().max_attempts;
        let idempotent = self.options.idempotent.unwrap_or(op.idempotent);
        let mut auth = self.authorize(requests.pending()).await?;
        // One extra attempt for a token the server no longer accepts.
        let mut refreshed = false;
        loop {
            self.throttle().await?;
            // Counted once sent (`execute`).
            let attempt = self.attempts.load(Ordering::Relaxed) + 1;
            let retries_used = attempt - u32::from(refreshed);
            let info = AttemptInfo {
                operation: op.id,
                method: &op.method,
                url_template: op.path,
                attempt,
            };
            let attempt_span = self.attempt_span(attempt);
            let repeatable;
            // Whether another attempt could follow this one: a retry, or
            // once a renewable token the server rejects.
            let renewable = !refreshed && auth.as_ref().is_some_and(|(_, c)| c.renewable);
            let last = retries_used >= max_attempts && !renewable;
            let executed = {
                // Scoped so the attempt's request is not kept in the state
                // while it is sent.
                let sent = auth.as_ref().map(|(_, c)| &c.header);
                let (this_try, can_repeat) = match self.next_try(requests, last, sent) {
                    Ok(Some(next)) => next,
                    // Nothing is sent: the throttle's slot goes back. (No
                    // request left is not reached: an attempt follows only
                    // one that can be repeated.)
                    other => {
                        self.unthrottle();
                        return Err(other
                            .err()
                            .unwrap_or_else(|| Error::invalid("the request was sent already")));
                    }
                };
                repeatable = can_repeat;
                self.execute(this_try, &info, &attempt_span)?
            };
            let may_retry = repeatable && retries_used < max_attempts;
            let response = match executed.await {
                Ok(response) => response,
                Err(error) => {
                    // Decided as it arrives, before the interceptors run: a
                    // timeout once the deadline has passed is the deadline's
                    // (the attempt's HTTP timeout, cut to the time left); one
                    // before it is the attempt's own.
                    let late = self.cut_off(&error);
                    attempt_span.record("error.type", transport_type(&error));
                    self.after_attempt(&info, &AttemptResult::Failed(&error));
                    if let Some(late) = late {
                        return Err(expired(late));
                    }
                    if may_retry
                        && let Some(delay) =
                            self.retry_wait(&Outcome::Transport(&error), idempotent, retries_used)
                    {
                        // Not `%error`: reqwest's message carries the
                        // filled-in URL and its query.
                        tracing::debug!(
                            ?delay,
                            error.type = transport_type(&error),
                            cause = std::error::Error::source(&error).map(tracing::field::display),
                            "retrying after a transport error"
                        );
                        self.deadline.sleep(delay).await.map_err(expired)?;
                        continue;
                    }
                    return Err(Error::transport(error));
                }
            };
            let status = response.status();
            self.responded(&response, &info, &attempt_span);
            let sent = auth.as_ref().map(|(_, c)| &c.header);
            if status.is_redirection() {
                // Never followed (crate::redirect): nothing more is sent.
                return Err(Error::Redirect {
                    operation: op.id,
                    status,
                    location: crate::redirect::location(response.headers(), &sent_secrets(sent)),
                    attempts: 0,
                });
            }
            if !(status.is_client_error() || status.is_server_error()) {
                // An error status is classified whatever its encoding (status first).
                if let Some(encoding) = unsupported_encoding(response.headers()) {
                    return Err(Error::ContentEncoding {
                        operation: op.id,
                        status,
                        encoding,
                        attempts: 0,
                    });
                }
                let read = self
                    .deadline
                    .start(read_reply(
                        response,
                        op,
                        inner.max_response_bytes,
                        sent.cloned(),
                    ))
                    .await
                    .map_err(expired)?;
                let mut reply = read.map_err(|error| match &error {
                    Error::Timeout { source, .. } => self.cut_off(source).map_or(error, expired),
                    _ => error,
                })?;
                inner.budget.refund();
                reply.attempts = attempt;
                return Ok(reply);
            }
            // Boxed: only an error status needs it, and the stages' state
            // stays within its block (see `send`).
            let (headers, body) = self
                .deadline
                .start(Box::pin(read_error(response)))
                .await
                .map_err(expired)?;
            // An error body the deadline cut off (the attempt's HTTP
            // timeout, cut to it): the deadline's, as when the call's own
            // timer cuts it.
            self.deadline.check().map_err(expired)?;
            attempt_span.record("error.type", status.as_str());
            if status == StatusCode::UNAUTHORIZED && token_rejected(&headers, &body) {
                match &auth {
                    Some((provider, rejected))
                        if rejected.renewable && !refreshed && repeatable =>
                    {
                        provider.invalidate(rejected);
                        refreshed = true;
                        auth = self.authorize(requests.pending()).await?;
                        tracing::debug!("token rejected; retrying once with a fresh token");
                        continue;
                    }
                    Some((_, rejected)) if !rejected.renewable => tracing::warn!(
                        operation = op.id,
                        "the server no longer accepts the configured credential, which the \
                         client cannot renew (a static bearer token or an API key): configure a new one"
                    ),
                    _ => {}
                }
            }
            if may_retry
                && let Some(delay) =
                    self.retry_wait(&Outcome::Status(status, &headers), idempotent, retries_used)
            {
                tracing::debug!(?delay, %status, "retrying");
                self.deadline.sleep(delay).await.map_err(expired)?;
                continue;
            }
            let secrets = sent_secrets(sent);
            return Err(Error::from_response(op, status, &headers, &body, &secrets));
        }
    }

    /// Whether the transport failure `error` is the deadline's: a timeout
    /// once the deadline has passed (the attempt's HTTP timeout, cut to
    /// the time left, fired). Checked as the failure arrives.
    fn cut_off(&self, error: &reqwest::Error) -> Option<Expired> {
        error
            .is_timeout()
            .then(|| self.deadline.check().err())
            .flatten()
    }

    /// Whether each attempt's HTTP timeout enforces the deadline: the
    /// HTTP client's own timeout is known (see the module docs).
    fn attempts_bounded(&self) -> bool {
        self.client.inner.inner.attempt_limit.is_some()
    }

    /// Cuts the attempt's HTTP timeout (its own, else the HTTP client's)
    /// to the time left before the deadline, when that is how the deadline
    /// is enforced ([`Call::attempts_bounded`]).
    fn cut_to_deadline(&self, request: &mut Request) {
        if let (Some(left), Some(client)) = (
            self.deadline.remaining(),
            self.client.inner.inner.attempt_limit,
        ) {
            let limit = request.timeout().copied().unwrap_or(client);
            *request.timeout_mut() = Some(limit.min(left));
        }
    }

    /// The request for the next attempt ([`Requests::next`], carrying the
    /// credential `auth`), with the attempt's own timeout, and whether
    /// another can follow it. `None` when the request was sent already.
    fn next_try(
        &self,
        requests: &mut Requests<'_>,
        last: bool,
        auth: Option<&HeaderValue>,
    ) -> Result<Option<(Request, bool)>> {
        let Some((mut this_try, repeatable)) = requests.next(last, self.options, auth)? else {
            return Ok(None);
        };
        if let Some(limit) = self.options.attempt_timeout {
            *this_try.timeout_mut() = Some(limit);
        }
        Ok(Some((this_try, repeatable)))
    }
}

/// Whether a 401 says the token is no longer valid: RFC 6750 §3.1's
/// `WWW-Authenticate: Bearer error="invalid_token"`, or the error body's
/// code `token_expired` (or `invalid_token`).
fn token_rejected(headers: &HeaderMap, body: &[u8]) -> bool {
    let challenged = headers
        .get_all(WWW_AUTHENTICATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            let v = v.to_ascii_lowercase();
            v.trim_start().starts_with("bearer")
                && (v.contains("error=\"invalid_token\"") || v.contains("error=invalid_token"))
        });
    challenged
        || serde_json::from_slice::<ApiError>(body).is_ok_and(|b| {
            b.code == Some(ErrorCode::TokenExpired)
                || b.code
                    .as_ref()
                    .is_some_and(|c| c.as_str() == "invalid_token")
        })
}

/// `error.type` for a transport failure.
fn transport_type(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connect"
    } else {
        "transport"
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use reqwest::header::HeaderName;

    use super::*;
    use crate::operations::LIST_SITES;

    /// Each of a call's two heap blocks stays within 1 KiB, the largest
    /// block glibc's per-thread cache serves (see [`send`]). A stage whose
    /// future grows (an `async fn` holding a request or a response beside
    /// the future it moved it into) fails this.
    #[test]
    fn a_call_fits_two_small_blocks() -> std::result::Result<(), Box<dyn std::error::Error>> {
        const SMALL: usize = 1024;
        let client = Client::builder()
            .base_url("http://127.0.0.1:9")
            .bearer_token("t")
            .build()?;
        let options = RequestOptions::new()
            .timeout(Duration::from_secs(1))
            .header(
                HeaderName::from_static("x-extra"),
                HeaderValue::from_static("1"),
            );
        let request = || {
            client
                .client
                .get("http://127.0.0.1:9/partner/v1/dealers/42/sites")
                .build()
        };
        let sending = send(&client, Requests::given(request()?), &LIST_SITES, &options);
        let outer = size_of_val(&*sending);
        assert!(outer <= SMALL, "the call's block is {outer} bytes");

        let (span, attempts) = (tracing::Span::none(), AtomicU32::new(0));
        let call = Call {
            client: &client,
            op: &LIST_SITES,
            options: &options,
            deadline: Deadline::after(options.timeout),
            span: &span,
            attempts: &attempts,
        };
        let mut requests = Requests::given(request()?);
        let stages = call.run(&mut requests);
        let inner = size_of_val(&stages);
        assert!(inner <= SMALL, "the stages' block is {inner} bytes");
        Ok(())
    }

    /// The deadline is enforced by each attempt's HTTP timeout, cut to the
    /// time left, only when the HTTP client's own timeout is known; the
    /// call then sets up no timer of its own (see the module docs). This
    /// fails if the cut stops being made, or is made over a timeout the
    /// pipeline cannot see.
    #[tokio::test(start_paused = true)]
    async fn an_attempt_timeout_is_cut_to_the_time_left()
    -> std::result::Result<(), Box<dyn std::error::Error>> {
        let built = Client::builder()
            .base_url("http://127.0.0.1:9")
            .bearer_token("t")
            .timeout(Duration::from_secs(30))
            .build()?;
        let given = Client::builder()
            .base_url("http://127.0.0.1:9")
            .bearer_token("t")
            .http_client(reqwest::Client::new())
            .build()?;
        let cut = |client: &Client, timeout: Option<Duration>, own: Option<Duration>| {
            let options = RequestOptions {
                timeout,
                ..RequestOptions::new()
            };
            let (span, attempts) = (tracing::Span::none(), AtomicU32::new(0));
            let call = Call {
                client,
                op: &LIST_SITES,
                options: &options,
                deadline: Deadline::after(options.timeout),
                span: &span,
                attempts: &attempts,
            };
            let mut request = client
                .client
                .get("http://127.0.0.1:9/partner/v1/dealers/42/sites")
                .build()
                .expect("a request");
            *request.timeout_mut() = own;
            call.cut_to_deadline(&mut request);
            (call.attempts_bounded(), request.timeout().copied())
        };
        let secs = Duration::from_secs;
        assert_eq!(cut(&built, Some(secs(2)), None), (true, Some(secs(2))));
        assert_eq!(
            cut(&built, Some(secs(60)), None),
            (true, Some(secs(30))),
            "the client's own timeout when it ends first"
        );
        assert_eq!(
            cut(&built, Some(secs(2)), Some(secs(1))),
            (true, Some(secs(1))),
            "the attempt's own timeout when it ends first"
        );
        assert_eq!(cut(&built, None, None), (true, None), "no deadline, no cut");
        assert_eq!(
            cut(&given, Some(secs(2)), None),
            (false, None),
            "a given HTTP client's timeout is unknown: the call's own timer instead"
        );
        Ok(())
    }

    /// A retry whose request cannot be built sends nothing: its throttle
    /// slot goes back. With a budget of two an hour, a call after one that
    /// used both would wait half an hour for the next.
    #[tokio::test]
    #[allow(
        clippy::result_large_err,
        reason = "progenitor's error, as a generated builder returns it"
    )]
    async fn a_retry_that_cannot_be_built_gives_back_its_throttle_slot()
    -> std::result::Result<(), Box<dyn std::error::Error>> {
        use wiremock::{Mock, MockServer, ResponseTemplate, matchers::method};

        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
            .mount(&server)
            .await;
        let client = Client::builder()
            .base_url(server.uri())
            .bearer_token("t")
            .retry(
                crate::retry::RetryPolicy::default()
                    .base_delay(Duration::from_millis(1))
                    .max_delay(Duration::from_millis(1)),
            )
            .throttle(crate::rate_limit::Throttle::new().budget(2, Duration::from_secs(3600)))
            .build()?;
        let url = format!("{}/partner/v1/dealers/42/sites", server.uri());
        let builds = AtomicU32::new(0);
        let build = || -> std::result::Result<Request, progenitor_client::Error<()>> {
            if builds.fetch_add(1, Ordering::Relaxed) > 0 {
                return Err(progenitor_client::Error::InvalidRequest("no second".into()));
            }
            Ok(client.client.get(&url).build()?)
        };
        let options = RequestOptions::new();
        let failed = send(&client, Requests::built(&build), &LIST_SITES, &options).await;
        assert!(
            matches!(&failed, Err(Error::InvalidRequest { message, .. }) if message == "no second"),
            "{failed:?}"
        );
        let sent = server.received_requests().await.map_or(0, |r| r.len());
        assert_eq!(sent, 1, "the retry sent nothing");
        let again = Requests::given(client.client.get(&url).build()?);
        let next = send(&client, again, &LIST_SITES, &options);
        let reply = tokio::time::timeout(Duration::from_secs(20), next).await;
        assert!(
            matches!(reply, Ok(Ok(_))),
            "the slot came back, nothing to wait for: {reply:?}"
        );
        Ok(())
    }

    /// An attempt's own timeout is set on each attempt's request, and on
    /// no copy kept for the next ([`Requests::next`] makes them).
    #[test]
    fn each_attempt_gets_its_own_timeout() -> std::result::Result<(), Box<dyn std::error::Error>> {
        let client = Client::builder()
            .base_url("http://127.0.0.1:9")
            .bearer_token("t")
            .build()?;
        let options = RequestOptions::new().attempt_timeout(Duration::from_secs(2));
        let (span, attempts) = (tracing::Span::none(), AtomicU32::new(0));
        let call = Call {
            client: &client,
            op: &LIST_SITES,
            options: &options,
            deadline: Deadline::after(None),
            span: &span,
            attempts: &attempts,
        };
        let original = client
            .client
            .get("http://127.0.0.1:9/partner/v1/dealers/42/sites")
            .header("x-partner-trace-id", "trace-1")
            .build()?;
        let url = original.url().clone();
        let headers = original.headers().clone();

        let mut requests = Requests::given(original);
        let (sent, repeatable) = call
            .next_try(&mut requests, false, None)?
            .ok_or("a request")?;
        assert!(repeatable);
        assert_eq!(sent.timeout(), Some(&Duration::from_secs(2)));
        let copy = requests.pending().ok_or("a copy for the next attempt")?;
        assert_eq!((copy.url(), copy.headers()), (&url, &headers));
        assert_eq!(copy.timeout(), None, "the attempt's timeout is its own");

        let (last, repeatable) = call
            .next_try(&mut requests, true, None)?
            .ok_or("the copy")?;
        assert!(!repeatable);
        assert!(
            requests.pending().is_none(),
            "no copy after the last attempt"
        );
        assert_eq!((last.url(), last.headers()), (&url, &headers));
        assert_eq!(last.timeout(), Some(&Duration::from_secs(2)));
        assert!(call.next_try(&mut requests, false, None)?.is_none());
        Ok(())
    }
}
