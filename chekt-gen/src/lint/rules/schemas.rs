//! Schema-level shapes that typify or progenitor fail on, or turn into code
//! that does not compile, found before generation with their pointer.

use serde_json::Value;

use super::{entries, subschemas};
use crate::lint::Hit;
use crate::load::Spec;
use crate::pointer::{self, Trail};

/// Calls `found(pointer, schema)` for every schema object in the document
/// (component schemas, parameter, header and media type schemas, and every
/// schema nested in those), without following `$ref`s.
pub(crate) fn walk_schemas(spec: &Spec, found: &mut dyn FnMut(&str, &Value)) {
    let root = spec.value();
    for (name, schema) in entries(root.get("components").unwrap_or(&Value::Null), "schemas") {
        walk(
            schema,
            &pointer::join(["components", "schemas", name]),
            found,
        );
    }
    visit_holders(root, &mut Trail::default(), found);
}

/// Finds `schema` members of parameters, headers and media types anywhere
/// outside `components/schemas` and examples.
fn visit_holders<'a>(value: &'a Value, trail: &mut Trail<'a>, found: &mut dyn FnMut(&str, &Value)) {
    match value {
        Value::Object(map) => {
            let in_components = trail.segments().eq(["components"]);
            for (key, child) in map {
                match key.as_str() {
                    "example" | "examples" => continue,
                    "schemas" if in_components => continue,
                    _ => {}
                }
                trail.push(key.as_str());
                if key == "schema" && child.is_object() {
                    walk(child, &trail.pointer(), found);
                } else {
                    visit_holders(child, trail, found);
                }
                trail.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                trail.push(i.to_string());
                visit_holders(child, trail, found);
                trail.pop();
            }
        }
        _ => {}
    }
}

fn walk(schema: &Value, at: &str, found: &mut dyn FnMut(&str, &Value)) {
    if !schema.is_object() {
        return;
    }
    found(at, schema);
    for sub in subschemas(schema, at) {
        walk(sub.schema, &sub.pointer, found);
    }
}

/// `schema-object-format`: an object schema with a `format`, which typify
/// cannot turn into a type (`format` applies to strings and numbers).
pub fn object_format(spec: &Spec) -> Vec<Hit> {
    let mut hits = Vec::new();
    walk_schemas(spec, &mut |at, schema| {
        if schema.get("type").and_then(Value::as_str) == Some("object")
            && let Some(format) = schema.get("format")
        {
            hits.push(Hit::located(
                spec,
                pointer::push(at, "format"),
                format!(
                    "`format: {}` on an object schema; `format` applies to strings and numbers: remove it",
                    scalar(format)
                ),
            ));
        }
    });
    hits
}

/// Whether `value` is a JSON value of OpenAPI `type` `ty` (`null` only when
/// the schema is `nullable`).
fn fits_type(value: &Value, ty: &str, nullable: bool) -> bool {
    match value {
        Value::Null => nullable,
        Value::Bool(_) => ty == "boolean",
        Value::Number(n) => ty == "number" || (ty == "integer" && (n.is_i64() || n.is_u64())),
        Value::String(_) => ty == "string",
        Value::Array(_) => ty == "array",
        Value::Object(_) => ty == "object",
    }
}

/// The schema's `type` and `nullable`, when it states a type.
fn type_of(schema: &Value) -> Option<(&str, bool)> {
    let ty = schema.get("type").and_then(Value::as_str)?;
    Some((
        ty,
        schema.get("nullable").and_then(Value::as_bool) == Some(true),
    ))
}

/// `schema-default-type`: a `default` whose JSON type is not the schema's
/// `type` (`{type: boolean, default: "false"}`); typify cannot emit it.
pub fn default_type(spec: &Spec) -> Vec<Hit> {
    let mut hits = Vec::new();
    walk_schemas(spec, &mut |at, schema| {
        let (Some(default), Some((ty, nullable))) = (schema.get("default"), type_of(schema)) else {
            return;
        };
        if !fits_type(default, ty, nullable) {
            hits.push(Hit::located(
                spec,
                pointer::push(at, "default"),
                format!(
                    "`default: {default}` is not a valid `{ty}`{}; write the default as a {ty} value",
                    if default.is_string() { " (it is a string)" } else { "" }
                ),
            ));
        }
    });
    hits
}

/// `schema-enum-type`: an `enum` value whose JSON type is not the schema's
/// `type` (`{type: string, enum: [a, 1]}`); typify fails on the schema
/// ("unexpected value type") without saying which value. `null` is allowed.
pub fn enum_type(spec: &Spec) -> Vec<Hit> {
    let mut hits = Vec::new();
    walk_schemas(spec, &mut |at, schema| {
        let (Some(values), Some((ty, nullable))) = (
            schema.get("enum").and_then(Value::as_array),
            type_of(schema),
        ) else {
            return;
        };
        for (i, value) in values.iter().enumerate() {
            // typify reads `null` among the values as "nullable" (Dropshot
            // writes `{type: string, enum: [null]}` for a null body).
            if !value.is_null() && !fits_type(value, ty, nullable) {
                hits.push(Hit::located(
                    spec,
                    pointer::join_onto(at, ["enum", &i.to_string()]),
                    format!(
                        "enum value `{value}` is not a valid `{ty}`{}; every value of an enum has the schema's type",
                        if value.is_string() { " (it is a string)" } else { "" }
                    ),
                ));
            }
        }
    });
    hits
}

/// `schema-default-not-in-enum`: a `default` that is none of the schema's
/// `enum` values; typify drops it or builds the value unchecked, so a
/// missing field silently decodes to a value the spec forbids.
pub fn default_not_in_enum(spec: &Spec) -> Vec<Hit> {
    let mut hits = Vec::new();
    walk_schemas(spec, &mut |at, schema| {
        let (Some(default), Some(values)) = (
            schema.get("default"),
            schema.get("enum").and_then(Value::as_array),
        ) else {
            return;
        };
        if !values.contains(default) {
            let listed: Vec<String> = values.iter().map(Value::to_string).collect();
            hits.push(Hit::located(
                spec,
                pointer::push(at, "default"),
                format!(
                    "`default: {default}` is not one of the enum's values ({}); make it one or add it to `enum`",
                    listed.join(", ")
                ),
            ));
        }
    });
    hits
}

/// `octet-stream-byte`: an `application/octet-stream` body whose schema is
/// `format: byte` (base64 text); raw bytes are `type: string, format: binary`.
pub fn octet_stream_byte(spec: &Spec) -> Vec<Hit> {
    let mut hits = Vec::new();
    find_media(
        spec.value(),
        &mut Trail::default(),
        &mut |at, media_type, media| {
            let schema = media
                .get("schema")
                .and_then(|s| pointer::follow_ref(spec.value(), s));
            if media_type.split(';').next().map(str::trim) == Some("application/octet-stream")
                && schema.and_then(|s| s.get("format")).and_then(Value::as_str) == Some("byte")
            {
                hits.push(Hit::located(
                spec,
                pointer::join_onto(&at.pointer(), ["schema"]),
                "an `application/octet-stream` body is raw bytes, but its schema says `format: byte` (base64 text); use `type: string, format: binary`",
            ));
            }
        },
    );
    hits
}

/// Calls `found(trail, media type, media type object)` for every entry of
/// every `content` map.
fn find_media<'a>(
    value: &'a Value,
    trail: &mut Trail<'a>,
    found: &mut dyn FnMut(&Trail<'a>, &str, &Value),
) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "example" || key == "examples" {
                    continue;
                }
                trail.push(key.as_str());
                if key == "content"
                    && let Value::Object(media) = child
                {
                    for (media_type, object) in media {
                        trail.push(media_type.as_str());
                        found(trail, media_type, object);
                        trail.pop();
                    }
                }
                find_media(child, trail, found);
                trail.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                trail.push(i.to_string());
                find_media(child, trail, found);
                trail.pop();
            }
        }
        _ => {}
    }
}

fn scalar(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_string)
}
