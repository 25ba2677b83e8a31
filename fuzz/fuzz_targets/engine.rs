//! Every parser and rule, through the engine: the first byte picks the file name (and so
//! the file kind and parsers), the rest is the content. Nothing may panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, content)) = data.split_first() else { return };
    let names = dozen::classify::SAMPLE_NAMES;
    let name = names[usize::from(pick) % names.len()];
    let config = dozen::config::Config::default();
    for f in dozen::engine::check_source(name, content, &config) {
        assert!(f.start.line >= 1 && f.start.col >= 1);
        assert!(f.end >= f.start, "{f:?}");
    }
});
