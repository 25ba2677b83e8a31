//! Shards: `I/N` (1-based) picks a deterministic subset of the list.
//!
//! Repositories are ordered by the FNV-1a hash of their identity (ties by the identity)
//! and dealt round-robin: the repository at rank `k` belongs to shard `k mod N + 1`. The
//! assignment depends only on the set of identities in the list — not on the machine,
//! the process, or the order of lines — so shards never overlap, their union is the
//! whole list, and their sizes differ by at most one.

use super::fnv1a;
use super::list::Repo;

/// The most shards a run may be split into.
pub const MAX_SHARDS: u32 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based.
    pub index: u32,
    pub count: u32,
}

impl Shard {
    pub const ALL: Shard = Shard { index: 1, count: 1 };

    /// `2/5`.
    pub fn parse(spec: &str) -> Result<Shard, String> {
        let bad = || format!("`{spec}` is not a shard: write I/N with 1 <= I <= N, e.g. 2/5");
        let (i, n) = spec.trim().split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        Shard::new(index, count).ok_or_else(bad)
    }

    pub fn new(index: u32, count: u32) -> Option<Shard> {
        ((1..=MAX_SHARDS).contains(&count) && (1..=count).contains(&index))
            .then_some(Shard { index, count })
    }

    /// The shard the runner asked for through the environment: `DOZEN_SHARD=I/N`, or a
    /// Kubernetes Indexed Job's `JOB_COMPLETION_INDEX` (0-based) with
    /// `DOZEN_SHARD_COUNT=N`. Empty variables count as unset.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Option<Shard>, String> {
        let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        if let Some(spec) = get("DOZEN_SHARD") {
            return Shard::parse(&spec)
                .map(Some)
                .map_err(|e| format!("DOZEN_SHARD: {e}"));
        }
        match (get("JOB_COMPLETION_INDEX"), get("DOZEN_SHARD_COUNT")) {
            (None, None) => Ok(None),
            (Some(_), None) => Err(
                "JOB_COMPLETION_INDEX is set but DOZEN_SHARD_COUNT is not: set it to the Job's `completions` (or DOZEN_SHARD=1/1 to scan everything)"
                    .into(),
            ),
            (None, Some(_)) => Err(
                "DOZEN_SHARD_COUNT is set but JOB_COMPLETION_INDEX is not (use DOZEN_SHARD=I/N outside Indexed Jobs)".into(),
            ),
            (Some(i), Some(n)) => {
                let bad = || {
                    format!(
                        "JOB_COMPLETION_INDEX={i} with DOZEN_SHARD_COUNT={n} is not a shard: need 0 <= index < count <= {MAX_SHARDS}"
                    )
                };
                let index: u32 = i.trim().parse().map_err(|_| bad())?;
                let count: u32 = n.trim().parse().map_err(|_| bad())?;
                let index = index.checked_add(1).ok_or_else(bad)?;
                Shard::new(index, count).map(Some).ok_or_else(bad)
            }
        }
    }

    /// Indices into `repos` of this shard's repositories, in list order.
    pub fn select(&self, repos: &[Repo]) -> Vec<usize> {
        let mut ranked: Vec<(u64, &str, usize)> = repos
            .iter()
            .enumerate()
            .map(|(i, r)| (fnv1a(r.id.as_bytes()), r.id.as_str(), i))
            .collect();
        ranked.sort();
        let mut chosen: Vec<usize> = ranked
            .iter()
            .enumerate()
            .filter(|(rank, _)| *rank as u64 % u64::from(self.count) == u64::from(self.index - 1))
            .map(|(_, &(_, _, i))| i)
            .collect();
        chosen.sort_unstable();
        chosen
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn parses_specs() {
        assert_eq!(Shard::parse("2/5"), Ok(Shard { index: 2, count: 5 }));
        for bad in [
            "0/3", "4/3", "1/0", "a/b", "3", "", "-1/3", "1/3/4", "1/99999",
        ] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reads_the_environment() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            let map: HashMap<_, _> = pairs.iter().copied().collect();
            Shard::from_env(move |k| map.get(k).map(|v| v.to_string()))
        };
        assert_eq!(env(&[]), Ok(None));
        assert_eq!(env(&[("DOZEN_SHARD", "")]), Ok(None));
        assert_eq!(
            env(&[("DOZEN_SHARD", "3/4"), ("JOB_COMPLETION_INDEX", "0")]),
            Ok(Some(Shard { index: 3, count: 4 }))
        );
        assert_eq!(
            env(&[("JOB_COMPLETION_INDEX", "0"), ("DOZEN_SHARD_COUNT", "4")]),
            Ok(Some(Shard { index: 1, count: 4 }))
        );
        assert!(env(&[("JOB_COMPLETION_INDEX", "4"), ("DOZEN_SHARD_COUNT", "4")]).is_err());
        assert!(env(&[("JOB_COMPLETION_INDEX", "1")]).is_err());
        assert!(env(&[("DOZEN_SHARD", "5/4")]).is_err());
    }

    #[test]
    fn shards_partition_the_list_evenly() {
        let text: String = (0..103).map(|i| format!("https://h/o/r{i}\n")).collect();
        let (repos, _) = super::super::list::parse(&text, std::path::Path::new("/")).unwrap();
        for n in [1u32, 2, 3, 7, 200] {
            let mut seen = vec![0; repos.len()];
            let mut sizes = Vec::new();
            for i in 1..=n {
                let picked = Shard::new(i, n).unwrap().select(&repos);
                sizes.push(picked.len());
                for p in picked {
                    seen[p] += 1;
                }
            }
            assert!(seen.iter().all(|&c| c == 1), "n={n}");
            let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(max - min <= 1, "n={n}: {sizes:?}");
        }
        // Independent of line order.
        let mut reversed = repos.clone();
        reversed.reverse();
        let ids = |rs: &[Repo], picked: Vec<usize>| {
            let mut v: Vec<String> = picked.into_iter().map(|i| rs[i].id.clone()).collect();
            v.sort();
            v
        };
        let s = Shard::new(2, 3).unwrap();
        assert_eq!(
            ids(&repos, s.select(&repos)),
            ids(&reversed, s.select(&reversed))
        );
    }
}
