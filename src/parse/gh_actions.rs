//! GitHub Actions structure on top of [`super::yaml`]: the steps and jobs of workflows
//! and composite actions, `uses:` references, strategy matrices, and the possible values
//! of `${{ … }}` expressions.

use super::yaml::{Node, Scalar};
use crate::finding::Span;

/// Jobs of a workflow document, in source order, with their ids.
pub fn jobs(doc: &Node) -> impl Iterator<Item = (&str, &Node)> {
    doc.get("jobs")
        .into_iter()
        .flat_map(Node::entries)
        .map(|(id, e)| (id, &e.value))
}

/// Steps of a workflow (`jobs.*.steps[]`, with the job each belongs to) or a composite
/// action (`runs.steps[]`, no job).
pub fn steps(doc: &Node) -> Vec<(Option<&Node>, &Node)> {
    let mut out = Vec::new();
    for (_, job) in jobs(doc) {
        out.extend(
            job.get("steps")
                .into_iter()
                .flat_map(Node::items)
                .map(|s| (Some(job), s)),
        );
    }
    if let Some(runs) = doc.get("runs") {
        out.extend(
            runs.get("steps")
                .into_iter()
                .flat_map(Node::items)
                .map(|s| (None, s)),
        );
    }
    out
}

/// What a `uses:` value refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Uses<'a> {
    /// `./path` in this repository (also zizmor's `$/path` self-repository form).
    Local,
    /// `docker://image`: the image reference and its byte offset in the value.
    Docker(&'a str, usize),
    /// `owner/repo[/path][@ref]`.
    Remote {
        /// `owner/repo` or `owner/repo/path`.
        target: &'a str,
        /// `owner/repo`.
        repo: &'a str,
        git_ref: Option<&'a str>,
    },
    /// Anything else: expressions, malformed values. Nothing to judge.
    Unknown,
}

/// Classifies a `uses:` value (surrounding white space ignored).
pub fn parse_uses(value: &str) -> Uses<'_> {
    let v = value.trim();
    let lead = value.len() - value.trim_start().len();
    if v.starts_with("./") || v.starts_with(".\\") || v.starts_with("$/") || v == "." {
        return Uses::Local;
    }
    if let Some(image) = v.strip_prefix("docker://") {
        return Uses::Docker(image, lead + "docker://".len());
    }
    if v.contains("${{") {
        return Uses::Unknown;
    }
    let (target, git_ref) = match v.split_once('@') {
        Some((t, r)) => (t, Some(r)),
        None => (v, None),
    };
    let mut parts = target.split('/');
    let (Some(owner), Some(name)) = (parts.next(), parts.next()) else {
        return Uses::Unknown;
    };
    let owner_ok = !owner.is_empty()
        && owner
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let name_ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !owner_ok || !name_ok || git_ref.is_some_and(|r| r.trim().is_empty()) {
        return Uses::Unknown;
    }
    Uses::Remote {
        target,
        repo: &target[..owner.len() + 1 + name.len()],
        git_ref,
    }
}

/// A full 40-hex-digit commit SHA.
pub fn is_full_sha(r: &str) -> bool {
    r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit())
}

/// An abbreviated commit SHA: 7 to 39 hex digits.
pub fn is_short_sha(r: &str) -> bool {
    (7..40).contains(&r.len()) && r.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Looks like a release tag: `v4`, `v4.2.2`, `1.0`, `v1.2.3-rc.1`, `2.0.0+build`.
pub fn is_version_like(r: &str) -> bool {
    let r = r.strip_prefix(['v', 'V']).unwrap_or(r);
    let (core, suffix) = match r.find(['-', '+']) {
        Some(i) => (&r[..i], Some(&r[i + 1..])),
        None => (r, None),
    };
    !core.is_empty()
        && core
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && suffix.is_none_or(|s| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+'))
        })
}

/// The span of `range` (byte offsets into `scalar.value`) in the file, when the value's
/// text appears verbatim in the source (plain and most quoted scalars, block scalars
/// after their indentation); otherwise the whole scalar token.
pub fn value_subspan(text: &str, scalar: &Scalar, range: std::ops::Range<usize>) -> Span {
    let vs = scalar.value_span;
    let src = text.get(vs.start..vs.end).unwrap_or("");
    let value = scalar.value.as_str();
    if src == value {
        return Span::new(vs.start + range.start, vs.start + range.end);
    }
    // Block scalars keep indentation and line breaks in the source: find the trimmed
    // value (the part rules care about) verbatim.
    let trimmed = value.trim();
    let lead = value.len() - value.trim_start().len();
    if !trimmed.is_empty() && range.start >= lead && range.end <= lead + trimmed.len() {
        if let Some(at) = src.find(trimmed) {
            let base = vs.start + at - lead;
            return Span::new(base + range.start, base + range.end);
        }
    }
    scalar.span
}

/// The span of the value with surrounding white space left out (see [`value_subspan`]).
pub fn trimmed_span(text: &str, scalar: &Scalar) -> Span {
    let v = scalar.value.as_str();
    let start = v.len() - v.trim_start().len();
    let end = start + v.trim().len();
    value_subspan(text, scalar, start..end)
}

// ---------------------------------------------------------------------------------
// `${{ … }}` expressions

/// Byte ranges of the `${{ … }}` expressions in `s`, each including its delimiters.
/// An unterminated one runs to the end.
pub fn expression_ranges(s: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(p) = s[from..].find("${{") {
        let start = from + p;
        let body = start + 3;
        // `}}` inside a string literal does not close the expression.
        let bytes = s.as_bytes();
        let mut i = body;
        let mut in_str = false;
        let mut end = s.len();
        while i < bytes.len() {
            match bytes[i] {
                b'\'' => in_str = !in_str,
                b'}' if !in_str && bytes.get(i + 1) == Some(&b'}') => {
                    end = i + 2;
                    break;
                }
                _ => {}
            }
            i += 1;
        }
        out.push(start..end);
        from = end;
    }
    out
}

/// What an expression may evaluate to, as far as can be known without running it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A string literal: its value and byte range (quotes included) in the expression.
    Literal(String, std::ops::Range<usize>),
    /// A context value: `matrix.image`, `inputs.x` (lower-cased dotted path).
    Context(String),
    /// Something else: a boolean, a number, a function's result.
    Opaque,
}

/// The possible values of an expression's body (the text between `${{` and `}}`):
/// `a || b` may be either; `c && d` is `d` when it matters; comparisons and negations
/// are booleans; functions are opaque.
pub fn outcomes(expr: &str) -> Vec<Outcome> {
    let tokens = tokenize(expr);
    let mut p = ExprParser {
        tokens: &tokens,
        pos: 0,
        depth: 0,
    };
    let out = p.or();
    if p.pos < tokens.len() {
        // Trailing garbage: the expression is not understood.
        return vec![Outcome::Opaque];
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Str(String, std::ops::Range<usize>),
    Ident(String),
    Num,
    Op(&'static str),
}

fn tokenize(s: &str) -> Vec<Tok> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'\'' {
            let start = i;
            let mut v = Vec::new();
            i += 1;
            loop {
                match b.get(i) {
                    None => break,
                    Some(b'\'') if b.get(i + 1) == Some(&b'\'') => {
                        v.push(b'\'');
                        i += 2;
                    }
                    Some(b'\'') => {
                        i += 1;
                        break;
                    }
                    Some(&x) => {
                        v.push(x);
                        i += 1;
                    }
                }
            }
            out.push(Tok::Str(String::from_utf8_lossy(&v).into_owned(), start..i));
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'-')) {
                i += 1;
            }
            out.push(Tok::Ident(s[start..i].to_ascii_lowercase()));
        } else if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                i += 1;
            }
            out.push(Tok::Num);
        } else {
            let two = s.get(i..i + 2).unwrap_or("");
            let op: &'static str = match two {
                "||" => "||",
                "&&" => "&&",
                "==" => "==",
                "!=" => "!=",
                "<=" => "<=",
                ">=" => ">=",
                _ => match c {
                    b'!' => "!",
                    b'<' => "<",
                    b'>' => ">",
                    b'(' => "(",
                    b')' => ")",
                    b'[' => "[",
                    b']' => "]",
                    b',' => ",",
                    b'.' => ".",
                    b'*' => "*",
                    _ => "?",
                },
            };
            i += op.len().max(1);
            // Skip the rest of a multi-byte character.
            while i < b.len() && !s.is_char_boundary(i) {
                i += 1;
            }
            out.push(Tok::Op(op));
        }
    }
    out
}

struct ExprParser<'t> {
    tokens: &'t [Tok],
    pos: usize,
    depth: usize,
}

/// Nesting beyond this is not followed (the outcome is opaque).
const MAX_EXPR_DEPTH: usize = 32;

impl ExprParser<'_> {
    fn peek_op(&self) -> Option<&'static str> {
        match self.tokens.get(self.pos) {
            Some(Tok::Op(o)) => Some(o),
            _ => None,
        }
    }

    fn eat(&mut self, op: &str) -> bool {
        if self.peek_op() == Some(op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Vec<Outcome> {
        let mut out = self.and();
        while self.eat("||") {
            out.extend(self.and());
        }
        out
    }

    fn and(&mut self) -> Vec<Outcome> {
        let mut out = self.cmp();
        while self.eat("&&") {
            // `a && b` is `b` when `a` holds; when it does not, `a`'s falsy value ('' or
            // null), which names no image.
            out = self.cmp();
        }
        out
    }

    fn cmp(&mut self) -> Vec<Outcome> {
        let mut out = self.unary();
        while matches!(self.peek_op(), Some("==" | "!=" | "<" | "<=" | ">" | ">=")) {
            self.pos += 1;
            self.unary();
            out = vec![Outcome::Opaque];
        }
        out
    }

    fn unary(&mut self) -> Vec<Outcome> {
        // A loop, not recursion: `!!!…x` must not grow the stack.
        let mut negated = false;
        while self.eat("!") {
            negated = true;
        }
        let out = self.primary();
        if negated { vec![Outcome::Opaque] } else { out }
    }

    fn primary(&mut self) -> Vec<Outcome> {
        if self.depth >= MAX_EXPR_DEPTH {
            self.pos = self.tokens.len();
            return vec![Outcome::Opaque];
        }
        self.depth += 1;
        let out = self.primary_inner();
        self.depth -= 1;
        out
    }

    fn primary_inner(&mut self) -> Vec<Outcome> {
        let Some(tok) = self.tokens.get(self.pos).cloned() else {
            return vec![Outcome::Opaque];
        };
        self.pos += 1;
        match tok {
            Tok::Str(v, r) => vec![Outcome::Literal(v, r)],
            Tok::Num => vec![Outcome::Opaque],
            Tok::Op("(") => {
                let out = self.or();
                if !self.eat(")") {
                    self.pos = self.tokens.len();
                    return vec![Outcome::Opaque];
                }
                out
            }
            Tok::Op(_) => {
                self.pos = self.tokens.len();
                vec![Outcome::Opaque]
            }
            Tok::Ident(name) => {
                if matches!(name.as_str(), "true" | "false" | "null") {
                    return vec![Outcome::Opaque];
                }
                if self.eat("(") {
                    // A function call: its arguments are parsed and its value is opaque.
                    if !self.eat(")") {
                        loop {
                            self.or();
                            if !self.eat(",") {
                                break;
                            }
                        }
                        if !self.eat(")") {
                            self.pos = self.tokens.len();
                        }
                    }
                    self.postfix(None);
                    return vec![Outcome::Opaque];
                }
                let mut path = Some(name);
                self.postfix(path.as_mut());
                match path {
                    Some(p) if !p.is_empty() => vec![Outcome::Context(p)],
                    _ => vec![Outcome::Opaque],
                }
            }
        }
    }

    /// `.name`, `.*`, `['name']`, `[expr]` after a value; extends `path` while it stays
    /// a plain property route, otherwise clears it.
    fn postfix(&mut self, mut path: Option<&mut String>) {
        let mut plain = true;
        loop {
            if self.eat(".") {
                match self.tokens.get(self.pos) {
                    Some(Tok::Ident(n)) => {
                        if let Some(p) = path.as_deref_mut() {
                            p.push('.');
                            p.push_str(n);
                        }
                        self.pos += 1;
                    }
                    Some(Tok::Op("*")) => {
                        plain = false;
                        self.pos += 1;
                    }
                    _ => {
                        plain = false;
                        break;
                    }
                }
            } else if self.eat("[") {
                match (self.tokens.get(self.pos), self.tokens.get(self.pos + 1)) {
                    (Some(Tok::Str(n, _)), Some(Tok::Op("]"))) => {
                        if let Some(p) = path.as_deref_mut() {
                            p.push('.');
                            p.push_str(&n.to_ascii_lowercase());
                        }
                        self.pos += 2;
                    }
                    _ => {
                        plain = false;
                        self.or();
                        if !self.eat("]") {
                            self.pos = self.tokens.len();
                            break;
                        }
                    }
                }
            } else {
                break;
            }
        }
        if !plain {
            if let Some(p) = path {
                p.clear();
            }
        }
    }
}

/// The values `matrix.<route>` can take in `job`, each a scalar node of the matrix (its
/// rows and `include` entries). `None` when the matrix is not written out (e.g.
/// `fromJSON(…)`), so its values are unknown.
pub fn matrix_values<'n>(job: &'n Node, route: &[&str]) -> Option<Vec<&'n Scalar>> {
    let matrix = job.get("strategy")?.get("matrix")?;
    // A matrix written as an expression (`fromJSON(…)`) has unknown values.
    matrix.as_map()?;
    let (first, rest) = route.split_first()?;
    let mut roots: Vec<&Node> = Vec::new();
    match get_ci(matrix, first) {
        Some(Node::Seq(s)) => roots.extend(s.items.iter()),
        Some(n @ Node::Scalar(sc)) => {
            if sc.value.contains("${{") {
                return None;
            }
            roots.push(n);
        }
        Some(n) => roots.push(n),
        None => {}
    }
    for inc in matrix.get("include").into_iter().flat_map(|i| match i {
        Node::Seq(_) => i.items().collect::<Vec<_>>(),
        _ => vec![i],
    }) {
        if let Some(v) = get_ci(inc, first) {
            roots.push(v);
        }
    }
    let mut out = Vec::new();
    for mut node in roots {
        let mut found = true;
        for key in rest {
            match get_ci(node, key) {
                Some(n) => node = n,
                None => {
                    found = false;
                    break;
                }
            }
        }
        if found {
            if let Some(s) = node.as_scalar() {
                out.push(s);
            }
        }
    }
    Some(out)
}

/// Map lookup ignoring ASCII case (context property names are case-insensitive).
fn get_ci<'n>(node: &'n Node, key: &str) -> Option<&'n Node> {
    node.get(key).or_else(|| {
        node.entries()
            .filter(|(k, _)| k.eq_ignore_ascii_case(key))
            .last()
            .map(|(_, e)| &e.value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml;

    #[test]
    fn uses_forms() {
        assert_eq!(parse_uses("./local/action"), Uses::Local);
        assert_eq!(parse_uses("$/.github/workflows/x.yml"), Uses::Local);
        assert_eq!(parse_uses("docker://alpine:3"), Uses::Docker("alpine:3", 9));
        assert_eq!(
            parse_uses("actions/checkout@v4"),
            Uses::Remote {
                target: "actions/checkout",
                repo: "actions/checkout",
                git_ref: Some("v4")
            }
        );
        assert_eq!(
            parse_uses("o/r/.github/workflows/x.yml@release/v1"),
            Uses::Remote {
                target: "o/r/.github/workflows/x.yml",
                repo: "o/r",
                git_ref: Some("release/v1")
            }
        );
        assert_eq!(
            parse_uses("o/r"),
            Uses::Remote {
                target: "o/r",
                repo: "o/r",
                git_ref: None
            }
        );
        for bad in ["checkout@v4", "${{ x }}@v1", "o/r@", "/r@v1", "o$/r@v1", ""] {
            assert_eq!(parse_uses(bad), Uses::Unknown, "{bad}");
        }
    }

    #[test]
    fn ref_shapes() {
        assert!(is_full_sha("11bd71901bbe5b1630ceea73d27597364c9af683"));
        assert!(!is_full_sha("11bd719"));
        assert!(is_short_sha("11bd719"));
        assert!(!is_short_sha("abc123"));
        for t in ["v4", "v4.2.2", "1.0", "v1.2.3-rc.1", "2.0.0+b1", "V3"] {
            assert!(is_version_like(t), "{t}");
        }
        for t in [
            "main",
            "release/v1",
            "v",
            "v1.",
            "dev",
            "1.x",
            "v1-",
            "latest",
        ] {
            assert!(!is_version_like(t), "{t}");
        }
    }

    #[test]
    fn expression_values() {
        let lits = |e: &str| -> Vec<String> {
            outcomes(e)
                .into_iter()
                .filter_map(|o| match o {
                    Outcome::Literal(v, r) => {
                        assert_eq!(&e[r.clone()][1..r.len() - 1], v.replace('\'', "''"));
                        Some(v)
                    }
                    _ => None,
                })
                .collect()
        };
        assert_eq!(
            lits(" inputs.use-redis == 'true' && 'redis:7' || '' "),
            ["redis:7", ""]
        );
        assert_eq!(lits("a || 'x''y'"), ["x'y"]);
        assert_eq!(lits("format('{0}:1', 'a')"), Vec::<String>::new());
        assert_eq!(lits("!'a'"), Vec::<String>::new());
        assert_eq!(lits("(a && 'b') || ('c')"), ["b", "c"]);
        assert_eq!(
            outcomes(" matrix.image "),
            [Outcome::Context("matrix.image".into())]
        );
        assert_eq!(
            outcomes("matrix['Image'].x"),
            [Outcome::Context("matrix.image.x".into())]
        );
        assert_eq!(outcomes("a.*.b"), [Outcome::Opaque]);
        assert_eq!(outcomes("fromJSON(x).y"), [Outcome::Opaque]);
        assert_eq!(outcomes("a b"), [Outcome::Opaque]);
        // Deep nesting is cut off, not recursed into.
        let deep = format!("{}'x'{}", "(".repeat(10_000), ")".repeat(10_000));
        assert_eq!(outcomes(&deep), [Outcome::Opaque]);
        let deep = format!("{}x{}", "f(".repeat(10_000), ")".repeat(10_000));
        assert_eq!(outcomes(&deep), [Outcome::Opaque]);
        let deep = format!("{}x", "!".repeat(100_000));
        assert_eq!(outcomes(&deep), [Outcome::Opaque]);
        for junk in ["", "'", "((", "a[", "a.", "é || 'x'", "a ||", "]]"] {
            outcomes(junk);
        }
    }

    #[test]
    fn expression_ranges_skip_literals() {
        let s = "a-${{ x }}-${{ '}}' || y }}-${{ z";
        let r = expression_ranges(s);
        assert_eq!(r.len(), 3);
        assert_eq!(&s[r[0].clone()], "${{ x }}");
        assert_eq!(&s[r[1].clone()], "${{ '}}' || y }}");
        assert_eq!(&s[r[2].clone()], "${{ z");
    }

    #[test]
    fn matrix_lookups() {
        let d = yaml::parse(
            "j:\n  strategy:\n    matrix:\n      image: [a, b]\n      cfg:\n        - {img: c}\n      include:\n        - image: d\n        - other: e\n        - cfg: {img: f}\n",
        )
        .docs
        .remove(0);
        let job = d.get("j").unwrap();
        let vals = |r: &[&str]| -> Vec<String> {
            matrix_values(job, r)
                .unwrap()
                .iter()
                .map(|s| s.value.clone())
                .collect()
        };
        assert_eq!(vals(&["image"]), ["a", "b", "d"]);
        assert_eq!(vals(&["IMAGE"]), ["a", "b", "d"]);
        assert_eq!(vals(&["cfg", "img"]), ["c", "f"]);
        assert!(vals(&["nope"]).is_empty());
        let d = yaml::parse("j:\n  strategy:\n    matrix: ${{ fromJSON(x) }}\n")
            .docs
            .remove(0);
        assert!(matrix_values(d.get("j").unwrap(), &["image"]).is_none());
    }

    #[test]
    fn subspans() {
        let t = "a: |\n  actions/checkout@v4\nb: \"x\\ty\"\nc: 'it''s'\nd: plain\n";
        let d = yaml::parse(t).docs.remove(0);
        let sc = |k: &str| d.get(k).unwrap().as_scalar().unwrap().clone();
        let a = sc("a");
        assert_eq!(
            &t[trimmed_span(t, &a).start..trimmed_span(t, &a).end],
            "actions/checkout@v4"
        );
        let b = sc("b");
        assert_eq!(trimmed_span(t, &b), b.span);
        let c = sc("c");
        assert_eq!(trimmed_span(t, &c), c.span);
        let dd = sc("d");
        let s = value_subspan(t, &dd, 1..3);
        assert_eq!(&t[s.start..s.end], "la");
    }
}
