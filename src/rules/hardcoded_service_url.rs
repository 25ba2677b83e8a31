//! `hardcoded-service-url`: a backing service addressed by a literal — connection URLs
//! with a service scheme in string literals and config values, and database / cache /
//! broker clients constructed with a literal host or URL. A literal that is only the
//! fallback default of an environment read is not flagged (if it carries a password,
//! `hardcoded-secret` reports that).

use super::Rule;
use super::secrets::{self, formats, python as py, rust as rs};
use crate::classify::FileKind;
use crate::context::{Cx, Report};
use crate::finding::Span;
use crate::lang::gate::Words;
use crate::lang::{js, rust::Uses};
use crate::parse::treesitter::{self, text};
use std::collections::HashSet;
use syn::visit::Visit;
use tree_sitter::Node;

pub const RULE: Rule = Rule {
    id: "hardcoded-service-url",
    meta_source: include_str!("../../rules/hardcoded-service-url.toml"),
    kinds: &[
        FileKind::Python,
        FileKind::JavaScript,
        FileKind::TypeScript,
        FileKind::Tsx,
        FileKind::Rust,
        FileKind::DotEnv,
        FileKind::Json,
        FileKind::Toml,
        FileKind::Ini,
        FileKind::Yaml,
    ],
    triggers: &[
        "://",
        "jdbc:",
        "redis",
        "psycopg",
        "mongo",
        "create_engine",
        "create_async_engine",
        "pika",
        "kafka",
        "elasticsearch",
        "mysql",
        "asyncpg",
        "celery",
        "knex",
        "pg",
        "amqp",
        "sqlx",
        "postgres",
        "diesel",
        "lapin",
        "nats",
        "sequelize",
        "bootstrap",
    ],
    check,
};

/// One flagged literal: where, what it is, and which client (if any) received it.
struct Hit {
    span: Span,
    value: String,
    client: Option<String>,
}

fn check(cx: &Cx, out: &mut Report) {
    let mut hits: Vec<Hit> = Vec::new();
    match cx.kind() {
        FileKind::Python => python_rule(cx, &mut hits),
        FileKind::Rust => rust_rule(cx, &mut hits),
        k if k.is_js_like() => js_rule(cx, &mut hits),
        FileKind::DotEnv if secrets::is_env_template(&cx.file.rel_path) => {}
        // A JSON value is a whole string, so a service URL in it is plain in the text.
        FileKind::Json if !formats::may_contain_service_url(cx.text()) => {}
        // So is a config value, unless escapes spell it (`"redis\x3a//…"`).
        _ if !formats::may_contain_service_url(cx.text())
            && memchr::memchr(b'\\', cx.text().as_bytes()).is_none() => {}
        _ => {
            let entries = if cx.kind() == FileKind::Yaml {
                // Application config, not Kubernetes manifests (deploy-time environment).
                secrets::config::yaml(cx.yaml(), cx.text(), secrets::config::YamlScope::ConfigOnly)
            } else {
                secrets::config::entries(cx)
            };
            for e in entries {
                if !e.interpolated && formats::service_url(&e.value).is_some() {
                    hits.push(Hit {
                        span: e.span,
                        value: e.value,
                        client: None,
                    });
                }
            }
        }
    }
    let mut seen = HashSet::new();
    for h in hits {
        if !seen.insert(h.span) {
            continue;
        }
        report(cx, out, &h);
    }
}

fn report(cx: &Cx, out: &mut Report, h: &Hit) {
    let shown = shorten(&formats::masked_url(&h.value));
    let var = env_var_for(&h.value);
    let message = match &h.client {
        Some(client) => format!(
            "`{client}` is given the literal address `{shown}`: the backing service is fixed in the code, so attaching another one (or moving this one) needs a code change"
        ),
        None => format!(
            "connection URL `{shown}` is hardcoded: the backing service is fixed in the code, so attaching another one (or moving this one) needs a code change"
        ),
    };
    let fix = match cx.kind() {
        FileKind::Python => format!("read it from the environment: `os.environ[\"{var}\"]`"),
        k if k.is_js_like() => format!("read it from the environment: `process.env.{var}`"),
        FileKind::Rust => format!("read it from the environment: `std::env::var(\"{var}\")?`"),
        FileKind::DotEnv => format!(
            "set `{var}` in each deploy's environment and keep this file out of the repository (commit a `.env.example` instead)"
        ),
        _ => format!(
            "take the address from the environment (`{var}`) when the config is loaded, instead of writing it in this file"
        ),
    };
    let finding = out.add(h.span, message);
    finding.fix(fix);
    // A password in the URL is masked in the code frame too.
    if let Some(sep) = h.value.find("://") {
        if let Some(pw) = formats::url_at(&h.value, sep).and_then(|p| p.password) {
            finding.redact(Span::new(h.span.start + pw.start, h.span.start + pw.end));
        }
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 80 {
        s.chars().take(77).collect::<String>() + "…"
    } else {
        s.to_owned()
    }
}

/// The environment variable a URL of this kind conventionally comes from.
fn env_var_for(value: &str) -> &'static str {
    let lower = value.trim().to_ascii_lowercase();
    let scheme = lower.split("://").next().unwrap_or("");
    if scheme.starts_with("redis") {
        "REDIS_URL"
    } else if scheme.starts_with("mongodb") {
        "MONGODB_URL"
    } else if scheme.starts_with("amqp") {
        "AMQP_URL"
    } else if scheme.starts_with("kafka") || lower.contains(":9092") {
        "KAFKA_BROKERS"
    } else if scheme.starts_with("nats") {
        "NATS_URL"
    } else if scheme.starts_with("memcached") {
        "MEMCACHED_URL"
    } else if scheme.starts_with("http") || lower.contains(":9200") {
        "ELASTICSEARCH_URL"
    } else if scheme.contains("postgres")
        || scheme.contains("mysql")
        || scheme.contains("mariadb")
        || scheme.contains("sqlserver")
        || scheme.starts_with("jdbc")
    {
        "DATABASE_URL"
    } else {
        "SERVICE_URL"
    }
}

/// A literal given to a client as its host or URL: not empty, not a template, not a
/// unix socket path or an embedded database (`sqlite://`, `:memory:`), and — for
/// libpq-style `key=value` strings — naming a `host=`.
fn is_address(value: &str) -> bool {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    if v.is_empty()
        || v.starts_with('/')
        || lower.starts_with("sqlite")
        || lower.starts_with("memory:")
        || lower.contains(":memory:")
        || is_template(v)
    {
        return false;
    }
    if v.contains('=') && !lower.contains("://") {
        return lower.contains("host=");
    }
    !v.chars().any(char::is_whitespace) || lower.contains("host=")
}

/// `${REDIS_HOST}`, `{host}`, `<host>`, `%s`, `$HOST`: filled in at run time.
fn is_template(v: &str) -> bool {
    v.contains(['{', '}', '<', '>', '$']) || v.contains("%s") || v.contains("%(")
}

// ---------------------------------------------------------------- Python

/// Whether a source file may construct a client (it names one of `client_modules`) and
/// whether it may hold a service URL literal; `None` when neither, so nothing is parsed.
fn gates(src: &str, client_modules: &Words) -> Option<(bool, bool)> {
    let (clients, urls) = (
        client_modules.any_in(src),
        formats::may_contain_service_url(src),
    );
    (clients || urls).then_some((clients, urls))
}

/// The string literals that are service URLs (not an environment read's fallback).
fn url_hits(literals: Vec<secrets::Literal>, hits: &mut Vec<Hit>) {
    for lit in literals {
        if !lit.env_fallback && formats::service_url(&lit.value).is_some() {
            hits.push(Hit {
                span: lit.span,
                value: lit.value,
                client: None,
            });
        }
    }
}

/// Which arguments of a client carry the service address.
struct PyClient {
    callees: &'static [&'static str],
    /// How many leading positional arguments are host/URL.
    positional: usize,
    keywords: &'static [&'static str],
}

const PY_CLIENTS: &[PyClient] = &[
    PyClient {
        callees: &[
            "redis.Redis",
            "redis.StrictRedis",
            "redis.client.Redis",
            "redis.asyncio.Redis",
            "redis.asyncio.StrictRedis",
            "redis.ConnectionPool",
            "redis.asyncio.ConnectionPool",
            "aioredis.Redis",
        ],
        positional: 1,
        keywords: &["host", "url"],
    },
    PyClient {
        callees: &[
            "redis.from_url",
            "redis.Redis.from_url",
            "redis.StrictRedis.from_url",
            "redis.ConnectionPool.from_url",
            "redis.asyncio.from_url",
            "redis.asyncio.Redis.from_url",
            "aioredis.from_url",
            "pika.URLParameters",
            "sqlalchemy.create_engine",
            "sqlalchemy.ext.asyncio.create_async_engine",
            "sqlmodel.create_engine",
            "psycopg2.connect",
            "psycopg.connect",
            "psycopg.AsyncConnection.connect",
            "psycopg_pool.ConnectionPool",
            "psycopg_pool.AsyncConnectionPool",
            "asyncpg.connect",
            "asyncpg.create_pool",
            "pymongo.MongoClient",
            "motor.motor_asyncio.AsyncIOMotorClient",
            "elasticsearch.Elasticsearch",
            "elasticsearch.AsyncElasticsearch",
            "pika.ConnectionParameters",
            "nats.connect",
            "pymemcache.client.base.Client",
            "pymemcache.Client",
        ],
        positional: 1,
        keywords: &[
            "url",
            "dsn",
            "conninfo",
            "host",
            "hosts",
            "servers",
            "name_or_url",
        ],
    },
    PyClient {
        callees: &[
            "pymysql.connect",
            "MySQLdb.connect",
            "mysql.connector.connect",
            "mongoengine.connect",
        ],
        positional: 0,
        keywords: &["host"],
    },
    PyClient {
        callees: &[
            "kafka.KafkaProducer",
            "kafka.KafkaConsumer",
            "kafka.KafkaAdminClient",
            "aiokafka.AIOKafkaProducer",
            "aiokafka.AIOKafkaConsumer",
        ],
        positional: 0,
        keywords: &["bootstrap_servers"],
    },
    PyClient {
        callees: &["celery.Celery"],
        positional: 0,
        keywords: &["broker", "backend"],
    },
    PyClient {
        callees: &[
            "confluent_kafka.Producer",
            "confluent_kafka.Consumer",
            "confluent_kafka.admin.AdminClient",
        ],
        positional: 1,
        keywords: &[],
    },
];

/// Every module a [`PY_CLIENTS`] callee is imported from contains one of these.
static PY_CLIENT_MODULES: Words = Words::new(&[
    "redis",
    "pika",
    "sqlalchemy",
    "sqlmodel",
    "psycopg",
    "asyncpg",
    "mongo",
    "motor",
    "elasticsearch",
    "nats",
    "pymemcache",
    "mysql",
    "kafka",
    "celery",
]);

fn python_rule(cx: &Cx, hits: &mut Vec<Hit>) {
    let src = cx.text();
    let Some((clients, urls)) = gates(src, &PY_CLIENT_MODULES) else {
        return;
    };
    let Some(_tree) = cx.tree() else { return };
    let imports = cx.py_imports();
    for (name, call) in cx.py_calls().iter().filter(|_| clients) {
        let Some(client) = PY_CLIENTS
            .iter()
            .find(|c| c.callees.contains(&name.as_str()))
        else {
            continue;
        };
        let shown = name.rsplit('.').take(2).collect::<Vec<_>>();
        let shown = shown.into_iter().rev().collect::<Vec<_>>().join(".");
        let mut args: Vec<Node<'_>> = call
            .positional()
            .into_iter()
            .take(client.positional)
            .collect();
        for kw in client.keywords {
            if let Some((_, v)) = call.keyword(kw, src) {
                args.push(v);
            }
        }
        for arg in args {
            for lit in py_address_literals(arg, src) {
                if py::is_env_fallback(lit, src, imports) {
                    continue;
                }
                if let Some(value) = treesitter::string_value(lit, src) {
                    if is_address(&value) {
                        hits.push(Hit {
                            span: py::content_span(lit),
                            value,
                            client: Some(format!("{shown}(…)")),
                        });
                    }
                }
            }
        }
    }
    if urls {
        url_hits(py::literals(cx.nodes(), src, imports), hits);
    }
}

/// String literals naming an address inside an argument: the literal itself, the items
/// of a list/tuple (`["k1:9092", "k2:9092"]`, `("localhost", 11211)`), `host`/`url`
/// values of a dict (`[{"host": "es"}]`, `{"bootstrap.servers": "k:9092"}`).
fn py_address_literals<'t>(arg: Node<'t>, src: &str) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    let mut stack = vec![(arg, 0)];
    while let Some((n, depth)) = stack.pop() {
        if depth > 3 {
            continue;
        }
        match n.kind() {
            "string" | "concatenated_string" => out.push(n),
            "list" | "tuple" => {
                let mut c = n.walk();
                // In a tuple only the first string is the host (`("host", port)`).
                let items: Vec<Node<'t>> = n.named_children(&mut c).collect();
                let take = if n.kind() == "tuple" { 1 } else { items.len() };
                for item in items.into_iter().take(take) {
                    stack.push((item, depth + 1));
                }
            }
            "dictionary" => {
                let mut c = n.walk();
                for pair in n.named_children(&mut c).filter(|p| p.kind() == "pair") {
                    let key = pair
                        .child_by_field_name("key")
                        .and_then(|k| treesitter::string_value(k, src));
                    if matches!(
                        key.as_deref(),
                        Some("host" | "url" | "bootstrap.servers" | "hosts")
                    ) {
                        if let Some(v) = pair.child_by_field_name("value") {
                            stack.push((v, depth + 1));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

// ---------------------------------------------------------------- JavaScript / TypeScript

/// Object properties that carry an address.
const JS_ADDRESS_KEYS: &[&str] = &[
    "host",
    "hostname",
    "url",
    "uri",
    "connectionString",
    "connection",
    "brokers",
    "node",
    "nodes",
    "servers",
    "socket",
];

fn js_client(name: &str) -> Option<&'static str> {
    let n = name.strip_prefix("node:").unwrap_or(name);
    let client = match n {
        "mongoose.connect" | "mongoose.createConnection" => "mongoose.connect",
        "mongodb.MongoClient" | "mongodb.MongoClient.connect" => "MongoClient",
        "pg.Pool" | "pg.Client" | "pg.default.Pool" | "pg.default.Client" => {
            if n.ends_with("Pool") {
                "new Pool"
            } else {
                "new Client"
            }
        }
        "mysql.createConnection"
        | "mysql.createPool"
        | "mysql2.createConnection"
        | "mysql2.createPool"
        | "mysql2/promise.createConnection"
        | "mysql2/promise.createPool" => "mysql.createConnection",
        "redis.createClient" | "redis.createCluster" => "createClient",
        "ioredis" | "ioredis.Redis" | "ioredis.default" | "ioredis.Cluster" => "new Redis",
        "amqplib.connect" | "amqplib/callback_api.connect" | "amqp-connection-manager.connect" => {
            "amqp.connect"
        }
        "kafkajs.Kafka" => "new Kafka",
        "knex" | "knex.knex" | "knex.default" => "knex",
        "sequelize.Sequelize" | "sequelize" => "new Sequelize",
        "@elastic/elasticsearch.Client" => "new Client",
        "nats.connect" => "nats.connect",
        "bullmq.Queue" | "bullmq.Worker" => "new Queue",
        _ => return None,
    };
    Some(client)
}

/// Every module a [`js_client`] comes from contains one of these.
static JS_CLIENT_MODULES: Words = Words::new(&[
    "mongoose",
    "mongodb",
    "\"pg\"",
    "'pg'",
    "`pg`",
    "mysql",
    "redis",
    "amqp",
    "kafkajs",
    "knex",
    "sequelize",
    "elastic",
    "nats",
    "bullmq",
]);

fn js_rule(cx: &Cx, hits: &mut Vec<Hit>) {
    let src = cx.text();
    let Some((clients, urls)) = gates(src, &JS_CLIENT_MODULES) else {
        return;
    };
    let (Some(_tree), Some(_lang)) = (cx.tree(), cx.lang()) else {
        return;
    };
    let mut calls: Vec<(&'static str, Vec<Node<'_>>)> = Vec::new();
    for (name, call) in cx.js_calls().iter().filter(|_| clients) {
        if let Some(client) = js_client(name) {
            calls.push((client, call.arguments()));
        }
    }
    // `require("knex")({ … })`
    cx.nodes().iter().for_each(|&n| {
        if !clients || n.kind() != "call_expression" {
            return;
        }
        let Some(f) = n.child_by_field_name("function") else {
            return;
        };
        if f.kind() == "call_expression" && text(f, src).replace('\'', "\"") == "require(\"knex\")"
        {
            if let Some(args) = n.child_by_field_name("arguments") {
                let mut c = args.walk();
                calls.push(("knex", args.named_children(&mut c).collect()));
            }
        }
    });
    for (client, args) in calls {
        for (i, arg) in args.iter().enumerate() {
            // ioredis `new Redis(6379, "host")`; Sequelize `new Sequelize(db, user, pw, {host})`.
            let positional_ok = i == 0
                || (client == "new Redis" && i == 1)
                || (client == "new Sequelize" && arg.kind() == "object");
            if !positional_ok {
                continue;
            }
            for lit in js_address_literals(*arg, src) {
                if secrets::js::is_env_fallback(lit, src) {
                    continue;
                }
                if let Some(value) = treesitter::string_value(lit, src) {
                    if is_address(&value) {
                        hits.push(Hit {
                            span: secrets::js::content_span(lit),
                            value,
                            client: Some(format!("{client}(…)")),
                        });
                    }
                }
            }
        }
    }
    if urls {
        url_hits(secrets::js::literals(cx.nodes(), src), hits);
    }
}

fn js_address_literals<'t>(arg: Node<'t>, src: &str) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    let mut stack = vec![(arg, 0)];
    while let Some((n, depth)) = stack.pop() {
        if depth > 4 {
            continue;
        }
        match n.kind() {
            "string" | "template_string" => out.push(n),
            "array" => {
                let mut c = n.walk();
                for item in n.named_children(&mut c) {
                    stack.push((item, depth + 1));
                }
            }
            "object" => {
                for key in JS_ADDRESS_KEYS {
                    if let Some((_, v)) = js::property(n, key, src) {
                        stack.push((v, depth + 1));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

// ---------------------------------------------------------------- Rust

/// A Rust client path (after `use` resolution) that takes an address as its first argument.
fn rust_client(path: &str) -> Option<String> {
    let p = path.strip_prefix("::").unwrap_or(path);
    let segs: Vec<&str> = p.split("::").collect();
    let krate = *segs.first()?;
    let last = *segs.last()?;
    let shown = segs[segs.len().saturating_sub(2)..].join("::");
    let hit = match krate {
        "redis" => matches!(last, "open") || p.ends_with("Client::build_with_tls"),
        "sqlx" => matches!(last, "connect" | "connect_lazy") && !p.contains("Sqlite"),
        "tokio_postgres" | "postgres" => last == "connect",
        "diesel" => last == "establish" && !p.contains("Sqlite"),
        "mongodb" => last == "with_uri_str" || p.ends_with("ClientOptions::parse"),
        "lapin" => last == "connect",
        "deadpool_redis" | "bb8_redis" | "r2d2_redis" => {
            matches!(last, "from_url" | "new")
        }
        "async_nats" | "nats" => last == "connect",
        _ => false,
    };
    hit.then_some(shown)
}

/// Every crate a [`rust_client`] path starts with contains one of these.
static RUST_CLIENT_CRATES: Words = Words::new(&[
    "redis", "sqlx", "postgres", "diesel", "mongodb", "lapin", "nats",
]);

fn rust_rule(cx: &Cx, hits: &mut Vec<Hit>) {
    let src = cx.code();
    let Some((clients, urls)) = gates(src, &RUST_CLIENT_CRATES) else {
        return;
    };
    let Some(ast) = cx.rust() else { return };
    let uses = Uses::collect(ast);
    if clients {
        let mut v = RustClients {
            cx,
            uses: &uses,
            hits: Vec::new(),
        };
        v.visit_file(ast);
        hits.append(&mut v.hits);
    }
    if urls {
        url_hits(rs::scan(cx.file, ast, &uses).literals, hits);
    }
}

struct RustClients<'a, 'cx> {
    cx: &'a Cx<'cx>,
    uses: &'a Uses,
    hits: Vec<Hit>,
}

impl RustClients<'_, '_> {
    fn judge(&mut self, client: String, arg: &syn::Expr) {
        if let Some(lit) = rs::literal_of(arg) {
            let value = lit.value();
            if is_address(&value) {
                self.hits.push(Hit {
                    span: rs::content_span(self.cx.file, lit.span()),
                    value,
                    client: Some(format!("{client}(…)")),
                });
            }
        }
    }
}

/// The path a method chain starts from: `PgPoolOptions::new().max_connections(5)` → `sqlx::postgres::PgPoolOptions::new`.
fn chain_root(expr: &syn::Expr, uses: &Uses) -> Option<String> {
    let mut e = expr;
    for _ in 0..16 {
        match e {
            syn::Expr::MethodCall(m) => e = &m.receiver,
            syn::Expr::Call(c) => {
                let syn::Expr::Path(p) = &*c.func else {
                    return None;
                };
                return Some(uses.resolve(&p.path));
            }
            syn::Expr::Path(p) => return Some(uses.resolve(&p.path)),
            _ => return None,
        }
    }
    None
}

impl<'ast> Visit<'ast> for RustClients<'_, '_> {
    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*call.func {
            if let Some(client) = rust_client(&self.uses.resolve(&p.path)) {
                if let Some(arg) = call.args.first() {
                    self.judge(client, arg);
                }
            }
        }
        syn::visit::visit_expr_call(self, call);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let method = m.method.to_string();
        let root = chain_root(&m.receiver, self.uses).unwrap_or_default();
        // `PgPoolOptions::new().connect("…")`
        if matches!(method.as_str(), "connect" | "connect_lazy")
            && root.starts_with("sqlx::")
            && !root.contains("Sqlite")
        {
            if let Some(arg) = m.args.first() {
                self.judge(format!("{}().{method}", last_two(&root)), arg);
            }
        }
        // rdkafka `ClientConfig::new().set("bootstrap.servers", "localhost:9092")`
        if method == "set" && m.args.len() == 2 {
            let key = m.args.first().and_then(rs::literal_of).map(|l| l.value());
            if key.as_deref() == Some("bootstrap.servers") {
                if let Some(arg) = m.args.iter().nth(1) {
                    self.judge("ClientConfig::set(\"bootstrap.servers\")".to_owned(), arg);
                }
            }
        }
        syn::visit::visit_expr_method_call(self, m);
    }
}

fn last_two(path: &str) -> String {
    let segs: Vec<&str> = path.split("::").collect();
    segs[segs.len().saturating_sub(2)..].join("::")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        for v in [
            "localhost",
            "db.internal",
            "redis://cache:6379/0", // dozen: ignore[hardcoded-service-url]
            "host=db user=app",
            "k1:9092",
        ] {
            assert!(is_address(v), "{v}");
        }
        for v in [
            "",
            "/var/run/postgresql",
            "sqlite:///app.db", // dozen: ignore[divergent-backing-services]
            ":memory:",
            "dbname=app user=app",
            "${REDIS_HOST}",
            "<host>",
        ] {
            assert!(!is_address(v), "{v}");
        }
    }

    #[test]
    fn rust_clients() {
        assert_eq!(
            rust_client("redis::Client::open").as_deref(),
            Some("Client::open")
        );
        assert!(rust_client("sqlx::PgPool::connect").is_some());
        assert!(rust_client("sqlx::SqlitePool::connect").is_none());
        assert!(rust_client("diesel::pg::PgConnection::establish").is_some());
        assert!(rust_client("std::net::TcpStream::connect").is_none());
    }
}
