//! Files near a scanned one — lockfiles, included requirement files, workspace roots —
//! looked up by `/`-separated paths relative to the scan root. Lookups never go above
//! the root and never follow a link that leads out of it; files are read only when they
//! are regular files (or links resolving inside the root) within the size limit.

use std::path::{Path, PathBuf};

/// Where a scanned file sits: the root lookups are confined to, and the file's directory
/// relative to it (`""` for the root itself).
#[derive(Debug, Clone)]
pub struct Place {
    pub root: PathBuf,
    pub dir: String,
}

impl Place {
    /// The place of a file given its path relative to the scan root. A file named on the
    /// command line from outside the root is confined to its own directory.
    pub fn of(root: &Path, abs_path: &Path, rel_path: &str) -> Place {
        let inside = !rel_path.starts_with('/')
            && !Path::new(rel_path).is_absolute()
            && !rel_path.split('/').any(|c| c == "..");
        if inside {
            let dir = rel_path.rsplit_once('/').map_or("", |(d, _)| d);
            Place {
                root: root.to_path_buf(),
                dir: dir.to_owned(),
            }
        } else {
            Place {
                root: abs_path.parent().unwrap_or(Path::new(".")).to_path_buf(),
                dir: String::new(),
            }
        }
    }

    pub fn abs(&self, rel: &str) -> PathBuf {
        if rel.is_empty() {
            self.root.clone()
        } else {
            self.root.join(rel)
        }
    }

    /// `name` in the file's own directory, as a root-relative path.
    pub fn beside(&self, name: &str) -> String {
        join(&self.dir, name)
    }

    /// The file's directory and each ancestor up to the root, nearest first.
    pub fn ancestors(&self) -> Vec<String> {
        let mut out = vec![self.dir.clone()];
        let mut d = self.dir.as_str();
        while !d.is_empty() {
            d = d.rsplit_once('/').map_or("", |(p, _)| p);
            out.push(d.to_owned());
        }
        out
    }

    /// Whether root-relative `rel` is a regular file, or a link to one inside the root.
    pub fn is_file(&self, rel: &str) -> bool {
        let p = self.abs(rel);
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.is_file() => true,
            Ok(m) if m.file_type().is_symlink() => {
                self.inside_real(&p).is_some_and(|r| r.is_file())
            }
            _ => false,
        }
    }

    /// Whether root-relative `rel` is a directory (not a link).
    pub fn is_dir(&self, rel: &str) -> bool {
        std::fs::symlink_metadata(self.abs(rel)).is_ok_and(|m| m.is_dir())
    }

    /// Reads root-relative `rel` as text (lossily decoded, BOM dropped).
    pub fn read(&self, rel: &str, max: u64) -> Result<String, Unread> {
        let p = self.abs(rel);
        let meta = match std::fs::symlink_metadata(&p) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Unread::Missing),
            Err(e) => return Err(Unread::Error(e.to_string())),
        };
        // Even a regular file may sit below a linked directory: check where it really is.
        let Some(real) = self.inside_real(&p) else {
            return Err(Unread::OutsideRoot);
        };
        if !(meta.is_file() || (meta.file_type().is_symlink() && real.is_file())) {
            return Err(Unread::NotAFile);
        }
        let len = std::fs::metadata(&real).map_or(0, |m| m.len());
        if len > max {
            return Err(Unread::TooLarge(max));
        }
        let bytes = std::fs::read(&real).map_err(|e| Unread::Error(e.to_string()))?;
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        Ok(String::from_utf8_lossy(bytes).into_owned())
    }

    /// The real path of `p` if it lies inside the real root.
    fn inside_real(&self, p: &Path) -> Option<PathBuf> {
        let real = p.canonicalize().ok()?;
        let root = self.root.canonicalize().ok()?;
        real.starts_with(&root).then_some(real)
    }
}

/// Why a nearby file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unread {
    Missing,
    /// Above the scan root, or a link leading out of it.
    OutsideRoot,
    NotAFile,
    TooLarge(u64),
    Error(String),
}

impl std::fmt::Display for Unread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unread::Missing => f.write_str("no such file"),
            Unread::OutsideRoot => f.write_str("it is outside the scan root"),
            Unread::NotAFile => f.write_str("not a regular file"),
            Unread::TooLarge(max) => write!(f, "larger than the {max}-byte limit"),
            Unread::Error(e) => f.write_str(e),
        }
    }
}

/// `dir/rel` normalised (`.` and `..` resolved, `\` read as `/`); `None` if it climbs above
/// the root or is absolute.
pub fn join_rel(dir: &str, rel: &str) -> Option<String> {
    let rel = rel.replace('\\', "/");
    if rel.starts_with('/') || Path::new(&rel).is_absolute() || rel.contains(':') {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|c| !c.is_empty()).collect();
    for c in rel.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(parts.join("/"))
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_stay_inside() {
        assert_eq!(join_rel("req", "../base.txt").as_deref(), Some("base.txt"));
        assert_eq!(join_rel("", "./a/./b.txt").as_deref(), Some("a/b.txt"));
        assert_eq!(join_rel("a/b", "..\\c.txt").as_deref(), Some("a/c.txt"));
        assert_eq!(join_rel("", "../x.txt"), None);
        assert_eq!(join_rel("a", "../../x.txt"), None);
        assert_eq!(join_rel("a", "/etc/passwd"), None);
        assert_eq!(join_rel("a", "C:/x"), None);
    }

    #[test]
    fn places_and_ancestors() {
        let p = Place::of(
            Path::new("."),
            Path::new("./a/b/package.json"),
            "a/b/package.json",
        );
        assert_eq!(p.ancestors(), vec!["a/b", "a", ""]);
        assert_eq!(p.beside("yarn.lock"), "a/b/yarn.lock");
        let p = Place::of(
            Path::new("/r"),
            Path::new("/r/package.json"),
            "package.json",
        );
        assert_eq!(p.ancestors(), vec![""]);
        assert_eq!(p.beside("yarn.lock"), "yarn.lock");
        let p = Place::of(
            Path::new("/r"),
            Path::new("/x/y/Cargo.toml"),
            "../x/y/Cargo.toml",
        );
        assert_eq!(p.root, Path::new("/x/y"));
        assert_eq!(p.ancestors(), vec![""]);
    }

    #[cfg(unix)]
    #[test]
    fn links_out_of_the_root_are_not_followed() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.txt"), "x").unwrap();
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("in.txt"), "inside").unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("secret.txt"),
            root.path().join("out.txt"),
        )
        .unwrap();
        std::os::unix::fs::symlink(outside.path(), root.path().join("dir")).unwrap();
        std::os::unix::fs::symlink(root.path().join("in.txt"), root.path().join("alias.txt"))
            .unwrap();
        let p = Place {
            root: root.path().to_path_buf(),
            dir: String::new(),
        };
        assert_eq!(p.read("in.txt", 100).unwrap(), "inside");
        assert_eq!(p.read("alias.txt", 100).unwrap(), "inside");
        assert!(p.is_file("alias.txt"));
        assert_eq!(p.read("out.txt", 100), Err(Unread::OutsideRoot));
        assert!(!p.is_file("out.txt"));
        assert_eq!(p.read("dir/secret.txt", 100), Err(Unread::OutsideRoot));
        assert_eq!(p.read("nope.txt", 100), Err(Unread::Missing));
        assert_eq!(p.read("in.txt", 3), Err(Unread::TooLarge(3)));
    }
}
