//! Replays inputs that once crashed a fuzz target (fuzz/regressions/<target>/*), and a
//! small built-in corpus, under every file name dozen recognises.

use dozen::classify::SAMPLE_NAMES;
use dozen::config::Config;
use std::path::Path;

fn replay(data: &[u8]) {
    let config = Config::default();
    for name in SAMPLE_NAMES {
        for f in dozen::engine::check_source(name, data, &config) {
            assert!(f.start.line >= 1 && f.start.col >= 1, "{name}: {f:?}");
            assert!(f.end >= f.start, "{name}: {f:?}");
        }
    }
    let text = String::from_utf8_lossy(data);
    let _ = dozen::parse::dockerfile::parse(&text);
    let _ = Config::from_toml(&text, None);
    let _ = dozen::parse::shell::parse(&text);
    let _ = dozen::parse::yaml::parse(&text);
    let _ = dozen::parse::requirements::parse(&text);
    let _ = dozen::parse::json::parse(&text);
    let _ = dozen::parse::toml_doc::parse(&text);
    let _ = dozen::parse::dotenv::parse(&text);
}

#[test]
fn saved_fuzz_crashes_stay_fixed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut count = 0;
    for target in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        for case in std::fs::read_dir(target.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let data = std::fs::read(case.path()).unwrap();
            // Engine inputs carry the name-picking byte first, as the fuzz target reads them.
            replay(&data);
            if let Some((_, rest)) = data.split_first() {
                replay(rest);
            }
            count += 1;
        }
    }
    eprintln!("replayed {count} saved fuzz inputs");
}

#[test]
fn odd_inputs_under_every_name() {
    let cases: &[&[u8]] = &[
        b"",
        b"\n\n\n",
        b"\xEF\xBB\xBF",
        b"\r\r\r",
        b"\\\n\\\n\\",
        b"<<EOF\n",
        b"[[[[[[[[",
        b"{\"a\":",
        b"a: &x [*x]\n",
        b"- - - - - -\n",
        b"'\"`${{}}$(",
        b"FROM \xff\xfe\nRUN \xc3\n",
        "é\u{0}ü".as_bytes(),
        b"# dozen: ignore[\n// dozen: ignore-file[]\n",
    ];
    for c in cases {
        replay(c);
    }
}
