//! `log-to-file`: the log stream routed to files instead of stdout/stderr.

use super::Rule;
use crate::classify::FileKind;
use crate::context::{Cx, Report};
use crate::finding::Span;
use crate::lang::gate::Words;
use crate::lang::{js, rust::Uses};
use crate::parse::treesitter::{self, Lang, LazyQuery};
use syn::visit::Visit;
use tree_sitter::Node;

pub const RULE: Rule = Rule {
    id: "log-to-file",
    meta_source: include_str!("../../rules/log-to-file.toml"),
    kinds: &[
        FileKind::Python,
        FileKind::JavaScript,
        FileKind::TypeScript,
        FileKind::Tsx,
        FileKind::Rust,
        FileKind::Yaml,
        FileKind::Json,
        FileKind::Ini,
    ],
    triggers: &[
        "rolling_file",
        "appenders",
        "FileHandler",
        "basicConfig",
        "loguru",
        "errorlog",
        "accesslog",
        "transports",
        "daily-rotate",
        "DailyRotateFile",
        "destination",
        "pino/file",
        "bunyan",
        "log4js",
        "createWriteStream",
        "tracing_appender",
        "FileAppender",
        "log_file",
        "WriteLogger",
        "log_to_file",
    ],
    check,
};

const STDOUT_FIX: &str = "log to stdout/stderr and let the platform route the stream";

fn check(cx: &Cx, out: &mut Report) {
    match cx.kind() {
        FileKind::Python => python_rule(cx, out),
        FileKind::Rust => rust_rule(cx, out),
        FileKind::Yaml => yaml_rule(cx, out),
        FileKind::Json => json_rule(cx, out),
        FileKind::Ini => ini_rule(cx, out),
        k if k.is_js_like() => js_rule(cx, out),
        _ => {}
    }
}

// ---------------------------------------------------------------- Python

const PY_FILE_HANDLERS: &[&str] = &[
    "logging.FileHandler",
    "logging.handlers.RotatingFileHandler",
    "logging.handlers.TimedRotatingFileHandler",
    "logging.handlers.WatchedFileHandler",
];

static PY_DICT_CLASS: LazyQuery =
    LazyQuery::new(r#"(pair key: (string) @key value: (string) @value)"#);
static PY_MODULE_ASSIGN: LazyQuery = LazyQuery::new(
    r#"(module (expression_statement (assignment left: (identifier) @name right: (_) @value)))"#,
);

/// File handlers (`FileHandler` ends every class in [`PY_FILE_HANDLERS`]) and loguru;
/// `basicConfig` only with a `filename` keyword (see [`PY_BASIC_CONFIG`]); and gunicorn's
/// log settings in its config file.
static PY_LOG_WORDS: Words = Words::new(&["FileHandler", "loguru"]);
/// `logging.basicConfig(…)` writes to a file only with `filename=` spelled out.
static PY_BASIC_CONFIG: [Words; 2] = [Words::new(&["basicConfig"]), Words::new(&["filename"])];
static GUNICORN_LOG_SETTINGS: Words = Words::new(&["errorlog", "accesslog"]);
/// The logging packages every JavaScript form below comes from.
static JS_LOG_MODULES: Words = Words::new(&[
    "morgan",
    "winston",
    "pino",
    "createWriteStream",
    "bunyan",
    "log4js",
]);
/// The crates of every Rust file sink [`rust_file_sink`] knows.
static RUST_LOG_CRATES: Words = Words::new(&[
    "tracing_appender",
    "log4rs",
    "fern",
    "simplelog",
    "flexi_logger",
]);

fn python_rule(cx: &Cx, out: &mut Report) {
    let gunicorn = is_gunicorn_config(&cx.file.rel_path) && GUNICORN_LOG_SETTINGS.any_in(cx.text());
    let basic_config = PY_BASIC_CONFIG.iter().all(|w| w.any_in(cx.text()));
    if !PY_LOG_WORDS.any_in(cx.text()) && !basic_config && !gunicorn {
        return;
    }
    let Some(tree) = cx.tree() else { return };
    let src = cx.text();
    let _imports = cx.py_imports();
    for (name, call) in cx.py_calls().iter().cloned() {
        if PY_FILE_HANDLERS.contains(&name.as_str()) {
            let short = name.rsplit('.').next().unwrap_or(&name);
            out.add(
                treesitter::span(call.node),
                format!("`{short}` writes the log stream to a file; log to stdout instead"),
            )
            .fix(format!(
                "use `logging.StreamHandler(sys.stdout)` instead of `{short}`: {STDOUT_FIX}"
            ));
        } else if name == "logging.basicConfig" {
            if let Some((kw, value)) = call.keyword("filename", src) {
                if treesitter::text(value, src) != "None" {
                    out.add(
                        treesitter::span(kw),
                        "`logging.basicConfig(filename=…)` sends every log record to a file",
                    )
                    .fix(format!("drop `filename=` (basicConfig then logs to stderr) or pass `stream=sys.stdout`: {STDOUT_FIX}"));
                }
            }
        } else if name == "loguru.logger.add" {
            if let Some(first) = call.positional().first() {
                if is_python_path(*first, src) {
                    out.add(
                        treesitter::span(call.node),
                        "loguru `logger.add(<path>)` writes the log stream to a file",
                    )
                    .fix(format!("use `logger.add(sys.stdout)` (or keep loguru's default stderr sink): {STDOUT_FIX}"));
                }
            }
        }
    }
    // dictConfig data: {"class": "logging.handlers.RotatingFileHandler", ...}
    PY_DICT_CLASS.for_each(Lang::Python, tree, src, |q, m| {
        let (Some(key), Some(value)) = (treesitter::capture(q, m, "key"), treesitter::capture(q, m, "value")) else {
            return;
        };
        if treesitter::string_value(key, src).as_deref() != Some("class") {
            return;
        }
        if let Some(class) = treesitter::string_value(value, src) {
            if PY_FILE_HANDLERS.contains(&class.as_str()) {
                out.add(
                    treesitter::span(value),
                    format!("logging config uses handler class `{class}`, which writes to a file"),
                )
                .fix(format!("use `logging.StreamHandler` with `\"stream\": \"ext://sys.stdout\"`: {STDOUT_FIX}"));
            }
        }
    });
    if is_gunicorn_config(&cx.file.rel_path) {
        PY_MODULE_ASSIGN.for_each(Lang::Python, tree, src, |q, m| {
            let (Some(name), Some(value)) = (
                treesitter::capture(q, m, "name"),
                treesitter::capture(q, m, "value"),
            ) else {
                return;
            };
            let name = treesitter::text(name, src);
            if name != "errorlog" && name != "accesslog" {
                return;
            }
            match treesitter::string_value(value, src) {
                Some(v) if v != "-" && !v.is_empty() && !v.starts_with("/dev/std") => {
                    out.add(
                        treesitter::span(value),
                        format!("gunicorn `{name}` writes to the file `{v}`"),
                    )
                    .fix(format!(
                        "set `{name} = \"-\"` so gunicorn logs to stdout/stderr"
                    ));
                }
                _ => {}
            }
        });
    }
}

fn is_gunicorn_config(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.starts_with("gunicorn") && name.ends_with(".py")
}

/// A string, f-string, `Path(…)` or `os.path.join(…)`: something that names a file.
fn is_python_path(node: Node<'_>, src: &str) -> bool {
    match node.kind() {
        "string" | "concatenated_string" => true,
        "call" => node.child_by_field_name("function").is_some_and(|f| {
            let t = treesitter::text(f, src);
            t == "Path" || t.ends_with(".Path") || t == "os.path.join"
        }),
        "binary_operator" => node
            .child_by_field_name("left")
            .is_some_and(|l| is_python_path(l, src)),
        _ => false,
    }
}

// ---------------------------------------------------------------- logging config data

/// A handler class named in `dictConfig`/`fileConfig` data that writes to a file. INI
/// files (`fileConfig`) may write the class relative to `logging` (`handlers.X`, `X`).
fn file_handler_class(class: &str) -> Option<&'static str> {
    let class = class.trim();
    PY_FILE_HANDLERS.iter().copied().find(|full| {
        *full == class
            || full.strip_prefix("logging.") == Some(class)
            || full.rsplit('.').next() == Some(class)
    })
}

const CONFIG_FIX: &str = "use `logging.StreamHandler` with `stream: ext://sys.stdout` (in INI: \
`class=StreamHandler`, `args=(sys.stdout,)`): log to stdout/stderr and let the platform route the stream";

/// Python `dictConfig` data in YAML (`version: 1` + `handlers`) and log4rs YAML
/// (`appenders` whose `kind` is `file` or `rolling_file`).
fn yaml_rule(cx: &Cx, out: &mut Report) {
    for doc in &cx.yaml().docs {
        if let Some(handlers) = doc.get("handlers").filter(|_| doc.get("version").is_some()) {
            for (_, entry) in handlers.entries() {
                let Some(class) = entry.value.get("class").and_then(|c| c.as_scalar()) else {
                    continue;
                };
                if let Some(full) = file_handler_class(&class.value) {
                    out.add(
                        class.value_span,
                        format!(
                            "logging config uses handler class `{full}`, which writes to a file"
                        ),
                    )
                    .fix(CONFIG_FIX);
                }
            }
        }
        if let Some(appenders) = doc.get("appenders") {
            for (name, entry) in appenders.entries() {
                let Some(kind) = entry.value.get("kind").and_then(|k| k.as_scalar()) else {
                    continue;
                };
                if matches!(kind.value.as_str(), "file" | "rolling_file") {
                    out.add(
                        kind.value_span,
                        format!("log4rs appender `{name}` is of kind `{}`, which writes the log stream to a file", kind.value),
                    )
                    .fix(format!("use `kind: console` (it writes to stdout): {STDOUT_FIX}"));
                }
            }
        }
    }
}

/// Python `dictConfig` data in JSON.
fn json_rule(cx: &Cx, out: &mut Report) {
    let Some(root) = cx.json() else { return };
    if root.get("version").is_none() {
        return;
    }
    let Some(handlers) = root.get("handlers") else {
        return;
    };
    for member in handlers.entries() {
        let Some(class) = member.value.get("class") else {
            continue;
        };
        if let Some(full) = class.as_str().and_then(file_handler_class) {
            out.add(
                class.inner_span(),
                format!("logging config uses handler class `{full}`, which writes to a file"),
            )
            .fix(CONFIG_FIX);
        }
    }
}

/// Python `fileConfig` INI: `class=` in `[handler_*]` sections.
fn ini_rule(cx: &Cx, out: &mut Report) {
    let text = cx.text();
    let mut in_handler = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let t = line.trim();
        if t.starts_with('[') {
            in_handler = t.to_ascii_lowercase().starts_with("[handler_");
            continue;
        }
        if !in_handler {
            continue;
        }
        let Some((key, value)) = t.split_once('=').or_else(|| t.split_once(':')) else {
            continue;
        };
        if !key.trim().eq_ignore_ascii_case("class") {
            continue;
        }
        if let Some(full) = file_handler_class(value) {
            let value = value.trim();
            let at = start + line.find(value).unwrap_or(0);
            out.add(
                Span::new(at, at + value.len()),
                format!("logging config uses handler class `{full}`, which writes to a file"),
            )
            .fix(CONFIG_FIX);
        }
    }
}

// ---------------------------------------------------------------- JavaScript / TypeScript

fn js_rule(cx: &Cx, out: &mut Report) {
    if !JS_LOG_MODULES.any_in(cx.text()) {
        return;
    }
    let (Some(_tree), Some(_lang)) = (cx.tree(), cx.lang()) else {
        return;
    };
    let src = cx.text();
    let imports = cx.js_imports();
    let calls = cx.js_calls();
    // Streams handed to morgan (`{ stream: accessLog }`), to catch `fs.createWriteStream` in a variable.
    let mut morgan_streams: Vec<String> = Vec::new();
    for (name, call) in calls {
        if name == "morgan" || name.starts_with("morgan.") {
            for arg in call.arguments() {
                if let Some((_, v)) = js::property(arg, "stream", src) {
                    morgan_streams.push(treesitter::text(v, src).to_owned());
                }
            }
        }
    }
    for (name, call) in calls {
        let args = call.arguments();
        let first = args.first().copied();
        match name.as_str() {
            "winston.transports.File"
            | "winston.transports.DailyRotateFile"
            | "winston-daily-rotate-file" => {
                out.add(
                    treesitter::span(call.node),
                    format!(
                        "winston transport `{}` writes the log stream to a file",
                        treesitter::text(call.callee, src)
                    ),
                )
                .fix(format!(
                    "use `new winston.transports.Console()`: {STDOUT_FIX}"
                ));
            }
            "pino.destination" | "pino.default.destination"
                if first.is_some_and(|a| js_names_file(a, src)) =>
            {
                out.add(
                    treesitter::span(call.node),
                    "`pino.destination(<path>)` writes the log stream to a file",
                )
                .fix(format!(
                    "use `pino()` or `pino.destination(1)` (stdout): {STDOUT_FIX}"
                ));
            }
            "fs.createWriteStream" | "node:fs.createWriteStream" => {
                let assigned_to = call
                    .node
                    .parent()
                    .filter(|p| p.kind() == "variable_declarator")
                    .and_then(|p| p.child_by_field_name("name"))
                    .map(|n| treesitter::text(n, src).to_owned());
                let into_logger = has_logger_ancestor(call.node, src, imports)
                    || assigned_to.is_some_and(|v| morgan_streams.contains(&v));
                if into_logger {
                    out.add(
                        treesitter::span(call.node),
                        "`fs.createWriteStream` is used as a log stream, writing logs to a file",
                    )
                    .fix(format!(
                        "let the logger write to `process.stdout`: {STDOUT_FIX}"
                    ));
                }
            }
            _ => {}
        }
        // Configuration objects handed to logging libraries.
        let lib = name.split('.').next().unwrap_or("");
        if matches!(lib, "bunyan" | "log4js" | "pino") {
            for arg in &args {
                config_objects(*arg, src, lib, out);
            }
        }
    }
}

/// bunyan `{ path: … }` streams, log4js `{ type: "file" }` appenders and pino `pino/file`
/// targets, anywhere inside an argument of a call into that library.
fn config_objects(node: Node<'_>, src: &str, lib: &str, out: &mut Report) {
    let mut stack = vec![(node, 0usize)];
    while let Some((n, depth)) = stack.pop() {
        if depth > 64 {
            continue;
        }
        if n.kind() == "object" {
            match lib {
                "bunyan" => {
                    if let Some((pair, _)) = js::property(n, "path", src) {
                        out.add(
                            treesitter::span(pair),
                            "bunyan stream with `path` writes the log stream to a file",
                        )
                        .fix(format!("use `{{ stream: process.stdout }}`: {STDOUT_FIX}"));
                    }
                }
                "log4js" => {
                    if let Some((pair, v)) = js::property(n, "type", src) {
                        let t = treesitter::string_value(v, src).unwrap_or_default();
                        if matches!(t.as_str(), "file" | "dateFile" | "fileSync") {
                            out.add(
                                treesitter::span(pair),
                                format!("log4js `{t}` appender writes the log stream to a file"),
                            )
                            .fix(format!("use `{{ type: \"stdout\" }}`: {STDOUT_FIX}"));
                        }
                    }
                }
                "pino" => {
                    if let Some((pair, v)) = js::property(n, "target", src) {
                        if treesitter::string_value(v, src).as_deref() == Some("pino/file") {
                            let dest = js::property(n, "options", src)
                                .and_then(|(_, o)| js::property(o, "destination", src))
                                .map(|(_, d)| d);
                            if dest.is_some_and(|d| js_names_file(d, src)) {
                                out.add(
                                    treesitter::span(pair),
                                    "pino `pino/file` target writes the log stream to a file",
                                )
                                .fix(format!("use destination `1` (stdout): {STDOUT_FIX}"));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        let mut cursor = n.walk();
        for child in n.named_children(&mut cursor) {
            stack.push((child, depth + 1));
        }
    }
}

/// A file destination: a string that is not a stdout/stderr alias, or a template string.
fn js_names_file(node: Node<'_>, src: &str) -> bool {
    match treesitter::string_value(node, src) {
        Some(v) => !matches!(v.as_str(), "" | "1" | "2" | "/dev/stdout" | "/dev/stderr"),
        None => {
            matches!(node.kind(), "template_string" | "binary_expression")
                || (node.kind() == "call_expression"
                    && treesitter::text(node, src).starts_with("path."))
        }
    }
}

fn has_logger_ancestor(node: Node<'_>, src: &str, imports: &js::Imports) -> bool {
    let mut cur = node.parent();
    let mut steps = 0;
    while let Some(n) = cur {
        steps += 1;
        if steps > 12 {
            break;
        }
        if matches!(n.kind(), "call_expression" | "new_expression") {
            let callee = n
                .child_by_field_name("function")
                .or_else(|| n.child_by_field_name("constructor"))
                .map(|c| imports.resolve(treesitter::text(c, src)))
                .unwrap_or_default();
            let lib = callee.split('.').next().unwrap_or("");
            if matches!(lib, "morgan" | "pino" | "bunyan" | "winston" | "log4js")
                || callee.ends_with("Console")
            {
                return true;
            }
        }
        cur = n.parent();
    }
    false
}

// ---------------------------------------------------------------- Rust

fn rust_rule(cx: &Cx, out: &mut Report) {
    if !RUST_LOG_CRATES.any_in(cx.code()) {
        return;
    }
    let Some(file) = cx.rust() else { return };
    let uses = Uses::collect(file);
    let mut v = RustVisitor {
        cx,
        out,
        uses: &uses,
    };
    v.visit_file(file);
}

struct RustVisitor<'a, 'cx, 'r> {
    cx: &'a Cx<'cx>,
    out: &'r mut Report,
    uses: &'a Uses,
}

fn rust_file_sink(path: &str) -> Option<&'static str> {
    let p = path.strip_prefix("::").unwrap_or(path);
    if let Some(f) = p.strip_prefix("tracing_appender::rolling::") {
        return match f {
            "daily"
            | "hourly"
            | "minutely"
            | "never"
            | "RollingFileAppender::new"
            | "RollingFileAppender::builder"
            | "Builder::new" => {
                Some("tracing_appender::rolling writes the log stream to rotating files")
            }
            _ => None,
        };
    }
    if p.starts_with("log4rs::append::file::FileAppender::") {
        return Some("log4rs `FileAppender` writes the log stream to a file");
    }
    if p.starts_with("log4rs::append::rolling_file::RollingFileAppender::") {
        return Some("log4rs `RollingFileAppender` writes the log stream to files");
    }
    if p == "fern::log_file" {
        return Some("`fern::log_file` writes the log stream to a file");
    }
    if p == "simplelog::WriteLogger::new" || p == "simplelog::WriteLogger::init" {
        return Some("simplelog `WriteLogger` over a file writes the log stream to a file");
    }
    None
}

impl<'ast> Visit<'ast> for RustVisitor<'_, '_, '_> {
    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*call.func {
            let path = self.uses.resolve(&p.path);
            if let Some(msg) = rust_file_sink(&path) {
                let is_write_logger = path.starts_with("simplelog::WriteLogger");
                // WriteLogger over stdout/stderr is fine; only a File is flagged.
                let to_file = !is_write_logger || {
                    let args = quote_args(&call.args);
                    args.contains("File") && !args.contains("stdout") && !args.contains("stderr")
                };
                if to_file {
                    self.out
                        .add(self.cx.syn_span(syn::spanned::Spanned::span(call)), msg)
                        .fix(format!(
                            "use `tracing_subscriber::fmt()` (stdout) or `env_logger`: {STDOUT_FIX}"
                        ));
                }
            }
        }
        syn::visit::visit_expr_call(self, call);
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        if call.method == "log_to_file" && self.cx.text().contains("flexi_logger") {
            let span = call
                .method
                .span()
                .join(call.paren_token.span.close())
                .unwrap_or(call.method.span());
            self.out
                .add(
                    self.cx.syn_span(span),
                    "flexi_logger `log_to_file` writes the log stream to a file",
                )
                .fix(format!("use `.log_to_stdout()`: {STDOUT_FIX}"));
        }
        syn::visit::visit_expr_method_call(self, call);
    }
}

fn quote_args(args: &syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>) -> String {
    use quote::ToTokens;
    args.iter()
        .map(|a| a.to_token_stream().to_string())
        .collect::<Vec<_>>()
        .join(",")
}
