//! The hand reader against tree-sitter, and what it declines.
use super::super::{Connector, Readers, Script, read_script};
use super::{Ctx, read, read_or_stop};
use crate::test_random::Xorshift;

/// tree-sitter's reading has a command that pipes into no command: the pipeline
/// misreads of `reads_what_tree_sitter_splits`.
fn pipes_into_nothing(s: &Script) -> bool {
    (0..s.commands.len())
        .any(|i| s.commands[i].next == Some(Connector::Pipe) && s.next_in_pipeline(i).is_none())
}

/// Both readers on `src`: `None` when the hand reader declines it, else whether they
/// agree (pipeline ids renumbered in order of appearance: they only need be unique).
/// Texts tree-sitter misreads agree only when `misreads` allows them.
fn readers_agree_or(src: &str, misreads: bool) -> Option<Result<(), String>> {
    read(src, Ctx::default(), 0, 0)?;
    let normal = |mut s: Script| {
        let mut ids = Vec::new();
        for c in &mut s.commands {
            if let Some(p) = &mut c.pipeline {
                let k = ids.iter().position(|&i| i == p.id).unwrap_or_else(|| {
                    ids.push(p.id);
                    ids.len() - 1
                });
                p.id = u32::try_from(k).unwrap();
            }
        }
        s
    };
    let hand = normal(read_script(src, Readers::Both));
    let tree = normal(read_script(src, Readers::TreeSitter));
    if hand == tree || (misreads && pipes_into_nothing(&tree) && !pipes_into_nothing(&hand)) {
        return Some(Ok(()));
    }
    let first = hand
        .commands
        .iter()
        .zip(&tree.commands)
        .find(|(h, t)| h != t)
        .map_or_else(
            || {
                format!(
                    "{} vs {} commands",
                    hand.commands.len(),
                    tree.commands.len()
                )
            },
            |(h, t)| format!("hand {h:?}\ntree {t:?}"),
        );
    Some(Err(format!(
        "{src:?}\ntree-sitter errors {:?}\n{first}",
        tree.errors
    )))
}

fn readers_agree(src: &str) -> Option<Result<(), String>> {
    readers_agree_or(src, false)
}

fn assert_read_and_agree(src: &str) {
    match readers_agree(src) {
        None => panic!("declined: {src:?}"),
        Some(Err(e)) => panic!("{e}"),
        Some(Ok(())) => {}
    }
}

#[test]
fn forms_scripts_are_written_in() {
    for src in [
        "apt-get update && apt-get install -y --no-install-recommends curl=7.* ca-certificates \\\n  && rm -rf /var/lib/apt/lists/*",
        "set -eux; \\\n  arch=\"$(dpkg --print-architecture)\"; \\\n  case \"${arch##*-}\" in \\\n    amd64) ARCH='x64';; \\\n    arm64|aarch64) ARCH='arm64';; \\\n    *) echo \"unsupported: $arch\"; exit 1 ;; \\\n  esac; \\\n  curl -fsSLO \"https://x/node-$V-linux-$ARCH.tar.xz\"",
        "#!/bin/sh\nset -e\n\nif [ \"$1\" = 'web' ]; then\n  python manage.py migrate --noinput\n  exec gunicorn app:wsgi --bind \"0.0.0.0:${PORT:-8000}\"\nfi\nexec \"$@\"",
        "main() {\n  local dir\n  dir=\"$(cd \"$(dirname \"$0\")\" && pwd)\"\n  for f in \"$dir\"/*.sql; do\n    psql -f \"$f\" || return 1\n  done\n}\nmain \"$@\"",
        "function cleanup {\n  kill \"$pid\" 2>/dev/null || true\n}\ntrap cleanup EXIT\nworker &\npid=$!\nwait",
        "if [[ -n \"$TOKEN\" && \"$EVENT\" != push ]]; then\n  echo \"ok\" >> \"$GITHUB_OUTPUT\"\nelif ! git diff --quiet; then\n  exit 1\nelse\n  :\nfi",
        "cat <<EOF | kubectl apply -f -\nkind: Namespace\nname: $(whoami)\nEOF\necho done",
        "python3 <<'PY' && echo ok\nprint('$(not run)')\nPY",
        "case $x in [ab]|c) y;; *) z ;; esac",
        "while read -r line; do\n  echo \"$line\"\ndone <<< \"$input\"",
        "until curl -fs http://db:5432; do sleep 1; done; exec app",
        "x=$(curl -fsSL https://get.example | sh -s -- -y)\ny=`uname -m`\nsu app -c 'pip install --user foo'",
        "find . -name '*.pyc' -exec rm {} \\; ; tar -xzf a.tgz -C /opt/ && ln -s /opt/a /usr/bin/a",
        "sudo -E bash -c \"npm install -g yarn@1 && yarn --version\" > /dev/null 2>&1 &",
        "diff <(sort a) <(sort b) | tee out.txt; echo $? $# $@ ${#x} $((n + 1)) $'tab\\there'",
        "{ echo a; echo b; } > out.log\n( cd sub && make ) || exit 1\n! false",
    ] {
        assert_read_and_agree(src);
    }
}

/// Random scripts over the forms the hand reader reads: it reads nearly all of them
/// and agrees with tree-sitter on every one it reads.
#[test]
fn random_scripts_agree_with_tree_sitter() {
    const SIMPLE: &[&str] = &[
        "a",
        "b x y",
        "c -f --opt=v",
        "d \"q $v w\"",
        "e 'lit $x'",
        "f $(g h)",
        "i \"$(j k)\"",
        "l ${v:-d}",
        "m > out",
        "n 2>&1",
        "o >> log 2>/dev/null",
        "X=1 p",
        "Y=$(q r)",
        "export Z=1 W",
        "local u=\"$(s)\"",
        "sh -c 't | u'",
        "bash -ec \"v && w\"",
        "diff <(x) <(y)",
        "echo `z`",
        "echo a\\ b",
        "echo $'t\\n'",
        "echo *.txt",
        "curl -fsSL https://x",
        "sh -s -- -y",
        "apt-get install -y foo=1",
        "cat <<<\"$h\"",
        "echo $1 $@ $# $?",
        "echo ~/x",
        "echo $((1 + 2))",
        "exec app",
        "find . -exec rm {} \\;",
        "echo \"a\\\"b\"",
        "env -i A=1 cmd",
        "nohup srv",
    ];
    // Layered like the grammar: compounds only as whole statements, so that the
    // scripts stay clear of the forms tree-sitter misreads (`reads_what_tree_sitter_splits`).
    // Pipelines of two plain commands: tree-sitter splits longer ones, and drops a
    // redirected first element, inside `&&` lists (`reads_what_tree_sitter_splits`).
    fn pipeline(r: &mut Xorshift) -> String {
        let simple = SIMPLE[r.below(SIMPLE.len())];
        if r.below(3) > 0 {
            return simple.to_string();
        }
        let plain = |r: &mut Xorshift| loop {
            let s = SIMPLE[r.below(SIMPLE.len())];
            if !s.contains('>') {
                return s;
            }
        };
        format!("{} | {}", plain(r), plain(r))
    }
    fn and_or(r: &mut Xorshift) -> String {
        let mut s = pipeline(r);
        for _ in 0..r.below(3) {
            let op = [" && ", " || ", " \\\n  && "][r.below(3)];
            s = format!("{s}{op}{}", pipeline(r));
        }
        s
    }
    fn statement(r: &mut Xorshift, depth: usize) -> String {
        if depth == 0 || r.below(2) == 0 {
            return match r.below(10) {
                0 => "Y=$(q r)".to_string(),
                1 => "! grep -q x f".to_string(),
                2 => "[ -f x ] && [ \"$a\" = b ]".to_string(),
                3 => "[[ -n $a && ( -z \"$b\" || $c < d ) ]]".to_string(),
                _ => and_or(r),
            };
        }
        let (a, b) = (list(r, depth - 1), list(r, depth - 1));
        match r.below(13) {
            0 => format!("if {a}; then {b}; fi"),
            1 => format!("if {a}\nthen\n  {b}\nelif {a}; then {b}\nelse {a}\nfi"),
            2 => format!("while {a}; do {b}; done"),
            3 => format!("until {a}; do {b}; done"),
            4 => format!("for v in x $(y) \"$z\"; do {a}; done"),
            5 => format!("{{ {a}; }}"),
            6 => format!("( {a} )"),
            7 => format!("f() {{ {a}; }}"),
            8 => format!("function g {{\n  {a}\n}}"),
            9 => format!("case $x in a) {a};; b|c) {b} ;; esac"),
            10 => format!("cat <<EOF\n$(x)\nEOF\n{a}"),
            11 => format!("x=$( {a} )"),
            _ => format!("echo \"$( {a} )\""),
        }
    }
    fn list(r: &mut Xorshift, depth: usize) -> String {
        let mut s = statement(r, depth);
        for _ in 0..r.below(3) {
            let sep = ["; ", "\n", " &\n", " # note\n", "\n\n"][r.below(5)];
            s = format!("{s}{sep}{}", statement(r, depth));
        }
        s
    }
    let mut r = Xorshift::new();
    let (mut read, total) = (0, 2000);
    for _ in 0..total {
        let src = list(&mut r, 3);
        if let Some(agreed) = readers_agree(&src) {
            read += 1;
            if let Err(e) = agreed {
                panic!("{e}");
            }
        }
    }
    assert!(read * 10 >= total * 9, "read only {read} of {total}");
}

/// The project's own shell fixtures and Dockerfile `RUN`s, and the conformance
/// scripts when `../shared` is present.
#[test]
fn fixture_scripts_agree_with_tree_sitter() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut texts = Vec::new();
    let mut dirs = vec![root.join("fixtures")];
    let conformance = root.join("../shared/conformance/scorecard");
    if conformance.is_dir() {
        dirs.push(conformance);
    } else {
        println!(
            "skipping conformance scripts: {} not found",
            conformance.display()
        );
    }
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            if name.starts_with("Dockerfile") {
                for i in crate::parse::dockerfile::parse(&text).instructions {
                    if i.is("RUN") && i.exec_form.is_none() {
                        texts.push(i.rest().to_string());
                    }
                }
            } else if name.ends_with(".sh") || name.starts_with("script-") {
                texts.push(text);
            }
        }
    }
    let mut read = 0;
    for src in &texts {
        if let Some(agreed) = readers_agree_or(src, true) {
            read += 1;
            if let Err(e) = agreed {
                panic!("{e}");
            }
        }
    }
    assert!(
        read * 4 >= texts.len() * 3,
        "read {read} of {}",
        texts.len()
    );
}

/// Where tree-sitter-bash 0.25.1 misreads bash and the hand reader does not (so the
/// two differ): these read as bash does.
#[test]
fn reads_what_tree_sitter_splits() {
    let argv = |src: &str, i: usize| -> Vec<String> {
        let s = read_script(src, Readers::Both);
        s.commands[i].words.iter().map(|w| w.text.clone()).collect()
    };
    // A backquoted substitution after literal text stays in the same word.
    assert_eq!(
        argv("curl -o x-`uname -s`-`uname -m` -L u", 0),
        ["curl", "-o", "x-`uname -s`-`uname -m`", "-L", "u"]
    );
    // In an `&&` list, a pipeline of three is one pipeline, and a redirected first
    // command is in it.
    let s = read_script(
        "a | b | c && d\nx && curl -fsSL u 2>/dev/null | sh",
        Readers::Both,
    );
    let pipes: Vec<_> = s
        .commands
        .iter()
        .map(|c| c.pipeline.map(|p| (p.index, p.len)))
        .collect();
    assert_eq!(
        pipes,
        [
            Some((0, 3)),
            Some((1, 3)),
            Some((2, 3)),
            None,
            None,
            Some((0, 2)),
            Some((1, 2))
        ]
    );
    // An expansion of a name starting with `_` stays in its word.
    assert_eq!(
        argv("mvn -Durl=https://$_user@github.com/$_repo.git", 0),
        ["mvn", "-Durl=https://$_user@github.com/$_repo.git"]
    );
    // `-` before a heredoc is an argument.
    assert_eq!(argv("python3 - <<'PY'\nprint(1)\nPY", 0), ["python3", "-"]);
    // A pipeline after a brace group in an `&&` list is one pipeline.
    let s = read_script(
        "a && { b; } && find . -exec ldd '{}' ';' | awk '{ print }' | sort -u",
        Readers::Both,
    );
    let find = s
        .commands
        .iter()
        .find(|c| c.name() == Some("find"))
        .unwrap();
    assert_eq!(find.pipeline.map(|p| (p.index, p.len)), Some((0, 3)));
}

/// Forms left to tree-sitter, which reads them (or reports errors) as before.
#[test]
fn declines_what_it_does_not_read() {
    for src in [
        "a\r\nb",
        "[[ $x =~ ^[0-9]+$ ]]",
        "[[ $x == *.txt ]]",
        "arr=(a b)",
        "X+=1 cmd",
        "cat <<EOF > out\nbody\nEOF",
        "echo {a,b}",
        "echo a[1]",
        "test 7 == 8",
        "if a; then b",
        "fi",
        "echo 'unterminated",
        "cat <<EOF\nno end",
        "a ;; b",
        "> only-a-redirect",
        "select x in a b; do y; done",
        "for ((i = 0; i < 3; i++)); do a; done",
        "echo $() ``",
        "echo a\\",
        "cat > #comment",
        "case x in a) b } c) d;; esac",
    ] {
        assert!(read(src, Ctx::default(), 0, 0).is_none(), "{src:?}");
        let s = read_script(src, Readers::Both);
        assert_eq!(s, read_script(src, Readers::TreeSitter), "{src:?}");
    }
    let deep = format!("echo {}x{}", "$(".repeat(100), ")".repeat(100));
    assert!(read(&deep, Ctx::default(), 0, 0).is_none());
}

/// Ad hoc: `DOZEN_SHELL_CORPUS=dir cargo test --lib shell_corpus -- --ignored
/// --nocapture` compares the readers on every file of `dir` (scripts dumped from a
/// scan) and prints where the hand reader stopped on those it declined.
#[test]
#[ignore]
fn shell_corpus() {
    let dir = std::env::var("DOZEN_SHELL_CORPUS").expect("DOZEN_SHELL_CORPUS");
    let (mut read, mut declined, mut differ) = (0, 0, 0);
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let Ok(src) = std::fs::read_to_string(&path) else {
            continue;
        };
        match readers_agree(&src) {
            Some(Ok(())) => read += 1,
            Some(Err(e)) => {
                differ += 1;
                println!("== {}\n{e}\n", path.display());
            }
            None => {
                declined += 1;
                if let Err(at) = read_or_stop(&src, Ctx::default(), 0, 0) {
                    let from = src.floor_char_boundary(at.saturating_sub(30));
                    let to = src.ceil_char_boundary((at + 30).min(src.len()));
                    println!(
                        "declined {}: {:?} | {:?}",
                        path.display(),
                        &src[from..at],
                        &src[at..to]
                    );
                }
            }
        }
    }
    println!("read {read}, declined {declined}, differ {differ}");
}
