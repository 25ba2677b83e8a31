// dozen: ignore-file[hardcoded-secret, hardcoded-service-url, divergent-backing-services]
//! Tests of the credential formats: every string here is made up.

use super::*;

fn found(text: &str) -> Vec<(&'static str, String)> {
    scan(text)
        .into_iter()
        .map(|h| (h.what, text[h.secret.start..h.secret.end].to_owned()))
        .collect()
}

// Test tokens are assembled at run time so this file does not itself look like a leak.
fn t(parts: &[&str]) -> String {
    parts.concat()
}

#[test]
fn finds_token_formats() {
    let aws = t(&["AKIA", "Z7QW3RT5YU8IOP2L"]);
    let gh = t(&["ghp_", "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"]);
    let pat = t(&["github_pat_", &"aB3dE5fG7h".repeat(8), "Zq"]);
    let slack = t(&[
        "xoxb-",
        "031051834738-2997376311656-AD3UdRPPgdzUvZ3gpmmICiBl",
    ]);
    let stripe = t(&["sk_live_", "4eC39HqLyjWDarjtT1zdp7dc"]);
    let google = t(&["AIza", "SyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW"]);
    let text = format!("a = \"{aws}\"\nb={gh}\nc: {pat}\nd '{slack}'\ne {stripe}\nf {google}\n");
    let got = found(&text);
    let kinds: Vec<&str> = got.iter().map(|g| g.0).collect();
    assert_eq!(
        kinds,
        [
            "AWS access key id",
            "GitHub personal access token",
            "GitHub fine-grained personal access token",
            "Slack token",
            "Stripe live secret key",
            "Google API key"
        ]
    );
    assert_eq!(got[0].1, aws);
    assert_eq!(got[1].1, gh);
    assert_eq!(got[2].1, pat);
}

#[test]
fn near_miss_formats_are_quiet() {
    for text in [
        "AKIAIOSFODNN7EXAMPLE".to_owned(),
        t(&["AKIA", "Z7QW3RT5YU8IOP2"]),         // too short
        t(&["AKIA", "Z7QW3RT5YU8IOP2LX"]),       // too long
        t(&["xAKIA", "Z7QW3RT5YU8IOP2L"]),       // not at a word start
        t(&["ghp_", &"x".repeat(36)]),           // placeholder
        t(&["ghp_", "aB3dE5fG7hJ9kL1mN3pQ5rS7"]), // too short
        t(&["sk_test_", "4eC39HqLyjWDarjtT1zdp7dc"]),
        "xoxb-your-token".to_owned(),
        t(&["ghp_", "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z", "EXAMPLE"]),
        "AIzaSy...".to_owned(),
        "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----".to_owned(),
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----".to_owned(),
        "-----BEGIN CERTIFICATE-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n".to_owned(),
    ] {
        assert!(found(&text).is_empty(), "{text}: {:?}", found(&text));
    }
}

#[test]
fn private_key_blocks() {
    let body = "MIIEowIBAAKCAQEA7bq9y0VvZ3nX2kQ1cJ8rT5uW3xY6zA9bC2dE4fG7hJ0kL";
    let text = format!("-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\n");
    let hits = scan(&text);
    assert_eq!(hits.len(), 1);
    assert_eq!(
        &text[hits[0].span.start..hits[0].span.end],
        "-----BEGIN RSA PRIVATE KEY-----"
    );
    assert_eq!(&text[hits[0].secret.start..hits[0].secret.end], body);
    // Escaped in a JSON string.
    let json = format!(
        "{{\"key\": \"-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----\"}}"
    );
    assert_eq!(scan(&json).len(), 1);
    let ssh = format!("-----BEGIN OPENSSH PRIVATE KEY-----\n{body}\n");
    assert_eq!(scan(&ssh).len(), 1);
}

#[test]
fn url_credentials() {
    for (text, pw) in [
        ("postgres://app:s3cretPw@db.internal:5432/app", "s3cretPw"),
        ("redis://:hunter22@cache:6379/0", "hunter22"),
        ("\"amqp://guest:gu3st!@rabbit/\"", "gu3st!"),
        (
            "mongodb+srv://u:p%40ssw0rd@cluster0.mongodb.net",
            "p%40ssw0rd",
        ),
        ("https://user:tok3n@github.com/org/repo.git", "tok3n"),
    ] {
        assert_eq!(
            found(text),
            [("password in a URL", pw.to_owned())],
            "{text}"
        );
    }
    for text in [
        "postgres://app:${DB_PASSWORD}@db/app",
        "postgres://app:$DB_PASSWORD@db/app",
        "postgres://{user}:{password}@{host}/db",
        "postgres://user:password@localhost/db",
        "postgres://user:changeme@localhost/db",
        "postgres://user:<password>@localhost/db",
        "postgres://user:****@localhost/db",
        "postgres://user:%s@%s/db",
        "postgres://user@localhost/db",
        "https://example.com/a:b@c",
        "git+ssh://git@github.com/org/repo.git",
        "postgres://user:@host/db",
        "ftp://:secret123@example.com/pub",
        "https://user:s3cretpw@api.example.org/x",
        "https://user:s3cretpw@db.test/x",
        "redis://:pw@cache/0",
        "://x:y@z",
    ] {
        assert!(found(text).is_empty(), "{text}: {:?}", found(text));
    }
}

#[test]
fn token_inside_url_is_reported_once() {
    let gh = t(&["ghs_", "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"]);
    let text = format!("https://x-access-token:{gh}@github.com/o/r");
    let got = found(&text);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, "GitHub app installation token");
}

#[test]
fn service_urls() {
    for (v, s) in [
        ("postgres://db:5432/app", "postgres"),
        ("postgresql+asyncpg://u@db/app", "postgresql+asyncpg"),
        ("mongodb+srv://cluster0.mongodb.net/app", "mongodb+srv"),
        ("redis://localhost:6379/0", "redis"),
        ("rediss://cache.internal", "rediss"),
        ("amqp://guest:guest@rabbit:5672/", "amqp"),
        ("kafka://broker:9092", "kafka"),
        ("nats://nats:4222", "nats"),
        ("memcached://cache:11211", "memcached"),
        ("sqlserver://db:1433", "sqlserver"),
        ("mysql://root@127.0.0.1/app", "mysql"),
        ("mariadb://db/app", "mariadb"),
        ("jdbc:postgresql://db:5432/app", "jdbc:postgresql"),
    ] {
        assert_eq!(service_url(v).as_deref(), Some(s), "{v}");
    }
    for v in [
        "postgres://",
        "redis://",
        "https://api.example.com",
        "sqlite:///app.db",
        "postgres://{host}/db",
        "postgres://${DB_HOST}/db",
        "e.g. postgres://host/db",
        "postgresql",
        "",
    ] {
        assert_eq!(service_url(v), None, "{v}");
    }
    assert_eq!(
        masked_url("postgres://app:s3cretPw@db/app"),
        "postgres://app:s3cr…@db/app"
    );
}

#[test]
fn never_panics_on_odd_text() {
    for text in [
        "://",
        "a://",
        "AKIA",
        "ghp_",
        "-----BEGIN ",
        "-----BEGIN PRIVATE KEY-----",
        "é://é:é@é",
        "xoxb-",
        "sk_live_",
        "AIza",
        "x://:@",
        "日本://a:b@c",
    ] {
        let _ = scan(text);
    }
}

#[test]
fn prefix_hits_from_the_trigger_pass_read_like_one_search() {
    // The engine records every occurrence, overlapping and in any letter case; reading
    // them must give exactly the occurrences one left-to-right search gives.
    let lower = AhoCorasick::new(pattern_prefixes().map(str::to_ascii_lowercase)).unwrap();
    let pieces = [
        "AKIA",
        "ASIA",
        "akia",
        "SIA",
        "ghp_",
        "GHP_",
        "gh",
        "o_",
        "github_pat_",
        "xox",
        "XOXb-",
        "xoxp-",
        "-----BEGIN ",
        "-----begin ",
        "sk_live_",
        "rk_live_",
        "_live_",
        "AIza",
        "PRIVATE KEY",
        "://",
        ":",
        "//",
        "x",
        " ",
        "\n",
        "é",
        "Z7QW3RT5YU8IOP2L",
    ];
    let mut random = crate::test_random::Xorshift::new();
    for _ in 0..3000 {
        let text = random.soup(&pieces, 12);
        let one_search: Vec<(usize, usize)> = matcher()
            .find_iter(&text)
            .map(|m| (m.start(), m.pattern().as_usize()))
            .collect();
        let lowered = text.to_ascii_lowercase();
        let recorded: PrefixHits = lower
            .find_overlapping_iter(&lowered)
            .map(|m| (m.start(), m.pattern().as_usize()))
            .collect();
        assert_eq!(
            leftmost_occurrences(&text, recorded),
            one_search,
            "{text:?}"
        );
        let _checking = crate::lang::gate::checking(&text);
        let fresh = scan(&text);
        crate::lang::gate::record_prefix_hits(
            &text,
            lower
                .find_overlapping_iter(&lowered)
                .map(|m| (m.start(), m.pattern().as_usize()))
                .collect(),
        );
        assert_eq!(scan(&text), fresh, "{text:?}");
    }
}
