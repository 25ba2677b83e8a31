//! Inline suppressions, in any comment syntax:
//! `# dozen: ignore[rule-a, rule-b]` on the flagged line or alone on the line above it,
//! and `# dozen: ignore-file[rule]` in the first lines of a file.

use crate::classify::FileKind;
use crate::config::{Config, Level};
use crate::context::Report;
use crate::finding::{Finding, Span};
use crate::rules::{self, INVALID_SUPPRESSION, UNUSED_SUPPRESSION};
use crate::source::SourceFile;

/// How far down a file `ignore-file` may appear.
const FILE_HEADER_LINES: u32 = 20;

#[derive(Debug)]
struct Directive {
    span: Span,
    ids: Vec<String>,
    used: Vec<bool>,
    /// First and last line covered; `None` for file-wide directives.
    lines: Option<(u32, u32)>,
}

#[derive(Debug, Default)]
pub struct Suppressions {
    directives: Vec<Directive>,
    /// Malformed suppressions: (span, reason).
    problems: Vec<(Span, String)>,
}

impl Suppressions {
    pub fn collect(file: &SourceFile) -> Suppressions {
        let mut s = Suppressions::default();
        if !file.text.contains("dozen:") {
            return s;
        }
        let markers = comment_markers(file.kind);
        for (idx, line) in file.text.lines().enumerate() {
            let Some(at) = line.find("dozen:") else {
                continue;
            };
            let before = &line[..at];
            let Some(marker) = directive_start(before, markers) else {
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
            let offset = file.lines().line_start(line_no) + at;
            // The directive itself: through the closing `]`, or the `ignore` word.
            let head = line.len() - at - rest.len();
            let len = head + rest.find(']').map_or(0, |i| i + 1);
            let span = Span::new(offset, offset + len);
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
            let lines = if file_wide {
                if line_no > FILE_HEADER_LINES {
                    s.problems.push((
                        span,
                        format!("`ignore-file` must be in the first {FILE_HEADER_LINES} lines of the file"),
                    ));
                    continue;
                }
                None
            } else if before[..marker].trim().is_empty() {
                // Alone on its line: it covers the next line too.
                Some((line_no, line_no + 1))
            } else {
                Some((line_no, line_no))
            };
            let used = vec![false; ids.len()];
            s.directives.push(Directive {
                span,
                ids,
                used,
                lines,
            });
        }
        s
    }

    /// Whether a finding of `rule` on `line` is suppressed; records the use.
    pub fn covers(&mut self, rule: &str, line: u32) -> bool {
        let mut hit = false;
        for d in &mut self.directives {
            let in_range = d.lines.is_none_or(|(a, b)| (a..=b).contains(&line));
            if !in_range {
                continue;
            }
            if let Some(i) = d.ids.iter().position(|r| r == rule) {
                d.used[i] = true;
                hit = true;
            }
        }
        hit
    }

    /// Findings for malformed suppressions, and (when asked) for ones that silenced nothing.
    pub fn problems(
        &self,
        file: &SourceFile,
        config: &Config,
        report_unused: bool,
    ) -> Vec<Finding> {
        let mut invalid = Report::new(INVALID_SUPPRESSION);
        for (span, msg) in &self.problems {
            invalid.add(*span, msg.clone());
        }
        let mut unused = Report::new(UNUSED_SUPPRESSION);
        if report_unused {
            for d in &self.directives {
                let idle: Vec<&str> = d
                    .ids
                    .iter()
                    .zip(&d.used)
                    .filter(|(id, used)| {
                        !**used
                            && rules::find(id).is_some()
                            && config.level(id, &file.rel_path) != Some(Level::Off)
                    })
                    .map(|(id, _)| id.as_str())
                    .collect();
                if !idle.is_empty() {
                    let list = idle
                        .iter()
                        .map(|i| format!("`{i}`"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    unused.add(d.span, format!("unused suppression: no {list} finding here; remove it so it cannot hide a future one"));
                }
            }
        }
        invalid
            .findings
            .into_iter()
            .chain(unused.findings)
            .filter_map(|raw| crate::engine::finalize_raw(file, config, raw))
            .collect()
    }
}

/// The line-comment openers of a file kind (JSON has none).
fn comment_markers(kind: FileKind) -> &'static [&'static str] {
    match kind {
        FileKind::JavaScript | FileKind::TypeScript | FileKind::Tsx | FileKind::Rust => {
            &["//", "/*"]
        }
        FileKind::Json | FileKind::PackageJson | FileKind::ComposerJson => &[],
        FileKind::Ini => &["#", ";"],
        FileKind::GoMod => &["//"],
        _ => &["#"],
    }
}

/// A directive counts only right after a comment opener that itself starts the comment
/// (at the line start or after white space): `x  # dozen: ignore[…]`, not `` `# dozen:` ``
/// quoted inside prose. Returns where the opener is.
fn directive_start(before: &str, markers: &[&str]) -> Option<usize> {
    let trimmed = before.trim_end();
    markers.iter().find_map(|m| {
        let at = trimmed.strip_suffix(m).map(str::len)?;
        let preceded_ok = trimmed[..at]
            .chars()
            .next_back()
            .is_none_or(char::is_whitespace);
        preceded_ok.then_some(at)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_file_suppressions() {
        let src = "# dozen: ignore-file[unpinned-image]\nx = 1  # dozen: ignore[log-to-file]\n# dozen: ignore[parse-error, log-to-file]\napp.run()\ny = 2\n";
        let f = SourceFile::from_bytes("a.py".into(), FileKind::Python, src.as_bytes());
        let mut s = Suppressions::collect(&f);
        assert!(s.covers("unpinned-image", 99));
        assert!(s.covers("log-to-file", 2));
        assert!(!s.covers("log-to-file", 5));
        assert!(s.covers("parse-error", 4));
        assert!(!s.covers("parse-error", 5));
        assert!(s.problems.is_empty());
    }

    #[test]
    fn bare_and_unknown_suppressions_are_problems() {
        let src = "x = 1  # dozen: ignore\ny = 2  # dozen: ignore[log-to-fil]\n";
        let f = SourceFile::from_bytes("a.py".into(), FileKind::Python, src.as_bytes());
        let s = Suppressions::collect(&f);
        assert_eq!(s.problems.len(), 2);
        assert!(s.problems[1].1.contains("log-to-file"));
    }

    #[test]
    fn directives_only_in_real_comments() {
        let src = "//! `# dozen: ignore[rule-a]` in docs\nlet s = \"x  # dozen: ignore\";\nf(); // dozen: ignore[log-to-file]\n";
        let f = SourceFile::from_bytes("a.rs".into(), FileKind::Rust, src.as_bytes());
        let mut s = Suppressions::collect(&f);
        assert!(s.problems.is_empty(), "{:?}", s.problems);
        assert!(s.covers("log-to-file", 3));
        let f = SourceFile::from_bytes(
            "p.json".into(),
            FileKind::Json,
            b"{\"a\": \"# dozen: ignore\"}",
        );
        assert!(Suppressions::collect(&f).problems.is_empty());
    }

    #[test]
    fn unused_suppressions_are_reported_on_request() {
        let src = "x = 1  # dozen: ignore[log-to-file]\n";
        let f = SourceFile::from_bytes("a.py".into(), FileKind::Python, src.as_bytes());
        let s = Suppressions::collect(&f);
        let config = Config::default();
        assert!(s.problems(&f, &config, false).is_empty());
        let found = s.problems(&f, &config, true);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule, "unused-suppression");
    }
}
