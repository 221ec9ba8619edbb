//! A loopback server for the client benchmarks: serves pre-rendered pages of
//! sites, so the server allocates (almost) nothing per request.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::header::CONTENT_TYPE;
use axum::routing::get;

/// One site row, as the API sends it.
pub fn site(id: usize) -> serde_json::Value {
    serde_json::json!({
        "site_id": id, "external_site_id": format!("ext-{id:06}"), "name": "Gangnam Headquarters",
        "monitoring_station_id": 12345, "external_monitoring_station_id": "12345",
        "account_number": "1234567890", "address1": "123 Teheran-ro, Gangnam-gu, Seoul",
        "address2": "7th Floor, Suite 701", "timezone": "Asia/Seoul", "is_activated": 1,
        "created_at": "2025-01-01 00:00:00"
    })
}

/// A JSON array of `rows` sites.
pub fn page(rows: usize) -> Bytes {
    page_at(0, rows)
}

/// A JSON array of the `rows` sites from `offset` on (ids `offset..`).
fn page_at(offset: usize, rows: usize) -> Bytes {
    let rows: Vec<_> = (offset..offset + rows).map(site).collect();
    Bytes::from(serde_json::to_vec(&rows).unwrap())
}

#[derive(Clone)]
struct Pages {
    /// Every full page, rendered before serving (each its own rows: the
    /// client refuses a list whose pages repeat).
    full: std::sync::Arc<Vec<Bytes>>,
    page_size: usize,
}

/// The `offset` query parameter (0 when absent).
fn offset(query: Option<&str>) -> usize {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "offset")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
}

/// Serves `GET /partner/v1/dealers/42/sites`: `total` rows in pages of
/// `page_size` by `offset` (pages rendered up front, so serving allocates
/// almost nothing), then an empty page. Runs on its own thread and runtime
/// until the process ends.
pub fn serve(total: usize, page_size: usize) -> SocketAddr {
    let full = (0..total / page_size)
        .map(|i| page_at(i * page_size, page_size))
        .collect();
    let pages = Pages {
        full: std::sync::Arc::new(full),
        page_size,
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let app = Router::new()
                .route(
                    "/partner/v1/dealers/42/sites",
                    get(|State(p): State<Pages>, RawQuery(q): RawQuery| async move {
                        let at = offset(q.as_deref());
                        let body = match p.full.get(at / p.page_size) {
                            Some(page) if at.is_multiple_of(p.page_size) => page.clone(),
                            _ => Bytes::from_static(b"[]"),
                        };
                        ([(CONTENT_TYPE, "application/json")], body)
                    }),
                )
                .with_state(pages);
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    rx.recv().unwrap()
}
