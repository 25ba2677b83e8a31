//! `unpinned-package-install`: package-manager commands that install whatever version is
//! newest today — in Dockerfile `RUN`, workflow `run:`, shell scripts, Procfile and
//! Compose commands (every snippet of `cx.scripts()`).

use super::Rule;
use crate::classify::FileKind;
use crate::config::Policy;
use crate::context::{Cx, Report};
use crate::lang::commands::{Dialect, Origin, Snippet};
use crate::lang::gate;
use crate::lang::install::{self, Install, Manager};
use crate::lang::scorecard;
use crate::parse::shell::{Command, Word};

pub const RULE: Rule = Rule {
    id: "unpinned-package-install",
    meta_source: include_str!("../../rules/unpinned-package-install.toml"),
    kinds: &[
        FileKind::Dockerfile,
        FileKind::Shell,
        FileKind::Procfile,
        FileKind::Workflow,
        FileKind::Action,
        FileKind::Compose,
    ],
    triggers: &[
        "pip", "npm", "yarn", "pnpm", "apt", "apk", "yum", "dnf", "gem", "go", "cargo", "choco",
        "nuget", "dotnet", "msbuild",
    ],
    check,
};

fn check(cx: &Cx, out: &mut Report) {
    let scorecard = cx.config.policy == Policy::Scorecard;
    let strict = cx.config.policy == Policy::Strict;
    // A shell script is all commands: read it only if some line may install a package.
    if cx.kind() == FileKind::Shell && !scorecard && !may_install(cx.text()) {
        return;
    }
    for snippet in cx.scripts() {
        if scorecard {
            scorecard_snippet(cx, snippet, out);
            continue;
        }
        for cmd in &snippet.script.commands {
            if let Some(i) = install::install(cmd) {
                judge(&i, strict, out);
            }
        }
    }
}

/// The gate for a shell script: some line of its words ([`gate::shell_words`]) names a
/// package manager ([`install::MANAGERS`]) and, after it, an install subcommand
/// ([`install::VERBS`]) as a whole word. A command's
/// words are all on one such line, so a script where none does this installs nothing.
fn may_install(script: &str) -> bool {
    let Some(words) = gate::shell_words(script) else {
        return true;
    };
    let word_byte = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.');
    words.lines().any(|line| {
        let line = line.as_bytes();
        // The first manager on the line: any later one's subcommand comes after it too.
        let first_manager = install::MANAGERS
            .iter()
            .filter_map(|m| {
                memchr::memmem::find_iter(line, m.as_bytes())
                    .find(|&at| at == 0 || !word_byte(line[at - 1]))
            })
            .min();
        first_manager.is_some_and(|at| {
            line[at..]
                .split(|&b| !word_byte(b))
                .any(|w| install::VERBS.iter().any(|v| v.as_bytes() == w))
        })
    })
}

/// Scorecard reads `RUN`, shell scripts and workflow `run:` steps, one verdict per
/// command, and counts pip, npm, go, choco and NuGet only.
fn scorecard_snippet(cx: &Cx, snippet: &Snippet, out: &mut Report) {
    // Scorecard's parser gives up on a script with a syntax error.
    if !snippet.script.errors.is_empty()
        || snippet.dialect != Dialect::Posix
        || !matches!(
            snippet.origin,
            Origin::DockerRun { .. } | Origin::ScriptFile | Origin::WorkflowRun { .. }
        )
    {
        return;
    }
    for cmd in &snippet.script.commands {
        let argv = scorecard::argv(cmd, cx.text());
        if scorecard::package_install(&argv) != Some(false) {
            continue;
        }
        let (what, fix) = scorecard_advice(cmd);
        out.add(
            cmd.span,
            format!(
                "{what}: Scorecard's Pinned-Dependencies check counts it as an unpinned dependency"
            ),
        )
        .fix(fix);
    }
}

fn scorecard_advice(cmd: &Command) -> (String, String) {
    let name = cmd.effective_name().unwrap_or("");
    let shown = cmd
        .words
        .iter()
        .take(3)
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let (what, fix) = if name.starts_with("pip") || name.starts_with("python") {
        (
            "`pip install` without `--require-hashes`",
            "install from a requirements file with hashes: `pip install --require-hashes -r requirements.txt` (generate it with `pip-compile --generate-hashes`)",
        )
    } else if name == "npm" {
        (
            "`npm install` resolves versions again",
            "commit `package-lock.json` and run `npm ci`",
        )
    } else if name == "go" {
        (
            "`go install`/`go get` without a full version",
            "add `@vX.Y.Z` or `@<commit-sha>` to the module path",
        )
    } else if name.starts_with("choco") {
        (
            "`choco install` without checksums",
            "add `--require-checksums`",
        )
    } else {
        (
            "a NuGet restore/install without a version or lock",
            "pin the version (`-Version`/`--version`) or restore in locked mode (`--locked-mode`, `-LockedMode`, `/p:RestoreLockedMode=true`)",
        )
    };
    (format!("{what} (`{shown}`)"), fix.to_owned())
}

/// Reports each package of `i` that is not pinned (standard and strict policies).
fn judge(i: &Install, strict: bool, out: &mut Report) {
    let cmd = i.command_text();
    match i.manager {
        Manager::Pip | Manager::Pipx => pip(i, &cmd, strict, out),
        Manager::Npm | Manager::Yarn | Manager::Pnpm => node(i, &cmd, out),
        Manager::Apt | Manager::Apk | Manager::Yum => system(i, &cmd, out),
        Manager::Gem => gem(i, &cmd, out),
        Manager::Go => go(i, &cmd, out),
        Manager::Cargo => cargo(i, &cmd, out),
    }
}

const NEWEST: &str = "every build installs whatever version is newest that day";

fn unpinned(out: &mut Report, w: &Word, what: String, fix: String) {
    out.add(w.span, what).fix(fix);
}

// ---------------------------------------------------------------- pip

fn pip(i: &Install, cmd: &str, strict: bool, out: &mut Report) {
    let mut from_index = false;
    let mut candidates: Vec<&Word> = i.operands.clone();
    for o in &i.options {
        if matches!(o.name.as_str(), "-e" | "--editable") {
            if let Some(w) = o.value_word {
                candidates.push(w);
            } else if let Some(v) = &o.value {
                if let Some(reason) = pip_vcs_unpinned(v) {
                    unpinned(
                        out,
                        o.word,
                        format!("`{cmd} -e {v}` installs {reason}"),
                        "pin the commit: `…@<40-hex commit sha>#egg=<name>`".into(),
                    );
                }
            }
        }
        if matches!(o.name.as_str(), "-r" | "--requirement") {
            from_index = true;
        }
    }
    for w in candidates {
        if w.dynamic {
            from_index = true;
            continue;
        }
        let t = w.text.as_str();
        if is_local_path(t) || is_archive(t) && !t.contains("://") {
            continue;
        }
        // `name @ https://…` (PEP 508 direct reference) is judged by its URL.
        let t = direct_url(t);
        if is_local_path(t) {
            continue;
        }
        if let Some(reason) = pip_vcs_unpinned(t) {
            unpinned(
                out,
                w,
                format!(
                    "`{cmd}` installs `{t}`, {reason}: the code can change under the same reference"
                ),
                "pin the commit: `git+https://…/repo.git@<40-hex commit sha>`".into(),
            );
            continue;
        }
        if is_vcs(t) {
            continue;
        }
        if t.starts_with("http://") || t.starts_with("https://") {
            if !t.contains("#sha256=") && !t.contains("#sha384=") && !t.contains("#sha512=") {
                unpinned(
                    out,
                    w,
                    format!(
                        "`{cmd}` installs `{t}` from a URL without a hash: the file behind it can change"
                    ),
                    format!("append the file's hash: `{t}#sha256=<digest>`"),
                );
            }
            continue;
        }
        from_index = true;
        let (name, spec) = split_requirement(t);
        if is_exact_pip_spec(spec) {
            continue;
        }
        let problem = if spec.is_empty() {
            "without a version".to_owned()
        } else {
            format!("with the range `{spec}`, not an exact version")
        };
        let fix = if i.manager == Manager::Pipx {
            format!("pin it: `pipx install {name}==<version>`")
        } else {
            format!(
                "pin it: `{cmd} {name}==<version>`, or install from a hashed requirements file (`{cmd} --require-hashes -r requirements.txt`)"
            )
        };
        unpinned(
            out,
            w,
            format!("`{cmd}` installs `{name}` {problem}: {NEWEST}"),
            fix,
        );
    }
    if strict && from_index && !i.has(&["--require-hashes"]) && i.manager == Manager::Pip {
        out.add(
            i.verb.span,
            format!("`{cmd}` without `--require-hashes` (policy `strict`): versions alone do not stop a re-uploaded or substituted file"),
        )
        .fix(format!(
            "install from a requirements file with hashes: `{cmd} --require-hashes -r requirements.txt` (generate it with `pip-compile --generate-hashes`)"
        ));
    }
}

/// The URL of `name @ url` / `name@url`, or `t` itself.
fn direct_url(t: &str) -> &str {
    let Some(p) = t.find("://") else { return t };
    let scheme_start = t[..p]
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
        .map_or(0, |i| i + 1);
    if t[..scheme_start].trim_end().ends_with('@') {
        &t[scheme_start..]
    } else {
        t
    }
}

fn is_local_path(t: &str) -> bool {
    // `.`, `..`, `./pkg`, `.[dev]`: no requirement name starts with a dot.
    t.starts_with('.')
        || t.starts_with('/')
        || t.starts_with('~')
        || t.starts_with("file:")
        || (t.contains('/') && !t.contains("://") && !t.contains('@') && !t.contains(':'))
}

fn is_archive(t: &str) -> bool {
    [
        ".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2", ".tar.xz", ".egg",
    ]
    .iter()
    .any(|e| t.ends_with(e))
}

fn is_vcs(t: &str) -> bool {
    let url = t.split_once(" @ ").map_or(t, |(_, u)| u.trim());
    ["git+", "hg+", "svn+", "bzr+", "git://"]
        .iter()
        .any(|p| url.starts_with(p))
}

/// Why a pip VCS requirement is not pinned to a commit, if it is one and is not.
fn pip_vcs_unpinned(t: &str) -> Option<String> {
    if !is_vcs(t) {
        return None;
    }
    let url = t.split_once(" @ ").map_or(t, |(_, u)| u.trim());
    let before_fragment = url.split('#').next().unwrap_or(url);
    let scheme_end = before_fragment.find("://").map_or(0, |i| i + 3);
    match before_fragment[scheme_end..].rsplit_once('@') {
        Some((_, rev)) if scorecard::is_hex40(rev) => None,
        Some((_, rev)) => Some(format!("a VCS checkout at `@{rev}`, a branch or tag")),
        None => Some("a VCS checkout of the default branch".to_owned()),
    }
}

/// `name[extras]` and the rest (`==1.2`, `>=1`, `; marker`).
fn split_requirement(t: &str) -> (&str, &str) {
    let end = t
        .find(['=', '<', '>', '!', '~', ';', ' ', '@', '('])
        .unwrap_or(t.len());
    (t[..end].trim(), t[end..].trim())
}

fn is_exact_pip_spec(spec: &str) -> bool {
    let spec = spec.split(';').next().unwrap_or("").trim();
    if let Some(v) = spec.strip_prefix("===") {
        return !v.trim().is_empty();
    }
    match spec.strip_prefix("==") {
        Some(v) => {
            let v = v.trim();
            !v.is_empty() && !v.contains('*') && !v.contains(',')
        }
        None => false,
    }
}

// ---------------------------------------------------------------- npm, yarn, pnpm

fn node(i: &Install, cmd: &str, out: &mut Report) {
    if i.operands.is_empty() {
        if i.manager == Manager::Npm {
            out.add(
                crate::finding::Span::new(i.program.span.start, i.verb.span.end),
                format!("`{cmd}` without packages resolves the dependency tree again and may rewrite `package-lock.json`: {NEWEST} within the declared ranges"),
            )
            .fix("commit `package-lock.json` and run `npm ci`, which installs exactly the locked versions (and fails if the lockfile is out of date)");
        }
        return;
    }
    let locked = match i.manager {
        Manager::Yarn => "yarn install --frozen-lockfile",
        Manager::Pnpm => "pnpm install --frozen-lockfile",
        _ => "npm ci",
    };
    for w in &i.operands {
        if w.dynamic {
            continue;
        }
        let t = w.text.as_str();
        if let Some(problem) = npm_spec_problem(t) {
            let name = npm_name(t);
            unpinned(
                out,
                w,
                format!("`{cmd}` installs `{name}` {problem}: {NEWEST}"),
                format!(
                    "pin it: `{cmd} {name}@<exact version>` (for a project dependency, add it to package.json and install from the lockfile: `{locked}`)"
                ),
            );
        }
    }
}

/// `@scope/pkg@1.2` → `@scope/pkg`.
fn npm_name(t: &str) -> &str {
    let from = usize::from(t.starts_with('@'));
    match t[from..].find('@') {
        Some(i) => &t[..from + i],
        None => t,
    }
}

fn npm_spec_problem(t: &str) -> Option<String> {
    if t.starts_with('.')
        || t.starts_with('/')
        || t.starts_with('~')
        || t.starts_with("file:")
        || t.starts_with("link:")
        || t.starts_with("workspace:")
        || t.ends_with(".tgz")
        || t.ends_with(".tar.gz")
    {
        return None;
    }
    let git = [
        "git+",
        "git://",
        "github:",
        "gitlab:",
        "bitbucket:",
        "gist:",
    ]
    .iter()
    .any(|p| t.starts_with(p))
        || (!t.starts_with('@') && t.contains('/') && !t.contains("://"));
    if git {
        return match t.rsplit_once('#') {
            Some((_, r)) if scorecard::is_hex40(r) => None,
            Some((_, r)) => Some(format!("from git at `#{r}`, a branch or tag")),
            None => Some("from the default branch of a git repository".into()),
        };
    }
    if t.starts_with("http://") || t.starts_with("https://") {
        return Some("from a URL without an integrity hash".into());
    }
    let name = npm_name(t);
    let version = t[name.len()..].strip_prefix('@').unwrap_or("");
    let version = version.strip_prefix("npm:").map_or(version, |alias| {
        let n = npm_name(alias);
        alias[n.len()..].strip_prefix('@').unwrap_or("")
    });
    if version.is_empty() {
        return Some("without a version".into());
    }
    if is_exact_semver(version.trim_start_matches(['=', 'v'])) {
        return None;
    }
    Some(format!(
        "at `@{version}`, a tag or range rather than an exact version"
    ))
}

/// `1.2.3`, `1.2.3-rc.1`, `1.2.3+build`.
fn is_exact_semver(v: &str) -> bool {
    let core = v.split(['-', '+']).next().unwrap_or(v);
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

// ---------------------------------------------------------------- apt, apk, yum

fn system(i: &Install, cmd: &str, out: &mut Report) {
    for w in &i.operands {
        if w.dynamic {
            continue;
        }
        let t = w.text.as_str();
        if t.contains('/') && i.manager != Manager::Apt
            || t.starts_with('.')
            || t.starts_with('/')
            || t.contains("://")
            || [".deb", ".rpm", ".apk"].iter().any(|e| t.ends_with(e))
            || t.starts_with('@')
        {
            continue; // local package files, URLs, yum groups
        }
        let (name, problem, fix) = match i.manager {
            Manager::Apt => {
                if t.starts_with('/') || t.starts_with("./") {
                    continue;
                }
                match t.split_once('=') {
                    Some((_, v)) if !v.is_empty() => continue,
                    _ => {}
                }
                let (name, release) = match t.split_once('/') {
                    Some((n, r)) => (n, Some(r)),
                    None => (t.trim_end_matches('='), None),
                };
                let problem = match release {
                    Some(r) => {
                        format!("from release `{r}` without a version (a release is not a version)")
                    }
                    None => "without a version".into(),
                };
                (
                    name,
                    problem,
                    format!(
                        "pin it: `{cmd} {name}=<version>` (list versions with `apt-cache madison {name}`)"
                    ),
                )
            }
            Manager::Apk => {
                if t.contains('=') || t.contains('~') {
                    continue;
                }
                let name = t.split(['<', '>']).next().unwrap_or(t);
                let problem = if name.len() < t.len() {
                    format!("with the range `{}`", &t[name.len()..])
                } else {
                    "without a version".to_owned()
                };
                (
                    name,
                    problem,
                    format!(
                        "pin it: `{cmd} {name}=<version>` (list versions with `apk policy {name}`)"
                    ),
                )
            }
            _ => {
                if yum_versioned(t) {
                    continue;
                }
                (
                    t,
                    "without a version".to_owned(),
                    format!(
                        "pin it: `{cmd} {t}-<version>` (list versions with `{} list --showduplicates {t}`)",
                        i.program.text.rsplit('/').next().unwrap_or("yum")
                    ),
                )
            }
        };
        unpinned(
            out,
            w,
            format!(
                "`{cmd}` installs `{name}` {problem}: {NEWEST}, so rebuilding the image changes it"
            ),
            fix,
        );
    }
}

/// `nginx-1.20.1`, `nginx-1.20.1-1.el8`, `java-11-openjdk-11.0.20`: the part after the
/// last `-` starts with a digit (`java-11-openjdk` is a name).
fn yum_versioned(t: &str) -> bool {
    t.rsplit_once('-')
        .is_some_and(|(n, v)| !n.is_empty() && v.starts_with(|c: char| c.is_ascii_digit()))
}

// ---------------------------------------------------------------- gem, go, cargo

fn gem(i: &Install, cmd: &str, out: &mut Report) {
    if i.has(&["-v", "--version"]) {
        return;
    }
    for w in &i.operands {
        let t = w.text.as_str();
        if w.dynamic || t.ends_with(".gem") || t.contains(':') || t.contains('/') {
            continue; // `rails:7.0.4`, local gem files
        }
        unpinned(
            out,
            w,
            format!("`{cmd}` installs `{t}` without a version: {NEWEST}"),
            format!("pin it: `{cmd} {t} -v <version>` (or `{cmd} {t}:<version>`)"),
        );
    }
}

fn go(i: &Install, _cmd: &str, out: &mut Report) {
    if i.verb.text != "install" {
        return; // `go get` edits go.mod; go.sum pins what it records
    }
    for w in &i.operands {
        let t = w.text.as_str();
        if w.dynamic || t.starts_with('.') || t.starts_with('/') {
            continue;
        }
        let (path, version) = match t.split_once('@') {
            Some((p, v)) => (p, Some(v)),
            None => (t, None),
        };
        if !path
            .split('/')
            .next()
            .is_some_and(|first| first.contains('.'))
        {
            continue; // standard library or a package of the current module
        }
        let problem = match version {
            Some(v) if is_go_pinned(v) => continue,
            Some(v) => format!("at `@{v}`, a query that moves rather than a version"),
            None => "without `@version`: it builds whatever the current module requires, or fails outside one".into(),
        };
        unpinned(
            out,
            w,
            format!("`go install` installs `{path}` {problem}"),
            format!("pin it: `go install {path}@vX.Y.Z` (an exact version or a commit)"),
        );
    }
}

fn is_go_pinned(v: &str) -> bool {
    let semver = v
        .strip_prefix('v')
        .is_some_and(|s| is_exact_semver(s.split('+').next().unwrap_or(s)));
    let commit = v.len() >= 12 && v.bytes().all(|b| b.is_ascii_hexdigit());
    semver || commit
}

fn cargo(i: &Install, cmd: &str, out: &mut Report) {
    if i.has(&["--path"]) {
        return;
    }
    if let Some(git) = i.options.iter().find(|o| o.name == "--git") {
        if !i.has(&["--rev"]) {
            let url = git.value.as_deref().unwrap_or("…");
            let by = i
                .options
                .iter()
                .find(|o| o.name == "--branch" || o.name == "--tag")
                .map_or("its default branch".to_owned(), |o| {
                    format!("`{} {}`", o.name, o.value.as_deref().unwrap_or(""))
                });
            let w = git.value_word.unwrap_or(git.word);
            unpinned(
                out,
                w,
                format!("`{cmd} --git {url}` builds {by}, which can move"),
                format!("pin the commit: `{cmd} --git {url} --rev <commit sha>`"),
            );
        }
        return;
    }
    if i.has(&["--version", "--vers"]) {
        return;
    }
    for w in &i.operands {
        let t = w.text.as_str();
        if w.dynamic || t.split_once('@').is_some_and(|(_, v)| !v.is_empty()) {
            continue;
        }
        unpinned(
            out,
            w,
            format!("`{cmd}` installs `{t}` without a version: {NEWEST}"),
            format!("pin it: `{cmd} {t}@<version> --locked` (or `--version <version>`)"),
        );
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn finds_lines_that_may_install() {
        for yes in [
            "apt-get update && apt-get install -y curl",
            "sudo /usr/bin/pip3 \\\n  --no-cache-dir install flask",
            "python3 -m pip install x",
            "npm i left-pad",
            "microdnf install -y git",
            "yarn global add x",
            "go get example.com/x",
            "p\"ip\" ins'tall' x",
            "echo $'\\x70ip install'",
            "apt-get install \\\r\n curl",
        ] {
            assert!(super::may_install(yes), "{yes:?}");
        }
        for no in [
            "echo hello\ninstall -m 755 a b",
            "pip --version\nmake install",
            "npm run build",
            "cargo build --release",
            "# install the app with the go toolchain\ngit clone x",
            "gosu app env",
            "",
        ] {
            assert!(!super::may_install(no), "{no:?}");
        }
    }

    use super::*;
    use crate::config::Config;

    fn lines(policy: Policy, path: &str, src: &str) -> Vec<(u32, String)> {
        let mut config = Config::default();
        config.policy = policy;
        crate::engine::check_source(path, src.as_bytes(), &config)
            .into_iter()
            .filter(|f| f.rule == RULE.id)
            .map(|f| (f.start.line, f.message))
            .collect()
    }

    #[test]
    fn strict_requires_hashes() {
        let src = "pip install -r requirements.txt\npip install flask==3.0.0\npip install --require-hashes -r r.txt\npip install .\npython -m pip install requests\n";
        assert!(lines(Policy::Standard, "a.sh", src).len() == 1);
        let strict = lines(Policy::Strict, "a.sh", src);
        let at: Vec<u32> = strict.iter().map(|(l, _)| *l).collect();
        assert_eq!(at, [1, 2, 5, 5], "{strict:?}");
        assert!(strict[0].1.contains("--require-hashes"));
    }

    #[test]
    fn scorecard_counts_commands() {
        let src = "pip install a b c\npip install a==1\nnpm ci\nnpm install\napt-get install -y curl\ngo install github.com/o/n@v1.2.3\n";
        let sc = lines(Policy::Scorecard, "a.sh", src);
        let at: Vec<u32> = sc.iter().map(|(l, _)| *l).collect();
        assert_eq!(at, [1, 2, 4], "{sc:?}");
    }

    #[test]
    fn pip_specs() {
        assert!(is_exact_pip_spec("==1.2.3"));
        assert!(is_exact_pip_spec("===1.2"));
        assert!(!is_exact_pip_spec("==1.*"));
        assert!(!is_exact_pip_spec(">=1"));
        assert!(!is_exact_pip_spec(""));
        assert_eq!(
            split_requirement("flask[async]>=2"),
            ("flask[async]", ">=2")
        );
        assert!(pip_vcs_unpinned("git+https://github.com/o/r.git@v1").is_some());
        assert!(pip_vcs_unpinned("git+https://github.com/o/r.git").is_some());
        assert!(
            pip_vcs_unpinned(
                "git+https://github.com/o/r.git@0123456789abcdef0123456789abcdef01234567#egg=r"
            )
            .is_none()
        );
        assert!(pip_vcs_unpinned("git+ssh://git@github.com/o/r.git").is_some());
        assert_eq!(direct_url("pkg @ https://x/p.tgz"), "https://x/p.tgz");
        assert_eq!(direct_url("pkg@file:///src/p"), "file:///src/p");
        assert_eq!(
            direct_url("git+ssh://git@github.com/o/r.git"),
            "git+ssh://git@github.com/o/r.git"
        );
    }

    #[test]
    fn npm_specs() {
        assert_eq!(npm_name("@types/node@20.1.0"), "@types/node");
        assert!(npm_spec_problem("@types/node@20.1.0").is_none());
        assert!(npm_spec_problem("typescript@5.4.5").is_none());
        assert!(npm_spec_problem("typescript@^5").is_some());
        assert!(npm_spec_problem("typescript@latest").is_some());
        assert!(npm_spec_problem("typescript").is_some());
        assert!(npm_spec_problem("./local").is_none());
        assert!(npm_spec_problem("user/repo").is_some());
        assert!(
            npm_spec_problem("github:user/repo#0123456789abcdef0123456789abcdef01234567").is_none()
        );
        assert!(npm_spec_problem("alias@npm:react@18.2.0").is_none());
    }

    #[test]
    fn system_versions() {
        assert!(yum_versioned("nginx-1.20.1"));
        assert!(yum_versioned("java-11-openjdk-11.0.20"));
        assert!(!yum_versioned("java-11-openjdk"));
        assert!(!yum_versioned("python3-pip"));
        assert!(is_go_pinned("v1.2.3") && is_go_pinned("v0.0.0-20240101000000-abcdef123456"));
        assert!(!is_go_pinned("latest") && !is_go_pinned("v1.2"));
    }
}
