//! `dozen fleet merge`: read result directories into one fleet and render it. The merged
//! report depends only on the set of repository results, never on how they were sharded
//! or in which order directories are named, so merging shards gives exactly what one
//! unsharded scan gives.

use super::model::{self, RepoResult, ShardManifest};
use super::{MergeArgs, MergeFormat, fnv1a, html};
use crate::catalog;
use crate::engine::Scan;
use crate::finding::Severity;
use crate::inventory;
use crate::output;
use crate::report::sarif;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub const REPORT_KIND: &str = "dozen-fleet-report";

/// Every repository result found, sorted by identity, and what is missing.
#[derive(Debug, Default)]
pub struct Fleet {
    pub repos: Vec<RepoResult>,
    /// Missing shards or results, unreadable files: the report is incomplete.
    pub problems: Vec<String>,
    /// Result files ignored (stale: listed by no shard manifest).
    pub ignored: Vec<String>,
}

pub fn load(dirs: &[PathBuf]) -> Result<Fleet, String> {
    let mut fleet = Fleet::default();
    let mut by_slug: BTreeMap<String, (RepoResult, PathBuf)> = BTreeMap::new();
    let mut manifests: Vec<(ShardManifest, PathBuf)> = Vec::new();
    for dir in dirs {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| format!("cannot read result directory {}: {e}", dir.display()))?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json") && p.is_file())
            .collect();
        files.sort();
        for path in files {
            let value: Value = match std::fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
            {
                Ok(v) => v,
                Err(e) => {
                    fleet
                        .problems
                        .push(format!("cannot read {}: {e}", path.display()));
                    continue;
                }
            };
            match value.get("kind").and_then(Value::as_str) {
                Some(model::REPO_KIND) => match serde_json::from_value::<RepoResult>(value) {
                    Ok(r) => {
                        let slug = r.repository.slug.clone();
                        match by_slug.get(&slug) {
                            Some((existing, _)) if *existing == r => {}
                            Some((_, first)) => {
                                return Err(format!(
                                    "{} and {} hold different results for `{}`; merge the directories of one run only",
                                    first.display(),
                                    path.display(),
                                    r.repository.id
                                ));
                            }
                            None => {
                                by_slug.insert(slug, (r, path));
                            }
                        }
                    }
                    Err(e) => fleet
                        .problems
                        .push(format!("{} is not a valid result: {e}", path.display())),
                },
                Some(model::SHARD_KIND) => match serde_json::from_value::<ShardManifest>(value) {
                    Ok(m) => manifests.push((m, path)),
                    Err(e) => fleet.problems.push(format!(
                        "{} is not a valid shard manifest: {e}",
                        path.display()
                    )),
                },
                // Other JSON (a merged report, anything else) is not ours to read.
                _ => {}
            }
        }
    }
    check_manifests(&manifests, &mut by_slug, &mut fleet);
    fleet.repos = by_slug.into_values().map(|(r, _)| r).collect();
    fleet.repos.sort_by(|a, b| {
        (&a.repository.id, &a.repository.slug).cmp(&(&b.repository.id, &b.repository.slug))
    });
    Ok(fleet)
}

/// With shard manifests present: every shard of the run must be there, every repository
/// they list must have a result, and results no manifest lists are stale and ignored.
fn check_manifests(
    manifests: &[(ShardManifest, PathBuf)],
    by_slug: &mut BTreeMap<String, (RepoResult, PathBuf)>,
    fleet: &mut Fleet,
) {
    if manifests.is_empty() {
        return;
    }
    let mut runs: BTreeMap<(&str, u32), BTreeSet<u32>> = BTreeMap::new();
    let mut listed: BTreeSet<&str> = BTreeSet::new();
    for (m, path) in manifests {
        let Some(shard) = super::shard::Shard::parse(&m.shard).ok() else {
            fleet
                .problems
                .push(format!("{} names no valid shard", path.display()));
            continue;
        };
        runs.entry((m.list_digest.as_str(), shard.count))
            .or_default()
            .insert(shard.index);
        for slug in &m.repositories {
            listed.insert(slug);
            if !by_slug.contains_key(slug) {
                fleet.problems.push(format!(
                    "no result for `{slug}` (shard {} in {}): the scan was interrupted or its file was lost",
                    m.shard,
                    path.parent().unwrap_or(Path::new(".")).display()
                ));
            }
        }
    }
    if runs.len() > 1 {
        fleet.problems.push(
            "the directories come from different scans (different lists or shard counts)".into(),
        );
    }
    for ((_, count), seen) in &runs {
        for i in 1..=*count {
            if !seen.contains(&i) {
                fleet.problems.push(format!(
                    "shard {i}/{count} is missing (no _fleet-shard-{i}-of-{count}.json): its repositories are not in this report"
                ));
            }
        }
    }
    let stale: Vec<String> = by_slug
        .keys()
        .filter(|s| !listed.contains(s.as_str()))
        .cloned()
        .collect();
    for slug in stale {
        if let Some((_, path)) = by_slug.remove(&slug) {
            fleet.ignored.push(path.display().to_string());
        }
    }
}

#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Coverage {
    pub total: u64,
    pub pinned: u64,
    /// `pinned / total`; `null` when nothing was counted.
    pub share: Option<f64>,
}

impl Coverage {
    fn new(total: u64, pinned: u64) -> Coverage {
        let pinned = pinned.min(total);
        Coverage {
            total,
            pinned,
            share: (total > 0).then(|| pinned as f64 / total as f64),
        }
    }
}

/// Pinning coverage: images pinned by digest, actions pinned by SHA, manifests locked.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct CoverageSet {
    pub images: Coverage,
    pub actions: Coverage,
    pub dependencies: Coverage,
}

impl CoverageSet {
    fn from_inventory(inv: &BTreeMap<String, u64>) -> CoverageSet {
        let get = |k: &str| inv.get(k).copied().unwrap_or(0);
        let c = |(_, total, pinned): (&str, &str, &str)| Coverage::new(get(total), get(pinned));
        let [images, actions, dependencies] = inventory::COVERAGE.map(c);
        CoverageSet {
            images,
            actions,
            dependencies,
        }
    }

    pub fn entries(&self) -> [(&'static str, &Coverage); 3] {
        [
            ("images pinned by digest", &self.images),
            ("actions pinned by SHA", &self.actions),
            ("dependencies locked", &self.dependencies),
        ]
    }
}

#[derive(Debug, Serialize)]
pub struct Totals {
    pub repositories: usize,
    pub scanned: usize,
    pub failed: usize,
    pub with_findings: usize,
    pub findings: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    pub suppressed: usize,
    pub files_scanned: usize,
}

/// How many repositories are in each state for one factor.
#[derive(Debug, Serialize)]
pub struct FactorOverview {
    pub factor: u8,
    pub roman: &'static str,
    pub name: &'static str,
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub not_assessed: usize,
}

#[derive(Debug, Serialize)]
pub struct RepoFactor {
    pub factor: u8,
    pub roman: String,
    pub status: String,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
}

#[derive(Debug, Serialize)]
pub struct RepoOverview {
    pub id: String,
    pub slug: String,
    pub source: String,
    pub location: String,
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    pub commit: Option<String>,
    pub vcs: String,
    pub dozen_version: String,
    /// The repository's page on a known forge (github.com, gitlab.com, codeberg.org,
    /// bitbucket.org).
    pub web_url: Option<String>,
    pub error: Option<String>,
    pub files_scanned: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    pub suppressed: usize,
    /// One entry per factor I–XII (empty when the repository failed).
    pub factors: Vec<RepoFactor>,
    pub coverage: CoverageSet,
}

#[derive(Debug, Serialize)]
pub struct MergedFinding {
    /// The repository's `id`.
    pub repository: String,
    pub rule: String,
    pub factor: u8,
    pub factor_name: String,
    pub severity: String,
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    pub fingerprint: String,
    /// The line on the forge at the scanned commit, when the forge is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// The merged report: what `--format json` prints and every other format renders.
#[derive(Debug, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub kind: &'static str,
    pub tool: model::Tool,
    pub totals: Totals,
    pub coverage: CoverageSet,
    pub factors: Vec<FactorOverview>,
    pub repositories: Vec<RepoOverview>,
    pub findings: Vec<MergedFinding>,
    pub problems: Vec<String>,
}

pub fn report(fleet: &Fleet) -> Report {
    let mut totals = Totals {
        repositories: fleet.repos.len(),
        scanned: 0,
        failed: 0,
        with_findings: 0,
        findings: 0,
        errors: 0,
        warnings: 0,
        notes: 0,
        suppressed: 0,
        files_scanned: 0,
    };
    let mut factors: Vec<FactorOverview> = (1..=12u8)
        .map(|f| FactorOverview {
            factor: f,
            roman: catalog::factor_roman(f),
            name: catalog::factor_name(f),
            pass: 0,
            warn: 0,
            fail: 0,
            not_assessed: 0,
        })
        .collect();
    let mut inventory: BTreeMap<String, u64> = BTreeMap::new();
    let mut repositories = Vec::new();
    let mut findings = Vec::new();
    for r in &fleet.repos {
        let web = forge(&r.repository.location);
        let summary = r.summary.as_ref().filter(|_| r.error.is_none());
        match summary {
            None => totals.failed += 1,
            Some(s) => {
                totals.scanned += 1;
                totals.with_findings += usize::from(!r.findings.is_empty());
                totals.errors += s.errors;
                totals.warnings += s.warnings;
                totals.notes += s.notes;
                totals.suppressed += s.suppressed;
                totals.files_scanned += s.files_scanned;
                for f in &s.factors {
                    if let Some(o) = factors.iter_mut().find(|o| o.factor == f.factor) {
                        match f.status.as_str() {
                            "pass" => o.pass += 1,
                            "warn" => o.warn += 1,
                            "fail" => o.fail += 1,
                            _ => o.not_assessed += 1,
                        }
                    }
                }
                for (k, v) in &r.inventory {
                    *inventory.entry(k.clone()).or_default() += v;
                }
            }
        }
        repositories.push(RepoOverview {
            id: r.repository.id.clone(),
            slug: r.repository.slug.clone(),
            source: r.repository.source.clone(),
            location: r.repository.location.clone(),
            git_ref: r.repository.git_ref.clone(),
            commit: r.commit.clone(),
            vcs: r.vcs.clone(),
            dozen_version: r.tool.version.clone(),
            web_url: web.as_ref().map(|w| w.base.clone()),
            error: r.error.clone(),
            files_scanned: summary.map_or(0, |s| s.files_scanned),
            errors: summary.map_or(0, |s| s.errors),
            warnings: summary.map_or(0, |s| s.warnings),
            notes: summary.map_or(0, |s| s.notes),
            suppressed: summary.map_or(0, |s| s.suppressed),
            factors: summary
                .map(|s| {
                    let mut v: Vec<RepoFactor> = s
                        .factors
                        .iter()
                        .map(|f| RepoFactor {
                            factor: f.factor,
                            roman: f.roman.clone(),
                            status: f.status.clone(),
                            errors: f.errors,
                            warnings: f.warnings,
                            notes: f.notes,
                        })
                        .collect();
                    v.sort_by_key(|f| f.factor);
                    v
                })
                .unwrap_or_default(),
            coverage: CoverageSet::from_inventory(&r.inventory),
        });
        for f in &r.findings {
            findings.push(MergedFinding {
                repository: r.repository.id.clone(),
                rule: f.rule.clone(),
                factor: f.factor,
                factor_name: if f.factor_name.is_empty() {
                    catalog::factor_name(f.factor).to_owned()
                } else {
                    f.factor_name.clone()
                },
                severity: f.severity.clone(),
                path: f.path.clone(),
                line: f.start.line,
                column: f.start.column,
                end_line: f.end.line,
                end_column: f.end.column,
                message: f.message.clone(),
                fix: f.fix.clone(),
                fingerprint: f.fingerprint.clone(),
                url: match (&web, &r.commit) {
                    (Some(w), Some(c)) => Some(w.blob(c, &f.path, f.start.line)),
                    _ => None,
                },
            });
        }
    }
    totals.findings = findings.len();
    findings.sort_by(|a, b| {
        (
            &a.repository,
            &a.path,
            a.line,
            a.column,
            &a.rule,
            a.end_line,
            a.end_column,
            &a.message,
        )
            .cmp(&(
                &b.repository,
                &b.path,
                b.line,
                b.column,
                &b.rule,
                b.end_line,
                b.end_column,
                &b.message,
            ))
    });
    Report {
        schema_version: model::SCHEMA_VERSION,
        kind: REPORT_KIND,
        tool: model::Tool::current(),
        totals,
        coverage: CoverageSet::from_inventory(&inventory),
        factors,
        repositories,
        findings,
        problems: fleet.problems.clone(),
    }
}

/// A repository on a forge whose file URLs dozen knows.
pub struct Forge {
    kind: &'static str,
    /// `https://github.com/o/r`.
    pub base: String,
}

impl Forge {
    /// The commit's page.
    pub fn commit(&self, commit: &str) -> String {
        match self.kind {
            "gitlab" => format!("{}/-/commit/{commit}", self.base),
            "bitbucket" => format!("{}/commits/{commit}", self.base),
            _ => format!("{}/commit/{commit}", self.base),
        }
    }

    /// The file at `commit`, with the line selected.
    pub fn blob(&self, commit: &str, path: &str, line: u32) -> String {
        let path = encode_path(path);
        match self.kind {
            "gitlab" => format!("{}/-/blob/{commit}/{path}#L{line}", self.base),
            "gitea" => format!("{}/src/commit/{commit}/{path}#L{line}", self.base),
            "bitbucket" => format!("{}/src/{commit}/{path}#lines-{line}", self.base),
            _ => format!("{}/blob/{commit}/{path}#L{line}", self.base),
        }
    }
}

/// The forge of a normalised repository URL (`https://github.com/o/r`,
/// `ssh://github.com/o/r`), if it is one whose file URLs are known.
pub fn forge(location: &str) -> Option<Forge> {
    let (scheme, rest) = location.split_once("://")?;
    if !matches!(scheme, "https" | "http" | "ssh" | "git") {
        return None;
    }
    let (host, path) = rest.split_once('/')?;
    let host = host.split(':').next()?;
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let safe = |s: &&str| {
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
            && !s.starts_with('.')
    };
    if segments.len() < 2 || !segments.iter().all(safe) {
        return None;
    }
    let (kind, exact) = match host {
        "github.com" => ("github", true),
        "gitlab.com" => ("gitlab", false),
        "codeberg.org" => ("gitea", true),
        "bitbucket.org" => ("bitbucket", true),
        _ => return None,
    };
    if exact && segments.len() != 2 {
        return None;
    }
    Some(Forge {
        kind,
        base: format!("https://{host}/{}", segments.join("/")),
    })
}

/// Percent-encodes each path segment for a URL.
pub fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn run(args: &MergeArgs) -> Result<ExitCode, String> {
    let fleet = load(&args.dirs)?;
    for p in &fleet.problems {
        eprintln!("dozen: warning: {p}");
    }
    if !fleet.ignored.is_empty() {
        eprintln!(
            "dozen: warning: ignored {} result file{} no shard manifest lists (left from an earlier scan?): {}",
            fleet.ignored.len(),
            if fleet.ignored.len() == 1 { "" } else { "s" },
            fleet.ignored.join(", ")
        );
    }
    let report = report(&fleet);
    let bytes = match args.format {
        MergeFormat::Json => model::to_json(&report).into_bytes(),
        MergeFormat::Sarif => model::to_json(&merged_sarif(&report)).into_bytes(),
        MergeFormat::Markdown => markdown(&report).into_bytes(),
        MergeFormat::Html => html::render(&report).into_bytes(),
    };
    match &args.output {
        Some(path) => output::write_file(path, &bytes)?,
        None => output::write_stdout(&bytes)?,
    }
    let t = &report.totals;
    eprintln!(
        "dozen: {} repositories ({} failed), {} findings ({} errors, {} warnings, {} notes)",
        t.repositories, t.failed, t.findings, t.errors, t.warnings, t.notes
    );
    let failing = report
        .findings
        .iter()
        .any(|f| Severity::parse(&f.severity).is_some_and(|s| s >= args.fail_on));
    Ok(if t.failed > 0 || !report.problems.is_empty() {
        ExitCode::from(2)
    } else if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// One SARIF log with one run holding every repository's results (code scanning takes
/// at most 20 runs per upload). Artifact URIs are `<slug>/<path>` under `%SRCROOT%`,
/// each repository's folder is mapped to its URL and commit in
/// `versionControlProvenance`, and fingerprints include the repository.
pub fn merged_sarif(report: &Report) -> Value {
    let mut log = serde_json::to_value(sarif::build(&Scan::default())).unwrap_or_default();
    let catalog = crate::rules::catalog();
    let slugs: BTreeMap<&str, &RepoOverview> = report
        .repositories
        .iter()
        .map(|r| (r.id.as_str(), r))
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .take(sarif::MAX_RESULTS)
        .map(|f| {
            let repo = slugs.get(f.repository.as_str());
            let slug = repo.map_or("", |r| r.slug.as_str());
            let fp = format!(
                "{:016x}",
                fnv1a(format!("{slug}\0{}", f.fingerprint).as_bytes())
            );
            let mut message = f.message.clone();
            if let Some(fix) = &f.fix {
                message.push_str("\nFix: ");
                message.push_str(fix);
            }
            let end_column = f.end_column.max(f.column + u32::from(f.end_line == f.line));
            let mut result = json!({
                "ruleId": f.rule,
                "level": f.severity,
                "message": { "text": message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {
                            "uri": format!("{slug}/{}", encode_path(&f.path)),
                            "uriBaseId": "%SRCROOT%",
                        },
                        "region": {
                            "startLine": f.line,
                            "startColumn": f.column,
                            "endLine": f.end_line,
                            "endColumn": end_column,
                        },
                    },
                }],
                "partialFingerprints": {
                    "dozen/v1": fp,
                    "primaryLocationLineHash": fp,
                },
                "properties": {
                    "repository": f.repository,
                    "commit": repo.and_then(|r| r.commit.clone()),
                },
            });
            if let Some(i) = catalog.iter().position(|(id, _)| *id == f.rule) {
                result["ruleIndex"] = json!(i);
            }
            result
        })
        .collect();
    let provenance: Vec<Value> = report
        .repositories
        .iter()
        .filter(|r| r.source == "git")
        .filter_map(|r| {
            Some(json!({
                "repositoryUri": r.location,
                "revisionId": r.commit.as_ref()?,
                "mappedTo": { "uri": format!("{}/", r.slug), "uriBaseId": "%SRCROOT%" },
            }))
        })
        .collect();
    let mut notifications: Vec<Value> = Vec::new();
    if report.findings.len() > sarif::MAX_RESULTS {
        notifications.push(json!({
            "level": "warning",
            "message": { "text": format!(
                "{} results found; only the first {} are included (GitHub code scanning's per-run limit). Use --format json for all of them.",
                report.findings.len(), sarif::MAX_RESULTS
            )},
        }));
    }
    for r in report.repositories.iter().filter(|r| r.error.is_some()) {
        notifications.push(json!({
            "level": "error",
            "message": { "text": format!("{} could not be scanned: {}", r.id, r.error.as_deref().unwrap_or_default()) },
        }));
    }
    for p in &report.problems {
        notifications.push(json!({ "level": "error", "message": { "text": p } }));
    }
    if let Some(run) = log.pointer_mut("/runs/0").and_then(Value::as_object_mut) {
        run.insert("results".into(), Value::Array(results));
        if !provenance.is_empty() {
            run.insert("versionControlProvenance".into(), Value::Array(provenance));
        }
        run.insert(
            "originalUriBaseIds".into(),
            json!({ "%SRCROOT%": { "description": { "text": "A folder holding one folder per repository, named by its slug" } } }),
        );
        if let Some(inv) = run
            .get_mut("invocations")
            .and_then(|i| i.get_mut(0))
            .and_then(Value::as_object_mut)
        {
            if !notifications.is_empty() {
                inv.insert(
                    "toolExecutionNotifications".into(),
                    Value::Array(notifications),
                );
            }
        }
    }
    log
}

/// Findings listed in the Markdown report; the rest are counted.
const MAX_LISTED: usize = 500;

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn status_icon(status: &str) -> &'static str {
    match status {
        "pass" => "✅",
        "warn" => "⚠️",
        "fail" => "❌",
        _ => "➖",
    }
}

fn percent(c: &Coverage) -> String {
    match c.share {
        Some(s) => format!("{:.0}% ({}/{})", s * 100.0, c.pinned, c.total),
        None => "–".into(),
    }
}

pub fn markdown(report: &Report) -> String {
    use std::fmt::Write;
    let t = &report.totals;
    let mut out = String::from("## dozen fleet: twelve-factor compliance\n\n");
    let _ = writeln!(
        out,
        "{} repositories ({} scanned, {} failed), {} findings ({} errors, {} warnings, {} notes) in {} files.\n",
        t.repositories,
        t.scanned,
        t.failed,
        t.findings,
        t.errors,
        t.warnings,
        t.notes,
        t.files_scanned
    );
    for p in &report.problems {
        let _ = writeln!(out, "> ⚠️ {}\n", md_escape(p));
    }
    out.push_str("| coverage | pinned | share |\n|---|---:|---:|\n");
    for (name, c) in report.coverage.entries() {
        let _ = writeln!(
            out,
            "| {name} | {}/{} | {} |",
            c.pinned,
            c.total,
            percent(c)
        );
    }
    out.push_str("\n| repository |");
    for f in &report.factors {
        let _ = write!(out, " {} |", f.roman);
    }
    out.push_str(" images | actions | deps |\n|---|");
    out.push_str(&":-:|".repeat(report.factors.len()));
    out.push_str("---:|---:|---:|\n");
    for r in &report.repositories {
        let _ = write!(out, "| `{}` |", md_escape(&r.id));
        if r.error.is_some() {
            for _ in &report.factors {
                out.push_str(" 💥 |");
            }
        } else {
            for f in &report.factors {
                let status = r
                    .factors
                    .iter()
                    .find(|x| x.factor == f.factor)
                    .map_or("not-assessed", |x| x.status.as_str());
                let _ = write!(out, " {} |", status_icon(status));
            }
        }
        let c = &r.coverage;
        let _ = writeln!(
            out,
            " {} | {} | {} |",
            percent(&c.images),
            percent(&c.actions),
            percent(&c.dependencies)
        );
    }
    out.push_str("\n✅ pass · ⚠️ warnings · ❌ errors · ➖ not assessed · 💥 not scanned\n");
    let failed: Vec<&RepoOverview> = report
        .repositories
        .iter()
        .filter(|r| r.error.is_some())
        .collect();
    if !failed.is_empty() {
        out.push_str("\n### Repositories that could not be scanned\n\n");
        for r in failed {
            let _ = writeln!(
                out,
                "- `{}`: {}",
                md_escape(&r.id),
                md_escape(r.error.as_deref().unwrap_or_default())
            );
        }
    }
    if report.findings.is_empty() {
        return out;
    }
    out.push_str(
        "\n### Findings\n\n| repository | location | rule | message |\n|---|---|---|---|\n",
    );
    for f in report.findings.iter().take(MAX_LISTED) {
        let location = format!("{}:{}:{}", f.path, f.line, f.column);
        let location = match &f.url {
            Some(u) => format!("[`{}`]({u})", md_escape(&location)),
            None => format!("`{}`", md_escape(&location)),
        };
        let _ = writeln!(
            out,
            "| `{}` | {location} | `{}` ({}) | {} |",
            md_escape(&f.repository),
            f.rule,
            f.severity,
            md_escape(&f.message)
        );
    }
    if report.findings.len() > MAX_LISTED {
        let _ = writeln!(
            out,
            "\n…and {} more; see the JSON report.",
            report.findings.len() - MAX_LISTED
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forge_links() {
        let gh = forge("https://github.com/o/r").unwrap();
        assert_eq!(
            gh.blob("abc", "src/a b.py", 3),
            "https://github.com/o/r/blob/abc/src/a%20b.py#L3"
        );
        let gl = forge("ssh://gitlab.com/g/sub/p").unwrap();
        assert_eq!(
            gl.blob("abc", "x", 1),
            "https://gitlab.com/g/sub/p/-/blob/abc/x#L1"
        );
        assert!(forge("https://github.com/o/r/extra").is_none());
        assert!(forge("file:///tmp/r").is_none());
        assert!(forge("https://example.com/o/r").is_none());
        assert!(forge("https://github.com/o/\"><script>").is_none());
    }

    #[test]
    fn coverage_share() {
        assert_eq!(Coverage::new(0, 0).share, None);
        assert_eq!(Coverage::new(4, 1).share, Some(0.25));
        assert_eq!(Coverage::new(1, 3).pinned, 1);
    }
}
