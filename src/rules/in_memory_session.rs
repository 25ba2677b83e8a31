//! `in-memory-session`: sessions kept in process memory or on local disk.

use super::Rule;
use crate::classify::FileKind;
use crate::context::{Cx, Report};
use crate::lang::gate::Words;
use crate::lang::rust::Uses;
use crate::lang::web::{self, Bindings};
use crate::parse::treesitter;
use syn::spanned::Spanned;
use syn::visit::Visit;
use tree_sitter::Node;

pub const RULE: Rule = Rule {
    id: "in-memory-session",
    meta_source: include_str!("../../rules/in-memory-session.toml"),
    kinds: &[
        FileKind::Python,
        FileKind::JavaScript,
        FileKind::TypeScript,
        FileKind::Tsx,
        FileKind::Rust,
    ],
    triggers: &["session"],
    check,
};

fn check(cx: &Cx, out: &mut Report) {
    web::check_production_source(cx, out, python_rule, js_rule, rust_rule);
}

const WHY: &str =
    "sessions vanish on every restart and deploy, and each process sees different ones";

// ---------------------------------------------------------------- JavaScript / TypeScript

const JS_STORE_FIX: &str = "keep sessions in a shared store: `session({ store: new RedisStore({ client: redisClient }), … })` (connect-redis), or connect-pg-simple for PostgreSQL";

/// The session packages (or their stores) every JavaScript form below comes from.
static JS_SESSION_MODULES: Words = Words::new(&["express-session", "memorystore", "fastify"]);
/// The Flask-Session and Django settings every Python form below sets.
static PY_SESSION_SETTINGS: Words = Words::new(&["SESSION_TYPE", "SESSION_ENGINE"]);
static RUST_MEMORY_STORE: Words = Words::new(&["MemoryStore"]);

fn js_rule(cx: &Cx, out: &mut Report) {
    if !JS_SESSION_MODULES.any_in(cx.text()) {
        return;
    }
    let (Some(_tree), Some(_lang)) = (cx.tree(), cx.lang()) else {
        return;
    };
    let src = cx.text();
    let imports = cx.js_imports();
    let nodes = cx.nodes();
    let b = cx.bindings();
    let memorystore_classes = memorystore_bindings(nodes, src);
    for (name, call) in cx.js_calls().iter().cloned() {
        let args = call.arguments();
        let callee = treesitter::text(call.callee, src);
        match name.as_str() {
            "express-session" | "express-session.default" if !call.is_new => {
                let missing_store = match args.first() {
                    None => true,
                    Some(a) => web::js_object(*a, src, b).is_some_and(|o| {
                        !web::js_has_spread(o) && web::js_property(o, "store", src).is_none()
                    }),
                };
                if missing_store {
                    out.add(
                        treesitter::span(call.node),
                        format!("`{callee}(…)` from express-session has no `store`, so sessions live in this process's memory (express-session's MemoryStore): {WHY}"),
                    )
                    .fix(JS_STORE_FIX);
                }
            }
            "express-session.MemoryStore" | "express-session.default.MemoryStore"
                if call.is_new =>
            {
                out.add(
                    treesitter::span(call.node),
                    format!("express-session's `MemoryStore` keeps sessions in this process's memory (and leaks it): {WHY}"),
                )
                .fix(JS_STORE_FIX);
            }
            _ if call.is_new && memorystore_classes.iter().any(|c| c == callee) => {
                out.add(
                    treesitter::span(call.node),
                    format!("`new {callee}(…)` from the memorystore package keeps sessions in this process's memory: {WHY}"),
                )
                .fix(JS_STORE_FIX);
            }
            _ if name.ends_with(".register") && args.len() >= 2 => {
                let plugin = imports.resolve(treesitter::text(args[0], src));
                if !matches!(
                    plugin.as_str(),
                    "@fastify/session" | "@fastify/session.default" | "fastify-session"
                ) {
                    continue;
                }
                let missing_store = web::js_object(args[1], src, b).is_some_and(|o| {
                    !web::js_has_spread(o) && web::js_property(o, "store", src).is_none()
                });
                if missing_store {
                    out.add(
                        treesitter::span(call.node),
                        format!("`@fastify/session` registered without a `store` keeps sessions in this process's memory: {WHY}"),
                    )
                    .fix("pass a shared store: `fastify.register(fastifySession, { store: new RedisStore({ client }), … })`");
                }
            }
            _ => {}
        }
    }
}

/// Names bound by `const MemoryStore = require("memorystore")(session)`.
fn memorystore_bindings(nodes: &[Node<'_>], src: &str) -> Vec<String> {
    let mut out = Vec::new();
    for &n in nodes {
        if n.kind() != "variable_declarator" {
            continue;
        }
        let (Some(name), Some(value)) = (
            n.child_by_field_name("name"),
            n.child_by_field_name("value"),
        ) else {
            continue;
        };
        let inner = (value.kind() == "call_expression")
            .then(|| value.child_by_field_name("function"))
            .flatten()
            .filter(|f| f.kind() == "call_expression");
        if let Some(inner) = inner {
            let is_require = inner
                .child_by_field_name("function")
                .is_some_and(|f| treesitter::text(f, src) == "require");
            let module = inner
                .child_by_field_name("arguments")
                .and_then(|a| web::args(a).first().copied())
                .and_then(|a| treesitter::string_value(a, src));
            if is_require && module.as_deref() == Some("memorystore") && name.kind() == "identifier"
            {
                out.push(treesitter::text(name, src).to_owned());
            }
        }
    }
    out
}

// ---------------------------------------------------------------- Python

fn python_rule(cx: &Cx, out: &mut Report) {
    if !PY_SESSION_SETTINGS.any_in(cx.text()) {
        return;
    }
    let Some(_tree) = cx.tree() else { return };
    let src = cx.text();
    let nodes = cx.nodes();
    let b = cx.bindings();
    for &node in nodes {
        match node.kind() {
            "assignment" => {
                let (Some(left), Some(right)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) else {
                    continue;
                };
                let key = match left.kind() {
                    "identifier" => Some(treesitter::text(left, src).to_owned()),
                    // `app.config["SESSION_TYPE"] = …`
                    "subscript" => left
                        .child_by_field_name("value")
                        .filter(|v| treesitter::text(*v, src).ends_with("config"))
                        .and_then(|_| left.child_by_field_name("subscript"))
                        .and_then(|k| treesitter::string_value(k, src)),
                    _ => None,
                };
                if let Some(key) = key {
                    judge_setting(out, &key, right, src, b);
                }
            }
            "call" => {
                // `app.config.update(SESSION_TYPE="filesystem")`, `from_mapping(…)`.
                let Some(func) = node.child_by_field_name("function") else {
                    continue;
                };
                let is_config = func.kind() == "attribute"
                    && func
                        .child_by_field_name("object")
                        .is_some_and(|o| treesitter::text(o, src).ends_with("config"))
                    && func.child_by_field_name("attribute").is_some_and(|a| {
                        matches!(treesitter::text(a, src), "update" | "from_mapping")
                    });
                if !is_config {
                    continue;
                }
                let Some(args) = node.child_by_field_name("arguments") else {
                    continue;
                };
                for a in web::args(args) {
                    if a.kind() != "keyword_argument" {
                        continue;
                    }
                    if let (Some(k), Some(v)) = (
                        a.child_by_field_name("name"),
                        a.child_by_field_name("value"),
                    ) {
                        judge_setting(out, treesitter::text(k, src), v, src, b);
                    }
                }
            }
            _ => {}
        }
    }
}

const DJANGO_FILE: &str = "django.contrib.sessions.backends.file";
const DJANGO_CACHE: &str = "django.contrib.sessions.backends.cache";

fn judge_setting(out: &mut Report, key: &str, value: Node<'_>, src: &str, b: &Bindings<'_>) {
    let Some(v) = treesitter::string_value(value, src) else {
        return;
    };
    match (key, v.as_str()) {
        ("SESSION_TYPE", "filesystem") => {
            out.add(
                treesitter::span(value),
                format!("Flask-Session `SESSION_TYPE = \"filesystem\"` keeps sessions on this process's local disk: {WHY}"),
            )
            .fix("use a shared backend: `SESSION_TYPE = \"redis\"` with `SESSION_REDIS = redis.from_url(os.environ[\"REDIS_URL\"])`");
        }
        ("SESSION_ENGINE", DJANGO_FILE) => {
            out.add(
                treesitter::span(value),
                format!("Django file sessions (`{DJANGO_FILE}`) keep sessions on this process's local disk: {WHY}"),
            )
            .fix("use database sessions (`django.contrib.sessions.backends.db`, the default) or `cache`/`cached_db` backed by Redis or Memcached");
        }
        ("SESSION_ENGINE", DJANGO_CACHE) => {
            let alias = b
                .value("SESSION_CACHE_ALIAS")
                .and_then(|a| treesitter::string_value(a, src))
                .unwrap_or_else(|| "default".to_owned());
            if locmem_cache(src, b, &alias) {
                out.add(
                    treesitter::span(value),
                    format!("cache sessions on the `{alias}` cache, which this settings file makes a `LocMemCache`, keep sessions in this process's memory: {WHY}"),
                )
                .fix("back the session cache with a shared server (`django.core.cache.backends.redis.RedisCache` with `LOCATION = os.environ[\"REDIS_URL\"]`), or use `cached_db` sessions");
            }
        }
        _ => {}
    }
}

/// Whether `CACHES[alias]["BACKEND"]` is Django's local-memory cache in this file.
fn locmem_cache(src: &str, b: &Bindings<'_>, alias: &str) -> bool {
    let Some(caches) = b.value("CACHES").filter(|c| c.kind() == "dictionary") else {
        return false;
    };
    let entry = dict_get(caches, alias, src).filter(|e| e.kind() == "dictionary");
    entry
        .and_then(|e| dict_get(e, "BACKEND", src))
        .and_then(|v| treesitter::string_value(v, src))
        .is_some_and(|v| v.ends_with("LocMemCache"))
}

fn dict_get<'t>(dict: Node<'t>, key: &str, src: &str) -> Option<Node<'t>> {
    web::args(dict).into_iter().find_map(|pair| {
        if pair.kind() != "pair" {
            return None;
        }
        let k = pair.child_by_field_name("key")?;
        (treesitter::string_value(k, src).as_deref() == Some(key))
            .then(|| pair.child_by_field_name("value"))
            .flatten()
    })
}

// ---------------------------------------------------------------- Rust

/// Session stores that keep sessions in the process's memory.
const RUST_MEMORY_STORES: &[&str] = &[
    "tower_sessions::MemoryStore",
    "tower_sessions::memory_store::MemoryStore",
    "tower_sessions_memory_store::MemoryStore",
    "async_session::MemoryStore",
    "axum_sessions::async_session::MemoryStore",
];

fn rust_rule(cx: &Cx, out: &mut Report) {
    if !RUST_MEMORY_STORE.any_in(cx.production_code()) {
        return;
    }
    let Some(file) = cx.rust() else { return };
    let uses = Uses::collect(file);
    let mut globs = Vec::new();
    for item in &file.items {
        if let syn::Item::Use(u) = item {
            collect_globs(&u.tree, &mut Vec::new(), &mut globs);
        }
    }
    let mut v = RustVisitor {
        cx,
        out,
        uses: &uses,
        globs: &globs,
    };
    v.visit_file(file);
}

fn collect_globs(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<String>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            collect_globs(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Glob(_) => out.push(prefix.join("::")),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                collect_globs(t, prefix, out);
            }
        }
        _ => {}
    }
}

struct RustVisitor<'a, 'cx, 'r> {
    cx: &'a Cx<'cx>,
    out: &'r mut Report,
    uses: &'a Uses,
    globs: &'a [String],
}

impl RustVisitor<'_, '_, '_> {
    /// The memory store a path names (`MemoryStore::default` → `tower_sessions::MemoryStore`).
    fn memory_store(&self, path: &syn::Path) -> Option<&'static str> {
        // Constructors only: `MemoryStore::from_ref(state)` fetches the one already made.
        let ctor = path.segments.last().is_some_and(|s| {
            let f = s.ident.to_string();
            f == "new" || f == "default" || f.starts_with("with")
        });
        if !ctor {
            return None;
        }
        let resolved = self.uses.resolve(path);
        let resolved = resolved.strip_prefix("::").unwrap_or(&resolved);
        if let Some(s) = RUST_MEMORY_STORES
            .iter()
            .find(|s| resolved == **s || resolved.starts_with(&format!("{s}::")))
        {
            return Some(s);
        }
        // `use tower_sessions::*;` then `MemoryStore::default()`.
        let first = path.segments.first()?.ident.to_string();
        if first == "MemoryStore" && path.segments.len() <= 2 && resolved.starts_with("MemoryStore")
        {
            return RUST_MEMORY_STORES.iter().copied().find(|s| {
                self.globs
                    .iter()
                    .any(|g| s.strip_suffix("::MemoryStore") == Some(g.as_str()))
            });
        }
        None
    }
}

impl<'ast> Visit<'ast> for RustVisitor<'_, '_, '_> {
    crate::skip_rust_test_items!();

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*call.func {
            if let Some(store) = self.memory_store(&p.path) {
                let krate = store.split("::").next().unwrap_or(store).replace('_', "-");
                self.out
                    .add(
                        self.cx.syn_span(call.span()),
                        format!("`MemoryStore` from {krate} keeps sessions in this process's memory: {WHY}"),
                    )
                    .fix("use a shared session store, e.g. `tower_sessions_redis_store::RedisStore` or the sqlx Postgres store, instead of `MemoryStore`");
                for a in &call.args {
                    self.visit_expr(a);
                }
                return;
            }
        }
        syn::visit::visit_expr_call(self, call);
    }
}
