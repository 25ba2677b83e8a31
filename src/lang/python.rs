//! Python: imports and calls with qualified callee names.

use super::DottedNames;
use crate::parse::treesitter::{self, Lang, LazyQuery};
use tree_sitter::{Node, Tree};

static IMPORTS: LazyQuery = LazyQuery::new(
    r#"
(import_statement name: (dotted_name) @module)
(import_statement name: (aliased_import name: (dotted_name) @module alias: (identifier) @alias))
(import_from_statement module_name: (dotted_name) @from name: (dotted_name) @name)
(import_from_statement module_name: (dotted_name) @from name: (aliased_import name: (dotted_name) @name alias: (identifier) @alias))
"#,
);

static CALLS: LazyQuery = LazyQuery::new(
    r#"(call function: [(identifier) (attribute)] @callee arguments: (argument_list) @args) @call"#,
);

/// Local name → fully qualified dotted name.
#[derive(Debug, Default)]
pub struct Imports {
    names: DottedNames,
}

impl Imports {
    pub fn collect(tree: &Tree, src: &str) -> Imports {
        let mut names = DottedNames::default();
        IMPORTS.for_each(Lang::Python, tree, src, |q, m| {
            let get = |n: &str| treesitter::capture(q, m, n).map(|n| treesitter::text(n, src));
            match (get("module"), get("from"), get("name"), get("alias")) {
                (Some(module), _, _, Some(alias)) => {
                    names.insert(alias, module.to_owned());
                }
                (Some(module), _, _, None) => {
                    // `import logging.handlers` binds `logging`.
                    let first = module.split('.').next().unwrap_or(module);
                    names.insert(first, first.to_owned());
                }
                (None, Some(from), Some(name), alias) => {
                    let local = alias.unwrap_or(name);
                    names.insert(local, format!("{from}.{name}"));
                }
                _ => {}
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

/// A call with its callee resolved through the imports.
#[derive(Debug, Clone, Copy)]
pub struct Call<'t> {
    pub node: Node<'t>,
    pub callee: Node<'t>,
    pub args: Node<'t>,
}

impl<'t> Call<'t> {
    /// Positional arguments (not `name=value`, `*a`, `**kw`).
    pub fn positional(&self) -> Vec<Node<'t>> {
        let mut cursor = self.args.walk();
        self.args
            .named_children(&mut cursor)
            .filter(|n| {
                !matches!(
                    n.kind(),
                    "keyword_argument" | "list_splat" | "dictionary_splat" | "comment"
                )
            })
            .collect()
    }

    /// The value node of keyword argument `name=`.
    pub fn keyword(&self, name: &str, src: &str) -> Option<(Node<'t>, Node<'t>)> {
        let mut cursor = self.args.walk();
        self.args
            .named_children(&mut cursor)
            .filter(|n| n.kind() == "keyword_argument")
            .find_map(|kw| {
                let key = kw.child_by_field_name("name")?;
                let value = kw.child_by_field_name("value")?;
                (treesitter::text(key, src) == name).then_some((kw, value))
            })
    }
}

/// Every call whose callee is a plain (dotted) name, with that name resolved.
pub fn calls<'t>(tree: &'t Tree, src: &str, imports: &Imports) -> Vec<(String, Call<'t>)> {
    let mut out = Vec::new();
    CALLS.for_each(Lang::Python, tree, src, |q, m| {
        let (Some(callee), Some(args), Some(call)) = (
            treesitter::capture(q, m, "callee"),
            treesitter::capture(q, m, "args"),
            treesitter::capture(q, m, "call"),
        ) else {
            return;
        };
        let text = treesitter::text(callee, src);
        if !is_dotted_name(text) {
            return;
        }
        out.push((
            imports.resolve(text),
            Call {
                node: call,
                callee,
                args,
            },
        ));
    });
    out
}

fn is_dotted_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'))
}

pub fn queries() -> Vec<&'static LazyQuery> {
    vec![&IMPORTS, &CALLS]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_imports() {
        let src = "import logging.handlers\nimport numpy as np\nfrom logging import handlers as h, FileHandler\nh.RotatingFileHandler('x')\nFileHandler('y')\nnp.zeros(3)\n";
        let tree = treesitter::parse(Lang::Python, src).unwrap();
        let imports = Imports::collect(&tree, src);
        let names: Vec<String> = calls(&tree, src, &imports)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(
            names,
            [
                "logging.handlers.RotatingFileHandler",
                "logging.FileHandler",
                "numpy.zeros"
            ]
        );
    }
}
