//! Decides what kind of file a path is, from its name and place alone (never by running it).

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    Dockerfile,
    Compose,
    /// `.github/workflows/*.yml`
    Workflow,
    /// A composite or Docker `action.yml`.
    Action,
    PreCommitConfig,
    /// Any other YAML: Kubernetes manifests, logging config, log4rs, … decided by content.
    Yaml,
    Shell,
    Procfile,
    Python,
    JavaScript,
    TypeScript,
    Tsx,
    Rust,
    Requirements,
    Pipfile,
    PyProject,
    PackageJson,
    CargoToml,
    GoMod,
    Gemfile,
    ComposerJson,
    /// Other JSON (logging config by content).
    Json,
    /// INI-style config (`logging.ini`, `*.cfg`, `*.conf` that is not nginx).
    Ini,
    /// `.env` files.
    DotEnv,
    Nginx,
    /// Other TOML config.
    Toml,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Dockerfile => "dockerfile",
            FileKind::Compose => "compose",
            FileKind::Workflow => "workflow",
            FileKind::Action => "action",
            FileKind::PreCommitConfig => "pre-commit-config",
            FileKind::Yaml => "yaml",
            FileKind::Shell => "shell",
            FileKind::Procfile => "procfile",
            FileKind::Python => "python",
            FileKind::JavaScript => "javascript",
            FileKind::TypeScript => "typescript",
            FileKind::Tsx => "tsx",
            FileKind::Rust => "rust",
            FileKind::Requirements => "requirements",
            FileKind::Pipfile => "pipfile",
            FileKind::PyProject => "pyproject",
            FileKind::PackageJson => "package-json",
            FileKind::CargoToml => "cargo-toml",
            FileKind::GoMod => "go-mod",
            FileKind::Gemfile => "gemfile",
            FileKind::ComposerJson => "composer-json",
            FileKind::Json => "json",
            FileKind::Ini => "ini",
            FileKind::DotEnv => "dotenv",
            FileKind::Nginx => "nginx",
            FileKind::Toml => "toml",
        }
    }

    /// Kinds whose content is YAML.
    pub fn is_yaml(self) -> bool {
        matches!(
            self,
            FileKind::Compose
                | FileKind::Workflow
                | FileKind::Action
                | FileKind::PreCommitConfig
                | FileKind::Yaml
        )
    }

    /// JavaScript and TypeScript in all their dialects.
    pub fn is_js_like(self) -> bool {
        matches!(
            self,
            FileKind::JavaScript | FileKind::TypeScript | FileKind::Tsx
        )
    }
}

/// Extensions that make `Dockerfile.<ext>` something other than a Dockerfile.
const NOT_DOCKERFILE_EXTENSIONS: &[&str] = &[
    "rs", "py", "pyi", "js", "mjs", "cjs", "jsx", "ts", "tsx", "go", "rb", "java", "md", "rst",
    "txt", "json", "yml", "yaml", "toml", "sh", "bash", "html", "lock", "snap", "orig", "rej",
    "swp",
];

/// Classifies a `/`-separated relative path. `None` means dozen does not read the file.
///
/// Shell scripts without an extension are recognised by their shebang, which needs the
/// file's first bytes: see [`classify_by_shebang`].
pub fn classify(rel_path: &str) -> Option<FileKind> {
    let name = rel_path.rsplit('/').next().unwrap_or(rel_path);
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    let parent = rel_path.rsplit('/').nth(1).unwrap_or("");
    let grandparent = rel_path.rsplit('/').nth(2).unwrap_or("");
    let is_yaml = ext == "yml" || ext == "yaml";

    // Exact names first: they win over extensions.
    let kind = match name {
        "Dockerfile" | "Containerfile" | "dockerfile" | "containerfile" => FileKind::Dockerfile,
        "Procfile" => FileKind::Procfile,
        "Pipfile" => FileKind::Pipfile,
        "pyproject.toml" => FileKind::PyProject,
        "package.json" => FileKind::PackageJson,
        "Cargo.toml" => FileKind::CargoToml,
        "go.mod" => FileKind::GoMod,
        "Gemfile" => FileKind::Gemfile,
        "composer.json" => FileKind::ComposerJson,
        ".pre-commit-config.yaml" | ".pre-commit-config.yml" => FileKind::PreCommitConfig,
        "action.yml" | "action.yaml" => FileKind::Action,
        "nginx.conf" => FileKind::Nginx,
        _ => {
            // `Dockerfile.prod` yes; `dockerfile.rs` or `Dockerfile.md` is source or docs.
            if ((lower.starts_with("dockerfile.") || lower.starts_with("containerfile."))
                && !NOT_DOCKERFILE_EXTENSIONS.contains(&ext))
                || ext == "dockerfile"
                || ext == "containerfile"
            {
                FileKind::Dockerfile
            } else if is_yaml && parent == "workflows" && grandparent == ".github" {
                FileKind::Workflow
            } else if is_yaml
                && (lower.starts_with("docker-compose") || lower.starts_with("compose"))
            {
                FileKind::Compose
            } else if (ext == "txt" || ext == "in")
                && (lower.starts_with("requirements")
                    || lower.starts_with("constraints")
                    // `requirements/base.txt`, `requirements.d/dev.in`
                    || (parent.to_ascii_lowercase().starts_with("requirements")
                        && !lower.starts_with("readme")))
            {
                FileKind::Requirements
            } else if lower == ".env" || lower.starts_with(".env.") || ext == "env" {
                FileKind::DotEnv
            } else {
                match ext {
                    "yml" | "yaml" => FileKind::Yaml,
                    "py" | "pyi" => FileKind::Python,
                    "js" | "mjs" | "cjs" | "jsx" => FileKind::JavaScript,
                    "ts" | "mts" | "cts" => FileKind::TypeScript,
                    "tsx" => FileKind::Tsx,
                    "rs" => FileKind::Rust,
                    "sh" | "bash" => FileKind::Shell,
                    "json" => FileKind::Json,
                    "ini" | "cfg" => FileKind::Ini,
                    "toml" => FileKind::Toml,
                    "conf" if parent.contains("nginx") || lower.contains("nginx") => {
                        FileKind::Nginx
                    }
                    _ => return None,
                }
            }
        }
    };
    Some(kind)
}

/// One representative file name per kind dozen reads (and per content-sniffed YAML/JSON
/// flavour): fuzzing and the regression replay feed content under each of these.
pub const SAMPLE_NAMES: &[&str] = &[
    "Dockerfile",
    "app.py",
    "app.js",
    "app.ts",
    "app.tsx",
    "main.rs",
    ".github/workflows/ci.yml",
    "action.yml",
    "docker-compose.yml",
    "k8s/deploy.yaml",
    ".pre-commit-config.yaml",
    "requirements.txt",
    "package.json",
    "Cargo.toml",
    "pyproject.toml",
    "Pipfile",
    "go.mod",
    "Gemfile",
    "composer.json",
    "script.sh",
    "Procfile",
    "nginx.conf",
    ".env",
    "logging.ini",
    "logging.json",
    "gunicorn.conf.py",
    "log4rs.yaml",
    "settings.toml",
];

/// Recognises an extension-less script by its `#!` line: sh, bash, dash, ash, ksh, mksh.
pub fn classify_by_shebang(first_bytes: &[u8]) -> Option<FileKind> {
    let line = first_bytes.strip_prefix(b"#!")?;
    let line = &line[..memchr::memchr(b'\n', line).unwrap_or(line.len())];
    let line = std::str::from_utf8(line).ok()?;
    let mut words = line.split_whitespace();
    let mut interp = words.next()?.rsplit('/').next()?;
    if interp == "env" {
        interp = words.find(|w| !w.starts_with('-'))?;
    }
    matches!(interp, "sh" | "bash" | "dash" | "ash" | "ksh" | "mksh").then_some(FileKind::Shell)
}

/// Names that could be a shebang script: no extension, not a well-known non-script.
pub fn may_be_script(rel_path: &str) -> bool {
    let name = rel_path.rsplit('/').next().unwrap_or(rel_path);
    !name.contains('.')
        && !matches!(
            name,
            "LICENSE" | "README" | "Makefile" | "CODEOWNERS" | "AUTHORS" | "NOTICE" | "COPYING"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_the_spec_table() {
        let cases = [
            ("Dockerfile", FileKind::Dockerfile),
            ("a/Containerfile", FileKind::Dockerfile),
            ("web.dockerfile", FileKind::Dockerfile),
            ("Dockerfile.prod", FileKind::Dockerfile),
            ("api.Dockerfile", FileKind::Dockerfile),
            ("docker-compose.override.yml", FileKind::Compose),
            ("compose.yaml", FileKind::Compose),
            (".github/workflows/ci.yml", FileKind::Workflow),
            ("x/.github/workflows/ci.yaml", FileKind::Workflow),
            ("action.yml", FileKind::Action),
            ("scripts/build.sh", FileKind::Shell),
            ("Procfile", FileKind::Procfile),
            (".pre-commit-config.yaml", FileKind::PreCommitConfig),
            ("app/settings.py", FileKind::Python),
            ("src/index.mjs", FileKind::JavaScript),
            ("src/App.tsx", FileKind::Tsx),
            ("src/main.rs", FileKind::Rust),
            ("requirements-dev.txt", FileKind::Requirements),
            ("constraints.txt", FileKind::Requirements),
            ("requirements.in", FileKind::Requirements),
            ("requirements/base.txt", FileKind::Requirements),
            ("app/requirements.d/dev.in", FileKind::Requirements),
            ("Pipfile", FileKind::Pipfile),
            ("go.mod", FileKind::GoMod),
            ("k8s/deploy.yaml", FileKind::Yaml),
            (".env.production", FileKind::DotEnv),
            ("nginx/site.conf", FileKind::Nginx),
        ];
        for (path, kind) in cases {
            assert_eq!(classify(path), Some(kind), "{path}");
        }
        assert_eq!(classify("README.md"), None);
        assert_eq!(classify("notes.txt"), None);
        assert_eq!(classify("requirements/README.txt"), None);
        assert_eq!(classify("workflows/ci.yml"), Some(FileKind::Yaml));
        assert_eq!(classify("src/parse/dockerfile.rs"), Some(FileKind::Rust));
        assert_eq!(classify("docs/Dockerfile.md"), None);
    }

    #[test]
    fn shebangs() {
        assert_eq!(
            classify_by_shebang(b"#!/bin/sh\necho"),
            Some(FileKind::Shell)
        );
        assert_eq!(
            classify_by_shebang(b"#!/usr/bin/env bash\n"),
            Some(FileKind::Shell)
        );
        assert_eq!(classify_by_shebang(b"#!/bin/mksh\n"), Some(FileKind::Shell));
        assert_eq!(classify_by_shebang(b"#!/usr/bin/env zsh\n"), None);
        assert_eq!(classify_by_shebang(b"#!/usr/bin/awk -f\n"), None);
        assert_eq!(classify_by_shebang(b"echo hi\n"), None);
    }
}
