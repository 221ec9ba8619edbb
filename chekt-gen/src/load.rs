//! Stage 1: read a spec from YAML or JSON into both a raw JSON value (for
//! pointers and lints) and the typed `openapiv3` model (for generation).

use std::path::Path;

use openapiv3::{OpenAPI, Operation, PathItem, ReferenceOr};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::pointer;

mod structure;

pub use structure::MAX_ALIAS_NODES;

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

/// Deepest nesting of mappings and sequences a YAML document may have. The
/// YAML scanner's cost grows with input size times flow depth, so deeper
/// input is refused before it is parsed (real specs nest about a dozen
/// levels; `spec/chekt.yaml` 11).
pub const MAX_DEPTH: usize = 64;

/// Largest spec read, in bytes (64 MiB; the largest public specs are a few
/// MiB). `--spec /dev/zero` otherwise filled memory.
pub const MAX_SPEC_BYTES: u64 = 64 << 20;

/// Reads at most `limit` bytes of `path` (a pipe works too); more is an
/// error naming the limit.
pub(crate) fn read_capped(path: &Path, limit: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > limit {
        return Err(Error::io(
            path,
            std::io::Error::other(format!("larger than {limit} bytes; refusing to read it")),
        ));
    }
    Ok(bytes)
}

impl Spec {
    /// Reads and parses the spec at `path`; errors name the file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = read_capped(path, MAX_SPEC_BYTES)?;
        Self::from_bytes(path.display().to_string(), &bytes)
    }

    /// Parses raw bytes: invalid UTF-8 is reported with its byte offset.
    pub fn from_bytes(name: impl Into<String>, bytes: &[u8]) -> Result<Self> {
        let name = name.into();
        if let Some(encoding) = utf16_or_32(bytes) {
            return Err(Error::Encoding {
                file: name,
                line: 1,
                column: 1,
                message: format!(
                    "the file is {encoding}; OpenAPI documents are UTF-8 (convert it, e.g. `iconv -f {} -t UTF-8`)",
                    encoding.split(' ').next().unwrap_or_default()
                ),
            });
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => Self::parse(name, text),
            Err(e) => {
                let offset = e.valid_up_to();
                let (line, column) =
                    line_column(&String::from_utf8_lossy(&bytes[..offset]), offset);
                Err(Error::Encoding {
                    file: name,
                    line,
                    column,
                    message: format!(
                        "invalid UTF-8 at byte offset {offset} (byte 0x{:02X}); OpenAPI documents are UTF-8",
                        bytes[offset]
                    ),
                })
            }
        }
    }

    /// Parses `source`; `name` is used in messages (usually the file path).
    /// A name ending in `.json`, or a text starting with `{`, is read as
    /// JSON (RFC 8259, with serde_json); anything else as YAML 1.2.
    pub fn parse(name: impl Into<String>, source: impl Into<String>) -> Result<Self> {
        let name = name.into();
        let source = source.into();
        check_text(&name, &source)?;
        let is_json =
            name.to_ascii_lowercase().ends_with(".json") || source.trim_start().starts_with('{');
        let value = if is_json {
            structure::json_value(&name, &source)?
        } else {
            yaml_to_json(&name, &source)?
        };
        if !value.is_object() {
            return Err(Error::Schema {
                file: name,
                pointer: String::new(),
                message: "the document must be a mapping with `openapi`, `info` and `paths`"
                    .to_string(),
            });
        }
        if let Some(swagger) = value.get("swagger") {
            return Err(Error::Schema {
                file: name,
                pointer: "/swagger".to_string(),
                message: format!(
                    "this is a Swagger {} document (OpenAPI 2.0); chekt-gen reads OpenAPI 3.0.x, so convert it first",
                    swagger
                        .as_str()
                        .map_or_else(|| swagger.to_string(), str::to_string)
                ),
            });
        }
        if let Some((pointer, message)) = parameter_without_schema(&value) {
            return Err(Error::Schema {
                file: name,
                pointer,
                message,
            });
        }
        check_version(&name, &value)?;
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

/// The encoding of a UTF-16 or UTF-32 text, told by its byte order mark
/// or, without one, by the NUL bytes that ASCII takes in it (RFC 8259 §8.1:
/// JSON is UTF-8; YAML 1.2 §5.2 allows these, libyaml and serde_yaml do not).
fn utf16_or_32(bytes: &[u8]) -> Option<&'static str> {
    let nul = |i: usize| bytes.get(i) == Some(&0);
    let some = |i: usize| bytes.get(i).is_some_and(|&b| b != 0);
    Some(match bytes {
        [0, 0, 0xFE, 0xFF, ..] => "UTF-32BE (byte order mark 00 00 FE FF)",
        [0xFF, 0xFE, 0, 0, ..] => "UTF-32LE (byte order mark FF FE 00 00)",
        [0xFE, 0xFF, ..] => "UTF-16BE (byte order mark FE FF)",
        [0xFF, 0xFE, ..] => "UTF-16LE (byte order mark FF FE)",
        _ if nul(0) && nul(1) && nul(2) && some(3) => "UTF-32BE (no byte order mark)",
        _ if some(0) && nul(1) && nul(2) && nul(3) => "UTF-32LE (no byte order mark)",
        _ if nul(0) && some(1) && nul(2) && some(3) => "UTF-16BE (no byte order mark)",
        _ if some(0) && nul(1) && some(2) && nul(3) => "UTF-16LE (no byte order mark)",
        _ => return None,
    })
}

/// The byte-level problems a parser reports vaguely or not at all: an empty
/// document, a byte order mark, a NUL byte.
fn check_text(name: &str, source: &str) -> Result<()> {
    let at = |offset: usize, message: String| {
        let (line, column) = line_column(source, offset);
        Err(Error::Encoding {
            file: name.to_string(),
            line,
            column,
            message,
        })
    };
    if source.trim().is_empty() {
        return at(
            0,
            "the file is empty; expected an OpenAPI 3.0 document".to_string(),
        );
    }
    if source.starts_with('\u{feff}') {
        return at(
            0,
            "the file starts with a byte order mark (U+FEFF); save it as UTF-8 without BOM"
                .to_string(),
        );
    }
    if let Some(offset) = source.find('\0') {
        return at(
            offset,
            format!("NUL byte (U+0000) at byte offset {offset}; a spec is text"),
        );
    }
    Ok(())
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// `openapi` must be a string `3.0.x`; a number (`openapi: 3.0`) is named as such.
fn check_version(name: &str, value: &Value) -> Result<()> {
    let found = match value.get("openapi") {
        Some(Value::String(version)) if version.trim().starts_with("3.0.") => return Ok(()),
        Some(Value::String(version)) => version.clone(),
        Some(Value::Number(number)) => {
            return Err(Error::Schema {
                file: name.to_string(),
                pointer: "/openapi".to_string(),
                message: format!(
                    "`openapi` is the number {number}; it must be a string naming the full version, e.g. `openapi: \"3.0.3\"`"
                ),
            });
        }
        Some(other) => other.to_string(),
        None => "(none)".to_string(),
    };
    Err(Error::UnsupportedVersion {
        file: name.to_string(),
        found,
    })
}

/// Parses YAML into a JSON value, resolving merge keys and rejecting what
/// JSON cannot hold.
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
    structure::check_yaml(name, source, MAX_DEPTH)?;
    let mut yaml: serde_yaml::Value = serde_yaml::from_str(source).map_err(yaml_error)?;
    yaml.apply_merge().map_err(yaml_error)?;
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

/// The first parameter object (not a `$ref`) with neither `schema` nor
/// `content`, which OpenAPI 3.0 requires (§4.7.12.2); serde would only say
/// "no variant of enum ParameterSchemaOrContent".
fn parameter_without_schema(value: &Value) -> Option<(String, String)> {
    let mut lists: Vec<(String, &Value)> = Vec::new();
    for (path, item) in value.get("paths")?.as_object()? {
        let item_at = pointer::join(["paths", path.as_str()]);
        if let Some(list) = item.get("parameters") {
            lists.push((pointer::push(&item_at, "parameters"), list));
        }
        for method in METHODS {
            if let Some(list) = item.get(method).and_then(|op| op.get("parameters")) {
                lists.push((pointer::join_onto(&item_at, [method, "parameters"]), list));
            }
        }
    }
    let listed = lists.into_iter().flat_map(|(at, list)| {
        list.as_array()
            .into_iter()
            .flatten()
            .enumerate()
            .map(move |(i, p)| (pointer::push(&at, i.to_string()), p))
    });
    let components = value
        .pointer("/components/parameters")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, p)| {
            (
                pointer::join(["components", "parameters", name.as_str()]),
                p,
            )
        });
    listed.chain(components).find_map(|(at, p)| {
        let object = p.as_object()?;
        let missing = !["$ref", "schema", "content"]
            .iter()
            .any(|k| object.contains_key(*k));
        missing.then(|| {
            let name = object.get("name").and_then(Value::as_str).unwrap_or("?");
            let location = object.get("in").and_then(Value::as_str).unwrap_or("?");
            (
                at,
                format!(
                    "{location} parameter `{name}` has neither `schema` nor `content`; OpenAPI 3.0 requires one"
                ),
            )
        })
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
        assert_eq!(
            error("s.yaml", "swagger: '2.0'\n"),
            "s.yaml: not a valid OpenAPI 3.0 document at /swagger: this is a Swagger 2.0 document (OpenAPI 2.0); chekt-gen reads OpenAPI 3.0.x, so convert it first"
        );
        assert_eq!(
            error("s.yaml", "- a list\n"),
            "s.yaml: not a valid OpenAPI 3.0 document at #: the document must be a mapping with `openapi`, `info` and `paths`"
        );
        assert_eq!(
            error("s.yaml", "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"),
            "s.yaml: not a valid OpenAPI 3.0 document at #: missing field `paths`"
        );
    }

    const MINIMAL: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n";

    #[test]
    fn json_is_read_as_json_with_surrogate_pairs() {
        let src = r#"{"openapi": "3.0.3", "info": {"title": "\ud83d\udc4d", "version": "1"}, "paths": {}}"#;
        let spec = Spec::parse("s.json", src).unwrap();
        assert_eq!(spec.openapi().info.title, "\u{1f44d}");
        assert_eq!(
            error("s.json", "{\"openapi\": \"3.0.3\",\n  \"info\": }"),
            "s.json:2:11: invalid JSON: expected value at line 2 column 11"
        );
    }

    #[test]
    fn byte_level_problems_get_precise_messages() {
        assert_eq!(
            error("s.yaml", "  \n"),
            "s.yaml:1:1: the file is empty; expected an OpenAPI 3.0 document"
        );
        assert_eq!(
            error("s.yaml", &format!("\u{feff}{MINIMAL}")),
            "s.yaml:1:1: the file starts with a byte order mark (U+FEFF); save it as UTF-8 without BOM"
        );
        assert_eq!(
            error("s.yaml", "openapi: 3.0.3\ninfo: a\0b\n"),
            "s.yaml:2:8: NUL byte (U+0000) at byte offset 22; a spec is text"
        );
        let bytes = b"openapi: 3.0.3\ninfo: \xff\n";
        assert_eq!(
            Spec::from_bytes("s.yaml", bytes).unwrap_err().to_string(),
            "s.yaml:2:7: invalid UTF-8 at byte offset 21 (byte 0xFF); OpenAPI documents are UTF-8"
        );
        assert_eq!(
            error(
                "s.yaml",
                "openapi: 3.0\ninfo: {title: t, version: '1'}\npaths: {}\n"
            ),
            "s.yaml: not a valid OpenAPI 3.0 document at /openapi: `openapi` is the number 3.0; it must be a string naming the full version, e.g. `openapi: \"3.0.3\"`"
        );
    }

    #[test]
    fn utf16_and_utf32_are_named() {
        let text = MINIMAL.chars().map(|c| c as u16);
        let le: Vec<u8> = text.clone().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.flat_map(u16::to_be_bytes).collect();
        let message = |bytes: &[u8]| Spec::from_bytes("s.yaml", bytes).unwrap_err().to_string();
        assert_eq!(
            message(&[&[0xFF, 0xFE][..], &le].concat()),
            "s.yaml:1:1: the file is UTF-16LE (byte order mark FF FE); OpenAPI documents are UTF-8 (convert it, e.g. `iconv -f UTF-16LE -t UTF-8`)"
        );
        assert!(message(&le).contains("the file is UTF-16LE (no byte order mark)"));
        assert!(message(&be).contains("the file is UTF-16BE (no byte order mark)"));
        assert!(message(&[0xFE, 0xFF, 0, b'o']).contains("UTF-16BE (byte order mark FE FF)"));
        let utf32: Vec<u8> = MINIMAL
            .chars()
            .flat_map(|c| (c as u32).to_le_bytes())
            .collect();
        assert!(message(&utf32).contains("UTF-32LE (no byte order mark)"));
        // One NUL in UTF-8 text is still reported as a NUL byte.
        assert!(message(b"openapi: 3.0.3\0").contains("NUL byte"));
    }

    #[test]
    fn endless_input_is_refused_at_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.yaml");
        std::fs::write(&big, "x".repeat(1001)).unwrap();
        assert_eq!(
            read_capped(&big, 1000).unwrap_err().to_string(),
            format!(
                "{}: larger than 1000 bytes; refusing to read it",
                big.display()
            )
        );
        assert_eq!(read_capped(&big, 1001).unwrap().len(), 1001);
        #[cfg(unix)]
        assert!(
            Spec::from_file("/dev/zero")
                .unwrap_err()
                .to_string()
                .ends_with("larger than 67108864 bytes; refusing to read it")
        );
    }

    #[test]
    fn deep_flow_nesting_is_refused_before_parsing() {
        let deep = format!(
            "{MINIMAL}x-deep: {}{}\n",
            "[".repeat(200_000),
            "]".repeat(200_000)
        );
        assert_eq!(
            error("s.yaml", &deep),
            "s.yaml:4:264: mappings/sequences nested deeper than 64 levels; refusing to parse"
        );
        // Brackets inside quotes, comments and block scalars do not count.
        let quoted = format!(
            "{MINIMAL}x-a: '{0}'\nx-b: \"{1}\"\n# {0}\nx-c: |\n  {0}\n",
            "[".repeat(100),
            "{".repeat(100),
        );
        Spec::parse("s.yaml", quoted).unwrap();
    }

    /// A quote inside a plain scalar (`b "`, `a'b`) is no quote to YAML: deep
    /// nesting after one is still found (a text heuristic skipped it and
    /// libyaml took seconds per 40 KB).
    #[test]
    fn deep_nesting_after_a_plain_scalar_quote_is_refused() {
        let deep = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
        for src in [
            format!("{MINIMAL}x-a: b \"\nx-deep: {deep}\nx-c: d \"\n"),
            format!("{MINIMAL}x-deep: [a'b, {deep}]\n"),
            format!("{MINIMAL}x-a: |\n  it 's\nx-deep: {deep}\nx-c: 'x'\n"),
        ] {
            let err = error("s.yaml", &src);
            assert!(
                err.contains("nested deeper than 64 levels; refusing to parse"),
                "{err}"
            );
        }
    }

    #[test]
    fn deep_block_nesting_is_refused() {
        let mut src = format!("{MINIMAL}x-deep:\n");
        for level in 1..100 {
            src.push_str(&format!("{}k:\n", "  ".repeat(level)));
        }
        src.push_str(&format!("{}v\n", "  ".repeat(100)));
        assert_eq!(
            error("s.yaml", &src),
            "s.yaml:68:129: mappings/sequences nested deeper than 64 levels; refusing to parse"
        );
    }

    /// serde_json keeps the last of two equal keys and libyaml names no
    /// place; both are refused with line and column.
    #[test]
    fn duplicate_keys_are_refused_with_their_place() {
        assert_eq!(
            error(
                "s.json",
                "{\"openapi\": \"3.0.3\", \"info\": {\"title\": \"t\", \"version\": \"1\"},\n \"paths\": {}, \"paths\": {}}"
            ),
            "s.json:2:21: invalid JSON: duplicate key `paths` in an object at line 2 column 21"
        );
        assert_eq!(
            error("s.yaml", &format!("{MINIMAL}paths: {{}}\n")),
            "s.yaml:4:1: invalid YAML: duplicate key `paths` in a mapping (first at line 3)"
        );
        // `200` and `"200"` are two YAML keys but one JSON key.
        let src = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        200: {description: a}\n        '200': {description: b}\n";
        assert_eq!(
            error("s.yaml", src),
            "s.yaml:8:9: invalid YAML: duplicate key `200` in a mapping (first at line 7)"
        );
        // Equal keys in different mappings, and a merge's keys overridden, are fine.
        Spec::parse(
            "s.yaml",
            format!("{MINIMAL}x-a: &a {{k: 1, j: 2}}\nx-b: {{<<: *a, k: 3}}\nx-c: {{k: 1}}\n"),
        )
        .unwrap();
    }

    /// libyaml reported these at 1:1 (or the document root, with a `Debug`
    /// dump of the key).
    #[test]
    fn yaml_shapes_json_cannot_hold_are_named_with_their_place() {
        let cases = [
            (
                format!("{MINIMAL}? [a, b]\n: c\n"),
                "s.yaml:4:3: invalid YAML: a mapping key is a sequence; JSON object keys are strings",
            ),
            (
                format!("{MINIMAL}---\nopenapi: 3.0.3\n"),
                "s.yaml:4:1: invalid YAML: a second YAML document; a spec is one document (remove this `---` and what follows, or split the file)",
            ),
            (
                format!("{MINIMAL}x-a: &a 5\nx-b: {{<<: *a}}\n"),
                "s.yaml:5:11: invalid YAML: `<<` (a merge key) takes a mapping or a list of mappings, but this alias names a scalar",
            ),
            (
                format!("{MINIMAL}x-b:\n  <<: 5\n"),
                "s.yaml:5:7: invalid YAML: `<<` (a merge key) takes a mapping or a list of mappings, not the scalar `5`",
            ),
        ];
        for (src, expected) in cases {
            assert_eq!(error("s.yaml", &src), expected);
        }
        // Merges of mappings and lists of them work.
        Spec::parse(
            "s.yaml",
            format!("{MINIMAL}x-a: &a {{k: 1}}\nx-b: &b {{j: 2}}\nx-d: {{<<: [*a, *b], i: 3}}\n"),
        )
        .unwrap();
    }

    /// serde_yaml's repetition limit let a 46 KB file expand to 40 million
    /// nodes (6 GB, 105 s); the classic nested bomb is refused as well.
    #[test]
    fn alias_bombs_are_refused_before_expansion() {
        let list = vec!["x"; 20_000].join(",");
        let aliases = vec!["*b"; 2_000].join(",");
        let wide = format!("{MINIMAL}x-base: &b [{list}]\nx-al: [{aliases}]\n");
        assert_eq!(
            error("s.yaml", &wide),
            "s.yaml:5:155: aliases expand to more than 1000000 nodes (an alias bomb); refusing to parse"
        );
        let mut nested = format!("{MINIMAL}x-a0: &a0 [x,x,x,x,x,x,x,x,x,x]\n");
        for level in 1..10 {
            let refs = vec![format!("*a{}", level - 1); 10].join(",");
            nested.push_str(&format!("x-a{level}: &a{level} [{refs}]\n"));
        }
        assert!(error("s.yaml", &nested).contains("(an alias bomb); refusing to parse"));
        // Aliases of small mappings, however many, are fine.
        let small = format!(
            "{MINIMAL}x-ok: &ok {{description: ok}}\nx-uses: [{}]\n",
            vec!["*ok"; 1000].join(",")
        );
        Spec::parse("s.yaml", small).unwrap();
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
