//! What the process rules (VI, VII, IX, X, XII) need to know about web applications in
//! Python and JavaScript/TypeScript sources: which names are bound to which literal, which
//! `.listen(…)` calls start a server, literal ports and socket addresses, and whether a
//! file handles SIGTERM.

use crate::lang::js;
use crate::parse::treesitter;
use std::collections::HashMap;
use tree_sitter::Node;

/// Methods for a `syn::visit::Visit` impl that skip `#[test]` functions and
/// `#[cfg(test)]` modules (the rules that use it judge production code only).
#[macro_export]
macro_rules! skip_rust_test_items {
    () => {
        fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
            if !$crate::lang::web::rust_is_test(&m.attrs) {
                syn::visit::visit_item_mod(self, m);
            }
        }

        fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
            if !$crate::lang::web::rust_is_test(&f.attrs) {
                syn::visit::visit_item_fn(self, f);
            }
        }
    };
}

/// A rule check over one language's syntax.
pub type LanguageCheck = fn(&crate::context::Cx, &mut crate::context::Report);

/// The dispatch of the server rules that judge production code only: test files are
/// skipped, then the file's language picks the check.
pub fn check_production_source(
    cx: &crate::context::Cx,
    out: &mut crate::context::Report,
    python: LanguageCheck,
    js: LanguageCheck,
    rust: LanguageCheck,
) {
    if is_test_path(&cx.file.rel_path) {
        return;
    }
    match cx.kind() {
        crate::classify::FileKind::Python => python(cx, out),
        crate::classify::FileKind::Rust => rust(cx, out),
        k if k.is_js_like() => js(cx, out),
        _ => {}
    }
}

/// Every node under `root` (anonymous ones included) in pre-order, without recursion.
pub fn preorder(root: Node<'_>) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    let mut cursor = root.walk();
    loop {
        out.push(cursor.node());
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return out;
            }
        }
    }
}

/// The JavaScript method calls `receiver.method(…)` among `nodes`, as
/// (call, receiver, method name).
pub fn js_method_calls<'t, 'n>(
    nodes: &'n [Node<'t>],
) -> impl Iterator<Item = (Node<'t>, Node<'t>, Node<'t>)> + 'n {
    nodes
        .iter()
        .filter(|n| n.kind() == "call_expression")
        .filter_map(|&n| {
            let func = n
                .child_by_field_name("function")
                .filter(|f| f.kind() == "member_expression")?;
            Some((
                n,
                func.child_by_field_name("object")?,
                func.child_by_field_name("property")?,
            ))
        })
}

/// Named children, comments left out.
pub fn args(list: Node<'_>) -> Vec<Node<'_>> {
    treesitter::named_children(list)
}

/// The nearest ancestor of one of `kinds` (at most 200 levels up).
pub fn ancestor<'t>(node: Node<'t>, kinds: &[&str]) -> Option<Node<'t>> {
    let mut cur = node.parent();
    for _ in 0..200 {
        let n = cur?;
        if kinds.contains(&n.kind()) {
            return Some(n);
        }
        cur = n.parent();
    }
    None
}

/// Test code (`tests/`, `__tests__/`, `*.test.js`, `*_test.py`, `test_*.py`, `conftest.py`):
/// it starts throwaway servers that are not the deployed process.
pub fn is_test_path(rel: &str) -> bool {
    let lower = rel.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let stem = name.split('.').next().unwrap_or(name);
    lower
        .split('/')
        .rev()
        .skip(1)
        .any(|d| matches!(d, "test" | "tests" | "__tests__" | "spec" | "e2e"))
        || name.contains(".test.")
        || name.contains(".spec.")
        || stem.starts_with("test_")
        || stem.ends_with("_test")
        || stem == "conftest"
}

/// A TCP port written as a number: `3000`, `"8080"`, `3_000`. Port 0 (an ephemeral port
/// chosen by the OS) is not a hard-coded port.
pub fn port_number(text: &str) -> Option<u16> {
    let digits: String = text.chars().filter(|&c| c != '_').collect();
    if digits.is_empty() || digits.len() > 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u16>().ok().filter(|&p| p != 0)
}

/// A literal socket address `host:port` (`0.0.0.0:8080`, `[::]:3000`, `localhost:80`,
/// `:8000`, `*:8080`); not a URL.
pub fn socket_addr(text: &str) -> Option<(&str, u16)> {
    let (host, port) = text.rsplit_once(':')?;
    let port = port_number(port)?;
    let ok_host = if let Some(inner) = host.strip_prefix('[') {
        inner
            .strip_suffix(']')
            .is_some_and(|h| h.chars().all(|c| c.is_ascii_hexdigit() || c == ':'))
    } else {
        host.is_empty()
            || host == "*"
            || host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    };
    ok_host.then_some((host, port))
}

/// Whether a host means "every interface", which only a server binds to.
pub fn is_unspecified_host(host: &str) -> bool {
    matches!(host, "" | "*" | "0.0.0.0" | "[::]" | "::")
}

/// Local names bound to values in one file, to follow `PORT = 8000; app.run(port=PORT)`.
/// A name bound more than once, or bound by anything but a plain assignment (a parameter,
/// a loop variable, `+=`), has no known value.
#[derive(Default)]
pub struct Bindings<'t> {
    map: HashMap<String, Vec<Option<Node<'t>>>>,
}

impl<'t> Bindings<'t> {
    fn bind(&mut self, name: &str, value: Option<Node<'t>>) {
        self.map.entry(name.to_owned()).or_default().push(value);
    }

    fn bind_all(&mut self, pattern: Node<'t>, src: &str) {
        for n in preorder(pattern) {
            if matches!(
                n.kind(),
                "identifier" | "shorthand_property_identifier_pattern"
            ) {
                self.bind(treesitter::text(n, src), None);
            }
        }
    }

    /// The single value `name` is bound to in this file, if there is exactly one.
    pub fn value(&self, name: &str) -> Option<Node<'t>> {
        match self.map.get(name)?.as_slice() {
            [Some(v)] => Some(*v),
            _ => None,
        }
    }

    pub fn python(nodes: &[Node<'t>], src: &str) -> Bindings<'t> {
        let mut b = Bindings::default();
        for &n in nodes {
            match n.kind() {
                "assignment" => {
                    let Some(left) = n.child_by_field_name("left") else {
                        continue;
                    };
                    match left.kind() {
                        "identifier" => {
                            b.bind(treesitter::text(left, src), n.child_by_field_name("right"))
                        }
                        "attribute" | "subscript" => {}
                        _ => b.bind_all(left, src),
                    }
                }
                "named_expression" => {
                    if let Some(name) = n.child_by_field_name("name") {
                        b.bind(treesitter::text(name, src), n.child_by_field_name("value"));
                    }
                }
                "augmented_assignment" | "for_statement" | "for_in_clause" => {
                    if let Some(left) = n.child_by_field_name("left") {
                        if left.kind() != "attribute" && left.kind() != "subscript" {
                            b.bind_all(left, src);
                        }
                    }
                }
                "as_pattern_target" => b.bind_all(n, src),
                "parameters" | "lambda_parameters" => {
                    for p in args(n) {
                        let name = match p.kind() {
                            "identifier" => Some(p),
                            "default_parameter" | "typed_default_parameter" => {
                                p.child_by_field_name("name")
                            }
                            _ => {
                                let mut c = p.walk();
                                p.named_children(&mut c).find(|c| c.kind() == "identifier")
                            }
                        };
                        if let Some(name) = name {
                            b.bind(treesitter::text(name, src), None);
                        }
                    }
                }
                _ => {}
            }
        }
        b
    }

    pub fn js(nodes: &[Node<'t>], src: &str) -> Bindings<'t> {
        let mut b = Bindings::default();
        for &n in nodes {
            match n.kind() {
                "variable_declarator" => {
                    let Some(name) = n.child_by_field_name("name") else {
                        continue;
                    };
                    if name.kind() == "identifier" {
                        b.bind(treesitter::text(name, src), n.child_by_field_name("value"));
                    } else {
                        b.bind_all(name, src);
                    }
                }
                "assignment_expression" => {
                    if let Some(left) = n.child_by_field_name("left") {
                        if left.kind() == "identifier" {
                            b.bind(treesitter::text(left, src), n.child_by_field_name("right"));
                        }
                    }
                }
                "augmented_assignment_expression" => {
                    if let Some(left) = n.child_by_field_name("left") {
                        if left.kind() == "identifier" {
                            b.bind(treesitter::text(left, src), None);
                        }
                    }
                }
                "update_expression" => {
                    if let Some(arg) = n.child_by_field_name("argument") {
                        if arg.kind() == "identifier" {
                            b.bind(treesitter::text(arg, src), None);
                        }
                    }
                }
                "formal_parameters" => {
                    for p in args(n) {
                        let mut pat = p.child_by_field_name("pattern").unwrap_or(p);
                        if pat.kind() == "assignment_pattern" {
                            pat = pat.child_by_field_name("left").unwrap_or(pat);
                        }
                        b.bind_all(pat, src);
                    }
                }
                "for_in_statement" => {
                    if let Some(left) = n.child_by_field_name("left") {
                        b.bind_all(left, src);
                    }
                }
                _ => {}
            }
        }
        b
    }
}

/// Strips parentheses and TypeScript `as`/`satisfies`/`!` wrappers.
pub fn js_strip(mut node: Node<'_>) -> Node<'_> {
    for _ in 0..16 {
        match node.kind() {
            "parenthesized_expression"
            | "as_expression"
            | "satisfies_expression"
            | "non_null_expression"
            | "await_expression" => match node.named_child(0) {
                Some(inner) => node = inner,
                None => break,
            },
            _ => break,
        }
    }
    node
}

/// The literal a port expression comes down to — `3000`, `"3000"`, or a name bound once
/// to one of them — with the port. Anything read at run time yields `None`.
pub fn js_port_literal<'t>(node: Node<'t>, src: &str, b: &Bindings<'t>) -> Option<(Node<'t>, u16)> {
    let mut node = js_strip(node);
    for _ in 0..6 {
        match node.kind() {
            "number" => return port_number(treesitter::text(node, src)).map(|p| (node, p)),
            "string" | "template_string" => {
                let v = treesitter::string_value(node, src)?;
                return port_number(&v).map(|p| (node, p));
            }
            "identifier" => node = js_strip(b.value(treesitter::text(node, src))?),
            _ => return None,
        }
    }
    None
}

/// Like [`js_port_literal`] for Python: `8000`, `"8000"`, or a name bound once to one.
pub fn py_port_literal<'t>(node: Node<'t>, src: &str, b: &Bindings<'t>) -> Option<(Node<'t>, u16)> {
    let mut node = node;
    for _ in 0..6 {
        match node.kind() {
            "integer" => return port_number(treesitter::text(node, src)).map(|p| (node, p)),
            "string" => {
                let v = treesitter::string_value(node, src)?;
                return port_number(&v).map(|p| (node, p));
            }
            "parenthesized_expression" => node = node.named_child(0)?,
            "identifier" => node = b.value(treesitter::text(node, src))?,
            _ => return None,
        }
    }
    None
}

/// The literal `True` an expression comes down to (`True`, or a name bound once to it).
pub fn py_true_literal<'t>(node: Node<'t>, src: &str, b: &Bindings<'t>) -> Option<Node<'t>> {
    let mut node = node;
    for _ in 0..6 {
        match node.kind() {
            "true" => return Some(node),
            "identifier" => node = b.value(treesitter::text(node, src))?,
            _ => return None,
        }
    }
    None
}

/// Whether a Python node runs at import time: not inside a function, lambda or class.
pub fn py_module_level(node: Node<'_>) -> bool {
    ancestor(node, &["function_definition", "lambda", "class_definition"]).is_none()
}

/// The enclosing `def`, if any.
pub fn py_enclosing_function(node: Node<'_>) -> Option<Node<'_>> {
    ancestor(node, &["function_definition"])
}

/// Whether a node sits under `if __name__ == "__main__":`.
pub fn py_in_main_guard(node: Node<'_>, src: &str) -> bool {
    let mut cur = node.parent();
    for _ in 0..200 {
        let Some(n) = cur else { return false };
        if n.kind() == "if_statement" {
            if let Some(c) = n.child_by_field_name("condition") {
                let t = treesitter::text(c, src);
                if t.contains("__name__") && t.contains("__main__") {
                    return true;
                }
            }
        }
        cur = n.parent();
    }
    false
}

/// Word parts of a path, lower-cased (`settings/dev_local.py` → `settings`, `dev`,
/// `local`, `py`; `Dockerfile.dev` → `dockerfile`, `dev`).
pub fn path_words(rel: &str) -> Vec<String> {
    rel.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A file made for development or tests only (`settings/dev.py`, `local_settings.py`,
/// `Dockerfile.dev`, `test_settings.py`).
pub fn is_dev_path(rel: &str) -> bool {
    path_words(rel).iter().any(|w| {
        matches!(
            w.as_str(),
            "dev" | "development" | "local" | "test" | "tests" | "testing" | "debug" | "ci"
        )
    })
}

/// The value of property `key` of a JS object literal, shorthand (`{ dest }`) included:
/// (the pair or shorthand node, the value node).
pub fn js_property<'t>(object: Node<'t>, key: &str, src: &str) -> Option<(Node<'t>, Node<'t>)> {
    if object.kind() != "object" {
        return None;
    }
    for child in args(object) {
        if child.kind() == "shorthand_property_identifier" && treesitter::text(child, src) == key {
            return Some((child, child));
        }
    }
    js::property(object, key, src)
}

/// Whether a JS object literal has a spread (`{ ...base }`): its keys are then unknown.
pub fn js_has_spread(object: Node<'_>) -> bool {
    args(object).iter().any(|c| c.kind() == "spread_element")
}

/// The object literal an argument comes down to: the literal itself, or a name bound once
/// to one.
pub fn js_object<'t>(node: Node<'t>, src: &str, b: &Bindings<'t>) -> Option<Node<'t>> {
    let mut node = js_strip(node);
    for _ in 0..4 {
        match node.kind() {
            "object" => return Some(node),
            "identifier" => node = js_strip(b.value(treesitter::text(node, src))?),
            _ => return None,
        }
    }
    None
}

/// Modules whose import makes a file a Node server entry point.
const JS_SERVER_MODULES: &[&str] = &[
    "express",
    "http",
    "https",
    "http2",
    "net",
    "node:http",
    "node:https",
    "node:http2",
    "node:net",
    "fastify",
    "koa",
    "@hapi/hapi",
    "restify",
    "polka",
    "connect",
    "socket.io",
    "@nestjs/core",
    "@feathersjs/express",
    "json-server",
    "@tinyhttp/app",
    "express-ws",
];

/// Callees (resolved through imports) that create a server or an app that listens.
fn js_is_server_factory(name: &str) -> bool {
    name.ends_with("createServer")
        || name.ends_with("createSecureServer")
        || matches!(
            name,
            "express"
                | "express.default"
                | "fastify"
                | "fastify.default"
                | "fastify.fastify"
                | "koa"
                | "koa.default"
                | "polka"
                | "connect"
                | "restify.createServer"
                | "@hapi/hapi.server"
                | "@hapi/hapi.Server"
                | "@nestjs/core.NestFactory.create"
                | "@feathersjs/express"
                | "json-server.create"
                | "@tinyhttp/app.App"
                | "socket.io"
                | "socket.io.Server"
        )
}

/// A `.listen(…)` call that starts a server.
#[derive(Clone, Copy)]
pub struct Listen<'t> {
    pub call: Node<'t>,
    /// The `listen` property: findings span from it to the end of the call.
    pub method: Node<'t>,
    pub args: Node<'t>,
}

impl Listen<'_> {
    pub fn span(&self) -> crate::finding::Span {
        crate::finding::Span::new(self.method.start_byte(), self.call.end_byte())
    }
}

/// Server `.listen(…)` calls: the receiver is a server or app (`express()`,
/// `http.createServer(…)`, `new Koa()`, `await NestFactory.create(…)`, directly or through
/// a variable), or the file imports a server framework, or the first argument looks like
/// a port. `history.listen(fn)` and Angular's `renderer.listen("window", …)` are not.
pub fn js_listens<'t>(
    nodes: &[Node<'t>],
    src: &str,
    imports: &js::Imports,
    b: &Bindings<'t>,
) -> Vec<Listen<'t>> {
    let server_file = JS_SERVER_MODULES.iter().any(|m| imports.uses_module(m));
    let mut out = Vec::new();
    for &n in nodes {
        if n.kind() != "call_expression" {
            continue;
        }
        let (Some(func), Some(arglist)) = (
            n.child_by_field_name("function"),
            n.child_by_field_name("arguments"),
        ) else {
            continue;
        };
        if func.kind() != "member_expression" {
            continue;
        }
        let (Some(object), Some(method)) = (
            func.child_by_field_name("object"),
            func.child_by_field_name("property"),
        ) else {
            continue;
        };
        if treesitter::text(method, src) != "listen" {
            continue;
        }
        let list = args(arglist);
        if list.first().is_some_and(|a| {
            matches!(
                a.kind(),
                "arrow_function" | "function_expression" | "function"
            )
        }) {
            continue;
        }
        let is_server = js_is_server_expr(object, src, imports, b)
            || server_file
            || list.first().is_some_and(|a| js_port_like(*a, src, 0));
        if is_server {
            out.push(Listen {
                call: n,
                method,
                args: arglist,
            });
        }
    }
    out
}

fn js_is_server_expr<'t>(
    node: Node<'t>,
    src: &str,
    imports: &js::Imports,
    b: &Bindings<'t>,
) -> bool {
    let mut node = js_strip(node);
    for _ in 0..6 {
        match node.kind() {
            "call_expression" | "new_expression" => {
                let callee = node
                    .child_by_field_name("function")
                    .or_else(|| node.child_by_field_name("constructor"));
                return callee.is_some_and(|c| {
                    js_is_server_factory(&imports.resolve(treesitter::text(c, src)))
                });
            }
            "identifier" => match b.value(treesitter::text(node, src)) {
                Some(v) => node = js_strip(v),
                None => return false,
            },
            _ => return false,
        }
    }
    false
}

/// An expression that reads like a port: a number, `PORT`, `config.port`,
/// `process.env.X`, `{ port: … }`, `a || b` of those.
fn js_port_like(node: Node<'_>, src: &str, depth: usize) -> bool {
    if depth > 8 {
        return false;
    }
    let node = js_strip(node);
    let text = treesitter::text(node, src);
    match node.kind() {
        "number" => true,
        "string" | "template_string" => {
            treesitter::string_value(node, src).is_some_and(|v| port_number(&v).is_some())
        }
        "identifier" | "member_expression" | "subscript_expression" => {
            text.to_ascii_lowercase().contains("port") || text.starts_with("process.env")
        }
        "binary_expression" => ["left", "right"].iter().any(|f| {
            node.child_by_field_name(f)
                .is_some_and(|c| js_port_like(c, src, depth + 1))
        }),
        "call_expression" => node
            .child_by_field_name("arguments")
            .and_then(|a| args(a).first().copied())
            .is_some_and(|a| js_port_like(a, src, depth + 1)),
        "object" => js_property(node, "port", src).is_some(),
        _ => false,
    }
}

/// Libraries that install SIGTERM handling for a Node server.
const JS_SHUTDOWN_MODULES: &[&str] = &[
    "@godaddy/terminus",
    "http-terminator",
    "lightship",
    "close-with-grace",
    "fastify-graceful-shutdown",
    "http-graceful-shutdown",
    "exit-hook",
    "async-exit-hook",
    "signal-exit",
    "death",
    "node-graceful-shutdown",
    "@moebius/http-graceful-shutdown",
];

/// Whether a Node file handles termination: `process.on("SIGTERM"|"SIGINT", …)` (or
/// `once`, `addListener`, …; a signal name in a variable counts when the file names one),
/// `Deno.addSignalListener`, NestJS `enableShutdownHooks()`, or a graceful-shutdown library.
pub fn js_handles_shutdown(nodes: &[Node<'_>], src: &str, imports: &js::Imports) -> bool {
    if JS_SHUTDOWN_MODULES.iter().any(|m| imports.uses_module(m)) {
        return true;
    }
    let is_signal = |s: &str| matches!(s, "SIGTERM" | "SIGINT");
    let mut dynamic = false;
    let mut names_signal = false;
    for &n in nodes {
        match n.kind() {
            "string" if treesitter::string_value(n, src).is_some_and(|v| is_signal(&v)) => {
                names_signal = true;
            }
            "call_expression" => {
                let Some(func) = n.child_by_field_name("function") else {
                    continue;
                };
                let callee = treesitter::text(func, src);
                let (recv, method) = callee.rsplit_once('.').unwrap_or(("", callee));
                if method == "enableShutdownHooks" {
                    return true;
                }
                let listens = (recv == "process"
                    || recv == "node:process"
                    || recv == "globalThis.process")
                    && matches!(
                        method,
                        "on" | "once" | "addListener" | "prependListener" | "prependOnceListener"
                    );
                let deno = callee == "Deno.addSignalListener";
                if !(listens || deno) {
                    continue;
                }
                let first = n
                    .child_by_field_name("arguments")
                    .and_then(|a| args(a).first().copied());
                match first.map(|f| (f, treesitter::string_value(f, src))) {
                    Some((_, Some(v))) if is_signal(&v) => return true,
                    Some((f, None)) if f.kind() != "string" => dynamic = true,
                    _ => {}
                }
            }
            _ => {}
        }
    }
    dynamic && names_signal
}

// ---------------------------------------------------------------- Rust

/// Names bound by `let`, `const` and `static` in a Rust file; as for [`Bindings`], a name
/// bound more than once (or by a parameter or pattern) has no known value.
#[derive(Default)]
pub struct RustBindings<'ast> {
    map: HashMap<String, Vec<Option<&'ast syn::Expr>>>,
}

impl<'ast> RustBindings<'ast> {
    pub fn collect(file: &'ast syn::File) -> RustBindings<'ast> {
        let mut b = RustBindings::default();
        syn::visit::Visit::visit_file(&mut b, file);
        b
    }

    pub fn value(&self, name: &str) -> Option<&'ast syn::Expr> {
        match self.map.get(name)?.as_slice() {
            [Some(v)] => Some(*v),
            _ => None,
        }
    }

    fn bind(&mut self, name: String, value: Option<&'ast syn::Expr>) {
        self.map.entry(name).or_default().push(value);
    }
}

impl<'ast> syn::visit::Visit<'ast> for RustBindings<'ast> {
    fn visit_local(&mut self, local: &'ast syn::Local) {
        let mut pat = &local.pat;
        if let syn::Pat::Type(t) = pat {
            pat = &t.pat;
        }
        match (pat, &local.init) {
            (syn::Pat::Ident(id), Some(init)) if id.subpat.is_none() => {
                self.bind(id.ident.to_string(), Some(&init.expr));
                syn::visit::visit_expr(self, &init.expr);
                if let Some((_, e)) = &init.diverge {
                    syn::visit::visit_expr(self, e);
                }
            }
            _ => syn::visit::visit_local(self, local),
        }
    }

    fn visit_item_const(&mut self, item: &'ast syn::ItemConst) {
        self.bind(item.ident.to_string(), Some(&item.expr));
        syn::visit::visit_item_const(self, item);
    }

    fn visit_item_static(&mut self, item: &'ast syn::ItemStatic) {
        self.bind(item.ident.to_string(), Some(&item.expr));
        syn::visit::visit_item_static(self, item);
    }

    fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
        self.bind(p.ident.to_string(), None);
        syn::visit::visit_pat_ident(self, p);
    }
}

/// Test code in a Rust file: `#[test]`, `#[tokio::test]`, `#[cfg(test)]` items. Their
/// servers and addresses are throwaway fixtures, not the deployed process.
pub fn rust_is_test(attrs: &[syn::Attribute]) -> bool {
    use quote::ToTokens;
    attrs.iter().any(|a| {
        let path = a.path();
        if path.segments.last().is_some_and(|s| s.ident == "test") {
            return true;
        }
        path.is_ident("cfg") && {
            let t = a.meta.to_token_stream().to_string();
            t.contains("test") && !t.contains("not (test")
        }
    })
}

/// Looks through `&x`, `(x)`, `x?`, `x.await`, `x.unwrap()`, `x.expect(…)`, `x.into()`.
pub fn rust_strip(mut e: &syn::Expr) -> &syn::Expr {
    for _ in 0..16 {
        e = match e {
            syn::Expr::Reference(r) => &r.expr,
            syn::Expr::Paren(p) => &p.expr,
            syn::Expr::Group(g) => &g.expr,
            syn::Expr::Try(t) => &t.expr,
            syn::Expr::Await(a) => &a.base,
            syn::Expr::MethodCall(m)
                if matches!(
                    m.method.to_string().as_str(),
                    "unwrap" | "expect" | "into" | "to_string" | "to_owned"
                ) =>
            {
                &m.receiver
            }
            _ => return e,
        };
    }
    e
}

/// A single-segment path expression's name (`addr`, `PORT`).
pub fn rust_ident(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
            Some(p.path.segments[0].ident.to_string())
        }
        _ => None,
    }
}

/// A literal port in Rust source: the literal's span and value.
pub fn rust_port_literal(e: &syn::Expr, b: &RustBindings<'_>) -> Option<(proc_macro2::Span, u16)> {
    let mut e = rust_strip(e);
    for _ in 0..6 {
        match e {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(i),
                ..
            }) => {
                return port_number(i.base10_digits()).map(|p| (i.span(), p));
            }
            syn::Expr::Cast(c) => e = rust_strip(&c.expr),
            _ => e = rust_strip(b.value(&rust_ident(e)?)?),
        }
    }
    None
}

/// A literal socket address: where it is written, its port, and whether it binds every
/// interface (only servers do).
#[derive(Debug, Clone, Copy)]
pub struct RustAddr {
    pub span: proc_macro2::Span,
    pub port: u16,
    pub unspecified: bool,
}

/// The literal socket address an expression comes down to: `"0.0.0.0:8080"`,
/// `("127.0.0.1", 8080)`, `([0, 0, 0, 0], 3000)`, `"…".parse()`,
/// `SocketAddr::from((…))`, `SocketAddr::new(ip, 3000)`, or a name bound once to one.
pub fn rust_addr(e: &syn::Expr, b: &RustBindings<'_>) -> Option<RustAddr> {
    rust_addr_at(e, b, 0)
}

fn rust_addr_at(e: &syn::Expr, b: &RustBindings<'_>, depth: usize) -> Option<RustAddr> {
    if depth > 8 {
        return None;
    }
    let e = rust_strip(e);
    match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => {
            let v = s.value();
            let (host, port) = socket_addr(&v)?;
            Some(RustAddr {
                span: s.span(),
                port,
                unspecified: is_unspecified_host(host),
            })
        }
        syn::Expr::Tuple(t) if t.elems.len() == 2 => {
            let (span, port) = rust_port_literal(&t.elems[1], b)?;
            Some(RustAddr {
                span,
                port,
                unspecified: rust_unspecified_ip(&t.elems[0]),
            })
        }
        syn::Expr::MethodCall(m) if m.method == "parse" => rust_addr_at(&m.receiver, b, depth + 1),
        syn::Expr::Call(c) => rust_call_addr_at(c, b, depth),
        _ => rust_addr_at(b.value(&rust_ident(e)?)?, b, depth + 1),
    }
}

/// [`rust_addr`] of a `SocketAddr::from(…)` / `SocketAddr::new(…)` call.
pub fn rust_call_addr(c: &syn::ExprCall, b: &RustBindings<'_>) -> Option<RustAddr> {
    rust_call_addr_at(c, b, 0)
}

fn rust_call_addr_at(c: &syn::ExprCall, b: &RustBindings<'_>, depth: usize) -> Option<RustAddr> {
    let syn::Expr::Path(p) = &*c.func else {
        return None;
    };
    let segs: Vec<String> = p
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    let n = segs.len();
    let ty = segs
        .get(n.wrapping_sub(2))
        .map(String::as_str)
        .unwrap_or("");
    let f = segs.last().map(String::as_str).unwrap_or("");
    if !matches!(ty, "SocketAddr" | "SocketAddrV4" | "SocketAddrV6") {
        return None;
    }
    match (f, c.args.len()) {
        ("from", 1) => rust_addr_at(&c.args[0], b, depth + 1),
        ("new", 2..=4) => {
            let (span, port) = rust_port_literal(&c.args[1], b)?;
            Some(RustAddr {
                span,
                port,
                unspecified: rust_unspecified_ip(&c.args[0]),
            })
        }
        _ => None,
    }
}

/// `"0.0.0.0"`, `[0, 0, 0, 0]`, `Ipv4Addr::UNSPECIFIED`, `IpAddr::V4(Ipv4Addr::UNSPECIFIED)`.
fn rust_unspecified_ip(e: &syn::Expr) -> bool {
    use quote::ToTokens;
    let e = rust_strip(e);
    match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => is_unspecified_host(&s.value()),
        syn::Expr::Array(a) => a.elems.iter().all(|x| {
            matches!(x, syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(i), .. }) if i.base10_digits() == "0")
        }),
        _ => e.to_token_stream().to_string().contains("UNSPECIFIED"),
    }
}

/// Whether a method call supplies the fallback of an environment read
/// (`env::var("PORT").unwrap_or(…)`, `….unwrap_or_else(|_| …)`): its literals are defaults
/// the environment overrides.
pub fn rust_is_env_fallback(m: &syn::ExprMethodCall) -> bool {
    use quote::ToTokens;
    if !matches!(
        m.method.to_string().as_str(),
        "unwrap_or" | "unwrap_or_else" | "or" | "or_else" | "map_or" | "map_or_else"
    ) {
        return false;
    }
    let recv = m.receiver.to_token_stream().to_string();
    recv.contains("var (") || recv.contains("var_os (") || recv.contains("env ::")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::treesitter::{Lang, parse};

    #[test]
    fn ports_and_addresses() {
        assert_eq!(port_number("3000"), Some(3000));
        assert_eq!(port_number("3_000"), Some(3000));
        assert_eq!(port_number("0"), None);
        assert_eq!(port_number("70000"), None);
        assert_eq!(port_number("PORT"), None);
        assert_eq!(socket_addr("0.0.0.0:8080"), Some(("0.0.0.0", 8080)));
        assert_eq!(socket_addr("[::]:3000"), Some(("[::]", 3000)));
        assert_eq!(socket_addr(":8000"), Some(("", 8000)));
        // dozen: ignore[hardcoded-service-url] (input to a parser test)
        assert_eq!(socket_addr("redis://localhost:6379"), None);
        assert_eq!(socket_addr("0.0.0.0:0"), None);
        assert_eq!(socket_addr("a b:80"), None);
    }

    #[test]
    fn js_bindings_follow_single_literals() {
        let src = "const PORT = 3000;\nlet p = process.env.PORT || 3000;\nlet q = 1; q = 2;\nfunction f(port = 8080) {}\napp.listen(PORT);\n";
        let tree = parse(Lang::JavaScript, src).unwrap();
        let nodes = preorder(tree.root_node());
        let b = Bindings::js(&nodes, src);
        assert!(b.value("PORT").is_some());
        assert_eq!(b.value("p").map(|n| n.kind()), Some("binary_expression"));
        assert!(b.value("q").is_none());
        assert!(b.value("port").is_none());
        let imports = js::Imports::collect(Lang::JavaScript, &tree, src);
        let l = js_listens(&nodes, src, &imports, &b);
        assert_eq!(l.len(), 1);
        let first = args(l[0].args)[0];
        assert_eq!(js_port_literal(first, src, &b).map(|(_, p)| p), Some(3000));
    }

    #[test]
    fn js_listen_is_not_every_listen() {
        let src = "history.listen((loc) => {});\nthis.renderer.listen('window', 'click', () => {});\nemitter.listen();\n";
        let tree = parse(Lang::TypeScript, src).unwrap();
        let nodes = preorder(tree.root_node());
        let b = Bindings::js(&nodes, src);
        let imports = js::Imports::collect(Lang::TypeScript, &tree, src);
        assert!(js_listens(&nodes, src, &imports, &b).is_empty());
    }

    #[test]
    fn python_bindings() {
        let src = "PORT = 8000\nport = int(os.environ.get('PORT', 5000))\nfor x in y: pass\nx = 1\ndef f(a, b=2, *c, d: int = 3): pass\nb = 4\n";
        let tree = parse(Lang::Python, src).unwrap();
        let nodes = preorder(tree.root_node());
        let b = Bindings::python(&nodes, src);
        assert_eq!(b.value("PORT").map(|n| n.kind()), Some("integer"));
        assert_eq!(b.value("port").map(|n| n.kind()), Some("call"));
        assert!(b.value("x").is_none());
        assert!(b.value("b").is_none());
        assert!(b.value("d").is_none());
    }

    #[test]
    fn rust_addresses() {
        let file: syn::File = syn::parse_str(
            r#"
const PORT: u16 = 8080;
fn main() {
    let a = "0.0.0.0:3000".parse::<SocketAddr>().unwrap();
    let b = SocketAddr::from(([127, 0, 0, 1], PORT));
    let c = ("127.0.0.1", 9000);
    let d = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 7000);
    let port = env::var("PORT").unwrap_or("1".into());
    let e = format!("0.0.0.0:{port}");
}
"#,
        )
        .unwrap();
        let b = RustBindings::collect(&file);
        let addr = |name: &str| {
            let e: syn::Expr = syn::parse_str(name).unwrap();
            rust_addr(&e, &b).map(|a| (a.port, a.unspecified))
        };
        assert_eq!(addr("a"), Some((3000, true)));
        assert_eq!(addr("&b"), Some((8080, false)));
        assert_eq!(addr("c"), Some((9000, false)));
        assert_eq!(addr("d"), Some((7000, true)));
        assert_eq!(addr("e"), None);
        assert_eq!(addr("port"), None);
    }
}
