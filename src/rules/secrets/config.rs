//! Key/value entries of configuration files, each with the byte span of its value:
//! Dockerfile `ENV`/`ARG`, `.env` files, JSON (comments tolerated), TOML, INI, and YAML
//! (every mapping entry, Compose `environment:`/`args:` lists of `KEY=value`, Kubernetes
//! `env: [{name, value}]`).

use crate::classify::FileKind;
use crate::context::Cx;
use crate::finding::Span;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The innermost key (`password` for `db.password`; the array's key for its items).
    pub key: String,
    pub value: String,
    /// The value's text inside any quotes.
    pub span: Span,
    /// The value refers to variables (`$VAR`, `${VAR}`) that are expanded at run time.
    pub interpolated: bool,
    /// An item of a list under the key (`features = ["a"]`), not the key's own value.
    pub in_list: bool,
}

/// The entries of a configuration-like file, or nothing for other kinds.
pub fn entries(cx: &Cx) -> Vec<Entry> {
    let text = cx.text();
    match cx.kind() {
        FileKind::Dockerfile => dockerfile(cx),
        FileKind::DotEnv => dotenv(text),
        FileKind::Json | FileKind::PackageJson | FileKind::ComposerJson => json(text),
        FileKind::Toml | FileKind::PyProject | FileKind::CargoToml | FileKind::Pipfile => {
            toml(text)
        }
        FileKind::Ini => ini(text),
        k if k.is_yaml() => yaml(cx.yaml(), text, YamlScope::All),
        _ => Vec::new(),
    }
}

/// Which YAML documents to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YamlScope {
    All,
    /// Application config only: not Kubernetes manifests (documents with `apiVersion`
    /// and `kind`), whose values are deploy-time environment.
    ConfigOnly,
}

/// Whether a YAML document is a Kubernetes manifest.
pub fn is_kubernetes(doc: &crate::parse::yaml::Node) -> bool {
    doc.get("apiVersion").is_some() && doc.get("kind").is_some()
}

/// String values of YAML documents with their keys.
pub fn yaml(y: &crate::parse::yaml::Yaml, text: &str, scope: YamlScope) -> Vec<Entry> {
    use crate::parse::yaml::{Node, PathSeg, ScalarStyle};
    let mut out: Vec<Entry> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut push = |out: &mut Vec<Entry>, key: &str, value: &str, span: Span| {
        if seen.insert(span) {
            out.push(Entry {
                key: key.to_owned(),
                interpolated: has_variable(value) || value.contains("$("),
                in_list: false,
                value: value.to_owned(),
                span,
            });
        }
    };
    for doc in &y.docs {
        if scope == YamlScope::ConfigOnly && is_kubernetes(doc) {
            continue;
        }
        doc.walk(&mut |path, node| {
            match node {
                Node::Map(m) => {
                    // Kubernetes `env: [{name: X, value: Y}]`.
                    let in_env_list = matches!(path, [.., PathSeg::Key("env"), PathSeg::Index(_)]);
                    if in_env_list {
                        if let (Some(name), Some(v)) = (
                            m.get("name").and_then(Node::as_str),
                            m.get("value").and_then(Node::as_scalar),
                        ) {
                            if !v.is_null() {
                                push(&mut out, name, &v.value, v.value_span);
                            }
                        }
                    }
                    for e in &m.entries {
                        if let Some(v) = e.value.as_scalar() {
                            if !v.is_null()
                                && !matches!(v.style, ScalarStyle::Literal | ScalarStyle::Folded)
                            {
                                push(&mut out, e.key_str(), &v.value, v.value_span);
                            }
                        }
                    }
                }
                // Compose `environment:` / `args:` as a list of `KEY=value`.
                Node::Seq(s)
                    if matches!(
                        path,
                        [.., PathSeg::Key("environment" | "args" | "build-args")]
                    ) =>
                {
                    for item in &s.items {
                        let Some(sc) = item.as_scalar() else { continue };
                        let Some((k, v)) = sc.value.split_once('=') else {
                            continue;
                        };
                        let raw = text
                            .get(sc.value_span.start..sc.value_span.end)
                            .unwrap_or("");
                        let Some(eq) = raw.find('=') else { continue };
                        let span = Span::new(sc.value_span.start + eq + 1, sc.value_span.end);
                        push(&mut out, k.trim(), v, span);
                    }
                }
                _ => {}
            }
        });
    }
    out.sort_by_key(|e| e.span.start);
    out
}

fn has_variable(v: &str) -> bool {
    let b = v.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        c == b'$'
            && b.get(i + 1)
                .is_some_and(|&n| n == b'{' || n == b'_' || n.is_ascii_alphabetic())
    })
}

/// `ENV KEY=value`, `ENV KEY value`, `ARG KEY=default`.
fn dockerfile(cx: &Cx) -> Vec<Entry> {
    let mut out = Vec::new();
    for instr in &cx.dockerfile().instructions {
        if !(instr.is("ENV") || instr.is("ARG")) {
            continue;
        }
        for (k, v) in instr.key_values() {
            let Some(v) = v else { continue };
            out.push(Entry {
                key: k.text,
                interpolated: has_variable(&v.text),
                in_list: false,
                value: v.text,
                span: v.span,
            });
        }
    }
    out
}

pub fn dotenv(text: &str) -> Vec<Entry> {
    crate::parse::dotenv::parse(text)
        .into_iter()
        .map(|e| Entry {
            interpolated: has_variable(&e.value),
            in_list: false,
            key: e.key,
            value: e.value,
            span: e.value_span,
        })
        .collect()
}

/// `key = value` / `key: value` lines; `[sections]` and `;`/`#` comments are skipped.
pub fn ini(text: &str) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        let t = content.trim_start();
        if t.is_empty() || t.starts_with([';', '#', '[']) {
            continue;
        }
        // Continuation lines of a multi-line value are indented.
        if content.starts_with([' ', '\t']) {
            continue;
        }
        let Some(sep) = content.find(['=', ':']) else {
            continue;
        };
        let key = content[..sep].trim();
        if key.is_empty() || key.contains(char::is_whitespace) && key.split_whitespace().count() > 3
        {
            continue;
        }
        let raw = &content[sep + 1..];
        let lead = raw.len() - raw.trim_start().len();
        let mut vstart = start + sep + 1 + lead;
        let mut value = raw.trim();
        if value.len() >= 2
            && ((value.starts_with('"') && value.ends_with('"'))
                || (value.starts_with('\'') && value.ends_with('\'')))
        {
            value = &value[1..value.len() - 1];
            vstart += 1;
        }
        out.push(Entry {
            key: key.to_owned(),
            value: value.to_owned(),
            span: Span::new(vstart, vstart + value.len()),
            interpolated: has_variable(value) || value.contains("%("),
            in_list: false,
        });
    }
    out
}

/// String values of a TOML document with their innermost keys.
pub fn toml(text: &str) -> Vec<Entry> {
    use toml::de::{DeTable, DeValue};
    let (doc, _errors) = DeTable::parse_recoverable(text);
    let mut out = Vec::new();
    let mut work: Vec<(String, &toml::Spanned<DeValue<'_>>, bool)> = doc
        .get_ref()
        .iter()
        .map(|(k, v)| (k.get_ref().to_string(), v, false))
        .collect();
    let mut budget = 200_000usize;
    while let Some((key, v, in_list)) = work.pop() {
        budget = budget.saturating_sub(1);
        if budget == 0 {
            break;
        }
        match v.get_ref() {
            DeValue::String(s) => {
                let r = v.span();
                let raw = text.get(r.clone()).unwrap_or("");
                let quote = ["\"\"\"", "\'\'\'", "\"", "\'"]
                    .into_iter()
                    .find(|q| raw.starts_with(q))
                    .unwrap_or("");
                let q = quote.len();
                // A recovered, unterminated string has no closing quote to strip.
                let close = if q > 0 && raw.len() >= 2 * q && raw.ends_with(quote) {
                    q
                } else {
                    0
                };
                let span = Span::new(r.start + q, r.end.saturating_sub(close).max(r.start + q));
                if text.get(span.start..span.end).is_none() {
                    continue;
                }
                out.push(Entry {
                    key,
                    value: s.to_string(),
                    span,
                    interpolated: has_variable(s),
                    in_list,
                });
            }
            DeValue::Array(items) => {
                work.extend(items.iter().map(|item| (key.clone(), item, true)));
            }
            DeValue::Table(t) => {
                work.extend(t.iter().map(|(k, v)| (k.get_ref().to_string(), v, false)));
            }
            _ => {}
        }
    }
    out.sort_by_key(|e| e.span.start);
    out
}

/// String values of a JSON document (JSONC comments and trailing commas tolerated) with
/// their innermost keys. Never recurses; malformed input ends the scan quietly.
pub fn json(text: &str) -> Vec<Entry> {
    enum Frame {
        Object {
            key: Option<String>,
            expect_key: bool,
        },
        Array {
            key: Option<String>,
        },
    }
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    // The key a value about to start belongs to.
    let current_key = |stack: &Vec<Frame>| -> Option<String> {
        match stack.last() {
            Some(Frame::Object { key, .. }) | Some(Frame::Array { key }) => key.clone(),
            None => None,
        }
    };
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(b.len(), |n| i + 2 + n + 2);
            }
            b'{' | b'[' => {
                if stack.len() > 512 {
                    break;
                }
                let key = current_key(&stack);
                stack.push(if b[i] == b'{' {
                    Frame::Object {
                        key: None,
                        expect_key: true,
                    }
                } else {
                    Frame::Array { key }
                });
                i += 1;
            }
            b'}' | b']' => {
                stack.pop();
                i += 1;
            }
            b',' => {
                if let Some(Frame::Object { expect_key, key }) = stack.last_mut() {
                    *expect_key = true;
                    *key = None;
                }
                i += 1;
            }
            b':' => {
                if let Some(Frame::Object { expect_key, .. }) = stack.last_mut() {
                    *expect_key = false;
                }
                i += 1;
            }
            b'"' => {
                let start = i + 1;
                let mut j = start;
                let mut value = String::new();
                let mut closed = false;
                while j < b.len() {
                    match b[j] {
                        b'"' => {
                            closed = true;
                            break;
                        }
                        b'\\' => {
                            match b.get(j + 1) {
                                Some(b'n') => value.push('\n'),
                                Some(b't') => value.push('\t'),
                                Some(b'r') => value.push('\r'),
                                Some(b'u') => {
                                    let hex = text
                                        .get(j + 2..j + 6)
                                        .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()));
                                    let c = hex
                                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                                        .and_then(char::from_u32)
                                        .unwrap_or('\u{fffd}');
                                    value.push(c);
                                    if hex.is_some() {
                                        j += 4;
                                    }
                                }
                                Some(&c) if c.is_ascii() => value.push(c as char),
                                _ => {}
                            }
                            // Step over the escaped character whole (it may be multi-byte).
                            j += 1 + text
                                .get(j + 1..)
                                .and_then(|r| r.chars().next())
                                .map_or(1, char::len_utf8);
                        }
                        b'\n' => break,
                        _ => {
                            let ch = text[j..].chars().next().unwrap_or('\u{fffd}');
                            value.push(ch);
                            j += ch.len_utf8();
                        }
                    }
                }
                if !closed {
                    break;
                }
                let end = j.min(b.len());
                i = end + 1;
                match stack.last_mut() {
                    Some(Frame::Object {
                        key,
                        expect_key: true,
                    }) => *key = Some(value),
                    Some(Frame::Object { key: Some(k), .. }) => out.push(Entry {
                        key: k.clone(),
                        interpolated: has_variable(&value),
                        in_list: false,
                        value,
                        span: Span::new(start, end),
                    }),
                    Some(Frame::Array { key: Some(k) }) => out.push(Entry {
                        key: k.clone(),
                        interpolated: has_variable(&value),
                        in_list: true,
                        value,
                        span: Span::new(start, end),
                    }),
                    _ => {}
                }
            }
            _ => {
                // Numbers, true/false/null and anything unexpected.
                let c = text[i..].chars().next().map_or(1, char::len_utf8);
                i += c;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(entries: &[Entry], src: &str) -> Vec<(String, String)> {
        entries
            .iter()
            .map(|e| {
                assert_eq!(
                    &src[e.span.start..e.span.end].replace("\\n", "\n"),
                    &e.value,
                    "span of {}",
                    e.key
                );
                (e.key.clone(), e.value.clone())
            })
            .collect()
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn json_entries() {
        let src = r#"{
  // comment
  "db": {"password": "hunter2", "port": 5432, "hosts": ["a", "b"]},
  "token": "t\n1", /* c */ "nested": [{"api_key": "k"}], "u": "é",
}"#;
        let got = kv(&json(src), src);
        assert_eq!(
            got,
            pairs(&[
                ("password", "hunter2"),
                ("hosts", "a"),
                ("hosts", "b"),
                ("token", "t\n1"),
                ("api_key", "k"),
                ("u", "é")
            ])
        );
        for bad in [
            "{",
            "\"",
            "{\"a\":",
            "[[[[",
            "}}}",
            "{\"a\": \"\\u12\"}",
            "\"\\",
        ] {
            let _ = json(bad);
        }
    }

    #[test]
    fn toml_entries() {
        let src = "title = 'x'\n[db]\npassword = \"hunter2\"\nport = 5432\nhosts = [\"a\"]\n[a.b]\ntoken = '''t'''\n";
        let got = kv(&toml(src), src);
        assert_eq!(
            got,
            pairs(&[
                ("title", "x"),
                ("password", "hunter2"),
                ("hosts", "a"),
                ("token", "t")
            ])
        );
        let _ = toml("[[[\n= = =\n\"");
    }

    #[test]
    fn yaml_entries() {
        let src = "services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: hunter2\n  web:\n    environment:\n      - API_TOKEN=abc123\n      - \"SECRET=q\"\n---\napiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - env:\n        - name: DB_PASSWORD\n          value: \"pw1\"\n        - name: X\n          valueFrom: {secretKeyRef: {name: s, key: k}}\n";
        let y = crate::parse::yaml::parse(src);
        let got = kv(&yaml(&y, src, YamlScope::All), src);
        for want in [
            ("POSTGRES_PASSWORD", "hunter2"),
            ("API_TOKEN", "abc123"),
            ("SECRET", "q"),
            ("DB_PASSWORD", "pw1"),
        ] {
            assert!(
                got.contains(&(want.0.to_owned(), want.1.to_owned())),
                "{want:?} in {got:?}"
            );
        }
        let config_only = yaml(&y, src, YamlScope::ConfigOnly);
        assert!(config_only.iter().all(|e| e.key != "DB_PASSWORD"));
    }

    #[test]
    fn ini_entries() {
        let src = "[db]\npassword = hunter2\n; c\ntoken: \"abc\"\n  continued\nurl=%(base)s/x\n";
        let e = ini(src);
        assert_eq!(
            kv(&e, src),
            pairs(&[
                ("password", "hunter2"),
                ("token", "abc"),
                ("url", "%(base)s/x")
            ])
        );
        assert!(e[2].interpolated);
    }
}
