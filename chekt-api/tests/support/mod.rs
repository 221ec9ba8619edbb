//! Shared test helpers: finding the third-party tools `.ci/install-tools`
//! installs and reading a raw HTTP/1.1 request off a socket (this module),
//! and fixtures from `spec/recordings` ([`recordings`]).
//!
//! A test that needs a missing tool prints `skipped: … not installed; run
//! .ci/install-tools` and returns, so `cargo test` passes on a bare machine;
//! when `CI` is set, a missing tool fails the test instead.
#![allow(dead_code, clippy::panic)]

use std::path::{Path, PathBuf};

pub mod recordings;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// `name` from `.tools/` (npm binaries, then the Python venv), else from
/// `PATH`.
pub fn find(name: &str) -> Option<PathBuf> {
    let tools = root().join(".tools");
    let local = [
        tools.join("node_modules/.bin").join(name),
        tools.join("venv/bin").join(name),
    ];
    let on_path: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .collect()
        })
        .unwrap_or_default();
    local.into_iter().chain(on_path).find(|p| p.is_file())
}

/// `name`, or `None` after saying the test is skipped; panics instead when
/// `CI` is set, where every tool must be installed.
pub fn require(name: &str) -> Option<PathBuf> {
    let found = find(name);
    if found.is_none() {
        let missing = format!("{name} not installed; run .ci/install-tools");
        if std::env::var_os("CI").is_some() {
            panic!("{missing} (CI is set, so a missing tool fails the test)");
        }
        eprintln!("skipped: {missing}");
    }
    found
}

/// Reads one HTTP/1.1 request (headers and a `content-length` body) from
/// `stream`; `false` when the peer closed first.
pub async fn read_request(stream: &mut tokio::net::TcpStream) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |n| n.trim().parse().unwrap());
            if buf.len() >= end + 4 + length {
                return true;
            }
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}
