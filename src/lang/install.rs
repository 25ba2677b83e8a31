//! Package-manager install commands: which manager, and what it is asked to install.
//!
//! [`install`] recognises `pip`/`pip3`/`python -m pip`/`uv pip`/`pipx install`,
//! `npm install|i|add`, `yarn add`, `yarn global add`, `pnpm add`, `apt-get`/`apt
//! install`, `apk add`, `yum`/`dnf`/`microdnf install`, `gem install`, `go install`,
//! `go get` and `cargo install` (after wrappers such as `sudo` and `env`), and splits the
//! arguments into options (with their values: `-o X=Y`, `-i URL`, `--virtual .deps`) and
//! operands (the packages, paths or URLs to install). Rules judge the operands.

use crate::lang::commands::basename;
use crate::parse::shell::{Command, Word};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manager {
    Pip,
    Pipx,
    Npm,
    Yarn,
    Pnpm,
    Apt,
    Apk,
    Yum,
    Gem,
    Go,
    Cargo,
}

impl Manager {
    /// Operating-system package managers (as opposed to language ones).
    pub fn is_system(self) -> bool {
        matches!(self, Manager::Apt | Manager::Apk | Manager::Yum)
    }
}

/// An install command, split.
#[derive(Debug, Clone)]
pub struct Install<'c> {
    pub manager: Manager,
    /// The program as written (`pip3`, `apt-get`, `python3` for `python3 -m pip`).
    pub program: &'c Word,
    /// The subcommand (`install`, `add`, `i`); for `go get`, `get`.
    pub verb: &'c Word,
    /// What is installed: packages, paths, URLs, in order.
    pub operands: Vec<&'c Word>,
    pub options: Vec<Opt<'c>>,
}

/// An option and its value (`--index-url URL`, `-o=X`, `-qy`).
#[derive(Debug, Clone)]
pub struct Opt<'c> {
    /// `-r`, `--requirement`, `-tags`, or the whole cluster for flags (`-qy`).
    pub name: String,
    pub value: Option<String>,
    pub word: &'c Word,
    /// The word holding the value, when it is separate.
    pub value_word: Option<&'c Word>,
}

impl Install<'_> {
    /// Whether an option with one of these names was given.
    pub fn has(&self, names: &[&str]) -> bool {
        self.options
            .iter()
            .any(|o| names.contains(&o.name.as_str()))
    }

    /// The value of the first option with one of these names.
    pub fn value(&self, names: &[&str]) -> Option<&str> {
        self.options
            .iter()
            .find(|o| names.contains(&o.name.as_str()))
            .and_then(|o| o.value.as_deref())
    }

    /// The program and subcommand as written (`pip3 install`, `python -m pip install`).
    pub fn command_text(&self) -> String {
        match self.manager {
            Manager::Pip if !basename(&self.program.text).starts_with("pip") => {
                if basename(&self.program.text) == "uv" {
                    format!("uv pip {}", self.verb.text)
                } else {
                    format!("{} -m pip {}", self.program.text, self.verb.text)
                }
            }
            Manager::Yarn if self.verb.text == "add" && self.program.text != "yarn" => {
                format!("{} {}", self.program.text, self.verb.text)
            }
            _ => format!("{} {}", basename(&self.program.text), self.verb.text),
        }
    }
}

/// Options that take a value, per manager: short letters and long names.
struct Spec {
    short: &'static str,
    long: &'static [&'static str],
    /// Go's flags: `-name value` / `-name=value`, single dash, no clusters.
    go_style: bool,
}

const PIP: Spec = Spec {
    short: "rcetCif",
    long: &[
        "--requirement",
        "--constraint",
        "--editable",
        "--target",
        "--platform",
        "--python-version",
        "--implementation",
        "--abi",
        "--root",
        "--prefix",
        "--src",
        "--upgrade-strategy",
        "--config-settings",
        "--global-option",
        "--install-option",
        "--no-binary",
        "--only-binary",
        "--progress-bar",
        "--root-user-action",
        "--report",
        "--index-url",
        "--extra-index-url",
        "--find-links",
        "--proxy",
        "--retries",
        "--timeout",
        "--exists-action",
        "--trusted-host",
        "--cert",
        "--client-cert",
        "--cache-dir",
        "--log",
        "--log-file",
        "--local-log",
        "--keyring-provider",
        "--use-feature",
        "--use-deprecated",
        "--python",
        "--group",
    ],
    go_style: false,
};

const PIPX: Spec = Spec {
    short: "",
    long: &[
        "--python",
        "--suffix",
        "--pip-args",
        "--index-url",
        "--preinstall",
        "--spec",
    ],
    go_style: false,
};

const NPM: Spec = Spec {
    short: "w",
    long: &[
        "--prefix",
        "--registry",
        "--cache",
        "--tag",
        "--workspace",
        "--omit",
        "--include",
        "--userconfig",
        "--loglevel",
        "--install-strategy",
        "--save-prefix",
        "--before",
        "--cpu",
        "--os",
        "--libc",
    ],
    go_style: false,
};

const YARN: Spec = Spec {
    short: "",
    long: &[
        "--cwd",
        "--registry",
        "--network-timeout",
        "--modules-folder",
        "--cache-folder",
        "--mutex",
        "--use-yarnrc",
        "--global-folder",
        "--link-folder",
    ],
    go_style: false,
};

const PNPM: Spec = Spec {
    short: "FC",
    long: &[
        "--filter",
        "--dir",
        "--registry",
        "--store-dir",
        "--virtual-store-dir",
        "--modules-dir",
        "--reporter",
        "--loglevel",
    ],
    go_style: false,
};

const APT: Spec = Spec {
    short: "oct",
    long: &[
        "--option",
        "--config-file",
        "--target-release",
        "--default-release",
    ],
    go_style: false,
};

const APK: Spec = Spec {
    short: "Xpt",
    long: &[
        "--repository",
        "--root",
        "--virtual",
        "--keys-dir",
        "--arch",
        "--cache-dir",
        "--repositories-file",
        "--cache-max-age",
        "--timeout",
    ],
    go_style: false,
};

const YUM: Spec = Spec {
    short: "cxde",
    long: &[
        "--config",
        "--installroot",
        "--releasever",
        "--setopt",
        "--exclude",
        "--disablerepo",
        "--enablerepo",
        "--repo",
        "--repoid",
        "--downloaddir",
        "--destdir",
        "--rpmverbosity",
        "--color",
        "--disableplugin",
        "--enableplugin",
        "--debuglevel",
        "--errorlevel",
        "--forcearch",
    ],
    go_style: false,
};

const GEM: Spec = Spec {
    short: "vinsPg",
    long: &[
        "--version",
        "--install-dir",
        "--bindir",
        "--source",
        "--trust-policy",
        "--platform",
        "--file",
        "--document",
        "--build-root",
    ],
    go_style: false,
};

const GO: Spec = Spec {
    short: "",
    long: &[
        "-o",
        "-C",
        "-p",
        "-tags",
        "-ldflags",
        "-gcflags",
        "-asmflags",
        "-mod",
        "-modfile",
        "-overlay",
        "-pgo",
        "-pkgdir",
        "-toolexec",
        "-buildmode",
        "-compiler",
        "-gccgoflags",
        "-installsuffix",
        "-exec",
        "-coverpkg",
        "-covermode",
        "-buildvcs",
    ],
    go_style: true,
};

const CARGO: Spec = Spec {
    short: "FjZ",
    long: &[
        "--version",
        "--vers",
        "--git",
        "--branch",
        "--tag",
        "--rev",
        "--path",
        "--root",
        "--index",
        "--registry",
        "--features",
        "--target",
        "--target-dir",
        "--profile",
        "--jobs",
        "--bin",
        "--example",
        "--config",
        "--color",
    ],
    go_style: false,
};

fn is_pip_name(n: &str) -> bool {
    n.strip_prefix("pip")
        .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.') && !v.starts_with('.'))
}

fn is_python_name(n: &str) -> bool {
    n.strip_prefix("python")
        .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.') && !v.starts_with('.'))
}

/// What every line holding an install command has (the shell-script gate of
/// `unpinned-package-install` relies on it): a word starting with one of these names
/// (`/usr/bin/pip3`, `python -m pip`, `microdnf`), and after it one of [`VERBS`].
/// Keep both in step with [`install`]; a test checks every command it recognises.
pub const MANAGERS: &[&str] = &[
    "pip", "npm", "yarn", "pnpm", "apt", "apk", "yum", "dnf", "microdnf", "tdnf", "gem", "go",
    "cargo",
];
/// Every subcommand [`install`] takes for an install.
pub const VERBS: &[&str] = &[
    "install",
    "isntall",
    "install-test",
    "i",
    "in",
    "it",
    "add",
    "get",
];

/// The install command `cmd` runs, if it is one.
pub fn install(cmd: &Command) -> Option<Install<'_>> {
    let (_, eff) = cmd.effective();
    let program = eff.first()?;
    let name = basename(&program.text);
    let rest = &eff[1..];
    let (manager, spec, verbs, args): (Manager, &Spec, &[&str], &[Word]) = match name {
        n if is_pip_name(n) => (Manager::Pip, &PIP, &["install"], rest),
        n if is_python_name(n) => {
            let m = rest.iter().position(|w| w.text == "-m")?;
            if rest.get(m + 1)?.text != "pip" {
                return None;
            }
            (Manager::Pip, &PIP, &["install"], &rest[m + 2..])
        }
        "uv" => {
            if rest.first()?.text != "pip" {
                return None;
            }
            (Manager::Pip, &PIP, &["install"], &rest[1..])
        }
        "pipx" => (Manager::Pipx, &PIPX, &["install"], rest),
        "npm" => (
            Manager::Npm,
            &NPM,
            &["install", "i", "add", "in", "isntall", "install-test", "it"],
            rest,
        ),
        "yarn" => {
            if rest.first().is_some_and(|w| w.text == "global") {
                (Manager::Yarn, &YARN, &["add"], &rest[1..])
            } else {
                (Manager::Yarn, &YARN, &["add"], rest)
            }
        }
        "pnpm" => (Manager::Pnpm, &PNPM, &["add"], rest),
        "apt-get" | "apt" => (Manager::Apt, &APT, &["install"], rest),
        "apk" => (Manager::Apk, &APK, &["add"], rest),
        "yum" | "dnf" | "microdnf" | "tdnf" => (Manager::Yum, &YUM, &["install"], rest),
        "gem" => (Manager::Gem, &GEM, &["install", "i"], rest),
        "go" => (Manager::Go, &GO, &["install", "get"], rest),
        "cargo" => (Manager::Cargo, &CARGO, &["install"], rest),
        _ => return None,
    };
    // Global options may come before the subcommand (`pip --no-cache-dir install`).
    let (before_ops, before_opts, verb_at) = split_args(args, spec, Some(verbs));
    let verb_at = verb_at?;
    if !before_ops.is_empty() {
        return None;
    }
    let verb = &args[verb_at];
    let (operands, mut options, _) = split_args(&args[verb_at + 1..], spec, None);
    options.splice(0..0, before_opts);
    Some(Install {
        manager,
        program,
        verb,
        operands,
        options,
    })
}

/// Splits words into operands and options. With `stop_at`, stops at the first operand
/// that is one of those words and returns its index.
fn split_args<'c>(
    words: &'c [Word],
    spec: &Spec,
    stop_at: Option<&[&str]>,
) -> (Vec<&'c Word>, Vec<Opt<'c>>, Option<usize>) {
    let mut operands = Vec::new();
    let mut options = Vec::new();
    let mut i = 0;
    while let Some(w) = words.get(i) {
        let t = w.text.as_str();
        if let Some(stops) = stop_at {
            if stops.contains(&t) {
                return (operands, options, Some(i));
            }
            if !t.starts_with('-') {
                // The first operand is not a known subcommand: not an install.
                return (vec![w], options, None);
            }
        }
        if t == "--" {
            operands.extend(&words[i + 1..]);
            break;
        }
        if t.len() < 2 || !t.starts_with('-') {
            operands.push(w);
            i += 1;
            continue;
        }
        let long = spec.go_style || t.starts_with("--");
        if long {
            let key = if spec.go_style {
                // `--tags` is accepted by Go as `-tags`.
                t.strip_prefix('-')
                    .filter(|s| s.starts_with('-'))
                    .unwrap_or(t)
            } else {
                t
            };
            match key.split_once('=') {
                Some((name, value)) => options.push(Opt {
                    name: name.to_owned(),
                    value: Some(value.to_owned()),
                    word: w,
                    value_word: None,
                }),
                None if spec.long.contains(&key) => {
                    let v = words.get(i + 1);
                    options.push(Opt {
                        name: key.to_owned(),
                        value: v.map(|v| v.text.clone()),
                        word: w,
                        value_word: v,
                    });
                    i += 1;
                }
                None => options.push(Opt {
                    name: key.to_owned(),
                    value: None,
                    word: w,
                    value_word: None,
                }),
            }
            i += 1;
            continue;
        }
        // A cluster of short options; the first that takes a value ends it.
        let flags = &t[1..];
        let mut pushed = false;
        for (k, ch) in flags.char_indices() {
            if spec.short.contains(ch) {
                let attached = &flags[k + ch.len_utf8()..];
                let attached = attached.strip_prefix('=').unwrap_or(attached);
                if attached.is_empty() {
                    let v = words.get(i + 1);
                    options.push(Opt {
                        name: format!("-{ch}"),
                        value: v.map(|v| v.text.clone()),
                        word: w,
                        value_word: v,
                    });
                    i += 1;
                } else {
                    options.push(Opt {
                        name: format!("-{ch}"),
                        value: Some(attached.to_owned()),
                        word: w,
                        value_word: None,
                    });
                }
                pushed = true;
                break;
            }
        }
        if !pushed {
            options.push(Opt {
                name: t.to_owned(),
                value: None,
                word: w,
                value_word: None,
            });
        }
        i += 1;
    }
    (operands, options, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::shell;

    #[test]
    fn every_install_names_a_manager_then_a_verb() {
        let programs = [
            "pip",
            "pip3",
            "pip3.12",
            "/usr/bin/pip",
            "python3 -m pip",
            "python -m pip",
            "uv pip",
            "pipx",
            "npm",
            "yarn",
            "yarn global",
            "pnpm",
            "apt-get",
            "apt",
            "apk",
            "yum",
            "dnf",
            "microdnf",
            "tdnf",
            "gem",
            "go",
            "cargo",
            "sudo -E apt-get",
        ];
        let verbs = VERBS
            .iter()
            .chain(&["run", "build", "update", "ci", "remove"]);
        let mut recognised = 0;
        for program in programs {
            for verb in verbs.clone() {
                let line = format!("{program} {verb} pkg");
                let script = shell::parse(&line);
                let Some(i) = script.commands.first().and_then(install) else {
                    continue;
                };
                recognised += 1;
                let manager_at = MANAGERS
                    .iter()
                    .filter_map(|m| line.find(m))
                    .min()
                    .unwrap_or_else(|| panic!("no manager in {line:?}"));
                assert!(VERBS.contains(&i.verb.text.as_str()), "{line:?}");
                assert!(
                    line.find(i.verb.text.as_str()).unwrap() > manager_at,
                    "{line:?}"
                );
            }
        }
        assert!(recognised > 30, "{recognised}");
    }

    fn ops(src: &str) -> Option<(Manager, String, Vec<String>, Vec<String>)> {
        let s = shell::parse(src);
        let i = install(&s.commands[0])?;
        Some((
            i.manager,
            i.command_text(),
            i.operands.iter().map(|w| w.text.clone()).collect(),
            i.options
                .iter()
                .map(|o| format!("{}={}", o.name, o.value.as_deref().unwrap_or("")))
                .collect(),
        ))
    }

    #[test]
    fn splits_options_and_operands() {
        let (m, cmd, operands, options) =
            ops("sudo apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-confdef curl=7.1 git").unwrap();
        assert_eq!((m, cmd.as_str()), (Manager::Apt, "apt-get install"));
        assert_eq!(operands, ["curl=7.1", "git"]);
        assert_eq!(
            options,
            [
                "-y=",
                "--no-install-recommends=",
                "-o=Dpkg::Options::=--force-confdef"
            ]
        );
        let (_, cmd, operands, _) =
            ops("python3 -m pip install -i https://x/simple --upgrade pip -rreq.txt").unwrap();
        assert_eq!(cmd, "python3 -m pip install");
        assert_eq!(operands, ["pip"]);
        let (_, _, operands, _) = ops("pip --no-cache-dir install -e . flask").unwrap();
        assert_eq!(operands, ["flask"]);
        let (_, _, operands, _) =
            ops("apk add --no-cache --virtual .build-deps gcc musl-dev=1.2").unwrap();
        assert_eq!(operands, ["gcc", "musl-dev=1.2"]);
        let (m, _, operands, options) =
            ops("go install -tags netgo -ldflags=-s golang.org/x/tools/gopls@latest").unwrap();
        assert_eq!(m, Manager::Go);
        assert_eq!(operands, ["golang.org/x/tools/gopls@latest"]);
        assert_eq!(options, ["-tags=netgo", "-ldflags=-s"]);
        let (m, cmd, operands, _) = ops("yarn global add typescript").unwrap();
        assert_eq!((m, cmd.as_str()), (Manager::Yarn, "yarn add"));
        assert_eq!(operands, ["typescript"]);
        let (_, _, operands, options) = ops("gem install rails -v 7.0.4 --no-document").unwrap();
        assert_eq!(operands, ["rails"]);
        assert_eq!(options[0], "-v=7.0.4");
        assert!(ops("npm run build").is_none());
        assert!(ops("pip show x").is_none());
        assert!(ops("python -m venv x").is_none());
        assert!(ops("apt-get update").is_none());
        let (_, cmd, operands, _) = ops("env DEBIAN_FRONTEND=noninteractive npm i").unwrap();
        assert_eq!((cmd.as_str(), operands.len()), ("npm i", 0));
    }
}
