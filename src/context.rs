//! What a rule sees of one file (`Cx`: the text plus parses made on first use and shared by
//! every rule) and where it writes what it found (`Report`).

use crate::classify::FileKind;
use crate::config::Config;
use crate::finding::{Severity, Span};
use crate::lang::commands::{self, Snippet};
use crate::lang::{js, python, web};
use crate::parse::dockerfile::{self, Dockerfile};
use crate::parse::json;
use crate::parse::nearby::Place;
use crate::parse::rust;
use crate::parse::toml_doc;
use crate::parse::treesitter::{self, Lang};
use crate::parse::yaml::{self, Yaml};
use crate::source::SourceFile;
use std::cell::{OnceCell, RefCell};
use std::path::Path;

/// The tree-sitter tree of a file, owned outside [`Cx`] so that the nodes, imports and
/// calls `Cx` derives from it (computed once, shared by every rule) can borrow it; and
/// the views of the file's code that gates read ([`Cx::code`], [`Cx::production_code`]),
/// which gates find by address (so they must outlive the gates'
/// [`crate::lang::gate::checking`] guard).
#[derive(Default)]
pub struct TreeSlot(
    OnceCell<Option<tree_sitter::Tree>>,
    OnceCell<Option<String>>,
    OnceCell<Option<String>>,
);

pub struct Cx<'a> {
    pub file: &'a SourceFile,
    /// The file on disk, for looking at its neighbours (lockfiles, `.dockerignore`, scripts).
    pub abs_path: &'a Path,
    /// The scan root: lookups never go above it.
    pub root: &'a Path,
    pub config: &'a Config,
    tree: &'a TreeSlot,
    nodes: OnceCell<Vec<tree_sitter::Node<'a>>>,
    py_imports: OnceCell<python::Imports>,
    js_imports: OnceCell<js::Imports>,
    py_calls: OnceCell<Vec<(String, python::Call<'a>)>>,
    js_calls: OnceCell<Vec<(String, js::Call<'a>)>>,
    bindings: OnceCell<web::Bindings<'a>>,
    js_listens: OnceCell<Vec<web::Listen<'a>>>,
    rust: OnceCell<Option<syn::File>>,
    docker: OnceCell<Dockerfile>,
    toml: OnceCell<json::Node>,
    json: OnceCell<Option<json::Node>>,
    yaml: OnceCell<Yaml>,
    scripts: OnceCell<Vec<Snippet>>,
    started_by: OnceCell<Option<crate::lang::entrypoint::StartedBy>>,
    parse_errors: RefCell<Vec<(Span, String)>>,
}

impl<'a> Cx<'a> {
    pub fn new(
        file: &'a SourceFile,
        abs_path: &'a Path,
        root: &'a Path,
        config: &'a Config,
        tree: &'a TreeSlot,
    ) -> Self {
        Cx {
            file,
            abs_path,
            root,
            config,
            tree,
            nodes: OnceCell::new(),
            py_imports: OnceCell::new(),
            js_imports: OnceCell::new(),
            py_calls: OnceCell::new(),
            js_calls: OnceCell::new(),
            bindings: OnceCell::new(),
            js_listens: OnceCell::new(),
            rust: OnceCell::new(),
            docker: OnceCell::new(),
            toml: OnceCell::new(),
            json: OnceCell::new(),
            yaml: OnceCell::new(),
            scripts: OnceCell::new(),
            started_by: OnceCell::new(),
            parse_errors: RefCell::new(Vec::new()),
        }
    }

    pub fn text(&self) -> &'a str {
        &self.file.text
    }

    /// The Dockerfile that starts this shell script, if any
    /// ([`crate::lang::entrypoint::started_by`]), looked up once per file.
    pub fn started_by(&self) -> Option<&crate::lang::entrypoint::StartedBy> {
        self.started_by
            .get_or_init(|| crate::lang::entrypoint::started_by(self))
            .as_ref()
    }

    /// What gates read: for Rust, the text with its comments blanked (doc comments are
    /// full of example code that is not the file's code), otherwise the text itself.
    /// Same length and line breaks as [`Cx::text`].
    pub fn code(&self) -> &'a str {
        if self.file.kind != FileKind::Rust {
            return self.text();
        }
        self.tree
            .1
            .get_or_init(|| {
                let code = crate::lang::rust_views::without_comments(self.text())?;
                crate::lang::gate::checking_view(&code);
                Some(code)
            })
            .as_deref()
            .unwrap_or(self.text())
    }

    /// What gates of rules that skip test code read: for Rust, [`Cx::code`] with its
    /// test functions and `#[cfg(test)]` modules blanked as well, which those rules'
    /// visitors never enter; otherwise [`Cx::code`].
    pub fn production_code(&self) -> &'a str {
        let code = self.code();
        if self.file.kind != FileKind::Rust {
            return code;
        }
        // Test items are found in code without comments: if the comments could not be
        // blanked, nothing else is.
        let text = self.text();
        if std::ptr::eq(code, text) && (text.contains("//") || text.contains("/*")) {
            return code;
        }
        self.tree
            .2
            .get_or_init(|| {
                let view = crate::lang::rust_views::without_test_items(code)?;
                crate::lang::gate::checking_view(&view);
                Some(view)
            })
            .as_deref()
            .unwrap_or(code)
    }

    pub fn kind(&self) -> FileKind {
        self.file.kind
    }

    /// The tree-sitter language of a Python/JavaScript/TypeScript file.
    pub fn lang(&self) -> Option<Lang> {
        match self.file.kind {
            FileKind::Python => Some(Lang::Python),
            FileKind::JavaScript => Some(Lang::JavaScript),
            FileKind::TypeScript => Some(Lang::TypeScript),
            FileKind::Tsx => Some(Lang::Tsx),
            _ => None,
        }
    }

    /// The tree-sitter tree of a Python/JS/TS file. Syntax errors are recorded as a
    /// `parse-error` note, and the tree (which tree-sitter recovers) is still returned.
    /// Minified bundles get none ([`js::is_minified`]): only text checks read them.
    pub fn tree(&self) -> Option<&'a tree_sitter::Tree> {
        self.tree
            .0
            .get_or_init(|| {
                let lang = self.lang()?;
                if lang.is_js_family() && js::is_minified(self.text()) {
                    return None;
                }
                let tree = treesitter::parse(lang, self.text())?;
                let root = tree.root_node();
                if root.has_error() {
                    let (span, msg) = first_error(root);
                    self.parse_error(span, msg);
                }
                Some(tree)
            })
            .as_ref()
    }

    /// Every node of the tree-sitter tree (anonymous ones included) in pre-order, built
    /// once per file: rules filter this list instead of each walking the tree again.
    pub fn nodes(&self) -> &[tree_sitter::Node<'a>] {
        self.nodes.get_or_init(|| {
            self.tree()
                .map(|t| crate::lang::web::preorder(t.root_node()))
                .unwrap_or_default()
        })
    }

    /// Python imports (local name → qualified name), collected once per file.
    pub fn py_imports(&self) -> &python::Imports {
        self.py_imports.get_or_init(|| match self.tree() {
            Some(_) if self.lang() == Some(Lang::Python) => {
                python::Imports::from_nodes(self.nodes(), self.text())
            }
            _ => python::Imports::default(),
        })
    }

    /// JavaScript/TypeScript imports and requires, collected once per file.
    pub fn js_imports(&self) -> &js::Imports {
        self.js_imports
            .get_or_init(|| match (self.tree(), self.lang()) {
                (Some(_), Some(lang)) if lang.is_js_family() => {
                    js::Imports::from_nodes(self.nodes(), self.text())
                }
                _ => js::Imports::default(),
            })
    }

    /// Python calls with their callee resolved through the imports, found once per file.
    pub fn py_calls(&self) -> &[(String, python::Call<'a>)] {
        self.py_calls.get_or_init(|| match self.tree() {
            Some(_) if self.lang() == Some(Lang::Python) => {
                python::calls_in(self.nodes(), self.text(), self.py_imports())
            }
            _ => Vec::new(),
        })
    }

    /// JavaScript/TypeScript calls and `new` expressions, resolved, found once per file.
    pub fn js_calls(&self) -> &[(String, js::Call<'a>)] {
        self.js_calls
            .get_or_init(|| match (self.tree(), self.lang()) {
                (Some(_), Some(lang)) if lang.is_js_family() => {
                    js::calls_in(self.nodes(), self.text(), self.js_imports())
                }
                _ => Vec::new(),
            })
    }

    /// What each local name is bound to in a Python or JS/TS file (assignments,
    /// declarations, parameters), built once and shared by the rules that follow values.
    pub fn bindings(&self) -> &web::Bindings<'a> {
        self.bindings.get_or_init(|| match self.lang() {
            Some(Lang::Python) => web::Bindings::python(self.nodes(), self.text()),
            Some(_) => web::Bindings::js(self.nodes(), self.text()),
            None => web::Bindings::default(),
        })
    }

    /// The server `.listen(…)` calls of a JS/TS file (see [`web::js_listens`]).
    pub fn js_listens(&self) -> &[web::Listen<'a>] {
        self.js_listens.get_or_init(|| match self.lang() {
            Some(lang) if lang.is_js_family() => web::js_listens(
                self.nodes(),
                self.text(),
                self.js_imports(),
                self.bindings(),
            ),
            _ => Vec::new(),
        })
    }

    /// The syn tree of a Rust file; `None` (with a `parse-error`) if it does not parse.
    pub fn rust(&self) -> Option<&syn::File> {
        self.rust
            .get_or_init(|| match rust::parse(self.text()) {
                Ok(file) => Some(file),
                Err(e) => {
                    let span = e.offset.map_or(Span::new(0, 0), |o| Span::new(o, o));
                    self.parse_error(span, format!("Rust: {}", e.message));
                    None
                }
            })
            .as_ref()
    }

    /// Byte span of a syn/proc-macro2 span in this file.
    pub fn syn_span(&self, span: proc_macro2::Span) -> Span {
        rust::byte_span(self.file, span)
    }

    pub fn dockerfile(&self) -> &Dockerfile {
        self.docker.get_or_init(|| {
            let df = dockerfile::parse(self.text());
            for (span, msg) in &df.errors {
                self.parse_error(*span, format!("Dockerfile: {msg}"));
            }
            df
        })
    }

    /// The TOML document (`Cargo.toml`, `pyproject.toml`, `Pipfile`, …) as a spanned tree
    /// (the same node type as JSON); on a broken file, what parsed (the errors become a
    /// `parse-error`).
    pub fn toml(&self) -> &json::Node {
        self.toml.get_or_init(|| {
            let doc = toml_doc::parse(self.text());
            for (span, msg) in doc.errors {
                self.parse_error(span, msg);
            }
            doc.root
        })
    }

    /// The JSON document (`package.json`, `composer.json`, …) with spans; on invalid
    /// JSON, what parsed before the error (which becomes a `parse-error`).
    pub fn json(&self) -> Option<&json::Node> {
        self.json
            .get_or_init(|| {
                let doc = json::parse(self.text());
                if let Some((span, msg)) = doc.error {
                    self.parse_error(span, msg);
                }
                doc.root
            })
            .as_ref()
    }

    /// Where this file sits under the scan root, for looking at its neighbours.
    pub fn place(&self) -> Place {
        Place::of(self.root, self.abs_path, &self.file.rel_path)
    }

    /// The YAML documents of a YAML file (workflows, Compose, Kubernetes, …), with spans
    /// and anchors resolved. Syntax errors become a `parse-error` note; what parsed is kept.
    pub fn yaml(&self) -> &Yaml {
        self.yaml.get_or_init(|| {
            let y = yaml::parse(self.text());
            for (span, msg) in &y.errors {
                self.parse_error(*span, format!("YAML: {msg}"));
            }
            y
        })
    }

    /// Every shell script this file runs (Dockerfile `RUN`/`CMD`/`ENTRYPOINT`, shell
    /// scripts, Procfile lines, workflow `run:`, Compose `command:`/`entrypoint:`), parsed
    /// once with spans in this file. See [`crate::lang::commands`].
    pub fn scripts(&self) -> &[Snippet] {
        self.scripts.get_or_init(|| commands::extract(self))
    }

    /// Records that part of the file could not be parsed; reported once as `parse-error`.
    pub fn parse_error(&self, span: Span, message: impl Into<String>) {
        self.parse_errors.borrow_mut().push((span, message.into()));
    }

    pub(crate) fn take_parse_errors(&self) -> Vec<(Span, String)> {
        std::mem::take(&mut self.parse_errors.borrow_mut())
    }

    /// Whether a file exists at `rel` from this file's directory, for neighbour lookups.
    pub fn sibling_exists(&self, name: &str) -> bool {
        self.abs_path
            .parent()
            .is_some_and(|dir| dir.join(name).is_file())
    }
}

fn first_error(root: tree_sitter::Node<'_>) -> (Span, String) {
    let mut cursor = root.walk();
    // Iterative pre-order walk: trees can be deep.
    loop {
        let node = cursor.node();
        if node.is_error() || node.is_missing() {
            let pos = node.start_position();
            let what = if node.is_missing() {
                format!("missing `{}`", node.kind())
            } else {
                "unexpected syntax".to_owned()
            };
            return (
                Span::new(node.start_byte(), node.start_byte()),
                format!("{what} at line {}", pos.row + 1),
            );
        }
        if node.has_error() && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return (Span::new(0, 0), "syntax error".to_owned());
            }
        }
    }
}

/// One finding as a rule reports it: byte span and message; the engine adds positions,
/// severity from config, the snippet and the fingerprint.
#[derive(Debug, Clone)]
pub struct RawFinding {
    pub rule: &'static str,
    pub span: Span,
    pub message: String,
    pub fix: Option<String>,
    pub severity: Option<Severity>,
    /// Byte ranges whose text must never be shown (secret values).
    pub redact: Vec<Span>,
    /// Only reported if some file in the scan records this repository fact.
    pub requires_fact: Option<&'static str>,
}

impl RawFinding {
    pub fn fix(&mut self, fix: impl Into<String>) -> &mut Self {
        self.fix = Some(fix.into());
        self
    }

    /// Overrides the rule's default severity for this finding (e.g. `latest` vs a tag).
    pub fn severity(&mut self, severity: Severity) -> &mut Self {
        self.severity = Some(severity);
        self
    }

    pub fn redact(&mut self, span: Span) -> &mut Self {
        self.redact.push(span);
        self
    }

    /// Keep this finding only if a file in the same scan records `fact`.
    pub fn only_if(&mut self, fact: &'static str) -> &mut Self {
        self.requires_fact = Some(fact);
        self
    }
}

/// Where a rule writes findings (and repository facts for cross-file rules).
#[derive(Default)]
pub struct Report {
    pub(crate) rule: &'static str,
    pub(crate) findings: Vec<RawFinding>,
    pub(crate) facts: Vec<&'static str>,
    /// Inventory counters (see [`crate::inventory`]), summed by the engine per scan.
    pub(crate) counts: Vec<(&'static str, u64)>,
}

impl Report {
    pub fn new(rule: &'static str) -> Report {
        Report {
            rule,
            ..Report::default()
        }
    }

    pub fn add(&mut self, span: Span, message: impl Into<String>) -> &mut RawFinding {
        self.findings.push(RawFinding {
            rule: self.rule,
            span,
            message: message.into(),
            fix: None,
            severity: None,
            redact: Vec::new(),
            requires_fact: None,
        });
        self.findings.last_mut().expect("just pushed")
    }

    /// Records a fact about the repository that conditional findings elsewhere may need.
    pub fn fact(&mut self, fact: &'static str) {
        if !self.facts.contains(&fact) {
            self.facts.push(fact);
        }
    }

    /// Adds one to an inventory counter, e.g. [`crate::inventory::IMAGES_TOTAL`] for every
    /// image reference judged: the denominators of fleet coverage figures.
    pub fn count(&mut self, metric: &'static str) {
        self.count_n(metric, 1);
    }

    pub fn count_n(&mut self, metric: &'static str, n: u64) {
        match self.counts.iter_mut().find(|(m, _)| *m == metric) {
            Some((_, c)) => *c += n,
            None => self.counts.push((metric, n)),
        }
    }

    pub fn findings(&self) -> &[RawFinding] {
        &self.findings
    }
}
