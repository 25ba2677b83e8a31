//! A small JSON reader that keeps byte spans on every key and value (`package.json`,
//! `composer.json`). Iterative, with nesting capped at [`MAX_DEPTH`]: a hostile file gets
//! an error, never a stack overflow. On invalid input it returns what parsed before the
//! error (open arrays and objects are closed where the error is) plus the error.

use crate::finding::Span;

/// Deeper nesting is an error (no manifest comes near it).
pub const MAX_DEPTH: usize = 256;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value's bytes, quotes and brackets included.
    pub span: Span,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// The number as written.
    Number(String),
    /// The decoded string (escapes resolved; lone surrogates become U+FFFD).
    String(String),
    Array(Vec<Node>),
    Object(Vec<Member>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub key: String,
    /// The key's bytes, quotes included.
    pub key_span: Span,
    pub value: Node,
}

/// The result of reading a document: the (possibly partial) root and the first error.
#[derive(Debug, Default)]
pub struct Json {
    pub root: Option<Node>,
    pub error: Option<(Span, String)>,
}

impl Node {
    /// The value of `key` in an object (the last one if the key repeats, as `JSON.parse` does).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.member(key).map(|m| &m.value)
    }

    /// The member named `key` in an object, with its key span.
    pub fn member(&self, key: &str) -> Option<&Member> {
        match &self.value {
            Value::Object(m) => m.iter().rev().find(|m| m.key == key),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Members of an object (empty for anything else).
    pub fn entries(&self) -> &[Member] {
        match &self.value {
            Value::Object(m) => m,
            _ => &[],
        }
    }

    /// Items of an array (empty for anything else).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Array(a) => a,
            _ => &[],
        }
    }

    pub fn is_object(&self) -> bool {
        matches!(self.value, Value::Object(_))
    }

    /// The span of a string's contents, without its quotes (the whole span otherwise).
    pub fn inner_span(&self) -> Span {
        match self.value {
            Value::String(_) if self.span.len() >= 2 => {
                Span::new(self.span.start + 1, self.span.end - 1)
            }
            _ => self.span,
        }
    }
}

enum Frame {
    Array {
        start: usize,
        items: Vec<Node>,
    },
    Object {
        start: usize,
        members: Vec<Member>,
        key: Option<(String, Span)>,
    },
}

struct Reader<'s> {
    src: &'s str,
    bytes: &'s [u8],
    pos: usize,
}

type Fail = (Span, String);

impl Reader<'_> {
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn fail(&self, what: &str) -> Fail {
        let found = match self.src[self.pos.min(self.src.len())..].chars().next() {
            None => "the end of the file".to_owned(),
            Some(c) => format!("`{}`", c.escape_debug()),
        };
        (
            Span::new(self.pos, self.pos),
            format!("JSON: expected {what}, found {found}"),
        )
    }

    /// A string starting at the current `"`; returns the decoded text and its span.
    fn string(&mut self) -> Result<(String, Span), Fail> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            // Copy the run of plain characters in one go.
            let run_start = self.pos;
            while let Some(&b) = self.bytes.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.src[run_start..self.pos]);
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok((out, Span::new(start, self.pos)));
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let Some(e) = self.peek() else {
                        return Err(self.fail("an escape after `\\`"));
                    };
                    self.pos += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&hi)
                                && self.bytes.get(self.pos..self.pos + 2) == Some(b"\\u")
                            {
                                let save = self.pos;
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                                } else {
                                    self.pos = save;
                                    None
                                }
                            } else {
                                char::from_u32(hi)
                            };
                            out.push(c.unwrap_or('\u{FFFD}'));
                        }
                        _ => {
                            self.pos -= 1;
                            return Err(self.fail("a valid escape (`\\n`, `\\\"`, `\\u0041`, …)"));
                        }
                    }
                }
                Some(_) => return Err(self.fail("`\"` before the end of the line")),
                None => return Err(self.fail("a closing `\"`")),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, Fail> {
        let digits = self
            .src
            .get(self.pos..self.pos + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()));
        match digits.and_then(|d| u32::from_str_radix(d, 16).ok()) {
            Some(v) => {
                self.pos += 4;
                Ok(v)
            }
            None => Err(self.fail("four hex digits after `\\u`")),
        }
    }

    fn number(&mut self) -> Result<Node, Fail> {
        let start = self.pos;
        let digits = |r: &mut Self| {
            let s = r.pos;
            while r.peek().is_some_and(|b| b.is_ascii_digit()) {
                r.pos += 1;
            }
            r.pos > s
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        if !digits(self) {
            return Err(self.fail("a digit"));
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !digits(self) {
                return Err(self.fail("a digit after `.`"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !digits(self) {
                return Err(self.fail("an exponent"));
            }
        }
        Ok(Node {
            span: Span::new(start, self.pos),
            value: Value::Number(self.src[start..self.pos].to_owned()),
        })
    }

    fn literal(&mut self) -> Result<Node, Fail> {
        let start = self.pos;
        for (word, value) in [
            ("true", Value::Bool(true)),
            ("false", Value::Bool(false)),
            ("null", Value::Null),
        ] {
            if self.src[start..].starts_with(word) {
                self.pos += word.len();
                return Ok(Node {
                    span: Span::new(start, self.pos),
                    value,
                });
            }
        }
        Err(self.fail("a value"))
    }
}

/// Reads a JSON document. Never panics and never recurses.
pub fn parse(src: &str) -> Json {
    let mut r = Reader {
        src,
        bytes: src.as_bytes(),
        pos: 0,
    };
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    let result = run(&mut r, &mut stack, &mut root);
    let error = result.err();
    if error.is_some() {
        // Close whatever is open at the error, innermost first, keeping what parsed.
        let end = r.pos.min(src.len());
        let mut done: Option<Node> = None;
        while let Some(frame) = stack.pop() {
            let mut node = close(frame, end);
            if let Some(inner) = done.take() {
                attach_partial(&mut node, inner);
            }
            done = Some(node);
        }
        if root.is_none() {
            root = done;
        }
    }
    Json { root, error }
}

fn close(frame: Frame, end: usize) -> Node {
    match frame {
        Frame::Array { start, items } => Node {
            span: Span::new(start, end),
            value: Value::Array(items),
        },
        Frame::Object { start, members, .. } => Node {
            span: Span::new(start, end),
            value: Value::Object(members),
        },
    }
}

/// Appends a partially read child to the container that was open around it. The pending
/// key of an object frame is lost by then, so the child becomes its last member's value
/// only through [`run`]; here the key travels in the child's frame instead.
fn attach_partial(parent: &mut Node, child: Node) {
    match &mut parent.value {
        Value::Array(items) => items.push(child),
        Value::Object(members) => {
            // The key was recorded as a placeholder member when the child opened.
            if let Some(last) = members.last_mut() {
                if last.value.value == Value::Null && last.value.span.is_empty() {
                    last.value = child;
                }
            }
        }
        _ => {}
    }
}

fn run(r: &mut Reader<'_>, stack: &mut Vec<Frame>, root: &mut Option<Node>) -> Result<(), Fail> {
    // `true` while a value is expected next; `false` after a value (expecting `,` or a close).
    let mut want_value = true;
    loop {
        r.skip_ws();
        if want_value {
            let node = match r.peek() {
                Some(open @ (b'{' | b'[')) => {
                    if stack.len() >= MAX_DEPTH {
                        return Err((
                            Span::new(r.pos, r.pos + 1),
                            format!("JSON: nesting deeper than {MAX_DEPTH} levels"),
                        ));
                    }
                    // An object member's value that is itself a container: record the key
                    // now (as a placeholder member) so a partial read keeps it.
                    if let Some(Frame::Object { members, key, .. }) = stack.last_mut() {
                        if let Some((k, ks)) = key.take() {
                            members.push(Member {
                                key: k,
                                key_span: ks,
                                value: Node {
                                    span: Span::new(r.pos, r.pos),
                                    value: Value::Null,
                                },
                            });
                        }
                    }
                    let start = r.pos;
                    r.pos += 1;
                    if open == b'{' {
                        stack.push(Frame::Object {
                            start,
                            members: Vec::new(),
                            key: None,
                        });
                        r.skip_ws();
                        if r.peek() == Some(b'}') {
                            r.pos += 1;
                            want_value = false;
                            finish_container(stack, root, r.pos);
                            if stack.is_empty() {
                                return expect_end(r);
                            }
                            continue;
                        }
                        read_key(r, stack)?;
                        continue;
                    }
                    stack.push(Frame::Array {
                        start,
                        items: Vec::new(),
                    });
                    r.skip_ws();
                    if r.peek() == Some(b']') {
                        r.pos += 1;
                        want_value = false;
                        finish_container(stack, root, r.pos);
                        if stack.is_empty() {
                            return expect_end(r);
                        }
                    }
                    continue;
                }
                Some(b'"') => {
                    let (s, span) = r.string()?;
                    Node {
                        span,
                        value: Value::String(s),
                    }
                }
                Some(b'-' | b'0'..=b'9') => r.number()?,
                Some(b't' | b'f' | b'n') => r.literal()?,
                _ => return Err(r.fail("a value")),
            };
            match stack.last_mut() {
                None => {
                    *root = Some(node);
                    return expect_end(r);
                }
                Some(Frame::Array { items, .. }) => items.push(node),
                Some(Frame::Object { members, key, .. }) => {
                    if let Some((k, ks)) = key.take() {
                        members.push(Member {
                            key: k,
                            key_span: ks,
                            value: node,
                        });
                    }
                }
            }
            want_value = false;
            continue;
        }
        // After a value inside a container.
        let is_object = matches!(stack.last(), Some(Frame::Object { .. }));
        match (r.peek(), is_object) {
            (Some(b','), true) => {
                r.pos += 1;
                read_key(r, stack)?;
                want_value = true;
            }
            (Some(b','), false) => {
                r.pos += 1;
                want_value = true;
            }
            (Some(b'}'), true) | (Some(b']'), false) => {
                r.pos += 1;
                finish_container(stack, root, r.pos);
                if stack.is_empty() {
                    return expect_end(r);
                }
            }
            (_, true) => return Err(r.fail("`,` or `}`")),
            (_, false) => return Err(r.fail("`,` or `]`")),
        }
    }
}

/// Reads `"key" :` inside an object, leaving the reader at the value.
fn read_key(r: &mut Reader<'_>, stack: &mut [Frame]) -> Result<(), Fail> {
    r.skip_ws();
    if r.peek() != Some(b'"') {
        return Err(r.fail("a key in double quotes"));
    }
    let (k, span) = r.string()?;
    r.skip_ws();
    if r.peek() != Some(b':') {
        return Err(r.fail("`:` after the key"));
    }
    r.pos += 1;
    if let Some(Frame::Object { key, .. }) = stack.last_mut() {
        *key = Some((k, span));
    }
    Ok(())
}

/// Pops the innermost container (just closed at `end`) and hands it to its parent.
fn finish_container(stack: &mut Vec<Frame>, root: &mut Option<Node>, end: usize) {
    let Some(frame) = stack.pop() else { return };
    let node = close(frame, end);
    match stack.last_mut() {
        None => *root = Some(node),
        Some(Frame::Array { items, .. }) => items.push(node),
        Some(Frame::Object { members, .. }) => {
            // The placeholder member recorded when this container opened.
            if let Some(last) = members.last_mut() {
                last.value = node;
            }
        }
    }
}

fn expect_end(r: &mut Reader<'_>) -> Result<(), Fail> {
    r.skip_ws();
    if r.pos < r.bytes.len() {
        return Err(r.fail("the end of the document"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(src: &str) -> Node {
        let j = parse(src);
        assert!(j.error.is_none(), "{src}: {:?}", j.error);
        j.root.unwrap()
    }

    #[test]
    fn values_and_spans() {
        let src = r#"{"name": "app", "n": -1.5e3, "ok": true, "no": null,
  "deps": {"left-pad": "*", "a": ["x", 1, {}]}, "e": []}"#;
        let root = ok(src);
        assert_eq!(root.get("name").unwrap().as_str(), Some("app"));
        let m = root.member("name").unwrap();
        assert_eq!(&src[m.key_span.start..m.key_span.end], "\"name\"");
        assert_eq!(root.get("n").unwrap().value, Value::Number("-1.5e3".into()));
        assert_eq!(root.get("ok").unwrap().value, Value::Bool(true));
        assert_eq!(root.get("no").unwrap().value, Value::Null);
        let deps = root.get("deps").unwrap();
        let star = deps.get("left-pad").unwrap();
        assert_eq!(&src[star.span.start..star.span.end], "\"*\"");
        assert_eq!(&src[star.inner_span().start..star.inner_span().end], "*");
        let a = deps.get("a").unwrap();
        assert_eq!(a.items().len(), 3);
        assert_eq!(&src[a.span.start..a.span.end], r#"["x", 1, {}]"#);
        assert!(root.get("e").unwrap().items().is_empty());
        assert_eq!(root.span, Span::new(0, src.len()));
        assert_eq!(deps.entries().len(), 2);
    }

    #[test]
    fn escapes() {
        let root = ok(r#"["a\"b\\\/\n\u0041\u00e9\ud83d\ude00\ud800x", "ç"]"#);
        assert_eq!(root.items()[0].as_str(), Some("a\"b\\/\nAé😀\u{FFFD}x"));
        assert_eq!(root.items()[1].as_str(), Some("ç"));
    }

    #[test]
    fn scalars_at_top_level_and_duplicate_keys() {
        assert_eq!(ok(" 12 ").value, Value::Number("12".into()));
        assert_eq!(ok("\"s\"").as_str(), Some("s"));
        let root = ok(r#"{"a": 1, "a": 2}"#);
        assert_eq!(root.get("a").unwrap().value, Value::Number("2".into()));
    }

    #[test]
    fn errors_keep_what_parsed() {
        let src = r#"{"dependencies": {"a": "*", "b": "1.0" "c": "2"}, "z": 1}"#;
        let j = parse(src);
        let (span, msg) = j.error.clone().unwrap();
        assert!(msg.contains("`,` or `}`"), "{msg}");
        assert_eq!(&src[span.start..span.start + 3], "\"c\"");
        let root = j.root.unwrap();
        let deps = root.get("dependencies").unwrap();
        assert_eq!(deps.get("a").unwrap().as_str(), Some("*"));
        assert_eq!(deps.get("b").unwrap().as_str(), Some("1.0"));
        assert!(root.get("z").is_none());

        for bad in [
            "",
            "{",
            "[1,",
            "{\"a\"",
            "{\"a\":",
            "[1 2]",
            "{'a': 1}",
            "[01x]",
            "tru",
            "[\"\\q\"]",
            "[\"a\nb\"]",
            "{} x",
            "[-]",
            "[1.]",
            "[1e]",
            "\"\\u12\"",
            "{,}",
            "[,]",
            "{\"a\":1,}",
            "\u{feff}{}",
        ] {
            let j = parse(bad);
            assert!(j.error.is_some(), "{bad:?} should fail");
        }
        // A partial object inside an array inside an object.
        let j = parse(r#"{"a": [{"b": "c", "#);
        let root = j.root.unwrap();
        let inner = &root.get("a").unwrap().items()[0];
        assert_eq!(inner.get("b").unwrap().as_str(), Some("c"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        for open in ["[", "{\"a\":"] {
            let src = open.repeat(100_000);
            let j = parse(&src);
            let (_, msg) = j.error.unwrap();
            assert!(msg.contains("nesting deeper than 256"), "{msg}");
            assert!(j.root.is_some());
        }
        let ok_depth = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok_depth).error.is_none());
        let too_deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(parse(&too_deep).error.is_some());
    }

    #[test]
    fn random_input_never_panics() {
        let pieces = [
            "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "d83d", "0", "-", ".", "e", "true",
            "null", " ", "\n", "é", "a", "\\n",
        ];
        let mut seed: u64 = 0x1234_5678_9ABC_DEF0;
        for _ in 0..5000 {
            let mut s = String::new();
            for _ in 0..(seed % 40) {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                s.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
            }
            let j = parse(&s);
            if let Some((span, _)) = j.error {
                assert!(span.end <= s.len());
            }
            seed = seed.wrapping_add(0x2545_F491_4F6C_DD1D);
        }
    }

    #[test]
    fn never_panics_on_prefixes() {
        let src = r#"{"a": [1, -2.5e+3, "x\u00e9", {"b": null, "c": [true, false]}], "d": "é"}"#;
        for end in 0..=src.len() {
            if src.is_char_boundary(end) {
                let _ = parse(&src[..end]);
            }
        }
        for (i, _) in src.char_indices() {
            let mut s = src.to_owned();
            s.remove(i);
            let _ = parse(&s);
        }
    }
}
