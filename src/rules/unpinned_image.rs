//! `unpinned-image`: container images not pinned to a digest.

use super::Rule;
use crate::classify::FileKind;
use crate::config::{ImagePolicy, Policy};
use crate::context::{Cx, Report};
use crate::finding::{Severity, Span};
use crate::inventory;
use crate::lang::deploy;
use crate::parse::dockerfile::{self, Vars};
use crate::parse::gh_actions::{self, Outcome, Uses};
use crate::parse::image_ref::ImageRef;
use crate::parse::yaml::{Node, PathSeg, Scalar};
use std::collections::HashSet;

pub const RULE: Rule = Rule {
    id: "unpinned-image",
    meta_source: include_str!("../../rules/unpinned-image.toml"),
    kinds: &[
        FileKind::Dockerfile,
        FileKind::Compose,
        FileKind::Workflow,
        FileKind::Action,
        FileKind::Yaml,
    ],
    // `from` (Dockerfile), `image` (Compose, Kubernetes, workflow services and
    // `container.image`, Docker actions), `container` (`container: node:18`), `docker://`.
    triggers: &["from", "image", "container", "docker://"],
    check,
};

fn check(cx: &Cx, out: &mut Report) {
    match cx.kind() {
        FileKind::Dockerfile => check_dockerfile(cx, out),
        FileKind::Compose => check_compose(cx, out),
        FileKind::Workflow | FileKind::Action => check_workflow(cx, out),
        FileKind::Yaml => check_kubernetes(cx, out),
        _ => {}
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
    // A tag that was an unknown variable (substituted away) is shown as a placeholder.
    let reference = if r.tag == Some("") && r.digest.is_none() {
        format!("{}:<tag>", r.name)
    } else {
        reference.to_owned()
    };
    let pin_hint = format!(
        "find the digest with `docker buildx imagetools inspect {reference}` and write `{}@sha256:<digest>`",
        reference.split('@').next().unwrap_or(&reference)
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
            let tag_note = if tag.is_empty() || tag.contains('$') {
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

/// Compose: `services.*.image`. A service that also has `build:` names the image it
/// builds, which is not pulled from a registry; so does any other service that uses the
/// same image name (a common pattern: one service builds, its siblings reuse the image).
fn check_compose(cx: &Cx, out: &mut Report) {
    // A node reached through YAML aliases is judged (and counted) once.
    let mut seen = HashSet::new();
    let seen = &mut seen;
    for doc in &cx.yaml().docs {
        let services: Vec<(&str, &Node)> = deploy::compose_services(doc).collect();
        fn image_of(svc: &Node) -> Option<&Scalar> {
            svc.get("image").and_then(Node::as_scalar)
        }
        let built: Vec<&str> = services
            .iter()
            .filter(|(_, svc)| svc.get("build").is_some())
            .filter_map(|(_, svc)| image_of(svc))
            .map(|s| s.value.trim())
            .collect();
        for (name, svc) in &services {
            let Some(image) = image_of(svc) else {
                continue;
            };
            if svc.get("build").is_some() || built.contains(&image.value.trim()) {
                continue;
            }
            let ctx = format!("service `{name}`");
            judge_interpolated(cx, out, seen, image, &ctx);
        }
    }
}

/// Kubernetes: `image:` of every container, initContainer and ephemeralContainer in any
/// document with `apiVersion` and `kind` (Pods, workload templates, CronJob job
/// templates, custom resources that embed pod specs).
fn check_kubernetes(cx: &Cx, out: &mut Report) {
    // A node reached through YAML aliases is judged (and counted) once.
    let mut seen = HashSet::new();
    let seen = &mut seen;
    // Most YAML files are not manifests: do not parse them for this rule.
    if !cx.text().contains("apiVersion") {
        return;
    }
    for doc in &cx.yaml().docs {
        // Any object, not only the workload kinds `deploy::pod_spec` knows: custom
        // resources (Argo Rollouts, Knative, …) and `List`s embed pod specs too.
        if deploy::k8s_kind(doc).is_none() {
            continue;
        }
        doc.walk(&mut |path, node| {
            let Some(PathSeg::Key(key)) = path.last() else {
                return;
            };
            if !matches!(
                *key,
                "containers" | "initContainers" | "ephemeralContainers"
            ) {
                return;
            }
            for c in node.items() {
                if let Some(image) = c.get("image").and_then(Node::as_scalar) {
                    let ctx = match c.get("name").and_then(Node::as_str) {
                        Some(n) => format!("container `{n}`"),
                        None => "a container".to_owned(),
                    };
                    judge_interpolated(cx, out, seen, image, &ctx);
                }
            }
        });
    }
}

/// Images whose variables are Compose/shell interpolation (`${TAG}`, `$TAG`, `$$` for a
/// dollar) or Helm/Go templates (`{{ .Values.tag }}`).
fn judge_interpolated(
    cx: &Cx,
    out: &mut Report,
    seen: &mut HashSet<Span>,
    image: &Scalar,
    ctx: &str,
) {
    let value = image.value.trim();
    if value.is_empty() {
        return;
    }
    let (reference, has_vars) = normalize_variables(value);
    let unknown = has_vars && may_hide_tag(&reference);
    let span = gh_actions::trimmed_span(cx.text(), image);
    judge_once(
        cx,
        out,
        seen,
        &reference,
        unknown,
        span,
        &format!("`{value}` ({ctx})"),
    );
}

/// Whether a variable sits where it could supply the tag or digest: after the last `/`.
/// A variable only in the registry or namespace (`${REGISTRY}/app`) leaves the tag known.
fn may_hide_tag(reference: &str) -> bool {
    let last = reference.rsplit('/').next().unwrap_or(reference);
    last.contains('$')
}

/// Replaces every `${…}`, `$NAME`, `{{ … }}` and `${{ … }}` by a `${name}` placeholder that
/// contains no `/`, `:` or `@`, so the reference still splits into name, tag and digest.
fn normalize_variables(s: &str) -> (String, bool) {
    let mut out = String::with_capacity(s.len());
    let mut vars = false;
    let mut rest = s;
    while let Some(i) = rest.find(['$', '{']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let (inner, len) = if let Some(b) = tail.strip_prefix("${{") {
            let end = b.find("}}").map_or(b.len(), |e| e + 2);
            (b[..end].trim_end_matches('}').trim(), 3 + end)
        } else if let Some(b) = tail.strip_prefix("{{") {
            let end = b.find("}}").map_or(b.len(), |e| e + 2);
            (b[..end].trim_end_matches('}').trim(), 2 + end)
        } else if let Some(b) = tail.strip_prefix("${") {
            let end = b.find('}').map_or(b.len(), |e| e + 1);
            let body = b[..end].trim_end_matches('}');
            // `${VAR:-default}`: the name is what matters.
            let name_len = body
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(body.len());
            (&body[..name_len], 2 + end)
        } else if let Some(b) = tail.strip_prefix("$$") {
            out.push('$');
            rest = b;
            continue;
        } else if let Some(b) = tail.strip_prefix('$') {
            let n = b
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(b.len());
            if n == 0 {
                out.push('$');
                rest = b;
                continue;
            }
            (&b[..n], 1 + n)
        } else {
            out.push('{');
            rest = &tail[1..];
            continue;
        };
        vars = true;
        let name: String = inner
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            .collect();
        out.push_str("${");
        out.push_str(if name.is_empty() { "var" } else { &name });
        out.push('}');
        rest = &tail[len.min(tail.len())..];
    }
    out.push_str(rest);
    (out, vars)
}

/// Workflows and actions: `jobs.*.container` (a string or `.image`),
/// `jobs.*.services.*.image`, steps `uses: docker://…`, and a Docker action's
/// `runs.image: docker://…`.
fn check_workflow(cx: &Cx, out: &mut Report) {
    // A node reached through YAML aliases is judged (and counted) once.
    let mut seen = HashSet::new();
    let seen = &mut seen;
    for doc in &cx.yaml().docs {
        for (id, job) in gh_actions::jobs(doc) {
            match job.get("container") {
                Some(Node::Scalar(s)) => {
                    judge_workflow_image(
                        cx,
                        out,
                        seen,
                        s,
                        job,
                        &format!("the container image of job `{id}`"),
                    );
                }
                Some(c @ Node::Map(_)) => {
                    if let Some(s) = c.get("image").and_then(Node::as_scalar) {
                        let ctx = format!("the container image of job `{id}`");
                        judge_workflow_image(cx, out, seen, s, job, &ctx);
                    }
                }
                _ => {}
            }
            for (name, svc) in job.get("services").into_iter().flat_map(Node::entries) {
                if let Some(s) = svc.value.get("image").and_then(Node::as_scalar) {
                    let ctx = format!("service `{name}` of job `{id}`");
                    judge_workflow_image(cx, out, seen, s, job, &ctx);
                }
            }
        }
        for (_, step) in gh_actions::steps(doc) {
            if let Some(s) = step.get("uses").and_then(Node::as_scalar) {
                judge_docker_uses(cx, out, seen, s, "step `uses:`");
            }
        }
        if let Some(s) = doc
            .get("runs")
            .and_then(|r| r.get("image"))
            .and_then(Node::as_scalar)
        {
            judge_docker_uses(cx, out, seen, s, "the action's `runs.image`");
        }
    }
}

fn judge_docker_uses(cx: &Cx, out: &mut Report, seen: &mut HashSet<Span>, s: &Scalar, ctx: &str) {
    if let Uses::Docker(image, at) = gh_actions::parse_uses(&s.value) {
        let image = image.trim_end();
        let span = gh_actions::value_subspan(cx.text(), s, at..at + image.len());
        let shown = format!("`{image}` ({ctx})");
        judge_once(cx, out, seen, image, false, span, &shown);
    }
}

/// A workflow image, which may hold `${{ … }}` expressions. An image that is one
/// expression is judged by the values it can take: string literals in it
/// (`${{ x && 'redis:7' || '' }}`) and the rows of the job's matrix for `matrix.*`
/// (each reported where the matrix spells it). Other contexts are unknown: not flagged.
/// Partly-expression images (`node:${{ matrix.node }}`) are judged with the variable
/// part unknown.
fn judge_workflow_image(
    cx: &Cx,
    out: &mut Report,
    seen: &mut HashSet<Span>,
    s: &Scalar,
    job: &Node,
    ctx: &str,
) {
    let value = s.value.as_str();
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return;
    }
    let lead = value.len() - value.trim_start().len();
    let ranges = gh_actions::expression_ranges(value);
    let whole = ranges.len() == 1
        && ranges[0].start == lead
        && ranges[0].end == lead + trimmed.len()
        && trimmed.ends_with("}}");
    if !whole {
        judge_interpolated(cx, out, seen, s, ctx);
        return;
    }
    let body_start = ranges[0].start + 3;
    let body = &value[body_start..ranges[0].end - 2];
    for outcome in gh_actions::outcomes(body) {
        match outcome {
            Outcome::Literal(v, r) => {
                // The literal's text without its quotes.
                let inner = body_start + r.start + 1..body_start + r.end - 1;
                if v.trim().is_empty() || v.contains("${{") {
                    continue;
                }
                let span = if value.get(inner.clone()) == Some(v.as_str()) {
                    gh_actions::value_subspan(cx.text(), s, inner)
                } else {
                    gh_actions::trimmed_span(cx.text(), s)
                };
                judge_once(cx, out, seen, &v, false, span, &format!("`{v}` ({ctx})"));
            }
            Outcome::Context(path) => {
                let Some(route) = path.strip_prefix("matrix.") else {
                    continue;
                };
                let route: Vec<&str> = route.split('.').collect();
                for v in gh_actions::matrix_values(job, &route).unwrap_or_default() {
                    let text = v.value.trim();
                    if text.is_empty() || text.contains("${{") {
                        continue;
                    }
                    let span = gh_actions::trimmed_span(cx.text(), v);
                    let shown = format!("`{text}` (a value of `{path}`, {ctx})");
                    judge_once(cx, out, seen, text, false, span, &shown);
                }
            }
            Outcome::Opaque => {}
        }
    }
}

/// [`judge`] for a YAML value, once per source span: an anchored value reached again
/// through an alias is neither reported nor counted twice.
fn judge_once(
    cx: &Cx,
    out: &mut Report,
    seen: &mut HashSet<Span>,
    reference: &str,
    unknown: bool,
    span: Span,
    shown: &str,
) {
    if seen.insert(span) {
        judge(cx, out, reference, unknown, span, shown);
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_variables;
    use crate::config::{Config, ImagePolicy, Policy};
    use crate::engine::check_source;
    use crate::finding::Severity;

    #[test]
    fn variables_become_placeholders() {
        let n = |s: &str| normalize_variables(s);
        assert_eq!(n("node:18"), ("node:18".into(), false));
        assert_eq!(
            n("node:${{ matrix.node }}"),
            ("node:${matrix.node}".into(), true)
        );
        assert_eq!(n("a:${TAG:-1.2}"), ("a:${TAG}".into(), true));
        assert_eq!(n("$REG/a"), ("${REG}/a".into(), true));
        assert_eq!(
            n("{{ .Values.r }}/a:{{.Values.t}}"),
            ("${.Values.r}/a:${.Values.t}".into(), true)
        );
        assert_eq!(n("a$$b"), ("a$b".into(), false));
        assert_eq!(
            n("${{ format('{0}:{1}', a, b) }}"),
            ("${format01ab}".into(), true)
        );
        for junk in ["$", "${", "{{", "${{", "${{ '}}", "é${x", "{", "}}"] {
            n(junk);
        }
    }

    fn run(path: &str, text: &str, config: &Config) -> Vec<(u32, Severity)> {
        check_source(path, text.as_bytes(), config)
            .into_iter()
            .filter(|f| f.rule == "unpinned-image")
            .map(|f| (f.start.line, f.severity))
            .collect()
    }

    #[test]
    fn policies_apply_to_yaml_images() {
        let compose = "services:\n  a:\n    image: redis:7\n  b:\n    image: redis\n";
        let mut tag = Config::default();
        tag.images = ImagePolicy::Tag;
        assert_eq!(run("compose.yaml", compose, &tag), [(5, Severity::Error)]);
        let mut strict = Config::default();
        strict.policy = Policy::Strict;
        assert_eq!(
            run("compose.yaml", compose, &strict),
            [(3, Severity::Error), (5, Severity::Error)]
        );
        assert_eq!(
            run("compose.yaml", compose, &Config::default()),
            [(3, Severity::Warning), (5, Severity::Error)]
        );
    }

    #[test]
    fn aliased_matrix_values_are_reported_once() {
        let wf = "jobs:\n  a:\n    container: ${{ matrix.img }}\n    services:\n      s:\n        image: ${{ matrix.img }}\n    strategy:\n      matrix:\n        img: &imgs [alpine]\n  b:\n    container: ${{ matrix.img }}\n    strategy:\n      matrix:\n        img: *imgs\n";
        assert_eq!(
            run(".github/workflows/x.yml", wf, &Config::default()),
            [(9, Severity::Error)]
        );
    }
}
