//! The rule registry: one module per rule (named by its id), its metadata and docs in
//! `rules/<id>.toml`, and one line in [`RULES`]. A test checks they all agree.

use crate::catalog::RuleMeta;
use crate::classify::FileKind;
use crate::context::{Cx, Report};
use std::sync::OnceLock;

mod admin_task_in_web_process;
mod build_in_run_stage;
mod config_in_image;
mod cron_in_container;
mod daemonized_process;
mod debug_mode;
mod divergent_backing_services;
mod environment_branching;
mod hardcoded_port;
mod hardcoded_secret;
mod hardcoded_service_url;
mod in_memory_session;
mod local_disk_state;
mod log_to_file;
mod missing_lockfile;
mod no_graceful_shutdown;
pub mod secrets;
mod shell_form_command;
mod sticky_sessions;
mod unpinned_action;
mod unpinned_image;
mod unpinned_manifest_dependency;
mod unpinned_package_install;
mod unpinned_precommit_hook;
mod unpinned_requirement;
mod unverified_download;

/// A rule: what it is called, which files it reads, which words must appear in a file
/// for it to have anything to say (a cheap prefilter before any parsing), and its check.
pub struct Rule {
    pub id: &'static str,
    /// The rule's TOML metadata and docs, embedded at build time.
    pub meta_source: &'static str,
    pub kinds: &'static [FileKind],
    /// ASCII-case-insensitive trigger words; empty means "always run on these kinds".
    pub triggers: &'static [&'static str],
    pub check: fn(&Cx, &mut Report),
}

/// Rules the engine reports itself: unparsable files and malformed suppressions.
pub const PARSE_ERROR: &str = "parse-error";
pub const INVALID_SUPPRESSION: &str = "invalid-suppression";
pub const UNUSED_SUPPRESSION: &str = "unused-suppression";
const ENGINE_RULES: [(&str, &str); 3] = [
    (PARSE_ERROR, include_str!("../../rules/parse-error.toml")),
    (
        INVALID_SUPPRESSION,
        include_str!("../../rules/invalid-suppression.toml"),
    ),
    (
        UNUSED_SUPPRESSION,
        include_str!("../../rules/unused-suppression.toml"),
    ),
];

pub static RULES: &[&Rule] = &[
    &log_to_file::RULE,
    &unpinned_image::RULE,
    &unpinned_action::RULE,
    &unpinned_precommit_hook::RULE,
    &unpinned_package_install::RULE,
    &unverified_download::RULE,
    &unpinned_requirement::RULE,
    &unpinned_manifest_dependency::RULE,
    &missing_lockfile::RULE,
    &hardcoded_port::RULE,
    &no_graceful_shutdown::RULE,
    &debug_mode::RULE,
    &in_memory_session::RULE,
    &local_disk_state::RULE,
    &admin_task_in_web_process::RULE,
    &divergent_backing_services::RULE,
    &sticky_sessions::RULE,
    &hardcoded_secret::RULE,
    &hardcoded_service_url::RULE,
    &environment_branching::RULE,
    &config_in_image::RULE,
    &shell_form_command::RULE,
    &build_in_run_stage::RULE,
    &daemonized_process::RULE,
    &cron_in_container::RULE,
];

/// Metadata for every rule id, `parse-error` included, in registry order.
pub fn catalog() -> &'static [(&'static str, RuleMeta)] {
    static CATALOG: OnceLock<Vec<(&'static str, RuleMeta)>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        RULES
            .iter()
            .map(|r| (r.id, r.meta_source))
            .chain(ENGINE_RULES)
            .map(|(id, src)| {
                // The meta test parses every file, so this cannot fail in a released binary.
                let meta = RuleMeta::parse(src)
                    .unwrap_or_else(|e| panic!("rules/{id}.toml is invalid: {e}"));
                (id, meta)
            })
            .collect()
    })
}

pub fn find(id: &str) -> Option<&'static RuleMeta> {
    catalog().iter().find(|(i, _)| *i == id).map(|(_, m)| m)
}

pub fn meta(id: &str) -> &'static RuleMeta {
    find(id).expect("rule ids come from the registry")
}

/// The known rule id closest to a misspelt one, for "did you mean" hints.
pub fn closest(id: &str) -> Option<&'static str> {
    catalog()
        .iter()
        .map(|(i, _)| (*i, edit_distance(id, i)))
        .filter(|&(_, d)| d <= 3)
        .min_by_key(|&(_, d)| d)
        .map(|(i, _)| i)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_matches_rule_files() {
        let mut files: Vec<String> =
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/rules"))
                .unwrap()
                .filter_map(|e| {
                    let name = e.ok()?.file_name().into_string().ok()?;
                    name.strip_suffix(".toml").map(str::to_owned)
                })
                .collect();
        files.sort();
        let mut ids: Vec<String> = catalog().iter().map(|(id, _)| id.to_string()).collect();
        ids.sort();
        assert_eq!(files, ids, "rules/*.toml and the registry disagree");
        for (id, meta) in catalog() {
            assert_eq!(*id, meta.id, "rules/{id}.toml has id {}", meta.id);
            assert!(meta.factor <= 12);
            assert!(
                !meta.summary.contains('\n'),
                "{id}: summary must be one line"
            );
            for (part, text) in [
                ("what", &meta.docs.what),
                ("why", &meta.docs.why),
                ("example", &meta.docs.example),
                ("fix", &meta.docs.fix),
            ] {
                assert!(!text.trim().is_empty(), "{id}: docs.{part} is empty");
            }
            if let Some(s) = meta.security_severity {
                assert!(
                    (0.1..=10.0).contains(&s),
                    "{id}: security-severity out of range"
                );
            }
        }
        let mut seen = std::collections::HashSet::new();
        for r in RULES {
            assert!(seen.insert(r.id), "duplicate rule {}", r.id);
            assert!(!r.kinds.is_empty(), "{} reads no file kind", r.id);
            let module = r.id.replace('-', "_");
            let path = format!("{}/src/rules/{module}.rs", env!("CARGO_MANIFEST_DIR"));
            assert!(
                std::path::Path::new(&path).exists(),
                "{} should live in {path}",
                r.id
            );
        }
    }

    #[test]
    fn every_rule_has_fixtures() {
        for (id, _) in catalog() {
            let dir = format!("{}/fixtures/{id}", env!("CARGO_MANIFEST_DIR"));
            for side in ["positive", "negative"] {
                let p = std::path::Path::new(&dir).join(side);
                let has_files = std::fs::read_dir(&p)
                    .map(|mut d| d.next().is_some())
                    .unwrap_or(false);
                assert!(has_files, "{id} needs fixtures in {}", p.display());
            }
        }
    }

    #[test]
    fn closest_suggests() {
        assert_eq!(closest("log-to-fil"), Some("log-to-file"));
        assert_eq!(closest("zzzzzzzzzzzz"), None);
    }
}
