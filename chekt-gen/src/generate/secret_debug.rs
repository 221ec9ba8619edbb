//! Types that carry secrets print them as `[redacted]` in `Debug`.
//!
//! typify derives `Debug` on every generated type, so a `TokenResponse`
//! (and its builder) printed with `{:?}` shows the access and refresh
//! tokens in clear. [`redact`] replaces the derived `Debug` of every struct
//! with a field named in [`GenerateOptions::with_secret_fields`] by an impl
//! that prints those fields as `[redacted]` and the others as before.
//!
//! [`GenerateOptions::with_secret_fields`]: super::GenerateOptions::with_secret_fields

use proc_macro2::TokenStream;
use quote::quote;
use syn::punctuated::Punctuated;
use syn::{Attribute, Fields, Item, ItemStruct, Path, Token};

/// What a secret field prints as.
const REDACTED: &str = "[redacted]";

/// Rewrites the `Debug` of every struct in `file` (any module depth) with a
/// field named in `secret_fields`; returns how many structs it rewrote.
pub fn redact(file: &mut syn::File, secret_fields: &[String]) -> usize {
    redact_items(&mut file.items, secret_fields)
}

fn redact_items(items: &mut Vec<Item>, secret_fields: &[String]) -> usize {
    let mut rewritten = 0;
    let mut out = Vec::with_capacity(items.len());
    for mut item in std::mem::take(items) {
        let mut added = None;
        match &mut item {
            Item::Mod(module) => {
                if let Some((_, content)) = &mut module.content {
                    rewritten += redact_items(content, secret_fields);
                }
            }
            Item::Struct(item) => {
                if let Some(debug) = redacting_debug(item, secret_fields) {
                    added = Some(debug);
                    rewritten += 1;
                }
            }
            _ => {}
        }
        out.push(item);
        if let Some(debug) = added {
            out.push(debug);
        }
    }
    *items = out;
    rewritten
}

/// Drops `Debug` from `item`'s derives and returns the impl replacing it,
/// when `item` has a secret field and derives `Debug`.
fn redacting_debug(item: &mut ItemStruct, secret_fields: &[String]) -> Option<Item> {
    let Fields::Named(fields) = &item.fields else {
        return None;
    };
    let is_secret = |f: &syn::Field| {
        f.ident
            .as_ref()
            .is_some_and(|i| secret_fields.iter().any(|s| i == s.as_str()))
    };
    if !fields.named.iter().any(is_secret) || !derives(&item.attrs, "Debug") {
        return None;
    }
    let shown = fields.named.iter().filter_map(|f| {
        let ident = f.ident.as_ref()?;
        let name = ident.to_string();
        Some(if is_secret(f) {
            quote! { .field(#name, &#REDACTED) }
        } else {
            quote! { .field(#name, &self.#ident) }
        })
    });
    let name = &item.ident;
    let title = name.to_string();
    let (impl_generics, type_generics, where_clause) = item.generics.split_for_impl();
    let debug: TokenStream = quote! {
        impl #impl_generics ::std::fmt::Debug for #name #type_generics #where_clause {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#title) #(#shown)* .finish()
            }
        }
    };
    let debug = syn::parse2(debug).ok()?;
    drop_derive(&mut item.attrs, "Debug");
    Some(debug)
}

/// Whether some `#[derive(..)]` of `attrs` names `derive_name`.
fn derives(attrs: &[Attribute], derive_name: &str) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .filter_map(|a| {
            a.parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated)
                .ok()
        })
        .flatten()
        .any(|p| p.segments.last().is_some_and(|s| s.ident == derive_name))
}

/// Removes `derive_name` from every `#[derive(..)]` of `attrs`.
pub(super) fn drop_derive(attrs: &mut [Attribute], derive_name: &str) {
    for attr in attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        let Ok(paths) = attr.parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated)
        else {
            continue;
        };
        let before = paths.len();
        let kept: Punctuated<Path, Token![,]> = paths
            .into_iter()
            .filter(|p| p.segments.last().is_none_or(|s| s.ident != derive_name))
            .collect();
        if kept.len() != before {
            *attr = syn::parse_quote!(#[derive(#kept)]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_struct_with_a_secret_field_gets_a_redacting_debug() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, Clone, Debug, PartialEq)]
                pub struct TokenResponse {
                    pub access_token: String,
                    pub expires_in: Option<i64>,
                }
                #[derive(Clone, Debug)]
                pub struct Site {
                    pub name: String,
                }
            }
        };
        let secret = ["access_token".to_string()];
        assert_eq!(redact(&mut file, &secret), 1);
        let code = prettyplease::unparse(&file);
        assert!(
            code.contains("#[derive(::serde::Deserialize, Clone, PartialEq)]"),
            "{code}"
        );
        assert!(
            code.contains("impl ::std::fmt::Debug for TokenResponse"),
            "{code}"
        );
        assert!(
            code.contains(r#".field("access_token", &"[redacted]")"#),
            "{code}"
        );
        assert!(
            code.contains(r#".field("expires_in", &self.expires_in)"#),
            "{code}"
        );
        assert!(
            code.contains("#[derive(Clone, Debug)]\n    pub struct Site"),
            "{code}"
        );
    }

    #[test]
    fn a_struct_without_a_derived_debug_is_left_alone() {
        let mut file: syn::File = syn::parse_quote! {
            #[derive(Clone)]
            pub struct Form { pub client_secret: String }
        };
        assert_eq!(redact(&mut file, &["client_secret".to_string()]), 0);
    }
}
