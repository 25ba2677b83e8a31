//! OpenSSF Scorecard's Pinned-Dependencies judgements on shell commands, for
//! `policy = "scorecard"`.
//!
//! A transcription of `checks/raw/shell_download_validate.go` (ossf/scorecard at
//! 40c1e35996730d4fdcbdb2e6a23917a2467e29b7, Apache-2.0) onto dozen's shell reader, so
//! that the preset reproduces Scorecard's counts on its own test data
//! (`tests/conformance_scorecard.rs`). Scorecard's quirks are kept on purpose; each is
//! noted where it differs from dozen's `standard` policy.
//!
//! Scorecard reads a command as its literal words ([`argv`]): words with expansions
//! are dropped, quoted words keep their quotes, and every `sudo` word is removed.

use crate::finding::Span;
use crate::lang::commands::Snippet;
use crate::parse::shell::{Command, Script};
use std::collections::BTreeSet;

/// Scorecard's view of a command's words (`extractCommand`).
pub fn argv(cmd: &Command, file: &str) -> Vec<String> {
    let mut out = Vec::new();
    for w in &cmd.words {
        if w.dynamic {
            continue;
        }
        let raw = file.get(w.span.start..w.span.end).unwrap_or("");
        let text = if let Some(inner) = quoted(raw, '\'') {
            if inner != w.text {
                w.text.clone()
            } else {
                format!("'{inner}'")
            }
        } else if let Some(inner) = quoted(raw, '"') {
            if inner != w.text {
                w.text.clone()
            } else {
                format!("\"{inner}\"")
            }
        } else {
            w.text.clone()
        };
        if text.eq_ignore_ascii_case("sudo") {
            continue;
        }
        out.push(text);
    }
    out
}

fn quoted(raw: &str, q: char) -> Option<&str> {
    let inner = raw.strip_prefix(q)?.strip_suffix(q)?;
    (!inner.contains(q)).then_some(inner)
}

fn base(s: &str) -> &str {
    let s = s.trim_end_matches('/');
    s.rsplit('/').next().unwrap_or(s)
}

fn is_binary(expected: &str, name: &str) -> bool {
    base(name).eq_ignore_ascii_case(expected)
}

const SHELLS: &[&str] = &["sh", "bash", "mksh", "dash", "ksh"];
const PYTHONS: &[&str] = &["python", "python3", "python2.7"];
const OTHER_INTERPRETERS: &[&str] = &["perl", "ruby", "php", "node", "nodejs", "java"];
const DOTNET: &[&str] = &["dotnet", "nuget"];

fn is_interpreter(c: &[String]) -> bool {
    let Some(first) = c.first() else { return false };
    DOTNET
        .iter()
        .chain(OTHER_INTERPRETERS)
        .chain(&["exec", "su"])
        .chain(SHELLS)
        .chain(PYTHONS)
        .any(|i| is_binary(i, first))
}

/// curl, wget, gsutil, `aws s3api get-object`.
pub fn is_download_utility(c: &[String]) -> bool {
    let Some(first) = c.first() else { return false };
    if ["curl", "wget", "gsutil"]
        .iter()
        .any(|b| is_binary(b, first))
    {
        return true;
    }
    is_binary("aws", first)
        && c.len() >= 3
        && c[1].eq_ignore_ascii_case("s3api")
        && c[2].eq_ignore_ascii_case("get-object")
}

/// Go's `url.ParseRequestURI` accepts absolute URLs and absolute paths.
fn is_request_uri(s: &str) -> Option<(String, String, String)> {
    if s.is_empty() || s.contains(char::is_whitespace) {
        return None;
    }
    if let Some(path) = s.strip_prefix('/') {
        return Some((String::new(), String::new(), format!("/{path}")));
    }
    let (scheme, rest) = s.split_once(':')?;
    let mut chars = scheme.chars();
    if !chars.next()?.is_ascii_alphabetic()
        || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return None;
    }
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let (host, path) = match rest.strip_prefix("//") {
        Some(r) => match r.find('/') {
            Some(i) => (r[..i].to_owned(), r[i..].to_owned()),
            None => (r.to_owned(), String::new()),
        },
        None => (String::new(), rest.to_owned()),
    };
    Some((scheme.to_ascii_lowercase(), host, path))
}

fn unquote(s: &str) -> &str {
    quoted(s, '\'').or_else(|| quoted(s, '"')).unwrap_or(s)
}

/// `hasUnpinnedURLs`: unpinned unless every URL argument is a raw.githubusercontent.com
/// URL pinned to a 40-hex commit (and there is at least one).
pub fn has_unpinned_urls(c: &[String]) -> bool {
    let mut urls = 0;
    let mut pinned = 0;
    for s in c {
        let Some((scheme, host, path)) = is_request_uri(unquote(s)) else {
            continue;
        };
        urls += 1;
        if scheme == "https" && host == "raw.githubusercontent.com" {
            let segs: Vec<&str> = path.split('/').collect();
            if segs.len() > 4 && is_hex40(segs[3]) {
                pinned += 1;
            }
        }
    }
    !(pinned > 0 && urls == pinned)
}

pub fn is_hex40(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Go's `filepath.Clean`, lexically.
fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

fn dir(p: &str) -> String {
    match p.rfind('/') {
        Some(i) => clean(&p[..=i]),
        None => ".".into(),
    }
}

/// `path.Base(url.Parse(u).Path)`: relative references (`dir/exe`) are paths too.
fn url_base(u: &str) -> String {
    let u = u.split(['?', '#']).next().unwrap_or(u);
    let path = match u.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]),
        None => u,
    };
    let trimmed = path.trim_end_matches('/');
    match (path.is_empty(), trimmed.is_empty()) {
        (true, _) => ".".into(),
        (false, true) => "/".into(),
        _ => base(trimmed).to_owned(),
    }
}

fn join(d: &str, f: &str) -> String {
    clean(&format!("{d}/{f}"))
}

/// The file a download writes (`getRedirectFile` / `getOutputFile`).
fn output_file(c: &[String], stdout_redirect: Option<&str>) -> Option<String> {
    if let Some(f) = stdout_redirect {
        return Some(f.to_owned());
    }
    let first = c.first()?;
    if is_binary("wget", first) {
        if let Some(i) = (1..c.len().saturating_sub(1)).find(|&i| c[i].eq_ignore_ascii_case("-O")) {
            return Some(c[i + 1].clone());
        }
        return c[1..]
            .iter()
            .find(|a| a.starts_with("http"))
            .map(|u| url_base(u));
    }
    if is_binary("gsutil", first) {
        for i in 1..c.len().saturating_sub(1) {
            if !c[i].starts_with("gs://") {
                continue;
            }
            let p = &c[i + 1];
            if clean(&dir(p)) == clean(p) {
                return Some(join(&dir(p), &url_base(&c[i])));
            }
            return Some(p.clone());
        }
        return None;
    }
    if is_binary("aws", first) && is_download_utility(c) {
        let (i, o) = (&c[c.len() - 2], &c[c.len() - 1]);
        if clean(&dir(o)) == clean(o) {
            return Some(join(&dir(o), &url_base(i)));
        }
        return Some(o.clone());
    }
    None
}

// ---------------------------------------------------------------- package managers

/// Scorecard's verdict on a package-manager command: `Some(true)` pinned,
/// `Some(false)` unpinned, `None` not a command it counts. Scorecard counts pip, npm,
/// go, choco and NuGet/dotnet/msbuild; not apt, apk, yum, gem, cargo, yarn or pnpm.
pub fn package_install(c: &[String]) -> Option<bool> {
    if c.is_empty() {
        return None;
    }
    if is_go_download(c) {
        return Some(!is_go_unpinned(c));
    }
    if is_pip_install(c) || is_python_pip_install(c) {
        return Some(!is_pip_unpinned(c));
    }
    if is_npm_download(c) {
        return Some(!is_npm_unpinned(c));
    }
    if c.len() >= 2
        && (is_binary("choco", &c[0]) || is_binary("choco.exe", &c[0]))
        && c[1].eq_ignore_ascii_case("install")
    {
        let pinned = c[2..].iter().any(|a| {
            let k = a.split('=').next().unwrap_or("");
            [
                "--requirechecksum",
                "--requirechecksums",
                "--require-checksums",
            ]
            .iter()
            .any(|f| k.eq_ignore_ascii_case(f))
        });
        return Some(pinned);
    }
    nuget(c)
}

fn is_go_download(c: &[String]) -> bool {
    c.len() > 2 && is_binary("go", &c[0]) && (c[1] == "get" || c[1] == "install")
}

fn is_semver(v: &str) -> bool {
    let Some(rest) = v.strip_prefix('v') else {
        return false;
    };
    let (core, _) = rest.split_once(['-', '+']).unwrap_or((rest, ""));
    let nums: Vec<&str> = core.split('.').collect();
    if nums.len() != 3
        || nums
            .iter()
            .any(|n| n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()))
    {
        return false;
    }
    let tail = &rest[core.len()..];
    tail.chars()
        .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '-' | '.' | '+'))
}

fn looks_like_remote(pkg: &str) -> bool {
    // Scorecard's `\w+\.\w+/\w+`.
    let b = pkg.as_bytes();
    let w = |x: u8| x.is_ascii_alphanumeric() || x == b'_';
    (0..b.len()).any(|i| {
        let mut j = i;
        while j < b.len() && w(b[j]) {
            j += 1;
        }
        if j == i || b.get(j) != Some(&b'.') {
            return false;
        }
        let mut k = j + 1;
        let s = k;
        while k < b.len() && w(b[k]) {
            k += 1;
        }
        k > s && b.get(k) == Some(&b'/') && b.get(k + 1).is_some_and(|&x| w(x))
    })
}

fn is_go_unpinned(c: &[String]) -> bool {
    let flags = ["-d", "-f", "-t", "-u", "-v", "-fix", "-insecure"];
    let mut insecure = false;
    let mut i = 1;
    while i < c.len() - 1 {
        while i < c.len() - 1 && flags.contains(&c[i + 1].as_str()) {
            if c[i + 1] == "-insecure" {
                insecure = true;
            }
            i += 1;
        }
        if i + 1 >= c.len() {
            return false;
        }
        let pkg = &c[i + 1];
        if !looks_like_remote(pkg) {
            return false;
        }
        let parts: Vec<&str> = pkg.split('@').collect();
        if parts.len() == 2 {
            let v = parts[1];
            let hash = v.len() >= 40 && v.bytes().all(|b| b.is_ascii_hexdigit());
            if v == "none" || hash || (!insecure && is_semver(v)) {
                return false;
            }
        }
        i += 1;
    }
    true
}

fn is_pip_install(c: &[String]) -> bool {
    c.len() >= 2
        && (is_binary("pip", &c[0]) || is_binary("pip3", &c[0]))
        && c[1].eq_ignore_ascii_case("install")
}

fn pip_module(c: &[String]) -> Option<&[String]> {
    (1..c.len().saturating_sub(1))
        .find(|&i| c[i].eq_ignore_ascii_case("-m") && c[i + 1].eq_ignore_ascii_case("pip"))
        .map(|i| &c[i + 1..])
}

fn is_python_pip_install(c: &[String]) -> bool {
    PYTHONS.iter().any(|p| is_binary(p, &c[0])) && pip_module(c).is_some_and(is_pip_install)
}

fn is_flag(s: &str) -> bool {
    // `^(\-\-?\w+)+$`
    let mut rest = s;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        rest = match rest.strip_prefix("--").or_else(|| rest.strip_prefix('-')) {
            Some(r) => r,
            None => return false,
        };
        let n = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        if n == 0 {
            return false;
        }
        rest = &rest[n..];
    }
    true
}

fn is_pinned_editable_source(src: &str) -> bool {
    let remote = ["git", "svn", "hg", "bzr"]
        .iter()
        .any(|p| src.len() > p.len() && src.starts_with(p));
    if !remote {
        return true;
    }
    // `^git(\+(https?|ssh|git))?\:\/\/.*(.git)?@[a-fA-F0-9]{40}(#egg=.*)?$`
    let Some(rest) = src.strip_prefix("git") else {
        return false;
    };
    let rest = ["+https", "+http", "+ssh", "+git", ""]
        .iter()
        .find_map(|p| rest.strip_prefix(p).and_then(|r| r.strip_prefix("://")));
    let Some(rest) = rest else { return false };
    let before_egg = match rest.find("#egg=") {
        Some(i) => &rest[..i],
        None => rest,
    };
    before_egg
        .rsplit_once('@')
        .is_some_and(|(_, h)| is_hex40(h))
}

fn is_unpinned_pip_args(c: &[String]) -> bool {
    let (mut no_deps, mut editable, mut pinned_editable) = (false, false, true);
    let (mut hashes, mut more, mut wheel) = (false, false, false);
    for a in c.iter().skip(2) {
        if a.eq_ignore_ascii_case("--no-deps") {
            no_deps = true;
            continue;
        }
        if a == "-e" || a == "--editable" {
            editable = true;
            continue;
        }
        if a.eq_ignore_ascii_case("--require-hashes") {
            hashes = true;
            break;
        }
        if is_flag(a) {
            continue;
        }
        if a.ends_with(".whl") {
            wheel = true;
            continue;
        }
        if editable {
            if !is_pinned_editable_source(a) {
                pinned_editable = false;
            }
            continue;
        }
        more = true;
    }
    if editable {
        return !no_deps || !pinned_editable;
    }
    if hashes {
        return false;
    }
    if more {
        return true;
    }
    !wheel
}

fn is_pip_unpinned(c: &[String]) -> bool {
    if is_pip_install(c) && is_unpinned_pip_args(c) {
        return true;
    }
    if PYTHONS.iter().any(|p| is_binary(p, &c[0])) {
        if let Some(m) = pip_module(c) {
            return is_pip_install(m) && is_unpinned_pip_args(m);
        }
    }
    false
}

fn is_npm_download(c: &[String]) -> bool {
    is_binary("npm", &c[0])
        && c[1..].iter().any(|a| {
            ["install", "i", "install-test", "update", "ci"]
                .iter()
                .any(|s| a.eq_ignore_ascii_case(s))
        })
}

fn is_npm_unpinned(c: &[String]) -> bool {
    for a in &c[1..] {
        if a.eq_ignore_ascii_case("ci") {
            return false;
        }
        if ["github:", "git://", "git+http://", "git+https://"]
            .iter()
            .any(|p| a.starts_with(p))
        {
            let parts: Vec<&str> = a.splitn(5, '#').collect();
            if parts.len() != 2 {
                return true;
            }
            if is_hex40(parts[1]) {
                return false;
            }
        }
    }
    true
}

fn nuget(c: &[String]) -> Option<bool> {
    let any = |from: usize, flag: &str| c.iter().skip(from).any(|a| a.eq_ignore_ascii_case(flag));
    let is = |names: &[&str]| names.iter().any(|n| is_binary(n, &c[0]));
    let eq = |i: usize, s: &str| c.get(i).is_some_and(|a| a.eq_ignore_ascii_case(s));
    let dotnet_add = c.len() >= 4
        && is(&["dotnet", "dotnet.exe"])
        && eq(1, "add")
        && (eq(2, "package") || eq(3, "package"));
    let nuget_install = c.len() >= 2 && is(&["nuget", "nuget.exe"]) && eq(1, "install");
    let dotnet_restore = c.len() >= 2 && is(&["dotnet", "dotnet.exe"]) && eq(1, "restore");
    let nuget_restore = c.len() >= 2 && is(&["nuget", "nuget.exe"]) && eq(1, "restore");
    let msbuild_restore = c.len() >= 2 && is(&["msbuild", "msbuild.exe"]) && any(1, "/t:restore");
    if !(dotnet_add || nuget_install || dotnet_restore || nuget_restore || msbuild_restore) {
        return None;
    }
    let unpinned = (dotnet_add && !(any(3, "-v") || any(3, "--version")))
        || (nuget_install
            && c.len() != 2
            && !c[2].ends_with("packages.config")
            && !any(2, "-Version"))
        || (dotnet_restore && !any(2, "--locked-mode"))
        || (nuget_restore && !any(2, "-LockedMode"))
        || (msbuild_restore && !any(2, "/p:RestoreLockedMode=true"));
    Some(!unpinned)
}

// ---------------------------------------------------------------- downloads

/// What Scorecard reports as an unpinned "download then run" in a group of snippets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Download {
    /// `curl … | sh` (the download is the first element of the pipeline).
    Piped,
    /// `bash <(curl …)`.
    ProcessSubstitution,
    /// A file downloaded earlier (`curl … > f`, `wget -O f`, `gsutil cp gs://… f`) run
    /// by path or through an interpreter.
    SavedThenRun,
}

/// Scorecard's download findings for snippets that share a filesystem, in order: the
/// span to report (the download, or the command that runs the downloaded file) and the
/// kind. Downloaded file names carry over between the snippets, as Scorecard's
/// `taintedFiles` do across a Dockerfile's `RUN`s and a job's steps.
pub fn downloads(snippets: &[&Snippet], file: &str) -> Vec<(Span, Download)> {
    let mut out = Vec::new();
    let mut tainted: BTreeSet<String> = BTreeSet::new();
    for s in snippets {
        scan(&s.script, file, &mut tainted, &mut out);
    }
    out
}

fn scan(
    script: &Script,
    file: &str,
    tainted: &mut BTreeSet<String>,
    out: &mut Vec<(Span, Download)>,
) {
    let cmds = &script.commands;
    for (i, cmd) in cmds.iter().enumerate() {
        let c = argv(cmd, file);
        // `curl … | sh`: mvdan/sh nests pipelines to the left, so only the first two
        // elements form a pair of simple commands.
        if cmd.pipeline.is_some_and(|p| p.index == 0) && is_download_utility(&c) {
            if let Some(next) = script.next_in_pipeline(i) {
                if is_interpreter(&argv(next, file)) && has_unpinned_urls(&c) {
                    out.push((cmd.span, Download::Piped));
                }
            }
        }
        // `isExecuteFile` / `isInterpreterWithFile`, one finding per file run.
        if !tainted.is_empty() {
            let key = |a: &String| clean(a).to_lowercase();
            let mut hits: BTreeSet<String> = BTreeSet::new();
            hits.extend(c.first().map(key).filter(|k| tainted.contains(k)));
            if is_interpreter(&c) {
                hits.extend(c[1..].iter().map(key).filter(|k| tainted.contains(k)));
            }
            for _ in hits {
                out.push((cmd.span, Download::SavedThenRun));
            }
        }
        // `bash <(curl …)`: the second word is the process substitution.
        if is_interpreter(&c) {
            if let Some(w) = cmd.words.get(1).filter(|w| w.text.starts_with("<(")) {
                // Nested commands follow their parent, in source order.
                let inner = cmds[i + 1..]
                    .iter()
                    .take_while(|d| d.span.start <= w.span.end)
                    .find(|d| {
                        d.within.is_some_and(|x| x.command == i)
                            && d.span.start >= w.span.start
                            && d.span.end <= w.span.end
                    });
                if inner.is_some_and(|d| is_download_utility(&argv(d, file))) {
                    out.push((cmd.span, Download::ProcessSubstitution));
                }
            }
        }
        if is_download_utility(&c) && has_unpinned_urls(&c) {
            let redirect = cmd
                .redirects
                .iter()
                .find(|r| r.op == ">" && !r.target.dynamic)
                .map(|r| r.target.text.as_str());
            if let Some(f) = output_file(&c, redirect) {
                tainted.insert(clean(&f).to_lowercase());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn paths_clean_like_go() {
        assert_eq!(clean("./exe"), "exe");
        assert_eq!(clean("/path/to/"), "/path/to");
        assert_eq!(clean("a/../../b"), "../b");
        assert_eq!(dir("/path/to/"), "/path/to");
        assert_eq!(dir("."), ".");
        assert_eq!(join(".", "exe"), "exe");
    }

    #[test]
    fn urls() {
        assert!(has_unpinned_urls(&v("curl -s /etc/file")));
        assert!(has_unpinned_urls(&v("curl -s file")));
        assert!(has_unpinned_urls(&v(
            "curl https://raw.githubusercontent.com/o/r/main/x.sh"
        )));
        assert!(!has_unpinned_urls(&v(
            "curl -sSL https://raw.githubusercontent.com/o/r/5b142a1e445a6f060d6430b661408989e9580b85/x.sh"
        )));
    }

    #[test]
    fn package_managers() {
        assert_eq!(package_install(&v("pip install x==1")), Some(false));
        assert_eq!(
            package_install(&v("pip install -r r.txt --require-hashes")),
            Some(true)
        );
        assert_eq!(
            package_install(&v("pip install --no-deps -e .")),
            Some(true)
        );
        assert_eq!(
            package_install(&v("python -m pip install bla3.whl")),
            Some(true)
        );
        assert_eq!(package_install(&v("npm ci")), Some(true));
        assert_eq!(package_install(&v("npm install -g")), Some(false));
        assert_eq!(
            package_install(&v("go install github.com/o/n@v1.2.3")),
            Some(true)
        );
        assert_eq!(
            package_install(&v("go install github.com/o/n@latest")),
            Some(false)
        );
        assert_eq!(
            package_install(&v("go install /some/local/path")),
            Some(true)
        );
        assert_eq!(package_install(&v("go install")), None);
        assert_eq!(package_install(&v("apt-get install curl")), None);
        assert_eq!(package_install(&v("dotnet restore")), Some(false));
        assert_eq!(package_install(&v("dotnet build")), None);
        assert!(is_flag("--no-deps") && is_flag("-X") && !is_flag("-") && !is_flag("x"));
        assert!(is_pinned_editable_source(
            "git+https://github.com/u/r.git@0123456789abcdef0123456789abcdef01234567#egg=p"
        ));
        assert!(!is_pinned_editable_source(
            "git+https://github.com/u/r.git@v1.0"
        ));
        assert!(!is_pinned_editable_source("hg+https://x@1"));
        assert!(is_pinned_editable_source("."));
    }
}
