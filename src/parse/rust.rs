//! Rust sources through syn, with span locations mapped back to byte offsets.

use crate::finding::{Pos, Span};
use crate::source::SourceFile;

/// syn parses recursively and a stack overflow cannot be caught, so files nested deeper
/// than this are reported as `parse-error` instead of parsed.
pub const MAX_NESTING: usize = 128;

#[derive(Debug)]
pub struct RustError {
    pub message: String,
    pub offset: Option<usize>,
}

pub fn parse(text: &str) -> Result<syn::File, RustError> {
    if let Some(offset) = too_deep(text, MAX_NESTING) {
        return Err(RustError {
            message: format!("nesting deeper than {MAX_NESTING} levels; file skipped"),
            offset: Some(offset),
        });
    }
    // Spans live in a per-thread table that only grows; the previous file's tree is gone
    // by now (one file at a time per worker), so start this file with an empty table.
    proc_macro2::extra::invalidate_current_thread_spans();
    syn::parse_file(text).map_err(|e| {
        let start = e.span().start();
        RustError {
            message: e.to_string(),
            offset: (start.line > 0).then(|| {
                let idx = crate::source::LineIndex::new(text);
                idx.offset(
                    text,
                    Pos {
                        line: start.line as u32,
                        col: start.column as u32 + 1,
                    },
                )
            }),
        }
    })
}

/// The byte offset where bracket nesting first exceeds `limit`, ignoring brackets inside
/// string literals and comments (approximately: it only needs to be safe, not exact).
pub fn too_deep(text: &str, limit: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Some(i);
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n);
            }
            _ => {}
        }
        i += 1;
    }
    None
}

pub fn byte_span(file: &SourceFile, span: proc_macro2::Span) -> Span {
    let to_offset = |lc: proc_macro2::LineColumn| {
        file.lines().offset(
            &file.text,
            Pos {
                line: lc.line as u32,
                col: lc.column as u32 + 1,
            },
        )
    };
    Span::new(to_offset(span.start()), to_offset(span.end()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let src = format!(
            "fn f() {{ let x = {}1{}; }}",
            "(".repeat(100_000),
            ")".repeat(100_000)
        );
        let Err(err) = parse(&src) else {
            panic!("parsed")
        };
        assert!(err.message.contains("nesting"));
    }

    #[test]
    fn parse_errors_have_offsets() {
        let Err(err) = parse("fn main() {\n  let x = ;\n}") else {
            panic!("parsed")
        };
        assert!(err.offset.is_some());
    }
}
