//! The whole-call deadline (`RequestOptions::timeout`) under both of its
//! timers: each attempt's HTTP timeout cut to the time left (a client
//! chekt-api built) and the call's own timer (a client from
//! `ClientBuilder::http_client`). Every path (slow headers, dripping success
//! and error bodies, retries, interceptors, the token fetch, paging, raw
//! requests, derived clients) ends at the deadline with
//! `Error::DeadlineExceeded` and the requests sent counted, whichever timer
//! enforces it; an attempt's own timeout before the deadline stays a
//! `Timeout`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chekt_api::http::Method;
use chekt_api::pagination::OffsetPagedExt;
use chekt_api::prelude::*;
use chekt_api::retry::RetryPolicy;
use chekt_api::{Client, ClientBuilder, Error, RequestOptions};

mod support;

const TOKEN: &str = "static-test-token";
const DEADLINE: Duration = Duration::from_millis(600);
/// Generous: the call must end near the deadline, not after the 30 s
/// client timeout or the server's 60 s stall.
const PROMPT: Duration = Duration::from_secs(8);

/// A server answering every request with `head` and the start of `body`,
/// then keeping the connection open without sending more. Counts requests.
async fn stalling(head: String, body: &'static [u8]) -> (String, Arc<AtomicUsize>) {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let head: &'static str = Box::leak(head.into_boxed_str());
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            let seen = seen.clone();
            tokio::spawn(async move {
                while support::read_request(&mut stream).await {
                    seen.fetch_add(1, Ordering::SeqCst);
                    if stream.write_all(head.as_bytes()).await.is_err() {
                        return;
                    }
                    let _ = stream.write_all(body).await;
                    tokio::time::sleep(Duration::from_secs(60)).await;
                }
            });
        }
    });
    (format!("http://{addr}"), count)
}

fn given_http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A client built by chekt-api and one with a given HTTP client.
fn both(base: &str, tweak: impl Fn(ClientBuilder) -> ClientBuilder) -> [(&'static str, Client); 2] {
    let b = || tweak(Client::builder().base_url(base).bearer_token(TOKEN));
    [
        ("built", b().build().unwrap()),
        ("given", b().http_client(given_http()).build().unwrap()),
    ]
}

async fn list(client: &Client, options: RequestOptions) -> (Error, Duration) {
    let started = Instant::now();
    let err = client
        .list_sites()
        .dealer_id(42)
        .with_options(options)
        .send()
        .await
        .unwrap_err();
    (err, started.elapsed())
}

fn assert_deadline(which: &str, err: &Error, elapsed: Duration, attempts: u32) {
    assert!(
        matches!(err, Error::DeadlineExceeded { .. }),
        "{which}: {err:?} after {elapsed:?}"
    );
    assert!(err.is_timeout(), "{which}: {err:?}");
    assert_eq!(err.attempts(), attempts, "{which}: {err:?}");
    assert!(elapsed < PROMPT, "{which}: {elapsed:?}");
}

fn error_head(status: &str, extra: &str, framing: &str) -> String {
    format!("HTTP/1.1 {status}\r\ncontent-type: application/json\r\n{extra}{framing}\r\n")
}

const CL: &str = "content-length: 1000\r\n";
const CHUNKED: &str = "transfer-encoding: chunked\r\n";

/// An error status whose body never finishes, read past the deadline: the
/// call is the deadline's, as with the call's own timer, not the status's
/// with the part of the body that came (`attempt::read_error` keeps the
/// part read when the attempt's HTTP timeout ends the read).
#[tokio::test]
async fn an_error_body_cut_off_by_the_deadline_is_the_deadline_s() {
    for (status, framing, body) in [
        ("404 Not Found", CL, &b"{\"code\":\"not_fo"[..]),
        ("404 Not Found", CHUNKED, &b"f\r\n{\"code\":\"not_fo"[..]),
        ("400 Bad Request", CL, &b"{\"code\":"[..]),
        ("403 Forbidden", CL, &b"{\"code\":"[..]),
        ("401 Unauthorized", CL, &b"{\"code\":"[..]),
        ("429 Too Many Requests", CL, &b"{\"code\":"[..]),
    ] {
        let (base, _) = stalling(error_head(status, "", framing), body).await;
        for (which, client) in both(&base, |b| b) {
            let (err, elapsed) = list(&client, RequestOptions::new().timeout(DEADLINE)).await;
            assert_deadline(&format!("{which} {status} {framing:?}"), &err, elapsed, 1);
        }
    }
}

/// A 503 whose body never finishes, on the last attempt the policy allows
/// (no retry could follow): the deadline's, as for any status.
#[tokio::test]
async fn a_last_attempt_s_error_body_cut_off_by_the_deadline_is_the_deadline_s() {
    let (base, _) = stalling(error_head("503 Service Unavailable", "", CL), b"{\"co").await;
    for (which, client) in both(&base, |b| b.retry(RetryPolicy::none())) {
        let (err, elapsed) = list(&client, RequestOptions::new().timeout(DEADLINE)).await;
        assert_deadline(which, &err, elapsed, 1);
    }
}

/// A header the server sends must not change how a deadline cut-off is
/// classified: a 503 with a `Retry-After` beyond the policy's
/// `max_retry_after` (not retried) or within it (retry refused by the
/// deadline) or none.
#[tokio::test]
async fn retry_after_does_not_change_a_deadline_cut_off() {
    for extra in ["", "retry-after: 1\r\n", "retry-after: 3600\r\n"] {
        let (base, _) = stalling(error_head("503 Service Unavailable", extra, CL), b"{\"co").await;
        for (which, client) in both(&base, |b| b) {
            let (err, elapsed) = list(&client, RequestOptions::new().timeout(DEADLINE)).await;
            assert_deadline(&format!("{which} {extra:?}"), &err, elapsed, 1);
        }
    }
}

// ---- probes (expected to pass) ----

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SITES: &str = "/partner/v1/dealers/42/sites";

/// A 2xx body that never finishes (length, chunked, gzip-encoded): the
/// deadline's, counted once.
#[tokio::test]
async fn a_success_body_that_drips_is_the_deadline_s() {
    let ok = |framing: &str, extra: &str| {
        format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{extra}{framing}\r\n")
    };
    // The first 10 bytes of a gzip stream (its header).
    const GZ: &[u8] = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03";
    for (head, body) in [
        (ok(CL, ""), &b"[{\"site_id\":"[..]),
        (ok(CHUNKED, ""), &b"5\r\n[{\"si"[..]),
        (ok(CL, "content-encoding: gzip\r\n"), GZ),
        (
            ok(CHUNKED, "content-encoding: gzip\r\n"),
            b"a\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\r\n",
        ),
    ] {
        let (base, _) = stalling(head.clone(), body).await;
        for (which, client) in both(&base, |b| b) {
            let (err, elapsed) = list(&client, RequestOptions::new().timeout(DEADLINE)).await;
            assert_deadline(&format!("{which} {head:?}"), &err, elapsed, 1);
        }
    }
}

/// Headers that never come, with the client's timeout or the attempt's
/// longer than the deadline: the deadline's. Shorter: each attempt's own
/// `Timeout`, every attempt counted.
#[tokio::test]
async fn slow_headers_under_client_and_attempt_timeouts() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let fast = RetryPolicy::default()
        .max_attempts(3)
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(10));
    let base = server.uri();
    // Longer than the deadline.
    for (which, client) in both(&base, |b| b.retry(fast).timeout(Duration::from_secs(20))) {
        let (err, elapsed) = list(&client, RequestOptions::new().timeout(DEADLINE)).await;
        assert_deadline(which, &err, elapsed, 1);
        let (err, elapsed) = list(
            &client,
            RequestOptions::new()
                .timeout(DEADLINE)
                .attempt_timeout(Duration::from_secs(20)),
        )
        .await;
        assert_deadline(which, &err, elapsed, 1);
    }
    // The client's timeout shorter than the deadline: built client only
    // (a given one has reqwest's, none).
    let client = Client::builder()
        .base_url(&base)
        .bearer_token(TOKEN)
        .retry(fast)
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let (err, elapsed) = list(
        &client,
        RequestOptions::new().timeout(Duration::from_secs(20)),
    )
    .await;
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(err.attempts(), 3, "{err:?}");
    assert!(elapsed < PROMPT, "{elapsed:?}");
    // ... and retries until the deadline cuts the last one.
    let (err, elapsed) = list(
        &client,
        RequestOptions::new()
            .timeout(Duration::from_millis(500))
            .retry(fast.max_attempts(10)),
    )
    .await;
    assert_deadline(
        "client 200ms, deadline 500ms",
        &err,
        elapsed,
        err.attempts(),
    );
    assert!((2..=4).contains(&err.attempts()), "{err:?}");
    // The attempt's timeout shorter than the deadline.
    for (which, client) in both(&base, |b| b.retry(fast)) {
        let (err, elapsed) = list(
            &client,
            RequestOptions::new()
                .timeout(Duration::from_secs(20))
                .attempt_timeout(Duration::from_millis(200)),
        )
        .await;
        assert!(matches!(err, Error::Timeout { .. }), "{which}: {err:?}");
        assert_eq!(err.attempts(), 3, "{which}: {err:?}");
        assert!(elapsed < PROMPT, "{which}: {elapsed:?}");
    }
}

/// Retries of a 503 (answered at once) until the deadline refuses the
/// next wait: the deadline's, each request counted.
#[tokio::test]
async fn retries_of_a_503_end_at_the_deadline_with_every_request_counted() {
    for retry_after in [None, Some("1")] {
        let server = MockServer::start().await;
        let mut reply = ResponseTemplate::new(503)
            .set_body_json(serde_json::json!({"code": "unavailable"}))
            .set_delay(Duration::from_millis(150));
        if let Some(after) = retry_after {
            reply = reply.insert_header("retry-after", after);
        }
        Mock::given(method("GET"))
            .and(path(SITES))
            .respond_with(reply)
            .mount(&server)
            .await;
        let policy = RetryPolicy::default()
            .max_attempts(50)
            .base_delay(Duration::from_millis(20))
            .max_delay(Duration::from_millis(40));
        for (which, client) in both(&server.uri(), |b| b.retry(policy)) {
            let before = server.received_requests().await.unwrap().len();
            let (err, elapsed) = list(
                &client,
                RequestOptions::new().timeout(Duration::from_millis(1500)),
            )
            .await;
            let sent = server.received_requests().await.unwrap().len() - before;
            assert_deadline(
                &format!("{which} {retry_after:?}"),
                &err,
                elapsed,
                u32::try_from(sent).unwrap(),
            );
        }
    }
}

/// An interceptor that blocks before the attempt takes part of the time:
/// the attempt gets what is left (or none), and the call ends at the
/// deadline.
#[tokio::test]
async fn a_blocking_interceptor_leaves_the_attempt_the_time_left() {
    #[derive(Debug)]
    struct Blocking(Duration);
    impl chekt_api::Interceptor for Blocking {
        fn before_attempt(&self, _: &chekt_api::AttemptInfo<'_>, _: &mut reqwest::Request) {
            std::thread::sleep(self.0);
        }
    }
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    for (block, attempts) in [
        (Duration::from_millis(300), 1),
        (Duration::from_millis(800), 0),
    ] {
        for (which, client) in both(&server.uri(), |b| b.interceptor(Blocking(block))) {
            let (err, elapsed) = list(&client, RequestOptions::new().timeout(DEADLINE)).await;
            assert_deadline(&format!("{which} {block:?}"), &err, elapsed, attempts);
        }
    }
}

/// A token endpoint that does not answer: the deadline's, nothing sent.
#[tokio::test]
async fn a_slow_token_fetch_is_the_deadline_s() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    for (which, client) in both(&server.uri(), |_| {
        Client::builder()
            .base_url(server.uri())
            .client_credentials("id", "secret")
    }) {
        let (err, elapsed) = list(&client, RequestOptions::new().timeout(DEADLINE)).await;
        assert!(err.is_timeout(), "{which}: {err:?}");
        assert_eq!(err.attempts(), 0, "{which}: {err:?}");
        assert!(elapsed < PROMPT, "{which}: {elapsed:?}");
    }
}

/// Paging and raw requests carry the deadline too; a derived client
/// (`with_credentials`) too.
#[tokio::test]
async fn paging_raw_and_derived_clients_are_bounded() {
    use futures::TryStreamExt;
    let (base, _) = stalling(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n".into(),
        b"[{\"site_id\":",
    )
    .await;
    for (which, client) in both(&base, |b| b) {
        let started = Instant::now();
        let err = client
            .list_sites()
            .dealer_id(42)
            .with_options(RequestOptions::new().timeout(DEADLINE))
            .into_stream_with_page_size(2)
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err();
        assert_deadline(&format!("{which} paging"), &err, started.elapsed(), 1);
        let started = Instant::now();
        let err = client
            .request(Method::GET, SITES)
            .with_options(RequestOptions::new().timeout(DEADLINE))
            .send_as::<serde_json::Value>()
            .await
            .unwrap_err();
        assert_deadline(&format!("{which} raw"), &err, started.elapsed(), 1);
        let derived = client.with_credentials(chekt_api::auth::BearerToken::new("other").unwrap());
        let (err, elapsed) = list(&derived, RequestOptions::new().timeout(DEADLINE)).await;
        assert_deadline(&format!("{which} derived"), &err, elapsed, 1);
    }
}

/// An attempt's own timeout that fires before the deadline is that
/// attempt's `Timeout`, even when an interceptor then blocks past the
/// deadline (no retry follows): a timeout is classified as it arrives.
#[tokio::test]
async fn an_attempt_timeout_before_the_deadline_stays_a_timeout() {
    #[derive(Debug)]
    struct SlowAfter;
    impl chekt_api::Interceptor for SlowAfter {
        fn after_attempt(&self, _: &chekt_api::AttemptInfo<'_>, _: &chekt_api::AttemptResult<'_>) {
            std::thread::sleep(Duration::from_millis(600));
        }
    }
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    for (which, client) in both(&server.uri(), |b| {
        b.retry(RetryPolicy::none()).interceptor(SlowAfter)
    }) {
        let (err, elapsed) = list(
            &client,
            RequestOptions::new()
                .timeout(Duration::from_millis(500))
                .attempt_timeout(Duration::from_millis(150)),
        )
        .await;
        assert!(matches!(err, Error::Timeout { .. }), "{which}: {err:?}");
        assert_eq!(err.attempts(), 1);
        assert!(elapsed < PROMPT);
    }
}
