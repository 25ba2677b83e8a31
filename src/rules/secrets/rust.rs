//! Rust (syn): name/value bindings, string literals (with env-fallback detection) and
//! reads of environment-name variables.

use super::{Binding, Literal};
use crate::finding::Span;
use crate::lang::rust::Uses;
use crate::parse::rust::byte_span;
use crate::source::SourceFile;
use proc_macro2::{TokenStream, TokenTree};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Expr, Lit, Pat};

/// The text inside a string literal's quotes (`"…"`, `r#"…"#`).
pub fn content_span(file: &SourceFile, span: proc_macro2::Span) -> Span {
    let s = byte_span(file, span);
    let t = file.text.get(s.start..s.end).unwrap_or("");
    match (t.find('"'), t.rfind('"')) {
        (Some(a), Some(b)) if b > a => Span::new(s.start + a + 1, s.start + b),
        _ => s,
    }
}

/// The string literal an expression evaluates to: `"…"`, `&"…"`, `"…".to_string()`,
/// `"…".into()`, `String::from("…")`, `SecretString::new("…".into())`, `Some("…")`.
pub fn literal_of(expr: &Expr) -> Option<&syn::LitStr> {
    let mut e = expr;
    for _ in 0..8 {
        match e {
            Expr::Lit(l) => {
                return match &l.lit {
                    Lit::Str(s) => Some(s),
                    _ => None,
                };
            }
            Expr::Reference(r) => e = &r.expr,
            Expr::Paren(p) => e = &p.expr,
            Expr::Group(g) => e = &g.expr,
            Expr::MethodCall(m)
                if m.args.is_empty()
                    && matches!(
                        m.method.to_string().as_str(),
                        "to_string" | "to_owned" | "into" | "into_string" | "to_vec"
                    ) =>
            {
                e = &m.receiver
            }
            Expr::Call(c) if c.args.len() == 1 => {
                let Expr::Path(p) = &*c.func else { return None };
                let segs: Vec<String> = p
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                let last = segs.last().map(String::as_str).unwrap_or("");
                let ty = segs
                    .len()
                    .checked_sub(2)
                    .and_then(|i| segs.get(i))
                    .map(String::as_str);
                let wraps = matches!(last, "Some" | "Ok")
                    || (matches!(last, "from" | "new")
                        && matches!(
                            ty,
                            Some(
                                "String"
                                    | "Secret"
                                    | "SecretString"
                                    | "SecretBox"
                                    | "Cow"
                                    | "Box"
                                    | "Arc"
                                    | "Rc"
                            )
                        ));
                if !wraps {
                    return None;
                }
                e = c.args.first()?;
            }
            _ => return None,
        }
    }
    None
}

/// Whether a call path reads the environment: `std::env::var`, `env::var_os`, `dotenvy::var`.
pub fn is_env_read_path(resolved: &str) -> bool {
    let p = resolved.strip_prefix("::").unwrap_or(resolved);
    p.ends_with("env::var") || p.ends_with("env::var_os") || p == "dotenvy::var"
}

/// Whether `expr` (a receiver chain) contains an environment read.
fn chain_reads_env(expr: &Expr, uses: &Uses) -> bool {
    let mut e = expr;
    for _ in 0..16 {
        match e {
            Expr::MethodCall(m) => e = &m.receiver,
            Expr::Try(t) => e = &t.expr,
            Expr::Paren(p) => e = &p.expr,
            Expr::Reference(r) => e = &r.expr,
            Expr::Call(c) => {
                return matches!(&*c.func, Expr::Path(p) if is_env_read_path(&uses.resolve(&p.path)));
            }
            Expr::Macro(m) => {
                let name = m.mac.path.segments.last().map(|s| s.ident.to_string());
                return matches!(name.as_deref(), Some("option_env" | "env"));
            }
            _ => return false,
        }
    }
    false
}

const FALLBACK_METHODS: &[&str] = &[
    "unwrap_or",
    "unwrap_or_else",
    "or",
    "or_else",
    "map_or",
    "map_or_else",
];

/// Bindings and literals of a Rust file.
pub struct Scan {
    pub bindings: Vec<Binding>,
    pub literals: Vec<Literal>,
}

pub fn scan(file: &SourceFile, ast: &syn::File, uses: &Uses) -> Scan {
    let mut v = Collector {
        file,
        uses,
        fallback_depth: 0,
        out: Scan {
            bindings: Vec::new(),
            literals: Vec::new(),
        },
    };
    v.visit_file(ast);
    v.out
}

struct Collector<'a> {
    file: &'a SourceFile,
    uses: &'a Uses,
    fallback_depth: usize,
    out: Scan,
}

impl Collector<'_> {
    fn bind(&mut self, name: String, expr: &Expr) {
        if self.fallback_depth > 0 {
            return;
        }
        if let Some(lit) = literal_of(expr) {
            self.out.bindings.push(Binding {
                name,
                value: lit.value(),
                span: content_span(self.file, lit.span()),
            });
        }
    }

    fn literal(&mut self, lit: &syn::LitStr) {
        self.out.literals.push(Literal {
            value: lit.value(),
            span: content_span(self.file, lit.span()),
            env_fallback: self.fallback_depth > 0,
        });
    }

    /// String literals inside a macro's tokens (`vec!["…"]`, `format!("…")`).
    fn macro_literals(&mut self, tokens: &TokenStream) {
        let mut stack: Vec<TokenStream> = vec![tokens.clone()];
        let mut budget = 10_000;
        while let Some(ts) = stack.pop() {
            for tt in ts {
                budget -= 1;
                if budget == 0 {
                    return;
                }
                match tt {
                    TokenTree::Group(g) => stack.push(g.stream()),
                    TokenTree::Literal(l) => {
                        if let Ok(lit) = syn::parse2::<syn::LitStr>(TokenTree::Literal(l).into()) {
                            self.literal(&lit);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

fn pat_name(pat: &Pat) -> Option<String> {
    match pat {
        Pat::Ident(i) => Some(i.ident.to_string()),
        Pat::Type(t) => pat_name(&t.pat),
        _ => None,
    }
}

fn target_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        Expr::Field(f) => match &f.member {
            syn::Member::Named(i) => Some(i.to_string()),
            syn::Member::Unnamed(_) => None,
        },
        _ => None,
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    // Doc comments and attributes are not code.
    fn visit_attribute(&mut self, _: &'ast syn::Attribute) {}

    fn visit_item_const(&mut self, i: &'ast syn::ItemConst) {
        self.bind(i.ident.to_string(), &i.expr);
        syn::visit::visit_item_const(self, i);
    }

    fn visit_item_static(&mut self, i: &'ast syn::ItemStatic) {
        self.bind(i.ident.to_string(), &i.expr);
        syn::visit::visit_item_static(self, i);
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let (Some(name), Some(init)) = (pat_name(&l.pat), &l.init) {
            self.bind(name, &init.expr);
        }
        syn::visit::visit_local(self, l);
    }

    fn visit_field_value(&mut self, f: &'ast syn::FieldValue) {
        if let syn::Member::Named(i) = &f.member {
            self.bind(i.to_string(), &f.expr);
        }
        syn::visit::visit_field_value(self, f);
    }

    fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
        if let Some(name) = target_name(&a.left) {
            self.bind(name, &a.right);
        }
        syn::visit::visit_expr_assign(self, a);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let method = m.method.to_string();
        // Builder setters: `.password("…")`, `.api_key("…")`, `.set_token("…")`.
        if m.args.len() == 1 && super::names::is_credential_setter(&method) {
            if let Some(arg) = m.args.first() {
                self.bind(method.clone(), arg);
            }
        }
        let fallback =
            FALLBACK_METHODS.contains(&method.as_str()) && chain_reads_env(&m.receiver, self.uses);
        self.visit_expr(&m.receiver);
        if fallback {
            self.fallback_depth += 1;
        }
        for arg in &m.args {
            self.visit_expr(arg);
        }
        if fallback {
            self.fallback_depth -= 1;
        }
    }

    fn visit_lit_str(&mut self, lit: &'ast syn::LitStr) {
        self.literal(lit);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let name = mac.path.segments.last().map(|s| s.ident.to_string());
        if !matches!(
            name.as_deref(),
            Some("env" | "option_env" | "include_str" | "include_bytes" | "doc")
        ) {
            self.macro_literals(&mac.tokens);
        }
    }
}

/// If `expr` reads an environment-name variable, its name: `env::var("APP_ENV")` (through
/// `.unwrap()`, `.as_deref()`, `.unwrap_or_default()`, `.to_lowercase()`, …), a variable
/// or field named like one (`app_env`, `config.environment`).
pub fn environment_variable(expr: &Expr, uses: &Uses) -> Option<String> {
    let mut e = expr;
    for _ in 0..16 {
        match e {
            Expr::MethodCall(m) => e = &m.receiver,
            Expr::Try(t) => e = &t.expr,
            Expr::Paren(p) => e = &p.expr,
            Expr::Reference(r) => e = &r.expr,
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => e = &u.expr,
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else { return None };
                if !is_env_read_path(&uses.resolve(&p.path)) {
                    return None;
                }
                let name = literal_of(c.args.first()?)?.value();
                return super::names::is_environment_variable(&name).then_some(name);
            }
            Expr::Path(p) if p.path.segments.len() == 1 => {
                let name = p.path.segments[0].ident.to_string();
                return super::names::is_environment_variable(&name).then_some(name);
            }
            Expr::Field(f) => {
                let syn::Member::Named(i) = &f.member else {
                    return None;
                };
                let name = i.to_string();
                return super::names::is_environment_variable(&name).then_some(name);
            }
            _ => return None,
        }
    }
    None
}

/// The string literals a pattern matches: `"prod"`, `Ok("prod")`, `Some("a") | Some("b")`.
pub fn pattern_literals(pat: &Pat) -> Vec<&syn::LitStr> {
    let mut out = Vec::new();
    let mut stack = vec![pat];
    while let Some(p) = stack.pop() {
        if out.len() > 64 {
            break;
        }
        match p {
            Pat::Lit(l) => {
                if let Lit::Str(s) = &l.lit {
                    out.push(s);
                }
            }
            Pat::Or(o) => stack.extend(o.cases.iter().rev()),
            Pat::TupleStruct(t) => stack.extend(t.elems.iter().rev()),
            Pat::Paren(p) => stack.push(&p.pat),
            Pat::Reference(r) => stack.push(&r.pat),
            _ => {}
        }
    }
    out
}

/// The string literals an expression compares against: `"prod"`, `Ok("prod")`, `Some("prod")`.
pub fn compared_literal(expr: &Expr) -> Option<&syn::LitStr> {
    literal_of(expr)
}

/// A `Span` for any syn node.
pub fn span_of(file: &SourceFile, node: &impl Spanned) -> Span {
    byte_span(file, node.span())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::FileKind;

    type Pairs = Vec<(String, String)>;
    type Flags = Vec<(String, bool)>;

    fn scan_src(src: &str) -> (Pairs, Flags) {
        let file = SourceFile::from_bytes("x.rs".into(), FileKind::Rust, src.as_bytes());
        let ast = crate::parse::rust::parse(src).unwrap();
        let uses = Uses::collect(&ast);
        let s = scan(&file, &ast, &uses);
        let b = s
            .bindings
            .into_iter()
            .map(|b| {
                assert_eq!(&src[b.span.start..b.span.end], b.value);
                (b.name, b.value)
            })
            .collect();
        let l = s
            .literals
            .into_iter()
            .map(|l| (l.value, l.env_fallback))
            .collect();
        (b, l)
    }

    #[test]
    fn rust_bindings() {
        let src = r##"
const API_KEY: &str = "a";
static TOKEN: &str = r#"b"#;
fn main() {
    let password = "c".to_string();
    let cfg = Config { secret: String::from("d"), other: 1 };
    self.token = "e".into();
    let opts = PgConnectOptions::new().password("f");
    let x = std::env::var("X").unwrap_or("fallback".into());
    let y = env::var("Y").unwrap_or_else(|_| "fallback2".to_string());
    let v = vec!["in-macro"];
}
"##;
        let (b, l) = scan_src(src);
        let names: Vec<(&str, &str)> = b.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        assert_eq!(
            names,
            [
                ("API_KEY", "a"),
                ("TOKEN", "b"),
                ("password", "c"),
                ("secret", "d"),
                ("token", "e"),
                ("password", "f")
            ]
        );
        assert!(l.contains(&("fallback".to_owned(), true)));
        assert!(l.contains(&("fallback2".to_owned(), true)));
        assert!(l.contains(&("X".to_owned(), false)));
        assert!(l.contains(&("in-macro".to_owned(), false)));
    }
}
