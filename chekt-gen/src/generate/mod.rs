//! Stage 3: generate a typed client with progenitor, plus our passes.
//!
//! [`render`] is the one function every caller uses (`cargo xtask gen`, its
//! `--check`, and the drift test in `chekt-api`): lint, rewrite the standard
//! 3.0.3 forms progenitor misreads ([`dialect`]), hoist enums into open
//! enums, run progenitor (builder style, one trait per tag), skip unset
//! optional query parameters, append header parameters to the request and
//! move response headers instead of copying them, make the model types
//! `#[non_exhaustive]` with setters that take the inner value of optional
//! fields and getters instead of public fields on the types that only
//! travel in requests (`model_types`), give lists that take
//! `fields` a `send_as::<Row>()`, route every `send()` through the target
//! crate's runtime (`own_send`, with [`GenerateOptions::with_runtime`]),
//! add the operation table and paging impls,
//! format with prettyplease and prepend the "generated" header. The output
//! is deterministic.
//!
//! Every name a pass emits for a progenitor/typify item is read from them
//! ([`names`]). What progenitor fails on is located by schema or operation
//! (`locate`). Nothing is returned that is known not to compile: a module
//! defining a name twice is [`Error::Uncompilable`] (`guard`), and with
//! [`GenerateOptions::with_passes_must_fire`] a pass that rewrote nothing is
//! [`Error::InertPass`]. Each pass's count is in [`Rendered::passes`].

use proc_macro2::TokenStream;
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use quote::quote;

use crate::dialect;
use crate::error::{Error, Result};
use crate::lint;
use crate::load::Spec;
use crate::report::Finding;

mod absent_query;
pub mod extras;
mod guard;
mod lean_headers;
mod locate;
mod model_types;
pub mod names;
pub mod open_enums;
mod own_send;
mod repeatable;
mod request_only;
mod rows_as;
mod secret_debug;

/// How to generate. `Default` suits any spec; [`GenerateOptions::chekt_api`]
/// is the preset for the `chekt-api` crate.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    types_path: String,
    inner_type: Option<String>,
    hooks_expected: bool,
    derives: Vec<String>,
    source_label: Option<String>,
    operation_table: bool,
    paging_traits: Option<String>,
    response_decoder: bool,
    webhook_type_field: Option<String>,
    timeout_secs: Option<u64>,
    passes_must_fire: bool,
    lint: lint::LintConfig,
    runtime: Option<String>,
    trace_header: Option<String>,
    secret_fields: Vec<String>,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            types_path: "crate::types".to_string(),
            inner_type: None,
            hooks_expected: false,
            derives: vec!["PartialEq".to_string()],
            source_label: None,
            operation_table: true,
            paging_traits: None,
            response_decoder: false,
            webhook_type_field: None,
            timeout_secs: None,
            passes_must_fire: false,
            lint: lint::LintConfig::default(),
            runtime: None,
            trace_header: None,
            secret_fields: Vec::new(),
        }
    }
}

impl GenerateOptions {
    /// The preset for `chekt-api`: runtime state as the client's inner type,
    /// hooks implemented by hand, paging traits from `crate::pagination`.
    pub fn chekt_api() -> Self {
        GenerateOptions::default()
            .with_inner_type("crate::runtime::Runtime")
            .with_hooks_expected(true)
            .with_paging_traits("crate::pagination")
            .with_response_decoder(true)
            .with_webhook_events("type")
            .with_source_label("spec/chekt.yaml")
            .with_passes_must_fire(true)
            .with_runtime("crate::runtime")
            .with_trace_header("x-partner-trace-id")
            .with_secret_fields(crate::secret_names::SECRET_FIELDS.iter().copied())
    }

    /// Properties that hold secrets (RFC 6749 tokens, client secrets, PKCE
    /// verifiers): a generated struct with one gets a `Debug` that prints
    /// them as `[redacted]` instead of the derived one, and the list is
    /// emitted as `pub const SECRET_FIELDS: &[&str]` for the target
    /// crate's own redaction.
    pub fn with_secret_fields<S: Into<String>>(
        mut self,
        fields: impl IntoIterator<Item = S>,
    ) -> Self {
        self.secret_fields = fields.into_iter().map(Into::into).collect();
        self
    }

    /// Send every request through the hand-written module at `path`
    /// instead of progenitor's hooks, so `send()` returns that module's
    /// `Result`. The module provides `Result<T>`, `ResponseValue<T>`,
    /// `RequestOptions`, `invalid_request(progenitor_client::Error<()>) ->
    /// Error`, `send(&Client, &(dyn Fn() -> Result<reqwest::Request,
    /// progenitor_client::Error<()>> + Sync), &Operation, &RequestOptions)`
    /// returning a future of `Result<Reply>` (every error status already
    /// classified; it calls the function once per attempt), `send_built`
    /// (the same with a `reqwest::Request` built once, for a request that
    /// moves a parameter), and `success`/`empty`/`unexpected(Reply,
    /// &Operation)`. Needs the operation table.
    pub fn with_runtime(mut self, path: impl Into<String>) -> Self {
        self.runtime = Some(path.into());
        self
    }

    /// The header parameter recorded in the operation table's
    /// `takes_trace_id` column (e.g. `x-partner-trace-id`).
    pub fn with_trace_header(mut self, name: impl Into<String>) -> Self {
        self.trace_header = Some(name.into());
        self
    }

    /// Rust path at which the generated `types` module is reachable from the
    /// crate root (open enums are referenced through it). Default
    /// `crate::types`.
    pub fn with_types_path(mut self, path: impl Into<String>) -> Self {
        self.types_path = path.into();
        self
    }

    /// Type stored in the generated `Client` and passed to hooks.
    pub fn with_inner_type(mut self, path: impl Into<String>) -> Self {
        self.inner_type = Some(path.into());
        self
    }

    /// Require a hand-written `ClientHooks` impl for the client.
    pub fn with_hooks_expected(mut self, expected: bool) -> Self {
        self.hooks_expected = expected;
        self
    }

    /// Another derive for every generated type.
    pub fn with_derive(mut self, derive: impl Into<String>) -> Self {
        self.derives.push(derive.into());
        self
    }

    /// How the header names the spec (default: the name it was loaded as).
    pub fn with_source_label(mut self, label: impl Into<String>) -> Self {
        self.source_label = Some(label.into());
        self
    }

    /// Whether to emit the `operations` table (default yes).
    pub fn with_operation_table(mut self, enabled: bool) -> Self {
        self.operation_table = enabled;
        self
    }

    /// Emit paging trait impls against the module at `path`, which must
    /// define `OffsetPaged` and `CursorPaged`.
    pub fn with_paging_traits(mut self, path: impl Into<String>) -> Self {
        self.paging_traits = Some(path.into());
        self
    }

    /// Emit `decode::response` (needs `serde_path_to_error` in the target
    /// crate), for contract tests.
    pub fn with_response_decoder(mut self, enabled: bool) -> Self {
        self.response_decoder = enabled;
        self
    }

    /// Emit `webhook_events::WebhookEvent` from `x-webhooks`, dispatching on
    /// the payload property `type_field`.
    pub fn with_webhook_events(mut self, type_field: impl Into<String>) -> Self {
        self.webhook_type_field = Some(type_field.into());
        self
    }

    /// Fail with [`Error::InertPass`] when a post-pass rewrites nothing (for
    /// a spec known to have the shapes every pass rewrites, like ours), so a
    /// progenitor upgrade cannot disable a pass unnoticed.
    pub fn with_passes_must_fire(mut self, must: bool) -> Self {
        self.passes_must_fire = must;
        self
    }

    /// Lint severities to generate under (a rule set to `warning` no longer
    /// stops generation).
    pub fn with_lint_config(mut self, config: lint::LintConfig) -> Self {
        self.lint = config;
        self
    }

    /// Timeout of the generated `Client::new` (progenitor's default is 15 s).
    pub fn with_timeout_secs(mut self, secs: u64) -> Self {
        self.timeout_secs = Some(secs);
        self
    }
}

/// Generated code and the lint warnings met on the way.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The formatted Rust source, header included, `\n` line endings.
    pub code: String,
    /// Lint findings below error level.
    pub warnings: Vec<Finding>,
    /// How many places each post-pass over progenitor's output rewrote.
    pub passes: Vec<PassCount>,
}

/// What one post-pass did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassCount {
    /// The pass's name (its module).
    pub pass: &'static str,
    /// What it is for, for the message when it must fire and did not.
    pub purpose: &'static str,
    /// How many places it rewrote.
    pub rewritten: usize,
}

impl PassCount {
    fn new(pass: &'static str, purpose: &'static str, rewritten: usize) -> Self {
        PassCount {
            pass,
            purpose,
            rewritten,
        }
    }
}

/// What every progenitor run starts from: the linted spec with its inline
/// enums hoisted, and the settings.
struct Prepared {
    openapi: openapiv3::OpenAPI,
    settings: GenerationSettings,
    enums: Vec<open_enums::EnumSchema>,
    warnings: Vec<Finding>,
}

/// `spec` with the standard forms progenitor misreads rewritten
/// ([`dialect`]).
fn normalized(spec: &Spec) -> Result<Spec> {
    let mut document = spec.value().clone();
    dialect::normalize(&mut document);
    spec.with_value(document)
}

fn prepare(spec: &Spec, options: &GenerateOptions) -> Result<Prepared> {
    let warnings = lint::lint_with(spec, &options.lint).into_result(spec)?;
    let mut document = spec.value().clone();
    let enums = open_enums::hoist(&mut document);
    let openapi: openapiv3::OpenAPI =
        serde_path_to_error::deserialize(&document).map_err(|e| Error::Unsupported {
            file: spec.name().to_string(),
            pointer: e.path().to_string(),
            what: format!(
                "the spec after hoisting enums is not valid OpenAPI: {}",
                e.inner()
            ),
        })?;

    let mut settings = GenerationSettings::default();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Separate);
    for derive in &options.derives {
        settings.with_derive(derive);
    }
    if let Some(inner) = &options.inner_type {
        settings.with_inner_type(parse_tokens(spec, inner)?);
    }
    if options.hooks_expected {
        settings.with_hooks(HooksMode::Expected);
    }
    if let Some(secs) = options.timeout_secs {
        settings.with_timeout(secs);
    }
    for schema in &enums {
        // typify looks replacements up under its own name for the component.
        let rust_name = names::type_name(&schema.name);
        settings.with_replacement(
            &rust_name,
            format!("{}::{rust_name}", options.types_path),
            std::iter::empty(),
        );
    }
    Ok(Prepared {
        openapi,
        settings,
        enums,
        warnings,
    })
}

/// Which companion module to generate next to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Companion {
    /// Typed `httpmock` extensions: one `when`/`then` pair per operation
    /// (progenitor's httpmock generator).
    Mock,
    /// One `clap` subcommand per operation (progenitor's CLI generator).
    Cli,
}

/// Generates a companion module for the client `render` produces:
/// `crate_path` is the path through which it sees the client (e.g.
/// `crate`).
pub fn render_companion(
    spec: &Spec,
    options: &GenerateOptions,
    companion: Companion,
    crate_path: &str,
) -> Result<Rendered> {
    let normalized = normalized(spec)?;
    let spec = &normalized;
    let Prepared {
        openapi,
        settings,
        warnings,
        ..
    } = prepare(spec, options)?;
    let tokens = locate::run(spec, &openapi, &|openapi| {
        let mut generator = Generator::new(&settings);
        match companion {
            Companion::Mock => generator.httpmock(openapi, crate_path),
            Companion::Cli => generator.cli(openapi, crate_path),
        }
    })?;
    let mut file: syn::File = syn::parse2(tokens).map_err(|e| Error::InvalidOutput {
        file: spec.name().to_string(),
        message: e.to_string(),
    })?;
    let mut passes = vec![PassCount::new(
        "repeatable",
        "array-valued query parameters in mocks and CLI",
        repeatable::fix(&mut file),
    )];
    if companion == Companion::Cli && options.runtime.is_some() {
        passes.push(PassCount::new(
            "own_send::cli_config",
            "the CLI reports the one error type",
            own_send::cli_config(&mut file),
        ));
    }
    finish(spec, options, &file, warnings, passes)
}

/// The guards every rendered file passes before it is returned: passes
/// that must fire did, no module defines a name twice.
fn finish(
    spec: &Spec,
    options: &GenerateOptions,
    file: &syn::File,
    warnings: Vec<Finding>,
    passes: Vec<PassCount>,
) -> Result<Rendered> {
    if options.passes_must_fire
        && let Some(inert) = passes.iter().find(|p| p.rewritten == 0)
    {
        return Err(Error::InertPass {
            file: spec.name().to_string(),
            pass: inert.pass,
            purpose: inert.purpose,
        });
    }
    let clashes = guard::duplicate_items(spec, file);
    if !clashes.is_empty() {
        return Err(Error::Uncompilable {
            file: spec.name().to_string(),
            message: clashes.join("; "),
        });
    }
    Ok(Rendered {
        code: with_header(spec, options, &prettyplease::unparse(file)),
        warnings,
        passes,
    })
}

fn with_header(spec: &Spec, options: &GenerateOptions, body: &str) -> String {
    let label = options.source_label.as_deref().unwrap_or(spec.name());
    format!(
        "// @generated by `cargo xtask gen` from {label} (sha256 {}). Do not edit: change the spec and regenerate.\n\n{body}",
        spec.sha256()
    )
    .replace("\r\n", "\n")
}

/// Lints `spec` and, when it has no lint errors, generates the client.
pub fn render(spec: &Spec, options: &GenerateOptions) -> Result<Rendered> {
    let normalized = normalized(spec)?;
    let spec = &normalized;
    let Prepared {
        openapi,
        settings,
        enums,
        warnings,
    } = prepare(spec, options)?;
    let tokens = locate::run(spec, &openapi, &|openapi| {
        Generator::new(&settings).generate_tokens(openapi)
    })?;
    let mut file: syn::File = syn::parse2(tokens).map_err(|e| Error::InvalidOutput {
        file: spec.name().to_string(),
        message: e.to_string(),
    })?;
    let mut passes = vec![
        PassCount::new(
            "absent_query",
            "unset optional query parameters are not serialized",
            absent_query::skip_absent(&mut file),
        ),
        PassCount::new(
            "lean_headers::append_to_request",
            "header parameters appended to the request",
            lean_headers::append_to_request(&mut file),
        ),
        PassCount::new(
            "rows_as",
            "`send_as::<Row>()` on lists that take `fields`",
            rows_as::add_send_as(&mut file),
        ),
    ];
    if let Some(runtime) = &options.runtime {
        if !options.operation_table {
            return Err(Error::Unsupported {
                file: spec.name().to_string(),
                pointer: "generate options".to_string(),
                what: "a runtime send path needs the operation table".to_string(),
            });
        }
        // Every operation's builder must take the runtime path: a progenitor
        // whose builders changed shape fails here, not silently.
        let operations = spec.operations().count();
        let rewritten = own_send::rewrite(&mut file, runtime, "super::operations", operations)
            .map_err(|message| Error::InvalidOutput {
                file: spec.name().to_string(),
                message: format!("cannot route send() through {runtime}: {message}"),
            })?;
        passes.push(PassCount::new(
            "own_send",
            "every builder's send() goes through the crate's runtime with its options",
            rewritten,
        ));
    } else {
        passes.push(PassCount::new(
            "lean_headers::move_response_headers",
            "response headers moved, not copied",
            lean_headers::move_response_headers(&mut file),
        ));
    }
    passes.extend(model_type_passes(spec, &mut file)?);
    if !options.secret_fields.is_empty() {
        passes.push(PassCount::new(
            "secret_debug",
            "types with secret fields print them as [redacted] in Debug",
            secret_debug::redact(&mut file, &options.secret_fields),
        ));
    }

    let open: Vec<TokenStream> = enums
        .iter()
        .map(|schema| {
            open_enums::emit(&open_enums::EnumSchema {
                name: names::type_name(&schema.name),
                ..schema.clone()
            })
        })
        .collect();
    append_to_module(spec, &mut file, "types", quote! { #(#open)* })?;
    let mut extra = TokenStream::new();
    // The builders the paging impls are for, when they are emitted.
    let paged = options
        .paging_traits
        .as_ref()
        .map(|traits| (traits, names::builders(&file)));
    if options.operation_table {
        extra.extend(extras::operation_table(
            spec,
            options.trace_header.as_deref(),
            paged.as_ref().map(|(_, builders)| builders),
        ));
    }
    if options.response_decoder {
        extra.extend(extras::response_decoder(spec));
    }
    if !options.secret_fields.is_empty() {
        let fields = &options.secret_fields;
        extra.extend(quote::quote! {
            /// Field names whose values are secrets (lower case, compared
            /// case-insensitively), from the generator's one list.
            pub const SECRET_FIELDS: &[&str] = &[#(#fields),*];
        });
    }
    if let Some(field) = &options.webhook_type_field {
        extra.extend(extras::webhook_events(spec, field));
    }
    if let Some((traits, builders)) = &paged {
        extra.extend(extras::paging_impls(spec, traits, builders).map_err(|e| {
            Error::Unsupported {
                file: spec.name().to_string(),
                pointer: "paging traits path".to_string(),
                what: e.to_string(),
            }
        })?);
    }
    file.items.extend(parse_items(spec, extra)?);
    finish(spec, options, &file, warnings, passes)
}

/// [`model_types`] over `mod types` and `mod types::builder`: the model
/// structs are `#[non_exhaustive]` and built through setters that stay the
/// same when a field turns optional.
fn model_type_passes(spec: &Spec, file: &mut syn::File) -> Result<[PassCount; 3]> {
    let missing = |name: &str| Error::InvalidOutput {
        file: spec.name().to_string(),
        message: format!("progenitor output has no `mod {name}`"),
    };
    let types = module_items(&mut file.items, "types").ok_or_else(|| missing("types"))?;
    let sealed = model_types::seal(types);
    // typify emits no `builder` module for a spec without structs.
    let setters = match module_items(types, "builder") {
        Some(builders) => {
            model_types::inner_setters(builders).map_err(|message| Error::Uncompilable {
                file: spec.name().to_string(),
                message,
            })?
        }
        None => 0,
    };
    let request_only = request_only::types(spec.value(), types);
    let hidden =
        model_types::accessors(types, &request_only).map_err(|message| Error::Uncompilable {
            file: spec.name().to_string(),
            message,
        })?;
    Ok([
        PassCount::new(
            "model_types::seal",
            "model types are #[non_exhaustive], structs without a derived Default",
            sealed,
        ),
        PassCount::new(
            "model_types::inner_setters",
            "builder setters of optional fields take the inner value",
            setters,
        ),
        PassCount::new(
            "model_types::accessors",
            "fields of request-only types are read through getters",
            hidden,
        ),
    ])
}

/// The items of the inline `mod name { ... }` among `items`.
fn module_items<'i>(items: &'i mut [syn::Item], name: &str) -> Option<&'i mut Vec<syn::Item>> {
    items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == name => m.content.as_mut().map(|(_, c)| c),
        _ => None,
    })
}

fn parse_tokens(spec: &Spec, text: &str) -> Result<TokenStream> {
    text.parse().map_err(|e| Error::Unsupported {
        file: spec.name().to_string(),
        pointer: "generate options".to_string(),
        what: format!("`{text}` is not a Rust path: {e}"),
    })
}

fn parse_items(spec: &Spec, tokens: TokenStream) -> Result<Vec<syn::Item>> {
    syn::parse2::<syn::File>(tokens)
        .map(|f| f.items)
        .map_err(|e| Error::InvalidOutput {
            file: spec.name().to_string(),
            message: e.to_string(),
        })
}

/// Appends `tokens` to the top-level `mod name { ... }` of `file`.
fn append_to_module(
    spec: &Spec,
    file: &mut syn::File,
    name: &str,
    tokens: TokenStream,
) -> Result<()> {
    let items = parse_items(spec, tokens)?;
    match module_items(&mut file.items, name) {
        Some(content) => {
            content.extend(items);
            Ok(())
        }
        None => Err(Error::InvalidOutput {
            file: spec.name().to_string(),
            message: format!("progenitor output has no `mod {name}`"),
        }),
    }
}

/// Whether `expr` is a path ending in `names` (`a::B::c` ends in
/// `["B", "c"]`), for the syn passes over progenitor's output.
pub(super) fn is_path_ending(expr: &syn::Expr, names: &[&str]) -> bool {
    let syn::Expr::Path(path) = expr else {
        return false;
    };
    let segments = &path.path.segments;
    segments.len() >= names.len()
        && segments
            .iter()
            .rev()
            .zip(names.iter().rev())
            .all(|(segment, name)| segment.ident == name)
}

/// `T` of `Name<T, ..>` (however the path to `Name` is spelled), for the
/// syn passes over progenitor's output.
pub(super) fn first_generic<'t>(ty: &'t syn::Type, name: &str) -> Option<&'t syn::Type> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(inner) => Some(inner),
        _ => None,
    }
}
