//! Text gates: cheap conditions on a file's raw text that must hold for a rule to find
//! anything in it, checked before the file is parsed. Parsing is most of a scan's cost, and
//! most source files mention a rule's trigger words (`server`, `key`, `://`) without
//! containing anything the rule reports. A gate must be a *necessary* condition: when it
//! says no, the rule's syntax-tree analysis could not have reported anything either.

use aho_corasick::AhoCorasick;
use memchr::memmem::Finder;
use std::cell::RefCell;
use std::sync::OnceLock;

/// Whether gates (and the engine's trigger-word prefilter) are in force. Setting
/// `DOZEN_NO_GATES=1` turns them all off, so every rule analyses every file of its kinds:
/// the output must not change, which is how the tests check that each gate is a
/// necessary condition.
pub fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("DOZEN_NO_GATES").is_none())
}

thread_local! {
    /// The file this thread is checking (and views of it, see [`checking_view`]), each
    /// with its ASCII-lowercased copy once a gate asks.
    static FILE: RefCell<Vec<Folded>> = const { RefCell::new(Vec::new()) };
}

struct Folded {
    /// The text's address and length: gates use the copy only for exactly this text.
    at: (usize, usize),
    lower: Option<Vec<u8>>,
    /// Where the credential-format prefixes occur, when the engine's trigger pass found
    /// them (see [`record_prefix_hits`]).
    prefix_hits: Option<PrefixHits>,
}

/// While the returned guard lives, gates on exactly `text` (the file being checked on
/// this thread) search one ASCII-lowercased copy of it, made on first use, with SIMD
/// substring search: several times faster than a case-insensitive automaton, which every
/// gate would otherwise run over the whole file. Other texts (snippets, values) are
/// searched with the automaton.
pub fn checking(text: &str) -> FileGuard {
    FILE.with(|f| *f.borrow_mut() = vec![Folded::new(text)]);
    FileGuard(())
}

/// Gates on exactly `text`, a view of the file being checked (its code without comments),
/// also search a lowercased copy, until the guard of [`checking`] drops. The copy is
/// found by `text`'s address: `text` must outlive that guard.
pub fn checking_view(text: &str) {
    FILE.with(|f| {
        if let Ok(mut files) = f.try_borrow_mut() {
            files.push(Folded::new(text));
        }
    });
}

impl Folded {
    fn new(text: &str) -> Folded {
        Folded {
            at: (text.as_ptr() as usize, text.len()),
            lower: None,
            prefix_hits: None,
        }
    }
}

/// Ends [`checking`] when dropped.
pub struct FileGuard(());

impl Drop for FileGuard {
    fn drop(&mut self) {
        FILE.with(|f| f.borrow_mut().clear());
    }
}

/// `f` over the lowercased copy of `text`, if `text` is the file being checked.
pub fn with_lower<R>(text: &str, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
    with_file(text, |folded| {
        let lower = folded
            .lower
            .get_or_insert_with(|| text.as_bytes().to_ascii_lowercase());
        f(lower)
    })
}

/// Occurrences of the credential-format prefixes: (start, index of the prefix), compared
/// ASCII-case-insensitively, in any order.
pub type PrefixHits = Vec<(usize, usize)>;

/// The file being checked on this thread, if `text` is exactly it.
fn with_file<R>(text: &str, f: impl FnOnce(&mut Folded) -> R) -> Option<R> {
    FILE.with(|cell| {
        let mut files = cell.try_borrow_mut().ok()?;
        let at = (text.as_ptr() as usize, text.len());
        files.iter_mut().find(|folded| folded.at == at).map(f)
    })
}

/// Records every occurrence of the credential-format prefixes in `text` (the file being
/// checked), found by the engine's trigger pass, which reads the whole file anyway: the
/// format scan then verifies these instead of reading the file again.
pub fn record_prefix_hits(text: &str, hits: PrefixHits) {
    with_file(text, |f| f.prefix_hits = Some(hits));
}

/// What [`record_prefix_hits`] recorded for `text`, if anything.
pub fn prefix_hits(text: &str) -> Option<PrefixHits> {
    with_file(text, |f| f.prefix_hits.clone()).flatten()
}

/// A shell script as its command words read: line continuations joined, quotes and
/// backslashes dropped (`c"ur"l`, `cu\⏎rl` and `curl` all run `curl`). `None` if
/// gates are off or the script uses ANSI-C quoting (`$'\x63url'`), which can spell any
/// word: gates then let it through.
pub fn shell_words(script: &str) -> Option<String> {
    if !enabled() || script.contains("$'") {
        return None;
    }
    Some(
        script
            .replace("\\\r\n", "")
            .replace("\\\n", "")
            .replace(['"', '\'', '\\'], ""),
    )
}

/// Whether `b` can be part of an identifier (in any of the languages gates read).
fn ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// A fixed set of words, matched ASCII-case-insensitively, compiled on first use.
pub struct Words {
    words: &'static [&'static str],
    matcher: OnceLock<AhoCorasick>,
    /// One substring finder per word, lowercased, for [`checking`]'s copy.
    finders: OnceLock<Vec<Finder<'static>>>,
}

impl Words {
    pub const fn new(words: &'static [&'static str]) -> Words {
        Words {
            words,
            matcher: OnceLock::new(),
            finders: OnceLock::new(),
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

    fn finders(&self) -> &[Finder<'static>] {
        self.finders.get_or_init(|| {
            self.words
                .iter()
                .map(|w| Finder::new(w.to_ascii_lowercase().as_bytes()).into_owned())
                .collect()
        })
    }

    /// Whether `hit(start, end)` holds for some occurrence of the words in `text`,
    /// overlapping ones included, visited in no particular order.
    fn any_occurrence(&self, text: &str, hit: impl Fn(usize, usize) -> bool) -> bool {
        with_lower(text, |lower| {
            self.finders().iter().any(|f| {
                let len = f.needle().len();
                f.find_iter(lower).any(|start| hit(start, start + len))
            })
        })
        .unwrap_or_else(|| {
            self.matcher()
                .find_overlapping_iter(text)
                .any(|m| hit(m.start(), m.end()))
        })
    }

    /// Every occurrence of the words in `text`, overlapping ones included, in no
    /// particular order.
    fn occurrences(&self, text: &str) -> Vec<(usize, usize)> {
        with_lower(text, |lower| {
            self.finders()
                .iter()
                .flat_map(|f| {
                    let len = f.needle().len();
                    f.find_iter(lower).map(move |start| (start, start + len))
                })
                .collect()
        })
        .unwrap_or_else(|| {
            self.matcher()
                .find_overlapping_iter(text)
                .map(|m| (m.start(), m.end()))
                .collect()
        })
    }

    /// Every occurrence of the words in `text` in order of their start, whether gates are
    /// on or not: for gates that look at what surrounds each word. Occurrences may overlap
    /// (`passecret` holds `pass` and `secret`).
    pub fn find_iter(&self, text: &str) -> Vec<(usize, usize)> {
        let mut all = self.occurrences(text);
        all.sort_unstable();
        all
    }

    /// Whether any of the words occurs anywhere in `text`.
    pub fn any_in(&self, text: &str) -> bool {
        !enabled()
            || with_lower(text, |lower| {
                self.finders().iter().any(|f| f.find(lower).is_some())
            })
            .unwrap_or_else(|| self.matcher().is_match(text))
    }

    /// Whether any of the words occurs in `text` as a whole name, not part of a longer
    /// identifier: `axum::serve`, `serve as start`, not `preserves` or `SERVER_ERROR`.
    pub fn named_in(&self, text: &str) -> bool {
        if !enabled() {
            return true;
        }
        let bytes = text.as_bytes();
        self.any_occurrence(text, |start, end| {
            (start == 0 || !ident(bytes[start - 1])) && !bytes.get(end).is_some_and(|&b| ident(b))
        })
    }

    /// Whether any of the words occurs in `text` as a whole name called like a function:
    /// not part of a longer identifier, and followed (after optional whitespace) by `(`.
    /// `app.run (`, `serve(` and `HTTPServer(` count; `rerun(` and `serve_forever(` do not.
    pub fn called_in(&self, text: &str) -> bool {
        if !enabled() {
            return true;
        }
        let bytes = text.as_bytes();
        self.any_occurrence(text, |start, end| {
            let before_ok = start == 0 || !ident(bytes[start - 1]);
            let after = bytes[end..]
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
        self.any_occurrence(text, |start, end| {
            let mut after = bytes[end..].iter().skip_while(|b| b.is_ascii_whitespace());
            let assigned = match after.next() {
                Some(b'=') => after.next() != Some(&b'='),
                // An annotation: `=` later on the line, not part of `==`, `<=`, `!=`, `>=`,
                // or a bracket left open there (`DEBUG: Annotated[⏎ bool,⏎] = True`) or a
                // line continuation.
                Some(b':') => {
                    let line: Vec<u8> = after.take_while(|&&b| b != b'\n').copied().collect();
                    let open = line.iter().filter(|b| b"([{".contains(b)).count();
                    let closed = line.iter().filter(|b| b")]}".contains(b)).count();
                    open > closed
                        || line.trim_ascii_end().ends_with(b"\\")
                        || (0..line.len()).any(|i| {
                            line[i] == b'='
                                && !(i > 0 && b"=<>!".contains(&line[i - 1]))
                                && line.get(i + 1) != Some(&b'=')
                        })
                }
                _ => false,
            };
            let quoted = start > 0 && quote(bytes.get(start - 1)) && quote(bytes.get(end));
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
    /// in no particular order, whether gates are on or not.
    pub fn quoted_iter(&self, text: &str) -> impl Iterator<Item = (usize, usize)> {
        let bytes = text.as_bytes();
        let quote = |b: u8| matches!(b, b'"' | b'\'' | b'`');
        let blank = |b: &u8| *b == b' ' || *b == b'\t';
        let spans: Vec<(usize, usize)> = self
            .occurrences(text)
            .into_iter()
            .filter_map(|(start, end)| {
                let open = bytes[..start].iter().rposition(|b| !blank(b))?;
                let close = end + bytes[end..].iter().position(|b| !blank(b))?;
                (quote(bytes[open]) && quote(bytes[close])).then_some((open, close + 1))
            })
            .collect();
        spans.into_iter()
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
        assert!(W.named_in("use x::run as go;") && W.named_in("run"));
        assert!(!W.named_in("rerun; RUNNER; run_x"));
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
            "DEBUG: Annotated[\n    bool,\n] = True",
            "DEBUG: bool \\\n    = True",
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

    #[test]
    fn the_lowercased_copy_finds_what_the_automaton_finds() {
        static W: Words = Words::new(&["Debug", "run", "prod", "PASS"]);
        for text in [
            "app.run(debug=True)",
            "DEBUG = 'Prod'",
            "passecret = 1\nRERUN(x)",
            "nothing here",
            "\"run\" == x; PassWord",
        ] {
            // Every search, once with the automaton and once on the lowercased copy.
            let all = |text: &str| {
                let mut quoted: Vec<_> = W.quoted_iter(text).collect();
                quoted.sort_unstable();
                (
                    W.any_in(text),
                    W.called_in(text),
                    W.named_in(text),
                    W.assigned_or_quoted_in(text),
                    quoted,
                    W.find_iter(text),
                )
            };
            let plain = all(text);
            let _checking = checking(text);
            let folded = all(text);
            assert!(with_lower(text, |_| ()).is_some());
            assert_eq!(plain, folded, "{text}");
        }
        assert!(with_lower("x", |_| ()).is_none());
    }
}
