//! TOML manifests (`Cargo.toml`, `pyproject.toml`, `Pipfile`) with a byte span on every
//! key and value. `toml::de::DeTable::parse_recoverable` keeps what parsed on a broken
//! file; the result is converted to the same owned tree as JSON ([`json::Node`]), so rules
//! walk both with `get`, `entries`, `items` and `as_str`, and `Cx` can cache it.
//! TOML datetimes become strings; integers and floats become numbers.

use crate::finding::Span;
use crate::parse::json::{Member, Node, Value};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Tables nested deeper than this are dropped (the TOML parser already caps inline
/// nesting; dotted keys could go deeper).
const MAX_DEPTH: usize = 128;

/// A document: the (possibly partial) root table and the parse errors.
pub struct TomlDoc {
    pub root: Node,
    pub errors: Vec<(Span, String)>,
}

pub fn parse(src: &str) -> TomlDoc {
    let (root, errors) = DeTable::parse_recoverable(src);
    let errors = errors
        .iter()
        .map(|e| {
            let span = e
                .span()
                .map_or(Span::new(0, 0), |r| Span::new(r.start, r.end));
            let msg: String = e.message().split_whitespace().collect::<Vec<_>>().join(" ");
            (span, format!("TOML: {msg}"))
        })
        .collect();
    let root = Node {
        span: Span::new(0, src.len()),
        value: Value::Object(table(root.get_ref(), 0)),
    };
    TomlDoc { root, errors }
}

fn span<T>(s: &Spanned<T>) -> Span {
    let r = s.span();
    Span::new(r.start, r.end)
}

fn table(t: &DeTable<'_>, depth: usize) -> Vec<Member> {
    t.iter()
        .map(|(k, v)| Member {
            key: k.get_ref().to_string(),
            key_span: span(k),
            value: node(v, depth + 1),
        })
        .collect()
}

fn node(v: &Spanned<DeValue<'_>>, depth: usize) -> Node {
    let value = match v.get_ref() {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Integer(i) => Value::Number(i.to_string()),
        DeValue::Float(f) => Value::Number(f.to_string()),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => Value::String(d.to_string()),
        DeValue::Array(_) | DeValue::Table(_) if depth > MAX_DEPTH => Value::Null,
        DeValue::Array(a) => Value::Array(a.iter().map(|i| node(i, depth + 1)).collect()),
        DeValue::Table(t) => Value::Object(table(t, depth)),
    };
    Node {
        span: span(v),
        value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(src: &str, s: Span) -> &str {
        &src[s.start..s.end]
    }

    fn at<'a>(n: &'a Node, keys: &[&str]) -> &'a Node {
        keys.iter()
            .fold(n, |n, k| n.get(k).unwrap_or_else(|| panic!("{k}")))
    }

    #[test]
    fn spans_on_keys_and_values() {
        let src = "[dependencies]\nserde = \"*\"\n\n[dependencies.foo]\ngit = \"https://x\"\n\n[target.'cfg(unix)'.dependencies]\nlibc = { version = \"0.2\", optional = true }\n[package]\nedition = 2021\n";
        let doc = parse(src);
        assert!(doc.errors.is_empty());
        let deps = at(&doc.root, &["dependencies"]);
        let m = deps.member("serde").unwrap();
        assert_eq!(text(src, m.key_span), "serde");
        assert_eq!(text(src, m.value.span), "\"*\"");
        assert_eq!(m.value.as_str(), Some("*"));
        let m = deps.member("foo").unwrap();
        assert_eq!(text(src, m.key_span), "foo");
        let git = at(&m.value, &["git"]);
        assert_eq!(git.as_str(), Some("https://x"));
        assert_eq!(text(src, git.span), "\"https://x\"");
        let libc = at(&doc.root, &["target", "cfg(unix)", "dependencies", "libc"]);
        assert_eq!(libc.get("optional").unwrap().value, Value::Bool(true));
        assert_eq!(
            at(&doc.root, &["package", "edition"]).value,
            Value::Number("2021".into())
        );
    }

    #[test]
    fn broken_files_keep_what_parsed() {
        let src = "[dependencies]\nserde = \"*\"\nbroken = \n[dev-dependencies]\nrand = \"*\"\n";
        let doc = parse(src);
        assert!(!doc.errors.is_empty());
        assert!(doc.root.get("dependencies").unwrap().get("serde").is_some());
        assert!(
            doc.root
                .get("dev-dependencies")
                .unwrap()
                .get("rand")
                .is_some()
        );
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        for deep in [
            format!("a = {}", "[".repeat(100_000)),
            format!("a = {}", "{b = ".repeat(100_000)),
            format!("{} = 1", vec!["k"; 100_000].join(".")),
            format!("[{}]", vec!["k"; 100_000].join(".")),
        ] {
            let _ = parse(&deep);
        }
    }
}
