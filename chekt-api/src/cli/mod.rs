//! The `chekt` command-line tool (feature `cli`): one subcommand per
//! operation, generated from the spec by progenitor's CLI generator, plus
//! global credential options, `--format table`, `--all` paging and `auth`
//! helpers. The binary is `src/bin/chekt.rs`; [`run`] is its whole logic.

mod app;

pub use app::{
    EXIT_API, EXIT_INTERRUPTED, EXIT_OK, EXIT_OTHER, EXIT_TRANSPORT, EXIT_USAGE, command,
    exit_on_ctrl_c, run,
};

#[rustfmt::skip]
#[allow(clippy::all, clippy::unwrap_used, missing_docs, unused_imports, unused_variables)]
mod generated;
pub use generated::{Cli, CliCommand, CliConfig};

/// What the generated CLI code sees through its `use …::*`.
mod support {
    pub use crate::prelude::*;
    pub use crate::{Client, Error, ResponseValue, builder, types};

    /// progenitor's CLI bounds output types by `schemars::JsonSchema`,
    /// which this CLI never uses; a blanket local trait satisfies the bound
    /// without deriving schemas on every type.
    pub mod schemars {
        /// Implemented by every type.
        pub trait JsonSchema {}
        impl<T: ?Sized> JsonSchema for T {}
    }
}
