//! `divergent-backing-services`: SQLite configured in a repository that also uses a server
//! database. Repository-level: every file that uses a server database records the fact
//! [`SERVER_DATABASE`]; SQLite findings are kept only if some file recorded it.

use super::Rule;
use crate::classify::FileKind;
use crate::context::{Cx, Report};
use crate::finding::Span;
use crate::lang::web;
use crate::lang::{js, python, rust::Uses};
use crate::parse::image_ref::ImageRef;
use crate::parse::treesitter;
use syn::spanned::Spanned;
use syn::visit::Visit;

pub const RULE: Rule = Rule {
    id: "divergent-backing-services",
    meta_source: include_str!("../../rules/divergent-backing-services.toml"),
    kinds: &[
        FileKind::Python,
        FileKind::JavaScript,
        FileKind::TypeScript,
        FileKind::Tsx,
        FileKind::Rust,
        FileKind::Dockerfile,
        FileKind::DotEnv,
        FileKind::Requirements,
        FileKind::Pipfile,
        FileKind::PyProject,
        FileKind::PackageJson,
        FileKind::CargoToml,
        FileKind::Compose,
        FileKind::Yaml,
        FileKind::Workflow,
    ],
    // "sqlite" for findings; the rest name server databases, for the fact.
    triggers: &[
        "sqlite",
        "postgres",
        "postgis",
        "psycopg",
        "asyncpg",
        "pg8000",
        "aiopg",
        "libpq",
        "\"pg\"",
        "'pg'",
        "pg-promise",
        "PgPool",
        "PgConnection",
        "diesel::pg",
        "mysql",
        "mariadb",
        "percona",
        "mssql",
        "sqlserver",
        "sql_server",
        "tedious",
        "tiberius",
        "oracle",
        "cockroach",
    ],
    check,
};

/// The repository fact: some file uses a server database.
pub const SERVER_DATABASE: &str = "server-database";

const FIX: &str = "use the same database in every environment: run PostgreSQL/MySQL locally and in tests too (a Compose service, testcontainers) and read `DATABASE_URL` from the environment without a SQLite fallback";

/// One SQLite configuration: where, and how to name it in the message.
struct Sqlite {
    span: Span,
    what: String,
    /// A client call rather than a URL or setting (which is preferred on a shared line).
    call: bool,
}

fn check(cx: &Cx, out: &mut Report) {
    let mut found: Vec<Sqlite> = Vec::new();
    let server = match cx.kind() {
        FileKind::Python => python_rule(cx, &mut found),
        FileKind::Rust => rust_rule(cx, &mut found),
        k if k.is_js_like() => js_rule(cx, &mut found),
        FileKind::Dockerfile => dockerfile_rule(cx, &mut found),
        FileKind::DotEnv | FileKind::Compose | FileKind::Yaml | FileKind::Workflow => {
            text_rule(cx, &mut found)
        }
        FileKind::Requirements | FileKind::Pipfile | FileKind::PyProject => {
            tokens(cx.text(), '#').any(|t| PY_SERVER_PACKAGES.contains(&t.as_str()))
        }
        FileKind::CargoToml => {
            tokens(cx.text(), '#').any(|t| RUST_SERVER_PACKAGES.contains(&t.as_str()))
        }
        FileKind::PackageJson => package_json(cx.text()),
        _ => false,
    };
    if server {
        out.fact(SERVER_DATABASE);
    }
    // One finding per line: `SqlitePool::connect("sqlite://db")` is one configuration,
    // best shown at its URL.
    found.sort_by_key(|s| (s.call, s.span.start));
    let mut lines = std::collections::HashSet::new();
    for s in found {
        let line = cx.file.pos(s.span.start).line;
        if !lines.insert(line) {
            continue;
        }
        out.add(
            s.span,
            format!("{} configures SQLite, while this repository also uses a server database (PostgreSQL, MySQL, …): development and tests then run on a different database than production", s.what),
        )
        .fix(FIX)
        .only_if(SERVER_DATABASE);
    }
}

/// A `sqlite:`/`sqlite+driver:`/`jdbc:sqlite:` URL. A bare scheme (`"sqlite:"` in code
/// that tests URLs) configures nothing.
fn is_sqlite_url(v: &str) -> bool {
    let l = v.trim().to_ascii_lowercase();
    ["jdbc:sqlite:", "sqlite:", "sqlite+"].iter().any(|scheme| {
        l.strip_prefix(scheme)
            .is_some_and(|rest| !rest.trim_start_matches('/').is_empty())
    })
}

const SERVER_SCHEMES: &[&str] = &[
    "postgres://",
    "postgresql://",
    "postgresql+",
    "postgres+",
    "mysql://",
    "mysql+",
    "mariadb://",
    "mariadb+",
    "mssql://",
    "mssql+",
    "sqlserver://",
    "oracle://",
    "oracle+",
    "cockroachdb://",
    "cockroachdb+",
    "jdbc:postgresql:",
    "jdbc:mysql:",
    "jdbc:mariadb:",
    "jdbc:sqlserver:",
    "jdbc:oracle:",
];

/// A connection URL of a server database, at the start of `v`.
fn is_server_url(v: &str) -> bool {
    let l = v.trim().to_ascii_lowercase();
    SERVER_SCHEMES.iter().any(|s| l.starts_with(s))
}

/// Whether a server-database URL appears anywhere in `text`.
fn mentions_server_url(text: &str) -> bool {
    let l = text.to_ascii_lowercase();
    SERVER_SCHEMES.iter().any(|s| l.contains(s))
}

/// Words of a manifest, comments dropped, lower-cased, `_` read as `-`.
fn tokens(text: &str, comment: char) -> impl Iterator<Item = String> + '_ {
    text.lines().flat_map(move |line| {
        let line = line.split(comment).next().unwrap_or("");
        line.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
            .filter(|w| !w.is_empty())
            .map(|w| w.to_ascii_lowercase().replace('_', "-"))
            .collect::<Vec<_>>()
    })
}

// ---------------------------------------------------------------- Python

const PY_SERVER_PACKAGES: &[&str] = &[
    "psycopg2",
    "psycopg2-binary",
    "psycopg",
    "psycopg-binary",
    "psycopg-c",
    "psycopg-pool",
    "asyncpg",
    "pg8000",
    "aiopg",
    "pymysql",
    "mysqlclient",
    "mysql-connector-python",
    "aiomysql",
    "asyncmy",
    "cx-oracle",
    "oracledb",
    "pymssql",
    "mariadb",
    "mssql-django",
    "django-mssql-backend",
    "django-cockroachdb",
    "sqlalchemy-cockroachdb",
];

const PY_SERVER_MODULES: &[&str] = &[
    "psycopg2",
    "psycopg",
    "asyncpg",
    "pg8000",
    "aiopg",
    "pymysql",
    "MySQLdb",
    "mysql.connector",
    "aiomysql",
    "asyncmy",
    "cx_Oracle",
    "oracledb",
    "pymssql",
    "mariadb",
];

const PY_SQLITE_CALLS: &[&str] = &[
    "sqlite3.connect",
    "sqlite3.dbapi2.connect",
    "pysqlite2.dbapi2.connect",
    "aiosqlite.connect",
    "peewee.SqliteDatabase",
    "playhouse.sqlite_ext.SqliteExtDatabase",
    "playhouse.sqliteq.SqliteQueueDatabase",
    "playhouse.apsw_ext.APSWDatabase",
];

fn django_server_engine(v: &str) -> bool {
    [
        "django.db.backends.postgresql",
        "django.db.backends.mysql",
        "django.db.backends.oracle",
        "django.contrib.gis.db.backends.postgis",
        "django.contrib.gis.db.backends.mysql",
        "django.contrib.gis.db.backends.oracle",
    ]
    .iter()
    .any(|p| v.starts_with(p))
        || matches!(v, "mssql" | "sql_server.pyodbc" | "django_cockroachdb")
}

fn python_rule(cx: &Cx, found: &mut Vec<Sqlite>) -> bool {
    let Some(tree) = cx.tree() else { return false };
    let src = cx.text();
    let imports = python::Imports::collect(tree, src);
    let mut server = PY_SERVER_MODULES.iter().any(|m| imports.uses_module(m));
    for n in web::preorder(tree.root_node()) {
        match n.kind() {
            "string" => {
                let Some(v) = treesitter::string_value(n, src) else {
                    continue;
                };
                if v == "django.db.backends.sqlite3"
                    || v == "django.contrib.gis.db.backends.spatialite"
                {
                    found.push(Sqlite {
                        span: treesitter::span(n),
                        what: format!("the Django engine `{v}`"),
                        call: false,
                    });
                } else if is_sqlite_url(&v) {
                    found.push(Sqlite {
                        span: treesitter::span(n),
                        what: format!("`{}`", short(&v)),
                        call: false,
                    });
                } else if is_server_url(&v) || django_server_engine(&v) {
                    server = true;
                }
            }
            "call" => {
                let Some(f) = n.child_by_field_name("function") else {
                    continue;
                };
                let name = imports.resolve(treesitter::text(f, src));
                if PY_SQLITE_CALLS.contains(&name.as_str()) {
                    found.push(Sqlite {
                        span: treesitter::span(n),
                        what: format!("`{}(…)`", treesitter::text(f, src)),
                        call: true,
                    });
                }
            }
            _ => {}
        }
    }
    server
}

fn short(v: &str) -> String {
    if v.chars().count() > 60 {
        let cut: String = v.chars().take(57).collect();
        format!("{cut}…")
    } else {
        v.to_owned()
    }
}

// ---------------------------------------------------------------- JavaScript / TypeScript

const JS_SERVER_PACKAGES: &[&str] = &[
    "pg",
    "pg-promise",
    "pg-pool",
    "postgres",
    "mysql",
    "mysql2",
    "mariadb",
    "mssql",
    "tedious",
    "oracledb",
    "@neondatabase/serverless",
    "@vercel/postgres",
    "slonik",
];

const JS_SQLITE_CALLS: &[&str] = &[
    "better-sqlite3",
    "better-sqlite3.default",
    "sqlite3.Database",
    "sqlite3.cached.Database",
    "sqlite3.default.Database",
    "sqlite.open",
    "node:sqlite.DatabaseSync",
    "bun:sqlite.Database",
];

/// ORM/query-builder option keys naming the database kind, and their SQLite values.
const JS_DIALECT_KEYS: &[&str] = &["dialect", "client", "type"];

fn js_rule(cx: &Cx, found: &mut Vec<Sqlite>) -> bool {
    let (Some(tree), Some(lang)) = (cx.tree(), cx.lang()) else {
        return false;
    };
    let src = cx.text();
    let imports = js::Imports::collect(lang, tree, src);
    let mut server = JS_SERVER_PACKAGES
        .iter()
        .any(|m| imports.uses_module(m) || imports.uses_module(&format!("{m}/promise")));
    for (name, call) in js::calls(lang, tree, src, &imports) {
        if JS_SQLITE_CALLS.contains(&name.as_str()) {
            let callee = treesitter::text(call.callee, src);
            let new = if call.is_new { "new " } else { "" };
            found.push(Sqlite {
                span: treesitter::span(call.node),
                what: format!("`{new}{callee}(…)`"),
                call: true,
            });
        }
    }
    let typeorm = imports.uses_module("typeorm") || imports.uses_module("@nestjs/typeorm");
    for n in web::preorder(tree.root_node()) {
        match n.kind() {
            // `require("better-sqlite3")("app.db")`
            "call_expression" => {
                let inner = n
                    .child_by_field_name("function")
                    .filter(|f| f.kind() == "call_expression");
                let Some(inner) = inner else { continue };
                let is_require = inner
                    .child_by_field_name("function")
                    .is_some_and(|f| treesitter::text(f, src) == "require");
                let module = inner
                    .child_by_field_name("arguments")
                    .and_then(|a| web::args(a).first().copied())
                    .and_then(|a| treesitter::string_value(a, src));
                if is_require && module.as_deref() == Some("better-sqlite3") {
                    found.push(Sqlite {
                        span: treesitter::span(n),
                        what: "`require(\"better-sqlite3\")(…)`".to_owned(),
                        call: true,
                    });
                }
            }
            "string" | "template_string" => {
                let Some(v) = treesitter::string_value(n, src) else {
                    continue;
                };
                if is_sqlite_url(&v) {
                    found.push(Sqlite {
                        span: treesitter::span(n),
                        what: format!("`{}`", short(&v)),
                        call: false,
                    });
                } else if is_server_url(&v) {
                    server = true;
                }
            }
            "object" => {
                for key in JS_DIALECT_KEYS {
                    let Some((pair, v)) = web::js_property(n, key, src) else {
                        continue;
                    };
                    let Some(value) = treesitter::string_value(v, src) else {
                        continue;
                    };
                    // `type:` is generic: only in database options.
                    if *key == "type"
                        && !(typeorm
                            || ["database", "url", "host", "synchronize", "entities"]
                                .iter()
                                .any(|k| web::js_property(n, k, src).is_some()))
                    {
                        continue;
                    }
                    let v = value.to_ascii_lowercase();
                    if matches!(
                        v.as_str(),
                        "sqlite" | "sqlite3" | "better-sqlite3" | "sqljs"
                    ) {
                        found.push(Sqlite {
                            span: treesitter::span(pair),
                            what: format!("`{}`", treesitter::text(pair, src)),
                            call: false,
                        });
                    } else if matches!(
                        v.as_str(),
                        "postgres"
                            | "postgresql"
                            | "pg"
                            | "mysql"
                            | "mysql2"
                            | "mariadb"
                            | "mssql"
                            | "oracle"
                            | "oracledb"
                            | "cockroachdb"
                    ) {
                        server = true;
                    }
                }
            }
            _ => {}
        }
    }
    server
}

fn package_json(text: &str) -> bool {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return false;
    };
    [
        "dependencies",
        "devDependencies",
        "optionalDependencies",
        "peerDependencies",
    ]
    .iter()
    .filter_map(|k| v.get(k).and_then(|d| d.as_object()))
    .any(|deps| {
        deps.keys()
            .any(|k| JS_SERVER_PACKAGES.contains(&k.as_str()))
    })
}

// ---------------------------------------------------------------- Rust

const RUST_SERVER_PACKAGES: &[&str] = &[
    "tokio-postgres",
    "postgres",
    "postgres-types",
    "mysql",
    "mysql-async",
    "deadpool-postgres",
    "bb8-postgres",
    "r2d2-postgres",
    "tiberius",
    "sqlx-postgres",
    "sqlx-mysql",
];

/// Path prefixes (after `use` resolution) of server-database clients.
const RUST_SERVER_PATHS: &[&str] = &[
    "tokio_postgres",
    "postgres",
    "mysql",
    "mysql_async",
    "deadpool_postgres",
    "bb8_postgres",
    "r2d2_postgres",
    "tiberius",
    "sqlx::postgres",
    "sqlx::PgPool",
    "sqlx::PgConnection",
    "sqlx::Postgres",
    "sqlx::mysql",
    "sqlx::MySqlPool",
    "sqlx::MySql",
    "diesel::pg",
    "diesel::PgConnection",
    "diesel::mysql",
    "diesel::MysqlConnection",
];

/// Path prefixes of SQLite clients.
const RUST_SQLITE_PATHS: &[&str] = &[
    "rusqlite::Connection::open",
    "sqlx::SqlitePool",
    "sqlx::sqlite",
    "sqlx::SqliteConnection",
    "diesel::SqliteConnection",
    "diesel::sqlite::SqliteConnection",
];

fn has_prefix(path: &str, prefix: &str) -> bool {
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|r| r.starts_with("::"))
}

fn rust_rule(cx: &Cx, found: &mut Vec<Sqlite>) -> bool {
    let Some(file) = cx.rust() else { return false };
    let uses = Uses::collect(file);
    let server = RUST_SERVER_PATHS
        .iter()
        .filter(|p| !p.contains("::"))
        .any(|c| uses.uses_crate(c));
    let mut v = RustVisitor {
        cx,
        uses: &uses,
        found,
        server,
    };
    v.visit_file(file);
    v.server
}

struct RustVisitor<'a, 'f> {
    cx: &'a Cx<'a>,
    uses: &'a Uses,
    found: &'f mut Vec<Sqlite>,
    server: bool,
}

impl<'ast> Visit<'ast> for RustVisitor<'_, '_> {
    fn visit_path(&mut self, p: &'ast syn::Path) {
        let resolved = self.uses.resolve(p);
        if RUST_SERVER_PATHS.iter().any(|s| has_prefix(&resolved, s)) {
            self.server = true;
        }
        syn::visit::visit_path(self, p);
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*call.func {
            let resolved = self.uses.resolve(&p.path);
            if RUST_SQLITE_PATHS.iter().any(|s| has_prefix(&resolved, s)) {
                let segs: Vec<String> = p
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                let shown = segs[segs.len().saturating_sub(2)..].join("::");
                self.found.push(Sqlite {
                    span: self.cx.syn_span(call.span()),
                    what: format!("`{shown}(…)`"),
                    call: true,
                });
            }
        }
        syn::visit::visit_expr_call(self, call);
    }

    fn visit_lit_str(&mut self, s: &'ast syn::LitStr) {
        let v = s.value();
        if is_sqlite_url(&v) {
            self.found.push(Sqlite {
                span: self.cx.syn_span(s.span()),
                what: format!("`{}`", short(&v)),
                call: false,
            });
        } else if is_server_url(&v) {
            self.server = true;
        }
    }
}

// ---------------------------------------------------------------- Dockerfile, .env, YAML

/// Database server images, by the last component of their name.
fn is_server_image(reference: &str) -> bool {
    let r = ImageRef::parse(reference.trim());
    let name = r.name.to_ascii_lowercase();
    let last = name.rsplit('/').next().unwrap_or(&name);
    matches!(
        last,
        "postgres"
            | "postgresql"
            | "postgis"
            | "mysql"
            | "mariadb"
            | "percona"
            | "percona-server"
            | "timescaledb"
            | "timescaledb-ha"
            | "cockroach"
            | "oracle-xe"
            | "oracle-free"
    ) || name.contains("mssql/server")
        || name.contains("container-registry.oracle.com/database")
}

fn dockerfile_rule(cx: &Cx, found: &mut Vec<Sqlite>) -> bool {
    let df = cx.dockerfile();
    let mut server = false;
    for instr in &df.instructions {
        match instr.keyword.as_str() {
            "FROM"
                if instr
                    .words
                    .first()
                    .is_some_and(|w| is_server_image(&w.text)) =>
            {
                server = true;
            }
            "RUN" => {
                let t = instr.args.text.to_ascii_lowercase();
                if [
                    "libpq",
                    "postgresql-client",
                    "mysqlclient",
                    "mysql-client",
                    "mariadb-client",
                    "psycopg",
                ]
                .iter()
                .any(|p| t.contains(p))
                {
                    server = true;
                }
            }
            "ENV" | "ARG" => {
                for (_, v) in instr.key_values() {
                    let Some(v) = v else { continue };
                    if is_sqlite_url(&v.text) {
                        found.push(Sqlite {
                            span: v.span,
                            what: format!("`{}`", short(&v.text)),
                            call: false,
                        });
                    } else if is_server_url(&v.text) {
                        server = true;
                    }
                }
            }
            _ => {}
        }
    }
    server
}

/// `.env`, Compose, Kubernetes and workflow files read as text: `KEY=value` / `key: value`
/// lines with a `sqlite:` URL value, `image:` lines naming a database server, server URLs.
fn text_rule(cx: &Cx, found: &mut Vec<Sqlite>) -> bool {
    let text = cx.text();
    let mut server = false;
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let line_start = offset;
        offset += raw.len();
        let line = strip_comment(raw.trim_end_matches(['\n', '\r']));
        if mentions_server_url(line) {
            server = true;
        }
        let trimmed = line.trim_start().trim_start_matches("- ");
        if let Some(img) = trimmed.strip_prefix("image:") {
            if is_server_image(img.trim().trim_matches(['"', '\''])) {
                server = true;
            }
        }
        let lower = line.to_ascii_lowercase();
        let mut from = 0;
        while let Some(i) = lower[from..].find("sqlite") {
            let at = from + i;
            from = at + 6;
            let before = line[..at].trim_end_matches(['"', '\'']);
            let starts_value =
                before.ends_with('=') || before.ends_with(':') || before.trim_end().ends_with(':');
            let end = line[at..]
                .find(|c: char| c.is_whitespace() || c == '"' || c == '\'')
                .map_or(line.len(), |e| at + e);
            let value = &line[at..end];
            if starts_value && is_sqlite_url(value) {
                found.push(Sqlite {
                    span: Span::new(line_start + at, line_start + end),
                    what: format!("`{}`", short(value)),
                    call: false,
                });
            }
        }
    }
    server
}

/// A line without its `#` comment (a `#` at the start or after whitespace).
fn strip_comment(line: &str) -> &str {
    let b = line.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'#' && (i == 0 || b[i - 1].is_ascii_whitespace()) {
            return &line[..i];
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_images() {
        assert!(is_sqlite_url("sqlite:///db.sqlite3"));
        assert!(is_sqlite_url("sqlite+aiosqlite:///./app.db"));
        assert!(is_sqlite_url("sqlite::memory:"));
        assert!(!is_sqlite_url("db.sqlite3"));
        assert!(!is_sqlite_url("sqlite:"));
        assert!(!is_sqlite_url("sqlite://"));
        // dozen: ignore[hardcoded-service-url] (inputs to a parser test)
        assert!(is_server_url("postgresql+psycopg2://u@h/db"));
        assert!(!is_server_url("redis://cache")); // dozen: ignore[hardcoded-service-url]
        assert!(is_server_image("postgres:16-alpine"));
        assert!(is_server_image("docker.io/library/mysql:8@sha256:abc"));
        assert!(is_server_image("bitnami/postgresql"));
        assert!(is_server_image(
            "mcr.microsoft.com/mssql/server:2022-latest"
        ));
        assert!(!is_server_image("redis:7"));
        assert!(!is_server_image("python:3.12"));
        assert!(has_prefix(
            "sqlx::sqlite::SqlitePoolOptions::new",
            "sqlx::sqlite"
        ));
        assert!(!has_prefix("postgresql_thing", "postgres"));
        let t: Vec<String> =
            tokens("psycopg2-binary==2.9  # pg\nDjango_Cockroachdb", '#').collect();
        assert_eq!(t, ["psycopg2-binary", "2.9", "django-cockroachdb"]);
    }
}
