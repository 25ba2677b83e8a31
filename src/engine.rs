//! The scan: walk → classify → read → (prefilter) → rules → findings, in parallel, with
//! output order and bytes independent of thread count.

use crate::classify::{self, FileKind};
use crate::config::{Config, Level};
use crate::context::{Cx, RawFinding, Report};
use crate::finding::{self, Finding, Span};
use crate::lang::gate;
use crate::rules::{self, PARSE_ERROR};
use crate::source::SourceFile;
use crate::suppress;
use crate::triggers;
use crate::walk::{self, Target};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

pub struct ScanOptions<'a> {
    pub root: &'a Path,
    pub paths: &'a [PathBuf],
    pub config: &'a Config,
    pub threads: usize,
    /// Report `dozen: ignore[…]` comments that silenced nothing.
    pub report_unused_suppressions: bool,
}

#[derive(Debug, Default)]
pub struct Scan {
    /// Every finding, suppressed ones included (marked), sorted.
    pub findings: Vec<Finding>,
    pub files_scanned: usize,
    /// Inventory counters summed over every file (see [`crate::inventory`]).
    pub inventory: BTreeMap<&'static str, u64>,
}

impl Scan {
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.suppressed.is_none())
    }

    pub fn suppressed_count(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.suppressed.is_some())
            .count()
    }
}

struct FileOutcome {
    findings: Vec<Finding>,
    /// Findings that hold only if some file records the named fact.
    conditional: Vec<(&'static str, Finding)>,
    facts: Vec<&'static str>,
    counts: Vec<(&'static str, u64)>,
    scanned: bool,
}

pub fn scan(opts: &ScanOptions<'_>) -> Result<Scan, String> {
    let threads = opts.threads.max(1);
    crate::lang::entrypoint::forget_dockerfiles();
    let targets = walk::discover(opts.root, opts.paths, opts.config, threads)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        // Generous stacks: parsers recurse, and a deep file must not kill the scan.
        .stack_size(16 * 1024 * 1024)
        .build()
        .map_err(|e| format!("cannot start worker threads: {e}"))?;
    // One file per task: files differ in cost by orders of magnitude, and a worker must
    // never sit idle while another works through a run of large ones.
    let outcomes: Vec<FileOutcome> = pool.install(|| {
        targets
            .par_iter()
            .with_max_len(1)
            .map(|t| check_target(t, opts))
            .collect()
    });
    let facts: HashSet<&'static str> = outcomes
        .iter()
        .flat_map(|o| o.facts.iter().copied())
        .collect();
    let mut scan = Scan::default();
    for o in outcomes {
        scan.files_scanned += usize::from(o.scanned);
        for (metric, n) in o.counts {
            *scan.inventory.entry(metric).or_default() += n;
        }
        scan.findings.extend(o.findings);
        scan.findings.extend(
            o.conditional
                .into_iter()
                .filter(|(fact, _)| facts.contains(fact))
                .map(|(_, f)| f),
        );
    }
    scan.findings
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Ok(scan)
}

/// Reads one file, refusing anything that is not a regular file of sane size.
fn read_target(t: &Target, max: u64) -> Result<Vec<u8>, String> {
    let meta = std::fs::symlink_metadata(&t.abs).map_err(|e| format!("cannot read: {e}"))?;
    if !meta.is_file() {
        return Err("not a regular file; skipped".into());
    }
    if meta.len() > max {
        return Err(format!(
            "file is {} bytes, over the {max}-byte limit (`max-file-size`); skipped",
            meta.len()
        ));
    }
    let file = std::fs::File::open(&t.abs).map_err(|e| format!("cannot read: {e}"))?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > max {
        return Err(format!(
            "file grew past the {max}-byte limit while read; skipped"
        ));
    }
    Ok(bytes)
}

fn check_target(t: &Target, opts: &ScanOptions<'_>) -> FileOutcome {
    let (root, config) = (opts.root, opts.config);
    let mut outcome = FileOutcome {
        findings: Vec::new(),
        conditional: Vec::new(),
        facts: Vec::new(),
        counts: Vec::new(),
        scanned: false,
    };
    let bytes = match read_target(t, config.max_file_size) {
        Ok(b) => b,
        Err(reason) => {
            if t.kind.is_some() {
                outcome.findings.extend(file_note(t, config, reason));
            }
            return outcome;
        }
    };
    let kind = match t.kind {
        Some(k) => k,
        None => match classify::classify_by_shebang(&bytes[..bytes.len().min(256)]) {
            Some(k) => k,
            None => return outcome,
        },
    };
    if memchr::memchr(0, &bytes[..bytes.len().min(8192)]).is_some() {
        outcome.findings.extend(file_note(
            t,
            config,
            "binary content (NUL bytes); skipped".into(),
        ));
        return outcome;
    }
    let file = SourceFile::from_vec(t.rel.clone(), kind, bytes);
    check_file(&file, &t.abs, root, config, opts.report_unused_suppressions)
}

/// Checks text that is not on disk (fuzzing, editors, tests): classified by `rel_path`,
/// neighbours looked up relative to the current directory.
pub fn check_source(rel_path: &str, bytes: &[u8], config: &Config) -> Vec<Finding> {
    let Some(kind) = classify::classify(rel_path).or_else(|| classify::classify_by_shebang(bytes))
    else {
        return Vec::new();
    };
    let file = SourceFile::from_bytes(rel_path.to_owned(), kind, bytes);
    let outcome = check_file(&file, Path::new(rel_path), Path::new("."), config, true);
    outcome
        .findings
        .into_iter()
        .chain(outcome.conditional.into_iter().map(|(_, f)| f))
        .collect()
}

fn check_file(
    file: &SourceFile,
    abs: &Path,
    root: &Path,
    config: &Config,
    report_unused: bool,
) -> FileOutcome {
    let mut outcome = FileOutcome {
        findings: Vec::new(),
        conditional: Vec::new(),
        facts: Vec::new(),
        counts: Vec::new(),
        scanned: true,
    };

    // Declared before the guard: what gates find by address outlives it.
    let tree = crate::context::TreeSlot::default();
    let _checking = gate::checking(&file.text);
    let cx = Cx::new(file, abs, root, config, &tree);
    let mut raw: Vec<RawFinding> = Vec::new();
    // Rules configured `off` still run: their findings are dropped in `finalize`, but the
    // repository facts they record and the secret spans they mask must not depend on
    // another rule's configuration.
    for rule in triggers::applicable_rules(file) {
        let mut report = Report::new(rule.id);
        (rule.check)(&cx, &mut report);
        raw.append(&mut report.findings);
        outcome.facts.append(&mut report.facts);
        outcome.counts.append(&mut report.counts);
    }
    let errors = cx.take_parse_errors();
    if let Some((span, msg)) = errors.first() {
        let more = errors.len() - 1;
        let message = if more > 0 {
            format!(
                "{msg} (and {more} more parse problem{})",
                if more == 1 { "" } else { "s" }
            )
        } else {
            msg.clone()
        };
        let mut r = Report::new(PARSE_ERROR);
        r.add(*span, format!("could not fully parse this file: {message}; findings from the parts that parsed are kept"));
        raw.append(&mut r.findings);
    }
    drop(cx);
    let mut suppressions = suppress::Suppressions::collect(file);
    let mut findings = Vec::with_capacity(raw.len());
    let mut seen: HashSet<(&'static str, Span)> = HashSet::new();
    // A secret that one finding hides must stay hidden in every other finding's snippet of
    // the same line (two credentials on one line, or a secret beside another rule's finding).
    let hidden: Vec<Span> = raw.iter().flat_map(|r| r.redact.iter().copied()).collect();
    for mut r in raw {
        r.redact.clone_from(&hidden);
        if !seen.insert((r.rule, r.span)) {
            continue; // the same rule never reports the same span twice
        }
        let requires = r.requires_fact;
        if let Some(mut f) = finalize(file, config, r) {
            if suppressions.covers(f.rule, f.start.line) {
                f.suppressed = Some(finding::Suppression::Inline);
            }
            match requires {
                Some(fact) => outcome.conditional.push((fact, f)),
                None => findings.push(f),
            }
        }
    }
    findings.extend(suppressions.problems(file, config, report_unused));
    assign_fingerprints(file, &mut findings);
    let limit = config.max_findings_per_file;
    if findings.len() > limit {
        let left_out = findings.len() - limit;
        findings.truncate(limit);
        let mut r = Report::new(PARSE_ERROR);
        r.add(
            Span::new(0, 0),
            format!("{left_out} more findings in this file are not reported (over the `max-findings-per-file` limit of {limit})"),
        );
        findings.extend(
            r.findings
                .into_iter()
                .filter_map(|raw| finalize(file, config, raw)),
        );
        assign_fingerprints(file, &mut findings);
    }
    let mut cond: Vec<Finding> = outcome.conditional.iter().map(|(_, f)| f.clone()).collect();
    assign_fingerprints(file, &mut cond);
    for ((_, f), c) in outcome.conditional.iter_mut().zip(cond) {
        *f = c;
    }
    outcome.findings = findings;
    outcome
}

pub(crate) fn finalize_raw(file: &SourceFile, config: &Config, r: RawFinding) -> Option<Finding> {
    finalize(file, config, r)
}

/// Turns a rule's raw finding into a finding: configured severity, positions, redacted
/// snippet. `None` when the rule is off for this path.
fn finalize(file: &SourceFile, config: &Config, r: RawFinding) -> Option<Finding> {
    let meta = rules::meta(r.rule);
    let severity = match config.level(r.rule, &file.rel_path) {
        Some(Level::Off) => return None,
        Some(Level::On(s)) => s,
        None => r.severity.unwrap_or(meta.severity),
    };
    let start = file.pos(r.span.start);
    let mut end = file.pos(r.span.end);
    if end < start {
        end = start;
    }
    let snippet = redacted_line(file, start.line, &r.redact);
    Some(Finding {
        rule: r.rule,
        severity,
        factor: meta.factor,
        path: file.rel_path.clone(),
        start,
        end,
        message: r.message,
        fix: r.fix,
        snippet,
        fingerprint: String::new(),
        suppressed: None,
    })
}

/// The finding's first line, with any secret value cut to its first four characters and
/// `…`. (The caret under a masked value keeps the value's true width: columns in every
/// format are those of the file, never of the masked line.)
fn redacted_line(file: &SourceFile, line: u32, redact: &[Span]) -> String {
    let line_start = file.lines().line_start(line);
    let text = file.line_text(line);
    let line_end = line_start + text.len();
    let mut out = String::with_capacity(text.len());
    let mut cursor = line_start;
    let mut spans: Vec<Span> = redact
        .iter()
        .filter(|s| s.start < line_end && s.end > line_start)
        .copied()
        .collect();
    spans.sort_by_key(|s| s.start);
    for s in spans {
        let s_start = s.start.max(cursor);
        let s_end = s.end.min(line_end);
        if s_start >= s_end {
            continue;
        }
        out.push_str(&file.text[cursor..s_start]);
        out.push_str(&crate::redact::mask(&file.text[s_start..s_end]));
        cursor = s_end;
    }
    out.push_str(&file.text[cursor.min(line_end)..line_end]);
    out
}

fn assign_fingerprints(file: &SourceFile, findings: &mut [Finding]) {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let mut counts: HashMap<(&'static str, String), u32> = HashMap::new();
    for f in findings.iter_mut() {
        let line = f.snippet.split_whitespace().collect::<Vec<_>>().join(" ");
        let n = counts.entry((f.rule, line.clone())).or_insert(0);
        f.fingerprint = finding::fingerprint(f.rule, &file.rel_path, &line, *n);
        *n += 1;
    }
}

fn file_note(t: &Target, config: &Config, reason: String) -> Option<Finding> {
    let file = SourceFile::from_bytes(t.rel.clone(), t.kind.unwrap_or(FileKind::Shell), b"");
    let mut r = Report::new(PARSE_ERROR);
    r.add(Span::new(0, 0), reason);
    let raw = r.findings.pop()?;
    let mut f = finalize(&file, config, raw)?;
    f.fingerprint = finding::fingerprint(f.rule, &f.path, "", 0);
    Some(f)
}
