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
    // Several times: tokio's timer alone let a fast call through now and then.
    for _ in 0..20 {
        let err = client
            .request(Method::GET, "/partner/v1/x")
            .with_options(RequestOptions::new().timeout(Duration::ZERO))
            .send_as::<serde_json::Value>()
            .await
            .unwrap_err();
        assert!(err.is_timeout(), "{err:?}");
        assert_eq!(err.attempts(), 0);
    }
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "a zero timeout sends nothing"
    );
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

/// A server that accepts connections and reads, but never answers; the
/// number of connections it accepted.
async fn silent_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                use tokio::io::AsyncReadExt;
                while matches!(stream.read(&mut buf).await, Ok(n) if n > 0) {}
            });
        }
    });
    (format!("http://{addr}"), accepted)
}

#[tokio::test]
async fn the_deadline_bounds_a_server_that_never_sends_headers() {
    let (base, accepted) = silent_server().await;
    let client = client_at(base, RetryPolicy::default());
    let started = Instant::now();
    let err = client
        .list_sites()
        .dealer_id(42)
        .with_options(RequestOptions::new().timeout(Duration::from_millis(500)))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(matches!(err, Error::DeadlineExceeded { .. }), "{err:?}");
    assert_eq!(err.attempts(), 1);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_attempt_timeout_on_a_post_is_retried_only_when_declared_idempotent() {
    let (base, accepted) = silent_server().await;
    let client = client_at(
        base,
        RetryPolicy::default()
            .max_attempts(3)
            .base_delay(Duration::from_millis(1))
            .max_delay(Duration::from_millis(5)),
    );
    let post = |options: RequestOptions| {
        client
            .request(Method::POST, "/partner/v1/dealers/42/notes")
            .json(&serde_json::json!({"note": "x"}))
            .with_options(options.attempt_timeout(Duration::from_millis(100)))
            .send_as::<serde_json::Value>()
    };
    let err = post(RequestOptions::new()).await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(err.attempts(), 1, "a POST is not repeated by default");
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1);
    let err = post(RequestOptions::new().idempotent(true))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(err.attempts(), 3);
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 4);
}

#[tokio::test]
async fn raw_error_statuses_are_classified_and_attempts_match_the_server() {
    for (status, retried) in [
        (404u16, false),
        (429, true),
        (500, false),
        (502, true),
        (503, true),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(
                ResponseTemplate::new(status)
                    .insert_header("retry-after", "0")
                    .set_body_json(serde_json::json!({"code": "x", "message": "m"})),
            )
            .mount(&server)
            .await;
        let client = client_at(
            server.uri(),
            RetryPolicy::default()
                .max_attempts(3)
                .base_delay(Duration::from_millis(1))
                .max_delay(Duration::from_millis(5)),
        );
        let err = client
            .request(Method::GET, "/partner/v1/x")
            .send_as::<serde_json::Value>()
            .await
            .unwrap_err();
        let seen = server.received_requests().await.unwrap().len();
        assert_eq!(err.attempts() as usize, seen, "{status}: {err:?}");
        assert_eq!(seen, if retried { 3 } else { 1 }, "{status}");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{err:?}");
        match status {
            404 => assert!(matches!(err, Error::NotFound { .. }), "{err:?}"),
            429 => assert!(matches!(err, Error::RateLimited { .. }), "{err:?}"),
            _ => assert!(matches!(err, Error::Server { .. }), "{err:?}"),
        }
    }
}

#[tokio::test]
async fn per_call_retry_and_timeout_replace_the_defaults_and_headers_add_up() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(wiremock::matchers::path("/partner/v1/down"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(wiremock::matchers::path("/partner/v1/slow"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!([]))
                .set_delay(Duration::from_millis(300)),
        )
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .bearer_token(TOKEN)
        .default_options(
            RequestOptions::new()
                .retry(RetryPolicy::none())
                .timeout(Duration::from_millis(50))
                .header(
                    HeaderName::from_static("x-default"),
                    HeaderValue::from_static("d"),
                ),
        )
        .build()
        .unwrap();
    let call = RequestOptions::new()
        .timeout(Duration::from_secs(10))
        .retry(
            RetryPolicy::default()
                .max_attempts(3)
                .base_delay(Duration::from_millis(1))
                .max_delay(Duration::from_millis(5)),
        )
        .header(
            HeaderName::from_static("x-call"),
            HeaderValue::from_static("c"),
        );
    let err = client
        .request(Method::GET, "/partner/v1/down")
        .with_options(call.clone())
        .send_as::<serde_json::Value>()
        .await
        .unwrap_err();
    assert_eq!(
        err.attempts(),
        3,
        "the call's retry policy, not the default none()"
    );
    for request in server.received_requests().await.unwrap() {
        assert_eq!(request.headers["x-default"], "d");
        assert_eq!(request.headers["x-call"], "c");
    }
    client
        .request(Method::GET, "/partner/v1/slow")
        .with_options(call)
        .send_as::<serde_json::Value>()
        .await
        .expect("the call's 10 s timeout replaces the default 50 ms");
    let err = client
        .request(Method::GET, "/partner/v1/slow")
        .send_as::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(
        err.is_timeout(),
        "the default applies without a per-call one: {err:?}"
    );
}

/// Records what each attempt came to.
#[derive(Default, Clone)]
struct Outcomes(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl chekt_api::Interceptor for Outcomes {
    fn before_attempt(&self, info: &chekt_api::AttemptInfo<'_>, _: &mut reqwest::Request) {
        self.0
            .lock()
            .unwrap()
            .push(format!("before #{}", info.attempt));
    }

    fn after_attempt(
        &self,
        info: &chekt_api::AttemptInfo<'_>,
        result: &chekt_api::AttemptResult<'_>,
    ) {
        let what = match result {
            chekt_api::AttemptResult::Failed(e) if e.is_timeout() => "timeout",
            chekt_api::AttemptResult::Failed(_) => "failed",
            _ => "other",
        };
        self.0
            .lock()
            .unwrap()
            .push(format!("after #{} {what}", info.attempt));
    }
}

#[tokio::test]
async fn interceptors_see_every_failed_attempt_numbered() {
    let (base, accepted) = silent_server().await;
    let seen = Outcomes::default();
    let client = Client::builder()
        .base_url(base)
        .bearer_token(TOKEN)
        .retry(
            RetryPolicy::default()
                .max_attempts(3)
                .base_delay(Duration::from_millis(1))
                .max_delay(Duration::from_millis(5)),
        )
        .interceptor(seen.clone())
        .build()
        .unwrap();
    let err = client
        .request(Method::GET, "/partner/v1/x")
        .with_options(RequestOptions::new().attempt_timeout(Duration::from_millis(100)))
        .send_as::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(err.attempts(), 3);
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 3);
    assert_eq!(
        *seen.0.lock().unwrap(),
        [
            "before #1",
            "after #1 timeout",
            "before #2",
            "after #2 timeout",
            "before #3",
            "after #3 timeout"
        ]
    );
}

/// Takes `delay` (blocking, like a signer on a slow device) before attempt
/// `on`, after the deadline's timer has been set.
struct SlowBefore {
    on: u32,
    delay: Duration,
}

impl chekt_api::Interceptor for SlowBefore {
    fn before_attempt(&self, info: &chekt_api::AttemptInfo<'_>, _: &mut reqwest::Request) {
        if info.attempt == self.on {
            std::thread::sleep(self.delay);
        }
    }
}

#[tokio::test]
async fn an_attempt_the_deadline_stops_before_it_is_sent_is_not_counted() {
    for (on, status) in [(1, 200), (2, 503)] {
        let server = answering(status).await;
        let client = Client::builder()
            .base_url(server.uri())
            .bearer_token(TOKEN)
            .retry(
                RetryPolicy::default()
                    .max_attempts(3)
                    .base_delay(Duration::from_millis(1))
                    .max_delay(Duration::from_millis(5)),
            )
            .interceptor(SlowBefore {
                on,
                delay: Duration::from_millis(400),
            })
            .build()
            .unwrap();
        let err = client
            .request(Method::GET, "/partner/v1/x")
            .with_options(RequestOptions::new().timeout(Duration::from_millis(200)))
            .send_as::<serde_json::Value>()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::DeadlineExceeded { .. }), "{err:?}");
        let sent = server.received_requests().await.unwrap().len();
        assert_eq!(sent, on as usize - 1, "nothing sent past the deadline");
        assert_eq!(
            err.attempts() as usize,
            sent,
            "attempt {on}: attempts() counts the requests sent"
        );
    }
}

/// A token endpoint that answers after `delay`, and an API that answers
/// every GET with `[]`.
async fn slow_token_server(delay: Duration) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(wiremock::matchers::path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({
                    "access_token": "fetched-token",
                    "token_type": "Bearer",
                    "expires_in": 3600,
                }))
                .set_delay(delay),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([])))
        .mount(&server)
        .await;
    server
}

/// The token request runs in a task of its own under the call's deadline,
/// so on a multi-threaded runtime its timer may fire before the call's:
/// the call still ends as a timeout, and a call queued behind that token
/// request (without a deadline of its own) is not failed by it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadline_during_the_token_fetch_is_that_call_s_timeout_alone() {
    // Several rounds: which timer fires first is up to the scheduler.
    for round in 0..8 {
        let server = slow_token_server(Duration::from_millis(400)).await;
        let client = Client::builder()
            .base_url(server.uri())
            .client_credentials("partner-id", "partner-secret")
            .build()
            .unwrap();
        let hurried = client
            .list_sites()
            .dealer_id(42)
            .with_options(RequestOptions::new().timeout(Duration::from_millis(100)))
            .send();
        let patient = async {
            // Queued behind the hurried call's token request.
            tokio::time::sleep(Duration::from_millis(20)).await;
            client.list_sites().dealer_id(42).send().await
        };
        let started = Instant::now();
        let (hurried, patient) = tokio::join!(hurried, patient);
        let err = hurried.unwrap_err();
        assert!(err.is_timeout(), "round {round}: {err:?}");
        assert!(matches!(err, Error::DeadlineExceeded { .. }), "{err:?}");
        assert_eq!(err.attempts(), 0, "the API was never called");
        assert!(
            patient.is_ok(),
            "round {round}: a call without a deadline failed by another's: {patient:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}

#[derive(Debug, serde::Deserialize)]
struct Firmware {
    #[allow(dead_code)]
    version: String,
}

/// An API answering `GET`/`HEAD /partner/v1/firmware` with a JSON body,
/// and `/partner/v1/{204,empty,blank,object}` with a 204, a 200 of zero
/// bytes, a 200 of only whitespace and a 200 `{"version":"1"}`.
async fn bodies_server() -> MockServer {
    use wiremock::matchers::path;
    let server = MockServer::start().await;
    let firmware = serde_json::json!({"version": "1"});
    for (at, response) in [
        (
            "/partner/v1/firmware",
            ResponseTemplate::new(200).set_body_json(firmware.clone()),
        ),
        ("/partner/v1/204", ResponseTemplate::new(204)),
        ("/partner/v1/empty", ResponseTemplate::new(200)),
        (
            "/partner/v1/blank",
            ResponseTemplate::new(200).set_body_string(" \r\n"),
        ),
        (
            "/partner/v1/object",
            ResponseTemplate::new(200).set_body_json(firmware.clone()),
        ),
        ("/partner/v1/dealers/42/sites", ResponseTemplate::new(200)),
    ] {
        Mock::given(path(at))
            .respond_with(response)
            .mount(&server)
            .await;
    }
    server
}

/// A success without a body (a HEAD response, a 204, a 200 of zero bytes
/// or only whitespace) decodes into every type that needs no body, as
/// JSON `null` does; a type that needs one, or a body that is not what
/// `T` accepts, is an `UndecodableBody` naming the operation.
#[tokio::test]
async fn an_empty_success_decodes_into_a_type_that_needs_no_body() {
    let server = bodies_server().await;
    let client = client_at(server.uri(), RetryPolicy::none());
    let empties = [
        (Method::HEAD, "/partner/v1/firmware"),
        (Method::DELETE, "/partner/v1/204"),
        (Method::POST, "/partner/v1/empty"),
        (Method::GET, "/partner/v1/blank"),
    ];
    for (verb, at) in empties {
        let case = format!("{verb} {at}");
        let call = || client.request(verb.clone(), at);
        let unit = call().send_as::<()>().await;
        assert!(unit.is_ok(), "{case} as (): {unit:?}");
        let ignored = call().send_as::<serde::de::IgnoredAny>().await;
        assert!(ignored.is_ok(), "{case} as IgnoredAny: {ignored:?}");
        let optional = call().send_as::<Option<Firmware>>().await;
        assert!(
            matches!(optional.as_deref(), Ok(None)),
            "{case} as Option<T>: {optional:?}"
        );
        let value = call().send_as::<serde_json::Value>().await;
        assert_eq!(
            value.map(|v| v.into_inner()).ok(),
            Some(serde_json::Value::Null),
            "{case} as Value"
        );
        // A type that needs a body says the body is empty.
        let err = call().send_as::<Firmware>().await.unwrap_err();
        let Error::UndecodableBody {
            operation, reason, ..
        } = &err
        else {
            panic!("{case} as a struct: {err:?}");
        };
        assert_eq!(*operation, "raw");
        assert!(reason.contains("empty"), "{case}: {err}");
    }
    // A body is decoded as it is: not what `T` accepts is an error.
    for at in ["/partner/v1/object", "/partner/v1/firmware"] {
        let err = client
            .request(Method::GET, at)
            .send_as::<()>()
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::UndecodableBody {
                    operation: "raw",
                    ..
                }
            ),
            "{at}: {err:?}"
        );
    }
    // A HEAD response's Content-Length is the GET body's, not a body: it
    // is not held against the size limit.
    let small = Client::builder()
        .base_url(server.uri())
        .bearer_token(TOKEN)
        .max_response_size(4)
        .build()
        .unwrap();
    let head = small
        .request(Method::HEAD, "/partner/v1/firmware")
        .send_as::<()>()
        .await;
    assert!(head.is_ok(), "{head:?}");
    // A generated operation whose spec promises a body says it is empty.
    let err = client.list_sites().dealer_id(42).send().await.unwrap_err();
    let Error::UndecodableBody {
        operation, reason, ..
    } = &err
    else {
        panic!("list_sites: {err:?}");
    };
    assert_eq!(*operation, "list_sites");
    assert!(reason.contains("empty"), "{err}");
}

/// A retry takes from the client's retry budget only when it is made: a
/// `Retry-After` the call's deadline cannot wait out ends the call as a
/// timeout and leaves the budget as it was.
// Threat: calls with short deadlines drain the shared retry budget without retrying, and calls with time to wait then get no retry.
#[tokio::test]
async fn a_retry_the_deadline_refuses_takes_nothing_from_the_budget() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "0.5"))
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .bearer_token(TOKEN)
        .retry(
            RetryPolicy::default()
                .max_attempts(2)
                .max_retry_after(Duration::from_secs(5)),
        )
        // Tokens for one retry.
        .retry_budget(chekt_api::retry::RetryBudget::new(5).retry_cost(5))
        .build()
        .unwrap();
    let call = |options: RequestOptions| {
        client
            .request(Method::GET, "/partner/v1/x")
            .with_options(options)
            .send_as::<serde_json::Value>()
    };
    for _ in 0..3 {
        let hurried = call(RequestOptions::new().timeout(Duration::from_millis(200)))
            .await
            .unwrap_err();
        assert!(
            matches!(hurried, Error::DeadlineExceeded { .. }),
            "{hurried:?}"
        );
        assert_eq!(hurried.attempts(), 1);
    }
    let patient = call(RequestOptions::new()).await.unwrap_err();
    assert_eq!(
        patient.attempts(),
        2,
        "the budget's one retry is still there: {patient:?}"
    );
}
