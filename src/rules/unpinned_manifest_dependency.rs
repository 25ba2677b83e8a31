//! `unpinned-manifest-dependency`: dependency declarations that no lockfile can make
//! reproducible: any-version wildcards, dist-tags, open ranges, and git or URL sources
//! without a full commit SHA.
//!
//! `go.mod` is not read: Go requires exact module versions and `go.sum` records their
//! hashes, so a Go dependency is pinned by design.

use super::Rule;
use crate::classify::FileKind;
use crate::context::{Cx, Report};
use crate::finding::Span;
use crate::parse::gemfile;
use crate::parse::json::{Member, Node, Value};
use crate::parse::requirements::{self, Pin, is_full_sha, is_short_sha, mask_credentials};

pub const RULE: Rule = Rule {
    id: "unpinned-manifest-dependency",
    meta_source: include_str!("../../rules/unpinned-manifest-dependency.toml"),
    kinds: &[
        FileKind::PackageJson,
        FileKind::CargoToml,
        FileKind::PyProject,
        FileKind::Pipfile,
        FileKind::ComposerJson,
        FileKind::Gemfile,
    ],
    // `dependenc` covers dependencies, devDependencies, dependency-groups, …
    triggers: &["dependenc", "packages", "require", "git", "sources"],
    check,
};

fn check(cx: &Cx, out: &mut Report) {
    match cx.kind() {
        FileKind::PackageJson => npm(cx, out),
        FileKind::CargoToml => cargo(cx, out),
        FileKind::PyProject => pyproject(cx, out),
        FileKind::Pipfile => pipfile(cx, out),
        FileKind::ComposerJson => composer(cx, out),
        FileKind::Gemfile => gemfile_rule(cx, out),
        _ => {}
    }
}

/// Adds a finding, masking credentials in a URL value (`https://user:token@host/…`).
fn add(
    out: &mut Report,
    src: &str,
    span: Span,
    message: String,
    fix: String,
    url: Option<(&str, Span)>,
) {
    let f = out.add(span, message);
    f.fix(fix);
    if let Some((url, at)) = url {
        if let Some(hide) = requirements::credentials_span(src, url, at) {
            f.redact(hide);
        }
    }
}

/// What is wrong with a git reference (branch, tag, short SHA or none), for messages.
fn git_ref_problem(reference: Option<&str>, how: &str) -> String {
    match reference {
        Some(r) if is_short_sha(r) => {
            format!("names the abbreviated commit `{r}`, which can become ambiguous")
        }
        Some(r) => format!("follows `{r}` ({how}), which can move"),
        None => "follows the default branch".to_owned(),
    }
}

// ---------------------------------------------------------------- package.json

const NPM_SECTIONS: &[&str] = &["dependencies", "devDependencies", "optionalDependencies"];

fn npm(cx: &Cx, out: &mut Report) {
    let src = cx.text();
    let Some(root) = cx.json() else { return };
    for section in NPM_SECTIONS {
        let Some(deps) = root.get(section) else {
            continue;
        };
        for m in deps.entries() {
            let Some(spec) = m.value.as_str() else {
                continue;
            };
            if let Some((what, fix)) = npm_problem(&m.key, spec) {
                let shown = mask_credentials(spec);
                add(
                    out,
                    src,
                    m.value.span,
                    format!("`\"{}\": \"{shown}\"` in {section} {what}", m.key),
                    fix,
                    Some((spec, m.value.inner_span())),
                );
            }
        }
    }
}

/// Why an npm dependency spec cannot be reproduced, and the fix; `None` if it is fine.
fn npm_problem(name: &str, spec: &str) -> Option<(String, String)> {
    let spec = spec.trim();
    let range_fix = || {
        format!(
            "declare the range you tested, e.g. `\"{name}\": \"^1.2.3\"` (the lockfile pins the exact version), or an exact version"
        )
    };
    let lower = spec.to_ascii_lowercase();
    // Local and workspace protocols: the code is in the repository.
    for p in [
        "file:",
        "link:",
        "workspace:",
        "portal:",
        "patch:",
        "catalog:",
        "exec:",
        "git+file:",
    ] {
        if lower.starts_with(p) {
            return None;
        }
    }
    if spec.starts_with('.') || spec.starts_with('/') || spec.starts_with('~') {
        return None;
    }
    // Aliases: `npm:other@^1.2`, `jsr:@std/fmt@^1`.
    for p in ["npm:", "jsr:"] {
        if let Some(rest) = spec.strip_prefix(p) {
            let version = rest
                .get(1..)
                .and_then(|r| r.rsplit_once('@'))
                .map(|(_, v)| v);
            return match version {
                None | Some("") => Some((
                    format!("is an alias to `{rest}` without a version: any version satisfies it"),
                    format!("add the version: `\"{name}\": \"{p}{rest}@^1.2.3\"`"),
                )),
                Some(v) => npm_range_problem(v).map(|what| (what, range_fix())),
            };
        }
    }
    if let Some(git) = npm_git(spec) {
        return match git.committish {
            Some(c) if is_full_sha(c) => None,
            other => {
                let how = if other.is_some_and(|c| c.starts_with("semver:")) {
                    "a semver range over tags"
                } else {
                    "a branch or tag"
                };
                Some((
                    format!("is a git dependency that {}", git_ref_problem(other, how)),
                    format!(
                        "pin a full commit: `\"{name}\": \"{}#<40-hex commit sha>\"`",
                        mask_credentials(git.repo)
                    ),
                ))
            }
        };
    }
    if lower.starts_with("http://") || lower.starts_with("https://") {
        let path = spec.split(['?', '#']).next().unwrap_or(spec);
        if path.split('/').any(|seg| {
            let stem = seg
                .strip_suffix(".tar.gz")
                .or_else(|| seg.strip_suffix(".tgz"))
                .or_else(|| seg.strip_suffix(".zip"))
                .unwrap_or(seg);
            is_full_sha(stem)
        }) {
            return None;
        }
        return Some((
            "is a tarball URL: it installs whatever the URL serves at install time".into(),
            format!(
                "depend on a published version (`\"{name}\": \"^1.2.3\"`) or on an immutable URL that contains the commit SHA"
            ),
        ));
    }
    npm_range_problem(spec).map(|what| (what, range_fix()))
}

struct NpmGit<'s> {
    repo: &'s str,
    committish: Option<&'s str>,
}

/// A git dependency: `git+https://…`, `git://…`, `git+ssh://…`, `github:o/r`, `gitlab:`,
/// `bitbucket:`, `gist:`, the `o/r` GitHub shorthand, or an `https://….git` URL.
fn npm_git(spec: &str) -> Option<NpmGit<'_>> {
    let (repo, committish) = match spec.split_once('#') {
        Some((r, c)) => (r, Some(c).filter(|c| !c.is_empty())),
        None => (spec, None),
    };
    let lower = repo.to_ascii_lowercase();
    let is_git = [
        "git+",
        "git://",
        "github:",
        "gitlab:",
        "bitbucket:",
        "gist:",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
        || ((lower.starts_with("https://") || lower.starts_with("http://"))
            && lower.ends_with(".git"))
        || is_github_shorthand(repo);
    is_git.then_some(NpmGit { repo, committish })
}

/// `owner/repo` (npm reads it as a GitHub repository).
fn is_github_shorthand(s: &str) -> bool {
    let Some((owner, repo)) = s.split_once('/') else {
        return false;
    };
    let ok = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    !s.starts_with('@') && ok(owner) && ok(repo)
}

/// Why a semver range has no upper bound (`None` if every alternative has one).
fn npm_range_problem(spec: &str) -> Option<String> {
    let spec = spec.trim();
    match spec {
        "" | "*" | "x" | "X" => return Some("accepts any version".into()),
        "latest" => {
            return Some("follows the `latest` dist-tag, which moves with every publish".into());
        }
        _ => {}
    }
    // Something that is not a range at all is a dist-tag (`next`, `beta`, `canary`).
    let looks_like_range = spec.bytes().any(|b| b.is_ascii_digit())
        || spec
            .split("||")
            .all(|s| matches!(s.trim(), "*" | "x" | "X" | ""));
    if !looks_like_range {
        return Some(format!(
            "follows the `{spec}` dist-tag, which moves with every publish"
        ));
    }
    for alt in spec.split("||") {
        if !bounded(alt.trim()) {
            return Some(
                if alt.trim().is_empty() || matches!(alt.trim(), "*" | "x" | "X") {
                    "accepts any version".to_owned()
                } else {
                    format!(
                        "has no upper bound (`{}`): any future major version satisfies it",
                        alt.trim()
                    )
                },
            );
        }
    }
    None
}

/// Whether one comparator set (`>=1.2 <2`, `^1.2`, `1.x`, `1.2.3 - 2`) has an upper bound.
fn bounded(set: &str) -> bool {
    if set.is_empty() || matches!(set, "*" | "x" | "X") {
        return false;
    }
    if set.contains(" - ") {
        return true;
    }
    // Glue operators to their versions: `>= 1.2` → `>=1.2`.
    let mut comparators: Vec<String> = Vec::new();
    let mut pending = String::new();
    for tok in set.split_whitespace() {
        if tok
            .bytes()
            .all(|b| matches!(b, b'<' | b'>' | b'=' | b'~' | b'^'))
        {
            pending.push_str(tok);
            continue;
        }
        comparators.push(format!("{pending}{tok}"));
        pending.clear();
    }
    comparators.iter().any(|c| {
        let version = c.trim_start_matches(['<', '>', '=', '~', '^', 'v']);
        if c.starts_with('<') {
            return true;
        }
        if c.starts_with('>') {
            return false;
        }
        // `^`, `~`, `=`, a plain or partial version: bounded unless it is all wildcard.
        !matches!(version, "" | "*" | "x" | "X")
    })
}

// ---------------------------------------------------------------- Cargo.toml

const CARGO_DEP_TABLES: &[&str] = &[
    "dependencies",
    "dev-dependencies",
    "build-dependencies",
    "dev_dependencies",
    "build_dependencies",
];

fn cargo(cx: &Cx, out: &mut Report) {
    let root = cx.toml();
    let mut tables: Vec<(String, &Node)> = Vec::new();
    for t in CARGO_DEP_TABLES {
        if let Some(n) = root.get(t) {
            tables.push(((*t).to_owned(), n));
        }
    }
    for target in root.get("target").map_or(&[][..], Node::entries) {
        for t in CARGO_DEP_TABLES {
            if let Some(n) = target.value.get(t) {
                tables.push((format!("target.{}.{t}", target.key), n));
            }
        }
    }
    if let Some(n) = root.get("workspace").and_then(|w| w.get("dependencies")) {
        tables.push(("workspace.dependencies".to_owned(), n));
    }
    for registry in root.get("patch").map_or(&[][..], Node::entries) {
        tables.push((format!("patch.{}", registry.key), &registry.value));
    }
    for (section, table) in tables {
        for m in table.entries() {
            cargo_dep(out, cx.text(), &section, m);
        }
    }
}

fn cargo_dep(out: &mut Report, src: &str, section: &str, m: &Member) {
    let name = &m.key;
    let star_fix = || {
        format!(
            "require the version you tested: `{name} = \"1.2\"` (a caret requirement; Cargo.lock pins the exact version)"
        )
    };
    match &m.value.value {
        Value::String(v) if v.trim() == "*" => add(
            out,
            src,
            m.value.span,
            format!(
                "`{name} = \"*\"` in [{section}] accepts any version (crates.io refuses to publish crates with wildcard dependencies)"
            ),
            star_fix(),
            None,
        ),
        Value::Object(_) => {
            let t = &m.value;
            if t.get("workspace").is_some() {
                return;
            }
            if let Some(git) = t.get("git") {
                let Some(url) = git.as_str() else { return };
                let rev = t.get("rev").and_then(Node::as_str);
                if rev.is_some_and(is_full_sha) {
                    return;
                }
                let (reference, how) = match (rev, t.get("tag"), t.get("branch")) {
                    (Some(r), _, _) => (Some(r), "`rev`"),
                    (None, Some(tag), _) => (tag.as_str(), "a tag"),
                    (None, None, Some(b)) => (b.as_str(), "a branch"),
                    (None, None, None) => (None, ""),
                };
                add(
                    out,
                    src,
                    git.span,
                    format!(
                        "`{name}` in [{section}] is a git dependency that {}; `cargo update` moves it",
                        git_ref_problem(reference, how)
                    ),
                    format!(
                        "pin the commit: `{name} = {{ git = \"{}\", rev = \"<40-hex commit sha>\" }}` (or depend on a published version)",
                        mask_credentials(url)
                    ),
                    Some((url, git.inner_span())),
                );
                return;
            }
            if t.get("path").is_some() {
                return;
            }
            if let Some(v) = t.get("version") {
                if v.as_str().is_some_and(|s| s.trim() == "*") {
                    add(
                        out,
                        src,
                        v.span,
                        format!(
                            "`{name}` in [{section}] has `version = \"*\"`: any version satisfies it"
                        ),
                        star_fix(),
                        None,
                    );
                }
            }
        }
        _ => {}
    }
}

// ---------------------------------------------------------------- pyproject.toml

fn pyproject(cx: &Cx, out: &mut Report) {
    let src = cx.text();
    let root = cx.toml();
    // PEP 508 strings: PEP 621, PEP 735 dependency groups, PDM and uv extras.
    let mut lists: Vec<(String, &Node)> = Vec::new();
    if let Some(project) = root.get("project") {
        if let Some(d) = project.get("dependencies") {
            lists.push(("project.dependencies".into(), d));
        }
        for g in project
            .get("optional-dependencies")
            .map_or(&[][..], Node::entries)
        {
            lists.push((format!("project.optional-dependencies.{}", g.key), &g.value));
        }
    }
    for g in root.get("dependency-groups").map_or(&[][..], Node::entries) {
        lists.push((format!("dependency-groups.{}", g.key), &g.value));
    }
    let tool = root.get("tool");
    let tool_get =
        |keys: &[&str]| -> Option<&Node> { keys.iter().try_fold(tool?, |n, k| n.get(k)) };
    for g in tool_get(&["pdm", "dev-dependencies"]).map_or(&[][..], Node::entries) {
        lists.push((format!("tool.pdm.dev-dependencies.{}", g.key), &g.value));
    }
    for key in [
        "dev-dependencies",
        "constraint-dependencies",
        "override-dependencies",
    ] {
        if let Some(d) = tool_get(&["uv", key]) {
            lists.push((format!("tool.uv.{key}"), d));
        }
    }
    for (section, list) in lists {
        for item in list.items() {
            if let Some(s) = item.as_str() {
                pep508(out, src, &section, s, item);
            }
        }
    }
    // Poetry tables.
    let mut poetry: Vec<(String, &Node)> = Vec::new();
    for key in ["dependencies", "dev-dependencies"] {
        if let Some(d) = tool_get(&["poetry", key]) {
            poetry.push((format!("tool.poetry.{key}"), d));
        }
    }
    for g in tool_get(&["poetry", "group"]).map_or(&[][..], Node::entries) {
        if let Some(d) = g.value.get("dependencies") {
            poetry.push((format!("tool.poetry.group.{}.dependencies", g.key), d));
        }
    }
    for (section, table) in poetry {
        for m in table.entries() {
            if m.key.eq_ignore_ascii_case("python") {
                continue;
            }
            match &m.value.value {
                Value::Array(alternatives) => {
                    for alt in alternatives {
                        source_entry(out, src, &section, &m.key, alt, SourceStyle::Poetry);
                    }
                }
                _ => source_entry(out, src, &section, &m.key, &m.value, SourceStyle::Poetry),
            }
        }
    }
    // uv sources.
    for m in tool_get(&["uv", "sources"]).map_or(&[][..], Node::entries) {
        match &m.value.value {
            Value::Array(alternatives) => {
                for alt in alternatives {
                    source_entry(out, src, "tool.uv.sources", &m.key, alt, SourceStyle::Uv);
                }
            }
            _ => source_entry(
                out,
                src,
                "tool.uv.sources",
                &m.key,
                &m.value,
                SourceStyle::Uv,
            ),
        }
    }
}

/// A PEP 508 string: only its URL is judged here (versions are the lockfile's job).
fn pep508(out: &mut Report, src: &str, section: &str, s: &str, item: &Node) {
    let base = item.inner_span().start;
    let Ok(req) = requirements::parse_requirement(s, &|i, j| Span::new(base + i, base + j)) else {
        return;
    };
    let Some(url) = &req.url else { return };
    let problem = match req.pin() {
        Pin::VcsRef(r) => git_ref_problem(r.as_deref(), "a branch or tag"),
        Pin::UrlNoHash => "downloads whatever the URL serves, with no hash".to_owned(),
        _ => return,
    };
    let name = req.name.as_deref().unwrap_or("the dependency");
    let fix = if matches!(req.pin(), Pin::UrlNoHash) {
        format!(
            "add the hash to the URL (`{name} @ https://…#sha256=<digest>`) or depend on a published version"
        )
    } else {
        format!(
            "pin the commit: `{name} @ {}@<40-hex commit sha>`",
            mask_credentials(requirements::vcs_base(url))
        )
    };
    add(
        out,
        src,
        item.span,
        format!("`{}` in {section} {problem}", mask_credentials(s.trim())),
        fix,
        req.url_span.map(|sp| (url.as_str(), sp)),
    );
}

#[derive(Clone, Copy, PartialEq)]
enum SourceStyle {
    Poetry,
    Uv,
    Pipfile,
}

/// A table entry naming where a dependency comes from: `{ git = …, rev = … }`,
/// `{ url = … }`, `{ path = … }`, or (Poetry) a version string.
fn source_entry(
    out: &mut Report,
    src: &str,
    section: &str,
    name: &str,
    node: &Node,
    style: SourceStyle,
) {
    if let Some(v) = node.as_str() {
        if style == SourceStyle::Poetry && v.trim() == "*" {
            add(
                out,
                src,
                node.span,
                format!("`{name} = \"*\"` in [{section}] accepts any version"),
                format!(
                    "require the version you tested: `{name} = \"^1.2\"` (poetry.lock pins the exact version)"
                ),
                None,
            );
        }
        return;
    }
    if !node.is_object() {
        return;
    }
    let vcs = ["git", "hg", "svn", "bzr"]
        .iter()
        .find_map(|k| node.get(k).map(|v| (*k, v)));
    if let Some((kind, repo)) = vcs {
        let Some(url) = repo.as_str() else { return };
        // Pipfile calls the commit `ref`; Poetry and uv `rev`.
        let rev_key = if style == SourceStyle::Pipfile {
            "ref"
        } else {
            "rev"
        };
        let rev = node.get(rev_key).and_then(Node::as_str);
        if rev.is_some_and(is_full_sha) {
            return;
        }
        let (reference, how) = match (rev, node.get("tag"), node.get("branch")) {
            (Some(r), _, _) if style == SourceStyle::Pipfile => (Some(r), "`ref`"),
            (Some(r), _, _) => (Some(r), "`rev`"),
            (None, Some(t), _) => (t.as_str(), "a tag"),
            (None, None, Some(b)) => (b.as_str(), "a branch"),
            (None, None, None) => (None, ""),
        };
        add(
            out,
            src,
            repo.span,
            format!(
                "`{name}` in [{section}] is a {} dependency that {}",
                match kind {
                    "hg" => "Mercurial",
                    "svn" => "Subversion",
                    "bzr" => "Bazaar",
                    _ => "git",
                },
                git_ref_problem(reference, how)
            ),
            format!(
                "pin the commit: `{name} = {{ {kind} = \"{}\", {rev_key} = \"<40-hex commit sha>\" }}`",
                mask_credentials(url)
            ),
            Some((url, repo.inner_span())),
        );
        return;
    }
    let url_key = if style == SourceStyle::Pipfile {
        "file"
    } else {
        "url"
    };
    if let Some(u) = node.get(url_key) {
        let Some(url) = u.as_str() else { return };
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            return;
        }
        let pinned =
            requirements::parse_requirement(&format!("x @ {url}"), &|_, _| Span::default())
                .is_ok_and(|r| r.pin() == Pin::Exact);
        if !pinned {
            add(
                out,
                src,
                u.span,
                format!(
                    "`{name}` in [{section}] downloads `{}` with no hash to check it against",
                    mask_credentials(url)
                ),
                format!(
                    "add the file's hash to the URL (`#sha256=<digest>`) or depend on a published version of `{name}`"
                ),
                Some((url, u.inner_span())),
            );
        }
        return;
    }
    if style == SourceStyle::Poetry {
        if let Some(v) = node.get("version") {
            if v.as_str().is_some_and(|s| s.trim() == "*") {
                add(
                    out,
                    src,
                    v.span,
                    format!(
                        "`{name}` in [{section}] has `version = \"*\"`: any version satisfies it"
                    ),
                    format!(
                        "require the version you tested: `{name} = {{ version = \"^1.2\" }}` (poetry.lock pins the exact version)"
                    ),
                    None,
                );
            }
        }
    }
}

// ---------------------------------------------------------------- Pipfile

fn pipfile(cx: &Cx, out: &mut Report) {
    let src = cx.text();
    let root = cx.toml();
    for section in ["packages", "dev-packages"] {
        for m in root.get(section).map_or(&[][..], Node::entries) {
            if m.value.is_object() {
                source_entry(out, src, section, &m.key, &m.value, SourceStyle::Pipfile);
            }
        }
    }
}

// ---------------------------------------------------------------- composer.json

fn composer(cx: &Cx, out: &mut Report) {
    let src = cx.text();
    let Some(root) = cx.json() else { return };
    for section in ["require", "require-dev"] {
        for m in root.get(section).map_or(&[][..], Node::entries) {
            // Platform packages (`php`, `ext-json`, `lib-icu`, `composer-plugin-api`)
            // have no `/`: they are checked against the runtime, not installed.
            if !m.key.contains('/') {
                continue;
            }
            let Some(spec) = m.value.as_str() else {
                continue;
            };
            if let Some((what, branch)) = composer_problem(spec) {
                let key = &m.key;
                let fix = match branch {
                    Some(b) => format!(
                        "require a tagged release (`\"{key}\": \"^1.2\"`; composer.lock pins it), or pin the branch to a commit: `\"{key}\": \"{b}#<40-hex commit sha>\"`"
                    ),
                    None => format!(
                        "require the version you tested: `\"{key}\": \"^1.2\"` (composer.lock pins the exact version)"
                    ),
                };
                add(
                    out,
                    src,
                    m.value.span,
                    format!("`\"{key}\": \"{spec}\"` in {section} {what}"),
                    fix,
                    None,
                );
            }
        }
    }
}

/// Why a composer constraint is not reproducible, and the branch it follows (if any).
fn composer_problem(spec: &str) -> Option<(String, Option<String>)> {
    for alt in spec.split('|').flat_map(|a| a.split(',')) {
        // `dev-main as 1.0.x-dev`: the part before `as` is what is installed.
        let alt = alt.trim();
        let installed = alt.split(" as ").next().unwrap_or(alt).trim();
        let (constraint, commit) = match installed.split_once('#') {
            Some((c, sha)) => (c, Some(sha)),
            None => (installed, None),
        };
        let constraint = constraint.split('@').next().unwrap_or(constraint).trim();
        if matches!(constraint, "" | "*" | "x") {
            return Some(("accepts any version".into(), None));
        }
        let is_branch = constraint.starts_with("dev-") || constraint.ends_with("-dev");
        if is_branch && !commit.is_some_and(is_full_sha) {
            return Some((
                format!(
                    "follows the development branch `{constraint}`, which moves with every push"
                ),
                Some(constraint.to_owned()),
            ));
        }
    }
    None
}

// ---------------------------------------------------------------- Gemfile

fn gemfile_rule(cx: &Cx, out: &mut Report) {
    let src = cx.text();
    for st in gemfile::parse(cx.text()) {
        let (name, source) = match st.method.as_str() {
            "gem" => {
                let Some(name) = st.positional().next().filter(|l| l.is_string) else {
                    continue;
                };
                let source = ["git", "github", "gist", "bitbucket"]
                    .iter()
                    .find_map(|k| st.option(k).map(|v| (*k, v)));
                let Some(source) = source else { continue };
                (format!("`gem \"{}\"`", name.text), source)
            }
            // `git "https://…" do … end` / `github "org/repo" do … end`
            "git" | "github" => {
                let Some(repo) = st.positional().next().filter(|l| l.is_string) else {
                    continue;
                };
                let kind = if st.method == "git" { "git" } else { "github" };
                (format!("the gems of this `{kind}` block"), (kind, repo))
            }
            _ => continue,
        };
        let (kind, repo) = source;
        if !repo.is_string {
            continue;
        }
        let reference = st.option("ref").filter(|l| l.is_string);
        if reference.is_some_and(|r| is_full_sha(&r.text)) {
            continue;
        }
        let (r, how) = match (reference, st.option("tag"), st.option("branch")) {
            (Some(r), _, _) => (Some(r.text.as_str()), "`ref`"),
            (None, Some(t), _) => (Some(t.text.as_str()), "a tag"),
            (None, None, Some(b)) => (Some(b.text.as_str()), "a branch"),
            (None, None, None) => (None, ""),
        };
        add(
            out,
            src,
            repo.span,
            format!(
                "{name}: the {kind} source `{}` {}; `bundle update` moves it",
                mask_credentials(&repo.text),
                git_ref_problem(r, how)
            ),
            "pin the commit: add `ref: \"<40-hex commit sha>\"` (keep the tag in a comment), or depend on a released version".to_owned(),
            Some((
                repo.text.as_str(),
                Span::new(repo.span.start + 1, repo.span.end.saturating_sub(1)),
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

    #[test]
    fn npm_specs() {
        let flagged = [
            "*",
            "",
            "x",
            "latest",
            "next",
            ">=1.0.0",
            ">1",
            ">= 1.2",
            "^1.0.0 || >=3",
            "1.x || *",
            "github:org/repo",
            "github:org/repo#main",
            "org/repo#v1.0.0",
            "org/repo",
            "git+https://github.com/org/repo.git#semver:^1.0",
            "git+ssh://git@github.com/org/repo.git#abc1234",
            "git://github.com/org/repo.git",
            "https://github.com/org/repo.git",
            "https://example.com/pkg-1.0.0.tgz",
            "npm:other",
            "npm:other@latest",
            "npm:@scope/other",
            "npm:other@>=2",
        ];
        for spec in flagged {
            assert!(
                npm_problem("a", spec).is_some(),
                "{spec:?} should be flagged"
            );
        }
        let fine = [
            "^1.2.3",
            "~1.2",
            "1.2.3",
            "=1.2.3",
            "v1.2.3",
            "1.x",
            "1.2.*",
            "1",
            ">=1.2.3 <2.0.0",
            ">= 1.2 < 2",
            "1.2.3 - 2.3.4",
            "<2",
            "^1 || ^2",
            "file:../lib",
            "link:../lib",
            "workspace:*",
            "workspace:^",
            "catalog:",
            "portal:../x",
            "npm:other@^1.2.3",
            "npm:@scope/other@1.0.0",
            "jsr:@std/fmt@^1.0.0",
            "./local",
        ];
        for spec in fine {
            assert!(npm_problem("a", spec).is_none(), "{spec:?} should pass");
        }
        for spec in [
            format!("github:org/repo#{SHA}"),
            format!("org/repo#{SHA}"),
            format!("git+https://github.com/org/repo.git#{SHA}"),
            format!("https://codeload.github.com/org/repo/tar.gz/{SHA}"),
        ] {
            assert!(npm_problem("a", &spec).is_none(), "{spec:?} should pass");
        }
    }

    #[test]
    fn composer_specs() {
        for spec in [
            "*",
            "dev-master",
            "dev-main as 1.0.x-dev",
            "1.0.x-dev",
            "^1.0 | dev-main",
            "",
        ] {
            assert!(composer_problem(spec).is_some(), "{spec:?}");
        }
        for spec in [
            "^1.2",
            "~2.0",
            "1.2.3",
            ">=1.0 <2.0",
            "^1.0@dev",
            &format!("dev-main#{SHA}"),
        ] {
            assert!(composer_problem(spec).is_none(), "{spec:?}");
        }
    }
}
