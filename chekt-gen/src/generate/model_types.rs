//! Generated model types can grow in a minor release.
//!
//! typify emits every schema of `mod types` as a struct with public fields
//! (users build and destructure them literally), derives `Default` exactly
//! when every field is optional, and gives its builders (`types::builder`)
//! setters whose argument is the field's type, `Option` included. So a new
//! response field, a new optional request field or a required field turning
//! optional each broke users' code. Following smithy-rs (its generated
//! shapes are `#[non_exhaustive]` with builders), this pass:
//!
//! - [`seal`]: marks every struct with named fields `#[non_exhaustive]` and
//!   drops its derived `Default` (it would appear and disappear with a
//!   field's requiredness); values are built with `types::X::builder()`,
//!   whose `Default` is always there. typify's enums (`oneOf`, `anyOf`)
//!   become `#[non_exhaustive]` too, like the open enums;
//! - [`inner_setters`]: turns each builder setter of an `Option<T>` field
//!   into one taking the `T` itself (`.name("x")`, stored as `Some`), and
//!   adds `set_<field>(Option<T>)` to set or clear it (`None`), so a field
//!   turning optional changes no setter (only adds `set_<field>`);
//! - [`accessors`]: following aws-sdk-rust's input shapes, the structs that
//!   only travel in requests ([`super::request_only`]) get `pub(crate)`
//!   fields and one getter per field, `fn <field>(&self) -> Option<&T>`
//!   (`Some(&self.field)` for a required one), so a request field turning
//!   optional changes no public signature. Types that appear in a response
//!   or webhook keep public fields: reading them is the point, and a
//!   response field turning optional does break its readers.
//!
//! Each function returns how many places it rewrote (the generator's
//! guard fails when one rewrites nothing on a spec that has such types).

use std::collections::BTreeSet;

use quote::{format_ident, quote};
use syn::{GenericArgument, ImplItem, Item, ItemImpl, PathArguments, TypeParamBound};

use super::first_generic;
use super::secret_debug::drop_derive;

/// Marks every struct with named fields in `types` `#[non_exhaustive]`
/// and drops its derived `Default`, and marks every enum (typify's
/// `oneOf`/`anyOf` enums; open enums already are) `#[non_exhaustive]`, so
/// a new variant is minor too; returns how many types it marked.
pub fn seal(types: &mut [Item]) -> usize {
    let mut sealed = 0;
    for item in types {
        let attrs = match item {
            Item::Struct(s) if matches!(s.fields, syn::Fields::Named(_)) => {
                drop_derive(&mut s.attrs, "Default");
                &mut s.attrs
            }
            Item::Enum(e) => &mut e.attrs,
            _ => continue,
        };
        if !attrs.iter().any(|a| a.path().is_ident("non_exhaustive")) {
            attrs.push(syn::parse_quote!(#[non_exhaustive]));
            sealed += 1;
        }
    }
    sealed
}

/// Hides the fields of the structs named in `request_only` (`pub(crate)`)
/// and gives each struct one getter per field, named like the field (the
/// builders live on `types::builder::X`, a different type, so only the
/// struct's own inherent methods, typify's `builder()`, can clash: that is
/// an error naming the field). Returns how many fields it hid.
pub fn accessors(types: &mut Vec<Item>, request_only: &BTreeSet<String>) -> Result<usize, String> {
    let mut hidden = 0;
    let mut getters = Vec::new();
    for item in types.iter_mut() {
        let Item::Struct(s) = item else { continue };
        if !request_only.contains(&s.ident.to_string()) {
            continue;
        }
        let syn::Fields::Named(fields) = &mut s.fields else {
            continue;
        };
        let mut methods = Vec::new();
        for field in fields.named.iter_mut() {
            let Some(name) = field.ident.clone() else {
                continue;
            };
            field.vis = syn::parse_quote!(pub(crate));
            let ty = &field.ty;
            let docs = field.attrs.iter().filter(|a| a.path().is_ident("doc"));
            let (returns, body) = match first_generic(ty, "Option") {
                Some(inner) => (inner, quote!(self.#name.as_ref())),
                None => (ty, quote!(::std::option::Option::Some(&self.#name))),
            };
            let method = quote! {
                #(#docs)*
                pub fn #name(&self) -> ::std::option::Option<&#returns> {
                    #body
                }
            };
            methods.push((name, method));
            hidden += 1;
        }
        s.attrs.push(syn::parse_quote!(#[doc = ""]));
        s.attrs.push(syn::parse_quote!(#[doc = " Sent only in requests: read a field with its getter, `x.field()`, which returns `Option<&T>` whether the field is required or not (so a field turning optional changes no signature); build one with `builder()`."]));
        getters.push((s.ident.clone(), methods));
    }
    for (owner, methods) in getters {
        let taken = inherent_methods(types, &owner);
        if let Some((name, _)) = methods
            .iter()
            .find(|(name, _)| taken.contains(&name.to_string()))
        {
            return Err(format!(
                "`types::{owner}` already has a method `{name}`, the name of the getter of its field `{name}`"
            ));
        }
        let methods = methods.iter().map(|(_, method)| method);
        types.push(syn::parse_quote! {
            impl #owner { #(#methods)* }
        });
    }
    Ok(hidden)
}

/// The names of the inherent methods `items` gives the type `owner`.
fn inherent_methods(items: &[Item], owner: &syn::Ident) -> BTreeSet<String> {
    items
        .iter()
        .filter_map(|item| match item {
            Item::Impl(block) if block.trait_.is_none() => Some(block),
            _ => None,
        })
        .filter(|block| matches!(&*block.self_ty, syn::Type::Path(p) if p.path.is_ident(owner)))
        .flat_map(|block| &block.items)
        .filter_map(|i| match i {
            ImplItem::Fn(f) => Some(f.sig.ident.to_string()),
            _ => None,
        })
        .collect()
}

/// Rewrites the setters of `Option` fields in `builders` (the items of
/// `types::builder`) to take the inner value and adds their `set_<field>`;
/// returns how many setters it rewrote, or which added name would clash.
pub fn inner_setters(builders: &mut [Item]) -> Result<usize, String> {
    let mut rewritten = 0;
    for item in builders {
        let Item::Impl(block) = item else { continue };
        if block.trait_.is_some() {
            continue;
        }
        rewritten += rewrite_impl(block)?;
    }
    Ok(rewritten)
}

fn rewrite_impl(block: &mut ItemImpl) -> Result<usize, String> {
    let existing: Vec<String> = block
        .items
        .iter()
        .filter_map(|i| match i {
            ImplItem::Fn(f) => Some(f.sig.ident.to_string()),
            _ => None,
        })
        .collect();
    let mut out = Vec::with_capacity(block.items.len());
    let mut rewritten = 0;
    for item in std::mem::take(&mut block.items) {
        let ImplItem::Fn(setter) = &item else {
            out.push(item);
            continue;
        };
        let Some(inner) = optional_setter_inner(setter) else {
            out.push(item);
            continue;
        };
        let field = &setter.sig.ident;
        let clear = format_ident!("set_{}", field);
        if existing.iter().any(|name| clear == name) {
            let ty = &block.self_ty;
            let owner = quote!(#ty).to_string();
            return Err(format!(
                "builder `{owner}` already has a method `{clear}`, the name of the setter taking an Option for field `{field}`"
            ));
        }
        let message = format!("error converting supplied value for {field}: {{e}}");
        let doc_set = format!(
            " Sets `{field}` to `value`, stored as `Some` (`set_{field}` also takes `None`)."
        );
        let doc_clear = format!(" Sets `{field}` to `value`: `None` leaves it unset.");
        out.push(syn::parse_quote! {
            #[doc = #doc_set]
            pub fn #field<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<#inner>,
                T::Error: ::std::fmt::Display,
            {
                self.#field = value
                    .try_into()
                    .map(::std::option::Option::Some)
                    .map_err(|e| format!(#message));
                self
            }
        });
        out.push(syn::parse_quote! {
            #[doc = #doc_clear]
            pub fn #clear(mut self, value: ::std::option::Option<#inner>) -> Self {
                self.#field = Ok(value);
                self
            }
        });
        rewritten += 1;
    }
    block.items = out;
    Ok(rewritten)
}

/// `T` when `setter` is typify's `fn f<T>(self, value: T) where T:
/// TryInto<Option<T>>`.
fn optional_setter_inner(setter: &syn::ImplItemFn) -> Option<syn::Type> {
    let predicates = &setter.sig.generics.where_clause.as_ref()?.predicates;
    predicates.iter().find_map(|predicate| {
        let syn::WherePredicate::Type(bound) = predicate else {
            return None;
        };
        bound.bounds.iter().find_map(|b| {
            let TypeParamBound::Trait(t) = b else {
                return None;
            };
            let last = t.path.segments.last()?;
            if last.ident != "TryInto" {
                return None;
            }
            let PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            let Some(GenericArgument::Type(target)) = args.args.first() else {
                return None;
            };
            first_generic(target, "Option").cloned()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(code: &str) -> Vec<Item> {
        syn::parse_file(code).unwrap().items
    }

    #[test]
    fn seals_named_structs_and_drops_default() {
        let mut types = items(
            "#[derive(Clone, Debug, Default)] pub struct A { pub x: Option<u8> }
             #[derive(Clone, Default)] pub struct B(u8);
             pub enum C { X }
             #[non_exhaustive] pub enum D { X }",
        );
        assert_eq!(seal(&mut types), 2);
        let code = quote!(#(#types)*).to_string();
        assert!(code.contains("# [derive (Clone , Debug)] # [non_exhaustive] pub struct A"));
        assert!(code.contains("# [derive (Clone , Default)] pub struct B"));
        assert!(code.contains("# [non_exhaustive] pub enum C"));
        assert_eq!(code.matches("non_exhaustive").count(), 3);
        // A second run finds nothing left to do.
        assert_eq!(seal(&mut types), 0);
    }

    #[test]
    fn option_setters_take_the_inner_value() {
        let mut builders = items(
            "impl Pet {
                pub fn name<T>(mut self, value: T) -> Self
                where T: ::std::convert::TryInto<::std::option::Option<String>>, T::Error: ::std::fmt::Display
                { self.name = value.try_into().map_err(|e| format!(\"{e}\")); self }
                pub fn id<T>(mut self, value: T) -> Self
                where T: ::std::convert::TryInto<i64>, T::Error: ::std::fmt::Display
                { self.id = value.try_into().map_err(|e| format!(\"{e}\")); self }
            }
            impl Default for Pet { fn default() -> Self { todo!() } }",
        );
        assert_eq!(inner_setters(&mut builders).unwrap(), 1);
        let code = quote!(#(#builders)*).to_string();
        assert!(code.contains("T : :: std :: convert :: TryInto < String >"));
        assert!(code.contains("map (:: std :: option :: Option :: Some)"));
        assert!(code.contains(
            "pub fn set_name (mut self , value : :: std :: option :: Option < String >) -> Self"
        ));
        assert!(code.contains("TryInto < i64 >"));
        assert!(!code.contains("set_id"));
    }

    #[test]
    fn a_clashing_set_method_is_an_error() {
        let mut builders = items(
            "impl Pet {
                pub fn name<T>(mut self, value: T) -> Self
                where T: TryInto<Option<String>>, T::Error: Display
                { self }
                pub fn set_name<T>(mut self, value: T) -> Self
                where T: TryInto<bool>, T::Error: Display
                { self }
            }",
        );
        let err = inner_setters(&mut builders).unwrap_err();
        assert!(err.contains("`Pet`") && err.contains("`set_name`"), "{err}");
    }

    #[test]
    fn request_only_fields_are_read_through_getters() {
        let mut types = items(
            "pub struct New { ///Its name.\n pub name: String, pub tag: Option<String> }
             impl New { pub fn builder() -> u8 { 0 } }
             pub struct Shown { pub name: String }",
        );
        let only = BTreeSet::from(["New".to_string()]);
        assert_eq!(accessors(&mut types, &only).unwrap(), 2);
        let code = quote!(#(#types)*).to_string();
        assert!(code.contains("pub (crate) name : String , pub (crate) tag : Option < String >"));
        assert!(code.contains("# [doc = \"Its name.\"] pub fn name (& self) -> :: std :: option :: Option < & String > { :: std :: option :: Option :: Some (& self . name) }"), "{code}");
        assert!(code.contains("pub fn tag (& self) -> :: std :: option :: Option < & String > { self . tag . as_ref () }"));
        assert!(code.contains("pub struct Shown { pub name : String }"));
    }

    #[test]
    fn a_getter_clashing_with_a_method_is_an_error() {
        let mut types = items(
            "pub struct New { pub builder: String }
             impl New { pub fn builder() -> u8 { 0 } }",
        );
        let only = BTreeSet::from(["New".to_string()]);
        let err = accessors(&mut types, &only).unwrap_err();
        assert!(
            err.contains("`types::New`") && err.contains("`builder`"),
            "{err}"
        );
    }
}
