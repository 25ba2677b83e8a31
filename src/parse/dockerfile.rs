//! A Dockerfile reader with exact positions: parser directives (`# escape=`), line
//! continuations with interleaved comments, heredocs, JSON (exec) and shell forms, flags,
//! and `ARG`/`ENV` substitution. Every word keeps the byte span it came from in the file.

use crate::finding::Span;
use std::collections::HashMap;

#[derive(Debug, Default)]
pub struct Dockerfile {
    pub instructions: Vec<Instruction>,
    pub escape: char,
    pub errors: Vec<(Span, String)>,
}

#[derive(Debug)]
pub struct Instruction {
    /// Upper-cased keyword (`FROM`, `RUN`, …).
    pub keyword: String,
    pub keyword_span: Span,
    /// From the keyword to the end of the instruction's last line (heredocs included).
    pub span: Span,
    /// The arguments with continuations and interleaved comments removed.
    pub args: Logical,
    /// Leading `--name[=value]` options (`--platform`, `--from`, `--checksum`, `--mount`).
    pub flags: Vec<Flag>,
    /// Shell-form words after the flags, unquoted.
    pub words: Vec<Word>,
    /// Where the arguments after the flags start in `args.text`.
    pub rest_start: usize,
    /// Exec (JSON array) form, when the arguments after the flags are one.
    pub exec_form: Option<Vec<Word>>,
    pub heredocs: Vec<Heredoc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Flag {
    pub name: String,
    pub value: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Heredoc {
    pub delimiter: String,
    /// The body lines, without the terminator.
    pub body: Span,
}

/// Text assembled from several pieces of the file, with a map back to file offsets.
#[derive(Debug, Default, Clone)]
pub struct Logical {
    pub text: String,
    /// (offset in `text`, offset in the file) at the start of each piece.
    pieces: Vec<(usize, usize)>,
}

impl Logical {
    fn push(&mut self, piece: &str, file_offset: usize) {
        self.pieces.push((self.text.len(), file_offset));
        self.text.push_str(piece);
    }

    /// The file offset of a logical offset.
    pub fn file_offset(&self, logical: usize) -> usize {
        let i = self.pieces.partition_point(|&(l, _)| l <= logical);
        match i.checked_sub(1).and_then(|i| self.pieces.get(i)) {
            Some(&(l, f)) => f + (logical - l),
            None => self.pieces.first().map_or(0, |&(_, f)| f),
        }
    }

    /// The file span of a logical range (end mapped from its last byte, so a range that
    /// crosses a continuation ends where its text ends).
    pub fn file_span(&self, start: usize, end: usize) -> Span {
        if end <= start {
            let s = self.file_offset(start);
            return Span::new(s, s);
        }
        // Map the last character (not byte) so the end stays on a character boundary.
        let last = self.text[..end]
            .chars()
            .next_back()
            .map_or(1, char::len_utf8);
        Span::new(self.file_offset(start), self.file_offset(end - last) + last)
    }

    /// True when the logical text is one contiguous run of the file (no continuations).
    pub fn is_contiguous(&self) -> bool {
        self.pieces.len() <= 1
    }
}

impl Instruction {
    pub fn is(&self, keyword: &str) -> bool {
        self.keyword == keyword
    }

    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.name == name)
    }

    /// The arguments after the flags, as written (continuations removed).
    pub fn rest(&self) -> &str {
        &self.args.text[self.rest_start..]
    }

    /// File span of the arguments after the flags.
    pub fn rest_span(&self) -> Span {
        let text = &self.args.text;
        let trimmed = text.trim_end();
        self.args
            .file_span(self.rest_start, trimmed.len().max(self.rest_start))
    }

    /// `KEY=VALUE` pairs of `ENV`/`ARG`/`LABEL` (and the legacy `ENV KEY VALUE`).
    pub fn key_values(&self) -> Vec<(Word, Option<Word>)> {
        let mut out = Vec::new();
        if self.keyword == "ENV" && self.words.len() >= 2 && !self.words[0].text.contains('=') {
            let key = self.words[0].clone();
            let first = &self.words[1];
            let last = self.words.last().unwrap_or(first);
            let value = self.words[1..]
                .iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            out.push((
                key,
                Some(Word {
                    text: value,
                    span: Span::new(first.span.start, last.span.end),
                }),
            ));
            return out;
        }
        for w in &self.words {
            match w.text.split_once('=') {
                Some((k, v)) => {
                    let key_span =
                        Span::new(w.span.start, (w.span.start + k.len()).min(w.span.end));
                    let mut value_start = (key_span.end + 1).min(w.span.end);
                    let mut value_end = w.span.end;
                    // The raw value may be quoted; point inside the quotes.
                    if value_end > value_start + 1 && v.len() + 2 == value_end - value_start {
                        value_start += 1;
                        value_end -= 1;
                    }
                    out.push((
                        Word {
                            text: k.to_owned(),
                            span: key_span,
                        },
                        Some(Word {
                            text: v.to_owned(),
                            span: Span::new(value_start, value_end),
                        }),
                    ));
                }
                None => out.push((w.clone(), None)),
            }
        }
        out
    }
}

pub fn parse(text: &str) -> Dockerfile {
    Reader::new(text).read()
}

struct Line {
    start: usize,
    /// Content without the line terminator (and without a trailing `\r`).
    end: usize,
}

struct Reader<'t> {
    text: &'t str,
    lines: Vec<Line>,
    escape: char,
}

impl<'t> Reader<'t> {
    fn new(text: &'t str) -> Self {
        let mut lines = Vec::new();
        let mut start = 0;
        let b = text.as_bytes();
        while start < b.len() {
            let nl = memchr::memchr(b'\n', &b[start..]).map_or(b.len(), |i| start + i);
            let mut end = nl;
            if end > start && b[end - 1] == b'\r' {
                end -= 1;
            }
            lines.push(Line { start, end });
            start = nl + 1;
        }
        Reader {
            text,
            lines,
            escape: '\\',
        }
    }

    fn line(&self, i: usize) -> &'t str {
        &self.text[self.lines[i].start..self.lines[i].end]
    }

    fn read(mut self) -> Dockerfile {
        let mut df = Dockerfile::default();
        let mut i = self.read_directives();
        df.escape = self.escape;
        while i < self.lines.len() {
            let line = self.line(i);
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                i += 1;
                continue;
            }
            let (instr, next) = self.read_instruction(i, &mut df.errors);
            if let Some(instr) = instr {
                df.instructions.push(instr);
            }
            i = next;
        }
        df
    }

    /// Parser directives: `# name=value` lines at the very top, before anything else.
    fn read_directives(&mut self) -> usize {
        let mut i = 0;
        while i < self.lines.len() {
            let line = self.line(i).trim();
            let Some(body) = line.strip_prefix('#') else {
                break;
            };
            let Some((name, value)) = body.split_once('=') else {
                break;
            };
            let name = name.trim().to_ascii_lowercase();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
                break;
            }
            if name == "escape" {
                match value.trim() {
                    "`" => self.escape = '`',
                    "\\" => self.escape = '\\',
                    _ => {}
                }
            }
            i += 1;
        }
        i
    }

    /// Whether a line's content ends with the escape character (continuation).
    fn continues(&self, content: &str) -> Option<usize> {
        let t = content.trim_end_matches([' ', '\t']);
        t.ends_with(self.escape)
            .then(|| t.len() - self.escape.len_utf8())
    }

    fn read_instruction(
        &self,
        first: usize,
        errors: &mut Vec<(Span, String)>,
    ) -> (Option<Instruction>, usize) {
        let line = self.line(first);
        let base = self.lines[first].start;
        let indent = line.len() - line.trim_start().len();
        let kw_len = line[indent..]
            .find(|c: char| c.is_whitespace())
            .unwrap_or(line.len() - indent);
        let keyword_text = &line[indent..indent + kw_len];
        let keyword_span = Span::new(base + indent, base + indent + kw_len);
        let mut args = Logical::default();
        let mut i = first;
        let mut piece_start = indent + kw_len;
        // Continuation lines: blank and comment lines inside them are dropped, as Docker does.
        let mut end_offset;
        loop {
            let content = &self.text[self.lines[i].start..self.lines[i].end];
            let from = piece_start.min(content.len());
            match self.continues(content) {
                Some(cut) if cut >= from => {
                    args.push(&content[from..cut], self.lines[i].start + from);
                    end_offset = self.lines[i].end;
                    i += 1;
                    // Skip comment and empty lines that sit inside the continuation.
                    while i < self.lines.len() {
                        let t = self.line(i).trim_start();
                        if t.is_empty() || t.starts_with('#') {
                            i += 1;
                        } else {
                            break;
                        }
                    }
                    if i >= self.lines.len() {
                        break;
                    }
                    piece_start = 0;
                }
                _ => {
                    args.push(&content[from..], self.lines[i].start + from);
                    end_offset = self.lines[i].end;
                    i += 1;
                    break;
                }
            }
        }
        let keyword = keyword_text.to_ascii_uppercase();
        if !keyword.chars().all(|c| c.is_ascii_alphabetic()) {
            errors.push((
                keyword_span,
                format!("unknown instruction `{keyword_text}`"),
            ));
            return (None, i);
        }
        // Heredocs (`<<EOF`, `<<-EOF`, `<<"EOF"`) follow the instruction line.
        let mut heredocs = Vec::new();
        if matches!(keyword.as_str(), "RUN" | "COPY" | "ADD") {
            for (delimiter, strip) in heredoc_markers(&args.text) {
                let body_start = self.lines.get(i).map_or(self.text.len(), |l| l.start);
                let mut body_end = body_start;
                let mut closed = false;
                while i < self.lines.len() {
                    let l = self.line(i);
                    let candidate = if strip { l.trim_start_matches('\t') } else { l };
                    if candidate == delimiter {
                        end_offset = self.lines[i].end;
                        i += 1;
                        closed = true;
                        break;
                    }
                    body_end = self.lines[i].end;
                    end_offset = body_end;
                    i += 1;
                }
                if !closed {
                    errors.push((
                        Span::new(body_start, body_start),
                        format!("heredoc `{delimiter}` is never closed"),
                    ));
                }
                heredocs.push(Heredoc {
                    delimiter,
                    body: Span::new(body_start, body_end.max(body_start)),
                });
            }
        }
        let (flags, rest_start) = read_flags(&args, self.escape);
        let words = split_words(&args, rest_start, self.escape);
        let exec_form = exec_form(&args, rest_start);
        let instr = Instruction {
            keyword,
            keyword_span,
            span: Span::new(base + indent, end_offset.max(base + indent)),
            args,
            flags,
            words,
            rest_start,
            exec_form,
            heredocs,
        };
        (Some(instr), i)
    }
}

fn heredoc_markers(args: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let b = args.as_bytes();
    let mut i = 0;
    while let Some(p) = args[i..].find("<<") {
        let mut j = i + p + 2;
        if b.get(j) == Some(&b'<') {
            // `<<<` is a here-string, not a heredoc.
            i = j + 1;
            continue;
        }
        let strip = b.get(j) == Some(&b'-');
        if strip {
            j += 1;
        }
        let quote = b.get(j).copied().filter(|&c| c == b'"' || c == b'\'');
        if quote.is_some() {
            j += 1;
        }
        let start = j;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
            j += 1;
        }
        if j > start {
            out.push((args[start..j].to_owned(), strip));
        }
        i = j.max(i + p + 2);
    }
    out
}

fn read_flags(args: &Logical, escape: char) -> (Vec<Flag>, usize) {
    let mut flags = Vec::new();
    let text = &args.text;
    let mut pos = text.len() - text.trim_start().len();
    while text[pos..].starts_with("--") {
        let len = text[pos..]
            .find(char::is_whitespace)
            .unwrap_or(text.len() - pos);
        let raw = &text[pos + 2..pos + len];
        let (name, value) = match raw.split_once('=') {
            Some((n, v)) => (n, Some(unquote(v, escape))),
            None => (raw, None),
        };
        flags.push(Flag {
            name: name.to_owned(),
            value,
            span: args.file_span(pos, pos + len),
        });
        pos += len;
        pos += text[pos..].len() - text[pos..].trim_start().len();
    }
    (flags, pos)
}

/// Splits shell-form arguments into words, honouring quotes and the escape character.
fn split_words(args: &Logical, from: usize, escape: char) -> Vec<Word> {
    let mut words = Vec::new();
    let text = &args.text;
    let mut chars = text[from..]
        .char_indices()
        .map(|(i, c)| (i + from, c))
        .peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut word = String::new();
        let mut end = start;
        let mut quote: Option<char> = None;
        while let Some(&(i, c)) = chars.peek() {
            if quote.is_none() && c.is_whitespace() {
                break;
            }
            chars.next();
            end = i + c.len_utf8();
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (q, c) if c == escape && q != Some('\'') => {
                    if let Some((j, n)) = chars.next() {
                        word.push(n);
                        end = j + n.len_utf8();
                    }
                }
                _ => word.push(c),
            }
        }
        words.push(Word {
            text: word,
            span: args.file_span(start, end),
        });
    }
    words
}

fn unquote(s: &str, escape: char) -> String {
    let mut out = String::new();
    let mut quote = None;
    let mut it = s.chars();
    while let Some(c) = it.next() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (q, c) if c == escape && q != Some('\'') => {
                if let Some(n) = it.next() {
                    out.push(n);
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// Parses `["a", "b"]` with the span of each element; `None` if it is not a JSON array of
/// strings (Docker then treats the text as shell form).
fn exec_form(args: &Logical, from: usize) -> Option<Vec<Word>> {
    let text = &args.text;
    let trimmed = text[from..].trim();
    if !trimmed.starts_with('[') || !trimmed.ends_with(']') {
        return None;
    }
    let b = text.as_bytes();
    let mut i = from + (text[from..].len() - text[from..].trim_start().len()) + 1;
    let mut out = Vec::new();
    let skip_ws = |i: &mut usize| {
        while *i < b.len() && (b[*i] as char).is_whitespace() {
            *i += 1;
        }
    };
    skip_ws(&mut i);
    if b.get(i) == Some(&b']') {
        return Some(out);
    }
    loop {
        skip_ws(&mut i);
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let start = i;
        i += 1;
        let mut s = String::new();
        loop {
            let c = text[i..].chars().next()?;
            i += c.len_utf8();
            match c {
                '"' => break,
                '\\' => {
                    let e = text[i..].chars().next()?;
                    i += e.len_utf8();
                    match e {
                        'n' => s.push('\n'),
                        't' => s.push('\t'),
                        'u' => {
                            let hex = text.get(i..i + 4)?;
                            i += 4;
                            s.push(char::from_u32(u32::from_str_radix(hex, 16).ok()?)?);
                        }
                        other => s.push(other),
                    }
                }
                c => s.push(c),
            }
        }
        out.push(Word {
            text: s,
            span: args.file_span(start, i),
        });
        skip_ws(&mut i);
        match b.get(i) {
            Some(b',') => i += 1,
            Some(b']') => {
                i += 1;
                skip_ws(&mut i);
                return (i == b.len()).then_some(out);
            }
            _ => return None,
        }
    }
}

/// Variables in scope for `$VAR` substitution.
pub type Vars = HashMap<String, Option<String>>;

/// Substitutes `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}` and `${VAR:+alt}`.
/// Returns the text and whether any variable had no known value.
pub fn substitute(text: &str, vars: &Vars) -> (String, bool) {
    let mut out = String::with_capacity(text.len());
    let mut unknown = false;
    let mut rest = text;
    while let Some(p) = rest.find('$') {
        out.push_str(&rest[..p]);
        rest = &rest[p + 1..];
        if let Some(body) = rest.strip_prefix('{') {
            let Some(close) = body.find('}') else {
                out.push_str("${");
                rest = body;
                continue;
            };
            let inner = &body[..close];
            rest = &body[close + 1..];
            let (name, op, arg) = split_param(inner);
            let value = vars.get(name).cloned().flatten().filter(|v| !v.is_empty());
            match (op, value) {
                (":+" | "+", Some(_)) => out.push_str(arg),
                (":+" | "+", None) => {}
                (_, Some(v)) => out.push_str(&v),
                (":-" | "-", None) => out.push_str(arg),
                (_, None) => unknown = true,
            }
        } else {
            let len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            if len == 0 {
                out.push('$');
                continue;
            }
            match vars.get(&rest[..len]).cloned().flatten() {
                Some(v) if !v.is_empty() => out.push_str(&v),
                _ => unknown = true,
            }
            rest = &rest[len..];
        }
    }
    out.push_str(rest);
    (out, unknown)
}

fn split_param(inner: &str) -> (&str, &str, &str) {
    for op in [":-", ":+", "-", "+"] {
        if let Some(p) = inner.find(op) {
            return (&inner[..p], op, &inner[p + op.len()..]);
        }
    }
    (inner, "", "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_at(src: &str, span: Span) -> &str {
        &src[span.start..span.end]
    }

    #[test]
    fn instructions_flags_and_words() {
        let src = "# syntax=docker/dockerfile:1\nFROM --platform=$BUILDPLATFORM golang:1.22 AS build\nRUN go build \\\n  # a comment\n  -o /app .\n";
        let df = parse(src);
        assert_eq!(df.instructions.len(), 2);
        let from = &df.instructions[0];
        assert_eq!(from.keyword, "FROM");
        assert_eq!(
            from.flag("platform").unwrap().value.as_deref(),
            Some("$BUILDPLATFORM")
        );
        let words: Vec<_> = from.words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(words, ["golang:1.22", "AS", "build"]);
        assert_eq!(text_at(src, from.words[0].span), "golang:1.22");
        let run = &df.instructions[1];
        let words: Vec<_> = run.words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(words, ["go", "build", "-o", "/app", "."]);
        assert_eq!(text_at(src, run.words[2].span), "-o");
        assert!(!run.args.is_contiguous());
    }

    #[test]
    fn escape_directive_and_crlf() {
        let src =
            "# escape=`\r\nFROM mcr.microsoft.com/windows:ltsc2022\r\nRUN dir `\r\n  c:\\\r\n";
        let df = parse(src);
        assert_eq!(df.escape, '`');
        let run = &df.instructions[1];
        let words: Vec<_> = run.words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(words, ["dir", "c:\\"]);
    }

    #[test]
    fn exec_form_with_spans() {
        let src = "CMD [\"gunicorn\", \"-b\", \"0.0.0.0:8000\"]\nENTRYPOINT python app.py\n";
        let df = parse(src);
        let exec = df.instructions[0].exec_form.as_ref().unwrap();
        assert_eq!(exec[2].text, "0.0.0.0:8000");
        assert_eq!(text_at(src, exec[2].span), "\"0.0.0.0:8000\"");
        assert!(df.instructions[1].exec_form.is_none());
    }

    #[test]
    fn heredocs_are_part_of_the_instruction() {
        let src = "FROM alpine\nRUN <<EOF\napk add curl\nEOF\nCMD [\"sh\"]\n";
        let df = parse(src);
        assert_eq!(df.instructions.len(), 3);
        let run = &df.instructions[1];
        assert_eq!(text_at(src, run.heredocs[0].body), "apk add curl");
        assert_eq!(df.instructions[2].keyword, "CMD");
    }

    #[test]
    fn env_forms() {
        let df = parse("ENV A=1 B=\"two words\"\nENV LEGACY some value\n");
        let kv = df.instructions[0].key_values();
        assert_eq!(kv[1].0.text, "B");
        assert_eq!(kv[1].1.as_ref().unwrap().text, "two words");
        let legacy = df.instructions[1].key_values();
        assert_eq!(legacy[0].1.as_ref().unwrap().text, "some value");
    }

    #[test]
    fn substitution() {
        let mut vars = Vars::new();
        vars.insert("TAG".into(), Some("3.12".into()));
        vars.insert("EMPTY".into(), None);
        assert_eq!(
            substitute("python:${TAG}", &vars),
            ("python:3.12".into(), false)
        );
        assert_eq!(
            substitute("python:$TAG-slim", &vars),
            ("python:3.12-slim".into(), false)
        );
        assert_eq!(
            substitute("${EMPTY:-alpine}", &vars),
            ("alpine".into(), false)
        );
        assert!(substitute("$NOPE", &vars).1);
    }

    #[test]
    fn spans_end_on_character_boundaries() {
        let src = "FROM ubuntu \\\n  AS é\nENV A=ü B=\"ö ö\"\n";
        let df = parse(src);
        for i in &df.instructions {
            for w in &i.words {
                assert!(src.is_char_boundary(w.span.end), "{w:?}");
                assert!(!text_at(src, w.span).is_empty());
            }
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        for src in [
            "RUN \\",
            "FROM",
            "\\\n\\\n",
            "RUN <<",
            "CMD [\"a\\",
            "ÄÖ \\\n#x\n",
            "RUN a`\n",
            "CMD [\"\\u12\"]",
        ] {
            let _ = parse(src);
        }
    }
}
