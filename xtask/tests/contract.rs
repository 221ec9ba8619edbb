//! `cargo xtask contract` on the real spec and recordings (decoding through
//! the generated types is chekt-api's `tests/contract.rs`), and `cargo xtask record` against a local mock server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::Path;
use std::process::Output;

use support::{root, text, xtask_with_env as xtask};

use wiremock::matchers::{body_string_contains, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn contract_passes_on_the_spec_and_recordings() {
    let out = xtask(&["contract"], &[]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    let summary = stdout.lines().last().unwrap();
    assert!(
        summary.ends_with(" recordings, 31 operations, 0 failed"),
        "{summary}"
    );
    assert!(
        stdout.starts_with("operation "),
        "coverage table first:\n{stdout}"
    );
    assert!(
        stdout.contains("\n                               409      409-conflict.json\n"),
        "{stdout}"
    );
}

#[test]
fn contract_strict_and_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("spec/recordings"), dir.path());
    let file = dir.path().join("get_site/200-ok.json");
    let edited = std::fs::read_to_string(&file).unwrap().replace(
        "\"timezone\": \"Asia/Seoul\",",
        "\"timezone\": \"Asia/Seoul\", \"region\": \"KR-11\",",
    );
    std::fs::write(&file, edited).unwrap();
    let dir_arg = dir.path().to_str().unwrap();

    let lenient = xtask(&["contract", "-q", "--recordings", dir_arg], &[]);
    assert!(lenient.status.success(), "{}", text(&lenient.stdout));
    assert!(
        text(&lenient.stdout)
            .contains("WARN get_site/200-ok.json\n  warning[response-drift] response body /region")
    );

    let strict = xtask(
        &["contract", "-q", "--strict", "--recordings", dir_arg],
        &[],
    );
    assert_eq!(strict.status.code(), Some(1));
    assert!(
        text(&strict.stdout)
            .contains("FAIL get_site/200-ok.json\n  error[response-drift] response body /region")
    );

    std::fs::write(dir.path().join("get_site/200-ok.json"), "{}").unwrap();
    let bad = xtask(&["contract", "--recordings", dir_arg], &[]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad.stderr).starts_with(
            "error: get_site/200-ok.json: malformed at `(document)`: missing field `request`"
        ),
        "{}",
        text(&bad.stderr)
    );
}

const SITE: &str = r#"{"site_id": 7, "external_site_id": "ext-7", "name": "Mock Site", "monitoring_station_id": null, "external_monitoring_station_id": null, "account_number": null, "address1": null, "address2": null, "timezone": "Asia/Seoul", "is_activated": 1, "created_at": "2025-01-01 00:00:00"}"#;

/// Runs the xtask binary off the async runtime that serves the mock.
async fn record(args: Vec<String>, env: Vec<(&'static str, &'static str)>) -> Output {
    tokio::task::spawn_blocking(move || {
        let args = args.iter().map(String::as_str).collect::<Vec<_>>();
        xtask(&args, &env)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_writes_a_scrubbed_recording_that_passes_the_check() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/partner/v1/dealers/42/sites"))
        .and(query_param("limit", "2"))
        .and(header(
            "authorization",
            "Bearer chekt_test_0123456789abcdefghijklmnopqrstuv",
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ratelimit-limit", "1000")
                .insert_header("x-ratelimit-remaining", "999")
                .insert_header("x-ratelimit-reset", "1772334000")
                .insert_header("set-cookie", "session=abc")
                .set_body_raw(format!("[{SITE}]"), "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("client_secret=hunter2-secret"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"access_token": "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJwYXJ0bmVyIn0.c2lnbmF0dXJl", "token_type": "Bearer", "expires_in": 3600}"#,
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;

    let dir = tempfile::tempdir().unwrap();
    let recordings = dir.path().to_str().unwrap().to_string();
    let args = |extra: &[&str]| {
        let mut args = vec![
            "record".to_string(),
            "--base-url".to_string(),
            server.uri(),
            "--recordings".to_string(),
            recordings.clone(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };

    let out = record(
        args(&[
            "--operation",
            "list_sites",
            "--param",
            "dealerId=42",
            "--param",
            "limit=2",
            "--token-env",
            "CHEKT_TEST_TOKEN",
            "--name",
            "mock-page",
        ]),
        vec![(
            "CHEKT_TEST_TOKEN",
            "chekt_test_0123456789abcdefghijklmnopqrstuv",
        )],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let file = dir.path().join("list_sites/200-mock-page.json");
    assert_eq!(
        text(&out.stdout).trim(),
        format!("created {}", file.display())
    );
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(!written.contains("chekt_test_"), "{written}");
    assert!(!written.contains("session=abc"), "{written}");
    let json: serde_json::Value = serde_json::from_str(&written).unwrap();
    assert_eq!(
        json["request"]["headers"]["authorization"],
        "Bearer REDACTED"
    );
    assert_eq!(json["request"]["query"]["limit"], "2");
    assert_eq!(json["response"]["body"][0]["site_id"], 7, "ids stay");
    assert_eq!(json["response"]["headers"]["x-ratelimit-remaining"], "999");
    assert!(json["response"]["headers"].get("set-cookie").is_none());
    let trace = json["request"]["headers"]["x-partner-trace-id"]
        .as_str()
        .unwrap();
    assert_eq!(trace.len(), 36, "a trace id is generated: {trace}");

    let body = dir.path().join("token.json");
    std::fs::write(&body, r#"{"grant_type": "client_credentials", "client_id": "cid", "client_secret": "hunter2-secret"}"#).unwrap();
    let out = record(
        args(&[
            "--operation",
            "create_token",
            "--body",
            body.to_str().unwrap(),
            "--name",
            "mock-token",
        ]),
        vec![],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let written =
        std::fs::read_to_string(dir.path().join("create_token/200-mock-token.json")).unwrap();
    assert!(!written.contains("hunter2"), "{written}");
    assert!(!written.contains("eyJ"), "{written}");
    assert!(written.contains("\"client_id\": \"cid\""), "{written}");

    // Both recordings pass the contract check (coverage aside).
    let spec = chekt_gen::Spec::from_file(root().join("spec/chekt.yaml")).unwrap();
    let loaded = chekt_gen::contract::recording::Recordings::load(dir.path()).unwrap();
    let report = chekt_gen::contract::check(
        &spec,
        &loaded,
        &[],
        &chekt_gen::contract::Options { strict: true },
        &chekt_gen::contract::Decoder::none(),
    )
    .unwrap();
    let failures = report
        .failures
        .iter()
        .filter(|f| f.recording != chekt_gen::contract::COVERAGE_GROUP)
        .collect::<Vec<_>>();
    assert!(failures.is_empty(), "{report}");
    assert_eq!(report.recordings, 2);

    let missing = record(
        args(&[
            "--operation",
            "list_sites",
            "--param",
            "dealerId=42",
            "--token-env",
            "CHEKT_UNSET_VAR_FOR_TEST",
        ]),
        vec![],
    )
    .await;
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(
        text(&missing.stderr).trim(),
        "error: --token-env CHEKT_UNSET_VAR_FOR_TEST: the variable is not set: environment variable not found"
    );
    let unknown = record(
        args(&["--operation", "list_sites", "--param", "dealerId"]),
        vec![],
    )
    .await;
    assert_eq!(
        text(&unknown.stderr).trim(),
        "error: `--param dealerId`: expected NAME=VALUE"
    );
}
