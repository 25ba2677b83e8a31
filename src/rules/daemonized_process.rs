//! `daemonized-process`: processes that daemonize or run a process tree instead of one
//! foreground process — gunicorn `--daemon`/`-D`/`daemon = True`, python-daemon's
//! `DaemonContext`, `os.fork()` then `os.setsid()`, and start commands that background
//! work (`cmd &`, `nohup`, `service X start`, `supervisord`, `tail -f /dev/null`).

use super::Rule;
use crate::classify::FileKind;
use crate::context::{Cx, Report};
use crate::lang::commands::{Origin, basename, service_start};
use crate::lang::entrypoint::Starts;
use crate::parse::shell::Command;
use crate::parse::treesitter::{self, Lang, LazyQuery};
use std::collections::HashMap;

pub const RULE: Rule = Rule {
    id: "daemonized-process",
    meta_source: include_str!("../../rules/daemonized-process.toml"),
    kinds: &[
        FileKind::Dockerfile,
        FileKind::Procfile,
        FileKind::Compose,
        FileKind::Shell,
        FileKind::Python,
    ],
    triggers: &[
        "daemon",
        "-D",
        "&",
        "nohup",
        "service",
        "supervisor",
        "tail",
        "sleep",
        "fork",
        "init.d",
        "systemctl",
    ],
    check,
};

const WHY: &str = "the platform supervises, restarts, scales and collects the output of one foreground process per container or process type; a daemon or background child escapes all of that";

fn check(cx: &Cx, out: &mut Report) {
    if cx.kind() == FileKind::Python {
        return python_rule(cx, out);
    }
    // A shell script reports a daemonizing server flag wherever it is, and a process tree
    // only if a Dockerfile starts it: ask that before reading the script.
    if cx.kind() == FileKind::Shell
        && !names_daemonizing_server(cx.text())
        && cx.started_by().is_none()
    {
        return;
    }
    let starts = Starts::new(cx);
    for snippet in cx.scripts() {
        let build = matches!(
            snippet.origin,
            Origin::DockerRun { .. } | Origin::WorkflowRun { .. }
        );
        let mut start_only: Vec<(&Command, String, String)> = Vec::new();
        for cmd in &snippet.script.commands {
            if !build {
                if let Some((what, fix)) = daemon_flag(cmd) {
                    out.add(cmd.span, format!("{what}: {WHY}")).fix(fix);
                    continue;
                }
            }
            if let Some((what, fix)) = process_tree(cmd) {
                start_only.push((cmd, what, fix));
            }
        }
        if start_only.is_empty() {
            continue;
        }
        let Some(start) = starts.describe(snippet) else {
            continue;
        };
        for (cmd, what, fix) in start_only {
            out.add(
                cmd.span,
                format!("the start command ({start}) {what}: {WHY}"),
            )
            .fix(fix);
        }
    }
}

/// The gate for [`daemon_flag`] in a shell script: its words name a server that has one.
fn names_daemonizing_server(script: &str) -> bool {
    crate::lang::gate::shell_words(script)
        .is_none_or(|words| DAEMONIZING_SERVERS.iter().any(|s| words.contains(s)))
}

const DAEMONIZING_SERVERS: [&str; 2] = ["gunicorn", "uwsgi"];

/// gunicorn `--daemon`/`-D`, uWSGI `--daemonize`: the server detaches itself.
fn daemon_flag(cmd: &Command) -> Option<(String, String)> {
    let (_, w) = cmd.effective();
    let name = basename(&w.first()?.text);
    let flag = w[1..].iter().find(|x| {
        let t = x.text.as_str();
        match name {
            "gunicorn" => t == "--daemon" || t == "-D",
            "uwsgi" => t.starts_with("--daemonize"),
            _ => false,
        }
    })?;
    Some((
        format!(
            "`{name} {}` detaches the server from the process that started it",
            flag.text
        ),
        format!(
            "drop `{}`: run {name} in the foreground and let the platform supervise it",
            flag.text
        ),
    ))
}

/// Start-command shapes that leave more than one foreground process.
fn process_tree(cmd: &Command) -> Option<(String, String)> {
    let (_, w) = cmd.effective();
    let program = w.first()?;
    let name = basename(&program.text);
    let shown = w
        .iter()
        .take(3)
        .map(|x| x.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let separate = "run each program as its own process type or container (a Procfile entry, a Compose service) in the foreground, and start the app with `exec` as the one process";
    if let Some(service) = service_start(cmd) {
        return Some((
            format!("starts the `{service}` service as a daemon (`{shown}`)"),
            format!(
                "run `{service}` as its own container or process type in the foreground instead of as a service inside this one"
            ),
        ));
    }
    match name {
        "supervisord" | "supervisor" | "runsvdir" | "s6-svscan" | "forego" | "honcho"
        | "foreman" | "pm2" => {
            let what = if name == "pm2" {
                "runs the app under pm2, a process manager"
            } else {
                "runs a process manager that keeps a tree of programs"
            };
            return Some((format!("{what} (`{shown}`)"), separate.into()));
        }
        "nohup" => {
            return Some((
                format!(
                    "detaches `{}` from the terminal with `nohup`",
                    w.get(1).map_or("", |x| x.text.as_str())
                ),
                separate.into(),
            ));
        }
        "tail"
            if w[1..]
                .iter()
                .any(|x| x.text.starts_with('-') && x.text.contains(['f', 'F'])) =>
        {
            return Some((
                format!(
                    "keeps the container alive with `{shown}` while the real work runs elsewhere"
                ),
                "make the app itself the container's foreground command (started with `exec`)"
                    .into(),
            ));
        }
        "sleep" if w.get(1).is_some_and(|x| x.text == "infinity") => {
            return Some((
                "keeps the container alive with `sleep infinity` while the real work runs elsewhere".into(),
                "make the app itself the container's foreground command (started with `exec`)".into(),
            ));
        }
        _ => {}
    }
    let first_of_pipeline = cmd.pipeline.is_none_or(|p| p.index == 0);
    if cmd.background && cmd.nesting == 0 && !cmd.in_function && first_of_pipeline {
        return Some((
            format!("runs `{shown}` in the background (`&`)"),
            separate.into(),
        ));
    }
    None
}

// ---------------------------------------------------------------- Python

static PY_MODULE_ASSIGN: LazyQuery = LazyQuery::new(
    r#"(module (expression_statement (assignment left: (identifier) @name right: (_) @value) @assign))"#,
);

fn python_rule(cx: &Cx, out: &mut Report) {
    // The shell trigger words (`&`, `-D`, …) say nothing about Python: only these do.
    let text = cx.text();
    if !text.contains("daemon") && !text.contains("fork") {
        return;
    }
    let Some(tree) = cx.tree() else { return };
    let src = cx.text();
    if is_gunicorn_config(&cx.file.rel_path) {
        PY_MODULE_ASSIGN.for_each(Lang::Python, tree, src, |q, m| {
            let (Some(name), Some(value), Some(assign)) = (
                treesitter::capture(q, m, "name"),
                treesitter::capture(q, m, "value"),
                treesitter::capture(q, m, "assign"),
            ) else {
                return;
            };
            if treesitter::text(name, src) == "daemon" && treesitter::text(value, src) == "True" {
                out.add(
                    treesitter::span(assign),
                    format!("gunicorn `daemon = True` detaches the server from the process that started it: {WHY}"),
                )
                .fix("remove `daemon = True` (gunicorn's default is the foreground) and let the platform supervise the process");
            }
        });
    }
    // Calls of os.fork / os.setsid per enclosing function (None: module level).
    let mut forks: HashMap<Option<usize>, Vec<tree_sitter::Node>> = HashMap::new();
    let mut setsids: HashMap<Option<usize>, Vec<usize>> = HashMap::new();
    for (name, call) in cx.py_calls().iter().cloned() {
        match name.as_str() {
            "daemon.DaemonContext" | "daemon.runner.DaemonRunner" => {
                let short = name.rsplit('.').next().unwrap_or(&name);
                out.add(
                    treesitter::span(call.node),
                    format!("python-daemon `{short}` detaches the process from its parent and terminal: {WHY}"),
                )
                .fix("run in the foreground and let the platform's process manager (Procfile, systemd, Kubernetes) supervise and scale the process");
            }
            "os.fork" => forks
                .entry(enclosing_function(call.node))
                .or_default()
                .push(call.node),
            "os.setsid" => setsids
                .entry(enclosing_function(call.node))
                .or_default()
                .push(call.node.start_byte()),
            _ => {}
        }
    }
    for (scope, fork_calls) in forks {
        let Some(sids) = setsids.get(&scope) else {
            continue;
        };
        for f in fork_calls {
            if sids.iter().any(|&s| s > f.start_byte()) {
                out.add(
                    treesitter::span(f),
                    format!("`os.fork()` followed by `os.setsid()` daemonizes the process (it leaves its parent's session): {WHY}"),
                )
                .fix("do not daemonize: run in the foreground and scale by running more processes (more process types or replicas)");
            }
        }
    }
}

/// The id of the `def` a node is in, or `None` at module level. Iterative and bounded
/// by the tree's depth.
fn enclosing_function(node: tree_sitter::Node) -> Option<usize> {
    let mut cur = node.parent();
    while let Some(n) = cur {
        if n.kind() == "function_definition" {
            return Some(n.id());
        }
        cur = n.parent();
    }
    None
}

fn is_gunicorn_config(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.starts_with("gunicorn") && name.ends_with(".py")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_compiles() {
        PY_MODULE_ASSIGN.compile(Lang::Python).unwrap();
    }

    #[test]
    fn the_shell_gate_lets_every_daemon_flag_through() {
        for script in [
            "gunicorn -D app:app",
            "exec /usr/bin/gunicorn --daemon app:app",
            "uwsgi --daemonize /var/log/uwsgi.log",
            "g'uni'corn \\\n --daemon app",
        ] {
            let parsed = crate::parse::shell::parse(script);
            assert!(daemon_flag(&parsed.commands[0]).is_some(), "{script}");
            assert!(names_daemonizing_server(script), "{script}");
        }
        assert!(!names_daemonizing_server("redis-server &\nnohup worker &"));
    }
}
