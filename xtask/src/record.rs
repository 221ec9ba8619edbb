//! `cargo xtask record`: call one operation on a live or sandbox server and
//! write the exchange to `spec/recordings/<operationId>/<status>-<name>.json`
//! with secrets scrubbed and ids intact. The spec work (building the request,
//! scrubbing) is `chekt_gen::contract::record`; this file only does HTTP.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use chekt_gen::contract::record::{self, Planned};
use chekt_gen::{Error, Spec, output};

/// The Partner API's per-request trace header; one is generated (as the
/// client does) unless `--param` gives it.
const TRACE_ID: &str = "x-partner-trace-id";

/// Arguments of `cargo xtask record`.
#[derive(clap::Args)]
pub struct RecordArgs {
    /// The server, e.g. a sandbox: `https://sandbox.example`.
    #[arg(long)]
    base_url: String,
    /// The operationId to call.
    #[arg(long)]
    operation: String,
    /// A parameter, `name=value` (path, query or header); repeat a query
    /// parameter for a list.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// A JSON file with the request body (for a form body, a JSON object).
    #[arg(long, value_name = "FILE")]
    body: Option<PathBuf>,
    /// The environment variable holding the bearer token or API key.
    #[arg(long, value_name = "VAR")]
    token_env: Option<String>,
    /// The recording's short name (kebab-case).
    #[arg(long, default_value = "recorded")]
    name: String,
    /// The spec that describes the operation.
    #[arg(long, default_value_os_t = crate::root().join("spec/chekt.yaml"))]
    spec: PathBuf,
    /// The recordings directory to write into.
    #[arg(long, default_value_os_t = crate::root().join("spec/recordings"))]
    recordings: PathBuf,
}

/// Records one exchange; bad arguments and transport failures exit 2.
pub fn run(args: RecordArgs) -> Result<ExitCode, Error> {
    match record(args) {
        Ok(written) => {
            println!("{written}");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => match e.downcast::<Error>() {
            Ok(e) => Err(e),
            Err(e) => {
                eprintln!("error: {e:#}");
                Ok(ExitCode::from(2))
            }
        },
    }
}

fn record(args: RecordArgs) -> anyhow::Result<output::Written> {
    let spec = Spec::from_file(&args.spec)?;
    let params = args
        .params
        .iter()
        .map(|p| match p.split_once('=') {
            Some((name, value)) => Ok((name.to_string(), value.to_string())),
            None => bail!("`--param {p}`: expected NAME=VALUE"),
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let body = match &args.body {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("--body {}", path.display()))?;
            Some(
                serde_json::from_str(&text)
                    .with_context(|| format!("--body {}: not JSON", path.display()))?,
            )
        }
        None => None,
    };
    let mut planned = record::plan(&spec, &args.operation, &params, body)?;
    if let Some(var) = &args.token_env {
        let token = std::env::var(var)
            .with_context(|| format!("--token-env {var}: the variable is not set"))?;
        planned
            .request
            .headers
            .insert("authorization".into(), format!("Bearer {token}"));
    }
    if record::declares_header(&spec, &args.operation, TRACE_ID) {
        planned
            .request
            .headers
            .entry(TRACE_ID.into())
            .or_insert_with(|| uuid::Uuid::new_v4().to_string());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let (status, headers, bytes) = runtime.block_on(send(&args.base_url, &planned))?;
    let exchange = record::exchange(
        &spec,
        &args.operation,
        planned.request,
        status,
        &headers,
        &bytes,
    );
    let file = args
        .recordings
        .join(record::file_name(&args.operation, status, &args.name)?);
    Ok(output::write(&file, &record::to_text(&exchange))?)
}

async fn send(
    base_url: &str,
    planned: &Planned,
) -> anyhow::Result<(u16, BTreeMap<String, String>, Vec<u8>)> {
    let request = &planned.request;
    let url = format!("{}{}", base_url.trim_end_matches('/'), request.path);
    let method = reqwest::Method::from_bytes(request.method.as_bytes())?;
    let query = request
        .query
        .iter()
        .flat_map(|(name, value)| {
            value
                .values()
                .iter()
                .map(move |v| (name.as_str(), v.as_str()))
        })
        .collect::<Vec<_>>();
    // reqwest is built without a crypto provider (`rustls-no-provider`):
    // install ring's, as chekt-api does, unless one is installed already.
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    let mut builder = reqwest::Client::builder()
        .build()
        .context("cannot build the HTTP client")?
        .request(method, &url)
        .query(&query)
        .header("accept", "application/json");
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    if let Some(body) = &request.body {
        builder = match planned.media_type.as_deref() {
            Some("application/x-www-form-urlencoded") => {
                let fields = body
                    .as_object()
                    .context("--body: a form body must be a JSON object")?
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            v.as_str().map_or_else(|| v.to_string(), str::to_string),
                        )
                    })
                    .collect::<Vec<_>>();
                builder.form(&fields)
            }
            _ => builder.json(body),
        };
    }
    let response = builder
        .send()
        .await
        .with_context(|| format!("{} {url}", request.method))?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let bytes = response
        .bytes()
        .await
        .context("reading the response body")?;
    Ok((status, headers, bytes.to_vec()))
}
