//! The recordings in `spec/recordings` decoded through the generated types
//! (step 4 of the contract check). It lives here, not in `cargo xtask
//! contract`, so that xtask never depends on chekt-api: `cargo xtask gen`
//! must run even when the generated code or a trait it implements is broken.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use chekt_api::webhook_events::WebhookEvent;
use chekt_gen::Spec;
use chekt_gen::contract::{self, Decoder, Options};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `chekt_api::decode::response` for responses, `WebhookEvent::from_slice`
/// for webhook payloads.
fn decoder() -> Decoder<'static> {
    Decoder {
        response: &chekt_api::decode::response,
        webhook: &webhook,
    }
}

fn webhook(event: &str, body: &[u8]) -> Option<Result<(), String>> {
    Some(match WebhookEvent::from_slice(body) {
        Err(e) => Err(e.to_string()),
        Ok(WebhookEvent::Unknown { event_type, .. }) => Err(format!(
            "`type` is `{event_type}`, which the generated client does not know"
        )),
        Ok(parsed) if parsed.event_type() != event => Err(format!(
            "`type` is `{}` but the delivery is filed as `{event}`",
            parsed.event_type()
        )),
        Ok(_) => Ok(()),
    })
}

fn check(recordings: &Path) -> contract::Report {
    let spec = Spec::from_file(root().join("spec/chekt.yaml")).unwrap();
    contract::check_dir(&spec, recordings, &Options { strict: true }, &decoder()).unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn every_recording_decodes_through_the_generated_types() {
    let report = check(&root().join("spec/recordings"));
    assert!(report.passed(), "{report}");
}

#[test]
fn decoding_catches_what_the_schemas_let_through() {
    // `success_count` is `format: int32`: the JSON Schema accepts 3000000000,
    // the generated `i32` cannot hold it, so only decoding catches it.
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("spec/recordings"), dir.path());
    let file = dir.path().join("create_devices/201-mixed-results.json");
    let edited = std::fs::read_to_string(&file)
        .unwrap()
        .replace("\"success_count\": 2", "\"success_count\": 3000000000");
    std::fs::write(&file, edited).unwrap();
    let webhook = dir.path().join("webhooks/alarm.created/motion.json");
    std::fs::rename(
        &webhook,
        dir.path().join("webhooks/alarm.resolved/motion.json"),
    )
    .unwrap();

    let report = check(dir.path()).to_string();
    assert!(report.contains(
        "FAIL create_devices/201-mixed-results.json\n  error[response-decode] response body: the generated types cannot read it: at success_count: invalid value: integer `3000000000`, expected i32"
    ), "{report}");
    assert!(report.contains(
        "FAIL webhooks/alarm.resolved/motion.json\n  error[recording-misfiled] event: filed under `webhooks/alarm.resolved` but the event is `alarm.created`"
    ), "{report}");
    assert!(
        report.ends_with("recordings, 31 operations, 2 failed"),
        "{report}"
    );
}
