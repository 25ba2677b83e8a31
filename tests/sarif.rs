//! SARIF output validated against the OASIS 2.1.0 schema, plus code scanning's needs.

mod common;

use serde_json::Value;

fn sarif_for(dir: &std::path::Path) -> Value {
    let out = common::check(dir, &["--format", "sarif", "."]);
    assert!(matches!(out.status.code(), Some(0 | 1)));
    common::json(&out)
}

#[test]
fn sarif_is_valid_against_the_schema() {
    let Some(shared) = common::shared() else {
        return;
    };
    let schema: Value = serde_json::from_slice(
        &std::fs::read(shared.join("schemas/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft4::new(&schema).expect("schema compiles");
    let sarif = sarif_for(&common::root().join("fixtures"));
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(10)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn sarif_carries_what_code_scanning_reads() {
    let v = sarif_for(&common::root().join("fixtures"));
    let run = &v["runs"][0];
    assert_eq!(v["runs"].as_array().unwrap().len(), 1);
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for r in rules {
        for key in [
            "id",
            "shortDescription",
            "fullDescription",
            "help",
            "helpUri",
            "defaultConfiguration",
        ] {
            assert!(!r[key].is_null(), "rule {} lacks {key}", r["id"]);
        }
        assert!(
            r["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("## Why is this bad?")
        );
        let tags = r["properties"]["tags"].as_array().unwrap();
        assert!(
            tags.iter()
                .any(|t| t.as_str().unwrap().starts_with("twelve-factor/"))
        );
        if let Some(s) = r["properties"]["security-severity"].as_str() {
            assert!(tags.iter().any(|t| t == "security"));
            let n: f64 = s.parse().unwrap();
            assert!((0.1..=10.0).contains(&n));
        }
    }
    let image = rules.iter().find(|r| r["id"] == "unpinned-image").unwrap();
    assert!(image["properties"]["security-severity"].is_string());
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(
            !loc["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .starts_with('/')
        );
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(r["partialFingerprints"]["primaryLocationLineHash"].is_string());
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
    }
}

#[test]
fn fingerprints_survive_unrelated_edits() {
    let dir = tempfile::tempdir().unwrap();
    let df = dir.path().join("Dockerfile");
    std::fs::write(&df, "FROM node\nFROM python:3.12\n").unwrap();
    let before = sarif_for(dir.path());
    std::fs::write(
        &df,
        "# a new comment\n\nFROM node\n# another\nFROM python:3.12\n",
    )
    .unwrap();
    let after = sarif_for(dir.path());
    let fps = |v: &Value| -> Vec<String> {
        v["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["partialFingerprints"]["dozen/v1"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(fps(&before), fps(&after));
}

#[test]
fn suppressed_findings_stay_in_sarif_marked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("app.py"),
        "import logging\nlogging.FileHandler('a')  # dozen: ignore[log-to-file]\n",
    )
    .unwrap();
    let v = sarif_for(dir.path());
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["suppressions"][0]["kind"], "inSource");
}
