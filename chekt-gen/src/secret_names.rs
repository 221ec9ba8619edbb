//! The one list of field names whose values are secrets, for every part
//! of the project that hides them: `chekt_api::redact` (errors, logs), the
//! `chekt` CLI's output, the generated types' `Debug`, and the contract
//! recorder's scrubbing and scan ([`crate::contract::secrets`]).
//!
//! It lives here because chekt-gen may not depend on chekt-api, and
//! chekt-api (a published crate) may not read files outside its package:
//! the generator emits it into chekt-api's generated code as
//! `chekt_api::redact::SECRET_FIELDS` ([`crate::generate`]'s
//! `with_secret_fields`), and `cargo xtask gen --check` fails when the
//! two differ.

/// Field names (JSON keys, form fields, struct fields) whose values are
/// secrets, lower case, compared case-insensitively: RFC 6749 tokens and
/// client credentials (§2.3.1, §4.1.4, §5.1), RFC 7523 assertions, RFC
/// 7636 `code_verifier`, API keys, webhook signing secrets, passwords.
pub const SECRET_FIELDS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "assertion",
    "client_assertion",
    "code_verifier",
    "api_key",
    "apikey",
    "password",
    "secret",
    "signing_secret",
];
