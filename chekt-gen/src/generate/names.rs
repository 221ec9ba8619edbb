//! The Rust names progenitor's output uses, asked of typify itself rather
//! than re-derived: a pass that names a type differently from typify emits
//! a second item (E0428) or refers to one that does not exist.

use std::collections::HashMap;

use serde_json::json;
use syn::{ImplItem, Item};
use typify::{TypeSpace, TypeSpaceSettings};

/// The Rust type name typify gives the component schema named `component`
/// (the key under `components/schemas`), which is also the key typify looks
/// replacements up under. typify names a type by its key alone, so the name
/// is read off a one-type type space holding a string enum under that key.
/// Falls back to `component` itself if typify refuses the probe (it does
/// not for any string key; the output guard would then report the clash).
pub fn type_name(component: &str) -> String {
    let probe = serde_json::from_value::<schemars::schema::Schema>(
        json!({ "type": "string", "enum": ["a", "b"] }),
    );
    let Ok(probe) = probe else {
        return component.to_string();
    };
    let mut space = TypeSpace::new(&TypeSpaceSettings::default());
    if space.add_ref_types([(component, probe)]).is_err() {
        return component.to_string();
    }
    space
        .iter_types()
        .map(|t| t.name())
        .next()
        .unwrap_or_else(|| component.to_string())
}

/// The builder struct progenitor generated for each operation, keyed by
/// `(METHOD, path)` (`("GET", "/v1/sites")`), read from its output: every
/// builder's `send()` is documented "Sends a `GET` request to `/v1/sites`".
pub fn builders(file: &syn::File) -> HashMap<(String, String), String> {
    let mut found = HashMap::new();
    let modules = file.items.iter().filter_map(|item| match item {
        Item::Mod(m) if m.ident == "builder" => m.content.as_ref(),
        _ => None,
    });
    for (_, items) in modules {
        for item in items {
            let Item::Impl(block) = item else { continue };
            let syn::Type::Path(self_ty) = &*block.self_ty else {
                continue;
            };
            let Some(name) = self_ty.path.segments.last().map(|s| s.ident.to_string()) else {
                continue;
            };
            for item in &block.items {
                if let ImplItem::Fn(send) = item
                    && send.sig.ident == "send"
                    && let Some(key) = send.attrs.iter().find_map(sends_to)
                {
                    found.insert(key, name.clone());
                }
            }
        }
    }
    found
}

/// `("GET", "/path")` from a `#[doc = "Sends a `GET` request to `/path`"]`.
fn sends_to(attr: &syn::Attribute) -> Option<(String, String)> {
    let syn::Meta::NameValue(doc) = &attr.meta else {
        return None;
    };
    let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(text),
        ..
    }) = &doc.value
    else {
        return None;
    };
    let text = text.value();
    let rest = text.trim().strip_prefix("Sends a `")?;
    let (method, rest) = rest.split_once("` request to `")?;
    let path = rest.strip_suffix('`')?;
    Some((method.to_string(), path.to_string()))
}

#[cfg(test)]
mod tests {
    use super::{builders, type_name};

    #[test]
    fn builders_are_read_from_progenitor_output() {
        let file: syn::File = syn::parse_str(
            "pub mod builder { impl<'a> ListSites<'a> { #[doc = \"Sends a `GET` request to `/v1/sites`\"] pub async fn send(self) {} } }",
        )
        .unwrap();
        let found = builders(&file);
        assert_eq!(
            found.get(&("GET".to_string(), "/v1/sites".to_string())),
            Some(&"ListSites".to_string())
        );
    }

    #[test]
    fn names_come_from_typify() {
        assert_eq!(type_name("pet_status"), "PetStatus");
        assert_eq!(type_name("PetStatus"), "PetStatus");
        assert_eq!(type_name("pet-status"), "PetStatus");
        assert_eq!(type_name("v1.Pet"), "V1Pet");
        assert_eq!(type_name("2fa"), "X2fa");
        assert_eq!(type_name("Self"), "Self_");
        assert_eq!(type_name("don't"), "Dont");
    }
}
