//! Lists that take `fields` can decode their rows into the caller's type.
//!
//! With `fields=a,b`, the API returns rows of only those columns, which the
//! full row type (its other columns required) cannot decode. For a builder
//! with a `fields` parameter whose `send()` returns a JSON array, this pass
//! renames that `send()` to `send_as::<T>()`, generic over the row type, and
//! adds a `send()` that calls `send_as` with the spec's row type, so `send`
//! behaves as before. The body needs no change: the generated decode is
//! generic, and the return type picks the row type.

use syn::{FnArg, ImplItem, ImplItemFn, Item, ReturnType, parse_quote};

use super::first_generic;

/// Adds `send_as::<T>()` to every builder in `file` that takes `fields`;
/// returns how many builders it changed.
pub fn add_send_as(file: &mut syn::File) -> usize {
    let mut added = 0;
    for item in &mut file.items {
        if let Item::Mod(module) = item
            && let Some((_, items)) = &mut module.content
        {
            added += add_to_module(items);
        }
    }
    added
}

fn add_to_module(items: &mut [Item]) -> usize {
    let mut added = 0;
    let selectable: Vec<String> = items
        .iter()
        .filter_map(|item| match item {
            Item::Struct(s)
                if s.fields
                    .iter()
                    .any(|f| f.ident.as_ref().is_some_and(|i| i == "fields")) =>
            {
                Some(s.ident.to_string())
            }
            _ => None,
        })
        .collect();
    for item in items {
        let Item::Impl(block) = item else {
            continue;
        };
        let syn::Type::Path(self_ty) = &*block.self_ty else {
            continue;
        };
        let named = self_ty.path.segments.last().map(|s| s.ident.to_string());
        if block.trait_.is_some() || !named.is_some_and(|n| selectable.contains(&n)) {
            continue;
        }
        let send = block
            .items
            .iter()
            .enumerate()
            .find_map(|(at, item)| match item {
                ImplItem::Fn(send) if send.sig.ident == "send" => Some((at, send)),
                _ => None,
            });
        let Some((at, send)) = send else {
            continue;
        };
        if let Some((send_as, send)) = split(send) {
            block.items[at] = ImplItem::Fn(send_as);
            block.items.insert(at, ImplItem::Fn(send));
            added += 1;
        }
    }
    added
}

/// `send` → (`send_as::<T>`, a `send` that calls it), when `send` is
/// `async fn send(self) -> Result<ResponseValue<Vec<Row>>, E>`.
fn split(send: &ImplItemFn) -> Option<(ImplItemFn, ImplItemFn)> {
    let takes_self_only = matches!(
        send.sig.inputs.iter().collect::<Vec<_>>()[..],
        [FnArg::Receiver(_)]
    );
    if send.sig.asyncness.is_none() || !send.sig.generics.params.is_empty() || !takes_self_only {
        return None;
    }
    let ReturnType::Type(_, output) = &send.sig.output else {
        return None;
    };
    let syn::Type::Path(result) = &**output else {
        return None;
    };
    let syn::PathArguments::AngleBracketed(args) = &result.path.segments.last()?.arguments else {
        return None;
    };
    let [
        syn::GenericArgument::Type(ok),
        syn::GenericArgument::Type(err),
    ] = args.args.iter().collect::<Vec<_>>()[..]
    else {
        return None;
    };
    let row = first_generic(first_generic(ok, "ResponseValue")?, "Vec")?.clone();

    let mut send_as = send.clone();
    send_as.sig.ident = parse_quote!(send_as);
    send_as.sig.generics = parse_quote!(<T: ::serde::de::DeserializeOwned>);
    send_as.sig.output = parse_quote!(-> Result<ResponseValue<::std::vec::Vec<T>>, #err>);
    send_as.attrs.retain(|a| !a.path().is_ident("doc"));
    let doc: [syn::Attribute; 3] = [
        parse_quote!(#[doc = " Sends the request, decoding each row into `T`. With `fields`, rows"]),
        parse_quote!(#[doc = " carry only the selected columns: decode them into a type of those"]),
        parse_quote!(#[doc = " columns (or `serde_json::Value`)."]),
    ];
    send_as.attrs.splice(0..0, doc);

    let mut plain = send.clone();
    plain.block = parse_quote!({ self.send_as::<#row>().await });
    Some((send_as, plain))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rewritten code with all whitespace runs as one space.
    fn rewritten(code: &str) -> String {
        let mut file: syn::File = syn::parse_str(code).unwrap();
        add_send_as(&mut file);
        squash(&prettyplease::unparse(&file))
    }

    fn squash(code: &str) -> String {
        code.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    const BUILDERS: &str = r#"
        pub mod builder {
            pub struct ListSites<'a> {
                client: &'a super::Client,
                fields: Result<Option<String>, String>,
            }
            impl<'a> ListSites<'a> {
                pub fn fields<V>(mut self, value: V) -> Self { self }
                ///Sends a `GET` request to `/sites`
                pub async fn send(self) -> Result<ResponseValue<::std::vec::Vec<types::Site>>, Error<types::Error>> {
                    let response = client.exec(request, &info).await?;
                    super::json_response_value(response).await
                }
            }
            pub struct GetSite<'a> {
                client: &'a super::Client,
                fields: Result<Option<String>, String>,
            }
            impl<'a> GetSite<'a> {
                pub async fn send(self) -> Result<ResponseValue<types::Site>, Error<types::Error>> {
                    todo!()
                }
            }
            pub struct ListDevices<'a> {
                client: &'a super::Client,
            }
            impl<'a> ListDevices<'a> {
                pub async fn send(self) -> Result<ResponseValue<::std::vec::Vec<types::Device>>, Error<types::Error>> {
                    todo!()
                }
            }
        }
    "#;

    #[test]
    fn a_list_with_fields_gets_send_as_and_send_keeps_its_type() {
        let out = rewritten(BUILDERS);
        let send_as = squash(
            "/// columns (or `serde_json::Value`).
            pub async fn send_as<T: ::serde::de::DeserializeOwned>( self, )
                -> Result<ResponseValue<::std::vec::Vec<T>>, Error<types::Error>> {
                let response = client.exec(request, &info).await?;
                super::json_response_value(response).await
            }",
        );
        assert!(out.contains(&send_as), "{out}");
        let send = squash(
            "///Sends a `GET` request to `/sites`
            pub async fn send( self, )
                -> Result<ResponseValue<::std::vec::Vec<types::Site>>, Error<types::Error>> {
                self.send_as::<types::Site>().await
            }",
        );
        assert!(out.contains(&send), "{out}");
        assert!(
            out.contains("/// Sends the request, decoding each row into `T`."),
            "{out}"
        );
        assert_eq!(
            out.matches("fn send_as").count(),
            1,
            "only ListSites: {out}"
        );
    }

    #[test]
    fn other_builders_are_left_alone() {
        let others = BUILDERS.replace("fields: Result<Option<String>, String>,\n            }\n            impl<'a> ListSites", "}\n            impl<'a> ListSites");
        let out = rewritten(&others);
        assert!(!out.contains("send_as"), "{out}");
    }
}
