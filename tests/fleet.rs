//! `dozen fleet` through the real binary, offline: a fleet of tiny local git repositories
//! served as `file://` URLs, scanned whole and in shards as separate processes, merged.

mod common;

use serde_json::Value;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DIGEST: &str = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
// dozen: ignore[hardcoded-secret] (a made-up credential the tests plant and look for)
const SECRET: &str = "s3cretTOKENvalue";

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A git repository with `files`, committed (and tagged `v1`).
fn repo(root: &Path, name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = root.join(name);
    fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q"]);
    write_files(&dir, files);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-q", "-m", "init"]);
    git(&dir, &["tag", "v1"]);
    dir
}

fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = dir.join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
}

fn url(p: &Path) -> String {
    format!("file://{}", p.display())
}

struct Fleet {
    tmp: tempfile::TempDir,
    list: PathBuf,
}

impl Fleet {
    fn path(&self, p: &str) -> PathBuf {
        self.tmp.path().join(p)
    }
}

/// Five repositories: findings, clean and pinned, a ref, a plain local directory, and
/// one whose URL cannot be cloned.
fn fleet() -> Fleet {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let alpha = repo(
        &src,
        "alpha",
        &[
            (
                "Dockerfile",
                &format!("FROM python:latest\nFROM node:20@{DIGEST}\n"),
            ),
            (
                "app/log.py",
                "import logging\nh = logging.FileHandler(\"/var/log/app.log\")\n",
            ),
            (
                "<img src=x onerror=alert(1)>.py",
                "import logging\nlogging.FileHandler('<b>x</b>')\n",
            ),
        ],
    );
    let beta = repo(
        &src,
        "beta",
        &[
            ("Dockerfile", &format!("FROM node:20@{DIGEST}\n")),
            ("app.py", "print('hello')\n"),
        ],
    );
    let gamma = repo(&src, "gamma", &[("Dockerfile", "FROM ubuntu:22.04\n")]);
    let plain = src.join("plain");
    write_files(&plain, &[("Dockerfile", "FROM alpine\n")]);
    let list = tmp.path().join("repos.txt");
    fs::write(
        &list,
        format!(
            "# the fleet\n{}\n\n{}   # clean\n{}@v1\nsrc/plain\nfile://{}/does-not-exist.git\n",
            url(&alpha),
            url(&beta),
            url(&gamma),
            tmp.path().display()
        ),
    )
    .unwrap();
    Fleet { tmp, list }
}

fn dozen(fleet: &Fleet) -> assert_cmd::Command {
    let mut cmd = common::dozen();
    cmd.current_dir(fleet.tmp.path())
        .env_remove("DOZEN_SHARD")
        .env_remove("DOZEN_SHARD_COUNT")
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("DOZEN_GIT_TOKEN")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1");
    cmd
}

fn scan(fleet: &Fleet, out: &str, extra: &[&str]) -> Output {
    dozen(fleet)
        .args(["fleet", "scan", "--repos"])
        .arg(&fleet.list)
        .arg("--out")
        .arg(fleet.path(out))
        .arg("--cache")
        .arg(fleet.path("cache"))
        .args(["--jobs", "2"])
        .args(extra)
        .output()
        .unwrap()
}

fn merge(fleet: &Fleet, dirs: &[&str], format: &str) -> (Output, Vec<u8>) {
    let file = fleet.path(&format!("merged-{}.{format}", dirs.join("+")));
    let out = dozen(fleet)
        .args(["fleet", "merge"])
        .args(dirs.iter().map(|d| fleet.path(d)))
        .args(["--format", format, "-o"])
        .arg(&file)
        .output()
        .unwrap();
    let bytes = fs::read(&file).unwrap_or_default();
    (out, bytes)
}

/// Result files (`<slug>.json`) in a directory, shard manifests aside.
fn results(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json") && !n.starts_with("_fleet-shard-"))
        .collect()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn scans_the_fleet_records_failures_and_merges_shards_identically() {
    let f = fleet();
    let all = scan(&f, "all", &[]);
    // One repository cannot be cloned: recorded, the others scanned, exit 2.
    assert_eq!(all.status.code(), Some(2), "{}", stderr(&all));
    let names = results(&f.path("all"));
    assert_eq!(names.len(), 5, "{names:?}");
    let mut errors = 0;
    for n in &names {
        let v = read_json(&f.path("all").join(n));
        assert_eq!(v["kind"], "dozen-fleet-repository");
        assert_eq!(v["tool"]["version"], env!("CARGO_PKG_VERSION"));
        let id = v["repository"]["id"].as_str().unwrap();
        if id.ends_with("does-not-exist") {
            errors += 1;
            assert!(v["error"].as_str().unwrap().contains("git fetch"), "{v}");
            assert!(v["findings"].as_array().unwrap().is_empty());
            assert!(!f.path("all").join(n.replace(".json", ".sarif")).exists());
        } else {
            assert!(v["error"].is_null(), "{id}: {}", v["error"]);
            assert!(f.path("all").join(n.replace(".json", ".sarif")).exists());
        }
        if id == "src/plain" {
            assert_eq!(v["vcs"], "none");
            assert!(v["commit"].is_null());
        } else if !id.ends_with("does-not-exist") {
            assert_eq!(v["vcs"], "git");
            assert_eq!(v["commit"].as_str().unwrap().len(), 40);
        }
        if id.ends_with("/alpha") {
            assert_eq!(v["inventory"]["images.total"], 2);
            assert_eq!(v["inventory"]["images.pinned"], 1);
            let rules: Vec<&str> = v["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["rule"].as_str().unwrap())
                .collect();
            assert_eq!(
                rules,
                ["log-to-file", "unpinned-image", "log-to-file"],
                "{v}"
            );
        }
        if id.ends_with("/gamma@v1") {
            assert_eq!(v["repository"]["ref"], "v1");
        }
    }
    assert_eq!(errors, 1);
    assert!(
        stderr(&all).contains("does-not-exist: error:"),
        "{}",
        stderr(&all)
    );

    // --exit-zero leaves the verdict to the merge, writing the same results.
    let zero = scan(&f, "zero", &["--exit-zero"]);
    assert_eq!(zero.status.code(), Some(0), "{}", stderr(&zero));
    assert_eq!(results(&f.path("zero")), names);

    // Three shards as separate processes: disjoint, and together the whole list.
    let mut union = BTreeSet::new();
    let mut total = 0;
    for i in 1..=3 {
        let out = scan(&f, &format!("s{i}"), &["--shard", &format!("{i}/3")]);
        assert!(matches!(out.status.code(), Some(0..=2)), "{}", stderr(&out));
        let names = results(&f.path(&format!("s{i}")));
        assert!(
            (1..=2).contains(&names.len()),
            "shards are balanced: {names:?}"
        );
        total += names.len();
        union.extend(names);
        assert!(
            f.path(&format!("s{i}/_fleet-shard-{i}-of-3.json"))
                .is_file()
        );
    }
    assert_eq!(total, union.len(), "shards overlap");
    assert_eq!(union, names, "shards miss repositories");

    // Merging the shards gives exactly the unsharded report, in every format.
    for format in ["json", "sarif", "markdown", "html"] {
        let (o1, whole) = merge(&f, &["all"], format);
        let (o2, sharded) = merge(&f, &["s3", "s1", "s2"], format);
        assert_eq!(o1.status.code(), Some(2), "{format}: {}", stderr(&o1));
        assert_eq!(o2.status.code(), Some(2), "{format}: {}", stderr(&o2));
        assert!(!whole.is_empty());
        assert!(
            whole == sharded,
            "{format}: merged shards differ from the unsharded scan"
        );
    }
    let (_, json) = merge(&f, &["all"], "json");
    let v: Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(v["kind"], "dozen-fleet-report");
    assert_eq!(v["totals"]["repositories"], 5);
    assert_eq!(v["totals"]["failed"], 1);
    let findings = v["findings"].as_array().unwrap();
    for finding in findings {
        for key in [
            "repository",
            "rule",
            "factor",
            "severity",
            "path",
            "line",
            "column",
            "message",
            "fingerprint",
        ] {
            assert!(!finding[key].is_null(), "{key} missing: {finding}");
        }
    }
    let keys: Vec<(String, String, u64)> = findings
        .iter()
        .map(|f| {
            (
                f["repository"].as_str().unwrap().to_owned(),
                f["path"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "findings are sorted");
    // alpha: 2 images (1 pinned); beta: 1 pinned; gamma: 1 tag; plain: 1 untagged.
    assert_eq!(v["coverage"]["images"]["total"], 5);
    assert_eq!(v["coverage"]["images"]["pinned"], 2);
    assert!(v["coverage"]["actions"]["share"].is_null());
    let beta = v["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"].as_str().unwrap().ends_with("/beta"))
        .unwrap();
    assert_eq!(beta["coverage"]["images"]["share"], 1.0);
    let factors = beta["factors"].as_array().unwrap();
    assert_eq!(factors.len(), 12);
    assert_eq!(factors[1]["status"], "pass");
    assert_eq!(factors[0]["status"], "not-assessed");

    // A result left from an earlier scan (listed by no shard manifest) is ignored.
    let mut old = read_json(&f.path("all").join(names.iter().next().unwrap()));
    old["repository"]["id"] = "file:///gone".into();
    old["repository"]["slug"] = "gone-00000000".into();
    let stale = f.path("s1/gone-00000000.json");
    fs::write(&stale, old.to_string()).unwrap();
    let (o, again) = merge(&f, &["s1", "s2", "s3"], "json");
    assert!(
        stderr(&o).contains("ignored 1 result file"),
        "{}",
        stderr(&o)
    );
    assert!(again == json);
    fs::remove_file(stale).unwrap();

    // A missing shard is reported, and the exit code says so.
    let (out, _) = merge(&f, &["s1", "s2"], "json");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("shard 3/3 is missing"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn shards_come_from_the_environment_and_bad_specs_are_usage_errors() {
    let f = fleet();
    let by_flag = scan(&f, "flag", &["--shard", "2/3"]);
    assert!(matches!(by_flag.status.code(), Some(0..=2)));
    let out = dozen(&f)
        .env("DOZEN_SHARD", "2/3")
        .args(["fleet", "scan", "--repos"])
        .arg(&f.list)
        .args(["--out", "env", "--cache", "cache"])
        .output()
        .unwrap();
    assert!(matches!(out.status.code(), Some(0..=2)), "{}", stderr(&out));
    let out = dozen(&f)
        .env("JOB_COMPLETION_INDEX", "1")
        .env("DOZEN_SHARD_COUNT", "3")
        .args(["fleet", "scan", "--repos"])
        .arg(&f.list)
        .args(["--out", "k8s", "--cache", "cache"])
        .output()
        .unwrap();
    assert!(matches!(out.status.code(), Some(0..=2)), "{}", stderr(&out));
    let expected = results(&f.path("flag"));
    assert!(!expected.is_empty());
    assert_eq!(results(&f.path("env")), expected);
    assert_eq!(results(&f.path("k8s")), expected);

    for (env, args) in [
        (None, vec!["--shard", "4/3"]),
        (None, vec!["--shard", "0/3"]),
        (None, vec!["--shard", "x"]),
        (Some(("DOZEN_SHARD", "3/2")), vec![]),
        (Some(("JOB_COMPLETION_INDEX", "0")), vec![]),
    ] {
        let mut cmd = dozen(&f);
        if let Some((k, v)) = env {
            cmd.env(k, v);
        }
        let out = cmd
            .args(["fleet", "scan", "--repos"])
            .arg(&f.list)
            .args(["--out", "bad", "--cache", "cache"])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{env:?} {args:?}");
        let err = stderr(&out);
        assert_eq!(err.trim_end().lines().count(), 1, "{env:?} {args:?}: {err}");
        assert!(!f.path("bad").exists(), "nothing scanned on a usage error");
    }
}

#[test]
fn credentials_never_reach_output() {
    let f = fleet();
    fs::write(
        &f.list,
        format!(
            "https://user:{SECRET}@127.0.0.1:1/o/r.git\nhttps://127.0.0.1:1/o/s.git\n{}\n",
            url(&f.path("src/beta"))
        ),
    )
    .unwrap();
    let out = dozen(&f)
        .env("DOZEN_GIT_TOKEN", SECRET)
        .env("DOZEN_GIT_TOKEN_HOSTS", "127.0.0.1")
        .args(["fleet", "scan", "--git-timeout", "20", "--repos"])
        .arg(&f.list)
        .args(["--out", "out", "--cache", "cache"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let mut texts = vec![
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr(&out),
    ];
    for format in ["json", "sarif", "markdown", "html"] {
        let (o, bytes) = merge(&f, &["out"], format);
        texts.push(String::from_utf8_lossy(&bytes).into_owned());
        texts.push(stderr(&o));
    }
    for entry in fs::read_dir(f.path("out")).unwrap() {
        texts.push(fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    // Nor in the cache's git configuration.
    for entry in fs::read_dir(f.path("cache")).unwrap() {
        let config = entry.unwrap().path().join(".git/config");
        texts.push(fs::read_to_string(config).unwrap_or_default());
    }
    let joined = texts.join("\n");
    assert!(!joined.contains(SECRET), "secret leaked:\n{joined}");
    assert!(joined.contains("https://127.0.0.1:1/o/r"), "{joined}");
    let v = read_json(&f.path(&format!(
        "out/{}",
        results(&f.path("out"))
            .into_iter()
            .find(|n| n.starts_with("127.0.0.1-1-o-r-"))
            .unwrap()
    )));
    assert!(v["error"].as_str().unwrap().contains("git fetch"), "{v}");
}

#[test]
fn html_is_self_contained_and_escapes_content() {
    let f = fleet();
    scan(&f, "out", &[]);
    let (_, html) = merge(&f, &["out"], "html");
    let html = String::from_utf8(html).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    let lower = html.to_ascii_lowercase();
    for asset in [
        "src=\"http",
        "src='http",
        "src=http",
        "<link",
        "@import",
        "url(http",
    ] {
        assert!(!lower.contains(asset), "external asset `{asset}`");
    }
    assert!(!html.contains("<img src=x"), "file name not escaped");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;.py"));
    assert!(html.contains("<details class=\"repo\""));
    assert!(html.contains("not scanned"));
    // Exactly the inline script and style blocks dozen writes.
    assert_eq!(lower.matches("<script").count(), 1);
    assert_eq!(lower.matches("<style").count(), 1);
}

#[test]
fn cached_checkouts_are_updated() {
    let f = fleet();
    fs::write(&f.list, format!("{}\n", url(&f.path("src/beta")))).unwrap();
    let first = scan(&f, "one", &[]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let slug = results(&f.path("one")).into_iter().next().unwrap();
    let v1 = read_json(&f.path("one").join(&slug));
    assert!(v1["findings"].as_array().unwrap().is_empty());
    write_files(&f.path("src/beta"), &[("Dockerfile", "FROM node:latest\n")]);
    git(&f.path("src/beta"), &["commit", "-q", "-am", "unpin"]);
    let second = scan(&f, "two", &["--fail-on", "error"]);
    assert_eq!(second.status.code(), Some(1), "{}", stderr(&second));
    let v2 = read_json(&f.path("two").join(&slug));
    assert_ne!(v1["commit"], v2["commit"]);
    assert_eq!(v2["findings"][0]["rule"], "unpinned-image");
    // The repository's hooks directory is never used, and the cache holds no remote URL.
    let config = fs::read_to_string(
        f.path("cache")
            .join(slug.trim_end_matches(".json"))
            .join(".git/config"),
    )
    .unwrap();
    assert!(!config.contains("file://"), "{config}");
}

#[test]
fn merged_sarif_is_one_run_and_valid() {
    let f = fleet();
    scan(&f, "out", &[]);
    let (_, bytes) = merge(&f, &["out"], "sarif");
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let results = runs[0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        let slug = uri.split('/').next().unwrap();
        assert!(slug.contains('-') && uri.len() > slug.len() + 1, "{uri}");
        assert!(r["properties"]["repository"].is_string());
    }
    assert!(
        runs[0]["versionControlProvenance"]
            .as_array()
            .unwrap()
            .len()
            >= 3
    );
    let Some(shared) = common::shared() else {
        return;
    };
    let schema: Value =
        serde_json::from_slice(&fs::read(shared.join("schemas/sarif-schema-2.1.0.json")).unwrap())
            .unwrap();
    let validator = jsonschema::draft4::new(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&v)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(10)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // Per-repository SARIF too.
    for entry in fs::read_dir(f.path("out")).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|x| x == "sarif") {
            let errors: Vec<String> = validator
                .iter_errors(&read_json(&p))
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .take(10)
                .collect();
            assert!(errors.is_empty(), "{}: {errors:#?}", p.display());
        }
    }
}

#[test]
fn merge_links_findings_to_known_forges() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("results");
    fs::create_dir_all(&dir).unwrap();
    let commit = "0123456789abcdef0123456789abcdef01234567";
    for (location, slug) in [
        (
            "https://github.com/example-org/api",
            "github.com-example-org-api-00000001",
        ),
        (
            "ssh://gitlab.com/group/sub/app",
            "gitlab.com-group-sub-app-00000002",
        ),
        (
            "https://git.example.com/o/r",
            "git.example.com-o-r-00000003",
        ),
    ] {
        let result = serde_json::json!({
            "schema_version": 1,
            "kind": "dozen-fleet-repository",
            "tool": { "name": "dozen", "version": "0.1.0" },
            "repository": { "id": location, "slug": slug, "source": "git", "location": location, "ref": null },
            "commit": commit,
            "vcs": "git",
            "error": null,
            "findings": [{
                "rule": "unpinned-image", "severity": "error", "factor": 2, "factor_name": "Dependencies",
                "path": "deploy/Docker file", "start": { "line": 3, "column": 6 }, "end": { "line": 3, "column": 12 },
                "message": "image `<script>alert(1)</script>` has no tag", "fingerprint": "00000000000000aa"
            }],
            "summary": { "factors": [], "errors": 1, "warnings": 0, "notes": 0, "suppressed": 0, "files_scanned": 1 },
            "inventory": { "images.total": 1 }
        });
        fs::write(dir.join(format!("{slug}.json")), result.to_string()).unwrap();
    }
    let run = |format: &str| {
        let out = common::dozen()
            .args(["fleet", "merge", "--format", format])
            .arg(&dir)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    let v: Value = serde_json::from_str(&run("json")).unwrap();
    let urls: Vec<Option<&str>> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["url"].as_str())
        .collect();
    assert_eq!(
        urls,
        [
            None,
            Some(
                "https://github.com/example-org/api/blob/0123456789abcdef0123456789abcdef01234567/deploy/Docker%20file#L3"
            ),
            Some(
                "https://gitlab.com/group/sub/app/-/blob/0123456789abcdef0123456789abcdef01234567/deploy/Docker%20file#L3"
            ),
        ]
    );
    let html = run("html");
    assert!(html.contains(
        "href=\"https://github.com/example-org/api/blob/0123456789abcdef0123456789abcdef01234567/deploy/Docker%20file#L3\""
    ));
    assert!(!html.contains("<script>alert(1)"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let md = run("markdown");
    assert!(
        md.contains("(https://gitlab.com/group/sub/app/-/blob/"),
        "{md}"
    );
}
