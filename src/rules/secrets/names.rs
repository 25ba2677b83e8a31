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

/// Whether `text` may bind a credential name at all: some run of name characters in it
/// (`self.db_password`, `"x-api-key"`, `setApiToken`), or one of its `.`-separated tails,
/// is a credential name. A cheap necessary condition, so that files which only mention
/// `key` or `token` in passing are never parsed for bindings. Names spelled with escapes
/// (`"pass\x77ord"`, JavaScript's `"\p"` is `p`) make it answer yes; a credential word
/// split across implicitly concatenated literals (`"pass" "word"`) is not seen.
pub fn may_bind_credential(text: &str, js_escapes: bool) -> bool {
    // Every credential name ends in a word containing one of these (module docs).
    static STEMS: Words = Words::new(&["pass", "pwd", "secret", "token", "key"]);
    if !gate::enabled() || has_letter_escape(text, js_escapes) {
        return true;
    }
    let bytes = text.as_bytes();
    let in_name = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.') || b >= 0x80;
    let mut checked_to = 0;
    for m in STEMS.find_iter(text) {
        if m.start() < checked_to {
            continue;
        }
        let start = bytes[..m.start()]
            .iter()
            .rposition(|&b| !in_name(b))
            .map_or(0, |i| i + 1);
        let end = bytes[m.end()..]
            .iter()
            .position(|&b| !in_name(b))
            .map_or(bytes.len(), |i| m.end() + i);
        checked_to = end;
        // Runs start and end on ASCII bytes or at the text's ends: always char boundaries.
        let run = &text[start..end];
        if !binds_after(&bytes[end..]) {
            continue;
        }
        let mut tail = run;
        loop {
            if is_credential_name(tail) {
                return true;
            }
            match tail.split_once('.') {
                Some((_, rest)) => tail = rest,
                None => break,
            }
        }
    }
    false
}

/// Whether what follows a name can make it a binding's name: an assignment, annotation,
/// key or setter call comes next (`password =`, `"api_key": `, `token?: string =`,
/// `.password(`), once closing quotes, brackets and whitespace are skipped — or the name
/// runs on into other characters, as a quoted key may (`"password@prod"`). A name used as
/// an argument, compared or returned (`login(user, password)`, `password ==`) cannot.
fn binds_after(rest: &[u8]) -> bool {
    const CODE: &[u8] = b",)]};\"'`=(:[. \t\r\n";
    match rest.first() {
        None => return false,
        Some(b) if !CODE.contains(b) => return true,
        _ => {}
    }
    let skipped = rest
        .iter()
        .take_while(|b| b.is_ascii_whitespace() || b"\"'`)]\\?!".contains(b))
        .count();
    let operator = match rest.get(skipped..).unwrap_or_default() {
        [b'=', b'=', ..] => return false,
        [b'=' | b':' | b'(', after @ ..] => after,
        _ => return false,
    };
    quote_on_value_line(operator)
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

/// A backslash escape that may stand for a letter or digit inside a string: `\x41`,
/// `\u0041`, `\N{…}`, octal, a line continuation, and in JavaScript any unknown letter
/// escape (`"\p"` is `p`).
fn has_letter_escape(text: &str, js: bool) -> bool {
    memchr::memchr_iter(b'\\', text.as_bytes()).any(|i| {
        let Some(&c) = text.as_bytes().get(i + 1) else {
            return false;
        };
        matches!(c, b'x' | b'u' | b'U' | b'N' | b'0'..=b'9' | b'\n' | b'\r')
            || (js
                && c.is_ascii_alphabetic()
                && !matches!(c, b'n' | b'r' | b't' | b'b' | b'f' | b'v'))
    })
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

/// Whether a variable, attribute, key or environment variable name holds the name of the
/// deploy environment: `APP_ENV`, `ENV`, `ENVIRONMENT`, `DEPLOY_ENV`, `STAGE`,
/// `RAILS_ENV`, `DJANGO_ENV`, `NODE_ENV`, `FLASK_ENV`, `settings.ENVIRONMENT`, `env`,
/// `app_environment`, `ASPNETCORE_ENVIRONMENT`, `SPRING_PROFILES_ACTIVE`, `MIX_ENV`.
pub fn is_environment_variable(name: &str) -> bool {
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
        for text in [
            "password = 'x'",
            "self.db_password = 'x'",
            "csrf.token = 'x'",
            "cfg = {'x-api-key': 'x'}",
            "client.setApiToken('x')",
            "DB_PASSWORD_PROD='x'",
            "const s = {apiKey: 'x'}",
            "let k = \"pass\\x77ord\";",
            "PGPASSWORD='x'",
            "password: str = 'x'",
            "token?: string = 'x'",
            "app.config[\"SECRET_KEY\"] = 'x'",
            "cfg = {\"password@prod\": 'x'}",
            "let password = \\\n 'x'",
            "user.set_password(\n'x')",
            "const password =\n  'a long value'",
            "let password: String =\n    \"x\".to_owned();",
            "let password: String = String::from(\n    \"x\");",
        ] {
            assert!(may_bind_credential(text, false), "{text}");
        }
        assert!(may_bind_credential("const o = {\"pass\\word\": 1}", true));
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
        ] {
            assert!(!may_bind_credential(text, false), "{text}");
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
