//! Trigger words: which rules a file's text can concern, found in one pass over it.
//!
//! Every rule lists words its findings need (`Rule::triggers`); a rule whose words do not
//! occur in a file is not run on it. The same pass records where the credential formats'
//! prefixes occur, for `hardcoded-secret` ([`gate::record_prefix_hits`]), so each file
//! is read once.
//!
//! The pass reads every byte of every file, so it is a DFA, used as its own type (not
//! behind `AhoCorasick`'s trait object, which costs a virtual call per byte), and a long
//! text is read as several interleaved pieces: each piece's next state waits on a load
//! from the transition table, and reading four pieces at once keeps those waits from
//! adding up.

use crate::lang::gate;
use crate::rules::{self, RULES, Rule};
use crate::source::SourceFile;
use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, PatternID};
use std::sync::OnceLock;

/// What a pattern is.
enum Owner {
    /// A trigger word of the rule with this index.
    Rule(usize),
    /// The prefix of the credential format with this index.
    Format(usize),
}

struct Triggers {
    dfa: DFA,
    /// By pattern index.
    owner: Vec<Owner>,
    /// The rule whose format scan reads the prefixes.
    secrets: Option<usize>,
}

fn triggers() -> &'static Triggers {
    static TRIGGERS: OnceLock<Triggers> = OnceLock::new();
    TRIGGERS.get_or_init(|| {
        let mut patterns = Vec::new();
        let mut owner = Vec::new();
        for (i, r) in RULES.iter().enumerate() {
            for t in r.triggers {
                patterns.push(t.to_ascii_lowercase());
                owner.push(Owner::Rule(i));
            }
        }
        for (k, p) in rules::secrets::formats::pattern_prefixes().enumerate() {
            patterns.push(p.to_ascii_lowercase());
            owner.push(Owner::Format(k));
        }
        // It reads the file's lowercased copy (the gates' copy, `gate::checking`), so it
        // needs no case-insensitive states. Without a prefilter, start states are not
        // special, which `overlapping` relies on.
        let dfa = DFA::builder()
            .prefilter(false)
            .build(&patterns)
            .expect("trigger words are plain strings");
        Triggers {
            dfa,
            owner,
            secrets: RULES.iter().position(|r| r.id == "hardcoded-secret"),
        }
    })
}

/// The registered rules that want this file kind and whose trigger words occur in it.
pub fn applicable_rules(file: &SourceFile) -> Vec<&'static Rule> {
    let t = triggers();
    let mut wanted: Vec<bool> = RULES.iter().map(|r| r.kinds.contains(&file.kind)).collect();
    let needs_scan: Vec<usize> = (0..RULES.len())
        .filter(|&i| wanted[i] && !RULES[i].triggers.is_empty() && gate::enabled())
        .collect();
    if !needs_scan.is_empty() {
        let formats = t.secrets.is_some_and(|i| wanted[i]);
        let mut hit = vec![false; RULES.len()];
        let mut remaining = needs_scan.len();
        let mut prefixes = Vec::new();
        let mut scan = |lower: &[u8]| {
            // With the formats wanted, every byte is read anyway.
            let whole = formats || lower.len() >= SPLIT_FROM;
            overlapping(&t.dfa, lower, whole, |pattern, start| {
                match t.owner[pattern.as_usize()] {
                    Owner::Format(k) if formats => prefixes.push((start, k)),
                    Owner::Rule(r) if wanted[r] && !hit[r] => {
                        hit[r] = true;
                        remaining -= 1;
                        return remaining == 0 && !formats;
                    }
                    _ => {}
                }
                false
            });
        };
        if gate::with_lower(&file.text, &mut scan).is_none() {
            scan(file.text.to_ascii_lowercase().as_bytes());
        }
        if formats {
            gate::record_prefix_hits(&file.text, prefixes);
        }
        for i in needs_scan {
            wanted[i] = hit[i];
        }
    }
    RULES
        .iter()
        .zip(wanted)
        .filter_map(|(r, w)| w.then_some(*r))
        .collect()
}

/// Texts shorter than this are read in one piece, which can stop at the first `true`,
/// unless they are read whole anyway.
const SPLIT_FROM: usize = 16 << 10;
/// Texts shorter than this are read in one piece.
const PIECE_MIN: usize = 256;
const PIECES: usize = 4;

/// Calls `found(pattern, start)` for every match of `dfa` in `hay`, overlapping ones
/// included, in order of their ends (then of their patterns), as the DFA's own overlapping
/// search would. Stops when `found` returns `true`; with `whole`, only after reading the
/// text to its end (in interleaved pieces).
fn overlapping(
    dfa: &DFA,
    hay: &[u8],
    whole: bool,
    mut found: impl FnMut(PatternID, usize) -> bool,
) {
    let Ok(start) = dfa.start_state(Anchored::No) else {
        return;
    };
    let report = |sid, end: usize, found: &mut dyn FnMut(PatternID, usize) -> bool| {
        (0..dfa.match_len(sid)).any(|i| {
            let p = dfa.match_pattern(sid, i);
            found(p, end - dfa.pattern_len(p))
        })
    };
    if !whole || hay.len() < PIECE_MIN {
        let mut sid = start;
        for (i, &b) in hay.iter().enumerate() {
            sid = dfa.next_state(Anchored::No, sid, b);
            if dfa.is_special(sid) && dfa.is_match(sid) && report(sid, i + 1, &mut found) {
                return;
            }
        }
        return;
    }
    // Piece k keeps the matches that end in `from[k] + 1..=to[k]`; it starts reading
    // early enough that the state it reaches at `from[k]` is the one a single pass has
    // there (a state stands for at most the last `max_pattern_len` bytes).
    let piece = hay.len().div_ceil(PIECES);
    let from: [usize; PIECES] = std::array::from_fn(|k| (k * piece).min(hay.len()));
    let to: [usize; PIECES] = std::array::from_fn(|k| ((k + 1) * piece).min(hay.len()));
    let mut at: [usize; PIECES] =
        std::array::from_fn(|k| from[k].saturating_sub(dfa.max_pattern_len()));
    let mut sid = [start; PIECES];
    let mut ends: [Vec<(usize, StateID)>; PIECES] = Default::default();
    let steps = (0..PIECES).map(|k| to[k] - at[k]).max().unwrap_or(0);
    for _ in 0..steps {
        for k in 0..PIECES {
            if at[k] < to[k] {
                let s = dfa.next_state(Anchored::No, sid[k], hay[at[k]]);
                sid[k] = s;
                at[k] += 1;
                if dfa.is_special(s) && dfa.is_match(s) && at[k] > from[k] {
                    ends[k].push((at[k], s));
                }
            }
        }
    }
    for (end, sid) in ends.into_iter().flatten() {
        if report(sid, end, &mut found) {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_random::Xorshift;

    /// The DFA's own overlapping search, as (pattern, start).
    fn reference(dfa: &DFA, hay: &[u8]) -> Vec<(usize, usize)> {
        dfa.try_find_overlapping_iter(aho_corasick::Input::new(hay))
            .unwrap()
            .map(|m| (m.pattern().as_usize(), m.start()))
            .collect()
    }

    #[test]
    fn pieces_find_what_one_pass_finds() {
        let patterns = ["ab", "b", "aab", "bab", "abba", "aaaaaaab", "c"];
        let dfa = DFA::builder().prefilter(false).build(patterns).unwrap();
        let mut r = Xorshift::new();
        let sizes = [
            0,
            1,
            7,
            PIECE_MIN - 1,
            PIECE_MIN,
            PIECE_MIN + 3,
            1000,
            SPLIT_FROM + 5,
        ];
        for &n in &sizes {
            for _ in 0..20 {
                // Runs of `a` make matches that straddle the pieces' bounds.
                let hay: Vec<u8> = (0..n).map(|_| b"aaaabbc"[r.below(7)]).collect();
                let want = reference(&dfa, &hay);
                for whole in [false, true] {
                    let mut got = Vec::new();
                    overlapping(&dfa, &hay, whole, |p, start| {
                        got.push((p.as_usize(), start));
                        false
                    });
                    assert_eq!(got, want, "n={n} whole={whole}");
                }
            }
        }
    }

    #[test]
    fn stops_when_asked() {
        let dfa = DFA::builder().prefilter(false).build(["x"]).unwrap();
        let hay = vec![b'x'; 4 * SPLIT_FROM];
        for whole in [false, true] {
            let mut calls = 0;
            overlapping(&dfa, &hay, whole, |_, _| {
                calls += 1;
                true
            });
            assert_eq!(calls, 1);
        }
    }
}
