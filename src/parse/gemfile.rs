//! A `Gemfile` read as Bundler's DSL, without running Ruby: method calls such as
//! `gem "rails", "~> 7.1", github: "rails/rails", ref: "…"` or `git "https://…" do`, their
//! positional arguments and options (`key: value`, `:key => value`, `"key" => value`),
//! with spans. A statement continues over lines after `,`, `(`, `[`, `{`, `=>` or `\`.
//! Anything else Ruby can say is skipped, never guessed at.

use crate::finding::Span;

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// `gem`, `git`, `github`, `gemspec`, `source`, `group`, …
    pub method: String,
    pub method_span: Span,
    pub args: Vec<Arg>,
    /// The statement ends with `do` (`git "…" do`, `group :test do`).
    pub opens_block: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Positional(Lit),
    Option {
        key: String,
        key_span: Span,
        value: Lit,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Lit {
    /// A string's contents, or the token text of anything else (`true`, `:test`).
    pub text: String,
    /// Quotes included.
    pub span: Span,
    pub is_string: bool,
}

impl Statement {
    pub fn option(&self, key: &str) -> Option<&Lit> {
        self.args.iter().find_map(|a| match a {
            Arg::Option { key: k, value, .. } if k == key => Some(value),
            _ => None,
        })
    }

    pub fn positional(&self) -> impl Iterator<Item = &Lit> {
        self.args.iter().filter_map(|a| match a {
            Arg::Positional(l) => Some(l),
            Arg::Option { .. } => None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    /// `git:` (a hash label).
    Label(String),
    /// `:git`
    Symbol(String),
    Str(String),
    Arrow,
    Comma,
    Open(u8),
    Close(u8),
    Newline,
    Other,
}

fn tokenize(src: &str) -> Vec<(Tok, Span)> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        match c {
            b'\n' => {
                out.push((Tok::Newline, Span::new(i, i + 1)));
                i += 1;
            }
            b' ' | b'\t' | b'\r' => i += 1,
            b'\\' if b.get(i + 1) == Some(&b'\n') => i += 2,
            b'\\' if b.get(i + 1) == Some(&b'\r') && b.get(i + 2) == Some(&b'\n') => i += 3,
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'\'' | b'"' => {
                let (text, end) = string(src, i);
                i = end;
                out.push((Tok::Str(text), Span::new(start, i)));
            }
            b'=' if b.get(i + 1) == Some(&b'>') => {
                i += 2;
                out.push((Tok::Arrow, Span::new(start, i)));
            }
            b',' => {
                i += 1;
                out.push((Tok::Comma, Span::new(start, i)));
            }
            b'(' | b'[' | b'{' => {
                i += 1;
                out.push((Tok::Open(c), Span::new(start, i)));
            }
            b')' | b']' | b'}' => {
                i += 1;
                out.push((Tok::Close(c), Span::new(start, i)));
            }
            b':' if b
                .get(i + 1)
                .is_some_and(|&n| n.is_ascii_alphabetic() || n == b'_') =>
            {
                i += 1;
                while i < b.len() && is_ident(b[i]) {
                    i += 1;
                }
                out.push((
                    Tok::Symbol(src[start + 1..i].to_owned()),
                    Span::new(start, i),
                ));
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < b.len() && is_ident(b[i]) {
                    i += 1;
                }
                if i < b.len() && (b[i] == b'?' || b[i] == b'!') {
                    i += 1;
                }
                let word = src[start..i].to_owned();
                if b.get(i) == Some(&b':') && b.get(i + 1) != Some(&b':') {
                    i += 1;
                    out.push((Tok::Label(word), Span::new(start, i - 1)));
                } else {
                    out.push((Tok::Ident(word), Span::new(start, i)));
                }
            }
            _ => {
                // One character (or a whole UTF-8 sequence) of something else.
                i += src[i..].chars().next().map_or(1, char::len_utf8);
                out.push((Tok::Other, Span::new(start, i)));
            }
        }
    }
    out
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// A quoted string from `start` (at the quote): its contents and the offset after it.
/// An unterminated string ends at the end of its line.
fn string(src: &str, start: usize) -> (String, usize) {
    let b = src.as_bytes();
    let q = b[start];
    let mut i = start + 1;
    let mut text = String::new();
    while i < b.len() {
        match b[i] {
            c if c == q => return (text, i + 1),
            b'\n' => return (text, i),
            b'\\' if i + 1 < b.len() && b[i + 1] != b'\n' => {
                let ch = src[i + 1..].chars().next().unwrap_or('\\');
                // Single quotes keep the backslash except before `'` and `\`.
                if q == b'\'' && ch != '\'' && ch != '\\' {
                    text.push('\\');
                }
                text.push(ch);
                i += 1 + ch.len_utf8();
            }
            _ => {
                let ch = src[i..].chars().next().unwrap_or('\u{FFFD}');
                text.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    (text, i)
}

/// Reads the statements of a Gemfile (blocks are flattened: a `gem` inside `group … do`
/// is a statement like any other).
pub fn parse(src: &str) -> Vec<Statement> {
    let toks = tokenize(src);
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        // One statement: up to a newline at depth 0 that does not follow a continuation.
        let start = i;
        let mut depth: i32 = 0;
        while i < toks.len() {
            match &toks[i].0 {
                Tok::Open(_) => depth += 1,
                Tok::Close(_) => depth = (depth - 1).max(0),
                Tok::Newline if depth == 0 => {
                    let prev = toks[start..i].last().map(|t| &t.0);
                    if !matches!(prev, Some(Tok::Comma | Tok::Arrow | Tok::Open(_))) {
                        break;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        let stmt: Vec<&(Tok, Span)> = toks[start..i]
            .iter()
            .filter(|t| t.0 != Tok::Newline)
            .collect();
        i += 1;
        if let Some(s) = statement(&stmt) {
            out.push(s);
        }
    }
    out
}

fn statement(toks: &[&(Tok, Span)]) -> Option<Statement> {
    let (Tok::Ident(method), method_span) = toks.first()? else {
        return None;
    };
    let mut rest = &toks[1..];
    let mut opens_block = false;
    if let Some((Tok::Ident(w), _)) = rest.last().copied() {
        if w == "do" {
            opens_block = true;
            rest = &rest[..rest.len() - 1];
        }
    }
    // `do |x|` block parameters.
    if let Some(pos) = rest
        .iter()
        .position(|t| matches!(&t.0, Tok::Ident(w) if w == "do"))
    {
        opens_block = true;
        rest = &rest[..pos];
    }
    if let (Some((Tok::Open(b'('), _)), Some((Tok::Close(b')'), _))) =
        (rest.first().copied(), rest.last().copied())
    {
        rest = &rest[1..rest.len() - 1];
    }
    let mut args = Vec::new();
    for part in split_commas(rest) {
        if let Some(a) = arg(part) {
            args.push(a);
        }
    }
    Some(Statement {
        method: method.clone(),
        method_span: *method_span,
        args,
        opens_block,
    })
}

fn split_commas<'t>(toks: &'t [&'t (Tok, Span)]) -> Vec<&'t [&'t (Tok, Span)]> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, t) in toks.iter().enumerate() {
        match t.0 {
            Tok::Open(_) => depth += 1,
            Tok::Close(_) => depth -= 1,
            Tok::Comma if depth == 0 => {
                out.push(&toks[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&toks[start..]);
    out
}

fn arg(part: &[&(Tok, Span)]) -> Option<Arg> {
    let first = part.first()?;
    match (&first.0, part.get(1).map(|t| &t.0)) {
        (Tok::Label(k), _) => Some(Arg::Option {
            key: k.clone(),
            key_span: first.1,
            value: lit(&part[1..])?,
        }),
        (Tok::Symbol(k) | Tok::Str(k), Some(Tok::Arrow)) => Some(Arg::Option {
            key: k.clone(),
            key_span: first.1,
            value: lit(&part[2..])?,
        }),
        _ => Some(Arg::Positional(lit(part)?)),
    }
}

fn lit(part: &[&(Tok, Span)]) -> Option<Lit> {
    let first = part.first()?;
    let last = part.last()?;
    let span = Span::new(first.1.start, last.1.end);
    Some(match (&first.0, part.len()) {
        (Tok::Str(s), 1) => Lit {
            text: s.clone(),
            span,
            is_string: true,
        },
        (Tok::Ident(s) | Tok::Symbol(s), 1) => Lit {
            text: s.clone(),
            span,
            is_string: false,
        },
        _ => Lit {
            text: String::new(),
            span,
            is_string: false,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gems_options_and_blocks() {
        let src = r#"source "https://rubygems.org"
ruby "3.2.2"

gem "rails", "~> 7.1" # a comment, with "quotes"
gem 'pg', '>= 1.1', require: false
gem "devise", github: "heartcombo/devise", branch: "main"
gem("sidekiq", :git => 'https://github.com/sidekiq/sidekiq.git',
    :tag => "v7.0.0")
gem "local", path: "../local"

git "https://github.com/rails/rails.git", ref: "abc" do
  gem "activesupport"
end
group :development, :test do
  gem "rspec-rails"
end
gemspec
"#;
        let stmts = parse(src);
        let methods: Vec<&str> = stmts.iter().map(|s| s.method.as_str()).collect();
        assert_eq!(
            methods,
            vec![
                "source", "ruby", "gem", "gem", "gem", "gem", "gem", "git", "gem", "end", "group",
                "gem", "end", "gemspec"
            ]
        );
        let devise = &stmts[4];
        assert_eq!(devise.positional().next().unwrap().text, "devise");
        let gh = devise.option("github").unwrap();
        assert_eq!(gh.text, "heartcombo/devise");
        assert_eq!(&src[gh.span.start..gh.span.end], "\"heartcombo/devise\"");
        let sidekiq = &stmts[5];
        assert_eq!(sidekiq.positional().next().unwrap().text, "sidekiq");
        assert_eq!(
            sidekiq.option("git").unwrap().text,
            "https://github.com/sidekiq/sidekiq.git"
        );
        assert_eq!(sidekiq.option("tag").unwrap().text, "v7.0.0");
        assert_eq!(stmts[3].option("require").unwrap().text, "false");
        let git = &stmts[7];
        assert!(git.opens_block);
        assert_eq!(git.option("ref").unwrap().text, "abc");
        assert!(stmts[10].opens_block);
    }

    #[test]
    fn random_input_never_panics() {
        let pieces = [
            "gem", "git", " ", "\n", "'", "\"", "\\", ",", "(", ")", "[", "]", "{", "}", ":", "=>",
            "a:", ":b", "#", "do", "end", "é", "x",
        ];
        let mut seed: u64 = 0x0F0F_1234_5678_9ABC;
        for _ in 0..3000 {
            let mut s = String::new();
            for _ in 0..(seed % 30) {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                s.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
            }
            for st in parse(&s) {
                for a in &st.args {
                    let span = match a {
                        Arg::Positional(l) | Arg::Option { value: l, .. } => l.span,
                    };
                    assert!(span.end <= s.len());
                }
            }
            seed = seed.wrapping_add(0x2545_F491_4F6C_DD1D);
        }
    }

    #[test]
    fn odd_input_never_panics() {
        let src = "gem 'a\ngem \"b\\\"c\", x: 'é'\n:\n=> ,, ( ] gem\ngem(\n";
        for end in 0..=src.len() {
            if src.is_char_boundary(end) {
                let _ = parse(&src[..end]);
            }
        }
        let stmts = parse("gem \"b\\\"c\", x: 'it\\'s'");
        assert_eq!(stmts[0].positional().next().unwrap().text, "b\"c");
        assert_eq!(stmts[0].option("x").unwrap().text, "it's");
    }
}
