//! Hostile inputs: the scan never panics, hangs or loses findings in other files; each bad
//! file yields at most a `parse-error` note with a reason.

mod common;

use serde_json::Value;
use std::fs;
use std::path::Path;

/// A tree with one known finding beside the hostile files, so "nothing lost" is checked.
fn tree_with_canary() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("Dockerfile"), "FROM node\n").unwrap();
    dir
}

fn scan(dir: &Path) -> Value {
    let out = common::check(dir, &["--format", "json", "."]);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    common::json(&out)
}

fn assert_canary(v: &Value) {
    let found = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["path"] == "Dockerfile" && f["rule"] == "unpinned-image");
    assert!(found, "the finding in the good file was lost: {v:#}");
}

fn notes_for<'a>(v: &'a Value, path: &str) -> Vec<&'a Value> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] == path)
        .collect()
}

#[test]
fn binary_and_invalid_utf8_files() {
    let dir = tree_with_canary();
    fs::write(
        dir.path().join("app.py"),
        b"\x00\x01\x02\xff\xfe logging.FileHandler",
    )
    .unwrap();
    fs::write(
        dir.path().join("bad.py"),
        b"import logging\nx = '\xff\xfe'\nlogging.FileHandler('a')\n",
    )
    .unwrap();
    let v = scan(dir.path());
    assert_canary(&v);
    let notes = notes_for(&v, "app.py");
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["rule"], "parse-error");
    assert!(notes[0]["message"].as_str().unwrap().contains("binary"));
    // Invalid UTF-8 is decoded leniently: the finding after it is still found, on line 3.
    let bad = notes_for(&v, "bad.py");
    assert!(
        bad.iter()
            .any(|f| f["rule"] == "log-to-file" && f["start"]["line"] == 3),
        "{bad:?}"
    );
}

#[test]
fn bom_and_crlf_keep_positions() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("Dockerfile"),
        b"\xEF\xBB\xBFFROM node\r\n\r\nFROM  ruby\r\n",
    )
    .unwrap();
    let v = scan(dir.path());
    let pos: Vec<(u64, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["start"]["line"].as_u64().unwrap(),
                f["start"]["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(pos, [(1, 6), (3, 7)]);
}

#[test]
fn empty_and_truncated_files_of_every_kind() {
    let dir = tree_with_canary();
    let files = [
        ("empty.py", ""),
        ("empty.js", ""),
        ("empty.rs", ""),
        ("sub/Dockerfile", ""),
        ("trunc.py", "import logging\nlogging.FileHandler('a'"),
        (
            "trunc.ts",
            "import winston from 'winston';\nnew winston.transports.File({",
        ),
        (
            "trunc.rs",
            "use tracing_appender::rolling;\nfn main() { rolling::daily(",
        ),
        ("trunc/Dockerfile", "FROM node AS \\"),
        ("trunc2/Dockerfile", "RUN <<EOF\napt-get install x\n"),
        ("settings.json", "{\"a\": [1, 2"),
        ("Cargo.toml", "[package\nname = "),
        ("package.json", "{\"dependencies\": {\"a\": "),
        ("ci.yml", "a: [b, {c: "),
        (
            ".github/workflows/w.yml",
            "jobs:\n  a:\n    steps:\n      - uses: actions/checkout@",
        ),
    ];
    for (p, text) in files {
        let path = dir.path().join(p);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    let v = scan(dir.path());
    assert_canary(&v);
}

#[test]
fn huge_single_line_file_is_skipped_with_a_note() {
    let dir = tree_with_canary();
    let mut big = String::from("var a=require('winston');");
    while big.len() < 20 * 1024 * 1024 {
        big.push_str("function f(a,b){return a+b};var x=[1,2,3].map(function(y){return y*2});");
    }
    fs::write(dir.path().join("bundle.min.js"), &big).unwrap();
    let v = scan(dir.path());
    assert_canary(&v);
    let notes = notes_for(&v, "bundle.min.js");
    assert_eq!(notes.len(), 1);
    assert!(notes[0]["message"].as_str().unwrap().contains("limit"));
}

#[test]
fn deep_nesting_in_every_language() {
    let dir = tree_with_canary();
    let n = 100_000;
    let deep = |open: &str, close: &str, inner: &str| {
        format!("{}{}{}", open.repeat(n), inner, close.repeat(n))
    };
    let files = [
        ("deep.json", deep("[", "]", "1")),
        ("deep.toml", format!("a = {}\n", deep("[", "]", "1"))),
        ("deep.yml", format!("a: {}\n", deep("[", "]", "1"))),
        (
            "deep2.yaml",
            (0..n)
                .map(|i| format!("{}- \n", " ".repeat(i % 200)))
                .collect(),
        ),
        (
            "deep.py",
            format!(
                "import logging\nx = {}\nlogging.FileHandler('a')\n",
                deep("(", ")", "1")
            ),
        ),
        (
            "deep.js",
            format!(
                "const winston = require('winston');\nconst x = {};\n",
                deep("[", "]", "1")
            ),
        ),
        (
            "deep.rs",
            format!(
                "use tracing_appender::rolling;\nfn f() {{ let x = {}; }}\n",
                deep("(", ")", "1")
            ),
        ),
        (
            "package.json",
            format!("{{\"dependencies\": {}}}", deep("{\"a\":", "}", "1")),
        ),
        (
            "Cargo.toml",
            format!("[dependencies]\na = {}\n", deep("{ b = ", "}", "1")),
        ),
    ];
    for (p, text) in &files {
        fs::write(dir.path().join(p), text).unwrap();
    }
    let v = scan(dir.path());
    assert_canary(&v);
    // Python recovers around the deep expression and still finds the handler.
    assert!(
        notes_for(&v, "deep.py")
            .iter()
            .any(|f| f["rule"] == "log-to-file")
    );
}

#[cfg(unix)]
#[test]
fn links_fifos_and_odd_entries_are_never_followed_or_opened() {
    use std::os::unix::fs::symlink;
    let dir = tree_with_canary();
    let outside = tempfile::tempdir().unwrap();
    fs::write(
        outside.path().join("Dockerfile"),
        "FROM secret-outside-image\n",
    )
    .unwrap();
    let root = dir.path();
    symlink(outside.path(), root.join("outside-dir")).unwrap();
    symlink(
        outside.path().join("Dockerfile"),
        root.join("Dockerfile.outside"),
    )
    .unwrap();
    symlink(root.join("loop"), root.join("loop")).unwrap();
    fs::create_dir(root.join("a")).unwrap();
    symlink(root.join("a"), root.join("a/back")).unwrap();
    symlink(root.join("nope"), root.join("dangling.py")).unwrap();
    fs::create_dir(root.join("looks_like_file.py")).unwrap();
    let fifo = root.join("fifo.py");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let v = scan(root);
    assert_canary(&v);
    let text = v.to_string();
    assert!(
        !text.contains("secret-outside-image"),
        "followed a link out of the tree"
    );
    // Named explicitly, a link out of the tree is still not followed; a FIFO not opened.
    let out = common::check(
        root,
        &[
            "--format",
            "json",
            "Dockerfile.outside",
            "fifo.py",
            "Dockerfile",
        ],
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("secret-outside-image"));
    assert_eq!(out.status.code(), Some(1));
}

#[cfg(unix)]
#[test]
fn unreadable_files_are_noted_not_fatal() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tree_with_canary();
    let p = dir.path().join("secret.py");
    fs::write(&p, "import logging\nlogging.FileHandler('x')\n").unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&p).is_ok() {
        eprintln!("SKIPPED: running as root, permissions do not stop reads");
        return;
    }
    let v = scan(dir.path());
    assert_canary(&v);
    let notes = notes_for(&v, "secret.py");
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["rule"], "parse-error");
}

#[test]
fn closed_stdout_pipe_exits_quietly() {
    let fixtures = common::root().join("fixtures");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("dozen"))
        .args(["check", "."])
        .current_dir(&fixtures)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{:?}", out.status);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn findings_per_file_are_bounded_with_a_note() {
    let dir = tree_with_canary();
    let mut text = String::from("import logging\n");
    for i in 0..1500 {
        text.push_str(&format!("h{i} = logging.FileHandler('a{i}.log')\n"));
    }
    fs::write(dir.path().join("many.py"), text).unwrap();
    let v = scan(dir.path());
    assert_canary(&v);
    let found = notes_for(&v, "many.py");
    assert_eq!(found.len(), 1001);
    assert!(found.iter().any(|f| f["rule"] == "parse-error"
        && f["message"].as_str().unwrap().contains("500 more findings")));
}

/// Property: every finding lies inside its file, and the output does not depend on the
/// order in which the file system lists directory entries.
#[test]
fn locations_lie_inside_files_and_listing_order_does_not_matter() {
    let fixtures = common::root().join("fixtures");
    let v = scan(&fixtures);
    for f in v["findings"].as_array().unwrap() {
        let path = fixtures.join(f["path"].as_str().unwrap());
        let text = String::from_utf8_lossy(&fs::read(&path).unwrap()).into_owned();
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_owned();
        let lines: Vec<&str> = text.split('\n').collect();
        let (sl, sc) = (
            f["start"]["line"].as_u64().unwrap() as usize,
            f["start"]["column"].as_u64().unwrap() as usize,
        );
        let (el, ec) = (
            f["end"]["line"].as_u64().unwrap() as usize,
            f["end"]["column"].as_u64().unwrap() as usize,
        );
        assert!(sl >= 1 && sl <= lines.len().max(1), "{f}");
        assert!(el >= sl && el <= lines.len().max(1), "{f}");
        assert!(sc >= 1 && sc <= lines[sl - 1].chars().count() + 1, "{f}");
        assert!(ec >= 1 && ec <= lines[el - 1].chars().count() + 1, "{f}");
    }
    // The same files created in opposite orders (directory entries come back in
    // creation order on many file systems) give the same bytes.
    let files: Vec<(String, Vec<u8>)> = walk_files(&fixtures.join("log-to-file"));
    let make = |rev: bool| {
        let dir = tempfile::tempdir().unwrap();
        let mut list = files.clone();
        if rev {
            list.reverse();
        }
        for (rel, bytes) in &list {
            let p = dir.path().join(rel);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, bytes).unwrap();
        }
        dir
    };
    let (a, b) = (make(false), make(true));
    let out_a = common::check(a.path(), &["--format", "json", "--threads", "2"]);
    let out_b = common::check(b.path(), &["--format", "json", "--threads", "2"]);
    assert_eq!(out_a.stdout, out_b.stdout);
}

fn walk_files(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.push((rel, fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn minified_bundles_are_read_for_credential_formats_only() {
    let dir = tree_with_canary();
    let key = ["AKIA", "HBRPOIG8F1CBFNO6"].concat();
    let bundle = format!(
        "/*! vendored lib */\n!function(){{var k=\"{key}\";{}require(\"express\")().listen(3000)}}();\n",
        "a.b(c,function(){return d});".repeat(300)
    );
    fs::write(dir.path().join("vendor.bundle.js"), &bundle).unwrap();
    // The same code laid out by hand is analysed in full.
    fs::write(
        dir.path().join("server.js"),
        "const app = require(\"express\")();\napp.listen(3000);\n",
    )
    .unwrap();
    let v = scan(dir.path());
    assert_canary(&v);
    let rules_in = |path: &str| -> Vec<String> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["path"] == path)
            .map(|f| f["rule"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(rules_in("vendor.bundle.js"), ["hardcoded-secret"], "{v:#}");
    assert!(
        rules_in("server.js").contains(&"hardcoded-port".to_owned()),
        "{v:#}"
    );
}
