//! Shared by the factor III/IV config rules (`hardcoded-secret`, `hardcoded-service-url`,
//! `environment-branching`, `config-in-image`): one place for what a credential *name*
//! is ([`names`]), which *values* are real secrets ([`values`]), credential *formats*
//! found anywhere in text ([`formats`]), and the per-language extraction of name/value
//! bindings and string literals from the real syntax trees ([`python`], [`js`],
//! [`rust`], [`config`] for Dockerfiles, `.env`, JSON, TOML and INI).

pub mod config;
pub mod formats;
pub mod js;
pub mod names;
pub mod python;
pub mod rust;
pub mod values;

use crate::finding::Span;

/// A name bound to a string literal: `password = "…"`, `{ apiKey: "…" }`,
/// `Config { token: "…".into() }`, `ENV DB_PASSWORD=…`, `API_KEY=…` in `.env`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The bound name's last component: `password` for `self.password`, `SECRET_KEY` for
    /// `app.config["SECRET_KEY"]`.
    pub name: String,
    pub value: String,
    /// The value's text, inside its quotes.
    pub span: Span,
}

/// A string literal and whether it is only the fallback default of an environment read
/// (`os.getenv("X", "…")`, `process.env.X || "…"`, `env::var("X").unwrap_or("…")`, a
/// pydantic `BaseSettings` field default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Literal {
    pub value: String,
    /// The literal's text, inside its quotes.
    pub span: Span,
    pub env_fallback: bool,
}

/// Whether two spans share any byte.
pub fn overlaps(a: Span, b: Span) -> bool {
    a.start < b.end && b.start < a.end
}

use crate::classify::FileKind;

/// Every file kind dozen reads: credential formats are looked for in all of them.
pub const ALL_KINDS: &[FileKind] = &[
    FileKind::Dockerfile,
    FileKind::Compose,
    FileKind::Workflow,
    FileKind::Action,
    FileKind::PreCommitConfig,
    FileKind::Yaml,
    FileKind::Shell,
    FileKind::Procfile,
    FileKind::Python,
    FileKind::JavaScript,
    FileKind::TypeScript,
    FileKind::Tsx,
    FileKind::Rust,
    FileKind::Requirements,
    FileKind::Pipfile,
    FileKind::PyProject,
    FileKind::PackageJson,
    FileKind::CargoToml,
    FileKind::GoMod,
    FileKind::Gemfile,
    FileKind::ComposerJson,
    FileKind::Json,
    FileKind::Ini,
    FileKind::DotEnv,
    FileKind::Nginx,
    FileKind::Toml,
];

/// `dbPassword` → `DB_PASSWORD`: the environment variable a value should come from.
pub fn env_var_name(name: &str) -> String {
    let parts = names::word_parts(name);
    if parts.is_empty() {
        return "SECRET".to_owned();
    }
    parts.join("_").to_ascii_uppercase()
}

/// The `.env` files that document variables rather than hold them.
pub fn is_env_template(rel_path: &str) -> bool {
    let name = rel_path
        .rsplit('/')
        .next()
        .unwrap_or(rel_path)
        .to_ascii_lowercase();
    [
        "example", "sample", "template", "dist", "defaults", "tmpl", "tpl",
    ]
    .iter()
    .any(|w| name.split(['.', '-', '_']).any(|p| p == *w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_kinds_is_complete() {
        // A new FileKind variant makes this match non-exhaustive: add it to ALL_KINDS.
        fn listed(k: FileKind) -> bool {
            match k {
                FileKind::Dockerfile
                | FileKind::Compose
                | FileKind::Workflow
                | FileKind::Action
                | FileKind::PreCommitConfig
                | FileKind::Yaml
                | FileKind::Shell
                | FileKind::Procfile
                | FileKind::Python
                | FileKind::JavaScript
                | FileKind::TypeScript
                | FileKind::Tsx
                | FileKind::Rust
                | FileKind::Requirements
                | FileKind::Pipfile
                | FileKind::PyProject
                | FileKind::PackageJson
                | FileKind::CargoToml
                | FileKind::GoMod
                | FileKind::Gemfile
                | FileKind::ComposerJson
                | FileKind::Json
                | FileKind::Ini
                | FileKind::DotEnv
                | FileKind::Nginx
                | FileKind::Toml => ALL_KINDS.contains(&k),
            }
        }
        for k in ALL_KINDS {
            assert!(listed(*k));
        }
        assert_eq!(ALL_KINDS.len(), 26);
    }

    /// Every reader and scanner here, over text built from the characters that matter
    /// to them and multi-byte ones: no panics, spans on character boundaries.
    #[test]
    fn never_panic_on_generated_text() {
        let pieces = [
            "\"",
            "'",
            "`",
            "\\",
            "é",
            "日",
            "=",
            ":",
            "#",
            "\n",
            "\r\n",
            " ",
            "{",
            "}",
            "[",
            "]",
            "/*",
            "//",
            "$",
            "${",
            "://",
            "@",
            "AKIA",
            "ghp_",
            "-----BEGIN ",
            "PRIVATE KEY-----",
            "password",
            "token",
            "xoxb-",
            "\\u12",
            "\\é",
            "'''",
            "\"\"\"",
            "export ",
            ";",
            "-",
            "- ",
            "x",
        ];
        let mut random = crate::test_random::Xorshift::new();
        for _ in 0..4000 {
            let text = random.soup(&pieces, 24);
            for e in config::json(&text)
                .into_iter()
                .chain(config::ini(&text))
                .chain(config::toml(&text))
                .chain(config::dotenv(&text))
            {
                assert!(text.get(e.span.start..e.span.end).is_some(), "{text:?}");
            }
            for h in formats::scan(&text) {
                assert!(text.get(h.span.start..h.span.end).is_some(), "{text:?}");
                assert!(text.get(h.secret.start..h.secret.end).is_some(), "{text:?}");
            }
            let y = crate::parse::yaml::parse(&text);
            for e in config::yaml(&y, &text, config::YamlScope::All) {
                assert!(text.get(e.span.start..e.span.end).is_some(), "{text:?}");
            }
            let _ = formats::service_url(&text);
            let _ = formats::masked_url(&text);
            let _ = values::not_a_secret("password", &text);
            let _ = names::is_credential_name(&text);
        }
    }

    #[test]
    fn env_names_and_templates() {
        assert_eq!(env_var_name("dbPassword"), "DB_PASSWORD");
        assert_eq!(env_var_name("api-key"), "API_KEY");
        assert!(is_env_template(".env.example"));
        assert!(is_env_template("app/.env.sample"));
        assert!(is_env_template(".env.template"));
        assert!(!is_env_template(".env"));
        assert!(!is_env_template(".env.production"));
    }
}
