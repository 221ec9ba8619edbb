//! Security rules: every operation says how it authenticates, with schemes
//! that exist. (progenitor ignores security; the runtime and the diff do not.)

use serde_json::Value;

use super::operations;
use crate::lint::Hit;
use crate::load::Spec;
use crate::pointer;

/// `operation-security-undeclared`: neither the operation nor the document
/// declares `security` (an explicit `security: []` counts as declared).
pub fn undeclared(spec: &Spec) -> Vec<Hit> {
    if spec.value().get("security").is_some() {
        return Vec::new();
    }
    operations(spec)
        .into_iter()
        .filter(|op| op.json.get("security").is_none())
        .map(|op| {
            Hit::in_operation(
                &op.op,
                op.pointer.clone(),
                "operation declares no `security`; say which scheme and scopes it needs (or `security: []`)",
            )
        })
        .collect()
}

/// `security-scheme-undefined`: a requirement names a scheme that
/// `components/securitySchemes` lacks.
pub fn scheme_undefined(spec: &Spec) -> Vec<Hit> {
    let schemes = spec.value().pointer("/components/securitySchemes");
    let defined = |name: &str| schemes.and_then(|s| s.get(name)).is_some();
    let mut hits = Vec::new();
    let mut check =
        |requirements: Option<&Value>, at: String, op: Option<&crate::load::OperationRef<'_>>| {
            for (i, requirement) in requirements
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                for (name, _) in requirement.as_object().into_iter().flatten() {
                    if !defined(name) {
                        let here = pointer::join_onto(&at, [i.to_string().as_str(), name.as_str()]);
                        let message = format!(
                            "security scheme `{name}` is not defined in components/securitySchemes"
                        );
                        hits.push(match op {
                            Some(op) => Hit::in_operation(op, here, message),
                            None => Hit::at(here, message),
                        });
                    }
                }
            }
        };
    check(spec.value().get("security"), "/security".to_string(), None);
    for op in operations(spec) {
        check(
            op.json.get("security"),
            pointer::push(&op.pointer, "security"),
            Some(&op.op),
        );
    }
    hits
}
