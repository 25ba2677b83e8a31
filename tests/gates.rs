//! Gates and trigger words only skip work: with them all off (`DOZEN_NO_GATES=1`) every
//! rule analyses every file of its kinds, and the findings must be the same. Only
//! `parse-error` notes may differ, as a file no rule needs parsed is never parsed.

mod common;

use serde_json::Value;
use std::path::Path;

/// The findings of a scan of `dir`, `parse-error` notes left out.
fn findings(dir: &Path, gates: bool) -> Vec<Value> {
    let mut cmd = common::dozen();
    if !gates {
        cmd.env("DOZEN_NO_GATES", "1");
    }
    let out = cmd
        .current_dir(dir)
        .args(["check", "--format", "json", "."])
        .output()
        .expect("runs");
    assert!(matches!(out.status.code(), Some(0 | 1)), "{out:?}");
    common::json(&out)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] != "parse-error")
        .cloned()
        .collect()
}

fn assert_gates_lose_nothing(dir: &Path) {
    let gated = findings(dir, true);
    let full = findings(dir, false);
    for f in &full {
        assert!(
            gated.contains(f),
            "a gate hid this finding in {}: {f:#}",
            dir.display()
        );
    }
    assert_eq!(
        gated,
        full,
        "gates changed the findings in {}",
        dir.display()
    );
    assert!(
        !full.is_empty(),
        "{} has findings to compare",
        dir.display()
    );
}

#[test]
fn gates_lose_no_finding_in_the_fixtures() {
    assert_gates_lose_nothing(&common::root().join("fixtures"));
}

#[test]
fn gates_lose_no_finding_in_the_conformance_material() {
    let Some(shared) = common::shared() else {
        return;
    };
    assert_gates_lose_nothing(&shared.join("conformance"));
}
