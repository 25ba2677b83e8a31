//! `debug-mode`: debug or development mode switched on in code or in the image.

use super::Rule;
use crate::classify::FileKind;
use crate::context::{Cx, Report};
use crate::finding::Span;
use crate::lang::gate::Words;
use crate::lang::web::{self, Bindings};
use crate::lang::{deploy, python};
use crate::parse::dockerfile::{self, Vars};
use crate::parse::nearby::Place;
use crate::parse::treesitter;
use tree_sitter::Node;

pub const RULE: Rule = Rule {
    id: "debug-mode",
    meta_source: include_str!("../../rules/debug-mode.toml"),
    kinds: &[
        FileKind::Python,
        FileKind::JavaScript,
        FileKind::TypeScript,
        FileKind::Tsx,
        FileKind::Dockerfile,
        FileKind::Compose,
        FileKind::Yaml,
    ],
    triggers: &["debug", "_env", "'env'", "\"env\""],
    check,
};

fn check(cx: &Cx, out: &mut Report) {
    if web::is_test_path(&cx.file.rel_path) {
        return;
    }
    match cx.kind() {
        FileKind::Python => python_rule(cx, out),
        FileKind::Dockerfile => dockerfile_rule(cx, out),
        FileKind::Compose | FileKind::Yaml => yaml_rule(cx, out),
        k if k.is_js_like() => js_rule(cx, out),
        _ => {}
    }
}

// ---------------------------------------------------------------- Python

const RUN_FIX: &str = "drop the literal and choose per environment: `app.run(debug=os.environ.get(\"FLASK_DEBUG\") == \"1\")` (or set `FLASK_DEBUG=1` only in development)";
const WHY_PY: &str = "every environment that runs this code gets the interactive debugger and verbose tracebacks, so production differs from development and the debugger runs code sent from the browser";

/// Constructors of web apps, resolved through imports.
const PY_APP_CLASSES: &[&str] = &[
    "flask.Flask",
    "quart.Quart",
    "fastapi.FastAPI",
    "starlette.applications.Starlette",
    "sanic.Sanic",
];

/// Settings names only a Django settings module defines.
const DJANGO_SETTINGS: &[&str] = &[
    "INSTALLED_APPS",
    "MIDDLEWARE",
    "ROOT_URLCONF",
    "WSGI_APPLICATION",
    "ASGI_APPLICATION",
    "ALLOWED_HOSTS",
    "DATABASES",
];

/// Every Python form below sets a `debug`/`DEBUG` name or key to `True`: some `debug` is
/// assigned (`debug=`, `DEBUG =`, `.debug =`) or quoted as a key, and some `True` can
/// reach the setting ([`python_true_may_reach`]).
fn python_may_set_debug(src: &str) -> bool {
    static DEBUG: Words = Words::new(&["debug"]);
    static TRUE: Words = Words::new(&["True"]);
    if !crate::lang::gate::enabled() {
        return true;
    }
    let bytes = src.as_bytes();
    let reaches = TRUE
        .find_iter(src)
        .into_iter()
        .any(|(start, end)| python_true_may_reach(bytes, start, end));
    reaches && DEBUG.assigned_or_quoted_in(src)
}

/// Whether the `True` at `start..end` is one the rule can follow to a debug setting: a
/// dict value or walrus (`: True`, `:= True`), a keyword or assignment right after a
/// `debug` name or key (`debug=True`, `["DEBUG"] = True`), or a statement binding a name
/// (`DEV = True`, `DEV: bool = True`) that `run(debug=DEV)` may pass on. Parameter defaults
/// (`debug: bool = True,`) bind no value the rule reads.
fn python_true_may_reach(bytes: &[u8], start: usize, end: usize) -> bool {
    let word = |b: Option<&u8>| b.is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_');
    if &bytes[start..end] != b"True" || word(bytes.get(end)) {
        return false;
    }
    let before = bytes[..start].trim_ascii_end();
    let assigned = match before {
        [.., b'=' | b'!' | b'<' | b'>', b'='] => return false,
        [.., b':', b'='] | [.., b':'] => return true,
        [.., b'='] => &before[..before.len() - 1],
        _ => return false,
    };
    let rest = &bytes[end..];
    let after = rest.iter().find(|b| **b != b' ' && **b != b'\t');
    let ends_statement = matches!(after, None | Some(b'\n' | b'\r' | b';' | b'#' | b'\\'));
    // `debug`, `.debug`, `["DEBUG"]`, `['debug']` right before the `=`.
    let target = assigned.trim_ascii_end();
    let target = target.strip_suffix(b"]").unwrap_or(target);
    let target = target
        .strip_suffix(b"\"")
        .or_else(|| target.strip_suffix(b"'"))
        .unwrap_or(target);
    ends_statement || target.to_ascii_lowercase().ends_with(b"debug")
}

fn python_rule(cx: &Cx, out: &mut Report) {
    if !python_may_set_debug(cx.text()) {
        return;
    }
    let Some(_tree) = cx.tree() else { return };
    let src = cx.text();
    let imports = cx.py_imports();
    let nodes = cx.nodes();
    let b = cx.bindings();
    let web_import = ["flask", "quart", "fastapi", "starlette", "sanic"]
        .iter()
        .any(|m| imports.uses_module(m));
    // Names bound to a web app: `app = Flask(__name__)`.
    let is_app = |name: &str| {
        if let Some(v) = b.value(name) {
            if v.kind() == "call" {
                if let Some(f) = v.child_by_field_name("function") {
                    let callee = imports.resolve(treesitter::text(f, src));
                    return PY_APP_CLASSES.contains(&callee.as_str());
                }
            }
        }
        web_import && matches!(name, "app" | "application")
    };
    let mut settings_like = is_settings_path(&cx.file.rel_path) || imports.uses_module("django");
    let mut module_debug: Vec<(Node<'_>, Node<'_>)> = Vec::new();
    for &node in nodes {
        match node.kind() {
            "call" => python_call(out, node, src, imports, b),
            "assignment" => {
                let (Some(left), Some(right)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) else {
                    continue;
                };
                match left.kind() {
                    "identifier" if web::py_module_level(node) => {
                        let name = treesitter::text(left, src);
                        if DJANGO_SETTINGS.contains(&name) {
                            settings_like = true;
                        } else if name == "DEBUG" && right.kind() == "true" {
                            module_debug.push((node, right));
                        }
                    }
                    // `app.debug = True`
                    "attribute" if right.kind() == "true" => {
                        let (Some(obj), Some(attr)) = (
                            left.child_by_field_name("object"),
                            left.child_by_field_name("attribute"),
                        ) else {
                            continue;
                        };
                        if treesitter::text(attr, src) == "debug"
                            && obj.kind() == "identifier"
                            && is_app(treesitter::text(obj, src))
                        {
                            let shown = treesitter::text(node, src);
                            out.add(
                                treesitter::span(node),
                                format!("`{shown}` switches the app into debug mode: {WHY_PY}"),
                            )
                            .fix("delete the line and set `FLASK_DEBUG=1` only in the development environment");
                        }
                    }
                    // `app.config["DEBUG"] = True`
                    "subscript" if right.kind() == "true" => {
                        let (Some(value), Some(key)) = (
                            left.child_by_field_name("value"),
                            left.child_by_field_name("subscript"),
                        ) else {
                            continue;
                        };
                        if treesitter::text(value, src).ends_with("config")
                            && treesitter::string_value(key, src).as_deref() == Some("DEBUG")
                        {
                            let shown = treesitter::text(node, src);
                            out.add(
                                treesitter::span(node),
                                format!("`{shown}` switches the app into debug mode: {WHY_PY}"),
                            )
                            .fix("read it from the environment: `app.config[\"DEBUG\"] = os.environ.get(\"FLASK_DEBUG\") == \"1\"`");
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    if settings_like && !web::is_dev_path(&cx.file.rel_path) && !overridden_by_siblings(cx) {
        for (assign, _) in module_debug {
            out.add(
                treesitter::span(assign),
                "`DEBUG = True` is a literal in this settings module: every deploy that uses it serves Django's debug pages (settings and source on every error) and keeps every SQL query in memory",
            )
            .fix("read it from the environment, off by default: `DEBUG = os.environ.get(\"DJANGO_DEBUG\") == \"1\"`");
        }
    }
}

fn python_call(
    out: &mut Report,
    node: Node<'_>,
    src: &str,
    imports: &python::Imports,
    b: &Bindings<'_>,
) {
    let (Some(func), Some(args)) = (
        node.child_by_field_name("function"),
        node.child_by_field_name("arguments"),
    ) else {
        return;
    };
    let call = python::Call {
        node,
        callee: func,
        args,
    };
    let func_text = treesitter::text(func, src);
    let resolved = imports.resolve(func_text);
    let method = match func.kind() {
        "attribute" => func
            .child_by_field_name("attribute")
            .map_or("", |a| treesitter::text(a, src)),
        "identifier" => func_text,
        _ => return,
    };
    // Reports `name=True` (or `name=X` with `X = True` elsewhere); `what(kw)` builds the
    // message from the keyword argument as written.
    let flag_kw = |out: &mut Report, name: &str, what: &dyn Fn(&str, &str) -> String, fix: &str| {
        let Some((kw, value)) = call.keyword(name, src) else {
            return;
        };
        let Some(lit) = web::py_true_literal(value, src, b) else {
            return;
        };
        let kw_text = treesitter::text(kw, src);
        let (span, message) = if lit == value {
            (treesitter::span(kw), what(kw_text, ""))
        } else {
            let at = format!(
                " at line {} (through this `True`)",
                node.start_position().row + 1
            );
            (treesitter::span(lit), what(kw_text, &at))
        };
        out.add(span, message).fix(fix.to_owned());
    };
    if matches!(method, "run" | "run_server")
        && !matches!(
            resolved.as_str(),
            "asyncio.run" | "asyncio.runners.run" | "trio.run" | "anyio.run"
        )
        && !resolved.starts_with("subprocess.")
    {
        let shown = if func_text.len() <= 30 {
            func_text
        } else {
            method
        };
        flag_kw(
            out,
            "debug",
            &|kw, at| format!("`{shown}({kw})`{at} runs the app in debug mode: {WHY_PY}"),
            RUN_FIX,
        );
    }
    if matches!(
        resolved.as_str(),
        "fastapi.FastAPI" | "starlette.applications.Starlette" | "quart.Quart"
    ) {
        let short = resolved.rsplit('.').next().unwrap_or(&resolved);
        flag_kw(
            out,
            "debug",
            &|kw, at| {
                format!(
                    "`{short}({kw})`{at} returns tracebacks to clients in every environment that runs this code, so production differs from development and leaks its internals"
                )
            },
            &format!(
                "choose per environment: `{short}(debug=os.environ.get(\"APP_DEBUG\") == \"1\")`"
            ),
        );
    }
    // `app.config.update(DEBUG=True)` / `from_mapping(DEBUG=True)` / `update({"DEBUG": True})`
    if matches!(method, "update" | "from_mapping")
        && func
            .child_by_field_name("object")
            .is_some_and(|o| treesitter::text(o, src).ends_with("config"))
    {
        flag_kw(
            out,
            "DEBUG",
            &|kw, at| format!("`{kw}`{at} in the app config switches on debug mode: {WHY_PY}"),
            "read it from the environment: `DEBUG=os.environ.get(\"FLASK_DEBUG\") == \"1\"`",
        );
        for arg in call.positional() {
            if arg.kind() != "dictionary" {
                continue;
            }
            for pair in web::args(arg) {
                if pair.kind() != "pair" {
                    continue;
                }
                let (Some(k), Some(v)) = (
                    pair.child_by_field_name("key"),
                    pair.child_by_field_name("value"),
                ) else {
                    continue;
                };
                if treesitter::string_value(k, src).as_deref() == Some("DEBUG")
                    && v.kind() == "true"
                {
                    out.add(
                        treesitter::span(pair),
                        format!("`\"DEBUG\": True` in the app config switches on debug mode: {WHY_PY}"),
                    )
                    .fix("read it from the environment: `\"DEBUG\": os.environ.get(\"FLASK_DEBUG\") == \"1\"`");
                }
            }
        }
    }
}

/// Whether this is the shared base of a settings package (`settings/base.py`) whose
/// per-environment modules beside it set `DEBUG` themselves: the base's value is then a
/// default that production overrides.
fn overridden_by_siblings(cx: &Cx) -> bool {
    let rel = cx.file.rel_path.to_ascii_lowercase();
    let mut parts = rel.rsplit('/');
    let name = parts.next().unwrap_or("");
    let parent = parts.next().unwrap_or("");
    let is_base = matches!(
        name,
        "base.py" | "common.py" | "defaults.py" | "default.py" | "shared.py" | "__init__.py"
    );
    if parent != "settings" || !is_base {
        return false;
    }
    let Some(dir) = cx.abs_path.parent() else {
        return false;
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    // Reads go through `Place`: confined to the scan root, links out of it not followed.
    let place = Place::of(cx.root, cx.abs_path, &cx.file.rel_path);
    for entry in entries.flatten().take(64) {
        let Some(file) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if !file.ends_with(".py") || file.eq_ignore_ascii_case(name) || web::is_dev_path(&file) {
            continue;
        }
        let Ok(text) = place.read(&place.beside(&file), 256 * 1024) else {
            continue;
        };
        if text.lines().any(|l| {
            let t = l.trim_end();
            t.starts_with("DEBUG =") || t.starts_with("DEBUG=") || t.starts_with("DEBUG:")
        }) {
            return true;
        }
    }
    false
}

/// `settings.py`, `settings_prod.py`, `settings/base.py`, `conf/settings/production.py`.
fn is_settings_path(rel: &str) -> bool {
    let lower = rel.to_ascii_lowercase();
    let mut parts = lower.rsplit('/');
    let name = parts.next().unwrap_or("");
    let parent = parts.next().unwrap_or("");
    name.starts_with("settings") || parent == "settings"
}

// ---------------------------------------------------------------- JavaScript / TypeScript

fn js_rule(cx: &Cx, out: &mut Report) {
    static EXPRESS: Words = Words::new(&["express"]);
    static SET: Words = Words::new(&["set"]);
    if !EXPRESS.any_in(cx.text()) || !SET.called_in(cx.text()) {
        return;
    }
    let (Some(_tree), Some(_lang)) = (cx.tree(), cx.lang()) else {
        return;
    };
    let src = cx.text();
    let imports = cx.js_imports();
    if !imports.uses_module("express") {
        return;
    }
    for (name, call) in cx.js_calls().iter().cloned() {
        if !name.ends_with(".set") {
            continue;
        }
        let args = call.arguments();
        if args.len() != 2 || treesitter::string_value(args[0], src).as_deref() != Some("env") {
            continue;
        }
        if let Some(v) = treesitter::string_value(args[1], src) {
            if is_development(&v) {
                let callee = treesitter::text(call.callee, src);
                out.add(
                    treesitter::span(call.node),
                    format!("`{callee}(\"env\", \"{v}\")` runs Express in development mode everywhere: verbose error pages with stack traces and no view caching, so production differs from development"),
                )
                .fix("delete the call: Express reads `NODE_ENV`, which each environment sets (`production` in production)");
            }
        }
    }
}

fn is_development(v: &str) -> bool {
    matches!(v.to_ascii_lowercase().as_str(), "development" | "dev")
}

fn is_truthy(v: &str) -> bool {
    matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on")
}

// ---------------------------------------------------------------- Dockerfile

/// `ENV` keys that switch debug mode on with a truthy value.
const DEBUG_KEYS: &[&str] = &[
    "FLASK_DEBUG",
    "DEBUG",
    "DJANGO_DEBUG",
    "APP_DEBUG",
    "QUART_DEBUG",
];
/// `ENV` keys that name the framework's mode, `development` being debug mode.
const MODE_KEYS: &[&str] = &[
    "FLASK_ENV",
    "QUART_ENV",
    "NODE_ENV",
    "RAILS_ENV",
    "RACK_ENV",
];

/// Judges one `KEY=value` of deploy configuration (`place`: "image", "Compose service", …);
/// the message and fix, if it is debug mode.
pub fn judge_env(key: &str, value: &str, place: &str) -> Option<(String, String)> {
    let upper = key.to_ascii_uppercase();
    let every = match place {
        "ConfigMap" => "every environment that uses this ConfigMap".to_owned(),
        "workload" => "every environment this workload is deployed to".to_owned(),
        p => format!("every environment that runs this {p}"),
    };
    if DEBUG_KEYS.contains(&upper.as_str()) && is_truthy(value) {
        return Some((
            format!(
                "`{key}={value}` switches on debug mode in {every}: production then differs from development and serves debug pages"
            ),
            format!(
                "remove `{key}` from the {place} and set it only in the development environment"
            ),
        ));
    }
    if MODE_KEYS.contains(&upper.as_str()) && is_development(value) {
        let fix = if upper == "NODE_ENV" {
            format!(
                "set `NODE_ENV=production` in the {place} (dependencies and frameworks then run in production mode) and override it only in development"
            )
        } else {
            format!(
                "remove `{key}` from the {place} (or set it to `production`) and choose the mode per environment"
            )
        };
        return Some((
            format!(
                "`{key}={value}` runs the app in development mode in {every}: production then differs from development"
            ),
            fix,
        ));
    }
    None
}

fn dockerfile_rule(cx: &Cx, out: &mut Report) {
    if web::is_dev_path(&cx.file.rel_path) {
        return;
    }
    let df = cx.dockerfile();
    let mut vars: Vars = Vars::new();
    let mut dev_stage = false;
    for instr in &df.instructions {
        match instr.keyword.as_str() {
            "FROM" => {
                // Variables do not cross stages (global ARGs need redeclaring).
                vars.clear();
                dev_stage = match (instr.words.get(1), instr.words.get(2)) {
                    (Some(as_kw), Some(name)) if as_kw.text.eq_ignore_ascii_case("as") => {
                        web::is_dev_path(&name.text)
                    }
                    _ => false,
                };
            }
            "ARG" => {
                for (k, v) in instr.key_values() {
                    vars.insert(k.text, v.map(|v| v.text));
                }
            }
            "ENV" => {
                for (k, v) in instr.key_values() {
                    let Some(v) = v else { continue };
                    let (value, _) = dockerfile::substitute(&v.text, &vars);
                    if !dev_stage {
                        if let Some((message, fix)) = judge_env(&k.text, &value, "image") {
                            let span = if value == v.text {
                                Span::new(k.span.start, v.span.end.max(k.span.end))
                            } else {
                                v.span
                            };
                            out.add(span, message).fix(fix);
                        }
                    }
                    vars.insert(k.text, Some(value));
                }
            }
            _ => {}
        }
    }
}

// ---------------------------------------------------------------- Compose, Kubernetes

fn yaml_rule(cx: &Cx, out: &mut Report) {
    let rel = &cx.file.rel_path;
    // `docker-compose.override.yml` and `compose.dev.yaml` exist for local development.
    if web::is_dev_path(rel) || rel.to_ascii_lowercase().contains("override") {
        return;
    }
    let text = cx.text();
    let judge_all = |vars: Vec<deploy::EnvVar>, place: &str, out: &mut Report| {
        for var in vars {
            if let Some((message, fix)) = judge_env(&var.key, var.value.trim(), place) {
                out.add(var.span, message).fix(fix);
            }
        }
    };
    for doc in &cx.yaml().docs {
        if cx.kind() == FileKind::Compose {
            for (name, service) in deploy::compose_services(doc) {
                if web::is_dev_path(name) {
                    continue;
                }
                if let Some(env) = service.get("environment") {
                    judge_all(deploy::env_vars(env, text), "Compose service", out);
                }
            }
            continue;
        }
        let Some(kind) = deploy::k8s_kind(doc) else {
            continue;
        };
        if kind == "ConfigMap" {
            if let Some(data) = doc.get("data") {
                judge_all(deploy::env_vars(data, text), "ConfigMap", out);
            }
            continue;
        }
        let Some(pod) = deploy::pod_spec(doc, kind) else {
            continue;
        };
        for c in deploy::containers(pod) {
            if let Some(env) = c.get("env") {
                judge_all(deploy::env_vars(env, text), "workload", out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::python_may_set_debug;

    #[test]
    fn python_gate_wants_debug_and_a_bound_true() {
        for text in [
            "app.run(debug=True)",
            "DEBUG = True",
            "app.config.update({'DEBUG': True})",
            "DEV = True\napp.run(debug = DEV)",
            "DEBUG: bool = True",
            "DEBUG: Annotated[\n    bool,\n] = True  # on\n",
            "app.config['DEBUG']=True",
            "app.run(\n    debug =\n        True,\n)",
            "if (DEV := True): app.run(debug=DEV)",
            "DEV = True;app.run(debug=DEV)",
            "DEV = True \\\n\napp.run(debug=DEV)",
        ] {
            assert!(python_may_set_debug(text), "{text}");
        }
        for text in [
            "if debug == True: pass",
            "debug = check(True)",
            "app.run(debug=False)",
            "assert x is True\nlog.debug('x')",
            "def create(debug: bool = False, docs: Annotated[\n  bool,\n] = True,\n):\n    App(debug=debug)",
            "app.run(debug=debug, reload=True)",
            "DEBUG = Truthy\nrun(debug=DEBUG)",
        ] {
            assert!(!python_may_set_debug(text), "{text}");
        }
    }
}
