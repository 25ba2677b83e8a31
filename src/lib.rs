//! dozen: a twelve-factor app linter and supply-chain pinning scanner.

pub mod classify;
pub mod finding;
pub mod parse;
pub mod source;
