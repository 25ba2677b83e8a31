//! `admin-task-in-web-process`: schema creation and migrations run by the web process as
//! it starts.

use super::Rule;
use crate::classify::FileKind;
use crate::context::{Cx, Report};
use crate::lang::deploy::{self, StartScript};
use crate::lang::gate::Words;
use crate::lang::web::{self, Bindings};
use crate::lang::{js, python};
use crate::parse::shell;
use crate::parse::treesitter;
use crate::parse::yaml::Node as YamlNode;
use syn::spanned::Spanned;
use syn::visit::Visit;
use tree_sitter::Node;

pub const RULE: Rule = Rule {
    id: "admin-task-in-web-process",
    meta_source: include_str!("../../rules/admin-task-in-web-process.toml"),
    kinds: &[
        FileKind::Python,
        FileKind::JavaScript,
        FileKind::TypeScript,
        FileKind::Tsx,
        FileKind::Rust,
        FileKind::Dockerfile,
        FileKind::Procfile,
        FileKind::Compose,
        FileKind::Yaml,
        FileKind::Shell,
    ],
    triggers: &[
        "create_all",
        "call_command",
        "sync(",
        "migrat",
        "upgrade",
        "synchronize",
        "prisma",
        "goose",
        "db:prepare",
        "db:setup",
    ],
    check,
};

fn check(cx: &Cx, out: &mut Report) {
    if web::is_test_path(&cx.file.rel_path) {
        return;
    }
    match cx.kind() {
        FileKind::Python => python_rule(cx, out),
        FileKind::Rust => rust_rule(cx, out),
        FileKind::Dockerfile => dockerfile_rule(cx, out),
        FileKind::Procfile => procfile_rule(cx, out),
        FileKind::Compose => compose_rule(cx, out),
        FileKind::Yaml => kubernetes_rule(cx, out),
        FileKind::Shell => shell_rule(cx, out),
        k if k.is_js_like() => js_rule(cx, out),
        _ => {}
    }
}

const WHY: &str = "every replica then changes the schema at start-up, racing the others, and a failed migration crash-loops the whole fleet";

// ---------------------------------------------------------------- Python

const PY_APP_FACTORIES: &[&str] = &[
    "flask.Flask",
    "quart.Quart",
    "fastapi.FastAPI",
    "starlette.applications.Starlette",
    "sanic.Sanic",
    "aiohttp.web.Application",
    "django.core.wsgi.get_wsgi_application",
    "django.core.asgi.get_asgi_application",
];

/// Names of app-factory functions.
const FACTORY_NAMES: &[&str] = &[
    "create_app",
    "make_app",
    "create_application",
    "build_app",
    "app_factory",
    "get_app",
    "init_app",
];

const PY_FIX: &str = "run it as a one-off admin process instead: a CLI command (`@app.cli.command(\"init-db\")`, `flask --app app init-db`) or migrations (`alembic upgrade head`, `flask db upgrade`) in the release phase";
const DJANGO_FIX: &str = "run `python manage.py migrate` as a one-off process in the release phase (Procfile `release:`, a Kubernetes Job, a pre-deploy step)";

/// Every admin call [`py_admin_call`] knows names one of these (in the call or its import).
static PY_ADMIN_WORDS: Words =
    Words::new(&["call_command", "alembic", "flask_migrate", "create_all"]);

/// Every place [`py_context`] reports names an app factory ([`FACTORY_NAMES`]) or one of
/// these: a start-up hook, `AppConfig`, a `__main__` guard, or (for a web app's module)
/// the web framework its app comes from.
static PY_FACTORY_WORDS: Words = Words::new(FACTORY_NAMES);
static PY_PLACE_WORDS: Words = Words::new(&[
    "lifespan",
    "startup",
    "before_first_request",
    "before_serving",
    "before_server_start",
    "AppConfig",
    "__main__",
    "flask",
    "quart",
    "fastapi",
    "starlette",
    "sanic",
    "aiohttp",
    "django",
]);

fn python_rule(cx: &Cx, out: &mut Report) {
    let name = cx.file.rel_path.rsplit('/').next().unwrap_or("");
    let mut web_module = matches!(name, "wsgi.py" | "asgi.py");
    let text = cx.text();
    let placed = web_module || PY_FACTORY_WORDS.any_in(text) || PY_PLACE_WORDS.any_in(text);
    if !PY_ADMIN_WORDS.any_in(text) || !placed {
        return;
    }
    let Some(_tree) = cx.tree() else { return };
    let src = cx.text();
    let imports = cx.py_imports();
    let nodes = cx.nodes();
    let b = cx.bindings();
    for &n in nodes {
        if n.kind() == "call" {
            if let Some(f) = n.child_by_field_name("function") {
                if PY_APP_FACTORIES.contains(&imports.resolve(treesitter::text(f, src)).as_str()) {
                    web_module = true;
                }
            }
        }
    }
    for &n in nodes {
        if n.kind() != "call" {
            continue;
        }
        let Some((what, django)) = py_admin_call(n, src, imports, b) else {
            continue;
        };
        let Some(place) = py_context(n, src, web_module, imports) else {
            continue;
        };
        out.add(treesitter::span(n), format!("{what} {place}: {WHY}"))
            .fix(if django { DJANGO_FIX } else { PY_FIX });
    }
}

/// What admin work a call does, if any (and whether it is Django's).
fn py_admin_call(
    n: Node<'_>,
    src: &str,
    imports: &python::Imports,
    b: &Bindings<'_>,
) -> Option<(String, bool)> {
    let func = n.child_by_field_name("function")?;
    let func_text = treesitter::text(func, src);
    let resolved = imports.resolve(func_text);
    let first = n
        .child_by_field_name("arguments")
        .and_then(|a| web::args(a).first().copied());
    match resolved.as_str() {
        "django.core.management.call_command" => {
            let cmd = first.and_then(|a| treesitter::string_value(a, src))?;
            return matches!(cmd.as_str(), "migrate" | "makemigrations" | "loaddata").then(|| {
                (
                    format!("`call_command(\"{cmd}\")` runs a management command"),
                    true,
                )
            });
        }
        "alembic.command.upgrade" => {
            return Some((
                "Alembic `command.upgrade(…)` migrates the database".into(),
                false,
            ));
        }
        "flask_migrate.upgrade" => {
            return Some((
                "Flask-Migrate `upgrade()` migrates the database".into(),
                false,
            ));
        }
        _ => {}
    }
    if func.kind() != "attribute" {
        return None;
    }
    let obj = func.child_by_field_name("object")?;
    let attr = func.child_by_field_name("attribute")?;
    if treesitter::text(attr, src) != "create_all" {
        return None;
    }
    let recv = treesitter::text(obj, src);
    let is_sqlalchemy = recv == "metadata"
        || recv.ends_with(".metadata")
        || recv == "db"
        || recv.ends_with(".db")
        || b.value(recv).is_some_and(|v| {
            v.kind() == "call"
                && v.child_by_field_name("function").is_some_and(|f| {
                    imports.resolve(treesitter::text(f, src)) == "flask_sqlalchemy.SQLAlchemy"
                })
        });
    is_sqlalchemy.then(|| {
        (
            format!("`{recv}.create_all()` creates the database schema"),
            false,
        )
    })
}

/// Where a call runs as part of the web process's start-up, described for the message.
fn py_context(
    n: Node<'_>,
    src: &str,
    web_module: bool,
    imports: &python::Imports,
) -> Option<String> {
    if let Some(f) = web::py_enclosing_function(n) {
        let name = f
            .child_by_field_name("name")
            .map(|x| treesitter::text(x, src))
            .unwrap_or("");
        if FACTORY_NAMES.contains(&name) {
            return Some(format!(
                "inside the app factory `{name}()`, so it runs whenever the web app starts"
            ));
        }
        if name == "lifespan" {
            return Some("in the `lifespan` start-up handler of the web app".into());
        }
        if let Some(d) = f.parent().filter(|p| p.kind() == "decorated_definition") {
            for dec in web::args(d).into_iter().filter(|c| c.kind() == "decorator") {
                let t = treesitter::text(dec, src);
                let startup = (t.contains("on_event") && t.contains("startup"))
                    || [
                        "before_first_request",
                        "before_serving",
                        "before_server_start",
                        "on_startup",
                    ]
                    .iter()
                    .any(|h| t.contains(h));
                if startup {
                    return Some(format!(
                        "in the start-up hook `{}`",
                        t.lines().next().unwrap_or(t)
                    ));
                }
            }
        }
        if name == "ready" {
            let class = web::ancestor(f, &["class_definition"])?;
            let bases = class
                .child_by_field_name("superclasses")
                .map(|s| treesitter::text(s, src))
                .unwrap_or("");
            if bases.contains("AppConfig") {
                return Some(
                    "in `AppConfig.ready()`, which every process that loads Django runs".into(),
                );
            }
        }
        return None;
    }
    if web::ancestor(n, &["class_definition", "lambda"]).is_some() {
        return None;
    }
    if web::py_in_main_guard(n, src) {
        let guard = web::ancestor(n, &["if_statement"])?;
        let starts_server = web::preorder(guard).into_iter().any(|c| {
            c.kind() == "call"
                && c.child_by_field_name("function").is_some_and(|f| {
                    let t = treesitter::text(f, src);
                    let resolved = imports.resolve(t);
                    t.ends_with(".run") && !resolved.starts_with("asyncio.")
                        || t.ends_with("serve_forever")
                        || resolved == "uvicorn.run"
                        || resolved == "aiohttp.web.run_app"
                })
        });
        return starts_server
            .then(|| "right before the server starts under `if __name__ == \"__main__\":`".into());
    }
    web_module.then(|| {
        "at import time of the web app's module, so every web process runs it as it starts".into()
    })
}

// ---------------------------------------------------------------- JavaScript / TypeScript

const JS_FIX: &str = "run migrations as a one-off process before the new release starts (`npx sequelize-cli db:migrate`, `knex migrate:latest`, `typeorm migration:run` in the release phase or a Kubernetes Job), and only `listen` in the web process";

/// The migration methods below, called; TypeORM's `synchronize` option.
static JS_MIGRATE_CALLS: Words = Words::new(&["sync", "latest", "runMigrations", "up"]);
static JS_SYNCHRONIZE: Words = Words::new(&["synchronize"]);

fn js_rule(cx: &Cx, out: &mut Report) {
    if !JS_MIGRATE_CALLS.called_in(cx.text()) && !JS_SYNCHRONIZE.any_in(cx.text()) {
        return;
    }
    let (Some(_tree), Some(_lang)) = (cx.tree(), cx.lang()) else {
        return;
    };
    let src = cx.text();
    let imports = cx.js_imports();
    let nodes = cx.nodes();
    let b = cx.bindings();
    let listens = cx.js_listens();
    for (n, obj, prop) in web::js_method_calls(nodes) {
        let recv = treesitter::text(obj, src);
        let lower = recv.to_ascii_lowercase();
        let method = treesitter::text(prop, src);
        let what = match method {
            "sync" if lower.contains("sequelize") || is_sequelize(obj, src, imports, b) => {
                "`sequelize.sync()` creates and alters tables"
            }
            "latest" if recv.ends_with(".migrate") => {
                "knex `migrate.latest()` migrates the database"
            }
            "runMigrations" => "TypeORM `runMigrations()` migrates the database",
            "up" if lower.contains("umzug") || lower.contains("migrator") => {
                "umzug `up()` migrates the database"
            }
            _ => continue,
        };
        let Some(listen) = listens
            .iter()
            .find(|l| l.call.start_byte() > n.start_byte())
        else {
            continue;
        };
        let line = listen.call.start_position().row + 1;
        out.add(
            treesitter::span(n),
            format!("{what} before the server listens (line {line}): {WHY}"),
        )
        .fix(JS_FIX);
    }
    for (name, call) in cx.js_calls() {
        let options = matches!(
            name.as_str(),
            "typeorm.DataSource"
                | "typeorm.createConnection"
                | "@nestjs/typeorm.TypeOrmModule.forRoot"
        );
        if !options {
            continue;
        }
        let Some(obj) = call
            .arguments()
            .first()
            .and_then(|a| web::js_object(*a, src, b))
        else {
            continue;
        };
        if let Some((pair, v)) = web::js_property(obj, "synchronize", src) {
            if v.kind() == "true" {
                out.add(
                    treesitter::span(pair),
                    format!("TypeORM `synchronize: true` alters the schema every time the app starts: {WHY}"),
                )
                .fix("set `synchronize: false` and run migrations as a one-off process (`typeorm migration:run`) in the release phase");
            }
        }
    }
}

fn is_sequelize(obj: Node<'_>, src: &str, imports: &js::Imports, b: &Bindings<'_>) -> bool {
    obj.kind() == "identifier"
        && b.value(treesitter::text(obj, src)).is_some_and(|v| {
            v.kind() == "new_expression"
                && v.child_by_field_name("constructor").is_some_and(|c| {
                    matches!(
                        imports.resolve(treesitter::text(c, src)).as_str(),
                        "sequelize" | "sequelize.Sequelize"
                    )
                })
        })
}

// ---------------------------------------------------------------- Rust

fn rust_rule(cx: &Cx, out: &mut Report) {
    let text = cx.code();
    // Only files that start a server: a separate `migrate` binary is the right place.
    let starts_server = [
        "serve(",
        "HttpServer",
        ".launch()",
        "Server::bind",
        "Server::new",
        ".listen(",
    ]
    .iter()
    .any(|p| text.contains(p));
    if !starts_server {
        return;
    }
    let Some(file) = cx.rust() else { return };
    let mut v = RustVisitor { cx, out };
    v.visit_file(file);
}

struct RustVisitor<'a, 'cx, 'r> {
    cx: &'a Cx<'cx>,
    out: &'r mut Report,
}

const RUST_FIX: &str = "run migrations as a one-off process (`sqlx migrate run`, a `migrate` binary or subcommand run in the release phase or a Kubernetes Job), not in the server's `main`";

impl<'ast> Visit<'ast> for RustVisitor<'_, '_, '_> {
    crate::skip_rust_test_items!();

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let what = match m.method.to_string().as_str() {
            "run" => match web::rust_strip(&m.receiver) {
                syn::Expr::Macro(mac)
                    if mac
                        .mac
                        .path
                        .segments
                        .last()
                        .is_some_and(|s| s.ident == "migrate") =>
                {
                    Some("`sqlx::migrate!().run(…)` migrates the database")
                }
                _ => None,
            },
            "run_pending_migrations" => {
                Some("diesel `run_pending_migrations(…)` migrates the database")
            }
            _ => None,
        };
        if let Some(what) = what {
            self.out
                .add(
                    self.cx.syn_span(m.span()),
                    format!("{what} in a program that starts the web server: {WHY}"),
                )
                .fix(RUST_FIX);
        }
        syn::visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*call.func {
            let segs: Vec<String> = p
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            if segs.len() >= 2 && segs[segs.len() - 2] == "Migrator" && segs[segs.len() - 1] == "up"
            {
                self.out
                    .add(
                        self.cx.syn_span(call.span()),
                        format!("sea-orm `Migrator::up(…)` migrates the database in a program that starts the web server: {WHY}"),
                    )
                    .fix(RUST_FIX);
            }
        }
        syn::visit::visit_expr_call(self, call);
    }
}

// ---------------------------------------------------------------- start commands

const START_FIX: &str = "run migrations once per release as their own process — Procfile `release:`, a Kubernetes Job or Helm pre-upgrade hook, a CI/CD deploy step — and start only the server here";

/// Commands that do not start anything worth the name after a migration.
fn is_trivial(c: &shell::Command) -> bool {
    matches!(
        c.effective_name(),
        Some(
            "echo"
                | "printf"
                | "true"
                | ":"
                | "sleep"
                | "cd"
                | "export"
                | "set"
                | "wait"
                | "exit"
                | "test"
                | "["
        )
    )
}

/// Reports migrations in a start command that go on to start something else (`strict`:
/// only a recognised server counts, for scripts that may do anything afterwards).
fn start_command(out: &mut Report, ss: &StartScript, strict: bool, place: &str) {
    let seq = deploy::sequence(&ss.script);
    for (i, c) in seq.iter().enumerate() {
        let Some(label) = deploy::migration(c) else {
            continue;
        };
        // What the start command goes on to run: for a script, the first server it starts;
        // for a start command, its last command (the process that keeps running).
        let server = if strict {
            seq[i + 1..].iter().find(|d| deploy::is_server_start(d))
        } else {
            seq[i + 1..]
                .iter()
                .rev()
                .find(|d| deploy::migration(d).is_none() && !is_trivial(d))
        };
        let Some(server) = server else { continue };
        let name = deploy::core_words(server)
            .first()
            .map(|w| w.rsplit('/').next().unwrap_or(w).to_owned())
            .unwrap_or_else(|| "the app".to_owned());
        let name = if name.starts_with("$@") || name.starts_with("${@") {
            "the container's command".to_owned()
        } else {
            format!("`{name}`")
        };
        out.add(
            ss.span_of(c),
            format!("{place} runs `{label}` and then starts {name}: {WHY}"),
        )
        .fix(START_FIX);
    }
}

fn dockerfile_rule(cx: &Cx, out: &mut Report) {
    let text = cx.text();
    for instr in &cx.dockerfile().instructions {
        if !matches!(instr.keyword.as_str(), "CMD" | "ENTRYPOINT") {
            continue;
        }
        let place = format!("the `{}` start command", instr.keyword);
        let ss = match &instr.exec_form {
            Some(words) => {
                let shell = words
                    .first()
                    .map(|w| w.text.rsplit('/').next().unwrap_or(&w.text))
                    .is_some_and(|n| matches!(n, "sh" | "bash" | "dash" | "ash"));
                let Some(c) = words
                    .iter()
                    .position(|w| w.text.starts_with('-') && w.text.ends_with('c'))
                else {
                    continue;
                };
                let Some(script) = words.get(c + 1).filter(|_| shell) else {
                    continue;
                };
                let inner = crate::finding::Span::new(
                    script.span.start + 1,
                    script.span.end.saturating_sub(1),
                );
                deploy::parse_shell(&script.text, text, inner, script.span)
            }
            None => {
                let rest = instr.rest().trim_end();
                deploy::parse_shell(rest, text, instr.rest_span(), instr.rest_span())
            }
        };
        start_command(out, &ss, false, &place);
    }
}

fn procfile_rule(cx: &Cx, out: &mut Report) {
    let text = cx.text();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let Some((raw_name, command)) = body.split_once(':') else {
            continue;
        };
        let name = raw_name.trim();
        if name.starts_with('#')
            || name == "release"
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            continue;
        }
        let lead = command.len() - command.trim_start().len();
        let cmd = command.trim();
        let at = start + raw_name.len() + 1 + lead;
        let span = crate::finding::Span::new(at, at + cmd.len());
        let ss = deploy::parse_shell(cmd, text, span, span);
        start_command(out, &ss, false, &format!("the Procfile `{name}` process"));
    }
}

/// A start command written as a YAML scalar or list (Compose `command:`, Kubernetes
/// `command:` + `args:`).
fn yaml_start(items: &[&YamlNode], text: &str) -> Option<StartScript> {
    match items {
        [single] if single.as_scalar().is_some() => deploy::parse_scalar_shell(single, text),
        _ => deploy::parse_list_shell(items, text),
    }
}

fn compose_rule(cx: &Cx, out: &mut Report) {
    let rel = cx.file.rel_path.to_ascii_lowercase();
    if web::is_dev_path(&rel) || rel.contains("override") {
        return;
    }
    let text = cx.text();
    for doc in &cx.yaml().docs {
        for (name, service) in deploy::compose_services(doc) {
            for key in ["entrypoint", "command"] {
                let Some(node) = service.get(key) else {
                    continue;
                };
                let items: Vec<&YamlNode> = match node.as_seq() {
                    Some(_) => node.items().collect(),
                    None => vec![node],
                };
                if let Some(ss) = yaml_start(&items, text) {
                    start_command(
                        out,
                        &ss,
                        false,
                        &format!("the Compose service `{name}` `{key}`"),
                    );
                }
            }
        }
    }
}

fn kubernetes_rule(cx: &Cx, out: &mut Report) {
    let text = cx.text();
    for doc in &cx.yaml().docs {
        let Some(kind) = deploy::k8s_kind(doc) else {
            continue;
        };
        // Jobs and CronJobs are one-off processes: the right place for migrations.
        if !deploy::is_long_running(kind) {
            continue;
        }
        let Some(pod) = deploy::pod_spec(doc, kind) else {
            continue;
        };
        for c in deploy::containers(pod) {
            let items: Vec<&YamlNode> = ["command", "args"]
                .iter()
                .filter_map(|k| c.get(k))
                .flat_map(|n| match n.as_seq() {
                    Some(_) => n.items().collect::<Vec<_>>(),
                    None => vec![n],
                })
                .collect();
            if items.is_empty() {
                continue;
            }
            let name = c.get("name").and_then(YamlNode::as_str).unwrap_or("?");
            if let Some(ss) = yaml_start(&items, text) {
                start_command(out, &ss, false, &format!("the {kind} container `{name}`"));
            }
        }
    }
}

fn shell_rule(cx: &Cx, out: &mut Report) {
    let ss = StartScript {
        script: shell::parse(cx.text()),
        fallback: None,
    };
    let name = cx.file.rel_path.rsplit('/').next().unwrap_or("");
    start_command(out, &ss, true, &format!("the script `{name}`"));
}
