//! dozen.toml parsing: errors are messages, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = dozen::config::Config::from_toml(text, None);
    }
});
