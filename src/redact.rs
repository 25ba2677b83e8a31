//! Secrets are never printed in full: at most their first four characters and `…`.

/// `hunter2-long-secret` → `hunt…`. Values of four characters or fewer are fully masked.
pub fn mask(value: &str) -> String {
    let count = value.chars().count();
    if count <= 4 {
        return "…".to_owned();
    }
    let head: String = value.chars().take(4).collect();
    format!("{head}…")
}

#[cfg(test)]
mod tests {
    #[test]
    fn masks() {
        assert_eq!(super::mask("AKIAIOSFODNN7EXAMPLE"), "AKIA…");
        assert_eq!(super::mask("abc"), "…");
    }
}
