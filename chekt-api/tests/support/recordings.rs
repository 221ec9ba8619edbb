//! Fixtures from `spec/recordings` (see its README for the file layout):
//! one recorded exchange's response, or one recorded webhook delivery, so
//! tests reuse the one recorded world instead of writing sites by hand.

use serde::de::DeserializeOwned;
use serde_json::Value;
use std::path::PathBuf;

/// The `spec/recordings` directory.
pub fn dir() -> PathBuf {
    super::root().join("spec/recordings")
}

fn read(file: PathBuf) -> Value {
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file:?}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file:?}: {e}"))
}

/// One recorded response: status, headers (lower case), JSON body.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

/// The response of `spec/recordings/<operation>/<name>`.
pub fn recording(operation: &str, name: &str) -> Recorded {
    let json = read(dir().join(operation).join(name));
    let response = &json["response"];
    Recorded {
        status: response["status"].as_u64().unwrap() as u16,
        headers: response["headers"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect(),
        body: response["body"].clone(),
    }
}

/// The response body of `spec/recordings/<operation>/<name>`.
pub fn body(operation: &str, name: &str) -> Value {
    recording(operation, name).body
}

/// The response body of a recording, decoded as `T` (e.g. a typed mock's
/// answer).
pub fn typed<T: DeserializeOwned>(operation: &str, name: &str) -> T {
    serde_json::from_value(body(operation, name))
        .unwrap_or_else(|e| panic!("{operation}/{name}: {e}"))
}

/// The recorded sites of dealer 42 (`list_sites/200-first-page.json`), as
/// JSON rows.
pub fn sites() -> Vec<Value> {
    body("list_sites", "200-first-page.json")
        .as_array()
        .unwrap()
        .clone()
}

/// `n` site rows of dealer 42, for paging: the recorded sites, then copies
/// of them under the next `site_id`s (a copy's name gains ` #<site_id>`), so
/// row `i` has `site_id` `i + 1` and every name is different.
pub fn site_rows(n: usize) -> Vec<Value> {
    let recorded = sites();
    (0..n)
        .map(|i| {
            let mut row = recorded[i % recorded.len()].clone();
            let id = i as i64 + 1;
            row["site_id"] = Value::from(id);
            if i >= recorded.len() {
                row["name"] = Value::from(format!("{} #{id}", row["name"].as_str().unwrap()));
            }
            row
        })
        .collect()
}

/// The `site_id` and `name` columns of `rows`, as `fields=site_id,name`
/// returns them.
pub fn site_names(rows: &[Value]) -> Vec<Value> {
    rows.iter()
        .map(|row| serde_json::json!({"site_id": row["site_id"], "name": row["name"]}))
        .collect()
}

/// The first recorded site of dealer 42, as a JSON row.
pub fn site() -> Value {
    sites().swap_remove(0)
}

impl Recorded {
    /// A wiremock answer replaying this response, with `extra` headers
    /// added (`content-type` is set by the JSON body).
    pub fn template(&self, extra: &[(&str, &str)]) -> wiremock::ResponseTemplate {
        let mut template = wiremock::ResponseTemplate::new(self.status).set_body_json(&self.body);
        for (name, value) in &self.headers {
            if name != "content-type" {
                template = template.insert_header(name.as_str(), value.as_str());
            }
        }
        for (name, value) in extra {
            template = template.insert_header(*name, *value);
        }
        template
    }
}

/// One recorded webhook delivery (`spec/recordings/webhooks/<event>/*.json`).
#[derive(Clone, Debug)]
pub struct Delivery {
    /// The file, relative to `spec/recordings/webhooks`.
    pub name: String,
    /// The event type (`alarm.created`).
    pub event: String,
    /// The delivery's JSON body.
    pub body: Value,
}

/// Every recorded webhook delivery, sorted by file name.
pub fn webhooks() -> Vec<Delivery> {
    let root = dir().join("webhooks");
    let mut found = Vec::new();
    for event in std::fs::read_dir(&root).unwrap() {
        for file in std::fs::read_dir(event.unwrap().path()).unwrap() {
            let file = file.unwrap().path();
            let json = read(file.clone());
            found.push(Delivery {
                name: file
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                event: json["event"].as_str().unwrap().to_string(),
                body: json["body"].clone(),
            });
        }
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(found.len() >= 4, "{root:?}");
    found
}

/// The body of the recorded webhook delivery `webhooks/<event>/<name>`.
pub fn webhook(event: &str, name: &str) -> Value {
    read(dir().join("webhooks").join(event).join(name))["body"].clone()
}
