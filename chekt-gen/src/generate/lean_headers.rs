//! Headers are neither staged in a map of their own nor copied out of the
//! response.
//!
//! Two rewrites of progenitor's output. Measured by instruction count
//! (callgrind) on `chekt-api`'s client benchmark, each takes 0.3–0.5 % off
//! a call:
//!
//! - [`append_to_request`]: a `send()` collects its header parameters in a
//!   `HeaderMap` of its own and merges it into the request with
//!   `.headers(header_map)`, a map allocated and dropped on every call. The
//!   `header_map.append(..)` statements move after the request is built and
//!   append to the request's headers directly.
//! - [`move_response_headers`]: `ResponseValue::from_response` clones every
//!   response header before it consumes the response; the generated
//!   `json_response_value` moves them out instead.
//!
//! Both leave any shape they do not recognise as it is.

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::visit_mut::{self, VisitMut};
use syn::{Block, Expr, Ident, Item, Stmt, parse_quote};

use super::is_path_ending;

/// Moves the header statements of every function in `file` onto the
/// request (see the module docs); returns how many blocks it rewrote.
pub fn append_to_request(file: &mut syn::File) -> usize {
    let mut inliner = HeaderMapInliner(0);
    inliner.visit_file_mut(file);
    inliner.0
}

/// Replaces every `ResponseValue::from_response(..)` call in `file` with
/// `json_response_value(..)`, added to the file when used; returns how many
/// calls it replaced.
pub fn move_response_headers(file: &mut syn::File) -> usize {
    let mut mover = ResponseMover::default();
    mover.visit_file_mut(file);
    if mover.replaced > 0 {
        file.items.push(json_response_value());
    }
    mover.replaced
}

/// Counts the blocks it rewrote.
struct HeaderMapInliner(usize);

impl VisitMut for HeaderMapInliner {
    fn visit_block_mut(&mut self, block: &mut Block) {
        visit_mut::visit_block_mut(self, block);
        self.0 += usize::from(inline_header_map(block));
    }
}

/// Rewrites
///
/// ```text
/// let mut header_map = HeaderMap::with_capacity(n);
/// header_map.append(K, V);                      // or inside `if let Some(..)`
/// let mut request = <chain>.headers(header_map).build()?;
/// ```
///
/// into the request statement (without `.headers(header_map)`) followed by
/// the appends, each on `request.headers_mut()`. Says whether it did.
fn inline_header_map(block: &mut Block) -> bool {
    let stmts = &block.stmts;
    let Some(start) = stmts.iter().position(declares_header_map) else {
        return false;
    };
    let appends = stmts[start + 1..]
        .iter()
        .take_while(|s| appends_header(s))
        .count();
    let request_at = start + 1 + appends;
    let Some(request_stmt) = stmts.get(request_at) else {
        return false;
    };
    let moved = &stmts[start + 1..request_at];
    // Moved after `let mut request`, a parameter named `request` would be
    // shadowed; and a header the chain itself sets (`Accept`, the body's
    // `Content-Type`) would be replaced by `.headers(..)` but doubled by
    // `append`.
    if moved
        .iter()
        .any(|s| mentions(s.to_token_stream(), "request"))
        || !moved.iter().all(keys_are_parameters_only)
    {
        return false;
    }
    let mut request_stmt = request_stmt.clone();
    if !remove_headers_call(&mut request_stmt) {
        return false;
    }
    let mut moved: Vec<Stmt> = moved.to_vec();
    for stmt in &mut moved {
        OntoRequest.visit_stmt_mut(stmt);
    }
    block.stmts.splice(
        start..=request_at,
        std::iter::once(request_stmt).chain(moved),
    );
    true
}

/// `let mut header_map = ..HeaderMap::with_capacity(..);`
fn declares_header_map(stmt: &Stmt) -> bool {
    let Stmt::Local(local) = stmt else {
        return false;
    };
    let syn::Pat::Ident(pat) = &local.pat else {
        return false;
    };
    pat.ident == "header_map"
        && local.init.as_ref().is_some_and(|init| {
            matches!(&*init.expr, Expr::Call(call) if is_path_ending(&call.func, &["with_capacity"]))
        })
}

/// `header_map.append(K, V);`, or `if .. { <those> }` without an `else`.
fn appends_header(stmt: &Stmt) -> bool {
    match stmt {
        Stmt::Expr(Expr::MethodCall(call), Some(_)) => append_call(call).is_some(),
        Stmt::Expr(Expr::If(branch), _) => {
            branch.else_branch.is_none() && branch.then_branch.stmts.iter().all(appends_header)
        }
        _ => false,
    }
}

/// The key of `header_map.append(key, value)`.
fn append_call(call: &syn::ExprMethodCall) -> Option<&Expr> {
    let receiver_is_map = matches!(&*call.receiver, Expr::Path(p) if p.path.is_ident("header_map"));
    (receiver_is_map && call.method == "append" && call.args.len() == 2).then(|| &call.args[0])
}

/// Every key appended in `stmt` is a literal name (`"name"` or
/// `HeaderName::from_static("name")`) other than those the request chain
/// sets itself.
fn keys_are_parameters_only(stmt: &Stmt) -> bool {
    match stmt {
        Stmt::Expr(Expr::MethodCall(call), _) => append_call(call)
            .and_then(literal_name)
            .is_some_and(|name| {
                !["accept", "content-type"].contains(&name.to_ascii_lowercase().as_str())
            }),
        Stmt::Expr(Expr::If(branch), _) => branch
            .then_branch
            .stmts
            .iter()
            .all(keys_are_parameters_only),
        _ => false,
    }
}

/// `"name"` or `..::from_static("name")`.
fn literal_name(key: &Expr) -> Option<String> {
    let lit = match key {
        Expr::Lit(lit) => lit,
        Expr::Call(call) if is_path_ending(&call.func, &["from_static"]) => {
            match call.args.first() {
                Some(Expr::Lit(lit)) if call.args.len() == 1 => lit,
                _ => return None,
            }
        }
        _ => return None,
    };
    match &lit.lit {
        syn::Lit::Str(name) => Some(name.value()),
        _ => None,
    }
}

/// Whether `tokens` use the identifier `name` anywhere.
fn mentions(tokens: TokenStream, name: &str) -> bool {
    tokens.into_iter().any(|tree| match tree {
        TokenTree::Ident(ident) => ident == name,
        TokenTree::Group(group) => mentions(group.stream(), name),
        _ => false,
    })
}

/// Removes the one `.headers(header_map)` call from `let mut request = ..;`,
/// looking through `?`, `.build()` and a `{ let mut query_builder = ..; .. }`
/// block; `false` when the statement has another shape.
fn remove_headers_call(stmt: &mut Stmt) -> bool {
    let Stmt::Local(local) = stmt else {
        return false;
    };
    let is_request = matches!(&local.pat, syn::Pat::Ident(p) if p.ident == "request");
    match &mut local.init {
        Some(init) if is_request => remove_from_expr(&mut init.expr),
        _ => false,
    }
}

fn remove_from_expr(expr: &mut Expr) -> bool {
    match expr {
        Expr::MethodCall(call)
            if call.method == "headers"
                && call.args.len() == 1
                && matches!(&call.args[0], Expr::Path(p) if p.path.is_ident("header_map")) =>
        {
            *expr = (*call.receiver).clone();
            true
        }
        Expr::MethodCall(call) => remove_from_expr(&mut call.receiver),
        Expr::Try(tried) => remove_from_expr(&mut tried.expr),
        Expr::Block(block) => match block.block.stmts.first_mut() {
            Some(Stmt::Local(local)) => local
                .init
                .as_mut()
                .is_some_and(|init| remove_from_expr(&mut init.expr)),
            _ => false,
        },
        _ => false,
    }
}

/// `header_map` → `request.headers_mut()`.
struct OntoRequest;

impl VisitMut for OntoRequest {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        if matches!(expr, Expr::Path(p) if p.path.is_ident("header_map")) {
            *expr = parse_quote!(request.headers_mut());
        } else {
            visit_mut::visit_expr_mut(self, expr);
        }
    }
}

/// Rewrites the calls; `depth` is how many modules deep the walk is, so the
/// helper at the file's root is named with the right number of `super::`.
#[derive(Default)]
struct ResponseMover {
    depth: usize,
    replaced: usize,
}

impl VisitMut for ResponseMover {
    fn visit_item_mod_mut(&mut self, module: &mut syn::ItemMod) {
        self.depth += 1;
        visit_mut::visit_item_mod_mut(self, module);
        self.depth -= 1;
    }

    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        visit_mut::visit_expr_call_mut(self, call);
        if call.args.len() == 1 && is_path_ending(&call.func, &["ResponseValue", "from_response"]) {
            let up = (0..self.depth).map(|_| Ident::new("super", proc_macro2::Span::call_site()));
            *call.func = parse_quote!(#(#up::)* json_response_value);
            self.replaced += 1;
        }
    }
}

/// The helper the moved calls use: `ResponseValue::from_response` with the
/// headers taken, not cloned.
fn json_response_value() -> Item {
    parse_quote! {
        /// Reads a JSON response into a `ResponseValue`, moving the headers
        /// out of the response instead of copying them
        /// (`ResponseValue::from_response` clones them; added by chekt-gen).
        async fn json_response_value<T: ::serde::de::DeserializeOwned, E>(
            mut response: ::reqwest::Response,
        ) -> ::std::result::Result<
            progenitor_client::ResponseValue<T>,
            progenitor_client::Error<E>,
        > {
            let status = response.status();
            let headers = ::std::mem::take(response.headers_mut());
            let body = response
                .bytes()
                .await
                .map_err(progenitor_client::Error::ResponseBodyError)?;
            match ::serde_json::from_slice(&body) {
                Ok(inner) => Ok(progenitor_client::ResponseValue::new(inner, status, headers)),
                Err(error) => Err(progenitor_client::Error::InvalidResponsePayload(body, error)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(code: &str, pass: fn(&mut syn::File) -> usize) -> String {
        let mut file: syn::File = syn::parse_str(code).unwrap();
        pass(&mut file);
        prettyplease::unparse(&file)
    }

    fn formatted(code: &str) -> String {
        prettyplease::unparse(&syn::parse_str(code).unwrap())
    }

    const SEND: &str = r#"
        async fn send(self) -> Result<(), Error> {
            let url = format!("{}/things", client.baseurl);
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
            header_map.append(
                ::reqwest::header::HeaderName::from_static("api-version"),
                ::reqwest::header::HeaderValue::from_static("0.8.0"),
            );
            if let Some(value) = trace_id {
                header_map.append("x-trace-id", value.to_string().try_into()?);
            }
            #[allow(unused_mut)]
            let mut request = {
                let mut query_builder = client.client.get(url).header(ACCEPT, json).headers(header_map);
                if let Some(value) = &limit {
                    query_builder = query_builder.query(&QueryParam::new("limit", value));
                }
                query_builder
            }
            .build()?;
            client.exec(request, &info).await
        }
    "#;

    #[test]
    fn header_parameters_are_appended_to_the_built_request() {
        let expected = r#"
            async fn send(self) -> Result<(), Error> {
                let url = format!("{}/things", client.baseurl);
                #[allow(unused_mut)]
                let mut request = {
                    let mut query_builder = client.client.get(url).header(ACCEPT, json);
                    if let Some(value) = &limit {
                        query_builder = query_builder.query(&QueryParam::new("limit", value));
                    }
                    query_builder
                }
                .build()?;
                request.headers_mut().append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static("0.8.0"),
                );
                if let Some(value) = trace_id {
                    request.headers_mut().append("x-trace-id", value.to_string().try_into()?);
                }
                client.exec(request, &info).await
            }
        "#;
        assert_eq!(rewritten(SEND, append_to_request), formatted(expected));
    }

    #[test]
    fn a_plain_chain_loses_its_headers_call_too() {
        let code = r#"
            async fn send(self) {
                let mut header_map = HeaderMap::with_capacity(1usize);
                header_map.append("x-a", a.try_into()?);
                let mut request = client.client.post(url).json(&body).headers(header_map).build()?;
            }
        "#;
        let expected = r#"
            async fn send(self) {
                let mut request = client.client.post(url).json(&body).build()?;
                request.headers_mut().append("x-a", a.try_into()?);
            }
        "#;
        assert_eq!(rewritten(code, append_to_request), formatted(expected));
    }

    #[test]
    fn shapes_it_does_not_know_are_left_alone() {
        let cases = [
            // A header the chain sets itself: `.headers` replaces, `append` would double.
            SEND.replace("\"x-trace-id\"", "\"Accept\""),
            // A parameter the move would shadow.
            SEND.replace("trace_id", "request"),
            // A key that is not a literal.
            SEND.replace("\"x-trace-id\"", "name"),
            // Something else between the map and the request.
            SEND.replace("#[allow(unused_mut)]", "let other = 1;"),
            // The map is used for something else as well.
            SEND.replace(".headers(header_map)", ".headers(header_map.clone())"),
        ];
        for code in cases {
            assert_eq!(
                rewritten(&code, append_to_request),
                formatted(&code),
                "{code}"
            );
        }
    }

    #[test]
    fn response_values_move_their_headers_at_any_depth() {
        let code = r#"
            pub mod builder {
                async fn send() {
                    match status {
                        200u16 => ResponseValue::from_response(response).await,
                        _ => Err(Error::ErrorResponse(ResponseValue::from_response(response).await?)),
                    }
                }
            }
            async fn positional() { ResponseValue::from_response(response).await }
        "#;
        let out = rewritten(code, move_response_headers);
        assert!(!out.contains("ResponseValue::from_response("), "{out}");
        assert_eq!(
            out.matches("super::json_response_value(response)").count(),
            2,
            "{out}"
        );
        assert!(
            out.contains("\n    json_response_value(response).await\n"),
            "{out}"
        );
        assert_eq!(out.matches("async fn json_response_value").count(), 1);
        assert!(out.contains("::std::mem::take(response.headers_mut())"));
    }

    #[test]
    fn no_helper_without_a_call_to_replace() {
        let code = "async fn stream() { ResponseValue::stream(response) }";
        assert_eq!(rewritten(code, move_response_headers), formatted(code));
    }
}
