//! `local-disk-state`: application data written to the container's local disk.

use super::Rule;
use crate::classify::FileKind;
use crate::context::{Cx, Report};
use crate::finding::Span;
use crate::lang::deploy;
use crate::lang::gate::Words;
use crate::lang::web::{self};
use crate::parse::treesitter;
use crate::parse::yaml::Node as YamlNode;
use std::collections::HashSet;
use tree_sitter::Node;

pub const RULE: Rule = Rule {
    id: "local-disk-state",
    meta_source: include_str!("../../rules/local-disk-state.toml"),
    kinds: &[
        FileKind::Python,
        FileKind::JavaScript,
        FileKind::TypeScript,
        FileKind::Tsx,
        FileKind::Yaml,
    ],
    triggers: &["multer", "files", "hostPath"],
    check,
};

fn check(cx: &Cx, out: &mut Report) {
    // Tests, and Django management commands and migrations, are not the server process.
    let rel = &cx.file.rel_path;
    if web::is_test_path(rel)
        || rel.contains("management/commands/")
        || rel.contains("/migrations/")
    {
        return;
    }
    match cx.kind() {
        FileKind::Python => python_rule(cx, out),
        FileKind::Yaml => kubernetes_rule(cx, out),
        k if k.is_js_like() => js_rule(cx, out),
        _ => {}
    }
}

const WHY: &str =
    "the files vanish on every deploy and restart, and the app's other processes cannot see them";

// ---------------------------------------------------------------- JavaScript / TypeScript

const JS_FIX: &str = "send uploads to object storage: `multer({ storage: multerS3({ s3, bucket: process.env.UPLOAD_BUCKET }) })`, or keep them in memory for the request (`multer.memoryStorage()`) and upload them";

fn js_rule(cx: &Cx, out: &mut Report) {
    static MULTER: Words = Words::new(&["multer"]);
    static MV: Words = Words::new(&["mv"]);
    static FILES: Words = Words::new(&["files"]);
    let src = cx.text();
    let may_store = MULTER.any_in(src) || (MV.called_in(src) && FILES.any_in(src));
    if !may_store {
        return;
    }
    let (Some(_tree), Some(_lang)) = (cx.tree(), cx.lang()) else {
        return;
    };
    let src = cx.text();
    let _imports = cx.js_imports();
    let nodes = cx.nodes();
    let b = cx.bindings();
    for (name, call) in cx.js_calls().iter().cloned() {
        match name.as_str() {
            "multer" | "multer.default" => {
                let Some(opts) = call
                    .arguments()
                    .first()
                    .and_then(|a| web::js_object(*a, src, b))
                else {
                    continue;
                };
                if let Some((pair, _)) = web::js_property(opts, "dest", src) {
                    out.add(
                        treesitter::span(pair),
                        format!("`multer({{ dest }})` stores uploads on this process's local disk: {WHY}"),
                    )
                    .fix(JS_FIX);
                }
            }
            "multer.diskStorage" | "multer.default.diskStorage" => {
                out.add(
                    treesitter::span(call.node),
                    format!(
                        "`multer.diskStorage(…)` stores uploads on this process's local disk: {WHY}"
                    ),
                )
                .fix(JS_FIX);
            }
            _ => {}
        }
    }
    // express-fileupload: `req.files.avatar.mv(path)`.
    let from_files = |n: Node<'_>| is_req_files(treesitter::text(web::js_strip(n), src));
    let mut upload_vars: HashSet<&str> = HashSet::new();
    for &n in nodes {
        if n.kind() != "variable_declarator" {
            continue;
        }
        let (Some(name), Some(value)) = (
            n.child_by_field_name("name"),
            n.child_by_field_name("value"),
        ) else {
            continue;
        };
        if !from_files(value) {
            continue;
        }
        match name.kind() {
            "identifier" => {
                upload_vars.insert(treesitter::text(name, src));
            }
            "object_pattern" => {
                for p in web::preorder(name) {
                    if matches!(
                        p.kind(),
                        "shorthand_property_identifier_pattern" | "identifier"
                    ) {
                        upload_vars.insert(treesitter::text(p, src));
                    }
                }
            }
            _ => {}
        }
    }
    for (n, obj, prop) in web::js_method_calls(nodes) {
        if treesitter::text(prop, src) != "mv" {
            continue;
        }
        let obj = web::js_strip(obj);
        let uploaded = from_files(obj)
            || (obj.kind() == "identifier" && upload_vars.contains(treesitter::text(obj, src)));
        if uploaded {
            out.add(
                treesitter::span(n),
                format!("express-fileupload `.mv(…)` moves the upload onto this process's local disk: {WHY}"),
            )
            .fix("upload `file.data` (or `file.tempFilePath`) to object storage instead: `await s3.send(new PutObjectCommand({ Bucket: process.env.UPLOAD_BUCKET, Key, Body: file.data }))`");
        }
    }
}

/// `req.files.x`, `req.files["x"]`, `request.files.x`.
fn is_req_files(text: &str) -> bool {
    ["req.files", "request.files", "ctx.request.files"]
        .iter()
        .any(|p| {
            text.strip_prefix(p)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
        })
}

// ---------------------------------------------------------------- Python

const DJANGO_FS: &[&str] = &[
    "django.core.files.storage.FileSystemStorage",
    "django.core.files.storage.filesystem.FileSystemStorage",
];

const PY_UPLOAD_FIX: &str = "send the upload to object storage instead: `s3.upload_fileobj(file, os.environ[\"UPLOAD_BUCKET\"], key)` (or `file.save(io.BytesIO())` and upload the buffer)";
const DJANGO_FIX: &str = "use a shared storage backend: `STORAGES = {\"default\": {\"BACKEND\": \"storages.backends.s3.S3Storage\"}}` (django-storages), configured from the environment";

/// Uploads (`request.files`, `FileStorage`) and Django's `FileSystemStorage`: every Python
/// form below names one of these.
static PY_DISK_WORDS: Words = Words::new(&["request.files", "FileStorage", "FileSystemStorage"]);

fn python_rule(cx: &Cx, out: &mut Report) {
    if !PY_DISK_WORDS.any_in(cx.text()) {
        return;
    }
    let Some(_tree) = cx.tree() else { return };
    let src = cx.text();
    let imports = cx.py_imports();
    let nodes = cx.nodes();
    let b = cx.bindings();
    let from_files = |n: Node<'_>| {
        let t = treesitter::text(n, src);
        ["request.files", "flask.request.files"].iter().any(|p| {
            t.strip_prefix(p)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
        })
    };
    // Names holding an upload: `f = request.files["f"]`, `for f in request.files.getlist("x")`,
    // `def store(f: FileStorage)`.
    let mut upload_vars: HashSet<&str> = HashSet::new();
    for &n in nodes {
        match n.kind() {
            "for_statement" | "for_in_clause" => {
                if let (Some(left), Some(right)) = (
                    n.child_by_field_name("left"),
                    n.child_by_field_name("right"),
                ) {
                    if left.kind() == "identifier" && from_files(right) {
                        upload_vars.insert(treesitter::text(left, src));
                    }
                }
            }
            "typed_parameter" | "typed_default_parameter" => {
                let ty = n
                    .child_by_field_name("type")
                    .map(|t| treesitter::text(t, src))
                    .unwrap_or("");
                let resolved = imports.resolve(ty);
                if resolved.ends_with("FileStorage") && !resolved.ends_with("FileSystemStorage") {
                    let name = n
                        .child_by_field_name("name")
                        .or_else(|| n.named_child(0).filter(|c| c.kind() == "identifier"));
                    if let Some(name) = name {
                        upload_vars.insert(treesitter::text(name, src));
                    }
                }
            }
            _ => {}
        }
    }
    let is_upload = |n: Node<'_>| {
        from_files(n)
            || (n.kind() == "identifier"
                && (upload_vars.contains(treesitter::text(n, src))
                    || b.value(treesitter::text(n, src)).is_some_and(from_files)))
    };
    for &n in nodes {
        match n.kind() {
            "call" => {
                let Some(func) = n.child_by_field_name("function") else {
                    continue;
                };
                let func_text = treesitter::text(func, src);
                if DJANGO_FS.contains(&imports.resolve(func_text).as_str()) {
                    out.add(
                        treesitter::span(n),
                        format!("Django `FileSystemStorage` keeps files on this process's local disk: {WHY}"),
                    )
                    .fix(DJANGO_FIX);
                    continue;
                }
                if func.kind() != "attribute" {
                    continue;
                }
                let (Some(obj), Some(attr)) = (
                    func.child_by_field_name("object"),
                    func.child_by_field_name("attribute"),
                ) else {
                    continue;
                };
                if treesitter::text(attr, src) != "save" || !is_upload(obj) {
                    continue;
                }
                let to_buffer = n
                    .child_by_field_name("arguments")
                    .and_then(|a| web::args(a).first().copied())
                    .is_some_and(|a| {
                        let a = match a.kind() {
                            "identifier" => b.value(treesitter::text(a, src)).unwrap_or(a),
                            _ => a,
                        };
                        a.kind() == "call"
                            && a.child_by_field_name("function")
                                .is_some_and(|f| treesitter::text(f, src).ends_with("BytesIO"))
                    });
                if !to_buffer {
                    out.add(
                        treesitter::span(n),
                        format!("`{}.save(…)` writes the uploaded file to this process's local disk: {WHY}", treesitter::text(obj, src).lines().next().unwrap_or("")),
                    )
                    .fix(PY_UPLOAD_FIX);
                }
            }
            "class_definition" => {
                let Some(bases) = n.child_by_field_name("superclasses") else {
                    continue;
                };
                for base in web::args(bases) {
                    if DJANGO_FS.contains(&imports.resolve(treesitter::text(base, src)).as_str()) {
                        out.add(
                            treesitter::span(base),
                            format!("a storage class built on Django's `FileSystemStorage` keeps files on this process's local disk: {WHY}"),
                        )
                        .fix(DJANGO_FIX);
                    }
                }
            }
            "string" => {
                let Some(v) = treesitter::string_value(n, src) else {
                    continue;
                };
                if DJANGO_FS.contains(&v.as_str()) && !under_staticfiles(n, src) {
                    out.add(
                        treesitter::span(n),
                        format!("Django's `FileSystemStorage` configured as a storage backend keeps files on this process's local disk: {WHY}"),
                    )
                    .fix(DJANGO_FIX);
                }
            }
            _ => {}
        }
    }
}

/// Whether a string is the `BACKEND` of `STORAGES["staticfiles"]`: static files are part
/// of the build, not application data.
fn under_staticfiles(node: Node<'_>, src: &str) -> bool {
    let mut cur = node.parent();
    for _ in 0..6 {
        let Some(n) = cur else { return false };
        if n.kind() == "pair" {
            if let Some(k) = n.child_by_field_name("key") {
                if treesitter::string_value(k, src).as_deref() == Some("staticfiles") {
                    return true;
                }
            }
        }
        cur = n.parent();
    }
    false
}

// ---------------------------------------------------------------- Kubernetes

/// Host paths that node agents and tooling mount to read the node, not to store app data.
fn is_system_path(path: &str) -> bool {
    let p = path.trim_end_matches('/');
    [
        "/sys",
        "/proc",
        "/dev",
        "/etc",
        "/run",
        "/var/run",
        "/lib/modules",
        "/usr",
        "/boot",
    ]
    .iter()
    .any(|s| p == *s || p.starts_with(&format!("{s}/")))
}

const K8S_FIX: &str = "store the data in a backing service (object storage, a database) or, if it must be a filesystem, a PersistentVolumeClaim backed by networked storage";

fn kubernetes_rule(cx: &Cx, out: &mut Report) {
    for doc in &cx.yaml().docs {
        let Some(kind) = deploy::k8s_kind(doc) else {
            continue;
        };
        // DaemonSets are node agents (log shippers, monitoring) that read the node.
        if kind == "DaemonSet" {
            continue;
        }
        let mut report = |entry_key: Span, path: &str, what: String| {
            if is_system_path(path) {
                return;
            }
            out.add(
                entry_key,
                format!("{what} keeps data on one node's local disk (`{path}`): it is lost when the pod moves to another node, and replicas on other nodes cannot see it"),
            )
            .fix(K8S_FIX);
        };
        if kind == "PersistentVolume" {
            if let Some(e) = doc.get("spec").and_then(|s| s.entry("hostPath")) {
                let path = e.value.get("path").and_then(YamlNode::as_str).unwrap_or("");
                report(
                    e.key_span(),
                    path,
                    "a `hostPath` PersistentVolume".to_owned(),
                );
            }
            continue;
        }
        let Some(pod) = deploy::pod_spec(doc, kind) else {
            continue;
        };
        for volume in pod.get("volumes").into_iter().flat_map(|v| v.items()) {
            if let Some(e) = volume.entry("hostPath") {
                let name = volume.get("name").and_then(YamlNode::as_str).unwrap_or("");
                let path = e.value.get("path").and_then(YamlNode::as_str).unwrap_or("");
                report(
                    e.key_span(),
                    path,
                    format!("the {kind}'s `hostPath` volume `{name}`"),
                );
            }
        }
    }
}
