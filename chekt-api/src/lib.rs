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
//!   a method named after its `operationId` (import [`prelude`]).
//! * [`Error`]: one error type telling apart transport, timeout, auth, rate
//!   limiting, not found, validation, server and undecodable bodies,
//!   redirects (never followed), unsupported encodings and lists that do
//!   not end (see the README's "Reliability" section).
//! * [`pagination`] turns list operations into streams; [`query`] builds
//!   `fields`/`filter` parameters.
//! * [`webhooks`] verifies and parses deliveries.
//! * Features: `axum` (webhook extractor), `p256` (local assertion signer),
//!   `mock` (typed mocks for your tests), `cli` (the `chekt` binary).
#![deny(missing_docs)]

/// The repository README's examples, compiled as doctests (one of them uses
/// the `mock` feature; CI tests with `--all-features`).
#[cfg(all(doctest, feature = "mock"))]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

// The generated client: private, re-exported deliberately below.
#[allow(
    clippy::all,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs,
    unreachable_patterns
)]
#[rustfmt::skip]
mod generated;

pub mod auth;
mod body;
#[cfg(feature = "cli")]
pub mod cli;
mod client;
pub mod error;
#[cfg(feature = "mock")]
pub mod mock;
pub mod pagination;
pub mod query;
pub mod rate_limit;
pub mod redact;
mod redirect;
pub mod retry;
mod runtime;
pub mod webhooks;

pub use client::{BuildError, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_MAX_RESPONSE_BYTES};

pub use error::{Error, Result};
pub use generated::{
    ByteStream, Client, ClientInfo, ResponseValue, builder, decode, operations, prelude, types,
    webhook_events,
};
pub use runtime::Runtime;
