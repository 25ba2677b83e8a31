//! Views of Rust source that gates read, each the same length as the file, with line
//! breaks kept: without its comments ([`without_comments`]), and then also without the
//! test items that most rules skip ([`without_test_items`]).

/// `text` with the contents of its comments (doc comments included) blanked to spaces,
/// line breaks kept, so every offset still points at the same place; `None` if it has no
/// comments, or if its strings and comments do not read to a clean end (then no text
/// is hidden). Gates read this: doc comments are full of example code (`let listener =
/// TcpListener::bind("0.0.0.0:3000")`) that is not the file's code.
pub fn without_comments(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut comments: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n);
                comments.push((i, end));
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = block_comment_end(b, i)?;
                comments.push((i, end));
                i = end;
            }
            _ => i = token_end(b, i)?,
        }
    }
    if comments.is_empty() {
        return None;
    }
    blanked(b, &comments)
}

/// `code` (a file with its comments blanked) with its test items blanked too: each `fn`
/// or `mod` carrying an attribute that `web::rust_is_test` takes for a test (`#[test]`,
/// `#[tokio::test]`, `#[cfg(test)]`), attributes included. Gates of rules whose visitors
/// skip those items read this. `None` if there are none, or if the code does not read to
/// a clean end. An item is blanked only if its closing brace starts a line at the
/// attribute's indentation (as formatted code has it), so a misread brace hides nothing.
pub fn without_test_items(code: &str) -> Option<String> {
    let b = code.as_bytes();
    let mut items: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'#' => match attribute(b, i)? {
                Some((body, end)) if is_test_attribute(&b[body.0..body.1]) => {
                    match test_item_end(b, end)?.filter(|&e| closes_at_indent(b, i, e)) {
                        Some(item_end) => {
                            items.push((i, item_end));
                            i = item_end;
                        }
                        None => i = end,
                    }
                }
                Some((_, end)) => i = end,
                None => i += 1,
            },
            _ => i = token_end(b, i)?,
        }
    }
    if items.is_empty() {
        return None;
    }
    blanked(b, &items)
}

/// `b` with the bytes of `ranges` (which start and end on ASCII bytes) other than line
/// breaks turned to spaces.
fn blanked(b: &[u8], ranges: &[(usize, usize)]) -> Option<String> {
    let mut out = b.to_vec();
    for &(start, end) in ranges {
        for byte in &mut out[start..end] {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
    }
    // Whole UTF-8 sequences were replaced by ASCII spaces, the rest left as it was.
    String::from_utf8(out).ok()
}

/// At a `#`: an outer attribute `#[…]`'s body (between the brackets) and end, `Some(None)`
/// if this `#` starts none, `None` if its brackets do not close.
#[allow(clippy::type_complexity)]
fn attribute(b: &[u8], hash: usize) -> Option<Option<((usize, usize), usize)>> {
    let open = hash
        + 1
        + b[hash + 1..]
            .iter()
            .take_while(|c| c.is_ascii_whitespace())
            .count();
    if b.get(open) != Some(&b'[') {
        return Some(None);
    }
    let end = close_of(b, open, b'[', b']')?;
    Some(Some(((open + 1, end - 1), end)))
}

/// Whether an attribute body is one `web::rust_is_test` takes for a test: its path ends in
/// `test`, or it is a `cfg` mentioning `test` other than as `not(test`.
fn is_test_attribute(body: &[u8]) -> bool {
    let tight: Vec<u8> = body
        .iter()
        .copied()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let path_end = tight
        .iter()
        .position(|&c| matches!(c, b'(' | b'='))
        .unwrap_or(tight.len());
    let path = &tight[..path_end];
    let last = path.rsplit(|&c| c == b':').next().unwrap_or(path);
    last == b"test"
        || (path == b"cfg"
            && memchr::memmem::find(&tight, b"test").is_some()
            && memchr::memmem::find(&tight, b"not(test").is_none())
}

/// After a test attribute: the end of the `fn` or `mod` item it is on (past its further
/// attributes and qualifiers), `Some(None)` for any other item, `None` if unclosed.
fn test_item_end(b: &[u8], mut i: usize) -> Option<Option<usize>> {
    loop {
        i += b[i..]
            .iter()
            .take_while(|c| c.is_ascii_whitespace())
            .count();
        match b.get(i) {
            Some(b'#') => match attribute(b, i)? {
                Some((_, end)) => i = end,
                None => return Some(None),
            },
            Some(b'"') => i = string_end(b, i + 1)?, // `extern "C"`
            Some(b'(') => i = close_of(b, i, b'(', b')')?, // `pub(crate)`
            Some(&c) if ident_start(c) => {
                let start = i;
                while ident_byte(b, i) {
                    i += 1;
                }
                match &b[start..i] {
                    b"pub" | b"async" | b"unsafe" | b"const" | b"extern" | b"default" => {}
                    b"fn" | b"mod" => return body_end(b, i).map(Some),
                    _ => return Some(None),
                }
            }
            _ => return Some(None),
        }
    }
}

/// From after `fn`/`mod`: past the item's `{…}` body, or its `;` if it has none.
fn body_end(b: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 0usize; // of `(` and `[` in a signature
    while i < b.len() {
        match b[i] {
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth = depth.saturating_sub(1),
            b';' if depth == 0 => return Some(i + 1),
            b'{' if depth == 0 => return close_of(b, i, b'{', b'}'),
            b'"' | b'r' | b'b' | b'c' | b'\'' => {
                i = literal_end(b, i)?;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Past the token at `i`, which starts no comment or attribute: a whole literal or
/// lifetime, a whole identifier (so that `br` inside one is not read as a literal's
/// prefix), or one byte. `None` if a literal does not close.
fn token_end(b: &[u8], i: usize) -> Option<usize> {
    match b[i] {
        b'"' | b'r' | b'b' | b'c' | b'\'' => literal_end(b, i),
        c if ident_start(c) => {
            let mut j = i + 1;
            while ident_byte(b, j) {
                j += 1;
            }
            Some(j)
        }
        _ => Some(i + 1),
    }
}

/// Where the string, raw or byte string, character literal or lifetime starting at `i`
/// ends (for `r`, `b`, `c` not starting one: where the identifier ends).
fn literal_end(b: &[u8], i: usize) -> Option<usize> {
    match b[i] {
        b'"' => string_end(b, i + 1),
        b'\'' => Some(quote_end(b, i)),
        _ => prefixed_literal_end(b, i),
    }
}

/// Past the `close` matching the `open` at `at`, skipping literals.
fn close_of(b: &[u8], at: usize, open: u8, close: u8) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = at;
    while i < b.len() {
        match b[i] {
            c if c == open => depth += 1,
            c if c == close => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            b'"' | b'r' | b'b' | b'c' | b'\'' => {
                i = literal_end(b, i)?;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Whether the item from `start` to `end` closes where formatted code closes it: on its
/// own line (the one it starts, or a later one beginning with the closing byte) at the
/// indentation of the line it starts on.
fn closes_at_indent(b: &[u8], start: usize, end: usize) -> bool {
    let line_of = |at: usize| {
        b[..at]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |n| n + 1)
    };
    let (first, last) = (line_of(start), line_of(end - 1));
    if first == last {
        return true;
    }
    let indent = |line: usize| {
        b[line..]
            .iter()
            .take_while(|&&c| c == b' ' || c == b'\t')
            .count()
    };
    indent(first) == indent(last) && last + indent(last) == end - 1
}

fn ident_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_' || byte >= 0x80
}

/// Whether the byte at `i` (which may be out of range) continues an identifier.
fn ident_byte(b: &[u8], i: usize) -> bool {
    b.get(i)
        .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80)
}

/// The end of the (nestable) block comment opening at `start`.
fn block_comment_end(b: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = start;
    while i + 1 < b.len() {
        match (b[i], b[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// The end of a `"…"` string whose contents start at `i`.
fn string_end(b: &[u8], mut i: usize) -> Option<usize> {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// After `r`, `b`, `c` (not inside an identifier): a raw or byte string or byte
/// literal's end, or the end of the identifier it starts (`return`, `break`, `r#type`).
fn prefixed_literal_end(b: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    if b[start] != b'r' && b.get(i) == Some(&b'r') {
        i += 1; // `br"…"`, `cr"…"`
    }
    let raw = b[start] == b'r' || i > start + 1;
    if raw {
        let hashes = b[i..].iter().take_while(|&&c| c == b'#').count();
        if b.get(i + hashes) == Some(&b'"') {
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            let body = i + hashes + 1;
            return memchr::memmem::find(&b[body..], &close).map(|n| body + n + close.len());
        }
    } else if b.get(i) == Some(&b'"') {
        return string_end(b, i + 1);
    } else if b[start] == b'b' && b.get(i) == Some(&b'\'') {
        return Some(quote_end(b, i));
    }
    // An identifier (or a raw identifier `r#name`).
    let mut j = start + 1;
    if b[start] == b'r' && b.get(j) == Some(&b'#') {
        j += 1;
    }
    while ident_byte(b, j) {
        j += 1;
    }
    Some(j)
}

/// After a `'` at `i`: the end of a character literal (`'a'`, `'\n'`, `'\u{1F600}'`,
/// `'é'`), or just past the quote of a lifetime or label (`'a`, `'static`).
fn quote_end(b: &[u8], i: usize) -> usize {
    match b.get(i + 1) {
        Some(b'\\') => {
            let mut j = i + 3; // past the escaped character
            while j < b.len() && b[j] != b'\'' && b[j] != b'\n' && j - i < 16 {
                j += 1;
            }
            if b.get(j) == Some(&b'\'') {
                j + 1
            } else {
                i + 1
            }
        }
        Some(&c) => {
            let width = match c {
                0x00..=0x7f => 1,
                0xc0..=0xdf => 2,
                0xe0..=0xef => 3,
                _ => 4,
            };
            if b.get(i + 1 + width) == Some(&b'\'') {
                i + 2 + width
            } else {
                i + 1
            }
        }
        None => i + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::{without_comments, without_test_items};

    #[test]
    fn blanks_test_functions_and_modules() {
        let src = "use std::net::TcpListener;\n\nfn main() {\n    serve(\"0.0.0.0:1\");\n}\n\n#[test]\nfn t() {\n    let c = '}';\n    bind(\"a }\");\n}\n\n#[tokio::test(flavor = \"multi_thread\")]\nasync fn u() -> Result<[u8; 2], ()> {\n    run()\n}\n\n#[cfg(all(test, feature = \"x\"))]\n#[allow(unused)]\npub(crate) mod tests {\n    fn listen() {}\n}\n";
        let out = without_test_items(src).expect("has test items");
        assert_eq!(out.len(), src.len());
        assert_eq!(out.lines().count(), src.lines().count());
        assert!(out.starts_with(
            "use std::net::TcpListener;\n\nfn main() {\n    serve(\"0.0.0.0:1\");\n}\n"
        ));
        for gone in ["bind", "run()", "listen", "#[test]", "tokio", "cfg"] {
            assert!(!out.contains(gone), "{gone} in {out}");
        }
    }

    #[test]
    fn keeps_what_the_rules_visit() {
        for src in [
            // Not tests, or test attributes on items the rules still visit.
            "#[cfg(not(test))]\nfn main() {\n    bind();\n}\n",
            "#[cfg(test)]\nuse tokio::net::TcpListener;\nfn main() {}\n",
            "#[cfg(test)]\nimpl Server {\n    fn bind() {}\n}\n",
            "#[test_case(1)]\nfn f() {\n    bind();\n}\n",
            "#[cfg(feature = \"tls\")]\nmod tls {\n    fn bind() {}\n}\n",
            // A closing brace that formatted code would not have: hide nothing.
            "#[test]\nfn t() {\n    let s = \"{\";\n  }\nfn main() { bind(); }\n",
            // Unclosed.
            "#[test]\nfn t() {\n    bind();\n",
            "#[cfg(test\nfn main() {}\n",
        ] {
            assert_eq!(without_test_items(src), None, "{src}");
        }
    }

    #[test]
    fn blanks_comments_and_only_comments() {
        let src = "/// let l = TcpListener::bind(\"0.0.0.0:3000\");\nfn main() { // bind\n    let u = \"http://x//y\"; /* a /* nested */ b */ let c = '\"'; let q = '\\'';\n    let r = r#\"// not \"a comment\"#; let s: &'static str = \"\\\"//\"; let b = b'/';\n}\n";
        let out = without_comments(src).expect("has comments");
        assert_eq!(out.len(), src.len());
        assert_eq!(out.lines().count(), src.lines().count());
        assert!(!out.contains("TcpListener") && !out.contains("bind") && !out.contains("nested"));
        for kept in [
            "\"http://x//y\"",
            "'\"'",
            "'\\''",
            "r#\"// not \"a comment\"#",
            "&'static str = \"\\\"//\"",
            "b'/'",
            "fn main() {",
        ] {
            assert!(out.contains(kept), "{kept} in {out}");
        }
    }

    #[test]
    fn hides_nothing_when_unsure_or_clean() {
        assert_eq!(without_comments("fn main() {}"), None);
        assert_eq!(without_comments("let s = \"unterminated // x"), None);
        assert_eq!(without_comments("/* unterminated"), None);
        assert_eq!(without_comments("let s = r#\"no end\"; // x"), None);
        let lifetimes = "fn f<'a>(x: &'a str) -> char { 'é' } // é";
        let out = without_comments(lifetimes).expect("has a comment");
        assert!(out.starts_with("fn f<'a>(x: &'a str) -> char { 'é' }"));
        assert!(out.ends_with("     ") && out.len() == lifetimes.len());
    }

    #[test]
    fn test_items_only_blanks_and_never_panics() {
        let pieces = [
            "#[test]",
            "#[cfg(test)]",
            "#[",
            "]",
            "fn ",
            "mod ",
            "pub ",
            "(",
            ")",
            "{",
            "}",
            "\"",
            "'",
            "\\",
            "r#\"",
            "\"#",
            "b'",
            "a",
            "'a",
            "é",
            "\n",
            "  ",
            ";",
            "[u8; 2]",
        ];
        let mut random = crate::test_random::Xorshift::new();
        for _ in 0..20_000 {
            let src = random.soup(&pieces, 16);
            if let Some(out) = without_test_items(&src) {
                assert_eq!(out.len(), src.len(), "{src:?}");
                for (a, b) in src.bytes().zip(out.bytes()) {
                    assert!(a == b || (b == b' ' && a != b'\n'), "{src:?} → {out:?}");
                }
            }
        }
    }

    #[test]
    fn only_blanks_and_never_panics() {
        let pieces = [
            "//", "/*", "*/", "\"", "'", "\\", "r#\"", "\"#", "b'", "br\"", "c\"", "r#x", "a",
            "'a", "é", "\n", " ", "#", "/", "*", "x'", "0",
        ];
        let mut random = crate::test_random::Xorshift::new();
        for _ in 0..20_000 {
            let src = random.soup(&pieces, 16);
            if let Some(out) = without_comments(&src) {
                assert_eq!(out.len(), src.len(), "{src:?}");
                for (a, b) in src.bytes().zip(out.bytes()) {
                    assert!(a == b || (b == b' ' && a != b'\n'), "{src:?} → {out:?}");
                }
            }
        }
    }
}
