//! The public API of generated Rust code, read with `syn`: every public
//! item keyed by its path, with a signature that changes exactly when code
//! using the item may have to change.
//!
//! Keys: `types::Pet` (a type), `types::Pet.name` (a public field, its Rust
//! type as signature), `types::Status::Sold` (a variant and its payload),
//! `builder::ListPets::limit` (an inherent method: generics, arguments,
//! return type and `where` clause), `ClientPetsExt::list_pets` (a trait
//! method), `impl OffsetPaged for builder::ListPets` (a trait impl, derives
//! included), `types::X` for public functions, constants and aliases, and
//! `builder::ListPets.dealer_id required` (a value a builder fails without:
//! its `new()` or `Default` starts the field as `Err(..)`, the way
//! progenitor's operation builders and typify's model builders do).

use std::collections::BTreeMap;

use quote::ToTokens;
use syn::punctuated::Punctuated;

/// What kind of public item an [`Item`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A struct, enum, trait, alias, function or constant.
    Type,
    /// A public field of a struct.
    Field,
    /// A variant of an enum.
    Variant,
    /// A method of a type (inherent impl).
    Method,
    /// A method declared by a trait.
    TraitMethod,
    /// A trait implemented for a type (derives included).
    Impl,
    /// A value a builder cannot be built or sent without.
    Requirement,
}

/// One public item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// What it is.
    pub kind: Kind,
    /// Its signature, token-normalized.
    pub signature: String,
    /// The type or trait it belongs to (its last path segment), or its own
    /// name for a type.
    pub owner: String,
    /// The field, variant or method name, if it is one.
    pub member: Option<String>,
    /// For a struct or enum: whether code outside the crate can build or
    /// match it exhaustively (no `#[non_exhaustive]`, and for a struct
    /// every field public).
    pub exhaustive: bool,
}

/// Every public item of a file, by key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Surface {
    /// Items by key (see the module docs for the key forms).
    pub items: BTreeMap<String, Item>,
}

impl Surface {
    /// Reads the public items of `code`; a parse error is returned as text.
    pub fn of(code: &str) -> Result<Self, String> {
        let file =
            syn::parse_file(code).map_err(|e| format!("generated code does not parse: {e}"))?;
        let mut surface = Surface::default();
        surface.module(&file.items, "");
        Ok(surface)
    }

    fn add(
        &mut self,
        key: String,
        kind: Kind,
        signature: String,
        owner: &str,
        member: Option<&str>,
    ) {
        self.items.insert(
            key,
            Item {
                kind,
                signature,
                owner: owner.to_string(),
                member: member.map(str::to_string),
                exhaustive: false,
            },
        );
    }

    fn module(&mut self, items: &[syn::Item], path: &str) {
        let at = |name: &str| {
            if path.is_empty() {
                name.to_string()
            } else {
                format!("{path}::{name}")
            }
        };
        for item in items {
            match item {
                syn::Item::Mod(m) if public(&m.vis) => {
                    if let Some((_, inner)) = &m.content {
                        self.module(inner, &at(&m.ident.to_string()));
                    }
                }
                syn::Item::Struct(s) if public(&s.vis) => {
                    let name = s.ident.to_string();
                    let key = at(&name);
                    let all_public = s.fields.iter().all(|f| public(&f.vis));
                    let shape = match &s.fields {
                        syn::Fields::Named(_) => "{..}",
                        syn::Fields::Unnamed(_) => "(..)",
                        syn::Fields::Unit => ";",
                    };
                    let exhaustive = all_public && !non_exhaustive(&s.attrs);
                    self.add(
                        key.clone(),
                        Kind::Type,
                        format!(
                            "struct {name}{} {shape}{}",
                            tokens(&s.generics),
                            if exhaustive { "" } else { " (not exhaustive)" }
                        ),
                        &name,
                        None,
                    );
                    if let Some(item) = self.items.get_mut(&key) {
                        item.exhaustive = exhaustive;
                    }
                    for (i, field) in s.fields.iter().enumerate() {
                        if !public(&field.vis) {
                            continue;
                        }
                        let member = field
                            .ident
                            .as_ref()
                            .map_or_else(|| i.to_string(), |id| unraw(&id.to_string()));
                        self.add(
                            format!("{key}.{member}"),
                            Kind::Field,
                            tokens(&field.ty),
                            &name,
                            Some(&member),
                        );
                    }
                    self.derives(&s.attrs, &key, &name);
                }
                syn::Item::Enum(e) if public(&e.vis) => {
                    let name = e.ident.to_string();
                    let key = at(&name);
                    let exhaustive = !non_exhaustive(&e.attrs);
                    self.add(
                        key.clone(),
                        Kind::Type,
                        format!(
                            "enum {name}{}{}",
                            tokens(&e.generics),
                            if exhaustive { "" } else { " (not exhaustive)" }
                        ),
                        &name,
                        None,
                    );
                    if let Some(item) = self.items.get_mut(&key) {
                        item.exhaustive = exhaustive;
                    }
                    for variant in &e.variants {
                        let member = variant.ident.to_string();
                        self.add(
                            format!("{key}::{member}"),
                            Kind::Variant,
                            tokens(&variant.fields),
                            &name,
                            Some(&member),
                        );
                    }
                    self.derives(&e.attrs, &key, &name);
                }
                syn::Item::Trait(t) if public(&t.vis) => {
                    let name = t.ident.to_string();
                    let key = at(&name);
                    self.add(
                        key.clone(),
                        Kind::Type,
                        format!(
                            "trait {name}{}: {}",
                            tokens(&t.generics),
                            tokens(&t.supertraits)
                        ),
                        &name,
                        None,
                    );
                    for inner in &t.items {
                        if let syn::TraitItem::Fn(f) = inner {
                            let member = f.sig.ident.to_string();
                            self.add(
                                format!("{key}::{member}"),
                                Kind::TraitMethod,
                                signature(&f.sig),
                                &name,
                                Some(&member),
                            );
                        }
                    }
                }
                syn::Item::Impl(i) => self.implementation(i, path),
                syn::Item::Fn(f) if public(&f.vis) => {
                    let name = f.sig.ident.to_string();
                    self.add(at(&name), Kind::Type, signature(&f.sig), &name, None);
                }
                syn::Item::Const(c) if public(&c.vis) => {
                    let name = c.ident.to_string();
                    self.add(at(&name), Kind::Type, tokens(&c.ty), &name, None);
                }
                syn::Item::Type(t) if public(&t.vis) => {
                    let name = t.ident.to_string();
                    self.add(at(&name), Kind::Type, tokens(&t.ty), &name, None);
                }
                _ => {}
            }
        }
    }

    fn implementation(&mut self, i: &syn::ItemImpl, path: &str) {
        let Some(owner) = type_ident(&i.self_ty) else {
            return;
        };
        let at = if path.is_empty() {
            owner.clone()
        } else {
            format!("{path}::{owner}")
        };
        let constructor = if let Some((trait_path, _)) = &i.trait_ {
            let key = format!("impl {} for {at}", tokens(trait_path));
            self.add(key, Kind::Impl, String::new(), &owner, None);
            "default"
        } else {
            "new"
        };
        for inner in &i.items {
            let syn::ImplItem::Fn(f) = inner else {
                continue;
            };
            if f.sig.ident == constructor {
                for field in required_fields(f) {
                    self.add(
                        format!("{at}.{field} required"),
                        Kind::Requirement,
                        "required".to_string(),
                        &owner,
                        Some(&field),
                    );
                }
            }
            if i.trait_.is_none() && public(&f.vis) {
                let member = f.sig.ident.to_string();
                self.add(
                    format!("{at}::{member}"),
                    Kind::Method,
                    signature(&f.sig),
                    &owner,
                    Some(&member),
                );
            }
        }
    }

    /// `#[derive(A, B)]` on `key`, as `impl A for key`.
    fn derives(&mut self, attrs: &[syn::Attribute], key: &str, owner: &str) {
        for attr in attrs.iter().filter(|a| a.path().is_ident("derive")) {
            let Ok(paths) =
                attr.parse_args_with(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
            else {
                continue;
            };
            for path in paths {
                let name = path
                    .segments
                    .last()
                    .map(|s| s.ident.to_string())
                    .unwrap_or_default();
                self.add(
                    format!("impl {name} for {key}"),
                    Kind::Impl,
                    String::new(),
                    owner,
                    None,
                );
            }
        }
    }
}

/// The fields a constructor body `Self { a: Ok(..), b: Err(..) }` starts
/// as `Err`: the builder fails unless they are set.
fn required_fields(f: &syn::ImplItemFn) -> Vec<String> {
    let Some(syn::Stmt::Expr(syn::Expr::Struct(body), None)) = f.block.stmts.last() else {
        return Vec::new();
    };
    body.fields
        .iter()
        .filter_map(|field| {
            let syn::Member::Named(name) = &field.member else {
                return None;
            };
            let syn::Expr::Call(call) = &field.expr else {
                return None;
            };
            let syn::Expr::Path(func) = call.func.as_ref() else {
                return None;
            };
            func.path.is_ident("Err").then(|| unraw(&name.to_string()))
        })
        .collect()
}

fn public(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

fn non_exhaustive(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("non_exhaustive"))
}

fn tokens(node: &impl ToTokens) -> String {
    node.to_token_stream().to_string()
}

fn unraw(ident: &str) -> String {
    ident.strip_prefix("r#").unwrap_or(ident).to_string()
}

/// A method's signature without its name: generics, arguments, return type
/// and `where` clause.
fn signature(sig: &syn::Signature) -> String {
    let inputs = sig
        .inputs
        .iter()
        .map(|arg| match arg {
            syn::FnArg::Receiver(r) => tokens(r),
            syn::FnArg::Typed(t) => tokens(&t.ty),
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "fn{} ({inputs}) {} {}",
        tokens(&sig.generics),
        tokens(&sig.output),
        sig.generics
            .where_clause
            .as_ref()
            .map(tokens)
            .unwrap_or_default()
    )
    .trim_end()
    .to_string()
}

/// The last segment of a path type (`builder::ListPets<'a>` → `ListPets`).
fn type_ident(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_public_items_only() {
        let surface = Surface::of(
            "pub mod types {
                #[derive(Clone, serde::Serialize)]
                pub struct Pet { pub name: String, pub r#type: Option<i64>, secret: u8 }
                #[non_exhaustive] pub enum Status { A, B(String) }
                impl Pet { pub fn builder() -> u8 { 0 } fn hidden(&self) {} }
                struct Private;
                pub mod builder {
                    pub struct Pet { name: Result<String, String>, tag: Result<Option<String>, String> }
                    impl Default for Pet {
                        fn default() -> Self { Self { name: Err(String::new()), tag: Ok(None) } }
                    }
                }
            }
            pub trait Ext { fn list_pets(&self, limit: u32) -> u8; }
            impl Ext for Client {}",
        )
        .unwrap();
        let keys: Vec<&str> = surface.items.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "Ext",
                "Ext::list_pets",
                "impl Clone for types::Pet",
                "impl Default for types::builder::Pet",
                "impl Ext for Client",
                "impl Serialize for types::Pet",
                "types::Pet",
                "types::Pet.name",
                "types::Pet.type",
                "types::Pet::builder",
                "types::Status",
                "types::Status::A",
                "types::Status::B",
                "types::builder::Pet",
                "types::builder::Pet.name required",
            ]
        );
        assert_eq!(
            surface.items["types::builder::Pet.name required"].kind,
            Kind::Requirement
        );
        assert!(!surface.items["types::Pet"].exhaustive);
        assert_eq!(surface.items["types::Pet.type"].signature, "Option < i64 >");
        assert_eq!(
            surface.items["Ext::list_pets"].signature,
            "fn (& self, u32) -> u8"
        );
    }
}
