//! What the tracing output records (spans with OpenTelemetry's field
//! names, retries) and never records (secrets, filled-in URLs), against
//! a local mock server.
//!
//! Each test installs its subscriber with `set_default` before it calls
//! the client. They live in a binary of their own: tracing caches each
//! callsite's interest process-wide, and a test elsewhere reaching a
//! callsite first with no subscriber could race a `set_default` here and
//! leave that callsite switched off for these tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chekt_api::Client;
use chekt_api::http::Method;
use chekt_api::prelude::*;
use chekt_api::retry::RetryPolicy;
use support::recordings;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "static-test-token";

/// A sites response reporting `remaining` requests left, resetting in
/// `reset_in` seconds.
fn sites_with_window(remaining: u64, reset_in: u64) -> ResponseTemplate {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    ResponseTemplate::new(200)
        .insert_header("x-ratelimit-limit", "60")
        .insert_header("x-ratelimit-remaining", remaining.to_string().as_str())
        .insert_header("x-ratelimit-reset", (now + reset_in).to_string().as_str())
        .set_body_json(recordings::body("list_sites", "200-first-page.json"))
}

/// Collects everything the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// A TRACE-level subscriber writing here (span closes included), the
    /// default on this thread until the guard drops.
    fn installed() -> (Self, tracing::subscriber::DefaultGuard) {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        (captured, tracing::subscriber::set_default(subscriber))
    }
}

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

    let (captured, _guard) = Captured::installed();

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

#[tokio::test]
async fn a_transport_retry_logs_neither_the_filled_in_url_nor_its_query() {
    // A port nobody listens on: every attempt is refused, and retried.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let (captured, _guard) = Captured::installed();
    let client = Client::builder()
        .base_url(base)
        .bearer_token(TOKEN)
        .retry(
            RetryPolicy::default()
                .max_attempts(2)
                .base_delay(Duration::from_millis(1))
                .max_delay(Duration::from_millis(5)),
        )
        .build()
        .unwrap();
    let err = client
        .request(Method::GET, "/partner/v1/dealers/4242/firmware")
        .query(&[("signature", "sig_5e6f7a8b9c0d")])
        .send_as::<serde_json::Value>()
        .await
        .unwrap_err();
    assert_eq!(err.attempts(), 2, "{err:?}");
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("retrying after a transport error"), "{log}");
    for leak in ["sig_5e6f7a8b9c0d", "/dealers/4242", TOKEN] {
        assert!(!log.contains(leak), "`{leak}` in the log:\n{log}");
    }
}
