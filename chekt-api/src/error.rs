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

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::auth::error::TokenError;
use crate::body::decode;
use crate::operations::Operation;
use crate::rate_limit::{RateLimit, retry_after};
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
    Transport {
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },

    /// The request (or a read of its response) took longer than allowed.
    #[error("timed out: {source}")]
    Timeout {
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },

    /// No configured credential fits the operation's `security`; nothing
    /// was sent.
    #[error("no credential for {operation}: {message}")]
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
    },

    /// The server answered 429; wait `retry_after` before trying again.
    #[error("{}", describe("rate limited", StatusCode::TOO_MANY_REQUESTS, code.as_ref(), message, request_id.as_deref()))]
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
    },

    /// The client's throttle refused to wait for the server's rate-limit
    /// window to reset (longer than
    /// [`Throttle::max_wait`](crate::rate_limit::Throttle::max_wait)); the
    /// request was not sent.
    #[error(
        "the rate-limit window is used up and resets in {resets_in:?}, longer than the throttle's max_wait; not sent"
    )]
    Throttled {
        /// How long until the window resets.
        resets_in: Duration,
    },

    /// The resource does not exist on this dealer (404).
    #[error("{}", describe("not found", StatusCode::NOT_FOUND, code.as_ref(), message, request_id.as_deref()))]
    NotFound {
        /// The machine code (`not_found`).
        code: Option<ErrorCode>,
        /// The server's explanation.
        message: String,
        /// The id to quote to CHeKT support.
        request_id: Option<String>,
    },

    /// The server rejected the input (400/422); `field` names the first
    /// field that failed when the server said which.
    #[error("{}", describe(&match field { Some(f) => format!("invalid `{f}`"), None => "invalid request".to_string() }, *status, code.as_ref(), message, request_id.as_deref()))]
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
    },

    /// The server failed (5xx).
    #[error("{}", describe("server error", *status, code.as_ref(), message, request_id.as_deref()))]
    Server {
        /// The status.
        status: StatusCode,
        /// The machine code, when the server sent one.
        code: Option<ErrorCode>,
        /// The server's explanation.
        message: String,
        /// The id to quote to CHeKT support.
        request_id: Option<String>,
    },

    /// Another error status (e.g. 405, 409), with the whole error body.
    #[error("{}", describe("request failed", *status, body.code.as_ref(), &body.message, body.request_id.as_deref()))]
    Api {
        /// The status.
        status: StatusCode,
        /// The error body (its `request_id` filled from `x-request-id`
        /// when the body had none).
        body: Box<ApiError>,
    },

    /// A response body that is not what the spec promises.
    #[error("undecodable {} body of {operation}{}: {reason}; body starts with {excerpt:?}{}",
        status.map(|s| s.as_u16().to_string()).unwrap_or_else(|| "success".to_string()),
        path.as_deref().map(|p| format!(" at {p}")).unwrap_or_default(),
        request_id.as_deref().map(|r| format!(" (request_id {r})")).unwrap_or_default())]
    UndecodableBody {
        /// The operationId.
        operation: &'static str,
        /// The error status; `None` for a success body.
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
    },

    /// The response body exceeded the client's limit
    /// ([`ClientBuilder::max_response_size`](crate::ClientBuilder::max_response_size));
    /// it was not read further.
    #[error(
        "the {status} response body of {operation} exceeds the client's limit of {limit} bytes"
    )]
    ResponseTooLarge {
        /// The operationId.
        operation: &'static str,
        /// The status the server answered with.
        status: StatusCode,
        /// The limit in bytes.
        limit: usize,
    },

    /// The request was not sent: a builder argument is missing or invalid,
    /// or the client is not configured for this call.
    #[error("invalid request: {message}")]
    InvalidRequest {
        /// What is wrong.
        message: String,
    },

    /// A response status that is neither an error nor a success the spec
    /// declares for the operation (e.g. an undeclared 2xx; a 3xx is
    /// [`Error::Redirect`]).
    #[error("unexpected response status {status} from {operation}")]
    UnexpectedStatus {
        /// The operationId.
        operation: &'static str,
        /// The status.
        status: StatusCode,
        /// The request id from the headers, when present.
        request_id: Option<String>,
    },

    /// The server answered with a redirect (3xx). The client follows no
    /// redirect, so that no credential or request body reaches another
    /// origin (see the README's "Reliability" section); nothing more was
    /// sent. (A redirect from the token endpoint is
    /// [`TokenError::Redirect`].)
    #[error("{operation}: the server answered {status} redirecting to {}; redirects are not followed", location.as_deref().unwrap_or("no Location"))]
    Redirect {
        /// The operationId.
        operation: &'static str,
        /// The 3xx status.
        status: StatusCode,
        /// Where it pointed, without userinfo, query or fragment.
        location: Option<String>,
    },

    /// The body is in a `Content-Encoding` the client did not ask for (it
    /// asks for and decodes `gzip` and `deflate`); it was not read. (The
    /// token endpoint's is [`TokenError::ContentEncoding`].)
    #[error(
        "the {status} response body of {operation} is in content-encoding `{encoding}`, which the client did not ask for"
    )]
    ContentEncoding {
        /// The operationId.
        operation: &'static str,
        /// The status the server answered with.
        status: StatusCode,
        /// The `Content-Encoding` as the server sent it.
        encoding: String,
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

impl Error {
    /// The HTTP status, when a response was received (the API's, or the
    /// token endpoint's for [`Error::Token`]).
    ///
    /// ```
    /// use chekt_api::Error;
    /// use chekt_api::http::StatusCode;
    ///
    /// let err = Error::NotFound { code: None, message: "no site 7 on dealer 42".into(), request_id: None };
    /// assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
    /// let local = Error::InvalidRequest { message: "dealer_id is required".into() };
    /// assert_eq!(local.status(), None); // nothing was sent
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
            Error::Transport { source } | Error::Timeout { source } => source.status(),
            Error::MissingCredential { .. }
            | Error::StateMismatch
            | Error::Throttled { .. }
            | Error::InvalidRequest { .. }
            | Error::Paging(_) => None,
        }
    }

    /// The server's request id (from the error body, else `x-request-id`),
    /// to quote to CHeKT support.
    ///
    /// ```
    /// use chekt_api::Error;
    ///
    /// let err = Error::Server {
    ///     status: chekt_api::http::StatusCode::INTERNAL_SERVER_ERROR,
    ///     code: None,
    ///     message: "internal error".into(),
    ///     request_id: Some("req_8f3k2j".into()),
    /// };
    /// assert_eq!(err.request_id(), Some("req_8f3k2j"));
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
    /// ```
    /// use chekt_api::Error;
    /// use chekt_api::types::ErrorCode;
    ///
    /// let err = Error::Auth {
    ///     status: chekt_api::http::StatusCode::FORBIDDEN,
    ///     code: Some(ErrorCode::IpNotAllowed),
    ///     message: "IP 203.0.113.7 is not on the allow list".into(),
    ///     request_id: None,
    /// };
    /// assert_eq!(err.code(), Some(&ErrorCode::IpNotAllowed));
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
    /// ```
    /// use chekt_api::Error;
    /// use chekt_api::types::ErrorDetail;
    ///
    /// let detail: ErrorDetail = ErrorDetail::builder()
    ///     .field("timezone")
    ///     .message("unknown zone")
    ///     .try_into()
    ///     .unwrap();
    /// let err = Error::Validation {
    ///     status: chekt_api::http::StatusCode::UNPROCESSABLE_ENTITY,
    ///     code: None,
    ///     field: Some("timezone".into()),
    ///     details: vec![detail],
    ///     message: "validation failed".into(),
    ///     request_id: None,
    /// };
    /// assert_eq!(err.details()[0].field.as_deref(), Some("timezone"));
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
    /// ```
    /// use chekt_api::Error;
    /// use chekt_api::http::StatusCode;
    ///
    /// let server = |status| Error::Server { status, code: None, message: String::new(), request_id: None };
    /// assert!(server(StatusCode::SERVICE_UNAVAILABLE).is_retryable());
    /// assert!(!server(StatusCode::INTERNAL_SERVER_ERROR).is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { .. }
            | Error::Timeout { .. }
            | Error::RateLimited { .. }
            | Error::Throttled { .. } => true,
            Error::Server { status, .. } => matches!(status.as_u16(), 502..=504),
            Error::Token(token) => matches!(token, TokenError::Unavailable { .. }),
            _ => false,
        }
    }

    /// How long to wait before trying again: the server's `Retry-After` on
    /// a 429, or the time until the window resets on a throttle refusal.
    ///
    /// ```
    /// use std::time::Duration;
    /// use chekt_api::Error;
    ///
    /// let err = Error::Throttled { resets_in: Duration::from_secs(30) };
    /// assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    /// ```
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } => *retry_after,
            Error::Throttled { resets_in } => Some(*resets_in),
            _ => None,
        }
    }

    /// The rate-limit window reported with a 429.
    ///
    /// ```
    /// use chekt_api::Error;
    /// use chekt_api::rate_limit::RateLimit;
    ///
    /// let window = RateLimit { limit: Some(1000), remaining: Some(0), reset: None };
    /// let err = Error::RateLimited {
    ///     retry_after: None,
    ///     rate_limit: Some(Box::new(window)),
    ///     code: None,
    ///     message: "rate limit exceeded".into(),
    ///     request_id: None,
    /// };
    /// assert!(err.rate_limit().is_some_and(RateLimit::is_exhausted));
    /// ```
    pub fn rate_limit(&self) -> Option<&RateLimit> {
        match self {
            Error::RateLimited { rate_limit, .. } => rate_limit.as_deref(),
            _ => None,
        }
    }

    /// Classifies an error response of `op` from its status, headers and
    /// (capped) body. Only the status and the body decide the variant; no
    /// header can change it. Before anything is read from the body, every
    /// token-shaped secret ([`redact::text`]) and every one of `secrets`
    /// (the credential the request carried) is redacted from all of it, so
    /// no field (`message`, `error`, `code`, `details`, `request_id`) can
    /// echo one.
    pub(crate) fn from_response(
        op: &Operation,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        secrets: &[&str],
    ) -> Error {
        let redacted = redact::known(&redact::text(&String::from_utf8_lossy(body)), secrets);
        let body = redacted.as_bytes();
        let header_id = crate::body::request_id(headers);
        let decoded = decode::<ApiError>(body).or_else(|e| {
            decode::<crate::types::OAuthError>(body)
                .map(ApiError::from)
                .map_err(|_| e)
        });
        let body: ApiError = match decoded {
            Ok(body) => body,
            Err((path, reason)) => {
                return Error::UndecodableBody {
                    operation: op.id,
                    status: Some(status),
                    path,
                    excerpt: redact::excerpt(body, redact::EXCERPT_BYTES),
                    reason: format!("the error body is not the API's JSON error shape: {reason}"),
                    request_id: header_id,
                };
            }
        };
        let ApiError {
            code,
            details,
            message,
            request_id,
            ..
        } = body.clone();
        let request_id = request_id.or(header_id);
        match status.as_u16() {
            401 | 403 => Error::Auth {
                status,
                code,
                message,
                request_id,
            },
            429 => Error::RateLimited {
                retry_after: retry_after(headers, SystemTime::now()),
                rate_limit: RateLimit::from_headers(headers).map(Box::new),
                code,
                message,
                request_id,
            },
            404 => Error::NotFound {
                code,
                message,
                request_id,
            },
            400 | 422 => Error::Validation {
                status,
                code,
                field: details.first().and_then(|d| d.field.clone()),
                details,
                message,
                request_id,
            },
            500..=599 => Error::Server {
                status,
                code,
                message,
                request_id,
            },
            _ => Error::Api {
                status,
                body: Box::new(ApiError { request_id, ..body }),
            },
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
        Error::UndecodableBody {
            operation: op.id,
            status: None,
            path,
            excerpt: redact::excerpt(body.as_bytes(), redact::EXCERPT_BYTES),
            // The reason may quote a value of the body.
            reason: redact::known(&redact::text(&reason), secrets),
            request_id: crate::body::request_id(headers),
        }
    }

    /// A transport error, told apart from a timeout.
    pub(crate) fn transport(source: reqwest::Error) -> Error {
        if source.is_timeout() {
            Error::Timeout { source }
        } else {
            Error::Transport { source }
        }
    }
}

/// The token endpoint's RFC 6749 §5.2 body (`create_token` called as an
/// operation) read as the common error shape: `error` (e.g.
/// `invalid_grant`) becomes the machine code unless the body carries
/// CHeKT's own `code`, and `error_description` the message.
impl From<crate::types::OAuthError> for ApiError {
    fn from(body: crate::types::OAuthError) -> Self {
        let code = body.code.as_deref().unwrap_or(&body.error).into();
        ApiError {
            message: body
                .error_description
                .or(body.message)
                .unwrap_or_else(|| body.error.clone()),
            code: Some(code),
            details: Vec::new(),
            error: body.error,
            request_id: body.request_id,
        }
    }
}
