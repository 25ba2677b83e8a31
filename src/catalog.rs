//! Rule metadata and documentation, kept as data in `rules/<id>.toml` and embedded in the
//! binary by the registry (`src/rules/mod.rs`). One text feeds `dozen explain`, `dozen
//! rules`, SARIF `help` and the README table, so the docs cannot drift.

use crate::finding::Severity;
use serde::Deserialize;

pub const FACTOR_NAMES: [&str; 12] = [
    "Codebase",
    "Dependencies",
    "Config",
    "Backing services",
    "Build, release, run",
    "Processes",
    "Port binding",
    "Concurrency",
    "Disposability",
    "Dev/prod parity",
    "Logs",
    "Admin processes",
];

pub const ROMAN: [&str; 12] = [
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII",
];

pub fn factor_name(factor: u8) -> &'static str {
    FACTOR_NAMES
        .get(usize::from(factor).wrapping_sub(1))
        .copied()
        .unwrap_or("Meta")
}

pub fn factor_roman(factor: u8) -> &'static str {
    ROMAN
        .get(usize::from(factor).wrapping_sub(1))
        .copied()
        .unwrap_or("-")
}

/// Where rule documentation is published; SARIF `helpUri` points into it.
pub const DOCS_BASE: &str = "https://github.com/dozen-lint/dozen/blob/main/docs/rules.md";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleMeta {
    pub id: String,
    /// 1–12; 0 for meta rules such as `parse-error`.
    pub factor: u8,
    pub severity: Severity,
    /// One line, used as SARIF `shortDescription` and in `dozen rules`.
    pub summary: String,
    /// Extra tags for SARIF (the factor tag is added automatically).
    #[serde(default)]
    pub tags: Vec<String>,
    /// GitHub code scanning's `security-severity` (0.1–10.0) for security rules.
    #[serde(rename = "security-severity")]
    pub security_severity: Option<f32>,
    pub docs: Docs,
}

/// The clippy/ruff template: what it does, why it matters, an example, the fix.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Docs {
    pub what: String,
    pub why: String,
    pub example: String,
    pub fix: String,
    /// Options that change the rule (policy keys), if any.
    #[serde(default)]
    pub options: Option<String>,
}

impl<'de> Deserialize<'de> for Severity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Severity::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown severity `{s}`")))
    }
}

impl RuleMeta {
    pub fn parse(src: &str) -> Result<RuleMeta, String> {
        toml::from_str(src).map_err(|e| e.to_string())
    }

    pub fn is_security(&self) -> bool {
        self.security_severity.is_some()
    }

    pub fn help_uri(&self) -> String {
        format!("{DOCS_BASE}#{}", self.id)
    }

    /// The full documentation as Markdown: what `dozen explain` prints and SARIF `help` carries.
    pub fn markdown(&self) -> String {
        let d = &self.docs;
        let mut out = format!(
            "# {} ({}, factor {} {})\n\n{}\n\n## What it does\n{}\n\n## Why is this bad?\n{}\n\n## Example\n```\n{}\n```\n\n## Use instead\n```\n{}\n```\n",
            self.id,
            self.severity,
            factor_roman(self.factor),
            factor_name(self.factor),
            self.summary.trim(),
            d.what.trim(),
            d.why.trim(),
            d.example.trim_end(),
            d.fix.trim_end(),
        );
        if let Some(opts) = &d.options {
            out.push_str("\n## Options\n");
            out.push_str(opts.trim());
            out.push('\n');
        }
        out
    }

    /// Plain-text help for SARIF `help.text`.
    pub fn text(&self) -> String {
        let d = &self.docs;
        format!(
            "{}\n\nWhy: {}\n\nExample:\n{}\n\nUse instead:\n{}\n",
            d.what.trim(),
            d.why.trim(),
            d.example.trim_end(),
            d.fix.trim_end()
        )
    }
}
