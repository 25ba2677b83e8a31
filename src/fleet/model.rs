//! The per-repository result file `DIR/<slug>.json` that `fleet scan` writes and
//! `fleet merge` reads (documented in docs/fleet/README.md).

use crate::catalog;
use crate::engine::Scan;
use crate::report::summary;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const SCHEMA_VERSION: u32 = 1;
pub const REPO_KIND: &str = "dozen-fleet-repository";
pub const SHARD_KIND: &str = "dozen-fleet-shard";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Tool {
    pub fn current() -> Tool {
        Tool {
            name: "dozen".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RepoInfo {
    /// Stable identity: normalised URL (no credentials) or path as written, plus `@ref`.
    pub id: String,
    pub slug: String,
    /// `git` (cloned from a URL) or `local` (a directory scanned in place).
    pub source: String,
    /// The normalised URL without credentials, or the local path as written.
    pub location: String,
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// A finding as `dozen check --format json` prints it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FindingRecord {
    pub rule: String,
    pub severity: String,
    pub factor: u8,
    pub path: String,
    pub start: Position,
    pub end: Position,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    pub fingerprint: String,
    #[serde(default)]
    pub factor_name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FactorStatus {
    pub factor: u8,
    pub roman: String,
    pub name: String,
    pub status: String,
    #[serde(default)]
    pub errors: usize,
    #[serde(default)]
    pub warnings: usize,
    #[serde(default)]
    pub notes: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RepoSummary {
    pub factors: Vec<FactorStatus>,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    pub suppressed: usize,
    pub files_scanned: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RepoResult {
    pub schema_version: u32,
    pub kind: String,
    pub tool: Tool,
    pub repository: RepoInfo,
    /// `git rev-parse HEAD` of what was scanned; `null` when it is not a git checkout.
    pub commit: Option<String>,
    /// `git`, or `none` for a local directory that is not a git working tree.
    pub vcs: String,
    /// Why the repository could not be cloned or scanned; then there are no findings.
    pub error: Option<String>,
    pub findings: Vec<FindingRecord>,
    pub summary: Option<RepoSummary>,
    /// Inventory counters (`images.total`, `images.pinned`, …): see src/inventory.rs.
    pub inventory: BTreeMap<String, u64>,
}

impl RepoResult {
    pub fn failed(repo: RepoInfo, vcs: &str, commit: Option<String>, error: String) -> Self {
        RepoResult {
            schema_version: SCHEMA_VERSION,
            kind: REPO_KIND.into(),
            tool: Tool::current(),
            repository: repo,
            commit,
            vcs: vcs.into(),
            error: Some(error),
            findings: Vec::new(),
            summary: None,
            inventory: BTreeMap::new(),
        }
    }

    pub fn scanned(repo: RepoInfo, vcs: &str, commit: Option<String>, scan: &Scan) -> Self {
        let s = summary::summarize(scan);
        RepoResult {
            schema_version: SCHEMA_VERSION,
            kind: REPO_KIND.into(),
            tool: Tool::current(),
            repository: repo,
            commit,
            vcs: vcs.into(),
            error: None,
            findings: scan
                .active()
                .map(|f| FindingRecord {
                    rule: f.rule.into(),
                    severity: f.severity.as_str().into(),
                    factor: f.factor,
                    path: f.path.clone(),
                    start: Position {
                        line: f.start.line,
                        column: f.start.col,
                    },
                    end: Position {
                        line: f.end.line,
                        column: f.end.col,
                    },
                    message: f.message.clone(),
                    fix: f.fix.clone(),
                    fingerprint: f.fingerprint.clone(),
                    factor_name: catalog::factor_name(f.factor).into(),
                })
                .collect(),
            summary: Some(RepoSummary {
                factors: s
                    .factors
                    .iter()
                    .map(|f| FactorStatus {
                        factor: f.factor,
                        roman: f.roman.into(),
                        name: f.name.into(),
                        status: f.status.into(),
                        errors: f.errors,
                        warnings: f.warnings,
                        notes: f.notes,
                    })
                    .collect(),
                errors: s.errors,
                warnings: s.warnings,
                notes: s.notes,
                suppressed: s.suppressed,
                files_scanned: s.files_scanned,
            }),
            inventory: scan
                .inventory
                .iter()
                .map(|(k, v)| ((*k).to_owned(), *v))
                .collect(),
        }
    }
}

/// `DIR/_fleet-shard-I-of-N.json`: what one `fleet scan` was asked to do, so a merge can
/// tell a missing shard or a missing repository from a clean one.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ShardManifest {
    pub schema_version: u32,
    pub kind: String,
    pub tool: Tool,
    /// `I/N`.
    pub shard: String,
    /// FNV-1a of the sorted identities of the whole list: shards of one run agree on it.
    pub list_digest: String,
    pub list_size: usize,
    /// Slugs of this shard's repositories (each has a `<slug>.json`).
    pub repositories: Vec<String>,
}

/// Serialises `value` as pretty JSON with a final newline.
pub fn to_json<T: Serialize>(value: &T) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_default();
    s.push('\n');
    s
}
