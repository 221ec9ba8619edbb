//! `x-chekt-sunset`: the day a deprecated operation, parameter or schema
//! may be removed (the diff's deprecation policy, `crate::diff::
//! deprecation`). It must be an ISO 8601 date (`YYYY-MM-DD`) and stand
//! beside `deprecated: true`: a sunset on something not deprecated
//! announces nothing.

use serde_json::Value;

use super::super::Hit;
use crate::diff::deprecation::{SUNSET, parse_date};
use crate::load::Spec;
use crate::pointer::{self, Trail};

/// Keys whose members are names (paths, components, properties, statuses,
/// media types, …) rather than keywords.
const NAMES: [&str; 14] = [
    "paths",
    "schemas",
    "responses",
    "parameters",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
    "properties",
    "content",
    "encoding",
    "variables",
    "mapping",
];

/// Keys whose values are data, where `x-chekt-sunset` is no keyword.
const DATA: [&str; 5] = ["example", "examples", "default", "enum", "const"];

/// Every `x-chekt-sunset` that is not a date or is not beside
/// `deprecated: true`.
pub fn sunset_invalid(spec: &Spec) -> Vec<Hit> {
    let mut hits = Vec::new();
    keywords(spec, spec.value(), &mut Trail::default(), &mut hits);
    hits
}

/// `value` is an object of keywords (or an array of them); a hit names
/// its operation.
fn keywords<'a>(spec: &Spec, value: &'a Value, path: &mut Trail<'a>, hits: &mut Vec<Hit>) {
    match value {
        Value::Object(map) => {
            if let Some(sunset) = map.get(SUNSET) {
                let here = pointer::join(path.segments().chain([SUNSET]));
                let mut hit = |message| hits.push(Hit::located(spec, here.clone(), message));
                match sunset.as_str().map(parse_date) {
                    Some(Ok(_)) => {}
                    Some(Err(why)) => hit(why),
                    None => hit(format!(
                        "`{SUNSET}` must be an ISO 8601 date string, found {sunset}"
                    )),
                }
                if map.get("deprecated").and_then(Value::as_bool) != Some(true) {
                    hit(format!("`{SUNSET}` stands only beside `deprecated: true`"));
                }
            }
            for (key, child) in map {
                if DATA.contains(&key.as_str()) || key.starts_with("x-") {
                    continue;
                }
                path.push(key.as_str());
                match child.as_object() {
                    Some(members) if NAMES.contains(&key.as_str()) => {
                        for (name, member) in members {
                            path.push(name.as_str());
                            keywords(spec, member, path, hits);
                            path.pop();
                        }
                    }
                    _ => keywords(spec, child, path, hits),
                }
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                keywords(spec, item, path, hits);
                path.pop();
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(yaml: &str) -> Vec<(String, String)> {
        let spec = Spec::parse("s.yaml", yaml).unwrap();
        sunset_invalid(&spec)
            .into_iter()
            .map(|h| (h.pointer, h.message))
            .collect()
    }

    const SPEC: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: a\n      OPERATION\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema:\n                type: object\n                properties:\n                  x-chekt-sunset: {type: string, example: {x-chekt-sunset: 1}}\n                  old: {type: string, PROPERTY}\n";

    fn spec(operation: &str, property: &str) -> String {
        SPEC.replace("OPERATION", operation)
            .replace("PROPERTY", property)
    }

    #[test]
    fn a_sunset_is_a_date_beside_deprecated() {
        let good = spec(
            "deprecated: true\n      x-chekt-sunset: '2026-06-30'",
            "deprecated: true, x-chekt-sunset: '2027-01-01'",
        );
        assert_eq!(
            hits(&good),
            [],
            "a property named x-chekt-sunset and examples are data"
        );
        let op = "/paths/~1a/get/x-chekt-sunset";
        assert_eq!(
            hits(&spec(
                "deprecated: true\n      x-chekt-sunset: '2026-02-30'",
                ""
            )),
            [(
                op.to_string(),
                "`2026-02-30`: input is out of range".to_string()
            )]
        );
        assert_eq!(
            hits(&spec("x-chekt-sunset: '2026-06-30'", "")),
            [(
                op.to_string(),
                "`x-chekt-sunset` stands only beside `deprecated: true`".to_string()
            )]
        );
        let property = "/paths/~1a/get/responses/200/content/application~1json/schema/properties/old/x-chekt-sunset";
        assert_eq!(
            hits(&spec("", "deprecated: true, x-chekt-sunset: 2026")),
            [(
                property.to_string(),
                "`x-chekt-sunset` must be an ISO 8601 date string, found 2026".to_string()
            )]
        );
    }
}
