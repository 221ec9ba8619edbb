//! Response bodies as real servers send them: a UTF-8 byte-order mark
//! before JSON, and content encodings.
//!
//! * RFC 8259 §8.1 lets a parser ignore a leading BOM: [`strip_bom`] drops
//!   it before any JSON is decoded (success, error and token bodies).
//! * The HTTP client asks for and decodes `gzip` and `deflate` (reqwest's
//!   `gzip`/`deflate` features), which removes `Content-Encoding` from the
//!   response it hands on. A `Content-Encoding` still present is one the
//!   client did not ask for (`br`, `zstd`, `compress`, ...):
//!   [`unsupported_encoding`] names it and the call fails with
//!   [`Error::ContentEncoding`](crate::Error::ContentEncoding) instead of
//!   "undecodable at line 1 column 1".

use reqwest::header::{CONTENT_ENCODING, HeaderMap};
use reqwest::{Response, StatusCode};

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// `body` without a leading UTF-8 byte-order mark.
pub(crate) fn strip_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix(BOM).unwrap_or(body)
}

/// `body` as [`Bytes`] without a leading UTF-8 byte-order mark (no copy).
pub(crate) fn without_bom(body: Vec<u8>) -> bytes::Bytes {
    let body = bytes::Bytes::from(body);
    let start = body.len() - strip_bom(&body).len();
    body.slice(start..)
}

/// The `Content-Encoding` of a response the HTTP client did not decode
/// (anything but `identity`), as the server spelled it.
pub(crate) fn unsupported_encoding(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(CONTENT_ENCODING)?;
    let text = String::from_utf8_lossy(value.as_bytes()).trim().to_string();
    let identity = text.is_empty() || text.eq_ignore_ascii_case("identity");
    (!identity).then(|| text.chars().take(64).collect())
}

/// Why a body was not read: it is in an encoding the client did not ask
/// for. Travels as the source of the body-read error and becomes
/// [`Error::ContentEncoding`](crate::Error::ContentEncoding).
#[derive(Debug, thiserror::Error)]
#[error(
    "the {status} response body is in content-encoding `{encoding}`, which the client did not ask for"
)]
pub(crate) struct EncodingRefused {
    pub status: StatusCode,
    pub encoding: String,
}

/// `response` with its status and headers, and a body whose first read
/// fails with [`EncodingRefused`]: the encoded bytes are never decoded as
/// JSON.
pub(crate) fn refuse(response: Response, encoding: String) -> Response {
    let status = response.status();
    let http: http::Response<reqwest::Body> = response.into();
    let (parts, _) = http.into_parts();
    let failure = futures::stream::once(async move {
        Err::<bytes::Bytes, _>(EncodingRefused { status, encoding })
    });
    Response::from(http::Response::from_parts(
        parts,
        reqwest::Body::wrap_stream(failure),
    ))
}

/// The [`EncodingRefused`] behind a body-read error, if that is what it
/// was.
pub(crate) fn refused<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a EncodingRefused> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<EncodingRefused>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn a_bom_is_dropped_once_and_only_at_the_start() {
        assert_eq!(strip_bom(b"\xEF\xBB\xBF{\"a\":1}"), b"{\"a\":1}");
        assert_eq!(
            strip_bom(b"{\"a\":\"\xEF\xBB\xBF\"}"),
            b"{\"a\":\"\xEF\xBB\xBF\"}"
        );
        assert_eq!(strip_bom(b"\xEF\xBB\xBF\xEF\xBB\xBF[]"), b"\xEF\xBB\xBF[]");
        assert_eq!(strip_bom(b""), b"");
    }

    #[test]
    fn only_identity_or_no_encoding_is_supported() {
        let encoded = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(CONTENT_ENCODING, HeaderValue::from_static(v));
            unsupported_encoding(&h)
        };
        assert_eq!(unsupported_encoding(&HeaderMap::new()), None);
        assert_eq!(encoded("identity"), None);
        assert_eq!(encoded("br"), Some("br".to_string()));
        assert_eq!(
            encoded("x-custom, gzip"),
            Some("x-custom, gzip".to_string())
        );
    }

    #[tokio::test]
    async fn a_refused_body_fails_to_read_with_the_encoding() {
        let response = Response::from(http::Response::new(reqwest::Body::from("\u{1f}x")));
        let error = refuse(response, "br".to_string())
            .bytes()
            .await
            .unwrap_err();
        let found = refused(&error).map(|r| r.encoding.as_str());
        assert_eq!(found, Some("br"));
    }
}
