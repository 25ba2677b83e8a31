//! Text gates: cheap conditions on a file's raw text that must hold for a rule to find
//! anything in it, checked before the file is parsed. Parsing is most of a scan's cost, and
//! most source files mention a rule's trigger words (`server`, `key`, `://`) without
//! containing anything the rule reports. A gate must be a *necessary* condition: when it
//! says no, the rule's syntax-tree analysis could not have reported anything either.

use aho_corasick::AhoCorasick;
use std::sync::OnceLock;

/// Whether gates (and the engine's trigger-word prefilter) are in force. Setting
/// `DOZEN_NO_GATES=1` turns them all off, so every rule analyses every file of its kinds:
/// the output must not change, which is how the tests check that each gate is a
/// necessary condition.
pub fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("DOZEN_NO_GATES").is_none())
}

/// A fixed set of words, matched ASCII-case-insensitively, compiled on first use.
pub struct Words {
    words: &'static [&'static str],
    matcher: OnceLock<AhoCorasick>,
}

impl Words {
    pub const fn new(words: &'static [&'static str]) -> Words {
        Words {
            words,
            matcher: OnceLock::new(),
        }
    }

    fn matcher(&self) -> &AhoCorasick {
        self.matcher.get_or_init(|| {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(self.words)
                .expect("plain words")
        })
    }

    /// Every occurrence of the words in `text`, without overlaps, whether gates are on or
    /// not: for gates that look at what surrounds each word.
    pub fn find_iter<'t>(
        &'t self,
        text: &'t str,
    ) -> impl Iterator<Item = aho_corasick::Match> + 't {
        self.matcher().find_iter(text)
    }

    /// Whether any of the words occurs anywhere in `text`.
    pub fn any_in(&self, text: &str) -> bool {
        !enabled() || self.matcher().is_match(text)
    }

    /// Whether any of the words occurs in `text` as a whole name called like a function:
    /// not part of a longer identifier, and followed (after optional whitespace) by `(`.
    /// `app.run (`, `serve(` and `HTTPServer(` count; `rerun(` and `serve_forever(` do not.
    pub fn called_in(&self, text: &str) -> bool {
        if !enabled() {
            return true;
        }
        let bytes = text.as_bytes();
        let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80;
        self.matcher().find_overlapping_iter(text).any(|m| {
            let before_ok = m.start() == 0 || !ident(bytes[m.start() - 1]);
            let after = bytes[m.end()..]
                .iter()
                .find(|b| !b.is_ascii_whitespace())
                .copied();
            before_ok && after == Some(b'(')
        })
    }

    /// Whether any of the words occurs in `text` assigned (`debug=`, `DEBUG = `, not
    /// `debug ==`; annotated, `DEBUG: bool = `) or as a whole quoted string (`"DEBUG"`).
    pub fn assigned_or_quoted_in(&self, text: &str) -> bool {
        if !enabled() {
            return true;
        }
        let bytes = text.as_bytes();
        let quote = |b: Option<&u8>| matches!(b, Some(b'"' | b'\'' | b'`'));
        self.matcher().find_overlapping_iter(text).any(|m| {
            let mut after = bytes[m.end()..]
                .iter()
                .skip_while(|b| b.is_ascii_whitespace());
            let assigned = match after.next() {
                Some(b'=') => after.next() != Some(&b'='),
                // An annotation: `=` later on the line, not part of `==`, `<=`, `!=`, `>=`.
                Some(b':') => {
                    let line: Vec<u8> = after.take_while(|&&b| b != b'\n').copied().collect();
                    (0..line.len()).any(|i| {
                        line[i] == b'='
                            && !(i > 0 && b"=<>!".contains(&line[i - 1]))
                            && line.get(i + 1) != Some(&b'=')
                    })
                }
                _ => false,
            };
            let quoted =
                m.start() > 0 && quote(bytes.get(m.start() - 1)) && quote(bytes.get(m.end()));
            assigned || quoted
        })
    }

    /// Whether any of the words occurs in `text` as a whole quoted string, spaces inside
    /// the quotes allowed (`"production"`, `' dev '`).
    pub fn quoted_in(&self, text: &str) -> bool {
        !enabled() || self.quoted_iter(text).next().is_some()
    }

    /// Every occurrence of the words in `text` as a whole quoted string (see
    /// [`Words::quoted_in`]), as the span from its opening quote to after its closing one,
    /// whether gates are on or not.
    pub fn quoted_iter<'t>(&'t self, text: &'t str) -> impl Iterator<Item = (usize, usize)> + 't {
        let bytes = text.as_bytes();
        let quote = |b: u8| matches!(b, b'"' | b'\'' | b'`');
        let blank = |b: &u8| *b == b' ' || *b == b'\t';
        self.matcher()
            .find_overlapping_iter(text)
            .filter_map(move |m| {
                let open = bytes[..m.start()].iter().rposition(|b| !blank(b))?;
                let close = m.end() + bytes[m.end()..].iter().position(|b| !blank(b))?;
                (quote(bytes[open]) && quote(bytes[close])).then_some((open, close + 1))
            })
    }

    #[cfg(test)]
    pub fn words(&self) -> &'static [&'static str] {
        self.words
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_words_and_calls() {
        static W: Words = Words::new(&["run", "HTTPServer"]);
        assert!(W.any_in("x = Rerun"));
        assert!(W.called_in("app.run(port=1)"));
        assert!(W.called_in("app.run \n (port=1)"));
        assert!(W.called_in(r#"httpserver(("", 80), H)"#));
        assert!(!W.called_in("rerun(x)"));
        assert!(!W.called_in("run_forever(x)"));
        assert!(!W.called_in("app.run"));
        assert!(!W.called_in(""));
    }

    #[test]
    fn finds_quoted_words() {
        static W: Words = Words::new(&["prod", "production"]);
        for yes in ["env == \"production\"", "case 'prod':", "x = ` Prod `"] {
            assert!(W.quoted_in(yes), "{yes}");
        }
        for no in ["production_settings", "'productions'", "prod = 1", ""] {
            assert!(!W.quoted_in(no), "{no}");
        }
    }

    #[test]
    fn finds_assignments_and_quoted_keys() {
        static W: Words = Words::new(&["debug"]);
        for yes in [
            "debug=True",
            "DEBUG = True",
            "app.debug\n = 1",
            "DEBUG: bool = True",
            "DEBUG:bool=\\\n    True",
            "{'DEBUG': True}",
            "c[\"debug\"]",
        ] {
            assert!(W.assigned_or_quoted_in(yes), "{yes}");
        }
        for no in [
            "log.debug('x')",
            "if debug == 1:",
            "if debug: x == 1",
            "'debugger'",
            "debug",
            "",
        ] {
            assert!(!W.assigned_or_quoted_in(no), "{no}");
        }
    }
}
