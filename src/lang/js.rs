//! JavaScript/TypeScript: ES imports and CommonJS requires, and calls / `new` expressions
//! with their callee resolved to `module.path.name`.

use super::DottedNames;
use crate::parse::treesitter::{self, Lang, LazyQuery};
use tree_sitter::{Node, Tree};

static IMPORTS: LazyQuery = LazyQuery::new(
    r#"
(import_statement (import_clause (identifier) @default) source: (string (string_fragment) @source))
(import_statement (import_clause (namespace_import (identifier) @default)) source: (string (string_fragment) @source))
(import_statement (import_clause (named_imports (import_specifier name: (_) @name alias: (identifier)? @alias))) source: (string (string_fragment) @source))
(variable_declarator
  name: (identifier) @default
  value: (call_expression function: (identifier) @req arguments: (arguments . (string (string_fragment) @source)))
  (#eq? @req "require"))
(variable_declarator
  name: (identifier) @default
  value: (member_expression
    object: (call_expression function: (identifier) @req arguments: (arguments . (string (string_fragment) @source)))
    property: (property_identifier) @member)
  (#eq? @req "require"))
(variable_declarator
  name: (object_pattern (shorthand_property_identifier_pattern) @name)
  value: (call_expression function: (identifier) @req arguments: (arguments . (string (string_fragment) @source)))
  (#eq? @req "require"))
(variable_declarator
  name: (object_pattern (pair_pattern key: (property_identifier) @name value: (identifier) @alias))
  value: (call_expression function: (identifier) @req arguments: (arguments . (string (string_fragment) @source)))
  (#eq? @req "require"))
"#,
);

static CALLS: LazyQuery = LazyQuery::new(
    r#"
(call_expression function: [(identifier) (member_expression)] @callee arguments: (arguments) @args) @call
(new_expression constructor: [(identifier) (member_expression)] @callee arguments: (arguments) @args) @call
"#,
);

#[derive(Debug, Default)]
pub struct Imports {
    names: DottedNames,
}

impl Imports {
    pub fn collect(lang: Lang, tree: &Tree, src: &str) -> Imports {
        let mut names = DottedNames::default();
        IMPORTS.for_each(lang, tree, src, |q, m| {
            let get = |n: &str| treesitter::capture(q, m, n).map(|n| treesitter::text(n, src));
            let Some(source) = get("source") else { return };
            if let Some(local) = get("default") {
                let target = match get("member") {
                    Some(member) => format!("{source}.{member}"),
                    None => source.to_owned(),
                };
                names.insert(local, target);
            } else if let Some(name) = get("name") {
                let local = get("alias").unwrap_or(name);
                names.insert(local, format!("{source}.{name}"));
            }
        });
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
    lang: Lang,
    tree: &'t Tree,
    src: &str,
    imports: &Imports,
) -> Vec<(String, Call<'t>)> {
    let mut out = Vec::new();
    CALLS.for_each(lang, tree, src, |q, m| {
        let (Some(callee), Some(args), Some(call)) = (
            treesitter::capture(q, m, "callee"),
            treesitter::capture(q, m, "args"),
            treesitter::capture(q, m, "call"),
        ) else {
            return;
        };
        let text = treesitter::text(callee, src);
        if !is_member_chain(text) {
            return;
        }
        out.push((
            imports.resolve(text),
            Call {
                node: call,
                callee,
                args,
                is_new: call.kind() == "new_expression",
            },
        ));
    });
    out
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

pub fn queries() -> Vec<&'static LazyQuery> {
    vec![&IMPORTS, &CALLS]
}

#[cfg(test)]
mod tests {
    use super::*;

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
