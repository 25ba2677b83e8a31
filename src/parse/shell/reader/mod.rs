//! A hand-written reader for the bash that scripts are written in.
//!
//! tree-sitter-bash reads about 4 MB/s, and flattening its CST costs nearly as much
//! again: shell was a tenth of a whole scan. This reader reads simple commands, quotes,
//! expansions, substitutions, pipelines, `&&`/`||` lists, `if`/`while`/`until`/`for`/
//! `case`, groups, subshells, functions, `[[ ]]`, `!`, heredocs and here-strings
//! straight into [`Command`]s — the same ones the tree-sitter path builds.
//!
//! What it does not read — `[[ =~ ]]` and glob patterns in `[[ ]]`, arrays, brace and
//! bracket words, `(( ))`, `select`, a heredoc with more words after it, CRLF text, deep
//! nesting, and any syntax error — makes [`read`] return `None`, and the whole text goes
//! to tree-sitter, which keeps error recovery in one place.
//!
//! The tests hold the two paths equal on random scripts, the fixtures and the
//! conformance scripts. Where they differ, tree-sitter misreads bash
//! (`tests::reads_what_tree_sitter_splits`): inside an `&&` list it splits a pipeline of
//! three and drops a redirected first command from its pipeline, and it splits a word at
//! a backquote or at a `$_name` expansion. The hand reader reads those as bash does.

use super::{
    Command, Connector, Converted, Ctx, Pipe, RESERVED, Redirect, ShellJob, Word, sat16,
    shell_string_index,
};
use crate::finding::Span;
use words::{Piece, RawWord};

#[cfg(test)]
mod tests;
mod words;

/// Compound commands and substitutions nested deeper than this go to tree-sitter, which
/// reads them without recursion.
const MAX_DEPTH: u32 = 48;

/// `export`, `local`, …: tree-sitter-bash reads these as their own statement kinds, whose
/// redirects are not listed (see `Builder::keyword_command`).
const DECLARATIONS: &[&str] = &[
    "export", "local", "declare", "readonly", "typeset", "unset", "unsetenv",
];

/// Reads `text` as a script, or returns `None` if it uses a form this reader leaves to
/// tree-sitter. `ctx`, `level` and `next_pipe` are as for `convert`.
pub(super) fn read(text: &str, ctx: Ctx, level: u8, next_pipe: u32) -> Option<Converted> {
    read_or_stop(text, ctx, level, next_pipe).ok()
}

/// [`read`], or where it stopped.
pub(super) fn read_or_stop(
    text: &str,
    ctx: Ctx,
    level: u8,
    next_pipe: u32,
) -> Result<Converted, usize> {
    if let Some(cr) = text.find('\r') {
        return Err(cr);
    }
    let mut r = Reader {
        src: text,
        b: text.as_bytes(),
        pos: 0,
        end: text.len(),
        commands: Vec::new(),
        jobs: Vec::new(),
        next_pipe,
        level,
        depth: 0,
        heredocs: Vec::new(),
        failed: false,
    };
    let read = r.list(Ctx {
        owner: None,
        ..ctx.plain()
    });
    if read.is_none() || r.failed || !r.heredocs.is_empty() || r.pos != r.end {
        return Err(r.pos);
    }
    Ok(Converted {
        commands: r.commands,
        errors: Vec::new(),
        jobs: r.jobs,
        next_pipe: r.next_pipe,
    })
}

struct Reader<'s> {
    src: &'s str,
    b: &'s [u8],
    pos: usize,
    /// Where the text being read ends: the whole text, or the closing backquote of a
    /// `` `…` `` substitution.
    end: usize,
    commands: Vec<Command>,
    jobs: Vec<ShellJob>,
    next_pipe: u32,
    level: u8,
    depth: u32,
    /// Heredocs whose bodies start after the next newline.
    heredocs: Vec<Heredoc>,
    /// Set where a heredoc body could not be read (`skip_space` cannot return `None`).
    failed: bool,
}

/// A heredoc waiting for its body.
struct Heredoc {
    delimiter: String,
    /// `<<-`: leading tabs are stripped from the body's lines.
    strip_tabs: bool,
    /// The delimiter was unquoted: substitutions in the body run.
    expands: bool,
    owner: Ctx,
}

/// What a redirect is.
enum Redir {
    /// `> file`, `2>&1`: listed on the command.
    File(String, RawWord),
    /// A heredoc or here-string: extends the command's span, not listed.
    Input,
}

/// Bytes that end an unquoted word.
fn ends_word(c: u8) -> bool {
    matches!(
        c,
        b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')'
    )
}

fn is_name_start(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphabetic()
}

fn is_name_char(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphanumeric()
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        (self.pos < self.end).then(|| self.b[self.pos])
    }

    fn peek_at(&self, k: usize) -> Option<u8> {
        let i = self.pos + k;
        (i < self.end).then(|| self.b[i])
    }

    fn at(&self, s: &[u8]) -> bool {
        self.b[self.pos..self.end].starts_with(s)
    }

    /// Spaces, tabs and line continuations.
    fn skip_blanks(&mut self) {
        loop {
            match self.peek() {
                Some(b' ' | b'\t') => self.pos += 1,
                Some(b'\\') if self.peek_at(1) == Some(b'\n') => self.pos += 2,
                _ => return,
            }
        }
    }

    /// Blanks, newlines and comments.
    fn skip_space(&mut self) {
        loop {
            self.skip_blanks();
            match self.peek() {
                Some(b'\n') => {
                    self.pos += 1;
                    if !self.heredocs.is_empty() && self.heredoc_bodies().is_none() {
                        self.failed = true;
                    }
                }
                Some(b'#') => self.skip_comment(),
                _ => return,
            }
        }
    }

    fn skip_comment(&mut self) {
        if self.peek() == Some(b'#') {
            let rest = &self.b[self.pos..self.end];
            self.pos += memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        }
    }

    /// The bare token at the read position when it is a reserved word (or `{`, `}`,
    /// `(`, `((`, `[[`, `!`) in command position.
    fn keyword(&self) -> Option<&'static str> {
        let rest = &self.b[self.pos..self.end];
        if rest.starts_with(b"((") {
            return Some("((");
        }
        if rest.first() == Some(&b'(') {
            return Some("(");
        }
        let len = rest
            .iter()
            .position(|&c| ends_word(c))
            .unwrap_or(rest.len());
        let token = &rest[..len];
        const WORDS: &[&str] = &[
            "if", "then", "elif", "else", "fi", "while", "until", "for", "do", "done", "case",
            "esac", "select", "coproc", "function", "{", "}", "[[", "!",
        ];
        WORDS.iter().copied().find(|w| w.as_bytes() == token)
    }

    /// At the end of a statement list: the end of the text, `)` or a word that closes
    /// a compound command.
    fn at_closer(&self) -> bool {
        self.peek().is_none_or(|c| c == b')')
            || self.at(b";;")
            || self.at(b";&")
            || self.keyword().is_some_and(|k| {
                matches!(
                    k,
                    "then" | "elif" | "else" | "fi" | "do" | "done" | "esac" | "}"
                )
            })
    }

    /// At the bare word `w`.
    fn at_word(&self, w: &str) -> bool {
        self.at(w.as_bytes()) && self.peek_at(w.len()).is_none_or(ends_word)
    }

    fn expect(&mut self, keyword: &str) -> Option<()> {
        (self.keyword() == Some(keyword)).then(|| self.pos += keyword.len())
    }

    fn new_pipe(&mut self) -> u32 {
        let id = self.next_pipe;
        self.next_pipe = self.next_pipe.wrapping_add(1);
        id
    }

    /// Statements up to a closer. `ctx` is each statement's context.
    fn list(&mut self, ctx: Ctx) -> Option<()> {
        loop {
            self.skip_space();
            if self.at_closer() {
                return Some(());
            }
            let first = self.commands.len();
            let tail = self.and_or(ctx)?;
            self.skip_blanks();
            self.skip_comment();
            let next = match self.peek() {
                Some(b'&') => {
                    self.pos += 1;
                    for c in &mut self.commands[first..] {
                        c.background = true;
                    }
                    Some(Connector::Background)
                }
                Some(b';') if self.at_closer() => None,
                Some(b';') => {
                    self.pos += 1;
                    self.skip_space();
                    (!self.at_closer()).then_some(Connector::Seq)
                }
                Some(b'\n') => {
                    self.skip_space();
                    (!self.at_closer()).then_some(Connector::Seq)
                }
                _ if self.at_closer() => None,
                _ => return None,
            };
            if let Some(t) = tail {
                self.commands[t].next = next;
            }
        }
    }

    /// `a && b || c`: returns the simple command that ends it, which takes the
    /// connector after the list.
    fn and_or(&mut self, ctx: Ctx) -> Option<Option<usize>> {
        let mut tail = self.pipeline(ctx)?;
        loop {
            self.skip_blanks();
            let conn = if self.at(b"&&") {
                Connector::And
            } else if self.at(b"||") {
                Connector::Or
            } else {
                return Some(tail);
            };
            self.pos += 2;
            if let Some(t) = tail {
                self.commands[t].next = Some(conn);
            }
            self.skip_space();
            tail = self.pipeline(ctx)?;
        }
    }

    fn pipeline(&mut self, ctx: Ctx) -> Option<Option<usize>> {
        // `! a | b`: the status is negated; the commands are the same.
        if self.keyword() == Some("!") {
            self.pos += 1;
            self.skip_blanks();
        }
        let mut elems = vec![self.command(ctx)?];
        loop {
            self.skip_blanks();
            if self.at(b"||") {
                break;
            }
            if self.at(b"|&") {
                self.pos += 2;
            } else if self.peek() == Some(b'|') {
                self.pos += 1;
            } else {
                break;
            }
            self.skip_space();
            elems.push(self.command(ctx)?);
        }
        let last = *elems.last()?;
        if elems.len() > 1 {
            let id = self.new_pipe();
            let len = sat16(elems.len());
            for (k, e) in elems.iter().enumerate() {
                if let Some(i) = *e {
                    let c = &mut self.commands[i];
                    c.pipeline = Some(Pipe {
                        id,
                        index: sat16(k),
                        len,
                    });
                    c.next = (k + 1 < elems.len()).then_some(Connector::Pipe);
                }
            }
        }
        Some(last)
    }

    /// One command: simple (returns its index) or compound (returns `None` inside).
    fn command(&mut self, ctx: Ctx) -> Option<Option<usize>> {
        self.nested(|r| r.command_inner(ctx))
    }

    /// `read` one level deeper: compound commands and substitutions recurse, so past
    /// [`MAX_DEPTH`] levels the text is left to tree-sitter.
    fn nested<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        if self.depth >= MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        let result = read(self);
        self.depth -= 1;
        result
    }

    fn command_inner(&mut self, ctx: Ctx) -> Option<Option<usize>> {
        self.skip_blanks();
        let inner = Ctx {
            owner: None,
            ..ctx.plain()
        };
        match self.keyword() {
            None => {}
            Some("if") => return self.compound(inner, Self::if_clause),
            Some("while" | "until") => return self.compound(inner, Self::while_clause),
            Some("for") => return self.compound(inner, Self::for_clause),
            Some("{") => return self.compound(inner, Self::group),
            Some("(") => return self.compound(inner, Self::subshell),
            Some("case") => return self.compound(inner, Self::case_clause),
            Some("[[") => return self.double_bracket(ctx).map(Some),
            Some("function") => {
                // `function name [()] { …; }`
                self.pos += 8;
                self.skip_blanks();
                let name = self.word(inner)?;
                if !self.src[name.span.start..name.span.end]
                    .bytes()
                    .all(|c| is_name_char(c) || matches!(c, b'-' | b'.' | b':'))
                {
                    return None;
                }
                self.skip_blanks();
                if self.at(b"()") {
                    self.pos += 2;
                }
                return self.function_body(inner);
            }
            Some(_) => return None,
        }
        if let Some(body) = self.function_head() {
            self.pos = body;
            return self.function_body(inner);
        }
        self.simple(ctx).map(Some)
    }

    /// A function's body: it runs only when called.
    fn function_body(&mut self, inner: Ctx) -> Option<Option<usize>> {
        self.skip_space();
        if !matches!(self.keyword(), Some("{" | "(")) {
            return None;
        }
        let body_ctx = Ctx {
            in_function: true,
            ..inner
        };
        self.command(body_ctx).map(|_| None)
    }

    /// A compound command read by `body`, then its redirects, whose substitutions run
    /// in the enclosing context (their files are not listed).
    fn compound(
        &mut self,
        inner: Ctx,
        body: fn(&mut Self, Ctx) -> Option<()>,
    ) -> Option<Option<usize>> {
        body(self, inner)?;
        loop {
            self.skip_blanks();
            if self.redirect_op().is_none() {
                return Some(None);
            }
            self.redirect(inner, false)?;
        }
    }

    fn group(&mut self, inner: Ctx) -> Option<()> {
        self.pos += 1;
        self.list(inner)?;
        self.expect("}")
    }

    fn subshell(&mut self, inner: Ctx) -> Option<()> {
        self.pos += 1;
        self.list(inner)?;
        (self.peek() == Some(b')')).then(|| self.pos += 1)
    }

    /// `if c; then …; elif c; then …; else …; fi`: conditions run `in_condition`.
    fn if_clause(&mut self, inner: Ctx) -> Option<()> {
        let cond = Ctx {
            in_condition: true,
            ..inner
        };
        self.pos += 2;
        loop {
            self.list(cond)?;
            self.expect("then")?;
            self.list(inner)?;
            match self.keyword() {
                Some("elif") => self.pos += 4,
                Some("else") => {
                    self.pos += 4;
                    self.list(inner)?;
                    return self.expect("fi");
                }
                _ => return self.expect("fi"),
            }
        }
    }

    /// `while c; do …; done` and `until c; do …; done`.
    fn while_clause(&mut self, inner: Ctx) -> Option<()> {
        let cond = Ctx {
            in_condition: true,
            ..inner
        };
        self.pos += 5; // `while` or `until`
        self.list(cond)?;
        self.do_group(inner)
    }

    fn do_group(&mut self, inner: Ctx) -> Option<()> {
        self.expect("do")?;
        self.list(inner)?;
        self.expect("done")
    }

    /// `for name [in word…]; do …; done`: substitutions in the words run in the
    /// enclosing context.
    fn for_clause(&mut self, inner: Ctx) -> Option<()> {
        self.pos += 3;
        self.skip_blanks();
        let name = self.pos;
        while self.peek().is_some_and(is_name_char) {
            self.pos += 1;
        }
        if self.pos == name || !is_name_start(self.b[name]) {
            return None;
        }
        self.skip_blanks();
        if self.at_word("in") {
            self.pos += 2;
            loop {
                self.skip_blanks();
                match self.peek() {
                    Some(b';' | b'\n') => break,
                    Some(c) if ends_word(c) => return None,
                    None => return None,
                    _ => {
                        self.word(inner)?;
                    }
                }
            }
        }
        match self.peek() {
            Some(b';') if !self.at(b";;") => self.pos += 1,
            Some(b'\n') => {}
            _ if self.keyword() == Some("do") => {}
            _ => return None,
        }
        self.skip_space();
        self.do_group(inner)
    }
}

impl Reader<'_> {
    /// `case word in pattern) …;; esac`: substitutions in the word and patterns run in
    /// the enclosing context.
    fn case_clause(&mut self, inner: Ctx) -> Option<()> {
        self.pos += 4;
        self.skip_blanks();
        self.word(inner)?;
        self.skip_space();
        if !self.at_word("in") {
            return None;
        }
        self.pos += 2;
        loop {
            self.skip_space();
            if self.keyword() == Some("esac") {
                self.pos += 4;
                return Some(());
            }
            self.case_patterns()?;
            self.list(inner)?;
            // An item ends at `;;` (`;&`, `;;&`) or, the last one, at `esac`.
            match [&b";;&"[..], b";;", b";&"]
                .into_iter()
                .find(|end| self.at(end))
            {
                Some(end) => self.pos += end.len(),
                None if self.keyword() == Some("esac") => {}
                None => return None,
            }
        }
    }

    /// `(a|b*)` up to and past the `)`. Patterns are not words of any command, so only
    /// substitutions in them would matter: those decline.
    fn case_patterns(&mut self) -> Option<()> {
        if self.peek() == Some(b'(') {
            self.pos += 1;
        }
        while let Some(c) = self.peek() {
            match c {
                b')' => {
                    self.pos += 1;
                    return Some(());
                }
                b'\\' => self.pos += 1 + self.char_len_at(self.pos + 1),
                b'\'' => {
                    let a = self.pos + 1;
                    self.pos = a + memchr::memchr(b'\'', &self.b[a..self.end])? + 1;
                }
                b'"' | b'`' | b'$' | b'(' | b'\n' | b';' | b'&' | b'<' | b'>' => return None,
                _ => self.pos += 1,
            }
        }
        None
    }

    /// `[[ … ]]`: operands and operators as words, like tree-sitter's `test_command`.
    fn double_bracket(&mut self, ctx: Ctx) -> Option<usize> {
        let (idx, owner) = self.reserve(ctx);
        let start = self.pos;
        let verbatim = |r: &Self, a: usize, b: usize| Word {
            text: r.src[a..b].to_string(),
            span: Span::new(a, b),
            dynamic: false,
        };
        let mut words = vec![verbatim(self, start, start + 2)];
        self.pos += 2;
        loop {
            self.skip_blanks();
            let a = self.pos;
            if self.at(b"]]") && self.peek_at(2).is_none_or(ends_word) {
                self.pos += 2;
                words.push(verbatim(self, a, self.pos));
                break;
            }
            let op = if self.at(b"=~") {
                return None;
            } else if self.at(b"&&") || self.at(b"||") {
                2
            } else {
                match self.peek()? {
                    b'(' | b')' | b'<' | b'>' => 1,
                    b'\n' | b';' | b'&' | b'|' => return None,
                    _ => 0,
                }
            };
            if op > 0 {
                self.pos += op;
                words.push(verbatim(self, a, self.pos));
                continue;
            }
            let w = self.word(owner)?;
            let pattern_follows = words
                .last()
                .is_some_and(|p| matches!(p.text.as_str(), "==" | "!=" | "="));
            let w = w.word(self.src);
            if pattern_follows && w.text.contains(['*', '?']) {
                // A pattern: tree-sitter reads it as one of its glob kinds.
                return None;
            }
            words.push(w);
        }
        let end = self.pos;
        self.skip_blanks();
        if self.redirect_op().is_some() {
            return None;
        }
        let cmd = &mut self.commands[idx];
        cmd.words = words;
        cmd.span = Span::new(start, end);
        Some(idx)
    }

    /// Reads the bodies of the pending heredocs, from the start of a line.
    fn heredoc_bodies(&mut self) -> Option<()> {
        for doc in std::mem::take(&mut self.heredocs) {
            let body = self.pos;
            let mut line = body;
            let close = loop {
                if line >= self.end {
                    return None;
                }
                let nl =
                    memchr::memchr(b'\n', &self.b[line..self.end]).map_or(self.end, |k| line + k);
                let text = &self.src[line..nl];
                let text = if doc.strip_tabs {
                    text.trim_start_matches('\t')
                } else {
                    text
                };
                if text == doc.delimiter {
                    break (line, (nl + 1).min(self.end));
                }
                line = nl + 1;
            };
            if doc.expands {
                let outer_end = std::mem::replace(&mut self.end, close.0);
                self.pos = body;
                let scanned = self.expansions(doc.owner);
                self.end = outer_end;
                scanned?;
            }
            self.pos = close.1;
        }
        Some(())
    }

    /// Substitutions in a heredoc body (quotes are plain text there).
    fn expansions(&mut self, owner: Ctx) -> Option<()> {
        while let Some(c) = self.peek() {
            match c {
                b'\\' => self.pos += 1 + self.char_len_at(self.pos + 1),
                b'`' => {
                    self.backquoted(owner)?;
                }
                b'$' => {
                    self.dollar(owner)?;
                }
                _ => self.pos += 1,
            }
        }
        Some(())
    }
}

/// What a simple command turns out to be once read.
enum Shape {
    /// `NAME=value …` alone.
    Assignments,
    /// `[ … ]`.
    Test,
    /// `export …`, `local …`, `unset …`.
    Declaration,
    Plain,
}

impl Reader<'_> {
    /// After `name ( )` at the read position (a function definition): where the body
    /// may start.
    fn function_head(&self) -> Option<usize> {
        let rest = &self.b[self.pos..self.end];
        let name = rest
            .iter()
            .position(|&c| !(is_name_char(c) || matches!(c, b'-' | b'.' | b':')))
            .unwrap_or(rest.len());
        if name == 0 {
            return None;
        }
        let mut i = name;
        let blanks = |i: &mut usize| {
            while rest.get(*i).is_some_and(|&c| c == b' ' || c == b'\t') {
                *i += 1;
            }
        };
        blanks(&mut i);
        (rest.get(i) == Some(&b'(')).then_some(())?;
        i += 1;
        blanks(&mut i);
        (rest.get(i) == Some(&b')')).then_some(())?;
        Some(self.pos + i + 1)
    }

    /// Pushes the command being read, so that commands in its substitutions can point
    /// at it (tree-sitter's path pushes it first too); returns it and its words' context.
    fn reserve(&mut self, ctx: Ctx) -> (usize, Ctx) {
        let idx = self.commands.len();
        self.commands.push(Command {
            words: Vec::new(),
            assignments: Vec::new(),
            redirects: Vec::new(),
            span: Span::new(self.pos, self.pos),
            pipeline: None,
            background: ctx.background,
            within: ctx.within,
            next: None,
            in_function: ctx.in_function,
            in_condition: ctx.in_condition,
            nesting: ctx.nesting,
        });
        (idx, ctx.owned_by(idx))
    }

    /// A simple command: assignments, words and redirects up to an operator.
    fn simple(&mut self, ctx: Ctx) -> Option<usize> {
        let (idx, owner) = self.reserve(ctx);
        let mut words: Vec<RawWord> = Vec::new();
        let mut assignments: Vec<RawWord> = Vec::new();
        let mut redirects: Vec<(String, RawWord)> = Vec::new();
        let mut input = false;
        let start = self.pos;
        let mut end = self.pos;
        loop {
            self.skip_blanks();
            let Some(c) = self.peek() else { break };
            if c == b'#' {
                break;
            }
            if input {
                // tree-sitter hangs what follows a heredoc on the heredoc.
                let continues = matches!(c, b';' | b'&' | b'|' | b'\n' | b')');
                if !continues {
                    return None;
                }
            }
            if self.redirect_op().is_some() {
                match self.redirect(owner, true)? {
                    Redir::File(op, target) => redirects.push((op, target)),
                    Redir::Input => input = true,
                }
            } else if ends_word(c) && !self.at(b"<(") && !self.at(b">(") {
                break;
            } else if words.is_empty() && self.assignment_ahead()? {
                assignments.push(self.word(owner)?);
            } else {
                let w = self.word(owner)?;
                if matches!(&self.src[w.span.start..w.span.end], "==" | "=~") {
                    // tree-sitter reads these (and what follows) as a test's operator.
                    return None;
                }
                words.push(w);
            }
            end = self.pos;
        }
        let shape = match words.first() {
            None if assignments.is_empty() => return None,
            None => Shape::Assignments,
            Some(w) => {
                let name = &self.src[w.span.start..w.span.end];
                if RESERVED.contains(&name) {
                    return None;
                }
                if name == "[" {
                    Shape::Test
                } else if DECLARATIONS.contains(&name) {
                    Shape::Declaration
                } else {
                    Shape::Plain
                }
            }
        };
        if !matches!(shape, Shape::Plain)
            && (!redirects.is_empty() || input || !(words.is_empty() || assignments.is_empty()))
        {
            // tree-sitter reads these as statements of their own kinds, whose redirects
            // (and assignment prefixes) it handles differently.
            return None;
        }
        let span = match shape {
            Shape::Assignments => Span::new(start, assignments.last()?.span.end),
            _ => Span::new(start, end),
        };
        let src = self.src;
        let cmd = &mut self.commands[idx];
        cmd.span = span;
        cmd.words = words.iter().map(|w| w.word(src)).collect();
        cmd.assignments = assignments.iter().map(|w| w.word(src)).collect();
        cmd.redirects = redirects
            .iter()
            .map(|(op, target)| Redirect {
                op: op.clone(),
                target: target.word(src),
            })
            .collect();
        if let Shape::Plain = shape {
            if let Some(k) = shell_string_index(&self.commands[idx]) {
                self.queue_shell_string(idx, &words[k], ctx);
            }
        }
        Some(idx)
    }

    /// At `NAME=` (an assignment, before the command name). `None` for forms this reader
    /// leaves to tree-sitter: `NAME+=`, `NAME[i]=`, `NAME=(…)`.
    fn assignment_ahead(&self) -> Option<bool> {
        let rest = &self.b[self.pos..self.end];
        if !rest.first().is_some_and(|&c| is_name_start(c)) {
            return Some(false);
        }
        let name = rest
            .iter()
            .position(|&c| !is_name_char(c))
            .unwrap_or(rest.len());
        match rest.get(name) {
            Some(b'=') => (rest.get(name + 1) != Some(&b'(')).then_some(true),
            Some(b'+' | b'[') => None,
            _ => Some(false),
        }
    }

    /// The length of the redirect operator at the read position (`2>`, `>>`, `&>`,
    /// `<&`), if one starts here. Heredocs and here-strings count, and `read`
    /// declines them.
    fn redirect_op(&self) -> Option<usize> {
        let rest = &self.b[self.pos..self.end];
        let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        let op = &rest[digits..];
        let len = if op.starts_with(b"&>>") && digits == 0 {
            3
        } else if op.starts_with(b"&>") && digits == 0 {
            2
        } else if op.starts_with(b"<(") || op.starts_with(b">(") {
            return None;
        } else if op.starts_with(b">>")
            || op.starts_with(b">&")
            || op.starts_with(b">|")
            || op.starts_with(b"<&")
            || op.starts_with(b"<>")
            || op.starts_with(b"<<")
        {
            2
        } else if op.starts_with(b">") || op.starts_with(b"<") {
            1
        } else {
            return None;
        };
        Some(digits + len)
    }

    /// A redirect: a file's operator (blanks removed) and target, or a heredoc or
    /// here-string. `in_command`: a simple command's (the heredoc marker ends its span).
    fn redirect(&mut self, owner: Ctx, in_command: bool) -> Option<Redir> {
        let len = self.redirect_op()?;
        let start = self.pos;
        let op = &self.src[start..start + len];
        self.pos += len;
        if op.ends_with("<<") {
            if self.peek() == Some(b'<') {
                self.pos += 1; // `<<<`: a here-string
                self.skip_blanks();
                self.word(owner)?;
                return Some(Redir::Input);
            }
            let strip_tabs = self.peek() == Some(b'-');
            if strip_tabs {
                self.pos += 1;
            }
            self.skip_blanks();
            let marker = self.word(owner)?;
            let raw = &self.src[marker.span.start..marker.span.end];
            let rendered = marker.render(self.src, false, false);
            if rendered.dynamic || (in_command && op.len() > 2) {
                return None;
            }
            self.heredocs.push(Heredoc {
                delimiter: rendered.text,
                strip_tabs,
                expands: !raw.contains(['\'', '"', '\\']),
                owner,
            });
            return Some(Redir::Input);
        }
        self.skip_blanks();
        let target_start = self.pos;
        let target = self.word(owner)?;
        let op = self.src[start..target_start]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        Some(Redir::File(op, target))
    }

    /// Queues the string of `sh -c STRING` to be read as a script (as
    /// `Builder::queue_shell_string`).
    fn queue_shell_string(&mut self, owner: usize, word: &RawWord, ctx: Ctx) {
        if !ShellJob::wanted(self.level, ctx) {
            return;
        }
        let r = word.render(self.src, true, false);
        let skip = word
            .pieces
            .iter()
            .filter_map(|p| match *p {
                Piece::Exp {
                    a, b, subst: true, ..
                } => Some(Span::new(a, b)),
                _ => None,
            })
            .collect();
        self.jobs.push(ShellJob::new(owner, r, skip, self.level));
    }
}
