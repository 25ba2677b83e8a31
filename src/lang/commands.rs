//! Commands in this file: every shell script a file runs, parsed once and shared by the
//! rules that read commands (`cx.scripts()`).
//!
//! A [`Snippet`] is one parsed [`Script`] plus where it comes from ([`Origin`]). Every
//! span in it points into the scanned file, whatever text was actually parsed:
//!
//! | file kind | snippets |
//! |---|---|
//! | Dockerfile | `RUN` in shell form (the logical text after the flags, line continuations removed; spans mapped back with [`Logical::file_span`]); `RUN <<EOF` heredoc bodies (bare, or fed to `sh`/`bash`), parsed in place; other `RUN … <<EOF` read as one script with their bodies; `CMD` / `ENTRYPOINT` in shell form; exec form (`["…"]`) of all three as one command whose words are the elements, with the string of `["sh", "-c", "…"]` parsed as a nested shell string. After `SHELL ["powershell", …]` or `["cmd", …]` the shell form is read as that [`Dialect`]; after another `SHELL` (`python`) it is skipped, until the next `FROM`. |
//! | Shell | the whole file, unless a shebang names another interpreter (`#!/usr/bin/awk -f`, zsh). |
//! | Procfile | each `name: command` line, the process type kept in the origin (so `release:` can be told apart). |
//! | Workflow, Action | each step's `run:` in a shell that runs commands (`shell:`, `defaults.run.shell`, else bash — or pwsh on a Windows runner or under `if: runner.os == 'Windows'`; a `${{ matrix.os }}` runner is Windows when all its values are; with no `os` in the matrix the OS is unknown and, under `policy = "scorecard"` only, the step is skipped as Scorecard does); `shell: python` and other interpreters are skipped. Block scalars are parsed with their indentation removed and spans mapped back line by line; `${{ … }}` expressions are read as a variable (`$___`) of the same length. |
//! | Compose | each service's `command:` / `entrypoint:`: a string as a shell script, a list as exec form. |
//!
//! [`Snippet::group`] tells which snippets share a filesystem in sequence (one build
//! stage, one job, one script), so a rule can follow a file downloaded in one `RUN` and
//! executed in a later one.
//!
//! Under `policy = "scorecard"` an exec-form `RUN` is read as OpenSSF Scorecard reads it —
//! its elements joined by spaces and parsed as shell — so that Scorecard's verdicts on
//! its own test data are reproduced. (Docker runs exec form without a shell.)
//!
//! Shell syntax errors are reported once per snippet as `parse-error` notes; the commands
//! around them are still listed.

use crate::classify::{self, FileKind};
use crate::config::Policy;
use crate::context::Cx;
use crate::finding::Span;
use crate::parse::dockerfile::{Instruction, Logical};
use crate::parse::shell::{self, Command, Script, SubstKind, Within, Word};
use crate::parse::yaml::{self, ScalarStyle};

/// One shell script a file runs, parsed, with its origin.
#[derive(Debug, Clone)]
pub struct Snippet {
    pub script: Script,
    pub origin: Origin,
    /// The construct the script comes from (the whole instruction, the `run:` value, the
    /// Procfile line): for findings about the snippet as a whole.
    pub span: Span,
    /// Snippets with the same group run one after another on the same filesystem: one
    /// Dockerfile build stage, one workflow job, one script file. A file downloaded in one
    /// snippet may be executed by a later snippet of its group.
    pub group: usize,
    /// The shell that runs it. Non-POSIX scripts (a `pwsh` or `cmd` step, a Dockerfile
    /// after `SHELL ["powershell", …]`) are read with the same reader for their simple
    /// commands only (`npm install x` is a command in any shell): their syntax errors
    /// are not reported, and rules about shell semantics (pipes, substitutions,
    /// Scorecard's counts) skip them.
    pub dialect: Dialect,
}

/// The shell a snippet is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// sh, bash, dash, ash, ksh, mksh.
    Posix,
    /// pwsh, powershell.
    PowerShell,
    /// Windows `cmd`.
    Cmd,
}

impl Dialect {
    /// The dialect of a shell program (`bash`, `/bin/sh`, `pwsh`, `bash -e {0}`); `None`
    /// for interpreters that do not run commands (`python {0}`) or unknown ones.
    pub fn of(program: &str) -> Option<Dialect> {
        let first = program.split_whitespace().next().unwrap_or("");
        let name = basename(first).to_ascii_lowercase();
        let name = name.strip_suffix(".exe").unwrap_or(&name);
        if POSIX_SHELLS.contains(&name) {
            Some(Dialect::Posix)
        } else if matches!(name, "pwsh" | "powershell") {
            Some(Dialect::PowerShell)
        } else if name == "cmd" {
            Some(Dialect::Cmd)
        } else {
            None
        }
    }
}

/// Where a [`Snippet`] comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Dockerfile `RUN`; `instruction` indexes `cx.dockerfile().instructions`.
    DockerRun { instruction: usize, form: Form },
    /// Dockerfile `CMD` or `ENTRYPOINT`: what the container starts.
    DockerStart {
        instruction: usize,
        keyword: StartKeyword,
        form: Form,
    },
    /// A shell script file (`*.sh`, shebang scripts).
    ScriptFile,
    /// A Procfile process type: `name: command`.
    Procfile { process: String, name_span: Span },
    /// A workflow job step's (or composite action step's) `run:`.
    WorkflowRun { job: Option<String> },
    /// A Compose service's `command:` or `entrypoint:`.
    Compose { service: String, key: ComposeKey },
}

/// How an instruction or a start command is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// A shell command line (Docker runs it with `/bin/sh -c`).
    Shell,
    /// A list of words run directly (`["gunicorn", "app"]`, Compose lists).
    Exec,
    /// The body of `RUN <<EOF`.
    Heredoc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartKeyword {
    Cmd,
    Entrypoint,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComposeKey {
    Command,
    Entrypoint,
}

impl Origin {
    /// The command a container or process starts with — Dockerfile `CMD`/`ENTRYPOINT`,
    /// Procfile process types except `release`, Compose `command:`/`entrypoint:` — as
    /// opposed to build steps (`RUN`, CI `run:`) and scripts.
    pub fn is_start_command(&self) -> bool {
        match self {
            Origin::DockerStart { .. } | Origin::Compose { .. } => true,
            Origin::Procfile { process, .. } => process != "release",
            _ => false,
        }
    }

    /// A short description for messages: "`CMD`", "Procfile `web:`", "`run:` step", …
    pub fn describe(&self) -> String {
        match self {
            Origin::DockerRun { .. } => "`RUN`".into(),
            Origin::DockerStart { keyword, .. } => format!("`{}`", keyword.as_str()),
            Origin::ScriptFile => "this script".into(),
            Origin::Procfile { process, .. } => format!("Procfile `{process}:`"),
            Origin::WorkflowRun { .. } => "`run:` step".into(),
            Origin::Compose { service, key } => {
                format!("service `{service}` `{}:`", key.as_str())
            }
        }
    }
}

impl StartKeyword {
    pub fn as_str(self) -> &'static str {
        match self {
            StartKeyword::Cmd => "CMD",
            StartKeyword::Entrypoint => "ENTRYPOINT",
        }
    }
}

impl ComposeKey {
    pub fn as_str(self) -> &'static str {
        match self {
            ComposeKey::Command => "command",
            ComposeKey::Entrypoint => "entrypoint",
        }
    }
}

/// Shells whose scripts this module reads (POSIX sh and its close relatives).
const POSIX_SHELLS: &[&str] = &["sh", "bash", "dash", "ash", "ksh", "mksh"];

/// Last path component: `/usr/bin/pip` → `pip`.
pub fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// `sh`, `/bin/bash`, `bash -e {0}` (a workflow `shell:`), …
pub fn is_posix_shell(program: &str) -> bool {
    let first = program.split_whitespace().next().unwrap_or("");
    POSIX_SHELLS.contains(&basename(first))
}

/// The service a command starts: `service NAME start`, `/etc/init.d/NAME start`,
/// `systemctl start NAME`, `rc-service NAME start` (also `restart`).
pub fn service_start(cmd: &Command) -> Option<&str> {
    let (_, w) = cmd.effective();
    let text = |i: usize| w.get(i).map(|x| x.text.as_str());
    let starts = |v: Option<&str>| matches!(v, Some("start" | "restart"));
    let program = w.first()?.text.as_str();
    match basename(program) {
        "service" | "rc-service" if starts(text(2)) => text(1),
        "systemctl" if starts(text(1)) => text(2),
        name if program.starts_with("/etc/init.d/") && starts(text(1)) => Some(name),
        _ => None,
    }
}

/// Every snippet of the file (what `cx.scripts()` caches).
pub fn extract(cx: &Cx) -> Vec<Snippet> {
    let mut out = Vec::new();
    match cx.kind() {
        FileKind::Dockerfile => dockerfile(cx, &mut out),
        FileKind::Shell => script_file(cx, &mut out),
        FileKind::Procfile => procfile(cx, &mut out),
        FileKind::Workflow | FileKind::Action => workflow(cx, &mut out),
        FileKind::Compose => compose(cx, &mut out),
        _ => {}
    }
    for s in out.iter().filter(|s| s.dialect == Dialect::Posix) {
        if let Some(e) = s.script.errors.first() {
            cx.parse_error(*e, format!("shell syntax error in {}", s.origin.describe()));
        }
    }
    out
}

// ---------------------------------------------------------------- Dockerfile

fn dockerfile(cx: &Cx, out: &mut Vec<Snippet>) {
    let df = cx.dockerfile();
    let text = cx.text();
    let scorecard = cx.config.policy == Policy::Scorecard;
    let mut group = 0;
    let mut dialect = Some(Dialect::Posix);
    for (index, instr) in df.instructions.iter().enumerate() {
        let start = match instr.keyword.as_str() {
            "FROM" => {
                group += 1;
                dialect = Some(Dialect::Posix);
                continue;
            }
            "SHELL" => {
                dialect = instr
                    .exec_form
                    .as_ref()
                    .and_then(|w| w.first())
                    .and_then(|w| Dialect::of(&w.text));
                continue;
            }
            "RUN" => None,
            "CMD" => Some(StartKeyword::Cmd),
            "ENTRYPOINT" => Some(StartKeyword::Entrypoint),
            _ => continue,
        };
        let origin = |form| match start {
            None => Origin::DockerRun {
                instruction: index,
                form,
            },
            Some(keyword) => Origin::DockerStart {
                instruction: index,
                keyword,
                form,
            },
        };
        let mut push = |script, form, dialect| {
            out.push(Snippet {
                script,
                origin: origin(form),
                span: instr.span,
                group,
                dialect,
            })
        };
        if let Some(elems) = &instr.exec_form {
            let args: Vec<ExecArg> = elems
                .iter()
                .map(|w| ExecArg::json(text, &w.text, w.span))
                .collect();
            if args.is_empty() {
                continue;
            }
            let script = if scorecard && start.is_none() {
                joined_script(&args)
            } else {
                exec_script(&args)
            };
            push(script, Form::Exec, Dialect::Posix);
            continue;
        }
        let Some(dialect) = dialect else {
            continue; // `SHELL ["python", "-c"]`: not commands
        };
        if dialect != Dialect::Posix {
            push(
                logical_script(&instr.args, instr.rest_start),
                Form::Shell,
                dialect,
            );
            continue;
        }
        if !instr.heredocs.is_empty() && start.is_none() {
            if heredocs_are_scripts(instr) {
                for h in &instr.heredocs {
                    let body = &text[h.body.start..h.body.end];
                    if body
                        .lines()
                        .next()
                        .is_some_and(|l| l.starts_with("#!") && !is_posix_shebang(l))
                    {
                        continue; // `#!/usr/bin/env python3`
                    }
                    push(
                        shell::parse_at(body, h.body.start),
                        Form::Heredoc,
                        Dialect::Posix,
                    );
                }
                continue;
            }
            if instr.args.is_contiguous() {
                // The command line and its heredoc bodies, as the shell reads them.
                let from = instr.rest_span().start;
                let to = instr.span.end.max(from);
                push(
                    shell::parse_at(&text[from..to], from),
                    Form::Shell,
                    Dialect::Posix,
                );
                continue;
            }
        }
        push(
            logical_script(&instr.args, instr.rest_start),
            Form::Shell,
            Dialect::Posix,
        );
    }
}

/// `RUN <<EOF` (bare) or `RUN bash -e <<EOF`: the bodies are scripts. Otherwise
/// (`RUN python3 <<EOF`, `RUN cat <<EOF > file`) they are data of the command line.
fn heredocs_are_scripts(instr: &Instruction) -> bool {
    let words: Vec<&str> = instr
        .words
        .iter()
        .map(|w| w.text.as_str())
        .filter(|w| !w.starts_with("<<"))
        .collect();
    match words.split_first() {
        None => true,
        Some((first, rest)) => {
            is_posix_shell(first) && rest.iter().all(|w| w.starts_with('-') && *w != "-c")
        }
    }
}

fn is_posix_shebang(line: &str) -> bool {
    classify::classify_by_shebang(line.as_bytes()).is_some()
}

/// Parses the instruction's logical text after the flags and maps spans to the file.
fn logical_script(args: &Logical, rest_start: usize) -> Script {
    let rest = args.text.get(rest_start..).unwrap_or("");
    let mut script = shell::parse(rest);
    let map = |s: Span| {
        let (a, b) = (s.start + rest_start, s.end + rest_start);
        let a = floor_boundary(&args.text, a);
        let b = floor_boundary(&args.text, b).max(a);
        args.file_span(a, b)
    };
    remap(&mut script, &map);
    script
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

// ---------------------------------------------------------------- exec form

/// One element of an exec-form argv.
#[derive(Debug, Clone)]
pub struct ExecArg {
    /// The decoded element.
    pub text: String,
    /// The element in the file, quotes included.
    pub span: Span,
    /// File offset where `text` appears verbatim, when it does (no escapes).
    pub verbatim_at: Option<usize>,
}

impl ExecArg {
    /// A JSON string element (`"…"` at `span`).
    fn json(file: &str, text: &str, span: Span) -> ExecArg {
        let inner = Span::new(span.start + 1, span.end.saturating_sub(1));
        let verbatim = file.get(inner.start..inner.end) == Some(text);
        ExecArg {
            text: text.to_owned(),
            span,
            verbatim_at: verbatim.then_some(inner.start),
        }
    }

    /// A YAML scalar list item.
    fn yaml(file: &str, s: &yaml::Scalar) -> ExecArg {
        let verbatim = file.get(s.value_span.start..s.value_span.end) == Some(s.value.as_str());
        ExecArg {
            text: s.value.clone(),
            span: s.span,
            verbatim_at: verbatim.then_some(s.value_span.start),
        }
    }

    fn word(&self) -> Word {
        let span = match self.verbatim_at {
            Some(at) => Span::new(at, at + self.text.len()),
            None => self.span,
        };
        Word {
            text: self.text.clone(),
            span,
            dynamic: false,
        }
    }
}

/// An exec-form argv as a script: one command whose words are the elements (no shell
/// runs it, so nothing is expanded); the string of `["sh", "-c", "…"]` is parsed as a
/// nested shell string whose commands follow it.
pub fn exec_script(args: &[ExecArg]) -> Script {
    let (Some(first), Some(last)) = (args.first(), args.last()) else {
        return Script::default();
    };
    let cmd = Command {
        words: args.iter().map(ExecArg::word).collect(),
        assignments: Vec::new(),
        redirects: Vec::new(),
        span: Span::new(first.span.start, last.span.end),
        pipeline: None,
        background: false,
        within: None,
        next: None,
        in_function: false,
        in_condition: false,
        nesting: 0,
    };
    let nested_arg = cmd.shell_string_arg().and_then(|i| args.get(i));
    let mut script = Script {
        commands: vec![cmd],
        errors: Vec::new(),
    };
    if let Some(arg) = nested_arg {
        let inner = match arg.verbatim_at {
            Some(at) => shell::parse_at(&arg.text, at),
            None => {
                let mut s = shell::parse(&arg.text);
                let whole = arg.span;
                remap(&mut s, &|_| whole);
                s
            }
        };
        for mut c in inner.commands {
            c.nesting = c.nesting.saturating_add(1);
            c.within = Some(match c.within {
                None => Within {
                    command: 0,
                    kind: SubstKind::ShellString,
                },
                Some(w) => Within {
                    command: w.command + 1,
                    kind: w.kind,
                },
            });
            script.commands.push(c);
        }
        script.errors.extend(inner.errors);
    }
    script
}

/// Scorecard's reading of an exec-form `RUN`: the elements joined by spaces, as shell.
fn joined_script(args: &[ExecArg]) -> Script {
    let mut map = PieceMap::default();
    let mut text = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            text.push(' ');
        }
        map.push(text.len(), a.text.len(), a.span, a.verbatim_at);
        text.push_str(&a.text);
    }
    let mut script = shell::parse(&text);
    remap(&mut script, &|s| map.span(s));
    script
}

// ---------------------------------------------------------------- span maps

/// Text assembled from pieces of the file. A piece is either verbatim (byte-for-byte
/// the file at some offset) or decoded (then any position in it maps to its whole span).
#[derive(Debug, Default)]
struct PieceMap {
    /// (start in text, length in text, span in file, verbatim file offset)
    pieces: Vec<(usize, usize, Span, Option<usize>)>,
}

impl PieceMap {
    fn push(&mut self, at: usize, len: usize, span: Span, verbatim_at: Option<usize>) {
        self.pieces.push((at, len, span, verbatim_at));
    }

    fn piece(&self, t: usize) -> Option<&(usize, usize, Span, Option<usize>)> {
        let i = self.pieces.partition_point(|p| p.0 <= t);
        self.pieces.get(i.checked_sub(1)?)
    }

    fn start(&self, t: usize) -> usize {
        match self.piece(t) {
            Some(&(at, len, span, v)) => match v {
                Some(f) if t < at + len => f + (t - at),
                Some(f) => f + len,
                None if t < at + len => span.start,
                None => span.end,
            },
            None => self.pieces.first().map_or(0, |p| p.2.start),
        }
    }

    fn end(&self, t_last: usize) -> usize {
        match self.piece(t_last) {
            Some(&(at, len, span, v)) => match v {
                Some(f) if t_last < at + len => f + (t_last - at) + 1,
                Some(f) => f + len,
                None => span.end,
            },
            None => self.pieces.first().map_or(0, |p| p.2.start),
        }
    }

    fn span(&self, s: Span) -> Span {
        let start = self.start(s.start);
        if s.is_empty() {
            return Span::new(start, start);
        }
        Span::new(start, self.end(s.end - 1))
    }
}

/// Rewrites every span of a script (commands, words, redirects, errors) through `f`.
fn remap(script: &mut Script, f: &dyn Fn(Span) -> Span) {
    for c in &mut script.commands {
        c.span = f(c.span);
        for w in c.words.iter_mut().chain(c.assignments.iter_mut()) {
            w.span = f(w.span);
        }
        for r in &mut c.redirects {
            r.target.span = f(r.target.span);
        }
    }
    for e in &mut script.errors {
        *e = f(*e);
    }
}

// ---------------------------------------------------------------- scripts, Procfile

fn script_file(cx: &Cx, out: &mut Vec<Snippet>) {
    let text = cx.text();
    let first = text.lines().next().unwrap_or("");
    if first.starts_with("#!") && !is_posix_shebang(first) {
        return; // `*.sh` with an awk, zsh or python shebang
    }
    out.push(Snippet {
        script: shell::parse(text),
        origin: Origin::ScriptFile,
        span: Span::new(0, text.len()),
        group: 0,
        dialect: Dialect::Posix,
    });
}

fn procfile(cx: &Cx, out: &mut Vec<Snippet>) {
    let text = cx.text();
    let mut offset = 0;
    for (group, raw) in text.split_inclusive('\n').enumerate() {
        let line_start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let indent = line.len() - line.trim_start().len();
        let body = &line[indent..];
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let Some(colon) = body.find(':') else {
            continue;
        };
        let name = &body[..colon];
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            continue;
        }
        let after = &body[colon + 1..];
        let cmd = after.trim_start();
        let cmd_start = line_start + indent + colon + 1 + (after.len() - cmd.len());
        let name_start = line_start + indent;
        out.push(Snippet {
            script: shell::parse_at(cmd, cmd_start),
            origin: Origin::Procfile {
                process: name.to_owned(),
                name_span: Span::new(name_start, name_start + name.len()),
            },
            span: Span::new(name_start, line_start + line.len()),
            group,
            dialect: Dialect::Posix,
        });
    }
}

// ---------------------------------------------------------------- YAML

fn workflow(cx: &Cx, out: &mut Vec<Snippet>) {
    let text = cx.text();
    let scorecard = cx.config.policy == Policy::Scorecard;
    for doc in &cx.yaml().docs {
        let top_shell = default_shell(doc);
        if cx.kind() == FileKind::Action {
            let steps = doc.get("runs").and_then(|r| r.get("steps"));
            for step in steps.into_iter().flat_map(|s| s.items()) {
                run_step(text, step, top_shell, RunnerOs::Posix, None, 0, out);
            }
            continue;
        }
        let Some(jobs) = doc.get("jobs") else {
            continue;
        };
        for (group, (name, entry)) in jobs.entries().enumerate() {
            let job = &entry.value;
            let shell = default_shell(job).or(top_shell);
            let os = runner_os(job, scorecard);
            for step in job.get("steps").into_iter().flat_map(|s| s.items()) {
                run_step(text, step, shell, os, Some(name), group + 1, out);
            }
        }
    }
}

fn default_shell(node: &yaml::Node) -> Option<&str> {
    node.get("defaults")?.get("run")?.get("shell")?.as_str()
}

/// What a job's steps run on, for the default shell (bash, or pwsh on Windows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RunnerOs {
    Posix,
    Windows,
    /// `runs-on: ${{ matrix.os }}` with no `os` in the matrix.
    Unknown,
}

/// Windows when every OS the job runs on is Windows: `runs-on: windows-latest`, or a
/// `${{ matrix.os }}` whose values are all Windows. Other labels: a runner whose labels
/// mention Windows (Scorecard: whose labels all start with `windows`).
fn runner_os(job: &yaml::Node, scorecard: bool) -> RunnerOs {
    let Some(runs_on) = job.get("runs-on") else {
        return RunnerOs::Posix;
    };
    let runs_on = runs_on.get("labels").unwrap_or(runs_on);
    let labels: Vec<&str> = match runs_on {
        yaml::Node::Scalar(s) => vec![s.value.as_str()],
        _ => runs_on.items().filter_map(|i| i.as_str()).collect(),
    };
    let windows = |s: &str| s.to_ascii_lowercase().starts_with("windows");
    if let [label] = labels[..] {
        if label.contains("matrix.os") {
            let matrix = job.get("strategy").and_then(|s| s.get("matrix"));
            let mut oses: Vec<&str> = Vec::new();
            if let Some(m) = matrix {
                match m.get("os") {
                    Some(yaml::Node::Scalar(s)) => oses.push(&s.value),
                    Some(list) => oses.extend(list.items().filter_map(|i| i.as_str())),
                    None => {}
                }
                for inc in m.get("include").into_iter().flat_map(|i| i.items()) {
                    oses.extend(inc.get("os").and_then(|o| o.as_str()));
                }
            }
            return match oses.is_empty() {
                // Scorecard cannot tell the shell and skips the step; dozen reads it.
                true if scorecard => RunnerOs::Unknown,
                true => RunnerOs::Posix,
                false if oses.iter().all(|o| windows(o)) => RunnerOs::Windows,
                false => RunnerOs::Posix,
            };
        }
    }
    let on_windows = if scorecard {
        !labels.is_empty() && labels.iter().all(|l| windows(l))
    } else {
        labels
            .iter()
            .any(|l| l.to_ascii_lowercase().contains("windows"))
    };
    if on_windows {
        RunnerOs::Windows
    } else {
        RunnerOs::Posix
    }
}

/// `if: runner.os == 'Windows'` and the like.
fn step_on_windows(step: &yaml::Node) -> bool {
    let Some(cond) = step.get("if").and_then(|i| i.as_str()) else {
        return false;
    };
    let c: String = cond
        .to_ascii_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    [
        "runner.os=='windows'",
        "runner.os==\"windows\"",
        "startswith(runner.os,'windows')",
        "startswith(runner.os,\"windows\")",
        "matrix.os=='windows-",
        "matrix.os==\"windows-",
    ]
    .iter()
    .any(|p| c.contains(p))
}

fn run_step(
    text: &str,
    step: &yaml::Node,
    default: Option<&str>,
    os: RunnerOs,
    job: Option<&str>,
    group: usize,
    out: &mut Vec<Snippet>,
) {
    let Some(run) = step.get("run").and_then(|r| r.as_scalar()) else {
        return;
    };
    let shell = step.get("shell").and_then(|s| s.as_str()).or(default);
    let dialect = match shell {
        Some(s) => Dialect::of(s),
        None if step_on_windows(step) => Some(Dialect::PowerShell),
        None => match os {
            RunnerOs::Posix => Some(Dialect::Posix),
            RunnerOs::Windows => Some(Dialect::PowerShell),
            RunnerOs::Unknown => None,
        },
    };
    let Some(dialect) = dialect else {
        return;
    };
    out.push(Snippet {
        script: scalar_script(text, run),
        origin: Origin::WorkflowRun {
            job: job.map(str::to_owned),
        },
        span: run.span,
        group,
        dialect,
    });
}

fn compose(cx: &Cx, out: &mut Vec<Snippet>) {
    let text = cx.text();
    let mut group = 0;
    for doc in &cx.yaml().docs {
        let Some(services) = doc.get("services") else {
            continue;
        };
        for (service, entry) in services.entries() {
            group += 1;
            for (key, which) in [
                ("entrypoint", ComposeKey::Entrypoint),
                ("command", ComposeKey::Command),
            ] {
                let Some(value) = entry.value.get(key) else {
                    continue;
                };
                let script = match value {
                    yaml::Node::Scalar(s) if !s.is_null() => scalar_script(text, s),
                    yaml::Node::Seq(_) => {
                        let args: Vec<ExecArg> = value
                            .items()
                            .filter_map(|i| i.as_scalar())
                            .map(|s| ExecArg::yaml(text, s))
                            .collect();
                        exec_script(&args)
                    }
                    _ => continue,
                };
                out.push(Snippet {
                    script,
                    origin: Origin::Compose {
                        service: service.to_owned(),
                        key: which,
                    },
                    span: value.span(),
                    group,
                    dialect: Dialect::Posix,
                });
            }
        }
    }
}

/// Parses a YAML string scalar as a shell script, spans in the file.
///
/// - Literal blocks (`run: |`) are parsed with their indentation removed (so an
///   indented heredoc terminator still ends its heredoc), mapped back line by line.
/// - Plain and folded scalars are parsed from the file's bytes with the line breaks that
///   YAML folds into spaces written as spaces (same length, so spans stay exact).
/// - Quoted scalars are parsed in place when written without escapes; otherwise the
///   decoded value is parsed and every span is the whole scalar.
///
/// `${{ … }}` expressions become `$___…` of the same length: a variable, not a syntax
/// error.
pub fn scalar_script(file: &str, s: &yaml::Scalar) -> Script {
    let vs = s.value_span;
    let Some(raw) = file.get(vs.start..vs.end) else {
        return Script::default();
    };
    match s.style {
        ScalarStyle::Literal => literal_block(raw, vs.start),
        ScalarStyle::Folded | ScalarStyle::Plain => {
            let folded = fold_in_place(raw, s.style == ScalarStyle::Folded);
            shell::parse_at(&mask_expressions(&folded), vs.start)
        }
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
            if raw == s.value {
                shell::parse_at(&mask_expressions(raw), vs.start)
            } else {
                let mut script = shell::parse(&mask_expressions(&s.value));
                remap(&mut script, &|_| vs);
                script
            }
        }
    }
}

fn literal_block(raw: &str, base: usize) -> Script {
    let indent = raw
        .lines()
        .find(|l| !l.trim().is_empty())
        .map_or(0, |l| l.len() - l.trim_start_matches(' ').len());
    let mut map = PieceMap::default();
    let mut text = String::with_capacity(raw.len());
    let mut offset = 0;
    for line in raw.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        let cut = if body.len() >= indent && body.as_bytes()[..indent].iter().all(|&b| b == b' ') {
            indent
        } else {
            body.len() - body.trim_start_matches(' ').len()
        };
        let piece = &line[cut..];
        map.push(
            text.len(),
            piece.len(),
            Span::new(base + offset + cut, base + offset + line.len()),
            Some(base + offset + cut),
        );
        text.push_str(piece);
        offset += line.len();
    }
    let mut script = shell::parse(&mask_expressions(&text));
    remap(&mut script, &|s| map.span(s));
    script
}

/// Writes as spaces the line breaks that YAML folding turns into spaces: between two
/// non-empty lines (in a folded block, only lines at the block's own indentation).
fn fold_in_place(raw: &str, block: bool) -> String {
    let lines: Vec<&str> = raw.split('\n').collect();
    let indent_of = |l: &str| l.len() - l.trim_start_matches([' ', '\t']).len();
    let base = lines
        .iter()
        .find(|l| !l.trim().is_empty())
        .map_or(0, |l| indent_of(l));
    let plain_line = |l: &str| {
        let t = l.trim_end_matches('\r');
        !t.trim().is_empty() && (!block || indent_of(t) <= base)
    };
    let mut out = String::with_capacity(raw.len());
    for (i, l) in lines.iter().enumerate() {
        out.push_str(l);
        if i + 1 < lines.len() {
            let fold = plain_line(l) && plain_line(lines[i + 1]);
            out.push(if fold { ' ' } else { '\n' });
        }
    }
    out
}

/// `${{ github.ref }}` → `$______________` (same byte length).
fn mask_expressions(s: &str) -> String {
    if !s.contains("${{") {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find("${{") {
        out.push_str(&rest[..p]);
        let tail = &rest[p..];
        let Some(close) = tail.find("}}") else {
            out.push_str(tail);
            return out;
        };
        let expr = &tail[..close + 2];
        if expr.contains('\n') {
            out.push_str(expr);
        } else {
            out.push('$');
            out.extend(std::iter::repeat_n('_', expr.len() - 1));
        }
        rest = &tail[close + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::source::SourceFile;
    use std::path::Path;

    fn snippets(path: &str, text: &str) -> Vec<Snippet> {
        snippets_with(path, text, &Config::default())
    }

    fn snippets_with(path: &str, text: &str, config: &Config) -> Vec<Snippet> {
        let kind = classify::classify(path).unwrap();
        let file = SourceFile::from_bytes(path.into(), kind, text.as_bytes());
        let tree = crate::context::TreeSlot::default();
        let cx = Cx::new(&file, Path::new(path), Path::new("."), config, &tree);
        extract(&cx)
    }

    fn at(text: &str, s: Span) -> &str {
        &text[s.start..s.end]
    }

    fn argv(c: &Command) -> Vec<&str> {
        c.words.iter().map(|w| w.text.as_str()).collect()
    }

    #[test]
    fn dockerfile_run_with_continuations_maps_to_the_file() {
        let src = "FROM x\nRUN --mount=type=cache,target=/c apt-get update && \\\n    # comment\n    apt-get install -y \\\n      curl > /tmp/log\nCMD exec gunicorn app\n";
        let s = snippets("Dockerfile", src);
        assert_eq!(s.len(), 2);
        let run = &s[0];
        assert_eq!(run.group, 1);
        let install = &run.script.commands[1];
        assert_eq!(argv(install), ["apt-get", "install", "-y", "curl"]);
        assert_eq!(at(src, install.words[3].span), "curl");
        assert_eq!(at(src, install.redirects[0].target.span), "/tmp/log");
        assert!(matches!(
            s[1].origin,
            Origin::DockerStart {
                keyword: StartKeyword::Cmd,
                form: Form::Shell,
                ..
            }
        ));
        assert!(s[1].origin.is_start_command());
    }

    #[test]
    fn dockerfile_exec_forms() {
        let src = "FROM x\nCMD [\"sh\", \"-c\", \"pip install x && exec app\"]\nENTRYPOINT [\"tini\", \"--\"]\nRUN [\"a\\tb\", \"-c\"]\n";
        let s = snippets("Dockerfile", src);
        let cmd = &s[0].script;
        assert_eq!(cmd.commands.len(), 3);
        assert_eq!(argv(&cmd.commands[1]), ["pip", "install", "x"]);
        assert_eq!(at(src, cmd.commands[1].words[2].span), "x");
        assert_eq!(cmd.commands[1].within.map(|w| w.command), Some(0));
        assert_eq!(cmd.commands[1].nesting, 1);
        assert!(cmd.commands[2].has_exec_prefix());
        assert_eq!(argv(&s[1].script.commands[0]), ["tini", "--"]);
        assert_eq!(at(src, s[1].script.commands[0].words[0].span), "tini");
        // A decoded element points at its whole JSON string.
        assert_eq!(at(src, s[2].script.commands[0].words[0].span), "\"a\\tb\"");
    }

    #[test]
    fn scorecard_joins_exec_form_run() {
        let src = "FROM x\nRUN [\"curl\", \"-s\", \"u\", \"|\", \"sh\"]\n";
        let mut config = Config::default();
        config.policy = Policy::Scorecard;
        let s = snippets_with("Dockerfile", src, &config);
        let names: Vec<_> = s[0].script.commands.iter().map(|c| c.name()).collect();
        assert_eq!(names, [Some("curl"), Some("sh")]);
        assert_eq!(at(src, s[0].script.commands[1].span), "sh");
        let s = snippets("Dockerfile", src);
        assert_eq!(s[0].script.commands.len(), 1);
    }

    #[test]
    fn dockerfile_heredocs() {
        let src = "FROM x\nRUN <<EOF\napt-get install -y curl\nEOF\nRUN python3 <<EOF\nimport os\nEOF\nRUN <<EOT bash\ncurl u | sh\nEOT\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n";
        let s = snippets("Dockerfile", src);
        assert_eq!(s.len(), 3);
        assert_eq!(
            s[0].origin,
            Origin::DockerRun {
                instruction: 1,
                form: Form::Heredoc
            }
        );
        assert_eq!(at(src, s[0].script.commands[0].words[3].span), "curl");
        let py: Vec<_> = s[1]
            .script
            .commands
            .iter()
            .filter_map(|c| c.name())
            .collect();
        assert_eq!(py, ["python3"]);
        let names: Vec<_> = s[2]
            .script
            .commands
            .iter()
            .filter_map(|c| c.name())
            .collect();
        assert_eq!(names, ["curl", "sh"]);
    }

    #[test]
    fn dockerfile_shell_instruction() {
        let src = "FROM x\nSHELL [\"powershell\", \"-Command\"]\nRUN iwr https://x | iex\nFROM y\nRUN echo\n";
        let s = snippets("Dockerfile", src);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].dialect, Dialect::PowerShell);
        assert_eq!(s[1].group, 2);
        assert_eq!(s[1].dialect, Dialect::Posix);
        let s = snippets(
            "Dockerfile",
            "FROM x\nSHELL [\"python\", \"-c\"]\nRUN print(1)\n",
        );
        assert!(s.is_empty());
    }

    #[test]
    fn procfile_lines() {
        let src = "web: gunicorn app --daemon\r\n# comment\nrelease: python manage.py migrate\nworker:celery -A x worker\n";
        let s = snippets("Procfile", src);
        assert_eq!(s.len(), 3);
        assert!(s[0].origin.is_start_command());
        assert!(!s[1].origin.is_start_command());
        let Origin::Procfile { process, name_span } = &s[2].origin else {
            panic!()
        };
        assert_eq!(process, "worker");
        assert_eq!(at(src, *name_span), "worker");
        assert_eq!(at(src, s[2].script.commands[0].words[0].span), "celery");
        assert_eq!(at(src, s[0].script.commands[0].words[2].span), "--daemon");
    }

    #[test]
    fn script_files_and_shebangs() {
        assert_eq!(snippets("a.sh", "#!/bin/bash\ncurl x | sh\n").len(), 1);
        assert!(snippets("a.sh", "#!/usr/bin/awk -f\n{print}\n").is_empty());
        assert!(snippets("a.sh", "#!/bin/zsh\necho\n").is_empty());
        assert_eq!(snippets("a.sh", "echo\n").len(), 1);
    }

    #[test]
    fn workflow_run_steps() {
        let src = r#"on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ github.ref }}" && curl -s x | bash
      - run: |
          cat <<EOF > f
            body
          EOF
          pip install requests
      - shell: pwsh
        run: iwr x | iex
      - run: >
          apt-get install
          -y curl
  win:
    runs-on: windows-latest
    steps:
      - run: choco install x
      - shell: bash
        run: npm install
"#;
        let s = snippets(".github/workflows/ci.yml", src);
        let dialects: Vec<Dialect> = s.iter().map(|s| s.dialect).collect();
        use Dialect::*;
        assert_eq!(
            dialects,
            [Posix, Posix, PowerShell, Posix, PowerShell, Posix]
        );
        let s: Vec<Snippet> = s.into_iter().filter(|s| s.dialect == Posix).collect();
        let names: Vec<_> = s[0]
            .script
            .commands
            .iter()
            .filter_map(|c| c.name())
            .collect();
        assert_eq!(names, ["echo", "curl", "bash"]);
        let pip = s[1]
            .script
            .commands
            .iter()
            .find(|c| c.name() == Some("pip"))
            .unwrap();
        assert_eq!(at(src, pip.words[2].span), "requests");
        assert_eq!(at(src, pip.span), "pip install requests");
        let apt = &s[2].script.commands[0];
        assert_eq!(argv(apt), ["apt-get", "install", "-y", "curl"]);
        assert_eq!(at(src, apt.words[3].span), "curl");
        assert_eq!(s[3].group, 2);
        assert_eq!(s[0].group, 1);
    }

    #[test]
    fn compose_commands() {
        let src = "services:\n  web:\n    command: sh -c \"pip install x && gunicorn app\"\n  worker:\n    entrypoint: [\"celery\", \"-A\", \"x\"]\n";
        let s = snippets("docker-compose.yml", src);
        assert_eq!(s.len(), 2);
        let pip = &s[0].script.commands[1];
        assert_eq!(argv(pip), ["pip", "install", "x"]);
        assert_eq!(at(src, pip.words[2].span), "x");
        assert_eq!(
            s[1].origin,
            Origin::Compose {
                service: "worker".into(),
                key: ComposeKey::Entrypoint
            }
        );
        assert_eq!(at(src, s[1].script.commands[0].words[1].span), "-A");
    }

    #[test]
    fn masking_keeps_length() {
        let s = "a ${{ x.y }} b ${{";
        assert_eq!(mask_expressions(s).len(), s.len());
        assert_eq!(mask_expressions(s), "a $_________ b ${{");
    }
}
