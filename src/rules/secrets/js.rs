//! JavaScript/TypeScript: name/value bindings, string literals (with env-fallback
//! detection) and reads of environment-name variables, from the tree-sitter tree.

use super::{Binding, Literal};
use crate::finding::Span;
use crate::parse::treesitter::{self, text};
use tree_sitter::Node;

/// The text inside a string or template literal's quotes.
pub fn content_span(node: Node<'_>) -> Span {
    let (s, e) = (node.start_byte(), node.end_byte());
    if e >= s + 2 && matches!(node.kind(), "string" | "template_string") {
        Span::new(s + 1, e - 1)
    } else {
        Span::new(s, e)
    }
}

/// A property or member name: `apiKey`, `"auth-token"`, `#secret`.
fn key_name(node: Node<'_>, src: &str) -> Option<String> {
    match node.kind() {
        "property_identifier"
        | "identifier"
        | "shorthand_property_identifier_pattern"
        | "private_property_identifier" => Some(text(node, src).trim_start_matches('#').to_owned()),
        "string" => treesitter::string_value(node, src),
        "member_expression" => node
            .child_by_field_name("property")
            .map(|p| text(p, src).trim_start_matches('#').to_owned()),
        "subscript_expression" => node
            .child_by_field_name("index")
            .and_then(|i| treesitter::string_value(i, src)),
        _ => None,
    }
}

fn is_literal(node: Node<'_>) -> bool {
    matches!(node.kind(), "string" | "template_string")
}

/// Every name bound to a string literal: `const`/`let`/`var`, assignments (to members and
/// subscripts too), object properties, class fields, parameter defaults, JSX attributes,
/// and setter calls (`.setPassword("…")`). Env-read fallbacks are left out.
pub fn bindings(nodes: &[Node<'_>], src: &str) -> Vec<Binding> {
    let mut out = Vec::new();
    nodes.iter().for_each(|&n| {
        let (name, value) = match n.kind() {
            "variable_declarator" => (
                n.child_by_field_name("name"),
                n.child_by_field_name("value"),
            ),
            "assignment_expression" | "assignment_pattern" => (
                n.child_by_field_name("left"),
                n.child_by_field_name("right"),
            ),
            "pair" => (n.child_by_field_name("key"), n.child_by_field_name("value")),
            "field_definition" => (
                n.child_by_field_name("property"),
                n.child_by_field_name("value"),
            ),
            "public_field_definition" => (
                n.child_by_field_name("name"),
                n.child_by_field_name("value"),
            ),
            "required_parameter" | "optional_parameter" => (
                n.child_by_field_name("pattern"),
                n.child_by_field_name("value"),
            ),
            "jsx_attribute" => (n.named_child(0), n.named_child(1)),
            "call_expression" => {
                let f = n.child_by_field_name("function");
                let prop = f
                    .filter(|f| f.kind() == "member_expression")
                    .and_then(|f| f.child_by_field_name("property"));
                let args = n.child_by_field_name("arguments");
                let only_arg = args
                    .filter(|a| a.named_child_count() == 1)
                    .and_then(|a| a.named_child(0));
                match (prop, only_arg) {
                    (Some(p), Some(a)) if is_setter(text(p, src)) => (Some(p), Some(a)),
                    _ => return,
                }
            }
            _ => return,
        };
        let (Some(name), Some(value)) = (name, value) else {
            return;
        };
        if !is_literal(value) {
            return;
        }
        let (Some(name), Some(v)) = (key_name(name, src), treesitter::string_value(value, src))
        else {
            return;
        };
        if is_env_fallback(value, src) {
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

/// `setPassword`, `withApiKey`, `password`: a method whose argument is the credential.
fn is_setter(method: &str) -> bool {
    super::names::is_credential_setter(method)
}

/// Every string literal with a fixed value, except module specifiers and property keys.
pub fn literals(nodes: &[Node<'_>], src: &str) -> Vec<Literal> {
    let mut out = Vec::new();
    nodes.iter().for_each(|&n| {
        if !is_literal(n) {
            return;
        }
        let Some(parent) = n.parent() else { return };
        match parent.kind() {
            "import_statement" | "export_statement" | "import_require_clause" => return,
            "pair"
                if parent
                    .child_by_field_name("key")
                    .is_some_and(|k| k.id() == n.id()) =>
            {
                return;
            }
            "arguments" => {
                let callee = parent
                    .parent()
                    .and_then(|c| c.child_by_field_name("function"))
                    .map(|f| text(f, src));
                if matches!(callee, Some("require" | "import")) {
                    return;
                }
            }
            _ => {}
        }
        let Some(value) = treesitter::string_value(n, src) else {
            return;
        };
        out.push(Literal {
            value,
            span: content_span(n),
            env_fallback: is_env_fallback(n, src),
        });
    });
    out
}

/// Text that reads the environment: `process.env`, `import.meta.env`, `Deno.env`, `Bun.env`.
pub fn reads_env_text(t: &str) -> bool {
    t.contains("process.env")
        || t.contains("import.meta.env")
        || t.contains("Deno.env")
        || t.contains("Bun.env")
}

/// Whether a literal is only the fallback of an env read: `process.env.X || "…"`,
/// `process.env.X ?? "…"`, `process.env.X ? process.env.X : "…"`,
/// `const { X = "…" } = process.env`.
pub fn is_env_fallback(node: Node<'_>, src: &str) -> bool {
    let mut cur = node;
    for _ in 0..8 {
        let Some(p) = cur.parent() else { return false };
        match p.kind() {
            "parenthesized_expression" | "as_expression" | "satisfies_expression" => {}
            "binary_expression" => {
                let op = p.child_by_field_name("operator").map(|o| text(o, src));
                let left = p.child_by_field_name("left");
                return matches!(op, Some("||" | "??"))
                    && left.is_some_and(|l| l.id() != cur.id() && reads_env_text(text(l, src)));
            }
            "ternary_expression" => {
                return p
                    .child_by_field_name("condition")
                    .is_some_and(|c| reads_env_text(text(c, src)));
            }
            "object_assignment_pattern" | "assignment_pattern" => {
                // `const { X = "…" } = process.env`
                let mut up = p.parent();
                for _ in 0..4 {
                    let Some(u) = up else { return false };
                    if u.kind() == "variable_declarator" {
                        return u
                            .child_by_field_name("value")
                            .is_some_and(|v| reads_env_text(text(v, src)));
                    }
                    up = u.parent();
                }
                return false;
            }
            _ => return false,
        }
        cur = p;
    }
    false
}

/// If `node` reads an environment-name variable, its name: `process.env.NODE_ENV`,
/// `process.env["APP_ENV"]`, `import.meta.env.MODE`, `config.environment`, `env`,
/// `process.env.NODE_ENV?.toLowerCase()`.
pub fn environment_variable(node: Node<'_>, src: &str) -> Option<String> {
    let mut n = node;
    for _ in 0..8 {
        match n.kind() {
            "parenthesized_expression" | "non_null_expression" | "as_expression" => {
                n = n.named_child(0)?
            }
            "call_expression" => {
                let f = n.child_by_field_name("function")?;
                let args = n.child_by_field_name("arguments")?;
                if f.kind() == "member_expression" {
                    let method = f.child_by_field_name("property").map(|p| text(p, src));
                    if matches!(
                        method,
                        Some("toLowerCase" | "toUpperCase" | "trim" | "toString")
                    ) {
                        n = f.child_by_field_name("object")?;
                        continue;
                    }
                    // `Deno.env.get("APP_ENV")`, `config.get("env")`
                    if method == Some("get") {
                        let name = treesitter::string_value(args.named_child(0)?, src)?;
                        return super::names::is_environment_variable(&name).then_some(name);
                    }
                }
                return None;
            }
            "member_expression" => {
                let prop = text(n.child_by_field_name("property")?, src);
                let object = n.child_by_field_name("object").map(|o| text(o, src));
                if prop == "MODE" && object == Some("import.meta.env") {
                    return Some("MODE".to_owned());
                }
                return super::names::is_environment_variable(prop).then(|| prop.to_owned());
            }
            "subscript_expression" => {
                let name = treesitter::string_value(n.child_by_field_name("index")?, src)?;
                return super::names::is_environment_variable(&name).then_some(name);
            }
            "identifier" => {
                let name = text(n, src);
                return super::names::is_environment_variable(name).then(|| name.to_owned());
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

    #[test]
    fn js_bindings() {
        let src = r#"
const password = "a", b = 'x';
obj.apiKey = "b";
cfg["token"] = "c";
const o = { secret: "d", "auth-token": `e`, [k]: "z" };
class A { token = "g"; #secret = "x2"; }
function f(password = "h") {}
const { API_KEY = "fallback" } = process.env;
const t = process.env.TOKEN || "fallback2";
client.setPassword("i");
client.getSecret("j");
const el = <Foo apiKey="k" />;
"#;
        for lang in [Lang::Tsx, Lang::JavaScript] {
            let src = if lang == Lang::JavaScript {
                src.replace("const el = <Foo apiKey=\"k\" />;", "")
            } else {
                src.to_owned()
            };
            let tree = parse(lang, &src).unwrap();
            let got: Vec<(String, String)> =
                bindings(&crate::lang::web::preorder(tree.root_node()), &src)
                    .into_iter()
                    .map(|b| {
                        assert_eq!(&src[b.span.start..b.span.end], b.value);
                        (b.name, b.value)
                    })
                    .collect();
            let mut want = vec![
                ("password", "a"),
                ("b", "x"),
                ("apiKey", "b"),
                ("token", "c"),
                ("secret", "d"),
                ("auth-token", "e"),
                ("token", "g"),
                ("secret", "x2"),
                ("password", "h"),
                ("setPassword", "i"),
            ];
            if lang == Lang::Tsx {
                want.push(("apiKey", "k"));
            }
            let want: Vec<(String, String)> = want
                .into_iter()
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
                .collect();
            assert_eq!(got, want, "{lang:?}");
        }
        let ts = "class A { private readonly apiKey: string = \"f\"; }\nfunction g(token: string = \"t\") {}";
        let tree = parse(Lang::TypeScript, ts).unwrap();
        let names: Vec<String> = bindings(&crate::lang::web::preorder(tree.root_node()), ts)
            .into_iter()
            .map(|b| b.name)
            .collect();
        assert_eq!(names, ["apiKey", "token"]);
    }

    #[test]
    fn js_env_fallbacks_and_literals() {
        let src = r#"
import pg from "pg";
const a = process.env.A || "one";
const b = process.env.B ?? "two";
const c = process.env.C ? process.env.C : "three";
const { D = "four" } = process.env;
const e = "five";
const x = require("x");
"#;
        let tree = parse(Lang::JavaScript, src).unwrap();
        let l = literals(&crate::lang::web::preorder(tree.root_node()), src);
        let got: Vec<(&str, bool)> = l
            .iter()
            .map(|l| (l.value.as_str(), l.env_fallback))
            .collect();
        assert_eq!(
            got,
            [
                ("one", true),
                ("two", true),
                ("three", true),
                ("four", true),
                ("five", false)
            ]
        );
    }
}
