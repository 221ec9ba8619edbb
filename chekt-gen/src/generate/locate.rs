//! Running progenitor so that whatever it fails on is named by place.
//!
//! progenitor reports errors without a location and panics on some shapes.
//! [`run`] catches both (without touching the process-global panic hook, so
//! parallel callers do not race), and on failure renders the document again
//! component schema by component schema (each with the schemas it
//! references), then, when every schema renders alone, operation by
//! operation, to name every JSON pointer (and operation) that fails on its
//! own.

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};

use openapiv3::{OpenAPI, Paths, ReferenceOr};
use proc_macro2::TokenStream;
use serde_json::Value;

use crate::error::{Error, Failure, Result};
use crate::load::{METHODS, Spec};
use crate::pointer;

/// One progenitor run over a document.
pub type Run<'a> = dyn Fn(&OpenAPI) -> std::result::Result<TokenStream, progenitor::Error> + 'a;

/// Runs `generate` on `openapi`; on failure returns [`Error::Generation`]
/// listing each place that fails on its own (or the whole document, when
/// no part does).
pub fn run(spec: &Spec, openapi: &OpenAPI, generate: &Run<'_>) -> Result<TokenStream> {
    let message = match attempt(openapi, generate) {
        Ok(tokens) => return Ok(tokens),
        Err(message) => message,
    };
    // A schema that fails alone is the more precise place; operations are
    // searched when every schema renders on its own.
    let mut failures = by_schema(openapi, generate);
    name_users(openapi, &mut failures);
    if failures.is_empty() {
        failures = by_operation(openapi, generate);
    }
    if failures.is_empty() {
        failures.push(Failure {
            pointer: String::new(),
            operation: None,
            message,
        });
    }
    Err(Error::Generation {
        file: spec.name().to_string(),
        failures,
    })
}

/// One run, its error or panic as a message. The panic is not printed:
/// it becomes the message, with its place, in the report.
fn attempt(openapi: &OpenAPI, generate: &Run<'_>) -> std::result::Result<TokenStream, String> {
    quiet_panics::install();
    let result = quiet_panics::silenced(|| catch_unwind(AssertUnwindSafe(|| generate(openapi))));
    match result {
        Ok(Ok(tokens)) => Ok(tokens),
        Ok(Err(e)) => Err(format!("progenitor: {}", condense(&e.to_string()))),
        Err(panic) => Err(format!(
            "progenitor panicked: {}",
            panic
                .downcast_ref::<String>()
                .map(|s| condense(s))
                .or_else(|| panic.downcast_ref::<&str>().map(|s| condense(s)))
                .unwrap_or_else(|| "(no message)".to_string())
        )),
    }
}

/// Longest message kept from progenitor, in characters.
const MAX_MESSAGE_CHARS: usize = 300;

/// progenitor's first line, without the `Debug` dump some of its panics
/// append (`unhandled not schema Object(` and 200 lines of `SchemaObject`):
/// the report already names the place.
fn condense(message: &str) -> String {
    let first = message.lines().next().unwrap_or_default().trim_end();
    let first = match first.rsplit_once(' ') {
        Some((head, last)) if last.ends_with(['(', '{', '[']) => head,
        _ if first.ends_with(['(', '{', '[']) => first.trim_end_matches(['(', '{', '[']),
        _ => first,
    };
    let mut short: String = first.chars().take(MAX_MESSAGE_CHARS).collect();
    if short.len() < first.len() {
        short.push('…');
    }
    short
}

/// A panic hook, installed once and never swapped, that stays silent on a
/// thread while it runs progenitor under [`silenced`] and otherwise defers
/// to the hook it replaced: progenitor's panics are reported with their
/// place, not also dumped on stderr, and parallel callers cannot race on
/// the hook (nothing is restored).
mod quiet_panics {
    use std::cell::Cell;
    use std::sync::Once;

    thread_local! {
        static SILENT: Cell<bool> = const { Cell::new(false) };
    }

    /// Installs the hook (once per process).
    pub(super) fn install() {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                if !SILENT.with(Cell::get) {
                    previous(info);
                }
            }));
        });
    }

    /// Runs `f` with this thread's panics unprinted.
    pub(super) fn silenced<T>(f: impl FnOnce() -> T) -> T {
        let before = SILENT.with(|s| s.replace(true));
        let result = f();
        SILENT.with(|s| s.set(before));
        result
    }
}

/// Each operation rendered alone (with every component).
fn by_operation(openapi: &OpenAPI, generate: &Run<'_>) -> Vec<Failure> {
    let mut failures = Vec::new();
    for (path, item) in &openapi.paths.paths {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for method in METHODS {
            let mut single = item.clone();
            for other in METHODS.iter().filter(|m| **m != method) {
                *operation_slot(&mut single, other) = None;
            }
            let Some(operation) = operation_slot(&mut single, method).clone() else {
                continue;
            };
            let mut doc = openapi.clone();
            doc.paths = Paths::default();
            doc.paths
                .paths
                .insert(path.clone(), ReferenceOr::Item(single));
            if let Err(message) = attempt(&doc, generate) {
                let label = format!("{} {path}", method.to_uppercase());
                failures.push(Failure {
                    pointer: pointer::join(["paths", path.as_str(), method]),
                    operation: Some(match &operation.operation_id {
                        Some(id) => format!("{label} ({id})"),
                        None => label,
                    }),
                    message,
                });
            }
        }
    }
    failures
}

fn operation_slot<'a>(
    item: &'a mut openapiv3::PathItem,
    method: &str,
) -> &'a mut Option<openapiv3::Operation> {
    match method {
        "get" => &mut item.get,
        "put" => &mut item.put,
        "post" => &mut item.post,
        "delete" => &mut item.delete,
        "options" => &mut item.options,
        "head" => &mut item.head,
        "patch" => &mut item.patch,
        _ => &mut item.trace,
    }
}

/// Each component schema rendered alone with the schemas it references,
/// no operations.
fn by_schema(openapi: &OpenAPI, generate: &Run<'_>) -> Vec<Failure> {
    let Some(components) = &openapi.components else {
        return Vec::new();
    };
    let Ok(all) = serde_json::to_value(&components.schemas) else {
        return Vec::new();
    };
    let mut failures = Vec::new();
    for name in components.schemas.keys() {
        let closure = referenced(&all, name);
        let mut doc = openapi.clone();
        doc.paths = Paths::default();
        if let Some(c) = doc.components.as_mut() {
            c.schemas.retain(|n, _| closure.contains(n));
        }
        if let Err(message) = attempt(&doc, generate) {
            failures.push(Failure {
                pointer: pointer::join(["components", "schemas", name.as_str()]),
                operation: None,
                message,
            });
        }
    }
    failures
}

/// Gives each failing schema the operations that use it (directly or
/// through other schemas), so the report names an operation too.
fn name_users(openapi: &OpenAPI, failures: &mut [Failure]) {
    if failures.is_empty() {
        return;
    }
    let schemas = openapi
        .components
        .as_ref()
        .and_then(|c| serde_json::to_value(&c.schemas).ok())
        .unwrap_or(Value::Null);
    let mut uses: Vec<(String, BTreeSet<String>)> = Vec::new();
    for (path, item) in &openapi.paths.paths {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (method, operation) in item.iter() {
            let mut direct = Vec::new();
            collect_refs(serde_json::to_value(operation).ok().as_ref(), &mut direct);
            let reached: BTreeSet<String> = direct
                .iter()
                .flat_map(|name| referenced(&schemas, name))
                .collect();
            let label = format!("{} {path}", method.to_uppercase());
            let label = match &operation.operation_id {
                Some(id) => format!("{label} ({id})"),
                None => label,
            };
            uses.push((label, reached));
        }
    }
    for failure in failures.iter_mut() {
        let Some(name) = failure.pointer.strip_prefix("/components/schemas/") else {
            continue;
        };
        let name = pointer::unescape(name);
        let users: Vec<&str> = uses
            .iter()
            .filter(|(_, reached)| reached.contains(&name))
            .map(|(label, _)| label.as_str())
            .collect();
        failure.operation = match users.as_slice() {
            [] => None,
            [one] => Some((*one).to_string()),
            [first, rest @ ..] => Some(format!("{first} (and {} more)", rest.len())),
        };
    }
}

/// `name` and every component schema reachable from it by `$ref`.
fn referenced(schemas: &Value, name: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![name.to_string()];
    while let Some(next) = todo.pop() {
        if !seen.insert(next.clone()) {
            continue;
        }
        let mut refs = Vec::new();
        collect_refs(schemas.get(&next), &mut refs);
        todo.extend(refs.into_iter().filter(|r| !seen.contains(r)));
    }
    seen
}

fn collect_refs(value: Option<&Value>, out: &mut Vec<String>) {
    match value {
        Some(Value::Object(map)) => {
            if let Some(target) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                out.push(pointer::unescape(
                    target.split('/').next().unwrap_or(target),
                ));
            }
            map.values().for_each(|v| collect_refs(Some(v), out));
        }
        Some(Value::Array(items)) => items.iter().for_each(|v| collect_refs(Some(v), out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::condense;

    #[test]
    fn debug_dumps_are_cut_from_messages() {
        assert_eq!(
            condense("not yet implemented: unhandled not schema Object(\n    SchemaObject {\n"),
            "not yet implemented: unhandled not schema"
        );
        assert_eq!(
            condense("type error unexpected value type"),
            "type error unexpected value type"
        );
        assert_eq!(condense(&"x".repeat(400)).chars().count(), 301);
    }
}
