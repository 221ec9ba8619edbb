//! Typed Rust client for the CHeKT API: the Partner API v0.8 draft, the
//! public app API and webhooks.
//!
//! ```no_run
//! use chekt_api::prelude::*;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = chekt_api::Client::builder()
//!     .client_credentials("my-client-id", std::env::var("CHEKT_CLIENT_SECRET")?)
//!     .build()?;
//! let sites = client.list_sites().dealer_id(42).limit(50).send().await?;
//! println!("{} sites", sites.len());
//! # Ok(())
//! # }
//! ```
//!
//! * [`Client::builder`]: credentials ([`auth`]), retries ([`retry`]),
//!   throttling ([`rate_limit`]), timeouts; every operation of the spec is
//!   a method named after its `operationId` (import [`prelude`]). Its
//!   `send()` returns [`Result`]`<`[`ResponseValue`]`<T>>`: the decoded
//!   body, which also gives the status, headers, rate-limit window and
//!   request id of the successful call.
//! * [`Error`]: the one error type of every public call (below), including
//!   redirects (never followed), unsupported encodings and lists that do
//!   not end (see the README's "Reliability" section).
//! * Every call goes through one pipeline ("Per-call options, raw
//!   requests, credentials and interceptors" in the README):
//!   [`RequestOptions`] (a whole-call deadline, retries, headers,
//!   idempotence) per call with `.with_options(..)` or for every call with
//!   [`ClientBuilder::default_options`]; [`Client::request`] for an
//!   endpoint the spec lacks ([`RawRequest`]); your own
//!   [`auth::CredentialsProvider`] and [`Client::with_credentials`];
//!   [`retry::RetryClassifier`] and [`retry::RetryBudget`];
//!   [`Interceptor`]s around every attempt; `chekt.request`/`chekt.attempt`
//!   tracing spans with OpenTelemetry field names.
//! * [`pagination`] turns list operations into streams; [`query`] builds
//!   `fields`/`filter` parameters.
//! * [`webhooks`] verifies and parses deliveries.
//! * Features: `rustls` (default) or `native-tls` (the TLS backend, see
//!   [`tls`]), `axum` (webhook extractor), `p256` (local assertion signer),
//!   `mock` (typed mocks for your tests), `cli` (the `chekt` binary).
//!
//! The [README](https://crates.io/crates/chekt-api) is the user's guide:
//! install, authentication modes, errors, paging, mocks, webhooks, the CLI.
//!
//! # Errors
//!
//! Every call returns [`chekt_api::Result`](Result), so `?` works in any
//! function returning `chekt_api::Result` or `Box<dyn Error>`, and a
//! `match` sees every case. What the server answered keeps its status,
//! machine code ([`Error::code`]), per-field details ([`Error::details`])
//! and request id ([`Error::request_id`]); what failed locally is its own
//! variant and has no status. The status alone classifies an error
//! response, whatever its body (the body only fills in the code, message
//! and request id: `classify`); no response header can turn one variant
//! into another.
//!
//! ```no_run
//! use chekt_api::auth::TokenError;
//! use chekt_api::prelude::*;
//! use chekt_api::types::ErrorCode;
//! use chekt_api::Error;
//!
//! # async fn run(client: chekt_api::Client) {
//! match client.get_site().dealer_id(42).site_id(7).send().await {
//!     Ok(site) => println!("{} (request {:?})", site.name, site.request_id()),
//!     // The server answered with an error status.
//!     Err(Error::Auth { code: Some(ErrorCode::TokenExpired), .. }) => println!("log in again"),
//!     Err(Error::Auth { status, code, message, .. }) => println!("{status} {code:?}: {message}"),
//!     Err(Error::RateLimited { retry_after, .. }) => println!("wait {retry_after:?}"),
//!     Err(Error::NotFound { message, .. }) => println!("no such site: {message}"),
//!     Err(Error::Validation { field, details, .. }) => println!("fix {field:?}: {details:?}"),
//!     Err(Error::Server { status, request_id, .. }) => println!("{status}, quote {request_id:?}"),
//!     Err(Error::Api { status, body, .. }) => println!("{status}: {}", body.message),
//!     Err(Error::UndecodableBody { operation, path, reason, .. }) => {
//!         println!("{operation}: unexpected body at {path:?}: {reason}")
//!     }
//!     Err(Error::UnexpectedStatus { status, .. }) => println!("unexpected {status}"),
//!     // Nothing usable came back from the server.
//!     Err(Error::Transport { source, .. }) => println!("unreachable: {source}"),
//!     Err(Error::Timeout { .. } | Error::DeadlineExceeded { .. }) => println!("too slow"),
//!     Err(Error::ResponseTooLarge { limit, .. }) => println!("over {limit} bytes"),
//!     // The server misbehaved: nothing more was sent.
//!     Err(Error::Redirect { status, location, .. }) => println!("{status} to {location:?}, not followed"),
//!     Err(Error::ContentEncoding { encoding, .. }) => println!("body in {encoding}, not asked for"),
//!     Err(Error::Paging(reason)) => println!("the list does not end: {reason}"),
//!     // Local failures: nothing (or only the token request) was sent.
//!     Err(Error::MissingCredential { message, .. }) => println!("configure: {message}"),
//!     Err(Error::Token(TokenError::OAuth { error, description, .. })) => {
//!         println!("token endpoint refused ({error}): {description:?}")
//!     }
//!     Err(Error::Token(TokenError::Unavailable { .. })) => println!("token endpoint down"),
//!     Err(Error::Token(other)) => println!("no token: {other}"),
//!     Err(Error::StateMismatch) => println!("possible CSRF: restart the login"),
//!     Err(Error::Throttled { resets_in, .. }) => println!("budget spent for {resets_in:?}"),
//!     Err(Error::InvalidRequest { message, .. }) => println!("bad arguments: {message}"),
//!     Err(other) => println!("{other}"), // the enum is non-exhaustive
//! }
//! # }
//! ```
#![deny(missing_docs)]
// Feature labels on docs.rs (`[package.metadata.docs.rs]` sets `docsrs`).
#![cfg_attr(docsrs, feature(doc_cfg))]

/// The README's examples (the user's guide), compiled as doctests (one of
/// them uses the `mock` feature; CI tests with `--all-features`).
#[cfg(all(doctest, feature = "mock"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

// The generated client: private, re-exported deliberately below.
#[allow(
    clippy::all,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs,
    unreachable_patterns,
    unused_imports
)]
#[rustfmt::skip]
mod generated;

pub mod auth;
mod body;
mod classify;
#[cfg(feature = "cli")]
#[cfg_attr(docsrs, doc(cfg(feature = "cli")))]
pub mod cli;
mod client;
pub mod error;
#[cfg(feature = "mock")]
#[cfg_attr(docsrs, doc(cfg(feature = "mock")))]
pub mod mock;
pub mod pagination;
mod pipeline;
pub mod query;
pub mod rate_limit;
pub mod redact;
mod redirect;
mod response;
pub mod retry;
mod runtime;
pub mod tls;
pub mod webhooks;

pub use client::{BuildError, ClientBuilder, DEFAULT_MAX_RESPONSE_BYTES};

/// The production base URL (seed 000): the default of
/// [`ClientBuilder::base_url`] and of an assertion's audience.
pub const DEFAULT_BASE_URL: &str = "https://api.chekt.com";

pub use error::{Error, Result};
pub use generated::{Client, ClientInfo, builder, decode, operations, prelude, types};
/// The `http` crate whose types ([`http::StatusCode`], [`http::HeaderMap`])
/// appear in this API, so you need not add it yourself.
pub use http;
pub use pipeline::intercept::{AttemptInfo, AttemptResult, Interceptor};
pub use pipeline::options::{OWNED_HEADERS, RequestOptions};
pub use pipeline::raw::RawRequest;
pub use response::ResponseValue;
pub use runtime::Runtime;
/// The `secrecy` crate whose `SecretString` holds tokens and verifiers here
/// (`ExposeSecret` reads one), so you need not add it yourself.
pub use secrecy;
