//! Python: name/value bindings, string literals (with env-fallback detection) and reads
//! of environment-name variables, from the tree-sitter tree.

use super::{Binding, Literal};
use crate::finding::Span;
use crate::lang::python::Imports;
use crate::parse::treesitter::{self, text};
use tree_sitter::Node;

/// Pre-order walk without recursion.
pub fn walk<'t>(root: Node<'t>, mut f: impl FnMut(Node<'t>)) {
    let mut cursor = root.walk();
    loop {
        f(cursor.node());
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// The text inside a string literal's quotes (from the first to the last piece of a
/// concatenation).
pub fn content_span(node: Node<'_>) -> Span {
    match node.kind() {
        "string" => {
            let mut start = node.start_byte();
            let mut end = node.end_byte();
            let mut cursor = node.walk();
            for child in node.children(&mut cursor) {
                match child.kind() {
                    "string_start" => start = child.end_byte(),
                    "string_end" => end = child.start_byte(),
                    _ => {}
                }
            }
            Span::new(start, end.max(start))
        }
        "concatenated_string" => {
            let mut cursor = node.walk();
            let parts: Vec<Node<'_>> = node
                .named_children(&mut cursor)
                .filter(|c| c.kind() == "string")
                .collect();
            match (parts.first(), parts.last()) {
                (Some(a), Some(b)) => Span::new(content_span(*a).start, content_span(*b).end),
                _ => treesitter::span(node),
            }
        }
        _ => treesitter::span(node),
    }
}

/// The last name component of an assignment target: `password`, `self.password`,
/// `app.config["SECRET_KEY"]`, `os.environ["TOKEN"]`.
fn target_name(node: Node<'_>, src: &str) -> Option<String> {
    match node.kind() {
        "identifier" => Some(text(node, src).to_owned()),
        "attribute" => node
            .child_by_field_name("attribute")
            .map(|a| text(a, src).to_owned()),
        "subscript" => {
            let key = node.child_by_field_name("subscript")?;
            treesitter::string_value(key, src)
        }
        _ => None,
    }
}

/// Every name bound to a string literal: assignments (annotated, class attributes,
/// attribute and subscript targets), keyword arguments, dict literal keys, parameter
/// defaults. Literals that are env-read fallbacks are left out.
pub fn bindings(nodes: &[Node<'_>], src: &str, imports: &Imports) -> Vec<Binding> {
    let mut out = Vec::new();
    nodes.iter().for_each(|&n| {
        let (name, value) = match n.kind() {
            "assignment" => (
                n.child_by_field_name("left")
                    .and_then(|l| target_name(l, src)),
                n.child_by_field_name("right"),
            ),
            "keyword_argument" | "default_parameter" | "typed_default_parameter" => (
                n.child_by_field_name("name")
                    .map(|k| text(k, src).to_owned()),
                n.child_by_field_name("value"),
            ),
            "pair" => (
                n.child_by_field_name("key")
                    .and_then(|k| treesitter::string_value(k, src)),
                n.child_by_field_name("value"),
            ),
            // Setters: `user.set_password("…")`, `client.token("…")`.
            "call" => {
                let method = n
                    .child_by_field_name("function")
                    .filter(|f| f.kind() == "attribute")
                    .and_then(|f| f.child_by_field_name("attribute"))
                    .map(|a| text(a, src));
                let args = n.child_by_field_name("arguments");
                let only = args
                    .filter(|a| a.named_child_count() == 1)
                    .and_then(|a| a.named_child(0));
                match (method, only) {
                    (Some(m), Some(a)) if super::names::is_credential_setter(m) => {
                        (Some(m.to_owned()), Some(a))
                    }
                    _ => return,
                }
            }
            _ => return,
        };
        let (Some(name), Some(value)) = (name, value) else {
            return;
        };
        if !treesitter::is_string(value) {
            return;
        }
        let Some(v) = treesitter::string_value(value, src) else {
            return;
        };
        if is_env_fallback(value, src, imports) {
            return;
        }
        out.push(Binding {
            name,
            value: v,
            span: content_span(value),
        });
    });
    out
}

/// Every string literal with a fixed value (f-strings with interpolation, docstrings and
/// the pieces of a concatenation are skipped; the concatenation counts as one).
pub fn literals(nodes: &[Node<'_>], src: &str, imports: &Imports) -> Vec<Literal> {
    let mut out = Vec::new();
    nodes.iter().for_each(|&n| {
        if !matches!(n.kind(), "string" | "concatenated_string") {
            return;
        }
        let parent = n.parent();
        if parent.is_some_and(|p| {
            p.kind() == "concatenated_string"
                || (p.kind() == "expression_statement" && p.named_child_count() == 1)
        }) {
            return;
        }
        let Some(value) = treesitter::string_value(n, src) else {
            return;
        };
        out.push(Literal {
            value,
            span: content_span(n),
            env_fallback: is_env_fallback(n, src, imports),
        });
    });
    out
}

/// Callees that read the environment (resolved through imports).
const ENV_READS: &[&str] = &[
    "os.getenv",
    "os.getenvb",
    "os.environ.get",
    "os.environ.setdefault",
    "os.environ.pop",
    "decouple.config",
];

/// Whether `call` reads an environment variable: `os.getenv(…)`, `os.environ.get(…)`,
/// python-decouple `config(…)`, django-environ / environs `env(…)`, `env.str(…)`.
pub fn is_env_read_call(call: Node<'_>, src: &str, imports: &Imports) -> bool {
    let Some(f) = call.child_by_field_name("function") else {
        return false;
    };
    let raw = text(f, src);
    let resolved = imports.resolve(raw);
    if ENV_READS.contains(&resolved.as_str()) {
        return true;
    }
    let first = raw.split('.').next().unwrap_or("");
    first.eq_ignore_ascii_case("env")
        && raw
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
}

/// Text that reads the environment, for `os.environ.get("X") or "…"` and conditionals.
fn reads_env_text(t: &str) -> bool {
    t.contains("environ") || t.contains("getenv") || t.starts_with("env(") || t.starts_with("env.")
}

/// Whether the literal `node` is only the fallback default of an environment read.
pub fn is_env_fallback(node: Node<'_>, src: &str, imports: &Imports) -> bool {
    let mut cur = node;
    for _ in 0..8 {
        let Some(p) = cur.parent() else { break };
        match p.kind() {
            "keyword_argument" | "parenthesized_expression" | "list" | "tuple" => {}
            "argument_list" => {
                let Some(call) = p.parent() else { break };
                if !is_env_read_call(call, src, imports) {
                    break;
                }
                // The first positional argument is the variable's name, not a default.
                let mut c = p.walk();
                let first = p
                    .named_children(&mut c)
                    .find(|a| a.kind() != "keyword_argument" && a.kind() != "comment");
                return first.is_none_or(|f| f.id() != cur.id());
            }
            "boolean_operator" => {
                let left = p.child_by_field_name("left");
                let is_or = p
                    .child_by_field_name("operator")
                    .is_some_and(|o| text(o, src) == "or");
                if is_or && left.is_some_and(|l| l.id() != cur.id() && reads_env_text(text(l, src)))
                {
                    return true;
                }
                break;
            }
            "conditional_expression" => {
                if reads_env_text(text(p, src)) {
                    return true;
                }
                break;
            }
            _ => break,
        }
        cur = p;
    }
    in_settings_class(node, src)
}

/// A default inside a pydantic `BaseSettings` class: the field is read from the
/// environment and the literal is only its fallback.
fn in_settings_class(node: Node<'_>, src: &str) -> bool {
    let mut cur = node.parent();
    let mut steps = 0;
    while let Some(n) = cur {
        steps += 1;
        if steps > 64 {
            return false;
        }
        match n.kind() {
            "function_definition" | "lambda" => return false,
            "class_definition" => {
                return n
                    .child_by_field_name("superclasses")
                    .is_some_and(|s| text(s, src).contains("BaseSettings"));
            }
            _ => {}
        }
        cur = n.parent();
    }
    false
}

/// If `node` reads an environment-name variable, that variable's name: `os.environ["APP_ENV"]`,
/// `os.getenv("ENV", "dev").lower()`, `settings.ENVIRONMENT`, `app.config["ENV"]`, `env`.
pub fn environment_variable(node: Node<'_>, src: &str, imports: &Imports) -> Option<String> {
    let mut n = node;
    for _ in 0..8 {
        match n.kind() {
            "parenthesized_expression" => n = n.named_child(0)?,
            "call" => {
                let f = n.child_by_field_name("function")?;
                let args = n.child_by_field_name("arguments")?;
                // `x.lower()`, `str(x)`: look through.
                if f.kind() == "attribute" {
                    let method = f.child_by_field_name("attribute").map(|a| text(a, src));
                    if matches!(
                        method,
                        Some("lower" | "upper" | "strip" | "casefold" | "lstrip" | "rstrip")
                    ) {
                        n = f.child_by_field_name("object")?;
                        continue;
                    }
                }
                if text(f, src) == "str" {
                    n = args.named_child(0)?;
                    continue;
                }
                if is_env_read_call(n, src, imports) || text(f, src).ends_with(".get") {
                    let first = args.named_child(0)?;
                    let name = treesitter::string_value(first, src)?;
                    return super::names::is_environment_variable(&name).then_some(name);
                }
                return None;
            }
            "subscript" => {
                let key = n.child_by_field_name("subscript")?;
                let name = treesitter::string_value(key, src)?;
                return super::names::is_environment_variable(&name).then_some(name);
            }
            "attribute" => {
                let name = text(n.child_by_field_name("attribute")?, src).to_owned();
                return super::names::is_environment_variable(&name).then_some(name);
            }
            "identifier" => {
                let name = text(n, src).to_owned();
                return super::names::is_environment_variable(&name).then_some(name);
            }
            _ => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::treesitter::{Lang, parse};

    type Pairs = Vec<(String, String)>;
    type Flags = Vec<(String, bool)>;

    fn run(src: &str) -> (Pairs, Flags) {
        let tree = parse(Lang::Python, src).unwrap();
        let imports = Imports::collect(&tree, src);
        let b = bindings(&crate::lang::web::preorder(tree.root_node()), src, &imports)
            .into_iter()
            .map(|b| {
                assert_eq!(&src[b.span.start..b.span.end], b.value);
                (b.name, b.value)
            })
            .collect();
        let l = literals(&crate::lang::web::preorder(tree.root_node()), src, &imports)
            .into_iter()
            .map(|l| (l.value, l.env_fallback))
            .collect();
        (b, l)
    }

    #[test]
    fn python_bindings() {
        let src = r#"
x: str = "a"
self.password = "b"
app.config["SECRET_KEY"] = "c"
f(password="d")
d = {"token": "e"}
def g(pw="f", *, tok: str = "g"): pass
class C:
    api_key = 'h'
user.set_password("i")
vault.get_secret("j")
y = os.environ.get("Y", "fallback")
z = f"{x}"
"#;
        let (b, _) = run(src);
        let names: Vec<&str> = b.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "x",
                "password",
                "SECRET_KEY",
                "password",
                "token",
                "pw",
                "tok",
                "api_key",
                "set_password"
            ]
        );
    }

    #[test]
    fn env_fallbacks() {
        let src = r#"
import os
from os import getenv, environ
from decouple import config
a = os.getenv("A", "one")
b = os.environ.get("B", default="two")
c = getenv("C", "three")
d = environ.get("D") or "four"
e = config("E", default="five")
f = env.str("F", "six")
g = os.environ["G"] if "G" in os.environ else "seven"
h = "eight"
class Settings(BaseSettings):
    url: str = "nine"
"""docstring"""
"#;
        let (_, l) = run(src);
        let fallbacks: Vec<&str> = l
            .iter()
            .filter(|(_, f)| *f)
            .map(|(v, _)| v.as_str())
            .collect();
        assert_eq!(
            fallbacks,
            [
                "one", "two", "three", "four", "five", "six", "seven", "nine"
            ]
        );
        assert!(l.iter().any(|(v, f)| v == "eight" && !f));
        assert!(l.iter().any(|(v, f)| v == "A" && !f));
        assert!(!l.iter().any(|(v, _)| v == "docstring"));
    }

    #[test]
    fn environment_variables() {
        let src = r#"
os.environ["APP_ENV"]
os.getenv("ENV", "dev").lower()
settings.ENVIRONMENT
app.config["ENV"]
env
os.environ.get("DEBUG")
user.name
"#;
        let tree = parse(Lang::Python, src).unwrap();
        let imports = Imports::collect(&tree, src);
        let mut got = Vec::new();
        let root = tree.root_node();
        let mut c = root.walk();
        for stmt in root.named_children(&mut c) {
            let expr = stmt.named_child(0).unwrap();
            got.push(environment_variable(expr, src, &imports));
        }
        assert_eq!(
            got,
            [
                Some("APP_ENV".to_owned()),
                Some("ENV".to_owned()),
                Some("ENVIRONMENT".to_owned()),
                Some("ENV".to_owned()),
                Some("env".to_owned()),
                None,
                None
            ]
        );
    }
}
