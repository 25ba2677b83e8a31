//! Light semantic models over syntax trees: which names are imported from where, so rules
//! can ask for `logging.FileHandler` whether it was written `FileHandler`, `logging.FileHandler`
//! or `lg.FileHandler`.

pub mod commands;
pub mod deploy;
pub mod entrypoint;
pub mod install;
pub mod js;
pub mod python;
pub mod rust;
pub mod scorecard;
pub mod web;
