//! A generated operation's request is built anew for each attempt:
//! every retry (503, transport, 401 refresh) must send the same request as
//! the first attempt, the pipeline's own headers once, one trace id;
//! interceptor changes must not leak; paging, options and raw requests keep
//! working; builder errors come back as `InvalidRequest` with nothing sent.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chekt_api::http::{HeaderName, HeaderValue};
use chekt_api::pagination::OffsetPagedExt;
use chekt_api::prelude::*;
use chekt_api::retry::RetryPolicy;
use chekt_api::types::{CreateSiteRequestDto, SortDirection};
use chekt_api::{
    AttemptInfo, AttemptResult, Client, ClientBuilder, Error, Interceptor, RequestOptions,
};
use futures::TryStreamExt;
use reqwest::Method;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SITES: &str = "/partner/v1/dealers/42/sites";
const DEVICES: &str = "/partner/v1/dealers/42/sites/7/devices";

fn name(n: &'static str) -> HeaderName {
    HeaderName::from_static(n)
}

fn values(request: &Request, name: &str) -> Vec<String> {
    request
        .headers
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

/// Every header name and all its values in order, minus `except`.
fn header_list(request: &Request, except: &[&str]) -> Vec<(String, Vec<String>)> {
    let mut names: Vec<String> = request
        .headers
        .keys()
        .map(|k| k.as_str().to_string())
        .filter(|k| !except.contains(&k.as_str()))
        .collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|n| {
            let v = values(request, &n);
            (n, v)
        })
        .collect()
}

/// `b` is the same request as `a` (method, URL with query, body, headers)
/// but for the headers in `except`.
fn assert_same(a: &Request, b: &Request, except: &[&str], what: &str) {
    assert_eq!(a.method, b.method, "{what}: method");
    assert_eq!(a.url, b.url, "{what}: url");
    assert_eq!(a.body, b.body, "{what}: body");
    assert_eq!(
        header_list(a, except),
        header_list(b, except),
        "{what}: headers"
    );
}

async fn received(server: &MockServer, p: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == p)
        .collect()
}

fn fast(attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(attempts)
        .base_delay(Duration::from_millis(2))
        .max_delay(Duration::from_millis(2))
}

fn bearer(server: &MockServer, attempts: u32) -> ClientBuilder {
    Client::builder()
        .base_url(server.uri())
        .bearer_token("t")
        .retry(fast(attempts))
}

async fn mount_seq(server: &MockServer, m: &str, p: &str, statuses: &[u16]) {
    for (i, status) in statuses.iter().enumerate() {
        let mock = Mock::given(method(m))
            .and(path(p))
            .respond_with(ResponseTemplate::new(*status));
        if i + 1 < statuses.len() {
            mock.up_to_n_times(1).mount(server).await;
        } else {
            mock.mount(server).await;
        }
    }
}

async fn mount_tokens(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"access_token": "first", "expires_in": 3600})),
        )
        .up_to_n_times(1)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"access_token": "second", "expires_in": 3600})),
        )
        .mount(server)
        .await;
}

/// `m` to [`SITES`]: a 503 once, then a 401 `invalid_token` for the
/// first token, then a 418 for the second (the tokens from
/// [`mount_tokens`]).
async fn mount_retry_then_refresh(server: &MockServer, m: &str) {
    mount_tokens(server).await;
    Mock::given(method(m))
        .and(path(SITES))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(server)
        .await;
    Mock::given(method(m))
        .and(path(SITES))
        .and(header("authorization", "Bearer first"))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header("www-authenticate", r#"Bearer error="invalid_token""#),
        )
        .mount(server)
        .await;
    Mock::given(method(m))
        .and(path(SITES))
        .and(header("authorization", "Bearer second"))
        .respond_with(ResponseTemplate::new(418))
        .mount(server)
        .await;
}

fn site_body() -> chekt_api::types::builder::CreateSiteRequestDto {
    CreateSiteRequestDto::builder()
        .external_site_id("x")
        .name("HQ \u{1F3E2} \"quoted\"")
        .timezone("Asia/Seoul")
}

// 1. A GET with path, every query parameter, option headers (two values of
// one name), client default options and the generated trace id: three
// attempts (503, 503, 418) send the very same request.
#[tokio::test]
async fn a_get_with_query_is_identical_on_every_retry() {
    let server = MockServer::start().await;
    mount_seq(&server, "GET", DEVICES, &[503, 503, 418]).await;
    let client = bearer(&server, 3)
        .default_options(
            RequestOptions::new().header(name("x-default"), HeaderValue::from_static("d")),
        )
        .build()
        .unwrap();
    let err = client
        .list_devices()
        .dealer_id(42)
        .site_id(7)
        .dir(SortDirection::Desc)
        .fields("device_id,name")
        .filter(vec![
            "name,a b&c,eq".to_string(),
            "is_activated,1,eq".to_string(),
        ])
        .limit(5)
        .offset(10)
        .sort("name")
        .with_options(
            RequestOptions::new()
                .header(name("x-multi"), HeaderValue::from_static("a"))
                .header(name("x-multi"), HeaderValue::from_static("b"))
                .header(name("accept"), HeaderValue::from_static("text/plain")),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(418), "{err:?}");
    assert_eq!(err.attempts(), 3);
    let sent = received(&server, DEVICES).await;
    assert_eq!(sent.len(), 3);
    assert!(
        sent[0].url.query().unwrap().contains("offset=10"),
        "{}",
        sent[0].url
    );
    assert_eq!(values(&sent[0], "x-multi"), ["a", "b"]);
    assert_eq!(values(&sent[0], "x-default"), ["d"]);
    assert_eq!(
        values(&sent[0], "accept"),
        ["application/json", "text/plain"]
    );
    assert_eq!(values(&sent[0], "x-partner-trace-id").len(), 1);
    assert_eq!(values(&sent[0], "api-version").len(), 1);
    for (i, r) in sent.iter().enumerate() {
        assert_same(&sent[0], r, &[], &format!("attempt {}", i + 1));
    }
}

// 1. PUT with a JSON body (idempotent): a 503 retry sends the same bytes.
#[tokio::test]
async fn a_put_json_body_is_identical_on_retry() {
    let server = MockServer::start().await;
    mount_seq(&server, "PUT", DEVICES, &[503, 503, 503]).await;
    let client = bearer(&server, 3).build().unwrap();
    let body: Vec<chekt_api::types::UpdateDeviceRequestDto> =
        serde_json::from_value(serde_json::json!([
            {"device_id": 501, "name": "Main Entrance (north) é"},
            {"device_id": 502, "name": "Back"}
        ]))
        .unwrap();
    let trace = uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes()).into_uuid();
    let err = client
        .update_devices()
        .dealer_id(42)
        .site_id(7)
        .x_partner_trace_id(trace)
        .body(body)
        .with_options(RequestOptions::new().header(name("x-call"), HeaderValue::from_static("c")))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.attempts(), 3, "{err:?}");
    let sent = received(&server, DEVICES).await;
    assert_eq!(sent.len(), 3);
    assert!(!sent[0].body.is_empty());
    assert_eq!(values(&sent[0], "content-type"), ["application/json"]);
    assert_eq!(values(&sent[0], "x-partner-trace-id"), [trace.to_string()]);
    assert_eq!(values(&sent[0], "x-call"), ["c"]);
    for (i, r) in sent.iter().enumerate() {
        assert_same(&sent[0], r, &[], &format!("attempt {}", i + 1));
    }
}

// 1+2. POST idempotent(true), caller's trace id: 503 retry, then a 401
// invalid_token refresh: same request, only the credential changes; the
// caller's trace id once on each.
#[tokio::test]
async fn a_post_retry_then_refresh_sends_the_same_request_with_the_new_token() {
    let server = MockServer::start().await;
    mount_retry_then_refresh(&server, "POST").await;
    let client = Client::builder()
        .base_url(server.uri())
        .client_credentials("id", "secret")
        .retry(fast(2))
        .build()
        .unwrap();
    let trace = uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes()).into_uuid();
    let err = client
        .create_site()
        .dealer_id(42)
        .x_partner_trace_id(trace)
        .body(site_body())
        .with_options(
            RequestOptions::new()
                .idempotent(true)
                .header(name("x-call"), HeaderValue::from_static("c")),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(418), "{err:?}");
    let sent = received(&server, SITES).await;
    assert_eq!(sent.len(), 3);
    let bearers: Vec<_> = sent.iter().map(|r| values(r, "authorization")).collect();
    assert_eq!(
        bearers,
        [["Bearer first"], ["Bearer first"], ["Bearer second"]]
    );
    for (i, r) in sent.iter().enumerate() {
        assert_eq!(
            values(r, "x-partner-trace-id"),
            [trace.to_string()],
            "attempt {i}"
        );
        assert_eq!(values(r, "x-call"), ["c"], "attempt {i}");
        assert_same(
            &sent[0],
            r,
            &["authorization"],
            &format!("attempt {}", i + 1),
        );
    }
}

// A POST not declared idempotent is still not retried on 503 (one request).
#[tokio::test]
async fn a_plain_post_is_not_retried_on_503() {
    let server = MockServer::start().await;
    mount_seq(&server, "POST", SITES, &[503, 200]).await;
    let client = bearer(&server, 3).build().unwrap();
    let err = client
        .create_site()
        .dealer_id(42)
        .body(site_body())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.attempts(), 1, "{err:?}");
    assert_eq!(received(&server, SITES).await.len(), 1);
}

// 2. A generated trace id: one value, the same on every attempt of one
// call, another for the next call; a refresh keeps it too.
#[tokio::test]
async fn a_generated_trace_id_is_kept_across_retries_and_refresh() {
    let server = MockServer::start().await;
    mount_retry_then_refresh(&server, "GET").await;
    let client = Client::builder()
        .base_url(server.uri())
        .client_credentials("id", "secret")
        .retry(fast(3))
        .build()
        .unwrap();
    for call in 0..2 {
        let _ = client.list_sites().dealer_id(42).limit(3).send().await;
        let _ = call;
    }
    let sent = received(&server, SITES).await;
    // call 1: 503, 401, 418; call 2: 418 (second token cached)
    assert_eq!(
        sent.len(),
        4,
        "{:?}",
        sent.iter()
            .map(|r| values(r, "authorization"))
            .collect::<Vec<_>>()
    );
    let trace = values(&sent[0], "x-partner-trace-id");
    assert_eq!(trace.len(), 1);
    uuid::Uuid::parse_str(&trace[0]).unwrap();
    for (i, r) in sent[..3].iter().enumerate() {
        assert_same(
            &sent[0],
            r,
            &["authorization"],
            &format!("attempt {}", i + 1),
        );
    }
    assert_ne!(
        values(&sent[3], "x-partner-trace-id"),
        trace,
        "a new call, a new id"
    );
}

/// What an interceptor saw: the operation, the attempt, the trace id and
/// the `Authorization` header.
type Seen = (String, u32, Option<String>, Option<String>);

/// Changes attempt 1's request in every way it can; records what it sees.
#[derive(Default)]
struct Meddler {
    seen: Mutex<Vec<Seen>>,
}

impl Interceptor for Meddler {
    fn before_attempt(&self, info: &AttemptInfo<'_>, request: &mut reqwest::Request) {
        let trace = request
            .headers()
            .get("x-partner-trace-id")
            .map(|v| v.to_str().unwrap().to_string());
        let auth = request
            .headers()
            .get("authorization")
            .map(|v| v.to_str().unwrap().to_string());
        self.seen
            .lock()
            .unwrap()
            .push(("before".into(), info.attempt, trace, auth));
        request
            .headers_mut()
            .append(name("x-attempt"), HeaderValue::from(info.attempt));
        if info.attempt == 1 {
            request.headers_mut().remove("x-partner-trace-id");
            request.headers_mut().remove("x-call");
            request
                .headers_mut()
                .insert(name("x-once"), HeaderValue::from_static("1"));
            request
                .url_mut()
                .query_pairs_mut()
                .append_pair("hijack", "1");
            *request.body_mut() = Some(reqwest::Body::from("changed"));
        }
    }

    fn after_attempt(&self, info: &AttemptInfo<'_>, result: &AttemptResult<'_>) {
        let status = match result {
            AttemptResult::Response { status, .. } => status.as_u16().to_string(),
            AttemptResult::Failed(_) => "failed".into(),
            _ => "?".into(),
        };
        self.seen
            .lock()
            .unwrap()
            .push((format!("after {status}"), info.attempt, None, None));
    }
}

// 3. An interceptor's changes to attempt 1 (a header added, the trace id
// and an option header removed, the query and body changed) do not carry
// over to attempt 2, as before; attempts are numbered 1, 2, 3 through a
// retry and a refresh, and the interceptor sees the new credential.
#[tokio::test]
async fn interceptor_changes_do_not_carry_over_and_attempts_count() {
    let server = MockServer::start().await;
    mount_retry_then_refresh(&server, "POST").await;
    let meddler = Arc::new(Meddler::default());
    struct Shared(Arc<Meddler>);
    impl Interceptor for Shared {
        fn before_attempt(&self, info: &AttemptInfo<'_>, request: &mut reqwest::Request) {
            self.0.before_attempt(info, request)
        }
        fn after_attempt(&self, info: &AttemptInfo<'_>, result: &AttemptResult<'_>) {
            self.0.after_attempt(info, result)
        }
    }
    let client = Client::builder()
        .base_url(server.uri())
        .client_credentials("id", "secret")
        .retry(fast(2))
        .interceptor(Shared(Arc::clone(&meddler)))
        .build()
        .unwrap();
    let err = client
        .create_site()
        .dealer_id(42)
        .body(site_body())
        .with_options(
            RequestOptions::new()
                .idempotent(true)
                .header(name("x-call"), HeaderValue::from_static("c")),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(418), "{err:?}");
    assert_eq!(err.attempts(), 3);
    let sent = received(&server, SITES).await;
    assert_eq!(sent.len(), 3);
    assert_eq!(values(&sent[0], "x-once"), ["1"]);
    assert!(sent[0].url.query().unwrap_or("").contains("hijack"));
    assert_eq!(sent[0].body, b"changed");
    for r in &sent[1..] {
        assert!(
            values(r, "x-once").is_empty(),
            "a change to attempt 1 carried over"
        );
        assert!(r.url.query().is_none(), "{}", r.url);
        assert_ne!(r.body, b"changed");
        assert_eq!(values(r, "x-call"), ["c"]);
        assert_eq!(values(r, "x-partner-trace-id").len(), 1);
    }
    assert_same(
        &sent[1],
        &sent[2],
        &["authorization", "x-attempt"],
        "attempts 2 and 3",
    );
    let attempts: Vec<_> = sent.iter().map(|r| values(r, "x-attempt")).collect();
    assert_eq!(attempts, [["1"], ["2"], ["3"]]);
    let seen = meddler.seen.lock().unwrap().clone();
    let order: Vec<_> = seen.iter().map(|(w, a, _, _)| format!("{w}#{a}")).collect();
    assert_eq!(
        order,
        [
            "before#1",
            "after 503#1",
            "before#2",
            "after 401#2",
            "before#3",
            "after 418#3"
        ]
    );
    // The interceptor sees the trace id the pipeline set, the same each time,
    // and the credential of the attempt.
    let befores: Vec<_> = seen.iter().filter(|s| s.0 == "before").collect();
    assert!(befores[0].2.is_some());
    assert_eq!(befores[0].2, befores[1].2);
    assert_eq!(befores[1].2, befores[2].2);
    assert_eq!(
        befores
            .iter()
            .map(|s| s.3.clone().unwrap())
            .collect::<Vec<_>>(),
        ["Bearer first", "Bearer first", "Bearer second"]
    );
}

// 4. Paging: a 503 on page 2 is retried with the same page request, options
// included, and the stream goes on.
#[tokio::test]
async fn paging_retries_a_page_with_the_same_request() {
    let server = MockServer::start().await;
    let rows = support::recordings::site_rows(3);
    Mock::given(method("GET"))
        .and(path(SITES))
        .and(query_param("offset", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&rows[..2]))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .and(query_param("offset", "2"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .and(query_param("offset", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&rows[2..]))
        .mount(&server)
        .await;
    let client = bearer(&server, 3).build().unwrap();
    let all: Vec<_> = client
        .list_sites()
        .dealer_id(42)
        .with_options(RequestOptions::new().header(name("x-sync"), HeaderValue::from_static("n")))
        .into_stream_with_page_size(2)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    let sent = received(&server, SITES).await;
    assert_eq!(sent.len(), 3);
    assert_same(&sent[1], &sent[2], &[], "page 2 retried");
    assert_eq!(values(&sent[2], "x-sync"), ["n"]);
    assert_ne!(
        values(&sent[0], "x-partner-trace-id"),
        values(&sent[1], "x-partner-trace-id"),
        "each page is a call of its own"
    );
}

// 4. RawRequest still copies: a retried raw GET and idempotent POST send the
// same request; option headers once.
#[tokio::test]
async fn raw_request_retries_are_identical() {
    let server = MockServer::start().await;
    let notes = "/partner/v1/dealers/42/notes";
    mount_seq(&server, "GET", SITES, &[503, 503, 418]).await;
    mount_seq(&server, "POST", notes, &[503, 418]).await;
    let client = bearer(&server, 3).build().unwrap();
    let opts = || RequestOptions::new().header(name("x-call"), HeaderValue::from_static("c"));
    let err = client
        .request(Method::GET, SITES)
        .query(&[("limit", "5"), ("q", "a b")])
        .with_options(opts())
        .send_as::<serde_json::Value>()
        .await
        .unwrap_err();
    assert_eq!(err.attempts(), 3, "{err:?}");
    let sent = received(&server, SITES).await;
    for r in &sent {
        assert_same(&sent[0], r, &[], "raw GET");
        assert_eq!(values(r, "x-call"), ["c"]);
    }
    let err = client
        .request(Method::POST, notes)
        .json(&serde_json::json!({"text": "hi"}))
        .with_options(opts().idempotent(true))
        .send_as::<serde_json::Value>()
        .await
        .unwrap_err();
    assert_eq!(err.attempts(), 2, "{err:?}");
    let sent = received(&server, notes).await;
    assert_eq!(sent.len(), 2);
    assert_same(&sent[0], &sent[1], &[], "raw POST");
}

// 6. A missing required parameter, or a body that does not convert, is
// `InvalidRequest` when awaited, with nothing sent (and no token fetched);
// even with an owned header in the options.
#[tokio::test]
async fn builder_errors_are_invalid_requests_and_send_nothing() {
    let server = MockServer::start().await;
    mount_tokens(&server).await;
    let client = Client::builder()
        .base_url(server.uri())
        .client_credentials("id", "secret")
        .build()
        .unwrap();
    let no_dealer = client.create_site().body(site_body()).send();
    let no_body = client.create_site().dealer_id(42).send();
    let bad_body = client
        .create_site()
        .dealer_id(42)
        .body(CreateSiteRequestDto::builder().name("only a name"))
        .send();
    let owned_and_missing = client
        .list_sites()
        .with_options(
            RequestOptions::new().header(name("authorization"), HeaderValue::from_static("x")),
        )
        .send();
    for (what, result) in [
        ("no dealer", no_dealer.await.map(|_| ())),
        ("no body", no_body.await.map(|_| ())),
        ("bad body", bad_body.await.map(|_| ())),
        ("owned+missing", owned_and_missing.await.map(|_| ())),
    ] {
        let err = result.unwrap_err();
        assert!(
            matches!(err, Error::InvalidRequest { .. }),
            "{what}: {err:?}"
        );
        assert_eq!(err.attempts(), 0, "{what}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

// A transport failure (connection dropped) on attempt 1 of a GET: the retry
// rebuilds the same request.
#[tokio::test]
async fn a_transport_retry_rebuilds_the_same_request() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let heads = Arc::new(Mutex::new(Vec::<String>::new()));
    let h = Arc::clone(&heads);
    tokio::spawn(async move {
        for i in 0..2 {
            let (mut sock, _) = listener.accept().await.unwrap();
            let mut buf = vec![0u8; 8192];
            let mut got = Vec::new();
            loop {
                let n = sock.read(&mut buf).await.unwrap();
                got.extend_from_slice(&buf[..n]);
                if n == 0 || got.windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
            h.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&got).into_owned());
            if i == 0 {
                drop(sock); // no response: a transport error
            } else {
                let _ = sock
                    .write_all(b"HTTP/1.1 418 I'm a teapot\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
            }
        }
    });
    let client = Client::builder()
        .base_url(format!("http://{addr}"))
        .bearer_token("t")
        .retry(fast(2))
        .build()
        .unwrap();
    let err = client
        .list_sites()
        .dealer_id(42)
        .limit(3)
        .with_options(RequestOptions::new().header(name("x-call"), HeaderValue::from_static("c")))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.attempts(), 2, "{err:?}");
    let heads = heads.lock().unwrap().clone();
    assert_eq!(heads.len(), 2);
    let norm = |s: &str| {
        let mut lines: Vec<String> = s.lines().map(str::to_ascii_lowercase).collect();
        lines.sort();
        lines
    };
    assert_eq!(norm(&heads[0]), norm(&heads[1]));
    assert_eq!(heads[1].matches("x-call").count(), 1);
}

// Informational: the send() futures' sizes (the CHANGELOG quotes 488 bytes
// for list_sites(), measured when the future held the built request).
#[test]
fn send_future_sizes() {
    let client = Client::builder()
        .base_url("http://127.0.0.1:9")
        .bearer_token("t")
        .build()
        .unwrap();
    let sites = client.list_sites().dealer_id(42).send();
    let devices = client.list_devices().dealer_id(42).site_id(7).send();
    let create = client.create_site().dealer_id(42).body(site_body()).send();
    eprintln!(
        "list_sites {} list_devices {} create_site {}",
        size_of_val(&sites),
        size_of_val(&devices),
        size_of_val(&create)
    );
}
