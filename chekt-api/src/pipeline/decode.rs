//! The last stage: a reply turned into the caller's result (a declared
//! success decoded, an undeclared status an error), and a request the
//! generated builder could not build.

use serde::de::DeserializeOwned;

use super::attempt::{Reply, sent_secrets};
use crate::error::{Error, Result};
use crate::operations::Operation;
use crate::response::ResponseValue;

/// A request the generated builder could not build (a missing or invalid
/// argument, a header value that cannot be sent): nothing was sent.
pub(crate) fn invalid_request(error: progenitor_client::Error<()>) -> Error {
    let message = match error {
        progenitor_client::Error::InvalidRequest(message) => message,
        other => other.to_string(),
    };
    Error::invalid(message)
}

/// Decodes a success body as `T`; a failure names the operation and the
/// JSON path.
///
/// A body without a JSON value in it (zero bytes, as a HEAD response or a
/// 204 has, or only whitespace) is read as JSON `null`: it decodes into
/// every type that takes `null` (`()`, `serde::de::IgnoredAny`,
/// `Option<_>` as `None`, `serde_json::Value::Null`), and a type that
/// needs a value fails saying the body is empty (serde_json alone fails
/// on empty input whatever `T` is: "EOF while parsing a value").
pub(crate) fn success<T: DeserializeOwned>(
    reply: Reply,
    op: &Operation,
) -> Result<ResponseValue<T>> {
    let decoded = if is_empty(&reply.body) {
        serde_json::from_slice(b"null")
            .map_err(|e| (None, format!("the body is empty (read as JSON null): {e}")))
    } else {
        crate::body::decode(&reply.body)
    };
    match decoded {
        Ok(inner) => Ok(ResponseValue::new(inner, reply.status, reply.headers)),
        Err((path, reason)) => Err(Error::undecodable_success(
            op,
            &reply.headers,
            &reply.body,
            path,
            reason,
            &sent_secrets(reply.sent.as_ref()),
        )
        .with_attempts(reply.attempts)),
    }
}

/// Whether `body` holds no JSON value: nothing, or only JSON whitespace
/// (RFC 8259 §2). Stops at the first other byte.
fn is_empty(body: &[u8]) -> bool {
    body.iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// A declared success without a body.
#[allow(dead_code)] // used when the spec has an operation without a success body
pub(crate) fn empty(reply: Reply, _op: &Operation) -> Result<ResponseValue<()>> {
    Ok(ResponseValue::new((), reply.status, reply.headers))
}

/// A status that is neither an error nor a success `op` declares.
pub(crate) fn unexpected(reply: Reply, op: &Operation) -> Error {
    Error::UnexpectedStatus {
        operation: op.id,
        status: reply.status,
        request_id: crate::body::request_id(&reply.headers),
        attempts: reply.attempts,
    }
}
