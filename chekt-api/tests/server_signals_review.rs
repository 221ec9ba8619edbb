//! A hostile review of issue 24's kinds: other instances of each kind than
//! the ones `server_signals.rs` names. Loopback wiremock servers only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use chekt_api::prelude::*;
use chekt_api::retry::RetryPolicy;
use chekt_api::{Client, Error};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SITES: &str = "/partner/v1/dealers/42/sites";

fn client(server: &MockServer, retry: RetryPolicy) -> Client {
    client_at(server.uri(), retry)
}

fn client_at(base_url: String, retry: RetryPolicy) -> Client {
    Client::builder()
        .base_url(base_url)
        .timeout(Duration::from_secs(5))
        .retry(retry)
        .bearer_token("tok-5f4e3d2c1b0a")
        .build()
        .unwrap()
}

async fn list_sites(client: &Client) -> Result<usize, Error> {
    tokio::time::timeout(
        Duration::from_secs(20),
        client.list_sites().dealer_id(42).send(),
    )
    .await
    .expect("the call finished")
    .map(|sites| sites.len())
}

async fn serve(response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

// Threat: an error status whose body comes in a Content-Encoding the
// client did not ask for (a CDN's `br` page) loses its status: a 503 or
// 429 becomes a content-encoding error that is not retried and drops
// Retry-After.
#[tokio::test]
async fn an_error_status_in_an_unasked_encoding_is_still_classified_by_status() {
    for (status, encoding) in [(503u16, "br"), (429, "zstd"), (502, "x-gzip-custom")] {
        let server = serve(
            ResponseTemplate::new(status)
                .insert_header("content-encoding", encoding)
                .insert_header("retry-after", "9")
                .set_body_raw(b"\x1b\x07\x00\xf8\xa5\x40".to_vec(), "text/html"),
        )
        .await;
        let err = list_sites(&client(&server, RetryPolicy::none()))
            .await
            .unwrap_err();
        let what = format!("{status} {encoding}: {err:?}");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{what}");
        match &err {
            Error::RateLimited {
                retry_after,
                message,
                ..
            } => {
                assert_eq!(*retry_after, Some(Duration::from_secs(9)), "{what}");
                assert!(message.contains(encoding), "{what}");
            }
            Error::Server { message, .. } => assert!(message.contains(encoding), "{what}"),
            _ => panic!("not classified by its status: {what}"),
        }
        assert!(err.is_retryable(), "{what}");
    }
}

// Threat: a gateway labels a plain HTML page `gzip`: decoding fails part
// way, and the status must still win.
#[tokio::test]
async fn a_5xx_falsely_labelled_gzip_is_a_server_error() {
    for status in [502u16, 504, 599] {
        let server = serve(
            ResponseTemplate::new(status)
                .insert_header("content-encoding", "gzip")
                .set_body_raw(
                    b"<html>Bad Gateway</html>".to_vec(),
                    "text/html; charset=utf-8",
                ),
        )
        .await;
        let err = list_sites(&client(&server, RetryPolicy::none()))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Server { .. }), "{status}: {err:?}");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
    }
}

// Threat: JSON that is not an object (`null`, an array, a string), invalid
// UTF-8, or a body shorter than its Content-Length on a 429/5xx.
#[tokio::test]
async fn odd_bodies_on_429_and_5xx_keep_the_status() {
    let bodies: [&[u8]; 5] = [
        b"null",
        br#"[{"message":"slow"}]"#,
        br#""maintenance""#,
        b"\xff\xfe busy \xc3",
        b"",
    ];
    for status in [429u16, 502, 504, 599] {
        for body in bodies {
            let server = serve(
                ResponseTemplate::new(status)
                    .insert_header("retry-after", " 5 ")
                    .set_body_raw(body.to_vec(), "text/html; charset=utf-8"),
            )
            .await;
            let err = list_sites(&client(&server, RetryPolicy::none()))
                .await
                .unwrap_err();
            let what = format!("{status} {body:?}: {err:?}");
            assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{what}");
            match &err {
                Error::RateLimited { retry_after, .. } => {
                    assert_eq!(*retry_after, Some(Duration::from_secs(5)), "{what}")
                }
                Error::Server { .. } => {}
                _ => panic!("{what}"),
            }
        }
    }
}

// Threat: Retry-After in the obsolete date forms RFC 9110 §5.6.7 says a
// recipient must accept, in hex, duplicated, or with non-ASCII bytes.
#[tokio::test]
async fn retry_after_in_every_form_a_server_writes() {
    let far_past = Some(Duration::ZERO);
    let cases: [(&[&[u8]], Option<Duration>); 6] = [
        (&[b"Sunday, 06-Nov-94 08:49:37 GMT"], far_past),
        (&[b"Sun Nov  6 08:49:37 1994"], far_past),
        (&[b"0x10"], None),
        (&[b"3", b"600"], Some(Duration::from_secs(3))),
        (&[b"\xe2\x80\x8b5"], None),
        (&[b"Sat, 01 Jan 2000 00:00:00 GMT"], far_past),
    ];
    for (values, expected) in cases {
        let mut response = ResponseTemplate::new(429).set_body_string("slow down");
        for value in values {
            response = response.append_header(
                "retry-after",
                wiremock::http::HeaderValue::from_bytes(value).unwrap(),
            );
        }
        let server = serve(response).await;
        let err = list_sites(&client(&server, RetryPolicy::none()))
            .await
            .unwrap_err();
        assert_eq!(err.retry_after(), expected, "{values:?}: {err:?}");
    }
}

// Threat: a secret inside JSON that an error body quotes as a string
// (double-encoded), or in a Python-style repr, or in a URL's query string.
#[tokio::test]
async fn secrets_in_quoted_json_reprs_and_query_strings_never_reach_an_error() {
    const SECRET: &str = "hunter2-secret-value";
    let bodies = [
        format!(r#"{{"message":"upstream said {{\"access_token\":\"{SECRET}\",\"n\":1}}"}}"#),
        format!(r#"{{"errors":[{{"ctx":{{"client_secret":"{SECRET}"}}}}]}}"#),
        format!("failed: {{'refresh_token': '{SECRET}', 'x': 1}}"),
        format!("redirect to https://app.example/cb?state=1&access_token={SECRET}&x=2"),
        format!(r#"{{"message":"bad","detail":{{"password":{SECRET:?}}}}}"#),
        format!(r#"{{"message":"{{\"\u0061ccess_token\": \"{SECRET}\"}}"}}"#),
    ];
    for body in bodies {
        let server = serve(ResponseTemplate::new(500).set_body_string(body.clone())).await;
        let err = list_sites(&client(&server, RetryPolicy::none()))
            .await
            .unwrap_err();
        let shown = format!("{err} {err:?} {err:#}");
        assert!(!shown.contains(SECRET), "{body}: {shown}");
    }
}

// Threat: the token endpoint's 503 in an encoding the client cannot decode
// is a permanent content-encoding error instead of a retried outage.
#[tokio::test]
async fn a_token_endpoint_503_in_an_unasked_encoding_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("content-encoding", "br")
                .insert_header("retry-after", "0")
                .set_body_raw(b"\x1b\x07\x00".to_vec(), "text/html"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"access_token": "at-1", "token_type": "Bearer", "expires_in": 60}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([])))
        .mount(&server)
        .await;
    let partner = Client::builder()
        .base_url(server.uri())
        .timeout(Duration::from_secs(5))
        .retry(RetryPolicy::default().base_delay(Duration::from_millis(10)))
        .client_credentials("partner-1", "client-secret-7e6d5c4b")
        .build()
        .unwrap();
    assert_eq!(list_sites(&partner).await.unwrap(), 0);
    let token_requests = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/oauth/token")
        .count();
    assert_eq!(token_requests, 2);
}

// Threat: a redirect's Location is a network-path reference (no scheme)
// carrying user info; it is not a URL the parser reads, so it is shown raw.
#[tokio::test]
async fn a_scheme_less_location_with_user_info_is_redacted() {
    let server = serve(
        ResponseTemplate::new(302).insert_header("location", "//svc:hunter2-secret@evil.example/x"),
    )
    .await;
    let err = list_sites(&client(&server, RetryPolicy::none()))
        .await
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(matches!(err, Error::Redirect { .. }), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
}

/// A loopback server answering every connection with `raw`, then closing.
async fn raw_server(raw: &'static [u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request).await;
            let _ = stream.write_all(raw).await;
            let _ = stream.shutdown().await;
        }
    });
    format!("http://{address}")
}

// Threat: lengths the server controls: a body shorter than its
// Content-Length, a Content-Length no u64 holds, one far above the cap.
#[tokio::test]
async fn lengths_the_server_sends_never_panic_or_lose_the_status() {
    let short: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 1000\r\n\
        Retry-After: 2\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html>down";
    let err = list_sites(&client_at(raw_server(short).await, RetryPolicy::none()))
        .await
        .unwrap_err();
    match &err {
        Error::Server {
            status, message, ..
        } => {
            assert_eq!(status.as_u16(), 503);
            assert!(message.contains("<html>down"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // A 5xx's Retry-After reaches the caller too.
    assert_eq!(err.retry_after(), Some(Duration::from_secs(2)), "{err:?}");

    let overflow: &[u8] =
        b"HTTP/1.1 429 Too Many Requests\r\nContent-Length: 18446744073709551616\r\n\r\n";
    let huge: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
        Content-Length: 9999999999999\r\n\r\n[]";
    for raw in [overflow, huge] {
        // Any typed error will do; the call must end and not panic.
        let err = list_sites(&client_at(raw_server(raw).await, RetryPolicy::none()))
            .await
            .unwrap_err();
        assert!(!format!("{err:?}").is_empty());
    }
}
