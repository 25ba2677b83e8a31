//! `missing-lockfile`: an application manifest with dependencies and no lockfile beside it
//! or at the root of its workspace.
//!
//! Lockfiles are looked up with `stat` only, in the manifest's directory and — for
//! workspace members — in the workspace root, found by walking up (never above the scan
//! root) to the nearest npm/yarn/bun `workspaces`, `pnpm-workspace.yaml`, Cargo
//! `[workspace]`, uv `[tool.uv.workspace]` or `go.work` that includes the member.

use super::Rule;
use crate::classify::FileKind;
use crate::context::{Cx, Report};
use crate::finding::Span;
use crate::parse::json::{self, Node, Value};
use crate::parse::nearby::{self, Place};
use crate::parse::{gemfile, toml_doc, yaml};

pub const RULE: Rule = Rule {
    id: "missing-lockfile",
    meta_source: include_str!("../../rules/missing-lockfile.toml"),
    kinds: &[
        FileKind::PackageJson,
        FileKind::Pipfile,
        FileKind::PyProject,
        FileKind::CargoToml,
        FileKind::GoMod,
        FileKind::Gemfile,
        FileKind::ComposerJson,
    ],
    // dependencies/devDependencies/dependency-groups, [packages], require, gem/gemspec
    triggers: &["dependenc", "packages", "require", "gem"],
    check,
};

const NPM_LOCKS: &[&str] = &[
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lock",
    "bun.lockb",
];
const PYTHON_LOCKS: &[&str] = &["poetry.lock", "pdm.lock", "uv.lock", "pylock.toml"];

/// What a manifest needs.
struct Needs {
    /// How many dependencies it declares.
    deps: usize,
    /// Any one of these, beside it or at its workspace root, is its lockfile.
    locks: &'static [&'static str],
    /// Where its workspace root is, if it is a workspace member.
    workspace: Option<String>,
    /// How to create the lockfile.
    fix: &'static str,
}

fn check(cx: &Cx, out: &mut Report) {
    let place = cx.place();
    let needs = match cx.kind() {
        FileKind::PackageJson => npm(cx, &place),
        FileKind::Pipfile => pipfile(cx),
        FileKind::PyProject => pyproject(cx, &place),
        FileKind::CargoToml => cargo(cx, &place),
        FileKind::GoMod => gomod(cx, &place),
        FileKind::Gemfile => gem(cx),
        FileKind::ComposerJson => composer(cx),
        _ => None,
    };
    let Some(needs) = needs else { return };
    if needs.deps == 0 {
        return;
    }
    let has_lock = |dir: &str| {
        needs
            .locks
            .iter()
            .any(|l| place.is_file(&nearby::join_rel(dir, l).unwrap_or_default()))
    };
    if has_lock(&place.dir) {
        return;
    }
    let where_ = match &needs.workspace {
        Some(root) if root != &place.dir => {
            if has_lock(root) {
                return;
            }
            let shown = if root.is_empty() { "." } else { root };
            format!("beside it or at its workspace root `{shown}/`")
        }
        _ => "beside it".to_owned(),
    };
    let name = cx.file.rel_path.rsplit('/').next().unwrap_or("");
    let first_line = cx.text().lines().next().unwrap_or("").trim_end();
    let n = needs.deps;
    let locks = needs.locks.join(", ");
    out.add(
        Span::new(0, first_line.len()),
        format!(
            "`{name}` declares {n} dependenc{} but no lockfile ({locks}) is {where_}: every install resolves the versions anew, so two builds of the same commit can ship different code",
            if n == 1 { "y" } else { "ies" }
        ),
    )
    .fix(needs.fix);
}

fn line_count(node: Option<&Node>) -> usize {
    node.map_or(0, |n| match &n.value {
        Value::Object(m) => m.len(),
        Value::Array(a) => a.len(),
        _ => 0,
    })
}

// ---------------------------------------------------------------- npm, yarn, pnpm, bun

fn npm(cx: &Cx, place: &Place) -> Option<Needs> {
    let root = cx.json()?;
    let deps = ["dependencies", "devDependencies", "optionalDependencies"]
        .iter()
        .map(|k| line_count(root.get(k)))
        .sum();
    Some(Needs {
        deps,
        locks: NPM_LOCKS,
        workspace: npm_workspace_root(cx, place),
        fix: "run `npm install` (or `yarn install` / `pnpm install` / `bun install`) and commit the lockfile it writes; install with `npm ci` (`yarn install --immutable`, `pnpm install --frozen-lockfile`)",
    })
}

/// The nearest ancestor that declares this package a member of its workspace.
fn npm_workspace_root(cx: &Cx, place: &Place) -> Option<String> {
    for dir in place.ancestors().into_iter().skip(1) {
        let member = member_path(&dir, &place.dir);
        let pnpm = nearby::join_rel(&dir, "pnpm-workspace.yaml")?;
        if let Ok(text) = place.read(&pnpm, cx.config.max_file_size) {
            let globs = pnpm_packages(&text);
            // pnpm includes every package when `packages` is absent.
            if globs.is_empty() || globs_include(&globs, &member) {
                return Some(dir);
            }
        }
        let pkg = nearby::join_rel(&dir, "package.json")?;
        if let Ok(text) = place.read(&pkg, cx.config.max_file_size) {
            let Some(root) = json::parse(&text).root else {
                continue;
            };
            let Some(ws) = root.get("workspaces") else {
                continue;
            };
            // `"workspaces": [...]` or `{ "packages": [...] }` (yarn classic).
            let list = if ws.is_object() {
                ws.get("packages").map_or(&[][..], Node::items)
            } else {
                ws.items()
            };
            let globs: Vec<String> = list
                .iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect();
            if globs_include(&globs, &member) {
                return Some(dir);
            }
        }
    }
    None
}

/// The `packages:` globs of a `pnpm-workspace.yaml`.
fn pnpm_packages(text: &str) -> Vec<String> {
    let y = yaml::parse(text);
    y.docs
        .first()
        .and_then(|d| d.get("packages"))
        .map(|p| {
            p.items()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// `member` relative to `root` (both root-relative directories; `root` is an ancestor).
fn member_path(root: &str, member: &str) -> String {
    if root.is_empty() {
        member.to_owned()
    } else {
        member
            .strip_prefix(root)
            .map(|m| m.trim_start_matches('/'))
            .unwrap_or(member)
            .to_owned()
    }
}

/// Whether `path` matches one of the include globs and none of the `!` exclusions.
fn globs_include(globs: &[String], path: &str) -> bool {
    let mut included = false;
    for g in globs {
        match g.strip_prefix('!') {
            Some(neg) if glob_match(neg, path) => return false,
            Some(_) => {}
            None => included |= glob_match(g, path),
        }
    }
    included
}

/// A `/`-separated glob: `*` and `?` within one segment, `**` across segments.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    let clean = |s: &str| -> Vec<String> {
        s.trim()
            .trim_start_matches("./")
            .split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .map(str::to_owned)
            .collect()
    };
    let p = clean(pattern);
    let s = clean(path);
    // can[i][j]: pattern[i..] matches path[j..]; filled from the end (no recursion).
    let mut can = vec![vec![false; s.len() + 1]; p.len() + 1];
    can[p.len()][s.len()] = true;
    for i in (0..p.len()).rev() {
        for j in (0..=s.len()).rev() {
            can[i][j] = if p[i] == "**" {
                can[i + 1][j] || (j < s.len() && can[i][j + 1])
            } else {
                j < s.len() && segment_match(&p[i], &s[j]) && can[i + 1][j + 1]
            };
        }
    }
    can[0][0]
}

/// Wildcard match of one segment (`*`, `?`), iterative with backtracking to the last `*`.
fn segment_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < t.len() {
        if i < p.len() && (p[i] == '?' || p[i] == t[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some((i, j));
            i += 1;
        } else if let Some((si, sj)) = star {
            i = si + 1;
            j = sj + 1;
            star = Some((si, sj + 1));
        } else {
            return false;
        }
    }
    while i < p.len() && p[i] == '*' {
        i += 1;
    }
    i == p.len()
}

// ---------------------------------------------------------------- Python

fn pipfile(cx: &Cx) -> Option<Needs> {
    let root = cx.toml();
    Some(Needs {
        deps: line_count(root.get("packages")) + line_count(root.get("dev-packages")),
        locks: &["Pipfile.lock"],
        workspace: None,
        fix: "run `pipenv lock` and commit Pipfile.lock; install with `pipenv sync` (or `pipenv install --deploy`)",
    })
}

fn pyproject(cx: &Cx, place: &Place) -> Option<Needs> {
    let root = cx.toml();
    let tool = root.get("tool");
    let tool_get =
        |keys: &[&str]| -> Option<&Node> { keys.iter().try_fold(tool?, |n, k| n.get(k)) };
    let uv_root = uv_workspace_root(cx, place);
    let (fix, managed) = if tool_get(&["poetry"]).is_some() {
        (
            "run `poetry lock` and commit poetry.lock; install with `poetry install --sync`",
            true,
        )
    } else if tool_get(&["pdm"]).is_some() {
        (
            "run `pdm lock` and commit pdm.lock; install with `pdm sync`",
            true,
        )
    } else if tool_get(&["uv"]).is_some() || uv_root.is_some() {
        (
            "run `uv lock` and commit uv.lock; install with `uv sync --locked`",
            true,
        )
    } else {
        ("", false)
    };
    // Plain PEP 621 projects (setuptools, hatch, flit) have no lockfile of their own.
    if !managed {
        return None;
    }
    let mut deps = 0;
    if let Some(project) = root.get("project") {
        deps += line_count(project.get("dependencies"));
        for g in project
            .get("optional-dependencies")
            .map_or(&[][..], Node::entries)
        {
            deps += line_count(Some(&g.value));
        }
    }
    for g in root.get("dependency-groups").map_or(&[][..], Node::entries) {
        deps += line_count(Some(&g.value));
    }
    for key in ["dependencies", "dev-dependencies"] {
        deps += tool_get(&["poetry", key]).map_or(0, |t| {
            t.entries()
                .iter()
                .filter(|m| !m.key.eq_ignore_ascii_case("python"))
                .count()
        });
    }
    for g in tool_get(&["poetry", "group"]).map_or(&[][..], Node::entries) {
        deps += line_count(g.value.get("dependencies"));
    }
    for g in tool_get(&["pdm", "dev-dependencies"]).map_or(&[][..], Node::entries) {
        deps += line_count(Some(&g.value));
    }
    deps += line_count(tool_get(&["uv", "dev-dependencies"]));
    Some(Needs {
        deps,
        locks: PYTHON_LOCKS,
        workspace: uv_root,
        fix,
    })
}

/// The nearest ancestor whose `[tool.uv.workspace]` lists this project as a member.
fn uv_workspace_root(cx: &Cx, place: &Place) -> Option<String> {
    for dir in place.ancestors().into_iter().skip(1) {
        let rel = nearby::join_rel(&dir, "pyproject.toml")?;
        let Ok(text) = place.read(&rel, cx.config.max_file_size) else {
            continue;
        };
        let doc = toml_doc::parse(&text);
        let Some(ws) = ["tool", "uv", "workspace"]
            .iter()
            .try_fold(&doc.root, |n, k| n.get(k))
        else {
            continue;
        };
        let member = member_path(&dir, &place.dir);
        let strings = |key: &str| -> Vec<String> {
            ws.get(key)
                .map_or(&[][..], Node::items)
                .iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect()
        };
        if strings("exclude").iter().any(|g| glob_match(g, &member)) {
            return None;
        }
        if strings("members").iter().any(|g| glob_match(g, &member)) {
            return Some(dir);
        }
    }
    None
}

// ---------------------------------------------------------------- Cargo

fn cargo(cx: &Cx, place: &Place) -> Option<Needs> {
    let root = cx.toml();
    let package = root.get("package").or_else(|| root.get("project"))?;
    // Only binaries keep a Cargo.lock: a library's lockfile is ignored by its dependents.
    let autobins = package
        .get("autobins")
        .is_none_or(|v| v.value != Value::Bool(false));
    let has_bin = !root.get("bin").map_or(&[][..], Node::items).is_empty()
        || (autobins
            && (place.is_file(&place.beside("src/main.rs"))
                || place.is_dir(&place.beside("src/bin"))));
    if !has_bin {
        return None;
    }
    let tables = ["dependencies", "dev-dependencies", "build-dependencies"];
    let mut deps: usize = tables.iter().map(|t| line_count(root.get(t))).sum();
    for target in root.get("target").map_or(&[][..], Node::entries) {
        deps += tables
            .iter()
            .map(|t| line_count(target.value.get(t)))
            .sum::<usize>();
    }
    let workspace = if root.get("workspace").is_some() {
        None
    } else {
        cargo_workspace_root(cx, place, package)
    };
    Some(Needs {
        deps,
        locks: &["Cargo.lock"],
        workspace,
        fix: "commit Cargo.lock (cargo writes it on the first build; take it out of .gitignore) and build with `--locked`",
    })
}

/// The workspace root of a member crate: `package.workspace = "…"` if given, else the
/// nearest ancestor with `[workspace]` that does not `exclude` it.
fn cargo_workspace_root(cx: &Cx, place: &Place, package: &Node) -> Option<String> {
    if let Some(explicit) = package.get("workspace").and_then(Node::as_str) {
        return nearby::join_rel(&place.dir, explicit);
    }
    for dir in place.ancestors().into_iter().skip(1) {
        let rel = nearby::join_rel(&dir, "Cargo.toml")?;
        let Ok(text) = place.read(&rel, cx.config.max_file_size) else {
            continue;
        };
        let doc = toml_doc::parse(&text);
        let Some(ws) = doc.root.get("workspace") else {
            continue;
        };
        let member = member_path(&dir, &place.dir);
        let excluded = ws
            .get("exclude")
            .map_or(&[][..], Node::items)
            .iter()
            .any(|e| {
                e.as_str().is_some_and(|e| {
                    let e = e.trim_start_matches("./").trim_end_matches('/');
                    member == e || member.starts_with(&format!("{e}/"))
                })
            });
        // Cargo refuses a crate below a workspace that neither lists nor excludes it, so
        // any other crate here is a member.
        return (!excluded).then_some(dir);
    }
    None
}

// ---------------------------------------------------------------- Go

fn gomod(cx: &Cx, place: &Place) -> Option<Needs> {
    let deps = go_requirements(cx.text());
    // In workspace mode (`go.work`), `go.work.sum` beside it holds checksums too.
    let workspace = place
        .ancestors()
        .into_iter()
        .skip(1)
        .find(|dir| nearby::join_rel(dir, "go.work").is_some_and(|w| place.is_file(&w)));
    Some(Needs {
        deps,
        locks: if workspace.is_some() {
            &["go.sum", "go.work.sum"]
        } else {
            &["go.sum"]
        },
        workspace,
        fix: "run `go mod tidy` and commit go.sum",
    })
}

/// How many modules a go.mod requires (`require x v1` lines and `require ( … )` blocks).
fn go_requirements(text: &str) -> usize {
    let mut n = 0;
    let mut in_block = false;
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if in_block {
            if line.starts_with(')') {
                in_block = false;
            } else {
                n += 1;
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("require") {
            let rest = rest.trim();
            if rest.starts_with('(') {
                in_block = !rest.contains(')');
                let inner = rest.trim_start_matches('(').trim_end_matches(')').trim();
                n += usize::from(!inner.is_empty());
            } else if !rest.is_empty() {
                n += 1;
            }
        }
    }
    n
}

// ---------------------------------------------------------------- Ruby, PHP

fn gem(cx: &Cx) -> Option<Needs> {
    let deps = gemfile::parse(cx.text())
        .iter()
        .filter(|s| s.method == "gem" || s.method == "gemspec")
        .count();
    Some(Needs {
        deps,
        locks: &["Gemfile.lock"],
        workspace: None,
        fix: "run `bundle lock` (or `bundle install`) and commit Gemfile.lock; install with `bundle install --frozen`",
    })
}

fn composer(cx: &Cx) -> Option<Needs> {
    let root = cx.json()?;
    let deps = ["require", "require-dev"]
        .iter()
        .flat_map(|k| root.get(k).map_or(&[][..], Node::entries))
        // Platform requirements (`php`, `ext-*`) are not installed.
        .filter(|m| m.key.contains('/'))
        .count();
    Some(Needs {
        deps,
        locks: &["composer.lock"],
        workspace: None,
        fix: "run `composer update --lock` (or `composer install`) and commit composer.lock; install with `composer install`",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("packages/*", "packages/a"));
        assert!(!glob_match("packages/*", "packages/a/b"));
        assert!(glob_match("packages/**", "packages/a/b"));
        assert!(glob_match("./apps/*/", "apps/web"));
        assert!(glob_match("**", "x/y"));
        assert!(glob_match("crates/foo-*", "crates/foo-bar"));
        assert!(glob_match("crates/?", "crates/a"));
        assert!(!glob_match("crates/?", "crates/ab"));
        assert!(glob_match("a/**/z", "a/z"));
        assert!(glob_match("a/**/z", "a/b/c/z"));
        assert!(glob_match("lib", "lib"));
        assert!(!glob_match("lib", "lib2"));
        assert!(glob_match("*a*b*", "xxaxxbxx"));
        assert!(!glob_match("*a*b", "xxaxxbxx"));
        assert!(globs_include(
            &["packages/*".into(), "!packages/skip".into()],
            "packages/a"
        ));
        assert!(!globs_include(
            &["packages/*".into(), "!packages/skip".into()],
            "packages/skip"
        ));
    }

    #[test]
    fn pnpm_workspace_files() {
        let block = "packages:\n  - 'packages/*'\n  - \"apps/**\" # apps\n  - '!**/test/**'\ncatalog:\n  react: ^18\n";
        assert_eq!(
            pnpm_packages(block),
            vec!["packages/*", "apps/**", "!**/test/**"]
        );
        assert_eq!(
            pnpm_packages("packages: ['a/*', \"b\"]\n"),
            vec!["a/*", "b"]
        );
        assert!(pnpm_packages("catalog:\n  x: 1\n").is_empty());
    }

    #[test]
    fn go_requires() {
        assert_eq!(go_requirements("module x\n\ngo 1.22\n"), 0);
        assert_eq!(go_requirements("module x\nrequire a.b/c v1.0.0\n"), 1);
        assert_eq!(
            go_requirements("module x\nrequire (\n\ta v1 // indirect\n\n\tb v2\n)\nrequire c v3\n"),
            3
        );
        assert_eq!(go_requirements("module x\nrequire ()\n"), 0);
        assert_eq!(go_requirements("module x\nrequire (a v1)\n"), 1);
    }
}
