//! A hostile review of the request pipeline (issue 23): instances of its
//! behaviours the first tests did not cover, against a loopback server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use chekt_api::http::{HeaderName, HeaderValue, Method};
use chekt_api::prelude::*;
use chekt_api::retry::RetryPolicy;
use chekt_api::{Client, Error, RequestOptions};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "static-test-token";

async fn answering(status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(status).set_body_json(serde_json::json!([])))
        .mount(&server)
        .await;
    server
}

fn client_at(base: String, retry: RetryPolicy) -> Client {
    Client::builder()
        .base_url(base)
        .bearer_token(TOKEN)
        .retry(retry)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_huge_backoff_is_a_timeout_not_a_panic() {
    let server = answering(503).await;
    let huge = RetryPolicy::default()
        .base_delay(Duration::MAX)
        .max_delay(Duration::MAX);
    let client = client_at(server.uri(), huge);
    // The jitter is random: enough calls that a draw near the cap comes up.
    const CALLS: usize = 24;
    let started = Instant::now();
    for _ in 0..CALLS {
        let err = client
            .request(Method::GET, "/partner/v1/dealers/42/firmware")
            .with_options(RequestOptions::new().timeout(Duration::from_secs(30)))
            .send_as::<serde_json::Value>()
            .await
            .unwrap_err();
        assert!(err.is_timeout(), "{err:?}");
        assert_eq!(err.attempts(), 1);
    }
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "not waited out"
    );
    let seen = server.received_requests().await.unwrap().len();
    assert_eq!(seen, CALLS);
}

#[tokio::test]
async fn extreme_call_timeouts_do_not_panic() {
    let server = answering(200).await;
    let client = client_at(server.uri(), RetryPolicy::none());
    let ok = client
        .request(Method::GET, "/partner/v1/x")
        .with_options(RequestOptions::new().timeout(Duration::MAX))
        .send_as::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(ok.into_inner(), serde_json::json!([]));
    let err = client
        .request(Method::GET, "/partner/v1/x")
        .with_options(RequestOptions::new().timeout(Duration::ZERO))
        .send_as::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
}

#[tokio::test]
async fn owned_headers_are_refused_in_any_letter_case() {
    let server = answering(200).await;
    let client = client_at(server.uri(), RetryPolicy::none());
    for owned in [
        "AUTHORIZATION",
        "Api-Version",
        "X-Partner-Trace-Id",
        "Cookie",
    ] {
        let name = HeaderName::from_bytes(owned.as_bytes()).unwrap();
        let options = RequestOptions::new().header(name, HeaderValue::from_static("mine"));
        let err = client
            .request(Method::GET, "/partner/v1/x")
            .with_options(options)
            .send_as::<serde_json::Value>()
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidRequest { .. }),
            "{owned}: {err:?}"
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_raw_path_cannot_climb_out_of_the_base_url() {
    let server = answering(200).await;
    let client = client_at(format!("{}/api", server.uri()), RetryPolicy::none());
    for bad in [
        "/../admin",
        "/partner/../../admin",
        "/%2e%2e/admin",
        "/%2E%2e/admin",
        "/.%2e/admin",
        "/partner/./x",
        "/partner/%2e/x",
        "/..",
        "/partner\\..\\admin",
        "/x/..?q=1",
        "http://evil.example/x",
        "//evil.example/x",
    ] {
        let err = client
            .request(Method::GET, bad)
            .send_as::<serde_json::Value>()
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidRequest { .. }),
            "{bad}: {err:?}"
        );
        assert!(err.to_string().contains(bad), "{err}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
    // Dots inside a segment are fine.
    client
        .request(Method::GET, "/api/v1.2/file..name")
        .send_as::<serde_json::Value>()
        .await
        .unwrap();
    let seen = server.received_requests().await.unwrap();
    assert_eq!(seen[0].url.path(), "/api/api/v1.2/file..name");
}
