//! `unverified-download`: code or binaries fetched from the network and run without an
//! integrity check — `curl … | sh`, `bash <(curl …)`, `sh -c "$(curl …)"`, a download
//! saved to a file and run later without `sha256sum -c`/`gpg --verify` in between, and
//! Dockerfile `ADD https://…` without `--checksum=`.

use super::Rule;
use crate::classify::FileKind;
use crate::config::Policy;
use crate::context::{Cx, Report};
use crate::finding::Span;
use crate::lang::commands::{Dialect, Origin, Snippet, basename};
use crate::lang::scorecard::{self, Download};
use crate::parse::shell::{Command, Script, SubstKind, Word};

pub const RULE: Rule = Rule {
    id: "unverified-download",
    meta_source: include_str!("../../rules/unverified-download.toml"),
    kinds: &[
        FileKind::Dockerfile,
        FileKind::Shell,
        FileKind::Procfile,
        FileKind::Workflow,
        FileKind::Action,
        FileKind::Compose,
    ],
    triggers: &["curl", "wget", "gsutil", "aws", "add"],
    check,
};

fn check(cx: &Cx, out: &mut Report) {
    if cx.config.policy == Policy::Scorecard {
        return scorecard_check(cx, out);
    }
    if cx.kind() == FileKind::Dockerfile {
        docker_add(cx, out);
    }
    // A shell script is all commands: read it only if it may run a download tool.
    if cx.kind() == FileKind::Shell && !may_fetch(cx.text()) {
        return;
    }
    let snippets = cx.scripts();
    // Pipes and substitutions mean something else in PowerShell and cmd.
    let snippets: Vec<&Snippet> = snippets
        .iter()
        .filter(|s| s.dialect == Dialect::Posix)
        .collect();
    let mut groups: Vec<usize> = snippets.iter().map(|s| s.group).collect();
    groups.sort_unstable();
    groups.dedup();
    for g in groups {
        let mut state = Saved::default();
        for s in snippets.iter().filter(|s| s.group == g) {
            snippet(cx, s, &mut state, out);
        }
    }
}

/// Whether a shell script may run `curl` or `wget` ([`fetch`]), as its words read.
fn may_fetch(script: &str) -> bool {
    crate::lang::gate::shell_words(script)
        .is_none_or(|words| words.contains("curl") || words.contains("wget"))
}

/// Scorecard's counting: `RUN`s of a Dockerfile share downloaded file names, as do the
/// steps of a workflow job.
fn scorecard_check(cx: &Cx, out: &mut Report) {
    let read: Vec<&Snippet> = cx
        .scripts()
        .iter()
        .filter(|s| {
            // Scorecard's parser gives up on a script with a syntax error, and skips
            // shells it does not parse.
            s.script.errors.is_empty()
                && s.dialect == Dialect::Posix
                && matches!(
                    s.origin,
                    Origin::DockerRun { .. } | Origin::ScriptFile | Origin::WorkflowRun { .. }
                )
        })
        .collect();
    let mut groups: Vec<usize> = read.iter().map(|s| s.group).collect();
    if cx.kind() == FileKind::Dockerfile {
        groups = vec![0];
    }
    groups.sort_unstable();
    groups.dedup();
    for g in groups {
        let members: Vec<&Snippet> = read
            .iter()
            .copied()
            .filter(|s| cx.kind() == FileKind::Dockerfile || s.group == g)
            .collect();
        for (span, kind) in scorecard::downloads(&members, cx.text()) {
            let what = match kind {
                Download::Piped => "a download piped into an interpreter",
                Download::ProcessSubstitution => "an interpreter reading a download (`<(…)`)",
                Download::SavedThenRun => "a downloaded file executed",
            };
            out.add(
                span,
                format!("{what}: Scorecard's Pinned-Dependencies check counts it as an unpinned dependency"),
            )
            .fix(VERIFY_FIX);
        }
    }
}

const VERIFY_FIX: &str = "download to a file, check it against a published checksum or signature, then run it: `curl -fsSLo install.sh <url> && echo \"<sha256>  install.sh\" | sha256sum -c - && sh install.sh` (or fetch a raw.githubusercontent.com URL pinned to a commit)";

const WHY: &str = "whoever controls the server, the DNS or the network path decides what runs";

// ---------------------------------------------------------------- ADD

fn docker_add(cx: &Cx, out: &mut Report) {
    for instr in &cx.dockerfile().instructions {
        if !instr.is("ADD") || instr.flag("checksum").is_some() {
            continue;
        }
        let words: Vec<&crate::parse::dockerfile::Word> = match &instr.exec_form {
            Some(w) => w.iter().collect(),
            None => instr.words.iter().collect(),
        };
        let Some((_, sources)) = words.split_last() else {
            continue;
        };
        for src in sources {
            let t = src.text.as_str();
            if !(t.starts_with("https://") || t.starts_with("http://")) {
                continue;
            }
            if is_git_source(t) {
                let pinned = t.rsplit_once('#').is_some_and(|(_, r)| {
                    let r = r.split(':').next().unwrap_or(r);
                    scorecard::is_hex40(r)
                });
                if !pinned {
                    out.add(
                        src.span,
                        format!("`ADD {t}` checks out a git ref that can move: {WHY}"),
                    )
                    .fix("pin the commit: `ADD https://github.com/<owner>/<repo>.git#<40-hex commit sha> <dest>`");
                }
                continue;
            }
            out.add(
                src.span,
                format!("`ADD {t}` downloads without `--checksum`: the build uses whatever the server returns; {WHY}"),
            )
            .fix(format!("add the file's digest: `ADD --checksum=sha256:<digest> {t} <dest>` (BuildKit fails the build if it differs)"));
        }
    }
}

fn is_git_source(url: &str) -> bool {
    let before = url.split('#').next().unwrap_or(url);
    before.ends_with(".git") || url.contains(".git#")
}

// ---------------------------------------------------------------- commands

const SHELLS: &[&str] = &["sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "fish"];
const OTHER: &[&str] = &["perl", "ruby", "node", "nodejs", "php", "pwsh"];

fn is_interpreter(name: &str) -> bool {
    SHELLS.contains(&name)
        || OTHER.contains(&name)
        || name
            .strip_prefix("python")
            .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// A download command: curl or wget, and where its body goes.
struct Fetch {
    tool: &'static str,
    /// The URLs it fetches.
    urls: Vec<String>,
    /// Writes the body to stdout.
    stdout: bool,
    /// Writes the body to these files.
    files: Vec<String>,
}

fn fetch(cmd: &Command) -> Option<Fetch> {
    let (_, eff) = cmd.effective();
    let tool = match basename(&eff.first()?.text) {
        "curl" => "curl",
        "wget" => "wget",
        _ => return None,
    };
    let args = &eff[1..];
    let (short_val, long_val): (&str, &[&str]) = if tool == "curl" {
        (
            "oAbcCdeEFHKmrTuUwxXyYzQP",
            &[
                "--output",
                "--output-dir",
                "--url",
                "--header",
                "--data",
                "--data-raw",
                "--data-binary",
                "--user",
                "--user-agent",
                "--referer",
                "--proxy",
                "--request",
                "--write-out",
                "--upload-file",
                "--config",
                "--cookie",
                "--cookie-jar",
                "--range",
                "--max-time",
                "--connect-timeout",
                "--retry",
                "--retry-delay",
                "--retry-max-time",
                "--cacert",
                "--capath",
                "--cert",
                "--key",
                "--form",
                "--proto",
                "--proto-redir",
                "--resolve",
                "--connect-to",
                "--interface",
                "--limit-rate",
                "--max-filesize",
            ],
        )
    } else {
        (
            "OoaPtTwQeiBUlARDIX",
            &[
                "--output-document",
                "--directory-prefix",
                "--output-file",
                "--append-output",
                "--tries",
                "--timeout",
                "--wait",
                "--header",
                "--user-agent",
                "--user",
                "--password",
                "--input-file",
                "--base",
                "--level",
                "--accept",
                "--reject",
                "--domains",
                "--ca-certificate",
                "--post-data",
            ],
        )
    };
    let mut urls = Vec::new();
    let mut output: Option<String> = None;
    let mut remote_name = false;
    let mut dir: Option<String> = None;
    let mut i = 0;
    while let Some(w) = args.get(i) {
        let t = w.text.as_str();
        let mut take = |name: &str, value: Option<String>| match (tool, name) {
            ("curl", "-o" | "--output") | ("wget", "-O" | "--output-document") => {
                output = value;
            }
            ("curl", "--output-dir") | ("wget", "-P" | "--directory-prefix") => dir = value,
            ("curl", "--url") => urls.extend(value),
            _ => {}
        };
        if t.starts_with("--") {
            match t.split_once('=') {
                Some((n, v)) => take(n, Some(v.to_owned())),
                None if long_val.contains(&t) => {
                    take(t, args.get(i + 1).map(|v| v.text.clone()));
                    i += 1;
                }
                None => {
                    if t == "--remote-name" || t == "--remote-name-all" {
                        remote_name = true;
                    }
                }
            }
        } else if t.len() > 1 && t.starts_with('-') {
            for (k, ch) in t[1..].char_indices() {
                if tool == "curl" && ch == 'O' {
                    remote_name = true;
                    continue;
                }
                if short_val.contains(ch) {
                    let attached = &t[1 + k + ch.len_utf8()..];
                    let name = format!("-{ch}");
                    if attached.is_empty() {
                        take(&name, args.get(i + 1).map(|v| v.text.clone()));
                        i += 1;
                    } else {
                        take(&name, Some(attached.to_owned()));
                    }
                    break;
                }
            }
        } else if t.contains("://") || looks_like_host_path(t) {
            urls.push(t.to_owned());
        }
        i += 1;
    }
    let redirect = cmd
        .redirects
        .iter()
        .find(|r| r.is_stdout_to_file())
        .map(|r| r.target.text.clone());
    let mut files = Vec::new();
    let mut stdout = false;
    let in_dir = |f: String| match &dir {
        Some(d) => format!("{}/{f}", d.trim_end_matches('/')),
        None => f,
    };
    match output.as_deref() {
        Some("-") | Some("/dev/stdout") => stdout = true,
        Some(f) => files.push(in_dir(f.to_owned())),
        None if tool == "curl" && remote_name => {
            files.extend(urls.iter().map(|u| in_dir(url_file_name(u))));
        }
        None if tool == "curl" => stdout = true,
        None => files.extend(urls.iter().map(|u| in_dir(url_file_name(u)))),
    }
    if stdout {
        if let Some(r) = redirect {
            stdout = false;
            files.push(r);
        }
    }
    Some(Fetch {
        tool,
        urls,
        stdout,
        files,
    })
}

/// `example.com/install.sh`: curl and wget default to http.
fn looks_like_host_path(t: &str) -> bool {
    let host = t.split('/').next().unwrap_or("");
    t.contains('/') && host.contains('.') && !t.starts_with('.') && !t.contains('$')
}

fn url_file_name(u: &str) -> String {
    let path = u.split(['?', '#']).next().unwrap_or(u);
    let path = path.split_once("://").map_or(path, |(_, r)| r);
    match path.split_once('/') {
        Some((_, p)) if !p.is_empty() && !p.ends_with('/') => basename(p).to_owned(),
        _ => "index.html".to_owned(),
    }
}

/// Downloads from raw.githubusercontent.com (or github.com/…/raw/) pinned to a commit
/// cannot change: the commit is the checksum.
fn pinned_urls(f: &Fetch) -> bool {
    !f.urls.is_empty()
        && f.urls.iter().all(|u| {
            let rest = u.strip_prefix("https://").unwrap_or("");
            let segs: Vec<&str> = rest.split('/').collect();
            match segs.first() {
                Some(&"raw.githubusercontent.com") => {
                    segs.get(3).is_some_and(|r| scorecard::is_hex40(r))
                }
                Some(&"github.com") => {
                    matches!(segs.get(3), Some(&"raw" | &"blob"))
                        && segs.get(4).is_some_and(|r| scorecard::is_hex40(r))
                }
                _ => false,
            }
        })
}

/// `curl https://…` for messages.
fn shown(f: &Fetch) -> String {
    match f.urls.first() {
        Some(u) => format!("`{} {u}`", f.tool),
        None => format!("`{}`", f.tool),
    }
}

/// Files downloaded earlier in the group and not verified since.
#[derive(Default)]
struct Saved {
    /// Cleaned path → (tool, offset of the download).
    files: std::collections::HashMap<String, (&'static str, usize)>,
}

fn clean(p: &str) -> String {
    let mut p = p.trim_matches('"');
    while let Some(r) = p.strip_prefix("./") {
        p = r;
    }
    let mut out = String::with_capacity(p.len());
    let mut last_slash = false;
    for ch in p.chars() {
        if ch == '/' && last_slash {
            continue;
        }
        last_slash = ch == '/';
        out.push(ch);
    }
    out
}

fn is_verification(cmd: &Command, script: &Script) -> bool {
    let (_, eff) = cmd.effective();
    let Some(name) = eff.first().map(|w| basename(&w.text)) else {
        return false;
    };
    let has = |flags: &[&str]| eff[1..].iter().any(|w| flags.contains(&w.text.as_str()));
    let sum = (name.starts_with("sha") && name.ends_with("sum")) || name == "b2sum";
    match name {
        _ if sum => {
            let check = has(&["-c", "--check"])
                || eff[1..].iter().any(|w| {
                    w.text.starts_with('-') && !w.text.starts_with("--") && w.text.contains('c')
                });
            // `[ "$(sha256sum f | cut -d' ' -f1)" = "$SUM" ]` compares too.
            let compared = script
                .parent(cmd)
                .is_some_and(|p| matches!(p.name(), Some("[" | "[[" | "test")));
            check || compared || cmd.next == Some(crate::parse::shell::Connector::Pipe)
        }
        "gpg" | "gpg2" => has(&["--verify"]),
        "gpgv" | "gpgv2" | "slsa-verifier" => true,
        "cosign" => eff.get(1).is_some_and(|w| w.text.starts_with("verify")),
        "minisign" | "signify" => has(&["-V"]),
        "openssl" => has(&["-verify"]),
        "rpm" => has(&["-K", "--checksig"]),
        _ => false,
    }
}

fn snippet(cx: &Cx, snip: &Snippet, saved: &mut Saved, out: &mut Report) {
    let script = &snip.script;
    for (i, cmd) in script.commands.iter().enumerate() {
        if is_verification(cmd, script) {
            saved.files.clear();
        }
        ran_saved_file(cx, cmd, saved, out);
        let Some(f) = fetch(cmd) else { continue };
        if pinned_urls(&f) {
            continue;
        }
        let shown = shown(&f);
        // `curl … | sh`
        if f.stdout {
            if let Some(next) = script.next_in_pipeline(i) {
                if let Some(name) = next.effective_name().filter(|n| is_interpreter(n)) {
                    out.add(
                        Span::new(cmd.span.start, next.span.end),
                        format!("{shown} is piped straight into `{name}`: code from the network runs with no checksum or signature check; {WHY}"),
                    )
                    .fix(VERIFY_FIX);
                }
            }
        }
        // `bash <(curl …)`, `sh -c "$(curl …)"`, `eval "$(curl …)"`
        if let (Some(w), Some(parent)) = (cmd.within, script.parent(cmd)) {
            if let Some(how) = runs_substitution(parent, cmd, w.kind) {
                out.add(
                    parent.span,
                    format!("{shown} is run by {how}: code from the network runs with no checksum or signature check; {WHY}"),
                )
                .fix(VERIFY_FIX);
            }
        }
        for file in f.files {
            saved.files.insert(clean(&file), (f.tool, cmd.span.start));
        }
    }
}

/// How `parent` runs the output of the download `inner` it contains, if it does.
fn runs_substitution(parent: &Command, inner: &Command, kind: SubstKind) -> Option<String> {
    let (start, eff) = parent.effective();
    let name = basename(&eff.first()?.text);
    let holder = parent
        .words
        .iter()
        .position(|w| w.span.start <= inner.span.start && inner.span.end <= w.span.end)?;
    match kind {
        SubstKind::Process => (is_interpreter(name) || matches!(name, "source" | "."))
            .then(|| format!("`{name} <(…)`")),
        SubstKind::Command => {
            if name == "eval" {
                return Some("`eval \"$(…)\"`".into());
            }
            if !is_interpreter(name) {
                return None;
            }
            // The word after `-c` (shells) or `-e`/`-c` (perl, ruby, node, python).
            let flag = parent.words.get(holder.checked_sub(1)?)?;
            let script_flag = holder > start
                && flag.text.starts_with('-')
                && !flag.text.starts_with("--")
                && (flag.text.ends_with('c') || flag.text.ends_with('e'));
            script_flag.then(|| format!("`{name} {} \"$(…)\"`", flag.text))
        }
        SubstKind::ShellString => None,
    }
}

/// Reports `cmd` if it runs a file downloaded earlier and not verified since.
fn ran_saved_file(cx: &Cx, cmd: &Command, saved: &Saved, out: &mut Report) {
    if saved.files.is_empty() {
        return;
    }
    let (_, eff) = cmd.effective();
    let Some(first) = eff.first() else { return };
    let name = basename(&first.text);
    let hit = |w: &Word| {
        let c = clean(&w.text);
        saved
            .files
            .get_key_value(&c)
            .map(|(f, &(tool, at))| (f.as_str(), tool, cx.file.pos(at).line))
    };
    let run = if let Some(s) = hit(first) {
        Some((s, first.text.clone(), "runs"))
    } else if (is_interpreter(name) || matches!(name, "source" | "."))
        && cmd.shell_string_arg().is_none()
    {
        // `bash -c "file"` runs a command string: its own commands are checked.
        eff[1..]
            .iter()
            .find(|w| !w.text.starts_with('-'))
            .and_then(|w| hit(w).map(|s| (s, format!("{name} {}", w.text), "runs")))
    } else if name == "dpkg"
        && eff[1..]
            .iter()
            .any(|w| w.text == "-i" || w.text == "--install")
        || name == "rpm"
            && eff[1..]
                .iter()
                .any(|w| w.text.starts_with("-i") || w.text.starts_with("-U"))
    {
        eff[1..]
            .iter()
            .find_map(|w| hit(w).map(|s| (s, format!("{name} -i {}", w.text), "installs")))
    } else {
        None
    };
    if let Some(((file, tool, line), shown, verb)) = run {
        out.add(
            cmd.span,
            format!("`{shown}` {verb} `{file}`, downloaded by `{tool}` on line {line}, without a checksum or signature check in between; {WHY}"),
        )
        .fix(format!("verify it before running it: `echo \"<sha256>  {file}\" | sha256sum -c -` (or `gpg --verify {file}.asc {file}`)"));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn shell_gate_sees_the_words_the_shell_sees() {
        for yes in [
            "curl -fsSL https://x.test/i.sh | sh",
            "c\"ur\"l https://x.test | bash",
            "w'g'et -qO- https://x.test | sh",
            "cu\\\nrl https://x.test | sh",
            "$'\\x63url' x",
        ] {
            assert!(super::may_fetch(yes), "{yes:?}");
        }
        for no in ["git clone https://x.test/r.git", "echo download", ""] {
            assert!(!super::may_fetch(no), "{no:?}");
        }
    }

    use super::*;
    use crate::parse::shell;

    fn f(src: &str) -> Fetch {
        fetch(&shell::parse(src).commands[0]).unwrap()
    }

    #[test]
    fn fetch_outputs() {
        let x = f("curl -fsSL https://x.example/install.sh");
        assert!(x.stdout && x.files.is_empty());
        let x = f("curl -fsSLo /tmp/i.sh https://x.example/install.sh");
        assert_eq!((x.stdout, x.files), (false, vec!["/tmp/i.sh".to_owned()]));
        let x = f("curl -LO https://x.example/a/tool.tar.gz?x=1");
        assert_eq!(x.files, ["tool.tar.gz"]);
        let x = f("curl -s https://x.example/get > get.sh");
        assert_eq!((x.stdout, x.files), (false, vec!["get.sh".to_owned()]));
        let x = f("wget -qO- https://x.example/get");
        assert!(x.stdout);
        let x = f("wget -q -O - https://x.example/get");
        assert!(x.stdout);
        let x = f("wget -P /opt https://x.example/dl/tool");
        assert_eq!((x.stdout, x.files), (false, vec!["/opt/tool".to_owned()]));
        let x = f("curl -H 'Accept: x' --output=out.bin example.com/dl");
        assert_eq!(
            (x.files, x.urls),
            (
                vec!["out.bin".to_owned()],
                vec!["example.com/dl".to_owned()]
            )
        );
    }

    #[test]
    fn many_downloads_in_one_script() {
        // Speed is measured by scripts/bench, not asserted here (timed tests are flaky);
        // downloads live in a hash map and lines come from the file's line index.
        let mut src = String::from("#!/bin/sh\n");
        for i in 0..2_000 {
            src.push_str(&format!(
                "curl -o /tmp/f{i} https://x.example/f{i}\nbash <(curl -s https://x.example/p{i})\nsh /tmp/f{i}\n"
            ));
        }
        // Every finding counts here, so lift the per-file cap (1000 by default).
        let mut config = crate::config::Config::default();
        config.max_findings_per_file = usize::MAX;
        let found: Vec<u32> = crate::engine::check_source("a.sh", src.as_bytes(), &config)
            .iter()
            .filter(|f| f.rule == RULE.id)
            .map(|f| f.start.line)
            .collect();
        assert_eq!(found.len(), 4_000);
        assert_eq!(found[..2], [3, 4]);
    }

    #[test]
    fn pinned_github_urls() {
        let sha = "5b142a1e445a6f060d6430b661408989e9580b85";
        assert!(pinned_urls(&f(&format!(
            "curl https://raw.githubusercontent.com/o/r/{sha}/x.sh"
        ))));
        assert!(!pinned_urls(&f(
            "curl https://raw.githubusercontent.com/o/r/main/x.sh"
        )));
        assert!(!pinned_urls(&f("curl -s /etc/file")));
    }
}
