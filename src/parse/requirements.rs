//! pip requirement files (`requirements*.txt`, `constraints*.txt`, `*.in`) read the way
//! pip reads them: backslash continuations joined, comments (`#` at the start or after
//! white space) dropped, then each line is either options (`-r`, `-c`, `-e`, `-i`,
//! `--index-url`, `--require-hashes`, …) or a requirement with per-line options
//! (`--hash=…`). Requirements are PEP 508 (`name[extras] specifiers ; marker`,
//! `name @ url`) or pip's URL and path forms (`git+https://…#egg=name`, `./pkg`,
//! `pkg.whl`). Every piece keeps its byte span in the file.
//!
//! [`pin`] judges whether a requirement names exactly one artifact, and also serves the
//! PEP 508 strings of `pyproject.toml`.

use crate::finding::Span;

#[derive(Debug, Default)]
pub struct ReqFile {
    pub entries: Vec<Entry>,
    /// Lines that are not valid requirements or options (pip would refuse them).
    pub errors: Vec<(Span, String)>,
    /// The file says `--require-hashes`.
    pub require_hashes: bool,
}

#[derive(Debug, Clone)]
pub struct Entry {
    /// The logical line's text (continuations joined, comment removed), for messages.
    pub text: String,
    pub kind: EntryKind,
}

#[derive(Debug, Clone)]
pub enum EntryKind {
    Requirement(Requirement),
    /// `-r FILE` (`constraint: false`) or `-c FILE` (`constraint: true`); `span` is FILE's.
    Include {
        constraint: bool,
        target: String,
        span: Span,
    },
    /// `-e TARGET`: a local path or a VCS URL.
    Editable {
        req: Requirement,
    },
    /// Any other option (`-i URL`, `--pre`, …), name without its value.
    Option {
        name: String,
        span: Span,
    },
}

#[derive(Debug, Clone, Default)]
pub struct Requirement {
    /// The project name, if the requirement has one (URL forms may name it in `#egg=`).
    pub name: Option<String>,
    pub name_span: Option<Span>,
    pub extras: Vec<String>,
    pub specifiers: Vec<Specifier>,
    /// A URL: `name @ url`, a bare URL, or a VCS URL.
    pub url: Option<String>,
    pub url_span: Option<Span>,
    /// A local directory or archive file (`.`, `./pkg`, `dist/x-1.0.whl`, `file:…`).
    pub local: bool,
    pub marker: Option<String>,
    /// `--hash=algo:hex` values on the line.
    pub hashes: Vec<String>,
    /// Name through specifiers (or the URL): what a finding points at.
    pub span: Span,
    /// That span's text.
    pub display: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Specifier {
    pub op: String,
    pub version: String,
}

/// A logical line: text with the file offset of each of its bytes.
struct Logical {
    text: String,
    map: Vec<usize>,
}

impl Logical {
    fn offset(&self, i: usize) -> usize {
        match self.map.get(i) {
            Some(&o) => o,
            // One past the end: just after the last byte.
            None => self.map.last().map_or(0, |&o| o + 1),
        }
    }

    fn span(&self, start: usize, end: usize) -> Span {
        if end <= start {
            let o = self.offset(start);
            return Span::new(o, o);
        }
        Span::new(self.offset(start), self.offset(end - 1) + 1)
    }
}

/// Joins continuation lines the way pip does: a line ending in `\` continues on the next
/// (unless it is a comment line), and a comment is `#` at the start or after white space.
fn logical_lines(src: &str) -> Vec<Logical> {
    let mut out = Vec::new();
    let mut cur: Option<Logical> = None;
    let mut offset = 0;
    for raw in src.split_inclusive('\n') {
        let line_start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let is_comment = is_comment_line(line);
        let continues = line.ends_with('\\') && !is_comment;
        let body = if continues {
            &line[..line.len() - 1]
        } else {
            line
        };
        let l = cur.get_or_insert_with(|| Logical {
            text: String::new(),
            map: Vec::new(),
        });
        if is_comment && !l.text.is_empty() {
            // pip: a comment line ends the continued line (the comment is dropped later).
            out.push(cur.take().expect("set above"));
            continue;
        }
        l.text.push_str(body);
        l.map.extend(line_start..line_start + body.len());
        if !continues {
            out.push(cur.take().expect("set above"));
        }
    }
    if let Some(l) = cur {
        out.push(l);
    }
    out
}

fn is_comment_line(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// Where a comment starts: `#` at the start of the line or after white space.
fn comment_start(text: &str) -> usize {
    let b = text.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'#' && (i == 0 || b[i - 1].is_ascii_whitespace()) {
            return i;
        }
    }
    text.len()
}

/// A whitespace-separated token of a logical line: (start, end) byte offsets in it.
fn tokens(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                out.push((s, i));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

/// Options that take a value (short and long spellings).
const VALUE_OPTIONS: &[&str] = &[
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-e",
    "--editable",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--trusted-host",
    "--only-binary",
    "--no-binary",
    "--use-feature",
    "--hash",
    "--global-option",
    "--install-option",
    "--config-settings",
    "-C",
    "--use-deprecated",
    "--src",
    "--progress-bar",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
];

/// Reads a requirement file.
pub fn parse(src: &str) -> ReqFile {
    let mut file = ReqFile::default();
    for logical in logical_lines(src) {
        let end = comment_start(&logical.text);
        let text = &logical.text[..end];
        if text.trim().is_empty() {
            continue;
        }
        let toks = tokens(text);
        // pip: arguments up to the first token starting with `-`, then options.
        let first_opt = toks
            .iter()
            .position(|&(s, _)| text[s..].starts_with('-'))
            .unwrap_or(toks.len());
        let (args, opts) = toks.split_at(first_opt);
        let options = read_options(text, opts, &logical, &mut file.errors);
        let entry_text = text.trim().to_owned();
        if let (Some(&(s, _)), Some(&(_, e))) = (args.first(), args.last()) {
            match parse_requirement(&text[s..e], &|i, j| logical.span(s + i, s + j)) {
                Ok(mut req) => {
                    for opt in options {
                        match opt.name.as_str() {
                            "--hash" => req.hashes.extend(opt.value.map(|(v, _)| v)),
                            "--global-option" | "--install-option" | "--config-settings" | "-C" => {
                            }
                            other => file.errors.push((
                                opt.span,
                                format!("`{other}` is not allowed after a requirement"),
                            )),
                        }
                    }
                    file.entries.push(Entry {
                        text: entry_text,
                        kind: EntryKind::Requirement(req),
                    });
                }
                Err(msg) => file.errors.push((logical.span(s, e), msg)),
            }
            continue;
        }
        for Opt { name, value, span } in options {
            let kind = match name.as_str() {
                "-r" | "--requirement" | "-c" | "--constraint" => match value {
                    Some((target, at)) => EntryKind::Include {
                        constraint: name == "-c" || name == "--constraint",
                        span: logical.span(at, at + target.len()),
                        target,
                    },
                    None => continue,
                },
                "-e" | "--editable" => {
                    let Some((target, at)) = value else { continue };
                    match parse_requirement(&target, &|i, j| logical.span(at + i, at + j)) {
                        Ok(req) => EntryKind::Editable { req },
                        Err(msg) => {
                            file.errors.push((logical.span(at, at + target.len()), msg));
                            continue;
                        }
                    }
                }
                "--require-hashes" => {
                    file.require_hashes = true;
                    EntryKind::Option { name, span }
                }
                _ => EntryKind::Option { name, span },
            };
            file.entries.push(Entry {
                text: entry_text.clone(),
                kind,
            });
        }
    }
    file
}

/// One option as written: canonical name, its value (with the value's offset in the
/// logical line), and the span of the option and its value in the file.
struct Opt {
    name: String,
    value: Option<(String, usize)>,
    span: Span,
}

/// Reads option tokens: `--name=value`, `--name value`, `-x value`, `-xvalue`.
fn read_options(
    text: &str,
    toks: &[(usize, usize)],
    logical: &Logical,
    errors: &mut Vec<(Span, String)>,
) -> Vec<Opt> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let (s, e) = toks[i];
        let tok = &text[s..e];
        i += 1;
        // (name, inline value and its offset)
        let (name, inline) = if let Some(long) = tok.strip_prefix("--") {
            match long.split_once('=') {
                Some((n, v)) => (format!("--{n}"), Some((v, s + 3 + n.len()))),
                None => (tok.to_owned(), None),
            }
        } else if tok.len() > 2 && tok.is_char_boundary(2) {
            // `-rfile.txt`, `-e.`
            (tok[..2].to_owned(), Some((&tok[2..], s + 2)))
        } else {
            (tok.to_owned(), None)
        };
        let takes_value = VALUE_OPTIONS.contains(&name.as_str());
        let (value, end) = match inline {
            Some((v, at)) if takes_value => (Some((v, at)), e),
            Some(_) => (None, e),
            None if takes_value => match toks.get(i) {
                Some(&(vs, ve)) => {
                    i += 1;
                    (Some((&text[vs..ve], vs)), ve)
                }
                None => {
                    errors.push((logical.span(s, e), format!("`{name}` needs a value")));
                    (None, e)
                }
            },
            None => (None, e),
        };
        let value = value.map(|(v, at)| {
            let inner = unquote(v);
            let shift = usize::from(inner.len() != v.len());
            (inner.to_owned(), at + shift)
        });
        out.push(Opt {
            name,
            value,
            span: logical.span(s, end),
        });
    }
    out
}

fn unquote(v: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|v| v.strip_suffix(q)) {
            return inner;
        }
    }
    v
}

const URL_SCHEMES: &[&str] = &[
    "git+", "hg+", "svn+", "bzr+", "http://", "https://", "ftp://", "file:",
];
const ARCHIVE_EXTS: &[&str] = &[
    ".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar", ".zip",
];
const OPS: &[&str] = &["===", "==", "!=", "<=", ">=", "~=", "<", ">"];

fn is_url(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    URL_SCHEMES.iter().any(|p| lower.starts_with(p))
}

fn is_vcs(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    ["git+", "hg+", "svn+", "bzr+"]
        .iter()
        .any(|p| lower.starts_with(p))
}

fn looks_like_path(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    s.starts_with('.')
        || s.starts_with('/')
        || s.starts_with('~')
        || s.contains('\\')
        || (s.contains('/') && !s.contains("://"))
        || ARCHIVE_EXTS.iter().any(|e| lower.ends_with(e))
}

/// A requirement string (one requirement, options removed). `span(i, j)` maps byte
/// offsets in `s` to the file.
pub fn parse_requirement(
    s: &str,
    span: &dyn Fn(usize, usize) -> Span,
) -> Result<Requirement, String> {
    let mut req = Requirement::default();
    let trimmed_start = s.len() - s.trim_start().len();
    let body_end = s.trim_end().len();
    // The marker: after `;` (for URLs pip wants white space before it).
    let (main_end, marker) = match find_marker(s) {
        Some(i) => (i, Some(s[i + 1..].trim().to_owned())),
        None => (body_end, None),
    };
    req.marker = marker;
    let main = &s[trimmed_start..main_end];
    let main_trim_end = trimmed_start + main.trim_end().len();
    let main = &s[trimmed_start..main_trim_end];
    if main.is_empty() {
        return Err("empty requirement".into());
    }
    let set_span = |req: &mut Requirement, a: usize, b: usize| {
        req.span = span(a, b);
        // White space folded: a requirement continued over lines reads as one.
        req.display = s[a..b].split_whitespace().collect::<Vec<_>>().join(" ");
    };
    if is_url(main) {
        let url_end = trimmed_start + main.find(char::is_whitespace).unwrap_or(main.len());
        let url = &s[trimmed_start..url_end];
        req.url = Some(url.to_owned());
        req.url_span = Some(span(trimmed_start, url_end));
        req.name = egg_name(url);
        req.local = url.to_ascii_lowercase().starts_with("file:");
        set_span(&mut req, trimmed_start, url_end);
        return Ok(req);
    }
    // PEP 508: name first.
    let name_len = main
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .map_or(main.len(), |(i, _)| i);
    let rest_after_name = &main[name_len..];
    let plausible_name = name_len > 0
        && main.as_bytes()[0].is_ascii_alphanumeric()
        && main.as_bytes()[name_len - 1].is_ascii_alphanumeric();
    let after_extras = match rest_after_name.trim_start().strip_prefix('[') {
        Some(r) => r.split_once(']').map_or("", |(_, r)| r),
        None => rest_after_name,
    };
    let direct_ref = plausible_name && after_extras.trim_start().starts_with('@');
    if looks_like_path(main) && !direct_ref {
        req.local = true;
        set_span(&mut req, trimmed_start, main_trim_end);
        return Ok(req);
    }
    if !plausible_name {
        return Err(format!("`{main}` is not a valid requirement"));
    }
    let name = &main[..name_len];
    req.name = Some(name.to_owned());
    req.name_span = Some(span(trimmed_start, trimmed_start + name_len));
    let mut i = name_len;
    let skip_ws = |i: &mut usize| {
        while main[*i..].starts_with(char::is_whitespace) {
            *i += main[*i..].chars().next().map_or(1, char::len_utf8);
        }
    };
    skip_ws(&mut i);
    if main[i..].starts_with('[') {
        let Some(close) = main[i..].find(']') else {
            return Err(format!("`{main}`: unclosed `[` of extras"));
        };
        req.extras = main[i + 1..i + close]
            .split(',')
            .map(|e| e.trim().to_owned())
            .filter(|e| !e.is_empty())
            .collect();
        i += close + 1;
        skip_ws(&mut i);
    }
    if let Some(after_at) = main[i..].strip_prefix('@') {
        // `name @ url` (PEP 508 direct reference).
        let lead = after_at.len() - after_at.trim_start().len();
        let url_start = i + 1 + lead;
        let url_len = main[url_start..]
            .find(char::is_whitespace)
            .unwrap_or(main.len() - url_start);
        if url_len == 0 {
            return Err(format!("`{main}`: no URL after `@`"));
        }
        let url = &main[url_start..url_start + url_len];
        req.url = Some(url.to_owned());
        req.url_span = Some(span(
            trimmed_start + url_start,
            trimmed_start + url_start + url_len,
        ));
        // `file:` URLs and plain paths (`name @ ./lib`, which uv accepts) are local.
        req.local = url.to_ascii_lowercase().starts_with("file:") || !url.contains("://");
        set_span(&mut req, trimmed_start, trimmed_start + url_start + url_len);
        if !main[url_start + url_len..].trim().is_empty() {
            return Err(format!("`{main}`: unexpected text after the URL"));
        }
        return Ok(req);
    }
    // Version specifiers, optionally in parentheses.
    let mut spec = main[i..].trim();
    if let Some(inner) = spec.strip_prefix('(').and_then(|s| s.strip_suffix(')')) {
        spec = inner.trim();
    }
    if !spec.is_empty() {
        for clause in spec.split(',') {
            let clause = clause.trim();
            let Some(op) = OPS.iter().find(|op| clause.starts_with(**op)) else {
                return Err(format!(
                    "`{main}`: `{clause}` is not a version specifier (`==1.2.3`, `>=1.0`, …)"
                ));
            };
            let version = clause[op.len()..].trim();
            if version.is_empty() || version.contains(char::is_whitespace) {
                return Err(format!("`{main}`: `{clause}` has no valid version"));
            }
            req.specifiers.push(Specifier {
                op: (*op).to_owned(),
                version: version.to_owned(),
            });
        }
    }
    set_span(&mut req, trimmed_start, main_trim_end);
    Ok(req)
}

/// The `;` that starts an environment marker, if any. In a URL (`name @ url` or a bare
/// URL) a `;` only starts a marker after white space, as pip requires.
fn find_marker(s: &str) -> Option<usize> {
    let has_url = is_url(s.trim_start()) || s.contains("://") || s.contains('@');
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b';' && (!has_url || (i > 0 && b[i - 1].is_ascii_whitespace())) {
            return Some(i);
        }
    }
    None
}

fn egg_name(url: &str) -> Option<String> {
    let frag = url.split_once('#')?.1;
    frag.split('&')
        .find_map(|kv| kv.strip_prefix("egg="))
        .map(|n| {
            n.split(['[', '=', '<', '>', '!', '~'])
                .next()
                .unwrap_or(n)
                .to_owned()
        })
        .filter(|n| !n.is_empty())
}

/// The byte range (in `url`) of the credentials of `scheme://user:secret@host/…`: the
/// secret after `:`, or the whole user part if there is no `:` (a bare token).
pub fn credentials_range(url: &str) -> Option<(usize, usize)> {
    let start = url.find("://")? + 3;
    let authority_len = url[start..]
        .find(['/', '?', '#'])
        .unwrap_or(url.len() - start);
    let authority = &url[start..start + authority_len];
    let at = authority.rfind('@')?;
    let user = &authority[..at];
    match user.find(':') {
        Some(c) if c + 1 < user.len() => Some((start + c + 1, start + at)),
        Some(_) => None,
        None if user.is_empty() || user == "git" => None,
        None => Some((start, start + at)),
    }
}

/// The bytes of a file to hide for a URL written at `span`: its credentials, or the
/// whole span if the text there is not the URL verbatim (escapes, continuation lines).
pub fn credentials_span(src: &str, url: &str, span: Span) -> Option<Span> {
    let (a, b) = credentials_range(url)?;
    if src.get(span.start..span.end) == Some(url) {
        Some(Span::new(span.start + a, span.start + b))
    } else {
        Some(span)
    }
}

/// `url` with its credentials cut to their first characters (see [`crate::redact::mask`]).
pub fn mask_credentials(url: &str) -> String {
    match credentials_range(url) {
        Some((a, b)) => format!(
            "{}{}{}",
            &url[..a],
            crate::redact::mask(&url[a..b]),
            &url[b..]
        ),
        None => url.to_owned(),
    }
}

/// The PEP 503 normalised form of a project name: lower case, runs of `-_.` as `-`.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
            continue;
        }
        if sep && !out.is_empty() {
            out.push('-');
        }
        sep = false;
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// A full commit id: 40 hex digits (SHA-1) or 64 (SHA-256 repositories).
pub fn is_full_sha(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// An abbreviated commit id (7–39 hex digits), worth a specific hint.
pub fn is_short_sha(s: &str) -> bool {
    (7..40).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// How exactly a requirement selects one artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pin {
    /// `==1.2.3` / `===1.2.3`, a VCS URL at a full commit, a URL with a `#sha256=` hash.
    Exact,
    /// A local path or file: what is installed is what is in the repository.
    Local,
    /// The requirement contains a `${VARIABLE}` that pip expands: unknown, not judged.
    Unknown,
    /// No version specifier at all.
    NoSpecifier,
    /// A range: the operator (or `==1.*` wildcard) that leaves it open.
    Range(String),
    /// A VCS URL at a branch or tag (`Some(ref)`), or at no ref (`None`).
    VcsRef(Option<String>),
    /// A plain URL with neither a hash fragment nor a commit id in it.
    UrlNoHash,
}

impl Requirement {
    /// Judges the requirement as written (options like `--hash` aside).
    pub fn pin(&self) -> Pin {
        if self.local {
            return Pin::Local;
        }
        if let Some(url) = &self.url {
            if url.contains("${") {
                return Pin::Unknown;
            }
            return url_pin(url);
        }
        if self.specifiers.iter().any(|s| s.version.contains("${")) {
            return Pin::Unknown;
        }
        if self.specifiers.is_empty() {
            return Pin::NoSpecifier;
        }
        // One exact clause pins it, whatever else is listed.
        if self
            .specifiers
            .iter()
            .any(|s| (s.op == "==" && !s.version.contains('*')) || s.op == "===")
        {
            return Pin::Exact;
        }
        let open = self
            .specifiers
            .iter()
            .find(|s| s.op != "==")
            .or(self.specifiers.first())
            .map(|s| {
                if s.op == "==" {
                    format!("=={}", s.version)
                } else {
                    s.op.clone()
                }
            })
            .unwrap_or_default();
        Pin::Range(open)
    }

    /// Whether pip would check a hash for it (`--hash`, or a hash in the URL fragment).
    pub fn has_hash(&self) -> bool {
        !self.hashes.is_empty() || self.url.as_deref().is_some_and(url_has_hash)
    }

    /// `name[extras]` as written, for fix suggestions.
    pub fn name_with_extras(&self) -> Option<String> {
        let name = self.name.as_ref()?;
        if self.extras.is_empty() {
            Some(name.clone())
        } else {
            Some(format!("{name}[{}]", self.extras.join(",")))
        }
    }
}

fn url_has_hash(url: &str) -> bool {
    let Some((_, frag)) = url.split_once('#') else {
        return false;
    };
    frag.split('&').any(|kv| {
        kv.split_once('=').is_some_and(|(algo, hex)| {
            matches!(algo, "sha256" | "sha384" | "sha512")
                && !hex.is_empty()
                && hex.bytes().all(|b| b.is_ascii_hexdigit())
        })
    })
}

/// The `@ref` of a VCS URL (`git+https://host/repo.git@ref#egg=x`), if any.
pub fn vcs_ref(url: &str) -> Option<&str> {
    let no_frag = url.split('#').next().unwrap_or(url);
    // Skip `scheme://authority`, whose `user@` is not a ref.
    let path_start = match no_frag.find("://") {
        Some(i) => no_frag[i + 3..]
            .find('/')
            .map_or(no_frag.len(), |j| i + 3 + j),
        None => no_frag.find(':').map_or(0, |i| i + 1),
    };
    let path = &no_frag[path_start..];
    path.rsplit_once('@')
        .map(|(_, r)| r)
        .filter(|r| !r.is_empty())
}

/// A VCS URL without its `@ref` and fragment: `git+https://host/repo.git@v1#egg=x` →
/// `git+https://host/repo.git`.
pub fn vcs_base(url: &str) -> &str {
    let no_frag = url.split('#').next().unwrap_or(url);
    match vcs_ref(no_frag) {
        Some(r) => &no_frag[..no_frag.len() - r.len() - 1],
        None => no_frag,
    }
}

fn url_pin(url: &str) -> Pin {
    if is_vcs(url) {
        return match vcs_ref(url) {
            Some(r) if is_full_sha(r) => Pin::Exact,
            // Subversion revisions are immutable numbers.
            Some(r)
                if url.to_ascii_lowercase().starts_with("svn+")
                    && r.trim_start_matches('r')
                        .bytes()
                        .all(|b| b.is_ascii_digit())
                    && r.len() > 1 =>
            {
                Pin::Exact
            }
            other => Pin::VcsRef(other.map(str::to_owned)),
        };
    }
    if url_has_hash(url) {
        return Pin::Exact;
    }
    // An archive of one commit (`…/archive/<sha>.zip`, `codeload…/tar.gz/<sha>`).
    let path = url.split(['#', '?']).next().unwrap_or(url);
    let commit_in_path = path.split('/').any(|seg| {
        let stem = ARCHIVE_EXTS
            .iter()
            .find_map(|e| seg.strip_suffix(e))
            .unwrap_or(seg);
        is_full_sha(stem)
    });
    if commit_in_path {
        Pin::Exact
    } else {
        Pin::UrlNoHash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reqs(src: &str) -> Vec<Requirement> {
        parse(src)
            .entries
            .into_iter()
            .filter_map(|e| match e.kind {
                EntryKind::Requirement(r) | EntryKind::Editable { req: r } => Some(r),
                _ => None,
            })
            .collect()
    }

    fn one(src: &str) -> Requirement {
        let f = parse(src);
        assert!(f.errors.is_empty(), "{src}: {:?}", f.errors);
        let mut r = reqs(src);
        assert_eq!(r.len(), 1, "{src}");
        r.remove(0)
    }

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

    #[test]
    fn specifiers_and_pins() {
        let cases: &[(&str, Pin)] = &[
            ("requests==2.31.0", Pin::Exact),
            ("requests === 2.31.0", Pin::Exact),
            ("requests", Pin::NoSpecifier),
            ("requests>=2.0", Pin::Range(">=".into())),
            ("requests~=2.0", Pin::Range("~=".into())),
            ("requests<3", Pin::Range("<".into())),
            ("requests>2", Pin::Range(">".into())),
            ("requests!=2.1", Pin::Range("!=".into())),
            ("requests==2.*", Pin::Range("==2.*".into())),
            ("requests>=2,<3", Pin::Range(">=".into())),
            ("requests>=2,==2.5", Pin::Exact),
            ("requests (==2.31.0)", Pin::Exact),
            ("Django[argon2,bcrypt]==4.2.1", Pin::Exact),
            ("uvicorn[standard] >= 0.20", Pin::Range(">=".into())),
            ("pkg==${VERSION}", Pin::Unknown),
            ("zope.interface==6.0", Pin::Exact),
        ];
        for (src, want) in cases {
            assert_eq!(&one(src).pin(), want, "{src}");
        }
    }

    #[test]
    fn markers_extras_hashes_and_comments() {
        let src = "attrs==23.1.0 ; python_version < \"3.8\" --hash=sha256:aa --hash=sha256:bb  # pinned\n";
        let r = one(src);
        assert_eq!(r.name.as_deref(), Some("attrs"));
        assert_eq!(r.marker.as_deref(), Some("python_version < \"3.8\""));
        assert_eq!(r.hashes, vec!["sha256:aa", "sha256:bb"]);
        assert_eq!(r.display, "attrs==23.1.0");
        assert_eq!(&src[r.span.start..r.span.end], "attrs==23.1.0");
        assert!(r.has_hash());
        let r = one("requests[socks,security]>=2;sys_platform=='win32'");
        assert_eq!(r.extras, vec!["socks", "security"]);
        assert_eq!(
            r.name_with_extras().as_deref(),
            Some("requests[socks,security]")
        );
        assert_eq!(r.display, "requests[socks,security]>=2");
        assert!(
            parse("# just a comment\n\n   # indented\n")
                .entries
                .is_empty()
        );
        // `#` glued to text is not a comment.
        let r = one("pkg @ https://example.com/pkg.zip#sha256=abcdef");
        assert_eq!(r.pin(), Pin::Exact);
    }

    #[test]
    fn continuations_keep_file_spans() {
        let src = "flask==2.0 \\\n    --hash=sha256:aaa \\\n    --hash=sha256:bbb\nrequests \\\n  >=2.0\n";
        let f = parse(src);
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        let r = reqs(src);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].hashes.len(), 2);
        assert_eq!(&src[r[0].span.start..r[0].span.end], "flask==2.0");
        // The span of a requirement split over lines covers both parts in the file.
        let s = r[1].span;
        assert_eq!(&src[s.start..s.end], "requests \\\n  >=2.0");
        assert_eq!(r[1].pin(), Pin::Range(">=".into()));
        // A comment line ends a continuation.
        let f = parse("a==1 \\\n# comment\nb\n");
        assert_eq!(f.entries.len(), 2);
        // A trailing backslash on the last line.
        assert_eq!(reqs("c==1 \\").len(), 1);
        // CRLF line ends.
        let r = reqs("a==1\r\nb>=2 \\\r\n ; python_version>'3'\r\n");
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].display, "b>=2");
    }

    #[test]
    fn options_and_includes() {
        let src = "-i https://pypi.org/simple\n--extra-index-url=https://x/simple\n--require-hashes\n-r base.txt\n--requirement=dev.txt\n-c constraints.txt\n-rother.txt\n--no-index\n-f ./wheels\n--pre\n";
        let f = parse(src);
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        assert!(f.require_hashes);
        let includes: Vec<(bool, &str)> = f
            .entries
            .iter()
            .filter_map(|e| match &e.kind {
                EntryKind::Include {
                    constraint, target, ..
                } => Some((*constraint, target.as_str())),
                _ => None,
            })
            .collect();
        assert_eq!(
            includes,
            vec![
                (false, "base.txt"),
                (false, "dev.txt"),
                (true, "constraints.txt"),
                (false, "other.txt")
            ]
        );
        let EntryKind::Include { span, .. } = &f.entries[3].kind else {
            panic!()
        };
        assert_eq!(&src[span.start..span.end], "base.txt");
        assert!(reqs(src).is_empty());
        assert!(!parse("-r\n").errors.is_empty());
    }

    #[test]
    fn urls_vcs_and_paths() {
        let cases: Vec<(String, Pin, Option<&str>)> = vec![
            (
                format!("git+https://github.com/o/r.git@{SHA}#egg=r"),
                Pin::Exact,
                Some("r"),
            ),
            (
                "git+https://github.com/o/r.git@v1.2#egg=r".into(),
                Pin::VcsRef(Some("v1.2".into())),
                Some("r"),
            ),
            (
                "git+https://github.com/o/r.git#egg=r".into(),
                Pin::VcsRef(None),
                Some("r"),
            ),
            (
                "git+ssh://git@github.com/o/r.git#egg=r".into(),
                Pin::VcsRef(None),
                Some("r"),
            ),
            (
                format!("git+ssh://git@github.com/o/r.git@{SHA}"),
                Pin::Exact,
                None,
            ),
            (
                "git+https://github.com/o/r.git@main".into(),
                Pin::VcsRef(Some("main".into())),
                None,
            ),
            (
                "hg+https://hg.example.com/r@tip#egg=r".into(),
                Pin::VcsRef(Some("tip".into())),
                Some("r"),
            ),
            (
                "svn+https://svn.example.com/r@1234#egg=r".into(),
                Pin::Exact,
                Some("r"),
            ),
            (
                "https://example.com/pkg-1.0.tar.gz".into(),
                Pin::UrlNoHash,
                None,
            ),
            (
                "https://example.com/pkg-1.0.tar.gz#sha256=0a1b".into(),
                Pin::Exact,
                None,
            ),
            (
                format!("https://github.com/o/r/archive/{SHA}.zip"),
                Pin::Exact,
                None,
            ),
            (
                format!("r @ git+https://github.com/o/r@{SHA}"),
                Pin::Exact,
                Some("r"),
            ),
            (
                "r @ git+https://github.com/o/r@v2".into(),
                Pin::VcsRef(Some("v2".into())),
                Some("r"),
            ),
            (
                "r[x] @ https://example.com/r.whl".into(),
                Pin::UrlNoHash,
                Some("r"),
            ),
            ("r @ file:///src/r".into(), Pin::Local, Some("r")),
            ("r @ ./libs/r".into(), Pin::Local, Some("r")),
            (".".into(), Pin::Local, None),
            ("./packages/lib".into(), Pin::Local, None),
            ("dist/app-1.0-py3-none-any.whl".into(), Pin::Local, None),
            ("app-1.0.tar.gz".into(), Pin::Local, None),
            ("file:///opt/pkg".into(), Pin::Local, None),
            ("https://x/${TOKEN}/r.whl".into(), Pin::Unknown, None),
        ];
        for (src, want, name) in cases {
            let r = one(&src);
            assert_eq!(r.pin(), want, "{src}");
            assert_eq!(r.name.as_deref(), name, "{src}");
        }
        // A marker after a URL needs white space before `;`.
        let r = one("https://example.com/a.whl#sha256=ab ; python_version<'3.9'");
        assert!(r.marker.is_some());
        assert_eq!(r.display, "https://example.com/a.whl#sha256=ab");
    }

    #[test]
    fn editables() {
        let f = parse("-e .\n-e git+https://github.com/o/r@main#egg=r\n--editable=./lib\n-e.\n");
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        let r = reqs("-e .\n-e git+https://github.com/o/r@main#egg=r\n--editable=./lib\n-e.\n");
        assert_eq!(r.len(), 4);
        assert_eq!(r[0].pin(), Pin::Local);
        assert_eq!(r[1].pin(), Pin::VcsRef(Some("main".into())));
        assert_eq!(r[2].pin(), Pin::Local);
        assert_eq!(r[3].pin(), Pin::Local);
        let src = "-e git+https://github.com/o/r@main#egg=r\n";
        let s = r_span(src);
        assert_eq!(
            &src[s.start..s.end],
            "git+https://github.com/o/r@main#egg=r"
        );
    }

    fn r_span(src: &str) -> Span {
        reqs(src)[0].span
    }

    #[test]
    fn invalid_lines_are_errors_not_panics() {
        for bad in [
            "requests >>= 2",
            "foo bar",
            "pkg[extra",
            "pkg @",
            "-r",
            "==1.0",
            "pkg ==",
            "ß==1",
        ] {
            let f = parse(bad);
            assert!(!f.errors.is_empty(), "{bad:?} should be an error");
        }
        // Never panics on any prefix of a realistic file.
        let src = "-r base.txt\nDjango[argon2]==4.2 ; python_version>='3.8' \\\n --hash=sha256:ab # c\n-e git+https://g/o/r@main#egg=r\nç==1\n";
        for end in 0..=src.len() {
            if src.is_char_boundary(end) {
                let _ = parse(&src[..end]);
            }
        }
    }

    /// Random lines from pieces of real requirement syntax: never a panic.
    #[test]
    fn random_input_never_panics() {
        let pieces = [
            "-r", "-c", "-e", "--hash=", "sha256:", "==", ">=", "~=", "*", "[", "]", "@", " @ ",
            ";", " ; ", "#", " #", "\\", "\n", "\r\n", " ", "git+", "https://", "u:p@", "h/",
            ".whl", "#egg=", "é", "${V}", "'", "\"", "pkg", "1.0", ",", "(", ")", "-", "--", "=",
            ".",
        ];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..3000 {
            let mut s = String::new();
            for _ in 0..(seed % 24) {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                s.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
            }
            let f = parse(&s);
            for e in &f.entries {
                if let EntryKind::Requirement(r) | EntryKind::Editable { req: r } = &e.kind {
                    let _ = (r.pin(), r.has_hash(), r.name_with_extras());
                    assert!(r.span.end <= s.len());
                    if let Some(u) = &r.url {
                        let _ = mask_credentials(u);
                    }
                }
            }
            seed = seed.wrapping_add(0x2545_F491_4F6C_DD1D);
        }
    }

    #[test]
    fn names_normalise() {
        assert_eq!(normalize_name("Zope.Interface"), "zope-interface");
        assert_eq!(normalize_name("a__b--c"), "a-b-c");
        assert!(is_full_sha(SHA));
        assert!(!is_full_sha("v1.2.3"));
        assert!(is_short_sha("abc1234"));
        assert_eq!(vcs_ref("git+ssh://git@github.com/o/r.git"), None);
        assert_eq!(vcs_ref("git+git@github.com:o/r.git@v1"), Some("v1"));
        assert_eq!(
            vcs_base("git+https://h/o/r.git@v1#egg=r"),
            "git+https://h/o/r.git"
        );
        assert_eq!(
            vcs_base("git+ssh://git@h/o/r.git"),
            "git+ssh://git@h/o/r.git"
        );
    }

    #[test]
    fn credentials_are_masked() {
        let u = "git+https://user:ghp_abcdefghijklmnop@github.com/o/r@main";
        assert_eq!(
            mask_credentials(u),
            "git+https://user:ghp_…@github.com/o/r@main"
        );
        let u = "https://ghp_abcdefghijklmnop@github.com/o/r";
        assert_eq!(mask_credentials(u), "https://ghp_…@github.com/o/r");
        let u = "git+ssh://git@github.com/o/r@v1";
        assert_eq!(mask_credentials(u), u);
        assert_eq!(credentials_range("https://example.com/a@b"), None);
    }
}
