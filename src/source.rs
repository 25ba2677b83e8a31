//! A scanned file's text and the mapping from byte offsets to line/column positions.

use crate::classify::FileKind;
use crate::finding::Pos;
use std::sync::OnceLock;

/// One file as the rules see it: decoded text plus where it lives.
#[derive(Debug)]
pub struct SourceFile {
    /// Path relative to the scan root, `/`-separated (what every report prints).
    pub rel_path: String,
    pub kind: FileKind,
    pub text: String,
    /// Built when first asked for: most files yield no finding, so no positions.
    lines: OnceLock<LineIndex>,
}

impl SourceFile {
    /// Decodes leniently: a UTF-8 BOM is dropped (editors do not count it as a column)
    /// and invalid sequences become U+FFFD, so one bad byte never hides a file's findings.
    pub fn from_bytes(rel_path: String, kind: FileKind, bytes: &[u8]) -> SourceFile {
        SourceFile::from_vec(rel_path, kind, bytes.to_vec())
    }

    /// [`SourceFile::from_bytes`] without a copy of valid UTF-8 (a read file's buffer
    /// becomes its text).
    pub fn from_vec(rel_path: String, kind: FileKind, mut bytes: Vec<u8>) -> SourceFile {
        if bytes.starts_with(b"\xEF\xBB\xBF") {
            bytes.drain(..3);
        }
        let text = String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        SourceFile {
            rel_path,
            kind,
            text,
            lines: OnceLock::new(),
        }
    }

    pub fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.text))
    }

    pub fn pos(&self, offset: usize) -> Pos {
        self.lines().pos(&self.text, offset)
    }

    /// The text of 1-based line `line`, without its line terminator.
    pub fn line_text(&self, line: u32) -> &str {
        self.lines().line_text(&self.text, line)
    }
}

/// Byte offset of the start of every line. Columns are counted in Unicode code points
/// (SARIF `columnKind: unicodeCodePoints`), 1-based.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex { starts }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Position of a byte offset; offsets past the end clamp to the end, offsets inside a
    /// multi-byte character round down to it.
    pub fn pos(&self, text: &str, offset: usize) -> Pos {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let col = text[start..offset].chars().count();
        Pos {
            line: line as u32 + 1,
            col: col as u32 + 1,
        }
    }

    /// Byte offset of a 1-based line and 1-based code-point column (clamped to the line).
    pub fn offset(&self, text: &str, pos: Pos) -> usize {
        let line = (pos.line.max(1) as usize - 1).min(self.starts.len() - 1);
        let line_text = self.line_text(text, line as u32 + 1);
        let start = self.starts[line];
        let col = pos.col.max(1) as usize - 1;
        start
            + line_text
                .char_indices()
                .nth(col)
                .map_or(line_text.len(), |(i, _)| i)
    }

    pub fn line_start(&self, line: u32) -> usize {
        self.starts[(line.max(1) as usize - 1).min(self.starts.len() - 1)]
    }

    pub fn line_text<'t>(&self, text: &'t str, line: u32) -> &'t str {
        let idx = line.max(1) as usize - 1;
        let Some(&start) = self.starts.get(idx) else {
            return "";
        };
        let end = self.starts.get(idx + 1).copied().unwrap_or(text.len());
        text[start..end].trim_end_matches(['\n', '\r'])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_code_points_from_one() {
        let text = "ab\nçé x\r\nlast";
        let idx = LineIndex::new(text);
        assert_eq!(idx.pos(text, 0), Pos { line: 1, col: 1 });
        assert_eq!(idx.pos(text, 3), Pos { line: 2, col: 1 });
        let x = text.find('x').unwrap();
        assert_eq!(idx.pos(text, x), Pos { line: 2, col: 4 });
        assert_eq!(idx.line_text(text, 2), "çé x");
        assert_eq!(idx.pos(text, text.len() + 10), Pos { line: 3, col: 5 });
        assert_eq!(idx.offset(text, Pos { line: 2, col: 4 }), x);
    }

    #[test]
    fn bom_is_dropped_and_bad_bytes_replaced() {
        let f = SourceFile::from_bytes("a".into(), FileKind::Python, b"\xEF\xBB\xBFx = 1\n\xFF y");
        assert!(f.text.starts_with("x = 1"));
        assert_eq!(f.pos(f.text.find('y').unwrap()), Pos { line: 2, col: 3 });
    }
}
