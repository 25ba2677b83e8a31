//! No output format (text, JSON, SARIF, GitHub annotations, Markdown, `-o` files,
//! baselines) ever shows a secret in full: messages carry at most the first four
//! characters and `…`, and code frames mask the value — also in the frames of other
//! rules' findings on the same line, and when `hardcoded-secret` itself is turned off.

mod common;

use std::fs;

/// Secret values planted in the tree (assembled at run time so this file is not a leak).
fn secrets() -> Vec<String> {
    vec![
        "hunter2-prod-pw".to_owned(),
        "s3ss10n-s3cret-value".to_owned(),
        ["AKIA", "HBRPOIG8F1CBFNO6"].concat(),
        ["ghp_", "gfygw2wMqZcUDIh7yfJs1ON43xKmTecQoXsf"].concat(),
        ["sk_live_", "eInGqi7w4e4pxskC1ITtNZPH"].concat(),
        "pg-url-pw-1234".to_owned(),
        "d0ck3r-env-pw".to_owned(),
        "js0n-db-pw-88".to_owned(),
        "r3dis-fallback-pw".to_owned(),
        "+Z6/J+zuPN0p+czPLeFpBi287FXI7mnNq928zz9EKMmz".to_owned(),
        "same-line-pw-777".to_owned(),
    ]
}

fn tree(extra: &[(&str, &str)]) -> tempfile::TempDir {
    let s = secrets();
    let files: Vec<(&str, String)> = vec![
        (
            "settings.py",
            format!(
                "import os\nimport logging\nDB_PASSWORD = \"{}\"\nAWS = \"{}\"\nREDIS_URL = os.getenv(\"REDIS_URL\", \"redis://:{}@cache:6379/0\")\nhandler = logging.FileHandler(\"/var/log/app.log\"); password = \"{}\"\n",
                s[0], s[2], s[8], s[10]
            ),
        ),
        (
            ".env",
            format!(
                "SESSION_SECRET={}\nGH_TOKEN={}\nDATABASE_URL=postgres://app:{}@db/app\n",
                s[1], s[3], s[5]
            ),
        ),
        (
            "Dockerfile",
            format!("FROM python:latest\nENV DB_PASSWORD={}\n", s[6]),
        ),
        (
            "config.json",
            format!(
                "{{\"db\": {{\"password\": \"{}\"}}, \"stripe\": \"{}\"}}\n",
                s[7], s[4]
            ),
        ),
        (
            "keys.js",
            format!(
                "const KEY = \"-----BEGIN PRIVATE KEY-----\\n{}AbCdEfGhIjKlMnOp\\n-----END PRIVATE KEY-----\";\n",
                s[9]
            ),
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files
        .iter()
        .map(|(p, t)| (*p, t.as_str()))
        .chain(extra.iter().copied())
    {
        let p = dir.path().join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    dir
}

fn assert_no_secret(output: &str, what: &str) {
    for secret in secrets() {
        assert!(
            !output.contains(&secret),
            "{what} shows the secret `{}…` in full:\n{output}",
            &secret[..4]
        );
    }
}

#[test]
fn no_output_format_shows_a_secret() {
    let dir = tree(&[]);
    for format in ["text", "json", "sarif", "github", "markdown"] {
        let out = common::check(dir.path(), &["--format", format, "."]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stdout.contains("hardcoded-secret"),
            "{format}: no secret found:\n{stdout}"
        );
        assert_no_secret(&stdout, format);
        assert_no_secret(&stderr, format);
    }
    // The text report masks values in code frames, its own and other rules'.
    let out = common::check(dir.path(), &["--format", "text", "."]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("DB_PASSWORD = \"hunt…\""), "{text}");
    assert!(text.contains("warning[log-to-file]"), "{text}");
    assert!(text.contains("password = \"same…\""), "{text}");
    // Every secret was found.
    let json = common::json(&common::check(dir.path(), &["--format", "json", "."]));
    let count = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "hardcoded-secret")
        .count();
    assert_eq!(count, secrets().len(), "{json:#}");
}

#[test]
fn values_stay_masked_when_the_secret_rule_is_off() {
    let dir = tree(&[("dozen.toml", "[rules]\n\"hardcoded-secret\" = \"off\"\n")]);
    for format in ["text", "json", "sarif", "github", "markdown"] {
        let out = common::check(dir.path(), &["--format", format, "."]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_no_secret(&stdout, format);
    }
    let json = common::json(&common::check(dir.path(), &["--format", "json", "."]));
    let findings = json["findings"].as_array().unwrap();
    assert!(findings.iter().all(|f| f["rule"] != "hardcoded-secret"));
    assert!(findings.iter().any(|f| f["rule"] == "log-to-file"));
    let out = common::check(dir.path(), &["--format", "text", "."]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("password = \"same…\""), "{text}");
}

#[test]
fn baseline_file_is_masked_too() {
    let dir = tree(&[]);
    let baseline = dir.path().join("baseline.json");
    let out = common::check(
        dir.path(),
        &["--write-baseline", baseline.to_str().unwrap(), "."],
    );
    assert!(matches!(out.status.code(), Some(0 | 1)), "{out:?}");
    let text = fs::read_to_string(&baseline).unwrap();
    assert!(text.contains("hardcoded-secret"), "{text}");
    assert_no_secret(&text, "baseline file");
}

#[test]
fn output_file_is_masked_too() {
    let dir = tree(&[]);
    let report = dir.path().join("report.sarif");
    let out = common::check(
        dir.path(),
        &["--format", "sarif", "-o", report.to_str().unwrap(), "."],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_no_secret(&fs::read_to_string(&report).unwrap(), "sarif file");
}
