//! Deploy configuration as the process rules see it: Kubernetes documents and their pod
//! specs, Compose services, environment variables with spans, and start commands (the
//! shell a container or process type runs) as one sequence of simple commands.

use crate::finding::Span;
use crate::parse::shell::{self, Command, Script, SubstKind};
use crate::parse::yaml::{Node, ScalarStyle};

// ---------------------------------------------------------------- Kubernetes

/// A Kubernetes object's `kind`, when the document has both `apiVersion` and `kind`.
pub fn k8s_kind(doc: &Node) -> Option<&str> {
    doc.get("apiVersion")?.as_str()?;
    doc.get("kind")?.as_str()
}

/// The pod spec of a workload object (`Pod`, `Deployment`, `StatefulSet`, `DaemonSet`,
/// `ReplicaSet`, `Job`, `CronJob`, `ReplicationController`, `DeploymentConfig`).
pub fn pod_spec<'n>(doc: &'n Node, kind: &str) -> Option<&'n Node> {
    let spec = doc.get("spec")?;
    match kind {
        "Pod" => Some(spec),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "Job"
        | "ReplicationController"
        | "DeploymentConfig" => spec.get("template")?.get("spec"),
        "CronJob" => spec
            .get("jobTemplate")?
            .get("spec")?
            .get("template")?
            .get("spec"),
        _ => None,
    }
}

/// Whether a workload kind runs long-lived server processes (not one-off `Job`s).
pub fn is_long_running(kind: &str) -> bool {
    matches!(
        kind,
        "Pod"
            | "Deployment"
            | "StatefulSet"
            | "ReplicaSet"
            | "ReplicationController"
            | "DeploymentConfig"
    )
}

/// The `containers` of a pod spec (not `initContainers`).
pub fn containers(pod: &Node) -> impl Iterator<Item = &Node> {
    pod.get("containers").into_iter().flat_map(|c| c.items())
}

// ---------------------------------------------------------------- Compose

/// The services of a Compose document: (name, service).
pub fn compose_services(doc: &Node) -> impl Iterator<Item = (&str, &Node)> {
    doc.get("services")
        .into_iter()
        .flat_map(|s| s.entries())
        .map(|(name, e)| (name, &e.value))
}

// ---------------------------------------------------------------- environment

/// One environment variable set in deploy configuration.
#[derive(Debug, Clone)]
pub struct EnvVar {
    pub key: String,
    pub value: String,
    /// The value in the file (or the whole `KEY=value` item when they share a scalar).
    pub span: Span,
}

/// Compose `environment:` (a map, or a list of `KEY=value`) and Kubernetes container
/// `env:` (a list of `{name, value}`) as variables with the span of their value.
pub fn env_vars(env: &Node, text: &str) -> Vec<EnvVar> {
    let mut out = Vec::new();
    if env.as_map().is_some() {
        for (key, e) in env.entries() {
            if let Some(s) = e.value.as_scalar() {
                out.push(EnvVar {
                    key: key.to_owned(),
                    value: s.value.clone(),
                    span: s.value_span,
                });
            }
        }
        return out;
    }
    for item in env.items() {
        if let Some(s) = item.as_scalar() {
            if let Some((k, v)) = s.value.split_once('=') {
                let whole =
                    text.get(s.value_span.start..s.value_span.end) == Some(s.value.as_str());
                out.push(EnvVar {
                    key: k.to_owned(),
                    value: v.to_owned(),
                    span: if whole { s.value_span } else { s.span },
                });
            }
        } else if let (Some(name), Some(value)) = (
            item.get("name").and_then(Node::as_str),
            item.get("value").and_then(Node::as_scalar),
        ) {
            out.push(EnvVar {
                key: name.to_owned(),
                value: value.value.clone(),
                span: value.value_span,
            });
        }
    }
    out
}

// ---------------------------------------------------------------- start commands

/// A start command parsed as shell, with whether its spans point into the file.
pub struct StartScript {
    pub script: Script,
    /// Where to report when the spans do not map (escapes were decoded).
    pub fallback: Option<Span>,
}

impl StartScript {
    /// The span to report for a command of this script.
    pub fn span_of(&self, c: &Command) -> Span {
        self.fallback.unwrap_or(c.span)
    }
}

/// Parses `value`, which the file holds at `content` (`None` if unknown), as shell.
/// When the file's bytes there are not exactly `value` (escapes), spans fall back to `at`.
pub fn parse_shell(value: &str, text: &str, content: Span, at: Span) -> StartScript {
    if text.get(content.start..content.end) == Some(value) {
        StartScript {
            script: shell::parse_at(value, content.start),
            fallback: None,
        }
    } else {
        StartScript {
            script: shell::parse(value),
            fallback: Some(at),
        }
    }
}

/// A YAML scalar parsed as shell.
pub fn parse_scalar_shell(node: &Node, text: &str) -> Option<StartScript> {
    let s = node.as_scalar()?;
    let content = match s.style {
        ScalarStyle::Plain
        | ScalarStyle::SingleQuoted
        | ScalarStyle::DoubleQuoted
        | ScalarStyle::Literal => s.value_span,
        ScalarStyle::Folded => Span::new(0, 0),
    };
    Some(parse_shell(&s.value, text, content, s.span))
}

/// A start command given as a list (`["sh", "-c", "…"]`, or Kubernetes `command` +
/// `args`): the script string after `-c`, parsed as shell; a list without a shell is
/// read as one command with its items as words.
pub fn parse_list_shell(items: &[&Node], text: &str) -> Option<StartScript> {
    let words: Vec<&str> = items.iter().filter_map(|n| n.as_str()).collect();
    if words.len() != items.len() || words.is_empty() {
        return None;
    }
    let shell = words[0].rsplit('/').next().unwrap_or(words[0]);
    if matches!(shell, "sh" | "bash" | "dash" | "ash" | "zsh") {
        let c = words
            .iter()
            .position(|w| w.starts_with('-') && w.ends_with('c'))?;
        return parse_scalar_shell(items.get(c + 1)?, text);
    }
    // No shell: the items are argv. Quote them into one command line.
    let line = words
        .iter()
        .map(|w| format!("'{}'", w.replace('\'', "'\\''")))
        .collect::<Vec<_>>()
        .join(" ");
    let first = items.first()?.span();
    let last = items.last()?.span();
    Some(StartScript {
        script: shell::parse(&line),
        fallback: Some(Span::new(first.start, last.end)),
    })
}

/// The commands a start command runs one after another: nested `sh -c` strings included,
/// the `sh -c` wrappers themselves, substitutions, functions and conditions left out.
pub fn sequence(script: &Script) -> Vec<&Command> {
    script
        .commands
        .iter()
        .filter(|c| !c.in_function && !c.in_condition && !c.words.is_empty())
        .filter(|c| {
            let mut cur = *c;
            for _ in 0..64 {
                match cur.within {
                    None => return true,
                    Some(w) if w.kind == SubstKind::ShellString => match script.parent(cur) {
                        Some(p) => cur = p,
                        None => return true,
                    },
                    Some(_) => return false,
                }
            }
            false
        })
        .filter(|c| !is_shell_wrapper(c))
        .collect()
}

fn is_shell_wrapper(c: &Command) -> bool {
    matches!(
        c.effective_name(),
        Some("sh" | "bash" | "dash" | "ash" | "zsh")
    ) && c
        .words
        .iter()
        .any(|w| w.text.starts_with('-') && w.text.ends_with('c'))
}

/// Words of a command after its wrappers and runners (`sudo`, `exec`, `env`, `npx`,
/// `bundle exec`, `poetry run`, `uv run`, `pipenv run`, `python -m`).
pub fn core_words(c: &Command) -> Vec<&str> {
    let (_, eff) = c.effective();
    let mut w: Vec<&str> = eff.iter().map(|w| w.text.as_str()).collect();
    for _ in 0..4 {
        let name = w
            .first()
            .map(|s| s.rsplit('/').next().unwrap_or(s))
            .unwrap_or("");
        let skip = match (name, w.get(1).copied()) {
            ("npx" | "bunx" | "pnpx", _) => {
                1 + usize::from(w.get(1).is_some_and(|a| a.starts_with('-')))
            }
            ("pnpm" | "bun" | "yarn", Some("exec" | "dlx" | "x")) => 2,
            ("bundle" | "pipenv" | "poetry" | "uv" | "pdm" | "hatch", Some("exec" | "run")) => 2,
            ("python" | "python3", Some("-m")) => 2,
            _ => 0,
        };
        if skip == 0 || skip >= w.len() {
            break;
        }
        w.drain(..skip);
    }
    w
}

/// The migration or schema command a start command runs, as it is usually written.
pub fn migration(c: &Command) -> Option<String> {
    let w = core_words(c);
    let name = w.first().map(|s| s.rsplit('/').next().unwrap_or(s))?;
    let has = |a: &str| w.iter().skip(1).any(|x| *x == a);
    let label = match name {
        "python" | "python3" if w.get(1).is_some_and(|s| s.ends_with("manage.py")) => {
            let cmd = w.iter().skip(2).find(|x| !x.starts_with('-'))?;
            matches!(*cmd, "migrate" | "makemigrations" | "loaddata" | "syncdb")
                .then(|| format!("manage.py {cmd}"))?
        }
        n if n.ends_with("manage.py") || n == "django-admin" => {
            let cmd = w.iter().skip(1).find(|x| !x.starts_with('-'))?;
            matches!(*cmd, "migrate" | "makemigrations" | "loaddata" | "syncdb")
                .then(|| format!("manage.py {cmd}"))?
        }
        "flask" if has("db") && (has("upgrade") || has("migrate")) => "flask db upgrade".into(),
        "alembic" if has("upgrade") => "alembic upgrade".into(),
        "prisma" if has("migrate") || (has("db") && has("push")) => "prisma migrate".into(),
        "sequelize" | "sequelize-cli" if w.iter().any(|x| x.starts_with("db:migrate")) => {
            "sequelize db:migrate".into()
        }
        "knex" if w.iter().any(|x| x.starts_with("migrate:")) => "knex migrate".into(),
        n if n.starts_with("typeorm") && has("migration:run") => "typeorm migration:run".into(),
        "rails" | "rake"
            if w.iter()
                .any(|x| x.starts_with("db:migrate") || *x == "db:prepare" || *x == "db:setup") =>
        {
            format!("{name} db:migrate")
        }
        "php"
            if w.get(1).is_some_and(|s| s.ends_with("artisan"))
                && w.get(2).is_some_and(|s| s.starts_with("migrate")) =>
        {
            "php artisan migrate".into()
        }
        "diesel" if has("migration") && has("run") => "diesel migration run".into(),
        "sqlx" if has("migrate") && has("run") => "sqlx migrate run".into(),
        "goose" if has("up") => "goose up".into(),
        "migrate" if has("up") => "migrate up".into(),
        "npm" | "yarn" | "pnpm" | "bun" => {
            let script = if name == "npm" || w.get(1) == Some(&"run") {
                w.iter()
                    .skip(1)
                    .find(|x| !x.starts_with('-') && **x != "run")?
            } else {
                w.get(1)?
            };
            script
                .contains("migrat")
                .then(|| format!("{name} run {script}"))?
        }
        _ => return None,
    };
    Some(label)
}

/// Commands that start a long-running server (for scripts, where later commands may be
/// anything): `exec …`, `exec "$@"`, gunicorn, uvicorn, node, `npm start`, puma, …
pub fn is_server_start(c: &Command) -> bool {
    if c.has_exec_prefix() {
        return true;
    }
    let w = core_words(c);
    let Some(name) = w.first().map(|s| s.rsplit('/').next().unwrap_or(s)) else {
        return false;
    };
    matches!(
        name,
        "gunicorn"
            | "uvicorn"
            | "hypercorn"
            | "daphne"
            | "granian"
            | "waitress-serve"
            | "uwsgi"
            | "node"
            | "nodemon"
            | "pm2-runtime"
            | "next"
            | "nuxt"
            | "puma"
            | "unicorn"
            | "thin"
            | "php-fpm"
            | "apache2-foreground"
            | "nginx"
            | "java"
            | "dotnet"
            | "$@"
            | "${@}"
    ) || (matches!(name, "npm" | "yarn" | "pnpm" | "bun")
        && w.get(1).is_some_and(|a| matches!(*a, "start" | "serve")))
        || (matches!(name, "rails" | "flask")
            && w.get(1)
                .is_some_and(|a| matches!(*a, "server" | "s" | "run")))
        || (matches!(name, "python" | "python3")
            && w.iter().skip(1).any(|a| a.ends_with("manage.py"))
            && w.contains(&"runserver"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_and_servers() {
        let s = shell::parse(
            "python manage.py migrate --noinput && exec gunicorn app.wsgi\nnpx prisma migrate deploy; npm start\nbundle exec rails db:migrate\nflask db upgrade\nsh -c 'alembic upgrade head && uvicorn main:app'\n",
        );
        let seq = sequence(&s);
        let labels: Vec<Option<String>> = seq.iter().map(|c| migration(c)).collect();
        assert_eq!(
            labels,
            [
                Some("manage.py migrate".to_owned()),
                None,
                Some("prisma migrate".to_owned()),
                None,
                Some("rails db:migrate".to_owned()),
                Some("flask db upgrade".to_owned()),
                Some("alembic upgrade".to_owned()),
                None,
            ]
        );
        assert!(is_server_start(seq[1]));
        assert!(is_server_start(seq[3]));
        assert!(is_server_start(seq[7]));
    }
}
