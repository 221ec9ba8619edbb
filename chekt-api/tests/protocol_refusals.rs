//! HTTP/2 refusals (RFC 9113 §8.7): a stream the server resets with
//! `REFUSED_STREAM` was not processed, so the pipeline's default classifier
//! retries it whatever the method, as one more attempt the caller sees
//! (counted, shown to the interceptors). reqwest's own retries of the same
//! refusals are off in the client chekt-api builds, and in the given client
//! here, so nothing is repeated out of the pipeline's sight. Served by a
//! loopback HTTP/2 server (prior knowledge, no TLS) that resets the streams
//! it is told to.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use chekt_api::http::Method;
use chekt_api::retry::{DefaultClassifier, Outcome, RetryClassifier, RetryPolicy};
use chekt_api::{AttemptInfo, AttemptResult, Client, Error, Interceptor, RequestOptions};

/// [`h2_paths_server`] resetting the `n`th request (from 1) with
/// `reset(n)` when that is `Some`, else answering `200 {"ok":true}`.
/// Returns the base URL and the paths received.
async fn h2_server(
    reset: impl Fn(usize) -> Option<h2::Reason> + Send + Sync + 'static,
) -> (String, Arc<Mutex<Vec<String>>>) {
    h2_paths_server(move |n, _| reset(n), b"{\"ok\":true}").await
}

/// One attempt as an interceptor saw it: its number, and for a failure
/// whether it was a refusal.
type Attempt = (u32, Option<bool>);

/// What the interceptors saw, attempt by attempt.
#[derive(Debug, Default, Clone)]
struct Seen(Arc<Mutex<Vec<Attempt>>>);

impl Interceptor for Seen {
    fn after_attempt(&self, info: &AttemptInfo<'_>, result: &AttemptResult<'_>) {
        let refused = match result {
            AttemptResult::Failed(error) => Some(chekt_api::retry::refused_unprocessed(error)),
            _ => None,
        };
        self.0.lock().unwrap().push((info.attempt, refused));
    }
}

/// A client on HTTP/2 with prior knowledge, reqwest's own retries off (as
/// in the client chekt-api builds).
fn client(base: &str, seen: &Seen) -> Client {
    let http = reqwest::Client::builder()
        .http2_prior_knowledge()
        .redirect(reqwest::redirect::Policy::none())
        .retry(reqwest::retry::never().max_retries_per_request(0))
        .build()
        .unwrap();
    Client::builder()
        .base_url(base)
        .bearer_token("static-test-token")
        .http_client(http)
        .interceptor(seen.clone())
        .build()
        .unwrap()
}

fn post(client: &Client) -> chekt_api::RawRequest<'_> {
    client
        .request(Method::POST, "/partner/v1/dealers/42/sites")
        .json(&serde_json::json!({ "name": "Gangnam Headquarters" }))
}

#[tokio::test]
async fn a_refused_stream_is_retried_even_for_a_post_and_counted() {
    let (base, received) = h2_server(|n| (n == 1).then_some(h2::Reason::REFUSED_STREAM)).await;
    let seen = Seen::default();
    let client = client(&base, &seen);
    let reply = post(&client).send_as::<serde_json::Value>().await.unwrap();
    assert_eq!(reply.into_inner(), serde_json::json!({ "ok": true }));
    assert_eq!(
        received.lock().unwrap().len(),
        2,
        "the refused request, then the retry"
    );
    assert_eq!(
        *seen.0.lock().unwrap(),
        [(1, Some(true)), (2, None)],
        "both attempts went through the pipeline"
    );
}

#[tokio::test]
async fn a_refusal_without_retries_left_is_a_transport_error_after_one_attempt() {
    let (base, received) = h2_server(|_| Some(h2::Reason::REFUSED_STREAM)).await;
    let seen = Seen::default();
    let client = client(&base, &seen);
    let err = post(&client)
        .with_options(RequestOptions::new().retry(RetryPolicy::none()))
        .send_as::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(err.attempts(), 1);
    assert_eq!(
        received.lock().unwrap().len(),
        1,
        "nothing repeated out of sight"
    );
}

/// A stream reset for any other reason may have been processed: a POST is
/// not repeated (a GET would be, as any failed send of an idempotent call).
#[tokio::test]
async fn a_stream_reset_for_another_reason_is_not_a_refusal() {
    let (base, received) = h2_server(|_| Some(h2::Reason::INTERNAL_ERROR)).await;
    let seen = Seen::default();
    let client = client(&base, &seen);
    let err = post(&client)
        .send_as::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(err.attempts(), 1);
    assert_eq!(received.lock().unwrap().len(), 1);
    assert_eq!(*seen.0.lock().unwrap(), [(1, Some(false))]);
    let source = std::error::Error::source(&err)
        .and_then(|s| s.downcast_ref::<reqwest::Error>())
        .expect("the transport error");
    assert!(!DefaultClassifier.should_retry(&Outcome::Transport(source), false));
    assert!(
        DefaultClassifier.should_retry(&Outcome::Transport(source), true),
        "an idempotent call may repeat a failed send"
    );
}

/// Serves HTTP/2 on 127.0.0.1, every request through `serve`: its number
/// (from 1) and path give a reset, else `200` with `body`. Returns the
/// base URL and the paths received, in order.
async fn h2_paths_server(
    reset: impl Fn(usize, &str) -> Option<h2::Reason> + Send + Sync + 'static,
    body: &'static [u8],
) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let paths = Arc::new(Mutex::new(Vec::new()));
    let (seen, reset) = (paths.clone(), Arc::new(reset));
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            let (seen, reset) = (seen.clone(), reset.clone());
            tokio::spawn(async move {
                let Ok(mut connection) = h2::server::handshake(socket).await else {
                    return;
                };
                while let Some(Ok((request, mut respond))) = connection.accept().await {
                    let path = request.uri().path().to_string();
                    let n = {
                        let mut seen = seen.lock().unwrap();
                        seen.push(path.clone());
                        seen.len()
                    };
                    if let Some(reason) = reset(n, &path) {
                        respond.send_reset(reason);
                        continue;
                    }
                    let head = http::Response::builder()
                        .status(200)
                        .header("content-type", "application/json")
                        .body(())
                        .unwrap();
                    let mut out = respond.send_response(head, false).unwrap();
                    out.send_data(Bytes::from_static(body), true).unwrap();
                }
            });
        }
    });
    (format!("http://{addr}"), paths)
}

/// Quick retries, so that only the attempts count.
fn quick(attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(attempts)
        .base_delay(std::time::Duration::from_millis(1))
        .max_delay(std::time::Duration::from_millis(1))
}

#[tokio::test]
async fn refusals_stop_at_max_attempts_each_one_counted_and_shown() {
    let (base, received) = h2_server(|_| Some(h2::Reason::REFUSED_STREAM)).await;
    let seen = Seen::default();
    let client = client(&base, &seen);
    let err = post(&client)
        .with_options(RequestOptions::new().retry(quick(3)))
        .send_as::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(err.attempts(), 3);
    assert_eq!(received.lock().unwrap().len(), 3);
    assert_eq!(
        *seen.0.lock().unwrap(),
        [(1, Some(true)), (2, Some(true)), (3, Some(true))]
    );
}

#[tokio::test]
async fn refusals_are_paid_from_the_retry_budget() {
    let (base, received) = h2_server(|_| Some(h2::Reason::REFUSED_STREAM)).await;
    let seen = Seen::default();
    let http = reqwest::Client::builder()
        .http2_prior_knowledge()
        .redirect(reqwest::redirect::Policy::none())
        .retry(reqwest::retry::never().max_retries_per_request(0))
        .build()
        .unwrap();
    // Room for one retry.
    let client = Client::builder()
        .base_url(&base)
        .bearer_token("static-test-token")
        .http_client(http)
        .retry(quick(10))
        .retry_budget(chekt_api::retry::RetryBudget::new(5).retry_cost(5))
        .interceptor(seen.clone())
        .build()
        .unwrap();
    let first = post(&client)
        .send_as::<serde_json::Value>()
        .await
        .unwrap_err();
    assert_eq!(first.attempts(), 2, "one retry, then the budget is spent");
    let second = post(&client)
        .send_as::<serde_json::Value>()
        .await
        .unwrap_err();
    assert_eq!(second.attempts(), 1, "no retry left in the budget");
    assert_eq!(received.lock().unwrap().len(), 3);
    assert_eq!(seen.0.lock().unwrap().len(), 3);
}

/// Refusals are retried until a wait would end past the call's deadline;
/// the call then ends with `DeadlineExceeded`, every request it sent
/// counted and shown to the interceptors.
#[tokio::test]
async fn refusals_retried_until_the_deadline_are_all_counted() {
    let (base, received) = h2_server(|_| Some(h2::Reason::REFUSED_STREAM)).await;
    let seen = Seen::default();
    let client = client(&base, &seen);
    // Full jitter: each wait is drawn from [0, 30 s], so whether a retry
    // fits in the deadline is chance; what holds either way is checked.
    let slow = RetryPolicy::default()
        .max_attempts(5)
        .base_delay(std::time::Duration::from_secs(30))
        .max_delay(std::time::Duration::from_secs(30));
    let started = std::time::Instant::now();
    let err = post(&client)
        .with_options(
            RequestOptions::new()
                .retry(slow)
                .timeout(std::time::Duration::from_secs(2)),
        )
        .send_as::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(err, Error::DeadlineExceeded { .. }), "{err:?}");
    let sent = received.lock().unwrap().len();
    assert_eq!(err.attempts() as usize, sent, "every request counted");
    let seen = seen.0.lock().unwrap();
    assert_eq!(seen.len(), sent, "every request shown: {seen:?}");
    assert!(
        seen.iter().all(|(_, refused)| *refused == Some(true)),
        "{seen:?}"
    );
}

const TOKEN_AND_OK: &[u8] =
    br#"{"ok":true,"access_token":"fresh-token","token_type":"Bearer","expires_in":3600}"#;

fn token_client(base: &str, retry: RetryPolicy) -> Client {
    let http = reqwest::Client::builder()
        .http2_prior_knowledge()
        .redirect(reqwest::redirect::Policy::none())
        .retry(reqwest::retry::never().max_retries_per_request(0))
        .build()
        .unwrap();
    Client::builder()
        .base_url(base)
        .client_credentials("client-id", "client-secret")
        .http_client(http)
        .retry(retry)
        .build()
        .unwrap()
}

/// The token request (a POST) refused unprocessed is retried by the token
/// fetch, as a transient failure, once: then the call goes through.
#[tokio::test]
async fn a_refused_token_request_is_retried_once_and_the_call_goes_through() {
    let (base, paths) = h2_paths_server(
        |n, _| (n == 1).then_some(h2::Reason::REFUSED_STREAM),
        TOKEN_AND_OK,
    )
    .await;
    let client = token_client(&base, quick(3));
    post(&client).send_as::<serde_json::Value>().await.unwrap();
    assert_eq!(
        *paths.lock().unwrap(),
        [
            "/oauth/token",
            "/oauth/token",
            "/partner/v1/dealers/42/sites"
        ]
    );
}

/// Without retries, a refused token request fails the call: nothing is
/// repeated out of sight.
#[tokio::test]
async fn a_refused_token_request_without_retries_fails_the_call_after_one_request() {
    let (base, paths) =
        h2_paths_server(|_, _| Some(h2::Reason::REFUSED_STREAM), TOKEN_AND_OK).await;
    let client = token_client(&base, RetryPolicy::none());
    let err = post(&client)
        .send_as::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Token(_)), "{err:?}");
    assert_eq!(*paths.lock().unwrap(), ["/oauth/token"]);
}

/// How the first connection of [`goaway_server`] ends.
#[derive(Debug, Clone, Copy)]
struct GoAway {
    /// The last stream id the GOAWAY names: 0 (none taken) or the
    /// request's own (taken, processed).
    taken: bool,
    reason: h2::Reason,
}

/// Serves HTTP/2 on 127.0.0.1. The first connection is spoken by hand:
/// it reads the whole first request (the server has it), then sends
/// `GOAWAY` as `first` says and closes the connection without an answer.
/// Later connections answer `200 {"ok":true}`. Returns the base URL, the
/// requests received (the first one included) and the connections.
async fn goaway_server(first: GoAway) -> (String, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (requests, connections) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (seen, opened) = (requests.clone(), connections.clone());
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let seen = seen.clone();
            if opened.fetch_add(1, Ordering::SeqCst) > 0 {
                tokio::spawn(async move {
                    let Ok(mut connection) = h2::server::handshake(socket).await else {
                        return;
                    };
                    while let Some(Ok((_request, mut respond))) = connection.accept().await {
                        seen.fetch_add(1, Ordering::SeqCst);
                        let head = http::Response::builder().status(200).body(()).unwrap();
                        let mut body = respond.send_response(head, false).unwrap();
                        body.send_data(Bytes::from_static(b"{\"ok\":true}"), true)
                            .unwrap();
                    }
                });
                continue;
            }
            tokio::spawn(async move {
                let mut preface = [0; 24];
                socket.read_exact(&mut preface).await.unwrap();
                assert_eq!(&preface, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
                // The server's preface: an empty SETTINGS.
                socket
                    .write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0])
                    .await
                    .unwrap();
                let stream = loop {
                    let mut head = [0; 9];
                    socket.read_exact(&mut head).await.unwrap();
                    let len = usize::from(head[0]) << 16
                        | usize::from(head[1]) << 8
                        | usize::from(head[2]);
                    let (kind, flags) = (head[3], head[4]);
                    let id = u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff;
                    let mut payload = vec![0; len];
                    socket.read_exact(&mut payload).await.unwrap();
                    if kind == 4 && flags & 1 == 0 {
                        // SETTINGS: acknowledged.
                        socket
                            .write_all(&[0, 0, 0, 4, 1, 0, 0, 0, 0])
                            .await
                            .unwrap();
                    }
                    if kind == 1 {
                        seen.fetch_add(1, Ordering::SeqCst);
                    }
                    // HEADERS or DATA ending the stream: the whole request.
                    if (kind == 0 || kind == 1) && flags & 1 == 1 {
                        break id;
                    }
                };
                let last = if first.taken { stream } else { 0 };
                let mut frame = vec![0, 0, 8, 7, 0, 0, 0, 0, 0];
                frame.extend_from_slice(&last.to_be_bytes());
                frame.extend_from_slice(&u32::from(first.reason).to_be_bytes());
                socket.write_all(&frame).await.unwrap();
                socket.shutdown().await.unwrap();
                // Drained until the client closes (so that closing sends no RST).
                let mut rest = Vec::new();
                let _ = tokio::time::timeout(
                    std::time::Duration::from_secs(30),
                    socket.read_to_end(&mut rest),
                )
                .await;
            });
        }
    });
    (format!("http://{addr}"), requests, connections)
}

/// RFC 9113 §6.8: a graceful GOAWAY whose last stream id is below the
/// request's says the server did not process it: the POST is sent again,
/// on a new connection, as a second attempt the caller sees.
#[tokio::test]
async fn a_graceful_goaway_before_the_stream_was_taken_is_retried_on_a_new_connection() {
    let (base, requests, connections) = goaway_server(GoAway {
        taken: false,
        reason: h2::Reason::NO_ERROR,
    })
    .await;
    let seen = Seen::default();
    let client = client(&base, &seen);
    let reply = post(&client).send_as::<serde_json::Value>().await.unwrap();
    assert_eq!(reply.into_inner(), serde_json::json!({ "ok": true }));
    assert_eq!(requests.load(Ordering::SeqCst), 2);
    assert_eq!(connections.load(Ordering::SeqCst), 2);
    assert_eq!(*seen.0.lock().unwrap(), [(1, Some(true)), (2, None)]);
}

/// A POST under `goaway` fails after one request, on one connection, and
/// its failure is not a refusal.
async fn a_post_is_sent_once(goaway: GoAway) {
    let (base, requests, connections) = goaway_server(goaway).await;
    let seen = Seen::default();
    let client = client(&base, &seen);
    let err = post(&client)
        .send_as::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(err.attempts(), 1);
    assert_eq!(requests.load(Ordering::SeqCst), 1);
    assert_eq!(connections.load(Ordering::SeqCst), 1);
    assert_eq!(*seen.0.lock().unwrap(), [(1, Some(false))]);
}

/// A graceful GOAWAY that names the request's stream as taken: the server
/// may have processed it, and then closed without an answer. Not a
/// refusal: the POST is not repeated.
#[tokio::test]
async fn a_graceful_goaway_after_the_stream_was_taken_does_not_repeat_a_post() {
    a_post_is_sent_once(GoAway {
        taken: true,
        reason: h2::Reason::NO_ERROR,
    })
    .await;
}

/// A GOAWAY for an error (here `ENHANCE_YOUR_CALM`) is not taken as a
/// refusal, even for a stream above its last stream id: the POST is not
/// repeated (the conservative reading reqwest has too).
#[tokio::test]
async fn a_goaway_for_an_error_is_not_a_refusal() {
    a_post_is_sent_once(GoAway {
        taken: false,
        reason: h2::Reason::ENHANCE_YOUR_CALM,
    })
    .await;
}
