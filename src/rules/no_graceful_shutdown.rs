//! `no-graceful-shutdown`: a server started with no handling of SIGTERM.

use super::Rule;
use crate::classify::FileKind;
use crate::context::{Cx, Report};
use crate::finding::Span;
use crate::lang::gate::Words;
use crate::lang::rust::Uses;
use crate::lang::web::{self};
use crate::parse::treesitter;
use std::collections::HashSet;
use syn::spanned::Spanned;
use syn::visit::Visit;

pub const RULE: Rule = Rule {
    id: "no-graceful-shutdown",
    meta_source: include_str!("../../rules/no-graceful-shutdown.toml"),
    kinds: &[
        FileKind::Python,
        FileKind::JavaScript,
        FileKind::TypeScript,
        FileKind::Tsx,
        FileKind::Rust,
    ],
    triggers: &["listen", "serve", ".run("],
    check,
};

fn check(cx: &Cx, out: &mut Report) {
    web::check_production_source(cx, out, python_rule, js_rule, rust_rule);
}

const WHY: &str = "a deploy or scale-down kills it mid-request, and as PID 1 in a container it ignores SIGTERM until SIGKILLed";

// ---------------------------------------------------------------- JavaScript / TypeScript

static JS_LISTEN: Words = Words::new(&["listen"]);
static PY_SERVER_LOOPS: Words = Words::new(&["serve_forever", "listen"]);
/// The crates of every server start the Rust visitor knows.
static RUST_SERVER_CRATES: Words = Words::new(&["axum", "hyper", "warp", "poem"]);
/// Every server start below is `serve` (`axum::serve(…)`, `….serve(…)`, imported under
/// any name) or a `run(…)` call.
static RUST_SERVE: Words = Words::new(&["serve"]);
static RUST_RUN: Words = Words::new(&["run"]);

fn js_rule(cx: &Cx, out: &mut Report) {
    if !JS_LISTEN.called_in(cx.text()) {
        return;
    }
    let (Some(_tree), Some(_lang)) = (cx.tree(), cx.lang()) else {
        return;
    };
    let src = cx.text();
    let imports = cx.js_imports();
    let nodes = cx.nodes();
    let listens = cx.js_listens();
    if listens.is_empty() || web::js_handles_shutdown(nodes, src, imports) {
        return;
    }
    for l in listens {
        let recv = l
            .call
            .child_by_field_name("function")
            .and_then(|f| f.child_by_field_name("object"))
            .map(|o| treesitter::text(o, src))
            .filter(|t| t.len() <= 30 && !t.contains('\n'))
            .unwrap_or("app");
        out.add(
            l.span(),
            format!("`{recv}.listen(…)` starts a server, but this file never handles SIGTERM: {WHY}"),
        )
        .fix(format!(
            "stop accepting connections and finish in-flight requests on SIGTERM: `const server = {recv}.listen(port); process.on(\"SIGTERM\", () => server.close(() => process.exit(0)))`"
        ));
    }
}

// ---------------------------------------------------------------- Python

fn python_rule(cx: &Cx, out: &mut Report) {
    if !PY_SERVER_LOOPS.called_in(cx.text()) {
        return;
    }
    let Some(_tree) = cx.tree() else { return };
    let src = cx.text();
    let imports = cx.py_imports();
    let nodes = cx.nodes();
    let tornado = imports.uses_module("tornado");
    let mut starts = Vec::new();
    let mut handled = false;
    for &node in nodes {
        if node.kind() != "call" {
            continue;
        }
        let (Some(func), Some(arglist)) = (
            node.child_by_field_name("function"),
            node.child_by_field_name("arguments"),
        ) else {
            continue;
        };
        let func_text = treesitter::text(func, src);
        let method = match func.kind() {
            "attribute" => func
                .child_by_field_name("attribute")
                .map_or("", |a| treesitter::text(a, src)),
            "identifier" => func_text,
            _ => continue,
        };
        let first = web::args(arglist)
            .first()
            .map(|a| treesitter::text(*a, src));
        let resolved = imports.resolve(func_text);
        if resolved == "signal.signal" || method == "add_signal_handler" {
            // A signal named through a variable (`for sig in (SIGTERM, SIGINT)`) counts
            // when the file names SIGTERM.
            let names_term = first.is_some_and(|f| f.contains("SIGTERM"))
                || (first.is_some_and(|f| !f.contains("SIG")) && src.contains("SIGTERM"));
            handled |= names_term;
            continue;
        }
        let is_start = match method {
            "serve_forever" => func.kind() == "attribute",
            "listen" => tornado && func.kind() == "attribute",
            _ => false,
        };
        if is_start {
            let attr = func.child_by_field_name("attribute").unwrap_or(func);
            let recv = func
                .child_by_field_name("object")
                .map(|o| treesitter::text(o, src))
                .filter(|t| t.len() <= 30 && !t.contains('\n'))
                .unwrap_or("server");
            let dots = if web::args(arglist).is_empty() {
                ""
            } else {
                "…"
            };
            starts.push((
                Span::new(attr.start_byte(), node.end_byte()),
                recv,
                method,
                dots,
            ));
        }
    }
    if handled {
        return;
    }
    for (span, recv, method, dots) in starts {
        let fix = if method == "listen" {
            "stop the server on SIGTERM: `signal.signal(signal.SIGTERM, lambda *_: IOLoop.current().add_callback_from_signal(server.stop))`, then finish in-flight requests and stop the loop".to_owned()
        } else {
            format!(
                "stop the server on SIGTERM: `signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target={recv}.shutdown).start())` (asyncio: `loop.add_signal_handler(signal.SIGTERM, {recv}.close)`), or run the app under a server that drains on SIGTERM (gunicorn, uvicorn)"
            )
        };
        out.add(
            span,
            format!("`{recv}.{method}({dots})` serves until the process is killed, and this file installs no SIGTERM handler: {WHY}"),
        )
        .fix(fix);
    }
}

// ---------------------------------------------------------------- Rust

fn rust_rule(cx: &Cx, out: &mut Report) {
    // The server start reported is outside test code; the crate may be named anywhere.
    let code = cx.production_code();
    if !(RUST_SERVE.named_in(code) || RUST_RUN.called_in(code))
        || !RUST_SERVER_CRATES.any_in(cx.code())
    {
        return;
    }
    let Some(file) = cx.rust() else { return };
    let uses = Uses::collect(file);
    let mut v = RustVisitor {
        cx,
        uses: &uses,
        starts: Vec::new(),
        graceful: HashSet::new(),
        graceful_elsewhere: false,
    };
    v.visit_file(file);
    if v.graceful_elsewhere {
        return;
    }
    for (id, span, what, fix) in v.starts {
        if v.graceful.contains(&id) {
            continue;
        }
        out.add(
            span,
            format!(
                "`{what}` serves until the process is killed, with no graceful shutdown: {WHY}"
            ),
        )
        .fix(fix);
    }
}

struct RustVisitor<'a, 'cx> {
    cx: &'a Cx<'cx>,
    uses: &'a Uses,
    /// Server starts: (id span, report span, what, fix).
    starts: Vec<(Span, Span, String, String)>,
    /// Ids of server starts that are the receiver of `.with_graceful_shutdown(…)`.
    graceful: HashSet<Span>,
    /// `.with_graceful_shutdown(…)` applied to something other than a visible server
    /// start (a variable holding one): every server here may be handled.
    graceful_elsewhere: bool,
}

const AXUM_FIX: &str = "`axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await`, where `shutdown_signal` awaits `tokio::signal::unix::signal(SignalKind::terminate())` (and `ctrl_c`)";

impl RustVisitor<'_, '_> {
    fn path_of(&self, e: &syn::Expr) -> Option<String> {
        match e {
            syn::Expr::Call(c) => match &*c.func {
                syn::Expr::Path(p) => Some(self.uses.resolve(&p.path)),
                _ => None,
            },
            _ => None,
        }
    }

    /// The base call of a builder chain (`Server::bind(&a).http1_only(true)` → `Server::bind(&a)`).
    fn chain_base<'e>(&self, mut e: &'e syn::Expr) -> &'e syn::Expr {
        for _ in 0..32 {
            e = match e {
                syn::Expr::MethodCall(m) => &m.receiver,
                syn::Expr::Try(t) => &t.expr,
                syn::Expr::Await(a) => &a.base,
                syn::Expr::Paren(p) => &p.expr,
                _ => return e,
            };
        }
        e
    }
}

impl<'ast> Visit<'ast> for RustVisitor<'_, '_> {
    crate::skip_rust_test_items!();

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*call.func {
            let path = self.uses.resolve(&p.path);
            if path == "axum::serve" {
                let span = self.cx.syn_span(call.span());
                self.starts
                    .push((span, span, "axum::serve(…)".into(), AXUM_FIX.into()));
            }
        }
        syn::visit::visit_expr_call(self, call);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let name = m.method.to_string();
        if name == "with_graceful_shutdown" {
            let mut e = &*m.receiver;
            for _ in 0..32 {
                match e {
                    syn::Expr::Paren(p) => e = &p.expr,
                    syn::Expr::Try(t) => e = &t.expr,
                    _ => break,
                }
            }
            if matches!(e, syn::Expr::Call(_) | syn::Expr::MethodCall(_)) {
                self.graceful.insert(self.cx.syn_span(e.span()));
            } else {
                self.graceful_elsewhere = true;
            }
        }
        let base = self.chain_base(&m.receiver);
        let base_path = self.path_of(base).unwrap_or_default();
        let tail = |p: &str, ty: &str, f: &str| {
            let mut segs = p.rsplit("::");
            segs.next() == Some(f) && segs.next() == Some(ty)
        };
        let start = match name.as_str() {
            // hyper 0.14 / axum 0.6: `Server::bind(&addr).serve(make_svc)`.
            "serve"
                if (base_path.starts_with("hyper::") || base_path.starts_with("axum::"))
                    && (tail(&base_path, "Server", "bind")
                        || tail(&base_path, "Server", "try_bind")) =>
            {
                Some((
                    "Server::bind(…).serve(…)",
                    "`Server::bind(&addr).serve(svc).with_graceful_shutdown(shutdown_signal())`, where `shutdown_signal` awaits SIGTERM (`tokio::signal::unix::signal(SignalKind::terminate())`)",
                ))
            }
            "run" if base_path == "warp::serve" => Some((
                "warp::serve(…).run(…)",
                "`warp::serve(routes).bind_with_graceful_shutdown(addr, shutdown_signal())`, where `shutdown_signal` awaits SIGTERM",
            )),
            "run" if base_path == "poem::Server::new" => Some((
                "Server::new(…).run(…)",
                "`Server::new(listener).run_with_graceful_shutdown(app, shutdown_signal(), None)`, where `shutdown_signal` awaits SIGTERM",
            )),
            _ => None,
        };
        if let Some((what, fix)) = start {
            let id = self.cx.syn_span(m.span());
            let span = m
                .method
                .span()
                .join(m.paren_token.span.close())
                .unwrap_or(m.method.span());
            let span = self.cx.syn_span(span);
            self.starts.push((id, span, what.into(), fix.into()));
        }
        syn::visit::visit_expr_method_call(self, m);
    }
}
