//! `chekt_gen::diff` policies over a report: the deprecation policy
//! (`deprecated: true`, `x-chekt-sunset`, a minimum notice) with an
//! injected today, acknowledged changes (accepted, stale, bad entries),
//! and a side that does not lint.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod diff_support;

use chekt_gen::diff::deprecation::NaiveDate;
use chekt_gen::diff::render::{Format, render};
use chekt_gen::diff::{Deprecation, DiffOptions, FailOn, Report, diff, diff_with, parse_accepted};
use serde_json::json;

use chekt_gen::diff::Class::{self, Breaking, NonFunctional};
use diff_support::*;

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// The report of `setup` → `setup + edits` judged on `today` with a
/// minimum notice of `notice_days`.
fn judged(setup: &[Edit], edits: &[Edit], today: &str, notice_days: u32) -> Report {
    let old = edited(&load(BASE), setup);
    let new = edited(&old, edits);
    let options = DiffOptions {
        deprecation: Deprecation {
            notice_days,
            today: Some(day(today)),
        },
        ..DiffOptions::default()
    };
    diff_with(&old, &new, &options).unwrap()
}

fn deprecated(at: &str, sunset: Option<&str>) -> Vec<Edit> {
    let mut edits = vec![set(format!("{at}/deprecated"), json!(true))];
    if let Some(sunset) = sunset {
        edits.push(set(format!("{at}/x-chekt-sunset"), json!(sunset)));
    }
    edits
}

const TAG: &str = "/components/schemas/Pet/properties/tag";

#[test]
fn removals_are_judged_by_their_announced_sunset() {
    let endpoint = DELETE;
    let limit = at(LIST, "/parameters/0");
    // Name, setup of the old side, the removal, today, the verdict.
    type Case = (
        &'static str,
        Vec<Edit>,
        Edit,
        &'static str,
        (Class, &'static str),
    );
    let cases: Vec<Case> = vec![
        (
            "operation removed after its sunset",
            deprecated(endpoint, Some("2026-06-30")),
            remove(endpoint),
            "2026-07-01",
            (Breaking, "removed-after-sunset"),
        ),
        (
            "operation removed on its sunset day",
            deprecated(endpoint, Some("2026-07-01")),
            remove(endpoint),
            "2026-07-01",
            (Breaking, "removed-after-sunset"),
        ),
        (
            "operation removed the day before its sunset",
            deprecated(endpoint, Some("2026-07-02")),
            remove(endpoint),
            "2026-07-01",
            (Breaking, "removed-before-sunset"),
        ),
        (
            "operation deprecated without a sunset, removed",
            deprecated(endpoint, None),
            remove(endpoint),
            "2026-07-01",
            (Breaking, "removed-without-sunset"),
        ),
        (
            "operation whose sunset is not a date, removed",
            deprecated(endpoint, Some("next summer")),
            remove(endpoint),
            "2026-07-01",
            (Breaking, "removed-without-sunset"),
        ),
        (
            "operation never deprecated, removed",
            vec![],
            remove(endpoint),
            "2026-07-01",
            (Breaking, "endpoint-removed"),
        ),
        (
            "parameter removed after its sunset",
            deprecated(&limit, Some("2026-01-01")),
            remove(&limit),
            "2026-07-01",
            (Breaking, "removed-after-sunset"),
        ),
        (
            "parameter removed before its sunset",
            deprecated(&limit, Some("2027-01-01")),
            remove(&limit),
            "2026-07-01",
            (Breaking, "removed-before-sunset"),
        ),
        (
            "response property removed after its sunset",
            deprecated(TAG, Some("2026-01-01")),
            remove(TAG),
            "2026-07-01",
            (Breaking, "removed-after-sunset"),
        ),
        (
            "request property deprecated through an allOf, removed after its sunset",
            vec![set(
                "/components/schemas/NewPet/properties/tag",
                json!({"allOf": [{"type": "string"}], "deprecated": true, "x-chekt-sunset": "2026-01-01"}),
            )],
            remove("/components/schemas/NewPet/properties/tag"),
            "2026-07-01",
            (Breaking, "removed-after-sunset"),
        ),
        (
            "response header removed after its sunset",
            deprecated(
                &at(LIST, "/responses/200/headers/X-Total"),
                Some("2026-01-01"),
            ),
            remove(at(LIST, "/responses/200/headers/X-Total")),
            "2026-07-01",
            (Breaking, "removed-after-sunset"),
        ),
        (
            "request property never deprecated, removed",
            vec![],
            remove("/components/schemas/NewPet/properties/tag"),
            "2026-07-01",
            (Breaking, "request-property-removed"),
        ),
    ];
    for (name, setup, edit, today, expected) in cases {
        let report = judged(&setup, &[edit], today, 0);
        assert_eq!(pairs(&report), [expected], "{name}");
        let scheduled = expected.1 == "removed-after-sunset";
        assert_eq!(report.changes[0].is_scheduled(), scheduled, "{name}");
        assert_eq!(report.fails(FailOn::Wire), !scheduled, "{name}");
        assert!(report.is_breaking(), "{name}: still breaking on the wire");
    }
}

#[test]
fn a_scheduled_removal_has_its_own_section_and_says_its_sunset() {
    let report = judged(
        &deprecated(DELETE, Some("2026-06-30")),
        &[remove(DELETE)],
        "2026-07-01",
        0,
    );
    let markdown = render(&report, Format::Markdown);
    assert!(
        markdown.contains("**wire: breaking (acknowledged) · chekt-api: not compared**"),
        "{markdown}"
    );
    assert!(
        markdown.contains("### Scheduled removals (deprecated, past their sunset) (1)"),
        "{markdown}"
    );
    assert!(!markdown.contains("### Breaking changes"), "{markdown}");
    assert!(
        markdown.contains("removed (deprecated, sunset 2026-06-30: scheduled)"),
        "{markdown}"
    );
    let text = render(&report, Format::Text);
    assert!(
        text.contains("breaking scheduled[removed-after-sunset] DELETE /pets/{petId}"),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&render(&report, Format::Json)).unwrap();
    assert_eq!(json["summary"]["scheduled"], 1);
    assert_eq!(json["summary"]["unacknowledged_breaking"], 0);
}

#[test]
fn a_new_sunset_closer_than_the_notice_is_reported() {
    let notice =
        |setup: &[Edit], edits: &[Edit], days| pairs(&judged(setup, edits, "2026-07-01", days));
    let short = deprecated(DELETE, Some("2026-08-01"));
    assert_eq!(
        notice(&[], &short, 90),
        [
            (Breaking, "sunset-notice-too-short"),
            (NonFunctional, "operation-deprecated")
        ]
    );
    // 31 days of notice meets a 31-day policy, and no policy asks for none.
    assert_eq!(
        notice(&[], &short, 31),
        [(NonFunctional, "operation-deprecated")]
    );
    assert_eq!(
        notice(&[], &short, 0),
        [(NonFunctional, "operation-deprecated")]
    );
    // An existing sunset moved closer is announced again; one unchanged is not.
    let earlier = deprecated(DELETE, Some("2026-07-15"));
    assert_eq!(
        notice(&deprecated(DELETE, Some("2026-12-31")), &earlier, 30),
        [(Breaking, "sunset-notice-too-short")]
    );
    assert_eq!(notice(&short, &[], 90), []);
    // Parameters and properties too.
    assert_eq!(
        notice(&[], &deprecated(TAG, Some("2026-07-02")), 7),
        [
            (Breaking, "sunset-notice-too-short"),
            (NonFunctional, "schema-deprecated")
        ]
    );
    let report = judged(&[], &short, "2026-07-01", 90);
    assert_eq!(
        report.changes[0].message,
        "operation sunset 2026-08-01 is 31 day(s) from 2026-07-01; the policy asks for at least 90"
    );
}

const ACCEPTED: &str = "accepted.yaml";

fn removed_tag() -> Report {
    let base = load(BASE);
    diff(&base, &edited(&base, &[remove(TAG), remove(DELETE)])).unwrap()
}

#[test]
fn an_accepted_change_shows_its_reason_everywhere_and_does_not_fail() {
    let yaml = format!(
        "# accepted on purpose\naccepted:\n  - rule: response-property-removed\n    operation: GET /pets\n    pointer: {TAG}\n    reason: Never sent by the server (seed § Pets).\n    version: 0.9.0\n"
    );
    let accepted = parse_accepted(ACCEPTED, &yaml).unwrap();
    let mut report = removed_tag();
    assert!(report.fails(FailOn::Wire));
    // Only the property: the endpoint removal still fails the run.
    report.accept(&accepted);
    assert!(report.fails(FailOn::Wire));
    assert!(report.stale.is_empty());
    let property = report
        .changes
        .iter()
        .find(|c| c.rule == "response-property-removed")
        .unwrap();
    let acceptance = property.accepted.as_ref().unwrap();
    assert_eq!(acceptance.reason, "Never sent by the server (seed § Pets).");
    assert_eq!(acceptance.version.as_deref(), Some("0.9.0"));
    assert_eq!(acceptance.entry, "accepted.yaml:3");
    assert_eq!(property.class, Breaking, "the class stays honest");

    let markdown = render(&report, Format::Markdown);
    assert!(markdown.contains("### Breaking changes (1)"), "{markdown}");
    assert!(markdown.contains("### Accepted changes (1)"), "{markdown}");
    assert!(
        markdown.contains(
            "— accepted (breaking): Never sent by the server (seed § Pets). (version 0.9.0; accepted.yaml:3)"
        ),
        "{markdown}"
    );
    let text = render(&report, Format::Text);
    assert!(
        text.contains("breaking accepted[response-property-removed]")
            && text.contains("accepted (breaking): Never sent by the server"),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&render(&report, Format::Json)).unwrap();
    let accepted_json = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["rule"] == "response-property-removed")
        .unwrap();
    assert_eq!(
        accepted_json["accepted"],
        json!({"reason": "Never sent by the server (seed § Pets).", "version": "0.9.0", "entry": "accepted.yaml:3"})
    );
    assert_eq!(json["summary"]["accepted"], 1);
    assert_eq!(json["summary"]["unacknowledged_breaking"], 1);

    // Accepting the endpoint removal too (by its new-side pointer, without
    // an operation) leaves nothing that fails.
    let both = format!(
        "{yaml}  - rule: endpoint-removed\n    pointer: {DELETE}\n    reason: Replaced by POST /pets/{{petId}}/archive.\n"
    );
    let mut report = removed_tag();
    report.accept(&parse_accepted(ACCEPTED, &both).unwrap());
    assert!(!report.fails(FailOn::Any));
    assert!(render(&report, Format::Markdown).contains("**wire: breaking (acknowledged)"));
}

#[test]
fn an_entry_that_matches_nothing_is_stale() {
    let text = format!(
        "accepted:\n  - rule: response-property-removed\n    operation: POST /pets\n    pointer: {TAG}\n    reason: r\n  - rule: request-property-removed\n    pointer: {TAG}\n    reason: wrong rule\n  - rule: response-property-removed\n    operation: GET /pets\n    pointer: /components/schemas/Pet/properties/name\n    reason: wrong pointer\n"
    );
    let mut report = removed_tag();
    report.accept(&parse_accepted(ACCEPTED, &text).unwrap());
    // `POST /pets` returns a Pet too, so the first entry matches.
    let lines: Vec<usize> = report.stale.iter().map(|s| s.line).collect();
    assert_eq!(lines, [6, 9]);
    assert_eq!(
        report.stale[1].to_error().to_string(),
        "accepted.yaml:9: stale entry: `response-property-removed` for `GET /pets` at `/components/schemas/Pet/properties/name` matches no change; remove it"
    );
    let markdown = render(&report, Format::Markdown);
    assert!(
        markdown.contains("### Stale acknowledgements (2)"),
        "{markdown}"
    );
    let text = render(&report, Format::Text);
    assert!(
        text.contains("warning: accepted.yaml:6: stale entry: request-property-removed at /components/schemas/Pet/properties/tag matches no change; remove it"),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&render(&report, Format::Json)).unwrap();
    assert_eq!(json["stale"][0]["line"], 6);
}

#[test]
fn bad_entries_name_the_file_and_line() {
    let error = |text: &str| parse_accepted(ACCEPTED, text).unwrap_err().to_string();
    let entry = |extra: &str| {
        format!("accepted:\n  - rule: server-removed\n    pointer: /servers/0\n{extra}")
    };
    assert_eq!(
        error(&entry("")),
        "accepted.yaml:2: the entry has no `reason` (required)"
    );
    assert_eq!(
        error(&entry("    reason: ''\n")),
        "accepted.yaml:2: the entry has no `reason` (required)"
    );
    assert_eq!(
        error(&entry("    reason: r\n    reasons: s\n")),
        "accepted.yaml:5: unknown key `reasons`; did you mean `reason`? (the keys: rule, operation, pointer, reason, version)"
    );
    assert_eq!(
        error("accepted:\n  - rule: servr-removed\n    pointer: /servers/0\n    reason: r\n"),
        "accepted.yaml:2: unknown diff rule `servr-removed`; did you mean `server-removed`? (the rules: chekt-gen/src/diff/rules.rs)"
    );
    assert_eq!(
        error("accepted:\n  - rule: server-removed\n    pointer: '#/servers/0'\n    reason: r\n"),
        "accepted.yaml:3: `#/servers/0` is not a JSON pointer: it must start with `/` (drop the leading `#`) (RFC 6901)"
    );
    assert_eq!(
        error("accepted:\n  - rule: server-removed\n    pointer: /paths/~2a\n    reason: r\n"),
        "accepted.yaml:3: `/paths/~2a` is not a JSON pointer: `~` must be `~0` or `~1` (RFC 6901)"
    );
    assert_eq!(
        error(&entry("    reason: r\n    operation: get /pets\n")),
        "accepted.yaml:5: `get /pets` is not an operation; expected `METHOD /path` as the report names it, e.g. `GET /sites`"
    );
    assert_eq!(
        error(&entry("    reason: r\n    version: next\n")),
        "accepted.yaml:5: `next` is not a version; expected MAJOR.MINOR.PATCH, e.g. 0.9.0"
    );
    assert_eq!(
        error(&entry("    reason: [a, b]\n")),
        "accepted.yaml:4: `reason` must be a non-empty string"
    );
    assert_eq!(
        error(&format!(
            "{}{}",
            entry("    reason: r\n"),
            "  - rule: server-removed\n    pointer: /servers/0\n    reason: again\n"
        )),
        "accepted.yaml:5: the same change as the entry on line 2"
    );
    assert_eq!(
        error("changes: []\n"),
        "accepted.yaml:1: unknown key `changes`; expected `accepted`"
    );
    assert_eq!(
        error("- rule: server-removed\n"),
        "accepted.yaml:1: expected a mapping with the key `accepted`"
    );
    assert_eq!(
        error("accepted:\n  rule: server-removed\n"),
        "accepted.yaml:2: `accepted` must be a list of entries"
    );
    assert_eq!(
        error("accepted:\n  - just text\n"),
        "accepted.yaml:2: an entry must be a mapping of rule, operation, pointer, reason, version"
    );
    assert!(
        error("accepted:\n  - rule: [\n").starts_with("accepted.yaml:"),
        "YAML errors are located too"
    );
    // Empty files and empty lists are fine.
    for empty in ["", "# nothing yet\n", "accepted:\n", "accepted: []\n"] {
        assert!(
            parse_accepted(ACCEPTED, empty).unwrap().is_empty(),
            "{empty:?}"
        );
    }
}

#[test]
fn a_side_that_does_not_lint_is_said_and_no_move_is_made_up() {
    let base = load(BASE);
    let get_pet = "/paths/~1pets~1{petId}";
    // The old side declares `id` where the template says `{petId}`.
    let broken = edited(
        &base,
        &[set(format!("{get_pet}/parameters/0/name"), json!("id"))],
    );
    let report = diff(&broken, &base).unwrap();
    assert!(
        report.changes.is_empty(),
        "nothing judged from the spec error: {:?}",
        pairs(&report)
    );
    let rules: Vec<(&str, &str)> = report
        .invalid
        .iter()
        .map(|i| (i.side, i.finding.rule))
        .collect();
    assert!(
        rules.contains(&("old", "path-parameter-undeclared")),
        "{rules:?}"
    );
    assert!(
        rules.contains(&("old", "path-parameter-not-in-template")),
        "{rules:?}"
    );
    assert!(rules.iter().all(|(side, _)| *side == "old"), "{rules:?}");
    let markdown = render(&report, Format::Markdown);
    let warning = markdown.find("> [!WARNING]").expect(&markdown);
    assert!(
        warning < markdown.find("No changes to the API contract").unwrap(),
        "said up front: {markdown}"
    );
    assert!(
        markdown
            .contains("> - old side: [path-parameter-undeclared] `/paths/~1pets~1{petId}/get`:"),
        "{markdown}"
    );
    let text = render(&report, Format::Text);
    assert!(text.contains("warning: A side does not lint"), "{text}");

    // What can be judged still is: a query parameter made required, and
    // the same spec error on the new side.
    let edits = [
        set(format!("{get_pet}/parameters/0/name"), json!("id")),
        set(at(LIST, "/parameters/0/required"), json!(true)),
    ];
    let report = diff(&base, &edited(&base, &edits)).unwrap();
    assert_eq!(
        pairs(&report),
        [(Breaking, "request-parameter-became-required")]
    );
    assert!(report.invalid.iter().all(|i| i.side == "new"));

    // Swapped names in a valid template are still a move.
    let two = "/paths/~1pets~1{petId}~1toys~1{toyId}";
    let with_toys = edited(
        &base,
        &[set(
            two,
            json!({"get": {"operationId": "get_toy", "parameters": [
                {"name": "petId", "in": "path", "required": true, "schema": {"type": "string"}},
                {"name": "toyId", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"204": {"description": "ok"}}}}),
        )],
    );
    let swapped = edited(
        &with_toys,
        &[Edit::Rename(two.to_string(), "/pets/{toyId}/toys/{petId}")],
    );
    let report = diff(&with_toys, &swapped).unwrap();
    assert!(report.invalid.is_empty());
    assert_eq!(
        pairs(&report),
        [
            (Breaking, "path-parameter-moved"),
            (Breaking, "path-parameter-moved")
        ]
    );
}

#[test]
fn the_checked_in_acknowledgement_file_parses() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/accepted-changes.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    parse_accepted("spec/accepted-changes.yaml", &text).unwrap();
}
