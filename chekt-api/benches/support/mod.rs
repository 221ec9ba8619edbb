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
    let rows: Vec<_> = (0..rows).map(site).collect();
    Bytes::from(serde_json::to_vec(&rows).unwrap())
}

#[derive(Clone)]
struct Pages {
    full: Bytes,
    total: usize,
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
/// `page_size` by `offset` (every full page has the same bytes), then an
/// empty page. Runs on its own thread and runtime until the process ends.
pub fn serve(total: usize, page_size: usize) -> SocketAddr {
    let pages = Pages {
        full: page(page_size),
        total,
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
                        let body = if offset(q.as_deref()) + p.page_size <= p.total {
                            p.full.clone()
                        } else {
                            Bytes::from_static(b"[]")
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
