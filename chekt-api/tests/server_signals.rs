//! Failure signals as real gateways, proxies and CDNs send them: error
//! statuses with bodies that are not the API's JSON (status first), and
//! numbers in headers that are huge, negative, fractional, in milliseconds
//! or relative to another clock. Loopback wiremock servers only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chekt_api::prelude::*;
use chekt_api::rate_limit::{MAX_RESET, Throttle};
use chekt_api::retry::RetryPolicy;
use chekt_api::{Client, Error};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SITES: &str = "/partner/v1/dealers/42/sites";
const TOKEN: &str = "tok-5f4e3d2c1b0a";

fn client(server: &MockServer, retry: RetryPolicy) -> Client {
    Client::builder()
        .base_url(server.uri())
        .timeout(Duration::from_secs(5))
        .retry(retry)
        .bearer_token(TOKEN)
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

async fn mount(server: &MockServer, response: ResponseTemplate, times: Option<u64>) {
    let mock = Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(response);
    match times {
        Some(n) => mock.up_to_n_times(n).mount(server).await,
        None => mock.mount(server).await,
    }
}

/// Bodies a gateway sends instead of the API's JSON error.
const BODIES: &[(&str, &str)] = &[
    ("", "application/json"),
    (
        "upstream connect error or disconnect/reset before headers",
        "text/plain",
    ),
    (
        "<html><head><title>503 Service Temporarily Unavailable</title></head></html>",
        "text/html",
    ),
    (
        r#"{"error":{"code":"UNAVAILABLE","message":"backend down"}}"#,
        "application/json",
    ),
    (r#"{"message":"Internal server error"}"#, "application/json"),
    (r#"{"error":"Service Unav"#, "application/json"),
    (
        r#"{"error":"Service Unavailable","message":"maintenance"}"#,
        "text/html",
    ),
];

// Threat: a 429 or 5xx whose body is not the API's error shape loses its
// status (an "undecodable body"), is not retryable and drops Retry-After.
#[tokio::test]
async fn every_429_and_5xx_is_classified_by_status_whatever_the_body() {
    for status in [429u16, 500, 502, 503, 504] {
        for (body, content_type) in BODIES {
            let server = MockServer::start().await;
            let response = ResponseTemplate::new(status)
                .insert_header("retry-after", "7")
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-request-id", "req_gw")
                .set_body_raw(body.as_bytes().to_vec(), content_type);
            mount(&server, response, None).await;
            let err = list_sites(&client(&server, RetryPolicy::none()))
                .await
                .unwrap_err();
            let what = format!("{status} {body:?}: {err:?}");
            assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{what}");
            assert_eq!(err.request_id(), Some("req_gw"), "{what}");
            let message = match &err {
                Error::RateLimited {
                    message,
                    retry_after,
                    rate_limit,
                    ..
                } => {
                    assert_eq!(*retry_after, Some(Duration::from_secs(7)), "{what}");
                    assert!(
                        rate_limit.as_deref().is_some_and(|r| r.is_exhausted()),
                        "{what}"
                    );
                    assert!(err.is_retryable(), "{what}");
                    message
                }
                Error::Server { message, .. } => {
                    assert_eq!(err.is_retryable(), status != 500, "{what}");
                    message
                }
                _ => panic!("not classified by its status: {what}"),
            };
            let expected = match *body {
                "" => "(empty body)",
                b if b.contains("backend down") => "backend down",
                b if b.contains("Internal server error") => "Internal server error",
                b if b.contains("maintenance") => "maintenance",
                b => b,
            };
            assert!(message.contains(expected), "{what}");
        }
    }
}

// Threat: a 503 from a load balancer with an HTML page and Retry-After is
// given up on instead of being retried after the wait it asked for.
#[tokio::test]
async fn an_html_503_or_429_is_retried_after_its_retry_after() {
    for status in [503u16, 429] {
        let server = MockServer::start().await;
        let busy = ResponseTemplate::new(status)
            .insert_header("retry-after", "0.3")
            .set_body_raw(b"<html>busy</html>".to_vec(), "text/html");
        mount(&server, busy, Some(1)).await;
        mount(
            &server,
            ResponseTemplate::new(200).set_body_json(serde_json::json!([])),
            None,
        )
        .await;
        let start = tokio::time::Instant::now();
        let rows = list_sites(&client(&server, RetryPolicy::default())).await;
        assert_eq!(rows.unwrap(), 0, "{status}");
        assert_eq!(server.received_requests().await.unwrap().len(), 2);
        // The fractional Retry-After was waited out (a generous lower bound).
        assert!(
            start.elapsed() >= Duration::from_millis(250),
            "{status}: {:?}",
            start.elapsed()
        );
    }
}

// Threat: a Retry-After longer than the client will wait, in any form, is
// handed back (bounded) instead of sleeping or overflowing.
#[tokio::test]
async fn an_absurd_retry_after_is_returned_bounded_not_waited() {
    for value in [
        "99999999999999999999999",
        "1e400",
        "Fri, 31 Dec 9999 23:59:59 GMT",
    ] {
        let server = MockServer::start().await;
        let limited = ResponseTemplate::new(429)
            .insert_header("retry-after", value)
            .set_body_string("slow down");
        mount(&server, limited, None).await;
        let err = list_sites(&client(&server, RetryPolicy::default()))
            .await
            .unwrap_err();
        let wait = err.retry_after().expect("a bounded retry_after");
        assert_eq!(wait, chekt_api::rate_limit::MAX_RETRY_AFTER, "{value}");
        assert_eq!(
            server.received_requests().await.unwrap().len(),
            1,
            "{value}"
        );
    }
}

// Threat: one response header makes `send()` panic (a reset no SystemTime
// holds) or locks the client out for ever (a reset in milliseconds).
#[tokio::test]
async fn rate_limit_headers_of_any_magnitude_never_panic_or_lock_out() {
    for reset in [
        "18446744073709551615",
        "-1",
        "1e308",
        "9223372036854775807",
        "NaN",
        "12.5",
    ] {
        let server = MockServer::start().await;
        let ok = ResponseTemplate::new(200)
            .insert_header("x-ratelimit-reset", reset)
            .insert_header("x-ratelimit-limit", "1e30")
            .insert_header("x-ratelimit-remaining", "-3")
            .set_body_json(serde_json::json!([]));
        mount(&server, ok, None).await;
        let client = client(&server, RetryPolicy::none());
        assert_eq!(list_sites(&client).await.unwrap(), 0, "{reset}");
        let window = client.last_rate_limit().expect("a window");
        assert_eq!((window.limit, window.remaining), (Some(u64::MAX), Some(0)));
        let left = window.resets_in(SystemTime::now()).unwrap_or_default();
        assert!(left <= MAX_RESET, "{reset}: {left:?}");
    }

    // A reset sent as a Unix time in milliseconds, half a second ahead: the
    // throttle waits for it, instead of refusing until the year 57 000.
    let server = MockServer::start().await;
    let soon = SystemTime::now() + Duration::from_millis(500);
    let millis = soon
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
        .to_string();
    let exhausted = ResponseTemplate::new(200)
        .insert_header("x-ratelimit-remaining", "0")
        .insert_header("x-ratelimit-reset", millis.as_str())
        .set_body_json(serde_json::json!([]));
    mount(&server, exhausted, None).await;
    let client = Client::builder()
        .base_url(server.uri())
        .bearer_token(TOKEN)
        .throttle(Throttle::new())
        .build()
        .unwrap();
    list_sites(&client).await.unwrap();
    let second = list_sites(&client).await;
    assert!(second.is_ok(), "{second:?}");
}

// Threat: a reset read against our clock when the server's differs by an
// hour: the window would seem to last an hour longer (or be over).
#[tokio::test]
async fn a_reset_is_read_against_the_servers_date() {
    let server = MockServer::start().await;
    let server_now = SystemTime::now() + Duration::from_secs(3 * 3600);
    let reset = server_now.duration_since(UNIX_EPOCH).unwrap().as_secs() + 40;
    let ok = ResponseTemplate::new(200)
        .insert_header("date", httpdate::fmt_http_date(server_now).as_str())
        .insert_header("x-ratelimit-remaining", "0")
        .insert_header("x-ratelimit-reset", reset.to_string().as_str())
        .set_body_json(serde_json::json!([]));
    mount(&server, ok, None).await;
    let client = client(&server, RetryPolicy::none());
    list_sites(&client).await.unwrap();
    let left = client
        .last_rate_limit()
        .and_then(|w| w.resets_in(SystemTime::now()));
    let left = left.expect("a reset");
    assert!(
        (Duration::from_secs(35)..=Duration::from_secs(41)).contains(&left),
        "{left:?}"
    );
}

// Threat: a secret that is not a JSON string (a number, a nested object)
// or sits in a URL's user info slips past redaction into an error, its
// Debug, or a builder's Debug.
#[tokio::test]
async fn secrets_of_any_json_type_never_reach_an_error() {
    const NUMERIC: &str = "99887766554433";
    const NESTED: &str = "nested-secret-4d3c2b1a";
    let bodies = [
        (200, format!(r#"{{"access_token": {NUMERIC}}}"#)),
        (
            200,
            format!(r#"{{"refresh_token": {{"value": "{NESTED}"}}, "rows": ["#),
        ),
        (
            503,
            format!(r#"<p>{{"client_secret": [{NUMERIC}, "{NESTED}"]}}</p>"#),
        ),
        (
            502,
            format!("upstream https://svc:{NESTED}@10.0.0.7/ refused"),
        ),
    ];
    for (status, body) in bodies {
        let server = MockServer::start().await;
        mount(
            &server,
            ResponseTemplate::new(status).set_body_string(body.clone()),
            None,
        )
        .await;
        let err = list_sites(&client(&server, RetryPolicy::none()))
            .await
            .unwrap_err();
        let shown = format!("{err} {err:?} {err:#}");
        assert!(
            !shown.contains(NUMERIC) && !shown.contains(NESTED),
            "{body}: {shown}"
        );
        assert!(shown.contains("[redacted]"), "{body}: {shown}");
    }

    // The token endpoint answers a token that is a number.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_string(format!(
            r#"{{"access_token": {NUMERIC}, "expires_in": 60}}"#
        )))
        .mount(&server)
        .await;
    let partner = Client::builder()
        .base_url(server.uri())
        .retry(RetryPolicy::none())
        .client_credentials("partner-1", "client-secret-0a1b2c3d")
        .build()
        .unwrap();
    let err = list_sites(&partner).await.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(matches!(err, Error::Token(_)), "{shown}");
    assert!(!shown.contains(NUMERIC), "{shown}");

    let builder = Client::builder().base_url(format!("https://partner:{NESTED}@api.chekt.com"));
    let shown = format!("{builder:?}");
    assert!(!shown.contains(NESTED), "{shown}");
}
