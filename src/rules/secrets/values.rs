//! Values: which literals bound to a credential name are real secrets, and which are
//! placeholders, references or not secrets at all.

use super::names::word_parts;

/// Why a value bound to a credential name is not reported, or `None` if it is a secret.
///
/// Not secrets: empty or very short values, placeholders (`changeme`, `<…>`, `${…}`,
/// `{{…}}`, `$VAR`, `%(name)s`, `xxx…`, `****`, `your-…-here`, anything containing
/// `example`, `dummy`, `placeholder`, `redacted`, a `test` word part, the credential words
/// themselves such as `password`), a value equal to the key's own name, a value shaped
/// like an identifier of letters only (`NextToken`, `GITHUB_TOKEN`), numbers, booleans
/// and null-likes, text
/// with spaces (labels and prose), paths and plain URLs (URL credentials are judged by
/// the format scan), and references into a secret store (`arn:aws:secretsmanager:…`,
/// `vault:…`, `op://…`, `/run/secrets/…`).
pub fn not_a_secret(name: &str, value: &str) -> Option<&'static str> {
    let v = value.trim();
    if v.is_empty() {
        return Some("empty");
    }
    if v.chars().count() < 3 {
        return Some("too short");
    }
    if is_placeholder(v) {
        return Some("placeholder");
    }
    if equals_own_name(name, v) {
        return Some("the key's own name");
    }
    if is_identifier_like(v) {
        return Some("a name, not a value");
    }
    if is_number_or_bool(v) {
        return Some("number or boolean");
    }
    if v.chars().any(char::is_whitespace) {
        return Some("text");
    }
    if is_reference(v) {
        return Some("reference");
    }
    if is_regex(v) {
        return Some("pattern");
    }
    if super::names::credential_kind(name) == Some(super::names::CredentialKind::Token)
        && !looks_generated(v)
    {
        return Some("not token-shaped");
    }
    None
}

/// Placeholders people write where a secret will go.
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    const EXACT: &[&str] = &[
        "changeme",
        "change_me",
        "change-me",
        "changeit",
        "change_it",
        "replaceme",
        "replace_me",
        "replace-me",
        "todo",
        "fixme",
        "tbd",
        "none",
        "null",
        "nil",
        "undefined",
        "n/a",
        "password",
        "passwd",
        "pass",
        "pwd",
        "secret",
        "token",
        "apikey",
        "api_key",
        "api-key",
        "key",
        "value",
        "required",
        "optional",
        "unset",
        "empty",
        "notset",
        "not-set",
        "not_set",
        // Classic metasyntactic values.
        "foo",
        "bar",
        "baz",
        "qux",
        "foobar",
        // Permission levels (workflow `permissions: id-token: write`).
        "read",
        "write",
        "read-all",
        "write-all",
        // Token *types* and auth schemes, not tokens.
        "bearer",
        "basic",
        "digest",
        "jwt",
        "mac",
        "oauth",
        "oauth2",
    ];
    if EXACT.contains(&lower.as_str()) {
        return true;
    }
    // Template and variable syntax: ${VAR}, {{ var }}, {% %}, $VAR, %(name)s, %VAR%, #{x}, <your key>.
    if v.contains("${")
        || v.contains("$(")
        || v.contains("{{")
        || v.contains("{%")
        || v.contains('…')
        || v.contains("***")
        || v.contains('•')
        || v.contains("#{")
        || v.contains("%(")
        || (v.starts_with('<') && v.ends_with('>'))
        || (v.starts_with('[') && v.ends_with(']'))
        || (v.starts_with('%') && v.ends_with('%') && v.len() > 2)
        || (v.starts_with('{') && v.ends_with('}'))
    {
        return true;
    }
    // `$VAR`, `$HOME/.token`, `$serde_json::private::Number`: a variable or a marker.
    if let Some(rest) = v.strip_prefix('$') {
        if rest
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        {
            return true;
        }
    }
    // Runs of one character, or of the usual masking characters: xxxx, ****, ....
    let mut chars = lower.chars();
    if let Some(first) = chars.next() {
        if lower.chars().all(|c| c == first) {
            return true;
        }
    }
    if lower.starts_with("xxx")
        || lower
            .chars()
            .all(|c| matches!(c, 'x' | '*' | '.' | '-' | '_' | '#' | '•'))
    {
        return true;
    }
    if lower.starts_with("your")
        || ["-here", "_here", " here", "-goes-here"]
            .iter()
            .any(|t| lower.ends_with(t))
        || ["insert-", "insert_", "insert ", "put-", "put_"]
            .iter()
            .any(|t| lower.starts_with(t))
    {
        return true;
    }
    for word in [
        "example",
        "dummy",
        "placeholder",
        "redacted",
        "changeme",
        "change_me",
        "sample",
    ] {
        if lower.contains(word) {
            return true;
        }
    }
    // Made-up values name what they stand for (`ghp_secret123`, `my-password`) or run
    // through the alphabet or the digits.
    let parts = word_parts(v);
    if lower.starts_with("test")
        || parts.iter().any(|p| {
            matches!(
                p.as_str(),
                "test" | "fake" | "secret" | "password" | "passwd" | "token" | "mock"
            )
        })
        || ["abcdefgh", "12345678", "qwertyui"]
            .iter()
            .any(|s| lower.contains(s))
    {
        return true;
    }
    false
}

/// `DB_PASSWORD = "db_password"`, `apiKey: "API_KEY"`, `token = "GITHUB_TOKEN"`: the
/// value names the key (a form field, an env var name, a label), it is not a secret.
fn equals_own_name(name: &str, value: &str) -> bool {
    let key_parts = word_parts(name);
    let value_parts = word_parts(value);
    !value_parts.is_empty() && value_parts == key_parts
}

/// A value shaped like an identifier made only of letters, in two or more words:
/// `NextToken`, `GITHUB_TOKEN`, `db-password`, `sensitive_value`, `AWSAccessKeyId`. It
/// names a field, a variable or a secret; real credentials carry digits or symbols.
fn is_identifier_like(value: &str) -> bool {
    let only_letters = value
        .chars()
        .all(|c| c.is_ascii_alphabetic() || matches!(c, '_' | '-' | '.'));
    let parts = word_parts(value);
    // Words, not random letters split at case changes: no one-letter parts, 3.5 letters
    // on average (`AWSAccessKeyId`, but not `ZkqPmWvXrTbNcLsHdGfJ`).
    let letters: usize = parts.iter().map(String::len).sum();
    let wordy = parts.iter().all(|p| p.len() >= 2) && letters * 2 >= parts.len() * 7;
    only_letters
        && wordy
        && parts.len() >= 2
        && !value.starts_with(['_', '-', '.'])
        && !value.ends_with(['_', '-', '.'])
        && !value.contains("__")
}

fn is_number_or_bool(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
    ) {
        return true;
    }
    // Numbers, versions and OIDs (`1.2.840.113549.1.9.7`).
    let dotted = v.contains('.')
        && v.split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    dotted
        || v.parse::<f64>().is_ok()
        || (lower.starts_with("0x")
            && lower.len() > 2
            && lower[2..].chars().all(|c| c.is_ascii_hexdigit()))
}

/// Tokens and keys are generated: at least 8 characters with a digit, or long and of
/// mixed case. `Marker`, `position`, `yield` are words.
fn looks_generated(v: &str) -> bool {
    let n = v.chars().count();
    let digit = v.chars().any(|c| c.is_ascii_digit());
    let upper = v.chars().any(|c| c.is_uppercase());
    let lower = v.chars().any(|c| c.is_lowercase());
    let symbol = v.chars().any(|c| !c.is_alphanumeric());
    n >= 8 && (digit || (upper && lower && (n >= 16 || symbol)))
}

/// A regular expression (`[^\W\d]\w*`, `(?P<token>…)`): lexers and validators name
/// patterns after what they match.
fn is_regex(v: &str) -> bool {
    [
        "\\w", "\\d", "\\s", "\\b", "[^", "(?:", "(?P<", "(?<", ".*", ".+", "[a-z", "[A-Z", "[0-9",
    ]
    .iter()
    .any(|p| v.contains(p))
        || is_character_class(v)
}

/// A bracketed character class with a range, such as RFC 7230's token characters
/// ``[!#$%&'*+-.^_`|~0-9a-zA-Z]`` (optionally followed by a quantifier).
fn is_character_class(v: &str) -> bool {
    let body = v.trim_end_matches(['+', '*', '?']);
    body.starts_with('[')
        && body.ends_with(']')
        && ["0-9", "a-z", "A-Z", "a-f", "A-F"]
            .iter()
            .any(|r| body.contains(r))
}

/// Paths, plain URLs and secret-store references: the value says where the secret is.
fn is_reference(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    if v.starts_with('/')
        || v.starts_with("./")
        || v.starts_with("../")
        || v.starts_with("~/")
        || v.starts_with("file:")
    {
        return true;
    }
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return true;
    }
    const STORES: &[&str] = &[
        "arn:aws:secretsmanager:",
        "arn:aws:ssm:",
        "arn:aws:kms:",
        "vault:",
        "op://",
        "sm://",
        "gcp-secret:",
        "ssm:",
        "secretsmanager:",
        "akv:",
        "keyvault:",
        "secret://",
        "projects/",
        "azure-keyvault:",
    ];
    STORES.iter().any(|p| lower.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_secrets() {
        for (name, value) in [
            ("password", "hunter2"),
            ("DB_PASSWORD", "s3cr3t-P@ss"),
            ("MYSQL_ROOT_PASSWORD", "root"),
            ("api_key", "4f9a8c2e71d0b3e6a5f4c3d2b1a09876"),
            ("SECRET_KEY", "django-insecure-8f$k2!x@q"),
            ("token", "AbCdEf123456"),
            ("api_key", "ZkqPmWvXrTbNcLsHdGfJ"),
            ("secret", "letmein"),
            ("auth_token", "0123abcd"),
        ] {
            assert_eq!(not_a_secret(name, value), None, "{name}={value}");
        }
    }

    #[test]
    fn placeholders_and_non_secrets() {
        for (name, value) in [
            ("password", ""),
            ("password", "  "),
            ("password", "ab"),
            ("password", "changeme"),
            ("password", "CHANGE_ME"),
            ("password", "<your password>"),
            ("password", "${DB_PASSWORD}"),
            ("_TOKEN", "[!#$%&'*+-.^_`|~0-9a-zA-Z]"),
            ("token_chars", "[0-9A-Fa-f]+"),
            ("password", "{{ db_password }}"),
            ("password", "$DB_PASSWORD"),
            ("password", "%(password)s"),
            ("password", "xxxxxxxx"),
            ("password", "XXX-XXX"),
            ("password", "********"),
            ("api_key", "your-api-key-here"),
            ("api_key", "YOUR_API_KEY"),
            ("api_key", "insert-key-here"),
            ("token", "example-token"),
            ("token", "my_example"),
            ("password", "dummy"),
            ("password", "dummy-pass"),
            ("password", "test"),
            ("password", "test123"),
            ("password", "testing"),
            ("password", "password"),
            ("password", "Password"),
            ("password_field", "password"),
            ("DB_PASSWORD", "db_password"),
            ("apiKey", "API_KEY"),
            ("token", "GITHUB_TOKEN"),
            ("secret", "db-password"),
            ("password", "12345678"),
            ("password", "true"),
            ("password", "False"),
            ("password", "Enter your password"),
            ("password", "/run/secrets/db_password"),
            ("token", "https://auth.example.com/token"),
            ("secret", "arn:aws:secretsmanager:us-east-1:123:secret:db"),
            ("password", "op://vault/db/password"),
            ("password", "null"),
            ("password", "[PAD]"),
            ("default_token", "Bearer"),
            ("password", ":****"),
            ("jsonnet_token", "[^\\W\\d]\\w*"),
            ("token_pattern", "(?P<token>[a-z]+)"),
            ("id-token", "write"),
            ("szOID_USER_PASSWORD", "2.5.4.35"),
            ("token", "ghp_secret123"),
            ("api_key", "key-abcdefghijk987"),
            ("password", "my-password-1"),
            ("TOKEN", "$serde_json::private::Number"),
            ("password", "foobar"),
            ("input_token", "NextToken"),
            ("ACCESS_KEY", "AWSAccessKeyId"),
            ("secret", "sensitive_value"),
            ("token", "Marker"),
            ("token", "yield"),
            ("token", "position"),
            ("api_key", "short1"),
        ] {
            assert!(
                not_a_secret(name, value).is_some(),
                "{name}={value} should not be a secret"
            );
        }
    }
}
