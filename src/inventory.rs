//! Inventory counters: how many pinnable things a scan saw, not only how many were wrong.
//!
//! Findings say what is unpinned; coverage figures ("87% of images pinned by digest") also
//! need the denominator. A rule that judges pinnable references counts each one it judges
//! with [`Report::count`](crate::context::Report::count): the `*.total` counter for every
//! reference it could judge, and the matching pinned/locked counter for each one that
//! passed. The engine sums the counters of every file into
//! [`Scan::inventory`](crate::engine::Scan::inventory); `dozen fleet` turns them into
//! per-repository and organisation-wide coverage.
//!
//! Conventions for rules that count:
//! - Count every reference you judge, whether or not you report it, and whatever its
//!   suppression: a suppressed finding is still an unpinned reference.
//! - Do not count references you cannot judge (e.g. an image that is only `$IMAGE`).
//! - Count in every file your `triggers` let through; a file the prefilter skips must not
//!   contain anything countable (so triggers must be generous).
//! - Rules turned `off` in configuration are not run, so they count nothing.

/// Container image references judged (Dockerfile `FROM`, Compose `image:`, Kubernetes
/// `image:`, `docker://` actions, …).
pub const IMAGES_TOTAL: &str = "images.total";
/// Of [`IMAGES_TOTAL`], those pinned by a valid digest (`@sha256:<64 hex>`).
pub const IMAGES_PINNED: &str = "images.pinned";
/// GitHub Actions `uses:` references judged (workflows, composite actions), local
/// `./path` actions excluded.
pub const ACTIONS_TOTAL: &str = "actions.total";
/// Of [`ACTIONS_TOTAL`], those pinned by a full 40-character commit SHA.
pub const ACTIONS_PINNED: &str = "actions.pinned";
/// Application dependency manifests with dependencies (`package.json`, `pyproject.toml`,
/// `Cargo.toml`, …) judged for a lockfile.
pub const MANIFESTS_TOTAL: &str = "manifests.total";
/// Of [`MANIFESTS_TOTAL`], those whose dependencies are locked (a lockfile beside them or
/// at their workspace root).
pub const MANIFESTS_LOCKED: &str = "manifests.locked";

/// The pinning coverage pairs `(name, total counter, pinned counter)` fleet reports show.
pub const COVERAGE: [(&str, &str, &str); 3] = [
    ("images", IMAGES_TOTAL, IMAGES_PINNED),
    ("actions", ACTIONS_TOTAL, ACTIONS_PINNED),
    ("dependencies", MANIFESTS_TOTAL, MANIFESTS_LOCKED),
];
