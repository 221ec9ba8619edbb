//! Reading response bodies with a size cap, as real servers send them. A
//! leaf module: the runtime (API responses) and `auth::token` (token
//! responses) both read through it, and it depends on neither. Decoding
//! JSON with the failing path ([`decode`]) lives here for the same reason.
//!
//! * RFC 8259 §8.1 lets a parser ignore a leading UTF-8 byte-order mark:
//!   [`strip_bom`] / [`without_bom`] drop it before any JSON is decoded
//!   (success, error and token bodies).
//! * With the `compression` feature the HTTP client asks for and decodes
//!   `gzip` and `deflate` (reqwest's `gzip`/`deflate` features), which
//!   removes `Content-Encoding` from the response it hands on; without it,
//!   none. A `Content-Encoding` still present is one the client did not ask
//!   for (`br`, `zstd`, `compress`, `gzip` without the feature, ...):
//!   [`unsupported_encoding`] names it, and the caller fails with a typed
//!   error instead of "undecodable at line 1 column 1".

use bytes::{Bytes, BytesMut};
use reqwest::Response;
use reqwest::header::{CONTENT_ENCODING, HeaderMap};

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The server's `x-request-id` header, when it is text.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")?
        .to_str()
        .ok()
        .map(str::to_string)
}

/// `body` without a leading UTF-8 byte-order mark.
pub(crate) fn strip_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix(BOM).unwrap_or(body)
}

/// `body` without a leading UTF-8 byte-order mark: the same buffer, sliced
/// (no copy); untouched when it has none.
pub(crate) fn without_bom(body: Bytes) -> Bytes {
    if body.starts_with(BOM) {
        body.slice(BOM.len()..)
    } else {
        body
    }
}

/// The `Content-Encoding` of a response the HTTP client did not decode
/// (anything but `identity`), as the server spelled it (at most 64
/// characters).
pub(crate) fn unsupported_encoding(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(CONTENT_ENCODING)?;
    let text = String::from_utf8_lossy(value.as_bytes()).trim().to_string();
    let identity = text.is_empty() || text.eq_ignore_ascii_case("identity");
    (!identity).then(|| text.chars().take(64).collect())
}

/// Reads a body whose length (`length` bytes) the HTTP layer enforces:
/// the one chunk it came in as is (no copy), else the chunks joined. What
/// `Response::bytes` does, in a future a quarter of its size (it holds the
/// response, and collects into a queue it allocates).
pub(crate) async fn read_whole(response: &mut Response, length: u64) -> reqwest::Result<Bytes> {
    let Some(first) = response.chunk().await? else {
        return Ok(Bytes::new());
    };
    let Some(second) = response.chunk().await? else {
        return Ok(first);
    };
    // The declared length, but not far ahead of what arrived: a length
    // alone does not reserve memory.
    let expected = usize::try_from(length).unwrap_or(usize::MAX);
    let mut body = BytesMut::with_capacity(expected.min(first.len() + second.len() + (1 << 16)));
    body.extend_from_slice(&first);
    body.extend_from_slice(&second);
    while let Some(chunk) = response.chunk().await? {
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Reads a body whole unless it is larger than `limit` bytes (by
/// `Content-Length`, or as it streams in): `None` then, the rest unread.
pub(crate) async fn read_capped(
    response: &mut Response,
    limit: usize,
) -> reqwest::Result<Option<Vec<u8>>> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Ok(None);
    }
    let mut body = Vec::new();
    let complete = read_prefix(response, limit, &mut body).await?;
    Ok(complete.then_some(body))
}

/// Appends at most `limit` bytes of a body to `body`; `true` when that was
/// all of it. On a transport error, what arrived before it stays in `body`.
pub(crate) async fn read_prefix(
    response: &mut Response,
    limit: usize,
    body: &mut Vec<u8>,
) -> reqwest::Result<bool> {
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            body.extend_from_slice(&chunk[..limit - body.len()]);
            return Ok(false);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(true)
}

/// Decodes `body` as `T`: serde_json's fast path, and on failure a second
/// pass with `serde_path_to_error` for the JSON path (`None` at the root)
/// and the reason. Success costs nothing extra.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    body: &[u8],
) -> Result<T, (Option<String>, String)> {
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    let deserializer = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize::<_, T>(deserializer).map_err(|e| {
        let path = e.path().to_string();
        ((path != ".").then_some(path), e.into_inner().to_string())
    })
}

#[cfg(test)]
mod tests {
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
        let body = Bytes::from_static(b"\xEF\xBB\xBF[1]");
        assert_eq!(without_bom(body), Bytes::from_static(b"[1]"));
        assert_eq!(
            without_bom(Bytes::from_static(b"\xEF\xBB")),
            Bytes::from_static(b"\xEF\xBB")
        );
    }

    #[test]
    fn only_identity_or_no_encoding_is_unsupported() {
        use reqwest::header::HeaderValue;
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

    #[test]
    fn a_decode_failure_names_the_json_path() {
        #[derive(Debug, serde::Deserialize)]
        struct Row {
            #[allow(dead_code)]
            timezone: String,
        }
        let rows: Vec<Row> = decode(br#"[{"timezone":"Asia/Seoul"}]"#).unwrap();
        assert_eq!(rows.len(), 1);
        let (path, reason) =
            decode::<Vec<Row>>(br#"[{"timezone":"UTC"},{"timezone":null}]"#).unwrap_err();
        assert_eq!(path.as_deref(), Some("[1].timezone"));
        assert!(reason.contains("invalid type: null"), "{reason}");
        let (path, _) = decode::<Vec<Row>>(b"not json").unwrap_err();
        assert_eq!(path, None, "the root has no path");
    }
}
