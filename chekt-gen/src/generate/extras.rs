//! Code emitted next to progenitor's output from facts in the spec:
//!
//! - [`operation_table`]: `operations::ALL`, one row per operation (method,
//!   path template, tag, security alternatives with scopes, flags), so a
//!   runtime can trace path templates and pick credentials, and tests can
//!   check the spec's surface;
//! - [`paging_impls`]: implementations of the runtime's paging traits for
//!   list operations that follow the offset (`limit`/`offset` → array) or
//!   cursor (`cursor` → `{data, has_more, next_cursor}`) conventions.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::load::{OperationRef, Spec};
use crate::pointer;

/// `operations` module with the static operation table.
pub fn operation_table(spec: &Spec) -> TokenStream {
    let default_security = spec.value().get("security");
    let rows =
        spec.operations().filter_map(|op| {
            let id = op.id()?;
            let json = spec.value().pointer(&op.pointer())?;
            let method = op.method.to_uppercase();
            let path = op.path;
            let tag = match json.pointer("/tags/0").and_then(Value::as_str) {
                Some(tag) => quote! { Some(#tag) },
                None => quote! { None },
            };
            let security = json.get("security").or(default_security);
            let alternatives = security.and_then(Value::as_array).into_iter().flatten().map(|alt| {
            let requirements = alt.as_object().into_iter().flatten().map(|(scheme, scopes)| {
                let scopes = scopes.as_array().into_iter().flatten().filter_map(Value::as_str);
                quote! { SecurityRequirement { scheme: #scheme, scopes: &[#(#scopes),*] } }
            });
            quote! { &[#(#requirements),*] }
        });
            let deprecated = json
                .get("deprecated")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let inferred = json
                .get("x-chekt-inferred")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            Some(quote! {
                Operation {
                    id: #id,
                    method: #method,
                    path: #path,
                    tag: #tag,
                    security: &[#(#alternatives),*],
                    deprecated: #deprecated,
                    inferred: #inferred,
                }
            })
        });
    quote! {
        /// Static facts about every operation in the spec, for runtimes
        /// (tracing, credentials, retry safety) and tests.
        pub mod operations {
            /// One security scheme an operation accepts, with the scopes it
            /// must carry.
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub struct SecurityRequirement {
                /// Name of the scheme in `components/securitySchemes`.
                pub scheme: &'static str,
                /// OAuth scopes the token must carry (empty for other schemes).
                pub scopes: &'static [&'static str],
            }

            /// One operation of the spec.
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub struct Operation {
                /// The operationId, also the generated method's name.
                pub id: &'static str,
                /// The upper-case HTTP method.
                pub method: &'static str,
                /// The path template, e.g. `/partner/v1/dealers/{dealerId}`.
                pub path: &'static str,
                /// The operation's (first) tag.
                pub tag: Option<&'static str>,
                /// Alternatives, any one of which suffices; each lists
                /// requirements that must all hold. Empty: no authentication.
                pub security: &'static [&'static [SecurityRequirement]],
                /// Whether the spec marks the operation deprecated.
                pub deprecated: bool,
                /// Whether the spec marks the operation `x-chekt-inferred`.
                pub inferred: bool,
            }

            impl Operation {
                /// Whether any alternative uses `scheme`.
                pub fn accepts(&self, scheme: &str) -> bool {
                    self.security.iter().any(|alt| alt.iter().any(|r| r.scheme == scheme))
                }

                /// The scopes `scheme` must carry for this operation.
                pub fn scopes(&self, scheme: &str) -> &'static [&'static str] {
                    self.security
                        .iter()
                        .flat_map(|alt| alt.iter())
                        .find(|r| r.scheme == scheme)
                        .map(|r| r.scopes)
                        .unwrap_or(&[])
                }

                /// Whether repeating the request is safe by HTTP semantics
                /// (GET, HEAD, OPTIONS, TRACE, PUT, DELETE).
                pub fn is_idempotent(&self) -> bool {
                    matches!(self.method, "GET" | "HEAD" | "OPTIONS" | "TRACE" | "PUT" | "DELETE")
                }
            }

            /// Every operation, in spec order.
            pub static ALL: &[Operation] = &[#(#rows),*];

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
pub fn paging_impls(
    spec: &Spec,
    traits: &str,
    builders: &std::collections::HashMap<(String, String), String>,
) -> syn::Result<TokenStream> {
    let traits: syn::Path = syn::parse_str(traits)?;
    let impls = spec.operations().filter_map(|op| {
        let json = spec.value().pointer(&op.pointer())?;
        let builder = builders.get(&(op.method.to_uppercase(), op.path.to_string()))?;
        let builder = format_ident!("{}", builder);
        let query = query_params(spec, &op);
        let success = success_schema(spec, json)?;
        let error_body = error_type(spec, json);
        if query.contains(&"limit") && query.contains(&"offset") {
            let item = ref_name(success.get("items")?)?;
            let item = format_ident!("{}", crate::generate::names::type_name(item));
            // The builder's `send_as` comes from the `rows_as` pass.
            let fields_paged = query.contains(&"fields").then(|| quote! {
                impl<'a> #traits::FieldsPaged<'a> for builder::#builder<'a> {
                    fn send_page_as<T>(
                        self,
                    ) -> impl ::std::future::Future<
                        Output = Result<ResponseValue<::std::vec::Vec<T>>, Error<Self::ErrorBody>>,
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
                    type ErrorBody = #error_body;

                    fn with_page(self, limit: i64, offset: i64) -> Self {
                        self.limit(limit).offset(offset)
                    }

                    fn send_page(
                        self,
                    ) -> impl ::std::future::Future<
                        Output = Result<ResponseValue<::std::vec::Vec<Self::Item>>, Error<Self::ErrorBody>>,
                    > + Send + 'a {
                        self.send()
                    }
                }
            })
        } else if query.contains(&"cursor") {
            let page_ref = ref_name(success_ref(spec, json)?)?;
            let page_schema = spec.resolve(&pointer::join(["components", "schemas", page_ref]))?;
            let item = ref_name(page_schema.pointer("/properties/data/items")?)?;
            for field in ["has_more", "next_cursor"] {
                page_schema.pointer(&pointer::join(["properties", field]))?;
            }
            let page = format_ident!("{}", crate::generate::names::type_name(page_ref));
            let item = format_ident!("{}", crate::generate::names::type_name(item));
            Some(quote! {
                impl<'a> #traits::CursorPaged<'a> for builder::#builder<'a> {
                    type Page = types::#page;
                    type Item = types::#item;
                    type ErrorBody = #error_body;

                    fn with_cursor(self, cursor: ::std::string::String) -> Self {
                        self.cursor(cursor)
                    }

                    fn send_page(
                        self,
                    ) -> impl ::std::future::Future<
                        Output = Result<ResponseValue<Self::Page>, Error<Self::ErrorBody>>,
                    > + Send + 'a {
                        self.send()
                    }

                    fn into_parts(page: Self::Page) -> (::std::vec::Vec<Self::Item>, bool, Option<::std::string::String>) {
                        (page.data, page.has_more, page.next_cursor)
                    }
                }
            })
        } else {
            None
        }
    });
    Ok(quote! { #(#impls)* })
}

fn query_params<'a>(spec: &'a Spec, op: &OperationRef<'a>) -> Vec<&'a str> {
    let path_json = spec.value().pointer(&pointer::join(["paths", op.path]));
    let op_json = spec.value().pointer(&op.pointer());
    [path_json, op_json]
        .into_iter()
        .flatten()
        .filter_map(|owner| owner.get("parameters").and_then(Value::as_array))
        .flatten()
        .filter_map(|p| pointer::follow_ref(spec.value(), p))
        .filter(|p| p.get("in").and_then(Value::as_str) == Some("query"))
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

/// The Rust type of the operation's error body (`()` without one).
fn error_type(spec: &Spec, op: &Value) -> TokenStream {
    let name = op
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(s, _)| s.starts_with('4') || s.starts_with('5'))
        .filter_map(|(_, r)| pointer::follow_ref(spec.value(), r))
        .find_map(|r| {
            r.pointer("/content/application~1json/schema")
                .and_then(ref_name)
        });
    match name {
        Some(name) => {
            let name = format_ident!("{}", crate::generate::names::type_name(name));
            quote! { types::#name }
        }
        None => quote! { () },
    }
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
                /// naming the failing field; an unknown type is `Unknown`.
                pub fn from_slice(body: &[u8]) -> ::std::result::Result<Self, ::serde_json::Error> {
                    let payload: ::serde_json::Value = ::serde_json::from_slice(body)?;
                    let event_type = payload
                        .get(#type_field)
                        .and_then(::serde_json::Value::as_str)
                        .map(str::to_string)
                        .ok_or_else(|| <::serde_json::Error as ::serde::de::Error>::missing_field(#type_field))?;
                    match Self::typed(&event_type, &payload) {
                        Some(typed) => typed.map_err(|(_, error)| error),
                        None => Ok(Self::Unknown { event_type, payload }),
                    }
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
