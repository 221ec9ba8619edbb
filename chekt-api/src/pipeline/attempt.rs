//! One attempt's request and response: a repeatable copy of the request,
//! and the response body read under the client's size limit.

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Request, Response, StatusCode};

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

/// A copy of `request` kept for the next attempt while `request` is sent;
/// `None` when its body is a stream, which cannot be repeated.
///
/// What `Request::try_clone` does, without its waste: that allocates the
/// request's extension map just to copy the timeout into it (requests carry
/// nothing else there). The header map is cloned whole, hashes included,
/// not rebuilt header by header.
pub(crate) fn duplicate(request: &Request) -> Option<Request> {
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
    *copy.headers_mut() = request.headers().clone();
    *copy.version_mut() = request.version();
    *copy.body_mut() = body;
    Some(copy)
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use reqwest::{Body, Method, Version};

    use super::*;

    fn request(body: Option<Body>) -> Request {
        let url = "http://localhost/partner/v1/dealers/42/sites?limit=5".parse();
        let mut request = Request::new(Method::PATCH, url.expect("a valid URL"));
        let headers = request.headers_mut();
        headers.insert("x-partner-trace-id", HeaderValue::from_static("trace-1"));
        headers.append("x-repeated", HeaderValue::from_static("first"));
        headers.append("x-repeated", HeaderValue::from_static("second"));
        *request.timeout_mut() = Some(Duration::from_secs(3));
        *request.version_mut() = Version::HTTP_2;
        *request.body_mut() = body;
        request
    }

    #[test]
    fn a_duplicate_is_the_same_request() {
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
