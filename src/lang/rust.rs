//! Rust: `use` declarations and path resolution, so `rolling::daily` is known to be
//! `tracing_appender::rolling::daily` after `use tracing_appender::rolling;`.

use std::collections::HashMap;
use syn::visit::Visit;

#[derive(Debug, Default)]
pub struct Uses {
    names: HashMap<String, String>,
}

impl Uses {
    pub fn collect(file: &syn::File) -> Uses {
        let mut v = UseCollector::default();
        v.visit_file(file);
        Uses { names: v.names }
    }

    /// Resolves a path's segments to a `::`-joined path through the `use` map.
    pub fn resolve(&self, path: &syn::Path) -> String {
        let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.resolve_segments(&segs)
    }

    pub fn resolve_segments(&self, segs: &[String]) -> String {
        let Some(first) = segs.first() else {
            return String::new();
        };
        let head = match first.as_str() {
            "crate" | "self" | "super" => return segs.join("::"),
            f => self.names.get(f).cloned().unwrap_or_else(|| f.to_owned()),
        };
        std::iter::once(head)
            .chain(segs[1..].iter().cloned())
            .collect::<Vec<_>>()
            .join("::")
    }

    /// Whether the crate `name` is imported or named anywhere in `use` declarations.
    pub fn uses_crate(&self, name: &str) -> bool {
        self.names
            .values()
            .any(|p| p == name || p.starts_with(&format!("{name}::")))
    }
}

#[derive(Default)]
struct UseCollector {
    names: HashMap<String, String>,
}

impl<'ast> Visit<'ast> for UseCollector {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let mut prefix = Vec::new();
        walk_tree(&item.tree, &mut prefix, &mut self.names);
    }
}

fn walk_tree(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut HashMap<String, String>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            walk_tree(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let name = n.ident.to_string();
            if name == "self" {
                if let Some(last) = prefix.last() {
                    out.insert(last.clone(), prefix.join("::"));
                }
            } else {
                let full = prefix
                    .iter()
                    .cloned()
                    .chain([name.clone()])
                    .collect::<Vec<_>>()
                    .join("::");
                out.insert(name, full);
            }
        }
        syn::UseTree::Rename(r) => {
            let full = prefix
                .iter()
                .cloned()
                .chain([r.ident.to_string()])
                .collect::<Vec<_>>()
                .join("::");
            out.insert(r.rename.to_string(), full);
        }
        syn::UseTree::Glob(_) => {}
        syn::UseTree::Group(g) => {
            for t in &g.items {
                walk_tree(t, prefix, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_uses() {
        let file: syn::File = syn::parse_str(
            "use tracing_appender::{rolling, non_blocking as nb};\nuse log4rs::append::file::FileAppender;\nfn f() {}",
        )
        .unwrap();
        let u = Uses::collect(&file);
        let p: syn::Path = syn::parse_str("rolling::daily").unwrap();
        assert_eq!(u.resolve(&p), "tracing_appender::rolling::daily");
        let p: syn::Path = syn::parse_str("FileAppender::builder").unwrap();
        assert_eq!(u.resolve(&p), "log4rs::append::file::FileAppender::builder");
        let p: syn::Path = syn::parse_str("nb").unwrap();
        assert_eq!(u.resolve(&p), "tracing_appender::non_blocking");
    }
}
