//! One attempt's response: the body read under the client's size limit.

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Response, StatusCode};

use crate::body::{read_capped, read_prefix, read_whole, without_bom};
use crate::error::{Error, Result};
use crate::operations::Operation;

/// Error bodies are read up to this many bytes.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// A response that is not an error status, its body read whole.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The credential the request carried (marked sensitive), never to be
    /// shown in an error about this reply.
    pub sent: Option<HeaderValue>,
    /// Requests sent for the call ([`Error::attempts`]).
    pub attempts: u32,
}

impl Reply {
    /// The status (generated code matches on it).
    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }
}

/// The secret in a credential header sent (`Bearer <token>`: the token),
/// as the list [`crate::redact::known`] takes.
pub(crate) fn sent_secrets(sent: Option<&HeaderValue>) -> Vec<&str> {
    sent.and_then(|h| h.to_str().ok())
        .map(|h| h.split_once(' ').map_or(h, |(_, token)| token.trim()))
        .into_iter()
        .collect()
}

/// Reads a non-error response whole, refusing a body larger than `limit`
/// before it is all read; a leading UTF-8 BOM is dropped (RFC 8259 §8.1)
/// without copying. (Not an `async fn`, which would hold `response` and
/// `sent` twice in its state.)
#[allow(
    clippy::manual_async_fn,
    reason = "an async fn would hold its arguments twice in its state"
)]
pub(crate) fn read_reply(
    mut response: Response,
    op: &Operation,
    limit: usize,
    sent: Option<HeaderValue>,
) -> impl Future<Output = Result<Reply>> + use<> {
    let operation = op.id;
    async move {
        let status = response.status();
        let body = match response.content_length() {
            // A declared length within the limit is enforced by the HTTP
            // layer: the body as it came, without the cap's copy.
            Some(length) if length <= limit as u64 => read_whole(&mut response, length)
                .await
                .map_err(Error::transport)?,
            _ => Bytes::from(
                read_capped(&mut response, limit)
                    .await
                    .map_err(Error::transport)?
                    .ok_or(Error::ResponseTooLarge {
                        operation,
                        status,
                        limit,
                        attempts: 1,
                    })?,
            ),
        };
        Ok(Reply {
            status,
            headers: std::mem::take(response.headers_mut()),
            body: without_bom(body),
            sent,
            attempts: 1,
        })
    }
}

/// Reads at most [`ERROR_BODY_LIMIT`] bytes of an error body, without a
/// leading UTF-8 BOM; a body that breaks off early keeps what arrived.
pub(crate) async fn read_error(mut response: Response) -> (HeaderMap, Vec<u8>) {
    let mut body = Vec::new();
    // A failure part-way keeps the part read: the error reports what came.
    let _ = read_prefix(&mut response, ERROR_BODY_LIMIT, &mut body).await;
    let bom = body.len() - crate::body::strip_bom(&body).len();
    body.drain(..bom);
    (std::mem::take(response.headers_mut()), body)
}
