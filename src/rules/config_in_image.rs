//! `config-in-image`: config and credentials copied into a container image by Dockerfile
//! `COPY`/`ADD` — named directly (`COPY .env .`, `COPY *.pem /certs/`) or swept in by a
//! directory or glob source (`COPY . .`) when the build context holds such a file that
//! `.dockerignore` does not exclude.

use super::Rule;
use crate::classify::FileKind;
use crate::context::{Cx, Report};
use crate::finding::Severity;
use crate::parse::dockerfile::Word;
use globset::{Glob, GlobBuilder, GlobMatcher};
use std::path::{Path, PathBuf};

pub const RULE: Rule = Rule {
    id: "config-in-image",
    meta_source: include_str!("../../rules/config-in-image.toml"),
    kinds: &[FileKind::Dockerfile],
    triggers: &["copy", "add"],
    check,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Sensitive {
    /// `.env`, `*.env`: config (and usually secrets) for one environment.
    EnvFile,
    /// Keys and credential files.
    Credential,
}

/// Whether a file name is config or a credential that must not be in an image.
fn sensitive(name: &str) -> Option<Sensitive> {
    let n = name.to_ascii_lowercase();
    if n == ".env"
        || n.ends_with(".env")
        || (n.starts_with(".env.") && !crate::rules::secrets::is_env_template(&n))
    {
        return Some(Sensitive::EnvFile);
    }
    let key_ext = [".pem", ".key", ".p12", ".pfx", ".jks", ".keystore"];
    let ssh_keys = ["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"];
    let exact = [
        ".npmrc",
        ".pypirc",
        ".netrc",
        ".git-credentials",
        ".dockercfg",
        "kubeconfig",
        "credentials",
    ];
    if key_ext.iter().any(|e| n.ends_with(e))
        || (ssh_keys.iter().any(|k| n.starts_with(k)) && !n.ends_with(".pub"))
        || (n.starts_with("credentials") && n.ends_with(".json"))
        || n.starts_with("kubeconfig")
        || exact.contains(&n.as_str())
    {
        return Some(Sensitive::Credential);
    }
    None
}

/// Representative names for deciding whether a glob source *names* sensitive files.
const EXAMPLES: &[&str] = &[
    ".env",
    "app.env",
    ".env.production",
    "server.pem",
    "server.key",
    "id_rsa",
    "id_ed25519",
    "credentials.json",
    "credentials-prod.json",
    ".npmrc",
    ".pypirc",
    "kubeconfig",
];

fn has_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

fn glob(pattern: &str) -> Option<GlobMatcher> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .ok()
        .map(|g: Glob| g.compile_matcher())
}

/// A glob that names sensitive files specifically (`*.pem`, `id_rsa*`, `.env*`), not
/// one that happens to match everything (`*`).
fn glob_names_sensitive(base: &str) -> Option<Sensitive> {
    let m = glob(base)?;
    if m.is_match("main.py") || m.is_match("README.md") || m.is_match("package.json") {
        return None;
    }
    EXAMPLES
        .iter()
        .filter(|e| m.is_match(e))
        .filter_map(|e| sensitive(e))
        .max()
}

fn check(cx: &Cx, out: &mut Report) {
    let df = cx.dockerfile();
    let context = cx.abs_path.parent().map(Path::to_path_buf);
    let mut ignore: Option<DockerIgnore> = None;
    for instr in &df.instructions {
        if !(instr.is("COPY") || instr.is("ADD")) {
            continue;
        }
        let words: &[Word] = instr.exec_form.as_deref().unwrap_or(&instr.words);
        if words.len() < 2 {
            continue;
        }
        let from_stage = instr.flag("from").is_some();
        for src in &words[..words.len() - 1] {
            let text = src.text.as_str();
            if text.starts_with("<<") || text.contains("://") || text.starts_with("git@") {
                continue;
            }
            let trimmed = text.trim_end_matches('/');
            let base = trimmed.rsplit('/').next().unwrap_or(trimmed);
            let by_name = if has_glob(base) {
                glob_names_sensitive(base)
            } else {
                sensitive(base)
            };
            if let Some(kind) = by_name {
                report_named(out, instr.keyword.as_str(), src, kind);
                continue;
            }
            // A directory or a broad glob: look at what the build context holds.
            if from_stage {
                continue;
            }
            let Some(ctx) = &context else { continue };
            let ignore = ignore.get_or_insert_with(|| DockerIgnore::load(ctx, cx.abs_path));
            let found = swept_in(ctx, cx.root, text, ignore);
            if !found.is_empty() {
                report_swept(out, instr.keyword.as_str(), src, &found);
            }
        }
    }
}

fn report_named(out: &mut Report, keyword: &str, src: &Word, kind: Sensitive) {
    let ignore_entry = src.text.trim_start_matches("./").trim_start_matches('/');
    match kind {
        Sensitive::EnvFile => {
            out.add(
                src.span,
                format!(
                    "`{keyword} {}` bakes an env file into the image: every copy of the image carries that config (and any secrets in it), and the same image can no longer be promoted unchanged to another deploy",
                    src.text
                ),
            )
            .severity(Severity::Warning)
            .fix(format!(
                "drop `{}` from the {keyword} and add `{ignore_entry}` to `.dockerignore`; give the values to the container at run time (`docker run --env-file`, the orchestrator's config and secrets)",
                src.text
            ));
        }
        Sensitive::Credential => {
            out.add(
                src.span,
                format!(
                    "`{keyword} {}` copies a key or credential file into the image: anyone who can pull the image can extract it, even if a later layer deletes it",
                    src.text
                ),
            )
            .severity(Severity::Error)
            .fix(format!(
                "drop `{}` from the {keyword} and add `{ignore_entry}` to `.dockerignore`; for build steps use a build secret (`RUN --mount=type=secret,id=…` or `--mount=type=ssh`), at run time mount it from the platform's secret store",
                src.text
            ));
        }
    }
}

fn report_swept(out: &mut Report, keyword: &str, src: &Word, found: &[(String, Sensitive)]) {
    let kind = found
        .iter()
        .map(|(_, k)| *k)
        .max()
        .unwrap_or(Sensitive::EnvFile);
    let mut names: Vec<String> = found
        .iter()
        .take(3)
        .map(|(n, _)| format!("`{n}`"))
        .collect();
    if found.len() > 3 {
        names.push(format!("and {} more", found.len() - 3));
    }
    let list = names.join(", ");
    let has_env = found.iter().any(|(_, k)| *k == Sensitive::EnvFile);
    let what = match (kind, has_env) {
        (Sensitive::EnvFile, _) => "config for one environment",
        (Sensitive::Credential, false) => {
            "credentials that anyone who can pull the image can extract"
        }
        (Sensitive::Credential, true) => {
            "config for one environment, and credentials that anyone who can pull the image can extract"
        }
    };
    let entries: Vec<&str> = found.iter().take(3).map(|(n, _)| n.as_str()).collect();
    out.add(
        src.span,
        format!(
            "`{keyword} {}` also copies {list} into the image ({what}): the build context holds {} and `.dockerignore` does not exclude {}",
            src.text,
            if found.len() == 1 { "it" } else { "them" },
            if found.len() == 1 { "it" } else { "them" },
        ),
    )
    .severity(match kind {
        Sensitive::EnvFile => Severity::Warning,
        Sensitive::Credential => Severity::Error,
    })
    .fix(format!(
        "add {} to `.dockerignore` (next to the Dockerfile), and give config and secrets to the container at run time",
        entries
            .iter()
            .map(|e| format!("`{e}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
}

/// Files under the build context that a `COPY <source>` would include and that are
/// sensitive and not excluded by `.dockerignore`, as context-relative paths.
fn swept_in(
    context: &Path,
    root: &Path,
    source: &str,
    ignore: &DockerIgnore,
) -> Vec<(String, Sensitive)> {
    let src = source.trim_start_matches("./");
    let src = src.trim_start_matches('/');
    if src.split('/').any(|c| c == "..") {
        return Vec::new();
    }
    // The directory to walk and, for globs, the pattern to filter with.
    let (dir_rel, pattern) = if has_glob(src) {
        let fixed: Vec<&str> = src.split('/').take_while(|c| !has_glob(c)).collect();
        (fixed.join("/"), glob(src.trim_end_matches('/')))
    } else {
        (src.trim_end_matches(['/', '.']).to_owned(), None)
    };
    let dir = if dir_rel.is_empty() {
        context.to_path_buf()
    } else {
        context.join(&dir_rel)
    };
    // Never look outside the scan root, nor follow links.
    let (Ok(real_dir), Ok(real_root)) = (dir.canonicalize(), root.canonicalize()) else {
        return Vec::new();
    };
    if !real_dir.starts_with(&real_root) || !dir.is_dir() {
        return Vec::new();
    }
    let mut found = Vec::new();
    let mut stack: Vec<(PathBuf, usize)> = vec![(dir, 0)];
    let mut budget = 5_000usize;
    while let Some((d, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            budget = budget.saturating_sub(1);
            if budget == 0 {
                return found;
            }
            let Ok(ft) = e.file_type() else { continue };
            let path = e.path();
            let Ok(rel) = path.strip_prefix(context) else {
                continue;
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            let name = e.file_name().to_string_lossy().into_owned();
            if ft.is_dir() {
                if depth < 8 && name != ".git" && !ignore.excludes(&rel) {
                    // Below a glob's fixed prefix, only paths the glob can still match.
                    stack.push((path, depth + 1));
                }
                continue;
            }
            if !ft.is_file() {
                continue;
            }
            if let Some(p) = &pattern {
                // `COPY conf/* /x` copies what matches, directories whole.
                let matched =
                    p.is_match(&rel) || rel.match_indices('/').any(|(i, _)| p.is_match(&rel[..i]));
                if !matched {
                    continue;
                }
            }
            if let Some(kind) = sensitive(&name) {
                if !ignore.excludes(&rel) {
                    found.push((rel, kind));
                }
            }
        }
    }
    found.sort();
    found
}

/// `.dockerignore` rules: globs relative to the context, `!` re-includes, last match
/// wins, and a pattern matching a directory excludes everything below it.
struct DockerIgnore {
    rules: Vec<(GlobMatcher, bool)>,
}

impl DockerIgnore {
    fn load(context: &Path, dockerfile: &Path) -> DockerIgnore {
        // BuildKit reads `<Dockerfile>.dockerignore` first, then `.dockerignore`.
        let specific = dockerfile
            .file_name()
            .map(|n| context.join(format!("{}.dockerignore", n.to_string_lossy())));
        let text = specific
            .and_then(|p| std::fs::read_to_string(p).ok())
            .or_else(|| std::fs::read_to_string(context.join(".dockerignore")).ok())
            .unwrap_or_default();
        let mut rules = Vec::new();
        for line in text.lines() {
            let l = line.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            let (negate, pat) = match l.strip_prefix('!') {
                Some(p) => (true, p.trim()),
                None => (false, l),
            };
            let pat = pat.trim_start_matches("./").trim_start_matches('/');
            let pat = pat.trim_end_matches('/');
            if pat.is_empty() {
                continue;
            }
            if let Some(m) = glob(pat) {
                rules.push((m, !negate));
            }
        }
        DockerIgnore { rules }
    }

    /// Whether the context-relative path (or a directory above it) is excluded.
    fn excludes(&self, rel: &str) -> bool {
        let mut prefixes: Vec<&str> = rel.match_indices('/').map(|(i, _)| &rel[..i]).collect();
        prefixes.push(rel);
        let mut excluded = false;
        for (m, exclude) in &self.rules {
            if prefixes.iter().any(|p| m.is_match(p)) {
                excluded = *exclude;
            }
        }
        excluded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_names() {
        for n in [
            ".env",
            "prod.env",
            ".env.production",
            "server.pem",
            "tls.key",
            "id_rsa",
            "id_ed25519",
            "credentials.json",
            "credentials-prod.json",
            ".npmrc",
            ".pypirc",
            "kubeconfig",
        ] {
            assert!(sensitive(n).is_some(), "{n}");
        }
        for n in [
            ".env.example",
            "env.py",
            "id_rsa.pub",
            "main.py",
            "keys.py",
            "credentials.py",
            "package.json",
            ".environment",
        ] {
            assert!(sensitive(n).is_none(), "{n}");
        }
        assert_eq!(glob_names_sensitive("*.pem"), Some(Sensitive::Credential));
        assert_eq!(glob_names_sensitive("*.env"), Some(Sensitive::EnvFile));
        assert_eq!(glob_names_sensitive("id_rsa*"), Some(Sensitive::Credential));
        assert_eq!(glob_names_sensitive("*"), None);
        assert_eq!(glob_names_sensitive("*.py"), None);
    }

    #[test]
    fn dockerignore_rules() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(".dockerignore"),
            "# comment\n.env\n**/*.pem\nsecrets/\n!secrets/public.pem\n",
        )
        .unwrap();
        let ig = DockerIgnore::load(dir.path(), &dir.path().join("Dockerfile"));
        assert!(ig.excludes(".env"));
        assert!(!ig.excludes("app/.env"));
        assert!(ig.excludes("certs/server.pem"));
        assert!(ig.excludes("secrets/a.key"));
        assert!(!ig.excludes("secrets/public.pem"));
        assert!(!ig.excludes("main.py"));
    }
}
