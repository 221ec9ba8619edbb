//! Stage 1: read a spec from YAML or JSON into both a raw JSON value (for
//! pointers and lints) and the typed `openapiv3` model (for generation).

use std::path::Path;

use openapiv3::{OpenAPI, Operation, PathItem, ReferenceOr};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::pointer;

/// HTTP methods in the order an OpenAPI path item lists them.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// A loaded OpenAPI 3.0 document.
#[derive(Debug, Clone)]
pub struct Spec {
    name: String,
    source: String,
    value: Value,
    openapi: OpenAPI,
}

/// One operation of a spec, with where it lives.
#[derive(Debug, Clone, Copy)]
pub struct OperationRef<'a> {
    /// The path template, e.g. `/partner/v1/dealers/{dealerId}`.
    pub path: &'a str,
    /// The lower-case HTTP method.
    pub method: &'a str,
    /// The path item holding the operation (for path-level parameters).
    pub path_item: &'a PathItem,
    /// The operation itself.
    pub operation: &'a Operation,
}

impl<'a> OperationRef<'a> {
    /// JSON pointer of the operation, e.g. `/paths/~1sites/get`.
    pub fn pointer(&self) -> String {
        pointer::join(["paths", self.path, self.method])
    }

    /// `GET /path`, the way reports name an operation.
    pub fn label(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }

    /// The operationId, if the operation has one.
    pub fn id(&self) -> Option<&'a str> {
        self.operation.operation_id.as_deref()
    }
}

impl Spec {
    /// Reads and parses the spec at `path`; errors name the file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let source = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::parse(path.display().to_string(), source)
    }

    /// Parses `source`; `name` is used in messages (usually the file path).
    pub fn parse(name: impl Into<String>, source: impl Into<String>) -> Result<Self> {
        let name = name.into();
        let source = source.into();
        let value = yaml_to_json(&name, &source)?;
        let version = value.get("openapi").and_then(Value::as_str).unwrap_or("");
        if !version.trim().starts_with("3.0.") {
            return Err(Error::UnsupportedVersion {
                file: name,
                found: if version.is_empty() {
                    "(none)".to_string()
                } else {
                    version.to_string()
                },
            });
        }
        let openapi = serde_path_to_error::deserialize::<_, OpenAPI>(&value).map_err(|e| {
            let (pointer, message) = locate_in_paths(&value)
                .unwrap_or_else(|| (path_to_pointer(e.path()), e.inner().to_string()));
            Error::Schema {
                file: name.clone(),
                pointer,
                message,
            }
        })?;
        Ok(Spec {
            name,
            source,
            value,
            openapi,
        })
    }

    /// The same document (name and text kept, so generated headers still
    /// name the file as read) with its JSON replaced by `value`, e.g. after
    /// a rewrite for code generation.
    pub fn with_value(&self, value: Value) -> Result<Self> {
        let openapi =
            serde_path_to_error::deserialize::<_, OpenAPI>(&value).map_err(|e| Error::Schema {
                file: self.name.clone(),
                pointer: path_to_pointer(e.path()),
                message: e.inner().to_string(),
            })?;
        Ok(Spec {
            name: self.name.clone(),
            source: self.source.clone(),
            value,
            openapi,
        })
    }

    /// The name given at load time (usually the file path).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The document text as read.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The document as JSON, for pointer lookups.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The typed OpenAPI model.
    pub fn openapi(&self) -> &OpenAPI {
        &self.openapi
    }

    /// Hex SHA-256 of the document text, recorded in generated headers.
    pub fn sha256(&self) -> String {
        hex::encode(Sha256::digest(self.source.as_bytes()))
    }

    /// The value at `pointer`, following `$ref`s.
    pub fn resolve(&self, pointer: &str) -> Option<&Value> {
        pointer::resolve(&self.value, pointer)
    }

    /// Every operation under `paths`, in document order (path items that are
    /// themselves `$ref`s are skipped; lint reports them).
    pub fn operations(&self) -> impl Iterator<Item = OperationRef<'_>> {
        self.openapi
            .paths
            .paths
            .iter()
            .filter_map(|(path, item)| match item {
                ReferenceOr::Item(item) => Some((path.as_str(), item)),
                ReferenceOr::Reference { .. } => None,
            })
            .flat_map(|(path, item)| {
                item.iter().map(move |(method, operation)| OperationRef {
                    path,
                    method,
                    path_item: item,
                    operation,
                })
            })
    }

    /// The operation with this operationId.
    pub fn operation(&self, id: &str) -> Option<OperationRef<'_>> {
        self.operations().find(|op| op.id() == Some(id))
    }
}

/// Parses YAML (a superset of JSON) into a JSON value, resolving merge keys
/// and rejecting what JSON cannot hold.
fn yaml_to_json(name: &str, source: &str) -> Result<Value> {
    let yaml_error = |e: serde_yaml::Error| {
        let (line, column) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((1, 1));
        Error::Yaml {
            file: name.to_string(),
            line,
            column,
            message: e.to_string(),
        }
    };
    let mut yaml: serde_yaml::Value = serde_yaml::from_str(source).map_err(yaml_error)?;
    yaml.apply_merge().map_err(yaml_error)?;
    if !yaml.is_mapping() {
        return Err(Error::Schema {
            file: name.to_string(),
            pointer: String::new(),
            message: "the document must be a mapping with `openapi`, `info` and `paths`"
                .to_string(),
        });
    }
    convert(name, yaml, String::new())
}

fn convert(name: &str, yaml: serde_yaml::Value, at: String) -> Result<Value> {
    use serde_yaml::Value as Y;
    Ok(match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => serde_json::to_value(&n).map_err(|e| Error::Schema {
            file: name.to_string(),
            pointer: at.clone(),
            message: format!("number not representable in JSON: {e}"),
        })?,
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| convert(name, v, pointer::push(&at, i.to_string())))
                .collect::<Result<_>>()?,
        ),
        Y::Mapping(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => {
                        return Err(Error::Schema {
                            file: name.to_string(),
                            pointer: at,
                            message: format!("mapping key {other:?} is not a string"),
                        });
                    }
                };
                let child = pointer::push(&at, &key);
                out.insert(key, convert(name, v, child)?);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => convert(name, tagged.value, at)?,
    })
}

/// openapiv3 flattens `paths` (and untagged enums lose track of where they
/// failed), which hides where inside an operation an error is; deserializing
/// each operation on its own finds it.
fn locate_in_paths(value: &Value) -> Option<(String, String)> {
    value
        .get("paths")?
        .as_object()?
        .iter()
        .filter(|(path, _)| path.starts_with('/'))
        .flat_map(|(path, item)| {
            item.as_object()
                .into_iter()
                .flatten()
                .filter(|(method, _)| METHODS.contains(&method.as_str()))
                .map(move |(method, op)| (path, method, op))
        })
        .find_map(|(path, method, op)| {
            let error = serde_path_to_error::deserialize::<_, Operation>(op).err()?;
            let pointer = format!(
                "{}{}",
                pointer::join(["paths", path.as_str(), method.as_str()]),
                path_to_pointer(error.path())
            );
            Some((pointer, error.inner().to_string()))
        })
}

fn path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    path.iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(key.clone()),
            Segment::Enum { variant } => Some(variant.clone()),
            Segment::Unknown => None,
        })
        .map(|s| format!("/{}", pointer::escape(&s)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(name: &str, src: &str) -> String {
        Spec::parse(name, src).expect_err("must fail").to_string()
    }

    #[test]
    fn yaml_error_names_file_line_and_column() {
        let err = error("bad.yaml", "openapi: 3.0.3\ninfo: [unclosed\n");
        assert!(err.starts_with("bad.yaml:3:1: invalid YAML"), "{err}");
    }

    #[test]
    fn schema_error_names_pointer() {
        let src = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses: 7\n";
        let err = error("s.yaml", src);
        assert!(err.contains("at /paths/~1a/get/responses"), "{err}");
    }

    #[test]
    fn rejects_other_versions() {
        let src = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n";
        assert_eq!(
            error("s.yaml", src),
            "s.yaml: OpenAPI version 3.1.0 is not supported at /openapi; chekt-gen reads 3.0.x"
        );
        assert!(error("s.yaml", "swagger: '2.0'\n").contains("version (none)"));
        assert!(error("s.yaml", "- a list\n").contains("must be a mapping"));
    }

    #[test]
    fn numeric_keys_become_strings_and_merges_apply() {
        let src = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        200: &ok {description: ok}\n        404: {<<: *ok}\n";
        let spec = Spec::parse("s.yaml", src).unwrap();
        assert_eq!(
            spec.value()
                .pointer("/paths/~1a/get/responses/404/description"),
            Some(&Value::String("ok".into()))
        );
        assert_eq!(spec.operations().count(), 1);
        assert_eq!(
            spec.operations().next().unwrap().pointer(),
            "/paths/~1a/get"
        );
    }
}
