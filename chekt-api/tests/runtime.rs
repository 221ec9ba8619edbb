//! The runtime against a local mock server: tokens, retries, errors, traces.
//! Bodies come from `spec/recordings`; wiremock stays for the delays,
//! call counts and raw requests these tests inspect.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use chekt_api::prelude::*;
use chekt_api::retry::RetryPolicy;
use chekt_api::{Client, Error};
use support::recordings;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "s3cr3t-client-secret-value";

/// The recorded client-credentials token response, handing out `token`
/// valid `expires_in` seconds.
fn token(expires_in: u64, token: &str) -> ResponseTemplate {
    let mut body = recordings::body("create_token", "200-client-credentials.json");
    body["access_token"] = token.into();
    body["expires_in"] = expires_in.into();
    ResponseTemplate::new(200).set_body_json(body)
}

/// The recorded response of `spec/recordings/<operation>/<name>`, with its
/// headers.
fn recorded(operation: &str, name: &str) -> ResponseTemplate {
    recordings::recording(operation, name).template(&[])
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(20))
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .client_credentials("partner-id", SECRET)
        .retry(fast_retries())
        .build()
        .unwrap()
}

async fn mount_sites(server: &MockServer, bearer: &str) {
    Mock::given(method("GET"))
        .and(path("/partner/v1/dealers/42/sites"))
        .and(header("authorization", format!("Bearer {bearer}").as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(recordings::body("list_sites", "200-first-page.json")),
        )
        .mount(server)
        .await;
}

#[tokio::test]
async fn fifty_concurrent_calls_fetch_one_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains("client_id=partner-id"))
        .respond_with(token(3600, "tok-1").set_delay(Duration::from_millis(50)))
        .expect(1)
        .mount(&server)
        .await;
    mount_sites(&server, "tok-1").await;
    let client = client(&server);
    let calls = (0..50).map(|_| async { client.list_sites().dealer_id(42).send().await });
    for result in futures::future::join_all(calls).await {
        assert_eq!(result.unwrap().len(), recordings::sites().len());
    }
}

#[tokio::test]
async fn an_already_expired_token_is_fetched_again() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token(0, "tok-1"))
        .expect(2)
        .mount(&server)
        .await;
    mount_sites(&server, "tok-1").await;
    // `expires_in: 0`: used by the call that fetched it, never reused. (A
    // 30 s token with the 60 s margin is reused: tests/hostile.rs.)
    let client = client(&server);
    client.list_sites().dealer_id(42).send().await.unwrap();
    client.list_sites().dealer_id(42).send().await.unwrap();
}

#[tokio::test]
async fn token_expired_is_refreshed_once_before_the_caller_sees_it() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token(3600, "old"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token(3600, "new"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer old"))
        .respond_with(recorded("get_dealer", "401-token-expired.json"))
        .expect(1)
        .mount(&server)
        .await;
    mount_sites(&server, "new").await;
    let sites = client(&server)
        .list_sites()
        .dealer_id(42)
        .send()
        .await
        .unwrap();
    assert_eq!(sites.len(), recordings::sites().len());
}

#[tokio::test]
async fn retries_a_503_after_retry_after_with_the_same_trace_id() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/devices"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/devices"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ratelimit-limit", "1000")
                .insert_header("x-ratelimit-remaining", "998")
                .insert_header("x-ratelimit-reset", "1735693200")
                .set_body_json(recordings::body(
                    "list_public_devices",
                    "200-seed-002-first-call.json",
                )),
        )
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .api_key("chekt_test_0123456789abcdefghijklmnop")
        .retry(fast_retries())
        .build()
        .unwrap();
    let page = client.list_public_devices().send().await.unwrap();
    assert!(!page.has_more);
    assert_eq!(page.data[0].id, "dev_8h2j3kfm");
    let rl = client.last_rate_limit().unwrap();
    assert_eq!((rl.limit, rl.remaining), (Some(1000), Some(998)));
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    for r in &requests {
        assert_eq!(
            r.headers.get("authorization").unwrap(),
            "Bearer chekt_test_0123456789abcdefghijklmnop"
        );
    }
}

#[tokio::test]
async fn partner_calls_carry_one_trace_id_across_retries() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token(3600, "tok"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/partner/v1/dealers/42/sites"))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>bad gateway</html>"))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    mount_sites(&server, "tok").await;
    client(&server)
        .list_sites()
        .dealer_id(42)
        .send()
        .await
        .unwrap();
    let ids: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().contains("/sites"))
        .map(|r| {
            r.headers
                .get("x-partner-trace-id")
                .unwrap()
                .to_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids.len(), 3);
    assert!(ids.iter().all(|id| id == &ids[0]));
    let id = uuid::Uuid::parse_str(&ids[0]).unwrap();
    assert_eq!(id.get_version(), Some(uuid::Version::Random), "{id}");
}

#[tokio::test]
async fn a_post_is_not_retried_after_a_server_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token(3600, "tok"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/partner/v1/dealers/42/sites"))
        .respond_with(recorded("get_site", "503-unavailable.json"))
        .expect(1)
        .mount(&server)
        .await;
    let body = chekt_api::types::CreateSiteRequestDto::builder()
        .external_site_id("x")
        .name("HQ")
        .timezone("Asia/Seoul");
    let err: Error = client(&server)
        .create_site()
        .dealer_id(42)
        .body(body)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Server { .. }), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
}

#[tokio::test]
async fn error_kinds_are_told_apart() {
    let server = MockServer::start().await;
    let body = |name| recordings::body("get_dealer", name);
    let (denied, missing, invalid, limited) = (
        body("403-permission-denied.json"),
        body("404-not-found.json"),
        body("400-validation-failed.json"),
        body("429-rate-limited.json"),
    );
    let cases: Vec<(u16, ResponseTemplate)> = vec![
        (403, recorded("get_dealer", "403-permission-denied.json")),
        (404, recorded("get_dealer", "404-not-found.json")),
        (400, recorded("get_dealer", "400-validation-failed.json")),
        (
            429,
            // 120 s replaces the recorded `retry-after: 30`, which the body's
            // prose also names: the header is what counts.
            recorded("get_dealer", "429-rate-limited.json").insert_header("retry-after", "120"),
        ),
        (
            502,
            ResponseTemplate::new(502).set_body_string("<html>upstream down</html>"),
        ),
    ];
    for (status, response) in cases {
        server.reset().await;
        Mock::given(method("GET"))
            .respond_with(response)
            .mount(&server)
            .await;
        let client = Client::builder()
            .base_url(server.uri())
            .bearer_token("tok")
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        let err: Error = client.get_dealer().dealer_id(42).send().await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{err:?}");
        match (status, &err) {
            (
                403,
                Error::Auth {
                    code: Some(code), ..
                },
            ) => {
                assert_eq!(code.as_str(), "permission_denied");
                let request_id = denied["request_id"].as_str().unwrap();
                assert_eq!(err.request_id(), Some(request_id));
                assert_eq!(
                    err.to_string(),
                    format!(
                        "authentication failed (403 permission_denied): {} (request_id {request_id})",
                        denied["message"].as_str().unwrap()
                    )
                );
            }
            (404, Error::NotFound { message, .. }) => assert_eq!(message, &missing["message"]),
            (400, Error::Validation { field, .. }) => {
                assert_eq!(field.as_deref(), invalid["details"][0]["field"].as_str());
                assert!(field.is_some());
            }
            (429, Error::RateLimited { retry_after, .. }) => {
                assert_eq!(*retry_after, Some(Duration::from_secs(120)));
                assert_eq!(err.request_id(), limited["request_id"].as_str());
                assert!(err.is_retryable());
            }
            (502, Error::Server { message, .. }) => {
                assert!(message.contains("upstream down"), "{message}")
            }
            _ => panic!("status {status}: unexpected {err:?}"),
        }
    }
}

#[tokio::test]
async fn a_refused_grant_is_an_auth_error_without_the_secret() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({"error": "invalid_client", "error_description": "Client authentication failed"})))
        .mount(&server)
        .await;
    let client = client(&server);
    let err = client.list_sites().dealer_id(42).send().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Token(chekt_api::auth::TokenError::OAuth {
                error: chekt_api::types::ErrorCode::InvalidClient,
                ..
            })
        ),
        "{err:?}"
    );
    assert_eq!(err.code().map(|c| c.as_str()), Some("invalid_client"));
    let shown = format!("{err} {err:?} {client:?}");
    assert!(shown.contains("Client authentication failed"), "{shown}");
    assert!(!shown.contains(SECRET), "{shown}");
}

#[tokio::test]
async fn a_token_a_header_cannot_carry_fails_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token(3600, "tok\nen-with-a-newline"))
        .mount(&server)
        .await;
    let err: Error = client(&server)
        .list_sites()
        .dealer_id(42)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Token(chekt_api::auth::TokenError::Malformed { .. })
        ),
        "{err:?}"
    );
    let shown = format!("{err} {err:?}");
    assert!(
        shown.contains("the access token has characters an HTTP header cannot carry"),
        "{shown}"
    );
    assert!(!shown.contains("en-with-a-newline"), "{shown}");
    let requests = server.received_requests().await.unwrap();
    assert!(requests.iter().all(|r| r.url.path() == "/oauth/token"));
}

#[tokio::test]
async fn an_operation_without_a_fitting_credential_fails_before_sending() {
    let server = MockServer::start().await;
    let client = Client::builder()
        .base_url(server.uri())
        .api_key("chekt_live_0123456789abcdefghijklmnop")
        .build()
        .unwrap();
    let err: Error = client.list_sites().dealer_id(42).send().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::MissingCredential {
                operation: "list_sites",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("no credential for list_sites: it needs partnerOAuth (sites:read)"),
        "{err}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}
