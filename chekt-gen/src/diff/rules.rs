//! The one table of diff rules, grouped by family the way oasdiff's checker
//! groups its checks: each family is a module of constants (`parameter::
//! PATH_PARAMETER_RENAMED`), and the walker names rules only through them,
//! so every rule it can emit is in [`RULES`] by construction. A change's
//! classification and explanation come only from here; a published rule id
//! is never renamed (except `inferred-flag-*`, which became the configurable
//! `flag-extension-*`).

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Stable kebab-case id.
    pub id: &'static str,
    /// Classification of every change the rule reports.
    pub class: Class,
    /// One line: why the change has that classification.
    pub explanation: &'static str,
}

/// The rule with this id, if there is one.
pub fn rule(id: &str) -> Option<Rule> {
    RULES.iter().find(|rule| rule.id == id).copied()
}

use Class::{Additive, Breaking, NonFunctional};

/// Declares each family as a module of `Rule` constants and [`RULES`] as
/// all of them, in order.
macro_rules! families {
    ($( $(#[$doc:meta])* $family:ident { $( $name:ident = $id:literal, $class:ident, $explanation:literal; )* } )*) => {
        $(
            $(#[$doc])*
            pub mod $family {
                use super::*;
                $(
                    #[doc = $explanation]
                    pub const $name: Rule = Rule { id: $id, class: $class, explanation: $explanation };
                )*
            }
        )*
        /// Every diff rule, family by family.
        pub static RULES: &[Rule] = &[ $( $( $family::$name, )* )* ];
    };
}

families! {
    /// Servers and security schemes.
    document {
        SERVER_REMOVED = "server-removed", Breaking,
            "Clients configured with this base URL lose it.";
        SERVER_ADDED = "server-added", Additive,
            "A new base URL clients may use.";
        SECURITY_SCHEME_REMOVED = "security-scheme-removed", Breaking,
            "Clients authenticating with this scheme can no longer do so.";
        SECURITY_SCHEME_ADDED = "security-scheme-added", Additive,
            "A new way to authenticate.";
        SECURITY_SCHEME_CHANGED = "security-scheme-changed", Breaking,
            "How clients obtain or send credentials changed.";
        SECURITY_SCHEME_REMOVED_UNUSED = "security-scheme-removed-unused", NonFunctional,
            "No operation used the scheme, so no call changes.";
        SECURITY_SCHEME_RENAMED = "security-scheme-renamed", NonFunctional,
            "A scheme's name is the document's own: clients send the same credentials the same way.";
    }
    /// Endpoints and their methods.
    endpoint {
        ENDPOINT_REMOVED = "endpoint-removed", Breaking,
            "Calls to a removed (or renamed) endpoint fail and its method disappears.";
        ENDPOINT_ADDED = "endpoint-added", Additive,
            "A new endpoint and method.";
        OPERATION_ID_CHANGED = "operation-id-changed", NonFunctional,
            "Requests and responses are the same; only the name changed (the generated method is renamed: see the crate axis).";
    }
    /// Deprecations and watched flag extensions: never functional.
    notice {
        OPERATION_DEPRECATED = "operation-deprecated", NonFunctional,
            "Still works; plan to stop using it.";
        PARAMETER_DEPRECATED = "parameter-deprecated", NonFunctional,
            "Still accepted; plan to stop sending it.";
        SCHEMA_DEPRECATED = "schema-deprecated", NonFunctional,
            "Still valid; plan to stop relying on it.";
        FLAG_EXTENSION_SET = "flag-extension-set", NonFunctional,
            "A flag extension the diff watches (`DiffOptions::flags`) was set; the message says what it means.";
        FLAG_EXTENSION_CLEARED = "flag-extension-cleared", NonFunctional,
            "A flag extension the diff watches (`DiffOptions::flags`) was cleared; the message says what it means.";
    }
    /// Removals judged by the deprecation policy (`deprecated: true`,
    /// `x-chekt-sunset`, the rules file's `deprecation-notice`); a removal of
    /// something never deprecated keeps its own family's rule.
    deprecation {
        REMOVED_AFTER_SUNSET = "removed-after-sunset", Breaking,
            "Deprecated and removed on or after its announced `x-chekt-sunset`: clients that did not migrate break, but the removal was scheduled, so it is reported apart and does not fail the run.";
        REMOVED_BEFORE_SUNSET = "removed-before-sunset", Breaking,
            "Deprecated, but removed before its announced `x-chekt-sunset`: clients were promised it until then.";
        REMOVED_WITHOUT_SUNSET = "removed-without-sunset", Breaking,
            "Deprecated without an `x-chekt-sunset` date, so clients were never told when it would go.";
        SUNSET_NOTICE_TOO_SHORT = "sunset-notice-too-short", Breaking,
            "The announced `x-chekt-sunset` gives clients less notice than the team's policy (`deprecation-notice` in the rules file).";
    }
    /// Security requirements of an operation.
    security {
        SECURITY_BECAME_REQUIRED = "security-became-required", Breaking,
            "Calls without credentials are now rejected.";
        SECURITY_BECAME_OPTIONAL = "security-became-optional", Additive,
            "Calls without credentials are now accepted.";
        SECURITY_SCOPE_ADDED = "security-scope-added", Breaking,
            "Tokens without the new scope are now rejected.";
        SECURITY_SCOPE_REMOVED = "security-scope-removed", Additive,
            "Fewer scopes are needed.";
        SECURITY_REQUIREMENT_REMOVED = "security-requirement-removed", Breaking,
            "Clients authenticating this way are now rejected.";
        SECURITY_REQUIREMENT_ADDED = "security-requirement-added", Additive,
            "A new way to authenticate the call.";
    }
    /// Request parameters.
    parameter {
        REQUEST_PARAMETER_REMOVED = "request-parameter-removed", Breaking,
            "The generated method loses an argument and the server ignores or rejects it.";
        REQUEST_PARAMETER_ADDED_REQUIRED = "request-parameter-added-required", Breaking,
            "Existing calls do not send the new required parameter.";
        REQUEST_PARAMETER_ADDED_OPTIONAL = "request-parameter-added-optional", Additive,
            "A new optional parameter.";
        REQUEST_PARAMETER_BECAME_REQUIRED = "request-parameter-became-required", Breaking,
            "Calls that omit the parameter are now rejected.";
        REQUEST_PARAMETER_BECAME_OPTIONAL = "request-parameter-became-optional", Additive,
            "The parameter may now be omitted.";
        REQUEST_PARAMETER_IN_CHANGED = "request-parameter-in-changed", Breaking,
            "The parameter is sent in another place (path, query, header or cookie).";
        REQUEST_PARAMETER_STYLE_CHANGED = "request-parameter-style-changed", Breaking,
            "The parameter is serialized differently (style or explode).";
        PATH_PARAMETER_MOVED = "path-parameter-moved", Breaking,
            "The parameter now names another place in the URL (e.g. two names swapped): the value a caller passes by that name, the generated setters included, lands where another value was expected.";
        PATH_PARAMETER_RENAMED = "path-parameter-renamed", NonFunctional,
            "The URL a client builds is the same; only the template's name changed (the generated setter may be renamed: see the crate axis).";
    }
    /// Request bodies and media types.
    body {
        REQUEST_BODY_ADDED_REQUIRED = "request-body-added-required", Breaking,
            "Existing calls send no body.";
        REQUEST_BODY_ADDED_OPTIONAL = "request-body-added-optional", Additive,
            "A new optional request body.";
        REQUEST_BODY_REMOVED = "request-body-removed", Breaking,
            "The body clients send is no longer accepted.";
        REQUEST_BODY_BECAME_REQUIRED = "request-body-became-required", Breaking,
            "Calls without a body are now rejected.";
        REQUEST_BODY_BECAME_OPTIONAL = "request-body-became-optional", Additive,
            "The body may now be omitted.";
        REQUEST_MEDIA_TYPE_REMOVED = "request-media-type-removed", Breaking,
            "Clients sending this media type are rejected.";
        REQUEST_MEDIA_TYPE_ADDED = "request-media-type-added", Additive,
            "A new media type clients may send.";
        REQUEST_SCHEMA_ADDED = "request-schema-added", Breaking,
            "A body that accepted anything is now constrained by a schema.";
        REQUEST_SCHEMA_REMOVED = "request-schema-removed", Additive,
            "The body is no longer constrained by a schema.";
    }
    /// Responses: statuses, media types, headers.
    response {
        RESPONSE_SUCCESS_STATUS_REMOVED = "response-success-status-removed", Breaking,
            "Clients expecting this success status no longer get it.";
        RESPONSE_ERROR_STATUS_REMOVED = "response-error-status-removed", NonFunctional,
            "The error is no longer documented.";
        RESPONSE_STATUS_ADDED = "response-status-added", Additive,
            "A newly documented status.";
        RESPONSE_MEDIA_TYPE_REMOVED = "response-media-type-removed", Breaking,
            "Clients reading this media type no longer get it.";
        RESPONSE_MEDIA_TYPE_ADDED = "response-media-type-added", Additive,
            "A new media type the server may send.";
        RESPONSE_HEADER_REMOVED = "response-header-removed", Breaking,
            "Clients reading this header no longer get it.";
        RESPONSE_HEADER_ADDED = "response-header-added", Additive,
            "A new response header.";
        RESPONSE_HEADER_BECAME_OPTIONAL = "response-header-became-optional", Breaking,
            "Clients relying on the header may not get it.";
        RESPONSE_SCHEMA_ADDED = "response-schema-added", NonFunctional,
            "The server documents the shape of what it already sends.";
        RESPONSE_SCHEMA_REMOVED = "response-schema-removed", Breaking,
            "Readers expecting the documented shape may get anything.";
    }
    /// Schemas in requests, judged from the side of a client that sends.
    request_schema {
        REQUEST_TYPE_CHANGED = "request-type-changed", Breaking,
            "Values clients send no longer have the accepted type.";
        REQUEST_TYPE_WIDENED = "request-type-widened", Additive,
            "More values are accepted.";
        REQUEST_FORMAT_CHANGED = "request-format-changed", Breaking,
            "Values clients send may no longer have the accepted format.";
        REQUEST_NULLABLE_REMOVED = "request-nullable-removed", Breaking,
            "Clients sending null are rejected.";
        REQUEST_NULLABLE_ADDED = "request-nullable-added", Additive,
            "Null is now accepted.";
        REQUEST_ENUM_VALUE_REMOVED = "request-enum-value-removed", Breaking,
            "Clients sending the removed value are rejected.";
        REQUEST_ENUM_VALUE_ADDED = "request-enum-value-added", Additive,
            "A new value clients may send.";
        REQUEST_ENUM_ADDED = "request-enum-added", Breaking,
            "Only the listed values are now accepted.";
        REQUEST_ENUM_REMOVED = "request-enum-removed", Additive,
            "Any value of the type is now accepted.";
        REQUEST_CONSTRAINT_TIGHTENED = "request-constraint-tightened", Breaking,
            "Values clients send may now be out of range.";
        REQUEST_CONSTRAINT_LOOSENED = "request-constraint-loosened", Additive,
            "More values are accepted.";
        REQUEST_PATTERN_CHANGED = "request-pattern-changed", Breaking,
            "A different `pattern`: values clients send may no longer match.";
        REQUEST_PROPERTY_REMOVED = "request-property-removed", Breaking,
            "The generated type loses a field clients set.";
        REQUEST_PROPERTY_ADDED_REQUIRED = "request-property-added-required", Breaking,
            "Existing calls do not send the new required field.";
        REQUEST_PROPERTY_ADDED_OPTIONAL = "request-property-added-optional", Additive,
            "A new optional field.";
        REQUEST_PROPERTY_BECAME_REQUIRED = "request-property-became-required", Breaking,
            "Calls that omit the field are now rejected.";
        REQUEST_PROPERTY_BECAME_OPTIONAL = "request-property-became-optional", Additive,
            "The field may now be omitted.";
        REQUEST_ADDITIONAL_PROPERTIES_NARROWED = "request-additional-properties-narrowed", Breaking,
            "Extra keys clients send are now restricted or rejected.";
        REQUEST_ADDITIONAL_PROPERTIES_WIDENED = "request-additional-properties-widened", Additive,
            "More extra keys are accepted.";
        REQUEST_VARIANT_REMOVED = "request-variant-removed", Breaking,
            "Clients sending the removed alternative are rejected.";
        REQUEST_VARIANT_ADDED = "request-variant-added", Additive,
            "A new alternative clients may send.";
        REQUEST_DEFAULT_CHANGED = "request-default-changed", Breaking,
            "Calls that omit the value now get a different behaviour.";
        REQUEST_PATTERN_ADDED = "request-pattern-added", Breaking,
            "Values clients send must now match a `pattern`.";
        REQUEST_PATTERN_REMOVED = "request-pattern-removed", Additive,
            "Any string of the type is now accepted.";
        REQUEST_PATTERN_GENERALIZED = "request-pattern-generalized", Additive,
            "The new `pattern` accepts everything the old one did, and more.";
        REQUEST_PROPERTY_BECAME_READ_ONLY = "request-property-became-read-only", Breaking,
            "The server no longer takes the field clients set (`readOnly`).";
        REQUEST_PROPERTY_NO_LONGER_READ_ONLY = "request-property-no-longer-read-only", Additive,
            "Clients may now send the field.";
        REQUEST_COMPOSITION_ADDED = "request-composition-added", Breaking,
            "Values clients send must now also match the new `oneOf`/`anyOf` alternatives.";
        REQUEST_ONE_OF_OVERLAP = "request-one-of-overlap", Breaking,
            "A payload valid before can match several `oneOf` alternatives, and `oneOf` rejects a value that matches more than one.";
        REQUEST_DISCRIMINATOR_CHANGED = "request-discriminator-changed", Breaking,
            "The `discriminator` property was renamed, added or removed, so the payloads clients send are told apart (or rejected) by another property.";
        REQUEST_DISCRIMINATOR_MAPPING_REMOVED = "request-discriminator-mapping-removed", Breaking,
            "Clients sending the removed `discriminator` value are rejected.";
        REQUEST_DISCRIMINATOR_MAPPING_ADDED = "request-discriminator-mapping-added", Additive,
            "A new `discriminator` value clients may send.";
        REQUEST_DISCRIMINATOR_MAPPING_CHANGED = "request-discriminator-mapping-changed", Breaking,
            "A `discriminator` value now selects another schema, which payloads clients send may not match.";
        REQUEST_COMPOSITION_REMOVED = "request-composition-removed", Additive,
            "Values clients send no longer have to match one of the `oneOf`/`anyOf` alternatives.";
        REQUEST_ONE_OF_BECAME_ANY_OF = "request-one-of-became-any-of", Additive,
            "`anyOf` also accepts a payload that matches several alternatives, which `oneOf` rejected.";
        REQUEST_ANY_OF_BECAME_ONE_OF = "request-any-of-became-one-of", NonFunctional,
            "No payload can match two of the alternatives, so `oneOf` accepts exactly what `anyOf` did.";
        REQUEST_DISCRIMINATOR_ADDED = "request-discriminator-added", NonFunctional,
            "The new `discriminator` names a property every alternative already requires, with the values payloads already carry: what clients send is unchanged.";
        REQUEST_DISCRIMINATOR_REMOVED = "request-discriminator-removed", NonFunctional,
            "The property the `discriminator` named is still required by every alternative: what clients send is unchanged.";
    }
    /// Schemas in responses, judged from the side of a client that reads.
    response_schema {
        RESPONSE_TYPE_CHANGED = "response-type-changed", Breaking,
            "Clients can no longer decode the value.";
        RESPONSE_FORMAT_CHANGED = "response-format-changed", Breaking,
            "Clients may no longer parse the value.";
        RESPONSE_NULLABLE_ADDED = "response-nullable-added", Breaking,
            "Clients not expecting null fail to decode it.";
        RESPONSE_NULLABLE_REMOVED = "response-nullable-removed", NonFunctional,
            "The server no longer sends null.";
        RESPONSE_ENUM_VALUE_ADDED = "response-enum-value-added", Additive,
            "Generated enums are open (`Unknown`), so readers cope with new values.";
        RESPONSE_CLOSED_ENUM_VALUE_ADDED = "response-closed-enum-value-added", Breaking,
            "Only string enums are generated open; this one (integer, number or mixed) is checked when decoding, so readers fail on the new value.";
        RESPONSE_ENUM_VALUE_REMOVED = "response-enum-value-removed", NonFunctional,
            "The server sends fewer values.";
        RESPONSE_ENUM_ADDED = "response-enum-added", NonFunctional,
            "The server sends fewer values.";
        RESPONSE_ENUM_REMOVED = "response-enum-removed", Breaking,
            "Readers expecting a known value may get any value of the type.";
        RESPONSE_CONSTRAINT_LOOSENED = "response-constraint-loosened", Breaking,
            "Readers may get values outside the range they relied on.";
        RESPONSE_CONSTRAINT_TIGHTENED = "response-constraint-tightened", NonFunctional,
            "The server sends a narrower range.";
        RESPONSE_PATTERN_CHANGED = "response-pattern-changed", Breaking,
            "Generated types check `pattern` when decoding, so any pattern change (added, removed or different) can make a value the server sends fail to decode in existing clients.";
        RESPONSE_PROPERTY_REMOVED = "response-property-removed", Breaking,
            "Readers of the removed (or renamed) field no longer get it.";
        RESPONSE_PROPERTY_ADDED = "response-property-added", Additive,
            "A new field; readers ignore fields they do not know.";
        RESPONSE_PROPERTY_BECAME_OPTIONAL = "response-property-became-optional", Breaking,
            "Readers relying on the field may not get it.";
        RESPONSE_PROPERTY_BECAME_REQUIRED = "response-property-became-required", Additive,
            "The field is now always present.";
        RESPONSE_ADDITIONAL_PROPERTIES_WIDENED = "response-additional-properties-widened", Breaking,
            "Readers may get extra keys they reject.";
        RESPONSE_ADDITIONAL_PROPERTIES_NARROWED = "response-additional-properties-narrowed", NonFunctional,
            "The server sends fewer extra keys.";
        RESPONSE_VARIANT_ADDED = "response-variant-added", Breaking,
            "Readers may get an alternative they cannot decode.";
        RESPONSE_VARIANT_REMOVED = "response-variant-removed", NonFunctional,
            "The server sends fewer alternatives.";
        RESPONSE_DEFAULT_CHANGED = "response-default-changed", NonFunctional,
            "The documented default changed.";
        RESPONSE_PROPERTY_BECAME_WRITE_ONLY = "response-property-became-write-only", Breaking,
            "The field is no longer returned (`writeOnly`), so readers of it no longer get it.";
        RESPONSE_PROPERTY_NO_LONGER_WRITE_ONLY = "response-property-no-longer-write-only", Additive,
            "The field is now returned.";
        RESPONSE_COMPOSITION_ADDED = "response-composition-added", NonFunctional,
            "The server documents its values as `oneOf`/`anyOf` alternatives.";
        RESPONSE_DISCRIMINATOR_CHANGED = "response-discriminator-changed", Breaking,
            "The `discriminator` property was renamed, added or removed, so readers that tell alternatives apart by the old one misread or reject values.";
        RESPONSE_DISCRIMINATOR_MAPPING_ADDED = "response-discriminator-mapping-added", Breaking,
            "Readers may get a `discriminator` value they do not know.";
        RESPONSE_DISCRIMINATOR_MAPPING_REMOVED = "response-discriminator-mapping-removed", NonFunctional,
            "The server sends fewer `discriminator` values.";
        RESPONSE_DISCRIMINATOR_MAPPING_CHANGED = "response-discriminator-mapping-changed", Breaking,
            "A `discriminator` value now selects another schema, which readers decode as the old one.";
        RESPONSE_COMPOSITION_REMOVED = "response-composition-removed", Breaking,
            "Readers relying on values matching one of the documented `oneOf`/`anyOf` alternatives may get any value of the schema.";
        RESPONSE_COMPOSITION_KEYWORD_CHANGED = "response-composition-keyword-changed", NonFunctional,
            "`oneOf` and `anyOf` over the same alternatives: readers decode one alternative either way.";
        RESPONSE_DISCRIMINATOR_ADDED = "response-discriminator-added", NonFunctional,
            "The new `discriminator` names a property every alternative already requires, with the values payloads already carry: what readers get is unchanged.";
        RESPONSE_DISCRIMINATOR_REMOVED = "response-discriminator-removed", NonFunctional,
            "The property the `discriminator` named is still required by every alternative: what readers get is unchanged.";
    }
}

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
}
