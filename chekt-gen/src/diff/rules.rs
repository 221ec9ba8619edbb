//! The one table of diff rules. A change's classification and explanation
//! come only from here; a published rule id is never renamed.

use std::fmt;

use serde::Serialize;

/// What a change means for clients of the generated crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// Existing clients may stop compiling or working.
    Breaking,
    /// New capability; existing clients keep working.
    Additive,
    /// No effect on the wire contract (deprecations and other notices).
    NonFunctional,
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Class::Breaking => "breaking",
            Class::Additive => "additive",
            Class::NonFunctional => "non-functional",
        })
    }
}

impl std::str::FromStr for Class {
    type Err = String;

    /// `breaking`, `additive` or `non-functional`, as [`Class`] displays.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Class::Breaking, Class::Additive, Class::NonFunctional]
            .into_iter()
            .find(|class| class.to_string() == s)
            .ok_or_else(|| {
                format!("unknown class `{s}`; expected breaking, additive or non-functional")
            })
    }
}

/// One diff rule.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Rule {
    /// Stable kebab-case id.
    pub id: &'static str,
    /// Classification of every change the rule reports.
    pub class: Class,
    /// One line: why the change has that classification.
    pub explanation: &'static str,
}

/// The rule with this id. Every id the walker emits is in [`RULES`] (a unit
/// test checks this), so the fallback is never taken.
pub fn rule(id: &str) -> Rule {
    RULES
        .iter()
        .find(|rule| rule.id == id)
        .copied()
        .unwrap_or(Rule {
            id: "unknown",
            class: Class::Breaking,
            explanation: "Unclassified change.",
        })
}

use Class::{Additive, Breaking, NonFunctional};

macro_rules! rule {
    ($id:literal, $class:expr, $explanation:literal) => {
        Rule {
            id: $id,
            class: $class,
            explanation: $explanation,
        }
    };
}

/// Every diff rule. `request-*` rules judge from the side of a client that
/// sends; `response-*` rules from the side of a client that reads.
pub static RULES: &[Rule] = &[
    // Document level.
    rule!(
        "server-removed",
        Breaking,
        "Clients configured with this base URL lose it."
    ),
    rule!("server-added", Additive, "A new base URL clients may use."),
    rule!(
        "security-scheme-removed",
        Breaking,
        "Clients authenticating with this scheme can no longer do so."
    ),
    rule!(
        "security-scheme-added",
        Additive,
        "A new way to authenticate."
    ),
    rule!(
        "security-scheme-changed",
        Breaking,
        "How clients obtain or send credentials changed."
    ),
    // Endpoints.
    rule!(
        "endpoint-removed",
        Breaking,
        "Calls to a removed (or renamed) endpoint fail and its method disappears."
    ),
    rule!("endpoint-added", Additive, "A new endpoint and method."),
    rule!(
        "operation-id-changed",
        Breaking,
        "The generated method is renamed, so calling code no longer compiles."
    ),
    rule!(
        "operation-deprecated",
        NonFunctional,
        "Still works; plan to stop using it."
    ),
    rule!(
        "parameter-deprecated",
        NonFunctional,
        "Still accepted; plan to stop sending it."
    ),
    rule!(
        "schema-deprecated",
        NonFunctional,
        "Still valid; plan to stop relying on it."
    ),
    rule!(
        "inferred-flag-added",
        NonFunctional,
        "Now marked `x-chekt-inferred`: not confirmed by CHeKT's documentation."
    ),
    rule!(
        "inferred-flag-removed",
        NonFunctional,
        "No longer `x-chekt-inferred`: now confirmed by CHeKT's documentation."
    ),
    // Security requirements.
    rule!(
        "security-became-required",
        Breaking,
        "Calls without credentials are now rejected."
    ),
    rule!(
        "security-became-optional",
        Additive,
        "Calls without credentials are now accepted."
    ),
    rule!(
        "security-scope-added",
        Breaking,
        "Tokens without the new scope are now rejected."
    ),
    rule!(
        "security-scope-removed",
        Additive,
        "Fewer scopes are needed."
    ),
    rule!(
        "security-requirement-removed",
        Breaking,
        "Clients authenticating this way are now rejected."
    ),
    rule!(
        "security-requirement-added",
        Additive,
        "A new way to authenticate the call."
    ),
    // Parameters.
    rule!(
        "request-parameter-removed",
        Breaking,
        "The generated method loses an argument and the server ignores or rejects it."
    ),
    rule!(
        "request-parameter-added-required",
        Breaking,
        "Existing calls do not send the new required parameter."
    ),
    rule!(
        "request-parameter-added-optional",
        Additive,
        "A new optional parameter."
    ),
    rule!(
        "request-parameter-became-required",
        Breaking,
        "Calls that omit the parameter are now rejected."
    ),
    rule!(
        "request-parameter-became-optional",
        Additive,
        "The parameter may now be omitted."
    ),
    rule!(
        "request-parameter-in-changed",
        Breaking,
        "The parameter is sent in another place (path, query, header or cookie)."
    ),
    rule!(
        "request-parameter-style-changed",
        Breaking,
        "The parameter is serialized differently (style or explode)."
    ),
    // Request bodies.
    rule!(
        "request-body-added-required",
        Breaking,
        "Existing calls send no body."
    ),
    rule!(
        "request-body-added-optional",
        Additive,
        "A new optional request body."
    ),
    rule!(
        "request-body-removed",
        Breaking,
        "The body clients send is no longer accepted."
    ),
    rule!(
        "request-body-became-required",
        Breaking,
        "Calls without a body are now rejected."
    ),
    rule!(
        "request-body-became-optional",
        Additive,
        "The body may now be omitted."
    ),
    rule!(
        "request-media-type-removed",
        Breaking,
        "Clients sending this media type are rejected."
    ),
    rule!(
        "request-media-type-added",
        Additive,
        "A new media type clients may send."
    ),
    // Responses.
    rule!(
        "response-success-status-removed",
        Breaking,
        "Clients expecting this success status no longer get it."
    ),
    rule!(
        "response-error-status-removed",
        NonFunctional,
        "The error is no longer documented."
    ),
    rule!(
        "response-status-added",
        Additive,
        "A newly documented status."
    ),
    rule!(
        "response-media-type-removed",
        Breaking,
        "Clients reading this media type no longer get it."
    ),
    rule!(
        "response-media-type-added",
        Additive,
        "A new media type the server may send."
    ),
    rule!(
        "response-header-removed",
        Breaking,
        "Clients reading this header no longer get it."
    ),
    rule!("response-header-added", Additive, "A new response header."),
    rule!(
        "response-header-became-optional",
        Breaking,
        "Clients relying on the header may not get it."
    ),
    // Schemas in requests (what a client sends).
    rule!(
        "request-type-changed",
        Breaking,
        "Values clients send no longer have the accepted type."
    ),
    rule!(
        "request-type-widened",
        Additive,
        "More values are accepted."
    ),
    rule!(
        "request-format-changed",
        Breaking,
        "Values clients send may no longer have the accepted format."
    ),
    rule!(
        "request-nullable-removed",
        Breaking,
        "Clients sending null are rejected."
    ),
    rule!("request-nullable-added", Additive, "Null is now accepted."),
    rule!(
        "request-enum-value-removed",
        Breaking,
        "Clients sending the removed value are rejected."
    ),
    rule!(
        "request-enum-value-added",
        Additive,
        "A new value clients may send."
    ),
    rule!(
        "request-enum-added",
        Breaking,
        "Only the listed values are now accepted."
    ),
    rule!(
        "request-enum-removed",
        Additive,
        "Any value of the type is now accepted."
    ),
    rule!(
        "request-constraint-tightened",
        Breaking,
        "Values clients send may now be out of range."
    ),
    rule!(
        "request-constraint-loosened",
        Additive,
        "More values are accepted."
    ),
    rule!(
        "request-pattern-changed",
        Breaking,
        "Values clients send may no longer match."
    ),
    rule!(
        "request-property-removed",
        Breaking,
        "The generated type loses a field clients set."
    ),
    rule!(
        "request-property-added-required",
        Breaking,
        "Existing calls do not send the new required field."
    ),
    rule!(
        "request-property-added-optional",
        Additive,
        "A new optional field."
    ),
    rule!(
        "request-property-became-required",
        Breaking,
        "Calls that omit the field are now rejected."
    ),
    rule!(
        "request-property-became-optional",
        Additive,
        "The field may now be omitted."
    ),
    rule!(
        "request-additional-properties-narrowed",
        Breaking,
        "Extra keys clients send are now restricted or rejected."
    ),
    rule!(
        "request-additional-properties-widened",
        Additive,
        "More extra keys are accepted."
    ),
    rule!(
        "request-variant-removed",
        Breaking,
        "Clients sending the removed alternative are rejected."
    ),
    rule!(
        "request-variant-added",
        Additive,
        "A new alternative clients may send."
    ),
    rule!(
        "request-default-changed",
        Breaking,
        "Calls that omit the value now get a different behaviour."
    ),
    // Schemas in responses (what a client reads).
    rule!(
        "response-type-changed",
        Breaking,
        "Clients can no longer decode the value."
    ),
    rule!(
        "response-format-changed",
        Breaking,
        "Clients may no longer parse the value."
    ),
    rule!(
        "response-nullable-added",
        Breaking,
        "Clients not expecting null fail to decode it."
    ),
    rule!(
        "response-nullable-removed",
        NonFunctional,
        "The server no longer sends null."
    ),
    rule!(
        "response-enum-value-added",
        Additive,
        "Generated enums are open (`Unknown`), so readers cope with new values."
    ),
    rule!(
        "response-enum-value-removed",
        NonFunctional,
        "The server sends fewer values."
    ),
    rule!(
        "response-enum-added",
        NonFunctional,
        "The server sends fewer values."
    ),
    rule!(
        "response-enum-removed",
        Breaking,
        "Readers expecting a known value may get any value of the type."
    ),
    rule!(
        "response-constraint-loosened",
        Breaking,
        "Readers may get values outside the range they relied on."
    ),
    rule!(
        "response-constraint-tightened",
        NonFunctional,
        "The server sends a narrower range."
    ),
    rule!(
        "response-pattern-changed",
        Breaking,
        "Readers may get values that no longer match what they relied on."
    ),
    rule!(
        "response-property-removed",
        Breaking,
        "Readers of the removed (or renamed) field no longer get it."
    ),
    rule!(
        "response-property-added",
        Additive,
        "A new field; readers ignore fields they do not know."
    ),
    rule!(
        "response-property-became-optional",
        Breaking,
        "Readers relying on the field may not get it."
    ),
    rule!(
        "response-property-became-required",
        Additive,
        "The field is now always present."
    ),
    rule!(
        "response-additional-properties-widened",
        Breaking,
        "Readers may get extra keys they reject."
    ),
    rule!(
        "response-additional-properties-narrowed",
        NonFunctional,
        "The server sends fewer extra keys."
    ),
    rule!(
        "response-variant-added",
        Breaking,
        "Readers may get an alternative they cannot decode."
    ),
    rule!(
        "response-variant-removed",
        NonFunctional,
        "The server sends fewer alternatives."
    ),
    rule!(
        "response-default-changed",
        NonFunctional,
        "The documented default changed."
    ),
];

#[cfg(test)]
mod tests {
    use super::RULES;
    use std::collections::BTreeSet;

    #[test]
    fn every_rule_is_well_formed_and_unique() {
        let mut ids = BTreeSet::new();
        for rule in RULES {
            assert!(ids.insert(rule.id), "duplicate rule id {}", rule.id);
            assert!(
                rule.id
                    .split('-')
                    .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase())),
                "{} is not kebab-case",
                rule.id
            );
            assert!(rule.explanation.ends_with('.'), "{} explanation", rule.id);
        }
    }

    /// Every id the walker emits has a row, and every row is emitted.
    #[test]
    fn the_table_and_the_walker_agree() {
        let walker = include_str!("walk.rs");
        let literals: BTreeSet<&str> = walker
            .split('"')
            .skip(1)
            .step_by(2)
            .filter(|s| s.contains('-') && !s.starts_with("x-"))
            .filter(|s| s.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))
            .collect();
        let ids: BTreeSet<&str> = RULES.iter().map(|r| r.id).collect();
        assert_eq!(literals, ids);
    }
}
