//! Resending and refreshing: the unasync `send()`, the token request's
//! own task, the credential fast path and attempts that send the call's
//! own request.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use chekt_api::http::{HeaderName, HeaderValue};
use chekt_api::prelude::*;
use chekt_api::retry::RetryPolicy;
use chekt_api::types::CreateSiteRequestDto;
use chekt_api::{AttemptInfo, Client, Interceptor, RequestOptions};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SITES: &str = "/partner/v1/dealers/42/sites";

fn values(request: &Request, name: &str) -> Vec<String> {
    request
        .headers
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

struct Stamp;

impl Interceptor for Stamp {
    fn before_attempt(&self, info: &AttemptInfo<'_>, request: &mut reqwest::Request) {
        request.headers_mut().append(
            HeaderName::from_static("x-attempt"),
            HeaderValue::from(info.attempt),
        );
    }
}

// Threat: an attempt now sends the call's own request and keeps a copy only
// when another could follow; a 503 retry then a 401 refresh on the last
// retry must still send the body, the call's headers and one trace id.
#[tokio::test]
async fn a_retry_then_a_token_refresh_resend_the_whole_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"access_token": "first", "expires_in": 3600})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"access_token": "second", "expires_in": 3600})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(SITES))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(SITES))
        .and(header("authorization", "Bearer first"))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header("www-authenticate", r#"Bearer error="invalid_token""#),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(SITES))
        .and(header("authorization", "Bearer second"))
        .respond_with(ResponseTemplate::new(418))
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .client_credentials("id", "secret")
        .retry(
            RetryPolicy::default()
                .max_attempts(2)
                .base_delay(Duration::from_millis(5))
                .max_delay(Duration::from_millis(5)),
        )
        .interceptor(Stamp)
        .build()
        .unwrap();
    let body = CreateSiteRequestDto::builder()
        .external_site_id("x")
        .name("HQ")
        .timezone("Asia/Seoul");
    let err = client
        .create_site()
        .dealer_id(42)
        .body(body)
        .with_options(RequestOptions::new().idempotent(true).header(
            HeaderName::from_static("x-call"),
            HeaderValue::from_static("c"),
        ))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(418), "{err:?}");
    let sent: Vec<Request> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == SITES)
        .collect();
    assert_eq!(sent.len(), 3);
    let bearers: Vec<_> = sent.iter().map(|r| values(r, "authorization")).collect();
    assert_eq!(
        bearers,
        [["Bearer first"], ["Bearer first"], ["Bearer second"]]
    );
    let trace = values(&sent[0], "x-partner-trace-id");
    assert_eq!(trace.len(), 1);
    for (i, request) in sent.iter().enumerate() {
        assert_eq!(request.body, sent[0].body, "attempt {i}");
        assert!(!request.body.is_empty());
        assert_eq!(values(request, "x-partner-trace-id"), trace, "attempt {i}");
        assert_eq!(values(request, "x-call"), ["c"], "attempt {i}");
        assert_eq!(
            values(request, "content-type"),
            values(&sent[0], "content-type")
        );
        assert_eq!(values(request, "x-attempt"), [(i + 1).to_string()]);
    }
}

// Threat: with the unasync step a send() future must still be Send and
// spawnable from a client in an Arc, and a builder error must surface only
// on `.await` (not when send() is called).
#[tokio::test]
async fn a_send_future_spawns_and_fails_only_when_awaited() {
    let server = MockServer::start().await;
    let client = Arc::new(
        Client::builder()
            .base_url(server.uri())
            .bearer_token("t")
            .build()
            .unwrap(),
    );
    // No dealer_id: the request cannot be built; the error waits for `.await`.
    let pending = client.list_sites().send();
    let c = Arc::clone(&client);
    let spawned = tokio::spawn(async move { c.list_sites().dealer_id(1).send().await });
    assert!(matches!(
        pending.await,
        Err(chekt_api::Error::InvalidRequest { .. })
    ));
    assert!(spawned.await.unwrap().is_err(), "nothing mounted: a 404");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// A store that keeps one refresh token in memory.
fn store_with(token: &str) -> Arc<chekt_api::auth::authorization_code::MemoryTokenStore> {
    use chekt_api::auth::authorization_code::{MemoryTokenStore, StoredTokens, TokenStore};
    let store = Arc::new(MemoryTokenStore::default());
    let saved = store.save(StoredTokens {
        refresh_token: token.to_string().into(),
    });
    futures::executor::block_on(saved).unwrap();
    store
}

// Threat: the call's deadline passes while the refresh request is in
// flight; the server rotates the refresh token and answers just after. The
// answer is dropped with the request: the next refresh sends the revoked
// token.
#[tokio::test]
async fn a_refresh_answered_after_the_deadline_keeps_the_rotated_token() {
    use chekt_api::auth::authorization_code::{AuthorizationCode, TokenStore};
    use chekt_api::secrecy::ExposeSecret;
    use wiremock::matchers::body_string_contains;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("refresh_token=rt-1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({
                    "access_token": "at-2", "expires_in": 3600, "refresh_token": "rt-2"
                }))
                .set_delay(Duration::from_millis(300)),
        )
        .mount(&server)
        .await;
    let store = store_with("rt-1");
    let client = Client::builder()
        .base_url(server.uri())
        .retry(RetryPolicy::none())
        .authorization_code(
            AuthorizationCode::new("app-1", "https://app.example.com/cb"),
            store.clone(),
        )
        .build()
        .unwrap();
    let body = chekt_api::types::ConnectDealerRequestDto::builder()
        .company_name("Acme")
        .external_dealer_id("acme-1");
    let cut = client
        .connect_dealer()
        .body(body)
        .with_options(RequestOptions::new().timeout(Duration::from_millis(100)))
        .send()
        .await;
    assert!(cut.is_err());
    tokio::time::sleep(Duration::from_millis(600)).await;
    let stored = store.load().await.unwrap().unwrap();
    assert_eq!(stored.refresh_token.expose_secret(), "rt-2");
    // The access token it brought is cached too: no second token request.
    let body = chekt_api::types::ConnectDealerRequestDto::builder()
        .company_name("Acme")
        .external_dealer_id("acme-1");
    let _ = client.connect_dealer().body(body).send().await;
    let received = server.received_requests().await.unwrap();
    let tokens = received.iter().filter(|r| r.url.path() == "/oauth/token");
    assert_eq!(tokens.count(), 1);
    let last = received.last().unwrap();
    assert_eq!(values(last, "authorization"), ["Bearer at-2"]);
}
