//! `build-in-run-stage`: start commands that install, build or fetch code — Dockerfile
//! `CMD`/`ENTRYPOINT`, Procfile process types (not `release:`), Compose
//! `command:`/`entrypoint:`, and start scripts a Dockerfile runs.

use super::Rule;
use crate::classify::FileKind;
use crate::context::{Cx, Report};
use crate::lang::commands::basename;
use crate::lang::entrypoint::Starts;
use crate::lang::install::{self, Manager};
use crate::parse::shell::Command;

pub const RULE: Rule = Rule {
    id: "build-in-run-stage",
    meta_source: include_str!("../../rules/build-in-run-stage.toml"),
    kinds: &[
        FileKind::Dockerfile,
        FileKind::Procfile,
        FileKind::Compose,
        FileKind::Shell,
    ],
    triggers: &[
        "install", "ci", "build", "package", "git", "pip", "npm", "yarn", "pnpm", "apk",
    ],
    check,
};

fn check(cx: &Cx, out: &mut Report) {
    // A shell script has a place to report only if a Dockerfile starts it (`Starts`):
    // asking that (once per file, reading each directory's Dockerfiles once) is cheaper
    // than reading every script.
    if cx.kind() == FileKind::Shell && cx.started_by().is_none() {
        return;
    }
    let starts = Starts::new(cx);
    for snippet in cx.scripts() {
        let mut found: Vec<(&Command, String, &'static str)> = Vec::new();
        for cmd in &snippet.script.commands {
            if let Some((what, kind)) = build_step(cmd) {
                found.push((cmd, what, kind));
            }
        }
        if found.is_empty() {
            continue;
        }
        let Some(start) = starts.describe(snippet) else {
            continue;
        };
        for (cmd, what, kind) in found {
            out.add(
                cmd.span,
                format!("the start command ({start}) {kind} at every start (`{what}`): build work in the run stage makes each start slow, fragile and possibly different from the last"),
            )
            .fix(format!(
                "do it once in the build: a Dockerfile `RUN {what}` (or your build/CI step), and start only the built app"
            ));
        }
    }
}

/// What build-stage work `cmd` does: its text for messages and what kind of work.
fn build_step(cmd: &Command) -> Option<(String, &'static str)> {
    let (_, w) = cmd.effective();
    let name = basename(&w.first()?.text);
    let arg = |i: usize| w.get(i).map(|x| x.text.as_str());
    let shown = |n: usize| {
        w.iter()
            .take(n)
            .map(|x| x.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    if let Some(i) = install::install(cmd) {
        let kind = match i.manager {
            Manager::Apt | Manager::Apk | Manager::Yum => "installs system packages",
            Manager::Go if i.verb.text == "get" => "fetches code",
            _ => "installs packages",
        };
        return Some((i.command_text(), kind));
    }
    // Non-flag arguments, for subcommand matching.
    let args: Vec<&str> = w[1..]
        .iter()
        .map(|x| x.text.as_str())
        .filter(|t| !t.starts_with('-'))
        .collect();
    let first = args.first().copied();
    let installs = match name {
        "npm" => matches!(first, Some("ci" | "clean-install" | "install-clean")),
        "yarn" => matches!(first, None | Some("install")),
        "pnpm" | "bun" => matches!(first, Some("install" | "i")),
        "bundle" | "composer" | "poetry" | "pipenv" => first == Some("install"),
        "uv" => first == Some("sync"),
        _ => false,
    };
    if installs {
        let n = if first.is_some() { 2 } else { 1 };
        return Some((shown(n), "installs dependencies"));
    }
    let script = match name {
        "npm" | "yarn" | "pnpm" | "bun" => {
            let s = if first == Some("run") {
                args.get(1).copied()
            } else {
                first
            };
            s.filter(|s| s.starts_with("build"))
        }
        _ => None,
    };
    if let Some(s) = script {
        let runs = if args.first() == Some(&"run") {
            "run "
        } else {
            ""
        };
        return Some((format!("{name} {runs}{s}"), "builds the app"));
    }
    let builds = match name {
        "cargo" => first == Some("build"),
        "go" => first == Some("build"),
        "mvn" | "mvnw" => args
            .iter()
            .any(|a| matches!(*a, "package" | "install" | "compile" | "verify")),
        "gradle" | "gradlew" => args
            .iter()
            .any(|a| matches!(*a, "build" | "assemble" | "bootJar" | "jar" | "installDist")),
        _ => false,
    };
    if builds {
        return Some((format!("{name} {}", first.unwrap_or("")), "builds the app"));
    }
    if name == "git" {
        let mut i = 1;
        while let Some(t) = arg(i) {
            match t {
                "-C" | "-c" | "--git-dir" | "--work-tree" => i += 2,
                _ if t.starts_with('-') => i += 1,
                _ => break,
            }
        }
        if let Some(sub @ ("clone" | "pull")) = arg(i) {
            return Some((format!("git {sub}"), "fetches code"));
        }
    }
    None
}
