//! Shallow checkouts with the system `git`, run non-interactively in a scrubbed
//! environment: no terminal prompts, no hooks, no `ext::` transport, nothing from the
//! repository ever executed, credentials only from git's own helpers or
//! `DOZEN_GIT_TOKEN` (handed to git through `GIT_CONFIG_*` variables, never on the
//! command line, never written to disk), and URLs never printed with credentials.
//!
//! A checkout lives in `<cache>/<slug>`: `git init` once, then every run
//! `git fetch --depth 1 origin <ref|HEAD>` and `git checkout --force --detach
//! FETCH_HEAD` — a shallow clone that later runs update in place. The remote URL is
//! passed through the environment too, so the cache holds no credentials.

use super::list::redact_text;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Variables passed through to git: where it finds the user's configuration and
/// credential helpers, SSH agent, proxies and CA certificates. Everything else is dropped.
const PASS_THROUGH: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "TMPDIR",
    "XDG_CONFIG_HOME",
    "GIT_CONFIG_GLOBAL",
    "GIT_CONFIG_SYSTEM",
    "GIT_CONFIG_NOSYSTEM",
    "GIT_SSH_COMMAND",
    "GIT_SSH",
    "SSH_AUTH_SOCK",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "GIT_SSL_CAINFO",
    "GIT_SSL_CAPATH",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "all_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "ALL_PROXY",
];

/// How git authenticates and how long it may take.
#[derive(Clone)]
pub struct GitOptions {
    /// `DOZEN_GIT_TOKEN`: sent as HTTP basic auth to `token_hosts` over https only.
    pub token: Option<String>,
    /// `DOZEN_GIT_TOKEN_USER` (default `x-access-token`; GitLab accepts any user name).
    pub token_user: String,
    /// `DOZEN_GIT_TOKEN_HOSTS`, comma-separated (default `github.com`).
    pub token_hosts: Vec<String>,
    /// Per git command.
    pub timeout: Duration,
}

impl GitOptions {
    pub fn from_env(timeout: Duration) -> GitOptions {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        GitOptions {
            token: var("DOZEN_GIT_TOKEN").map(|t| t.trim().to_owned()),
            token_user: var("DOZEN_GIT_TOKEN_USER").unwrap_or_else(|| "x-access-token".into()),
            token_hosts: var("DOZEN_GIT_TOKEN_HOSTS")
                .unwrap_or_else(|| "github.com".into())
                .split(',')
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect(),
            timeout,
        }
    }

    /// Removes credentials (URL user info, the token) from text git printed.
    pub fn redact(&self, text: &str) -> String {
        let mut s = redact_text(text);
        if let Some(t) = &self.token {
            if !t.is_empty() {
                s = s.replace(t.as_str(), "***");
                s = s.replace(&self.basic_auth(t), "***");
            }
        }
        s
    }

    fn basic_auth(&self, token: &str) -> String {
        base64(format!("{}:{token}", self.token_user).as_bytes())
    }
}

/// A git command with the scrubbed environment and dozen's safety configuration.
fn git(opts: &GitOptions, remote: Option<&str>) -> Command {
    let mut cmd = Command::new("git");
    cmd.env_clear();
    for k in PASS_THROUGH {
        if let Some(v) = std::env::var_os(k) {
            cmd.env(k, v);
        }
    }
    cmd.env("GIT_TERMINAL_PROMPT", "0")
        // Asked for a password anyway: fail instead of waiting for one.
        .env("GIT_ASKPASS", "false")
        .env("SSH_ASKPASS", "false")
        .env("GIT_LFS_SKIP_SMUDGE", "1")
        .env("LC_ALL", "C");
    if std::env::var_os("GIT_SSH_COMMAND").is_none() && std::env::var_os("GIT_SSH").is_none() {
        cmd.env("GIT_SSH_COMMAND", "ssh -o BatchMode=yes");
    }
    let mut config: Vec<(String, String)> = [
        ("core.hooksPath", "/dev/null"),
        ("core.fsmonitor", "false"),
        ("protocol.ext.allow", "never"),
        ("credential.interactive", "false"),
        ("advice.detachedHead", "false"),
        ("init.defaultBranch", "main"),
        ("gc.auto", "0"),
        ("http.lowSpeedLimit", "1000"),
        ("http.lowSpeedTime", "60"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    if let Some(url) = remote {
        config.push(("remote.origin.url".into(), url.to_owned()));
        if let (Some(token), Some(host)) = (&opts.token, https_host(url)) {
            if opts.token_hosts.contains(&host) {
                config.push((
                    format!("http.https://{host}/.extraHeader"),
                    format!("Authorization: Basic {}", opts.basic_auth(token)),
                ));
            }
        }
    }
    cmd.env("GIT_CONFIG_COUNT", config.len().to_string());
    for (i, (k, v)) in config.iter().enumerate() {
        cmd.env(format!("GIT_CONFIG_KEY_{i}"), k);
        cmd.env(format!("GIT_CONFIG_VALUE_{i}"), v);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// The lower-cased host of an `https://` URL.
fn https_host(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://").or_else(|| {
        url.get(..8)
            .filter(|p| p.eq_ignore_ascii_case("https://"))
            .map(|_| &url[8..])
    })?;
    let authority = rest.split('/').next()?;
    let host = authority.rsplit('@').next()?;
    let host = host.split(':').next()?;
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// Runs `cmd`, killing it after the timeout. Returns stdout, or an error built from
/// (redacted) stderr.
fn run(mut cmd: Command, opts: &GitOptions, what: &str) -> Result<String, String> {
    let mut child = cmd.spawn().map_err(|e| format!("cannot run git: {e}"))?;
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.take(1 << 20).read_to_end(&mut buf);
        }
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = stderr.as_mut() {
            let _ = s.take(1 << 20).read_to_end(&mut buf);
        }
        buf
    });
    let deadline = Instant::now() + opts.timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("cannot wait for git: {e}")),
        }
    };
    let Some(status) = status else {
        // A helper git started (ssh, git-remote-https) may still hold the pipes: leave
        // the readers to finish on their own rather than wait for them.
        return Err(format!(
            "{what} timed out after {}s",
            opts.timeout.as_secs()
        ));
    };
    let out = out_reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    if status.success() {
        return Ok(String::from_utf8_lossy(&out).into_owned());
    }
    let text = String::from_utf8_lossy(&err);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("hint:"))
        .collect();
    let tail = lines[lines.len().saturating_sub(3)..].join(" / ");
    let detail = if tail.is_empty() {
        format!("exit status {}", status.code().unwrap_or(-1))
    } else {
        tail.chars().take(500).collect()
    };
    Err(opts.redact(&format!("{what} failed: {detail}")))
}

/// Brings `url` at `git_ref` (default branch if `None`) into `dir`, creating or updating
/// the cached checkout. `url` may carry credentials; errors never show them.
pub fn checkout(
    url: &str,
    git_ref: Option<&str>,
    dir: &Path,
    opts: &GitOptions,
) -> Result<(), String> {
    if !dir.join(".git").is_dir() {
        if dir.exists() {
            std::fs::remove_dir_all(dir)
                .map_err(|e| format!("cannot clear {}: {e}", dir.display()))?;
        }
        if let Some(parent) = dir.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        let mut cmd = git(opts, None);
        cmd.args(["init", "--quiet", "--template="]).arg(dir);
        run(cmd, opts, "git init")?;
    }
    let target = git_ref.unwrap_or("HEAD");
    let mut cmd = git(opts, Some(url));
    cmd.current_dir(dir).args([
        "fetch",
        "--quiet",
        "--depth",
        "1",
        "--no-tags",
        "--no-recurse-submodules",
        "origin",
        target,
    ]);
    run(cmd, opts, &format!("git fetch of `{target}`"))?;
    let mut cmd = git(opts, None);
    cmd.current_dir(dir)
        .args(["checkout", "--quiet", "--force", "--detach", "FETCH_HEAD"]);
    run(cmd, opts, "git checkout")?;
    // Anything a previous, interrupted run left behind.
    let mut cmd = git(opts, None);
    cmd.current_dir(dir).args(["clean", "--quiet", "-ffdx"]);
    run(cmd, opts, "git clean")?;
    Ok(())
}

/// The commit checked out in `dir` (a checkout or any directory inside one), or `None`
/// when it is not a git working tree (or its HEAD cannot be read).
pub fn head_commit(dir: &Path, opts: &GitOptions) -> Option<String> {
    let mut cmd = git(opts, None);
    cmd.current_dir(dir)
        .args(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]);
    let out = run(cmd, opts, "git rev-parse").ok()?;
    let sha = out.trim();
    (matches!(sha.len(), 40 | 64) && sha.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| sha.to_owned())
}

/// The default cache: `$XDG_CACHE_HOME/dozen/repos`, else `~/.cache/dozen/repos`.
pub fn default_cache() -> Option<PathBuf> {
    let nonempty = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    nonempty("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| nonempty("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|c| c.join("dozen").join("repos"))
}

/// Standard base64 with padding (for the HTTP basic-auth header).
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }

    #[test]
    fn token_only_for_https_hosts_listed() {
        assert_eq!(
            https_host("https://u:p@GitHub.com:443/o/r").as_deref(),
            Some("github.com")
        );
        assert_eq!(https_host("http://github.com/o/r"), None);
        assert_eq!(https_host("git@github.com:o/r"), None);
        let opts = GitOptions {
            token: Some("ghp_secret123".into()),
            token_user: "x-access-token".into(),
            token_hosts: vec!["github.com".into()],
            timeout: Duration::from_secs(1),
        };
        let cmd = git(&opts, Some("https://github.com/o/r"));
        let envs: Vec<String> = cmd
            .get_envs()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    k.to_string_lossy(),
                    v.unwrap_or_default().to_string_lossy()
                )
            })
            .collect();
        assert!(
            envs.iter()
                .any(|e| e.contains("http.https://github.com/.extraHeader")),
            "{envs:?}"
        );
        assert!(
            cmd.get_args()
                .all(|a| !a.to_string_lossy().contains("ghp_"))
        );
        let cmd = git(&opts, Some("https://evil.example/o/r"));
        assert!(
            cmd.get_envs()
                .all(|(_, v)| !v.unwrap_or_default().to_string_lossy().contains("Basic"))
        );
        assert_eq!(
            opts.redact("auth ghp_secret123 at https://a:b@h/x"),
            "auth *** at https://***@h/x"
        );
    }
}
