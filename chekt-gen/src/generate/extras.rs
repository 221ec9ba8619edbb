//! Code emitted next to progenitor's output from facts in the spec:
//!
//! - [`operation_table`]: `operations::ALL`, one row per operation (method,
//!   path template, tag, security alternatives with scopes, flags), so a
//!   runtime can trace path templates and pick credentials, and tests can
//!   check the spec's surface;
//! - [`paging_impls`]: implementations of the runtime's paging traits for
//!   list operations that follow the offset (`limit`/`offset` → array) or
//!   cursor (`cursor` → `{data, has_more, next_cursor}`) conventions.

use heck::ToShoutySnakeCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::load::{OperationRef, Spec};
use crate::pointer;

/// `operations` module with the static operation table: one constant per
/// operation (`LIST_SITES`), `ALL`, and `Scheme`, an enum of the spec's
/// `components/securitySchemes`, so code that picks credentials matches on
/// a generated type instead of a scheme's name. `trace_header` names a
/// header parameter whose presence the `takes_trace_id` column records;
/// `paged` is the builders map given to [`paging_impls`] when its impls are
/// emitted (the `paging` column names an operation only where they are).
pub fn operation_table(
    spec: &Spec,
    trace_header: Option<&str>,
    paged: Option<&Builders>,
) -> TokenStream {
    let default_security = spec.value().get("security");
    // The schemes operations use, in the order `components/securitySchemes`
    // declares them: a declared scheme no operation uses gets no variant, so
    // removing it changes nothing in the generated crate.
    let declared: Vec<&String> = spec
        .value()
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .map(|s| s.keys().collect())
        .unwrap_or_default();
    let mut schemes: Vec<String> = Vec::new();
    let mut consts = Vec::new();
    let mut names = Vec::new();
    for op in spec.operations() {
        let Some(id) = op.id() else { continue };
        let Some(json) = spec.value().pointer(&op.pointer()) else {
            continue;
        };
        let method = op.method.to_uppercase();
        let method_const = format_ident!("{method}");
        let path = op.path;
        let tag = match json.pointer("/tags/0").and_then(Value::as_str) {
            Some(tag) => quote! { Some(#tag) },
            None => quote! { None },
        };
        let security = json.get("security").or(default_security);
        let mut alternatives = Vec::new();
        for alt in security.and_then(Value::as_array).into_iter().flatten() {
            let mut requirements = Vec::new();
            for (scheme, scopes) in alt.as_object().into_iter().flatten() {
                if !schemes.contains(scheme) {
                    schemes.push(scheme.clone());
                }
                let variant = format_ident!("{}", crate::generate::names::type_name(scheme));
                let scopes = scopes
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str);
                requirements.push(quote! { SecurityRequirement { scheme: Scheme::#variant, scopes: &[#(#scopes),*] } });
            }
            alternatives.push(quote! { &[#(#requirements),*] });
        }
        let deprecated = json
            .get("deprecated")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let inferred = json
            .get("x-chekt-inferred")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let idempotent = matches!(
            method.as_str(),
            "GET" | "HEAD" | "OPTIONS" | "TRACE" | "PUT" | "DELETE"
        );
        let takes_trace_id = trace_header.is_some_and(|name| {
            params_in(spec, &op, "header")
                .iter()
                .any(|p| p.eq_ignore_ascii_case(name))
        });
        let paging = match paged.and_then(|builders| paging_of(spec, &op, builders)) {
            Some((_, PagingPlan::Offset { .. })) => quote! { Some(PagingStyle::Offset) },
            Some((_, PagingPlan::Cursor { .. })) => quote! { Some(PagingStyle::Cursor) },
            None => quote! { None },
        };
        let name = format_ident!("{}", id.to_shouty_snake_case());
        let doc = format!("`{method} {path}` (`{id}`).");
        consts.push(quote! {
            #[doc = #doc]
            pub const #name: Operation = Operation {
                id: #id,
                method: ::reqwest::Method::#method_const,
                path: #path,
                tag: #tag,
                security: &[#(#alternatives),*],
                idempotent: #idempotent,
                takes_trace_id: #takes_trace_id,
                deprecated: #deprecated,
                inferred: #inferred,
                paging: #paging,
            };
        });
        names.push(name);
    }
    schemes.sort_by_key(|s| declared.iter().position(|d| *d == s).unwrap_or(usize::MAX));
    let variants: Vec<syn::Ident> = schemes
        .iter()
        .map(|s| format_ident!("{}", crate::generate::names::type_name(s)))
        .collect();
    let scheme_docs = schemes.iter().map(|s| format!("`{s}`"));
    let trace_const = trace_header.map(|name| {
        let doc = format!(
            "The trace header parameter (`{name}`) that [`Operation::takes_trace_id`] records."
        );
        quote! {
            #[doc = #doc]
            pub const TRACE_HEADER: &str = #name;
        }
    });
    let trace_doc = match trace_header {
        Some(name) => format!("Whether the operation takes the `{name}` header parameter."),
        None => "Always `false`: no trace header was configured.".to_string(),
    };
    quote! {
        /// Static facts about every operation in the spec, for runtimes
        /// (tracing, credentials, retry safety) and tests.
        pub mod operations {
            /// A security scheme of `components/securitySchemes`.
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            pub enum Scheme {
                #( #[doc = #scheme_docs] #variants, )*
            }

            impl Scheme {
                /// Every scheme the spec declares or names.
                pub const ALL: &'static [Scheme] = &[#(Scheme::#variants),*];

                /// The scheme's name in the spec.
                pub fn name(self) -> &'static str {
                    match self {
                        #( Scheme::#variants => #schemes, )*
                    }
                }
            }

            /// One security scheme an operation accepts, with the scopes it
            /// must carry.
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub struct SecurityRequirement {
                /// The scheme.
                pub scheme: Scheme,
                /// OAuth scopes the token must carry (empty for other schemes).
                pub scopes: &'static [&'static str],
            }

            /// How a list operation pages, by one of the two conventions
            /// the runtime's paging traits implement.
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            #[non_exhaustive]
            pub enum PagingStyle {
                /// `limit` and `offset` query parameters; a page is a JSON
                /// array of rows.
                Offset,
                /// A `cursor` query parameter; a page is an object with
                /// `data` (the rows), `has_more` and `next_cursor`.
                Cursor,
            }

            /// One operation of the spec. New columns may be added in a
            /// minor release (`#[non_exhaustive]`): read the constants,
            /// do not build rows.
            #[derive(Debug, Clone, PartialEq, Eq)]
            #[non_exhaustive]
            pub struct Operation {
                /// The operationId, also the generated method's name.
                pub id: &'static str,
                /// The HTTP method.
                pub method: ::reqwest::Method,
                /// The path template, e.g. `/partner/v1/dealers/{dealerId}`.
                pub path: &'static str,
                /// The operation's (first) tag.
                pub tag: Option<&'static str>,
                /// Alternatives, any one of which suffices; each lists
                /// requirements that must all hold. Empty: no authentication.
                pub security: &'static [&'static [SecurityRequirement]],
                /// Whether repeating the request is safe by HTTP semantics
                /// (RFC 9110 §9.2.2: GET, HEAD, OPTIONS, TRACE, PUT, DELETE).
                pub idempotent: bool,
                #[doc = #trace_doc]
                pub takes_trace_id: bool,
                /// Whether the spec marks the operation deprecated.
                pub deprecated: bool,
                /// Whether the spec marks the operation `x-chekt-inferred`.
                pub inferred: bool,
                /// How the operation pages, when it is a list that follows
                /// one of the conventions (its builder then implements the
                /// matching paging trait); `None` otherwise.
                pub paging: Option<PagingStyle>,
            }

            impl Operation {
                /// Whether any alternative uses `scheme`.
                pub fn accepts(&self, scheme: Scheme) -> bool {
                    self.security.iter().any(|alt| alt.iter().any(|r| r.scheme == scheme))
                }

                /// The scopes `scheme` must carry for this operation.
                pub fn scopes(&self, scheme: Scheme) -> &'static [&'static str] {
                    self.security
                        .iter()
                        .flat_map(|alt| alt.iter())
                        .find(|r| r.scheme == scheme)
                        .map(|r| r.scopes)
                        .unwrap_or(&[])
                }
            }

            #trace_const

            #(#consts)*

            /// Every operation, in spec order.
            pub static ALL: &[Operation] = &[#(#names),*];

            /// The operation with this operationId.
            pub fn find(id: &str) -> Option<&'static Operation> {
                ALL.iter().find(|op| op.id == id)
            }
        }
    }
}

/// Paging trait implementations for every list operation that follows one
/// of the two conventions; `traits` is the module path holding
/// `OffsetPaged` and `CursorPaged`; `builders` maps `(METHOD, path)` to the
/// builder progenitor generated ([`super::names::builders`]).
pub fn paging_impls(spec: &Spec, traits: &str, builders: &Builders) -> syn::Result<TokenStream> {
    let traits: syn::Path = syn::parse_str(traits)?;
    let impls = spec.operations().filter_map(|op| {
        let (builder, plan) = paging_of(spec, &op, builders)?;
        let builder = format_ident!("{}", builder);
        match plan {
            PagingPlan::Offset { item, fields } => {
                let item = format_ident!("{}", crate::generate::names::type_name(item));
                // The builder's `send_as` comes from the `rows_as` pass.
                let fields_paged = fields.then(|| quote! {
                    impl<'a> #traits::FieldsPaged<'a> for builder::#builder<'a> {
                        fn send_page_as<T>(
                            self,
                        ) -> impl ::std::future::Future<
                            Output = #traits::PageResult<::std::vec::Vec<T>>,
                        > + Send + 'a
                        where
                            T: ::serde::de::DeserializeOwned + Send + 'a,
                        {
                            self.send_as::<T>()
                        }
                    }
                });
                Some(quote! {
                    #fields_paged
                    impl<'a> #traits::OffsetPaged<'a> for builder::#builder<'a> {
                        type Item = types::#item;

                        fn with_page(self, limit: i64, offset: i64) -> Self {
                            self.limit(limit).offset(offset)
                        }

                        fn send_page(
                            self,
                        ) -> impl ::std::future::Future<
                            Output = #traits::PageResult<::std::vec::Vec<Self::Item>>,
                        > + Send + 'a {
                            self.send()
                        }
                    }
                })
            }
            PagingPlan::Cursor {
                page,
                item,
                has_more_required,
            } => {
                let has_more = if has_more_required {
                    quote! { page.has_more }
                } else {
                    quote! { page.has_more.unwrap_or(false) }
                };
                let page = format_ident!("{}", crate::generate::names::type_name(page));
                let item = format_ident!("{}", crate::generate::names::type_name(item));
                Some(quote! {
                    impl<'a> #traits::CursorPaged<'a> for builder::#builder<'a> {
                        type Page = types::#page;
                        type Item = types::#item;

                        fn with_cursor(self, cursor: ::std::string::String) -> Self {
                            self.cursor(cursor)
                        }

                        fn send_page(
                            self,
                        ) -> impl ::std::future::Future<
                            Output = #traits::PageResult<Self::Page>,
                        > + Send + 'a {
                            self.send()
                        }

                        fn into_parts(page: Self::Page) -> (::std::vec::Vec<Self::Item>, bool, Option<::std::string::String>) {
                            (page.data, #has_more, page.next_cursor)
                        }
                    }
                })
            }
        }
    });
    Ok(quote! { #(#impls)* })
}

/// `(METHOD, path)` → the builder progenitor generated for it
/// ([`super::names::builders`]).
pub type Builders = std::collections::HashMap<(String, String), String>;

/// The builder of `op` and how it pages, when it gets a paging trait impl:
/// the one decision for the table's `paging` column and [`paging_impls`],
/// so the two cannot disagree.
fn paging_of<'a>(
    spec: &'a Spec,
    op: &OperationRef<'a>,
    builders: &'a Builders,
) -> Option<(&'a str, PagingPlan<'a>)> {
    let builder = builders.get(&(op.method.to_uppercase(), op.path.to_string()))?;
    Some((builder, paging_plan(spec, op)?))
}

/// How a list operation pages ([`paging_of`]).
enum PagingPlan<'a> {
    /// `limit` and `offset` → an array of `item` (a `$ref`'s name);
    /// `fields`: the operation also takes a `fields` projection.
    Offset { item: &'a str, fields: bool },
    /// `cursor` → `page`, a schema with `data` (an array of `item`),
    /// `has_more` and `next_cursor`.
    Cursor {
        page: &'a str,
        item: &'a str,
        /// An inferred envelope requires nothing (an optional `has_more`
        /// decodes as `Option<bool>`): a page without it is the last.
        has_more_required: bool,
    },
}

/// The operation's [`PagingPlan`], if it follows one of the conventions
/// with `$ref`'d row types.
fn paging_plan<'a>(spec: &'a Spec, op: &OperationRef<'a>) -> Option<PagingPlan<'a>> {
    let json = spec.value().pointer(&op.pointer())?;
    let query = query_params(spec, op);
    if query.contains(&"limit") && query.contains(&"offset") {
        let item = ref_name(success_schema(spec, json)?.get("items")?)?;
        return Some(PagingPlan::Offset {
            item,
            fields: query.contains(&"fields"),
        });
    }
    if !query.contains(&"cursor") {
        return None;
    }
    success_schema(spec, json)?;
    let page = ref_name(success_ref(spec, json)?)?;
    let page_schema = spec.resolve(&pointer::join(["components", "schemas", page]))?;
    let item = ref_name(page_schema.pointer("/properties/data/items")?)?;
    for field in ["has_more", "next_cursor"] {
        page_schema.pointer(&pointer::join(["properties", field]))?;
    }
    let has_more_required = page_schema
        .get("required")
        .and_then(Value::as_array)
        .is_some_and(|r| r.iter().any(|f| f == "has_more"));
    Some(PagingPlan::Cursor {
        page,
        item,
        has_more_required,
    })
}

fn query_params<'a>(spec: &'a Spec, op: &OperationRef<'a>) -> Vec<&'a str> {
    params_in(spec, op, "query")
}

/// Names of the operation's parameters (path-level ones included) `in`
/// `location`.
fn params_in<'a>(spec: &'a Spec, op: &OperationRef<'a>, location: &str) -> Vec<&'a str> {
    let path_json = spec.value().pointer(&pointer::join(["paths", op.path]));
    let op_json = spec.value().pointer(&op.pointer());
    [path_json, op_json]
        .into_iter()
        .flatten()
        .filter_map(|owner| owner.get("parameters").and_then(Value::as_array))
        .flatten()
        .filter_map(|p| pointer::follow_ref(spec.value(), p))
        .filter(|p| p.get("in").and_then(Value::as_str) == Some(location))
        .filter_map(|p| p.get("name").and_then(Value::as_str))
        .collect()
}

/// The (resolved) JSON schema of the first 2xx response.
fn success_schema<'a>(spec: &'a Spec, op: &'a Value) -> Option<&'a Value> {
    let schema = success_ref(spec, op)?;
    pointer::follow_ref(spec.value(), schema)
}

/// The (unresolved) JSON schema of the first 2xx response.
fn success_ref<'a>(spec: &'a Spec, op: &'a Value) -> Option<&'a Value> {
    let responses = op.get("responses")?.as_object()?;
    let (_, response) = responses.iter().find(|(s, _)| s.starts_with('2'))?;
    let response = pointer::follow_ref(spec.value(), response)?;
    response.pointer("/content/application~1json/schema")
}

/// `Name` for a `{"$ref": "#/components/schemas/Name"}`.
fn ref_name(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")?
        .as_str()?
        .strip_prefix("#/components/schemas/")
}

/// `decode::response(operation_id, status, body)`: deserializes a response
/// body through the generated type declared for that status, so a contract
/// check (which cannot depend on the generated crate) can prove the client
/// reads what the server sends.
pub fn response_decoder(spec: &Spec) -> TokenStream {
    let arms = spec.operations().filter_map(|op| {
        let id = op.id()?;
        let json = spec.value().pointer(&op.pointer())?;
        let responses = json.get("responses")?.as_object()?;
        let statuses = responses.iter().filter_map(|(status, response)| {
            let response = pointer::follow_ref(spec.value(), response)?;
            let schema = response.pointer("/content/application~1json/schema")?;
            let ty = rust_type(schema)?;
            let pattern = status_pattern(status)?;
            Some((
                status_rank(status),
                quote! { #pattern => Some(check::<#ty>(body)), },
            ))
        });
        let mut statuses: Vec<_> = statuses.collect();
        // Specific codes before ranges before `default`, as HTTP intends.
        statuses.sort_by_key(|(rank, _)| *rank);
        let arms = statuses.into_iter().map(|(_, arm)| arm);
        Some(quote! {
            #id => match status {
                #(#arms)*
                _ => None,
            },
        })
    });
    quote! {
        /// Decoding response bodies through the generated types by
        /// operationId and status, for contract tests.
        pub mod decode {
            #[allow(unused_imports)]
            use super::types;

            fn check<T: ::serde::de::DeserializeOwned>(body: &[u8]) -> Result<(), ::std::string::String> {
                let deserializer = &mut ::serde_json::Deserializer::from_slice(body);
                ::serde_path_to_error::deserialize::<_, T>(deserializer)
                    .map(|_| ())
                    .map_err(|e| {
                        let path = e.path().to_string();
                        if path == "." {
                            e.into_inner().to_string()
                        } else {
                            format!("at {path}: {}", e.into_inner())
                        }
                    })
            }

            /// Deserializes `body` as the type the spec declares for
            /// `operation_id` answering `status`. `None` when the spec
            /// declares no typed JSON body there; `Some(Err)` names the
            /// field that failed.
            pub fn response(operation_id: &str, status: u16, body: &[u8]) -> Option<Result<(), ::std::string::String>> {
                match operation_id {
                    #(#arms)*
                    _ => None,
                }
            }
        }
    }
}

fn status_rank(status: &str) -> u8 {
    match status {
        "default" => 2,
        s if s.ends_with("XX") || s.ends_with("xx") => 1,
        _ => 0,
    }
}

fn status_pattern(status: &str) -> Option<TokenStream> {
    if status == "default" {
        return Some(quote! { _ });
    }
    if let Ok(code) = status.parse::<u16>() {
        return Some(quote! { #code });
    }
    let class = status.chars().next()?.to_digit(10)? as u16;
    let (low, high) = (class * 100, class * 100 + 99);
    Some(quote! { #low..=#high })
}

/// The generated Rust type for a response schema we can name: a component
/// `$ref`, or an array of one.
fn rust_type(schema: &Value) -> Option<TokenStream> {
    if let Some(name) = ref_name(schema) {
        let name = format_ident!("{}", crate::generate::names::type_name(name));
        return Some(quote! { types::#name });
    }
    if schema.get("type").and_then(Value::as_str) == Some("array") {
        let inner = rust_type(schema.get("items")?)?;
        return Some(quote! { ::std::vec::Vec<#inner> });
    }
    None
}

/// `webhook_events::WebhookEvent`: one variant per `x-webhooks` event whose
/// payload is a component schema, plus `Unknown` with the raw JSON, so a new
/// event type never breaks a receiver. `type_field` names the payload
/// property carrying the event type.
pub fn webhook_events(spec: &Spec, type_field: &str) -> Option<TokenStream> {
    let hooks = spec.value().get("x-webhooks")?.as_object()?;
    let events: Vec<(String, syn::Ident, syn::Ident, String)> = hooks
        .iter()
        .filter_map(|(event, item)| {
            let operation = item.get("post")?;
            let schema = operation.pointer("/requestBody/content/application~1json/schema")?;
            let payload = format_ident!("{}", crate::generate::names::type_name(ref_name(schema)?));
            let variant = format_ident!("{}", crate::generate::names::type_name(event));
            let summary = operation
                .get("summary")
                .and_then(Value::as_str)
                .map(|s| format!("`{event}`: {s}."))
                .unwrap_or_else(|| format!("`{event}`."));
            Some((event.clone(), variant, payload, summary))
        })
        .collect();
    if events.is_empty() {
        return None;
    }
    let names: Vec<&String> = events.iter().map(|(e, ..)| e).collect();
    let variants: Vec<&syn::Ident> = events.iter().map(|(_, v, ..)| v).collect();
    let payloads = events.iter().map(|(_, _, p, _)| p);
    let docs = events.iter().map(|(.., d)| d);
    Some(quote! {
        /// Typed webhook events, from the spec's `x-webhooks`.
        pub mod webhook_events {
            use super::types;

            /// A webhook delivery's payload.
            #[derive(Debug, Clone, PartialEq)]
            #[non_exhaustive]
            pub enum WebhookEvent {
                #( #[doc = #docs] #variants(types::#payloads), )*
                /// An event type this client does not know yet, with its raw
                /// payload.
                Unknown {
                    /// The payload's event type.
                    event_type: ::std::string::String,
                    /// The payload as sent.
                    payload: ::serde_json::Value,
                },
            }

            impl WebhookEvent {
                /// Every event type the spec lists.
                pub const KNOWN_TYPES: &'static [&'static str] = &[#(#names),*];

                /// The event type, e.g. `alarm.created`.
                pub fn event_type(&self) -> &str {
                    match self {
                        #( Self::#variants(_) => #names, )*
                        Self::Unknown { event_type, .. } => event_type.as_str(),
                    }
                }

                /// Parses a payload, dispatching on its `type` field. A known
                /// type whose payload does not match its schema is an error
                /// naming the JSON path that failed (e.g. `data.device_id`);
                /// an unknown type is `Unknown`.
                pub fn from_slice(body: &[u8]) -> ::std::result::Result<Self, ::serde_path_to_error::Error<::serde_json::Error>> {
                    #[derive(::serde::Deserialize)]
                    struct Tagged {
                        #[serde(rename = #type_field)]
                        event_type: ::std::string::String,
                    }
                    let payload: ::serde_json::Value = ::serde_path_to_error::deserialize(
                        &mut ::serde_json::Deserializer::from_slice(body),
                    )?;
                    let Tagged { event_type } = ::serde_path_to_error::deserialize(&payload)?;
                    Ok(match event_type.as_str() {
                        #( #names => Self::#variants(::serde_path_to_error::deserialize(payload)?), )*
                        _ => Self::Unknown { event_type, payload },
                    })
                }

                /// Parses `payload` as the typed event of `event_type`:
                /// `None` for a type this version does not know; for a known
                /// type whose payload does not match its schema, the JSON
                /// path of the failing value (e.g. `data.alarm_type`, or
                /// `data` for a missing field of `data`) and the error.
                pub fn typed(
                    event_type: &str,
                    payload: &::serde_json::Value,
                ) -> ::std::option::Option<::std::result::Result<Self, (::std::string::String, ::serde_json::Error)>> {
                    let located = |e: ::serde_path_to_error::Error<::serde_json::Error>| {
                        (e.path().to_string(), e.into_inner())
                    };
                    match event_type {
                        #( #names => Some(::serde_path_to_error::deserialize(payload).map(Self::#variants).map_err(located)), )*
                        _ => None,
                    }
                }
            }
        }
    })
}
