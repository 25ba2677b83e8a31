//! Finds the files to scan: a parallel, `.gitignore`-aware walk that never follows links
//! and skips vendored and generated trees, or exactly the files named on the command line.

use crate::classify::{self, FileKind};
use crate::config::Config;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Directory names skipped during a walk (but scanned when named explicitly).
pub const SKIPPED_DIRS: &[&str] = &[
    ".git",
    "node_modules",
    "vendor",
    "target",
    ".venv",
    "venv",
    "dist",
    "build",
    "__pycache__",
    ".tox",
    ".mypy_cache",
    ".ruff_cache",
];

#[derive(Debug, Clone)]
pub struct Target {
    pub abs: PathBuf,
    /// Relative to the scan root, `/`-separated.
    pub rel: String,
    /// `None`: an extension-less file that is a shell script if its shebang says so.
    pub kind: Option<FileKind>,
}

pub fn rel_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let s = rel
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    if s.is_empty() {
        rel.to_string_lossy().into_owned()
    } else {
        s
    }
}

fn target_for(root: &Path, abs: PathBuf) -> Option<Target> {
    let rel = rel_path(root, &abs);
    let kind = classify::classify(&rel);
    if kind.is_none() && !classify::may_be_script(&rel) {
        return None;
    }
    Some(Target { abs, rel, kind })
}

/// The files to scan under `root` for the given command-line paths, sorted by path.
pub fn discover(
    root: &Path,
    paths: &[PathBuf],
    config: &Config,
    threads: usize,
) -> Result<Vec<Target>, String> {
    let mut targets = Vec::new();
    for path in paths {
        let meta = std::fs::symlink_metadata(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if meta.is_dir() {
            walk_dir(root, path, config, threads, &mut targets);
        } else if meta.file_type().is_symlink() {
            // A link named explicitly is scanned only if it stays inside the scan root.
            let (Ok(real), Ok(real_root)) = (path.canonicalize(), root.canonicalize()) else {
                continue;
            };
            if real.starts_with(&real_root) && real.is_file() {
                targets.extend(target_for(root, path.clone()));
            }
        } else if meta.is_file() {
            // Named files are scanned even inside vendored trees; `exclude` still applies.
            if let Some(t) = target_for(root, path.clone()) {
                if !config.is_excluded(&t.rel) {
                    targets.push(t);
                }
            }
        }
        // FIFOs, sockets and devices are never opened.
    }
    targets.sort_by(|a, b| a.rel.cmp(&b.rel));
    targets.dedup_by(|a, b| a.rel == b.rel);
    Ok(targets)
}

fn walk_dir(root: &Path, dir: &Path, config: &Config, threads: usize, out: &mut Vec<Target>) {
    let found = Mutex::new(Vec::new());
    let walker = ignore::WalkBuilder::new(dir)
        .hidden(false)
        .require_git(false)
        .follow_links(false)
        .parents(true)
        .threads(threads)
        .filter_entry(move |entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            !(is_dir
                && entry.depth() > 0
                && SKIPPED_DIRS.contains(&entry.file_name().to_str().unwrap_or("")))
        })
        .build_parallel();
    walker.run(|| {
        let found = &found;
        Box::new(move |entry| {
            let Ok(entry) = entry else {
                return ignore::WalkState::Continue;
            };
            let Some(ft) = entry.file_type() else {
                return ignore::WalkState::Continue;
            };
            if ft.is_dir() {
                if entry.depth() > 0 && config.is_excluded(&rel_path(root, entry.path())) {
                    return ignore::WalkState::Skip;
                }
                return ignore::WalkState::Continue;
            }
            // Only regular files: links are never followed, FIFOs and devices never opened.
            if !ft.is_file() {
                return ignore::WalkState::Continue;
            }
            if let Some(t) = target_for(root, entry.into_path()) {
                if !config.is_excluded(&t.rel) {
                    found.lock().expect("walker mutex").push(t);
                }
            }
            ignore::WalkState::Continue
        })
    });
    out.extend(found.into_inner().expect("walker mutex"));
}
