//! Paging streams: offset pages until a short page, cursor pages while
//! `has_more`, one page in memory, errors end the stream visibly; rows
//! selected with `fields` decode into the caller's type.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chekt_api::pagination::{CursorPagedExt, FieldsPaged, OffsetPaged, OffsetPagedExt};
use chekt_api::prelude::*;
use chekt_api::query::{Fields, Filters};
use chekt_api::{Client, Error};
use futures::{StreamExt, TryStreamExt};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn site(id: i64) -> serde_json::Value {
    serde_json::json!({
        "site_id": id, "external_site_id": id.to_string(), "name": format!("site {id}"),
        "monitoring_station_id": null, "external_monitoring_station_id": null, "account_number": null,
        "address1": null, "address2": null, "timezone": "Asia/Seoul", "is_activated": 1,
        "created_at": "2025-01-01 00:00:00"
    })
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .bearer_token("tok")
        .retry(chekt_api::retry::RetryPolicy::none())
        .build()
        .unwrap()
}

async fn mount_page(server: &MockServer, offset: i64, ids: std::ops::Range<i64>) {
    let body: Vec<_> = ids.map(site).collect();
    Mock::given(method("GET"))
        .and(path("/partner/v1/dealers/42/sites"))
        .and(query_param("limit", "2"))
        .and(query_param("offset", offset.to_string()))
        .and(query_param("filter", "is_activated,1,eq"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn offset_pages_stop_at_the_short_page() {
    let server = MockServer::start().await;
    mount_page(&server, 0, 1..3).await;
    mount_page(&server, 2, 3..5).await;
    mount_page(&server, 4, 5..6).await;
    let client = client(&server);
    let sites: Vec<_> = client
        .list_sites()
        .dealer_id(42)
        .filter(Filters::new().eq("is_activated", 1))
        .into_stream_with_page_size(2)
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<i64> = sites.iter().map(|s| s.site_id).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
    // `expect(1)` on each page, and no mock for offset 6: the page past the
    // short one is never fetched (wiremock verifies on drop).
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn an_exact_multiple_ends_on_an_empty_page() {
    let server = MockServer::start().await;
    mount_page(&server, 0, 1..3).await;
    mount_page(&server, 2, 3..3).await;
    let all = client(&server)
        .list_sites()
        .dealer_id(42)
        .filter(Filters::new().eq("is_activated", 1))
        .into_stream_with_page_size(2)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
}

#[tokio::test]
async fn an_error_ends_the_stream_with_the_error() {
    let server = MockServer::start().await;
    mount_page(&server, 0, 1..3).await;
    Mock::given(method("GET"))
        .and(query_param("offset", "2"))
        .respond_with(ResponseTemplate::new(500).set_body_json(
            serde_json::json!({"error": "Internal Server Error", "message": "boom"}),
        ))
        .mount(&server)
        .await;
    let client = client(&server);
    let mut stream = Box::pin(
        client
            .list_sites()
            .dealer_id(42)
            .filter(Filters::new().eq("is_activated", 1))
            .into_stream_with_page_size(2),
    );
    assert_eq!(stream.next().await.unwrap().unwrap().site_id, 1);
    assert_eq!(stream.next().await.unwrap().unwrap().site_id, 2);
    match stream.next().await {
        Some(Err(Error::Server { message, .. })) => assert_eq!(message, "boom"),
        other => panic!("expected the server error, got {other:?}"),
    }
    assert!(stream.next().await.is_none());
}

#[tokio::test]
async fn cursor_pages_follow_next_cursor_while_has_more() {
    let server = MockServer::start().await;
    let device = |id: &str| serde_json::json!({"id": id, "type": "camera", "name": id, "site_id": "site_1", "status": "online"});
    let pages = [
        (
            None,
            vec![device("dev_1"), device("dev_2")],
            true,
            Some("c1"),
        ),
        (Some("c1"), vec![device("dev_3")], true, Some("c2")),
        (Some("c2"), vec![device("dev_4")], false, None),
    ];
    for (cursor, data, has_more, next) in pages {
        let mut mock = Mock::given(method("GET")).and(path("/v1/devices"));
        if let Some(cursor) = cursor {
            mock = mock.and(query_param("cursor", cursor));
        } else {
            mock = mock.and(wiremock::matchers::query_param_is_missing("cursor"));
        }
        mock.respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "data": data, "has_more": has_more, "next_cursor": next
        })))
        .expect(1)
        .mount(&server)
        .await;
    }
    let client = Client::builder()
        .base_url(server.uri())
        .api_key("chekt_test_0123456789abcdefghijklmnop")
        .build()
        .unwrap();
    let devices = client.list_public_devices().collect_all().await.unwrap();
    let ids: Vec<&str> = devices.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["dev_1", "dev_2", "dev_3", "dev_4"]);
}

/// `/v1/sites`'s envelope is inferred (issue 17: inferred means tolerant):
/// a page that carries neither `has_more` nor `next_cursor` decodes and is
/// the last: the stream stops after it, even with a cursor in the body.
#[tokio::test]
async fn a_public_site_page_without_has_more_is_the_last() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/sites"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "data": [{"id": "site_29snd", "name": "Gangnam Headquarters", "timezone": "Asia/Seoul"}],
            "next_cursor": "cur_never_followed"
        })))
        .expect(2)
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .api_key("chekt_test_0123456789abcdefghijklmnop")
        .build()
        .unwrap();
    let page = client.list_public_sites().send().await.unwrap();
    assert_eq!(page.has_more, None);
    let sites = client.list_public_sites().collect_all().await.unwrap();
    let ids: Vec<Option<&str>> = sites.iter().map(|s| s.id.as_deref()).collect();
    assert_eq!(ids, [Some("site_29snd")]);
}

/// A site row as `fields=site_id,name` returns it.
#[derive(Debug, PartialEq, serde::Deserialize)]
struct SiteName {
    site_id: i64,
    name: String,
}

/// Serves `ids` as the page at `offset`, expecting exactly `calls` requests.
async fn mount_partial_page(
    server: &MockServer,
    offset: i64,
    ids: std::ops::Range<i64>,
    calls: u64,
) {
    let body: Vec<_> = ids
        .map(|id| serde_json::json!({"site_id": id, "name": format!("site {id}")}))
        .collect();
    Mock::given(method("GET"))
        .and(path("/partner/v1/dealers/42/sites"))
        .and(query_param("fields", "site_id,name"))
        .and(query_param("limit", "2"))
        .and(query_param("offset", offset.to_string()))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(calls)
        .mount(server)
        .await;
}

fn partial_sites(client: &Client) -> chekt_api::builder::ListSites<'_> {
    client
        .list_sites()
        .dealer_id(42)
        .fields(Fields::new(["site_id", "name"]))
        .limit(2)
        .offset(0)
}

#[tokio::test]
async fn selected_columns_decode_into_the_callers_type_not_the_full_row() {
    let server = MockServer::start().await;
    mount_partial_page(&server, 0, 1..3, 3).await;
    let client = client(&server);
    let rows = partial_sites(&client)
        .send_as::<SiteName>()
        .await
        .unwrap()
        .into_inner();
    let expected = [(1, "site 1"), (2, "site 2")].map(|(site_id, name)| SiteName {
        site_id,
        name: name.to_string(),
    });
    assert_eq!(rows, expected);
    // The same rows as the full type: the error names the missing column.
    match partial_sites(&client).send().await {
        Err(Error::UndecodableBody { reason, .. }) => {
            assert!(reason.contains("missing field"), "{reason}");
        }
        other => panic!("expected an undecodable body, got {other:?}"),
    }
    // Untyped rows work too.
    let values = partial_sites(&client)
        .send_as::<serde_json::Value>()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        values[1],
        serde_json::json!({"site_id": 2, "name": "site 2"})
    );
}

#[tokio::test]
async fn selected_columns_page_and_stream_like_the_list() {
    let server = MockServer::start().await;
    mount_partial_page(&server, 0, 1..3, 1).await;
    mount_partial_page(&server, 2, 3..5, 2).await;
    mount_partial_page(&server, 4, 5..6, 1).await;
    let client = client(&server);
    let names: Vec<SiteName> = client
        .list_sites()
        .dealer_id(42)
        .fields(Fields::new(["site_id", "name"]))
        .rows_as::<SiteName>()
        .into_stream_with_page_size(2)
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<i64> = names.iter().map(|s| s.site_id).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
    assert_eq!(names[4].name, "site 5");
    assert_eq!(server.received_requests().await.unwrap().len(), 3);

    // One page, by hand.
    let page = client
        .list_sites()
        .dealer_id(42)
        .fields(Fields::new(["site_id", "name"]))
        .rows_as::<SiteName>()
        .with_page(2, 2)
        .send_page()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.into_inner().len(), 2);
}

#[tokio::test]
async fn a_row_type_asking_for_an_unselected_column_is_an_error_not_a_panic() {
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct WithTimezone {
        site_id: i64,
        timezone: String,
    }
    let server = MockServer::start().await;
    mount_partial_page(&server, 0, 1..3, 1).await;
    let client = client(&server);
    let stream = client
        .list_sites()
        .dealer_id(42)
        .fields(Fields::new(["site_id", "name"]))
        .rows_as::<WithTimezone>()
        .into_stream_with_page_size(2);
    match stream.try_collect::<Vec<_>>().await {
        Err(Error::UndecodableBody {
            reason, excerpt, ..
        }) => {
            assert!(reason.contains("missing field `timezone`"), "{reason}");
            assert!(excerpt.contains("\"site_id\":1"), "{excerpt}");
        }
        other => panic!("expected an undecodable body, got {other:?}"),
    }
}
