//! tree-sitter plumbing shared by the Python and JavaScript/TypeScript rules: one parser
//! per thread and language, queries compiled once, and small node helpers.

use std::cell::RefCell;
use std::sync::OnceLock;
use tree_sitter::{
    Language, Node, Parser, Query, QueryCursor, QueryMatch, StreamingIterator, Tree,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Python,
    JavaScript,
    TypeScript,
    Tsx,
}

impl Lang {
    const ALL: [Lang; 4] = [Lang::Python, Lang::JavaScript, Lang::TypeScript, Lang::Tsx];

    fn index(self) -> usize {
        self as usize
    }

    pub fn language(self) -> Language {
        match self {
            Lang::Python => Language::new(tree_sitter_python::LANGUAGE),
            Lang::JavaScript => Language::new(tree_sitter_javascript::LANGUAGE),
            Lang::TypeScript => Language::new(tree_sitter_typescript::LANGUAGE_TYPESCRIPT),
            Lang::Tsx => Language::new(tree_sitter_typescript::LANGUAGE_TSX),
        }
    }

    pub fn is_js_family(self) -> bool {
        self != Lang::Python
    }
}

thread_local! {
    static PARSERS: RefCell<[Option<Parser>; 4]> = const { RefCell::new([None, None, None, None]) };
}

/// Parses with this thread's parser for `lang`. `None` only if the grammar cannot load.
pub fn parse(lang: Lang, text: &str) -> Option<Tree> {
    PARSERS.with(|cell| {
        let mut parsers = cell.borrow_mut();
        let slot = &mut parsers[lang.index()];
        if slot.is_none() {
            let mut p = Parser::new();
            p.set_language(&lang.language()).ok()?;
            *slot = Some(p);
        }
        slot.as_mut()?.parse(text, None)
    })
}

/// A query compiled on first use, once per language it is used with. JavaScript queries
/// are written once and compiled for the JavaScript, TypeScript and TSX grammars.
pub struct LazyQuery {
    source: &'static str,
    compiled: [OnceLock<Option<Query>>; 4],
}

impl LazyQuery {
    pub const fn new(source: &'static str) -> LazyQuery {
        LazyQuery {
            source,
            compiled: [
                OnceLock::new(),
                OnceLock::new(),
                OnceLock::new(),
                OnceLock::new(),
            ],
        }
    }

    /// The compiled query; `None` if it does not compile (caught by `compile_all` in tests).
    pub fn get(&self, lang: Lang) -> Option<&Query> {
        self.compiled[lang.index()]
            .get_or_init(|| Query::new(&lang.language(), self.source).ok())
            .as_ref()
    }

    pub fn compile(&self, lang: Lang) -> Result<Query, String> {
        Query::new(&lang.language(), self.source).map_err(|e| format!("{e}"))
    }

    pub fn source(&self) -> &'static str {
        self.source
    }

    /// Runs `f` on every match of this query in `tree`.
    pub fn for_each<'t>(
        &self,
        lang: Lang,
        tree: &'t Tree,
        text: &str,
        mut f: impl FnMut(&Query, &QueryMatch<'_, 't>),
    ) {
        let Some(query) = self.get(lang) else { return };
        let mut cursor = QueryCursor::new();
        let mut matches = cursor.matches(query, tree.root_node(), text.as_bytes());
        while let Some(m) = matches.next() {
            f(query, m);
        }
    }
}

/// The languages a query is compiled for, for the meta test.
pub fn all_langs(js_family: bool) -> Vec<Lang> {
    Lang::ALL
        .into_iter()
        .filter(|l| l.is_js_family() == js_family)
        .collect()
}

/// The capture named `name` in a match.
pub fn capture<'t>(query: &Query, m: &QueryMatch<'_, 't>, name: &str) -> Option<Node<'t>> {
    let idx = query.capture_index_for_name(name)?;
    m.captures().iter().find(|c| c.index == idx).map(|c| c.node)
}

/// The named children of `node`, comments left out.
pub fn named_children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .collect()
}

pub fn text<'s>(node: Node<'_>, src: &'s str) -> &'s str {
    src.get(node.byte_range()).unwrap_or("")
}

pub fn span(node: Node<'_>) -> crate::finding::Span {
    crate::finding::Span::new(node.start_byte(), node.end_byte())
}

/// The value of a string literal node (Python `string`, JS `string` / `template_string`
/// without substitutions), or `None` for anything dynamic.
pub fn string_value(node: Node<'_>, src: &str) -> Option<String> {
    match node.kind() {
        "string" => {
            // Python strings carry a prefix (f, b, r, …); f-strings with interpolation
            // are dynamic.
            let mut out = String::new();
            let mut cursor = node.walk();
            let mut saw_content = false;
            for child in node.children(&mut cursor) {
                match child.kind() {
                    "string_content" | "string_fragment" => {
                        out.push_str(text(child, src));
                        saw_content = true;
                    }
                    "escape_sequence" => {
                        out.push_str(&unescape(text(child, src)));
                        saw_content = true;
                    }
                    "interpolation" => return None,
                    _ => {}
                }
            }
            if !saw_content {
                let raw = text(node, src);
                let raw = raw.trim_start_matches(|c: char| c.is_ascii_alphabetic());
                if raw.len() >= 2 {
                    // Empty literal such as "" or ''.
                    let q = raw.chars().next()?;
                    if raw.ends_with(q) {
                        return Some(String::new());
                    }
                }
            }
            Some(out)
        }
        "template_string" => {
            let mut cursor = node.walk();
            if node
                .children(&mut cursor)
                .any(|c| c.kind() == "template_substitution")
            {
                return None;
            }
            let raw = text(node, src);
            Some(raw.trim_matches('`').to_owned())
        }
        "concatenated_string" => {
            let mut out = String::new();
            let mut cursor = node.walk();
            for child in node.named_children(&mut cursor) {
                out.push_str(&string_value(child, src)?);
            }
            Some(out)
        }
        _ => None,
    }
}

fn unescape(esc: &str) -> String {
    match esc {
        "\\n" => "\n".into(),
        "\\t" => "\t".into(),
        "\\\\" => "\\".into(),
        "\\'" => "'".into(),
        "\\\"" => "\"".into(),
        other => other.trim_start_matches('\\').to_owned(),
    }
}

/// True when `node` is a literal string (or string-like template without substitutions).
pub fn is_string(node: Node<'_>) -> bool {
    matches!(
        node.kind(),
        "string" | "template_string" | "concatenated_string"
    )
}
