//! `spec/recordings` is one plausible history (issue 17, item 11): ids,
//! counters and timestamps agree across files, and every status is declared.
//! Each invariant is a function over the loaded recordings, run on the real
//! ones and on a copy broken on purpose.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

/// `(file name relative to spec/recordings, JSON)`, sorted by name.
type World = Vec<(String, Value)>;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn load(dir: &Path, prefix: &str, out: &mut World) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = format!("{prefix}{}", path.file_name().unwrap().to_string_lossy());
        if path.is_dir() {
            load(&path, &format!("{name}/"), out);
        } else if name.ends_with(".json") {
            let text = std::fs::read_to_string(&path).unwrap();
            out.push((name, serde_json::from_str(&text).unwrap()));
        }
    }
}

fn world() -> World {
    let mut out = Vec::new();
    load(&root().join("spec/recordings"), "", &mut out);
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(out.len() > 200);
    out
}

fn exchanges(world: &World) -> impl Iterator<Item = (&str, &Value)> {
    world
        .iter()
        .filter(|(_, r)| r.get("request").is_some())
        .map(|(n, r)| (n.as_str(), r))
}

fn webhooks(world: &World) -> impl Iterator<Item = (&str, &Value)> {
    world
        .iter()
        .filter(|(_, r)| r.get("event").is_some())
        .map(|(n, r)| (n.as_str(), r))
}

fn header<'a>(r: &'a Value, name: &str) -> Option<&'a str> {
    r["response"]["headers"][name].as_str()
}

fn number(r: &Value, name: &str) -> Option<u64> {
    header(r, name).and_then(|v| v.parse().ok())
}

/// `X-RateLimit-Remaining` ≤ `X-RateLimit-Limit`; a 429 has nothing left;
/// within one counter (the Partner client or the public API key) and one
/// window, no two successful calls leave the same remaining count.
fn rate_limits(world: &World) -> Vec<String> {
    let mut bad = Vec::new();
    let mut seen: BTreeMap<(bool, u64, u64), String> = BTreeMap::new();
    for (name, r) in exchanges(world) {
        let (Some(limit), Some(remaining)) = (
            number(r, "x-ratelimit-limit"),
            number(r, "x-ratelimit-remaining"),
        ) else {
            continue;
        };
        if remaining > limit {
            bad.push(format!("{name}: remaining {remaining} > limit {limit}"));
        }
        let status = r["response"]["status"].as_u64().unwrap();
        if status == 429 {
            if remaining != 0 {
                bad.push(format!("{name}: a 429 with {remaining} requests left"));
            }
            continue;
        }
        let public = r["request"]["path"].as_str().unwrap().starts_with("/v1/");
        let reset = number(r, "x-ratelimit-reset").unwrap_or(0);
        if let Some(other) = seen.insert((public, reset, remaining), name.to_string()) {
            bad.push(format!(
                "{name}: remaining {remaining} again (also {other})"
            ));
        }
    }
    bad
}

fn unix(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .timestamp()
}

/// A webhook is signed at or after the event it carries, within the
/// verifier's 5-minute tolerance.
fn webhook_times(world: &World) -> Vec<String> {
    let mut bad = Vec::new();
    for (name, r) in webhooks(world) {
        let signed: i64 = r["headers"]["x-chekt-timestamp"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let Some(created) = r["body"]["created_at"].as_str() else {
            continue;
        };
        let delay = signed - unix(created);
        if !(0..=300).contains(&delay) {
            bad.push(format!(
                "{name}: signed {delay} s after the event it carries"
            ));
        }
    }
    bad
}

/// Every Partner site object in a response body, with its file.
fn partner_sites(world: &World) -> Vec<(&str, &Value)> {
    let mut out = Vec::new();
    for (name, r) in exchanges(world) {
        if !r["request"]["path"]
            .as_str()
            .unwrap()
            .starts_with("/partner/")
        {
            continue;
        }
        let body = &r["response"]["body"];
        let rows: Vec<&Value> = match body {
            Value::Array(rows) => rows.iter().collect(),
            other => vec![other],
        };
        out.extend(
            rows.into_iter()
                .filter(|s| s.get("site_id").is_some() && s.get("account_number").is_some())
                .map(|s| (name, s)),
        );
    }
    out
}

/// One site id, one site: the same external id, account number and
/// creation time everywhere; two sites never share an account number or
/// an external id.
fn sites(world: &World) -> Vec<String> {
    let mut bad = Vec::new();
    let mut by_id: BTreeMap<i64, (&str, &Value)> = BTreeMap::new();
    for (name, site) in partner_sites(world) {
        let id = site["site_id"].as_i64().unwrap();
        match by_id.get(&id) {
            Some((first, known)) => {
                for field in ["external_site_id", "account_number", "created_at"] {
                    if known[field] != site[field] {
                        bad.push(format!(
                            "{name}: site {id} has {field} {} but {} in {first}",
                            site[field], known[field]
                        ));
                    }
                }
            }
            None => {
                by_id.insert(id, (name, site));
            }
        }
    }
    for field in ["account_number", "external_site_id"] {
        let mut owner: BTreeMap<&str, i64> = BTreeMap::new();
        for (id, (name, site)) in &by_id {
            if let Some(value) = site[field].as_str()
                && let Some(other) = owner.insert(value, *id)
            {
                bad.push(format!(
                    "{name}: site {id} reuses {field} {value} of site {other}"
                ));
            }
        }
    }
    bad
}

/// The public view (`/v1/sites`, complete: no cursor sent, `has_more`
/// false) and the Partner view of dealer 42 (`limit` 50 from 0, no filter,
/// a short page) list the same sites, by name and timezone.
fn views_agree(world: &World) -> Vec<String> {
    let complete_public: Vec<BTreeSet<(String, String)>> = exchanges(world)
        .filter(|(_, r)| {
            r["request"]["path"] == "/v1/sites"
                && r["request"]
                    .get("query")
                    .is_none_or(|q| q.get("cursor").is_none())
                && r["response"]["body"]["has_more"] == false
                && r["response"]["status"] == 200
        })
        .map(|(_, r)| pairs(r["response"]["body"]["data"].as_array().unwrap()))
        .filter(|set| !set.is_empty())
        .collect();
    let complete_partner: Vec<BTreeSet<(String, String)>> = exchanges(world)
        .filter(|(_, r)| {
            let q = &r["request"]["query"];
            r["request"]["path"] == "/partner/v1/dealers/42/sites"
                && r["request"]["method"] == "GET"
                && r["response"]["status"] == 200
                && q["offset"] == "0"
                && q.get("filter").is_none()
                && q.get("fields").is_none()
                && q["limit"].as_str().and_then(|l| l.parse::<usize>().ok())
                    > r["response"]["body"].as_array().map(Vec::len)
        })
        .map(|(_, r)| pairs(r["response"]["body"].as_array().unwrap()))
        .collect();
    let mut bad = Vec::new();
    if complete_public.is_empty() || complete_partner.is_empty() {
        bad.push("no complete public or Partner list of dealer 42's sites".to_string());
    }
    for public in &complete_public {
        for partner in &complete_partner {
            if public != partner {
                bad.push(format!(
                    "public sites {public:?} != Partner sites {partner:?}"
                ));
            }
        }
    }
    bad
}

fn pairs(rows: &[Value]) -> BTreeSet<(String, String)> {
    rows.iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["timezone"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The seed-003 statuses (plus seed 001's 429) need no mark; every other
/// 4xx a recording shows is declared exactly by its operation with a
/// response marked `x-chekt-inferred` (not hidden in the `4XX` range).
fn statuses(world: &World, spec: &Value) -> Vec<String> {
    let mut operations = BTreeMap::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            if let Some(id) = op["operationId"].as_str() {
                operations.insert(id.to_string(), &op["responses"]);
            }
        }
    }
    let resolve = |r: &Value| -> Value {
        match r["$ref"].as_str() {
            Some(target) => spec
                .pointer(target.trim_start_matches('#'))
                .cloned()
                .unwrap_or(Value::Null),
            None => r.clone(),
        }
    };
    let mut bad = Vec::new();
    for (name, r) in exchanges(world) {
        let status = r["response"]["status"].as_u64().unwrap();
        if !(400..500).contains(&status) {
            continue;
        }
        let op = name.split('/').next().unwrap();
        let declared = operations[op].get(status.to_string());
        match declared {
            None => bad.push(format!("{name}: status {status} is not declared by `{op}`")),
            Some(response) => {
                let documented = [400, 401, 403, 404, 429].contains(&status);
                if !documented && resolve(response)["x-chekt-inferred"] != true {
                    bad.push(format!(
                        "{name}: status {status} is not a seed's, and `{op}` does not mark it inferred"
                    ));
                }
            }
        }
    }
    bad
}

fn spec() -> Value {
    let text = std::fs::read_to_string(root().join("spec/chekt.yaml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

#[test]
fn rate_limits_count_down_within_their_limit() {
    assert_eq!(rate_limits(&world()), Vec::<String>::new());
}

#[test]
fn webhooks_are_signed_after_their_event() {
    assert_eq!(webhook_times(&world()), Vec::<String>::new());
}

#[test]
fn a_site_is_the_same_site_everywhere_and_account_numbers_are_unique() {
    assert_eq!(sites(&world()), Vec::<String>::new());
}

#[test]
fn public_and_partner_views_of_dealer_42_agree() {
    assert_eq!(views_agree(&world()), Vec::<String>::new());
}

#[test]
fn every_recorded_status_is_declared_and_marked() {
    assert_eq!(statuses(&world(), &spec()), Vec::<String>::new());
}

/// Sets `pointer` to `value` in recording `name`.
fn broken(mut world: World, name: &str, pointer: &str, value: Value) -> World {
    let (_, r) = world.iter_mut().find(|(n, _)| n == name).unwrap();
    *r.pointer_mut(pointer).unwrap() = value;
    world
}

#[test]
fn each_invariant_catches_a_broken_history() {
    let w = world();
    let over = broken(
        w.clone(),
        "get_site/200-ok.json",
        "/response/headers/x-ratelimit-remaining",
        "1001".into(),
    );
    assert!(rate_limits(&over)[0].contains("remaining 1001 > limit 1000"));

    let early = broken(
        w.clone(),
        "webhooks/alarm.created/motion.json",
        "/headers/x-chekt-timestamp",
        "1772000000".into(),
    );
    assert!(webhook_times(&early)[0].contains("signed -331247 s after"));

    let reused = broken(
        w.clone(),
        "create_site/201-ok.json",
        "/response/body/account_number",
        "1234567891".into(),
    );
    assert!(
        sites(&reused)
            .iter()
            .any(|m| m.contains("reuses account_number 1234567891"))
    );

    let renamed = broken(
        w.clone(),
        "list_public_sites/200-all-sites.json",
        "/response/body/data/1/name",
        "Seocho".into(),
    );
    assert!(!views_agree(&renamed).is_empty());

    let spec = spec();
    let gone = broken(
        w,
        "get_site/404-not-found.json",
        "/response/status",
        410.into(),
    );
    assert!(statuses(&gone, &spec)[0].contains("status 410 is not declared by `get_site`"));
}
