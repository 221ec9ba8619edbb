//! The typed mocks used exactly as a consumer would: only the public API.
//! Bodies come from `spec/recordings`.
#![cfg(feature = "mock")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use chekt_api::mock::httpmock::MockServer;
use chekt_api::mock::{self, MockServerExt};
use chekt_api::prelude::*;
use chekt_api::types::{self, ErrorCode, ResponseSiteBasicDto};
use chekt_api::{Client, Error};
use support::recordings;

/// The recorded sites of dealer 42.
fn sites() -> Vec<ResponseSiteBasicDto> {
    recordings::typed("list_sites", "200-first-page.json")
}

/// The code under test: a consumer's function that lists active sites.
async fn active_site_names(client: &Client, dealer_id: i64) -> Result<Vec<String>, Error> {
    let sites = client
        .list_sites()
        .dealer_id(dealer_id)
        .limit(50)
        .filter(vec![
            "is_activated,1,eq".to_string(),
            "name,HQ,regex".to_string(),
        ])
        .send()
        .await?;
    Ok(sites.iter().map(|s| s.name.clone()).collect())
}

#[tokio::test]
async fn a_typed_mock_answers_the_matching_call() {
    let server = MockServer::start_async().await;
    let recorded: Vec<_> = sites().into_iter().take(2).collect();
    let sites = server.list_sites(|when, then| {
        when.dealer_id(42).limit(50).filter(&vec![
            "is_activated,1,eq".to_string(),
            "name,HQ,regex".to_string(),
        ]);
        then.ok(&recorded);
    });
    let client = mock::client(&server).unwrap();
    assert_eq!(
        active_site_names(&client, 42).await.unwrap(),
        ["Gangnam Headquarters", "Seocho Branch"]
    );
    sites.assert();
}

#[tokio::test]
async fn a_call_no_mock_expects_fails_and_the_assertion_names_the_expected_call() {
    let server = MockServer::start_async().await;
    let sites = server.list_sites(|when, then| {
        when.dealer_id(42);
        then.ok(&sites());
    });
    let client = mock::client(&server).unwrap();
    let err = active_site_names(&client, 43).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "{err:?}");
    let failure = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sites.assert()))
        .expect_err("the expected call never happened");
    let message = failure
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| failure.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap();
    // The failure names the call the consumer's code was expected to make.
    assert!(
        message.contains("0 of 1 expected requests matched"),
        "{message}"
    );
    assert!(
        message.contains("^/partner/v1/dealers/42/sites$"),
        "{message}"
    );
}

#[tokio::test]
async fn typed_error_responses_reach_the_consumer_as_typed_errors() {
    let server = MockServer::start_async().await;
    let denied: types::ApiError = recordings::typed("get_dealer", "403-permission-denied.json");
    let dealer = server.get_dealer(|when, then| {
        when.dealer_id(42);
        then.forbidden(&denied);
    });
    let client = mock::client(&server).unwrap();
    let err: Error = client.get_dealer().dealer_id(42).send().await.unwrap_err();
    let Error::Auth {
        code, request_id, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(code, &Some(ErrorCode::PermissionDenied));
    assert_eq!(request_id, &denied.request_id);
    assert!(request_id.is_some());
    assert!(err.to_string().contains(&denied.message), "{err}");
    dealer.assert_calls(1);
}

#[tokio::test]
async fn client_credentials_work_against_the_mocked_token_endpoint() {
    let server = MockServer::start_async().await;
    let dealer = server.get_dealer(|when, then| {
        let when = when.dealer_id(42).into_inner();
        when.header(
            "authorization",
            format!("Bearer {}", mock::MOCK_ACCESS_TOKEN),
        );
        then.ok(&recordings::typed("get_dealer", "200-ok.json"));
    });
    let client = mock::client(&server).unwrap();
    for _ in 0..3 {
        assert_eq!(
            client
                .get_dealer()
                .dealer_id(42)
                .send()
                .await
                .unwrap()
                .company_name
                .as_deref(),
            Some("Acme Security")
        );
    }
    dealer.assert_calls(3);
}
