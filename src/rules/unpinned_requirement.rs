//! `unpinned-requirement`: Python requirement files and Pipfiles whose entries do not name
//! one exact artifact.

use super::Rule;
use crate::classify::{self, FileKind};
use crate::config::Policy;
use crate::context::{Cx, Report};
use crate::finding::{Severity, Span};
use crate::parse::json::{Node, Value};
use crate::parse::nearby::{self, Place};
use crate::parse::requirements::{
    self, EntryKind, Pin, ReqFile, Requirement, is_short_sha, mask_credentials, normalize_name,
};
use std::collections::{HashSet, VecDeque};

pub const RULE: Rule = Rule {
    id: "unpinned-requirement",
    meta_source: include_str!("../../rules/unpinned-requirement.toml"),
    kinds: &[FileKind::Requirements, FileKind::Pipfile],
    // Any non-empty line of a requirement file may be a requirement.
    triggers: &[],
    check,
};

/// At most this many files are read while following `-r`/`-c` from one file.
const MAX_INCLUDED_FILES: usize = 64;

const PIN_TOOLS: &str =
    "pip-compile (pip-tools), `uv pip compile` or `pip freeze` write exact pins";

fn check(cx: &Cx, out: &mut Report) {
    match cx.kind() {
        FileKind::Requirements => requirement_file(cx, out),
        FileKind::Pipfile => pipfile(cx, out),
        _ => {}
    }
}

// ---------------------------------------------------------------- requirement files

fn requirement_file(cx: &Cx, out: &mut Report) {
    let place = cx.place();
    let name = cx.file.rel_path.rsplit('/').next().unwrap_or("");
    // pip-tools: `requirements.in` is the input, the compiled `requirements.txt` the pin.
    if let Some(stem) = name
        .strip_suffix(".in")
        .or_else(|| name.strip_suffix(".IN"))
    {
        if place.is_file(&place.beside(&format!("{stem}.txt"))) {
            return;
        }
    }
    let file = requirements::parse(cx.text());
    for (span, msg) in &file.errors {
        cx.parse_error(*span, format!("requirements: {msg}"));
    }
    let follow = follow_includes(cx, &place, &file);
    let strict = cx.config.policy == Policy::Strict;
    for entry in &file.entries {
        match &entry.kind {
            EntryKind::Requirement(req) | EntryKind::Editable { req } => {
                if let Some(v) = judge(req, &follow, strict) {
                    report(out, cx.text(), req, &v);
                }
            }
            EntryKind::Include { .. } | EntryKind::Option { .. } => {}
        }
    }
    for p in follow.problems {
        let f = out.add(p.span, p.message);
        if let Some(fix) = p.fix {
            f.fix(fix);
        }
        if let Some(sev) = p.severity {
            f.severity(sev);
        }
        if let Some(r) = p.redact {
            f.redact(r);
        }
    }
}

/// What following `-r` and `-c` from a file found.
#[derive(Default)]
struct Follow {
    /// Normalised names pinned exactly by a constraints file in effect.
    constrained: HashSet<String>,
    /// A constraints file could not be read: bare names may be pinned there.
    constraints_unknown: bool,
    problems: Vec<Problem>,
}

struct Problem {
    span: Span,
    message: String,
    fix: Option<String>,
    severity: Option<Severity>,
    redact: Option<Span>,
}

/// Follows `-r`/`-c` includes breadth-first, relative to the including file, inside the
/// scan root, each file once. Constraints (`-c`, and anything a constraints file
/// includes) apply to the whole install, so pins found there count for this file. A
/// `-r` file is judged where it is scanned itself; one that dozen does not scan on its
/// own (a name that is not `requirements*.txt`) is judged here, at the `-r` line.
fn follow_includes(cx: &Cx, place: &Place, file: &ReqFile) -> Follow {
    let mut follow = Follow::default();
    let max = cx.config.max_file_size;
    let mut seen: HashSet<String> = HashSet::new();
    seen.insert(cx.file.rel_path.clone());
    // (root-relative path, is a constraints file, index of the top-level include, its
    // text if already read)
    let mut queue: VecDeque<(String, bool, usize, Option<String>)> = VecDeque::new();
    let mut tops: Vec<TopInclude> = Vec::new();
    for entry in &file.entries {
        let EntryKind::Include {
            constraint,
            target,
            span,
        } = &entry.kind
        else {
            continue;
        };
        let flag = if *constraint { "-c" } else { "-r" };
        if target.contains("://") {
            let shown = mask_credentials(target);
            follow.problems.push(Problem {
                span: *span,
                message: format!(
                    "`{flag} {shown}` reads {} from a URL: what it serves can change between installs, and dozen cannot check it",
                    if *constraint { "constraints" } else { "requirements" }
                ),
                fix: Some(format!(
                    "commit the file to the repository (pinned) and include it by path: `{flag} <file>.txt`"
                )),
                severity: None,
                redact: requirements::credentials_span(cx.text(), target, *span),
            });
            follow.constraints_unknown |= *constraint;
            continue;
        }
        if target.contains("${") {
            follow.constraints_unknown |= *constraint;
            continue;
        }
        let Some(rel) = nearby::join_rel(&place.dir, target) else {
            follow.problems.push(unfollowed(
                *span,
                flag,
                target,
                "it is outside the scan root",
            ));
            follow.constraints_unknown |= *constraint;
            continue;
        };
        let text = match place.read(&rel, max) {
            Ok(t) => t,
            Err(why) => {
                follow
                    .problems
                    .push(unfollowed(*span, flag, target, &why.to_string()));
                follow.constraints_unknown |= *constraint;
                continue;
            }
        };
        tops.push(TopInclude {
            span: *span,
            written: format!("{flag} {target}"),
            unscanned: Vec::new(),
        });
        if seen.insert(rel.clone()) {
            queue.push_back((rel, *constraint, tops.len() - 1, Some(text)));
        }
    }
    let (mut files_read, mut bytes_read) = (0, 0u64);
    while let Some((rel, constraint, top, preread)) = queue.pop_front() {
        files_read += 1;
        // Bounded work per scanned file: at most so many files and, together, no more
        // bytes than one file may have. What is left unread may hold constraints.
        if files_read > MAX_INCLUDED_FILES || bytes_read > max {
            follow.constraints_unknown |= constraint || queue.iter().any(|q| q.1);
            break;
        }
        let Some(text) = preread.or_else(|| place.read(&rel, max.saturating_sub(bytes_read)).ok())
        else {
            // Nested includes are reported where their including file is scanned.
            follow.constraints_unknown |= constraint;
            continue;
        };
        bytes_read += text.len() as u64;
        let inc = requirements::parse(&text);
        let dir = rel.rsplit_once('/').map_or("", |(d, _)| d).to_owned();
        for entry in &inc.entries {
            match &entry.kind {
                EntryKind::Requirement(req) if constraint => {
                    if let (Some(name), Pin::Exact) = (&req.name, req.pin()) {
                        follow.constrained.insert(normalize_name(name));
                    }
                }
                EntryKind::Include {
                    constraint: c,
                    target,
                    ..
                } => {
                    let nested_constraint = constraint || *c;
                    match nearby::join_rel(&dir, target) {
                        Some(r) if !target.contains("://") && !target.contains("${") => {
                            if seen.insert(r.clone()) {
                                queue.push_back((r, nested_constraint, top, None));
                            }
                        }
                        _ => follow.constraints_unknown |= nested_constraint,
                    }
                }
                _ => {}
            }
        }
        if !constraint && !scanned_on_its_own(cx, &rel) {
            tops[top].unscanned.push((rel, inc));
        }
    }
    // Requirements in `-r` files that are not scanned on their own, judged with the
    // constraints now known.
    let strict = cx.config.policy == Policy::Strict;
    for TopInclude {
        span,
        written,
        unscanned,
    } in tops
    {
        let mut found: Vec<String> = Vec::new();
        for (rel, inc) in &unscanned {
            for entry in &inc.entries {
                if let EntryKind::Requirement(req) | EntryKind::Editable { req } = &entry.kind {
                    if let Some(v) = judge(req, &follow, strict) {
                        found.push(format!(
                            "`{}` ({}, in {rel})",
                            mask_credentials(&req.display),
                            v.short
                        ));
                    }
                }
            }
        }
        if found.is_empty() {
            continue;
        }
        let n = found.len();
        let listed = if n > 5 {
            format!("{}, and {} more", found[..5].join(", "), n - 5)
        } else {
            found.join(", ")
        };
        follow.problems.push(Problem {
            span,
            message: format!(
                "`{written}` brings in {n} unpinned requirement{} from a file dozen does not check on its own: {listed}",
                if n == 1 { "" } else { "s" }
            ),
            fix: Some(format!("pin each to an exact version (`name==<version>`); {PIN_TOOLS}")),
            severity: None,
            redact: None,
        });
    }
    follow
}

/// A `-r`/`-c` line of the scanned file, and the files read through it that dozen does
/// not scan on their own.
struct TopInclude {
    span: Span,
    written: String,
    unscanned: Vec<(String, ReqFile)>,
}

fn unfollowed(span: Span, flag: &str, target: &str, why: &str) -> Problem {
    Problem {
        span,
        message: format!(
            "`{flag} {target}` is not followed ({why}): pip would fail or read something dozen cannot see, and its requirements are not checked"
        ),
        fix: Some(
            "include a requirement file that is in the repository, by a path relative to this file"
                .into(),
        ),
        severity: Some(Severity::Note),
        redact: None,
    }
}

/// Whether a scan of the whole tree reads `rel` as a requirement file itself.
fn scanned_on_its_own(cx: &Cx, rel: &str) -> bool {
    classify::classify(rel) == Some(FileKind::Requirements)
        && !cx.config.is_excluded(rel)
        && !rel
            .split('/')
            .any(|c| crate::walk::SKIPPED_DIRS.contains(&c))
}

/// A verdict on one requirement.
struct Verdict {
    message: String,
    fix: String,
    /// Two or three words for lists.
    short: &'static str,
}

fn judge(req: &Requirement, follow: &Follow, strict: bool) -> Option<Verdict> {
    let shown = mask_credentials(&req.display);
    let exact_fix = || match req.name_with_extras() {
        Some(n) => format!("`{n}==<version>`: {PIN_TOOLS}"),
        None => format!("an exact version (`name==<version>`): {PIN_TOOLS}"),
    };
    let constrained = req
        .name
        .as_ref()
        .is_some_and(|n| follow.constrained.contains(&normalize_name(n)));
    match req.pin() {
        Pin::Local | Pin::Unknown => None,
        Pin::Exact => {
            // Under the strict policy pip installs with `--require-hashes`: every
            // requirement carries its hash. A commit id is already a hash.
            let is_vcs_commit = req.url.as_deref().is_some_and(|u| requirements::vcs_ref(u).is_some());
            (strict && !req.has_hash() && !is_vcs_commit).then(|| Verdict {
                message: format!(
                    "`{shown}` has no `--hash`: the strict policy installs with `--require-hashes`, so a re-uploaded or tampered file is refused"
                ),
                fix: "add the hashes: `pip-compile --generate-hashes` (or `pip hash <file>`) writes `--hash=sha256:<digest>` for each requirement".into(),
                short: "no hash",
            })
        }
        Pin::NoSpecifier if constrained || follow.constraints_unknown => None,
        Pin::Range(_) if constrained || follow.constraints_unknown => None,
        Pin::NoSpecifier => Some(Verdict {
            message: format!(
                "`{shown}` has no version: pip installs whatever is newest on the day; pin it to an exact version"
            ),
            fix: exact_fix(),
            short: "no version",
        }),
        Pin::Range(op) => {
            let what = if op.contains('*') {
                format!("the wildcard `{op}`")
            } else {
                format!("a range (`{op}`)")
            };
            Some(Verdict {
                message: format!(
                    "`{shown}` is {what}: each install may resolve a different release; pin it to an exact version"
                ),
                fix: exact_fix(),
                short: "a range",
            })
        }
        Pin::VcsRef(r) => {
            let (message, short) = match r.clone() {
                Some(r) if is_short_sha(&r) => (
                    format!("`{shown}` names the abbreviated commit `{r}`, which can become ambiguous; pin the full commit SHA"),
                    "abbreviated commit",
                ),
                Some(r) => (
                    format!("`{shown}` follows `{r}`, a branch or tag that can move; pin it to a full commit SHA"),
                    "branch or tag",
                ),
                None => (
                    format!("`{shown}` has no `@ref`: it installs the head of the default branch; pin it to a full commit SHA"),
                    "no commit",
                ),
            };
            // `git ls-remote` takes the repository without pip's `git+` prefix.
            let url = req.url.as_deref().unwrap_or("");
            let base = mask_credentials(requirements::vcs_base(url));
            let repo = ["git+", "hg+", "svn+", "bzr+"]
                .iter()
                .find_map(|p| base.strip_prefix(p))
                .unwrap_or(&base);
            let frag = url.split_once('#').map(|(_, f)| format!("#{f}")).unwrap_or_default();
            let fix = match r {
                Some(r) if is_short_sha(&r) => format!(
                    "write the full commit: `{base}@<40-hex commit sha>{frag}` (`git rev-parse {r}` in a clone prints it)"
                ),
                Some(r) => format!(
                    "write `{base}@<40-hex commit sha>{frag}` (`git ls-remote {repo} {r}` prints it) and keep `{r}` in a comment"
                ),
                None => format!(
                    "write `{base}@<40-hex commit sha>{frag}` (`git ls-remote {repo} HEAD` prints the current one)"
                ),
            };
            Some(Verdict {
                message,
                fix,
                short,
            })
        }
        Pin::UrlNoHash => Some(Verdict {
            message: format!(
                "`{shown}` downloads whatever the URL serves, with no hash to check it against"
            ),
            fix: "add the file's hash to the URL (`#sha256=<digest>`) or to the line (`--hash=sha256:<digest>`); `pip hash <file>` prints it".into(),
            short: "URL without hash",
        }),
    }
}

fn report(out: &mut Report, src: &str, req: &Requirement, v: &Verdict) {
    let f = out.add(req.span, v.message.clone());
    f.fix(v.fix.clone());
    if let (Some(url), Some(us)) = (&req.url, req.url_span) {
        if let Some(hide) = requirements::credentials_span(src, url, us) {
            f.redact(hide);
        }
    }
}

// ---------------------------------------------------------------- Pipfile

/// Keys of a Pipfile table entry that make it a VCS, path or URL dependency: those are
/// `unpinned-manifest-dependency`'s.
const PIPFILE_SOURCE_KEYS: &[&str] = &["git", "hg", "svn", "bzr", "path", "file", "editable"];

fn pipfile(cx: &Cx, out: &mut Report) {
    let place = cx.place();
    // `Pipfile.lock` pins every version (with hashes): the ranges are the lock's input.
    if place.is_file(&place.beside("Pipfile.lock")) {
        return;
    }
    let root = cx.toml();
    for section in ["packages", "dev-packages"] {
        let Some(table) = root.get(section) else {
            continue;
        };
        for m in table.entries() {
            let (spec, span, written) = match &m.value.value {
                Value::String(s) => (s.clone(), m.value.span, format!("{} = \"{s}\"", m.key)),
                Value::Object(_) => {
                    if PIPFILE_SOURCE_KEYS.iter().any(|k| m.value.get(k).is_some()) {
                        continue;
                    }
                    match m.value.get("version") {
                        Some(
                            v @ Node {
                                value: Value::String(s),
                                ..
                            },
                        ) => (
                            s.clone(),
                            v.span,
                            format!("{} = {{version = \"{s}\"}}", m.key),
                        ),
                        // No version key: any version.
                        _ => ("*".to_owned(), m.key_span, format!("{} = {{…}}", m.key)),
                    }
                }
                _ => continue,
            };
            if let Some(mut what) = pipfile_spec_problem(&spec) {
                if span == m.key_span {
                    what = "has no `version`, so it accepts any version".into();
                }
                out.add(
                    span,
                    format!(
                        "`{written}` in [{section}] {what}, and no Pipfile.lock beside this Pipfile pins it"
                    ),
                )
                .fix(format!(
                    "run `pipenv lock` and commit Pipfile.lock (install with `pipenv sync`), or pin it here: `{} = \"==<version>\"`",
                    m.key
                ));
            }
        }
    }
}

/// Why a Pipfile version string is not a pin (`None` if it is one).
fn pipfile_spec_problem(spec: &str) -> Option<String> {
    let spec = spec.trim();
    if spec.is_empty() || spec == "*" {
        return Some("accepts any version".into());
    }
    if spec.contains("${") {
        return None;
    }
    // A bare version means `==version` to pipenv.
    // Judged under a neutral name: Pipfile keys need not be valid PEP 508 names.
    let req_text = if spec.starts_with(|c: char| c.is_ascii_digit()) {
        format!("x=={spec}")
    } else {
        format!("x{spec}")
    };
    match requirements::parse_requirement(&req_text, &|_, _| Span::default()) {
        Ok(req) => match req.pin() {
            Pin::Exact | Pin::Local | Pin::Unknown => None,
            Pin::Range(op) if op.contains('*') => Some(format!("is the wildcard `{op}`")),
            Pin::Range(op) => Some(format!("is a range (`{op}`)")),
            _ => Some("is not an exact version".into()),
        },
        Err(_) => Some("is not an exact version".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipfile_specs() {
        assert!(pipfile_spec_problem("*").is_some());
        assert!(pipfile_spec_problem("").is_some());
        assert!(pipfile_spec_problem(">=2.0").is_some());
        assert!(pipfile_spec_problem("~=2.0").is_some());
        assert!(pipfile_spec_problem("==2.*").is_some());
        assert!(pipfile_spec_problem("==2.31.0").is_none());
        assert!(pipfile_spec_problem("2.31.0").is_none());
        assert!(pipfile_spec_problem("===2.31.0").is_none());
    }
}
