//! Reading response bodies with a size cap. A leaf module: the runtime
//! (API responses) and `auth::token` (token responses) both read through
//! it, and it depends on neither.

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

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn an_excerpt_is_at_most_512_bytes() {
        assert_eq!(excerpt(b"short"), "short");
        let long = excerpt(&[b'x'; 2000]);
        assert_eq!(long.len(), 512);
        assert!(long.ends_with('…'));
        let multibyte = excerpt("é".repeat(600).as_bytes());
        assert!(multibyte.len() <= 512, "{}", multibyte.len());
    }
}
