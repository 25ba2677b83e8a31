//! The per-factor compliance summary shared by the text, JSON (and Markdown) reports.

use crate::catalog;
use crate::engine::Scan;
use crate::finding::Severity;
use crate::rules;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct FactorSummary {
    pub factor: u8,
    pub roman: &'static str,
    pub name: &'static str,
    /// Rules that assess this factor.
    pub rules: Vec<&'static str>,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    /// `pass`, `warn`, `fail`, or `not-assessed` when no rule covers the factor.
    pub status: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub factors: Vec<FactorSummary>,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    pub suppressed: usize,
    pub files_scanned: usize,
}

pub fn summarize(scan: &Scan) -> Summary {
    let mut factors: Vec<FactorSummary> = (1..=12u8)
        .map(|f| FactorSummary {
            factor: f,
            roman: catalog::factor_roman(f),
            name: catalog::factor_name(f),
            rules: rules::RULES
                .iter()
                .filter(|r| rules::meta(r.id).factor == f)
                .map(|r| r.id)
                .collect(),
            errors: 0,
            warnings: 0,
            notes: 0,
            status: "pass",
        })
        .collect();
    let (mut errors, mut warnings, mut notes) = (0, 0, 0);
    for f in scan.active() {
        let counter = match f.severity {
            Severity::Error => &mut errors,
            Severity::Warning => &mut warnings,
            Severity::Note => &mut notes,
        };
        *counter += 1;
        if let Some(fs) = factors.iter_mut().find(|s| s.factor == f.factor) {
            match f.severity {
                Severity::Error => fs.errors += 1,
                Severity::Warning => fs.warnings += 1,
                Severity::Note => fs.notes += 1,
            }
        }
    }
    for fs in &mut factors {
        fs.status = if fs.rules.is_empty() {
            "not-assessed"
        } else if fs.errors > 0 {
            "fail"
        } else if fs.warnings > 0 {
            "warn"
        } else {
            "pass"
        };
    }
    Summary {
        factors,
        errors,
        warnings,
        notes,
        suppressed: scan.suppressed_count(),
        files_scanned: scan.files_scanned,
    }
}

pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}
