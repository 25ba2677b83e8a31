//! `shell-form-command`: a container whose PID 1 is a shell that does not pass SIGTERM
//! on — Dockerfile `CMD`/`ENTRYPOINT` in shell form, and start scripts (a script a
//! Dockerfile copies in and starts) whose last command starts the app without `exec`.

use super::Rule;
use crate::classify::FileKind;
use crate::context::{Cx, Report};
use crate::lang::commands::{Origin, basename};
use crate::parse::shell::Command;

pub const RULE: Rule = Rule {
    id: "shell-form-command",
    meta_source: include_str!("../../rules/shell-form-command.toml"),
    kinds: &[FileKind::Dockerfile, FileKind::Shell],
    triggers: &[],
    check,
};

const WHY: &str = "the shell is PID 1 and does not pass SIGTERM on, so `docker stop` waits out the grace period and then kills the app mid-request";

fn check(cx: &Cx, out: &mut Report) {
    match cx.kind() {
        FileKind::Dockerfile => dockerfile(cx, out),
        FileKind::Shell => script(cx, out),
        _ => {}
    }
}

fn dockerfile(cx: &Cx, out: &mut Report) {
    let df = cx.dockerfile();
    for (index, instr) in df.instructions.iter().enumerate() {
        let keyword = instr.keyword.as_str();
        if !matches!(keyword, "CMD" | "ENTRYPOINT") || instr.exec_form.is_some() {
            continue;
        }
        let rest = instr.rest().trim();
        if rest.is_empty() || rest.split_whitespace().next() == Some("exec") {
            continue;
        }
        let simple = cx
            .scripts()
            .iter()
            .find(|s| {
                matches!(s.origin, Origin::DockerStart { instruction, .. } if instruction == index)
            })
            .and_then(|s| match &s.script.commands[..] {
                [only] if is_plain(only) => Some(only),
                _ => None,
            });
        let fix = match simple {
            Some(cmd) => format!(
                "use exec form: `{keyword} [{}]`",
                cmd.words
                    .iter()
                    .map(|w| json_string(&w.text))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => format!(
                "use exec form, or start the app with `exec` so it replaces the shell: `{keyword} <setup> && exec <app>` (for longer set-up, an entrypoint script that ends with `exec \"$@\"`)"
            ),
        };
        out.add(
            instr.rest_span(),
            format!(
                "`{keyword}` in shell form runs `/bin/sh -c \"{}\"`: {WHY}",
                shorten(rest)
            ),
        )
        .fix(fix);
    }
}

/// One command with literal words and nothing for a shell to do.
fn is_plain(cmd: &Command) -> bool {
    cmd.nesting == 0
        && cmd.assignments.is_empty()
        && cmd.redirects.is_empty()
        && !cmd.background
        && cmd.next.is_none()
        && cmd.pipeline.is_none()
        && !cmd.words.is_empty()
        && cmd.words.iter().all(|w| !w.dynamic)
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

fn shorten(s: &str) -> String {
    let one_line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 60 {
        let cut: String = one_line.chars().take(57).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}

/// Commands that do not start anything long-running.
const NOT_AN_APP: &[&str] = &[
    "echo", "printf", "exit", "return", "true", "false", ":", "set", "export", "unset", "wait",
    "sleep", "cd", "source", ".", "shift", "trap", "umask", "ulimit", "test", "[", "[[", "local",
    "declare", "readonly", "eval", "chmod", "chown", "mkdir", "rm", "cp", "mv", "ln", "touch",
    "cat", "sed", "envsubst",
];

fn script(cx: &Cx, out: &mut Report) {
    // Most scripts are not a container's start script: ask that before reading it.
    let Some(by) = cx.started_by() else {
        return;
    };
    let Some(snippet) = cx.scripts().first() else {
        return;
    };
    let script = &snippet.script;
    if script.iter_top_level().any(|c| c.name() == Some("trap")) {
        return; // it handles (or forwards) signals itself
    }
    let Some(last) = script.last_top_level() else {
        return;
    };
    if last.has_exec_prefix() || last.background {
        return;
    }
    let Some(name) = last.effective_name() else {
        return;
    };
    if NOT_AN_APP.contains(&name) || defines_function(cx.text(), name) {
        return;
    }
    let first = last.words.first().map_or(name, |w| w.text.as_str());
    let shown = if first.starts_with('$') {
        format!("\"{first}\"")
    } else {
        first.to_owned()
    };
    let file = basename(&cx.file.rel_path);
    out.add(
        last.span,
        format!(
            "`{shown}` is started without `exec` as the last command of `{file}`, which `{}` runs as `{}` (line {}): {WHY}",
            by.dockerfile, by.keyword, by.line
        ),
    )
    .fix(format!(
        "start it with `exec {shown} …` so it replaces the shell and receives signals (or `trap` TERM and forward it)"
    ));
}

/// `name() {` / `function name` in the script: the last command calls a function
/// whose body this rule does not follow.
fn defines_function(text: &str, name: &str) -> bool {
    text.contains(&format!("{name}()"))
        || text.contains(&format!("{name} ()"))
        || text.contains(&format!("function {name}"))
}
