//! JSON output, schema version 1 (documented in docs/json-schema.md).

use super::summary;
use crate::catalog;
use crate::engine::Scan;
use crate::finding::Finding;
use serde::Serialize;
use std::io::{self, Write};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Output<'a> {
    schema_version: u32,
    tool: Tool,
    findings: Vec<JsonFinding<'a>>,
    summary: summary::Summary,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    factor_name: &'static str,
}

pub fn write(scan: &Scan, out: &mut dyn Write) -> io::Result<()> {
    let output = Output {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "dozen",
            version: env!("CARGO_PKG_VERSION"),
        },
        findings: scan
            .active()
            .map(|f| JsonFinding {
                finding: f,
                factor_name: catalog::factor_name(f.factor),
            })
            .collect(),
        summary: summary::summarize(scan),
    };
    serde_json::to_writer_pretty(&mut *out, &output)?;
    writeln!(out)
}
