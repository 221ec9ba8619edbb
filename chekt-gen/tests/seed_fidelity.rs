//! The spec says only what the seeds say (issue 17, items 1–9 and "inferred
//! means tolerant"): one test per item, on `spec/chekt.yaml` itself.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chekt_gen::Spec;
use chekt_gen::contract::recording::Recordings;
use chekt_gen::contract::{self, Decoder, Options};
use serde_json::{Value, json};

fn spec() -> Spec {
    Spec::from_file(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/chekt.yaml")).unwrap()
}

fn at<'a>(spec: &'a Spec, pointer: &str) -> &'a Value {
    spec.value()
        .pointer(pointer)
        .unwrap_or_else(|| panic!("nothing at {pointer}"))
}

fn schema<'a>(spec: &'a Spec, name: &str) -> &'a Value {
    at(spec, &format!("/components/schemas/{name}"))
}

fn op<'a>(spec: &'a Spec, id: &str) -> &'a Value {
    let op = spec.operation(id).unwrap();
    at(spec, &op.pointer())
}

fn inferred(value: &Value) -> bool {
    value["x-chekt-inferred"] == true
}

#[test]
fn item_1_token_response_requires_only_what_rfc_6749_requires() {
    let spec = spec();
    let token = schema(&spec, "TokenResponse");
    assert_eq!(token["required"], json!(["access_token", "token_type"]));
    assert!(inferred(&token["properties"]["expires_in"]));
    assert!(
        token["x-chekt-source"]
            .to_string()
            .contains("RFC 6749 § 5.1")
    );
}

#[test]
fn item_2_refresh_tokens_slide_and_never_rotate() {
    let spec = spec();
    let text = spec.source().to_lowercase();
    for claim in [
        "rotate on use",
        "refresh tokens rotate:",
        "replaces the previous one",
    ] {
        assert!(!text.contains(claim), "the spec still claims `{claim}`");
    }
    let user = at(&spec, "/components/securitySchemes/userOAuth/description");
    assert!(user.as_str().unwrap().contains("sliding\nwindow"), "{user}");
    assert!(
        schema(&spec, "TokenResponse")["properties"]["refresh_token"]["description"]
            .as_str()
            .unwrap()
            .contains("keep using the\ncurrent refresh token")
    );
}

#[test]
fn item_3_the_token_endpoint_answers_rfc_6749_errors() {
    let spec = spec();
    let error = schema(&spec, "OAuthError");
    assert!(inferred(error));
    assert_eq!(error["required"], json!(["error"]));
    for field in ["error_description", "error_uri"] {
        assert!(error["properties"].get(field).is_some(), "{field}");
    }
    let token = spec.operation("create_token").unwrap();
    for (status, _) in op(&spec, "create_token")["responses"].as_object().unwrap() {
        if status.starts_with('2') {
            continue;
        }
        let response = spec
            .resolve(&format!("{}/responses/{status}", token.pointer()))
            .unwrap();
        assert_eq!(
            response["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/OAuthError",
            "{status}"
        );
    }
}

#[test]
fn item_4_the_activation_body_is_marked_inferred() {
    let spec = spec();
    assert!(inferred(schema(
        &spec,
        "UpdateSiteActivationStatusRequestDto"
    )));
    let description = op(&spec, "update_site_activation_status")["description"]
        .as_str()
        .unwrap();
    assert!(description.contains("is inferred"), "{description}");
}

#[test]
fn item_5_connect_and_disconnect_guesses_are_marked() {
    let spec = spec();
    assert!(inferred(
        &schema(&spec, "ConnectDealerRequestDto")["properties"]["company_name"]
    ));
    assert!(inferred(at(&spec, "/components/parameters/VerificationId")));
    let disconnect = op(&spec, "disconnect_dealer");
    assert!(inferred(disconnect));
    assert_eq!(
        disconnect["security"][0],
        json!({"userOAuth": ["dealers:connect"]})
    );
}

#[test]
fn item_6_scopes_come_from_seed_002() {
    let spec = spec();
    assert!(
        !spec.source().contains("arming:"),
        "arming:* scopes are not the seed's"
    );
    for id in ["get_arming_settings", "update_arming_settings"] {
        let security = op(&spec, id)["security"].to_string();
        assert!(security.contains("sites:"), "{id}: {security}");
        assert!(
            op(&spec, id).get("x-chekt-inferred-security").is_none(),
            "{id}"
        );
    }
    let verify = op(&spec, "respond_to_alarm_verification");
    assert!(verify["security"].to_string().contains("events:write"));
    // Every other Partner scope assignment is marked inferred.
    for op in spec.operations() {
        let json = at(&spec, &op.pointer());
        if op.path.starts_with("/partner/") && !op.path.ends_with("/arming-settings") {
            assert_eq!(json["x-chekt-inferred-security"], true, "{}", op.label());
        }
    }
}

#[test]
fn item_7_the_seeds_fields_example_validates_for_any_tool() {
    let spec = spec();
    for id in [
        "list_sites",
        "list_devices",
        "list_monitoring_stations",
        "list_contacts",
    ] {
        let items =
            &op(&spec, id)["responses"]["200"]["content"]["application/json"]["schema"]["items"];
        assert_eq!(
            items["anyOf"][1]["$ref"], "#/components/schemas/PartialRow",
            "{id}"
        );
    }
    // Seed 003's example list call with `fields`, as a recording.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("list_sites")).unwrap();
    let exchange = json!({
        "request": {"method": "GET", "path": "/partner/v1/dealers/42/sites",
                    "query": {"fields": "site_id,name,timezone", "limit": "50", "offset": "0"}},
        "response": {"status": 200, "headers": {"content-type": "application/json"},
                     "body": [{"site_id": 1, "name": "Gangnam Headquarters", "timezone": "Asia/Seoul"}]}
    });
    std::fs::write(
        dir.path().join("list_sites/200-fields.json"),
        exchange.to_string(),
    )
    .unwrap();
    let recordings = Recordings::load(dir.path()).unwrap();
    let report = contract::check(
        &spec,
        &recordings,
        &[],
        &Options { strict: true },
        &Decoder::none(),
    )
    .unwrap();
    let about_it: Vec<_> = report
        .failures
        .iter()
        .filter(|f| f.recording == "list_sites/200-fields.json")
        .collect();
    assert!(about_it.is_empty(), "{about_it:#?}");
}

/// Calls `visit` on every object of `value`.
fn walk(value: &Value, visit: &mut impl FnMut(&Value)) {
    match value {
        Value::Object(map) => {
            visit(value);
            map.values().for_each(|v| walk(v, visit));
        }
        Value::Array(items) => items.iter().for_each(|v| walk(v, visit)),
        _ => {}
    }
}

#[test]
fn item_8_nullable_references_use_a_standard_form() {
    let spec = spec();
    let mut forms = 0;
    walk(spec.value(), &mut |schema| {
        let nullable = schema["nullable"] == true;
        assert!(
            !(nullable && schema.get("type").is_none()),
            "`nullable` without `type` is not nullable in OpenAPI 3.0.3: {schema}"
        );
        if schema["enum"] == json!([null]) {
            forms += 1;
        }
    });
    assert_eq!(forms, 4, "the four nullable references");
}

#[test]
fn item_9_smaller_readings_are_marked_or_fixed() {
    let spec = spec();
    assert!(inferred(at(
        &spec,
        "/components/parameters/WebhookTimestamp"
    )));
    assert!(inferred(
        &schema(&spec, "UpdateAlarmVerificationRequestDto")["properties"]["contact_id"]
    ));
    let token = op(&spec, "create_token")["description"].as_str().unwrap();
    assert!(!token.contains("at most five minutes"), "{token}");
    assert!(
        token.contains("like the other access tokens, is inferred"),
        "{token}"
    );
    for param in ["Limit", "PageLimit"] {
        let description = at(
            &spec,
            &format!("/components/parameters/{param}/description"),
        );
        assert!(
            description.as_str().unwrap().contains("at least 1"),
            "{param}"
        );
    }
    let connect_401 = spec
        .resolve(&format!(
            "{}/responses/401",
            spec.operation("connect_dealer").unwrap().pointer()
        ))
        .unwrap();
    assert_eq!(
        connect_401["content"]["application/json"]["example"]["message"],
        "Invalid or missing access token"
    );
    for (name, response) in at(&spec, "/components/responses").as_object().unwrap() {
        for header in [
            "X-RateLimit-Limit",
            "X-RateLimit-Remaining",
            "X-RateLimit-Reset",
        ] {
            assert!(
                response["headers"].get(header).is_some(),
                "{name}: {header}"
            );
        }
    }
}

#[test]
fn inferred_response_and_webhook_schemas_require_nothing_the_seeds_do_not_show() {
    let spec = spec();
    let events = [
        "AlarmCreatedEvent",
        "AlarmResolvedEvent",
        "AlarmDispatchedEvent",
        "SnapshotCreatedEvent",
    ];
    for name in events {
        assert_eq!(schema(&spec, name)["required"], json!(["type"]), "{name}");
    }
    for name in [
        "ResponseDealerDto",
        "ResponseDeviceDto",
        "BulkDeviceCreationResponseDto",
        "BulkDeviceItemResultDto",
        "BulkItemError",
        "ResponseAlarmVerificationDto",
        "ResponseMonitoringStationDto",
        "ResponseContactDto",
        "ResponseArmingSettingsDto",
        "PublicSite",
        "Alarm",
        "Snapshot",
    ] {
        let schema = schema(&spec, name);
        assert!(inferred(schema), "{name}");
        assert!(
            schema.get("required").is_none(),
            "{name} requires {}",
            schema["required"]
        );
    }
}

/// The component schemas a value refers to, transitively, by name.
fn reachable<'a>(spec: &'a Spec, value: &'a Value, out: &mut std::collections::BTreeSet<&'a str>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
                && out.insert(name)
            {
                reachable(spec, schema(spec, name), out);
            }
            map.values().for_each(|v| reachable(spec, v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| reachable(spec, v, out)),
        _ => {}
    }
}

/// The kind, not a list of instances: every inferred schema that a success
/// response or a webhook payload reaches, and every inferred property of
/// such a schema, is optional, unless it is the envelope's `type` a webhook
/// handler dispatches on (seed 002: `event.type`). A property whose mark
/// says only that it may be `null` (seed shows it) stays required.
#[test]
fn no_inferred_field_reached_by_a_response_or_webhook_is_required() {
    let spec = spec();
    let doc = spec.value();
    let mut names = std::collections::BTreeSet::new();
    for root in ["paths", "x-webhooks"] {
        for item in doc[root].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                for (status, response) in op["responses"].as_object().into_iter().flatten() {
                    if status.starts_with('2') {
                        reachable(&spec, response, &mut names);
                    }
                }
                if root == "x-webhooks" {
                    reachable(&spec, &op["requestBody"], &mut names);
                }
            }
        }
    }
    assert!(
        names.contains("PublicSiteList") && names.contains("Alarm"),
        "{names:?}"
    );
    let mut bad = Vec::new();
    for name in names {
        let s = schema(&spec, name);
        let required: Vec<&str> = s["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for field in required {
            let property = &s["properties"][field];
            let only_null_inferred = property["nullable"] == true
                && property["description"]
                    .as_str()
                    .is_some_and(|d| d.contains("may be `null` is inferred"));
            let guessed = (inferred(s) && field != "type") || inferred(property);
            if guessed && !only_null_inferred {
                bad.push(format!("{name}.{field}"));
            }
        }
    }
    assert_eq!(bad, Vec::<String>::new());
}

/// Every `x-chekt-source` (string or list item) in `value`, with its pointer.
fn cited<'a>(value: &'a Value, at: String, out: &mut Vec<(String, &'a str)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let here = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                if key == "x-chekt-source" {
                    match child {
                        Value::String(s) => out.push((here, s)),
                        Value::Array(items) => out.extend(
                            items
                                .iter()
                                .filter_map(Value::as_str)
                                .map(|s| (here.clone(), s)),
                        ),
                        _ => {}
                    }
                } else {
                    cited(child, here, out);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                cited(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// A cited seed section exists: the file is one of `../shared/seeds`, and
/// each part of the section (`Endpoints by resource family: Sites` is the
/// heading, then the sub-heading) is a line of it. The lint checks only the
/// form of a citation; this checks that it points somewhere.
#[test]
fn every_cited_seed_section_exists() {
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/seeds");
    if !seeds.is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "no seeds at {}",
            seeds.display()
        );
        eprintln!("skipped: no seeds at {}", seeds.display());
        return;
    }
    let spec = spec();
    let mut citations = Vec::new();
    cited(spec.value(), String::new(), &mut citations);
    assert!(citations.len() > 50, "{}", citations.len());
    let mut bad = Vec::new();
    for (at, citation) in citations {
        let (document, section) = citation.split_once(" § ").unwrap();
        if document.starts_with("RFC ") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(seeds.join(document)) else {
            bad.push(format!("{at}: no seed {document}"));
            continue;
        };
        let lines: std::collections::BTreeSet<&str> = text.lines().map(str::trim).collect();
        for part in section.split(": ") {
            if !lines.contains(part) {
                bad.push(format!("{at}: {document} has no section `{part}`"));
            }
        }
    }
    assert_eq!(bad, Vec::<String>::new());
}
