//! Rust source with its comments blanked: what gates read (see [`without_comments`]).

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
            b'"' => i = string_end(b, i + 1)?,
            b'r' | b'b' | b'c' => i = prefixed_literal_end(b, i)?,
            b'\'' => i = quote_end(b, i),
            _ if ident_start(b[i]) => {
                // A whole identifier, so that `br` inside one is not read as a prefix.
                i += 1;
                while ident_byte(b, i) {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    if comments.is_empty() {
        return None;
    }
    let mut out = b.to_vec();
    for (start, end) in comments {
        for byte in &mut out[start..end] {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
    }
    // Whole UTF-8 sequences were replaced by ASCII spaces, the rest left as it was.
    String::from_utf8(out).ok()
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
    use super::without_comments;

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
