//! Dependency-manifest rules end to end where fixtures cannot reach: configuration
//! (`policy = "strict"`), include cycles, links out of the scan root, hostile input.

mod common;

use serde_json::Value;
use std::fs;
use std::path::Path;

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    dir
}

/// (path, line, rule, severity) of every finding in a scan of `dir`.
fn scan(dir: &Path, args: &[&str]) -> Vec<(String, u64, String, String)> {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let out = common::check(dir, &all);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = common::json(&out);
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["start"]["line"].as_u64().unwrap(),
                f["rule"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn of_rule(findings: &[(String, u64, String, String)], rule: &str) -> Vec<(String, u64)> {
    findings
        .iter()
        .filter(|f| f.2 == rule)
        .map(|f| (f.0.clone(), f.1))
        .collect()
}

const REQS: &str = "requests==2.31.0\n\
six==1.16.0 --hash=sha256:8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254\n\
-e .\n\
lib @ git+https://github.com/org/lib.git@0123456789abcdef0123456789abcdef01234567\n\
https://example.com/a-1.0.tar.gz#sha256=8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254\n\
flask>=2\n";

#[test]
fn strict_policy_wants_hashes_on_requirements() {
    let standard = tree(&[("requirements.txt", REQS)]);
    let found = scan(standard.path(), &["."]);
    assert_eq!(
        of_rule(&found, "unpinned-requirement"),
        vec![("requirements.txt".to_owned(), 6)],
        "{found:?}"
    );
    let strict = tree(&[
        ("requirements.txt", REQS),
        ("dozen.toml", "policy = \"strict\"\n"),
    ]);
    let found = scan(strict.path(), &["."]);
    // `requests==2.31.0` has no hash; the hashed, local, commit-pinned and
    // hash-fragment entries pass; the range is flagged as before.
    assert_eq!(
        of_rule(&found, "unpinned-requirement"),
        vec![
            ("requirements.txt".to_owned(), 1),
            ("requirements.txt".to_owned(), 6)
        ],
        "{found:?}"
    );
}

#[test]
fn include_cycles_terminate_and_constraints_flow_through_them() {
    let dir = tree(&[
        (
            "requirements.txt",
            "-r requirements-b.txt\n-c c1.txt\nrequests\n",
        ),
        ("requirements-b.txt", "-r requirements.txt\nflask==3.0.0\n"),
        ("c1.txt", "-c c2.txt\n-r c1.txt\n"),
        ("c2.txt", "-c c1.txt\nrequests==2.31.0\n"),
        ("self.txt", ""),
        ("requirements-self.txt", "-r requirements-self.txt\nclick\n"),
    ]);
    let found = scan(dir.path(), &["."]);
    assert_eq!(
        of_rule(&found, "unpinned-requirement"),
        vec![("requirements-self.txt".to_owned(), 2)],
        "{found:?}"
    );
}

#[cfg(unix)]
#[test]
fn links_out_of_the_root_count_for_nothing() {
    let outside = tree(&[
        ("package-lock.json", "{}"),
        ("constraints.txt", "requests==2.31.0\n"),
    ]);
    let dir = tree(&[
        (
            "package.json",
            r#"{"dependencies": {"express": "^4.18.2"}}"#,
        ),
        ("requirements.txt", "-c constraints.txt\nrequests\n"),
    ]);
    std::os::unix::fs::symlink(
        outside.path().join("package-lock.json"),
        dir.path().join("package-lock.json"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("constraints.txt"),
        dir.path().join("constraints.txt"),
    )
    .unwrap();
    let found = scan(dir.path(), &["."]);
    assert_eq!(
        of_rule(&found, "missing-lockfile"),
        vec![("package.json".to_owned(), 1)],
        "{found:?}"
    );
    // The constraints link is not followed: a note, and `requests` is not judged.
    let req: Vec<_> = found
        .iter()
        .filter(|f| f.2 == "unpinned-requirement")
        .map(|f| (f.1, f.3.as_str()))
        .collect();
    assert_eq!(req, vec![(1, "note")], "{found:?}");
}

#[test]
fn lockfiles_above_the_scan_root_are_not_seen() {
    let dir = tree(&[
        (
            "package.json",
            r#"{"private": true, "workspaces": ["app"]}"#,
        ),
        ("package-lock.json", "{}"),
        (
            "app/package.json",
            r#"{"dependencies": {"express": "^4.18.2"}}"#,
        ),
    ]);
    // Scanning the whole tree: the member's lockfile is at the workspace root.
    assert!(of_rule(&scan(dir.path(), &["."]), "missing-lockfile").is_empty());
    // Scanning only `app/`: its root is the scan root, and the lockfile is above it.
    let found = scan(&dir.path().join("app"), &["."]);
    assert_eq!(
        of_rule(&found, "missing-lockfile"),
        vec![("package.json".to_owned(), 1)]
    );
}

#[test]
fn hostile_manifests_are_parse_errors_not_crashes() {
    let deep_json = format!("{{\"dependencies\": {}", "[".repeat(100_000));
    let deep_toml = format!("[dependencies]\nx = {}\n", "[".repeat(100_000));
    let dotted = format!("[dependencies]\n{} = \"*\"\n", vec!["k"; 50_000].join("."));
    let dir = tree(&[
        ("a/package.json", &deep_json),
        ("b/Cargo.toml", &deep_toml),
        ("c/Cargo.toml", &dotted),
        ("d/requirements.txt", &"\\\n".repeat(50_000)),
        ("e/Gemfile", &"gem(".repeat(50_000)),
        ("f/composer.json", "{\"require\": {\"a/b\": \"*\",}}"),
        (
            "g/pyproject.toml",
            "[project\ndependencies = [\"x @ git+https://g/x@main\"]",
        ),
    ]);
    let found = scan(dir.path(), &["."]);
    let errors: Vec<&str> = found
        .iter()
        .filter(|f| f.2 == "parse-error")
        .map(|f| f.0.as_str())
        .collect();
    for p in [
        "a/package.json",
        "b/Cargo.toml",
        "f/composer.json",
        "g/pyproject.toml",
    ] {
        assert!(errors.contains(&p), "{p}: {found:?}");
    }
    // What parsed before the error still counts.
    assert!(
        of_rule(&found, "unpinned-manifest-dependency")
            .contains(&("f/composer.json".to_owned(), 1)),
        "{found:?}"
    );
}

#[test]
fn a_manifest_named_alone_from_outside_the_root_stays_in_its_directory() {
    let dir = tree(&[
        ("proj/package.json", r#"{"dependencies": {"a": "*"}}"#),
        ("proj/yarn.lock", ""),
        ("cwd/.keep", ""),
    ]);
    let out = common::dozen()
        .current_dir(dir.path().join("cwd"))
        .args(["check", "--format", "json", "../proj/package.json"])
        .output()
        .unwrap();
    let v = common::json(&out);
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, vec!["unpinned-manifest-dependency"], "{v}");
}

#[test]
fn credentials_in_dependency_urls_are_never_printed() {
    // dozen: ignore[hardcoded-secret] (a made-up token the test plants)
    let token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
    let dir = tree(&[
        (
            "package.json",
            &format!(
                r#"{{"dependencies": {{"a": "git+https://u:{token}@github.com/o/a.git#main", "b": "git+https:\/\/u:{token}@github.com\/o\/b.git#main"}}}}"#
            ),
        ),
        ("package-lock.json", "{}"),
        (
            "requirements.txt",
            &format!(
                "git+https://{token}@github.com/o/c.git@main#egg=c\n-r https://u:{token}@example.com/r.txt\n"
            ),
        ),
        (
            "Cargo.toml",
            &format!("[dependencies]\nd = {{ git = \"https://u:{token}@github.com/o/d\" }}\n"),
        ),
        (
            "Gemfile",
            &format!("gem \"e\", git: \"https://u:{token}@github.com/o/e.git\"\n"),
        ),
        ("Gemfile.lock", ""),
    ]);
    for format in ["text", "json", "sarif", "github"] {
        let out = common::check(dir.path(), &["--format", format, "."]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("unpinned-"), "{format}: {text}");
        assert!(
            !text.contains(&token[..8]),
            "{format} leaks the token:\n{text}"
        );
    }
}
