//! `unpinned-image`: container images not pinned to a digest.

use super::Rule;
use crate::classify::FileKind;
use crate::config::{ImagePolicy, Policy};
use crate::context::{Cx, Report};
use crate::finding::{Severity, Span};
use crate::parse::dockerfile::{self, Vars};
use crate::parse::image_ref::ImageRef;

pub const RULE: Rule = Rule {
    id: "unpinned-image",
    meta_source: include_str!("../../rules/unpinned-image.toml"),
    kinds: &[FileKind::Dockerfile],
    triggers: &["from"],
    check,
};

fn check(cx: &Cx, out: &mut Report) {
    if cx.kind() == FileKind::Dockerfile {
        check_dockerfile(cx, out);
    }
}

fn check_dockerfile(cx: &Cx, out: &mut Report) {
    if cx.config.policy == Policy::Scorecard {
        return scorecard_from(cx, out);
    }
    let df = cx.dockerfile();
    // Only ARGs declared before the first FROM are visible to FROM lines.
    let mut global: Vars = Vars::new();
    let mut stages: Vec<String> = Vec::new();
    let mut seen_from = false;
    for instr in &df.instructions {
        match instr.keyword.as_str() {
            "ARG" if !seen_from => {
                for (k, v) in instr.key_values() {
                    global.insert(k.text, v.map(|v| v.text));
                }
            }
            "FROM" => {
                seen_from = true;
                let Some(image) = instr.words.first() else {
                    continue;
                };
                let (resolved, unknown) = dockerfile::substitute(&image.text, &global);
                let lower = resolved.to_ascii_lowercase();
                // `FROM build` after `FROM … AS build` names a stage, not an image.
                let is_stage = stages.contains(&lower);
                if let (Some(as_kw), Some(name)) = (instr.words.get(1), instr.words.get(2)) {
                    if as_kw.text.eq_ignore_ascii_case("as") {
                        stages.push(name.text.to_ascii_lowercase());
                    }
                }
                if lower == "scratch" || is_stage {
                    continue;
                }
                let shown = if resolved != image.text && !unknown {
                    format!("`{}` (`{resolved}`)", image.text)
                } else {
                    format!("`{}`", image.text)
                };
                judge(cx, out, &resolved, unknown, image.span, &shown);
            }
            _ => {}
        }
    }
}

/// OpenSSF Scorecard's `FROM` verdicts (`policy = "scorecard"`), as
/// `validateDockerfilesPinning` gives them: `${ARG}` replaced by `ARG k=v` values,
/// pinned when `@sha256:` is followed by 64 hex digits or by `${…}`, or when the image is
/// an earlier stage that was pinned; `FROM <unpinned stage>` counts again; unknown
/// variables are judged as written.
fn scorecard_from(cx: &Cx, out: &mut Report) {
    let mut args: Vec<(String, String)> = Vec::new();
    let mut pinned_as: std::collections::HashMap<String, bool> = Default::default();
    for instr in &cx.dockerfile().instructions {
        match instr.keyword.as_str() {
            "ARG" => {
                for w in &instr.words {
                    if let Some((k, v)) = w.text.split_once('=') {
                        args.retain(|(a, _)| a != k);
                        args.push((k.to_owned(), v.to_owned()));
                    }
                }
            }
            "FROM" => {
                let values: Vec<String> = instr
                    .words
                    .iter()
                    .map(|w| {
                        let mut v = w.text.clone();
                        for (k, val) in &args {
                            v = v.replace(&format!("${{{k}}}"), val);
                        }
                        v
                    })
                    .collect();
                let Some(name) = values.first() else { continue };
                let alias = (values.len() == 3 && values[1].eq_ignore_ascii_case("as"))
                    .then(|| values[2].clone());
                if name.eq_ignore_ascii_case("scratch") {
                    if let Some(a) = alias {
                        pinned_as.insert(a, true);
                    }
                    continue;
                }
                if values.len() != 1 && alias.is_none() {
                    continue;
                }
                let pinned =
                    pinned_as.get(name).copied().unwrap_or(false) || scorecard_digest(name);
                if let Some(a) = alias {
                    pinned_as.insert(a, pinned);
                }
                if !pinned {
                    out.add(
                        instr.words[0].span,
                        format!("image `{name}` is not pinned to a `@sha256:` digest: Scorecard's Pinned-Dependencies check counts it as unpinned"),
                    )
                    .fix(format!(
                        "find the digest with `docker buildx imagetools inspect {name}` and write `{}@sha256:<digest>`",
                        name.split('@').next().unwrap_or(name)
                    ));
                }
            }
            _ => {}
        }
    }
}

/// Scorecard's `.*@sha256:([a-f\d]{64}|\${.*})`.
fn scorecard_digest(name: &str) -> bool {
    name.match_indices("@sha256:").any(|(i, m)| {
        let rest = &name[i + m.len()..];
        let hex = rest
            .bytes()
            .take_while(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
            .count();
        hex >= 64 || rest.starts_with("${") && rest[2..].contains('}')
    })
}

/// Reports an image reference that is not pinned as the policy asks. `unknown` says the
/// reference contains a variable whose value is unknown.
pub fn judge(cx: &Cx, out: &mut Report, reference: &str, unknown: bool, span: Span, shown: &str) {
    let reference = reference.trim();
    if reference.is_empty() {
        return;
    }
    let r = ImageRef::parse(reference);
    if r.has_valid_digest() {
        return;
    }
    if unknown {
        // Nothing known at all, or the digest itself is a variable: report nothing
        // rather than guess.
        let name_known = !r.name.is_empty() && !r.name.contains('$');
        if !name_known || r.digest.is_some() {
            return;
        }
    }
    let pin_hint = format!(
        "find the digest with `docker buildx imagetools inspect {reference}` and write `{}@sha256:<digest>`",
        reference.split('@').next().unwrap_or(reference)
    );
    if let Some(d) = r.digest {
        out.add(span, format!("image {shown} has a malformed digest `{d}`: a digest is `sha256:` followed by 64 hex digits"))
            .fix(pin_hint);
        return;
    }
    match r.tag {
        None | Some("latest") => {
            let what = if r.tag.is_none() {
                "has no tag"
            } else {
                "uses the `latest` tag"
            };
            out.add(
                span,
                format!("image {shown} {what}: it resolves to whatever was pushed last; pin it to a digest"),
            )
            .severity(Severity::Error)
            .fix(pin_hint);
        }
        Some(tag) => {
            if cx.config.images == ImagePolicy::Tag && cx.config.policy != Policy::Strict {
                return;
            }
            let severity = if cx.config.policy == Policy::Strict {
                Severity::Error
            } else {
                Severity::Warning
            };
            let tag_note = if tag.contains('$') {
                String::new()
            } else {
                format!(
                    " (keep the tag for readers: `{}:{tag}@sha256:<digest>`)",
                    r.name
                )
            };
            out.add(
                span,
                format!("image {shown} is pinned to a tag, which can be moved; pin it to a digest{tag_note}"),
            )
            .severity(severity)
            .fix(pin_hint);
        }
    }
}
