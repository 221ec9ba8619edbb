//! The `chekt` binary as a Unix citizen: a reader that quits early
//! (`| head`), a closed stderr, Ctrl-C, arguments that are not UTF-8,
//! secrets on the command line, numbers as `str::parse` reads them. Each
//! test runs the binary against a loopback wiremock server.
#![cfg(all(feature = "cli", unix))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::time::Duration;

use chekt_api::cli::{EXIT_INTERRUPTED, EXIT_OK, EXIT_TRANSPORT, EXIT_USAGE};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SITES: &str = "/partner/v1/dealers/42/sites";

fn chekt(server: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_chekt"));
    command
        .env_clear()
        .env("CHEKT_BASE_URL", server)
        .env("CHEKT_ACCESS_TOKEN", "cli-unix-token");
    command
}

fn site(id: i64) -> serde_json::Value {
    serde_json::json!({
        "site_id": id, "external_site_id": id.to_string(), "name": format!("Site {id}"),
        "monitoring_station_id": null, "external_monitoring_station_id": null,
        "account_number": null, "address1": null, "address2": null,
        "timezone": "Asia/Seoul", "is_activated": 1, "created_at": "2025-01-01 00:00:00"
    })
}

/// A list that never ends: a full page of one new row at every offset.
async fn endless_sites(delay: Duration) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SITES))
        .respond_with(move |request: &Request| {
            let offset: i64 = request
                .url
                .query_pairs()
                .find(|(k, _)| k == "offset")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            ResponseTemplate::new(200)
                .set_body_json(vec![site(offset + 1)])
                .set_delay(delay)
        })
        .mount(&server)
        .await;
    server
}

async fn sites_requested(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

// Threat: `chekt --all … | head` keeps fetching every page after the reader
// quit, and prints "Broken pipe" (or panics) on the way out.
#[tokio::test(flavor = "multi_thread")]
async fn a_closed_stdout_stops_paging_and_exits_quietly() {
    let server = endless_sites(Duration::from_millis(20)).await;
    let mut child = chekt(&server.uri())
        .args(["--all", "list-sites", "--dealer-id", "42", "--limit", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let status = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines();
        for _ in 0..3 {
            lines.next().unwrap().unwrap();
        }
        drop(lines); // the reader quits, as `head -3` does
        child.wait_with_output().unwrap()
    });
    let output = tokio::time::timeout(Duration::from_secs(60), status)
        .await
        .expect("chekt stopped once stdout closed")
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(i32::from(EXIT_OK)), "{stderr}");
    assert!(
        !stderr.contains("Broken pipe") && !stderr.contains("panicked"),
        "{stderr}"
    );
    let requested = sites_requested(&server).await;
    assert!(
        requested < 100,
        "{requested} pages fetched after the reader quit"
    );
}

// Threat: a closed stderr makes the error report panic (`eprintln!`).
#[tokio::test(flavor = "multi_thread")]
async fn a_closed_stderr_never_panics() {
    let output = tokio::task::spawn_blocking(|| {
        let mut child = chekt("http://127.0.0.1:9")
            .args([
                "--token",
                "on-the-command-line",
                "list-sites",
                "--dealer-id",
                "42",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stderr.take()); // closed before anything is written
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    // A panic would exit 101; the error is still told by the exit code.
    assert_eq!(output.status.code(), Some(i32::from(EXIT_TRANSPORT)));
}

// Threat: Ctrl-C in the middle of a request prints a panic or a trace, or
// exits with a status a script cannot tell from a failure.
#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_exits_130_without_a_trace() {
    let server = endless_sites(Duration::from_secs(30)).await;
    let child = chekt(&server.uri())
        .args(["list-sites", "--dealer-id", "42"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the request is in flight, then interrupt.
    for _ in 0..200 {
        if sites_requested(&server).await > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(sites_requested(&server).await, 1);
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.signal(), None, "not killed by the signal");
    assert_eq!(
        output.status.code(),
        Some(i32::from(EXIT_INTERRUPTED)),
        "{stderr}"
    );
    assert!(stderr.trim().is_empty(), "{stderr}");
}

// Threat: an argument that is not UTF-8 panics the parser.
#[test]
fn a_non_utf8_argument_is_a_usage_error() {
    let bad = std::ffi::OsStr::from_bytes(b"\xff\xfe42");
    for args in [
        vec!["list-sites".into(), "--dealer-id".into(), bad.to_owned()],
        vec![
            "--base-url".into(),
            bad.to_owned(),
            "list-sites".into(),
            "--dealer-id".into(),
            "42".into(),
        ],
    ] {
        let output = chekt("http://127.0.0.1:9").args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(i32::from(EXIT_USAGE)),
            "{stderr}"
        );
        assert!(stderr.contains("invalid UTF-8"), "{stderr}");
    }
}

// Threat: a secret typed as a flag leaks through `ps` and shell history
// without the user being told.
#[test]
fn a_secret_flag_is_warned_about_naming_its_variable() {
    for (flag, variable) in [
        ("--token", "CHEKT_ACCESS_TOKEN"),
        ("--api-key", "CHEKT_API_KEY"),
        ("--client-secret", "CHEKT_CLIENT_SECRET"),
    ] {
        let output = chekt("http://127.0.0.1:9")
            .args([flag, "flag-secret-value", "auth", "status"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(&format!("warning: {flag}")), "{stderr}");
        assert!(stderr.contains(variable), "{stderr}");
        assert!(!stderr.contains("flag-secret-value"), "{stderr}");
    }
    // From the environment: no warning.
    let output = chekt("http://127.0.0.1:9")
        .args(["auth", "status"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

// Threat: `--dealer-id -3` or `+42` is refused although `str::parse` takes it.
#[tokio::test(flavor = "multi_thread")]
async fn numbers_are_read_as_str_parse_reads_them() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(Vec::<()>::new()))
        .mount(&server)
        .await;
    for (given, sent) in [("+42", "42"), ("0042", "42"), ("-3", "-3")] {
        let uri = server.uri();
        let output = tokio::task::spawn_blocking(move || {
            chekt(&uri)
                .args(["list-sites", "--dealer-id", given, "--limit", "+05"])
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(i32::from(EXIT_OK)),
            "{given}: {stderr}"
        );
        let last = server.received_requests().await.unwrap().pop().unwrap();
        assert_eq!(last.url.path(), format!("/partner/v1/dealers/{sent}/sites"));
        assert_eq!(last.url.query(), Some("limit=5"));
    }
}

// Threat: pages keep being fetched after the reader quits, as long as the
// pipe's buffer takes them: at most the page in flight may follow.
#[tokio::test(flavor = "multi_thread")]
async fn no_page_is_requested_after_the_reader_quits_but_the_one_in_flight() {
    let server = endless_sites(Duration::from_millis(50)).await;
    let mut child = chekt(&server.uri())
        .args(["--all", "list-sites", "--dealer-id", "42", "--limit", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let reader = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines();
        // `head -1`: one line, then the reader is gone.
        lines.next().unwrap().unwrap();
    });
    tokio::time::timeout(Duration::from_secs(60), reader)
        .await
        .unwrap()
        .unwrap();
    let when_it_quit = sites_requested(&server).await;
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(i32::from(EXIT_OK)), "{stderr}");
    let requested = sites_requested(&server).await;
    assert!(
        requested <= when_it_quit + 1,
        "{requested} pages requested, {when_it_quit} when the reader quit"
    );
}

// Threat: `chekt … 2>&-` (stderr not open at all, not a closed pipe): the
// error report panics, or goes to whatever the next open file is.
#[test]
fn stderr_not_open_at_all_never_panics() {
    let output = Command::new("sh")
        .args([
            "-c",
            r#"exec "$0" "$@" 2>&-"#,
            env!("CARGO_BIN_EXE_chekt"),
            "list-sites",
            "--dealer-id",
            "42",
        ])
        .env_clear()
        .env("CHEKT_BASE_URL", "http://127.0.0.1:9")
        .env("CHEKT_ACCESS_TOKEN", "cli-unix-token")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(i32::from(EXIT_TRANSPORT)));
    assert!(output.stdout.is_empty());
}

// Threat: a credential flag's value that is not UTF-8 is echoed in the
// usage error; a number in a form `str::parse` refuses (`1_000`, ` 5`,
// `0x10`) is accepted or panics instead of naming the flag.
#[test]
fn bad_flag_values_are_usage_errors_naming_the_flag_not_the_secret() {
    let secret = std::ffi::OsStr::from_bytes(b"sekr\xffet-value");
    let output = chekt("http://127.0.0.1:9")
        .arg("--token")
        .arg(secret)
        .args(["list-sites", "--dealer-id", "42"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(i32::from(EXIT_USAGE)),
        "{stderr}"
    );
    assert!(stderr.contains("invalid UTF-8"), "{stderr}");
    assert!(
        !stderr.contains("sekr") && !stderr.contains("et-value"),
        "{stderr}"
    );
    for number in ["1_000", " 5", "0x10", "5.0", "99999999999999999999"] {
        let output = chekt("http://127.0.0.1:9")
            .args(["list-sites", "--dealer-id", "42", "--limit", number])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(i32::from(EXIT_USAGE)),
            "{number:?}: {stderr}"
        );
        assert!(stderr.contains("--limit"), "{number:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{number:?}: {stderr}");
    }
}
