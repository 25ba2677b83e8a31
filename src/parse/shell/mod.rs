//! Shell reader: turns a POSIX/bash script into simple commands with exact byte spans.
//!
//! Lint rules (unpinned installs, `curl | sh`, daemonised start commands, …) need
//! argv-level facts — "this is `apt-get install` without `=version`", "this `curl` feeds
//! a pipe into `sh`", "this `curl` runs inside `$(…)` handed to `sh -c`" — and a byte
//! span to report. Most scripts are read by the hand-written [`reader`]; the rest (rare
//! forms and syntax errors) by tree-sitter-bash, whose error-tolerant CST this module
//! flattens into the same [`Command`]s, so that rules never walk a CST themselves.
//!
//! Design constraints:
//! - Never panics and never recurses on the input: the CST is converted with an
//!   explicit work stack, so 50,000 nested `$(` cannot overflow the thread stack.
//! - Linear in the input: substitutions nested deeper than [`MAX_NESTING`] are
//!   recorded as errors instead of being expanded, and long substitutions are elided
//!   in [`Word::text`] so that nested words do not copy the same bytes over and over.
//! - Strings run by `sh -c '…'` are parsed as nested scripts whose spans point back
//!   into the original file.

mod reader;

use crate::finding::Span;
use crate::parse::treesitter::named_children;
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use tree_sitter::{Node, Parser, Tree};

/// Substitution levels (`$(…)`, `<(…)`, `sh -c '…'`) converted before giving up with an
/// error. Real scripts nest a handful of levels; deeper input is adversarial.
pub const MAX_NESTING: u16 = 256;
/// Levels of `sh -c '…'` strings re-parsed as scripts (each level re-reads its text).
const MAX_SHELL_LEVEL: u8 = 8;
/// Substitutions and expansions longer than this are shortened to `$(…)` in word text,
/// which keeps the total text linear in the input for deeply nested substitutions.
const MAX_VERBATIM: usize = 4096;

/// Shells whose `-c STRING` argument is itself a script.
const SHELLS: &[&str] = &["sh", "bash", "dash", "ash", "ksh", "mksh", "zsh"];

/// Commands whose bodies are a list of statements (plus words, patterns or expressions).
const CONTAINERS: &[&str] = &[
    "program",
    "subshell",
    "compound_statement",
    "do_group",
    "else_clause",
    "elif_clause",
    "if_statement",
    "while_statement",
    "for_statement",
    "c_style_for_statement",
    "case_statement",
    "case_item",
    "ERROR",
];

/// A parsed script: every simple command in source order, plus syntax-error regions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    pub commands: Vec<Command>,
    /// Byte ranges of ERROR nodes and (zero-width) MISSING nodes, plus substitutions
    /// skipped for exceeding [`MAX_NESTING`]. Commands found around them are still listed.
    pub errors: Vec<Span>,
}

/// One simple command (`VAR=x name arg… <redirects>`).
///
/// Besides ordinary commands this also covers assignment-only statements (`X=$(curl …)`:
/// empty `words`), `export`/`local`/`declare`/`readonly`/`unset` (the keyword is
/// `words[0]`) and test commands `[ … ]` / `[[ … ]]` (words are the operands and
/// operators, brackets included), so every substitution has a command to point at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// argv: the command name first. Redirections are not words.
    pub words: Vec<Word>,
    /// Leading `VAR=value` prefixes, as whole words (`VAR=value`).
    pub assignments: Vec<Word>,
    /// File redirections (`> out`, `2>&1`, `< in`, `>> log`), in source order. Heredocs
    /// and here-strings are not listed.
    pub redirects: Vec<Redirect>,
    /// The whole simple command, including its redirections (a heredoc only up to its
    /// `<<EOF` marker).
    pub span: Span,
    /// Position in a pipeline `a | b | c`, if it is a direct pipeline element.
    pub pipeline: Option<Pipe>,
    /// Runs asynchronously: its and-or list (or enclosing compound) is ended by `&`.
    pub background: bool,
    /// The command whose argument/assignment/redirect contains the substitution or shell
    /// string this command runs in; `None` at the script's own level.
    pub within: Option<Within>,
    /// How this command connects to the next one of its list, if there is one
    /// (`Background` is set even when nothing follows the `&`).
    pub next: Option<Connector>,
    /// Inside a function body: runs only when called.
    pub in_function: bool,
    /// Inside the condition of `if`/`elif`/`while`/`until`.
    pub in_condition: bool,
    /// Number of substitutions / shell strings around the command; 0 = the script's
    /// own level. Nonzero with `within == None` for substitutions that no simple command
    /// encloses (`for x in $(ls)`, `case $(uname) in`, `(( $(n) ))`).
    pub nesting: u16,
}

/// A word of argv with quotes removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Unquoted text: quotes removed, backslash escapes resolved; `$VAR`, `${…}`, `$(…)`
    /// kept verbatim (long substitutions elided to `$(…)`). A leading `~` is kept.
    pub text: String,
    /// The word in the source, quotes included.
    pub span: Span,
    /// The value is not known statically: it contains an expansion or substitution, or
    /// an unquoted glob (`*`, `?`, `[…]`) or brace expansion.
    pub dynamic: bool,
}

/// A file redirection of a simple command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The operator with its file descriptor, as written: `>`, `2>`, `>>`, `&>`, `<`, `>&`.
    pub op: String,
    /// The file name (or descriptor, for `>&2`).
    pub target: Word,
}

impl Redirect {
    /// Writes the command's standard output to `target` (a file, not a descriptor):
    /// `>`, `>>`, `1>`, `>|`, `&>`, `&>>`.
    pub fn is_stdout_to_file(&self) -> bool {
        let op = self.op.strip_prefix('1').unwrap_or(&self.op);
        matches!(op, ">" | ">>" | ">|" | "&>" | "&>>")
    }
}

/// Position of a command in a pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pipe {
    /// Shared by all elements of one pipeline; unique within a [`Script`].
    pub id: u32,
    /// 0-based position (saturates at `u16::MAX`).
    pub index: u16,
    /// Number of elements (saturates at `u16::MAX`).
    pub len: u16,
}

/// Link from a command to the command whose word contains it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Within {
    /// Index into [`Script::commands`].
    pub command: usize,
    pub kind: SubstKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubstKind {
    /// `$(…)` or `` `…` ``: the output becomes words of the enclosing command.
    Command,
    /// `<(…)` or `>(…)`: the enclosing command reads or writes it as a file.
    Process,
    /// The string argument of `sh -c` / `bash -c` / `su -c`, parsed as a script.
    ShellString,
}

/// Operator after a command in its list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Connector {
    /// `&&`
    And,
    /// `||`
    Or,
    /// `;` or newline
    Seq,
    /// `|` or `|&`
    Pipe,
    /// `&`
    Background,
}

/// Parses a shell script. Never fails: invalid syntax yields the commands that could be
/// recovered plus [`Script::errors`].
pub fn parse(src: &str) -> Script {
    // Scripts repeat across a tree (the same install block in every variant of an image,
    // the same step in every workflow), and reading one costs far more than a lookup: a
    // scan keeps what it read, keyed by the exact text, up to a bound on the text kept.
    static SEEN: Mutex<Option<(HashMap<String, Script>, usize)>> = Mutex::new(None);
    const MAX_KEPT_BYTES: usize = 4 << 20;
    if let Some((seen, _)) = SEEN.lock().ok().as_deref().and_then(Option::as_ref) {
        if let Some(script) = seen.get(src) {
            return script.clone();
        }
    }
    let script = read_script(src, Readers::Both);
    if let Ok(mut guard) = SEEN.lock() {
        let (seen, kept) = guard.get_or_insert_with(Default::default);
        if *kept + src.len() <= MAX_KEPT_BYTES {
            *kept += src.len();
            seen.insert(src.to_owned(), script.clone());
        }
    }
    script
}

/// Which readers may read a text: the hand-written one first, or tree-sitter alone (to
/// compare the two in tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Readers {
    Both,
    #[cfg_attr(not(test), allow(dead_code))]
    TreeSitter,
}

fn read_script(src: &str, readers: Readers) -> Script {
    let Some(top) = convert(src, Ctx::default(), 0, 0, readers) else {
        return Script {
            commands: Vec::new(),
            errors: vec![Span::new(0, src.len())],
        };
    };
    let mut errors = top.errors;
    let mut next_pipe = top.next_pipe;
    let mut commands = top.commands;
    let mut jobs = VecDeque::from(top.jobs);
    while let Some(job) = jobs.pop_front() {
        shell_string(&mut commands, &mut jobs, &mut next_pipe, job, readers);
    }
    errors.sort_by_key(|s| (s.start, s.end));
    errors.dedup();
    Script {
        commands: sort_commands(commands),
        errors,
    }
}

/// What converting one text (the script or a shell string) yields.
struct Converted {
    commands: Vec<Command>,
    errors: Vec<Span>,
    jobs: Vec<ShellJob>,
    next_pipe: u32,
}

/// Re-parses allowed for working around tree-sitter-bash#347.
const MAX_REPARSE: usize = 4;

/// Reads `text` by hand if [`reader`] can, else with tree-sitter. tree-sitter-bash 0.25.1 sometimes joins the first
/// command of a line onto the last stage of the pipeline on the line before
/// (tree-sitter-bash#347, with no ERROR node): the joined command then has an unescaped
/// newline between two of its words. The builder records a separator byte there; it is
/// overwritten with `;` (same length, so every span stays valid) and the text re-parsed.
fn convert(text: &str, ctx: Ctx, level: u8, next_pipe: u32, readers: Readers) -> Option<Converted> {
    if readers == Readers::Both {
        if let Some(read) = reader::read(text, ctx, level, next_pipe) {
            return Some(read);
        }
    }
    let mut patched: Option<String> = None;
    let mut round = 0;
    loop {
        let src = patched.as_deref().unwrap_or(text);
        let tree = parse_tree(src)?;
        let root = tree.root_node();
        let mut b = Builder::new(src, level, next_pipe);
        b.run(root, ctx);
        if b.patches.is_empty() || round == MAX_REPARSE {
            let mut errors = Vec::new();
            collect_errors(root, &mut errors);
            errors.append(&mut b.errors);
            return Some(Converted {
                commands: b.commands,
                errors,
                jobs: b.jobs,
                next_pipe: b.next_pipe,
            });
        }
        let mut bytes = src.as_bytes().to_vec();
        for &p in &b.patches {
            bytes[p] = b';'; // replaces an ASCII separator: still UTF-8
        }
        drop(b);
        patched = Some(String::from_utf8(bytes).ok()?);
        round += 1;
    }
}

/// [`parse`] for a slice of a larger file (a Dockerfile `RUN`, a YAML `run:` block):
/// every span is shifted by `base` so that it points into the larger file.
pub fn parse_at(src: &str, base: usize) -> Script {
    let mut script = parse(src);
    for c in &mut script.commands {
        c.span = c.span.offset(base);
        for w in c.words.iter_mut().chain(c.assignments.iter_mut()) {
            w.span = w.span.offset(base);
        }
        for r in &mut c.redirects {
            r.target.span = r.target.span.offset(base);
        }
    }
    for e in &mut script.errors {
        *e = e.offset(base);
    }
    script
}

impl Script {
    /// Commands the script itself runs: not inside a substitution or shell string and
    /// not in a function body (bodies of `if`, loops and subshells are included).
    pub fn iter_top_level(&self) -> impl Iterator<Item = &Command> + '_ {
        self.commands
            .iter()
            .filter(|c| c.nesting == 0 && !c.in_function)
    }

    /// The last top-level command in source order: the process a start script leaves
    /// running (shell-form-command wants it to be `exec`ed).
    pub fn last_top_level(&self) -> Option<&Command> {
        self.iter_top_level().last()
    }

    /// The command whose word contains `cmd` (see [`Command::within`]).
    pub fn parent(&self, cmd: &Command) -> Option<&Command> {
        cmd.within.and_then(|w| self.commands.get(w.command))
    }

    /// The command that `commands[i]` pipes into (`curl … | sh` → `sh`). Scans forward
    /// only past the commands nested in `commands[i]`, so it is cheap to call per command.
    pub fn next_in_pipeline(&self, i: usize) -> Option<&Command> {
        let p = self.commands.get(i)?.pipeline?;
        self.commands[i + 1..].iter().find(|c| {
            c.pipeline
                .is_some_and(|q| q.id == p.id && q.index == p.index.saturating_add(1))
        })
    }

    /// The elements of pipeline `id`, in pipeline order (scans all commands).
    pub fn pipeline(&self, id: u32) -> Vec<&Command> {
        let mut v: Vec<&Command> = self
            .commands
            .iter()
            .filter(|c| c.pipeline.is_some_and(|p| p.id == id))
            .collect();
        v.sort_by_key(|c| c.pipeline.map(|p| p.index));
        v
    }
}

impl Command {
    /// Basename of `words[0]` (`/usr/bin/pip` → `pip`); `None` for assignment-only
    /// commands.
    pub fn name(&self) -> Option<&str> {
        self.words.first().map(|w| basename(&w.text))
    }

    /// Basename of the command that really runs, after wrappers (see [`Self::effective`]).
    pub fn effective_name(&self) -> Option<&str> {
        self.effective().1.first().map(|w| basename(&w.text))
    }

    /// The words starting at the command that really runs, skipping the wrappers `sudo`,
    /// `doas`, `env [-i] [VAR=x]…`, `exec`, `command` (not `command -v`), `time`,
    /// `nice [-n N]`, `builtin` and a `$SUDO`-style variable, with their options.
    /// `nohup`, `xargs` and `su -c` are reported as themselves: rules need to see them.
    /// Returns the index into `words` and the slice from there (empty if only wrappers).
    pub fn effective(&self) -> (usize, &[Word]) {
        let w = &self.words;
        let mut i = 0;
        while let Some(word) = w.get(i) {
            let next = match basename(&word.text) {
                "sudo" => skip_opts(
                    w,
                    i + 1,
                    "ugpCDhrtTUR",
                    &[
                        "--user",
                        "--group",
                        "--host",
                        "--prompt",
                        "--close-from",
                        "--chdir",
                        "--role",
                        "--type",
                        "--command-timeout",
                        "--other-user",
                    ],
                ),
                "doas" => skip_opts(w, i + 1, "uC", &[]),
                "env" => {
                    let mut j = i + 1;
                    loop {
                        match w.get(j).map(|x| x.text.as_str()) {
                            Some("-") => j += 1,
                            Some(t) if is_flag(t) => {
                                j = skip_opts(
                                    w,
                                    j,
                                    "uCS",
                                    &["--unset", "--chdir", "--split-string"],
                                )
                            }
                            Some(t) if is_assignment(t) => j += 1,
                            _ => break,
                        }
                    }
                    j
                }
                "exec" => skip_opts(w, i + 1, "a", &[]),
                "command" => {
                    let query = w[i + 1..]
                        .iter()
                        .take_while(|x| is_flag(&x.text))
                        .any(|x| x.text.contains(['v', 'V']));
                    if query {
                        break;
                    }
                    skip_opts(w, i + 1, "", &[])
                }
                "time" => skip_opts(w, i + 1, "fo", &["--format", "--output"]),
                "nice" => skip_opts(w, i + 1, "n", &["--adjustment"]),
                "builtin" => i + 1,
                _ if is_sudo_variable(&word.text) => i + 1,
                _ => break,
            };
            i = next;
        }
        let i = i.min(w.len());
        (i, &w[i..])
    }

    /// hadolint-style match: the effective command is `name` and `args` follow it in
    /// order, skipping flags (`apt-get -y install` matches `("apt-get", &["install"])`).
    /// An expected arg that is itself a flag must appear literally, so
    /// `("python", &["-m", "pip", "install"])` matches `python -u -m pip install x`.
    /// Flags that take a separate value (`apt-get -o X install`) are not known and fail.
    pub fn has_args(&self, name: &str, args: &[&str]) -> bool {
        let (_, eff) = self.effective();
        let Some(first) = eff.first() else {
            return false;
        };
        if basename(&first.text) != name {
            return false;
        }
        let mut want = args.iter().peekable();
        for w in &eff[1..] {
            let Some(&&a) = want.peek() else { break };
            if w.text == a {
                want.next();
            } else if !is_flag(&w.text) {
                return false;
            }
        }
        want.peek().is_none()
    }

    /// Index into `words` of the script string this command runs: `sh -c STRING`,
    /// `bash -ec STRING`, `su [user] -c STRING` (after wrappers such as `sudo`).
    pub fn shell_string_arg(&self) -> Option<usize> {
        shell_string_index(self)
    }

    /// The raw command begins with `exec` (it replaces the shell, so it receives signals).
    pub fn has_exec_prefix(&self) -> bool {
        self.words.first().is_some_and(|w| w.text == "exec")
    }
}

/// Last path component: `/usr/bin/pip` → `pip`.
fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// `-x`, `--long`; a lone `-` is an operand (stdin), not a flag.
fn is_flag(s: &str) -> bool {
    s.len() > 1 && s.starts_with('-')
}

/// `NAME=value` with a valid shell variable name.
fn is_assignment(s: &str) -> bool {
    match s.split_once('=') {
        Some((name, _)) => {
            let mut chars = name.chars();
            chars
                .next()
                .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
                && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        }
        None => false,
    }
}

/// `$SUDO` / `${SUDO}` / `$DOAS`: scripts keep the privilege wrapper in a variable.
fn is_sudo_variable(s: &str) -> bool {
    let Some(v) = s.strip_prefix('$') else {
        return false;
    };
    let v = v
        .strip_prefix('{')
        .and_then(|v| v.strip_suffix('}'))
        .unwrap_or(v);
    let upper = v.to_ascii_uppercase();
    v.chars().all(|c| c == '_' || c.is_ascii_alphanumeric())
        && (upper.contains("SUDO") || upper.contains("DOAS"))
}

/// Index of the first word at or after `j` that is not an option of a wrapper.
/// `short_arg` lists short options taking a value, `long_arg` long ones (`--user root`).
fn skip_opts(w: &[Word], mut j: usize, short_arg: &str, long_arg: &[&str]) -> usize {
    while let Some(word) = w.get(j) {
        let t = word.text.as_str();
        if t == "--" {
            return j + 1;
        }
        if !is_flag(t) {
            return j;
        }
        if t.starts_with("--") {
            if long_arg.contains(&t) {
                j += 1;
            }
        } else {
            let flags = &t[1..];
            for (k, ch) in flags.char_indices() {
                if short_arg.contains(ch) {
                    if k + ch.len_utf8() == flags.len() {
                        j += 1; // value is the next word
                    }
                    break; // otherwise the value is attached (`-uroot`)
                }
            }
        }
        j += 1;
    }
    j
}

/// Index (into `words`) of the script string of `sh -c STRING` / `su … -c STRING`.
fn shell_string_index(cmd: &Command) -> Option<usize> {
    let (start, eff) = cmd.effective();
    let name = basename(&eff.first()?.text);
    if name == "su" {
        let mut j = 1;
        while let Some(w) = eff.get(j) {
            match w.text.as_str() {
                "-c" | "--command" => return (j + 1 < eff.len()).then_some(start + j + 1),
                "-s"
                | "--shell"
                | "-g"
                | "--group"
                | "-G"
                | "--supp-group"
                | "-w"
                | "--whitelist-environment" => j += 2,
                _ => j += 1,
            }
        }
        return None;
    }
    if !SHELLS.contains(&name) {
        return None;
    }
    let mut saw_c = false;
    let mut j = 1;
    while let Some(w) = eff.get(j) {
        let t = w.text.as_str();
        if t == "--" {
            return (saw_c && j + 1 < eff.len()).then_some(start + j + 1);
        }
        if t.len() > 1 && (t.starts_with('-') || t.starts_with('+')) {
            if t.starts_with("--") {
                if matches!(t, "--rcfile" | "--init-file") {
                    j += 1;
                }
            } else {
                let flags = &t[1..];
                saw_c |= flags.contains('c');
                if flags.ends_with(['o', 'O']) {
                    j += 1; // `-o pipefail`
                }
            }
            j += 1;
            continue;
        }
        return saw_c.then_some(start + j);
    }
    None
}

thread_local! {
    /// `Parser` is not `Sync` and costs an allocation to set up: one per thread.
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

fn parse_tree(src: &str) -> Option<Tree> {
    PARSER.with(|cell| {
        let mut slot = cell.try_borrow_mut().ok()?;
        if slot.is_none() {
            let mut parser = Parser::new();
            parser
                .set_language(&tree_sitter::Language::new(tree_sitter_bash::LANGUAGE))
                .ok()?;
            *slot = Some(parser);
        }
        slot.as_mut()?.parse(src, None)
    })
}

fn span(n: Node) -> Span {
    Span::new(n.start_byte(), n.end_byte())
}

/// ERROR and MISSING nodes, descending only into subtrees that contain errors.
fn collect_errors(root: Node, out: &mut Vec<Span>) {
    if !root.has_error() {
        return;
    }
    let mut cur = root.walk();
    loop {
        let n = cur.node();
        let descend = if n.is_error() || n.is_missing() {
            out.push(span(n));
            false
        } else {
            n.has_error()
        };
        if descend && cur.goto_first_child() {
            continue;
        }
        loop {
            if cur.goto_next_sibling() {
                break;
            }
            if !cur.goto_parent() {
                return;
            }
        }
    }
}

fn children(n: Node) -> Vec<Node> {
    let mut cur = n.walk();
    n.children(&mut cur).collect()
}

fn is_statement(kind: &str) -> bool {
    matches!(
        kind,
        "command"
            | "redirected_statement"
            | "pipeline"
            | "list"
            | "negated_command"
            | "subshell"
            | "compound_statement"
            | "if_statement"
            | "while_statement"
            | "for_statement"
            | "c_style_for_statement"
            | "case_statement"
            | "function_definition"
            | "variable_assignment"
            | "variable_assignments"
            | "declaration_command"
            | "unset_command"
            | "test_command"
            | "ERROR"
    )
}

/// Context inherited down the CST.
#[derive(Debug, Clone, Copy, Default)]
struct Ctx {
    /// `within` for commands created at this level.
    within: Option<Within>,
    /// The simple command whose words are being scanned for substitutions.
    owner: Option<usize>,
    nesting: u16,
    in_function: bool,
    in_condition: bool,
    background: bool,
    /// Only for the statement this context is handed to directly.
    pipe: Option<Pipe>,
    next: Option<Connector>,
}

impl Ctx {
    /// The context for statements nested inside a compound: pipe position and
    /// connector belong to the compound, not to its contents.
    fn plain(self) -> Ctx {
        Ctx {
            pipe: None,
            next: None,
            ..self
        }
    }

    /// The context of the words of command `idx`: substitutions in them run on its behalf.
    fn owned_by(self, idx: usize) -> Ctx {
        Ctx {
            owner: Some(idx),
            ..self.plain()
        }
    }
}

enum Job<'t> {
    /// A statement: produces commands.
    Stmt(Node<'t>, Ctx),
    /// A word, pattern, expression or redirect: only substitutions inside matter.
    Scan(Node<'t>, Ctx),
}

/// A `sh -c` string waiting to be parsed. `owner`, `map` and `skip` refer to the text
/// that queued it and are rebased onto the top-level source before the job runs.
struct ShellJob {
    owner: usize,
    text: String,
    /// Source range that produced each byte of `text`, plus an empty one at its end.
    map: Vec<(usize, usize)>,
    /// Substitutions of the string word, already run by the outer shell: commands
    /// found there by the nested parse are duplicates.
    skip: Vec<Span>,
    level: u8,
}

impl ShellJob {
    /// Whether a `sh -c` string found at `level`, in `ctx`, is read as a script too (the
    /// bounds on shell-string levels and on nesting).
    fn wanted(level: u8, ctx: Ctx) -> bool {
        level < MAX_SHELL_LEVEL && ctx.nesting < MAX_NESTING
    }

    /// The job for a string found at `level`: its rendering with the source map, and the
    /// substitutions in it (already run by the outer shell).
    fn new(owner: usize, r: Rendered, skip: Vec<Span>, level: u8) -> ShellJob {
        ShellJob {
            owner,
            text: r.text,
            map: r.map,
            skip,
            level: level + 1,
        }
    }
}

struct Builder<'s, 't> {
    src: &'s str,
    commands: Vec<Command>,
    errors: Vec<Span>,
    jobs: Vec<ShellJob>,
    next_pipe: u32,
    level: u8,
    /// Redirects the grammar hung on a list or pipeline (tree-sitter-bash#345), keyed
    /// by the id of the last simple command, which they belong to in bash.
    pending: HashMap<usize, Vec<Node<'t>>>,
    /// Offsets of separators to write as `;` before a re-parse (see [`convert`]).
    patches: Vec<usize>,
}

impl<'s, 't> Builder<'s, 't> {
    fn new(src: &'s str, level: u8, next_pipe: u32) -> Self {
        Builder {
            src,
            commands: Vec::new(),
            errors: Vec::new(),
            jobs: Vec::new(),
            next_pipe,
            level,
            pending: HashMap::new(),
            patches: Vec::new(),
        }
    }

    /// Converts the CST under `root` with an explicit stack (no recursion).
    fn run(&mut self, root: Node<'t>, ctx: Ctx) {
        let mut stack = vec![Job::Stmt(root, ctx)];
        while let Some(job) = stack.pop() {
            match job {
                Job::Stmt(n, ctx) => self.stmt(n, ctx, &mut stack),
                Job::Scan(n, ctx) => self.scan(n, ctx, &mut stack),
            }
        }
    }

    fn new_pipe(&mut self) -> u32 {
        let id = self.next_pipe;
        self.next_pipe = self.next_pipe.wrapping_add(1);
        id
    }

    fn stmt(&mut self, n: Node<'t>, ctx: Ctx, st: &mut Vec<Job<'t>>) {
        match n.kind() {
            "command" => {
                self.command(n, Vec::new(), ctx, st);
            }
            "redirected_statement" => self.redirected(n, ctx, st),
            "pipeline" => {
                let elems = named_children(n);
                self.pipeline_elems(&elems, None, ctx, st);
            }
            "list" => self.list(n, ctx, st),
            "negated_command" => {
                for c in named_children(n).into_iter().rev() {
                    st.push(if is_statement(c.kind()) {
                        Job::Stmt(c, ctx)
                    } else {
                        Job::Scan(c, ctx)
                    });
                }
            }
            "variable_assignment" | "variable_assignments" => self.assignment_only(n, ctx, st),
            "declaration_command" | "unset_command" => self.keyword_command(n, ctx, st),
            "test_command" => self.test_command(n, ctx, st),
            "function_definition" => {
                let body = n.child_by_field_name("body");
                for c in named_children(n).into_iter().rev() {
                    if Some(c) == body {
                        let inner = Ctx {
                            in_function: true,
                            ..ctx.plain()
                        };
                        st.push(Job::Stmt(c, inner));
                    } else {
                        st.push(Job::Scan(c, ctx.plain()));
                    }
                }
            }
            "comment" => {}
            k if CONTAINERS.contains(&k) => self.container(n, ctx, st),
            _ => st.push(Job::Scan(n, ctx)),
        }
    }

    fn scan(&mut self, n: Node<'t>, ctx: Ctx, st: &mut Vec<Job<'t>>) {
        match n.kind() {
            "command_substitution" => self.subst(n, ctx, SubstKind::Command, st),
            "process_substitution" => self.subst(n, ctx, SubstKind::Process, st),
            "variable_assignment"
            | "variable_assignments"
            | "declaration_command"
            | "unset_command" => {
                for c in named_children(n).into_iter().rev() {
                    st.push(Job::Scan(c, ctx));
                }
            }
            k if is_statement(k) => st.push(Job::Stmt(n, ctx.plain())),
            _ => {
                for c in named_children(n).into_iter().rev() {
                    st.push(Job::Scan(c, ctx));
                }
            }
        }
    }

    /// `$(…)`, `` `…` ``, `<(…)`: its statements run on behalf of the scanned command.
    fn subst(&mut self, n: Node<'t>, ctx: Ctx, kind: SubstKind, st: &mut Vec<Job<'t>>) {
        if ctx.nesting >= MAX_NESTING {
            self.errors.push(span(n));
            return;
        }
        let within = match ctx.owner {
            Some(command) => Some(Within { command, kind }),
            None => ctx.within,
        };
        let inner = Ctx {
            within,
            owner: None,
            nesting: ctx.nesting + 1,
            ..ctx.plain()
        };
        self.container(n, inner, st);
    }

    /// A statement list: each statement gets its connector from the token after it.
    fn container(&mut self, n: Node<'t>, ctx: Ctx, st: &mut Vec<Job<'t>>) {
        let kids = children(n);
        let mut cond = matches!(n.kind(), "if_statement" | "elif_clause" | "while_statement");
        let mut jobs = Vec::new();
        let inner = Ctx {
            owner: None,
            ..ctx.plain()
        };
        for (k, &c) in kids.iter().enumerate() {
            let kind = c.kind();
            if !c.is_named() {
                if kind == "then" || kind == "do" {
                    cond = false;
                }
                continue;
            }
            if kind == "comment" {
                continue;
            }
            if kind == "do_group" {
                cond = false;
            }
            let cctx = Ctx {
                in_condition: ctx.in_condition || cond,
                ..inner
            };
            if is_statement(kind) {
                let (next, bg) = terminator(&kids[k + 1..]);
                jobs.push(Job::Stmt(
                    c,
                    Ctx {
                        next,
                        background: cctx.background || bg,
                        ..cctx
                    },
                ));
            } else if CONTAINERS.contains(&kind) {
                jobs.push(Job::Stmt(c, cctx));
            } else {
                jobs.push(Job::Scan(c, cctx));
            }
        }
        st.extend(jobs.into_iter().rev());
    }

    fn list(&mut self, n: Node<'t>, ctx: Ctx, st: &mut Vec<Job<'t>>) {
        let kids = children(n);
        let op = kids.iter().position(|c| matches!(c.kind(), "&&" | "||"));
        let Some(op) = op else {
            return self.container(n, ctx, st);
        };
        let conn = if kids[op].kind() == "&&" {
            Connector::And
        } else {
            Connector::Or
        };
        let mut jobs = Vec::new();
        for (k, &c) in kids.iter().enumerate() {
            if !c.is_named() || c.kind() == "comment" {
                continue;
            }
            let cctx = if k < op {
                Ctx {
                    next: Some(conn),
                    pipe: None,
                    ..ctx
                }
            } else {
                Ctx { pipe: None, ..ctx }
            };
            jobs.push(if is_statement(c.kind()) {
                Job::Stmt(c, cctx)
            } else {
                Job::Scan(c, cctx)
            });
        }
        st.extend(jobs.into_iter().rev());
    }

    /// Pipeline elements; `head` is an element already created before them (the command
    /// owning a heredoc whose `| tail` the grammar puts inside the heredoc redirect).
    fn pipeline_elems(
        &mut self,
        elems: &[Node<'t>],
        head: Option<usize>,
        ctx: Ctx,
        st: &mut Vec<Job<'t>>,
    ) {
        let elems: Vec<Node> = elems
            .iter()
            .copied()
            .filter(|c| is_statement(c.kind()))
            .collect();
        let offset = usize::from(head.is_some());
        let total = elems.len() + offset;
        let id = self.new_pipe();
        let len = sat16(total);
        if let Some(h) = head {
            let cmd = &mut self.commands[h];
            cmd.pipeline = Some(Pipe { id, index: 0, len });
            cmd.next = Some(Connector::Pipe);
        }
        for (k, &e) in elems.iter().enumerate().rev() {
            let index = k + offset;
            let next = if index + 1 == total {
                ctx.next
            } else {
                Some(Connector::Pipe)
            };
            let pipe = Some(Pipe {
                id,
                index: sat16(index),
                len,
            });
            st.push(Job::Stmt(e, Ctx { pipe, next, ..ctx }));
        }
    }

    fn redirected(&mut self, n: Node<'t>, ctx: Ctx, st: &mut Vec<Job<'t>>) {
        let body = n.child_by_field_name("body");
        let mut redirects: Vec<Node> = named_children(n)
            .into_iter()
            .filter(|c| Some(*c) != body)
            .collect();
        redirects.extend(self.pending.remove(&n.id()).unwrap_or_default());
        let Some(body) = body else {
            for r in redirects {
                self.redirect(r, None, ctx.plain(), ctx, st);
            }
            return;
        };
        if body.kind() == "command" {
            self.command(body, redirects, ctx, st);
            return;
        }
        // In bash a redirect after `a && b` or `a | b` belongs to `b` alone.
        let mut last = body;
        while matches!(last.kind(), "list" | "pipeline" | "negated_command") {
            match named_children(last).pop() {
                Some(c) => last = c,
                None => break,
            }
        }
        if last != body && matches!(last.kind(), "command" | "redirected_statement") {
            self.pending.entry(last.id()).or_default().extend(redirects);
            st.push(Job::Stmt(body, ctx));
            return;
        }
        st.push(if is_statement(body.kind()) {
            Job::Stmt(body, ctx)
        } else {
            Job::Scan(body, ctx)
        });
        for r in redirects {
            self.redirect(r, None, ctx.plain(), ctx, st);
        }
    }

    /// Scans a redirect for substitutions. A heredoc redirect also carries the rest of
    /// the statement after `<<EOF` (`| sh`, `&& next`), which continues `head`'s list.
    fn redirect(
        &mut self,
        r: Node<'t>,
        head: Option<usize>,
        owner: Ctx,
        ctx: Ctx,
        st: &mut Vec<Job<'t>>,
    ) {
        if r.kind() != "heredoc_redirect" {
            st.push(Job::Scan(r, owner));
            return;
        }
        let mut op: Option<&str> = None;
        for c in children(r) {
            let kind = c.kind();
            if !c.is_named() {
                if matches!(kind, "&&" | "||" | "|" | "|&") {
                    op = Some(kind);
                }
                continue;
            }
            match kind {
                "heredoc_start" | "heredoc_end" | "comment" => {}
                _ if is_statement(kind) => {
                    let wrapped_pipe = kind == "pipeline"
                        && c.child(0)
                            .is_some_and(|f| !f.is_named() && matches!(f.kind(), "|" | "|&"));
                    if wrapped_pipe {
                        self.pipeline_elems(&named_children(c), head, ctx, st);
                    } else if matches!(op, Some("|" | "|&")) {
                        self.pipeline_elems(&[c], head, ctx, st);
                    } else {
                        let conn = match op {
                            Some("&&") => Some(Connector::And),
                            Some("||") => Some(Connector::Or),
                            _ => None,
                        };
                        if let (Some(h), Some(conn)) = (head, conn) {
                            self.commands[h].next = Some(conn);
                        }
                        let tail = Ctx {
                            owner: None,
                            pipe: None,
                            next: if conn.is_some() { ctx.next } else { None },
                            ..ctx
                        };
                        st.push(Job::Stmt(c, tail));
                    }
                    op = None;
                }
                _ => st.push(Job::Scan(c, owner)),
            }
        }
    }

    fn push_command(
        &mut self,
        words: Vec<Word>,
        assignments: Vec<Word>,
        span: Span,
        ctx: Ctx,
    ) -> usize {
        self.commands.push(Command {
            words,
            assignments,
            redirects: Vec::new(),
            span,
            pipeline: ctx.pipe,
            background: ctx.background,
            within: ctx.within,
            next: ctx.next,
            in_function: ctx.in_function,
            in_condition: ctx.in_condition,
            nesting: ctx.nesting,
        });
        self.commands.len() - 1
    }

    /// A simple command. `extra` are redirects found outside the command node (those of
    /// an enclosing `redirected_statement`): they extend the span and may carry arguments.
    /// Returns `None` for a reserved word in command position (a syntax error that
    /// tree-sitter-bash accepts as a command, e.g. a stray `fi`).
    fn command(
        &mut self,
        n: Node<'t>,
        mut extra: Vec<Node<'t>>,
        ctx: Ctx,
        st: &mut Vec<Job<'t>>,
    ) -> Option<usize> {
        extra.extend(self.pending.remove(&n.id()).unwrap_or_default());
        let kids = named_children(n);
        for pair in kids.windows(2) {
            self.check_gap(pair[0].end_byte(), pair[1].start_byte());
        }
        let mut words: Vec<(Word, Node)> = Vec::new();
        let mut assignments = Vec::new();
        let mut scans = Vec::new();
        let mut seen_name = false;
        for c in kids {
            match c.kind() {
                "variable_assignment" if !seen_name => {
                    assignments.push(self.word(c));
                    scans.push(c);
                }
                "file_redirect" | "herestring_redirect" | "heredoc_redirect" => extra.push(c),
                "subshell" => scans.push(c),
                kind => {
                    if kind == "command_name" {
                        seen_name = true;
                        if RESERVED.contains(&&self.src[c.byte_range()]) {
                            self.errors.push(span(c));
                            let plain = Ctx {
                                owner: None,
                                ..ctx.plain()
                            };
                            for k in named_children(n).into_iter().rev() {
                                st.push(Job::Scan(k, plain));
                            }
                            return None;
                        }
                    }
                    words.push((self.word(c), c));
                    scans.push(c);
                }
            }
        }
        let mut end = n.end_byte();
        let mut redirects = Vec::new();
        for &r in &extra {
            match r.kind() {
                "file_redirect" => {
                    redirects.extend(self.file_redirect(r));
                    self.redirect_args(r, &mut words);
                    end = end.max(r.end_byte());
                }
                "heredoc_redirect" => {
                    let marker = children(r)
                        .into_iter()
                        .find(|c| c.kind() == "heredoc_start")
                        .unwrap_or(r);
                    end = end.max(marker.end_byte());
                }
                _ => end = end.max(r.end_byte()),
            }
        }
        words.sort_by_key(|(w, _)| w.span.start);
        let (words, nodes): (Vec<Word>, Vec<Node>) = words.into_iter().unzip();
        let idx = self.push_command(words, assignments, Span::new(n.start_byte(), end), ctx);
        redirects.sort_by_key(|r: &Redirect| r.target.span.start);
        self.commands[idx].redirects = redirects;
        let owner = ctx.owned_by(idx);
        self.scan_for(idx, scans, ctx, st);
        for r in extra {
            self.redirect(r, Some(idx), owner, ctx, st);
        }
        if let Some(k) = shell_string_index(&self.commands[idx]) {
            self.queue_shell_string(idx, nodes[k], ctx);
        }
        Some(idx)
    }

    /// Queues `nodes` (words, assignments, operands of command `idx`) to be scanned for
    /// substitutions, which run on that command's behalf.
    fn scan_for(&mut self, idx: usize, nodes: Vec<Node<'t>>, ctx: Ctx, st: &mut Vec<Job<'t>>) {
        let owner = ctx.owned_by(idx);
        st.extend(nodes.into_iter().rev().map(|c| Job::Scan(c, owner)));
    }

    /// Records a separator to patch if the text between two words of one command holds
    /// a command-ending newline (see [`convert`]).
    fn check_gap(&mut self, a: usize, b: usize) {
        if let Some(p) = self.src.get(a..b).and_then(split_point) {
            self.patches.push(a + p);
        }
    }

    /// Operator and target of a `file_redirect` node (`2> err.log`, `>&2`).
    fn file_redirect(&self, r: Node<'t>) -> Option<Redirect> {
        let target = named_children(r)
            .into_iter()
            .find(|c| c.kind() != "file_descriptor")?;
        let op: String = self.src[r.start_byte()..target.start_byte()]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        Some(Redirect {
            op,
            target: self.word(target),
        })
    }

    /// The grammar attaches words after a redirect target to the redirect
    /// (`cmd > out arg`, tree-sitter-bash#233): in bash they are arguments of the command.
    fn redirect_args(&mut self, r: Node<'t>, words: &mut Vec<(Word, Node<'t>)>) {
        let operands: Vec<Node> = named_children(r)
            .into_iter()
            .filter(|c| c.kind() != "file_descriptor")
            .collect();
        for pair in operands.windows(2) {
            self.check_gap(pair[0].end_byte(), pair[1].start_byte());
        }
        for c in operands.into_iter().skip(1) {
            words.push((self.word(c), c));
        }
    }

    /// `X=1` or `A=1 B=2` alone: a command with assignments and no words.
    fn assignment_only(&mut self, n: Node<'t>, ctx: Ctx, st: &mut Vec<Job<'t>>) {
        let parts = if n.kind() == "variable_assignment" {
            vec![n]
        } else {
            named_children(n)
        };
        let assignments = parts.iter().map(|&c| self.word(c)).collect();
        let idx = self.push_command(Vec::new(), assignments, span(n), ctx);
        self.scan_for(idx, parts, ctx, st);
    }

    /// `export A=1 B`, `local x`, `unset y`: the keyword is an anonymous token.
    fn keyword_command(&mut self, n: Node<'t>, ctx: Ctx, st: &mut Vec<Job<'t>>) {
        let mut words = Vec::new();
        let mut scans = Vec::new();
        for c in children(n) {
            if c.kind() == "comment" {
                continue;
            }
            if c.is_named() {
                words.push(self.word(c));
                scans.push(c);
            } else if words.is_empty() {
                words.push(self.verbatim(c));
            }
        }
        let idx = self.push_command(words, Vec::new(), span(n), ctx);
        self.scan_for(idx, scans, ctx, st);
    }

    /// `[ … ]` / `[[ … ]]`: operands and operators flattened into words.
    fn test_command(&mut self, n: Node<'t>, ctx: Ctx, st: &mut Vec<Job<'t>>) {
        let mut words = Vec::new();
        let mut scans = Vec::new();
        let mut stack = vec![n];
        while let Some(x) = stack.pop() {
            let expr = x == n
                || matches!(
                    x.kind(),
                    "binary_expression"
                        | "unary_expression"
                        | "parenthesized_expression"
                        | "postfix_expression"
                        | "ternary_expression"
                );
            if expr {
                let kids = children(x);
                stack.extend(kids.into_iter().rev().filter(|c| c.kind() != "comment"));
            } else if x.is_named() {
                words.push(self.word(x));
                scans.push(x);
            } else {
                words.push(self.verbatim(x));
            }
        }
        let idx = self.push_command(words, Vec::new(), span(n), ctx);
        self.scan_for(idx, scans, ctx, st);
    }

    fn word(&self, n: Node) -> Word {
        let r = render(self.src, n, false, true);
        Word {
            text: r.text,
            span: span(n),
            dynamic: r.dynamic,
        }
    }

    fn verbatim(&self, n: Node) -> Word {
        Word {
            text: self.src[n.byte_range()].to_string(),
            span: span(n),
            dynamic: false,
        }
    }

    fn queue_shell_string(&mut self, owner: usize, word: Node, ctx: Ctx) {
        if !ShellJob::wanted(self.level, ctx) {
            return;
        }
        let r = render(self.src, word, true, false);
        let mut skip = Vec::new();
        let mut stack = vec![word];
        while let Some(x) = stack.pop() {
            if matches!(x.kind(), "command_substitution" | "process_substitution") {
                skip.push(span(x));
            } else {
                stack.extend(named_children(x));
            }
        }
        skip.sort_by_key(|s| s.start);
        self.jobs.push(ShellJob::new(owner, r, skip, self.level));
    }
}

/// Connector implied by the tokens after a statement in a list (`rest` = its following
/// siblings): `;` or a newline before another statement is `Seq`, `&` is `Background`.
fn terminator(rest: &[Node]) -> (Option<Connector>, bool) {
    let mut it = rest.iter().filter(|c| c.kind() != "comment");
    match it.next() {
        Some(t) if !t.is_named() && t.kind() == "&" => (Some(Connector::Background), true),
        Some(t) if !t.is_named() && t.kind() == ";" => {
            let more = it.next().is_some_and(|c| is_statement(c.kind()));
            (more.then_some(Connector::Seq), false)
        }
        Some(t) if is_statement(t.kind()) => (Some(Connector::Seq), false),
        _ => (None, false),
    }
}

/// Words that end a compound command: as a command name they are a syntax error.
const RESERVED: &[&str] = &["then", "elif", "else", "fi", "do", "done", "esac"];

/// Where to end a command whose word gap `gap` holds an unescaped newline (or a comment,
/// which ends at one): the offset of a separator byte that can become `;`.
fn split_point(gap: &str) -> Option<usize> {
    let bytes = gap.as_bytes();
    let mut candidate = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => {
                candidate = Some(i); // a line continuation: `\` may become `;`
                i += if gap[i + 1..].starts_with("\r\n") {
                    3
                } else {
                    2
                };
                continue;
            }
            b'#' => return candidate,
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => return Some(i),
            b'\n' => return Some(i),
            b' ' | b'\t' => candidate = Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

fn sat16(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

/// Parses one queued `sh -c` string and appends its commands, mapped into the source.
fn shell_string(
    commands: &mut Vec<Command>,
    jobs: &mut VecDeque<ShellJob>,
    next_pipe: &mut u32,
    job: ShellJob,
    readers: Readers,
) {
    let owner = &commands[job.owner];
    let base = Ctx {
        within: Some(Within {
            command: job.owner,
            kind: SubstKind::ShellString,
        }),
        nesting: owner.nesting.saturating_add(1),
        in_function: owner.in_function,
        in_condition: owner.in_condition,
        background: owner.background,
        ..Ctx::default()
    };
    // Syntax errors inside the string are not errors of the file: they are dropped.
    let Some(nested) = convert(&job.text, base, job.level, *next_pipe, readers) else {
        return;
    };
    *next_pipe = nested.next_pipe;

    let map = |s: Span| map_span(s, &job.map);
    let skipped = |s: Span| {
        let i = job.skip.partition_point(|k| k.start <= s.start);
        i > 0 && job.skip[i - 1].end >= s.end
    };
    // New index of each nested command (None: dropped as a duplicate).
    let mut new_index = Vec::with_capacity(nested.commands.len());
    let mut next_index = commands.len();
    for c in &nested.commands {
        if skipped(map(c.span)) {
            new_index.push(None);
        } else {
            new_index.push(Some(next_index));
            next_index += 1;
        }
    }
    for (mut c, keep) in nested.commands.into_iter().zip(&new_index) {
        if keep.is_none() {
            continue;
        }
        c.span = map(c.span);
        for w in c.words.iter_mut().chain(c.assignments.iter_mut()) {
            w.span = map(w.span);
        }
        for r in &mut c.redirects {
            r.target.span = map(r.target.span);
        }
        if let Some(w) = &mut c.within {
            if w.kind != SubstKind::ShellString || w.command != job.owner {
                match new_index.get(w.command).copied().flatten() {
                    Some(i) => w.command = i,
                    None => *w = base.within.unwrap_or(*w),
                }
            }
        }
        commands.push(c);
    }
    for mut inner in nested.jobs {
        let Some(Some(owner)) = new_index.get(inner.owner).copied() else {
            continue;
        };
        inner.owner = owner;
        for m in &mut inner.map {
            let s = map(Span::new(m.0, m.1));
            *m = (s.start, s.end);
        }
        for s in &mut inner.skip {
            *s = map(*s);
        }
        jobs.push_back(inner);
    }
}

/// Maps a span of a shell string's text to the source through the byte map.
fn map_span(s: Span, map: &[(usize, usize)]) -> Span {
    let at = |i: usize| map.get(i).or(map.last()).copied().unwrap_or((0, 0));
    let start = at(s.start).0;
    let end = if s.end > s.start {
        at(s.end - 1).1
    } else {
        start
    };
    Span::new(start, end)
}

/// Orders commands by position (parents precede their substitutions) and rewrites
/// `within` indices accordingly.
fn sort_commands(mut commands: Vec<Command>) -> Vec<Command> {
    let mut order: Vec<usize> = (0..commands.len()).collect();
    order.sort_by_key(|&i| commands[i].span.start);
    let mut new_pos = vec![0; commands.len()];
    for (pos, &old) in order.iter().enumerate() {
        new_pos[old] = pos;
    }
    for c in &mut commands {
        if let Some(w) = &mut c.within {
            w.command = new_pos[w.command];
        }
    }
    let mut slots: Vec<Option<Command>> = commands.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|old| slots[old].take())
        .collect()
}

struct Rendered {
    text: String,
    dynamic: bool,
    map: Vec<(usize, usize)>,
}

struct Out<'s> {
    src: &'s str,
    text: String,
    /// Source range behind each output byte, when asked for.
    map: Option<Vec<(usize, usize)>>,
    dynamic: bool,
}

impl Out<'_> {
    /// `s`, whose bytes come from the source starting at `at`.
    fn verbatim(&mut self, s: &str, at: usize) {
        self.text.push_str(s);
        if let Some(m) = &mut self.map {
            m.extend((at..at + s.len()).map(|i| (i, i + 1)));
        }
    }

    /// Text that stands for the source range `from..to` (an escape sequence).
    fn decoded(&mut self, s: &str, from: usize, to: usize) {
        self.text.push_str(s);
        if let Some(m) = &mut self.map {
            m.extend(std::iter::repeat_n((from, to), s.len()));
        }
    }

    fn decoded_char(&mut self, c: char, from: usize, to: usize) {
        self.decoded(c.encode_utf8(&mut [0; 4]), from, to);
    }

    /// Literal text outside any expansion, unquoted or inside `"…"`.
    fn literal(&mut self, a: usize, b: usize, dq: bool) {
        let s = &self.src[a..b];
        // Precomputed so that glob detection stays linear on `[[[[…`.
        let last_bracket = s.rfind(']');
        let last_brace = s.rfind('}');
        let comma_before_brace = last_brace.and_then(|e| s[..e].rfind(','));
        let mut it = s.char_indices().peekable();
        while let Some((i, c)) = it.next() {
            if c == '\\' {
                match it.peek().copied() {
                    Some((_, '\n')) => {
                        it.next();
                    }
                    Some((_, '\r')) if s[i + 1..].starts_with("\r\n") => {
                        it.next();
                        it.next();
                    }
                    Some((j, e)) if !dq || matches!(e, '$' | '`' | '"' | '\\') => {
                        it.next();
                        let end = j + e.len_utf8();
                        self.decoded(&s[j..end], a + i, a + end);
                    }
                    _ => self.verbatim("\\", a + i),
                }
                continue;
            }
            if !dq {
                match c {
                    '*' | '?' => self.dynamic = true,
                    '[' if last_bracket.is_some_and(|e| e > i) => self.dynamic = true,
                    '{' if comma_before_brace.is_some_and(|e| e > i) => self.dynamic = true,
                    _ => {}
                }
            }
            self.verbatim(&s[i..i + c.len_utf8()], a + i);
        }
    }

    /// `$'…'` with C escapes decoded (best effort).
    fn ansi_c(&mut self, a: usize, b: usize) {
        let s = &self.src[a..b];
        let mut it = s.char_indices().peekable();
        while let Some((i, c)) = it.next() {
            if c != '\\' {
                self.verbatim(&s[i..i + c.len_utf8()], a + i);
                continue;
            }
            let Some((j, e)) = it.next() else {
                self.verbatim("\\", a + i);
                break;
            };
            let simple = match e {
                'n' => Some('\n'),
                't' => Some('\t'),
                'r' => Some('\r'),
                'a' => Some('\x07'),
                'b' => Some('\x08'),
                'e' | 'E' => Some('\x1b'),
                'f' => Some('\x0c'),
                'v' => Some('\x0b'),
                '\\' | '\'' | '"' | '?' => Some(e),
                _ => None,
            };
            if let Some(d) = simple {
                self.decoded_char(d, a + i, a + j + e.len_utf8());
                continue;
            }
            let (radix, max) = match e {
                'x' => (16, 2),
                'u' => (16, 4),
                'U' => (16, 8),
                '0'..='7' => (8, 2),
                _ => (0, 0),
            };
            if radix == 0 {
                self.verbatim(&s[i..j + e.len_utf8()], a + i);
                continue;
            }
            let mut value = if radix == 8 { e.to_digit(8) } else { None };
            for _ in 0..max {
                match it.peek().and_then(|&(_, d)| d.to_digit(radix)) {
                    Some(d) => {
                        value = Some(value.unwrap_or(0) * radix + d);
                        it.next();
                    }
                    None => break,
                }
            }
            let end = it.peek().map_or(b, |&(k, _)| a + k);
            match value.and_then(char::from_u32) {
                Some(d) => self.decoded_char(d, a + i, end),
                None => self.verbatim(&s[i..j + e.len_utf8()], a + i),
            }
        }
    }

    /// Expansion or substitution kept as written (elided when long and `elide`).
    fn expansion(&mut self, n: Node, elide: bool) {
        self.dynamic = true;
        let (a, b) = (n.start_byte(), n.end_byte());
        if elide && b - a > MAX_VERBATIM {
            let open = n.child(0).filter(|c| !c.is_named());
            let close = n
                .child(n.child_count().saturating_sub(1))
                .filter(|c| !c.is_named() && Some(*c) != open);
            let open = open.map_or("", |c| &self.src[c.byte_range()]);
            let close = close.map_or("", |c| &self.src[c.byte_range()]);
            self.verbatim(open, a);
            self.decoded("…", a, a);
            self.verbatim(close, b - close.len());
        } else {
            self.verbatim(&self.src[a..b], a);
        }
    }
}

enum Piece<'t> {
    Node(Node<'t>, bool),
    Lit(usize, usize, bool),
}

/// Unquotes a word node iteratively (expansions nest without bound). `want_map`
/// records the source offset of each output byte; `elide` shortens long substitutions.
fn render(src: &str, node: Node, want_map: bool, elide: bool) -> Rendered {
    let mut out = Out {
        src,
        text: String::new(),
        map: want_map.then(Vec::new),
        dynamic: false,
    };
    let mut stack = vec![Piece::Node(node, false)];
    while let Some(piece) = stack.pop() {
        let (n, dq) = match piece {
            Piece::Lit(a, b, dq) => {
                out.literal(a, b, dq);
                continue;
            }
            Piece::Node(n, dq) => (n, dq),
        };
        let (a, b) = (n.start_byte(), n.end_byte());
        let text = &src[a..b];
        match n.kind() {
            "raw_string" => {
                let inner = if text.len() >= 2 && text.starts_with('\'') && text.ends_with('\'') {
                    (a + 1, b - 1)
                } else {
                    (a, b)
                };
                out.verbatim(&src[inner.0..inner.1], inner.0);
            }
            "ansi_c_string" => {
                let start = if text.starts_with("$'") { a + 2 } else { a };
                let end = if text.len() >= 3 && text.ends_with('\'') {
                    b - 1
                } else {
                    b
                };
                out.ansi_c(start, end.max(start));
            }
            "string" | "translated_string" => {
                let open = text.find('"').map_or(a, |i| a + i + 1);
                let close = if text.len() >= 2 && text.ends_with('"') && b > open {
                    b - 1
                } else {
                    b
                };
                push_with_gaps(&mut stack, n, open, close, true);
            }
            "string_content" | "heredoc_content" => stack.push(Piece::Lit(a, b, dq)),
            "simple_expansion"
            | "expansion"
            | "command_substitution"
            | "process_substitution"
            | "arithmetic_expansion" => out.expansion(n, elide),
            "brace_expression" | "extglob_pattern" | "array" => {
                out.dynamic = true;
                out.verbatim(text, a);
            }
            "regex" => out.verbatim(text, a),
            "concatenation" => {
                // `{a,b}` arrives as the words `{`, `a,b`, `}`: brace expansion.
                let brace = named_children(n)
                    .iter()
                    .any(|c| c.kind() == "word" && &src[c.byte_range()] == "{");
                if brace && text.contains(',') && text.contains('}') {
                    out.dynamic = true;
                }
                push_with_gaps(&mut stack, n, a, b, dq);
            }
            _ if n.named_child_count() == 0 => stack.push(Piece::Lit(a, b, dq)),
            _ => push_with_gaps(&mut stack, n, a, b, dq),
        }
    }
    let mut map = out.map.unwrap_or_default();
    if want_map {
        map.push((node.end_byte(), node.end_byte()));
    }
    Rendered {
        text: out.text,
        dynamic: out.dynamic,
        map,
    }
}

/// Pushes the named children of `n` within `a..b` and the literal text between them,
/// so that they pop in source order.
fn push_with_gaps<'t>(stack: &mut Vec<Piece<'t>>, n: Node<'t>, a: usize, b: usize, dq: bool) {
    let mut pieces = Vec::new();
    let mut pos = a;
    let mut cur = n.walk();
    for c in n.named_children(&mut cur) {
        let (ca, cb) = (c.start_byte().max(a), c.end_byte().min(b));
        if ca >= cb {
            continue;
        }
        if ca > pos {
            pieces.push(Piece::Lit(pos, ca, dq));
        }
        pieces.push(Piece::Node(c, dq));
        pos = cb;
    }
    if b > pos {
        pieces.push(Piece::Lit(pos, b, dq));
    }
    stack.extend(pieces.into_iter().rev());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(ws: &[Word]) -> Vec<&str> {
        ws.iter().map(|w| w.text.as_str()).collect()
    }

    fn argv(c: &Command) -> Vec<&str> {
        texts(&c.words)
    }

    /// The command whose argv starts with `first`; panics with the script if absent.
    fn find<'a>(s: &'a Script, first: &str) -> &'a Command {
        s.commands
            .iter()
            .find(|c| c.words.first().is_some_and(|w| w.text == first))
            .unwrap_or_else(|| panic!("no command {first:?} in {s:#?}"))
    }

    fn names(s: &Script) -> Vec<&str> {
        s.commands.iter().map(|c| c.name().unwrap_or("")).collect()
    }

    #[test]
    fn lists_and_connectors() {
        let s = parse("a && b || c; d\ne & f\ng");
        assert_eq!(names(&s), ["a", "b", "c", "d", "e", "f", "g"]);
        let next: Vec<_> = s.commands.iter().map(|c| c.next).collect();
        use Connector::*;
        assert_eq!(
            next,
            [
                Some(And),
                Some(Or),
                Some(Seq),
                Some(Seq),
                Some(Background),
                Some(Seq),
                None
            ]
        );
        let bg: Vec<_> = s.commands.iter().map(|c| c.background).collect();
        assert_eq!(bg, [false, false, false, false, true, false, false]);
        assert!(s.errors.is_empty());
        assert!(
            s.commands
                .iter()
                .all(|c| c.within.is_none() && c.nesting == 0)
        );
    }

    #[test]
    fn background_covers_whole_and_or_list() {
        let s = parse("migrate && serve &\nwait");
        assert!(find(&s, "migrate").background && find(&s, "serve").background);
        assert_eq!(find(&s, "migrate").next, Some(Connector::And));
        assert_eq!(find(&s, "serve").next, Some(Connector::Background));
        assert!(!find(&s, "wait").background);
        let s = parse("(app; worker) &");
        assert!(s.commands.iter().all(|c| c.background));
    }

    #[test]
    fn pipelines() {
        let s = parse("a | b |& c\ncurl -fsSL https://x | sudo -E bash -s -- -y && d");
        let p: Vec<_> = s.commands.iter().map(|c| c.pipeline).collect();
        let (id0, id1) = (p[0].unwrap().id, p[3].unwrap().id);
        assert_ne!(id0, id1);
        assert_eq!(
            p[..3],
            [
                Some(Pipe {
                    id: id0,
                    index: 0,
                    len: 3
                }),
                Some(Pipe {
                    id: id0,
                    index: 1,
                    len: 3
                }),
                Some(Pipe {
                    id: id0,
                    index: 2,
                    len: 3
                }),
            ]
        );
        assert_eq!(s.commands[0].next, Some(Connector::Pipe));
        assert_eq!(s.commands[1].next, Some(Connector::Pipe));
        assert_eq!(s.commands[2].next, Some(Connector::Seq));
        let sh = find(&s, "sudo");
        assert_eq!(
            sh.pipeline,
            Some(Pipe {
                id: id1,
                index: 1,
                len: 2
            })
        );
        assert_eq!(sh.effective_name(), Some("bash"));
        assert_eq!(sh.next, Some(Connector::And));
        assert_eq!(s.pipeline(id1).len(), 2);
        assert_eq!(s.pipeline(id1)[0].name(), Some("curl"));
        assert_eq!(s.next_in_pipeline(3).and_then(|c| c.name()), Some("sudo"));
        assert!(s.next_in_pipeline(4).is_none() && s.next_in_pipeline(99).is_none());
        assert!(find(&s, "d").pipeline.is_none());
        // `!` negates the pipeline; `time` is just a word here.
        let s = parse("! a | b");
        assert_eq!(names(&s), ["a", "b"]);
        assert_eq!(s.commands[0].pipeline.map(|p| p.len), Some(2));
    }

    #[test]
    fn compound_commands() {
        let src = "( e; f ); { g; h; }\n\
                   if j; then k; elif l; then m; else n; fi\n\
                   while o; do p; done; until q; do r; done\n\
                   for x in 1 2; do t; done\n\
                   case $u in a) v;; *) w;; esac\n\
                   fn() { inner; }\n\
                   function g2 { y; } > log\n\
                   last";
        let s = parse(src);
        assert!(s.errors.is_empty(), "{:?}", s.errors);
        assert_eq!(
            names(&s),
            [
                "e", "f", "g", "h", "j", "k", "l", "m", "n", "o", "p", "q", "r", "t", "v", "w",
                "inner", "y", "last"
            ]
        );
        let cond: Vec<&str> = s
            .commands
            .iter()
            .filter(|c| c.in_condition)
            .filter_map(|c| c.name())
            .collect();
        assert_eq!(cond, ["j", "l", "o", "q"]);
        let func: Vec<&str> = s
            .commands
            .iter()
            .filter(|c| c.in_function)
            .filter_map(|c| c.name())
            .collect();
        assert_eq!(func, ["inner", "y"]);
        assert_eq!(find(&s, "e").next, Some(Connector::Seq));
        assert_eq!(find(&s, "f").next, None);
        assert_eq!(s.last_top_level().and_then(|c| c.name()), Some("last"));
        assert_eq!(s.iter_top_level().count(), s.commands.len() - 2);
    }

    #[test]
    fn redirections_are_not_words() {
        let src = "cmd -x > /dev/null 2>&1 < in\ncat <<< \"here $(h)\" \nfoo > out arg 2>>err arg2";
        let s = parse(src);
        assert_eq!(argv(&s.commands[0]), ["cmd", "-x"]);
        assert_eq!(
            &src[s.commands[0].span.start..s.commands[0].span.end],
            "cmd -x > /dev/null 2>&1 < in"
        );
        assert_eq!(argv(find(&s, "cat")), ["cat"]);
        let h = find(&s, "h");
        assert_eq!(s.parent(h).and_then(|c| c.name()), Some("cat"));
        // bash passes words after a redirect target to the command.
        assert_eq!(argv(find(&s, "foo")), ["foo", "arg", "arg2"]);
    }

    #[test]
    fn heredocs() {
        let src = "cat <<EOF | sh\ncurl x | bash\n$(date)\nEOF\n\
                   cat <<'EOT' > /etc/cfg && next\n$(not run)\nEOT\n\
                   tail";
        let s = parse(src);
        assert!(s.errors.is_empty(), "{:?}", s.errors);
        assert_eq!(names(&s), ["cat", "sh", "date", "cat", "next", "tail"]);
        let cat = &s.commands[0];
        assert_eq!(&src[cat.span.start..cat.span.end], "cat <<EOF");
        let id = cat.pipeline.unwrap().id;
        assert_eq!(
            cat.pipeline,
            Some(Pipe {
                id,
                index: 0,
                len: 2
            })
        );
        assert_eq!(cat.next, Some(Connector::Pipe));
        assert_eq!(
            s.commands[1].pipeline,
            Some(Pipe {
                id,
                index: 1,
                len: 2
            })
        );
        // An unquoted heredoc runs its substitutions on behalf of `cat`.
        assert_eq!(
            s.commands[2].within,
            Some(Within {
                command: 0,
                kind: SubstKind::Command
            })
        );
        assert_eq!(s.commands[3].next, Some(Connector::And));
        assert_eq!(s.commands[4].next, Some(Connector::Seq));
    }

    #[test]
    fn command_and_process_substitution() {
        let src = "sh -c \"$(curl -fsSL https://x/install.sh)\"\nbash <(curl -s https://y) && echo `date` >(tee log)";
        let s = parse(src);
        assert_eq!(
            names(&s),
            ["sh", "curl", "bash", "curl", "echo", "date", "tee"]
        );
        let curl = &s.commands[1];
        assert_eq!(
            curl.within,
            Some(Within {
                command: 0,
                kind: SubstKind::Command
            })
        );
        assert_eq!(curl.nesting, 1);
        assert_eq!(
            &src[curl.span.start..curl.span.end],
            "curl -fsSL https://x/install.sh"
        );
        assert_eq!(
            s.commands[0].words[2].text,
            "$(curl -fsSL https://x/install.sh)"
        );
        assert!(s.commands[0].words[2].dynamic);
        assert_eq!(
            s.commands[3].within,
            Some(Within {
                command: 2,
                kind: SubstKind::Process
            })
        );
        assert_eq!(
            s.commands[5].within,
            Some(Within {
                command: 4,
                kind: SubstKind::Command
            })
        );
        assert_eq!(
            s.commands[6].within,
            Some(Within {
                command: 4,
                kind: SubstKind::Process
            })
        );
        assert_eq!(
            s.iter_top_level()
                .filter_map(|c| c.name())
                .collect::<Vec<_>>(),
            ["sh", "bash", "echo"]
        );
        // Nested substitutions, and ones with no enclosing simple command.
        let s = parse("a $(b $(c)) ${x:-$(d)}\nfor f in $(ls); do :; done");
        assert_eq!(find(&s, "c").within.map(|w| w.command), Some(1));
        assert_eq!(find(&s, "c").nesting, 2);
        assert_eq!(find(&s, "d").within.map(|w| w.command), Some(0));
        let ls = find(&s, "ls");
        assert_eq!((ls.within, ls.nesting), (None, 1));
    }

    #[test]
    fn assignments() {
        let s = parse(
            "FOO=1 BAR=\"x y\" /usr/bin/pip install x\nX=$(curl -s u)\nexport A=$(b) C; local y",
        );
        let pip = &s.commands[0];
        assert_eq!(texts(&pip.assignments), ["FOO=1", "BAR=x y"]);
        assert_eq!(argv(pip), ["/usr/bin/pip", "install", "x"]);
        assert_eq!(pip.name(), Some("pip"));
        let x = &s.commands[1];
        assert!(x.words.is_empty() && x.name().is_none());
        assert_eq!(texts(&x.assignments), ["X=$(curl -s u)"]);
        assert_eq!(
            s.commands[2].within,
            Some(Within {
                command: 1,
                kind: SubstKind::Command
            })
        );
        assert_eq!(argv(&s.commands[3]), ["export", "A=$(b)", "C"]);
        assert_eq!(s.commands[4].within.map(|w| w.command), Some(3));
        assert_eq!(argv(&s.commands[5]), ["local", "y"]);
    }

    #[test]
    fn test_commands() {
        let s = parse("if [ \"$1\" -gt 100 ] && [[ -f $(which x) ]]; then :; fi");
        assert_eq!(argv(&s.commands[0]), ["[", "$1", "-gt", "100", "]"]);
        assert!(s.commands[0].in_condition);
        assert_eq!(argv(&s.commands[1]), ["[[", "-f", "$(which x)", "]]"]);
        assert_eq!(find(&s, "which").within.map(|w| w.command), Some(1));
    }

    #[test]
    fn shell_strings_are_parsed_in_place() {
        let src = "sh -c 'apt-get install foo && curl -s u | sh'";
        let s = parse(src);
        assert_eq!(names(&s), ["sh", "apt-get", "curl", "sh"]);
        let apt = &s.commands[1];
        assert_eq!(
            apt.within,
            Some(Within {
                command: 0,
                kind: SubstKind::ShellString
            })
        );
        assert_eq!(&src[apt.span.start..apt.span.end], "apt-get install foo");
        assert_eq!(&src[apt.words[2].span.start..apt.words[2].span.end], "foo");
        assert!(apt.has_args("apt-get", &["install"]));
        assert_eq!(apt.next, Some(Connector::And));
        assert_eq!(s.commands[2].pipeline.map(|p| p.index), Some(0));
        assert_eq!(s.commands[3].pipeline.map(|p| p.index), Some(1));
        assert_eq!(
            s.commands[2].pipeline.map(|p| p.id),
            s.commands[3].pipeline.map(|p| p.id)
        );

        // Double quotes: escapes shift offsets; the byte map keeps spans exact.
        let src = "sudo bash -ec \"echo \\\"a b\\\" && pip install x==1\"";
        let s = parse(src);
        assert_eq!(names(&s), ["sudo", "echo", "pip"]);
        assert_eq!(argv(&s.commands[1]), ["echo", "a b"]);
        let pip = &s.commands[2];
        assert_eq!(&src[pip.span.start..pip.span.end], "pip install x==1");
        assert_eq!(
            &src[s.commands[1].words[1].span.start..s.commands[1].words[1].span.end],
            "\\\"a b\\\""
        );

        // Nested shell strings, `su -c`, `-o` options, and `$(…)` inside the string (run
        // by the outer shell: reported once, as a Command substitution).
        let src = "sh -c 'bash -o pipefail -c \"wget -qO- u | sh\"'; su - app -c 'npm i'; sh -c \"$(curl -fsSL x)\"";
        let s = parse(src);
        assert_eq!(
            names(&s),
            ["sh", "bash", "wget", "sh", "su", "npm", "sh", "curl"]
        );
        let wget = &s.commands[2];
        assert_eq!(&src[wget.span.start..wget.span.end], "wget -qO- u");
        assert_eq!(
            wget.within,
            Some(Within {
                command: 1,
                kind: SubstKind::ShellString
            })
        );
        assert_eq!(wget.nesting, 2);
        assert_eq!(
            s.commands[5].within,
            Some(Within {
                command: 4,
                kind: SubstKind::ShellString
            })
        );
        assert_eq!(
            s.commands[7].within,
            Some(Within {
                command: 6,
                kind: SubstKind::Command
            })
        );
        // Not shell strings: a script operand, `-c` of another tool.
        assert_eq!(parse("bash script.sh -c 'x y'").commands.len(), 1);
        assert_eq!(parse("python -c 'import os'").commands.len(), 1);
    }

    #[test]
    fn effective_skips_wrappers() {
        let eff = |src: &str| {
            let s = parse(src);
            let c = s.commands[0].clone();
            let (i, w) = c.effective();
            (i, texts(w).join(" "))
        };
        assert_eq!(eff("sudo -E pip install x"), (2, "pip install x".into()));
        assert_eq!(
            eff("sudo -u root -H pip install x"),
            (4, "pip install x".into())
        );
        assert_eq!(eff("sudo --user=root -- pip"), (3, "pip".into()));
        assert_eq!(
            eff("env DEBIAN_FRONTEND=noninteractive apt-get install -y curl"),
            (2, "apt-get install -y curl".into())
        );
        assert_eq!(eff("env -i -u X A=1 B=2 npm ci"), (6, "npm ci".into()));
        assert_eq!(eff("exec gunicorn app"), (1, "gunicorn app".into()));
        assert_eq!(eff("time nice -n 10 make"), (4, "make".into()));
        assert_eq!(eff("doas -u x apk add y"), (3, "apk add y".into()));
        assert_eq!(eff("$SUDO apt-get update"), (1, "apt-get update".into()));
        assert_eq!(eff("command -v pip"), (0, "command -v pip".into()));
        assert_eq!(eff("nohup app &"), (0, "nohup app".into()));
        assert_eq!(eff("xargs pip install"), (0, "xargs pip install".into()));
        assert_eq!(eff("sudo"), (1, "".into()));
    }

    #[test]
    fn has_args_and_exec() {
        let s = parse(
            "apt-get -y install curl\n/bin/pip3 install x\npython3 -m pip install y\nnpm ci\nexec app\nsudo apt-get update",
        );
        let c = &s.commands;
        assert!(c[0].has_args("apt-get", &["install"]));
        assert!(c[0].has_args("apt-get", &["install", "curl"]));
        assert!(!c[0].has_args("apt-get", &["update"]));
        assert!(c[1].has_args("pip3", &["install"]));
        assert!(c[2].has_args("python3", &["-m", "pip", "install"]));
        assert!(c[2].has_args("python3", &["pip", "install"])); // flags are skipped
        assert!(!c[2].has_args("python3", &["install"]));
        assert!(!c[3].has_args("npm", &["install"]));
        assert!(c[4].has_exec_prefix() && !c[3].has_exec_prefix());
        assert!(c[5].has_args("apt-get", &["update"]));
        assert!(!c[5].has_exec_prefix());
    }

    #[test]
    fn word_unquoting() {
        let src = r#"echo 'a b' "x$Y" pkg==1.0 "foo"bar a\ b "q\"\$\\\n" $'t\tn\x41\101' *.txt 'lit*' {a,b} ~/x "${H}/p" ""
"#;
        let s = parse(src);
        let c = &s.commands[0];
        let got: Vec<(&str, bool)> = c
            .words
            .iter()
            .map(|w| (w.text.as_str(), w.dynamic))
            .collect();
        assert_eq!(
            got,
            [
                ("echo", false),
                ("a b", false),
                ("x$Y", true),
                ("pkg==1.0", false),
                ("foobar", false),
                ("a b", false),
                ("q\"$\\\\n", false),
                ("t\tnAA", false),
                ("*.txt", true),
                ("lit*", false),
                ("{a,b}", true),
                ("~/x", false),
                ("${H}/p", true),
                ("", false),
            ]
        );
        assert_eq!(
            &src[c.words[4].span.start..c.words[4].span.end],
            "\"foo\"bar"
        );
    }

    #[test]
    fn line_continuations() {
        let src = "apt-get install -y \\\n    curl=7.1 \\\n    git\r\necho done\r\n";
        let s = parse(src);
        assert_eq!(
            argv(&s.commands[0]),
            ["apt-get", "install", "-y", "curl=7.1", "git"]
        );
        assert_eq!(argv(&s.commands[1]), ["echo", "done"]);
        let s = parse("python -m pip install -X \\\n  'some-ther==1.2.3'");
        assert_eq!(argv(&s.commands[0])[5], "some-ther==1.2.3");
    }

    #[test]
    fn newline_after_pipeline_ends_the_command() {
        // tree-sitter-bash#347: `head` would otherwise get `echo B` as arguments.
        let src = "a | grep x | head -30\necho B && cd s\nc | d | e # note\nf || g\nh | i | j \\\n  k\nl && m";
        let s = parse(src);
        let argvs: Vec<Vec<&str>> = s.commands.iter().map(argv).collect();
        assert_eq!(
            argvs,
            [
                vec!["a"],
                vec!["grep", "x"],
                vec!["head", "-30"],
                vec!["echo", "B"],
                vec!["cd", "s"],
                vec!["c"],
                vec!["d"],
                vec!["e"],
                vec!["f"],
                vec!["g"],
                vec!["h"],
                vec!["i"],
                vec!["j", "k"],
                vec!["l"],
                vec!["m"],
            ]
        );
        let head = &s.commands[2];
        assert_eq!(head.pipeline.map(|p| (p.index, p.len)), Some((2, 3)));
        assert_eq!(head.next, Some(Connector::Seq));
        assert_eq!(s.commands[3].next, Some(Connector::And));
        assert!(s.commands[3].pipeline.is_none());
        assert_eq!(
            &src[s.commands[3].span.start..s.commands[3].span.end],
            "echo B"
        );
        assert_eq!(s.commands[12].pipeline.map(|p| p.index), Some(2));
    }

    #[test]
    fn newline_fix_inside_shell_string() {
        let src = "sh -c 'a | b | c\nx && y'";
        let s = parse(src);
        assert_eq!(names(&s), ["sh", "a", "b", "c", "x", "y"]);
        let x = &s.commands[4];
        assert_eq!(&src[x.span.start..x.span.end], "x");
        assert_eq!(x.within.map(|w| w.kind), Some(SubstKind::ShellString));
    }

    #[test]
    fn start_command_shapes() {
        let s =
            parse("nohup gunicorn app > /dev/null 2>&1 &\nservice cron start; tail -f /dev/null");
        let nohup = &s.commands[0];
        assert_eq!(
            (nohup.name(), nohup.effective_name()),
            (Some("nohup"), Some("nohup"))
        );
        assert!(nohup.background && nohup.next == Some(Connector::Background));
        assert!(s.commands[1].has_args("service", &["cron", "start"]));
        assert!(s.last_top_level().unwrap().has_args("tail", &["/dev/null"]));

        let s = parse("python manage.py migrate && exec gunicorn app:wsgi");
        assert_eq!(s.commands[0].next, Some(Connector::And));
        assert!(s.commands[0].has_args("python", &["manage.py", "migrate"]));
        let last = s.last_top_level().unwrap();
        assert!(last.has_exec_prefix() && last.effective_name() == Some("gunicorn"));

        // Function bodies and substitutions are not the script's last command.
        let s = parse("main() { exec app; }\nmain \"$(id -u)\"");
        assert_eq!(s.last_top_level().and_then(|c| c.name()), Some("main"));
    }

    #[test]
    fn redirect_after_list_belongs_to_last_command() {
        // tree-sitter-bash#345: the grammar hangs these on the whole list.
        let src =
            "cd build && make 2>/dev/null arg\ncd d && python3 - <<'PY' | tee log\nprint(1)\nPY\n";
        let s = parse(src);
        assert_eq!(names(&s), ["cd", "make", "cd", "python3", "tee"]);
        let make = &s.commands[1];
        assert_eq!(argv(make), ["make", "arg"]);
        assert_eq!(&src[make.span.start..make.span.end], "make 2>/dev/null arg");
        let py = &s.commands[3];
        assert_eq!(py.pipeline.map(|p| p.index), Some(0));
        assert_eq!(s.commands[4].pipeline.map(|p| p.index), Some(1));
        assert_eq!(s.commands[2].next, Some(Connector::And));
    }

    #[test]
    fn reserved_word_as_command_is_an_error() {
        let src = "curl bla | bash\n\nfi\n\ncurl bla | bash";
        let s = parse(src);
        assert_eq!(names(&s), ["curl", "bash", "curl", "bash"]);
        assert_eq!(s.errors.len(), 1);
        assert_eq!(&src[s.errors[0].start..s.errors[0].end], "fi");
        assert_eq!(names(&parse("\"fi\" x")), ["fi"]);
    }

    #[test]
    fn redirects_are_listed() {
        let src = "curl exe 2>&1 > /tmp/exe1 && sh -c 'wget u -q >> \"$LOG\"' <in\n";
        let s = parse_at(src, 0);
        let curl = &s.commands[0];
        let ops: Vec<(&str, &str)> = curl
            .redirects
            .iter()
            .map(|r| (r.op.as_str(), r.target.text.as_str()))
            .collect();
        assert_eq!(ops, [("2>&", "1"), (">", "/tmp/exe1")]);
        assert!(!curl.redirects[0].is_stdout_to_file());
        assert!(curl.redirects[1].is_stdout_to_file());
        let t = curl.redirects[1].target.span;
        assert_eq!(&src[t.start..t.end], "/tmp/exe1");
        let sh = &s.commands[1];
        assert_eq!(sh.redirects[0].op, "<");
        let wget = &s.commands[2];
        assert_eq!(argv(wget), ["wget", "u", "-q"]);
        assert_eq!(wget.redirects[0].op, ">>");
        assert_eq!(wget.redirects[0].target.text, "$LOG");
        let t = parse_at(src, 10).commands[0].redirects[1].target.span;
        assert_eq!(t.start, src.find("/tmp").unwrap() + 10);
    }

    #[test]
    fn a_script_read_again_comes_from_the_cache_unchanged() {
        let src = "apt-get update && apt-get install -y curl\nbash -c 'pip install x'";
        let fresh = read_script(src, Readers::Both);
        assert_eq!(parse(src), fresh);
        assert_eq!(parse(src), fresh);
        let at = parse_at(src, 10);
        assert_eq!(at.commands[0].span, fresh.commands[0].span.offset(10));
    }

    #[test]
    fn parse_at_offsets_spans() {
        let file = "RUN apt-get install -y curl && $(x)\n";
        let s = parse_at(&file[4..], 4);
        let c = &s.commands[0];
        assert_eq!(&file[c.span.start..c.span.end], "apt-get install -y curl");
        assert_eq!(&file[c.words[3].span.start..c.words[3].span.end], "curl");
        let x = &s.commands[1];
        assert_eq!(&file[x.span.start..x.span.end], "$(x)");
        let s = parse_at("echo 'unterminated", 100);
        assert!(s.errors.iter().all(|e| e.start >= 100));
        assert!(!s.errors.is_empty());
    }

    #[test]
    fn invalid_input_gives_partial_commands_and_errors() {
        let s = parse("apt-get install x\nif then; echo 'open\ncurl y | sh");
        assert!(!s.errors.is_empty());
        assert!(
            s.commands
                .iter()
                .any(|c| c.has_args("apt-get", &["install", "x"]))
        );
        for src in [
            "",
            "\n",
            "(",
            ")",
            "$(",
            "`",
            "'",
            "\"",
            "<<",
            "cat <<EOF",
            "if",
            "fi",
            "case",
            "a |",
            "&&",
            ";;",
            "${",
            "$((",
            "[[",
            "]]",
            "{ ; }",
            "f() {",
            "a=(",
            "\\",
            "\0",
            "é$(ü",
            "echo \"$(a\"b",
            "cat <<EOF | sh\n$(\nEOF",
            "sh -c",
            "sh -c '",
            "sh -c \"$(\"",
            "su -c",
            "bash -c ')(' x",
        ] {
            let s = parse(src);
            for c in &s.commands {
                assert!(c.span.end <= src.len(), "{src:?}");
                for w in &c.words {
                    assert!(src.get(w.span.start..w.span.end).is_some(), "{src:?}");
                }
                if let Some(w) = c.within {
                    assert!(w.command < s.commands.len());
                }
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // Deterministic pseudo-random shell-ish soup.
        let alphabet: Vec<char> = "ab $(){}[]<>|&;'\"`\\\n#=*?!-c~é\t".chars().collect();
        let mut random = crate::test_random::Xorshift::new();
        for _ in 0..300 {
            let n = random.below(200);
            let src: String = (0..n)
                .map(|_| alphabet[random.below(alphabet.len())])
                .collect();
            let s = parse(&src);
            for c in &s.commands {
                assert!(src.get(c.span.start..c.span.end).is_some(), "{src:?}");
            }
            let prefixed = format!("sh -c '{src}'");
            let _ = parse(&prefixed);
        }
    }

    #[test]
    fn deep_nesting_is_iterative() {
        let n = 50_000;
        let src = format!("echo {}x{}", "$(".repeat(n), ")".repeat(n));
        let s = parse(&src);
        assert_eq!(s.commands.len(), MAX_NESTING as usize + 1);
        assert!(!s.errors.is_empty());
        let total: usize = s
            .commands
            .iter()
            .flat_map(|c| &c.words)
            .map(|w| w.text.len())
            .sum();
        assert!(
            total < 4 * src.len(),
            "word text must stay linear, got {total}"
        );

        let src = format!("{}x{}", "( ".repeat(n), " )".repeat(n));
        assert_eq!(names(&parse(&src)), ["x"]);
        let src = format!("{}x{}", "{ ".repeat(n), "; }".repeat(n));
        assert_eq!(names(&parse(&src)), ["x"]);
        let src = format!("echo {}x{}", "${a:-".repeat(n), "}".repeat(n));
        assert_eq!(parse(&src).commands.len(), 1);
        let src = format!("{}x{}", "if a; then ".repeat(n / 4), "; fi".repeat(n / 4));
        assert_eq!(parse(&src).commands.len(), n / 4 + 1);
        let src = "sh -c \"".to_string() + &"sh -c \\\"".repeat(40) + "x";
        let _ = parse(&src);
        let src = format!("x=$(( {}1{} ))", "(".repeat(n), ")".repeat(n));
        let _ = parse(&src);
    }

    #[test]
    fn large_scripts_parse_whole() {
        // Speed is measured by scripts/bench, not asserted here (timed tests are flaky).
        let line = "apt-get install -y foo=1 && curl -fsSL https://x | sh; echo \"$(date)\" > /dev/null 2>&1\n";
        let big = line.repeat(3_000);
        let s = parse(&big);
        assert_eq!(s.commands.len(), 5 * 3_000);
        let long_pipe = "a|".repeat(100_000) + "a";
        let s = parse(&long_pipe);
        assert_eq!(s.commands.len(), 100_001);
        assert_eq!(s.commands[100_000].pipeline.map(|p| p.len), Some(u16::MAX));
    }

    #[test]
    fn parser_per_thread() {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                std::thread::spawn(move || parse(&format!("pip install p{i} | sh")).commands.len())
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), 2);
        }
    }

    fn scorecard_dir() -> Option<std::path::PathBuf> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/conformance/scorecard");
        if dir.is_dir() {
            Some(dir)
        } else {
            println!("skipping: {} not found", dir.display());
            None
        }
    }

    #[test]
    fn scorecard_scripts_parse() {
        let Some(dir) = scorecard_dir() else { return };
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !(name.starts_with("script-") || name.ends_with(".sh")) {
                continue;
            }
            let Ok(src) = std::fs::read_to_string(&path) else {
                continue;
            };
            let s = parse(&src);
            for c in &s.commands {
                assert!(src.get(c.span.start..c.span.end).is_some(), "{name}");
            }
            seen += 1;
        }
        assert!(seen >= 10, "only {seen} scripts");
    }

    #[test]
    fn scorecard_concrete_commands() {
        let Some(dir) = scorecard_dir() else { return };
        let src = std::fs::read_to_string(dir.join("script-bash")).unwrap();
        let s = parse(&src);
        assert!(s.errors.is_empty(), "{:?}", s.errors);
        // `curl … | bash` pipelines, one inside `if`, one inside `sh -c "…"`.
        let curl_to_shell: Vec<&Command> = s
            .commands
            .iter()
            .filter(|c| c.name() == Some("curl") && c.next == Some(Connector::Pipe))
            .filter(|c| {
                let p = c.pipeline.unwrap();
                s.pipeline(p.id)
                    .get(usize::from(p.index) + 1)
                    .is_some_and(|n| matches!(n.effective_name(), Some("bash" | "sh")))
            })
            .collect();
        let lines: Vec<usize> = curl_to_shell
            .iter()
            .map(|c| src[..c.span.start].matches('\n').count() + 1)
            .collect();
        assert_eq!(lines, [34, 40, 53, 54]);
        assert!(!curl_to_shell[0].in_condition);
        assert_eq!(
            curl_to_shell[1].within.map(|w| w.kind),
            Some(SubstKind::ShellString)
        );
        // `bash <(wget …)` and `bash <(curl …)`.
        let procs: Vec<&str> = s
            .commands
            .iter()
            .filter(|c| c.within.is_some_and(|w| w.kind == SubstKind::Process))
            .filter(|c| s.parent(c).and_then(|p| p.name()) == Some("bash"))
            .filter_map(|c| c.name())
            .collect();
        assert_eq!(procs, ["wget", "curl"]); // the third is under `RUN bash …`
        assert_eq!(s.last_top_level().and_then(|c| c.name()), Some("date"));

        let src = std::fs::read_to_string(dir.join("shell-download-lines.sh")).unwrap();
        let s = parse(&src);
        assert!(s.errors.is_empty(), "{:?}", s.errors);
        let line = |c: &Command| src[..c.span.start].matches('\n').count() + 1;
        let piped: Vec<usize> = (0..s.commands.len())
            .filter(|&i| s.commands[i].name() == Some("curl"))
            .filter(|&i| s.next_in_pipeline(i).and_then(|n| n.name()) == Some("bash"))
            .map(|i| line(&s.commands[i]))
            .collect();
        assert_eq!(piped, [11, 28, 70, 71]);
        // `bla && \` followed by commented-out continuation lines, then `pip install`.
        let pip = s.commands.iter().find(|c| line(c) == 26).unwrap();
        assert_eq!(argv(pip), ["pip", "install", "-r", "requirements.txt"]);
        assert_eq!(
            s.commands[s.commands.iter().position(|c| c == pip).unwrap() - 1].next,
            Some(Connector::And)
        );

        let src = std::fs::read_to_string(dir.join("script-pkg-managers")).unwrap();
        let s = parse(&src);
        let py: Vec<&Command> = s
            .commands
            .iter()
            .filter(|c| c.name().is_some_and(|n| n.starts_with("python")))
            .filter(|c| c.has_args(c.name().unwrap(), &["-m", "pip", "install"]))
            .collect();
        assert!(py.len() >= 10);
        let multi = py.iter().find(|c| c.name() == Some("python2.7")).unwrap();
        assert_eq!(
            texts(&multi.words[5..]),
            ["-H", "somepkg", "some-ther==1.2.3", "somebla<3.4.5"]
        );
    }
}
