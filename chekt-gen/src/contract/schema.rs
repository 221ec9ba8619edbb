//! OpenAPI 3.0 schemas checked with the `jsonschema` crate, and drift.
//!
//! The whole spec is converted once into a JSON Schema 2020-12 document with
//! the *same* layout (so a location in it is a JSON pointer into the spec):
//! `nullable` becomes a `null` type or enum member, or, where there is no
//! `type` (`allOf: [$ref]` + `nullable`), an `if null / else` around the
//! original kept under [`NON_NULL`]; boolean `exclusiveMinimum`/`Maximum`
//! become numeric; `format` stays and is validated. The document is
//! registered as [`SPEC_URI`], and each schema a check needs is compiled once,
//! on first use, as `{"$ref": "urn:chekt:spec#<pointer>"}`, and cached by
//! pointer.

use std::collections::{BTreeMap, HashMap};

use jsonschema::{Draft, Registry, Resource, ValidationError, Validator};
use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::load::Spec;
use crate::pointer;

/// The URI the converted spec is registered under.
pub const SPEC_URI: &str = "urn:chekt:spec";

/// Key that holds the non-null form of a nullable schema without `type`.
pub const NON_NULL: &str = "x-chekt-non-null";

/// One way a value failed its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON pointer of the failing value inside the checked value.
    pub instance: String,
    /// JSON pointer into the spec of the keyword that failed.
    pub schema: String,
    /// What was expected, and what was found.
    pub message: String,
}

/// A field present in a value that its schema does not declare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undeclared {
    /// JSON pointer of the field inside the checked value.
    pub instance: String,
    /// JSON pointer into the spec of the object schema that lacks it.
    pub schema: String,
    /// The field's name.
    pub field: String,
}

/// The spec's schemas, converted once, compiled on first use.
pub struct Schemas {
    file: String,
    registry: Registry<'static>,
    validators: HashMap<String, Validator>,
}

impl std::fmt::Debug for Schemas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schemas")
            .field("file", &self.file)
            .field("compiled", &self.validators.len())
            .finish()
    }
}

impl Schemas {
    /// Converts every schema of `spec` and registers the result.
    pub fn new(spec: &Spec) -> Result<Self> {
        let mut document = spec.value().clone();
        walk(&mut document, String::new());
        let unsupported = |e: jsonschema::ReferencingError| Error::Unsupported {
            file: spec.name().to_string(),
            pointer: String::new(),
            what: format!("the spec as a JSON Schema document: {e}"),
        };
        let registry = Registry::new()
            .draft(Draft::Draft202012)
            .retrieve_known_draft_meta_schemas(false)
            .add(SPEC_URI, Resource::from_contents(document))
            .map_err(unsupported)?
            .prepare()
            .map_err(unsupported)?;
        Ok(Schemas {
            file: spec.name().to_string(),
            registry,
            validators: HashMap::new(),
        })
    }

    /// How many distinct schemas have been compiled so far.
    pub fn compiled(&self) -> usize {
        self.validators.len()
    }

    /// Validates `instance` against the schema at `schema_pointer` (a pointer
    /// into the spec), compiling it on first use.
    pub fn validate(&mut self, schema_pointer: &str, instance: &Value) -> Result<Vec<Violation>> {
        if !self.validators.contains_key(schema_pointer) {
            let root = json!({ "$ref": format!("{SPEC_URI}#{}", encode_fragment(schema_pointer)) });
            let validator = jsonschema::options()
                .with_draft(Draft::Draft202012)
                .with_registry(&self.registry)
                .should_validate_formats(true)
                .build(&root)
                .map_err(|e| Error::Unsupported {
                    file: self.file.clone(),
                    pointer: schema_pointer.to_string(),
                    what: format!("schema does not compile as JSON Schema: {e}"),
                })?;
            self.validators
                .insert(schema_pointer.to_string(), validator);
        }
        let Some(validator) = self.validators.get(schema_pointer) else {
            return Ok(Vec::new());
        };
        Ok(validator
            .iter_errors(instance)
            .map(|e| violation(schema_pointer, &e))
            .collect())
    }
}

fn violation(root: &str, error: &ValidationError<'_>) -> Violation {
    let schema = error
        .absolute_keyword_location()
        .and_then(|uri| {
            uri.as_str()
                .split_once('#')
                .map(|(_, f)| decode_fragment(f))
        })
        .unwrap_or_else(|| format!("{root}{}", error.schema_path().as_str()));
    let marker = format!("/{NON_NULL}");
    Violation {
        instance: error.instance_path().as_str().to_string(),
        schema: schema.replace(&marker, ""),
        message: error.to_string(),
    }
}

/// Percent-encodes what a URI fragment cannot hold literally.
fn encode_fragment(pointer: &str) -> String {
    let mut out = String::with_capacity(pointer.len());
    for byte in pointer.bytes() {
        if byte.is_ascii_alphanumeric() || b"/~-._!$&'()*+,;=:@".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Undoes percent-encoding in a URI fragment.
fn decode_fragment(fragment: &str) -> String {
    let bytes = fragment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Finds the schemas of a spec document: values under `schema` (parameters,
/// headers, media types) and under `components/schemas`.
fn walk(value: &mut Value, at: String) {
    match value {
        Value::Object(map) => {
            let at_components = at == "/components";
            for (key, child) in map.iter_mut() {
                let here = pointer::push(&at, key);
                match key.as_str() {
                    "schema" => convert(child, here),
                    "schemas" if at_components => {
                        if let Value::Object(schemas) = child {
                            for (name, schema) in schemas.iter_mut() {
                                convert(schema, pointer::push(&here, name));
                            }
                        }
                    }
                    "example" | "examples" => {}
                    _ => walk(child, here),
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                walk(item, pointer::push(&at, i.to_string()));
            }
        }
        _ => {}
    }
}

/// Converts one OpenAPI 3.0 schema (and its subschemas) in place.
fn convert(schema: &mut Value, at: String) {
    let Value::Object(map) = schema else { return };
    if map.contains_key("$ref") {
        return; // OpenAPI 3.0 ignores a `$ref`'s siblings
    }
    for key in ["items", "not", "additionalProperties"] {
        if let Some(child) = map.get_mut(key) {
            convert(child, pointer::push(&at, key));
        }
    }
    for key in ["properties", "patternProperties"] {
        if let Some(Value::Object(children)) = map.get_mut(key) {
            for (name, child) in children.iter_mut() {
                convert(child, pointer::join_onto(&at, [key, name.as_str()]));
            }
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(Value::Array(children)) = map.get_mut(key) {
            for (i, child) in children.iter_mut().enumerate() {
                convert(child, pointer::join_onto(&at, [key, &i.to_string()]));
            }
        }
    }
    for (flag, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        match map.get(flag) {
            Some(Value::Bool(true)) => match map.remove(bound) {
                Some(limit) => {
                    map.insert(flag.to_string(), limit);
                }
                None => {
                    map.remove(flag);
                }
            },
            Some(Value::Bool(false)) => {
                map.remove(flag);
            }
            _ => {}
        }
    }
    if map.remove("nullable") != Some(Value::Bool(true)) {
        return;
    }
    match map.get_mut("type") {
        Some(kind) => {
            if let Value::String(name) = kind {
                *kind = json!([name.clone(), "null"]);
            }
            if let Some(Value::Array(options)) = map.get_mut("enum")
                && !options.contains(&Value::Null)
            {
                options.push(Value::Null);
            }
        }
        None => {
            let inner = std::mem::take(map);
            let target = format!(
                "{SPEC_URI}#{}",
                encode_fragment(&pointer::push(&at, NON_NULL))
            );
            map.insert("if".into(), json!({ "type": "null" }));
            map.insert("else".into(), json!({ "$ref": target }));
            map.insert(NON_NULL.into(), Value::Object(inner));
        }
    }
}

/// The fields of `instance` that the schema at `schema_pointer` (in the
/// original spec) does not declare, walking through `$ref`, `allOf`, `oneOf`
/// and `anyOf` (a field any branch declares counts as declared), `items` and
/// `additionalProperties`.
pub fn undeclared(spec: &Value, schema_pointer: &str, instance: &Value) -> Vec<Undeclared> {
    let mut out = Vec::new();
    drift(spec, &[schema_pointer.to_string()], instance, "", &mut out);
    out
}

/// What a set of schemas says about an object or array.
#[derive(Default)]
struct Shape {
    properties: BTreeMap<String, Vec<String>>,
    additional: Vec<String>,
    items: Vec<String>,
    open: bool,
    location: Option<String>,
}

fn drift(spec: &Value, schemas: &[String], instance: &Value, at: &str, out: &mut Vec<Undeclared>) {
    let mut shape = Shape::default();
    for schema in schemas {
        collect(spec, schema, &mut shape, 0);
    }
    match instance {
        Value::Object(fields) => {
            for (name, value) in fields {
                let here = pointer::push(at, name);
                match shape.properties.get(name) {
                    Some(children) => drift(spec, children, value, &here, out),
                    None if !shape.additional.is_empty() => {
                        drift(spec, &shape.additional, value, &here, out)
                    }
                    None if shape.open => {}
                    None => out.push(Undeclared {
                        instance: here,
                        schema: shape.location.clone().unwrap_or_default(),
                        field: name.clone(),
                    }),
                }
            }
        }
        Value::Array(items) if !shape.items.is_empty() => {
            for (i, item) in items.iter().enumerate() {
                drift(
                    spec,
                    &shape.items,
                    item,
                    &pointer::push(at, i.to_string()),
                    out,
                );
            }
        }
        _ => {}
    }
}

fn collect(spec: &Value, schema: &str, shape: &mut Shape, depth: usize) {
    let Some((at, Value::Object(map))) = pointer::resolve_located(spec, schema) else {
        shape.open = true; // unresolvable: lint reports it; claim nothing
        return;
    };
    if depth > 32 {
        return;
    }
    if let Some(Value::Object(properties)) = map.get("properties") {
        shape.location.get_or_insert_with(|| at.clone());
        for name in properties.keys() {
            shape
                .properties
                .entry(name.clone())
                .or_default()
                .push(pointer::join_onto(&at, ["properties", name.as_str()]));
        }
    }
    match map.get("additionalProperties") {
        Some(Value::Object(_)) => shape
            .additional
            .push(pointer::push(&at, "additionalProperties")),
        Some(Value::Bool(true)) => shape.open = true,
        _ => {}
    }
    if map.contains_key("items") {
        shape.items.push(pointer::push(&at, "items"));
    }
    let composed = ["allOf", "oneOf", "anyOf"]
        .into_iter()
        .filter_map(|key| Some((key, map.get(key)?.as_array()?)))
        .collect::<Vec<_>>();
    for (key, members) in &composed {
        for i in 0..members.len() {
            collect(
                spec,
                &pointer::join_onto(&at, [*key, &i.to_string()]),
                shape,
                depth + 1,
            );
        }
    }
    let declares_nothing = !map.contains_key("properties")
        && !map.contains_key("additionalProperties")
        && composed.is_empty();
    if declares_nothing && map.get("type").is_none_or(|t| t == "object") {
        shape.open = true; // a free-form object
    }
}

#[cfg(test)]
fn converted(value: &Value) -> Value {
    let mut value = value.clone();
    walk(&mut value, String::new());
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Spec {
        Spec::parse(
            "t.yaml",
            r##"
openapi: 3.0.3
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    Item:
      type: object
      required: [id, kind]
      properties:
        id: {type: integer, format: int64}
        kind: {type: string, enum: [a, b], nullable: true}
        when: {type: string, format: date-time}
        err:
          allOf: [{$ref: '#/components/schemas/Err'}]
          nullable: true
        tags: {type: object, additionalProperties: {type: string}}
        free: {type: object}
    Err:
      type: object
      required: [code]
      properties:
        code: {type: string}
    Low:
      type: integer
      minimum: 0
      exclusiveMinimum: true
"##,
        )
        .unwrap()
    }

    #[test]
    fn converts_nullable_and_exclusive_bounds() {
        let doc = converted(spec().value());
        let item = &doc["components"]["schemas"]["Item"]["properties"];
        assert_eq!(item["kind"]["type"], json!(["string", "null"]));
        assert_eq!(item["kind"]["enum"], json!(["a", "b", null]));
        assert_eq!(item["err"]["if"], json!({"type": "null"}));
        assert_eq!(
            item["err"]["else"]["$ref"],
            "urn:chekt:spec#/components/schemas/Item/properties/err/x-chekt-non-null"
        );
        assert_eq!(
            doc["components"]["schemas"]["Low"],
            json!({"type": "integer", "exclusiveMinimum": 0})
        );
    }

    #[test]
    fn violations_point_into_the_spec() {
        let spec = spec();
        let mut schemas = Schemas::new(&spec).unwrap();
        let item = "/components/schemas/Item";
        let ok = json!({"id": 1, "kind": null, "err": null, "when": "2025-01-01T00:00:00Z"});
        assert_eq!(schemas.validate(item, &ok).unwrap(), vec![]);
        let bad = json!({"id": "1", "kind": "c", "err": {}, "when": "yesterday"});
        let mut found = schemas
            .validate(item, &bad)
            .unwrap()
            .into_iter()
            .map(|v| format!("{} | {} | {}", v.instance, v.schema, v.message))
            .collect::<Vec<_>>();
        found.sort();
        assert_eq!(
            found,
            [
                "/err | /components/schemas/Err/required | \"code\" is a required property",
                "/id | /components/schemas/Item/properties/id/type | \"1\" is not of type \"integer\"",
                "/kind | /components/schemas/Item/properties/kind/enum | \"c\" is not one of \"a\", \"b\" or null",
                "/when | /components/schemas/Item/properties/when/format | \"yesterday\" is not a \"date-time\"",
            ]
        );
        assert_eq!(schemas.compiled(), 1);
        schemas.validate(item, &ok).unwrap();
        assert_eq!(schemas.compiled(), 1, "compiled once per pointer");
    }

    #[test]
    fn drift_walks_refs_maps_and_free_objects() {
        let spec = spec();
        let body = json!({
            "id": 1, "kind": "a", "extra": true,
            "err": {"code": "x", "hint": "y"},
            "tags": {"any": "thing"},
            "free": {"whatever": 1}
        });
        let found = undeclared(spec.value(), "/components/schemas/Item", &body)
            .into_iter()
            .map(|u| format!("{} {} {}", u.instance, u.schema, u.field))
            .collect::<Vec<_>>();
        assert_eq!(
            found,
            [
                "/extra /components/schemas/Item extra",
                "/err/hint /components/schemas/Err hint",
            ]
        );
    }
}
