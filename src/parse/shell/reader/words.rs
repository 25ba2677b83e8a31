//! Words: literal text, quotes, expansions and substitutions, rendered as the
//! tree-sitter path renders them.

use super::super::{MAX_NESTING, MAX_VERBATIM, Out, Rendered, SubstKind, Within, Word};
use super::{Ctx, Reader, ends_word, is_name_char, is_name_start};
use crate::finding::Span;

/// One part of a word, as the tree-sitter path renders it.
#[derive(Debug, Clone, Copy)]
pub(super) enum Piece {
    /// Literal text, unquoted or inside `"…"` (`dq`); escapes are resolved on rendering.
    Lit { a: usize, b: usize, dq: bool },
    /// The inside of `'…'`.
    Raw { a: usize, b: usize },
    /// The inside of `$'…'`.
    AnsiC { a: usize, b: usize },
    /// An expansion or substitution, kept verbatim; `open`/`close` are the lengths of its
    /// delimiters (kept when a long one is elided); `subst` marks `$(…)`, `` `…` ``, `<(…)`.
    Exp {
        a: usize,
        b: usize,
        open: u8,
        close: u8,
        subst: bool,
    },
}

/// A word as read: its span and parts.
#[derive(Debug)]
pub(super) struct RawWord {
    pub(super) span: Span,
    pub(super) pieces: Vec<Piece>,
}

impl RawWord {
    pub(super) fn render(&self, src: &str, want_map: bool, elide: bool) -> Rendered {
        let mut out = Out {
            src,
            text: String::new(),
            map: want_map.then(Vec::new),
            dynamic: false,
        };
        for &p in &self.pieces {
            match p {
                Piece::Lit { a, b, dq } => out.literal(a, b, dq),
                Piece::Raw { a, b } => out.verbatim(&src[a..b], a),
                Piece::AnsiC { a, b } => out.ansi_c(a, b),
                Piece::Exp {
                    a, b, open, close, ..
                } => {
                    out.dynamic = true;
                    let (open, close) = (usize::from(open), usize::from(close));
                    if elide && b - a > MAX_VERBATIM {
                        out.verbatim(&src[a..a + open], a);
                        out.decoded("…", a, a);
                        out.verbatim(&src[b - close..b], b - close);
                    } else {
                        out.verbatim(&src[a..b], a);
                    }
                }
            }
        }
        let mut map = out.map.unwrap_or_default();
        if want_map {
            map.push((self.span.end, self.span.end));
        }
        Rendered {
            text: out.text,
            dynamic: out.dynamic,
            map,
        }
    }

    pub(super) fn word(&self, src: &str) -> Word {
        let r = self.render(src, false, true);
        Word {
            text: r.text,
            span: self.span,
            dynamic: r.dynamic,
        }
    }
}

/// The literal text `a..b` (if any) as a piece.
fn literal(pieces: &mut Vec<Piece>, a: usize, b: usize, dq: bool) {
    if b > a {
        pieces.push(Piece::Lit { a, b, dq });
    }
}

impl Reader<'_> {
    /// One word: literal text, quotes, expansions and substitutions, up to a byte that
    /// ends it. Substitutions are read as scripts, run on behalf of `owner`.
    pub(super) fn word(&mut self, owner: Ctx) -> Option<RawWord> {
        let start = self.pos;
        let mut pieces = Vec::new();
        let mut lit = self.pos;
        let flush = |pieces: &mut Vec<Piece>, lit, at| literal(pieces, lit, at, false);
        while let Some(c) = self.peek() {
            match c {
                b'<' | b'>' if self.peek_at(1) == Some(b'(') => {
                    flush(&mut pieces, lit, self.pos);
                    let kind = SubstKind::Process;
                    pieces.push(self.substitution(owner, kind, 2)?);
                    lit = self.pos;
                }
                _ if ends_word(c) => break,
                // A comment, where a word was expected (`> #x`).
                b'#' if self.pos == start => return None,
                // Brace expansion and bracket globs: tree-sitter splits these words in
                // ways of its own. A lone `[` or `]` (a test command) is plain.
                b'{' if self.pos == start && self.at_word("{}") => self.pos += 2,
                b'{' | b'}' => return None,
                b'[' | b']' => {
                    let alone = self.pos == start && self.peek_at(1).is_none_or(ends_word);
                    if !alone {
                        return None;
                    }
                    self.pos += 1;
                }
                b'\\' => self.escape()?,
                b'\'' => {
                    flush(&mut pieces, lit, self.pos);
                    let a = self.pos + 1;
                    let close = a + memchr::memchr(b'\'', &self.b[a..self.end])?;
                    pieces.push(Piece::Raw { a, b: close });
                    self.pos = close + 1;
                    lit = self.pos;
                }
                b'"' => {
                    flush(&mut pieces, lit, self.pos);
                    self.pos += 1;
                    self.double_quoted(owner, &mut pieces)?;
                    lit = self.pos;
                }
                b'`' => {
                    flush(&mut pieces, lit, self.pos);
                    pieces.push(self.backquoted(owner)?);
                    lit = self.pos;
                }
                b'$' => match self.peek_at(1) {
                    Some(b'\'') => {
                        flush(&mut pieces, lit, self.pos);
                        let a = self.pos + 2;
                        let close = self.ansi_c_end(a)?;
                        pieces.push(Piece::AnsiC { a, b: close });
                        self.pos = close + 1;
                        lit = self.pos;
                    }
                    Some(b'"') => {
                        flush(&mut pieces, lit, self.pos);
                        self.pos += 2;
                        self.double_quoted(owner, &mut pieces)?;
                        lit = self.pos;
                    }
                    _ => {
                        if let Some(p) = self.dollar(owner)? {
                            flush(&mut pieces, lit, p.0);
                            pieces.push(p.1);
                            lit = self.pos;
                        }
                    }
                },
                _ => self.pos += 1,
            }
        }
        flush(&mut pieces, lit, self.pos);
        if self.pos == start {
            return None;
        }
        Some(RawWord {
            span: Span::new(start, self.pos),
            pieces,
        })
    }

    /// The inside of `"…"` from just after the opening quote; leaves the read position
    /// after the closing one.
    pub(super) fn double_quoted(&mut self, owner: Ctx, pieces: &mut Vec<Piece>) -> Option<()> {
        let mut lit = self.pos;
        let flush = |pieces: &mut Vec<Piece>, lit, at| literal(pieces, lit, at, true);
        loop {
            match self.peek()? {
                b'"' => {
                    flush(pieces, lit, self.pos);
                    self.pos += 1;
                    return Some(());
                }
                b'\\' => self.escape()?,
                b'`' => {
                    flush(pieces, lit, self.pos);
                    pieces.push(self.backquoted(owner)?);
                    lit = self.pos;
                }
                b'$' => {
                    if let Some((at, p)) = self.dollar(owner)? {
                        flush(pieces, lit, at);
                        pieces.push(p);
                        lit = self.pos;
                    }
                }
                _ => self.pos += 1,
            }
        }
    }

    /// Steps over a backslash and the character it escapes; a backslash that ends the
    /// text declines.
    pub(super) fn escape(&mut self) -> Option<()> {
        let len = self.char_len_at(self.pos + 1);
        (len > 0).then(|| self.pos += 1 + len)
    }

    /// Length of the character at `i` (0 at the end).
    pub(super) fn char_len_at(&self, i: usize) -> usize {
        self.src
            .get(i..self.end)
            .and_then(|s| s.chars().next())
            .map_or(0, char::len_utf8)
    }

    /// The closing quote of `$'…'` whose inside starts at `a` (`\'` does not close it).
    pub(super) fn ansi_c_end(&self, a: usize) -> Option<usize> {
        let mut i = a;
        while i < self.end {
            match self.b[i] {
                b'\\' => i += 2,
                b'\'' => return Some(i),
                _ => i += 1,
            }
        }
        None
    }

    /// `$name`, `$1`, `${…}`, `$(…)`, `$((…))` at the read position: where it starts
    /// and its piece. `Some(None)` when the `$` is literal.
    pub(super) fn dollar(&mut self, owner: Ctx) -> Option<Option<(usize, Piece)>> {
        let a = self.pos;
        let exp = |b, open, close| Piece::Exp {
            a,
            b,
            open,
            close,
            subst: false,
        };
        match self.peek_at(1) {
            Some(b'(') if self.peek_at(2) == Some(b'(') => {
                let b = self.arithmetic_end(a + 3)?;
                self.pos = b;
                Some(Some((a, exp(b, 3, 2))))
            }
            Some(b'(') => Some(Some((a, self.substitution(owner, SubstKind::Command, 2)?))),
            Some(b'{') => {
                let b = self.parameter_end(a + 2)?;
                self.pos = b;
                Some(Some((a, exp(b, 2, 1))))
            }
            Some(c) if is_name_start(c) => {
                let mut b = a + 2;
                while b < self.end && is_name_char(self.b[b]) {
                    b += 1;
                }
                self.pos = b;
                Some(Some((a, exp(b, 1, 0))))
            }
            Some(c) if c.is_ascii_digit() || b"@*#?$!-".contains(&c) => {
                self.pos = a + 2;
                Some(Some((a, exp(a + 2, 1, 0))))
            }
            _ => {
                self.pos += 1;
                Some(None)
            }
        }
    }

    /// The end of `${…}` whose inside starts at `i`. Substitutions inside decline.
    pub(super) fn parameter_end(&self, mut i: usize) -> Option<usize> {
        let mut depth = 1usize;
        while i < self.end {
            match self.b[i] {
                b'\\' => i += 1,
                b'`' => return None,
                b'$' if self.b.get(i + 1) == Some(&b'(') => return None,
                b'\'' => i += memchr::memchr(b'\'', self.b.get(i + 1..self.end)?)? + 1,
                b'"' => return None,
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(i + 1);
                    }
                }
                _ => {}
            }
            i += 1;
        }
        None
    }

    /// The end of `$((…))` whose inside starts at `i`. Quotes and substitutions inside
    /// decline.
    pub(super) fn arithmetic_end(&self, mut i: usize) -> Option<usize> {
        let mut depth = 0usize;
        while i < self.end {
            match self.b[i] {
                b'\\' | b'`' | b'\'' | b'"' => return None,
                b'$' if self.b.get(i + 1) == Some(&b'(') => return None,
                b'(' => depth += 1,
                b')' if depth > 0 => depth -= 1,
                b')' => return (self.b.get(i + 1) == Some(&b')')).then_some(i + 2),
                _ => {}
            }
            i += 1;
        }
        None
    }

    /// `$(…)`, `<(…)` or `>(…)` at the read position (`open` bytes before the script):
    /// its statements run on behalf of `owner`.
    pub(super) fn substitution(&mut self, owner: Ctx, kind: SubstKind, open: u8) -> Option<Piece> {
        let a = self.pos;
        let inner = self.substitution_ctx(owner, kind)?;
        self.pos += usize::from(open);
        if self.peek() == Some(b')') {
            return None;
        }
        self.nested(|r| r.list(inner))?;
        (self.peek() == Some(b')')).then(|| self.pos += 1)?;
        Some(Piece::Exp {
            a,
            b: self.pos,
            open,
            close: 1,
            subst: true,
        })
    }

    /// `` `…` ``: the script inside (no backslashes: those change its meaning).
    pub(super) fn backquoted(&mut self, owner: Ctx) -> Option<Piece> {
        let a = self.pos;
        let body = a + 1;
        let close = body + memchr::memchr(b'`', &self.b[body..self.end])?;
        if close == body || self.b[body..close].contains(&b'\\') {
            return None;
        }
        let inner = self.substitution_ctx(owner, SubstKind::Command)?;
        let outer_end = std::mem::replace(&mut self.end, close);
        self.pos = body;
        let read = self.nested(|r| r.list(inner));
        self.end = outer_end;
        read?;
        if self.pos != close {
            return None;
        }
        self.pos = close + 1;
        Some(Piece::Exp {
            a,
            b: self.pos,
            open: 1,
            close: 1,
            subst: true,
        })
    }

    /// The context of a substitution's statements (as `Builder::subst`).
    pub(super) fn substitution_ctx(&self, owner: Ctx, kind: SubstKind) -> Option<Ctx> {
        if owner.nesting >= MAX_NESTING {
            return None;
        }
        let within = match owner.owner {
            Some(command) => Some(Within { command, kind }),
            None => owner.within,
        };
        Some(Ctx {
            within,
            owner: None,
            nesting: owner.nesting + 1,
            ..owner.plain()
        })
    }
}
