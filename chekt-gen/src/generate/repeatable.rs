//! Repeatable query parameters in progenitor's mock and CLI output.
//!
//! progenitor's httpmock and CLI generators treat an array-valued query
//! parameter (our `filter`, repeatable per seed 003) as one value: the CLI
//! asks clap for a `Vec<String>` value parser, which does not exist, and the
//! mock matches `value.to_string()` on a `Vec`. Neither compiles. This pass
//! rewrites those three spots so that the CLI flag is repeatable
//! (`--filter a --filter b`) and the mock expects one query pair per item.

use quote::ToTokens;
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, ImplItemFn, parse_quote};

use super::first_generic;

/// Rewrites every array-valued query parameter in `file` (mock or CLI);
/// returns how many spots it rewrote.
pub fn fix(file: &mut syn::File) -> usize {
    let mut fixer = Fixer {
        vec_param: false,
        rewritten: 0,
    };
    fixer.visit_file_mut(file);
    fixer.rewritten
}

struct Fixer {
    /// Inside a mock matcher whose value is a `Vec`.
    vec_param: bool,
    /// How many spots were rewritten.
    rewritten: usize,
}

impl VisitMut for Fixer {
    fn visit_impl_item_fn_mut(&mut self, function: &mut ImplItemFn) {
        let outer = self.vec_param;
        self.vec_param = function
            .sig
            .to_token_stream()
            .to_string()
            .contains(":: vec :: Vec <");
        visit_mut::visit_impl_item_fn_mut(self, function);
        self.vec_param = outer;
    }

    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        visit_mut::visit_expr_mut(self, expr);
        let Expr::MethodCall(call) = expr else {
            return;
        };
        let receiver = &call.receiver;
        let args = &call.args;
        match call.method.to_string().as_str() {
            // Mock: one `name=item` pair per item.
            "query_param" if self.vec_param && args.len() == 2 => {
                let name = &args[0];
                *expr = parse_quote! {
                    value.iter().fold(#receiver, |when, item| when.query_param(#name, item.to_string()))
                };
                self.rewritten += 1;
            }
            // CLI: `.value_parser(value_parser!(Vec<T>))` → a repeatable flag of `T`.
            "value_parser" => {
                let Some(Expr::Macro(mac)) = args.first() else {
                    return;
                };
                let Ok(ty) = syn::parse2::<syn::Type>(mac.mac.tokens.clone()) else {
                    return;
                };
                if let Some(item) = first_generic(&ty, "Vec") {
                    *expr = parse_quote! {
                        #receiver
                            .value_parser(::clap::value_parser!(#item))
                            .action(::clap::ArgAction::Append)
                    };
                    self.rewritten += 1;
                }
            }
            // CLI: `get_one::<Vec<T>>(name)` → every occurrence.
            "get_one" => {
                let Some(turbofish) = &call.turbofish else {
                    return;
                };
                let Some(syn::GenericArgument::Type(ty)) = turbofish.args.first() else {
                    return;
                };
                if let Some(item) = first_generic(ty, "Vec") {
                    *expr = parse_quote! {
                        #receiver
                            .get_many::<#item>(#args)
                            .map(|values| values.cloned().collect::<::std::vec::Vec<_>>())
                    };
                    self.rewritten += 1;
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(code: &str) -> String {
        let mut file: syn::File = syn::parse_str(code).unwrap();
        fix(&mut file);
        prettyplease::unparse(&file)
    }

    #[test]
    fn cli_array_flags_become_repeatable() {
        let out = fixed(
            r#"fn cli() { Arg::new("filter").value_parser(::clap::value_parser!(::std::vec::Vec<::std::string::String>)).required(false); }
               fn exec() { if let Some(value) = matches.get_one::<::std::vec::Vec<::std::string::String>>("filter") { r.filter(value.clone()); } }"#,
        );
        assert!(
            out.contains("value_parser!(::std::string::String)"),
            "{out}"
        );
        assert!(out.contains(".action(::clap::ArgAction::Append)"), "{out}");
        assert!(
            out.contains(r#"get_many::<::std::string::String>("filter")"#),
            "{out}"
        );
        assert!(
            !out.contains("Vec<::std::string::String>>(\"filter\")"),
            "{out}"
        );
    }

    #[test]
    fn scalar_flags_are_left_alone() {
        let code = r#"fn cli() { Arg::new("limit").value_parser(::clap::value_parser!(i64)); }
               fn exec() { if let Some(value) = matches.get_one::<i64>("limit") { r.limit(value.clone()); } }"#;
        let original: syn::File = syn::parse_str(code).unwrap();
        assert_eq!(fixed(code), prettyplease::unparse(&original));
    }

    #[test]
    fn mock_matchers_expect_one_pair_per_item() {
        let out = fixed(
            r#"impl W {
                pub fn filter<'a, T>(self, value: T) -> Self where T: Into<Option<&'a ::std::vec::Vec<::std::string::String>>> {
                    if let Some(value) = value.into() { Self(self.0.query_param("filter", value.to_string())) } else { Self(self.0.query_param_missing("filter")) }
                }
                pub fn limit<T>(self, value: T) -> Self where T: Into<Option<i64>> {
                    if let Some(value) = value.into() { Self(self.0.query_param("limit", value.to_string())) } else { Self(self.0.query_param_missing("limit")) }
                }
            }"#,
        );
        let compact: String = out.split_whitespace().collect();
        assert!(
            compact.contains(r#"value.iter().fold(self.0,|when,item|when.query_param("filter",item.to_string()),)"#),
            "{out}"
        );
        assert!(
            out.contains(r#"self.0.query_param("limit", value.to_string())"#),
            "{out}"
        );
    }
}
