//! Reporters: each output format is one small module that reads only the scan's findings.

pub mod github;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod summary;
pub mod text;

use crate::engine::Scan;
use std::io::{self, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Github,
    Markdown,
}

pub struct ReportOptions {
    pub color: bool,
    pub quiet: bool,
}

pub fn write(
    format: Format,
    scan: &Scan,
    opts: &ReportOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => text::write(scan, opts, out),
        Format::Json => json::write(scan, out),
        Format::Sarif => sarif::write(scan, out),
        Format::Github => github::write(scan, out),
        Format::Markdown => markdown::write(scan, out),
    }
}
