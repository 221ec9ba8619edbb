//! Status first: how an error response becomes an [`Error`].
//!
//! The variant comes from the status alone, whatever the body is (the
//! API's JSON error, JSON of another shape, empty, text, a load balancer's
//! HTML page, cut off, any `Content-Type`):
//!
//! | status | variant |
//! | --- | --- |
//! | 401, 403 | [`Error::Auth`] |
//! | 404 | [`Error::NotFound`] |
//! | 400, 422 | [`Error::Validation`] |
//! | 429 | [`Error::RateLimited`], with `Retry-After` and `X-RateLimit-*` |
//! | 5xx | [`Error::Server`] |
//! | any other 4xx | [`Error::Api`] |
//!
//! The body only fills in what the server said ([`Said`]): its code,
//! message, details and request id when it has them, else a redacted
//! excerpt of it as the message (or, for a body in a `Content-Encoding`
//! the client cannot decode, that encoding's name). Retrying is decided by
//! the status too ([`crate::retry`]), so a 503 or 429 with an HTML body is
//! retried after its `Retry-After` like any other.

use std::time::SystemTime;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::body::decode;
use crate::error::Error;
use crate::operations::Operation;
use crate::rate_limit::{RateLimit, retry_after};
use crate::redact;
use crate::types::{ApiError, ErrorCode, OAuthError};

impl Error {
    /// Classifies an error response of `op` from its status, headers and
    /// (capped) body: the status picks the variant (the table in
    /// [`crate::classify`]); no header can change it. Before anything is
    /// read from the body, every token-shaped secret ([`redact::text`]) and
    /// every one of `secrets` (the credential the request carried) is
    /// redacted from all of it, so no field (`message`, `code`, `details`,
    /// `request_id`) can echo one; the decoded message is redacted again,
    /// for a secret the body's JSON escapes hid.
    pub(crate) fn from_response(
        op: &Operation,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        secrets: &[&str],
    ) -> Error {
        let redacted = redact::known(&redact::text(&String::from_utf8_lossy(body)), secrets);
        let said = match crate::body::unsupported_encoding(headers) {
            // Bytes in an encoding the client cannot decode say nothing.
            Some(encoding) => Said::unreadable(status, &encoding),
            None => Said::read(status, redacted.as_bytes()),
        };
        let request_id = said.request_id.or_else(|| crate::body::request_id(headers));
        // Decoding can reveal a secret the raw text hid (`\u0061ccess_token`).
        let message = redact::known(&redact::text(&said.message), secrets);
        let code = said.code;
        tracing::trace!(operation = op.id, status = status.as_u16(), "classified");
        match status.as_u16() {
            401 | 403 => Error::Auth {
                status,
                code,
                message,
                request_id,
                attempts: 1,
            },
            429 => Error::RateLimited {
                retry_after: retry_after(headers, SystemTime::now()),
                rate_limit: RateLimit::from_headers(headers).map(Box::new),
                code,
                message,
                request_id,
                attempts: 1,
            },
            404 => Error::NotFound {
                code,
                message,
                request_id,
                attempts: 1,
            },
            400 | 422 => Error::Validation {
                status,
                code,
                field: said.details.first().and_then(|d| d.field.clone()),
                details: said.details,
                message,
                request_id,
                attempts: 1,
            },
            500..=599 => Error::Server {
                status,
                code,
                message,
                request_id,
                retry_after: retry_after(headers, SystemTime::now()),
                attempts: 1,
            },
            _ => Error::Api {
                status,
                body: Box::new(ApiError {
                    code,
                    details: said.details,
                    error: said.error,
                    message,
                    request_id,
                }),
                attempts: 1,
            },
        }
    }
}

/// What an error body says, read as leniently as it comes.
#[derive(Debug, PartialEq)]
struct Said {
    code: Option<ErrorCode>,
    message: String,
    details: Vec<crate::types::ErrorDetail>,
    /// The HTTP reason (`error` of the API's shape).
    error: String,
    request_id: Option<String>,
}

impl Said {
    /// A body in a `Content-Encoding` the client did not ask for and cannot
    /// decode: the message names the encoding.
    fn unreadable(status: StatusCode, encoding: &str) -> Said {
        Said::only(status, |reason| {
            format!("{reason} (body in unsupported Content-Encoding `{encoding}`)")
        })
    }

    /// Nothing but a message (made from the status's reason phrase).
    fn only(status: StatusCode, message: impl FnOnce(&str) -> String) -> Said {
        let reason = status.canonical_reason().unwrap_or("error");
        Said {
            code: None,
            message: message(reason),
            details: Vec::new(),
            error: reason.to_string(),
            request_id: None,
        }
    }

    /// Reads, in order: the API's error shape; RFC 6749 §5.2's (`error`,
    /// `error_description`); any other JSON object's `message` /
    /// `error_description` / `detail` / `title` / `error.message`,
    /// `code` / `error.code` and `request_id`; else the (already redacted)
    /// body itself, cut to [`redact::EXCERPT_BYTES`], as the message.
    fn read(status: StatusCode, body: &[u8]) -> Said {
        let reason = status.canonical_reason().unwrap_or("error").to_string();
        let strict = decode::<ApiError>(body).or_else(|e| {
            decode::<OAuthError>(body)
                .map(ApiError::from)
                .map_err(|_| e)
        });
        if let Ok(body) = strict {
            return Said {
                code: body.code,
                message: body.message,
                details: body.details,
                error: body.error,
                request_id: body.request_id,
            };
        }
        if let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) {
            let text = |pointer: &str| {
                fields
                    .get(pointer)
                    .or_else(|| {
                        pointer
                            .split_once('.')
                            .and_then(|(outer, inner)| fields.get(outer)?.get(inner))
                    })
                    .and_then(Value::as_str)
                    .map(str::to_string)
            };
            let message = [
                "message",
                "error_description",
                "detail",
                "title",
                "error.message",
                "error",
            ]
            .into_iter()
            .find_map(text);
            if let Some(message) = message {
                return Said {
                    code: ["code", "error.code"]
                        .into_iter()
                        .find_map(text)
                        .map(ErrorCode::from),
                    message,
                    details: Vec::new(),
                    error: reason,
                    request_id: text("request_id"),
                };
            }
        }
        Said::only(status, |reason| {
            if body.iter().all(u8::is_ascii_whitespace) {
                format!("{reason} (empty body)")
            } else {
                redact::excerpt(body, redact::EXCERPT_BYTES)
            }
        })
    }
}

/// The token endpoint's RFC 6749 §5.2 body (`create_token` called as an
/// operation) read as the common error shape: `error` (e.g.
/// `invalid_grant`) becomes the machine code unless the body carries
/// CHeKT's own `code`, and `error_description` the message.
impl From<OAuthError> for ApiError {
    fn from(body: OAuthError) -> Self {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn said(status: u16, body: &str) -> Said {
        Said::read(StatusCode::from_u16(status).unwrap(), body.as_bytes())
    }

    #[test]
    fn every_body_shape_keeps_what_the_server_said() {
        let api = said(
            429,
            r#"{"error":"Too Many Requests","code":"rate_limited","message":"slow down","request_id":"req_1"}"#,
        );
        assert_eq!(api.code, Some(ErrorCode::RateLimited));
        assert_eq!(
            (api.message.as_str(), api.request_id.as_deref()),
            ("slow down", Some("req_1"))
        );

        let oauth = said(
            400,
            r#"{"error":"invalid_grant","error_description":"expired"}"#,
        );
        assert_eq!(
            (oauth.code, oauth.message.as_str()),
            (Some(ErrorCode::InvalidGrant), "expired")
        );

        let google = said(
            503,
            r#"{"error":{"code":"UNAVAILABLE","message":"backend down"}}"#,
        );
        assert_eq!(google.message, "backend down");
        assert_eq!(
            google.code.as_ref().map(ErrorCode::as_str),
            Some("UNAVAILABLE")
        );

        let gateway = said(502, r#"{"message":"Internal server error"}"#);
        assert_eq!(
            (gateway.code, gateway.message.as_str()),
            (None, "Internal server error")
        );

        let problem = said(503, r#"{"title":"Service Unavailable","status":503}"#);
        assert_eq!(problem.message, "Service Unavailable");

        let html = said(
            503,
            "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>",
        );
        assert!(
            html.message.starts_with("<html><body><h1>503"),
            "{}",
            html.message
        );
        assert_eq!(html.error, "Service Unavailable");

        assert_eq!(said(503, "").message, "Service Unavailable (empty body)");
        assert_eq!(
            said(500, " \r\n").message,
            "Internal Server Error (empty body)"
        );
        assert_eq!(
            said(500, r#"{"error": "Serv"#).message,
            r#"{"error": "Serv"#
        );
        assert_eq!(said(500, "[1,2]").message, "[1,2]");
        assert_eq!(said(599, r#"{"message": 7}"#).message, r#"{"message": 7}"#);
        assert!(said(500, &"x".repeat(4096)).message.len() <= redact::EXCERPT_BYTES);
    }

    /// Fuzzing of what a body can do to classification and redaction:
    /// bounded and deterministic, so it runs in CI with `cargo test`.
    mod fuzz {
        use super::*;
        use proptest::prelude::*;
        use proptest::test_runner::{Config, RngSeed};

        fn body() -> impl Strategy<Value = Vec<u8>> {
            prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..600),
                "[ -~]{0,300}".prop_map(String::into_bytes),
                // JSON-ish text with secret fields, nesting and cuts.
                "[{}\\[\\],:\"a-z_0-9 .eE+-]{0,200}".prop_map(|s| {
                    format!(r#"{{"access_token": {s}, "message": "m""#).into_bytes()
                }),
            ]
        }

        proptest! {
            #![proptest_config(Config {
                cases: 3000,
                rng_seed: RngSeed::Fixed(24),
                failure_persistence: None,
                ..Config::default()
            })]

            #[test]
            fn no_body_panics_classification_or_redaction(status in 400u16..600, body in body()) {
                let status = StatusCode::from_u16(status).unwrap();
                let text = String::from_utf8_lossy(&body);
                let redacted = redact::text(&text);
                let said = Said::read(status, redacted.as_bytes());
                prop_assert!(!said.message.is_empty());
                let excerpt = redact::excerpt(&body, redact::EXCERPT_BYTES);
                prop_assert!(excerpt.len() <= redact::EXCERPT_BYTES);
                let _ = redact::parser_message(&text, Some("access_token"));
            }
        }
    }
}
