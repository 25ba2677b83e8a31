//! Findings are plain data: every reporter reads only these types.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "note" => Some(Severity::Note),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A 1-based line and 1-based column counted in Unicode code points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Pos {
    pub line: u32,
    #[serde(rename = "column")]
    pub col: u32,
}

/// A half-open byte range in the file's decoded text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start,
            end: end.max(start),
        }
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// This span shifted by `base` bytes (for text parsed out of a larger file).
    pub fn offset(self, base: usize) -> Span {
        Span::new(self.start + base, self.end + base)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub factor: u8,
    pub path: String,
    pub start: Pos,
    pub end: Pos,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// The text of the flagged line(s), already redacted; reporters never re-read files.
    #[serde(skip)]
    pub snippet: String,
    /// Identifies the finding across unrelated edits (see `fingerprint`).
    pub fingerprint: String,
    /// How this finding was silenced, if it was (inline comment or baseline).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Suppression {
    /// A `dozen: ignore[...]` comment in the file.
    Inline,
    /// An entry in a baseline file.
    Baseline,
}

impl Finding {
    /// The order every output uses: path, line, column, rule, then the rest for a total order.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (&self.path, self.start, self.rule, self.end, &self.message)
    }
}

/// Stable across edits elsewhere in the file: rule, path, the flagged line's text with
/// white space folded, and which occurrence of that same text this is. No line numbers.
pub fn fingerprint(rule: &str, path: &str, line_text: &str, occurrence: u32) -> String {
    let folded: String = line_text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in rule
        .bytes()
        .chain([0])
        .chain(path.bytes())
        .chain([0])
        .chain(folded.bytes())
        .chain([0])
        .chain(occurrence.to_le_bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}
