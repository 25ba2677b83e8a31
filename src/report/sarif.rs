//! SARIF 2.1.0 for GitHub code scanning and other viewers, built with serde-sarif.
//! One run; rules carry the catalog docs; results are capped at code scanning's limit.

use crate::catalog::{self, RuleMeta};
use crate::engine::Scan;
use crate::finding::{Finding, Severity, Suppression};
use crate::rules;
use serde_json::{Value, json};
use serde_sarif::sarif;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// GitHub code scanning shows at most 5,000 results per run.
pub const MAX_RESULTS: usize = 5000;
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> sarif::ResultLevel {
    match s {
        Severity::Error => sarif::ResultLevel::Error,
        Severity::Warning => sarif::ResultLevel::Warning,
        Severity::Note => sarif::ResultLevel::Note,
    }
}

fn descriptor(meta: &RuleMeta) -> sarif::ReportingDescriptor {
    let mut tags = vec![format!(
        "twelve-factor/{}-{}",
        catalog::factor_roman(meta.factor),
        catalog::factor_name(meta.factor)
            .to_lowercase()
            .replace([' ', ',', '/'], "-")
            .replace("--", "-")
    )];
    tags.extend(meta.tags.iter().cloned());
    let mut props = BTreeMap::new();
    if let Some(s) = meta.security_severity {
        props.insert(
            "security-severity".to_owned(),
            Value::String(format!("{s:.1}")),
        );
        if !tags.iter().any(|t| t == "security") {
            tags.push("security".to_owned());
        }
    }
    props.insert("factor".to_owned(), json!(meta.factor));
    props.insert("precision".to_owned(), Value::String("high".into()));
    let text = |t: String| sarif::MultiformatMessageString::builder().text(t).build();
    sarif::ReportingDescriptor::builder()
        .id(meta.id.clone())
        .name(meta.id.clone())
        .short_description(text(meta.summary.clone()))
        .full_description(text(
            meta.docs
                .what
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        ))
        .help(
            sarif::MultiformatMessageString::builder()
                .text(meta.text())
                .markdown(meta.markdown())
                .build(),
        )
        .help_uri(meta.help_uri())
        .default_configuration(sarif::ReportingConfiguration {
            level: Some(json!(meta.severity.as_str())),
            ..Default::default()
        })
        .properties(sarif::PropertyBag {
            tags: Some(tags),
            additional_properties: props,
        })
        .build()
}

fn result(f: &Finding, rule_index: usize) -> sarif::Result {
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert("dozen/v1".to_owned(), f.fingerprint.clone());
    fingerprints.insert("primaryLocationLineHash".to_owned(), f.fingerprint.clone());
    let mut message = f.message.clone();
    if let Some(fix) = &f.fix {
        message.push_str("\nFix: ");
        message.push_str(fix);
    }
    let suppressions = f.suppressed.map(|s| {
        vec![
            sarif::Suppression::builder()
                .kind(json!(match s {
                    Suppression::Inline => "inSource",
                    Suppression::Baseline => "external",
                }))
                .build(),
        ]
    });
    let location = vec![sarif::Location {
        physical_location: Some(sarif::PhysicalLocation {
            artifact_location: Some(sarif::ArtifactLocation {
                uri: Some(uri_escape(&f.path)),
                uri_base_id: Some("%SRCROOT%".to_owned()),
                ..Default::default()
            }),
            region: Some(sarif::Region {
                start_line: Some(i64::from(f.start.line)),
                start_column: Some(i64::from(f.start.col)),
                end_line: Some(i64::from(f.end.line)),
                end_column: Some(i64::from(
                    f.end
                        .col
                        .max(f.start.col + u32::from(f.end.line == f.start.line)),
                )),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }];
    let result = sarif::Result::builder()
        .rule_id(f.rule.to_owned())
        .rule_index(rule_index as i64)
        .level(level(f.severity))
        .message(sarif::Message {
            text: Some(message),
            ..Default::default()
        })
        .locations(location)
        .partial_fingerprints(fingerprints)
        .build();
    sarif::Result {
        suppressions,
        ..result
    }
}

/// Percent-encodes what is not allowed in a relative URI reference path.
fn uri_escape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn build(scan: &Scan) -> sarif::Sarif {
    let catalog = rules::catalog();
    let descriptors: Vec<_> = catalog.iter().map(|(_, m)| descriptor(m)).collect();
    let index_of = |id: &str| catalog.iter().position(|(i, _)| *i == id).unwrap_or(0);
    let results: Vec<_> = scan
        .findings
        .iter()
        .take(MAX_RESULTS)
        .map(|f| result(f, index_of(f.rule)))
        .collect();
    let mut notifications = Vec::new();
    if scan.findings.len() > MAX_RESULTS {
        notifications.push(
            sarif::Notification::builder()
                .level(json!("warning"))
                .message(sarif::Message {
                    text: Some(format!(
                        "{} results found; only the first {MAX_RESULTS} are included (GitHub code scanning's per-run limit). Use --format json for all of them.",
                        scan.findings.len()
                    )),
                    ..Default::default()
                })
                .build(),
        );
    }
    let mut base_ids = BTreeMap::new();
    base_ids.insert(
        "%SRCROOT%".to_owned(),
        sarif::ArtifactLocation {
            description: Some(sarif::Message {
                text: Some("The root of the scanned tree".into()),
                ..Default::default()
            }),
            ..Default::default()
        },
    );
    let driver = sarif::ToolComponent::builder()
        .name("dozen")
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri("https://github.com/dozen-lint/dozen")
        .rules(descriptors)
        .build();
    let invocation = sarif::Invocation::builder()
        .execution_successful(true)
        .build();
    let invocation = sarif::Invocation {
        tool_execution_notifications: (!notifications.is_empty()).then_some(notifications),
        ..invocation
    };
    let run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .results(results)
        .column_kind(json!("unicodeCodePoints"))
        .original_uri_base_ids(base_ids)
        .invocations(vec![invocation])
        .build();
    sarif::Sarif::builder()
        .schema(SCHEMA_URI)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build()
}

pub fn write(scan: &Scan, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &build(scan))?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_uris() {
        assert_eq!(super::uri_escape("a b/ç.py"), "a%20b/%C3%A7.py");
    }
}
