//! `sticky-sessions`: load balancing that pins clients to one process.

use super::Rule;
use crate::classify::FileKind;
use crate::context::{Cx, Report};
use crate::finding::Span;

pub const RULE: Rule = Rule {
    id: "sticky-sessions",
    meta_source: include_str!("../../rules/sticky-sessions.toml"),
    kinds: &[FileKind::Nginx],
    triggers: &["upstream"],
    check,
};

const WHY: &str = "clients are pinned to one process, which hides per-process state that is lost when that process restarts or is scaled away, and spreads load unevenly";

fn check(cx: &Cx, out: &mut Report) {
    if cx.kind() == FileKind::Nginx {
        nginx_rule(cx, out);
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
