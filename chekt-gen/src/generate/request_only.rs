//! Which model types only travel in requests.
//!
//! A type is request-only when it is reachable from a request (a path's or
//! an operation's `parameters`, an operation's `requestBody`) and not from
//! a response (an operation's `responses`) or a webhook delivery (all of
//! `x-webhooks` / `webhooks`: the server sends those). Reachability follows
//! `$ref`s through `components` (schemas, parameters, request bodies,
//! responses, headers) in the spec, then the field types of the generated
//! structs of `mod types`, which also reaches the structs typify names for
//! inline objects (`NewSite.address` → `NewSiteAddress`). A schema used by
//! nothing is not request-only. The result is a sorted set: deterministic.

use std::collections::BTreeSet;

use quote::ToTokens;
use serde_json::Value;

use super::names;
use crate::pointer;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The type names (as typify emits them in `mod types`) of the structs in
/// `types` that only travel in requests, for the normalized spec `doc`.
pub fn types(doc: &Value, types: &[syn::Item]) -> BTreeSet<String> {
    let mut requests = Vec::new();
    let mut responses = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for item in paths.values() {
            requests.extend(item.get("parameters"));
            for method in METHODS {
                let Some(operation) = item.get(method) else {
                    continue;
                };
                requests.extend(operation.get("parameters"));
                requests.extend(operation.get("requestBody"));
                responses.extend(operation.get("responses"));
            }
        }
    }
    responses.extend(doc.get("x-webhooks"));
    responses.extend(doc.get("webhooks"));
    let sent = closure(types, schema_types(doc, &requests));
    let received = closure(types, schema_types(doc, &responses));
    types
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) if matches!(s.fields, syn::Fields::Named(_)) => {
                Some(s.ident.to_string())
            }
            _ => None,
        })
        .filter(|name| sent.contains(name) && !received.contains(name))
        .collect()
}

/// The type names of the component schemas reachable from `roots`.
fn schema_types(doc: &Value, roots: &[&Value]) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<&Value> = roots.to_vec();
    let mut schemas = BTreeSet::new();
    while let Some(value) = todo.pop() {
        match value {
            Value::Object(map) => {
                if let Some(reference) = map.get("$ref").and_then(Value::as_str)
                    && seen.insert(reference.to_string())
                    && let Some(target) = pointer::from_ref(reference)
                {
                    if let Some(name) = target.strip_prefix("/components/schemas/") {
                        schemas.insert(names::type_name(&pointer::unescape(name)));
                    }
                    todo.extend(doc.pointer(target));
                }
                todo.extend(map.values());
            }
            Value::Array(items) => todo.extend(items),
            _ => {}
        }
    }
    schemas
}

/// `roots` and every type named in a field of a struct of `types` already
/// in the set, until nothing is added.
fn closure(types: &[syn::Item], roots: BTreeSet<String>) -> BTreeSet<String> {
    let mut reached = roots;
    let mut todo: Vec<String> = reached.iter().cloned().collect();
    while let Some(name) = todo.pop() {
        for item in types {
            let fields = match item {
                syn::Item::Struct(s) if s.ident == name => s.fields.iter().collect::<Vec<_>>(),
                syn::Item::Enum(e) if e.ident == name => {
                    e.variants.iter().flat_map(|v| v.fields.iter()).collect()
                }
                _ => continue,
            };
            for field in fields {
                for ident in idents(&field.ty) {
                    if reached.insert(ident.clone()) {
                        todo.push(ident);
                    }
                }
            }
        }
    }
    reached
}

/// Every identifier in a type's tokens (`Option<Vec<super::Site>>` gives
/// `Option`, `Vec`, `super`, `Site`); names that are no model type are
/// harmless in the set.
fn idents(ty: &syn::Type) -> Vec<String> {
    fn walk(tokens: proc_macro2::TokenStream, out: &mut Vec<String>) {
        for token in tokens {
            match token {
                proc_macro2::TokenTree::Ident(i) => out.push(i.to_string()),
                proc_macro2::TokenTree::Group(g) => walk(g.stream(), out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(ty.to_token_stream(), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn request_only_is_sent_minus_received_over_refs_and_fields() {
        let doc = json!({
            "paths": {"/s": {
                "parameters": [{"$ref": "#/components/parameters/Filter"}],
                "post": {
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewSite"}}}},
                    "responses": {"200": {"$ref": "#/components/responses/Site"}}
                }
            }},
            "x-webhooks": {"e": {"post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Event"}}}}}}},
            "components": {
                "parameters": {"Filter": {"name": "f", "in": "query", "schema": {"$ref": "#/components/schemas/Filter"}}},
                "responses": {"Site": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Site"}}}}},
                "schemas": {}
            }
        });
        let types = syn::parse_file(
            "pub struct NewSite { pub address: Option<NewSiteAddress>, pub tag: Tag, pub shared: Vec<Shared> }
             pub struct NewSiteAddress { pub line: String }
             pub struct Tag { pub x: u8 }
             pub struct Shared { pub x: u8 }
             pub struct Filter { pub x: u8 }
             pub struct Site { pub shared: Shared }
             pub struct Event { pub tag: Tag }
             pub struct Unused { pub x: u8 }",
        )
        .unwrap()
        .items;
        let only: Vec<String> = super::types(&doc, &types).into_iter().collect();
        assert_eq!(only, ["Filter", "NewSite", "NewSiteAddress"]);
    }
}
