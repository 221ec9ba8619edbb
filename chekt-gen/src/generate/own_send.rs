//! Every `send()` goes through a hand-written send path and returns the
//! target crate's one error type.
//!
//! progenitor's `send()` hands the built request to `ClientHooks::exec`,
//! which can only answer with an HTTP response, and returns
//! `progenitor_client::Error<E>`. A runtime that fails locally (no
//! credential, token refused, throttled, body too large) would have to fake
//! a response. This pass makes each builder's `send()`:
//!
//! ```text
//! let Self { client, .., request_options } = self;
//! let build = (move || {
//!     <progenitor's parameter checks: `let dealer_id = dealer_id.map_err(..)?;`>
//!     Ok(move || -> Result<Request, progenitor_client::Error<()>> {
//!         <progenitor's statements that build the request, from `let url = ..`>
//!         Ok(request)
//!     })
//! })();
//! async move {
//!     let build = build.map_err(RT::invalid_request)?;
//!     let response = RT::send(client, &build, &OPS::LIST_SITES, &request_options).await?;
//!     match response.status().as_u16() {
//!         200u16 => RT::success(response, &OPS::LIST_SITES),   // each declared success
//!         _ => Err(RT::unexpected(response, &OPS::LIST_SITES)),
//!     }
//! }
//! ```
//!
//! and its signature `fn send(self) -> impl Future<Output =
//! RT::Result<RT::ResponseValue<T>>>`, where `RT` is
//! the runtime module named by [`GenerateOptions::with_runtime`]
//! (`crate::runtime` for chekt-api) and `OPS::LIST_SITES` the operation's
//! row in the generated `operations` table. `RT::send` classifies every
//! error status itself (whether or not the operation declares it), so the
//! error arms progenitor wrote are dropped. A `send()` of any other shape
//! is an error: a progenitor upgrade cannot disable the pass silently.
//!
//! The checks are the leading `let x = x.map_err(..)?` statements; the
//! client and the request are the names progenitor hands to `pre(&mut
//! request, &info)` (it prefixes `_` to a name a parameter takes).
//!
//! `RT::send` calls `build` for each attempt: a retry sends a request
//! built anew rather than a copy kept in case one is needed. So `build` is
//! an `Fn` that lends the checked parameters: an optional parameter's
//! `if let Some(value) = x` becomes `if let Some(value) = &x`
//! ([`BorrowChecked`]). A request that still moves a parameter (a byte or
//! text body: `.body(body)`, [`moves_any`]) is built once, when `send` is
//! called, and goes to `RT::send_built(client, request, op, &options)`
//! instead, whose retry sends a copy.
//!
//! `send` is a plain `fn` ([`unasync`]): it takes the builder apart and
//! checks its parameters when called; the request is built and sent when
//! the future is first polled. Its future holds only what sending needs
//! (the client, the checked parameters, the options), not the whole
//! builder twice as an `async fn` would (its argument and the locals moved
//! out of it: 432 bytes more for `ListSites`, moved by every caller that
//! stores the future).
//!
//! [`GenerateOptions::with_runtime`]: super::GenerateOptions::with_runtime

use heck::ToShoutySnakeCase;
use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote};
use syn::visit_mut::VisitMut;
use syn::{Expr, ImplItem, Item, Stmt, parse_quote};

use super::{first_generic, is_path_ending};

/// Rewrites every builder `send` in `file` (see the module docs); `runtime`
/// and `operations` are Rust paths. Returns how many request bodies it
/// rewrote, or what it could not rewrite.
pub fn rewrite(
    file: &mut syn::File,
    runtime: &str,
    operations: &str,
    expected: usize,
) -> Result<usize, String> {
    let rt: syn::Path = syn::parse_str(runtime).map_err(|e| format!("`{runtime}`: {e}"))?;
    let ops: syn::Path = syn::parse_str(operations).map_err(|e| format!("`{operations}`: {e}"))?;
    let mut rewritten = 0;
    let mut builders = Vec::new();
    strip_hooks(file);
    for item in &mut file.items {
        let Item::Mod(module) = item else { continue };
        if module.ident != "builder" {
            continue;
        }
        let Some((_, items)) = &mut module.content else {
            continue;
        };
        for item in items.iter_mut() {
            let Item::Impl(block) = item else { continue };
            if block.trait_.is_some() {
                continue;
            }
            let mut sends = 0;
            for item in &mut block.items {
                let ImplItem::Fn(f) = item else { continue };
                if !f.sig.ident.to_string().starts_with("send") {
                    continue;
                }
                sends += 1;
                let name = block_name(&block.self_ty, &f.sig.ident);
                retype(&mut f.sig.output, &rt).map_err(|e| format!("{}: {e}", name))?;
                if let Some(done) = rewrite_body(&mut f.block, &rt, &ops) {
                    done.map_err(|e| format!("{}: {e}", name))?;
                    rewritten += 1;
                } else if !delegates(&f.block) {
                    return Err(format!(
                        "{}: neither sends a request nor calls another send",
                        name
                    ));
                }
                unasync(f).map_err(|e| format!("{}: {e}", name))?;
            }
            if sends > 0 {
                let ty = type_ident(&block.self_ty).ok_or_else(|| {
                    format!(
                        "builder `{}` is not a named type",
                        block.self_ty.to_token_stream()
                    )
                })?;
                add_options(block, &rt).map_err(|e| format!("builder::{ty}: {e}"))?;
                builders.push(ty);
            }
        }
        for ty in &builders {
            let field = items.iter_mut().find_map(|item| match item {
                Item::Struct(s) if s.ident == *ty => Some(s),
                _ => None,
            });
            let syn::Fields::Named(fields) =
                &mut field.ok_or(format!("builder::{ty}: no struct"))?.fields
            else {
                return Err(format!("builder::{ty}: not a struct with named fields"));
            };
            if fields
                .named
                .iter()
                .any(|f| f.ident.as_ref().is_some_and(|i| i == OPTIONS))
            {
                return Err(format!("builder::{ty}: already has a field `{OPTIONS}`"));
            }
            fields
                .named
                .push(parse_quote!(#OPTIONS_IDENT: #rt::RequestOptions));
        }
    }
    if rewritten != builders.len() {
        return Err(format!(
            "{} builders have a send(), {rewritten} were rewritten",
            builders.len()
        ));
    }
    if rewritten != expected {
        return Err(format!(
            "the spec has {expected} operations, {rewritten} builders were rewritten"
        ));
    }
    Ok(rewritten)
}

/// The builder field holding the call's options.
const OPTIONS: &str = "request_options";

/// [`OPTIONS`] as an identifier in `quote!`.
struct OptionsIdent;
const OPTIONS_IDENT: OptionsIdent = OptionsIdent;

impl ToTokens for OptionsIdent {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        format_ident!("{}", OPTIONS).to_tokens(tokens);
    }
}

/// `Name` of `Name<'a>`.
fn type_ident(ty: &syn::Type) -> Option<syn::Ident> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.clone()),
        _ => None,
    }
}

/// Gives a builder's `impl` its options: initialised in `new()` (which
/// must end in `Self { .. }`), set by `with_options`.
fn add_options(block: &mut syn::ItemImpl, rt: &syn::Path) -> Result<(), String> {
    let new = block
        .items
        .iter_mut()
        .find_map(|item| match item {
            ImplItem::Fn(f) if f.sig.ident == "new" => Some(f),
            _ => None,
        })
        .ok_or("has no new()")?;
    let Some(Stmt::Expr(Expr::Struct(init), None)) = new.block.stmts.last_mut() else {
        return Err("new() does not end in `Self { .. }`".to_string());
    };
    init.fields
        .push(parse_quote!(#OPTIONS_IDENT: ::std::default::Default::default()));
    block.items.push(parse_quote! {
        /// Options for this call (a deadline, retries, extra headers),
        /// over the client's defaults. Paging applies them to every page
        /// request.
        pub fn with_options(mut self, options: #rt::RequestOptions) -> Self {
            self.#OPTIONS_IDENT = options;
            self
        }
    });
    Ok(())
}

/// Removes what only progenitor's hook path needs: the `Client::new` and
/// `new_with_client` constructors (which build a client without the
/// runtime's configuration; the target crate builds its `Client` itself)
/// and the `ClientHooks` assertion.
fn strip_hooks(file: &mut syn::File) {
    for item in &mut file.items {
        if let Item::Impl(block) = item
            && block.trait_.is_none()
            && block.self_ty.to_token_stream().to_string() == "Client"
        {
            block.items.retain(|item| {
                !matches!(item, ImplItem::Fn(f) if f.sig.ident == "new" || f.sig.ident == "new_with_client")
            });
        }
    }
    file.items.retain(|item| match item {
        Item::Impl(block) => !(block.trait_.is_none() && block.items.is_empty()),
        Item::Const(c) => !c
            .expr
            .to_token_stream()
            .to_string()
            .contains("assert_client_hooks"),
        _ => true,
    });
}

fn block_name(ty: &syn::Type, f: &syn::Ident) -> String {
    let ty = ty.to_token_stream().to_string().replace(' ', "");
    format!("builder::{ty}::{f}")
}

/// `Result<ResponseValue<T>, Error<E>>` → `RT::Result<RT::ResponseValue<T>>`.
fn retype(output: &mut syn::ReturnType, rt: &syn::Path) -> Result<(), String> {
    let syn::ReturnType::Type(_, ty) = output else {
        return Err("returns nothing".to_string());
    };
    let ok = first_generic(ty, "Result")
        .and_then(|ok| first_generic(ok, "ResponseValue"))
        .ok_or_else(|| format!("returns `{}`", ty.to_token_stream()))?
        .clone();
    *output = parse_quote!(-> #rt::Result<#rt::ResponseValue<#ok>>);
    Ok(())
}

/// `self.send_as::<T>().await` (a `send` the `rows_as` pass added).
fn delegates(block: &syn::Block) -> bool {
    matches!(
        block.stmts.as_slice(),
        [Stmt::Expr(Expr::Await(call), None)] if matches!(&*call.base, Expr::MethodCall(m) if m.method == "send_as")
    )
}

/// `async fn send(self) -> R` → `fn send(self) -> impl Future<Output =
/// R>`: the body [`rewrite_at`] wrote already ends in the `async move`
/// block; a delegating `self.send_as::<T>().await` ([`delegates`]) loses
/// its `.await`.
fn unasync(f: &mut syn::ImplItemFn) -> Result<(), String> {
    if f.sig.asyncness.take().is_none() {
        return Err("is not an async fn".to_string());
    }
    let syn::ReturnType::Type(_, output) = &f.sig.output else {
        return Err("returns nothing".to_string());
    };
    f.sig.output = parse_quote!(-> impl ::std::future::Future<Output = #output>);
    if let [Stmt::Expr(call @ Expr::Await(_), None)] = f.block.stmts.as_mut_slice()
        && let Expr::Await(awaited) = call.clone()
    {
        *call = *awaited.base;
    }
    Ok(())
}

/// `None` when the body has no `let info = OperationInfo { .. }`.
fn rewrite_body(
    block: &mut syn::Block,
    rt: &syn::Path,
    ops: &syn::Path,
) -> Option<Result<(), String>> {
    let at = block.stmts.iter().position(|s| operation_id(s).is_some())?;
    Some(rewrite_at(block, at, rt, ops))
}

fn rewrite_at(
    block: &mut syn::Block,
    at: usize,
    rt: &syn::Path,
    ops: &syn::Path,
) -> Result<(), String> {
    let id = operation_id(&block.stmts[at]).unwrap_or_default();
    let Some(Stmt::Expr(Expr::Match(matched), _)) = block.stmts.last() else {
        return Err("does not end in a match on the status".to_string());
    };
    let op = format_ident!("{}", id.to_shouty_snake_case());
    let op: TokenStream = quote!(&#ops::#op);
    let mut arms = Vec::new();
    for arm in &matched.arms {
        let Some(status) = success_status(&arm.pat) else {
            continue;
        };
        let body = match unblock(&arm.body) {
            Expr::Await(call) if from_response(&call.base) => {
                quote!(#rt::success(response, #op))
            }
            Expr::Call(ok) if is_path_ending(&ok.func, &["Ok"]) && ok.args.len() == 1 => {
                match &ok.args[0] {
                    Expr::Call(empty)
                        if is_path_ending(&empty.func, &["ResponseValue", "empty"]) =>
                    {
                        quote!(#rt::empty(response, #op))
                    }
                    other => {
                        return Err(format!(
                            "success arm {status} returns `{}`",
                            other.to_token_stream()
                        ));
                    }
                }
            }
            other => {
                return Err(format!(
                    "success arm {status} returns `{}`",
                    other.to_token_stream()
                ));
            }
        };
        let pat = &arm.pat;
        arms.push(quote!(#pat => #body,));
    }
    if arms.is_empty() {
        return Err("no success status".to_string());
    }
    let (first, builds) = block.stmts[..at].split_first().ok_or("builds nothing")?;
    let mut first = first.clone();
    let Stmt::Local(syn::Local {
        pat: syn::Pat::Struct(destructure),
        ..
    }) = &mut first
    else {
        return Err("does not start with `let Self { .. } = self`".to_string());
    };
    destructure.fields.push(syn::FieldPat {
        attrs: Vec::new(),
        member: syn::Member::Named(format_ident!("{}", OPTIONS)),
        colon_token: None,
        pat: parse_quote!(#OPTIONS_IDENT),
    });
    let (client, request) = block
        .stmts
        .get(at + 1)
        .and_then(pre_hook)
        .ok_or("does not hand its request to `pre(&mut request, &info)`")?;
    let mut checks = builds.to_vec();
    for stmt in &mut checks {
        ProgenitorError.visit_stmt_mut(stmt);
    }
    let split = checks
        .iter()
        .position(|stmt| checked_name(stmt).is_none())
        .ok_or("builds no request after its parameter checks")?;
    let mut builds = checks.split_off(split);
    let names: Vec<syn::Ident> = checks.iter().filter_map(checked_name).cloned().collect();
    let mut borrowed = builds.clone();
    for stmt in &mut borrowed {
        BorrowChecked { names: &names }.visit_stmt_mut(stmt);
    }
    let matched = quote! {
        match response.status().as_u16() {
            #(#arms)*
            _ => Err(#rt::unexpected(response, #op)),
        }
    };
    let stmts: syn::Block = if moves_any(&mut borrowed, &names) {
        // Built once: a retry sends a copy.
        builds.splice(0..0, checks);
        parse_quote!({
            #first
            let #request = (move || -> ::std::result::Result<::reqwest::Request, progenitor_client::Error<()>> {
                #(#builds)*
                Ok(#request)
            })();
            async move {
                let #request = #request.map_err(#rt::invalid_request)?;
                let response = #rt::send_built(#client, #request, #op, &#OPTIONS_IDENT).await?;
                #matched
            }
        })
    } else {
        parse_quote!({
            #first
            let build = (move || {
                #(#checks)*
                ::std::result::Result::<_, progenitor_client::Error<()>>::Ok(
                    move || -> ::std::result::Result<::reqwest::Request, progenitor_client::Error<()>> {
                        #(#borrowed)*
                        Ok(#request)
                    },
                )
            })();
            async move {
                let build = build.map_err(#rt::invalid_request)?;
                let response = #rt::send(#client, &build, #op, &#OPTIONS_IDENT).await?;
                #matched
            }
        })
    };
    *block = stmts;
    Ok(())
}

/// `e` for `{ e }`, at any depth.
fn unblock(expr: &Expr) -> &Expr {
    match expr {
        Expr::Block(block) if block.block.stmts.len() == 1 => match &block.block.stmts[0] {
            Stmt::Expr(inner, None) => unblock(inner),
            _ => expr,
        },
        _ => expr,
    }
}

/// `x` in `let x = x.map_err(..)?;` (or `x.and_then(..).map_err(..)?`
/// for a body built from its builder): progenitor's check of the
/// builder's parameter `x`, which precedes building the request.
fn checked_name(stmt: &Stmt) -> Option<&syn::Ident> {
    let Stmt::Local(local) = stmt else {
        return None;
    };
    let syn::Pat::Ident(name) = &local.pat else {
        return None;
    };
    let Expr::Try(tried) = &*local.init.as_ref()?.expr else {
        return None;
    };
    let Expr::MethodCall(call) = &*tried.expr else {
        return None;
    };
    let mut root = &*call.receiver;
    while let Expr::MethodCall(inner) = root {
        root = &inner.receiver;
    }
    let checks_itself =
        call.method == "map_err" && matches!(root, Expr::Path(p) if p.path.is_ident(&name.ident));
    checks_itself.then_some(&name.ident)
}

/// The client and the request in `client.pre(&mut request, &info).await?;`:
/// `client` and `request` unless a parameter has the name (progenitor then
/// prefixes `_`).
fn pre_hook(stmt: &Stmt) -> Option<(syn::Ident, syn::Ident)> {
    let Stmt::Expr(Expr::Try(tried), _) = stmt else {
        return None;
    };
    let Expr::Await(awaited) = &*tried.expr else {
        return None;
    };
    let Expr::MethodCall(call) = &*awaited.base else {
        return None;
    };
    let ident = |expr: &Expr| match expr {
        Expr::Path(p) => p.path.get_ident().cloned(),
        _ => None,
    };
    let (Some(Expr::Reference(request)), true) = (call.args.first(), call.method == "pre") else {
        return None;
    };
    if request.mutability.is_none() || call.args.len() != 2 {
        return None;
    }
    Some((ident(&call.receiver)?, ident(&request.expr)?))
}

/// Whether `stmts` move one of the checked parameters `names` (`.body(body)`
/// for a byte or text body): the request can then be built only once, and
/// a retry sends a copy of it. A parameter is lent only as `&x`, in a
/// formatting macro, or as the receiver of a method that borrows it; any
/// other use counts as a move (a `Copy` value so used is built once too:
/// correct, only not as cheap).
/// (Visited with `VisitMut`, the visitor this crate builds syn with; it
/// changes nothing.)
fn moves_any(stmts: &mut [Stmt], names: &[syn::Ident]) -> bool {
    let mut moves = Moves {
        names,
        found: false,
    };
    for stmt in stmts {
        moves.visit_stmt_mut(stmt);
    }
    moves.found
}

/// Methods progenitor calls on a parameter that take it by reference.
const BORROWING_METHODS: &[&str] = &["to_string", "as_str", "as_ref", "clone", "iter"];

struct Moves<'a> {
    names: &'a [syn::Ident],
    found: bool,
}

impl Moves<'_> {
    fn is_checked(&self, expr: &Expr) -> bool {
        matches!(expr, Expr::Path(p) if p.qself.is_none() && self.names.iter().any(|n| p.path.is_ident(n)))
    }
}

impl VisitMut for Moves<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            Expr::Reference(lent) if self.is_checked(&lent.expr) => {}
            Expr::MethodCall(call)
                if self.is_checked(&call.receiver)
                    && BORROWING_METHODS.iter().any(|m| call.method == m) =>
            {
                for arg in &mut call.args {
                    self.visit_expr_mut(arg);
                }
            }
            _ if self.is_checked(expr) => self.found = true,
            _ => syn::visit_mut::visit_expr_mut(self, expr),
        }
    }
}

/// `if let Some(value) = x` → `if let Some(value) = &x` for each checked
/// parameter `x`: the request is built by a closure called once per
/// attempt, which lends its parameters and moves none (one that would
/// still move one is built once instead: [`moves_any`]).
struct BorrowChecked<'a> {
    names: &'a [syn::Ident],
}

impl VisitMut for BorrowChecked<'_> {
    fn visit_expr_let_mut(&mut self, expr: &mut syn::ExprLet) {
        if let Expr::Path(path) = &*expr.expr
            && path.qself.is_none()
            && self.names.iter().any(|name| path.path.is_ident(name))
        {
            let scrutinee = path.clone();
            *expr.expr = parse_quote!(&#scrutinee);
        }
        syn::visit_mut::visit_expr_let_mut(self, expr);
    }
}

/// `Error::X` → `progenitor_client::Error::X` inside the moved statements,
/// so they do not depend on the module's `use` of progenitor's `Error`.
struct ProgenitorError;

impl VisitMut for ProgenitorError {
    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        if path.segments.len() == 2 && path.segments[0].ident == "Error" {
            let variant = &path.segments[1];
            *path = parse_quote!(progenitor_client::Error::#variant);
        }
        syn::visit_mut::visit_path_mut(self, path);
    }
}

/// The id in `let info = OperationInfo { operation_id: "id" };`.
fn operation_id(stmt: &Stmt) -> Option<String> {
    let Stmt::Local(local) = stmt else {
        return None;
    };
    let Expr::Struct(init) = &*local.init.as_ref()?.expr else {
        return None;
    };
    if !init.path.is_ident("OperationInfo") {
        return None;
    }
    init.fields
        .iter()
        .find_map(|field| match (&field.member, &field.expr) {
            (syn::Member::Named(name), Expr::Lit(lit)) if name == "operation_id" => {
                match &lit.lit {
                    syn::Lit::Str(s) => Some(s.value()),
                    _ => None,
                }
            }
            _ => None,
        })
}

/// `200u16` or `200u16..=299u16`, as text, when the arm is a success.
fn success_status(pat: &syn::Pat) -> Option<String> {
    let text = pat.to_token_stream().to_string();
    text.starts_with('2').then_some(text)
}

/// `ResponseValue::from_response(response)` (or the `lean_headers` pass's
/// `json_response_value(response)`).
fn from_response(expr: &Expr) -> bool {
    matches!(expr, Expr::Call(call)
        if is_path_ending(&call.func, &["ResponseValue", "from_response"])
            || is_path_ending(&call.func, &["json_response_value"]))
}

/// Makes the CLI's `CliConfig` take the crate's error: progenitor declares
/// `fn error<T>(&self, value: &Error<T>)` (and `list_end_error`), generic
/// over progenitor's error body; after [`rewrite`], `send()` fails with
/// one error type. Returns how many methods it changed.
pub fn cli_config(file: &mut syn::File) -> usize {
    let mut changed = 0;
    for item in &mut file.items {
        let Item::Trait(cli_config) = item else {
            continue;
        };
        if cli_config.ident != "CliConfig" {
            continue;
        }
        for item in &mut cli_config.items {
            let syn::TraitItem::Fn(f) = item else {
                continue;
            };
            let takes_error = f.sig.inputs.iter().any(|input| {
                matches!(input, syn::FnArg::Typed(t) if t.ty.to_token_stream().to_string().replace(' ', "") == "&Error<T>")
            });
            if !takes_error {
                continue;
            }
            for input in &mut f.sig.inputs {
                if let syn::FnArg::Typed(t) = input {
                    *t.ty = parse_quote!(&Error);
                }
            }
            f.sig.generics = syn::Generics::default();
            changed += 1;
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn squash(code: &str) -> String {
        code.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    const BUILDER: &str = r#"
        pub mod builder {
            #[derive(Debug, Clone)]
            pub struct GetSite<'a> {
                client: &'a super::Client,
                site_id: Result<i64, String>,
            }
            impl<'a> GetSite<'a> {
                pub fn new(client: &'a super::Client) -> Self {
                    Self { client: client, site_id: Err("site_id was not initialized".to_string()) }
                }
                pub async fn send(self) -> Result<ResponseValue<types::Site>, Error<types::Error>> {
                    let Self { client, site_id } = self;
                    let site_id = site_id.map_err(Error::InvalidRequest)?;
                    let url = format!("{}/sites/{}", client.baseurl, site_id);
                    let mut request = client.client.get(url).build()?;
                    let info = OperationInfo { operation_id: "get_site" };
                    client.pre(&mut request, &info).await?;
                    let result = client.exec(request, &info).await;
                    client.post(&result, &info).await?;
                    let response = result?;
                    match response.status().as_u16() {
                        200u16 => ResponseValue::from_response(response).await,
                        404u16 => Err(Error::ErrorResponse(ResponseValue::from_response(response).await?)),
                        _ => Err(Error::UnexpectedResponse(response)),
                    }
                }
            }
        }
    "#;

    #[test]
    fn send_goes_through_the_runtime_and_returns_its_result() {
        let mut file: syn::File = syn::parse_str(BUILDER).unwrap();
        assert_eq!(rewrite(&mut file, "crate::rt", "crate::ops", 1), Ok(1));
        let out = squash(&prettyplease::unparse(&file));
        for expected in [
            "pub fn send( self, ) -> impl ::std::future::Future< Output = crate::rt::Result<crate::rt::ResponseValue<types::Site>>, >",
            "site_id.map_err(progenitor_client::Error::InvalidRequest)?",
            "async move { let build = build.map_err(crate::rt::invalid_request)?;",
            "let Self { client, site_id, request_options } = self;",
            "let response = crate::rt::send( client, &build, &crate::ops::GET_SITE, &request_options, ) .await?;",
            "let site_id = site_id.map_err(progenitor_client::Error::InvalidRequest)?; ::std::result::Result::< _, progenitor_client::Error<()>, >::Ok(move || ->",
            "{ let url = format!(\"{}/sites/{}\", client.baseurl, site_id);",
            "request_options: crate::rt::RequestOptions,",
            "request_options: ::std::default::Default::default(),",
            "pub fn with_options(mut self, options: crate::rt::RequestOptions) -> Self { self.request_options = options; self }",
            "200u16 => crate::rt::success(response, &crate::ops::GET_SITE),",
            "_ => Err(crate::rt::unexpected(response, &crate::ops::GET_SITE)),",
        ] {
            assert!(out.contains(expected), "{expected}\n{out}");
        }
        for gone in [
            "client.exec",
            "ErrorResponse",
            "OperationInfo",
            "404u16",
            "async fn",
        ] {
            assert!(!out.contains(gone), "{gone}\n{out}");
        }
    }

    /// The request maker is called once per attempt: it borrows an
    /// optional parameter instead of moving it out.
    #[test]
    fn the_request_is_built_from_borrowed_parameters() {
        let code = BUILDER
            .replace(
                "site_id: Result<i64, String>,",
                "site_id: Result<i64, String>, trace: Result<Option<String>, String>,",
            )
            .replace(
                "let Self { client, site_id }",
                "let Self { client, site_id, trace }",
            )
            .replace(
                "let mut request = client.client.get(url).build()?;",
                "let mut request = client.client.get(url).build()?; \
                 if let Some(v) = trace { let _ = v; } \
                 if let Some(v) = other { let _ = v; }",
            )
            .replace(
                "let site_id = site_id.map_err(Error::InvalidRequest)?;",
                "let site_id = site_id.map_err(Error::InvalidRequest)?; \
                 let trace = trace.map_err(Error::InvalidRequest)?;",
            );
        let mut file: syn::File = syn::parse_str(&code).unwrap();
        assert_eq!(rewrite(&mut file, "crate::rt", "crate::ops", 1), Ok(1));
        let out = squash(&prettyplease::unparse(&file));
        assert!(out.contains("if let Some(v) = &trace {"), "{out}");
        assert!(
            out.contains("if let Some(v) = other {"),
            "only checked parameters are borrowed: {out}"
        );
    }

    /// A request that moves a parameter (`.body(body)` for a byte or text
    /// body) cannot be built per attempt: it is built once and sent
    /// through `send_built`, as before the per-attempt builds.
    #[test]
    fn a_request_that_moves_a_parameter_is_built_once() {
        let code = BUILDER.replace(
            "client.client.get(url).build()?",
            "client.client.get(url).body(site_id).build()?",
        );
        let mut file: syn::File = syn::parse_str(&code).unwrap();
        assert_eq!(rewrite(&mut file, "crate::rt", "crate::ops", 1), Ok(1));
        let out = squash(&prettyplease::unparse(&file));
        for expected in [
            "let request = (move || -> ::std::result::Result< ::reqwest::Request, progenitor_client::Error<()>, > { let site_id = site_id.map_err(progenitor_client::Error::InvalidRequest)?;",
            ".body(site_id).build()?; Ok(request) })();",
            "let request = request.map_err(crate::rt::invalid_request)?;",
            "crate::rt::send_built( client, request, &crate::ops::GET_SITE, &request_options, )",
        ] {
            assert!(out.contains(expected), "{expected}\n{out}");
        }
        assert!(!out.contains("&build"), "{out}");

        // Lent (`&site_id`, `site_id.to_string()`): built per attempt.
        for lent in [".body(&site_id)", ".body(site_id.to_string())"] {
            let code = BUILDER.replace(
                "client.client.get(url).build()?",
                &format!("client.client.get(url){lent}.build()?"),
            );
            let mut file: syn::File = syn::parse_str(&code).unwrap();
            assert_eq!(rewrite(&mut file, "crate::rt", "crate::ops", 1), Ok(1));
            let out = squash(&prettyplease::unparse(&file));
            assert!(
                out.contains("crate::rt::send( client, &build,"),
                "{lent}: {out}"
            );
        }
    }

    /// progenitor renames its locals when a parameter takes their name
    /// (`url`, `client`, `request` become `_url`, `_client`, `_request`);
    /// the checks end where the building starts whatever the names.
    #[test]
    fn parameters_named_like_progenitors_locals() {
        let code = BUILDER
            .replace("client: &'a super::Client,", "_client: &'a super::Client, url: Result<String, String>, request: Result<String, String>,")
            .replace("Self { client: client,", "Self { _client: client, url: Err(String::new()), request: Err(String::new()),")
            .replace("let Self { client, site_id }", "let Self { _client, site_id, url, request }")
            .replace(
                "let site_id = site_id.map_err(Error::InvalidRequest)?;",
                "let site_id = site_id.map_err(Error::InvalidRequest)?; \
                 let url = url.map_err(Error::InvalidRequest)?; \
                 let request = request.map_err(Error::InvalidRequest)?;",
            )
            .replace(
                "let url = format!(\"{}/sites/{}\", client.baseurl, site_id);",
                "let _url = format!(\"{}/sites/{}?u={}&r={}\", _client.baseurl, site_id, url, request);",
            )
            .replace(
                "let mut request = client.client.get(url).build()?;",
                "let mut _request = _client.client.get(_url).build()?;",
            )
            .replace("client.pre(&mut request, &info)", "_client.pre(&mut _request, &info)")
            .replace("client.exec(request, &info)", "_client.exec(_request, &info)")
            .replace("client.post(&result, &info)", "_client.post(&result, &info)");
        let mut file: syn::File = syn::parse_str(&code).unwrap();
        assert_eq!(rewrite(&mut file, "crate::rt", "crate::ops", 1), Ok(1));
        let out = squash(&prettyplease::unparse(&file));
        for expected in [
            "let request = request.map_err(progenitor_client::Error::InvalidRequest)?; ::std::result::Result::<",
            "{ let _url = format!(",
            "Ok(_request) }",
            "crate::rt::send( _client, &build, &crate::ops::GET_SITE, &request_options, )",
        ] {
            assert!(out.contains(expected), "{expected}\n{out}");
        }
    }

    #[test]
    fn a_builder_missing_from_the_rewrite_fails() {
        let mut file: syn::File = syn::parse_str(BUILDER).unwrap();
        let err = rewrite(&mut file, "crate::rt", "crate::ops", 2).unwrap_err();
        assert_eq!(err, "the spec has 2 operations, 1 builders were rewritten");
        let no_new = BUILDER.replace("pub fn new(", "pub fn make(");
        let mut file: syn::File = syn::parse_str(&no_new).unwrap();
        let err = rewrite(&mut file, "crate::rt", "crate::ops", 1).unwrap_err();
        assert!(err.contains("builder::GetSite: has no new()"), "{err}");
    }

    #[test]
    fn an_unknown_shape_is_an_error_not_a_silent_skip() {
        let cases = [
            BUILDER.replace(
                "200u16 => ResponseValue::from_response(response).await",
                "200u16 => Ok(ResponseValue::stream(response))",
            ),
            BUILDER.replace(
                "let info = OperationInfo { operation_id: \"get_site\" };",
                "",
            ),
            BUILDER.replace(
                "-> Result<ResponseValue<types::Site>, Error<types::Error>>",
                "-> Result<(), ()>",
            ),
            BUILDER.replace("client.pre(&mut request, &info)", "client.pre(&info)"),
        ];
        for code in cases {
            let mut file: syn::File = syn::parse_str(&code).unwrap();
            let err = rewrite(&mut file, "crate::rt", "crate::ops", 1).unwrap_err();
            assert!(err.contains("builder::GetSite"), "{err}");
        }
    }

    #[test]
    fn cli_config_takes_the_one_error() {
        let code = r#"
            pub trait CliConfig {
                fn error<T>(&self, value: &Error<T>) where T: std::fmt::Debug;
                fn list_start<T>(&self) where T: std::fmt::Debug;
            }
        "#;
        let mut file: syn::File = syn::parse_str(code).unwrap();
        assert_eq!(cli_config(&mut file), 1);
        let out = squash(&prettyplease::unparse(&file));
        assert!(out.contains("fn error(&self, value: &Error);"), "{out}");
        assert!(out.contains("fn list_start<T>(&self)"), "{out}");
    }
}
