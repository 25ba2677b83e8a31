//! YAML reader for rules: every document as a small value tree with exact byte spans.
//!
//! Built on tree-sitter-yaml's concrete syntax tree because it keeps every token's
//! position and still yields a tree for broken files. The tree is converted into
//! [`Node`]s: scalars decoded, comments and tags dropped, anchors/aliases and merge keys
//! resolved. Everything hostile input could inflate is bounded — nesting depth, alias
//! expansion, reported errors, recovery re-parses — and conversion, [`Node::walk`] and
//! drop are iterative, so no input can overflow the stack.
//!
//! tree-sitter-yaml 0.7.2 needs three workarounds, each explained where it is applied:
//! block structure past column 120 would abort the process (`blank_deep_lines`);
//! its 16-bit line counter loses the line break at line 32768 of a parse
//! (`parse_segment`, which also splits the stream into documents first); and an error
//! it cannot place drops the rest of the document (`lost_content`: the offending line
//! is blanked and the text re-parsed). Its speed, about 5 MB/s, dominates the cost.

use crate::finding::Span;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};
use tree_sitter::{InputEdit, Language, Parser, Point, Tree, TreeCursor};

type TsNode<'t> = tree_sitter::Node<'t>;
type FieldId = std::num::NonZeroU16;

/// Bounds on what one file may cost, whatever it contains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Collections nested deeper than this become null scalars (with an error), so
    /// rule code may recurse over a tree without risking the stack.
    pub max_depth: usize,
    /// Nodes that aliases may copy into the tree in total; stops "billion laughs".
    pub max_alias_nodes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_depth: 256,
            max_alias_nodes: 100_000,
        }
    }
}

/// A parsed YAML stream: one [`Node`] per document, plus what could not be read.
/// Errors never stop parsing: the rest of the file is still returned.
#[derive(Debug, Clone, Default)]
pub struct Yaml {
    pub docs: Vec<Node>,
    pub errors: Vec<(Span, String)>,
}

/// A YAML value. Children are behind `Arc` so an alias shares its anchor's subtree
/// (and its spans) instead of copying it, and a parsed file can be shared by threads.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Scalar(Arc<Scalar>),
    Map(Arc<Map>),
    Seq(Arc<Seq>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    /// The decoded value: quotes, escapes, folding and chomping applied; tags ignored.
    pub value: String,
    /// The whole token, including quotes or the block indicator line.
    pub span: Span,
    /// The content: inside the quotes; for block scalars from the start of the first
    /// content line to the end of the last one, so e.g. a `run: |` script can be
    /// parsed straight from the file's bytes (its indentation stays in place).
    pub value_span: Span,
    pub style: ScalarStyle,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Map {
    /// In source order; entries pulled in by merge keys (`<<`) come first.
    pub entries: Vec<Entry>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Always a scalar: complex keys (maps, sequences) are kept as their source text.
    pub key: Node,
    /// A missing value is an empty plain scalar at the end of the key or colon.
    pub value: Node,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Seq {
    pub items: Vec<Node>,
    pub span: Span,
}

/// One step of the route from a document root to a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PathSeg<'a> {
    Key(&'a str),
    Index(usize),
}

impl Scalar {
    /// YAML's null: an empty plain value, `~` or `null` (quoted `"null"` is a string).
    pub fn is_null(&self) -> bool {
        self.style == ScalarStyle::Plain
            && matches!(self.value.as_str(), "" | "~" | "null" | "Null" | "NULL")
    }
}

impl Map {
    /// The value of the last entry with this key (YAML loaders keep the last one).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The last entry with this key: for findings that point at the key.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().rev().find(|e| e.key_str() == key)
    }
}

impl Entry {
    pub fn key_str(&self) -> &str {
        self.key.as_str().unwrap_or("")
    }

    pub fn key_span(&self) -> Span {
        self.key.span()
    }
}

impl Node {
    pub fn span(&self) -> Span {
        match self {
            Node::Scalar(s) => s.span,
            Node::Map(m) => m.span,
            Node::Seq(s) => s.span,
        }
    }

    pub fn as_scalar(&self) -> Option<&Scalar> {
        match self {
            Node::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&Map> {
        match self {
            Node::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&Seq> {
        match self {
            Node::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The decoded value of a scalar (nulls included, as `""`, `~`, `null`).
    pub fn as_str(&self) -> Option<&str> {
        self.as_scalar().map(|s| s.value.as_str())
    }

    pub fn is_null(&self) -> bool {
        self.as_scalar().is_some_and(Scalar::is_null)
    }

    /// Map lookup by key; `None` for other nodes. The last duplicate key wins.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?.get(key)
    }

    /// Map entry lookup by key, for findings that point at the key.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.entry(key)
    }

    /// A map's entries with their key text; empty for other nodes.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &Entry)> {
        self.as_map()
            .map_or(&[][..], |m| &m.entries[..])
            .iter()
            .map(|e| (e.key_str(), e))
    }

    /// A sequence's items; empty for other nodes.
    pub fn items(&self) -> std::slice::Iter<'_, Node> {
        self.as_seq().map_or(&[][..], |s| &s.items[..]).iter()
    }

    /// Calls `f` on this node and every value below it, pre-order, with the route of
    /// keys and indices from here. Keys are reached through their parent map's entries.
    /// Iterative: the route lives on the heap, not the call stack.
    pub fn walk(&self, f: &mut dyn FnMut(&[PathSeg<'_>], &Node)) {
        let mut path: Vec<PathSeg<'_>> = Vec::new();
        let mut stack: Vec<(&Node, usize)> = vec![(self, 0)];
        f(&path, self);
        while let Some(top) = stack.last_mut() {
            let (node, i) = *top;
            let next = match node {
                Node::Map(m) => m
                    .entries
                    .get(i)
                    .map(|e| (PathSeg::Key(e.key_str()), &e.value)),
                Node::Seq(s) => s.items.get(i).map(|c| (PathSeg::Index(i), c)),
                Node::Scalar(_) => None,
            };
            match next {
                Some((seg, child)) => {
                    top.1 += 1;
                    path.push(seg);
                    f(&path, child);
                    stack.push((child, 0));
                }
                None => {
                    stack.pop();
                    path.pop();
                }
            }
        }
    }
}

// Drop without recursion: a default drop of a deep tree recurses once per level.
// Children that are collections move to a heap stack and are taken apart there.

impl Drop for Map {
    fn drop(&mut self) {
        if self
            .entries
            .iter()
            .any(|e| e.key.is_collection() || e.value.is_collection())
        {
            let mut stack = Vec::new();
            for e in self.entries.drain(..) {
                stack.extend([e.key, e.value].into_iter().filter(Node::is_collection));
            }
            drop_iteratively(stack);
        }
    }
}

impl Drop for Seq {
    fn drop(&mut self) {
        if self.items.iter().any(Node::is_collection) {
            let stack = self.items.drain(..).filter(Node::is_collection).collect();
            drop_iteratively(stack);
        }
    }
}

impl Node {
    fn is_collection(&self) -> bool {
        !matches!(self, Node::Scalar(_))
    }
}

fn drop_iteratively(mut stack: Vec<Node>) {
    while let Some(node) = stack.pop() {
        match node {
            Node::Map(m) => {
                // Only the last owner takes the subtree apart; shared ones just decrement.
                if let Some(mut m) = Arc::into_inner(m) {
                    for e in m.entries.drain(..) {
                        stack.extend([e.key, e.value].into_iter().filter(Node::is_collection));
                    }
                }
            }
            Node::Seq(s) => {
                if let Some(mut s) = Arc::into_inner(s) {
                    stack.extend(s.items.drain(..).filter(Node::is_collection));
                }
            }
            Node::Scalar(_) => {}
        }
    }
}

/// Parses a YAML stream with [`Limits::default`].
pub fn parse(text: &str) -> Yaml {
    parse_with(text, &Limits::default())
}

/// Parses a YAML stream. Never fails: problems go to [`Yaml::errors`] and whatever
/// could be read is still returned.
pub fn parse_with(text: &str, limits: &Limits) -> Yaml {
    let mut cx = Ctx {
        limits,
        yaml: Yaml::default(),
        error_lines: HashSet::new(),
        syntax_errors: 0,
        alias_nodes: 0,
        alias_exhausted: false,
        depth_reported: false,
        alias_errors: 0,
        recoveries: 0,
        recovery_bytes: 4 * text.len() + (256 << 10),
    };
    let starts = segment_starts(text);
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        parse_segment(&text[start..end], start, &mut cx);
    }
    cx.yaml
}

/// Syntax errors (and, separately, unknown aliases) reported per file; later ones are
/// usually consequences of the first.
const MAX_SYNTAX_ERRORS: usize = 16;
/// Lines blanked and re-parsed per file to get past errors tree-sitter cannot recover from.
const MAX_RECOVERIES: usize = 16;
/// tree-sitter-yaml 0.7.2 serialises its indentation stack into tree-sitter's 1024-byte
/// buffer without a proper bound: at 254 open block levels tree-sitter's assertion aborts
/// the whole process. A level needs its own column, or shares one with at most one
/// other (a sequence directly under a mapping key), so block structure that starts no
/// further right than this column keeps the stack under 2 × 121 + 1 entries.
const MAX_BLOCK_COLUMN: usize = 120;

/// State shared by all segments of one file.
struct Ctx<'l> {
    limits: &'l Limits,
    yaml: Yaml,
    /// Absolute line starts that already carry a syntax error (one error per line).
    error_lines: HashSet<usize>,
    syntax_errors: usize,
    alias_nodes: usize,
    alias_exhausted: bool,
    depth_reported: bool,
    alias_errors: usize,
    recoveries: usize,
    /// Bytes that recovery re-parses may still cover: each one re-reads from the blanked
    /// line to the end, so a long file with many errors must not cost many full parses.
    recovery_bytes: usize,
}

impl Ctx<'_> {
    fn syntax_error(&mut self, line_start: usize, span: Span, msg: String) {
        if self.syntax_errors < MAX_SYNTAX_ERRORS && self.error_lines.insert(line_start) {
            self.syntax_errors += 1;
            self.yaml.errors.push((span, msg));
        }
    }

    fn depth_error(&mut self, span: Span) {
        if !self.depth_reported {
            self.depth_reported = true;
            let msg = format!("nesting deeper than {} levels", self.limits.max_depth);
            self.yaml.errors.push((span, msg));
        }
    }
}

// ---------------------------------------------------------------------------------
// tree-sitter plumbing

fn language() -> &'static Language {
    static LANG: OnceLock<Language> = OnceLock::new();
    LANG.get_or_init(|| Language::new(tree_sitter_yaml::LANGUAGE))
}

thread_local! {
    // `Parser` is not `Sync` and costs an allocation to set up: one per worker thread.
    static PARSER: RefCell<Parser> = RefCell::new({
        let mut p = Parser::new();
        p.set_language(language()).expect("tree-sitter-yaml matches the tree-sitter ABI");
        p
    });
}

fn ts_parse(text: &str, old: Option<&Tree>) -> Option<Tree> {
    PARSER.with(|p| p.borrow_mut().parse(text, old))
}

/// The node kinds the conversion cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum K {
    Other,
    Error,
    Stream,
    Document,
    BlockNode,
    FlowNode,
    BlockMapping,
    BlockPair,
    BlockSeq,
    BlockItem,
    FlowMapping,
    FlowPair,
    FlowSeq,
    Plain,
    SingleQuoted,
    DoubleQuoted,
    BlockScalar,
    Alias,
    Anchor,
    Tag,
    Comment,
    DocStart,
    Colon,
    Dash,
}

/// Kind lookup by symbol id: grammar aliases give one name several ids, and comparing
/// ids beats comparing kind strings on every node.
struct Grammar {
    kinds: Vec<K>,
    key: Option<FieldId>,
    value: Option<FieldId>,
}

fn grammar() -> &'static Grammar {
    static G: OnceLock<Grammar> = OnceLock::new();
    G.get_or_init(|| {
        let lang = language();
        let kinds = (0..lang.node_kind_count())
            .map(|id| {
                let id = id as u16;
                let name = lang.node_kind_for_id(id).unwrap_or("");
                if lang.node_kind_is_named(id) {
                    match name {
                        "stream" => K::Stream,
                        "document" => K::Document,
                        "block_node" => K::BlockNode,
                        "flow_node" => K::FlowNode,
                        "block_mapping" => K::BlockMapping,
                        "block_mapping_pair" => K::BlockPair,
                        "block_sequence" => K::BlockSeq,
                        "block_sequence_item" => K::BlockItem,
                        "flow_mapping" => K::FlowMapping,
                        "flow_pair" => K::FlowPair,
                        "flow_sequence" => K::FlowSeq,
                        "plain_scalar" => K::Plain,
                        "single_quote_scalar" => K::SingleQuoted,
                        "double_quote_scalar" => K::DoubleQuoted,
                        "block_scalar" => K::BlockScalar,
                        "alias" => K::Alias,
                        "anchor" => K::Anchor,
                        "tag" => K::Tag,
                        "comment" => K::Comment,
                        _ => K::Other,
                    }
                } else {
                    match name {
                        "---" => K::DocStart,
                        ":" => K::Colon,
                        "-" => K::Dash,
                        _ => K::Other,
                    }
                }
            })
            .collect();
        Grammar {
            kinds,
            key: lang.field_id_for_name("key"),
            value: lang.field_id_for_name("value"),
        }
    })
}

fn kind(n: TsNode<'_>) -> K {
    if n.is_error() {
        return K::Error;
    }
    grammar()
        .kinds
        .get(n.kind_id() as usize)
        .copied()
        .unwrap_or(K::Other)
}

// ---------------------------------------------------------------------------------
// Segments and error recovery

/// Where documents start, so each is parsed on its own: a syntax error then cannot
/// swallow the following documents, and tree-sitter's line limit applies per document.
/// A `---` line at column 0 always starts a document (it may not occur inside a scalar
/// or flow collection); directive lines just before it belong to that document.
fn segment_starts(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let mut starts = vec![0];
    for nl in memchr::memmem::find_iter(b, b"\n---") {
        let ls = nl + 1;
        if !matches!(b.get(ls + 3), None | Some(b' ' | b'\t' | b'\r' | b'\n')) {
            continue;
        }
        let mut start = ls;
        let mut probe = ls;
        while probe > 0 {
            let prev = line_start(text, probe - 1);
            let line = text[prev..probe - 1].trim();
            if line.starts_with('%') {
                start = prev;
            } else if !line.is_empty() && !line.starts_with('#') {
                break;
            }
            probe = prev;
        }
        if start > *starts.last().unwrap_or(&0) {
            starts.push(start);
        }
    }
    starts
}

fn line_start(text: &str, at: usize) -> usize {
    memchr::memrchr(b'\n', &text.as_bytes()[..at]).map_or(0, |i| i + 1)
}

/// End of the line containing `at`, before its `\r\n` or `\n`.
fn line_end(text: &str, at: usize) -> usize {
    let b = text.as_bytes();
    let end = memchr::memchr(b'\n', &b[at..]).map_or(b.len(), |i| at + i);
    if end > at && b[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

/// First byte at or after `from` that is neither whitespace nor inside a comment line.
fn next_content(text: &str, from: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = from;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'#' if i == 0 || matches!(b[i - 1], b' ' | b'\t' | b'\n') => {
                i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |j| i + j);
            }
            _ => return Some(i),
        }
    }
    None
}

/// Where tree-sitter gave up in a way that loses content, if it did.
/// tree-sitter-yaml recovers well from errors inside a collection (an ERROR node among
/// the pairs), but an error it cannot place ends the tree early or wraps everything so
/// far in one ERROR node, dropping the rest of the document. Returns the first byte it
/// could not fit, which is on the offending line.
fn lost_content(tree: &Tree, text: &str) -> Option<usize> {
    let root = tree.root_node();
    let mut units = vec![root];
    if kind(root) == K::Stream {
        let mut c = root.walk();
        units = root.children(&mut c).collect();
    }
    for u in units {
        if kind(u) != K::Error {
            continue;
        }
        if let Some(p) = next_content(text, u.end_byte()) {
            return Some(p);
        }
        // The ERROR node runs to the end: the failure is its first child that is not a
        // complete pair, item or document (a stray key, colon or bracket).
        let mut c = u.walk();
        let stray = u.children(&mut c).find(|ch| {
            !matches!(
                kind(*ch),
                K::BlockPair | K::BlockItem | K::Document | K::Comment
            )
        });
        return Some(stray.map_or(u.start_byte(), |s| s.start_byte()));
    }
    next_content(text, root.end_byte())
}

/// Blanks the lines whose block structure starts past [`MAX_BLOCK_COLUMN`] (see there:
/// such input would abort the process inside tree-sitter). Column counting is
/// deliberately blunt — leading spaces plus `- `, `? `, `: `, anchors and tags in front
/// of the content — so no nesting can slip past it; the price is that a block-scalar
/// line indented that far which looks like a key or list item is skipped too.
/// Returns the cleaned text if anything was blanked.
fn blank_deep_lines(src: &str, base: usize, cx: &mut Ctx<'_>) -> Option<String> {
    let b = src.as_bytes();
    let mut out: Option<Vec<u8>> = None;
    let mut ls = 0;
    while ls < b.len() {
        let le = memchr::memchr(b'\n', &b[ls..]).map_or(b.len(), |i| ls + i);
        let line = &b[ls..le];
        let mut i = line.iter().take_while(|&&c| c == b' ').count();
        if i > MAX_BLOCK_COLUMN || line.len() > MAX_BLOCK_COLUMN {
            let gap = |j: usize| matches!(line.get(j), None | Some(b' ' | b'\t' | b'\r'));
            if line.starts_with(b"---") && gap(3) {
                i = 3;
            }
            loop {
                while matches!(line.get(i), Some(b' ' | b'\t')) {
                    i += 1;
                }
                match line.get(i) {
                    Some(b'-' | b'?' | b':') if gap(i + 1) => i += 1,
                    Some(b'&' | b'!') => {
                        while !gap(i) {
                            i += 1;
                        }
                    }
                    _ => break,
                }
            }
            let structural = line
                .iter()
                .enumerate()
                .any(|(j, &c)| c == b':' && gap(j + 1))
                || matches!(line.iter().find(|&&c| c != b' '), Some(b'-' | b'?' | b':'));
            if i > MAX_BLOCK_COLUMN && structural {
                let buf = out.get_or_insert_with(|| b.to_vec());
                let end = if le > ls && b[le - 1] == b'\r' {
                    le - 1
                } else {
                    le
                };
                buf[ls..end].fill(b' ');
                let msg = format!(
                    "nesting deeper than the YAML parser supports (block structure past column {MAX_BLOCK_COLUMN}); the line is skipped"
                );
                cx.syntax_error(base + ls, Span::new(base + ls, base + end), msg);
            }
        }
        ls = le + 1;
    }
    out.map(|v| String::from_utf8(v).expect("whole lines replaced by ASCII spaces"))
}

/// Text given to tree-sitter, with whole comment lines inserted into the file's text.
/// `inserts` holds (position in this text, length), ascending.
struct Virtual {
    text: String,
    inserts: Vec<(usize, usize)>,
}

impl Virtual {
    /// The file-relative offset of a position in the virtual text.
    fn real(&self, v: usize) -> usize {
        let mut shift = 0;
        for &(at, len) in &self.inserts {
            if v >= at + len {
                shift += len;
            } else if v > at {
                return at - shift;
            }
        }
        v - shift
    }

    fn span(&self, base: usize, start: usize, end: usize) -> Span {
        Span::new(base + self.real(start), base + self.real(end))
    }

    /// Replaces `start..end` (within one line, or an empty range at a line start) and
    /// re-parses incrementally. A replacement of another length is recorded as an
    /// insertion, so it must consist of whole lines. False if tree-sitter gave up.
    fn edit(&mut self, tree: &mut Tree, start: usize, end: usize, new: &str) -> bool {
        let row = memchr::memchr_iter(b'\n', &self.text.as_bytes()[..start]).count();
        let col = start - line_start(&self.text, start);
        let new_rows = memchr::memchr_iter(b'\n', new.as_bytes()).count();
        let new_end_col = match new.rfind('\n') {
            Some(i) => new.len() - i - 1,
            None => col + new.len(),
        };
        if new.len() != end - start {
            self.inserts.push((start, new.len() - (end - start)));
        }
        self.text.replace_range(start..end, new);
        tree.edit(&InputEdit {
            start_byte: start,
            old_end_byte: end,
            new_end_byte: start + new.len(),
            start_position: Point { row, column: col },
            old_end_position: Point {
                row,
                column: col + (end - start),
            },
            new_end_position: Point {
                row: row + new_rows,
                column: new_end_col,
            },
        });
        match ts_parse(&self.text, Some(tree)) {
            Some(t) => {
                *tree = t;
                true
            }
            None => false,
        }
    }
}

/// Start of line `row` (0-based), if the text has that many lines.
fn row_start(text: &str, row: usize) -> Option<usize> {
    if row == 0 {
        return Some(0);
    }
    memchr::memchr_iter(b'\n', text.as_bytes())
        .nth(row - 1)
        .map(|i| i + 1)
        .filter(|&i| i < text.len())
}

/// The start of the nearest line before `limit` that begins a block mapping pair or
/// sequence item: comment lines can be inserted there without changing the document.
fn entry_line_before(tree: &Tree, text: &str, limit: usize) -> Option<usize> {
    let root = tree.root_node();
    let mut end = limit;
    for _ in 0..4096 {
        if end == 0 {
            return None;
        }
        let ls = line_start(text, end - 1);
        end = ls;
        let Some(fs) = next_content(text, ls).filter(|&p| p < line_end(text, ls).max(ls + 1))
        else {
            continue;
        };
        // A line's first token is only a few levels below the entry it starts.
        let mut node = root.descendant_for_byte_range(fs, fs);
        for _ in 0..16 {
            let Some(n) = node.filter(|n| n.start_byte() == fs) else {
                break;
            };
            if matches!(kind(n), K::BlockPair | K::BlockItem) && !n.has_error() {
                return Some(ls);
            }
            node = n.parent();
        }
    }
    None
}

fn parse_segment(src: &str, base: usize, cx: &mut Ctx<'_>) {
    let guarded = blank_deep_lines(src, base, cx);
    let mut v = Virtual {
        text: guarded.unwrap_or_else(|| src.to_owned()),
        inserts: Vec::new(),
    };
    let Some(mut tree) = ts_parse(&v.text, None) else {
        cx.yaml
            .errors
            .push((Span::new(base, base), "YAML parser failed".to_owned()));
        return;
    };
    // tree-sitter-yaml 0.7.2 counts lines in an `int16_t`: the first token after line
    // 32768 (and every 65536 lines after) is taken to be on the previous line, and the
    // rest of the document is lost. Its comment scanning survives the wrap, so comment
    // lines are inserted before the last block entry that starts ahead of the wrap,
    // enough of them that a comment is the token crossing it.
    let mut wrap_row = 1usize << 15;
    let mut stop_at = usize::MAX;
    // Offending lines are blanked (same length, so offsets hold) and the text re-parsed
    // incrementally, until the tree keeps everything or the budget runs out.
    let mut blanked: HashSet<usize> = HashSet::new();
    loop {
        let lost = lost_content(&tree, &v.text);
        if let Some(wrap) = row_start(&v.text, wrap_row) {
            if lost.is_none_or(|p| p >= wrap) {
                wrap_row += 1 << 16;
                match entry_line_before(&tree, &v.text, wrap) {
                    Some(at) => {
                        let rows =
                            memchr::memchr_iter(b'\n', &v.text.as_bytes()[at..wrap]).count() + 1;
                        if !v.edit(&mut tree, at, at, &"#\n".repeat(rows)) {
                            break;
                        }
                    }
                    None => {
                        stop_at = stop_at.min(wrap);
                        let at = base + v.real(wrap);
                        let msg = "YAML document too long for the parser to follow past this line";
                        cx.yaml.errors.push((Span::new(at, at), msg.to_owned()));
                    }
                }
                continue;
            }
        }
        let Some(at) = lost else {
            break;
        };
        let text = v.text.as_str();
        let (ls, le) = (line_start(text, at), line_end(text, at));
        let snippet = snippet(&text[at..le]);
        let first = next_content(text, ls).map_or(at, |p| p.min(at));
        let span = v.span(base, first, le);
        let cost = text.len() - ls;
        let stuck = cx.recoveries >= MAX_RECOVERIES || cost > cx.recovery_bytes || at >= stop_at;
        if stuck || !blanked.insert(ls) {
            let msg =
                format!("YAML syntax error at `{snippet}`; the rest of the document is skipped");
            cx.syntax_error(base + v.real(ls), span, msg);
            break;
        }
        cx.recoveries += 1;
        cx.recovery_bytes -= cost;
        let msg = format!("YAML syntax error at `{snippet}`; the line is skipped");
        cx.syntax_error(base + v.real(ls), span, msg);
        if !v.edit(&mut tree, ls, le, &" ".repeat(le - ls)) {
            break;
        }
    }
    report_syntax_errors(tree.root_node(), &v, base, cx);
    let mut b = Builder {
        v: &v,
        base,
        cx,
        anchors: HashMap::new(),
        cursor: tree.walk(),
    };
    b.convert(tree.root_node());
}

/// A short, single-line excerpt for error messages.
fn snippet(s: &str) -> String {
    let s = s.trim();
    match s.char_indices().nth(30) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// ERROR and MISSING nodes left in the final tree, each reported on its first line.
/// Only subtrees that contain errors are visited.
fn report_syntax_errors(root: TsNode<'_>, v: &Virtual, base: usize, cx: &mut Ctx<'_>) {
    let text = v.text.as_str();
    if !root.has_error() {
        return;
    }
    let mut c = root.walk();
    loop {
        let n = c.node();
        let mut descend = false;
        if n.is_error() {
            let start = next_content(text, n.start_byte())
                .filter(|&p| p < n.end_byte())
                .unwrap_or(n.start_byte());
            let end = line_end(text, start).min(n.end_byte().max(start));
            let msg = match snippet(&text[start..end]) {
                s if s.is_empty() => "YAML syntax error".to_owned(),
                s => format!("YAML syntax error at `{s}`"),
            };
            cx.syntax_error(
                base + v.real(line_start(text, start)),
                v.span(base, start, end),
                msg,
            );
        } else if n.is_missing() {
            let at = n.start_byte();
            let msg = format!("YAML syntax error: missing `{}`", n.kind());
            cx.syntax_error(
                base + v.real(line_start(text, at)),
                v.span(base, at, at),
                msg,
            );
        } else {
            descend = n.has_error();
        }
        if descend && c.goto_first_child() {
            continue;
        }
        while !c.goto_next_sibling() {
            if !c.goto_parent() {
                return;
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// CST → Node conversion

/// A converted node with what the limits need: how many nodes it stands for (aliases
/// of it cost that much) and how many collection levels it has.
#[derive(Clone)]
struct Built {
    node: Node,
    size: usize,
    height: usize,
    /// Where its text ends at this place in the file (an alias: the alias token), so a
    /// block collection's span can end at its last content instead of running over
    /// trailing comments and blank lines as tree-sitter's nodes do.
    end: usize,
}

/// Work items of the conversion. A collection pushes its finishing task first and its
/// children's tasks above it, so children are built (in document order, which keeps
/// anchors before their aliases) before the collection collects them.
enum Task<'t, 's> {
    Value {
        n: TsNode<'t>,
        depth: usize,
        indent: i64,
    },
    Key {
        n: TsNode<'t>,
    },
    Empty {
        at: usize,
    },
    Map {
        start: usize,
        /// Flow collections end at their bracket; block ones at their last child.
        end: Option<usize>,
        len: usize,
        anchor: Option<&'s str>,
    },
    Seq {
        start: usize,
        end: Option<usize>,
        len: usize,
        anchor: Option<&'s str>,
    },
}

struct Builder<'s, 'c, 'l, 't> {
    /// The segment's text as parsed (skipped lines blanked, comment lines inserted).
    v: &'s Virtual,
    /// Where the segment starts in the file.
    base: usize,
    cx: &'c mut Ctx<'l>,
    anchors: HashMap<&'s str, Built>,
    cursor: TreeCursor<'t>,
}

impl<'s, 't> Builder<'s, '_, '_, 't> {
    fn span(&self, start: usize, end: usize) -> Span {
        self.v.span(self.base, start, end)
    }

    fn src(&self) -> &'s str {
        &self.v.text
    }

    fn children(&mut self, n: TsNode<'t>) -> Vec<(TsNode<'t>, Option<FieldId>)> {
        let mut out = Vec::new();
        self.each_child(n, |ch, field| out.push((ch, field)));
        out
    }

    /// Visits the children of `n` with the shared cursor: no allocation, which matters
    /// as this runs several times per pair.
    fn each_child(&mut self, n: TsNode<'t>, mut f: impl FnMut(TsNode<'t>, Option<FieldId>)) {
        self.cursor.reset(n);
        if self.cursor.goto_first_child() {
            loop {
                f(self.cursor.node(), self.cursor.field_id());
                if !self.cursor.goto_next_sibling() {
                    break;
                }
            }
        }
    }

    /// Children of `n` of kind `want`, looking through ERROR nodes: what tree-sitter
    /// parsed around an error is kept.
    fn gather(&mut self, n: TsNode<'t>, want: &[K]) -> Vec<TsNode<'t>> {
        let mut out = Vec::new();
        let mut todo = vec![n];
        while let Some(n) = todo.pop() {
            let kids = self.children(n);
            let mut errors = Vec::new();
            for (ch, _) in kids {
                let k = kind(ch);
                if want.contains(&k) {
                    out.push(ch);
                } else if k == K::Error {
                    errors.push(ch);
                }
            }
            // Visit nested ERROR nodes in order; they are rare, so order is kept simply
            // by sorting at the end.
            todo.extend(errors.into_iter().rev());
        }
        out.sort_by_key(|n| n.start_byte());
        out
    }

    fn column(&self, at: usize) -> i64 {
        (at - line_start(self.src(), at)) as i64
    }

    fn convert(&mut self, root: TsNode<'t>) {
        let units = if kind(root) == K::Stream {
            self.children(root).into_iter().map(|(n, _)| n).collect()
        } else {
            vec![root]
        };
        for u in units {
            match kind(u) {
                K::Document => self.document(u),
                K::Error => self.salvage_document(u),
                _ => {}
            }
        }
    }

    fn document(&mut self, d: TsNode<'t>) {
        let mut content = None;
        let mut marker = None;
        for (ch, _) in self.children(d) {
            match kind(ch) {
                K::BlockNode | K::FlowNode => content = content.or(Some(ch)),
                K::DocStart => marker = Some(ch.end_byte()),
                _ => {}
            }
        }
        if let Some(c) = content {
            let task = Task::Value {
                n: c,
                depth: 0,
                indent: -1,
            };
            self.finish_document(vec![task]);
        } else if let Some(at) = marker {
            self.finish_document(vec![Task::Empty { at }]);
        }
    }

    /// A top-level ERROR node: keep the documents, pairs or items it still contains.
    fn salvage_document(&mut self, e: TsNode<'t>) {
        let docs = self.gather(e, &[K::Document]);
        if !docs.is_empty() {
            for d in docs {
                self.document(d);
            }
            return;
        }
        let mut tasks = Vec::new();
        self.salvage_value(e, 0, &mut tasks);
        if !tasks.is_empty() {
            self.finish_document(tasks);
        }
    }

    /// An ERROR node where a value belongs: a map of the pairs or a sequence of the
    /// items it contains, else its first value node. Pushes nothing if nothing is left.
    fn salvage_value(&mut self, e: TsNode<'t>, depth: usize, tasks: &mut Vec<Task<'t, 's>>) {
        if depth >= self.cx.limits.max_depth {
            return;
        }
        let start = e.start_byte();
        for (want, is_map) in [(K::BlockPair, true), (K::BlockItem, false)] {
            let found = self.gather(e, &[want]);
            if found.is_empty() {
                continue;
            }
            let mut list = Vec::new();
            for n in &found {
                if is_map {
                    self.pair_tasks(*n, depth + 1, 0, &mut list);
                } else {
                    self.item_tasks(*n, depth + 1, &mut list);
                }
            }
            let len = found.len();
            let (end, anchor) = (None, None);
            list.push(if is_map {
                Task::Map {
                    start,
                    end,
                    len,
                    anchor,
                }
            } else {
                Task::Seq {
                    start,
                    end,
                    len,
                    anchor,
                }
            });
            tasks.extend(list.into_iter().rev());
            return;
        }
        if let Some(v) = self.gather(e, &[K::BlockNode, K::FlowNode]).first() {
            tasks.push(Task::Value {
                n: *v,
                depth,
                indent: -1,
            });
        }
    }

    fn finish_document(&mut self, mut tasks: Vec<Task<'t, 's>>) {
        let mut vals = Vec::new();
        self.run(&mut tasks, &mut vals);
        if let Some(b) = vals.pop() {
            self.cx.yaml.docs.push(b.node);
        }
        // Anchors are scoped to their document.
        self.anchors.clear();
    }

    fn run(&mut self, tasks: &mut Vec<Task<'t, 's>>, vals: &mut Vec<Built>) {
        while let Some(task) = tasks.pop() {
            match task {
                Task::Value { n, depth, indent } => self.value(n, depth, indent, tasks, vals),
                Task::Key { n } => {
                    let b = self.key(n);
                    vals.push(b);
                }
                Task::Empty { at } => vals.push(self.empty(at, at)),
                Task::Seq {
                    start,
                    end,
                    len,
                    anchor,
                } => {
                    let items: Vec<Built> = vals.drain(vals.len() - len..).collect();
                    let size = 1 + items.iter().map(|b| b.size).sum::<usize>();
                    let height = 1 + items.iter().map(|b| b.height).max().unwrap_or(0);
                    let end =
                        end.unwrap_or_else(|| items.iter().map(|b| b.end).fold(start, usize::max));
                    let span = self.span(start, end);
                    let items = items.into_iter().map(|b| b.node).collect();
                    let node = Node::Seq(Arc::new(Seq { items, span }));
                    let b = Built {
                        node,
                        size,
                        height,
                        end,
                    };
                    vals.push(self.anchored(anchor, b));
                }
                Task::Map {
                    start,
                    end,
                    len,
                    anchor,
                } => {
                    let kv: Vec<Built> = vals.drain(vals.len() - 2 * len..).collect();
                    let end =
                        end.unwrap_or_else(|| kv.iter().map(|b| b.end).fold(start, usize::max));
                    let b = build_map(kv, self.span(start, end), end);
                    vals.push(self.anchored(anchor, b));
                }
            }
        }
    }

    fn anchored(&mut self, anchor: Option<&'s str>, b: Built) -> Built {
        if let Some(name) = anchor {
            self.anchors.insert(name, b.clone());
        }
        b
    }

    fn empty(&self, start: usize, end: usize) -> Built {
        let span = self.span(start, end);
        Built {
            node: Node::Scalar(Arc::new(Scalar {
                value: String::new(),
                span,
                value_span: span,
                style: ScalarStyle::Plain,
            })),
            size: 1,
            height: 0,
            end,
        }
    }

    /// Splits a `block_node` / `flow_node` into its anchor name, its content node and
    /// the end of its properties (where an empty value sits).
    fn unwrap_node(&mut self, n: TsNode<'t>) -> (Option<&'s str>, Option<TsNode<'t>>, usize) {
        if !matches!(kind(n), K::BlockNode | K::FlowNode) {
            return (None, Some(n), n.start_byte());
        }
        let mut anchor = None;
        let mut content = None;
        let mut props_end = n.start_byte();
        let src = self.src();
        self.each_child(n, |ch, _| match kind(ch) {
            K::Anchor => {
                anchor = src.get(ch.start_byte() + 1..ch.end_byte());
                props_end = ch.end_byte();
            }
            K::Tag => props_end = ch.end_byte(),
            K::Comment => {}
            _ if content.is_none() && (ch.is_named() || ch.is_error()) => content = Some(ch),
            _ => {}
        });
        (anchor, content, props_end)
    }

    fn value(
        &mut self,
        n: TsNode<'t>,
        depth: usize,
        indent: i64,
        tasks: &mut Vec<Task<'t, 's>>,
        vals: &mut Vec<Built>,
    ) {
        let (anchor, content, props_end) = self.unwrap_node(n);
        let Some(c) = content else {
            let b = self.empty(props_end, props_end);
            vals.push(self.anchored(anchor, b));
            return;
        };
        let k = kind(c);
        match k {
            K::Plain | K::SingleQuoted | K::DoubleQuoted | K::BlockScalar => {
                let b = self.scalar(c, k, indent);
                vals.push(self.anchored(anchor, b));
            }
            K::Alias => {
                let b = self.alias(c, depth);
                vals.push(b);
            }
            K::BlockMapping | K::FlowMapping | K::BlockSeq | K::FlowSeq
                if depth >= self.cx.limits.max_depth =>
            {
                let span = self.span(c.start_byte(), c.end_byte());
                self.cx.depth_error(span);
                let b = self.empty(c.start_byte(), c.end_byte());
                vals.push(self.anchored(anchor, b));
            }
            K::BlockMapping | K::FlowMapping | K::BlockSeq | K::FlowSeq => {
                self.collection(c, k, depth, indent, anchor, tasks);
            }
            K::Error => {
                let before = tasks.len();
                self.salvage_value(c, depth, tasks);
                if tasks.len() == before {
                    vals.push(self.empty(c.start_byte(), c.start_byte()));
                }
            }
            _ => {
                let b = self.empty(c.start_byte(), c.start_byte());
                vals.push(self.anchored(anchor, b));
            }
        }
    }

    fn collection(
        &mut self,
        c: TsNode<'t>,
        k: K,
        depth: usize,
        indent: i64,
        anchor: Option<&'s str>,
        tasks: &mut Vec<Task<'t, 's>>,
    ) {
        let kids = self.children(c);
        let start = c.start_byte();
        let end = matches!(k, K::FlowMapping | K::FlowSeq).then(|| c.end_byte());
        let d = depth + 1;
        // Tasks in processing order; pushed reversed below.
        let mut list: Vec<Task<'t, 's>> = Vec::new();
        let mut len = 0;
        for (ch, _) in kids {
            match (k, kind(ch)) {
                (K::BlockMapping, K::BlockPair) | (K::FlowMapping, K::FlowPair) => {
                    self.pair_tasks(ch, d, indent, &mut list);
                    len += 1;
                }
                (K::BlockMapping, K::Error) => {
                    for p in self.gather(ch, &[K::BlockPair]) {
                        self.pair_tasks(p, d, indent, &mut list);
                        len += 1;
                    }
                }
                (K::FlowMapping, K::FlowNode) => {
                    // `{a, b: c}`: a key without a value.
                    list.push(Task::Key { n: ch });
                    list.push(Task::Empty { at: ch.end_byte() });
                    len += 1;
                }
                (K::BlockSeq, K::BlockItem) => {
                    self.item_tasks(ch, d, &mut list);
                    len += 1;
                }
                (K::BlockSeq, K::Error) => {
                    for it in self.gather(ch, &[K::BlockItem]) {
                        self.item_tasks(it, d, &mut list);
                        len += 1;
                    }
                }
                (K::FlowSeq, K::FlowNode) => {
                    list.push(Task::Value {
                        n: ch,
                        depth: d,
                        indent,
                    });
                    len += 1;
                }
                (K::FlowSeq, K::FlowPair) => {
                    // `[a: b]` is a sequence holding a one-pair map.
                    if d >= self.cx.limits.max_depth {
                        let span = self.span(ch.start_byte(), ch.end_byte());
                        self.cx.depth_error(span);
                        list.push(Task::Empty {
                            at: ch.start_byte(),
                        });
                    } else {
                        self.pair_tasks(ch, d + 1, indent, &mut list);
                        list.push(Task::Map {
                            start: ch.start_byte(),
                            end: Some(ch.end_byte()),
                            len: 1,
                            anchor: None,
                        });
                    }
                    len += 1;
                }
                _ => {}
            }
        }
        list.push(match k {
            K::BlockMapping | K::FlowMapping => Task::Map {
                start,
                end,
                len,
                anchor,
            },
            _ => Task::Seq {
                start,
                end,
                len,
                anchor,
            },
        });
        tasks.extend(list.into_iter().rev());
    }

    /// Key and value tasks for a block or flow pair. `indent` is the indentation a
    /// block scalar value is relative to: the pair's column for block pairs.
    fn pair_tasks(
        &mut self,
        p: TsNode<'t>,
        depth: usize,
        indent: i64,
        list: &mut Vec<Task<'t, 's>>,
    ) {
        let g = grammar();
        let mut key = None;
        let mut value = None;
        let mut colon = None;
        self.each_child(p, |ch, field| {
            if field.is_some() && field == g.key {
                key = Some(ch);
            } else if field.is_some() && field == g.value {
                value = Some(ch);
            } else if kind(ch) == K::Colon && !ch.is_missing() {
                colon = Some(ch.end_byte());
            }
        });
        let indent = if kind(p) == K::BlockPair {
            self.column(p.start_byte())
        } else {
            indent
        };
        list.push(match key {
            Some(n) => Task::Key { n },
            None => Task::Empty { at: p.start_byte() },
        });
        list.push(match value {
            Some(n) => Task::Value { n, depth, indent },
            None => Task::Empty {
                at: colon.or(key.map(|k| k.end_byte())).unwrap_or(p.end_byte()),
            },
        });
    }

    fn item_tasks(&mut self, it: TsNode<'t>, depth: usize, list: &mut Vec<Task<'t, 's>>) {
        let mut dash_end = it.start_byte();
        let mut value = None;
        self.each_child(it, |ch, _| match kind(ch) {
            K::Dash => dash_end = ch.end_byte(),
            K::BlockNode | K::FlowNode => value = value.or(Some(ch)),
            _ => {}
        });
        let indent = self.column(it.start_byte());
        list.push(match value {
            Some(n) => Task::Value { n, depth, indent },
            None => Task::Empty { at: dash_end },
        });
    }

    /// A key is always a scalar: a map or sequence used as a key (legal, but unheard of
    /// in the files dozen reads) becomes its source text.
    fn key(&mut self, n: TsNode<'t>) -> Built {
        let (anchor, content, props_end) = self.unwrap_node(n);
        let Some(c) = content else {
            let b = self.empty(props_end, props_end);
            return self.anchored(anchor, b);
        };
        let k = kind(c);
        let b = match k {
            K::Plain | K::SingleQuoted | K::DoubleQuoted | K::BlockScalar => self.scalar(c, k, 0),
            K::Alias => {
                let b = self.alias(c, 0);
                if b.node.as_scalar().is_some() {
                    return b;
                }
                self.source_text(c)
            }
            _ => self.source_text(c),
        };
        self.anchored(anchor, b)
    }

    fn source_text(&self, c: TsNode<'t>) -> Built {
        let (start, end) = (c.start_byte(), c.end_byte());
        let raw = &self.src()[start..end];
        let lead = raw.len() - raw.trim_start().len();
        let text = raw.trim();
        let end = start + lead + text.len();
        let span = self.span(start + lead, end);
        Built {
            node: Node::Scalar(Arc::new(Scalar {
                value: text.to_owned(),
                span,
                value_span: span,
                style: ScalarStyle::Plain,
            })),
            size: 1,
            height: 0,
            end,
        }
    }

    fn alias(&mut self, c: TsNode<'t>, depth: usize) -> Built {
        let (start, end) = (c.start_byte(), c.end_byte());
        let name = self.src().get(start + 1..end).unwrap_or("").trim();
        let span = self.span(start, end);
        let Some(target) = self.anchors.get(name) else {
            if self.cx.alias_errors < MAX_SYNTAX_ERRORS {
                self.cx.alias_errors += 1;
                let msg = format!("unknown YAML alias `*{name}`");
                self.cx.yaml.errors.push((span, msg));
            }
            return self.empty(start, end);
        };
        let limits = self.cx.limits;
        if self.cx.alias_exhausted {
            return self.empty(start, end);
        }
        if self.cx.alias_nodes + target.size > limits.max_alias_nodes {
            self.cx.alias_exhausted = true;
            let msg = format!(
                "YAML alias expansion exceeds {} nodes",
                limits.max_alias_nodes
            );
            self.cx.yaml.errors.push((span, msg));
            return self.empty(start, end);
        }
        if target.height > 0 && depth + target.height > limits.max_depth {
            self.cx.depth_error(span);
            return self.empty(start, end);
        }
        self.cx.alias_nodes += target.size;
        Built {
            end,
            ..target.clone()
        }
    }

    fn scalar(&self, c: TsNode<'t>, k: K, indent: i64) -> Built {
        let (start, end) = (c.start_byte(), c.end_byte());
        let raw = &self.src()[start..end];
        let mut text_end = end;
        let (value, span, value_span, style) = match k {
            K::Plain => {
                let span = self.span(start, end);
                (fold_plain(raw), span, span, ScalarStyle::Plain)
            }
            K::SingleQuoted | K::DoubleQuoted => {
                let q = if k == K::SingleQuoted { b'\'' } else { b'"' };
                let closed = raw.len() >= 2 && raw.as_bytes()[raw.len() - 1] == q;
                let inner_end = if closed { end - 1 } else { end };
                let inner_start = (start + 1).min(inner_end);
                let inner = &self.src()[inner_start..inner_end];
                let (value, style) = if k == K::SingleQuoted {
                    (decode_single(inner), ScalarStyle::SingleQuoted)
                } else {
                    (decode_double(inner), ScalarStyle::DoubleQuoted)
                };
                let vspan = self.span(inner_start, inner_end);
                (value, self.span(start, end), vspan, style)
            }
            _ => {
                let blk = decode_block(self.src(), start, end, indent);
                text_end = blk.end;
                let span = self.span(start, blk.end);
                let vspan = self.span(blk.content.0, blk.content.1);
                (blk.value, span, vspan, blk.style)
            }
        };
        Built {
            node: Node::Scalar(Arc::new(Scalar {
                value,
                span,
                value_span,
                style,
            })),
            size: 1,
            height: 0,
            end: text_end,
        }
    }
}

/// Builds a map from key/value pairs, applying merge keys: `<<: *a` or `<<: [*a, *b]`
/// pulls in the entries of the merged maps first (earlier maps win over later ones),
/// and the map's own keys override them.
fn build_map(kv: Vec<Built>, span: Span, end: usize) -> Built {
    let mut size = 1;
    let mut height = 0;
    let mut entries = Vec::with_capacity(kv.len() / 2);
    let mut merges: Vec<Node> = Vec::new();
    let mut it = kv.into_iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        size += k.size + v.size;
        height = height.max(k.height).max(v.height);
        if is_merge(&k.node, &v.node) {
            merges.push(v.node);
        } else {
            entries.push(Entry {
                key: k.node,
                value: v.node,
            });
        }
    }
    if !merges.is_empty() {
        let own: HashSet<String> = entries.iter().map(|e| e.key_str().to_owned()).collect();
        let mut seen: HashSet<String> = HashSet::new();
        let mut merged = Vec::new();
        for m in &merges {
            let sources: Vec<&Map> = match m {
                Node::Map(map) => vec![map],
                _ => m.items().filter_map(Node::as_map).collect(),
            };
            for src in sources {
                for e in &src.entries {
                    let key = e.key_str();
                    if !own.contains(key) && seen.insert(key.to_owned()) {
                        merged.push(e.clone());
                    }
                }
            }
        }
        merged.append(&mut entries);
        entries = merged;
    }
    Built {
        node: Node::Map(Arc::new(Map { entries, span })),
        size,
        height: height + 1,
        end,
    }
}

fn is_merge(key: &Node, value: &Node) -> bool {
    let is_merge_key = key
        .as_scalar()
        .is_some_and(|s| s.style == ScalarStyle::Plain && s.value == "<<");
    is_merge_key && (value.as_map().is_some() || value.items().any(|i| i.as_map().is_some()))
}

// ---------------------------------------------------------------------------------
// Scalar decoding

fn is_ws(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Plain scalars: lines are trimmed and joined by a space; each empty line in between
/// becomes a newline.
fn fold_plain(raw: &str) -> String {
    if !raw.contains('\n') {
        return raw.to_owned();
    }
    let mut out = String::with_capacity(raw.len());
    let mut empties = 0;
    let mut first = true;
    for line in raw.split('\n') {
        let t = line.trim_matches(|c| is_ws(c) || c == '\r');
        if t.is_empty() {
            empties += 1;
            continue;
        }
        if !first {
            push_break(&mut out, empties);
        }
        out.push_str(t);
        first = false;
        empties = 0;
    }
    out
}

/// A line break inside a flow scalar: a space, or one newline per empty line.
fn push_break(out: &mut String, empties: usize) {
    if empties == 0 {
        out.push(' ');
    } else {
        out.extend(std::iter::repeat_n('\n', empties));
    }
}

/// Single-quoted content: `''` is a quote; line breaks fold like plain scalars, but
/// whitespace at the very start and end is kept.
fn decode_single(inner: &str) -> String {
    if !inner.contains('\n') {
        return inner.replace("''", "'");
    }
    let mut out = String::with_capacity(inner.len());
    let mut lines = inner.split('\n').peekable();
    let mut first = true;
    let mut empties = 0;
    while let Some(raw) = lines.next() {
        let last = lines.peek().is_none();
        let mut l = raw;
        if !first {
            l = l.trim_start_matches(is_ws);
        }
        if !last {
            l = l.trim_end_matches(|c| is_ws(c) || c == '\r');
        }
        if !first {
            if l.is_empty() && !last {
                empties += 1;
                continue;
            }
            push_break(&mut out, empties);
            empties = 0;
        }
        first = false;
        out.push_str(&l.replace("''", "'"));
    }
    out
}

/// Double-quoted content: escapes decoded, line breaks folded; a backslash before a
/// line break joins the lines without a space. Unknown escapes are kept verbatim.
fn decode_double(inner: &str) -> String {
    if !inner.contains(['\\', '\n']) {
        return inner.to_owned();
    }
    let b = inner.as_bytes();
    let mut out = String::with_capacity(inner.len());
    // Output before this length is never trimmed (escaped whitespace stays).
    let mut keep = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if i + 1 < b.len() => {
                let e = b[i + 1];
                i += 2;
                let simple = match e {
                    b'0' => Some('\0'),
                    b'a' => Some('\x07'),
                    b'b' => Some('\x08'),
                    b't' | b'\t' => Some('\t'),
                    b'n' => Some('\n'),
                    b'v' => Some('\x0b'),
                    b'f' => Some('\x0c'),
                    b'r' => Some('\r'),
                    b'e' => Some('\x1b'),
                    b' ' => Some(' '),
                    b'"' => Some('"'),
                    b'/' => Some('/'),
                    b'\\' => Some('\\'),
                    b'N' => Some('\u{85}'),
                    b'_' => Some('\u{a0}'),
                    b'L' => Some('\u{2028}'),
                    b'P' => Some('\u{2029}'),
                    _ => None,
                };
                if let Some(ch) = simple {
                    out.push(ch);
                } else if matches!(e, b'x' | b'u' | b'U') {
                    let digits = match e {
                        b'x' => 2,
                        b'u' => 4,
                        _ => 8,
                    };
                    let hex = inner.get(i..i + digits);
                    match hex
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .and_then(char::from_u32)
                    {
                        Some(ch) => {
                            out.push(ch);
                            i += digits;
                        }
                        None => {
                            out.push('\\');
                            out.push(e as char);
                        }
                    }
                } else if e == b'\n' || e == b'\r' {
                    // Escaped line break: no space; empty lines after it still count.
                    i -= 1;
                    i = skip_break(b, i);
                    let (next, empties) = skip_empty_lines(b, i);
                    out.extend(std::iter::repeat_n('\n', empties));
                    i = next;
                } else {
                    // Unknown escape: keep it as written (the whole UTF-8 character).
                    out.push('\\');
                    let ch = inner[i - 1..].chars().next().unwrap_or('\\');
                    out.push(ch);
                    i += ch.len_utf8() - 1;
                }
                keep = out.len();
            }
            b'\n' | b'\r' => {
                let trimmed = out.trim_end_matches(is_ws).len().max(keep);
                out.truncate(trimmed);
                i = skip_break(b, i);
                let (next, empties) = skip_empty_lines(b, i);
                push_break(&mut out, empties);
                i = next;
                keep = out.len();
            }
            _ => {
                let ch = inner[i..].chars().next().unwrap_or(' ');
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    out
}

fn skip_break(b: &[u8], mut i: usize) -> usize {
    if b.get(i) == Some(&b'\r') {
        i += 1;
    }
    if b.get(i) == Some(&b'\n') {
        i += 1;
    }
    i
}

/// Skips the indentation of the next line and any whitespace-only lines; returns the
/// position of the next content and how many empty lines were skipped.
fn skip_empty_lines(b: &[u8], mut i: usize) -> (usize, usize) {
    let mut empties = 0;
    loop {
        while matches!(b.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        if matches!(b.get(i), Some(b'\n' | b'\r')) {
            empties += 1;
            i = skip_break(b, i);
        } else {
            return (i, empties);
        }
    }
}

struct Block {
    value: String,
    style: ScalarStyle,
    /// End of the token: the last content line, or the header if there is none.
    end: usize,
    /// The content lines, from the first one's line start to the last one's end.
    content: (usize, usize),
}

/// Decodes a literal (`|`) or folded (`>`) block scalar whose indicator is at `start`.
/// `parent_indent` is the indentation of the enclosing block collection (-1 at the
/// top level); an explicit indentation indicator is relative to it. The content lines
/// are found by indentation, as YAML defines them; tree-sitter's token end (`ts_end`)
/// only caps where non-empty content may be.
fn decode_block(src: &str, start: usize, ts_end: usize, parent_indent: i64) -> Block {
    let b = src.as_bytes();
    let style = if b.get(start) == Some(&b'>') {
        ScalarStyle::Folded
    } else {
        ScalarStyle::Literal
    };
    let mut explicit = None;
    let mut chomp = b' ';
    for &c in b.iter().skip(start + 1).take(2) {
        match c {
            b'1'..=b'9' => explicit = Some(i64::from(c - b'0')),
            b'+' | b'-' => chomp = c,
            _ => break,
        }
    }
    let header_end = line_end(src, start.min(b.len()));
    let content_start =
        memchr::memchr(b'\n', &b[header_end..]).map_or(b.len(), |i| header_end + i + 1);

    // Lines of the scalar: (start, end without the line break). Blank lines may
    // precede the first text line, which fixes the indentation unless it was explicit.
    // At the top level libyaml (and so PyYAML, go-yaml, YamlDotNet) takes the indicator
    // as the indentation itself rather than relative to -1: follow the tools.
    let mut indent = explicit.map(|m| (parent_indent.max(0) + m) as usize);
    let mut lines: Vec<(usize, usize)> = Vec::new();
    let mut last_text = None;
    let mut pos = content_start;
    while pos < b.len() {
        let end = line_end(src, pos);
        let line = &b[pos..end];
        let spaces = line.iter().take_while(|&&c| c == b' ').count();
        let blank = line[spaces..].iter().all(|&c| c == b' ' || c == b'\t');
        if !blank {
            let ind = *indent.get_or_insert(spaces);
            let at_marker = spaces == 0
                && (line.starts_with(b"---") || line.starts_with(b"..."))
                && matches!(line.get(3), None | Some(b' ' | b'\t'));
            if spaces < ind || (spaces as i64) <= parent_indent || pos >= ts_end || at_marker {
                break;
            }
            last_text = Some(lines.len());
        }
        lines.push((pos, end));
        pos = if end < b.len() {
            skip_break(b, end)
        } else {
            b.len()
        };
    }
    let indent = indent.unwrap_or(0);
    // A line's content after the indentation; whitespace-only lines count as empty.
    let text_of = |(ls, le): (usize, usize)| -> &str {
        match src.get(ls + indent..le) {
            Some(t) if !t.trim_matches(is_ws).is_empty() => t,
            _ => "",
        }
    };

    let mut value = String::new();
    let Some(last) = last_text else {
        if chomp == b'+' {
            let breaks = lines.iter().filter(|l| l.1 < b.len()).count();
            value.extend(std::iter::repeat_n('\n', breaks));
        }
        return Block {
            value,
            style,
            end: header_end,
            content: (header_end, header_end),
        };
    };
    let first = lines
        .iter()
        .position(|&l| !text_of(l).is_empty())
        .unwrap_or(0);
    let mut empties = 0;
    let mut prev_more = true;
    let mut started = false;
    for &l in &lines[..=last] {
        let text = text_of(l);
        if text.is_empty() {
            empties += 1;
            continue;
        }
        let more = text.starts_with(is_ws);
        if !started {
            value.extend(std::iter::repeat_n('\n', empties));
        } else if style == ScalarStyle::Folded && !more && !prev_more {
            push_break(&mut value, empties);
        } else {
            value.extend(std::iter::repeat_n('\n', empties + 1));
        }
        value.push_str(text);
        started = true;
        prev_more = more;
        empties = 0;
    }
    let (_, last_end) = lines[last];
    let has_break = last_end < b.len();
    match chomp {
        b'-' => {}
        b'+' => {
            if has_break {
                value.push('\n');
            }
            let trailing = lines[last + 1..].iter().filter(|l| l.1 < b.len()).count();
            value.extend(std::iter::repeat_n('\n', trailing));
        }
        _ => {
            if has_break {
                value.push('\n');
            }
        }
    }
    Block {
        value,
        style,
        end: last_end,
        content: (lines[first].0, last_end),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// The only document of an error-free stream.
    fn doc(text: &str) -> Node {
        let y = parse(text);
        assert!(y.errors.is_empty(), "unexpected errors: {:?}", y.errors);
        assert_eq!(y.docs.len(), 1, "{:?}", y.docs);
        y.docs.into_iter().next().unwrap()
    }

    fn at(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    fn str_at<'a>(n: &'a Node, path: &[&str]) -> &'a str {
        let mut n = n;
        for p in path {
            n = match p.parse::<usize>() {
                Ok(i) => n.items().nth(i).unwrap_or_else(|| panic!("no item {p}")),
                Err(_) => n.get(p).unwrap_or_else(|| panic!("no key {p}")),
            };
        }
        n.as_str()
            .unwrap_or_else(|| panic!("not a scalar at {path:?}"))
    }

    fn scalar<'a>(n: &'a Node, path: &[&str]) -> &'a Scalar {
        let mut n = n;
        for p in path {
            n = match p.parse::<usize>() {
                Ok(i) => n.items().nth(i).unwrap(),
                Err(_) => n.get(p).unwrap(),
            };
        }
        n.as_scalar().unwrap()
    }

    /// Runs `f` on a thread with the default 2 MiB stack, like a rayon worker.
    fn small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(f)
            .unwrap()
            .join()
            .unwrap()
    }

    #[test]
    fn block_mappings_and_sequences_with_spans() {
        let t = "name: CI\non:\n  push:\n    branches: [main]\njobs:\n  build:\n    steps:\n      - uses: actions/checkout@v4\n      - run: make\n        env:\n          A: b\n";
        let d = doc(t);
        assert_eq!(str_at(&d, &["name"]), "CI");
        assert_eq!(str_at(&d, &["on", "push", "branches", "0"]), "main");
        let steps = d
            .get("jobs")
            .unwrap()
            .get("build")
            .unwrap()
            .get("steps")
            .unwrap();
        assert_eq!(steps.items().len(), 2);
        assert_eq!(str_at(steps, &["0", "uses"]), "actions/checkout@v4");
        assert_eq!(str_at(steps, &["1", "env", "A"]), "b");
        let uses = scalar(steps, &["0", "uses"]);
        assert_eq!(at(t, uses.span), "actions/checkout@v4");
        let e = steps.items().next().unwrap().entry("uses").unwrap();
        assert_eq!(at(t, e.key_span()), "uses");
        // Collections end at their last content, not at trailing line breaks.
        assert_eq!(
            at(t, steps.span()),
            &t[t.find("- uses").unwrap()..t.len() - 1]
        );
        assert_eq!(at(t, d.span()), t.trim_end());
        let on = d.get("on").unwrap();
        assert_eq!(at(t, on.span()), "push:\n    branches: [main]");
    }

    #[test]
    fn flow_collections() {
        let t = "{a: 1, b: [x, \"y\", {c: d}], e, \"q\": , [k]: v}";
        let d = doc(t);
        assert_eq!(at(t, d.span()), t);
        assert_eq!(str_at(&d, &["a"]), "1");
        assert_eq!(str_at(&d, &["b", "1"]), "y");
        assert_eq!(str_at(&d, &["b", "2", "c"]), "d");
        assert!(d.get("e").unwrap().is_null());
        assert!(d.get("q").unwrap().is_null());
        assert_eq!(at(t, d.get("b").unwrap().span()), "[x, \"y\", {c: d}]");
        // A complex key is kept as its source text.
        assert_eq!(str_at(&d, &["[k]"]), "v");
        let keys: Vec<&str> = d.entries().map(|(k, _)| k).collect();
        assert_eq!(keys, ["a", "b", "e", "q", "[k]"]);
    }

    #[test]
    fn flow_pair_in_sequence_is_a_one_entry_map() {
        let t = "[a: b, c]";
        let d = doc(t);
        let first = d.items().next().unwrap();
        assert_eq!(first.as_map().unwrap().entries.len(), 1);
        assert_eq!(str_at(first, &["a"]), "b");
        assert_eq!(at(t, first.span()), "a: b");
        assert_eq!(str_at(&d, &["1"]), "c");
    }

    #[test]
    fn multi_line_plain_scalars_fold() {
        let t = "a: one\n  two\n\n  three\n     four\nb: x\n";
        let d = doc(t);
        let a = scalar(&d, &["a"]);
        assert_eq!(a.value, "one two\nthree four");
        assert_eq!(a.style, ScalarStyle::Plain);
        assert_eq!(at(t, a.span), "one\n  two\n\n  three\n     four");
        assert_eq!(a.value_span, a.span);
        assert_eq!(fold_plain("a\r\n  b"), "a b");
    }

    #[test]
    fn single_quoted_scalars() {
        let t = "a: 'it''s'\nb: ' lead\n  next\n\n  last '\nc: ''\n";
        let d = doc(t);
        let a = scalar(&d, &["a"]);
        assert_eq!(a.value, "it's");
        assert_eq!(a.style, ScalarStyle::SingleQuoted);
        assert_eq!(at(t, a.span), "'it''s'");
        assert_eq!(at(t, a.value_span), "it''s");
        assert_eq!(str_at(&d, &["b"]), " lead next\nlast ");
        assert_eq!(str_at(&d, &["c"]), "");
        assert!(!d.get("c").unwrap().is_null());
    }

    #[test]
    fn double_quoted_escapes() {
        let t = r#"a: "tab\there\nnl \"q\" back\\slash \x41\u00e9\U0001F600 \/ \e\0""#;
        let d = doc(t);
        let a = scalar(&d, &["a"]);
        assert_eq!(a.value, "tab\there\nnl \"q\" back\\slash Aé😀 / \x1b\0");
        assert_eq!(a.style, ScalarStyle::DoubleQuoted);
        assert_eq!(at(t, a.value_span), &t[4..t.len() - 1]);
        assert_eq!(at(t, a.span), &t[3..]);
        // Unknown or broken escapes are kept as written.
        assert_eq!(decode_double(r"\q \xZZ é\"), r"\q \xZZ é\");
    }

    #[test]
    fn double_quoted_line_folding() {
        let t = "a: \"one  \n   two\n\n  three \\\n   four\\t\n  five\\ \n  six\"\n";
        let d = doc(t);
        assert_eq!(str_at(&d, &["a"]), "one two\nthree four\t five  six");
        assert_eq!(decode_double("a\\\n\n  b"), "a\nb");
        assert_eq!(decode_double("a\r\n  b"), "a b");
    }

    #[test]
    fn literal_block_scalars_and_chomping() {
        let t = "clip: |\n  a\n   b\n\n  c\n\n\nstrip: |-\n  a\n\nkeep: |+\n  a\n\n\nlast: x\n";
        let d = doc(t);
        let clip = scalar(&d, &["clip"]);
        assert_eq!(clip.value, "a\n b\n\nc\n");
        assert_eq!(clip.style, ScalarStyle::Literal);
        assert_eq!(at(t, clip.span), "|\n  a\n   b\n\n  c");
        assert_eq!(str_at(&d, &["strip"]), "a");
        assert_eq!(str_at(&d, &["keep"]), "a\n\n\n");
        assert_eq!(str_at(&d, &["last"]), "x");
        // At the end of the file without a final line break.
        assert_eq!(str_at(&doc("a: |\n  x"), &["a"]), "x");
        assert_eq!(str_at(&doc("a: |+\n  x\n\n"), &["a"]), "x\n\n");
        assert_eq!(str_at(&doc("a: |\nb: 1\n"), &["a"]), "");
    }

    #[test]
    fn folded_block_scalars() {
        let t = "a: >\n  one\n  two\n\n  three\n    more\n    indented\n  back\n\nb: >-\n  x\n  y\nc: >+\n  z\n\n";
        let d = doc(t);
        let a = scalar(&d, &["a"]);
        assert_eq!(a.style, ScalarStyle::Folded);
        assert_eq!(a.value, "one two\nthree\n  more\n  indented\nback\n");
        assert_eq!(str_at(&d, &["b"]), "x y");
        assert_eq!(str_at(&d, &["c"]), "z\n\n");
    }

    #[test]
    fn explicit_indentation_indicators() {
        let t = "a: |2\n    indented\n  base\nb: >-1\n  x\n y\nseq:\n  - |1-\n     k\n    l\n";
        let d = doc(t);
        assert_eq!(str_at(&d, &["a"]), "  indented\nbase\n");
        assert_eq!(str_at(&d, &["b"]), " x\ny");
        // Relative to the sequence's indentation (2): content at column 3.
        assert_eq!(str_at(&d, &["seq", "0"]), "  k\n l");
        assert_eq!(str_at(&doc("--- |1\n  lit\n"), &[]), " lit\n");
    }

    #[test]
    fn block_scalar_value_span_covers_the_content_lines() {
        let t = "steps:\n  - run: | # build it\n\n      set -e\n      make all\n\n    name: x\n";
        let d = doc(t);
        let run = scalar(&d, &["steps", "0", "run"]);
        assert_eq!(run.value, "\nset -e\nmake all\n");
        assert_eq!(at(t, run.value_span), "      set -e\n      make all");
        assert_eq!(
            at(t, run.span),
            "| # build it\n\n      set -e\n      make all"
        );
        assert_eq!(str_at(&d, &["steps", "0", "name"]), "x");
        let d = doc("a: |\nb: 1");
        assert!(scalar(&d, &["a"]).value_span.is_empty());
    }

    #[test]
    fn comments_are_ignored() {
        let t = "# header\nuses: actions/checkout@abc # v4\nlist: # comment\n  - a # one\n  # between\n  - 'b' # two\n";
        let d = doc(t);
        let u = scalar(&d, &["uses"]);
        assert_eq!(u.value, "actions/checkout@abc");
        assert_eq!(at(t, u.span), "actions/checkout@abc");
        let items: Vec<&str> = d
            .get("list")
            .unwrap()
            .items()
            .filter_map(Node::as_str)
            .collect();
        assert_eq!(items, ["a", "b"]);
        assert_eq!(str_at(&d, &["list", "1"]), "b");
        assert_eq!(
            at(t, d.get("list").unwrap().span()),
            "- a # one\n  # between\n  - 'b'"
        );
    }

    #[test]
    fn tags_are_ignored_but_values_kept() {
        let t = "a: !!str 5\nb: !Ref MyBucket\nc: !!binary |\n  R0lG\nd: !Sub\n  - x\ne: !!null\nf: !t &x v\ng: *x\n";
        let d = doc(t);
        assert_eq!(str_at(&d, &["a"]), "5");
        assert_eq!(at(t, scalar(&d, &["a"]).span), "5");
        assert_eq!(str_at(&d, &["b"]), "MyBucket");
        assert_eq!(str_at(&d, &["c"]), "R0lG\n");
        assert_eq!(str_at(&d, &["d", "0"]), "x");
        assert!(d.get("e").unwrap().is_null());
        assert_eq!(str_at(&d, &["g"]), "v");
    }

    #[test]
    fn multi_document_streams_and_directives() {
        let t = "%YAML 1.2\n%TAG !e! tag:example.com:\n--- !e!x\nkind: A\n...\n%YAML 1.2\n---\nkind: B\n---\n---\n- 1\n--- plain\n...\n";
        let y = parse(t);
        assert!(y.errors.is_empty(), "{:?}", y.errors);
        assert_eq!(y.docs.len(), 5);
        assert_eq!(str_at(&y.docs[0], &["kind"]), "A");
        assert_eq!(str_at(&y.docs[1], &["kind"]), "B");
        assert!(y.docs[2].is_null());
        assert_eq!(str_at(&y.docs[3], &["0"]), "1");
        assert_eq!(str_at(&y.docs[4], &[]), "plain");
        // Spans are offsets into the whole stream.
        assert_eq!(at(t, y.docs[1].get("kind").unwrap().span()), "B");
        assert_eq!(
            &t[y.docs[1].span().start..y.docs[1].span().start + 4],
            "kind"
        );
        // Implicit first document, and `...` ending a document without `---`.
        let y = parse("a: 1\n...\nb: 2\n");
        assert_eq!(y.docs.len(), 2, "{:?}", y);
        assert_eq!(str_at(&y.docs[1], &["b"]), "2");
    }

    #[test]
    fn empty_streams() {
        for t in ["", "\n\n", "# just a comment\n", "...\n"] {
            let y = parse(t);
            assert!(y.docs.is_empty() && y.errors.is_empty(), "{t:?}: {y:?}");
        }
        let y = parse("---\n");
        assert_eq!(y.docs.len(), 1);
        assert!(y.docs[0].is_null());
        assert_eq!(y.docs[0].span(), Span::new(3, 3));
    }

    #[test]
    fn empty_values_are_null_scalars_where_the_value_would_be() {
        let t = "a:\nb: # note\nc: !!str\nseq:\n  -\n  - x\n? k\n";
        let d = doc(t);
        let a = scalar(&d, &["a"]);
        assert!(a.is_null());
        assert_eq!(a.style, ScalarStyle::Plain);
        assert_eq!(a.span, Span::new(2, 2));
        assert_eq!(scalar(&d, &["b"]).span.start, t.find("b:").unwrap() + 2);
        assert!(d.get("c").unwrap().is_null());
        assert_eq!(scalar(&d, &["c"]).span.start, t.find("!!str").unwrap() + 5);
        let first = scalar(&d, &["seq", "0"]);
        assert!(first.value.is_empty());
        assert_eq!(first.span.start, t.find("-\n").unwrap() + 1);
        assert!(d.get("k").unwrap().is_null());
    }

    #[test]
    fn nulls() {
        let d = doc("a: ~\nb: null\nc: NULL\nd: 'null'\ne: \"\"\nf: nil\ng:\n");
        for (k, null) in [
            ("a", true),
            ("b", true),
            ("c", true),
            ("d", false),
            ("e", false),
            ("f", false),
            ("g", true),
        ] {
            assert_eq!(d.get(k).unwrap().is_null(), null, "{k}");
        }
        assert!(!d.is_null());
    }

    #[test]
    fn anchors_and_aliases_share_the_anchored_spans() {
        let t = "base: &b\n  image: node:20\n  env: [A]\nother: *b\nlist:\n  - &s one\n  - *s\n";
        let d = doc(t);
        let base = d.get("base").unwrap();
        let other = d.get("other").unwrap();
        assert_eq!(other, base);
        assert_eq!(other.span(), base.span());
        assert_eq!(at(t, other.get("image").unwrap().span()), "node:20");
        assert_eq!(str_at(&d, &["list", "1"]), "one");
        assert_eq!(
            d.get("list").unwrap().items().nth(1).unwrap().span(),
            Span::new(t.find("one").unwrap(), t.find("one").unwrap() + 3)
        );
        // Shared, not copied.
        match (base, other) {
            (Node::Map(a), Node::Map(b)) => assert!(Arc::ptr_eq(a, b)),
            _ => panic!("maps expected"),
        }
        // Anchors are scoped to their document; a redefinition shadows the earlier one.
        let y = parse("a: &x 1\n---\nb: *x\n");
        assert_eq!(y.errors.len(), 1);
        assert!(y.docs[1].get("b").unwrap().is_null());
        let d = doc("- &x 1\n- *x\n- &x 2\n- *x\n");
        assert_eq!(str_at(&d, &["3"]), "2");
    }

    #[test]
    fn merge_keys() {
        let t = "defaults: &d\n  shell: bash\n  timeout: 5\nextra: &e\n  timeout: 9\n  env: prod\njob:\n  <<: *d\n  timeout: 10\n  name: j\nboth:\n  <<: [*e, *d]\ninline:\n  <<: {a: 1}\n  b: 2\n";
        let d = doc(t);
        let job = d.get("job").unwrap();
        let keys: Vec<&str> = job.entries().map(|(k, _)| k).collect();
        assert_eq!(keys, ["shell", "timeout", "name"]);
        assert_eq!(str_at(job, &["timeout"]), "10");
        assert_eq!(str_at(job, &["shell"]), "bash");
        // Merged entries keep the spans of the anchored original.
        assert_eq!(at(t, job.get("shell").unwrap().span()), "bash");
        assert_eq!(
            job.get("shell").unwrap().span().start,
            t.find("bash").unwrap()
        );
        // Earlier maps in a merge list win.
        let both = d.get("both").unwrap();
        assert_eq!(str_at(both, &["timeout"]), "9");
        assert_eq!(str_at(both, &["shell"]), "bash");
        assert_eq!(str_at(both, &["env"]), "prod");
        assert_eq!(both.entries().count(), 3);
        assert_eq!(str_at(&d, &["inline", "a"]), "1");
        // A quoted `<<` is an ordinary key; so is `<<` with a scalar value.
        let d = doc("'<<': {a: 1}\nb:\n  <<: x\n");
        assert_eq!(str_at(&d, &["<<", "a"]), "1");
        assert_eq!(str_at(&d, &["b", "<<"]), "x");
    }

    #[test]
    fn unknown_alias_is_an_error_and_null() {
        let t = "a: *nope\nb: 1\n";
        let y = parse(t);
        assert_eq!(y.errors.len(), 1);
        assert_eq!(at(t, y.errors[0].0), "*nope");
        assert!(y.errors[0].1.contains("unknown YAML alias `*nope`"));
        let d = &y.docs[0];
        assert!(d.get("a").unwrap().is_null());
        assert_eq!(str_at(d, &["b"]), "1");
    }

    #[test]
    fn billion_laughs_is_cut_off_quickly() {
        let mut t = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        for (name, prev) in ["b", "c", "d", "e", "f", "g", "h", "i"]
            .iter()
            .zip(["a", "b", "c", "d", "e", "f", "g", "h"])
        {
            let refs = vec![format!("*{prev}"); 9].join(",");
            t.push_str(&format!("{name}: &{name} [{refs}]\n"));
        }
        let y = parse(&t);
        let msg = "YAML alias expansion exceeds 100000 nodes";
        assert_eq!(
            y.errors.iter().filter(|e| e.1 == msg).count(),
            1,
            "{:?}",
            y.errors
        );
        let mut visited = 0;
        y.docs[0].walk(&mut |_, _| visited += 1);
        assert!(visited <= 100_000 + 200, "{visited}");
        // Below the limit everything resolves.
        let limits = Limits {
            max_alias_nodes: 10,
            ..Limits::default()
        };
        // Each alias of `[1, 2]` costs 3 nodes: three fit in 10, the fourth does not.
        let t = "a: &a [1, 2]\nb: *a\nc: *a\nd: *a\ne: *a\nf: *a\n";
        let y = parse_with(t, &limits);
        assert_eq!(y.errors.len(), 1, "{:?}", y.errors);
        assert_eq!(y.errors[0].0.start, t.find("e: *a").unwrap() + 3);
        assert_eq!(at(t, y.errors[0].0), "*a");
        assert_eq!(y.docs[0].get("d").unwrap().items().count(), 2);
        assert!(y.docs[0].get("e").unwrap().is_null());
        assert!(y.docs[0].get("f").unwrap().is_null());
    }

    #[test]
    fn deep_flow_nesting_is_cut_at_max_depth() {
        small_stack(|| {
            let n = 100_000;
            let t = format!("{}{}", "[".repeat(n), "]".repeat(n));
            let y = parse(&t);
            assert_eq!(y.docs.len(), 1);
            assert!(
                y.errors
                    .iter()
                    .any(|e| e.1 == "nesting deeper than 256 levels"),
                "{:?}",
                y.errors
            );
            let mut depth = 0;
            y.docs[0].walk(&mut |p, _| depth = depth.max(p.len()));
            assert_eq!(depth, 256);
            // Unbalanced: nothing to read, but no crash either.
            let y = parse(&"[".repeat(n));
            assert!(!y.errors.is_empty());
        });
    }

    #[test]
    fn deep_block_nesting_does_not_crash() {
        small_stack(|| {
            // tree-sitter-yaml would abort the process on this line: it is skipped.
            let t = format!("a: 1\nb:\n  {}x\nc: 2\n", "- ".repeat(100_000));
            let y = parse(&t);
            assert!(
                y.errors
                    .iter()
                    .any(|e| e.1.starts_with("nesting deeper than")),
                "{:?}",
                y.errors
            );
            assert_eq!(str_at(&y.docs[0], &["c"]), "2");
            let y = parse(&format!("{}x\n", "- ".repeat(100_000)));
            assert!(!y.errors.is_empty());
            // Within the parser's reach, the depth limit applies.
            let limits = Limits {
                max_depth: 10,
                ..Limits::default()
            };
            let y = parse_with(&format!("{}x\n", "- ".repeat(50)), &limits);
            assert!(
                y.errors
                    .iter()
                    .any(|e| e.1 == "nesting deeper than 10 levels"),
                "{:?}",
                y.errors
            );
            let mut depth = 0;
            y.docs[0].walk(&mut |p, _| depth = depth.max(p.len()));
            assert_eq!(depth, 10);
        });
    }

    #[test]
    fn worst_case_indentation_stack_is_guarded() {
        // A mapping and a sequence per column: the densest indentation stack. Past
        // column 126 this aborted inside tree-sitter; up to 120 it is read normally.
        for (cols, skipped) in [(120, false), (140, true)] {
            let mut t = String::new();
            for k in 0..cols {
                t.push_str(&format!("{}a:\n{}-\n", " ".repeat(k), " ".repeat(k)));
            }
            t.push_str(&format!("{}z: 1\n", " ".repeat(cols)));
            let y = parse(&t);
            assert_eq!(
                y.errors
                    .iter()
                    .any(|e| e.1.starts_with("nesting deeper than")),
                skipped,
                "{:?}",
                y.errors
            );
            assert_eq!(y.docs.len(), 1);
        }
        // Deep indentation inside a block scalar is content, not structure.
        let t = format!("a: |\n{}text\n", " ".repeat(300));
        assert_eq!(str_at(&doc(&t), &["a"]), "text\n");
    }

    #[test]
    fn deep_trees_drop_and_walk_without_recursion() {
        small_stack(|| {
            let n = 50_000;
            let limits = Limits {
                max_depth: usize::MAX,
                ..Limits::default()
            };
            let t = format!("{}1{}", "[".repeat(n), "]".repeat(n));
            let y = parse_with(&t, &limits);
            assert!(y.errors.is_empty(), "{:?}", y.errors);
            let mut depth = 0;
            y.docs[0].walk(&mut |p, _| depth = depth.max(p.len()));
            assert_eq!(depth, n);
            drop(y);
        });
    }

    #[test]
    fn aliases_cannot_exceed_max_depth() {
        let limits = Limits {
            max_depth: 4,
            ..Limits::default()
        };
        let y = parse_with("a: &a [[1]]\nb: [[*a]]\nc: [*a]\n", &limits);
        assert_eq!(y.errors.len(), 1, "{:?}", y.errors);
        assert!(y.errors[0].1 == "nesting deeper than 4 levels");
        let d = &y.docs[0];
        assert!(
            d.get("b")
                .unwrap()
                .items()
                .next()
                .unwrap()
                .items()
                .next()
                .unwrap()
                .is_null()
        );
        assert_eq!(str_at(d, &["c", "0", "0", "0"]), "1");
    }

    #[test]
    fn a_broken_line_does_not_lose_the_rest() {
        // (text, values still read by path, text of each error's span)
        type Case = (
            &'static str,
            &'static [(&'static str, &'static str)],
            &'static [&'static str],
        );
        let cases: &[Case] = &[
            (
                "jobs:\n  build:\n    steps:\n      - uses: a@b\n      - run: echo\n       bad: x\n      - run: ok\n    x: y\nlast: 1\n",
                &[
                    ("jobs.build.x", "y"),
                    ("jobs.build.steps.2.run", "ok"),
                    ("last", "1"),
                ],
                &["bad: x"],
            ),
            (
                "a: 1\nb: c: d\ne: 5\n",
                &[("a", "1"), ("e", "5")],
                &["b: c: d"],
            ),
            ("k: v\n- x\nz: 1\n", &[("k", "v"), ("z", "1")], &["- x"]),
            (
                "a:\n  - 1\n - 3\nb: 4\n",
                &[("a.0", "1"), ("b", "4")],
                &["- 3"],
            ),
            (
                "a: 1\n{{- if .Values.x }}\nb: 2\n{{- end }}\nc: 3\n",
                &[("a", "1"), ("b", "2"), ("c", "3")],
                &["{{- if .Values.x }}", "{{- end }}"],
            ),
            ("a:\n\t- x\nb: 2\n", &[("b", "2")], &["- x"]),
            (
                "a: 1\njunk line\nb: 2\n",
                &[("a", "1"), ("b", "2")],
                &["junk line"],
            ),
            (
                "a: 1\nb: [1, 2\nc: 3\n",
                &[("a", "1"), ("c", "3")],
                &["[1, 2"],
            ),
            ("a: 1\nb: \"x\nc: 3\n", &[("a", "1"), ("c", "3")], &["\"x"]),
            ("a: 1\nb: [1, 2\n", &[("a", "1")], &["b: [1, 2"]),
        ];
        for (t, expect, bad) in cases {
            let y = parse(t);
            assert_eq!(y.docs.len(), 1, "{t:?}: {y:?}");
            for (path, v) in *expect {
                let path: Vec<&str> = path.split('.').collect();
                assert_eq!(str_at(&y.docs[0], &path), *v, "{t:?} at {path:?}");
            }
            let found: Vec<&str> = y.errors.iter().map(|(span, _)| at(t, *span)).collect();
            assert_eq!(found, *bad, "{t:?}: {:?}", y.errors);
            assert!(
                y.errors
                    .iter()
                    .all(|e| e.1.starts_with("YAML syntax error"))
            );
        }
        // A broken document does not affect the next one.
        let y = parse("a: [\n---\nb: 1\n");
        assert_eq!(str_at(y.docs.last().unwrap(), &["b"]), "1");
    }

    #[test]
    fn syntax_errors_are_capped_and_line_local() {
        let mut t = String::new();
        for i in 0..100 {
            t.push_str(&format!("k{i}: 1\n  junk {i}: [\n"));
        }
        t.push_str("end: 1\n");
        let y = parse(&t);
        assert!(y.errors.len() <= MAX_SYNTAX_ERRORS, "{}", y.errors.len());
        for (span, _) in &y.errors {
            assert!(!at(&t, *span).contains('\n'));
        }
        assert_eq!(str_at(&y.docs[0], &["k0"]), "1");
    }

    #[test]
    fn walk_visits_every_value_with_its_route() {
        let d = doc("a:\n  - x\n  - {b: y}\nc: z\n");
        let mut seen = Vec::new();
        d.walk(&mut |path, n| {
            let route: Vec<String> = path
                .iter()
                .map(|s| match s {
                    PathSeg::Key(k) => k.to_string(),
                    PathSeg::Index(i) => i.to_string(),
                })
                .collect();
            seen.push((route.join("/"), n.as_str().map(str::to_owned)));
        });
        let expect = [
            ("", None),
            ("a", None),
            ("a/0", Some("x")),
            ("a/1", None),
            ("a/1/b", Some("y")),
            ("c", Some("z")),
        ];
        let expect: Vec<(String, Option<String>)> = expect
            .iter()
            .map(|(p, v)| (p.to_string(), v.map(str::to_owned)))
            .collect();
        assert_eq!(seen, expect);
    }

    #[test]
    fn lookups() {
        let d = doc("a: 1\nb: 2\na: 3\nl: [x, y]\n");
        assert_eq!(str_at(&d, &["a"]), "3");
        assert_eq!(d.entries().count(), 4);
        assert!(d.get("zz").is_none());
        assert!(d.get("l").unwrap().get("x").is_none());
        assert_eq!(d.get("l").unwrap().items().count(), 2);
        assert_eq!(d.items().count(), 0);
        assert_eq!(d.get("a").unwrap().entries().count(), 0);
        assert!(d.as_map().is_some() && d.as_seq().is_none() && d.as_scalar().is_none());
        assert_eq!(d.get("a").unwrap().as_str(), Some("3"));
        assert!(d.as_str().is_none());
    }

    #[test]
    fn keys() {
        let t = "\"quoted key\": 1\n'single': 2\n? explicit\n: 3\n? [a, b]\n: 4\n&k anchored: 5\n*k : 6\n1: int\n";
        let d = doc(t);
        assert_eq!(str_at(&d, &["quoted key"]), "1");
        assert_eq!(str_at(&d, &["single"]), "2");
        assert_eq!(str_at(&d, &["explicit"]), "3");
        assert_eq!(str_at(&d, &["[a, b]"]), "4");
        assert_eq!(d.get("1").and_then(Node::as_str), Some("int"));
        let entries: Vec<&Entry> = d.entries().map(|(_, e)| e).collect();
        assert_eq!(
            entries[0].key.as_scalar().unwrap().style,
            ScalarStyle::DoubleQuoted
        );
        assert_eq!(at(t, entries[0].key_span()), "\"quoted key\"");
        assert_eq!(entries[5].key_str(), "anchored");
        assert_eq!(entries[5].value.as_str(), Some("6"));
    }

    #[test]
    fn crlf_line_endings() {
        let t = "a:\r\n  b: 1\r\n  c: |\r\n    l1\r\n    l2\r\nd: \"x\r\n  y\"\r\ne: >\r\n  f\r\n  g\r\n";
        let d = doc(t);
        assert_eq!(str_at(&d, &["a", "b"]), "1");
        assert_eq!(str_at(&d, &["a", "c"]), "l1\nl2\n");
        assert_eq!(
            at(t, scalar(&d, &["a", "c"]).value_span),
            "    l1\r\n    l2"
        );
        assert_eq!(str_at(&d, &["d"]), "x y");
        assert_eq!(str_at(&d, &["e"]), "f g\n");
    }

    #[test]
    fn unicode_positions_are_bytes() {
        let t = "ключ: значение\nemoji: \"😀 ok\"\n";
        let d = doc(t);
        assert_eq!(at(t, d.get("ключ").unwrap().span()), "значение");
        assert_eq!(at(t, scalar(&d, &["emoji"]).value_span), "😀 ok");
    }

    #[test]
    fn parsed_files_can_be_shared_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Yaml>();
        let y = std::thread::spawn(|| parse("a: 1")).join().unwrap();
        assert_eq!(str_at(&y.docs[0], &["a"]), "1");
    }

    #[test]
    fn documents_longer_than_the_scanners_line_counter() {
        // tree-sitter-yaml loses the line break at line 32768; comment lines inserted
        // before it (invisible in the result) keep it on track.
        let mut t = String::from("items:\n");
        for i in 0..70_000 {
            t.push_str(&format!("  - k: {i}\n"));
        }
        t.push_str("last: end\n");
        let y = parse(&t);
        assert!(y.errors.is_empty(), "{:?}", y.errors);
        let d = &y.docs[0];
        let items = d.get("items").unwrap();
        assert_eq!(items.items().count(), 70_000);
        for i in [0, 32_765, 32_766, 32_767, 65_534, 65_535, 69_999] {
            let v = items.items().nth(i).unwrap().get("k").unwrap();
            assert_eq!(v.as_str(), Some(i.to_string().as_str()));
            assert_eq!(at(&t, v.span()), i.to_string());
        }
        assert_eq!(at(&t, d.get("last").unwrap().span()), "end");
        assert!(at(&t, items.span()) == &t[9..t.len() - 11]);
        // A block scalar spanning that line offers no place for the comments.
        let mut t = String::from("a: |\n");
        for i in 0..33_000 {
            t.push_str(&format!("  line {i}\n"));
        }
        let y = parse(&t);
        assert!(
            y.errors.iter().any(|e| e.1.contains("too long")),
            "{:?}",
            y.errors
        );
    }

    #[test]
    fn mutated_input_never_panics_and_spans_stay_valid() {
        let base = "name: CI # ci\non:\n  push: {branches: [main, 'rel/*']}\nenv: &e\n  A: \"x\\ty\"\njobs:\n  b:\n    <<: *e\n    steps:\n      - uses: actions/checkout@v4\n      - run: |\n          echo é\n          make\n        with: >-\n          folded\n          text\n---\n- ? k\n  : v\n- !!str 'q''s'\n...\n";
        let pieces = [
            "- ",
            ": ",
            "\n",
            "  ",
            "\t",
            "#",
            "'",
            "\"",
            "[",
            "]",
            "{",
            "}",
            ",",
            "|",
            ">-",
            "&a ",
            "*a",
            "!t ",
            "---\n",
            "...",
            "%YAML 1.2\n",
            "? ",
            "é",
            "😀",
            "\\",
            "\r\n",
            "<<: ",
        ];
        let mut random = crate::test_random::Xorshift::new();
        let mut next = |n: usize| random.below(n);
        for _ in 0..300 {
            let mut t = base.to_owned();
            for _ in 0..1 + next(4) {
                let mut at = next(t.len() + 1);
                while !t.is_char_boundary(at) {
                    at -= 1;
                }
                let mut end = (at + next(4)).min(t.len());
                while !t.is_char_boundary(end) {
                    end -= 1;
                }
                t.replace_range(at..end, pieces[next(pieces.len())]);
            }
            let y = parse(&t);
            let ok = |sp: Span| {
                sp.end <= t.len() && t.is_char_boundary(sp.start) && t.is_char_boundary(sp.end)
            };
            for (sp, _) in &y.errors {
                assert!(ok(*sp), "{t:?}: error span {sp:?}");
            }
            for d in &y.docs {
                d.walk(&mut |_, n| {
                    assert!(ok(n.span()), "{t:?}: span {:?}", n.span());
                    if let Some(sc) = n.as_scalar() {
                        assert!(ok(sc.value_span), "{t:?}: value span {:?}", sc.value_span);
                    }
                    for (_, e) in n.entries() {
                        assert!(ok(e.key_span()), "{t:?}: key span");
                    }
                });
            }
        }
    }

    /// `cargo test --release --lib parse::yaml -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn bench_one_megabyte_workflow() {
        let mut t = String::from("name: CI\non: [push]\njobs:\n");
        let mut i = 0;
        while t.len() < 1 << 20 {
            t.push_str(&format!(
                "  job{i}:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@8e5e7e5ab8b370d6c329ec480221332ada57f0ab # v4\n      - name: 'Build {i}'\n        run: |\n          cargo build --release\n          echo {i} >> \"$GITHUB_ENV\"\n        env: {{A: \"b\"}}\n"
            ));
            i += 1;
        }
        // One document per job keeps each under the scanner's line limit.
        let multi = t.replace("\n  job", "\n---\njob");
        for (name, text) in [("single document", &t), ("multi-document", &multi)] {
            let started = Instant::now();
            let y = parse(text);
            let took = started.elapsed();
            let mut nodes = 0;
            for d in &y.docs {
                d.walk(&mut |_, _| nodes += 1);
            }
            println!(
                "{name}: {} bytes in {took:?}: {} docs, {nodes} nodes, {} errors",
                text.len(),
                y.docs.len(),
                y.errors.len()
            );
        }
    }
}
