//! operationId rules: progenitor names every method after it.

use std::collections::BTreeMap;

use crate::lint::Hit;
use crate::load::Spec;
use crate::pointer;

/// `operation-id-missing`.
pub fn missing(spec: &Spec) -> Vec<Hit> {
    spec.operations()
        .filter(|op| op.id().is_none_or(|id| id.trim().is_empty()))
        .map(|op| {
            Hit::in_operation(
                &op,
                op.pointer(),
                "operation has no operationId; the generated method is named after it",
            )
        })
        .collect()
}

/// `operation-id-duplicate`.
pub fn duplicate(spec: &Spec) -> Vec<Hit> {
    let mut seen: BTreeMap<&str, String> = BTreeMap::new();
    let mut hits = Vec::new();
    for op in spec.operations() {
        let Some(id) = op.id() else { continue };
        match seen.get(id) {
            Some(first) => hits.push(Hit::in_operation(
                &op,
                pointer::push(&op.pointer(), "operationId"),
                format!("operationId `{id}` is already used by {first}"),
            )),
            None => {
                seen.insert(id, op.label());
            }
        }
    }
    hits
}

/// `operation-id-not-snake-case`.
pub fn not_snake_case(spec: &Spec) -> Vec<Hit> {
    spec.operations()
        .filter_map(|op| {
            let id = op.id()?;
            (!is_snake_case(id)).then(|| {
                Hit::in_operation(
                    &op,
                    pointer::push(&op.pointer(), "operationId"),
                    format!(
                        "operationId `{id}` is not snake_case (e.g. `{}`)",
                        heck::ToSnakeCase::to_snake_case(id)
                    ),
                )
            })
        })
        .collect()
}

/// `^[a-z][a-z0-9]*(_[a-z0-9]+)*$`
pub fn is_snake_case(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && !id.ends_with('_')
        && !id.contains("__")
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    #[test]
    fn snake_case_table() {
        let cases = [
            ("list_sites", true),
            ("get_v1_devices", true),
            ("listSites", false),
            ("_list", false),
            ("list__sites", false),
            ("list_", false),
            ("1list", false),
            ("list-sites", false),
        ];
        for (id, expected) in cases {
            assert_eq!(super::is_snake_case(id), expected, "{id}");
        }
    }
}
