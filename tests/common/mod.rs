//! Helpers shared by the integration tests: run the real binary, read fixtures.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn dozen() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("dozen").expect("binary builds");
    cmd.env("NO_COLOR", "1");
    cmd
}

/// Runs `dozen check` with `args` in `dir`; returns the output.
pub fn check(dir: &Path, args: &[&str]) -> Output {
    dozen()
        .current_dir(dir)
        .arg("check")
        .args(args)
        .output()
        .expect("runs")
}

pub fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// `../shared` beside the repository, when present (it is not in a user's clone).
pub fn shared() -> Option<PathBuf> {
    let p = root().join("../shared");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("SKIPPED: ../shared is absent; this test needs the shared spec material");
        None
    }
}
