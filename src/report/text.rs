//! Human output: `path:line:col: severity[rule] message`, a code frame, the fix, and a
//! per-factor summary. Colour only when writing to a terminal.

use super::ReportOptions;
use super::summary::{self, plural};
use crate::engine::Scan;
use crate::finding::{Finding, Severity};
use std::io::{self, Write};

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }
    fn severity(&self, sev: Severity) -> String {
        let code = match sev {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Note => "1;36",
        };
        self.paint(code, sev.as_str())
    }
}

pub fn write(scan: &Scan, opts: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let style = Style { on: opts.color };
    for f in scan.active() {
        write_finding(f, &style, out)?;
    }
    if opts.quiet {
        return Ok(());
    }
    let s = summary::summarize(scan);
    writeln!(out, "{}", style.paint("1", "Twelve-factor summary"))?;
    for fs in &s.factors {
        let status = match fs.status {
            "fail" => style.paint("31", "fail"),
            "warn" => style.paint("33", "warn"),
            "pass" => style.paint("32", "pass"),
            other => style.paint("2", other),
        };
        let counts = if fs.rules.is_empty() {
            String::new()
        } else {
            format!(
                "{} error{}, {} warning{}, {} note{}",
                fs.errors,
                if fs.errors == 1 { "" } else { "s" },
                fs.warnings,
                if fs.warnings == 1 { "" } else { "s" },
                fs.notes,
                if fs.notes == 1 { "" } else { "s" }
            )
        };
        writeln!(
            out,
            "  {:<5} {:<20} {:<12} {}",
            fs.roman, fs.name, status, counts
        )?;
    }
    let total = s.errors + s.warnings + s.notes;
    let mut line = if total == 0 {
        format!("No findings in {}.", plural(s.files_scanned, "file"))
    } else {
        format!(
            "Found {} ({}, {}, {}) in {}.",
            plural(total, "finding"),
            plural(s.errors, "error"),
            plural(s.warnings, "warning"),
            plural(s.notes, "note"),
            plural(s.files_scanned, "file")
        )
    };
    if s.suppressed > 0 {
        line.push_str(&format!(" {} suppressed.", s.suppressed));
    }
    writeln!(out, "{line}")
}

fn write_finding(f: &Finding, style: &Style, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{}:{}:{}: {}[{}] {}",
        style.paint("1", &f.path),
        f.start.line,
        f.start.col,
        style.severity(f.severity),
        f.rule,
        f.message
    )?;
    if !f.snippet.is_empty() {
        let gutter = f.start.line.to_string().len();
        let pad = " ".repeat(gutter);
        let bar = style.paint("34", "|");
        let line = f.snippet.replace('\t', " ");
        let width = line.chars().count() as u32;
        let start = f.start.col.min(width + 1);
        let end = if f.end.line == f.start.line {
            f.end.col.min(width + 1).max(start + 1)
        } else {
            width + 1
        };
        let caret = format!(
            "{}{}",
            " ".repeat((start - 1) as usize),
            "^".repeat((end - start).max(1) as usize)
        );
        writeln!(out, "{pad} {bar}")?;
        writeln!(
            out,
            "{} {bar} {}",
            style.paint("34", &f.start.line.to_string()),
            line
        )?;
        writeln!(out, "{pad} {bar} {}", style.paint("1;31", &caret))?;
    }
    if let Some(fix) = &f.fix {
        writeln!(out, "  {} {}", style.paint("1;36", "= fix:"), fix)?;
    }
    writeln!(out)
}
