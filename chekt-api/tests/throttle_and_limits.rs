//! Client-side throttling, the response size limit, and what the tracing
//! spans record (and never record), against a local mock server.
//! Bodies come from `spec/recordings`; the rate-limit headers are set per
//! test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chekt_api::prelude::*;
use chekt_api::rate_limit::Throttle;
use chekt_api::{Client, Error};
use support::recordings;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A sites response reporting `remaining` requests left, resetting in
/// `reset_in` seconds.
fn sites_with_window(remaining: u64, reset_in: u64) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("x-ratelimit-limit", "60")
        .insert_header("x-ratelimit-remaining", remaining.to_string().as_str())
        .insert_header(
            "x-ratelimit-reset",
            (unix_now() + reset_in).to_string().as_str(),
        )
        .set_body_json(recordings::body("list_sites", "200-first-page.json"))
}

async fn sites_server(response: ResponseTemplate, expected_calls: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/partner/v1/dealers/42/sites"))
        .respond_with(response)
        .expect(expected_calls)
        .mount(&server)
        .await;
    server
}

fn builder(server: &MockServer) -> chekt_api::ClientBuilder {
    Client::builder()
        .base_url(server.uri())
        .bearer_token("test-access-token")
}

#[tokio::test]
async fn an_exhausted_window_makes_the_next_call_wait_for_the_reset() {
    let server = sites_server(sites_with_window(0, 2), 2).await;
    let client = builder(&server).throttle(Throttle::new()).build().unwrap();
    client.list_sites().dealer_id(42).send().await.unwrap();
    let window = client.last_rate_limit().unwrap();
    assert!(window.is_exhausted());
    let reset = window.reset.unwrap();
    client.list_sites().dealer_id(42).send().await.unwrap();
    // The second request went out only once the window had reset (robust
    // to a slow machine, unlike measuring the wait).
    let after = SystemTime::now();
    assert!(
        after >= reset,
        "sent {:?} before the reset",
        reset.duration_since(after).unwrap_or_default()
    );
}

#[tokio::test]
async fn a_reset_beyond_max_wait_fails_fast_without_sending() {
    let server = sites_server(sites_with_window(0, 3600), 1).await;
    let client = builder(&server)
        .throttle(Throttle::new().max_wait(Duration::from_secs(1)))
        .build()
        .unwrap();
    client.list_sites().dealer_id(42).send().await.unwrap();
    let err: Error = client.list_sites().dealer_id(42).send().await.unwrap_err();
    let Error::Throttled { resets_in, .. } = &err else {
        panic!("expected Throttled, got {err:?}");
    };
    let wait = *resets_in;
    assert!(
        wait > Duration::from_secs(3500) && wait <= Duration::from_secs(3600),
        "{wait:?}"
    );
    assert_eq!(err.retry_after(), Some(wait));
    assert_eq!(err.status(), None, "nothing was sent");
    assert!(err.to_string().contains("max_wait"), "{err}");
    assert!(err.is_retryable());
    // `expect(1)` on drop: the second call never reached the server.
}

#[tokio::test]
async fn without_a_throttle_an_exhausted_window_is_not_waited_for() {
    let server = sites_server(sites_with_window(0, 3600), 2).await;
    let client = builder(&server).build().unwrap();
    client.list_sites().dealer_id(42).send().await.unwrap();
    client.list_sites().dealer_id(42).send().await.unwrap();
}

#[tokio::test]
async fn a_budget_spreads_calls_out() {
    let server = sites_server(sites_with_window(50, 60), 3).await;
    let client = builder(&server)
        .throttle(Throttle::new().budget(1, Duration::from_millis(400)))
        .build()
        .unwrap();
    let start = Instant::now();
    for _ in 0..3 {
        client.list_sites().dealer_id(42).send().await.unwrap();
    }
    // One at once, then one per 400 ms.
    assert!(
        start.elapsed() >= Duration::from_millis(790),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn a_success_body_over_the_limit_is_refused() {
    // 200 recorded site rows (the recorded sites over and over).
    let recorded = recordings::sites();
    let sites: Vec<_> = recorded.iter().cycle().take(200).cloned().collect();
    let server = sites_server(ResponseTemplate::new(200).set_body_json(sites), 2).await;
    let small = builder(&server).max_response_size(4096).build().unwrap();
    let err: Error = small.list_sites().dealer_id(42).send().await.unwrap_err();
    match &err {
        Error::ResponseTooLarge {
            operation,
            status,
            limit,
            ..
        } => {
            assert_eq!(*operation, "list_sites");
            assert_eq!(status.as_u16(), 200);
            assert_eq!(*limit, 4096);
        }
        other => panic!("expected ResponseTooLarge, got {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "the 200 OK response body of list_sites exceeds the client's limit of 4096 bytes"
    );
    let roomy = builder(&server).build().unwrap();
    assert_eq!(
        roomy.list_sites().dealer_id(42).send().await.unwrap().len(),
        200
    );
}

/// Collects everything the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn spans_record_the_call_and_never_a_secret() {
    const CLIENT_SECRET: &str = "cs_9f8e7d6c5b4a39281706";
    const ACCESS_TOKEN: &str = "at_1b2c3d4e5f60718293a4";
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json({
            let mut token = recordings::body("create_token", "200-client-credentials.json");
            token["access_token"] = ACCESS_TOKEN.into();
            token
        }))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/partner/v1/dealers/42/sites"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/partner/v1/dealers/42/sites"))
        .respond_with(sites_with_window(10, 60))
        .mount(&server)
        .await;

    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let client = Client::builder()
        .base_url(server.uri())
        .client_credentials("partner-id", CLIENT_SECRET)
        .build()
        .unwrap();
    tracing::debug!(?client, "built");
    client.list_sites().dealer_id(42).send().await.unwrap();
    let requests = server.received_requests().await.unwrap();
    let sent_trace = requests
        .iter()
        .rev()
        .find_map(|r| r.headers.get("x-partner-trace-id"))
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap();

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("chekt.request"), "{log}");
    assert!(log.contains(r#"operation="list_sites""#), "{log}");
    // OpenTelemetry HTTP client attribute names.
    assert!(log.contains(r#"http.request.method="GET""#), "{log}");
    assert!(
        log.contains(r#"url.template="/partner/v1/dealers/{dealerId}/sites""#),
        "{log}"
    );
    assert!(log.contains("chekt.attempt"), "one span per attempt: {log}");
    assert!(log.contains("http.response.status_code=503"), "{log}");
    assert!(log.contains(r#"error.type="503""#), "{log}");
    assert!(
        log.contains(&format!(r#"trace_id="{sent_trace}""#)),
        "{log}"
    );
    assert!(log.contains("status=503"), "{log}");
    assert!(
        log.contains("http.request.resend_count=1"),
        "the retry is visible: {log}"
    );
    assert!(
        !log.contains("/dealers/42/"),
        "never the filled-in URL: {log}"
    );
    assert!(log.contains("status=200"), "{log}");
    for secret in [CLIENT_SECRET, ACCESS_TOKEN] {
        assert!(
            !log.contains(secret),
            "secret {secret} leaked into the log:\n{log}"
        );
    }
}
