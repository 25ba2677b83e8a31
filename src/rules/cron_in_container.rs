//! `cron-in-container`: a scheduler daemon inside the app image — cron installed or a
//! crontab set up in a Dockerfile, or cron started by a start command.

use super::Rule;
use crate::classify::FileKind;
use crate::context::{Cx, Report};
use crate::lang::commands::{Origin, basename, service_start};
use crate::lang::entrypoint::Starts;
use crate::lang::install::{self, Manager};
use crate::parse::shell::Command;

pub const RULE: Rule = Rule {
    id: "cron-in-container",
    meta_source: include_str!("../../rules/cron-in-container.toml"),
    kinds: &[
        FileKind::Dockerfile,
        FileKind::Procfile,
        FileKind::Compose,
        FileKind::Shell,
    ],
    triggers: &["cron"],
    check,
};

/// Packages that install a cron daemon.
const CRON_PACKAGES: &[&str] = &[
    "cron",
    "cronie",
    "dcron",
    "crond",
    "fcron",
    "bcron",
    "anacron",
    "cronie-anacron",
    "systemd-cron",
];

const WHY: &str = "a scheduler inside the app's container runs jobs once per replica (or not at all when scaled to zero), outside the platform's logs, restarts and one-off process model";

const FIX: &str = "run scheduled admin tasks as one-off processes started by the platform's scheduler (a Kubernetes CronJob, a scheduled task or clock process, a CI schedule) using the same image and config";

fn check(cx: &Cx, out: &mut Report) {
    if cx.kind() == FileKind::Dockerfile {
        crontab_files(cx, out);
    }
    let starts = Starts::new(cx);
    for snippet in cx.scripts() {
        let run = matches!(snippet.origin, Origin::DockerRun { .. });
        let mut at_start: Vec<(&Command, String)> = Vec::new();
        for cmd in &snippet.script.commands {
            if run {
                build_time(cmd, out);
            } else if let Some(what) = starts_cron(cmd) {
                at_start.push((cmd, what));
            }
        }
        if at_start.is_empty() {
            continue;
        }
        let Some(start) = starts.describe(snippet) else {
            continue;
        };
        for (cmd, what) in at_start {
            out.add(
                cmd.span,
                format!("the start command ({start}) {what}: {WHY}"),
            )
            .fix(FIX);
        }
    }
}

/// In a `RUN`: cron packages installed, `crontab` loaded.
fn build_time(cmd: &Command, out: &mut Report) {
    if let Some(i) = install::install(cmd) {
        if matches!(i.manager, Manager::Apt | Manager::Apk | Manager::Yum) {
            for w in &i.operands {
                let pkg = w.text.split(['=', '~', '/']).next().unwrap_or("");
                let pkg = if i.manager == Manager::Yum {
                    yum_name(pkg)
                } else {
                    pkg
                };
                if CRON_PACKAGES.contains(&pkg) {
                    out.add(
                        w.span,
                        format!(
                            "`{}` installs the `{pkg}` scheduler daemon into the image: {WHY}",
                            i.command_text()
                        ),
                    )
                    .fix(FIX);
                }
            }
        }
        return;
    }
    if loads_crontab(cmd) {
        out.add(
            cmd.span,
            format!("`crontab` installs a schedule into the image for a cron daemon inside the container: {WHY}"),
        )
        .fix(FIX);
    }
}

/// `crontab FILE`, `crontab -` (not `crontab -l` / `-r`, which list or remove).
fn loads_crontab(cmd: &Command) -> bool {
    let (_, w) = cmd.effective();
    w.first().is_some_and(|x| basename(&x.text) == "crontab")
        && !w[1..]
            .iter()
            .any(|x| matches!(x.text.as_str(), "-l" | "-r" | "-e" | "-ir"))
}

/// `cronie-1.5.7` → `cronie`.
fn yum_name(t: &str) -> &str {
    match t.rsplit_once('-') {
        Some((n, v)) if v.starts_with(|c: char| c.is_ascii_digit()) => n,
        _ => t,
    }
}

/// In a start command: cron started.
fn starts_cron(cmd: &Command) -> Option<String> {
    if let Some(service) = service_start(cmd) {
        return CRON_PACKAGES
            .contains(&service)
            .then(|| format!("starts the `{service}` scheduler daemon"));
    }
    let (_, w) = cmd.effective();
    let mut name = basename(&w.first()?.text);
    if name == "busybox" {
        name = w.get(1).map_or("", |x| x.text.as_str());
    }
    match name {
        "cron" | "crond" | "fcron" | "anacron" => Some(format!("runs the `{name}` scheduler")),
        "crontab" if loads_crontab(cmd) => {
            Some("loads a `crontab` for a scheduler inside the container".into())
        }
        _ => None,
    }
}

/// `COPY`/`ADD` of a crontab file or into a cron directory.
fn crontab_files(cx: &Cx, out: &mut Report) {
    for instr in &cx.dockerfile().instructions {
        if !matches!(instr.keyword.as_str(), "COPY" | "ADD") {
            continue;
        }
        let words: Vec<&crate::parse::dockerfile::Word> = match &instr.exec_form {
            Some(w) => w.iter().collect(),
            None => instr.words.iter().collect(),
        };
        let Some((dest, sources)) = words.split_last() else {
            continue;
        };
        let cron_dir = [
            "/etc/cron",
            "/etc/crontab",
            "/var/spool/cron",
            "/etc/periodic/",
        ]
        .iter()
        .any(|d| dest.text.starts_with(d));
        for src in sources {
            let name = basename(src.text.trim_end_matches('/')).to_ascii_lowercase();
            if cron_dir || name.contains("crontab") || name == "cron" || name.ends_with(".cron") {
                out.add(
                    src.span,
                    format!(
                        "`{} {} {}` adds a cron schedule or job to the image, for a scheduler inside the container: {WHY}",
                        instr.keyword, src.text, dest.text
                    ),
                )
                .fix(FIX);
            }
        }
    }
}
