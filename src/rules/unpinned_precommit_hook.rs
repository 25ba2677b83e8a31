//! `unpinned-precommit-hook`: `.pre-commit-config.yaml` repositories whose `rev:` is a
//! tag or branch instead of a full commit SHA.

use super::Rule;
use crate::classify::FileKind;
use crate::config::Policy;
use crate::context::{Cx, Report};
use crate::finding::Severity;
use crate::parse::gh_actions::{self, is_full_sha, is_short_sha, is_version_like};

pub const RULE: Rule = Rule {
    id: "unpinned-precommit-hook",
    meta_source: include_str!("../../rules/unpinned-precommit-hook.toml"),
    kinds: &[FileKind::PreCommitConfig],
    triggers: &["rev"],
    check,
};

fn check(cx: &Cx, out: &mut Report) {
    for doc in &cx.yaml().docs {
        for repo in doc.get("repos").into_iter().flat_map(|r| r.items()) {
            let Some(url) = repo.get("repo").and_then(|r| r.as_str()) else {
                continue;
            };
            let url = url.trim();
            // `local` hooks live in this repository; `meta` hooks ship with pre-commit.
            if url.is_empty() || url == "local" || url == "meta" {
                continue;
            }
            let Some(rev) = repo.get("rev").and_then(|r| r.as_scalar()) else {
                continue;
            };
            let value = rev.value.trim();
            if value.is_empty() || is_full_sha(value) {
                continue;
            }
            let span = gh_actions::trimmed_span(cx.text(), rev);
            let severity = if cx.config.policy == Policy::Strict {
                Severity::Error
            } else {
                Severity::Warning
            };
            let message = if is_short_sha(value) {
                format!(
                    "hook repository `{url}` is pinned to the short commit SHA `{value}`, which is not a pin: a branch or tag of that name, or a new commit sharing the prefix, can take its place; write the full 40-character SHA"
                )
            } else {
                let what = if is_version_like(value) {
                    format!("the tag `{value}`, which can be moved to other code")
                } else {
                    format!("`{value}`, a branch or tag that can move")
                };
                format!(
                    "hook repository `{url}` is pinned to {what}: each fresh environment installs whatever it points to then; pin a full commit SHA: `rev: <sha>  # frozen: {value}`"
                )
            };
            let find = if is_short_sha(value) {
                format!("find the full SHA with `git rev-parse {value}` in a clone of {url}")
            } else {
                format!("find the commit with `git ls-remote {url} {value}`")
            };
            out.add(span, message).severity(severity).fix(format!(
                "{find} and write `rev: <40-hex sha>  # frozen: {value}`, or run `pre-commit autoupdate --freeze` (which also moves every hook to its latest release)"
            ));
        }
    }
}
