//! Is this shell script a container's start script?
//!
//! Findings are per file, so a problem in a script that a Dockerfile starts
//! (`COPY docker-entrypoint.sh /usr/local/bin/` + `ENTRYPOINT ["docker-entrypoint.sh"]`)
//! is reported from the script's own scan, at the script's line. [`started_by`] answers
//! the question from the script's side: it reads the Dockerfiles beside the script and in
//! each parent directory up to the scan root (the build context is usually the
//! Dockerfile's directory) and looks for one that
//!
//! 1. copies the script into the image from the build context (`COPY`/`ADD` without
//!    `--from`, whose source is the script, a directory holding it, `.`, or a `*` glob
//!    matching it), and
//! 2. starts it with `ENTRYPOINT`/`CMD`: the program (after `exec`, `tini --`,
//!    `dumb-init`, or `sh`/`bash` running a file) has the base name the script has
//!    inside the image (after a rename by `COPY start.sh /usr/local/bin/start`).
//!
//! Only regular files inside the scan root are read (links are never followed), each at
//! most [`MAX_DOCKERFILE`] bytes. A directory's Dockerfiles are read once per scan
//! ([`forget_dockerfiles`] starts over): scripts share their parent directories.

use crate::classify::{self, FileKind};
use crate::context::Cx;
use crate::lang::commands::{Origin, Snippet, basename, is_posix_shell};
use crate::parse::dockerfile::{self, Instruction};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Dockerfiles larger than this are not read for the question.
pub const MAX_DOCKERFILE: u64 = 1024 * 1024;

/// The Dockerfile instruction that starts a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedBy {
    /// The Dockerfile, relative to the scan root.
    pub dockerfile: String,
    /// `ENTRYPOINT` or `CMD`.
    pub keyword: String,
    /// 1-based line of the instruction.
    pub line: usize,
}

/// The Dockerfile that copies this shell script into an image and starts it, if any.
pub fn started_by(cx: &Cx) -> Option<StartedBy> {
    if cx.kind() != FileKind::Shell {
        return None;
    }
    let rel = cx.file.rel_path.as_str();
    let parts: Vec<&str> = rel.split('/').filter(|p| !p.is_empty()).collect();
    let (_, dirs) = parts.split_last()?;
    for depth in (0..=dirs.len()).rev() {
        let dir_rel = dirs[..depth].join("/");
        let dir = if dir_rel.is_empty() {
            cx.root.to_path_buf()
        } else {
            cx.root.join(&dir_rel)
        };
        let from_dir = parts[depth..].join("/");
        for (name, text) in dockerfiles(&dir).iter() {
            if let Some((keyword, line)) = starts(text, &from_dir) {
                let dockerfile = if dir_rel.is_empty() {
                    name.clone()
                } else {
                    format!("{dir_rel}/{name}")
                };
                return Some(StartedBy {
                    dockerfile,
                    keyword,
                    line,
                });
            }
        }
    }
    None
}

/// Tells rules about start commands which snippets start a process, and how to name
/// them in messages. For a shell script the Dockerfile search runs once per file, when
/// first asked ([`Cx::started_by`]).
pub struct Starts<'c, 'a> {
    cx: &'c Cx<'a>,
}

impl<'c, 'a> Starts<'c, 'a> {
    pub fn new(cx: &'c Cx<'a>) -> Self {
        Starts { cx }
    }

    /// How `snippet` starts a process ("`CMD`", "Procfile `web:`", "`start.sh`, which
    /// `Dockerfile` runs as `ENTRYPOINT` (line 9)"), or `None` if it does not.
    pub fn describe(&self, snippet: &Snippet) -> Option<String> {
        if snippet.origin.is_start_command() {
            return Some(snippet.origin.describe());
        }
        if snippet.origin != Origin::ScriptFile {
            return None;
        }
        let by = self.cx.started_by()?;
        Some(format!(
            "`{}`, which `{}` runs as `{}` (line {})",
            basename(&self.cx.file.rel_path),
            by.dockerfile,
            by.keyword,
            by.line
        ))
    }
}

type Dockerfiles = Arc<Vec<(String, String)>>;

static READ: Mutex<Option<HashMap<PathBuf, Dockerfiles>>> = Mutex::new(None);

/// Forgets the Dockerfiles read so far: a new scan reads the tree as it is now.
pub fn forget_dockerfiles() {
    if let Ok(mut read) = READ.lock() {
        *read = None;
    }
}

/// [`read_dockerfiles`], once per directory and scan.
fn dockerfiles(dir: &Path) -> Dockerfiles {
    if let Some(known) = READ
        .lock()
        .ok()
        .and_then(|read| read.as_ref()?.get(dir).cloned())
    {
        return known;
    }
    let found = Arc::new(read_dockerfiles(dir));
    if let Ok(mut read) = READ.lock() {
        read.get_or_insert_with(HashMap::new)
            .insert(dir.to_path_buf(), Arc::clone(&found));
    }
    found
}

/// Dockerfiles directly in `dir` (regular files only), sorted by name.
fn read_dockerfiles(dir: &Path) -> Vec<(String, String)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in entries.flatten() {
        let Ok(name) = e.file_name().into_string() else {
            continue;
        };
        if classify::classify(&name) != Some(FileKind::Dockerfile) {
            continue;
        }
        // `DirEntry::metadata` does not follow links.
        let Ok(meta) = e.metadata() else { continue };
        if !meta.is_file() || meta.len() > MAX_DOCKERFILE {
            continue;
        }
        if let Ok(bytes) = std::fs::read(e.path()) {
            out.push((name, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    out.sort();
    out
}

/// Whether Dockerfile `text` copies the file at `script` (relative to the Dockerfile's
/// directory) and starts it: the starting instruction and its line.
pub fn starts(text: &str, script: &str) -> Option<(String, usize)> {
    let df = dockerfile::parse(text);
    let mut names: Vec<String> = Vec::new();
    for instr in &df.instructions {
        if matches!(instr.keyword.as_str(), "COPY" | "ADD") && instr.flag("from").is_none() {
            names.extend(copied_as(instr, script));
        }
    }
    if names.is_empty() {
        return None;
    }
    for instr in &df.instructions {
        if !matches!(instr.keyword.as_str(), "ENTRYPOINT" | "CMD") {
            continue;
        }
        let Some(program) = program(instr) else {
            continue;
        };
        if names.iter().any(|n| n == basename(&program)) {
            let before = &text.as_bytes()[..instr.keyword_span.start.min(text.len())];
            let line = before.iter().filter(|&&c| c == b'\n').count() + 1;
            return Some((instr.keyword.clone(), line));
        }
    }
    None
}

/// The base names `script` has in the image after this COPY/ADD, if it copies it.
fn copied_as(instr: &Instruction, script: &str) -> Vec<String> {
    let words: Vec<&str> = match &instr.exec_form {
        Some(w) => w.iter().map(|w| w.text.as_str()).collect(),
        None => instr.words.iter().map(|w| w.text.as_str()).collect(),
    };
    let Some((dest, sources)) = words.split_last() else {
        return Vec::new();
    };
    let file = basename(script).to_owned();
    let mut out = Vec::new();
    for src in sources {
        let src = src.trim_start_matches("./").trim_end_matches('/');
        let exact = src == script || glob_match(src, script);
        let inside = src.is_empty()
            || src == "."
            || script.starts_with(&format!("{src}/"))
            || glob_dir(src, script);
        if exact {
            // A single file copied to a path not ending in `/` is renamed.
            let renamed = sources.len() == 1 && !dest.ends_with('/') && !dest.ends_with('.');
            let name = if renamed {
                basename(dest).to_owned()
            } else {
                file.clone()
            };
            if !name.is_empty() {
                out.push(name);
            }
            if renamed && name_is_dir_like(dest) {
                out.push(file.clone());
            }
        } else if inside {
            out.push(file.clone());
        }
    }
    out
}

/// `COPY start.sh /app` may copy into the directory `/app`: keep both readings.
fn name_is_dir_like(dest: &str) -> bool {
    !basename(dest).contains('.')
}

/// `*` within one path segment (`*.sh`, `scripts/*.sh`).
fn glob_match(pattern: &str, path: &str) -> bool {
    if !pattern.contains('*') {
        return false;
    }
    let (pp, sp): (Vec<&str>, Vec<&str>) =
        (pattern.split('/').collect(), path.split('/').collect());
    pp.len() == sp.len() && pp.iter().zip(&sp).all(|(p, s)| segment_match(p, s))
}

/// A glob naming a directory that holds `path` (`scripts/*` holds `scripts/a/b.sh`).
fn glob_dir(pattern: &str, path: &str) -> bool {
    if !pattern.contains('*') {
        return false;
    }
    let pp: Vec<&str> = pattern.split('/').collect();
    let sp: Vec<&str> = path.split('/').collect();
    sp.len() > pp.len() && pp.iter().zip(&sp).all(|(p, s)| segment_match(p, s))
}

fn segment_match(p: &str, s: &str) -> bool {
    if !p.contains('*') {
        return p == s;
    }
    let parts: Vec<&str> = p.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !s.starts_with(first) || s.len() < first.len() + last.len() || !s.ends_with(last) {
        return false;
    }
    let mut rest = &s[first.len()..s.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

/// The program an ENTRYPOINT/CMD starts, past `exec`, init wrappers and a shell
/// running a file (`["sh", "/start.sh"]`, `["/bin/bash", "-c", "/start.sh args"]`).
fn program(instr: &Instruction) -> Option<String> {
    let words: Vec<String> = match &instr.exec_form {
        Some(w) => w.iter().map(|w| w.text.clone()).collect(),
        None => instr.rest().split_whitespace().map(str::to_owned).collect(),
    };
    let mut i = 0;
    while let Some(w) = words.get(i) {
        let name = basename(w);
        match name {
            "exec" => i += 1,
            "tini" | "dumb-init" | "catatonit" => {
                i += 1;
                while words.get(i).is_some_and(|w| w.starts_with('-')) {
                    i += 1;
                }
            }
            _ if is_posix_shell(name) => {
                i += 1;
                while let Some(flag) = words.get(i).filter(|w| w.starts_with('-')) {
                    if flag.contains('c') {
                        // `sh -c "/start.sh args"`: the string's first word.
                        return words
                            .get(i + 1)
                            .and_then(|s| s.split_whitespace().find(|w| *w != "exec"))
                            .map(str::to_owned);
                    }
                    i += 1;
                }
            }
            _ => return Some(w.trim_matches(['"', '\'']).to_owned()),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerfile_starts_script() {
        let df = "FROM x\nCOPY docker-entrypoint.sh /usr/local/bin/\nENTRYPOINT [\"docker-entrypoint.sh\"]\nCMD [\"app\"]\n";
        assert_eq!(
            starts(df, "docker-entrypoint.sh"),
            Some(("ENTRYPOINT".into(), 3))
        );
        assert_eq!(starts(df, "other.sh"), None);
        let df = "FROM x\nCOPY --chmod=755 scripts/start.sh /start\nCMD /start\n";
        assert_eq!(starts(df, "scripts/start.sh"), Some(("CMD".into(), 3)));
        let df = "FROM x\nWORKDIR /app\nCOPY . .\nCMD [\"sh\", \"./bin/run.sh\"]\n";
        assert_eq!(starts(df, "bin/run.sh"), Some(("CMD".into(), 4)));
        let df =
            "FROM x\nCOPY scripts/*.sh /opt/\nENTRYPOINT [\"tini\", \"--\", \"/opt/boot.sh\"]\n";
        assert_eq!(
            starts(df, "scripts/boot.sh"),
            Some(("ENTRYPOINT".into(), 3))
        );
        // Copied from another stage: not this file.
        let df = "FROM x\nCOPY --from=build /src/start.sh /start.sh\nCMD [\"/start.sh\"]\n";
        assert_eq!(starts(df, "start.sh"), None);
        // Copied but not started.
        let df = "FROM x\nCOPY start.sh /start.sh\nCMD [\"gunicorn\"]\n";
        assert_eq!(starts(df, "start.sh"), None);
        let df = "FROM x\nCOPY run.sh /\nCMD [\"/bin/bash\", \"-c\", \"/run.sh --serve\"]\n";
        assert_eq!(starts(df, "run.sh"), Some(("CMD".into(), 3)));
    }

    #[test]
    fn globs() {
        assert!(segment_match("*.sh", "a.sh"));
        assert!(segment_match("a*b*c", "aXbYc"));
        assert!(!segment_match("*.sh", "a.py"));
        assert!(glob_dir("scripts/*", "scripts/x/y.sh"));
    }
}
