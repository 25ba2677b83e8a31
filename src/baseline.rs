//! Baselines let a legacy repository adopt dozen: record today's findings, then report
//! only new ones. Entries are keyed by rule, path and fingerprint (which ignores line
//! numbers), so unrelated edits do not resurrect recorded findings.

use crate::engine::Scan;
use crate::finding::Suppression;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub rule: String,
    pub path: String,
    pub fingerprint: String,
    /// For people reading the file; not used for matching.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

impl Baseline {
    pub fn from_scan(scan: &Scan) -> Baseline {
        let mut findings: Vec<Entry> = scan
            .active()
            .map(|f| Entry {
                rule: f.rule.to_owned(),
                path: f.path.clone(),
                fingerprint: f.fingerprint.clone(),
                message: f.message.clone(),
            })
            .collect();
        findings.sort();
        Baseline {
            version: 1,
            findings,
        }
    }

    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
        let b: Baseline = serde_json::from_str(&text)
            .map_err(|e| format!("baseline {} is not valid: {e}", path.display()))?;
        if b.version != 1 {
            return Err(format!(
                "baseline {} has version {}; this dozen reads version 1",
                path.display(),
                b.version
            ));
        }
        Ok(b)
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Marks findings recorded in the baseline as suppressed (each entry absorbs one
    /// finding, so a second identical finding is new). Returns how many matched.
    pub fn apply(&self, scan: &mut Scan) -> usize {
        let mut budget: HashMap<(&str, &str, &str), usize> = HashMap::new();
        for e in &self.findings {
            *budget
                .entry((e.rule.as_str(), e.path.as_str(), e.fingerprint.as_str()))
                .or_default() += 1;
        }
        let mut matched = 0;
        for f in scan.findings.iter_mut().filter(|f| f.suppressed.is_none()) {
            if let Some(n) = budget.get_mut(&(f.rule, f.path.as_str(), f.fingerprint.as_str())) {
                if *n > 0 {
                    *n -= 1;
                    matched += 1;
                    f.suppressed = Some(Suppression::Baseline);
                }
            }
        }
        matched
    }
}
