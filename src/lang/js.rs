//! JavaScript/TypeScript: ES imports and CommonJS requires, and calls / `new` expressions
//! with their callee resolved to `module.path.name`.

use super::DottedNames;
use super::web::preorder;
use crate::parse::treesitter::{self, Lang, named_children};
use tree_sitter::{Node, Tree};

#[derive(Debug, Default)]
pub struct Imports {
    names: DottedNames,
}

impl Imports {
    pub fn collect(_lang: Lang, tree: &Tree, src: &str) -> Imports {
        Self::from_nodes(&preorder(tree.root_node()), src)
    }

    /// The imports among `nodes` (a whole tree in pre-order): `import d from "m"`,
    /// `import * as d from "m"`, `import { n as a } from "m"`, `const d = require("m")`,
    /// `const d = require("m").member`, `const { n, n2: a } = require("m")`.
    pub fn from_nodes(nodes: &[Node<'_>], src: &str) -> Imports {
        let mut names = DottedNames::default();
        let text = |n: Node<'_>| treesitter::text(n, src);
        for &n in nodes {
            match n.kind() {
                "import_statement" => {
                    let Some(source) = n
                        .child_by_field_name("source")
                        .and_then(|s| module_name(s, src))
                    else {
                        continue;
                    };
                    for clause in named_children(n)
                        .into_iter()
                        .filter(|c| c.kind() == "import_clause")
                    {
                        for part in named_children(clause) {
                            match part.kind() {
                                "identifier" => names.insert(text(part), source.clone()),
                                "namespace_import" => {
                                    if let Some(id) = named_children(part)
                                        .into_iter()
                                        .find(|c| c.kind() == "identifier")
                                    {
                                        names.insert(text(id), source.clone());
                                    }
                                }
                                "named_imports" => {
                                    for spec in named_children(part)
                                        .into_iter()
                                        .filter(|c| c.kind() == "import_specifier")
                                    {
                                        let Some(name) = spec.child_by_field_name("name") else {
                                            continue;
                                        };
                                        let local = spec
                                            .child_by_field_name("alias")
                                            .filter(|a| a.kind() == "identifier")
                                            .unwrap_or(name);
                                        names.insert(
                                            text(local),
                                            format!("{source}.{}", text(name)),
                                        );
                                    }
                                }
                                _ => {}
                            }
                        }
                    }
                }
                "variable_declarator" => {
                    let (Some(name), Some(value)) = (
                        n.child_by_field_name("name"),
                        n.child_by_field_name("value"),
                    ) else {
                        continue;
                    };
                    match (name.kind(), value.kind()) {
                        ("identifier", "call_expression") => {
                            if let Some(source) = required(value, src) {
                                names.insert(text(name), source);
                            }
                        }
                        ("identifier", "member_expression") => {
                            let (Some(object), Some(member)) = (
                                value.child_by_field_name("object"),
                                value
                                    .child_by_field_name("property")
                                    .filter(|p| p.kind() == "property_identifier"),
                            ) else {
                                continue;
                            };
                            if let Some(source) = required(object, src) {
                                names.insert(text(name), format!("{source}.{}", text(member)));
                            }
                        }
                        ("object_pattern", "call_expression") => {
                            let Some(source) = required(value, src) else {
                                continue;
                            };
                            for p in named_children(name) {
                                match p.kind() {
                                    "shorthand_property_identifier_pattern" => {
                                        names.insert(text(p), format!("{source}.{}", text(p)));
                                    }
                                    "pair_pattern" => {
                                        if let (Some(k), Some(v)) = (
                                            p.child_by_field_name("key")
                                                .filter(|k| k.kind() == "property_identifier"),
                                            p.child_by_field_name("value")
                                                .filter(|v| v.kind() == "identifier"),
                                        ) {
                                            names.insert(text(v), format!("{source}.{}", text(k)));
                                        }
                                    }
                                    _ => {}
                                }
                            }
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        Imports { names }
    }

    pub fn resolve(&self, dotted: &str) -> String {
        self.names.resolve(dotted)
    }

    pub fn uses_module(&self, module: &str) -> bool {
        self.names.uses_module(module)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Call<'t> {
    pub node: Node<'t>,
    pub callee: Node<'t>,
    pub args: Node<'t>,
    pub is_new: bool,
}

impl<'t> Call<'t> {
    pub fn arguments(&self) -> Vec<Node<'t>> {
        let mut cursor = self.args.walk();
        self.args
            .named_children(&mut cursor)
            .filter(|n| n.kind() != "comment")
            .collect()
    }
}

/// Every call and `new` whose callee is a plain member chain, resolved through imports.
pub fn calls<'t>(
    _lang: Lang,
    tree: &'t Tree,
    src: &str,
    imports: &Imports,
) -> Vec<(String, Call<'t>)> {
    calls_in(&preorder(tree.root_node()), src, imports)
}

/// [`calls`] among `nodes` (a whole tree in pre-order), in source order.
pub fn calls_in<'t>(nodes: &[Node<'t>], src: &str, imports: &Imports) -> Vec<(String, Call<'t>)> {
    let mut out = Vec::new();
    for &node in nodes {
        let callee_field = match node.kind() {
            "call_expression" => "function",
            "new_expression" => "constructor",
            _ => continue,
        };
        let (Some(callee), Some(args)) = (
            node.child_by_field_name(callee_field),
            node.child_by_field_name("arguments"),
        ) else {
            continue;
        };
        if !matches!(callee.kind(), "identifier" | "member_expression")
            || args.kind() != "arguments"
        {
            continue;
        }
        let text = treesitter::text(callee, src);
        if !is_member_chain(text) {
            continue;
        }
        out.push((
            imports.resolve(text),
            Call {
                node,
                callee,
                args,
                is_new: node.kind() == "new_expression",
            },
        ));
    }
    out
}

/// Whether a JavaScript/TypeScript file is a minified bundle (`jquery.min.js`, a vendored
/// `socket.io.js`): long lines, on average, over a file of some size. Bundles are other
/// projects' code flattened: dozen reads them for credential formats only and does not
/// build their syntax trees, which would cost more than the rest of a typical scan.
pub fn is_minified(text: &str) -> bool {
    const MIN_BYTES: usize = 4096;
    const MIN_AVERAGE_LINE: usize = 200;
    if text.len() < MIN_BYTES {
        return false;
    }
    let lines = memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1;
    text.len() / lines >= MIN_AVERAGE_LINE
}

/// The module of `require("m")`: the first argument, a string.
fn required(call: Node<'_>, src: &str) -> Option<String> {
    if call.kind() != "call_expression" {
        return None;
    }
    let f = call.child_by_field_name("function")?;
    if f.kind() != "identifier" || treesitter::text(f, src) != "require" {
        return None;
    }
    let first = call.child_by_field_name("arguments")?.named_child(0)?;
    module_name(first, src)
}

/// A module specifier: a string literal with some text.
fn module_name(string: Node<'_>, src: &str) -> Option<String> {
    if string.kind() != "string" {
        return None;
    }
    treesitter::string_value(string, src).filter(|s| !s.is_empty())
}

fn is_member_chain(text: &str) -> bool {
    !text.is_empty()
        && text.split('.').all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
        })
}

/// The value of property `key` in an object literal node.
pub fn property<'t>(object: Node<'t>, key: &str, src: &str) -> Option<(Node<'t>, Node<'t>)> {
    if object.kind() != "object" {
        return None;
    }
    let mut cursor = object.walk();
    object
        .named_children(&mut cursor)
        .filter(|n| n.kind() == "pair")
        .find_map(|pair| {
            let k = pair.child_by_field_name("key")?;
            let value = pair.child_by_field_name("value")?;
            let name = match k.kind() {
                "string" => treesitter::string_value(k, src)?,
                _ => treesitter::text(k, src).to_owned(),
            };
            (name == key).then_some((pair, value))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_minified_bundles() {
        let bundle = format!(
            "/*! lib v1 */\n{}",
            "a.b(c,function(){return d});".repeat(400)
        );
        assert!(is_minified(&bundle));
        let source = "const app = express();\napp.listen(3000);\n".repeat(200);
        assert!(!is_minified(&source));
        assert!(!is_minified("x();"));
    }

    #[test]
    fn resolves_imports_and_requires() {
        let src = r#"
import winston from "winston";
import { transports as t } from "winston";
const pino = require("pino");
const { createWriteStream } = require("fs");
const File = require("winston").transports.File;
new winston.transports.File({});
new t.File({});
pino.destination("x");
createWriteStream("a");
new File();
"#;
        for lang in [Lang::JavaScript, Lang::TypeScript, Lang::Tsx] {
            let tree = treesitter::parse(lang, src).unwrap();
            let imports = Imports::collect(lang, &tree, src);
            let names: Vec<String> = calls(lang, &tree, src, &imports)
                .into_iter()
                .map(|(n, _)| n)
                .collect();
            assert!(
                names.contains(&"winston.transports.File".to_owned()),
                "{lang:?} {names:?}"
            );
            assert!(names.contains(&"pino.destination".to_owned()));
            assert!(names.contains(&"fs.createWriteStream".to_owned()));
            assert_eq!(
                names
                    .iter()
                    .filter(|n| *n == "winston.transports.File")
                    .count(),
                2
            );
        }
    }
}
