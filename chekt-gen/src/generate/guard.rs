//! Checks on the rendered file before anything is written: what we can
//! tell without a compiler that the code would not compile.

use std::collections::{BTreeMap, HashMap};

use syn::Item;

use super::names;
use crate::load::Spec;
use crate::pointer;

/// Every name defined twice in one module of `file` (in the type or the
/// value namespace), as one message per clash naming the module, the item
/// and the component schemas typify names that way. Empty when there is none.
pub fn duplicate_items(spec: &Spec, file: &syn::File) -> Vec<String> {
    let mut clashes = Vec::new();
    let builders = names::builders(file);
    let sources = Sources {
        spec,
        builders: &builders,
    };
    check_module("crate root", &file.items, &sources, &mut clashes);
    clashes
}

/// What a clash is traced back to: component schemas by typify's names,
/// operations by the builder progenitor generated for each.
struct Sources<'a> {
    spec: &'a Spec,
    builders: &'a HashMap<(String, String), String>,
}

fn check_module(module: &str, items: &[Item], spec: &Sources<'_>, clashes: &mut Vec<String>) {
    let mut types: BTreeMap<String, usize> = BTreeMap::new();
    let mut values: BTreeMap<String, usize> = BTreeMap::new();
    for item in items {
        let (namespace, ident) = match item {
            Item::Struct(i) => (&mut types, &i.ident),
            Item::Enum(i) => (&mut types, &i.ident),
            Item::Union(i) => (&mut types, &i.ident),
            Item::Type(i) => (&mut types, &i.ident),
            Item::Trait(i) => (&mut types, &i.ident),
            Item::Mod(i) => {
                if let Some((_, inner)) = &i.content {
                    let name = if module == "crate root" {
                        format!("mod {}", i.ident)
                    } else {
                        format!("{module}::{}", i.ident)
                    };
                    check_module(&name, inner, spec, clashes);
                }
                (&mut types, &i.ident)
            }
            Item::Fn(i) => (&mut values, &i.sig.ident),
            Item::Const(i) => (&mut values, &i.ident),
            Item::Static(i) => (&mut values, &i.ident),
            _ => continue,
        };
        *namespace.entry(ident.to_string()).or_default() += 1;
    }
    for (name, count) in types.iter().chain(values.iter()) {
        if *count > 1 {
            clashes.push(format!(
                "`{module}` defines `{name}` {count} times (E0428){}",
                sources(spec, name)
            ));
        }
    }
}

/// `; typify names these component schemas `Name`: #/components/schemas/a, ...`
/// and `; progenitor names the builders of these operations `Name`: GET /a, ...`
fn sources(sources: &Sources<'_>, name: &str) -> String {
    let mut operations: Vec<String> = sources
        .builders
        .iter()
        .filter(|(_, builder)| *builder == name)
        .map(|((method, path), _)| {
            let id = sources
                .spec
                .operations()
                .find(|op| op.method.eq_ignore_ascii_case(method) && op.path == path)
                .and_then(|op| op.id().map(|id| format!(" ({id})")))
                .unwrap_or_default();
            format!("{method} {path}{id}")
        })
        .collect();
    operations.sort();
    let operations = if operations.is_empty() {
        String::new()
    } else {
        format!(
            "; progenitor names the builders of these operations `{name}` (their operationIds differ only in case or separators): {}",
            operations.join(", ")
        )
    };
    let pointers: Vec<String> = sources
        .spec
        .value()
        .pointer("/components/schemas")
        .and_then(serde_json::Value::as_object)
        .into_iter()
        .flatten()
        .map(|(component, _)| component)
        .filter(|component| names::type_name(component) == name)
        .map(|component| format!("#{}", pointer::join(["components", "schemas", component])))
        .collect();
    if pointers.is_empty() {
        operations
    } else {
        format!(
            "; typify names these component schemas `{name}`: {}{operations}",
            pointers.join(", ")
        )
    }
}
