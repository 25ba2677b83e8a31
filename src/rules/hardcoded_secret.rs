//! `hardcoded-secret`: credentials written into the code base, found by name (a
//! credential-like name bound to a literal, on the real syntax of each language) and by
//! format (well-known token shapes anywhere in any scanned file). Values are never
//! printed: messages show `crate::redact::mask`, and every value span is redacted.

use super::Rule;
use super::secrets::{self, Binding, config, formats, names, values};
use crate::classify::FileKind;
use crate::context::{Cx, Report};
use crate::lang::rust::Uses;
use crate::redact::mask;

pub const RULE: Rule = Rule {
    id: "hardcoded-secret",
    meta_source: include_str!("../../rules/hardcoded-secret.toml"),
    kinds: secrets::ALL_KINDS,
    triggers: &[
        // Credential names.
        "pass",
        "pwd",
        "secret",
        "token",
        "key",
        // Credential formats (`formats::PREFIXES`).
        "AKIA",
        "ASIA",
        "ghp_",
        "gho_",
        "ghs_",
        "ghu_",
        "ghr_",
        "github_pat_",
        "xox",
        "sk_live_",
        "rk_live_",
        "AIza",
        "PRIVATE KEY",
        "://",
    ],
    check,
};

fn check(cx: &Cx, out: &mut Report) {
    let hits = formats::scan(cx.text());
    for h in &hits {
        report_format(cx, out, h);
    }
    for b in bindings(cx) {
        if !names::is_credential_name(&b.name) || values::not_a_secret(&b.name, &b.value).is_some()
        {
            continue;
        }
        // A token already reported by its format is not reported again by its name.
        if hits
            .iter()
            .any(|h| secrets::overlaps(h.span, b.span) || secrets::overlaps(h.secret, b.span))
        {
            continue;
        }
        let shown = mask(&b.value);
        out.add(
            b.span,
            format!(
                "`{}` is set to a hardcoded credential (`{shown}`): anyone who can read the repository or its history has it, and it cannot differ between deploys",
                b.name
            ),
        )
        .fix(fix_for(cx, &b.name))
        .redact(b.span);
    }
}

/// The name/value bindings of this file, by kind.
fn bindings(cx: &Cx) -> Vec<Binding> {
    let text = cx.text();
    // Parsing dominates a scan: skip it where no credential name can be bound to a
    // secret. In the languages (and JSON) a string value is always quoted, which the gate
    // relies on; in YAML it only looks for a credential name.
    let syntax = match cx.kind() {
        FileKind::Python => Some(names::Syntax::Python),
        k if k.is_js_like() => Some(names::Syntax::JavaScript),
        FileKind::Rust => Some(names::Syntax::Rust),
        FileKind::Json | FileKind::PackageJson | FileKind::ComposerJson => {
            Some(names::Syntax::Json)
        }
        k if k.is_yaml() => Some(names::Syntax::Yaml),
        _ => None,
    };
    if syntax.is_some_and(|s| !names::may_bind_credential(cx.code(), s)) {
        return Vec::new();
    }
    match cx.kind() {
        FileKind::Python => cx.tree().map_or_else(Vec::new, |_| {
            secrets::python::bindings(cx.nodes(), text, cx.py_imports())
        }),
        k if k.is_js_like() => cx
            .tree()
            .map_or_else(Vec::new, |_| secrets::js::bindings(cx.nodes(), text)),
        FileKind::Rust => cx.rust().map_or_else(Vec::new, |ast| {
            secrets::rust::scan(cx.file, ast, &Uses::collect(ast)).bindings
        }),
        _ => config::entries(cx)
            .into_iter()
            // A list under a credential name (`[features] password = ["zeroize"]`) holds
            // names, not the credential.
            .filter(|e| !e.interpolated && !e.in_list)
            .map(|e| Binding {
                name: e.key,
                value: e.value,
                span: e.span,
            })
            .collect(),
    }
}

const ROTATE: &str = "rotate the exposed value: it stays in the history";

fn fix_for(cx: &Cx, name: &str) -> String {
    let var = secrets::env_var_name(name);
    match cx.kind() {
        FileKind::Python => {
            format!("read it from the environment, `{name} = os.environ[\"{var}\"]`, and {ROTATE}")
        }
        k if k.is_js_like() => {
            format!("read it from the environment, `process.env.{var}`, and {ROTATE}")
        }
        FileKind::Rust => {
            format!("read it from the environment, `std::env::var(\"{var}\")?`, and {ROTATE}")
        }
        FileKind::Dockerfile => format!(
            "remove it from the Dockerfile (ENV and ARG values stay in the image and its history): pass `{name}` at run time from the platform's secrets, or mount it for one build step with `RUN --mount=type=secret,id={}`; and {ROTATE}",
            name.to_ascii_lowercase()
        ),
        FileKind::DotEnv if secrets::is_env_template(&cx.file.rel_path) => format!(
            "an example file documents the variable: write a placeholder (`{name}=changeme`) and {ROTATE}"
        ),
        FileKind::DotEnv => format!(
            "keep real values out of git: add this file to `.gitignore`, commit a `.env.example` with `{name}=changeme`, and {ROTATE}"
        ),
        _ => format!(
            "take the value from the environment (`{var}`) or a secret store instead of this file, and {ROTATE}"
        ),
    }
}

fn report_format(cx: &Cx, out: &mut Report, h: &formats::TokenHit) {
    let text = cx.text();
    let secret = text.get(h.secret.start..h.secret.end).unwrap_or("");
    let (message, fix) = match h.what {
        "private key" => (
            "a private key block is committed: anyone who can read the repository can impersonate its owner".to_owned(),
            "remove the key from the repository and its history, revoke it, and mount it at run time from a secret store (e.g. a file path given in an environment variable)".to_owned(),
        ),
        "password in a URL" => {
            let url = url_around(text, h.span.start);
            (
                format!(
                    "the URL `{url}` embeds a password (`{}`): the credential is in the code, not in the environment",
                    mask(secret)
                ),
                format!(
                    "read the whole URL from the environment (e.g. `DATABASE_URL`), or only its password from a secret store, and {ROTATE}"
                ),
            )
        }
        what => (
            format!(
                "{what} `{}` is committed: anyone who can read the repository can use it until it is revoked",
                mask(secret)
            ),
            "revoke the token now, then load it from the environment or a secret store at run time".to_owned(),
        ),
    };
    out.add(h.span, message).fix(fix).redact(h.secret);
}

/// `postgres://…@db.internal`: the URL holding a password, for the message, with its
/// whole user info (which may itself be a token) left out.
fn url_around(text: &str, password_start: usize) -> String {
    let head = &text[..password_start];
    let Some(sep) = head.rfind("://") else {
        return String::new();
    };
    let Some(parts) = formats::url_at(text, sep) else {
        return String::new();
    };
    let scheme = &text[parts.scheme.start..parts.scheme.end];
    let rest = &text[(sep + 3).min(parts.url.end)..parts.url.end];
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host: String = host.chars().take(60).collect();
    format!("{scheme}://…@{host}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn triggers_cover_the_format_prefixes() {
        for p in super::formats::PREFIXES {
            assert!(
                super::RULE
                    .triggers
                    .iter()
                    .any(|t| p.to_ascii_lowercase().contains(&t.to_ascii_lowercase())),
                "{p}"
            );
        }
    }
}
