//! `environment-branching`: behaviour selected by the *name* of the deploy environment
//! (`if APP_ENV == "production"`, `switch (process.env.NODE_ENV)`, `match env::var("ENV")`)
//! and config files kept per named environment (`config/production.json`,
//! `settings/prod.py`, `.env.production`, `application-prod.yml`).

use super::Rule;
use super::secrets::{self, names, python as py};
use crate::classify::FileKind;
use crate::context::{Cx, Report};
use crate::finding::Span;
use crate::lang::gate::Words;
use crate::lang::{python::Imports, rust::Uses};
use crate::parse::treesitter::{self, text};
use syn::visit::Visit;
use tree_sitter::Node;

pub const RULE: Rule = Rule {
    id: "environment-branching",
    meta_source: include_str!("../../rules/environment-branching.toml"),
    kinds: &[
        FileKind::Python,
        FileKind::JavaScript,
        FileKind::TypeScript,
        FileKind::Tsx,
        FileKind::Rust,
        FileKind::Json,
        FileKind::Yaml,
        FileKind::Toml,
        FileKind::Ini,
        FileKind::DotEnv,
    ],
    // The file-name check needs no particular content; comparisons are prefiltered in
    // `check` before anything is parsed.
    triggers: &[],
    check,
};

fn check(cx: &Cx, out: &mut Report) {
    if let Some(env) = per_environment_file(&cx.file.rel_path) {
        let name = &cx.file.rel_path;
        out.add(
            Span::new(0, 0),
            format!(
                "`{name}` holds config for one named environment (`{env}`): deploys then differ by which file they load rather than by their own settings, and every new environment needs another file"
            ),
        )
        .fix(match cx.kind() {
            FileKind::DotEnv => "set these values in that environment itself (the platform's config and secrets), one variable per setting, instead of a file per environment".to_owned(),
            _ => "keep one config that reads each value from the environment (e.g. `DATABASE_URL`, `LOG_LEVEL`) and set those variables per deploy".to_owned(),
        });
    }
    // Comparisons are looked for in code only; config files are judged by their name.
    let code = matches!(cx.kind(), FileKind::Python | FileKind::Rust) || cx.kind().is_js_like();
    if !code || !may_compare(cx.code(), cx.kind()) {
        return;
    }
    match cx.kind() {
        FileKind::Python => python_rule(cx, out),
        FileKind::Rust => rust_rule(cx, out),
        _ => js_rule(cx, out),
    }
}

/// Cheap prefilter: the file mentions an environment variable, and an environment name as
/// a whole string literal (the value every comparison reported is, or is bound to) — in
/// Python, one placed where the comparisons reported take it (see [`python_compared`]).
fn may_compare(text: &str, kind: FileKind) -> bool {
    static NAMES: Words = Words::new(names::ENVIRONMENT_NAMES);
    if !crate::lang::gate::enabled() {
        return true;
    }
    if !may_name_environment(text) {
        return false;
    }
    if kind == FileKind::Python && !has_case_line(text) {
        return NAMES
            .quoted_iter(text)
            .any(|(start, end)| python_compared(text.as_bytes(), start, end));
    }
    NAMES.quoted_in(text)
}

/// Whether `text` may name an environment-name variable: some name in it has a part
/// that [`names::is_environment_variable`] needs (`APP_ENV`, `settings.ENVIRONMENT`,
/// `appStage`; not `environ` or `dotenv`). Literals can spell a name the text does not
/// show: a text with a code escape (`"APP_\x45NV"`) always may, and names split by
/// adjacent literals or other escapes are read joined ([`has_joined_environment_part`]).
fn may_name_environment(text: &str) -> bool {
    has_environment_part(text) || has_code_escape(text) || has_joined_environment_part(text)
}

fn has_environment_part(text: &str) -> bool {
    static PARTS: Words = Words::new(&names::ENVIRONMENT_VARIABLE_PARTS);
    let bytes = text.as_bytes();
    // A name splits into parts at every ASCII byte that is not a letter or digit, so the
    // part holding an occurrence lies within the run of other bytes around it.
    let in_run = |b: &u8| b.is_ascii_alphanumeric() || *b >= 0x80;
    PARTS.find_iter(text).into_iter().any(|(start, end)| {
        let from = bytes[..start]
            .iter()
            .rposition(|b| !in_run(b))
            .map_or(0, |i| i + 1);
        let to = bytes[end..]
            .iter()
            .position(|b| !in_run(b))
            .map_or(bytes.len(), |i| end + i);
        names::word_parts(&text[from..to])
            .iter()
            .any(|p| names::ENVIRONMENT_VARIABLE_PARTS.contains(&p.as_str()))
    })
}

/// Whether `text` has an escape that writes a letter, digit or `_` by its code (`\x45`,
/// `\u0045`, `\u{45}`, `\105`, `\N{…}`): such a name may read as anything.
/// `b"\xff"` does not count.
fn has_code_escape(text: &str) -> bool {
    let bytes = text.as_bytes();
    let name_char =
        |code: u32| char::from_u32(code).is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    let hex = |digits: &[u8]| {
        let digits = std::str::from_utf8(digits).ok()?;
        u32::from_str_radix(digits, 16).ok()
    };
    memchr::memchr_iter(b'\\', bytes).any(|i| {
        let rest = &bytes[i + 1..];
        let code = match rest {
            [b'N', b'{', ..] => return true,
            [b'x', h @ ..] => hex(h.get(..2).unwrap_or(h)),
            [b'u', b'{', h @ ..] => hex(&h[..h.iter().position(|&b| b == b'}').unwrap_or(0)]),
            [b'u', h @ ..] => hex(h.get(..4).unwrap_or(h)),
            [b'U', h @ ..] => hex(h.get(..8).unwrap_or(h)),
            [b'0'..=b'7', ..] => {
                let n = rest
                    .iter()
                    .take(3)
                    .take_while(|b| (b'0'..=b'7').contains(b))
                    .count();
                u32::from_str_radix(std::str::from_utf8(&rest[..n]).unwrap_or("0"), 8).ok()
            }
            _ => return false,
        };
        code.is_some_and(name_char)
    })
}

/// Whether a name spelled across pieces the text shows has an environment part: the
/// name bytes either side of adjacent literals (`"APP_E" "NV"`, which Python joins) or of
/// a backslash (`EN\V`, an unknown escape that Python and JavaScript read as `V`) are
/// read as one name.
fn has_joined_environment_part(text: &str) -> bool {
    let b = text.as_bytes();
    let name = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80;
    let quote = |c: u8| c == b'"' || c == b'\'';
    // The length of a joint starting at `i`, right after a name byte, before another.
    let joint = |i: usize| -> Option<usize> {
        let len = match b[i] {
            b'\\' => 1,
            c if quote(c) => {
                let gap = b[i + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_whitespace())
                    .count();
                b.get(i + 1 + gap).copied().filter(|&c| quote(c))?;
                gap + 2
            }
            _ => return None,
        };
        b.get(i + len).copied().filter(|&c| name(c)).map(|_| len)
    };
    // Only runs with a joint need reading again: start at each joint's run.
    let mut read_to = 0;
    for at in memchr::memchr3_iter(b'\\', b'"', b'\'', b) {
        if at < read_to || at == 0 || !name(b[at - 1]) || joint(at).is_none() {
            continue;
        }
        let mut i = b[..at].iter().rposition(|&c| !name(c)).map_or(0, |p| p + 1);
        let mut pieces: Vec<(usize, usize)> = Vec::new();
        let mut start = i;
        while i < b.len() {
            if name(b[i]) {
                i += 1;
            } else if let Some(len) = joint(i) {
                pieces.push((start, i));
                i += len;
                start = i;
            } else {
                break;
            }
        }
        pieces.push((start, i));
        read_to = i;
        // Joints are ASCII bytes, so every piece is whole UTF-8.
        let joined: String = pieces.iter().map(|&(s, e)| &text[s..e]).collect();
        if has_environment_part(&joined) {
            return true;
        }
    }
    false
}

/// Whether the Python string literal at `start..end` is an operand the comparisons
/// reported take: `… == "prod"`, `"prod" != …`, `… in "prod"`, or an item of a
/// tuple/list/set right after `in` / `not in` (`env in ("dev", "test")`).
fn python_compared(text: &[u8], start: usize, end: usize) -> bool {
    let after = text[end..].trim_ascii_start();
    if after.starts_with(b"==") || after.starts_with(b"!=") {
        return true;
    }
    let mut before = text[..start].trim_ascii_end();
    let mut in_container = false;
    loop {
        match before.last() {
            // An earlier item of the same container: a plain string literal.
            Some(b',') => {
                let item = before[..before.len() - 1].trim_ascii_end();
                let Some(&q @ (b'"' | b'\'')) = item.last() else {
                    return false;
                };
                let Some(open) = item[..item.len() - 1].iter().rposition(|&b| b == q) else {
                    return false;
                };
                before = item[..open].trim_ascii_end();
                in_container = true;
            }
            // The container's opening bracket, right after `in`.
            Some(b'(' | b'[' | b'{') => {
                return ends_with_word(before[..before.len() - 1].trim_ascii_end(), b"in");
            }
            _ if in_container => return false,
            _ => {
                return before.ends_with(b"==")
                    || before.ends_with(b"!=")
                    || ends_with_word(before, b"in");
            }
        }
    }
}

/// Whether `text` ends with `word` as a whole word.
fn ends_with_word(text: &[u8], word: &[u8]) -> bool {
    text.ends_with(word)
        && text
            .len()
            .checked_sub(word.len() + 1)
            .is_none_or(|i| !(text[i].is_ascii_alphanumeric() || text[i] == b'_'))
}

/// Whether a line starts with `case` (a `match` statement, whose patterns may hold the
/// literal anywhere): then every quoted name counts.
fn has_case_line(text: &str) -> bool {
    text.lines().any(|l| l.trim_start().starts_with("case"))
}

fn message(var: &str, value: &str) -> String {
    format!(
        "behaviour is selected by comparing `{var}` with `\"{value}\"`: each deploy should be configured by its individual settings, not by the name of its environment (a new environment, or a staging that must behave like production, then needs a code change)"
    )
}

fn fix(kind: FileKind) -> &'static str {
    match kind {
        FileKind::Python => {
            "replace the check with the setting it stands for, read from the environment, e.g. `if os.environ.get(\"SEND_EMAILS\") == \"1\":`"
        }
        FileKind::Rust => {
            "replace the check with the setting it stands for, read from the environment, e.g. `if std::env::var(\"SEND_EMAILS\").as_deref() == Ok(\"1\")`"
        }
        _ => {
            "replace the check with the setting it stands for, read from the environment, e.g. `if (process.env.SEND_EMAILS === \"1\")`"
        }
    }
}

// ---------------------------------------------------------------- per-environment files

/// Directories whose files are config (`config/production.json`, `settings/prod.py`).
const CONFIG_DIRS: &[&str] = &[
    "config",
    "configs",
    "conf",
    "settings",
    "environments",
    "envs",
    "env",
];

/// Name parts that make a file a config file (`application-prod.yml`, `settings_prod.py`).
const CONFIG_WORDS: &[&str] = &[
    "config",
    "configuration",
    "settings",
    "application",
    "appsettings",
    "environment",
    "env",
    "bootstrap",
    "secrets",
];

/// Build and test tooling configured per mode is not runtime config.
const TOOL_WORDS: &[&str] = &[
    "webpack",
    "vite",
    "rollup",
    "babel",
    "jest",
    "karma",
    "tsconfig",
    "eslint",
    "prettier",
    "tailwind",
    "postcss",
    "playwright",
    "cypress",
    "vitest",
    "tox",
    "pytest",
    "storybook",
    "next",
    "nuxt",
    "svelte",
    "astro",
    "gulpfile",
    "gruntfile",
    "metro",
    "craco",
];

/// If `rel_path` is a config file for one named environment, that environment's name.
pub fn per_environment_file(rel_path: &str) -> Option<String> {
    let mut comps = rel_path.rsplit('/');
    let name = comps.next()?.to_ascii_lowercase();
    let parent = comps.next().unwrap_or("").to_ascii_lowercase();
    let env_part = |parts: &[&str]| -> Option<String> {
        parts
            .iter()
            .find(|p| names::is_environment_name(p) && !matches!(**p, "local" | "sandbox"))
            .map(|p| (*p).to_owned())
    };
    // `.env.production`, `.env.staging.local`
    if let Some(rest) = name.strip_prefix(".env.") {
        if secrets::is_env_template(&name) {
            return None;
        }
        let parts: Vec<&str> = rest.split('.').collect();
        return env_part(&parts);
    }
    // Tests of config are not config (`test_config.py`, `config.test.ts`).
    if name.starts_with("test_")
        || name.contains(".test.")
        || name.contains(".spec.")
        || name.contains("_test.")
    {
        return None;
    }
    let stem = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s);
    let parts: Vec<&str> = stem
        .split(['.', '-', '_'])
        .filter(|p| !p.is_empty())
        .collect();
    if parts.iter().any(|p| TOOL_WORDS.contains(p)) {
        return None;
    }
    let in_config_dir = CONFIG_DIRS.contains(&parent.as_str());
    let config_named = parts.iter().any(|p| CONFIG_WORDS.contains(p));
    if in_config_dir || config_named {
        return env_part(&parts);
    }
    None
}

// ---------------------------------------------------------------- Python

fn python_rule(cx: &Cx, out: &mut Report) {
    let Some(_tree) = cx.tree() else { return };
    let src = cx.text();
    let imports = cx.py_imports();
    cx.nodes().iter().for_each(|&n| match n.kind() {
        "comparison_operator" => python_comparison(n, src, imports, out),
        "match_statement" => {
            let Some(subject) = n.child_by_field_name("subject") else {
                return;
            };
            let Some(var) = py::environment_variable(subject, src, imports) else {
                return;
            };
            let Some(body) = n.child_by_field_name("body") else {
                return;
            };
            let mut c = body.walk();
            for case in body.named_children(&mut c) {
                let mut cc = case.walk();
                let Some(pattern) = case
                    .named_children(&mut cc)
                    .find(|p| p.kind() == "case_pattern")
                else {
                    continue;
                };
                for lit in string_leaves(pattern) {
                    report_literal(out, &var, lit, src, FileKind::Python);
                }
            }
        }
        _ => {}
    });
}

fn python_comparison(n: Node<'_>, src: &str, imports: &Imports, out: &mut Report) {
    let mut c = n.walk();
    let mut prev: Option<Node<'_>> = None;
    let mut op = String::new();
    for child in n.children(&mut c) {
        if !child.is_named() {
            if !op.is_empty() {
                op.push(' ');
            }
            op.push_str(text(child, src));
            continue;
        }
        if child.kind() == "comment" {
            continue;
        }
        if let Some(left) = prev {
            if matches!(op.as_str(), "==" | "!=" | "in" | "not in") {
                judge_pair(left, child, &op, src, imports, out);
            }
        }
        prev = Some(child);
        op.clear();
    }
}

fn judge_pair(
    left: Node<'_>,
    right: Node<'_>,
    op: &str,
    src: &str,
    imports: &Imports,
    out: &mut Report,
) {
    let (var, other) = match (
        py::environment_variable(left, src, imports),
        py::environment_variable(right, src, imports),
    ) {
        (Some(v), _) => (v, right),
        (None, Some(v)) if op.ends_with("==") || op.ends_with("!=") => (v, left),
        _ => return,
    };
    let literals: Vec<Node<'_>> = match other.kind() {
        "string" => vec![other],
        "tuple" | "list" | "set" if op.ends_with("in") => {
            let mut c = other.walk();
            other
                .named_children(&mut c)
                .filter(|e| e.kind() == "string")
                .collect()
        }
        _ => return,
    };
    let names: Vec<String> = literals
        .iter()
        .filter_map(|l| treesitter::string_value(*l, src))
        .filter(|v| names::is_environment_name(v))
        .collect();
    if let Some(first) = names.first() {
        let parent = left.parent().unwrap_or(left);
        out.add(treesitter::span(parent), message(&var, first))
            .fix(fix(FileKind::Python));
    }
}

/// String literals inside a pattern (`"dev" | "qa"`), bounded.
fn string_leaves(node: Node<'_>) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    py::walk(node, |n| {
        if matches!(n.kind(), "string" | "template_string") && out.len() < 64 {
            out.push(n);
        }
    });
    out
}

fn report_literal(out: &mut Report, var: &str, lit: Node<'_>, src: &str, kind: FileKind) {
    if let Some(v) = treesitter::string_value(lit, src) {
        if names::is_environment_name(&v) {
            out.add(treesitter::span(lit), message(var, &v))
                .fix(fix(kind));
        }
    }
}

// ---------------------------------------------------------------- JavaScript / TypeScript

fn js_rule(cx: &Cx, out: &mut Report) {
    let Some(_tree) = cx.tree() else { return };
    let src = cx.text();
    cx.nodes().iter().for_each(|&n| match n.kind() {
        "binary_expression" => {
            let op = n
                .child_by_field_name("operator")
                .map(|o| text(o, src))
                .unwrap_or("");
            if !matches!(op, "==" | "===" | "!=" | "!==") {
                return;
            }
            let (Some(l), Some(r)) = (
                n.child_by_field_name("left"),
                n.child_by_field_name("right"),
            ) else {
                return;
            };
            let (var, other) = match (
                secrets::js::environment_variable(l, src),
                secrets::js::environment_variable(r, src),
            ) {
                (Some(v), _) => (v, r),
                (None, Some(v)) => (v, l),
                _ => return,
            };
            if let Some(v) = treesitter::string_value(other, src) {
                if names::is_environment_name(&v) {
                    out.add(treesitter::span(n), message(&var, &v))
                        .fix(fix(FileKind::JavaScript));
                }
            }
        }
        "switch_statement" => {
            let Some(value) = n.child_by_field_name("value") else {
                return;
            };
            let Some(var) = secrets::js::environment_variable(value, src) else {
                return;
            };
            let Some(body) = n.child_by_field_name("body") else {
                return;
            };
            let mut c = body.walk();
            for case in body.named_children(&mut c) {
                if let Some(v) = case.child_by_field_name("value") {
                    report_literal(out, &var, v, src, FileKind::JavaScript);
                }
            }
        }
        // `["production", "staging"].includes(process.env.NODE_ENV)`
        "call_expression" => {
            let Some(f) = n.child_by_field_name("function") else {
                return;
            };
            if f.kind() != "member_expression"
                || f.child_by_field_name("property").map(|p| text(p, src)) != Some("includes")
            {
                return;
            }
            let Some(array) = f
                .child_by_field_name("object")
                .filter(|o| o.kind() == "array")
            else {
                return;
            };
            let Some(arg) = n
                .child_by_field_name("arguments")
                .and_then(|a| a.named_child(0))
            else {
                return;
            };
            let Some(var) = secrets::js::environment_variable(arg, src) else {
                return;
            };
            let first = string_leaves(array)
                .into_iter()
                .filter_map(|l| treesitter::string_value(l, src))
                .find(|v| names::is_environment_name(v));
            if let Some(v) = first {
                out.add(treesitter::span(n), message(&var, &v))
                    .fix(fix(FileKind::JavaScript));
            }
        }
        _ => {}
    });
}

// ---------------------------------------------------------------- Rust

fn rust_rule(cx: &Cx, out: &mut Report) {
    let Some(ast) = cx.rust() else { return };
    let uses = Uses::collect(ast);
    let mut v = RustCompare {
        cx,
        uses: &uses,
        out,
    };
    v.visit_file(ast);
}

struct RustCompare<'a, 'cx, 'r> {
    cx: &'a Cx<'cx>,
    uses: &'a Uses,
    out: &'r mut Report,
}

impl RustCompare<'_, '_, '_> {
    fn report_pattern(&mut self, var: &str, pat: &syn::Pat) {
        for lit in secrets::rust::pattern_literals(pat) {
            let v = lit.value();
            if names::is_environment_name(&v) {
                let span = self.cx.syn_span(lit.span());
                self.out
                    .add(span, message(var, &v))
                    .fix(fix(FileKind::Rust));
            }
        }
    }
}

impl<'ast> Visit<'ast> for RustCompare<'_, '_, '_> {
    fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
        if matches!(b.op, syn::BinOp::Eq(_) | syn::BinOp::Ne(_)) {
            let l = secrets::rust::environment_variable(&b.left, self.uses);
            let r = secrets::rust::environment_variable(&b.right, self.uses);
            let pair = match (l, r) {
                (Some(v), _) => Some((v, &*b.right)),
                (None, Some(v)) => Some((v, &*b.left)),
                _ => None,
            };
            if let Some((var, other)) = pair {
                if let Some(lit) = secrets::rust::compared_literal(other) {
                    let v = lit.value();
                    if names::is_environment_name(&v) {
                        let span = secrets::rust::span_of(self.cx.file, b);
                        self.out
                            .add(span, message(&var, &v))
                            .fix(fix(FileKind::Rust));
                    }
                }
            }
        }
        syn::visit::visit_expr_binary(self, b);
    }

    fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
        if let Some(var) = secrets::rust::environment_variable(&m.expr, self.uses) {
            for arm in &m.arms {
                self.report_pattern(&var, &arm.pat);
            }
        }
        syn::visit::visit_expr_match(self, m);
    }

    fn visit_expr_let(&mut self, l: &'ast syn::ExprLet) {
        if let Some(var) = secrets::rust::environment_variable(&l.expr, self.uses) {
            self.report_pattern(&var, &l.pat);
        }
        syn::visit::visit_expr_let(self, l);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        // `matches!(env.as_str(), "prod" | "production")`
        if mac
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "matches")
        {
            let parsed = mac.parse_body_with(|input: syn::parse::ParseStream<'_>| {
                let expr: syn::Expr = input.parse()?;
                let _: syn::Token![,] = input.parse()?;
                let pat = syn::Pat::parse_multi_with_leading_vert(input)?;
                let _: proc_macro2::TokenStream = input.parse()?;
                Ok((expr, pat))
            });
            if let Ok((expr, pat)) = parsed {
                if let Some(var) = secrets::rust::environment_variable(&expr, self.uses) {
                    self.report_pattern(&var, &pat);
                }
            }
        }
        syn::visit::visit_macro(self, mac);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gate_sees_every_environment_variable_name() {
        for text in [
            "if os.environ['APP_ENV'] == 'prod':",
            "settings.ENVIRONMENT == 'production'",
            "if (appStage === 'dev')",
            "spring.profiles.active",
            "os.environ.get('APP_E' 'NV') == 'prod'",
            "os.environ.get('APP_E'\n    \"NV\") == 'prod'",
            "os.environ.get(\"APP_\\x45NV\") == 'prod'",
            "env::var(\"APP_\\u{45}NV\")",
            "os.environ.get('APP_\\105NV')",
            "os.environ.get('APP_EN\\V')",
            "os.environ.get('A' 'P' 'P_E' \"N\" 'V')",
            "héllo_ENV = 1",
        ] {
            assert!(may_name_environment(text), "{text}");
        }
        for text in [
            "environ['SCRIPT_NAME'] == 'test'",
            "load_dotenv(); x == 'dev'",
            "envelope.stages == 'test'",
            "session['b'] = b'\\xff'; assert x == 'test'",
            "print('no\\nv' 'iron') if x == 'test' else 0",
        ] {
            assert!(!may_name_environment(text), "{text}");
        }
        // Any name `is_environment_variable` accepts passes the gate, wherever it sits.
        let pieces = [
            "APP",
            "_",
            "ENV",
            "env",
            "Env",
            "environment",
            "IRON",
            "STAGE",
            "stages",
            "spring",
            "PROFILES",
            "active",
            "NAME",
            "type",
            "dot",
            "é",
            "9",
            ".",
            "-",
        ];
        let mut random = crate::test_random::Xorshift::new();
        for _ in 0..20_000 {
            let name = random.soup(&pieces, 6);
            if !names::is_environment_variable(&name) {
                continue;
            }
            for text in [
                name.clone(),
                format!("x = cfg[\"{name}\"]"),
                format!("if {name}: pass"),
            ] {
                assert!(may_name_environment(&text), "{text}");
            }
        }
    }

    #[test]
    fn per_environment_files() {
        for (path, env) in [
            ("config/production.json", "production"),
            ("app/config/staging.yaml", "staging"),
            ("settings/prod.py", "prod"),
            ("myproject/settings/dev.py", "dev"),
            (".env.production", "production"),
            ("web/.env.staging.local", "staging"),
            ("src/main/resources/application-prod.yml", "prod"),
            ("appsettings.Production.json", "production"),
            ("src/environments/environment.prod.ts", "prod"),
            ("myproject/settings_production.py", "production"),
            ("config/test.toml", "test"),
        ] {
            assert_eq!(per_environment_file(path).as_deref(), Some(env), "{path}");
        }
        for path in [
            "config/default.json",
            "config/index.js",
            "settings.py",
            "settings/base.py",
            ".env",
            ".env.local",
            ".env.example",
            ".env.production.example",
            "docker-compose.prod.yml",
            "webpack.config.prod.js",
            "tests/test_config.py",
            "config.test.ts",
            "src/environments/environment.ts",
            "k8s/production/deployment.yaml",
            "production.py",
            "app/dev.py",
        ] {
            assert_eq!(per_environment_file(path), None, "{path}");
        }
    }

    #[test]
    fn python_gate_sees_compared_names_only() {
        for text in [
            "if os.environ['APP_ENV'] == 'production':",
            "if 'prod' != settings.ENV:",
            "if env in ('dev', 'test', 'staging'):",
            "if env not in ['prod']:",
            "if ENV in 'production':",
            "match env:\n    case 'prod':\n        pass",
        ] {
            assert!(may_compare(text, FileKind::Python), "{text}");
        }
        for text in [
            "ENV = os.environ.get('ENV', 'development')",
            "run(env='test')",
            "client.get('/test', env={'a': 'prod'})",
            "if env in (other, 'prod'):",
            "if env == 'other':",
        ] {
            assert!(!may_compare(text, FileKind::Python), "{text}");
        }
    }
}
