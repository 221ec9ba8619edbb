//! Typed Rust client for the CHeKT API.
#![deny(missing_docs)]

#[allow(clippy::all, clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs, unreachable_patterns)]
mod generated;

pub mod pagination;
mod runtime;

pub use generated::{
    builder, operations, prelude, types, ByteStream, Client, ClientInfo, ResponseValue,
};
pub use runtime::Runtime;
