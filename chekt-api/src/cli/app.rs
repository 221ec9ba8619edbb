//! The `chekt` binary: global options, credentials, output formats, paging
//! with `--all`, `auth` helpers, and exit codes. The per-operation
//! subcommands are generated ([`Cli`], [`CliCommand`]).

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use clap::{Arg, ArgAction, ArgMatches, Command};
use serde::Serialize;
use serde_json::Value;

use super::generated::{Cli, CliCommand, CliConfig};
use super::support::{ResponseValue, builder, types};
use crate::pagination::{
    CursorPagedExt, DEFAULT_MAX_PAGES, DEFAULT_PAGE_SIZE, FieldsPaged, OffsetPagedExt, Paging,
};
use crate::{Client, Error, redact};

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: anything not covered below (e.g. an undecodable response).
pub const EXIT_OTHER: u8 = 1;
/// Exit code: bad usage (unknown flag, missing argument, unreadable body).
pub const EXIT_USAGE: u8 = 2;
/// Exit code: the API answered with an error status.
pub const EXIT_API: u8 = 3;
/// Exit code: the API could not be reached (connection, TLS, timeout).
pub const EXIT_TRANSPORT: u8 = 4;

/// Fields never printed unless `--show-secrets` is given: the crate's one
/// list.
use crate::redact::SECRET_FIELDS;

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Table,
}

/// The generated commands' output hooks.
struct Output {
    format: Format,
    all: bool,
    /// `--max-pages` (page size from the command's `--limit`).
    paging: Paging,
    show_secrets: bool,
}

/// Marks a command whose output its hook already printed (`--all`,
/// `--fields`).
#[derive(Debug, thiserror::Error)]
#[error("already printed")]
struct AlreadyPrinted;

/// Runs `chekt` with `args` (the first is the program name) and returns
/// its exit code; output goes to stdout, messages to stderr.
///
/// ```
/// use std::process::ExitCode;
/// use chekt_api::cli::{EXIT_USAGE, run};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // The whole `chekt` binary is `run(std::env::args_os()).await`.
/// let code = run(["chekt", "list-sites", "--no-such-flag"]).await;
/// assert_eq!(code, ExitCode::from(EXIT_USAGE));
/// # }
/// ```
pub async fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let matches = match command().try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    init_tracing(matches.get_count("verbose"));
    ExitCode::from(dispatch(&matches).await)
}

/// Sends tracing output to stderr: `RUST_LOG` (`target=level,...`, e.g.
/// `chekt_api=debug`) when set, else `-v` (debug) or `-vv` (trace) for
/// chekt-api's own events, else nothing. The runtime's spans and events
/// carry no credential (the `Authorization` header is marked sensitive),
/// so nothing secret is printed.
fn init_tracing(verbose: u8) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::layer::SubscriberExt;
    let from_env = std::env::var("RUST_LOG")
        .ok()
        .and_then(|spec| spec.parse::<Targets>().ok());
    let targets = match (from_env, verbose) {
        (Some(targets), _) => targets,
        (None, 0) => return,
        (None, 1) => Targets::new().with_target("chekt_api", LevelFilter::DEBUG),
        (None, _) => Targets::new().with_target("chekt_api", LevelFilter::TRACE),
    };
    let subscriber = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_target(true),
        )
        .with(targets);
    // A second call (tests run `run` many times) keeps the first.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// The whole command tree: global options, `auth`, and one subcommand per
/// operation, named after its `operationId` in kebab case.
///
/// ```
/// let chekt = chekt_api::cli::command();
/// assert!(chekt.find_subcommand("list-sites").is_some());
/// assert!(chekt.find_subcommand("auth").is_some());
/// ```
pub fn command() -> Command {
    let secret = |id: &'static str, env: &'static str, help: &'static str| {
        Arg::new(id)
            .long(id)
            .env(env)
            .hide_env_values(true)
            .help(help)
    };
    let mut root = Command::new("chekt")
        .about("The CHeKT API from a terminal: one subcommand per operation, JSON output")
        .version(env!("CARGO_PKG_VERSION"))
        .subcommand_required(true)
        .arg(
            Arg::new("base-url")
                .long("base-url")
                .env("CHEKT_BASE_URL")
                .default_value(crate::DEFAULT_BASE_URL)
                .help("The API's base URL"),
        )
        .arg(
            Arg::new("client-id")
                .long("client-id")
                .env("CHEKT_CLIENT_ID")
                .help("OAuth client id (Partner API, with --client-secret)"),
        )
        .arg(secret(
            "client-secret",
            "CHEKT_CLIENT_SECRET",
            "OAuth client secret (never printed)",
        ))
        .arg(secret(
            "api-key",
            "CHEKT_API_KEY",
            "API key, chekt_live_… or chekt_test_… (never printed)",
        ))
        .arg(secret(
            "token",
            "CHEKT_ACCESS_TOKEN",
            "A ready access token, e.g. the connect flow's (never printed)",
        ))
        .arg(
            Arg::new("format")
                .long("format")
                .value_parser(["json", "table"])
                .default_value("json")
                .help("Output: JSON, or a table for lists and objects"),
        )
        .arg(
            Arg::new("all")
                .long("all")
                .action(ArgAction::SetTrue)
                .help("Page through a list to the end (progress on stderr)"),
        )
        .arg(
            Arg::new("verbose")
                .short('v')
                .long("verbose")
                .global(true)
                .action(ArgAction::Count)
                .help("Trace requests on stderr (-vv for more); RUST_LOG=target=level overrides"),
        )
        .arg(
            Arg::new("max-pages")
                .long("max-pages")
                .value_parser(clap::value_parser!(u64).range(1..))
                .default_value(DEFAULT_MAX_PAGES.to_string())
                .help("With --all: the most pages to request; a list that does not end by then is an error"),
        )
        .arg(
            Arg::new("show-secrets")
                .long("show-secrets")
                .action(ArgAction::SetTrue)
                .help("Print tokens in responses instead of [redacted]"),
        )
        .subcommand(
            Command::new("auth")
                .about("Check the configured credentials")
                .subcommand_required(true)
                .subcommand(Command::new("login").about(
                    "Verify the credentials: fetch a token with client credentials, or check the API key's shape",
                ))
                .subcommand(
                    Command::new("status")
                        .about("Show which credentials are configured (values redacted)"),
                ),
        );
    for cmd in CliCommand::iter() {
        root = root.subcommand(one_line_about(
            Cli::<Output>::get_command(cmd).name(subcommand_name(cmd)),
        ));
    }
    root
}

/// `chekt -h` lists one line per command (the operation's summary); the
/// whole description stays for `chekt <command> --help`.
fn one_line_about(command: Command) -> Command {
    let Some(full) = command.get_about().map(ToString::to_string) else {
        return command;
    };
    let summary = full.lines().next().unwrap_or_default().trim().to_string();
    command.about(summary).long_about(full)
}

fn subcommand_name(cmd: CliCommand) -> String {
    cmd.operation_id().replace('_', "-")
}

async fn dispatch(matches: &ArgMatches) -> u8 {
    let client = match build_client(matches) {
        Ok(client) => client,
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_USAGE;
        }
    };
    let Some((name, sub)) = matches.subcommand() else {
        return EXIT_USAGE;
    };
    if name == "auth" {
        return auth(matches, sub, &client).await;
    }
    let Some(cmd) = CliCommand::iter().find(|c| subcommand_name(*c) == name) else {
        eprintln!("error: unknown command {name}");
        return EXIT_USAGE;
    };
    let output = Output {
        format: match matches.get_one::<String>("format").map(String::as_str) {
            Some("table") => Format::Table,
            _ => Format::Json,
        },
        all: matches.get_flag("all"),
        paging: Paging::new().max_pages(
            matches
                .get_one::<u64>("max-pages")
                .copied()
                .unwrap_or(DEFAULT_MAX_PAGES),
        ),
        show_secrets: matches.get_flag("show-secrets"),
    };
    match Cli::new(client, output).execute(cmd, sub).await {
        Ok(()) => EXIT_OK,
        Err(e) if e.is::<AlreadyPrinted>() => EXIT_OK,
        Err(e) => report(e),
    }
}

fn build_client(matches: &ArgMatches) -> Result<Client, String> {
    let get = |id: &str| matches.get_one::<String>(id).cloned();
    let mut builder = Client::builder();
    if let Some(url) = get("base-url") {
        builder = builder.base_url(url);
    }
    match (get("client-id"), get("client-secret")) {
        (Some(id), Some(secret)) => builder = builder.client_credentials(id, secret),
        (Some(_), None) => {
            return Err("--client-id needs --client-secret (or CHEKT_CLIENT_SECRET)".into());
        }
        (None, Some(_)) => {
            return Err("--client-secret needs --client-id (or CHEKT_CLIENT_ID)".into());
        }
        (None, None) => {}
    }
    if let Some(key) = get("api-key") {
        builder = builder.api_key(key);
    }
    if let Some(token) = get("token") {
        builder = builder.bearer_token(token);
    }
    builder.build().map_err(|e| e.to_string())
}

async fn auth(matches: &ArgMatches, sub: &ArgMatches, client: &Client) -> u8 {
    let configured = |id: &str| matches.get_one::<String>(id).is_some();
    match sub.subcommand_name() {
        Some("status") => {
            let base = matches
                .get_one::<String>("base-url")
                .map_or("", String::as_str);
            println!("base URL:           {base}");
            let client_id = matches.get_one::<String>("client-id");
            println!(
                "client credentials: {}",
                client_id.map_or("not set".to_string(), |id| format!(
                    "client id {id}, secret [redacted]"
                ))
            );
            println!(
                "API key:            {}",
                if configured("api-key") {
                    "[redacted]"
                } else {
                    "not set"
                }
            );
            println!(
                "access token:       {}",
                if configured("token") {
                    "[redacted]"
                } else {
                    "not set"
                }
            );
            EXIT_OK
        }
        Some("login") => {
            if let Some(key) = matches.get_one::<String>("api-key") {
                match crate::auth::ApiKey::new(key.as_str()) {
                    Ok(key) => {
                        println!("API key: well-formed, {:?} environment", key.environment())
                    }
                    Err(e) => {
                        eprintln!("error: invalid API key: {e}");
                        return EXIT_USAGE;
                    }
                }
            }
            // The library's own token request (redirects refused, lenient
            // `expires_in`), with the client credentials `build_client` set.
            match client.fetch_partner_token().await {
                Some(Ok(token)) => {
                    println!(
                        "client credentials: accepted; a {} token valid {}{}",
                        token.token_type.as_deref().unwrap_or("Bearer"),
                        if token.lifetime_stated {
                            format!("{} s", token.lifetime.as_secs())
                        } else {
                            format!(
                                "for an unstated time (reused for {} s)",
                                token.lifetime.as_secs()
                            )
                        },
                        token
                            .scope
                            .as_deref()
                            .map(|s| format!(", scopes: {s}"))
                            .unwrap_or_default()
                    );
                    EXIT_OK
                }
                Some(Err(e)) => report(anyhow::Error::new(e)),
                None if configured("api-key") || configured("token") => EXIT_OK,
                None => {
                    eprintln!(
                        "error: no credentials; set CHEKT_CLIENT_ID and CHEKT_CLIENT_SECRET, CHEKT_API_KEY, or CHEKT_ACCESS_TOKEN"
                    );
                    EXIT_USAGE
                }
            }
        }
        _ => EXIT_USAGE,
    }
}

/// Prints an error with what to do about it; returns the exit code.
fn report(error: anyhow::Error) -> u8 {
    let error = match error.downcast::<Error>() {
        Ok(e) => e,
        Err(other) => {
            eprintln!("error: {}", redact::text(&format!("{other:#}")));
            return EXIT_USAGE;
        }
    };
    // Error bodies are the server's text: no token of theirs is echoed.
    eprintln!("error: {}", redact::text(&error.to_string()));
    if let Some(hint) = hint(&error) {
        eprintln!("hint: {hint}");
    }
    match &error {
        Error::Transport { .. } | Error::Timeout { .. } => EXIT_TRANSPORT,
        // The token endpoint could not be reached: no answer either.
        Error::Token(crate::auth::TokenError::Unavailable { status: None, .. }) => EXIT_TRANSPORT,
        Error::InvalidRequest { .. } => EXIT_USAGE,
        Error::MissingCredential { .. } => EXIT_USAGE,
        Error::UndecodableBody { status: None, .. } | Error::ResponseTooLarge { .. } => EXIT_OTHER,
        // The server's list does not end: its answer was wrong.
        Error::Paging(_) => EXIT_API,
        _ if error.status().is_some() => EXIT_API,
        _ => EXIT_OTHER,
    }
}

/// What to do about an error, in the words of seed 000's error table.
fn hint(error: &Error) -> Option<String> {
    use types::ErrorCode as C;
    Some(match error {
        Error::Auth { code: Some(C::InvalidApiKey), .. } => "invalid_api_key: the key is missing, malformed or revoked. Check CHEKT_API_KEY against the dealer portal; a rotated key stops working after its 24 h grace window.".into(),
        Error::Auth { code: Some(C::TokenExpired), .. } => "token_expired: the access token's lifetime ended. With --client-id/--client-secret the CLI fetches a new one; a token given with --token must be replaced.".into(),
        Error::Auth { code: Some(C::PermissionDenied), .. } => "permission_denied: the credential is valid but lacks this operation's scope. Grant it in the app's permissions in the dealer portal.".into(),
        Error::Auth { code: Some(C::IpNotAllowed), .. } => "ip_not_allowed: this machine's IP is not on the app's allow list.".into(),
        Error::Auth { code: Some(C::SignatureInvalid), .. } => "signature_invalid: a signature did not verify; check the signing secret or key.".into(),
        Error::MissingCredential { .. } => "set credentials: CHEKT_CLIENT_ID + CHEKT_CLIENT_SECRET (Partner API), CHEKT_API_KEY (public API) or CHEKT_ACCESS_TOKEN; `chekt auth status` shows what is set.".into(),
        Error::Auth { .. } => "authentication failed: check the credentials with `chekt auth login`.".into(),
        Error::RateLimited { retry_after, rate_limit, .. } => {
            let wait = retry_after.map(|d| format!(" in {} s", d.as_secs())).unwrap_or_default();
            let window = rate_limit
                .as_deref()
                .and_then(|r| r.limit)
                .map(|l| format!(" (limit {l} per window)"))
                .unwrap_or_default();
            format!("rate_limited: too many requests{window}; try again{wait}.")
        }
        Error::Transport { .. } | Error::Timeout { .. } => "the API could not be reached; check --base-url / CHEKT_BASE_URL and the network.".into(),
        Error::Token(crate::auth::TokenError::OAuth { error: C::InvalidClient, .. }) => "invalid_client: the token endpoint does not accept these client credentials; check CHEKT_CLIENT_ID and CHEKT_CLIENT_SECRET.".into(),
        Error::Token(crate::auth::TokenError::OAuth { error: C::InvalidScope, .. }) => "invalid_scope: the app may not request these scopes.".into(),
        Error::Token(crate::auth::TokenError::Unavailable { .. }) => "the token endpoint could not be reached or failed; try again later.".into(),
        Error::Redirect { .. } | Error::Token(crate::auth::TokenError::Redirect { .. }) => "the server redirected; redirects are never followed (credentials stay with --base-url). Check --base-url / CHEKT_BASE_URL.".into(),
        Error::Paging(crate::pagination::PagingError::TooManyPages { .. }) => "raise --max-pages if the list is really that long.".into(),
        Error::Paging(_) => "the server's paging is broken; the rows printed so far are incomplete.".into(),
        _ => return None,
    })
}

impl Output {
    fn print(&self, mut value: Value) {
        if !self.show_secrets {
            redact(&mut value);
        }
        let text = match self.format {
            Format::Json => serde_json::to_string_pretty(&value).unwrap_or_default(),
            Format::Table => table(&value),
        };
        let _ = writeln!(std::io::stdout().lock(), "{text}");
    }

    /// Pages `stream` to the end, printing items as they come (JSON) or in
    /// one table at the end, with progress on stderr.
    fn page_all<S, T>(&self, stream: S) -> anyhow::Result<()>
    where
        S: futures::Stream<Item = crate::Result<T>> + Unpin,
        T: Serialize,
    {
        use futures::StreamExt;
        let handle = tokio::runtime::Handle::current();
        tokio::task::block_in_place(|| {
            handle.block_on(async {
                let mut stream = stream;
                let mut items = Vec::new();
                let mut count = 0usize;
                let stdout = std::io::stdout();
                if self.format == Format::Json {
                    let _ = writeln!(stdout.lock(), "[");
                }
                while let Some(item) = stream.next().await {
                    let mut value = serde_json::to_value(item?)?;
                    if !self.show_secrets {
                        redact(&mut value);
                    }
                    if self.format == Format::Json {
                        let separator = if count == 0 { "" } else { ",\n" };
                        let _ = write!(
                            stdout.lock(),
                            "{separator}{}",
                            serde_json::to_string_pretty(&value)?
                        );
                    } else {
                        items.push(value);
                    }
                    count += 1;
                    eprint!("\rfetched {count} item(s)");
                }
                eprintln!("\rfetched {count} item(s), done");
                if self.format == Format::Json {
                    let _ = writeln!(stdout.lock(), "\n]");
                } else {
                    let _ = writeln!(stdout.lock(), "{}", table(&Value::Array(items)));
                }
                Err(anyhow::Error::new(AlreadyPrinted))
            })
        })
    }

    /// With `--all`, pages with the command's `--limit` as the page size.
    /// With `--fields`, rows carry only the selected columns, which the
    /// command's row type cannot decode: they are sent here and printed as
    /// they come.
    fn offset<'a, B>(&self, matches: &ArgMatches, request: &B) -> anyhow::Result<()>
    where
        B: FieldsPaged<'a>,
        B::Item: Serialize + Send,
    {
        let page_size = matches
            .get_one::<i64>("limit")
            .copied()
            .unwrap_or(DEFAULT_PAGE_SIZE);
        let paging = self.paging;
        match (self.all, matches.try_contains_id("fields").unwrap_or(false)) {
            // The generated command sends and prints.
            (false, false) => Ok(()),
            (true, false) => self.page_all(
                request
                    .clone()
                    .into_stream_with(paging.page_size(page_size)),
            ),
            (true, true) => self.page_all(
                request
                    .clone()
                    .rows_as::<Value>()
                    .into_stream_with(paging.page_size(page_size)),
            ),
            (false, true) => {
                let handle = tokio::runtime::Handle::current();
                let page = tokio::task::block_in_place(|| {
                    let page = handle.block_on(request.clone().send_page_as::<Value>());
                    page.map_err(anyhow::Error::new)
                })?;
                self.print(Value::Array(page.into_inner()));
                Err(anyhow::Error::new(AlreadyPrinted))
            }
        }
    }

    fn cursor<'a, B: CursorPagedExt<'a>>(&self, request: &B) -> anyhow::Result<()>
    where
        B::Item: Serialize + Send,
        B::Page: Send,
    {
        if self.all {
            self.page_all(request.clone().into_stream_with(self.paging))
        } else {
            Ok(())
        }
    }
}

/// Replaces secret-looking fields, at any depth, with `[redacted]`.
fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, field) in map.iter_mut() {
                if SECRET_FIELDS.contains(&key.as_str()) && !field.is_null() {
                    *field = Value::String("[redacted]".into());
                } else {
                    redact(field);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// A plain-text table: a list of objects becomes rows under the first
/// object's keys; an object becomes `key  value` lines; anything else JSON.
fn table(value: &Value) -> String {
    let cell = |v: Option<&Value>| match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let rows: Vec<Vec<String>>;
    let header: Vec<String>;
    match value {
        Value::Array(items) if items.iter().all(Value::is_object) => {
            let Some(Value::Object(first)) = items.first() else {
                return "(no items)".into();
            };
            header = first.keys().cloned().collect();
            rows = items
                .iter()
                .map(|item| header.iter().map(|k| cell(item.get(k))).collect())
                .collect();
        }
        Value::Object(map) => {
            header = vec!["field".into(), "value".into()];
            rows = map
                .iter()
                .map(|(k, v)| vec![k.clone(), cell(Some(v))])
                .collect();
        }
        other => return serde_json::to_string_pretty(other).unwrap_or_default(),
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    std::iter::once(line(&header))
        .chain(rows.iter().map(|r| line(r)))
        .collect::<Vec<_>>()
        .join("\n")
}

impl CliConfig for Output {
    fn success_item<T>(&self, value: &ResponseValue<T>)
    where
        T: super::support::schemars::JsonSchema + Serialize + std::fmt::Debug,
    {
        self.print(serde_json::to_value(&**value).unwrap_or(Value::Null));
    }

    fn success_no_item(&self, _value: &ResponseValue<()>) {
        self.print(serde_json::json!({ "ok": true }));
    }

    fn error(&self, _value: &Error) {
        // Reported once, with a hint, by `report`.
    }

    fn list_start<T>(&self)
    where
        T: super::support::schemars::JsonSchema + Serialize + std::fmt::Debug,
    {
    }

    fn list_item<T>(&self, value: &T)
    where
        T: super::support::schemars::JsonSchema + Serialize + std::fmt::Debug,
    {
        self.print(serde_json::to_value(value).unwrap_or(Value::Null));
    }

    fn list_end_success<T>(&self)
    where
        T: super::support::schemars::JsonSchema + Serialize + std::fmt::Debug,
    {
    }

    fn list_end_error(&self, _value: &Error) {}

    fn execute_list_sites(
        &self,
        matches: &ArgMatches,
        request: &mut builder::ListSites,
    ) -> anyhow::Result<()> {
        self.offset(matches, request)
    }

    fn execute_list_devices(
        &self,
        matches: &ArgMatches,
        request: &mut builder::ListDevices,
    ) -> anyhow::Result<()> {
        self.offset(matches, request)
    }

    fn execute_list_monitoring_stations(
        &self,
        matches: &ArgMatches,
        request: &mut builder::ListMonitoringStations,
    ) -> anyhow::Result<()> {
        self.offset(matches, request)
    }

    fn execute_list_contacts(
        &self,
        matches: &ArgMatches,
        request: &mut builder::ListContacts,
    ) -> anyhow::Result<()> {
        self.offset(matches, request)
    }

    fn execute_list_public_sites(
        &self,
        _: &ArgMatches,
        request: &mut builder::ListPublicSites,
    ) -> anyhow::Result<()> {
        self.cursor(request)
    }

    fn execute_list_public_devices(
        &self,
        _: &ArgMatches,
        request: &mut builder::ListPublicDevices,
    ) -> anyhow::Result<()> {
        self.cursor(request)
    }
}
