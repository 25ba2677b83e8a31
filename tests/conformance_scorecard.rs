//! Conformance with OpenSSF Scorecard's Pinned-Dependencies check on Scorecard's own test
//! data (`../shared/conformance/scorecard/`, from ossf/scorecard
//! `checks/raw/testdata/`, Apache-2.0; expectations from
//! `checks/raw/pinned_dependencies_test.go`, see `../shared/conformance/README.md`).
//!
//! Each input is copied into a temporary directory under the name Scorecard's matcher
//! needs (`Dockerfile`, `*.sh`, `.github/workflows/*.yaml`) and the real binary runs
//! over it with `policy = "scorecard"`. The supply-chain findings of factor II are
//! counted per Scorecard validator: images (`unpinned-image`, Scorecard's
//! `validateDockerfilesPinning`), scripts (`unpinned-package-install` +
//! `unverified-download`, Scorecard's `validate…InsecureDownloads`) and actions
//! (`unpinned-action`, and `unpinned-image` for `uses: docker://` steps:
//! `validateGitHubActionWorkflow`).
//!
//! An upstream test runs one validator on an input; a real Scorecard run runs all of
//! them. Where the table gives no upstream number for a validator, the count dozen's
//! preset gives is recorded with the reason ([`Count::Derived`]). Counts under dozen's
//! default policy (`standard`) are checked too, with a one-line reason wherever they
//! differ from the preset.
//!
//! Should `unpinned-action` be missing from a build, its expectations are skipped with a
//! printed `SKIPPED` line rather than counted as zero.

mod common;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Cat {
    Images,
    Scripts,
    Actions,
}

fn category(rule: &str) -> Option<Cat> {
    match rule {
        "unpinned-image" => Some(Cat::Images),
        "unpinned-package-install" | "unverified-download" => Some(Cat::Scripts),
        "unpinned-action" => Some(Cat::Actions),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy)]
enum Count {
    /// The count an upstream test asserts for this validator on this input.
    Upstream(usize),
    /// No upstream test runs this validator on this input: what the preset counts, why.
    Derived(usize, &'static str),
}

impl std::fmt::Display for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Count::Upstream(n) => write!(f, "{n} (upstream)"),
            Count::Derived(n, why) => write!(f, "{n} ({why})"),
        }
    }
}

impl Count {
    fn n(self) -> usize {
        match self {
            Count::Upstream(n) | Count::Derived(n, _) => n,
        }
    }
}

const NONE: Count = Count::Derived(0, "nothing of this kind in the input");

#[derive(Debug, Clone, Copy)]
enum Place {
    Dockerfile,
    /// Scorecard's vendor rule: files under `vendor/` are skipped.
    VendorDockerfile,
    Script,
    Workflow,
}

struct Case {
    input: &'static str,
    place: Place,
    images: Count,
    scripts: Count,
    actions: Count,
    /// Upstream records a processing error (parse failure): dozen gives a `parse-error`.
    processing_error: bool,
    /// Default-policy counts that differ from the preset, with the reason.
    standard: &'static [(Cat, usize, &'static str)],
}

const EXEC_FORM: &str = "exec-form RUN runs no shell: Docker passes `|`, `&&` and `>` to the program as arguments, and a JSON string with quotes inside is one word to `sh -c`; Scorecard joins the elements into a shell line";
const PER_PACKAGE: &str = "dozen's default judges each package: `==` pins pip (no `--require-hashes`), `pip install -r FILE` is left to unpinned-requirement, editable local and commit-pinned VCS installs pass, `go get` edits go.mod, choco/NuGet are not checked, and `npm install NAME@1.2.3` is pinned";
const CLOUD_COPY: &str = "gsutil and `aws s3api get-object` copy from storage the project controls; dozen's default does not treat them as downloads";
const APT_RUN: &str = "dozen checks the twelve packages of a `sudo apt-get install` in a `run:` step; Scorecard does not read apt";
const STAGE: &str =
    "`FROM <earlier stage>` is not another image: dozen reports the stage's own FROM once";

fn cases() -> Vec<Case> {
    use Cat::*;
    use Count::*;
    use Place::*;
    let docker = |input, images, scripts| Case {
        input,
        place: Dockerfile,
        images,
        scripts,
        actions: NONE,
        processing_error: false,
        standard: &[],
    };
    let script = |input, scripts| Case {
        input,
        place: Script,
        images: NONE,
        scripts,
        actions: NONE,
        processing_error: false,
        standard: &[],
    };
    let workflow = |input, scripts, actions| Case {
        input,
        place: Workflow,
        images: NONE,
        scripts,
        actions,
        processing_error: false,
        standard: &[],
    };
    let runs_nothing = Derived(
        0,
        "its RUN lines install and download nothing Scorecard counts",
    );
    vec![
        // TestDockerfilePinning
        Case {
            standard: &[(Images, 1, STAGE)],
            ..docker("Dockerfile-not-pinned-as", Upstream(2), runs_nothing)
        },
        Case {
            place: VendorDockerfile,
            ..docker("vendor/Dockerfile-not-pinned-as", Upstream(0), NONE)
        },
        Case {
            standard: &[(
                Scripts,
                1,
                "dozen checks `apt-get install vim` (Scorecard does not read apt) and leaves `pip install -r requirements.txt` to unpinned-requirement",
            )],
            ..docker(
                "Dockerfile-not-pinned",
                Upstream(1),
                Derived(
                    2,
                    "two `pip install -r requirements.txt` without `--require-hashes`",
                ),
            )
        },
        docker("Dockerfile-not-pinned-as-simple", Upstream(1), NONE),
        Case {
            standard: &[(
                Scripts,
                1,
                "dozen checks `apt-get install vim`; Scorecard does not read apt",
            )],
            ..docker("Dockerfile-pinned", Upstream(0), runs_nothing)
        },
        docker("Dockerfile-pinned-as", Upstream(0), runs_nothing),
        docker("Dockerfile-from-scratch", Upstream(0), NONE),
        docker("Dockerfile-pinned-arg", Upstream(0), NONE),
        docker("Dockerfile-empty", Upstream(0), NONE),
        docker("Dockerfile-comments", Upstream(0), NONE),
        Case {
            standard: &[(
                Scripts,
                1,
                "dozen checks `apt-get install vim` and leaves `pip install -r` to unpinned-requirement",
            )],
            ..docker(
                "Dockerfile-invalid",
                Upstream(0),
                Derived(
                    2,
                    "two `pip install -r requirements.txt` without `--require-hashes`",
                ),
            )
        },
        // TestDockerfilePinningWithoutHash
        Case {
            standard: &[(Images, 2, STAGE)],
            ..docker(
                "Dockerfile-pinned-as-without-hash",
                Upstream(4),
                runs_nothing,
            )
        },
        Case {
            standard: &[(
                Images,
                1,
                "`FROM ${ARG}:${TAG}` is made of variables with no known value: dozen reports nothing rather than guess",
            )],
            ..docker("Dockerfile-args", Upstream(2), NONE)
        },
        docker("Dockerfile-base", Upstream(0), NONE),
        // TestDockerfileScriptDownload
        Case {
            standard: &[(Scripts, 4, EXEC_FORM)],
            ..docker("Dockerfile-curl-sh", NONE, Upstream(5))
        },
        Case {
            standard: &[(
                Scripts,
                0,
                "`wget -0 -` (a zero, not `-O`) writes nothing to stdout, so nothing reaches `/bin/sh`; the other two lines are exec form",
            )],
            ..docker("Dockerfile-wget-bin-sh", NONE, Upstream(4))
        },
        Case {
            standard: &[(Scripts, 10, EXEC_FORM)],
            ..docker("Dockerfile-curl-file-sh", NONE, Upstream(12))
        },
        Case {
            processing_error: true,
            standard: &[(Scripts, 4, EXEC_FORM)],
            ..docker("Dockerfile-proc-subs", NONE, Upstream(6))
        },
        Case {
            standard: &[(Scripts, 8, EXEC_FORM)],
            ..docker("Dockerfile-wget-file", NONE, Upstream(10))
        },
        Case {
            standard: &[(Scripts, 0, CLOUD_COPY)],
            ..docker("Dockerfile-gsutil-file", NONE, Upstream(17))
        },
        Case {
            standard: &[(Scripts, 0, CLOUD_COPY)],
            ..docker("Dockerfile-aws-file", NONE, Upstream(15))
        },
        Case {
            standard: &[(Scripts, 29, PER_PACKAGE)],
            ..docker("Dockerfile-pkg-managers", NONE, Upstream(63))
        },
        Case {
            standard: &[(
                Scripts,
                0,
                "`pip install ${PACKAGE}` installs a variable: dozen does not guess its value",
            )],
            ..docker("Dockerfile-some-python", NONE, Upstream(1))
        },
        docker("Dockerfile-script-ok", NONE, Upstream(0)),
        Case {
            processing_error: true,
            standard: &[(
                Scripts,
                0,
                "choco installs are not checked by dozen's default",
            )],
            ..docker(
                "Dockerfile-not-pinned-with-parser-error",
                Upstream(1), // TestDockerfilePinning
                Upstream(2), // TestDockerfileScriptDownload: `curl bla | bash` is in the broken RUN
            )
        },
        // TestDockerfileScriptDownloadInfo
        docker("Dockerfile-no-curl-sh", NONE, Upstream(0)),
        Case {
            processing_error: true,
            ..docker("Dockerfile-no-curl-sh-with-parser-error", NONE, Upstream(0))
        },
        // TestShellScriptDownload
        script("script-bash", Upstream(11)),
        Case {
            standard: &[(Scripts, 29, PER_PACKAGE)],
            ..script("script-pkg-managers", Upstream(56))
        },
        script("script-wget-pinned", Upstream(0)),
        script("script-empty.sh", Upstream(0)),
        script("script-comments.sh", Upstream(0)),
        script("script-free-from-download.sh", Upstream(0)),
        Case {
            processing_error: true,
            standard: &[(
                Scripts,
                2,
                "dozen's shell reader recovers from the syntax error and still reports the two `curl … | bash` around it",
            )],
            ..script("script-invalid.sh", Upstream(0))
        },
        // TestGithubWorkflowPkgManagerPinning, TestGitHubWorkflowRunDownload
        Case {
            standard: &[(Scripts, 24, PER_PACKAGE)],
            ..workflow("github-workflow-pkg-managers.yaml", Upstream(52), NONE)
        },
        workflow(
            "github-workflow-curl-default.yaml",
            Upstream(1),
            Derived(0, "its only action is pinned to a commit"),
        ),
        workflow(
            "github-workflow-curl-no-default.yaml",
            Upstream(1),
            Derived(0, "its only action is pinned to a commit"),
        ),
        workflow(
            "github-workflow-wget-across-steps.yaml",
            Upstream(2),
            Derived(0, "its only action is pinned to a commit"),
        ),
        Case {
            standard: &[(
                Scripts,
                0,
                "`pip install cibuildwheel==2.9.0` is pinned to a version (Scorecard wants `--require-hashes`), and dozen reads the job whose OS it cannot tell as bash",
            )],
            ..workflow("github-workflow-unknown-os.yaml", Upstream(1), Upstream(2))
        },
        // TestGithubWorkflowPinning, TestNonGithubWorkflowPinning
        Case {
            standard: &[(Scripts, 12, APT_RUN)],
            ..workflow("workflow-not-pinned.yaml", NONE, Upstream(2))
        },
        Case {
            standard: &[(Scripts, 12, APT_RUN)],
            ..workflow("workflow-pinned.yaml", NONE, Upstream(0))
        },
        workflow("workflow-local-action.yaml", NONE, Upstream(0)),
        workflow("github-workflow-empty.yaml", NONE, Upstream(0)),
        workflow("github-workflow-comments.yaml", NONE, Upstream(0)),
        workflow("github-workflow-matrix-expression.yaml", NONE, Upstream(0)),
        workflow("workflow-anchor.yaml", NONE, Upstream(1)),
        workflow("workflow-non-github-pinned.yaml", NONE, Upstream(0)),
        workflow(
            "workflow-mix-github-and-non-github-pinned.yaml",
            NONE,
            Upstream(0),
        ),
        workflow(
            "workflow-mix-github-and-non-github-not-pinned.yaml",
            NONE,
            Upstream(2),
        ),
        workflow(
            "workflow-mix-pinned-and-non-pinned-github.yaml",
            NONE,
            Upstream(1),
        ),
        workflow(
            "workflow-mix-pinned-and-non-pinned-non-github.yaml",
            NONE,
            Upstream(1),
        ),
    ]
}

/// Line-number tests upstream: each range must hold an unpinned script finding (the
/// entries upstream lists as pinned are left out: dozen reports only unpinned ones).
/// (input, placement, line ranges upstream expects a finding in).
type LineCase = (&'static str, Place, Vec<(u64, u64)>);

fn line_cases() -> Vec<LineCase> {
    let one = |ls: &[u64]| ls.iter().map(|&l| (l, l)).collect::<Vec<_>>();
    vec![
        (
            "Dockerfile-download-lines",
            Place::Dockerfile,
            [(35, 36), (41, 42)]
                .into_iter()
                .chain(one(&[46, 47, 48, 49, 50, 51, 52, 60, 61, 64, 68, 69, 70]))
                .collect(),
        ),
        (
            "Dockerfile-download-multi-runs",
            Place::Dockerfile,
            vec![(28, 28), (30, 30), (32, 34), (37, 38)],
        ),
        (
            "Dockerfile-download-heredoc",
            Place::Dockerfile,
            vec![
                (20, 20),
                (28, 28),
                (36, 36),
                (38, 38),
                (43, 44),
                (45, 45),
                (51, 53),
            ],
        ),
        (
            "Dockerfile-not-pinned-with-parser-error",
            Place::Dockerfile,
            vec![(4, 4), (9, 9)],
        ),
        (
            "shell-download-lines.sh",
            Place::Script,
            one(&[
                6, 11, 18, 20, 26, 28, 30, 31, 38, 39, 40, 41, 42, 43, 44, 52, 53, 56, 59, 63, 64,
                69, 70, 71,
            ]),
        ),
        (
            ".github/workflows/github-workflow-download-lines.yaml",
            Place::Workflow,
            vec![(27, 27), (29, 29), (32, 32)],
        ),
    ]
}

fn source_dir() -> Option<PathBuf> {
    let dir = common::shared()?.join("conformance/scorecard");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("SKIPPED: {} is absent", dir.display());
        None
    }
}

/// Copies one input into a fresh directory under the name Scorecard's matcher needs.
fn stage(src: &Path, input: &str, place: Place) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let name = input.rsplit('/').next().unwrap();
    let rel = match place {
        Place::Dockerfile => "Dockerfile".to_owned(),
        Place::VendorDockerfile => "vendor/Dockerfile".to_owned(),
        Place::Script if name.ends_with(".sh") => name.to_owned(),
        Place::Script => format!("{name}.sh"),
        Place::Workflow => format!(".github/workflows/{name}"),
    };
    let path = src.join(
        if input.starts_with(".github") || matches!(place, Place::Workflow) {
            format!(".github/workflows/{name}")
        } else {
            input.to_owned()
        },
    );
    let dest = dir.path().join("repo").join(&rel);
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    std::fs::copy(&path, &dest).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (dir, rel)
}

/// Findings per rule (with their lines) for a staged input under `policy`.
fn run(dir: &Path, policy: &str) -> Vec<(String, u64)> {
    let config = dir.join("dozen-conformance.toml");
    std::fs::write(&config, format!("policy = \"{policy}\"\n")).unwrap();
    let out = common::check(
        dir,
        &[
            "--format",
            "json",
            "--config",
            config.to_str().unwrap(),
            "repo",
        ],
    );
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = common::json(&out);
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// In a workflow, Scorecard's `uses:` validator also counts `docker://` steps, which
/// dozen reports as `unpinned-image` (the rule catalog's split); the inputs here have no
/// `container:`/`services:` images, which Scorecard would not count.
fn per_category(findings: &[(String, u64)], place: Place) -> BTreeMap<Cat, usize> {
    let mut m = BTreeMap::new();
    for (rule, _) in findings {
        let cat = match (category(rule), place) {
            (Some(Cat::Images), Place::Workflow) => Some(Cat::Actions),
            (c, _) => c,
        };
        if let Some(c) = cat {
            *m.entry(c).or_insert(0) += 1;
        }
    }
    m
}

fn registered_rules() -> Vec<String> {
    let out = common::dozen()
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn scorecard_preset_reproduces_upstream_counts() {
    let Some(src) = source_dir() else { return };
    let actions_ready = registered_rules().iter().any(|r| r == "unpinned-action");
    let mut failures = Vec::new();
    let mut skipped = Vec::new();
    for case in cases() {
        let (tmp, rel) = stage(&src, case.input, case.place);
        let preset = run(tmp.path(), "scorecard");
        let standard = run(tmp.path(), "standard");
        let (got, got_std) = (
            per_category(&preset, case.place),
            per_category(&standard, case.place),
        );
        println!(
            "{}: images {}, scripts {}, actions {}",
            case.input, case.images, case.scripts, case.actions
        );
        for (cat, n, why) in case.standard {
            println!("  standard policy: {cat:?} {n} — {why}");
        }
        for (cat, want) in [
            (Cat::Images, case.images),
            (Cat::Scripts, case.scripts),
            (Cat::Actions, case.actions),
        ] {
            if cat == Cat::Actions && !actions_ready {
                if want.n() > 0 || matches!(want, Count::Upstream(_)) {
                    skipped.push(format!(
                        "{}: {:?} expects {} (pending: unpinned-action is not registered)",
                        case.input,
                        want,
                        want.n()
                    ));
                }
                continue;
            }
            let n = got.get(&cat).copied().unwrap_or(0);
            if n != want.n() {
                failures.push(format!(
                    "{} as {rel} (policy scorecard): {cat:?} {n}, expected {want:?}",
                    case.input
                ));
            }
            let std_want = case
                .standard
                .iter()
                .find(|(c, _, _)| *c == cat)
                .map_or(want.n(), |(_, n, _)| *n);
            let n = got_std.get(&cat).copied().unwrap_or(0);
            if n != std_want {
                failures.push(format!(
                    "{} as {rel} (policy standard): {cat:?} {n}, expected {std_want}",
                    case.input
                ));
            }
        }
        if case.processing_error && !preset.iter().any(|(r, _)| r == "parse-error") {
            failures.push(format!(
                "{}: upstream records a processing error; dozen gave no parse-error",
                case.input
            ));
        }
    }
    for s in &skipped {
        println!("SKIPPED {s}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn scorecard_preset_reports_upstream_lines() {
    let Some(src) = source_dir() else { return };
    let mut failures = Vec::new();
    for (input, place, ranges) in line_cases() {
        let (tmp, _) = stage(&src, input, place);
        let found: Vec<u64> = run(tmp.path(), "scorecard")
            .into_iter()
            .filter(|(r, _)| category(r) == Some(Cat::Scripts))
            .map(|(_, l)| l)
            .collect();
        for (a, b) in ranges {
            if !found.iter().any(|l| (a..=b).contains(l)) {
                failures.push(format!(
                    "{input}: nothing reported on lines {a}-{b} (found {found:?})"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Scorecard reads `.sh` files by their shebang: sh, bash and mksh are shell; awk and
/// zsh are not. A download appended to each shows whether dozen reads it as shell.
#[test]
fn shell_detection_follows_the_shebang() {
    let Some(src) = source_dir() else { return };
    for (name, is_shell) in [
        ("shell_file_bash_shebang1.sh", true),
        ("shell_file_bash_shebang2.sh", true),
        ("shell_file_bash_shebang3.sh", true),
        ("shell_file_sh_shebang.sh", true),
        ("shell_file_mksh_shebang.sh", true),
        ("shell_file_no_shebang.sh", true),
        ("shell_file_awk_shebang.sh", false),
        ("shell_file_zsh_shebang.sh", false),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut text = std::fs::read_to_string(src.join(name)).unwrap();
        text.push_str("\ncurl -fsSL https://example.com/x | sh\n");
        std::fs::create_dir_all(dir.path().join("repo")).unwrap();
        std::fs::write(dir.path().join("repo").join(name), text).unwrap();
        let found = run(dir.path(), "scorecard")
            .iter()
            .any(|(r, _)| r == "unverified-download");
        assert_eq!(found, is_shell, "{name}");
    }
}
