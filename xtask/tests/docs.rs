//! `cargo xtask docs` end to end. Needs Redocly from `.ci/install-tools`;
//! without it the rendering test is skipped, except in CI where it fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::{root, xtask};

fn redocly_installed() -> bool {
    let found = root().join(".tools/node_modules/.bin/redocly").is_file();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "redocly is not installed; CI must run .ci/install-tools first"
        );
        eprintln!("skipped: redocly not installed; run .ci/install-tools");
    }
    found
}

#[test]
fn renders_the_spec_to_static_html() {
    if !redocly_installed() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reference/chekt.html");
    let result = xtask(&["docs", "--out", out.to_str().unwrap()]);
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("<html"), "not HTML");
    for operation in ["list_sites", "connect_dealer", "list_public_devices"] {
        assert!(
            html.contains(operation),
            "{operation} missing from the reference"
        );
    }
    assert!(
        !out.with_extension("partial.html").exists(),
        "no partial file is left behind"
    );
}

#[test]
fn an_invalid_spec_is_reported_with_its_location_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("broken.yaml");
    std::fs::write(&spec, "openapi: 3.0.3\ninfo: [unclosed\n").unwrap();
    let out = dir.path().join("out.html");
    std::fs::write(&out, "previous").unwrap();
    let result = xtask(&[
        "docs",
        "--spec",
        spec.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(result.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(stderr.contains("broken.yaml:"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous");
}
