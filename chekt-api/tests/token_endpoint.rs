//! The token endpoint is a server like any other: transient failures are
//! retried under the client's retry policy, refusals are not, and a
//! rotated refresh token survives the caller being cancelled at any await
//! point. Loopback wiremock servers only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use chekt_api::auth::TokenError;
use chekt_api::auth::authorization_code::{
    AuthorizationCode, MemoryTokenStore, StoreError, StoredTokens, TokenStore,
};
use chekt_api::prelude::*;
use chekt_api::retry::RetryPolicy;
use chekt_api::secrecy::ExposeSecret;
use chekt_api::{Client, Error};
use futures::future::BoxFuture;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SITES: &str = "/partner/v1/dealers/42/sites";
const TOKEN: &str = "/oauth/token";

fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(4)
        .base_delay(Duration::from_millis(10))
        .max_delay(Duration::from_millis(50))
        .max_retry_after(Duration::from_secs(5))
}

fn partner(server: &MockServer, retry: RetryPolicy) -> Client {
    Client::builder()
        .base_url(server.uri())
        .timeout(Duration::from_secs(5))
        .retry(retry)
        .client_credentials("partner-1", "client-secret-7e6d5c4b")
        .build()
        .unwrap()
}

fn token(access: &str, refresh: Option<&str>) -> ResponseTemplate {
    let mut body =
        serde_json::json!({"access_token": access, "token_type": "Bearer", "expires_in": 3600});
    if let Some(refresh) = refresh {
        body["refresh_token"] = refresh.into();
    }
    ResponseTemplate::new(200).set_body_json(body)
}

async fn sites_ok(server: &MockServer, bearer: &str) {
    Mock::given(method("GET"))
        .and(path(SITES))
        .and(header("authorization", format!("Bearer {bearer}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([])))
        .mount(server)
        .await;
}

async fn token_requests(server: &MockServer) -> usize {
    let all = server.received_requests().await.unwrap();
    all.iter().filter(|r| r.url.path() == TOKEN).count()
}

/// The token endpoint answers each of `failures` once, in order, then the
/// token `at-ok`, which the sites list accepts.
async fn token_after(server: &MockServer, failures: impl IntoIterator<Item = ResponseTemplate>) {
    for (priority, failure) in failures.into_iter().enumerate() {
        Mock::given(method("POST"))
            .and(path(TOKEN))
            .respond_with(failure)
            .up_to_n_times(1)
            .with_priority(u8::try_from(priority + 1).unwrap())
            .mount(server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path(TOKEN))
        .respond_with(token("at-ok", None))
        .with_priority(10)
        .mount(server)
        .await;
    sites_ok(server, "at-ok").await;
}

/// Two calls at once: a hurried one (a 1 s deadline) that fetches the
/// token, and a patient one (no deadline) queued 50 ms later behind its
/// token request.
async fn hurried_and_patient(
    client: &Client,
) -> (
    chekt_api::Result<chekt_api::ResponseValue<Vec<chekt_api::types::ResponseSiteBasicDto>>>,
    Result<usize, Error>,
) {
    let hurried = client
        .list_sites()
        .dealer_id(42)
        .with_options(chekt_api::RequestOptions::new().timeout(Duration::from_secs(1)))
        .send();
    let patient = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        list_sites(client).await
    };
    tokio::join!(hurried, patient)
}

async fn list_sites(client: &Client) -> Result<usize, Error> {
    tokio::time::timeout(
        Duration::from_secs(20),
        client.list_sites().dealer_id(42).send(),
    )
    .await
    .expect("the call finished")
    .map(|sites| sites.len())
}

// Threat: one failed token request (a gateway's 503 page, a 429, an empty
// 500) fails the call although the API's own calls are retried.
#[tokio::test]
async fn transient_token_endpoint_failures_are_retried() {
    let server = MockServer::start().await;
    let failures = [
        ResponseTemplate::new(503).set_body_raw(b"<html>busy</html>".to_vec(), "text/html"),
        ResponseTemplate::new(429).insert_header("retry-after", "0.05"),
        ResponseTemplate::new(500),
    ];
    token_after(&server, failures).await;
    assert_eq!(
        list_sites(&partner(&server, quick_retries()))
            .await
            .unwrap(),
        0
    );
    assert_eq!(token_requests(&server).await, 4);

    // With retries off, the first failure is the call's.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let err = list_sites(&partner(&server, RetryPolicy::none()))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Token(TokenError::Unavailable { .. })),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert_eq!(token_requests(&server).await, 1);
}

// Threat: a refused credential (RFC 6749 §5.2) is hammered with retries,
// or a Retry-After longer than the policy allows is slept through.
#[tokio::test]
async fn refusals_and_long_retry_afters_are_not_retried() {
    for (status, body) in [
        (401, serde_json::json!({"error": "invalid_client"})),
        (
            400,
            serde_json::json!({"error": "invalid_grant", "error_description": "revoked"}),
        ),
        (400, serde_json::json!({"error": "unsupported_grant_type"})),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(TOKEN))
            .respond_with(ResponseTemplate::new(status).set_body_json(&body))
            .mount(&server)
            .await;
        let err = list_sites(&partner(&server, quick_retries()))
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Token(TokenError::OAuth { .. })),
            "{err:?}"
        );
        assert!(!err.is_retryable());
        assert_eq!(token_requests(&server).await, 1, "{body}");
    }

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .mount(&server)
        .await;
    let started = tokio::time::Instant::now();
    let err = list_sites(&partner(&server, quick_retries()))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Token(TokenError::Unavailable { .. })),
        "{err:?}"
    );
    assert_eq!(token_requests(&server).await, 1);
    assert!(started.elapsed() < Duration::from_secs(10));
}

/// Calls queued behind a token request get its outcome only when that
/// outcome does not depend on the fetching call's own limits. A 503 whose
/// `Retry-After` the fetching call's deadline cannot wait out is that
/// call's failure alone: a queued call without a deadline fetches (and
/// here gets) a token itself. A `Retry-After` longer than the client's
/// policy allows fails every call alike, so it is shared: one request.
// Threat: one call with a short deadline fails every call queued behind its token fetch.
#[tokio::test]
async fn a_retry_the_fetching_call_s_deadline_refuses_is_not_shared() {
    for (retry_after, shared) in [("2", false), ("60", true)] {
        let server = MockServer::start().await;
        token_after(
            &server,
            [ResponseTemplate::new(503)
                .insert_header("retry-after", retry_after)
                .set_delay(Duration::from_millis(300))],
        )
        .await;
        let client = partner(&server, quick_retries());
        let (hurried, patient) = hurried_and_patient(&client).await;
        let case = format!("Retry-After {retry_after}");
        let err = hurried.unwrap_err();
        assert!(
            matches!(
                &err,
                Error::Token(TokenError::Unavailable { status: Some(s), .. }) if s.as_u16() == 503
            ),
            "{case}: {err:?}"
        );
        if shared {
            let patient = patient.unwrap_err();
            assert_eq!(patient.to_string(), err.to_string(), "{case}");
            assert_eq!(token_requests(&server).await, 1, "{case}");
        } else {
            assert_eq!(
                patient.ok(),
                Some(0),
                "{case}: a call without a deadline failed by another's"
            );
            assert_eq!(token_requests(&server).await, 2, "{case}");
        }
    }
}

/// A store whose saves take `delay` (a remote secret manager).
struct SlowStore {
    inner: MemoryTokenStore,
    delay: Duration,
}

impl TokenStore for SlowStore {
    fn load(&self) -> BoxFuture<'_, Result<Option<StoredTokens>, StoreError>> {
        self.inner.load()
    }

    fn save(&self, tokens: StoredTokens) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            tokio::time::sleep(self.delay).await;
            self.inner.save(tokens).await
        })
    }
}

async fn stored(store: &SlowStore) -> String {
    let tokens = store.inner.load().await.unwrap().unwrap();
    tokens.refresh_token.expose_secret().to_string()
}

// Threat: the call that triggered a refresh is cancelled (a timeout, a
// select, a dropped request handler) after the server rotated the refresh
// token: the new one is lost and the next call sends the revoked one.
#[tokio::test]
async fn a_rotated_refresh_token_survives_a_cancelled_call() {
    // Cancelled while waiting for the token response, then while the new
    // refresh token is being saved.
    for (response_delay, save_delay) in [
        (Duration::from_millis(400), Duration::ZERO),
        (Duration::ZERO, Duration::from_millis(400)),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(TOKEN))
            .and(body_string_contains("refresh_token=rt-1"))
            .respond_with(token("at-2", Some("rt-2")).set_delay(response_delay))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(TOKEN))
            .and(body_string_contains("refresh_token=rt-2"))
            .respond_with(token("at-3", Some("rt-3")))
            .mount(&server)
            .await;
        // The token the cancelled refresh fetched is used, then rejected,
        // so the next refresh shows which refresh token the client holds.
        Mock::given(method("PUT"))
            .and(path("/partner/v1/dealers/connect"))
            .and(header("authorization", "Bearer at-2"))
            .respond_with(
                ResponseTemplate::new(401)
                    .insert_header("www-authenticate", r#"Bearer error="invalid_token""#),
            )
            .mount(&server)
            .await;
        Mock::given(method("PUT"))
            .and(path("/partner/v1/dealers/connect"))
            .and(header("authorization", "Bearer at-3"))
            .respond_with(ResponseTemplate::new(403).set_body_json(serde_json::json!({
                "error": "Forbidden", "code": "permission_denied", "message": "not this dealer"
            })))
            .mount(&server)
            .await;
        let store = Arc::new(SlowStore {
            inner: MemoryTokenStore::default(),
            delay: save_delay,
        });
        store
            .inner
            .save(StoredTokens {
                refresh_token: "rt-1".into(),
            })
            .await
            .unwrap();
        let flow = AuthorizationCode::new("app-1", "https://app.example.com/cb");
        let client = Client::builder()
            .base_url(server.uri())
            .retry(RetryPolicy::none())
            .authorization_code(flow, store.clone())
            .build()
            .unwrap();
        let connect = || {
            let body = chekt_api::types::ConnectDealerRequestDto::builder()
                .company_name("Acme Security")
                .external_dealer_id("acme-1");
            client.connect_dealer().body(body).send()
        };

        let cancelled = tokio::time::timeout(Duration::from_millis(100), connect()).await;
        assert!(
            cancelled.is_err(),
            "the first call is cancelled mid-refresh"
        );
        // At once, with no pause: the next call waits for the cancelled
        // refresh to finish, sends the access token it fetched (at-2) and,
        // when that is rejected, refreshes with the refresh token it
        // rotated to (rt-2).
        let next = tokio::time::timeout(Duration::from_secs(10), connect())
            .await
            .unwrap();
        let next = next.unwrap_err();
        assert!(
            matches!(next, Error::Auth { .. }),
            "sent with at-3: {next:?}"
        );
        let sent: Vec<String> = server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.url.path() == TOKEN)
            .map(|r| String::from_utf8_lossy(&r.body).into_owned())
            .collect();
        assert_eq!(sent.len(), 2, "{sent:?}");
        assert!(sent[1].contains("refresh_token=rt-2"), "{sent:?}");
        let bearers: Vec<String> = server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.url.path() != TOKEN)
            .filter_map(|r| {
                r.headers
                    .get("authorization")?
                    .to_str()
                    .ok()
                    .map(String::from)
            })
            .collect();
        assert_eq!(bearers, ["Bearer at-2", "Bearer at-3"]);
        tokio::time::sleep(save_delay + Duration::from_millis(50)).await;
        assert_eq!(stored(&store).await, "rt-3");
    }
}

/// A 503 whose `Retry-After` the fetching call's deadline cannot wait out
/// is not the queued calls' failure, but the server's word on when to come
/// back is: a queued call that cannot wait that long either fails with it
/// (no request of its own), and one that can waits for it before asking
/// again. However many calls queue, the token endpoint sees one request
/// before the `Retry-After` has passed.
// Threat: many calls with short deadlines, queued on one token request,
// each send a token request of their own in turn the moment the previous
// one fails, hammering a token endpoint that said to come back later.
#[tokio::test]
async fn queued_calls_heed_a_retry_after_the_fetching_call_could_not_wait_for() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("retry-after", "2")
                .set_delay(Duration::from_millis(300)),
        )
        .mount(&server)
        .await;
    let client = partner(&server, quick_retries());
    let hurried = |n: u64| {
        let client = &client;
        async move {
            // The first one fetches; the rest queue behind it.
            tokio::time::sleep(Duration::from_millis(10 * n)).await;
            client
                .list_sites()
                .dealer_id(42)
                .with_options(chekt_api::RequestOptions::new().timeout(Duration::from_secs(1)))
                .send()
                .await
        }
    };
    let started = std::time::Instant::now();
    let all = futures::future::join_all((0..8).map(hurried)).await;
    assert_eq!(
        token_requests(&server).await,
        1,
        "the server said to come back in 2 s"
    );
    for (n, outcome) in all.iter().enumerate() {
        let err = outcome.as_ref().unwrap_err();
        assert!(
            matches!(
                err,
                Error::Token(TokenError::Unavailable { status: Some(s), .. }) if s.as_u16() == 503
            ),
            "call {n}: {err:?}"
        );
    }
    // They failed at once, not at their deadlines.
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    // A queued call with time to wait asks again only once the
    // Retry-After has passed, and gets the token.
    let server = MockServer::start().await;
    token_after(
        &server,
        [ResponseTemplate::new(503)
            .insert_header("retry-after", "2")
            .set_delay(Duration::from_millis(300))],
    )
    .await;
    let client = partner(&server, quick_retries());
    let started = std::time::Instant::now();
    let (hurried, patient) = hurried_and_patient(&client).await;
    assert!(hurried.is_err());
    assert_eq!(patient.ok(), Some(0));
    assert!(
        started.elapsed() >= Duration::from_millis(1900),
        "the patient call asked again before the Retry-After: {:?}",
        started.elapsed()
    );
    assert_eq!(token_requests(&server).await, 2);
}

// Threat: the call that fetches a token is cancelled (its future dropped by
// a `select!` or a timeout) while the token request is in flight. The
// request finishes in its own task, but its token was cached only by the
// dropped caller: every call queued behind it sent a token request again.
#[tokio::test]
async fn a_token_fetched_for_a_cancelled_call_serves_the_calls_queued_on_it() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN))
        .respond_with(token("at-ok", None).set_delay(Duration::from_millis(400)))
        .mount(&server)
        .await;
    sites_ok(&server, "at-ok").await;
    let client = partner(&server, quick_retries());
    let cancelled = tokio::time::timeout(Duration::from_millis(100), list_sites(&client));
    let queued = async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        list_sites(&client).await
    };
    let (cancelled, queued) = tokio::join!(cancelled, queued);
    assert!(
        cancelled.is_err(),
        "the first call was cut off: {cancelled:?}"
    );
    assert_eq!(queued.unwrap(), 0);
    assert_eq!(token_requests(&server).await, 1, "one token request in all");
    // And the token stays cached for later calls.
    assert_eq!(list_sites(&client).await.unwrap(), 0);
    assert_eq!(token_requests(&server).await, 1);
}
