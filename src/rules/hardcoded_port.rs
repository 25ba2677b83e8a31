//! `hardcoded-port`: a server listening on a literal port the environment cannot override.

use super::Rule;
use crate::classify::FileKind;
use crate::context::{Cx, Report};
use crate::finding::Span;
use crate::lang::gate::Words;
use crate::lang::web::{self, RustBindings};
use crate::lang::{python, rust::Uses};
use crate::parse::treesitter;
use syn::spanned::Spanned;
use syn::visit::Visit;
use tree_sitter::Node;

pub const RULE: Rule = Rule {
    id: "hardcoded-port",
    meta_source: include_str!("../../rules/hardcoded-port.toml"),
    kinds: &[
        FileKind::Python,
        FileKind::JavaScript,
        FileKind::TypeScript,
        FileKind::Tsx,
        FileKind::Rust,
    ],
    // Every form the rule reports has a server call naming one of these. `port` alone
    // would match every `import`, so only its assignment/key forms are listed.
    triggers: &[
        "listen",
        "serve",
        "bind",
        "server",
        "socketaddr",
        "run_app",
        ".run(",
        "port=",
        "port =",
        "port:",
        "\"port\"",
        "'port'",
    ],
    check,
};

fn check(cx: &Cx, out: &mut Report) {
    web::check_production_source(cx, out, python_rule, js_rule, rust_rule);
}

/// Reports the literal `lit` (with port `port`) used by the server call `call`. An empty
/// `what` means a literal listening address built outside any visible server call.
fn report(cx: &Cx, out: &mut Report, lit: Span, call: Span, what: &str, port: u16, fix: String) {
    const WHY: &str = "the platform cannot assign the port through the environment";
    let inside = lit.start >= call.start && lit.end <= call.end;
    let line = cx.file.pos(call.start).line;
    let message = match (what, inside) {
        ("", true) => format!("a literal listening address on every interface, port {port}: {WHY}"),
        ("", false) => format!(
            "the listening address on every interface built at line {line} uses this literal port {port}: {WHY}"
        ),
        (_, true) => format!("`{what}` listens on the literal port {port}: {WHY}"),
        (_, false) => format!("`{what}` at line {line} listens on this literal port {port}: {WHY}"),
    };
    out.add(lit, message).fix(fix);
}

// ---------------------------------------------------------------- Python

/// Calls that exist under a server-looking method name but start no server.
const PY_NOT_SERVERS: &[&str] = &[
    "asyncio.run",
    "asyncio.runners.run",
    "trio.run",
    "anyio.run",
    "curio.run",
];

/// Classes taking a `(host, port)` address as their first argument.
const PY_ADDRESS_SERVERS: &[&str] = &[
    "HTTPServer",
    "ThreadingHTTPServer",
    "TCPServer",
    "ThreadingTCPServer",
    "ForkingTCPServer",
    "UDPServer",
    "ThreadingUDPServer",
    "ForkingUDPServer",
    "SimpleXMLRPCServer",
    "DocXMLRPCServer",
    "WSGIServer",
];

fn py_fix(port: u16) -> String {
    format!(
        "read the port from the environment: `port = int(os.environ.get(\"PORT\", \"{port}\"))` and pass `port`"
    )
}

/// Server calls the rule reads positional arguments of.
static PY_POSITIONAL_SERVER_CALLS: Words =
    Words::new(&["make_server", "start_server", "create_server"]);
/// Calls the rule reads only in a file that imports the module beside them.
static PY_LISTEN: Words = Words::new(&["listen"]);
static PY_TORNADO: Words = Words::new(&["tornado"]);
static PY_BIND: Words = Words::new(&["bind"]);
static PY_SOCKET: Words = Words::new(&["socket"]);
static PY_ADDRESS_SERVER_CALLS: Words = Words::new(PY_ADDRESS_SERVERS);
static PY_SERVER_MODULES: Words = Words::new(&["uvicorn", "hypercorn"]);
static PY_PORT: Words = Words::new(&["port", "listen"]);
static PY_RUN: Words = Words::new(&["run"]);

/// The gate: every call the rule reports passes `port=` (or waitress's `listen=`), passes
/// `.run` a string literal first (`app.run("0.0.0.0", 5000)`), is one of
/// [`PY_POSITIONAL_SERVER_CALLS`] or [`PY_ADDRESS_SERVERS`] called, is tornado's `listen`
/// or a socket's `bind` in a file importing that module, or resolves into one of
/// [`PY_SERVER_MODULES`] (`uvicorn.Config` imported under another name).
fn python_may_serve(src: &str) -> bool {
    if !crate::lang::gate::enabled() {
        return true;
    }
    let bytes = src.as_bytes();
    let ident = |b: Option<&u8>| b.is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_');
    let whole = |start: usize, end: usize| {
        (start == 0 || !ident(bytes.get(start - 1))) && !ident(bytes.get(end))
    };
    let keyword = PY_PORT.find_iter(src).into_iter().any(|(start, end)| {
        let after = bytes[end..].trim_ascii_start();
        whole(start, end)
            && after.starts_with(b"=")
            && !after.starts_with(b"==")
            && python_argument_starts(bytes, start)
    });
    let run_with_literal = || {
        PY_RUN.find_iter(src).into_iter().any(|(start, end)| {
            let Some(args) = bytes[end..].trim_ascii_start().strip_prefix(b"(") else {
                return false;
            };
            let first = skip_python_comments(args);
            let prefix = first
                .iter()
                .take(3)
                .take_while(|b| b.is_ascii_alphabetic())
                .count();
            whole(start, end) && matches!(first.get(prefix), Some(b'"' | b'\''))
        })
    };
    keyword
        || run_with_literal()
        || PY_POSITIONAL_SERVER_CALLS.called_in(src)
        || (PY_LISTEN.called_in(src) && PY_TORNADO.any_in(src))
        || (PY_BIND.called_in(src) && PY_SOCKET.any_in(src))
        || PY_ADDRESS_SERVER_CALLS.called_in(src)
        || PY_SERVER_MODULES.any_in(src)
}

/// Whether what starts at `at` may be a call's argument rather than a statement: after
/// `(` or `,`, also across lines (a line with a comment is not read, so it counts).
fn python_argument_starts(bytes: &[u8], at: usize) -> bool {
    let mut before = &bytes[..at];
    loop {
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let line = &before[line_start..];
        if line.contains(&b'#') {
            return true;
        }
        match line.trim_ascii_end().last() {
            Some(b'(' | b',' | b'\\') => return true,
            Some(_) => return false,
            None if line_start == 0 => return false,
            None => before = &before[..line_start - 1],
        }
    }
}

/// `text` after its leading blanks, line breaks and `#` comments.
fn skip_python_comments(mut text: &[u8]) -> &[u8] {
    loop {
        text = text.trim_ascii_start();
        match text.strip_prefix(b"#") {
            Some(comment) => {
                text = comment
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(&[], |i| &comment[i..])
            }
            None => return text,
        }
    }
}

fn python_rule(cx: &Cx, out: &mut Report) {
    let src = cx.text();
    if !python_may_serve(src) {
        return;
    }
    let Some(_tree) = cx.tree() else { return };
    let imports = cx.py_imports();
    let nodes = cx.nodes();
    let b = cx.bindings();
    let tornado = imports.uses_module("tornado");
    let sockets = imports.uses_module("socket");
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
        let call = python::Call {
            node,
            callee: func,
            args: arglist,
        };
        let func_text = treesitter::text(func, src);
        let full = if is_dotted(func_text) {
            imports.resolve(func_text)
        } else {
            String::new()
        };
        let method = match func.kind() {
            "attribute" => func
                .child_by_field_name("attribute")
                .map_or("", |a| treesitter::text(a, src)),
            "identifier" => func_text,
            _ => continue,
        };
        if PY_NOT_SERVERS.contains(&full.as_str()) || full.starts_with("subprocess.") {
            continue;
        }
        let what = if full.is_empty() {
            format!(".{method}")
        } else {
            func_text.to_owned()
        };
        let call_span = treesitter::span(node);
        let positional = call.positional();
        let mut flag = |port_node: Node<'_>| {
            if let Some((lit, p)) = web::py_port_literal(port_node, src, b) {
                report(
                    cx,
                    out,
                    treesitter::span(lit),
                    call_span,
                    &what,
                    p,
                    py_fix(p),
                );
            }
        };
        let is_server_method = matches!(
            method,
            "run"
                | "run_app"
                | "run_server"
                | "serve"
                | "start_server"
                | "create_server"
                | "make_server"
        ) || full == "uvicorn.Config"
            || full == "hypercorn.config.Config";
        if is_server_method {
            if let Some((_, v)) = call.keyword("port", src) {
                flag(v);
            }
        }
        match method {
            // Flask/Sanic `app.run("0.0.0.0", 5000)`.
            "run"
                if func.kind() == "attribute"
                    && positional.len() >= 2
                    && treesitter::is_string(positional[0]) =>
            {
                flag(positional[1]);
            }
            "make_server" if positional.len() >= 2 => flag(positional[1]),
            "start_server" | "create_server" if positional.len() >= 3 => flag(positional[2]),
            "listen" if tornado => {
                if let Some(first) = positional.first() {
                    flag(*first);
                }
            }
            "bind" if sockets && func.kind() == "attribute" => {
                if let Some(t) = positional.first().filter(|t| t.kind() == "tuple") {
                    let items = web::args(*t);
                    if items.len() == 2 && treesitter::is_string(items[0]) {
                        flag(items[1]);
                    }
                }
            }
            m if PY_ADDRESS_SERVERS.contains(&m) => {
                let addr = positional
                    .first()
                    .copied()
                    .or_else(|| call.keyword("server_address", src).map(|(_, v)| v));
                let addr = match addr {
                    Some(a) if a.kind() == "identifier" => b.value(treesitter::text(a, src)),
                    a => a,
                };
                if let Some(t) = addr.filter(|t| t.kind() == "tuple") {
                    let items = web::args(t);
                    if items.len() == 2 {
                        flag(items[1]);
                    }
                }
            }
            _ => {}
        }
        // waitress `serve(app, listen="*:8080")`.
        if method == "serve" {
            if let Some((_, v)) = call.keyword("listen", src) {
                if let Some(s) = treesitter::string_value(v, src) {
                    if let Some(p) = s
                        .split_whitespace()
                        .find_map(|a| web::socket_addr(a).map(|x| x.1))
                    {
                        report(cx, out, treesitter::span(v), call_span, &what, p, py_fix(p));
                    }
                }
            }
        }
    }
}

fn is_dotted(text: &str) -> bool {
    !text.is_empty()
        && text
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'))
}

// ---------------------------------------------------------------- JavaScript / TypeScript

fn js_fix(recv: &str, port: u16) -> String {
    format!(
        "read the port from the environment: `const port = process.env.PORT ?? {port}; {recv}.listen(port)`"
    )
}

/// Calls taking `{ port }` options that start a server.
fn js_port_option_server(name: &str) -> bool {
    matches!(
        name,
        "Bun.serve"
            | "Deno.serve"
            | "Deno.listen"
            | "@hono/node-server.serve"
            | "ws.WebSocketServer"
            | "ws.Server"
            | "ws.default.Server"
            | "ws.default.WebSocketServer"
            | "socket.io.Server"
            | "json-server.create"
    )
}

static JS_LISTEN_CALLS: Words = Words::new(&["listen", "serve"]);
static JS_SET_CALL: Words = Words::new(&["set"]);
static JS_PORT: Words = Words::new(&["port"]);
/// The modules of [`js_port_option_server`], which may be imported under other names.
static JS_SERVER_MODULES: Words = Words::new(&[
    "@hono/node-server",
    "\"ws\"",
    "'ws'",
    "socket.io",
    "json-server",
]);

fn js_rule(cx: &Cx, out: &mut Report) {
    let src = cx.text();
    let may_serve = JS_LISTEN_CALLS.called_in(src)
        || JS_SERVER_MODULES.any_in(src)
        // `app.set("port", 3000)`: the key is a string literal.
        || (JS_SET_CALL.called_in(src) && JS_PORT.quoted_in(src));
    if !may_serve {
        return;
    }
    let (Some(_tree), Some(_lang)) = (cx.tree(), cx.lang()) else {
        return;
    };
    let b = cx.bindings();
    for l in cx.js_listens().iter().cloned() {
        let Some(first) = web::args(l.args).first().copied() else {
            continue;
        };
        let port = match web::js_object(first, src, b) {
            Some(obj) => web::js_property(obj, "port", src).map(|(_, v)| v),
            None => Some(first),
        };
        let Some((lit, p)) = port.and_then(|e| web::js_port_literal(e, src, b)) else {
            continue;
        };
        let recv = l
            .call
            .child_by_field_name("function")
            .and_then(|f| f.child_by_field_name("object"))
            .map(|o| treesitter::text(o, src))
            .filter(|t| t.len() <= 30 && !t.contains('\n'))
            .unwrap_or("server");
        report(
            cx,
            out,
            treesitter::span(lit),
            treesitter::span(l.call),
            &format!("{recv}.listen"),
            p,
            js_fix(recv, p),
        );
    }
    for (name, call) in cx.js_calls().iter().cloned() {
        let args = call.arguments();
        let callee = treesitter::text(call.callee, src);
        let call_span = treesitter::span(call.node);
        // Express `app.set("port", 3000)`.
        let sets_port = name.ends_with(".set")
            && args.len() == 2
            && treesitter::string_value(args[0], src).as_deref() == Some("port");
        if let Some((lit, p)) = sets_port
            .then(|| web::js_port_literal(args[1], src, b))
            .flatten()
        {
            let recv = callee.trim_end_matches(".set");
            out.add(
                treesitter::span(lit),
                format!("`{callee}(\"port\", {p})` fixes the port the app listens on: the platform cannot assign the port through the environment"),
            )
            .fix(format!("read the port from the environment: `{recv}.set(\"port\", process.env.PORT ?? {p})`"));
        }
        if js_port_option_server(&name) {
            let port = args
                .first()
                .and_then(|a| web::js_object(*a, src, b))
                .and_then(|o| web::js_property(o, "port", src));
            if let Some((lit, p)) = port.and_then(|(_, v)| web::js_port_literal(v, src, b)) {
                let shown = if call.is_new {
                    format!("new {callee}")
                } else {
                    callee.to_owned()
                };
                report(
                    cx,
                    out,
                    treesitter::span(lit),
                    call_span,
                    &shown,
                    p,
                    format!(
                        "read the port from the environment: `port: Number(process.env.PORT ?? {p})`"
                    ),
                );
            }
        }
    }
}

// ---------------------------------------------------------------- Rust

/// Every bind function and method below (`TcpListener::new` aside, all are `bind…`), and
/// every literal unspecified address, contains one of these; `run`/`listen` methods are
/// matched as calls.
static RUST_BIND_WORDS: Words = Words::new(&[
    "bind",
    "TcpListener",
    "SocketAddr",
    // A string literal `.parse()`d into an address on every interface.
    "0.0.0.0",
    "[::]",
]);
static RUST_BIND_CALLS: Words = Words::new(&["run", "listen"]);
/// The other unspecified addresses start a string: `":3000"`, `":::3000"`, `"*:3000"`.
static RUST_OPEN_ADDRESS: Words = Words::new(&["\":", "\"*:"]);

/// Whether the code (comments blanked) may bind a literal address: the rule's gate.
fn rust_may_bind(code: &str) -> bool {
    RUST_BIND_WORDS.any_in(code)
        || RUST_BIND_CALLS.called_in(code)
        || RUST_OPEN_ADDRESS
            .find_iter(code)
            .into_iter()
            .any(|(_, end)| matches!(code.as_bytes().get(end), Some(b'0'..=b'9' | b':')))
}

fn rust_rule(cx: &Cx, out: &mut Report) {
    if !rust_may_bind(cx.production_code()) {
        return;
    }
    let Some(file) = cx.rust() else { return };
    let uses = Uses::collect(file);
    let bindings = RustBindings::collect(file);
    let mut v = RustVisitor {
        cx,
        out,
        uses: &uses,
        b: &bindings,
        in_fallback: 0,
    };
    v.visit_file(file);
}

struct RustVisitor<'a, 'cx, 'r, 'ast> {
    cx: &'a Cx<'cx>,
    out: &'r mut Report,
    uses: &'a Uses,
    b: &'a RustBindings<'ast>,
    /// Inside the fallback of an environment read (`env::var(..).unwrap_or(…)`).
    in_fallback: usize,
}

/// Functions that bind a listening socket to their first argument.
fn rust_bind_fn(path: &str) -> bool {
    if path.starts_with("crate::") || path.starts_with("self::") || path.starts_with("super::") {
        return false; // a local type named like a library one
    }
    if path.starts_with("axum_server::bind") {
        return true;
    }
    let mut segs = path.rsplit("::");
    let f = segs.next().unwrap_or("");
    let ty = segs.next().unwrap_or("");
    matches!(
        (ty, f),
        ("TcpListener" | "UdpSocket" | "Server", "bind")
            | ("Server", "try_bind")
            | ("TcpListener", "new")
    )
}

/// Methods that bind a listening socket to their first argument.
fn rust_bind_method(name: &str) -> bool {
    (name.starts_with("bind") && name != "bind_uds")
        || matches!(name, "run" | "listen" | "try_bind_with_graceful_shutdown")
}

impl RustVisitor<'_, '_, '_, '_> {
    fn flag(&mut self, addr: web::RustAddr, call: proc_macro2::Span, what: &str) {
        let p = addr.port;
        let fix = format!(
            "read the port from the environment: `let port: u16 = std::env::var(\"PORT\").ok().and_then(|p| p.parse().ok()).unwrap_or({p});` and bind `(\"0.0.0.0\", port)`"
        );
        let lit = self.cx.syn_span(addr.span);
        let call = self.cx.syn_span(call);
        report(self.cx, self.out, lit, call, what, p, fix);
    }
}

impl<'ast> Visit<'ast> for RustVisitor<'_, '_, '_, '_> {
    crate::skip_rust_test_items!();

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*call.func {
            let path = self.uses.resolve(&p.path);
            let short: Vec<String> = p
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            let shown = short[short.len().saturating_sub(2)..].join("::");
            if rust_bind_fn(&path) {
                if let Some(addr) = call.args.first().and_then(|a| web::rust_addr(a, self.b)) {
                    self.flag(addr, call.span(), &shown);
                }
            } else if self.in_fallback == 0
                && matches!(
                    short.get(short.len().saturating_sub(2)).map(String::as_str),
                    Some("SocketAddr" | "SocketAddrV4" | "SocketAddrV6")
                )
            {
                // A literal address on every interface is a server's.
                if let Some(addr) = web::rust_call_addr(call, self.b).filter(|a| a.unspecified) {
                    self.flag(addr, call.span(), "");
                }
            }
        }
        syn::visit::visit_expr_call(self, call);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        if web::rust_is_env_fallback(m) {
            self.visit_expr(&m.receiver);
            self.in_fallback += 1;
            for a in &m.args {
                self.visit_expr(a);
            }
            self.in_fallback -= 1;
            return;
        }
        let name = m.method.to_string();
        if rust_bind_method(&name) && self.in_fallback == 0 {
            if let Some(addr) = m.args.first().and_then(|a| web::rust_addr(a, self.b)) {
                let span = m
                    .method
                    .span()
                    .join(m.paren_token.span.close())
                    .unwrap_or(m.method.span());
                self.flag(addr, span, &format!(".{name}"));
            }
        }
        if name == "parse" && self.in_fallback == 0 {
            if let syn::Expr::Lit(_) = &*m.receiver {
                if let Some(addr) = web::rust_addr(&m.receiver, self.b).filter(|a| a.unspecified) {
                    self.flag(addr, m.span(), "");
                }
            }
        }
        syn::visit::visit_expr_method_call(self, m);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn python_gate_sees_every_server_call_form() {
        use super::python_may_serve;
        for text in [
            "uvicorn.run(app, port=8000)",
            "uvicorn.run(\n    app,\n\n    port=8000)",
            "uvicorn.run(app,  # the app\n    port=8000)",
            "web.run_app(app, host='0.0.0.0', \\\n port=8080)",
            "app.run(host='0.0.0.0', port = 5000)",
            "app.run('0.0.0.0', 5000)",
            "app.run(\n    # where\n    r\"0.0.0.0\", 5000)",
            "serve(app, listen='*:8080')",
            "make_server('', 8000, app)",
            "loop.create_server(Proto, '0.0.0.0', 9000)",
            "import tornado.web\napp.listen(8888)",
            "import socket\ns.bind(('0.0.0.0', 80))",
            "HTTPServer(('', 8000), Handler)",
            "from uvicorn import Config as C\nC(app, 8000)",
        ] {
            assert!(python_may_serve(text), "{text}");
        }
        for text in [
            "subprocess.run(['ls'], check=True)",
            "asyncio.run(main())",
            "self.run(args)",
            "db.event.listen(db.session, 'before_commit', f)",
            "self.url_map.bind(server_name)",
            "if port == 80: pass",
            "port = 5000\nrun_simple(host, port, app)",
            "if x:\n    port = int(port)\n",
            "report = 1; passport=2",
        ] {
            assert!(!python_may_serve(text), "{text}");
        }
    }

    #[test]
    fn bind_functions() {
        use super::rust_bind_fn;
        assert!(rust_bind_fn("tokio::net::TcpListener::bind"));
        assert!(rust_bind_fn("std::net::TcpListener::bind"));
        assert!(rust_bind_fn("axum::Server::bind"));
        assert!(rust_bind_fn("axum_server::bind"));
        assert!(!rust_bind_fn("crate::net::TcpListener::bind"));
        assert!(!rust_bind_fn("sqlx::query"));
    }
}
