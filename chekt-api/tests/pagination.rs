//! Paging streams: offset pages until a short page, cursor pages while
//! `has_more`, one page in memory, errors end the stream visibly; rows
//! selected with `fields` decode into the caller's type. The page past the
//! last one is never fetched. Consumer-style: the crate's typed mocks
//! (feature `mock`) answer with rows from `spec/recordings`.
#![cfg(feature = "mock")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use chekt_api::mock::httpmock::{Mock, MockServer};
use chekt_api::mock::{self, MockServerExt};
use chekt_api::pagination::{CursorPagedExt, FieldsPaged, OffsetPaged, OffsetPagedExt};
use chekt_api::prelude::*;
use chekt_api::query::{Fields, Filters};
use chekt_api::types::{ApiError, PublicDeviceList, ResponseSiteBasicDto};
use chekt_api::{Client, Error};
use futures::{StreamExt, TryStreamExt};
use serde_json::Value;
use support::recordings;

fn typed(rows: &[Value]) -> Vec<ResponseSiteBasicDto> {
    serde_json::from_value(Value::from(rows.to_vec())).unwrap()
}

fn client(server: &MockServer) -> Client {
    mock::client(server).unwrap()
}

const ACTIVE: &str = "is_activated,1,eq";

/// Serves `rows[offset..offset + 2]` as the `limit=2` page at `offset`.
fn mount_page<'a>(server: &'a MockServer, rows: &[Value], offset: usize) -> Mock<'a> {
    let page = typed(&rows[offset.min(rows.len())..(offset + 2).min(rows.len())]);
    server.list_sites(|when, then| {
        when.dealer_id(42)
            .limit(2)
            .offset(offset as i64)
            .filter(&vec![ACTIVE.to_string()]);
        then.ok(&page);
    })
}

/// A mock for the `limit=2` page at `offset`, which must never be asked for.
fn never_fetched(server: &MockServer, offset: i64) -> Mock<'_> {
    server.list_sites(|when, then| {
        when.dealer_id(42).limit(2).offset(offset);
        then.ok(&vec![]);
    })
}

fn active_sites(client: &Client) -> chekt_api::builder::ListSites<'_> {
    client
        .list_sites()
        .dealer_id(42)
        .filter(Filters::new().eq("is_activated", 1))
}

#[tokio::test]
async fn offset_pages_stop_at_the_short_page() {
    let server = MockServer::start_async().await;
    let rows = recordings::site_rows(5);
    let pages = [0, 2, 4].map(|offset| mount_page(&server, &rows, offset));
    let past = never_fetched(&server, 6);
    let client = client(&server);
    let sites: Vec<_> = active_sites(&client)
        .into_stream_with_page_size(2)
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<i64> = sites.iter().map(|s| s.site_id).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
    assert_eq!(sites, typed(&rows));
    for page in pages {
        page.assert_calls(1);
    }
    // The page past the short one is never fetched.
    past.assert_calls(0);
}

#[tokio::test]
async fn an_exact_multiple_ends_on_an_empty_page() {
    let server = MockServer::start_async().await;
    let rows = recordings::site_rows(2);
    let pages = [0, 2].map(|offset| mount_page(&server, &rows, offset));
    let past = never_fetched(&server, 4);
    let client = client(&server);
    let all = active_sites(&client)
        .into_stream_with_page_size(2)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    for page in pages {
        page.assert_calls(1);
    }
    past.assert_calls(0);
}

#[tokio::test]
async fn an_error_ends_the_stream_with_the_error() {
    let server = MockServer::start_async().await;
    let rows = recordings::site_rows(4);
    let first = mount_page(&server, &rows, 0);
    let failure: ApiError = recordings::typed("list_sites", "500-internal-error.json");
    let failing = server.list_sites(|when, then| {
        when.dealer_id(42).limit(2).offset(2);
        then.server_error(500, &failure);
    });
    let past = never_fetched(&server, 4);
    let client = client(&server);
    let mut stream = Box::pin(active_sites(&client).into_stream_with_page_size(2));
    assert_eq!(stream.next().await.unwrap().unwrap().site_id, 1);
    assert_eq!(stream.next().await.unwrap().unwrap().site_id, 2);
    match stream.next().await {
        Some(Err(Error::Server {
            status, message, ..
        })) => {
            assert_eq!(status, 500);
            assert_eq!(message, failure.message);
        }
        other => panic!("expected the server error, got {other:?}"),
    }
    assert!(stream.next().await.is_none());
    first.assert_calls(1);
    failing.assert_calls(1);
    // No retry of the failed page, no skipping past it.
    past.assert_calls(0);
}

#[tokio::test]
async fn cursor_pages_follow_next_cursor_while_has_more() {
    let server = MockServer::start_async().await;
    // Recorded: a first page naming a cursor, then the last page. A middle
    // page (the recorded last page, with more to come) makes the cursor
    // change between requests.
    let first: PublicDeviceList =
        recordings::typed("list_public_devices", "200-page-with-cursor.json");
    let cursor = first.next_cursor.clone().unwrap();
    let mut middle_json = recordings::body("list_public_devices", "200-last-page.json");
    middle_json["has_more"] = Value::from(true);
    middle_json["next_cursor"] = Value::from("cur_dev_tail");
    let middle: PublicDeviceList = serde_json::from_value(middle_json).unwrap();
    // An empty last page: the recorded empty list of the public API (the
    // same envelope).
    let last: PublicDeviceList = recordings::typed("list_public_sites", "200-empty.json");
    let pages = [
        (None, first.clone()),
        (Some(cursor.as_str()), middle.clone()),
        (Some("cur_dev_tail"), last),
    ]
    .map(|(at, page)| {
        server.list_public_devices(|when, then| {
            when.cursor(at);
            then.ok(&page);
        })
    });
    let client = client(&server);
    let devices = client.list_public_devices().collect_all().await.unwrap();
    let ids: Vec<&str> = devices.iter().map(|d| d.id.as_str()).collect();
    let expected: Vec<&str> = first
        .data
        .iter()
        .chain(&middle.data)
        .map(|d| d.id.as_str())
        .collect();
    assert_eq!(ids, expected);
    assert_eq!(ids.len(), 3);
    // Each page once: a request past the last page (no cursor) would hit
    // the first page's mock a second time.
    for page in pages {
        page.assert_calls(1);
    }
}

/// `/v1/sites`'s envelope is inferred (issue 17: inferred means tolerant):
/// a page that carries neither `has_more` nor `next_cursor` decodes and is
/// the last: the stream stops after it, even with a cursor in the body.
#[tokio::test]
async fn a_public_site_page_without_has_more_is_the_last() {
    let server = MockServer::start_async().await;
    let page = server.list_public_sites(|_when, then| {
        then.into_inner().status(200).json_body(serde_json::json!({
            "data": [{"id": "site_29snd", "name": "Gangnam Headquarters", "timezone": "Asia/Seoul"}],
            "next_cursor": "cur_never_followed"
        }));
    });
    let client = client(&server);
    let first = client.list_public_sites().send().await.unwrap();
    assert_eq!(first.has_more, None);
    let sites = client.list_public_sites().collect_all().await.unwrap();
    let ids: Vec<Option<&str>> = sites.iter().map(|s| s.id.as_deref()).collect();
    assert_eq!(ids, [Some("site_29snd")]);
    // One request for `send`, one for the whole list: the cursor is never followed.
    page.assert_calls(2);
}

/// A site row as `fields=site_id,name` returns it.
#[derive(Debug, PartialEq, serde::Deserialize)]
struct SiteName {
    site_id: i64,
    name: String,
}

/// Serves the partial `rows[offset..offset + 2]` as the `limit=2` page at
/// `offset` of `fields=site_id,name`.
fn mount_partial_page<'a>(server: &'a MockServer, rows: &[Value], offset: usize) -> Mock<'a> {
    let page = recordings::site_names(&rows[offset.min(rows.len())..(offset + 2).min(rows.len())]);
    server.list_sites(|when, then| {
        when.dealer_id(42)
            .fields("site_id,name")
            .limit(2)
            .offset(offset as i64);
        then.into_inner().status(200).json_body(Value::from(page));
    })
}

fn partial_sites(client: &Client) -> chekt_api::builder::ListSites<'_> {
    client
        .list_sites()
        .dealer_id(42)
        .fields(Fields::new(["site_id", "name"]))
        .limit(2)
        .offset(0)
}

fn site_names(rows: &[Value]) -> Vec<SiteName> {
    serde_json::from_value(Value::from(recordings::site_names(rows))).unwrap()
}

#[tokio::test]
async fn selected_columns_decode_into_the_callers_type_not_the_full_row() {
    let server = MockServer::start_async().await;
    let all = recordings::site_rows(2);
    let page = mount_partial_page(&server, &all, 0);
    let client = client(&server);
    let rows = partial_sites(&client)
        .send_as::<SiteName>()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(rows, site_names(&all));
    assert_eq!(rows[0].name, "Gangnam Headquarters");
    // The same rows as the full type: the error names the missing column.
    match partial_sites(&client).send().await {
        Err(Error::UndecodableBody { reason, .. }) => {
            assert!(reason.contains("missing field"), "{reason}");
        }
        other => panic!("expected an undecodable body, got {other:?}"),
    }
    // Untyped rows work too.
    let values = partial_sites(&client)
        .send_as::<Value>()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        values[1],
        serde_json::json!({"site_id": 2, "name": "Seocho Branch"})
    );
    page.assert_calls(3);
}

#[tokio::test]
async fn selected_columns_page_and_stream_like_the_list() {
    let server = MockServer::start_async().await;
    let all = recordings::site_rows(5);
    let pages = [0, 2, 4].map(|offset| mount_partial_page(&server, &all, offset));
    let past = never_fetched(&server, 6);
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
    assert_eq!(names, site_names(&all));
    assert_eq!(names[4].name, "Seocho Branch #5");
    for page in &pages {
        page.assert_calls(1);
    }
    past.assert_calls(0);

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
    assert_eq!(page.into_inner(), site_names(&all[2..4]));
    pages[1].assert_calls(2);
    past.assert_calls(0);
}

#[tokio::test]
async fn a_row_type_asking_for_an_unselected_column_is_an_error_not_a_panic() {
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct WithTimezone {
        site_id: i64,
        timezone: String,
    }
    let server = MockServer::start_async().await;
    let all = recordings::site_rows(2);
    let page = mount_partial_page(&server, &all, 0);
    let next = mount_partial_page(&server, &all, 2);
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
    page.assert_calls(1);
    // The stream ends at the undecodable page.
    next.assert_calls(0);
}
