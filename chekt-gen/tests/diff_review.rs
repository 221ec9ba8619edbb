//! Review of issue 26: other instances of its kinds than `diff_kinds.rs`
//! and `diff_policy.rs` try — composition nested in array items and in
//! an `anyOf` body, a response `oneOf` gaining a branch, discriminators
//! over a whole response body, a `readOnly` request property tightened,
//! acknowledgements with escaped pointers or blank reasons, and sunsets
//! on the boundary day or on no real day.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod diff_support;

use chekt_gen::diff::deprecation::NaiveDate;
use chekt_gen::diff::render::{Format, render};
use chekt_gen::diff::{Deprecation, DiffOptions, FailOn, diff, diff_with, parse_accepted};
use chekt_gen::lint::lint;
use serde_json::{Value, json};

use chekt_gen::diff::Class::{self, Additive, Breaking, NonFunctional};
use diff_support::*;

/// The pairs of `setup` → `setup + edits`, or a failure naming the case.
fn judge(name: &str, setup: &[Edit], edits: &[Edit], expected: &[(Class, &str)]) {
    let old = edited(&load(BASE), setup);
    let new = edited(&old, edits);
    let report = diff(&old, &new).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut want = expected.to_vec();
    want.sort();
    assert_eq!(
        pairs(&report),
        want,
        "{name}\n{}",
        render(&report, Format::Text)
    );
}

fn schema(rest: &str) -> String {
    format!("{SCHEMAS}{rest}")
}

const BODY: &str = "/paths/~1pets/post/requestBody/content/application~1json/schema";
const CREATED: &str = "/paths/~1pets/post/responses/201/content/application~1json/schema";

fn refs(names: &[&str]) -> Value {
    names
        .iter()
        .map(|n| json!({"$ref": format!("#/components/schemas/{n}")}))
        .collect()
}

/// Closed `Cat`, `Dog` and `Bird` schemas, each requiring `kind` with its
/// own lower-case value, and a closed `Legacy` no other payload matches.
fn animals() -> Vec<Edit> {
    let animal = |kind: &str| {
        json!({"type": "object", "required": ["name", "kind"], "additionalProperties": false,
               "properties": {"name": {"type": "string"}, "kind": {"type": "string", "enum": [kind]}}})
    };
    vec![
        set(schema("/Cat"), animal("cat")),
        set(schema("/Dog"), animal("dog")),
        set(schema("/Bird"), animal("bird")),
        set(
            schema("/Legacy"),
            json!({"type": "object", "required": ["legacy_id"], "additionalProperties": false,
                   "properties": {"legacy_id": {"type": "integer"}}}),
        ),
    ]
}

#[test]
fn a_one_of_branch_removed_from_a_request_property_in_array_items_is_breaking() {
    let items = schema("/NewPet/properties/ids/items");
    judge(
        "oneOf branch removed in array items of a request property",
        &[set(
            schema("/NewPet/properties/ids"),
            json!({"type": "array", "items": {"oneOf": [
                {"type": "string"}, {"type": "integer"}, {"type": "boolean"}]}}),
        )],
        &[remove(format!("{items}/oneOf/2"))],
        &[(Breaking, "request-variant-removed")],
    );
    // The same array in a response only: readers get fewer shapes.
    judge(
        "oneOf branch removed in array items of a response property",
        &[set(
            schema("/Pet/properties/ids"),
            json!({"type": "array", "items": {"oneOf": [
                {"type": "string"}, {"type": "integer"}, {"type": "boolean"}]}}),
        )],
        &[remove(schema("/Pet/properties/ids/items/oneOf/2"))],
        &[(NonFunctional, "response-variant-removed")],
    );
}

#[test]
fn an_any_of_request_body_losing_a_branch_is_breaking() {
    judge(
        "anyOf request body loses its Legacy branch",
        &[
            animals(),
            vec![set(BODY, json!({"anyOf": refs(&["NewPet", "Legacy"])}))],
        ]
        .concat(),
        &[remove(format!("{BODY}/anyOf/1"))],
        &[(Breaking, "request-variant-removed")],
    );
}

#[test]
fn a_response_one_of_gaining_a_branch_is_wire_breaking_and_crate_minor() {
    use chekt_gen::diff::Bump;
    use chekt_gen::generate::GenerateOptions;
    let old = edited(
        &load(BASE),
        &[
            animals(),
            vec![set(CREATED, json!({"oneOf": refs(&["Cat", "Dog"])}))],
        ]
        .concat(),
    );
    let new = edited(
        &old,
        &[set(
            format!("{CREATED}/oneOf/-"),
            refs(&["Bird"])[0].clone(),
        )],
    );
    let options = DiffOptions {
        crate_axis: Some(GenerateOptions::default()),
        ..DiffOptions::default()
    };
    let report = diff_with(&old, &new, &options).unwrap();
    assert_eq!(
        pairs(&report),
        [(Breaking, "response-variant-added")],
        "{}",
        render(&report, Format::Text)
    );
    // The wire says readers may get a shape they cannot decode; the
    // crate axis says the generated `oneOf` enum is `#[non_exhaustive]`
    // (generate/model_types.rs), so users' matches already have a
    // wildcard arm and the new variant is minor.
    let text = render(&report, Format::Text);
    assert_eq!(report.crate_bump(), Some(Bump::Minor), "{text}");
    assert!(
        text.contains("types::CreatePetResponse::Bird added"),
        "{text}"
    );
    assert!(report.fails(FailOn::Wire));
}

fn animal_discriminator(mapping: Value) -> Value {
    json!({"propertyName": "kind", "mapping": mapping})
}

#[test]
fn a_discriminator_over_a_whole_response_body_is_judged_by_its_payloads() {
    let body = || {
        [
            animals(),
            vec![set(CREATED, json!({"oneOf": refs(&["Cat", "Dog"])}))],
        ]
        .concat()
    };
    let to = |name: &str| format!("#/components/schemas/{name}");
    judge(
        "response body discriminator added whose mapping names the values payloads carry",
        &body(),
        &[set(
            format!("{CREATED}/discriminator"),
            animal_discriminator(json!({"cat": to("Cat"), "dog": to("Dog")})),
        )],
        &[(NonFunctional, "response-discriminator-added")],
    );
    judge(
        "response body discriminator mapping swapped: `cat` now selects Dog",
        &[
            body(),
            vec![set(
                format!("{CREATED}/discriminator"),
                animal_discriminator(json!({"cat": to("Cat"), "dog": to("Dog")})),
            )],
        ]
        .concat(),
        &[set(
            format!("{CREATED}/discriminator/mapping"),
            json!({"cat": to("Dog"), "dog": to("Cat")}),
        )],
        &[
            (Breaking, "response-discriminator-mapping-changed"),
            (Breaking, "response-discriminator-mapping-changed"),
        ],
    );
    judge(
        "request body discriminator mapping: `cat` now selects Dog",
        &[
            animals(),
            vec![set(
                BODY,
                json!({"oneOf": refs(&["Cat", "Dog"]),
                       "discriminator": animal_discriminator(json!({"cat": to("Cat"), "dog": "Dog"}))}),
            )],
        ]
        .concat(),
        &[set(format!("{BODY}/discriminator/mapping/cat"), json!("Dog"))],
        &[(Breaking, "request-discriminator-mapping-changed")],
    );
}

#[test]
fn a_read_only_request_property_whose_max_length_shrinks_is_not_breaking() {
    // `NewPet` is only a request body: a readOnly property is never sent.
    let code = schema("/NewPet/properties/code");
    judge(
        "readOnly request property: maxLength 64 -> 8",
        &[set(
            &*code,
            json!({"type": "string", "maxLength": 64, "readOnly": true}),
        )],
        &[set(format!("{code}/maxLength"), json!(8))],
        &[],
    );
    // Control: the same change without readOnly is what senders feel.
    judge(
        "request property: maxLength 64 -> 8",
        &[set(&*code, json!({"type": "string", "maxLength": 64}))],
        &[set(format!("{code}/maxLength"), json!(8))],
        &[(Breaking, "request-constraint-tightened")],
    );
}

const ACCEPTED: &str = "accepted.yaml";

#[test]
fn an_acknowledgement_pointer_with_escapes_matches_only_the_escaped_path() {
    let base = load(BASE);
    let report = || diff(&base, &edited(&base, &[remove(GET)])).unwrap();
    assert_eq!(pairs(&report()), [(Breaking, "endpoint-removed")]);

    let entry = |pointer: &str| {
        format!(
            "accepted:\n  - rule: endpoint-removed\n    operation: GET /pets/{{petId}}\n    pointer: {pointer}\n    reason: Replaced by a search.\n"
        )
    };
    let mut accepted = report();
    accepted.accept(&parse_accepted(ACCEPTED, &entry(GET)).unwrap());
    assert!(accepted.stale.is_empty());
    assert_eq!(
        accepted.changes[0].accepted.as_ref().unwrap().entry,
        "accepted.yaml:2"
    );
    assert!(!accepted.fails(FailOn::Any));

    // `/paths/~1pets/{petId}/get` is a valid pointer to another place
    // (`paths` → `/pets` → `{petId}`): it must not match.
    let mut unescaped = report();
    unescaped.accept(&parse_accepted(ACCEPTED, &entry("/paths/~1pets/{petId}/get")).unwrap());
    assert_eq!(unescaped.stale.len(), 1);
    assert_eq!(unescaped.stale[0].line, 2);
    assert!(unescaped.changes[0].accepted.is_none());
    assert!(unescaped.fails(FailOn::Wire));
}

#[test]
fn a_blank_reason_or_an_unknown_key_is_an_error_naming_the_line() {
    let error = |text: &str| parse_accepted(ACCEPTED, text).unwrap_err().to_string();
    let head = "# acknowledged\naccepted:\n  - rule: server-removed\n    pointer: /servers/0\n    reason: ok\n  - rule: endpoint-removed\n    pointer: /paths/~1pets~1{petId}/get\n";
    for blank in ["'   '", "\"\\t \"", "|\n      \n"] {
        assert_eq!(
            error(&format!("{head}    reason: {blank}\n")),
            "accepted.yaml:6: the entry has no `reason` (required)",
            "{blank:?}"
        );
    }
    assert_eq!(
        error(&format!("{head}    reason: r\n    acknowledged-by: me\n")),
        "accepted.yaml:9: unknown key `acknowledged-by` (the keys: rule, operation, pointer, reason, version)"
    );
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// `Pet.tag` deprecated with `sunset`, removed, judged on `today`.
fn tag_removed(sunset: &str, today: &str) -> chekt_gen::diff::Report {
    let tag = schema("/Pet/properties/tag");
    let old = edited(
        &load(BASE),
        &[
            set(format!("{tag}/deprecated"), json!(true)),
            set(format!("{tag}/x-chekt-sunset"), json!(sunset)),
        ],
    );
    let new = edited(&old, &[remove(&*tag)]);
    let options = DiffOptions {
        deprecation: Deprecation {
            notice_days: 0,
            today: Some(day(today)),
        },
        ..DiffOptions::default()
    };
    diff_with(&old, &new, &options).unwrap()
}

#[test]
fn a_property_removed_on_its_sunset_day_is_a_scheduled_removal() {
    // deprecation.rs: "Removing it on or after that day is a scheduled
    // removal": the sunset day itself counts.
    let report = tag_removed("2026-12-06", "2026-12-06");
    assert_eq!(pairs(&report), [(Breaking, "removed-after-sunset")]);
    assert!(
        render(&report, Format::Text).contains("sunset 2026-12-06: scheduled"),
        "{}",
        render(&report, Format::Text)
    );
    let report = tag_removed("2026-12-07", "2026-12-06");
    assert_eq!(pairs(&report), [(Breaking, "removed-before-sunset")]);
}

#[test]
fn a_sunset_on_no_real_day_is_a_lint_error_and_no_schedule() {
    let tag = schema("/Pet/properties/tag");
    let spec = edited(
        &load(BASE),
        &[
            set(format!("{tag}/deprecated"), json!(true)),
            set(format!("{tag}/x-chekt-sunset"), json!("2026-02-30")),
        ],
    );
    let report = lint(&spec);
    let hits: Vec<_> = report
        .errors()
        .filter(|f| f.rule == "sunset-invalid")
        .collect();
    assert_eq!(hits.len(), 1, "{:?}", report.findings);
    assert_eq!(hits[0].pointer, format!("{tag}/x-chekt-sunset"));
    assert!(
        hits[0].message.contains("2026-02-30"),
        "{}",
        hits[0].message
    );

    // Removing it is not judged against an invented day, and the old
    // side is said not to lint.
    let report = tag_removed("2026-02-30", "2027-01-01");
    assert_eq!(pairs(&report), [(Breaking, "removed-without-sunset")]);
    assert!(
        report
            .invalid
            .iter()
            .any(|i| i.side == "old" && i.finding.rule == "sunset-invalid"),
        "{:?}",
        report
            .invalid
            .iter()
            .map(|i| i.finding.rule)
            .collect::<Vec<_>>()
    );
}

#[test]
fn an_alternative_covered_by_a_remaining_one_is_no_breaking_change() {
    let contact = schema("/NewPet/properties/contact");
    judge(
        "request anyOf loses a branch a looser remaining one accepts",
        &[set(
            &*contact,
            json!({"anyOf": [{"type": "string"}, {"type": "string", "maxLength": 5}]}),
        )],
        &[remove(format!("{contact}/anyOf/1"))],
        &[(Additive, "request-constraint-loosened")],
    );
    judge(
        "request anyOf loses a branch no remaining one accepts",
        &[set(
            &*contact,
            json!({"anyOf": [{"type": "string", "maxLength": 5}, {"type": "string"}]}),
        )],
        &[remove(format!("{contact}/anyOf/1"))],
        &[(Breaking, "request-variant-removed")],
    );
    let owner = schema("/Pet/properties/owner");
    judge(
        "response oneOf gains a narrower copy of an existing branch",
        &[set(
            &*owner,
            json!({"oneOf": [{"type": "string"}, {"type": "integer"}]}),
        )],
        &[set(
            format!("{owner}/oneOf/-"),
            json!({"type": "string", "maxLength": 5}),
        )],
        &[(NonFunctional, "response-constraint-tightened")],
    );
}
