//! End to end against Prism, a mock server built from `spec/chekt.yaml` by
//! a tool nobody here wrote: every operation of the generated client is
//! called (coverage is checked against `operations::ALL`) with static
//! examples and again with dynamically generated responses. Prism runs with
//! `--errors`, so a request the spec would reject comes back as an error and
//! fails the test. Prism comes from `.ci/install-tools`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chekt_api::prelude::*;
use chekt_api::{Client, operations, types};
use serde::de::DeserializeOwned;

/// A running `prism mock`, killed on drop.
struct Prism {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Prism {
    fn start(tool: &Path, dynamic: bool) -> Prism {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let log = std::env::temp_dir().join(format!("chekt-prism-{port}.log"));
        let file = std::fs::File::create(&log).unwrap();
        let mut command = Command::new(tool);
        command
            .args(["mock", "spec/chekt.yaml", "--host", "127.0.0.1", "--errors"])
            .args(["--port", &port.to_string()])
            .current_dir(support::root())
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file);
        if dynamic {
            command.args(["--dynamic", "--seed", "chekt"]);
        }
        let mut prism = Prism {
            child: command.spawn().unwrap(),
            port,
            log,
        };
        prism.wait_until_listening();
        prism
    }

    fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).is_err() {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("prism exited with {status}:\n{}", self.log_text());
            }
            assert!(
                Instant::now() < deadline,
                "prism did not start:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn uri(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // Prism logs each request's violations: show them with the failure.
            eprintln!("prism log:\n{}", self.log_text());
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// A client with every kind of credential, so each operation can pick the
/// one its security requirement names; client credentials are exchanged at
/// Prism's own `/oauth/token`.
fn client(prism: &Prism) -> Client {
    Client::builder()
        .base_url(prism.uri())
        .client_credentials("partner-client-id", "partner-client-secret")
        .bearer_token("user-access-token")
        .api_key("chekt_test_0123456789abcdef0123456789abcdef")
        .build()
        .unwrap()
}

fn body<T: DeserializeOwned>(value: serde_json::Value) -> T {
    serde_json::from_value(value).unwrap()
}

/// Sends one call, fails the test on any error (Prism answers a request
/// that violates the spec with an error), checks Prism reported no
/// violation, and records the operation as exercised.
macro_rules! call {
    ($seen:ident, $id:literal, $builder:expr) => {{
        let response = $builder
            .send()
            .await
            .unwrap_or_else(|e| panic!("{}: {}", $id, chekt_api::Error::from(e)));
        let violations = response.headers().get("sl-violations");
        assert!(violations.is_none(), "{}: {violations:?}", $id);
        $seen.insert($id);
        response.into_inner()
    }};
}

/// Calls every operation once with valid arguments; returns their ids.
async fn drive_every_operation(c: &Client, static_examples: bool) -> BTreeSet<&'static str> {
    let mut seen = BTreeSet::new();
    let token = call!(
        seen,
        "create_token",
        c.create_token()
            .body(body::<types::TokenRequest>(serde_json::json!({
                "grant_type": "client_credentials",
                "client_id": "partner-client-id",
                "client_secret": "partner-client-secret",
            })))
    );
    assert!(!token.access_token.is_empty());

    call!(
        seen,
        "connect_dealer",
        c.connect_dealer()
            .body(body::<types::ConnectDealerRequestDto>(serde_json::json!({
                "external_dealer_id": "acme-dealer-0042", "company_name": "Acme Security"
            })))
    );
    call!(seen, "get_dealer", c.get_dealer().dealer_id(42));
    call!(
        seen,
        "disconnect_dealer",
        c.disconnect_dealer().dealer_id(42)
    );

    let sites = call!(
        seen,
        "list_sites",
        c.list_sites()
            .dealer_id(42)
            .limit(10)
            .offset(0)
            .sort("created_at")
            .dir(types::SortDirection::Desc)
            .fields("site_id,name")
    );
    if static_examples {
        assert_eq!(sites[0].name, "Gangnam Headquarters", "{sites:?}");
    }
    call!(
        seen,
        "create_site",
        c.create_site()
            .dealer_id(42)
            .body(body::<types::CreateSiteRequestDto>(serde_json::json!({
                "external_site_id": "1234567890", "name": "HQ", "timezone": "Asia/Seoul",
                "monitoring_station_id": 12345
            })))
    );
    call!(seen, "get_site", c.get_site().dealer_id(42).site_id(1));
    call!(
        seen,
        "update_site_activation_status",
        c.update_site_activation_status()
            .dealer_id(42)
            .site_id(1)
            .body(body::<types::UpdateSiteActivationStatusRequestDto>(
                serde_json::json!({"is_activated": 0})
            ))
    );

    call!(
        seen,
        "list_devices",
        c.list_devices().dealer_id(42).site_id(1).limit(10)
    );
    call!(
        seen,
        "create_devices",
        c.create_devices()
            .dealer_id(42)
            .site_id(1)
            .body(body::<Vec<types::CreateDeviceRequestDto>>(serde_json::json!([
                {"external_device_id": "cam-0001", "name": "Main Entrance", "type": "camera", "channel": 1}
            ])))
    );
    call!(
        seen,
        "update_devices",
        c.update_devices().dealer_id(42).site_id(1).body(
            body::<Vec<types::UpdateDeviceRequestDto>>(serde_json::json!([
                {"device_id": 501, "name": "Main Entrance (north)"}
            ]))
        )
    );
    call!(
        seen,
        "delete_devices",
        c.delete_devices().dealer_id(42).site_id(1).body(
            body::<types::BulkDeviceDeleteRequestDto>(
                serde_json::json!({"device_ids": [501, 502]})
            )
        )
    );
    call!(
        seen,
        "respond_to_alarm_verification",
        c.respond_to_alarm_verification()
            .dealer_id(42)
            .site_id(1)
            .verification_id(9001)
            .body(body::<types::UpdateAlarmVerificationRequestDto>(
                serde_json::json!({
                    "contact_id": 7, "action": "dispatch", "responded_at": "2025-01-01T09:30:00Z"
                })
            ))
    );

    call!(
        seen,
        "list_monitoring_stations",
        c.list_monitoring_stations().dealer_id(42)
    );
    call!(
        seen,
        "create_monitoring_station",
        c.create_monitoring_station().dealer_id(42).body(body::<
            types::CreateMonitoringStationRequestDto,
        >(serde_json::json!({
            "external_monitoring_station_id": "12345", "name": "Seoul Central Station",
            "phone": "+82-2-555-0100", "receiver_number": "7"
        })))
    );
    call!(
        seen,
        "get_monitoring_station",
        c.get_monitoring_station()
            .dealer_id(42)
            .monitoring_station_id(12345)
    );
    call!(
        seen,
        "update_monitoring_station",
        c.update_monitoring_station()
            .dealer_id(42)
            .monitoring_station_id(12345)
            .body(body::<types::UpdateMonitoringStationRequestDto>(
                serde_json::json!({"phone": "+82-2-555-0101"})
            ))
    );
    call!(
        seen,
        "delete_monitoring_station",
        c.delete_monitoring_station()
            .dealer_id(42)
            .monitoring_station_id(12345)
    );

    call!(
        seen,
        "list_contacts",
        c.list_contacts().dealer_id(42).site_id(1)
    );
    call!(
        seen,
        "create_contact",
        c.create_contact()
            .dealer_id(42)
            .site_id(1)
            .body(body::<types::CreateContactRequestDto>(serde_json::json!({
                "name": "Jiwoo Park", "phone": "+82-10-5555-0199",
                "email": "jiwoo@example.com", "priority": 1
            })))
    );
    call!(
        seen,
        "get_contact",
        c.get_contact().dealer_id(42).site_id(1).contact_id(7)
    );
    call!(
        seen,
        "update_contact",
        c.update_contact()
            .dealer_id(42)
            .site_id(1)
            .contact_id(7)
            .body(body::<types::UpdateContactRequestDto>(
                serde_json::json!({"priority": 2})
            ))
    );
    call!(
        seen,
        "delete_contact",
        c.delete_contact().dealer_id(42).site_id(1).contact_id(7)
    );

    call!(
        seen,
        "get_arming_settings",
        c.get_arming_settings().dealer_id(42).site_id(1)
    );
    call!(
        seen,
        "update_arming_settings",
        c.update_arming_settings()
            .dealer_id(42)
            .site_id(1)
            .body(body::<types::UpdateArmingSettingsRequestDto>(
                serde_json::json!({
                    "mode": "armed_away", "schedule_enabled": 1,
                    "schedule": [{"day": "mon", "arm_at": "22:00", "disarm_at": "07:00"}]
                })
            ))
    );

    call!(seen, "list_public_sites", c.list_public_sites().limit(10));
    call!(
        seen,
        "list_public_devices",
        c.list_public_devices().limit(10).cursor("cur_2")
    );
    seen
}

fn all_operations() -> BTreeSet<&'static str> {
    operations::ALL.iter().map(|op| op.id).collect()
}

async fn every_operation_passes(dynamic: bool) {
    let Some(tool) = support::require("prism") else {
        return;
    };
    let prism = Prism::start(&tool, dynamic);
    let seen = drive_every_operation(&client(&prism), !dynamic).await;
    assert_eq!(
        seen,
        all_operations(),
        "operations not exercised (left) or unknown (right)"
    );
}

#[tokio::test]
async fn every_operation_passes_prism_with_static_examples() {
    every_operation_passes(false).await;
}

#[tokio::test]
async fn every_operation_passes_prism_with_dynamic_responses() {
    every_operation_passes(true).await;
}

#[tokio::test]
async fn prism_rejects_a_request_the_spec_forbids() {
    // The control: without this, a Prism that validated nothing would pass
    // the tests above.
    let Some(tool) = support::require("prism") else {
        return;
    };
    let prism = Prism::start(&tool, false);
    chekt_api::tls::install_crypto_provider();
    let response = reqwest::Client::new()
        .post(format!("{}/partner/v1/dealers/42/sites", prism.uri()))
        .bearer_auth("token")
        .json(&serde_json::json!({"name": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let violations = response.headers()["sl-violations"].to_str().unwrap();
    assert!(
        violations.contains("required property 'external_site_id'"),
        "{violations}"
    );

    // The generated client accepts any i64 limit; the spec allows 1 to 100.
    let err: chekt_api::Error = client(&prism)
        .list_public_sites()
        .limit(500)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, chekt_api::Error::Validation { .. }),
        "limit=500 is above the spec's maximum: {err:?}"
    );
}
