//! `chekt-gen`: the library behind `cargo xtask`. One module per stage:
//!
//! - [`load`]: YAML/JSON → a [`Spec`] (raw JSON + typed OpenAPI model);
//! - [`lint`]: rules that catch what progenitor would panic on or mishandle;
//! - [`generate`]: progenitor + our passes (open enums, operation table) →
//!   formatted Rust, written atomically by [`output`];
//! - [`contract`]: the spec checked against recorded exchanges.
//! - [`diff`]: the breaking-change report between two versions of a spec;
//! - [`release`]: the crate's version checked against the bump a diff
//!   calls for, and the changelog entry it makes.
//!
//! It works on any OpenAPI 3.0 document, not only CHeKT's, and never depends
//! on the crate it generates.

#![deny(missing_docs)]

pub mod contract;
pub mod dialect;
pub mod diff;
pub mod error;
pub mod generate;
pub mod lint;
pub mod load;
pub mod output;
pub mod pointer;
pub mod release;
pub mod report;
mod rule_file;
pub mod secret_names;
pub mod verify;

pub use error::{Error, Failure, Result};
pub use load::Spec;
pub use report::{Finding, Severity};
