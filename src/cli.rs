//! The command line: parse arguments, run, map results to exit codes (0 clean, 1 findings,
//! 2 usage or internal error). All work happens in the library.

use crate::baseline::Baseline;
use crate::config::Config;
use crate::engine::{self, ScanOptions};
use crate::finding::Severity;
use crate::output;
use crate::report::{self, Format, ReportOptions};
use crate::rules;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "dozen",
    version,
    about = "A twelve-factor app linter and supply-chain pinning scanner",
    long_about = None,
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Scan files and directories for twelve-factor violations
    Check(CheckArgs),
    /// List every rule with its factor and default severity
    Rules {
        /// Output format
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
    },
    /// Write a commented dozen.toml and print a pre-commit snippet
    Init {
        /// Directory to initialise
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Print a rule's documentation
    Explain {
        /// The rule's name, e.g. `log-to-file`
        #[arg(required_unless_present = "all")]
        rule: Option<String>,
        /// Print every rule's documentation (this is docs/rules.md)
        #[arg(long, conflicts_with = "rule")]
        all: bool,
    },
    /// Scan many repositories (sharded across machines) and merge the results
    #[command(subcommand)]
    Fleet(crate::fleet::FleetCommand),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RulesFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// Files or directories to scan (default: the current directory)
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write the report to FILE instead of stdout (atomically, for regular files)
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Worker threads (default: one per core)
    #[arg(long, short = 'j', value_name = "N")]
    threads: Option<usize>,
    /// Lowest severity that makes the exit code 1 [default: warning, or `fail-on` in config]
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    fail_on: Option<Severity>,
    /// Configuration file (default: dozen.toml or [tool.dozen] in pyproject.toml at the root)
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Print findings only, without the summary
    #[arg(long, short = 'q')]
    quiet: bool,
    /// When to use colour in text output
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Report only findings that are not recorded in this baseline file
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record the current findings in FILE (for adopting dozen on a legacy repository)
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    write_baseline: Option<PathBuf>,
    /// Report `dozen: ignore[…]` comments that silence nothing
    #[arg(long)]
    report_unused_suppressions: bool,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    Severity::parse(s).ok_or_else(|| format!("`{s}` is not a severity (error, warning, note)"))
}

/// Runs the CLI with the process arguments.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                return if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                    ExitCode::from(2)
                } else {
                    ExitCode::SUCCESS
                };
            }
            let rendered = e.render().to_string();
            let first = rendered.lines().next().unwrap_or("invalid arguments");
            eprintln!("{} (see `dozen --help`)", first.trim());
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Rules { format } => {
            let text = match format {
                RulesFormat::Text => rules_text(),
                RulesFormat::Markdown => rules_markdown(),
                RulesFormat::Json => rules_json(),
            };
            output::write_stdout(text.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Init { dir } => init(&dir),
        Command::Fleet(cmd) => crate::fleet::run(cmd),
        Command::Explain { all: true, .. } => {
            output::write_stdout(all_docs().as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { rule, .. } => match rules::find(rule.as_deref().unwrap_or_default()) {
            Some(meta) => {
                output::write_stdout(meta.markdown().as_bytes())?;
                Ok(ExitCode::SUCCESS)
            }
            None => {
                let rule = rule.unwrap_or_default();
                let hint = rules::closest(&rule)
                    .map(|c| format!("; did you mean `{c}`?"))
                    .unwrap_or_else(|| "; `dozen rules` lists them".to_owned());
                Err(format!("unknown rule `{rule}`{hint}"))
            }
        },
    }
}

fn check(args: CheckArgs) -> Result<ExitCode, String> {
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    for p in &paths {
        if std::fs::symlink_metadata(p).is_err() {
            return Err(format!("no such file or directory: {}", p.display()));
        }
    }
    // One directory argument is the scan root; otherwise paths are relative to the cwd.
    let root = match paths.as_slice() {
        [only] if only.is_dir() => only.clone(),
        _ => cwd.clone(),
    };
    let mut config = match &args.config {
        Some(file) => Config::load(file)?,
        None => Config::discover(&root)?,
    };
    if let Some(f) = args.fail_on {
        config.fail_on = f;
    }
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if threads == 0 {
        return Err("--threads must be at least 1".into());
    }
    let scan = engine::scan(&ScanOptions {
        root: &root,
        paths: &paths,
        config: &config,
        threads,
        report_unused_suppressions: args.report_unused_suppressions,
    })?;
    let mut scan = scan;
    if let Some(path) = &args.write_baseline {
        let baseline = Baseline::from_scan(&scan);
        output::write_file(path, baseline.to_json().as_bytes())?;
        eprintln!(
            "dozen: recorded {} finding{} in {}",
            baseline.findings.len(),
            if baseline.findings.len() == 1 {
                ""
            } else {
                "s"
            },
            path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(path) = &args.baseline {
        Baseline::load(path)?.apply(&mut scan);
    }
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            args.output.is_none()
                && args.format == Format::Text
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let opts = ReportOptions {
        color,
        quiet: args.quiet,
    };
    let mut buf = Vec::with_capacity(64 * 1024);
    report::write(args.format, &scan, &opts, &mut buf)
        .map_err(|e| format!("cannot render report: {e}"))?;
    match &args.output {
        Some(path) => output::write_file(path, &buf)?,
        None => output::write_stdout(&buf)?,
    }
    let failing = scan.active().any(|f| f.severity >= config.fail_on);
    Ok(if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn rules_text() -> String {
    let mut out = String::new();
    for (id, meta) in rules::catalog() {
        out.push_str(&format!(
            "{:<28} {:<5} {:<8} {}\n",
            id,
            crate::catalog::factor_roman(meta.factor),
            meta.severity,
            meta.summary
        ));
    }
    out
}

/// The README's rule table; a test keeps the README in step with it.
pub fn rules_markdown() -> String {
    let mut out = String::from("| rule | factor | severity | summary |\n|---|---|---|---|\n");
    for (id, meta) in rules::catalog() {
        out.push_str(&format!(
            "| `{id}` | {} {} | {} | {} |\n",
            crate::catalog::factor_roman(meta.factor),
            crate::catalog::factor_name(meta.factor),
            meta.severity,
            meta.summary.replace('|', "\\|")
        ));
    }
    out
}

/// Every rule's documentation, grouped by factor: the text of docs/rules.md.
pub fn all_docs() -> String {
    let mut out = String::from(
        "# dozen rules\n\nGenerated by `dozen explain --all`; each section is also what \
         `dozen explain RULE` prints and what SARIF `help` carries.\n\n",
    );
    let mut catalog: Vec<_> = rules::catalog().iter().collect();
    catalog.sort_by_key(|(id, m)| (if m.factor == 0 { 99 } else { m.factor }, *id));
    for (id, meta) in catalog {
        out.push_str(&format!("<a id=\"{id}\"></a>\n\n"));
        // Demote headings one level so each rule is a section of this page.
        let mut in_code = false;
        for line in meta.markdown().lines() {
            if line.starts_with("```") {
                in_code = !in_code;
            }
            if line.starts_with('#') && !in_code {
                out.push('#');
            }
            out.push_str(line);
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

fn rules_json() -> String {
    let list: Vec<_> = rules::catalog()
        .iter()
        .map(|(id, m)| {
            serde_json::json!({
                "id": id,
                "factor": m.factor,
                "factor_name": crate::catalog::factor_name(m.factor),
                "severity": m.severity,
                "summary": m.summary,
                "help_uri": m.help_uri(),
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&list).unwrap_or_default();
    s.push('\n');
    s
}

const INIT_CONFIG: &str = r#"# dozen configuration. Every key is optional; these are the defaults.
# Docs: `dozen explain RULE`, `dozen rules`.

# Pinning policy: "standard", "strict" (hashes and digests everywhere, tag pins are
# errors) or "scorecard" (OpenSSF Scorecard's Pinned-Dependencies verdicts).
policy = "standard"

# Container images: "digest" (default) or "tag" (accept tag-only pins).
images = "digest"

# Lowest severity that makes `dozen check` exit 1: "error", "warning" or "note".
fail-on = "warning"

# Globs, relative to this directory, that are never scanned.
exclude = []

# Per-rule levels: "off", "note", "warning" or "error".
[rules]
# "environment-branching" = "off"

# Per-path settings; the last matching override wins.
# [[overrides]]
# paths = ["scripts/**"]
# rules = { "unpinned-package-install" = "off" }
"#;

const PRE_COMMIT_SNIPPET: &str = "# .pre-commit-config.yaml
repos:
  - repo: https://github.com/dozen-lint/dozen
    rev: <full commit SHA>  # frozen: v0.1.0
    hooks:
      - id: dozen
";

fn init(dir: &std::path::Path) -> Result<ExitCode, String> {
    if !dir.is_dir() {
        return Err(format!("not a directory: {}", dir.display()));
    }
    let path = dir.join("dozen.toml");
    if path.exists() {
        return Err(format!(
            "{} already exists; not overwriting it",
            path.display()
        ));
    }
    std::fs::write(&path, INIT_CONFIG)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let msg = format!(
        "wrote {}\n\nTo run dozen before every commit, add this to .pre-commit-config.yaml:\n\n{PRE_COMMIT_SNIPPET}",
        path.display()
    );
    output::write_stdout(msg.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
