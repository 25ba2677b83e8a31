//! Python: imports and calls with qualified callee names.

use super::DottedNames;
use super::web::preorder;
use crate::parse::treesitter;
use tree_sitter::{Node, Tree};

/// Local name → fully qualified dotted name.
#[derive(Debug, Default)]
pub struct Imports {
    names: DottedNames,
}

impl Imports {
    pub fn collect(tree: &Tree, src: &str) -> Imports {
        Self::from_nodes(&preorder(tree.root_node()), src)
    }

    /// The imports among `nodes` (a whole tree in pre-order): `import a.b` binds `a`,
    /// `import a.b as c` binds `c`, `from a import b as c` binds `c` to `a.b`. Relative and
    /// wildcard imports bind nothing known.
    pub fn from_nodes(nodes: &[Node<'_>], src: &str) -> Imports {
        let mut names = DottedNames::default();
        let text = |n: Node<'_>| treesitter::text(n, src);
        let dotted = |n: &Node<'_>| n.kind() == "dotted_name";
        for &n in nodes {
            let from = match n.kind() {
                "import_statement" => None,
                "import_from_statement" => {
                    match n.child_by_field_name("module_name").filter(dotted) {
                        Some(m) => Some(text(m)),
                        None => continue,
                    }
                }
                _ => continue,
            };
            let mut cursor = n.walk();
            for name in n.children_by_field_name("name", &mut cursor) {
                let (module, alias) = match name.kind() {
                    "dotted_name" => (name, None),
                    "aliased_import" => match (
                        name.child_by_field_name("name").filter(dotted),
                        name.child_by_field_name("alias")
                            .filter(|a| a.kind() == "identifier"),
                    ) {
                        (Some(m), Some(a)) => (m, Some(text(a))),
                        _ => continue,
                    },
                    _ => continue,
                };
                let module = text(module);
                match (from, alias) {
                    (None, Some(alias)) => names.insert(alias, module.to_owned()),
                    (None, None) => {
                        let first = module.split('.').next().unwrap_or(module);
                        names.insert(first, first.to_owned());
                    }
                    (Some(from), alias) => {
                        names.insert(alias.unwrap_or(module), format!("{from}.{module}"));
                    }
                }
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
    calls_in(&preorder(tree.root_node()), src, imports)
}

/// [`calls`] among `nodes` (a whole tree in pre-order), in source order.
pub fn calls_in<'t>(nodes: &[Node<'t>], src: &str, imports: &Imports) -> Vec<(String, Call<'t>)> {
    let mut out = Vec::new();
    for &node in nodes {
        if node.kind() != "call" {
            continue;
        }
        let (Some(callee), Some(args)) = (
            node.child_by_field_name("function"),
            node.child_by_field_name("arguments"),
        ) else {
            continue;
        };
        if !matches!(callee.kind(), "identifier" | "attribute") || args.kind() != "argument_list" {
            continue;
        }
        let text = treesitter::text(callee, src);
        if !is_dotted_name(text) {
            continue;
        }
        out.push((imports.resolve(text), Call { node, callee, args }));
    }
    out
}

fn is_dotted_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::treesitter::Lang;

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
