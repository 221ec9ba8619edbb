//! Code emitted next to progenitor's output from facts in the spec:
//!
//! - [`operation_table`]: `operations::ALL`, one row per operation (method,
//!   path template, tag, security alternatives with scopes, flags), so a
//!   runtime can trace path templates and pick credentials, and tests can
//!   check the spec's surface;
//! - [`paging_impls`]: implementations of the runtime's paging traits for
//!   list operations that follow the offset (`limit`/`offset` → array) or
//!   cursor (`cursor` → `{data, has_more, next_cursor}`) conventions.

use heck::ToUpperCamelCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::load::{OperationRef, Spec};
use crate::pointer;

/// `operations` module with the static operation table.
pub fn operation_table(spec: &Spec) -> TokenStream {
    let default_security = spec.value().get("security");
    let rows = spec.operations().filter_map(|op| {
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
        let deprecated = json.get("deprecated").and_then(Value::as_bool).unwrap_or(false);
        let inferred = json.get("x-chekt-inferred").and_then(Value::as_bool).unwrap_or(false);
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
/// `OffsetPaged` and `CursorPaged`.
pub fn paging_impls(spec: &Spec, traits: &str) -> syn::Result<TokenStream> {
    let traits: syn::Path = syn::parse_str(traits)?;
    let impls = spec.operations().filter_map(|op| {
        let json = spec.value().pointer(&op.pointer())?;
        let id = op.id()?;
        let builder = format_ident!("{}", id.to_upper_camel_case());
        let query = query_params(spec, &op);
        let success = success_schema(spec, json)?;
        let error_body = error_type(spec, json);
        if query.contains(&"limit") && query.contains(&"offset") {
            let item = ref_name(success.get("items")?)?;
            let item = format_ident!("{}", item);
            Some(quote! {
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
            let page = format_ident!("{}", page_ref);
            let item = format_ident!("{}", item);
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
        .find_map(|r| r.pointer("/content/application~1json/schema").and_then(ref_name));
    match name {
        Some(name) => {
            let name = format_ident!("{}", name);
            quote! { types::#name }
        }
        None => quote! { () },
    }
}

/// `Name` for a `{"$ref": "#/components/schemas/Name"}`.
fn ref_name(schema: &Value) -> Option<&str> {
    schema.get("$ref")?.as_str()?.strip_prefix("#/components/schemas/")
}
