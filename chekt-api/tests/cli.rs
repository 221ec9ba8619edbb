//! The `chekt` binary end to end against a local mock server, as a user
//! runs it: flags, environment, output, paging, exit codes, hints. Bodies
//! come from `spec/recordings`.
#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::process::Output;

use support::recordings;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "cli-test-access-token-1234";
const SECRET: &str = "cli-test-client-secret-5678";

/// Runs `chekt` with `args` and a clean environment plus `env`.
async fn chekt(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_chekt"));
    command.args(args).env_clear();
    for (k, v) in env {
        command.env(k, v);
    }
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The recorded response of `spec/recordings/<operation>/<name>`.
fn recorded(operation: &str, name: &str) -> ResponseTemplate {
    recordings::recording(operation, name).template(&[])
}

#[tokio::test(flavor = "multi_thread")]
async fn a_list_prints_json_and_sends_every_flag() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/partner/v1/dealers/42/sites"))
        .and(query_param("limit", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(recordings::site_rows(2)))
        .expect(1)
        .mount(&server)
        .await;
    let out = chekt(
        &[
            "--base-url",
            &server.uri(),
            "list-sites",
            "--dealer-id",
            "42",
            "--limit",
            "2",
            "--filter",
            "is_activated,1,eq",
            "--filter",
            "name,Site,regex",
        ],
        &[("CHEKT_ACCESS_TOKEN", TOKEN)],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let printed: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(printed.as_array().unwrap().len(), 2);
    assert_eq!(printed[1]["name"], "Seocho Branch");
    let request: Request = server.received_requests().await.unwrap().remove(0);
    let filters: Vec<String> = request
        .url
        .query_pairs()
        .filter(|(k, _)| k == "filter")
        .map(|(_, v)| v.into_owned())
        .collect();
    assert_eq!(filters, ["is_activated,1,eq", "name,Site,regex"]);
    assert_eq!(
        request.headers.get("authorization").unwrap(),
        &format!("Bearer {TOKEN}")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn all_pages_through_a_list_into_a_table_with_progress() {
    let server = MockServer::start().await;
    let rows = recordings::site_rows(5);
    for (offset, ids) in [("0", 0..2), ("2", 2..4), ("4", 4..5)] {
        Mock::given(method("GET"))
            .and(path("/partner/v1/dealers/42/sites"))
            .and(query_param("offset", offset))
            .respond_with(ResponseTemplate::new(200).set_body_json(&rows[ids]))
            .expect(1)
            .mount(&server)
            .await;
    }
    let out = chekt(
        &[
            "--base-url",
            &server.uri(),
            "--format",
            "table",
            "--all",
            "list-sites",
            "--dealer-id",
            "42",
            "--limit",
            "2",
        ],
        &[("CHEKT_ACCESS_TOKEN", TOKEN)],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 6, "a header and five rows:\n{text}");
    assert!(
        lines[0].starts_with("site_id") || lines[0].contains("site_id"),
        "{text}"
    );
    assert!(lines[5].contains("Seocho Branch #5"), "{text}");
    assert!(
        stderr(&out).contains("fetched 5 item(s), done"),
        "{}",
        stderr(&out)
    );
}

/// Rows `ids` of [`recordings::site_rows`] as `--fields site_id,name`
/// returns them.
fn partial_rows(ids: std::ops::Range<usize>) -> ResponseTemplate {
    let rows = recordings::site_rows(5);
    ResponseTemplate::new(200).set_body_json(recordings::site_names(&rows[ids]))
}

#[tokio::test(flavor = "multi_thread")]
async fn fields_print_the_selected_columns_one_page_or_all() {
    let server = MockServer::start().await;
    for (offset, ids) in [("0", 0..2), ("2", 2..4), ("4", 4..5)] {
        Mock::given(method("GET"))
            .and(path("/partner/v1/dealers/42/sites"))
            .and(query_param("fields", "site_id,name"))
            .and(query_param("offset", offset))
            .respond_with(partial_rows(ids))
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/partner/v1/dealers/43/sites"))
        .respond_with(recorded("list_sites", "500-internal-error.json"))
        .mount(&server)
        .await;
    let env = [("CHEKT_ACCESS_TOKEN", TOKEN)];
    let base = server.uri();
    let args = |global: &'static str, dealer: &'static str, offset: &'static str| {
        let mut args = vec!["--base-url", base.as_str(), global, "list-sites"];
        args.extend(["--dealer-id", dealer, "--fields", "site_id,name"]);
        args.extend(["--limit", "2", "--offset", offset]);
        args
    };

    let one = chekt(&args("--format=json", "42", "2"), &env).await;
    assert_eq!(one.status.code(), Some(0), "{}", stderr(&one));
    let printed: serde_json::Value = serde_json::from_str(&stdout(&one)).unwrap();
    assert_eq!(
        printed,
        serde_json::json!([
            {"name": "Busan Warehouse", "site_id": 3},
            {"name": "Gangnam Headquarters #4", "site_id": 4}
        ])
    );

    let all = chekt(&args("--all", "42", "0"), &env).await;
    assert_eq!(all.status.code(), Some(0), "{}", stderr(&all));
    let printed: Vec<serde_json::Value> = serde_json::from_str(&stdout(&all)).unwrap();
    let ids: Vec<_> = printed.iter().map(|row| row["site_id"].as_i64()).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5].map(Some));
    assert!(
        stderr(&all).contains("fetched 5 item(s), done"),
        "{}",
        stderr(&all)
    );

    let failed = chekt(&args("--format=json", "43", "0"), &env).await;
    assert_eq!(
        failed.status.code(),
        Some(3),
        "an API error: {}",
        stderr(&failed)
    );
    assert!(
        stderr(&failed).contains(
            recordings::body("list_sites", "500-internal-error.json")["message"]
                .as_str()
                .unwrap()
        ),
        "{}",
        stderr(&failed)
    );
    assert!(stdout(&failed).is_empty(), "{}", stdout(&failed));
}

#[tokio::test(flavor = "multi_thread")]
async fn exit_codes_tell_usage_api_and_transport_errors_apart() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/partner/v1/dealers/7"))
        .respond_with(recorded("get_dealer", "403-permission-denied.json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/partner/v1/dealers/8"))
        // 3600 s replaces the recorded `retry-after: 30`.
        .respond_with(
            recorded("get_dealer", "429-rate-limited.json").insert_header("retry-after", "3600"),
        )
        .mount(&server)
        .await;
    let env = [("CHEKT_ACCESS_TOKEN", TOKEN)];

    let usage = chekt(&["--base-url", &server.uri(), "get-dealer"], &env).await;
    assert_eq!(usage.status.code(), Some(2), "{}", stderr(&usage));
    assert!(stderr(&usage).contains("--dealer-id"), "{}", stderr(&usage));

    let forbidden = chekt(
        &[
            "--base-url",
            &server.uri(),
            "get-dealer",
            "--dealer-id",
            "7",
        ],
        &env,
    )
    .await;
    assert_eq!(forbidden.status.code(), Some(3));
    let message = stderr(&forbidden);
    assert!(message.contains("permission_denied"), "{message}");
    assert!(
        message.contains("hint: permission_denied: the credential is valid but lacks"),
        "{message}"
    );
    let denied = recordings::body("get_dealer", "403-permission-denied.json");
    assert!(
        message.contains(denied["request_id"].as_str().unwrap()),
        "{message}"
    );
    assert!(
        message.contains(denied["message"].as_str().unwrap()),
        "{message}"
    );

    let limited = chekt(
        &[
            "--base-url",
            &server.uri(),
            "get-dealer",
            "--dealer-id",
            "8",
        ],
        &env,
    )
    .await;
    assert_eq!(limited.status.code(), Some(3));
    assert!(
        stderr(&limited).contains("try again in 3600 s"),
        "{}",
        stderr(&limited)
    );

    let unreachable = chekt(
        &[
            "--base-url",
            "http://127.0.0.1:9",
            "get-dealer",
            "--dealer-id",
            "7",
        ],
        &env,
    )
    .await;
    assert_eq!(
        unreachable.status.code(),
        Some(4),
        "{}",
        stderr(&unreachable)
    );
    assert!(
        stderr(&unreachable).contains("hint: the API could not be reached"),
        "{}",
        stderr(&unreachable)
    );

    let no_credentials = chekt(
        &[
            "--base-url",
            &server.uri(),
            "get-dealer",
            "--dealer-id",
            "7",
        ],
        &[],
    )
    .await;
    assert_eq!(no_credentials.status.code(), Some(2));
    assert!(
        stderr(&no_credentials).contains("CHEKT_CLIENT_ID + CHEKT_CLIENT_SECRET"),
        "{}",
        stderr(&no_credentials)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn credentials_are_never_printed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json({
            let mut token = recordings::body("create_token", "200-client-credentials.json");
            token["access_token"] = TOKEN.into();
            token
        }))
        .mount(&server)
        .await;
    let env = [
        ("CHEKT_CLIENT_ID", "cli-client"),
        ("CHEKT_CLIENT_SECRET", SECRET),
    ];

    let login = chekt(&["--base-url", &server.uri(), "auth", "login"], &env).await;
    assert_eq!(login.status.code(), Some(0), "{}", stderr(&login));
    assert!(
        stdout(&login).contains(
            "client credentials: accepted; a Bearer token valid 3600 s, scopes: sites:read \
             sites:write devices:read devices:write alarms:write"
        ),
        "{}",
        stdout(&login)
    );

    let status = chekt(&["--base-url", &server.uri(), "auth", "status"], &env).await;
    assert!(
        stdout(&status).contains("client id cli-client, secret [redacted]"),
        "{}",
        stdout(&status)
    );

    let body = tempfile::NamedTempFile::new().unwrap();
    let grant = serde_json::json!({"grant_type": "client_credentials", "client_id": "cli-client", "client_secret": SECRET});
    std::fs::write(body.path(), grant.to_string()).unwrap();
    let body_path = body.path().to_str().unwrap();
    let token = chekt(
        &[
            "--base-url",
            &server.uri(),
            "create-token",
            "--json-body",
            body_path,
        ],
        &[],
    )
    .await;
    assert_eq!(token.status.code(), Some(0), "{}", stderr(&token));
    assert!(
        stdout(&token).contains(r#""access_token": "[redacted]""#),
        "{}",
        stdout(&token)
    );

    let help = chekt(&["--help"], &env).await;
    assert!(
        stdout(&help).contains("CHEKT_CLIENT_SECRET"),
        "the variable is documented"
    );

    for out in [&login, &status, &token, &help] {
        for secret in [SECRET, TOKEN] {
            assert!(
                !stdout(out).contains(secret) && !stderr(out).contains(secret),
                "{secret} printed"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn short_help_lists_one_line_per_command_and_long_help_keeps_the_description() {
    let help = chekt(&["-h"], &[]).await;
    assert!(help.status.success());
    let text = stdout(&help);
    let commands = chekt_api::cli::command()
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .count();
    assert!(commands > 20, "{commands}");
    // Usage, options and the command list: no command spreads over lines.
    assert!(
        text.lines().count() < commands + 40,
        "{} lines for {commands} commands:\n{text}",
        text.lines().count()
    );
    let list_sites = text
        .lines()
        .find(|l| l.trim_start().starts_with("list-sites "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        list_sites.contains("List a dealer's sites")
            || !list_sites.trim_end().ends_with("list-sites"),
        "{list_sites}"
    );
    assert!(
        !text.contains("create_token`") && !text.contains("- `client_credentials`"),
        "{text}"
    );

    let long = stdout(&chekt(&["create-token", "--help"], &[]).await);
    assert!(long.contains("- `client_credentials`"), "{long}");
}

#[tokio::test(flavor = "multi_thread")]
async fn verbose_traces_requests_on_stderr_without_secrets() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/partner/v1/dealers/42/sites"))
        .respond_with(recorded("list_sites", "200-first-page.json"))
        .mount(&server)
        .await;
    let uri = server.uri();
    let env = [
        ("CHEKT_BASE_URL", uri.as_str()),
        ("CHEKT_ACCESS_TOKEN", TOKEN),
    ];
    let quiet = chekt(&["list-sites", "--dealer-id", "42"], &env).await;
    assert!(quiet.status.success(), "{}", stderr(&quiet));
    assert!(
        !stderr(&quiet).contains("chekt.request"),
        "{}",
        stderr(&quiet)
    );

    for (args, extra) in [
        (&["-v", "list-sites", "--dealer-id", "42"][..], None),
        (
            &["list-sites", "--dealer-id", "42"][..],
            Some(("RUST_LOG", "chekt_api=trace,reqwest=trace,hyper=trace")),
        ),
    ] {
        let mut env = env.to_vec();
        env.extend(extra);
        let traced = chekt(args, &env).await;
        assert!(traced.status.success(), "{}", stderr(&traced));
        let err = stderr(&traced);
        assert!(err.contains("chekt.request"), "{err}");
        assert!(err.contains("list_sites"), "{err}");
        assert!(!err.contains(TOKEN), "{err}");
        assert!(!stdout(&traced).contains("chekt.request"));
    }
}
