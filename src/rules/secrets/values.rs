//! Values: which literals bound to a credential name are real secrets, and which are
//! placeholders, references or not secrets at all.

use super::names::word_parts;

/// Why a value bound to a credential name is not reported, or `None` if it is a secret.
///
/// Not secrets: empty or very short values, placeholders (`changeme`, `<…>`, `${…}`,
/// `{{…}}`, `$VAR`, `%(name)s`, `xxx…`, `****`, `your-…-here`, anything containing
/// `example`, `dummy`, `placeholder`, `redacted`, a `test` word part, the credential words
/// themselves such as `password`), a value equal to the key's own name or one of its
/// word parts (`password_field = "password"`), numbers, booleans and null-likes, text
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
    if is_number_or_bool(v) {
        return Some("number or boolean");
    }
    if v.chars().any(char::is_whitespace) {
        return Some("text");
    }
    if is_reference(v) {
        return Some("reference");
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
        || v.contains("#{")
        || v.contains("%(")
        || (v.starts_with('<') && v.ends_with('>'))
        || (v.starts_with('[') && v.ends_with(']'))
        || (v.starts_with('%') && v.ends_with('%') && v.len() > 2)
        || (v.starts_with('{') && v.ends_with('}'))
    {
        return true;
    }
    if let Some(rest) = v.strip_prefix('$') {
        if rest
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
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
    let parts = word_parts(v);
    if lower.starts_with("test") || parts.iter().any(|p| p == "test" || p == "fake") {
        return true;
    }
    false
}

/// `DB_PASSWORD = "db_password"`, `apiKey: "API_KEY"`, `token = "GITHUB_TOKEN"`: the
/// value names the key (a form field, an env var name, a label), it is not a secret.
fn equals_own_name(name: &str, value: &str) -> bool {
    let key_parts = word_parts(name);
    let value_parts = word_parts(value);
    if value_parts.is_empty() {
        return false;
    }
    if value_parts == key_parts {
        return true;
    }
    // The value is itself an identifier made of credential words: `"GITHUB_TOKEN"`,
    // `"db-password"` (the name of an environment variable or secret, not its value).
    let is_identifier = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    let all_caps = value
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    is_identifier
        && value_parts.len() > 1
        && (all_caps || value.contains(['_', '-', '.']))
        && value_parts
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_alphabetic()))
        && super::names::is_credential_name(value)
}

fn is_number_or_bool(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
    ) {
        return true;
    }
    v.parse::<f64>().is_ok()
        || (lower.starts_with("0x")
            && lower.len() > 2
            && lower[2..].chars().all(|c| c.is_ascii_hexdigit()))
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
            ("secret", "letmein"),
            ("auth_token", "0123abc"),
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
        ] {
            assert!(
                not_a_secret(name, value).is_some(),
                "{name}={value} should not be a secret"
            );
        }
    }
}
