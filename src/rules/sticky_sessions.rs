//! `sticky-sessions`: load balancing that pins clients to one process.

use super::Rule;
use crate::classify::FileKind;
use crate::context::{Cx, Report};
use crate::finding::Span;
use crate::lang::{deploy, web};
use crate::parse::yaml::{Entry, Node};

pub const RULE: Rule = Rule {
    id: "sticky-sessions",
    meta_source: include_str!("../../rules/sticky-sessions.toml"),
    kinds: &[FileKind::Nginx, FileKind::Yaml, FileKind::Compose],
    triggers: &[
        "upstream",
        "sessionAffinity",
        "affinity",
        "sticky",
        "stickiness",
        "consistentHash",
        "upstream-hash-by",
        "cookie-persistence",
    ],
    check,
};

const WHY: &str = "clients are pinned to one process, which hides per-process state that is lost when that process restarts or is scaled away, and spreads load unevenly";

fn check(cx: &Cx, out: &mut Report) {
    if web::is_test_path(&cx.file.rel_path) {
        return;
    }
    match cx.kind() {
        FileKind::Nginx => nginx_rule(cx, out),
        FileKind::Yaml => kubernetes_rule(cx, out),
        FileKind::Compose => compose_rule(cx, out),
        _ => {}
    }
}

const STATELESS_FIX: &str = "keep session state in a backing service (Redis, the database) so that any replica can serve any request";

// ---------------------------------------------------------------- Kubernetes

fn entry_span(e: &Entry) -> Span {
    Span::new(e.key_span().start, e.value.span().end)
}

fn truthy(v: &str) -> bool {
    matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "on")
}

fn kubernetes_rule(cx: &Cx, out: &mut Report) {
    for doc in &cx.yaml().docs {
        let Some(kind) = deploy::k8s_kind(doc) else {
            continue;
        };
        let api = doc.get("apiVersion").and_then(Node::as_str).unwrap_or("");
        // Service `spec.sessionAffinity: ClientIP`.
        if kind == "Service" {
            if let Some(e) = doc.get("spec").and_then(|s| s.entry("sessionAffinity")) {
                if e.value.as_str() == Some("ClientIP") {
                    out.add(
                        entry_span(e),
                        format!("Service `sessionAffinity: ClientIP` sends each client IP to the same pod: {WHY}"),
                    )
                    .fix(format!("remove `sessionAffinity` (the default is `None`) and {STATELESS_FIX}"));
                }
            }
        }
        // GKE BackendConfig `spec.sessionAffinity.affinityType`.
        if kind == "BackendConfig" {
            if let Some(e) = doc
                .get("spec")
                .and_then(|s| s.get("sessionAffinity"))
                .and_then(|a| a.entry("affinityType"))
            {
                let v = e.value.as_str().unwrap_or("");
                if !v.is_empty() && v != "NONE" {
                    out.add(
                        entry_span(e),
                        format!("BackendConfig session affinity `{v}` pins clients to one backend: {WHY}"),
                    )
                    .fix(format!("set `affinityType: NONE` (or remove `sessionAffinity`) and {STATELESS_FIX}"));
                }
            }
        }
        // Ingress and Service annotations.
        if let Some(annotations) = doc.get("metadata").and_then(|m| m.get("annotations")) {
            for (key, e) in annotations.entries() {
                let v = e.value.as_str().unwrap_or("");
                let sticky = (key.ends_with("/affinity")
                    && (v.eq_ignore_ascii_case("cookie") || truthy(v)))
                    || (key == "nginx.ingress.kubernetes.io/upstream-hash-by"
                        && (v.contains("remote_addr") || v.contains("$cookie_")))
                    || (key.contains("sticky") && truthy(v))
                    || (key == "alb.ingress.kubernetes.io/target-group-attributes"
                        && v.replace(' ', "").contains("stickiness.enabled=true"))
                    || (key.ends_with("/cookie-persistence") && !v.is_empty());
                if sticky {
                    let v = if v.chars().count() > 40 {
                        format!("{}…", v.chars().take(40).collect::<String>())
                    } else {
                        v.to_owned()
                    };
                    out.add(
                        entry_span(e),
                        format!("the annotation `{key}: {v}` turns on session affinity at the load balancer: {WHY}"),
                    )
                    .fix(format!("remove the annotation and {STATELESS_FIX}"));
                }
            }
        }
        // Traefik `sticky:` in IngressRoute services, Istio `consistentHash`.
        let traefik = api.contains("traefik");
        let istio = api.contains("istio.io") && kind == "DestinationRule";
        if traefik || istio {
            let mut hits: Vec<Span> = Vec::new();
            let mut stack: Vec<&Node> = vec![doc];
            let mut steps = 0;
            while let Some(n) = stack.pop() {
                steps += 1;
                if steps > 100_000 {
                    break;
                }
                for (key, e) in n.entries() {
                    let hit = (traefik && key == "sticky" && e.value.as_map().is_some())
                        || (istio && key == "consistentHash");
                    if hit {
                        hits.push(e.key_span());
                    }
                    stack.push(&e.value);
                }
                stack.extend(n.items());
            }
            for span in hits {
                let what = if traefik {
                    "Traefik `sticky` load balancing pins each client to one backend"
                } else {
                    "Istio `consistentHash` load balancing pins each client to one backend"
                };
                out.add(span, format!("{what}: {WHY}")).fix(format!(
                    "remove it (round robin or least-request) and {STATELESS_FIX}"
                ));
            }
        }
    }
}

// ---------------------------------------------------------------- Compose

/// Traefik labels on Compose services: `traefik.http.services.web.loadbalancer.sticky.cookie=true`.
fn compose_rule(cx: &Cx, out: &mut Report) {
    for doc in &cx.yaml().docs {
        for (_, service) in deploy::compose_services(doc) {
            let Some(labels) = service
                .get("labels")
                .or_else(|| service.get("deploy").and_then(|d| d.get("labels")))
            else {
                continue;
            };
            for var in deploy::env_vars(labels, cx.text()) {
                let key = var.key.to_ascii_lowercase();
                if (key.contains(".sticky") || key.contains(".stickiness"))
                    && truthy(var.value.trim())
                {
                    out.add(
                        var.span,
                        format!("the label `{}={}` turns on sticky sessions at the load balancer: {WHY}", var.key, var.value),
                    )
                    .fix(format!("remove the label and {STATELESS_FIX}"));
                }
            }
        }
    }
}

// ---------------------------------------------------------------- nginx

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Word,
    Semi,
    Open,
    Close,
}

/// nginx configuration tokens with their byte spans: words (quotes kept), `;`, `{`, `}`.
/// `#` starts a comment where a token could start; `${var}` stays inside its word.
fn tokenize(text: &str) -> Vec<(Tok, Span)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'#' => {
                i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n);
            }
            b';' => {
                out.push((Tok::Semi, Span::new(i, i + 1)));
                i += 1;
            }
            b'{' => {
                out.push((Tok::Open, Span::new(i, i + 1)));
                i += 1;
            }
            b'}' => {
                out.push((Tok::Close, Span::new(i, i + 1)));
                i += 1;
            }
            _ => {
                let start = i;
                while i < b.len() {
                    match b[i] {
                        b'"' | b'\'' => {
                            let q = b[i];
                            i += 1;
                            while i < b.len() && b[i] != q {
                                if b[i] == b'\\' {
                                    i += 1;
                                }
                                i += 1;
                            }
                            i = (i + 1).min(b.len());
                        }
                        b'\\' => i = (i + 2).min(b.len()),
                        b'$' if b.get(i + 1) == Some(&b'{') => {
                            i = memchr::memchr(b'}', &b[i..]).map_or(b.len(), |n| i + n + 1);
                        }
                        b' ' | b'\t' | b'\r' | b'\n' | b';' | b'{' | b'}' => break,
                        _ => i += 1,
                    }
                }
                out.push((Tok::Word, Span::new(start, i)));
            }
        }
    }
    out
}

fn nginx_rule(cx: &Cx, out: &mut Report) {
    let text = cx.text();
    let word = |s: Span| {
        text.get(s.start..s.end)
            .unwrap_or("")
            .trim_matches(['"', '\''])
    };
    // Block names, innermost last.
    let mut stack: Vec<String> = Vec::new();
    // The directive being read: its words.
    let mut words: Vec<Span> = Vec::new();
    for (tok, span) in tokenize(text) {
        match tok {
            Tok::Word => words.push(span),
            Tok::Open => {
                let name = words
                    .first()
                    .map(|s| word(*s).to_owned())
                    .unwrap_or_default();
                stack.push(name);
                words.clear();
            }
            Tok::Close => {
                stack.pop();
                words.clear();
            }
            Tok::Semi => {
                if stack.last().is_some_and(|b| b == "upstream") {
                    judge(out, &words, span, &word);
                }
                words.clear();
            }
        }
    }
}

/// Judges one directive inside an `upstream` block.
fn judge<'t>(out: &mut Report, words: &[Span], semi: Span, word: &dyn Fn(Span) -> &'t str) {
    let Some(&first) = words.first() else { return };
    let name = word(first);
    let span = Span::new(first.start, semi.end);
    let args: Vec<&str> = words[1..].iter().map(|s| word(*s)).collect();
    let (what, fix) = if name == "ip_hash" {
        (
            "`ip_hash` routes every client IP to the same upstream server".to_owned(),
            "remove `ip_hash` (round robin, or `least_conn;`) and keep session state in a backing service such as Redis",
        )
    } else if name.starts_with("sticky") {
        (
            format!("`{name}` pins each client to one upstream server"),
            "remove the `sticky` directive and keep session state in a backing service such as Redis",
        )
    } else if name == "hash"
        && args.first().is_some_and(|a| {
            a.contains("remote_addr") || a.contains("$cookie_") || a.contains("${cookie_")
        })
    {
        (
            format!(
                "`hash {}` routes each client to the same upstream server",
                args[0]
            ),
            "remove the client-keyed `hash` (use round robin or `least_conn;`) and keep session state in a backing service such as Redis",
        )
    } else {
        return;
    };
    out.add(span, format!("{what}: {WHY}")).fix(fix);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        let src = "upstream a { # ip_hash;\n hash ${remote_addr}x \"b c\"; }";
        let toks: Vec<(Tok, &str)> = tokenize(src)
            .into_iter()
            .map(|(t, s)| (t, &src[s.start..s.end]))
            .collect();
        assert_eq!(
            toks,
            [
                (Tok::Word, "upstream"),
                (Tok::Word, "a"),
                (Tok::Open, "{"),
                (Tok::Word, "hash"),
                (Tok::Word, "${remote_addr}x"),
                (Tok::Word, "\"b c\""),
                (Tok::Semi, ";"),
                (Tok::Close, "}"),
            ]
        );
    }
}
