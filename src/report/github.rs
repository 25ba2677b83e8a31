//! GitHub Actions workflow commands: one annotation per finding on the diff.

use crate::engine::Scan;
use crate::finding::Severity;
use std::io::{self, Write};

pub fn write(scan: &Scan, out: &mut dyn Write) -> io::Result<()> {
    for f in scan.active() {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut message = f.message.clone();
        if let Some(fix) = &f.fix {
            message.push_str("\nfix: ");
            message.push_str(fix);
        }
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&f.path),
            f.start.line,
            f.start.col,
            f.end.line,
            f.end.col,
            escape_property(&format!("dozen {} ({})", f.rule, f.severity)),
            escape_data(&message)
        )?;
    }
    Ok(())
}

/// Escaping defined by the Actions toolkit (`@actions/core` command.ts).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes() {
        assert_eq!(super::escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
