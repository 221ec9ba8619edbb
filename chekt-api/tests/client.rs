//! The hand-written constructor: base URL, bearer token, errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chekt_api::prelude::*;
use chekt_api::{BuildError, Client, Error};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "chekt_test_0123456789abcdefghijklmnop";

fn site() -> serde_json::Value {
    serde_json::json!({
        "site_id": 1, "external_site_id": "1234567890", "name": "Gangnam Headquarters",
        "monitoring_station_id": 12345, "external_monitoring_station_id": "12345",
        "account_number": "1234567890", "address1": "123 Teheran-ro, Gangnam-gu, Seoul",
        "address2": "7th Floor, Suite 701", "timezone": "Asia/Seoul", "is_activated": 1,
        "created_at": "2025-01-01 00:00:00"
    })
}

#[tokio::test]
async fn list_sites_sends_the_bearer_token_and_decodes_the_page() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/partner/v1/dealers/42/sites"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(query_param("limit", "50"))
        .and(query_param("filter", "is_activated,1,eq"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([site()])))
        .expect(1)
        .mount(&server)
        .await;

    let client = Client::builder()
        .base_url(format!("{}/", server.uri()))
        .bearer_token(TOKEN)
        .build()
        .unwrap();
    let sites = client
        .list_sites()
        .dealer_id(42)
        .limit(50)
        .filter(vec!["is_activated,1,eq".to_string()])
        .send()
        .await
        .unwrap();
    assert_eq!(sites.status(), 200);
    assert_eq!(sites.len(), 1);
    assert_eq!(sites[0].name, "Gangnam Headquarters");
}

/// The exact query strings `list_sites` sends: none at all without options;
/// with options, each set parameter once in the spec's order and a repeated
/// `filter` once per item (unset ones never appear, not even empty).
#[tokio::test]
async fn list_sites_sends_only_the_query_parameters_that_are_set() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/partner/v1/dealers/42/sites"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([])))
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .bearer_token(TOKEN)
        .build()
        .unwrap();
    client.list_sites().dealer_id(42).send().await.unwrap();
    client
        .list_sites()
        .dealer_id(42)
        .sort("name")
        .offset(20)
        .filter(vec![
            "is_activated,1,eq".to_string(),
            "name,HQ,like".to_string(),
        ])
        .send()
        .await
        .unwrap();
    let queries: Vec<Option<String>> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.query().map(str::to_string))
        .collect();
    assert_eq!(
        queries,
        [
            None,
            Some(
                "filter=is_activated%2C1%2Ceq&filter=name%2CHQ%2Clike&offset=20&sort=name"
                    .to_string()
            )
        ]
    );
}

#[tokio::test]
async fn error_responses_keep_status_and_body() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/partner/v1/dealers/42"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "error": "Unauthorized", "message": "Invalid or missing API Key"
        })))
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .bearer_token(TOKEN)
        .build()
        .unwrap();
    match client.get_dealer().dealer_id(42).send().await {
        Err(Error::Auth {
            status, message, ..
        }) => {
            assert_eq!(status, 401);
            assert_eq!(message, "Invalid or missing API Key");
        }
        other => panic!("expected an error response, got {other:?}"),
    }
}

#[test]
fn the_token_never_shows_in_debug() {
    let client = Client::builder().bearer_token(TOKEN).build().unwrap();
    let debug = format!("{client:?}");
    assert!(!debug.contains(TOKEN), "{debug}");
    assert!(debug.contains("[redacted]"), "{debug}");
    assert!(debug.contains("https://api.chekt.com"), "{debug}");
}

#[test]
fn bad_configuration_is_rejected_at_build_time() {
    let err = Client::builder().base_url("not a url").build().unwrap_err();
    assert!(matches!(err, BuildError::BaseUrl { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with("invalid base URL `not a url`"),
        "{err}"
    );
    let err = Client::builder()
        .base_url("ftp://api.chekt.com")
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid base URL `ftp://api.chekt.com`: the scheme must be http or https"
    );
    let err = Client::builder()
        .bearer_token("bad\ntoken")
        .build()
        .unwrap_err();
    assert!(matches!(err, BuildError::Token));
    assert!(
        !err.to_string().contains("bad"),
        "the token must not leak into errors"
    );
}

#[tokio::test]
async fn a_reqwest_client_of_your_own_sends_every_request() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/partner/v1/dealers/42"))
        .and(header("x-proxy-tag", "mine"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "dealer_id": 42, "company_name": "Acme", "external_dealer_id": "acme-1",
            "created_at": "2025-01-01 00:00:00"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-proxy-tag", "mine".parse().unwrap());
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let client = Client::builder()
        .base_url(server.uri())
        .http_client(http)
        .bearer_token(TOKEN)
        .build()
        .unwrap();
    let dealer = client.get_dealer().dealer_id(42).send().await.unwrap();
    assert_eq!(dealer.company_name.as_deref(), Some("Acme"));
}
