//! `unpinned-action`: GitHub Actions `uses:` not pinned to a full commit SHA.

use super::Rule;
use crate::classify::FileKind;
use crate::config::Policy;
use crate::context::{Cx, Report};
use crate::finding::{Severity, Span};
use crate::inventory;
use crate::parse::gh_actions::{self, Uses};
use crate::parse::yaml::Node;
use std::collections::HashSet;

pub const RULE: Rule = Rule {
    id: "unpinned-action",
    meta_source: include_str!("../../rules/unpinned-action.toml"),
    kinds: &[FileKind::Workflow, FileKind::Action],
    triggers: &["uses"],
    check,
};

fn check(cx: &Cx, out: &mut Report) {
    // A step reached again through a YAML alias is judged (and counted) once.
    let mut seen = HashSet::new();
    for doc in &cx.yaml().docs {
        // Job-level reusable-workflow calls.
        for (_, job) in gh_actions::jobs(doc) {
            if let Some(uses) = job.get("uses") {
                judge(cx, out, &mut seen, uses, "reusable workflow");
            }
        }
        for (_, step) in gh_actions::steps(doc) {
            if let Some(uses) = step.get("uses") {
                judge(cx, out, &mut seen, uses, "action");
            }
        }
    }
}

fn judge(cx: &Cx, out: &mut Report, seen: &mut HashSet<Span>, node: &Node, what: &str) {
    let Some(scalar) = node.as_scalar() else {
        return;
    };
    if !seen.insert(scalar.span) {
        return;
    }
    let Uses::Remote {
        target,
        repo,
        git_ref,
    } = gh_actions::parse_uses(&scalar.value)
    else {
        return;
    };
    out.count(inventory::ACTIONS_TOTAL);
    if git_ref.is_some_and(|r| gh_actions::is_full_sha(r.trim())) {
        out.count(inventory::ACTIONS_PINNED);
        return;
    }
    let span = gh_actions::trimmed_span(cx.text(), scalar);
    let shown = scalar.value.trim();
    let git_ref = git_ref.map(str::trim);
    let pin =
        |label: &str| format!("pin `{shown}` to a full commit SHA: `{target}@<sha> # {label}`");
    const BOTS: &str = "Dependabot and Renovate keep SHA pins and their comments up to date";
    let lookup = |r: &str, kind: &str| {
        let note = if kind == "tags" {
            " (for an annotated tag, take the `^{}` line)"
        } else {
            ""
        };
        format!(
            "find the commit with `git ls-remote https://github.com/{repo} refs/{kind}/{r}`{note} and write `{target}@<40-hex sha> # {r}`; {BOTS}"
        )
    };
    match git_ref {
        Some(r) if gh_actions::is_full_sha(r) => {}
        None => {
            out.add(
                span,
                format!(
                    "{what} `{shown}` has no ref: it runs whatever is on the default branch today; {}",
                    pin("<tag>")
                ),
            )
            .severity(Severity::Error)
            .fix(format!(
                "choose a release from `git ls-remote --tags https://github.com/{repo}` and write `{target}@<40-hex sha> # <tag>`; {BOTS}"
            ));
        }
        Some(r) if gh_actions::is_short_sha(r) => {
            out.add(
                span,
                format!(
                    "{what} `{shown}` uses a short commit SHA, which is not a pin: a branch or tag of that name takes precedence and a longer commit can share the prefix; use the full 40-character SHA"
                ),
            )
            .severity(Severity::Error)
            .fix(format!(
                "find the full SHA with `git rev-parse {r}` in a clone of {repo} and write `{target}@<40-hex sha>`"
            ));
        }
        Some(r) if gh_actions::is_version_like(r) => {
            let severity = if cx.config.policy == Policy::Strict {
                Severity::Error
            } else {
                Severity::Warning
            };
            out.add(
                span,
                format!(
                    "{what} `{shown}` is pinned to the tag `{r}`, which can be moved to other code at any time; {}",
                    pin(r)
                ),
            )
            .severity(severity)
            .fix(lookup(r, "tags"));
        }
        Some(r) => {
            out.add(
                span,
                format!(
                    "{what} `{shown}` follows the branch `{r}`: every run may get different code; {}",
                    pin(r)
                ),
            )
            .severity(Severity::Error)
            .fix(lookup(r, "heads"));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, Policy};
    use crate::engine::check_source;
    use crate::finding::Severity;

    fn run(path: &str, text: &str, policy: Policy) -> Vec<(u32, Severity, String)> {
        let mut config = Config::default();
        config.policy = policy;
        check_source(path, text.as_bytes(), &config)
            .into_iter()
            .filter(|f| f.rule == "unpinned-action")
            .map(|f| (f.start.line, f.severity, f.message))
            .collect()
    }

    #[test]
    fn severities_follow_the_ref_and_policy() {
        let wf = "jobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/cache@main\n      - uses: o/r\n      - uses: o/r@abc1234\n      - uses: o/r@11bd71901bbe5b1630ceea73d27597364c9af683\n  b:\n    uses: o/r/.github/workflows/x.yml@v1.2\n";
        let got = run(".github/workflows/ci.yml", wf, Policy::Standard);
        let sev: Vec<(u32, Severity)> = got.iter().map(|(l, s, _)| (*l, *s)).collect();
        assert_eq!(
            sev,
            [
                (4, Severity::Warning),
                (5, Severity::Error),
                (6, Severity::Error),
                (7, Severity::Error),
                (10, Severity::Warning),
            ]
        );
        assert!(got[0].2.contains(
            "pin `actions/checkout@v4` to a full commit SHA: `actions/checkout@<sha> # v4`"
        ));
        assert!(got[3].2.contains("short commit SHA"));
        assert!(got[4].2.starts_with("reusable workflow"));
        let strict = run(".github/workflows/ci.yml", wf, Policy::Strict);
        assert!(strict.iter().all(|(_, s, _)| *s == Severity::Error));
    }

    #[test]
    fn aliased_steps_are_reported_once_at_the_anchor() {
        let wf = "jobs:\n  a:\n    steps:\n      - &co\n        uses: actions/checkout@v4\n  b:\n    steps:\n      - *co\n      - uses: &c2 actions/cache@v3\n      - uses: *c2\n";
        let got = run(".github/workflows/ci.yml", wf, Policy::Standard);
        let lines: Vec<u32> = got.iter().map(|(l, _, _)| *l).collect();
        assert_eq!(lines, [5, 9]);
    }

    #[test]
    fn inventory_counts_each_reference_once() {
        let dir = tempfile::tempdir().unwrap();
        let wf = dir.path().join(".github/workflows");
        std::fs::create_dir_all(&wf).unwrap();
        std::fs::write(
            wf.join("ci.yml"),
            "jobs:\n  a:\n    container: &img alpine\n    steps:\n      - &co\n        uses: actions/checkout@v4\n      - uses: actions/cache@11bd71901bbe5b1630ceea73d27597364c9af683\n      - uses: ./local\n      - uses: docker://alpine@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n  b:\n    container: *img\n    steps:\n      - *co\n  c:\n    uses: o/r/.github/workflows/x.yml@main\n",
        )
        .unwrap();
        let config = Config::default();
        let root = dir.path().to_path_buf();
        let scan = crate::engine::scan(&crate::engine::ScanOptions {
            root: &root,
            paths: std::slice::from_ref(&root),
            config: &config,
            threads: 1,
            report_unused_suppressions: false,
        })
        .unwrap();
        let inv = |k: &str| scan.inventory.get(k).copied().unwrap_or(0);
        assert_eq!(inv("actions.total"), 3, "{:?}", scan.inventory);
        assert_eq!(inv("actions.pinned"), 1);
        assert_eq!(inv("images.total"), 2);
        assert_eq!(inv("images.pinned"), 1);
    }
}
