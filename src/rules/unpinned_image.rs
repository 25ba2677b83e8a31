//! `unpinned-image`: container images not pinned to a digest.

use super::Rule;
use crate::classify::FileKind;
use crate::config::{ImagePolicy, Policy};
use crate::context::{Cx, Report};
use crate::finding::{Severity, Span};
use crate::inventory;
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

/// Reports an image reference that is not pinned as the policy asks. `unknown` says the
/// reference contains a variable whose value is unknown.
pub fn judge(cx: &Cx, out: &mut Report, reference: &str, unknown: bool, span: Span, shown: &str) {
    let reference = reference.trim();
    if reference.is_empty() {
        return;
    }
    let r = ImageRef::parse(reference);
    if r.has_valid_digest() {
        out.count(inventory::IMAGES_TOTAL);
        out.count(inventory::IMAGES_PINNED);
        return;
    }
    if unknown {
        // Nothing known at all, or the digest itself is a variable: report nothing
        // rather than guess (and count nothing: it was not judged).
        let name_known = !r.name.is_empty() && !r.name.contains('$');
        if !name_known || r.digest.is_some() {
            return;
        }
    }
    out.count(inventory::IMAGES_TOTAL);
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
