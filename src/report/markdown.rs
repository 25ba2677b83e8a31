//! Markdown for pull-request comments and `$GITHUB_STEP_SUMMARY`: the per-factor
//! compliance table, then the findings.

use super::summary::{self, plural};
use crate::catalog;
use crate::engine::Scan;
use crate::finding::Severity;
use std::io::{self, Write};

/// Findings listed in full; the rest are counted (step summaries are limited to 1 MiB).
const MAX_LISTED: usize = 500;

fn escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn write(scan: &Scan, out: &mut dyn Write) -> io::Result<()> {
    let s = summary::summarize(scan);
    writeln!(out, "## dozen: twelve-factor compliance\n")?;
    writeln!(
        out,
        "| factor | status | errors | warnings | notes | rules |"
    )?;
    writeln!(out, "|---|---|---:|---:|---:|---|")?;
    for f in &s.factors {
        let status = match f.status {
            "pass" => "✅ pass",
            "warn" => "⚠️ warn",
            "fail" => "❌ fail",
            _ => "➖ not assessed",
        };
        let rules = f
            .rules
            .iter()
            .map(|r| format!("`{r}`"))
            .collect::<Vec<_>>()
            .join(", ");
        writeln!(
            out,
            "| {} {} | {status} | {} | {} | {} | {rules} |",
            f.roman, f.name, f.errors, f.warnings, f.notes
        )?;
    }
    let total = s.errors + s.warnings + s.notes;
    write!(
        out,
        "\n{} ({}, {}, {}) in {}",
        plural(total, "finding"),
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.notes, "note"),
        plural(s.files_scanned, "file")
    )?;
    if s.suppressed > 0 {
        write!(out, "; {} suppressed", s.suppressed)?;
    }
    writeln!(out, ".\n")?;
    if total == 0 {
        return Ok(());
    }
    writeln!(out, "| | location | rule | message |")?;
    writeln!(out, "|---|---|---|---|")?;
    for f in scan.active().take(MAX_LISTED) {
        let icon = match f.severity {
            Severity::Error => "❌",
            Severity::Warning => "⚠️",
            Severity::Note => "ℹ️",
        };
        writeln!(
            out,
            "| {icon} | `{}:{}:{}` | [`{}`]({}) ({}) | {} |",
            escape(&f.path),
            f.start.line,
            f.start.col,
            f.rule,
            crate::rules::meta(f.rule).help_uri(),
            catalog::factor_roman(f.factor),
            escape(&f.message)
        )?;
    }
    if total > MAX_LISTED {
        writeln!(
            out,
            "\n…and {} more; see the SARIF or JSON report.",
            total - MAX_LISTED
        )?;
    }
    Ok(())
}
