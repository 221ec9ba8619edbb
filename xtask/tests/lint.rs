//! `cargo xtask lint`: the traceability rule fails a spec with an unmarked
//! property, and `--sources` prints what each operation rests on.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::{root, text, xtask_with_env as xtask};

#[test]
fn an_unmarked_property_fails_the_lint() {
    let fixture = root().join("chekt-gen/tests/specs/traceability/unmarked_property.yaml");
    let out = xtask(&["lint", "--spec", fixture.to_str().unwrap()], &[]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("error[statement-untraced]: property `b` names no `x-chekt-source`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("(at #/components/schemas/Widget/properties/b)"),
        "{stdout}"
    );
}

#[test]
fn sources_lists_documented_and_inferred_parts_per_operation() {
    let out = xtask(&["lint", "--sources"], &[]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    let block = |op: &str| -> String {
        let start = stdout
            .find(&format!("({op})\n"))
            .unwrap_or_else(|| panic!("no {op}:\n{stdout}"));
        stdout[start..].split("\n\n").next().unwrap().to_string()
    };
    let create_site = block("create_site");
    assert!(
        create_site
            .contains("documented: 003_db708374a39d86ef.txt § Endpoints by resource family: Sites"),
        "{create_site}"
    );
    assert!(
        create_site.contains(
            "inferred:   scopes, response 409, `CreateSiteRequestDto.monitoring_station_id`"
        ),
        "{create_site}"
    );
    let get_site = block("get_site");
    assert!(get_site.contains("documented: (no source)"), "{get_site}");
    assert!(get_site.contains("inferred:   the operation"), "{get_site}");
    let arming = block("update_arming_settings");
    assert!(
        !arming.contains("scopes"),
        "seed 002 states these scopes: {arming}"
    );
    assert!(
        block("on_alarm_created")
            .contains("002_6122952e131c17fc.txt § 4 Subscribe to webhook events")
    );
    assert!(
        stdout.trim_end().ends_with("with inferred parts"),
        "{stdout}"
    );
}
