//! `dozen fleet`: scan many repositories, sharded across machines, and merge the shards'
//! results into one report (JSON, SARIF, Markdown or a self-contained HTML page).
//!
//! - [`list`]: the repository list and stable identities, slugs and credential redaction;
//! - [`shard`]: `I/N` selection by a stable hash, from flags or the runner's environment;
//! - [`git`]: shallow, non-interactive, hook-free checkouts into a cache;
//! - [`scan`]: per-repository scans, `--jobs` at a time, one result file each;
//! - [`merge`]: reading shard directories into one fleet, and the JSON/SARIF/Markdown views;
//! - [`html`]: the HTML report (heat map, coverage bars, drill-down).

pub mod git;
pub mod html;
pub mod list;
pub mod merge;
pub mod model;
pub mod scan;
pub mod shard;

use crate::finding::Severity;
use shard::Shard;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand, Debug)]
pub enum FleetCommand {
    /// Scan every repository of a list (or one shard of it) into a result directory
    Scan(ScanArgs),
    /// Merge result directories (one per shard) into one report
    Merge(MergeArgs),
}

#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    /// The repository list: one local path or git URL[@ref] per line (`-` for stdin)
    #[arg(long, value_name = "LIST")]
    pub repos: PathBuf,
    /// Directory for the results: `<slug>.json` and `<slug>.sarif` per repository
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Scan only shard I of N (1-based) [default: $DOZEN_SHARD, or
    /// $JOB_COMPLETION_INDEX + 1 of $DOZEN_SHARD_COUNT, or everything]
    #[arg(long, value_name = "I/N", value_parser = Shard::parse)]
    pub shard: Option<Shard>,
    /// Repositories processed at a time (default: one per core); the cores are shared
    /// among them
    #[arg(long, short = 'j', value_name = "J")]
    pub jobs: Option<usize>,
    /// Where checkouts are kept and updated [default: $XDG_CACHE_HOME/dozen/repos or
    /// ~/.cache/dozen/repos]
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// Configuration for every repository instead of each one's own dozen.toml
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Lowest severity that makes the exit code 1 [default: each repository's `fail-on`]
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<Severity>,
    /// Seconds each git command may take
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub git_timeout: u64,
    /// Exit 0 once every result is written, even with findings or failed repositories
    /// (for job runners that retry failed jobs; `fleet merge` is then the gate)
    #[arg(long)]
    pub exit_zero: bool,
    /// Report only failures on stderr
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MergeFormat {
    Json,
    Sarif,
    Markdown,
    Html,
}

#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// Result directories written by `dozen fleet scan` (one per shard, or one shared)
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Output format
    #[arg(long, short = 'f', value_enum, default_value_t = MergeFormat::Json)]
    pub format: MergeFormat,
    /// Write the report to FILE instead of stdout (atomically)
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Lowest severity that makes the exit code 1
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity, default_value = "warning")]
    pub fail_on: Severity,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    Severity::parse(s).ok_or_else(|| format!("`{s}` is not a severity (error, warning, note)"))
}

/// Runs a `dozen fleet` subcommand. Exit codes: 0 clean, 1 findings at or above the
/// `fail-on` severity, 2 when any repository failed, a shard is missing, or on usage
/// and internal errors.
pub fn run(cmd: FleetCommand) -> Result<ExitCode, String> {
    match cmd {
        FleetCommand::Scan(args) => scan::run(&args),
        FleetCommand::Merge(args) => merge::run(&args),
    }
}

/// 64-bit FNV-1a: a fixed hash (std's hasher is randomised per process).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    #[test]
    fn fnv1a_reference_values() {
        assert_eq!(super::fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(super::fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(super::fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }
}
