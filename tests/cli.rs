//! The command line as users run it: exit codes, messages, determinism, output files.

mod common;

use std::fs;

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    dir
}

#[test]
fn clean_tree_exits_zero_and_findings_exit_one() {
    let clean = tree(&[("app.py", "import logging\nlogging.basicConfig()\n")]);
    let out = common::check(clean.path(), &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("No findings"));

    let dirty = tree(&[("Dockerfile", "FROM python:latest\n")]);
    let out = common::check(dirty.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Dockerfile:1:6: error[unpinned-image]"),
        "{text}"
    );
}

#[test]
fn fail_on_sets_the_threshold_not_the_output() {
    let dir = tree(&[("Dockerfile", "FROM python:3.12\n")]);
    let out = common::check(dir.path(), &["--fail-on", "error", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(common::json(&out)["findings"].as_array().unwrap().len(), 1);
    let out = common::check(dir.path(), &["--fail-on", "warning"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn usage_errors_exit_two_with_one_line() {
    for args in [
        vec!["check", "--no-such-flag"],
        vec!["check", "does/not/exist"],
        vec!["check", "--format", "xml"],
        vec!["explain", "nope-rule"],
    ] {
        let out = common::dozen().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn bad_config_names_the_key() {
    let dir = tree(&[
        ("dozen.toml", "[rules]\n\"log-to-fil\" = \"off\"\n"),
        ("a.py", ""),
    ]);
    let out = common::check(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("log-to-fil") && err.contains("did you mean `log-to-file`"),
        "{err}"
    );
}

#[test]
fn config_turns_rules_off_and_excludes_paths() {
    let dir = tree(&[
        (
            "dozen.toml",
            "exclude = [\"legacy/**\"]\n[rules]\n\"log-to-file\" = \"off\"\n",
        ),
        ("app.py", "import logging\nlogging.FileHandler('a.log')\n"),
        ("legacy/Dockerfile", "FROM node\n"),
    ]);
    let out = common::check(dir.path(), &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn pyproject_tool_dozen_is_read() {
    let dir = tree(&[
        (
            "pyproject.toml",
            "[project]\nname = \"x\"\n[tool.dozen]\nimages = \"tag\"\n",
        ),
        ("Dockerfile", "FROM python:3.12\n"),
    ]);
    let out = common::check(dir.path(), &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn output_is_identical_across_runs_and_threads() {
    let fixtures = common::root().join("fixtures");
    let mut outputs = Vec::new();
    for threads in ["1", "2", "8", "1"] {
        for format in ["text", "json", "sarif", "github"] {
            let out = common::check(&fixtures, &["--threads", threads, "--format", format, "."]);
            outputs.push((format, out.stdout));
        }
    }
    for (i, (format, bytes)) in outputs.iter().enumerate() {
        assert_eq!(bytes, &outputs[i % 4].1, "{format} differs between runs");
    }
}

#[test]
fn explicit_files_are_scanned_alone() {
    let dir = tree(&[
        ("a/Dockerfile", "FROM node\n"),
        ("b/Dockerfile", "FROM node\n"),
        ("b/app.py", ""),
    ]);
    let out = common::check(
        dir.path(),
        &["--format", "json", "a/Dockerfile", "b/app.py"],
    );
    let v = common::json(&out);
    let paths: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["a/Dockerfile"]);
}

#[test]
fn output_file_is_written_whole() {
    let dir = tree(&[("Dockerfile", "FROM node\n")]);
    let target = dir.path().join("out.sarif");
    let out = common::check(dir.path(), &["--format", "sarif", "-o", "out.sarif"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let v: serde_json::Value = serde_json::from_slice(&fs::read(&target).unwrap()).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| {
            let n = e.ok()?.file_name().into_string().ok()?;
            n.ends_with(".tmp").then_some(n)
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn rules_and_explain() {
    let out = common::dozen().arg("rules").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("log-to-file") && text.contains("unpinned-image"));
    let out = common::dozen()
        .args(["explain", "log-to-file"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for heading in [
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "## Use instead",
    ] {
        assert!(text.contains(heading), "{heading}");
    }
    let out = common::dozen().arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("dozen "));
}

#[test]
fn inline_suppressions_hide_findings_and_bare_ones_are_reported() {
    let dir = tree(&[(
        "app.py",
        "import logging\nlogging.FileHandler('a')  # dozen: ignore[log-to-file]\nlogging.FileHandler('b')  # dozen: ignore\n",
    )]);
    let out = common::check(dir.path(), &["--format", "json"]);
    let v = common::json(&out);
    let rules: Vec<(&str, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap(),
                f["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(rules, [("log-to-file", 3), ("invalid-suppression", 3)]);
    assert_eq!(v["summary"]["suppressed"], 1);
}

#[test]
fn readme_rule_table_is_current() {
    let readme = fs::read_to_string(common::root().join("README.md")).unwrap();
    let out = common::dozen()
        .args(["rules", "--format", "markdown"])
        .output()
        .unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        readme.contains(table.trim()),
        "README.md's rule table is out of date; paste `dozen rules --format markdown`:\n{table}"
    );
}

#[test]
fn baseline_hides_recorded_findings_and_reports_new_ones() {
    let dir = tree(&[("Dockerfile", "FROM node\nFROM python:3.12\n")]);
    let out = common::check(dir.path(), &["--write-baseline", "dozen-baseline.json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Unrelated edits move lines; recorded findings stay hidden, a new one shows.
    fs::write(
        dir.path().join("Dockerfile"),
        "# comment\nFROM node\n\nFROM python:3.12\nFROM ruby\n",
    )
    .unwrap();
    let out = common::check(
        dir.path(),
        &["--baseline", "dozen-baseline.json", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1));
    let v = common::json(&out);
    let lines: Vec<u64> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["start"]["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [5]);
    assert_eq!(v["summary"]["suppressed"], 2);
    // SARIF keeps baselined results, marked external.
    let out = common::check(
        dir.path(),
        &["--baseline", "dozen-baseline.json", "--format", "sarif"],
    );
    let v = common::json(&out);
    let kinds: Vec<&str> = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["suppressions"][0]["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["external", "external"]);
    let out = common::check(dir.path(), &["--baseline", "missing.json"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn markdown_report_has_the_compliance_table() {
    let dir = tree(&[("Dockerfile", "FROM node\n")]);
    let out = common::check(dir.path(), &["--format", "markdown"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("| II Dependencies | ❌ fail | 1 | 0 | 0 |"),
        "{text}"
    );
    assert!(text.contains("`Dockerfile:1:6`"), "{text}");
}

#[test]
fn init_writes_a_config_that_loads() {
    let dir = tree(&[("Dockerfile", "FROM python:3.12\n")]);
    let out = common::dozen()
        .current_dir(dir.path())
        .arg("init")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("- id: dozen"));
    assert!(dir.path().join("dozen.toml").is_file());
    let out = common::check(dir.path(), &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = common::dozen()
        .current_dir(dir.path())
        .arg("init")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "init must not overwrite");
}

#[test]
fn docs_rules_md_is_current() {
    let docs = fs::read_to_string(common::root().join("docs/rules.md")).unwrap();
    let out = common::dozen().args(["explain", "--all"]).output().unwrap();
    assert!(
        docs == String::from_utf8(out.stdout).unwrap(),
        "docs/rules.md is out of date: run `scripts/update-readme-rules`"
    );
}

#[test]
fn rules_turned_off_still_mask_secrets_and_record_facts() {
    // The secret rule is off, yet another rule's code frame on the same line must not
    // print the secret.
    let dir = tree(&[
        ("dozen.toml", "[rules]\n\"hardcoded-secret\" = \"off\"\n"),
        (
            "app.py",
            // dozen: ignore[hardcoded-secret] (a made-up token the test plants)
            "import logging\nlogging.FileHandler('a.log'); api_token = 'ghp_0123456789abcdefghijABCDEFGHIJ012345'\n",
        ),
    ]);
    let out = common::check(dir.path(), &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("log-to-file"), "{text}");
    assert!(!text.contains("ghp_0123456789abcdefghij"), "{text}");
}
