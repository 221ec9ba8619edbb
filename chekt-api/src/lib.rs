//! Typed Rust client for the CHeKT API.
#![deny(missing_docs)]

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
#[cfg(feature = "cli")]
pub mod cli;
mod client;
pub mod error;
#[cfg(feature = "mock")]
pub mod mock;
pub mod pagination;
pub mod query;
pub mod rate_limit;
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
