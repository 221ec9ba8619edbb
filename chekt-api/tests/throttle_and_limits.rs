//! Client-side throttling and the response size limit, against a local
//! mock server (what the tracing spans record: `tests/tracing_output.rs`).
//! Bodies come from `spec/recordings`; the rate-limit headers are set per
//! test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

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

/// Blocks (like a signer on a slow device) `delay` before the first
/// attempt it sees, after the call's deadline has been set.
struct SlowFirstAttempt {
    delay: Duration,
    done: std::sync::atomic::AtomicBool,
}

impl chekt_api::Interceptor for SlowFirstAttempt {
    fn before_attempt(&self, _: &chekt_api::AttemptInfo<'_>, _: &mut reqwest::Request) {
        if !self.done.swap(true, std::sync::atomic::Ordering::SeqCst) {
            std::thread::sleep(self.delay);
        }
    }
}

/// The throttle's slot goes to a request sent: an attempt the deadline
/// stops after its interceptors ran (nothing sent) gives its slot back.
// Threat: calls that time out before sending burn the client-side budget, and the next call waits a whole period.
#[tokio::test]
async fn a_throttle_slot_not_used_for_a_send_is_given_back() {
    let server = sites_server(sites_with_window(50, 60), 1).await;
    let client = builder(&server)
        .throttle(Throttle::new().budget(1, Duration::from_secs(60)))
        .interceptor(SlowFirstAttempt {
            delay: Duration::from_millis(300),
            done: false.into(),
        })
        .build()
        .unwrap();
    let hurried = client
        .list_sites()
        .dealer_id(42)
        .with_options(chekt_api::RequestOptions::new().timeout(Duration::from_millis(100)))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(hurried, Error::DeadlineExceeded { .. }),
        "{hurried:?}"
    );
    assert_eq!(hurried.attempts(), 0, "nothing was sent");
    // The one slot of the minute is still there: no wait for the refill.
    let next = client
        .list_sites()
        .dealer_id(42)
        .with_options(chekt_api::RequestOptions::new().timeout(Duration::from_secs(5)))
        .send()
        .await;
    assert!(next.is_ok(), "the slot was used up: {next:?}");
}
