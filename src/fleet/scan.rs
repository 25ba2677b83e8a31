//! `dozen fleet scan`: check out and scan each repository of (a shard of) the list,
//! `--jobs` at a time, writing `DIR/<slug>.json` and `DIR/<slug>.sarif` per repository
//! and `DIR/_fleet-shard-I-of-N.json` at the end. A repository that cannot be cloned or
//! scanned gets a JSON file with `error`; the others are still scanned.

use super::git::{self, GitOptions};
use super::list::{self, Repo, Source};
use super::model::{self, RepoInfo, RepoResult, ShardManifest};
use super::shard::Shard;
use super::{ScanArgs, fnv1a};
use crate::config::Config;
use crate::engine::{self, ScanOptions};
use crate::finding::Severity;
use crate::output;
use crate::report::sarif;
use crate::report::summary::plural;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

struct Job<'a> {
    out: &'a Path,
    cache: Option<&'a Path>,
    git: &'a GitOptions,
    config: Option<&'a Config>,
    fail_on: Option<Severity>,
    threads: usize,
}

/// What became of one repository.
struct Outcome {
    failed: bool,
    /// Its result file could not be written: nothing records what happened.
    lost: bool,
    failing_findings: bool,
    line: String,
}

pub fn run(args: &ScanArgs) -> Result<ExitCode, String> {
    let (text, base) = if args.repos.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| format!("cannot read the repository list from stdin: {e}"))?;
        let cwd = std::env::current_dir()
            .map_err(|e| format!("cannot read the current directory: {e}"))?;
        (s, cwd)
    } else {
        let s = std::fs::read_to_string(&args.repos)
            .map_err(|e| format!("cannot read {}: {e}", args.repos.display()))?;
        let base = args
            .repos
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        (s, base)
    };
    let (repos, warnings) =
        list::parse(&text, &base).map_err(|e| format!("{}: {e}", args.repos.display()))?;
    for w in &warnings {
        eprintln!("dozen: warning: {}: {w}", args.repos.display());
    }
    check_slugs(&repos)?;
    let shard = match args.shard {
        Some(s) => s,
        None => Shard::from_env(|k| std::env::var(k).ok())?.unwrap_or(Shard::ALL),
    };
    let config = match &args.config {
        Some(path) => Some(Config::load(path)?),
        None => None,
    };
    if args.jobs == Some(0) {
        return Err("--jobs must be at least 1".into());
    }
    let selected: Vec<&Repo> = shard
        .select(&repos)
        .into_iter()
        .map(|i| &repos[i])
        .collect();

    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
    let needs_cache = selected.iter().any(|r| matches!(r.source, Source::Git(_)));
    let cache = match (&args.cache, needs_cache) {
        (_, false) => None,
        (Some(c), true) => Some(c.clone()),
        (None, true) => Some(git::default_cache().ok_or(
            "no cache directory: set --cache DIR (neither XDG_CACHE_HOME nor HOME is set)",
        )?),
    };
    if let Some(c) = &cache {
        std::fs::create_dir_all(c).map_err(|e| format!("cannot create {}: {e}", c.display()))?;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let jobs = args.jobs.unwrap_or(cores).clamp(1, selected.len().max(1));
    let git_opts = GitOptions::from_env(Duration::from_secs(args.git_timeout.max(1)));
    let job = Job {
        out: &args.out,
        cache: cache.as_deref(),
        git: &git_opts,
        config: config.as_ref(),
        fail_on: args.fail_on,
        // Each scan gets its share of the cores: about `cores` threads in all.
        threads: (cores / jobs).max(1),
    };
    if !args.quiet {
        eprintln!(
            "dozen: fleet scan of {} of {} repositories (shard {shard}), {jobs} at a time",
            selected.len(),
            repos.len()
        );
    }

    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let outcomes: Mutex<Vec<Outcome>> = Mutex::new(Vec::new());
    let total = selected.len();
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(repo) = selected.get(i) else { break };
                    let outcome = process(repo, &job);
                    let n = done.fetch_add(1, Ordering::SeqCst) + 1;
                    if !args.quiet || outcome.failed {
                        eprintln!("dozen: [{n}/{total}] {}", outcome.line);
                    }
                    outcomes.lock().expect("outcomes").push(outcome);
                }
            });
        }
    });
    let outcomes = outcomes.into_inner().expect("outcomes");

    let mut ids: Vec<&str> = repos.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    let manifest = ShardManifest {
        schema_version: model::SCHEMA_VERSION,
        kind: model::SHARD_KIND.into(),
        tool: model::Tool::current(),
        shard: shard.to_string(),
        list_digest: format!("{:016x}", fnv1a(ids.join("\n").as_bytes())),
        list_size: repos.len(),
        repositories: {
            let mut s: Vec<String> = selected.iter().map(|r| r.slug.clone()).collect();
            s.sort();
            s
        },
    };
    output::write_file(
        &args.out.join(format!(
            "_fleet-shard-{}-of-{}.json",
            shard.index, shard.count
        )),
        model::to_json(&manifest).as_bytes(),
    )?;

    let failed = outcomes.iter().filter(|o| o.failed).count();
    let failing = outcomes.iter().filter(|o| o.failing_findings).count();
    if !args.quiet {
        eprintln!(
            "dozen: {} scanned, {failed} failed, {failing} with findings; results in {}",
            total - failed,
            args.out.display()
        );
    }
    let lost = outcomes.iter().filter(|o| o.lost).count();
    Ok(if lost > 0 {
        ExitCode::from(2)
    } else if args.exit_zero {
        ExitCode::SUCCESS
    } else if failed > 0 {
        ExitCode::from(2)
    } else if failing > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Distinct identities must never share a result file.
fn check_slugs(repos: &[Repo]) -> Result<(), String> {
    let mut slugs: Vec<(&str, &str)> = repos
        .iter()
        .map(|r| (r.slug.as_str(), r.id.as_str()))
        .collect();
    slugs.sort_unstable();
    for w in slugs.windows(2) {
        if w[0].0 == w[1].0 {
            return Err(format!(
                "`{}` and `{}` map to the same result file {}.json",
                w[0].1, w[1].1, w[0].0
            ));
        }
    }
    Ok(())
}

fn process(repo: &Repo, job: &Job<'_>) -> Outcome {
    let info = RepoInfo {
        id: repo.id.clone(),
        slug: repo.slug.clone(),
        source: match repo.source {
            Source::Git(_) => "git".into(),
            Source::Local(_) => "local".into(),
        },
        location: repo.location.clone(),
        git_ref: repo.git_ref.clone(),
    };
    let (result, sarif, failing) = match scan_one(repo, info.clone(), job) {
        Ok(done) => done,
        Err((vcs, commit, error)) => (
            RepoResult::failed(info, vcs, commit, job.git.redact(&error)),
            None,
            false,
        ),
    };
    let mut write_error = None;
    if let Err(e) = output::write_file(
        &job.out.join(format!("{}.json", repo.slug)),
        model::to_json(&result).as_bytes(),
    ) {
        write_error = Some(e);
    }
    if let Some(s) = sarif {
        let path = job.out.join(format!("{}.sarif", repo.slug));
        if let Err(e) = output::write_file(&path, model::to_json(&s).as_bytes()) {
            write_error = Some(e);
        }
    }
    let line = match (&result.error, &write_error) {
        (_, Some(e)) => format!("{}: error: {e}", repo.id),
        (Some(e), None) => format!("{}: error: {e}", repo.id),
        (None, None) => {
            let s = result.summary.as_ref();
            let n = result.findings.len();
            format!(
                "{}{}: {} in {}",
                repo.id,
                result
                    .commit
                    .as_deref()
                    .map(|c| format!(" at {}", &c[..c.len().min(12)]))
                    .unwrap_or_default(),
                plural(n, "finding"),
                plural(s.map_or(0, |s| s.files_scanned), "file")
            )
        }
    };
    Outcome {
        failed: result.error.is_some() || write_error.is_some(),
        lost: write_error.is_some(),
        failing_findings: failing,
        line,
    }
}

type Failure = (&'static str, Option<String>, String);

fn scan_one(
    repo: &Repo,
    info: RepoInfo,
    job: &Job<'_>,
) -> Result<(RepoResult, Option<serde_json::Value>, bool), Failure> {
    let dir = match &repo.source {
        Source::Git(url) => {
            let Some(cache) = job.cache else {
                return Err(("git", None, "no cache directory".into()));
            };
            let dir = cache.join(&repo.slug);
            git::checkout(url, repo.git_ref.as_deref(), &dir, job.git)
                .map_err(|e| ("git", None, e))?;
            dir
        }
        Source::Local(path) => {
            if !path.is_dir() {
                return Err((
                    "none",
                    None,
                    format!("`{}` is not a directory", repo.location),
                ));
            }
            path.clone()
        }
    };
    let commit = git::head_commit(&dir, job.git);
    let vcs = if commit.is_some() { "git" } else { "none" };
    if commit.is_none() && matches!(repo.source, Source::Git(_)) {
        return Err(("git", None, "cannot read the checked-out commit".into()));
    }
    let discovered;
    let config = match job.config {
        Some(c) => c,
        None => {
            discovered = Config::discover(&dir).map_err(|e| {
                (
                    vcs,
                    commit.clone(),
                    format!("invalid dozen configuration: {e}"),
                )
            })?;
            &discovered
        }
    };
    let scan = engine::scan(&ScanOptions {
        root: &dir,
        paths: std::slice::from_ref(&dir),
        config,
        threads: job.threads,
        report_unused_suppressions: false,
    })
    .map_err(|e| (vcs, commit.clone(), format!("scan failed: {e}")))?;
    let mut sarif = serde_json::to_value(sarif::build(&scan)).unwrap_or_default();
    if let (Source::Git(_), Some(c), Some(run)) = (
        &repo.source,
        &commit,
        sarif.pointer_mut("/runs/0").and_then(|r| r.as_object_mut()),
    ) {
        let mut details = serde_json::json!({
            "repositoryUri": repo.location,
            "revisionId": c,
            "mappedTo": { "uriBaseId": "%SRCROOT%" },
        });
        if let Some(r) = &repo.git_ref {
            details["revisionTag"] = serde_json::Value::String(r.clone());
        }
        run.insert(
            "versionControlProvenance".into(),
            serde_json::json!([details]),
        );
    }
    let failing = scan
        .active()
        .any(|f| f.severity >= job.fail_on.unwrap_or(config.fail_on));
    let result = RepoResult::scanned(info, vcs, commit, &scan);
    Ok((result, Some(sarif), failing))
}
