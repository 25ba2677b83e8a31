//! The Dockerfile reader: spans must stay inside the text and on character boundaries.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let df = dozen::parse::dockerfile::parse(&text);
    for i in &df.instructions {
        for w in i.words.iter().chain(i.exec_form.iter().flatten()) {
            assert!(w.span.start <= w.span.end && w.span.end <= text.len());
            assert!(text.is_char_boundary(w.span.start) && text.is_char_boundary(w.span.end));
        }
        let _ = i.key_values();
        let _ = dozen::parse::dockerfile::substitute(i.rest(), &Default::default());
    }
});
