//! The request pipeline against a loopback server: per-call options, the
//! whole-call deadline, default options, raw requests, retry classifier and
//! budget, interceptors, and a token the server no longer accepts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chekt_api::http::{HeaderName, HeaderValue, Method};
use chekt_api::pagination::OffsetPagedExt;
use chekt_api::prelude::*;
use chekt_api::retry::{DefaultClassifier, Outcome, RetryBudget, RetryClassifier, RetryPolicy};
use chekt_api::types::CreateSiteRequestDto;
use chekt_api::{
    AttemptInfo, AttemptResult, Client, ClientBuilder, Error, Interceptor, RequestOptions,
};
use futures::TryStreamExt;
use support::recordings;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "static-test-token";
const SITES: &str = "/partner/v1/dealers/42/sites";

fn fast() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(20))
}

fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder()
        .base_url(server.uri())
        .bearer_token(TOKEN)
        .retry(fast())
}

fn client(server: &MockServer) -> Client {
    builder(server).build().unwrap()
}

fn name(n: &'static str) -> HeaderName {
    HeaderName::from_static(n)
}

fn sites() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(recordings::body("list_sites", "200-first-page.json"))
}

async fn mount(server: &MockServer, status: u16) {
    Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(
            ResponseTemplate::new(status)
                .set_body_json(recordings::body("list_sites", "500-internal-error.json")),
        )
        .mount(server)
        .await;
}

fn header_of(request: &Request, name: &str) -> Vec<String> {
    request
        .headers
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_whole_call_deadline_bounds_a_slow_answer_and_its_retries() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(sites().set_delay(Duration::from_secs(10)))
        .mount(&server)
        .await;
    let client = client(&server);
    let started = Instant::now();
    let options = RequestOptions::new().timeout(Duration::from_millis(300));
    let err = client
        .list_sites()
        .dealer_id(42)
        .with_options(options)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(matches!(err, Error::DeadlineExceeded { .. }), "{err:?}");
    assert_eq!(err.attempts(), 1);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_retry_after_past_the_deadline_is_not_waited_out() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "30"))
        .mount(&server)
        .await;
    let client = client(&server);
    let started = Instant::now();
    let err = client
        .list_sites()
        .dealer_id(42)
        .with_options(RequestOptions::new().timeout(Duration::from_secs(2)))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(err.attempts(), 1);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "ends at once: {:?}",
        started.elapsed()
    );
    // Without a deadline the same call waits out nothing longer than
    // max_retry_after either, and is not a timeout.
    let err = client
        .list_sites()
        .dealer_id(42)
        .with_options(RequestOptions::new().retry(fast().max_retry_after(Duration::from_secs(1))))
        .send()
        .await
        .unwrap_err();
    assert!(!err.is_timeout(), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
}

#[tokio::test]
async fn an_attempt_timeout_is_retried_for_idempotent_calls() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(sites().set_delay(Duration::from_secs(10)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(sites())
        .mount(&server)
        .await;
    let client = client(&server);
    let options = RequestOptions::new().attempt_timeout(Duration::from_millis(300));
    let sites = client
        .list_sites()
        .dealer_id(42)
        .with_options(options)
        .send()
        .await
        .unwrap();
    assert!(!sites.is_empty());
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn per_call_retry_policy_and_attempt_count() {
    let server = MockServer::start().await;
    mount(&server, 503).await;
    let client = client(&server);
    let err = client.list_sites().dealer_id(42).send().await.unwrap_err();
    assert_eq!(err.attempts(), 3, "the client's policy: 3 attempts");
    let once = RequestOptions::new().retry(RetryPolicy::none());
    let err = client
        .list_sites()
        .dealer_id(42)
        .with_options(once)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.attempts(), 1);
    assert!(!err.is_timeout());
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
}

#[tokio::test]
async fn a_post_declared_idempotent_is_retried_on_503() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SITES))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let client = client(&server);
    let body = || {
        CreateSiteRequestDto::builder()
            .external_site_id("x")
            .name("HQ")
            .timezone("Asia/Seoul")
    };
    let err = client
        .create_site()
        .dealer_id(42)
        .body(body())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.attempts(), 1, "a POST is not retried by default");
    let err = client
        .create_site()
        .dealer_id(42)
        .body(body())
        .with_options(RequestOptions::new().idempotent(true))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.attempts(), 3);
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
}

#[tokio::test]
async fn headers_from_defaults_and_the_call_are_sent_on_every_attempt() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(sites())
        .mount(&server)
        .await;
    let client = builder(&server)
        .default_options(
            RequestOptions::new()
                .header(name("x-default"), HeaderValue::from_static("d"))
                .header(name("x-both"), HeaderValue::from_static("default")),
        )
        .build()
        .unwrap();
    let options = RequestOptions::new()
        .header(name("x-call"), HeaderValue::from_static("c"))
        .header(name("x-both"), HeaderValue::from_static("call"));
    client
        .list_sites()
        .dealer_id(42)
        .with_options(options)
        .send()
        .await
        .unwrap();
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 2);
    for request in &received {
        assert_eq!(header_of(request, "x-default"), ["d"]);
        assert_eq!(header_of(request, "x-call"), ["c"]);
        assert_eq!(
            header_of(request, "x-both"),
            ["call"],
            "the call's replaces the default's"
        );
        assert_eq!(
            header_of(request, "authorization"),
            [format!("Bearer {TOKEN}")]
        );
    }
}

#[tokio::test]
async fn a_header_the_client_owns_is_refused_and_nothing_is_sent() {
    let server = MockServer::start().await;
    mount(&server, 200).await;
    let client = client(&server);
    for owned in ["authorization", "x-partner-trace-id", "api-version"] {
        let options = RequestOptions::new().header(name(owned), HeaderValue::from_static("mine"));
        let err = client
            .list_sites()
            .dealer_id(42)
            .with_options(options.clone())
            .send()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
        assert!(err.to_string().contains(owned), "{err}");
        assert_eq!(err.attempts(), 0);
        let raw = client.request(Method::GET, SITES).with_options(options);
        let err = raw.send_as::<serde_json::Value>().await.unwrap_err();
        assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    }
    let defaults = builder(&server)
        .default_options(
            RequestOptions::new().header(name("authorization"), HeaderValue::from_static("x")),
        )
        .build()
        .unwrap();
    assert!(defaults.list_sites().dealer_id(42).send().await.is_err());
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn paging_applies_the_options_to_every_page() {
    let server = MockServer::start().await;
    let rows = recordings::site_rows(3);
    for (offset, page) in [(0, &rows[..2]), (2, &rows[2..])] {
        Mock::given(method("GET"))
            .and(path(SITES))
            .and(query_param("offset", offset.to_string()))
            .and(header("x-sync", "nightly"))
            .respond_with(ResponseTemplate::new(200).set_body_json(page))
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = client(&server);
    let options = RequestOptions::new().header(name("x-sync"), HeaderValue::from_static("nightly"));
    let all: Vec<_> = client
        .list_sites()
        .dealer_id(42)
        .with_options(options)
        .into_stream_with_page_size(2)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
}

#[tokio::test]
async fn a_raw_request_goes_through_auth_and_error_mapping() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/partner/v1/dealers/42/firmware"))
        .and(query_param("channel", "stable"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("api-version", "0.8.0"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!([{"version": "2.1"}])),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/partner/v1/dealers/42/notes"))
        .and(body_json(serde_json::json!({"text": "hi"})))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(recordings::body("get_site", "404-not-found.json")),
        )
        .mount(&server)
        .await;
    let client = client(&server);
    #[derive(serde::Deserialize)]
    struct Firmware {
        version: String,
    }
    let firmware = client
        .request(Method::GET, "/partner/v1/dealers/42/firmware")
        .query(&[("channel", "stable")])
        .send_as::<Vec<Firmware>>()
        .await
        .unwrap();
    assert_eq!(firmware[0].version, "2.1");
    let get = &server.received_requests().await.unwrap()[0];
    assert_eq!(
        header_of(get, "x-partner-trace-id").len(),
        1,
        "a trace id like any call"
    );
    let err = client
        .request(Method::POST, "/partner/v1/dealers/42/notes")
        .json(&serde_json::json!({"text": "hi"}))
        .send_as::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert_eq!(err.attempts(), 1);
    for bad in ["https://evil.example/steal", "//evil.example/x", "sites"] {
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
    let odd = Method::from_bytes(b"PURGE").unwrap();
    let err = client
        .request(odd, "/x")
        .send_as::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("PURGE"), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[derive(Debug)]
struct Retry500;

impl RetryClassifier for Retry500 {
    fn should_retry(&self, outcome: &Outcome<'_>, idempotent: bool) -> bool {
        match outcome {
            Outcome::Status(status, _) if status.as_u16() == 500 => idempotent,
            other => DefaultClassifier.should_retry(other, idempotent),
        }
    }
}

#[tokio::test]
async fn a_custom_classifier_decides_what_is_retried() {
    let server = MockServer::start().await;
    mount(&server, 500).await;
    let default = client(&server);
    assert_eq!(
        default
            .list_sites()
            .dealer_id(42)
            .send()
            .await
            .unwrap_err()
            .attempts(),
        1
    );
    let custom = builder(&server).retry_classifier(Retry500).build().unwrap();
    assert_eq!(
        custom
            .list_sites()
            .dealer_id(42)
            .send()
            .await
            .unwrap_err()
            .attempts(),
        3
    );
}

#[tokio::test]
async fn the_retry_budget_stops_retries_in_an_outage() {
    let server = MockServer::start().await;
    mount(&server, 503).await;
    let client = builder(&server)
        .retry_budget(RetryBudget::new(10).retry_cost(5))
        .build()
        .unwrap();
    let first = client.list_sites().dealer_id(42).send().await.unwrap_err();
    assert_eq!(first.attempts(), 3, "two retries fit the budget");
    let second = client.list_sites().dealer_id(42).send().await.unwrap_err();
    assert_eq!(second.attempts(), 1, "the budget is spent: no retry");
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
}

#[derive(Default, Clone)]
struct Recorder {
    seen: Arc<Mutex<Vec<String>>>,
}

impl Interceptor for Recorder {
    fn before_attempt(&self, info: &AttemptInfo<'_>, request: &mut reqwest::Request) {
        self.seen.lock().unwrap().push(format!(
            "before {} {} {} #{}",
            info.operation, info.method, info.url_template, info.attempt
        ));
        request
            .headers_mut()
            .insert("x-attempt", HeaderValue::from(info.attempt));
    }

    fn after_attempt(&self, info: &AttemptInfo<'_>, result: &AttemptResult<'_>) {
        let what = match result {
            AttemptResult::Response { status, .. } => status.as_u16().to_string(),
            AttemptResult::Failed(_) => "failed".to_string(),
            _ => "other".to_string(),
        };
        self.seen
            .lock()
            .unwrap()
            .push(format!("after #{} {what}", info.attempt));
    }
}

#[tokio::test]
async fn interceptors_see_every_attempt_and_can_add_headers() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(sites())
        .mount(&server)
        .await;
    let recorder = Recorder::default();
    let client = builder(&server)
        .interceptor(recorder.clone())
        .build()
        .unwrap();
    client.list_sites().dealer_id(42).send().await.unwrap();
    let seen = recorder.seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            "before list_sites GET /partner/v1/dealers/{dealerId}/sites #1",
            "after #1 503",
            "before list_sites GET /partner/v1/dealers/{dealerId}/sites #2",
            "after #2 200",
        ]
    );
    let received = server.received_requests().await.unwrap();
    assert_eq!(header_of(&received[0], "x-attempt"), ["1"]);
    assert_eq!(header_of(&received[1], "x-attempt"), ["2"]);
}

/// The recorded client-credentials token response, handing out `token`.
fn token(token: &str) -> ResponseTemplate {
    let mut body = recordings::body("create_token", "200-client-credentials.json");
    body["access_token"] = token.into();
    ResponseTemplate::new(200).set_body_json(body)
}

fn invalid_token() -> ResponseTemplate {
    ResponseTemplate::new(401)
        .insert_header(
            "www-authenticate",
            r#"Bearer error="invalid_token", error_description="revoked""#,
        )
        .set_body_json(recordings::body("list_sites", "401-invalid-token.json"))
}

#[tokio::test]
async fn a_token_the_server_no_longer_accepts_is_fetched_again_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token("first"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token("second"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .and(header("authorization", "Bearer first"))
        .respond_with(invalid_token())
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .and(header("authorization", "Bearer second"))
        .respond_with(sites())
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .client_credentials("partner-id", "partner-secret")
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let sites = client.list_sites().dealer_id(42).send().await.unwrap();
    assert!(!sites.is_empty());
    let received = server.received_requests().await.unwrap();
    let calls: Vec<_> = received.iter().map(|r| r.url.path().to_string()).collect();
    assert_eq!(calls, ["/oauth/token", SITES, "/oauth/token", SITES]);
}

#[tokio::test]
async fn a_token_rejected_twice_is_an_error_not_a_loop() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token("always-revoked"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(invalid_token())
        .mount(&server)
        .await;
    let partner = Client::builder()
        .base_url(server.uri())
        .client_credentials("partner-id", "partner-secret")
        .build()
        .unwrap();
    let err = partner.list_sites().dealer_id(42).send().await.unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert_eq!(err.attempts(), 2);
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        4,
        "two tokens, two calls"
    );
    // A static bearer token cannot be renewed: one attempt, the 401 as is.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(invalid_token())
        .mount(&server)
        .await;
    let err = client(&server)
        .list_sites()
        .dealer_id(42)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(err.attempts(), 1);
}

/// A provider handing out numbered tokens, counting invalidations.
#[derive(Default, Clone)]
struct Numbered {
    issued: Arc<Mutex<u32>>,
    invalidated: Arc<Mutex<Vec<String>>>,
}

impl chekt_api::auth::CredentialsProvider for Numbered {
    fn schemes(&self) -> chekt_api::auth::Schemes {
        chekt_api::auth::Schemes::Any
    }

    fn credential<'a>(
        &'a self,
        _: &'a chekt_api::auth::CredentialRequest<'a>,
    ) -> futures::future::BoxFuture<'a, chekt_api::Result<chekt_api::auth::Credential>> {
        let n = {
            let mut issued = self.issued.lock().unwrap();
            *issued += 1;
            *issued
        };
        Box::pin(async move {
            Ok(chekt_api::auth::Credential::bearer(&format!("vault-{n}"))
                .unwrap()
                .renewable(true))
        })
    }

    fn invalidate(&self, rejected: &chekt_api::auth::Credential) {
        let header = rejected.header_value().to_str().unwrap().to_string();
        self.invalidated.lock().unwrap().push(header);
    }
}

#[tokio::test]
async fn a_custom_provider_is_asked_and_told_what_the_server_rejected() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .and(header("authorization", "Bearer vault-1"))
        .respond_with(invalid_token())
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .and(header("authorization", "Bearer vault-2"))
        .respond_with(sites())
        .mount(&server)
        .await;
    let provider = Numbered::default();
    let client = Client::builder()
        .base_url(server.uri())
        .credentials_provider(provider.clone())
        .build()
        .unwrap();
    client.list_sites().dealer_id(42).send().await.unwrap();
    assert_eq!(*provider.invalidated.lock().unwrap(), ["Bearer vault-1"]);
    assert_eq!(*provider.issued.lock().unwrap(), 2);
    // A 401 that does not say the token is no longer valid (a key the
    // server does not know) is returned as is: nothing invalidated.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(recordings::body("list_sites", "401-invalid-token.json")),
        )
        .mount(&server)
        .await;
    let provider = Numbered::default();
    let client = Client::builder()
        .base_url(server.uri())
        .credentials_provider(provider.clone())
        .build()
        .unwrap();
    let err = client.list_sites().dealer_id(42).send().await.unwrap_err();
    assert_eq!(err.attempts(), 1);
    assert!(provider.invalidated.lock().unwrap().is_empty());
}

#[tokio::test]
async fn derived_clients_use_their_own_credentials() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/devices"))
        .respond_with(ResponseTemplate::new(200).set_body_json(recordings::body(
            "list_public_devices",
            "200-last-page.json",
        )))
        .mount(&server)
        .await;
    let base = client(&server);
    let keys = [
        "chekt_test_0123456789abcdefghijklmnop",
        "chekt_test_zyxwvutsrqponmlkjihgfedcba",
    ];
    for key in keys {
        let dealer = base.with_credentials(chekt_api::auth::ApiKey::new(key).unwrap());
        dealer.list_public_devices().send().await.unwrap();
    }
    base.list_public_devices().send().await.unwrap();
    let sent: Vec<_> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .flat_map(|r| header_of(r, "authorization"))
        .collect();
    assert_eq!(
        sent,
        [
            format!("Bearer {}", keys[0]),
            format!("Bearer {}", keys[1]),
            format!("Bearer {TOKEN}"),
        ]
    );
}

const OK_SITES: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n[]";

/// A server whose first connection answers one request, then closes when
/// the next one arrives on it (a keep-alive connection the server had
/// already dropped); later connections answer every request. Counts
/// connections and requests.
async fn closing_server() -> (String, Arc<Mutex<(u32, u32)>>) {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new((0u32, 0u32)));
    let counts = seen.clone();
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            let connection = {
                let mut seen = counts.lock().unwrap();
                seen.0 += 1;
                seen.0
            };
            let counts = counts.clone();
            tokio::spawn(async move {
                let mut served = 0;
                while support::read_request(&mut stream).await {
                    counts.lock().unwrap().1 += 1;
                    if connection == 1 && served == 1 {
                        return; // dropped without an answer
                    }
                    served += 1;
                    stream.write_all(OK_SITES).await.unwrap();
                }
            });
        }
    });
    (format!("http://{addr}"), seen)
}

#[tokio::test]
async fn a_kept_alive_connection_the_server_closed_is_retried_when_idempotent() {
    let (base, seen) = closing_server().await;
    let client = Client::builder()
        .base_url(&base)
        .bearer_token(TOKEN)
        .retry(fast())
        .build()
        .unwrap();
    client.list_sites().dealer_id(42).send().await.unwrap();
    let second = client.list_sites().dealer_id(42).send().await.unwrap();
    assert!(second.is_empty());
    let (connections, requests) = *seen.lock().unwrap();
    assert_eq!(
        (connections, requests),
        (2, 3),
        "the dropped request was sent again on a new connection"
    );

    // Not idempotent: it may have been processed, so it is not sent again.
    let (base, seen) = closing_server().await;
    let client = Client::builder()
        .base_url(&base)
        .bearer_token(TOKEN)
        .retry(fast())
        .build()
        .unwrap();
    let post = || {
        client
            .request(Method::POST, "/partner/v1/dealers/42/notes")
            .json(&[1])
    };
    post().send_as::<Vec<u8>>().await.unwrap();
    let err = post().send_as::<Vec<u8>>().await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(err.attempts(), 1);
    assert_eq!(seen.lock().unwrap().1, 2);
}

/// A server answering every request with `head` and `body`, then keeping
/// the connection open without sending more (or closing it, `close`).
async fn stalling_server(head: &'static str, body: &'static [u8], close: bool) -> String {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                if support::read_request(&mut stream).await {
                    stream.write_all(head.as_bytes()).await.unwrap();
                    stream.write_all(body).await.unwrap();
                    if !close {
                        tokio::time::sleep(Duration::from_secs(60)).await;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_body_that_never_ends_is_bounded_by_the_deadline() {
    let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n";
    let base = stalling_server(head, b"[{\"site_id\":", false).await;
    let client = Client::builder()
        .base_url(&base)
        .bearer_token(TOKEN)
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client
        .list_sites()
        .dealer_id(42)
        .with_options(RequestOptions::new().timeout(Duration::from_millis(500)))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    // A body that never ends and has no length: the size limit ends it.
    let chunked =
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
    let base = stalling_server(chunked, b"800\r\n[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", false).await;
    let small = Client::builder()
        .base_url(&base)
        .bearer_token(TOKEN)
        .max_response_size(64)
        .build()
        .unwrap();
    let err = small
        .list_sites()
        .dealer_id(42)
        .with_options(RequestOptions::new().timeout(Duration::from_secs(5)))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ResponseTooLarge { .. }), "{err:?}");
}

#[tokio::test]
async fn a_body_that_ends_early_is_an_error_not_a_hang() {
    let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n";
    let base = stalling_server(head, b"[{\"site_id\":", true).await;
    let client = Client::builder()
        .base_url(&base)
        .bearer_token(TOKEN)
        .build()
        .unwrap();
    let err = client
        .list_sites()
        .dealer_id(42)
        .with_options(RequestOptions::new().timeout(Duration::from_secs(5)))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(!err.is_timeout());
}

#[tokio::test]
async fn the_deadline_bounds_the_token_fetch_and_throttle_waits() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token("slow").set_delay(Duration::from_secs(10)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(sites())
        .mount(&server)
        .await;
    let partner = Client::builder()
        .base_url(server.uri())
        .client_credentials("partner-id", "partner-secret")
        .build()
        .unwrap();
    let started = Instant::now();
    let err = partner
        .list_sites()
        .dealer_id(42)
        .with_options(RequestOptions::new().timeout(Duration::from_millis(300)))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(err.attempts(), 0, "the API was never called");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // One request a minute: the second call would wait ~60 s for the
    // throttle; its deadline ends it instead.
    let throttled = builder(&server)
        .throttle(
            chekt_api::rate_limit::Throttle::new()
                .budget(1, Duration::from_secs(60))
                .max_wait(Duration::from_secs(120)),
        )
        .build()
        .unwrap();
    throttled.list_sites().dealer_id(42).send().await.unwrap();
    let started = Instant::now();
    let err = throttled
        .list_sites()
        .dealer_id(42)
        .with_options(RequestOptions::new().timeout(Duration::from_millis(300)))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_token_rejected_in_the_middle_of_paging_is_fetched_again() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token("first"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token("second"))
        .mount(&server)
        .await;
    let rows = recordings::site_rows(3);
    Mock::given(method("GET"))
        .and(path(SITES))
        .and(query_param("offset", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&rows[..2]))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .and(query_param("offset", "2"))
        .and(header("authorization", "Bearer first"))
        .respond_with(invalid_token())
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .and(query_param("offset", "2"))
        .and(header("authorization", "Bearer second"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&rows[2..]))
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .client_credentials("partner-id", "partner-secret")
        .build()
        .unwrap();
    let all: Vec<_> = client
        .list_sites()
        .dealer_id(42)
        .into_stream_with_page_size(2)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    let tokens = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/oauth/token")
        .count();
    assert_eq!(tokens, 2);
}

/// The pipeline's state (kilobytes: every stage's future) lives on the
/// heap, and `send()` is a plain fn whose future holds only what sending
/// needs (not the builder twice, as an `async fn` would: the generator's
/// `unasync` step), so the future a builder's `send()` returns stays small
/// to move into `join_all`, a spawned task or a stream (it was 9.6 KiB,
/// then 1.1 KiB with the builder held twice; now under 0.5 KiB).
#[test]
fn a_send_future_is_small_to_move() {
    let client = Client::builder()
        .base_url("http://127.0.0.1:9")
        .bearer_token("t")
        .build()
        .unwrap();
    let plain = client.list_sites().dealer_id(42).send();
    let with_options = client
        .list_sites()
        .dealer_id(42)
        .with_options(RequestOptions::new().timeout(Duration::from_secs(1)))
        .send();
    for size in [size_of_val(&plain), size_of_val(&with_options)] {
        assert!(size <= 640, "a send() future of {size} bytes");
    }
    // A raw request goes through the same pipeline (it was 4.7 KiB).
    let raw = client
        .request(Method::GET, "/partner/v1/dealers/42/firmware")
        .send_as::<serde_json::Value>();
    assert!(
        size_of_val(&raw) <= 1024,
        "a raw send_as() future of {} bytes",
        size_of_val(&raw)
    );
}
