//! Names: splitting identifiers into word parts, deciding which names hold credentials,
//! which name a deploy environment, and which values are environment names.
//!
//! # Credential names
//!
//! A name is split into lower-case word parts at `_`, `-`, `.`, spaces, camelCase humps
//! and letter/digit boundaries: `dbPassword`, `DB_PASSWORD`, `db-password` → `[db,
//! password]`; `APIKey` → `[api, key]`. Trailing *qualifier* parts are dropped (`_value`,
//! `_str`, `_raw`, `_b64`, digits, environment names: `DB_PASSWORD_PROD` → `[db,
//! password]`). The name is a credential name when what remains **ends** with:
//!
//! - a credential word: `password`, `passwd`, `passphrase`, `pwd`, `secret`, `token`,
//!   `apikey` (and the one-word compounds `accesskey`, `secretkey`, `privatekey`,
//!   `authtoken`, `accesstoken`, `clientsecret`), or a single part that ends in
//!   `password`/`passwd` (`PGPASSWORD`);
//! - `key` preceded by a credential qualifier: `api_key`, `access_key`, `private_key`,
//!   `secret_key`, `signing_key`, `encryption_key`, `master_key`, `app_key`, `hmac_key`,
//!   `jwt_key`, `auth_key`, `client_key`, `license_key`, `account_key`, `subscription_key`,
//!   `shared_key` (`aws_secret_access_key` → `…access, key`);
//! - `pass` after another part (`DB_PASS`, `smtp_pass`), but not alone.
//!
//! So the credential word must be the *last* meaningful part: `password_hash_algorithm`,
//! `token_count`, `secret_name`, `password_field`, `secretKeyRef`, `api_key_header` do not
//! match, and neither do words that merely contain one (`tokenizer`, `passport`,
//! `bypass`, `compass`). Tokens that are vocabulary items rather than credentials
//! (`pad_token`, `eos_token`, `csrf_token`, `next_token`, `page_token`), password
//! *hashes* (`password_hash`, `hashed_password`) and names of Kubernetes Secret objects
//! (`existingSecret`) are excluded.

use crate::lang::gate::{self, Words};

/// Lower-case word parts of an identifier (see the module docs).
pub fn word_parts(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut parts = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                parts.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if !cur.is_empty() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let boundary = (prev.is_lowercase() && c.is_uppercase())
                || (prev.is_alphabetic() && c.is_numeric())
                || (prev.is_numeric() && c.is_alphabetic())
                || (prev.is_uppercase() && c.is_uppercase() && next_lower);
            if boundary {
                parts.push(std::mem::take(&mut cur));
            }
        }
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        parts.push(cur);
    }
    parts
}

/// Parts that qualify a name without changing what it holds (`DB_PASSWORD_VALUE`).
const QUALIFIERS: &[&str] = &[
    "value",
    "val",
    "str",
    "string",
    "raw",
    "plain",
    "plaintext",
    "literal",
    "base",
    "b",
    "hex",
    "bytes",
    "encoded",
    "prod",
    "production",
    "staging",
    "stage",
    "dev",
    "development",
    "qa",
    "uat",
    "test",
    "default",
];

const CREDENTIAL_WORDS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "secret",
    "token",
    "apikey",
    "accesskey",
    "secretkey",
    "privatekey",
    "authtoken",
    "accesstoken",
    "refreshtoken",
    "clientsecret",
];

/// Words before `key` that make it a credential (`api_key`, `signing_key`).
const KEY_QUALIFIERS: &[&str] = &[
    "api",
    "access",
    "private",
    "secret",
    "signing",
    "encryption",
    "encrypt",
    "decryption",
    "master",
    "app",
    "hmac",
    "jwt",
    "auth",
    "client",
    "license",
    "licence",
    "account",
    "subscription",
    "shared",
    "crypto",
    "cipher",
    "aes",
];

/// Words before `token` that make it something other than a credential.
const TOKEN_NON_CREDENTIAL: &[&str] = &[
    "input",
    "output",
    "add",
    "pad",
    "eos",
    "bos",
    "unk",
    "sep",
    "cls",
    "mask",
    "special",
    "start",
    "end",
    "csrf",
    "xsrf",
    "next",
    "page",
    "pagination",
    "continuation",
    "cursor",
    "sync",
    "cancel",
    "cancellation",
    "lexer",
    "parser",
];

/// Words before `pass` where it is not a password (`first_pass`, `render_pass`).
const PASS_NON_CREDENTIAL: &[&str] = &[
    "first", "second", "third", "last", "next", "single", "multi", "render", "shadow", "one",
    "two", "no", "skip", "by", "compile", "lint",
];

/// What a credential name holds: something people choose, or something generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    /// Passwords, passphrases, secrets: any value, weak ones above all.
    Password,
    /// Tokens and keys: generated, so a plain word (`Marker`, `position`) is not one.
    Token,
}

/// Whether `name` names a credential (see the module docs for the exact policy).
pub fn is_credential_name(name: &str) -> bool {
    credential_kind(name).is_some()
}

/// The kind of credential `name` holds, if it names one.
pub fn credential_kind(name: &str) -> Option<CredentialKind> {
    use CredentialKind::{Password, Token};
    // Namespaced type names (`AWS::IAM::AccessKey`), paths and prose are not variables.
    if name.contains("::") || name.contains('/') || name.trim().contains(char::is_whitespace) {
        return None;
    }
    let mut parts = word_parts(name);
    while parts.len() > 1 {
        let last = parts.last().map(String::as_str).unwrap_or("");
        if QUALIFIERS.contains(&last) || last.chars().all(|c| c.is_ascii_digit()) {
            parts.pop();
        } else {
            break;
        }
    }
    let last = parts.last().map(String::as_str)?;
    let prev = parts
        .len()
        .checked_sub(2)
        .and_then(|i| parts.get(i))
        .map(String::as_str);
    match last {
        "token" => (!prev.is_some_and(|p| TOKEN_NON_CREDENTIAL.contains(&p))).then_some(Token),
        "password" | "passwd" | "pwd" => {
            (!prev.is_some_and(|p| p == "hash" || p == "hashed")).then_some(Password)
        }
        "pass" => prev
            .is_some_and(|p| !PASS_NON_CREDENTIAL.contains(&p))
            .then_some(Password),
        // Helm's `existingSecret: db-credentials` names a Kubernetes Secret object.
        "secret" => (!prev.is_some_and(|p| {
            matches!(
                p,
                "existing" | "external" | "sealed" | "kube" | "kubernetes" | "k8s"
            )
        }))
        .then_some(Password),
        "key" => prev
            .is_some_and(|p| KEY_QUALIFIERS.contains(&p))
            .then_some(Token),
        "passphrase" | "clientsecret" => Some(Password),
        w if CREDENTIAL_WORDS.contains(&w) => Some(Token),
        // One-word names such as `PGPASSWORD` / `MYSQLPASSWD`.
        w => (parts.len() == 1 && (w.ends_with("password") || w.ends_with("passwd")))
            .then_some(Password),
    }
}

/// The literal syntax a binding gate reads (see [`may_bind_credential`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Python,
    /// JavaScript and TypeScript: any unknown letter escape (`"\p"`) is that letter.
    JavaScript,
    Json,
    /// Rust: the bound value may be a literal wrapped in a call (`String::from("…")`), so
    /// the literal written after the name is not necessarily the value.
    Rust,
    /// YAML: any key, `KEY=value` item or Kubernetes `name:` value may be the name, so
    /// only the name itself is judged.
    Yaml,
}

/// Whether `text` may bind a credential name to a secret at all: some run of name
/// characters in it (`self.db_password`, `"x-api-key"`, `setApiToken`), or one of its
/// `.`-separated tails, is a credential name in binding position — and, where the value
/// written there is a plain string literal that is the whole value, that literal could be
/// a secret ([`super::values::not_a_secret`]: test files are full of
/// `"password": "secret"`). A cheap necessary condition, so that files which only mention
/// `key` or `token` in passing, or bind only placeholders, are never parsed for bindings.
/// Names or values spelled with escapes (`"pass\x77ord"`, JavaScript's `"\p"` is `p`)
/// make it answer yes; a credential word split across implicitly concatenated literals
/// (`"pass" "word"`) is not seen.
pub fn may_bind_credential(text: &str, syntax: Syntax) -> bool {
    // Every credential name ends in a word containing one of these (module docs).
    static STEMS: Words = Words::new(&["pass", "pwd", "secret", "token", "key"]);
    if !gate::enabled() || has_letter_escape(text, syntax) {
        return true;
    }
    let bytes = text.as_bytes();
    // `$` is a name character in JavaScript (`password$`), an operator elsewhere.
    let dollar = syntax == Syntax::JavaScript;
    let in_name = |b: u8| {
        b.is_ascii_alphanumeric()
            || matches!(b, b'_' | b'-' | b'.')
            || b >= 0x80
            || (dollar && b == b'$')
    };
    let mut checked_to = 0;
    for (m_start, m_end) in STEMS.find_iter(text) {
        if m_start < checked_to {
            continue;
        }
        let start = bytes[..m_start]
            .iter()
            .rposition(|&b| !in_name(b))
            .map_or(0, |i| i + 1);
        let end = bytes[m_end..]
            .iter()
            .position(|&b| !in_name(b))
            .map_or(bytes.len(), |i| m_end + i);
        checked_to = end;
        // Runs start and end on ASCII bytes or at the text's ends: always char boundaries.
        let run = &text[start..end];
        // A class, function or type is never bound to a literal (`class Token:`).
        let declared = [
            &b"class "[..],
            b"def ",
            b"function ",
            b"interface ",
            b"type ",
        ]
        .iter()
        .any(|k| bytes[..start].ends_with(k));
        if declared && !matches!(syntax, Syntax::Rust | Syntax::Yaml) {
            continue;
        }
        // A `key` or `pass` run may be the end of a name whose earlier words are joined to
        // it by other characters (a YAML key `api:key`), which decide whether it is one.
        // In Rust, `::` before a name makes it a path (`Error::key`, `cookie::Key`).
        let path = syntax == Syntax::Rust && bytes[..start].ends_with(b"::");
        if !path && joined_to_name(bytes, start) && ends_in_qualified_word(run) {
            return true;
        }
        if syntax == Syntax::Yaml {
            if tails(run).any(is_credential_name) {
                return true;
            }
            continue;
        }
        let literal = match binds_after(&bytes[end..], syntax) {
            Bind::No => continue,
            Bind::Value(op, after) if syntax != Syntax::Rust => {
                match lone_literal(op, after, syntax) {
                    Value::NotAString => continue,
                    Value::Literal(l) => Some(l),
                    Value::Unsure => None,
                }
            }
            Bind::Value(..) | Bind::Unknown => None,
        };
        // A literal is plain ASCII-delimited text without escapes: its bytes are the value.
        let literal = literal.and_then(|l| std::str::from_utf8(l).ok());
        if tails(run).any(|tail| {
            is_credential_name(tail)
                && literal.is_none_or(|v| super::values::not_a_secret(tail, v).is_none())
        }) {
            return true;
        }
    }
    false
}

/// `run` and its `.`-separated tails: `self.db.password`, `db.password`, `password`.
fn tails(run: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(run), |t| t.split_once('.').map(|(_, rest)| rest))
}

/// Whether the name run starting at `start` follows other non-blank characters that a
/// key may hold (`api:key`, `db@pass`), rather than a blank, quote, bracket or separator
/// (or a `/`: a name with one is a path, never a credential name).
fn joined_to_name(bytes: &[u8], start: usize) -> bool {
    start > 0
        && !matches!(
            bytes[start - 1],
            b' ' | b'\t'
                | b'\r'
                | b'\n'
                | b'"'
                | b'\''
                | b'`'
                | b'('
                | b'['
                | b'{'
                | b','
                | b'='
                | b'/'
        )
}

/// Whether a name comes down to one `key` or `pass` once qualifiers are dropped: whether
/// it is a credential then depends on the word before it.
fn ends_in_qualified_word(run: &str) -> bool {
    let mut parts = word_parts(run);
    while parts
        .last()
        .is_some_and(|p| QUALIFIERS.contains(&p.as_str()) || p.chars().all(|c| c.is_ascii_digit()))
    {
        parts.pop();
    }
    matches!(parts.as_slice(), [p] if p == "key" || p == "pass")
}

/// What follows a name, for [`may_bind_credential`].
enum Bind<'t> {
    /// The name is used, compared or returned, never bound.
    No,
    /// The name may be bound, but where its value starts is not known.
    Unknown,
    /// The name is bound by `=`, `:` or `(` (the first field), and a string literal may
    /// start in the bytes after that operator.
    Value(u8, &'t [u8]),
}

/// Whether what follows a name can make it a binding's name: an assignment, annotation,
/// key or setter call comes next (`password =`, `"api_key": `, `token?: string =`,
/// `.password(`), once closing quotes, brackets and whitespace are skipped, with a quote
/// on the line where the value starts — or the name runs on into other characters, as a
/// quoted key may (`"password@prod"`). A name used as an argument, compared or returned
/// (`login(user, password)`, `password ==`) cannot.
fn binds_after(rest: &[u8], syntax: Syntax) -> Bind<'_> {
    const CODE: &[u8] = b",)]};\"'`=(:[. \t\r\n?!";
    match rest.first() {
        None => return Bind::No,
        Some(b) if !CODE.contains(b) => {
            if syntax == Syntax::Rust {
                return Bind::Unknown;
            }
            // In these languages a name with other characters is a quoted key, which ends
            // at the next quote; anything else is an expression (`password+1`).
            let Some(quote) = rest.iter().position(|b| b"\"'`\n".contains(b)) else {
                return Bind::No;
            };
            if rest[quote] == b'\n' {
                return Bind::No;
            }
            return binds_after(&rest[quote..], syntax);
        }
        _ => {}
    }
    let skipped = rest
        .iter()
        .take_while(|b| b.is_ascii_whitespace() || b"\"'`)]\\?!".contains(b))
        .count();
    let closed_call = rest[..skipped].contains(&b')');
    let operator = match rest.get(skipped..).unwrap_or_default() {
        [b'=', b'=', ..] => return Bind::No,
        // `def f(token):`, `if check(password):` — never a binding.
        [b':', ..] if closed_call => return Bind::No,
        [op @ (b'=' | b':' | b'('), after @ ..] => (*op, after),
        _ => return Bind::No,
    };
    if quote_on_value_line(operator.1) {
        Bind::Value(operator.0, operator.1)
    } else {
        Bind::No
    }
}

/// What a binding's value is, as far as the text shows it.
enum Value<'t> {
    /// Certainly not a lone string literal (a call, a name, a number, an annotation
    /// without a default), which these languages never report.
    NotAString,
    /// A `'…'` or `"…"` literal on one line, without escapes, that is the whole value:
    /// its content.
    Literal(&'t [u8]),
    Unsure,
}

/// The value after a binding's operator `op`, in Python, JavaScript/TypeScript or JSON,
/// where a binding is reported only when its whole value is one string literal. So a
/// literal followed by `+ x`, `.strip()` or `if c else …` makes the value no string at all,
/// and only what would extend the literal itself (Python's implicit concatenation, a
/// comment that may hide one) makes it unsure, as do string prefixes (`f"`, `r'`),
/// templates and escapes. After an annotation's `:` (`password: str = "…"`, `token?:
/// string = …`) the value is what follows its `=`, if any.
fn lone_literal(op: u8, after_operator: &[u8], syntax: Syntax) -> Value<'_> {
    let Some(start) = after_operator.iter().position(|b| !b.is_ascii_whitespace()) else {
        return Value::NotAString;
    };
    let mut value = &after_operator[start..];
    if syntax == Syntax::Python {
        // Comments before the value (`{"token":  # note⏎ "…"}`).
        while value.first() == Some(&b'#') {
            let line_end = value
                .iter()
                .position(|&b| b == b'\n')
                .unwrap_or(value.len());
            let rest = &value[line_end..];
            value = rest.trim_ascii_start();
        }
        // `b"…"`, `r"…"`, `u"…"`: without escapes, the same value as the bare literal.
        let prefix = value.iter().take_while(|b| b"rRbBuU".contains(b)).count();
        if prefix <= 2 && matches!(value.get(prefix), Some(b'"' | b'\'')) {
            value = &value[prefix..];
        }
    }
    let Some(&quote) = value.first() else {
        return Value::NotAString;
    };
    if quote == b'`' || (syntax == Syntax::Python && string_prefix(value)) {
        return Value::Unsure;
    }
    if quote != b'"' && quote != b'\'' {
        if op != b':' || syntax == Syntax::Json {
            return Value::NotAString;
        }
        return match annotation_default(value) {
            Some(Some(default)) => lone_literal(b'=', default, syntax),
            Some(None) => Value::NotAString,
            None => Value::Unsure,
        };
    }
    let body = &value[1..];
    let Some(len) = body
        .iter()
        .position(|&b| b == quote || b == b'\\' || b == b'\n' || b == b'\r')
    else {
        return Value::NotAString;
    };
    match body[len] {
        b'\\' => return Value::Unsure,
        // Such a literal cannot span lines (a triple quote is seen below, a line
        // continuation by the escape check): this quote closes a string the name is in.
        b'\n' | b'\r' => return Value::NotAString,
        _ => {}
    }
    if syntax != Syntax::Python {
        // Nothing extends a literal in JavaScript or JSON: whatever follows makes the
        // value an expression, or is the next statement.
        return Value::Literal(&body[..len]);
    }
    let mut next = &body[len + 1..];
    loop {
        next = next.trim_ascii_start();
        match next.first() {
            // A comment between two pieces of a parenthesised concatenation.
            Some(b'#') => {
                next = &next[next.iter().position(|&b| b == b'\n').unwrap_or(next.len())..];
            }
            // Another literal right after it: the value is their concatenation.
            Some(b'"' | b'\'' | b'\\') => return Value::Unsure,
            Some(_) if string_prefix(next) => return Value::Unsure,
            _ => return Value::Literal(&body[..len]),
        }
    }
}

/// Whether `text` starts with a Python string prefix and its quote (`f"`, `rb'`).
fn string_prefix(text: &[u8]) -> bool {
    let letters = text
        .iter()
        .take_while(|b| b"rRbBuUfFtT".contains(b))
        .count();
    (1..=2).contains(&letters) && matches!(text.get(letters), Some(b'"' | b'\''))
}

/// Where an annotation's default value starts: `Some(Some(after "="))`, `Some(None)` when
/// the annotation ends (at `,`, `;`, a closing bracket or the line's end, outside
/// brackets) without one, `None` when unsure (a string with escapes or across lines).
fn annotation_default(annotation: &[u8]) -> Option<Option<&[u8]>> {
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(&b) = annotation.get(i) {
        let next = annotation.get(i + 1).copied();
        match b {
            b'"' | b'\'' if annotation[i..].starts_with(&[b, b, b]) => {
                let triple = [b, b, b];
                let len = memchr::memmem::find(&annotation[i + 3..], &triple)?;
                i += len + 5;
            }
            b'"' | b'\'' | b'`' => {
                let Some(len) = annotation[i + 1..]
                    .iter()
                    .position(|&c| c == b || c == b'\\' || c == b'\n')
                else {
                    return Some(None);
                };
                match annotation[i + 1 + len] {
                    c if c == b => {}
                    // An unclosed quote closes a string the name was in.
                    b'\n' if b != b'`' => return Some(None),
                    _ => return None,
                }
                i += len + 1;
            }
            b'<' | b'>' | b'!' if next == Some(b'=') => i += 1,
            b'(' | b'[' | b'{' | b'<' => depth += 1,
            b')' | b']' | b'}' | b'>' if depth > 0 => depth -= 1,
            b')' | b']' | b'}' | b',' | b';' | b'\n' if depth == 0 => return Some(None),
            // `=>` (a function type), `==`, `<=`/`>=`/`!=` are no default.
            b'=' if next == Some(b'>') || next == Some(b'=') => i += 1,
            b'=' if depth == 0 => return Some(Some(&annotation[i + 1..])),
            _ => {}
        }
        i += 1;
    }
    Some(None)
}

/// Whether a quote opens on the line where the value after a binding's `=`, `:` or `(`
/// starts — past a type annotation (`password: str = "…"`) or a wrapper
/// (`String::from("…")`) — or on a following line while the line before ends mid-expression
/// (`const password =⏎ "…"`, `password: String =⏎ "…".into()`). A value that is a
/// string literal always has one; `password: str = Form()` has none.
fn quote_on_value_line(after_operator: &[u8]) -> bool {
    let start = after_operator
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(after_operator.len());
    let mut rest = &after_operator[start..after_operator.len().min(start + VALUE_WINDOW)];
    loop {
        let (line, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &[][..]),
        };
        if line.iter().any(|b| matches!(b, b'"' | b'\'' | b'`')) {
            return true;
        }
        let open = line
            .iter()
            .rev()
            .find(|b| !b.is_ascii_whitespace())
            .is_none_or(|b| b"=([{:,\\+|&<".contains(b));
        if !open || next.is_empty() {
            return false;
        }
        rest = next;
    }
}

/// How far after a binding's `=`, `:` or `(` its string literal's quote may start.
const VALUE_WINDOW: usize = 200;

/// A backslash escape that may stand for a letter or digit inside a string, where it may
/// spell a credential name: `\x41`, `\u0041`, `\N{…}`, octal, and in JavaScript any
/// unknown letter escape (`"\p"` is `p`) — or a line continuation, which may part a name
/// from its value. In Rust any such escape counts; elsewhere a name is a string only as a
/// key (`{"pass\x77ord": …}`, `cfg["pass\x77ord"] = …`), so only escapes in a string
/// closed on the same line by a quote and then `:` or `=` do (not those in regular
/// expressions or values, whose literals the gate reads as unsure anyway).
fn has_letter_escape(text: &str, syntax: Syntax) -> bool {
    let js = syntax == Syntax::JavaScript;
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'\\', bytes).any(|i| {
        let Some(&c) = bytes.get(i + 1) else {
            return false;
        };
        if matches!(c, b'\n' | b'\r') {
            return true;
        }
        let letter = matches!(c, b'x' | b'u' | b'U' | b'N' | b'0'..=b'9')
            || (js
                && c.is_ascii_alphabetic()
                && !matches!(c, b'n' | b'r' | b't' | b'b' | b'f' | b'v'));
        letter && (matches!(syntax, Syntax::Rust | Syntax::Yaml) || closes_as_key(&bytes[i + 2..]))
    })
}

/// Whether the string these bytes are inside of ends on this line as a key: its closing
/// quote followed (past `]`, `)` and blanks) by `:` or `=`, not `==`.
fn closes_as_key(rest: &[u8]) -> bool {
    let mut j = 0;
    loop {
        match rest.get(j) {
            None | Some(b'\n') => return false,
            Some(b'\\') => j += 2,
            Some(b'"' | b'\'' | b'`') => break,
            Some(_) => j += 1,
        }
    }
    let after = &rest[j + 1..];
    let skip = after
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b']' | b')'))
        .count();
    match &after[skip..] {
        [b'=', b'=', ..] => false,
        [b':' | b'=', ..] => true,
        _ => false,
    }
}

/// Verbs that make a method *use* a credential rather than set it (`getPassword`,
/// `verify_password`, `hash_token`).
const NON_SETTER_VERBS: &[&str] = &[
    "get",
    "fetch",
    "read",
    "load",
    "lookup",
    "find",
    "has",
    "is",
    "remove",
    "delete",
    "validate",
    "check",
    "verify",
    "compare",
    "hash",
    "encrypt",
    "decrypt",
    "encode",
    "decode",
    "mask",
    "redact",
    "reset",
    "generate",
    "gen",
    "create",
    "make",
    "new",
    "update",
    "refresh",
    "revoke",
    "rotate",
    "clear",
    "request",
    "to",
    "parse",
    "print",
    "log",
    "send",
    "store",
    "save",
    "issue",
    "sign",
    "exchange",
    "introspect",
    "forgot",
    "change",
    "prompt",
    "ask",
    "input",
    "type",
];

/// A method whose single argument is the credential itself: `.password("…")`,
/// `.setPassword("…")`, `.with_api_key("…")`, `.set_token("…")` — not `getSecret("name")`.
pub fn is_credential_setter(method: &str) -> bool {
    let parts = word_parts(method);
    let Some(first) = parts.first() else {
        return false;
    };
    !NON_SETTER_VERBS.contains(&first.as_str()) && is_credential_name(method)
}

/// Deploy-environment names a comparison may select on.
pub const ENVIRONMENT_NAMES: &[&str] = &[
    "production",
    "prod",
    "staging",
    "stage",
    "stg",
    "development",
    "develop",
    "dev",
    "qa",
    "uat",
    "test",
    "testing",
    "preprod",
    "pre-prod",
    "preproduction",
    "pre-production",
    "local",
    "sandbox",
];

/// Whether a string value names a deploy environment (`"production"`, `"Prod"`).
pub fn is_environment_name(value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    ENVIRONMENT_NAMES.contains(&v.as_str())
}

/// Word parts of which every name [`is_environment_variable`] accepts has one.
pub const ENVIRONMENT_VARIABLE_PARTS: [&str; 4] = ["env", "environment", "stage", "profiles"];

/// Whether a variable, attribute, key or environment variable name holds the name of the
/// deploy environment: `APP_ENV`, `ENV`, `ENVIRONMENT`, `DEPLOY_ENV`, `STAGE`,
/// `RAILS_ENV`, `DJANGO_ENV`, `NODE_ENV`, `FLASK_ENV`, `settings.ENVIRONMENT`, `env`,
/// `app_environment`, `ASPNETCORE_ENVIRONMENT`, `SPRING_PROFILES_ACTIVE`, `MIX_ENV`.
pub fn is_environment_variable(name: &str) -> bool {
    // Every name accepted here has one of `ENVIRONMENT_VARIABLE_PARTS`: keep them in step.
    let parts = word_parts(name);
    match parts.as_slice() {
        [] => false,
        [.., last] if last == "env" || last == "environment" || last == "stage" => {
            // `process.env` itself, `os.environ`, `dotenv` are not names of an environment.
            !(parts.len() == 1 && name == "environ")
        }
        [.., a, b, c] if a == "spring" && b == "profiles" && c == "active" => true,
        [.., a, b] if (a == "env" || a == "environment") && (b == "name" || b == "type") => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn may_bind_credential_is_a_necessary_condition() {
        use Syntax::{JavaScript, Json, Python, Rust};
        // `Kq8#vT2m!Lz` could be a secret under any credential name.
        for (text, syntax) in [
            ("password = 'Kq8#vT2m!Lz'", Python),
            ("self.db_password = 'Kq8#vT2m!Lz'", Python),
            ("csrf.token = 'Kq8#vT2m!Lz'", Python),
            ("cfg = {'x-api-key': 'Kq8#vT2m!Lz'}", Python),
            ("client.setApiToken('Kq8#vT2m!Lz')", JavaScript),
            ("DB_PASSWORD_PROD='Kq8#vT2m!Lz'", Python),
            ("const s = {apiKey: 'Kq8#vT2m!Lz'}", JavaScript),
            ("let k = \"pass\\x77ord\";", Rust),
            ("PGPASSWORD='Kq8#vT2m!Lz'", Python),
            ("password: str = 'Kq8#vT2m!Lz'", Python),
            ("token?: string = 'Kq8#vT2m!Lz'", JavaScript),
            ("app.config[\"SECRET_KEY\"] = 'Kq8#vT2m!Lz'", Python),
            ("cfg = {\"password@prod\": 'Kq8#vT2m!Lz'}", Python),
            ("let password = \\\n 'x'", JavaScript),
            ("user.set_password(\n'Kq8#vT2m!Lz')", Python),
            ("const password =\n  'Kq8#vT2m!Lz'", JavaScript),
            ("let password: String =\n    \"x\".to_owned();", Rust),
            ("let password: String = String::from(\n    \"x\");", Rust),
            ("{\"password\": \"Kq8#vT2m!Lz\"}", Json),
            // A placeholder or short literal that is not the whole value.
            ("password = 'x' 'Kq8#vT2m!Lz'", Python),
            (
                "user.set_password('test'  # first part\n    'Kq8#vT2m!Lz')",
                Python,
            ),
            ("password = 'test' f'{suffix}'", Python),
            ("password = 'test\\x41'", Python),
            ("password = \"\"\"Kq8#vT2m!Lz\"\"\"", Python),
            ("const password = `Kq8#vT2m!Lz`", JavaScript),
            ("let password = \"x\";", Rust),
            ("let m = json!({\"api:key\": \"Kq8#vT2m!Lz\"});", Rust),
            // One placeholder binding does not hide a real one.
            (
                "a = {'password': 'test'}\nb = {'password': 'Kq8#vT2m!Lz'}",
                Python,
            ),
        ] {
            assert!(may_bind_credential(text, syntax), "{text}");
        }
        assert!(may_bind_credential(
            "const o = {\"pass\\word\": 1}",
            JavaScript
        ));
        for text in [
            "def fetch(self, key):\n    return self.cache.get(key)",
            "for token in tokens: pass",
            "tokenizer = load(); bypass(); compass",
            "password_hash_algorithm = 'x'",
            "login(user, password)",
            "if password == 'x':",
            "def login(password: str = Form()):\n    return password",
            "class Form:\n    password: str\n    name: str = 'x'",
            "return token",
            "f\"{token}\"",
            "re.compile(\"\\d+\")",
            "",
            // Placeholders, names and short values as the whole value.
            "{'username': 'bob', 'password': 'secret'}",
            "client.login(password='test', token=\"\")",
            "password = 'changeme'  # set in production\nx = 1",
            "api_key = 'API_KEY'",
            "password = 'x' if debug else None",
            // A parenthesised value is no string literal; nor is an annotation alone.
            "password = ('ab'\n    'Kq8#vT2m!Lz')",
            "def f(token: Annotated[str, Doc(\"\"\"The token's \"scope\".\"\"\")]):",
            "class Token:\n    \"\"\"Kq8#vT2m!Lz\"\"\"",
            "check(password): 'Kq8#vT2m!Lz'",
        ] {
            assert!(!may_bind_credential(text, Python), "{text}");
        }
        for yes in [
            "db:\n  password: hunter2",
            "env:\n  - name: DB_PASSWORD\n    value: x",
            "environment:\n  - API_KEY=abc",
            "{token: x}",
            "\"pass\\x77ord\": x",
            "api:key: x",
            "api:key_prod: x",
        ] {
            assert!(may_bind_credential(yes, Syntax::Yaml), "{yes}");
        }
        for no in [
            "tokenizer: bert\nkeyboard: us",
            "secretKeyRef:\n  name: db",
            "url: https://example.com/key",
            "integrity: sha512-O3W2Q+oKeyB92dJ==",
            "",
        ] {
            assert!(!may_bind_credential(no, Syntax::Yaml), "{no}");
        }
        for text in [
            "const o = {password: 'changeme', token: 'abc'};",
            "const password = 'x' // 'Kq8#vT2m!Lz'",
            "get('/login?password=Kq8#vT2m!Lz')",
            "class Auth { token!: string; }",
        ] {
            assert!(!may_bind_credential(text, JavaScript), "{text}");
        }
        // A path is no key joined to a name (`api:key`).
        for text in [
            "let key = key.try_into().map_err(TryIntoHeaderError::key)?;",
            "pub use cookie::Key;\nself.key = Some(KeyOrIdx::Key(key));",
        ] {
            assert!(!may_bind_credential(text, Syntax::Rust), "{text}");
        }
    }

    #[test]
    fn splits_names_into_word_parts() {
        for (name, parts) in [
            ("dbPassword", vec!["db", "password"]),
            ("DB_PASSWORD", vec!["db", "password"]),
            ("db-password", vec!["db", "password"]),
            ("APIKey", vec!["api", "key"]),
            ("apiKEY", vec!["api", "key"]),
            ("XApiKey", vec!["x", "api", "key"]),
            ("oauth2Token", vec!["oauth", "2", "token"]),
            ("settings.SECRET_KEY", vec!["settings", "secret", "key"]),
            ("__password__", vec!["password"]),
            ("", vec![]),
        ] {
            assert_eq!(word_parts(name), parts, "{name}");
        }
    }

    #[test]
    fn credential_names() {
        for name in [
            "password",
            "PASSWORD",
            "db_password",
            "dbPassword",
            "db-password",
            "DB_PASSWORD_VALUE",
            "DB_PASSWORD_PROD",
            "passwd",
            "MYSQL_PWD",
            "PGPASSWORD",
            "passphrase",
            "secret",
            "client_secret",
            "clientSecret",
            "JWT_SECRET",
            "token",
            "auth_token",
            "authToken",
            "GITHUB_TOKEN",
            "access_token",
            "refreshToken",
            "api_key",
            "apiKey",
            "API_KEY",
            "apikey",
            "APIKEY",
            "x-api-key",
            "access_key",
            "AWS_SECRET_ACCESS_KEY",
            "private_key",
            "privateKey",
            "secret_key",
            "SECRET_KEY",
            "secret_key_base",
            "signing_key",
            "encryption_key",
            "app_key",
            "DB_PASS",
            "smtp_pass",
            "token2",
            "api_key_1",
            "STRIPE_API_KEY_STR",
        ] {
            assert!(
                is_credential_name(name),
                "{name} should be a credential name"
            );
        }
    }

    #[test]
    fn near_misses_are_not_credential_names() {
        for name in [
            "password_hash_algorithm",
            "PASSWORD_HASHERS",
            "password_hash",
            "hashed_password",
            "password_field",
            "passwordField",
            "password_min_length",
            "PASSWORD_RESET_TIMEOUT",
            "AUTH_PASSWORD_VALIDATORS",
            "password_label",
            "token_count",
            "max_tokens",
            "tokens",
            "tokenizer",
            "token_type",
            "TOKEN_URL",
            "token_endpoint",
            "TOKEN_EXPIRY",
            "pad_token",
            "eos_token",
            "csrf_token",
            "next_token",
            "page_token",
            "secret_name",
            "secretName",
            "secret_arn",
            "secretKeyRef",
            "existingSecret",
            "input_token",
            "output_token",
            "AWS::IAM::AccessKey",
            "db/password",
            "SECRET_KEY_FALLBACKS",
            "secrets",
            "secretary",
            "api_key_header",
            "apiKeyName",
            "key",
            "primary_key",
            "foreign_key",
            "sort_key",
            "cache_key",
            "partition_key",
            "session_key",
            "public_key",
            "KEY_PREFIX",
            "passport",
            "passthrough",
            "pass",
            "bypass",
            "compass",
            "first_pass",
            "render_pass",
            "pwd_context",
            "access_token_url",
            "auth_token_header",
            "secret_key_file",
            "DB_PASSWORD_FILE",
        ] {
            assert!(
                !is_credential_name(name),
                "{name} should not be a credential name"
            );
        }
    }

    #[test]
    fn setters() {
        for m in [
            "password",
            "setPassword",
            "set_password",
            "with_api_key",
            "token",
            "apiKey",
        ] {
            assert!(is_credential_setter(m), "{m}");
        }
        for m in [
            "getPassword",
            "get_secret",
            "verify_password",
            "check_password",
            "hash_token",
            "fetchApiKey",
            "secretName",
            "tokenize",
        ] {
            assert!(!is_credential_setter(m), "{m}");
        }
    }

    #[test]
    fn environment_variables_and_names() {
        for name in [
            "APP_ENV",
            "ENV",
            "env",
            "ENVIRONMENT",
            "environment",
            "DEPLOY_ENV",
            "STAGE",
            "RAILS_ENV",
            "DJANGO_ENV",
            "NODE_ENV",
            "FLASK_ENV",
            "appEnv",
            "ASPNETCORE_ENVIRONMENT",
            "SPRING_PROFILES_ACTIVE",
            "ENV_NAME",
        ] {
            assert!(is_environment_variable(name), "{name}");
        }
        for name in [
            "environ",
            "envelope",
            "dotenv",
            "venv",
            "DEBUG",
            "env_file",
            "stage_dir",
        ] {
            assert!(!is_environment_variable(name), "{name}");
        }
        for v in ["production", "Prod", "staging", "dev", "qa", "uat", "test"] {
            assert!(is_environment_name(v), "{v}");
        }
        for v in ["productions", "debug", "true", "", "build"] {
            assert!(!is_environment_name(v), "{v}");
        }
    }
}
