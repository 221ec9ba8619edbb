//! The recording format (`spec/recordings/README.md` documents it) and
//! loading a directory of recordings, rejecting malformed files with an error
//! naming the file and the field.
//!
//! Layout: `<dir>/<operationId>/<status>-<short-name>.json` holds one HTTP
//! exchange; `<dir>/webhooks/<event>/<short-name>.json` holds one webhook
//! delivery. `<dir>/exemptions.yaml` lists uncovered pairs (see
//! [`super::coverage`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::load::METHODS;

/// The folder under the recordings directory that holds webhook deliveries.
pub const WEBHOOKS_DIR: &str = "webhooks";

/// One recorded HTTP exchange: what was sent and what came back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exchange {
    /// Where the recording comes from (a seed document, `cargo xtask record`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The request as sent.
    pub request: Request,
    /// The response as received.
    pub response: Response,
}

/// The request side of an [`Exchange`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The HTTP method, upper case (`GET`).
    pub method: String,
    /// The concrete path without query string (`/partner/v1/dealers/42/sites`).
    pub path: String,
    /// Query parameters: a string, or a list of strings for a repeated one.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query: BTreeMap<String, QueryValue>,
    /// Relevant request headers, names in lower case; secrets scrubbed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// The body: JSON, or for a form body the fields as a JSON object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

/// One query parameter's value(s).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum QueryValue {
    /// Sent once.
    One(String),
    /// Sent repeatedly (`filter=a&filter=b`).
    Many(Vec<String>),
}

impl QueryValue {
    /// The values in order.
    pub fn values(&self) -> &[String] {
        match self {
            QueryValue::One(v) => std::slice::from_ref(v),
            QueryValue::Many(v) => v,
        }
    }
}

/// The response side of an [`Exchange`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// Relevant response headers, names in lower case.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// The JSON body, absent when there was none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// A body that was not JSON, verbatim (exclusive with `body`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_text: Option<String>,
}

/// One recorded webhook delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    /// Where the recording comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The event type, e.g. `alarm.created` (the key under `x-webhooks`).
    pub event: String,
    /// The delivery's headers (`x-chekt-signature` scrubbed).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The payload.
    pub body: Value,
}

/// What a recording file holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// An API call, filed under its operationId.
    Exchange(Exchange),
    /// A webhook delivery, filed under its event type.
    Webhook(Delivery),
}

/// One loaded recording.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    /// The path relative to the recordings directory, `/`-separated
    /// (`list_sites/200-first-page.json`); how reports name it.
    pub name: String,
    /// The folder it is filed under: an operationId, or an event type.
    pub filed_under: String,
    /// The file's text, for the secret scan.
    pub text: String,
    /// What it holds.
    pub kind: Kind,
}

/// Every recording of a directory, sorted by name.
#[derive(Debug, Clone, Default)]
pub struct Recordings {
    /// The recordings.
    pub items: Vec<Recording>,
}

impl Recordings {
    /// Reads every `*.json` recording under `dir` (one folder level for
    /// exchanges, two under `webhooks/`).
    pub fn load(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        let mut items = Vec::new();
        for folder in sorted_entries(dir)?.into_iter().filter(|p| p.is_dir()) {
            let folder_name = file_name(&folder);
            if folder_name == WEBHOOKS_DIR {
                for event in sorted_entries(&folder)?.into_iter().filter(|p| p.is_dir()) {
                    for file in json_files(&event)? {
                        items.push(Recording::read(dir, &file, file_name(&event), true)?);
                    }
                }
            } else {
                for file in json_files(&folder)? {
                    items.push(Recording::read(dir, &file, folder_name.clone(), false)?);
                }
            }
        }
        Ok(Recordings { items })
    }
}

impl Recording {
    fn read(root: &Path, file: &Path, filed_under: String, webhook: bool) -> Result<Self> {
        let text = std::fs::read_to_string(file).map_err(|e| Error::io(file, e))?;
        let name = file
            .strip_prefix(root)
            .unwrap_or(file)
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        Recording::parse(name, filed_under, text, webhook)
    }

    /// Parses one recording; `name` is its path relative to the recordings
    /// directory, used in messages. Errors name the file and the field.
    pub fn parse(name: String, filed_under: String, text: String, webhook: bool) -> Result<Self> {
        let invalid = |field: &str, message: String| Error::Recording {
            file: name.clone(),
            field: field.to_string(),
            message,
        };
        let kind = if webhook {
            Kind::Webhook(deserialize(&name, &text)?)
        } else {
            let exchange: Exchange = deserialize(&name, &text)?;
            let request = &exchange.request;
            if !METHODS.contains(&request.method.to_lowercase().as_str()) {
                return Err(invalid(
                    "request.method",
                    format!("`{}` is not an HTTP method", request.method),
                ));
            }
            if !request.path.starts_with('/') || request.path.contains('?') {
                return Err(invalid(
                    "request.path",
                    format!(
                        "`{}` must start with `/` and carry no query string (use `request.query`)",
                        request.path
                    ),
                ));
            }
            let response = &exchange.response;
            if !(100..=599).contains(&response.status) {
                return Err(invalid(
                    "response.status",
                    format!("{} is not an HTTP status", response.status),
                ));
            }
            if response.body.is_some() && response.body_text.is_some() {
                return Err(invalid(
                    "response.body_text",
                    "give `body` (JSON) or `body_text` (not JSON), not both".to_string(),
                ));
            }
            let stem = name.rsplit('/').next().unwrap_or(&name);
            let prefix = stem.split('-').next().unwrap_or("");
            if prefix != response.status.to_string() {
                return Err(invalid(
                    "response.status",
                    format!(
                        "the file name says `{prefix}` but the status is {}; name it `<status>-<short-name>.json`",
                        response.status
                    ),
                ));
            }
            Kind::Exchange(exchange)
        };
        Ok(Recording {
            name,
            filed_under,
            text,
            kind,
        })
    }
}

fn deserialize<T: serde::de::DeserializeOwned>(name: &str, text: &str) -> Result<T> {
    let deserializer = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        Error::Recording {
            file: name.to_string(),
            field: if field == "." {
                "(document)".to_string()
            } else {
                field
            },
            message: inner.to_string(),
        }
    })
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut entries = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .map(|entry| entry.map(|e| e.path()).map_err(|e| Error::io(dir, e)))
        .collect::<Result<Vec<_>>>()?;
    entries.sort();
    Ok(entries)
}

fn json_files(dir: &Path) -> Result<Vec<PathBuf>> {
    Ok(sorted_entries(dir)?
        .into_iter()
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "json"))
        .collect())
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(name: &str, text: &str) -> Result<Recording> {
        Recording::parse(name.into(), "op".into(), text.into(), false)
    }

    #[test]
    fn errors_name_file_and_field() {
        let cases = [
            (
                "op/200-a.json",
                r#"{"request": {"method": "GET", "path": "/a"}, "response": {"status": "200"}}"#,
                "op/200-a.json: malformed at `response.status`: invalid type: string \"200\", expected u16 at line 1 column 73",
            ),
            (
                "op/200-a.json",
                r#"{"request": {"method": "GET", "path": "/a", "qurey": {}}, "response": {"status": 200}}"#,
                "op/200-a.json: malformed at `request.qurey`: unknown field `qurey`, expected one of `method`, `path`, `query`, `headers`, `body` at line 1 column 51",
            ),
            (
                "op/200-a.json",
                r#"{"request": {"method": "FETCH", "path": "/a"}, "response": {"status": 200}}"#,
                "op/200-a.json: malformed at `request.method`: `FETCH` is not an HTTP method",
            ),
            (
                "op/200-a.json",
                r#"{"request": {"method": "GET", "path": "/a?x=1"}, "response": {"status": 200}}"#,
                "op/200-a.json: malformed at `request.path`: `/a?x=1` must start with `/` and carry no query string (use `request.query`)",
            ),
            (
                "op/404-a.json",
                r#"{"request": {"method": "GET", "path": "/a"}, "response": {"status": 200}}"#,
                "op/404-a.json: malformed at `response.status`: the file name says `404` but the status is 200; name it `<status>-<short-name>.json`",
            ),
            (
                "op/200-a.json",
                r#"{"request": {"method": "GET", "path": "/a"}}"#,
                "op/200-a.json: malformed at `(document)`: missing field `response` at line 1 column 44",
            ),
        ];
        for (name, text, expected) in cases {
            let err = parse(name, text).expect_err(expected).to_string();
            assert_eq!(err, expected);
        }
    }

    #[test]
    fn query_values_are_one_or_many() {
        let r = parse(
            "op/200-a.json",
            r#"{"request": {"method": "get", "path": "/a", "query": {"a": "1", "f": ["x", "y"]}}, "response": {"status": 200, "body": []}}"#,
        )
        .unwrap();
        let Kind::Exchange(e) = r.kind else {
            panic!("an exchange")
        };
        assert_eq!(e.request.query["a"].values(), ["1"]);
        assert_eq!(e.request.query["f"].values(), ["x", "y"]);
    }
}
