//! The one error type of `chekt-api`.
//!
//! Generated methods return `progenitor_client::Error<types::Error>`; `?`
//! converts it into [`Error`], which tells apart what a caller handles
//! differently: transport, timeout, authentication (with the seeds' codes),
//! rate limiting (with `Retry-After`), not found, validation (with the
//! failing field), server errors and bodies that could not be decoded.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::rate_limit::{RateLimit, retry_after};
use crate::types::{self, ErrorCode};

/// Header the runtime sets on error responses it had to rewrite because the
/// body was not the API's JSON error shape.
pub(crate) const UNDECODABLE_HEADER: &str = "x-chekt-client-undecodable";
/// Header the runtime sets on failures produced locally (no credential,
/// token endpoint refused the grant, signer failed).
pub(crate) const LOCAL_HEADER: &str = "x-chekt-client-local";
/// Header the runtime sets (to `"{status} {limit}"`) when a success body
/// exceeded the client's size limit.
pub(crate) const TOO_LARGE_HEADER: &str = "x-chekt-client-too-large";

/// Result alias for `chekt-api`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong with a call.
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

    /// Authentication or authorization failed (401/403, or a credential
    /// the client could not obtain).
    #[error("{}", describe("authentication failed", *status, code.as_ref(), message, request_id.as_deref()))]
    Auth {
        /// The HTTP status, when a server answered.
        status: Option<StatusCode>,
        /// The machine code (`invalid_api_key`, `token_expired`,
        /// `signature_invalid`, `permission_denied`, `ip_not_allowed`, ...).
        code: Option<ErrorCode>,
        /// The server's (or the client's) explanation.
        message: String,
        /// The id to quote to CHeKT support.
        request_id: Option<String>,
    },

    /// Too many requests; wait `retry_after` before trying again.
    #[error("{}", describe("rate limited", Some(StatusCode::TOO_MANY_REQUESTS), None, message, request_id.as_deref()))]
    RateLimited {
        /// How long the server asked to wait.
        retry_after: Option<Duration>,
        /// The window the server reported.
        rate_limit: Option<RateLimit>,
        /// The server's explanation.
        message: String,
        /// The id to quote to CHeKT support.
        request_id: Option<String>,
    },

    /// The resource does not exist on this dealer.
    #[error("{}", describe("not found", Some(StatusCode::NOT_FOUND), None, message, request_id.as_deref()))]
    NotFound {
        /// The server's explanation.
        message: String,
        /// The id to quote to CHeKT support.
        request_id: Option<String>,
    },

    /// The server rejected the input; `field` names the first field that
    /// failed when the server said which.
    #[error("{}", describe(&match field { Some(f) => format!("invalid `{f}`"), None => "invalid request".to_string() }, Some(*status), None, message, request_id.as_deref()))]
    Validation {
        /// 400 or 422.
        status: StatusCode,
        /// The first failing field.
        field: Option<String>,
        /// Every failing field the server listed.
        details: Vec<types::ErrorDetail>,
        /// The server's explanation.
        message: String,
        /// The id to quote to CHeKT support.
        request_id: Option<String>,
    },

    /// The server failed (5xx).
    #[error("{}", describe("server error", Some(*status), None, message, request_id.as_deref()))]
    Server {
        /// The status.
        status: StatusCode,
        /// The server's explanation.
        message: String,
        /// The id to quote to CHeKT support.
        request_id: Option<String>,
    },

    /// Another documented error response (e.g. 405, 409).
    #[error("{}", describe("request failed", Some(*status), body.code.as_ref(), &body.message, body.request_id.as_deref()))]
    Api {
        /// The status.
        status: StatusCode,
        /// The error body.
        body: Box<types::Error>,
    },

    /// A response body that is not what the spec promises.
    #[error("undecodable {} body{}: {reason}; body starts with {excerpt:?}", status.map(|s| s.to_string()).unwrap_or_else(|| "success".to_string()), request_id.as_deref().map(|r| format!(" (request_id {r})")).unwrap_or_default())]
    UndecodableBody {
        /// The status, when known (success bodies that fail to decode are
        /// reported by the generated code without it).
        status: Option<StatusCode>,
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
    #[error("the {status} response body exceeds the client's limit of {limit} bytes")]
    ResponseTooLarge {
        /// The status the server answered with.
        status: StatusCode,
        /// The limit in bytes.
        limit: usize,
    },

    /// The request was not sent: a builder argument is missing or invalid.
    #[error("invalid request: {message}")]
    InvalidRequest {
        /// What is wrong.
        message: String,
    },

    /// A response status the spec does not declare for the operation.
    #[error("unexpected response status {status}")]
    UnexpectedStatus {
        /// The status.
        status: StatusCode,
    },

    /// The server answered with a redirect (3xx). The client follows no
    /// redirect, so that no credential or request body reaches another
    /// origin (see the README's "Reliability" section); nothing more was sent.
    #[error("the server answered {status} redirecting to {}; redirects are not followed", location.as_deref().unwrap_or("no Location"))]
    Redirect {
        /// The 3xx status.
        status: StatusCode,
        /// Where it pointed, without userinfo or query.
        location: Option<String>,
    },

    /// The body is in a `Content-Encoding` the client did not ask for
    /// (it asks for and decodes `gzip` and `deflate`).
    #[error(
        "the {status} response body is in content-encoding `{encoding}`, which the client did not ask for"
    )]
    ContentEncoding {
        /// The status the server answered with.
        status: StatusCode,
        /// The `Content-Encoding` as the server sent it.
        encoding: String,
    },

    /// A list did not end: paging stopped with the reason
    /// ([`pagination`](crate::pagination)).
    #[error("paging stopped: {0}")]
    Paging(#[from] crate::pagination::PagingError),
}

fn describe(
    what: &str,
    status: Option<StatusCode>,
    code: Option<&ErrorCode>,
    message: &str,
    request_id: Option<&str>,
) -> String {
    let mut out = what.to_string();
    match (status, code) {
        (Some(s), Some(c)) => out.push_str(&format!(" ({} {c})", s.as_u16())),
        (Some(s), None) => out.push_str(&format!(" ({})", s.as_u16())),
        (None, Some(c)) => out.push_str(&format!(" ({c})")),
        (None, None) => {}
    }
    out.push_str(": ");
    out.push_str(message);
    if let Some(id) = request_id {
        out.push_str(&format!(" (request_id {id})"));
    }
    out
}

impl Error {
    /// The HTTP status, when a response was received.
    ///
    /// ```
    /// use chekt_api::Error;
    /// use reqwest::StatusCode;
    ///
    /// let err = Error::NotFound { message: "no site 7 on dealer 42".into(), request_id: None };
    /// assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
    /// let local = Error::InvalidRequest { message: "dealer_id is required".into() };
    /// assert_eq!(local.status(), None); // nothing was sent
    /// ```
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Auth { status, .. } => *status,
            Error::RateLimited { .. } => Some(StatusCode::TOO_MANY_REQUESTS),
            Error::NotFound { .. } => Some(StatusCode::NOT_FOUND),
            Error::Validation { status, .. }
            | Error::Server { status, .. }
            | Error::Api { status, .. }
            | Error::UnexpectedStatus { status } => Some(*status),
            Error::UndecodableBody { status, .. } => *status,
            Error::ResponseTooLarge { status, .. }
            | Error::Redirect { status, .. }
            | Error::ContentEncoding { status, .. } => Some(*status),
            Error::Transport { source } | Error::Timeout { source } => source.status(),
            Error::InvalidRequest { .. } | Error::Paging(_) => None,
        }
    }

    /// The server's request id, to quote to CHeKT support.
    ///
    /// ```
    /// use chekt_api::Error;
    ///
    /// let err = Error::Server {
    ///     status: reqwest::StatusCode::INTERNAL_SERVER_ERROR,
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
            | Error::UndecodableBody { request_id, .. } => request_id.as_deref(),
            Error::Api { body, .. } => body.request_id.as_deref(),
            _ => None,
        }
    }

    /// The machine error code, when the server sent one.
    ///
    /// ```
    /// use chekt_api::Error;
    /// use chekt_api::types::ErrorCode;
    ///
    /// let err = Error::Auth {
    ///     status: Some(reqwest::StatusCode::FORBIDDEN),
    ///     code: Some(ErrorCode::IpNotAllowed),
    ///     message: "IP 203.0.113.7 is not on the allow list".into(),
    ///     request_id: None,
    /// };
    /// assert_eq!(err.code(), Some(&ErrorCode::IpNotAllowed));
    /// ```
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            Error::Auth { code, .. } => code.as_ref(),
            Error::RateLimited { .. } => Some(&ErrorCode::RateLimited),
            Error::Api { body, .. } => body.code.as_ref(),
            _ => None,
        }
    }

    /// Whether trying again later may succeed (transport errors, timeouts,
    /// 429, 502, 503, 504) — the same cases progenitor's errors report.
    ///
    /// ```
    /// use chekt_api::Error;
    /// use reqwest::StatusCode;
    ///
    /// let server = |status| Error::Server { status, message: String::new(), request_id: None };
    /// assert!(server(StatusCode::SERVICE_UNAVAILABLE).is_retryable());
    /// assert!(!server(StatusCode::INTERNAL_SERVER_ERROR).is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { .. } | Error::Timeout { .. } | Error::RateLimited { .. } => true,
            Error::Server { status, .. } => matches!(status.as_u16(), 502..=504),
            _ => false,
        }
    }

    /// How long the server asked to wait, on a 429.
    ///
    /// ```
    /// use std::time::Duration;
    /// use chekt_api::Error;
    ///
    /// let err = Error::RateLimited {
    ///     retry_after: Some(Duration::from_secs(30)),
    ///     rate_limit: None,
    ///     message: "rate limit exceeded".into(),
    ///     request_id: None,
    /// };
    /// assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    /// ```
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } => *retry_after,
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
    ///     rate_limit: Some(window),
    ///     message: "rate limit exceeded".into(),
    ///     request_id: None,
    /// };
    /// assert!(err.rate_limit().is_some_and(RateLimit::is_exhausted));
    /// ```
    pub fn rate_limit(&self) -> Option<&RateLimit> {
        match self {
            Error::RateLimited { rate_limit, .. } => rate_limit.as_ref(),
            _ => None,
        }
    }

    /// Classifies an error response from its status, headers and body.
    pub(crate) fn from_response(
        status: StatusCode,
        headers: &HeaderMap,
        mut body: types::Error,
    ) -> Error {
        // The server's words, without any token it echoed.
        if let std::borrow::Cow::Owned(redacted) = crate::redact::text(&body.message) {
            body.message = redacted;
        }
        let request_id = body
            .request_id
            .clone()
            .or_else(|| header(headers, "x-request-id"));
        if let Some((status, limit)) = header(headers, TOO_LARGE_HEADER).and_then(|v| {
            let (status, limit) = v.split_once(' ')?;
            Some((
                StatusCode::from_bytes(status.as_bytes()).ok()?,
                limit.parse().ok()?,
            ))
        }) {
            return Error::ResponseTooLarge { status, limit };
        }
        if headers.contains_key(UNDECODABLE_HEADER) {
            return Error::UndecodableBody {
                status: Some(status),
                excerpt: body.message,
                reason: "the error body is not the API's JSON error shape".to_string(),
                request_id,
            };
        }
        let local = headers.contains_key(LOCAL_HEADER);
        match status.as_u16() {
            401 | 403 => Error::Auth {
                status: (!local).then_some(status),
                code: body.code,
                message: body.message,
                request_id,
            },
            429 => Error::RateLimited {
                retry_after: retry_after(headers, SystemTime::now()),
                rate_limit: RateLimit::from_headers(headers),
                message: body.message,
                request_id,
            },
            404 => Error::NotFound {
                message: body.message,
                request_id,
            },
            400 | 422 => Error::Validation {
                status,
                field: body.details.first().map(|d| d.field.clone()),
                details: body.details,
                message: body.message,
                request_id,
            },
            500..=599 => Error::Server {
                status,
                message: body.message,
                request_id,
            },
            _ => Error::Api {
                status,
                body: Box::new(body),
            },
        }
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name)?.to_str().ok().map(str::to_string)
}

/// At most this many bytes of a body are shown in an error.
pub(crate) const EXCERPT_BYTES: usize = 512;

impl From<crate::auth::TokenError> for Error {
    fn from(error: crate::auth::TokenError) -> Self {
        use crate::auth::TokenError as T;
        match error {
            T::Transport(source) if source.is_timeout() => Error::Timeout { source },
            T::Transport(source) => Error::Transport { source },
            T::Redirect { status, location } => Error::Redirect { status, location },
            T::ContentEncoding { status, encoding } => Error::ContentEncoding { status, encoding },
            T::Rejected {
                status,
                code,
                message,
                request_id,
            } => Error::Auth {
                status: Some(status),
                code: code.map(ErrorCode::from),
                message: format!("token request refused: {message}"),
                request_id,
            },
            other => Error::Auth {
                status: None,
                code: None,
                message: other.to_string(),
                request_id: None,
            },
        }
    }
}

impl From<progenitor_client::Error<types::Error>> for Error {
    fn from(error: progenitor_client::Error<types::Error>) -> Self {
        use progenitor_client::Error as P;
        match error {
            P::ErrorResponse(response) => {
                let status = response.status();
                let headers = response.headers().clone();
                Error::from_response(status, &headers, response.into_inner())
            }
            P::CommunicationError(source)
            | P::ResponseBodyError(source)
            | P::InvalidUpgrade(source) => {
                if let Some(refused) = crate::body::refused(&source) {
                    return Error::ContentEncoding {
                        status: refused.status,
                        encoding: refused.encoding.clone(),
                    };
                }
                if source.is_timeout() {
                    Error::Timeout { source }
                } else {
                    Error::Transport { source }
                }
            }
            P::InvalidResponsePayload(bytes, e) => Error::UndecodableBody {
                status: None,
                excerpt: crate::redact::excerpt(&bytes, EXCERPT_BYTES),
                reason: e.to_string(),
                request_id: None,
            },
            P::UnexpectedResponse(response) if response.status().is_redirection() => {
                Error::Redirect {
                    status: response.status(),
                    location: crate::redirect::location(response.headers()),
                }
            }
            P::UnexpectedResponse(response) => Error::UnexpectedStatus {
                status: response.status(),
            },
            P::InvalidRequest(message) | P::Custom(message) => Error::InvalidRequest { message },
        }
    }
}
