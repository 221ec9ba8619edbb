//! A hostile or misbehaving server, one threat per test (the line above each
//! test names it): redirects that would carry credentials away, lists that
//! never end, odd token lifetimes, bodies as real servers send them
//! (byte-order mark, compression), failures that must be shared, and
//! secrets that must never be echoed. Loopback wiremock servers only; the
//! `chekt` binary's side is in the `cli` module at the end.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use chekt_api::auth::TokenError;
use chekt_api::pagination::{CursorPagedExt, FieldsPaged, OffsetPagedExt, Paging, PagingError};
use chekt_api::prelude::*;
use chekt_api::query::Fields;
use chekt_api::retry::RetryPolicy;
use chekt_api::types::CreateSiteRequestDto;
use chekt_api::{Client, Error};
use futures::{StreamExt, TryStreamExt};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SITES: &str = "/partner/v1/dealers/42/sites";
const DEVICES: &str = "/v1/devices";
const TOKEN: &str = "/oauth/token";
const SECRET: &str = "s3cr3t-client-secret";
const API_KEY: &str = "chekt_test_0123456789abcdefghijklmnop";
/// Tokens a hostile body carries; they must never show up in an error.
const LEAKED_ACCESS: &str = "at-LEAK-4f9a8b7c6d5e";
const LEAKED_REFRESH: &str = "rt-LEAK-1a2b3c4d5e6f";

fn site(id: i64) -> serde_json::Value {
    serde_json::json!({
        "site_id": id, "external_site_id": id.to_string(), "name": format!("Site {id}"),
        "monitoring_station_id": null, "external_monitoring_station_id": null,
        "account_number": null, "address1": null, "address2": null,
        "timezone": "Asia/Seoul", "is_activated": 1, "created_at": "2025-01-01 00:00:00"
    })
}

fn device(id: &str) -> serde_json::Value {
    serde_json::json!({"id": id, "type": "camera", "name": id, "site_id": "site_1", "status": "online"})
}

fn token(expires_in: serde_json::Value) -> ResponseTemplate {
    let mut body = serde_json::json!({"access_token": "tok-1", "token_type": "Bearer"});
    if !expires_in.is_null() {
        body["expires_in"] = expires_in;
    }
    ResponseTemplate::new(200).set_body_json(body)
}

async fn requests(server: &MockServer, http_method: &str, at: &str) -> usize {
    let all = server.received_requests().await.unwrap_or_default();
    all.iter()
        .filter(|r| r.method.as_str() == http_method && r.url.path() == at)
        .count()
}

fn builder(server: &MockServer) -> chekt_api::ClientBuilder {
    Client::builder()
        .base_url(server.uri())
        .timeout(Duration::from_secs(2))
        .retry(RetryPolicy::none())
}

fn partner(server: &MockServer) -> Client {
    builder(server)
        .client_credentials("partner-1", SECRET)
        .build()
        .unwrap()
}

async fn list_sites(client: &Client) -> Result<usize, Error> {
    let sites = client.list_sites().dealer_id(42).send().await?;
    Ok(sites.len())
}

/// A server on another port that would hand out a token and answer any
/// call: it must never be asked anything.
async fn foreign_server() -> MockServer {
    let foreign = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN))
        .respond_with(token(3600.into()))
        .mount(&foreign)
        .await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([site(666)])))
        .mount(&foreign)
        .await;
    foreign
}

fn redirect(status: u16, to: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).insert_header("location", to)
}

// ---- 1. redirects ------------------------------------------------------------

// Threat: a token endpoint redirect (any 3xx) re-posts the client secret to another origin and a foreign token is used.
#[tokio::test]
async fn a_redirected_token_endpoint_is_refused_and_the_other_origin_gets_nothing() {
    let foreign = foreign_server().await;
    for status in [301, 302, 303, 307, 308] {
        let server = MockServer::start().await;
        let to = format!("{}/oauth/token?client_secret=x", foreign.uri());
        Mock::given(method("POST"))
            .and(path(TOKEN))
            .respond_with(redirect(status, &to))
            .mount(&server)
            .await;
        let err = list_sites(&partner(&server)).await.unwrap_err();
        let shown = err.to_string();
        assert!(shown.contains(&status.to_string()), "{status}: {shown}");
        assert!(
            shown.contains(&format!("{}/oauth/token?…", foreign.uri())),
            "{status}: names the Location without its query: {shown}"
        );
        assert!(
            matches!(&err, Error::Token(TokenError::Redirect { status: s, .. }) if s.as_u16() == status),
            "{status}: {err:?}"
        );
        assert_eq!(requests(&server, "POST", TOKEN).await, 1, "{status}");
        assert_eq!(requests(&server, "GET", SITES).await, 0, "{status}");
    }
    assert!(foreign.received_requests().await.unwrap().is_empty());
}

// Threat: a caller's own HTTP client (ClientBuilder::http_client) follows the token endpoint's redirect and a foreign token is used.
#[tokio::test]
async fn a_token_from_anywhere_but_the_token_endpoint_is_refused_even_if_a_redirect_was_followed() {
    let (server, foreign) = (MockServer::start().await, foreign_server().await);
    Mock::given(method("POST"))
        .and(path(TOKEN))
        .respond_with(redirect(307, &format!("{}/oauth/token", foreign.uri())))
        .mount(&server)
        .await;
    // Against the docs: a client that follows redirects.
    chekt_api::tls::install_crypto_provider();
    let lax = reqwest::Client::builder().build().unwrap();
    let client = builder(&server)
        .http_client(lax)
        .client_credentials("partner-1", SECRET)
        .build()
        .unwrap();
    let err = list_sites(&client).await.unwrap_err();
    match &err {
        Error::Token(TokenError::Redirect { location, .. }) => {
            assert_eq!(
                location.as_deref(),
                Some(format!("{}/oauth/token", foreign.uri()).as_str())
            );
        }
        other => panic!("expected TokenError::Redirect, got {other:?}"),
    }
    // The foreign token was never used.
    assert_eq!(requests(&server, "GET", SITES).await, 0);
    assert_eq!(requests(&foreign, "GET", SITES).await, 0);
}

// Threat: the authorization code exchange (PKCE verifier, code) is redirected to another origin.
#[tokio::test]
async fn a_redirected_code_exchange_sends_no_verifier_elsewhere() {
    use chekt_api::auth::authorization_code::{AuthorizationCode, MemoryTokenStore};
    let (server, foreign) = (MockServer::start().await, foreign_server().await);
    Mock::given(method("POST"))
        .and(path(TOKEN))
        .respond_with(redirect(307, &format!("{}/oauth/token", foreign.uri())))
        .mount(&server)
        .await;
    let flow = AuthorizationCode::new("app-1", "https://app.example.com/cb");
    let pending = flow.authorize_url(&[]);
    let state = pending.state().to_string();
    let client = builder(&server)
        .authorization_code(flow, Arc::new(MemoryTokenStore::default()))
        .build()
        .unwrap();
    let err = client
        .complete_authorization(pending, "code-1", &state)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("307"), "{err}");
    assert!(
        matches!(err, Error::Token(TokenError::Redirect { .. })),
        "{err:?}"
    );
    assert!(foreign.received_requests().await.unwrap().is_empty());
}

// Threat: an API call's 307 to another origin re-sends a POST body (and, with a lax client, its credential).
#[tokio::test]
async fn a_cross_origin_307_on_a_post_or_get_is_an_error_and_nothing_is_resent() {
    let (server, foreign) = (MockServer::start().await, foreign_server().await);
    let elsewhere = format!("{}{SITES}", foreign.uri());
    Mock::given(wiremock::matchers::any())
        .respond_with(redirect(307, &elsewhere))
        .mount(&server)
        .await;
    let client = builder(&server)
        .bearer_token("my-token-123")
        .build()
        .unwrap();
    let body = CreateSiteRequestDto::builder()
        .name("HQ")
        .external_site_id("1")
        .timezone("Asia/Seoul");
    let post = client.create_site().dealer_id(42).body(body).send().await;
    let get = list_sites(&client).await;
    for err in [post.map(|_| ()).unwrap_err(), get.map(|_| ()).unwrap_err()] {
        match &err {
            Error::Redirect {
                operation,
                status,
                location,
                ..
            } => {
                assert!(
                    ["create_site", "list_sites"].contains(operation),
                    "{operation}"
                );
                assert_eq!(status.as_u16(), 307);
                assert_eq!(location.as_deref(), Some(elsewhere.as_str()));
            }
            other => panic!("expected Error::Redirect, got {other:?}"),
        }
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert!(foreign.received_requests().await.unwrap().is_empty());
}

// Threat: even a same-origin redirect is followed silently (policy: none followed, documented in the README).
#[tokio::test]
async fn a_same_origin_redirect_is_not_followed_either() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(redirect(302, "/partner/v1/dealers/43/sites"))
        .mount(&server)
        .await;
    let client = builder(&server)
        .bearer_token("my-token-123")
        .build()
        .unwrap();
    let err = list_sites(&client).await.unwrap_err();
    assert!(
        matches!(&err, Error::Redirect { location: Some(l), .. } if l == "/partner/v1/dealers/43/sites"),
        "{err:?}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

// ---- 2. lists that never end ---------------------------------------------------

/// One cursor page: the cursor it answers (`None`: the first request), its
/// device ids, `has_more` and `next_cursor`.
type CursorPage<'p> = (Option<&'p str>, &'p [&'p str], bool, Option<&'p str>);

async fn cursor_server(pages: &[CursorPage<'_>]) -> MockServer {
    let server = MockServer::start().await;
    for (cursor, ids, has_more, next) in pages {
        let data: Vec<_> = ids.iter().map(|id| device(id)).collect();
        let mut mock = Mock::given(method("GET")).and(path(DEVICES));
        mock = match cursor {
            Some(c) => mock.and(query_param("cursor", *c)),
            None => mock.and(wiremock::matchers::query_param_is_missing("cursor")),
        };
        mock.respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"data": data, "has_more": has_more, "next_cursor": next}),
        ))
        .mount(&server)
        .await;
    }
    server
}

fn app(server: &MockServer) -> Client {
    builder(server).api_key(API_KEY).build().unwrap()
}

// Threat: cursors that cycle (none → A, A → B, B → A, always has_more) page forever.
#[tokio::test]
async fn cycling_cursors_stop_with_cursor_repeated() {
    let server = cursor_server(&[
        (None, &["dev_1"], true, Some("A")),
        (Some("A"), &["dev_2"], true, Some("B")),
        (Some("B"), &["dev_3"], true, Some("A")),
    ])
    .await;
    let err = app(&server)
        .list_public_devices()
        .collect_all()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Paging(PagingError::CursorRepeated { cursor, page: 3 }) if cursor == "A"),
        "{err:?}"
    );
    assert!(err.to_string().contains("cycle"), "{err}");
    assert_eq!(requests(&server, "GET", DEVICES).await, 3);
}

// Threat: has_more: true with a missing or empty cursor ends silently with a short list.
#[tokio::test]
async fn has_more_without_a_cursor_is_an_error_not_a_short_list() {
    for next in [None, Some("")] {
        let server = cursor_server(&[(None, &["dev_1"], true, next)]).await;
        let err = app(&server)
            .list_public_devices()
            .collect_all()
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Paging(PagingError::MissingCursor { page: 1 })),
            "{next:?}: {err:?}"
        );
    }
}

// Threat: fresh cursors that keep returning the same page (the cursor is ignored).
#[tokio::test]
async fn a_cursor_page_repeating_the_previous_one_is_refused() {
    let server = cursor_server(&[
        (None, &["dev_1", "dev_2"], true, Some("A")),
        (Some("A"), &["dev_1", "dev_2"], true, Some("B")),
    ])
    .await;
    let err = app(&server)
        .list_public_devices()
        .collect_all()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Paging(PagingError::RepeatedPage { page: 2, rows: 2 })
        ),
        "{err:?}"
    );
}

/// Answers every offset page with `limit` rows: the same ones when
/// `ignore_offset`, else fresh ones forever.
fn full_pages(ignore_offset: bool) -> impl Fn(&Request) -> ResponseTemplate + Send + Sync {
    move |request: &Request| {
        let param = |name: &str| {
            request
                .url
                .query_pairs()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| v.parse::<i64>().ok())
        };
        let (limit, offset) = (param("limit").unwrap_or(100), param("offset").unwrap_or(0));
        let start = if ignore_offset { 0 } else { offset };
        let rows: Vec<_> = (start..start + limit).map(site).collect();
        ResponseTemplate::new(200).set_body_json(rows)
    }
}

// Threat: an offset server that ignores `offset` returns the same full page forever.
#[tokio::test]
async fn an_offset_server_ignoring_offset_is_caught_on_the_second_page() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(full_pages(true))
        .mount(&server)
        .await;
    let client = builder(&server).bearer_token("t-123").build().unwrap();
    let err = client
        .list_sites()
        .dealer_id(42)
        .into_stream_with_page_size(3)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Paging(PagingError::RepeatedPage { page: 2, rows: 3 })
        ),
        "{err:?}"
    );
    assert_eq!(requests(&server, "GET", SITES).await, 2);
}

// Threat: an offset server that alternates two full pages (A, B, A, ...), which a check of only the previous page misses.
#[tokio::test]
async fn alternating_offset_pages_are_caught_on_the_third_page() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(|request: &Request| {
            let offset: i64 = request
                .url
                .query_pairs()
                .find(|(k, _)| k == "offset")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            let start = if (offset / 2) % 2 == 0 { 0 } else { 2 };
            ResponseTemplate::new(200).set_body_json(vec![site(start), site(start + 1)])
        })
        .mount(&server)
        .await;
    let client = builder(&server).bearer_token("t-123").build().unwrap();
    let err = client
        .list_sites()
        .dealer_id(42)
        .into_stream_with_page_size(2)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Paging(PagingError::RepeatedPage { page: 3, rows: 2 })
        ),
        "{err:?}"
    );
    assert_eq!(requests(&server, "GET", SITES).await, 3);
}

// Threat: full pages of fresh rows forever (an endless list); the page cap ends it, and the page past the cap is never fetched.
#[tokio::test]
async fn full_pages_forever_stop_at_max_pages() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(full_pages(false))
        .mount(&server)
        .await;
    let client = builder(&server).bearer_token("t-123").build().unwrap();
    let paging = Paging::new().page_size(2).max_pages(5);
    let mut stream = client.list_sites().dealer_id(42).into_stream_with(paging);
    let mut rows = 0;
    let err = loop {
        match stream.next().await {
            Some(Ok(_)) => rows += 1,
            Some(Err(e)) => break e,
            None => panic!("an endless list ended"),
        }
    };
    assert_eq!(
        rows, 10,
        "the rows of the pages within the cap still arrive"
    );
    assert!(
        matches!(
            err,
            Error::Paging(PagingError::TooManyPages { max_pages: 5 })
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("max_pages"), "{err}");
    assert_eq!(requests(&server, "GET", SITES).await, 5);
}

// Threat: the `fields` paginator (rows_as) on a server ignoring offset; identical rows are legitimate there, so the cap ends it.
#[tokio::test]
async fn rows_as_on_an_endless_list_stops_at_max_pages() {
    #[derive(Debug, serde::Deserialize)]
    struct Id {
        #[allow(dead_code)]
        site_id: i64,
    }
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(full_pages(true))
        .mount(&server)
        .await;
    let client = builder(&server).bearer_token("t-123").build().unwrap();
    let err = client
        .list_sites()
        .dealer_id(42)
        .fields(Fields::new(["site_id"]))
        .rows_as::<Id>()
        .into_stream_with(Paging::new().page_size(2).max_pages(4))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Paging(PagingError::TooManyPages { max_pages: 4 })
        ),
        "{err:?}"
    );
    assert_eq!(requests(&server, "GET", SITES).await, 4);
}

// ---- 3. token lifetimes ----------------------------------------------------------

// Threat: a 30 s token with the default 60 s margin is refetched on every call (a token request per call).
#[tokio::test]
async fn a_short_lived_token_is_reused() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN))
        .respond_with(token(30.into()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([site(1)])))
        .mount(&server)
        .await;
    let client = partner(&server);
    for _ in 0..5 {
        assert_eq!(list_sites(&client).await.unwrap(), 1);
    }
    assert_eq!(requests(&server, "POST", TOKEN).await, 1);
}

// Threat: `expires_in` absent, stringified by a gateway, a float, zero or negative takes the client down.
#[tokio::test]
async fn every_expires_in_shape_works_with_a_defined_reuse() {
    let cases: [(serde_json::Value, usize); 7] = [
        (serde_json::Value::Null, 1), // absent: one hour
        ("3600".into(), 1),
        (" 120 ".into(), 1),
        (3599.5.into(), 1),
        ("not a number".into(), 1), // like absent
        (0.into(), 3),              // already expired: never reused
        ((-30).into(), 3),
    ];
    for (expires_in, token_requests) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(TOKEN))
            .respond_with(token(expires_in.clone()))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(SITES))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([site(1)])))
            .mount(&server)
            .await;
        let client = partner(&server);
        for _ in 0..3 {
            assert_eq!(list_sites(&client).await.unwrap(), 1, "{expires_in}");
        }
        assert_eq!(
            requests(&server, "POST", TOKEN).await,
            token_requests,
            "{expires_in}"
        );
    }
}

// Threat: an `expires_in` serde_json cannot hold as a number (out of f64 range), or of another JSON type, takes the whole client down.
#[tokio::test]
async fn an_expires_in_out_of_range_or_of_any_type_still_yields_the_token() {
    let shapes = [
        "1e400",
        "-1e400",
        "1E+999",
        "184467440737095516160",
        "true",
        "[]",
        "{}",
        r#""3600s""#,
    ];
    for expires_in in shapes {
        let server = MockServer::start().await;
        let body = format!(r#"{{"access_token": "tok-1", "expires_in": {expires_in}}}"#);
        Mock::given(method("POST"))
            .and(path(TOKEN))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(SITES))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([site(1)])))
            .mount(&server)
            .await;
        let client = partner(&server);
        let listed = list_sites(&client).await;
        assert_eq!(listed.as_ref().ok(), Some(&1), "{expires_in}: {listed:?}");
    }
}

// ---- 4. bodies as real servers send them -------------------------------------------

fn with_bom(json: &serde_json::Value) -> Vec<u8> {
    let mut body = b"\xEF\xBB\xBF".to_vec();
    body.extend_from_slice(json.to_string().as_bytes());
    body
}

// Threat: a UTF-8 BOM before JSON makes success bodies undecodable and error bodies lose their code and message.
#[tokio::test]
async fn a_byte_order_mark_is_ignored_on_success_and_error_bodies() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(with_bom(&serde_json::json!([site(1)])), "application/json"),
        )
        .mount(&server)
        .await;
    let error = serde_json::json!({"error": "Forbidden", "message": "not on the allow list", "code": "ip_not_allowed", "request_id": "req_bom"});
    Mock::given(method("GET"))
        .and(path(DEVICES))
        .respond_with(ResponseTemplate::new(403).set_body_raw(with_bom(&error), "application/json"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            with_bom(
                &serde_json::json!({"access_token": "t", "token_type": "Bearer", "expires_in": 60}),
            ),
            "application/json",
        ))
        .mount(&server)
        .await;
    assert_eq!(list_sites(&partner(&server)).await.unwrap(), 1);
    let err = app(&server).list_public_devices().send().await.unwrap_err();
    assert_eq!(
        err.code(),
        Some(&chekt_api::types::ErrorCode::IpNotAllowed),
        "{err:?}"
    );
    assert_eq!(err.request_id(), Some("req_bom"));
    assert!(err.to_string().contains("not on the allow list"), "{err}");
}

fn gzip(json: &serde_json::Value) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(json.to_string().as_bytes()).unwrap();
    encoder.finish().unwrap()
}

/// A server answering the sites list with a gzip body, whatever was asked.
async fn gzip_sites_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-encoding", "gzip")
                .set_body_raw(
                    gzip(&serde_json::json!([site(1), site(2)])),
                    "application/json",
                ),
        )
        .mount(&server)
        .await;
    server
}

/// The `Accept-Encoding` of the one request `server` received.
async fn accept_encoding(server: &MockServer) -> Option<String> {
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    requests[0]
        .headers
        .get("accept-encoding")
        .map(|v| v.to_str().unwrap().to_string())
}

// Threat: a compressed body is read as JSON ("undecodable at line 1 column 1"), or the client never asks for compression.
#[cfg(feature = "compression")]
#[tokio::test]
async fn with_compression_gzip_is_asked_for_and_decoded() {
    let server = gzip_sites_server().await;
    let client = builder(&server).bearer_token("t-123").build().unwrap();
    assert_eq!(list_sites(&client).await.unwrap(), 2);
    let asked = accept_encoding(&server).await.unwrap();
    assert!(
        asked.contains("gzip") && asked.contains("deflate"),
        "{asked}"
    );
}

// Threat: without the `compression` feature the client still claims to
// accept gzip, or reads a gzip body a server sent anyway as JSON.
// (CI runs this file with default features too.)
#[cfg(not(feature = "compression"))]
#[tokio::test]
async fn without_compression_none_is_asked_for_and_gzip_is_refused_by_name() {
    let server = gzip_sites_server().await;
    let client = builder(&server).bearer_token("t-123").build().unwrap();
    let err = list_sites(&client).await.unwrap_err();
    assert!(
        matches!(&err, Error::ContentEncoding { encoding, .. } if encoding == "gzip"),
        "{err:?}"
    );
    assert_eq!(accept_encoding(&server).await, None);
}

// Threat: the token endpoint's client asks for (or decodes) gzip whatever
// the `compression` feature says, or reads a gzip token body as JSON.
#[tokio::test]
async fn the_token_endpoint_asks_for_gzip_only_with_compression() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-encoding", "gzip")
                .set_body_raw(
                    gzip(&serde_json::json!({"access_token": "at-gz", "expires_in": 3600})),
                    "application/json",
                ),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([])))
        .mount(&server)
        .await;
    let outcome = list_sites(&partner(&server)).await;
    let requests = server.received_requests().await.unwrap();
    let asked = requests
        .iter()
        .find(|r| r.url.path() == TOKEN)
        .and_then(|r| r.headers.get("accept-encoding"))
        .map(|v| v.to_str().unwrap().to_string());
    if cfg!(feature = "compression") {
        assert_eq!(outcome.ok(), Some(0));
        assert!(asked.is_some_and(|a| a.contains("gzip")));
    } else {
        let err = outcome.unwrap_err();
        assert!(
            matches!(&err, Error::Token(TokenError::ContentEncoding { status, encoding }) if status.as_u16() == 200 && encoding == "gzip"),
            "{err:?}"
        );
        assert_eq!(asked, None);
    }
}

// Threat: an encoding the client did not ask for (br, zstd, ...) is reported as undecodable JSON instead of by name.
#[tokio::test]
async fn an_encoding_not_asked_for_is_named() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-encoding", "br")
                .set_body_raw(b"\x8b\x02\x80[]\x03".to_vec(), "application/json"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(DEVICES))
        .respond_with(
            ResponseTemplate::new(500)
                .insert_header("content-encoding", "zstd")
                .set_body_raw(b"\x28\xb5\x2f\xfd".to_vec(), "application/json"),
        )
        .mount(&server)
        .await;
    let err = list_sites(&builder(&server).bearer_token("t-123").build().unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::ContentEncoding { status, encoding, .. } if status.as_u16() == 200 && encoding == "br"),
        "{err:?}"
    );
    assert!(err.to_string().contains("content-encoding `br`"), "{err}");
    // An error status is classified by its status (issue 24, status
    // first); its message still names the encoding.
    let err = app(&server).list_public_devices().send().await.unwrap_err();
    assert!(
        matches!(&err, Error::Server { status, message, .. } if status.as_u16() == 500 && message.contains("`zstd`")),
        "{err:?}"
    );
    // The token endpoint too: a call needing a token names the encoding.
    Mock::given(method("POST"))
        .and(path(TOKEN))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-encoding", "br")
                .set_body_raw(b"\x8b\x02\x80{}\x03".to_vec(), "application/json"),
        )
        .mount(&server)
        .await;
    let err = list_sites(&partner(&server)).await.unwrap_err();
    assert!(
        matches!(&err, Error::Token(TokenError::ContentEncoding { status, encoding }) if status.as_u16() == 200 && encoding == "br"),
        "{err:?}"
    );
}

// ---- 5. failures shared, secrets never echoed ----------------------------------------

// Threat: 40 tasks behind a failing token endpoint (500 after 0.5 s) each send their own token request, one after another.
#[tokio::test]
async fn a_failing_token_request_fails_every_waiting_task_together() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN))
        .respond_with(
            ResponseTemplate::new(500)
                .set_delay(Duration::from_millis(500))
                .set_body_json(serde_json::json!({"error": "server_error", "error_description": "token service down"})),
        )
        .mount(&server)
        .await;
    let client = partner(&server);
    let calls: Vec<_> = (0..40)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { list_sites(&client).await })
        })
        .collect();
    let mut shown = std::collections::BTreeSet::new();
    for call in calls {
        let err = call.await.unwrap().unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(500), "{err:?}");
        assert!(
            matches!(err, Error::Token(TokenError::Unavailable { .. })),
            "{err:?}"
        );
        shown.insert(err.to_string());
    }
    assert_eq!(shown.len(), 1, "one error for all: {shown:?}");
    assert!(
        shown.iter().all(|s| s.contains("token service down")),
        "{shown:?}"
    );
    assert_eq!(requests(&server, "POST", TOKEN).await, 1);
    assert_eq!(requests(&server, "GET", SITES).await, 0);
}

// Threat: a token endpoint that times out makes every queued task wait its own full timeout in turn.
#[tokio::test]
async fn a_token_request_that_times_out_is_shared_too() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN))
        .respond_with(token(3600.into()).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let client = builder(&server)
        .timeout(Duration::from_millis(300))
        .client_credentials("partner-1", SECRET)
        .build()
        .unwrap();
    let calls: Vec<_> = (0..10)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { list_sites(&client).await })
        })
        .collect();
    let mut shown = std::collections::BTreeSet::new();
    for call in calls {
        let err = call.await.unwrap().unwrap_err();
        // Every waiter gets the sender's own failure, transport error included.
        match &err {
            Error::Token(TokenError::Unavailable {
                status: None,
                source: Some(source),
                ..
            }) => assert!(source.is_timeout(), "{source:?}"),
            other => panic!("expected a shared timeout, got {other:?}"),
        }
        assert!(err.is_retryable());
        assert!(err.to_string().contains("timed out"), "{err}");
        shown.insert(err.to_string());
    }
    assert_eq!(shown.len(), 1, "one error for all: {shown:?}");
    assert_eq!(requests(&server, "POST", TOKEN).await, 1);
}

/// A token body the client cannot decode, carrying both tokens.
fn undecodable_tokens() -> Vec<(&'static str, String)> {
    vec![
        (
            "cut off",
            format!(
                r#"{{"access_token": "{LEAKED_ACCESS}", "refresh_token": "{LEAKED_REFRESH}", "expires_in": "#
            ),
        ),
        (
            "access token not a string",
            format!(
                r#"{{"access_token": 12345, "refresh_token": "{LEAKED_REFRESH}", "id_token": "{LEAKED_ACCESS}"}}"#
            ),
        ),
        (
            "as text",
            format!("access_token={LEAKED_ACCESS}&refresh_token={LEAKED_REFRESH}"),
        ),
    ]
}

fn assert_no_token(shown: &str, case: &str) {
    assert!(
        !shown.contains(LEAKED_ACCESS)
            && !shown.contains(LEAKED_REFRESH)
            && !shown.contains(SECRET),
        "{case}: a secret is echoed: {shown}"
    );
}

// Threat: a token body we cannot decode puts the access and refresh tokens into the error's Display and Debug.
#[tokio::test]
async fn an_undecodable_token_body_never_echoes_its_tokens() {
    for (case, body) in undecodable_tokens() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(TOKEN))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
            .mount(&server)
            .await;
        let err = list_sites(&partner(&server)).await.unwrap_err();
        assert!(
            matches!(err, Error::Token(TokenError::Malformed { .. })),
            "{case}: a token error, not a missing credential: {err:?}"
        );
        assert_no_token(&format!("{err} {err:?}"), case);
    }
}

// Threat: the generated token types (response, form, their builders) print tokens and secrets in Debug.
#[test]
fn generated_token_types_never_debug_print_secrets() {
    use chekt_api::types::{TokenRequest, TokenResponse};
    let response: TokenResponse = serde_json::from_value(serde_json::json!({
        "access_token": LEAKED_ACCESS, "refresh_token": LEAKED_REFRESH,
        "token_type": "Bearer", "expires_in": 3600,
    }))
    .unwrap();
    let request: TokenRequest = serde_json::from_value(serde_json::json!({
        "grant_type": "refresh_token", "client_id": "partner-1", "client_secret": SECRET,
        "refresh_token": LEAKED_REFRESH,
        // RFC 7636: 43 to 128 characters.
        "code_verifier": format!("{LEAKED_ACCESS}{}", "v".repeat(43)),
    }))
    .unwrap();
    let builder = TokenResponse::builder()
        .access_token(LEAKED_ACCESS)
        .refresh_token(LEAKED_REFRESH);
    let shown = format!("{response:?} {request:?} {builder:?}");
    assert_no_token(&shown, "Debug");
    // What is not secret still shows.
    assert!(
        shown.contains("expires_in: Some(3600)") && shown.contains("partner-1"),
        "{shown}"
    );
}

// Threat: an API body (undecodable, or an error message echoing a token) is shown with the tokens it carries.
#[tokio::test]
async fn undecodable_api_bodies_are_shown_redacted() {
    let server = MockServer::start().await;
    let body =
        format!(r#"{{"access_token": "{LEAKED_ACCESS}", "note": "Bearer {LEAKED_REFRESH}"}}"#);
    Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body.clone(), "application/json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(DEVICES))
        .respond_with(ResponseTemplate::new(502).set_body_raw(body, "text/plain"))
        .mount(&server)
        .await;
    let echo = format!("no site for access_token={LEAKED_ACCESS} (Bearer {LEAKED_REFRESH})");
    Mock::given(method("GET"))
        .and(path("/partner/v1/dealers/42/sites/7"))
        .respond_with(ResponseTemplate::new(404).set_body_json(
            serde_json::json!({"error": "Not Found", "message": echo, "access_token": LEAKED_ACCESS}),
        ))
        .mount(&server)
        .await;
    let client = builder(&server)
        .api_key(API_KEY)
        .bearer_token("t-123")
        .build()
        .unwrap();
    let success = list_sites(&client).await.unwrap_err();
    assert!(
        matches!(success, Error::UndecodableBody { .. }),
        "{success:?}"
    );
    let failure = client.list_public_devices().send().await.unwrap_err();
    let echoed = client
        .get_site()
        .dealer_id(42)
        .site_id(7)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(echoed, Error::NotFound { .. }), "{echoed:?}");
    for err in [success, failure, echoed] {
        let shown = format!("{err} {err:?}");
        assert_no_token(&shown, "api body");
        assert!(shown.contains("[redacted]"), "{shown}");
    }
}

// Threat: credentials embedded in the base URL show up in a build error (or would ride along on every call).
#[test]
fn base_url_credentials_are_refused_and_never_shown() {
    for url in [
        "https://me:hunter2@api.chekt.com",
        "https://me:hunter2@api.chekt.com:notaport/x",
        "ftp://me:hunter2@api.chekt.com",
    ] {
        let err = Client::builder().base_url(url).build().unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("[redacted]@api.chekt.com"), "{shown}");
    }
}

// Threat: a token endpoint refusing the configured credentials (invalid_client) reads as "no credentials set".
#[tokio::test]
async fn invalid_client_is_the_servers_answer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            serde_json::json!({"error": "invalid_client", "error_description": "unknown client partner-1"}),
        ))
        .mount(&server)
        .await;
    let err = list_sites(&partner(&server)).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401), "{err:?}");
    assert!(
        err.to_string().contains("unknown client partner-1"),
        "{err}"
    );
}

// Threat: an API error body echoes the caller's own token verbatim (no `Bearer`, no JWT shape), or a token in a field other than `message`.
#[tokio::test]
async fn an_api_error_echoing_the_sent_token_in_any_field_never_shows_it() {
    const OPAQUE: &str = "opaque-bearer-9f8e7d6c";
    let bodies = [
        (
            404,
            serde_json::json!({"error": "Not Found", "message": format!("no site for {OPAQUE}")}),
        ),
        (
            400,
            serde_json::json!({"error": "Bad Request", "message": "bad", "code": OPAQUE,
            "details": [{"field": "x", "message": format!("Bearer {LEAKED_ACCESS}")}]}),
        ),
        (
            418,
            serde_json::json!({"error": format!("Bearer {LEAKED_ACCESS}"), "message": OPAQUE,
            "request_id": OPAQUE}),
        ),
    ];
    for (status, body) in bodies {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(SITES))
            .respond_with(ResponseTemplate::new(status).set_body_json(body.clone()))
            .mount(&server)
            .await;
        let client = builder(&server).bearer_token(OPAQUE).build().unwrap();
        let err = list_sites(&client).await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{err:?}");
        let shown = format!("{err} {err:?} {err:#}");
        assert!(!shown.contains(OPAQUE), "{body}: {shown}");
        assert_no_token(&shown, "api error body");
    }
}

// Threat: a success body that does not decode echoes the sent token, or a token in a value serde quotes in its reason (`invalid type: string "…"`).
#[tokio::test]
async fn an_undecodable_success_never_shows_the_sent_token_or_one_in_the_reason() {
    const OPAQUE: &str = "opaque-bearer-9f8e7d6c";
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
    let bodies = [
        serde_json::json!(OPAQUE),
        serde_json::json!({"echo": OPAQUE}),
        serde_json::json!(jwt),
        serde_json::json!([{"site_id": jwt}]),
    ];
    for body in bodies {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(SITES))
            .respond_with(ResponseTemplate::new(200).set_body_json(body.clone()))
            .mount(&server)
            .await;
        let client = builder(&server).bearer_token(OPAQUE).build().unwrap();
        let err = list_sites(&client).await.unwrap_err();
        assert!(matches!(err, Error::UndecodableBody { .. }), "{err:?}");
        let shown = format!("{err} {err:?} {err:#}");
        assert!(
            !shown.contains(OPAQUE) && !shown.contains(jwt),
            "{body}: {shown}"
        );
    }
}

// Threat: a redirect's Location carries a token in its path (not its query), or echoes the sent token, and the error shows it.
#[tokio::test]
async fn a_redirect_location_never_shows_a_token_in_its_path() {
    const OPAQUE: &str = "opaque-bearer-9f8e7d6c";
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
    for to in [
        format!("https://evil.example/cb/{jwt}"),
        format!("/retry/{OPAQUE}/sites"),
        format!("https://evil.example/t/{OPAQUE}"),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(SITES))
            .respond_with(redirect(302, &to))
            .mount(&server)
            .await;
        let client = builder(&server).bearer_token(OPAQUE).build().unwrap();
        let err = list_sites(&client).await.unwrap_err();
        assert!(matches!(err, Error::Redirect { .. }), "{err:?}");
        let shown = format!("{err} {err:?}");
        assert!(
            !shown.contains(OPAQUE) && !shown.contains(jwt),
            "{to}: {shown}"
        );
    }
}

// Threat: a token endpoint echoes the client secret it was sent, verbatim and in no token-like shape, into its refusal.
#[tokio::test]
async fn a_refusal_echoing_the_sent_client_secret_never_shows_it() {
    let echoes = [
        (
            401,
            serde_json::json!({"error": "invalid_client", "error_description": format!("secret {SECRET} unknown")}),
        ),
        (
            401,
            serde_json::json!({"error": "invalid_client", "message": format!("secret {SECRET} unknown")}),
        ),
        (400, serde_json::json!({"error": format!("bad:{SECRET}")})),
        (
            400,
            serde_json::json!({"code": SECRET, "request_id": SECRET}),
        ),
        (
            503,
            serde_json::json!({"error": format!("down for {SECRET}")}),
        ),
        (401, serde_json::json!(format!("plain {SECRET}"))),
    ];
    for (status, body) in echoes {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(TOKEN))
            .respond_with(ResponseTemplate::new(status).set_body_json(body.clone()))
            .mount(&server)
            .await;
        let err = list_sites(&partner(&server)).await.unwrap_err();
        for shown in [err.to_string(), format!("{err:?}"), format!("{err:#}")] {
            assert!(!shown.contains(SECRET), "{body}: {shown}");
        }
    }
}

// Threat: the client's redaction and the recordings' secret scan drift apart, so a shape one catches slips past the other.
#[test]
fn redaction_and_the_recordings_secret_scan_know_the_same_shapes() {
    use chekt_gen::contract::secrets;
    let shapes = [
        r#"{"access_token": "opaque-at-1234"}"#,
        r#"{"refresh_token": "opaque-rt-cut-of"#,
        r#"{"client_secret": "s3cr3t-value"}"#,
        "grant_type=refresh_token&refresh_token=opaque-rt-5678",
        "Authorization: Bearer opaque-bearer-1234",
        "jwt eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
        "key chekt_live_8h2j3kfm2918sndlj",
    ];
    for shape in shapes {
        assert!(!secrets::scan(shape).is_empty(), "the scan misses {shape}");
        let redacted = chekt_api::redact::text(shape);
        assert_ne!(redacted, shape, "redaction misses {shape}");
        assert!(
            secrets::scan(&redacted.replace("[redacted]", secrets::PLACEHOLDER)).is_empty(),
            "redaction leaves part of {shape}: {redacted}"
        );
    }
}

// ---- the `chekt` CLI -------------------------------------------------------------------

#[cfg(feature = "cli")]
mod cli {
    use std::process::Output;

    use super::*;

    async fn chekt(server: &MockServer, args: &[&str], credentials: &[(&str, &str)]) -> Output {
        chekt_at(&server.uri(), args, credentials).await
    }

    async fn chekt_at(base_url: &str, args: &[&str], credentials: &[(&str, &str)]) -> Output {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_chekt"));
        command
            .args(args)
            .env_clear()
            .env("CHEKT_BASE_URL", base_url);
        for (k, v) in credentials {
            command.env(k, v);
        }
        tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap()
    }

    const PARTNER: &[(&str, &str)] = &[
        ("CHEKT_CLIENT_ID", "partner-1"),
        ("CHEKT_CLIENT_SECRET", SECRET),
    ];
    const APP: &[(&str, &str)] = &[("CHEKT_API_KEY", API_KEY)];

    fn exit(output: &Output) -> (i32, String) {
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        (output.status.code().unwrap_or(-1), stderr)
    }

    // Threat (CLI): a redirected token endpoint; the CLI must fail as an API error and ask nobody else.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_redirected_token_endpoint_is_exit_3_and_the_other_origin_gets_nothing() {
        let (server, foreign) = (MockServer::start().await, foreign_server().await);
        let to = format!("{}/oauth/token", foreign.uri());
        Mock::given(method("POST"))
            .and(path(TOKEN))
            .respond_with(redirect(307, &to))
            .mount(&server)
            .await;
        for args in [&["list-sites", "--dealer-id", "42"][..], &["auth", "login"]] {
            let (code, stderr) = exit(&chekt(&server, args, PARTNER).await);
            assert_eq!(code, 3, "{args:?}: {stderr}");
            assert!(
                stderr.contains("307") && stderr.contains(&to),
                "{args:?}: {stderr}"
            );
        }
        assert!(foreign.received_requests().await.unwrap().is_empty());
    }

    // Threat (CLI): an unreachable token endpoint reads as a usage or unknown error instead of "could not be reached".
    #[tokio::test(flavor = "multi_thread")]
    async fn an_unreachable_token_endpoint_is_exit_4() {
        // A port nothing listens on any more (wiremock pools its servers).
        let closed = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            format!("http://{}", listener.local_addr().unwrap())
        };
        let (code, stderr) =
            exit(&chekt_at(&closed, &["list-sites", "--dealer-id", "42"], PARTNER).await);
        assert_eq!(code, 4, "{stderr}");
        assert!(stderr.contains("token endpoint unavailable"), "{stderr}");
        assert!(!stderr.contains(SECRET), "{stderr}");
    }

    // Threat (CLI): `--all` on cycling cursors pages until the server stops answering.
    #[tokio::test(flavor = "multi_thread")]
    async fn all_on_cycling_cursors_is_exit_3_naming_the_cycle() {
        let server = cursor_server(&[
            (None, &["dev_1"], true, Some("A")),
            (Some("A"), &["dev_2"], true, Some("B")),
            (Some("B"), &["dev_3"], true, Some("A")),
        ])
        .await;
        let (code, stderr) = exit(&chekt(&server, &["--all", "list-public-devices"], APP).await);
        assert_eq!(code, 3, "{stderr}");
        assert!(stderr.contains("cursors cycle"), "{stderr}");
        assert_eq!(requests(&server, "GET", DEVICES).await, 3);
    }

    // Threat (CLI): `--all` on an endless offset list; `--max-pages` caps it.
    #[tokio::test(flavor = "multi_thread")]
    async fn all_on_an_endless_list_stops_at_max_pages() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(SITES))
            .respond_with(full_pages(false))
            .mount(&server)
            .await;
        let args = [
            "--all",
            "--max-pages",
            "3",
            "list-sites",
            "--dealer-id",
            "42",
            "--limit",
            "2",
        ];
        let (code, stderr) = exit(&chekt(&server, &args, &[("CHEKT_ACCESS_TOKEN", "t-123")]).await);
        assert_eq!(code, 3, "{stderr}");
        assert!(stderr.contains("did not end within 3 pages"), "{stderr}");
        assert!(
            stderr.contains("--max-pages"),
            "the hint names the flag: {stderr}"
        );
        assert_eq!(requests(&server, "GET", SITES).await, 3);
    }

    // Threat (CLI): invalid_client from the token endpoint is reported as a usage error ("set credentials").
    #[tokio::test(flavor = "multi_thread")]
    async fn invalid_client_is_exit_3_with_the_servers_message() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(TOKEN))
            .respond_with(ResponseTemplate::new(401).set_body_json(
                serde_json::json!({"error": "invalid_client", "error_description": "unknown client partner-1"}),
            ))
            .mount(&server)
            .await;
        for args in [&["list-sites", "--dealer-id", "42"][..], &["auth", "login"]] {
            let (code, stderr) = exit(&chekt(&server, args, PARTNER).await);
            assert_eq!(code, 3, "{args:?}: {stderr}");
            assert!(
                stderr.contains("unknown client partner-1"),
                "{args:?}: {stderr}"
            );
            assert!(!stderr.contains("set credentials"), "{args:?}: {stderr}");
        }
    }

    // Threat (CLI): the error line echoes tokens from a body the CLI could not decode.
    #[tokio::test(flavor = "multi_thread")]
    async fn the_error_line_never_echoes_tokens() {
        for (case, body) in undecodable_tokens() {
            let server = MockServer::start().await;
            Mock::given(method("POST"))
                .and(path(TOKEN))
                .respond_with(
                    ResponseTemplate::new(200).set_body_raw(body.clone(), "application/json"),
                )
                .mount(&server)
                .await;
            Mock::given(method("GET"))
                .and(path(SITES))
                .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
                .mount(&server)
                .await;
            for (args, env) in [
                (&["auth", "login"][..], PARTNER),
                (&["list-sites", "--dealer-id", "42"], PARTNER),
                (
                    &["list-sites", "--dealer-id", "42"],
                    &[("CHEKT_ACCESS_TOKEN", "t-123")],
                ),
            ] {
                let output = chekt(&server, args, env).await;
                let (code, stderr) = exit(&output);
                // A body the CLI cannot read: EXIT_OTHER, not a usage error.
                assert_eq!(code, 1, "{case} {args:?}: {stderr}");
                assert_no_token(
                    &format!("{stderr}{}", String::from_utf8_lossy(&output.stdout)),
                    case,
                );
            }
        }
    }

    // Threat (CLI): a gateway that stringifies `expires_in` breaks `chekt auth login`; a BOM breaks output.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_stringified_lifetime_and_a_bom_still_work() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(TOKEN))
            .respond_with(token("1800".into()))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(SITES))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(with_bom(&serde_json::json!([site(7)])), "application/json"),
            )
            .mount(&server)
            .await;
        let login = chekt(&server, &["auth", "login"], PARTNER).await;
        assert_eq!(login.status.code(), Some(0), "{}", exit(&login).1);
        assert!(String::from_utf8_lossy(&login.stdout).contains("valid 1800 s"));
        let list = chekt(&server, &["list-sites", "--dealer-id", "42"], PARTNER).await;
        assert_eq!(list.status.code(), Some(0), "{}", exit(&list).1);
        assert!(String::from_utf8_lossy(&list.stdout).contains("\"site_id\": 7"));
    }

    // Threat (CLI): an encoding the CLI did not ask for reads as garbage instead of naming it.
    #[tokio::test(flavor = "multi_thread")]
    async fn an_encoding_not_asked_for_is_exit_3_naming_it() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(SITES))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("content-encoding", "br")
                    .set_body_raw(b"\x8b\x02\x80[]\x03".to_vec(), "application/json"),
            )
            .mount(&server)
            .await;
        let args = ["list-sites", "--dealer-id", "42"];
        let (code, stderr) = exit(&chekt(&server, &args, &[("CHEKT_ACCESS_TOKEN", "t-123")]).await);
        assert_eq!(code, 3, "{stderr}");
        assert!(stderr.contains("content-encoding `br`"), "{stderr}");
    }
}
