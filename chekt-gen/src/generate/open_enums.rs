//! Forward-compatible enums. progenitor's enums are closed: a value the spec
//! does not list fails deserialization. Under the seeds' versioning policy a
//! new enum value is additive, so every string enum becomes an open enum
//! with an `Unknown(String)` variant:
//!
//! 1. [`hoist`] moves inline string enums into `components/schemas` under
//!    stable names (so typify's replacement mechanism can reach them);
//! 2. [`emit`] writes the open enum for each component enum; the generator
//!    registers it as the replacement for the type typify would have made.

use std::collections::HashSet;

use heck::ToUpperCamelCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::{Map, Value, json};

use super::names;
use crate::pointer;

/// A string enum schema from `components/schemas`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumSchema {
    /// The component name, also the Rust type name.
    pub name: String,
    /// The wire values, in spec order (without `null`).
    pub values: Vec<String>,
    /// Rust variant names, one per value.
    pub variants: Vec<String>,
    /// The schema's description.
    pub description: Option<String>,
    /// The schema's default value, if it is one of `values`.
    pub default: Option<String>,
}

/// Whether `schema` is an inline string enum (not a `$ref`).
fn is_string_enum(schema: &Value) -> bool {
    let Some(values) = schema.get("enum").and_then(Value::as_array) else {
        return false;
    };
    let typed_string = schema
        .get("type")
        .and_then(Value::as_str)
        .is_none_or(|t| t == "string");
    typed_string
        && values.iter().any(Value::is_string)
        && values.iter().all(|v| v.is_string() || v.is_null())
}

/// One place an inline enum sits, and the name it will get.
struct Site {
    pointer: String,
    name: String,
}

/// Moves every inline string enum into `components/schemas` and returns all
/// component string enums (the hoisted ones included), sorted by name.
pub fn hoist(doc: &mut Value) -> Vec<EnumSchema> {
    let mut sites = Vec::new();
    find_sites(doc, &mut sites);
    let mut taken = TakenNames::of(doc);
    for site in sites {
        let Some(slot) = doc.pointer_mut(&site.pointer) else {
            continue;
        };
        let mut schema = slot.take();
        let name = taken.claim(&site.name);
        let nullable = strip_nullability(&mut schema);
        if let Some(slot) = doc.pointer_mut(&site.pointer) {
            let reference = json!({ "$ref": format!("#/components/schemas/{name}") });
            *slot = if nullable {
                json!({ "allOf": [reference], "nullable": true })
            } else {
                reference
            };
        }
        if let Some(schemas) = schemas_mut(doc) {
            schemas.insert(name, schema);
        }
    }
    split_nullable_components(doc, &mut taken);
    let mut enums: Vec<EnumSchema> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(_, schema)| is_string_enum(schema))
        .map(|(name, schema)| describe(name, schema))
        .collect();
    enums.sort_by(|a, b| a.name.cmp(&b.name));
    enums
}

/// Removes `nullable: true` and `null` values; says whether either was there.
fn strip_nullability(schema: &mut Value) -> bool {
    let mut nullable = schema.get("nullable").and_then(Value::as_bool) == Some(true);
    if let Some(map) = schema.as_object_mut() {
        map.remove("nullable");
        if let Some(Value::Array(values)) = map.get_mut("enum") {
            let before = values.len();
            values.retain(|v| !v.is_null());
            nullable |= values.len() != before;
        }
    }
    nullable
}

/// A nullable component enum `X` becomes `X: {allOf: [XValue], nullable}`
/// with the open enum `XValue`, so uses of `X` stay optional.
fn split_nullable_components(doc: &mut Value, taken: &mut TakenNames) {
    let nullable: Vec<String> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(_, s)| is_string_enum(s))
        .filter(|(_, s)| {
            s.get("nullable").and_then(Value::as_bool) == Some(true)
                || s.get("enum")
                    .and_then(Value::as_array)
                    .is_some_and(|v| v.iter().any(Value::is_null))
        })
        .map(|(name, _)| name.clone())
        .collect();
    for name in nullable {
        let inner = taken.claim(&format!("{name}Value"));
        let Some(schemas) = schemas_mut(doc) else {
            return;
        };
        let Some(mut schema) = schemas.shift_remove(&name) else {
            continue;
        };
        strip_nullability(&mut schema);
        schemas.insert(inner.clone(), schema);
        schemas.insert(
            name,
            json!({ "allOf": [{ "$ref": format!("#/components/schemas/{inner}") }], "nullable": true }),
        );
    }
}

/// `components/schemas`, created when missing; `None` only when the
/// document has a non-object there (which loading has already rejected).
fn schemas_mut(doc: &mut Value) -> Option<&mut Map<String, Value>> {
    doc.as_object_mut()?
        .entry("components")
        .or_insert_with(|| json!({}))
        .as_object_mut()?
        .entry("schemas")
        .or_insert_with(|| json!({}))
        .as_object_mut()
}

/// The Rust type names (as typify spells them) of the component schemas,
/// so a hoisted enum never gets a name that differs from an existing
/// component's only in spelling (`pet_status` vs `PetStatus`).
struct TakenNames(HashSet<String>);

impl TakenNames {
    fn of(doc: &Value) -> Self {
        TakenNames(
            entries(doc.get("components"), "schemas")
                .map(|(name, _)| names::type_name(name))
                .collect(),
        )
    }

    /// `wanted`, or `wanted2`, `wanted3`, ... whose Rust name is free; the
    /// name is then taken.
    fn claim(&mut self, wanted: &str) -> String {
        let name = std::iter::once(wanted.to_string())
            .chain((2..).map(|i| format!("{wanted}{i}")))
            .find(|n| !self.0.contains(&names::type_name(n)))
            .unwrap_or_else(|| wanted.to_string());
        self.0.insert(names::type_name(&name));
        name
    }
}

fn find_sites(doc: &Value, sites: &mut Vec<Site>) {
    let components = doc.get("components");
    for (name, schema) in entries(components, "schemas") {
        let at = pointer::join(["components", "schemas", name]);
        if !is_string_enum(schema) {
            walk_schema(schema, &at, name, sites);
        }
    }
    for (name, param) in entries(components, "parameters") {
        let at = pointer::join(["components", "parameters", name]);
        visit(
            param.get("schema"),
            &pointer::push(&at, "schema"),
            &pascal(name),
            sites,
        );
    }
    for (name, body) in entries(components, "requestBodies") {
        let at = pointer::join(["components", "requestBodies", name]);
        visit_content(body, &at, &pascal(&format!("{name}-body")), sites);
    }
    for (name, response) in entries(components, "responses") {
        let at = pointer::join(["components", "responses", name]);
        visit_content(response, &at, &pascal(&format!("{name}-response")), sites);
    }
    for (path, item) in entries(Some(doc), "paths") {
        for (method, op) in item.as_object().into_iter().flatten() {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let at = pointer::join(["paths", path, method]);
            for (i, param) in op
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let name = param.get("name").and_then(Value::as_str).unwrap_or("param");
                let here = pointer::join_onto(&at, ["parameters", &i.to_string(), "schema"]);
                visit(
                    param.get("schema"),
                    &here,
                    &pascal(&format!("{id}-{name}")),
                    sites,
                );
            }
            if let Some(body) = op.get("requestBody") {
                visit_content(
                    body,
                    &pointer::push(&at, "requestBody"),
                    &pascal(&format!("{id}-body")),
                    sites,
                );
            }
            for (status, response) in entries(Some(op), "responses") {
                let here = pointer::join_onto(&at, ["responses", status]);
                visit_content(response, &here, &pascal(&format!("{id}-response")), sites);
            }
        }
    }
}

fn entries<'a>(
    owner: Option<&'a Value>,
    key: &str,
) -> impl Iterator<Item = (&'a String, &'a Value)> {
    owner
        .and_then(|o| o.get(key))
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
}

fn visit_content(owner: &Value, at: &str, name: &str, sites: &mut Vec<Site>) {
    for (mt, media) in entries(Some(owner), "content") {
        let here = pointer::join_onto(at, ["content", mt, "schema"]);
        visit(media.get("schema"), &here, name, sites);
    }
}

/// Hoists `schema` itself if it is an inline enum, else looks inside it.
fn visit(schema: Option<&Value>, at: &str, name: &str, sites: &mut Vec<Site>) {
    let Some(schema) = schema else { return };
    if is_string_enum(schema) {
        sites.push(Site {
            pointer: at.to_string(),
            name: name.to_string(),
        });
    } else {
        walk_schema(schema, at, name, sites);
    }
}

fn walk_schema(schema: &Value, at: &str, base: &str, sites: &mut Vec<Site>) {
    for (prop, child) in entries(Some(schema), "properties") {
        let here = pointer::join_onto(at, ["properties", prop]);
        visit(
            Some(child),
            &here,
            &format!("{base}{}", pascal(prop)),
            sites,
        );
    }
    if let Some(items) = schema.get("items") {
        visit(
            Some(items),
            &pointer::push(at, "items"),
            &format!("{base}Item"),
            sites,
        );
    }
    if let Some(extra) = schema.get("additionalProperties").filter(|v| v.is_object()) {
        visit(
            Some(extra),
            &pointer::push(at, "additionalProperties"),
            &format!("{base}Value"),
            sites,
        );
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for (i, child) in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let here = pointer::join_onto(at, [key, &i.to_string()]);
            visit(Some(child), &here, &format!("{base}Variant{i}"), sites);
        }
    }
}

fn pascal(s: &str) -> String {
    s.to_upper_camel_case()
}

fn describe(name: &str, schema: &Value) -> EnumSchema {
    let values: Vec<String> = schema
        .get("enum")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let custom: Option<Vec<String>> = schema
        .get("x-enum-varnames")
        .and_then(Value::as_array)
        .map(|names| {
            names
                .iter()
                .filter_map(|n| n.as_str().map(str::to_string))
                .collect()
        })
        .filter(|names: &Vec<String>| names.len() == values.len());
    let variants = variant_names(custom.as_deref().unwrap_or(&values));
    let default = schema
        .get("default")
        .and_then(Value::as_str)
        .filter(|d| values.iter().any(|v| v == d))
        .map(str::to_string);
    EnumSchema {
        name: name.to_string(),
        values,
        variants,
        description: schema
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_string),
        default,
    }
}

/// Valid, unique Rust variant names for `values`, never `Unknown`.
pub fn variant_names(values: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for value in values {
        let mut name: String = value
            .to_upper_camel_case()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() {
            name = "Empty".to_string();
        }
        if name.starts_with(|c: char| c.is_ascii_digit()) {
            name = format!("V{name}");
        }
        if matches!(name.as_str(), "Unknown" | "Self") {
            name.push_str("Value");
        }
        let base = name.clone();
        let mut n = 2;
        while out.contains(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        out.push(name);
    }
    out
}

/// The open enum for `schema`: known variants, `Unknown(String)`, and the
/// conversions and serde impls that keep unknown values verbatim.
pub fn emit(schema: &EnumSchema) -> TokenStream {
    let name = format_ident!("{}", schema.name);
    let doc = schema.description.clone().unwrap_or_else(|| {
        format!(
            "`{}`, one of the values the spec lists or an unknown one.",
            schema.name
        )
    });
    let variants: Vec<_> = schema
        .variants
        .iter()
        .map(|v| format_ident!("{}", v))
        .collect();
    let values = &schema.values;
    let variant_docs = values.iter().map(|v| format!("`{v}`"));
    let default_impl = schema.default.as_ref().map(|default| {
        quote! {
            impl ::std::default::Default for #name {
                fn default() -> Self {
                    Self::from(#default)
                }
            }
        }
    });
    quote! {
        #[doc = #doc]
        ///
        /// Open enum: a value this client does not know yet deserializes
        /// into `Unknown` instead of failing, because new values are an
        /// additive change.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #name {
            #( #[doc = #variant_docs] #variants, )*
            /// A value the spec did not list when this client was generated,
            /// kept verbatim.
            Unknown(::std::string::String),
        }

        impl #name {
            /// Every value the spec lists, in spec order.
            pub const KNOWN: &'static [&'static str] = &[#(#values),*];

            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #( Self::#variants => #values, )*
                    Self::Unknown(value) => value.as_str(),
                }
            }

            /// Whether the spec lists this value.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #( #values => Self::#variants, )*
                    other => Self::Unknown(other.to_string()),
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for #name {
            fn from(value: ::std::string::String) -> Self {
                match value.as_str() {
                    #( #values => Self::#variants, )*
                    _ => Self::Unknown(value),
                }
            }
        }

        impl ::std::convert::From<&::std::string::String> for #name {
            fn from(value: &::std::string::String) -> Self {
                Self::from(value.as_str())
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                ::std::string::String::deserialize(deserializer).map(Self::from)
            }
        }

        #default_impl
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variant_name_table() {
        let cases: [(&[&str], &[&str]); 6] = [
            (&["online", "offline"], &["Online", "Offline"]),
            (&["alarm.created"], &["AlarmCreated"]),
            (
                &["urn:ietf:params:oauth:grant-type:jwt-bearer"],
                &["UrnIetfParamsOauthGrantTypeJwtBearer"],
            ),
            (
                &["unknown", "self", ""],
                &["UnknownValue", "SelfValue", "Empty"],
            ),
            (&["1st", "a-b", "a_b"], &["V1st", "AB", "AB2"]),
            (&["ABC", "abc"], &["Abc", "Abc2"]),
        ];
        for (values, expected) in cases {
            let values: Vec<String> = values.iter().map(|s| s.to_string()).collect();
            assert_eq!(variant_names(&values), expected);
        }
    }

    #[test]
    fn hoists_inline_enums_with_stable_names() {
        let mut doc = json!({
            "paths": {"/a": {"get": {
                "operationId": "list_a",
                "parameters": [{"name": "dir", "in": "query", "schema": {"type": "string", "enum": ["asc", "desc"]}}],
                "responses": {}
            }}},
            "components": {"schemas": {
                "Thing": {"type": "object", "properties": {
                    "state": {"type": "string", "enum": ["on", "off", null], "nullable": true},
                    "tags": {"type": "array", "items": {"enum": ["x", "y"]}},
                    "level": {"type": "integer", "enum": [0, 1]}
                }},
                "Kind": {"type": "string", "enum": ["a", "b"], "default": "b", "x-enum-varnames": ["Alpha", "Beta"]},
                "ThingState": {"type": "string"}
            }}
        });
        let enums = hoist(&mut doc);
        let names: Vec<&str> = enums.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["Kind", "ListADir", "ThingState2", "ThingTagsItem"]);
        assert_eq!(
            doc.pointer("/components/schemas/Thing/properties/state"),
            Some(
                &json!({"allOf": [{"$ref": "#/components/schemas/ThingState2"}], "nullable": true})
            )
        );
        assert_eq!(
            doc.pointer("/components/schemas/ThingState2/enum"),
            Some(&json!(["on", "off"]))
        );
        assert_eq!(
            doc.pointer("/paths/~1a/get/parameters/0/schema"),
            Some(&json!({"$ref": "#/components/schemas/ListADir"}))
        );
        // Integer enums stay as they are.
        assert_eq!(
            doc.pointer("/components/schemas/Thing/properties/level/enum"),
            Some(&json!([0, 1]))
        );
        let kind = &enums[0];
        assert_eq!(kind.variants, ["Alpha", "Beta"]);
        assert_eq!(kind.default.as_deref(), Some("b"));
    }

    #[test]
    fn nullable_component_enums_are_split() {
        let mut doc = json!({"components": {"schemas": {
            "Mode": {"type": "string", "enum": ["a", null]}
        }}});
        let enums = hoist(&mut doc);
        assert_eq!(enums.len(), 1);
        assert_eq!(enums[0].name, "ModeValue");
        assert_eq!(
            doc.pointer("/components/schemas/Mode"),
            Some(&json!({"allOf": [{"$ref": "#/components/schemas/ModeValue"}], "nullable": true}))
        );
    }
}
