//! Well-known credential formats, found anywhere in a file's text: one Aho-Corasick pass
//! for the prefixes, then each candidate is validated (length, character set, word
//! boundaries, placeholders) so that prose and examples stay quiet.

use super::values::is_placeholder;
use crate::finding::Span;
use crate::lang::gate::PrefixHits;
use aho_corasick::AhoCorasick;
use std::sync::OnceLock;

/// A credential found by its format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenHit {
    /// What it is, for the message: "AWS access key id".
    pub what: &'static str,
    /// The construct to point at (the token; the password of a URL; a key block's header).
    pub span: Span,
    /// The secret text that must never be shown.
    pub secret: Span,
}

#[derive(Clone, Copy)]
enum Pattern {
    /// Fixed prefix, then exactly `len` characters of `charset`, then a word boundary.
    Fixed {
        what: &'static str,
        len: usize,
        charset: fn(u8) -> bool,
    },
    /// Prefix then at least `min` characters of `charset`.
    AtLeast {
        what: &'static str,
        min: usize,
        charset: fn(u8) -> bool,
    },
    Slack,
    PrivateKey,
    UrlCredentials,
}

fn upper_alnum(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}
fn alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}
fn alnum_underscore(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}
fn google(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

const PATTERNS: &[(&str, Pattern)] = &[
    (
        "AKIA",
        Pattern::Fixed {
            what: "AWS access key id",
            len: 16,
            charset: upper_alnum,
        },
    ),
    (
        "ASIA",
        Pattern::Fixed {
            what: "AWS temporary access key id",
            len: 16,
            charset: upper_alnum,
        },
    ),
    (
        "ghp_",
        Pattern::Fixed {
            what: "GitHub personal access token",
            len: 36,
            charset: alnum,
        },
    ),
    (
        "gho_",
        Pattern::Fixed {
            what: "GitHub OAuth token",
            len: 36,
            charset: alnum,
        },
    ),
    (
        "ghs_",
        Pattern::Fixed {
            what: "GitHub app installation token",
            len: 36,
            charset: alnum,
        },
    ),
    (
        "ghu_",
        Pattern::Fixed {
            what: "GitHub user-to-server token",
            len: 36,
            charset: alnum,
        },
    ),
    (
        "ghr_",
        Pattern::Fixed {
            what: "GitHub refresh token",
            len: 36,
            charset: alnum,
        },
    ),
    (
        "github_pat_",
        Pattern::Fixed {
            what: "GitHub fine-grained personal access token",
            len: 82,
            charset: alnum_underscore,
        },
    ),
    ("xoxa-", Pattern::Slack),
    ("xoxb-", Pattern::Slack),
    ("xoxp-", Pattern::Slack),
    ("xoxr-", Pattern::Slack),
    ("xoxs-", Pattern::Slack),
    (
        "sk_live_",
        Pattern::AtLeast {
            what: "Stripe live secret key",
            min: 16,
            charset: alnum,
        },
    ),
    (
        "rk_live_",
        Pattern::AtLeast {
            what: "Stripe live restricted key",
            min: 16,
            charset: alnum,
        },
    ),
    (
        "AIza",
        Pattern::Fixed {
            what: "Google API key",
            len: 35,
            charset: google,
        },
    ),
    ("-----BEGIN ", Pattern::PrivateKey),
    ("://", Pattern::UrlCredentials),
];

/// The trigger words that let a file reach the format scan (for the rule prefilter).
pub const PREFIXES: &[&str] = &[
    "AKIA",
    "ASIA",
    "ghp_",
    "gho_",
    "ghs_",
    "ghu_",
    "ghr_",
    "github_pat_",
    "xox",
    "sk_live_",
    "rk_live_",
    "AIza",
    "PRIVATE KEY",
    "://",
];

/// The literal prefix each format starts with, in order: [`PrefixHits`] index these.
pub fn pattern_prefixes() -> impl Iterator<Item = &'static str> {
    PATTERNS.iter().map(|(p, _)| *p)
}

fn matcher() -> &'static AhoCorasick {
    static M: OnceLock<AhoCorasick> = OnceLock::new();
    M.get_or_init(|| AhoCorasick::new(pattern_prefixes()).expect("fixed patterns build"))
}

/// Every credential recognised by its format in `text`, in order, without overlaps (a
/// token inside a URL's password is reported once, as the token).
pub fn scan(text: &str) -> Vec<TokenHit> {
    // The engine's trigger pass over the file finds the prefixes on its way
    // (`gate::prefix_hits`): reading a large file a second time costs as much again.
    let found = crate::lang::gate::prefix_hits(text).unwrap_or_else(|| {
        matcher()
            .find_overlapping_iter(text)
            .map(|m| (m.start(), m.pattern().as_usize()))
            .collect()
    });
    scan_found(text, found)
}

/// The prefixes' occurrences read left to right without overlaps, as one search would:
/// each one ends first among those starting after the previous one's end.
fn leftmost_occurrences(text: &str, mut found: PrefixHits) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    found.retain(|&(start, k)| b[start..].starts_with(PATTERNS[k].0.as_bytes()));
    found.sort_unstable_by_key(|&(start, k)| (start + PATTERNS[k].0.len(), start));
    found.dedup();
    let mut next = 0;
    found.retain(|&(start, k)| {
        let keep = start >= next;
        if keep {
            next = start + PATTERNS[k].0.len();
        }
        keep
    });
    found
}

fn scan_found(text: &str, found: PrefixHits) -> Vec<TokenHit> {
    let b = text.as_bytes();
    let mut hits: Vec<TokenHit> = Vec::new();
    let mut urls: Vec<TokenHit> = Vec::new();
    for (start, k) in leftmost_occurrences(text, found) {
        let (prefix, pattern) = PATTERNS[k];
        let end = start + prefix.len();
        let found = match pattern {
            Pattern::Fixed { what, len, charset } => {
                fixed(b, start, end, len, charset).map(|s| token(what, s))
            }
            Pattern::AtLeast { what, min, charset } => {
                at_least(b, start, end, min, charset).map(|s| token(what, s))
            }
            Pattern::Slack => slack(b, start, end).map(|s| token("Slack token", s)),
            Pattern::PrivateKey => private_key(text, start),
            Pattern::UrlCredentials => {
                if let Some(h) = url_credentials(text, start) {
                    urls.push(h);
                }
                None
            }
        };
        if let Some(h) = found {
            let key_block = matches!(pattern, Pattern::PrivateKey);
            if !placeholder_token(&text[h.secret.start..h.secret.end], key_block) {
                hits.push(h);
            }
        }
    }
    for u in urls {
        if !hits
            .iter()
            .any(|h| h.span.start < u.span.end && u.span.start < h.span.end)
        {
            hits.push(u);
        }
    }
    hits.sort_by_key(|h| (h.span.start, h.span.end));
    hits
}

fn token(what: &'static str, span: Span) -> TokenHit {
    TokenHit {
        what,
        span,
        secret: span,
    }
}

fn word_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The prefix must start a word (`xAKIA…` is not a key id).
fn starts_word(b: &[u8], start: usize) -> bool {
    start == 0 || !word_char(b[start - 1])
}

fn fixed(b: &[u8], start: usize, end: usize, len: usize, charset: fn(u8) -> bool) -> Option<Span> {
    if !starts_word(b, start) {
        return None;
    }
    let body = b.get(end..end + len)?;
    if !body.iter().all(|&c| charset(c)) {
        return None;
    }
    // Exactly `len`: the token must end here.
    if b.get(end + len)
        .is_some_and(|&c| charset(c) || word_char(c))
    {
        return None;
    }
    Some(Span::new(start, end + len))
}

fn at_least(
    b: &[u8],
    start: usize,
    end: usize,
    min: usize,
    charset: fn(u8) -> bool,
) -> Option<Span> {
    if !starts_word(b, start) {
        return None;
    }
    let n = b[end..].iter().take_while(|&&c| charset(c)).count();
    (n >= min).then(|| Span::new(start, end + n))
}

/// `xoxb-<digits>-<digits>-<letters and digits>`: dash-separated groups.
fn slack(b: &[u8], start: usize, end: usize) -> Option<Span> {
    if !starts_word(b, start) {
        return None;
    }
    let n = b[end..]
        .iter()
        .take_while(|&&c| c.is_ascii_alphanumeric() || c == b'-')
        .count();
    let body = &b[end..end + n];
    let groups = body.split(|&c| c == b'-').filter(|g| !g.is_empty()).count();
    let digits = body.iter().filter(|c| c.is_ascii_digit()).count();
    (n >= 20 && groups >= 2 && digits >= 6).then(|| Span::new(start, end + n))
}

/// `AKIAIOSFODNN7EXAMPLE`, `ghp_xxxxxxxx…`: documentation values, not credentials.
fn placeholder_token(t: &str, key_block: bool) -> bool {
    let upper = t.to_ascii_uppercase();
    // A well-formed token is reported even if it looks invented (`ghp_0123…abcd…`): only
    // the documentation conventions below make it a placeholder.
    let made_up: &[&str] = if key_block {
        &["EXAMPLE", "XXXXXXXX"]
    } else {
        &["EXAMPLE", "XXXX", "0000000"]
    };
    if made_up.iter().any(|p| upper.contains(p)) {
        return true;
    }
    // Real tokens are random: too few distinct characters means a made-up value.
    let mut seen = [false; 256];
    let mut distinct = 0;
    for &c in t.as_bytes() {
        if !seen[c as usize] {
            seen[c as usize] = true;
            distinct += 1;
        }
    }
    distinct < 8
}

/// `-----BEGIN RSA PRIVATE KEY-----` followed by key material (not `...`).
fn private_key(text: &str, start: usize) -> Option<TokenHit> {
    let rest = &text[start..];
    let header_end = rest.get(11..)?.find("-----")? + 11;
    let label = &rest[11..header_end];
    if !(label.ends_with("PRIVATE KEY") || label.ends_with("PRIVATE KEY BLOCK"))
        || label.len() > 40
        || !label.chars().all(|c| c.is_ascii_uppercase() || c == ' ')
    {
        return None;
    }
    let header = Span::new(start, start + header_end + 5);
    // The body: base64 lines (or `\n`-escaped lines inside a string), up to the END line.
    let body_start = header.end;
    let after = &text[body_start..];
    let mut limit = after.find("-----END").unwrap_or(after.len().min(16 * 1024));
    while !after.is_char_boundary(limit) {
        limit -= 1;
    }
    let body = &after[..limit];
    let material = body
        .replace("\\n", "\n")
        .replace("\\r", "")
        .lines()
        .map(str::trim)
        .filter(|l| !l.contains(':')) // `Proc-Type: …` headers of encrypted PEM
        .collect::<String>();
    let base64 = material
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
        .count();
    if base64 < 40 || material.contains("...") || material.contains('…') {
        return None;
    }
    let trimmed_end = body_start + body.trim_end().len();
    let trimmed_start = body_start + (body.len() - body.trim_start().len());
    Some(TokenHit {
        what: "private key",
        span: header,
        secret: Span::new(trimmed_start.min(trimmed_end), trimmed_end.max(body_start)),
    })
}

/// The parts of a `scheme://user:password@host…` URL, with byte offsets into the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlParts {
    /// From the scheme's first character to the end of the URL.
    pub url: Span,
    pub scheme: Span,
    pub password: Option<Span>,
}

fn url_char(c: u8) -> bool {
    !(c.is_ascii_whitespace()
        || matches!(
            c,
            b'"' | b'\'' | b'`' | b'<' | b'>' | b'\\' | b')' | b']' | b','
        ))
}

/// Parses the URL whose `://` is at `sep`.
pub fn url_at(text: &str, sep: usize) -> Option<UrlParts> {
    let b = text.as_bytes();
    let mut s = sep;
    while s > 0 && (b[s - 1].is_ascii_alphanumeric() || matches!(b[s - 1], b'+' | b'.' | b'-')) {
        s -= 1;
    }
    if s == sep || !b[s].is_ascii_alphabetic() {
        return None;
    }
    let after = sep + 3;
    let len = b[after..].iter().take_while(|&&c| url_char(c)).count();
    let end = after + len;
    // The authority ends at the first `/`, `?` or `#`; user info ends at its last `@`.
    let auth_len = b[after..end]
        .iter()
        .take_while(|&&c| !matches!(c, b'/' | b'?' | b'#'))
        .count();
    let authority = &text[after..after + auth_len];
    let password = authority.rfind('@').and_then(|at| {
        let userinfo = &authority[..at];
        let colon = userinfo.find(':')?;
        let p = Span::new(after + colon + 1, after + at);
        (!p.is_empty()).then_some(p)
    });
    Some(UrlParts {
        url: Span::new(s, end),
        scheme: Span::new(s, sep),
        password,
    })
}

/// A password inside a URL, unless it is a placeholder or an interpolation.
fn url_credentials(text: &str, sep: usize) -> Option<TokenHit> {
    let parts = url_at(text, sep)?;
    let pw = parts.password?;
    let value = &text[pw.start..pw.end];
    if !is_real_url_password(value) {
        return None;
    }
    // A host must follow the `@`; documentation hosts (RFC 2606: `example.com`, `.test`,
    // `.invalid`, `.example`) hold documentation passwords.
    let first = text.as_bytes().get(pw.end + 1)?;
    if !(first.is_ascii_alphanumeric() || *first == b'[') {
        return None;
    }
    let host_end = parts.url.end.min(
        text[pw.end + 1..parts.url.end]
            .find(['/', '?', '#', ':'])
            .map_or(parts.url.end, |i| pw.end + 1 + i),
    );
    let host = text[pw.end + 1..host_end].to_ascii_lowercase();
    if is_documentation_host(&host) {
        return None;
    }
    Some(TokenHit {
        what: "password in a URL",
        span: pw,
        secret: pw,
    })
}

/// RFC 2606 / 6761 names reserved for documentation and tests.
fn is_documentation_host(host: &str) -> bool {
    let h = host.trim_end_matches('.');
    ["example.com", "example.net", "example.org"]
        .iter()
        .any(|d| h == *d || h.ends_with(&format!(".{d}")))
        || [".example", ".test", ".invalid"]
            .iter()
            .any(|t| h.ends_with(t))
        || h == "example"
}

/// `${DB_PASSWORD}`, `$PASS`, `{password}`, `%s`, `<password>`, `***`, `password`, `tok`
/// (under four characters): not a real password.
pub fn is_real_url_password(value: &str) -> bool {
    // `…` marks a value already shortened or masked in documentation.
    if value.chars().count() < 4 || value.contains(['$', '{', '}', '<', '>', '*', '…']) {
        return false;
    }
    // `%s` is a format directive; `p%40ss` is a percent-encoded password.
    let b = value.as_bytes();
    let percent_ok = b.iter().enumerate().all(|(i, &c)| {
        c != b'%'
            || (b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    });
    percent_ok && !is_placeholder(value)
}

/// Schemes of backing services (`hardcoded-service-url`).
const SERVICE_SCHEMES: &[&str] = &[
    "postgres",
    "postgresql",
    "mysql",
    "mariadb",
    "mongodb",
    "mongodb+srv",
    "redis",
    "rediss",
    "amqp",
    "amqps",
    "kafka",
    "nats",
    "memcached",
    "sqlserver",
];

/// If `value` (a whole literal) is a connection URL of a backing service, its scheme:
/// `postgres://db:5432/app`, `postgresql+asyncpg://…`, `mongodb+srv://…`, `jdbc:mysql://…`.
/// A bare scheme (`"postgres://"`), text with spaces, and URLs whose address is a
/// template (`{host}`, `${HOST}`, `%s`) are not.
pub fn service_url(value: &str) -> Option<String> {
    let v = value.trim();
    if v.is_empty() || v.chars().any(char::is_whitespace) {
        return None;
    }
    let lower = v.to_ascii_lowercase();
    let (scheme, rest) = if let Some(jdbc) = lower.strip_prefix("jdbc:") {
        let (s, r) = jdbc.split_once("://").or_else(|| jdbc.split_once(':'))?;
        (format!("jdbc:{s}"), r)
    } else {
        let (s, r) = lower.split_once("://")?;
        let base = s.split('+').next().unwrap_or(s);
        let known = SERVICE_SCHEMES.contains(&s) || SERVICE_SCHEMES.contains(&base);
        if !known {
            return None;
        }
        (s.to_owned(), r)
    };
    let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let host = host.split(['/', '?']).next().unwrap_or("");
    if host.is_empty() && !scheme.starts_with("jdbc:") {
        return None;
    }
    if rest.is_empty() || host.contains(['{', '}', '$', '<', '>', '%']) {
        return None;
    }
    Some(scheme)
}

/// Whether `text` may hold a service URL literal (see [`service_url`]): some `://` (or
/// JSON-escaped `:\/\/`) follows a service scheme, or `jdbc:` occurs. The gate in front
/// of parsing a source file for its literals.
pub fn may_contain_service_url(text: &str) -> bool {
    let bytes = text.as_bytes();
    if !crate::lang::gate::enabled()
        || memchr::memmem::find(bytes, b"jdbc:").is_some()
        || memchr::memmem::find(bytes, b"JDBC:").is_some()
    {
        return true;
    }
    let scheme_char = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-');
    memchr::memmem::find_iter(bytes, b":")
        .filter(|&i| bytes[i + 1..].starts_with(b"//") || bytes[i + 1..].starts_with(b"\\/\\/"))
        .any(|i| {
            let start = bytes[..i]
                .iter()
                .rposition(|b| !scheme_char(b))
                .map_or(0, |p| p + 1);
            let scheme = text[start..i].to_ascii_lowercase();
            let base = scheme.split('+').next().unwrap_or("");
            SERVICE_SCHEMES.contains(&scheme.as_str()) || SERVICE_SCHEMES.contains(&base)
        })
}

/// `postgres://app:s3cr…@db/app`: a URL fit for a message, its password masked.
pub fn masked_url(value: &str) -> String {
    let Some(sep) = value.find("://") else {
        return value.to_owned();
    };
    match url_at(value, sep).and_then(|p| p.password) {
        Some(pw) => format!(
            "{}{}{}",
            &value[..pw.start],
            crate::redact::mask(&value[pw.start..pw.end]),
            &value[pw.end..]
        ),
        None => value.to_owned(),
    }
}

// The tests are full of credential-shaped strings: they live in their own file, which
// dozen's self-check is told to leave alone.
#[cfg(test)]
#[path = "formats_tests.rs"]
mod tests;
