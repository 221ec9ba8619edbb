//! Generated fixture clients, compiled to prove they build.
#![allow(dead_code, unused_imports, clippy::all)]

pub mod petstore;
pub mod tasks;
