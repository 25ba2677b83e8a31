//! Container image references: `[registry[:port]/]name[:tag][@algo:digest]`.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef<'a> {
    /// Registry and repository, without tag or digest.
    pub name: &'a str,
    pub tag: Option<&'a str>,
    pub digest: Option<&'a str>,
}

impl<'a> ImageRef<'a> {
    pub fn parse(reference: &'a str) -> ImageRef<'a> {
        let (rest, digest) = match reference.split_once('@') {
            Some((r, d)) => (r, Some(d)),
            None => (reference, None),
        };
        // A tag's colon comes after the last slash; an earlier one is a registry port.
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
            None => (rest, None),
        };
        ImageRef { name, tag, digest }
    }

    /// A full content digest (`sha256:` + 64 hex, or `sha512:` + 128 hex).
    pub fn has_valid_digest(&self) -> bool {
        self.digest.is_some_and(is_valid_digest)
    }
}

pub fn is_valid_digest(d: &str) -> bool {
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    match d.split_once(':') {
        Some(("sha256", h)) => hex(h, 64),
        Some(("sha512", h)) => hex(h, 128),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_references() {
        let r = ImageRef::parse("localhost:5000/team/app:1.2@sha256:abc");
        assert_eq!(r.name, "localhost:5000/team/app");
        assert_eq!(r.tag, Some("1.2"));
        assert_eq!(r.digest, Some("sha256:abc"));
        assert!(!r.has_valid_digest());
        let r = ImageRef::parse("localhost:5000/app");
        assert_eq!((r.name, r.tag), ("localhost:5000/app", None));
        let d = format!("python@sha256:{}", "a".repeat(64));
        assert!(ImageRef::parse(&d).has_valid_digest());
    }
}
