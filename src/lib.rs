//! dozen: a twelve-factor app linter and supply-chain pinning scanner.
//!
//! The pipeline: [`walk`] finds files, [`classify`] names their kind, [`engine`] reads each
//! once and runs the [`rules`] that want it over parses shared through [`context::Cx`],
//! and [`report`] renders the sorted findings.

pub mod baseline;
pub mod catalog;
pub mod classify;
pub mod cli;
pub mod config;
pub mod context;
pub mod engine;
pub mod finding;
pub mod fleet;
pub mod inventory;
pub mod lang;
pub mod output;
pub mod parse;
pub mod redact;
pub mod report;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod triggers;
pub mod walk;

#[cfg(test)]
mod test_random;
