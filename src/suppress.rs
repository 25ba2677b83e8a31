//! Inline suppressions, in any comment syntax:
//! `# dozen: ignore[rule-a, rule-b]` on the flagged line or alone on the line above it,
//! and `# dozen: ignore-file[rule]` in the first lines of a file.

use crate::config::Config;
use crate::context::Report;
use crate::finding::{Finding, Span};
use crate::rules::{self, INVALID_SUPPRESSION};
use crate::source::SourceFile;

/// How far down a file `ignore-file` may appear.
const FILE_HEADER_LINES: u32 = 20;

#[derive(Debug, Default)]
pub struct Suppressions {
    /// (line it covers, rule ids)
    lines: Vec<(u32, Vec<String>)>,
    file: Vec<String>,
    /// Malformed suppressions: (span, reason).
    problems: Vec<(Span, String)>,
}

impl Suppressions {
    pub fn collect(file: &SourceFile) -> Suppressions {
        let mut s = Suppressions::default();
        if !file.text.contains("dozen:") {
            return s;
        }
        for (idx, line) in file.text.lines().enumerate() {
            let Some(at) = line.find("dozen:") else {
                continue;
            };
            let before = &line[..at];
            let Some(marker) = comment_marker(before) else {
                continue;
            };
            let line_no = idx as u32 + 1;
            let directive = line[at + "dozen:".len()..].trim_start();
            let (file_wide, rest) = if let Some(r) = directive.strip_prefix("ignore-file") {
                (true, r)
            } else if let Some(r) = directive.strip_prefix("ignore") {
                (false, r)
            } else {
                continue;
            };
            let offset = file.lines.line_start(line_no) + at;
            let span = Span::new(offset, offset + "dozen:".len() + directive.len().min(60));
            let ids = match rest.strip_prefix('[').and_then(|r| r.split_once(']')) {
                Some((list, _)) => list
                    .split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>(),
                None => Vec::new(),
            };
            if ids.is_empty() {
                s.problems.push((
                    span,
                    "a suppression must name the rules it silences, e.g. `dozen: ignore[log-to-file]`; \
                     a blanket ignore would also hide future findings of every other rule"
                        .to_owned(),
                ));
                continue;
            }
            if let Some(bad) = ids.iter().find(|id| rules::find(id).is_none()) {
                let hint = rules::closest(bad)
                    .map(|c| format!(" (did you mean `{c}`?)"))
                    .unwrap_or_default();
                s.problems
                    .push((span, format!("unknown rule `{bad}` in suppression{hint}")));
            }
            if file_wide {
                if line_no <= FILE_HEADER_LINES {
                    s.file.extend(ids);
                } else {
                    s.problems.push((
                        span,
                        format!("`ignore-file` must be in the first {FILE_HEADER_LINES} lines of the file"),
                    ));
                }
                continue;
            }
            let own_line = before[..marker].trim().is_empty();
            s.lines.push((line_no, ids.clone()));
            if own_line {
                s.lines.push((line_no + 1, ids));
            }
        }
        s
    }

    pub fn covers(&self, rule: &str, line: u32) -> bool {
        self.file.iter().any(|r| r == rule)
            || self
                .lines
                .iter()
                .any(|(l, ids)| *l == line && ids.iter().any(|r| r == rule))
    }

    /// Findings for malformed suppressions.
    pub fn problems(&self, file: &SourceFile, config: &Config) -> Vec<Finding> {
        let mut r = Report::new(INVALID_SUPPRESSION);
        for (span, msg) in &self.problems {
            r.add(*span, msg.clone());
        }
        r.findings
            .into_iter()
            .filter_map(|raw| crate::engine::finalize_raw(file, config, raw))
            .collect()
    }
}

/// Where the comment that holds a directive starts, if the text before it opens a comment.
fn comment_marker(before: &str) -> Option<usize> {
    ["#", "//", "/*", "<!--", "--", ";"]
        .iter()
        .filter_map(|m| before.rfind(m))
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::FileKind;

    #[test]
    fn line_and_file_suppressions() {
        let src = "# dozen: ignore-file[unpinned-image]\nx = 1  # dozen: ignore[log-to-file]\n# dozen: ignore[parse-error, log-to-file]\napp.run()\ny = 2\n";
        let f = SourceFile::from_bytes("a.py".into(), FileKind::Python, src.as_bytes());
        let s = Suppressions::collect(&f);
        assert!(s.covers("unpinned-image", 99));
        assert!(s.covers("log-to-file", 2));
        assert!(!s.covers("log-to-file", 5));
        assert!(s.covers("parse-error", 4));
        assert!(!s.covers("parse-error", 5));
        assert!(s.problems.is_empty());
    }

    #[test]
    fn bare_and_unknown_suppressions_are_problems() {
        let src = "x = 1  # dozen: ignore\ny = 2 // dozen: ignore[log-to-fil]\n";
        let f = SourceFile::from_bytes("a.py".into(), FileKind::Python, src.as_bytes());
        let s = Suppressions::collect(&f);
        assert_eq!(s.problems.len(), 2);
        assert!(s.problems[1].1.contains("log-to-file"));
    }
}
