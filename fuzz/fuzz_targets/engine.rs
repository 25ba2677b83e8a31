//! Every parser and rule, through the engine: the first byte picks the file name (and so
//! the file kind and parsers), the rest is the content. Nothing may panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

const NAMES: &[&str] = &[
    "Dockerfile",
    "app.py",
    "app.js",
    "app.ts",
    "app.tsx",
    "main.rs",
    ".github/workflows/ci.yml",
    "action.yml",
    "docker-compose.yml",
    "k8s/deploy.yaml",
    ".pre-commit-config.yaml",
    "requirements.txt",
    "package.json",
    "Cargo.toml",
    "pyproject.toml",
    "Pipfile",
    "go.mod",
    "Gemfile",
    "composer.json",
    "script.sh",
    "Procfile",
    "nginx.conf",
    ".env",
    "logging.ini",
    "logging.json",
    "gunicorn.conf.py",
    "log4rs.yaml",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, content)) = data.split_first() else { return };
    let name = NAMES[usize::from(pick) % NAMES.len()];
    let config = dozen::config::Config::default();
    for f in dozen::engine::check_source(name, content, &config) {
        assert!(f.start.line >= 1 && f.start.col >= 1);
        assert!(f.end >= f.start, "{f:?}");
    }
});
