//! The text readers one by one, selected by the first byte: shell commands, YAML with
//! positions, requirement files, JSON, TOML, .env. Spans must stay inside the text.
#![no_main]

use dozen::finding::Span;
use libfuzzer_sys::fuzz_target;

fn inside(text: &str, s: Span) {
    assert!(s.start <= s.end && s.end <= text.len(), "{s:?} outside {}", text.len());
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    match pick % 6 {
        0 => {
            let script = dozen::parse::shell::parse(&text);
            for c in &script.commands {
                inside(&text, c.span);
                for w in &c.words {
                    inside(&text, w.span);
                }
            }
        }
        1 => {
            let y = dozen::parse::yaml::parse(&text);
            for d in &y.docs {
                d.walk(&mut |_, n| inside(&text, n.span()));
            }
        }
        2 => {
            let _ = dozen::parse::requirements::parse(&text);
        }
        3 => {
            if let Some(root) = dozen::parse::json::parse(&text).root {
                inside(&text, root.span);
            }
        }
        4 => {
            let _ = dozen::parse::toml_doc::parse(&text);
        }
        _ => {
            let _ = dozen::parse::dotenv::parse(&text);
        }
    }
});
