//! `dozen.toml` (or `[tool.dozen]` in `pyproject.toml`, or `--config FILE`).
//! Unknown keys and unknown rule names are errors that name the key.

use crate::finding::Severity;
use crate::rules;
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How strict pinning rules are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    #[default]
    Standard,
    /// Hash-level pinning everywhere; tag pins are errors.
    Strict,
    /// Reproduces OpenSSF Scorecard's Pinned-Dependencies verdicts.
    Scorecard,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImagePolicy {
    #[default]
    Digest,
    Tag,
}

/// A rule's configured level: a severity, or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Off,
    On(Severity),
}

impl<'de> Deserialize<'de> for Level {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match s.as_str() {
            "off" => Ok(Level::Off),
            other => Severity::parse(other).map(Level::On).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "unknown level `{s}`: expected off, note, warning or error"
                ))
            }),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    policy: Option<Policy>,
    images: Option<ImagePolicy>,
    #[serde(default)]
    exclude: Vec<String>,
    fail_on: Option<Severity>,
    #[serde(default)]
    rules: BTreeMap<String, Level>,
    #[serde(default)]
    overrides: Vec<RawOverride>,
    max_file_size: Option<u64>,
    max_findings_per_file: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverride {
    paths: Vec<String>,
    #[serde(default)]
    rules: BTreeMap<String, Level>,
}

/// The resolved configuration the engine and rules read.
#[derive(Debug)]
pub struct Config {
    pub policy: Policy,
    pub images: ImagePolicy,
    pub fail_on: Severity,
    pub exclude: GlobSet,
    pub rules: BTreeMap<String, Level>,
    overrides: Vec<(GlobSet, BTreeMap<String, Level>)>,
    /// Files larger than this are skipped with a note.
    pub max_file_size: u64,
    /// Findings kept per file; past it one note says how many were left out.
    pub max_findings_per_file: usize,
    /// Where the configuration came from, for messages.
    pub source: Option<PathBuf>,
}

pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;
/// A generated or minified file can hold thousands of findings of one kind; past this
/// many, the rest are summarised in one note so reports stay readable and bounded.
pub const DEFAULT_MAX_FINDINGS_PER_FILE: usize = 1000;

impl Default for Config {
    fn default() -> Self {
        Config {
            policy: Policy::Standard,
            images: ImagePolicy::Digest,
            fail_on: Severity::Warning,
            exclude: GlobSet::empty(),
            rules: BTreeMap::new(),
            overrides: Vec::new(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            max_findings_per_file: DEFAULT_MAX_FINDINGS_PER_FILE,
            source: None,
        }
    }
}

impl Config {
    /// Finds the configuration for a scan root: `dozen.toml`, then `[tool.dozen]` in
    /// `pyproject.toml`; defaults when neither exists.
    pub fn discover(root: &Path) -> Result<Config, String> {
        let dozen = root.join("dozen.toml");
        if dozen.is_file() {
            return Config::load(&dozen);
        }
        let pyproject = root.join("pyproject.toml");
        if pyproject.is_file() {
            let text = read_config_text(&pyproject)?;
            let doc: toml::Table = toml::from_str(&text)
                .map_err(|e| format!("{}: {}", pyproject.display(), one_line(&e.to_string())))?;
            if let Some(section) = doc.get("tool").and_then(|t| t.get("dozen")) {
                let raw: RawConfig = section.clone().try_into().map_err(|e: toml::de::Error| {
                    format!(
                        "{} [tool.dozen]: {}",
                        pyproject.display(),
                        one_line(&e.to_string())
                    )
                })?;
                return Config::resolve(raw, Some(pyproject));
            }
        }
        Ok(Config::default())
    }

    /// Loads an explicit file (`--config`).
    pub fn load(path: &Path) -> Result<Config, String> {
        let text = read_config_text(path)?;
        Config::from_toml(&text, Some(path.to_path_buf()))
    }

    pub fn from_toml(text: &str, source: Option<PathBuf>) -> Result<Config, String> {
        let name = source
            .as_ref()
            .map_or_else(|| "config".to_owned(), |p| p.display().to_string());
        let raw: RawConfig =
            toml::from_str(text).map_err(|e| format!("{name}: {}", one_line(&e.to_string())))?;
        Config::resolve(raw, source)
    }

    fn resolve(raw: RawConfig, source: Option<PathBuf>) -> Result<Config, String> {
        let name = source
            .as_ref()
            .map_or_else(|| "config".to_owned(), |p| p.display().to_string());
        let check_rules = |rules: &BTreeMap<String, Level>, at: &str| -> Result<(), String> {
            for id in rules.keys() {
                if rules::find(id).is_none() {
                    let hint = rules::closest(id)
                        .map(|c| format!(" (did you mean `{c}`?)"))
                        .unwrap_or_default();
                    return Err(format!("{name}: unknown rule `{id}` in {at}{hint}"));
                }
            }
            Ok(())
        };
        check_rules(&raw.rules, "[rules]")?;
        let mut overrides = Vec::new();
        for (i, o) in raw.overrides.into_iter().enumerate() {
            check_rules(&o.rules, &format!("[[overrides]] #{}", i + 1))?;
            overrides.push((globs(&o.paths, &name)?, o.rules));
        }
        Ok(Config {
            policy: raw.policy.unwrap_or_default(),
            images: raw.images.unwrap_or_default(),
            fail_on: raw.fail_on.unwrap_or(Severity::Warning),
            exclude: globs(&raw.exclude, &name)?,
            rules: raw.rules,
            overrides,
            max_file_size: raw.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE),
            max_findings_per_file: raw
                .max_findings_per_file
                .unwrap_or(DEFAULT_MAX_FINDINGS_PER_FILE),
            source,
        })
    }

    /// The level configured for a rule at a path: overrides (last match wins), then
    /// `[rules]`. `None` when unconfigured: the finding keeps the severity its rule gave it.
    pub fn level(&self, rule: &str, rel_path: &str) -> Option<Level> {
        for (set, rules) in self.overrides.iter().rev() {
            if set.is_match(rel_path) {
                if let Some(level) = rules.get(rule) {
                    return Some(*level);
                }
            }
        }
        self.rules.get(rule).copied()
    }

    pub fn is_excluded(&self, rel_path: &str) -> bool {
        self.exclude.is_match(rel_path)
    }
}

fn read_config_text(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn globs(patterns: &[String], name: &str) -> Result<GlobSet, String> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let p = p.trim_start_matches("./");
        let glob = globset::GlobBuilder::new(p)
            .literal_separator(true)
            .build()
            .map_err(|e| format!("{name}: bad glob `{p}`: {e}"))?;
        b.add(glob);
        // `dir/**` should also match `dir` itself, and a bare directory name its contents.
        if !p.contains('*') {
            b.add(
                Glob::new(&format!("{}/**", p.trim_end_matches('/'))).map_err(|e| e.to_string())?,
            );
        }
    }
    b.build().map_err(|e| format!("{name}: {e}"))
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_levels() {
        let c = Config::from_toml(
            r#"
policy = "strict"
exclude = ["fixtures/**", "vendor"]
fail-on = "error"
[rules]
"log-to-file" = "off"
[[overrides]]
paths = ["scripts/**"]
rules = { "unpinned-image" = "note" }
"#,
            None,
        )
        .unwrap();
        assert_eq!(c.policy, Policy::Strict);
        assert_eq!(c.fail_on, Severity::Error);
        assert!(c.is_excluded("fixtures/a/b.py"));
        assert!(c.is_excluded("vendor/x.py"));
        assert!(!c.is_excluded("src/x.py"));
        assert_eq!(c.level("log-to-file", "a.py"), Some(Level::Off));
        assert_eq!(
            c.level("unpinned-image", "scripts/Dockerfile"),
            Some(Level::On(Severity::Note))
        );
        assert_eq!(c.level("unpinned-image", "Dockerfile"), None);
    }

    #[test]
    fn unknown_keys_and_rules_are_named() {
        let e = Config::from_toml("polcy = 'strict'", None).unwrap_err();
        assert!(e.contains("polcy"), "{e}");
        let e = Config::from_toml("[rules]\n\"log-to-fil\" = \"off\"", None).unwrap_err();
        assert!(e.contains("log-to-fil") && e.contains("log-to-file"), "{e}");
        let e = Config::from_toml("[rules]\n\"log-to-file\" = \"loud\"", None).unwrap_err();
        assert!(e.contains("loud"), "{e}");
    }
}
