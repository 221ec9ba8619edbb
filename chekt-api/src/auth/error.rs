//! The errors of obtaining credentials: a leaf module (it depends on the
//! generated types only), so the crate's [`Error`](crate::Error) can carry
//! them while the rest of `auth` returns it.

use std::sync::Arc;

use crate::types::ErrorCode;

/// Why no access token could be obtained, whichever path asked for it (an
/// API call's token fetch or
/// [`Client::complete_authorization`](crate::Client::complete_authorization));
/// reached as [`Error::Token`](crate::Error::Token).
///
/// ```
/// use chekt_api::auth::TokenError;
/// use chekt_api::types::ErrorCode;
///
/// fn advice(error: &TokenError) -> &'static str {
///     match error {
///         TokenError::OAuth { error: ErrorCode::InvalidClient, .. } => "check the client id and secret",
///         TokenError::OAuth { error: ErrorCode::InvalidGrant, .. } => "authorize again",
///         TokenError::OAuth { error: ErrorCode::InvalidScope, .. } => "ask for fewer scopes",
///         TokenError::OAuth { .. } => "the token endpoint refused the request",
///         TokenError::Unavailable { .. } => "try again later",
///         _ => "see the message",
///     }
/// }
/// # let _ = advice;
/// ```
///
/// It is `Clone` (underlying errors are shared behind an `Arc`): when
/// several tasks wait on one token request (single flight), every one of
/// them gets the same failure, unless the failure came from the fetching
/// call's own `RequestOptions::timeout`: the request cut off (then each
/// waiting task sends its own), or a retry it had no time to wait for
/// (then no task asks again before that retry's time; one whose deadline
/// comes first gets this failure).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The token endpoint refused the request with an OAuth error response
    /// (RFC 6749 §5.2, any 4xx): `error` is its code (`invalid_request`,
    /// `invalid_client`, `invalid_grant`, `unauthorized_client`,
    /// `unsupported_grant_type`, `invalid_scope`; `ErrorCode::Unknown` for
    /// any other, with the body's text when it named none).
    #[error("token request refused ({} {error}): {}{}", status.as_u16(), description.as_deref().unwrap_or("no description"), request_id.as_deref().map(|r| format!(" (request_id {r})")).unwrap_or_default())]
    OAuth {
        /// The status it answered with.
        status: reqwest::StatusCode,
        /// The OAuth error code.
        error: ErrorCode,
        /// `error_description` (or CHeKT's `message`).
        description: Option<String>,
        /// Its request id.
        request_id: Option<String>,
    },
    /// The token endpoint could not be reached, timed out, failed (5xx) or
    /// asked to slow down (429); trying again later may succeed.
    #[error("token endpoint unavailable{}: {message}", status.map(|s| format!(" ({})", s.as_u16())).unwrap_or_default())]
    Unavailable {
        /// The 5xx or 429 status; `None` when no response arrived.
        status: Option<reqwest::StatusCode>,
        /// What happened (the body's message or excerpt, or the transport
        /// error).
        message: String,
        /// Its request id.
        request_id: Option<String>,
        /// The transport error, when no response arrived (shared by every
        /// task that waited on the request).
        #[source]
        source: Option<Arc<reqwest::Error>>,
    },
    /// The token endpoint answered with a redirect (3xx), or the answer
    /// came from another URL (an HTTP client that follows redirects). It is
    /// never followed and nothing from it is used: the request's client
    /// secret, assertion, refresh token or PKCE verifier would go wherever
    /// the server points, and a token would be accepted from there.
    #[error("the token endpoint answered {} redirecting to {}; redirects are not followed", status.as_u16(), location.as_deref().unwrap_or("no Location"))]
    Redirect {
        /// The status (a 3xx, or whatever the other URL answered).
        status: reqwest::StatusCode,
        /// Where it pointed, without userinfo, query or fragment.
        location: Option<String>,
    },
    /// The token endpoint's success body is in a `Content-Encoding` the
    /// client did not ask for (with the `compression` feature it asks for
    /// `gzip` and `deflate`); it was not read. (An error status is classified by its status instead.)
    #[error(
        "the {} token response is in content-encoding `{encoding}`, which the client did not ask for", status.as_u16()
    )]
    ContentEncoding {
        /// The status it answered with.
        status: reqwest::StatusCode,
        /// The `Content-Encoding` as sent.
        encoding: String,
    },
    /// The token endpoint answered 2xx with a body that is not a token
    /// (RFC 6749 §5.1). No token from the body is in `reason`
    /// ([`redact`](crate::redact)).
    #[error("token response is not a token{}: {reason}", path.as_deref().map(|p| format!(" at {p}")).unwrap_or_default())]
    Malformed {
        /// The JSON path that failed (`expires_in`), when the body was JSON.
        path: Option<String>,
        /// Why.
        reason: String,
    },
    /// The assertion could not be signed.
    #[error("cannot sign the assertion: {0}")]
    Signing(#[source] SignError),
    /// No user has authorized the app yet (no refresh token is stored).
    #[error(
        "no user authorization yet: complete the authorization code flow first (Client::complete_authorization)"
    )]
    NotAuthorized,
    /// The token store failed to load or save.
    #[error("token store: {0}")]
    Store(#[source] StoreError),
}

impl TokenError {
    /// The token endpoint's status, when it answered.
    pub fn status(&self) -> Option<reqwest::StatusCode> {
        match self {
            TokenError::OAuth { status, .. } => Some(*status),
            TokenError::Unavailable { status, .. } => *status,
            TokenError::Redirect { status, .. } | TokenError::ContentEncoding { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// The token endpoint's request id, when it sent one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            TokenError::OAuth { request_id, .. } | TokenError::Unavailable { request_id, .. } => {
                request_id.as_deref()
            }
            _ => None,
        }
    }
}

/// Why an assertion could not be signed: a message, and the underlying error when there is one
/// (reachable through [`std::error::Error::source`]).
///
/// ```
/// use chekt_api::auth::assertion::SignError;
///
/// let io = std::io::Error::other("disk full");
/// let err = SignError::with_source("cannot write", io);
/// assert_eq!(err.to_string(), "cannot write");
/// assert_eq!(std::error::Error::source(&err).map(|s| s.to_string()).as_deref(), Some("disk full"));
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct SignError {
    message: String,
    #[source]
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl SignError {
    /// An error with only a message.
    pub fn new(message: impl Into<String>) -> Self {
        SignError {
            message: message.into(),
            source: None,
        }
    }

    /// An error caused by `source`.
    pub fn with_source(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        SignError {
            message: message.into(),
            source: Some(Arc::from(source.into())),
        }
    }
}

/// Why a [`TokenStore`](super::authorization_code::TokenStore) failed: a message, and the underlying error when there is one
/// (reachable through [`std::error::Error::source`]).
///
/// ```
/// use chekt_api::auth::authorization_code::StoreError;
///
/// let io = std::io::Error::other("disk full");
/// let err = StoreError::with_source("cannot write", io);
/// assert_eq!(err.to_string(), "cannot write");
/// assert_eq!(std::error::Error::source(&err).map(|s| s.to_string()).as_deref(), Some("disk full"));
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct StoreError {
    message: String,
    #[source]
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl StoreError {
    /// An error with only a message.
    pub fn new(message: impl Into<String>) -> Self {
        StoreError {
            message: message.into(),
            source: None,
        }
    }

    /// An error caused by `source`.
    pub fn with_source(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        StoreError {
            message: message.into(),
            source: Some(Arc::from(source.into())),
        }
    }
}
