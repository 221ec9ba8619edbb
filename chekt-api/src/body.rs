//! Reading response bodies with a size cap. A leaf module: the runtime
//! (API responses) and `auth::token` (token responses) both read through
//! it, and it depends on neither. Decoding JSON with the failing path
//! ([`decode`]) lives here for the same reason.

use reqwest::Response;

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

/// The first bytes of a body, lossily decoded, for error messages: at most
/// 512 bytes, ending in `…` when cut.
pub(crate) fn excerpt(bytes: &[u8]) -> String {
    const MAX: usize = 512;
    if bytes.len() <= MAX {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    let ellipsis = '…';
    let mut text = String::from_utf8_lossy(&bytes[..MAX - ellipsis.len_utf8()]).into_owned();
    // A multi-byte character cut in half becomes U+FFFD (3 bytes): trim
    // back to the budget.
    while text.len() > MAX - ellipsis.len_utf8() {
        text.pop();
    }
    text.push(ellipsis);
    text
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
    use super::{decode, excerpt};

    #[test]
    fn an_excerpt_is_at_most_512_bytes() {
        assert_eq!(excerpt(b"short"), "short");
        let long = excerpt(&[b'x'; 2000]);
        assert_eq!(long.len(), 512);
        assert!(long.ends_with('…'));
        let multibyte = excerpt("é".repeat(600).as_bytes());
        assert!(multibyte.len() <= 512, "{}", multibyte.len());
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
