//! The hand-written constructor: base URL, bearer token, errors. Calls are
//! answered by the crate's typed mocks (feature `mock`) with bodies from
//! `spec/recordings`; the exact query string is checked on wiremock, which
//! records raw requests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use chekt_api::prelude::*;
use chekt_api::{BuildError, Client};
use support::recordings;

const TOKEN: &str = "chekt_test_0123456789abcdefghijklmnop";

#[cfg(feature = "mock")]
#[tokio::test]
async fn list_sites_sends_the_bearer_token_and_decodes_the_page() {
    use chekt_api::mock::MockServerExt;
    use chekt_api::types::ResponseSiteBasicDto;
    let server = chekt_api::mock::httpmock::MockServer::start_async().await;
    let site: ResponseSiteBasicDto = serde_json::from_value(recordings::site()).unwrap();
    let expected = server.list_sites(|when, then| {
        when.dealer_id(42)
            .limit(50)
            .filter(&vec!["is_activated,1,eq".to_string()])
            .into_inner()
            .header("authorization", format!("Bearer {TOKEN}"));
        then.ok(&vec![site.clone()]);
    });

    let client = Client::builder()
        .base_url(format!("{}/", server.base_url()))
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
    assert_eq!(sites.into_inner(), [site]);
    expected.assert_calls(1);
}

/// The exact query strings `list_sites` sends: none at all without options;
/// with options, each set parameter once in the spec's order and a repeated
/// `filter` once per item (unset ones never appear, not even empty).
#[tokio::test]
async fn list_sites_sends_only_the_query_parameters_that_are_set() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer};
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/partner/v1/dealers/42/sites"))
        .respond_with(recordings::recording("list_sites", "200-first-page.json").template(&[]))
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

#[cfg(feature = "mock")]
#[tokio::test]
async fn error_responses_keep_status_and_body() {
    use chekt_api::Error;
    use chekt_api::mock::MockServerExt;
    use chekt_api::types::{ApiError, ErrorCode};
    let server = chekt_api::mock::httpmock::MockServer::start_async().await;
    let expired: ApiError = recordings::typed("get_dealer", "401-token-expired.json");
    let dealer = server.get_dealer(|when, then| {
        when.dealer_id(42);
        then.unauthorized(&expired);
    });
    let client = Client::builder()
        .base_url(server.base_url())
        .bearer_token(TOKEN)
        .build()
        .unwrap();
    match client.get_dealer().dealer_id(42).send().await {
        Err(Error::Auth {
            status,
            message,
            code,
            request_id,
            ..
        }) => {
            assert_eq!(status, 401);
            assert_eq!(message, expired.message);
            assert_eq!(code, Some(ErrorCode::TokenExpired));
            assert_eq!(request_id, expired.request_id);
        }
        other => panic!("expected an error response, got {other:?}"),
    }
    dealer.assert_calls(1);
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

#[cfg(feature = "mock")]
#[tokio::test]
async fn a_reqwest_client_of_your_own_sends_every_request() {
    use chekt_api::mock::MockServerExt;
    use chekt_api::types::ResponseDealerDto;
    let server = chekt_api::mock::httpmock::MockServer::start_async().await;
    let recorded: ResponseDealerDto = recordings::typed("get_dealer", "200-ok.json");
    let expected = server.get_dealer(|when, then| {
        when.dealer_id(42)
            .into_inner()
            .header("x-proxy-tag", "mine");
        then.ok(&recorded);
    });
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-proxy-tag", "mine".parse().unwrap());
    chekt_api::tls::install_crypto_provider();
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let client = Client::builder()
        .base_url(server.base_url())
        .http_client(http)
        .bearer_token(TOKEN)
        .build()
        .unwrap();
    let dealer = client.get_dealer().dealer_id(42).send().await.unwrap();
    assert_eq!(dealer.company_name.as_deref(), Some("Acme Security"));
    assert_eq!(dealer.into_inner(), recorded);
    expected.assert_calls(1);
}
