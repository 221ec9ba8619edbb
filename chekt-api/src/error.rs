//! The one error type of `chekt-api`.
//!
//! Every public call returns [`Result`]: each generated `send()`, paging,
//! the auth helpers. [`Error`] tells apart what a caller handles
//! differently. Failures the server answered (`Auth`, `RateLimited`,
//! `NotFound`, `Validation`, `Server`, `Api`) carry its status, machine
//! code, message, per-field details and request id exactly as sent; local
//! failures (`MissingCredential`, `Token`, `StateMismatch`, `Throttled`,
//! `ResponseTooLarge`, `InvalidRequest`, transport and timeouts) are typed
//! values produced where they happen, never dressed up as a response, so
//! no response header can turn one into the other. A server that
//! misbehaves gets its own variants (`Redirect`, never followed;
//! `ContentEncoding`, an encoding not asked for; `Paging`, a list that does
//! not end), and no token it echoes is shown (`crate::redact`).
//!
//! Struct variants are `#[non_exhaustive]`: match them with `..` and read
//! their data with the accessors ([`Error::status`], [`Error::code`],
//! [`Error::message`], [`Error::request_id`], [`Error::details`],
//! [`Error::retry_after`], [`Error::rate_limit`], [`Error::attempts`],
//! [`Error::is_timeout`]), so a variant can gain a field in a minor
//! release.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::auth::error::TokenError;
use crate::operations::Operation;
use crate::rate_limit::RateLimit;
use crate::redact;
use crate::types::{ApiError, ErrorCode, ErrorDetail};

/// Result alias for `chekt-api`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong with a call. See the crate docs' "Errors" section for a
/// `match` over the variants.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request could not be sent or the response not received.
    #[error("transport error: {source}")]
    #[non_exhaustive]
    Transport {
        /// The underlying error.
        #[source]
        source: reqwest::Error,
        /// API requests sent for the call, retries included
        /// ([`Error::attempts`]).
        attempts: u32,
    },

    /// The request (or a read of its response) took longer than allowed.
    #[error("timed out: {source}")]
    #[non_exhaustive]
    Timeout {
        /// The underlying error.
        #[source]
        source: reqwest::Error,
        /// API requests sent for the call, retries included
        /// ([`Error::attempts`]).
        attempts: u32,
    },

    /// The call's deadline ([`RequestOptions::timeout`]) passed: in the
    /// token fetch, a throttle wait, an attempt, the body read, or before a
    /// backoff or `Retry-After` wait that would have ended past it.
    ///
    /// [`RequestOptions::timeout`]: crate::RequestOptions::timeout
    #[error("the call's deadline of {timeout:?} passed after {attempts} attempt(s)")]
    #[non_exhaustive]
    DeadlineExceeded {
        /// The deadline set for the whole call.
        timeout: std::time::Duration,
        /// API requests sent for the call, retries included
        /// ([`Error::attempts`]).
        attempts: u32,
    },

    /// No configured credential fits the operation's `security`; nothing
    /// was sent.
    #[error("no credential for {operation}: {message}")]
    #[non_exhaustive]
    MissingCredential {
        /// The operationId.
        operation: &'static str,
        /// Which schemes (and scopes) the operation accepts.
        message: String,
    },

    /// No access token could be obtained from the token endpoint, whether
    /// for an API call or in
    /// [`Client::complete_authorization`](crate::Client::complete_authorization);
    /// nothing else was sent.
    #[error("{0}")]
    Token(#[from] TokenError),

    /// The `state` returned to the redirect URI is not the one sent
    /// (RFC 6749 §10.12): the response may be forged (CSRF). Nothing was
    /// exchanged; start the flow again.
    #[error(
        "the authorization response's state does not match the request's (possible CSRF); start the flow again"
    )]
    StateMismatch,

    /// The server refused the credential (401/403).
    #[error("{}", describe("authentication failed", *status, code.as_ref(), message, request_id.as_deref()))]
    #[non_exhaustive]
    Auth {
        /// 401 or 403.
        status: StatusCode,
        /// The machine code (`invalid_api_key`, `token_expired`,
        /// `signature_invalid`, `permission_denied`, `ip_not_allowed`, ...).
        code: Option<ErrorCode>,
        /// The server's explanation.
        message: String,
        /// The id to quote to CHeKT support.
        request_id: Option<String>,
        /// API requests sent for the call, retries included
        /// ([`Error::attempts`]).
        attempts: u32,
    },

    /// The server answered 429; wait `retry_after` before trying again.
    #[error("{}", describe("rate limited", StatusCode::TOO_MANY_REQUESTS, code.as_ref(), message, request_id.as_deref()))]
    #[non_exhaustive]
    RateLimited {
        /// How long the server asked to wait (`Retry-After`).
        retry_after: Option<Duration>,
        /// The window the server reported (`X-RateLimit-*`); boxed to keep
        /// `Error` small on the success path.
        rate_limit: Option<Box<RateLimit>>,
        /// The machine code (`rate_limited`).
        code: Option<ErrorCode>,
        /// The server's explanation.
        message: String,
        /// The id to quote to CHeKT support.
        request_id: Option<String>,
        /// API requests sent for the call, retries included
        /// ([`Error::attempts`]).
        attempts: u32,
    },

    /// The client's throttle refused to wait for the server's rate-limit
    /// window to reset (longer than
    /// [`Throttle::max_wait`](crate::rate_limit::Throttle::max_wait)); the
    /// request was not sent.
    #[error(
        "the rate-limit window is used up and resets in {resets_in:?}, longer than the throttle's max_wait; not sent"
    )]
    #[non_exhaustive]
    Throttled {
        /// How long until the window resets.
        resets_in: Duration,
        /// API requests sent for the call, retries included
        /// ([`Error::attempts`]).
        attempts: u32,
    },

    /// The resource does not exist on this dealer (404).
    #[error("{}", describe("not found", StatusCode::NOT_FOUND, code.as_ref(), message, request_id.as_deref()))]
    #[non_exhaustive]
    NotFound {
        /// The machine code (`not_found`).
        code: Option<ErrorCode>,
        /// The server's explanation.
        message: String,
        /// The id to quote to CHeKT support.
        request_id: Option<String>,
        /// API requests sent for the call, retries included
        /// ([`Error::attempts`]).
        attempts: u32,
    },

    /// The server rejected the input (400/422); `field` names the first
    /// field that failed when the server said which.
    #[error("{}", describe(&match field { Some(f) => format!("invalid `{f}`"), None => "invalid request".to_string() }, *status, code.as_ref(), message, request_id.as_deref()))]
    #[non_exhaustive]
    Validation {
        /// 400 or 422.
        status: StatusCode,
        /// The machine code (`validation_failed`, ...).
        code: Option<ErrorCode>,
        /// The first failing field.
        field: Option<String>,
        /// Every failing field the server listed.
        details: Vec<ErrorDetail>,
        /// The server's explanation.
        message: String,
        /// The id to quote to CHeKT support.
        request_id: Option<String>,
        /// API requests sent for the call, retries included
        /// ([`Error::attempts`]).
        attempts: u32,
    },

    /// The server failed (5xx).
    #[error("{}", describe("server error", *status, code.as_ref(), message, request_id.as_deref()))]
    #[non_exhaustive]
    Server {
        /// The status.
        status: StatusCode,
        /// The machine code, when the server sent one.
        code: Option<ErrorCode>,
        /// The server's explanation.
        message: String,
        /// The id to quote to CHeKT support.
        request_id: Option<String>,
        /// How long the server asked the client to wait (its `Retry-After`,
        /// at most [`MAX_RETRY_AFTER`](crate::rate_limit::MAX_RETRY_AFTER)),
        /// typically with a 503.
        retry_after: Option<Duration>,
        /// API requests sent for the call, retries included
        /// ([`Error::attempts`]).
        attempts: u32,
    },

    /// Another error status (e.g. 405, 409), with the whole error body.
    #[error("{}", describe("request failed", *status, body.code.as_ref(), &body.message, body.request_id.as_deref()))]
    #[non_exhaustive]
    Api {
        /// The status.
        status: StatusCode,
        /// The error body (its `request_id` filled from `x-request-id`
        /// when the body had none).
        body: Box<ApiError>,
        /// API requests sent for the call, retries included
        /// ([`Error::attempts`]).
        attempts: u32,
    },

    /// A response body that is not what the spec promises.
    #[error("undecodable {} body of {operation}{}: {reason}; body starts with {excerpt:?}{}",
        status.map(|s| s.as_u16().to_string()).unwrap_or_else(|| "success".to_string()),
        path.as_deref().map(|p| format!(" at {p}")).unwrap_or_default(),
        request_id.as_deref().map(|r| format!(" (request_id {r})")).unwrap_or_default())]
    #[non_exhaustive]
    UndecodableBody {
        /// The operationId.
        operation: &'static str,
        /// Always `None` (a success body): an error status is classified
        /// by the status whatever its body (the crate docs' "Errors").
        status: Option<StatusCode>,
        /// The JSON path that failed (`[0].timezone`, `data.device_id`),
        /// when the body was JSON.
        path: Option<String>,
        /// The first bytes of the body, lossily decoded.
        excerpt: String,
        /// Why it could not be decoded.
        reason: String,
        /// The request id from the headers, when present.
        request_id: Option<String>,
        /// API requests sent for the call, retries included
        /// ([`Error::attempts`]).
        attempts: u32,
    },

    /// The response body exceeded the client's limit
    /// ([`ClientBuilder::max_response_size`](crate::ClientBuilder::max_response_size));
    /// it was not read further.
    #[error(
        "the {status} response body of {operation} exceeds the client's limit of {limit} bytes"
    )]
    #[non_exhaustive]
    ResponseTooLarge {
        /// The operationId.
        operation: &'static str,
        /// The status the server answered with.
        status: StatusCode,
        /// The limit in bytes.
        limit: usize,
        /// API requests sent for the call, retries included
        /// ([`Error::attempts`]).
        attempts: u32,
    },

    /// The request was not sent: a builder argument is missing or invalid,
    /// or the client is not configured for this call.
    #[error("invalid request: {message}")]
    #[non_exhaustive]
    InvalidRequest {
        /// What is wrong.
        message: String,
    },

    /// A response status that is neither an error nor a success the spec
    /// declares for the operation (e.g. an undeclared 2xx; a 3xx is
    /// [`Error::Redirect`]).
    #[error("unexpected response status {status} from {operation}")]
    #[non_exhaustive]
    UnexpectedStatus {
        /// The operationId.
        operation: &'static str,
        /// The status.
        status: StatusCode,
        /// The request id from the headers, when present.
        request_id: Option<String>,
        /// API requests sent for the call, retries included
        /// ([`Error::attempts`]).
        attempts: u32,
    },

    /// The server answered with a redirect (3xx). The client follows no
    /// redirect, so that no credential or request body reaches another
    /// origin (see the README's "Reliability" section); nothing more was
    /// sent. (A redirect from the token endpoint is
    /// [`TokenError::Redirect`].)
    #[error("{operation}: the server answered {status} redirecting to {}; redirects are not followed", location.as_deref().unwrap_or("no Location"))]
    #[non_exhaustive]
    Redirect {
        /// The operationId.
        operation: &'static str,
        /// The 3xx status.
        status: StatusCode,
        /// Where it pointed, without userinfo, query or fragment.
        location: Option<String>,
        /// API requests sent for the call, retries included
        /// ([`Error::attempts`]).
        attempts: u32,
    },

    /// A success's body is in a `Content-Encoding` the client did not ask
    /// for (only with the `compression` feature does it ask for, and decode,
    /// `gzip` and `deflate`); it was not read.
    /// (An error status is classified by its status instead. The
    /// token endpoint's is [`TokenError::ContentEncoding`].)
    #[error(
        "the {status} response body of {operation} is in content-encoding `{encoding}`, which the client did not ask for"
    )]
    #[non_exhaustive]
    ContentEncoding {
        /// The operationId.
        operation: &'static str,
        /// The status the server answered with.
        status: StatusCode,
        /// The `Content-Encoding` as the server sent it.
        encoding: String,
        /// API requests sent for the call, retries included
        /// ([`Error::attempts`]).
        attempts: u32,
    },

    /// A list did not end: paging stopped with the reason
    /// ([`pagination`](crate::pagination)).
    #[error("paging stopped: {0}")]
    Paging(#[from] crate::pagination::guard::PagingError),
}

fn describe(
    what: &str,
    status: StatusCode,
    code: Option<&ErrorCode>,
    message: &str,
    request_id: Option<&str>,
) -> String {
    let mut out = format!("{what} ({}", status.as_u16());
    if let Some(code) = code {
        out.push_str(&format!(" {code}"));
    }
    out.push_str("): ");
    out.push_str(message);
    if let Some(id) = request_id {
        out.push_str(&format!(" (request_id {id})"));
    }
    out
}

/// Matches `$error` on every variant that counts the call's attempts
/// (listed once, for [`Error::attempts`] and `Error::with_attempts`):
/// `$found` with `$attempts` bound to the count, else `$otherwise`.
macro_rules! counted_attempts {
    ($error:expr, $attempts:ident => $found:expr, $otherwise:expr) => {
        match $error {
            Error::Transport { $attempts, .. }
            | Error::Timeout { $attempts, .. }
            | Error::DeadlineExceeded { $attempts, .. }
            | Error::Auth { $attempts, .. }
            | Error::RateLimited { $attempts, .. }
            | Error::Throttled { $attempts, .. }
            | Error::NotFound { $attempts, .. }
            | Error::Validation { $attempts, .. }
            | Error::Server { $attempts, .. }
            | Error::Api { $attempts, .. }
            | Error::UndecodableBody { $attempts, .. }
            | Error::ResponseTooLarge { $attempts, .. }
            | Error::UnexpectedStatus { $attempts, .. }
            | Error::Redirect { $attempts, .. }
            | Error::ContentEncoding { $attempts, .. } => $found,
            _ => $otherwise,
        }
    };
}

impl Error {
    /// The HTTP status, when a response was received (the API's, or the
    /// token endpoint's for [`Error::Token`]).
    ///
    /// ```no_run
    /// # async fn run(client: chekt_api::Client) {
    /// use chekt_api::prelude::*;
    /// use chekt_api::http::StatusCode;
    ///
    /// let err = client.get_site().dealer_id(42).site_id(7).send().await.unwrap_err();
    /// if err.status() == Some(StatusCode::NOT_FOUND) {
    ///     println!("no such site");
    /// } else if err.status().is_none() {
    ///     println!("nothing came back from the API: {err}");
    /// }
    /// # }
    /// ```
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Auth { status, .. }
            | Error::Validation { status, .. }
            | Error::Server { status, .. }
            | Error::Api { status, .. }
            | Error::ResponseTooLarge { status, .. }
            | Error::Redirect { status, .. }
            | Error::ContentEncoding { status, .. }
            | Error::UnexpectedStatus { status, .. } => Some(*status),
            Error::RateLimited { .. } => Some(StatusCode::TOO_MANY_REQUESTS),
            Error::NotFound { .. } => Some(StatusCode::NOT_FOUND),
            Error::UndecodableBody { status, .. } => *status,
            Error::Token(token) => token.status(),
            Error::Transport { source, .. } | Error::Timeout { source, .. } => source.status(),
            Error::MissingCredential { .. }
            | Error::DeadlineExceeded { .. }
            | Error::StateMismatch
            | Error::Throttled { .. }
            | Error::InvalidRequest { .. }
            | Error::Paging(_) => None,
        }
    }

    /// The server's request id (from the error body, else `x-request-id`),
    /// to quote to CHeKT support.
    ///
    /// ```no_run
    /// # async fn run(client: chekt_api::Client) {
    /// use chekt_api::prelude::*;
    /// if let Err(err) = client.get_site().dealer_id(42).site_id(7).send().await {
    ///     eprintln!("{err}; quote {:?} to CHeKT support", err.request_id());
    /// }
    /// # }
    /// ```
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Auth { request_id, .. }
            | Error::RateLimited { request_id, .. }
            | Error::NotFound { request_id, .. }
            | Error::Validation { request_id, .. }
            | Error::Server { request_id, .. }
            | Error::UndecodableBody { request_id, .. }
            | Error::UnexpectedStatus { request_id, .. } => request_id.as_deref(),
            Error::Api { body, .. } => body.request_id.as_deref(),
            Error::Token(token) => token.request_id(),
            _ => None,
        }
    }

    /// The machine error code the server sent, at any status; for
    /// [`Error::Token`], the token endpoint's OAuth error (RFC 6749 §5.2).
    ///
    /// ```no_run
    /// # async fn run(client: chekt_api::Client) {
    /// use chekt_api::prelude::*;
    /// use chekt_api::types::ErrorCode;
    ///
    /// if let Err(err) = client.get_site().dealer_id(42).site_id(7).send().await {
    ///     if err.code() == Some(&ErrorCode::IpNotAllowed) {
    ///         println!("add this host to the allow list");
    ///     }
    /// }
    /// # }
    /// ```
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            Error::Auth { code, .. }
            | Error::RateLimited { code, .. }
            | Error::NotFound { code, .. }
            | Error::Validation { code, .. }
            | Error::Server { code, .. } => code.as_ref(),
            Error::Api { body, .. } => body.code.as_ref(),
            Error::Token(TokenError::OAuth { error, .. }) => Some(error),
            _ => None,
        }
    }

    /// The per-field failures the server listed (`details` of its error
    /// body); empty when it listed none.
    ///
    /// ```no_run
    /// # async fn run(client: chekt_api::Client) {
    /// use chekt_api::prelude::*;
    /// use chekt_api::types::ErrorDetail;
    ///
    /// if let Err(err) = client.get_site().dealer_id(42).site_id(7).send().await {
    ///     for ErrorDetail { field, message, .. } in err.details() {
    ///         println!("{field:?}: {message:?}");
    ///     }
    /// }
    /// # }
    /// ```
    pub fn details(&self) -> &[ErrorDetail] {
        match self {
            Error::Validation { details, .. } => details,
            Error::Api { body, .. } => &body.details,
            _ => &[],
        }
    }

    /// Whether trying again later may succeed: transport errors, timeouts,
    /// 429, a throttle refusal, 502, 503, 504, an unavailable token
    /// endpoint.
    ///
    /// ```no_run
    /// # async fn run(client: chekt_api::Client) {
    /// use chekt_api::prelude::*;
    /// if let Err(err) = client.get_site().dealer_id(42).site_id(7).send().await {
    ///     if err.is_retryable() {
    ///         println!("try again later ({} attempt(s) made)", err.attempts());
    ///     }
    /// }
    /// # }
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { .. }
            | Error::Timeout { .. }
            | Error::DeadlineExceeded { .. }
            | Error::RateLimited { .. }
            | Error::Throttled { .. } => true,
            Error::Server { status, .. } => matches!(status.as_u16(), 502..=504),
            Error::Token(token) => matches!(token, TokenError::Unavailable { .. }),
            _ => false,
        }
    }

    /// How long to wait before trying again: the server's `Retry-After` on
    /// a 429 or a 5xx, or the time until the window resets on a throttle refusal.
    ///
    /// ```no_run
    /// # async fn run(client: chekt_api::Client) {
    /// use chekt_api::prelude::*;
    /// if let Err(err) = client.get_site().dealer_id(42).site_id(7).send().await {
    ///     if let Some(wait) = err.retry_after() {
    ///         tokio::time::sleep(wait).await;
    ///     }
    /// }
    /// # }
    /// ```
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } | Error::Server { retry_after, .. } => {
                *retry_after
            }
            Error::Throttled { resets_in, .. } => Some(*resets_in),
            _ => None,
        }
    }

    /// The rate-limit window reported with a 429.
    ///
    /// ```no_run
    /// # async fn run(client: chekt_api::Client) {
    /// use chekt_api::prelude::*;
    /// use chekt_api::rate_limit::RateLimit;
    ///
    /// if let Err(err) = client.get_site().dealer_id(42).site_id(7).send().await {
    ///     if err.rate_limit().is_some_and(RateLimit::is_exhausted) {
    ///         println!("the hourly budget is spent");
    ///     }
    /// }
    /// # }
    /// ```
    pub fn rate_limit(&self) -> Option<&RateLimit> {
        match self {
            Error::RateLimited { rate_limit, .. } => rate_limit.as_deref(),
            _ => None,
        }
    }

    /// Whether the call ran out of time: its whole-call deadline
    /// ([`RequestOptions::timeout`](crate::RequestOptions::timeout),
    /// [`Error::DeadlineExceeded`]), an attempt's limit
    /// ([`RequestOptions::attempt_timeout`](crate::RequestOptions::attempt_timeout)
    /// or [`ClientBuilder::timeout`](crate::ClientBuilder::timeout),
    /// [`Error::Timeout`]) or the token endpoint's.
    ///
    /// ```no_run
    /// # async fn run(client: chekt_api::Client) {
    /// use std::time::Duration;
    /// use chekt_api::prelude::*;
    /// use chekt_api::RequestOptions;
    ///
    /// let within_a_second = RequestOptions::new().timeout(Duration::from_secs(1));
    /// let site = client.get_site().dealer_id(42).site_id(7).with_options(within_a_second).send().await;
    /// if site.as_ref().is_err_and(|e| e.is_timeout()) {
    ///     println!("no answer within a second, retries included");
    /// }
    /// # }
    /// ```
    pub fn is_timeout(&self) -> bool {
        match self {
            Error::Timeout { .. } | Error::DeadlineExceeded { .. } => true,
            Error::Transport { source, .. } => source.is_timeout(),
            Error::Token(TokenError::Unavailable {
                source: Some(source),
                ..
            }) => source.is_timeout(),
            _ => false,
        }
    }

    /// How many requests the call sent to the API, retries included: 0
    /// when it failed before the first (a missing credential, an invalid
    /// argument, a token that could not be obtained, a throttle refusal
    /// before sending). The token endpoint's requests are not counted.
    ///
    /// ```no_run
    /// # async fn run(client: chekt_api::Client) {
    /// use chekt_api::prelude::*;
    ///
    /// if let Err(err) = client.get_site().dealer_id(42).site_id(7).send().await {
    ///     eprintln!("{err} (after {} attempt(s))", err.attempts());
    /// }
    /// # }
    /// ```
    pub fn attempts(&self) -> u32 {
        counted_attempts!(self, attempts => *attempts, 0)
    }

    /// The same error, counting `n` attempts (set by the pipeline when the
    /// call ends).
    pub(crate) fn with_attempts(mut self, n: u32) -> Self {
        counted_attempts!(&mut self, attempts => *attempts = n, ());
        self
    }

    /// The server's (or the client's) explanation, for variants that carry
    /// one.
    pub fn message(&self) -> Option<&str> {
        match self {
            Error::Auth { message, .. }
            | Error::RateLimited { message, .. }
            | Error::NotFound { message, .. }
            | Error::Validation { message, .. }
            | Error::Server { message, .. }
            | Error::MissingCredential { message, .. }
            | Error::InvalidRequest { message, .. } => Some(message),
            Error::Api { body, .. } => Some(&body.message),
            _ => None,
        }
    }

    /// A credential could not be obtained (for a
    /// [`CredentialsProvider`](crate::auth::CredentialsProvider) of your
    /// own): [`Error::Token`] with [`TokenError::Unavailable`], which
    /// [`is_retryable`](Self::is_retryable). Do not put a secret in
    /// `message`.
    ///
    /// ```
    /// let err = chekt_api::Error::credential_unavailable("the vault is sealed");
    /// assert!(err.is_retryable());
    /// assert!(err.to_string().contains("the vault is sealed"));
    /// ```
    pub fn credential_unavailable(message: impl Into<String>) -> Error {
        Error::Token(TokenError::Unavailable {
            status: None,
            message: message.into(),
            request_id: None,
            source: None,
        })
    }

    /// A request the client refused to build or send: nothing was sent.
    pub(crate) fn invalid(message: impl Into<String>) -> Error {
        Error::InvalidRequest {
            message: message.into(),
        }
    }

    /// The OpenTelemetry `error.type` of this error: the status code when
    /// the server answered, else the variant's name.
    pub(crate) fn error_type(&self) -> &'static str {
        match self {
            Error::Transport { .. } => "transport",
            Error::Timeout { .. } | Error::DeadlineExceeded { .. } => "timeout",
            Error::MissingCredential { .. } => "missing_credential",
            Error::Token(_) => "token",
            Error::Throttled { .. } => "throttled",
            Error::ResponseTooLarge { .. } => "response_too_large",
            Error::UndecodableBody { .. } => "undecodable_body",
            Error::InvalidRequest { .. } => "invalid_request",
            Error::Redirect { .. } => "redirect",
            Error::ContentEncoding { .. } => "content_encoding",
            Error::Paging(_) => "paging",
            _ => "http_error",
        }
    }

    /// A success body of `op` that does not decode as its type; token
    /// shapes and `secrets` (the credential sent) are redacted from the
    /// excerpt and the reason.
    pub(crate) fn undecodable_success(
        op: &Operation,
        headers: &HeaderMap,
        body: &[u8],
        path: Option<String>,
        reason: String,
        secrets: &[&str],
    ) -> Error {
        let body = redact::known(&String::from_utf8_lossy(body), secrets);
        // The reason may quote a value of the body.
        let reason = redact::known(&redact::parser_message(&reason, path.as_deref()), secrets);
        Error::UndecodableBody {
            operation: op.id,
            status: None,
            path,
            excerpt: redact::excerpt(body.as_bytes(), redact::EXCERPT_BYTES),
            reason,
            request_id: crate::body::request_id(headers),
            attempts: 1,
        }
    }

    /// A transport error, told apart from a timeout.
    pub(crate) fn transport(source: reqwest::Error) -> Error {
        if source.is_timeout() {
            Error::Timeout {
                source,
                attempts: 1,
            }
        } else {
            Error::Transport {
                source,
                attempts: 1,
            }
        }
    }
}
