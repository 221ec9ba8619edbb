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

/// Serves HTTP/2 on 127.0.0.1: the `n`th request (from 1) is reset with
/// `reset(n)` when that is `Some`, else answered `200 {"ok":true}`.
/// Returns the base URL and the count of requests received.
async fn h2_server(
    reset: impl Fn(usize) -> Option<h2::Reason> + Send + Sync + 'static,
) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let (seen, reset) = (count.clone(), Arc::new(reset));
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            let (seen, reset) = (seen.clone(), reset.clone());
            tokio::spawn(async move {
                let Ok(mut connection) = h2::server::handshake(socket).await else {
                    return;
                };
                while let Some(Ok((_request, mut respond))) = connection.accept().await {
                    let n = seen.fetch_add(1, Ordering::SeqCst) + 1;
                    if let Some(reason) = reset(n) {
                        respond.send_reset(reason);
                        continue;
                    }
                    let head = http::Response::builder()
                        .status(200)
                        .header("content-type", "application/json")
                        .body(())
                        .unwrap();
                    let mut body = respond.send_response(head, false).unwrap();
                    body.send_data(Bytes::from_static(b"{\"ok\":true}"), true)
                        .unwrap();
                }
            });
        }
    });
    (format!("http://{addr}"), count)
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
    let (base, count) = h2_server(|n| (n == 1).then_some(h2::Reason::REFUSED_STREAM)).await;
    let seen = Seen::default();
    let client = client(&base, &seen);
    let reply = post(&client).send_as::<serde_json::Value>().await.unwrap();
    assert_eq!(reply.into_inner(), serde_json::json!({ "ok": true }));
    assert_eq!(
        count.load(Ordering::SeqCst),
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
    let (base, count) = h2_server(|_| Some(h2::Reason::REFUSED_STREAM)).await;
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
        count.load(Ordering::SeqCst),
        1,
        "nothing repeated out of sight"
    );
}

/// A stream reset for any other reason may have been processed: a POST is
/// not repeated (a GET would be, as any failed send of an idempotent call).
#[tokio::test]
async fn a_stream_reset_for_another_reason_is_not_a_refusal() {
    let (base, count) = h2_server(|_| Some(h2::Reason::INTERNAL_ERROR)).await;
    let seen = Seen::default();
    let client = client(&base, &seen);
    let err = post(&client)
        .send_as::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(err.attempts(), 1);
    assert_eq!(count.load(Ordering::SeqCst), 1);
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
