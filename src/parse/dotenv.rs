//! `.env` files: `KEY=value` lines (with `export`, quotes, multi-line double-quoted values
//! and trailing comments), each with the byte spans of its key and value.

use crate::finding::Span;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    /// The value as the application sees it (quotes removed, escapes applied).
    pub value: String,
    /// The value's text in the file, inside any quotes.
    pub value_span: Span,
    pub quoted: bool,
}

/// Every assignment in a `.env` file. Lines that are not assignments are skipped: the
/// format has no grammar to violate, only conventions.
pub fn parse(text: &str) -> Vec<Entry> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut pos = 0;
    while pos < b.len() {
        let line_end = memchr::memchr(b'\n', &b[pos..]).map_or(b.len(), |i| pos + i);
        let next = parse_line(text, pos, line_end, &mut out);
        pos = next.max(line_end + 1);
    }
    out
}

/// Parses the line at `start`; returns where the next line starts (after a multi-line value).
fn parse_line(text: &str, start: usize, line_end: usize, out: &mut Vec<Entry>) -> usize {
    let b = text.as_bytes();
    let mut i = start;
    let skip_blank = |i: &mut usize| {
        while *i < line_end && matches!(b[*i], b' ' | b'\t') {
            *i += 1;
        }
    };
    skip_blank(&mut i);
    if i >= line_end || b[i] == b'#' {
        return line_end + 1;
    }
    if text[i..line_end].starts_with("export ") {
        i += "export ".len();
        skip_blank(&mut i);
    }
    let key_start = i;
    while i < line_end && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'.' | b'-')) {
        i += 1;
    }
    let key_end = i;
    skip_blank(&mut i);
    if key_end == key_start || i >= line_end || b[i] != b'=' {
        return line_end + 1;
    }
    i += 1;
    skip_blank(&mut i);
    let key = text[key_start..key_end].to_owned();
    let key_span = Span::new(key_start, key_end);
    let quote = b
        .get(i)
        .copied()
        .filter(|c| matches!(c, b'"' | b'\'' | b'`'));
    match quote {
        Some(q) => {
            let vstart = i + 1;
            // Double quotes may span lines; single quotes and backticks end on the line
            // unless a closing quote is found later (some tools allow multi-line).
            let mut j = vstart;
            let mut value = String::new();
            let mut closed = None;
            while j < b.len() {
                let c = b[j];
                if c == q {
                    closed = Some(j);
                    break;
                }
                if c == b'\\' && q == b'"' && j + 1 < b.len() {
                    match b[j + 1] {
                        b'n' => value.push('\n'),
                        b't' => value.push('\t'),
                        b'r' => value.push('\r'),
                        other if other.is_ascii() => value.push(other as char),
                        _ => {
                            value.push('\\');
                            j += 1;
                            continue;
                        }
                    }
                    j += 2;
                    continue;
                }
                let ch = text[j..].chars().next().unwrap_or('\u{fffd}');
                value.push(ch);
                j += ch.len_utf8().max(1);
            }
            match closed {
                Some(end) => {
                    out.push(Entry {
                        key,
                        key_span,
                        value,
                        value_span: Span::new(vstart, end),
                        quoted: true,
                    });
                    // Continue after the line holding the closing quote.
                    memchr::memchr(b'\n', &b[end..]).map_or(b.len(), |k| end + k + 1)
                }
                None => {
                    // Unterminated: take the rest of the line as written.
                    let end = trim_end(text, vstart, line_end);
                    out.push(Entry {
                        key,
                        key_span,
                        value: text[vstart..end].to_owned(),
                        value_span: Span::new(vstart, end),
                        quoted: true,
                    });
                    line_end + 1
                }
            }
        }
        None => {
            let mut end = line_end;
            // ` # comment` ends an unquoted value.
            let mut k = i;
            while k < line_end {
                if b[k] == b'#' && k > i && matches!(b[k - 1], b' ' | b'\t') {
                    end = k;
                    break;
                }
                k += 1;
            }
            let end = trim_end(text, i, end);
            out.push(Entry {
                key,
                key_span,
                value: text[i..end].to_owned(),
                value_span: Span::new(i, end),
                quoted: false,
            });
            line_end + 1
        }
    }
}

fn trim_end(text: &str, start: usize, end: usize) -> usize {
    start + text[start..end].trim_end().len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_entries_with_spans() {
        let src = "# comment\nA=1\nexport B = 'two words'\nC=\"x\\ny\" # c\nD=plain # note\n\nE=\"multi\nline\"\nF=\nbogus line\nG=last";
        let entries = parse(src);
        let got: Vec<(&str, &str, &str)> = entries
            .iter()
            .map(|e| {
                (
                    e.key.as_str(),
                    e.value.as_str(),
                    &src[e.value_span.start..e.value_span.end],
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("A", "1", "1"),
                ("B", "two words", "two words"),
                ("C", "x\ny", "x\\ny"),
                ("D", "plain", "plain"),
                ("E", "multi\nline", "multi\nline"),
                ("F", "", ""),
                ("G", "last", "last"),
            ]
        );
        assert_eq!(
            &src[entries[1].key_span.start..entries[1].key_span.end],
            "B"
        );
    }

    #[test]
    fn crlf_and_odd_input() {
        let entries = parse("A=b\r\nC=\"d\"\r\n");
        assert_eq!(entries[0].value, "b");
        assert_eq!(entries[1].value, "d");
        for src in ["=", "A=\"", "A='x", "\"", "é=é", "A=\\", "A=\"\\"] {
            let _ = parse(src);
        }
    }
}
