//! Fault injection: a loopback HTTP server that misbehaves on purpose (slow
//! headers and bodies, resets, truncated and malformed JSON, huge bodies,
//! wrong content types, 5xx bursts, 429 storms, a failing token endpoint).
//!
//! Every call must return (never panic) within a generous bound, with the
//! right [`Error`] variant, without sending a POST or PATCH twice, and
//! without reading a huge body whole.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chekt_api::prelude::*;
use chekt_api::retry::RetryPolicy;
use chekt_api::types::{CreateSiteRequestDto, UpdateSiteActivationStatusRequestDto};
use chekt_api::{Client, Error};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use support::recordings;

const SITES: &str = "/partner/v1/dealers/42/sites";
const ACTIVATION: &str = "/partner/v1/dealers/42/sites/7/activation-status";
const TOKEN: &str = "/oauth/token";
/// The client's whole-request timeout in these tests.
const TIMEOUT: Duration = Duration::from_millis(300);
/// The client's success body limit in these tests.
const LIMIT: usize = 1024 * 1024;
/// A huge body: 1 GiB, declared or streamed.
const HUGE: u64 = 1 << 30;
/// Far more than the limit plus socket buffers, far less than [`HUGE`]: a
/// server that wrote less than this was not read to the end.
const READ_BOUND: u64 = 64 * 1024 * 1024;
/// How long a misbehaving server stalls (the client gives up long before).
const STALL: Duration = Duration::from_secs(30);

/// What the server does with one request.
#[derive(Clone, Debug)]
enum Fault {
    /// A complete response with `Connection: close`.
    Respond {
        status: u16,
        content_type: &'static str,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    },
    /// Read the request, then send nothing for [`STALL`].
    SlowHeaders,
    /// Send the headers and the first bytes of the body, then stall.
    SlowBody,
    /// Reset the connection (RST) instead of answering.
    Reset,
    /// Declare `Content-Length: 100`, send 20 bytes of JSON, close.
    Truncated,
    /// Declare a 1 GiB `Content-Length` and start sending it.
    HugeDeclared,
    /// Stream a 1 GiB chunked body (no `Content-Length`).
    HugeChunked,
}

fn json(status: u16, body: serde_json::Value) -> Fault {
    Fault::Respond {
        status,
        content_type: "application/json",
        headers: vec![],
        body: body.to_string().into_bytes(),
    }
}

fn raw(status: u16, content_type: &'static str, body: &str) -> Fault {
    Fault::Respond {
        status,
        content_type,
        headers: vec![],
        body: body.as_bytes().to_vec(),
    }
}

/// The response body of a recording, as a JSON answer with its status and
/// no other header (tests add the headers they are about).
fn recorded(operation: &str, name: &str) -> Fault {
    let recorded = recordings::recording(operation, name);
    json(recorded.status, recorded.body)
}

/// The recorded `500` body of `list_sites`, sent with `status`.
fn api_error(status: u16) -> Fault {
    json(
        status,
        recordings::body("list_sites", "500-internal-error.json"),
    )
}

fn with_header(fault: Fault, name: &'static str, value: &str) -> Fault {
    match fault {
        Fault::Respond {
            status,
            content_type,
            mut headers,
            body,
        } => {
            headers.push((name, value.to_string()));
            Fault::Respond {
                status,
                content_type,
                headers,
                body,
            }
        }
        other => other,
    }
}

/// The recorded first page of dealer 42's sites.
fn sites_ok() -> Fault {
    recorded("list_sites", "200-first-page.json")
}

/// How many sites [`sites_ok`] lists.
fn recorded_sites() -> usize {
    recordings::sites().len()
}

fn token_ok() -> Fault {
    recorded("create_token", "200-client-credentials.json")
}

/// Chooses the fault for a request from its method, path and how many
/// requests with the same method and path came before it.
type Script = dyn Fn(&str, &str, usize) -> Fault + Send + Sync;

/// A loopback HTTP/1.1 server that plays a [`Script`]; every connection
/// carries one request. Stops (aborting every connection) on drop.
struct FaultServer {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<(String, String)>>>,
    written: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl FaultServer {
    async fn start(script: impl Fn(&str, &str, usize) -> Fault + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let written = Arc::new(AtomicU64::new(0));
        let script: Arc<Script> = Arc::new(script);
        let (log, count) = (requests.clone(), written.clone());
        let task = tokio::spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                let (script, log, count) = (script.clone(), log.clone(), count.clone());
                connections.spawn(async move {
                    let _ = serve(stream, &*script, &log, &count).await;
                });
            }
        });
        FaultServer {
            addr,
            requests,
            written,
            task,
        }
    }

    fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many requests with this method and path arrived.
    fn count(&self, method: &str, path: &str) -> usize {
        let log = self.requests.lock().unwrap();
        log.iter().filter(|(m, p)| m == method && p == path).count()
    }

    /// Body bytes the server managed to write, over all connections.
    fn body_bytes_written(&self) -> u64 {
        self.written.load(Ordering::SeqCst)
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    mut stream: TcpStream,
    script: &Script,
    log: &Mutex<Vec<(String, String)>>,
    written: &AtomicU64,
) -> std::io::Result<()> {
    let Some((method, path)) = read_request(&mut stream).await? else {
        return Ok(());
    };
    let fault = {
        let mut log = log.lock().unwrap();
        let nth = log
            .iter()
            .filter(|(m, p)| *m == method && *p == path)
            .count();
        log.push((method.clone(), path.clone()));
        script(&method, &path, nth)
    };
    let head = |status: u16, content_type: &str, length: Option<u64>| {
        let length = match length {
            Some(n) => format!("content-length: {n}\r\n"),
            None => "transfer-encoding: chunked\r\n".to_string(),
        };
        format!(
            "HTTP/1.1 {status} Fault\r\ncontent-type: {content_type}\r\n{length}connection: close\r\n"
        )
    };
    match fault {
        Fault::Respond {
            status,
            content_type,
            headers,
            body,
        } => {
            let mut out = head(status, content_type, Some(body.len() as u64));
            for (name, value) in headers {
                out.push_str(&format!("{name}: {value}\r\n"));
            }
            out.push_str("\r\n");
            stream.write_all(out.as_bytes()).await?;
            stream.write_all(&body).await?;
            written.fetch_add(body.len() as u64, Ordering::SeqCst);
        }
        Fault::SlowHeaders => tokio::time::sleep(STALL).await,
        Fault::SlowBody => {
            let out = head(200, "application/json", Some(100)) + "\r\n[{\"site_id\": 1,";
            stream.write_all(out.as_bytes()).await?;
            tokio::time::sleep(STALL).await;
        }
        Fault::Reset => stream.set_zero_linger()?,
        Fault::Truncated => {
            let out = head(200, "application/json", Some(100)) + "\r\n[{\"site_id\": 1, \"nam";
            stream.write_all(out.as_bytes()).await?;
        }
        Fault::HugeDeclared | Fault::HugeChunked => {
            let chunked = matches!(fault, Fault::HugeChunked);
            let out = head(200, "application/json", (!chunked).then_some(HUGE)) + "\r\n";
            stream.write_all(out.as_bytes()).await?;
            let block = vec![b' '; 64 * 1024];
            let mut sent = 0;
            while sent < HUGE {
                if chunked {
                    stream
                        .write_all(format!("{:x}\r\n", block.len()).as_bytes())
                        .await?;
                }
                stream.write_all(&block).await?;
                if chunked {
                    stream.write_all(b"\r\n").await?;
                }
                sent += block.len() as u64;
                written.fetch_add(block.len() as u64, Ordering::SeqCst);
            }
        }
    }
    stream.flush().await?;
    stream.shutdown().await
}

/// Reads one request: its method and path (query dropped); `None` when the
/// client went away first.
async fn read_request(stream: &mut TcpStream) -> std::io::Result<Option<(String, String)>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 || buf.len() > 64 * 1024 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut words = head.split_whitespace();
    let method = words.next().unwrap_or_default().to_string();
    let target = words.next().unwrap_or_default();
    let path = target.split('?').next().unwrap_or_default().to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = buf.len() - head_end;
    while body < length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        body += n;
    }
    Ok(Some((method, path)))
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(20))
}

fn builder(server: &FaultServer) -> chekt_api::ClientBuilder {
    Client::builder()
        .base_url(server.uri())
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        .retry(fast_retries())
        .max_response_size(LIMIT)
}

fn client(server: &FaultServer) -> Client {
    builder(server).bearer_token("tok").build().unwrap()
}

/// Awaits `call`, failing the test if it does not finish within a bound far
/// above the client's timeouts (this asserts termination, not speed).
async fn bounded<T>(call: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), call)
        .await
        .expect("the call did not finish: a timeout or limit did not work")
}

async fn list_sites(client: &Client) -> Result<usize, Error> {
    bounded(client.list_sites().dealer_id(42).send())
        .await
        .map(|sites| sites.len())
}

async fn create_site(client: &Client) -> Result<(), Error> {
    let body = CreateSiteRequestDto::builder()
        .external_site_id("x")
        .name("HQ")
        .timezone("Asia/Seoul");
    bounded(client.create_site().dealer_id(42).body(body).send())
        .await
        .map(drop)
}

async fn activate_site(client: &Client) -> Result<(), Error> {
    let body = UpdateSiteActivationStatusRequestDto::builder().is_activated(1);
    bounded(
        client
            .update_site_activation_status()
            .dealer_id(42)
            .site_id(7)
            .body(body)
            .send(),
    )
    .await
    .map(drop)
}

// ---- slow peers: timeouts -------------------------------------------------

#[tokio::test]
async fn slow_headers_time_out_and_a_get_is_retried_to_the_limit() {
    let server = FaultServer::start(|_, _, _| Fault::SlowHeaders).await;
    let err = list_sites(&client(&server)).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(server.count("GET", SITES), 3);
}

#[tokio::test]
async fn slow_headers_on_post_and_patch_time_out_without_a_second_request() {
    let server = FaultServer::start(|_, _, _| Fault::SlowHeaders).await;
    let client = client(&server);
    let err = create_site(&client).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    let err = activate_site(&client).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(server.count("POST", SITES), 1);
    assert_eq!(server.count("PATCH", ACTIVATION), 1);
}

#[tokio::test]
async fn a_slow_body_times_out() {
    let server = FaultServer::start(|_, _, _| Fault::SlowBody).await;
    let err = list_sites(&client(&server)).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
}

// ---- broken connections and bodies ----------------------------------------

#[tokio::test]
async fn a_reset_connection_is_a_transport_error_and_a_get_is_retried() {
    let server = FaultServer::start(|_, _, n| if n < 2 { Fault::Reset } else { sites_ok() }).await;
    assert_eq!(
        list_sites(&client(&server)).await.unwrap(),
        recorded_sites()
    );
    assert_eq!(server.count("GET", SITES), 3);

    let server = FaultServer::start(|_, _, _| Fault::Reset).await;
    let err = list_sites(&client(&server)).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(server.count("GET", SITES), 3);
}

#[tokio::test]
async fn a_reset_connection_does_not_repeat_a_post_or_patch() {
    let server = FaultServer::start(|_, _, _| Fault::Reset).await;
    let client = client(&server);
    let err = create_site(&client).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    let err = activate_site(&client).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(server.count("POST", SITES), 1);
    assert_eq!(server.count("PATCH", ACTIVATION), 1);
}

#[tokio::test]
async fn a_body_cut_short_of_its_content_length_is_a_transport_error() {
    let server = FaultServer::start(|_, _, _| Fault::Truncated).await;
    let err = list_sites(&client(&server)).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(server.count("GET", SITES), 1);
}

#[tokio::test]
async fn truncated_or_malformed_json_is_an_undecodable_body() {
    let bodies = [
        "[{\"site_id\": 1, \"na",
        "[{site_id: 1}]",
        "{\"not\": \"a list\"}",
        "",
    ];
    for body in bodies {
        let server = FaultServer::start(move |_, _, _| raw(200, "application/json", body)).await;
        let err = list_sites(&client(&server)).await.unwrap_err();
        let Error::UndecodableBody {
            status, excerpt, ..
        } = &err
        else {
            panic!("{body:?}: expected UndecodableBody, got {err:?}");
        };
        assert_eq!(*status, None);
        assert_eq!(excerpt, body);
    }
}

#[tokio::test]
async fn malformed_error_bodies_are_classified_by_their_status() {
    for (status, body) in [(500, "{\"error\": \"Serv"), (422, "<h1>Unprocessable</h1>")] {
        let server = FaultServer::start(move |_, _, _| raw(status, "application/json", body)).await;
        let err = list_sites(&client(&server)).await.unwrap_err();
        let message = match &err {
            Error::Server { message, .. } if status == 500 => message,
            Error::Validation { message, .. } if status == 422 => message,
            _ => panic!("{status}: expected the status's variant, got {err:?}"),
        };
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(message, body, "the body itself, as the message");
    }
}

#[tokio::test]
async fn a_wrong_content_type_with_html_is_undecodable_and_with_json_is_decoded() {
    let server =
        FaultServer::start(|_, _, _| raw(200, "text/html", "<html>login portal</html>")).await;
    let err = list_sites(&client(&server)).await.unwrap_err();
    assert!(
        matches!(&err, Error::UndecodableBody { excerpt, .. } if excerpt.contains("login portal")),
        "{err:?}"
    );

    // The body decides, not the label: JSON sent as text/plain is accepted.
    let server = FaultServer::start(|_, _, _| {
        raw(
            200,
            "text/plain",
            &recordings::body("list_sites", "200-first-page.json").to_string(),
        )
    })
    .await;
    assert_eq!(
        list_sites(&client(&server)).await.unwrap(),
        recorded_sites()
    );
}

// ---- huge bodies: memory stays bounded --------------------------------------

#[tokio::test]
async fn a_huge_declared_body_is_refused_before_it_is_read() {
    let server = FaultServer::start(|_, _, _| Fault::HugeDeclared).await;
    let err = list_sites(&client(&server)).await.unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: LIMIT, .. }),
        "{err:?}"
    );
    assert!(
        server.body_bytes_written() < READ_BOUND,
        "{} bytes were read",
        server.body_bytes_written()
    );
}

#[tokio::test]
async fn a_huge_streamed_body_is_abandoned_at_the_limit() {
    let server = FaultServer::start(|_, _, _| Fault::HugeChunked).await;
    let err = list_sites(&client(&server)).await.unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: LIMIT, .. }),
        "{err:?}"
    );
    assert!(
        server.body_bytes_written() < READ_BOUND,
        "{} bytes were read",
        server.body_bytes_written()
    );
}

#[tokio::test]
async fn a_huge_error_body_is_read_only_in_part() {
    let server = FaultServer::start(|_, _, _| Fault::Respond {
        status: 500,
        content_type: "text/plain",
        headers: vec![],
        body: vec![b'x'; 8 * LIMIT],
    })
    .await;
    let err = list_sites(&client(&server)).await.unwrap_err();
    assert!(
        matches!(&err, Error::Server { status, message, .. } if status.as_u16() == 500 && message.len() <= 512),
        "{err:?}"
    );
}

// ---- 5xx bursts ---------------------------------------------------------------

#[tokio::test]
async fn a_500_is_not_retried() {
    let server = FaultServer::start(|_, _, _| api_error(500)).await;
    let err = list_sites(&client(&server)).await.unwrap_err();
    assert!(
        matches!(&err, Error::Server { status, .. } if status.as_u16() == 500),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(server.count("GET", SITES), 1);
}

#[tokio::test]
async fn a_short_502_503_504_burst_is_ridden_out_by_a_get() {
    for status in [502, 503, 504] {
        let server =
            FaultServer::start(move |_, _, n| if n < 2 { api_error(status) } else { sites_ok() })
                .await;
        assert_eq!(
            list_sites(&client(&server)).await.unwrap(),
            recorded_sites(),
            "{status}"
        );
        assert_eq!(server.count("GET", SITES), 3, "{status}");
    }
}

#[tokio::test]
async fn a_long_5xx_burst_ends_in_a_server_error_after_the_last_attempt() {
    for status in [502, 503, 504] {
        let server = FaultServer::start(move |_, _, _| api_error(status)).await;
        let err = list_sites(&client(&server)).await.unwrap_err();
        assert!(
            matches!(&err, Error::Server { status: s, .. } if s.as_u16() == status),
            "{err:?}"
        );
        assert!(err.is_retryable());
        assert_eq!(server.count("GET", SITES), 3, "{status}");
    }
}

#[tokio::test]
async fn a_5xx_burst_never_duplicates_a_post_or_patch() {
    for status in [500, 502, 503, 504] {
        let server = FaultServer::start(move |_, _, _| api_error(status)).await;
        let client = client(&server);
        let err = create_site(&client).await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{err:?}");
        let err = activate_site(&client).await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{err:?}");
        assert_eq!(server.count("POST", SITES), 1, "{status}");
        assert_eq!(server.count("PATCH", ACTIVATION), 1, "{status}");
    }
}

// ---- 429 storms -------------------------------------------------------------------

fn too_many(retry_after: Option<&str>) -> Fault {
    let fault = recorded("list_sites", "429-rate-limited.json");
    match retry_after {
        Some(value) => with_header(fault, "retry-after", value),
        None => fault,
    }
}

#[tokio::test]
async fn a_429_storm_without_retry_after_backs_off_then_gives_up() {
    let server = FaultServer::start(|_, _, _| too_many(None)).await;
    let err = list_sites(&client(&server)).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::RateLimited {
                retry_after: None,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.count("GET", SITES), 3);
}

#[tokio::test]
async fn a_429_storm_with_retry_after_is_waited_out_then_reported() {
    let server = FaultServer::start(|_, _, _| too_many(Some("0"))).await;
    let err = list_sites(&client(&server)).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::ZERO), "{err:?}");
    assert_eq!(server.count("GET", SITES), 3);

    let server = FaultServer::start(|_, _, n| {
        if n < 2 {
            too_many(Some("0"))
        } else {
            sites_ok()
        }
    })
    .await;
    assert_eq!(
        list_sites(&client(&server)).await.unwrap(),
        recorded_sites()
    );
    assert_eq!(server.count("GET", SITES), 3);
}

#[tokio::test]
async fn a_retry_after_beyond_the_policy_is_returned_at_once() {
    let server = FaultServer::start(|_, _, _| too_many(Some("3600"))).await;
    let err = list_sites(&client(&server)).await.unwrap_err();
    assert_eq!(
        err.retry_after(),
        Some(Duration::from_secs(3600)),
        "{err:?}"
    );
    assert_eq!(server.count("GET", SITES), 1);
}

#[tokio::test]
async fn a_429_on_a_post_is_retried_because_the_server_refused_it_unprocessed() {
    // A 429 means the request was not processed, so repeating a POST cannot
    // duplicate it; every attempt but the last was refused.
    let server = FaultServer::start(|_, _, _| too_many(None)).await;
    let err = create_site(&client(&server)).await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
    assert_eq!(server.count("POST", SITES), 3);
}

// ---- the token endpoint fails ---------------------------------------------------

fn credentials_client(server: &FaultServer) -> Client {
    builder(server)
        .client_credentials("partner-id", "s3cr3t-client-secret")
        .build()
        .unwrap()
}

/// Plays `token` on the token endpoint and a normal sites list elsewhere.
async fn token_server(token: Fault) -> FaultServer {
    FaultServer::start(move |_, path, _| {
        if path == TOKEN {
            token.clone()
        } else {
            sites_ok()
        }
    })
    .await
}

/// A name, the token endpoint's fault, and whether the error is right.
type TokenCase = (&'static str, Fault, fn(&Error) -> bool);

#[tokio::test]
async fn token_endpoint_failures_are_reported_without_calling_the_api() {
    use chekt_api::auth::TokenError as T;
    use chekt_api::types::ErrorCode;
    let cases: Vec<TokenCase> = vec![
        ("503", api_error(503), |e| {
            matches!(e, Error::Token(T::Unavailable { status: Some(s), .. }) if s.as_u16() == 503)
                && e.is_retryable()
        }),
        (
            "401",
            json(
                401,
                serde_json::json!({"error": "invalid_client", "error_description": "bad client"}),
            ),
            |e| {
                matches!(e, Error::Token(T::OAuth { error: ErrorCode::InvalidClient, description: Some(d), .. }) if d == "bad client")
                    && !e.is_retryable()
            },
        ),
        (
            "html",
            raw(200, "text/html", "<html>maintenance</html>"),
            |e| matches!(e, Error::Token(T::Malformed { .. })),
        ),
        ("truncated", Fault::Truncated, |e| {
            matches!(
                e,
                Error::Token(T::Unavailable {
                    status: None,
                    source: Some(_),
                    ..
                })
            )
        }),
        ("reset", Fault::Reset, |e| {
            matches!(e, Error::Token(T::Unavailable { status: None, .. }))
        }),
        (
            "slow",
            Fault::SlowHeaders,
            |e| matches!(e, Error::Token(T::Unavailable { source: Some(s), .. }) if s.is_timeout()),
        ),
        (
            "huge",
            Fault::HugeChunked,
            |e| matches!(e, Error::Token(T::Malformed { reason, .. }) if reason.contains("exceeds")),
        ),
    ];
    for (name, fault, expected) in cases {
        let server = token_server(fault).await;
        let err = list_sites(&credentials_client(&server)).await.unwrap_err();
        assert!(expected(&err), "{name}: unexpected {err:?}");
        assert!(
            !format!("{err:?} {err}").contains("s3cr3t"),
            "{name}: secret leaked"
        );
        // A transient failure is retried under the policy; a refusal not.
        let transient = matches!(err, Error::Token(T::Unavailable { .. }));
        let attempts = if transient {
            fast_retries().max_attempts
        } else {
            1
        };
        assert_eq!(server.count("POST", TOKEN), attempts as usize, "{name}");
        assert_eq!(server.count("GET", SITES), 0, "{name}");
        assert!(server.body_bytes_written() < READ_BOUND, "{name}");
    }
}

#[tokio::test]
async fn a_token_endpoint_that_recovers_is_asked_again_on_the_next_call() {
    let server = FaultServer::start(|_, path, n| match (path, n) {
        (TOKEN, 0) => api_error(503),
        (TOKEN, _) => token_ok(),
        _ => sites_ok(),
    })
    .await;
    // Retries off: the failure is this call's, the next call asks again.
    // (Retried within a call: tests/token_endpoint.rs.)
    let client = builder(&server)
        .retry(RetryPolicy::none())
        .client_credentials("partner-id", "s3cr3t-client-secret")
        .build()
        .unwrap();
    assert!(list_sites(&client).await.is_err());
    assert_eq!(list_sites(&client).await.unwrap(), recorded_sites());
    assert_eq!(list_sites(&client).await.unwrap(), recorded_sites());
    assert_eq!(server.count("POST", TOKEN), 2);
    assert_eq!(server.count("GET", SITES), 2);
}
