//! The CHeKT spec itself: every endpoint the seeds document (and the ones we
//! infer) is present with its method, path, tag and scopes, and every
//! operation carries what the house rules require.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chekt_gen::Spec;
use serde_json::Value;

fn spec() -> Spec {
    Spec::from_file(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/chekt.yaml")).unwrap()
}

/// (operationId, method, path, security alternatives as "scheme:scope scope").
const ENDPOINTS: &[(&str, &str, &str, &[&str])] = &[
    ("create_token", "post", "/oauth/token", &[]),
    (
        "connect_dealer",
        "put",
        "/partner/v1/dealers/connect",
        &["userOAuth:dealers:connect"],
    ),
    (
        "get_dealer",
        "get",
        "/partner/v1/dealers/{dealerId}",
        &["partnerOAuth:dealers:read"],
    ),
    (
        "disconnect_dealer",
        "put",
        "/partner/v1/dealers/{dealerId}/disconnect",
        &["userOAuth:dealers:connect", "partnerOAuth:dealers:write"],
    ),
    (
        "create_site",
        "post",
        "/partner/v1/dealers/{dealerId}/sites",
        &["partnerOAuth:sites:write"],
    ),
    (
        "list_sites",
        "get",
        "/partner/v1/dealers/{dealerId}/sites",
        &["partnerOAuth:sites:read"],
    ),
    (
        "get_site",
        "get",
        "/partner/v1/dealers/{dealerId}/sites/{siteId}",
        &["partnerOAuth:sites:read"],
    ),
    (
        "update_site_activation_status",
        "patch",
        "/partner/v1/dealers/{dealerId}/sites/{siteId}/activation-status",
        &["partnerOAuth:sites:write"],
    ),
    (
        "create_devices",
        "post",
        "/partner/v1/dealers/{dealerId}/sites/{siteId}/devices",
        &["partnerOAuth:devices:write"],
    ),
    (
        "update_devices",
        "put",
        "/partner/v1/dealers/{dealerId}/sites/{siteId}/devices",
        &["partnerOAuth:devices:write"],
    ),
    (
        "list_devices",
        "get",
        "/partner/v1/dealers/{dealerId}/sites/{siteId}/devices",
        &["partnerOAuth:devices:read"],
    ),
    (
        "delete_devices",
        "post",
        "/partner/v1/dealers/{dealerId}/sites/{siteId}/devices/bulk-delete",
        &["partnerOAuth:devices:write"],
    ),
    (
        "respond_to_alarm_verification",
        "patch",
        "/partner/v1/dealers/{dealerId}/sites/{siteId}/alarm-verifications/{verificationId}",
        &["partnerOAuth:events:write", "partnerOAuth:alarms:write"],
    ),
    (
        "list_monitoring_stations",
        "get",
        "/partner/v1/dealers/{dealerId}/monitoring-stations",
        &["partnerOAuth:stations:read"],
    ),
    (
        "create_monitoring_station",
        "post",
        "/partner/v1/dealers/{dealerId}/monitoring-stations",
        &["partnerOAuth:stations:write"],
    ),
    (
        "get_monitoring_station",
        "get",
        "/partner/v1/dealers/{dealerId}/monitoring-stations/{monitoringStationId}",
        &["partnerOAuth:stations:read"],
    ),
    (
        "update_monitoring_station",
        "patch",
        "/partner/v1/dealers/{dealerId}/monitoring-stations/{monitoringStationId}",
        &["partnerOAuth:stations:write"],
    ),
    (
        "delete_monitoring_station",
        "delete",
        "/partner/v1/dealers/{dealerId}/monitoring-stations/{monitoringStationId}",
        &["partnerOAuth:stations:write"],
    ),
    (
        "list_contacts",
        "get",
        "/partner/v1/dealers/{dealerId}/sites/{siteId}/contacts",
        &["partnerOAuth:contacts:read"],
    ),
    (
        "create_contact",
        "post",
        "/partner/v1/dealers/{dealerId}/sites/{siteId}/contacts",
        &["partnerOAuth:contacts:write"],
    ),
    (
        "get_contact",
        "get",
        "/partner/v1/dealers/{dealerId}/sites/{siteId}/contacts/{contactId}",
        &["partnerOAuth:contacts:read"],
    ),
    (
        "update_contact",
        "patch",
        "/partner/v1/dealers/{dealerId}/sites/{siteId}/contacts/{contactId}",
        &["partnerOAuth:contacts:write"],
    ),
    (
        "delete_contact",
        "delete",
        "/partner/v1/dealers/{dealerId}/sites/{siteId}/contacts/{contactId}",
        &["partnerOAuth:contacts:write"],
    ),
    (
        "get_arming_settings",
        "get",
        "/partner/v1/dealers/{dealerId}/sites/{siteId}/arming-settings",
        &["partnerOAuth:sites:read"],
    ),
    (
        "update_arming_settings",
        "put",
        "/partner/v1/dealers/{dealerId}/sites/{siteId}/arming-settings",
        &["partnerOAuth:sites:read sites:write"],
    ),
    (
        "list_public_sites",
        "get",
        "/v1/sites",
        &["apiKey:", "userOAuth:sites:read"],
    ),
    (
        "list_public_devices",
        "get",
        "/v1/devices",
        &["apiKey:", "userOAuth:devices:read"],
    ),
];

/// Operations that exist only by inference and must say so.
const INFERRED: &[&str] = &[
    "disconnect_dealer",
    "get_site",
    "list_devices",
    "list_monitoring_stations",
    "create_monitoring_station",
    "get_monitoring_station",
    "update_monitoring_station",
    "delete_monitoring_station",
    "list_contacts",
    "create_contact",
    "get_contact",
    "update_contact",
    "delete_contact",
    "get_arming_settings",
    "update_arming_settings",
    "list_public_sites",
];

fn security(op: &Value) -> Vec<String> {
    op["security"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|alt| alt.as_object().unwrap().iter())
        .map(|(scheme, scopes)| {
            let scopes: Vec<&str> = scopes
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap())
                .collect();
            format!("{scheme}:{}", scopes.join(" "))
        })
        .collect()
}

#[test]
fn every_endpoint_is_present_with_method_path_and_scopes() {
    let spec = spec();
    for (id, method, path, scopes) in ENDPOINTS {
        let op = spec.operation(id).unwrap_or_else(|| panic!("{id} missing"));
        assert_eq!((op.method, op.path), (*method, *path), "{id}");
        let json = spec.value().pointer(&op.pointer()).unwrap();
        assert_eq!(security(json), *scopes, "{id} security");
    }
    assert_eq!(
        spec.operations().count(),
        ENDPOINTS.len(),
        "an operation is not in the table"
    );
}

#[test]
fn every_operation_is_documented_tagged_and_fully_described() {
    let spec = spec();
    for op in spec.operations() {
        let id = op.id().unwrap();
        let json = spec.value().pointer(&op.pointer()).unwrap();
        assert_eq!(
            json["tags"].as_array().map(Vec::len),
            Some(1),
            "{id}: one tag"
        );
        for key in ["summary", "description"] {
            assert!(
                json[key].as_str().is_some_and(|s| !s.is_empty()),
                "{id}: {key}"
            );
        }
        for status in json["responses"].as_object().unwrap().keys() {
            let response = spec
                .resolve(&format!("{}/responses/{status}", op.pointer()))
                .unwrap();
            assert!(
                response
                    .pointer("/content/application~1json/schema")
                    .is_some(),
                "{id} {status}: response without a JSON schema"
            );
        }
        for status in ["400", "401", "429", "4XX", "5XX"] {
            assert!(json["responses"].get(status).is_some(), "{id}: no {status}");
        }
        if op.path.starts_with("/partner/") {
            for status in ["403", "404"] {
                assert!(json["responses"].get(status).is_some(), "{id}: no {status}");
            }
            let params: Vec<&str> = json["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|p| p["$ref"].as_str())
                .collect();
            assert!(
                params.contains(&"#/components/parameters/PartnerTraceId"),
                "{id}: x-partner-trace-id"
            );
        }
        let success = json["responses"]
            .as_object()
            .unwrap()
            .iter()
            .find(|(s, _)| s.starts_with('2'))
            .unwrap()
            .1;
        for header in [
            "X-RateLimit-Limit",
            "X-RateLimit-Remaining",
            "X-RateLimit-Reset",
        ] {
            assert!(success["headers"].get(header).is_some(), "{id}: {header}");
        }
        let inferred = json.get("x-chekt-inferred") == Some(&Value::Bool(true));
        assert_eq!(inferred, INFERRED.contains(&id), "{id}: x-chekt-inferred");
    }
}

#[test]
fn list_operations_take_the_six_list_parameters() {
    let spec = spec();
    for id in [
        "list_sites",
        "list_devices",
        "list_monitoring_stations",
        "list_contacts",
    ] {
        let op = spec.operation(id).unwrap();
        let json = spec.value().pointer(&op.pointer()).unwrap();
        let params: Vec<&str> = json["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["$ref"].as_str())
            .collect();
        for name in ["Fields", "Filter", "Sort", "Dir", "Limit", "Offset"] {
            assert!(
                params.contains(&format!("#/components/parameters/{name}").as_str()),
                "{id}: {name}"
            );
        }
    }
    let filter = spec
        .value()
        .pointer("/components/parameters/Filter")
        .unwrap();
    assert_eq!(
        (filter["style"].as_str(), filter["explode"].as_bool()),
        (Some("form"), Some(true))
    );
}

#[test]
fn field_shapes_follow_the_seed_examples() {
    let spec = spec();
    let site = spec
        .value()
        .pointer("/components/schemas/ResponseSiteBasicDto/properties")
        .unwrap();
    assert_eq!(site["site_id"]["type"], "integer");
    assert_eq!(site["monitoring_station_id"]["type"], "integer");
    assert_eq!(
        site["is_activated"]["$ref"],
        "#/components/schemas/ActivationFlag"
    );
    assert_eq!(
        spec.value()
            .pointer("/components/schemas/ActivationFlag/enum"),
        Some(&serde_json::json!([0, 1]))
    );
    let ts = spec
        .value()
        .pointer("/components/schemas/PartnerTimestamp")
        .unwrap();
    assert_eq!(ts["type"], "string");
    assert!(ts.get("format").is_none(), "created_at is not RFC 3339");
    let responded = spec
        .value()
        .pointer("/components/schemas/UpdateAlarmVerificationRequestDto/properties/responded_at")
        .unwrap();
    assert_eq!(responded["format"], "date-time");
    let device = spec
        .value()
        .pointer("/components/schemas/PublicDevice/properties/id")
        .unwrap();
    assert_eq!(device["type"], "string");
}

#[test]
fn inferred_schemas_are_marked() {
    let spec = spec();
    let schemas = spec
        .value()
        .pointer("/components/schemas")
        .unwrap()
        .as_object()
        .unwrap();
    for name in [
        "ResponseMonitoringStationDto",
        "CreateMonitoringStationRequestDto",
        "UpdateMonitoringStationRequestDto",
        "ResponseContactDto",
        "CreateContactRequestDto",
        "UpdateContactRequestDto",
        "ResponseArmingSettingsDto",
        "UpdateArmingSettingsRequestDto",
        "ArmingMode",
        "ArmingScheduleEntry",
    ] {
        assert_eq!(schemas[name]["x-chekt-inferred"], true, "{name}");
    }
}

#[test]
fn webhooks_and_security_schemes_are_declared() {
    let spec = spec();
    let hooks = spec.value()["x-webhooks"].as_object().unwrap();
    let names: Vec<&str> = hooks.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "alarm.created",
            "alarm.resolved",
            "alarm.dispatched",
            "snapshot.created"
        ]
    );
    let schemes = spec.value().pointer("/components/securitySchemes").unwrap();
    assert!(
        schemes
            .pointer("/partnerOAuth/flows/clientCredentials/tokenUrl")
            .is_some()
    );
    assert!(
        schemes
            .pointer("/userOAuth/flows/authorizationCode/authorizationUrl")
            .is_some()
    );
    assert_eq!(
        schemes.pointer("/apiKey/scheme"),
        Some(&Value::String("bearer".into()))
    );
    let grants = spec
        .value()
        .pointer("/components/schemas/GrantType/enum")
        .unwrap();
    assert_eq!(
        grants,
        &serde_json::json!([
            "client_credentials",
            "refresh_token",
            "authorization_code",
            "urn:ietf:params:oauth:grant-type:jwt-bearer"
        ])
    );
}

/// Every syn pass the chekt-api preset relies on rewrote something in our
/// own spec, `own_send` included: a progenitor upgrade that changes the
/// shapes they rewrite fails here (and `render` refuses with `InertPass`).
#[test]
fn every_pass_of_the_chekt_api_preset_fires_on_our_spec() {
    let rendered =
        chekt_gen::generate::render(&spec(), &chekt_gen::generate::GenerateOptions::chekt_api())
            .unwrap();
    let passes: Vec<(&str, usize)> = rendered
        .passes
        .iter()
        .map(|p| (p.pass, p.rewritten))
        .collect();
    let names: Vec<&str> = passes.iter().map(|p| p.0).collect();
    assert_eq!(
        names,
        [
            "absent_query",
            "lean_headers::append_to_request",
            "rows_as",
            "own_send",
            "model_types::seal",
            "model_types::inner_setters",
            "model_types::accessors",
            "secret_debug"
        ]
    );
    let operations = spec().operations().count();
    assert!(passes.iter().all(|p| p.1 > 0), "{passes:?}");
    assert_eq!(passes[3].1, operations, "own_send rewrites every send()");
    // Every model struct is sealed, every Option field's setter rewritten.
    let file = syn::parse_file(&rendered.code).unwrap();
    let types = file
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref().map(|c| &c.1),
            _ => None,
        })
        .unwrap();
    let structs: Vec<&syn::ItemStruct> = types
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) if matches!(s.fields, syn::Fields::Named(_)) => Some(s),
            _ => None,
        })
        .collect();
    let option_fields = structs
        .iter()
        .flat_map(|s| s.fields.iter())
        .filter(|f| {
            let ty = &f.ty;
            quote::quote!(#ty)
                .to_string()
                .starts_with(":: std :: option :: Option <")
        })
        .count();
    assert_eq!(passes[4].1, structs.len(), "every model struct is sealed");
    assert_eq!(passes[5].1, option_fields, "every Option field's setter");
    for s in &structs {
        let attrs = &s.attrs;
        let attrs = quote::quote!(#(#attrs)*).to_string();
        assert!(attrs.contains("non_exhaustive"), "{}: {attrs}", s.ident);
        assert!(!attrs.contains("Default"), "{}: {attrs}", s.ident);
    }
    // Request-only types hide every field behind a getter; types that a
    // response or webhook carries keep every field public.
    let hidden: Vec<String> = structs
        .iter()
        .filter(|s| {
            s.fields
                .iter()
                .all(|f| !matches!(f.vis, syn::Visibility::Public(_)))
        })
        .map(|s| s.ident.to_string())
        .collect();
    let hidden_fields = structs
        .iter()
        .filter(|s| hidden.contains(&s.ident.to_string()))
        .map(|s| s.fields.len())
        .sum::<usize>();
    assert_eq!(
        passes[6].1, hidden_fields,
        "every field of a request-only type"
    );
    for request in [
        "TokenRequest",
        "CreateSiteRequestDto",
        "UpdateDeviceRequestDto",
    ] {
        assert!(hidden.iter().any(|h| h == request), "{request}: {hidden:?}");
    }
    for response in [
        "ResponseSiteBasicDto",
        "Alarm",
        "TokenResponse",
        "AlarmCreatedEvent",
        "ArmingScheduleEntry",
    ] {
        assert!(
            !hidden.iter().any(|h| h == response),
            "{response}: {hidden:?}"
        );
    }
    let code = &rendered.code;
    assert!(
        code.contains(
            "pub fn grant_type(&self) -> ::std::option::Option<&crate::types::GrantType>"
        ),
        "a required field's getter returns Option<&T>"
    );
    assert!(
        code.contains("pub fn scope(&self) -> ::std::option::Option<&::std::string::String>"),
        "an optional field's getter returns Option<&T>"
    );
}
