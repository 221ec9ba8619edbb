//! The generated client: current with the spec, and able to read what the
//! seeds show the server sending.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use chekt_api::types::{self, DeviceStatus, DeviceType, ErrorCode};
use chekt_gen::Spec;
use chekt_gen::generate::{GenerateOptions, render};
use support::recordings;

/// Plain `cargo test` catches a stale `generated.rs` too, not only
/// `cargo xtask gen --check`.
#[test]
fn generated_code_is_current() {
    let spec = Spec::from_file(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/chekt.yaml")).unwrap();
    let expected = render(&spec, &GenerateOptions::chekt_api()).unwrap().code;
    let actual = include_str!("../src/generated.rs").replace("\r\n", "\n");
    assert!(
        actual == expected,
        "chekt-api/src/generated.rs is stale: run `cargo xtask gen`"
    );
}

/// Seed 003's site list (`spec/recordings/list_sites/200-seed-003-first-call.json`),
/// pretty-printed.
fn seed_sites() -> String {
    let body = recordings::body("list_sites", "200-seed-003-first-call.json");
    serde_json::to_string_pretty(&body).unwrap()
}

/// Seed 002's `/v1/devices` page
/// (`spec/recordings/list_public_devices/200-seed-002-first-call.json`),
/// pretty-printed.
fn seed_devices() -> String {
    let body = recordings::body("list_public_devices", "200-seed-002-first-call.json");
    serde_json::to_string_pretty(&body).unwrap()
}

#[test]
fn seed_site_list_deserializes() {
    let sites: Vec<types::ResponseSiteBasicDto> = serde_json::from_str(&seed_sites()).unwrap();
    let site = &sites[0];
    assert_eq!(site.site_id, 1);
    assert_eq!(site.monitoring_station_id, Some(12345));
    assert_eq!(*site.is_activated, 1);
    assert_eq!(site.created_at.as_str(), "2025-01-01 00:00:00");
    assert_eq!(site.address2.as_deref(), Some("7th Floor, Suite 701"));
    // Round-trips to the same JSON.
    let back: serde_json::Value = serde_json::to_value(&sites).unwrap();
    assert_eq!(
        back,
        serde_json::from_str::<serde_json::Value>(&seed_sites()).unwrap()
    );
}

#[test]
fn seed_device_page_deserializes() {
    let page: types::PublicDeviceList = serde_json::from_str(&seed_devices()).unwrap();
    assert!(!page.has_more);
    assert_eq!(page.next_cursor, None);
    assert_eq!(page.data[0].id, "dev_8h2j3kfm");
    assert_eq!(page.data[0].type_, DeviceType::Camera);
    assert_eq!(page.data[0].status, DeviceStatus::Online);
}

#[test]
fn seed_error_bodies_deserialize() {
    for (name, error, message) in [
        (
            "401-seed-001-invalid-api-key.json",
            "Unauthorized",
            "Invalid or missing API Key",
        ),
        (
            "403-seed-001-forbidden.json",
            "Forbidden",
            "API Key does not have permission to access this resource",
        ),
    ] {
        let parsed: types::ApiError = recordings::typed("list_public_sites", name);
        assert_eq!(
            (parsed.error.as_str(), parsed.message.as_str()),
            (error, message)
        );
        assert_eq!(parsed.code, None);
    }
    let coded: types::ApiError = serde_json::from_str(
        r#"{"error": "Unauthorized", "message": "expired", "code": "token_expired", "request_id": "req_1"}"#,
    )
    .unwrap();
    assert_eq!(coded.code, Some(ErrorCode::TokenExpired));
    assert_eq!(coded.request_id.as_deref(), Some("req_1"));
}

#[test]
fn shapes_the_seeds_rule_out_are_rejected() {
    // `created_at` is not RFC 3339 and `is_activated` is 0/1.
    let bad_time = seed_sites().replace("2025-01-01 00:00:00", "2025-01-01T00:00:00Z");
    assert!(serde_json::from_str::<Vec<types::ResponseSiteBasicDto>>(&bad_time).is_err());
    let bad_flag = seed_sites().replace("\"is_activated\": 1", "\"is_activated\": 2");
    assert!(serde_json::from_str::<Vec<types::ResponseSiteBasicDto>>(&bad_flag).is_err());
    let string_id = seed_sites().replace("\"site_id\": 1", "\"site_id\": \"1\"");
    assert!(serde_json::from_str::<Vec<types::ResponseSiteBasicDto>>(&string_id).is_err());
}

#[test]
fn enums_are_forward_compatible() {
    let page = seed_devices()
        .replace("\"online\"", "\"maintenance\"")
        .replace("\"camera\"", "\"doorbell\"");
    let page: types::PublicDeviceList = serde_json::from_str(&page).unwrap();
    assert_eq!(
        page.data[0].status,
        DeviceStatus::Unknown("maintenance".into())
    );
    assert_eq!(page.data[0].type_.as_str(), "doorbell");
    assert!(!page.data[0].type_.is_known());
    // Unknown values survive a round trip unchanged.
    let json = serde_json::to_value(&page.data[0]).unwrap();
    assert_eq!(json["status"], "maintenance");
    // Known values parse from strings too.
    assert_eq!(
        "offline".parse::<DeviceStatus>().unwrap(),
        DeviceStatus::Offline
    );
    assert_eq!(ErrorCode::from("rate_limited"), ErrorCode::RateLimited);
    let code: types::GrantType = "urn:ietf:params:oauth:grant-type:jwt-bearer".into();
    assert_eq!(code, types::GrantType::UrnIetfParamsOauthGrantTypeJwtBearer);
}

/// The table's `paging` column names exactly the operations whose builders
/// implement the paging traits (both come from one decision in chekt-gen).
#[test]
fn the_paging_column_matches_the_paging_trait_impls() {
    use chekt_api::operations::{self, PagingStyle};
    let source =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/generated.rs")).unwrap();
    let implemented = |style: &str| -> Vec<String> {
        let prefix = format!("impl<'a> crate::pagination::{style}<'a> for builder::");
        let mut builders: Vec<String> = source
            .lines()
            .filter_map(|line| line.strip_prefix(&prefix)?.split('<').next())
            .map(str::to_string)
            .collect();
        builders.sort();
        builders
    };
    let in_table = |style: PagingStyle| -> Vec<String> {
        let camel = |id: &str| -> String {
            id.split('_')
                .map(|w| w[..1].to_uppercase() + &w[1..])
                .collect()
        };
        let mut builders: Vec<String> = operations::ALL
            .iter()
            .filter(|op| op.paging == Some(style))
            .map(|op| camel(op.id))
            .collect();
        builders.sort();
        builders
    };
    let offset = implemented("OffsetPaged");
    assert!(offset.iter().any(|b| b == "ListSites"), "{offset:?}");
    assert_eq!(in_table(PagingStyle::Offset), offset);
    let cursor = implemented("CursorPaged");
    assert!(!cursor.is_empty());
    assert_eq!(in_table(PagingStyle::Cursor), cursor);
}

#[test]
fn operation_table_matches_the_spec() {
    use chekt_api::operations::{self, Scheme};
    let list = operations::find("list_sites").unwrap();
    assert_eq!(*list, operations::LIST_SITES);
    assert_eq!(
        (&list.method, list.path),
        (
            &chekt_api::http::Method::GET,
            "/partner/v1/dealers/{dealerId}/sites"
        )
    );
    assert_eq!(list.paging, Some(operations::PagingStyle::Offset));
    assert_eq!(
        operations::find("list_public_devices").unwrap().paging,
        Some(operations::PagingStyle::Cursor)
    );
    assert_eq!(operations::find("get_dealer").unwrap().paging, None);
    assert_eq!(list.scopes(Scheme::PartnerOAuth), ["sites:read"]);
    assert!(list.idempotent && list.takes_trace_id);
    let flags = |op: &str| {
        let op = operations::find(op).unwrap();
        (op.idempotent, op.takes_trace_id)
    };
    assert_eq!(flags("create_site"), (false, true), "POST");
    assert_eq!(flags("connect_dealer"), (true, true), "PUT");
    assert_eq!(operations::TRACE_HEADER, "x-partner-trace-id");
    // The public app API takes no trace id.
    assert_eq!(flags("list_public_devices"), (true, false));
    let connect = operations::find("connect_dealer").unwrap();
    assert!(connect.accepts(Scheme::UserOAuth) && !connect.accepts(Scheme::PartnerOAuth));
    assert_eq!(Scheme::PartnerOAuth.name(), "partnerOAuth");
    // Every scheme an operation names is one the spec declares.
    for op in operations::ALL {
        for requirement in op.security.iter().flat_map(|alt| alt.iter()) {
            assert!(Scheme::ALL.contains(&requirement.scheme), "{}", op.id);
        }
    }
    assert!(
        chekt_api::operations::find("create_token")
            .unwrap()
            .security
            .is_empty()
    );
    assert_eq!(chekt_api::operations::ALL.len(), 27);
}

#[test]
fn one_list_of_secret_names_serves_redaction_the_cli_and_the_recorder() {
    assert_eq!(
        chekt_api::redact::SECRET_FIELDS,
        chekt_gen::secret_names::SECRET_FIELDS
    );
    assert_eq!(
        chekt_gen::contract::secrets::SECRET_KEYS,
        chekt_gen::secret_names::SECRET_FIELDS
    );
    // Every name is redacted by chekt_api::redact in JSON and form text.
    for name in chekt_api::redact::SECRET_FIELDS {
        let json = format!(r#"{{"{name}": "s3cr3t-value-1"}}"#);
        assert!(
            !chekt_api::redact::text(&json).contains("s3cr3t-value-1"),
            "{name}"
        );
    }
}
