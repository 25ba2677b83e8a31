//! Runs the real binary over every rule's fixtures.
//!
//! `fixtures/<rule>/positive/` files mark each expected finding of that rule with a
//! trailing comment naming it (`# log-to-file`, `// log-to-file`), or, where trailing
//! comments are impossible (Dockerfiles), with a `# expect-next: <rule>` line above. Every
//! marker must be found and every finding of the rule must be marked. Files that cannot
//! hold comments (JSON) instead list `line: rule` pairs in a sibling `<file>.expect`.
//! `fixtures/<rule>/negative/` files must yield no finding of that rule. A
//! `fixtures/<rule>/args` file adds command-line arguments to both runs.

mod common;

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn rule_ids() -> Vec<String> {
    let out = common::dozen()
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

/// (file, line) pairs where the fixture expects `rule`.
fn expected(dir: &Path, rule: &str, ids: &[String]) -> BTreeSet<(String, u64)> {
    let mut out = BTreeSet::new();
    for entry in walk(dir) {
        let rel = entry
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if rel.ends_with(".expect") {
            let text = std::fs::read_to_string(&entry).unwrap();
            let target = rel.trim_end_matches(".expect").to_owned();
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let (n, r) = line.split_once(':').expect("`line: rule` in .expect files");
                if r.trim() == rule {
                    out.insert((target.clone(), n.trim().parse().unwrap()));
                }
            }
            continue;
        }
        let Ok(text) = std::fs::read(&entry) else {
            continue;
        };
        let text = String::from_utf8_lossy(&text);
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if let Some(rest) = line.split("expect-next:").nth(1) {
                if rest.split(',').any(|r| r.trim() == rule) {
                    // The next line that is not a comment.
                    let next = (i + 1..lines.len())
                        .find(|&j| !lines[j].trim_start().starts_with('#'))
                        .unwrap_or(i + 1);
                    out.insert((rel.clone(), next as u64 + 1));
                }
                continue;
            }
            let tail = line
                .rsplit_once("# ")
                .or_else(|| line.rsplit_once("// "))
                .map(|(_, t)| t.trim());
            if let Some(tail) = tail {
                let names: Vec<&str> = tail.split(',').map(str::trim).collect();
                if names.iter().all(|n| ids.iter().any(|id| id == n)) && names.contains(&rule) {
                    out.insert((rel.clone(), i as u64 + 1));
                }
            }
        }
    }
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn extra_args(dir: &Path) -> Vec<String> {
    let file = dir.parent().unwrap().join("args");
    std::fs::read_to_string(file)
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

fn findings(dir: &Path, rule: &str) -> (BTreeSet<(String, u64)>, Value) {
    let extra = extra_args(dir);
    let mut args: Vec<&str> = vec!["--format", "json", "."];
    args.extend(extra.iter().map(String::as_str));
    let out = common::check(dir, &args);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    let v = common::json(&out);
    let set = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    (set, v)
}

#[test]
fn every_rule_matches_its_fixtures() {
    let ids = rule_ids();
    let mut failures = Vec::new();
    for rule in &ids {
        let base = common::root().join("fixtures").join(rule);
        let positive = base.join("positive");
        let negative = base.join("negative");
        if !positive.is_dir() || !negative.is_dir() {
            failures.push(format!(
                "{rule}: missing fixtures/{rule}/positive or negative"
            ));
            continue;
        }
        let want = expected(&positive, rule, &ids);
        let (got, _) = findings(&positive, rule);
        if want.is_empty() {
            failures.push(format!(
                "{rule}: positive fixtures mark no expected finding"
            ));
        }
        for missing in want.difference(&got) {
            failures.push(format!(
                "{rule}: expected at positive/{}:{}, not reported",
                missing.0, missing.1
            ));
        }
        for extra in got.difference(&want) {
            failures.push(format!(
                "{rule}: reported at positive/{}:{} without a marker",
                extra.0, extra.1
            ));
        }
        let (got, _) = findings(&negative, rule);
        for extra in &got {
            failures.push(format!(
                "{rule}: false positive at negative/{}:{}",
                extra.0, extra.1
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "fixture mismatches:\n{}",
        failures.join("\n")
    );
}

/// The rendered text output per rule, as users see it.
#[test]
fn text_output_snapshots() {
    for rule in rule_ids() {
        let dir = common::root().join("fixtures").join(&rule).join("positive");
        if !dir.is_dir() {
            continue;
        }
        let extra = extra_args(&dir);
        let mut args: Vec<&str> = vec!["--quiet", "."];
        args.extend(extra.iter().map(String::as_str));
        let out = common::check(&dir, &args);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        insta::with_settings!({ snapshot_suffix => rule.clone(), prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!("text", text);
        });
    }
}
