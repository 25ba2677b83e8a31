//! The repository list: one repository per line, a local path or a git URL with an
//! optional `@ref`; `#` comments and blank lines are allowed.
//!
//! Every repository gets a stable identity (its URL normalised and stripped of
//! credentials, or its path as written, plus `@ref`) from which shards and file names
//! are derived, so they are the same on every machine that reads the same list.

use super::fnv1a;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A directory scanned as it is (its working tree; never checked out or changed).
    Local(PathBuf),
    /// A git URL exactly as written (it may carry credentials: never print it).
    Git(String),
}

#[derive(Debug, Clone)]
pub struct Repo {
    pub source: Source,
    /// `https://github.com/o/r@v1`: [`Repo::location`] plus `@ref`. Never holds credentials.
    pub id: String,
    /// The normalised URL without credentials (`https://github.com/o/r`,
    /// `ssh://github.com/o/r` for `git@github.com:o/r.git`), or the path as written.
    pub location: String,
    pub git_ref: Option<String>,
    /// File-name-safe, unique per identity: `github.com-o-r-v1-1a2b3c4d`.
    pub slug: String,
    /// 1-based line in the list, for messages.
    pub line: usize,
}

/// Reads a list; relative local paths are resolved against `base` (the list's directory).
pub fn parse(text: &str, base: &Path) -> Result<(Vec<Repo>, Vec<String>), String> {
    let mut repos: Vec<Repo> = Vec::new();
    let mut warnings = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = strip_comment(raw).trim();
        if line.is_empty() {
            continue;
        }
        let repo = parse_entry(line, base, i + 1).map_err(|e| format!("line {}: {e}", i + 1))?;
        if let Some(first) = repos.iter().find(|r| r.id == repo.id) {
            warnings.push(format!(
                "line {}: `{}` is already listed on line {}; scanned once",
                i + 1,
                repo.id,
                first.line
            ));
            continue;
        }
        repos.push(repo);
    }
    Ok((repos, warnings))
}

/// `#` starts a comment at the start of a line or after white space.
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return &line[..i];
        }
    }
    line
}

pub fn parse_entry(entry: &str, base: &Path, line: usize) -> Result<Repo, String> {
    if entry.chars().any(char::is_whitespace) {
        return Err(format!(
            "`{}` contains white space; one repository per line",
            redact_text(entry)
        ));
    }
    if entry.starts_with('-') {
        return Err(format!(
            "`{}` starts with `-`; write `./{}` for a local path",
            redact_text(entry),
            redact_text(entry)
        ));
    }
    if let Some(path_start) = url_path_start(entry) {
        // The ref is whatever follows the last `@` in the path part (not the user@ part).
        let (url, git_ref) = match entry[path_start..].rfind('@') {
            Some(at) => {
                let at = path_start + at;
                (&entry[..at], Some(&entry[at + 1..]))
            }
            None => (entry, None),
        };
        if let Some(r) = git_ref {
            check_ref(r)?;
        }
        let location = normalise_url(url)?;
        let git_ref = git_ref.map(str::to_owned);
        let id = match &git_ref {
            Some(r) => format!("{location}@{r}"),
            None => location.clone(),
        };
        return Ok(Repo {
            source: Source::Git(url.to_owned()),
            slug: slug(&id),
            id,
            location,
            git_ref,
            line,
        });
    }
    let location = normalise_path(entry);
    let path = Path::new(entry);
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    };
    Ok(Repo {
        source: Source::Local(abs),
        slug: slug(&location),
        id: location.clone(),
        location,
        git_ref: None,
        line,
    })
}

/// Where the path of a git URL starts, or `None` for a local path. Follows git: a
/// `scheme://` URL, or scp-like `[user@]host:path` (a `:` before any `/`).
fn url_path_start(s: &str) -> Option<usize> {
    if let Some(i) = s.find("://") {
        let scheme = &s[..i];
        if !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        {
            let rest = i + 3;
            return Some(s[rest..].find('/').map_or(s.len(), |j| rest + j));
        }
        return None;
    }
    let colon = s.find(':')?;
    let slash = s.find('/').unwrap_or(s.len());
    // `C:\…` / `C:/…` are Windows drive letters, not hosts.
    (colon < slash && colon > 1).then_some(colon + 1)
}

/// Refs go on git's command line: only plain ref characters, never a leading `-` or `+`.
fn check_ref(r: &str) -> Result<(), String> {
    let ok = !r.is_empty()
        && r.len() <= 200
        && r.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && r.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._/-".contains(c))
        && !r.contains("..")
        && !r.ends_with('/')
        && !r.ends_with(".lock");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`@{r}` is not a ref dozen accepts (a branch, tag or commit SHA of letters, digits, `.`, `_`, `/`, `-`)"
        ))
    }
}

/// `HTTPS://tok@GitHub.com/o/r.git/` → `https://github.com/o/r`;
/// `git@github.com:o/r.git` → `ssh://github.com/o/r`.
pub fn normalise_url(url: &str) -> Result<String, String> {
    let (scheme, authority, path) = if let Some(i) = url.find("://") {
        let scheme = url[..i].to_ascii_lowercase();
        let rest = &url[i + 3..];
        let (authority, path) = match rest.find('/') {
            Some(j) => (&rest[..j], &rest[j..]),
            None => (rest, ""),
        };
        (scheme, authority, path.to_owned())
    } else {
        let colon = url.find(':').unwrap_or(url.len());
        let path = url.get(colon + 1..).unwrap_or("");
        let path = if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("/{path}")
        };
        ("ssh".to_owned(), &url[..colon], path)
    };
    let host = match authority.rfind('@') {
        Some(at) => &authority[at + 1..],
        None => authority,
    };
    let host = host.to_ascii_lowercase();
    if host.is_empty() && scheme != "file" {
        return Err(format!("`{}` has no host", redact_text(url)));
    }
    let mut path = path.trim_end_matches('/').to_owned();
    if let Some(p) = path.strip_suffix(".git") {
        path = p.trim_end_matches('/').to_owned();
    }
    if path.is_empty() {
        return Err(format!(
            "`{}` names no repository (no path)",
            redact_text(url)
        ));
    }
    Ok(format!("{scheme}://{host}{path}"))
}

/// A local path as written, lexically tidied: `./a//b/` → `a/b`.
fn normalise_path(p: &str) -> String {
    let absolute = p.starts_with('/');
    let parts: Vec<&str> = p
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

/// File-name-safe and unique: readable part from the identity plus 8 hex of its hash.
pub fn slug(id: &str) -> String {
    let readable = id.split_once("://").map_or(id, |(_, rest)| rest);
    let mut out = String::new();
    for c in readable.chars() {
        if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_matches(|c| c == '-' || c == '.');
    let mut readable: String = trimmed.chars().take(80).collect();
    if readable.is_empty() {
        readable.push_str("repo");
    }
    format!("{readable}-{:08x}", fnv1a(id.as_bytes()) as u32)
}

/// Removes credentials from every URL in `text`: `https://user:tok@host` → `https://***@host`.
pub fn redact_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c == '/' || c.is_whitespace() || c == '\'' || c == '"' || c == '`')
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => {
                out.push_str("***");
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(s: &str) -> Repo {
        parse_entry(s, Path::new("/base"), 1).unwrap()
    }

    #[test]
    fn urls_refs_and_identities() {
        let r = entry("https://user:tok@GitHub.com/o/r.git@v1.2");
        assert_eq!(r.location, "https://github.com/o/r");
        assert_eq!(r.id, "https://github.com/o/r@v1.2");
        assert_eq!(r.git_ref.as_deref(), Some("v1.2"));
        assert_eq!(
            r.source,
            Source::Git("https://user:tok@GitHub.com/o/r.git".into())
        );
        let r = entry("git@github.com:o/r.git");
        assert_eq!(r.id, "ssh://github.com/o/r");
        assert_eq!(r.git_ref, None);
        let r = entry("git@github.com:o/r@feature/x");
        assert_eq!(r.git_ref.as_deref(), Some("feature/x"));
        assert_eq!(r.id, "ssh://github.com/o/r@feature/x");
        let r = entry("file:///tmp/repos/a");
        assert_eq!(r.id, "file:///tmp/repos/a");
        let r = entry("./repos//a/");
        assert_eq!(r.id, "repos/a");
        assert_eq!(r.source, Source::Local(PathBuf::from("/base/./repos//a/")));
        assert!(parse_entry("https://h/o/r@-x", Path::new("/"), 1).is_err());
        assert!(parse_entry("https://h/o/r@a:b", Path::new("/"), 1).is_err());
        assert!(parse_entry("--upload-pack=x", Path::new("/"), 1).is_err());
        assert!(parse_entry("https://h", Path::new("/"), 1).is_err());
    }

    #[test]
    fn list_comments_blanks_duplicates() {
        let (repos, warnings) = parse(
            "# fleet\n\nhttps://h/o/a  # main app\nhttps://h/o/a.git\nlocal#dir\n",
            Path::new("/"),
        )
        .unwrap();
        assert_eq!(repos.len(), 2);
        assert_eq!(repos[1].id, "local#dir");
        assert_eq!(warnings.len(), 1);
        let err = parse("https://h/o/a b\n", Path::new("/")).unwrap_err();
        assert!(err.starts_with("line 1:"), "{err}");
    }

    #[test]
    fn slugs_are_safe_and_distinct() {
        let a = slug("https://github.com/o/r@v1");
        assert!(a.starts_with("github.com-o-r-v1-"), "{a}");
        assert_ne!(
            slug("https://github.com/O/R"),
            slug("https://github.com/o/r")
        );
        assert!(slug("/").starts_with("repo-"));
        assert!(
            slug("../../etc")
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        );
        assert!(!slug("../../etc").starts_with('.'));
    }

    #[test]
    fn redacts_credentials() {
        assert_eq!(
            // dozen: ignore[hardcoded-secret] (a made-up credential to redact)
            redact_text("fatal: 'https://me:s3cret@host/o/r' not found; ssh://git@h/x"),
            "fatal: 'https://***@host/o/r' not found; ssh://***@h/x"
        );
        assert_eq!(redact_text("no url here"), "no url here");
    }
}
